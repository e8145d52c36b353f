/*
 * av.c - the AttributeValue tree: construction, containers, lookup, typed
 * reads, clone, equality (DynamoDB's number rules: number.c).
 *
 * Memory layout: an S, N or B node and its payload are one allocation (the
 * bytes follow the struct), so a scalar costs one malloc. Containers own a
 * growable array of children (L, SS, NS, BS) or members (M); every member
 * name is its own allocation.
 */
#include "feature_macros.h" /* first: feature-test macros before any system header */

#include "ddb/av.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "av_internal.h"
#include "ddb/error.h"
#include "number.h"

/* ---------------------------------------------------------------------------
 * Nodes
 * ------------------------------------------------------------------------- */

const char *const ddb_av_tags[DDB_AV_M + 1] = {
    [DDB_AV_NULL] = "NULL", [DDB_AV_S] = "S",   [DDB_AV_N] = "N",   [DDB_AV_B] = "B", [DDB_AV_BOOL] = "BOOL",
    [DDB_AV_SS] = "SS",     [DDB_AV_NS] = "NS", [DDB_AV_BS] = "BS", [DDB_AV_L] = "L", [DDB_AV_M] = "M",
};

const char *ddb_av_type_tag(ddb_av_type t)
{
    return (unsigned)t <= (unsigned)DDB_AV_M ? ddb_av_tags[t] : "?";
}

static bool is_scalar_str(ddb_av_type t)
{
    return t == DDB_AV_S || t == DDB_AV_N || t == DDB_AV_B;
}

static bool is_list(ddb_av_type t)
{
    return t == DDB_AV_L || t == DDB_AV_SS || t == DDB_AV_NS || t == DDB_AV_BS;
}

static bool is_set(ddb_av_type t)
{
    return t == DDB_AV_SS || t == DDB_AV_NS || t == DDB_AV_BS;
}

ddb_av_type ddb_av_set_element(ddb_av_type t)
{
    return t == DDB_AV_SS ? DDB_AV_S : t == DDB_AV_NS ? DDB_AV_N : DDB_AV_B;
}

static ddb_av *node_alloc(ddb_av_type t, size_t extra)
{
    if (extra > SIZE_MAX - sizeof(ddb_av)) {
        ddb_error_set(DDB_ENOMEM, "attribute value of %zu bytes is too large", extra);
        return NULL;
    }
    ddb_av *v = malloc(sizeof *v + extra);
    if (v == NULL) {
        ddb_error_set(DDB_ENOMEM, "out of memory allocating a %s value", ddb_av_type_tag(t));
        return NULL;
    }
    memset(v, 0, sizeof *v);
    v->type = t;
    return v;
}

ddb_av *ddb_av_str_alloc(ddb_av_type t, size_t len)
{
    if (len == SIZE_MAX) {
        ddb_error_set(DDB_ENOMEM, "attribute value too large");
        return NULL;
    }
    ddb_av *v = node_alloc(t, len + 1);
    if (v == NULL)
        return NULL;
    v->u.str.ptr = (char *)(v + 1);
    v->u.str.len = len;
    v->u.str.ptr[len] = '\0';
    return v;
}

static ddb_av *str_new(ddb_av_type t, const void *data, size_t len)
{
    if (data == NULL && len != 0) {
        ddb_error_set(DDB_EINVAL, "%s value: NULL data with length %zu", ddb_av_type_tag(t), len);
        return NULL;
    }
    ddb_av *v = ddb_av_str_alloc(t, len);
    if (v != NULL && len != 0)
        memcpy(v->u.str.ptr, data, len);
    return v;
}

ddb_av *ddb_av_new(ddb_av_type t)
{
    if (is_scalar_str(t))
        return ddb_av_str_alloc(t, 0);
    if ((unsigned)t > (unsigned)DDB_AV_M) {
        ddb_error_set(DDB_EINVAL, "unknown attribute value type %d", (int)t);
        return NULL;
    }
    return node_alloc(t, 0);
}

ddb_av *ddb_av_null(void)
{
    return node_alloc(DDB_AV_NULL, 0);
}

ddb_av *ddb_av_bool(bool v)
{
    ddb_av *av = node_alloc(DDB_AV_BOOL, 0);
    if (av != NULL)
        av->u.boolean = v;
    return av;
}

ddb_av *ddb_av_s(const char *s)
{
    if (s == NULL) {
        ddb_error_set(DDB_EINVAL, "S value: NULL string");
        return NULL;
    }
    return str_new(DDB_AV_S, s, strlen(s));
}

ddb_av *ddb_av_s_len(const char *s, size_t len)
{
    return str_new(DDB_AV_S, s, len);
}

