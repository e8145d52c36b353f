/*
 * ddb/client.h - a DynamoDB client: endpoint, credentials, signing,
 * transport, retries, checksum verification and error parsing.
 *
 * Endpoint resolution, first match wins:
 *   config.endpoint, $AWS_ENDPOINT_URL_DYNAMODB, $AWS_ENDPOINT_URL,
 *   https://dynamodb.<region>.amazonaws.com (".com.cn" for "cn-" regions)
 * Region: config.region, $AWS_REGION, $AWS_DEFAULT_REGION, the shared config
 * file's `region` (profile $AWS_PROFILE or "default"), else "us-east-1".
 * Empty environment variables count as unset; the environment is read
 * once, by ddb_client_new, and never modified.
 *
 * Ownership: ddb_client_new copies every string of the config. The
 * credentials provider and transport given in the config become owned by
 * the client when ddb_client_new succeeds (released by ddb_client_free);
 * when it fails they stay the caller's.
 *
 * Thread safety: a client is safe to share between threads once created;
 * ddb_client_free must not race with calls in flight.
 */
#ifndef DDB_CLIENT_H
#define DDB_CLIENT_H

#include "ddb/export.h"

#include <stdbool.h>
#include <stddef.h>

#include "ddb/buf.h"
#include "ddb/creds.h"
#include "ddb/retry.h"
#include "ddb/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ddb_client ddb_client;

typedef struct ddb_client_config {
    unsigned version;                     /* DDB_CLIENT_CONFIG_VERSION */
    const char *endpoint;                 /* NULL: environment / region */
    const char *region;                   /* NULL: environment / shared config */
    ddb_credentials_provider *credentials; /* NULL: default chain */
    ddb_transport *transport;             /* NULL: ddb_native_transport_new (http natively, https by libcurl) */
    long connect_timeout_ms;              /* 0: 2000 */
    long request_timeout_ms;              /* 0: 30000, per attempt */
    size_t max_connections;               /* default transport's pool size; 0: 16 */
    int verify_tls;                       /* default transport: -1 default (on), 0 off, 1 on */
    ddb_retry_policy retry;               /* copied; max_attempts must be >= 1 */
    bool verify_crc32;                    /* default true */
    /* version 2: the AWS service the client speaks: NULL or "dynamodb"
     * (DynamoDB_20120810, the default), "kms" (TrentService, for the KMS
     * keyring), both JSON (ddb_client_call); "s3", REST (ddb_client_send;
     * ddb/s3.h); "sts", REST (the assume-role credential providers,
     * ddb/creds.h). The endpoint comes from AWS_ENDPOINT_URL_<SERVICE>,
     * AWS_ENDPOINT_URL or <service>.<region>.amazonaws.com. */
    const char *service;
    /* version 3: the PEM file of the certificate authorities the default
     * transport trusts for https (copied). NULL: $AWS_CA_BUNDLE, else the
     * shared config's `ca_bundle` ($AWS_PROFILE or "default"), else the
     * system's (OpenSSL's default paths). */
    const char *ca_file;
    /* version 3: the longest response body accepted (DDB_ELIMIT beyond,
     * before reading it when its Content-Length says so). 0: the default,
     * DDB_DEFAULT_MAX_RESPONSE_BYTES (128 MiB; none for "s3", whose
     * objects are the caller's data); SIZE_MAX: no limit. */
    size_t max_response_bytes;
    /* version 3: allow http:// to a host other than this machine
     * (localhost, 127.0.0.0/8, ::1 are always allowed). Off: such an
     * endpoint is DDB_ECONFIG at creation, since signed requests and
     * session tokens would cross the network unencrypted; the environment
     * variable DDB_ALLOW_PLAIN_HTTP=1 allows it too. */
    bool allow_plain_http;
} ddb_client_config;

#define DDB_DEFAULT_MAX_RESPONSE_BYTES ((size_t)128 << 20)

/* Versions 1 (without `service`) and 2 (without `ca_file`) are still
 * accepted. */
#define DDB_CLIENT_CONFIG_VERSION 3
#define DDB_CLIENT_CONFIG_INIT                                                                  \
    {DDB_CLIENT_CONFIG_VERSION, NULL, NULL, NULL, NULL, 0, 0, 0, -1, DDB_RETRY_POLICY_INIT, true, NULL, NULL, 0, false}

/*
 * Creates a client. `cfg` NULL means all defaults. Returns 0, DDB_EINVAL
 * (unknown config version, malformed endpoint, max_attempts 0),
 * DDB_ENOMEM, DDB_ENETWORK (transport set-up), or what creating the
 * default credentials chain returns.
 *
 * The endpoint must be "http://" or "https://" + host (a name, an IPv4
 * address or a bracketed IPv6 address) + optional ":port" + optional path;
 * no user info, query or fragment. The Host header is the host as
 * written, with the port unless it is the scheme's default.
 */
