/*
 * cmd_backup.c - `ddb dump`, `ddb load` and `ddb copy`, on ddb/backup.h.
 *
 * dump: ddb_table_dump_to into a file written under a temporary name and
 * renamed when complete (or standard output). load: ddb_table_load_from a
 * file or standard input, each failed line reported. copy: two clients;
 * a thread dumps the source into an in-memory pipe that the loader reads,
 * so the copy gets the loader's batching, retries of unprocessed items
 * and per-item failure reports, with memory bounded by the pipe.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ddb/backup.h"
#include "ddb/error.h"
#include "ddb_cli.h"

/* ------------------------------------------------------------ dump */

typedef struct dump_sink {
    FILE *f;
    const char *name;
    uint64_t items;
    cli_progress *progress;
} dump_sink;

/* One complete line (calls are serialised by the dump, also in parallel). */
static int dump_write(void *payload, const char *data, size_t len)
{
    dump_sink *s = payload;
    int rc = cli_write(s->f, data, len, s->name);
    if (rc == 0)
        cli_progress_update(s->progress, ++s->items, NULL, -1);
    return rc;
}

/* Opens PATH.tmp-XXXXXX next to PATH with the mode a new PATH would get. */
static FILE *open_temporary(char **tmp, const char *path)
{
    size_t n = strlen(path) + sizeof ".tmp-XXXXXX";
    if ((*tmp = malloc(n)) == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    snprintf(*tmp, n, "%s.tmp-XXXXXX", path);
    int fd = mkstemp(*tmp);
    if (fd < 0) {
        free(*tmp);
        *tmp = NULL;
        return NULL;
    }
    mode_t mask = umask(0);
    umask(mask);
    FILE *f = NULL;
    if (fchmod(fd, 0666 & ~mask) != 0 || (f = fdopen(fd, "w")) == NULL) {
        int err = errno;
        close(fd);
        unlink(*tmp);
        free(*tmp);
        *tmp = NULL;
        errno = err;
    }
    return f;
}

int cmd_dump(const cli_opts *o)
{
    const char *table = o->args[0];
    const char *path = o->n_args > 1 && strcmp(o->args[1], "-") != 0 ? o->args[1] : NULL;
    ddb_client *c = NULL;
    if (cli_client_new(&c, o, NULL) != 0)
        return cli_fail();
    char *tmp = NULL;
    FILE *f = path != NULL ? open_temporary(&tmp, path) : stdout;
    if (f == NULL) {
        int rc = cli_failf("cannot create a file next to %s: %s", path, strerror(errno));
        ddb_client_free(c);
        return rc;
    }
    cli_progress progress;
    bool show = cli_progress_wanted(o, path == NULL);
    cli_progress_start(&progress, show, show ? cli_estimated_items(c, table) : -1, "dump %s", table);
    dump_sink sink = {f, path != NULL ? path : "standard output", 0, &progress};
    ddb_dump_opts d = DDB_DUMP_OPTS_INIT;
    d.page_size = o->page_size;
    d.segments = o->segments;
    d.consistent_read = o->consistent;
    ddb_dump_stats st;
    int rc = ddb_table_dump_to(&st, c, table, &d, dump_write, &sink);
    cli_progress_end(&progress);
    if (rc == 0 && fflush(f) != 0)
        rc = ddb_error_set(DDB_EIO, "writing %s: %s", sink.name, strerror(errno));
    if (path != NULL) {
        if (fclose(f) != 0 && rc == 0)
            rc = ddb_error_set(DDB_EIO, "writing %s: %s", path, strerror(errno));
        if (rc == 0 && rename(tmp, path) != 0)
            rc = ddb_error_set(DDB_EIO, "renaming %s to %s: %s", tmp, path, strerror(errno));
        if (rc != 0)
            unlink(tmp);
        free(tmp);
    }
    ddb_client_free(c);
    if (rc != 0)
        return cli_fail();
    if (show)
        cli_note(o, "dumped %llu items of %s (%llu pages, %llu bytes)", (unsigned long long)st.items, table,
                 (unsigned long long)st.pages, (unsigned long long)st.bytes);
    return CLI_OK;
}

/* ------------------------------------------------------------ load */

typedef struct load_source {
    FILE *f;
    const char *name;
    uint64_t lines, bytes;
    int64_t size;        /* bytes to read; -1: unknown (a pipe) */
    cli_progress *progress;
} load_source;

static int load_read(void *payload, char *buf, size_t cap, size_t *got)
{
    load_source *s = payload;
    size_t n = fread(buf, 1, cap, s->f);
    if (n == 0 && ferror(s->f))
        return ddb_error_set(DDB_EIO, "reading %s: %s", s->name, strerror(errno));
    for (const char *p = buf; (p = memchr(p, '\n', (size_t)(buf + n - p))) != NULL; p++)
        s->lines++;
    s->bytes += n;
    cli_progress_update(s->progress, s->lines, NULL, s->size > 0 ? (double)s->bytes / (double)s->size : -1);
    *got = n;
    return 0;
}

typedef struct load_report {
    uint64_t printed;
} load_report;

static void load_error(void *payload, uint64_t line, const ddb_error *err)
{
    load_report *r = payload;
    (void)line;
    char text[DDB_ERR_MESSAGE_MAX + 512];
    ddb_error_format(text, sizeof text, err);
    cli_failf("%s", text);
    r->printed++;
}

/* After a failed load: the summary, once every failed line was printed. */
static int load_failed(const cli_opts *o, const char *table, const ddb_load_stats *st, const load_report *r)
{
    if (r->printed == 0)
        return cli_fail();
    if (o->keep_going)
        return cli_failf("%llu line%s not loaded into %s (%llu items loaded)", (unsigned long long)st->failed,
                         st->failed == 1 ? "" : "s", table, (unsigned long long)st->items);
    return cli_failf("stopped at the first line that failed (%llu items loaded into %s; --keep-going "
                     "reports failed lines and goes on)",
                     (unsigned long long)st->items, table);
}

int cmd_load(const cli_opts *o)
{
    const char *table = o->args[0];
    const char *path = o->n_args > 1 && strcmp(o->args[1], "-") != 0 ? o->args[1] : NULL;
    FILE *f = path != NULL ? fopen(path, "rb") : stdin;
    if (f == NULL)
        return cli_failf("cannot open %s: %s", path, strerror(errno));
    ddb_client *c = NULL;
    if (cli_client_new(&c, o, NULL) != 0) {
        if (path != NULL)
            fclose(f);
        return cli_fail();
    }
    struct stat sb;
    int64_t size = fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) ? (int64_t)sb.st_size : -1;
    cli_progress progress;
    bool show = cli_progress_wanted(o, false);
    cli_progress_start(&progress, show, -1, "load %s", table);
    load_source src = {f, path != NULL ? path : "standard input", 0, 0, size, &progress};
    load_report report = {0};
    ddb_load_opts lo = DDB_LOAD_OPTS_INIT;
    lo.source = path != NULL ? path : "<stdin>";
    lo.keep_going = o->keep_going;
    lo.on_error = load_error;
    lo.error_payload = &report;
    ddb_load_stats st;
    int rc = ddb_table_load_from(&st, c, table, &lo, load_read, &src);
    cli_progress_end(&progress);
    if (path != NULL)
        fclose(f);
    ddb_client_free(c);
    if (rc != 0)
        return load_failed(o, table, &st, &report);
    if (show)
        cli_note(o, "loaded %llu items into %s (%llu requests)", (unsigned long long)st.items, table,
                 (unsigned long long)st.requests);
    return CLI_OK;
}

