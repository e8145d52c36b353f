/* model_read.c - reading side of generated models: query, scan, pages,
 * cursors, counts. */
#include <stdlib.h>
#include <string.h>

#include "ddb/error.h"
#include "ddb/ops.h"
#include "ddb/query.h"
#include "model_internal.h"

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
    ddb_request_exprs_free(&it->exprs);
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
    ddb_cond *c = ddb_cond_cmp(ddb_buf_cstr(&path), DDB_CMP_EQ, ddb_field_value(f, hash));
    ddb_buf_free(&path);
    return c;
}

/* Gets the client and renders the key condition and filter of a new iterator. */
static int iter_setup(ddb_iter *it, const ddb_cond *key, const ddb_cond *filter)
{
    if (it == NULL)
        return DDB_ENOMEM;
    if ((it->client = ddb_model_client_for(it->m)) == NULL)
        return ddb_last_error()->code;
    int rc = ddb_render_cond(&it->exprs, key, &it->exprs.condition);
    return rc == 0 ? ddb_render_cond(&it->exprs, filter, &it->exprs.filter) : rc;
}

/* Hands a ready iterator to the caller, or frees it after a failure. */
static int iter_finish(ddb_iter **out, ddb_iter *it, int rc, const char *operation,
                       const ddb_model *m)
{
    if (rc != 0) {
        ddb_iter_free(it);
        return ddb_model_with_context(rc, operation, m);
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
        in.key_condition_expression = ddb_expr_or_null(&r->condition);
        in.filter_expression = ddb_expr_or_null(&r->filter);
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
        in.filter_expression = ddb_expr_or_null(&r->filter);
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
        return ddb_model_with_context(rc, it->is_query ? "Query" : "Scan", it->m);
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

