/*
 * test_extras_live.c - backups, hooks and plain JSON against the engine
 * under test (DDB_TEST_ENDPOINT). Fails, never skips, without it. The
 * process keeps its tables apart from others' where the engine allows it
 * (ddbt_local_client).
 *
 *  - dump 1,100 items of every type over many pages, load them into
 *    another table, compare item by item (ddb_av_equal);
 *  - memory of a dump with tiny pages stays flat (libddb's live heap);
 *  - parallel segments; malformed and oversized lines reported file:line;
 *  - hooks see every request of put/get/query with request ids,
 *    latencies, capacity and a ConditionalCheckFailed outcome;
 *  - plain JSON round trips of a generated model through the table.
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
#include "extras_test.h"
#include "forum.h"

#define N_ITEMS 1100

static ddb_client *client;
static const ddb_model *const models[] = {&forum_thread_model};

/* Item i of the source table: every attribute type. */
static ddb_av *source_item(int i)
{
    char text[1024];
    snprintf(text, sizeof text,
             "{\"pk\":{\"S\":\"p%d\"},\"sk\":{\"N\":\"%d\"},\"s\":{\"S\":\"caf\\u00e9 \\\"%d\\\"\\n\"},"
             "\"n\":{\"N\":\"%d.250\"},\"b\":{\"B\":\"AAEC/w==\"},\"t\":{\"BOOL\":%s},"
             "\"z\":{\"NULL\":true},\"l\":{\"L\":[{\"N\":\"1\"},{\"S\":\"x\"},{\"M\":{\"k\":{\"N\":\"-0.5\"}}}]},"
             "\"m\":{\"M\":{\"deep\":{\"L\":[{\"BOOL\":false}]}}},\"ss\":{\"SS\":[\"a\",\"b%d\"]},"
             "\"ns\":{\"NS\":[\"1\",\"12345678901234567890123456789012345678\"]},"
             "\"bs\":{\"BS\":[\"AQ==\",\"Ag==\"]}}",
             i % 37, i, i, i, i % 2 ? "true" : "false", i);
    ddb_av *item = NULL;
    assert_int_equal(ddb_item_parse_json(&item, text, strlen(text)), 0);
    return item;
}

static ddb_av *key_of(int i)
{
    ddb_av *key = ddb_av_new(DDB_AV_M);
    char pk[16];
    snprintf(pk, sizeof pk, "p%d", i % 37);
    ddb_av_map_set(key, "pk", ddb_av_s(pk));
    ddb_av_map_set(key, "sk", ddb_av_n_i64(i));
    return key;
}

static ddb_av *get(const char *table, int i)
{
    ddb_av *key = key_of(i);
    ddb_get_item_input in = DDB_GET_ITEM_INPUT_INIT;
    in.table_name = table;
    in.key = key;
    in.consistent_read = true;
    ddb_get_item_output out;
    DDBT_ASSERT_OK(ddb_get_item(&out, client, &in));
    ddb_av *item = out.item;
    out.item = NULL;
    ddb_get_item_output_free(&out);
    ddb_av_free(key);
    return item;
}

static void fill_source(void)
{
    for (int i = 0; i < N_ITEMS; i += 25) {
        ddb_av *items[25];
        ddb_write_request req[25];
        int n = 0;
        for (; n < 25 && i + n < N_ITEMS; n++) {
            items[n] = source_item(i + n);
            req[n] = (ddb_write_request){"Src", DDB_WRITE_PUT, items[n], NULL};
        }
        ddb_batch_write_item_input in = DDB_BATCH_WRITE_ITEM_INPUT_INIT;
        in.requests = req;
        in.n_requests = (size_t)n;
        ddb_batch_write_item_output out;
        DDBT_ASSERT_OK(ddb_batch_write_item(&out, client, &in));
        assert_int_equal(out.n_unprocessed, 0);
        ddb_batch_write_item_output_free(&out);
        for (int k = 0; k < n; k++)
            ddb_av_free(items[k]);
    }
}

