/* batch.c - batch writer and getter for models, the item size rule, and
 * the pieces batch.c and txn.c share (batch_internal.h). */
#include "feature_macros.h" /* first: feature-test macros before any system header */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch_internal.h"
#include "client_internal.h"
#include "ddb/error.h"
#include "ddb/json.h"
#include "ddb/ops.h"
#include "ddb/retry.h"

#define DEFAULT_MAX_ATTEMPTS 10

/* ------------------------------------------------------------ item size */

/* floor(a / 2) for any sign. */
static long half_floor(long a)
{
    return a >= 0 ? a / 2 : -((1 - a) / 2);
}

/*
 * DynamoDB stores a number as base-100 digits aligned on the decimal
 * point plus an exponent byte: 1 byte + one per base-100 digit from the
 * first non-zero one to the last ("1.5" is 01.50: 3 bytes; "12345" is
 * 01 23 45: 4), + 1 for a negative number; zero is 1 byte. (Measured
 * against DynamoDB Local at the 400 KB boundary; the documented "1 byte
 * per two significant digits" is the approximation of this.)
 */
static size_t number_size(const char *s, size_t len)
{
    size_t i = 0, point = SIZE_MAX, n_digits = 0;
    bool negative = false;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        negative = s[i++] == '-';
    size_t start = i;
    for (; i < len && s[i] != 'e' && s[i] != 'E'; i++) {
        if (s[i] == '.')
            point = n_digits;
        else
            n_digits++;
    }
    long exp = i < len ? strtol(s + i + 1, NULL, 10) : 0;
    long int_digits = (long)(point == SIZE_MAX ? n_digits : point);
    long hi = 0, lo = 0;
    bool any = false;
    for (size_t k = start, d = 0; d < n_digits; k++) {
        if (s[k] == '.')
            continue;
        if (s[k] != '0') {
            long pair = half_floor(int_digits - 1 - (long)d + exp); /* power of ten / 2 */
            if (!any || pair > hi)
                hi = pair;
            if (!any || pair < lo)
                lo = pair;
            any = true;
        }
        d++;
    }
    if (!any)
        return 1;
    return 1 + (size_t)(hi - lo + 1) + (negative ? 1 : 0);
}

size_t ddb_av_size(const ddb_av *v)
{
    if (v == NULL)
        return 0;
    size_t size = 0;
    switch (v->type) {
    case DDB_AV_S:
    case DDB_AV_B:
        return v->u.str.len;
    case DDB_AV_N:
        return number_size(v->u.str.ptr, v->u.str.len);
    case DDB_AV_NULL:
    case DDB_AV_BOOL:
        return 1;
    case DDB_AV_SS:
    case DDB_AV_NS:
    case DDB_AV_BS:
        for (size_t i = 0; i < v->u.list.len; i++)
            size += ddb_av_size(v->u.list.items[i]);
        return size;
    case DDB_AV_L:
        size = 3;
        for (size_t i = 0; i < v->u.list.len; i++)
            size += 1 + ddb_av_size(v->u.list.items[i]);
        return size;
    case DDB_AV_M:
        size = 3;
        for (size_t i = 0; i < v->u.map.len; i++)
            size += 1 + v->u.map.items[i].name_len + ddb_av_size(v->u.map.items[i].value);
        return size;
    }
    return size;
}

size_t ddb_item_size(const ddb_av *item)
{
    if (item == NULL || item->type != DDB_AV_M)
        return 0;
    size_t size = 0;
    for (size_t i = 0; i < item->u.map.len; i++)
        size += item->u.map.items[i].name_len + ddb_av_size(item->u.map.items[i].value);
    return size;
}

/* ------------------------------------------------------------ shared pieces */

int ddb_batch_check_model(const ddb_model *m)
{
    if (m == NULL || m->table == NULL || m->hash_key < 0)
        return ddb_error_set(DDB_EINVAL, "%s: not a model with a table",
                             m != NULL && m->name != NULL ? m->name : "(null model)");
    return 0;
}

int ddb_batch_client(ddb_client *fixed, const ddb_model *m, ddb_client **out)
{
    *out = NULL;
    int rc = ddb_batch_check_model(m);
    if (rc != 0)
        return rc;
    *out = fixed != NULL ? fixed : ddb_model_client(m);
    if (*out != NULL)
        return 0;
    rc = ddb_last_error()->code;
    return rc != 0 ? rc : ddb_error_set(DDB_ECONFIG, "%s: no client bound and no default client", m->name);
}

bool ddb_batch_key_matches(const ddb_av *key, const ddb_av *item)
{
    if (key == NULL || item == NULL || key->type != DDB_AV_M)
        return false;
    for (size_t i = 0; i < key->u.map.len; i++) {
        const ddb_av *v = ddb_av_map_get(item, key->u.map.items[i].name);
        if (v == NULL || !ddb_av_equal(key->u.map.items[i].value, v))
            return false;
    }
    return true;
}

/* Appends a short human form of one key value. */
static void put_key_value(ddb_buf *b, const ddb_av *v)
{
    enum { SHOWN = 48 };
    switch (v->type) {
    case DDB_AV_S:
        ddb_buf_printf(b, "\"%.*s%s\"", (int)(v->u.str.len > SHOWN ? SHOWN : v->u.str.len),
                       v->u.str.ptr, v->u.str.len > SHOWN ? "..." : "");
        break;
    case DDB_AV_N:
        ddb_buf_printf(b, "%.*s", (int)(v->u.str.len > SHOWN ? SHOWN : v->u.str.len), v->u.str.ptr);
        break;
    case DDB_AV_B:
        ddb_buf_printf(b, "<%zu bytes>", v->u.str.len);
        break;
    default:
        ddb_buf_puts(b, ddb_av_type_tag(v->type));
        break;
    }
}

