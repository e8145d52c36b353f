/*
 * cmd_read.c - `ddb query`, `ddb scan` and `ddb count`.
 *
 * Every page is requested with the same KeyConditionExpression,
 * FilterExpression, ProjectionExpression, names, values, Limit and
 * segment as the first, plus the previous page's LastEvaluatedKey, so the
 * filter and the projection hold for the whole result. Items are written
 * as they arrive, one JSON line each. A parallel scan (--segments N) runs
 * one thread per segment; they share one lock for the output, the counts,
 * --limit and the first error (which the main thread prints).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ddb/error.h"
#include "ddb_cli.h"

typedef struct read_job {
    const cli_opts *o;
    ddb_client *c;
    const char *table;
    bool query;
    bool count_only;   /* Select COUNT: counts, no items */
    const ddb_av *names;
    const ddb_av *values;
    uint32_t page_limit;
    uint32_t segments; /* > 1: parallel scan */
    pthread_mutex_t lock;
    /* under the lock */
    uint64_t items;    /* written, or counted */
    uint64_t scanned;  /* evaluated by DynamoDB */
    bool stop;         /* --limit reached, or a failure */
    int rc;            /* the first failure */
    ddb_error err;
    cli_progress progress;
} read_job;

typedef struct read_worker {
    read_job *job;
    uint32_t segment;
} read_worker;

static int send_page(ddb_read_output *page, const read_job *j, uint32_t segment, const ddb_av *start)
{
    const cli_opts *o = j->o;
    ddb_select select = j->count_only ? DDB_SELECT_COUNT : DDB_SELECT_DEFAULT;
    if (j->query) {
        ddb_query_input in = DDB_QUERY_INPUT_INIT;
        in.table_name = j->table;
        in.index_name = o->index;
        in.key_condition_expression = o->key_condition;
        in.filter_expression = o->filter;
        in.projection_expression = o->projection;
        in.names = j->names;
        in.values = j->values;
        in.select = select;
        in.limit = j->page_limit;
        in.consistent_read = o->consistent;
        in.descending = o->descending;
        in.exclusive_start_key = start;
        return ddb_query(page, j->c, &in);
    }
    ddb_scan_input in = DDB_SCAN_INPUT_INIT;
    in.table_name = j->table;
    in.index_name = o->index;
    in.filter_expression = o->filter;
    in.projection_expression = o->projection;
    in.names = j->names;
    in.values = j->values;
    in.select = select;
    in.limit = j->page_limit;
    in.consistent_read = o->consistent;
    in.exclusive_start_key = start;
    if (j->segments > 1)
        in.segment = (ddb_scan_segment){segment, j->segments};
    return ddb_scan(page, j->c, &in);
}

/* Records this thread's failure as the job's unless one came first (the
 * lock is held). */
static void fail_locked(read_job *j, int rc)
{
    if (j->rc == 0) {
        j->rc = rc;
        j->err = *ddb_last_error();
    }
    j->stop = true;
}

/* Writes (or counts) one page's items under the lock. */
static void take_page(read_job *j, const ddb_read_output *page, ddb_buf *line)
{
    pthread_mutex_lock(&j->lock);
    j->scanned += (uint64_t)(page->scanned_count > 0 ? page->scanned_count : 0);
    if (j->count_only)
        j->items += (uint64_t)(page->count > 0 ? page->count : 0);
    for (size_t i = 0; !j->count_only && !j->stop && i < page->n_items; i++) {
        ddb_buf_reset(line);
        int rc = cli_item_line(line, page->items[i], j->o->ddb_json);
        if (rc == 0)
            rc = cli_write(stdout, line->data, line->len, "standard output");
        if (rc != 0) {
            fail_locked(j, rc);
            break;
        }
        if (++j->items == j->o->limit)
            j->stop = true;
    }
    char extra[64] = "";
    if (j->count_only || j->o->filter != NULL)
        snprintf(extra, sizeof extra, "(%llu scanned)", (unsigned long long)j->scanned);
    /* the total is the table's item count: compare what was evaluated */
    double fraction = j->progress.total > 0 ? (double)j->scanned / (double)j->progress.total : -1;
    cli_progress_update(&j->progress, j->items, extra[0] != '\0' ? extra : NULL, j->query ? -1 : fraction);
    pthread_mutex_unlock(&j->lock);
}

static void *read_segment(void *arg)
{
    read_worker *w = arg;
    read_job *j = w->job;
    ddb_av *start = NULL;
    ddb_buf line = DDB_BUF_INIT;
    for (;;) {
        pthread_mutex_lock(&j->lock);
        bool stop = j->stop;
        pthread_mutex_unlock(&j->lock);
        if (stop)
            break;
        ddb_read_output page;
        int rc = send_page(&page, j, w->segment, start);
        ddb_av_free(start);
        start = NULL;
        if (rc != 0) {
            pthread_mutex_lock(&j->lock);
            fail_locked(j, rc);
            pthread_mutex_unlock(&j->lock);
            ddb_read_output_free(&page);
            break;
        }
        take_page(j, &page, &line);
        start = page.last_evaluated_key; /* taken: the next page starts there */
        page.last_evaluated_key = NULL;
        ddb_read_output_free(&page);
        if (start == NULL)
            break;
    }
    ddb_av_free(start);
    ddb_buf_free(&line);
    if (w->segment != 0 || j->segments > 1)
        ddb_ops_thread_cleanup();
    return NULL;
}

