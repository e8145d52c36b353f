/* model_ops.c - item and table operations of generated models (reading
 * beyond get: model_read.c). */
#include "feature_macros.h" /* first: feature-test macros before any system header */

#include <stdlib.h>
#include <string.h>

#include "ddb/error.h"
#include "ddb/ops.h"
#include "model_internal.h"
#include "s3_fields.h"

/* ------------------------------------------------------------ items */

/*
 * Decodes the attributes DynamoDB returned (ReturnValues, or the old item
 * after a failed condition) into `returned`, keeping the call's own error.
 */
static int deliver_returned(const ddb_model *m, int rc, const ddb_write_item_output *out, void *returned,
                            bool *has_returned)
{
    if (has_returned != NULL)
        *has_returned = false;
    if (returned == NULL || out->attributes == NULL || (rc != 0 && rc != DDB_ECONDITION))
        return rc;
    ddb_error saved = *ddb_last_error();
    int lrc = ddb_model_read_item(returned, m, out->attributes);
    if (lrc == 0 && has_returned != NULL)
        *has_returned = true;
    if (rc != 0)
        ddb_error_restore(&saved);
    return rc != 0 ? rc : lrc;
}

/*
 * After a conditional check failure of an update with int64 range guards:
 * DDB_ERANGE or DDB_ETYPE when a guard failed (the stored value leaves no
 * room), else DDB_ECONDITION as it was. The service's detail (HTTP status,
 * request id) is kept.
 */
static int range_failure(const ddb_update *actions, const ddb_av *old_item)
{
    ddb_error failed = *ddb_last_error();
    int rc = ddb_update_range_check(actions, old_item);
    if (rc == 0) {
        ddb_error_restore(&failed);
        return DDB_ECONDITION;
    }
    ddb_error_set_aws(failed.http_status, NULL, failed.request_id);
    return rc;
}

/* The update was applied, but its new item does not fit the struct (the
 * load error says why): DDB_ESTALE, so that nobody retries a write that
 * happened. */
static int stale(const ddb_model *m)
{
    return ddb_error_set(DDB_ESTALE, "%s: the update was applied, but the object was not refreshed: %s",
                         m->name, ddb_last_error()->message);
}

static ddb_return_values opt_return_values(const ddb_write_opts *opts)
{
    return opts != NULL ? opts->return_values : DDB_RETURN_NONE;
}

static double *opt_consumed(const ddb_write_opts *opts)
{
    return opts != NULL ? opts->consumed : NULL;
}

static ddb_return_on_failure opt_on_failure(const ddb_write_opts *opts)
{
    return opts != NULL && opts->return_old_on_failure ? DDB_RETURN_ON_FAILURE_ALL_OLD
                                                       : DDB_RETURN_ON_FAILURE_NONE;
}

int ddb_model_put(const ddb_model *m, void *obj, ddb_cond *cond)
{
    return ddb_model_put_ex(NULL, NULL, m, obj, cond, NULL);
}

