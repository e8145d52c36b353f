/*
 * cmd_table.c - `ddb list-tables` and `ddb describe TABLE`: JSON in the
 * shape of AWS's answers ({"TableNames": [...]}, {"Table": {...}}),
 * indented. describe adds DescribeTimeToLive's TimeToLiveDescription to
 * the table's object.
 */
#include <stdlib.h>
#include <string.h>

#include "ddb/error.h"
#include "ddb_cli.h"

int cmd_list_tables(const cli_opts *o)
{
    ddb_client *c = NULL;
    if (cli_client_new(&c, o, NULL) != 0)
        return cli_fail();
    ddb_buf json = DDB_BUF_INIT;
    int rc = ddb_buf_puts(&json, "{\"TableNames\":[");
    char *start = NULL;
    size_t n = 0;
    do {
        ddb_list_tables_input in = DDB_LIST_TABLES_INPUT_INIT;
        in.exclusive_start_table_name = start;
        ddb_list_tables_output out;
        if (rc == 0)
            rc = ddb_list_tables(&out, c, &in);
        else
            memset(&out, 0, sizeof out);
        for (size_t i = 0; rc == 0 && i < out.n_table_names; i++) {
            if (n++ != 0)
                rc = ddb_buf_putc(&json, ',');
            if (rc == 0)
                rc = cli_json_str(&json, out.table_names[i]);
        }
        free(start);
        start = NULL;
        if (rc == 0 && out.last_evaluated_table_name != NULL &&
            (start = strdup(out.last_evaluated_table_name)) == NULL)
            rc = ddb_error_set(DDB_ENOMEM, "out of memory");
        ddb_list_tables_output_free(&out);
    } while (rc == 0 && start != NULL);
    if (rc == 0)
        rc = ddb_buf_puts(&json, "]}");
    if (rc == 0)
        rc = cli_write_pretty(stdout, json.data, json.len);
    ddb_buf_free(&json);
    ddb_client_free(c);
    return rc == 0 ? CLI_OK : cli_fail();
}

/* ------------------------------------------------------------ describe */

static const char *table_status_name(ddb_table_status s)
{
    switch (s) {
    case DDB_TABLE_STATUS_CREATING: return "CREATING";
    case DDB_TABLE_STATUS_UPDATING: return "UPDATING";
    case DDB_TABLE_STATUS_DELETING: return "DELETING";
    case DDB_TABLE_STATUS_ACTIVE: return "ACTIVE";
    case DDB_TABLE_STATUS_INACCESSIBLE_ENCRYPTION_CREDENTIALS: return "INACCESSIBLE_ENCRYPTION_CREDENTIALS";
    case DDB_TABLE_STATUS_ARCHIVING: return "ARCHIVING";
    case DDB_TABLE_STATUS_ARCHIVED: return "ARCHIVED";
    case DDB_TABLE_STATUS_UNKNOWN: break;
    }
    return NULL;
}

static const char *index_status_name(ddb_index_status s)
{
    switch (s) {
    case DDB_INDEX_STATUS_CREATING: return "CREATING";
    case DDB_INDEX_STATUS_UPDATING: return "UPDATING";
    case DDB_INDEX_STATUS_DELETING: return "DELETING";
    case DDB_INDEX_STATUS_ACTIVE: return "ACTIVE";
    case DDB_INDEX_STATUS_UNKNOWN: break;
    }
    return NULL;
}

static const char *stream_view_name(ddb_stream_view v)
{
    switch (v) {
    case DDB_STREAM_KEYS_ONLY: return "KEYS_ONLY";
    case DDB_STREAM_NEW_IMAGE: return "NEW_IMAGE";
    case DDB_STREAM_OLD_IMAGE: return "OLD_IMAGE";
    case DDB_STREAM_NEW_AND_OLD_IMAGES: return "NEW_AND_OLD_IMAGES";
    case DDB_STREAM_UNSET:
    case DDB_STREAM_DISABLED: break;
    }
    return NULL;
}

static const char *projection_name(ddb_projection_type t)
{
    switch (t) {
    case DDB_PROJECTION_KEYS_ONLY: return "KEYS_ONLY";
    case DDB_PROJECTION_INCLUDE: return "INCLUDE";
    case DDB_PROJECTION_ALL: break;
    }
    return "ALL";
}

/* ,"Name":"text" (nothing when text is NULL). */
static int put_str_member(ddb_buf *b, const char *name, const char *text)
{
    if (text == NULL)
        return 0;
    int rc = ddb_buf_putc(b, ',');
    if (rc == 0)
        rc = cli_json_key(b, name);
    return rc == 0 ? cli_json_str(b, text) : rc;
}

