/* model.c - the generic model runtime: descriptors <-> items, connection slots. */
#include "feature_macros.h" /* first: feature-test macros before any system header */

#include "ddb/model.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ddb/error.h"
#include "av_internal.h"
#include "compress.h"
#include "crypt.h"
#include "s3_fields.h"
#include "json_internal.h"
#include "json_parse.h"
#include "model_internal.h"
#include "type_table.h"

/* ------------------------------------------------------------ value helpers */

/* A string attribute value; NULL (DDB_EINVAL recorded) for a NULL string. */
static ddb_av *string_av(const char *s)
{
    if (s == NULL) {
        ddb_error_set(DDB_EINVAL, "string value is NULL");
        return NULL;
    }
    return ddb_av_s(s);
}

static ddb_av *bytes_av(ddb_bytes v)
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
        out.data = (unsigned char *)ddb_buf_steal(&out.len, &raw);
    ddb_buf_free(&raw);
    return out;
}

static char **texts_copy(const char *const *items, size_t n)
{
    char **copy = calloc(n != 0 ? n : 1, sizeof *copy);
    for (size_t i = 0; copy != NULL && i < n; i++) {
        if ((copy[i] = ddb_strdup(items[i])) == NULL) {
            while (i-- > 0)
                free(copy[i]);
            free(copy);
            copy = NULL;
        }
    }
    return copy;
}

ddb_strset ddb_strset_of(const char *const *items, size_t n)
{
    char **copy = texts_copy(items, n);
    return (ddb_strset){copy, copy != NULL ? n : 0};
}

ddb_numset ddb_numset_of(const char *const *items, size_t n)
{
    char **copy = texts_copy(items, n);
    return (ddb_numset){copy, copy != NULL ? n : 0};
}

ddb_binset ddb_binset_of_base64(const char *const *items, size_t n)
{
    ddb_bytes *copy = calloc(n != 0 ? n : 1, sizeof *copy);
    for (size_t i = 0; copy != NULL && i < n; i++) {
        copy[i] = ddb_bytes_from_base64(items[i]);
        if (copy[i].data == NULL) {
            while (i-- > 0)
                free(copy[i].data);
            free(copy);
            copy = NULL;
        }
    }
    return (ddb_binset){copy, copy != NULL ? n : 0};
}

