/*
 * test_batch_local.c - batch writes/reads and transactions of the models
 * of tests/batch/shop.yaml against the engine under test
 * (DDB_TEST_ENDPOINT). Fails, never skips, without it. Where the engine
 * deviates from DynamoDB (no transactions, its own item size rule, no
 * idempotency: tests/support/engines.txt), its documented behaviour is
 * asserted.
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

#include "shop.h"

static ddb_client *client;
static const ddb_model *const models[] = {&shop_item_model, &shop_order_model, &shop_doc_model};
#define N_MODELS (sizeof models / sizeof models[0])

static int setup(void **state)
{
    (void)state;
    if (ddbt_models_client(&client, "batch", models, N_MODELS) != 0)
        return -1;
    return ddbt_create_model_tables(models, N_MODELS);
}

static int teardown(void **state)
{
    (void)state;
    return ddbt_models_teardown(client, models, N_MODELS);
}

static void make_item(shop_item *it, const char *sku, int64_t qty)
{
    shop_item_init(it);
    it->sku = ddb_strdup(sku);
    it->name = ddb_strdup("widget ✓");
    it->qty = qty;
    it->price = (double)qty / 4;
}

static const char *sku_of(const char *prefix, size_t i)
{
    static char text[64];
    snprintf(text, sizeof text, "%s-%03zu", prefix, i);
    return text;
}

/* Reads one item; 1 found, 0 not. */
static int exists(const char *sku, shop_item *out)
{
    shop_item tmp;
    shop_item_init(&tmp);
    int rc = shop_item_get(out != NULL ? out : &tmp, sku, DDB_GET_OPTS(.consistent_read = true));
    shop_item_clear(&tmp);
    if (rc == DDB_ENOTFOUND)
        return 0;
    DDBT_ASSERT_OK(rc);
    return 1;
}

static void test_batch_write_then_get_250(void **state)
{
    (void)state;
    ddb_batch_writer *w;
    DDBT_ASSERT_OK(ddb_batch_writer_new(&w, NULL, NULL));
    for (size_t i = 0; i < 250; i += 2) { /* 125 items, the even numbers */
        shop_item it;
        make_item(&it, sku_of("bw", i), (int64_t)i);
        DDBT_ASSERT_OK(ddb_batch_writer_put(w, &shop_item_model, &it));
        shop_item_clear(&it);
    }
    for (int64_t line = 0; line < 30; line++) {
        shop_order o;
        shop_order_init(&o);
        o.customer = ddb_strdup("carol");
        o.line = line;
        o.sku = ddb_strdup(sku_of("bw", (size_t)line * 2));
        o.total = 1.5 * (double)line;
        DDBT_ASSERT_OK(ddb_batch_writer_put(w, &shop_order_model, &o));
        shop_order_clear(&o);
    }
    DDBT_ASSERT_OK(ddb_batch_writer_flush(w));
    size_t n;
    assert_null(ddb_batch_writer_failed(&n, w));
    ddb_batch_writer_free(w);

    enum { N = 250 };
    static shop_item out[N];
    static bool found[N];
    ddb_batch_opts opts = DDB_BATCH_OPTS_INIT;
    opts.consistent_read = true;
    ddb_batch_getter *g;
    DDBT_ASSERT_OK(ddb_batch_getter_new(&g, client, &opts));
    for (size_t i = 0; i < N; i++) {
        shop_item_init(&out[i]);
        const char *sku = sku_of("bw", i);
        DDBT_ASSERT_OK(ddb_batch_getter_add(&out[i], &found[i], g, &shop_item_model, &sku, NULL));
    }
    shop_order o;
    shop_order_init(&o);
    bool o_found;
    DDBT_ASSERT_OK(ddb_batch_getter_add(&o, &o_found, g, &shop_order_model, &(const char *){"carol"},
                                &(int64_t){29}));
    DDBT_ASSERT_OK(ddb_batch_getter_run(g));
    for (size_t i = 0; i < N; i++) {
        assert_int_equal(found[i], i % 2 == 0);
        if (found[i]) {
            assert_string_equal(out[i].sku, sku_of("bw", i));
            assert_string_equal(out[i].name, "widget ✓");
            assert_true(out[i].qty == (int64_t)i);
            assert_true(out[i].price == (double)i / 4);
        } else {
            assert_null(out[i].sku);
        }
        shop_item_clear(&out[i]);
    }
    assert_true(o_found);
    assert_string_equal(o.sku, "bw-058");
    assert_true(o.total == 1.5 * 29);
    shop_order_clear(&o);
    ddb_batch_getter_free(g);
}

