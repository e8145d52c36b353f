/*
 * ddb/batch.h - batched writes and reads of generated models
 * (BatchWriteItem, BatchGetItem), and DynamoDB's item size rule.
 *
 * Every entry point takes a model descriptor and a pointer to the model's
 * struct (or to key values, as ddb_model_get does), so generated code
 * wraps each in a one-line typed function. docs/batch.md has the full
 * semantics; in short:
 *
 * Writer. ddb_batch_writer_put / ddb_batch_writer_delete convert the object at once
 * (the object is only borrowed for the call) and queue one write request.
 * A group of 25 is sent as one BatchWriteItem as soon as it is full, and
 * whatever is queued on ddb_batch_writer_flush. Groups may mix models and
 * tables. UnprocessedItems are re-sent after a jittered exponential
 * backoff (the client's retry policy: its rand01 and sleep_ms hooks) until
 * they are written or `max_attempts` requests were made for the group;
 * a group is finished before the next is sent, so writes of one writer
 * reach the table in group order. Writes that finally fail are *kept*:
 * ddb_batch_writer_failed lists each with its model, kind, key, item, the index
 * of the call that queued it, and the error. Nothing is dropped silently.
 *
 * Getter. ddb_batch_getter_add / ddb_batch_getter_add_obj register a key and
 * where its object goes (a caller-owned, initialised struct and a found
 * flag); ddb_batch_getter_run reads them in groups of up to 100 keys
 * (BatchGetItem), re-sending UnprocessedKeys with the same backoff, and
 * fills each slot: found and loaded, not found, or failed (listed by
 * ddb_batch_getter_failed, its out struct unchanged).
 *
 * Duplicates. DynamoDB rejects a whole request that names one key twice,
 * so both refuse a duplicate when it is added (DDB_EINVAL naming the model
 * and the key; nothing queued): the writer within the group not yet sent
 * (a later group may write the key again: groups go out in order), the
 * getter among all its keys (until ddb_batch_getter_reset).
 *
 * Limits checked before anything is sent (DDB_ELIMIT, nothing queued):
 * an item over DDB_ITEM_SIZE_MAX bytes by ddb_item_size, a hash key value
 * over 2048 bytes, a range key value over 1024 bytes.
 *
 * Errors: 0 or a negative DDB_E* code, detail in ddb_last_error().
 *
 * Thread safety: a writer or getter is used by one thread at a time.
 * Several writers and getters may run in parallel threads and share a
 * client (clients are thread-safe); each has its own requests in flight.
 */
#ifndef DDB_BATCH_H
#define DDB_BATCH_H

#include "ddb/export.h"

#include <stdbool.h>
#include <stddef.h>

#include "ddb/av.h"
#include "ddb/client.h"
#include "ddb/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* DynamoDB limits and the item size rule                             */
/* ------------------------------------------------------------------ */

#define DDB_ITEM_SIZE_MAX (400 * 1024)  /* bytes, names included */
#define DDB_HASH_KEY_SIZE_MAX 2048      /* bytes of a partition key value */
#define DDB_RANGE_KEY_SIZE_MAX 1024     /* bytes of a sort key value */
#define DDB_BATCH_WRITE_MAX 25          /* write requests per BatchWriteItem */
#define DDB_BATCH_GET_MAX 100           /* keys per BatchGetItem */

/*
 * Size of one attribute value as DynamoDB counts it (without its name):
 * S: UTF-8 bytes; B: raw bytes; N: 1 + one byte per base-100 digit
 * aligned on the decimal point, from the first non-zero one to the last
 * ("12345" = 01 23 45: 4; "1.5" = 01.50: 3; "100": 2), + 1 for a
 * negative number, zero 1 (the exact form of the documented "1 byte per
 * two significant digits + 1"); BOOL, NULL: 1; SS/NS/BS: the sum of the
 * elements' sizes; L: 3 + each element's size + 1 per element; M: 3 +
 * for each member its name's bytes + its value's size + 1. Agrees with
 * DynamoDB Local at the 400 KB boundary for every type
 * (tests/batch/test_batch_local.c; moto and dynalite measure otherwise,
 * docs/engines.md). 0 for NULL. Thread-safe (reads only).
 */
DDB_API size_t ddb_av_size(const ddb_av *value);

/*
 * Size of an item (an M of attributes) as DynamoDB counts it against the
 * 400 KB item limit: for each attribute, its name's UTF-8 bytes plus
 * ddb_av_size of its value. 0 for NULL or a value that is not M.
 * Thread-safe.
 */
DDB_API size_t ddb_item_size(const ddb_av *item);

/* ------------------------------------------------------------------ */
/* Options and failures shared by writers and getters                 */
/* ------------------------------------------------------------------ */

