/* model_read.c - the reading side of generated models: Query and Scan as
 * iterators and pages, cursors, counts, exists/refresh, projections and
 * consumed capacity (ddb/query.h, docs/reading.md). */
#include "feature_macros.h" /* first: feature-test macros before any system header */

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ddb/error.h"
#include "ddb/ops.h"
#include "ddb/query.h"
#include "model_internal.h"

/* ------------------------------------------------------------ keys and indexes */

/* The attributes of an ExclusiveStartKey: the table's key, then the index's. */
#define MAX_KEY_ATTRS 4

typedef struct key_attrs {
    const char *name[MAX_KEY_ATTRS];
    size_t n;
} key_attrs;

static void key_attrs_add(key_attrs *k, const ddb_model *m, int field)
{
    if (field < 0)
        return;
    const char *name = m->fields[field].attr;
    for (size_t i = 0; i < k->n; i++) {
        if (strcmp(k->name[i], name) == 0)
            return;
    }
    k->name[k->n++] = name;
}

static key_attrs key_attrs_of(const ddb_model *m, const ddb_index *ix)
{
    key_attrs k = {{NULL}, 0};
    key_attrs_add(&k, m, m->hash_key);
    key_attrs_add(&k, m, m->range_key);
    if (ix != NULL) {
        key_attrs_add(&k, m, ix->hash_key);
        key_attrs_add(&k, m, ix->range_key);
    }
    return k;
}

static bool key_attrs_has(const key_attrs *k, const char *name)
{
    for (size_t i = 0; i < k->n; i++) {
        if (strcmp(k->name[i], name) == 0)
            return true;
    }
    return false;
}

const ddb_index *ddb_model_index(const ddb_model *m, const char *name)
{
    for (size_t i = 0; name != NULL && i < m->n_indexes; i++) {
        if (strcmp(m->indexes[i].name, name) == 0)
            return &m->indexes[i];
    }
    ddb_error_set(DDB_EINVAL, "%s: no index named \"%s\"", m->name, name != NULL ? name : "(null)");
    return NULL;
}

/* 0 when `ix` is NULL or one of m's own descriptors. */
static int check_model_index(const ddb_model *m, const ddb_index *ix)
{
    if (ix == NULL)
        return 0;
    for (size_t i = 0; i < m->n_indexes; i++) {
        if (&m->indexes[i] == ix)
            return 0;
    }
    return ddb_error_set(DDB_EINVAL, "%s: index \"%s\" is not one of this model's indexes", m->name,
                         ix->name != NULL ? ix->name : "(null)");
}

/* ------------------------------------------------------------ projections */

/* Whether the ", "-separated list `list` has the element `s`. */
static bool list_has(const ddb_buf *list, const ddb_buf *s)
{
    const char *p = ddb_buf_cstr(list);
    while (*p != '\0') {
        const char *end = strstr(p, ", ");
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        if (len == s->len && memcmp(p, s->data, len) == 0)
            return true;
        p += len + (end != NULL ? 2 : 0);
    }
    return false;
}

/* Appends the placeholder form of `path` to the list `out` unless there. */
static int add_projection_path(ddb_expr_ctx *ctx, const char *path, ddb_buf *out)
{
    ddb_buf one = DDB_BUF_INIT;
    int rc = ddb_expr_render_path(&one, ctx, path);
    if (rc == 0 && !list_has(out, &one)) {
        if (out->len != 0)
            rc = ddb_buf_puts(out, ", ");
        if (rc == 0)
            rc = ddb_buf_append(out, one.data, one.len);
    }
    ddb_buf_free(&one);
    return rc;
}

static int add_projection_attr(ddb_expr_ctx *ctx, const char *attr, ddb_buf *out)
{
    ddb_buf path = DDB_BUF_INIT;
    int rc = ddb_attr_path(attr, &path);
    if (rc == 0)
        rc = add_projection_path(ctx, ddb_buf_cstr(&path), out);
    ddb_buf_free(&path);
    return rc;
}

/* ProjectionExpression: `paths`, then the key attributes of the table and
 * of `ix` and the discriminator, each once. */
static int render_projection(ddb_expr_ctx *ctx, const ddb_model *m, const ddb_index *ix,
                             const char *const *paths, size_t n, ddb_buf *out)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rc = paths[i] != NULL ? add_projection_path(ctx, paths[i], out)
                              : ddb_error_set(DDB_EINVAL, "%s: projection attribute %zu is NULL", m->name, i);
    }
    key_attrs k = key_attrs_of(m, ix);
    for (size_t i = 0; rc == 0 && i < k.n; i++)
        rc = add_projection_attr(ctx, k.name[i], out);
    if (rc == 0 && m->discriminator_field >= 0)
        rc = add_projection_attr(ctx, m->fields[m->discriminator_field].attr, out);
    return rc;
}

/* ------------------------------------------------------------ single items */

/* GetItem of `key`; *item receives the item (owned) or NULL. */
static int get_item(const ddb_model *m, ddb_client *c, const ddb_av *key, const ddb_get_opts *opts,
                    bool key_only, ddb_av **item)
{
    *item = NULL;
    ddb_expr_ctx ctx = DDB_EXPR_CTX_INIT;
    ddb_buf projection = DDB_BUF_INIT;
    int rc = DDB_OPTS_CHECK(opts, DDB_GET_OPTS_VERSION, "ddb_get_opts");
    if (rc == 0 && (key_only || (opts != NULL && opts->n_attributes != 0)))
        rc = render_projection(&ctx, m, NULL, key_only ? NULL : opts->attributes,
                               key_only ? 0 : opts->n_attributes, &projection);
    if (rc == 0) {
        ddb_get_item_input in = DDB_GET_ITEM_INPUT_INIT;
        in.table_name = m->table;
        in.key = key;
        in.consistent_read = opts != NULL && opts->consistent_read;
        in.projection_expression = ddb_expr_or_null(&projection);
        in.names = ctx.names;
        in.return_consumed_capacity = DDB_CAPACITY_TOTAL;
        ddb_get_item_output res;
        rc = ddb_get_item(&res, c, &in);
        ddb_model_report_consumed(opts != NULL ? opts->consumed : NULL,
                                  rc == 0 ? res.consumed.capacity_units : 0);
        *item = res.item; /* taken */
        res.item = NULL;
        ddb_get_item_output_free(&res);
    }
    ddb_expr_ctx_free(&ctx);
    ddb_buf_free(&projection);
    return ddb_model_with_context(rc, "GetItem", m);
}

