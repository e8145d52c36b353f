/*
 * test_read_live.c - the reading side of models (ddb/query.h) against
 * the engine under test (DDB_TEST_ENDPOINT). Fails, never skips, without it.
 *
 * The table has a global and a local secondary index, created through
 * ddb_create_table and described by the hand-written read_model.c. This
 * process uses its own access key, which keeps its table apart from other
 * processes where the engine allows it (ddbt_client_new). Resuming from a cursor "in another
 * process" runs this program again (--resume) with the cursor as argument.
 */
#include <pthread.h>
#include <setjmp.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "ddb_test.h"

#include "read_model.h"

extern char **environ;

#define N_PARTS 3
#define N_PER_PART 20
#define N_ITEMS (N_PARTS * N_PER_PART)

static ddb_client *client;
static const ddb_model *const models[] = {&rd_item_model, &rd_other_model};
static char key_id[64];
static const char *self_path; /* argv[0]: run again for --resume (not /proc/self/exe: valgrind) */

/* Item i of partition p: owner on 4 of 5 items (a sparse index). */
static void make_item(rd_item *t, int p, int64_t sk)
{
    char text[64];
    ddb_model_init(&rd_item_model, t);
    snprintf(text, sizeof text, "p%d", p);
    t->pk = ddb_strdup(text);
    t->sk = sk;
    if (sk % 5 != 0) {
        snprintf(text, sizeof text, "own%d", (int)(sk % 3));
        t->owner = ddb_strdup(text);
    }
    t->views = (sk * 7) % 23;
    if (sk % 2 == 0) {
        t->has_score = true;
        t->score = (double)sk / 4;
    }
    free(t->note);
    snprintf(text, sizeof text, "note-p%d-%d", p, (int)sk);
    t->note = ddb_strdup(text);
}

static int create_table(void)
{
    ddb_attribute_definition defs[] = {
        {"pk", DDB_AV_S}, {"sk", DDB_AV_N}, {"owner", DDB_AV_S}, {"views", DDB_AV_N}};
    ddb_secondary_index gsi = {.name = "by_owner", .key = {"owner", "views"},
                               .projection = {DDB_PROJECTION_ALL, NULL, 0}};
    ddb_secondary_index lsi = {.name = "by_views", .key = {"pk", "views"},
                               .projection = {DDB_PROJECTION_KEYS_ONLY, NULL, 0}};
    ddb_create_table_input in = DDB_CREATE_TABLE_INPUT_INIT;
    in.table_name = rd_item_model.table;
    in.attribute_definitions = defs;
    in.n_attribute_definitions = 4;
    in.key_schema = (ddb_key_schema){"pk", "sk"};
    in.billing_mode = DDB_BILLING_MODE_PAY_PER_REQUEST;
    in.global_indexes = &gsi;
    in.n_global_indexes = 1;
    in.local_indexes = &lsi;
    in.n_local_indexes = 1;
    ddb_table_output out;
    int rc = ddb_create_table(&out, client, &in);
    ddb_table_output_free(&out);
    return rc == 0 ? ddb_wait_table_active(client, rd_item_model.table, 30000) : rc;
}

