/*
 * test_tracker.c - the status tracker (ddb/tracker.h) against the engine
 * under test, on the table schemas/status_tracker.yaml declares (created
 * with its generated create_table, read back with its generated model).
 *
 * Each test uses its own use case, so they share one table. Tests that
 * need time to pass use a test clock (ddb_tracker_config.clock_ms); the
 * concurrent-worker test uses the real clock and real threads.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ddb_test.h"
#include "status_tracker.h"

static ddb_client *client;
static const ddb_model *const models[] = {&status_tracker_task_model};
#define N_MODELS (sizeof models / sizeof models[0])

static int setup(void **state)
{
    (void)state;
    if (ddbt_models_client(&client, "tracker", models, N_MODELS) != 0)
        return -1;
    return ddbt_create_model_tables(models, N_MODELS);
}

static int teardown(void **state)
{
    (void)state;
    return ddbt_models_teardown(client, models, N_MODELS);
}

/* The test clock: ms since the epoch, moved by hand. */
static int64_t test_now = 1700000000000;

static int64_t test_clock(void *arg)
{
    (void)arg;
    return test_now;
}

static ddb_tracker *tracker(const char *use_case, uint32_t max_attempts, uint32_t max_errors, bool test_time)
{
    ddb_tracker_config cfg = DDB_TRACKER_CONFIG_INIT;
    cfg.client = client;
    cfg.table = status_tracker_task_model.table;
    cfg.use_case = use_case;
    cfg.max_attempts = max_attempts;
    cfg.max_errors = max_errors;
    cfg.lock_ms = 60000;
    if (test_time)
        cfg.clock_ms = test_clock;
    ddb_tracker *tr = NULL;
    DDBT_ASSERT_OK(ddb_tracker_new(&tr, &cfg));
    return tr;
}

static void test_config_and_shards(void **state)
{
    (void)state;
    /* FNV-1a (32-bit) test vectors: the shard is stable everywhere */
    assert_int_equal(ddb_tracker_shard("", 0xffffffffu), 0x811c9dc5u % 0xffffffffu);
    assert_int_equal(ddb_tracker_shard("a", 0xffffffffu), 0xe40c292cu);
    assert_int_equal(ddb_tracker_shard("foobar", 1000), 0xbf9cf968u % 1000);
    assert_int_equal(ddb_tracker_shard("anything", 1), 0);

    ddb_tracker_config cfg = DDB_TRACKER_CONFIG_INIT;
    cfg.client = client;
    cfg.table = "StatusTracker";
    ddb_tracker *tr = NULL;
    const char *bad[] = {NULL, "", "a/b", "job 1", "caf\xc3\xa9",
                         "a123456789012345678901234567890123456789012345678901234567890123456789"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cfg.use_case = bad[i];
        assert_int_equal(ddb_tracker_new(&tr, &cfg), DDB_EINVAL);
        assert_null(tr);
    }
    cfg.use_case = "ok.use-case_1";
    cfg.shards = 257;
    assert_int_equal(ddb_tracker_new(&tr, &cfg), DDB_EINVAL);
    cfg.shards = 0;
    cfg.version = 99;
    assert_int_equal(ddb_tracker_new(&tr, &cfg), DDB_EINVAL);

    tr = tracker("args", 0, 0, false);
    assert_int_equal(ddb_tracker_add(tr, "", NULL), DDB_EINVAL);
    assert_int_equal(ddb_tracker_add(tr, "bad\xff", NULL), DDB_EINVAL);
    assert_int_equal(ddb_tracker_add(tr, "t", "{not json"), DDB_EINVAL);
    assert_non_null(strstr(ddb_last_error()->message, "not one JSON value"));
    ddb_task_list l = DDB_TASK_LIST_INIT;
    assert_int_equal(ddb_tracker_list(tr, DDB_TASK_PENDING, 0, &l), DDB_EINVAL);
    assert_int_equal(ddb_tracker_list(tr, (ddb_task_status)9, 1, &l), DDB_EINVAL);
    ddb_task t = DDB_TASK_INIT;
    assert_int_equal(ddb_tracker_succeed(tr, &t, NULL), DDB_EINVAL); /* not claimed */
    assert_string_equal(ddb_task_status_name(DDB_TASK_IN_PROGRESS), "in_progress");
    assert_null(ddb_task_status_name((ddb_task_status)5));
    ddb_tracker_free(tr);
}

