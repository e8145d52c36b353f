/*
 * bulk_bench.c - bulk work with several requests in flight: load N users
 * with batch writers on T threads (BatchWriteItem, 25 items a request),
 * read them back with a parallel scan of T segments and with batch getters
 * on T threads (BatchGetItem, 100 keys a request), all sharing one client.
 * Every item is checked: loaded, scanned once, got back.
 *
 * Usage: bulk_bench [--items N] [--threads T] [--transport native|curl]
 *                   [--wrk-dir DIR]
 *        bulk_bench --scan-rss N
 *
 * --wrk-dir writes DIR/batch_write.lua, DIR/batch_get.lua and
 * DIR/scan.lua: the first request of each kind as this program sent it
 * (25 puts, 100 keys, a first page), for wrk to replay (the reference of
 * scripts/bench.sh, compared in requests per second). --scan-rss N scans the
 * table through one iterator, stops after N items, and prints the peak RSS
 * of the process: a scan's memory must not grow with the table.
 *
 * The table is "User" (bench/user.yaml), created when missing; users are
 * "bulk000000", "bulk000001", ... Figures print as "RESULT name value
 * unit" lines after readable ones.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "user.h"

static long n_items = 100000;
static int n_threads = 4;

static void user_for(bench_user *u, long i)
{
    char name[32];
    snprintf(name, sizeof name, "bulk%06ld", i);
    bench_fill_user(u, name, i);
}

/* ------------------------------------------------------------ load */

typedef struct job {
    int index;
    pthread_t thread;
    int rc;
    long done;
    unsigned char *seen; /* scan: one flag per item */
    pthread_mutex_t *lock;
} job;

static void *load_part(void *arg)
{
    job *j = arg;
    ddb_batch_writer *w = NULL;
    j->rc = ddb_batch_writer_new(&w, ddb_model_client(&bench_user_model), NULL);
    for (long i = j->index; j->rc == 0 && i < n_items; i += n_threads) {
        bench_user u;
        user_for(&u, i);
        j->rc = bench_user_batch_put(w, &u);
        bench_user_clear(&u);
        j->done++;
    }
    if (j->rc == 0)
        j->rc = ddb_batch_writer_flush(w);
    size_t failed = 0;
    ddb_batch_writer_failed(&failed, w);
    if (j->rc == 0 && failed != 0)
        j->rc = ddb_error_set(DDB_ETHROTTLED, "%zu writes failed", failed);
    if (j->rc != 0)
        fprintf(stderr, "bulk_bench: load thread %d: %s\n", j->index, ddb_last_error()->message);
    ddb_batch_writer_free(w);
    ddb_ops_thread_cleanup();
    return NULL;
}

/* ------------------------------------------------------------ scan */

static void *scan_part(void *arg)
{
    job *j = arg;
    ddb_iter *it = NULL;
    j->rc = bench_user_scan(&it, BENCH_USER_NO_COND,
                            DDB_SCAN_OPTS(.segment = (uint32_t)j->index, .total_segments = (uint32_t)n_threads));
    bench_user u;
    bench_user_init(&u);
    int more = 0;
    while (j->rc == 0 && (more = bench_user_next(&u, it)) == 1) {
        long i;
        if (sscanf(u.user_name, "bulk%ld", &i) == 1 && i >= 0 && i < n_items) {
            pthread_mutex_lock(j->lock);
            j->seen[i]++;
            pthread_mutex_unlock(j->lock);
            j->done++;
        }
        bench_user_clear(&u);
        bench_user_init(&u);
    }
    if (j->rc == 0 && more < 0)
        j->rc = more;
    bench_user_clear(&u);
    ddb_iter_free(it);
    if (j->rc != 0)
        fprintf(stderr, "bulk_bench: scan segment %d: %s\n", j->index, ddb_last_error()->message);
    ddb_ops_thread_cleanup();
    return NULL;
}

