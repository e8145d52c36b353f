/*
 * tracker.c - the status tracker (ddb/tracker.h; docs/status-tracker.md).
 *
 * The item of a task (the layout schemas/status_tracker.yaml declares):
 *
 *   key        S  "<use case>/<task id>" (the table's hash key; a use case
 *                 has no '/', so the split is exact)
 *   use_case   S, task_id S, status S ("pending", ...)
 *   queue      S  "<use case>/<status>/<shard>": hash key of the by_status
 *                 index (range: due_ms), for listings by status
 *   todo       S  "<use case>/<shard>", only while pending, failed or
 *                 in_progress: hash key of the sparse `runnable` index
 *                 (range: due_ms), so "runnable now" is one key condition
 *   due_ms     N  pending/failed: runnable from; in_progress: lock expiry;
 *                 succeeded/ignored: when it finished
 *   created_ms N, updated_ms N, attempts N, version N
 *   lock       S  the holder's random token, only while in_progress
 *   data       S  JSON text (optional)
 *   errors     L  of M {at_ms N, attempt N, message S}, oldest first
 *
 * Every change after the first write is one UpdateItem conditional on the
 * version that was read (and, for the holder's reports, on its lock
 * token), returning the new item.
 */
#include "feature_macros.h" /* first: feature-test macros before any system header */

#include "ddb/tracker.h"

#include <openssl/rand.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ddb/av.h"
#include "ddb/buf.h"
#include "ddb/error.h"
#include "ddb/expr.h"
#include "ddb/model.h"
#include "ddb/ops.h"
#include "json_internal.h"
#include "json_parse.h"
#include "model_internal.h"

#define INDEX_BY_STATUS "by_status"
#define INDEX_RUNNABLE "runnable"
#define USE_CASE_MAX 64
#define TASK_ID_MAX 1024
/* Candidates read per shard by ddb_tracker_next, and rounds of reading. */
#define NEXT_BATCH 8
#define NEXT_ROUNDS 4
/* Re-reads when a task changes between read and claim (start, reset). */
#define RACE_RETRIES 3

struct ddb_tracker {
    ddb_client *client;
    char *table;
    char *use_case;
    uint32_t shards, max_attempts, max_errors;
    int64_t lock_ms, retry_delay_ms;
    int64_t (*clock_ms)(void *arg);
    void *clock_arg;
};

static const char *const status_names[DDB_TASK_STATUS_COUNT] = {"pending", "in_progress", "failed", "succeeded",
                                                                 "ignored"};

const char *ddb_task_status_name(ddb_task_status s)
{
    return (unsigned)s < DDB_TASK_STATUS_COUNT ? status_names[s] : NULL;
}

static bool runnable_status(ddb_task_status s)
{
    return s == DDB_TASK_PENDING || s == DDB_TASK_FAILED || s == DDB_TASK_IN_PROGRESS;
}

/* ------------------------------------------------------------------ */
/* Tasks                                                              */
/* ------------------------------------------------------------------ */

void ddb_task_clear(ddb_task *t)
{
    if (t == NULL)
        return;
    free(t->use_case);
    free(t->task_id);
    free(t->lock);
    free(t->data);
    for (size_t i = 0; i < t->n_errors; i++)
        free(t->errors[i].message);
    free(t->errors);
    *t = (ddb_task)DDB_TASK_INIT;
}

void ddb_task_list_clear(ddb_task_list *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->n; i++)
        ddb_task_clear(&l->tasks[i]);
    free(l->tasks);
    *l = (ddb_task_list)DDB_TASK_LIST_INIT;
}

/* ------------------------------------------------------------------ */
/* Configuration                                                      */
/* ------------------------------------------------------------------ */

static bool use_case_ok(const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;
    if (n == 0 || n > USE_CASE_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
              c == '-'))
            return false;
    }
    return true;
}

