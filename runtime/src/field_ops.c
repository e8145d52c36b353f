/*
 * field_ops.c - the entry points of generated typed builders: a condition
 * or an update action on one field, with its value converted by the model
 * codec (ddb_value_av), so every builder of every type is one call here.
 * Which operations a type offers is the type table's (type_table.c); the
 * generator emits only those, and these functions refuse the others with
 * DDB_EINVAL for callers that reach them directly.
 */
#include "feature_macros.h" /* first: feature-test macros before any system header */

#include "ddb/model.h"

#include <stdio.h>
#include <string.h>

#include "ddb/error.h"
#include "expr_internal.h"
#include "model_internal.h"
#include "type_table.h"

const char *ddb_path_at(char out[DDB_PATH_MAX], const char *path, size_t index)
{
    const char *hole = strstr(path, "[]");
    if (hole == NULL)
        return NULL;
    int n = snprintf(out, DDB_PATH_MAX, "%.*s[%zu]%s", (int)(hole - path), path, index, hole + 2);
    return n >= 0 && n < DDB_PATH_MAX ? out : NULL;
}

/* `path` with its "[]" (if any) replaced by "[index]", in `buf`; NULL with
 * DDB_EINVAL recorded when the result does not fit. */
static const char *resolve_path(char buf[DDB_PATH_MAX], const char *path, size_t index)
{
    if (path == NULL) {
        ddb_error_set(DDB_EINVAL, "attribute path is NULL");
        return NULL;
    }
    if (strstr(path, "[]") == NULL)
        return path;
    const char *p = ddb_path_at(buf, path, index);
    if (p == NULL)
        ddb_error_set(DDB_EINVAL, "element path with index %zu does not fit in %d bytes: \"%.64s...\"", index,
                      DDB_PATH_MAX, path);
    return p;
}

static int refuse_field(const ddb_field *f, const char *what)
{
    return ddb_error_set(DDB_EINVAL, "attribute %s (%s) has no %s", f->attr, ddb_type(f->type)->name, what);
}

/* Whether `path` names one element of typed-list field `f` ("tags[]"):
 * then comparisons take an element. */
static bool names_element(const char *path, const ddb_field *f)
{
    size_t len = strlen(path);
    return f->type == DDB_FT_LIST && f->elem_size != 0 && len >= 2 && strcmp(path + len - 2, "[]") == 0;
}

/* The operand of a comparison: an element when the path names one, else a
 * value of the field's type. */
static ddb_av *compared_value(const ddb_field *f, bool element, const void *v)
{
    return ddb_value_av(f, element ? f->elem : f->type, v);
}

/* The operand of contains(): a list element, a set member, or a substring. */
static ddb_av *contained_value(const ddb_field *f, const void *v)
{
    ddb_ftype t = ddb_type(f->type)->contains;
    return ddb_value_av(f, t == DDB_FT_LIST ? f->elem : t, v);
}

/* A size as the N operand of size(path) comparisons (sizes exceed no
 * DynamoDB limit that an N cannot hold). */
static ddb_av *size_value(const void *v)
{
    char text[32];
    snprintf(text, sizeof text, "%zu", *(const size_t *)v);
    return ddb_av_n(text);
}

/* Whether `op` is offered on field `f` (the type table's builder columns). */
/* Whether the field stores another form than its type's (a codec): then
 * its stored bytes cannot be compared with a value, only tested for
 * presence — except deterministic encryption alone, whose equal values
 * are stored equally. */
static bool transformed(const ddb_field *f)
{
    return ddb_field_transformed(f);
}

static bool encrypted(const ddb_field *f)
{
    return f->codec != NULL && f->codec->encrypt != DDB_ENCRYPT_NONE;
}

static bool equality_only(const ddb_field *f)
{
    return f->codec != NULL && f->codec->encrypt == DDB_ENCRYPT_DETERMINISTIC && !f->codec->compress;
}

static bool cond_offered(const ddb_field *f, bool element, ddb_cond_op op)
{
    if (transformed(f) && op != DDB_OP_EXISTS && op != DDB_OP_NOT_EXISTS &&
        !(equality_only(f) && (op == DDB_OP_EQ || op == DDB_OP_NE)))
        return false;
    const ddb_type_info *ti = ddb_type(f->type);
    bool typed_list = f->type == DDB_FT_LIST && f->elem_size != 0;
    const ddb_type_info *cmp = element ? ddb_type(f->elem) : ti;
    switch (op) {
    case DDB_OP_EQ:
    case DDB_OP_NE:
        return cmp->cmp != DDB_TYPE_CMP_NONE;
    case DDB_OP_LT:
    case DDB_OP_LE:
    case DDB_OP_GT:
    case DDB_OP_GE:
        return cmp->cmp == DDB_TYPE_CMP_ORDER;
    case DDB_OP_BEGINS_WITH:
        return cmp->begins_with;
    case DDB_OP_CONTAINS:
        return ti->contains != DDB_FT_NONE && (ti->contains != DDB_FT_LIST || typed_list);
    case DDB_OP_SIZE_EQ:
    case DDB_OP_SIZE_NE:
    case DDB_OP_SIZE_LT:
    case DDB_OP_SIZE_LE:
    case DDB_OP_SIZE_GT:
    case DDB_OP_SIZE_GE:
        return ti->size;
    case DDB_OP_IS_TYPE:
        return ti->is_type || (f->type == DDB_FT_LIST && !typed_list);
    case DDB_OP_EXISTS:
    case DDB_OP_NOT_EXISTS:
        return true;
    }
    return false;
}