/* Options; NULL or DDB_BATCH_OPTS_INIT means the defaults. Copied by the
 * _new functions (the projection array and strings too). */
typedef struct ddb_batch_opts {
    unsigned version;             /* DDB_BATCH_OPTS_VERSION */
    /* Requests per group, the first included, before unprocessed work is
     * reported as failed; 0: 10. Delays between them: the client's retry
     * policy (rand01 * min(base_ms * 2^n, max_backoff_ms)). */
    unsigned max_attempts;
    /* Writer: models with a version field are refused (DDB_EINVAL)
     * because BatchWriteItem cannot check a version; true writes them as
     * they are, without check or increment (what PynamoDB's batch does). */
    bool ignore_versions;
    /* Getter: strongly consistent reads. */
    bool consistent_read;
    /* Getter: the attribute names (as stored) to read; the key attributes
     * are always added. NULL: whole items. Applies to every table. */
    const char *const *projection;
    size_t n_projection;
} ddb_batch_opts;

#define DDB_BATCH_OPTS_VERSION 1
#define DDB_BATCH_OPTS_INIT {DDB_BATCH_OPTS_VERSION, 0, false, false, NULL, 0}

typedef enum ddb_batch_kind { DDB_BATCH_PUT, DDB_BATCH_DELETE, DDB_BATCH_GET } ddb_batch_kind;

/*
 * One write or key that finally failed. Everything it points to is owned
 * by the writer/getter and valid until the list changes (see each list).
 */
typedef struct ddb_batch_failure {
    /* Writer: 0-based number of the accepted put/delete call that queued
     * it (counting accepted calls only). Getter: the slot index. */
    size_t index;
    const ddb_model *model;
    ddb_batch_kind kind;
    const ddb_av *key;      /* M: the item's key */
    const ddb_av *item;     /* PUT: the whole item as it was to be written; else NULL */
    int code;               /* DDB_E*: the request's error, or DDB_ETHROTTLED for work
                               still unprocessed after max_attempts requests */
    const char *message;    /* human-readable: what failed and why */
    /* Writer: true when a request that carried this write may have been
     * applied although it failed (its connection broke or timed out after
     * the request left, a 5xx answer, a corrupted success, or a success
     * whose answer could not be read): the write may be in the table. False
     * means it is certainly not there (never sent, refused, or reported
     * unprocessed every time). Getter: always false. */
    bool maybe_applied;
} ddb_batch_failure;

/* ------------------------------------------------------------------ */
/* Batch writer                                                       */
/* ------------------------------------------------------------------ */

typedef struct ddb_batch_writer ddb_batch_writer;

/*
 * Creates a writer. `client` (borrowed; must outlive the writer) sends
 * every request; NULL uses each model's client (ddb_model_client) at the
 * time of the put/delete, and a write for another client than the queued
 * group's first sends that group. 0, DDB_EINVAL (unknown opts version),
 * DDB_ENOMEM. *out is NULL on failure.
 */
DDB_API int ddb_batch_writer_new(ddb_batch_writer **out, ddb_client *client, const ddb_batch_opts *opts);

/*
 * Releases the writer, its queued (unsent!) writes and its failure list.
 * Call ddb_batch_writer_flush first and check its result: freeing is not
 * sending. NULL-safe.
 */
DDB_API void ddb_batch_writer_free(ddb_batch_writer *w);

/*
 * Queues a PutRequest of `obj` (a struct of model `m`, borrowed for the
 * call: the item is built now). Sends the group when it reaches 25.
 * Returns 0 when the write was queued — a group sent meanwhile may have
 * failed; those failures are listed, not returned here. Refused, with
 * nothing queued: DDB_EINVAL (`m` has no table, a required attribute is
 * missing, a version field without ignore_versions, the key is already in
 * the group), DDB_ELIMIT (item or key too large), DDB_ENOMEM, or the
 * error of resolving the model's client.
 */
DDB_API int ddb_batch_writer_put(ddb_batch_writer *w, const ddb_model *m, const void *obj);

/* Queues a DeleteRequest for the key of `obj` (only its key fields are
 * read). Same rules and results as ddb_batch_writer_put. */
DDB_API int ddb_batch_writer_delete(ddb_batch_writer *w, const ddb_model *m, const void *obj);

/* Queues a DeleteRequest for a key given as values (as ddb_model_get:
 * pointers to the key fields' C types; `range` NULL without a range key). */
DDB_API int ddb_batch_writer_delete_key(ddb_batch_writer *w, const ddb_model *m, const void *hash,
                         const void *range);

