/*
 * ddb/table.h - a table as a map: any DynamoDB table, opened by name with
 * no schema, read and written as ddb_av items (the dynamodb_mapping /
 * DynamoDBMapping idea, docs/table-map.md).
 *
 *     ddb_table *t;
 *     ddb_table_open(&t, client, "Thread");           // DescribeTable: learns the key
 *     ddb_av *hash = ddb_av_s("C"), *range = ddb_av_s("Is goto harmful?");
 *     ddb_av *item;
 *     if (ddb_table_get(&item, t, hash, range, NULL) == 0) {
 *         int64_t views = 0;
 *         ddb_item_get_i64(&views, item, "views");
 *         ddb_av_free(item);
 *     }
 *     ddb_table_set_attr(t, hash, range, "views", v, ddb_cond_exists("forum"), NULL);
 *     ddb_table_iter *it;
 *     ddb_table_scan(&it, t, ddb_cond_cmp("views", DDB_CMP_GT, ddb_av_n_i64(100)),
 *                    DDB_TABLE_SCAN_OPTS(.page_size = 100, .attributes = attrs, .n_attributes = 2));
 *     while (ddb_table_iter_next(NULL, &item, it) == 1) { ...; ddb_av_free(item); }
 *     ddb_table_iter_free(it);
 *     ddb_table_free(t);
 *
 * Keys: a key is the value of the hash key attribute and, for a table with
 * a range key, of the range key attribute, each a ddb_av of the type the
 * table declares (S, N or B). Every call checks them against the learned
 * schema before sending: a missing or extra value, a value of another
 * type, an empty S or B, or N text that is not a number is DDB_EINVAL,
 * whose message names the attribute and the type expected.
 *
 * Paths (`path`, projection `attributes`) are in the syntax of ddb/expr.h
 * ("author.name", "replies[2]", "a\.b" for an attribute named "a.b"); every
 * name goes through ExpressionAttributeNames, so reserved words need no
 * care.
 *
 * Ownership: the client given to ddb_table_open is borrowed by the table
 * (it must outlive the table), the name is copied. Keys, items and values
 * given to a call are borrowed (copied where kept). Conditions (`cond`,
 * `filter`, ddb/expr.h) are taken over in every case, success or failure,
 * as everywhere in libddb. Items, keys and iterators returned are the
 * caller's: ddb_av_free, ddb_table_iter_free. An iterator borrows its
 * table, which must outlive it.
 *
 * Errors: 0 (or the documented positive value) or a negative DDB_E* code
 * with the detail in ddb_last_error(), whose operation ("GetItem",
 * "PutItem", "Scan", ...) and table are set also for failures found
 * before sending. A condition that does not hold is DDB_ECONDITION; a
 * table that does not exist is DDB_ERESOURCE (ResourceNotFoundException).
 * On failure out-parameters are left unchanged unless a comment says
 * otherwise.
 *
 * Thread safety: a ddb_table is immutable once opened and may be shared by
 * any number of threads (as may the client); every function may be called
 * concurrently. An iterator belongs to one thread at a time. The item
 * accessors and JSON conversions are reentrant.
 */
#ifndef DDB_TABLE_H
#define DDB_TABLE_H

#include "ddb/export.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ddb/av.h"
#include "ddb/buf.h"
#include "ddb/client.h"
#include "ddb/expr.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ddb_table ddb_table;
typedef struct ddb_table_iter ddb_table_iter;

/* ------------------------------------------------------------ opening */

/*
 * Opens table `name` through client `c` (borrowed: it must outlive the
 * table): one DescribeTable call learns its key schema, the hash key and
 * the optional range key, with their names and types (S, N or B). The
 * table need not be ACTIVE. On success *out is a new table owned by the
 * caller (ddb_table_free); on failure *out is NULL. Errors: DDB_EINVAL (a
 * NULL argument, an empty name), DDB_ERESOURCE (no such table), DDB_EPROTOCOL
 * (the description has no usable key schema), DDB_ENOMEM, and the errors
 * of any request (ddb/client.h).
 */
DDB_API int ddb_table_open(ddb_table **out, ddb_client *c, const char *name);

/* Frees the table. NULL-safe. Do not free it while another thread uses it
 * or an iterator over it is alive. */
DDB_API void ddb_table_free(ddb_table *t);

/* The table's name (owned by the table). NULL for a NULL table. */
DDB_API const char *ddb_table_name(const ddb_table *t);

/*
 * The key attribute names: out[0] the hash key, out[1] the range key or
 * NULL; both owned by the table. Returns the number of key attributes (1
 * or 2); 0 (out untouched) for a NULL table.
 */
DDB_API size_t ddb_table_key_names(const char *out[2], const ddb_table *t);

