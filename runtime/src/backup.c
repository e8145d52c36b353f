/* backup.c - dump a table to DynamoDB JSON lines (the format of DynamoDB's
 * export to S3) and load such lines back with BatchWriteItem. */
#include "feature_macros.h" /* first: feature-test macros before any system header */

#include "ddb/backup.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "ddb/error.h"
#include "ddb/json.h"
#include "ddb/ops.h"
#include "ddb/retry.h"
#include "model_internal.h"
#include "json_internal.h"

#define DEFAULT_ROUNDS 10u
#define BATCH_MAX 25
#define READ_CHUNK ((size_t)64 << 10)
#define LINE_PREFIX "{\"Item\":"
#define LINE_SUFFIX "}\n"

/* Sleeps before retry `round` (0-based) through the client's policy. */
static void back_off(ddb_client *c, unsigned round)
{
    const ddb_retry_policy *p = ddb_client_retry_policy(c);
    ddb_retry_sleep(p, ddb_retry_delay_ms(p, round));
}

static bool retryable(int rc)
{
    const ddb_error *e = ddb_last_error();
    return ddb_retry_is_retryable(rc, e->http_status, e->aws_type[0] != '\0' ? e->aws_type : NULL);
}

/* ================================================================== */
/* Dump                                                               */
/* ================================================================== */

typedef struct dumper {
    ddb_client *client;
    const char *table;
    ddb_dump_opts opts;
    ddb_write_fn write;
    void *payload;
    pthread_mutex_t lock; /* write calls, stats, first error */
    ddb_dump_stats stats;
    atomic_bool stop;     /* a segment failed: the others end early */
    int rc;               /* first failure */
    ddb_error err;        /* its detail */
} dumper;

/* Records the calling thread's failure `rc` as the dump's, unless one is
 * recorded already, and tells the other segments to stop. */
static void dump_fail(dumper *d, int rc)
{
    pthread_mutex_lock(&d->lock);
    if (d->rc == 0) {
        d->rc = rc;
        d->err = *ddb_last_error();
    }
    pthread_mutex_unlock(&d->lock);
    atomic_store(&d->stop, true);
}

/* Formats `item` as one line into `line` and writes it. */
static int dump_item(dumper *d, ddb_buf *line, const ddb_av *item)
{
    ddb_buf_reset(line);
    int rc = ddb_buf_puts(line, LINE_PREFIX);
    if (rc == 0)
        rc = ddb_item_write_json(line, item);
    if (rc == 0)
        rc = ddb_buf_puts(line, LINE_SUFFIX);
    if (rc != 0) {
        ddb_error_prefix("dump of %s: ", d->table);
        return rc;
    }
    pthread_mutex_lock(&d->lock);
    rc = d->write(d->payload, line->data, line->len);
    if (rc == 0) {
        d->stats.items++;
        d->stats.bytes += line->len;
        if (line->len > d->stats.max_line)
            d->stats.max_line = line->len;
    }
    pthread_mutex_unlock(&d->lock);
    return rc;
}

/* One Scan request, retried while it fails retryably. */
static int scan_page(dumper *d, const ddb_scan_input *in, ddb_read_output *out)
{
    unsigned rounds = d->opts.max_rounds != 0 ? d->opts.max_rounds : DEFAULT_ROUNDS;
    for (unsigned round = 0;; round++) {
        int rc = ddb_scan(out, d->client, in);
        if (rc == 0 || round + 1 >= rounds || !retryable(rc) || atomic_load(&d->stop))
            return rc;
        ddb_read_output_free(out);
        back_off(d->client, round);
    }
}

/* Scans one segment (total 0: the whole table) page by page. */
static int dump_segment(dumper *d, uint32_t index, uint32_t total)
{
    ddb_scan_input in = DDB_SCAN_INPUT_INIT;
    in.table_name = d->table;
    in.limit = d->opts.page_size;
    in.consistent_read = d->opts.consistent_read;
    in.segment = (ddb_scan_segment){index, total};
    in.return_consumed_capacity = DDB_CAPACITY_TOTAL;
    ddb_buf line = DDB_BUF_INIT;
    ddb_av *start = NULL;
    ddb_page_guard guard = DDB_PAGE_GUARD_INIT;
    int rc = 0;
    do {
        in.exclusive_start_key = start;
        ddb_read_output out;
        rc = scan_page(d, &in, &out);
        ddb_av_free(start);
        start = NULL;
        if (rc == 0)
            rc = ddb_page_guard_step(&guard, out.last_evaluated_key);
        if (rc == 0) {
            pthread_mutex_lock(&d->lock);
            d->stats.pages++;
            d->stats.capacity_units += out.consumed.capacity_units;
            pthread_mutex_unlock(&d->lock);
            for (size_t i = 0; rc == 0 && i < out.n_items; i++)
                rc = dump_item(d, &line, out.items[i]);
            start = out.last_evaluated_key; /* taken */
            out.last_evaluated_key = NULL;
        }
        ddb_read_output_free(&out);
    } while (rc == 0 && start != NULL && !atomic_load(&d->stop));
    ddb_av_free(start);
    ddb_page_guard_free(&guard);
    ddb_buf_free(&line);
    return rc;
}

