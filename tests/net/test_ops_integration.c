/* test_ops_integration.c - every low-level operation against a real
 * DynamoDB-compatible engine (DDB_TEST_ENGINE), through the curl transport:
 * results, pagination, error paths (ResourceNotFound, ConditionalCheckFailed
 * with its request id, TransactionCanceled reasons in order) and
 * x-amz-crc32 verification of real responses.
 *
 * Needs DDB_TEST_ENDPOINT (e.g. http://127.0.0.1:8000) and fails without
 * it. Table names are unique per run, so runs may share a server; where the
 * engine deviates from DynamoDB (tests/support/engines.txt) the test
 * asserts the engine's documented behaviour. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ddb/client.h"
#include "ddb/error.h"
#include "ddb/json.h"
#include "ddb/ops.h"

#include "ddb_test.h"

/* ------------------------------------------------------------------ */
/* Shared state                                                       */
/* ------------------------------------------------------------------ */

/* Wraps the curl transport: checks x-amz-crc32 on every successful real
 * response (engines send none with errors) and can corrupt it to
 * prove the client notices. */
typedef struct spy_transport {
    ddb_transport base;
    ddb_transport *inner;
    int responses;      /* HTTP 200 responses */
    int with_valid_crc; /* of those, with a matching x-amz-crc32 */
    int corrupt;
} spy_transport;

static char main_table[96];  /* pk S, sk N; GSI by_g; LSI by_l; stream */
static char other_table[96]; /* id S */
static ddb_client *client;
static spy_transport spy;

static int spy_send(ddb_transport *self, const ddb_http_request *req, ddb_http_response *resp)
{
    spy_transport *s = (spy_transport *)self;
    size_t start = resp->body.len;
    int rc = s->inner->send(s->inner, req, resp);
    if (rc != 0)
        return rc;
    s->responses += resp->status == 200;
    char want[16];
    snprintf(want, sizeof want, "%lu",
             (unsigned long)ddb_crc32(ddb_buf_cstr(&resp->body) + start, resp->body.len - start));
    if (resp->status == 200 && strcmp(resp->crc32, want) == 0)
        s->with_valid_crc++;
    if (s->corrupt)
        snprintf(resp->crc32, sizeof resp->crc32, "1%s", want);
    return 0;
}

static void spy_destroy(ddb_transport *self)
{
    ddb_transport_free(((spy_transport *)self)->inner);
}