static void test_lifecycle(void **state)
{
    (void)state;
    ddb_tracker *tr = tracker("life", 3, 0, true);
    int64_t t0 = test_now;
    DDBT_ASSERT_OK(ddb_tracker_add(tr, "img/0001", "{\"src\": \"a.png\"}"));
    assert_int_equal(ddb_tracker_add(tr, "img/0001", NULL), DDB_EEXISTS);

    ddb_task t = DDB_TASK_INIT;
    DDBT_ASSERT_OK(ddb_tracker_get(tr, "img/0001", &t));
    assert_string_equal(t.use_case, "life");
    assert_string_equal(t.task_id, "img/0001");
    assert_int_equal(t.status, DDB_TASK_PENDING);
    assert_int_equal(t.attempts, 0);
    assert_int_equal(t.version, 1);
    assert_int_equal(t.created_ms, t0);
    assert_string_equal(t.data, "{\"src\": \"a.png\"}");
    assert_null(t.lock);
    assert_int_equal(ddb_tracker_get(tr, "img/none", &t), DDB_ENOTFOUND);

    /* the generated model reads what the tracker wrote */
    status_tracker_task m;
    status_tracker_task_init(&m);
    DDBT_ASSERT_OK(status_tracker_task_get(&m, "life/img/0001", NULL));
    char queue[64];
    snprintf(queue, sizeof queue, "life/pending/%u", (unsigned)ddb_tracker_shard("img/0001", 4));
    assert_string_equal(m.queue, queue);
    snprintf(queue, sizeof queue, "life/%u", (unsigned)ddb_tracker_shard("img/0001", 4));
    assert_string_equal(m.todo, queue);
    assert_string_equal(m.status, "pending");
    assert_int_equal(m.version, 1);
    status_tracker_task_clear(&m);

    /* claim, fail, claim again, succeed */
    test_now += 10;
    DDBT_ASSERT_OK(ddb_tracker_start(tr, "img/0001", &t));
    assert_int_equal(t.status, DDB_TASK_IN_PROGRESS);
    assert_int_equal(t.attempts, 1);
    assert_non_null(t.lock);
    assert_int_equal(strlen(t.lock), 32);
    assert_int_equal(t.due_ms, test_now + 60000);
    ddb_task other = DDB_TASK_INIT;
    assert_int_equal(ddb_tracker_start(tr, "img/0001", &other), DDB_EINUSE);
    assert_int_equal(ddb_tracker_next(tr, &other), DDB_ENOTFOUND);
    assert_int_equal(ddb_tracker_reset(tr, "img/0001"), DDB_EINUSE);

    DDBT_ASSERT_OK(ddb_tracker_extend(tr, &t));
    assert_int_equal(t.version, 3);
    DDBT_ASSERT_OK(ddb_tracker_fail(tr, &t, "boom: \xe2\x82\xac"));
    assert_int_equal(t.status, DDB_TASK_FAILED);
    assert_null(t.lock);
    assert_int_equal(t.n_errors, 1);
    assert_string_equal(t.errors[0].message, "boom: \xe2\x82\xac");
    assert_int_equal(t.errors[0].attempt, 1);
    assert_int_equal(t.errors[0].at_ms, test_now);
    /* a report by a worker that no longer holds the lock */
    assert_int_equal(ddb_tracker_fail(tr, &t, "again"), DDB_EINVAL);

    DDBT_ASSERT_OK(ddb_tracker_next(tr, &t));
    assert_string_equal(t.task_id, "img/0001");
    assert_int_equal(t.attempts, 2);
    DDBT_ASSERT_OK(ddb_tracker_succeed(tr, &t, "[1, 2, 3]"));
    assert_int_equal(t.status, DDB_TASK_SUCCEEDED);
    assert_string_equal(t.data, "[1, 2, 3]");
    assert_int_equal(t.n_errors, 1);
    assert_int_equal(ddb_tracker_start(tr, "img/0001", &other), DDB_ECONDITION);
    assert_non_null(strstr(ddb_last_error()->message, "succeeded"));

    /* the generated model: no todo once finished; put keeps it readable */
    status_tracker_task_init(&m);
    DDBT_ASSERT_OK(status_tracker_task_get(&m, "life/img/0001", NULL));
    assert_null(m.todo);
    assert_true(m.has_errors);
    assert_int_equal(m.errors.n, 1);
    DDBT_ASSERT_OK(status_tracker_task_put(&m, STATUS_TRACKER_TASK_NO_COND));
    status_tracker_task_clear(&m);
    DDBT_ASSERT_OK(ddb_tracker_get(tr, "img/0001", &other));
    assert_int_equal(other.version, t.version + 1);
    assert_string_equal(other.data, "[1, 2, 3]");
    assert_string_equal(other.errors[0].message, "boom: \xe2\x82\xac");
    ddb_task_clear(&other);

    /* reset: pending again, attempts 0, history kept */
    DDBT_ASSERT_OK(ddb_tracker_reset(tr, "img/0001"));
    DDBT_ASSERT_OK(ddb_tracker_get(tr, "img/0001", &t));
    assert_int_equal(t.status, DDB_TASK_PENDING);
    assert_int_equal(t.attempts, 0);
    assert_int_equal(t.n_errors, 1);
    assert_int_equal(ddb_tracker_reset(tr, "img/none"), DDB_ENOTFOUND);
    ddb_task_clear(&t);
    ddb_tracker_free(tr);
}

