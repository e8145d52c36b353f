/*
 * json_av.c - DynamoDB JSON grammar: value form {"<tag>":...} and item
 * form {"name":<value form>,...}, parsed straight into ddb_av trees by
 * recursive descent over the lexer in json_lex.c.
 */
#include "feature_macros.h" /* first: feature-test macros before any system header */

#include <stdlib.h>
#include <string.h>

#include "av_internal.h"
#include "ddb/error.h"
#include "json_parse.h"

/* Type whose wire tag is the `len` bytes at `text`, or -1. */
static int tag_lookup(const char *text, size_t len)
{
    for (int t = DDB_AV_NULL; t <= DDB_AV_M; t++) {
        const char *tag = ddb_av_tags[t];
        size_t i = 0;
        while (i < len && tag[i] != '\0' && tag[i] == text[i])
            i++;
        if (i == len && tag[i] == '\0')
            return t;
    }
    return -1;
}

/* Type whose wire tag the string token spells, or -1. */
static int tag_type(const ddb_jstr *tag)
{
    if (!tag->escaped)
        return tag_lookup(tag->raw, tag->raw_len);
    char text[8];
    if (tag->len >= sizeof text)
        return -1;
    ddb_jstr_copy(tag, text);
    return tag_lookup(text, tag->len);
}

/* Base64 text of a B value -> lx->bytes. */
static int decode_base64(ddb_jlex *lx, const ddb_jstr *s)
{
    const char *text = s->raw;
    ddb_buf_reset(&lx->bytes);
    if (s->escaped) { /* e.g. "\/" from encoders that escape slashes */
        ddb_buf_reset(&lx->text);
        int rc = ddb_buf_reserve(&lx->text, s->len);
        if (rc != 0)
            return rc;
        ddb_jstr_copy(s, lx->text.data);
        text = lx->text.data;
    }
    return ddb_base64_decode(&lx->bytes, text, s->len);
}

/* S, N or B value from a string token; `at` is where the token starts. */
static int scalar_node(ddb_jlex *lx, ddb_av_type t, const char *at, const ddb_jstr *s, ddb_av **out)
{
    if (t == DDB_AV_B) {
        int rc = decode_base64(lx, s);
        if (rc == DDB_EINVAL)
            return ddb_jlex_reject(lx, at, "expected base64 text in a B value");
        *out = rc == 0 ? ddb_av_b(lx->bytes.data, lx->bytes.len) : NULL;
        return *out != NULL ? 0 : DDB_ENOMEM;
    }
    ddb_av *v = ddb_av_str_alloc(t, s->len);
    if (v == NULL)
        return DDB_ENOMEM;
    ddb_jstr_copy(s, v->u.str.ptr);
    const char *why = t == DDB_AV_N ? ddb_number_problem(v->u.str.ptr, v->u.str.len) : NULL;
    if (why != NULL) {
        ddb_av_free(v);
        return ddb_jlex_reject(lx, at, "expected a DynamoDB number in an N value: %s", why);
    }
    *out = v;
    return 0;
}

static int scalar(ddb_jlex *lx, ddb_av_type t, ddb_av **out)
{
    ddb_jstr s;
    ddb_jlex_peek(lx);
    const char *at = lx->p;
    int rc = ddb_jlex_string(lx, &s);
    return rc != 0 ? rc : scalar_node(lx, t, at, &s, out);
}

/* L, SS, NS or BS: a JSON array opening at `depth`. */
static int array(ddb_jlex *lx, ddb_av_type t, unsigned depth, ddb_av **out)
{
    int rc = ddb_jlex_enter(lx, depth);
    if (rc == 0)
        rc = ddb_jlex_expect(lx, '[', "'[' opening a list or set");
    if (rc != 0)
        return rc;
    ddb_av *v = ddb_av_new(t);
    if (v == NULL)
        return DDB_ENOMEM;
    bool first = true;
    while ((rc = ddb_jlex_more(lx, ']', &first)) > 0) {
        ddb_av *child = NULL;
        rc = t == DDB_AV_L ? ddb_jlex_av(lx, depth + 1, &child) : scalar(lx, ddb_av_set_element(t), &child);
        if (rc != 0 || (rc = ddb_av_list_push(v, child)) != 0)
            break;
    }
    if (rc != 0) {
        ddb_av_free(v);
        return rc;
    }
    *out = v;
    return 0;
}

static int null_value(ddb_jlex *lx, ddb_av **out)
{
    bool value;
    ddb_jlex_peek(lx);
    const char *at = lx->p;
    int rc = ddb_jlex_bool(lx, &value);
    if (rc == 0 && !value)
        return ddb_jlex_reject(lx, at, "expected true in a NULL value, found false");
    *out = rc == 0 ? ddb_av_null() : NULL;
    return rc != 0 ? rc : *out != NULL ? 0 : DDB_ENOMEM;
}

