/* model.c - the generic model runtime: descriptors <-> items, connection slots. */
#include "ddb/model.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ddb/error.h"
#include "model_internal.h"

/* ------------------------------------------------------------ value helpers */

ddb_av *ddb_val_string(const char *s)
{
    if (s == NULL) {
        ddb_error_set(DDB_EINVAL, "string value is NULL");
        return NULL;
    }
    return ddb_av_s(s);
}

ddb_av *ddb_val_int64(int64_t v)
{
    return ddb_av_n_i64(v);
}

ddb_av *ddb_val_double(double v)
{
    return ddb_av_n_double(v);
}

ddb_av *ddb_val_bool(bool v)
{
    return ddb_av_bool(v);
}

ddb_av *ddb_val_bytes(ddb_bytes v)
{
    if (v.data == NULL && v.len != 0) {
        ddb_error_set(DDB_EINVAL, "binary value has a NULL pointer and a length");
        return NULL;
    }
    return ddb_av_b(v.data, v.len);
}

char *ddb_strdup(const char *s)
{
    size_t len = strlen(s) + 1;
    char *copy = malloc(len);
    if (copy == NULL) {
        ddb_error_set(DDB_ENOMEM, "out of memory copying a string");
        return NULL;
    }
    return memcpy(copy, s, len);
}

ddb_bytes ddb_bytes_from_base64(const char *b64)
{
    ddb_buf raw = DDB_BUF_INIT;
    ddb_bytes out = {NULL, 0};
    if (ddb_base64_decode(&raw, b64, strlen(b64)) == 0)
        out.data = (unsigned char *)ddb_buf_steal(&raw, &out.len);
    ddb_buf_free(&raw);
    return out;
}

/* ------------------------------------------------------------ field access */

static void *field_ptr(void *obj, const ddb_field *f)
{
    return (char *)obj + f->offset;
}

static const void *field_cptr(const void *obj, const ddb_field *f)
{
    return (const char *)obj + f->offset;
}

static bool *presence_ptr(void *obj, const ddb_field *f)
{
    return f->has_offset == DDB_NO_PRESENCE ? NULL : (bool *)((char *)obj + f->has_offset);
}

/* Whether the field holds a value (pointer types: non-NULL; others: flag or always). */
static bool field_present(const void *obj, const ddb_field *f)
{
    const void *v = field_cptr(obj, f);
    switch (f->type) {
    case DDB_FT_STRING:
        return *(char *const *)v != NULL;
    case DDB_FT_BINARY:
        return ((const ddb_bytes *)v)->data != NULL;
    case DDB_FT_INT64:
    case DDB_FT_DOUBLE:
    case DDB_FT_BOOL:
        return f->has_offset == DDB_NO_PRESENCE || *(const bool *)((const char *)obj + f->has_offset);
    }
    return false;
}

ddb_av *ddb_field_value_av(const ddb_field *f, const void *value)
{
    switch (f->type) {
    case DDB_FT_STRING:
        return ddb_val_string(*(char *const *)value);
    case DDB_FT_INT64:
        return ddb_av_n_i64(*(const int64_t *)value);
    case DDB_FT_DOUBLE:
        return ddb_av_n_double(*(const double *)value);
    case DDB_FT_BOOL:
        return ddb_av_bool(*(const bool *)value);
    case DDB_FT_BINARY:
        return ddb_val_bytes(*(const ddb_bytes *)value);
    }
    return NULL;
}

ddb_av_type ddb_field_av_type(const ddb_field *f)
{
    switch (f->type) {
    case DDB_FT_STRING:
        return DDB_AV_S;
    case DDB_FT_INT64:
    case DDB_FT_DOUBLE:
        return DDB_AV_N;
    case DDB_FT_BOOL:
        return DDB_AV_BOOL;
    case DDB_FT_BINARY:
        return DDB_AV_B;
    }
    return DDB_AV_NULL;
}

/* Records "<model>.<field>: <why>" with code and returns code. */
static int field_error(int code, const ddb_model *m, const ddb_field *f, const char *why)
{
    return ddb_error_set(code, "%s.%s (attribute \"%s\"): %s", m->name, f->name, f->attr, why);
}

/* Re-records the current error with the field's name in front of its message. */
static int field_error_wrap(const ddb_model *m, const ddb_field *f)
{
    char why[DDB_ERR_MESSAGE_MAX];
    memcpy(why, ddb_last_error()->message, sizeof why); /* the error is rewritten below */
    return field_error(ddb_last_error()->code, m, f, why);
}

/* Reads `av` into the field storage `dst` (freshly initialised). */
static int field_from_av(const ddb_model *m, const ddb_field *f, const ddb_av *av, void *obj)
{
    void *dst = field_ptr(obj, f);
    if (av->type != ddb_field_av_type(f)) {
        return ddb_error_set(DDB_ETYPE, "%s.%s (attribute \"%s\"): stored as %s, expected %s", m->name,
                             f->name, f->attr, ddb_av_type_tag(av->type),
                             ddb_av_type_tag(ddb_field_av_type(f)));
    }
    int rc = 0;
    switch (f->type) {
    case DDB_FT_STRING: {
        char *copy = malloc(av->u.str.len + 1);
        if (copy == NULL)
            return ddb_error_set(DDB_ENOMEM, "out of memory reading %s.%s", m->name, f->name);
        memcpy(copy, av->u.str.ptr, av->u.str.len + 1);
        free(*(char **)dst);
        *(char **)dst = copy;
        break;
    }
    case DDB_FT_BINARY: {
        ddb_bytes *b = dst;
        unsigned char *copy = malloc(av->u.str.len != 0 ? av->u.str.len : 1);
        if (copy == NULL)
            return ddb_error_set(DDB_ENOMEM, "out of memory reading %s.%s", m->name, f->name);
        memcpy(copy, av->u.str.ptr, av->u.str.len);
        free(b->data);
        b->data = copy;
        b->len = av->u.str.len;
        break;
    }
    case DDB_FT_INT64:
        rc = ddb_av_get_i64(av, dst);
        break;
    case DDB_FT_DOUBLE:
        rc = ddb_av_get_double(av, dst);
        break;
    case DDB_FT_BOOL:
        *(bool *)dst = av->u.boolean;
        break;
    }
    if (rc != 0)
        return field_error_wrap(m, f);
    bool *has = presence_ptr(obj, f);
    if (has != NULL)
        *has = true;
    return 0;
}

