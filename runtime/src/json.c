/*
 * json.c - DynamoDB JSON writers, the public parse entry points, and the
 * x-amz-crc32 checksum. The grammar itself lives in json_av.c, the tokens
 * in json_lex.c.
 */
#include "feature_macros.h" /* first: feature-test macros before any system header */

#include "ddb/json.h"

#include <string.h>
#include <zlib.h>

#include "av_internal.h"
#include "ddb/error.h"
#include "json_parse.h"

/* --- writers ----------------------------------------------------------------- */

static int put_escape(ddb_buf *out, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    static const char from[] = "\"\\\b\f\n\r\t";
    static const char to[] = "\"\\bfnrt";
    const char *simple = c != '\0' ? strchr(from, c) : NULL;
    if (simple != NULL) {
        char e[2] = {'\\', to[simple - from]};
        return ddb_buf_append(out, e, sizeof e);
    }
    char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
    return ddb_buf_append(out, e, sizeof e);
}

/* Appends the string without restoring `out` on failure. */
static int put_string(ddb_buf *out, const char *s, size_t len)
{
    if (s == NULL && len != 0)
        return ddb_error_set(DDB_EINVAL, "string is NULL");
    const unsigned char *p = (const unsigned char *)(len != 0 ? s : "");
    const unsigned char *end = p + len;
    const unsigned char *run = p;           /* start of bytes not yet appended */
    int rc = ddb_buf_reserve(out, len + 2); /* enough unless escapes are needed */
    if (rc != 0)
        return rc;
    out->data[out->len++] = '"';
    while (rc == 0 && (p = ddb_json_skip_plain(p, end)) < end) {
        if (*p >= 0x80) {
            size_t n = ddb_utf8_seq(p, (size_t)(end - p));
            if (n == 0)
                return ddb_error_set(DDB_EINVAL, "string is not valid UTF-8 (byte %zu)",
                                     (size_t)(p - (const unsigned char *)s));
            p += n;
        } else {
            rc = ddb_buf_append(out, run, (size_t)(p - run));
            if (rc == 0)
                rc = put_escape(out, *p);
            run = ++p;
        }
    }
    if (rc == 0)
        rc = ddb_buf_append(out, run, (size_t)(p - run));
    return rc != 0 ? rc : ddb_buf_putc(out, '"');
}

/* Undoes a failed write: `out` gets back its length `mark`. */
static int restore(ddb_buf *out, size_t mark, int rc)
{
    if (rc != 0 && out->data != NULL) {
        out->len = mark;
        out->data[mark] = '\0';
    }
    return rc;
}

int ddb_json_put_string(ddb_buf *out, const char *s, size_t len)
{
    size_t mark = out->len;
    return restore(out, mark, put_string(out, s, len));
}

static int check_depth(unsigned depth)
{
    if (depth < DDB_JSON_MAX_DEPTH)
        return 0;
    return ddb_error_set(DDB_EINVAL, "attribute values nested deeper than DynamoDB JSON allows (%d levels)",
                         DDB_JSON_MAX_DEPTH);
}

/* The JSON string of an S, N or B value (or set element). */
static int write_scalar(ddb_buf *out, const ddb_av *v)
{
    if (v->type == DDB_AV_S)
        return put_string(out, v->u.str.ptr, v->u.str.len);
    int rc = 0;
    if (v->type == DDB_AV_N) {
        const char *why = ddb_number_problem(v->u.str.ptr, v->u.str.len);
        if (why != NULL)
            return ddb_error_set(DDB_EINVAL, "N value \"%.64s\": %s", v->u.str.ptr, why);
        rc = ddb_buf_putc(out, '"');
        if (rc == 0)
            rc = ddb_buf_append(out, v->u.str.ptr, v->u.str.len);
    } else {
        rc = ddb_buf_putc(out, '"');
        if (rc == 0)
            rc = ddb_base64_encode(out, (const unsigned char *)v->u.str.ptr, v->u.str.len);
    }
    return rc != 0 ? rc : ddb_buf_putc(out, '"');
}

static int write_value(ddb_buf *out, const ddb_av *v, unsigned depth);

/* [ ... ] of an L or set value, opening at `depth`. */
static int write_array(ddb_buf *out, const ddb_av *list, unsigned depth)
{
    int rc = check_depth(depth);
    if (rc == 0)
        rc = ddb_buf_putc(out, '[');
    for (size_t i = 0; rc == 0 && i < list->u.list.len; i++) {
        const ddb_av *e = list->u.list.items[i];
        if (i != 0)
            rc = ddb_buf_putc(out, ',');
        if (rc == 0)
            rc = list->type == DDB_AV_L ? write_value(out, e, depth + 1) : write_scalar(out, e);
    }
    return rc != 0 ? rc : ddb_buf_putc(out, ']');
}

