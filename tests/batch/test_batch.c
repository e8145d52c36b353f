/*
 * test_batch.c - batch writer/getter and transactions without a network.
 *
 * Models come from tests/batch/shop.yaml, generated at build time
 * (shop_doc has a version attribute: optimistic locking). Requests go to
 * fake_ddb, an in-memory DynamoDB behind the transport seam; backoff
 * sleeps go through the client's retry hooks and are recorded, not slept.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ddb_test.h"

#include "fake_ddb.h"
#include "shop.h"

/* ------------------------------------------------------------ fixture */

static fake_ddb fake;
static ddb_client *client;
static const ddb_model *const models[] = {&shop_item_model, &shop_order_model, &shop_doc_model};
static uint32_t sleeps[64];
static size_t n_sleeps;

static double half(void *ctx)
{
    (void)ctx;
    return 0.5;
}

static void record_sleep(void *ctx, uint32_t ms)
{
    (void)ctx;
    if (n_sleeps < 64)
        sleeps[n_sleeps] = ms;
    n_sleeps++;
}

static int setup(void **state)
{
    (void)state;
    fake_init(&fake);
    ddb_client_config cfg = DDB_CLIENT_CONFIG_INIT;
    cfg.retry.max_attempts = 1; /* the client's own retries off: batch retries are what we see */
    cfg.retry.rand01 = half;
    cfg.retry.sleep_ms = record_sleep;
    if (ddbt_transport_client(&client, &fake.base, "AKID", &cfg) != 0)
        return -1;
    ddbt_use_client(client, models, 3);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ddbt_use_client(NULL, models, 3);
    ddb_client_free(client);
    fake_free(&fake);
    ddb_ops_thread_cleanup();
    return 0;
}

static int each(void **state)
{
    (void)state;
    fake_reset(&fake);
    n_sleeps = 0;
    return 0;
}

#define ASSERT_MESSAGE_HAS(text)                                                                   \
    do {                                                                                           \
        if (strstr(ddb_last_error()->message, (text)) == NULL)                                     \
            fail_msg("message lacks \"%s\": %s", (text), ddb_last_error()->message);              \
    } while (0)

static void make_item(shop_item *it, const char *sku, int64_t qty)
{
    shop_item_init(it);
    it->sku = ddb_strdup(sku);
    it->name = ddb_strdup("thing");
    it->qty = qty;
}

static void make_order(shop_order *o, const char *customer, int64_t line)
{
    shop_order_init(o);
    o->customer = ddb_strdup(customer);
    o->line = line;
    o->sku = ddb_strdup("s");
}

/* Number of write requests in BatchWriteItem request `i`, over all tables. */
static size_t writes_in(size_t i)
{
    json_t *req = fake_request(&fake, i);
    size_t n = 0;
    const char *table;
    json_t *list;
    json_object_foreach(json_object_get(req, "RequestItems"), table, list) n += json_array_size(list);
    json_decref(req);
    return n;
}

static size_t keys_in(size_t i)
{
    json_t *req = fake_request(&fake, i);
    size_t n = 0;
    const char *table;
    json_t *spec;
    json_object_foreach(json_object_get(req, "RequestItems"), table, spec) n +=
        json_array_size(json_object_get(spec, "Keys"));
    json_decref(req);
    return n;
}

static char *sku_of(size_t i)
{
    static char text[32];
    snprintf(text, sizeof text, "sku-%03zu", i);
    return text;
}

/* ------------------------------------------------------------ item size */

static size_t size_of_json(const char *value_json)
{
    ddb_av *v = NULL;
    assert_int_equal(ddb_av_parse_json(&v, value_json, strlen(value_json)), 0);
    size_t n = ddb_av_size(v);
    ddb_av_free(v);
    return n;
}

static void test_item_size_rule(void **state)
{
    (void)state;
    assert_int_equal(size_of_json("{\"S\":\"abc\"}"), 3);
    assert_int_equal(size_of_json("{\"S\":\"\xc3\xa9t\xc3\xa9\"}"), 5); /* UTF-8 bytes */
    assert_int_equal(size_of_json("{\"B\":\"AAEC\"}"), 3);                 /* raw bytes */
    assert_int_equal(size_of_json("{\"N\":\"12345\"}"), 4);                /* 01 23 45 */
    assert_int_equal(size_of_json("{\"N\":\"100\"}"), 2);                  /* trailing zeros trimmed */
    assert_int_equal(size_of_json("{\"N\":\"0.0012\"}"), 2);               /* leading zeros trimmed */
    assert_int_equal(size_of_json("{\"N\":\"1.5\"}"), 3);                  /* 01.50: pairs align on the point */
    assert_int_equal(size_of_json("{\"N\":\"-1.5\"}"), 4);                 /* + 1 for the sign */
    assert_int_equal(size_of_json("{\"N\":\"1.5e3\"}"), 2);                /* 1500: 15 00 */
    assert_int_equal(size_of_json("{\"N\":\"0010.0100\"}"), 3);            /* 10.01 */
    assert_int_equal(size_of_json("{\"N\":\"0\"}"), 1);
    assert_int_equal(size_of_json("{\"N\":\"-0.0\"}"), 1);
    assert_int_equal(size_of_json("{\"N\":\"12345678901234567890123456789012345678\"}"), 20);
    assert_int_equal(size_of_json("{\"BOOL\":true}"), 1);
    assert_int_equal(size_of_json("{\"NULL\":true}"), 1);
    assert_int_equal(size_of_json("{\"SS\":[\"ab\",\"c\"]}"), 3);
    assert_int_equal(size_of_json("{\"NS\":[\"1\",\"22\"]}"), 4);
    assert_int_equal(size_of_json("{\"L\":[]}"), 3);
    assert_int_equal(size_of_json("{\"L\":[{\"S\":\"ab\"},{\"BOOL\":false}]}"), 3 + 3 + 2);
    assert_int_equal(size_of_json("{\"M\":{\"k\":{\"S\":\"vv\"}}}"), 3 + 1 + 1 + 2);

    ddb_av *item = NULL;
    const char *json = "{\"na\xc3\xafve\":{\"S\":\"x\"},\"n\":{\"N\":\"7\"}}";
    assert_int_equal(ddb_item_parse_json(&item, json, strlen(json)), 0);
    assert_int_equal(ddb_item_size(item), (6 + 1) + (1 + 2));
    ddb_av_free(item);
    assert_int_equal(ddb_item_size(NULL), 0);
}

/* ------------------------------------------------------------ writer */

static void test_more_than_25_puts_split_into_groups(void **state)
{
    (void)state;
    ddb_batch_writer *w;
    DDBT_ASSERT_OK(ddb_batch_writer_new(&w, NULL, NULL));
    for (size_t i = 0; i < 60; i++) {
        shop_item it;
        make_item(&it, sku_of(i), (int64_t)i);
        DDBT_ASSERT_OK(ddb_batch_writer_put(w, &shop_item_model, &it));
        shop_item_clear(&it); /* the writer copied it */
    }
    /* two full groups went out on their own */
    assert_int_equal(fake.n_requests, 2);
    assert_int_equal(ddb_batch_writer_pending(w), 10);
    shop_order o;
    make_order(&o, "ann", 1);
    DDBT_ASSERT_OK(ddb_batch_writer_put(w, &shop_order_model, &o)); /* another table, same group */
    DDBT_ASSERT_OK(ddb_batch_writer_delete_key(w, &shop_item_model, &(const char *){"sku-000"}, NULL));
    shop_order_clear(&o);
    DDBT_ASSERT_OK(ddb_batch_writer_flush(w));
    assert_int_equal(fake_count(&fake, "BatchWriteItem"), 3);
    assert_int_equal(writes_in(0), 25);
    assert_int_equal(writes_in(1), 25);
    assert_int_equal(writes_in(2), 12);
    json_t *last = fake_request(&fake, 2);
    assert_non_null(json_object_get(json_object_get(last, "RequestItems"), "BatchOrder"));
    json_decref(last);
    assert_int_equal(fake_size(&fake, "BatchItem"), 59); /* sku-000 deleted after its put */
    assert_int_equal(fake_size(&fake, "BatchOrder"), 1);
    assert_int_equal(n_sleeps, 0);
    size_t n;
    assert_null(ddb_batch_writer_failed(&n, w));
    assert_int_equal(n, 0);
    ddb_batch_writer_free(w);
}

