/* ops_table.c - table operations (CreateTable, DescribeTable, UpdateTable,
 * DeleteTable, ListTables), time to live, and the table waiters. */
#include "feature_macros.h" /* first: feature-test macros before any system header */

#include <string.h>
#include <time.h>

#include "ddb/error.h"
#include "ops_internal.h"

#define WAIT_DEFAULT_MS 60000L
#define WAIT_FIRST_POLL_MS 50u
#define WAIT_MAX_POLL_MS 1000u

/* Enum names, index = enum value, shared by writing and reading. */
_Static_assert(DDB_AV_S == 1 && DDB_AV_N == 2 && DDB_AV_B == 3, "attribute type names");
static const char *const attr_type_names[] = {NULL, "S", "N", "B"};
static const char *const billing_names[] = {NULL, "PROVISIONED", "PAY_PER_REQUEST"};
static const char *const projection_names[] = {"ALL", "KEYS_ONLY", "INCLUDE"};
static const char *const stream_view_names[] = {NULL,        NULL,        "KEYS_ONLY",
                                                "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"};
static const char *const table_status_names[] = {NULL,        "CREATING",
                                                 "UPDATING",  "DELETING",
                                                 "ACTIVE",    "INACCESSIBLE_ENCRYPTION_CREDENTIALS",
                                                 "ARCHIVING", "ARCHIVED"};
static const char *const index_status_names[] = {NULL, "CREATING", "UPDATING", "DELETING",
                                                 "ACTIVE"};
static const char *const ttl_status_names[] = {NULL, "ENABLING", "DISABLING", "ENABLED",
                                               "DISABLED"};

/* ------------------------------------------------------------------ */
/* Request pieces                                                     */
/* ------------------------------------------------------------------ */

static int write_key_element(wctx *w, const char *name, const char *type)
{
    int rc = ddb_w_open(w, '{');
    if (rc == 0)
        rc = ddb_w_member(w, "AttributeName");
    if (rc == 0)
        rc = ddb_w_string(w, name);
    if (rc == 0)
        rc = ddb_w_member(w, "KeyType");
    if (rc == 0)
        rc = ddb_w_string(w, type);
    return rc != 0 ? rc : ddb_w_close(w, '}');
}

/* ddb_key_schema -> [{"AttributeName":h,"KeyType":"HASH"},{...,"RANGE"}] */
static int write_key_schema(wctx *w, const wfield *f, const void *base)
{
    const ddb_key_schema *k = (const ddb_key_schema *)((const char *)base + f->offset);
    if (k->hash_key == NULL || *k->hash_key == '\0')
        return ddb_w_error(w, DDB_EINVAL, f->name, "needs a hash key");
    int rc = ddb_w_member(w, f->name);
    if (rc == 0)
        rc = ddb_w_open(w, '[');
    if (rc == 0)
        rc = write_key_element(w, k->hash_key, "HASH");
    if (rc == 0 && k->range_key != NULL)
        rc = write_key_element(w, k->range_key, "RANGE");
    return rc != 0 ? rc : ddb_w_close(w, ']');
}

/* ddb_stream_view -> StreamSpecification (UNSET: not sent). */
static int write_stream(wctx *w, const wfield *f, const void *base)
{
    int v = *(const int *)((const char *)base + f->offset);
    if (v == DDB_STREAM_UNSET)
        return 0;
    if (v < 0 || (size_t)v >= WCOUNT(stream_view_names) ||
        (v != DDB_STREAM_DISABLED && stream_view_names[v] == NULL))
        return ddb_w_error(w, DDB_EINVAL, f->name, "has an invalid stream view type");
    bool enabled = v != DDB_STREAM_DISABLED;
    int rc = ddb_w_member(w, f->name);
    if (rc == 0)
        rc = ddb_w_open(w, '{');
    if (rc == 0)
        rc = ddb_w_member(w, "StreamEnabled");
    if (rc == 0)
        rc = ddb_w_raw(w, enabled ? "true" : "false");
    if (rc == 0 && enabled)
        rc = ddb_w_member(w, "StreamViewType");
    if (rc == 0 && enabled)
        rc = ddb_w_string(w, stream_view_names[v]);
    return rc != 0 ? rc : ddb_w_close(w, '}');
}