ddb_time ddb_time_of(const char *text)
{
    ddb_time t = {0, 0};
    if (ddb_time_parse(text, strlen(text), &t) != 0)
        t = (ddb_time){0, 0};
    return t;
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

/* Whether a value of `type` stored at `v` is there: pointers non-NULL, sets
 * non-empty, a version non-zero, a null attribute true; other types always. */
static bool value_present(ddb_ftype type, const void *v)
{
    switch (type) {
    case DDB_FT_STRING:
    case DDB_FT_DECIMAL:
    case DDB_FT_JSON:
    case DDB_FT_DISCRIMINATOR:
        return *(char *const *)v != NULL;
    case DDB_FT_BINARY:
        return ((const ddb_bytes *)v)->data != NULL;
    case DDB_FT_DOCUMENT:
        return *(ddb_av *const *)v != NULL;
    case DDB_FT_STRING_SET:
    case DDB_FT_NUMBER_SET:
        return ((const ddb_strset *)v)->n != 0;
    case DDB_FT_BINARY_SET:
        return ((const ddb_binset *)v)->n != 0;
    case DDB_FT_VERSION:
        return *(const int64_t *)v != 0;
    case DDB_FT_NULL:
        return *(const bool *)v;
    case DDB_FT_INT64:
    case DDB_FT_DOUBLE:
    case DDB_FT_BOOL:
    case DDB_FT_DATETIME:
    case DDB_FT_TTL:
    case DDB_FT_LIST:
    case DDB_FT_MAP:
        return true;
    }
    return false;
}

static bool field_present(const void *obj, const ddb_field *f)
{
    if (f->has_offset != DDB_NO_PRESENCE)
        return *(const bool *)((const char *)obj + f->has_offset);
    /* a nullable untyped list is absent when NULL (a non-nullable one is
     * written as [] like an empty typed list) */
    if (f->type == DDB_FT_LIST && f->elem_size == 0 && (f->flags & DDB_FIELD_NULLABLE))
        return *(ddb_av *const *)field_cptr(obj, f) != NULL;
    return value_present(f->type, field_cptr(obj, f));
}

ddb_av_type ddb_field_av_type(const ddb_field *f)
{
    if (f->codec != NULL && f->codec->s3_bucket != NULL)
        return DDB_AV_S; /* a pointer to S3 */
    if (ddb_field_transformed(f))
        return DDB_AV_B; /* compressed or encrypted */
    return ddb_type(f->type)->wire; /* DDB_AV_NULL for a document: any */
}

/* Bytes of a field's storage (for resetting one field). */
static size_t value_size(const ddb_field *f)
{
    if (f->type == DDB_FT_LIST)
        return f->elem_size != 0 ? sizeof(ddb_list) : sizeof(ddb_av *);
    if (f->type == DDB_FT_MAP)
        return f->sub->size;
    return ddb_type(f->type)->c_size;
}

/* ------------------------------------------------------------ encoding */

static ddb_av *value_to_av(const ddb_field *f, ddb_ftype type, const void *v);

/* Adds `child` to set `set` unless an equal element is there (DDB_EINVAL). */
static int set_push_unique(ddb_av *set, ddb_av *child)
{
    for (size_t i = 0; child != NULL && i < set->u.list.len; i++) {
        if (ddb_av_equal(set->u.list.items[i], child)) {
            ddb_av_free(child);
            return ddb_error_set(DDB_EINVAL, "set has a duplicate element");
        }
    }
    if (child == NULL)
        return ddb_last_error()->code != 0 ? ddb_last_error()->code : DDB_ENOMEM;
    return ddb_av_list_push(set, child);
}

static ddb_av *set_to_av(ddb_ftype type, const void *v)
{
    ddb_av *set = ddb_av_new(type == DDB_FT_STRING_SET   ? DDB_AV_SS
                             : type == DDB_FT_NUMBER_SET ? DDB_AV_NS
                                                         : DDB_AV_BS);
    size_t n = type == DDB_FT_BINARY_SET ? ((const ddb_binset *)v)->n : ((const ddb_strset *)v)->n;
    for (size_t i = 0; set != NULL && i < n; i++) {
        ddb_av *e = type == DDB_FT_STRING_SET   ? string_av(((const ddb_strset *)v)->items[i])
                    : type == DDB_FT_NUMBER_SET ? ddb_av_n(((const ddb_numset *)v)->items[i])
                                                : bytes_av(((const ddb_binset *)v)->items[i]);
        if (set_push_unique(set, e) != 0) {
            ddb_av_free(set);
            return NULL;
        }
    }
    return set;
}

static ddb_av *list_to_av(const ddb_field *f, const void *v)
{
    if (f->elem_size == 0) { /* untyped: the field is a ddb_av L */
        const ddb_av *l = *(ddb_av *const *)v;
        return l != NULL ? ddb_av_clone(l) : ddb_av_new(DDB_AV_L);
    }
    ddb_list list;
    memcpy(&list, v, sizeof list);
    ddb_av *out = ddb_av_new(DDB_AV_L);
    for (size_t i = 0; out != NULL && i < list.n; i++) {
        ddb_av *e = value_to_av(f, f->elem, (const char *)list.items + i * f->elem_size);
        if (e == NULL || ddb_av_list_push(out, e) != 0) {
            ddb_av_free(out);
            return NULL;
        }
    }
    return out;
}

/* JSON text (a C string) as S, when it is RFC 8259 JSON; else NULL with
 * DDB_EINVAL recorded (the caller's text is wrong, not a response). */
static ddb_av *json_text_to_av(const char *text)
{
    if (text == NULL) {
        ddb_error_set(DDB_EINVAL, "JSON text is NULL");
        return NULL;
    }
    return ddb_json_text_check(text, strlen(text)) == 0 ? ddb_av_s(text) : NULL;
}

static ddb_av *time_to_av(ddb_time t)
{
    char text[DDB_TIME_TEXT_SIZE];
    return ddb_time_format(t, text) == 0 ? ddb_av_s(text) : NULL;
}

/* A new ddb_av for the value of `type` at `v` (NULL with the error recorded).
 * `f` gives the list element and map details. */
static ddb_av *value_to_av(const ddb_field *f, ddb_ftype type, const void *v)
{
    switch (type) {
    case DDB_FT_STRING:
    case DDB_FT_DISCRIMINATOR:
        return string_av(*(char *const *)v);
    case DDB_FT_DECIMAL:
        return ddb_av_n(*(char *const *)v);
    case DDB_FT_JSON:
        return json_text_to_av(*(char *const *)v);
    case DDB_FT_INT64:
    case DDB_FT_TTL:
    case DDB_FT_VERSION:
        return ddb_av_n_i64(*(const int64_t *)v);
    case DDB_FT_DOUBLE:
        return ddb_av_n_double(*(const double *)v);
    case DDB_FT_BOOL:
        return ddb_av_bool(*(const bool *)v);
    case DDB_FT_NULL:
        return ddb_av_null();
    case DDB_FT_BINARY:
        return bytes_av(*(const ddb_bytes *)v);
    case DDB_FT_DATETIME:
        return time_to_av(*(const ddb_time *)v);
    case DDB_FT_STRING_SET:
    case DDB_FT_NUMBER_SET:
    case DDB_FT_BINARY_SET:
        return set_to_av(type, v);
    case DDB_FT_LIST:
        return list_to_av(f, v);
    case DDB_FT_MAP: {
        ddb_av *item = NULL;
        return ddb_model_to_item(&item, f->sub, v) == 0 ? item : NULL;
    }
    case DDB_FT_DOCUMENT:
        return ddb_av_clone(*(ddb_av *const *)v);
    }
    ddb_error_set(DDB_EINVAL, "unknown field type %d", (int)type);
    return NULL;
}

ddb_av *ddb_value_av(const ddb_field *f, ddb_ftype type, const void *v)
{
    return value_to_av(f, type, v);
}

size_t ddb_value_size(const ddb_field *f)
{
    return value_size(f);
}

/* ------------------------------------------------------------ field codecs */

bool ddb_field_transformed(const ddb_field *f)
{
    return f->codec != NULL && (f->codec->compress || f->codec->encrypt != DDB_ENCRYPT_NONE ||
                                f->codec->s3_bucket != NULL);
}

/* The kind byte of a type-form value (S, N or B): what it is stored as. */
static char kind_of(ddb_av_type t)
{
    return t == DDB_AV_N ? 'N' : t == DDB_AV_B ? 'B' : 'S';
}

static ddb_av *av_of_kind(char kind, const char *data, size_t len)
{
    /* text from the wire is UTF-8 (the JSON reader checks it); text that
     * was compressed or encrypted is checked when it is restored */
    if (kind == 'S' && !ddb_utf8_valid(data, len)) {
        ddb_error_set(DDB_ETYPE, "restored text is not UTF-8");
        return NULL;
    }
    if (kind != 'N')
        return kind == 'B' ? ddb_av_b(data, len) : ddb_av_s_len(data, len);
    char text[64]; /* DynamoDB numbers: 38 digits, an exponent, signs */
    if (len >= sizeof text || memchr(data, '\0', len) != NULL) {
        ddb_error_set(DDB_ETYPE, "decrypted number is not a number");
        return NULL;
    }
    memcpy(text, data, len);
    text[len] = '\0';
    return ddb_av_n(text); /* validated: DDB_EINVAL recorded when it is not */
}

/* The encryption context of field `f` under `env`; false (error recorded)
 * when the field cannot be encrypted there. */
static bool seal_ctx_of(const ddb_field *f, const ddb_codec_env *env, ddb_seal_ctx *cx)
{
    if (env == NULL || env->m == NULL || env->m->table == NULL) {
        ddb_error_set(DDB_ECRYPTO, "encrypted attribute %s outside a model operation (or inside a map)", f->attr);
        return false;
    }
    bool random = f->codec->encrypt == DDB_ENCRYPT_RANDOM;
    if (random && env->item_key == NULL) {
        ddb_error_set(DDB_ECRYPTO, "encrypted attribute %s: the item's key is unknown here", f->attr);
        return false;
    }
    *cx = (ddb_seal_ctx){env->m->table, f->attr, random ? env->item_key : NULL, random ? env->item_key_len : 0};
    return true;
}

ddb_av *ddb_field_encode(const ddb_field *f, ddb_av *av, const ddb_codec_env *env)
{
    if (av == NULL || !ddb_field_transformed(f))
        return av;
    /* the value's bytes: S and B text, N number text */
    char kind = kind_of(av->type);
    ddb_buf stage = DDB_BUF_INIT, sealed = DDB_BUF_INIT;
    int rc = 0;
    if (f->codec->compress) {
        rc = ddb_compress(&stage, av->u.str.ptr, av->u.str.len, f->codec);
        kind = 'B';
    } else if (ddb_buf_append(&stage, av->u.str.ptr, av->u.str.len) != 0) {
        rc = DDB_ENOMEM;
    }
    ddb_av_free(av);
    ddb_av *out = NULL;
    ddb_seal_ctx cx;
    if (rc == 0 && f->codec->s3_bucket != NULL) { /* the body goes to S3, a pointer to the item */
        rc = ddb_s3_encode(&out, f, env, stage.data != NULL ? stage.data : "", stage.len);
    } else if (rc == 0 && f->codec->encrypt != DDB_ENCRYPT_NONE) {
        if (!seal_ctx_of(f, env, &cx))
            rc = DDB_ECRYPTO;
        else
            rc = ddb_seal(&sealed, ddb_model_keyring(env->m), (ddb_seal_mode)f->codec->encrypt, &cx, kind,
                          stage.data, stage.len);
        if (rc == 0)
            out = ddb_av_b(sealed.data, sealed.len);
    } else if (rc == 0) {
        out = ddb_av_b(stage.data, stage.len);
    }
    ddb_buf_free(&stage);
    ddb_buf_free(&sealed);
    return out;
}

const ddb_av *ddb_field_decode(const ddb_field *f, const ddb_av *av, ddb_av **owned, const ddb_codec_env *env)
{
    *owned = NULL;
    if (!ddb_field_transformed(f))
        return av;
    ddb_buf plain = DDB_BUF_INIT, inflated = DDB_BUF_INIT, fetched = DDB_BUF_INIT;
    const char *data = av->u.str.ptr;
    size_t len = av->u.str.len;
    if (f->codec->s3_bucket != NULL) { /* the body, from S3 */
        if (ddb_s3_fetch(&fetched, f, env, av) != 0) {
            ddb_buf_free(&fetched);
            return NULL;
        }
        data = fetched.data != NULL ? fetched.data : "";
        len = fetched.len;
    } else if (av->type != DDB_AV_B) {
        ddb_error_set(DDB_ETYPE, "stored as %s, expected B (a%s value)", ddb_av_type_tag(av->type),
                      f->codec->encrypt != DDB_ENCRYPT_NONE ? "n encrypted" : " compressed");
        return NULL;
    }
    char want = f->codec->compress ? 'B' : kind_of(ddb_type(f->type)->wire);
    char kind = want;
    int rc = 0;
    if (f->codec->encrypt != DDB_ENCRYPT_NONE) {
        ddb_seal_ctx cx;
        rc = seal_ctx_of(f, env, &cx) ? ddb_unseal(&plain, &kind, ddb_model_keyring(env->m),
                                                   (ddb_seal_mode)f->codec->encrypt, &cx, data, len)
                                      : DDB_ECRYPTO;
        if (rc == 0 && kind != want)
            rc = ddb_error_set(DDB_ECRYPTO, "encrypted value of %s holds a %c value, expected %c", f->attr, kind,
                               want);
        data = plain.data;
        len = plain.len;
    }
    if (rc == 0 && f->codec->compress) {
        rc = ddb_decompress(&inflated, data, len, f->codec);
        data = inflated.data;
        len = inflated.len;
        kind = kind_of(ddb_type(f->type)->wire);
    }
    if (rc == 0)
        *owned = av_of_kind(kind, data != NULL ? data : "", len);
    if (plain.data != NULL)
        OPENSSL_cleanse(plain.data, plain.cap);
    ddb_buf_free(&plain);
    ddb_buf_free(&inflated);
    ddb_buf_free(&fetched);
    return *owned;
}

ddb_av *ddb_field_av(const ddb_field *f, const void *v, const ddb_codec_env *env)
{
    return ddb_field_encode(f, value_to_av(f, f->type, v), env);
}

int ddb_model_seal(ddb_av **out, const void *field, const ddb_av *plain, void *arg)
{
    ddb_av *copy = ddb_av_clone(plain);
    *out = copy != NULL ? ddb_field_encode(field, copy, arg) : NULL;
    return *out != NULL ? 0 : ddb_last_error()->code;
}

int ddb_item_key_bytes(ddb_buf *out, const ddb_model *m, const ddb_av *item)
{
    int fields[2] = {m->hash_key, m->range_key};
    for (int i = 0; i < 2 && fields[i] >= 0; i++) {
        const ddb_field *f = &m->fields[fields[i]];
        const ddb_av *v = ddb_av_map_get(item, f->attr);
        if (v == NULL || (v->type != DDB_AV_S && v->type != DDB_AV_N && v->type != DDB_AV_B))
            return ddb_error_set(DDB_EINVAL, "%s: key attribute %s is missing from the item", m->name, f->attr);
        size_t n = v->u.str.len;
        unsigned char head[5] = {(unsigned char)kind_of(v->type), (unsigned char)(n >> 24), (unsigned char)(n >> 16),
                                 (unsigned char)(n >> 8), (unsigned char)n};
        if (ddb_buf_append(out, head, 5) != 0 || ddb_buf_append(out, v->u.str.ptr, n) != 0)
            return DDB_ENOMEM;
    }
    return 0;
}

/* ------------------------------------------------------------ decoding */

static int value_from_av(const ddb_field *f, ddb_ftype type, const ddb_av *av, void *dst);
static void value_clear(const ddb_field *f, ddb_ftype type, void *v);

static char *copy_text(const ddb_av *av)
{
    char *copy = malloc(av->u.str.len + 1);
    if (copy == NULL) {
        ddb_error_set(DDB_ENOMEM, "out of memory reading a value");
        return NULL;
    }
    return memcpy(copy, av->u.str.ptr, av->u.str.len + 1);
}

/* A C string field holds text up to its first NUL: a stored S with U+0000
 * in it would come back cut short (and a key cut short names another
 * item), so it is refused, never truncated. */
static int text_from_av(const ddb_av *av, char **dst)
{
    const char *nul = memchr(av->u.str.ptr, '\0', av->u.str.len);
    if (nul != NULL)
        return ddb_error_set(DDB_ETYPE,
                             "text holds U+0000 at byte %zu of %zu, which a C string cannot; "
                             "use a binary or document attribute for such values",
                             (size_t)(nul - av->u.str.ptr), av->u.str.len);
    char *copy = copy_text(av);
    if (copy == NULL)
        return DDB_ENOMEM;
    free(*dst);
    *dst = copy;
    return 0;
}

static int bytes_from_av(const ddb_av *av, ddb_bytes *dst)
{
    unsigned char *copy = malloc(av->u.str.len != 0 ? av->u.str.len : 1);
    if (copy == NULL)
        return ddb_error_set(DDB_ENOMEM, "out of memory reading a binary value");
    memcpy(copy, av->u.str.ptr, av->u.str.len);
    free(dst->data);
    dst->data = copy;
    dst->len = av->u.str.len;
    return 0;
}

static int set_from_av(ddb_ftype type, const ddb_av *av, void *dst)
{
    size_t n = av->u.list.len;
    bool binary = type == DDB_FT_BINARY_SET;
    void *items = calloc(n != 0 ? n : 1, binary ? sizeof(ddb_bytes) : sizeof(char *));
    if (items == NULL)
        return ddb_error_set(DDB_ENOMEM, "out of memory reading a set of %zu elements", n);
    for (size_t i = 0; i < n; i++) {
        int rc = binary ? bytes_from_av(av->u.list.items[i], (ddb_bytes *)items + i)
                        : text_from_av(av->u.list.items[i], (char **)items + i);
        if (rc != 0) {
            for (size_t k = 0; k < i; k++)
                free(binary ? (void *)((ddb_bytes *)items)[k].data : (void *)((char **)items)[k]);
            free(items);
            return rc;
        }
    }
    value_clear(NULL, type, dst); /* e.g. a default set */
    if (binary)
        *(ddb_binset *)dst = (ddb_binset){items, n};
    else
        *(ddb_strset *)dst = (ddb_strset){items, n};
    return 0;
}

static int list_from_av(const ddb_field *f, const ddb_av *av, void *dst)
{
    if (f->elem_size == 0) {
        ddb_av *copy = ddb_av_clone(av);
        if (copy == NULL)
            return DDB_ENOMEM;
        ddb_av_free(*(ddb_av **)dst);
        *(ddb_av **)dst = copy;
        return 0;
    }
    size_t n = av->u.list.len;
    char *items = calloc(n != 0 ? n : 1, f->elem_size);
    if (items == NULL)
        return ddb_error_set(DDB_ENOMEM, "out of memory reading a list of %zu elements", n);
    for (size_t i = 0; i < n; i++) {
        int rc = value_from_av(f, f->elem, av->u.list.items[i], items + i * f->elem_size);
        if (rc != 0) {
            for (size_t k = 0; k <= i; k++)
                value_clear(f, f->elem, items + k * f->elem_size);
            free(items);
            ddb_error_prefix("element %zu: ", i);
            return rc;
        }
    }
    value_clear(f, DDB_FT_LIST, dst);
    ddb_list list = {items, n};
    memcpy(dst, &list, sizeof list);
    return 0;
}

/* The AttributeValue type a value of `type` must have (NULL: any). */
static ddb_av_type wire_type(const ddb_field *f, ddb_ftype type)
{
    (void)f;
    return ddb_type(type)->wire; /* the type's form: codecs are undone before */
}

/* JSON text is stored as S. What save would refuse (not RFC 8259 JSON:
 * NaN, a lone surrogate escape, nesting deeper than the parser's limit) is
 * refused on read too, so that whatever is read can be written back. */
static int json_from_av(const ddb_av *av, char **dst)
{
    int rc = ddb_json_text_check(av->u.str.ptr, av->u.str.len);
    if (rc == DDB_EINVAL)
        return ddb_error_set(DDB_ETYPE, "stored JSON text cannot be written back: %s", ddb_last_error()->message);
    return rc != 0 ? rc : text_from_av(av, dst);
}

/* DDB_ETYPE for an N that a field of C type `as` cannot hold (`why`). */
static int number_unfit(const ddb_av *av, const char *as, const char *why)
{
    return ddb_error_set(DDB_ETYPE, "N value \"%.64s%s\" as %s: %s", av->u.str.ptr,
                         av->u.str.len > 64 ? "..." : "", as, why);
}

static int double_from_av(const ddb_av *av, double *dst)
{
    const char *why = ddb_number_to_double_exact(av->u.str.ptr, av->u.str.len, dst);
    return why != NULL ? number_unfit(av, "double", why) : 0;
}

static int int64_from_av(const ddb_av *av, int64_t *dst)
{
    const char *why = ddb_number_to_i64(av->u.str.ptr, av->u.str.len, dst);
    return why != NULL ? number_unfit(av, "int64", why) : 0;
}

static int time_from_av(const ddb_av *av, ddb_time *dst)
{
    int rc = ddb_time_parse(av->u.str.ptr, av->u.str.len, dst);
    return rc == 0 ? 0 : ddb_error_set(DDB_ETYPE, "%s", ddb_last_error()->message);
}

/* Reads `av` into the value storage `dst` of `type` (freshly initialised). */
static int value_from_av(const ddb_field *f, ddb_ftype type, const ddb_av *av, void *dst)
{
    ddb_av_type want = wire_type(f, type);
    if (type != DDB_FT_DOCUMENT && av->type != want)
        return ddb_error_set(DDB_ETYPE, "stored as %s, expected %s", ddb_av_type_tag(av->type),
                             ddb_av_type_tag(want));
    switch (type) {
    case DDB_FT_STRING:
    case DDB_FT_DECIMAL:
    case DDB_FT_DISCRIMINATOR:
        return text_from_av(av, dst);
    case DDB_FT_JSON:
        return json_from_av(av, dst);
    case DDB_FT_INT64:
    case DDB_FT_TTL:
    case DDB_FT_VERSION:
        return int64_from_av(av, dst);
    case DDB_FT_DOUBLE:
        return double_from_av(av, dst);
    case DDB_FT_BOOL:
        *(bool *)dst = av->u.boolean;
        return 0;
    case DDB_FT_NULL:
        *(bool *)dst = true;
        return 0;
    case DDB_FT_BINARY:
        return bytes_from_av(av, dst);
    case DDB_FT_DATETIME:
        return time_from_av(av, dst);
    case DDB_FT_STRING_SET:
    case DDB_FT_NUMBER_SET:
    case DDB_FT_BINARY_SET:
        return set_from_av(type, av, dst);
    case DDB_FT_LIST:
        return list_from_av(f, av, dst);
    case DDB_FT_MAP:
        ddb_model_clear(f->sub, dst);
        ddb_model_init(f->sub, dst);
        return ddb_model_from_item(dst, f->sub, av);
    case DDB_FT_DOCUMENT: {
        ddb_av *copy = ddb_av_clone(av);
        if (copy == NULL)
            return DDB_ENOMEM;
        ddb_av_free(*(ddb_av **)dst);
        *(ddb_av **)dst = copy;
        return 0;
    }
    }
    return ddb_error_set(DDB_EINVAL, "unknown field type %d", (int)type);
}

/* Frees what the value of `type` at `v` owns (leaves `v` dangling: the
 * caller zeroes the containing struct). */
static void value_clear(const ddb_field *f, ddb_ftype type, void *v)
{
    switch (type) {
    case DDB_FT_STRING:
    case DDB_FT_DECIMAL:
    case DDB_FT_JSON:
    case DDB_FT_DISCRIMINATOR:
        free(*(char **)v);
        return;
    case DDB_FT_BINARY:
        free(((ddb_bytes *)v)->data);
        return;
    case DDB_FT_DOCUMENT:
        ddb_av_free(*(ddb_av **)v);
        return;
    case DDB_FT_STRING_SET:
    case DDB_FT_NUMBER_SET: {
        ddb_strset *set = v;
        for (size_t i = 0; i < set->n; i++)
            free(set->items[i]);
        free(set->items);
        return;
    }
    case DDB_FT_BINARY_SET: {
        ddb_binset *set = v;
        for (size_t i = 0; i < set->n; i++)
            free(set->items[i].data);
        free(set->items);
        return;
    }
    case DDB_FT_LIST: {
        if (f->elem_size == 0) {
            ddb_av_free(*(ddb_av **)v);
            return;
        }
        ddb_list list;
        memcpy(&list, v, sizeof list);
        for (size_t i = 0; i < list.n; i++)
            value_clear(f, f->elem, (char *)list.items + i * f->elem_size);
        free(list.items);
        return;
    }
    case DDB_FT_MAP:
        ddb_model_clear(f->sub, v);
        return;
    case DDB_FT_INT64:
    case DDB_FT_DOUBLE:
    case DDB_FT_BOOL:
    case DDB_FT_NULL:
    case DDB_FT_DATETIME:
    case DDB_FT_TTL:
    case DDB_FT_VERSION:
        return;
    }
}

/* Records "<model>.<field>: <why>" with code and returns code. */
static int field_error(int code, const ddb_model *m, const ddb_field *f, const char *why)
{
    return ddb_error_set(code, "%s.%s (attribute \"%s\"): %s", m->name, f->name, f->attr, why);
}

/* Puts the field's name in front of the current error's message. */
static int field_error_wrap(const ddb_model *m, const ddb_field *f)
{
    ddb_error_prefix("%s.%s (attribute \"%s\"): ", m->name, f->name, f->attr);
    return ddb_last_error()->code;
}

static int field_from_av(const ddb_model *m, const ddb_field *f, const ddb_av *stored, void *obj,
                         const ddb_codec_env *env)
{
    ddb_av *owned = NULL;
    const ddb_av *av = env != NULL ? ddb_field_decode(f, stored, &owned, env) : stored;
    int rc = av != NULL ? value_from_av(f, f->type, av, field_ptr(obj, f)) : ddb_last_error()->code;
    ddb_av_free(owned);
    if (rc != 0)
        return field_error_wrap(m, f);
    bool *has = presence_ptr(obj, f);
    if (has != NULL)
        *has = true;
    return 0;
}

/* ------------------------------------------------------------ struct <-> item */

static ddb_av **unknown_slot(const ddb_model *m, void *obj)
{
    return m->unknown_offset == DDB_NO_PRESENCE ? NULL : (ddb_av **)((char *)obj + m->unknown_offset);
}

void ddb_bytes_clear(ddb_bytes *b)
{
    if (b != NULL) {
        value_clear(NULL, DDB_FT_BINARY, b);
        *b = (ddb_bytes){NULL, 0};
    }
}

void ddb_strset_clear(ddb_strset *set)
{
    if (set != NULL) {
        value_clear(NULL, DDB_FT_STRING_SET, set);
        *set = (ddb_strset){NULL, 0};
    }
}

void ddb_numset_clear(ddb_numset *set)
{
    if (set != NULL) {
        value_clear(NULL, DDB_FT_NUMBER_SET, set);
        *set = (ddb_numset){NULL, 0};
    }
}

void ddb_binset_clear(ddb_binset *set)
{
    if (set != NULL) {
        value_clear(NULL, DDB_FT_BINARY_SET, set);
        *set = (ddb_binset){NULL, 0};
    }
}

void ddb_list_clear(void *list, ddb_ftype elem, size_t elem_size, const ddb_model *sub)
{
    if (list == NULL)
        return;
    ddb_field f = {.name = "list", .attr = "list", .type = DDB_FT_LIST, .elem = elem,
                   .elem_size = elem_size, .sub = sub};
    value_clear(&f, DDB_FT_LIST, list);
    memset(list, 0, sizeof(ddb_list));
}

void ddb_model_clear(const ddb_model *m, void *obj)
{
    for (size_t i = 0; i < m->n_fields; i++)
        value_clear(&m->fields[i], m->fields[i].type, field_ptr(obj, &m->fields[i]));
    ddb_av **unknown = unknown_slot(m, obj);
    if (unknown != NULL)
        ddb_av_free(*unknown);
    memset(obj, 0, m->size);
}

void ddb_model_init(const ddb_model *m, void *obj)
{
    memset(obj, 0, m->size);
    if (m->defaults != NULL)
        m->defaults(obj);
}

/* Adds the attributes kept by keep_unknown that the item does not have. */
static int add_unknown(const ddb_model *m, const void *obj, ddb_av *item)
{
    ddb_av *const *unknown = unknown_slot(m, (void *)(uintptr_t)obj);
    if (unknown == NULL || *unknown == NULL || (*unknown)->type != DDB_AV_M)
        return 0;
    for (size_t i = 0; i < (*unknown)->u.map.len; i++) {
        const ddb_av_member *mem = &(*unknown)->u.map.items[i];
        if (ddb_av_map_get(item, mem->name) != NULL)
            continue;
        int rc = ddb_av_map_set_len(item, mem->name, mem->name_len, ddb_av_clone(mem->value));
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int field_to_item(const ddb_model *m, const ddb_field *f, const void *obj, ddb_av *item,
                         const ddb_codec_env *env)
{
    ddb_av *v;
    if (f->type == DDB_FT_DISCRIMINATOR && m->discriminator_value != NULL)
        v = ddb_av_s(m->discriminator_value); /* a subclass always writes its own value */
    else if (!field_present(obj, f))
        return (f->flags & DDB_FIELD_NULLABLE) || f->type == DDB_FT_VERSION || f->type == DDB_FT_NULL ||
                       f->type == DDB_FT_STRING_SET || f->type == DDB_FT_NUMBER_SET ||
                       f->type == DDB_FT_BINARY_SET
                   ? 0
                   : field_error(DDB_EINVAL, m, f, "required attribute is missing");
    else
        v = env != NULL ? ddb_field_av(f, field_cptr(obj, f), env) : value_to_av(f, f->type, field_cptr(obj, f));
    if (v == NULL)
        return field_error_wrap(m, f);
    return ddb_av_map_set(item, f->attr, v);
}

/* Whether a field of `m` is bound to the item's key: encrypted in random
 * mode, or stored in S3 (under the item's digest). */
static bool binds_item_key(const ddb_model *m)
{
    for (size_t i = 0; i < m->n_fields; i++) {
        const ddb_field *f = &m->fields[i];
        if (f->codec != NULL && (f->codec->encrypt == DDB_ENCRYPT_RANDOM || f->codec->s3_bucket != NULL))
            return true;
    }
    return false;
}

int ddb_model_to_item_as(ddb_av **out, const ddb_model *m, const void *obj, bool stored)
{
    return ddb_model_to_item_write(out, m, obj, stored, NULL);
}

int ddb_model_to_item_write(ddb_av **out, const ddb_model *m, const void *obj, bool stored, ddb_s3_pending *pending)
{
    ddb_codec_env env = {.m = m->table != NULL ? m : NULL, .pending = pending};
    ddb_buf key_bytes = DDB_BUF_INIT;
    int rc = 0;
    if (stored && env.m != NULL && binds_item_key(m)) {
        ddb_av *key = NULL;
        rc = ddb_model_key(&key, m, obj);
        if (rc == 0)
            rc = ddb_item_key_bytes(&key_bytes, m, key);
        ddb_av_free(key);
        env.item_key = (const unsigned char *)key_bytes.data;
        env.item_key_len = key_bytes.len;
    }
    ddb_av *item = rc == 0 ? ddb_av_new(DDB_AV_M) : NULL;
    if (rc == 0 && item == NULL)
        rc = DDB_ENOMEM;
    for (size_t i = 0; rc == 0 && i < m->n_fields; i++)
        rc = field_to_item(m, &m->fields[i], obj, item, stored ? &env : NULL);
    if (rc == 0)
        rc = add_unknown(m, obj, item);
    ddb_buf_free(&key_bytes);
    if (rc != 0) {
        ddb_av_free(item);
        return rc;
    }
    *out = item;
    return 0;
}

int ddb_model_to_item(ddb_av **out, const ddb_model *m, const void *obj)
{
    return ddb_model_to_item_as(out, m, obj, true);
}

/* Adds the key attribute of field index `fi` with value at `value` to `key`. */
static int add_key_part(const ddb_model *m, int fi, const void *value, ddb_av *key)
{
    const ddb_field *f = &m->fields[fi];
    if (value == NULL)
        return field_error(DDB_EINVAL, m, f, "key value is missing");
    ddb_codec_env env = {.m = m}; /* keys are never bound to the item: only deterministic */
    ddb_av *v = ddb_field_av(f, value, &env);
    if (v == NULL)
        return field_error_wrap(m, f);
    return ddb_av_map_set(key, f->attr, v);
}

int ddb_model_key_of(ddb_av **out, const ddb_model *m, const void *hash, const void *range)
{
    ddb_av *key = ddb_av_new(DDB_AV_M);
    if (key == NULL)
        return DDB_ENOMEM;
    int rc = add_key_part(m, m->hash_key, hash, key);
    if (rc == 0 && m->range_key >= 0)
        rc = add_key_part(m, m->range_key, range, key);
    if (rc == 0) /* DynamoDB's rules, before anything is sent (batch.c) */
        rc = ddb_model_check_key(m, key);
    if (rc != 0) {
        ddb_av_free(key);
        return rc;
    }
    *out = key;
    return 0;
}

int ddb_model_key(ddb_av **out, const ddb_model *m, const void *obj)
{
    const void *range = m->range_key >= 0 ? field_cptr(obj, &m->fields[m->range_key]) : NULL;
    return ddb_model_key_of(out, m, field_cptr(obj, &m->fields[m->hash_key]), range);
}

/* Whether `name` is the attribute of one of m's fields. */
static bool declared(const ddb_model *m, const char *name)
{
    for (size_t i = 0; i < m->n_fields; i++) {
        if (strcmp(m->fields[i].attr, name) == 0)
            return true;
    }
    return false;
}

/* keep_unknown: copies the item's undeclared attributes into the struct. */
static int keep_unknown(const ddb_model *m, const ddb_av *item, void *obj)
{
    ddb_av **unknown = unknown_slot(m, obj);
    if (unknown == NULL)
        return 0;
    for (size_t i = 0; i < item->u.map.len; i++) {
        const ddb_av_member *mem = &item->u.map.items[i];
        if (declared(m, mem->name))
            continue;
        if (*unknown == NULL && (*unknown = ddb_av_new(DDB_AV_M)) == NULL)
            return DDB_ENOMEM;
        int rc = ddb_av_map_set_len(*unknown, mem->name, mem->name_len, ddb_av_clone(mem->value));
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* A subclass reads only items of its kind. An item without the attribute
 * (a partial view: UPDATED_* return values, a projection) is accepted. */
static int check_discriminator(const ddb_model *m, const ddb_av *item)
{
    if (m->discriminator_value == NULL || m->discriminator_field < 0)
        return 0;
    const ddb_field *f = &m->fields[m->discriminator_field];
    const ddb_av *v = ddb_av_map_get(item, f->attr);
    if (v == NULL || (v->type == DDB_AV_S && strcmp(v->u.str.ptr, m->discriminator_value) == 0))
        return 0;
    return ddb_error_set(DDB_ETYPE, "%s: the item is not a \"%s\" (attribute \"%s\" is %s%s%s)", m->name,
                         m->discriminator_value, f->attr, v->type == DDB_AV_S ? "\"" : "",
                         v->type == DDB_AV_S ? v->u.str.ptr : ddb_av_type_tag(v->type),
                         v->type == DDB_AV_S ? "\"" : "");
}

int ddb_model_from_item_as(void *obj, const ddb_model *m, const ddb_av *item, bool stored)
{
    if (item == NULL || item->type != DDB_AV_M)
        return ddb_error_set(DDB_ETYPE, "%s: item is not a map", m->name);
    ddb_codec_env env = {.m = m->table != NULL ? m : NULL};
    ddb_buf key_bytes = DDB_BUF_INIT;
    /* random-mode values are bound to the item's key: when the item lacks
     * it, those fields say so as they are read */
    if (stored && env.m != NULL && binds_item_key(m) && ddb_item_key_bytes(&key_bytes, m, item) == 0) {
        env.item_key = (const unsigned char *)key_bytes.data;
        env.item_key_len = key_bytes.len;
    }
    int rc = check_discriminator(m, item);
    for (size_t i = 0; rc == 0 && i < m->n_fields; i++) {
        const ddb_field *f = &m->fields[i];
        const ddb_av *av = ddb_av_map_get(item, f->attr);
        if (av == NULL || (av->type == DDB_AV_NULL && f->type != DDB_FT_NULL))
            continue;
        rc = field_from_av(m, f, av, obj, stored ? &env : NULL);
    }
    ddb_buf_free(&key_bytes);
    return rc == 0 ? keep_unknown(m, item, obj) : rc;
}

int ddb_model_from_item(void *obj, const ddb_model *m, const ddb_av *item)
{
    return ddb_model_from_item_as(obj, m, item, true);
}

/* default_for_new applies to new objects only: an item read from the table
 * that lacks such an attribute reads it as absent. */
static void forget_defaults_for_new(const ddb_model *m, const ddb_av *item, void *obj)
{
    for (size_t i = 0; i < m->n_fields; i++) {
        const ddb_field *f = &m->fields[i];
        if (!(f->flags & DDB_FIELD_DEFAULT_FOR_NEW) || ddb_av_map_get(item, f->attr) != NULL)
            continue;
        value_clear(f, f->type, field_ptr(obj, f));
        memset(field_ptr(obj, f), 0, value_size(f));
        bool *has = presence_ptr(obj, f);
        if (has != NULL)
            *has = false;
    }
}

/* Fills `out` from `item` through a temporary: on success `out` is cleared
 * and replaced; on failure it is left unchanged. */
int ddb_model_read_item(void *out, const ddb_model *m, const ddb_av *item)
{
    void *tmp = malloc(m->size);
    if (tmp == NULL)
        return ddb_error_set(DDB_ENOMEM, "out of memory reading a %s", m->name);
    ddb_model_init(m, tmp);
    forget_defaults_for_new(m, item, tmp);
    int rc = ddb_model_from_item(tmp, m, item);
    if (rc == 0) {
        ddb_model_clear(m, out);
        memcpy(out, tmp, m->size);
    } else {
        ddb_model_clear(m, tmp);
    }
    free(tmp);
    return rc;
}

/* ------------------------------------------------------------ optimistic locking */

int ddb_attr_path(const char *attr, ddb_buf *out)
{
    for (const char *p = attr; *p != '\0'; p++) {
        if ((*p == '.' || *p == '[' || *p == ']' || *p == '\\') && ddb_buf_putc(out, '\\') != 0)
            return DDB_ENOMEM;
        if (ddb_buf_putc(out, *p) != 0)
            return DDB_ENOMEM;
    }
    return 0;
}

/* `version = current`, or attribute_not_exists(version) for a new item. */
static ddb_cond *version_cond(const ddb_field *f, int64_t current)
{
    ddb_buf path = DDB_BUF_INIT;
    if (ddb_attr_path(f->attr, &path) != 0) {
        ddb_buf_free(&path);
        return ddb_cond_error(DDB_ENOMEM);
    }
    ddb_cond *c = current == 0 ? ddb_cond_not_exists(ddb_buf_cstr(&path))
                               : ddb_cond_cmp(ddb_buf_cstr(&path), DDB_CMP_EQ, ddb_av_n_i64(current));
    ddb_buf_free(&path);
    return c;
}

int ddb_model_version_guard(const ddb_model *m, const void *obj, ddb_cond **cond, int64_t *next_version)
{
    *next_version = 0;
    if (m->version_field < 0)
        return 0;
    const ddb_field *f = &m->fields[m->version_field];
    int64_t current = *(const int64_t *)field_cptr(obj, f);
    if (current < 0 || current == INT64_MAX)
        return field_error(DDB_EINVAL, m, f, "version out of range");
    ddb_cond *c = version_cond(f, current);
    *cond = *cond != NULL ? ddb_cond_and(*cond, c) : c;
    *next_version = current + 1;
    return ddb_cond_status(*cond);
}

int ddb_model_version_item(const ddb_model *m, ddb_av *item, int64_t next_version)
{
    if (m->version_field < 0 || next_version == 0)
        return 0;
    return ddb_av_map_set(item, m->fields[m->version_field].attr, ddb_av_n_i64(next_version));
}

ddb_update *ddb_model_version_update(const ddb_model *m, ddb_update *actions, int64_t next_version)
{
    if (m->version_field < 0 || next_version == 0)
        return actions;
    ddb_buf path = DDB_BUF_INIT;
    if (ddb_attr_path(m->fields[m->version_field].attr, &path) != 0) {
        ddb_buf_free(&path);
        ddb_update_free(actions);
        return ddb_update_error(DDB_ENOMEM);
    }
    ddb_update *set = ddb_update_set(ddb_buf_cstr(&path), ddb_av_n_i64(next_version));
    ddb_buf_free(&path);
    return actions != NULL ? ddb_update_join(actions, set) : set;
}

void ddb_model_version_commit(const ddb_model *m, void *obj, int64_t next_version)
{
    if (m->version_field >= 0 && next_version != 0)
        *(int64_t *)field_ptr(obj, &m->fields[m->version_field]) = next_version;
}

/* ------------------------------------------------------------ connection slots */

/* The slots (and the default keyring) are read on every request from any
 * thread and written rarely: atomic loads and stores of the pointers, no
 * lock (a process-wide mutex here was the one global lock on the request
 * path, docs/performance.md). The slots are plain pointers in the public
 * struct, so the GCC/Clang builtins rather than C11 _Atomic types. The
 * mutex only makes the default S3 client once. */
#define SLOT_LOAD(field) __atomic_load_n(&(field), __ATOMIC_ACQUIRE)
#define SLOT_STORE(field, value) __atomic_store_n(&(field), (value), __ATOMIC_RELEASE)

static pthread_mutex_t slot_lock = PTHREAD_MUTEX_INITIALIZER;

/* This thread's overrides: slot -> client, searched before the slots. A
 * fixed array, so a thread that exits holding overrides leaks nothing. */
typedef struct thread_override {
    const ddb_conn_slot *slot;
    ddb_client *client;
} thread_override;

static _Thread_local thread_override overrides[DDB_THREAD_OVERRIDES_MAX];
static _Thread_local size_t n_overrides;

static thread_override *thread_find(const ddb_conn_slot *slot)
{
    for (size_t i = 0; i < n_overrides; i++)
        if (overrides[i].slot == slot)
            return &overrides[i];
    return NULL;
}

int ddb_thread_use_client(const ddb_model *m, ddb_client *c)
{
    if (m == NULL || m->slot == NULL)
        return ddb_error_set(DDB_EINVAL, "ddb_thread_use_client: a model with a table is required");
    thread_override *o = thread_find(m->slot);
    if (c == NULL) { /* remove: the last one takes its place */
        if (o != NULL)
            *o = overrides[--n_overrides];
        return 0;
    }
    if (o == NULL) {
        if (n_overrides == DDB_THREAD_OVERRIDES_MAX)
            return ddb_error_set(DDB_ELIMIT, "ddb_thread_use_client: this thread overrides %d models already",
                                 DDB_THREAD_OVERRIDES_MAX);
        o = &overrides[n_overrides++];
        o->slot = m->slot;
    }
    o->client = c;
    return 0;
}

ddb_client *ddb_thread_client(const ddb_model *m)
{
    const thread_override *o = m != NULL && m->slot != NULL ? thread_find(m->slot) : NULL;
    return o != NULL ? o->client : NULL;
}

void ddb_model_use_client(const ddb_model *m, ddb_client *c)
{
    SLOT_STORE(m->slot->client, c);
}

ddb_client *ddb_model_bound_client(const ddb_model *m)
{
    return SLOT_LOAD(m->slot->client);
}

ddb_client *ddb_model_client(const ddb_model *m)
{
    ddb_client *c = ddb_thread_client(m);
    if (c == NULL)
        c = ddb_model_bound_client(m);
    return c != NULL ? c : ddb_default_client();
}

void ddb_model_reset_client(const ddb_model *m)
{
    ddb_model_use_client(m, NULL);
    (void)ddb_thread_use_client(m, NULL);
}

void ddb_models_use_client(const ddb_model *const *models, size_t n, ddb_client *c)
{
    for (size_t i = 0; i < n; i++)
        ddb_model_use_client(models[i], c);
}

int ddb_client_scope_begin(ddb_client_scope *s, ddb_scope_kind kind, ddb_client *c, const ddb_model *const *models,
                           size_t n)
{
    *s = (ddb_client_scope){0};
    if (c == NULL || n == 0) /* as use_boto_session(None): nothing changes */
        return 0;
    if (n > DDB_SCOPE_MODELS_MAX)
        return ddb_error_set(DDB_ELIMIT, "ddb_client_scope_begin: %zu models, over %d", n, DDB_SCOPE_MODELS_MAX);
    if (kind != DDB_SCOPE_PROCESS && kind != DDB_SCOPE_THREAD)
        return ddb_error_set(DDB_EINVAL, "ddb_client_scope_begin: unknown scope kind %d", (int)kind);
    s->kind = kind;
    for (size_t i = 0; i < n; i++) {
        const ddb_model *m = models[i];
        if (m == NULL || m->slot == NULL) {
            ddb_client_scope_end(s);
            return ddb_error_set(DDB_EINVAL, "ddb_client_scope_begin: models[%zu] has no table", i);
        }
        ddb_client *prev = kind == DDB_SCOPE_THREAD ? ddb_thread_client(m) : ddb_model_bound_client(m);
        int rc = kind == DDB_SCOPE_THREAD ? ddb_thread_use_client(m, c) : (ddb_model_use_client(m, c), 0);
        if (rc != 0) {
            ddb_error saved = *ddb_last_error();
            ddb_client_scope_end(s);
            ddb_error_restore(&saved);
            return rc;
        }
        s->models[s->n] = m;
        s->saved[s->n++] = prev;
    }
    return 0;
}

void ddb_client_scope_end(ddb_client_scope *s)
{
    if (s == NULL)
        return;
    while (s->n > 0) { /* newest first: a model listed twice gets its first value back */
        s->n--;
        if (s->kind == DDB_SCOPE_THREAD)
            (void)ddb_thread_use_client(s->models[s->n], s->saved[s->n]); /* never grows: it is there */
        else
            ddb_model_use_client(s->models[s->n], s->saved[s->n]);
    }
}

void ddb_client_scope_keep(ddb_client_scope *s)
{
    if (s != NULL)
        s->n = 0;
}

/* ------------------------------------------------------------ keyrings */

static ddb_keyring *default_keyring;

void ddb_model_use_keyring(const ddb_model *m, ddb_keyring *k)
{
    if (m->slot == NULL)
        return; /* a map: its model's keyring is used */
    SLOT_STORE(m->slot->keyring, k);
}

ddb_keyring *ddb_model_keyring(const ddb_model *m)
{
    ddb_keyring *k = m->slot != NULL ? SLOT_LOAD(m->slot->keyring) : NULL;
    return k != NULL ? k : SLOT_LOAD(default_keyring);
}

void ddb_default_keyring_set(ddb_keyring *k)
{
    SLOT_STORE(default_keyring, k);
}

ddb_keyring *ddb_default_keyring(void)
{
    return SLOT_LOAD(default_keyring);
}

/* ------------------------------------------------------------ S3 clients */

static _Atomic(ddb_client *) default_s3;

void ddb_model_use_s3(const ddb_model *m, ddb_client *s3)
{
    if (m->slot == NULL)
        return;
    SLOT_STORE(m->slot->s3, s3);
}

ddb_client *ddb_model_s3(const ddb_model *m)
{
    ddb_client *c = m->slot != NULL ? SLOT_LOAD(m->slot->s3) : NULL;
    return c != NULL ? c : ddb_default_s3_client();
}

ddb_client *ddb_default_s3_client(void)
{
    ddb_client *c = atomic_load_explicit(&default_s3, memory_order_acquire);
    if (c != NULL)
        return c;
    pthread_mutex_lock(&slot_lock);
    c = atomic_load_explicit(&default_s3, memory_order_relaxed);
    if (c == NULL) {
        ddb_client_config cfg = DDB_CLIENT_CONFIG_INIT;
        cfg.service = "s3";
        if (ddb_client_new(&c, &cfg) == 0)
            atomic_store_explicit(&default_s3, c, memory_order_release);
        else
            c = NULL;
    }
    pthread_mutex_unlock(&slot_lock);
    return c;
}

void ddb_default_s3_client_set(ddb_client *c)
{
    pthread_mutex_lock(&slot_lock);
    ddb_client *old = atomic_exchange_explicit(&default_s3, c, memory_order_acq_rel);
    pthread_mutex_unlock(&slot_lock);
    ddb_client_free(old);
}