static void test_unprocessed_items_retried_until_written(void **state)
{
    (void)state;
    fake.write_unprocessed_calls = 2;
    fake.write_unprocessed = 5;
    ddb_batch_writer *w;
    DDBT_ASSERT_OK(ddb_batch_writer_new(&w, client, NULL));
    for (size_t i = 0; i < 20; i++) {
        shop_item it;
        make_item(&it, sku_of(i), 1);
        DDBT_ASSERT_OK(ddb_batch_writer_put(w, &shop_item_model, &it));
        shop_item_clear(&it);
    }
    DDBT_ASSERT_OK(ddb_batch_writer_flush(w));
    assert_int_equal(fake.n_requests, 3);
    assert_int_equal(writes_in(0), 20);
    assert_int_equal(writes_in(1), 5); /* only what was left */
    assert_int_equal(writes_in(2), 5);
    assert_int_equal(fake_size(&fake, "BatchItem"), 20);
    /* jittered exponential backoff through the client's hooks: 0.5 * 25 * 2^n */
    assert_int_equal(n_sleeps, 2);
    assert_int_equal(sleeps[0], 12);
    assert_int_equal(sleeps[1], 25);
    ddb_batch_writer_free(w);
}

static void test_persistent_unprocessed_returned_to_caller(void **state)
{
    (void)state;
    fake.write_unprocessed_calls = 1000;
    fake.write_unprocessed = 3;
    ddb_batch_opts opts = DDB_BATCH_OPTS_INIT;
    opts.max_attempts = 4;
    ddb_batch_writer *w;
    DDBT_ASSERT_OK(ddb_batch_writer_new(&w, NULL, &opts));
    for (size_t i = 0; i < 10; i++) {
        shop_item it;
        make_item(&it, sku_of(i), (int64_t)i * 10);
        DDBT_ASSERT_OK(ddb_batch_writer_put(w, &shop_item_model, &it));
        shop_item_clear(&it);
    }
    shop_order o;
    make_order(&o, "bob", 2);
    DDBT_ASSERT_OK(ddb_batch_writer_delete(w, &shop_order_model, &o));
    shop_order_clear(&o);
    assert_int_equal(ddb_batch_writer_flush(w), DDB_ETHROTTLED);
    ASSERT_MESSAGE_HAS("3 writes failed");
    assert_int_equal(fake.n_requests, 4);
    assert_int_equal(n_sleeps, 3);
    assert_int_equal(fake_size(&fake, "BatchItem"), 8); /* the two items before the last three */

    size_t n;
    const ddb_batch_failure *f = ddb_batch_writer_failed(&n, w);
    assert_int_equal(n, 3);
    /* the last three requests: items 8, 9 and the delete (index 10), in order */
    assert_int_equal(f[0].index, 8);
    assert_ptr_equal(f[0].model, &shop_item_model);
    assert_int_equal(f[0].kind, DDB_BATCH_PUT);
    assert_int_equal(f[0].code, DDB_ETHROTTLED);
    assert_string_equal(ddb_av_map_get(f[0].key, "sku")->u.str.ptr, "sku-008");
    assert_string_equal(ddb_av_map_get(f[0].item, "qty")->u.str.ptr, "80");
    assert_non_null(strstr(f[0].message, "still unprocessed after 4 requests"));
    assert_false(f[0].maybe_applied); /* reported unprocessed every time: not written */
    assert_int_equal(f[1].index, 9);
    assert_int_equal(f[2].index, 10);
    assert_ptr_equal(f[2].model, &shop_order_model);
    assert_int_equal(f[2].kind, DDB_BATCH_DELETE);
    assert_null(f[2].item);
    assert_string_equal(ddb_av_map_get(f[2].key, "customer")->u.str.ptr, "bob");
    /* flushing again does not forget them */
    assert_int_equal(ddb_batch_writer_flush(w), DDB_ETHROTTLED);

    /* the caller retries them once the table has capacity again */
    fake.write_unprocessed_calls = 0;
    DDBT_ASSERT_OK(ddb_batch_writer_retry_failed(w));
    assert_null(ddb_batch_writer_failed(&n, w));
    assert_int_equal(ddb_batch_writer_pending(w), 3);
    DDBT_ASSERT_OK(ddb_batch_writer_flush(w));
    assert_int_equal(fake_size(&fake, "BatchItem"), 10);
    assert_int_equal(writes_in(fake.n_requests - 1), 3);
    ddb_batch_writer_free(w);
}

static void test_whole_request_errors(void **state)
{
    (void)state;
    ddb_batch_writer *w;
    DDBT_ASSERT_OK(ddb_batch_writer_new(&w, NULL, NULL));
    /* throttled request: retried with backoff, then written */
    fake.errors = 2;
    fake.error_status = 400;
    fake.error_body = "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ThrottlingException\",\"message\":\"slow down\"}";
    for (size_t i = 0; i < 3; i++) {
        shop_item it;
        make_item(&it, sku_of(i), 1);
        DDBT_ASSERT_OK(ddb_batch_writer_put(w, &shop_item_model, &it));
        shop_item_clear(&it);
    }
    DDBT_ASSERT_OK(ddb_batch_writer_flush(w));
    assert_int_equal(fake.n_requests, 3);
    assert_int_equal(n_sleeps, 2);
    assert_int_equal(fake_size(&fake, "BatchItem"), 3);

    /* a request the service refuses is not retried: every write of it fails */
    fake.errors = 1;
    fake.error_body = "{\"__type\":\"com.amazon.coral.validate#ValidationException\",\"message\":\"no\"}";
    for (size_t i = 0; i < 25; i++) {
        shop_item it;
        make_item(&it, sku_of(100 + i), 1);
        DDBT_ASSERT_OK(ddb_batch_writer_put(w, &shop_item_model, &it)); /* the 25th sends the group */
        shop_item_clear(&it);
    }
    assert_int_equal(fake.n_requests, 4);
    size_t n;
    const ddb_batch_failure *f = ddb_batch_writer_failed(&n, w);
    assert_int_equal(n, 25);
    assert_int_equal(f[0].code, DDB_EVALIDATION);
    assert_int_equal(f[0].index, 3);
    assert_int_equal(f[24].index, 27);
    assert_non_null(strstr(f[0].message, "ValidationException"));
    assert_false(f[0].maybe_applied); /* refused: certainly not written */
    assert_int_equal(ddb_batch_writer_flush(w), DDB_EVALIDATION);
    ddb_batch_writer_clear_failed(w);
    DDBT_ASSERT_OK(ddb_batch_writer_flush(w));
    ddb_batch_writer_free(w);
}

/* A group whose requests end in 5xx may have been written: its failures
 * say so (maybe_applied), unlike refused or unprocessed writes. */