typedef struct segment_job {
    dumper *d;
    uint32_t index;
    pthread_t thread;
} segment_job;

static void *segment_main(void *arg)
{
    segment_job *j = arg;
    int rc = dump_segment(j->d, j->index, j->d->opts.segments);
    if (rc != 0)
        dump_fail(j->d, rc);
    ddb_ops_thread_cleanup();
    return NULL;
}

static int dump_parallel(dumper *d)
{
    uint32_t n = d->opts.segments;
    segment_job *jobs = calloc(n, sizeof *jobs);
    if (jobs == NULL)
        return ddb_error_set(DDB_ENOMEM, "out of memory starting %u scan segments", n);
    uint32_t started = 0;
    for (; started < n; started++) {
        jobs[started].d = d;
        jobs[started].index = started;
        if (pthread_create(&jobs[started].thread, NULL, segment_main, &jobs[started]) != 0) {
            ddb_error_set(DDB_ENOMEM, "cannot start a thread for scan segment %u of %u", started, n);
            dump_fail(d, DDB_ENOMEM);
            break;
        }
    }
    for (uint32_t i = 0; i < started; i++)
        pthread_join(jobs[i].thread, NULL);
    free(jobs);
    if (d->rc != 0)
        ddb_error_restore(&d->err);
    return d->rc;
}

static int check_opts_version(unsigned version, unsigned want, const char *what)
{
    if (version == want)
        return 0;
    return ddb_error_set(DDB_EINVAL, "%s version %u, expected %u", what, version, want);
}

int ddb_table_dump_to(ddb_dump_stats *stats, ddb_client *c, const char *table, const ddb_dump_opts *opts,
                      ddb_write_fn write, void *payload)
{
    static const ddb_dump_opts defaults = DDB_DUMP_OPTS_INIT;
    if (stats != NULL)
        memset(stats, 0, sizeof *stats);
    if (c == NULL || table == NULL || write == NULL)
        return ddb_error_set(DDB_EINVAL, "dump: the client, table and output are required");
    if (opts == NULL)
        opts = &defaults;
    int rc = check_opts_version(opts->version, DDB_DUMP_OPTS_VERSION, "ddb_dump_opts");
    if (rc != 0)
        return rc;
    dumper d;
    memset(&d, 0, sizeof d);
    d.client = c;
    d.table = table;
    d.opts = *opts;
    d.write = write;
    d.payload = payload;
    atomic_init(&d.stop, false);
    pthread_mutex_init(&d.lock, NULL);
    rc = opts->segments > 1 ? dump_parallel(&d) : dump_segment(&d, 0, 0);
    pthread_mutex_destroy(&d.lock);
    if (stats != NULL)
        *stats = d.stats;
    return rc;
}

static int file_write(void *payload, const char *data, size_t len)
{
    if (fwrite(data, 1, len, (FILE *)payload) == len)
        return 0;
    return ddb_error_set(DDB_EIO, "dump: writing the output failed: %s", strerror(errno));
}

int ddb_table_dump(ddb_dump_stats *stats, ddb_client *c, const char *table, FILE *out,
                   const ddb_dump_opts *opts)
{
    if (out == NULL) {
        if (stats != NULL)
            memset(stats, 0, sizeof *stats);
        return ddb_error_set(DDB_EINVAL, "dump: the output stream is NULL");
    }
    int rc = ddb_table_dump_to(stats, c, table, opts, file_write, out);
    if (fflush(out) != 0 && rc == 0)
        rc = ddb_error_set(DDB_EIO, "dump: flushing the output failed: %s", strerror(errno));
    return rc;
}

/* ================================================================== */
/* Load                                                               */
/* ================================================================== */

/* ---- line reader: one line at a time, memory bounded by max_line ---- */

