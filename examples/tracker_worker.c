/*
 * tracker_worker.c - workers on the status tracker (ddb/tracker.h,
 * docs/status-tracker.md), on the table schemas/status_tracker.yaml
 * declares.
 *
 * It adds a batch of tasks, then runs worker threads that claim the oldest
 * runnable task, do the work and report. Task "flaky" fails once and
 * succeeds on its retry; task "broken" fails every time and is ignored
 * after max_attempts; one worker "crashes" holding a task, which another
 * worker takes over once the lock expires.
 *
 * Run it with `DDB_DEMO_BIN=examples/tracker_worker scripts/demo.sh`.
 * Against AWS: AWS_REGION and credentials; it creates the table
 * StatusTracker if it does not exist, and deletes this run's tasks after.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "example.h"
#include "status_tracker.h"

enum { WORKERS = 3, LOCK_MS = 2000 };

static ddb_tracker *tracker;
static atomic_int crashed;

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The work: 0 on success, else a message for the error history. */
static const char *work(const ddb_task *t)
{
    if (strcmp(t->task_id, "broken") == 0)
        return "input is corrupt";
    if (strcmp(t->task_id, "flaky") == 0 && t->attempts == 1)
        return "upstream timed out";
    sleep_ms(20);
    return NULL;
}

static void *worker(void *arg)
{
    int id = (int)(intptr_t)arg;
    int idle = 0;
    while (idle < 3 * LOCK_MS / 100) { /* stop after a while with nothing to do */
        ddb_task t = DDB_TASK_INIT;
        int rc = ddb_tracker_next(tracker, &t);
        if (rc == DDB_ENOTFOUND) {
            idle++;
            sleep_ms(100);
            continue;
        }
        check(rc, "next");
        idle = 0;
        int expected = 0;
        if (strcmp(t.task_id, "report-3") == 0 && atomic_compare_exchange_strong(&crashed, &expected, 1)) {
            printf("    worker %d took %s (attempt %lld) and crashed\n", id, t.task_id, (long long)t.attempts);
            ddb_task_clear(&t);
            ddb_ops_thread_cleanup();
            return NULL;
        }
        const char *failure = work(&t);
        if (failure == NULL)
            rc = ddb_tracker_succeed(tracker, &t, "{\"ok\": true}");
        else
            rc = ddb_tracker_fail(tracker, &t, failure);
        if (rc == DDB_EINUSE) /* our lock expired and another worker took the task */
            printf("    worker %d lost %s\n", id, t.task_id);
        else
            check(rc, "report");
        printf("    worker %d: %-9s attempt %lld -> %s%s%s\n", id, t.task_id, (long long)t.attempts,
               ddb_task_status_name(t.status), failure != NULL ? ": " : "", failure != NULL ? failure : "");
        ddb_task_clear(&t);
    }
    ddb_ops_thread_cleanup();
    return NULL;
}

static void show(ddb_task_status s)
{
    ddb_task_list l = DDB_TASK_LIST_INIT;
    check(ddb_tracker_list(tracker, s, 100, &l), "list");
    printf("    %-11s %zu:", ddb_task_status_name(s), l.n);
    for (size_t i = 0; i < l.n; i++)
        printf(" %s", l.tasks[i].task_id);
    printf("\n");
    for (size_t i = 0; i < l.n; i++)
        for (size_t e = 0; e < l.tasks[i].n_errors; e++)
            printf("        %s, attempt %lld: %s\n", l.tasks[i].task_id, (long long)l.tasks[i].errors[e].attempt,
                   l.tasks[i].errors[e].message);
    ddb_task_list_clear(&l);
}

int main(void)
{
    ddb_client *client = ddb_default_client();
    if (client == NULL)
        check(ddb_last_error()->code, "creating the client");
    printf("ddbc status tracker: DynamoDB at %s\n\n", ddb_client_endpoint(client));

    printf("1. Create the table %s (from schemas/status_tracker.yaml) unless it exists\n",
           status_tracker_task_model.table);
    ddb_table_opts wait = {.version = DDB_TABLE_OPTS_VERSION, .wait = true, .timeout_ms = 30000};
    int rc = status_tracker_task_create_table(&wait);
    if (rc != DDB_EINUSE)
        check(rc, "create_table");

    char use_case[32];
    snprintf(use_case, sizeof use_case, "demo-%ld", (long)time(NULL));
    ddb_tracker_config cfg = DDB_TRACKER_CONFIG_INIT;
    cfg.client = client;
    cfg.table = status_tracker_task_model.table;
    cfg.use_case = use_case;
    cfg.lock_ms = LOCK_MS;
    cfg.max_attempts = 3;
    check(ddb_tracker_new(&tracker, &cfg), "tracker");

    printf("\n2. Add tasks to use case %s\n", use_case);
    const char *ids[] = {"report-1", "report-2", "report-3", "report-4", "flaky", "broken"};
    size_t n_ids = sizeof ids / sizeof ids[0];
    for (size_t i = 0; i < n_ids; i++)
        check(ddb_tracker_add(tracker, ids[i], "{\"source\": \"demo\"}"), "add");
    show(DDB_TASK_PENDING);

    printf("\n3. Run %d workers (lock %d ms)\n", WORKERS, LOCK_MS);
    pthread_t th[WORKERS];
    for (int i = 0; i < WORKERS; i++)
        if (pthread_create(&th[i], NULL, worker, (void *)(intptr_t)(i + 1)) != 0)
            return 1;
    for (int i = 0; i < WORKERS; i++)
        pthread_join(th[i], NULL);

    printf("\n4. Where every task ended\n");
    for (int s = DDB_TASK_PENDING; s <= DDB_TASK_IGNORED; s++)
        show((ddb_task_status)s);

    printf("\n5. Reset the ignored task: pending again, its history kept\n");
    check(ddb_tracker_reset(tracker, "broken"), "reset");
    show(DDB_TASK_PENDING);

    for (size_t i = 0; i < n_ids; i++) {
        status_tracker_task t;
        status_tracker_task_init(&t);
        char key[64];
        snprintf(key, sizeof key, "%s/%s", use_case, ids[i]);
        check(status_tracker_task_get(&t, key, NULL), "get");
        check(status_tracker_task_delete(&t, STATUS_TRACKER_TASK_NO_COND), "delete");
        status_tracker_task_clear(&t);
    }
    ddb_tracker_free(tracker);
    printf("\nDone: this run's tasks deleted.\n");
    return 0;
}