int ddb_model_put_ex(void *returned, bool *has_returned, const ddb_model *m, void *obj,
                     ddb_cond *cond, const ddb_write_opts *opts)
{
    request_exprs r = REQUEST_EXPRS_INIT;
    ddb_av *item = NULL;
    int64_t next_version = 0;
    int rc = DDB_OPTS_CHECK(opts, DDB_WRITE_OPTS_VERSION, "ddb_write_opts");
    ddb_client *client = rc == 0 ? ddb_model_client_for(m, DDB_OPTS_CLIENT(opts)) : NULL;
    if (rc == 0 && client == NULL)
        rc = ddb_last_error()->code;
    if (rc == 0)
        rc = ddb_model_version_guard(m, obj, &cond, &next_version);
    /* S3-backed attributes: bodies uploaded before the write (s3_fields.c) */
    bool s3 = ddb_model_has_s3(m);
    ddb_s3_pending *pending = rc == 0 && s3 ? ddb_s3_pending_new() : NULL;
    if (rc == 0 && s3 && pending == NULL)
        rc = DDB_ENOMEM;
    if (rc == 0)
        rc = ddb_model_to_item_write(&item, m, obj, true, pending);
    if (rc == 0)
        rc = ddb_model_version_item(m, item, next_version);
    if (rc == 0) /* the rules batches and transactions check too, before any S3 upload */
        rc = ddb_model_check_item(m, item);
    ddb_codec_env env;
    ddb_buf key_bytes = DDB_BUF_INIT;
    ddb_seal_binding(&r.ctx, &env, &key_bytes, m, item);
    if (rc == 0)
        rc = ddb_render_cond(&r, cond, &r.condition);
    ddb_buf_free(&key_bytes);
    if (rc == 0) {
        ddb_put_item_input in = DDB_PUT_ITEM_INPUT_INIT;
        in.table_name = m->table;
        in.item = item;
        in.condition_expression = ddb_expr_or_null(&r.condition);
        in.names = r.ctx.names;
        in.values = r.ctx.values;
        /* what a put replaces, S3 must forget: the old item is needed */
        ddb_return_values want = opt_return_values(opts);
        in.return_values = s3 ? DDB_RETURN_ALL_OLD : want;
        in.return_values_on_failure = opt_on_failure(opts);
        ddb_write_item_output out;
        in.return_consumed_capacity = DDB_CAPACITY_TOTAL;
        rc = ddb_s3_upload(pending, m);
        if (rc == 0) {
            rc = ddb_put_item(&out, client, &in);
            ddb_model_report_consumed(opt_consumed(opts), rc == 0 ? out.consumed.capacity_units : 0);
            if (rc == 0 && s3)
                ddb_s3_release(m, out.attributes, item);
            rc = deliver_returned(m, rc, &out, want != DDB_RETURN_NONE || rc != 0 ? returned : NULL, has_returned);
            ddb_write_item_output_free(&out);
        }
    }
    if (rc != 0)
        ddb_s3_undo(pending, m);
    ddb_s3_pending_free(pending);
    if (rc == 0)
        ddb_model_version_commit(m, obj, next_version);
    ddb_av_free(item);
    ddb_request_exprs_free(&r);
    ddb_cond_free(cond);
    return ddb_model_with_context(rc, "PutItem", m);
}

int ddb_model_get(void *out, const ddb_model *m, const void *hash, const void *range,
                  const ddb_get_opts *opts)
{
    ddb_av *key = NULL;
    ddb_client *client = ddb_model_client_for(m, DDB_OPTS_CLIENT(opts));
    int rc = client != NULL ? 0 : ddb_last_error()->code;
    if (rc == 0)
        rc = ddb_model_key_of(&key, m, hash, range);
    if (rc == 0)
        rc = ddb_model_get_key(m, client, key, opts, out); /* model_read.c: projection, capacity */
    ddb_av_free(key);
    return ddb_model_with_context(rc, "GetItem", m);
}

int ddb_model_delete(const ddb_model *m, const void *obj, ddb_cond *cond)
{
    return ddb_model_delete_ex(NULL, NULL, m, obj, cond, NULL);
}

int ddb_model_delete_ex(void *returned, bool *has_returned, const ddb_model *m, const void *obj,
                        ddb_cond *cond, const ddb_write_opts *opts)
{
    request_exprs r = REQUEST_EXPRS_INIT;
    ddb_av *key = NULL;
    int rc = DDB_OPTS_CHECK(opts, DDB_WRITE_OPTS_VERSION, "ddb_write_opts");
    ddb_client *client = rc == 0 ? ddb_model_client_for(m, DDB_OPTS_CLIENT(opts)) : NULL;
    if (rc == 0 && client == NULL)
        rc = ddb_last_error()->code;
    int64_t next_version = 0; /* unused: a delete only checks the version */
    if (rc == 0)
        rc = ddb_model_version_guard(m, obj, &cond, &next_version);
    if (rc == 0)
        rc = ddb_model_key(&key, m, obj);
    ddb_codec_env env;
    ddb_buf key_bytes = DDB_BUF_INIT;
    ddb_seal_binding(&r.ctx, &env, &key_bytes, m, key);
    if (rc == 0)
        rc = ddb_render_cond(&r, cond, &r.condition);
    ddb_buf_free(&key_bytes);
    if (rc == 0) {
        ddb_delete_item_input in = DDB_DELETE_ITEM_INPUT_INIT;
        in.table_name = m->table;
        in.key = key;
        in.condition_expression = ddb_expr_or_null(&r.condition);
        in.names = r.ctx.names;
        in.values = r.ctx.values;
        bool s3 = ddb_model_has_s3(m); /* the deleted item's S3 bodies go too */
        ddb_return_values want = opt_return_values(opts);
        in.return_values = s3 ? DDB_RETURN_ALL_OLD : want;
        in.return_values_on_failure = opt_on_failure(opts);
        ddb_write_item_output out;
        in.return_consumed_capacity = DDB_CAPACITY_TOTAL;
        rc = ddb_delete_item(&out, client, &in);
        ddb_model_report_consumed(opt_consumed(opts), rc == 0 ? out.consumed.capacity_units : 0);
        if (rc == 0 && s3)
            ddb_s3_release(m, out.attributes, NULL);
        rc = deliver_returned(m, rc, &out, want != DDB_RETURN_NONE || rc != 0 ? returned : NULL, has_returned);
        ddb_write_item_output_free(&out);
    }
    ddb_av_free(key);
    ddb_request_exprs_free(&r);
    ddb_cond_free(cond);
    return ddb_model_with_context(rc, "DeleteItem", m);
}