int ddb_model_get_key(const ddb_model *m, ddb_client *c, const ddb_av *key, const ddb_get_opts *opts,
                      void *out)
{
    ddb_av *item = NULL;
    int rc = get_item(m, c, key, opts, false, &item);
    if (rc == 0 && item == NULL)
        rc = ddb_error_set(DDB_ENOTFOUND, "%s: no item with that key", m->name);
    if (rc == 0)
        rc = ddb_model_read_item(out, m, item);
    ddb_av_free(item);
    return ddb_model_with_context(rc, "GetItem", m);
}

int ddb_model_exists(bool *out, const ddb_model *m, const void *hash, const void *range,
                     const ddb_get_opts *opts)
{
    ddb_av *key = NULL, *item = NULL;
    ddb_client *c = ddb_model_client_for(m, DDB_OPTS_CLIENT(opts));
    int rc = c != NULL ? ddb_model_key_of(&key, m, hash, range) : ddb_last_error()->code;
    if (rc == 0)
        rc = get_item(m, c, key, opts, true, &item);
    if (rc == 0)
        *out = item != NULL;
    ddb_av_free(item);
    ddb_av_free(key);
    return ddb_model_with_context(rc, "GetItem", m);
}

int ddb_model_refresh(const ddb_model *m, void *obj, const ddb_get_opts *opts)
{
    ddb_av *key = NULL;
    ddb_client *c = ddb_model_client_for(m, DDB_OPTS_CLIENT(opts));
    int rc = c != NULL ? ddb_model_key(&key, m, obj) : ddb_last_error()->code;
    if (rc == 0)
        rc = ddb_model_get_key(m, c, key, opts, obj);
    ddb_av_free(key);
    return ddb_model_with_context(rc, "GetItem", m);
}

/* ------------------------------------------------------------ cursors */

/*
 * A cursor is base64url (no padding) of:
 *   u8 version (1) | u32 tag, big-endian | u8 n (1..4) |
 *   n x { u8 name length (1..255) | name | u8 type 'S' 'N' 'B' |
 *         LEB128 value length | value bytes }
 * The members are an ExclusiveStartKey; the tag is FNV-1a of the table,
 * index, kind and segment it belongs to.
 */
#define CURSOR_VERSION 1
#define CURSOR_MAX_TEXT 16384

static uint32_t fnv1a(uint32_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 16777619u;
    }
    return h;
}

static uint32_t cursor_tag(const ddb_model *m, const ddb_index *ix, bool is_query, uint32_t segment,
                           uint32_t total)
{
    const char *index = ix != NULL ? ix->name : "";
    unsigned char seg[9] = {is_query ? 'Q' : 'S',
                            (unsigned char)(segment >> 24), (unsigned char)(segment >> 16),
                            (unsigned char)(segment >> 8), (unsigned char)segment,
                            (unsigned char)(total >> 24), (unsigned char)(total >> 16),
                            (unsigned char)(total >> 8), (unsigned char)total};
    uint32_t h = fnv1a(2166136261u, m->table, strlen(m->table) + 1);
    h = fnv1a(h, index, strlen(index) + 1);
    return fnv1a(h, seg, sizeof seg);
}

static int put_u8(ddb_buf *b, unsigned v)
{
    return ddb_buf_putc(b, (char)(unsigned char)v);
}

static int put_member(ddb_buf *raw, const ddb_av_member *mem)
{
    const ddb_av *v = mem->value;
    char type = v->type == DDB_AV_S ? 'S' : v->type == DDB_AV_N ? 'N' : v->type == DDB_AV_B ? 'B' : 0;
    if (type == 0 || mem->name_len == 0 || mem->name_len > 255)
        return ddb_error_set(DDB_EPROTOCOL, "key attribute \"%s\" cannot be put in a cursor (%s)", mem->name,
                             type == 0 ? ddb_av_type_tag(v->type) : "name length");
    int rc = put_u8(raw, (unsigned)mem->name_len);
    if (rc == 0)
        rc = ddb_buf_append(raw, mem->name, mem->name_len);
    if (rc == 0)
        rc = put_u8(raw, (unsigned)type);
    size_t len = v->u.str.len;
    do {
        if (rc == 0)
            rc = put_u8(raw, (unsigned)(len & 0x7f) | (len > 0x7f ? 0x80u : 0));
        len >>= 7;
    } while (len != 0);
    return rc == 0 ? ddb_buf_append(raw, v->u.str.ptr, v->u.str.len) : rc;
}