static int setup(void **state)
{
    (void)state;
    if (ddbt_models_client(&client, "extras", models, 1) != 0)
        return -1;
    const char *names[] = {"Src", "Dst"};
    for (size_t i = 0; i < 2; i++) {
        if (create_test_table(client, names[i]) != 0) {
            fprintf(stderr, "create table %s: %s\n", names[i], ddbt_last_error());
            return -1;
        }
        ddbt_created_table(client, names[i]);
    }
    if (ddbt_create_model_tables(models, 1) != 0)
        return -1;
    fill_source();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return ddbt_models_teardown(client, models, 1);
}

/* ------------------------------------------------------------ backups */

static char *dump_text(const char *table, const ddb_dump_opts *o, ddb_dump_stats *st)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    DDBT_ASSERT_OK(ddb_table_dump(st, client, table, f, o));
    fclose(f);
    return text;
}

static int load_text(const char *table, const char *text, const ddb_load_opts *o,
                     ddb_load_stats *st)
{
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    int rc = ddb_table_load(st, client, table, f, o);
    fclose(f);
    return rc;
}

static void test_dump_and_load_every_item(void **state)
{
    (void)state;
    ddb_dump_opts o = DDB_DUMP_OPTS_INIT;
    o.page_size = 100;
    ddb_dump_stats ds;
    char *text = dump_text("Src", &o, &ds);
    assert_int_equal(ds.items, N_ITEMS);
    assert_true(ds.pages >= N_ITEMS / 100);
    size_t lines = 0;
    for (const char *p = text; (p = strchr(p, '\n')) != NULL; p++)
        lines++;
    assert_int_equal(lines, N_ITEMS);
    assert_memory_equal(text, "{\"Item\":{", 9);

    ddb_load_opts lo = DDB_LOAD_OPTS_INIT;
    lo.source = "Src.jsonl";
    ddb_load_stats ls;
    DDBT_ASSERT_OK(load_text("Dst", text, &lo, &ls));
    assert_int_equal(ls.lines, N_ITEMS);
    assert_int_equal(ls.items, N_ITEMS);
    assert_int_equal(ls.failed, 0);
    assert_true(ls.requests >= N_ITEMS / 25);
    for (int i = 0; i < N_ITEMS; i++) {
        ddb_av *want = source_item(i);
        ddb_av *src = get("Src", i);
        ddb_av *dst = get("Dst", i);
        assert_non_null(dst);
        if (!ddb_av_equal(src, dst) || !ddb_av_equal(want, dst))
            fail_msg("item %d differs after dump and load", i);
        ddb_av_free(want);
        ddb_av_free(src);
        ddb_av_free(dst);
    }
    free(text);
}

typedef struct heap_sink {
    uint64_t lines;
    long long base_max, late_max;
} heap_sink;

static int heap_write(void *payload, const char *data, size_t len)
{
    (void)data, (void)len;
    heap_sink *s = payload;
    s->lines++;
    long long live = heap_live();
    if (s->lines >= 100 && s->lines < 300 && live > s->base_max)
        s->base_max = live;
    if (s->lines >= 300 && live > s->late_max)
        s->late_max = live;
    return 0;
}

static void test_dump_with_tiny_pages_keeps_memory_flat(void **state)
{
    (void)state;
    ddb_dump_opts o = DDB_DUMP_OPTS_INIT;
    o.page_size = 7;
    heap_sink s = {0, 0, 0};
    ddb_dump_stats st;
    DDBT_ASSERT_OK(ddb_table_dump_to(&st, client, "Src", &o, heap_write, &s));
    assert_int_equal(st.items, N_ITEMS);
    assert_true(st.pages >= N_ITEMS / 7);
    assert_true(st.max_line < 1024);
    assert_true(heap_counting());
    if (s.late_max > s.base_max + 32 * 1024)
        fail_msg("live heap grew from %lld to %lld bytes over %llu pages", s.base_max, s.late_max,
                 (unsigned long long)st.pages);
}