static void test_batch_delete(void **state)
{
    (void)state;
    ddb_batch_writer *w;
    DDBT_ASSERT_OK(ddb_batch_writer_new(&w, client, NULL));
    for (size_t i = 0; i < 30; i++) {
        shop_item it;
        make_item(&it, sku_of("del", i), 1);
        DDBT_ASSERT_OK(ddb_batch_writer_put(w, &shop_item_model, &it));
        shop_item_clear(&it);
    }
    DDBT_ASSERT_OK(ddb_batch_writer_flush(w));
    for (size_t i = 0; i < 30; i += 3) {
        shop_item it;
        make_item(&it, sku_of("del", i), 1);
        DDBT_ASSERT_OK(ddb_batch_writer_delete(w, &shop_item_model, &it));
        shop_item_clear(&it);
        const char *sku = sku_of("del", i + 1);
        DDBT_ASSERT_OK(ddb_batch_writer_delete_key(w, &shop_item_model, &sku, NULL));
    }
    DDBT_ASSERT_OK(ddb_batch_writer_flush(w));
    ddb_batch_writer_free(w);
    for (size_t i = 0; i < 30; i++)
        assert_int_equal(exists(sku_of("del", i), NULL), i % 3 == 2);
}

static void test_duplicates_and_limits_refused_before_sending(void **state)
{
    (void)state;
    ddb_batch_writer *w;
    DDBT_ASSERT_OK(ddb_batch_writer_new(&w, NULL, NULL));
    shop_item it;
    make_item(&it, "dup", 1);
    DDBT_ASSERT_OK(ddb_batch_writer_put(w, &shop_item_model, &it));
    assert_int_equal(ddb_batch_writer_put(w, &shop_item_model, &it), DDB_EINVAL);
    assert_non_null(strstr(ddb_last_error()->message, "{sku: \"dup\"}"));
    assert_int_equal(ddb_batch_writer_delete(w, &shop_item_model, &it), DDB_EINVAL);
    DDBT_ASSERT_OK(ddb_batch_writer_flush(w)); /* the first put went through */
    assert_int_equal(exists("dup", NULL), 1);

    /* exactly 400 KB by the size rule: DynamoDB takes it */
    shop_item_clear(&it);
    make_item(&it, "big", 0);
    it.name = (free(it.name), ddb_strdup("n"));
    ddb_av *item = NULL;
    DDBT_ASSERT_OK(shop_item_to_item(&item, &it));
    size_t fixed = ddb_item_size(item) + 4; /* + "note" */
    ddb_av_free(item);
    size_t len = DDB_ITEM_SIZE_MAX - fixed;
    it.note = malloc(len + 1);
    memset(it.note, 'x', len);
    it.note[len] = '\0';
    DDBT_ASSERT_OK(shop_item_to_item(&item, &it));
    assert_int_equal(ddb_item_size(item), DDB_ITEM_SIZE_MAX);
    ddb_av_free(item);
    DDBT_ASSERT_OK(ddb_batch_writer_put(w, &shop_item_model, &it));
    if (ddbt_deviates("item_size_rule")) {
        /* refused by the engine: the writer reports it and keeps the item */
        assert_int_equal(ddb_batch_writer_flush(w), DDB_EVALIDATION);
        size_t n_failed = 0;
        const ddb_batch_failure *failed = ddb_batch_writer_failed(&n_failed, w);
        assert_int_equal(n_failed, 1);
        assert_int_equal(failed[0].code, DDB_EVALIDATION);
        assert_int_equal(ddb_item_size(failed[0].item), DDB_ITEM_SIZE_MAX);
        ddb_batch_writer_clear_failed(w);
        assert_int_equal(exists("big", NULL), 0);
    } else {
        DDBT_ASSERT_OK(ddb_batch_writer_flush(w));
        shop_item got;
        shop_item_init(&got);
        assert_int_equal(exists("big", &got), 1);
        assert_int_equal(strlen(got.note), len);
        shop_item_clear(&got);
    }
    /* one byte more is refused here, before DynamoDB would refuse the group */
    it.note = realloc(it.note, len + 2);
    memset(it.note, 'x', len + 1);
    it.note[len + 1] = '\0';
    assert_int_equal(ddb_batch_writer_put(w, &shop_item_model, &it), DDB_ELIMIT);
    assert_int_equal(ddb_batch_writer_pending(w), 0);
    shop_item_clear(&it);
    ddb_batch_writer_free(w);
}