static int put_int_member(ddb_buf *b, const char *name, int64_t v)
{
    int rc = ddb_buf_putc(b, ',');
    if (rc == 0)
        rc = cli_json_key(b, name);
    return rc == 0 ? ddb_buf_put_i64(b, v) : rc;
}

static int put_key_schema(ddb_buf *b, const ddb_key_schema *k)
{
    int rc = ddb_buf_puts(b, "\"KeySchema\":[{\"AttributeName\":");
    if (rc == 0)
        rc = cli_json_str(b, k->hash_key != NULL ? k->hash_key : "");
    if (rc == 0)
        rc = ddb_buf_puts(b, ",\"KeyType\":\"HASH\"}");
    if (rc == 0 && k->range_key != NULL) {
        rc = ddb_buf_puts(b, ",{\"AttributeName\":");
        if (rc == 0)
            rc = cli_json_str(b, k->range_key);
        if (rc == 0)
            rc = ddb_buf_puts(b, ",\"KeyType\":\"RANGE\"}");
    }
    return rc == 0 ? ddb_buf_putc(b, ']') : rc;
}

static int put_throughput(ddb_buf *b, const ddb_throughput *t)
{
    return ddb_buf_printf(b, ",\"ProvisionedThroughput\":{\"ReadCapacityUnits\":%lld,\"WriteCapacityUnits\":%lld}",
                          (long long)t->read_capacity_units, (long long)t->write_capacity_units);
}

static int put_index(ddb_buf *b, const ddb_index_description *ix, bool global)
{
    int rc = ddb_buf_puts(b, "{\"IndexName\":");
    if (rc == 0)
        rc = cli_json_str(b, ix->name != NULL ? ix->name : "");
    if (rc == 0)
        rc = ddb_buf_putc(b, ',');
    if (rc == 0)
        rc = put_key_schema(b, &ix->key);
    if (rc == 0)
        rc = ddb_buf_printf(b, ",\"Projection\":{\"ProjectionType\":\"%s\"", projection_name(ix->projection.type));
    if (rc == 0 && ix->projection.n_non_key_attributes > 0) {
        rc = ddb_buf_puts(b, ",\"NonKeyAttributes\":[");
        for (size_t i = 0; rc == 0 && i < ix->projection.n_non_key_attributes; i++) {
            if (i != 0)
                rc = ddb_buf_putc(b, ',');
            if (rc == 0)
                rc = cli_json_str(b, ix->projection.non_key_attributes[i]);
        }
        if (rc == 0)
            rc = ddb_buf_putc(b, ']');
    }
    if (rc == 0)
        rc = ddb_buf_putc(b, '}');
    if (rc == 0 && global) {
        rc = put_str_member(b, "IndexStatus", index_status_name(ix->status));
        if (rc == 0 && ix->backfilling)
            rc = ddb_buf_puts(b, ",\"Backfilling\":true");
        if (rc == 0)
            rc = put_throughput(b, &ix->throughput);
    }
    if (rc == 0)
        rc = put_int_member(b, "IndexSizeBytes", ix->size_bytes);
    if (rc == 0)
        rc = put_int_member(b, "ItemCount", ix->item_count);
    if (rc == 0)
        rc = put_str_member(b, "IndexArn", ix->arn);
    return rc == 0 ? ddb_buf_putc(b, '}') : rc;
}

static int put_indexes(ddb_buf *b, const char *name, const ddb_index_description *ix, size_t n, bool global)
{
    if (n == 0)
        return 0;
    int rc = ddb_buf_putc(b, ',');
    if (rc == 0)
        rc = cli_json_key(b, name);
    if (rc == 0)
        rc = ddb_buf_putc(b, '[');
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (i != 0)
            rc = ddb_buf_putc(b, ',');
        if (rc == 0)
            rc = put_index(b, &ix[i], global);
    }
    return rc == 0 ? ddb_buf_putc(b, ']') : rc;
}

static const char *ttl_status_name(ddb_ttl_status s)
{
    switch (s) {
    case DDB_TTL_STATUS_ENABLING: return "ENABLING";
    case DDB_TTL_STATUS_DISABLING: return "DISABLING";
    case DDB_TTL_STATUS_ENABLED: return "ENABLED";
    case DDB_TTL_STATUS_DISABLED: return "DISABLED";
    case DDB_TTL_STATUS_UNKNOWN: break;
    }
    return NULL;
}

