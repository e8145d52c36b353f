/*
 * test_backup.c - dump and load without a network: a fake DynamoDB that
 * serves Scan pages of a synthetic table and stores BatchWriteItem puts,
 * with scripted unprocessed items, throttling and rejected batches. Checks
 * the export format, pagination, parallel segments, retries with back-off,
 * failures pinned to file:line, and that memory stays flat in the table
 * size (libddb's live heap counted through --wrap).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "extras_test.h"
#include "json_internal.h"

/* ------------------------------------------------------------ fake DynamoDB */

typedef struct fake_db {
    /* Scan: items 0..n_items-1 of a synthetic table */
    size_t n_items;
    size_t pad;             /* bytes of the "v" attribute */
    unsigned scan_fail;     /* the first scan_fail Scan requests get HTTP 500 */
    /* BatchWriteItem */
    ddb_av **stored;        /* items put, replaced by key (pk) */
    size_t n_stored, cap_stored;
    unsigned unprocessed;   /* the next `unprocessed` batches leave their last 3 items */
    unsigned throttle;      /* the next `throttle` batches get ThrottlingException */
    unsigned batches;       /* BatchWriteItem requests received */
    size_t max_batch;       /* most items in one request */
} fake_db;

static char *synthetic_item(const fake_db *db, size_t i)
{
    ddb_buf b = DDB_BUF_INIT;
    ddb_buf_printf(&b, "{\"pk\":{\"S\":\"k%05zu\"},\"sk\":{\"N\":\"%zu\"},\"v\":{\"S\":\"", i, i);
    for (size_t k = 0; k < db->pad; k++)
        ddb_buf_putc(&b, (char)('a' + (i + k) % 26));
    ddb_buf_puts(&b, "\"},\"n\":{\"L\":[{\"N\":\"1.50\"},{\"B\":\"AAEC\"},{\"NULL\":true}]}}");
    return ddb_buf_steal(NULL, &b);
}

static int scan(fake_db *db, const ddb_jnode *root, long *status, ddb_buf *out)
{
    if (db->scan_fail > 0) {
        db->scan_fail--;
        *status = 500;
        return ddb_buf_puts(out, "{\"__type\":\"#InternalServerError\",\"message\":\"try again\"}");
    }
    int64_t limit = 0, segment = 0, total = 0;
    ddb_jnode_get_i64(root, "Limit", &limit);
    ddb_jnode_get_i64(root, "Segment", &segment);
    ddb_jnode_get_i64(root, "TotalSegments", &total);
    size_t next = 0;
    const ddb_av *esk = ddb_jnode_item(ddb_jnode_get(root, "ExclusiveStartKey"));
    if (esk != NULL) {
        int64_t sk = 0;
        ddb_av_get_i64(&sk, ddb_av_map_get(esk, "sk"));
        next = (size_t)sk + 1;
    }
    ddb_buf_puts(out, "{\"ConsumedCapacity\":{\"TableName\":\"T\",\"CapacityUnits\":0.5},\"Items\":[");
    size_t n = 0, last = 0;
    for (; next < db->n_items && (limit == 0 || n < (size_t)limit); next++) {
        if (total > 1 && (int64_t)(next % (size_t)total) != segment)
            continue;
        char *item = synthetic_item(db, next);
        ddb_buf_printf(out, "%s%s", n != 0 ? "," : "", item);
        free(item);
        n++;
        last = next;
    }
    ddb_buf_printf(out, "],\"Count\":%zu,\"ScannedCount\":%zu", n, n);
    bool more = false;
    for (size_t k = next; k < db->n_items && !more; k++)
        more = total <= 1 || (int64_t)(k % (size_t)total) == segment;
    if (more && n > 0)
        ddb_buf_printf(out, ",\"LastEvaluatedKey\":{\"pk\":{\"S\":\"k%05zu\"},\"sk\":{\"N\":\"%zu\"}}",
                       last, last);
    return ddb_buf_putc(out, '}');
}

