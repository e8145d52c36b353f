/* tmpl_value.c - template values: reference-counted scalars, lists, dicts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ddb/error.h"
#include "tmpl_int.h"

static tmpl_value *value_new(tmpl_kind kind)
{
    tmpl_value *v = calloc(1, sizeof *v);
    if (v == NULL)
        return NULL;
    atomic_init(&v->refs, 1);
    v->kind = kind;
    return v;
}

tmpl_value *tmpl_str_n(const char *s, size_t len)
{
    char *copy = malloc(len + 1);
    tmpl_value *v = value_new(TMPL_STR);
    if (copy == NULL || v == NULL) {
        free(copy);
        free(v);
        return NULL;
    }
    if (len != 0)
        memcpy(copy, s, len);
    copy[len] = '\0';
    v->u.str.s = copy;
    v->u.str.len = len;
    return v;
}

tmpl_value *tmpl_str(const char *s)
{
    return s != NULL ? tmpl_str_n(s, strlen(s)) : NULL;
}

static tmpl_value *str_take(char *s, size_t len)
{
    tmpl_value *v = s != NULL ? value_new(TMPL_STR) : NULL;
    if (v == NULL) {
        free(s);
        return NULL;
    }
    v->u.str.s = s;
    v->u.str.len = len;
    return v;
}

tmpl_value *tmpl_str_own(char *s)
{
    return str_take(s, s != NULL ? strlen(s) : 0);
}

tmpl_value *tmpl_str_buf(ddb_buf *b)
{
    size_t len = 0;
    char *s = ddb_buf_steal(&len, b);
    return str_take(s, len);
}

tmpl_value *tmpl_int(long long i)
{
    tmpl_value *v = value_new(TMPL_INT);
    if (v != NULL)
        v->u.i = i;
    return v;
}

tmpl_value *tmpl_bool(bool b)
{
    tmpl_value *v = value_new(TMPL_BOOL);
    if (v != NULL)
        v->u.b = b;
    return v;
}

tmpl_value *tmpl_none(void)
{
    return value_new(TMPL_NONE);
}

tmpl_value *tmpl_list(void)
{
    return value_new(TMPL_LIST);
}

tmpl_value *tmpl_dict(void)
{
    return value_new(TMPL_DICT);
}

tmpl_value *tmpl_macro_new(const tmpl_node *def, const tmpl_template *tpl, tmpl_frame *scope)
{
    tmpl_value *v = value_new(TMPL_MACRO);
    if (v != NULL)
        v->u.macro = (tmpl_macro){def, tpl, scope};
    return v;
}

tmpl_value *tmpl_value_ref(const tmpl_value *v)
{
    if (v == NULL)
        return NULL;
    /* Only the reference count changes; the value itself stays as it is. */
    tmpl_value *mut = (tmpl_value *)v;
    atomic_fetch_add_explicit(&mut->refs, 1, memory_order_relaxed);
    return mut;
}

static void free_items(tmpl_value *v)
{
    switch (v->kind) {
    case TMPL_STR:
        free(v->u.str.s);
        break;
    case TMPL_LIST:
        for (size_t i = 0; i < v->u.list.len; i++)
            tmpl_value_free(v->u.list.items[i]);
        free(v->u.list.items);
        break;
    case TMPL_DICT:
        for (size_t i = 0; i < v->u.dict.len; i++) {
            free(v->u.dict.entries[i].key);
            tmpl_value_free(v->u.dict.entries[i].value);
        }
        free(v->u.dict.entries);
        break;
    case TMPL_NONE:
    case TMPL_BOOL:
    case TMPL_INT:
    case TMPL_MACRO:
        break;
    }
}

void tmpl_value_free(tmpl_value *v)
{
    if (v == NULL || atomic_fetch_sub_explicit(&v->refs, 1, memory_order_acq_rel) != 1)
        return;
    free_items(v);
    free(v);
}

