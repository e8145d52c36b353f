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

#endif /* DDB_TEST_H */