/* The resolved path of a condition `op` on `f` (in buf), and whether it
 * names a list element; NULL with the error recorded when the path does
 * not fit or the field's type does not offer `op`. */
static const char *cond_path(char buf[DDB_PATH_MAX], const char *path, size_t index, const ddb_field *f,
                             ddb_cond_op op, bool *element)
{
    const char *p = resolve_path(buf, path, index);
    if (p == NULL)
        return NULL;
    *element = names_element(path, f);
    if (!cond_offered(f, *element, op)) {
        refuse_field(f, "such condition");
        return NULL;
    }
    return p;
}

ddb_cond *ddb_field_cond(const char *path, size_t index, const ddb_field *f, ddb_cond_op op, const void *v)
{
    char buf[DDB_PATH_MAX];
    bool element = false;
    const char *p = cond_path(buf, path, index, f, op, &element);
    if (p == NULL)
        return ddb_cond_error(ddb_last_error()->code);
    bool needs_value = op != DDB_OP_EXISTS && op != DDB_OP_NOT_EXISTS;
    if (needs_value && v == NULL)
        return ddb_cond_error(ddb_error_set(DDB_EINVAL, "condition on %s without a value", f->attr));
    switch (op) {
    case DDB_OP_EQ:
    case DDB_OP_NE:
    case DDB_OP_LT:
    case DDB_OP_LE:
    case DDB_OP_GT:
    case DDB_OP_GE: {
        /* an encrypted operand is sealed by the operation (table, keyring) */
        ddb_cond *c = ddb_cond_cmp(p, (ddb_cmp)(op - DDB_OP_EQ), compared_value(f, element, v));
        if (encrypted(f))
            ddb_cond_seal_with(c, f);
        return c;
    }
    case DDB_OP_BEGINS_WITH:
        return ddb_cond_begins_with(p, compared_value(f, element, v));
    case DDB_OP_CONTAINS:
        return ddb_cond_contains(p, contained_value(f, v));
    case DDB_OP_SIZE_EQ:
    case DDB_OP_SIZE_NE:
    case DDB_OP_SIZE_LT:
    case DDB_OP_SIZE_LE:
    case DDB_OP_SIZE_GT:
    case DDB_OP_SIZE_GE:
        return ddb_cond_size_cmp(p, (ddb_cmp)(op - DDB_OP_SIZE_EQ), size_value(v));
    case DDB_OP_IS_TYPE:
        return ddb_cond_attribute_type(p, *(const ddb_av_type *)v);
    case DDB_OP_EXISTS:
        return ddb_cond_exists(p);
    case DDB_OP_NOT_EXISTS:
        return ddb_cond_not_exists(p);
    }
    return ddb_cond_error(refuse_field(f, "such condition"));
}

ddb_cond *ddb_field_between(const char *path, size_t index, const ddb_field *f, const void *low,
                            const void *high)
{
    char buf[DDB_PATH_MAX];
    bool element = false;
    const char *p = cond_path(buf, path, index, f, DDB_OP_LT, &element);
    if (p == NULL)
        return ddb_cond_error(ddb_last_error()->code);
    if (low == NULL || high == NULL)
        return ddb_cond_error(ddb_error_set(DDB_EINVAL, "BETWEEN on %s without both bounds", f->attr));
    return ddb_cond_between(p, compared_value(f, element, low), compared_value(f, element, high));
}

/* IN takes at most 100 operands (DynamoDB's limit). */
#define IN_MAX 100

ddb_cond *ddb_field_in(const char *path, size_t index, const ddb_field *f, const void *values, size_t n)
{
    char buf[DDB_PATH_MAX];
    const char *p = resolve_path(buf, path, index);
    if (p == NULL)
        return ddb_cond_error(DDB_EINVAL);
    if (!ddb_type(f->type)->in || transformed(f))
        return ddb_cond_error(refuse_field(f, "IN"));
    if (n == 0 || n > IN_MAX || values == NULL)
        return ddb_cond_error(
            ddb_error_set(DDB_EINVAL, "IN on \"%s\" needs 1 to %d values, got %zu", p, IN_MAX, n));
    ddb_av *avs[IN_MAX];
    size_t size = ddb_value_size(f);
    for (size_t i = 0; i < n; i++) {
        avs[i] = ddb_value_av(f, f->type, (const char *)values + i * size);
        if (avs[i] == NULL) {
            int rc = ddb_last_error()->code;
            while (i-- > 0)
                ddb_av_free(avs[i]);
            return ddb_cond_error(rc);
        }
    }
    return ddb_cond_in(p, avs, n);
}

