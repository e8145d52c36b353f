/* ops_write.c - the one request writer of the low-level operations: walks
 * a field table (ops_internal.h), validating and writing JSON. */
#include "feature_macros.h" /* first: feature-test macros before any system header */

#include <stdio.h>
#include <string.h>

#include "ddb/error.h"
#include "ddb/json.h"
#include "ops_internal.h"

_Static_assert(sizeof(ddb_return_values) == sizeof(int), "enums are read as int");

static const void *at(const void *base, size_t offset)
{
    return (const char *)base + offset;
}

/* ------------------------------------------------------------------ */
/* Paths and errors                                                   */
/* ------------------------------------------------------------------ */

size_t ddb_w_push(wctx *w, const char *name, size_t index, bool indexed)
{
    size_t saved = w->path_len;
    size_t room = sizeof w->path - w->path_len;
    const char *dot = w->path_len != 0 ? "." : "";
    int n = indexed ? snprintf(w->path + w->path_len, room, "%s%s[%zu]", dot, name, index)
                    : snprintf(w->path + w->path_len, room, "%s%s", dot, name);
    if (n > 0)
        w->path_len += (size_t)n < room ? (size_t)n : room - 1;
    return saved;
}

void ddb_w_pop(wctx *w, size_t saved)
{
    w->path_len = saved;
    w->path[saved] = '\0';
}

int ddb_w_error(wctx *w, int code, const char *name, const char *what)
{
    return ddb_error_set(code, "%s: %s%s%s %s", w->op, w->path, w->path_len != 0 ? "." : "", name,
                         what);
}

/* ------------------------------------------------------------------ */
/* JSON punctuation                                                   */
/* ------------------------------------------------------------------ */

/* A value or member follows another at the same level: comma. */
static int w_sep(wctx *w)
{
    if (!w->need_comma)
        return 0;
    w->need_comma = false;
    return ddb_buf_putc(w->out, ',');
}

int ddb_w_member(wctx *w, const char *name)
{
    int rc = w_sep(w);
    if (rc == 0)
        rc = ddb_json_put_string(w->out, name, strlen(name));
    if (rc == 0)
        rc = ddb_buf_putc(w->out, ':');
    w->need_comma = false;
    return rc;
}

int ddb_w_open(wctx *w, char c)
{
    int rc = w_sep(w);
    w->need_comma = false;
    return rc != 0 ? rc : ddb_buf_putc(w->out, c);
}

int ddb_w_close(wctx *w, char c)
{
    w->need_comma = true;
    return ddb_buf_putc(w->out, c);
}

int ddb_w_string(wctx *w, const char *s)
{
    int rc = w_sep(w);
    w->need_comma = true;
    return rc != 0 ? rc : ddb_json_put_string(w->out, s, strlen(s));
}

/* Starts a scalar value written by another function; the caller writes it
 * and the comma state says "something was written". */
static int w_scalar(wctx *w)
{
    int rc = w_sep(w);
    w->need_comma = true;
    return rc;
}

int ddb_w_raw(wctx *w, const char *json)
{
    int rc = w_scalar(w);
    return rc != 0 ? rc : ddb_buf_puts(w->out, json);
}

/* ------------------------------------------------------------------ */
/* Field kinds                                                        */
/* ------------------------------------------------------------------ */

static int write_str(wctx *w, const wfield *f, const char *s)
{
    if (s == NULL || (*s == '\0' && (f->flags & W_REQUIRED)))
        return (f->flags & W_REQUIRED) ? ddb_w_error(w, DDB_EINVAL, f->name, "is required") : 0;
    int rc = ddb_w_member(w, f->name);
    return rc != 0 ? rc : ddb_w_string(w, s);
}

/* Item-form maps: required ones must be non-empty; empty optional ones are
 * left out (DynamoDB rejects empty expression maps). */
static int check_map_field(wctx *w, const wfield *f, const ddb_av *v, bool *send)
{
    *send = false;
    if (v == NULL)
        return (f->flags & W_REQUIRED) ? ddb_w_error(w, DDB_EINVAL, f->name, "is required") : 0;
    if (v->type != DDB_AV_M)
        return ddb_w_error(w, DDB_ETYPE, f->name, "must be a map (M)");
    if (ddb_av_len(v) == 0)
        return (f->flags & W_REQUIRED) ? ddb_w_error(w, DDB_EINVAL, f->name, "must not be empty")
                                       : 0;
    *send = true;
    return 0;
}