ddb_av *ddb_av_n(const char *text)
{
    size_t len = text != NULL ? strlen(text) : 0;
    if (ddb_number_check(text, len) != 0)
        return NULL;
    return str_new(DDB_AV_N, text, len);
}

ddb_av *ddb_av_n_i64(int64_t v)
{
    char text[24];
    int n = snprintf(text, sizeof text, "%lld", (long long)v);
    return str_new(DDB_AV_N, text, (size_t)n);
}

ddb_av *ddb_av_n_double(double v)
{
    if (!isfinite(v)) {
        ddb_error_set(DDB_EINVAL, "N value: %s is not a finite number", isnan(v) ? "NaN" : "infinity");
        return NULL;
    }
    char text[32];
    ddb_double_shortest(v, text);
    return ddb_av_n(text);
}

ddb_av *ddb_av_b(const void *data, size_t len)
{
    return str_new(DDB_AV_B, data, len);
}

void ddb_av_free(ddb_av *v)
{
    if (v == NULL)
        return;
    if (is_list(v->type)) {
        for (size_t i = 0; i < v->u.list.len; i++)
            ddb_av_free(v->u.list.items[i]);
        free(v->u.list.items);
    } else if (v->type == DDB_AV_M) {
        for (size_t i = 0; i < v->u.map.len; i++) {
            free(v->u.map.items[i].name);
            ddb_av_free(v->u.map.items[i].value);
        }
        free(v->u.map.items);
    }
    free(v);
}

/* ---------------------------------------------------------------------------
 * Containers
 * ------------------------------------------------------------------------- */

/* Makes room for one more element in an array of `size`-byte elements. */
static int grow(void **items, size_t *cap, size_t len, size_t size)
{
    if (len < *cap)
        return 0;
    size_t ncap = *cap != 0 ? *cap * 2 : 4;
    if (ncap > SIZE_MAX / size / 2)
        return ddb_error_set(DDB_ENOMEM, "container too large");
    void *p = realloc(*items, ncap * size);
    if (p == NULL)
        return ddb_error_set(DDB_ENOMEM, "out of memory growing a container to %zu entries", ncap);
    *items = p;
    *cap = ncap;
    return 0;
}

/* Code for a NULL argument. It most likely stands for a constructor that
 * just failed (with DDB_ENOMEM or DDB_EINVAL); that error is kept, message
 * included, so a call chain reports its first failure. */
static int missing(const char *what)
{
    int code = ddb_last_error()->code;
    if (code == DDB_ENOMEM || code == DDB_EINVAL)
        return code;
    return ddb_error_set(DDB_EINVAL, "%s is NULL", what);
}

static int check_list_child(const ddb_av *list, const ddb_av *child)
{
    if (list == NULL)
        return missing("list");
    if (!is_list(list->type))
        return ddb_error_set(DDB_ETYPE, "cannot append to a %s value", ddb_av_type_tag(list->type));
    if (is_set(list->type) && child->type != ddb_av_set_element(list->type))
        return ddb_error_set(DDB_ETYPE, "a %s element cannot be a %s value", ddb_av_type_tag(list->type),
                             ddb_av_type_tag(child->type));
    return 0;
}

int ddb_av_list_push(ddb_av *list, ddb_av *child)
{
    if (child == NULL)
        return missing("list element");
    int rc = check_list_child(list, child);
    if (rc == 0)
        rc = grow((void **)&list->u.list.items, &list->u.list.cap, list->u.list.len, sizeof(ddb_av *));
    if (rc != 0) {
        ddb_av_free(child);
        return rc;
    }
    list->u.list.items[list->u.list.len++] = child;
    return 0;
}

int ddb_av_map_append(ddb_av *map, char *name, size_t name_len, ddb_av *child)
{
    int rc = grow((void **)&map->u.map.items, &map->u.map.cap, map->u.map.len, sizeof(ddb_av_member));
    if (rc != 0) {
        free(name);
        ddb_av_free(child);
        return rc;
    }
    ddb_av_member *m = &map->u.map.items[map->u.map.len++];
    m->name = name;
    m->name_len = name_len;
    m->value = child;
    return 0;
}

static ddb_av_member *member_find(const ddb_av *map, const char *name, size_t len)
{
    for (size_t i = 0; i < map->u.map.len; i++) {
        ddb_av_member *m = &map->u.map.items[i];
        if (m->name_len == len && memcmp(m->name, name, len) == 0)
            return m;
    }
    return NULL;
}