/* Whether `act` is offered on field `f`. */
static bool action_offered(const ddb_field *f, ddb_action act)
{
    const ddb_type_info *ti = ddb_type(f->type);
    bool typed_list = f->type == DDB_FT_LIST && f->elem_size != 0;
    if (transformed(f) && act != DDB_ACT_SET && act != DDB_ACT_SET_IF_ABSENT && act != DDB_ACT_REMOVE)
        return false;
    if (f->codec != NULL && f->codec->s3_bucket != NULL && act != DDB_ACT_REMOVE)
        return false; /* S3-backed values are written by put, which uploads them */
    switch (act) {
    case DDB_ACT_SET:
    case DDB_ACT_SET_IF_ABSENT:
        return ti->settable;
    case DDB_ACT_ADD:
        return ti->arith || ti->set_ops;
    case DDB_ACT_INCR:
    case DDB_ACT_DECR:
        return ti->arith;
    case DDB_ACT_APPEND:
    case DDB_ACT_PREPEND:
        return typed_list;
    case DDB_ACT_DELETE:
        return ti->set_ops;
    case DDB_ACT_REMOVE: /* what may be absent: nullable, or a set, list, document */
        return ti->settable && ((f->flags & DDB_FIELD_NULLABLE) || ti->removable) &&
               !(f->flags & (DDB_FIELD_HASH_KEY | DDB_FIELD_RANGE_KEY));
    }
    return false;
}

ddb_update *ddb_field_update(const char *path, size_t index, const ddb_field *f, ddb_action act, const void *v)
{
    char buf[DDB_PATH_MAX];
    const char *p = resolve_path(buf, path, index);
    if (p == NULL)
        return ddb_update_error(DDB_EINVAL);
    if (!action_offered(f, act))
        return ddb_update_error(refuse_field(f, "such update action"));
    if (act == DDB_ACT_REMOVE)
        return ddb_update_remove(p);
    if (v == NULL && f->type != DDB_FT_NULL)
        return ddb_update_error(ddb_error_set(DDB_EINVAL, "update of %s without a value", f->attr));
    bool any_value = f->type == DDB_FT_DOCUMENT || (f->type == DDB_FT_LIST && f->elem_size == 0);
    if (any_value && *(const ddb_av *const *)v == NULL)
        return ddb_update_error(
            ddb_error_set(DDB_EINVAL, "value for %s is NULL; a REMOVE action deletes an attribute", f->attr));
    /* int64 arithmetic goes through the range-guarded actions (ddb/expr.h) */
    bool int64 = f->type == DDB_FT_INT64 || f->type == DDB_FT_TTL;
    switch (act) {
    case DDB_ACT_SET: /* the stored form: through the field's codec */
    case DDB_ACT_SET_IF_ABSENT: {
        /* encryption needs the table and item: the operation seals it */
        ddb_av *value = encrypted(f) ? ddb_value_av(f, f->type, v) : ddb_field_av(f, v, NULL);
        ddb_update *u = act == DDB_ACT_SET ? ddb_update_set(p, value) : ddb_update_set_if_not_exists(p, value);
        if (encrypted(f))
            ddb_update_seal_with(u, f);
        return u;
    }
    case DDB_ACT_ADD:
        return int64 ? ddb_update_add_int64(p, *(const int64_t *)v) : ddb_update_add(p, ddb_value_av(f, f->type, v));
    case DDB_ACT_INCR:
        return int64 ? ddb_update_set_plus_int64(p, *(const int64_t *)v)
                     : ddb_update_set_plus(p, ddb_value_av(f, f->type, v));
    case DDB_ACT_DECR:
        return int64 ? ddb_update_set_minus_int64(p, *(const int64_t *)v)
                     : ddb_update_set_minus(p, ddb_value_av(f, f->type, v));
    case DDB_ACT_APPEND:
        return ddb_update_list_append(p, ddb_value_av(f, f->type, v));
    case DDB_ACT_PREPEND:
        return ddb_update_list_prepend(p, ddb_value_av(f, f->type, v));
    case DDB_ACT_DELETE:
        return ddb_update_delete(p, ddb_value_av(f, f->type, v));
    case DDB_ACT_REMOVE:
        return ddb_update_remove(p);
    }
    return ddb_update_error(refuse_field(f, "such update action"));
}