/* Makes room for one more element of `size` bytes in the array *items. */
static int grow(void **items, size_t *cap, size_t len, size_t size)
{
    if (len < *cap)
        return 0;
    size_t ncap = *cap != 0 ? *cap * 2 : 8;
    if (ncap > SIZE_MAX / size)
        return ddb_error_set(DDB_ENOMEM, "template value too large");
    void *p = realloc(*items, ncap * size);
    if (p == NULL)
        return ddb_error_set(DDB_ENOMEM, "out of memory growing a template value");
    *items = p;
    *cap = ncap;
    return 0;
}

int tmpl_list_push(tmpl_value *list, tmpl_value *v)
{
    if (list == NULL || list->kind != TMPL_LIST || v == NULL) {
        tmpl_value_free(v);
        return ddb_error_set(DDB_EINVAL, "tmpl_list_push: %s",
                             v == NULL ? "no value" : "not a list");
    }
    void *items = list->u.list.items;
    int rc = grow(&items, &list->u.list.cap, list->u.list.len, sizeof(tmpl_value *));
    list->u.list.items = items;
    if (rc != 0) {
        tmpl_value_free(v);
        return rc;
    }
    list->u.list.items[list->u.list.len++] = v;
    return 0;
}

static tmpl_entry *dict_find(const tmpl_value *dict, const char *key, size_t len)
{
    for (size_t i = 0; i < dict->u.dict.len; i++) {
        tmpl_entry *e = &dict->u.dict.entries[i];
        if (e->key_len == len && memcmp(e->key, key, len) == 0)
            return e;
    }
    return NULL;
}

/* Appends the entry `key` (copied) -> `v`; `v` is the caller's on failure. */
static int dict_add(tmpl_value *dict, const char *key, tmpl_value *v)
{
    void *entries = dict->u.dict.entries;
    int rc = grow(&entries, &dict->u.dict.cap, dict->u.dict.len, sizeof(tmpl_entry));
    dict->u.dict.entries = entries;
    if (rc != 0)
        return rc;
    size_t len = strlen(key);
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return ddb_error_set(DDB_ENOMEM, "out of memory copying a dict key");
    memcpy(copy, key, len + 1);
    dict->u.dict.entries[dict->u.dict.len++] = (tmpl_entry){copy, len, v};
    return 0;
}

int tmpl_dict_set(tmpl_value *dict, const char *key, tmpl_value *v)
{
    if (dict == NULL || dict->kind != TMPL_DICT || key == NULL || v == NULL) {
        tmpl_value_free(v);
        return ddb_error_set(DDB_EINVAL, "tmpl_dict_set: %s",
                             v == NULL || key == NULL ? "no key or value" : "not a dict");
    }
    tmpl_entry *e = dict_find(dict, key, strlen(key));
    if (e != NULL) {
        tmpl_value_free(e->value);
        e->value = v;
        return 0;
    }
    int rc = dict_add(dict, key, v);
    if (rc != 0)
        tmpl_value_free(v);
    return rc;
}

const tmpl_value *tmpl_dict_getn(const tmpl_value *dict, const char *key, size_t len)
{
    if (dict == NULL || dict->kind != TMPL_DICT)
        return NULL;
    const tmpl_entry *e = dict_find(dict, key, len);
    return e != NULL ? e->value : NULL;
}

const tmpl_value *tmpl_dict_get(const tmpl_value *dict, const char *key)
{
    return key != NULL ? tmpl_dict_getn(dict, key, strlen(key)) : NULL;
}

const char *tmpl_kind_name(tmpl_kind kind)
{
    switch (kind) {
    case TMPL_NONE:
        return "none";
    case TMPL_BOOL:
        return "boolean";
    case TMPL_INT:
        return "integer";
    case TMPL_STR:
        return "string";
    case TMPL_LIST:
        return "list";
    case TMPL_DICT:
        return "dict";
    case TMPL_MACRO:
        return "macro";
    }
    return "?";
}