/* Item `extra` (item-form JSON members) plus a pad attribute making it
 * `size` bytes by ddb_item_size. */
static ddb_av *sized_item(const char *extra, size_t size)
{
    char json[256];
    snprintf(json, sizeof json, "{\"sku\":{\"S\":\"size-probe\"}%s%s}", *extra ? "," : "", extra);
    ddb_av *item = NULL;
    assert_int_equal(ddb_item_parse_json(&item, json, strlen(json)), 0);
    size_t base = ddb_item_size(item) + 3; /* + "pad" */
    char *pad = malloc(size - base);
    memset(pad, 'p', size - base);
    assert_int_equal(ddb_av_map_set(item, "pad", ddb_av_s_len(pad, size - base)), 0);
    free(pad);
    assert_int_equal(ddb_item_size(item), size);
    return item;
}

static int put_raw(const ddb_av *item)
{
    ddb_put_item_input in = DDB_PUT_ITEM_INPUT_INIT;
    in.table_name = shop_item_model.table;
    in.item = item;
    ddb_write_item_output out;
    int rc = ddb_put_item(&out, client, &in);
    ddb_write_item_output_free(&out);
    return rc;
}

/* Whether the engine counts string bytes the way DynamoDB does for this
 * item-form JSON: all ASCII, or an engine measuring UTF-8 bytes. */
static bool sized_like_dynamodb(const char *extra)
{
    if (!ddbt_deviates("item_size_utf16"))
        return true;
    for (const char *p = extra; *p != '\0'; p++) {
        if ((unsigned char)*p >= 0x80)
            return false;
    }
    return true;
}

/* ddb_item_size agrees with the service at the 400 KB boundary: an item
 * of exactly DDB_ITEM_SIZE_MAX bytes is taken, one byte more refused. */
static void test_size_rule_matches_the_service(void **state)
{
    (void)state;
    static const char *const extras[] = {
        "",
        "\"n\":{\"N\":\"-98765.4321\"}",
        "\"n\":{\"N\":\"1.5e3\"}",
        "\"n\":{\"N\":\"0\"}",
        "\"n\":{\"N\":\"0.0012\"}",
        "\"l\":{\"L\":[{\"S\":\"a\"},{\"BOOL\":true},{\"NULL\":true}]}",
        "\"m\":{\"M\":{\"k\":{\"L\":[{\"N\":\"5\"}]},\"b\":{\"B\":\"AAEC\"}}}",
        "\"s\":{\"NS\":[\"1.5\",\"-2\"]}",
        "\"\u00e9t\u00e9\":{\"SS\":[\"ab\",\"\u00fc\"]}",
    };
    for (size_t i = 0; i < sizeof extras / sizeof extras[0]; i++) {
        ddb_av *fits = sized_item(extras[i], DDB_ITEM_SIZE_MAX);
        ddb_av *over = sized_item(extras[i], DDB_ITEM_SIZE_MAX + 1);
        int rc_fits = put_raw(fits), rc_over = put_raw(over);
        int want_fits = 0, want_over = DDB_EVALIDATION;
        if (ddbt_deviates("item_size_rule"))
            want_fits = DDB_EVALIDATION; /* moto: over its own 405,000-byte limit */
        else if (!sized_like_dynamodb(extras[i]))
            want_over = 0; /* dynalite: non-ASCII text counts fewer bytes */
        if (rc_fits != want_fits || rc_over != want_over)
            fail_msg("item with %s: exact size -> %s (expected %s), one byte more -> %s (expected %s)",
                     extras[i], ddb_code_name(rc_fits), ddb_code_name(want_fits),
                     ddb_code_name(rc_over), ddb_code_name(want_over));
        ddb_av_free(fits);
        ddb_av_free(over);
    }
}