static void test_retries_then_ignored(void **state)
{
    (void)state;
    ddb_tracker *tr = tracker("retry", 2, 0, true);
    DDBT_ASSERT_OK(ddb_tracker_add(tr, "t1", NULL));
    ddb_task t = DDB_TASK_INIT;
    for (int i = 1; i <= 2; i++) {
        DDBT_ASSERT_OK(ddb_tracker_next(tr, &t));
        assert_int_equal(t.attempts, i);
        char msg[32];
        snprintf(msg, sizeof msg, "failure %d", i);
        DDBT_ASSERT_OK(ddb_tracker_fail(tr, &t, msg));
        ddb_task_clear(&t);
    }
    DDBT_ASSERT_OK(ddb_tracker_get(tr, "t1", &t));
    assert_int_equal(t.status, DDB_TASK_IGNORED);
    assert_int_equal(t.n_errors, 2);
    assert_string_equal(t.errors[0].message, "failure 1");
    assert_string_equal(t.errors[1].message, "failure 2");
    assert_int_equal(ddb_tracker_next(tr, &t), DDB_ENOTFOUND);
    ddb_task_list l = DDB_TASK_LIST_INIT;
    DDBT_ASSERT_OK(ddb_tracker_list(tr, DDB_TASK_IGNORED, 10, &l));
    assert_int_equal(l.n, 1);
    assert_string_equal(l.tasks[0].task_id, "t1");
    ddb_task_list_clear(&l);
    DDBT_ASSERT_OK(ddb_tracker_list(tr, DDB_TASK_FAILED, 10, &l));
    assert_int_equal(l.n, 0);
    ddb_task_clear(&t);
    ddb_tracker_free(tr);
}

static void test_retry_delay(void **state)
{
    (void)state;
    ddb_tracker_config cfg = DDB_TRACKER_CONFIG_INIT;
    cfg.client = client;
    cfg.table = status_tracker_task_model.table;
    cfg.use_case = "delay";
    cfg.retry_delay_ms = 5000;
    cfg.clock_ms = test_clock;
    ddb_tracker *tr = NULL;
    DDBT_ASSERT_OK(ddb_tracker_new(&tr, &cfg));
    DDBT_ASSERT_OK(ddb_tracker_add(tr, "t", NULL));
    ddb_task t = DDB_TASK_INIT;
    DDBT_ASSERT_OK(ddb_tracker_next(tr, &t));
    DDBT_ASSERT_OK(ddb_tracker_fail(tr, &t, "later"));
    assert_int_equal(t.due_ms, test_now + 5000);
    assert_int_equal(ddb_tracker_next(tr, &t), DDB_ENOTFOUND);
    assert_int_equal(ddb_tracker_start(tr, "t", &t), DDB_ECONDITION);
    test_now += 5000;
    DDBT_ASSERT_OK(ddb_tracker_next(tr, &t));
    assert_int_equal(t.attempts, 2);
    DDBT_ASSERT_OK(ddb_tracker_succeed(tr, &t, NULL));
    ddb_task_clear(&t);
    ddb_tracker_free(tr);
}