int ddb_batch_key_error(int code, const ddb_model *m, const ddb_av *key, const char *what)
{
    /* the key attributes only: `key` may be a whole item */
    ddb_buf b = DDB_BUF_INIT;
    ddb_buf_puts(&b, "{");
    int parts[2] = {m->hash_key, m->range_key};
    for (size_t i = 0, shown = 0; i < 2; i++) {
        const ddb_av *v = parts[i] >= 0 && key != NULL ? ddb_av_map_get(key, m->fields[parts[i]].attr) : NULL;
        if (v == NULL)
            continue;
        ddb_buf_printf(&b, "%s%s: ", shown++ > 0 ? ", " : "", m->fields[parts[i]].attr);
        put_key_value(&b, v);
    }
    ddb_buf_puts(&b, "}");
    ddb_error_set(code, "%s key %s: %s", m->name, ddb_buf_cstr(&b), what);
    ddb_buf_free(&b);
    return code;
}

/* Checks one key attribute's value against DynamoDB's rules. */
static int check_key_part(const ddb_model *m, const ddb_av *key, int fi, size_t max)
{
    const ddb_field *f = &m->fields[fi];
    const ddb_av *v = ddb_av_map_get(key, f->attr);
    if (v == NULL)
        return ddb_batch_key_error(DDB_EINVAL, m, key, "key attribute is missing");
    char what[160];
    if ((v->type == DDB_AV_S || v->type == DDB_AV_B) && v->u.str.len == 0) {
        snprintf(what, sizeof what, "%s (attribute \"%s\") is empty; DynamoDB refuses empty key values",
                 f->name, f->attr);
        return ddb_batch_key_error(DDB_EINVAL, m, key, what);
    }
    size_t size = ddb_av_size(v);
    if (size > max) {
        snprintf(what, sizeof what, "%s (attribute \"%s\") is %zu bytes; a %s key holds at most %zu",
                 f->name, f->attr, size, fi == m->hash_key ? "partition" : "sort", max);
        return ddb_batch_key_error(DDB_ELIMIT, m, key, what);
    }
    return 0;
}

int ddb_model_check_key(const ddb_model *m, const ddb_av *key)
{
    int rc = check_key_part(m, key, m->hash_key, DDB_HASH_KEY_SIZE_MAX);
    if (rc == 0 && m->range_key >= 0)
        rc = check_key_part(m, key, m->range_key, DDB_RANGE_KEY_SIZE_MAX);
    return rc;
}

int ddb_model_check_item(const ddb_model *m, const ddb_av *item)
{
    int rc = ddb_model_check_key(m, item);
    size_t size = rc == 0 ? ddb_item_size(item) : 0;
    if (size > DDB_ITEM_SIZE_MAX) {
        char what[96];
        snprintf(what, sizeof what, "item is %zu bytes; DynamoDB allows at most %d", size, DDB_ITEM_SIZE_MAX);
        rc = ddb_batch_key_error(DDB_ELIMIT, m, item, what);
    }
    return rc;
}

int ddb_batch_make_key(const ddb_model *m, const void *key_obj, const void *hash, const void *range,
                       ddb_av **out)
{
    /* ddb_model_key_of checks the key (ddb_model_check_key) */
    return key_obj != NULL ? ddb_model_key(out, m, key_obj) : ddb_model_key_of(out, m, hash, range);
}

int ddb_batch_check_item(const ddb_model *m, const ddb_av *key, const ddb_av *item, ddb_buf *scratch)
{
    (void)key;
    int rc = ddb_model_check_item(m, item);
    if (rc != 0)
        return rc;
    ddb_buf_reset(scratch);
    rc = ddb_item_write_json(scratch, item);
    if (rc != 0)
        ddb_error_prefix("%s: ", m->name);
    return rc;
}

static const char oom_text[] = "out of memory recording the failure";

char *ddb_batch_error_text(void)
{
    char line[DDB_ERR_MESSAGE_MAX + 512];
    char *text = ddb_strdup(ddb_error_format(line, sizeof line, ddb_last_error()));
    return text != NULL ? text : (char *)oom_text;
}

void ddb_batch_text_free(const char *text)
{
    if (text != oom_text)
        free((char *)text);
}

bool ddb_batch_retryable(int rc)
{
    const ddb_error *e = ddb_last_error();
    return ddb_retry_is_retryable(rc, e->http_status, e->aws_type[0] != '\0' ? e->aws_type : NULL);
}

void ddb_batch_backoff(ddb_client *c, unsigned retry)
{
    const ddb_retry_policy *p = ddb_client_retry_policy(c);
    ddb_retry_sleep(p, ddb_retry_delay_ms(p, retry));
}

int ddb_get_slot_init(ddb_get_slot *s, const ddb_model *m, const void *key_obj, const void *hash,
                      const void *range, void *out, bool *found)
{
    memset(s, 0, sizeof *s);
    int rc = ddb_batch_make_key(m, key_obj, hash, range, &s->key);
    if (rc != 0)
        return rc;
    s->m = m;
    s->out = out;
    s->found = found;
    if (found != NULL)
        *found = false;
    return 0;
}

/* Options: the version and the number of attempts. */
static int read_batch_opts(const ddb_batch_opts *opts, ddb_batch_opts *out)
{
    static const ddb_batch_opts defaults = DDB_BATCH_OPTS_INIT;
    *out = opts != NULL ? *opts : defaults;
    if (out->version != DDB_BATCH_OPTS_VERSION)
        return ddb_error_set(DDB_EINVAL, "ddb_batch_opts: unknown version %u (expected %d)",
                             out->version, DDB_BATCH_OPTS_VERSION);
    if (out->max_attempts == 0)
        out->max_attempts = DEFAULT_MAX_ATTEMPTS;
    return 0;
}

/* ------------------------------------------------------------ writer */