/*
 * On an engine without transactions (tests/support/engines.txt): asserts
 * that a commit and a transactional read are answered as the engine
 * documents it, and returns true; the caller's test then has nothing else
 * the engine can do. False on other engines.
 */
static bool transactions_missing(void)
{
    if (!ddbt_deviates("no_transactions"))
        return false;
    shop_item it;
    make_item(&it, "tx-none", 1);
    ddb_txn *t;
    DDBT_ASSERT_OK(ddb_txn_new(&t, NULL, NULL));
    DDBT_ASSERT_OK(ddb_txn_put(t, &shop_item_model, &it, NULL));
    ddbt_assert_unknown_operation(ddb_txn_commit(t));
    ddb_txn_free(t);
    ddb_txn_getter *g;
    DDBT_ASSERT_OK(ddb_txn_getter_new(&g, NULL));
    bool found;
    DDBT_ASSERT_OK(ddb_txn_getter_add(&it, &found, g, &shop_item_model, &(const char *){"tx-none"}, NULL));
    ddbt_assert_unknown_operation(ddb_txn_getter_run(g));
    ddb_txn_getter_free(g);
    shop_item_clear(&it);
    return true;
}

static void test_txn_commit(void **state)
{
    (void)state;
    if (transactions_missing())
        return;
    shop_item seed, other;
    make_item(&seed, "tx-seed", 10);
    DDBT_ASSERT_OK(shop_item_put(&seed, SHOP_ITEM_NO_COND));
    make_item(&other, "tx-other", 3);
    DDBT_ASSERT_OK(shop_item_put(&other, SHOP_ITEM_NO_COND));

    ddb_txn *t;
    DDBT_ASSERT_OK(ddb_txn_new(&t, NULL, NULL));
    shop_item a;
    make_item(&a, "tx-a", 1);
    DDBT_ASSERT_OK(ddb_txn_put(t, &shop_item_model, &a, shop_item_sku_not_exists().p));
    DDBT_ASSERT_OK(ddb_txn_update(t, &shop_item_model, &seed, shop_item_set_qty(11).p,
                             shop_item_qty_eq(10).p));
    shop_order o;
    shop_order_init(&o);
    o.customer = ddb_strdup("dave");
    o.line = 1;
    o.sku = ddb_strdup("tx-a");
    DDBT_ASSERT_OK(ddb_txn_put(t, &shop_order_model, &o, NULL));
    DDBT_ASSERT_OK(ddb_txn_check_key(t, &shop_item_model, &(const char *){"tx-other"}, NULL,
                                shop_item_name_begins_with("widget").p));
    DDBT_ASSERT_OK(ddb_txn_commit(t));
    ddb_txn_free(t);

    shop_item got;
    shop_item_init(&got);
    assert_int_equal(exists("tx-seed", &got), 1);
    assert_true(got.qty == 11);
    assert_int_equal(exists("tx-a", NULL), 1);
    shop_order go;
    shop_order_init(&go);
    DDBT_ASSERT_OK(shop_order_get(&go, "dave", 1, NULL));
    assert_string_equal(go.sku, "tx-a");
    shop_order_clear(&go);
    shop_item_clear(&got);
    shop_item_clear(&a);
    shop_order_clear(&o);
    shop_item_clear(&seed);
    shop_item_clear(&other);
}

