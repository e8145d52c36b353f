/*
 * ddb/query.h - the reading side of generated models: Query and Scan as
 * lazy iterators or as explicit pages with resumable cursors, counts,
 * existence checks, refresh, projections and consumed capacity
 * (docs/reading.md). Builds on ddb/model.h, which it includes; ddb/ddb.h
 * includes both.
 *
 * Indexes: every function that reads through a query or scan takes a
 * `const ddb_index *index`: NULL reads the table, otherwise one of the
 * model's own descriptors (`&m->indexes[i]`; ddb_model_index finds one by
 * name). A descriptor that is not one of m's is DDB_EINVAL. The index's
 * hash key replaces the table's as the field `hash` is a value of, and the
 * `range` condition is expected to be on the index's range key.
 *
 * Key values (`hash`, `range`) are pointers to a value of the key field's
 * C type (char **, int64_t *, double *, ddb_bytes *), as in ddb_model_get.
 *
 * Conditions (`range`, `filter`) are consumed (freed) in every case,
 * success or failure, like everywhere in the model layer.
 *
 * Errors: 0 (or the documented positive value) or a negative DDB_E* code
 * with the detail in ddb_last_error(), whose operation is "Query", "Scan",
 * "GetItem" or "DescribeTable" and whose table is the model's.
 *
 * Thread safety: descriptors are immutable and every function may be
 * called concurrently; an iterator belongs to one thread at a time.
 */
#ifndef DDB_QUERY_H
#define DDB_QUERY_H

#include "ddb/export.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ddb/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Options of Query reads (iterators, pages, counts): as every options
 * struct (ddb/model.h), from DDB_QUERY_OPTS_INIT, or NULL for defaults;
 * read only during the call that receives them (the iterator copies what
 * it keeps).
 */
typedef struct ddb_query_opts {
    unsigned version;     /* DDB_QUERY_OPTS_VERSION */
    bool consistent_read; /* strongly consistent reads (not on global indexes) */
    bool descending;      /* ScanIndexForward = false: range key descending */
    long long limit;      /* iterators and counts: stop after this many items; 0: all */
    long long page_size;  /* iterators and counts: Limit sent per request; 0: DynamoDB's (1 MB) */
    /* Projection: attribute paths in ddb/expr.h syntax, written with the
     * DynamoDB attribute names ("lastPostedBy", "author.name"); NULL or 0:
     * every attribute. The table's key attributes (and the discriminator of
     * a polymorphic model) are always added. Attributes left out keep their
     * defaults in the struct — do not put() such an object back. */
    const char *const *attributes;
    size_t n_attributes;
    /* Read capacity units per second, averaged over the requests of one
     * iterator, page call or count (a token bucket fed by the consumed
     * capacity DynamoDB reports; the wait before a request goes through the
     * client's retry sleep hook). 0: unlimited. */
    double rate_limit;
    /* Where to start: a cursor from a page call or ddb_iter_cursor. NULL or
     * "": the beginning. */
    const char *cursor;
    /* out, counts only: read capacity units of all the count's requests
     * (page calls: ddb_page.consumed; iterators: ddb_iter_consumed). */
    double *consumed;
    /* The client of this one call (borrowed); NULL: the model's (ddb_model_client). */
    ddb_client *client;
} ddb_query_opts;

#define DDB_QUERY_OPTS_VERSION 2
#define DDB_QUERY_OPTS_INIT {.version = DDB_QUERY_OPTS_VERSION}
#define DDB_QUERY_OPTS(...) (&(ddb_query_opts){.version = DDB_QUERY_OPTS_VERSION, __VA_ARGS__})

/* Options of Scan reads; as ddb_query_opts, plus a parallel-scan segment. */
typedef struct ddb_scan_opts {
    unsigned version;     /* DDB_SCAN_OPTS_VERSION */
    bool consistent_read;
    long long limit;
    long long page_size;
    const char *const *attributes;
    size_t n_attributes;
    double rate_limit;
    const char *cursor;
    /* Parallel scan: read segment `segment` of `total_segments` (1..1000000;
     * 0: the whole table). Segments of one total cover every item exactly
     * once; read them from different threads, each with its own iterator. */
    uint32_t segment;
    uint32_t total_segments;
    /* The client of this one call (borrowed); NULL: the model's (ddb_model_client). */
    ddb_client *client;
} ddb_scan_opts;

