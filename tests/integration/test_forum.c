/*
 * test_forum.c - every generated operation of schemas/forum.yaml against
 * the engine under test (DDB_TEST_ENDPOINT). Fails, never skips, without it.
 *
 * The process keeps its tables apart from other test processes where the
 * engine allows it (ddbt_local_client), and deletes only what it created.
 */
#include <math.h>
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

#include "forum.h"

static ddb_client *client;
static const ddb_model *const models[] = {&forum_thread_model, &forum_post_model};
#define N_MODELS (sizeof models / sizeof models[0])

static int setup(void **state)
{
    (void)state;
    if (ddbt_models_client(&client, "forum", models, N_MODELS) != 0)
        return -1;
    return ddbt_create_model_tables(models, N_MODELS);
}

static int teardown(void **state)
{
    (void)state;
    return ddbt_models_teardown(client, models, N_MODELS);
}

static void make_thread(forum_thread *t, const char *forum, const char *subject, int64_t views)
{
    forum_thread_init(t);
    t->forum = ddb_strdup(forum);
    t->subject = ddb_strdup(subject);
    t->author = ddb_strdup("ann");
    t->views = views;
}

static void put_thread(const char *forum, const char *subject, int64_t views)
{
    forum_thread t;
    make_thread(&t, forum, subject, views);
    DDBT_ASSERT_OK(forum_thread_put(&t, FORUM_THREAD_NO_COND));
    forum_thread_clear(&t);
}

static void test_put_get_roundtrip_every_type(void **state)
{
    (void)state;
    forum_thread t;
    make_thread(&t, "rt", "all types: ünïcode ✓", 7);
    t.has_score = true;
    t.score = 0.1 + 0.2; /* needs 17 significant digits to round-trip */
    t.answered = true;
    t.body = ddb_strdup("line one\nline \"two\"\t\\");
    static const unsigned char digest[] = {0, 1, 2, 0xff, 0, 0x80};
    t.digest.data = malloc(sizeof digest);
    memcpy(t.digest.data, digest, sizeof digest);
    t.digest.len = sizeof digest;
    t.last_by = ddb_strdup("bob");
    DDBT_ASSERT_OK(forum_thread_put(&t, FORUM_THREAD_NO_COND));

    forum_thread got;
    forum_thread_init(&got);
    DDBT_ASSERT_OK(forum_thread_get(&got, "rt", "all types: ünïcode ✓", DDB_GET_OPTS(.consistent_read = true)));
    assert_string_equal(got.forum, "rt");
    assert_string_equal(got.subject, "all types: ünïcode ✓");
    assert_string_equal(got.author, "ann");
    assert_int_equal(got.views, 7);
    assert_true(got.has_score);
    assert_true(got.score == 0.1 + 0.2);
    assert_true(got.answered);
    assert_string_equal(got.body, "line one\nline \"two\"\t\\");
    assert_int_equal(got.digest.len, sizeof digest);
    assert_memory_equal(got.digest.data, digest, sizeof digest);
    assert_string_equal(got.last_by, "bob");

    /* attr_name: the item stores "lastPostedBy", not "last_by" */
    ddb_av *item = NULL;
    DDBT_ASSERT_OK(forum_thread_to_item(&item, &got));
    assert_non_null(ddb_av_map_get(item, "lastPostedBy"));
    assert_null(ddb_av_map_get(item, "last_by"));
    ddb_av_free(item);
    forum_thread_clear(&got);
    forum_thread_clear(&t);
}

static void test_absent_nullable_and_defaults(void **state)
{
    (void)state;
    put_thread("rt", "minimal", 0);
    forum_thread got;
    forum_thread_init(&got);
    got.has_score = true; /* overwritten by a successful get */
    DDBT_ASSERT_OK(forum_thread_get(&got, "rt", "minimal", NULL));
    assert_false(got.has_score);
    assert_null(got.body);
    assert_null(got.digest.data);
    assert_null(got.last_by);
    assert_false(got.answered);
    forum_thread_clear(&got);
}

static void test_get_missing_is_notfound_and_keeps_out(void **state)
{
    (void)state;
    forum_thread got;
    make_thread(&got, "keep", "me", 5);
    assert_int_equal(forum_thread_get(&got, "rt", "no such subject", NULL), DDB_ENOTFOUND);
    assert_string_equal(got.forum, "keep"); /* unchanged */
    assert_int_equal(got.views, 5);
    forum_thread_clear(&got);
}