static void test_error_history_bounded(void **state)
{
    (void)state;
    ddb_tracker *tr = tracker("history", 10, 3, true);
    DDBT_ASSERT_OK(ddb_tracker_add(tr, "t", NULL));
    ddb_task t = DDB_TASK_INIT;
    for (int i = 1; i <= 5; i++) {
        test_now += 1;
        DDBT_ASSERT_OK(ddb_tracker_start(tr, "t", &t));
        char msg[32];
        snprintf(msg, sizeof msg, "failure %d", i);
        DDBT_ASSERT_OK(ddb_tracker_fail(tr, &t, msg));
        assert_int_equal(t.n_errors, i < 3 ? (size_t)i : 3);
        ddb_task_clear(&t);
    }
    DDBT_ASSERT_OK(ddb_tracker_get(tr, "t", &t));
    assert_int_equal(t.status, DDB_TASK_FAILED);
    assert_int_equal(t.n_errors, 3);
    for (int i = 0; i < 3; i++) {
        char msg[32];
        snprintf(msg, sizeof msg, "failure %d", i + 3);
        assert_string_equal(t.errors[i].message, msg);
        assert_int_equal(t.errors[i].attempt, i + 3);
    }
    ddb_task_clear(&t);
    ddb_tracker_free(tr);
}

/* mate never runs an in-progress task again when its worker died; here
 * the lock expires and the next claim counts the lost attempt. */
static void test_lock_expiry(void **state)
{
    (void)state;
    ddb_tracker *tr = tracker("expiry", 2, 0, true);
    DDBT_ASSERT_OK(ddb_tracker_add(tr, "job", NULL));
    ddb_task dead = DDB_TASK_INIT, t = DDB_TASK_INIT;
    DDBT_ASSERT_OK(ddb_tracker_next(tr, &dead)); /* this worker "dies" */
    test_now += 59999;
    assert_int_equal(ddb_tracker_next(tr, &t), DDB_ENOTFOUND);
    test_now += 1;
    DDBT_ASSERT_OK(ddb_tracker_next(tr, &t));
    assert_string_equal(t.task_id, "job");
    assert_int_equal(t.attempts, 2);
    assert_int_equal(t.n_errors, 1);
    assert_int_equal(t.errors[0].attempt, 1);
    assert_non_null(strstr(t.errors[0].message, "lock expired"));
    assert_string_not_equal(t.lock, dead.lock);
    /* the dead worker wakes up: its reports are refused, nothing written */
    assert_int_equal(ddb_tracker_succeed(tr, &dead, "\"stale\""), DDB_EINUSE);
    assert_int_equal(ddb_tracker_extend(tr, &dead), DDB_EINUSE);
    ddb_task now = DDB_TASK_INIT;
    DDBT_ASSERT_OK(ddb_tracker_get(tr, "job", &now));
    assert_int_equal(now.status, DDB_TASK_IN_PROGRESS);
    assert_null(now.data);
    assert_string_equal(now.lock, t.lock);
    ddb_task_clear(&now);

    /* the second holder dies too: out of attempts, the task is ignored */
    test_now += 60000;
    assert_int_equal(ddb_tracker_next(tr, &now), DDB_ENOTFOUND);
    DDBT_ASSERT_OK(ddb_tracker_get(tr, "job", &now));
    assert_int_equal(now.status, DDB_TASK_IGNORED);
    assert_null(now.lock);
    assert_int_equal(now.n_errors, 2);
    assert_int_equal(now.errors[1].attempt, 2);
    ddb_task_clear(&now);
    ddb_task_clear(&dead);
    ddb_task_clear(&t);
    ddb_tracker_free(tr);
}

