/*
 * bench_hooks.c - what request hooks cost (meson test --benchmark, or run
 * it directly; never a timed test). One ddb_client_call over a transport
 * that answers "{}" at once, signing included:
 *   unhooked    ddb_client_call_unhooked, the path without the dispatch
 *   no hooks    ddb_client_call with nothing registered: the dispatch
 *               (one relaxed atomic load and a branch)
 *   elsewhere   a hook registered on another client only
 *   one hook    a no-op before+after hook on this client
 * Prints ns per call for each, best of several rounds.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ddb_test.h"
#include "extras_test.h"
#include "hooks_internal.h"

static int answer_empty(void *ctx, const char *target, const char *body, size_t len, long *status,
                        ddb_buf *out)
{
    (void)ctx, (void)target, (void)body, (void)len, (void)status;
    return ddb_buf_puts(out, "{}");
}

static void noop(const ddb_hook_event *ev, void *payload)
{
    (void)ev, (void)payload;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char body[] = "{\"TableName\":\"T\",\"Key\":{\"pk\":{\"S\":\"k\"}}}";

/* ns per call over `n` calls; `plain` calls the unhooked path. */
static double run(ddb_client *c, ddb_buf *resp, int n, int plain)
{
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        ddb_buf_reset(resp);
        int rc = plain ? ddb_client_call_unhooked(c, "GetItem", "T", body, sizeof body - 1, resp, NULL)
                       : ddb_client_call(resp, c, "GetItem", "T", body, sizeof body - 1);
        if (rc != 0) {
            fprintf(stderr, "call failed: %s\n", ddbt_last_error());
            return -1;
        }
    }
    return (now_s() - t0) * 1e9 / n;
}

static double best(ddb_client *c, ddb_buf *resp, int plain)
{
    double b = 1e30;
    for (int round = 0; round < 7; round++) {
        double ns = run(c, resp, 20000, plain);
        if (ns < 0)
            return ns;
        if (ns < b)
            b = ns;
    }
    return b;
}

int main(void)
{
    fn_transport t1, t2;
    ddb_client *c = fn_client(&t1, answer_empty, NULL, 1, NULL);
    ddb_client *other = fn_client(&t2, answer_empty, NULL, 1, NULL);
    if (c == NULL || other == NULL)
        return 1;
    ddb_buf resp = DDB_BUF_INIT;
    run(c, &resp, 20000, 0); /* warm up */
    double unhooked = best(c, &resp, 1);
    double none = best(c, &resp, 0);
    ddb_client_add_hook(other, noop, noop, NULL);
    double elsewhere = best(c, &resp, 0);
    ddb_client_add_hook(c, noop, noop, NULL);
    double one = best(c, &resp, 0);
    ddb_client_remove_hook(c, noop, noop, NULL);
    ddb_client_remove_hook(other, noop, noop, NULL);
    printf("ddb_client_call, ns per call (best of 7 x 20000):\n");
    printf("  unhooked   %8.1f\n", unhooked);
    printf("  no hooks   %8.1f  (dispatch: %+.1f)\n", none, none - unhooked);
    printf("  elsewhere  %8.1f  (%+.1f)\n", elsewhere, elsewhere - unhooked);
    printf("  one hook   %8.1f  (%+.1f)\n", one, one - unhooked);
    ddb_buf_free(&resp);
    ddb_client_free(c);
    ddb_client_free(other);
    return unhooked < 0 || none < 0 || elsewhere < 0 || one < 0;
}
