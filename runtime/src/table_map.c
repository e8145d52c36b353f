/* table_map.c - a table as a map (ddb/table.h): any table opened by name,
 * its key schema learned with DescribeTable, items as ddb_av trees; lazy
 * scans that send their filter and projection with every page; counts;
 * typed item accessors; strict plain JSON (the conversion itself is
 * simple_json.c's, untyped). */
#include "feature_macros.h" /* first: feature-test macros before any system header */

#include "ddb/table.h"

#include <stdlib.h>
#include <string.h>

#include "ddb/error.h"
#include "ddb/json.h"
#include "ddb/ops.h"
#include "ddb/simple_json.h"
#include "model_internal.h"

struct ddb_table {
    ddb_client *client;        /* borrowed */
    char *name;
    size_t n_keys;             /* 1 or 2 */
    char *key[2];              /* attribute names: hash, range */
    char *key_path[2];         /* the same in ddb/expr.h path syntax */
    ddb_av_type key_type[2];   /* S, N or B */
};

/* Records `operation` and `table` on the current error (unless a lower
 * layer already did) and returns rc. */
static int named_context(int rc, const char *operation, const char *table)
{
    if (rc != 0 && ddb_last_error()->operation[0] == '\0')
        ddb_error_set_context(operation, table);
    return rc;
}

static int with_context(int rc, const char *operation, const ddb_table *t)
{
    return named_context(rc, operation, t != NULL ? t->name : NULL);
}

static ddb_client *client_of(const ddb_table *t, ddb_client *given)
{
    return given != NULL ? given : t->client;
}

/* ------------------------------------------------------------ opening */

void ddb_table_free(ddb_table *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < 2; i++) {
        free(t->key[i]);
        free(t->key_path[i]);
    }
    free(t->name);
    free(t);
}

/* The type AttributeDefinitions give `name`: S, N, B, or NULL when absent. */
static ddb_av_type defined_type(const ddb_table_description *d, const char *name)
{
    for (size_t i = 0; i < d->n_attribute_definitions; i++) {
        const ddb_attribute_definition *a = &d->attribute_definitions[i];
        if (a->name != NULL && strcmp(a->name, name) == 0)
            return a->type;
    }
    return DDB_AV_NULL;
}

/* Learns key attribute i (`name`) of description d into t. */
static int learn_key(ddb_table *t, size_t i, const ddb_table_description *d, const char *name)
{
    ddb_av_type type = defined_type(d, name);
    if (type != DDB_AV_S && type != DDB_AV_N && type != DDB_AV_B)
        return ddb_error_set(DDB_EPROTOCOL, "table %s: key attribute \"%s\" has no S, N or B definition",
                             t->name, name);
    ddb_buf path = DDB_BUF_INIT;
    int rc = ddb_attr_path(name, &path);
    if (rc == 0 && ((t->key[i] = strdup(name)) == NULL || (t->key_path[i] = ddb_buf_steal(NULL, &path)) == NULL))
        rc = ddb_error_set(DDB_ENOMEM, "out of memory opening table %s", t->name);
    ddb_buf_free(&path);
    t->key_type[i] = type;
    return rc;
}

int ddb_table_open(ddb_table **out, ddb_client *c, const char *name)
{
    if (out != NULL)
        *out = NULL;
    if (out == NULL || c == NULL || name == NULL || name[0] == '\0')
        return named_context(
            ddb_error_set(DDB_EINVAL, "ddb_table_open needs an out pointer, a client and a table name"),
            "DescribeTable", name);
    ddb_table *t = calloc(1, sizeof *t);
    if (t == NULL || (t->name = strdup(name)) == NULL) {
        free(t);
        return named_context(ddb_error_set(DDB_ENOMEM, "out of memory opening table %s", name), "DescribeTable",
                             name);
    }
    t->client = c;
    ddb_table_name_input in = DDB_TABLE_NAME_INPUT_INIT;
    in.table_name = name;
    ddb_table_output res;
    int rc = ddb_describe_table(&res, c, &in);
    const ddb_key_schema *ks = &res.table.key_schema;
    if (rc == 0 && ks->hash_key == NULL)
        rc = ddb_error_set(DDB_EPROTOCOL, "table %s: DescribeTable reported no hash key", name);
    if (rc == 0)
        rc = learn_key(t, 0, &res.table, ks->hash_key);
    t->n_keys = 1;
    if (rc == 0 && ks->range_key != NULL) {
        rc = learn_key(t, 1, &res.table, ks->range_key);
        t->n_keys = 2;
    }
    ddb_table_output_free(&res);
    if (rc != 0) {
        ddb_table_free(t);
        return named_context(rc, "DescribeTable", name);
    }
    *out = t;
    return 0;
}

