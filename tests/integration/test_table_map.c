/*
 * test_table_map.c - a table as a map (ddb/table.h) against the engine
 * under test: tables made with ddb_create_table (hash-only with an S key
 * named "name", a reserved word; hash+range S/N; a B key), opened by name
 * and used through every operation, their errors, conditional failures,
 * multi-page scans that keep their filter and projection on every page
 * (checked on the wire with a request hook and in the items), counts,
 * parallel scan segments, a table shared by threads, and plain JSON in
 * and out. The pure functions (plain JSON, item accessors) are tested
 * without the engine at the end.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ddb_test.h"

static ddb_client *client;
static char name_hash[96], name_pair[96], name_bin[96], name_gone[96];
static ddb_table *t_hash; /* key "name" S */
static ddb_table *t_pair; /* key "pk" S, "sk" N */
static ddb_table *t_bin;  /* key "bin" B */

#define N_PAIR_ITEMS 30 /* items of t_pair under pk "scan" */

/* ------------------------------------------------------------------ */
/* Requests seen on the wire                                          */
/* ------------------------------------------------------------------ */

#define MAX_SEEN 256

typedef struct wire_log {
    pthread_mutex_t lock;
    size_t requests;          /* every request of the client */
    size_t n_scans;           /* Scan requests, bodies below */
    char *scans[MAX_SEEN];
} wire_log;

static wire_log wire = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void on_request(const ddb_hook_event *ev, void *payload)
{
    wire_log *w = payload;
    pthread_mutex_lock(&w->lock);
    w->requests++;
    if (strcmp(ev->operation, "Scan") == 0 && w->n_scans < MAX_SEEN) {
        char *body = malloc(ev->request_len + 1);
        if (body != NULL) {
            memcpy(body, ev->request_body, ev->request_len);
            body[ev->request_len] = '\0';
            w->scans[w->n_scans++] = body;
        }
    }
    pthread_mutex_unlock(&w->lock);
}

static void wire_reset(void)
{
    pthread_mutex_lock(&wire.lock);
    for (size_t i = 0; i < wire.n_scans; i++)
        free(wire.scans[i]);
    wire.n_scans = 0;
    wire.requests = 0;
    pthread_mutex_unlock(&wire.lock);
}

static size_t wire_requests(void)
{
    pthread_mutex_lock(&wire.lock);
    size_t n = wire.requests;
    pthread_mutex_unlock(&wire.lock);
    return n;
}

/* ------------------------------------------------------------------ */
/* Helpers                                                            */
/* ------------------------------------------------------------------ */

/* An item from DynamoDB JSON (the lossless codec, independent of the code
 * under test). */
static ddb_av *dj(const char *json)
{
    ddb_av *item = NULL;
    DDBT_ASSERT_OK(ddb_item_parse_json(&item, json, strlen(json)));
    return item;
}

static void assert_av_equal(const ddb_av *a, const ddb_av *b)
{
    if (ddb_av_equal(a, b))
        return;
    ddb_buf x = DDB_BUF_INIT, y = DDB_BUF_INIT;
    ddb_av_write_json(&x, a);
    ddb_av_write_json(&y, b);
    fail_msg("items differ:\n  %s\n  %s", ddb_buf_cstr(&x), ddb_buf_cstr(&y));
}