static char *copy_name(const char *name, size_t len)
{
    char *p = malloc(len + 1);
    if (p == NULL) {
        ddb_error_set(DDB_ENOMEM, "out of memory copying an attribute name");
        return NULL;
    }
    memcpy(p, name, len);
    p[len] = '\0';
    return p;
}

static int check_map(const ddb_av *map, const char *name)
{
    if (map == NULL)
        return missing("map");
    if (map->type != DDB_AV_M)
        return ddb_error_set(DDB_ETYPE, "cannot set a member of a %s value", ddb_av_type_tag(map->type));
    if (name == NULL)
        return ddb_error_set(DDB_EINVAL, "attribute name is NULL");
    return 0;
}

int ddb_av_map_set_len(ddb_av *map, const char *name, size_t name_len, ddb_av *child)
{
    if (child == NULL)
        return missing("member value");
    int rc = check_map(map, name);
    if (rc != 0) {
        ddb_av_free(child);
        return rc;
    }
    ddb_av_member *m = member_find(map, name, name_len);
    if (m != NULL) {
        ddb_av_free(m->value);
        m->value = child;
        return 0;
    }
    char *copy = copy_name(name, name_len);
    if (copy == NULL) {
        ddb_av_free(child);
        return DDB_ENOMEM;
    }
    return ddb_av_map_append(map, copy, name_len, child);
}

int ddb_av_map_set(ddb_av *map, const char *name, ddb_av *child)
{
    return ddb_av_map_set_len(map, name, name != NULL ? strlen(name) : 0, child);
}

const ddb_av *ddb_av_map_get(const ddb_av *map, const char *name)
{
    if (map == NULL || map->type != DDB_AV_M || name == NULL)
        return NULL;
    const ddb_av_member *m = member_find(map, name, strlen(name));
    return m != NULL ? m->value : NULL;
}

ddb_av *ddb_av_map_take(ddb_av *map, const char *name)
{
    if (map == NULL || map->type != DDB_AV_M || name == NULL)
        return NULL;
    ddb_av_member *m = member_find(map, name, strlen(name));
    if (m == NULL)
        return NULL;
    ddb_av *value = m->value;
    free(m->name);
    size_t index = (size_t)(m - map->u.map.items);
    memmove(m, m + 1, (map->u.map.len - index - 1) * sizeof *m);
    map->u.map.len--;
    return value;
}

size_t ddb_av_len(const ddb_av *v)
{
    if (v == NULL)
        return 0;
    if (is_list(v->type))
        return v->u.list.len;
    return v->type == DDB_AV_M ? v->u.map.len : 0;
}

/* ---------------------------------------------------------------------------
 * Typed reads
 * ------------------------------------------------------------------------- */

static int expect_n(const ddb_av *v)
{
    if (v == NULL)
        return ddb_error_set(DDB_ETYPE, "expected an N value, got nothing");
    if (v->type != DDB_AV_N)
        return ddb_error_set(DDB_ETYPE, "expected an N value, got %s", ddb_av_type_tag(v->type));
    return 0;
}

static int number_failure(const ddb_av *v, const char *what, const char *why)
{
    return ddb_error_set(DDB_EINVAL, "N value \"%.64s\" as %s: %s", v->u.str.ptr, what, why);
}

int ddb_av_get_i64(int64_t *out, const ddb_av *v)
{
    int rc = expect_n(v);
    if (rc != 0)
        return rc;
    const char *why = ddb_number_to_i64(v->u.str.ptr, v->u.str.len, out);
    return why == NULL ? 0 : number_failure(v, "int64", why);
}

int ddb_av_get_double(double *out, const ddb_av *v)
{
    int rc = expect_n(v);
    if (rc != 0)
        return rc;
    const char *why = ddb_number_problem(v->u.str.ptr, v->u.str.len);
    if (why == NULL)
        why = ddb_number_to_double(v->u.str.ptr, out);
    return why == NULL ? 0 : number_failure(v, "double", why);
}

/* ---------------------------------------------------------------------------
 * Clone
 * ------------------------------------------------------------------------- */

static ddb_av *clone_map(const ddb_av *v)
{
    ddb_av *copy = ddb_av_new(DDB_AV_M);
    for (size_t i = 0; copy != NULL && i < v->u.map.len; i++) {
        const ddb_av_member *m = &v->u.map.items[i];
        ddb_av *value = ddb_av_clone(m->value);
        char *name = value != NULL ? copy_name(m->name, m->name_len) : NULL;
        if (name == NULL || ddb_av_map_append(copy, name, m->name_len, value) != 0) {
            if (name == NULL)
                ddb_av_free(value);
            ddb_av_free(copy);
            copy = NULL;
        }
    }
    return copy;
}

