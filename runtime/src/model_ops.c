/* model_ops.c - item, iteration and table operations of generated models. */
#include <stdlib.h>
#include <string.h>

#include "ddb/error.h"
#include "ddb/ops.h"
#include "model_internal.h"

/* ------------------------------------------------------------ shared pieces */

/* Expressions of one request: placeholders plus up to three expression texts. */
typedef struct request_exprs {
    ddb_expr_ctx ctx;
    ddb_buf condition; /* ConditionExpression / KeyConditionExpression */
    ddb_buf filter;    /* FilterExpression */
    ddb_buf update;    /* UpdateExpression */
} request_exprs;

#define REQUEST_EXPRS_INIT {DDB_EXPR_CTX_INIT, DDB_BUF_INIT, DDB_BUF_INIT, DDB_BUF_INIT}

static void request_exprs_free(request_exprs *r)
{
    ddb_expr_ctx_free(&r->ctx);
    ddb_buf_free(&r->condition);
    ddb_buf_free(&r->filter);
    ddb_buf_free(&r->update);
}

/* Renders `c` (NULL: nothing) into `out`. */
static int render_cond(request_exprs *r, const ddb_cond *c, ddb_buf *out)
{
    return c != NULL ? ddb_expr_render_cond(&r->ctx, c, out) : 0;
}

/* The expression text, or NULL when nothing was rendered (not sent). */
static const char *expr_or_null(const ddb_buf *b)
{
    return b->len != 0 ? b->data : NULL;
}

/* The client for a call on `m`, or NULL with the error recorded. */
static ddb_client *client_for(const ddb_model *m)
{
    ddb_client *c = ddb_model_client(m);
    if (c == NULL && ddb_last_error()->code == 0)
        ddb_error_set(DDB_ECONFIG, "%s: no client bound and no default client", m->name);
    return c;
}

/* Records operation/table context on the current error, returns rc. */
static int with_context(int rc, const char *operation, const ddb_model *m)
{
    if (rc != 0 && ddb_last_error()->operation[0] == '\0')
        ddb_error_set_context(operation, m->table);
    return rc;
}

/* ------------------------------------------------------------ items */

int ddb_model_put(const ddb_model *m, void *obj, ddb_cond *cond)
{
    request_exprs r = REQUEST_EXPRS_INIT;
    ddb_av *item = NULL;
    int64_t next_version = 0;
    ddb_client *client = client_for(m);
    int rc = client != NULL ? 0 : ddb_last_error()->code;
    if (rc == 0)
        rc = ddb_model_version_guard(m, obj, &cond, &next_version);
    if (rc == 0)
        rc = ddb_model_to_item(m, obj, &item);
    if (rc == 0)
        rc = ddb_model_version_item(m, item, next_version);
    if (rc == 0)
        rc = render_cond(&r, cond, &r.condition);
    if (rc == 0) {
        ddb_put_item_input in = DDB_PUT_ITEM_INPUT_INIT;
        in.table_name = m->table;
        in.item = item;
        in.condition_expression = expr_or_null(&r.condition);
        in.names = r.ctx.names;
        in.values = r.ctx.values;
        ddb_write_item_output out;
        rc = ddb_put_item(client, &in, &out);
        ddb_write_item_output_free(&out);
    }
    if (rc == 0)
        ddb_model_version_commit(m, obj, next_version);
    ddb_av_free(item);
    request_exprs_free(&r);
    ddb_cond_free(cond);
    return with_context(rc, "PutItem", m);
}

int ddb_model_get(const ddb_model *m, void *out, const void *hash, const void *range,
                  const ddb_get_opts *opts)
{
    ddb_av *key = NULL;
    ddb_client *client = client_for(m);
    int rc = client != NULL ? 0 : ddb_last_error()->code;
    if (rc == 0)
        rc = ddb_model_key_of(m, hash, range, &key);
    if (rc == 0) {
        ddb_get_item_input in = DDB_GET_ITEM_INPUT_INIT;
        in.table_name = m->table;
        in.key = key;
        in.consistent_read = opts != NULL && opts->consistent_read;
        ddb_get_item_output res;
        rc = ddb_get_item(client, &in, &res);
        if (rc == 0 && res.item == NULL)
            rc = ddb_error_set(DDB_ENOTFOUND, "%s: no item with that key", m->name);
        if (rc == 0)
            rc = ddb_model_load(m, res.item, out);
        ddb_get_item_output_free(&res);
    }
    ddb_av_free(key);
    return with_context(rc, "GetItem", m);
}