/* mate matches use cases by prefix ("job" finds "job1"'s tasks). */
static void test_use_cases_exact(void **state)
{
    (void)state;
    ddb_tracker *a = tracker("job", 0, 0, true), *b = tracker("job1", 0, 0, true);
    DDBT_ASSERT_OK(ddb_tracker_add(b, "x", NULL));
    DDBT_ASSERT_OK(ddb_tracker_add(a, "x", NULL)); /* same task id, other use case */
    DDBT_ASSERT_OK(ddb_tracker_add(b, "y", NULL));
    ddb_task_list l = DDB_TASK_LIST_INIT;
    DDBT_ASSERT_OK(ddb_tracker_list(a, DDB_TASK_PENDING, 100, &l));
    assert_int_equal(l.n, 1);
    assert_string_equal(l.tasks[0].use_case, "job");
    ddb_task_list_clear(&l);
    ddb_task t = DDB_TASK_INIT;
    DDBT_ASSERT_OK(ddb_tracker_next(a, &t));
    assert_string_equal(t.use_case, "job");
    DDBT_ASSERT_OK(ddb_tracker_succeed(a, &t, NULL));
    ddb_task_clear(&t);
    assert_int_equal(ddb_tracker_next(a, &t), DDB_ENOTFOUND);
    DDBT_ASSERT_OK(ddb_tracker_list(b, DDB_TASK_PENDING, 100, &l));
    assert_int_equal(l.n, 2);
    ddb_task_list_clear(&l);
    ddb_tracker_free(a);
    ddb_tracker_free(b);
}

/* mate applies the limit per shard; here it bounds the merged result,
 * which holds the oldest tasks of every shard, oldest first. */
static void test_list_oldest_across_shards(void **state)
{
    (void)state;
    ddb_tracker *tr = tracker("listing", 0, 0, true);
    enum { N = 24 };
    unsigned shard_seen = 0;
    for (int i = 0; i < N; i++) {
        char id[16];
        snprintf(id, sizeof id, "t%02d", N - 1 - i); /* ids sort against age */
        test_now += 7;
        DDBT_ASSERT_OK(ddb_tracker_add(tr, id, NULL));
        shard_seen |= 1u << ddb_tracker_shard(id, 4);
    }
    assert_int_equal(shard_seen, 0xf); /* every shard holds tasks */
    ddb_task_list l = DDB_TASK_LIST_INIT;
    DDBT_ASSERT_OK(ddb_tracker_list(tr, DDB_TASK_PENDING, 5, &l));
    assert_int_equal(l.n, 5);
    for (size_t i = 0; i < l.n; i++) {
        char id[16];
        snprintf(id, sizeof id, "t%02d", N - 1 - (int)i);
        assert_string_equal(l.tasks[i].task_id, id);
    }
    ddb_task_list_clear(&l);
    DDBT_ASSERT_OK(ddb_tracker_list(tr, DDB_TASK_PENDING, 1000, &l));
    assert_int_equal(l.n, N);
    for (size_t i = 1; i < l.n; i++)
        assert_true(l.tasks[i - 1].due_ms < l.tasks[i].due_ms);
    ddb_task_list_clear(&l);
    /* next claims in the same order */
    ddb_task t = DDB_TASK_INIT;
    DDBT_ASSERT_OK(ddb_tracker_next(tr, &t));
    assert_string_equal(t.task_id, "t23");
    ddb_task_clear(&t);
    ddb_tracker_free(tr);
}

/* ---- lost responses ---- */

/* A transport that sends each request to the engine but, while `lose` is
 * above 0, reports the response of an UpdateItem as lost (the request was
 * applied): the client retries it. */
typedef struct lossy_transport {
    ddb_transport base;
    ddb_transport *inner;
    atomic_int lose, lost;
} lossy_transport;

