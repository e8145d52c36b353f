/*
 * ddb/s3.h - the S3 operations of S3-backed attributes (docs/s3.md), over
 * a client made with service "s3" (ddb/client.h): the same transport,
 * signing (S3's rules), retries and credentials as DynamoDB's.
 *
 * A bucket is named with its addressing: path-style
 * (https://s3.<region>.amazonaws.com/<bucket>/<key>, what local engines
 * serve) or virtual-hosted (https://<bucket>.s3.<region>.amazonaws.com/<key>).
 * Keys are any UTF-8; they are percent-encoded on the wire.
 *
 * Errors: 0 or a negative code, with S3's error code, message and request
 * id in ddb_last_error() (ddb_client_send lists the mapping).
 * Thread safety: as the client; a list output belongs to its caller.
 */
#ifndef DDB_S3_H
#define DDB_S3_H

#include "ddb/export.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ddb/buf.h"
#include "ddb/client.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ddb_s3_bucket {
    ddb_client *client;   /* service "s3"; borrowed */
    const char *name;     /* the bucket */
    bool virtual_hosted;  /* <bucket>.<endpoint host>; false: path-style */
} ddb_s3_bucket;

/* PutObject: the object `key` holds body[0..len) (Content-Type
 * `content_type`, NULL: application/octet-stream). */
DDB_API int ddb_s3_put(const ddb_s3_bucket *b, const char *key, const void *body, size_t len,
                       const char *content_type);

/* GetObject: appends the object's bytes to `out`. DDB_ENOTFOUND when it
 * does not exist; DDB_ELIMIT when it is larger than max_size (0: no
 * bound), nothing appended. */
DDB_API int ddb_s3_get(ddb_buf *out, const ddb_s3_bucket *b, const char *key, size_t max_size);

/* HeadObject: whether `key` exists (*exists), and its size (may be NULL). */
DDB_API int ddb_s3_head(bool *exists, int64_t *size, const ddb_s3_bucket *b, const char *key);

/* DeleteObject (deleting an absent object succeeds, as in S3). */
DDB_API int ddb_s3_delete(const ddb_s3_bucket *b, const char *key);

/* One object of a listing. */
typedef struct ddb_s3_object {
    char *key;
    int64_t size;
    int64_t last_modified; /* epoch seconds */
} ddb_s3_object;

/* One page of ListObjectsV2; free with ddb_s3_listing_free. */
typedef struct ddb_s3_listing {
    ddb_s3_object *objects;
    size_t n;
    char *next;            /* continuation token; NULL on the last page */
} ddb_s3_listing;

/* ListObjectsV2 of the keys starting with `prefix` (NULL: all), at most
 * max_keys (0: S3's 1000), after `continuation` (NULL: from the start). */
DDB_API int ddb_s3_list(ddb_s3_listing *out, const ddb_s3_bucket *b, const char *prefix, const char *continuation,
                        size_t max_keys);
DDB_API void ddb_s3_listing_free(ddb_s3_listing *l);

/* DeleteObjects: up to 1000 keys in one request. *deleted (may be NULL)
 * counts those deleted; a key S3 could not delete makes the call return
 * DDB_ESERVICE naming the first such key and its S3 code. */
DDB_API int ddb_s3_delete_many(size_t *deleted, const ddb_s3_bucket *b, const char *const *keys, size_t n);

/* CreateBucket in the client's region (already owned: 0). */
DDB_API int ddb_s3_create_bucket(const ddb_s3_bucket *b);

#ifdef __cplusplus
}
#endif

#endif /* DDB_S3_H */