static void test_failed_writes_maybe_applied(void **state)
{
    (void)state;
    ddb_batch_opts opts = DDB_BATCH_OPTS_INIT;
    opts.max_attempts = 2;
    ddb_batch_writer *w;
    DDBT_ASSERT_OK(ddb_batch_writer_new(&w, NULL, &opts));
    fake.errors = 1000;
    fake.error_status = 500;
    fake.error_body = "{\"__type\":\"com.amazonaws.dynamodb.v20120810#InternalServerError\",\"message\":\"oops\"}";
    for (size_t i = 0; i < 2; i++) {
        shop_item it;
        make_item(&it, sku_of(i), 1);
        DDBT_ASSERT_OK(ddb_batch_writer_put(w, &shop_item_model, &it));
        shop_item_clear(&it);
    }
    assert_int_equal(ddb_batch_writer_flush(w), DDB_ESERVICE);
    assert_true(fake.n_requests >= 2);
    size_t n;
    const ddb_batch_failure *f = ddb_batch_writer_failed(&n, w);
    assert_int_equal(n, 2);
    assert_int_equal(f[0].code, DDB_ESERVICE);
    assert_true(f[0].maybe_applied);
    assert_true(f[1].maybe_applied);
    /* re-queued and written: the failure list (and its flags) is gone */
    fake.errors = 0;
    DDBT_ASSERT_OK(ddb_batch_writer_retry_failed(w));
    DDBT_ASSERT_OK(ddb_batch_writer_flush(w));
    assert_null(ddb_batch_writer_failed(&n, w));
    assert_int_equal(fake_size(&fake, "BatchItem"), 2);

    ddb_batch_writer_free(w);

    /* With the client's own retries on: a request whose first attempt got
     * a 500 (it may have written them) and whose retry succeeded but left
     * them unprocessed, as did the group's next request: unprocessed at
     * the end, yet maybe written. Without the 500: certainly not written. */
    ddb_client_config cfg = DDB_CLIENT_CONFIG_INIT;
    cfg.retry.rand01 = half;
    cfg.retry.sleep_ms = record_sleep;
    ddb_client *retrying = NULL;
    DDBT_ASSERT_OK(ddbt_transport_client(&retrying, &fake.base, "AKID", &cfg));
    for (int with_500 = 1; with_500 >= 0; with_500--) {
        DDBT_ASSERT_OK(ddb_batch_writer_new(&w, retrying, &opts));
        fake.errors = (unsigned)with_500;
        fake.write_unprocessed_calls = 1000;
        fake.write_unprocessed = 25;
        size_t before = fake.n_requests;
        for (size_t i = 0; i < 2; i++) {
            shop_item it;
            make_item(&it, sku_of(10 + i), 1);
            DDBT_ASSERT_OK(ddb_batch_writer_put(w, &shop_item_model, &it));
            shop_item_clear(&it);
        }
        assert_int_equal(ddb_batch_writer_flush(w), DDB_ETHROTTLED);
        /* [500, retry: unprocessed], [unprocessed] */
        assert_int_equal(fake.n_requests - before, 2 + (size_t)with_500);
        f = ddb_batch_writer_failed(&n, w);
        assert_int_equal(n, 2);
        assert_int_equal(f[0].code, DDB_ETHROTTLED);
        assert_int_equal(f[0].maybe_applied, with_500 == 1);
        assert_int_equal(f[1].maybe_applied, with_500 == 1);
        ddb_batch_writer_free(w);
    }
    ddb_client_free(retrying);
}

static void test_writer_refuses_duplicate_keys(void **state)
{
    (void)state;
    ddb_batch_writer *w;
    DDBT_ASSERT_OK(ddb_batch_writer_new(&w, NULL, NULL));
    shop_item it;
    make_item(&it, "dup", 1);
    DDBT_ASSERT_OK(ddb_batch_writer_put(w, &shop_item_model, &it));
    assert_int_equal(ddb_batch_writer_put(w, &shop_item_model, &it), DDB_EINVAL);
    ASSERT_MESSAGE_HAS("shop_item key {sku: \"dup\"}");
    ASSERT_MESSAGE_HAS("already written by batch write 0");
    assert_int_equal(ddb_batch_writer_delete(w, &shop_item_model, &it), DDB_EINVAL);
    /* same key values in another table are another item */
    shop_order o;
    make_order(&o, "dup", 1);
    DDBT_ASSERT_OK(ddb_batch_writer_put(w, &shop_order_model, &o));
    DDBT_ASSERT_OK(ddb_batch_writer_put(w, &shop_order_model, &(shop_order){.customer = "dup", .line = 2, .sku = "s"}));
    assert_int_equal(ddb_batch_writer_pending(w), 3);
    /* after a flush the key may be written again: a new request */
    DDBT_ASSERT_OK(ddb_batch_writer_flush(w));
    it.qty = 2;
    DDBT_ASSERT_OK(ddb_batch_writer_put(w, &shop_item_model, &it));
    DDBT_ASSERT_OK(ddb_batch_writer_flush(w));
    assert_int_equal(fake.n_requests, 2);
    assert_string_equal(
        json_string_value(json_object_get(
            json_object_get(fake_get(&fake, "BatchItem", "{\"sku\":{\"S\":\"dup\"}}"), "qty"), "N")),
        "2");
    shop_order_clear(&o);
    shop_item_clear(&it);
    ddb_batch_writer_free(w);
}

/* A shop_item whose item is exactly `size` bytes by the rule. */
static void make_sized_item(shop_item *it, size_t size)
{
    make_item(it, "big", 0);
    ddb_av *item = NULL;
    DDBT_ASSERT_OK(shop_item_to_item(&item, it));
    size_t fixed = ddb_item_size(item) + strlen("note");
    ddb_av_free(item);
    it->note = malloc(size - fixed + 1);
    memset(it->note, 'x', size - fixed);
    it->note[size - fixed] = '\0';
}

static void test_item_and_key_limits(void **state)
{
    (void)state;
    ddb_batch_writer *w;
    DDBT_ASSERT_OK(ddb_batch_writer_new(&w, NULL, NULL));
    shop_item it;
    make_sized_item(&it, DDB_ITEM_SIZE_MAX + 1);
    assert_int_equal(ddb_batch_writer_put(w, &shop_item_model, &it), DDB_ELIMIT);
    ASSERT_MESSAGE_HAS("item is 409601 bytes; DynamoDB allows at most 409600");
    assert_int_equal(ddb_batch_writer_pending(w), 0);
    shop_item_clear(&it);
    make_sized_item(&it, DDB_ITEM_SIZE_MAX);
    ddb_av *item = NULL;
    DDBT_ASSERT_OK(shop_item_to_item(&item, &it));
    assert_int_equal(ddb_item_size(item), DDB_ITEM_SIZE_MAX);
    ddb_av_free(item);
    DDBT_ASSERT_OK(ddb_batch_writer_put(w, &shop_item_model, &it));
    shop_item_clear(&it);

    /* keys: 2048 bytes of partition key, not one more; never empty */
    char *long_sku = malloc(2050);
    memset(long_sku, 'k', 2049);
    long_sku[2049] = '\0';
    make_item(&it, "", 0);
    assert_int_equal(ddb_batch_writer_put(w, &shop_item_model, &it), DDB_EINVAL);
    ASSERT_MESSAGE_HAS("is empty");
    free(it.sku);
    it.sku = long_sku;
    assert_int_equal(ddb_batch_writer_put(w, &shop_item_model, &it), DDB_ELIMIT);
    ASSERT_MESSAGE_HAS("2049 bytes; a partition key holds at most 2048");
    long_sku[2048] = '\0';
    DDBT_ASSERT_OK(ddb_batch_writer_put(w, &shop_item_model, &it));
    shop_item_clear(&it);

    /* text DynamoDB JSON cannot carry is refused before it can spoil a group */
    make_item(&it, "utf", 0);
    it.note = ddb_strdup("bad \xff byte");
    assert_int_equal(ddb_batch_writer_put(w, &shop_item_model, &it), DDB_EINVAL);
    ASSERT_MESSAGE_HAS("shop_item");
    shop_item_clear(&it);
    assert_int_equal(ddb_batch_writer_pending(w), 2);
    assert_int_equal(fake.n_requests, 0);
    DDBT_ASSERT_OK(ddb_batch_writer_flush(w));
    ddb_batch_writer_free(w);
}

/* One set of checks for every path: a single put, get, delete and update
 * refuse what a batch refuses, and send nothing. */