int ddb_model_update(const ddb_model *m, void *obj, ddb_update *actions, ddb_cond *cond)
{
    return ddb_model_update_ex(NULL, NULL, m, obj, actions, cond, NULL);
}

int ddb_model_update_ex(void *returned, bool *has_returned, const ddb_model *m, void *obj,
                        ddb_update *actions, ddb_cond *cond, const ddb_write_opts *opts)
{
    request_exprs r = REQUEST_EXPRS_INIT;
    ddb_av *key = NULL;
    int rc = DDB_OPTS_CHECK(opts, DDB_WRITE_OPTS_VERSION, "ddb_write_opts");
    ddb_client *client = rc == 0 ? ddb_model_client_for(m, DDB_OPTS_CLIENT(opts)) : NULL;
    if (rc == 0 && client == NULL)
        rc = ddb_last_error()->code;
    if (rc == 0 && actions == NULL)
        rc = ddb_error_set(DDB_EINVAL, "%s: update without actions", m->name);
    int64_t next_version = 0;
    /* int64 arithmetic: DynamoDB applies it only while the result fits */
    ddb_cond *range_guard = rc == 0 ? ddb_update_range_guard(actions) : NULL;
    if (range_guard != NULL)
        cond = cond != NULL ? ddb_cond_and(cond, range_guard) : range_guard;
    if (rc == 0)
        rc = ddb_model_version_guard(m, obj, &cond, &next_version);
    if (rc == 0) {
        actions = ddb_model_version_update(m, actions, next_version);
        rc = ddb_model_key(&key, m, obj);
    }
    ddb_codec_env env;
    ddb_buf key_bytes = DDB_BUF_INIT;
    ddb_seal_binding(&r.ctx, &env, &key_bytes, m, key);
    if (rc == 0)
        rc = ddb_expr_render_update(&r.update, &r.ctx, actions);
    if (rc == 0)
        rc = ddb_render_cond(&r, cond, &r.condition);
    ddb_buf_free(&key_bytes);
    if (rc == 0) {
        ddb_update_item_input in = DDB_UPDATE_ITEM_INPUT_INIT;
        in.table_name = m->table;
        in.key = key;
        in.update_expression = ddb_expr_or_null(&r.update);
        in.condition_expression = ddb_expr_or_null(&r.condition);
        in.names = r.ctx.names;
        in.values = r.ctx.values;
        /* obj is refreshed from ALL_NEW unless the caller asked for another view */
        ddb_return_values want = opt_return_values(opts);
        bool refresh = want == DDB_RETURN_NONE || want == DDB_RETURN_ALL_NEW;
        in.return_values = refresh ? DDB_RETURN_ALL_NEW : want;
        /* the old item tells a range guard's failure from the caller's condition's */
        bool old_wanted = opt_on_failure(opts) == DDB_RETURN_ON_FAILURE_ALL_OLD;
        in.return_values_on_failure =
            old_wanted || range_guard != NULL ? DDB_RETURN_ON_FAILURE_ALL_OLD : DDB_RETURN_ON_FAILURE_NONE;
        ddb_write_item_output out;
        in.return_consumed_capacity = DDB_CAPACITY_TOTAL;
        rc = ddb_update_item(&out, client, &in);
        ddb_model_report_consumed(opt_consumed(opts), rc == 0 ? out.consumed.capacity_units : 0);
        if (rc == DDB_ECONDITION && range_guard != NULL && out.attributes != NULL)
            rc = range_failure(actions, out.attributes);
        if (rc == 0 && refresh && out.attributes != NULL && ddb_model_read_item(obj, m, out.attributes) != 0)
            rc = stale(m);
        if (want != DDB_RETURN_NONE || (rc == DDB_ECONDITION && old_wanted))
            rc = deliver_returned(m, rc, &out, returned, has_returned);
        else if (has_returned != NULL)
            *has_returned = false;
        ddb_write_item_output_free(&out);
    }
    ddb_av_free(key);
    ddb_request_exprs_free(&r);
    ddb_update_free(actions);
    ddb_cond_free(cond);
    return ddb_model_with_context(rc, "UpdateItem", m);
}

/* ------------------------------------------------------------ tables */