static int lossy_send(ddb_transport *self, const ddb_http_request *req, ddb_http_response *resp)
{
    lossy_transport *t = (lossy_transport *)self;
    int rc = t->inner->send(t->inner, req, resp);
    bool update = false;
    for (size_t i = 0; i < req->n_headers; i++)
        if (strcmp(req->headers[i].name, "X-Amz-Target") == 0 && strstr(req->headers[i].value, ".UpdateItem"))
            update = true;
    if (rc == 0 && update && atomic_load(&t->lose) > 0) {
        atomic_fetch_sub(&t->lose, 1);
        atomic_fetch_add(&t->lost, 1);
        return ddb_error_set(DDB_ENETWORK, "test transport: the response was lost");
    }
    return rc;
}

static void lossy_destroy(ddb_transport *self)
{
    lossy_transport *t = (lossy_transport *)self;
    ddb_transport_free(t->inner);
    free(t);
}

static void test_lost_responses(void **state)
{
    (void)state;
    lossy_transport *lt = calloc(1, sizeof *lt);
    assert_non_null(lt);
    lt->base = (ddb_transport){lossy_send, lossy_destroy};
    DDBT_ASSERT_OK(ddb_curl_transport_new(&lt->inner, NULL));
    ddb_client_config base = DDB_CLIENT_CONFIG_INIT;
    base.transport = &lt->base;
    char key_id[32];
    snprintf(key_id, sizeof key_id, "tracker%ld", (long)getpid()); /* the account of the table */
    ddb_client *lossy = NULL;
    assert_int_equal(ddbt_client_new(&lossy, key_id, &base), 0);

    ddb_tracker_config cfg = DDB_TRACKER_CONFIG_INIT;
    cfg.client = lossy;
    cfg.table = status_tracker_task_model.table;
    cfg.use_case = "lossy";
    ddb_tracker *tr = NULL;
    DDBT_ASSERT_OK(ddb_tracker_new(&tr, &cfg));
    ddb_task t = DDB_TASK_INIT;

    atomic_store(&lt->lose, 1);
    DDBT_ASSERT_OK(ddb_tracker_add(tr, "t", "{}")); /* not DDB_EEXISTS */
    atomic_store(&lt->lose, 1);
    DDBT_ASSERT_OK(ddb_tracker_next(tr, &t)); /* not DDB_EINUSE */
    assert_int_equal(t.status, DDB_TASK_IN_PROGRESS);
    assert_int_equal(t.attempts, 1);
    atomic_store(&lt->lose, 1);
    DDBT_ASSERT_OK(ddb_tracker_succeed(tr, &t, "[true]")); /* not "lock lost" */
    assert_int_equal(t.status, DDB_TASK_SUCCEEDED);
    assert_string_equal(t.data, "[true]");
    assert_int_equal(atomic_load(&lt->lost), 3);

    /* a condition that truly fails is still reported */
    assert_int_equal(ddb_tracker_add(tr, "t", NULL), DDB_EEXISTS);
    ddb_task_clear(&t);
    ddb_tracker_free(tr);
    ddb_client_free(lossy);
}

/* ---- concurrent workers, real clock ---- */

enum { TASKS = 40, WORKERS = 4, LOCK_MS = 1500 };

static struct {
    ddb_tracker *tr;
    atomic_int running[TASKS];   /* workers inside a task now */
    atomic_int runs[TASKS];      /* times a task was run */
    atomic_int overlaps;         /* a task run by two at once */
    atomic_int done;             /* tasks reported succeeded */
    atomic_int lost;             /* reports refused (lock lost) */
    atomic_int killed;           /* 1 once the "killed" worker took its task */
    atomic_int killed_task;
    atomic_int errors;
} w;

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *worker(void *arg)
{
    (void)arg;
    int64_t deadline = mono_ms() + 30000;
    while (atomic_load(&w.done) < TASKS && mono_ms() < deadline) {
        ddb_task t = DDB_TASK_INIT;
        int rc = ddb_tracker_next(w.tr, &t);
        if (rc == DDB_ENOTFOUND) {
            sleep_ms(50);
            continue;
        }
        if (rc != 0) {
            fprintf(stderr, "next: %s\n", ddbt_last_error());
            atomic_fetch_add(&w.errors, 1);
            break;
        }
        int i = atoi(t.task_id);
        if (atomic_fetch_add(&w.running[i], 1) != 0)
            atomic_fetch_add(&w.overlaps, 1);
        atomic_fetch_add(&w.runs[i], 1);
        int expected = 0;
        if (atomic_compare_exchange_strong(&w.killed, &expected, 1)) {
            /* this worker is killed mid-task: it never reports, and leaves */
            atomic_store(&w.killed_task, i);
            atomic_fetch_sub(&w.running[i], 1);
            ddb_task_clear(&t);
            ddb_ops_thread_cleanup();
            return NULL;
        }
        sleep_ms(5);
        atomic_fetch_sub(&w.running[i], 1);
        rc = ddb_tracker_succeed(w.tr, &t, NULL);
        if (rc == 0)
            atomic_fetch_add(&w.done, 1);
        else if (rc == DDB_EINUSE)
            atomic_fetch_add(&w.lost, 1);
        else
            atomic_fetch_add(&w.errors, 1);
        ddb_task_clear(&t);
    }
    ddb_ops_thread_cleanup();
    return NULL;
}