/* ------------------------------------------------------------ batch get */

static void *get_part(void *arg)
{
    job *j = arg;
    long mine = (n_items - j->index + n_threads - 1) / n_threads;
    bench_user *users = calloc((size_t)mine, sizeof *users);
    bool *found = calloc((size_t)mine, sizeof *found);
    ddb_batch_getter *g = NULL;
    j->rc = users != NULL && found != NULL ? ddb_batch_getter_new(&g, ddb_model_client(&bench_user_model), NULL)
                                           : ddb_error_set(DDB_ENOMEM, "out of memory");
    for (long k = 0; j->rc == 0 && k < mine; k++) {
        char name[32];
        snprintf(name, sizeof name, "bulk%06ld", j->index + k * n_threads);
        bench_user_init(&users[k]);
        j->rc = bench_user_batch_get(&users[k], &found[k], g, name);
    }
    if (j->rc == 0)
        j->rc = ddb_batch_getter_run(g);
    for (long k = 0; j->rc == 0 && k < mine; k++) {
        long i = j->index + k * n_threads;
        bool right = found[k] && users[k].last_login.sec == 1666900800 + i &&
                     users[k].preferences.allows_notifications == ((i % 2) == 0);
        if (!right)
            j->rc = ddb_error_set(DDB_EPROTOCOL, "user %ld did not come back as written", i);
        j->done += right;
    }
    for (long k = 0; users != NULL && k < mine; k++)
        bench_user_clear(&users[k]);
    if (j->rc != 0)
        fprintf(stderr, "bulk_bench: get thread %d: %s\n", j->index, ddb_last_error()->message);
    free(users);
    free(found);
    ddb_batch_getter_free(g);
    ddb_ops_thread_cleanup();
    return NULL;
}

/* Runs fn on n_threads threads; returns the items they did. */
static long run(void *(*fn)(void *), const char *what, unsigned char *seen)
{
    job jobs[64];
    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    for (int t = 0; t < n_threads; t++) {
        jobs[t] = (job){t, 0, 0, 0, seen, &lock};
        if (pthread_create(&jobs[t].thread, NULL, fn, &jobs[t]) != 0) {
            fprintf(stderr, "bulk_bench: cannot start a thread\n");
            exit(1);
        }
    }
    long done = 0;
    int failed = 0;
    for (int t = 0; t < n_threads; t++) {
        pthread_join(jobs[t].thread, NULL);
        done += jobs[t].done;
        failed |= jobs[t].rc != 0;
    }
    if (failed) {
        fprintf(stderr, "bulk_bench: %s failed\n", what);
        exit(1);
    }
    return done;
}

static void report(const char *label, const char *measure, long items, long requests, double wall, double cpu)
{
    printf("%-40s %8ld items %7.2f s %9.0f items/s %7.0f requests/s %6.1f us CPU/item\n", label, items, wall,
           (double)items / wall, (double)requests / wall, cpu / (double)items * 1e6);
    printf("RESULT %s_items %.0f items/s\n", measure, (double)items / wall);
    printf("RESULT %s_requests %.0f requests/s\n", measure, (double)requests / wall);
}

static int scan_rss(long limit)
{
    ddb_iter *it = NULL;
    if (bench_user_scan(&it, BENCH_USER_NO_COND, NULL) != 0)
        bench_die("scan");
    bench_user u;
    bench_user_init(&u);
    long n = 0;
    int more;
    while (n < limit && (more = bench_user_next(&u, it)) == 1) {
        n++;
        bench_user_clear(&u);
        bench_user_init(&u);
    }
    bench_user_clear(&u);
    ddb_iter_free(it);
    if (n < limit) {
        fprintf(stderr, "bulk_bench: the table has %ld items, fewer than %ld\n", n, limit);
        return 1;
    }
    printf("scan of %ld items through one iterator: peak RSS %ld KiB\n", n, bench_peak_rss_kib());
    printf("RESULT scan_rss_%ld %ld KiB\n", limit, bench_peak_rss_kib());
    return 0;
}

