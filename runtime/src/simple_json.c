/* simple_json.c - model objects to and from plain JSON, through the item:
 * ddb_model_to_item -> walk the ddb_av with the descriptor -> JSON text,
 * and JSON text (parsed by the envelope reader) -> ddb_av guided by the
 * descriptor -> ddb_model_from_item. Strings go through the one JSON
 * string writer (ddb_json_put_string). */
#include "feature_macros.h" /* first: feature-test macros before any system header */

#include "ddb/simple_json.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddb/error.h"
#include "ddb/json.h"
#include "json_internal.h"
#include "model_internal.h"
#include "type_table.h"

/* ------------------------------------------------------------------ */
/* Shared: the JSON path of the value being converted, for messages    */
/* ------------------------------------------------------------------ */

typedef struct walk {
    const char *what; /* model name, or "item" */
    ddb_buf path;     /* after "$": ".name", "[3]", "[\"odd name\"]" */
} walk;

static bool plain_name(const char *name, size_t len)
{
    if (len == 0 || (name[0] >= '0' && name[0] <= '9'))
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return false;
    }
    return true;
}

/* Appends a member step; returns the path length to restore, or
 * (size_t)-1 when out of memory (recorded). */
static size_t path_member(walk *w, const char *name, size_t len)
{
    size_t mark = w->path.len;
    int rc;
    if (plain_name(name, len)) {
        rc = ddb_buf_putc(&w->path, '.');
        if (rc == 0)
            rc = ddb_buf_append(&w->path, name, len);
    } else {
        rc = ddb_buf_putc(&w->path, '[');
        /* a name that is not UTF-8 cannot be quoted: show it as "?" */
        if (rc == 0 && ddb_json_put_string(&w->path, name, len) != 0)
            rc = ddb_buf_puts(&w->path, "\"?\"");
        if (rc == 0)
            rc = ddb_buf_putc(&w->path, ']');
    }
    return rc == 0 ? mark : (size_t)-1;
}

static size_t path_index(walk *w, size_t i)
{
    size_t mark = w->path.len;
    return ddb_buf_printf(&w->path, "[%zu]", i) == 0 ? mark : (size_t)-1;
}

static void path_restore(walk *w, size_t mark)
{
    w->path.len = mark;
    if (w->path.data != NULL)
        w->path.data[mark] = '\0';
}

