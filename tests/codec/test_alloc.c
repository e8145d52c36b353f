/*
 * test_alloc.c - allocation-failure sweeps. The allocator calls of the
 * codec sources are wrapped (-Wl,--wrap=..., tests/support/alloc_fail.c);
 * each sweep runs an operation again and again, failing its 1st, 2nd, ...
 * allocation, until it runs without an injected failure. Every injected failure must come back as
 * DDB_ENOMEM, leave outputs empty, and leak nothing (ASan and valgrind runs
 * of the suite check the last part).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ddb/av.h"
#include "ddb/error.h"
#include "ddb/json.h"
#include "json_internal.h"

#include "alloc_fail.h" /* the allocator calls are wrapped: ddbt_fail_alloc_at */

typedef int (*operation)(void);

/* Runs `op` with the n-th allocation failing, n = 0, 1, ... */
static void sweep(operation op)
{
    for (long n = 0;; n++) {
        ddbt_fail_alloc_at(n);
        int rc = op();
        bool injected = ddbt_alloc_failed();
        ddbt_fail_alloc_at(-1);
        if (!injected) {
            if (rc != 0)
                fail_msg("without failures: rc %d (%s)", rc, ddb_last_error()->message);
            assert_true(n > 0);
            print_message("%ld allocations, each failed once\n", n);
            return;
        }
        if (rc != DDB_ENOMEM || ddb_last_error()->code != DDB_ENOMEM)
            fail_msg("allocation %ld failed: rc %d, last error %d (%s)", n, rc, ddb_last_error()->code,
                     ddb_last_error()->message);
    }
}

/* An item with every type, escapes, base64, nesting, and a map large
 * enough for the sorted duplicate check. */
static const char sample[] =
    "{\"id\":{\"S\":\"user-1\"},\"esc\":{\"S\":\"caf\\u00e9 \\ud83d\\ude00 \\\"q\\\"\"},\"n\":{\"N\":\"-1.5E3\"},"
    "\"b\":{\"B\":\"AAEC/w==\"},\"bs\":{\"BS\":[\"YQ==\",\"Yg==\"]},\"ss\":{\"SS\":[\"x\",\"y\",\"z\"]},"
    "\"ns\":{\"NS\":[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\",\"10\"]},\"t\":{\"BOOL\":true},"
    "\"z\":{\"NULL\":true},\"l\":{\"L\":[{\"M\":{\"deep\":{\"L\":[{\"S\":\"v\"}]}}},{\"N\":\"7\"}]},"
    "\"m\":{\"M\":{\"a1\":{\"N\":\"1\"},\"a2\":{\"N\":\"2\"},\"a3\":{\"N\":\"3\"},\"a4\":{\"N\":\"4\"},"
    "\"a5\":{\"N\":\"5\"},\"a6\":{\"N\":\"6\"},\"a7\":{\"N\":\"7\"},\"a8\":{\"N\":\"8\"},\"a9\":{\"N\":\"9\"},"
    "\"b1\":{\"N\":\"1\"},\"b2\":{\"N\":\"2\"},\"b3\":{\"N\":\"3\"},\"b4\":{\"N\":\"4\"},\"b5\":{\"N\":\"5\"},"
    "\"b6\":{\"N\":\"6\"},\"b7\":{\"N\":\"7\"},\"b8\":{\"N\":\"8\"},\"b9\":{\"N\":\"9\"}}}}";

static ddb_av *tree; /* parsed `sample`, built without failures */
static ddb_av *twin; /* the same, members in reverse order */

static int op_parse_item(void)
{
    ddb_av *v = (ddb_av *)&v;
    int rc = ddb_item_parse_json(&v, sample, sizeof sample - 1);
    if (rc != 0 && v != NULL)
        fail_msg("output not reset on failure");
    ddb_av_free(v);
    return rc;
}

static int op_parse_value(void)
{
    static const char value[] = "{\"L\":[{\"M\":{\"k\":{\"SS\":[\"a\",\"b\"]}}},{\"B\":\"aGk=\"},{\"S\":\"\\u00e9\"}]}";
    ddb_av *v = NULL;
    int rc = ddb_av_parse_json(&v, value, sizeof value - 1);
    ddb_av_free(v);
    return rc;
}

static int op_parse_envelope(void)
{
    static const char *const paths[] = {"Items[]", "LastEvaluatedKey", NULL};
    static const char body[] = "{\"Items\":[{\"a\":{\"S\":\"1\"}},{\"a\":{\"S\":\"2\"}}],\"Count\":2,"
                               "\"ConsumedCapacity\":{\"TableName\":\"T\",\"CapacityUnits\":1.5},"
                               "\"LastEvaluatedKey\":{\"a\":{\"S\":\"2\"}},\"Note\":\"\\u00e9\"}";
    ddb_jdoc *doc = NULL;
    int rc = ddb_jdoc_parse(body, sizeof body - 1, paths, &doc);
    if (rc == 0) {
        ddb_av *first = ddb_jnode_take_item(ddb_jnode_first(ddb_jnode_get(ddb_jdoc_root(doc), "Items")));
        assert_non_null(first);
        ddb_av_free(first);
    }
    ddb_jdoc_free(doc);
    return rc;
}

