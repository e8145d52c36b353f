/*
 * ddb/sigv4.h - AWS Signature Version 4 (header signing).
 *
 * Signs DynamoDB requests (path normalised, body hashed), S3 requests (no
 * path normalisation, single URI encoding, x-amz-content-sha256) and STS.
 * Derived signing keys are cached per (secret, day, region, service) in a
 * ddb_sigv4_cache, so the four HMAC derivation steps run once a day.
 *
 * Thread safety: ddb_sigv4_sign may run in many threads at once; each
 * thread that signs keeps a small workspace (libcrypto contexts, the HMAC
 * state of its last signing key), freed when the thread exits. A
 * ddb_sigv4_cache may be shared by many threads (it has its own lock).
 */
#ifndef DDB_SIGV4_H
#define DDB_SIGV4_H

#include "ddb/export.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ddb/buf.h"
#include "ddb/creds.h"
#include "ddb/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The request as it will be sent. All pointers borrowed. */
typedef struct ddb_sigv4_request {
    const char *method;        /* "POST" */
    const char *path;          /* path as sent, e.g. "/" or "/bucket/a%20b"; NULL or "" is "/" */
    const char *query;         /* raw query without '?', NULL or "" for none */
    const ddb_header *headers; /* headers to sign, must include Host; duplicates allowed */
    size_t n_headers;
    const void *payload;       /* body bytes (may be NULL when payload_len is 0) */
    size_t payload_len;
    const char *payload_hash;  /* NULL: SHA-256 hex of the payload is computed;
                                  else used verbatim (e.g. "UNSIGNED-PAYLOAD"),
                                  at most 64 characters */
} ddb_sigv4_request;

typedef struct ddb_sigv4_params {
    const char *region;   /* "us-east-1" */
    const char *service;  /* "dynamodb", "s3", "sts" */
    time_t now;           /* signing time (UTC epoch seconds) */
    bool s3_mode;         /* no path normalisation / re-encoding; add x-amz-content-sha256 */
} ddb_sigv4_params;

/*
 * Result of signing: exactly the headers the caller must add to the request
 * (besides Authorization). Strings are stored inline (no allocation) and
 * NUL-terminated. A field is empty (or NULL) when that header is not
 * applicable or req->headers already carries it (then that value was signed).
 */
typedef struct ddb_sigv4_result {
    char authorization[1024];   /* Authorization header value (always set) */
    char amz_date[17];          /* X-Amz-Date: 20150830T123600Z */
    char content_sha256[65];    /* X-Amz-Content-Sha256 (s3_mode only) */
    /* X-Amz-Security-Token: borrowed from the credentials (NULL if none). */
    const char *security_token;
} ddb_sigv4_result;

/* Limits of one signature (beyond them ddb_sigv4_sign fails with DDB_EINVAL). */
#define DDB_SIGV4_MAX_HEADERS 64        /* entries in req->headers */
#define DDB_SIGV4_MAX_QUERY_PARAMS 64   /* '&'-separated query parameters */
#define DDB_SIGV4_MAX_PATH_SEGMENTS 128 /* '/'-separated path segments */
#define DDB_SIGV4_MAX_KEY_LEN 128       /* access key id, secret access key */
#define DDB_SIGV4_MAX_NAME_LEN 63       /* region, service */

/*
 * Cache of derived signing keys, keyed by (secret, day, region, service).
 * Bounded (16 entries, least recently used replaced); secrets and keys are
 * wiped when replaced and when the cache is freed. Thread-safe: one cache
 * may serve every thread of a client (a mutex guards each lookup).
 */
typedef struct ddb_sigv4_cache ddb_sigv4_cache;

/* Creates an empty cache; NULL on failure (DDB_ENOMEM recorded).
 * Free with ddb_sigv4_cache_free. */
DDB_API ddb_sigv4_cache *ddb_sigv4_cache_new(void);
/* Wipes and frees the cache (NULL-safe). No thread may still be using it. */
DDB_API void ddb_sigv4_cache_free(ddb_sigv4_cache *cache);
/* Lookups answered from the cache, and keys derived because they were not
 * (for tests and monitoring); zeros for a NULL cache. Either pointer may
 * be NULL. Thread-safe. */
DDB_API void ddb_sigv4_cache_stats(uint64_t *hits, uint64_t *misses, ddb_sigv4_cache *cache);

/*
 * Signs `req` with `creds` for params->region and params->service.
 *
 * Canonical request (AWS SigV4): the path has dot segments and empty
 * segments removed and is percent-encoded (so an already encoded path is
 * encoded twice, as AWS expects from everything but S3); in s3_mode it is
 * used as given. Query parameters are percent-decoded, re-encoded per
 * RFC 3986 and sorted by key then value (a parameter without '=' gets an
 * empty value; empty parameters are dropped). Header names are lowercased,
 * values trimmed with inner whitespace runs collapsed to one space;
 * repeated names are joined with ',' in their given order.
 *
 * The signing time is the X-Amz-Date header of req->headers when present
 * (it must read YYYYMMDDTHHMMSSZ), else params->now. The payload hash is
 * req->payload_hash when set, else the SHA-256 of the payload.
 *
 * The headers added by signing (X-Amz-Date, X-Amz-Security-Token,
 * X-Amz-Content-Sha256 in s3_mode) are signed even though they are not in
 * req->headers; the caller must send every non-empty field of `out`.
 * req->headers must include Host and must not include Authorization.
 *
 * `cache` may be NULL (derive the key every time). When `debug` is not
 * NULL, the canonical request, a line "----" and the string to sign are
 * appended to it (for tests and diagnostics).
 *
 * Region, service, access key id and method must be printable ASCII
 * without spaces, '/' or ','.
 *
 * Returns 0; DDB_EINVAL (missing, over-long or ill-formed field, bad header
 * name, malformed X-Amz-Date, signing time outside years 0-9999, a
 * DDB_SIGV4_MAX_* limit exceeded, an Authorization longer than 1023 bytes);
 * DDB_ENOMEM (allocation or libcrypto failure). On failure `out` holds
 * empty strings. Thread-safe (see above).
 */
DDB_API int ddb_sigv4_sign(ddb_sigv4_result *out, ddb_buf *debug,
                   ddb_sigv4_cache *cache, const ddb_sigv4_params *params,
                   const ddb_credentials *creds, const ddb_sigv4_request *req);

/* Lowercase hex SHA-256 of `len` bytes at `data` (NULL allowed when len is
 * 0) into out[65]. On a libcrypto failure `out` is "" and DDB_ENOMEM is
 * recorded. Thread-safe. */
DDB_API void ddb_sha256_hex(char out[65], const void *data, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* DDB_SIGV4_H */