static const wfield attr_def_fields[] = {
    WF_STR("AttributeName", ddb_attribute_definition, name, W_REQUIRED),
    WF_ENUM("AttributeType", ddb_attribute_definition, type, W_REQUIRED, attr_type_names),
};
static const wtable attr_def_table = WTABLE(attr_def_fields);

static const wfield throughput_fields[] = {
    WF_I64("ReadCapacityUnits", ddb_throughput, read_capacity_units),
    WF_I64("WriteCapacityUnits", ddb_throughput, write_capacity_units),
};
static const wtable throughput_table = WTABLE(throughput_fields);

static const wfield projection_fields[] = {
    WF_ENUM("ProjectionType", ddb_projection, type, W_ALWAYS, projection_names),
    WF_STRS("NonKeyAttributes", ddb_projection, non_key_attributes, n_non_key_attributes),
};
static const wtable projection_table = WTABLE(projection_fields);

static const wfield gsi_fields[] = {
    WF_STR("IndexName", ddb_secondary_index, name, W_REQUIRED),
    WF_CUSTOM("KeySchema", ddb_secondary_index, key, W_REQUIRED, write_key_schema),
    WF_OBJECT("Projection", ddb_secondary_index, projection, &projection_table),
    WF_OBJECT("ProvisionedThroughput", ddb_secondary_index, throughput, &throughput_table),
};
static const wtable gsi_table = WTABLE(gsi_fields);

static const wfield lsi_fields[] = {
    WF_STR("IndexName", ddb_secondary_index, name, W_REQUIRED),
    WF_CUSTOM("KeySchema", ddb_secondary_index, key, W_REQUIRED, write_key_schema),
    WF_OBJECT("Projection", ddb_secondary_index, projection, &projection_table),
};
static const wtable lsi_table = WTABLE(lsi_fields);

static const wfield tag_fields[] = {
    WF_STR("Key", ddb_tag, key, W_REQUIRED),
    WF_STR("Value", ddb_tag, value, 0),
};
static const wtable tag_table = WTABLE(tag_fields);

/* ------------------------------------------------------------------ */
/* Operation tables                                                   */
/* ------------------------------------------------------------------ */

#define T_ATTR_DEFS(T, fl)                                                                         \
    WF_ARRAY("AttributeDefinitions", T, attribute_definitions, n_attribute_definitions,            \
             ddb_attribute_definition, &attr_def_table, fl, 0, DDB_EINVAL)

static const wfield create_table_fields[] = {
    WF_STR("TableName", ddb_create_table_input, table_name, W_REQUIRED),
    T_ATTR_DEFS(ddb_create_table_input, W_REQUIRED),
    WF_CUSTOM("KeySchema", ddb_create_table_input, key_schema, W_REQUIRED, write_key_schema),
    WF_ENUM("BillingMode", ddb_create_table_input, billing_mode, 0, billing_names),
    WF_OBJECT("ProvisionedThroughput", ddb_create_table_input, throughput, &throughput_table),
    WF_ARRAY("GlobalSecondaryIndexes", ddb_create_table_input, global_indexes, n_global_indexes,
             ddb_secondary_index, &gsi_table, 0, 0, DDB_EINVAL),
    WF_ARRAY("LocalSecondaryIndexes", ddb_create_table_input, local_indexes, n_local_indexes,
             ddb_secondary_index, &lsi_table, 0, 0, DDB_EINVAL),
    WF_CUSTOM("StreamSpecification", ddb_create_table_input, stream, 0, write_stream),
    WF_ARRAY("Tags", ddb_create_table_input, tags, n_tags, ddb_tag, &tag_table, 0, 0, DDB_EINVAL),
};
static const wtable create_table_table = WTABLE(create_table_fields);