/* Their types (DDB_AV_S, DDB_AV_N or DDB_AV_B; out[1] DDB_AV_NULL when
 * there is no range key). Returns as ddb_table_key_names. */
DDB_API size_t ddb_table_key_types(ddb_av_type out[2], const ddb_table *t);

/* ------------------------------------------------------------ single items */

/* Options of ddb_table_get and ddb_table_contains: from
 * DDB_TABLE_GET_OPTS_INIT, or NULL for the defaults; read during the call
 * only. */
typedef struct ddb_table_get_opts {
    unsigned version;     /* DDB_TABLE_GET_OPTS_VERSION */
    bool consistent_read; /* strongly consistent read */
    /* get only: projection, attribute paths; the key attributes are always
     * read. NULL/0: every attribute. */
    const char *const *attributes;
    size_t n_attributes;
    double *consumed;     /* out: read capacity units of the call; may be NULL */
    ddb_client *client;   /* the client of this call (borrowed); NULL: the table's */
} ddb_table_get_opts;

#define DDB_TABLE_GET_OPTS_VERSION 1
#define DDB_TABLE_GET_OPTS_INIT {.version = DDB_TABLE_GET_OPTS_VERSION}
#define DDB_TABLE_GET_OPTS(...) (&(ddb_table_get_opts){.version = DDB_TABLE_GET_OPTS_VERSION, __VA_ARGS__})

/*
 * The item with key (`hash`, `range`; `range` NULL for a table without a
 * range key): on success *out is a new M tree, the caller's (ddb_av_free).
 * DDB_ENOTFOUND (recorded) when there is no such item; *out is then
 * unchanged, as on every failure. Other errors: key errors (above),
 * DDB_EINVAL (a NULL or unusable projection path), request errors.
 */
DDB_API int ddb_table_get(ddb_av **out, const ddb_table *t, const ddb_av *hash, const ddb_av *range,
                          const ddb_table_get_opts *opts);

/*
 * Whether an item with that key exists: a GetItem that projects only the
 * key attributes (opts: consistent_read, consumed and client apply;
 * attributes must be empty). *out is set on success only.
 */
DDB_API int ddb_table_contains(bool *out, const ddb_table *t, const ddb_av *hash, const ddb_av *range,
                               const ddb_table_get_opts *opts);

/* ------------------------------------------------------------ writes */

/* What a write requires of the item before it, checked atomically by
 * DynamoDB as part of the write's condition (ANDed with `cond`); when it
 * does not hold the write fails with DDB_ECONDITION. */
typedef enum ddb_table_require {
    DDB_TABLE_REQUIRE_NONE = 0,  /* no requirement: a put creates or replaces, an update upserts */
    DDB_TABLE_REQUIRE_EXISTS,    /* the item exists: attribute_exists(<hash key>) */
    DDB_TABLE_REQUIRE_ABSENT     /* the item does not exist: attribute_not_exists(<hash key>) */
} ddb_table_require;

/* Options of the writes: from DDB_TABLE_WRITE_OPTS_INIT, or NULL for the
 * defaults; read during the call only. */
typedef struct ddb_table_write_opts {
    unsigned version;          /* DDB_TABLE_WRITE_OPTS_VERSION */
    ddb_table_require require;
    /* out: on success, the whole item as it was before the write
     * (ReturnValues ALL_OLD), a new M tree that is the caller's, or NULL
     * when there was no item. Unchanged on failure. May be NULL. */
    ddb_av **old;
    double *consumed;          /* out: write capacity units of the call; may be NULL */
    ddb_client *client;        /* the client of this call (borrowed); NULL: the table's */
} ddb_table_write_opts;

#define DDB_TABLE_WRITE_OPTS_VERSION 1
#define DDB_TABLE_WRITE_OPTS_INIT {.version = DDB_TABLE_WRITE_OPTS_VERSION}
#define DDB_TABLE_WRITE_OPTS(...)                                                                  \
    (&(ddb_table_write_opts){.version = DDB_TABLE_WRITE_OPTS_VERSION, __VA_ARGS__})

/*
 * PutItem of the whole item `item` (an M tree, borrowed), which must hold
 * the key attributes with the table's types: creates the item or replaces
 * every attribute of the one with that key. `cond` (may be NULL; taken
 * over) must hold on the stored item, else DDB_ECONDITION and nothing is
 * written. Errors: DDB_EINVAL (item not a map, key attributes missing or
 * of the wrong type), DDB_ECONDITION, the errors of the condition (an error
 * node, a bad path), request errors (DDB_EVALIDATION for what DynamoDB
 * refuses, e.g. an item over 400 KB).
 */