static void test_parallel_dump_sees_each_item_once(void **state)
{
    (void)state;
    ddb_dump_opts o = DDB_DUMP_OPTS_INIT;
    o.segments = 3;
    o.page_size = 50;
    ddb_dump_stats st;
    char *text = dump_text("Src", &o, &st);
    assert_int_equal(st.items, N_ITEMS);
    unsigned char *seen = calloc(N_ITEMS, 1);
    for (const char *p = text; (p = strstr(p, "\"sk\":{\"N\":\"")) != NULL; p++) {
        long i = strtol(p + 11, NULL, 10);
        assert_true(i >= 0 && i < N_ITEMS);
        assert_int_equal(seen[i], 0);
        seen[i] = 1;
    }
    for (int i = 0; i < N_ITEMS; i++)
        assert_int_equal(seen[i], 1);
    free(seen);
    free(text);
}

static void test_load_reports_bad_lines_with_file_and_line(void **state)
{
    (void)state;
    const char *text = "{\"Item\":{\"pk\":{\"S\":\"bad\"},\"sk\":{\"N\":\"1\"}}}\n"
                       "{\"Item\":{\"pk\":{\"S\":\"bad\"},\"sk\":{\"N\":\"2\"}}}\n"
                       "{\"Item\":{\"pk\":{\"S\":\"bad\"},\"sk\":{\"N\":\"3\"}},}\n"
                       "{\"Item\":{\"pk\":{\"S\":\"bad\"},\"sk\":{\"N\":\"4\"}}}\n";
    ddb_load_opts lo = DDB_LOAD_OPTS_INIT;
    lo.source = "bad.jsonl";
    ddb_load_stats st;
    assert_int_equal(load_text("Dst", text, &lo, &st), DDB_EPROTOCOL);
    assert_non_null(strstr(ddb_last_error()->message, "bad.jsonl:3: offset "));
    assert_int_equal(st.items, 2);
    /* lines 1 and 2 were written, line 4 was not */
    ddb_av *key = ddb_av_new(DDB_AV_M);
    ddb_av_map_set(key, "pk", ddb_av_s("bad"));
    ddb_av_map_set(key, "sk", ddb_av_n("2"));
    ddb_get_item_input in = DDB_GET_ITEM_INPUT_INIT;
    in.table_name = "Dst";
    in.key = key;
    ddb_get_item_output out;
    DDBT_ASSERT_OK(ddb_get_item(&out, client, &in));
    assert_non_null(out.item);
    ddb_get_item_output_free(&out);
    ddb_av_map_set(key, "sk", ddb_av_n("4"));
    DDBT_ASSERT_OK(ddb_get_item(&out, client, &in));
    assert_null(out.item);
    ddb_get_item_output_free(&out);
    ddb_av_free(key);

    /* an item over DynamoDB's 400 KB limit: the service rejects its group,
     * which is split to pin the line; the others load (keep_going) */
    ddb_buf big = DDB_BUF_INIT;
    ddb_buf_puts(&big, "{\"Item\":{\"pk\":{\"S\":\"big\"},\"sk\":{\"N\":\"1\"}}}\n"
                       "{\"Item\":{\"pk\":{\"S\":\"big\"},\"sk\":{\"N\":\"2\"},\"v\":{\"S\":\"");
    for (int i = 0; i < 420 * 1024; i++)
        ddb_buf_putc(&big, 'x');
    ddb_buf_puts(&big, "\"}}}\n{\"Item\":{\"pk\":{\"S\":\"big\"},\"sk\":{\"N\":\"3\"}}}\n");
    lo.source = "big.jsonl";
    lo.keep_going = true;
    assert_int_equal(load_text("Dst", ddb_buf_cstr(&big), &lo, &st), DDB_EVALIDATION);
    assert_non_null(strstr(ddb_last_error()->message, "big.jsonl:2: "));
    assert_string_equal(ddb_last_error()->aws_type, "ValidationException");
    assert_int_equal(st.items, 2);
    assert_int_equal(st.failed, 1);
    ddb_buf_free(&big);
}

