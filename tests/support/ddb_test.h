/*
 * ddb_test.h - what the test programs share: a client on the DynamoDB
 * Local of the test run, and an assertion that prints libddb's last error.
 * Include after <cmocka.h>.
 */
#ifndef DDB_TEST_H
#define DDB_TEST_H

#include <stdint.h>

#include "ddb/ddb.h"

/*
 * A client on $DDB_TEST_ENDPOINT (DynamoDB Local, started by
 * scripts/test.sh). DynamoDB Local keeps one database per access key, so
 * the key is "<key_prefix><pid>": each test process sees only its own
 * tables. `sleep_ms`/`ctx` (may be NULL) replace the retry sleep. Returns 0,
 * or -1 with a message on stderr (no endpoint: the test fails, never skips).
 */
int ddbt_local_client(ddb_client **out, const char *key_prefix, void (*sleep_ms)(void *, uint32_t),
                      void *ctx);

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
/* Forgets what was recorded and sets the next n response bodies. */
void ddbt_wire_script(ddbt_wire *w, size_t n, ...);
/* Asserts that request i contains `fragment` verbatim. */
void ddbt_assert_sent(const ddbt_wire *w, size_t i, const char *fragment);

#endif /* DDB_TEST_H */
