/*
 * ddb/query.h - the reading side of generated models (docs/reading.md).
 * Included by ddb/model.h.
 */
#ifndef DDB_QUERY_H
#define DDB_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ddb/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ddb_query_opts {
    bool consistent_read;
    bool descending;      /* ScanIndexForward = false */
    long long limit;      /* max items the iterator yields; 0: all */
    long long page_size;  /* Limit sent per request; 0: DynamoDB's */
} ddb_query_opts;

typedef struct ddb_scan_opts {
    bool consistent_read;
    long long limit;
    long long page_size;
} ddb_scan_opts;

typedef struct ddb_iter ddb_iter;

/* Query by hash key value `hash` (see above); `range` (may be NULL) is a key
 * condition on the range key; `filter` (may be NULL) a filter; both are
 * consumed. Creates a lazy iterator (owned by the caller, ddb_iter_free);
 * no request is sent until the first ddb_iter_next. */
int ddb_model_query(ddb_iter **out, const ddb_model *m, const void *hash, ddb_cond *range,
                    ddb_cond *filter, const ddb_query_opts *opts);
int ddb_model_scan(ddb_iter **out, const ddb_model *m, ddb_cond *filter, const ddb_scan_opts *opts);
/* Clears `obj`, applies defaults, fills it with the next item: returns 1,
 * 0 at the end, or a negative DDB_E*. Fetches pages as needed. */
int ddb_iter_next(ddb_iter *it, void *obj);
void ddb_iter_free(ddb_iter *it);

#ifdef __cplusplus
}
#endif

#endif /* DDB_QUERY_H */