/* ------------------------------------------------------------ hooks */

typedef struct event {
    char operation[32], table[32], aws_type[64], request_id[96];
    int code;
    long status;
    unsigned attempts;
    uint64_t latency_ns;
    int has_capacity;
    double capacity;
} event;

typedef struct event_log {
    event e[16];
    size_t n, befores;
} event_log;

static void log_before(const ddb_hook_event *ev, void *payload)
{
    (void)ev;
    ((event_log *)payload)->befores++;
}

static void log_after(const ddb_hook_event *ev, void *payload)
{
    event_log *l = payload;
    if (l->n == 16)
        return;
    event *e = &l->e[l->n++];
    snprintf(e->operation, sizeof e->operation, "%s", ev->operation);
    snprintf(e->table, sizeof e->table, "%s", ev->table);
    snprintf(e->aws_type, sizeof e->aws_type, "%s", ev->aws_type);
    snprintf(e->request_id, sizeof e->request_id, "%s", ev->request_id);
    e->code = ev->code;
    e->status = ev->http_status;
    e->attempts = ev->attempts;
    e->latency_ns = ev->latency_ns;
    ddb_hook_capacity cap;
    e->has_capacity = ddb_hook_event_capacity(&cap, ev) == 0;
    e->capacity = cap.capacity_units;
}

static void make_thread(forum_thread *t, const char *subject, int64_t views)
{
    forum_thread_init(t);
    t->forum = ddb_strdup("hooks");
    t->subject = ddb_strdup(subject);
    t->author = ddb_strdup("ann");
    t->views = views;
}

static void test_hooks_see_every_request_and_its_outcome(void **state)
{
    (void)state;
    event_log log;
    memset(&log, 0, sizeof log);
    DDBT_ASSERT_OK(ddb_client_add_hook(client, log_before, log_after, &log));

    forum_thread t, got;
    make_thread(&t, "s1", 5);
    DDBT_ASSERT_OK(forum_thread_put(&t, FORUM_THREAD_NO_COND));
    forum_thread_init(&got);
    DDBT_ASSERT_OK(forum_thread_get(&got, "hooks", "s1", NULL));
    forum_thread_clear(&got);
    ddb_iter *it = NULL;
    DDBT_ASSERT_OK(forum_thread_query(&it, "hooks", FORUM_THREAD_NO_RANGE, FORUM_THREAD_NO_COND, NULL));
    forum_thread_init(&got);
    assert_int_equal(forum_thread_next(&got, it), 1);
    forum_thread_clear(&got);
    assert_int_equal(forum_thread_next(&got, it), 0);
    ddb_iter_free(it);
    /* a conditional put that fails */
    assert_int_equal(forum_thread_put(&t, forum_thread_views_eq(999)), DDB_ECONDITION);
    assert_string_equal(ddb_last_error()->aws_type, "ConditionalCheckFailedException");
    forum_thread_clear(&t);
    /* a low-level read asking for its capacity */
    ddb_av *key = key_of(3);
    ddb_get_item_input in = DDB_GET_ITEM_INPUT_INIT;
    in.table_name = "Src";
    in.key = key;
    in.return_consumed_capacity = DDB_CAPACITY_TOTAL;
    ddb_get_item_output out;
    DDBT_ASSERT_OK(ddb_get_item(&out, client, &in));
    ddb_get_item_output_free(&out);
    ddb_av_free(key);
    DDBT_ASSERT_OK(ddb_client_remove_hook(client, log_before, log_after, &log));

    static const char *const ops[] = {"PutItem", "GetItem", "Query", "PutItem", "GetItem"};
    assert_int_equal(log.n, 5);
    assert_int_equal(log.befores, 5);
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(log.e[i].operation, ops[i]);
        assert_string_equal(log.e[i].table, i < 4 ? "Thread" : "Src");
        assert_true(strlen(log.e[i].request_id) > 8); /* every engine sends one */
        assert_true(log.e[i].latency_ns > 0);
        assert_int_equal(log.e[i].attempts, 1);
    }
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(log.e[i].code, 0);
        assert_int_equal(log.e[i].status, 200);
    }
    assert_int_equal(log.e[3].code, DDB_ECONDITION);
    assert_int_equal(log.e[3].status, 400);
    assert_string_equal(log.e[3].aws_type, "ConditionalCheckFailedException");
    assert_true(log.e[4].has_capacity);
    assert_true(log.e[4].capacity > 0);
}