/* Adds the attribute definition of field `fi` unless it is there already. */
static void add_definition(const ddb_model *m, int fi, ddb_attribute_definition *defs, size_t *n)
{
    const ddb_field *f = &m->fields[fi];
    for (size_t i = 0; i < *n; i++) {
        if (strcmp(defs[i].name, f->attr) == 0)
            return;
    }
    defs[(*n)++] = (ddb_attribute_definition){f->attr, ddb_field_av_type(f)};
}

/* The CreateTable description of index `ix`. */
static ddb_secondary_index secondary_index(const ddb_model *m, const ddb_index *ix)
{
    ddb_secondary_index si = {0};
    si.name = ix->name;
    si.key.hash_key = m->fields[ix->hash_key].attr;
    si.key.range_key = ix->range_key >= 0 ? m->fields[ix->range_key].attr : NULL;
    si.projection.type = ix->projection == DDB_INDEX_KEYS_ONLY ? DDB_PROJECTION_KEYS_ONLY
                         : ix->projection == DDB_INDEX_INCLUDE ? DDB_PROJECTION_INCLUDE
                                                               : DDB_PROJECTION_ALL;
    si.projection.non_key_attributes = ix->include;
    si.projection.n_non_key_attributes = ix->n_include;
    if (ix->global && m->billing == DDB_BILLING_PROVISIONED) {
        si.throughput.read_capacity_units = ix->read_capacity != 0 ? ix->read_capacity : m->read_capacity;
        si.throughput.write_capacity_units = ix->write_capacity != 0 ? ix->write_capacity : m->write_capacity;
    }
    return si;
}

/* Turns TTL on/off on the model's ttl field (the table must be ACTIVE). */
static int set_ttl(ddb_client *client, const ddb_model *m, bool enabled)
{
    if (m->ttl_field < 0)
        return ddb_error_set(DDB_EINVAL, "%s: the model has no ttl attribute", m->name);
    ddb_update_ttl_input in = DDB_UPDATE_TTL_INPUT_INIT;
    in.table_name = m->table;
    in.attribute_name = m->fields[m->ttl_field].attr;
    in.enabled = enabled;
    ddb_ttl_output out;
    int rc = ddb_update_time_to_live(&out, client, &in);
    ddb_ttl_output_free(&out);
    return rc;
}

int ddb_model_create_table(const ddb_model *m, const ddb_table_opts *opts)
{
    int vrc = DDB_OPTS_CHECK(opts, DDB_TABLE_OPTS_VERSION, "ddb_table_opts");
    if (vrc != 0)
        return ddb_model_with_context(vrc, "CreateTable", m);
    ddb_client *client = ddb_model_client_for(m, DDB_OPTS_CLIENT(opts));
    if (client == NULL)
        return ddb_model_with_context(ddb_last_error()->code, "CreateTable", m);
    size_t n_ix = m->n_indexes;
    ddb_attribute_definition *defs = calloc(2 + 2 * n_ix, sizeof *defs);
    ddb_secondary_index *gsis = calloc(n_ix + 1, sizeof *gsis), *lsis = calloc(n_ix + 1, sizeof *lsis);
    if (defs == NULL || gsis == NULL || lsis == NULL) {
        free(defs);
        free(gsis);
        free(lsis);
        return ddb_model_with_context(ddb_error_set(DDB_ENOMEM, "out of memory"), "CreateTable", m);
    }
    ddb_create_table_input in = DDB_CREATE_TABLE_INPUT_INIT;
    add_definition(m, m->hash_key, defs, &in.n_attribute_definitions);
    if (m->range_key >= 0)
        add_definition(m, m->range_key, defs, &in.n_attribute_definitions);
    for (size_t i = 0; i < n_ix; i++) {
        const ddb_index *ix = &m->indexes[i];
        add_definition(m, ix->hash_key, defs, &in.n_attribute_definitions);
        if (ix->range_key >= 0)
            add_definition(m, ix->range_key, defs, &in.n_attribute_definitions);
        if (ix->global)
            gsis[in.n_global_indexes++] = secondary_index(m, ix);
        else
            lsis[in.n_local_indexes++] = secondary_index(m, ix);
    }
    in.table_name = m->table;
    in.attribute_definitions = defs;
    in.key_schema.hash_key = m->fields[m->hash_key].attr;
    in.key_schema.range_key = m->range_key >= 0 ? m->fields[m->range_key].attr : NULL;
    in.global_indexes = gsis;
    in.local_indexes = lsis;
    in.stream = (ddb_stream_view)m->stream;
    if (opts != NULL) {
        in.tags = opts->tags;
        in.n_tags = opts->n_tags;
    }
    if (m->billing == DDB_BILLING_PROVISIONED) {
        in.billing_mode = DDB_BILLING_MODE_PROVISIONED;
        in.throughput.read_capacity_units = m->read_capacity;
        in.throughput.write_capacity_units = m->write_capacity;
    } else {
        in.billing_mode = DDB_BILLING_MODE_PAY_PER_REQUEST;
    }
    ddb_table_output out;
    int rc = ddb_create_table(&out, client, &in);
    ddb_table_output_free(&out);
    free(defs);
    free(gsis);
    free(lsis);
    bool wait = (opts != NULL && opts->wait) || m->ttl_field >= 0; /* TTL needs an ACTIVE table */
    long timeout = opts != NULL && opts->timeout_ms != 0 ? opts->timeout_ms : 60000;
    if (rc == 0 && wait)
        rc = ddb_wait_table_active(client, m->table, timeout);
    if (rc == 0 && m->ttl_field >= 0)
        rc = set_ttl(client, m, true);
    return ddb_model_with_context(rc, "CreateTable", m);
}