struct ddb_batch_writer {
    ddb_client *client;       /* fixed, or NULL: per model */
    ddb_batch_opts opts;
    ddb_client *group_client; /* the client of the queued group */
    ddb_batch_failure pending[DDB_BATCH_WRITE_MAX]; /* queued group (code/message unused) */
    size_t n_pending;
    ddb_batch_failure *failed;
    size_t n_failed, cap_failed;
    size_t next_index;        /* index of the next accepted put/delete */
    ddb_buf scratch;          /* JSON check of items */
};

int ddb_batch_writer_new(ddb_batch_writer **out, ddb_client *client, const ddb_batch_opts *opts)
{
    *out = NULL;
    ddb_batch_opts o;
    int rc = read_batch_opts(opts, &o);
    if (rc != 0)
        return rc;
    ddb_batch_writer *w = calloc(1, sizeof *w);
    if (w == NULL)
        return ddb_error_set(DDB_ENOMEM, "out of memory creating a batch writer");
    w->client = client;
    w->opts = o;
    w->opts.projection = NULL; /* getter only: not copied */
    w->opts.n_projection = 0;
    *out = w;
    return 0;
}

/* Frees what a queued or failed entry owns. */
static void entry_free(ddb_batch_failure *e)
{
    ddb_av_free((ddb_av *)e->key);
    ddb_av_free((ddb_av *)e->item);
    ddb_batch_text_free(e->message);
    e->key = e->item = NULL;
    e->message = NULL;
}

void ddb_batch_writer_free(ddb_batch_writer *w)
{
    if (w == NULL)
        return;
    for (size_t i = 0; i < w->n_pending; i++)
        entry_free(&w->pending[i]);
    for (size_t i = 0; i < w->n_failed; i++)
        entry_free(&w->failed[i]);
    free(w->failed);
    ddb_buf_free(&w->scratch);
    free(w);
}

/* Room in the failure list for every queued entry plus `extra`, so that
 * moving a group there never allocates. */
static int reserve_failed(ddb_batch_writer *w, size_t extra)
{
    size_t need = w->n_failed + w->n_pending + extra;
    if (need <= w->cap_failed)
        return 0;
    size_t cap = w->cap_failed != 0 ? w->cap_failed * 2 : 32;
    while (cap < need)
        cap *= 2;
    ddb_batch_failure *p = realloc(w->failed, cap * sizeof *p);
    if (p == NULL)
        return ddb_error_set(DDB_ENOMEM, "out of memory queuing a batch write");
    w->failed = p;
    w->cap_failed = cap;
    return 0;
}

/* Index of the queued entry that `req` (an unprocessed request) stands
 * for among the entries still unfinished, or -1. */
static int match_request(const ddb_batch_writer *w, const bool *live, const ddb_write_request *req)
{
    for (size_t i = 0; i < w->n_pending; i++) {
        const ddb_batch_failure *e = &w->pending[i];
        bool kind_ok = (e->kind == DDB_BATCH_PUT) == (req->kind == DDB_WRITE_PUT);
        if (live[i] && kind_ok && strcmp(e->model->table, req->table_name) == 0 &&
            ddb_batch_key_matches(e->key, req->kind == DDB_WRITE_PUT ? req->item : req->key))
            return (int)i;
    }
    return -1;
}

/* After a successful request: the sent entries are done except those
 * listed as unprocessed. An unprocessed request matching none of them
 * leaves all as they were and returns DDB_EPROTOCOL. */
static int mark_unprocessed(const ddb_batch_writer *w, bool *live,
                            const ddb_batch_write_item_output *out)
{
    bool still[DDB_BATCH_WRITE_MAX] = {false};
    for (size_t k = 0; k < out->n_unprocessed; k++) {
        int i = match_request(w, live, &out->unprocessed[k]);
        if (i < 0)
            return ddb_error_set(DDB_EPROTOCOL,
                                 "BatchWriteItem: an unprocessed item of table %s matches no write sent",
                                 out->unprocessed[k].table_name);
        still[i] = true;
    }
    memcpy(live, still, sizeof still);
    return 0;
}

/* Moves the unfinished entries of the group to the failure list (room is
 * reserved) with `code`, the current error's text and `maybe_applied`. */
static void fail_live(ddb_batch_writer *w, bool *live, int code, bool maybe_applied)
{
    char *text = NULL;
    for (size_t i = 0; i < w->n_pending; i++) {
        if (!live[i])
            continue;
        ddb_batch_failure *f = &w->failed[w->n_failed++];
        *f = w->pending[i];
        f->code = code;
        f->maybe_applied = maybe_applied;
        f->message = text == NULL ? (text = ddb_batch_error_text()) : ddb_strdup(text);
        if (f->message == NULL)
            f->message = oom_text;
        w->pending[i].key = w->pending[i].item = NULL;
        live[i] = false;
    }
}

static size_t count_true(const bool *flags, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += flags[i];
    return k;
}

/* Sends the queued group until every write is done or failed (listed);
 * the queue is empty afterwards. */