int ddb_model_delete(const ddb_model *m, const void *obj, ddb_cond *cond)
{
    request_exprs r = REQUEST_EXPRS_INIT;
    ddb_av *key = NULL;
    ddb_client *client = client_for(m);
    int rc = client != NULL ? 0 : ddb_last_error()->code;
    int64_t next_version = 0; /* unused: a delete only checks the version */
    if (rc == 0)
        rc = ddb_model_version_guard(m, obj, &cond, &next_version);
    if (rc == 0)
        rc = ddb_model_key(m, obj, &key);
    if (rc == 0)
        rc = render_cond(&r, cond, &r.condition);
    if (rc == 0) {
        ddb_delete_item_input in = DDB_DELETE_ITEM_INPUT_INIT;
        in.table_name = m->table;
        in.key = key;
        in.condition_expression = expr_or_null(&r.condition);
        in.names = r.ctx.names;
        in.values = r.ctx.values;
        ddb_write_item_output out;
        rc = ddb_delete_item(client, &in, &out);
        ddb_write_item_output_free(&out);
    }
    ddb_av_free(key);
    request_exprs_free(&r);
    ddb_cond_free(cond);
    return with_context(rc, "DeleteItem", m);
}

int ddb_model_update(const ddb_model *m, void *obj, ddb_update *actions, ddb_cond *cond)
{
    request_exprs r = REQUEST_EXPRS_INIT;
    ddb_av *key = NULL;
    ddb_client *client = client_for(m);
    int rc = client != NULL ? 0 : ddb_last_error()->code;
    if (rc == 0 && actions == NULL)
        rc = ddb_error_set(DDB_EINVAL, "%s: update without actions", m->name);
    int64_t next_version = 0;
    if (rc == 0)
        rc = ddb_model_version_guard(m, obj, &cond, &next_version);
    if (rc == 0) {
        actions = ddb_model_version_update(m, actions, next_version);
        rc = ddb_model_key(m, obj, &key);
    }
    if (rc == 0)
        rc = ddb_expr_render_update(&r.ctx, actions, &r.update);
    if (rc == 0)
        rc = render_cond(&r, cond, &r.condition);
    if (rc == 0) {
        ddb_update_item_input in = DDB_UPDATE_ITEM_INPUT_INIT;
        in.table_name = m->table;
        in.key = key;
        in.update_expression = expr_or_null(&r.update);
        in.condition_expression = expr_or_null(&r.condition);
        in.names = r.ctx.names;
        in.values = r.ctx.values;
        in.return_values = DDB_RETURN_ALL_NEW;
        ddb_write_item_output out;
        rc = ddb_update_item(client, &in, &out);
        if (rc == 0 && out.attributes != NULL)
            rc = ddb_model_load(m, out.attributes, obj);
        ddb_write_item_output_free(&out);
    }
    ddb_av_free(key);
    request_exprs_free(&r);
    ddb_update_free(actions);
    ddb_cond_free(cond);
    return with_context(rc, "UpdateItem", m);
}

/* ------------------------------------------------------------ iteration */

struct ddb_iter {
    const ddb_model *m;
    ddb_client *client;
    bool is_query;
    request_exprs exprs;       /* rendered once, sent with every page */
    bool consistent_read, descending;
    long long limit, page_size;
    long long yielded;
    ddb_page_output page;      /* the current page */
    size_t pos;                /* next item of `page` */
    bool started;              /* a page was requested */
    ddb_av *start_key;         /* ExclusiveStartKey of the next page; NULL: none */
    int error;                 /* sticky failure */
};

static ddb_iter *iter_new(const ddb_model *m, bool is_query)
{
    ddb_iter *it = calloc(1, sizeof *it);
    if (it == NULL) {
        ddb_error_set(DDB_ENOMEM, "out of memory creating an iterator");
        return NULL;
    }
    it->m = m;
    it->is_query = is_query;
    it->exprs = (request_exprs)REQUEST_EXPRS_INIT;
    return it;
}