const char *ddb_table_name(const ddb_table *t)
{
    return t != NULL ? t->name : NULL;
}

size_t ddb_table_key_names(const char *out[2], const ddb_table *t)
{
    if (t == NULL)
        return 0;
    out[0] = t->key[0];
    out[1] = t->n_keys == 2 ? t->key[1] : NULL;
    return t->n_keys;
}

size_t ddb_table_key_types(ddb_av_type out[2], const ddb_table *t)
{
    if (t == NULL)
        return 0;
    out[0] = t->key_type[0];
    out[1] = t->n_keys == 2 ? t->key_type[1] : DDB_AV_NULL;
    return t->n_keys;
}

/* ------------------------------------------------------------ keys */

/* Checks `v` as the value of key attribute i. */
static int check_key_value(const ddb_table *t, size_t i, const ddb_av *v)
{
    const char *role = i == 0 ? "hash" : "range";
    const char *want = ddb_av_type_tag(t->key_type[i]);
    if (v == NULL)
        return ddb_error_set(DDB_EINVAL, "table %s: no value for %s key attribute \"%s\" (%s)", t->name, role,
                             t->key[i], want);
    if (v->type != t->key_type[i])
        return ddb_error_set(DDB_EINVAL, "table %s: %s key attribute \"%s\" is %s, the value given is %s",
                             t->name, role, t->key[i], want, ddb_av_type_tag(v->type));
    if (v->type != DDB_AV_N && v->u.str.len == 0)
        return ddb_error_set(DDB_EINVAL, "table %s: %s key attribute \"%s\" cannot be an empty %s", t->name,
                             role, t->key[i], want);
    if (v->type == DDB_AV_N && ddb_number_check(v->u.str.ptr, v->u.str.len) != 0) {
        ddb_error_prefix("table %s: %s key attribute \"%s\": ", t->name, role, t->key[i]);
        return DDB_EINVAL;
    }
    return 0;
}

/* Checks a key given as values (range NULL for a hash-only table). */
static int check_key(const ddb_table *t, const ddb_av *hash, const ddb_av *range)
{
    int rc = check_key_value(t, 0, hash);
    if (rc == 0 && t->n_keys == 2)
        rc = check_key_value(t, 1, range);
    if (rc == 0 && t->n_keys == 1 && range != NULL)
        rc = ddb_error_set(DDB_EINVAL, "table %s has no range key, but a range key value was given", t->name);
    return rc;
}

/* A new M of the key (hash[, range]), already checked. */
static int key_map(ddb_av **out, const ddb_table *t, const ddb_av *const values[2])
{
    ddb_av *key = ddb_av_new(DDB_AV_M);
    int rc = key != NULL ? 0 : DDB_ENOMEM;
    for (size_t i = 0; rc == 0 && i < t->n_keys; i++)
        rc = ddb_av_map_set(key, t->key[i], ddb_av_clone(values[i]));
    if (rc != 0) {
        ddb_av_free(key);
        return rc;
    }
    *out = key;
    return 0;
}

/* The checked key (hash[, range]) as a new M in *out. */
static int make_key(ddb_av **out, const ddb_table *t, const ddb_av *hash, const ddb_av *range)
{
    int rc = check_key(t, hash, range);
    const ddb_av *values[2] = {hash, range};
    return rc == 0 ? key_map(out, t, values) : rc;
}

/* The key of `item` (an M) as a new M in *out, or just checked (out NULL). */
static int item_key(ddb_av **out, const ddb_table *t, const ddb_av *item, int missing_code)
{
    if (item == NULL || item->type != DDB_AV_M)
        return ddb_error_set(DDB_EINVAL, "table %s: the item is not a map", t->name);
    const ddb_av *values[2] = {NULL, NULL};
    for (size_t i = 0; i < t->n_keys; i++) {
        if ((values[i] = ddb_av_map_get(item, t->key[i])) == NULL)
            return ddb_error_set(missing_code, "table %s: the item lacks key attribute \"%s\" (%s)", t->name,
                                 t->key[i], ddb_av_type_tag(t->key_type[i]));
    }
    int rc = check_key(t, values[0], values[1]);
    return rc == 0 && out != NULL ? key_map(out, t, values) : rc;
}

/* Whether `path` names key attribute of t (keys cannot be updated). */
static int refuse_key_path(const ddb_table *t, const char *path)
{
    if (path == NULL)
        return ddb_error_set(DDB_EINVAL, "table %s: the attribute path is NULL", t->name);
    for (size_t i = 0; i < t->n_keys; i++) {
        if (strcmp(path, t->key_path[i]) == 0)
            return ddb_error_set(DDB_EINVAL, "table %s: \"%s\" is a key attribute, which an update cannot change",
                                 t->name, t->key[i]);
    }
    return 0;
}