static const wfield gsi_throughput_fields[] = {
    WF_STR("IndexName", ddb_secondary_index, name, W_REQUIRED),
    WF_OBJECT("ProvisionedThroughput", ddb_secondary_index, throughput, &throughput_table),
};
static const wtable gsi_throughput_table = WTABLE(gsi_throughput_fields);
static const wfield index_name_fields[] = {
    WF_STR("IndexName", ddb_secondary_index, name, W_REQUIRED),
};
static const wtable index_name_table = WTABLE(index_name_fields);
static const wvariant gsi_update_variants[] = {
    {"Create", &gsi_table, offsetof(ddb_gsi_update, index)},
    {"Update", &gsi_throughput_table, offsetof(ddb_gsi_update, index)},
    {"Delete", &index_name_table, offsetof(ddb_gsi_update, index)},
};
static const wfield gsi_update_fields[] = {WF_UNION(ddb_gsi_update, action, gsi_update_variants)};
static const wtable gsi_update_table = WTABLE(gsi_update_fields);

static const wfield update_table_fields[] = {
    WF_STR("TableName", ddb_update_table_input, table_name, W_REQUIRED),
    T_ATTR_DEFS(ddb_update_table_input, 0),
    WF_ENUM("BillingMode", ddb_update_table_input, billing_mode, 0, billing_names),
    WF_OBJECT("ProvisionedThroughput", ddb_update_table_input, throughput, &throughput_table),
    WF_ARRAY("GlobalSecondaryIndexUpdates", ddb_update_table_input, index_updates, n_index_updates,
             ddb_gsi_update, &gsi_update_table, 0, 0, DDB_EINVAL),
    WF_CUSTOM("StreamSpecification", ddb_update_table_input, stream, 0, write_stream),
};
static const wtable update_table_table = WTABLE(update_table_fields);

static const wfield table_name_fields[] = {
    WF_STR("TableName", ddb_table_name_input, table_name, W_REQUIRED),
};
static const wtable table_name_table = WTABLE(table_name_fields);

static const wfield list_tables_fields[] = {
    WF_STR("ExclusiveStartTableName", ddb_list_tables_input, exclusive_start_table_name, 0),
    WF_U32("Limit", ddb_list_tables_input, limit),
};
static const wtable list_tables_table = WTABLE(list_tables_fields);

static const wfield ttl_spec_fields[] = {
    WF_STR("AttributeName", ddb_update_ttl_input, attribute_name, W_REQUIRED),
    WF_BOOL("Enabled", ddb_update_ttl_input, enabled, W_ALWAYS),
};
static const wtable ttl_spec_table = WTABLE(ttl_spec_fields);
static const wfield update_ttl_fields[] = {
    WF_STR("TableName", ddb_update_ttl_input, table_name, W_REQUIRED),
    WF_WRAP("TimeToLiveSpecification", &ttl_spec_table),
};
static const wtable update_ttl_table = WTABLE(update_ttl_fields);

/* clang-format off */
#define TABLE_OP(op, tbl, T) \
    {.name = (op), .request = (tbl), .table_offset = offsetof(T, table_name)}
/* clang-format on */
static const op_def create_table_op =
    TABLE_OP("CreateTable", &create_table_table, ddb_create_table_input);
static const op_def describe_table_op =
    TABLE_OP("DescribeTable", &table_name_table, ddb_table_name_input);
static const op_def update_table_op =
    TABLE_OP("UpdateTable", &update_table_table, ddb_update_table_input);
static const op_def delete_table_op =
    TABLE_OP("DeleteTable", &table_name_table, ddb_table_name_input);
static const op_def update_ttl_op =
    TABLE_OP("UpdateTimeToLive", &update_ttl_table, ddb_update_ttl_input);