static void test_txn_cancelled_third_of_four(void **state)
{
    (void)state;
    if (transactions_missing())
        return;
    shop_item c;
    make_item(&c, "cx-3", 5);
    DDBT_ASSERT_OK(shop_item_put(&c, SHOP_ITEM_NO_COND));
    ddb_txn *t;
    DDBT_ASSERT_OK(ddb_txn_new(&t, NULL, &(ddb_txn_opts){.version = DDB_TXN_OPTS_VERSION,
                                                    .return_old_on_failure = true}));
    shop_item items[4];
    for (size_t i = 0; i < 4; i++) {
        char sku[16];
        snprintf(sku, sizeof sku, "cx-%zu", i + 1);
        make_item(&items[i], sku, 1);
    }
    DDBT_ASSERT_OK(ddb_txn_put(t, &shop_item_model, &items[0], NULL));
    DDBT_ASSERT_OK(ddb_txn_put(t, &shop_item_model, &items[1], NULL));
    DDBT_ASSERT_OK(ddb_txn_update(t, &shop_item_model, &items[2], shop_item_set_qty(6).p,
                             shop_item_qty_eq(999).p)); /* stored qty is 5: fails */
    DDBT_ASSERT_OK(ddb_txn_delete(t, &shop_item_model, &items[3], NULL));
    assert_int_equal(ddb_txn_commit(t), DDB_ECANCELLED);
    for (size_t i = 0; i < 4; i++) {
        const ddb_txn_outcome *oc = ddb_txn_reason(t, i);
        assert_int_equal(oc->index, i);
        assert_int_equal(oc->code, i == 2 ? DDB_ECONDITION : 0);
        assert_non_null(oc->reason);
        assert_string_equal(oc->reason, i == 2 ? "ConditionalCheckFailed" : "None");
    }
    const ddb_txn_outcome *third = ddb_txn_reason(t, 2);
    assert_int_equal(third->kind, DDB_TXN_UPDATE);
    assert_ptr_equal(third->model, &shop_item_model);
    assert_string_equal(ddb_av_map_get(third->key, "sku")->u.str.ptr, "cx-3");
    assert_non_null(third->item); /* ALL_OLD */
    assert_string_equal(ddb_av_map_get(third->item, "qty")->u.str.ptr, "5");
    assert_non_null(strstr(ddb_last_error()->message, "action 2: Update of shop_item"));
    /* nothing was applied */
    assert_int_equal(exists("cx-1", NULL), 0);
    shop_item got;
    shop_item_init(&got);
    assert_int_equal(exists("cx-3", &got), 1);
    assert_true(got.qty == 5);
    shop_item_clear(&got);
    for (size_t i = 0; i < 4; i++)
        shop_item_clear(&items[i]);
    shop_item_clear(&c);
    ddb_txn_free(t);
}

static void test_txn_idempotency_token(void **state)
{
    (void)state;
    if (transactions_missing())
        return;
    char token[40];
    snprintf(token, sizeof token, "idem-%ld", (long)getpid());
    ddb_txn_opts opts = DDB_TXN_OPTS_INIT;
    opts.client_request_token = token;
    shop_item it;
    make_item(&it, "idem", 1);

    ddb_txn *t;
    DDBT_ASSERT_OK(ddb_txn_new(&t, NULL, &opts));
    DDBT_ASSERT_OK(ddb_txn_put(t, &shop_item_model, &it, NULL));
    DDBT_ASSERT_OK(ddb_txn_commit(t));
    /* someone else changes the item */
    shop_item other;
    make_item(&other, "idem", 5);
    DDBT_ASSERT_OK(shop_item_put(&other, SHOP_ITEM_NO_COND));
    /* the same transaction again (a retry after an unknown outcome): not
     * applied twice (an engine without idempotency applies it again) */
    bool no_idempotency = ddbt_deviates("no_idempotency");
    DDBT_ASSERT_OK(ddb_txn_commit(t));
    shop_item got;
    shop_item_init(&got);
    assert_int_equal(exists("idem", &got), 1);
    assert_true(got.qty == (no_idempotency ? 1 : 5));
    ddb_txn_free(t);

    /* the same token with other actions is refused */
    DDBT_ASSERT_OK(ddb_txn_new(&t, NULL, &opts));
    it.qty = 2;
    DDBT_ASSERT_OK(ddb_txn_put(t, &shop_item_model, &it, NULL));
    if (no_idempotency) {
        DDBT_ASSERT_OK(ddb_txn_commit(t));
    } else {
        assert_int_equal(ddb_txn_commit(t), DDB_EVALIDATION);
        assert_string_equal(ddb_last_error()->aws_type, "IdempotentParameterMismatchException");
    }
    ddb_txn_free(t);
    shop_item_clear(&got);
    shop_item_clear(&other);
    shop_item_clear(&it);
}

