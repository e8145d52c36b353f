/*
 * ddb/txn.h - transactions of generated models (TransactWriteItems,
 * TransactGetItems).
 *
 * A write transaction collects up to 100 actions — put, update, delete,
 * condition check — on items of any models and tables, and commits them
 * all or none. Every entry point takes a model descriptor and a struct of
 * that model (or key values), so generated code wraps each in a one-line
 * typed function. Conditions and updates are ddb/expr.h trees, handed
 * over to the add call: it frees them whatever the outcome (the model
 * layer's rule). Each action renders its own ExpressionAttributeNames and
 * Values, as DynamoDB scopes them per action.
 *
 * Optimistic locking: an action on a model with a version field is
 * guarded like ddb_model_put/update/delete (`version = current`, or
 * attribute_not_exists for a never-saved object); puts and updates write
 * current + 1, and after a successful commit the objects hold their new
 * versions. After a failed commit they are unchanged. Condition checks
 * do not involve the version.
 *
 * Cancellation: when DynamoDB cancels the transaction (DDB_ECANCELLED),
 * ddb_txn_reason(t, i) tells for action i — the i-th add call, the
 * caller's order — whether and why it failed, with its model and key.
 *
 * Idempotency: every commit carries a ClientRequestToken, the caller's
 * (ddb_txn_opts) or a random UUID v4 made by ddb_txn_new. Committing the
 * same transaction again (e.g. after a timeout left its outcome unknown)
 * sends the same token, and DynamoDB does not apply it twice within 10
 * minutes of the first success; the same token with other actions is
 * DDB_EVALIDATION (IdempotentParameterMismatchException).
 *
 * A get transaction reads up to 100 items consistently, into the
 * callers' structs.
 *
 * Errors: 0 or a negative DDB_E* code, detail in ddb_last_error().
 * Thread safety: a transaction or getter is used by one thread at a time;
 * several may run in parallel threads sharing a client.
 */
#ifndef DDB_TXN_H
#define DDB_TXN_H

#include "ddb/export.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ddb/av.h"
#include "ddb/client.h"
#include "ddb/expr.h"
#include "ddb/model.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DDB_TXN_MAX 100                     /* actions per transaction */
#define DDB_TXN_SIZE_MAX (4 * 1024 * 1024)  /* bytes of items (ddb_item_size) per transaction */
#define DDB_TXN_TOKEN_MAX 36                /* characters of a ClientRequestToken */

typedef enum ddb_txn_kind {
    DDB_TXN_PUT,
    DDB_TXN_UPDATE,
    DDB_TXN_DELETE,
    DDB_TXN_CHECK,
    DDB_TXN_GET
} ddb_txn_kind;

/* Options; NULL or DDB_TXN_OPTS_INIT means the defaults. Copied. */
typedef struct ddb_txn_opts {
    unsigned version;                 /* DDB_TXN_OPTS_VERSION */
    /* Idempotency token, 1..36 characters; NULL: a random UUID v4. */
    const char *client_request_token;
    /* ReturnValuesOnConditionCheckFailure ALL_OLD on every action: a
     * failed condition's reason then holds the item as it was. */
    bool return_old_on_failure;
} ddb_txn_opts;

#define DDB_TXN_OPTS_VERSION 1
#define DDB_TXN_OPTS_INIT {DDB_TXN_OPTS_VERSION, NULL, false}

/*
 * What happened to one action of the last commit/run. Pointers are owned
 * by the transaction/getter, valid until its next add, commit/run or free.
 */
typedef struct ddb_txn_outcome {
    size_t index;           /* the action's position: the i-th add call */
    const ddb_model *model;
    ddb_txn_kind kind;
    const ddb_av *key;      /* M: the key the action is on */
    /* 0 when this action did not fail (or nothing was cancelled); else
     * DDB_ECONDITION (ConditionalCheckFailed), DDB_EINUSE
     * (TransactionConflict), DDB_ETHROTTLED (ProvisionedThroughputExceeded,
     * ThrottlingError), DDB_ELIMIT (ItemCollectionSizeLimitExceeded),
     * DDB_EVALIDATION (ValidationError), DDB_ECANCELLED (other codes). */
    int code;
    const char *reason;     /* DynamoDB's code: "None", "ConditionalCheckFailed", ...;
                               NULL when the last commit was not cancelled */
    const char *message;    /* DynamoDB's message; NULL when absent */
    const ddb_av *item;     /* return_old_on_failure: the item as it was; else NULL */
} ddb_txn_outcome;

/* ------------------------------------------------------------------ */
/* Write transactions                                                 */
/* ------------------------------------------------------------------ */

typedef struct ddb_txn ddb_txn;

/*
 * Creates an empty transaction. `client` (borrowed, must outlive it)
 * sends the commit; NULL: the client of the first action's model, and
 * every later action's model must resolve to the same client
 * (DDB_EINVAL otherwise: one transaction is one request). 0, DDB_EINVAL
 * (unknown opts version, bad token), DDB_ENOMEM, DDB_EIO (no random
 * bytes for the token). *out NULL on failure.
 */