DDB_API int ddb_client_new(ddb_client **out, const ddb_client_config *cfg);
/* Releases the client and what it owns. NULL-safe. */
DDB_API void ddb_client_free(ddb_client *c);

/* The resolved endpoint URL (normalised: path "/" when none was given)
 * and region, owned by the client. */
DDB_API const char *ddb_client_endpoint(const ddb_client *c);
DDB_API const char *ddb_client_region(const ddb_client *c);
/* The client's retry policy (read-only; its hooks are what the client uses
 * to sleep, so helpers that back off, such as waiters and batch loops,
 * share the schedule and the test hooks). */
DDB_API const ddb_retry_policy *ddb_client_retry_policy(const ddb_client *c);

/*
 * One JSON-protocol call to the client's service: signs `body` for
 * X-Amz-Target "DynamoDB_20120810.<operation>" ("TrentService.<operation>"
 * for KMS), sends it, verifies x-amz-crc32 (when the
 * response carries it and config.verify_crc32 is set), and retries per the
 * client's policy and retry quota. Thread-safe.
 *
 * Credentials come from the provider on the first call and are cached in
 * the client; they are fetched again when they are within 60 s of their
 * expiration, and after a call fails with DDB_EAUTH. A provider is
 * therefore never called per request.
 *
 * The response body is appended to `resp` (caller-owned; its capacity is
 * reused, so pass the same buffer across calls to avoid allocations):
 *   - on success, the body of the 2xx response;
 *   - when the last attempt got an AWS error response, that error body
 *     (ops read CancellationReasons from it);
 *   - otherwise nothing.
 *
 * Returns 0 or the DDB_E* code of the last attempt (see ddb_error_from_
 * response; DDB_ECRC on checksum mismatch; transport codes). The last
 * error then holds the AWS error type, message, HTTP status, request id,
 * `operation`, `table` (may be NULL) and the number of attempts made. When
 * the retry quota stops a retry, the code is still that of the last attempt
 * and the message ends with "[retry quota exhausted]".
 */
DDB_API int ddb_client_call(ddb_buf *resp, ddb_client *c, const char *operation, const char *table,
                    const char *body, size_t body_len);

/*
 * One REST request (S3) to the client's service: signed with S3's SigV4
 * rules (the path as given, x-amz-content-sha256), sent, and retried per
 * the client's policy. `path` is percent-encoded and starts with '/';
 * `query` is the encoded query string without '?' (NULL: none);
 * `host_prefix` ("bucket.") goes in front of the endpoint's host for
 * virtual-hosted addressing (NULL: path-style). `headers` are extra signed
 * headers (Content-Type, Content-MD5, ...); Host and the signature's are
 * added. The response's status, kept headers and body (appended to
 * resp->body) are filled for the final attempt. 0 for 2xx; else the code
 * of the S3 error (<Code>: NoSuchKey / NotFound DDB_ENOTFOUND, NoSuchBucket
 * DDB_ERESOURCE, AccessDenied DDB_EAUTH, SlowDown DDB_ETHROTTLED, ...; a
 * body-less 404 DDB_ENOTFOUND), recorded with its message and request id.
 * Thread-safe.
 */
typedef struct ddb_rest_request {
    const char *method;      /* "GET", "PUT", "HEAD", "DELETE", "POST" */
    const char *path;
    const char *query;
    const char *host_prefix;
    const ddb_header *headers;
    size_t n_headers;
    const void *body;
    size_t body_len;
    const char *operation;   /* for messages: "PutObject" */
} ddb_rest_request;

DDB_API int ddb_client_send(ddb_http_response *resp, ddb_client *c, const ddb_rest_request *req);

/*
 * The process default client used by generated models whose connection slot
 * is unset. ddb_default_client_set takes ownership of `c` (NULL clears it)
 * and frees the previous one; do not call it while other threads use the
 * default client. ddb_default_client() creates one from the environment on
 * first use (thread-safe, lock-free once created); NULL if that fails
 * (error recorded; the next call tries again).
 */
DDB_API ddb_client *ddb_default_client(void);
DDB_API void ddb_default_client_set(ddb_client *c);

/*
 * Maps an AWS error response to a DDB_E* code and records it as the last
 * error: code, HTTP status, AWS type (the part of "__type" after '#'),
 * message and request id (may be NULL). `body` is the JSON error body
 * ({"__type": "...#Type", "message": "..."}); "Message" is accepted too,
 * and a body that is not JSON becomes the message (truncated). The type
 * decides the code (docs/runtime.md has the table); unknown types fall
 * back on the status: 5xx DDB_ESERVICE, 429 DDB_ETHROTTLED, 401/403
 * DDB_EAUTH, 413 DDB_ELIMIT, other 4xx DDB_EVALIDATION, else
 * DDB_EPROTOCOL. Returns the code. Thread-safe.
 */
DDB_API int ddb_error_from_response(long http_status, const char *body, size_t len,
                            const char *request_id);

#ifdef __cplusplus
}
#endif

#endif /* DDB_CLIENT_H */
