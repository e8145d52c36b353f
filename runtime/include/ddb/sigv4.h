/*
 * ddb/sigv4.h - AWS Signature Version 4 (header signing).
 *
 * Signs DynamoDB requests (path normalised, body hashed), S3 requests (no
 * path normalisation, single URI encoding, x-amz-content-sha256) and STS.
 * Derived signing keys are cached per (secret, day, region, service) in a
 * ddb_sigv4_cache, so the four HMAC derivation steps run once a day.
 *
 * Thread safety: ddb_sigv4_sign is reentrant; a ddb_sigv4_cache may be
 * shared by many threads (it has its own lock).
 */
#ifndef DDB_SIGV4_H
#define DDB_SIGV4_H

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
    const char *path;          /* raw path as sent, e.g. "/" or "/bucket/a%20b" */
    const char *query;         /* raw query without '?', NULL or "" for none */
    const ddb_header *headers; /* headers to sign, must include Host; duplicates allowed */
    size_t n_headers;
    const void *payload;       /* body bytes (may be NULL when payload_len is 0) */
    size_t payload_len;
    const char *payload_hash;  /* NULL: SHA-256 hex of the payload is computed;
                                  else used verbatim (e.g. "UNSIGNED-PAYLOAD") */
} ddb_sigv4_request;

typedef struct ddb_sigv4_params {
    const char *region;   /* "us-east-1" */
    const char *service;  /* "dynamodb", "s3", "sts" */
    time_t now;           /* signing time (UTC epoch seconds) */
    bool s3_mode;         /* no path normalisation / re-encoding; add x-amz-content-sha256 */
} ddb_sigv4_params;

/*
 * Result of signing: the headers to add to the request. Strings are stored
 * inline (no allocation) and NUL-terminated; empty when not applicable.
 */
typedef struct ddb_sigv4_result {
    char authorization[1024];   /* Authorization header value */
    char amz_date[17];          /* X-Amz-Date: 20150830T123600Z */
    char content_sha256[65];    /* X-Amz-Content-Sha256 (s3_mode only) */
    /* X-Amz-Security-Token: borrowed from the credentials (NULL if none). */
    const char *security_token;
} ddb_sigv4_result;

typedef struct ddb_sigv4_cache ddb_sigv4_cache;

/* Creates an empty cache (NULL on ENOMEM). Free with ddb_sigv4_cache_free. */
ddb_sigv4_cache *ddb_sigv4_cache_new(void);
void ddb_sigv4_cache_free(ddb_sigv4_cache *cache);

/*
 * Signs `req`. `cache` may be NULL (derive each time). When `debug` is not
 * NULL, the canonical request and string to sign are appended to it,
 * separated by a line "----" (for tests and diagnostics).
 * The headers added by signing (X-Amz-Date, X-Amz-Security-Token,
 * X-Amz-Content-Sha256 in s3_mode) are signed even though they are not in
 * req->headers; the caller must send them.
 * Returns 0, DDB_EINVAL (missing fields, bad header) or DDB_ENOMEM.
 */
int ddb_sigv4_sign(ddb_sigv4_cache *cache, const ddb_sigv4_params *params,
                   const ddb_credentials *creds, const ddb_sigv4_request *req,
                   ddb_sigv4_result *out, ddb_buf *debug);

/* Lowercase hex SHA-256 of data into out[65]. */
void ddb_sha256_hex(const void *data, size_t len, char out[65]);

#ifdef __cplusplus
}
#endif

#endif /* DDB_SIGV4_H */