static void store(fake_db *db, const ddb_av *item)
{
    const ddb_av *pk = ddb_av_map_get(item, "pk");
    for (size_t i = 0; i < db->n_stored; i++) {
        if (ddb_av_equal(ddb_av_map_get(db->stored[i], "pk"), pk)) {
            ddb_av_free(db->stored[i]);
            db->stored[i] = ddb_av_clone(item);
            return;
        }
    }
    if (db->n_stored == db->cap_stored) {
        db->cap_stored = db->cap_stored != 0 ? db->cap_stored * 2 : 64;
        db->stored = realloc(db->stored, db->cap_stored * sizeof *db->stored);
    }
    db->stored[db->n_stored++] = ddb_av_clone(item);
}

static int batch_write(fake_db *db, const ddb_jnode *root, long *status, ddb_buf *out)
{
    db->batches++;
    const ddb_jnode *reqs = ddb_jnode_get(ddb_jnode_get(root, "RequestItems"), "T");
    size_t n = ddb_jnode_len(reqs);
    if (n > db->max_batch)
        db->max_batch = n;
    if (db->throttle > 0) {
        db->throttle--;
        *status = 400;
        return ddb_buf_puts(out, "{\"__type\":\"#ThrottlingException\",\"message\":\"slow down\"}");
    }
    size_t i = 0;
    for (const ddb_jnode *r = ddb_jnode_first(reqs); r != NULL; r = ddb_jnode_next(r)) {
        const ddb_av *item = ddb_jnode_item(ddb_jnode_get(ddb_jnode_get(r, "PutRequest"), "Item"));
        if (ddb_av_map_get(item, "bad") != NULL) {
            *status = 400;
            return ddb_buf_puts(out, "{\"__type\":\"#ValidationException\",\"message\":"
                                     "\"One or more parameter values were invalid\"}");
        }
        for (const ddb_jnode *o = ddb_jnode_first(reqs); o != r; o = ddb_jnode_next(o)) {
            const ddb_av *other = ddb_jnode_item(ddb_jnode_get(ddb_jnode_get(o, "PutRequest"), "Item"));
            if (ddb_av_equal(ddb_av_map_get(other, "pk"), ddb_av_map_get(item, "pk"))) {
                *status = 400;
                return ddb_buf_puts(out, "{\"__type\":\"#ValidationException\",\"message\":"
                                         "\"Provided list of item keys contains duplicates\"}");
            }
        }
        i++;
    }
    size_t keep = db->unprocessed > 0 ? (n < 3 ? n : 3) : 0;
    if (db->unprocessed > 0)
        db->unprocessed--;
    ddb_buf_puts(out, "{\"ConsumedCapacity\":[{\"TableName\":\"T\",\"CapacityUnits\":1}],"
                      "\"UnprocessedItems\":{");
    if (keep > 0)
        ddb_buf_puts(out, "\"T\":[");
    i = 0;
    for (const ddb_jnode *r = ddb_jnode_first(reqs); r != NULL; r = ddb_jnode_next(r), i++) {
        const ddb_av *item = ddb_jnode_item(ddb_jnode_get(ddb_jnode_get(r, "PutRequest"), "Item"));
        if (i < n - keep) {
            store(db, item);
            continue;
        }
        ddb_buf_puts(out, i > n - keep ? ",{\"PutRequest\":{\"Item\":" : "{\"PutRequest\":{\"Item\":");
        ddb_item_write_json(out, item);
        ddb_buf_puts(out, "}}");
    }
    if (keep > 0)
        ddb_buf_putc(out, ']');
    return ddb_buf_puts(out, "}}");
}

static int handle(void *ctx, const char *target, const char *body, size_t len, long *status,
                  ddb_buf *out)
{
    static const char *const paths[] = {"ExclusiveStartKey", "RequestItems.*[].PutRequest.Item",
                                        NULL};
    fake_db *db = ctx;
    ddb_jdoc *doc = NULL;
    int rc = ddb_jdoc_parse(body, len, paths, &doc);
    if (rc == 0 && strcmp(target, "Scan") == 0)
        rc = scan(db, ddb_jdoc_root(doc), status, out);
    else if (rc == 0 && strcmp(target, "BatchWriteItem") == 0)
        rc = batch_write(db, ddb_jdoc_root(doc), status, out);
    else if (rc == 0)
        rc = ddb_error_set(DDB_ENETWORK, "fake: unexpected %s", target);
    ddb_jdoc_free(doc);
    return rc;
}