static void send_group(ddb_batch_writer *w)
{
    bool live[DDB_BATCH_WRITE_MAX];
    for (size_t i = 0; i < w->n_pending; i++)
        live[i] = true;
    /* Whether a request carrying the live writes may have been applied:
     * the live ones were in every request sent for the group. */
    bool maybe_applied = false;
    for (unsigned attempt = 1;; attempt++) {
        ddb_write_request reqs[DDB_BATCH_WRITE_MAX];
        size_t n = 0;
        for (size_t i = 0; i < w->n_pending; i++) {
            const ddb_batch_failure *e = &w->pending[i];
            if (!live[i])
                continue;
            reqs[n].table_name = e->model->table;
            reqs[n].kind = e->kind == DDB_BATCH_PUT ? DDB_WRITE_PUT : DDB_WRITE_DELETE;
            reqs[n].item = e->item;
            reqs[n].key = e->key;
            n++;
        }
        ddb_batch_write_item_input in = DDB_BATCH_WRITE_ITEM_INPUT_INIT;
        in.requests = reqs;
        in.n_requests = n;
        ddb_batch_write_item_output out;
        ddb_client_set_call_maybe_applied(false);
        int rc = ddb_batch_write_item(&out, w->group_client, &in);
        /* an attempt before the final one may have written what the final
         * answer calls unprocessed */
        maybe_applied |= ddb_client_call_maybe_applied() || (rc != 0 && ddb_last_error()->maybe_applied);
        if (rc == 0 && (rc = mark_unprocessed(w, live, &out)) != 0)
            maybe_applied = true; /* written, but the answer cannot say what */
        ddb_batch_write_item_output_free(&out);
        size_t left = count_true(live, w->n_pending);
        if (left == 0)
            break;
        if (rc != 0 && !ddb_batch_retryable(rc)) {
            fail_live(w, live, rc, maybe_applied);
            break;
        }
        if (attempt >= w->opts.max_attempts) {
            if (rc == 0)
                rc = ddb_error_set(DDB_ETHROTTLED,
                                   "BatchWriteItem: %zu of %zu writes still unprocessed after %u requests",
                                   left, w->n_pending, attempt);
            else
                ddb_error_append(" [batch: gave up after the group's last request]");
            fail_live(w, live, rc, maybe_applied);
            break;
        }
        ddb_batch_backoff(w->group_client, attempt - 1);
    }
    for (size_t i = 0; i < w->n_pending; i++)
        entry_free(&w->pending[i]);
    w->n_pending = 0;
    w->group_client = NULL;
}

/*
 * Queues `e` (model, kind, key, item, index set). On success the writer
 * owns e's trees; on failure the caller still does and nothing changed
 * except that a group for another client may have been sent.
 */
static int queue_entry(ddb_batch_writer *w, const ddb_batch_failure *e)
{
    ddb_client *client;
    int rc = ddb_batch_client(w->client, e->model, &client);
    if (rc != 0)
        return rc;
    if (w->n_pending > 0 && client != w->group_client)
        send_group(w);
    for (size_t i = 0; i < w->n_pending; i++) {
        const ddb_batch_failure *q = &w->pending[i];
        if (strcmp(q->model->table, e->model->table) == 0 && ddb_batch_key_matches(q->key, e->key)) {
            char what[160];
            snprintf(what, sizeof what,
                     "already written by batch write %zu in the same request (DynamoDB refuses "
                     "duplicate keys in one BatchWriteItem); flush first",
                     q->index);
            return ddb_batch_key_error(DDB_EINVAL, e->model, e->key, what);
        }
    }
    if ((rc = reserve_failed(w, 2)) != 0)
        return rc;
    w->group_client = client;
    w->pending[w->n_pending] = *e;
    w->pending[w->n_pending].code = 0;
    w->pending[w->n_pending].message = NULL;
    if (++w->n_pending == DDB_BATCH_WRITE_MAX)
        send_group(w);
    return 0;
}

/* Builds and queues a new write; `obj` for put/delete, else key values. */
static int add_write(ddb_batch_writer *w, const ddb_model *m, ddb_batch_kind kind, const void *obj,
                     const void *hash, const void *range)
{
    if (w == NULL)
        return ddb_error_set(DDB_EINVAL, "batch writer is NULL");
    int rc = ddb_batch_check_model(m);
    if (rc != 0)
        return rc;
    if (m->version_field >= 0 && !w->opts.ignore_versions)
        return ddb_error_set(DDB_EINVAL,
                             "%s has a version attribute, which BatchWriteItem cannot check; use "
                             "ddb_model_put/delete or a transaction, or set ignore_versions",
                             m->name);
    ddb_batch_failure e = {w->next_index, m, kind, NULL, NULL, 0, NULL, false};
    ddb_av *key = NULL, *item = NULL;
    rc = ddb_batch_make_key(m, obj, hash, range, &key);
    if (rc == 0 && kind == DDB_BATCH_PUT)
        rc = ddb_model_to_item(&item, m, obj);
    if (rc == 0 && kind == DDB_BATCH_PUT)
        rc = ddb_batch_check_item(m, key, item, &w->scratch);
    e.key = key;
    e.item = item;
    if (rc == 0)
        rc = queue_entry(w, &e);
    if (rc != 0) {
        ddb_av_free(key);
        ddb_av_free(item);
        return rc;
    }
    w->next_index++;
    return 0;
}

int ddb_batch_writer_put(ddb_batch_writer *w, const ddb_model *m, const void *obj)
{
    if (obj == NULL)
        return ddb_error_set(DDB_EINVAL, "ddb_batch_writer_put: object is NULL");
    return add_write(w, m, DDB_BATCH_PUT, obj, NULL, NULL);
}

int ddb_batch_writer_delete(ddb_batch_writer *w, const ddb_model *m, const void *obj)
{
    if (obj == NULL)
        return ddb_error_set(DDB_EINVAL, "ddb_batch_writer_delete: object is NULL");
    return add_write(w, m, DDB_BATCH_DELETE, obj, NULL, NULL);
}

int ddb_batch_writer_delete_key(ddb_batch_writer *w, const ddb_model *m, const void *hash,
                         const void *range)
{
    return add_write(w, m, DDB_BATCH_DELETE, NULL, hash, range);
}

/* 0 when nothing failed, else the first failure's code with a summary. */
static int failure_summary(const char *operation, const ddb_batch_failure *f, size_t n,
                           const char *what)
{
    if (n == 0)
        return 0;
    return ddb_error_set(f->code, "%s: %zu %s%s failed; the first (%zu, %s): %s", operation, n, what,
                         n == 1 ? "" : "s", f->index, f->model->name, f->message);
}