/* A new cursor string for the start key `key` (an M of 1..4 S/N/B). */
static int cursor_encode(uint32_t tag, const ddb_av *key, char **out)
{
    *out = NULL;
    size_t n = ddb_av_len(key);
    if (key->type != DDB_AV_M || n == 0 || n > MAX_KEY_ATTRS)
        return ddb_error_set(DDB_EPROTOCOL, "a LastEvaluatedKey of %zu attributes cannot be put in a cursor", n);
    ddb_buf raw = DDB_BUF_INIT, text = DDB_BUF_INIT;
    int rc = put_u8(&raw, CURSOR_VERSION);
    for (int shift = 24; rc == 0 && shift >= 0; shift -= 8)
        rc = put_u8(&raw, (tag >> shift) & 0xff);
    if (rc == 0)
        rc = put_u8(&raw, (unsigned)n);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = put_member(&raw, &key->u.map.items[i]);
    if (rc == 0)
        rc = ddb_base64_encode(&text, (const unsigned char *)raw.data, raw.len);
    if (rc == 0) {
        while (text.len > 0 && text.data[text.len - 1] == '=')
            text.data[--text.len] = '\0';
        for (size_t i = 0; i < text.len; i++)
            text.data[i] = text.data[i] == '+' ? '-' : text.data[i] == '/' ? '_' : text.data[i];
        *out = ddb_buf_steal(NULL, &text);
        if (*out == NULL)
            rc = ddb_error_set(DDB_ENOMEM, "out of memory encoding a cursor");
    }
    ddb_buf_free(&raw);
    ddb_buf_free(&text);
    return rc;
}

/* base64url (unpadded) -> bytes; DDB_EINVAL for anything else. */
static int base64url_decode(const char *text, ddb_buf *raw)
{
    size_t len = strlen(text);
    if (len > CURSOR_MAX_TEXT || len % 4 == 1)
        return ddb_error_set(DDB_EINVAL, "malformed cursor (length %zu)", len);
    ddb_buf std = DDB_BUF_INIT;
    int rc = ddb_buf_reserve(&std, len + 3);
    for (size_t i = 0; rc == 0 && i < len; i++) {
        char c = text[i];
        if (c == '+' || c == '/' || c == '=')
            rc = ddb_error_set(DDB_EINVAL, "malformed cursor (character %zu)", i);
        else
            rc = ddb_buf_putc(&std, c == '-' ? '+' : c == '_' ? '/' : c);
    }
    while (rc == 0 && std.len % 4 != 0)
        rc = ddb_buf_putc(&std, '=');
    if (rc == 0 && ddb_base64_decode(raw, std.data, std.len) != 0)
        rc = ddb_error_set(DDB_EINVAL, "malformed cursor (not base64url)");
    ddb_buf_free(&std);
    return rc;
}

typedef struct key_reader {
    const unsigned char *p, *end;
} key_reader;

static bool get_u8(key_reader *r, unsigned *v)
{
    if (r->p == r->end)
        return false;
    *v = *r->p++;
    return true;
}