static int write_item(wctx *w, const wfield *f, const ddb_av *v)
{
    bool send;
    int rc = check_map_field(w, f, v, &send);
    if (rc != 0 || !send)
        return rc;
    rc = ddb_w_member(w, f->name);
    if (rc == 0)
        rc = w_scalar(w);
    return rc != 0 ? rc : ddb_item_write_json(w->out, v);
}

static int write_names(wctx *w, const wfield *f, const ddb_av *v)
{
    bool send;
    int rc = check_map_field(w, f, v, &send);
    if (rc != 0 || !send)
        return rc;
    rc = ddb_w_member(w, f->name);
    if (rc == 0)
        rc = ddb_w_open(w, '{');
    for (size_t i = 0; i < v->u.map.len && rc == 0; i++) {
        const ddb_av_member *m = &v->u.map.items[i];
        if (m->value == NULL || m->value->type != DDB_AV_S)
            return ddb_w_error(w, DDB_ETYPE, f->name, "values must be strings (S)");
        rc = ddb_w_member(w, m->name);
        if (rc == 0)
            rc = w_scalar(w);
        if (rc == 0)
            rc = ddb_json_put_string(w->out, m->value->u.str.ptr, m->value->u.str.len);
    }
    return rc != 0 ? rc : ddb_w_close(w, '}');
}

static int write_bool(wctx *w, const wfield *f, bool v)
{
    if (!v && !(f->flags & W_ALWAYS))
        return 0;
    bool wire = (f->flags & W_NEGATE) ? !v : v;
    int rc = ddb_w_member(w, f->name);
    return rc != 0 ? rc : ddb_w_raw(w, wire ? "true" : "false");
}

int ddb_w_number(wctx *w, const char *name, int64_t v)
{
    int rc = ddb_w_member(w, name);
    if (rc == 0)
        rc = w_scalar(w);
    return rc != 0 ? rc : ddb_buf_put_i64(w->out, v);
}

static int write_i64(wctx *w, const wfield *f, int64_t v)
{
    return v != 0 ? ddb_w_number(w, f->name, v) : 0;
}

static int bad_value(wctx *w, const wfield *f, long v)
{
    char what[64];
    snprintf(what, sizeof what, "has the invalid value %ld", v);
    return ddb_w_error(w, DDB_EINVAL, f->name, what);
}

static int write_enum(wctx *w, const wfield *f, int v)
{
    if (v < 0 || (size_t)v >= f->limit || (v != 0 && f->names[v] == NULL))
        return bad_value(w, f, v);
    if (f->names[v] == NULL || (v == 0 && !(f->flags & W_ALWAYS)))
        return (f->flags & W_REQUIRED) ? ddb_w_error(w, DDB_EINVAL, f->name, "is required") : 0;
    int rc = ddb_w_member(w, f->name);
    return rc != 0 ? rc : ddb_w_string(w, f->names[v]);
}

/* A nested object, dropped again when none of its fields was sent. */
static int write_object(wctx *w, const wfield *f, const void *v)
{
    size_t mark = w->out->len;
    bool comma = w->need_comma;
    size_t saved = ddb_w_push(w, f->name, 0, false);
    int rc = ddb_w_member(w, f->name);
    size_t start = w->out->len;
    if (rc == 0)
        rc = ddb_w_object(w, f->table, v);
    ddb_w_pop(w, saved);
    if (rc == 0 && w->out->len == start + 2) { /* "{}" */
        w->out->len = mark;
        w->out->data[mark] = '\0';
        w->need_comma = comma;
    }
    return rc;
}

/* Common checks of the array kinds; *n is the element count (0: skip). */
int ddb_w_check_array(wctx *w, const wfield *f, const void *base, const void *arr, size_t *n)
{
    *n = *(const size_t *)at(base, f->count_offset);
    char what[96];
    if (*n == 0)
        return (f->flags & W_REQUIRED) ? ddb_w_error(w, DDB_EINVAL, f->name, "must not be empty")
                                       : 0;
    if (arr == NULL) {
        snprintf(what, sizeof what, "is NULL but has a count of %zu", *n);
        return ddb_w_error(w, DDB_EINVAL, f->name, what);
    }
    if (f->limit != 0 && *n > f->limit) {
        snprintf(what, sizeof what, "has %zu entries; at most %zu are allowed", *n, f->limit);
        return ddb_w_error(w, f->limit_code, f->name, what);
    }
    return 0;
}