static void test_concurrent_workers(void **state)
{
    (void)state;
    ddb_tracker_config cfg = DDB_TRACKER_CONFIG_INIT;
    cfg.client = client;
    cfg.table = status_tracker_task_model.table;
    cfg.use_case = "workers";
    cfg.lock_ms = LOCK_MS;
    DDBT_ASSERT_OK(ddb_tracker_new(&w.tr, &cfg));
    for (int i = 0; i < TASKS; i++) {
        char id[16];
        snprintf(id, sizeof id, "%d", i);
        DDBT_ASSERT_OK(ddb_tracker_add(w.tr, id, NULL));
    }
    pthread_t th[WORKERS];
    int64_t t0 = mono_ms();
    for (int i = 0; i < WORKERS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, worker, NULL), 0);
    for (int i = 0; i < WORKERS; i++)
        pthread_join(th[i], NULL);
    int64_t elapsed = mono_ms() - t0;

    assert_int_equal(atomic_load(&w.errors), 0);
    assert_int_equal(atomic_load(&w.overlaps), 0);
    assert_int_equal(atomic_load(&w.lost), 0);
    assert_int_equal(atomic_load(&w.done), TASKS); /* none lost */
    int k = atomic_load(&w.killed_task);
    for (int i = 0; i < TASKS; i++)
        assert_int_equal(atomic_load(&w.runs[i]), i == k ? 2 : 1);
    /* the killed worker's task waited for its lock to expire */
    assert_true(elapsed >= LOCK_MS);

    ddb_task_list l = DDB_TASK_LIST_INIT;
    DDBT_ASSERT_OK(ddb_tracker_list(w.tr, DDB_TASK_SUCCEEDED, 1000, &l));
    assert_int_equal(l.n, TASKS);
    for (size_t i = 0; i < l.n; i++) {
        const ddb_task *t = &l.tasks[i];
        bool was_killed = atoi(t->task_id) == k;
        assert_int_equal(t->attempts, was_killed ? 2 : 1);
        assert_int_equal(t->n_errors, was_killed ? 1 : 0);
        if (was_killed)
            assert_non_null(strstr(t->errors[0].message, "lock expired"));
    }
    ddb_task_list_clear(&l);
    for (int s = DDB_TASK_PENDING; s <= DDB_TASK_FAILED; s++) {
        DDBT_ASSERT_OK(ddb_tracker_list(w.tr, (ddb_task_status)s, 1000, &l));
        assert_int_equal(l.n, 0);
    }
    ddb_tracker_free(w.tr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_and_shards),
        cmocka_unit_test(test_lifecycle),
        cmocka_unit_test(test_retries_then_ignored),
        cmocka_unit_test(test_retry_delay),
        cmocka_unit_test(test_error_history_bounded),
        cmocka_unit_test(test_lock_expiry),
        cmocka_unit_test(test_use_cases_exact),
        cmocka_unit_test(test_list_oldest_across_shards),
        cmocka_unit_test(test_lost_responses),
        cmocka_unit_test(test_concurrent_workers),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