static void test_single_item_paths_apply_the_same_limits(void **state)
{
    (void)state;
    size_t sent = fake.n_requests;
    shop_item it;
    make_sized_item(&it, DDB_ITEM_SIZE_MAX + 1);
    assert_int_equal(shop_item_put(&it, SHOP_ITEM_NO_COND), DDB_ELIMIT);
    ASSERT_MESSAGE_HAS("item is 409601 bytes; DynamoDB allows at most 409600");
    ASSERT_MESSAGE_HAS("{sku: \"big\"}"); /* the key, not the whole item */
    shop_item_clear(&it);

    make_item(&it, "", 0);
    assert_int_equal(shop_item_put(&it, SHOP_ITEM_NO_COND), DDB_EINVAL);
    ASSERT_MESSAGE_HAS("is empty");
    assert_int_equal(shop_item_delete(&it, SHOP_ITEM_NO_COND), DDB_EINVAL);
    ASSERT_MESSAGE_HAS("is empty");
    shop_item got;
    shop_item_init(&got);
    assert_int_equal(shop_item_get(&got, "", NULL), DDB_EINVAL);
    ASSERT_MESSAGE_HAS("is empty");
    shop_item_clear(&it);

    char long_sku[2050];
    memset(long_sku, 'k', 2049);
    long_sku[2049] = '\0';
    make_item(&it, long_sku, 0);
    assert_int_equal(shop_item_put(&it, SHOP_ITEM_NO_COND), DDB_ELIMIT);
    ASSERT_MESSAGE_HAS("2049 bytes; a partition key holds at most 2048");
    assert_int_equal(shop_item_update(&it, shop_item_set_name("x"), SHOP_ITEM_NO_COND), DDB_ELIMIT);
    assert_int_equal(shop_item_delete(&it, SHOP_ITEM_NO_COND), DDB_ELIMIT);
    assert_int_equal(shop_item_get(&got, long_sku, NULL), DDB_ELIMIT);
    shop_item_clear(&it);
    assert_int_equal(fake.n_requests, sent); /* nothing reached the server */

    /* at the limit, sent (this fake server answers batches only) */
    make_sized_item(&it, DDB_ITEM_SIZE_MAX);
    int rc = shop_item_put(&it, SHOP_ITEM_NO_COND);
    assert_true(rc != DDB_ELIMIT && rc != DDB_EINVAL);
    assert_int_equal(fake.n_requests, sent + 1);
    shop_item_clear(&it);
    shop_item_clear(&got);
}

static void test_writer_and_versions(void **state)
{
    (void)state;
    ddb_batch_writer *w;
    DDBT_ASSERT_OK(ddb_batch_writer_new(&w, NULL, NULL));
    shop_doc d = {.id = "v1", .body = NULL, .version = 3};
    assert_int_equal(ddb_batch_writer_put(w, &shop_doc_model, &d), DDB_EINVAL);
    ASSERT_MESSAGE_HAS("version attribute");
    assert_int_equal(ddb_batch_writer_delete(w, &shop_doc_model, &d), DDB_EINVAL);
    ddb_batch_writer_free(w);

    ddb_batch_opts opts = DDB_BATCH_OPTS_INIT;
    opts.ignore_versions = true;
    DDBT_ASSERT_OK(ddb_batch_writer_new(&w, NULL, &opts));
    DDBT_ASSERT_OK(ddb_batch_writer_put(w, &shop_doc_model, &d));
    DDBT_ASSERT_OK(ddb_batch_writer_flush(w));
    json_t *stored = fake_get(&fake, "BatchDoc", "{\"id\":{\"S\":\"v1\"}}");
    assert_string_equal(json_string_value(json_object_get(json_object_get(stored, "version"), "N")), "3");
    assert_int_equal(d.version, 3); /* written as is, not bumped */
    ddb_batch_writer_free(w);

    opts.version = 99;
    assert_int_equal(ddb_batch_writer_new(&w, NULL, &opts), DDB_EINVAL);
    assert_null(w);
}

static void test_writer_argument_errors(void **state)
{
    (void)state;
    ddb_batch_writer *w;
    DDBT_ASSERT_OK(ddb_batch_writer_new(&w, NULL, NULL));
    shop_item it;
    shop_item_init(&it);
    it.sku = ddb_strdup("noname"); /* name is required */
    assert_int_equal(ddb_batch_writer_put(w, &shop_item_model, &it), DDB_EINVAL);
    ASSERT_MESSAGE_HAS("shop_item.name");
    assert_int_equal(ddb_batch_writer_put(w, &shop_item_model, NULL), DDB_EINVAL);
    ddb_model map = {.name = "a_map", .table = NULL, .hash_key = -1, .range_key = -1};
    assert_int_equal(ddb_batch_writer_put(w, &map, &it), DDB_EINVAL);
    ASSERT_MESSAGE_HAS("not a model with a table");
    assert_int_equal(ddb_batch_writer_delete_key(w, &shop_order_model, &(const char *){"c"}, NULL),
                     DDB_EINVAL); /* range key value missing */
    assert_int_equal(ddb_batch_writer_pending(w), 0);
    assert_int_equal(ddb_batch_writer_flush(NULL), DDB_EINVAL);
    DDBT_ASSERT_OK(ddb_batch_writer_flush(w)); /* nothing to send */
    assert_int_equal(fake.n_requests, 0);
    shop_item_clear(&it);
    ddb_batch_writer_free(w);
    ddb_batch_writer_free(NULL);
}

/* ------------------------------------------------------------ getter */

/* Stores items sku-000, sku-002, ... (the even ones) below `n`. */
static void store_even_items(size_t n)
{
    for (size_t i = 0; i < n; i += 2) {
        char json[160];
        snprintf(json, sizeof json,
                 "{\"sku\":{\"S\":\"%s\"},\"name\":{\"S\":\"n%zu\"},\"qty\":{\"N\":\"%zu\"}}", sku_of(i),
                 i, i);
        fake_put_json(&fake, "BatchItem", json);
    }
}

static void test_batch_get_250_keys_with_missing(void **state)
{
    (void)state;
    enum { N = 250 };
    store_even_items(N);
    static shop_item out[N];
    static bool found[N];
    ddb_batch_getter *g;
    DDBT_ASSERT_OK(ddb_batch_getter_new(&g, NULL, NULL));
    for (size_t i = 0; i < N; i++) {
        shop_item_init(&out[i]);
        const char *sku = sku_of(i);
        DDBT_ASSERT_OK(ddb_batch_getter_add(&out[i], &found[i], g, &shop_item_model, &sku, NULL));
        assert_false(found[i]);
        assert_int_equal(ddb_batch_getter_status(g, i), DDB_BATCH_GET_PENDING);
    }
    assert_int_equal(ddb_batch_getter_count(g), N);
    assert_int_equal(fake.n_requests, 0); /* nothing sent before run */
    DDBT_ASSERT_OK(ddb_batch_getter_run(g));
    assert_int_equal(fake_count(&fake, "BatchGetItem"), 3);
    assert_int_equal(keys_in(0), 100);
    assert_int_equal(keys_in(1), 100);
    assert_int_equal(keys_in(2), 50);
    for (size_t i = 0; i < N; i++) {
        assert_int_equal(found[i], i % 2 == 0);
        assert_int_equal(ddb_batch_getter_status(g, i), i % 2 == 0 ? 1 : 0);
        if (i % 2 == 0) {
            assert_string_equal(out[i].sku, sku_of(i));
            assert_true(out[i].qty == (int64_t)i);
        } else {
            assert_null(out[i].sku); /* not found: left alone */
        }
        shop_item_clear(&out[i]);
    }
    size_t n;
    assert_null(ddb_batch_getter_failed(&n, g));
    assert_int_equal(ddb_batch_getter_status(g, N), DDB_EINVAL);
    /* running again sends nothing: every slot is resolved */
    DDBT_ASSERT_OK(ddb_batch_getter_run(g));
    assert_int_equal(fake.n_requests, 3);
    ddb_batch_getter_free(g);
}