typedef struct line_reader {
    ddb_read_fn read;
    void *payload;
    char *chunk; /* READ_CHUNK bytes read ahead */
    size_t pos, len;
    bool eof;
    ddb_buf line;   /* the current line, without its "\n" (nor "\r") */
    bool too_long;  /* the current line exceeded max_line (its text is cut) */
    size_t line_bytes; /* the current line's real length */
} line_reader;

/* Reads the next line into r->line. Returns 1 (a line), 0 (end of input)
 * or a negative code from the read callback / DDB_ENOMEM. */
static int next_line(line_reader *r, size_t max_line)
{
    ddb_buf_reset(&r->line);
    r->too_long = false;
    r->line_bytes = 0;
    bool any = false;
    for (;;) {
        if (r->pos == r->len) {
            if (r->eof)
                break;
            size_t got = 0;
            int rc = r->read(r->payload, r->chunk, READ_CHUNK, &got);
            if (rc != 0)
                return rc;
            r->pos = 0;
            r->len = got;
            r->eof = got == 0;
            continue;
        }
        any = true;
        const char *p = r->chunk + r->pos;
        size_t avail = r->len - r->pos;
        const char *nl = memchr(p, '\n', avail);
        size_t n = nl != NULL ? (size_t)(nl - p) : avail;
        r->pos += n + (nl != NULL);
        r->line_bytes += n;
        if (!r->too_long && r->line_bytes > max_line) {
            r->too_long = true;
            ddb_buf_reset(&r->line);
        } else if (!r->too_long && ddb_buf_append(&r->line, p, n) != 0) {
            return DDB_ENOMEM;
        }
        if (nl != NULL)
            break;
    }
    if (!any)
        return 0;
    if (r->line.len > 0 && r->line.data[r->line.len - 1] == '\r')
        r->line.data[--r->line.len] = '\0';
    return 1;
}

/* ---- the loader ---- */

/* One item waiting to be written, with the line it came from. */
typedef struct pending {
    ddb_av *item;
    uint64_t line;
} pending;

typedef struct loader {
    ddb_client *client;
    const char *table;
    const char *source;
    ddb_load_opts opts;
    ddb_load_stats stats;
    int rc;          /* first failure */
    ddb_error err;   /* its detail */
    pending batch[BATCH_MAX];
    size_t n;
} loader;

/* Reports line `line` as failed with the current error: prefixes the
 * message with "source:line: ", tells on_error, keeps the first failure.
 * Returns rc. */
static int fail_line(loader *ld, uint64_t line, int rc)
{
    ddb_error_prefix("%s:%llu: ", ld->source, (unsigned long long)line);
    ld->stats.failed++;
    if (ld->rc == 0) {
        ld->rc = rc;
        ld->err = *ddb_last_error();
    }
    if (ld->opts.on_error != NULL) {
        ddb_error now = *ddb_last_error();
        ld->opts.on_error(ld->opts.error_payload, line, &now);
        ddb_error_restore(&now);
    }
    return rc;
}

/* Whether the load must stop now. */
static bool stopped(const loader *ld)
{
    return ld->rc != 0 && !ld->opts.keep_going;
}

/*
 * ---- the batch writer ----
 * write_group() is the only place that talks to BatchWriteItem: it takes
 * up to 25 pending items in line order and returns when each is written or
 * reported failed. It is written against ddb_batch_write_item alone, so a
 * shared batch writer (runtime/src/batch.c) can replace it later without
 * touching the rest of the loader.
 */

/* Keeps in p[0..*left) the items `out` returned unprocessed, frees the
 * others (written). An unprocessed item that matches none of ours is
 * impossible; if it happens every item is kept (puts are idempotent). */
static void keep_unprocessed(loader *ld, pending *p, size_t *left,
                             const ddb_batch_write_item_output *out)
{
    bool keep[BATCH_MAX] = {false};
    for (size_t u = 0; u < out->n_unprocessed; u++) {
        size_t j = 0;
        while (j < *left && (keep[j] || !ddb_av_equal(p[j].item, out->unprocessed[u].item)))
            j++;
        if (j == *left) {
            ld->stats.retried += *left;
            return; /* unknown: resend all */
        }
        keep[j] = true;
    }
    size_t k = 0;
    for (size_t j = 0; j < *left; j++) {
        if (keep[j]) {
            p[k++] = p[j];
        } else {
            ddb_av_free(p[j].item);
            ld->stats.items++;
        }
    }
    *left = k;
    ld->stats.retried += k;
}