/* An M tree from printf-formatted item-form JSON; the caller frees it. */
static ddb_av *item(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

static ddb_av *item(const char *fmt, ...)
{
    char json[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(json, sizeof json, fmt, ap);
    va_end(ap);
    ddb_av *v = NULL;
    if (ddb_item_parse_json(&v, json, strlen(json)) != 0)
        fail_msg("bad test JSON %s: %s", json, ddb_last_error()->message);
    return v;
}

static char *json_of(const ddb_av *v)
{
    ddb_buf b = DDB_BUF_INIT;
    assert_int_equal(ddb_item_write_json(&b, v), 0);
    return ddb_buf_steal(NULL, &b);
}

static void expect_json(const ddb_av *v, const char *json)
{
    assert_non_null(v);
    char *got = json_of(v);
    assert_string_equal(got, json);
    free(got);
}

/* Fails the test unless rc is 0, naming `what` and the last error. */
static void check(int rc, const char *what)
{
    if (rc != 0)
        fail_msg("%s: %s", what, ddbt_last_error());
}

static void put(const char *table, ddb_av *it)
{
    ddb_put_item_input in = DDB_PUT_ITEM_INPUT_INIT;
    in.table_name = table;
    in.item = it;
    ddb_write_item_output out;
    check(ddb_put_item(&out, client, &in), "PutItem");
    ddb_write_item_output_free(&out);
    ddb_av_free(it);
}

/* ------------------------------------------------------------------ */
/* Set-up: client and tables                                          */
/* ------------------------------------------------------------------ */

static int create_main_table(void)
{
    static const ddb_attribute_definition defs[] = {
        {"pk", DDB_AV_S}, {"sk", DDB_AV_N}, {"g", DDB_AV_S}, {"l", DDB_AV_N}};
    static const ddb_secondary_index gsi[] = {
        {"by_g", {"g", "sk"}, {DDB_PROJECTION_ALL, NULL, 0}, {0, 0}}};
    static const char *const include[] = {"v"};
    static const ddb_secondary_index lsi[] = {
        {"by_l", {"pk", "l"}, {DDB_PROJECTION_INCLUDE, include, 1}, {0, 0}}};
    static const ddb_tag tags[] = {{"suite", "net"}};
    ddb_create_table_input in = DDB_CREATE_TABLE_INPUT_INIT;
    in.table_name = main_table;
    in.attribute_definitions = defs;
    in.n_attribute_definitions = 4;
    in.key_schema = (ddb_key_schema){"pk", "sk"};
    in.billing_mode = DDB_BILLING_MODE_PAY_PER_REQUEST;
    in.global_indexes = gsi;
    in.n_global_indexes = 1;
    in.local_indexes = lsi;
    in.n_local_indexes = 1;
    in.stream = DDB_STREAM_NEW_AND_OLD_IMAGES;
    in.tags = tags;
    in.n_tags = 1;
    ddb_table_output out;
    int rc = ddb_create_table(&out, client, &in);
    ddb_table_output_free(&out);
    return rc;
}

static int create_simple_table(const char *name)
{
    static const ddb_attribute_definition defs[] = {{"id", DDB_AV_S}};
    ddb_create_table_input in = DDB_CREATE_TABLE_INPUT_INIT;
    in.table_name = name;
    in.attribute_definitions = defs;
    in.n_attribute_definitions = 1;
    in.key_schema.hash_key = "id";
    in.billing_mode = DDB_BILLING_MODE_PROVISIONED;
    in.throughput = (ddb_throughput){5, 5};
    ddb_table_output out;
    int rc = ddb_create_table(&out, client, &in);
    ddb_table_output_free(&out);
    return rc;
}

/* Prints `what` and the last error on stderr; returns -1 (set-up failed). */
static int report(const char *what)
{
    fprintf(stderr, "%s: %s\n", what, ddbt_last_error());
    return -1;
}

static int group_setup(void **state)
{
    (void)state;
    unsigned long run = (unsigned long)getpid() ^ (unsigned long)time(NULL);
    snprintf(main_table, sizeof main_table, "ddbc_net_%lx_main", run);
    snprintf(other_table, sizeof other_table, "ddbc_net_%lx_other", run);
    spy.base.send = spy_send;
    spy.base.destroy = spy_destroy;
    if (ddb_curl_transport_new(&spy.inner, NULL) != 0)
        return report("curl transport");
    ddb_client_config cfg = DDB_CLIENT_CONFIG_INIT;
    cfg.transport = &spy.base;
    char key_id[64];
    snprintf(key_id, sizeof key_id, "ddbcnet%lx", run);
    if (ddbt_client_new(&client, key_id, &cfg) != 0) {
        ddb_transport_free(&spy.base);
        return report("client");
    }
    if (create_main_table() != 0 || create_simple_table(other_table) != 0)
        return report("CreateTable");
    if (ddb_wait_table_active(client, main_table, 30000) != 0 ||
        ddb_wait_table_active(client, other_table, 30000) != 0)
        return report("waiting for the tables");
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    const char *tables[] = {main_table, other_table};
    for (size_t i = 0; i < 2 && client != NULL; i++) {
        ddb_table_name_input in = {tables[i]};
        ddb_table_output out;
        ddb_delete_table(&out, client, &in);
        ddb_table_output_free(&out);
    }
    ddb_client_free(client);
    ddb_ops_thread_cleanup();
    return 0;
}

/* ------------------------------------------------------------------ */
/* Tables                                                             */
/* ------------------------------------------------------------------ */

static void test_describe_table(void **state)
{
    (void)state;
    ddb_table_name_input in = {main_table};
    ddb_table_output out;
    check(ddb_describe_table(&out, client, &in), "DescribeTable");
    const ddb_table_description *t = &out.table;
    assert_string_equal(t->name, main_table);
    assert_int_equal(t->status, DDB_TABLE_STATUS_ACTIVE);
    assert_string_equal(t->key_schema.hash_key, "pk");
    assert_string_equal(t->key_schema.range_key, "sk");
    assert_int_equal(t->n_attribute_definitions, 4);
    assert_int_equal(t->billing_mode, DDB_BILLING_MODE_PAY_PER_REQUEST);
    assert_non_null(t->arn);
    assert_true(t->creation_date_time > 1.6e9);
    assert_int_equal(t->n_global_indexes, 1);
    assert_string_equal(t->global_indexes[0].name, "by_g");
    assert_int_equal(t->global_indexes[0].status, DDB_INDEX_STATUS_ACTIVE);
    assert_string_equal(t->global_indexes[0].key.hash_key, "g");
    assert_int_equal(t->n_local_indexes, 1);
    assert_string_equal(t->local_indexes[0].name, "by_l");
    assert_int_equal(t->local_indexes[0].projection.type, DDB_PROJECTION_INCLUDE);
    if (ddbt_deviates("no_streams")) {
        assert_int_equal(t->stream, DDB_STREAM_UNSET);
        assert_null(t->latest_stream_arn);
    } else {
        assert_int_equal(t->stream, DDB_STREAM_NEW_AND_OLD_IMAGES);
        assert_non_null(t->latest_stream_arn);
    }
    ddb_table_output_free(&out);
}

static void test_list_tables_paginates(void **state)
{
    (void)state;
    ddb_list_tables_input in = DDB_LIST_TABLES_INPUT_INIT;
    in.limit = 1;
    int found = 0;
    char start[256] = "";
    for (int page = 0; page < 1000; page++) {
        in.exclusive_start_table_name = start[0] != '\0' ? start : NULL;
        ddb_list_tables_output out;
        check(ddb_list_tables(&out, client, &in), "ListTables");
        assert_true(out.n_table_names <= 1);
        for (size_t i = 0; i < out.n_table_names; i++)
            found += strcmp(out.table_names[i], main_table) == 0 ||
                     strcmp(out.table_names[i], other_table) == 0;
        bool more = out.last_evaluated_table_name != NULL;
        if (more)
            snprintf(start, sizeof start, "%s", out.last_evaluated_table_name);
        ddb_list_tables_output_free(&out);
        if (!more)
            break;
    }
    assert_int_equal(found, 2);
}

static void test_table_lifecycle_update_and_ttl(void **state)
{
    (void)state;
    char name[120];
    snprintf(name, sizeof name, "%s_life", other_table);
    check(create_simple_table(name), "CreateTable");
    check(ddb_wait_table_active(client, name, 30000), "wait active");

    /* UpdateTable: a new GSI and provisioned throughput */
    static const ddb_attribute_definition defs[] = {{"g", DDB_AV_N}};
    ddb_gsi_update add = {DDB_GSI_CREATE,
                          {"by_g", {"g", NULL}, {DDB_PROJECTION_KEYS_ONLY, NULL, 0}, {1, 1}}};
    ddb_update_table_input up = DDB_UPDATE_TABLE_INPUT_INIT;
    up.table_name = name;
    up.attribute_definitions = defs;
    up.n_attribute_definitions = 1;
    up.index_updates = &add;
    up.n_index_updates = 1;
    ddb_table_output out;
    check(ddb_update_table(&out, client, &up), "UpdateTable");
    ddb_table_output_free(&out);
    check(ddb_wait_table_active(client, name, 30000), "wait active after UpdateTable");
    ddb_table_name_input d = {name};
    check(ddb_describe_table(&out, client, &d), "DescribeTable");
    if (ddbt_deviates("update_table_ignores_index_changes")) {
        assert_int_equal(out.table.n_global_indexes, 0);
    } else {
        assert_int_equal(out.table.n_global_indexes, 1);
        assert_string_equal(out.table.global_indexes[0].name, "by_g");
        assert_int_equal(out.table.global_indexes[0].projection.type, DDB_PROJECTION_KEYS_ONLY);
    }
    ddb_table_output_free(&out);

    /* time to live */
    ddb_update_ttl_input ttl = DDB_UPDATE_TTL_INPUT_INIT;
    ttl.table_name = name;
    ttl.attribute_name = "expires";
    ttl.enabled = true;
    ddb_ttl_output t;
    if (ddbt_deviates("no_ttl")) {
        ddbt_assert_unknown_operation(ddb_update_time_to_live(&t, client, &ttl));
        ddb_ttl_output_free(&t);
        check(ddb_describe_time_to_live(&t, client, &d), "DescribeTimeToLive");
        assert_int_equal(t.status, DDB_TTL_STATUS_DISABLED);
        assert_null(t.attribute_name);
    } else {
        check(ddb_update_time_to_live(&t, client, &ttl), "UpdateTimeToLive");
        assert_int_equal(t.status, DDB_TTL_STATUS_ENABLED);
        assert_string_equal(t.attribute_name, "expires");
        ddb_ttl_output_free(&t);
        check(ddb_describe_time_to_live(&t, client, &d), "DescribeTimeToLive");
        assert_true(t.status == DDB_TTL_STATUS_ENABLED || t.status == DDB_TTL_STATUS_ENABLING);
        assert_string_equal(t.attribute_name, "expires");
    }
    ddb_ttl_output_free(&t);

    check(ddb_delete_table(&out, client, &d), "DeleteTable");
    assert_string_equal(out.table.name, name);
    ddb_table_output_free(&out);
    check(ddb_wait_table_deleted(client, name, 30000), "wait deleted");
    assert_int_equal(ddb_describe_table(&out, client, &d), DDB_ERESOURCE);
    ddb_table_output_free(&out);
}

/* ------------------------------------------------------------------ */
/* Items                                                              */
/* ------------------------------------------------------------------ */

static void test_put_get_update_delete(void **state)
{
    (void)state;
    ddb_av *key = item("{\"pk\":{\"S\":\"crud\"},\"sk\":{\"N\":\"1\"}}");
    ddb_av *names = item("{\"#v\":{\"S\":\"v\"},\"#t\":{\"S\":\"tags\"}}");
    ddb_av *values = item("{\":one\":{\"N\":\"1\"},\":t\":{\"SS\":[\"x\"]}}");

    ddb_put_item_input p = DDB_PUT_ITEM_INPUT_INIT;
    p.table_name = main_table;
    p.item = item("{\"pk\":{\"S\":\"crud\"},\"sk\":{\"N\":\"1\"},\"v\":{\"N\":\"10\"},"
                  "\"bin\":{\"B\":\"AAEC\"},\"m\":{\"M\":{\"a\":{\"L\":[{\"NULL\":true},{\"BOOL\":"
                  "false}]}}}}");
    p.condition_expression = "attribute_not_exists(pk)";
    ddb_write_item_output w;
    check(ddb_put_item(&w, client, &p), "PutItem");
    assert_null(w.attributes);
    ddb_write_item_output_free(&w);

    ddb_get_item_input g = DDB_GET_ITEM_INPUT_INIT;
    g.table_name = main_table;
    g.key = key;
    g.consistent_read = true;
    g.return_consumed_capacity = DDB_CAPACITY_TOTAL;
    ddb_get_item_output got;
    check(ddb_get_item(&got, client, &g), "GetItem");
    assert_true(ddb_av_equal(got.item, p.item));
    assert_string_equal(got.consumed.table_name, main_table);
    assert_true(got.consumed.capacity_units > 0);
    ddb_get_item_output_free(&got);

    ddb_update_item_input u = DDB_UPDATE_ITEM_INPUT_INIT;
    u.table_name = main_table;
    u.key = key;
    u.update_expression = "ADD #v :one, #t :t";
    u.condition_expression = "attribute_exists(#v)";
    u.names = names;
    u.values = values;
    u.return_values = DDB_RETURN_UPDATED_NEW;
    check(ddb_update_item(&w, client, &u), "UpdateItem");
    ddb_av *updated = item("{\"v\":{\"N\":\"11\"},\"tags\":{\"SS\":[\"x\"]}}");
    assert_true(ddb_av_equal(w.attributes, updated));
    ddb_av_free(updated);
    ddb_write_item_output_free(&w);

    g.projection_expression = "#v";
    g.names = item("{\"#v\":{\"S\":\"v\"}}");
    check(ddb_get_item(&got, client, &g), "GetItem with projection");
    expect_json(got.item, "{\"v\":{\"N\":\"11\"}}");
    ddb_get_item_output_free(&got);
    ddb_av_free((ddb_av *)g.names);

    ddb_delete_item_input d = DDB_DELETE_ITEM_INPUT_INIT;
    d.table_name = main_table;
    d.key = key;
    d.return_values = DDB_RETURN_ALL_OLD;
    check(ddb_delete_item(&w, client, &d), "DeleteItem");
    assert_non_null(ddb_av_map_get(w.attributes, "bin"));
    ddb_write_item_output_free(&w);

    g.projection_expression = NULL;
    g.names = NULL;
    check(ddb_get_item(&got, client, &g), "GetItem after delete");
    assert_null(got.item); /* not found is not an error */
    ddb_get_item_output_free(&got);

    ddb_av_free((ddb_av *)p.item);
    ddb_av_free(key);
    ddb_av_free(names);
    ddb_av_free(values);
}

static void test_condition_failure(void **state)
{
    (void)state;
    put(main_table, item("{\"pk\":{\"S\":\"cond\"},\"sk\":{\"N\":\"1\"},\"v\":{\"N\":\"5\"}}"));
    ddb_put_item_input p = DDB_PUT_ITEM_INPUT_INIT;
    p.table_name = main_table;
    p.item = item("{\"pk\":{\"S\":\"cond\"},\"sk\":{\"N\":\"1\"},\"v\":{\"N\":\"6\"}}");
    p.condition_expression = "attribute_not_exists(pk)";
    ddb_write_item_output w;
    ddb_error_clear();
    assert_int_equal(ddb_put_item(&w, client, &p), DDB_ECONDITION);
    const ddb_error *e = ddb_last_error();
    assert_int_equal(e->http_status, 400);
    assert_string_equal(e->aws_type, "ConditionalCheckFailedException");
    assert_true(strlen(e->request_id) > 0);
    assert_string_equal(e->operation, "PutItem");
    assert_string_equal(e->table, main_table);
    assert_int_equal(e->attempts, 1);
    ddb_write_item_output_free(&w);
    ddb_av_free((ddb_av *)p.item);
}

static void test_query_pages_and_indexes(void **state)
{
    (void)state;
    for (int i = 1; i <= 5; i++)
        put(main_table, item("{\"pk\":{\"S\":\"q\"},\"sk\":{\"N\":\"%d\"},\"g\":{\"S\":\"G%d\"},"
                             "\"l\":{\"N\":\"%d\"},\"v\":{\"N\":\"%d\"}}",
                             i, i % 2, 10 - i, i * 10));
    ddb_av *values = item("{\":p\":{\"S\":\"q\"}}");
    ddb_query_input q = DDB_QUERY_INPUT_INIT;
    q.table_name = main_table;
    q.key_condition_expression = "pk = :p";
    q.values = values;
    q.limit = 2;
    q.descending = true;
    q.consistent_read = true;
    int seen[8] = {0};
    int pages = 0;
    ddb_av *start = NULL;
    int expect_sk = 5;
    do {
        q.exclusive_start_key = start;
        ddb_read_output out;
        check(ddb_query(&out, client, &q), "Query");
        pages++;
        for (size_t i = 0; i < out.n_items; i++) {
            int64_t sk = 0;
            assert_int_equal(ddb_av_get_i64(&sk, ddb_av_map_get(out.items[i], "sk")), 0);
            assert_int_equal(sk, expect_sk--); /* descending */
            seen[sk]++;
        }
        ddb_av_free(start);
        start = out.last_evaluated_key; /* taken */
        out.last_evaluated_key = NULL;
        ddb_read_output_free(&out);
    } while (start != NULL);
    q.exclusive_start_key = NULL;
    assert_true(pages >= 3);
    for (int i = 1; i <= 5; i++)
        assert_int_equal(seen[i], 1);

    /* filter + count */
    q.limit = 0;
    q.descending = false;
    q.filter_expression = "v >= :min";
    q.select = DDB_SELECT_COUNT;
    ddb_av_free(values);
    values = item("{\":p\":{\"S\":\"q\"},\":min\":{\"N\":\"20\"}}");
    q.values = values;
    ddb_read_output out;
    check(ddb_query(&out, client, &q), "Query COUNT");
    assert_int_equal(out.count, 4);
    assert_int_equal(out.scanned_count, 5);
    assert_int_equal(out.n_items, 0);
    ddb_read_output_free(&out);

    /* local index: ordered by l */
    q.filter_expression = NULL;
    q.select = DDB_SELECT_DEFAULT;
    q.index_name = "by_l";
    q.consistent_read = false;
    ddb_av_free(values);
    values = item("{\":p\":{\"S\":\"q\"}}");
    q.values = values;
    check(ddb_query(&out, client, &q), "Query LSI");
    assert_int_equal(out.n_items, 5);
    int64_t first_sk = 0;
    assert_int_equal(ddb_av_get_i64(&first_sk, ddb_av_map_get(out.items[0], "sk")), 0);
    assert_int_equal(first_sk, 5); /* l = 10 - sk, ascending */
    ddb_read_output_free(&out);

    /* global index */
    ddb_av_free(values);
    values = item("{\":g\":{\"S\":\"G1\"}}");
    q.values = values;
    q.index_name = "by_g";
    q.key_condition_expression = "g = :g";
    check(ddb_query(&out, client, &q), "Query GSI");
    assert_int_equal(out.n_items, 3); /* sk 1, 3, 5 */
    ddb_read_output_free(&out);
    ddb_av_free(values);
}

static void test_parallel_scan(void **state)
{
    (void)state;
    for (int i = 0; i < 20; i++)
        put(other_table, item("{\"id\":{\"S\":\"scan-%02d\"},\"n\":{\"N\":\"%d\"}}", i, i));
    ddb_av *values = item("{\":p\":{\"S\":\"scan-\"}}");
    int total = 0;
    for (uint32_t seg = 0; seg < 3; seg++) {
        ddb_scan_input s = DDB_SCAN_INPUT_INIT;
        s.table_name = other_table;
        s.filter_expression = "begins_with(id, :p)";
        s.values = values;
        s.segment = (ddb_scan_segment){seg, 3};
        s.limit = 4;
        ddb_av *start = NULL;
        do {
            s.exclusive_start_key = start;
            ddb_read_output out;
            check(ddb_scan(&out, client, &s), "Scan");
            total += (int)out.n_items;
            assert_int_equal(out.count, (int64_t)out.n_items);
            assert_true(out.scanned_count >= out.count);
            ddb_av_free(start);
            start = out.last_evaluated_key;
            out.last_evaluated_key = NULL;
            ddb_read_output_free(&out);
        } while (start != NULL);
    }
    assert_int_equal(total, 20);
    ddb_av_free(values);
}

/* ------------------------------------------------------------------ */
/* Batches                                                            */
/* ------------------------------------------------------------------ */

static void test_batch_write_and_get(void **state)
{
    (void)state;
    ddb_av *items[25];
    ddb_write_request reqs[25];
    for (int i = 0; i < 25; i++) {
        items[i] = i < 20 ? item("{\"id\":{\"S\":\"b-%d\"},\"n\":{\"N\":\"%d\"}}", i, i)
                          : item("{\"pk\":{\"S\":\"batch\"},\"sk\":{\"N\":\"%d\"}}", i);
        reqs[i] =
            (ddb_write_request){i < 20 ? other_table : main_table, DDB_WRITE_PUT, items[i], NULL};
    }
    ddb_batch_write_item_input bw = DDB_BATCH_WRITE_ITEM_INPUT_INIT;
    bw.requests = reqs;
    bw.n_requests = 25;
    ddb_batch_write_item_output wo;
    check(ddb_batch_write_item(&wo, client, &bw), "BatchWriteItem");
    assert_int_equal(wo.n_unprocessed, 0);
    ddb_batch_write_item_output_free(&wo);

    /* delete two through the same call shape */
    ddb_av *k0 = item("{\"id\":{\"S\":\"b-0\"}}");
    ddb_av *k1 = item("{\"id\":{\"S\":\"b-1\"}}");
    ddb_write_request dels[2] = {{other_table, DDB_WRITE_DELETE, NULL, k0},
                                 {other_table, DDB_WRITE_DELETE, NULL, k1}};
    bw.requests = dels;
    bw.n_requests = 2;
    check(ddb_batch_write_item(&wo, client, &bw), "BatchWriteItem deletes");
    ddb_batch_write_item_output_free(&wo);

    /* get 20 + 5 keys from two tables (two of them deleted) */
    const ddb_av *okeys[20];
    const ddb_av *mkeys[5];
    ddb_av *owned[25];
    for (int i = 0; i < 20; i++)
        okeys[i] = owned[i] = item("{\"id\":{\"S\":\"b-%d\"}}", i);
    for (int i = 0; i < 5; i++)
        mkeys[i] = owned[20 + i] = item("{\"pk\":{\"S\":\"batch\"},\"sk\":{\"N\":\"%d\"}}", 20 + i);
    ddb_batch_get_table tables[2] = {
        {other_table, okeys, 20, true, NULL, NULL},
        {main_table, mkeys, 5, false, "sk", NULL},
    };
    ddb_batch_get_item_input bg = DDB_BATCH_GET_ITEM_INPUT_INIT;
    bg.tables = tables;
    bg.n_tables = 2;
    bg.return_consumed_capacity = DDB_CAPACITY_TOTAL;
    ddb_batch_get_item_output go;
    check(ddb_batch_get_item(&go, client, &bg), "BatchGetItem");
    size_t from_other = 0, from_main = 0;
    for (size_t i = 0; i < go.n_responses; i++) {
        if (strcmp(go.responses[i].table_name, other_table) == 0)
            from_other += go.responses[i].n_items;
        else if (strcmp(go.responses[i].table_name, main_table) == 0) {
            from_main += go.responses[i].n_items;
            assert_int_equal(ddb_av_len(go.responses[i].items[0]), 1); /* projection: sk only */
        }
    }
    for (size_t i = 0; i < go.n_unprocessed;
         i++) { /* local engines process all; be exact anyway */
        if (strcmp(go.unprocessed[i].table_name, other_table) == 0)
            from_other += go.unprocessed[i].n_keys;
        else
            from_main += go.unprocessed[i].n_keys;
    }
    assert_int_equal(from_other, 18);
    assert_int_equal(from_main, 5);
    assert_true(go.n_consumed >= 1);
    ddb_batch_get_item_output_free(&go);
    for (int i = 0; i < 25; i++) {
        ddb_av_free(items[i]);
        ddb_av_free(owned[i]);
    }
    ddb_av_free(k0);
    ddb_av_free(k1);
}

/* ------------------------------------------------------------------ */
/* Transactions                                                       */
/* ------------------------------------------------------------------ */

static void test_transactions(void **state)
{
    (void)state;
    ddb_av *a = item("{\"id\":{\"S\":\"tx-a\"},\"n\":{\"N\":\"1\"}}");
    ddb_av *bkey = item("{\"pk\":{\"S\":\"tx\"},\"sk\":{\"N\":\"1\"}}");
    ddb_av *values = item("{\":one\":{\"N\":\"1\"}}");
    ddb_transact_write writes[2] = {
        {DDB_TRANSACT_PUT, other_table, a, NULL, NULL, "attribute_not_exists(id)", NULL, NULL, 0},
        {DDB_TRANSACT_UPDATE, main_table, NULL, bkey, "SET v = :one", NULL, NULL, values, 0},
    };
    ddb_transact_write_items_input tw = DDB_TRANSACT_WRITE_ITEMS_INPUT_INIT;
    tw.items = writes;
    tw.n_items = 2;
    ddb_transact_write_items_output wo;
    if (ddbt_deviates("no_transactions")) {
        ddbt_assert_unknown_operation(ddb_transact_write_items(&wo, client, &tw));
        ddb_transact_write_items_output_free(&wo);
        ddb_transact_get gets[1] = {{other_table, a, NULL, NULL}};
        ddb_transact_get_items_input tg = DDB_TRANSACT_GET_ITEMS_INPUT_INIT;
        tg.items = gets;
        tg.n_items = 1;
        ddb_transact_get_items_output go;
        ddbt_assert_unknown_operation(ddb_transact_get_items(&go, client, &tg));
        ddb_transact_get_items_output_free(&go);
        ddb_av_free(a);
        ddb_av_free(bkey);
        ddb_av_free(values);
        return;
    }
    check(ddb_transact_write_items(&wo, client, &tw), "TransactWriteItems");
    assert_int_equal(wo.n_reasons, 0);
    ddb_transact_write_items_output_free(&wo);

    /* read both back, plus one that does not exist */
    ddb_av *akey = item("{\"id\":{\"S\":\"tx-a\"}}");
    ddb_av *missing = item("{\"id\":{\"S\":\"tx-missing\"}}");
    ddb_transact_get gets[3] = {
        {other_table, akey, NULL, NULL},
        {other_table, missing, NULL, NULL},
        {main_table, bkey, "v", NULL},
    };
    ddb_transact_get_items_input tg = DDB_TRANSACT_GET_ITEMS_INPUT_INIT;
    tg.items = gets;
    tg.n_items = 3;
    ddb_transact_get_items_output go;
    check(ddb_transact_get_items(&go, client, &tg), "TransactGetItems");
    assert_int_equal(go.n_items, 3);
    assert_true(ddb_av_equal(go.items[0], a));
    assert_null(go.items[1]);
    if (ddbt_deviates("transact_get_ignores_projection"))
        expect_json(go.items[2], "{\"pk\":{\"S\":\"tx\"},\"sk\":{\"N\":\"1\"},\"v\":{\"N\":\"1\"}}");
    else
        expect_json(go.items[2], "{\"v\":{\"N\":\"1\"}}");
    ddb_transact_get_items_output_free(&go);

    /* cancelled: the second action's condition fails; reasons in request order */
    ddb_transact_write fail[3] = {
        {DDB_TRANSACT_CONDITION_CHECK, main_table, NULL, bkey, NULL, "v = :one", NULL, values, 0},
        {DDB_TRANSACT_PUT, other_table, a, NULL, NULL, "attribute_not_exists(id)", NULL, NULL,
         DDB_RETURN_ON_FAILURE_ALL_OLD},
        {DDB_TRANSACT_DELETE, other_table, NULL, missing, NULL, NULL, NULL, NULL, 0},
    };
    tw.items = fail;
    tw.n_items = 3;
    ddb_error_clear();
    assert_int_equal(ddb_transact_write_items(&wo, client, &tw), DDB_ECANCELLED);
    assert_string_equal(ddb_last_error()->aws_type, "TransactionCanceledException");
    assert_string_equal(ddb_last_error()->operation, "TransactWriteItems");
    assert_true(strlen(ddb_last_error()->request_id) > 0);
    assert_int_equal(wo.n_reasons, 3);
    assert_string_equal(wo.reasons[0].code, "None");
    assert_string_equal(wo.reasons[1].code, "ConditionalCheckFailed");
    assert_non_null(wo.reasons[1].message);
    assert_string_equal(wo.reasons[2].code, "None");
    assert_non_null(wo.reasons[1].item); /* ALL_OLD on failure */
    assert_true(ddb_av_equal(wo.reasons[1].item, a));
    assert_null(wo.reasons[0].item);
    ddb_transact_write_items_output_free(&wo);
    ddb_av_free(a);
    ddb_av_free(akey);
    ddb_av_free(bkey);
    ddb_av_free(missing);
    ddb_av_free(values);
}

/* ------------------------------------------------------------------ */
/* Errors and checksums                                               */
/* ------------------------------------------------------------------ */

static void test_error_paths(void **state)
{
    (void)state;
    ddb_av *key = item("{\"id\":{\"S\":\"x\"}}");
    ddb_get_item_input g = DDB_GET_ITEM_INPUT_INIT;
    g.table_name = "ddbc_net_no_such_table";
    g.key = key;
    ddb_get_item_output out;
    assert_int_equal(ddb_get_item(&out, client, &g), DDB_ERESOURCE);
    assert_string_equal(ddb_last_error()->aws_type, "ResourceNotFoundException");
    assert_string_equal(ddb_last_error()->table, "ddbc_net_no_such_table");
    assert_true(strlen(ddb_last_error()->request_id) > 0);
    ddb_get_item_output_free(&out);

    /* wrong key attribute: the service says ValidationException */
    g.table_name = main_table;
    assert_int_equal(ddb_get_item(&out, client, &g), DDB_EVALIDATION);
    assert_string_equal(ddb_last_error()->aws_type, "ValidationException");
    assert_int_equal(ddb_last_error()->attempts, 1);
    ddb_get_item_output_free(&out);

    /* creating an existing table */
    assert_int_equal(create_simple_table(other_table), DDB_EINUSE);
    assert_string_equal(ddb_last_error()->aws_type, "ResourceInUseException");
    ddb_av_free(key);
}

static void test_crc32_of_real_responses(void **state)
{
    (void)state;
    /* every successful response so far carried a valid x-amz-crc32 */
    assert_true(spy.responses > 10);
    assert_int_equal(spy.with_valid_crc, spy.responses);

    ddb_list_tables_input in = DDB_LIST_TABLES_INPUT_INIT;
    ddb_list_tables_output out;
    int before = spy.responses;
    spy.corrupt = 1;
    assert_int_equal(ddb_list_tables(&out, client, &in), DDB_ECRC);
    spy.corrupt = 0;
    assert_int_equal(spy.responses - before, 3); /* retried, then given up */
    assert_int_equal(ddb_last_error()->attempts, 3);
    assert_string_equal(ddb_last_error()->operation, "ListTables");
    ddb_list_tables_output_free(&out);
    check(ddb_list_tables(&out, client, &in), "ListTables after the corruption stopped");
    ddb_list_tables_output_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_describe_table),
        cmocka_unit_test(test_list_tables_paginates),
        cmocka_unit_test(test_table_lifecycle_update_and_ttl),
        cmocka_unit_test(test_put_get_update_delete),
        cmocka_unit_test(test_condition_failure),
        cmocka_unit_test(test_query_pages_and_indexes),
        cmocka_unit_test(test_parallel_scan),
        cmocka_unit_test(test_batch_write_and_get),
        cmocka_unit_test(test_transactions),
        cmocka_unit_test(test_error_paths),
        cmocka_unit_test(test_crc32_of_real_responses),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