static void test_batch_get_unprocessed_keys_retried(void **state)
{
    (void)state;
    store_even_items(40);
    fake.get_limited_calls = 2;
    fake.get_max = 15;
    ddb_batch_opts opts = DDB_BATCH_OPTS_INIT;
    opts.consistent_read = true;
    ddb_batch_getter *g;
    DDBT_ASSERT_OK(ddb_batch_getter_new(&g, client, &opts));
    bool found[40];
    for (size_t i = 0; i < 40; i++) {
        const char *sku = sku_of(i);
        DDBT_ASSERT_OK(ddb_batch_getter_add(NULL, &found[i], g, &shop_item_model, &sku, NULL));
    }
    shop_order o;
    shop_order_init(&o);
    o.customer = ddb_strdup("zed");
    o.line = 9;
    bool order_found = true;
    DDBT_ASSERT_OK(ddb_batch_getter_add_obj(&o, &order_found, g, &shop_order_model, &o));
    assert_false(order_found);
    DDBT_ASSERT_OK(ddb_batch_getter_run(g));
    assert_int_equal(fake.n_requests, 3);
    assert_int_equal(keys_in(0), 41);
    assert_int_equal(keys_in(1), 26);
    assert_int_equal(keys_in(2), 11);
    assert_int_equal(n_sleeps, 2);
    json_t *req = fake_request(&fake, 0);
    assert_true(json_is_true(json_object_get(
        json_object_get(json_object_get(req, "RequestItems"), "BatchItem"), "ConsistentRead")));
    json_decref(req);
    for (size_t i = 0; i < 40; i++)
        assert_int_equal(found[i], i % 2 == 0);
    assert_false(order_found);
    assert_string_equal(o.customer, "zed");
    shop_order_clear(&o);
    ddb_batch_getter_free(g);
}

static void test_batch_get_persistent_unprocessed_and_failures(void **state)
{
    (void)state;
    store_even_items(10);
    fake_put_json(&fake, "BatchItem", "{\"sku\":{\"S\":\"bad\"},\"name\":{\"S\":\"n\"},\"qty\":{\"S\":\"x\"}}");
    fake.get_limited_calls = 1000;
    fake.get_max = 5;
    ddb_batch_opts opts = DDB_BATCH_OPTS_INIT;
    opts.max_attempts = 2;
    ddb_batch_getter *g;
    DDBT_ASSERT_OK(ddb_batch_getter_new(&g, NULL, &opts));
    shop_item out[11];
    bool found[11];
    for (size_t i = 0; i < 11; i++) {
        shop_item_init(&out[i]);
        const char *sku = i < 10 ? sku_of(i) : "bad";
        DDBT_ASSERT_OK(ddb_batch_getter_add(&out[i], &found[i], g, &shop_item_model, &sku, NULL));
    }
    /* duplicates are refused */
    const char *again = "sku-003";
    assert_int_equal(ddb_batch_getter_add(NULL, NULL, g, &shop_item_model, &again, NULL), DDB_EINVAL);
    ASSERT_MESSAGE_HAS("shop_item key {sku: \"sku-003\"}: already added to this batch get as slot 3");
    assert_int_equal(ddb_batch_getter_count(g), 11);

    /* two requests of which the fake processes 5 keys each: the 11th is left */
    assert_int_equal(ddb_batch_getter_run(g), DDB_ETHROTTLED);
    ASSERT_MESSAGE_HAS("BatchGetItem: 1 key failed");
    assert_int_equal(fake.n_requests, 2);
    size_t n;
    const ddb_batch_failure *f = ddb_batch_getter_failed(&n, g);
    assert_int_equal(n, 1);
    assert_int_equal(f[0].index, 10);
    assert_int_equal(f[0].kind, DDB_BATCH_GET);
    assert_string_equal(ddb_av_map_get(f[0].key, "sku")->u.str.ptr, "bad");
    assert_int_equal(ddb_batch_getter_status(g, 10), DDB_ETHROTTLED);
    assert_false(found[10]);
    for (size_t i = 0; i < 10; i++)
        assert_int_equal(ddb_batch_getter_status(g, i), i % 2 == 0 ? 1 : 0);

    /* run again: only the failed slot is sent; its item cannot be loaded */
    fake.get_limited_calls = 0;
    assert_int_equal(ddb_batch_getter_run(g), DDB_ETYPE);
    assert_int_equal(fake.n_requests, 3);
    assert_int_equal(keys_in(2), 1);
    f = ddb_batch_getter_failed(&n, g);
    assert_int_equal(n, 1);
    assert_int_equal(f[0].code, DDB_ETYPE);
    assert_non_null(strstr(f[0].message, "qty"));
    assert_null(out[10].sku); /* unchanged */
    for (size_t i = 0; i < 11; i++)
        shop_item_clear(&out[i]);

    ddb_batch_getter_reset(g);
    assert_int_equal(ddb_batch_getter_count(g), 0);
    assert_null(ddb_batch_getter_failed(&n, g));
    ddb_batch_getter_free(g);
}

static void test_batch_get_projection_and_whole_request_failure(void **state)
{
    (void)state;
    static const char *const attrs[] = {"qty", "sku", "name", "qty"};
    ddb_batch_opts opts = DDB_BATCH_OPTS_INIT;
    opts.projection = attrs;
    opts.n_projection = 4;
    ddb_batch_getter *g;
    DDBT_ASSERT_OK(ddb_batch_getter_new(&g, NULL, &opts));
    const char *sku = "p";
    DDBT_ASSERT_OK(ddb_batch_getter_add(NULL, NULL, g, &shop_item_model, &sku, NULL));
    DDBT_ASSERT_OK(ddb_batch_getter_add(NULL, NULL, g, &shop_order_model, &(const char *){"c"}, &(int64_t){4}));
    fake.errors = 1;
    fake.error_status = 400;
    fake.error_body = "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException\",\"message\":\"no table\"}";
    assert_int_equal(ddb_batch_getter_run(g), DDB_ERESOURCE);
    assert_int_equal(fake.n_requests, 1); /* not retried */
    assert_int_equal(ddb_batch_getter_status(g, 0), DDB_ERESOURCE);
    assert_int_equal(ddb_batch_getter_status(g, 1), DDB_ERESOURCE);
    json_t *req = fake_request(&fake, 0);
    json_t *items = json_object_get(req, "RequestItems");
    json_t *bi = json_object_get(items, "BatchItem");
    assert_string_equal(json_string_value(json_object_get(bi, "ProjectionExpression")), "#n0, #n1, #n2");
    assert_string_equal(json_string_value(json_object_get(json_object_get(bi, "ExpressionAttributeNames"), "#n1")), "qty");
    json_t *bo = json_object_get(items, "BatchOrder");
    assert_string_equal(json_string_value(json_object_get(bo, "ProjectionExpression")), "#n0, #n1, #n2, #n3, #n4");
    assert_string_equal(json_string_value(json_object_get(json_object_get(bo, "ExpressionAttributeNames"), "#n1")), "line");
    json_decref(req);
    DDBT_ASSERT_OK(ddb_batch_getter_run(g)); /* retry of both: not found now */
    assert_int_equal(ddb_batch_getter_status(g, 0), 0);
    ddb_batch_getter_free(g);
}

/* ------------------------------------------------------------ transactions */

/* Member `name` of action `i` of TransactWriteItems request `r`. */
static json_t *action_of(json_t *req, size_t i, const char *kind)
{
    return json_object_get(json_array_get(json_object_get(req, "TransactItems"), i), kind);
}

