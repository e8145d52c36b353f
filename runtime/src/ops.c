/* ops.c - low-level item, query/scan, batch and transaction operations,
 * the operation runner and the per-thread state it uses. Table and TTL
 * operations are in ops_table.c. */
#include "feature_macros.h" /* first: feature-test macros before any system header */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddb/error.h"
#include "ops_internal.h"

/* Scratch buffers grown past this are released after the call. */
#define SCRATCH_KEEP_MAX ((size_t)1 << 20)
#define BATCH_GET_MAX_KEYS 100
#define BATCH_WRITE_MAX 25
#define TRANSACT_MAX 100

/* ------------------------------------------------------------------ */
/* Per-thread state                                                   */
/* ------------------------------------------------------------------ */

/* Request/response text buffers reused by every call on the thread.
 * Operations never nest on one thread, so one pair of buffers suffices. */
typedef struct ops_tls {
    ddb_buf req;
    ddb_buf resp;
} ops_tls;

static pthread_once_t tls_once = PTHREAD_ONCE_INIT;
static pthread_key_t tls_key; /* its destructor frees a thread's ops_tls */
static int tls_key_rc = -1;
static _Thread_local ops_tls *tls;

static void tls_release(void *p)
{
    ops_tls *t = p;
    ddb_buf_free(&t->req);
    ddb_buf_free(&t->resp);
    free(t);
}

static void tls_make_key(void)
{
    tls_key_rc = pthread_key_create(&tls_key, tls_release);
}

static ops_tls *tls_get(void)
{
    if (tls != NULL)
        return tls;
    pthread_once(&tls_once, tls_make_key);
    if (tls_key_rc != 0) {
        ddb_error_set(DDB_ENOMEM, "no thread-specific key for libddb's per-thread buffers");
        return NULL;
    }
    ops_tls *t = calloc(1, sizeof *t);
    if (t == NULL || pthread_setspecific(tls_key, t) != 0) {
        free(t);
        ddb_error_set(DDB_ENOMEM, "out of memory creating per-thread buffers");
        return NULL;
    }
    tls = t;
    return t;
}

void ddb_ops_thread_cleanup(void)
{
    if (tls == NULL)
        return;
    pthread_setspecific(tls_key, NULL);
    tls_release(tls);
    tls = NULL;
}

/* ------------------------------------------------------------------ */
/* Running an operation                                               */
/* ------------------------------------------------------------------ */

static const char *input_table(const op_def *def, const void *in)
{
    if (in == NULL || def->table_offset == OP_NO_TABLE)
        return NULL;
    return *(const char *const *)((const char *)in + def->table_offset);
}

int ddb_ops_result(const op_def *def, const void *in, int rc)
{
    const char *table = input_table(def, in);
    if (rc != 0)
        ddb_error_set_context(def->name, table != NULL ? table : "");
    return rc;
}

static void trim_scratch(ops_tls *t)
{
    if (t->req.cap > SCRATCH_KEEP_MAX)
        ddb_buf_free(&t->req);
    if (t->resp.cap > SCRATCH_KEEP_MAX)
        ddb_buf_free(&t->resp);
}

/* Parses an error body for its detail; a failure to do so must not hide
 * the service error already recorded. */
static void parse_error_body(const ops_tls *t, const op_def *def, ddb_jdoc **doc)
{
    ddb_error saved = *ddb_last_error();
    if (ddb_jdoc_parse(ddb_buf_cstr(&t->resp), t->resp.len, def->error_item_paths, doc) != 0)
        ddb_error_restore(&saved);
}