static void test_conditional_put_fails_with_aws_detail(void **state)
{
    (void)state;
    put_thread("cond", "exists", 1);
    forum_thread t;
    make_thread(&t, "cond", "exists", 2);
    int rc = forum_thread_put(&t, forum_thread_subject_not_exists());
    assert_int_equal(rc, DDB_ECONDITION);
    const ddb_error *e = ddb_last_error();
    assert_string_equal(e->aws_type, "ConditionalCheckFailedException");
    assert_int_equal(e->http_status, 400);
    assert_true(strlen(e->request_id) > 0);
    assert_string_equal(e->operation, "PutItem");
    assert_string_equal(e->table, "Thread");
    /* the stored item is untouched */
    DDBT_ASSERT_OK(forum_thread_get(&t, "cond", "exists", NULL));
    assert_int_equal(t.views, 1);
    /* a condition that holds lets the put through */
    t.views = 3;
    DDBT_ASSERT_OK(forum_thread_put(&t, forum_thread_cond_and(forum_thread_views_eq(1), forum_thread_author_eq("ann"))));
    DDBT_ASSERT_OK(forum_thread_get(&t, "cond", "exists", NULL));
    assert_int_equal(t.views, 3);
    forum_thread_clear(&t);
}

static void test_update_set_remove_and_refresh(void **state)
{
    (void)state;
    forum_thread t;
    make_thread(&t, "upd", "one", 10);
    t.has_score = true;
    t.score = 2.5;
    DDBT_ASSERT_OK(forum_thread_put(&t, FORUM_THREAD_NO_COND));
    DDBT_ASSERT_OK(forum_thread_update(&t,
                                  forum_thread_action_join(forum_thread_set_views(11),
                                                           forum_thread_action_join(forum_thread_remove_score(),
                                                                                    forum_thread_set_body("new body"))),
                                  forum_thread_views_eq(10)));
    assert_int_equal(t.views, 11);
    assert_false(t.has_score);
    assert_string_equal(t.body, "new body");
    /* the stored item agrees */
    forum_thread got;
    forum_thread_init(&got);
    DDBT_ASSERT_OK(forum_thread_get(&got, "upd", "one", DDB_GET_OPTS(.consistent_read = true)));
    assert_int_equal(got.views, 11);
    assert_false(got.has_score);
    assert_string_equal(got.body, "new body");
    /* a failing condition changes nothing */
    assert_int_equal(forum_thread_update(&t, forum_thread_set_views(99), forum_thread_views_gt(1000)), DDB_ECONDITION);
    DDBT_ASSERT_OK(forum_thread_get(&got, "upd", "one", NULL));
    assert_int_equal(got.views, 11);
    forum_thread_clear(&got);
    forum_thread_clear(&t);
}

static void test_delete_with_condition(void **state)
{
    (void)state;
    put_thread("del", "victim", 4);
    forum_thread t;
    make_thread(&t, "del", "victim", 0);
    assert_int_equal(forum_thread_delete(&t, forum_thread_views_gt(100)), DDB_ECONDITION);
    DDBT_ASSERT_OK(forum_thread_get(&t, "del", "victim", NULL));
    DDBT_ASSERT_OK(forum_thread_delete(&t, forum_thread_views_eq(4)));
    assert_int_equal(forum_thread_get(&t, "del", "victim", NULL), DDB_ENOTFOUND);
    forum_thread_clear(&t);
}

/* Counts the items of a query/scan iterator, checking each is in `forum`. */
static int drain(ddb_iter *it, const char *forum, int64_t *sum_views)
{
    forum_thread t;
    forum_thread_init(&t);
    int n = 0, rc;
    while ((rc = forum_thread_next(&t, it)) == 1) {
        if (forum != NULL)
            assert_string_equal(t.forum, forum);
        if (sum_views != NULL)
            *sum_views += t.views;
        n++;
    }
    assert_int_equal(rc, 0);
    forum_thread_clear(&t);
    ddb_iter_free(it);
    return n;
}