/* ------------------------------------------------------------ struct <-> item */

void ddb_model_clear(const ddb_model *m, void *obj)
{
    for (size_t i = 0; i < m->n_fields; i++) {
        const ddb_field *f = &m->fields[i];
        void *v = field_ptr(obj, f);
        if (f->type == DDB_FT_STRING)
            free(*(char **)v);
        else if (f->type == DDB_FT_BINARY)
            free(((ddb_bytes *)v)->data);
    }
    memset(obj, 0, m->size);
}

void ddb_model_init(const ddb_model *m, void *obj)
{
    memset(obj, 0, m->size);
    if (m->defaults != NULL)
        m->defaults(obj);
}

int ddb_model_to_item(const ddb_model *m, const void *obj, ddb_av **out)
{
    ddb_av *item = ddb_av_new(DDB_AV_M);
    if (item == NULL)
        return DDB_ENOMEM;
    for (size_t i = 0; i < m->n_fields; i++) {
        const ddb_field *f = &m->fields[i];
        if (!field_present(obj, f)) {
            if (f->flags & DDB_FIELD_NULLABLE)
                continue;
            ddb_av_free(item);
            return field_error(DDB_EINVAL, m, f, "required attribute is missing");
        }
        ddb_av *v = ddb_field_value_av(f, field_cptr(obj, f));
        if (v == NULL) {
            ddb_av_free(item);
            return field_error_wrap(m, f);
        }
        int rc = ddb_av_map_set(item, f->attr, v);
        if (rc != 0) {
            ddb_av_free(item);
            return rc;
        }
    }
    *out = item;
    return 0;
}

/* Adds the key attribute of field index `fi` with value at `value` to `key`. */
static int add_key_part(const ddb_model *m, int fi, const void *value, ddb_av *key)
{
    const ddb_field *f = &m->fields[fi];
    if (value == NULL)
        return field_error(DDB_EINVAL, m, f, "key value is missing");
    ddb_av *v = ddb_field_value_av(f, value);
    if (v == NULL)
        return field_error_wrap(m, f);
    return ddb_av_map_set(key, f->attr, v);
}

int ddb_model_key_of(const ddb_model *m, const void *hash, const void *range, ddb_av **out)
{
    ddb_av *key = ddb_av_new(DDB_AV_M);
    if (key == NULL)
        return DDB_ENOMEM;
    int rc = add_key_part(m, m->hash_key, hash, key);
    if (rc == 0 && m->range_key >= 0)
        rc = add_key_part(m, m->range_key, range, key);
    if (rc != 0) {
        ddb_av_free(key);
        return rc;
    }
    *out = key;
    return 0;
}

int ddb_model_key(const ddb_model *m, const void *obj, ddb_av **out)
{
    const void *range = m->range_key >= 0 ? field_cptr(obj, &m->fields[m->range_key]) : NULL;
    return ddb_model_key_of(m, field_cptr(obj, &m->fields[m->hash_key]), range, out);
}

int ddb_model_from_item(const ddb_model *m, const ddb_av *item, void *obj)
{
    if (item == NULL || item->type != DDB_AV_M)
        return ddb_error_set(DDB_ETYPE, "%s: item is not a map", m->name);
    for (size_t i = 0; i < m->n_fields; i++) {
        const ddb_field *f = &m->fields[i];
        const ddb_av *av = ddb_av_map_get(item, f->attr);
        if (av == NULL || av->type == DDB_AV_NULL)
            continue;
        int rc = field_from_av(m, f, av, obj);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Fills a fresh struct from an item, leaving `out` untouched on failure. */
int ddb_model_load(const ddb_model *m, const ddb_av *item, void *out)
{
    void *tmp = malloc(m->size);
    if (tmp == NULL)
        return ddb_error_set(DDB_ENOMEM, "out of memory reading a %s", m->name);
    ddb_model_init(m, tmp);
    int rc = ddb_model_from_item(m, item, tmp);
    if (rc == 0) {
        ddb_model_clear(m, out);
        memcpy(out, tmp, m->size);
    } else {
        ddb_model_clear(m, tmp);
    }
    free(tmp);
    return rc;
}

/* ------------------------------------------------------------ connection slots */

static pthread_mutex_t slot_lock = PTHREAD_MUTEX_INITIALIZER;

void ddb_model_use_client(const ddb_model *m, ddb_client *c)
{
    pthread_mutex_lock(&slot_lock);
    m->slot->client = c;
    pthread_mutex_unlock(&slot_lock);
}

ddb_client *ddb_model_client(const ddb_model *m)
{
    pthread_mutex_lock(&slot_lock);
    ddb_client *c = m->slot->client;
    pthread_mutex_unlock(&slot_lock);
    return c != NULL ? c : ddb_default_client();
}