static int bool_value(ddb_jlex *lx, ddb_av **out)
{
    bool value;
    int rc = ddb_jlex_bool(lx, &value);
    *out = rc == 0 ? ddb_av_bool(value) : NULL;
    return rc != 0 ? rc : *out != NULL ? 0 : DDB_ENOMEM;
}

/* The part after "<tag>": of a value form; `depth` counts the value
 * object, so containers of the payload open at `depth`. */
static int payload(ddb_jlex *lx, ddb_av_type t, unsigned depth, ddb_av **out)
{
    switch (t) {
    case DDB_AV_S:
    case DDB_AV_N:
    case DDB_AV_B:
        return scalar(lx, t, out);
    case DDB_AV_BOOL:
        return bool_value(lx, out);
    case DDB_AV_NULL:
        return null_value(lx, out);
    case DDB_AV_SS:
    case DDB_AV_NS:
    case DDB_AV_BS:
    case DDB_AV_L:
        return array(lx, t, depth, out);
    case DDB_AV_M:
        return ddb_jlex_item(lx, depth, out);
    }
    return ddb_error_set(DDB_EPROTOCOL, "unknown attribute type %d", (int)t);
}

/* Opening of a value form up to and including the ':' after the tag. */
static int value_head(ddb_jlex *lx, unsigned depth, ddb_av_type *type)
{
    int rc = ddb_jlex_enter(lx, depth);
    if (rc == 0)
        rc = ddb_jlex_expect(lx, '{', "'{' opening an AttributeValue");
    if (rc != 0)
        return rc;
    if (ddb_jlex_peek(lx) != '"')
        return ddb_jlex_fail(lx, lx->p, "an AttributeValue type tag");
    const char *at = lx->p;
    ddb_jstr tag;
    rc = ddb_jlex_string(lx, &tag);
    if (rc != 0)
        return rc;
    int t = tag_type(&tag);
    if (t < 0)
        return ddb_jlex_reject(lx, at,
                               "expected an AttributeValue type tag (S N B BOOL NULL SS NS BS L M), found \"%.*s\"",
                               (int)(tag.raw_len > 16 ? 16 : tag.raw_len), tag.raw);
    *type = (ddb_av_type)t;
    return ddb_jlex_expect(lx, ':', "':' after the type tag");
}

int ddb_jlex_av(ddb_jlex *lx, unsigned depth, ddb_av **out)
{
    ddb_av_type t = DDB_AV_NULL;
    *out = NULL;
    int rc = value_head(lx, depth, &t);
    if (rc == 0)
        rc = payload(lx, t, depth + 1, out);
    if (rc == 0)
        rc = ddb_jlex_expect(lx, '}', "'}' closing the AttributeValue (one type tag per value)");
    if (rc != 0) {
        ddb_av_free(*out);
        *out = NULL;
    }
    return rc;
}

/* One "name":<value form> of an item or M value. */
static int member(ddb_jlex *lx, unsigned depth, ddb_av *map)
{
    ddb_jstr name;
    int rc = ddb_jlex_string(lx, &name);
    if (rc == 0)
        rc = ddb_jlex_expect(lx, ':', "':' after the attribute name");
    if (rc != 0)
        return rc;
    char *copy = malloc(name.len + 1);
    if (copy == NULL)
        return ddb_error_set(DDB_ENOMEM, "out of memory copying an attribute name");
    ddb_jstr_copy(&name, copy);
    ddb_av *value;
    rc = ddb_jlex_av(lx, depth, &value);
    if (rc != 0) {
        free(copy);
        return rc;
    }
    return ddb_av_map_append(map, copy, name.len, value);
}

static int check_unique(const ddb_jlex *lx, const char *at, const ddb_av *map)
{
    const char *dup = NULL;
    int rc = map->u.map.len < 2 ? 0 : ddb_av_map_has_duplicate(map, &dup);
    if (rc > 0)
        return ddb_jlex_reject(lx, at, "expected unique attribute names, found \"%.64s\" twice", dup);
    return rc;
}

int ddb_jlex_item(ddb_jlex *lx, unsigned depth, ddb_av **out)
{
    *out = NULL;
    int rc = ddb_jlex_enter(lx, depth);
    ddb_jlex_peek(lx);
    const char *at = lx->p;
    if (rc == 0)
        rc = ddb_jlex_expect(lx, '{', "'{' opening an item or M value");
    if (rc != 0)
        return rc;
    ddb_av *map = ddb_av_new(DDB_AV_M);
    if (map == NULL)
        return DDB_ENOMEM;
    bool first = true;
    while ((rc = ddb_jlex_more(lx, '}', &first)) > 0 && (rc = member(lx, depth + 1, map)) == 0)
        ;
    if (rc == 0)
        rc = check_unique(lx, at, map);
    if (rc != 0) {
        ddb_av_free(map);
        return rc;
    }
    *out = map;
    return 0;
}