int ddb_batch_writer_flush(ddb_batch_writer *w)
{
    if (w == NULL)
        return ddb_error_set(DDB_EINVAL, "batch writer is NULL");
    if (w->n_pending > 0)
        send_group(w);
    return failure_summary("BatchWriteItem", w->failed, w->n_failed, "write");
}

size_t ddb_batch_writer_pending(const ddb_batch_writer *w)
{
    return w != NULL ? w->n_pending : 0;
}

const ddb_batch_failure *ddb_batch_writer_failed(size_t *n, const ddb_batch_writer *w)
{
    *n = w != NULL ? w->n_failed : 0;
    return *n != 0 ? w->failed : NULL;
}

int ddb_batch_writer_retry_failed(ddb_batch_writer *w)
{
    if (w == NULL)
        return ddb_error_set(DDB_EINVAL, "batch writer is NULL");
    /* The old entries stay at the front while new failures (from groups
     * sent meanwhile) are appended behind them. */
    for (size_t old = w->n_failed; old > 0; old--) {
        ddb_batch_failure e = w->failed[0];
        int rc = queue_entry(w, &e);
        if (rc != 0)
            return rc;
        ddb_batch_text_free(e.message);
        memmove(w->failed, w->failed + 1, (w->n_failed - 1) * sizeof *w->failed);
        w->n_failed--;
    }
    return 0;
}

void ddb_batch_writer_clear_failed(ddb_batch_writer *w)
{
    if (w == NULL)
        return;
    for (size_t i = 0; i < w->n_failed; i++)
        entry_free(&w->failed[i]);
    w->n_failed = 0;
}

/* ------------------------------------------------------------ getter */

/* One key of a getter. */
typedef struct bslot {
    ddb_get_slot s;
    ddb_client *client;
    uint64_t hash;     /* of table and key values */
    int status;        /* 1, 0, DDB_BATCH_GET_PENDING or < 0 */
    char *message;     /* status < 0 */
    bool todo;         /* unresolved in the current run */
} bslot;

struct ddb_batch_getter {
    ddb_client *client;
    ddb_batch_opts opts;   /* projection: owned copies */
    bslot *slots;
    size_t n, cap;
    size_t *index;         /* open addressing: slot + 1, 0 empty */
    size_t index_cap;      /* power of two, > 2n */
    ddb_batch_failure *failed; /* view of the failed slots */
    size_t n_failed;
};

/* --- hashing keys: table name and key values; numbers by value, like
 * ddb_av_equal, so equal keys hash equally whatever their text. */

#define FNV_OFFSET 14695981039346656037ull
#define FNV_PRIME 1099511628211ull

static uint64_t fnv(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * FNV_PRIME;
    return h;
}

/* Hashes number text as sign, significant digits and decimal exponent. */
static uint64_t hash_number(uint64_t h, const char *s, size_t len)
{
    size_t i = 0, pos = 0, point = SIZE_MAX, first = SIZE_MAX, last = 0;
    bool negative = false;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        negative = s[i++] == '-';
    size_t digits_at = i;
    for (; i < len && s[i] != 'e' && s[i] != 'E'; i++) {
        if (s[i] == '.') {
            point = pos;
            continue;
        }
        if (s[i] != '0') {
            if (first == SIZE_MAX)
                first = pos;
            last = pos;
        }
        pos++;
    }
    if (first == SIZE_MAX)
        return fnv(h, "0", 1);
    long exp = i < len ? strtol(s + i + 1, NULL, 10) : 0;
    long scale = (long)(point == SIZE_MAX ? pos : point) - (long)first + exp;
    h = fnv(h, negative ? "-" : "+", 1);
    for (size_t k = digits_at, d = 0; k < len && d <= last; k++) {
        if (s[k] == '.')
            continue;
        if (d >= first)
            h = fnv(h, &s[k], 1);
        d++;
    }
    return fnv(h, &scale, sizeof scale);
}

static uint64_t hash_value(uint64_t h, const ddb_av *v)
{
    if (v == NULL)
        return h;
    h = fnv(h, &v->type, sizeof v->type);
    if (v->type == DDB_AV_N)
        return hash_number(h, v->u.str.ptr, v->u.str.len);
    if (v->type == DDB_AV_S || v->type == DDB_AV_B)
        return fnv(h, v->u.str.ptr, v->u.str.len);
    return h;
}

/* Hash of the key of model `m` in `item` (an item or a key). */
static uint64_t key_hash(const ddb_model *m, const ddb_av *item)
{
    uint64_t h = fnv(FNV_OFFSET, m->table, strlen(m->table) + 1);
    h = hash_value(h, ddb_av_map_get(item, m->fields[m->hash_key].attr));
    if (m->range_key >= 0)
        h = hash_value(h, ddb_av_map_get(item, m->fields[m->range_key].attr));
    return h;
}

/* The slot whose key `item` holds, for table `table` keyed like `m`;
 * NULL when none. */
static bslot *find_slot(const ddb_batch_getter *g, const ddb_model *m, const char *table,
                        const ddb_av *item)
{
    if (g->index_cap == 0)
        return NULL;
    uint64_t h = key_hash(m, item);
    for (size_t p = (size_t)h & (g->index_cap - 1);; p = (p + 1) & (g->index_cap - 1)) {
        if (g->index[p] == 0)
            return NULL;
        bslot *s = &g->slots[g->index[p] - 1];
        if (s->hash == h && strcmp(s->s.m->table, table) == 0 && ddb_batch_key_matches(s->s.key, item))
            return s;
    }
}

static void index_put(ddb_batch_getter *g, size_t slot)
{
    for (size_t p = (size_t)g->slots[slot].hash & (g->index_cap - 1);; p = (p + 1) & (g->index_cap - 1)) {
        if (g->index[p] == 0) {
            g->index[p] = slot + 1;
            return;
        }
    }
}