void ddb_iter_free(ddb_iter *it)
{
    if (it == NULL)
        return;
    request_exprs_free(&it->exprs);
    ddb_page_output_free(&it->page);
    ddb_av_free(it->start_key);
    free(it);
}

/* `hash-attr = value` as a condition on the model's hash key. */
static ddb_cond *hash_condition(const ddb_model *m, const void *hash)
{
    const ddb_field *f = &m->fields[m->hash_key];
    if (hash == NULL)
        return ddb_cond_error(ddb_error_set(DDB_EINVAL, "%s: query needs a hash key value", m->name));
    ddb_buf path = DDB_BUF_INIT;
    if (ddb_attr_path(f->attr, &path) != 0) {
        ddb_buf_free(&path);
        return ddb_cond_error(DDB_ENOMEM);
    }
    ddb_cond *c = ddb_cond_cmp(ddb_buf_cstr(&path), DDB_CMP_EQ, ddb_field_value_av(f, hash));
    ddb_buf_free(&path);
    return c;
}

/* Gets the client and renders the key condition and filter of a new iterator. */
static int iter_setup(ddb_iter *it, const ddb_cond *key, const ddb_cond *filter)
{
    if (it == NULL)
        return DDB_ENOMEM;
    if ((it->client = client_for(it->m)) == NULL)
        return ddb_last_error()->code;
    int rc = render_cond(&it->exprs, key, &it->exprs.condition);
    return rc == 0 ? render_cond(&it->exprs, filter, &it->exprs.filter) : rc;
}

/* Hands a ready iterator to the caller, or frees it after a failure. */
static int iter_finish(ddb_iter **out, ddb_iter *it, int rc, const char *operation,
                       const ddb_model *m)
{
    if (rc != 0) {
        ddb_iter_free(it);
        return with_context(rc, operation, m);
    }
    *out = it;
    return 0;
}

int ddb_model_query(ddb_iter **out, const ddb_model *m, const void *hash, ddb_cond *range,
                    ddb_cond *filter, const ddb_query_opts *opts)
{
    *out = NULL;
    ddb_cond *key = hash_condition(m, hash);
    if (range != NULL)
        key = ddb_cond_and(key, range);
    ddb_iter *it = iter_new(m, true);
    int rc = iter_setup(it, key, filter);
    if (rc == 0 && opts != NULL) {
        it->consistent_read = opts->consistent_read;
        it->descending = opts->descending;
        it->limit = opts->limit;
        it->page_size = opts->page_size;
    }
    ddb_cond_free(key);
    ddb_cond_free(filter);
    return iter_finish(out, it, rc, "Query", m);
}

int ddb_model_scan(ddb_iter **out, const ddb_model *m, ddb_cond *filter, const ddb_scan_opts *opts)
{
    *out = NULL;
    ddb_iter *it = iter_new(m, false);
    int rc = iter_setup(it, NULL, filter);
    if (rc == 0 && opts != NULL) {
        it->consistent_read = opts->consistent_read;
        it->limit = opts->limit;
        it->page_size = opts->page_size;
    }
    ddb_cond_free(filter);
    return iter_finish(out, it, rc, "Scan", m);
}

/* Page size to request: page_size, capped so no more than `limit` items come. */
static uint32_t request_limit(const ddb_iter *it)
{
    long long n = it->page_size;
    if (it->limit > 0 && (n == 0 || it->limit - it->yielded < n))
        n = it->limit - it->yielded;
    return n > 0 && n <= UINT32_MAX ? (uint32_t)n : 0;
}

