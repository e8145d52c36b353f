/* batch_internal.h - shared by batch.c and txn.c (not installed): what
 * batched and transactional work on models has in common. */
#ifndef DDB_BATCH_INTERNAL_H
#define DDB_BATCH_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "ddb/batch.h"
#include "ddb/txn.h"
#include "model_internal.h"

/* 0, or DDB_EINVAL (recorded) when `m` is not a model with a table. */
int ddb_batch_check_model(const ddb_model *m);

/* The client for work on `m`: `fixed` when not NULL, else the model's
 * (bound or default). 0, DDB_EINVAL when `m` is not a model with a table,
 * or the error of creating the default client (recorded). */
int ddb_batch_client(ddb_client *fixed, const ddb_model *m, ddb_client **out);

/* Whether `item` (an item or a key, M) holds every member of `key` with
 * an equal value (numbers by value). Keys of one table have the same
 * members, so for two keys this is equality. */
bool ddb_batch_key_matches(const ddb_av *key, const ddb_av *item);

/* Records `code` with the message "<model> key {<key>}: <what>" and
 * returns it. */
int ddb_batch_key_error(int code, const ddb_model *m, const ddb_av *key, const char *what);

/* The key of `obj` (key_obj != NULL) or of key values (as
 * ddb_model_key_of), checked: non-empty S/B values (DDB_EINVAL) within
 * DDB_HASH_KEY_SIZE_MAX / DDB_RANGE_KEY_SIZE_MAX (DDB_ELIMIT). */
int ddb_batch_make_key(const ddb_model *m, const void *key_obj, const void *hash, const void *range,
                       ddb_av **out);

/* Checks a whole item before it is queued: within DDB_ITEM_SIZE_MAX
 * (DDB_ELIMIT) and writable as DynamoDB JSON (the JSON writer's
 * DDB_EINVAL: invalid UTF-8, bad number text), using `scratch`. */
int ddb_batch_check_item(const ddb_model *m, const ddb_av *key, const ddb_av *item, ddb_buf *scratch);

/* The last error as one line (malloc'ed), or a static text when out of
 * memory; release with ddb_batch_text_free. */
char *ddb_batch_error_text(void);
void ddb_batch_text_free(const char *text);

/* Whether a failed request may be sent again (the client's rules). */
bool ddb_batch_retryable(int rc);

/* Sleeps before request number `retry` + 2 of a group: the client's retry
 * policy (jittered exponential backoff, its test hooks). */
void ddb_batch_backoff(ddb_client *c, unsigned retry);

/* Where one item read by a getter goes. */
typedef struct ddb_get_slot {
    const ddb_model *m;
    ddb_av *key;  /* owned */
    void *out;    /* caller's struct or NULL */
    bool *found;  /* caller's flag or NULL */
} ddb_get_slot;

/* Fills a slot (key from key_obj, or from hash/range) and sets *found
 * false. On failure nothing is kept. */
int ddb_get_slot_init(ddb_get_slot *s, const ddb_model *m, const void *key_obj, const void *hash,
                      const void *range, void *out, bool *found);

#endif /* DDB_BATCH_INTERNAL_H */