static void fail_all(loader *ld, pending *p, size_t n, int rc)
{
    ddb_error saved = *ddb_last_error();
    for (size_t i = 0; i < n; i++) {
        ddb_error_restore(&saved);
        if (!stopped(ld))
            fail_line(ld, p[i].line, rc);
        ddb_av_free(p[i].item);
        p[i].item = NULL;
    }
}

static void write_group(loader *ld, pending *p, size_t n);

/* Sends the items one by one, to pin a rejected group's failure. */
static void write_singly(loader *ld, pending *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (stopped(ld)) {
            ddb_av_free(p[i].item);
            p[i].item = NULL;
            continue;
        }
        write_group(ld, &p[i], 1);
    }
}

static void write_group(loader *ld, pending *p, size_t n)
{
    unsigned rounds = ld->opts.max_rounds != 0 ? ld->opts.max_rounds : DEFAULT_ROUNDS;
    size_t left = n;
    for (unsigned round = 0; left > 0; round++) {
        if (round > 0)
            back_off(ld->client, round - 1);
        ddb_write_request req[BATCH_MAX];
        for (size_t i = 0; i < left; i++)
            req[i] = (ddb_write_request){ld->table, DDB_WRITE_PUT, p[i].item, NULL};
        ddb_batch_write_item_input in = DDB_BATCH_WRITE_ITEM_INPUT_INIT;
        in.requests = req;
        in.n_requests = left;
        in.return_consumed_capacity = DDB_CAPACITY_TOTAL;
        ddb_batch_write_item_output out;
        int rc = ddb_batch_write_item(&out, ld->client, &in);
        ld->stats.requests++;
        if (rc == 0) {
            for (size_t i = 0; i < out.n_consumed; i++)
                ld->stats.capacity_units += out.consumed[i].capacity_units;
            keep_unprocessed(ld, p, &left, &out);
        } else if (retryable(rc) && round + 1 < rounds) {
            ld->stats.retried += left;
        } else if (!retryable(rc) && left > 1) {
            ddb_batch_write_item_output_free(&out);
            write_singly(ld, p, left);
            return;
        } else {
            fail_all(ld, p, left, rc);
            left = 0;
        }
        ddb_batch_write_item_output_free(&out);
        if (left > 0 && round + 1 >= rounds) {
            ddb_error_set(DDB_ETHROTTLED, "BatchWriteItem on %s: still unprocessed after %u requests",
                          ld->table, rounds);
            fail_all(ld, p, left, DDB_ETHROTTLED);
            return;
        }
    }
}

/* Writes what is pending. */
static void flush(loader *ld)
{
    if (ld->n != 0)
        write_group(ld, ld->batch, ld->n);
    ld->n = 0;
}

/* Parses one line into a pending item; DDB_EPROTOCOL (recorded) if it is
 * not exactly {"Item":{...}}. */
static int parse_line(const char *text, size_t len, ddb_av **item)
{
    static const char *const paths[] = {"Item", NULL};
    ddb_jdoc *doc = NULL;
    int rc = ddb_jdoc_parse(text, len, paths, &doc);
    if (rc != 0)
        return rc;
    ddb_jnode *root = ddb_jdoc_root(doc);
    ddb_jnode *it = ddb_jnode_get(root, "Item");
    if (ddb_jnode_type(root) != DDB_J_OBJECT)
        rc = ddb_error_set(DDB_EPROTOCOL, "expected an object {\"Item\":{...}}");
    else if (ddb_jnode_len(root) != 1 || ddb_jnode_type(it) != DDB_J_ITEM)
        rc = ddb_error_set(DDB_EPROTOCOL, "expected exactly one member, \"Item\"");
    else if ((*item = ddb_jnode_take_item(it)) == NULL || ddb_av_len(*item) == 0)
        rc = ddb_error_set(DDB_EPROTOCOL, "the item has no attributes");
    if (rc != 0) {
        ddb_av_free(*item);
        *item = NULL;
    }
    ddb_jdoc_free(doc);
    return rc;
}

static bool blank(const ddb_buf *b)
{
    for (size_t i = 0; i < b->len; i++) {
        char ch = b->data[i];
        if (ch != ' ' && ch != '\t' && ch != '\r')
            return false;
    }
    return true;
}