#define DDB_SCAN_OPTS_VERSION 2
#define DDB_SCAN_OPTS_INIT {.version = DDB_SCAN_OPTS_VERSION}
#define DDB_SCAN_OPTS(...) (&(ddb_scan_opts){.version = DDB_SCAN_OPTS_VERSION, __VA_ARGS__})

/* The secondary index of `m` called `name`, or NULL (DDB_EINVAL recorded)
 * when m has none by that name. For untyped callers; generated wrappers
 * pass &m->indexes[i]. Thread-safe. */
DDB_API const ddb_index *ddb_model_index(const ddb_model *m, const char *name);

/* ------------------------------------------------------------ iterators */

typedef struct ddb_iter ddb_iter;

/*
 * Creates a lazy iterator over a Query of the table (index NULL) or of an
 * index, for the items whose hash key is `hash` (required), whose range key
 * satisfies `range` (may be NULL) and which pass `filter` (may be NULL).
 * Nothing is sent until the first ddb_iter_next. On success *out is a new
 * iterator owned by the caller (ddb_iter_free); on failure *out is NULL.
 * Errors found before sending: DDB_EINVAL (no hash value, a foreign index,
 * consistent_read on a global index, a negative or NaN rate limit, an
 * unusable projection path), a cursor that does not belong to this query
 * (DDB_EINVAL, see ddb_model_query_page), an error carried by a condition,
 * DDB_ECONFIG (no client), DDB_ENOMEM.
 */
DDB_API int ddb_model_query_index(ddb_iter **out, const ddb_model *m, const ddb_index *index,
                          const void *hash, ddb_cond *range, ddb_cond *filter,
                          const ddb_query_opts *opts);
/* As ddb_model_query_index over a Scan of the table or index. */
DDB_API int ddb_model_scan_index(ddb_iter **out, const ddb_model *m, const ddb_index *index,
                         ddb_cond *filter, const ddb_scan_opts *opts);
/* ddb_model_query_index / ddb_model_scan_index on the table (index NULL). */
DDB_API int ddb_model_query(ddb_iter **out, const ddb_model *m, const void *hash, ddb_cond *range,
                    ddb_cond *filter, const ddb_query_opts *opts);
DDB_API int ddb_model_scan(ddb_iter **out, const ddb_model *m, ddb_cond *filter, const ddb_scan_opts *opts);

/*
 * Clears `obj` (a valid struct of the iterator's model), applies defaults
 * and fills it with the next item: returns 1, 0 at the end (or when the
 * limit is reached), or a negative DDB_E*. Fetches the next page when the
 * current one is used up, after waiting for the rate limit. A failed request
 * makes the iterator fail from then on (the same code, again), but its
 * cursor still says where it stood; an item that does not fit the struct
 * (DDB_ETYPE, as for page calls) is reported once, and the next call goes
 * on after it; ddb_iter_cursor then resumes after it too. `obj` is
 * unchanged unless 1 is returned.
 */
DDB_API int ddb_iter_next(void *obj, ddb_iter *it);

/*
 * A cursor for where `it` stands: resuming from it (opts.cursor of a new
 * iterator or page call with the same table, index, kind and, for a query,
 * hash value) yields exactly the items after the last one ddb_iter_next
 * returned — not the rest of the page it came from, which is re-read.
 * Before the first item it is the iterator's starting cursor ("" for the
 * beginning). *out is a new NUL-terminated string (free()), or NULL when
 * the iterator has nothing left to read; the limit does not count as the
 * end. Works after a failure too. Returns 0, DDB_EINVAL (it NULL) or
 * DDB_ENOMEM (*out NULL).
 */
DDB_API int ddb_iter_cursor(char **out, const ddb_iter *it);

/* Read capacity units consumed by the iterator's requests so far (as
 * DynamoDB reported them; 0 when it reports none). NULL-safe (0). */
DDB_API double ddb_iter_consumed(const ddb_iter *it);

/* Frees the iterator. NULL-safe. */
DDB_API void ddb_iter_free(ddb_iter *it);

/* ------------------------------------------------------------ pages */

/* What a page call returns besides the items. Release with ddb_page_free. */
typedef struct ddb_page {
    size_t n_items;   /* items stored at the front of the caller's array */
    /* Cursor of the next page: a malloc'ed, NUL-terminated base64url string
     * (no padding), or NULL when there is nothing after this page. */
    char *cursor;
    double consumed;  /* read capacity units of the request */
    int64_t scanned;  /* items DynamoDB evaluated (ScannedCount) */
} ddb_page;