/* Room for one more slot, in the array and in the index (kept under half full). */
static int getter_reserve(ddb_batch_getter *g)
{
    if (g->n == g->cap) {
        size_t cap = g->cap != 0 ? g->cap * 2 : 16;
        bslot *p = realloc(g->slots, cap * sizeof *p);
        if (p == NULL)
            return ddb_error_set(DDB_ENOMEM, "out of memory adding a batch get key");
        g->slots = p;
        g->cap = cap;
    }
    if (2 * (g->n + 1) < g->index_cap)
        return 0;
    size_t cap = g->index_cap != 0 ? g->index_cap * 2 : 64;
    size_t *index = calloc(cap, sizeof *index);
    if (index == NULL)
        return ddb_error_set(DDB_ENOMEM, "out of memory adding a batch get key");
    free(g->index);
    g->index = index;
    g->index_cap = cap;
    for (size_t i = 0; i < g->n; i++)
        index_put(g, i);
    return 0;
}

static void free_projection(ddb_batch_opts *o)
{
    for (size_t i = 0; i < o->n_projection; i++)
        free((char *)o->projection[i]);
    free((void *)o->projection);
    o->projection = NULL;
    o->n_projection = 0;
}

/* Copies the projection names into `o` (which holds the caller's). */
static int copy_projection(ddb_batch_opts *o)
{
    const char *const *src = o->projection;
    size_t n = o->n_projection;
    o->projection = NULL;
    o->n_projection = 0;
    if (src == NULL || n == 0)
        return 0;
    char **copy = calloc(n, sizeof *copy);
    if (copy == NULL)
        return ddb_error_set(DDB_ENOMEM, "out of memory copying a projection");
    o->projection = (const char *const *)copy;
    for (size_t i = 0; i < n; i++) {
        if (src[i] == NULL || src[i][0] == '\0')
            return ddb_error_set(DDB_EINVAL, "ddb_batch_opts: projection[%zu] is empty", i);
        if ((copy[i] = ddb_strdup(src[i])) == NULL)
            return DDB_ENOMEM;
        o->n_projection = i + 1;
    }
    return 0;
}

int ddb_batch_getter_new(ddb_batch_getter **out, ddb_client *client, const ddb_batch_opts *opts)
{
    *out = NULL;
    ddb_batch_opts o;
    int rc = read_batch_opts(opts, &o);
    if (rc != 0)
        return rc;
    ddb_batch_getter *g = calloc(1, sizeof *g);
    if (g == NULL)
        return ddb_error_set(DDB_ENOMEM, "out of memory creating a batch getter");
    g->client = client;
    g->opts = o;
    if ((rc = copy_projection(&g->opts)) != 0) {
        ddb_batch_getter_free(g);
        return rc;
    }
    *out = g;
    return 0;
}

void ddb_batch_getter_reset(ddb_batch_getter *g)
{
    if (g == NULL)
        return;
    for (size_t i = 0; i < g->n; i++) {
        ddb_av_free(g->slots[i].s.key);
        free(g->slots[i].message);
    }
    g->n = 0;
    if (g->index != NULL)
        memset(g->index, 0, g->index_cap * sizeof *g->index);
    free(g->failed);
    g->failed = NULL;
    g->n_failed = 0;
}

void ddb_batch_getter_free(ddb_batch_getter *g)
{
    if (g == NULL)
        return;
    ddb_batch_getter_reset(g);
    free(g->slots);
    free(g->index);
    free_projection(&g->opts);
    free(g);
}

static int add_get(ddb_batch_getter *g, const ddb_model *m, const void *key_obj, const void *hash,
                   const void *range, void *out, bool *found)
{
    if (g == NULL)
        return ddb_error_set(DDB_EINVAL, "batch getter is NULL");
    ddb_client *client;
    int rc = ddb_batch_client(g->client, m, &client);
    if (rc == 0)
        rc = getter_reserve(g);
    if (rc != 0)
        return rc;
    bslot s = {.client = client, .status = DDB_BATCH_GET_PENDING};
    if ((rc = ddb_get_slot_init(&s.s, m, key_obj, hash, range, NULL, NULL)) != 0)
        return rc;
    const bslot *dup = find_slot(g, m, m->table, s.s.key);
    if (dup != NULL) {
        char what[96];
        snprintf(what, sizeof what, "already added to this batch get as slot %zu",
                 (size_t)(dup - g->slots));
        rc = ddb_batch_key_error(DDB_EINVAL, m, s.s.key, what);
        ddb_av_free(s.s.key);
        return rc;
    }
    s.s.out = out;
    s.s.found = found;
    if (found != NULL)
        *found = false;
    s.hash = key_hash(m, s.s.key);
    g->slots[g->n] = s;
    index_put(g, g->n);
    g->n++;
    return 0;
}

int ddb_batch_getter_add(void *out, bool *found, ddb_batch_getter *g, const ddb_model *m,
                      const void *hash, const void *range)
{
    return add_get(g, m, NULL, hash, range, out, found);
}

int ddb_batch_getter_add_obj(void *out, bool *found, ddb_batch_getter *g, const ddb_model *m,
                          const void *key_obj)
{
    if (key_obj == NULL)
        return ddb_error_set(DDB_EINVAL, "ddb_batch_getter_add_obj: key object is NULL");
    return add_get(g, m, key_obj, NULL, NULL, out, found);
}

/* Resolves a slot as failed with `code` and the current error text. */
static void slot_fail(bslot *s, int code)
{
    char *text = ddb_batch_error_text();
    free(s->message);
    s->message = text != oom_text ? text : NULL;
    s->status = code;
    s->todo = false;
}