static fake_db db;
static fn_transport wire;
static ddb_client *client;
static uint64_t slept_ms;

static int setup(void **state)
{
    (void)state;
    client = fn_client(&wire, handle, &db, 1, &slept_ms);
    return client != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ddb_client_free(client);
    ddb_ops_thread_cleanup();
    return 0;
}

static int reset_db(void **state)
{
    (void)state;
    for (size_t i = 0; i < db.n_stored; i++)
        ddb_av_free(db.stored[i]);
    free(db.stored);
    memset(&db, 0, sizeof db);
    slept_ms = 0;
    return 0;
}

/* ------------------------------------------------------------ dump */

/* Dumps into a memory stream; returns the text (free it). */
static char *dump_text(const ddb_dump_opts *opts, ddb_dump_stats *stats, int *rc)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    *rc = ddb_table_dump(stats, client, "T", f, opts);
    fclose(f);
    return text;
}

static void test_dump_writes_the_export_format(void **state)
{
    (void)state;
    db.n_items = 2;
    db.pad = 3;
    ddb_dump_stats st;
    int rc;
    char *text = dump_text(NULL, &st, &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(
        text,
        "{\"Item\":{\"pk\":{\"S\":\"k00000\"},\"sk\":{\"N\":\"0\"},\"v\":{\"S\":\"abc\"},"
        "\"n\":{\"L\":[{\"N\":\"1.50\"},{\"B\":\"AAEC\"},{\"NULL\":true}]}}}\n"
        "{\"Item\":{\"pk\":{\"S\":\"k00001\"},\"sk\":{\"N\":\"1\"},\"v\":{\"S\":\"bcd\"},"
        "\"n\":{\"L\":[{\"N\":\"1.50\"},{\"B\":\"AAEC\"},{\"NULL\":true}]}}}\n");
    assert_int_equal(st.items, 2);
    assert_int_equal(st.pages, 1);
    assert_int_equal(st.bytes, strlen(text));
    assert_true(st.capacity_units == 0.5);
    free(text);
}

typedef struct line_sink {
    uint64_t lines;
    long long base_max, late_max; /* live heap: lines 1000..2000, and after */
    ddb_buf all;                  /* keep: the text (NULL: discard) */
    bool keep;
    int fail_at;                  /* return DDB_EIO at this line (0: never) */
} line_sink;

static int sink_write(void *payload, const char *data, size_t len)
{
    line_sink *s = payload;
    s->lines++;
    assert_true(len > 0 && data[len - 1] == '\n');
    assert_null(memchr(data, '\n', len - 1)); /* one complete line per call */
    if (s->fail_at != 0 && s->lines == (uint64_t)s->fail_at)
        return ddb_error_set(DDB_EIO, "sink full");
    long long live = heap_live();
    if (s->lines >= 1000 && s->lines < 2000 && live > s->base_max)
        s->base_max = live;
    if (s->lines >= 2000 && live > s->late_max)
        s->late_max = live;
    return s->keep ? ddb_buf_append(&s->all, data, len) : 0;
}

static void test_dump_memory_is_flat_in_the_table_size(void **state)
{
    (void)state;
    db.n_items = 20000;
    db.pad = 100;
    ddb_dump_opts o = DDB_DUMP_OPTS_INIT;
    o.page_size = 25; /* 800 pages */
    line_sink s;
    memset(&s, 0, sizeof s);
    ddb_dump_stats st;
    assert_int_equal(ddb_table_dump_to(&st, client, "T", &o, sink_write, &s), 0);
    assert_int_equal(st.items, 20000);
    assert_int_equal(s.lines, 20000);
    assert_int_equal(st.pages, 800);
    assert_true(st.max_line > 100 && st.max_line < 400);
    assert_true(heap_counting());
    /* the heap after 20,000 items is the heap after 1,000, within one page */
    if (s.late_max > s.base_max + 16 * 1024)
        fail_msg("live heap grew from %lld to %lld bytes", s.base_max, s.late_max);
}

static void test_dump_parallel_segments_cover_the_table_once(void **state)
{
    (void)state;
    db.n_items = 1003;
    db.pad = 4;
    ddb_dump_opts o = DDB_DUMP_OPTS_INIT;
    o.page_size = 40;
    o.segments = 4;
    line_sink s;
    memset(&s, 0, sizeof s);
    s.keep = true;
    ddb_dump_stats st;
    /* the fake's Scan only reads `db`: safe from the segments' threads */
    assert_int_equal(ddb_table_dump_to(&st, client, "T", &o, sink_write, &s), 0);
    assert_int_equal(st.items, 1003);
    unsigned char *seen = calloc(1003, 1);
    const char *p = ddb_buf_cstr(&s.all);
    for (size_t i = 0; i < 1003; i++) {
        const char *k = strstr(p, "\"pk\":{\"S\":\"k");
        assert_non_null(k);
        size_t n = (size_t)strtoul(k + 12, NULL, 10);
        assert_true(n < 1003);
        assert_int_equal(seen[n], 0);
        seen[n] = 1;
        p = strchr(k, '\n') + 1;
    }
    free(seen);
    ddb_buf_free(&s.all);
}

static void test_dump_retries_a_failed_page_and_stops_on_a_write_error(void **state)
{
    (void)state;
    db.n_items = 30;
    db.scan_fail = 2; /* the client makes one attempt; the dump tries the page again */
    ddb_dump_opts o = DDB_DUMP_OPTS_INIT;
    o.page_size = 10;
    line_sink s;
    memset(&s, 0, sizeof s);
    ddb_dump_stats st;
    assert_int_equal(ddb_table_dump_to(&st, client, "T", &o, sink_write, &s), 0);
    assert_int_equal(st.items, 30);
    assert_int_equal(st.pages, 3);
    assert_int_equal(slept_ms, 12 + 25); /* rand01 0.5: 0.5 * 25, then 0.5 * 50 */
    db.scan_fail = 100;
    o.max_rounds = 3;
    assert_int_equal(ddb_table_dump_to(&st, client, "T", &o, sink_write, &s), DDB_ESERVICE);
    assert_int_equal(st.items, 0);
    db.scan_fail = 0;
    memset(&s, 0, sizeof s);
    s.fail_at = 15;
    assert_int_equal(ddb_table_dump_to(&st, client, "T", &o, sink_write, &s), DDB_EIO);
    assert_string_equal(ddb_last_error()->message, "sink full");
    assert_int_equal(st.items, 14);
    assert_int_equal(ddb_table_dump(&st, client, "T", NULL, NULL), DDB_EINVAL);
    assert_int_equal(ddb_table_dump_to(NULL, NULL, "T", NULL, sink_write, &s), DDB_EINVAL);
    ddb_dump_opts bad = {99, 0, 0, false, 0, NULL};
    assert_int_equal(ddb_table_dump_to(NULL, client, "T", &bad, sink_write, &s), DDB_EINVAL);
}

/* ------------------------------------------------------------ load */

typedef struct broken_input {
    const char *text;
    size_t pos;
} broken_input;

/* Reads `text`, then fails (DDB_EIO) if asked for more. */
static int broken_read(void *payload, char *buf, size_t cap, size_t *got)
{
    broken_input *in = payload;
    size_t left = strlen(in->text) - in->pos;
    if (left == 0)
        return ddb_error_set(DDB_EIO, "disk on fire");
    *got = left < cap ? left : cap;
    memcpy(buf, in->text + in->pos, *got);
    in->pos += *got;
    return 0;
}

static int string_read(void *payload, char *buf, size_t cap, size_t *got)
{
    broken_input *in = payload;
    size_t left = strlen(in->text) - in->pos;
    *got = left < cap ? left : cap;
    memcpy(buf, in->text + in->pos, *got);
    in->pos += *got;
    return 0;
}

/* Loads `text` from a memory stream (a FILE *; "" through a callback). */
static int load_text(const char *text, const ddb_load_opts *opts, ddb_load_stats *st)
{
    if (*text == '\0') {
        broken_input in = {text, 0};
        return ddb_table_load_from(st, client, "T", opts, string_read, &in);
    }
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    int rc = ddb_table_load(st, client, "T", f, opts);
    fclose(f);
    return rc;
}

static void test_dump_then_load_round_trips_every_item(void **state)
{
    (void)state;
    db.n_items = 1234;
    db.pad = 20;
    ddb_dump_opts o = DDB_DUMP_OPTS_INIT;
    o.page_size = 100;
    int rc;
    char *text = dump_text(&o, NULL, &rc);
    assert_int_equal(rc, 0);
    ddb_load_stats st;
    ddb_load_opts lo = DDB_LOAD_OPTS_INIT;
    lo.source = "dump.jsonl";
    assert_int_equal(load_text(text, &lo, &st), 0);
    assert_int_equal(st.lines, 1234);
    assert_int_equal(st.items, 1234);
    assert_int_equal(st.failed, 0);
    assert_int_equal(st.requests, 50); /* ceil(1234 / 25) */
    assert_int_equal(db.max_batch, 25);
    assert_true(st.capacity_units == 50);
    assert_int_equal(db.n_stored, 1234);
    for (size_t i = 0; i < 1234; i++) {
        char *json = synthetic_item(&db, i);
        ddb_av *want = NULL;
        assert_int_equal(ddb_item_parse_json(&want, json, strlen(json)), 0);
        assert_true(ddb_av_equal(db.stored[i], want));
        ddb_av_free(want);
        free(json);
    }
    free(text);
}

static void test_load_retries_unprocessed_items_with_back_off(void **state)
{
    (void)state;
    db.n_items = 60;
    int rc;
    char *text = dump_text(NULL, NULL, &rc);
    db.unprocessed = 4;
    db.throttle = 1;
    ddb_load_stats st;
    assert_int_equal(load_text(text, NULL, &st), 0);
    assert_int_equal(st.items, 60);
    assert_int_equal(db.n_stored, 60);
    assert_true(st.retried >= 3 * 3 + 25); /* the throttled batch, then unprocessed ones */
    assert_true(st.requests > 3);
    assert_true(slept_ms > 0); /* the back-off went through the policy's sleep hook */
    /* unprocessed forever: reported, not dropped */
    db.unprocessed = 1000;
    ddb_load_opts lo = DDB_LOAD_OPTS_INIT;
    lo.max_rounds = 3;
    lo.keep_going = true;
    lo.source = "x.jsonl";
    assert_int_equal(load_text(text, &lo, &st), DDB_ETHROTTLED);
    assert_int_equal(st.failed, 9); /* the last 3 of each of the 3 groups */
    assert_int_equal(st.items, 51);
    assert_non_null(strstr(ddb_last_error()->message, "x.jsonl:23: "));
    assert_non_null(strstr(ddb_last_error()->message, "still unprocessed after 3 requests"));
    free(text);
}

typedef struct failures {
    uint64_t lines[8];
    char messages[8][DDB_ERR_MESSAGE_MAX];
    size_t n;
} failures;

static void on_failure(void *payload, uint64_t line, const ddb_error *err)
{
    failures *f = payload;
    if (f->n < 8) {
        f->lines[f->n] = line;
        snprintf(f->messages[f->n], sizeof f->messages[0], "%s", err->message);
        f->n++;
    }
}

static const char mixed[] =
    "{\"Item\":{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"}}}\n"          /* 1 */
    "\n"                                                                 /* 2 blank */
    "{\"Item\":{\"pk\":{\"S\":\"b\"},\"sk\":{\"N\":\"2\"}}}\r\n"        /* 3 CRLF */
    "{\"Item\":{\"pk\":{\"S\":\"c\"},\"sk\":{\"N\":\"3\"}}\n"           /* 4 truncated */
    "{\"Item\":{\"pk\":{\"S\":\"d\"},\"bad\":{\"BOOL\":true}}}\n"       /* 5 rejected */
    "{\"Itm\":{\"pk\":{\"S\":\"e\"}}}\n"                                 /* 6 wrong member */
    "{\"Item\":{\"pk\":{\"S\":\"f\"},\"sk\":{\"N\":\"6\"}}}";           /* 7 no newline */