int ddb_model_delete_table(const ddb_model *m, const ddb_table_opts *opts)
{
    int vrc = DDB_OPTS_CHECK(opts, DDB_TABLE_OPTS_VERSION, "ddb_table_opts");
    if (vrc != 0)
        return ddb_model_with_context(vrc, "DeleteTable", m);
    ddb_client *client = ddb_model_client_for(m, DDB_OPTS_CLIENT(opts));
    if (client == NULL)
        return ddb_model_with_context(ddb_last_error()->code, "DeleteTable", m);
    ddb_table_name_input in = DDB_TABLE_NAME_INPUT_INIT;
    in.table_name = m->table;
    ddb_table_output out;
    int rc = ddb_delete_table(&out, client, &in);
    ddb_table_output_free(&out);
    if (rc == 0 && opts != NULL && opts->wait)
        rc = ddb_wait_table_deleted(client, m->table, opts->timeout_ms != 0 ? opts->timeout_ms : 60000);
    return ddb_model_with_context(rc, "DeleteTable", m);
}

int ddb_model_describe_table(ddb_table_output *out, const ddb_model *m)
{
    memset(out, 0, sizeof *out);
    ddb_client *client = ddb_model_client_for(m, NULL);
    if (client == NULL)
        return ddb_model_with_context(ddb_last_error()->code, "DescribeTable", m);
    ddb_table_name_input in = DDB_TABLE_NAME_INPUT_INIT;
    in.table_name = m->table;
    return ddb_model_with_context(ddb_describe_table(out, client, &in), "DescribeTable", m);
}

int ddb_model_table_exists(bool *out, const ddb_model *m)
{
    ddb_table_output desc;
    int rc = ddb_model_describe_table(&desc, m);
    ddb_table_output_free(&desc);
    *out = rc == 0;
    return rc == DDB_ERESOURCE ? 0 : rc;
}

int ddb_model_update_throughput(const ddb_model *m, int64_t read, int64_t write, const ddb_table_opts *opts)
{
    int vrc = DDB_OPTS_CHECK(opts, DDB_TABLE_OPTS_VERSION, "ddb_table_opts");
    if (vrc != 0)
        return ddb_model_with_context(vrc, "UpdateTable", m);
    ddb_client *client = ddb_model_client_for(m, DDB_OPTS_CLIENT(opts));
    if (client == NULL)
        return ddb_model_with_context(ddb_last_error()->code, "UpdateTable", m);
    ddb_update_table_input in = DDB_UPDATE_TABLE_INPUT_INIT;
    in.table_name = m->table;
    in.billing_mode = DDB_BILLING_MODE_PROVISIONED;
    in.throughput.read_capacity_units = read;
    in.throughput.write_capacity_units = write;
    ddb_table_output out;
    int rc = ddb_update_table(&out, client, &in);
    ddb_table_output_free(&out);
    if (rc == 0 && opts != NULL && opts->wait)
        rc = ddb_wait_table_active(client, m->table, opts->timeout_ms != 0 ? opts->timeout_ms : 60000);
    return ddb_model_with_context(rc, "UpdateTable", m);
}

int ddb_model_update_ttl(const ddb_model *m, bool enabled)
{
    ddb_client *client = ddb_model_client_for(m, NULL);
    if (client == NULL)
        return ddb_model_with_context(ddb_last_error()->code, "UpdateTimeToLive", m);
    return ddb_model_with_context(set_ttl(client, m, enabled), "UpdateTimeToLive", m);
}