/* {"name":<value>,...} of an M value or item, opening at `depth`. */
static int write_members(ddb_buf *out, const ddb_av *map, unsigned depth)
{
    int rc = check_depth(depth);
    if (rc == 0)
        rc = ddb_buf_putc(out, '{');
    for (size_t i = 0; rc == 0 && i < map->u.map.len; i++) {
        const ddb_av_member *m = &map->u.map.items[i];
        if (i != 0)
            rc = ddb_buf_putc(out, ',');
        if (rc == 0)
            rc = put_string(out, m->name, m->name_len);
        if (rc == 0)
            rc = ddb_buf_putc(out, ':');
        if (rc == 0)
            rc = write_value(out, m->value, depth + 1);
    }
    return rc != 0 ? rc : ddb_buf_putc(out, '}');
}

static int write_payload(ddb_buf *out, const ddb_av *v, unsigned depth)
{
    switch (v->type) {
    case DDB_AV_NULL:
        return ddb_buf_puts(out, "true");
    case DDB_AV_BOOL:
        return ddb_buf_puts(out, v->u.boolean ? "true" : "false");
    case DDB_AV_S:
    case DDB_AV_N:
    case DDB_AV_B:
        return write_scalar(out, v);
    case DDB_AV_SS:
    case DDB_AV_NS:
    case DDB_AV_BS:
    case DDB_AV_L:
        return write_array(out, v, depth);
    case DDB_AV_M:
        return write_members(out, v, depth);
    }
    return ddb_error_set(DDB_EINVAL, "unknown attribute type %d", (int)v->type);
}

/* Appends {"<tag>": in one step (the writer's most frequent text). */
static int open_value(ddb_buf *out, ddb_av_type t)
{
    const char *tag = ddb_av_type_tag(t);
    size_t n = strlen(tag);
    int rc = ddb_buf_reserve(out, n + 4);
    if (rc != 0)
        return rc;
    char *p = out->data + out->len;
    *p++ = '{';
    *p++ = '"';
    memcpy(p, tag, n);
    p += n;
    *p++ = '"';
    *p++ = ':';
    *p = '\0';
    out->len = (size_t)(p - out->data);
    return 0;
}

/* {"<tag>":<payload>} opening at `depth`. */
static int write_value(ddb_buf *out, const ddb_av *v, unsigned depth)
{
    if (v == NULL)
        return ddb_error_set(DDB_EINVAL, "attribute value is NULL");
    int rc = check_depth(depth);
    if (rc == 0)
        rc = open_value(out, v->type);
    if (rc == 0)
        rc = write_payload(out, v, depth + 1);
    return rc != 0 ? rc : ddb_buf_putc(out, '}');
}

int ddb_av_write_json(ddb_buf *out, const ddb_av *v)
{
    size_t mark = out->len;
    return restore(out, mark, write_value(out, v, 0));
}

int ddb_item_write_json(ddb_buf *out, const ddb_av *item)
{
    if (item == NULL)
        return ddb_error_set(DDB_EINVAL, "item is NULL");
    if (item->type != DDB_AV_M)
        return ddb_error_set(DDB_ETYPE, "an item must be an M value, not %s", ddb_av_type_tag(item->type));
    size_t mark = out->len;
    return restore(out, mark, write_members(out, item, 0));
}

/* --- parsers ----------------------------------------------------------------- */

typedef int (*grammar_fn)(ddb_jlex *lx, unsigned depth, ddb_av **out);

static int parse_whole(const char *text, size_t len, grammar_fn grammar, ddb_av **out)
{
    if (out == NULL)
        return ddb_error_set(DDB_EINVAL, "output pointer is NULL");
    *out = NULL;
    if (text == NULL && len != 0)
        return ddb_error_set(DDB_EINVAL, "JSON text is NULL");
    ddb_jlex lx;
    ddb_jlex_init(&lx, len != 0 ? text : "", len);
    ddb_av *v = NULL;
    int rc = grammar(&lx, 0, &v);
    if (rc == 0)
        rc = ddb_jlex_finish(&lx);
    ddb_jlex_release(&lx);
    if (rc != 0) {
        ddb_av_free(v);
        return rc;
    }
    *out = v;
    return 0;
}

int ddb_av_parse_json(ddb_av **out, const char *text, size_t len)
{
    return parse_whole(text, len, ddb_jlex_av, out);
}

int ddb_item_parse_json(ddb_av **out, const char *text, size_t len)
{
    return parse_whole(text, len, ddb_jlex_item, out);
}

/* --- checksum ---------------------------------------------------------------- */

uint32_t ddb_crc32(const void *data, size_t len)
{
    return (uint32_t)crc32_z(0L, len != 0 ? data : NULL, len);
}