static void test_txn_success_renders_each_action(void **state)
{
    (void)state;
    ddb_txn *t;
    DDBT_ASSERT_OK(ddb_txn_new(&t, NULL, NULL));
    const char *token = ddb_txn_token(t);
    assert_int_equal(strlen(token), 36);
    assert_int_equal(token[14], '4'); /* UUID v4 */
    assert_non_null(strchr("89ab", token[19]));

    shop_item it;
    make_item(&it, "t1", 5);
    DDBT_ASSERT_OK(ddb_txn_put(t, &shop_item_model, &it, shop_item_qty_lt(10).p));
    shop_order o;
    make_order(&o, "cus", 3);
    DDBT_ASSERT_OK(ddb_txn_update(t, &shop_order_model, &o, shop_order_set_total(9.5).p,
                             shop_order_sku_eq("s").p));
    shop_item gone;
    make_item(&gone, "t2", 0);
    DDBT_ASSERT_OK(ddb_txn_delete(t, &shop_item_model, &gone, NULL));
    DDBT_ASSERT_OK(ddb_txn_check_key(t, &shop_order_model, &(const char *){"cus"}, &(int64_t){4},
                                shop_order_total_gt(1.0).p));
    assert_int_equal(ddb_txn_count(t), 4);
    DDBT_ASSERT_OK(ddb_txn_commit(t));

    assert_int_equal(fake.n_requests, 1);
    json_t *req = fake_request(&fake, 0);
    assert_string_equal(json_string_value(json_object_get(req, "ClientRequestToken")), token);
    json_t *put = action_of(req, 0, "Put");
    assert_string_equal(json_string_value(json_object_get(put, "TableName")), "BatchItem");
    assert_string_equal(json_string_value(json_object_get(put, "ConditionExpression")), "#n0 < :v0");
    json_t *upd = action_of(req, 1, "Update");
    /* names and values are per action: each starts at #n0 / :v0 */
    assert_string_equal(json_string_value(json_object_get(upd, "UpdateExpression")), "SET #n0 = :v0");
    assert_string_equal(json_string_value(json_object_get(upd, "ConditionExpression")), "#n1 = :v1");
    assert_non_null(json_object_get(json_object_get(upd, "Key"), "line"));
    json_t *del = action_of(req, 2, "Delete");
    assert_null(json_object_get(del, "ConditionExpression"));
    assert_null(json_object_get(del, "ExpressionAttributeNames"));
    json_t *chk = action_of(req, 3, "ConditionCheck");
    assert_string_equal(json_string_value(json_object_get(chk, "ConditionExpression")), "#n0 > :v0");
    assert_null(json_object_get(chk, "ReturnValuesOnConditionCheckFailure"));
    json_decref(req);
    for (size_t i = 0; i < 4; i++) {
        const ddb_txn_outcome *oc = ddb_txn_reason(t, i);
        assert_int_equal(oc->index, i);
        assert_int_equal(oc->code, 0);
        assert_null(oc->reason);
    }
    assert_null(ddb_txn_reason(t, 4));
    assert_int_equal(ddb_txn_reason(t, 3)->kind, DDB_TXN_CHECK);
    assert_ptr_equal(ddb_txn_reason(t, 1)->model, &shop_order_model);
    assert_non_null(fake_get(&fake, "BatchItem", "{\"sku\":{\"S\":\"t1\"}}"));

    shop_item_clear(&it);
    shop_item_clear(&gone);
    shop_order_clear(&o);
    ddb_txn_free(t);
}

static const char cancel_third[] =
    "{\"__type\":\"com.amazonaws.dynamodb.v20120810#TransactionCanceledException\","
    "\"message\":\"Transaction cancelled, please refer cancellation reasons for specific reasons "
    "[None, None, ConditionalCheckFailed, None]\",\"CancellationReasons\":["
    "{\"Code\":\"None\"},{\"Code\":\"None\"},"
    "{\"Code\":\"ConditionalCheckFailed\",\"Message\":\"The conditional request failed\","
    "\"Item\":{\"sku\":{\"S\":\"c3\"},\"name\":{\"S\":\"old\"},\"qty\":{\"N\":\"99\"}}},"
    "{\"Code\":\"None\"}]}";

static void test_txn_cancellation_reasons_in_callers_order(void **state)
{
    (void)state;
    ddb_txn_opts opts = DDB_TXN_OPTS_INIT;
    opts.return_old_on_failure = true;
    ddb_txn *t;
    DDBT_ASSERT_OK(ddb_txn_new(&t, client, &opts));
    shop_item items[4];
    for (size_t i = 0; i < 4; i++) {
        char sku[8];
        snprintf(sku, sizeof sku, "c%zu", i + 1);
        make_item(&items[i], sku, 1);
        DDBT_ASSERT_OK(ddb_txn_put(t, &shop_item_model, &items[i], shop_item_qty_not_exists().p));
    }
    fake.cancel_body = cancel_third;
    assert_int_equal(ddb_txn_commit(t), DDB_ECANCELLED);
    ASSERT_MESSAGE_HAS("[action 2: Put of shop_item: ConditionalCheckFailed]");
    for (size_t i = 0; i < 4; i++) {
        const ddb_txn_outcome *oc = ddb_txn_reason(t, i);
        assert_int_equal(oc->index, i);
        assert_ptr_equal(oc->model, &shop_item_model);
        assert_int_equal(oc->kind, DDB_TXN_PUT);
        assert_int_equal(oc->code, i == 2 ? DDB_ECONDITION : 0);
        assert_string_equal(oc->reason, i == 2 ? "ConditionalCheckFailed" : "None");
    }
    const ddb_txn_outcome *third = ddb_txn_reason(t, 2);
    assert_string_equal(ddb_av_map_get(third->key, "sku")->u.str.ptr, "c3");
    assert_string_equal(third->message, "The conditional request failed");
    shop_item old;
    shop_item_init(&old);
    DDBT_ASSERT_OK(shop_item_from_item(&old, third->item));
    assert_true(old.qty == 99);
    shop_item_clear(&old);
    json_t *req = fake_request(&fake, 0);
    assert_string_equal(json_string_value(json_object_get(action_of(req, 0, "Put"),
                                                          "ReturnValuesOnConditionCheckFailure")),
                        "ALL_OLD");
    json_decref(req);

    /* committing again (same token) after the conflict is resolved */
    fake.cancel_body = NULL;
    DDBT_ASSERT_OK(ddb_txn_commit(t));
    assert_null(ddb_txn_reason(t, 2)->reason);
    json_t *a = fake_request(&fake, 0), *b = fake_request(&fake, 1);
    assert_string_equal(json_string_value(json_object_get(a, "ClientRequestToken")),
                        json_string_value(json_object_get(b, "ClientRequestToken")));
    json_decref(a);
    json_decref(b);
    for (size_t i = 0; i < 4; i++)
        shop_item_clear(&items[i]);
    ddb_txn_free(t);
}

static void test_txn_token_reuse_and_validation(void **state)
{
    (void)state;
    ddb_txn_opts opts = DDB_TXN_OPTS_INIT;
    opts.client_request_token = "order-42-attempt";
    ddb_txn *t1, *t2;
    DDBT_ASSERT_OK(ddb_txn_new(&t1, NULL, &opts));
    DDBT_ASSERT_OK(ddb_txn_new(&t2, NULL, &opts));
    assert_string_equal(ddb_txn_token(t1), "order-42-attempt");
    shop_item it;
    make_item(&it, "tok", 1);
    DDBT_ASSERT_OK(ddb_txn_put(t1, &shop_item_model, &it, NULL));
    DDBT_ASSERT_OK(ddb_txn_put(t2, &shop_item_model, &it, NULL));
    DDBT_ASSERT_OK(ddb_txn_commit(t1));
    DDBT_ASSERT_OK(ddb_txn_commit(t2));
    for (size_t i = 0; i < 2; i++) {
        json_t *req = fake_request(&fake, i);
        assert_string_equal(json_string_value(json_object_get(req, "ClientRequestToken")),
                            "order-42-attempt");
        json_decref(req);
    }
    ddb_txn_free(t1);
    ddb_txn_free(t2);

    /* generated tokens differ between transactions */
    DDBT_ASSERT_OK(ddb_txn_new(&t1, NULL, NULL));
    DDBT_ASSERT_OK(ddb_txn_new(&t2, NULL, NULL));
    assert_string_not_equal(ddb_txn_token(t1), ddb_txn_token(t2));
    ddb_txn_free(t1);
    ddb_txn_free(t2);

    opts.client_request_token = "0123456789012345678901234567890123456"; /* 37 */
    assert_int_equal(ddb_txn_new(&t1, NULL, &opts), DDB_EINVAL);
    assert_null(t1);
    opts.client_request_token = "";
    assert_int_equal(ddb_txn_new(&t1, NULL, &opts), DDB_EINVAL);
    shop_item_clear(&it);
}