/* ------------------------------------------------------------ copy */

/* A bounded byte pipe between the dumping thread and the loader. */
typedef struct ring {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    char *buf;
    size_t cap, head, len;
    bool writer_done, reader_done;
    uint64_t lines;         /* complete lines handed to the loader */
    cli_progress *progress; /* updated by the reader */
} ring;

#define RING_CAP ((size_t)1 << 20)

static int ring_write(void *payload, const char *data, size_t len)
{
    ring *r = payload;
    pthread_mutex_lock(&r->lock);
    while (len > 0) {
        while (r->len == r->cap && !r->reader_done)
            pthread_cond_wait(&r->cond, &r->lock);
        if (r->reader_done) {
            pthread_mutex_unlock(&r->lock);
            return ddb_error_set(DDB_EIO, "the copy stopped: the destination failed");
        }
        size_t tail = (r->head + r->len) % r->cap;
        size_t n = r->cap - r->len;
        if (n > r->cap - tail)
            n = r->cap - tail;
        if (n > len)
            n = len;
        memcpy(r->buf + tail, data, n);
        r->len += n;
        data += n;
        len -= n;
        pthread_cond_broadcast(&r->cond);
    }
    pthread_mutex_unlock(&r->lock);
    return 0;
}

static int ring_read(void *payload, char *buf, size_t cap, size_t *got)
{
    ring *r = payload;
    pthread_mutex_lock(&r->lock);
    while (r->len == 0 && !r->writer_done)
        pthread_cond_wait(&r->cond, &r->lock);
    size_t n = r->len;
    if (n > cap)
        n = cap;
    if (n > r->cap - r->head)
        n = r->cap - r->head;
    memcpy(buf, r->buf + r->head, n);
    r->head = (r->head + n) % r->cap;
    r->len -= n;
    pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->lock);
    for (const char *p = buf; (p = memchr(p, '\n', (size_t)(buf + n - p))) != NULL; p++)
        r->lines++;
    cli_progress_update(r->progress, r->lines, NULL, -1);
    *got = n;
    return 0;
}

