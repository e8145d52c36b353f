/* model_internal.h - shared between model.c and model_ops.c (not installed). */
#ifndef DDB_MODEL_INTERNAL_H
#define DDB_MODEL_INTERNAL_H

#include "ddb/model.h"

/* A new ddb_av for the value of `type` stored at `v` (a pointer to that
 * type's C representation; `f` gives list-element and map details). NULL
 * with the error recorded when the codec refuses the value (model.c). */
ddb_av *ddb_value_av(const ddb_field *f, ddb_ftype type, const void *v);
/*
 * What a field's codec needs besides the value (encryption): the model
 * (table, keyring; NULL for maps, which cannot hold encrypted fields) and
 * the item's key in canonical bytes (ddb_item_key_bytes; random-mode
 * encryption binds it; NULL when unknown, which such a field refuses).
 */
typedef struct ddb_s3_pending ddb_s3_pending;

typedef struct ddb_codec_env {
    const ddb_model *m;
    const unsigned char *item_key;
    size_t item_key_len;
    /* S3-backed fields: the bodies a write must upload before it is sent
     * (s3_fields.c); NULL outside model write operations, where such
     * fields are refused. */
    ddb_s3_pending *pending;
} ddb_codec_env;

/* The attribute a whole value of field `f` is stored as: ddb_value_av,
 * then the field's codec (compression, encryption) with `env` (NULL for
 * fields without encryption). NULL with the error recorded. */
ddb_av *ddb_field_av(const ddb_field *f, const void *v, const ddb_codec_env *env);
/* The field's codec applied to `av` (its type's form), which it takes
 * over: the stored form, or NULL with the error recorded. */
ddb_av *ddb_field_encode(const ddb_field *f, ddb_av *av, const ddb_codec_env *env);
/* The type's form of the stored attribute `av`: `av` itself for a field
 * without codec, else a new value also put in *owned for the caller to
 * free. NULL with DDB_ETYPE / DDB_ECRYPTO (saying why) or DDB_ENOMEM. */
const ddb_av *ddb_field_decode(const ddb_field *f, const ddb_av *av, ddb_av **owned, const ddb_codec_env *env);
/* Whether `f` has a codec (its stored form is not its type's). */
bool ddb_field_transformed(const ddb_field *f);
/* Appends the canonical bytes of the key attributes of stored item `item`
 * (hash, then range: kind byte, 4-byte length, bytes). 0, DDB_EINVAL (a
 * key attribute missing or not S/N/B), DDB_ENOMEM. */
int ddb_item_key_bytes(ddb_buf *out, const ddb_model *m, const ddb_av *item);
/* The seal hook of ddb_expr_ctx for model operations: the stored form of
 * the plain value of an encrypted field (`arg`: a ddb_codec_env). */
int ddb_model_seal(ddb_av **out, const void *field, const ddb_av *plain, void *arg);
/* ddb_model_to_item / ddb_model_from_item, with (`stored`) or without the
 * fields' codecs: plain items are what plain JSON shows and reads. */
int ddb_model_to_item_as(ddb_av **out, const ddb_model *m, const void *obj, bool stored);
int ddb_model_from_item_as(void *obj, const ddb_model *m, const ddb_av *item, bool stored);
/* ddb_model_to_item_as for a write: S3-backed values are recorded in
 * `pending` for upload (NULL: such values are refused). */
int ddb_model_to_item_write(ddb_av **out, const ddb_model *m, const void *obj, bool stored, ddb_s3_pending *pending);

/* Bytes of the C storage of a value of field `f`. */
size_t ddb_value_size(const ddb_field *f);

/* Room for an element path (ddb_path_at), the NUL included. */
#define DDB_PATH_MAX 4096
/* `path` with its first "[]" replaced by "[index]" ("replies[].by", 3 ->
 * "replies[3].by") in `out`; returns out, or NULL when `path` has no "[]"
 * or the result does not fit (field_ops.c). Reentrant. */
const char *ddb_path_at(char out[DDB_PATH_MAX], const char *path, size_t index);

/* The DynamoDB type a field is stored as (S, N, BOOL, B). */
ddb_av_type ddb_field_av_type(const ddb_field *f);

/* Fills `out` from `item` through a temporary: on success `out` is cleared
 * and replaced; on failure it is left unchanged. */
int ddb_model_read_item(void *out, const ddb_model *m, const ddb_av *item);

/* Appends `attr` in the path syntax of ddb/expr.h ('.', '[', ']', '\\'
 * escaped). 0 or DDB_ENOMEM. */
int ddb_attr_path(const char *attr, ddb_buf *out);

/*
 * Optimistic locking (PynamoDB's VersionAttribute). For a model with a
 * version field: guard ANDs `version = current` (or
 * attribute_not_exists(version) when current is 0, a never-saved object)
 * into *cond (which may be NULL) and sets *next_version = current + 1;
 * item/update write next_version into an item / append SET version = next
 * (taking `actions`); commit stores it in obj after the write succeeded.
 * All are no-ops (next_version 0) for models without a version field.
 */
