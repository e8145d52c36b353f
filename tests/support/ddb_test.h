/*
 * ddb_test.h - what the test programs share: the engine under test and its
 * deviations, clients on it, an assertion that prints libddb's last error,
 * and a scripted transport. Include after <cmocka.h>.
 */
#ifndef DDB_TEST_H
#define DDB_TEST_H

#include <stdbool.h>
#include <stdint.h>

#include "ddb/ddb.h"

/*
 * The engine under test and its documented deviations from DynamoDB, read
 * from tests/support/engines.txt (found through $DDB_SOURCE_ROOT, which
 * meson test sets). A missing or malformed table, an unknown engine or an
 * unknown deviation id ends the process with a message (exit 1): a test
 * set-up error, never a pass.
 */

/* $DDB_TEST_ENGINE ("moto", "dynalite", "dynamodb-local"; scripts/test.sh
 * sets it), or "dynamodb" (DynamoDB itself) when unset. */
const char *ddbt_engine(void);

/* How the engine keeps test processes apart (engines.txt, "isolation="). */
typedef enum ddbt_isolation {
    DDBT_ISOLATION_ACCESS_KEY,   /* one database per access key id */
    DDBT_ISOLATION_MOTO_ACCOUNT, /* one per account (x-moto-account-id) */
    DDBT_ISOLATION_SHARED,       /* one for all: programs run one at a time */
    DDBT_ISOLATION_ENVIRONMENT   /* shared, with the caller's credentials */
} ddbt_isolation;

ddbt_isolation ddbt_engine_isolation(void);

/*
 * Whether the engine under test has the documented deviation `id`. A test
 * of exact DynamoDB behaviour asserts the engine's documented behaviour when
 * this is true and DynamoDB's otherwise. The first true answer for an id
 * prints "ddbt: engine deviation: <id> (<engine>)" on stderr, which
 * scripts/test.sh --engines counts. Thread-safe.
 */
bool ddbt_deviates(const char *id);

/* The 12-digit moto account of an access key id (FNV-1a; the same function
 * as tests/support/engines.py, so C and python processes meet). */
uint64_t ddbt_moto_account(const char *key_id);

/*
 * A client on $DDB_TEST_ENDPOINT, kept apart from other test processes as
 * the engine allows: signing with access key `key_id` (dummy secret,
 * region us-east-1) and, on moto, sending that key's account; with
 * isolation "environment" the credentials and region are the default
 * chain's. `base` (may be NULL) supplies the rest of the configuration (retry
 * hooks, a transport to wrap, ...); endpoint, region and credentials are
 * overwritten. Returns 0, or -1 with a message on stderr (no endpoint: the
 * test fails, never skips); on failure base->transport stays the caller's.
 */
int ddbt_client_new(ddb_client **out, const char *key_id, const ddb_client_config *base);

/* A client of another account than every client ddbt_client_new makes
 * with another key: where the engine keeps keys apart (moto accounts,
 * DynamoDB Local), the engine's client for key_id; where it does not
 * (dynalite), moto running beside it (DDB_TEST_S3_ENDPOINT) in the account
 * of key_id. Engine "dynamodb" has no second account: -1, with a
 * message on stderr, as for every other failure. */
int ddbt_other_account_client(ddb_client **out, const char *key_id);

/* ddbt_client_new with access key `key_id` whose retry sleep is
 * `sleep_ms`/`ctx` (may be NULL: the default sleep). */
int ddbt_sleep_client(ddb_client **out, const char *key_id, void (*sleep_ms)(void *, uint32_t),
                      void *ctx);

/* ddbt_sleep_client with the key "<key_prefix><pid>": each test process
 * sees only its own tables where the engine allows it. */
int ddbt_local_client(ddb_client **out, const char *key_prefix, void (*sleep_ms)(void *, uint32_t),
                      void *ctx);

/* ddbt_local_client(out, key_prefix, NULL, NULL) with the n models bound to
 * the new client (ddb_model_use_client). Returns 0, or -1 with a message on
 * stderr (nothing made, nothing bound). Undo with ddbt_models_teardown. */
int ddbt_models_client(ddb_client **out, const char *key_prefix, const ddb_model *const *models,
                       size_t n);

/* Binds `c` (borrowed; NULL unbinds) to each of the n models. */
void ddbt_use_client(ddb_client *c, const ddb_model *const *models, size_t n);