typedef struct producer {
    ring *r;
    ddb_client *c;
    const char *table;
    ddb_dump_opts opts;
    int rc;
    ddb_error err;
    ddb_dump_stats stats;
} producer;

static void *produce(void *arg)
{
    producer *p = arg;
    p->rc = ddb_table_dump_to(&p->stats, p->c, p->table, &p->opts, ring_write, p->r);
    if (p->rc != 0)
        p->err = *ddb_last_error();
    pthread_mutex_lock(&p->r->lock);
    p->r->writer_done = true;
    pthread_cond_broadcast(&p->r->cond);
    pthread_mutex_unlock(&p->r->lock);
    ddb_ops_thread_cleanup();
    return NULL;
}

/* Creates `name` through `dst` like the table `d` describes (keys,
 * indexes, billing, stream) and waits until it is ACTIVE. */
static int create_like(ddb_client *dst, const char *name, const ddb_table_description *d)
{
    size_t n_ix = d->n_global_indexes + d->n_local_indexes;
    ddb_secondary_index *ix = calloc(n_ix + 1, sizeof *ix);
    if (ix == NULL)
        return ddb_error_set(DDB_ENOMEM, "out of memory");
    bool provisioned = d->billing_mode != DDB_BILLING_MODE_PAY_PER_REQUEST;
    for (size_t i = 0; i < n_ix; i++) {
        bool global = i < d->n_global_indexes;
        const ddb_index_description *s = global ? &d->global_indexes[i] : &d->local_indexes[i - d->n_global_indexes];
        ix[i].name = s->name;
        ix[i].key = s->key;
        ix[i].projection = s->projection;
        if (global && provisioned)
            ix[i].throughput = s->throughput;
    }
    ddb_create_table_input in = DDB_CREATE_TABLE_INPUT_INIT;
    in.table_name = name;
    in.attribute_definitions = d->attribute_definitions;
    in.n_attribute_definitions = d->n_attribute_definitions;
    in.key_schema = d->key_schema;
    in.billing_mode = provisioned ? DDB_BILLING_MODE_PROVISIONED : DDB_BILLING_MODE_PAY_PER_REQUEST;
    if (provisioned)
        in.throughput = d->throughput;
    in.global_indexes = ix;
    in.n_global_indexes = d->n_global_indexes;
    in.local_indexes = ix + d->n_global_indexes;
    in.n_local_indexes = d->n_local_indexes;
    if (d->stream != DDB_STREAM_UNSET && d->stream != DDB_STREAM_DISABLED)
        in.stream = d->stream;
    ddb_table_output out;
    int rc = ddb_create_table(&out, dst, &in);
    ddb_table_output_free(&out);
    free(ix);
    if (rc == 0)
        rc = ddb_wait_table_active(dst, name, 300000);
    return rc;
}