int ddb_model_version_guard(const ddb_model *m, const void *obj, ddb_cond **cond, int64_t *next_version);
int ddb_model_version_item(const ddb_model *m, ddb_av *item, int64_t next_version);
ddb_update *ddb_model_version_update(const ddb_model *m, ddb_update *actions, int64_t next_version);
void ddb_model_version_commit(const ddb_model *m, void *obj, int64_t next_version);

/* ---- shared by model_ops.c and model_read.c (model_common.c) ---- */

/* Expressions of one request: placeholders plus up to three expression texts. */
typedef struct request_exprs {
    ddb_expr_ctx ctx;
    ddb_buf condition; /* ConditionExpression / KeyConditionExpression */
    ddb_buf filter;    /* FilterExpression */
    ddb_buf update;    /* UpdateExpression */
} request_exprs;

#define REQUEST_EXPRS_INIT {DDB_EXPR_CTX_INIT, DDB_BUF_INIT, DDB_BUF_INIT, DDB_BUF_INIT}

void ddb_request_exprs_free(request_exprs *r);
/* Renders `c` (NULL: nothing) into `out`. */
int ddb_render_cond(request_exprs *r, const ddb_cond *c, ddb_buf *out);
/* The expression text, or NULL when nothing was rendered (not sent). */
const char *ddb_expr_or_null(const ddb_buf *b);
/* The client for a call on `m`: `given` (a call's own, from its options)
 * when not NULL, else the model's; NULL with the error recorded. */
ddb_client *ddb_model_client_for(const ddb_model *m, ddb_client *given);
/* The `client` member of an options struct that may be NULL (a struct of
 * version 1, which had none, is refused by DDB_OPTS_CHECK anyway). */
#define DDB_OPTS_CLIENT(opts) ((opts) != NULL && (opts)->version >= 2 ? (opts)->client : NULL)
/* Records operation/table context on the current error, returns rc. */
int ddb_model_with_context(int rc, const char *operation, const ddb_model *m);

/* Lets `ctx` encrypt the values of m's encrypted attributes that builders
 * left plain: in `env` (and `key_bytes`, the caller's to free; both must
 * live while ctx renders), with the item key `key` (an M of the key
 * attributes, or the item; NULL: unknown, so only deterministic values). */
void ddb_seal_binding(ddb_expr_ctx *ctx, ddb_codec_env *env, ddb_buf *key_bytes, const ddb_model *m,
                      const ddb_av *key);

/* DynamoDB's rules for the key of model m (or the key attributes of an
 * item): present, S and B values not empty, a partition key of at most
 * 2048 bytes and a sort key of at most 1024. 0, DDB_EINVAL or DDB_ELIMIT
 * with a message naming the key. Every path that sends a key checks it
 * here: ddb_model_key_of calls it (batch.c). */
int ddb_model_check_key(const ddb_model *m, const ddb_av *key);
/* The same for an item's key attributes, and its size within DynamoDB's
 * 400 KB (ddb_item_size): puts, batch puts and transaction puts. */
int ddb_model_check_item(const ddb_model *m, const ddb_av *item);

/* Cycle detection over the LastEvaluatedKeys of one read (Brent's
 * algorithm, constant memory): DynamoDB never repeats a key within a scan
 * or query, and a service that does would keep a reader asking forever
 * (the ops layer already refuses a key equal to the one just sent; this
 * finds longer cycles, each within twice its start plus its length). */
typedef struct ddb_page_guard {
    ddb_av *mark; /* the key at the last power-of-two step */
    unsigned long steps, power;
} ddb_page_guard;

#define DDB_PAGE_GUARD_INIT {NULL, 0, 1}

/* 0 (a NULL key: the last page), DDB_EPROTOCOL when `next` repeats an
 * earlier key of the read, or DDB_ENOMEM. */
int ddb_page_guard_step(ddb_page_guard *g, const ddb_av *next);
void ddb_page_guard_free(ddb_page_guard *g);

/* Calls fn(item, arg) for every item of `table` (consistent Scan, page by
 * page) until fn returns non-zero; returns that, or the Scan's code. */
int ddb_table_each_item(ddb_client *c, const char *table, int (*fn)(const ddb_av *item, void *arg), void *arg);

/* Stores `units` in *to when `to` is not NULL (the `consumed` output of
 * an options struct). */
void ddb_model_report_consumed(double *to, double units);

/* 0 when the options struct `name` (NULL allowed) has version `want`;
 * else DDB_EINVAL naming it. */
#define DDB_OPTS_CHECK(opts, want, name)                                                         \
    ((opts) == NULL || (opts)->version == (want) ? 0 : ddb_opts_version_error((name), (opts)->version, (want)))
int ddb_opts_version_error(const char *name, unsigned got, unsigned want);

/* GetItem of `key` on m's table through `c`, with opts' consistency and
 * projection; fills `out` as ddb_model_get does (DDB_ENOTFOUND: out
 * unchanged). Notes consumed capacity. (model_read.c) */
int ddb_model_get_key(const ddb_model *m, ddb_client *c, const ddb_av *key, const ddb_get_opts *opts,
                      void *out);

#endif /* DDB_MODEL_INTERNAL_H */