/* Runs the job: one segment on this thread, or one thread per segment. */
static int run_job(read_job *j)
{
    uint32_t n = j->segments > 1 ? j->segments : 1;
    if (n == 1) {
        read_worker w = {j, 0};
        read_segment(&w);
        return j->rc;
    }
    read_worker *workers = calloc(n, sizeof *workers);
    pthread_t *threads = calloc(n, sizeof *threads);
    if (workers == NULL || threads == NULL) {
        free(workers);
        free(threads);
        return ddb_error_set(DDB_ENOMEM, "out of memory");
    }
    uint32_t started = 0;
    for (; started < n; started++) {
        workers[started] = (read_worker){j, started};
        if (pthread_create(&threads[started], NULL, read_segment, &workers[started]) != 0) {
            pthread_mutex_lock(&j->lock);
            fail_locked(j, ddb_error_set(DDB_ENOMEM, "cannot start the thread of segment %u", started));
            pthread_mutex_unlock(&j->lock);
            break;
        }
    }
    for (uint32_t i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    free(workers);
    free(threads);
    return j->rc;
}

/* Approximate counts: DescribeTable's ItemCount of the table or index. */
static int approximate_count(const cli_opts *o, ddb_client *c)
{
    ddb_table_name_input in = DDB_TABLE_NAME_INPUT_INIT;
    in.table_name = o->args[0];
    ddb_table_output out;
    int rc = ddb_describe_table(&out, c, &in);
    int64_t n = out.table.item_count;
    const ddb_index_description *ix = NULL;
    for (size_t i = 0; rc == 0 && o->index != NULL && ix == NULL && i < out.table.n_global_indexes; i++) {
        if (strcmp(out.table.global_indexes[i].name, o->index) == 0)
            ix = &out.table.global_indexes[i];
    }
    for (size_t i = 0; rc == 0 && o->index != NULL && ix == NULL && i < out.table.n_local_indexes; i++) {
        if (strcmp(out.table.local_indexes[i].name, o->index) == 0)
            ix = &out.table.local_indexes[i];
    }
    bool reported = ix == NULL || ix->has_item_count;
    if (ix != NULL)
        n = ix->item_count;
    ddb_table_output_free(&out);
    if (rc != 0)
        return cli_fail();
    if (o->index != NULL && ix == NULL)
        return cli_failf("table %s has no index %s", o->args[0], o->index);
    if (!reported) /* never a made-up 0 */
        return cli_failf("DescribeTable of %s reported no ItemCount for index %s", o->args[0], o->index);
    printf("%lld\n", (long long)n);
    return CLI_OK;
}

static int run_read(const cli_opts *o, bool query, bool count_only)
{
    if (query && o->key_condition == NULL)
        return cli_usage(o, "query needs --key-condition EXPR");
    if (o->approximate && (o->filter != NULL || o->key_condition != NULL || o->names != NULL ||
                           o->values != NULL || o->segments != 0 || o->page_size != 0 || o->consistent))
        return cli_usage(o, "--approximate reads DescribeTable's ItemCount: it takes no expression, "
                            "--segments, --page-size or --consistent");
    if (query && o->segments > 1)
        return cli_usage(o, "--segments applies to scans only");
    read_job j;
    memset(&j, 0, sizeof j);
    j.o = o;
    j.table = o->args[0];
    j.query = query;
    j.count_only = count_only;
    j.segments = o->segments;
    j.page_limit = o->page_size;
    if (j.page_limit == 0 && o->limit != 0 && o->filter == NULL)
        j.page_limit = o->limit < UINT32_MAX ? (uint32_t)o->limit : UINT32_MAX; /* no 1 MB page for 3 items */
    ddb_av *names = NULL, *values = NULL;
    int rc = cli_arg_names(&names, o);
    if (rc == 0)
        rc = cli_arg_values(&values, o);
    if (rc == 0 && cli_client_new(&j.c, o, NULL) != 0)
        rc = cli_fail();
    if (rc == 0 && o->approximate) {
        rc = approximate_count(o, j.c);
    } else if (rc == 0) {
        j.names = names;
        j.values = values;
        pthread_mutex_init(&j.lock, NULL);
        bool progress = cli_progress_wanted(o, !count_only);
        int64_t total = progress && !query ? cli_estimated_items(j.c, j.table) : -1;
        cli_progress_start(&j.progress, progress, total, "%s %s", count_only ? "count" : query ? "query" : "scan",
                           j.table);
        int jrc = run_job(&j);
        cli_progress_end(&j.progress);
        pthread_mutex_destroy(&j.lock);
        if (jrc != 0) {
            ddb_error_restore(&j.err);
            rc = cli_fail();
        } else if (count_only) {
            printf("%llu\n", (unsigned long long)j.items);
        }
    }
    ddb_av_free(names);
    ddb_av_free(values);
    ddb_client_free(j.c);
    return rc;
}

int cmd_query(const cli_opts *o)
{
    return run_read(o, true, false);
}

int cmd_scan(const cli_opts *o)
{
    return run_read(o, false, false);
}

int cmd_count(const cli_opts *o)
{
    return run_read(o, o->key_condition != NULL, true);
}