static void test_load_reports_bad_lines_with_file_and_line(void **state)
{
    (void)state;
    failures f;
    memset(&f, 0, sizeof f);
    ddb_load_opts lo = DDB_LOAD_OPTS_INIT;
    lo.source = "mixed.jsonl";
    lo.keep_going = true;
    lo.on_error = on_failure;
    lo.error_payload = &f;
    ddb_load_stats st;
    assert_int_equal(load_text(mixed, &lo, &st), DDB_EPROTOCOL);
    /* the first failure is what the caller sees */
    assert_non_null(strstr(ddb_last_error()->message, "mixed.jsonl:4: offset "));
    assert_int_equal(st.lines, 7);
    assert_int_equal(st.items, 3);
    assert_int_equal(st.failed, 3);
    assert_int_equal(f.n, 3);
    assert_int_equal(f.lines[0], 4);
    assert_int_equal(f.lines[1], 5);
    assert_int_equal(f.lines[2], 6);
    assert_non_null(strstr(f.messages[1], "mixed.jsonl:5: "));
    assert_non_null(strstr(f.messages[1], "One or more parameter values were invalid"));
    assert_non_null(strstr(f.messages[2], "mixed.jsonl:6: expected exactly one member"));
    assert_int_equal(db.n_stored, 3); /* a, b, f */
}