/* Loads a found item into slot `s` of `g`. */
static void slot_found(const ddb_batch_getter *g, bslot *s, const ddb_av *item)
{
    int rc = s->s.out != NULL ? ddb_model_read_item(s->s.out, s->s.m, item) : 0;
    if (rc != 0) {
        ddb_error_prefix("BatchGetItem slot %zu: ", (size_t)(s - g->slots));
        slot_fail(s, rc);
        return;
    }
    if (s->s.found != NULL)
        *s->s.found = true;
    s->status = 1;
    s->todo = false;
}

/* The tables of one group: keys and the projection of each. */
typedef struct gtable {
    const ddb_model *m;     /* the first model naming the table: its key attributes */
    ddb_expr_ctx ctx;       /* projection names */
    ddb_buf projection;
} gtable;

typedef struct ggroup {
    bslot *slots[DDB_BATCH_GET_MAX];
    size_t n;
    gtable tables[DDB_BATCH_GET_MAX];
    size_t n_tables;
    size_t table_of[DDB_BATCH_GET_MAX]; /* slot -> table */
} ggroup;

static void group_free(ggroup *grp)
{
    for (size_t t = 0; t < grp->n_tables; t++) {
        ddb_expr_ctx_free(&grp->tables[t].ctx);
        ddb_buf_free(&grp->tables[t].projection);
    }
}

/* Appends `attr` to a table's projection. */
static int project(gtable *t, const char *attr)
{
    ddb_buf path = DDB_BUF_INIT;
    int rc = ddb_attr_path(attr, &path);
    if (rc == 0 && t->projection.len != 0)
        rc = ddb_buf_puts(&t->projection, ", ");
    if (rc == 0)
        rc = ddb_expr_render_path(&t->projection, &t->ctx, ddb_buf_cstr(&path));
    ddb_buf_free(&path);
    return rc;
}

/* Whether projection name `i` repeats a key attribute or an earlier name. */
static bool projected_already(const ddb_batch_opts *o, const ddb_model *m, size_t i)
{
    const char *attr = o->projection[i];
    if (strcmp(attr, m->fields[m->hash_key].attr) == 0 ||
        (m->range_key >= 0 && strcmp(attr, m->fields[m->range_key].attr) == 0))
        return true;
    for (size_t k = 0; k < i; k++) {
        if (strcmp(o->projection[k], attr) == 0)
            return true;
    }
    return false;
}

/* The key attributes, then the projection names, once each. */
static int table_projection(const ddb_batch_getter *g, gtable *t)
{
    if (g->opts.n_projection == 0)
        return 0;
    int rc = project(t, t->m->fields[t->m->hash_key].attr);
    if (rc == 0 && t->m->range_key >= 0)
        rc = project(t, t->m->fields[t->m->range_key].attr);
    for (size_t i = 0; rc == 0 && i < g->opts.n_projection; i++) {
        if (!projected_already(&g->opts, t->m, i))
            rc = project(t, g->opts.projection[i]);
    }
    return rc;
}

/* Collects up to 100 unresolved slots of one client, from `*cursor` on,
 * and their tables. */
static int group_collect(ddb_batch_getter *g, size_t *cursor, ggroup *grp)
{
    memset(grp, 0, sizeof *grp);
    while (*cursor < g->n && !g->slots[*cursor].todo)
        (*cursor)++;
    ddb_client *client = *cursor < g->n ? g->slots[*cursor].client : NULL;
    for (size_t i = *cursor; i < g->n && grp->n < DDB_BATCH_GET_MAX; i++) {
        bslot *s = &g->slots[i];
        if (!s->todo || s->client != client)
            continue;
        size_t t = 0;
        while (t < grp->n_tables && strcmp(grp->tables[t].m->table, s->s.m->table) != 0)
            t++;
        if (t == grp->n_tables) {
            grp->tables[t].m = s->s.m;
            grp->n_tables++;
            int rc = table_projection(g, &grp->tables[t]);
            if (rc != 0)
                return rc;
        }
        grp->table_of[grp->n] = t;
        grp->slots[grp->n++] = s;
    }
    return 0;
}

/* The group's slot for an item or key of table `table`; -1 if none. */
static int group_find(const ddb_batch_getter *g, const ggroup *grp, const char *table,
                      const ddb_av *item)
{
    for (size_t t = 0; t < grp->n_tables; t++) {
        if (strcmp(grp->tables[t].m->table, table) != 0)
            continue;
        const bslot *s = find_slot(g, grp->tables[t].m, table, item);
        for (size_t i = 0; s != NULL && i < grp->n; i++) {
            if (grp->slots[i] == s)
                return (int)i;
        }
    }
    return -1;
}

/* Matches a response to the group: where[i] = 1 for a returned item
 * (items[i] it is), 2 for unprocessed, 0 not found. DDB_EPROTOCOL when
 * the response names a key not asked for in this request. */
static int match_response(const ddb_batch_getter *g, const ggroup *grp, const bool *live,
                          const ddb_batch_get_item_output *out, int *where, const ddb_av **items)
{
    for (size_t r = 0; r < out->n_responses; r++) {
        const ddb_table_items *ti = &out->responses[r];
        for (size_t k = 0; k < ti->n_items; k++) {
            int i = group_find(g, grp, ti->table_name, ti->items[k]);
            if (i < 0 || !live[i] || where[i] != 0)
                return ddb_error_set(DDB_EPROTOCOL,
                                     "BatchGetItem: table %s returned an item not asked for",
                                     ti->table_name);
            where[i] = 1;
            items[i] = ti->items[k];
        }
    }
    for (size_t u = 0; u < out->n_unprocessed; u++) {
        const ddb_batch_get_table *bt = &out->unprocessed[u];
        for (size_t k = 0; k < bt->n_keys; k++) {
            int i = group_find(g, grp, bt->table_name, bt->keys[k]);
            if (i < 0 || !live[i] || where[i] != 0)
                return ddb_error_set(DDB_EPROTOCOL,
                                     "BatchGetItem: table %s returned an unprocessed key not asked for",
                                     bt->table_name);
            where[i] = 2;
        }
    }
    return 0;
}