int main(int argc, char **argv)
{
    const char *transport = "native", *wrk_dir = NULL;
    long rss_limit = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--items") == 0 && i + 1 < argc)
            n_items = atol(argv[++i]);
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            n_threads = atoi(argv[++i]);
        else if (strcmp(argv[i], "--transport") == 0 && i + 1 < argc)
            transport = argv[++i];
        else if (strcmp(argv[i], "--wrk-dir") == 0 && i + 1 < argc)
            wrk_dir = argv[++i];
        else if (strcmp(argv[i], "--scan-rss") == 0 && i + 1 < argc)
            rss_limit = atol(argv[++i]);
        else {
            fprintf(stderr, "usage: bulk_bench [--items N] [--threads T] [--transport native|curl] [--wrk-dir DIR]\n"
                            "       bulk_bench --scan-rss N\n");
            return 2;
        }
    }
    if (n_items <= 0 || n_threads < 1 || n_threads > 64) {
        fprintf(stderr, "bulk_bench: --items must be positive, --threads from 1 to 64\n");
        return 2;
    }
    bench_recorder *rec[3] = {NULL, NULL, NULL};
    static const char *const ops[3] = {"BatchWriteItem", "Scan", "BatchGetItem"};
    ddb_client *clients[3];
    for (int k = 0; k < 3; k++) /* one client per phase, each recording its operation */
        clients[k] = bench_client(transport, &rec[k], ops[k]); /* counts the requests */
    bench_user_use_client(clients[0]);
    if (rss_limit > 0) {
        int rc = scan_rss(rss_limit);
        for (int k = 0; k < 3; k++)
            ddb_client_free(clients[k]);
        return rc;
    }
    bool exists = false;
    if (bench_user_table_exists(&exists) != 0)
        bench_die("DescribeTable");
    if (!exists && bench_user_create_table(NULL) != 0)
        bench_die("CreateTable");
    if (ddb_wait_table_active(clients[0], "User", 60000) != 0)
        bench_die("waiting for the table");

    printf("%s transport, %ld items, %d threads sharing one client\n", transport, n_items, n_threads);
    double w0 = bench_now(), c0 = bench_cpu();
    long loaded = run(load_part, "load", NULL);
    report("load (batch writers)", "load", loaded, (long)bench_recorded(rec[0]), bench_now() - w0, bench_cpu() - c0);

    bench_user_use_client(clients[1]);
    unsigned char *seen = calloc((size_t)n_items, 1);
    if (seen == NULL)
        bench_die("memory");
    w0 = bench_now(), c0 = bench_cpu();
    long scanned = run(scan_part, "scan", seen);
    double wall = bench_now() - w0, cpu = bench_cpu() - c0;
    for (long i = 0; i < n_items; i++) {
        if (seen[i] != 1) {
            fprintf(stderr, "bulk_bench: the scan saw user %ld %d times\n", i, seen[i]);
            return 1;
        }
    }
    free(seen);
    report("parallel scan (segments)", "scan", scanned, (long)bench_recorded(rec[1]), wall, cpu);

    bench_user_use_client(clients[2]);
    w0 = bench_now(), c0 = bench_cpu();
    long got = run(get_part, "batch get", NULL);
    report("batch get (getters)", "get", got, (long)bench_recorded(rec[2]), bench_now() - w0, bench_cpu() - c0);

    if (wrk_dir != NULL) {
        char path[1024];
        static const char *const files[3] = {"batch_write.lua", "scan.lua", "batch_get.lua"};
        for (int k = 0; k < 3; k++) {
            snprintf(path, sizeof path, "%s/%s", wrk_dir, files[k]);
            bench_write_wrk_script(rec[k], path);
        }
    }
    for (int k = 0; k < 3; k++)
        ddb_client_free(clients[k]);
    return 0;
}
