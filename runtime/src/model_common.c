/* model_common.c - request helpers shared by model_ops.c and model_read.c. */
#include "feature_macros.h" /* first: feature-test macros before any system header */

#include <limits.h>

#include "ddb/error.h"
#include "model_internal.h"

void ddb_request_exprs_free(request_exprs *r)
{
    ddb_expr_ctx_free(&r->ctx);
    ddb_buf_free(&r->condition);
    ddb_buf_free(&r->filter);
    ddb_buf_free(&r->update);
}

int ddb_render_cond(request_exprs *r, const ddb_cond *c, ddb_buf *out)
{
    return c != NULL ? ddb_expr_render_cond(out, &r->ctx, c) : 0;
}

const char *ddb_expr_or_null(const ddb_buf *b)
{
    return b->len != 0 ? b->data : NULL;
}

ddb_client *ddb_model_client_for(const ddb_model *m, ddb_client *given)
{
    ddb_client *c = given != NULL ? given : ddb_model_client(m);
    if (c == NULL && ddb_last_error()->code == 0)
        ddb_error_set(DDB_ECONFIG, "%s: no client bound and no default client", m->name);
    return c;
}

int ddb_model_with_context(int rc, const char *operation, const ddb_model *m)
{
    if (rc != 0 && ddb_last_error()->operation[0] == '\0')
        ddb_error_set_context(operation, m->table);
    return rc;
}

void ddb_model_report_consumed(double *to, double units)
{
    if (to != NULL)
        *to = units;
}

int ddb_opts_version_error(const char *name, unsigned got, unsigned want)
{
    return ddb_error_set(DDB_EINVAL, "%s: version %u is not %u (start from the _INIT macro)", name, got, want);
}

void ddb_seal_binding(ddb_expr_ctx *ctx, ddb_codec_env *env, ddb_buf *key_bytes, const ddb_model *m,
                      const ddb_av *key)
{
    *env = (ddb_codec_env){.m = m};
    if (key != NULL && ddb_item_key_bytes(key_bytes, m, key) == 0) {
        env->item_key = (const unsigned char *)key_bytes->data;
        env->item_key_len = key_bytes->len;
    }
    ctx->seal = ddb_model_seal;
    ctx->seal_arg = env;
}

int ddb_page_guard_step(ddb_page_guard *g, const ddb_av *next)
{
    if (next == NULL)
        return 0;
    if (g->mark != NULL && ddb_av_equal(g->mark, next))
        return ddb_error_set(DDB_EPROTOCOL, "the service returned a LastEvaluatedKey it had returned before: "
                                            "reading on would never end");
    if (++g->steps >= g->power) {
        ddb_av *copy = ddb_av_clone(next);
        if (copy == NULL)
            return DDB_ENOMEM;
        ddb_av_free(g->mark);
        g->mark = copy;
        g->steps = 0;
        g->power = g->power <= ULONG_MAX / 2 ? g->power * 2 : g->power;
    }
    return 0;
}

void ddb_page_guard_free(ddb_page_guard *g)
{
    ddb_av_free(g->mark);
    g->mark = NULL;
}

int ddb_table_each_item(ddb_client *c, const char *table, int (*fn)(const ddb_av *item, void *arg), void *arg)
{
    ddb_av *start = NULL;
    ddb_page_guard guard = DDB_PAGE_GUARD_INIT;
    int rc = 0;
    do {
        ddb_scan_input in = DDB_SCAN_INPUT_INIT;
        in.table_name = table;
        in.exclusive_start_key = start;
        in.consistent_read = true;
        ddb_read_output out;
        rc = ddb_scan(&out, c, &in);
        if (rc == 0)
            rc = ddb_page_guard_step(&guard, out.last_evaluated_key);
        if (rc != 0) {
            ddb_read_output_free(&out);
            break;
        }
        for (size_t i = 0; rc == 0 && i < out.n_items; i++)
            rc = fn(out.items[i], arg);
        ddb_av_free(start);
        start = out.last_evaluated_key != NULL ? ddb_av_clone(out.last_evaluated_key) : NULL;
        ddb_read_output_free(&out);
    } while (rc == 0 && start != NULL);
    ddb_av_free(start);
    ddb_page_guard_free(&guard);
    return rc;
}