/* ------------------------------------------------------------ projections */

/* Appends one rendered path to the ", "-separated list `out`. */
static int projection_add(ddb_buf *out, ddb_expr_ctx *ctx, const char *path)
{
    int rc = out->len != 0 ? ddb_buf_puts(out, ", ") : 0;
    return rc == 0 ? ddb_expr_render_path(out, ctx, path) : rc;
}

/*
 * ProjectionExpression: `paths` (n of them; none with keys_only), then each
 * key attribute that is not among them. Nothing when neither is asked.
 */
static int map_render_projection(ddb_buf *out, ddb_expr_ctx *ctx, const ddb_table *t, const char *const *paths,
                             size_t n, bool keys_only)
{
    if (keys_only && n != 0)
        return ddb_error_set(DDB_EINVAL, "table %s: a key-only read (keys_only, contains) takes no projection "
                             "attributes", t->name);
    if (!keys_only && n == 0)
        return 0;
    if (paths == NULL && n != 0)
        return ddb_error_set(DDB_EINVAL, "table %s: %zu projection attributes, but the array is NULL", t->name, n);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rc = paths[i] != NULL ? projection_add(out, ctx, paths[i])
                              : ddb_error_set(DDB_EINVAL, "table %s: projection attribute %zu is NULL", t->name, i);
    }
    for (size_t k = 0; rc == 0 && k < t->n_keys; k++) {
        bool listed = false;
        for (size_t i = 0; i < n && !listed; i++)
            listed = strcmp(paths[i], t->key_path[k]) == 0;
        if (!listed)
            rc = projection_add(out, ctx, t->key_path[k]);
    }
    return rc;
}

/* ------------------------------------------------------------ single items */

/* GetItem of (hash, range) with `projection` rules; *item: owned or NULL. */
static int map_get_item(ddb_av **item, const ddb_table *t, const ddb_av *hash, const ddb_av *range,
                    const ddb_table_get_opts *opts, bool keys_only)
{
    *item = NULL;
    if (t == NULL)
        return with_context(ddb_error_set(DDB_EINVAL, "the table is NULL"), "GetItem", NULL);
    ddb_expr_ctx ctx = DDB_EXPR_CTX_INIT;
    ddb_buf projection = DDB_BUF_INIT;
    ddb_av *key = NULL;
    int rc = DDB_OPTS_CHECK(opts, DDB_TABLE_GET_OPTS_VERSION, "ddb_table_get_opts");
    if (rc == 0)
        rc = make_key(&key, t, hash, range);
    if (rc == 0)
        rc = map_render_projection(&projection, &ctx, t, opts != NULL ? opts->attributes : NULL,
                               opts != NULL ? opts->n_attributes : 0, keys_only);
    if (rc == 0) {
        ddb_get_item_input in = DDB_GET_ITEM_INPUT_INIT;
        in.table_name = t->name;
        in.key = key;
        in.consistent_read = opts != NULL && opts->consistent_read;
        in.projection_expression = ddb_expr_or_null(&projection);
        in.names = ctx.names;
        in.return_consumed_capacity = DDB_CAPACITY_TOTAL;
        ddb_get_item_output res;
        rc = ddb_get_item(&res, client_of(t, opts != NULL ? opts->client : NULL), &in);
        ddb_model_report_consumed(opts != NULL ? opts->consumed : NULL, rc == 0 ? res.consumed.capacity_units : 0);
        *item = res.item; /* taken */
        res.item = NULL;
        ddb_get_item_output_free(&res);
    }
    ddb_av_free(key);
    ddb_buf_free(&projection);
    ddb_expr_ctx_free(&ctx);
    return with_context(rc, "GetItem", t);
}

int ddb_table_get(ddb_av **out, const ddb_table *t, const ddb_av *hash, const ddb_av *range,
                  const ddb_table_get_opts *opts)
{
    if (out == NULL)
        return with_context(ddb_error_set(DDB_EINVAL, "ddb_table_get: out is NULL"), "GetItem", t);
    ddb_av *item = NULL;
    int rc = map_get_item(&item, t, hash, range, opts, false);
    if (rc == 0 && item == NULL)
        return with_context(ddb_error_set(DDB_ENOTFOUND, "table %s: no item with this key", t->name), "GetItem",
                            t);
    if (rc == 0)
        *out = item;
    return rc;
}