static void test_txn_100_actions_and_transact_get(void **state)
{
    (void)state;
    if (transactions_missing())
        return;
    ddb_txn *t;
    DDBT_ASSERT_OK(ddb_txn_new(&t, client, NULL));
    for (int64_t line = 0; line < 100; line++) {
        shop_order o;
        shop_order_init(&o);
        o.customer = ddb_strdup("erin");
        o.line = line;
        o.sku = ddb_strdup("s");
        o.total = (double)line;
        DDBT_ASSERT_OK(ddb_txn_put(t, &shop_order_model, &o, NULL));
        shop_order_clear(&o);
    }
    shop_order extra;
    shop_order_init(&extra);
    extra.customer = ddb_strdup("erin");
    extra.line = 100;
    extra.sku = ddb_strdup("s");
    assert_int_equal(ddb_txn_put(t, &shop_order_model, &extra, NULL), DDB_ELIMIT);
    shop_order_clear(&extra);
    DDBT_ASSERT_OK(ddb_txn_commit(t));
    ddb_txn_free(t);

    ddb_txn_getter *g;
    DDBT_ASSERT_OK(ddb_txn_getter_new(&g, NULL));
    shop_order a, b;
    shop_order_init(&a);
    shop_order_init(&b);
    bool fa, fb;
    DDBT_ASSERT_OK(ddb_txn_getter_add(&a, &fa, g, &shop_order_model, &(const char *){"erin"}, &(int64_t){42}));
    DDBT_ASSERT_OK(ddb_txn_getter_add(&b, &fb, g, &shop_order_model, &(const char *){"erin"}, &(int64_t){420}));
    DDBT_ASSERT_OK(ddb_txn_getter_run(g));
    assert_true(fa);
    assert_false(fb);
    assert_true(a.total == 42.0);
    assert_null(b.customer);
    shop_order_clear(&a);
    shop_order_clear(&b);
    ddb_txn_getter_free(g);
}

/* Optimistic locking inside transactions, against the real conditions. */
static void test_txn_versions(void **state)
{
    (void)state;
    if (transactions_missing())
        return;
    shop_doc d;
    shop_doc_init(&d);
    d.id = ddb_strdup("vd");
    d.body = ddb_strdup("first");
    ddb_txn *t;
    DDBT_ASSERT_OK(ddb_txn_new(&t, NULL, NULL));
    DDBT_ASSERT_OK(ddb_txn_put(t, &shop_doc_model, &d, NULL));
    DDBT_ASSERT_OK(ddb_txn_commit(t));
    ddb_txn_free(t);
    assert_true(d.version == 1);

    /* a stale copy (never saved: version 0) cannot overwrite it */
    shop_doc stale;
    shop_doc_init(&stale);
    stale.id = ddb_strdup("vd");
    stale.body = ddb_strdup("stale");
    DDBT_ASSERT_OK(ddb_txn_new(&t, NULL, NULL));
    DDBT_ASSERT_OK(ddb_txn_put(t, &shop_doc_model, &stale, NULL));
    assert_int_equal(ddb_txn_commit(t), DDB_ECANCELLED);
    assert_int_equal(ddb_txn_reason(t, 0)->code, DDB_ECONDITION);
    assert_true(stale.version == 0);
    ddb_txn_free(t);

    /* the current copy updates it: version 2, in the table and in d */
    DDBT_ASSERT_OK(ddb_txn_new(&t, NULL, NULL));
    DDBT_ASSERT_OK(ddb_txn_update(t, &shop_doc_model, &d, shop_doc_set_body("second").p, NULL));
    DDBT_ASSERT_OK(ddb_txn_commit(t));
    ddb_txn_free(t);
    assert_true(d.version == 2);
    shop_doc got;
    shop_doc_init(&got);
    DDBT_ASSERT_OK(shop_doc_get(&got, "vd", DDB_GET_OPTS(.consistent_read = true)));
    assert_true(got.version == 2);
    assert_string_equal(got.body, "second");

    /* delete: the stale version is refused, the current one deletes */
    stale.version = 1;
    DDBT_ASSERT_OK(ddb_txn_new(&t, NULL, NULL));
    DDBT_ASSERT_OK(ddb_txn_delete(t, &shop_doc_model, &stale, NULL));
    assert_int_equal(ddb_txn_commit(t), DDB_ECANCELLED);
    ddb_txn_free(t);
    DDBT_ASSERT_OK(ddb_txn_new(&t, NULL, NULL));
    DDBT_ASSERT_OK(ddb_txn_delete(t, &shop_doc_model, &got, NULL));
    DDBT_ASSERT_OK(ddb_txn_commit(t));
    ddb_txn_free(t);
    assert_int_equal(shop_doc_get(&got, "vd", DDB_GET_OPTS(.consistent_read = true)), DDB_ENOTFOUND);

    /* batch writes cannot check versions: refused unless asked for */
    ddb_batch_writer *w;
    DDBT_ASSERT_OK(ddb_batch_writer_new(&w, NULL, NULL));
    assert_int_equal(ddb_batch_writer_put(w, &shop_doc_model, &d), DDB_EINVAL);
    ddb_batch_writer_free(w);
    shop_doc_clear(&got);
    shop_doc_clear(&stale);
    shop_doc_clear(&d);
}

