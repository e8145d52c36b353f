/*
 * ddb/client.h - a DynamoDB client: endpoint, credentials, signing,
 * transport, retries, checksum verification and error parsing.
 *
 * Endpoint resolution, first match wins:
 *   config.endpoint, $AWS_ENDPOINT_URL_DYNAMODB, $AWS_ENDPOINT_URL,
 *   https://dynamodb.<region>.amazonaws.com
 * Region: config.region, $AWS_REGION, $AWS_DEFAULT_REGION, the shared config
 * file's `region`, else "us-east-1".
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
    ddb_transport *transport;             /* NULL: libcurl */
    long connect_timeout_ms;              /* 0: 2000 */
    long request_timeout_ms;              /* 0: 30000, per attempt */
    size_t max_connections;               /* curl pool size; 0: 16 */
    int verify_tls;                       /* -1: default (on) */
    ddb_retry_policy retry;
    bool verify_crc32;                    /* default true */
} ddb_client_config;

#define DDB_CLIENT_CONFIG_VERSION 1
#define DDB_CLIENT_CONFIG_INIT                                                                  \
    {DDB_CLIENT_CONFIG_VERSION, NULL, NULL, NULL, NULL, 0, 0, 0, -1, DDB_RETRY_POLICY_INIT, true}

/*
 * Creates a client. `cfg` NULL means all defaults. Returns 0, DDB_EINVAL
 * (bad endpoint/version), DDB_ENOMEM, DDB_ENETWORK (transport set-up).
 */
int ddb_client_new(ddb_client **out, const ddb_client_config *cfg);
/* Releases the client and what it owns. NULL-safe. */
void ddb_client_free(ddb_client *c);

/* The resolved endpoint URL and region (owned by the client). */
const char *ddb_client_endpoint(const ddb_client *c);
const char *ddb_client_region(const ddb_client *c);

/*
 * One DynamoDB JSON-protocol call: signs `body` for X-Amz-Target
 * "DynamoDB_20120810.<operation>", sends it with retries, verifies
 * x-amz-crc32, and on success leaves the response body in `resp` (appended;
 * caller owns the buffer). On failure returns the DDB_E* code with the
 * parsed AWS error type, message, status and request id in
 * ddb_last_error(); `table` (may be NULL) names the table in that error.
 */
int ddb_client_call(ddb_client *c, const char *operation, const char *table, const char *body,
                    size_t body_len, ddb_buf *resp);

/*
 * The process default client used by generated models whose connection slot
 * is unset. ddb_default_client_set takes ownership of `c` (NULL clears it)
 * and frees the previous one; do not call it while other threads use the
 * default client. ddb_default_client() creates one from the environment on
 * first use (thread-safe); NULL if that fails (error recorded).
 */
ddb_client *ddb_default_client(void);
void ddb_default_client_set(ddb_client *c);

/*
 * Maps an AWS error response to a DDB_E* code and records it as the last
 * error. `body` is the JSON error body ({"__type": "...#Type", "message":
 * "..."}); tolerant of "Message" and of bodies that are not JSON.
 */
int ddb_error_from_response(long http_status, const char *body, size_t len,
                            const char *request_id);

#ifdef __cplusplus
}
#endif

#endif /* DDB_CLIENT_H */