/* ------------------------------------------------------------ plain JSON */

static void test_plain_json_round_trip_through_the_table(void **state)
{
    (void)state;
    forum_thread t;
    make_thread(&t, "json ✓", 12);
    t.has_score = true;
    t.score = 4.25;
    t.answered = true;
    t.body = ddb_strdup("line\n\"quoted\"");
    t.digest.data = malloc(2);
    memcpy(t.digest.data, "\xff\x00", 2);
    t.digest.len = 2;
    t.last_by = ddb_strdup("bob");
    DDBT_ASSERT_OK(forum_thread_put(&t, FORUM_THREAD_NO_COND));
    forum_thread got;
    forum_thread_init(&got);
    DDBT_ASSERT_OK(forum_thread_get(&got, "hooks", "json ✓", DDB_GET_OPTS(.consistent_read = true)));
    ddb_buf json = DDB_BUF_INIT;
    DDBT_ASSERT_OK(ddb_model_to_simple_json(&json, &forum_thread_model, &got));
    assert_string_equal(ddb_buf_cstr(&json),
                        "{\"forum\":\"hooks\",\"subject\":\"json ✓\",\"author\":\"ann\",\"views\":12,"
                        "\"score\":4.25,\"answered\":true,\"body\":\"line\\n\\\"quoted\\\"\","
                        "\"digest\":\"/wA=\",\"lastPostedBy\":\"bob\"}");
    /* back into a struct, saved under another subject, read again */
    forum_thread back;
    forum_thread_init(&back);
    DDBT_ASSERT_OK(ddb_model_from_simple_json(&back, &forum_thread_model, json.data, json.len));
    free(back.subject);
    back.subject = ddb_strdup("json copy");
    DDBT_ASSERT_OK(forum_thread_put(&back, FORUM_THREAD_NO_COND));
    forum_thread again;
    forum_thread_init(&again);
    DDBT_ASSERT_OK(forum_thread_get(&again, "hooks", "json copy", DDB_GET_OPTS(.consistent_read = true)));
    assert_int_equal(again.views, 12);
    assert_true(again.has_score && again.score == 4.25);
    assert_string_equal(again.body, "line\n\"quoted\"");
    assert_memory_equal(again.digest.data, "\xff\x00", 2);
    assert_string_equal(again.last_by, "bob");
    ddb_buf_free(&json);
    forum_thread_clear(&t);
    forum_thread_clear(&got);
    forum_thread_clear(&back);
    forum_thread_clear(&again);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dump_and_load_every_item),
        cmocka_unit_test(test_dump_with_tiny_pages_keeps_memory_flat),
        cmocka_unit_test(test_parallel_dump_sees_each_item_once),
        cmocka_unit_test(test_load_reports_bad_lines_with_file_and_line),
        cmocka_unit_test(test_hooks_see_every_request_and_its_outcome),
        cmocka_unit_test(test_plain_json_round_trip_through_the_table),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