/* Asserts that `rc` is `code` and that the last error's message has `part`. */
static void assert_error(int rc, int code, const char *part)
{
    if (rc != code)
        fail_msg("expected %s, got %s: %s", ddb_code_name(code), ddb_code_name(rc), ddbt_last_error());
    if (part != NULL && strstr(ddb_last_error()->message, part) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", ddb_last_error()->message, part);
}

static int create_table(const char *name, const ddb_attribute_definition *defs, size_t n, ddb_key_schema key)
{
    ddb_create_table_input in = DDB_CREATE_TABLE_INPUT_INIT;
    in.table_name = name;
    in.attribute_definitions = defs;
    in.n_attribute_definitions = n;
    in.key_schema = key;
    in.billing_mode = DDB_BILLING_MODE_PAY_PER_REQUEST;
    ddb_table_output out;
    int rc = ddb_create_table(&out, client, &in);
    ddb_table_output_free(&out);
    if (rc == 0)
        ddbt_created_table(client, name);
    return rc != 0 ? rc : ddb_wait_table_active(client, name, 30000);
}

static int report(const char *what)
{
    fprintf(stderr, "%s: %s\n", what, ddbt_last_error());
    return -1;
}

/* The items of t_pair the scan tests read: pk "scan", sk 0..29, n = sk,
 * even, a payload and an attribute named with a reserved word. */
static int fill_pair_table(void)
{
    for (int i = 0; i < N_PAIR_ITEMS; i++) {
        char json[512];
        snprintf(json, sizeof json,
                 "{\"pk\":{\"S\":\"scan\"},\"sk\":{\"N\":\"%d\"},\"n\":{\"N\":\"%d\"},\"even\":{\"BOOL\":%s},"
                 "\"payload\":{\"S\":\"payload of %d\"},\"size\":{\"N\":\"%d\"}}",
                 i, i, i % 2 == 0 ? "true" : "false", i, i * 10);
        ddb_av *item = NULL;
        int rc = ddb_item_parse_json(&item, json, strlen(json));
        if (rc == 0)
            rc = ddb_table_set(t_pair, item, NULL, NULL);
        ddb_av_free(item);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int group_setup(void **state)
{
    (void)state;
    if (ddbt_local_client(&client, "ddbcmap", NULL, NULL) != 0)
        return -1;
    long pid = (long)getpid();
    snprintf(name_hash, sizeof name_hash, "ddbc_map_%ld_hash", pid);
    snprintf(name_pair, sizeof name_pair, "ddbc_map_%ld_pair", pid);
    snprintf(name_bin, sizeof name_bin, "ddbc_map_%ld_bin", pid);
    snprintf(name_gone, sizeof name_gone, "ddbc_map_%ld_gone", pid);
    static const ddb_attribute_definition hash_defs[] = {{"name", DDB_AV_S}};
    static const ddb_attribute_definition pair_defs[] = {{"pk", DDB_AV_S}, {"sk", DDB_AV_N}};
    static const ddb_attribute_definition bin_defs[] = {{"bin", DDB_AV_B}};
    if (create_table(name_hash, hash_defs, 1, (ddb_key_schema){"name", NULL}) != 0 ||
        create_table(name_pair, pair_defs, 2, (ddb_key_schema){"pk", "sk"}) != 0 ||
        create_table(name_bin, bin_defs, 1, (ddb_key_schema){"bin", NULL}) != 0)
        return report("CreateTable");
    if (ddb_table_open(&t_hash, client, name_hash) != 0 || ddb_table_open(&t_pair, client, name_pair) != 0 ||
        ddb_table_open(&t_bin, client, name_bin) != 0)
        return report("ddb_table_open");
    if (fill_pair_table() != 0)
        return report("filling the scan table");
    if (ddb_client_add_hook(client, on_request, NULL, &wire) != 0)
        return report("hook");
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    if (client != NULL)
        ddb_client_remove_hook(client, on_request, NULL, &wire);
    wire_reset();
    ddb_table_free(t_hash);
    ddb_table_free(t_pair);
    ddb_table_free(t_bin);
    int rc = ddbt_delete_created_tables();
    ddb_client_free(client);
    ddb_ops_thread_cleanup();
    return rc != 0 ? -1 : 0;
}

/* ------------------------------------------------------------------ */
/* Opening                                                            */
/* ------------------------------------------------------------------ */

static void test_open_learns_the_key_schema(void **state)
{
    (void)state;
    const char *names[2] = {"x", "x"};
    ddb_av_type types[2] = {DDB_AV_M, DDB_AV_M};
    assert_string_equal(ddb_table_name(t_hash), name_hash);
    assert_int_equal(ddb_table_key_names(names, t_hash), 1);
    assert_string_equal(names[0], "name");
    assert_null(names[1]);
    assert_int_equal(ddb_table_key_types(types, t_hash), 1);
    assert_int_equal(types[0], DDB_AV_S);
    assert_int_equal(types[1], DDB_AV_NULL);

    assert_int_equal(ddb_table_key_names(names, t_pair), 2);
    assert_string_equal(names[0], "pk");
    assert_string_equal(names[1], "sk");
    assert_int_equal(ddb_table_key_types(types, t_pair), 2);
    assert_int_equal(types[0], DDB_AV_S);
    assert_int_equal(types[1], DDB_AV_N);

    assert_int_equal(ddb_table_key_names(names, t_bin), 1);
    assert_string_equal(names[0], "bin");
    assert_int_equal(ddb_table_key_types(types, t_bin), 1);
    assert_int_equal(types[0], DDB_AV_B);

    /* NULL-safe accessors */
    assert_int_equal(ddb_table_key_names(names, NULL), 0);
    assert_int_equal(ddb_table_key_types(types, NULL), 0);
    assert_null(ddb_table_name(NULL));
    ddb_table_free(NULL);
}

static void test_open_errors(void **state)
{
    (void)state;
    ddb_table *t = (ddb_table *)&t; /* must become NULL */
    assert_error(ddb_table_open(&t, client, name_gone), DDB_ERESOURCE, NULL);
    assert_null(t);
    assert_string_equal(ddb_last_error()->operation, "DescribeTable");
    assert_string_equal(ddb_last_error()->table, name_gone);

    t = (ddb_table *)&t;
    assert_error(ddb_table_open(&t, NULL, name_hash), DDB_EINVAL, "client");
    assert_null(t);
    assert_error(ddb_table_open(&t, client, ""), DDB_EINVAL, "table name");
    assert_error(ddb_table_open(&t, client, NULL), DDB_EINVAL, "table name");
    assert_error(ddb_table_open(NULL, client, name_hash), DDB_EINVAL, NULL);
}

/* ------------------------------------------------------------------ */
/* Items                                                              */
/* ------------------------------------------------------------------ */

static void test_hash_only_get_set_delete_contains(void **state)
{
    (void)state;
    ddb_av *item = dj("{\"name\":{\"S\":\"alpha\"},\"n\":{\"N\":\"12345678901234567890.5\"},"
                      "\"ok\":{\"BOOL\":true},\"nothing\":{\"NULL\":true},"
                      "\"doc\":{\"M\":{\"l\":{\"L\":[{\"S\":\"x\"},{\"N\":\"2\"}]}}}}");
    ddb_av *key = ddb_av_s("alpha");
    DDBT_ASSERT_OK(ddb_table_set(t_hash, item, NULL, NULL));

    ddb_av *got = NULL;
    DDBT_ASSERT_OK(ddb_table_get(&got, t_hash, key, NULL, DDB_TABLE_GET_OPTS(.consistent_read = true)));
    assert_av_equal(got, item);
    ddb_av_free(got);

    /* a projection: the named attributes plus the key (a nested path; moto
     * does not take list indexes in projections, so none here) */
    static const char *const attrs[] = {"doc.l", "ok"};
    double consumed = -1;
    DDBT_ASSERT_OK(ddb_table_get(&got, t_hash, key, NULL,
                                 DDB_TABLE_GET_OPTS(.attributes = attrs, .n_attributes = 2, .consistent_read = true,
                                                    .consumed = &consumed)));
    ddb_av *want = dj("{\"name\":{\"S\":\"alpha\"},\"ok\":{\"BOOL\":true},"
                      "\"doc\":{\"M\":{\"l\":{\"L\":[{\"S\":\"x\"},{\"N\":\"2\"}]}}}}");
    assert_av_equal(got, want);
    assert_true(consumed >= 0);
    ddb_av_free(want);
    ddb_av_free(got);

    bool there = false;
    DDBT_ASSERT_OK(ddb_table_contains(&there, t_hash, key, NULL, DDB_TABLE_GET_OPTS(.consistent_read = true)));
    assert_true(there);

    /* a missing item: DDB_ENOTFOUND, out unchanged; contains says false */
    ddb_av *missing = ddb_av_s("no such item");
    got = (ddb_av *)&got;
    assert_error(ddb_table_get(&got, t_hash, missing, NULL, NULL), DDB_ENOTFOUND, NULL);
    assert_ptr_equal(got, (ddb_av *)&got);
    assert_string_equal(ddb_last_error()->operation, "GetItem");
    assert_string_equal(ddb_last_error()->table, name_hash);
    DDBT_ASSERT_OK(ddb_table_contains(&there, t_hash, missing, NULL, NULL));
    assert_false(there);

    /* delete, returning what was there */
    ddb_av *old = NULL;
    DDBT_ASSERT_OK(ddb_table_delete(t_hash, key, NULL, NULL, DDB_TABLE_WRITE_OPTS(.old = &old)));
    assert_av_equal(old, item);
    ddb_av_free(old);
    assert_error(ddb_table_get(&got, t_hash, key, NULL, DDB_TABLE_GET_OPTS(.consistent_read = true)),
                 DDB_ENOTFOUND, NULL);
    /* deleting nothing succeeds, and says there was nothing */
    old = (ddb_av *)&old;
    DDBT_ASSERT_OK(ddb_table_delete(t_hash, key, NULL, NULL, DDB_TABLE_WRITE_OPTS(.old = &old)));
    assert_null(old);

    /* set replaces the whole item and returns the old one */
    DDBT_ASSERT_OK(ddb_table_set(t_hash, item, NULL, NULL));
    ddb_av *second = dj("{\"name\":{\"S\":\"alpha\"},\"only\":{\"S\":\"this\"}}");
    DDBT_ASSERT_OK(ddb_table_set(t_hash, second, NULL, DDB_TABLE_WRITE_OPTS(.old = &old)));
    assert_av_equal(old, item);
    ddb_av_free(old);
    DDBT_ASSERT_OK(ddb_table_get(&got, t_hash, key, NULL, DDB_TABLE_GET_OPTS(.consistent_read = true)));
    assert_av_equal(got, second);
    ddb_av_free(got);
    DDBT_ASSERT_OK(ddb_table_delete(t_hash, key, NULL, NULL, NULL));

    ddb_av_free(second);
    ddb_av_free(missing);
    ddb_av_free(key);
    ddb_av_free(item);
}

static void test_hash_and_range(void **state)
{
    (void)state;
    ddb_av *item = dj("{\"pk\":{\"S\":\"crud\"},\"sk\":{\"N\":\"7\"},\"v\":{\"S\":\"seven\"}}");
    ddb_av *hash = ddb_av_s("crud"), *range = ddb_av_n_i64(7), *other = ddb_av_n_i64(8);
    DDBT_ASSERT_OK(ddb_table_set(t_pair, item, NULL, NULL));
    ddb_av *got = NULL;
    DDBT_ASSERT_OK(ddb_table_get(&got, t_pair, hash, range, DDB_TABLE_GET_OPTS(.consistent_read = true)));
    assert_av_equal(got, item);
    ddb_av_free(got);
    bool there = true;
    DDBT_ASSERT_OK(ddb_table_contains(&there, t_pair, hash, other, DDB_TABLE_GET_OPTS(.consistent_read = true)));
    assert_false(there);
    /* the range key is needed */
    size_t before = wire_requests();
    assert_error(ddb_table_get(&got, t_pair, hash, NULL, NULL), DDB_EINVAL, "range key attribute \"sk\" (N)");
    assert_error(ddb_table_delete(t_pair, hash, NULL, NULL, NULL), DDB_EINVAL, "\"sk\"");
    assert_int_equal(wire_requests(), before); /* nothing sent */
    DDBT_ASSERT_OK(ddb_table_delete(t_pair, hash, range, NULL, NULL));
    assert_error(ddb_table_get(&got, t_pair, hash, range, DDB_TABLE_GET_OPTS(.consistent_read = true)),
                 DDB_ENOTFOUND, NULL);
    ddb_av_free(hash);
    ddb_av_free(range);
    ddb_av_free(other);
    ddb_av_free(item);
}

static void test_binary_key(void **state)
{
    (void)state;
    static const unsigned char raw[] = {0x00, 0xff, 0x10, 0x00, 0x7f};
    ddb_av *key = ddb_av_b(raw, sizeof raw);
    ddb_av *item = ddb_av_new(DDB_AV_M);
    DDBT_ASSERT_OK(ddb_av_map_set(item, "bin", ddb_av_clone(key)));
    DDBT_ASSERT_OK(ddb_av_map_set(item, "blob", ddb_av_b("\0\1\2", 3)));
    DDBT_ASSERT_OK(ddb_table_set(t_bin, item, NULL, NULL));
    ddb_av *got = NULL;
    DDBT_ASSERT_OK(ddb_table_get(&got, t_bin, key, NULL, DDB_TABLE_GET_OPTS(.consistent_read = true)));
    assert_av_equal(got, item);

    /* B cannot go to plain JSON: refused, naming the attribute; DynamoDB
     * JSON carries it */
    ddb_buf out = DDB_BUF_INIT;
    DDBT_ASSERT_OK(ddb_buf_puts(&out, "kept"));
    assert_error(ddb_item_to_plain_json(&out, got), DDB_ETYPE, "\"bin\" is B");
    assert_string_equal(ddb_buf_cstr(&out), "kept");
    ddb_buf_reset(&out);
    DDBT_ASSERT_OK(ddb_item_write_json(&out, got));
    ddb_av *back = NULL;
    DDBT_ASSERT_OK(ddb_item_parse_json(&back, out.data, out.len));
    assert_av_equal(back, item);
    ddb_av_free(back);
    ddb_buf_free(&out);
    ddb_av_free(got);

    bool there = false;
    DDBT_ASSERT_OK(ddb_table_contains(&there, t_bin, key, NULL, DDB_TABLE_GET_OPTS(.consistent_read = true)));
    assert_true(there);
    ddb_av *empty = ddb_av_b("", 0), *text = ddb_av_s("AP8QAH8=");
    assert_error(ddb_table_get(&got, t_bin, empty, NULL, NULL), DDB_EINVAL, "empty B");
    assert_error(ddb_table_get(&got, t_bin, text, NULL, NULL), DDB_EINVAL,
                 "hash key attribute \"bin\" is B, the value given is S");
    DDBT_ASSERT_OK(ddb_table_delete(t_bin, key, NULL, NULL, NULL));
    ddb_av_free(empty);
    ddb_av_free(text);
    ddb_av_free(item);
    ddb_av_free(key);
}

static void test_key_checks_before_sending(void **state)
{
    (void)state;
    size_t before = wire_requests();
    ddb_av *n = ddb_av_n_i64(1), *s = ddb_av_s("a"), *empty = ddb_av_s(""), *got = NULL;
    ddb_av *bad_n = ddb_av_new(DDB_AV_N); /* empty number text */
    bool there;
    assert_error(ddb_table_get(&got, t_hash, n, NULL, NULL), DDB_EINVAL,
                 "hash key attribute \"name\" is S, the value given is N");
    assert_string_equal(ddb_last_error()->operation, "GetItem");
    assert_string_equal(ddb_last_error()->table, name_hash);
    assert_error(ddb_table_contains(&there, t_hash, NULL, NULL, NULL), DDB_EINVAL, "no value for hash key");
    assert_error(ddb_table_get(&got, t_hash, s, s, NULL), DDB_EINVAL, "has no range key");
    assert_error(ddb_table_get(&got, t_hash, empty, NULL, NULL), DDB_EINVAL, "empty S");
    assert_error(ddb_table_get(&got, t_pair, s, s, NULL), DDB_EINVAL,
                 "range key attribute \"sk\" is N, the value given is S");
    assert_error(ddb_table_get(&got, t_pair, s, bad_n, NULL), DDB_EINVAL, "\"sk\"");
    assert_error(ddb_table_delete(t_hash, n, NULL, ddb_cond_exists("x"), NULL), DDB_EINVAL, "\"name\"");
    assert_string_equal(ddb_last_error()->operation, "DeleteItem");
    assert_error(ddb_table_set_attr(t_hash, n, NULL, "a", s, NULL, NULL), DDB_EINVAL, "\"name\"");
    assert_string_equal(ddb_last_error()->operation, "UpdateItem");
    assert_error(ddb_table_remove_attr(t_hash, n, NULL, "a", NULL, NULL), DDB_EINVAL, "\"name\"");

    /* items for set: a map with its key, of the right types */
    ddb_av *no_key = dj("{\"other\":{\"S\":\"x\"}}");
    ddb_av *wrong = dj("{\"name\":{\"N\":\"1\"}}");
    ddb_av *half = dj("{\"pk\":{\"S\":\"x\"}}");
    assert_error(ddb_table_set(t_hash, no_key, NULL, NULL), DDB_EINVAL, "lacks key attribute \"name\" (S)");
    assert_string_equal(ddb_last_error()->operation, "PutItem");
    assert_error(ddb_table_set(t_hash, wrong, ddb_cond_not_exists("name"), NULL), DDB_EINVAL,
                 "is S, the value given is N");
    assert_error(ddb_table_set(t_pair, half, NULL, NULL), DDB_EINVAL, "lacks key attribute \"sk\" (N)");
    assert_error(ddb_table_set(t_hash, s, NULL, NULL), DDB_EINVAL, "not a map");
    assert_error(ddb_table_set(t_hash, NULL, NULL, NULL), DDB_EINVAL, "not a map");
    /* options of another version; unknown requirement; NULL table */
    ddb_table_get_opts old_get = {.version = 99};
    assert_error(ddb_table_get(&got, t_hash, s, NULL, &old_get), DDB_EINVAL, "ddb_table_get_opts");
    ddb_av *item = dj("{\"name\":{\"S\":\"a\"}}");
    assert_error(ddb_table_set(t_hash, item, NULL, DDB_TABLE_WRITE_OPTS(.require = (ddb_table_require)7)),
                 DDB_EINVAL, "ddb_table_require");
    assert_error(ddb_table_set(NULL, item, ddb_cond_exists("x"), NULL), DDB_EINVAL, "table is NULL");
    assert_error(ddb_table_get(&got, NULL, s, NULL, NULL), DDB_EINVAL, "table is NULL");
    /* the projection of contains is the key */
    static const char *const attrs[] = {"a"};
    assert_error(
        ddb_table_contains(&there, t_hash, s, NULL, DDB_TABLE_GET_OPTS(.attributes = attrs, .n_attributes = 1)),
        DDB_EINVAL, "key-only read");
    /* a condition that carries an error fails the call, unsent */
    assert_error(ddb_table_set(t_hash, item, ddb_cond_error(DDB_ERANGE), NULL), DDB_ERANGE, NULL);
    assert_error(ddb_table_delete(t_hash, s, NULL, ddb_cond_cmp("a..b", DDB_CMP_EQ, ddb_av_n_i64(1)), NULL),
                 DDB_EINVAL, NULL);
    assert_int_equal(wire_requests(), before); /* none of these was sent */
    assert_null(got);
    ddb_av_free(item);
    ddb_av_free(no_key);
    ddb_av_free(wrong);
    ddb_av_free(half);
    ddb_av_free(n);
    ddb_av_free(s);
    ddb_av_free(empty);
    ddb_av_free(bad_n);
}

/* ------------------------------------------------------------------ */
/* Conditional writes and partial updates                             */
/* ------------------------------------------------------------------ */

static void test_conditional_set_and_delete(void **state)
{
    (void)state;
    ddb_av *key = ddb_av_s("cond");
    ddb_av *v1 = dj("{\"name\":{\"S\":\"cond\"},\"n\":{\"N\":\"1\"}}");
    ddb_av *v2 = dj("{\"name\":{\"S\":\"cond\"},\"n\":{\"N\":\"2\"}}");
    ddb_av *got = NULL;

    /* create only */
    DDBT_ASSERT_OK(ddb_table_set(t_hash, v1, NULL, DDB_TABLE_WRITE_OPTS(.require = DDB_TABLE_REQUIRE_ABSENT)));
    assert_error(ddb_table_set(t_hash, v2, NULL, DDB_TABLE_WRITE_OPTS(.require = DDB_TABLE_REQUIRE_ABSENT)),
                 DDB_ECONDITION, NULL);
    assert_string_equal(ddb_last_error()->operation, "PutItem");
    /* a condition on the stored item: n = 5 is false, n = 1 true */
    assert_error(ddb_table_set(t_hash, v2, ddb_cond_cmp("n", DDB_CMP_EQ, ddb_av_n_i64(5)), NULL), DDB_ECONDITION,
                 NULL);
    DDBT_ASSERT_OK(ddb_table_get(&got, t_hash, key, NULL, DDB_TABLE_GET_OPTS(.consistent_read = true)));
    assert_av_equal(got, v1); /* unchanged */
    ddb_av_free(got);
    DDBT_ASSERT_OK(ddb_table_set(t_hash, v2, ddb_cond_cmp("n", DDB_CMP_EQ, ddb_av_n_i64(1)),
                                 DDB_TABLE_WRITE_OPTS(.require = DDB_TABLE_REQUIRE_EXISTS)));

    /* conditional delete */
    assert_error(ddb_table_delete(t_hash, key, NULL, ddb_cond_cmp("n", DDB_CMP_LT, ddb_av_n_i64(2)), NULL),
                 DDB_ECONDITION, NULL);
    assert_string_equal(ddb_last_error()->operation, "DeleteItem");
    DDBT_ASSERT_OK(ddb_table_get(&got, t_hash, key, NULL, DDB_TABLE_GET_OPTS(.consistent_read = true)));
    assert_av_equal(got, v2);
    ddb_av_free(got);
    DDBT_ASSERT_OK(ddb_table_delete(t_hash, key, NULL, ddb_cond_cmp("n", DDB_CMP_EQ, ddb_av_n_i64(2)), NULL));
    /* deleting what must exist, once it is gone */
    assert_error(ddb_table_delete(t_hash, key, NULL, NULL, DDB_TABLE_WRITE_OPTS(.require = DDB_TABLE_REQUIRE_EXISTS)),
                 DDB_ECONDITION, NULL);
    /* replacing what must exist */
    assert_error(ddb_table_set(t_hash, v1, NULL, DDB_TABLE_WRITE_OPTS(.require = DDB_TABLE_REQUIRE_EXISTS)),
                 DDB_ECONDITION, NULL);
    bool there = true;
    DDBT_ASSERT_OK(ddb_table_contains(&there, t_hash, key, NULL, DDB_TABLE_GET_OPTS(.consistent_read = true)));
    assert_false(there);
    ddb_av_free(v1);
    ddb_av_free(v2);
    ddb_av_free(key);
}

static void test_partial_updates(void **state)
{
    (void)state;
    ddb_av *hash = ddb_av_s("upd"), *range = ddb_av_n_i64(1);
    ddb_av *item = dj("{\"pk\":{\"S\":\"upd\"},\"sk\":{\"N\":\"1\"},\"a\":{\"S\":\"x\"},\"b\":{\"N\":\"1\"},"
                      "\"doc\":{\"M\":{\"title\":{\"S\":\"old\"}}}}");
    DDBT_ASSERT_OK(ddb_table_set(t_pair, item, NULL, NULL));

    ddb_av *five = ddb_av_n_i64(5), *title = ddb_av_s("new"), *old = NULL, *got = NULL;
    DDBT_ASSERT_OK(ddb_table_set_attr(t_pair, hash, range, "b", five, NULL, DDB_TABLE_WRITE_OPTS(.old = &old)));
    assert_av_equal(old, item);
    ddb_av_free(old);
    DDBT_ASSERT_OK(ddb_table_set_attr(t_pair, hash, range, "doc.title", title, NULL, NULL));
    DDBT_ASSERT_OK(ddb_table_remove_attr(t_pair, hash, range, "a", NULL, NULL));
    DDBT_ASSERT_OK(ddb_table_remove_attr(t_pair, hash, range, "never_there", NULL, NULL));
    /* a nested path below a missing parent is the service's to refuse */
    assert_error(ddb_table_remove_attr(t_pair, hash, range, "never.there", NULL, NULL), DDB_EVALIDATION, NULL);
    ddb_av *want = dj("{\"pk\":{\"S\":\"upd\"},\"sk\":{\"N\":\"1\"},\"b\":{\"N\":\"5\"},"
                      "\"doc\":{\"M\":{\"title\":{\"S\":\"new\"}}}}");
    DDBT_ASSERT_OK(ddb_table_get(&got, t_pair, hash, range, DDB_TABLE_GET_OPTS(.consistent_read = true)));
    assert_av_equal(got, want);
    ddb_av_free(got);

    /* conditional: b = 1 no longer holds; nothing changes */
    assert_error(ddb_table_set_attr(t_pair, hash, range, "b", title, ddb_cond_cmp("b", DDB_CMP_EQ, ddb_av_n_i64(1)),
                                    NULL),
                 DDB_ECONDITION, NULL);
    assert_string_equal(ddb_last_error()->operation, "UpdateItem");
    assert_error(ddb_table_remove_attr(t_pair, hash, range, "b", ddb_cond_not_exists("doc"), NULL), DDB_ECONDITION,
                 NULL);
    DDBT_ASSERT_OK(ddb_table_get(&got, t_pair, hash, range, DDB_TABLE_GET_OPTS(.consistent_read = true)));
    assert_av_equal(got, want);
    ddb_av_free(got);

    /* keys cannot be updated; refused before sending */
    size_t before = wire_requests();
    assert_error(ddb_table_set_attr(t_pair, hash, range, "sk", five, NULL, NULL), DDB_EINVAL, "key attribute");
    assert_error(ddb_table_remove_attr(t_pair, hash, range, "pk", NULL, NULL), DDB_EINVAL, "key attribute");
    assert_error(ddb_table_set_attr(t_pair, hash, range, "b", NULL, NULL, NULL), DDB_EINVAL, "a value");
    assert_error(ddb_table_set_attr(t_pair, hash, range, NULL, five, NULL, NULL), DDB_EINVAL, NULL);
    assert_error(ddb_table_remove_attr(t_pair, hash, range, "a[x]", NULL, NULL), DDB_EINVAL, NULL);
    assert_int_equal(wire_requests(), before);

    /* an update of a missing item: created (upsert) unless it must exist */
    ddb_av *two = ddb_av_n_i64(2);
    assert_error(ddb_table_remove_attr(t_pair, hash, two, "a", NULL,
                                       DDB_TABLE_WRITE_OPTS(.require = DDB_TABLE_REQUIRE_EXISTS)),
                 DDB_ECONDITION, NULL);
    assert_error(ddb_table_set_attr(t_pair, hash, two, "a", five, NULL,
                                    DDB_TABLE_WRITE_OPTS(.require = DDB_TABLE_REQUIRE_EXISTS)),
                 DDB_ECONDITION, NULL);
    bool there = true;
    DDBT_ASSERT_OK(ddb_table_contains(&there, t_pair, hash, two, DDB_TABLE_GET_OPTS(.consistent_read = true)));
    assert_false(there);
    old = (ddb_av *)&old;
    DDBT_ASSERT_OK(ddb_table_set_attr(t_pair, hash, two, "a", five, NULL, DDB_TABLE_WRITE_OPTS(.old = &old)));
    assert_null(old);
    ddb_av *created = dj("{\"pk\":{\"S\":\"upd\"},\"sk\":{\"N\":\"2\"},\"a\":{\"N\":\"5\"}}");
    DDBT_ASSERT_OK(ddb_table_get(&got, t_pair, hash, two, DDB_TABLE_GET_OPTS(.consistent_read = true)));
    assert_av_equal(got, created);
    ddb_av_free(got);

    DDBT_ASSERT_OK(ddb_table_delete(t_pair, hash, range, NULL, NULL));
    DDBT_ASSERT_OK(ddb_table_delete(t_pair, hash, two, NULL, NULL));
    ddb_av_free(created);
    ddb_av_free(two);
    ddb_av_free(want);
    ddb_av_free(five);
    ddb_av_free(title);
    ddb_av_free(item);
    ddb_av_free(hash);
    ddb_av_free(range);
}

/* ------------------------------------------------------------------ */
/* Scans                                                              */
/* ------------------------------------------------------------------ */

/* The JSON text of top-level member `name` of request body `body` (a
 * string or an object without strings holding braces) into out. */
static void member_text(char *out, size_t size, const char *body, const char *name)
{
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":", name);
    const char *p = strstr(body, pattern);
    if (p == NULL)
        fail_msg("no %s in %s", name, body);
    p += strlen(pattern);
    const char *end = p;
    if (*p == '"') {
        for (end = p + 1; *end != '\0' && *end != '"'; end++)
            if (*end == '\\' && end[1] != '\0')
                end++;
        end++;
    } else {
        int depth = 0;
        do {
            depth += *end == '{' ? 1 : *end == '}' ? -1 : 0;
            end++;
        } while (*end != '\0' && depth > 0);
    }
    size_t len = (size_t)(end - p);
    assert_true(len < size);
    memcpy(out, p, len);
    out[len] = '\0';
}

/* Whether `item` has exactly the attributes named in `names` (n). */
static bool has_exactly(const ddb_av *item, const char *const *names, size_t n)
{
    if (item == NULL || item->type != DDB_AV_M || ddb_av_len(item) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (ddb_av_map_get(item, names[i]) == NULL)
            return false;
    }
    return true;
}

static void test_scan_keeps_filter_and_projection_on_every_page(void **state)
{
    (void)state;
    wire_reset();
    /* filter: the even items of pk "scan"; projection: "size" (a reserved
     * word); 4 items evaluated per page, so about 9 pages for 30 items */
    static const char *const attrs[] = {"size"};
    ddb_table_iter *it = NULL;
    DDBT_ASSERT_OK(ddb_table_scan(&it, t_pair,
                                  ddb_cond_and(ddb_cond_cmp("even", DDB_CMP_EQ, ddb_av_bool(true)),
                                               ddb_cond_cmp("pk", DDB_CMP_EQ, ddb_av_s("scan"))),
                                  DDB_TABLE_SCAN_OPTS(.attributes = attrs, .n_attributes = 1, .page_size = 4,
                                                      .consistent_read = true)));
    assert_int_equal(ddb_table_iter_pages(it), 0); /* lazy: nothing sent yet */
    assert_int_equal(wire.n_scans, 0);
    bool seen[N_PAIR_ITEMS] = {false};
    size_t count = 0;
    uint64_t pages_at_first = 0;
    ddb_av *key = NULL, *item = NULL;
    int rc;
    while ((rc = ddb_table_iter_next(&key, &item, it)) == 1) {
        if (count++ == 0)
            pages_at_first = ddb_table_iter_pages(it);
        static const char *const projected[] = {"pk", "sk", "size"};
        if (!has_exactly(item, projected, 3)) {
            ddb_buf b = DDB_BUF_INIT;
            ddb_item_write_json(&b, item);
            fail_msg("item %zu is not projected to pk, sk, size: %s", count, ddb_buf_cstr(&b));
        }
        int64_t sk = -1, size = -1;
        DDBT_ASSERT_OK(ddb_item_get_i64(&sk, item, "sk"));
        DDBT_ASSERT_OK(ddb_item_get_i64(&size, item, "size"));
        assert_true(sk >= 0 && sk < N_PAIR_ITEMS);
        assert_int_equal(sk % 2, 0); /* the filter held */
        assert_int_equal(size, sk * 10);
        assert_false(seen[sk]);
        seen[sk] = true;
        /* the key is the item's key attributes */
        static const char *const key_names[] = {"pk", "sk"};
        assert_true(has_exactly(key, key_names, 2));
        assert_av_equal(ddb_av_map_get(key, "sk"), ddb_av_map_get(item, "sk"));
        ddb_av_free(key);
        ddb_av_free(item);
    }
    assert_int_equal(rc, 0);
    assert_int_equal(count, N_PAIR_ITEMS / 2);
    assert_true(pages_at_first >= 1 && pages_at_first < ddb_table_iter_pages(it)); /* fetched on demand */
    uint64_t pages = ddb_table_iter_pages(it);
    assert_true(pages >= N_PAIR_ITEMS / 4);
    /* the end is sticky and sends nothing more */
    assert_int_equal(ddb_table_iter_next(NULL, &item, it), 0);
    assert_int_equal(ddb_table_iter_pages(it), pages);
    ddb_table_iter_free(it);

    /* on the wire: every page carried the filter, the projection and the
     * page size; every page after the first its start key */
    assert_int_equal(wire.n_scans, pages);
    for (size_t i = 0; i < wire.n_scans; i++) {
        const char *body = wire.scans[i];
        if (strstr(body, "\"FilterExpression\"") == NULL || strstr(body, "\"ProjectionExpression\"") == NULL ||
            strstr(body, "\"ExpressionAttributeValues\"") == NULL || strstr(body, "\"Limit\":4") == NULL ||
            strstr(body, "\"ConsistentRead\":true") == NULL)
            fail_msg("Scan request %zu lost its filter, projection or options: %s", i, body);
        assert_true((strstr(body, "\"ExclusiveStartKey\"") != NULL) == (i > 0));
        /* the same expressions and placeholders as the first page */
        static const char *const same[] = {"FilterExpression", "ProjectionExpression", "ExpressionAttributeNames",
                                           "ExpressionAttributeValues"};
        for (size_t k = 0; k < sizeof same / sizeof same[0]; k++) {
            char first[1024], this_one[1024];
            member_text(first, sizeof first, wire.scans[0], same[k]);
            member_text(this_one, sizeof this_one, body, same[k]);
            assert_string_equal(this_one, first);
        }
    }
    wire_reset();
}

static void test_scan_keys_values_items(void **state)
{
    (void)state;
    /* keys only: the key attributes are all that is read, with a filter on
     * an attribute that is not projected */
    ddb_table_iter *it = NULL;
    DDBT_ASSERT_OK(ddb_table_scan(&it, t_pair, ddb_cond_cmp("n", DDB_CMP_GE, ddb_av_n_i64(20)),
                                  DDB_TABLE_SCAN_OPTS(.keys_only = true, .page_size = 3)));
    ddb_av *key = NULL, *item = NULL;
    size_t n = 0;
    static const char *const key_names[] = {"pk", "sk"};
    while (ddb_table_iter_next(&key, &item, it) == 1) {
        assert_true(has_exactly(key, key_names, 2));
        assert_av_equal(item, key);
        int64_t sk = 0;
        DDBT_ASSERT_OK(ddb_item_get_i64(&sk, key, "sk"));
        assert_true(sk >= 20);
        n++;
        ddb_av_free(key);
        ddb_av_free(item);
    }
    assert_int_equal(n, 10);
    assert_true(ddb_table_iter_pages(it) > 1);
    ddb_table_iter_free(it);

    /* values only, every attribute; keys only out */
    DDBT_ASSERT_OK(ddb_table_scan(&it, t_pair, ddb_cond_cmp("sk", DDB_CMP_EQ, ddb_av_n_i64(3)), NULL));
    assert_int_equal(ddb_table_iter_next(NULL, &item, it), 1);
    ddb_av *want = dj("{\"pk\":{\"S\":\"scan\"},\"sk\":{\"N\":\"3\"},\"n\":{\"N\":\"3\"},\"even\":{\"BOOL\":false},"
                      "\"payload\":{\"S\":\"payload of 3\"},\"size\":{\"N\":\"30\"}}");
    assert_av_equal(item, want);
    ddb_av_free(item);
    item = (ddb_av *)&item;
    assert_int_equal(ddb_table_iter_next(NULL, &item, it), 0);
    assert_ptr_equal(item, (ddb_av *)&item);
    assert_error(ddb_table_iter_next(NULL, NULL, it), DDB_EINVAL, NULL);
    ddb_table_iter_free(it);
    ddb_av_free(want);

    /* iterator argument errors, found before sending */
    static const char *const attrs[] = {"n"};
    static const char *const null_attr[] = {NULL};
    it = (ddb_table_iter *)&it;
    assert_error(ddb_table_scan(&it, t_pair, ddb_cond_exists("n"),
                                DDB_TABLE_SCAN_OPTS(.keys_only = true, .attributes = attrs, .n_attributes = 1)),
                 DDB_EINVAL, "key-only read");
    assert_null(it);
    assert_error(
        ddb_table_scan(&it, t_pair, NULL, DDB_TABLE_SCAN_OPTS(.attributes = null_attr, .n_attributes = 1)),
        DDB_EINVAL, "projection attribute 0 is NULL");
    assert_error(ddb_table_scan(&it, t_pair, NULL, DDB_TABLE_SCAN_OPTS(.segment = 3, .total_segments = 3)),
                 DDB_EINVAL, "segment 3 of 3");
    assert_error(ddb_table_scan(&it, t_pair, NULL, DDB_TABLE_SCAN_OPTS(.segment = 1)), DDB_EINVAL, "segment 1 of 0");
    assert_error(ddb_table_scan(&it, t_pair, ddb_cond_error(DDB_ENOMEM), NULL), DDB_ENOMEM, NULL);
    assert_error(ddb_table_scan(&it, NULL, ddb_cond_exists("n"), NULL), DDB_EINVAL, NULL);
    assert_string_equal(ddb_last_error()->operation, "Scan");
    ddb_table_scan_opts other = {.version = 5};
    assert_error(ddb_table_scan(&it, t_pair, NULL, &other), DDB_EINVAL, "ddb_table_scan_opts");
    assert_null(it);
    assert_int_equal(ddb_table_iter_pages(NULL), 0);
    ddb_table_iter_free(NULL);
}

static void test_parallel_segments(void **state)
{
    (void)state;
    bool seen[N_PAIR_ITEMS] = {false};
    size_t total = 0;
    for (uint32_t seg = 0; seg < 3; seg++) {
        ddb_table_iter *it = NULL;
        DDBT_ASSERT_OK(ddb_table_scan(&it, t_pair, ddb_cond_cmp("pk", DDB_CMP_EQ, ddb_av_s("scan")),
                                      DDB_TABLE_SCAN_OPTS(.keys_only = true, .segment = seg, .total_segments = 3,
                                                          .page_size = 5)));
        ddb_av *key = NULL;
        while (ddb_table_iter_next(&key, NULL, it) == 1) {
            int64_t sk = -1;
            DDBT_ASSERT_OK(ddb_item_get_i64(&sk, key, "sk"));
            assert_true(sk >= 0 && sk < N_PAIR_ITEMS);
            assert_false(seen[sk]);
            seen[sk] = true;
            total++;
            ddb_av_free(key);
        }
        ddb_table_iter_free(it);
    }
    assert_int_equal(total, N_PAIR_ITEMS);
}

static void test_counts(void **state)
{
    (void)state;
    int64_t n = -1;
    ddb_cond *scan_items = ddb_cond_cmp("pk", DDB_CMP_EQ, ddb_av_s("scan"));
    DDBT_ASSERT_OK(ddb_table_count(&n, t_pair, ddb_cond_clone(scan_items), NULL));
    assert_int_equal(n, N_PAIR_ITEMS);
    /* several pages, consistent, filtered */
    wire_reset();
    n = -1;
    DDBT_ASSERT_OK(ddb_table_count(&n, t_pair,
                                   ddb_cond_and(ddb_cond_clone(scan_items),
                                                ddb_cond_cmp("even", DDB_CMP_EQ, ddb_av_bool(true))),
                                   DDB_TABLE_SCAN_OPTS(.page_size = 4, .consistent_read = true)));
    assert_int_equal(n, N_PAIR_ITEMS / 2);
    assert_true(wire.n_scans >= N_PAIR_ITEMS / 4);
    for (size_t i = 0; i < wire.n_scans; i++) {
        assert_non_null(strstr(wire.scans[i], "\"Select\":\"COUNT\""));
        assert_non_null(strstr(wire.scans[i], "\"FilterExpression\""));
    }
    wire_reset();
    /* by segments, adding up */
    int64_t sum = 0;
    for (uint32_t seg = 0; seg < 4; seg++) {
        DDBT_ASSERT_OK(ddb_table_count(&n, t_pair, ddb_cond_clone(scan_items),
                                       DDB_TABLE_SCAN_OPTS(.segment = seg, .total_segments = 4)));
        sum += n;
    }
    assert_int_equal(sum, N_PAIR_ITEMS);
    /* the estimate: DescribeTable's ItemCount, refreshed by DynamoDB every
     * six hours, so anything from 0 to the real count is right */
    int64_t estimate = -1;
    DDBT_ASSERT_OK(ddb_table_count_estimate(&estimate, t_pair));
    assert_true(estimate >= 0);
    n = -7;
    assert_error(ddb_table_count(&n, t_pair, NULL, DDB_TABLE_SCAN_OPTS(.total_segments = 2000000)), DDB_EINVAL,
                 "segment");
    assert_int_equal(n, -7);
    assert_error(ddb_table_count(NULL, t_pair, ddb_cond_exists("x"), NULL), DDB_EINVAL, NULL);
    assert_error(ddb_table_count_estimate(NULL, t_pair), DDB_EINVAL, NULL);
    ddb_cond_free(scan_items);
}

/* A table deleted under an open handle: every call reports
 * DDB_ERESOURCE, and an iterator stays failed. */
static void test_missing_table_after_open(void **state)
{
    (void)state;
    static const ddb_attribute_definition defs[] = {{"id", DDB_AV_S}};
    ddb_create_table_input in = DDB_CREATE_TABLE_INPUT_INIT;
    in.table_name = name_gone;
    in.attribute_definitions = defs;
    in.n_attribute_definitions = 1;
    in.key_schema = (ddb_key_schema){"id", NULL};
    in.billing_mode = DDB_BILLING_MODE_PAY_PER_REQUEST;
    ddb_table_output out;
    DDBT_ASSERT_OK(ddb_create_table(&out, client, &in));
    ddb_table_output_free(&out);
    DDBT_ASSERT_OK(ddb_wait_table_active(client, name_gone, 30000));
    ddb_table *t = NULL;
    int rc = ddb_table_open(&t, client, name_gone);
    ddb_table_name_input del = {name_gone};
    DDBT_ASSERT_OK(ddb_delete_table(&out, client, &del));
    ddb_table_output_free(&out);
    DDBT_ASSERT_OK(ddb_wait_table_deleted(client, name_gone, 30000));
    DDBT_ASSERT_OK(rc);

    ddb_av *key = ddb_av_s("k"), *got = NULL;
    ddb_av *item = dj("{\"id\":{\"S\":\"k\"}}");
    assert_error(ddb_table_get(&got, t, key, NULL, NULL), DDB_ERESOURCE, NULL);
    assert_string_equal(ddb_last_error()->table, name_gone);
    assert_error(ddb_table_set(t, item, NULL, NULL), DDB_ERESOURCE, NULL);
    int64_t n = 0;
    assert_error(ddb_table_count(&n, t, NULL, NULL), DDB_ERESOURCE, NULL);
    assert_error(ddb_table_count_estimate(&n, t), DDB_ERESOURCE, NULL);
    ddb_table_iter *it = NULL;
    DDBT_ASSERT_OK(ddb_table_scan(&it, t, NULL, NULL));
    assert_error(ddb_table_iter_next(NULL, &got, it), DDB_ERESOURCE, NULL);
    assert_error(ddb_table_iter_next(NULL, &got, it), DDB_ERESOURCE, "failed earlier");
    assert_int_equal(ddb_table_iter_pages(it), 0);
    assert_null(got);
    ddb_table_iter_free(it);
    ddb_table_free(t);
    ddb_av_free(item);
    ddb_av_free(key);
}

/* ------------------------------------------------------------------ */
/* One table, many threads                                            */
/* ------------------------------------------------------------------ */

#define N_THREADS 4
#define PER_THREAD 8

typedef struct worker {
    int id;
    int failures;
    char error[256];
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    for (int i = 0; i < PER_THREAD && w->failures == 0; i++) {
        char name[64];
        snprintf(name, sizeof name, "thread-%d-%d", w->id, i);
        ddb_av *item = ddb_av_new(DDB_AV_M);
        ddb_av_map_set(item, "name", ddb_av_s(name));
        ddb_av_map_set(item, "i", ddb_av_n_i64(i));
        ddb_av *key = ddb_av_s(name), *got = NULL;
        int rc = ddb_table_set(t_hash, item, NULL, NULL);
        if (rc == 0)
            rc = ddb_table_get(&got, t_hash, key, NULL, DDB_TABLE_GET_OPTS(.consistent_read = true));
        if (rc == 0 && !ddb_av_equal(got, item))
            rc = ddb_error_set(DDB_EPROTOCOL, "read back another item");
        if (rc == 0)
            rc = ddb_table_delete(t_hash, key, NULL, ddb_cond_exists("i"), NULL);
        if (rc != 0) {
            w->failures++;
            snprintf(w->error, sizeof w->error, "%s: %s", name, ddbt_last_error());
        }
        ddb_av_free(got);
        ddb_av_free(key);
        ddb_av_free(item);
    }
    ddb_ops_thread_cleanup();
    return NULL;
}

static void test_shared_by_threads(void **state)
{
    (void)state;
    pthread_t threads[N_THREADS];
    worker workers[N_THREADS];
    for (int i = 0; i < N_THREADS; i++) {
        workers[i] = (worker){.id = i};
        assert_int_equal(pthread_create(&threads[i], NULL, work, &workers[i]), 0);
    }
    for (int i = 0; i < N_THREADS; i++)
        assert_int_equal(pthread_join(threads[i], NULL), 0);
    for (int i = 0; i < N_THREADS; i++) {
        if (workers[i].failures != 0)
            fail_msg("thread %d: %s", i, workers[i].error);
    }
}

/* ------------------------------------------------------------------ */
/* Plain JSON through the table                                       */
/* ------------------------------------------------------------------ */

static void test_plain_json_round_trip_through_the_table(void **state)
{
    (void)state;
    const char *json = "{\"name\":\"json\",\"count\":12,\"price\":\"1.50\",\"big\":123456789012345678901234567890,"
                       "\"ok\":false,\"none\":null,\"tags\":[\"a\",1,true,null,{\"x\":[]}],\"doc\":{\"t\":\"v\"}}";
    ddb_av *item = NULL;
    DDBT_ASSERT_OK(ddb_item_from_plain_json(&item, json, strlen(json)));
    DDBT_ASSERT_OK(ddb_table_set(t_hash, item, NULL, NULL));
    ddb_av *key = ddb_av_s("json"), *got = NULL;
    DDBT_ASSERT_OK(ddb_table_get(&got, t_hash, key, NULL, DDB_TABLE_GET_OPTS(.consistent_read = true)));
    assert_av_equal(got, item);
    const char *big = NULL;
    DDBT_ASSERT_OK(ddb_item_get_n(&big, got, "big"));
    int64_t too_big = 0;
    assert_error(ddb_item_get_i64(&too_big, got, "big"), DDB_EINVAL, "\"big\"");
    ddb_buf out = DDB_BUF_INIT;
    DDBT_ASSERT_OK(ddb_item_to_plain_json(&out, got));
    ddb_av *back = NULL;
    DDBT_ASSERT_OK(ddb_item_from_plain_json(&back, out.data, out.len));
    assert_av_equal(back, item);
    assert_non_null(strstr(out.data, "123456789012345678901234567890"));

    /* a set stored in the item: plain JSON refuses it, naming the path */
    ddb_av *tags = ddb_av_new(DDB_AV_SS);
    DDBT_ASSERT_OK(ddb_av_list_push(tags, ddb_av_s("x")));
    DDBT_ASSERT_OK(ddb_table_set_attr(t_hash, key, NULL, "doc.set", tags, NULL, NULL));
    ddb_av_free(got);
    DDBT_ASSERT_OK(ddb_table_get(&got, t_hash, key, NULL, DDB_TABLE_GET_OPTS(.consistent_read = true)));
    ddb_buf_reset(&out);
    assert_error(ddb_item_to_plain_json(&out, got), DDB_ETYPE, "attribute \"doc.set\" is SS");
    assert_int_equal(out.len, 0);
    DDBT_ASSERT_OK(ddb_item_write_json(&out, got)); /* lossless */
    DDBT_ASSERT_OK(ddb_table_delete(t_hash, key, NULL, NULL, NULL));
    ddb_buf_free(&out);
    ddb_av_free(tags);
    ddb_av_free(back);
    ddb_av_free(got);
    ddb_av_free(key);
    ddb_av_free(item);
}

/* ------------------------------------------------------------------ */
/* Pure functions                                                     */
/* ------------------------------------------------------------------ */

static void test_plain_json_in(void **state)
{
    (void)state;
    const char *json = "{\"s\":\"t\\u00e9xt\",\"n\":-0.000120,\"e\":1E+3,\"b\":true,\"z\":null,"
                       "\"l\":[1,[2]],\"m\":{\"a.b\":{}}}";
    ddb_av *item = NULL;
    DDBT_ASSERT_OK(ddb_item_from_plain_json(&item, json, strlen(json)));
    ddb_av *want = dj("{\"s\":{\"S\":\"t\xc3\xa9xt\"},\"n\":{\"N\":\"-0.000120\"},\"e\":{\"N\":\"1E+3\"},"
                      "\"b\":{\"BOOL\":true},\"z\":{\"NULL\":true},"
                      "\"l\":{\"L\":[{\"N\":\"1\"},{\"L\":[{\"N\":\"2\"}]}]},\"m\":{\"M\":{\"a.b\":{\"M\":{}}}}}");
    assert_av_equal(item, want);
    /* numbers keep their exact text */
    const char *text = NULL;
    DDBT_ASSERT_OK(ddb_item_get_n(&text, item, "n"));
    assert_string_equal(text, "-0.000120");
    ddb_av_free(want);
    ddb_av_free(item);

    /* 38 significant digits are kept; 39 are refused, never rounded */
    const char *digits38 = "{\"n\":12345678901234567890123456789012345678}";
    DDBT_ASSERT_OK(ddb_item_from_plain_json(&item, digits38, strlen(digits38)));
    DDBT_ASSERT_OK(ddb_item_get_n(&text, item, "n"));
    assert_string_equal(text, "12345678901234567890123456789012345678");
    ddb_av_free(item);
    item = (ddb_av *)&item;
    const char *digits39 = "{\"n\":123456789012345678901234567890123456789}";
    assert_error(ddb_item_from_plain_json(&item, digits39, strlen(digits39)), DDB_EINVAL, "$.n");
    assert_null(item);
    assert_error(ddb_item_from_plain_json(&item, "{\"n\":1e400}", 11), DDB_EINVAL, NULL);
    assert_error(ddb_item_from_plain_json(&item, "[1]", 3), DDB_ETYPE, NULL);
    assert_error(ddb_item_from_plain_json(&item, "{\"a\":1,\"a\":2}", 13), DDB_EINVAL, NULL);
    assert_error(ddb_item_from_plain_json(&item, "{\"a\":", 5), DDB_EPROTOCOL, "offset");
    assert_error(ddb_item_from_plain_json(NULL, "{}", 2), DDB_EINVAL, NULL);
    /* not NUL-terminated input: only len bytes are read */
    DDBT_ASSERT_OK(ddb_item_from_plain_json(&item, "{\"a\":1}garbage", 7));
    assert_int_equal(ddb_av_len(item), 1);
    ddb_av_free(item);
}

static void test_plain_json_out(void **state)
{
    (void)state;
    ddb_av *item = dj("{\"s\":{\"S\":\"q\\\"uote\\n\"},\"n\":{\"N\":\"+001.50\"},\"f\":{\"N\":\".5\"},"
                      "\"e\":{\"N\":\"-1e-5\"},\"b\":{\"BOOL\":false},\"z\":{\"NULL\":true},"
                      "\"l\":{\"L\":[{\"M\":{}},{\"L\":[]}]}}");
    ddb_buf out = DDB_BUF_INIT;
    DDBT_ASSERT_OK(ddb_item_to_plain_json(&out, item));
    assert_string_equal(ddb_buf_cstr(&out), "{\"s\":\"q\\\"uote\\n\",\"n\":1.50,\"f\":0.5,\"e\":-1e-5,\"b\":false,"
                                            "\"z\":null,\"l\":[{},[]]}");
    ddb_av *back = NULL;
    DDBT_ASSERT_OK(ddb_item_from_plain_json(&back, out.data, out.len));
    assert_av_equal(back, item);
    ddb_av_free(back);
    ddb_av_free(item);

    /* every type plain JSON cannot carry is refused with its path, and the
     * buffer keeps what it had */
    static const struct {
        const char *item;
        const char *message;
    } refused[] = {
        {"{\"a\":{\"S\":\"x\"},\"blob\":{\"B\":\"AAE=\"}}", "attribute \"blob\" is B"},
        {"{\"tags\":{\"SS\":[\"a\"]}}", "attribute \"tags\" is SS"},
        {"{\"m\":{\"M\":{\"nums\":{\"NS\":[\"1\"]}}}}", "attribute \"m.nums\" is NS"},
        {"{\"l\":{\"L\":[{\"S\":\"a\"},{\"M\":{\"x\":{\"BS\":[\"AA==\"]}}}]}}", "attribute \"l[1].x\" is BS"},
        {"{\"a.b\":{\"L\":[{\"B\":\"AA==\"}]}}", "attribute \"a\\.b[0]\" is B"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        item = dj(refused[i].item);
        ddb_buf_reset(&out);
        DDBT_ASSERT_OK(ddb_buf_puts(&out, "before"));
        assert_error(ddb_item_to_plain_json(&out, item), DDB_ETYPE, refused[i].message);
        assert_non_null(strstr(ddb_last_error()->message, "(DynamoDB JSON can)"));
        assert_string_equal(ddb_buf_cstr(&out), "before");
        ddb_av_free(item);
    }
    /* not a map; invalid UTF-8 (kept out, not mangled) */
    ddb_av *s = ddb_av_s("x");
    assert_error(ddb_item_to_plain_json(&out, s), DDB_ETYPE, "not a map");
    assert_error(ddb_item_to_plain_json(&out, NULL), DDB_EINVAL, NULL);
    ddb_av_free(s);
    item = ddb_av_new(DDB_AV_M);
    DDBT_ASSERT_OK(ddb_av_map_set(item, "bad", ddb_av_s("\xff\xfe")));
    assert_error(ddb_item_to_plain_json(&out, item), DDB_EINVAL, NULL);
    assert_string_equal(ddb_buf_cstr(&out), "before");
    ddb_av_free(item);
    /* too deep */
    item = ddb_av_new(DDB_AV_M);
    ddb_av *inner = item;
    for (int i = 0; i < DDB_JSON_MAX_DEPTH + 2; i++) {
        ddb_av *next = ddb_av_new(DDB_AV_L);
        DDBT_ASSERT_OK(ddb_av_map_set(inner, "d", next));
        ddb_av *m = ddb_av_new(DDB_AV_M);
        DDBT_ASSERT_OK(ddb_av_list_push(next, m));
        inner = m;
    }
    assert_error(ddb_item_to_plain_json(&out, item), DDB_EINVAL, "deeper");
    ddb_av_free(item);
    ddb_buf_free(&out);
}

static void test_item_accessors(void **state)
{
    (void)state;
    ddb_av *item = dj("{\"s\":{\"S\":\"a\\u0000b\"},\"n\":{\"N\":\"-12\"},\"f\":{\"N\":\"2.5\"},"
                      "\"big\":{\"N\":\"1e30\"},\"t\":{\"BOOL\":true}}");
    const char *s = NULL;
    size_t len = 0;
    DDBT_ASSERT_OK(ddb_item_get_s(&s, &len, item, "s"));
    assert_int_equal(len, 3);
    assert_memory_equal(s, "a\0b", 3);
    DDBT_ASSERT_OK(ddb_item_get_s(&s, NULL, item, "s"));
    const char *n = NULL;
    DDBT_ASSERT_OK(ddb_item_get_n(&n, item, "f"));
    assert_string_equal(n, "2.5");
    int64_t i = 0;
    DDBT_ASSERT_OK(ddb_item_get_i64(&i, item, "n"));
    assert_int_equal(i, -12);
    double d = 0;
    DDBT_ASSERT_OK(ddb_item_get_double(&d, item, "f"));
    assert_true(d == 2.5);
    DDBT_ASSERT_OK(ddb_item_get_double(&d, item, "big"));
    assert_true(d == 1e30);
    bool b = false;
    DDBT_ASSERT_OK(ddb_item_get_bool(&b, item, "t"));
    assert_true(b);

    /* failures leave the output alone */
    i = 77;
    assert_error(ddb_item_get_i64(&i, item, "f"), DDB_EINVAL, "attribute \"f\"");
    assert_error(ddb_item_get_i64(&i, item, "big"), DDB_EINVAL, "attribute \"big\"");
    assert_error(ddb_item_get_i64(&i, item, "s"), DDB_ETYPE, "attribute \"s\" is S, not N");
    assert_error(ddb_item_get_i64(&i, item, "missing"), DDB_ENOTFOUND, "\"missing\"");
    assert_int_equal(i, 77);
    assert_error(ddb_item_get_bool(&b, item, "n"), DDB_ETYPE, "is N, not BOOL");
    assert_error(ddb_item_get_s(&s, NULL, item, "t"), DDB_ETYPE, "is BOOL, not S");
    assert_error(ddb_item_get_n(&n, item, "s"), DDB_ETYPE, NULL);
    assert_error(ddb_item_get_double(&d, item, "nope"), DDB_ENOTFOUND, NULL);
    assert_error(ddb_item_get_s(NULL, NULL, item, "s"), DDB_EINVAL, NULL);
    assert_error(ddb_item_get_s(&s, NULL, NULL, "s"), DDB_EINVAL, NULL);
    assert_error(ddb_item_get_s(&s, NULL, item, NULL), DDB_EINVAL, NULL);
    const ddb_av *not_map = ddb_av_map_get(item, "n");
    assert_error(ddb_item_get_s(&s, NULL, not_map, "x"), DDB_ETYPE, "not a map");
    ddb_av_free(item);
}

int main(void)
{
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(test_plain_json_in),
        cmocka_unit_test(test_plain_json_out),
        cmocka_unit_test(test_item_accessors),
    };
    const struct CMUnitTest live[] = {
        cmocka_unit_test(test_open_learns_the_key_schema),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_hash_only_get_set_delete_contains),
        cmocka_unit_test(test_hash_and_range),
        cmocka_unit_test(test_binary_key),
        cmocka_unit_test(test_key_checks_before_sending),
        cmocka_unit_test(test_conditional_set_and_delete),
        cmocka_unit_test(test_partial_updates),
        cmocka_unit_test(test_scan_keeps_filter_and_projection_on_every_page),
        cmocka_unit_test(test_scan_keys_values_items),
        cmocka_unit_test(test_parallel_segments),
        cmocka_unit_test(test_counts),
        cmocka_unit_test(test_missing_table_after_open),
        cmocka_unit_test(test_shared_by_threads),
        cmocka_unit_test(test_plain_json_round_trip_through_the_table),
    };
    int failed = cmocka_run_group_tests_name("table_map_pure", pure, NULL, NULL);
    failed += cmocka_run_group_tests_name("table_map_live", live, group_setup, group_teardown);
    ddb_ops_thread_cleanup();
    return failed != 0;
}