int ddb_tracker_new(ddb_tracker **out, const ddb_tracker_config *cfg)
{
    if (out == NULL || cfg == NULL)
        return ddb_error_set(DDB_EINVAL, "ddb_tracker_new: out and cfg are required");
    *out = NULL;
    int rc = DDB_OPTS_CHECK(cfg, DDB_TRACKER_CONFIG_VERSION, "ddb_tracker_config");
    if (rc != 0)
        return rc;
    if (cfg->client == NULL || cfg->table == NULL || cfg->table[0] == '\0')
        return ddb_error_set(DDB_EINVAL, "ddb_tracker_new: client and table are required");
    if (!use_case_ok(cfg->use_case))
        return ddb_error_set(DDB_EINVAL, "ddb_tracker_new: use case \"%.80s\" is not 1 to %d of [A-Za-z0-9_.-]",
                             cfg->use_case != NULL ? cfg->use_case : "", USE_CASE_MAX);
    if (cfg->shards > 256 || cfg->lock_ms < 0 || cfg->retry_delay_ms < 0)
        return ddb_error_set(DDB_EINVAL, "ddb_tracker_new: shards must be 0..256, lock_ms and retry_delay_ms >= 0");
    ddb_tracker *tr = calloc(1, sizeof *tr);
    if (tr == NULL || (tr->table = ddb_strdup(cfg->table)) == NULL || (tr->use_case = ddb_strdup(cfg->use_case)) == NULL) {
        ddb_tracker_free(tr);
        return ddb_error_set(DDB_ENOMEM, "ddb_tracker_new: out of memory");
    }
    tr->client = cfg->client;
    tr->shards = cfg->shards != 0 ? cfg->shards : 4;
    tr->max_attempts = cfg->max_attempts != 0 ? cfg->max_attempts : 3;
    tr->max_errors = cfg->max_errors != 0 ? cfg->max_errors : 10;
    tr->lock_ms = cfg->lock_ms != 0 ? cfg->lock_ms : 15 * 60 * 1000;
    tr->retry_delay_ms = cfg->retry_delay_ms;
    tr->clock_ms = cfg->clock_ms;
    tr->clock_arg = cfg->clock_arg;
    *out = tr;
    return 0;
}

void ddb_tracker_free(ddb_tracker *tr)
{
    if (tr == NULL)
        return;
    free(tr->table);
    free(tr->use_case);
    free(tr);
}

uint32_t ddb_tracker_shard(const char *task_id, uint32_t shards)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)task_id; *p != '\0'; p++) {
        h ^= *p;
        h *= 16777619u;
    }
    return shards != 0 ? h % shards : 0;
}

static int64_t tracker_now_ms(const ddb_tracker *tr)
{
    if (tr->clock_ms != NULL)
        return tr->clock_ms(tr->clock_arg);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Whether `s` is UTF-8 DynamoDB can store (NUL-free text). */
static bool utf8_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        size_t k = p[i] < 0x80 ? 1 : ddb_utf8_seq(p + i, n - i);
        if (k == 0)
            return false;
        i += k;
    }
    return true;
}

static int check_task_id(const char *op, const char *task_id)
{
    size_t n = task_id != NULL ? strlen(task_id) : 0;
    if (n == 0 || n > TASK_ID_MAX || !utf8_ok(task_id))
        return ddb_error_set(DDB_EINVAL, "%s: a task id is 1 to %d bytes of UTF-8", op, TASK_ID_MAX);
    return 0;
}