DDB_API int ddb_txn_new(ddb_txn **out, ddb_client *client, const ddb_txn_opts *opts);

/* Releases the transaction (never the callers' structs). NULL-safe. */
DDB_API void ddb_txn_free(ddb_txn *t);

/*
 * Adds a Put of `obj` (struct of model `m`; the item is built now) with
 * optional condition `cond` (consumed in every case). With a version
 * field, `obj` is borrowed until the last commit: its version is updated
 * after a successful one. Refused, nothing added: DDB_EINVAL (no table,
 * missing required attribute, the item is already in the transaction,
 * another client), DDB_ELIMIT (101st action, item or key too large, 4 MB
 * of items in all, an expression over 4 KB), an error node's code, or
 * DDB_ENOMEM.
 */
DDB_API int ddb_txn_put(ddb_txn *t, const ddb_model *m, void *obj, ddb_cond *cond);

/* Adds an Update of the item with the key of `obj`: `actions` (required)
 * and `cond` are consumed. With a version field, as ddb_txn_put. Only the
 * version is written back to `obj` (no ReturnValues in transactions).
 * Same refusals as ddb_txn_put. */
DDB_API int ddb_txn_update(ddb_txn *t, const ddb_model *m, void *obj, ddb_update *actions, ddb_cond *cond);

/* Adds a Delete of the item with the key of `obj` (read now; a version
 * field adds its guard). `cond` consumed. Same refusals. */
DDB_API int ddb_txn_delete(ddb_txn *t, const ddb_model *m, const void *obj, ddb_cond *cond);

/* Adds a ConditionCheck of `cond` (required, consumed) on the item with
 * the key of `obj` (read now). Same refusals. */
DDB_API int ddb_txn_check(ddb_txn *t, const ddb_model *m, const void *obj, ddb_cond *cond);

/* As ddb_txn_check for a key given as values (as ddb_model_get). */
DDB_API int ddb_txn_check_key(ddb_txn *t, const ddb_model *m, const void *hash, const void *range,
                      ddb_cond *cond);

/*
 * Sends the transaction. 0: every action applied, and versioned objects
 * hold their new versions. DDB_ECANCELLED: nothing applied; see
 * ddb_txn_reason. Other codes as the client returns them (the client
 * retries throttling and network failures with the same token). DDB_EINVAL
 * for an empty transaction. May be called again (same token), e.g. when a
 * timeout left the outcome unknown.
 */
DDB_API int ddb_txn_commit(ddb_txn *t);

/* Number of actions added. */
DDB_API size_t ddb_txn_count(const ddb_txn *t);

/* The ClientRequestToken the commit sends (owned by the transaction). */
DDB_API const char *ddb_txn_token(const ddb_txn *t);

/* Action `i` and, after a cancelled commit, why it failed or not; NULL
 * when i >= ddb_txn_count(t). */
DDB_API const ddb_txn_outcome *ddb_txn_reason(const ddb_txn *t, size_t i);

/* ------------------------------------------------------------------ */
/* Get transactions                                                   */
/* ------------------------------------------------------------------ */

typedef struct ddb_txn_getter ddb_txn_getter;

/* Creates an empty get transaction; `client` as for ddb_txn_new. */
DDB_API int ddb_txn_getter_new(ddb_txn_getter **out, ddb_client *client);

/* Releases it (never the callers' structs). NULL-safe. */
DDB_API void ddb_txn_getter_free(ddb_txn_getter *g);

/*
 * Adds item number ddb_txn_getter_count(): model `m`, key values `hash` /
 * `range` (as ddb_model_get). `out` (may be NULL) is an initialised struct
 * of model `m`, borrowed until the run; `found` (may be NULL) is set false
 * now. Refused, nothing added: DDB_EINVAL (no table, missing key value,
 * the key is already in the transaction, another client), DDB_ELIMIT
 * (101st item, key too large), DDB_ENOMEM.
 */
DDB_API int ddb_txn_getter_add(void *out, bool *found, ddb_txn_getter *g, const ddb_model *m,
                    const void *hash, const void *range);

/* As ddb_txn_getter_add with the key read from `key_obj` (may be `out`). */
DDB_API int ddb_txn_getter_add_obj(void *out, bool *found, ddb_txn_getter *g, const ddb_model *m,
                        const void *key_obj);

/*
 * Reads every added item in one TransactGetItems. 0: each found item is
 * loaded into its `out` and its `found` set (absent ones left alone).
 * On failure no `out` or `found` changes: DDB_ECANCELLED (see
 * ddb_txn_getter_reason), DDB_ETYPE when an item cannot be loaded, the
 * client's errors, DDB_EINVAL when empty.
 */
DDB_API int ddb_txn_getter_run(ddb_txn_getter *g);

/* Number of items added. */
DDB_API size_t ddb_txn_getter_count(const ddb_txn_getter *g);

/* Item `i` and, after a cancelled run, why; NULL when out of range. */
DDB_API const ddb_txn_outcome *ddb_txn_getter_reason(const ddb_txn_getter *g, size_t i);

#ifdef __cplusplus
}
#endif

#endif /* DDB_TXN_H */