static void test_txn_limits_duplicates_and_ownership(void **state)
{
    (void)state;
    ddb_txn *t;
    DDBT_ASSERT_OK(ddb_txn_new(&t, NULL, NULL));
    for (int64_t i = 0; i < DDB_TXN_MAX; i++) {
        const char *c = "lim";
        DDBT_ASSERT_OK(ddb_txn_check_key(t, &shop_order_model, &c, &i, shop_order_total_ge(0.0).p));
    }
    const char *c = "lim";
    int64_t line = 100;
    /* the 101st is refused and its condition still freed (leak checkers watch) */
    assert_int_equal(ddb_txn_check_key(t, &shop_order_model, &c, &line, shop_order_total_ge(0.0).p),
                     DDB_ELIMIT);
    ASSERT_MESSAGE_HAS("at most 100 actions");
    assert_int_equal(ddb_txn_count(t), 100);
    DDBT_ASSERT_OK(ddb_txn_commit(t));
    json_t *req = fake_request(&fake, 0);
    assert_int_equal(json_array_size(json_object_get(req, "TransactItems")), 100);
    json_decref(req);
    ddb_txn_free(t);

    DDBT_ASSERT_OK(ddb_txn_new(&t, NULL, NULL));
    shop_item it;
    make_item(&it, "d", 1);
    DDBT_ASSERT_OK(ddb_txn_put(t, &shop_item_model, &it, NULL));
    assert_int_equal(ddb_txn_delete(t, &shop_item_model, &it, shop_item_qty_gt(0).p), DDB_EINVAL);
    ASSERT_MESSAGE_HAS("shop_item key {sku: \"d\"}: already in this transaction as action 0");
    /* update without actions; check without condition; an error node */
    assert_int_equal(ddb_txn_update(t, &shop_order_model, &(shop_order){.customer = "x", .line = 1},
                                    NULL, shop_order_total_gt(1.0).p),
                     DDB_EINVAL);
    assert_int_equal(ddb_txn_check(t, &shop_item_model, &(shop_item){.sku = "y"}, NULL), DDB_EINVAL);
    assert_int_equal(ddb_txn_delete(t, &shop_item_model, &(shop_item){.sku = "z"},
                                    ddb_cond_error(DDB_ENOMEM)),
                     DDB_ENOMEM);
    assert_int_equal(ddb_txn_put(t, &shop_item_model, NULL, shop_item_qty_gt(0).p), DDB_EINVAL);
    assert_int_equal(ddb_txn_count(t), 1);
    /* an expression over 4 KB */
    ddb_cond *big = ddb_cond_exists("qty");
    for (int i = 0; i < 400; i++)
        big = ddb_cond_and(big, ddb_cond_cmp("qty", DDB_CMP_NE, ddb_av_n_i64(i)));
    assert_int_equal(ddb_txn_delete(t, &shop_item_model, &(shop_item){.sku = "w"}, big), DDB_ELIMIT);
    ASSERT_MESSAGE_HAS("4 KB");
    assert_int_equal(ddb_txn_count(t), 1);
    shop_item_clear(&it);
    ddb_txn_free(t);

    DDBT_ASSERT_OK(ddb_txn_new(&t, NULL, NULL));
    assert_int_equal(ddb_txn_commit(t), DDB_EINVAL); /* empty */
    ddb_txn_free(t);
    ddb_txn_free(NULL);
}

static void test_txn_versions(void **state)
{
    (void)state;
    ddb_txn *t;
    DDBT_ASSERT_OK(ddb_txn_new(&t, NULL, NULL));
    shop_doc fresh = {.id = "new", .body = "b", .version = 0};
    shop_doc seen = {.id = "old", .body = "b", .version = 3};
    shop_doc doomed = {.id = "bye", .body = NULL, .version = 7};
    DDBT_ASSERT_OK(ddb_txn_put(t, &shop_doc_model, &fresh, NULL));
    DDBT_ASSERT_OK(ddb_txn_update(t, &shop_doc_model, &seen, ddb_update_set("body", ddb_av_s("c")), NULL));
    DDBT_ASSERT_OK(ddb_txn_delete(t, &shop_doc_model, &doomed, NULL));
    DDBT_ASSERT_OK(ddb_txn_check(t, &shop_doc_model, &(shop_doc){.id = "chk", .version = 5}, ddb_cond_exists("id")));

    fake.cancel_body = "{\"__type\":\"com.amazonaws.dynamodb.v20120810#TransactionCanceledException\","
                       "\"message\":\"cancelled\",\"CancellationReasons\":[{\"Code\":\"None\"},"
                       "{\"Code\":\"ConditionalCheckFailed\"},{\"Code\":\"None\"},{\"Code\":\"None\"}]}";
    assert_int_equal(ddb_txn_commit(t), DDB_ECANCELLED);
    assert_int_equal(fresh.version, 0); /* unchanged after a failure */
    assert_int_equal(seen.version, 3);
    assert_int_equal(ddb_txn_reason(t, 1)->code, DDB_ECONDITION);

    json_t *req = fake_request(&fake, 0);
    json_t *put = action_of(req, 0, "Put");
    assert_string_equal(json_string_value(json_object_get(put, "ConditionExpression")),
                        "attribute_not_exists(#n0)");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(json_object_get(put, "Item"), "version"), "N")),
        "1");
    json_t *upd = action_of(req, 1, "Update");
    assert_string_equal(json_string_value(json_object_get(upd, "UpdateExpression")),
                        "SET #n0 = :v0, #n1 = :v1");
    assert_string_equal(json_string_value(json_object_get(upd, "ConditionExpression")), "#n1 = :v2");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_object_get(upd, "ExpressionAttributeValues"), ":v1"), "N")),
                        "4");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_object_get(upd, "ExpressionAttributeValues"), ":v2"), "N")),
                        "3");
    json_t *del = action_of(req, 2, "Delete");
    assert_string_equal(json_string_value(json_object_get(del, "ConditionExpression")), "#n0 = :v0");
    json_t *chk = action_of(req, 3, "ConditionCheck");
    assert_string_equal(json_string_value(json_object_get(chk, "ConditionExpression")),
                        "attribute_exists(#n0)"); /* no version guard on checks */
    json_decref(req);

    fake.cancel_body = NULL;
    DDBT_ASSERT_OK(ddb_txn_commit(t));
    assert_int_equal(fresh.version, 1);
    assert_int_equal(seen.version, 4);
    assert_int_equal(doomed.version, 7);
    ddb_txn_free(t);
}