static int setup(void **state)
{
    (void)state;
    snprintf(key_id, sizeof key_id, "read%ld", (long)getpid());
    if (ddbt_client_new(&client, key_id, NULL) != 0)
        return -1;
    ddbt_use_client(client, models, 2);
    int rc = create_table();
    if (rc == 0)
        ddbt_created_table(client, rd_item_model.table);
    for (int p = 0; rc == 0 && p < N_PARTS; p++) {
        for (int64_t sk = 1; rc == 0 && sk <= N_PER_PART; sk++) {
            rd_item t;
            make_item(&t, p, sk);
            rc = ddb_model_put(&rd_item_model, &t, NULL);
            ddb_model_clear(&rd_item_model, &t);
        }
    }
    if (rc != 0) {
        fprintf(stderr, "setup: %s\n", ddbt_last_error());
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return ddbt_models_teardown(client, models, 2);
}

static char *const p0 = "p0", *const p1 = "p1", *const p2 = "p2";

/* Reads the rest of `it` into sks[] (at most max); returns how many. */
static size_t drain(ddb_iter *it, int64_t *sks, size_t max)
{
    rd_item t = {0};
    size_t n = 0;
    int rc;
    while ((rc = ddb_iter_next(&t, it)) == 1) {
        assert_true(n < max);
        sks[n++] = t.sk;
    }
    DDBT_ASSERT_OK(rc);
    ddb_model_clear(&rd_item_model, &t);
    return n;
}

/* ------------------------------------------------------------ pages and cursors */

static void test_pages_round_trip_cursors(void **state)
{
    (void)state;
    ddb_iter *it;
    DDBT_ASSERT_OK(ddb_model_query(&it, &rd_item_model, &p1, NULL, NULL, NULL));
    int64_t all[N_PER_PART + 1];
    assert_int_equal(drain(it, all, N_PER_PART + 1), N_PER_PART);
    assert_true(ddb_iter_consumed(it) > 0);
    ddb_iter_free(it);

    rd_item items[3] = {{0}};
    ddb_query_opts o = {.version = DDB_QUERY_OPTS_VERSION, .consistent_read = true};
    char *saved = NULL;
    size_t n = 0, pages = 0;
    do {
        ddb_page page;
        DDBT_ASSERT_OK(ddb_model_query_page(items, 3, &page, &rd_item_model, NULL, &p1, NULL, NULL, &o));
        assert_true(page.consumed > 0);
        for (size_t i = 0; i < page.n_items; i++) {
            assert_true(n < N_PER_PART);
            assert_int_equal(items[i].sk, all[n++]);
            assert_string_equal(items[i].pk, "p1");
        }
        /* the cursor is plain text: store it, drop everything, go on from the copy */
        free(saved);
        saved = page.cursor != NULL ? strdup(page.cursor) : NULL;
        ddb_page_free(&page);
        o.cursor = saved;
        pages++;
    } while (saved != NULL);
    assert_int_equal(n, N_PER_PART);
    assert_int_equal(pages, 7); /* 6 full pages, then 2 items and no cursor */
    for (size_t i = 0; i < 3; i++)
        ddb_model_clear(&rd_item_model, &items[i]);

    /* with a filter and descending, pages may come back short but cover it all */
    ddb_query_opts d = {.version = DDB_QUERY_OPTS_VERSION, .descending = true};
    n = 0;
    do {
        ddb_page page;
        DDBT_ASSERT_OK(ddb_model_query_page(items, 3, &page, &rd_item_model, NULL, &p1, NULL,
                                       ddb_cond_exists("owner"), &d));
        for (size_t i = 0; i < page.n_items; i++) {
            assert_non_null(items[i].owner);
            n++;
        }
        free(saved);
        saved = page.cursor != NULL ? strdup(page.cursor) : NULL;
        ddb_page_free(&page);
        d.cursor = saved;
    } while (saved != NULL);
    assert_int_equal(n, N_PER_PART - N_PER_PART / 5);
    for (size_t i = 0; i < 3; i++)
        ddb_model_clear(&rd_item_model, &items[i]);
}

/* --resume mode: prints the sk of every item of p2 after `cursor`. */
static int resume_child(const char *id, const char *cursor)
{
    ddb_client *c;
    if (ddbt_client_new(&c, id, NULL) != 0)
        return 2;
    ddb_model_use_client(&rd_item_model, c);
    ddb_query_opts o = {.version = DDB_QUERY_OPTS_VERSION, .cursor = cursor};
    ddb_iter *it;
    rd_item t = {0};
    int rc = ddb_model_query(&it, &rd_item_model, &p2, NULL, NULL, &o);
    while (rc == 0 && (rc = ddb_iter_next(&t, it)) == 1) {
        printf("%lld ", (long long)t.sk);
        rc = 0;
    }
    printf("\n");
    if (rc != 0)
        fprintf(stderr, "child: %s\n", ddbt_last_error());
    ddb_model_clear(&rd_item_model, &t);
    ddb_iter_free(it);
    ddb_model_use_client(&rd_item_model, NULL);
    ddb_client_free(c);
    ddb_ops_thread_cleanup();
    return rc != 0;
}

/* Runs this program with --resume and returns what it printed (malloc'ed). */
static char *run_child(const char *cursor)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    char *argv[] = {"test_read_live", "--resume", key_id, (char *)cursor, NULL};
    pid_t pid;
    assert_int_equal(posix_spawn(&pid, self_path, &fa, NULL, argv, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    char *text = calloc(1, 4096);
    size_t len = 0;
    ssize_t got;
    while ((got = read(fds[0], text + len, 4095 - len)) > 0)
        len += (size_t)got;
    close(fds[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    return text;
}

static void test_cursor_resumes_in_another_process(void **state)
{
    (void)state;
    ddb_query_opts o = {.version = DDB_QUERY_OPTS_VERSION, .page_size = 4};
    ddb_iter *it;
    DDBT_ASSERT_OK(ddb_model_query(&it, &rd_item_model, &p2, NULL, NULL, &o));
    rd_item t = {0};
    for (int i = 0; i < 7; i++) /* stops inside the second page */
        assert_int_equal(ddb_iter_next(&t, it), 1);
    assert_int_equal(t.sk, 7);
    char *cursor;
    DDBT_ASSERT_OK(ddb_iter_cursor(&cursor, it));
    char *rest = run_child(cursor);
    assert_string_equal(rest, "8 9 10 11 12 13 14 15 16 17 18 19 20 \n");
    free(rest);
    free(cursor);

    /* and the iterator itself goes on from the same place */
    int64_t sks[N_PER_PART];
    assert_int_equal(drain(it, sks, N_PER_PART), 13);
    assert_int_equal(sks[0], 8);
    DDBT_ASSERT_OK(ddb_iter_cursor(&cursor, it));
    assert_null(cursor); /* finished */
    ddb_iter_free(it);

    /* a page call's cursor works across processes too; "" is the beginning */
    rd_item items[5] = {{0}};
    ddb_page page;
    DDBT_ASSERT_OK(ddb_model_query_page(items, 5, &page, &rd_item_model, NULL, &p2, NULL, NULL, NULL));
    rest = run_child(page.cursor);
    assert_string_equal(rest, "6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 \n");
    free(rest);
    rest = run_child("");
    assert_int_equal(strlen(rest), strlen("1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 \n"));
    free(rest);
    ddb_page_free(&page);
    for (size_t i = 0; i < 5; i++)
        ddb_model_clear(&rd_item_model, &items[i]);
    ddb_model_clear(&rd_item_model, &t);
}

static void test_cursor_of_another_table_is_rejected(void **state)
{
    (void)state;
    rd_item items[2] = {{0}};
    ddb_page page;
    DDBT_ASSERT_OK(ddb_model_query_page(items, 2, &page, &rd_item_model, NULL, &p0, NULL, NULL, NULL));
    ddb_query_opts o = {.version = DDB_QUERY_OPTS_VERSION, .cursor = page.cursor};
    ddb_iter *it;
    assert_int_equal(ddb_model_query(&it, &rd_other_model, &p0, NULL, NULL, &o), DDB_EINVAL);
    assert_non_null(strstr(ddb_last_error()->message, "table \"ReadOther\""));
    assert_int_equal(ddb_model_query_index(&it, &rd_item_model, RD_BY_VIEWS, &p0, NULL, NULL, &o), DDB_EINVAL);
    ddb_scan_opts s = {.version = DDB_SCAN_OPTS_VERSION, .cursor = page.cursor};
    assert_int_equal(ddb_model_scan(&it, &rd_item_model, NULL, &s), DDB_EINVAL);
    ddb_page_free(&page);
    for (size_t i = 0; i < 2; i++)
        ddb_model_clear(&rd_item_model, &items[i]);
}

/* ------------------------------------------------------------ parallel scan */

typedef struct segment_job {
    uint32_t segment;
    int seen[N_PARTS][N_PER_PART + 1];
    int rc;
} segment_job;

static void *scan_segment(void *arg)
{
    segment_job *job = arg;
    ddb_scan_opts o = {.version = DDB_SCAN_OPTS_VERSION, .segment = job->segment, .total_segments = 4, .page_size = 7};
    ddb_iter *it;
    rd_item t = {0};
    job->rc = ddb_model_scan(&it, &rd_item_model, NULL, &o);
    while (job->rc == 0 && (job->rc = ddb_iter_next(&t, it)) == 1) {
        job->seen[t.pk[1] - '0'][t.sk]++;
        job->rc = 0;
    }
    ddb_model_clear(&rd_item_model, &t);
    ddb_iter_free(it);
    ddb_ops_thread_cleanup();
    return NULL;
}

static void test_parallel_scan_covers_every_item_once(void **state)
{
    (void)state;
    static segment_job jobs[4];
    pthread_t threads[4];
    for (uint32_t i = 0; i < 4; i++) {
        memset(&jobs[i], 0, sizeof jobs[i]);
        jobs[i].segment = i;
        assert_int_equal(pthread_create(&threads[i], NULL, scan_segment, &jobs[i]), 0);
    }
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_join(threads[i], NULL), 0);
    int nonempty = 0;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(jobs[i].rc, 0);
        int n = 0;
        for (int p = 0; p < N_PARTS; p++)
            for (int sk = 1; sk <= N_PER_PART; sk++)
                n += jobs[i].seen[p][sk];
        nonempty += n > 0;
    }
    for (int p = 0; p < N_PARTS; p++) {
        for (int sk = 1; sk <= N_PER_PART; sk++) {
            int total = 0;
            for (int i = 0; i < 4; i++)
                total += jobs[i].seen[p][sk];
            if (total != 1)
                fail_msg("p%d/%d seen %d times", p, sk, total);
        }
    }
    assert_true(nonempty >= 1);
}

/* ------------------------------------------------------------ rate limit */

typedef struct sleeps {
    uint32_t total_ms;
    unsigned n;
} sleeps;

static void record_sleep(void *ctx, uint32_t ms)
{
    sleeps *s = ctx;
    s->total_ms += ms;
    s->n++;
}

static void test_rate_limit_waits_through_the_sleep_hook(void **state)
{
    (void)state;
    static sleeps slept;
    ddb_client *hooked;
    assert_int_equal(ddbt_sleep_client(&hooked, key_id, record_sleep, &slept), 0);
    ddb_model_use_client(&rd_item_model, hooked);

    ddb_scan_opts o = {.version = DDB_SCAN_OPTS_VERSION, .page_size = 6, .rate_limit = 1.0};
    ddb_iter *it;
    DDBT_ASSERT_OK(ddb_model_scan(&it, &rd_item_model, NULL, &o));
    int64_t sks[N_ITEMS];
    assert_int_equal(drain(it, sks, N_ITEMS), N_ITEMS);
    double consumed = ddb_iter_consumed(it);
    ddb_iter_free(it);
    /* 10+ pages at 1 unit per second: every page but the first waits for what
     * the one before consumed */
    assert_true(consumed >= 5);
    assert_true(slept.n >= 9);
    if (slept.total_ms > consumed * 1000 + slept.n || slept.total_ms < consumed * 500)
        fail_msg("slept %u ms for %g units", (unsigned)slept.total_ms, consumed);

    /* without a limit nothing waits */
    slept = (sleeps){0, 0};
    o.rate_limit = 0;
    DDBT_ASSERT_OK(ddb_model_scan(&it, &rd_item_model, NULL, &o));
    assert_int_equal(drain(it, sks, N_ITEMS), N_ITEMS);
    ddb_iter_free(it);
    assert_int_equal(slept.n, 0);

    ddb_model_use_client(&rd_item_model, client);
    ddb_client_free(hooked);
}

/* ------------------------------------------------------------ counts */

static void test_count_query(void **state)
{
    (void)state;
    int64_t n = -1;
    double consumed = 0;
    DDBT_ASSERT_OK(ddb_model_count(&n, &rd_item_model, NULL, &p1, NULL, NULL, DDB_QUERY_OPTS(.consumed = &consumed)));
    assert_int_equal(n, N_PER_PART);
    assert_true(consumed > 0);
    DDBT_ASSERT_OK(ddb_model_count(&n, &rd_item_model, NULL, &p1, ddb_cond_cmp("sk", DDB_CMP_GT, ddb_av_n_i64(15)),
                              ddb_cond_exists("score"), NULL));
    assert_int_equal(n, 3); /* above 15, with a score (even): 16 18 20 */
}

static void test_count_scan_index_and_estimate(void **state)
{
    (void)state;
    int64_t n = -1;
    ddb_query_opts small = {.version = DDB_QUERY_OPTS_VERSION, .page_size = 7};
    DDBT_ASSERT_OK(ddb_model_count(&n, &rd_item_model, NULL, NULL, NULL, NULL, &small));
    assert_int_equal(n, N_ITEMS);
    DDBT_ASSERT_OK(ddb_model_count(&n, &rd_item_model, RD_BY_OWNER, NULL, NULL, NULL, NULL));
    assert_int_equal(n, N_ITEMS - N_ITEMS / 5); /* sparse: no owner on every fifth */
    ddb_query_opts lim = {.version = DDB_QUERY_OPTS_VERSION, .limit = 11, .page_size = 4};
    DDBT_ASSERT_OK(ddb_model_count(&n, &rd_item_model, NULL, NULL, NULL, NULL, &lim));
    assert_int_equal(n, 11);
    int64_t est = -1;
    DDBT_ASSERT_OK(ddb_model_count_estimate(&est, &rd_item_model, NULL));
    assert_true(est >= 0 && est <= N_ITEMS);
    if (ddbt_deviates("no_index_item_count")) { /* index descriptions have no ItemCount */
        est = -7;
        assert_int_equal(ddb_model_count_estimate(&est, &rd_item_model, RD_BY_OWNER), DDB_EPROTOCOL);
        assert_non_null(strstr(ddb_last_error()->message, "reported no ItemCount for index \"by_owner\""));
        assert_int_equal(ddb_model_count_estimate(&est, &rd_item_model, RD_BY_VIEWS), DDB_EPROTOCOL);
        assert_non_null(strstr(ddb_last_error()->message, "reported no ItemCount for index \"by_views\""));
        assert_int_equal(est, -7);
        est = 0; /* for the check below */
    } else {
        DDBT_ASSERT_OK(ddb_model_count_estimate(&est, &rd_item_model, RD_BY_OWNER));
        assert_true(est >= 0 && est <= N_ITEMS);
        DDBT_ASSERT_OK(ddb_model_count_estimate(&est, &rd_item_model, RD_BY_VIEWS));
    }
    assert_true(est >= 0 && est <= N_ITEMS);
}

/* ------------------------------------------------------------ projections and indexes */

static void test_projection_keeps_defaults(void **state)
{
    (void)state;
    const char *attrs[] = {"views"};
    ddb_query_opts o = {.version = DDB_QUERY_OPTS_VERSION, .attributes = attrs, .n_attributes = 1};
    ddb_iter *it;
    DDBT_ASSERT_OK(ddb_model_query(&it, &rd_item_model, &p0, NULL, NULL, &o));
    rd_item t = {0};
    int n = 0;
    while (ddb_iter_next(&t, it) == 1) {
        n++;
        assert_string_equal(t.pk, "p0");
        assert_int_equal(t.views, (t.sk * 7) % 23);
        assert_string_equal(t.note, "none"); /* required, not projected: the default */
        assert_null(t.owner);
        assert_false(t.has_score);
    }
    assert_int_equal(n, N_PER_PART);
    ddb_iter_free(it);

    double consumed = 0;
    ddb_get_opts g = {.version = DDB_GET_OPTS_VERSION, .attributes = attrs, .n_attributes = 1, .consistent_read = true,
                      .consumed = &consumed};
    int64_t sk = 4;
    DDBT_ASSERT_OK(ddb_model_get(&t, &rd_item_model, &p0, &sk, &g));
    assert_int_equal(t.sk, 4);
    assert_string_equal(t.note, "none");
    assert_true(consumed > 0);
    DDBT_ASSERT_OK(ddb_model_get(&t, &rd_item_model, &p0, &sk, NULL));
    assert_string_equal(t.note, "note-p0-4");
    assert_true(t.has_score);
    ddb_model_clear(&rd_item_model, &t);
}

static void test_index_query_and_scan(void **state)
{
    (void)state;
    /* GSI: owner own1 with views >= 5, descending by views */
    char *own1 = "own1";
    ddb_query_opts d = {.version = DDB_QUERY_OPTS_VERSION, .descending = true, .page_size = 3};
    ddb_iter *it;
    DDBT_ASSERT_OK(ddb_model_query_index(&it, &rd_item_model, RD_BY_OWNER, &own1,
                                    ddb_cond_cmp("views", DDB_CMP_GE, ddb_av_n_i64(5)), NULL, &d));
    rd_item t = {0};
    int n = 0, expect = 0;
    int64_t last = INT64_MAX;
    while (ddb_iter_next(&t, it) == 1) {
        n++;
        assert_string_equal(t.owner, "own1");
        assert_true(t.views >= 5 && t.views <= last);
        last = t.views;
        assert_string_not_equal(t.note, "none"); /* ALL projected */
    }
    for (int p = 0; p < N_PARTS; p++)
        for (int sk = 1; sk <= N_PER_PART; sk++)
            expect += sk % 5 != 0 && sk % 3 == 1 && (sk * 7) % 23 >= 5;
    assert_int_equal(n, expect);
    ddb_iter_free(it);

    /* LSI (keys only), consistent: items come back with keys and views only */
    ddb_query_opts c = {.version = DDB_QUERY_OPTS_VERSION, .consistent_read = true};
    DDBT_ASSERT_OK(ddb_model_query_index(&it, &rd_item_model, RD_BY_VIEWS, &p2,
                                    ddb_cond_between("views", ddb_av_n_i64(0), ddb_av_n_i64(10)), NULL, &c));
    n = 0;
    last = INT64_MIN;
    while (ddb_iter_next(&t, it) == 1) {
        n++;
        assert_true(t.views >= last && t.views <= 10);
        last = t.views;
        assert_string_equal(t.note, "none");
    }
    expect = 0;
    for (int sk = 1; sk <= N_PER_PART; sk++)
        expect += (sk * 7) % 23 <= 10;
    assert_int_equal(n, expect);
    ddb_iter_free(it);

    /* scan of the GSI, and a page of it resumed through its cursor */
    DDBT_ASSERT_OK(ddb_model_scan_index(&it, &rd_item_model, RD_BY_OWNER, NULL, NULL));
    int64_t sks[N_ITEMS];
    assert_int_equal(drain(it, sks, N_ITEMS), N_ITEMS - N_ITEMS / 5);
    ddb_iter_free(it);
    rd_item items[10] = {{0}};
    ddb_page page;
    DDBT_ASSERT_OK(ddb_model_scan_page(items, 10, &page, &rd_item_model, RD_BY_OWNER, NULL, NULL));
    assert_int_equal(page.n_items, 10);
    ddb_scan_opts s = {.version = DDB_SCAN_OPTS_VERSION, .cursor = page.cursor};
    DDBT_ASSERT_OK(ddb_model_scan_index(&it, &rd_item_model, RD_BY_OWNER, NULL, &s));
    assert_int_equal(drain(it, sks, N_ITEMS), N_ITEMS - N_ITEMS / 5 - 10);
    ddb_iter_free(it);
    ddb_page_free(&page);
    for (size_t i = 0; i < 10; i++)
        ddb_model_clear(&rd_item_model, &items[i]);

    /* a global index refuses consistent reads before anything is sent */
    assert_int_equal(ddb_model_query_index(&it, &rd_item_model, RD_BY_OWNER, &own1, NULL, NULL, &c), DDB_EINVAL);
    ddb_model_clear(&rd_item_model, &t);
}

/* ------------------------------------------------------------ exists, refresh */

static void test_exists_and_refresh(void **state)
{
    (void)state;
    bool found = false;
    int64_t sk = 3, missing = 99;
    DDBT_ASSERT_OK(ddb_model_exists(&found, &rd_item_model, &p0, &sk, NULL));
    assert_true(found);
    DDBT_ASSERT_OK(ddb_model_exists(&found, &rd_item_model, &p0, &missing, NULL));
    assert_false(found);

    rd_item t, other;
    double put_units = 0, read_units = 0, update_units = 0, delete_units = 0;
    make_item(&t, 0, 77);
    DDBT_ASSERT_OK(ddb_model_put_ex(NULL, NULL, &rd_item_model, &t, NULL, DDB_WRITE_OPTS(.consumed = &put_units)));
    assert_true(put_units > 0);
    make_item(&other, 0, 77);
    other.views = 1234;
    DDBT_ASSERT_OK(ddb_model_put(&rd_item_model, &other, NULL));
    DDBT_ASSERT_OK(
        ddb_model_refresh(&rd_item_model, &t, DDB_GET_OPTS(.consistent_read = true, .consumed = &read_units)));
    assert_int_equal(t.views, 1234);
    assert_true(read_units > 0);
    DDBT_ASSERT_OK(ddb_model_update_ex(NULL, NULL, &rd_item_model, &other, ddb_update_set("note", ddb_av_s("u")), NULL,
                                       DDB_WRITE_OPTS(.consumed = &update_units)));
    assert_true(update_units > 0);
    DDBT_ASSERT_OK(ddb_model_delete_ex(NULL, NULL, &rd_item_model, &other, NULL, DDB_WRITE_OPTS(.consumed = &delete_units)));
    assert_true(delete_units > 0);
    assert_int_equal(ddb_model_refresh(&rd_item_model, &t, NULL), DDB_ENOTFOUND);
    assert_int_equal(t.views, 1234);
    ddb_model_clear(&rd_item_model, &t);
    ddb_model_clear(&rd_item_model, &other);
}

int main(int argc, char **argv)
{
    self_path = argv[0];
    if (argc == 4 && strcmp(argv[1], "--resume") == 0)
        return resume_child(argv[2], argv[3]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pages_round_trip_cursors),
        cmocka_unit_test(test_cursor_resumes_in_another_process),
        cmocka_unit_test(test_cursor_of_another_table_is_rejected),
        cmocka_unit_test(test_parallel_scan_covers_every_item_once),
        cmocka_unit_test(test_rate_limit_waits_through_the_sleep_hook),
        cmocka_unit_test(test_count_query),
        cmocka_unit_test(test_count_scan_index_and_estimate),
        cmocka_unit_test(test_projection_keeps_defaults),
        cmocka_unit_test(test_index_query_and_scan),
        cmocka_unit_test(test_exists_and_refresh),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
