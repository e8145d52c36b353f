/*
 * extras_test.h - helpers of the extras tests (backup, hooks, simple JSON):
 * a transport that answers through a test function, a client for it, table
 * helpers, and a live-heap counter for the constant-memory checks. The
 * helpers of every test program (ddbt_last_error, ...) are in
 * tests/support/ddb_test.h.
 */
#ifndef EXTRAS_TEST_H
#define EXTRAS_TEST_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "ddb/ddb.h"

/* Answers one request: `target` is the operation ("Scan", ...), `body` the
 * request JSON. Sets *status (200 by default) and appends the response
 * body to `out`. Returns 0, or a transport error code (recorded). */
typedef int (*handler_fn)(void *ctx, const char *target, const char *body, size_t len,
                          long *status, ddb_buf *out);

typedef struct fn_transport {
    ddb_transport base;
    handler_fn handler;
    void *ctx;
    _Atomic unsigned long requests; /* requests received */
} fn_transport;

/* A client over `t` (borrowed) with static credentials, region us-east-1,
 * `max_attempts` attempts, a fixed jitter (rand01 = 0.5) and back-off
 * sleeps added to *slept_ms (may be NULL) instead of slept. */
ddb_client *fn_client(fn_transport *t, handler_fn handler, void *ctx, unsigned max_attempts,
                      uint64_t *slept_ms);

/* Creates table `name` with hash key "pk" (S) and range key "sk" (N),
 * pay per request, and waits until it is active. */
int create_test_table(ddb_client *c, const char *name);

/* Live bytes allocated by malloc/calloc/realloc minus freed (when the test
 * is linked with -Wl,--wrap for them; else always 0) and whether the
 * counter works. */
long long heap_live(void);
int heap_counting(void);

#endif /* EXTRAS_TEST_H */