static int fetch_page(ddb_iter *it)
{
    ddb_page_output_free(&it->page);
    it->pos = 0;
    const request_exprs *r = &it->exprs;
    int rc;
    if (it->is_query) {
        ddb_query_input in = DDB_QUERY_INPUT_INIT;
        in.table_name = it->m->table;
        in.key_condition_expression = expr_or_null(&r->condition);
        in.filter_expression = expr_or_null(&r->filter);
        in.names = r->ctx.names;
        in.values = r->ctx.values;
        in.limit = request_limit(it);
        in.consistent_read = it->consistent_read;
        in.descending = it->descending;
        in.exclusive_start_key = it->start_key;
        rc = ddb_query(it->client, &in, &it->page);
    } else {
        ddb_scan_input in = DDB_SCAN_INPUT_INIT;
        in.table_name = it->m->table;
        in.filter_expression = expr_or_null(&r->filter);
        in.names = r->ctx.names;
        in.values = r->ctx.values;
        in.limit = request_limit(it);
        in.consistent_read = it->consistent_read;
        in.exclusive_start_key = it->start_key;
        rc = ddb_scan(it->client, &in, &it->page);
    }
    it->started = true;
    ddb_av_free(it->start_key);
    it->start_key = NULL;
    if (rc != 0)
        return with_context(rc, it->is_query ? "Query" : "Scan", it->m);
    it->start_key = it->page.last_evaluated_key; /* taken: the page no longer frees it */
    it->page.last_evaluated_key = NULL;
    return 0;
}

int ddb_iter_next(ddb_iter *it, void *obj)
{
    if (it == NULL)
        return ddb_error_set(DDB_EINVAL, "iterator is NULL");
    if (it->error != 0)
        return ddb_error_set(it->error, "iterator failed earlier: %s", ddb_strerror(it->error));
    for (;;) {
        if (it->limit > 0 && it->yielded >= it->limit)
            return 0;
        if (it->pos < it->page.n_items) {
            int rc = ddb_model_load(it->m, it->page.items[it->pos++], obj);
            if (rc != 0)
                return rc;
            it->yielded++;
            return 1;
        }
        if (it->started && it->start_key == NULL)
            return 0;
        int rc = fetch_page(it);
        if (rc != 0) {
            it->error = rc;
            return rc;
        }
    }
}

/* ------------------------------------------------------------ tables */

int ddb_model_create_table(const ddb_model *m, const ddb_table_opts *opts)
{
    ddb_client *client = client_for(m);
    if (client == NULL)
        return with_context(ddb_last_error()->code, "CreateTable", m);
    const ddb_field *h = &m->fields[m->hash_key];
    const ddb_field *r = m->range_key >= 0 ? &m->fields[m->range_key] : NULL;
    ddb_attribute_definition defs[2] = {{h->attr, ddb_field_av_type(h)}, {NULL, DDB_AV_NULL}};
    if (r != NULL)
        defs[1] = (ddb_attribute_definition){r->attr, ddb_field_av_type(r)};
    ddb_create_table_input in = DDB_CREATE_TABLE_INPUT_INIT;
    in.table_name = m->table;
    in.attribute_definitions = defs;
    in.n_attribute_definitions = r != NULL ? 2 : 1;
    in.key_schema.hash_key = h->attr;
    in.key_schema.range_key = r != NULL ? r->attr : NULL;
    if (m->billing == DDB_BILLING_PROVISIONED) {
        in.billing_mode = DDB_BILLING_MODE_PROVISIONED;
        in.throughput.read_capacity_units = m->read_capacity;
        in.throughput.write_capacity_units = m->write_capacity;
    } else {
        in.billing_mode = DDB_BILLING_MODE_PAY_PER_REQUEST;
    }
    ddb_table_output out;
    int rc = ddb_create_table(client, &in, &out);
    ddb_table_output_free(&out);
    if (rc == 0 && opts != NULL && opts->wait)
        rc = ddb_wait_table_active(client, m->table, opts->timeout_ms != 0 ? opts->timeout_ms : 60000);
    return with_context(rc, "CreateTable", m);
}

int ddb_model_delete_table(const ddb_model *m, const ddb_table_opts *opts)
{
    ddb_client *client = client_for(m);
    if (client == NULL)
        return with_context(ddb_last_error()->code, "DeleteTable", m);
    ddb_table_name_input in = DDB_TABLE_NAME_INPUT_INIT;
    in.table_name = m->table;
    ddb_table_output out;
    int rc = ddb_delete_table(client, &in, &out);
    ddb_table_output_free(&out);
    if (rc == 0 && opts != NULL && opts->wait)
        rc = ddb_wait_table_deleted(client, m->table, opts->timeout_ms != 0 ? opts->timeout_ms : 60000);
    return with_context(rc, "DeleteTable", m);
}