static bool get_len(key_reader *r, size_t *len)
{
    *len = 0;
    for (unsigned shift = 0; shift < 21; shift += 7) { /* values are far below 2 MB */
        unsigned b;
        if (!get_u8(r, &b))
            return false;
        *len |= (size_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return (size_t)(r->end - r->p) >= *len;
    }
    return false;
}

/* One member into `key`; DDB_EINVAL when malformed or not a key attribute. */
static int get_member(key_reader *r, const key_attrs *k, ddb_av *key)
{
    unsigned name_len, type;
    size_t len;
    if (!get_u8(r, &name_len) || name_len == 0 || (size_t)(r->end - r->p) < name_len)
        return ddb_error_set(DDB_EINVAL, "malformed cursor (truncated)");
    char name[256];
    memcpy(name, r->p, name_len);
    name[name_len] = '\0';
    r->p += name_len;
    if (strlen(name) != name_len || !key_attrs_has(k, name))
        return ddb_error_set(DDB_EINVAL, "malformed cursor (\"%s\" is not a key attribute of this read)", name);
    if (ddb_av_map_get(key, name) != NULL)
        return ddb_error_set(DDB_EINVAL, "malformed cursor (\"%s\" repeated)", name);
    if (!get_u8(r, &type) || !get_len(r, &len))
        return ddb_error_set(DDB_EINVAL, "malformed cursor (truncated)");
    const char *bytes = (const char *)r->p;
    r->p += len;
    ddb_av *v = NULL;
    if (type == 'S' || type == 'B')
        v = type == 'S' ? ddb_av_s_len(bytes, len) : ddb_av_b(bytes, len);
    else if (type == 'N' && ddb_number_check(bytes, len) == 0)
        v = ddb_av_s_len(bytes, len); /* retyped below: ddb_av_n needs NUL-terminated text */
    else
        return ddb_error_set(DDB_EINVAL, "malformed cursor (bad value of \"%s\")", name);
    if (v != NULL && type == 'N') {
        ddb_av *n = ddb_av_n(v->u.str.ptr);
        ddb_av_free(v);
        v = n;
    }
    return ddb_av_map_set(key, name, v);
}

/*
 * Decodes `text` (NULL or "": *key NULL) into an ExclusiveStartKey for a
 * read of m/ix with tag `tag`; for a query, `hash_attr` must hold
 * `hash_value`.
 */
static int cursor_decode(const char *text, const ddb_model *m, const ddb_index *ix, uint32_t tag,
                         const char *hash_attr, const ddb_av *hash_value, ddb_av **key)
{
    *key = NULL;
    if (text == NULL || *text == '\0')
        return 0;
    ddb_buf raw = DDB_BUF_INIT;
    int rc = base64url_decode(text, &raw);
    if (rc != 0) {
        ddb_buf_free(&raw);
        return rc;
    }
    key_reader r = {(const unsigned char *)ddb_buf_cstr(&raw), (const unsigned char *)ddb_buf_cstr(&raw) + raw.len};
    unsigned version = 0, n = 0, b = 0;
    uint32_t got = 0;
    if (rc == 0 && !get_u8(&r, &version))
        rc = ddb_error_set(DDB_EINVAL, "malformed cursor (empty)");
    if (rc == 0 && version != CURSOR_VERSION)
        rc = ddb_error_set(DDB_EINVAL, "cursor version %u is not supported (this library writes %u)", version,
                           CURSOR_VERSION);
    for (int i = 0; rc == 0 && i < 4; i++) {
        if (!get_u8(&r, &b))
            rc = ddb_error_set(DDB_EINVAL, "malformed cursor (truncated)");
        got = got << 8 | b;
    }
    if (rc == 0 && got != tag)
        rc = ddb_error_set(DDB_EINVAL,
                           "the cursor belongs to another read: not a %s of table \"%s\"%s%s%s "
                           "(cursors are bound to the table, index, kind and scan segment)",
                           hash_attr != NULL ? "query" : "scan", m->table, ix != NULL ? ", index \"" : "",
                           ix != NULL ? ix->name : "", ix != NULL ? "\"" : "");
    if (rc == 0 && (!get_u8(&r, &n) || n == 0 || n > MAX_KEY_ATTRS))
        rc = ddb_error_set(DDB_EINVAL, "malformed cursor (member count)");
    if (rc == 0 && (*key = ddb_av_new(DDB_AV_M)) == NULL)
        rc = DDB_ENOMEM;
    key_attrs k = key_attrs_of(m, ix);
    for (unsigned i = 0; rc == 0 && i < n; i++)
        rc = get_member(&r, &k, *key);
    if (rc == 0 && r.p != r.end)
        rc = ddb_error_set(DDB_EINVAL, "malformed cursor (trailing bytes)");
    if (rc == 0 && ddb_av_map_get(*key, m->fields[m->hash_key].attr) == NULL)
        rc = ddb_error_set(DDB_EINVAL, "malformed cursor (no \"%s\")", m->fields[m->hash_key].attr);
    if (rc == 0 && hash_attr != NULL && !ddb_av_equal(ddb_av_map_get(*key, hash_attr), hash_value))
        rc = ddb_error_set(DDB_EINVAL, "the cursor belongs to a query of another \"%s\" value", hash_attr);
    ddb_buf_free(&raw);
    if (rc != 0) {
        ddb_av_free(*key);
        *key = NULL;
    }
    return rc;
}

/* The start key of the item after `item`: its key attributes of this read. */
static int key_after_item(const ddb_model *m, const ddb_index *ix, const ddb_av *item, ddb_av **out)
{
    key_attrs k = key_attrs_of(m, ix);
    ddb_av *key = ddb_av_new(DDB_AV_M);
    int rc = key != NULL ? 0 : DDB_ENOMEM;
    for (size_t i = 0; rc == 0 && i < k.n; i++) {
        const ddb_av *v = ddb_av_map_get(item, k.name[i]);
        rc = v != NULL ? ddb_av_map_set(key, k.name[i], ddb_av_clone(v))
                       : ddb_error_set(DDB_EPROTOCOL, "%s: an item read lacks key attribute \"%s\"", m->name,
                                       k.name[i]);
    }
    if (rc != 0) {
        ddb_av_free(key);
        key = NULL;
    }
    *out = key;
    return rc;
}

/* ------------------------------------------------------------ read requests */

/* The options of ddb_query_opts and ddb_scan_opts in one shape. */
typedef struct read_opts {
    const char *name;          /* "ddb_query_opts" / "ddb_scan_opts" */
    unsigned version, want;    /* the caller's version and ours */
    bool consistent_read, descending;
    long long limit, page_size;
    const char *const *attributes;
    size_t n_attributes;
    double rate_limit;
    const char *cursor;
    uint32_t segment, total_segments;
    ddb_client *client;        /* the call's own; NULL: the model's */
} read_opts;

static read_opts query_opts(const ddb_query_opts *o)
{
    read_opts r = {0};
    r.name = "ddb_query_opts";
    r.version = r.want = DDB_QUERY_OPTS_VERSION;
    if (o != NULL) {
        r.version = o->version;
        r.consistent_read = o->consistent_read;
        r.descending = o->descending;
        r.limit = o->limit;
        r.page_size = o->page_size;
        r.attributes = o->attributes;
        r.n_attributes = o->n_attributes;
        r.rate_limit = o->rate_limit;
        r.cursor = o->cursor;
        r.client = DDB_OPTS_CLIENT(o);
    }
    return r;
}

static read_opts scan_opts(const ddb_scan_opts *o)
{
    read_opts r = {0};
    r.name = "ddb_scan_opts";
    r.version = r.want = DDB_SCAN_OPTS_VERSION;
    if (o != NULL) {
        r.version = o->version;
        r.consistent_read = o->consistent_read;
        r.limit = o->limit;
        r.page_size = o->page_size;
        r.attributes = o->attributes;
        r.n_attributes = o->n_attributes;
        r.rate_limit = o->rate_limit;
        r.cursor = o->cursor;
        r.client = DDB_OPTS_CLIENT(o);
        r.segment = o->segment;
        r.total_segments = o->total_segments;
    }
    return r;
}

/* Everything one Query or Scan sends with each of its requests. */
typedef struct read_req {
    const ddb_model *m;
    const ddb_index *index;
    ddb_client *client;
    bool is_query;
    request_exprs exprs;  /* KeyConditionExpression, FilterExpression */
    ddb_buf projection;   /* ProjectionExpression */
    ddb_select select;
    bool consistent_read, descending;
    uint32_t segment, total_segments;
    const char *hash_attr; /* query: the hash key attribute ... */
    ddb_av *hash_value;    /* ... and its value, which cursors must match */
    uint32_t tag;          /* cursors of this read */
    double rate, tokens;   /* rate limit: units per second, bucket */
    struct timespec last;  /* when the bucket was last refilled; 0: never */
    double consumed;       /* capacity units of every request so far */
} read_req;

static const char *read_op(const read_req *r)
{
    return r->is_query ? "Query" : "Scan";
}

static void read_free(read_req *r)
{
    ddb_request_exprs_free(&r->exprs);
    ddb_buf_free(&r->projection);
    ddb_av_free(r->hash_value);
}

/* `hash-attr = value` on the hash key of the table or index. */
static ddb_cond *hash_condition(read_req *r, const void *hash)
{
    const ddb_model *m = r->m;
    const ddb_field *f = &m->fields[r->index != NULL ? r->index->hash_key : m->hash_key];
    if (hash == NULL)
        return ddb_cond_error(ddb_error_set(DDB_EINVAL, "%s: query needs a hash key value", m->name));
    r->hash_attr = f->attr;
    ddb_codec_env env = {.m = m}; /* the stored form: an encrypted key is deterministic */
    if ((r->hash_value = ddb_field_av(f, hash, &env)) == NULL)
        return ddb_cond_error(ddb_last_error()->code);
    ddb_buf path = DDB_BUF_INIT;
    if (ddb_attr_path(f->attr, &path) != 0) {
        ddb_buf_free(&path);
        return ddb_cond_error(DDB_ENOMEM);
    }
    ddb_cond *c = ddb_cond_cmp(ddb_buf_cstr(&path), DDB_CMP_EQ, ddb_av_clone(r->hash_value));
    ddb_buf_free(&path);
    return c;
}

static int check_opts(const read_req *r, const read_opts *o)
{
    const ddb_model *m = r->m;
    if (o->version != o->want)
        return ddb_opts_version_error(o->name, o->version, o->want);
    if (o->consistent_read && r->index != NULL && r->index->global)
        return ddb_error_set(DDB_EINVAL, "%s: global index \"%s\" does not support consistent reads", m->name,
                             r->index->name);
    if (!(o->rate_limit >= 0 && o->rate_limit <= 1e15)) /* also NaN and infinity */
        return ddb_error_set(DDB_EINVAL, "%s: rate limit must be a finite number >= 0", m->name);
    if (o->limit < 0 || o->page_size < 0)
        return ddb_error_set(DDB_EINVAL, "%s: negative limit or page size", m->name);
    if (o->total_segments > 1000000 || (o->total_segments != 0 && o->segment >= o->total_segments))
        return ddb_error_set(DDB_EINVAL, "%s: scan segment %u of %u is out of range", m->name,
                             (unsigned)o->segment, (unsigned)o->total_segments);
    return 0;
}

/*
 * A subclass of a polymorphic model reads only its own kind: ANDs
 * `<discriminator> = <value>` into the filter (which may be NULL; taken).
 */
static ddb_cond *kind_filter(const ddb_model *m, ddb_cond *filter)
{
    if (m->discriminator_value == NULL || m->discriminator_field < 0)
        return filter;
    ddb_buf path = DDB_BUF_INIT;
    ddb_cond *kind = ddb_attr_path(m->fields[m->discriminator_field].attr, &path) == 0
                         ? ddb_cond_cmp(ddb_buf_cstr(&path), DDB_CMP_EQ, ddb_av_s(m->discriminator_value))
                         : ddb_cond_error(DDB_ENOMEM);
    ddb_buf_free(&path);
    return filter != NULL ? ddb_cond_and(filter, kind) : kind;
}

/*
 * Prepares a read of m/ix: checks, client, expressions, projection, tag.
 * Takes `range` and `filter` in every case. A scan has no `range`.
 */
static int read_setup(read_req *r, const ddb_model *m, const ddb_index *ix, bool is_query, const void *hash,
                      ddb_cond *range, ddb_cond *filter, const read_opts *o)
{
    memset(r, 0, sizeof *r);
    r->exprs = (request_exprs)REQUEST_EXPRS_INIT;
    ddb_buf_init(&r->projection);
    r->m = m;
    r->index = ix;
    r->is_query = is_query;
    r->consistent_read = o->consistent_read;
    r->descending = is_query && o->descending;
    r->segment = o->segment;
    r->total_segments = o->total_segments;
    r->rate = o->rate_limit;
    ddb_cond *key = NULL;
    int rc = m->table != NULL ? check_model_index(m, ix)
                              : ddb_error_set(DDB_EINVAL, "%s: a map model has no table to read", m->name);
    if (rc == 0)
        rc = check_opts(r, o);
    if (rc == 0 && !is_query && range != NULL)
        rc = ddb_error_set(DDB_EINVAL, "%s: a range condition needs a hash key value (a query)", m->name);
    if (rc == 0 && is_query) {
        key = hash_condition(r, hash);
        if (range != NULL)
            key = ddb_cond_and(key, range);
        range = NULL; /* taken */
    }
    if (rc == 0 && (r->client = ddb_model_client_for(m, o->client)) == NULL)
        rc = ddb_last_error()->code;
    ddb_codec_env env; /* conditions on deterministic attributes: no item */
    ddb_buf no_key = DDB_BUF_INIT;
    ddb_seal_binding(&r->exprs.ctx, &env, &no_key, m, NULL);
    if (rc == 0)
        rc = ddb_render_cond(&r->exprs, key, &r->exprs.condition);
    filter = kind_filter(m, filter);
    if (rc == 0)
        rc = ddb_render_cond(&r->exprs, filter, &r->exprs.filter);
    r->exprs.ctx.seal = NULL; /* env goes out of scope */
    r->exprs.ctx.seal_arg = NULL;
    if (rc == 0 && o->n_attributes != 0)
        rc = render_projection(&r->exprs.ctx, m, ix, o->attributes, o->n_attributes, &r->projection);
    if (rc == 0)
        r->tag = cursor_tag(m, ix, is_query, r->segment, r->total_segments);
    ddb_cond_free(key);
    ddb_cond_free(range);
    ddb_cond_free(filter);
    return rc;
}

static int cursor_start(const read_req *r, const char *cursor, ddb_av **key)
{
    return cursor_decode(cursor, r->m, r->index, r->tag, r->hash_attr, r->hash_value, key);
}

static double seconds(const struct timespec *t)
{
    return (double)t->tv_sec + (double)t->tv_nsec / 1e9;
}

/* Rate limit: before a request, waits (through the client's retry sleep
 * hook) until the bucket is out of debt. The bucket starts empty, refills
 * at `rate` units per second up to one second's worth, and each response
 * takes what it consumed. Time slept is credited whether or not the hook
 * really slept, so an injected sleep sees the same schedule. */
static void rate_wait(read_req *r)
{
    if (r->rate <= 0)
        return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (r->last.tv_sec != 0 || r->last.tv_nsec != 0) {
        r->tokens += (seconds(&now) - seconds(&r->last)) * r->rate;
        if (r->tokens > r->rate)
            r->tokens = r->rate;
    }
    r->last = now;
    if (r->tokens >= 0)
        return;
    double ms = -r->tokens / r->rate * 1000.0;
    uint32_t wait = ms >= (double)UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
    if (wait < ms)
        wait++;
    ddb_retry_sleep(ddb_client_retry_policy(r->client), wait);
    r->tokens += (double)wait / 1000.0 * r->rate;
    clock_gettime(CLOCK_MONOTONIC, &r->last);
}

/* Sends one request starting at `start` (NULL: the beginning), asking for
 * `limit` items (0: DynamoDB's page). `page` must be released by the caller. */
static int read_send(read_req *r, const ddb_av *start, uint32_t limit, ddb_read_output *page)
{
    rate_wait(r);
    const request_exprs *x = &r->exprs;
    int rc;
    if (r->is_query) {
        ddb_query_input in = DDB_QUERY_INPUT_INIT;
        in.table_name = r->m->table;
        in.index_name = r->index != NULL ? r->index->name : NULL;
        in.key_condition_expression = ddb_expr_or_null(&x->condition);
        in.filter_expression = ddb_expr_or_null(&x->filter);
        in.projection_expression = ddb_expr_or_null(&r->projection);
        in.names = x->ctx.names;
        in.values = x->ctx.values;
        in.select = r->select;
        in.limit = limit;
        in.consistent_read = r->consistent_read;
        in.descending = r->descending;
        in.exclusive_start_key = start;
        in.return_consumed_capacity = DDB_CAPACITY_TOTAL;
        rc = ddb_query(page, r->client, &in);
    } else {
        ddb_scan_input in = DDB_SCAN_INPUT_INIT;
        in.table_name = r->m->table;
        in.index_name = r->index != NULL ? r->index->name : NULL;
        in.filter_expression = ddb_expr_or_null(&x->filter);
        in.projection_expression = ddb_expr_or_null(&r->projection);
        in.names = x->ctx.names;
        in.values = x->ctx.values;
        in.select = r->select;
        in.limit = limit;
        in.consistent_read = r->consistent_read;
        in.exclusive_start_key = start;
        in.segment.index = r->segment;
        in.segment.total = r->total_segments;
        in.return_consumed_capacity = DDB_CAPACITY_TOTAL;
        rc = ddb_scan(page, r->client, &in);
    }
    if (rc != 0)
        return ddb_model_with_context(rc, read_op(r), r->m);
    r->consumed += page->consumed.capacity_units;
    r->tokens -= page->consumed.capacity_units;
    return 0;
}

/* ------------------------------------------------------------ iterators */

struct ddb_iter {
    read_req req;
    long long limit, page_size;
    long long yielded;
    ddb_read_output page;  /* the current page */
    size_t pos;            /* next item of `page` */
    bool started;          /* a page was read */
    ddb_av *page_start;    /* ExclusiveStartKey the current page was read with (or the cursor's) */
    ddb_av *next_start;    /* LastEvaluatedKey of the current page; NULL once started: the end */
    ddb_page_guard guard;  /* the keys never repeat */
    int error;             /* sticky failure */
};

void ddb_iter_free(ddb_iter *it)
{
    if (it == NULL)
        return;
    read_free(&it->req);
    ddb_read_output_free(&it->page);
    ddb_av_free(it->page_start);
    ddb_av_free(it->next_start);
    ddb_page_guard_free(&it->guard);
    free(it);
}

static int iter_new(ddb_iter **out, const ddb_model *m, const ddb_index *ix, bool is_query, const void *hash,
                    ddb_cond *range, ddb_cond *filter, const read_opts *o)
{
    *out = NULL;
    ddb_iter *it = calloc(1, sizeof *it);
    if (it == NULL) {
        ddb_cond_free(range);
        ddb_cond_free(filter);
        return ddb_model_with_context(ddb_error_set(DDB_ENOMEM, "out of memory creating an iterator"),
                                      is_query ? "Query" : "Scan", m);
    }
    int rc = read_setup(&it->req, m, ix, is_query, hash, range, filter, o);
    if (rc == 0)
        rc = cursor_start(&it->req, o->cursor, &it->page_start);
    if (rc != 0) {
        ddb_iter_free(it);
        return ddb_model_with_context(rc, is_query ? "Query" : "Scan", m);
    }
    it->limit = o->limit;
    it->page_size = o->page_size;
    it->guard = (ddb_page_guard)DDB_PAGE_GUARD_INIT;
    *out = it;
    return 0;
}

int ddb_model_query_index(ddb_iter **out, const ddb_model *m, const ddb_index *index,
                          const void *hash, ddb_cond *range, ddb_cond *filter,
                          const ddb_query_opts *opts)
{
    read_opts o = query_opts(opts);
    return iter_new(out, m, index, true, hash, range, filter, &o);
}

int ddb_model_scan_index(ddb_iter **out, const ddb_model *m, const ddb_index *index,
                         ddb_cond *filter, const ddb_scan_opts *opts)
{
    read_opts o = scan_opts(opts);
    return iter_new(out, m, index, false, NULL, NULL, filter, &o);
}

int ddb_model_query(ddb_iter **out, const ddb_model *m, const void *hash, ddb_cond *range,
                    ddb_cond *filter, const ddb_query_opts *opts)
{
    return ddb_model_query_index(out, m, NULL, hash, range, filter, opts);
}

int ddb_model_scan(ddb_iter **out, const ddb_model *m, ddb_cond *filter, const ddb_scan_opts *opts)
{
    return ddb_model_scan_index(out, m, NULL, filter, opts);
}

/* Page size to request: page_size, capped so no more than `limit` items come. */
static uint32_t request_limit(long long page_size, long long limit, long long done)
{
    long long n = page_size;
    if (limit > 0 && (n == 0 || limit - done < n))
        n = limit - done;
    return n > 0 && n <= (long long)UINT32_MAX ? (uint32_t)n : 0;
}

/* Reads the next page; on failure the iterator keeps its position. */
static int iter_fetch(ddb_iter *it)
{
    ddb_read_output page;
    const ddb_av *start = it->started ? it->next_start : it->page_start;
    int rc = read_send(&it->req, start, request_limit(it->page_size, it->limit, it->yielded), &page);
    if (rc == 0 && (rc = ddb_page_guard_step(&it->guard, page.last_evaluated_key)) != 0)
        rc = ddb_model_with_context(rc, it->req.is_query ? "Query" : "Scan", it->req.m);
    if (rc != 0) {
        ddb_read_output_free(&page);
        return rc;
    }
    if (it->started) {
        ddb_av_free(it->page_start);
        it->page_start = it->next_start;
    }
    it->next_start = page.last_evaluated_key; /* taken */
    page.last_evaluated_key = NULL;
    ddb_read_output_free(&it->page);
    it->page = page;
    it->pos = 0;
    it->started = true;
    return 0;
}

int ddb_iter_next(void *obj, ddb_iter *it)
{
    if (it == NULL)
        return ddb_error_set(DDB_EINVAL, "iterator is NULL");
    if (it->error != 0)
        return ddb_error_set(it->error, "iterator failed earlier: %s", ddb_strerror(it->error));
    int rc = 0;
    for (;;) {
        if (it->limit > 0 && it->yielded >= it->limit)
            break;
        if (it->pos < it->page.n_items) {
            rc = ddb_model_read_item(obj, it->req.m, it->page.items[it->pos++]);
            if (rc == 0) {
                it->yielded++;
                rc = 1;
            }
            break;
        }
        if (it->started && it->next_start == NULL)
            break;
        rc = iter_fetch(it);
        if (rc != 0) {
            it->error = rc;
            break;
        }
    }
    return rc;
}

int ddb_iter_cursor(char **out, const ddb_iter *it)
{
    *out = NULL;
    if (it == NULL)
        return ddb_error_set(DDB_EINVAL, "iterator is NULL");
    const ddb_av *key;
    ddb_av *made = NULL;
    if (it->started && it->pos > 0 && it->pos < it->page.n_items) {
        int rc = key_after_item(it->req.m, it->req.index, it->page.items[it->pos - 1], &made);
        if (rc != 0)
            return rc;
        key = made;
    } else if (it->started && it->pos == it->page.n_items) {
        if ((key = it->next_start) == NULL)
            return 0; /* the end */
    } else {
        key = it->page_start;
    }
    int rc = key != NULL ? cursor_encode(it->req.tag, key, out) : 0;
    if (rc == 0 && key == NULL && (*out = calloc(1, 1)) == NULL)
        rc = ddb_error_set(DDB_ENOMEM, "out of memory copying a cursor");
    ddb_av_free(made);
    return rc;
}

double ddb_iter_consumed(const ddb_iter *it)
{
    return it != NULL ? it->req.consumed : 0;
}

/* ------------------------------------------------------------ pages */

void ddb_page_free(ddb_page *page)
{
    if (page == NULL)
        return;
    free(page->cursor);
    *page = (ddb_page)DDB_PAGE_INIT;
}

/*
 * After item `bad` of a page did not fit its struct: the items before it
 * stay, and the cursor resumes right after it (the rest of the page is read
 * again from there), so nothing is lost and the caller may go on past it.
 * Returns the load error, or what building the cursor failed with.
 */
static int page_stop_at(const read_req *r, const ddb_read_output *res, size_t bad, int load_rc, ddb_page *page)
{
    ddb_error saved = *ddb_last_error();
    ddb_av *key = NULL;
    int rc = key_after_item(r->m, r->index, res->items[bad], &key);
    if (rc == 0)
        rc = cursor_encode(r->tag, key, &page->cursor);
    ddb_av_free(key);
    if (rc != 0)
        return rc;
    page->n_items = bad;
    ddb_error_restore(&saved);
    return load_rc;
}

/* One request of the read `r` from o->cursor into `items`. */
static int page_read(read_req *r, const read_opts *o, void *items, size_t max_items, ddb_page *page)
{
    ddb_av *start = NULL;
    int rc = cursor_start(r, o->cursor, &start);
    ddb_read_output res;
    memset(&res, 0, sizeof res);
    if (rc == 0) {
        rc = read_send(r, start, (uint32_t)max_items, &res);
    }
    if (rc == 0 && res.n_items > max_items)
        rc = ddb_error_set(DDB_EPROTOCOL, "%s: %zu items in a page of at most %zu", r->m->name, res.n_items,
                           max_items);
    if (rc == 0) {
        page->consumed = res.consumed.capacity_units;
        page->scanned = res.scanned_count;
    }
    size_t loaded = 0;
    for (; rc == 0 && loaded < res.n_items; loaded++)
        rc = ddb_model_read_item((char *)items + loaded * r->m->size, r->m, res.items[loaded]);
    if (rc == DDB_ETYPE)
        rc = page_stop_at(r, &res, loaded - 1, rc, page);
    else if (rc == 0 && res.last_evaluated_key != NULL)
        rc = cursor_encode(r->tag, res.last_evaluated_key, &page->cursor);
    if (rc == 0)
        page->n_items = res.n_items;
    ddb_read_output_free(&res);
    ddb_av_free(start);
    return rc;
}

static int model_page_call(void *items, size_t max_items, ddb_page *page, const ddb_model *m, const ddb_index *ix,
                     bool is_query, const void *hash, ddb_cond *range, ddb_cond *filter, const read_opts *o)
{
    const char *op = is_query ? "Query" : "Scan";
    if (page != NULL)
        *page = (ddb_page)DDB_PAGE_INIT;
    if (items == NULL || page == NULL || max_items == 0 || max_items > UINT32_MAX) {
        ddb_cond_free(range);
        ddb_cond_free(filter);
        return ddb_model_with_context(
            ddb_error_set(DDB_EINVAL, "%s: a page needs items, a page and 1..%u items", m->name, UINT32_MAX),
            op, m);
    }
    read_req r;
    int rc = read_setup(&r, m, ix, is_query, hash, range, filter, o);
    if (rc == 0)
        rc = page_read(&r, o, items, max_items, page);
    if (rc != 0 && (rc != DDB_ETYPE || page->cursor == NULL))
        ddb_page_free(page);
    read_free(&r);
    return ddb_model_with_context(rc, op, m);
}

int ddb_model_query_page(void *items, size_t max_items, ddb_page *page, const ddb_model *m,
                         const ddb_index *index, const void *hash, ddb_cond *range,
                         ddb_cond *filter, const ddb_query_opts *opts)
{
    read_opts o = query_opts(opts);
    return model_page_call(items, max_items, page, m, index, true, hash, range, filter, &o);
}

int ddb_model_scan_page(void *items, size_t max_items, ddb_page *page, const ddb_model *m,
                        const ddb_index *index, ddb_cond *filter, const ddb_scan_opts *opts)
{
    read_opts o = scan_opts(opts);
    return model_page_call(items, max_items, page, m, index, false, NULL, NULL, filter, &o);
}

/* ------------------------------------------------------------ counts */

/* Sums Count over every page (Select COUNT), up to `limit` when > 0. */
static int count_pages(read_req *r, long long page_size, long long limit, int64_t *total)
{
    ddb_av *start = NULL;
    ddb_page_guard guard = DDB_PAGE_GUARD_INIT;
    int rc = 0;
    *total = 0;
    do {
        ddb_read_output res;
        rc = read_send(r, start, request_limit(page_size, limit, *total), &res);
        ddb_av_free(start);
        start = NULL;
        if (rc == 0)
            rc = ddb_page_guard_step(&guard, res.last_evaluated_key);
        if (rc == 0) {
            *total += res.count;
            start = res.last_evaluated_key; /* taken */
            res.last_evaluated_key = NULL;
        }
        ddb_read_output_free(&res);
    } while (rc == 0 && start != NULL && (limit == 0 || *total < limit));
    ddb_av_free(start);
    ddb_page_guard_free(&guard);
    return rc;
}

int ddb_model_count(int64_t *out, const ddb_model *m, const ddb_index *index, const void *hash,
                    ddb_cond *range, ddb_cond *filter, const ddb_query_opts *opts)
{
    read_opts o = query_opts(opts);
    o.attributes = NULL;
    o.n_attributes = 0;
    o.cursor = NULL;
    o.descending = false;
    read_req r;
    int rc = read_setup(&r, m, index, hash != NULL, hash, range, filter, &o);
    int64_t total = 0;
    if (rc == 0) {
        r.select = DDB_SELECT_COUNT;
        rc = count_pages(&r, o.page_size, o.limit, &total);
        ddb_model_report_consumed(opts != NULL ? opts->consumed : NULL, r.consumed);
    }
    if (rc == 0)
        *out = total;
    const char *op = read_op(&r);
    read_free(&r);
    return ddb_model_with_context(rc, op, m);
}

int ddb_model_count_estimate(int64_t *out, const ddb_model *m, const ddb_index *index)
{
    ddb_client *c = ddb_model_client_for(m, NULL);
    int rc = c != NULL ? check_model_index(m, index) : ddb_last_error()->code;
    if (rc != 0)
        return ddb_model_with_context(rc, "DescribeTable", m);
    ddb_table_name_input in = DDB_TABLE_NAME_INPUT_INIT;
    in.table_name = m->table;
    ddb_table_output res;
    rc = ddb_describe_table(&res, c, &in);
    if (rc == 0 && index == NULL) {
        *out = res.table.item_count;
    } else if (rc == 0) {
        const ddb_table_description *t = &res.table;
        const ddb_index_description *list = index->global ? t->global_indexes : t->local_indexes;
        size_t n = index->global ? t->n_global_indexes : t->n_local_indexes;
        size_t i = 0;
        while (i < n && strcmp(list[i].name, index->name) != 0)
            i++;
        if (i < n && list[i].has_item_count)
            *out = list[i].item_count;
        else if (i < n) /* some engines leave it out: never a made-up 0 */
            rc = ddb_error_set(DDB_EPROTOCOL, "%s: DescribeTable of \"%s\" reported no ItemCount for index \"%s\"",
                               m->name, m->table, index->name);
        else
            rc = ddb_error_set(DDB_ERESOURCE, "%s: table \"%s\" has no %s index \"%s\"", m->name, m->table,
                               index->global ? "global" : "local", index->name);
    }
    ddb_table_output_free(&res);
    return ddb_model_with_context(rc, "DescribeTable", m);
}