static int write_list_field(wctx *w, const wfield *f, const void *base)
{
    const char *arr = *(const char *const *)at(base, f->offset);
    size_t n;
    int rc = ddb_w_check_array(w, f, base, arr, &n);
    if (rc != 0 || n == 0)
        return rc;
    rc = ddb_w_member(w, f->name);
    if (rc == 0)
        rc = ddb_w_open(w, '[');
    for (size_t i = 0; i < n && rc == 0; i++) {
        size_t saved = ddb_w_push(w, f->name, i, true);
        rc = ddb_w_object(w, f->table, arr + i * f->elem_size);
        ddb_w_pop(w, saved);
    }
    return rc != 0 ? rc : ddb_w_close(w, ']');
}

static int write_union(wctx *w, const wfield *f, const void *base)
{
    int v = *(const int *)at(base, f->offset);
    if (v < 0 || (size_t)v >= f->limit)
        return bad_value(w, f, v);
    const wvariant *var = &f->variants[v];
    size_t saved = ddb_w_push(w, var->name, 0, false);
    int rc = ddb_w_member(w, var->name);
    if (rc == 0)
        rc = ddb_w_object(w, var->table, at(base, var->offset));
    ddb_w_pop(w, saved);
    return rc;
}

static int write_items(wctx *w, const wfield *f, const void *base)
{
    const ddb_av *const *items = *(const ddb_av *const *const *)at(base, f->offset);
    size_t n;
    int rc = ddb_w_check_array(w, f, base, items, &n);
    if (rc != 0 || n == 0)
        return rc;
    rc = ddb_w_member(w, f->name);
    if (rc == 0)
        rc = ddb_w_open(w, '[');
    const wfield elem = {.name = f->name, .kind = W_ITEM, .flags = W_REQUIRED};
    for (size_t i = 0; i < n && rc == 0; i++) {
        bool send;
        size_t saved = ddb_w_push(w, f->name, i, true);
        rc = check_map_field(w, &elem, items[i], &send);
        ddb_w_pop(w, saved);
        if (rc == 0)
            rc = w_scalar(w);
        if (rc == 0)
            rc = ddb_item_write_json(w->out, items[i]);
    }
    return rc != 0 ? rc : ddb_w_close(w, ']');
}

static int write_strs(wctx *w, const wfield *f, const void *base)
{
    const char *const *strs = *(const char *const *const *)at(base, f->offset);
    size_t n;
    int rc = ddb_w_check_array(w, f, base, strs, &n);
    if (rc != 0 || n == 0)
        return rc;
    rc = ddb_w_member(w, f->name);
    if (rc == 0)
        rc = ddb_w_open(w, '[');
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = strs[i] != NULL ? ddb_w_string(w, strs[i])
                             : ddb_w_error(w, DDB_EINVAL, f->name, "holds a NULL string");
    return rc != 0 ? rc : ddb_w_close(w, ']');
}

static int write_field(wctx *w, const wfield *f, const void *base)
{
    const void *p = at(base, f->offset);
    int rc = 0;
    switch (f->kind) {
    case W_STR:
        rc = write_str(w, f, *(const char *const *)p);
        break;
    case W_ITEM:
        rc = write_item(w, f, *(const ddb_av *const *)p);
        break;
    case W_NAMES:
        rc = write_names(w, f, *(const ddb_av *const *)p);
        break;
    case W_BOOL:
        rc = write_bool(w, f, *(const bool *)p);
        break;
    case W_U32:
        rc = write_i64(w, f, *(const uint32_t *)p);
        break;
    case W_I64:
        rc = write_i64(w, f, *(const int64_t *)p);
        break;
    case W_ENUM:
        rc = write_enum(w, f, *(const int *)p);
        break;
    case W_OBJECT:
        rc = write_object(w, f, p);
        break;
    case W_ARRAY:
        rc = write_list_field(w, f, base);
        break;
    case W_UNION:
        rc = write_union(w, f, base);
        break;
    case W_ITEMS:
        rc = write_items(w, f, base);
        break;
    case W_STRS:
        rc = write_strs(w, f, base);
        break;
    case W_CUSTOM:
        rc = f->custom(w, f, base);
        break;
    }
    return rc;
}

int ddb_w_object(wctx *w, const wtable *t, const void *base)
{
    int rc = ddb_w_open(w, '{');
    for (size_t i = 0; i < t->n && rc == 0; i++)
        rc = write_field(w, &t->fields[i], base);
    return rc != 0 ? rc : ddb_w_close(w, '}');
}

int ddb_ops_write_request(ddb_buf *out, const char *op, const wtable *table, const void *in)
{
    wctx w = {.out = out, .op = op};
    if (in == NULL)
        return ddb_error_set(DDB_EINVAL, "%s: the input is NULL", op);
    return ddb_w_object(&w, table, in);
}