int ddb_table_contains(bool *out, const ddb_table *t, const ddb_av *hash, const ddb_av *range,
                       const ddb_table_get_opts *opts)
{
    if (out == NULL)
        return with_context(ddb_error_set(DDB_EINVAL, "ddb_table_contains: out is NULL"), "GetItem", t);
    ddb_av *item = NULL;
    int rc = map_get_item(&item, t, hash, range, opts, true);
    if (rc == 0)
        *out = item != NULL;
    ddb_av_free(item);
    return rc;
}

/* ------------------------------------------------------------ writes */

typedef enum write_kind { WRITE_PUT, WRITE_DELETE, WRITE_UPDATE } write_kind;

static const char *const write_op[] = {"PutItem", "DeleteItem", "UpdateItem"};

/* `cond` (may be NULL; taken) with opts' requirement ANDed in. */
static ddb_cond *with_requirement(const ddb_table *t, ddb_cond *cond, ddb_table_require require)
{
    ddb_cond *guard = NULL;
    if (require == DDB_TABLE_REQUIRE_EXISTS)
        guard = ddb_cond_exists(t->key_path[0]);
    else if (require == DDB_TABLE_REQUIRE_ABSENT)
        guard = ddb_cond_not_exists(t->key_path[0]);
    if (guard == NULL)
        return cond;
    return cond != NULL ? ddb_cond_and(cond, guard) : guard;
}

/* The members PutItem, DeleteItem and UpdateItem inputs share. */
#define WRITE_INPUT_COMMON(in, t, r, want)                                                        \
    do {                                                                                           \
        (in).table_name = (t)->name;                                                               \
        (in).condition_expression = ddb_expr_or_null(&(r)->condition);                             \
        (in).names = (r)->ctx.names;                                                               \
        (in).values = (r)->ctx.values;                                                             \
        (in).return_values = (want);                                                               \
        (in).return_consumed_capacity = DDB_CAPACITY_TOTAL;                                        \
    } while (0)

/* Sends the write of `kind`: the item (PUT) or key (DELETE, UPDATE) in
 * `target`, with the rendered expressions of r. */
static int send_write(write_kind kind, const ddb_table *t, const ddb_av *target, const request_exprs *r,
                      const ddb_table_write_opts *opts)
{
    ddb_client *c = client_of(t, opts != NULL ? opts->client : NULL);
    ddb_return_values want = opts != NULL && opts->old != NULL ? DDB_RETURN_ALL_OLD : DDB_RETURN_NONE;
    ddb_write_item_output out;
    int rc;
    if (kind == WRITE_PUT) {
        ddb_put_item_input in = DDB_PUT_ITEM_INPUT_INIT;
        WRITE_INPUT_COMMON(in, t, r, want);
        in.item = target;
        rc = ddb_put_item(&out, c, &in);
    } else if (kind == WRITE_DELETE) {
        ddb_delete_item_input in = DDB_DELETE_ITEM_INPUT_INIT;
        WRITE_INPUT_COMMON(in, t, r, want);
        in.key = target;
        rc = ddb_delete_item(&out, c, &in);
    } else {
        ddb_update_item_input in = DDB_UPDATE_ITEM_INPUT_INIT;
        WRITE_INPUT_COMMON(in, t, r, want);
        in.key = target;
        in.update_expression = ddb_expr_or_null(&r->update);
        rc = ddb_update_item(&out, c, &in);
    }
    ddb_model_report_consumed(opts != NULL ? opts->consumed : NULL, rc == 0 ? out.consumed.capacity_units : 0);
    if (rc == 0 && want == DDB_RETURN_ALL_OLD) {
        *opts->old = out.attributes; /* taken */
        out.attributes = NULL;
    }
    ddb_write_item_output_free(&out);
    return rc;
}

/*
 * One write: checks, renders `cond` (taken) and `update` (taken; UPDATE
 * only) and sends. `target` is the item (PUT) or the key (DELETE, UPDATE),
 * already checked; `rc` is the outcome of what the caller did before (on
 * failure nothing is sent, but everything is still taken).
 */
static int table_write(int rc, write_kind kind, const ddb_table *t, const ddb_av *target, ddb_update *update,
                       ddb_cond *cond, const ddb_table_write_opts *opts)
{
    request_exprs r = REQUEST_EXPRS_INIT;
    if (rc == 0)
        rc = DDB_OPTS_CHECK(opts, DDB_TABLE_WRITE_OPTS_VERSION, "ddb_table_write_opts");
    ddb_table_require require = rc == 0 && opts != NULL ? opts->require : DDB_TABLE_REQUIRE_NONE;
    if (rc == 0 && require != DDB_TABLE_REQUIRE_NONE && require != DDB_TABLE_REQUIRE_EXISTS &&
        require != DDB_TABLE_REQUIRE_ABSENT)
        rc = ddb_error_set(DDB_EINVAL, "table %s: unknown ddb_table_require value %d", t->name, (int)require);
    if (rc == 0) {
        cond = with_requirement(t, cond, require);
        rc = ddb_render_cond(&r, cond, &r.condition);
    }
    if (rc == 0 && update != NULL)
        rc = ddb_expr_render_update(&r.update, &r.ctx, update);
    if (rc == 0)
        rc = send_write(kind, t, target, &r, opts);
    ddb_request_exprs_free(&r);
    ddb_update_free(update);
    ddb_cond_free(cond);
    return with_context(rc, write_op[kind], t);
}