static ddb_av *clone_list(const ddb_av *v)
{
    ddb_av *copy = ddb_av_new(v->type);
    for (size_t i = 0; copy != NULL && i < v->u.list.len; i++) {
        if (ddb_av_list_push(copy, ddb_av_clone(v->u.list.items[i])) != 0) {
            ddb_av_free(copy);
            copy = NULL;
        }
    }
    return copy;
}

ddb_av *ddb_av_clone(const ddb_av *v)
{
    if (v == NULL) {
        ddb_error_set(DDB_EINVAL, "cannot clone a NULL value");
        return NULL;
    }
    if (is_scalar_str(v->type))
        return str_new(v->type, v->u.str.ptr, v->u.str.len);
    if (is_list(v->type))
        return clone_list(v);
    if (v->type == DDB_AV_M)
        return clone_map(v);
    ddb_av *copy = node_alloc(v->type, 0);
    if (copy != NULL)
        copy->u.boolean = v->u.boolean;
    return copy;
}

/* ---------------------------------------------------------------------------
 * Equality. Sets and maps are compared through sorted keys: a set element's
 * key is its bytes (S, B) or its canonical number text (N); a map member's
 * key is its name. Sorting makes the comparison O(n log n) and
 * order-insensitive, and lets sets ignore repeated elements.
 * ------------------------------------------------------------------------- */

typedef struct av_key {
    const char *ptr;
    size_t len;
    const ddb_av *value; /* member value (M) */
} av_key;

/* Key storage: small containers use the inline arrays. */
#define KEYS_INLINE 8

typedef struct key_list {
    av_key *keys;
    char (*canon)[DDB_NUMBER_CANON_MAX]; /* NS only: canonical texts the keys point to */
    size_t n;
    av_key inline_keys[KEYS_INLINE];
} key_list;

static int key_cmp(const void *pa, const void *pb)
{
    const av_key *a = pa;
    const av_key *b = pb;
    int c = memcmp(a->ptr, b->ptr, a->len < b->len ? a->len : b->len);
    if (c != 0)
        return c;
    return a->len < b->len ? -1 : a->len > b->len;
}

/* The key of a number: its canonical text when it parses, else its bytes
 * (an invalid number can only equal the same text: canonical texts are
 * valid numbers, so the two kinds never collide). */
static av_key number_key(const ddb_av *n, char canon[DDB_NUMBER_CANON_MAX])
{
    size_t len = ddb_number_canon(n->u.str.ptr, n->u.str.len, canon);
    return len == 0 ? (av_key){n->u.str.ptr, n->u.str.len, NULL} : (av_key){canon, len, NULL};
}

static void keys_release(key_list *k)
{
    if (k->keys != k->inline_keys)
        free(k->keys);
    free(k->canon);
}

static av_key element_key(const key_list *k, const ddb_av *v, size_t i)
{
    if (v->type == DDB_AV_M)
        return (av_key){v->u.map.items[i].name, v->u.map.items[i].name_len, v->u.map.items[i].value};
    const ddb_av *e = v->u.list.items[i];
    if (v->type == DDB_AV_NS)
        return number_key(e, k->canon[i]);
    return (av_key){e->u.str.ptr, e->u.str.len, NULL};
}

/* Fills and sorts the keys of an M, SS, NS or BS node. 0 or DDB_ENOMEM. */
static int keys_build(key_list *k, const ddb_av *v)
{
    k->n = ddb_av_len(v);
    av_key *heap = k->n > KEYS_INLINE ? calloc(k->n, sizeof *heap) : NULL;
    k->keys = heap != NULL ? heap : k->inline_keys;
    /* n + 1: calloc(0, ...) may return NULL */
    k->canon = v->type == DDB_AV_NS ? calloc(k->n + 1, sizeof *k->canon) : NULL;
    if ((k->n > KEYS_INLINE && heap == NULL) || (v->type == DDB_AV_NS && k->canon == NULL)) {
        keys_release(k);
        return ddb_error_set(DDB_ENOMEM, "out of memory comparing attribute values");
    }
    for (size_t i = 0; i < k->n; i++)
        k->keys[i] = element_key(k, v, i);
    qsort(k->keys, k->n, sizeof *k->keys, key_cmp);
    return 0;
}

/* Drops repeated keys of a sorted set. */
static void keys_unique(key_list *k)
{
    size_t out = 0;
    for (size_t i = 0; i < k->n; i++) {
        if (out == 0 || key_cmp(&k->keys[out - 1], &k->keys[i]) != 0)
            k->keys[out++] = k->keys[i];
    }
    k->n = out;
}