/* --create-table: the destination like the source, when it is missing. */
static int ensure_destination(const cli_opts *o, ddb_client *src, ddb_client *dst)
{
    ddb_table_name_input in = DDB_TABLE_NAME_INPUT_INIT;
    in.table_name = o->args[1];
    ddb_table_output out;
    int rc = ddb_describe_table(&out, dst, &in);
    ddb_table_output_free(&out);
    if (rc == 0)
        return 0; /* it exists */
    if (rc != DDB_ERESOURCE)
        return cli_fail_ctx("the destination");
    in.table_name = o->args[0];
    if (ddb_describe_table(&out, src, &in) != 0) {
        ddb_table_output_free(&out);
        return cli_fail_ctx("the source");
    }
    rc = create_like(dst, o->args[1], &out.table);
    ddb_table_output_free(&out);
    if (rc != 0)
        return cli_fail_ctx("creating the destination");
    cli_note(o, "created table %s like %s", o->args[1], o->args[0]);
    return 0;
}

static bool same_str(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Runs the copy once both clients exist. */
static int copy_items(const cli_opts *o, ddb_client *src, ddb_client *dst)
{
    const char *from = o->args[0], *to = o->args[1];
    cli_progress progress;
    bool show = cli_progress_wanted(o, false);
    cli_progress_start(&progress, show, show ? cli_estimated_items(src, from) : -1, "copy %s -> %s", from, to);
    ring r = {.cap = RING_CAP, .progress = &progress};
    if ((r.buf = malloc(r.cap)) == NULL)
        return cli_failf("out of memory");
    pthread_mutex_init(&r.lock, NULL);
    pthread_cond_init(&r.cond, NULL);
    producer p = {.r = &r, .c = src, .table = from, .opts = DDB_DUMP_OPTS_INIT};
    p.opts.page_size = o->page_size;
    p.opts.segments = o->segments;
    p.opts.consistent_read = o->consistent;
    pthread_t thread;
    int rc = CLI_OK;
    if (pthread_create(&thread, NULL, produce, &p) != 0) {
        rc = cli_failf("cannot start the thread that reads %s", from);
    } else {
        char source[300];
        snprintf(source, sizeof source, "%s item", from); /* messages: "<src> item:N: ..." */
        load_report report = {0};
        ddb_load_opts lo = DDB_LOAD_OPTS_INIT;
        lo.source = source;
        lo.keep_going = o->keep_going;
        lo.on_error = load_error;
        lo.error_payload = &report;
        ddb_load_stats st;
        int lrc = ddb_table_load_from(&st, dst, to, &lo, ring_read, &r);
        pthread_mutex_lock(&r.lock);
        r.reader_done = true; /* a dump still writing stops */
        pthread_cond_broadcast(&r.cond);
        pthread_mutex_unlock(&r.lock);
        pthread_join(thread, NULL);
        cli_progress_end(&progress);
        if (lrc != 0) {
            rc = load_failed(o, to, &st, &report);
        } else if (p.rc != 0) {
            ddb_error_restore(&p.err);
            char what[300];
            snprintf(what, sizeof what, "reading %s (%llu items copied before)", from, (unsigned long long)st.items);
            rc = cli_fail_ctx(what);
        } else if (show) {
            cli_note(o, "copied %llu items from %s to %s", (unsigned long long)st.items, from, to);
        }
    }
    pthread_cond_destroy(&r.cond);
    pthread_mutex_destroy(&r.lock);
    free(r.buf);
    return rc;
}

int cmd_copy(const cli_opts *o)
{
    ddb_client *src = NULL, *dst = NULL;
    if (cli_client_new(&src, o, &o->from) != 0)
        return cli_fail_ctx("the source's client");
    if (cli_client_new(&dst, o, &o->to) != 0) {
        ddb_client_free(src);
        return cli_fail_ctx("the destination's client");
    }
    const char *from_profile = o->from.profile != NULL ? o->from.profile : o->target.profile;
    const char *to_profile = o->to.profile != NULL ? o->to.profile : o->target.profile;
    int rc = CLI_OK;
    if (strcmp(o->args[0], o->args[1]) == 0 && same_str(from_profile, to_profile) &&
        strcmp(ddb_client_endpoint(src), ddb_client_endpoint(dst)) == 0 &&
        strcmp(ddb_client_region(src), ddb_client_region(dst)) == 0)
        rc = cli_usage(o, "the source and the destination are the same table (%s in %s at %s)", o->args[0],
                       ddb_client_region(src), ddb_client_endpoint(src));
    if (rc == CLI_OK && o->create_table)
        rc = ensure_destination(o, src, dst);
    if (rc == CLI_OK)
        rc = copy_items(o, src, dst);
    ddb_client_free(src);
    ddb_client_free(dst);
    return rc;
}