/* The error of a NULL table, after taking what the call was given. */
static int null_table(ddb_cond *cond, ddb_update *update, const char *operation)
{
    ddb_cond_free(cond);
    ddb_update_free(update);
    ddb_error_set(DDB_EINVAL, "the table is NULL");
    ddb_error_set_context(operation, NULL);
    return DDB_EINVAL;
}

int ddb_table_set(const ddb_table *t, const ddb_av *item, ddb_cond *cond, const ddb_table_write_opts *opts)
{
    if (t == NULL)
        return null_table(cond, NULL, "PutItem");
    int rc = item_key(NULL, t, item, DDB_EINVAL);
    return table_write(rc, WRITE_PUT, t, item, NULL, cond, opts);
}

int ddb_table_delete(const ddb_table *t, const ddb_av *hash, const ddb_av *range, ddb_cond *cond,
                     const ddb_table_write_opts *opts)
{
    if (t == NULL)
        return null_table(cond, NULL, "DeleteItem");
    ddb_av *key = NULL;
    int rc = make_key(&key, t, hash, range);
    rc = table_write(rc, WRITE_DELETE, t, key, NULL, cond, opts);
    ddb_av_free(key);
    return rc;
}

/* An UpdateItem of one action (taken) on the key (hash, range) of t. */
static int map_update_one(const ddb_table *t, const ddb_av *hash, const ddb_av *range, const char *path,
                      ddb_update *action, ddb_cond *cond, const ddb_table_write_opts *opts)
{
    if (t == NULL)
        return null_table(cond, action, "UpdateItem");
    ddb_av *key = NULL;
    int rc = refuse_key_path(t, path);
    if (rc == 0)
        rc = make_key(&key, t, hash, range);
    rc = table_write(rc, WRITE_UPDATE, t, key, action, cond, opts);
    ddb_av_free(key);
    return rc;
}

int ddb_table_set_attr(const ddb_table *t, const ddb_av *hash, const ddb_av *range, const char *path,
                       const ddb_av *value, ddb_cond *cond, const ddb_table_write_opts *opts)
{
    ddb_update *action;
    if (path == NULL || value == NULL)
        action = ddb_update_error(ddb_error_set(DDB_EINVAL, "ddb_table_set_attr needs a path and a value"));
    else
        action = ddb_update_set(path, ddb_av_clone(value));
    return map_update_one(t, hash, range, path, action, cond, opts);
}

int ddb_table_remove_attr(const ddb_table *t, const ddb_av *hash, const ddb_av *range, const char *path,
                          ddb_cond *cond, const ddb_table_write_opts *opts)
{
    ddb_update *action = path != NULL ? ddb_update_remove(path)
                                      : ddb_update_error(ddb_error_set(DDB_EINVAL, "the attribute path is NULL"));
    return map_update_one(t, hash, range, path, action, cond, opts);
}

/* ------------------------------------------------------------ scans */

/* Everything a scan sends with each of its requests, built once. */
typedef struct scan_req {
    request_exprs exprs;  /* FilterExpression and the placeholders */
    ddb_buf projection;   /* ProjectionExpression */
    ddb_client *client;
    ddb_scan_input in;    /* points into the above: every page is this request plus a start key */
} scan_req;

static void scan_req_free(scan_req *s)
{
    ddb_request_exprs_free(&s->exprs);
    ddb_buf_free(&s->projection);
}

/* Prepares the requests of a scan (count: Select COUNT, no projection).
 * Takes `filter` in every case. */