static int query_count(forum_thread_range range, forum_thread_cond filter, const ddb_query_opts *o)
{
    ddb_iter *it = NULL;
    DDBT_ASSERT_OK(forum_thread_query(&it, "q", range, filter, o));
    return drain(it, "q", NULL);
}

static void test_query_range_conditions_and_pages(void **state)
{
    (void)state;
    static const char *subjects[] = {"a1", "a2", "a3", "b1", "b2", "c1", "c2"};
    for (int i = 0; i < 7; i++)
        put_thread("q", subjects[i], i);
    put_thread("other", "a1", 100);
    assert_int_equal(query_count(FORUM_THREAD_NO_RANGE, FORUM_THREAD_NO_COND, NULL), 7);
    assert_int_equal(query_count(forum_thread_range_eq("b1"), FORUM_THREAD_NO_COND, NULL), 1);
    assert_int_equal(query_count(forum_thread_range_lt("b1"), FORUM_THREAD_NO_COND, NULL), 3);
    assert_int_equal(query_count(forum_thread_range_le("b1"), FORUM_THREAD_NO_COND, NULL), 4);
    assert_int_equal(query_count(forum_thread_range_gt("b1"), FORUM_THREAD_NO_COND, NULL), 3);
    assert_int_equal(query_count(forum_thread_range_ge("b1"), FORUM_THREAD_NO_COND, NULL), 4);
    assert_int_equal(query_count(forum_thread_range_between("a2", "b2"), FORUM_THREAD_NO_COND, NULL), 4);
    assert_int_equal(query_count(forum_thread_range_begins_with("a"), FORUM_THREAD_NO_COND, NULL), 3);
    /* filter applied after the key condition */
    assert_int_equal(query_count(forum_thread_range_begins_with("a"), forum_thread_views_ge(1), NULL), 2);
    /* pages of 2 items: 7 items need 4 requests and lose none */
    assert_int_equal(query_count(FORUM_THREAD_NO_RANGE, FORUM_THREAD_NO_COND, DDB_QUERY_OPTS(.page_size = 2)), 7);
    /* limit caps the total */
    assert_int_equal(query_count(FORUM_THREAD_NO_RANGE, FORUM_THREAD_NO_COND, DDB_QUERY_OPTS(.limit = 5, .page_size = 2)), 5);
    /* descending order */
    ddb_iter *it = NULL;
    DDBT_ASSERT_OK(forum_thread_query(&it, "q", FORUM_THREAD_NO_RANGE, FORUM_THREAD_NO_COND, DDB_QUERY_OPTS(.descending = true)));
    forum_thread t;
    forum_thread_init(&t);
    assert_int_equal(forum_thread_next(&t, it), 1);
    assert_string_equal(t.subject, "c2");
    forum_thread_clear(&t);
    ddb_iter_free(it);
}

static void test_scan_with_filter_and_pages(void **state)
{
    (void)state;
    for (int i = 0; i < 9; i++) {
        char subject[16];
        snprintf(subject, sizeof subject, "s%d", i);
        put_thread("scan", subject, 1000 + i);
    }
    ddb_iter *it = NULL;
    int64_t sum = 0;
    DDBT_ASSERT_OK(forum_thread_scan(&it, forum_thread_views_ge(1000), DDB_SCAN_OPTS(.page_size = 3)));
    assert_int_equal(drain(it, "scan", &sum), 9);
    assert_int_equal(sum, 9 * 1000 + 36);
}

/* Puts a Thread item written with the low-level API (and frees it). */
static void put_raw(ddb_av *item)
{
    ddb_put_item_input in = DDB_PUT_ITEM_INPUT_INIT;
    in.table_name = "Thread";
    in.item = item;
    ddb_write_item_output out;
    DDBT_ASSERT_OK(ddb_put_item(&out, client, &in));
    ddb_write_item_output_free(&out);
    ddb_av_free(item);
}