int cli_table_description_json(ddb_buf *b, const ddb_table_description *d, const ddb_ttl_output *ttl)
{
    int rc = ddb_buf_puts(b, "{\"TableName\":");
    if (rc == 0)
        rc = cli_json_str(b, d->name != NULL ? d->name : "");
    if (rc == 0)
        rc = put_str_member(b, "TableStatus", table_status_name(d->status));
    if (rc == 0)
        rc = ddb_buf_putc(b, ',');
    if (rc == 0)
        rc = put_key_schema(b, &d->key_schema);
    if (rc == 0)
        rc = ddb_buf_puts(b, ",\"AttributeDefinitions\":[");
    for (size_t i = 0; rc == 0 && i < d->n_attribute_definitions; i++) {
        rc = ddb_buf_puts(b, i != 0 ? ",{\"AttributeName\":" : "{\"AttributeName\":");
        if (rc == 0)
            rc = cli_json_str(b, d->attribute_definitions[i].name);
        if (rc == 0)
            rc = ddb_buf_printf(b, ",\"AttributeType\":\"%s\"}", ddb_av_type_tag(d->attribute_definitions[i].type));
    }
    if (rc == 0)
        rc = ddb_buf_putc(b, ']');
    if (rc == 0)
        rc = ddb_buf_printf(b, ",\"BillingModeSummary\":{\"BillingMode\":\"%s\"}",
                            d->billing_mode == DDB_BILLING_MODE_PAY_PER_REQUEST ? "PAY_PER_REQUEST" : "PROVISIONED");
    if (rc == 0)
        rc = put_throughput(b, &d->throughput);
    if (rc == 0)
        rc = put_int_member(b, "ItemCount", d->item_count);
    if (rc == 0)
        rc = put_int_member(b, "TableSizeBytes", d->size_bytes);
    if (rc == 0 && d->creation_date_time > 0)
        rc = ddb_buf_printf(b, ",\"CreationDateTime\":%.3f", d->creation_date_time);
    if (rc == 0)
        rc = put_indexes(b, "GlobalSecondaryIndexes", d->global_indexes, d->n_global_indexes, true);
    if (rc == 0)
        rc = put_indexes(b, "LocalSecondaryIndexes", d->local_indexes, d->n_local_indexes, false);
    if (rc == 0 && d->stream != DDB_STREAM_UNSET) {
        const char *view = stream_view_name(d->stream);
        rc = ddb_buf_printf(b, ",\"StreamSpecification\":{\"StreamEnabled\":%s", view != NULL ? "true" : "false");
        if (rc == 0 && view != NULL)
            rc = ddb_buf_printf(b, ",\"StreamViewType\":\"%s\"", view);
        if (rc == 0)
            rc = ddb_buf_putc(b, '}');
    }
    if (rc == 0)
        rc = put_str_member(b, "LatestStreamArn", d->latest_stream_arn);
    if (rc == 0)
        rc = put_str_member(b, "LatestStreamLabel", d->latest_stream_label);
    if (rc == 0)
        rc = put_str_member(b, "TableArn", d->arn);
    if (rc == 0)
        rc = put_str_member(b, "TableId", d->id);
    if (rc == 0 && ttl != NULL && ttl_status_name(ttl->status) != NULL) {
        rc = ddb_buf_puts(b, ",\"TimeToLiveDescription\":{\"TimeToLiveStatus\":");
        if (rc == 0)
            rc = cli_json_str(b, ttl_status_name(ttl->status));
        if (rc == 0)
            rc = put_str_member(b, "AttributeName", ttl->attribute_name);
        if (rc == 0)
            rc = ddb_buf_putc(b, '}');
    }
    return rc == 0 ? ddb_buf_putc(b, '}') : rc;
}

int cmd_describe(const cli_opts *o)
{
    ddb_client *c = NULL;
    if (cli_client_new(&c, o, NULL) != 0)
        return cli_fail();
    ddb_table_name_input in = DDB_TABLE_NAME_INPUT_INIT;
    in.table_name = o->args[0];
    ddb_table_output out;
    ddb_buf json = DDB_BUF_INIT;
    int rc = ddb_describe_table(&out, c, &in);
    /* TTL is another call; a principal without DescribeTimeToLive still
     * gets the rest (the member is left out) */
    ddb_ttl_output ttl;
    bool has_ttl = rc == 0 && ddb_describe_time_to_live(&ttl, c, &in) == 0;
    if (rc == 0 && !has_ttl)
        ddb_ttl_output_free(&ttl);
    if (rc == 0)
        rc = ddb_buf_puts(&json, "{\"Table\":");
    if (rc == 0)
        rc = cli_table_description_json(&json, &out.table, has_ttl ? &ttl : NULL);
    if (has_ttl)
        ddb_ttl_output_free(&ttl);
    if (rc == 0)
        rc = ddb_buf_putc(&json, '}');
    if (rc == 0)
        rc = cli_write_pretty(stdout, json.data, json.len);
    ddb_buf_free(&json);
    ddb_table_output_free(&out);
    ddb_client_free(c);
    return rc == 0 ? CLI_OK : cli_fail();
}