/* A client that sends through transport `t` (borrowed) and nowhere else: static
 * credentials `key_id`/"secret", endpoint http://127.0.0.1:1, region
 * us-east-1. `base` (may be NULL) supplies the rest (retry settings);
 * endpoint, region, credentials and transport are overwritten. Returns 0 or
 * the error code (nothing made). */
int ddbt_transport_client(ddb_client **out, ddb_transport *t, const char *key_id,
                          const ddb_client_config *base);

/*
 * Tables a test created, deleted at its end: never one it did not create
 * (engines with isolation "shared" and DynamoDB itself hold other tables).
 * Call these from set-up and teardown (one thread at a time).
 *   ddbt_create_model_table  ddb_model_create_table (waiting until active);
 *                            on success records the table; returns its code
 *   ddbt_created_model_table / ddbt_created_table
 *                            record a table the caller created
 *   ddbt_create_model_tables ddbt_create_model_table for each of n models in
 *                            order; at the first failure prints
 *                            "create_table: <error>" and returns -1, else 0
 *   ddbt_delete_created_tables
 *                            deletes the recorded tables, newest first,
 *                            waiting for each; forgets them; returns 0 or
 *                            the first error (each failure printed)
 *   ddbt_models_teardown     the teardown of ddbt_models_client: deletes
 *                            the recorded tables, unbinds the n models,
 *                            frees `c` (owned) and this thread's libddb
 *                            buffers (ddb_ops_thread_cleanup); returns what
 *                            ddbt_delete_created_tables returned
 */
int ddbt_create_model_table(const ddb_model *m);
int ddbt_create_model_tables(const ddb_model *const *models, size_t n);
void ddbt_created_model_table(const ddb_model *m);
void ddbt_created_table(ddb_client *c, const char *name);
int ddbt_delete_created_tables(void);
int ddbt_models_teardown(ddb_client *c, const ddb_model *const *models, size_t n);

/* Asserts that `rc` is how engines answer an operation they lack: HTTP 400
 * UnknownOperationException, which libddb reports as DDB_EVALIDATION. */
void ddbt_assert_unknown_operation(int rc);

/* The last error as one line, in a thread-local buffer. */
const char *ddbt_last_error(void);

/* Asserts that expr is 0, printing the call, the code and the last error. */
#define DDBT_ASSERT_OK(expr)                                                                       \
    do {                                                                                           \
        int rc_ = (expr);                                                                          \
        if (rc_ != 0)                                                                              \
            fail_msg("%s -> %s: %s", #expr, ddb_code_name(rc_), ddbt_last_error());                \
    } while (0)

/*
 * A scripted transport: answers each request with the next canned body
 * (HTTP 200, with its x-amz-crc32 and a request id) and records what was
 * sent, so unit tests check exact wire requests without a network.
 */
#define DDBT_MAX_SCRIPT 16

typedef struct ddbt_wire {
    ddb_transport base;
    const char *responses[DDBT_MAX_SCRIPT]; /* bodies answered in order */
    long statuses[DDBT_MAX_SCRIPT];         /* their HTTP status (ddbt_wire_script: 200) */
    size_t n_responses, next;
    char *bodies[DDBT_MAX_SCRIPT];          /* request bodies received */
    char targets[DDBT_MAX_SCRIPT][64];      /* their X-Amz-Target */
    size_t n_requests;
    size_t calls;                           /* send calls, answered or not */
    uint32_t sleeps[DDBT_MAX_SCRIPT];       /* waits asked of the retry sleep hook */
    size_t n_sleeps;
} ddbt_wire;

/* A client (one attempt, sleeps recorded in `w`) whose transport is `w`. */
int ddbt_wire_client(ddb_client **out, ddbt_wire *w);
/* Forgets what was recorded and sets the next n response bodies (HTTP 200). */
void ddbt_wire_script(ddbt_wire *w, size_t n, ...);
/* Makes scripted response i answer with HTTP `status` (an AWS error body). */
void ddbt_wire_status(ddbt_wire *w, size_t i, long status);
/* Asserts that request i contains `fragment` verbatim. */
void ddbt_assert_sent(const ddbt_wire *w, size_t i, const char *fragment);

#endif /* DDB_TEST_H */