int ddb_ops_call(ddb_client *c, const op_def *def, const void *in, ddb_jdoc **doc)
{
    *doc = NULL;
    if (c == NULL)
        return ddb_ops_result(def, in,
                              ddb_error_set(DDB_EINVAL, "%s: the client is NULL", def->name));
    ops_tls *t = tls_get();
    if (t == NULL)
        return ddb_ops_result(def, in, DDB_ENOMEM);
    ddb_buf_reset(&t->req);
    ddb_buf_reset(&t->resp);
    int rc = ddb_ops_write_request(&t->req, def->name, def->request, in);
    if (rc != 0)
        rc = ddb_ops_result(def, in, rc);
    else if ((rc = ddb_client_call(&t->resp, c, def->name, input_table(def, in), t->req.data,
                                   t->req.len)) == 0)
        rc = ddb_ops_result(
            def, in, ddb_jdoc_parse(ddb_buf_cstr(&t->resp), t->resp.len, def->item_paths, doc));
    else if (rc == def->error_code && def->error_item_paths != NULL)
        parse_error_body(t, def, doc);
    trim_scratch(t);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Shared enum names (index = enum value; NULL = not sent)            */
/* ------------------------------------------------------------------ */

static const char *const return_values_names[] = {NULL, "ALL_OLD", "UPDATED_OLD", "ALL_NEW",
                                                  "UPDATED_NEW"};
static const char *const return_on_failure_names[] = {NULL, "ALL_OLD"};
static const char *const capacity_names[] = {NULL, "TOTAL", "INDEXES"};
static const char *const select_names[] = {NULL, "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES",
                                           "SPECIFIC_ATTRIBUTES", "COUNT"};

#define WF_CAPACITY(T)                                                                             \
    WF_ENUM("ReturnConsumedCapacity", T, return_consumed_capacity, 0, capacity_names)
#define WF_ON_FAILURE(T)                                                                           \
    WF_ENUM("ReturnValuesOnConditionCheckFailure", T, return_values_on_failure, 0,                 \
            return_on_failure_names)

/* ------------------------------------------------------------------ */
/* GetItem, PutItem, UpdateItem, DeleteItem                           */
/* ------------------------------------------------------------------ */

static const char *const get_item_paths[] = {"Item", NULL};
static const char *const write_item_paths[] = {"Attributes", NULL};
static const char *const condition_failure_paths[] = {"Item", NULL};

static const wfield get_item_fields[] = {
    WF_STR("TableName", ddb_get_item_input, table_name, W_REQUIRED),
    WF_ITEM("Key", ddb_get_item_input, key, W_REQUIRED),
    WF_BOOL("ConsistentRead", ddb_get_item_input, consistent_read, 0),
    WF_STR("ProjectionExpression", ddb_get_item_input, projection_expression, 0),
    WF_NAMES("ExpressionAttributeNames", ddb_get_item_input, names),
    WF_CAPACITY(ddb_get_item_input),
};
static const wtable get_item_table = WTABLE(get_item_fields);
static const op_def get_item_op = {
    .name = "GetItem",
    .request = &get_item_table,
    .table_offset = offsetof(ddb_get_item_input, table_name),
    .item_paths = get_item_paths,
};

static const wfield put_item_fields[] = {
    WF_STR("TableName", ddb_put_item_input, table_name, W_REQUIRED),
    WF_ITEM("Item", ddb_put_item_input, item, W_REQUIRED),
    WF_STR("ConditionExpression", ddb_put_item_input, condition_expression, 0),
    WF_NAMES("ExpressionAttributeNames", ddb_put_item_input, names),
    WF_ITEM("ExpressionAttributeValues", ddb_put_item_input, values, 0),
    WF_ENUM("ReturnValues", ddb_put_item_input, return_values, 0, return_values_names),
    WF_CAPACITY(ddb_put_item_input),
    WF_ON_FAILURE(ddb_put_item_input),
};
static const wtable put_item_table = WTABLE(put_item_fields);
static const op_def put_item_op = {
    .name = "PutItem",
    .request = &put_item_table,
    .table_offset = offsetof(ddb_put_item_input, table_name),
    .item_paths = write_item_paths,
    .error_item_paths = condition_failure_paths,
    .error_code = DDB_ECONDITION,
};

static const wfield update_item_fields[] = {
    WF_STR("TableName", ddb_update_item_input, table_name, W_REQUIRED),
    WF_ITEM("Key", ddb_update_item_input, key, W_REQUIRED),
    WF_STR("UpdateExpression", ddb_update_item_input, update_expression, 0),
    WF_STR("ConditionExpression", ddb_update_item_input, condition_expression, 0),
    WF_NAMES("ExpressionAttributeNames", ddb_update_item_input, names),
    WF_ITEM("ExpressionAttributeValues", ddb_update_item_input, values, 0),
    WF_ENUM("ReturnValues", ddb_update_item_input, return_values, 0, return_values_names),
    WF_CAPACITY(ddb_update_item_input),
    WF_ON_FAILURE(ddb_update_item_input),
};
static const wtable update_item_table = WTABLE(update_item_fields);
static const op_def update_item_op = {
    .name = "UpdateItem",
    .request = &update_item_table,
    .table_offset = offsetof(ddb_update_item_input, table_name),
    .item_paths = write_item_paths,
    .error_item_paths = condition_failure_paths,
    .error_code = DDB_ECONDITION,
};

static const wfield delete_item_fields[] = {
    WF_STR("TableName", ddb_delete_item_input, table_name, W_REQUIRED),
    WF_ITEM("Key", ddb_delete_item_input, key, W_REQUIRED),
    WF_STR("ConditionExpression", ddb_delete_item_input, condition_expression, 0),
    WF_NAMES("ExpressionAttributeNames", ddb_delete_item_input, names),
    WF_ITEM("ExpressionAttributeValues", ddb_delete_item_input, values, 0),
    WF_ENUM("ReturnValues", ddb_delete_item_input, return_values, 0, return_values_names),
    WF_CAPACITY(ddb_delete_item_input),
    WF_ON_FAILURE(ddb_delete_item_input),
};
static const wtable delete_item_table = WTABLE(delete_item_fields);
static const op_def delete_item_op = {
    .name = "DeleteItem",
    .request = &delete_item_table,
    .table_offset = offsetof(ddb_delete_item_input, table_name),
    .item_paths = write_item_paths,
    .error_item_paths = condition_failure_paths,
    .error_code = DDB_ECONDITION,
};

int ddb_get_item(ddb_get_item_output *out, ddb_client *c, const ddb_get_item_input *in)
{
    memset(out, 0, sizeof *out);
    ddb_jdoc *doc;
    int rc = ddb_ops_call(c, &get_item_op, in, &doc);
    if (rc != 0)
        return rc;
    ddb_jnode *root = ddb_jdoc_root(doc);
    out->item = ddb_jnode_take_item(ddb_jnode_get(root, "Item"));
    rc = ddb_read_consumed(ddb_jnode_get(root, "ConsumedCapacity"), &out->mem, &out->consumed);
    /* the item is the one asked for: its key attributes are the key's
     * (unless a projection left them out) */
    for (size_t i = 0; rc == 0 && out->item != NULL && in->projection_expression == NULL &&
                       in->key != NULL && in->key->type == DDB_AV_M && i < in->key->u.map.len;
         i++) {
        const ddb_av *want = in->key->u.map.items[i].value;
        const ddb_av *got = ddb_av_map_get(out->item, in->key->u.map.items[i].name);
        if (!ddb_av_equal(want, got))
            rc = ddb_error_set(DDB_EPROTOCOL, "the answer's Item %s key attribute \"%.64s\" of the key asked for",
                               got == NULL ? "lacks the" : "has another value in the", in->key->u.map.items[i].name);
    }
    if (rc != 0) {
        ddb_av_free(out->item);
        out->item = NULL;
    }
    ddb_jdoc_free(doc);
    return ddb_ops_result(&get_item_op, in, rc);
}

/* PutItem, UpdateItem and DeleteItem: Attributes on success, the old item
 * after a failed condition (ReturnValuesOnConditionCheckFailure). */
static int write_item_call(ddb_client *c, const op_def *def, const void *in,
                           ddb_write_item_output *out)
{
    memset(out, 0, sizeof *out);
    ddb_jdoc *doc;
    int rc = ddb_ops_call(c, def, in, &doc);
    if (doc == NULL)
        return rc;
    ddb_jnode *root = ddb_jdoc_root(doc);
    out->attributes = ddb_jnode_take_item(ddb_jnode_get(root, rc == 0 ? "Attributes" : "Item"));
    int read_rc = rc == 0 ? ddb_read_consumed(ddb_jnode_get(root, "ConsumedCapacity"), &out->mem,
                                              &out->consumed)
                          : 0;
    ddb_jdoc_free(doc);
    return rc != 0 ? rc : ddb_ops_result(def, in, read_rc);
}

int ddb_put_item(ddb_write_item_output *out, ddb_client *c, const ddb_put_item_input *in)
{
    return write_item_call(c, &put_item_op, in, out);
}

int ddb_update_item(ddb_write_item_output *out, ddb_client *c, const ddb_update_item_input *in)
{
    return write_item_call(c, &update_item_op, in, out);
}

int ddb_delete_item(ddb_write_item_output *out, ddb_client *c, const ddb_delete_item_input *in)
{
    return write_item_call(c, &delete_item_op, in, out);
}

void ddb_get_item_output_free(ddb_get_item_output *out)
{
    if (out == NULL)
        return;
    ddb_av_free(out->item);
    ddb_mem_free(out->mem);
    memset(out, 0, sizeof *out);
}

void ddb_write_item_output_free(ddb_write_item_output *out)
{
    if (out == NULL)
        return;
    ddb_av_free(out->attributes);
    ddb_mem_free(out->mem);
    memset(out, 0, sizeof *out);
}

/* ------------------------------------------------------------------ */
/* Query, Scan                                                        */
/* ------------------------------------------------------------------ */

static const char *const page_paths[] = {"Items[]", "LastEvaluatedKey", NULL};

static const wfield query_fields[] = {
    WF_STR("TableName", ddb_query_input, table_name, W_REQUIRED),
    WF_STR("IndexName", ddb_query_input, index_name, 0),
    WF_STR("KeyConditionExpression", ddb_query_input, key_condition_expression, W_REQUIRED),
    WF_STR("FilterExpression", ddb_query_input, filter_expression, 0),
    WF_STR("ProjectionExpression", ddb_query_input, projection_expression, 0),
    WF_NAMES("ExpressionAttributeNames", ddb_query_input, names),
    WF_ITEM("ExpressionAttributeValues", ddb_query_input, values, 0),
    WF_ENUM("Select", ddb_query_input, select, 0, select_names),
    WF_U32("Limit", ddb_query_input, limit),
    WF_BOOL("ConsistentRead", ddb_query_input, consistent_read, 0),
    WF_BOOL("ScanIndexForward", ddb_query_input, descending, W_NEGATE),
    WF_ITEM("ExclusiveStartKey", ddb_query_input, exclusive_start_key, 0),
    WF_CAPACITY(ddb_query_input),
};
static const wtable query_table = WTABLE(query_fields);
static const op_def query_op = {
    .name = "Query",
    .request = &query_table,
    .table_offset = offsetof(ddb_query_input, table_name),
    .item_paths = page_paths,
};

/* Segment and TotalSegments, both or neither. */
static int write_segment(wctx *w, const wfield *f, const void *base)
{
    const ddb_scan_segment *s = &((const ddb_scan_input *)base)->segment;
    if (s->total == 0)
        return s->index == 0 ? 0
                             : ddb_w_error(w, DDB_EINVAL, f->name, "is set but TotalSegments is 0");
    if (s->index >= s->total)
        return ddb_w_error(w, DDB_EINVAL, f->name, "must be less than TotalSegments");
    int rc = ddb_w_number(w, "Segment", s->index);
    return rc != 0 ? rc : ddb_w_number(w, "TotalSegments", s->total);
}

static const wfield scan_fields[] = {
    WF_STR("TableName", ddb_scan_input, table_name, W_REQUIRED),
    WF_STR("IndexName", ddb_scan_input, index_name, 0),
    WF_STR("FilterExpression", ddb_scan_input, filter_expression, 0),
    WF_STR("ProjectionExpression", ddb_scan_input, projection_expression, 0),
    WF_NAMES("ExpressionAttributeNames", ddb_scan_input, names),
    WF_ITEM("ExpressionAttributeValues", ddb_scan_input, values, 0),
    WF_ENUM("Select", ddb_scan_input, select, 0, select_names),
    WF_U32("Limit", ddb_scan_input, limit),
    WF_BOOL("ConsistentRead", ddb_scan_input, consistent_read, 0),
    WF_ITEM("ExclusiveStartKey", ddb_scan_input, exclusive_start_key, 0),
    WF_CUSTOM("Segment", ddb_scan_input, segment, 0, write_segment),
    WF_CAPACITY(ddb_scan_input),
};
static const wtable scan_table = WTABLE(scan_fields);
static const op_def scan_op = {
    .name = "Scan",
    .request = &scan_table,
    .table_offset = offsetof(ddb_scan_input, table_name),
    .item_paths = page_paths,
};

/* One Query or Scan page. The answer is checked beyond its syntax: Items
 * is present unless only a count was asked for (a missing list is not
 * zero items), and LastEvaluatedKey is not the ExclusiveStartKey just
 * sent (a service repeating it would keep a reader asking forever). */
static int page_call(ddb_client *c, const op_def *def, const void *in, ddb_select select, const ddb_av *start,
                     ddb_read_output *out)
{
    memset(out, 0, sizeof *out);
    ddb_jdoc *doc;
    int rc = ddb_ops_call(c, def, in, &doc);
    if (rc != 0)
        return rc;
    ddb_jnode *root = ddb_jdoc_root(doc);
    out->last_evaluated_key = ddb_jnode_take_item(ddb_jnode_get(root, "LastEvaluatedKey"));
    ddb_jnode *items = ddb_jnode_get(root, "Items");
    if (items == NULL && select != DDB_SELECT_COUNT)
        rc = ddb_error_set(DDB_EPROTOCOL, "the answer has no Items");
    if (rc == 0)
        rc = ddb_read_items(items, &out->mem, &out->items, &out->n_items);
    if (rc == 0)
        rc = ddb_read_i64(root, "Count", &out->count);
    if (rc == 0)
        rc = ddb_read_i64(root, "ScannedCount", &out->scanned_count);
    if (rc == 0)
        rc = ddb_read_consumed(ddb_jnode_get(root, "ConsumedCapacity"), &out->mem, &out->consumed);
    if (rc == 0 && start != NULL && out->last_evaluated_key != NULL && ddb_av_equal(start, out->last_evaluated_key))
        rc = ddb_error_set(DDB_EPROTOCOL, "the answer's LastEvaluatedKey is the ExclusiveStartKey it was sent: "
                                          "reading on would never end");
    ddb_jdoc_free(doc);
    return ddb_ops_result(def, in, rc);
}

int ddb_query(ddb_read_output *out, ddb_client *c, const ddb_query_input *in)
{
    return page_call(c, &query_op, in, in != NULL ? in->select : DDB_SELECT_DEFAULT,
                     in != NULL ? in->exclusive_start_key : NULL, out);
}

int ddb_scan(ddb_read_output *out, ddb_client *c, const ddb_scan_input *in)
{
    return page_call(c, &scan_op, in, in != NULL ? in->select : DDB_SELECT_DEFAULT,
                     in != NULL ? in->exclusive_start_key : NULL, out);
}

void ddb_read_output_free(ddb_read_output *out)
{
    if (out == NULL)
        return;
    ddb_free_items(out->items, out->n_items);
    ddb_av_free(out->last_evaluated_key);
    ddb_mem_free(out->mem);
    memset(out, 0, sizeof *out);
}

/* ------------------------------------------------------------------ */
/* BatchGetItem                                                       */
/* ------------------------------------------------------------------ */

static const char *const batch_get_paths[] = {"Responses.*[]", "UnprocessedKeys.*.Keys[]", NULL};

/* One table's member of RequestItems (the table name is the member name). */
static const wfield batch_get_table_fields[] = {
    WF_ITEMS("Keys", ddb_batch_get_table, keys, n_keys, W_REQUIRED),
    WF_BOOL("ConsistentRead", ddb_batch_get_table, consistent_read, 0),
    WF_STR("ProjectionExpression", ddb_batch_get_table, projection_expression, 0),
    WF_NAMES("ExpressionAttributeNames", ddb_batch_get_table, names),
};
static const wtable batch_get_table_table = WTABLE(batch_get_table_fields);

/* Index of the first entry before `i` naming the same table, or i. */
static size_t first_with_table(const char *const *names, size_t stride, size_t i)
{
    const char *name = *(const char *const *)((const char *)names + i * stride);
    for (size_t j = 0; j < i; j++)
        if (strcmp(*(const char *const *)((const char *)names + j * stride), name) == 0)
            return j;
    return i;
}

_Static_assert(offsetof(ddb_batch_get_table, table_name) == 0, "table name first");
_Static_assert(offsetof(ddb_write_request, table_name) == 0, "table name first");

/* Table names of an array of structs whose first member is the name. */
static int check_table_names(wctx *w, const wfield *f, const void *arr, size_t n, size_t stride)
{
    for (size_t i = 0; i < n; i++) {
        const char *name = *(const char *const *)((const char *)arr + i * stride);
        size_t saved = ddb_w_push(w, f->name, i, true);
        int rc = name == NULL || *name == '\0'
                     ? ddb_w_error(w, DDB_EINVAL, "TableName", "is required")
                     : 0;
        ddb_w_pop(w, saved);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int write_batch_get_tables(wctx *w, const wfield *f, const void *base)
{
    const ddb_batch_get_item_input *in = base;
    size_t n;
    int rc = ddb_w_check_array(w, f, base, in->tables, &n);
    if (rc == 0)
        rc = check_table_names(w, f, in->tables, n, sizeof *in->tables);
    size_t keys = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (first_with_table(&in->tables[0].table_name, sizeof *in->tables, i) != i)
            return ddb_w_error(w, DDB_EINVAL, f->name, "names a table twice");
        keys += in->tables[i].n_keys;
    }
    if (rc == 0 && keys > BATCH_GET_MAX_KEYS) {
        char what[80];
        snprintf(what, sizeof what, "has %zu keys; at most %d are allowed", keys,
                 BATCH_GET_MAX_KEYS);
        return ddb_w_error(w, DDB_ELIMIT, f->name, what);
    }
    if (rc == 0)
        rc = ddb_w_member(w, f->name);
    if (rc == 0)
        rc = ddb_w_open(w, '{');
    for (size_t i = 0; i < n && rc == 0; i++) {
        size_t saved = ddb_w_push(w, f->name, i, true);
        rc = ddb_w_member(w, in->tables[i].table_name);
        if (rc == 0)
            rc = ddb_w_object(w, &batch_get_table_table, &in->tables[i]);
        ddb_w_pop(w, saved);
    }
    return rc != 0 ? rc : ddb_w_close(w, '}');
}

static const wfield batch_get_fields[] = {
    WF_CUSTOM_ARRAY("RequestItems", ddb_batch_get_item_input, tables, n_tables, W_REQUIRED, 0, 0,
                    write_batch_get_tables),
    WF_CAPACITY(ddb_batch_get_item_input),
};
static const wtable batch_get_table = WTABLE(batch_get_fields);
static const op_def batch_get_op = {
    .name = "BatchGetItem",
    .request = &batch_get_table,
    .table_offset = OP_NO_TABLE,
    .item_paths = batch_get_paths,
};

/* Reads a JSON object of strings ({"#n0":"name"}) into an M of S. */
static int read_names(const ddb_jnode *obj, ddb_out_mem **m, const ddb_av **out)
{
    *out = NULL;
    if (obj == NULL)
        return 0;
    ddb_av *names = ddb_av_new(DDB_AV_M);
    int rc = names != NULL ? 0 : DDB_ENOMEM;
    for (const ddb_jnode *e = ddb_jnode_first(obj); e != NULL && rc == 0; e = ddb_jnode_next(e)) {
        size_t name_len, len;
        const char *name = ddb_jnode_name(e, &name_len);
        const char *value = ddb_jnode_str(e, &len);
        if (name == NULL || value == NULL || ddb_jnode_type(e) != DDB_J_STRING)
            rc = ddb_error_set(DDB_EPROTOCOL, "ExpressionAttributeNames holds a non-string");
        else
            rc = ddb_av_map_set_len(names, name, name_len, ddb_av_s_len(value, len));
    }
    if (rc != 0) {
        ddb_av_free(names);
        return rc;
    }
    *out = names;
    return ddb_mem_adopt(m, names);
}

/* UnprocessedKeys member -> the input shape, trees adopted by the output. */
static int read_unprocessed_table(ddb_jnode *t, ddb_out_mem **m, ddb_batch_get_table *out)
{
    size_t name_len;
    const char *name = ddb_jnode_name(t, &name_len);
    out->table_name = ddb_mem_strndup(m, name, name_len);
    ddb_jnode *keys = ddb_jnode_get(t, "Keys");
    out->n_keys = ddb_jnode_len(keys);
    const ddb_av **arr = ddb_mem_array(m, out->n_keys, sizeof *arr);
    if (out->table_name == NULL || (arr == NULL && out->n_keys != 0))
        return DDB_ENOMEM;
    out->keys = arr;
    size_t i = 0;
    int rc = 0;
    for (ddb_jnode *k = ddb_jnode_first(keys); k != NULL && rc == 0; k = ddb_jnode_next(k)) {
        ddb_av *key = ddb_jnode_take_item(k);
        arr[i++] = key;
        rc = ddb_mem_adopt(m, key);
    }
    if (rc == 0) {
        const ddb_jnode *cr = ddb_jnode_get(t, "ConsistentRead");
        rc = cr != NULL ? ddb_jnode_bool(cr, &out->consistent_read) : 0;
    }
    if (rc == 0)
        rc = ddb_read_str(t, "ProjectionExpression", m, &out->projection_expression);
    return rc != 0 ? rc : read_names(ddb_jnode_get(t, "ExpressionAttributeNames"), m, &out->names);
}

static int read_batch_get(ddb_jnode *root, ddb_batch_get_item_output *out)
{
    ddb_jnode *resp = ddb_jnode_get(root, "Responses");
    ddb_jnode *unproc = ddb_jnode_get(root, "UnprocessedKeys");
    /* without Responses every key would read as absent */
    if (resp == NULL || ddb_jnode_type(resp) != DDB_J_OBJECT)
        return ddb_error_set(DDB_EPROTOCOL, "the answer has no Responses object");
    if (unproc != NULL && ddb_jnode_type(unproc) != DDB_J_OBJECT)
        return ddb_error_set(DDB_EPROTOCOL, "the answer's UnprocessedKeys is not an object");
    out->n_responses = ddb_jnode_len(resp);
    out->n_unprocessed = ddb_jnode_len(unproc);
    out->responses = ddb_mem_array(&out->mem, out->n_responses, sizeof *out->responses);
    out->unprocessed = ddb_mem_array(&out->mem, out->n_unprocessed, sizeof *out->unprocessed);
    if ((out->responses == NULL && out->n_responses != 0) ||
        (out->unprocessed == NULL && out->n_unprocessed != 0))
        return DDB_ENOMEM;
    size_t i = 0;
    int rc = 0;
    for (ddb_jnode *t = ddb_jnode_first(resp); t != NULL && rc == 0; t = ddb_jnode_next(t), i++) {
        size_t len;
        const char *name = ddb_jnode_name(t, &len);
        ddb_table_items *ti = &out->responses[i];
        rc = ddb_read_items(t, &out->mem, &ti->items, &ti->n_items);
        if (rc == 0 && (ti->table_name = ddb_mem_strndup(&out->mem, name, len)) == NULL)
            rc = DDB_ENOMEM;
    }
    i = 0;
    for (ddb_jnode *t = ddb_jnode_first(unproc); t != NULL && rc == 0; t = ddb_jnode_next(t))
        rc = read_unprocessed_table(t, &out->mem, &out->unprocessed[i++]);
    if (rc == 0)
        rc = ddb_read_consumed_list(ddb_jnode_get(root, "ConsumedCapacity"), &out->mem,
                                    &out->consumed, &out->n_consumed);
    return rc;
}

int ddb_batch_get_item(ddb_batch_get_item_output *out, ddb_client *c,
                       const ddb_batch_get_item_input *in)
{
    memset(out, 0, sizeof *out);
    ddb_jdoc *doc;
    int rc = ddb_ops_call(c, &batch_get_op, in, &doc);
    if (rc != 0)
        return rc;
    rc = read_batch_get(ddb_jdoc_root(doc), out);
    ddb_jdoc_free(doc);
    return ddb_ops_result(&batch_get_op, in, rc);
}

void ddb_batch_get_item_output_free(ddb_batch_get_item_output *out)
{
    if (out == NULL)
        return;
    for (size_t i = 0; i < out->n_responses; i++)
        ddb_free_items(out->responses[i].items, out->responses[i].n_items);
    ddb_mem_free(out->mem);
    memset(out, 0, sizeof *out);
}

/* ------------------------------------------------------------------ */
/* BatchWriteItem                                                     */
/* ------------------------------------------------------------------ */

static const char *const batch_write_paths[] = {"UnprocessedItems.*[].PutRequest.Item",
                                                "UnprocessedItems.*[].DeleteRequest.Key", NULL};

static const wfield put_request_fields[] = {WF_ITEM("Item", ddb_write_request, item, W_REQUIRED)};
static const wtable put_request_table = WTABLE(put_request_fields);
static const wfield delete_request_fields[] = {WF_ITEM("Key", ddb_write_request, key, W_REQUIRED)};
static const wtable delete_request_table = WTABLE(delete_request_fields);
static const wvariant write_request_variants[] = {
    {"PutRequest", &put_request_table, 0},
    {"DeleteRequest", &delete_request_table, 0},
};
static const wfield write_request_fields[] = {
    WF_UNION(ddb_write_request, kind, write_request_variants)};
static const wtable write_request_table = WTABLE(write_request_fields);

/* "<table>":[requests...] for every request naming the table of r[first]. */
static int write_table_requests(wctx *w, const wfield *f, const ddb_write_request *r, size_t n,
                                size_t first)
{
    int rc = ddb_w_member(w, r[first].table_name);
    if (rc == 0)
        rc = ddb_w_open(w, '[');
    for (size_t k = first; k < n && rc == 0; k++) {
        if (strcmp(r[k].table_name, r[first].table_name) != 0)
            continue;
        size_t saved = ddb_w_push(w, f->name, k, true);
        rc = ddb_w_object(w, &write_request_table, &r[k]);
        ddb_w_pop(w, saved);
    }
    return rc != 0 ? rc : ddb_w_close(w, ']');
}

static int write_batch_requests(wctx *w, const wfield *f, const void *base)
{
    const ddb_batch_write_item_input *in = base;
    size_t n;
    int rc = ddb_w_check_array(w, f, base, in->requests, &n);
    if (rc == 0)
        rc = check_table_names(w, f, in->requests, n, sizeof *in->requests);
    if (rc == 0)
        rc = ddb_w_member(w, f->name);
    if (rc == 0)
        rc = ddb_w_open(w, '{');
    for (size_t i = 0; i < n && rc == 0; i++)
        if (first_with_table(&in->requests[0].table_name, sizeof *in->requests, i) == i)
            rc = write_table_requests(w, f, in->requests, n, i);
    return rc != 0 ? rc : ddb_w_close(w, '}');
}

static const wfield batch_write_fields[] = {
    WF_CUSTOM_ARRAY("RequestItems", ddb_batch_write_item_input, requests, n_requests, W_REQUIRED,
                    BATCH_WRITE_MAX, DDB_ELIMIT, write_batch_requests),
    WF_CAPACITY(ddb_batch_write_item_input),
};
static const wtable batch_write_table = WTABLE(batch_write_fields);
static const op_def batch_write_op = {
    .name = "BatchWriteItem",
    .request = &batch_write_table,
    .table_offset = OP_NO_TABLE,
    .item_paths = batch_write_paths,
};

/* One unprocessed {"PutRequest":{"Item":...}} / {"DeleteRequest":{"Key":...}}. */
static int read_write_request(ddb_jnode *e, const char *table, ddb_out_mem **m,
                              ddb_write_request *out)
{
    ddb_jnode *put = ddb_jnode_get(ddb_jnode_get(e, "PutRequest"), "Item");
    ddb_jnode *del = ddb_jnode_get(ddb_jnode_get(e, "DeleteRequest"), "Key");
    out->table_name = table;
    out->kind = put != NULL ? DDB_WRITE_PUT : DDB_WRITE_DELETE;
    ddb_av *tree = ddb_jnode_take_item(put != NULL ? put : del);
    if (tree == NULL)
        return ddb_error_set(DDB_EPROTOCOL,
                             "an unprocessed write request has neither Item nor Key");
    if (put != NULL)
        out->item = tree;
    else
        out->key = tree;
    return ddb_mem_adopt(m, tree);
}

static int read_batch_write(ddb_jnode *root, ddb_batch_write_item_output *out)
{
    ddb_jnode *unproc = ddb_jnode_get(root, "UnprocessedItems");
    size_t total = 0;
    for (ddb_jnode *t = ddb_jnode_first(unproc); t != NULL; t = ddb_jnode_next(t))
        total += ddb_jnode_len(t);
    out->unprocessed = ddb_mem_array(&out->mem, total, sizeof *out->unprocessed);
    if (out->unprocessed == NULL && total != 0)
        return DDB_ENOMEM;
    int rc = 0;
    for (ddb_jnode *t = ddb_jnode_first(unproc); t != NULL && rc == 0; t = ddb_jnode_next(t)) {
        size_t len;
        const char *name = ddb_jnode_name(t, &len);
        const char *table = ddb_mem_strndup(&out->mem, name, len);
        if (table == NULL)
            return DDB_ENOMEM;
        for (ddb_jnode *e = ddb_jnode_first(t); e != NULL && rc == 0; e = ddb_jnode_next(e))
            rc = read_write_request(e, table, &out->mem, &out->unprocessed[out->n_unprocessed++]);
    }
    if (rc == 0)
        rc = ddb_read_consumed_list(ddb_jnode_get(root, "ConsumedCapacity"), &out->mem,
                                    &out->consumed, &out->n_consumed);
    return rc;
}

int ddb_batch_write_item(ddb_batch_write_item_output *out, ddb_client *c,
                         const ddb_batch_write_item_input *in)
{
    memset(out, 0, sizeof *out);
    ddb_jdoc *doc;
    int rc = ddb_ops_call(c, &batch_write_op, in, &doc);
    if (rc != 0)
        return rc;
    rc = read_batch_write(ddb_jdoc_root(doc), out);
    ddb_jdoc_free(doc);
    return ddb_ops_result(&batch_write_op, in, rc);
}

void ddb_batch_write_item_output_free(ddb_batch_write_item_output *out)
{
    if (out == NULL)
        return;
    ddb_mem_free(out->mem);
    memset(out, 0, sizeof *out);
}

/* ------------------------------------------------------------------ */
/* Transactions                                                       */
/* ------------------------------------------------------------------ */

static const char *const transact_get_paths[] = {"Responses[].Item", NULL};
static const char *const cancellation_paths[] = {"CancellationReasons[].Item", NULL};

static const wfield transact_get_fields[] = {
    WF_STR("TableName", ddb_transact_get, table_name, W_REQUIRED),
    WF_ITEM("Key", ddb_transact_get, key, W_REQUIRED),
    WF_STR("ProjectionExpression", ddb_transact_get, projection_expression, 0),
    WF_NAMES("ExpressionAttributeNames", ddb_transact_get, names),
};
static const wtable transact_get_table = WTABLE(transact_get_fields);
static const wfield transact_get_item_fields[] = {WF_WRAP("Get", &transact_get_table)};
static const wtable transact_get_item_table = WTABLE(transact_get_item_fields);

static const wfield transact_get_items_fields[] = {
    WF_ARRAY("TransactItems", ddb_transact_get_items_input, items, n_items, ddb_transact_get,
             &transact_get_item_table, W_REQUIRED, TRANSACT_MAX, DDB_ELIMIT),
    WF_CAPACITY(ddb_transact_get_items_input),
};
static const wtable transact_get_items_table = WTABLE(transact_get_items_fields);
static const op_def transact_get_op = {
    .name = "TransactGetItems",
    .request = &transact_get_items_table,
    .table_offset = OP_NO_TABLE,
    .item_paths = transact_get_paths,
    .error_item_paths = cancellation_paths,
    .error_code = DDB_ECANCELLED,
};

#define TW_COMMON                                                                                  \
    WF_STR("ConditionExpression", ddb_transact_write, condition_expression, 0),                    \
        WF_NAMES("ExpressionAttributeNames", ddb_transact_write, names),                           \
        WF_ITEM("ExpressionAttributeValues", ddb_transact_write, values, 0),                       \
        WF_ON_FAILURE(ddb_transact_write)

static const wfield tw_put_fields[] = {
    WF_STR("TableName", ddb_transact_write, table_name, W_REQUIRED),
    WF_ITEM("Item", ddb_transact_write, item, W_REQUIRED),
    TW_COMMON,
};
static const wfield tw_update_fields[] = {
    WF_STR("TableName", ddb_transact_write, table_name, W_REQUIRED),
    WF_ITEM("Key", ddb_transact_write, key, W_REQUIRED),
    WF_STR("UpdateExpression", ddb_transact_write, update_expression, W_REQUIRED),
    TW_COMMON,
};
static const wfield tw_delete_fields[] = {
    WF_STR("TableName", ddb_transact_write, table_name, W_REQUIRED),
    WF_ITEM("Key", ddb_transact_write, key, W_REQUIRED),
    TW_COMMON,
};
static const wfield tw_check_fields[] = {
    WF_STR("TableName", ddb_transact_write, table_name, W_REQUIRED),
    WF_ITEM("Key", ddb_transact_write, key, W_REQUIRED),
    WF_STR("ConditionExpression", ddb_transact_write, condition_expression, W_REQUIRED),
    WF_NAMES("ExpressionAttributeNames", ddb_transact_write, names),
    WF_ITEM("ExpressionAttributeValues", ddb_transact_write, values, 0),
    WF_ON_FAILURE(ddb_transact_write),
};
static const wtable tw_put_table = WTABLE(tw_put_fields);
static const wtable tw_update_table = WTABLE(tw_update_fields);
static const wtable tw_delete_table = WTABLE(tw_delete_fields);
static const wtable tw_check_table = WTABLE(tw_check_fields);
static const wvariant transact_write_variants[] = {
    {"Put", &tw_put_table, 0},
    {"Update", &tw_update_table, 0},
    {"Delete", &tw_delete_table, 0},
    {"ConditionCheck", &tw_check_table, 0},
};
static const wfield transact_write_item_fields[] = {
    WF_UNION(ddb_transact_write, kind, transact_write_variants),
};
static const wtable transact_write_item_table = WTABLE(transact_write_item_fields);

static const wfield transact_write_items_fields[] = {
    WF_ARRAY("TransactItems", ddb_transact_write_items_input, items, n_items, ddb_transact_write,
             &transact_write_item_table, W_REQUIRED, TRANSACT_MAX, DDB_ELIMIT),
    WF_STR("ClientRequestToken", ddb_transact_write_items_input, client_request_token, 0),
    WF_CAPACITY(ddb_transact_write_items_input),
};
static const wtable transact_write_items_table = WTABLE(transact_write_items_fields);
static const op_def transact_write_op = {
    .name = "TransactWriteItems",
    .request = &transact_write_items_table,
    .table_offset = OP_NO_TABLE,
    .error_item_paths = cancellation_paths,
    .error_code = DDB_ECANCELLED,
};

static int read_reasons(ddb_jnode *root, ddb_out_mem **m, ddb_cancellation_reason **out,
                        size_t *n_out)
{
    ddb_jnode *arr = ddb_jnode_get(root, "CancellationReasons");
    size_t n = ddb_jnode_len(arr);
    ddb_cancellation_reason *r = ddb_mem_array(m, n, sizeof *r);
    if (r == NULL && n != 0)
        return DDB_ENOMEM;
    *out = r;
    *n_out = 0;
    int rc = 0;
    for (ddb_jnode *e = ddb_jnode_first(arr); e != NULL && rc == 0; e = ddb_jnode_next(e)) {
        ddb_cancellation_reason *x = &r[(*n_out)++];
        x->item = ddb_jnode_take_item(ddb_jnode_get(e, "Item"));
        rc = ddb_read_str(e, "Code", m, &x->code);
        if (rc == 0)
            rc = ddb_read_str(e, "Message", m, &x->message);
    }
    return rc;
}

/* After DDB_ECANCELLED: the reasons into the output. Best effort: the
 * cancellation stays the error the caller sees. */
static void read_cancellation(ddb_jnode *root, ddb_out_mem **m, ddb_cancellation_reason **out,
                              size_t *n_out)
{
    ddb_error saved = *ddb_last_error();
    read_reasons(root, m, out, n_out);
    ddb_error_restore(&saved);
}

static void free_reason_items(ddb_cancellation_reason *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ddb_av_free(r[i].item);
}

static int read_transact_get(ddb_jnode *root, ddb_transact_get_items_output *out)
{
    ddb_jnode *resp = ddb_jnode_get(root, "Responses");
    size_t n = ddb_jnode_len(resp);
    out->items = ddb_mem_array(&out->mem, n, sizeof *out->items);
    if (out->items == NULL && n != 0)
        return DDB_ENOMEM;
    for (ddb_jnode *e = ddb_jnode_first(resp); e != NULL; e = ddb_jnode_next(e))
        out->items[out->n_items++] = ddb_jnode_take_item(ddb_jnode_get(e, "Item"));
    return ddb_read_consumed_list(ddb_jnode_get(root, "ConsumedCapacity"), &out->mem,
                                  &out->consumed, &out->n_consumed);
}

int ddb_transact_get_items(ddb_transact_get_items_output *out, ddb_client *c,
                           const ddb_transact_get_items_input *in)
{
    memset(out, 0, sizeof *out);
    ddb_jdoc *doc;
    int rc = ddb_ops_call(c, &transact_get_op, in, &doc);
    if (doc == NULL)
        return rc;
    if (rc == 0)
        rc = ddb_ops_result(&transact_get_op, in, read_transact_get(ddb_jdoc_root(doc), out));
    else
        read_cancellation(ddb_jdoc_root(doc), &out->mem, &out->reasons, &out->n_reasons);
    ddb_jdoc_free(doc);
    return rc;
}

int ddb_transact_write_items(ddb_transact_write_items_output *out, ddb_client *c,
                             const ddb_transact_write_items_input *in)
{
    memset(out, 0, sizeof *out);
    ddb_jdoc *doc;
    int rc = ddb_ops_call(c, &transact_write_op, in, &doc);
    if (doc == NULL)
        return rc;
    ddb_jnode *root = ddb_jdoc_root(doc);
    if (rc == 0)
        rc = ddb_ops_result(&transact_write_op, in,
                            ddb_read_consumed_list(ddb_jnode_get(root, "ConsumedCapacity"),
                                                   &out->mem, &out->consumed, &out->n_consumed));
    else
        read_cancellation(root, &out->mem, &out->reasons, &out->n_reasons);
    ddb_jdoc_free(doc);
    return rc;
}

void ddb_transact_get_items_output_free(ddb_transact_get_items_output *out)
{
    if (out == NULL)
        return;
    ddb_free_items(out->items, out->n_items);
    free_reason_items(out->reasons, out->n_reasons);
    ddb_mem_free(out->mem);
    memset(out, 0, sizeof *out);
}

void ddb_transact_write_items_output_free(ddb_transact_write_items_output *out)
{
    if (out == NULL)
        return;
    free_reason_items(out->reasons, out->n_reasons);
    ddb_mem_free(out->mem);
    memset(out, 0, sizeof *out);
}