/* Writers in parallel threads sharing one client. */
typedef struct job {
    size_t first;
    int rc;
} job;

static void *write_job(void *arg)
{
    job *j = arg;
    ddb_batch_writer *w;
    j->rc = ddb_batch_writer_new(&w, client, NULL);
    for (size_t i = j->first; j->rc == 0 && i < j->first + 60; i++) {
        shop_item it;
        char sku[32];
        snprintf(sku, sizeof sku, "par-%03zu", i);
        make_item(&it, sku, (int64_t)i);
        j->rc = ddb_batch_writer_put(w, &shop_item_model, &it);
        shop_item_clear(&it);
    }
    if (j->rc == 0)
        j->rc = ddb_batch_writer_flush(w);
    ddb_batch_writer_free(w);
    ddb_ops_thread_cleanup();
    return NULL;
}

static void test_parallel_writers_share_a_client(void **state)
{
    (void)state;
    pthread_t th[3];
    job jobs[3];
    for (size_t k = 0; k < 3; k++) {
        jobs[k] = (job){k * 60, -1};
        assert_int_equal(pthread_create(&th[k], NULL, write_job, &jobs[k]), 0);
    }
    for (size_t k = 0; k < 3; k++) {
        pthread_join(th[k], NULL);
        assert_int_equal(jobs[k].rc, 0);
    }
    ddb_batch_getter *g;
    DDBT_ASSERT_OK(ddb_batch_getter_new(&g, NULL, NULL));
    bool found[180];
    for (size_t i = 0; i < 180; i++) {
        char sku[32];
        snprintf(sku, sizeof sku, "par-%03zu", i);
        const char *p = sku;
        DDBT_ASSERT_OK(ddb_batch_getter_add(NULL, &found[i], g, &shop_item_model, &p, NULL));
    }
    DDBT_ASSERT_OK(ddb_batch_getter_run(g));
    for (size_t i = 0; i < 180; i++)
        assert_true(found[i]);
    ddb_batch_getter_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batch_write_then_get_250),
        cmocka_unit_test(test_batch_delete),
        cmocka_unit_test(test_duplicates_and_limits_refused_before_sending),
        cmocka_unit_test(test_size_rule_matches_the_service),
        cmocka_unit_test(test_txn_commit),
        cmocka_unit_test(test_txn_cancelled_third_of_four),
        cmocka_unit_test(test_txn_idempotency_token),
        cmocka_unit_test(test_txn_100_actions_and_transact_get),
        cmocka_unit_test(test_txn_versions),
        cmocka_unit_test(test_parallel_writers_share_a_client),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