static int check_data(const char *op, const char *data)
{
    int rc = data != NULL ? ddb_json_text_check(data, strlen(data)) : 0;
    if (rc != 0)
        ddb_error_prefix("%s: data is not one JSON value: ", op);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Items                                                              */
/* ------------------------------------------------------------------ */

static ddb_av *key_of(const ddb_tracker *tr, const char *task_id)
{
    ddb_buf k = DDB_BUF_INIT;
    ddb_av *key = ddb_av_new(DDB_AV_M);
    int rc = key != NULL ? ddb_buf_printf(&k, "%s/%s", tr->use_case, task_id) : DDB_ENOMEM;
    if (rc == 0)
        rc = ddb_av_map_set(key, "key", ddb_av_s_len(k.data, k.len));
    ddb_buf_free(&k);
    if (rc != 0) {
        ddb_av_free(key);
        return NULL;
    }
    return key;
}

/* The index partition `shard` of the use case, as an S: `queue`
 * "<use case>/<status>/<shard>" for a status >= 0, else `todo`
 * "<use case>/<shard>". */
static ddb_av *partition(const ddb_tracker *tr, int status, uint32_t shard)
{
    ddb_buf b = DDB_BUF_INIT;
    int rc = status >= 0 ? ddb_buf_printf(&b, "%s/%s/%u", tr->use_case, status_names[status], (unsigned)shard)
                         : ddb_buf_printf(&b, "%s/%u", tr->use_case, (unsigned)shard);
    ddb_av *v = rc == 0 ? ddb_av_s_len(b.data, b.len) : NULL;
    ddb_buf_free(&b);
    return v;
}

static int want_s(char **dst, const ddb_av *item, const char *attr, bool required)
{
    const ddb_av *v = ddb_av_map_get(item, attr);
    if (v == NULL)
        return required ? ddb_error_set(DDB_ETYPE, "status tracker item: attribute %s is missing", attr) : 0;
    if (v->type != DDB_AV_S)
        return ddb_error_set(DDB_ETYPE, "status tracker item: attribute %s is %s, not S", attr,
                             ddb_av_type_tag(v->type));
    *dst = malloc(v->u.str.len + 1);
    if (*dst == NULL)
        return ddb_error_set(DDB_ENOMEM, "status tracker item: out of memory");
    memcpy(*dst, v->u.str.ptr, v->u.str.len);
    (*dst)[v->u.str.len] = '\0';
    return 0;
}

static int want_n(int64_t *dst, const ddb_av *item, const char *attr)
{
    const ddb_av *v = ddb_av_map_get(item, attr);
    if (v == NULL || ddb_av_get_i64(dst, v) != 0)
        return ddb_error_set(DDB_ETYPE, "status tracker item: attribute %s is %s, not an integer N", attr,
                             v == NULL ? "missing" : ddb_av_type_tag(v->type));
    return 0;
}

static int parse_errors(ddb_task *t, const ddb_av *item)
{
    const ddb_av *l = ddb_av_map_get(item, "errors");
    if (l == NULL)
        return 0;
    if (l->type != DDB_AV_L)
        return ddb_error_set(DDB_ETYPE, "status tracker item: attribute errors is %s, not L",
                             ddb_av_type_tag(l->type));
    size_t n = l->u.list.len;
    if (n == 0)
        return 0;
    t->errors = calloc(n, sizeof *t->errors);
    if (t->errors == NULL)
        return ddb_error_set(DDB_ENOMEM, "status tracker item: out of memory");
    for (size_t i = 0; i < n; i++) {
        const ddb_av *e = l->u.list.items[i];
        if (e->type != DDB_AV_M)
            return ddb_error_set(DDB_ETYPE, "status tracker item: errors[%zu] is not M", i);
        t->n_errors = i + 1;
        int rc = want_n(&t->errors[i].at_ms, e, "at_ms");
        if (rc == 0)
            rc = want_n(&t->errors[i].attempt, e, "attempt");
        if (rc == 0)
            rc = want_s(&t->errors[i].message, e, "message", true);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Reads `item` into *t (cleared first; cleared again on failure). */
static int parse_task(ddb_task *t, const ddb_av *item)
{
    ddb_task_clear(t);
    char *status = NULL;
    int rc = want_s(&t->use_case, item, "use_case", true);
    if (rc == 0)
        rc = want_s(&t->task_id, item, "task_id", true);
    if (rc == 0)
        rc = want_s(&status, item, "status", true);
    if (rc == 0) {
        rc = ddb_error_set(DDB_ETYPE, "status tracker item: status \"%.40s\" is not a task status", status);
        for (int i = 0; i < DDB_TASK_STATUS_COUNT; i++)
            if (strcmp(status, status_names[i]) == 0) {
                t->status = (ddb_task_status)i;
                rc = 0;
            }
    }
    free(status);
    const char *const nums[] = {"attempts", "created_ms", "updated_ms", "due_ms", "version"};
    int64_t *const dst[] = {&t->attempts, &t->created_ms, &t->updated_ms, &t->due_ms, &t->version};
    for (size_t i = 0; rc == 0 && i < sizeof nums / sizeof nums[0]; i++)
        rc = want_n(dst[i], item, nums[i]);
    if (rc == 0)
        rc = want_s(&t->lock, item, "lock", false);
    if (rc == 0)
        rc = want_s(&t->data, item, "data", false);
    if (rc == 0)
        rc = parse_errors(t, item);
    if (rc != 0)
        ddb_task_clear(t);
    return rc;
}

/* The error history `t` would have with one more entry, the newest
 * max_errors kept. NULL when out of memory. */
static ddb_av *errors_with(const ddb_tracker *tr, const ddb_task *t, int64_t at, int64_t attempt, const char *message)
{
    ddb_av *l = ddb_av_new(DDB_AV_L);
    size_t keep = t->n_errors + 1 > tr->max_errors ? tr->max_errors - 1 : t->n_errors;
    int rc = l != NULL ? 0 : DDB_ENOMEM;
    for (size_t i = t->n_errors - keep; rc == 0 && i <= t->n_errors; i++) {
        ddb_av *e = ddb_av_new(DDB_AV_M);
        bool fresh = i == t->n_errors;
        rc = e != NULL ? ddb_av_map_set(e, "at_ms", ddb_av_n_i64(fresh ? at : t->errors[i].at_ms)) : DDB_ENOMEM;
        if (rc == 0)
            rc = ddb_av_map_set(e, "attempt", ddb_av_n_i64(fresh ? attempt : t->errors[i].attempt));
        if (rc == 0)
            rc = ddb_av_map_set(e, "message", ddb_av_s(fresh ? message : t->errors[i].message));
        rc = rc == 0 ? ddb_av_list_push(l, e) : (ddb_av_free(e), rc);
    }
    if (rc != 0) {
        ddb_av_free(l);
        return NULL;
    }
    return l;
}

/* ------------------------------------------------------------------ */
/* Requests                                                           */
/* ------------------------------------------------------------------ */

/* The item of task_id, strongly consistent (*item NULL: none). */
static int read_item(ddb_tracker *tr, const char *task_id, ddb_av **item)
{
    *item = NULL;
    ddb_av *key = key_of(tr, task_id);
    if (key == NULL)
        return ddb_error_set(DDB_ENOMEM, "status tracker: out of memory");
    ddb_get_item_input in = DDB_GET_ITEM_INPUT_INIT;
    in.table_name = tr->table;
    in.key = key;
    in.consistent_read = true;
    ddb_get_item_output res;
    int rc = ddb_get_item(&res, tr->client, &in);
    if (rc == 0) {
        *item = res.item;
        res.item = NULL;
    }
    ddb_get_item_output_free(&res);
    ddb_av_free(key);
    return rc;
}

/* A fresh token (lock, write id): 128 random bits as hex. */
static ddb_av *new_token(void)
{
    unsigned char r[16];
    if (RAND_bytes(r, (int)sizeof r) != 1)
        return NULL;
    ddb_buf b = DDB_BUF_INIT;
    ddb_av *v = ddb_buf_put_hex(&b, r, sizeof r) == 0 ? ddb_av_s_len(b.data, b.len) : NULL;
    ddb_buf_free(&b);
    return v;
}

/*
 * After a failed condition: whether the item holds `write_id`, i.e. this
 * very update was applied on an earlier attempt whose response was lost
 * (the client retried it, and the retry found the item changed by itself).
 * 1 (and *out filled when not NULL), 0, or an error code.
 */
static int landed(ddb_tracker *tr, const char *task_id, const ddb_av *write_id, ddb_task *out)
{
    ddb_av *item = NULL;
    int rc = read_item(tr, task_id, &item);
    const ddb_av *w = item != NULL ? ddb_av_map_get(item, "write_id") : NULL;
    if (rc == 0 && w != NULL && ddb_av_equal(w, write_id)) {
        rc = out != NULL ? parse_task(out, item) : 0;
        if (rc == 0)
            rc = 1;
    }
    ddb_av_free(item);
    return rc;
}

/*
 * UpdateItem of task_id with `u` under `c` (both taken), the new item
 * parsed into *out when out is not NULL. DDB_ECONDITION when c is false.
 * Every update writes a fresh `write_id`, so that a retried request that
 * finds its own earlier attempt applied is recognised, not reported as a
 * failed condition.
 */
static int update(ddb_tracker *tr, const char *op, const char *task_id, ddb_update *u, ddb_cond *c, ddb_task *out)
{
    ddb_expr_ctx ctx = DDB_EXPR_CTX_INIT;
    ddb_buf ue = DDB_BUF_INIT, ce = DDB_BUF_INIT;
    ddb_av *key = key_of(tr, task_id);
    ddb_av *write_id = new_token();
    u = ddb_update_join(u, write_id != NULL ? ddb_update_set("write_id", ddb_av_clone(write_id))
                                            : ddb_update_error(DDB_ENOMEM));
    int rc = key != NULL ? ddb_expr_render_update(&ue, &ctx, u) : ddb_error_set(DDB_ENOMEM, "%s: out of memory", op);
    if (rc == 0)
        rc = ddb_expr_render_cond(&ce, &ctx, c);
    ddb_update_free(u);
    ddb_cond_free(c);
    if (rc == 0) {
        ddb_update_item_input in = DDB_UPDATE_ITEM_INPUT_INIT;
        in.table_name = tr->table;
        in.key = key;
        in.update_expression = ddb_buf_cstr(&ue);
        in.condition_expression = ddb_buf_cstr(&ce);
        in.names = ctx.names;
        in.values = ctx.values;
        in.return_values = out != NULL ? DDB_RETURN_ALL_NEW : DDB_RETURN_NONE;
        ddb_write_item_output res;
        rc = ddb_update_item(&res, tr->client, &in);
        if (rc == 0 && out != NULL)
            rc = res.attributes != NULL ? parse_task(out, res.attributes)
                                        : ddb_error_set(DDB_EPROTOCOL, "%s: UpdateItem returned no item", op);
        ddb_write_item_output_free(&res);
    }
    if (rc == DDB_ECONDITION) {
        ddb_error failed = *ddb_last_error();
        int own = landed(tr, task_id, write_id, out);
        if (own == 0)
            ddb_error_restore(&failed);
        rc = own == 1 ? 0 : own == 0 ? DDB_ECONDITION : own;
    }
    ddb_av_free(write_id);
    ddb_av_free(key);
    ddb_buf_free(&ue);
    ddb_buf_free(&ce);
    ddb_expr_ctx_free(&ctx);
    return rc;
}

/* The actions every change makes: status (with its queue and todo), due,
 * updated, version + 1. */
static ddb_update *transition(const ddb_tracker *tr, const char *task_id, int64_t version, ddb_task_status to,
                              int64_t due, int64_t now)
{
    uint32_t shard = ddb_tracker_shard(task_id, tr->shards);
    ddb_update *u = ddb_update_join(ddb_update_set("status", ddb_av_s(status_names[to])),
                                    ddb_update_set("queue", partition(tr, (int)to, shard)));
    u = ddb_update_join(u, runnable_status(to) ? ddb_update_set("todo", partition(tr, -1, shard))
                                               : ddb_update_remove("todo"));
    u = ddb_update_join(u, ddb_update_set("due_ms", ddb_av_n_i64(due)));
    u = ddb_update_join(u, ddb_update_set("updated_ms", ddb_av_n_i64(now)));
    return ddb_update_join(u, ddb_update_set("version", ddb_av_n_i64(version + 1)));
}

static ddb_cond *at_version(const ddb_task *t)
{
    return ddb_cond_cmp("version", DDB_CMP_EQ, ddb_av_n_i64(t->version));
}

/* The holder's condition: the version it holds and its lock token. */
static ddb_cond *held(const ddb_task *t)
{
    return ddb_cond_and(at_version(t), ddb_cond_cmp("lock", DDB_CMP_EQ, ddb_av_s(t->lock != NULL ? t->lock : "")));
}

static int lost(const char *op, const ddb_task *t)
{
    return ddb_error_set(DDB_EINUSE,
                         "%s: task %s/%s: the lock was lost (it expired and the task was claimed, or the task "
                         "was changed by another writer since version %lld)",
                         op, t->use_case, t->task_id, (long long)t->version);
}

static int check_holder(const char *op, const ddb_task *t)
{
    if (t == NULL || t->task_id == NULL || t->lock == NULL || t->status != DDB_TASK_IN_PROGRESS)
        return ddb_error_set(DDB_EINVAL, "%s: the task is not one this worker claimed", op);
    return 0;
}

int ddb_tracker_add(ddb_tracker *tr, const char *task_id, const char *data)
{
    int rc = check_task_id("ddb_tracker_add", task_id);
    if (rc == 0)
        rc = check_data("ddb_tracker_add", data);
    if (rc != 0)
        return rc;
    int64_t now = tracker_now_ms(tr);
    ddb_update *u = transition(tr, task_id, 0, DDB_TASK_PENDING, now, now);
    u = ddb_update_join(u, ddb_update_set("use_case", ddb_av_s(tr->use_case)));
    u = ddb_update_join(u, ddb_update_set("task_id", ddb_av_s(task_id)));
    u = ddb_update_join(u, ddb_update_set("created_ms", ddb_av_n_i64(now)));
    u = ddb_update_join(u, ddb_update_set("attempts", ddb_av_n_i64(0)));
    if (data != NULL)
        u = ddb_update_join(u, ddb_update_set("data", ddb_av_s(data)));
    rc = update(tr, "ddb_tracker_add", task_id, u, ddb_cond_not_exists("key"), NULL);
    if (rc == DDB_ECONDITION)
        return ddb_error_set(DDB_EEXISTS, "ddb_tracker_add: task %s/%s exists", tr->use_case, task_id);
    return rc;
}

int ddb_tracker_get(ddb_tracker *tr, const char *task_id, ddb_task *out)
{
    ddb_av *item = NULL;
    int rc = check_task_id("ddb_tracker_get", task_id);
    if (rc == 0)
        rc = read_item(tr, task_id, &item);
    if (rc == 0)
        rc = item != NULL ? parse_task(out, item)
                          : ddb_error_set(DDB_ENOTFOUND, "ddb_tracker_get: no task %s/%s", tr->use_case, task_id);
    ddb_av_free(item);
    return rc;
}

/*
 * Claims `seen` (a task as read, at its version) into *out: one UpdateItem
 * conditional on that version. DDB_EINUSE when it is locked or changed
 * since it was read; DDB_ECONDITION when it is not runnable (a task out of
 * attempts is made ignored on the way).
 */
static int claim(ddb_tracker *tr, const char *op, const ddb_task *seen, ddb_task *out, bool *raced)
{
    *raced = false;
    int64_t now = tracker_now_ms(tr);
    bool expired = false;
    switch (seen->status) {
    case DDB_TASK_PENDING:
    case DDB_TASK_FAILED:
        if (seen->due_ms > now)
            return ddb_error_set(DDB_ECONDITION, "%s: task %s/%s failed and is not due for %lld ms", op,
                                 seen->use_case, seen->task_id, (long long)(seen->due_ms - now));
        break;
    case DDB_TASK_IN_PROGRESS:
        if (seen->due_ms > now)
            return ddb_error_set(DDB_EINUSE, "%s: task %s/%s is locked by another worker for %lld ms", op,
                                 seen->use_case, seen->task_id, (long long)(seen->due_ms - now));
        expired = true;
        break;
    case DDB_TASK_SUCCEEDED:
    case DDB_TASK_IGNORED:
        return ddb_error_set(DDB_ECONDITION, "%s: task %s/%s is %s", op, seen->use_case, seen->task_id,
                             status_names[seen->status]);
    }
    bool spent = seen->attempts >= (int64_t)tr->max_attempts;
    ddb_update *u = transition(tr, seen->task_id, seen->version, spent ? DDB_TASK_IGNORED : DDB_TASK_IN_PROGRESS,
                               spent ? now : now + tr->lock_ms, now);
    if (expired) {
        char msg[96];
        snprintf(msg, sizeof msg, "lock expired at %lld ms: the worker did not report", (long long)seen->due_ms);
        ddb_av *errors = errors_with(tr, seen, now, seen->attempts, msg);
        u = ddb_update_join(u, errors != NULL ? ddb_update_set("errors", errors) : ddb_update_error(DDB_ENOMEM));
    }
    u = ddb_update_join(u, spent ? ddb_update_remove("lock") : ddb_update_set("lock", new_token()));
    if (!spent)
        u = ddb_update_join(u, ddb_update_set("attempts", ddb_av_n_i64(seen->attempts + 1)));
    int rc = update(tr, op, seen->task_id, u, at_version(seen), out);
    *raced = rc == DDB_ECONDITION;
    if (rc == DDB_ECONDITION)
        return ddb_error_set(DDB_EINUSE, "%s: task %s/%s changed since it was read at version %lld", op,
                             seen->use_case, seen->task_id, (long long)seen->version);
    if (rc == 0 && spent) {
        ddb_task_clear(out);
        return ddb_error_set(DDB_ECONDITION, "%s: task %s/%s is ignored after %lld attempts", op, seen->use_case,
                             seen->task_id, (long long)seen->attempts);
    }
    return rc;
}

int ddb_tracker_start(ddb_tracker *tr, const char *task_id, ddb_task *out)
{
    ddb_task seen = DDB_TASK_INIT;
    int rc = 0;
    bool raced = true;
    /* changed between the read and the claim: read again */
    for (int i = 0; raced && i < RACE_RETRIES; i++) {
        raced = false;
        rc = ddb_tracker_get(tr, task_id, &seen);
        if (rc == 0)
            rc = claim(tr, "ddb_tracker_start", &seen, out, &raced);
        ddb_task_clear(&seen);
    }
    return rc;
}

int ddb_tracker_extend(ddb_tracker *tr, ddb_task *task)
{
    int rc = check_holder("ddb_tracker_extend", task);
    if (rc != 0)
        return rc;
    int64_t now = tracker_now_ms(tr);
    ddb_update *u = transition(tr, task->task_id, task->version, DDB_TASK_IN_PROGRESS, now + tr->lock_ms, now);
    ddb_task fresh = DDB_TASK_INIT;
    rc = update(tr, "ddb_tracker_extend", task->task_id, u, held(task), &fresh);
    if (rc == DDB_ECONDITION)
        return lost("ddb_tracker_extend", task);
    if (rc == 0) {
        ddb_task_clear(task);
        *task = fresh;
    }
    return rc;
}

/* The holder's report: `to` (succeeded, failed or ignored), with the
 * extra actions `more` (taken). */
static int report(ddb_tracker *tr, const char *op, ddb_task *task, ddb_task_status to, int64_t due,
                  ddb_update *more)
{
    int64_t now = tracker_now_ms(tr);
    ddb_update *u = ddb_update_join(transition(tr, task->task_id, task->version, to, due == 0 ? now : due, now),
                                    ddb_update_remove("lock"));
    if (more != NULL)
        u = ddb_update_join(u, more);
    ddb_task fresh = DDB_TASK_INIT;
    int rc = update(tr, op, task->task_id, u, held(task), &fresh);
    if (rc == DDB_ECONDITION)
        return lost(op, task);
    if (rc == 0) {
        ddb_task_clear(task);
        *task = fresh;
    }
    return rc;
}

int ddb_tracker_succeed(ddb_tracker *tr, ddb_task *task, const char *data)
{
    int rc = check_holder("ddb_tracker_succeed", task);
    if (rc == 0)
        rc = check_data("ddb_tracker_succeed", data);
    if (rc != 0)
        return rc;
    ddb_update *more = data != NULL ? ddb_update_set("data", ddb_av_s(data)) : NULL;
    return report(tr, "ddb_tracker_succeed", task, DDB_TASK_SUCCEEDED, 0, more);
}

int ddb_tracker_fail(ddb_tracker *tr, ddb_task *task, const char *message)
{
    int rc = check_holder("ddb_tracker_fail", task);
    if (rc == 0 && (message == NULL || !utf8_ok(message)))
        rc = ddb_error_set(DDB_EINVAL, "ddb_tracker_fail: the message must be UTF-8 text");
    if (rc != 0)
        return rc;
    int64_t now = tracker_now_ms(tr);
    bool spent = task->attempts >= (int64_t)tr->max_attempts;
    ddb_av *errors = errors_with(tr, task, now, task->attempts, message);
    ddb_update *more = errors != NULL ? ddb_update_set("errors", errors) : ddb_update_error(DDB_ENOMEM);
    return report(tr, "ddb_tracker_fail", task, spent ? DDB_TASK_IGNORED : DDB_TASK_FAILED,
                  spent ? now : now + tr->retry_delay_ms, more);
}

int ddb_tracker_reset(ddb_tracker *tr, const char *task_id)
{
    ddb_task seen = DDB_TASK_INIT;
    int rc = 0;
    for (int i = 0; i < RACE_RETRIES; i++) {
        rc = ddb_tracker_get(tr, task_id, &seen);
        if (rc != 0)
            break;
        int64_t now = tracker_now_ms(tr);
        if (seen.status == DDB_TASK_IN_PROGRESS && seen.due_ms > now) {
            rc = ddb_error_set(DDB_EINUSE, "ddb_tracker_reset: task %s/%s is locked for %lld ms", tr->use_case,
                               task_id, (long long)(seen.due_ms - now));
            break;
        }
        ddb_update *u = transition(tr, seen.task_id, seen.version, DDB_TASK_PENDING, now, now);
        u = ddb_update_join(u, ddb_update_set("attempts", ddb_av_n_i64(0)));
        u = ddb_update_join(u, ddb_update_remove("lock"));
        rc = update(tr, "ddb_tracker_reset", task_id, u, at_version(&seen), NULL);
        ddb_task_clear(&seen);
        if (rc != DDB_ECONDITION)
            break;
    }
    ddb_task_clear(&seen);
    if (rc == DDB_ECONDITION)
        rc = ddb_error_set(DDB_EINUSE, "ddb_tracker_reset: task %s/%s keeps changing", tr->use_case, task_id);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Listings                                                           */
/* ------------------------------------------------------------------ */

static int list_push(ddb_task_list *l, size_t *cap, const ddb_av *item)
{
    if (l->n == *cap) {
        size_t n = *cap != 0 ? *cap * 2 : 16;
        ddb_task *p = realloc(l->tasks, n * sizeof *p);
        if (p == NULL)
            return ddb_error_set(DDB_ENOMEM, "status tracker: out of memory");
        l->tasks = p;
        *cap = n;
    }
    l->tasks[l->n] = (ddb_task)DDB_TASK_INIT;
    int rc = parse_task(&l->tasks[l->n], item);
    if (rc == 0)
        l->n++;
    return rc;
}

/*
 * Appends to *l up to `limit` items of one index partition, oldest first:
 * `partition` = part on `index`, with due_ms <= max_due when max_due >= 0.
 * *more says whether the partition holds more than were read.
 */
static int read_partition(ddb_tracker *tr, const char *index, const char *attr, ddb_av *part, int64_t max_due,
                          size_t limit, ddb_task_list *l, size_t *cap, bool *more)
{
    ddb_cond *c = ddb_cond_cmp(attr, DDB_CMP_EQ, part);
    if (max_due >= 0)
        c = ddb_cond_and(c, ddb_cond_cmp("due_ms", DDB_CMP_LE, ddb_av_n_i64(max_due)));
    ddb_expr_ctx ctx = DDB_EXPR_CTX_INIT;
    ddb_buf kc = DDB_BUF_INIT;
    int rc = ddb_expr_render_cond(&kc, &ctx, c);
    ddb_cond_free(c);
    ddb_av *start = NULL;
    ddb_page_guard guard = DDB_PAGE_GUARD_INIT;
    size_t got = 0;
    *more = false;
    while (rc == 0 && got < limit) {
        ddb_query_input in = DDB_QUERY_INPUT_INIT;
        in.table_name = tr->table;
        in.index_name = index;
        in.key_condition_expression = ddb_buf_cstr(&kc);
        in.names = ctx.names;
        in.values = ctx.values;
        in.limit = limit - got < 1000 ? (uint32_t)(limit - got) : 1000;
        in.exclusive_start_key = start;
        ddb_read_output page;
        rc = ddb_query(&page, tr->client, &in);
        if (rc == 0)
            rc = ddb_page_guard_step(&guard, page.last_evaluated_key);
        for (size_t i = 0; rc == 0 && i < page.n_items; i++, got++)
            rc = list_push(l, cap, page.items[i]);
        ddb_av_free(start);
        start = page.last_evaluated_key;
        page.last_evaluated_key = NULL;
        ddb_read_output_free(&page);
        if (start == NULL)
            break;
    }
    *more = start != NULL;
    ddb_av_free(start);
    ddb_page_guard_free(&guard);
    ddb_buf_free(&kc);
    ddb_expr_ctx_free(&ctx);
    return rc;
}

static int by_due(const void *a, const void *b)
{
    const ddb_task *x = a, *y = b;
    if (x->due_ms != y->due_ms)
        return x->due_ms < y->due_ms ? -1 : 1;
    return strcmp(x->task_id, y->task_id);
}

/* Sorts l[from..] oldest first and keeps its first `limit`. */
static void keep_oldest(ddb_task_list *l, size_t from, size_t limit)
{
    if (l->n - from > 1)
        qsort(l->tasks + from, l->n - from, sizeof *l->tasks, by_due);
    while (l->n - from > limit)
        ddb_task_clear(&l->tasks[--l->n]);
}

int ddb_tracker_list(ddb_tracker *tr, ddb_task_status status, size_t limit, ddb_task_list *out)
{
    if ((unsigned)status >= DDB_TASK_STATUS_COUNT || limit == 0 || out == NULL)
        return ddb_error_set(DDB_EINVAL, "ddb_tracker_list: a task status, a limit >= 1 and an output are required");
    size_t from = out->n, cap = out->n;
    int rc = 0;
    /* Each shard's `limit` oldest hold the overall `limit` oldest. */
    for (uint32_t s = 0; rc == 0 && s < tr->shards; s++) {
        bool more;
        rc = read_partition(tr, INDEX_BY_STATUS, "queue", partition(tr, (int)status, s), -1, limit, out, &cap, &more);
    }
    if (rc == 0)
        keep_oldest(out, from, limit);
    return rc;
}

int ddb_tracker_next(ddb_tracker *tr, ddb_task *out)
{
    int rc = 0;
    for (int round = 0; round < NEXT_ROUNDS; round++) {
        ddb_task_list cands = DDB_TASK_LIST_INIT;
        size_t cap = 0;
        bool any_more = false;
        int64_t now = tracker_now_ms(tr);
        for (uint32_t s = 0; rc == 0 && s < tr->shards; s++) {
            bool more;
            rc = read_partition(tr, INDEX_RUNNABLE, "todo", partition(tr, -1, s), now, NEXT_BATCH, &cands, &cap, &more);
            any_more = any_more || more;
        }
        if (rc == 0)
            keep_oldest(&cands, 0, cands.n);
        /* oldest first; a candidate taken or changed meanwhile is passed over */
        for (size_t i = 0; rc == 0 && i < cands.n; i++) {
            bool raced;
            int c = claim(tr, "ddb_tracker_next", &cands.tasks[i], out, &raced);
            if (c == 0) {
                ddb_task_list_clear(&cands);
                return 0;
            }
            if (c != DDB_EINUSE && c != DDB_ECONDITION)
                rc = c;
        }
        ddb_task_list_clear(&cands);
        if (rc != 0)
            return rc;
        if (!any_more) /* every runnable task was a candidate, and was taken meanwhile */
            break;
    }
    return ddb_error_set(DDB_ENOTFOUND, "ddb_tracker_next: no task of %s is runnable now", tr->use_case);
}