static void test_load_stops_at_the_first_failure_after_earlier_lines(void **state)
{
    (void)state;
    ddb_load_stats st;
    ddb_load_opts lo = DDB_LOAD_OPTS_INIT;
    lo.source = "mixed.jsonl";
    assert_int_equal(load_text(mixed, &lo, &st), DDB_EPROTOCOL);
    assert_non_null(strstr(ddb_last_error()->message, "mixed.jsonl:4: offset "));
    assert_int_equal(st.lines, 4);
    assert_int_equal(st.items, 2); /* lines 1 and 3 were written first */
    assert_int_equal(st.failed, 1);
    assert_int_equal(db.n_stored, 2);
}

static void test_load_splits_a_rejected_group_to_find_the_line(void **state)
{
    (void)state;
    ddb_buf text = DDB_BUF_INIT;
    for (int i = 1; i <= 30; i++)
        ddb_buf_printf(&text, "{\"Item\":{\"pk\":{\"S\":\"p%d\"}%s}}\n", i,
                       i == 17 ? ",\"bad\":{\"NULL\":true}" : "");
    /* the same key twice in one group: the later line wins */
    ddb_buf_puts(&text, "{\"Item\":{\"pk\":{\"S\":\"p30\"},\"again\":{\"BOOL\":true}}}\n");
    ddb_load_opts lo = DDB_LOAD_OPTS_INIT;
    lo.keep_going = true;
    lo.source = "t.jsonl";
    ddb_load_stats st;
    assert_int_equal(load_text(ddb_buf_cstr(&text), &lo, &st), DDB_EVALIDATION);
    assert_non_null(strstr(ddb_last_error()->message, "t.jsonl:17: "));
    assert_int_equal(ddb_last_error()->code, DDB_EVALIDATION);
    assert_string_equal(ddb_last_error()->operation, "BatchWriteItem");
    assert_int_equal(st.failed, 1);
    assert_int_equal(st.items, 30);   /* writes: p30 twice */
    assert_int_equal(db.n_stored, 29); /* keys: all but p17 */
    const ddb_av *p30 = NULL;
    for (size_t i = 0; i < db.n_stored; i++) {
        if (strcmp(ddb_av_map_get(db.stored[i], "pk")->u.str.ptr, "p30") == 0)
            p30 = db.stored[i];
    }
    assert_non_null(p30);
    assert_non_null(ddb_av_map_get(p30, "again"));
    ddb_buf_free(&text);
}