static void test_type_mismatch_on_read_is_typed_error(void **state)
{
    (void)state;
    /* Write "views" as a string with the low-level API, as another service might. */
    ddb_av *item = ddb_av_new(DDB_AV_M);
    ddb_av_map_set(item, "forum", ddb_av_s("bad"));
    ddb_av_map_set(item, "subject", ddb_av_s("types"));
    ddb_av_map_set(item, "author", ddb_av_s("x"));
    ddb_av_map_set(item, "views", ddb_av_s("not a number"));
    put_raw(item);
    forum_thread t;
    forum_thread_init(&t);
    assert_int_equal(forum_thread_get(&t, "bad", "types", NULL), DDB_ETYPE);
    assert_non_null(strstr(ddb_last_error()->message, "views"));
    assert_null(t.forum); /* out untouched */
    forum_thread_clear(&t);
}

/* Writes a Thread item whose subject is `len` bytes (U+0000 allowed). */
static void put_raw_thread(const char *forum, const char *subject, size_t len, const char *author)
{
    ddb_av *item = ddb_av_new(DDB_AV_M);
    ddb_av_map_set(item, "forum", ddb_av_s(forum));
    ddb_av_map_set(item, "subject", ddb_av_s_len(subject, len));
    ddb_av_map_set(item, "author", ddb_av_s(author));
    put_raw(item);
}

/* A key with U+0000 ("k\0hidden", legal in DynamoDB) is refused on read,
 * never cut to "k": writing it back would overwrite the item "k". The
 * iterator reports it once and goes on; "k" is untouched. */
static void test_text_with_nul_is_refused_not_truncated(void **state)
{
    (void)state;
    put_raw_thread("nul", "k", 1, "owner of k");
    put_raw_thread("nul", "k\0hidden", 8, "owner of k\\0hidden");
    ddb_iter *it;
    DDBT_ASSERT_OK(forum_thread_query(&it, "nul", FORUM_THREAD_NO_RANGE, FORUM_THREAD_NO_COND, NULL));
    forum_thread t;
    forum_thread_init(&t);
    int read = 0, refused = 0, rc;
    while ((rc = forum_thread_next(&t, it)) != 0) {
        if (rc == 1) {
            assert_string_equal(t.subject, "k");
            assert_string_equal(t.author, "owner of k");
            read++;
        } else {
            assert_int_equal(rc, DDB_ETYPE);
            assert_non_null(strstr(ddb_last_error()->message, "forum_thread.subject"));
            assert_non_null(strstr(ddb_last_error()->message, "U+0000 at byte 1 of 8"));
            refused++;
        }
    }
    ddb_iter_free(it);
    assert_int_equal(read, 1);
    assert_int_equal(refused, 1);
    DDBT_ASSERT_OK(forum_thread_get(&t, "nul", "k", NULL));
    assert_string_equal(t.author, "owner of k");
    forum_thread_clear(&t);
}

/* int64 arithmetic stops where the int64 range ends: DynamoDB is asked to
 * apply it only while the result fits, and nothing is written otherwise. */
static void test_int64_add_never_overflows(void **state)
{
    (void)state;
    forum_thread t;
    make_thread(&t, "range", "edge", INT64_MAX - 5);
    DDBT_ASSERT_OK(forum_thread_put(&t, FORUM_THREAD_NO_COND));
    int rc = forum_thread_update(&t, forum_thread_add_views(10), FORUM_THREAD_NO_COND);
    if (ddbt_deviates("no_item_on_condition_failure")) {
        /* no old item comes back to tell the guard from a condition of ours */
        assert_int_equal(rc, DDB_ECONDITION);
    } else {
        assert_int_equal(rc, DDB_ERANGE);
        assert_non_null(strstr(ddb_last_error()->message, "\"views\" holds 9223372036854775802"));
        assert_true(strlen(ddb_last_error()->request_id) > 0);
    }
    assert_int_equal(forum_thread_update(&t, forum_thread_incr_views(6), FORUM_THREAD_NO_COND),
                     ddbt_deviates("no_item_on_condition_failure") ? DDB_ECONDITION : DDB_ERANGE);
    forum_thread stored;
    forum_thread_init(&stored);
    DDBT_ASSERT_OK(forum_thread_get(&stored, "range", "edge", NULL));
    assert_true(stored.views == INT64_MAX - 5); /* nothing was written */
    DDBT_ASSERT_OK(forum_thread_update(&t, forum_thread_add_views(5), FORUM_THREAD_NO_COND));
    assert_true(t.views == INT64_MAX);
    DDBT_ASSERT_OK(forum_thread_update(&t, forum_thread_decr_views(INT64_MAX), FORUM_THREAD_NO_COND));
    assert_true(t.views == 0);
    forum_thread_clear(&stored);
    forum_thread_clear(&t);
}