DDB_API int ddb_table_set(const ddb_table *t, const ddb_av *item, ddb_cond *cond,
                          const ddb_table_write_opts *opts);

/*
 * DeleteItem of the item with key (`hash`, `range`), if `cond` (may be
 * NULL; taken over) holds. Deleting an item that does not exist succeeds
 * (use opts->require DDB_TABLE_REQUIRE_EXISTS, or opts->old, to know).
 */
DDB_API int ddb_table_delete(const ddb_table *t, const ddb_av *hash, const ddb_av *range, ddb_cond *cond,
                             const ddb_table_write_opts *opts);

/*
 * UpdateItem: `SET path = value` on the item with key (`hash`, `range`),
 * `value` borrowed (copied), if `cond` (may be NULL; taken over) holds.
 * Like DynamoDB, creates the item (its key and this attribute) when it
 * does not exist, unless opts->require or `cond` says otherwise. The path
 * may be nested ("author.name", "tags[0]"; the parents must exist, else
 * DDB_EVALIDATION). A path naming a key attribute is DDB_EINVAL (DynamoDB
 * cannot update keys).
 */
DDB_API int ddb_table_set_attr(const ddb_table *t, const ddb_av *hash, const ddb_av *range, const char *path,
                               const ddb_av *value, ddb_cond *cond, const ddb_table_write_opts *opts);

/*
 * UpdateItem: `REMOVE path` on the item with key (`hash`, `range`), if
 * `cond` (may be NULL; taken over) holds. Removing an attribute the item
 * lacks succeeds. As for any UpdateItem, DynamoDB creates an item that
 * does not exist (holding only its key): pass opts->require
 * DDB_TABLE_REQUIRE_EXISTS to touch existing items only. A key attribute
 * is DDB_EINVAL.
 */
DDB_API int ddb_table_remove_attr(const ddb_table *t, const ddb_av *hash, const ddb_av *range,
                                  const char *path, ddb_cond *cond, const ddb_table_write_opts *opts);

/* ------------------------------------------------------------ iteration and counts */

/* Options of ddb_table_scan and ddb_table_count: from
 * DDB_TABLE_SCAN_OPTS_INIT, or NULL for the defaults; read during the call
 * only (the iterator copies what it keeps). */
typedef struct ddb_table_scan_opts {
    unsigned version;      /* DDB_TABLE_SCAN_OPTS_VERSION */
    bool consistent_read;  /* strongly consistent reads */
    /* scan only: read only the key attributes (attributes must be empty) */
    bool keys_only;
    /* scan only: projection, attribute paths; the key attributes are always
     * read. NULL/0: every attribute. */
    const char *const *attributes;
    size_t n_attributes;
    /* Limit sent with each Scan request: items evaluated per page (before
     * the filter). 0: DynamoDB's own (1 MB of data). */
    uint32_t page_size;
    /* Parallel scan: segment `segment` of `total_segments` (1..1000000;
     * 0: the whole table, and segment must be 0). Segments of one total
     * cover every item exactly once; read them from different threads, each
     * with its own iterator. */
    uint32_t segment;
    uint32_t total_segments;
    /* The client of the requests (borrowed; it must outlive the iterator);
     * NULL: the table's. */
    ddb_client *client;
} ddb_table_scan_opts;

#define DDB_TABLE_SCAN_OPTS_VERSION 1
#define DDB_TABLE_SCAN_OPTS_INIT {.version = DDB_TABLE_SCAN_OPTS_VERSION}
#define DDB_TABLE_SCAN_OPTS(...) (&(ddb_table_scan_opts){.version = DDB_TABLE_SCAN_OPTS_VERSION, __VA_ARGS__})

/*
 * Creates a lazy iterator over a Scan of the table: nothing is sent until
 * the first ddb_table_iter_next, and each later page is fetched only when
 * the previous one is used up. Every page request sends the same
 * FilterExpression (`filter`, may be NULL; taken over), ProjectionExpression,
 * ConsistentRead, Limit and segment as the first (with
 * ExclusiveStartKey), so a filter or projection holds for the whole table.
 * On success *out is a new iterator owned by the caller
 * (ddb_table_iter_free); on failure *out is NULL. Errors found before
 * sending: DDB_EINVAL (a NULL table or out, keys_only with attributes, a
 * NULL or unusable path, a segment out of range), the error of a condition
 * that holds one, DDB_ENOMEM.
 */
DDB_API int ddb_table_scan(ddb_table_iter **out, const ddb_table *t, ddb_cond *filter,
                           const ddb_table_scan_opts *opts);