static const op_def describe_ttl_op =
    TABLE_OP("DescribeTimeToLive", &table_name_table, ddb_table_name_input);
static const op_def list_tables_op = {
    .name = "ListTables",
    .request = &list_tables_table,
    .table_offset = OP_NO_TABLE,
};

/* ------------------------------------------------------------------ */
/* Reading a TableDescription                                         */
/* ------------------------------------------------------------------ */

static int read_key_schema(const ddb_jnode *arr, ddb_out_mem **m, ddb_key_schema *out)
{
    int rc = 0;
    for (const ddb_jnode *e = ddb_jnode_first(arr); e != NULL && rc == 0; e = ddb_jnode_next(e)) {
        const char *type = ddb_jnode_get_str(e, "KeyType");
        bool range = type != NULL && strcmp(type, "RANGE") == 0;
        rc = ddb_read_str(e, "AttributeName", m, range ? &out->range_key : &out->hash_key);
    }
    return rc;
}

static int read_strings(const ddb_jnode *arr, ddb_out_mem **m, const char *const **out,
                        size_t *n_out)
{
    size_t n = ddb_jnode_len(arr);
    const char **s = ddb_mem_array(m, n, sizeof *s);
    if (s == NULL && n != 0)
        return DDB_ENOMEM;
    size_t i = 0;
    for (const ddb_jnode *e = ddb_jnode_first(arr); e != NULL; e = ddb_jnode_next(e)) {
        size_t len;
        const char *v = ddb_jnode_str(e, &len);
        if (v == NULL || ddb_jnode_type(e) != DDB_J_STRING)
            return ddb_error_set(DDB_EPROTOCOL, "a list of names holds a non-string");
        if ((s[i++] = ddb_mem_strndup(m, v, len)) == NULL)
            return DDB_ENOMEM;
    }
    *out = s;
    *n_out = i;
    return 0;
}

static int read_projection(const ddb_jnode *p, ddb_out_mem **m, ddb_projection *out)
{
    out->type = (ddb_projection_type)ddb_read_enum(p, "ProjectionType", projection_names,
                                                   WCOUNT(projection_names));
    return read_strings(ddb_jnode_get(p, "NonKeyAttributes"), m, &out->non_key_attributes,
                        &out->n_non_key_attributes);
}

static int read_throughput(const ddb_jnode *p, ddb_throughput *out)
{
    int rc = ddb_read_i64(p, "ReadCapacityUnits", &out->read_capacity_units);
    return rc != 0 ? rc : ddb_read_i64(p, "WriteCapacityUnits", &out->write_capacity_units);
}

static int read_index(const ddb_jnode *e, ddb_out_mem **m, ddb_index_description *out)
{
    out->status = (ddb_index_status)ddb_read_enum(e, "IndexStatus", index_status_names,
                                                  WCOUNT(index_status_names));
    const ddb_jnode *backfilling = ddb_jnode_get(e, "Backfilling");
    int rc = backfilling != NULL ? ddb_jnode_bool(backfilling, &out->backfilling) : 0;
    if (rc == 0)
        rc = ddb_read_str(e, "IndexName", m, &out->name);
    if (rc == 0)
        rc = ddb_read_str(e, "IndexArn", m, &out->arn);
    if (rc == 0)
        rc = read_key_schema(ddb_jnode_get(e, "KeySchema"), m, &out->key);
    if (rc == 0)
        rc = read_projection(ddb_jnode_get(e, "Projection"), m, &out->projection);
    if (rc == 0)
        rc = read_throughput(ddb_jnode_get(e, "ProvisionedThroughput"), &out->throughput);
    if (rc == 0)
        rc = ddb_read_i64(e, "ItemCount", &out->item_count);
    out->has_item_count = rc == 0 && ddb_jnode_get(e, "ItemCount") != NULL;
    if (rc == 0)
        rc = ddb_read_i64(e, "IndexSizeBytes", &out->size_bytes);
    return rc;
}