static void test_invalid_values_fail_before_sending(void **state)
{
    (void)state;
    forum_thread t;
    forum_thread_init(&t);
    t.forum = ddb_strdup("v");
    t.subject = ddb_strdup("missing author");
    assert_int_equal(forum_thread_put(&t, FORUM_THREAD_NO_COND), DDB_EINVAL);
    assert_non_null(strstr(ddb_last_error()->message, "forum_thread.author"));
    t.author = ddb_strdup("a");
    t.has_score = true;
    t.score = INFINITY;
    assert_int_equal(forum_thread_put(&t, FORUM_THREAD_NO_COND), DDB_EINVAL);
    t.has_score = false;
    /* a NaN inside a condition travels in the handle and fails the call */
    assert_int_equal(forum_thread_put(&t, forum_thread_score_gt(NAN)), DDB_EINVAL);
    /* nothing was written */
    assert_int_equal(forum_thread_get(&t, "v", "missing author", NULL), DDB_ENOTFOUND);
    forum_thread_clear(&t);
}

static void test_int64_range_key_model(void **state)
{
    (void)state;
    for (int64_t ts = 1; ts <= 5; ts++) {
        forum_post p;
        forum_post_init(&p);
        p.thread_id = ddb_strdup("C#hello");
        p.posted_at = ts * 1000;
        p.by = ddb_strdup("ann");
        p.text = ddb_strdup("reply");
        DDBT_ASSERT_OK(forum_post_put(&p, FORUM_POST_NO_COND));
        forum_post_clear(&p);
    }
    ddb_iter *it = NULL;
    DDBT_ASSERT_OK(forum_post_query(&it, "C#hello", forum_post_range_between(2000, 4000), FORUM_POST_NO_COND, NULL));
    forum_post p;
    forum_post_init(&p);
    int n = 0;
    int64_t last = 0;
    while (forum_post_next(&p, it) == 1) {
        assert_true(p.posted_at > last); /* ascending numeric order */
        last = p.posted_at;
        n++;
    }
    assert_int_equal(n, 3);
    ddb_iter_free(it);
    DDBT_ASSERT_OK(forum_post_get(&p, "C#hello", INT64_C(5000), NULL));
    assert_int_equal(p.posted_at, 5000);
    forum_post_clear(&p);
}

static void test_unbound_model_uses_default_client(void **state)
{
    (void)state;
    /* A second client on this process's tables becomes the process default.
     * (How ddb_default_client builds one from the environment is test_client's
     * business: an engine's namespace may not be reachable from it, moto's
     * account header for one.) */
    ddb_client *dflt;
    assert_int_equal(ddbt_local_client(&dflt, "forum", NULL, NULL), 0);
    ddb_default_client_set(dflt);
    put_thread("dflt", "via bound client", 1);
    forum_thread_use_client(NULL);
    forum_thread t;
    forum_thread_init(&t);
    DDBT_ASSERT_OK(forum_thread_get(&t, "dflt", "via bound client", NULL));
    assert_int_equal(t.views, 1);
    forum_thread_clear(&t);
    forum_thread_use_client(client);
    ddb_default_client_set(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_get_roundtrip_every_type),
        cmocka_unit_test(test_absent_nullable_and_defaults),
        cmocka_unit_test(test_get_missing_is_notfound_and_keeps_out),
        cmocka_unit_test(test_conditional_put_fails_with_aws_detail),
        cmocka_unit_test(test_update_set_remove_and_refresh),
        cmocka_unit_test(test_delete_with_condition),
        cmocka_unit_test(test_query_range_conditions_and_pages),
        cmocka_unit_test(test_scan_with_filter_and_pages),
        cmocka_unit_test(test_type_mismatch_on_read_is_typed_error),
        cmocka_unit_test(test_text_with_nul_is_refused_not_truncated),
        cmocka_unit_test(test_int64_add_never_overflows),
        cmocka_unit_test(test_invalid_values_fail_before_sending),
        cmocka_unit_test(test_int64_range_key_model),
        cmocka_unit_test(test_unbound_model_uses_default_client),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