static long long heap_at_failure;

static void note_heap(void *payload, uint64_t line, const ddb_error *err)
{
    (void)payload, (void)line, (void)err;
    heap_at_failure = heap_live();
}

static void test_load_rejects_long_lines_in_bounded_memory(void **state)
{
    (void)state;
    ddb_buf text = DDB_BUF_INIT;
    ddb_buf_puts(&text, "{\"Item\":{\"pk\":{\"S\":\"short\"}}}\n{\"Item\":{\"pk\":{\"S\":\"");
    for (int i = 0; i < 300000; i++)
        ddb_buf_putc(&text, 'x');
    ddb_buf_puts(&text, "\"}}}\n{\"Item\":{\"pk\":{\"S\":\"after\"}}}\n");
    ddb_load_opts lo = DDB_LOAD_OPTS_INIT;
    lo.keep_going = true;
    lo.max_line = 4096;
    lo.source = "long.jsonl";
    ddb_load_stats st;
    heap_at_failure = 0;
    lo.on_error = note_heap;
    long long before = heap_live();
    assert_int_equal(load_text(ddb_buf_cstr(&text), &lo, &st), DDB_ELIMIT);
    assert_non_null(strstr(ddb_last_error()->message, "long.jsonl:2: line of "));
    assert_int_equal(st.items, 2);
    assert_int_equal(st.failed, 1);
    /* the 300 KB line was never held: read chunk + line buffer <= max_line */
    if (heap_at_failure - before > 128 * 1024)
        fail_msg("the load held %lld bytes", heap_at_failure - before);
    ddb_buf_free(&text);
}