static int read_indexes(const ddb_jnode *arr, ddb_out_mem **m, const ddb_index_description **out,
                        size_t *n_out)
{
    size_t n = ddb_jnode_len(arr);
    ddb_index_description *d = ddb_mem_array(m, n, sizeof *d);
    if (d == NULL && n != 0)
        return DDB_ENOMEM;
    *out = d;
    *n_out = n;
    size_t i = 0;
    int rc = 0;
    for (const ddb_jnode *e = ddb_jnode_first(arr); e != NULL && rc == 0; e = ddb_jnode_next(e))
        rc = read_index(e, m, &d[i++]);
    return rc;
}

static int read_attr_defs(const ddb_jnode *arr, ddb_out_mem **m, ddb_table_description *out)
{
    size_t n = ddb_jnode_len(arr);
    ddb_attribute_definition *d = ddb_mem_array(m, n, sizeof *d);
    if (d == NULL && n != 0)
        return DDB_ENOMEM;
    out->attribute_definitions = d;
    out->n_attribute_definitions = n;
    size_t i = 0;
    int rc = 0;
    for (const ddb_jnode *e = ddb_jnode_first(arr); e != NULL && rc == 0;
         e = ddb_jnode_next(e), i++) {
        d[i].type = (ddb_av_type)ddb_read_enum(e, "AttributeType", attr_type_names,
                                               WCOUNT(attr_type_names));
        rc = ddb_read_str(e, "AttributeName", m, &d[i].name);
    }
    return rc;
}

static ddb_stream_view read_stream(const ddb_jnode *spec)
{
    bool enabled = false;
    if (spec == NULL || ddb_jnode_bool(ddb_jnode_get(spec, "StreamEnabled"), &enabled) != 0)
        return DDB_STREAM_UNSET;
    if (!enabled)
        return DDB_STREAM_DISABLED;
    return (ddb_stream_view)ddb_read_enum(spec, "StreamViewType", stream_view_names,
                                          WCOUNT(stream_view_names));
}