static void test_txn_get(void **state)
{
    (void)state;
    store_even_items(4);
    fake_put_json(&fake, "BatchOrder", "{\"customer\":{\"S\":\"g\"},\"line\":{\"N\":\"1\"},\"sku\":{\"S\":\"sku-000\"},\"total\":{\"N\":\"2.5\"}}");
    ddb_txn_getter *g;
    DDBT_ASSERT_OK(ddb_txn_getter_new(&g, NULL));
    shop_item a, b;
    shop_order o;
    shop_item_init(&a);
    shop_item_init(&b);
    shop_order_init(&o);
    bool fa, fb, fo;
    const char *s0 = "sku-000", *s1 = "sku-001";
    DDBT_ASSERT_OK(ddb_txn_getter_add(&a, &fa, g, &shop_item_model, &s0, NULL));
    DDBT_ASSERT_OK(ddb_txn_getter_add(&b, &fb, g, &shop_item_model, &s1, NULL));
    o.customer = ddb_strdup("g");
    o.line = 1;
    DDBT_ASSERT_OK(ddb_txn_getter_add_obj(&o, &fo, g, &shop_order_model, &o));
    assert_int_equal(ddb_txn_getter_add(NULL, NULL, g, &shop_item_model, &s0, NULL), DDB_EINVAL);
    assert_int_equal(ddb_txn_getter_count(g), 3);

    /* cancelled: nothing changes */
    fake.cancel_body = "{\"__type\":\"com.amazonaws.dynamodb.v20120810#TransactionCanceledException\","
                       "\"message\":\"cancelled\",\"CancellationReasons\":[{\"Code\":\"None\"},"
                       "{\"Code\":\"TransactionConflict\",\"Message\":\"busy\"},{\"Code\":\"None\"}]}";
    assert_int_equal(ddb_txn_getter_run(g), DDB_ECANCELLED);
    assert_false(fa);
    assert_null(a.sku);
    assert_int_equal(ddb_txn_getter_reason(g, 1)->code, DDB_EINUSE);
    assert_string_equal(ddb_txn_getter_reason(g, 1)->message, "busy");
    assert_int_equal(ddb_txn_getter_reason(g, 1)->kind, DDB_TXN_GET);
    assert_null(ddb_txn_getter_reason(g, 3));

    fake.cancel_body = NULL;
    DDBT_ASSERT_OK(ddb_txn_getter_run(g));
    assert_true(fa);
    assert_false(fb);
    assert_true(fo);
    assert_string_equal(a.sku, "sku-000");
    assert_null(b.sku);
    assert_true(o.total == 2.5);
    assert_int_equal(ddb_txn_getter_reason(g, 1)->code, 0);
    json_t *req = fake_request(&fake, 1);
    assert_int_equal(json_array_size(json_object_get(req, "TransactItems")), 3);
    json_decref(req);
    shop_item_clear(&a);
    shop_item_clear(&b);
    shop_order_clear(&o);
    ddb_txn_getter_free(g);

    /* 100 at most; an item that cannot be loaded fails the whole read */
    DDBT_ASSERT_OK(ddb_txn_getter_new(&g, client));
    for (int64_t i = 0; i < DDB_TXN_MAX; i++) {
        const char *c = "many";
        DDBT_ASSERT_OK(ddb_txn_getter_add(NULL, NULL, g, &shop_order_model, &c, &i));
    }
    int64_t line = 100;
    assert_int_equal(ddb_txn_getter_add(NULL, NULL, g, &shop_order_model, &(const char *){"many"}, &line),
                     DDB_ELIMIT);
    ddb_txn_getter_free(g);
    fake_put_json(&fake, "BatchItem", "{\"sku\":{\"S\":\"bad\"},\"name\":{\"BOOL\":true}}");
    DDBT_ASSERT_OK(ddb_txn_getter_new(&g, NULL));
    shop_item_init(&a);
    shop_item_init(&b);
    const char *bad = "bad";
    DDBT_ASSERT_OK(ddb_txn_getter_add(&a, &fa, g, &shop_item_model, &s0, NULL));
    DDBT_ASSERT_OK(ddb_txn_getter_add(&b, &fb, g, &shop_item_model, &bad, NULL));
    assert_int_equal(ddb_txn_getter_run(g), DDB_ETYPE);
    ASSERT_MESSAGE_HAS("TransactGetItems item 1");
    assert_false(fa);
    assert_null(a.sku); /* all or nothing */
    shop_item_clear(&a);
    shop_item_clear(&b);
    ddb_txn_getter_free(g);
    DDBT_ASSERT_OK(ddb_txn_getter_new(&g, NULL));
    assert_int_equal(ddb_txn_getter_run(g), DDB_EINVAL);
    ddb_txn_getter_free(g);
}

static void test_per_model_clients_must_agree(void **state)
{
    (void)state;
    ddb_client *other;
    ddb_client_config cfg = DDB_CLIENT_CONFIG_INIT;
    cfg.retry.max_attempts = 1;
    DDBT_ASSERT_OK(ddbt_transport_client(&other, &fake.base, "AKID2", &cfg));
    shop_order_use_client(other);

    /* transactions: one client */
    ddb_txn *t;
    DDBT_ASSERT_OK(ddb_txn_new(&t, NULL, NULL));
    shop_item it;
    make_item(&it, "m1", 1);
    DDBT_ASSERT_OK(ddb_txn_put(t, &shop_item_model, &it, NULL));
    shop_order o;
    make_order(&o, "m", 1);
    assert_int_equal(ddb_txn_put(t, &shop_order_model, &o, shop_order_total_gt(0.0).p), DDB_EINVAL);
    ASSERT_MESSAGE_HAS("another client");
    ddb_txn_free(t);

    /* batch writer: a write for another client sends the queued group first */
    ddb_batch_writer *w;
    DDBT_ASSERT_OK(ddb_batch_writer_new(&w, NULL, NULL));
    DDBT_ASSERT_OK(ddb_batch_writer_put(w, &shop_item_model, &it));
    DDBT_ASSERT_OK(ddb_batch_writer_put(w, &shop_order_model, &o));
    assert_int_equal(fake.n_requests, 1);
    assert_int_equal(ddb_batch_writer_pending(w), 1);
    DDBT_ASSERT_OK(ddb_batch_writer_flush(w));
    assert_int_equal(fake.n_requests, 2);
    ddb_batch_writer_free(w);

    /* batch getter: one request per client */
    ddb_batch_getter *g;
    DDBT_ASSERT_OK(ddb_batch_getter_new(&g, NULL, NULL));
    DDBT_ASSERT_OK(ddb_batch_getter_add_obj(NULL, NULL, g, &shop_item_model, &it));
    DDBT_ASSERT_OK(ddb_batch_getter_add_obj(NULL, NULL, g, &shop_order_model, &o));
    DDBT_ASSERT_OK(ddb_batch_getter_add(NULL, NULL, g, &shop_item_model, &(const char *){"m2"}, NULL));
    DDBT_ASSERT_OK(ddb_batch_getter_run(g));
    assert_int_equal(fake.n_requests, 4);
    assert_int_equal(keys_in(2), 2);
    assert_int_equal(keys_in(3), 1);
    assert_int_equal(ddb_batch_getter_status(g, 0), 1);
    assert_int_equal(ddb_batch_getter_status(g, 1), 1);
    ddb_batch_getter_free(g);

    shop_order_use_client(client);
    ddb_client_free(other);
    shop_item_clear(&it);
    shop_order_clear(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_item_size_rule, each),
        cmocka_unit_test_setup(test_more_than_25_puts_split_into_groups, each),
        cmocka_unit_test_setup(test_unprocessed_items_retried_until_written, each),
        cmocka_unit_test_setup(test_persistent_unprocessed_returned_to_caller, each),
        cmocka_unit_test_setup(test_whole_request_errors, each),
        cmocka_unit_test_setup(test_failed_writes_maybe_applied, each),
        cmocka_unit_test_setup(test_writer_refuses_duplicate_keys, each),
        cmocka_unit_test_setup(test_item_and_key_limits, each),
        cmocka_unit_test_setup(test_single_item_paths_apply_the_same_limits, each),
        cmocka_unit_test_setup(test_writer_and_versions, each),
        cmocka_unit_test_setup(test_writer_argument_errors, each),
        cmocka_unit_test_setup(test_batch_get_250_keys_with_missing, each),
        cmocka_unit_test_setup(test_batch_get_unprocessed_keys_retried, each),
        cmocka_unit_test_setup(test_batch_get_persistent_unprocessed_and_failures, each),
        cmocka_unit_test_setup(test_batch_get_projection_and_whole_request_failure, each),
        cmocka_unit_test_setup(test_txn_success_renders_each_action, each),
        cmocka_unit_test_setup(test_txn_cancellation_reasons_in_callers_order, each),
        cmocka_unit_test_setup(test_txn_token_reuse_and_validation, each),
        cmocka_unit_test_setup(test_txn_limits_duplicates_and_ownership, each),
        cmocka_unit_test_setup(test_txn_versions, each),
        cmocka_unit_test_setup(test_txn_get, each),
        cmocka_unit_test_setup(test_per_model_clients_must_agree, each),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