/* One BatchGetItem of the group's live slots; resolves what it can. */
static int get_request(ddb_batch_getter *g, ggroup *grp, bool *live)
{
    const ddb_av *keys[DDB_BATCH_GET_MAX];
    ddb_batch_get_table tables[DDB_BATCH_GET_MAX];
    size_t nt = 0, nk = 0;
    for (size_t t = 0; t < grp->n_tables; t++) {
        size_t first = nk;
        for (size_t i = 0; i < grp->n; i++) {
            if (live[i] && grp->table_of[i] == t)
                keys[nk++] = grp->slots[i]->s.key;
        }
        if (nk == first)
            continue;
        gtable *gt = &grp->tables[t];
        ddb_batch_get_table *bt = &tables[nt++];
        memset(bt, 0, sizeof *bt);
        bt->table_name = gt->m->table;
        bt->keys = &keys[first];
        bt->n_keys = nk - first;
        bt->consistent_read = g->opts.consistent_read;
        bt->projection_expression = gt->projection.len != 0 ? gt->projection.data : NULL;
        bt->names = gt->ctx.names;
    }
    ddb_batch_get_item_input in = DDB_BATCH_GET_ITEM_INPUT_INIT;
    in.tables = tables;
    in.n_tables = nt;
    ddb_batch_get_item_output out;
    int rc = ddb_batch_get_item(&out, grp->slots[0]->client, &in);
    int where[DDB_BATCH_GET_MAX] = {0};
    const ddb_av *items[DDB_BATCH_GET_MAX] = {NULL};
    if (rc == 0)
        rc = match_response(g, grp, live, &out, where, items);
    for (size_t i = 0; rc == 0 && i < grp->n; i++) {
        if (!live[i] || where[i] == 2)
            continue;
        live[i] = false;
        if (where[i] == 1) {
            slot_found(g, grp->slots[i], items[i]);
        } else {
            grp->slots[i]->status = 0;
            grp->slots[i]->todo = false;
        }
    }
    ddb_batch_get_item_output_free(&out);
    return rc;
}

/* Reads one group until every slot is resolved. */
static void get_group(ddb_batch_getter *g, ggroup *grp)
{
    bool live[DDB_BATCH_GET_MAX];
    for (size_t i = 0; i < grp->n; i++)
        live[i] = true;
    for (unsigned attempt = 1;; attempt++) {
        int rc = get_request(g, grp, live);
        size_t left = count_true(live, grp->n);
        if (left == 0)
            return;
        bool give_up = (rc != 0 && !ddb_batch_retryable(rc)) || attempt >= g->opts.max_attempts;
        if (give_up) {
            if (rc == 0)
                rc = ddb_error_set(DDB_ETHROTTLED,
                                   "BatchGetItem: %zu of %zu keys still unprocessed after %u requests",
                                   left, grp->n, attempt);
            for (size_t i = 0; i < grp->n; i++) {
                if (live[i])
                    slot_fail(grp->slots[i], rc);
            }
            return;
        }
        ddb_batch_backoff(grp->slots[0]->client, attempt - 1);
    }
}

/* Rebuilds the failure view; 0 or DDB_ENOMEM. */
static int build_failed(ddb_batch_getter *g)
{
    free(g->failed);
    g->failed = NULL;
    g->n_failed = 0;
    size_t n = 0;
    for (size_t i = 0; i < g->n; i++)
        n += g->slots[i].status < 0;
    if (n == 0)
        return 0;
    if ((g->failed = calloc(n, sizeof *g->failed)) == NULL)
        return ddb_error_set(DDB_ENOMEM, "out of memory listing failed batch gets");
    for (size_t i = 0; i < g->n; i++) {
        const bslot *s = &g->slots[i];
        if (s->status >= 0)
            continue;
        g->failed[g->n_failed++] = (ddb_batch_failure){
            i, s->s.m, DDB_BATCH_GET, s->s.key, NULL, s->status,
            s->message != NULL ? s->message : oom_text, false};
    }
    return 0;
}

int ddb_batch_getter_run(ddb_batch_getter *g)
{
    if (g == NULL)
        return ddb_error_set(DDB_EINVAL, "batch getter is NULL");
    for (size_t i = 0; i < g->n; i++) {
        bslot *s = &g->slots[i];
        s->todo = s->status != 0 && s->status != 1;
        if (s->todo) {
            s->status = DDB_BATCH_GET_PENDING;
            free(s->message);
            s->message = NULL;
        }
    }
    size_t cursor = 0;
    int rc = 0;
    for (;;) {
        ggroup grp;
        rc = group_collect(g, &cursor, &grp);
        if (rc != 0 || grp.n == 0) {
            group_free(&grp);
            break;
        }
        get_group(g, &grp);
        group_free(&grp);
    }
    if (rc != 0) { /* out of memory building a request: the rest fail */
        for (size_t i = 0; i < g->n; i++) {
            if (g->slots[i].todo)
                slot_fail(&g->slots[i], rc);
        }
    }
    int brc = build_failed(g);
    if (brc != 0)
        return brc;
    return failure_summary("BatchGetItem", g->failed, g->n_failed, "key");
}

size_t ddb_batch_getter_count(const ddb_batch_getter *g)
{
    return g != NULL ? g->n : 0;
}

int ddb_batch_getter_status(const ddb_batch_getter *g, size_t i)
{
    return g != NULL && i < g->n ? g->slots[i].status : DDB_EINVAL;
}

const ddb_batch_failure *ddb_batch_getter_failed(size_t *n, const ddb_batch_getter *g)
{
    *n = g != NULL ? g->n_failed : 0;
    return *n != 0 ? g->failed : NULL;
}