static int scan_setup(scan_req *s, const ddb_table *t, ddb_cond *filter, const ddb_table_scan_opts *o, bool count)
{
    s->exprs = (request_exprs)REQUEST_EXPRS_INIT;
    ddb_buf_init(&s->projection);
    int rc = DDB_OPTS_CHECK(o, DDB_TABLE_SCAN_OPTS_VERSION, "ddb_table_scan_opts");
    ddb_table_scan_opts d = DDB_TABLE_SCAN_OPTS_INIT;
    if (rc == 0 && o != NULL)
        d = *o;
    if (rc == 0 && (d.total_segments > 1000000 || (d.total_segments != 0 && d.segment >= d.total_segments) ||
                    (d.total_segments == 0 && d.segment != 0)))
        rc = ddb_error_set(DDB_EINVAL, "table %s: scan segment %u of %u is out of range", t->name,
                           (unsigned)d.segment, (unsigned)d.total_segments);
    if (rc == 0)
        rc = ddb_render_cond(&s->exprs, filter, &s->exprs.filter);
    if (rc == 0 && !count)
        rc = map_render_projection(&s->projection, &s->exprs.ctx, t, d.attributes, d.n_attributes, d.keys_only);
    ddb_cond_free(filter);
    s->client = client_of(t, d.client);
    s->in = (ddb_scan_input)DDB_SCAN_INPUT_INIT;
    s->in.table_name = t->name;
    s->in.filter_expression = ddb_expr_or_null(&s->exprs.filter);
    s->in.projection_expression = ddb_expr_or_null(&s->projection);
    s->in.names = s->exprs.ctx.names;
    s->in.values = s->exprs.ctx.values;
    s->in.select = count ? DDB_SELECT_COUNT : DDB_SELECT_DEFAULT;
    s->in.limit = d.page_size;
    s->in.consistent_read = d.consistent_read;
    s->in.segment.index = d.segment;
    s->in.segment.total = d.total_segments;
    s->in.return_consumed_capacity = DDB_CAPACITY_NONE;
    return rc;
}

/* One page from `start` (NULL: the beginning); release `page` after. */
static int scan_send(const scan_req *s, const ddb_av *start, ddb_read_output *page)
{
    ddb_scan_input in = s->in;
    in.exclusive_start_key = start;
    return ddb_scan(page, s->client, &in);
}

struct ddb_table_iter {
    const ddb_table *t;
    scan_req req;
    ddb_read_output page;  /* the current page */
    size_t pos;            /* its next item */
    bool started;          /* a page was read */
    ddb_av *next_start;    /* LastEvaluatedKey of the current page; NULL once started: the end */
    ddb_page_guard guard;  /* the keys never repeat */
    uint64_t pages;
    int error;             /* sticky failure */
};

void ddb_table_iter_free(ddb_table_iter *it)
{
    if (it == NULL)
        return;
    scan_req_free(&it->req);
    ddb_read_output_free(&it->page);
    ddb_av_free(it->next_start);
    ddb_page_guard_free(&it->guard);
    free(it);
}

int ddb_table_scan(ddb_table_iter **out, const ddb_table *t, ddb_cond *filter, const ddb_table_scan_opts *opts)
{
    if (out != NULL)
        *out = NULL;
    if (out == NULL || t == NULL) {
        ddb_cond_free(filter);
        ddb_error_set(DDB_EINVAL, "ddb_table_scan needs an out pointer and a table");
        return with_context(DDB_EINVAL, "Scan", t);
    }
    ddb_table_iter *it = calloc(1, sizeof *it);
    if (it == NULL) {
        ddb_cond_free(filter);
        return with_context(ddb_error_set(DDB_ENOMEM, "out of memory creating an iterator"), "Scan", t);
    }
    it->t = t;
    it->guard = (ddb_page_guard)DDB_PAGE_GUARD_INIT;
    int rc = scan_setup(&it->req, t, filter, opts, false);
    if (rc != 0) {
        ddb_table_iter_free(it);
        return with_context(rc, "Scan", t);
    }
    *out = it;
    return 0;
}

/* Reads the next page; on failure the iterator keeps its position. */
static int map_iter_fetch(ddb_table_iter *it)
{
    ddb_read_output page;
    int rc = scan_send(&it->req, it->started ? it->next_start : NULL, &page);
    if (rc == 0)
        rc = ddb_page_guard_step(&it->guard, page.last_evaluated_key);
    if (rc != 0) {
        ddb_read_output_free(&page);
        return with_context(rc, "Scan", it->t);
    }
    it->pages++;
    ddb_av_free(it->next_start);
    it->next_start = page.last_evaluated_key; /* taken */
    page.last_evaluated_key = NULL;
    ddb_read_output_free(&it->page);
    it->page = page;
    it->pos = 0;
    it->started = true;
    return 0;
}

/* Hands item `pos` of the page out as asked (key, item or both). */
static int iter_deliver(ddb_table_iter *it, ddb_av **key, ddb_av **item)
{
    ddb_av **slot = &it->page.items[it->pos];
    ddb_av *k = NULL;
    int rc = key != NULL ? item_key(&k, it->t, *slot, DDB_EPROTOCOL) : 0;
    if (rc != 0) {
        if (rc == DDB_EINVAL) /* a key value the table cannot have: the response is wrong */
            rc = ddb_error_set(DDB_EPROTOCOL, "Scan returned an unusable key: %s", ddb_last_error()->message);
        return with_context(rc, "Scan", it->t);
    }
    it->pos++;
    if (key != NULL)
        *key = k;
    if (item != NULL) {
        *item = *slot; /* taken */
        *slot = NULL;
    }
    return 1;
}

