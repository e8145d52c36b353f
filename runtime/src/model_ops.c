/* model_ops.c - item and table operations of generated models (reading
 * beyond get: model_read.c). */
#include <stdlib.h>
#include <string.h>

#include "ddb/error.h"
#include "ddb/ops.h"
#include "model_internal.h"

/* ------------------------------------------------------------ items */

int ddb_model_put(const ddb_model *m, void *obj, ddb_cond *cond)
{
    request_exprs r = REQUEST_EXPRS_INIT;
    ddb_av *item = NULL;
    int64_t next_version = 0;
    ddb_client *client = ddb_model_client_for(m);
    int rc = client != NULL ? 0 : ddb_last_error()->code;
    if (rc == 0)
        rc = ddb_model_version_guard(m, obj, &cond, &next_version);
    if (rc == 0)
        rc = ddb_model_to_item(m, obj, &item);
    if (rc == 0)
        rc = ddb_model_version_item(m, item, next_version);
    if (rc == 0)
        rc = ddb_render_cond(&r, cond, &r.condition);
    if (rc == 0) {
        ddb_put_item_input in = DDB_PUT_ITEM_INPUT_INIT;
        in.table_name = m->table;
        in.item = item;
        in.condition_expression = ddb_expr_or_null(&r.condition);
        in.names = r.ctx.names;
        in.values = r.ctx.values;
        ddb_write_item_output out;
        in.return_consumed_capacity = DDB_CAPACITY_TOTAL;
        rc = ddb_put_item(client, &in, &out);
        ddb_model_note_consumed(rc == 0 ? out.consumed.capacity_units : 0);
        ddb_write_item_output_free(&out);
    }
    if (rc == 0)
        ddb_model_version_commit(m, obj, next_version);
    ddb_av_free(item);
    ddb_request_exprs_free(&r);
    ddb_cond_free(cond);
    return ddb_model_with_context(rc, "PutItem", m);
}

int ddb_model_get(const ddb_model *m, void *out, const void *hash, const void *range,
                  const ddb_get_opts *opts)
{
    ddb_av *key = NULL;
    ddb_client *client = ddb_model_client_for(m);
    int rc = client != NULL ? 0 : ddb_last_error()->code;
    if (rc == 0)
        rc = ddb_model_key_of(m, hash, range, &key);
    if (rc == 0)
        rc = ddb_model_get_key(m, client, key, opts, out); /* model_read.c: projection, capacity */
    ddb_av_free(key);
    return ddb_model_with_context(rc, "GetItem", m);
}

int ddb_model_delete(const ddb_model *m, const void *obj, ddb_cond *cond)
{
    request_exprs r = REQUEST_EXPRS_INIT;
    ddb_av *key = NULL;
    ddb_client *client = ddb_model_client_for(m);
    int rc = client != NULL ? 0 : ddb_last_error()->code;
    int64_t next_version = 0; /* unused: a delete only checks the version */
    if (rc == 0)
        rc = ddb_model_version_guard(m, obj, &cond, &next_version);
    if (rc == 0)
        rc = ddb_model_key(m, obj, &key);
    if (rc == 0)
        rc = ddb_render_cond(&r, cond, &r.condition);
    if (rc == 0) {
        ddb_delete_item_input in = DDB_DELETE_ITEM_INPUT_INIT;
        in.table_name = m->table;
        in.key = key;
        in.condition_expression = ddb_expr_or_null(&r.condition);
        in.names = r.ctx.names;
        in.values = r.ctx.values;
        ddb_write_item_output out;
        in.return_consumed_capacity = DDB_CAPACITY_TOTAL;
        rc = ddb_delete_item(client, &in, &out);
        ddb_model_note_consumed(rc == 0 ? out.consumed.capacity_units : 0);
        ddb_write_item_output_free(&out);
    }
    ddb_av_free(key);
    ddb_request_exprs_free(&r);
    ddb_cond_free(cond);
    return ddb_model_with_context(rc, "DeleteItem", m);
}

int ddb_model_update(const ddb_model *m, void *obj, ddb_update *actions, ddb_cond *cond)
{
    request_exprs r = REQUEST_EXPRS_INIT;
    ddb_av *key = NULL;
    ddb_client *client = ddb_model_client_for(m);
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
        rc = ddb_render_cond(&r, cond, &r.condition);
    if (rc == 0) {
        ddb_update_item_input in = DDB_UPDATE_ITEM_INPUT_INIT;
        in.table_name = m->table;
        in.key = key;
        in.update_expression = ddb_expr_or_null(&r.update);
        in.condition_expression = ddb_expr_or_null(&r.condition);
        in.names = r.ctx.names;
        in.values = r.ctx.values;
        in.return_values = DDB_RETURN_ALL_NEW;
        ddb_write_item_output out;
        in.return_consumed_capacity = DDB_CAPACITY_TOTAL;
        rc = ddb_update_item(client, &in, &out);
        ddb_model_note_consumed(rc == 0 ? out.consumed.capacity_units : 0);
        if (rc == 0 && out.attributes != NULL)
            rc = ddb_model_load(m, out.attributes, obj);
        ddb_write_item_output_free(&out);
    }
    ddb_av_free(key);
    ddb_request_exprs_free(&r);
    ddb_update_free(actions);
    ddb_cond_free(cond);
    return ddb_model_with_context(rc, "UpdateItem", m);
}

/* ------------------------------------------------------------ tables */

int ddb_model_create_table(const ddb_model *m, const ddb_table_opts *opts)
{
    ddb_client *client = ddb_model_client_for(m);
    if (client == NULL)
        return ddb_model_with_context(ddb_last_error()->code, "CreateTable", m);
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
    return ddb_model_with_context(rc, "CreateTable", m);
}

int ddb_model_delete_table(const ddb_model *m, const ddb_table_opts *opts)
{
    ddb_client *client = ddb_model_client_for(m);
    if (client == NULL)
        return ddb_model_with_context(ddb_last_error()->code, "DeleteTable", m);
    ddb_table_name_input in = DDB_TABLE_NAME_INPUT_INIT;
    in.table_name = m->table;
    ddb_table_output out;
    int rc = ddb_delete_table(client, &in, &out);
    ddb_table_output_free(&out);
    if (rc == 0 && opts != NULL && opts->wait)
        rc = ddb_wait_table_deleted(client, m->table, opts->timeout_ms != 0 ? opts->timeout_ms : 60000);
    return ddb_model_with_context(rc, "DeleteTable", m);
}