bool tmpl_as_int(const tmpl_value *v, long long *out)
{
    if (v->kind != TMPL_INT && v->kind != TMPL_BOOL)
        return false;
    *out = v->kind == TMPL_INT ? v->u.i : v->u.b;
    return true;
}

bool tmpl_truthy(const tmpl_value *v)
{
    switch (v->kind) {
    case TMPL_NONE:
        return false;
    case TMPL_BOOL:
        return v->u.b;
    case TMPL_INT:
        return v->u.i != 0;
    case TMPL_STR:
        return v->u.str.len != 0;
    case TMPL_LIST:
        return v->u.list.len != 0;
    case TMPL_DICT:
        return v->u.dict.len != 0;
    case TMPL_MACRO:
        return true;
    }
    return false;
}

static bool list_equal(const tmpl_value *a, const tmpl_value *b, size_t *left)
{
    if (a->u.list.len != b->u.list.len)
        return false;
    for (size_t i = 0; i < a->u.list.len; i++)
        if (!tmpl_equal(a->u.list.items[i], b->u.list.items[i], left))
            return false;
    return true;
}

/* Dicts are equal when they hold the same keys and values, in any order. */
static bool dict_equal(const tmpl_value *a, const tmpl_value *b, size_t *left)
{
    if (a->u.dict.len != b->u.dict.len)
        return false;
    for (size_t i = 0; i < a->u.dict.len; i++) {
        const tmpl_entry *e = &a->u.dict.entries[i];
        const tmpl_value *other = tmpl_dict_getn(b, e->key, e->key_len);
        if (other == NULL || !tmpl_equal(e->value, other, left))
            return false;
    }
    return true;
}

/* Takes `units` from *left; false (and *left 0) when there are not enough. */
static bool take(size_t *left, size_t units)
{
    if (units >= *left) {
        *left = 0;
        return false;
    }
    *left -= units;
    return true;
}

bool tmpl_equal(const tmpl_value *a, const tmpl_value *b, size_t *left)
{
    long long x, y;
    if (!take(left, 1))
        return false;
    if (a->kind != b->kind)
        return tmpl_as_int(a, &x) && tmpl_as_int(b, &y) && x == y;
    switch (a->kind) {
    case TMPL_NONE:
        return true;
    case TMPL_BOOL:
        return a->u.b == b->u.b;
    case TMPL_INT:
        return a->u.i == b->u.i;
    case TMPL_STR:
        return a->u.str.len == b->u.str.len && take(left, a->u.str.len) &&
               memcmp(a->u.str.s, b->u.str.s, a->u.str.len) == 0;
    case TMPL_LIST:
        return list_equal(a, b, left);
    case TMPL_DICT:
        return dict_equal(a, b, left);
    case TMPL_MACRO:
        return a->u.macro.def == b->u.macro.def && a->u.macro.scope == b->u.macro.scope;
    }
    return false;
}

size_t tmpl_weight(const tmpl_value *v)
{
    switch (v->kind) {
    case TMPL_STR:
        return v->u.str.len + 1;
    case TMPL_LIST:
        return v->u.list.len * sizeof(tmpl_value *) + 1;
    case TMPL_DICT:
        return v->u.dict.len * sizeof(tmpl_entry) + 1;
    case TMPL_NONE:
    case TMPL_BOOL:
    case TMPL_INT:
    case TMPL_MACRO:
        break;
    }
    return 1;
}

int tmpl_put_text(ddb_buf *b, const tmpl_value *v)
{
    switch (v->kind) {
    case TMPL_NONE:
        return ddb_buf_puts(b, "None");
    case TMPL_BOOL:
        return ddb_buf_puts(b, v->u.b ? "True" : "False");
    case TMPL_INT:
        return ddb_buf_printf(b, "%lld", v->u.i);
    case TMPL_STR:
        return ddb_buf_append(b, v->u.str.s, v->u.str.len);
    case TMPL_LIST:
    case TMPL_DICT:
    case TMPL_MACRO:
        break;
    }
    return DDB_EINVAL;
}