int ddb_table_iter_next(ddb_av **key, ddb_av **item, ddb_table_iter *it)
{
    if (it == NULL || (key == NULL && item == NULL))
        return ddb_error_set(DDB_EINVAL,
                             "ddb_table_iter_next needs an iterator and somewhere to put a key or an item");
    if (it->error != 0)
        return with_context(ddb_error_set(it->error, "table %s: the scan failed earlier: %s", it->t->name,
                                          ddb_strerror(it->error)),
                            "Scan", it->t);
    for (;;) {
        if (it->pos < it->page.n_items) {
            int rc = iter_deliver(it, key, item);
            if (rc < 0)
                it->error = rc;
            return rc;
        }
        if (it->started && it->next_start == NULL)
            return 0;
        int rc = map_iter_fetch(it);
        if (rc != 0) {
            it->error = rc;
            return rc;
        }
    }
}

uint64_t ddb_table_iter_pages(const ddb_table_iter *it)
{
    return it != NULL ? it->pages : 0;
}

int ddb_table_count(int64_t *out, const ddb_table *t, ddb_cond *filter, const ddb_table_scan_opts *opts)
{
    if (out == NULL || t == NULL) {
        ddb_cond_free(filter);
        ddb_error_set(DDB_EINVAL, "ddb_table_count needs an out pointer and a table");
        return with_context(DDB_EINVAL, "Scan", t);
    }
    scan_req s;
    int rc = scan_setup(&s, t, filter, opts, true);
    int64_t total = 0;
    ddb_av *start = NULL;
    ddb_page_guard guard = DDB_PAGE_GUARD_INIT;
    while (rc == 0) {
        ddb_read_output page;
        rc = scan_send(&s, start, &page);
        ddb_av_free(start);
        start = NULL;
        if (rc == 0)
            rc = ddb_page_guard_step(&guard, page.last_evaluated_key);
        if (rc == 0) {
            total += page.count;
            start = page.last_evaluated_key; /* taken */
            page.last_evaluated_key = NULL;
        }
        ddb_read_output_free(&page);
        if (start == NULL)
            break;
    }
    ddb_av_free(start);
    ddb_page_guard_free(&guard);
    scan_req_free(&s);
    if (rc == 0)
        *out = total;
    return with_context(rc, "Scan", t);
}

int ddb_table_count_estimate(int64_t *out, const ddb_table *t)
{
    if (out == NULL || t == NULL) {
        ddb_error_set(DDB_EINVAL, "ddb_table_count_estimate needs an out pointer and a table");
        return with_context(DDB_EINVAL, "DescribeTable", t);
    }
    ddb_table_name_input in = DDB_TABLE_NAME_INPUT_INIT;
    in.table_name = t->name;
    ddb_table_output res;
    int rc = ddb_describe_table(&res, t->client, &in);
    if (rc == 0)
        *out = res.table.item_count;
    ddb_table_output_free(&res);
    return with_context(rc, "DescribeTable", t);
}

/* ------------------------------------------------------------ item accessors */

/* Member `name` of `item`, of type `want`. */
static int member_of(const ddb_av **out, const ddb_av *item, const char *name, ddb_av_type want)
{
    if (item == NULL || name == NULL)
        return ddb_error_set(DDB_EINVAL, "reading an attribute needs an item and a name");
    if (item->type != DDB_AV_M)
        return ddb_error_set(DDB_ETYPE, "reading attribute \"%s\": the item is %s, not a map", name,
                             ddb_av_type_tag(item->type));
    const ddb_av *v = ddb_av_map_get(item, name);
    if (v == NULL)
        return ddb_error_set(DDB_ENOTFOUND, "the item has no attribute \"%s\"", name);
    if (v->type != want)
        return ddb_error_set(DDB_ETYPE, "attribute \"%s\" is %s, not %s", name, ddb_av_type_tag(v->type),
                             ddb_av_type_tag(want));
    *out = v;
    return 0;
}

int ddb_item_get_s(const char **out, size_t *len, const ddb_av *item, const char *name)
{
    const ddb_av *v = NULL;
    int rc = out != NULL ? member_of(&v, item, name, DDB_AV_S) : ddb_error_set(DDB_EINVAL, "out is NULL");
    if (rc == 0) {
        *out = v->u.str.ptr;
        if (len != NULL)
            *len = v->u.str.len;
    }
    return rc;
}