static int read_table(const ddb_jnode *t, ddb_out_mem **m, ddb_table_description *out)
{
    if (ddb_jnode_type(t) != DDB_J_OBJECT)
        return ddb_error_set(DDB_EPROTOCOL, "the response has no table description");
    out->status = (ddb_table_status)ddb_read_enum(t, "TableStatus", table_status_names,
                                                  WCOUNT(table_status_names));
    out->billing_mode =
        (ddb_billing_mode)ddb_read_enum(ddb_jnode_get(t, "BillingModeSummary"), "BillingMode",
                                        billing_names, WCOUNT(billing_names));
    if (out->billing_mode == DDB_BILLING_MODE_UNSET)
        out->billing_mode = DDB_BILLING_MODE_PROVISIONED;
    out->stream = read_stream(ddb_jnode_get(t, "StreamSpecification"));
    const ddb_jnode *created = ddb_jnode_get(t, "CreationDateTime");
    int rc = created != NULL ? ddb_jnode_double(created, &out->creation_date_time) : 0;
    if (rc == 0)
        rc = ddb_read_str(t, "TableName", m, &out->name);
    if (rc == 0)
        rc = ddb_read_str(t, "TableArn", m, &out->arn);
    if (rc == 0)
        rc = ddb_read_str(t, "TableId", m, &out->id);
    if (rc == 0)
        rc = ddb_read_str(t, "LatestStreamArn", m, &out->latest_stream_arn);
    if (rc == 0)
        rc = ddb_read_str(t, "LatestStreamLabel", m, &out->latest_stream_label);
    if (rc == 0)
        rc = read_key_schema(ddb_jnode_get(t, "KeySchema"), m, &out->key_schema);
    if (rc == 0)
        rc = read_attr_defs(ddb_jnode_get(t, "AttributeDefinitions"), m, out);
    if (rc == 0)
        rc = read_throughput(ddb_jnode_get(t, "ProvisionedThroughput"), &out->throughput);
    if (rc == 0)
        rc = ddb_read_i64(t, "ItemCount", &out->item_count);
    if (rc == 0)
        rc = ddb_read_i64(t, "TableSizeBytes", &out->size_bytes);
    if (rc == 0)
        rc = read_indexes(ddb_jnode_get(t, "GlobalSecondaryIndexes"), m, &out->global_indexes,
                          &out->n_global_indexes);
    if (rc == 0)
        rc = read_indexes(ddb_jnode_get(t, "LocalSecondaryIndexes"), m, &out->local_indexes,
                          &out->n_local_indexes);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Operations                                                         */
/* ------------------------------------------------------------------ */

/* Runs a table operation whose response holds a description in `member`. */
static int table_call(ddb_client *c, const op_def *def, const char *member, const void *in,
                      ddb_table_output *out)
{
    memset(out, 0, sizeof *out);
    ddb_jdoc *doc;
    int rc = ddb_ops_call(c, def, in, &doc);
    if (rc != 0)
        return rc;
    rc = read_table(ddb_jnode_get(ddb_jdoc_root(doc), member), &out->mem, &out->table);
    ddb_jdoc_free(doc);
    return ddb_ops_result(def, in, rc);
}

int ddb_create_table(ddb_table_output *out, ddb_client *c, const ddb_create_table_input *in)
{
    return table_call(c, &create_table_op, "TableDescription", in, out);
}

int ddb_describe_table(ddb_table_output *out, ddb_client *c, const ddb_table_name_input *in)
{
    return table_call(c, &describe_table_op, "Table", in, out);
}

int ddb_update_table(ddb_table_output *out, ddb_client *c, const ddb_update_table_input *in)
{
    return table_call(c, &update_table_op, "TableDescription", in, out);
}

int ddb_delete_table(ddb_table_output *out, ddb_client *c, const ddb_table_name_input *in)
{
    return table_call(c, &delete_table_op, "TableDescription", in, out);
}

void ddb_table_output_free(ddb_table_output *out)
{
    if (out == NULL)
        return;
    ddb_mem_free(out->mem);
    memset(out, 0, sizeof *out);
}

int ddb_list_tables(ddb_list_tables_output *out, ddb_client *c, const ddb_list_tables_input *in)
{
    static const ddb_list_tables_input all = DDB_LIST_TABLES_INPUT_INIT;
    memset(out, 0, sizeof *out);
    if (in == NULL)
        in = &all;
    ddb_jdoc *doc;
    int rc = ddb_ops_call(c, &list_tables_op, in, &doc);
    if (rc != 0)
        return rc;
    const ddb_jnode *root = ddb_jdoc_root(doc);
    const char *const *names = NULL;
    rc = read_strings(ddb_jnode_get(root, "TableNames"), &out->mem, &names, &out->n_table_names);
    out->table_names = (const char **)names;
    if (rc == 0)
        rc = ddb_read_str(root, "LastEvaluatedTableName", &out->mem,
                          &out->last_evaluated_table_name);
    ddb_jdoc_free(doc);
    return ddb_ops_result(&list_tables_op, in, rc);
}

void ddb_list_tables_output_free(ddb_list_tables_output *out)
{
    if (out == NULL)
        return;
    ddb_mem_free(out->mem);
    memset(out, 0, sizeof *out);
}

/* Runs UpdateTimeToLive (TimeToLiveSpecification in the response) or
 * DescribeTimeToLive (TimeToLiveDescription). */
static int ttl_call(ddb_client *c, const op_def *def, const void *in, ddb_ttl_output *out)
{
    memset(out, 0, sizeof *out);
    ddb_jdoc *doc;
    int rc = ddb_ops_call(c, def, in, &doc);
    if (rc != 0)
        return rc;
    const ddb_jnode *root = ddb_jdoc_root(doc);
    const ddb_jnode *spec = ddb_jnode_get(root, "TimeToLiveSpecification");
    if (spec != NULL) { /* UpdateTimeToLive */
        bool enabled = false;
        rc = ddb_jnode_bool(ddb_jnode_get(spec, "Enabled"), &enabled);
        out->status = enabled ? DDB_TTL_STATUS_ENABLED : DDB_TTL_STATUS_DISABLED;
    } else { /* DescribeTimeToLive */
        spec = ddb_jnode_get(root, "TimeToLiveDescription");
        out->status = (ddb_ttl_status)ddb_read_enum(spec, "TimeToLiveStatus", ttl_status_names,
                                                    WCOUNT(ttl_status_names));
    }
    if (rc == 0)
        rc = ddb_read_str(spec, "AttributeName", &out->mem, &out->attribute_name);
    ddb_jdoc_free(doc);
    return ddb_ops_result(def, in, rc);
}

int ddb_update_time_to_live(ddb_ttl_output *out, ddb_client *c, const ddb_update_ttl_input *in)
{
    return ttl_call(c, &update_ttl_op, in, out);
}

int ddb_describe_time_to_live(ddb_ttl_output *out, ddb_client *c, const ddb_table_name_input *in)
{
    return ttl_call(c, &describe_ttl_op, in, out);
}

void ddb_ttl_output_free(ddb_ttl_output *out)
{
    if (out == NULL)
        return;
    ddb_mem_free(out->mem);
    memset(out, 0, sizeof *out);
}

/* ------------------------------------------------------------------ */
/* Waiters                                                            */
/* ------------------------------------------------------------------ */

static int64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool table_active(const ddb_table_description *t)
{
    if (t->status != DDB_TABLE_STATUS_ACTIVE)
        return false;
    for (size_t i = 0; i < t->n_global_indexes; i++)
        if (t->global_indexes[i].status != DDB_INDEX_STATUS_ACTIVE)
            return false;
    return true;
}

/* One poll: 1 when the wait is over, 0 to poll again, or an error. */
static int poll_table(ddb_client *c, const char *table, bool want_deleted)
{
    ddb_table_name_input in = {table};
    ddb_table_output out;
    int rc = ddb_describe_table(&out, c, &in);
    bool active = rc == 0 && table_active(&out.table);
    ddb_table_output_free(&out);
    if (want_deleted)
        return rc == DDB_ERESOURCE ? 1 : rc;
    return rc != 0 ? rc : active;
}

static int wait_table(ddb_client *c, const char *table, long timeout_ms, bool want_deleted)
{
    if (c == NULL || table == NULL)
        return ddb_error_set(DDB_EINVAL, "waiting for a table: client and table name are required");
    const ddb_retry_policy *policy = ddb_client_retry_policy(c);
    long limit = timeout_ms > 0 ? timeout_ms : WAIT_DEFAULT_MS;
    int64_t deadline = monotonic_ms() + limit;
    uint32_t delay = WAIT_FIRST_POLL_MS;
    for (;;) {
        int rc = poll_table(c, table, want_deleted);
        if (rc != 0)
            return rc < 0 ? rc : 0;
        if (monotonic_ms() >= deadline) {
            ddb_error_set(DDB_ETIMEOUT, "table %s is still %s after %ld ms", table,
                          want_deleted ? "there" : "not active", limit);
            ddb_error_set_context("DescribeTable", table);
            return DDB_ETIMEOUT;
        }
        ddb_retry_sleep(policy, delay);
        delay = delay * 2 < WAIT_MAX_POLL_MS ? delay * 2 : WAIT_MAX_POLL_MS;
    }
}

int ddb_wait_table_active(ddb_client *c, const char *table_name, long timeout_ms)
{
    return wait_table(c, table_name, timeout_ms, false);
}

int ddb_wait_table_deleted(ddb_client *c, const char *table_name, long timeout_ms)
{
    return wait_table(c, table_name, timeout_ms, true);
}