static int op_parse_large_envelope(void)
{
    static char body[40000];
    if (body[0] == '\0') { /* arena blocks beyond the inline one */
        strcpy(body, "{\"List\":[");
        for (int i = 0; i < 2000; i++)
            strcat(body, i ? ",\"0123456789\"" : "\"0123456789\"");
        strcat(body, "]}");
    }
    ddb_jdoc *doc = NULL;
    int rc = ddb_jdoc_parse(body, strlen(body), NULL, &doc);
    ddb_jdoc_free(doc);
    return rc;
}

static int op_write(void)
{
    ddb_buf b = DDB_BUF_INIT;
    int rc = ddb_av_write_json(&b, tree);
    if (rc != 0 && b.len != 0)
        fail_msg("buffer not restored");
    ddb_buf_free(&b);
    return rc;
}

static int op_put_string_into_used_buffer(void)
{
    static char prefix[501];
    memset(prefix, 'p', sizeof prefix - 1);
    ddb_buf b = DDB_BUF_INIT;
    int rc = ddb_buf_puts(&b, prefix);
    if (rc == 0)
        rc = ddb_json_put_string(&b, "needs \"escapes\"\n and grows the buffer", 38);
    if (rc != 0 && b.data != NULL && strcmp(b.data, prefix) != 0)
        fail_msg("buffer not restored");
    ddb_buf_free(&b);
    return rc;
}

static int op_clone(void)
{
    ddb_av *copy = ddb_av_clone(tree);
    int rc = copy != NULL ? 0 : ddb_last_error()->code;
    if (copy != NULL && !ddb_av_equal(copy, tree))
        rc = ddb_last_error()->code != 0 ? ddb_last_error()->code : -1000;
    ddb_av_free(copy);
    return rc;
}

static int op_equal(void)
{
    ddb_error_clear();
    if (ddb_av_equal(tree, twin))
        return 0;
    return ddb_last_error()->code;
}

static int op_build(void)
{
    ddb_av *m = ddb_av_new(DDB_AV_M);
    int rc = ddb_av_map_set(m, "s", ddb_av_s("text"));
    if (rc == 0)
        rc = ddb_av_map_set(m, "n", ddb_av_n_double(0.1));
    ddb_av *ns = ddb_av_new(DDB_AV_NS);
    for (int i = 0; i < 12 && rc == 0; i++)
        rc = ddb_av_list_push(ns, ddb_av_n_i64(i));
    if (rc == 0)
        rc = ddb_av_map_set(m, "ns", ns);
    else
        ddb_av_free(ns);
    if (rc == 0)
        rc = ddb_av_map_set(m, "s", ddb_av_b("replaced", 8));
    if (rc == 0)
        rc = m != NULL ? 0 : DDB_ENOMEM;
    ddb_av_free(m);
    return rc;
}

static void test_parse_item(void **state)
{
    (void)state;
    sweep(op_parse_item);
}

static void test_parse_value(void **state)
{
    (void)state;
    sweep(op_parse_value);
}

static void test_parse_envelope(void **state)
{
    (void)state;
    sweep(op_parse_envelope);
    sweep(op_parse_large_envelope);
}

static void test_write(void **state)
{
    (void)state;
    sweep(op_write);
    sweep(op_put_string_into_used_buffer);
}

static void test_clone_and_equal(void **state)
{
    (void)state;
    sweep(op_clone);
    sweep(op_equal);
}

static void test_build(void **state)
{
    (void)state;
    sweep(op_build);
}

/* Reverses the member order of M `v` and of its M and set members, so
 * that comparing with the original takes the sorting path. */
static void reverse(ddb_av *v)
{
    if (v->type == DDB_AV_M) {
        for (size_t i = 0, j = v->u.map.len; i + 1 < j--; i++) {
            ddb_av_member t = v->u.map.items[i];
            v->u.map.items[i] = v->u.map.items[j];
            v->u.map.items[j] = t;
        }
        for (size_t i = 0; i < v->u.map.len; i++)
            reverse(v->u.map.items[i].value);
    } else if (v->type == DDB_AV_NS || v->type == DDB_AV_SS || v->type == DDB_AV_BS) {
        for (size_t i = 0, j = v->u.list.len; i + 1 < j--; i++) {
            ddb_av *t = v->u.list.items[i];
            v->u.list.items[i] = v->u.list.items[j];
            v->u.list.items[j] = t;
        }
    }
}

static int setup(void **state)
{
    (void)state;
    int rc = ddb_item_parse_json(&tree, sample, sizeof sample - 1);
    if (rc == 0)
        rc = ddb_item_parse_json(&twin, sample, sizeof sample - 1);
    if (rc == 0)
        reverse(twin);
    return rc;
}

static int teardown(void **state)
{
    (void)state;
    ddb_av_free(tree);
    ddb_av_free(twin);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_item),      cmocka_unit_test(test_parse_value),
        cmocka_unit_test(test_parse_envelope),  cmocka_unit_test(test_write),
        cmocka_unit_test(test_clone_and_equal), cmocka_unit_test(test_build),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