/*
 * The next item of the scan: returns 1 and sets *key (when `key` is not
 * NULL) to a new M holding only the item's key attributes and *item (when
 * `item` is not NULL) to the item as read (projected; with keys_only, the
 * key); both the caller's (ddb_av_free). At least one of key and item must
 * be non-NULL: keys, values or both. Returns 0 at the end, or a negative
 * DDB_E*: a failed request (or an item that lacks its key attributes,
 * DDB_EPROTOCOL) makes the iterator fail from then on with the same code.
 * *key and *item are unchanged unless 1 is returned.
 */
DDB_API int ddb_table_iter_next(ddb_av **key, ddb_av **item, ddb_table_iter *it);

/* Scan requests the iterator has sent so far (pages read). NULL-safe (0). */
DDB_API uint64_t ddb_table_iter_pages(const ddb_table_iter *it);

/* Frees the iterator and the items it still holds. NULL-safe. */
DDB_API void ddb_table_iter_free(ddb_table_iter *it);

/*
 * Exact number of items that pass `filter` (may be NULL: all; taken over):
 * Scans with Select COUNT over every page (no items are transferred, but
 * every item evaluated is paid for). opts: consistent_read, page_size,
 * segment and total_segments apply; keys_only and attributes are not used.
 * On success *out is the count.
 */
DDB_API int ddb_table_count(int64_t *out, const ddb_table *t, ddb_cond *filter,
                            const ddb_table_scan_opts *opts);

/*
 * DynamoDB's approximate item count (DescribeTable ItemCount: updated
 * about every six hours, so a new table may say 0; free and instant). On
 * success *out is the count.
 */
DDB_API int ddb_table_count_estimate(int64_t *out, const ddb_table *t);

/* ------------------------------------------------------------ item accessors */

/*
 * Typed reads of the top-level attribute `name` of `item` (an M tree):
 * 0 and *out set; DDB_ENOTFOUND when the item has no such attribute;
 * DDB_ETYPE when it is of another type (the message names the attribute
 * and both types) or `item` is not a map; DDB_EINVAL for a NULL argument.
 * Every failure is recorded and leaves *out unchanged.
 *   ddb_item_get_s       S: *out points to the text inside the item (valid
 *                        while the item is unchanged; NUL-terminated, but
 *                        may hold NULs: *len, when len is not NULL, is its
 *                        length)
 *   ddb_item_get_n       N: *out points to the number text inside the item
 *   ddb_item_get_i64     N holding an integer within int64, exactly (a
 *                        fraction or a value out of range is DDB_EINVAL)
 *   ddb_item_get_double  N, the nearest double
 *   ddb_item_get_bool    BOOL
 */
DDB_API int ddb_item_get_s(const char **out, size_t *len, const ddb_av *item, const char *name);
DDB_API int ddb_item_get_n(const char **out, const ddb_av *item, const char *name);
DDB_API int ddb_item_get_i64(int64_t *out, const ddb_av *item, const char *name);
DDB_API int ddb_item_get_double(double *out, const ddb_av *item, const char *name);
DDB_API int ddb_item_get_bool(bool *out, const ddb_av *item, const char *name);

/* ------------------------------------------------------------ plain JSON */

/*
 * Appends `item` (an M tree) as a plain JSON object: S string, N number
 * (its decimal text, every digit kept: "+1.50" is written 1.50, ".5"
 * 0.5), BOOL true/false, NULL null, L array, M object. B, SS, NS and BS
 * have no faithful plain JSON form: an item holding one anywhere is
 * refused with DDB_ETYPE, whose message names the attribute path (ddb/expr.h
 * syntax, e.g. "doc.blobs[2]") and the type, and nothing is written —
 * never converted to something else. DynamoDB JSON (ddb/json.h,
 * ddb_item_write_json) is the lossless form of every item. Other errors:
 * DDB_ETYPE (item not a map), DDB_EINVAL (S text or a name that is not
 * UTF-8, nesting deeper than DDB_JSON_MAX_DEPTH), DDB_ENOMEM. On failure
 * `out` keeps its previous contents.
 */
DDB_API int ddb_item_to_plain_json(ddb_buf *out, const ddb_av *item);

/*
 * Parses the plain JSON object `json` (`len` bytes, need not be
 * NUL-terminated) into an item: string S, number N (the number's text,
 * exactly as written: no rounding), true/false BOOL, null NULL, array L,
 * object M. On success *out is a new M tree, the caller's; on failure
 * NULL. Errors: DDB_EPROTOCOL (not JSON; the message has the byte
 * offset), DDB_ETYPE (not an object), DDB_EINVAL (a number DynamoDB cannot
 * store: more than 38 significant digits or out of range; a name repeated
 * in one object), DDB_ENOMEM. Messages name the JSON path ("$.a[2]").
 */
DDB_API int ddb_item_from_plain_json(ddb_av **out, const char *json, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* DDB_TABLE_H */