/* Takes one line: queues its item, or reports it. Flushes every 25. */
static void take_line(loader *ld, const line_reader *r, uint64_t line, size_t max_line)
{
    if (r->too_long || blank(&r->line)) {
        if (!r->too_long)
            return;
        flush(ld); /* earlier lines first, so "stopped at line N" holds */
        if (stopped(ld))
            return;
        ddb_error_set(DDB_ELIMIT, "line of %zu bytes or more is longer than the limit of %zu bytes",
                      r->line_bytes, max_line);
        fail_line(ld, line, DDB_ELIMIT);
        return;
    }
    ddb_av *item = NULL;
    int rc = parse_line(r->line.data, r->line.len, &item);
    if (rc != 0) {
        ddb_error saved = *ddb_last_error();
        flush(ld);
        if (stopped(ld))
            return;
        ddb_error_restore(&saved);
        fail_line(ld, line, rc);
        return;
    }
    ld->batch[ld->n++] = (pending){item, line};
    if (ld->n == BATCH_MAX)
        flush(ld);
}

int ddb_table_load_from(ddb_load_stats *stats, ddb_client *c, const char *table, const ddb_load_opts *opts,
                        ddb_read_fn read, void *payload)
{
    static const ddb_load_opts defaults = DDB_LOAD_OPTS_INIT;
    if (stats != NULL)
        memset(stats, 0, sizeof *stats);
    if (c == NULL || table == NULL || read == NULL)
        return ddb_error_set(DDB_EINVAL, "load: the client, table and input are required");
    if (opts == NULL)
        opts = &defaults;
    int rc = check_opts_version(opts->version, DDB_LOAD_OPTS_VERSION, "ddb_load_opts");
    if (rc != 0)
        return rc;
    loader *ld = calloc(1, sizeof *ld);
    line_reader r = {read, payload, malloc(READ_CHUNK), 0, 0, false, DDB_BUF_INIT, false, 0};
    if (ld == NULL || r.chunk == NULL) {
        free(ld);
        free(r.chunk);
        return ddb_error_set(DDB_ENOMEM, "out of memory starting a load");
    }
    ld->client = c;
    ld->table = table;
    ld->source = opts->source != NULL ? opts->source : "<input>";
    ld->opts = *opts;
    size_t max_line = opts->max_line != 0 ? opts->max_line : DDB_LOAD_MAX_LINE;
    uint64_t line = 0;
    while (!stopped(ld)) {
        rc = next_line(&r, max_line);
        if (rc <= 0)
            break;
        ld->stats.lines = ++line;
        take_line(ld, &r, line, max_line);
    }
    if (rc < 0) { /* the input failed: what was read is still written */
        ddb_error_prefix("%s:%llu: ", ld->source, (unsigned long long)line + 1);
        ddb_error saved = *ddb_last_error();
        flush(ld);
        if (ld->rc == 0) {
            ld->rc = rc;
            ld->err = saved;
        }
    } else {
        flush(ld);
    }
    for (size_t i = 0; i < ld->n; i++) /* left when stopped early */
        ddb_av_free(ld->batch[i].item);
    rc = ld->rc;
    if (rc != 0)
        ddb_error_restore(&ld->err);
    if (stats != NULL)
        *stats = ld->stats;
    ddb_buf_free(&r.line);
    free(r.chunk);
    free(ld);
    return rc;
}

static int file_read(void *payload, char *buf, size_t cap, size_t *got)
{
    FILE *in = payload;
    *got = fread(buf, 1, cap, in);
    if (*got == 0 && ferror(in))
        return ddb_error_set(DDB_EIO, "reading the input failed: %s", strerror(errno));
    return 0;
}

int ddb_table_load(ddb_load_stats *stats, ddb_client *c, const char *table, FILE *in,
                   const ddb_load_opts *opts)
{
    if (in == NULL) {
        if (stats != NULL)
            memset(stats, 0, sizeof *stats);
        return ddb_error_set(DDB_EINVAL, "load: the input stream is NULL");
    }
    return ddb_table_load_from(stats, c, table, opts, file_read, in);
}

int ddb_model_dump(ddb_dump_stats *stats, const ddb_model *m, FILE *out, const ddb_dump_opts *opts)
{
    ddb_client *c = ddb_model_client_for(m, DDB_OPTS_CLIENT(opts));
    return c != NULL ? ddb_table_dump(stats, c, m->table, out, opts) : ddb_last_error()->code;
}

int ddb_model_load(ddb_load_stats *stats, const ddb_model *m, FILE *in, const ddb_load_opts *opts)
{
    ddb_client *c = ddb_model_client_for(m, DDB_OPTS_CLIENT(opts));
    return c != NULL ? ddb_table_load(stats, c, m->table, in, opts) : ddb_last_error()->code;
}