int ddb_item_get_n(const char **out, const ddb_av *item, const char *name)
{
    const ddb_av *v = NULL;
    int rc = out != NULL ? member_of(&v, item, name, DDB_AV_N) : ddb_error_set(DDB_EINVAL, "out is NULL");
    if (rc == 0)
        *out = v->u.str.ptr;
    return rc;
}

int ddb_item_get_i64(int64_t *out, const ddb_av *item, const char *name)
{
    const ddb_av *v = NULL;
    int rc = out != NULL ? member_of(&v, item, name, DDB_AV_N) : ddb_error_set(DDB_EINVAL, "out is NULL");
    if (rc == 0 && (rc = ddb_av_get_i64(out, v)) != 0)
        ddb_error_prefix("attribute \"%s\": ", name);
    return rc;
}

int ddb_item_get_double(double *out, const ddb_av *item, const char *name)
{
    const ddb_av *v = NULL;
    int rc = out != NULL ? member_of(&v, item, name, DDB_AV_N) : ddb_error_set(DDB_EINVAL, "out is NULL");
    if (rc == 0 && (rc = ddb_av_get_double(out, v)) != 0)
        ddb_error_prefix("attribute \"%s\": ", name);
    return rc;
}

int ddb_item_get_bool(bool *out, const ddb_av *item, const char *name)
{
    const ddb_av *v = NULL;
    int rc = out != NULL ? member_of(&v, item, name, DDB_AV_BOOL) : ddb_error_set(DDB_EINVAL, "out is NULL");
    if (rc == 0)
        *out = v->u.boolean;
    return rc;
}

/* ------------------------------------------------------------ plain JSON */

/* Cuts `path` back to `mark` bytes. */
static void path_cut(ddb_buf *path, size_t mark)
{
    path->len = mark;
    if (path->data != NULL)
        path->data[mark] = '\0';
}

/* Refuses what plain JSON cannot carry (B, SS, NS, BS) anywhere in `v`,
 * naming its path (ddb/expr.h syntax, built in `path`). */
static int plain_check(ddb_buf *path, const ddb_av *v, int depth)
{
    if (depth > DDB_JSON_MAX_DEPTH)
        return ddb_error_set(DDB_EINVAL, "plain JSON: \"%s\" is nested deeper than %d levels", ddb_buf_cstr(path),
                             DDB_JSON_MAX_DEPTH);
    size_t mark = path->len;
    int rc = 0;
    switch (v->type) {
    case DDB_AV_B:
    case DDB_AV_SS:
    case DDB_AV_NS:
    case DDB_AV_BS:
        return ddb_error_set(DDB_ETYPE,
                             "plain JSON: attribute \"%s\" is %s, which plain JSON cannot carry faithfully "
                             "(DynamoDB JSON can)",
                             ddb_buf_cstr(path), ddb_av_type_tag(v->type));
    case DDB_AV_L:
        for (size_t i = 0; rc == 0 && i < v->u.list.len; i++) {
            rc = ddb_buf_printf(path, "[%zu]", i);
            if (rc == 0)
                rc = plain_check(path, v->u.list.items[i], depth + 1);
            path_cut(path, mark);
        }
        return rc;
    case DDB_AV_M:
        for (size_t i = 0; rc == 0 && i < v->u.map.len; i++) {
            rc = mark != 0 ? ddb_buf_putc(path, '.') : 0;
            if (rc == 0)
                rc = ddb_attr_path(v->u.map.items[i].name, path);
            if (rc == 0)
                rc = plain_check(path, v->u.map.items[i].value, depth + 1);
            path_cut(path, mark);
        }
        return rc;
    case DDB_AV_NULL:
    case DDB_AV_S:
    case DDB_AV_N:
    case DDB_AV_BOOL:
        break;
    }
    return 0;
}

int ddb_item_to_plain_json(ddb_buf *out, const ddb_av *item)
{
    if (out == NULL || item == NULL)
        return ddb_error_set(DDB_EINVAL, "plain JSON: needs a buffer and an item");
    if (item->type != DDB_AV_M)
        return ddb_error_set(DDB_ETYPE, "plain JSON: the item is %s, not a map", ddb_av_type_tag(item->type));
    ddb_buf path = DDB_BUF_INIT;
    int rc = plain_check(&path, item, 0);
    ddb_buf_free(&path);
    return rc == 0 ? ddb_item_to_simple_json(out, NULL, item) : rc;
}

int ddb_item_from_plain_json(ddb_av **out, const char *json, size_t len)
{
    if (out == NULL)
        return ddb_error_set(DDB_EINVAL, "plain JSON: out is NULL");
    return ddb_item_from_simple_json(out, NULL, json, len);
}