static void test_load_input_failure_and_arguments(void **state)
{
    (void)state;
    broken_input in = {"{\"Item\":{\"pk\":{\"S\":\"a\"}}}\n{\"Item\":{\"pk\":{\"S\":\"b\"}}}\n", 0};
    ddb_load_opts lo = DDB_LOAD_OPTS_INIT;
    lo.source = "pipe";
    ddb_load_stats st;
    assert_int_equal(ddb_table_load_from(&st, client, "T", &lo, broken_read, &in), DDB_EIO);
    assert_string_equal(ddb_last_error()->message, "pipe:3: disk on fire");
    assert_int_equal(st.items, 2); /* what was read was still written */
    assert_int_equal(ddb_table_load(&st, client, "T", NULL, NULL), DDB_EINVAL);
    assert_int_equal(ddb_table_load_from(NULL, client, NULL, NULL, broken_read, &in), DDB_EINVAL);
    ddb_load_opts bad = {7, NULL, 0, 0, false, NULL, NULL, NULL};
    assert_int_equal(ddb_table_load_from(NULL, client, "T", &bad, broken_read, &in), DDB_EINVAL);
    assert_int_equal(load_text("", NULL, &st), 0);
    assert_int_equal(st.lines, 0);
    assert_int_equal(load_text("\n \n\t\r\n", NULL, &st), 0);
    assert_int_equal(st.lines, 3);
    assert_int_equal(st.items, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_dump_writes_the_export_format, reset_db),
        cmocka_unit_test_setup(test_dump_memory_is_flat_in_the_table_size, reset_db),
        cmocka_unit_test_setup(test_dump_parallel_segments_cover_the_table_once, reset_db),
        cmocka_unit_test_setup(test_dump_retries_a_failed_page_and_stops_on_a_write_error, reset_db),
        cmocka_unit_test_setup(test_dump_then_load_round_trips_every_item, reset_db),
        cmocka_unit_test_setup(test_load_retries_unprocessed_items_with_back_off, reset_db),
        cmocka_unit_test_setup(test_load_reports_bad_lines_with_file_and_line, reset_db),
        cmocka_unit_test_setup(test_load_stops_at_the_first_failure_after_earlier_lines, reset_db),
        cmocka_unit_test_setup(test_load_splits_a_rejected_group_to_find_the_line, reset_db),
        cmocka_unit_test_setup(test_load_rejects_long_lines_in_bounded_memory, reset_db),
        cmocka_unit_test_setup(test_load_input_failure_and_arguments, reset_db),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    reset_db(NULL);
    return rc;
}