/* Records "<what>: $<path>: <why>". */
static int path_error(const walk *w, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static int path_error(const walk *w, int code, const char *fmt, ...)
{
    char why[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return ddb_error_set(code, "%s: $%s: %s", w->what, ddb_buf_cstr(&w->path), why);
}

/* Puts "<what>: $<path>: " in front of the current error. */
static int path_wrap(const walk *w, int rc)
{
    ddb_error_prefix("%s: $%s: ", w->what, ddb_buf_cstr(&w->path));
    return rc;
}

/* The field of `m` stored as attribute `name` (NULL: undeclared). */
static const ddb_field *field_of(const ddb_model *m, const char *name, size_t len)
{
    for (size_t i = 0; m != NULL && i < m->n_fields; i++) {
        const char *attr = m->fields[i].attr;
        if (strlen(attr) == len && memcmp(attr, name, len) == 0)
            return &m->fields[i];
    }
    return NULL;
}

/* The AttributeValue type a value of `type` (as the element or value of
 * field `f`) is stored as; `*any` when every type is accepted. */
static ddb_av_type stored_type(const ddb_field *f, ddb_ftype type, bool *any)
{
    (void)f;
    *any = ddb_type(type)->any_wire;
    return ddb_type(type)->wire;
}

static bool untyped_list(const ddb_field *f, ddb_ftype type)
{
    return type == DDB_FT_LIST && f->elem_size == 0;
}

/* ================================================================== */
/* Item -> plain JSON                                                 */
/* ================================================================== */

/* Appends DynamoDB number text as a JSON number, every digit kept: drops
 * a '+', leading zeros of the integer part, and a '.' without digits;
 * adds a 0 before a leading '.'. The text was checked by ddb_number_check. */
static int put_number(ddb_buf *out, const char *t, size_t len)
{
    size_t i = 0;
    int rc = 0;
    if (i < len && (t[i] == '+' || t[i] == '-')) {
        if (t[i] == '-')
            rc = ddb_buf_putc(out, '-');
        i++;
    }
    size_t int_start = i;
    while (i < len && t[i] >= '0' && t[i] <= '9')
        i++;
    size_t int_end = i;
    while (int_start + 1 < int_end && t[int_start] == '0')
        int_start++;
    if (rc == 0)
        rc = int_start == int_end ? ddb_buf_putc(out, '0')
                                  : ddb_buf_append(out, t + int_start, int_end - int_start);
    if (i < len && t[i] == '.') {
        size_t frac = ++i;
        while (i < len && t[i] >= '0' && t[i] <= '9')
            i++;
        if (rc == 0 && i > frac && (rc = ddb_buf_putc(out, '.')) == 0)
            rc = ddb_buf_append(out, t + frac, i - frac);
    }
    if (rc == 0 && i < len) /* exponent: e/E, sign, digits are JSON as they are */
        rc = ddb_buf_append(out, t + i, len - i);
    return rc;
}

static int put_base64(ddb_buf *out, const ddb_av *b)
{
    int rc = ddb_buf_putc(out, '"');
    if (rc == 0)
        rc = ddb_base64_encode(out, (const unsigned char *)b->u.str.ptr, b->u.str.len);
    return rc == 0 ? ddb_buf_putc(out, '"') : rc;
}

/* Writes a parsed JSON value back as compact JSON. */
static int put_jnode(ddb_buf *out, const ddb_jnode *n)
{
    size_t len = 0;
    const char *text;
    int rc;
    bool b = false;
    switch (ddb_jnode_type(n)) {
    case DDB_J_BOOL:
        ddb_jnode_bool(n, &b);
        return ddb_buf_puts(out, b ? "true" : "false");
    case DDB_J_NUMBER:
        text = ddb_jnode_str(n, &len);
        return ddb_buf_append(out, text, len);
    case DDB_J_STRING:
        text = ddb_jnode_str(n, &len);
        return ddb_json_put_string(out, text, len);
    case DDB_J_ARRAY:
    case DDB_J_OBJECT: {
        bool object = ddb_jnode_type(n) == DDB_J_OBJECT;
        rc = ddb_buf_putc(out, object ? '{' : '[');
        for (const ddb_jnode *k = ddb_jnode_first(n); rc == 0 && k != NULL; k = ddb_jnode_next(k)) {
            if (k != ddb_jnode_first(n))
                rc = ddb_buf_putc(out, ',');
            if (rc == 0 && object) {
                text = ddb_jnode_name(k, &len);
                if ((rc = ddb_json_put_string(out, text, len)) == 0)
                    rc = ddb_buf_putc(out, ':');
            }
            if (rc == 0)
                rc = put_jnode(out, k);
        }
        return rc == 0 ? ddb_buf_putc(out, object ? '}' : ']') : rc;
    }
    case DDB_J_NONE:
    case DDB_J_NULL:
    case DDB_J_ITEM:
        break;
    }
    return ddb_buf_puts(out, "null");
}

static int put_untyped(walk *w, ddb_buf *out, const ddb_av *v);
static int put_json_value(walk *w, ddb_buf *out, const ddb_field *f, ddb_ftype type, const ddb_av *v);
static int put_object(walk *w, ddb_buf *out, const ddb_model *m, const ddb_av *map);

/* An L or set: each element through `typed` (f non-NULL) or untyped. */
static int put_array(walk *w, ddb_buf *out, const ddb_field *f, const ddb_av *v)
{
    int rc = ddb_buf_putc(out, '[');
    for (size_t i = 0; rc == 0 && i < v->u.list.len; i++) {
        size_t mark = path_index(w, i);
        if (mark == (size_t)-1)
            return DDB_ENOMEM;
        if (i != 0)
            rc = ddb_buf_putc(out, ',');
        if (rc == 0)
            rc = f != NULL ? put_json_value(w, out, f, f->elem, v->u.list.items[i])
                           : put_untyped(w, out, v->u.list.items[i]);
        path_restore(w, mark);
    }
    return rc == 0 ? ddb_buf_putc(out, ']') : rc;
}

/* Any value, by its DynamoDB type. */
static int put_untyped(walk *w, ddb_buf *out, const ddb_av *v)
{
    switch (v->type) {
    case DDB_AV_NULL:
        return ddb_buf_puts(out, "null");
    case DDB_AV_BOOL:
        return ddb_buf_puts(out, v->u.boolean ? "true" : "false");
    case DDB_AV_S: {
        int rc = ddb_json_put_string(out, v->u.str.ptr, v->u.str.len);
        return rc == 0 ? 0 : path_wrap(w, rc);
    }
    case DDB_AV_N:
        return put_number(out, v->u.str.ptr, v->u.str.len);
    case DDB_AV_B:
        return put_base64(out, v);
    case DDB_AV_SS:
    case DDB_AV_NS:
    case DDB_AV_BS:
    case DDB_AV_L:
        return put_array(w, out, NULL, v);
    case DDB_AV_M:
        return put_object(w, out, NULL, v);
    }
    return path_error(w, DDB_EINVAL, "unknown attribute value type %d", (int)v->type);
}

/* The embedded JSON value of a json attribute (S holding JSON text). */
static int put_embedded_json(walk *w, ddb_buf *out, const ddb_av *v)
{
    ddb_jdoc *doc = NULL;
    int rc = ddb_jdoc_parse(v->u.str.ptr, v->u.str.len, NULL, &doc);
    if (rc != 0)
        return path_wrap(w, rc);
    rc = put_jnode(out, ddb_jdoc_root(doc));
    ddb_jdoc_free(doc);
    return rc;
}

/* A value of `type` (field f's value or element type). */
static int put_json_value(walk *w, ddb_buf *out, const ddb_field *f, ddb_ftype type, const ddb_av *v)
{
    bool any;
    ddb_av_type want = stored_type(f, type, &any);
    if (!any && v->type != want)
        return path_error(w, DDB_ETYPE, "stored as %s, expected %s", ddb_av_type_tag(v->type),
                          ddb_av_type_tag(want));
    if (type == DDB_FT_JSON)
        return put_embedded_json(w, out, v);
    if (type == DDB_FT_MAP)
        return put_object(w, out, f->sub, v);
    if (type == DDB_FT_LIST && !untyped_list(f, type))
        return put_array(w, out, f, v);
    return put_untyped(w, out, v);
}

/* The codec environment of a stored item of model m (its table and its
 * key, for encrypted fields); *key_bytes holds the key (free it). A map
 * (no table) has none. */
static ddb_codec_env item_env(const ddb_model *m, const ddb_av *map, ddb_buf *key_bytes)
{
    ddb_codec_env env = {.m = m != NULL && m->table != NULL ? m : NULL};
    if (env.m != NULL && ddb_item_key_bytes(key_bytes, m, map) == 0) {
        env.item_key = (const unsigned char *)key_bytes->data;
        env.item_key_len = key_bytes->len;
    }
    return env;
}

/* An M: members by m's fields (m NULL: all untyped); stored values of
 * compressed or encrypted fields are shown as their values. */
static int put_object(walk *w, ddb_buf *out, const ddb_model *m, const ddb_av *map)
{
    ddb_buf key_bytes = DDB_BUF_INIT;
    ddb_codec_env env = item_env(m, map, &key_bytes);
    int rc = ddb_buf_putc(out, '{');
    for (size_t i = 0; rc == 0 && i < map->u.map.len; i++) {
        const ddb_av_member *mem = &map->u.map.items[i];
        size_t mark = path_member(w, mem->name, mem->name_len);
        if (mark == (size_t)-1)
            return DDB_ENOMEM;
        if (i != 0)
            rc = ddb_buf_putc(out, ',');
        if (rc == 0 && (rc = ddb_json_put_string(out, mem->name, mem->name_len)) != 0)
            rc = path_wrap(w, rc);
        if (rc == 0)
            rc = ddb_buf_putc(out, ':');
        if (rc == 0) {
            const ddb_field *f = field_of(m, mem->name, mem->name_len);
            ddb_av *owned = NULL;
            const ddb_av *plain = f != NULL ? ddb_field_decode(f, mem->value, &owned, &env) : mem->value;
            if (plain == NULL)
                rc = path_wrap(w, ddb_last_error()->code);
            else
                rc = f != NULL ? put_json_value(w, out, f, f->type, plain) : put_untyped(w, out, plain);
            ddb_av_free(owned);
        }
        path_restore(w, mark);
    }
    ddb_buf_free(&key_bytes);
    return rc == 0 ? ddb_buf_putc(out, '}') : rc;
}

int ddb_item_to_simple_json(ddb_buf *out, const ddb_model *m, const ddb_av *item)
{
    walk w = {m != NULL ? m->name : "item", DDB_BUF_INIT};
    if (item == NULL || item->type != DDB_AV_M)
        return ddb_error_set(DDB_ETYPE, "%s: the item is not a map", w.what);
    size_t start = out->len;
    int rc = put_object(&w, out, m, item);
    if (rc != 0) {
        out->len = start;
        if (out->data != NULL)
            out->data[start] = '\0';
    }
    ddb_buf_free(&w.path);
    return rc;
}

int ddb_model_to_simple_json(ddb_buf *out, const ddb_model *m, const void *obj)
{
    ddb_av *item = NULL;
    int rc = ddb_model_to_item(&item, m, obj);
    if (rc == 0)
        rc = ddb_item_to_simple_json(out, m, item);
    ddb_av_free(item);
    return rc;
}

/* ================================================================== */
/* Plain JSON -> item                                                 */
/* ================================================================== */

static const char *jtype_name(ddb_jtype t)
{
    switch (t) {
    case DDB_J_NULL:
        return "null";
    case DDB_J_BOOL:
        return "a boolean";
    case DDB_J_NUMBER:
        return "a number";
    case DDB_J_STRING:
        return "a string";
    case DDB_J_ARRAY:
        return "an array";
    case DDB_J_OBJECT:
    case DDB_J_ITEM:
        return "an object";
    case DDB_J_NONE:
        break;
    }
    return "nothing";
}

static int expect(walk *w, const ddb_jnode *n, ddb_jtype t, const char *want)
{
    if (ddb_jnode_type(n) == t)
        return 0;
    return path_error(w, DDB_ETYPE, "expected %s, found %s", want, jtype_name(ddb_jnode_type(n)));
}

/* Takes `v` (a constructor's result, NULL on failure) into *out, or turns
 * the constructor's error into a path error. */
static int made(walk *w, ddb_av *v, ddb_av **out)
{
    if (v == NULL)
        return path_wrap(w, ddb_last_error()->code != 0 ? ddb_last_error()->code : DDB_ENOMEM);
    *out = v;
    return 0;
}

static int read_string(walk *w, const ddb_jnode *n, ddb_av **out)
{
    size_t len = 0;
    const char *s = ddb_jnode_str(n, &len);
    return made(w, ddb_av_s_len(s, len), out);
}

static int read_number(walk *w, const ddb_jnode *n, ddb_av **out)
{
    return made(w, ddb_av_n(ddb_jnode_str(n, NULL)), out);
}

static int read_binary(walk *w, const ddb_jnode *n, ddb_av **out)
{
    size_t len = 0;
    const char *s = ddb_jnode_str(n, &len);
    ddb_buf raw = DDB_BUF_INIT;
    int rc = ddb_base64_decode(&raw, s, len);
    if (rc != 0) {
        ddb_buf_free(&raw);
        return path_wrap(w, rc);
    }
    rc = made(w, ddb_av_b(raw.data, raw.len), out);
    ddb_buf_free(&raw);
    return rc;
}

static int read_untyped(walk *w, const ddb_jnode *n, ddb_av **out);
static int read_value(walk *w, const ddb_field *f, ddb_ftype type, const ddb_jnode *n, ddb_av **out);
static int read_object(walk *w, const ddb_model *m, const ddb_jnode *n, ddb_av **out);

/* An array into a new container of `type`, each element read by
 * `f`/`elem` (f NULL: untyped). Set elements must be distinct. */
static int read_array(walk *w, const ddb_field *f, ddb_ftype elem, ddb_av_type type,
                      const ddb_jnode *n, ddb_av **out)
{
    int rc = expect(w, n, DDB_J_ARRAY, "an array");
    ddb_av *list = NULL;
    if (rc == 0)
        rc = made(w, ddb_av_new(type), &list);
    size_t i = 0;
    bool set = type == DDB_AV_SS || type == DDB_AV_NS || type == DDB_AV_BS;
    for (const ddb_jnode *e = ddb_jnode_first(n); rc == 0 && e != NULL; e = ddb_jnode_next(e), i++) {
        size_t mark = path_index(w, i);
        if (mark == (size_t)-1) {
            rc = DDB_ENOMEM;
            break;
        }
        ddb_av *v = NULL;
        rc = f != NULL ? read_value(w, f, elem, e, &v) : read_untyped(w, e, &v);
        for (size_t k = 0; rc == 0 && set && k < list->u.list.len; k++) {
            if (ddb_av_equal(list->u.list.items[k], v))
                rc = path_error(w, DDB_EINVAL, "the set already has this element (at [%zu])", k);
        }
        if (rc == 0)
            rc = ddb_av_list_push(list, v);
        else
            ddb_av_free(v);
        path_restore(w, mark);
    }
    if (rc != 0) {
        ddb_av_free(list);
        return rc;
    }
    *out = list;
    return 0;
}

static int read_untyped(walk *w, const ddb_jnode *n, ddb_av **out)
{
    bool b = false;
    switch (ddb_jnode_type(n)) {
    case DDB_J_NULL:
        return made(w, ddb_av_null(), out);
    case DDB_J_BOOL:
        ddb_jnode_bool(n, &b);
        return made(w, ddb_av_bool(b), out);
    case DDB_J_NUMBER:
        return read_number(w, n, out);
    case DDB_J_STRING:
        return read_string(w, n, out);
    case DDB_J_ARRAY:
        return read_array(w, NULL, DDB_FT_DOCUMENT, DDB_AV_L, n, out);
    case DDB_J_OBJECT:
        return read_object(w, NULL, n, out);
    case DDB_J_NONE:
    case DDB_J_ITEM:
        break;
    }
    return path_error(w, DDB_EINVAL, "unexpected JSON node");
}

/* The compact JSON text of any value, as an S (a json attribute). */
static int read_embedded_json(walk *w, const ddb_jnode *n, ddb_av **out)
{
    ddb_buf text = DDB_BUF_INIT;
    int rc = put_jnode(&text, n);
    if (rc == 0)
        rc = made(w, ddb_av_s_len(ddb_buf_cstr(&text), text.len), out);
    ddb_buf_free(&text);
    return rc;
}

/* read_scalar without the clean-up. */
static int read_scalar_checked(walk *w, ddb_ftype type, ddb_av_type want, const ddb_jnode *n,
                               ddb_av **out)
{
    int rc;
    bool b = false;
    switch (want) {
    case DDB_AV_S:
        if ((rc = expect(w, n, DDB_J_STRING, "a string")) != 0 || (rc = read_string(w, n, out)) != 0)
            return rc;
        if (type == DDB_FT_DATETIME) {
            ddb_time t;
            if ((rc = ddb_time_parse((*out)->u.str.ptr, (*out)->u.str.len, &t)) != 0)
                return path_wrap(w, rc);
        }
        return 0;
    case DDB_AV_N:
        if ((rc = expect(w, n, DDB_J_NUMBER, "a number")) != 0 || (rc = read_number(w, n, out)) != 0)
            return rc;
        if (type == DDB_FT_INT64 || type == DDB_FT_TTL || type == DDB_FT_VERSION) {
            int64_t i64;
            if ((rc = ddb_av_get_i64(&i64, *out)) != 0)
                return path_error(w, rc, "%s is not a 64-bit integer", (*out)->u.str.ptr);
        } else if (type == DDB_FT_DOUBLE) {
            double d;
            if ((rc = ddb_av_get_double(&d, *out)) != 0)
                return path_wrap(w, rc);
        }
        return 0;
    case DDB_AV_B:
        if ((rc = expect(w, n, DDB_J_STRING, "a base64 string")) != 0)
            return rc;
        return read_binary(w, n, out);
    case DDB_AV_BOOL:
        if ((rc = expect(w, n, DDB_J_BOOL, "true or false")) != 0)
            return rc;
        ddb_jnode_bool(n, &b);
        return made(w, ddb_av_bool(b), out);
    case DDB_AV_NULL:
        if ((rc = expect(w, n, DDB_J_NULL, "null")) != 0)
            return rc;
        return made(w, ddb_av_null(), out);
    case DDB_AV_SS:
    case DDB_AV_NS:
    case DDB_AV_BS:
    case DDB_AV_L:
    case DDB_AV_M:
        break;
    }
    return path_error(w, DDB_EINVAL, "field type %d is not a scalar", (int)type);
}

/* A scalar stored as `want` (S, N, B, BOOL, NULL), checked for `type`;
 * *out is NULL on failure. */
static int read_scalar(walk *w, ddb_ftype type, ddb_av_type want, const ddb_jnode *n, ddb_av **out)
{
    int rc = read_scalar_checked(w, type, want, n, out);
    if (rc != 0) {
        ddb_av_free(*out);
        *out = NULL;
    }
    return rc;
}

/* A value of `type` (field f's value or element type). */
static int read_value(walk *w, const ddb_field *f, ddb_ftype type, const ddb_jnode *n, ddb_av **out)
{
    bool any;
    ddb_av_type want = stored_type(f, type, &any);
    if (any)
        return read_untyped(w, n, out);
    if (type == DDB_FT_JSON)
        return read_embedded_json(w, n, out);
    if (type == DDB_FT_MAP)
        return read_object(w, f->sub, n, out);
    if (untyped_list(f, type))
        return read_array(w, NULL, DDB_FT_DOCUMENT, DDB_AV_L, n, out);
    if (type == DDB_FT_LIST)
        return read_array(w, f, f->elem, DDB_AV_L, n, out);
    if (ddb_type(type)->set_ops) { /* a set */
        /* the elements are checked through a probe field of their type */
        ddb_field probe = *f;
        probe.elem = ddb_type(type)->elem;
        return read_array(w, &probe, probe.elem, want, n, out);
    }
    return read_scalar(w, type, want, n, out);
}

/* Encrypts the encrypted members of `map`, an item of model m: the key
 * attributes first (deterministic, not bound to the item), then the others,
 * bound to the item's key. */
static int seal_members(walk *w, const ddb_model *m, ddb_av *map)
{
    if (m == NULL || m->table == NULL)
        return 0;
    ddb_codec_env env = {.m = m};
    ddb_buf key_bytes = DDB_BUF_INIT;
    int rc = 0;
    for (int pass = 0; rc == 0 && pass < 2; pass++) {
        if (pass == 1 && ddb_item_key_bytes(&key_bytes, m, map) == 0) {
            env.item_key = (const unsigned char *)key_bytes.data;
            env.item_key_len = key_bytes.len;
        }
        for (size_t i = 0; rc == 0 && i < m->n_fields; i++) {
            const ddb_field *f = &m->fields[i];
            bool key = (int)i == m->hash_key || (int)i == m->range_key;
            if (f->codec == NULL || f->codec->encrypt == DDB_ENCRYPT_NONE || key != (pass == 0))
                continue;
            ddb_av *plain = ddb_av_map_take(map, f->attr);
            if (plain == NULL)
                continue;
            ddb_av *stored = ddb_field_encode(f, plain, &env);
            rc = stored != NULL ? ddb_av_map_set(map, f->attr, stored)
                                : path_error(w, ddb_last_error()->code, "%s: %s", f->attr, ddb_last_error()->message);
        }
    }
    ddb_buf_free(&key_bytes);
    return rc;
}

/* An object into an M: members by m's fields (m NULL: all untyped). A
 * null member of a declared field (other than a null field) is absent. */
static int read_object(walk *w, const ddb_model *m, const ddb_jnode *n, ddb_av **out)
{
    int rc = expect(w, n, DDB_J_OBJECT, "an object");
    ddb_av *map = NULL;
    if (rc == 0)
        rc = made(w, ddb_av_new(DDB_AV_M), &map);
    for (const ddb_jnode *k = ddb_jnode_first(n); rc == 0 && k != NULL; k = ddb_jnode_next(k)) {
        size_t len = 0;
        const char *name = ddb_jnode_name(k, &len);
        size_t mark = path_member(w, name, len);
        if (mark == (size_t)-1) {
            rc = DDB_ENOMEM;
            break;
        }
        const ddb_field *f = field_of(m, name, len);
        if (f != NULL && f->type != DDB_FT_NULL && ddb_jnode_type(k) == DDB_J_NULL) {
            path_restore(w, mark);
            continue;
        }
        ddb_av *v = NULL;
        rc = f != NULL ? read_value(w, f, f->type, k, &v) : read_untyped(w, k, &v);
        /* compressed fields now; encrypted ones once the item's key is known */
        bool now = f != NULL && ddb_field_transformed(f) && (f->codec->encrypt == DDB_ENCRYPT_NONE);
        if (rc == 0 && now && (v = ddb_field_encode(f, v, NULL)) == NULL)
            rc = path_wrap(w, ddb_last_error()->code);
        size_t before = ddb_av_len(map);
        if (rc != 0)
            ddb_av_free(v);
        else if ((rc = ddb_av_map_set_len(map, name, len, v)) != 0)
            rc = path_wrap(w, rc);
        else if (ddb_av_len(map) == before)
            rc = path_error(w, DDB_EINVAL, "the member appears twice");
        path_restore(w, mark);
    }
    if (rc == 0)
        rc = seal_members(w, m, map);
    if (rc != 0) {
        ddb_av_free(map);
        return rc;
    }
    *out = map;
    return 0;
}

int ddb_item_from_simple_json(ddb_av **item, const ddb_model *m, const char *json, size_t len)
{
    walk w = {m != NULL ? m->name : "item", DDB_BUF_INIT};
    *item = NULL;
    if (json == NULL && len != 0)
        return ddb_error_set(DDB_EINVAL, "%s: the JSON text is NULL", w.what);
    ddb_jdoc *doc = NULL;
    int rc = ddb_jdoc_parse(json != NULL ? json : "", len, NULL, &doc);
    if (rc != 0) {
        ddb_error_prefix("%s: plain JSON: ", w.what);
        return rc;
    }
    rc = read_object(&w, m, ddb_jdoc_root(doc), item);
    ddb_jdoc_free(doc);
    ddb_buf_free(&w.path);
    return rc;
}

int ddb_model_from_simple_json(void *obj, const ddb_model *m, const char *json, size_t len)
{
    ddb_av *item = NULL;
    int rc = ddb_item_from_simple_json(&item, m, json, len);
    if (rc == 0)
        rc = ddb_model_read_item(obj, m, item);
    ddb_av_free(item);
    return rc;
}