/*
 * Sends every queued write, retrying unprocessed ones. Returns 0 when
 * the failure list is empty afterwards; otherwise the code of its first
 * entry, with ddb_last_error() summarising ("BatchWriteItem: 3 writes
 * failed ..."). DDB_ENOMEM when out of memory (queued work kept).
 */
DDB_API int ddb_batch_writer_flush(ddb_batch_writer *w);

/* Number of writes queued and not yet sent. */
DDB_API size_t ddb_batch_writer_pending(const ddb_batch_writer *w);

/*
 * Writes that finally failed, oldest first; *n set (n must not be NULL).
 * NULL when there are none. Valid until the next put, delete, flush,
 * retry or clear on this writer (the array may move; entries are kept).
 */
DDB_API const ddb_batch_failure *ddb_batch_writer_failed(size_t *n, const ddb_batch_writer *w);

/*
 * Queues every failed write again (oldest first, same items), emptying
 * the list; full groups are sent as usual, so new failures may appear.
 * Returns 0, or the error of re-queuing one (e.g. its key is already
 * queued), in which case that write and the ones after it stay listed.
 */
DDB_API int ddb_batch_writer_retry_failed(ddb_batch_writer *w);

/* Forgets the failure list (after the caller has dealt with it). */
DDB_API void ddb_batch_writer_clear_failed(ddb_batch_writer *w);

/* ------------------------------------------------------------------ */
/* Batch getter                                                       */
/* ------------------------------------------------------------------ */

typedef struct ddb_batch_getter ddb_batch_getter;

/* Slot status before the getter has resolved it. */
#define DDB_BATCH_GET_PENDING 2

/*
 * Creates a getter. `client` as for ddb_batch_writer_new (NULL: each
 * model's client, resolved when the key is added; keys are grouped by
 * client). 0, DDB_EINVAL, DDB_ENOMEM; *out NULL on failure.
 */
DDB_API int ddb_batch_getter_new(ddb_batch_getter **out, ddb_client *client, const ddb_batch_opts *opts);

/* Releases the getter and its keys (never the callers' structs). NULL-safe. */
DDB_API void ddb_batch_getter_free(ddb_batch_getter *g);

/*
 * Adds slot number ddb_batch_getter_count() (0, 1, ...): the item of model
 * `m` with key values `hash`/`range` (as ddb_model_get). `out` (may be
 * NULL: only `found` is wanted) is a struct of model `m`, initialised,
 * borrowed until the getter resolves the slot; `found` (may be NULL) is
 * set false now and true when the item is loaded into `out`. Nothing is
 * sent. Refused, with nothing added: DDB_EINVAL (no table, missing key
 * value, the key is already in this getter), DDB_ELIMIT (key too
 * large), DDB_ENOMEM, or the client's resolution error.
 */
DDB_API int ddb_batch_getter_add(void *out, bool *found, ddb_batch_getter *g, const ddb_model *m,
                      const void *hash, const void *range);

/* As ddb_batch_getter_add, with the key read from `key_obj` (a struct of
 * model `m`; only its key fields are read, now). `key_obj` may be `out`. */
DDB_API int ddb_batch_getter_add_obj(void *out, bool *found, ddb_batch_getter *g, const ddb_model *m,
                          const void *key_obj);

/*
 * Reads every slot that is not resolved yet (so calling it again retries
 * the failed ones), in groups of up to 100 keys in slot order. A found
 * item is loaded into its `out` (ddb_model_read_item: cleared and replaced)
 * and `found` set; an item that does not exist leaves both alone. Keys
 * still unprocessed after max_attempts requests, keys of a request that
 * failed, and items that cannot be loaded (DDB_ETYPE) fail their slot.
 * Returns 0 when no slot failed, else the first failed slot's code with a
 * summary in ddb_last_error(); see ddb_batch_getter_failed.
 */
DDB_API int ddb_batch_getter_run(ddb_batch_getter *g);

/* Number of slots added. */
DDB_API size_t ddb_batch_getter_count(const ddb_batch_getter *g);

/*
 * Status of slot `i`: 1 found (loaded), 0 no such item,
 * DDB_BATCH_GET_PENDING not read yet, or the negative DDB_E* code it
 * failed with. DDB_EINVAL (not recorded) for an index out of range.
 */
DDB_API int ddb_batch_getter_status(const ddb_batch_getter *g, size_t i);

/*
 * The slots that failed in the last run, in slot order (index = slot);
 * *n set. NULL when none. Valid until the next add, run or reset.
 */
DDB_API const ddb_batch_failure *ddb_batch_getter_failed(size_t *n, const ddb_batch_getter *g);

/* Forgets every slot and failure, so the getter can be reused. */
DDB_API void ddb_batch_getter_reset(ddb_batch_getter *g);

#ifdef __cplusplus
}
#endif

#endif /* DDB_BATCH_H */