#define DDB_PAGE_INIT {0, NULL, 0, 0}

/*
 * One request of a Query (table or index) starting at opts->cursor, storing
 * up to `max_items` items (1..UINT32_MAX; DynamoDB's Limit) into `items`,
 * an array of `max_items` structs of the model. With a filter a page may
 * hold fewer items than asked, even none, while page->cursor is not NULL:
 * keep going until it is. opts->limit and opts->page_size are not used.
 *
 * items: every slot must hold a valid (initialised or zeroed) struct before
 * the call and holds one after, whatever the outcome; slot i < n_items is
 * cleared and refilled. Clear every slot when done with them.
 * page: initialised by the call (no set-up needed) and released with
 * ddb_page_free after every call. On failure it holds nothing, except
 * after DDB_ETYPE: an item of the page does not fit the struct (a type, a
 * number a field cannot hold exactly, text with U+0000, ...; the message
 * names the attribute). Then the n_items items before it are filled and
 * page->cursor resumes right after it, so a page never loses its place:
 * pass the cursor to go on past that item (as ddb_iter_next does), or fix
 * the item or the schema and read again.
 *
 * Cursors: opaque, URL-safe, version-tagged; they hold the position
 * (DynamoDB's LastEvaluatedKey) and a hash of the table, index, kind
 * (query or scan) and scan segment, so they can be stored and resumed by
 * another process with the same descriptor. They are not encrypted or
 * signed: they reveal key values, and a client that edits one can only
 * choose a different starting point of the same read. A cursor that is
 * malformed, of another version, of another table/index/kind/segment, or
 * (for a query) of another hash value is DDB_EINVAL with a message saying
 * which. Other errors: as ddb_model_query_index, DDB_ETYPE (above), service
 * errors.
 */
DDB_API int ddb_model_query_page(void *items, size_t max_items, ddb_page *page, const ddb_model *m,
                         const ddb_index *index, const void *hash, ddb_cond *range,
                         ddb_cond *filter, const ddb_query_opts *opts);
/* One request of a Scan; as ddb_model_query_page. */
DDB_API int ddb_model_scan_page(void *items, size_t max_items, ddb_page *page, const ddb_model *m,
                        const ddb_index *index, ddb_cond *filter, const ddb_scan_opts *opts);
/* Frees page->cursor and zeroes the page. NULL-safe. */
DDB_API void ddb_page_free(ddb_page *page);

/* ------------------------------------------------------------ counts */

/*
 * Exact number of matching items, with Select COUNT over every page (no
 * items are transferred, but every item evaluated is paid for). With
 * `hash` it counts a Query (range, filter and index as in
 * ddb_model_query_index); with `hash` NULL a Scan of the table or index
 * (`range` must then be NULL). opts: consistent_read, page_size,
 * rate_limit and limit (stop counting there) apply; cursor, attributes and
 * descending are ignored. On success *out is the count; on failure it is
 * unchanged.
 */
DDB_API int ddb_model_count(int64_t *out, const ddb_model *m, const ddb_index *index, const void *hash,
                    ddb_cond *range, ddb_cond *filter, const ddb_query_opts *opts);
/*
 * DynamoDB's approximate item count of the table or index (DescribeTable
 * ItemCount: updated about every six hours; free and instant). An index
 * whose description lacks ItemCount (moto leaves it out) is DDB_EPROTOCOL,
 * never a count of 0. On failure *out is unchanged.
 */
DDB_API int ddb_model_count_estimate(int64_t *out, const ddb_model *m, const ddb_index *index);

/* ------------------------------------------------------------ single items */

/*
 * Whether an item with that key exists: a GetItem projecting only the key
 * (opts may be NULL; its consistent_read applies, its attributes do not).
 * *out is set on success only.
 */
DDB_API int ddb_model_exists(bool *out, const ddb_model *m, const void *hash, const void *range,
                     const ddb_get_opts *opts);
/*
 * Re-reads `obj` by its own key (ddb_get_opts as for ddb_model_get, its
 * projection included): on success `obj` is cleared and refilled.
 * DDB_ENOTFOUND when the item is gone (obj unchanged).
 */
DDB_API int ddb_model_refresh(const ddb_model *m, void *obj, const ddb_get_opts *opts);

#ifdef __cplusplus
}
#endif

#endif /* DDB_QUERY_H */