static bool keys_equal(const key_list *a, const key_list *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++) {
        if (key_cmp(&a->keys[i], &b->keys[i]) != 0 || !ddb_av_equal(a->keys[i].value, b->keys[i].value))
            return false;
    }
    return true;
}

/* Fast path for maps and sets whose members come in the same order (a
 * clone, two parses of similar text): 1 equal, 0 not equal, -1 when the
 * order differs and sorting must decide. */
static int same_order_equal(const ddb_av *a, const ddb_av *b)
{
    if (a->type == DDB_AV_M) {
        if (a->u.map.len != b->u.map.len)
            return 0;
        for (size_t i = 0; i < a->u.map.len; i++) {
            const ddb_av_member *ma = &a->u.map.items[i], *mb = &b->u.map.items[i];
            if (ma->name_len != mb->name_len || memcmp(ma->name, mb->name, ma->name_len) != 0)
                return -1;
            if (!ddb_av_equal(ma->value, mb->value))
                return 0; /* names are unique: this member decides */
        }
        return 1;
    }
    if (a->u.list.len != b->u.list.len)
        return -1; /* repeated elements may still make equal sets */
    for (size_t i = 0; i < a->u.list.len; i++) {
        if (!ddb_av_equal(a->u.list.items[i], b->u.list.items[i]))
            return -1;
    }
    return 1;
}

static bool keyed_equal(const ddb_av *a, const ddb_av *b)
{
    int fast = same_order_equal(a, b);
    if (fast >= 0)
        return fast == 1;
    key_list ka, kb;
    if (keys_build(&ka, a) != 0)
        return false;
    if (keys_build(&kb, b) != 0) {
        keys_release(&ka);
        return false;
    }
    if (is_set(a->type)) {
        keys_unique(&ka);
        keys_unique(&kb);
    }
    bool equal = keys_equal(&ka, &kb);
    keys_release(&ka);
    keys_release(&kb);
    return equal;
}

/* Maps up to this size are checked for a repeated name pair by pair, which
 * beats sorting at that size; larger ones through sorted keys. */
#define DUP_PAIRWISE_MAX 16

static bool same_name(const ddb_av_member *a, const ddb_av_member *b)
{
    return a->name_len == b->name_len && (a->name_len == 0 || a->name[0] == b->name[0]) &&
           memcmp(a->name, b->name, a->name_len) == 0;
}

int ddb_av_map_has_duplicate(const ddb_av *map, const char **dup)
{
    const ddb_av_member *m = map->u.map.items;
    if (map->u.map.len <= DUP_PAIRWISE_MAX) {
        for (size_t i = 1; i < map->u.map.len; i++) {
            for (size_t j = 0; j < i; j++) {
                if (same_name(&m[i], &m[j])) {
                    *dup = m[i].name;
                    return 1;
                }
            }
        }
        return 0;
    }
    key_list k;
    if (keys_build(&k, map) != 0)
        return DDB_ENOMEM;
    int found = 0;
    for (size_t i = 1; i < k.n && !found; i++) {
        if (key_cmp(&k.keys[i - 1], &k.keys[i]) == 0) {
            *dup = k.keys[i].ptr;
            found = 1;
        }
    }
    keys_release(&k);
    return found;
}

static bool numbers_equal(const ddb_av *a, const ddb_av *b)
{
    char ca[DDB_NUMBER_CANON_MAX], cb[DDB_NUMBER_CANON_MAX];
    av_key ka = number_key(a, ca);
    av_key kb = number_key(b, cb);
    return key_cmp(&ka, &kb) == 0;
}

static bool lists_equal(const ddb_av *a, const ddb_av *b)
{
    if (a->u.list.len != b->u.list.len)
        return false;
    for (size_t i = 0; i < a->u.list.len; i++) {
        if (!ddb_av_equal(a->u.list.items[i], b->u.list.items[i]))
            return false;
    }
    return true;
}

bool ddb_av_equal(const ddb_av *a, const ddb_av *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case DDB_AV_NULL:
        return true;
    case DDB_AV_BOOL:
        return a->u.boolean == b->u.boolean;
    case DDB_AV_S:
    case DDB_AV_B:
        return a->u.str.len == b->u.str.len && memcmp(a->u.str.ptr, b->u.str.ptr, a->u.str.len) == 0;
    case DDB_AV_N:
        return numbers_equal(a, b);
    case DDB_AV_L:
        return lists_equal(a, b);
    case DDB_AV_SS:
    case DDB_AV_NS:
    case DDB_AV_BS:
    case DDB_AV_M:
        return keyed_equal(a, b);
    }
    return false;
}
