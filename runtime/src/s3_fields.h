/*
 * s3_fields.h - INTERNAL to libddb: S3-backed attributes (s3_fields.c;
 * docs/s3.md). Thread safety: a pending list belongs to one operation.
 */
#ifndef DDB_S3_FIELDS_H
#define DDB_S3_FIELDS_H

#include <stdbool.h>
#include <stddef.h>

#include "model_internal.h"

/* The uploads one write operation makes. NULL on ENOMEM (recorded). */
ddb_s3_pending *ddb_s3_pending_new(void);
void ddb_s3_pending_free(ddb_s3_pending *p);

/* The S pointer field f stores for body[0..len), the body recorded in
 * env->pending for ddb_s3_upload. DDB_EINVAL outside a model write
 * (env->pending NULL or the item's key unknown), over the size bound. */
int ddb_s3_encode(ddb_av **out, const ddb_field *f, const ddb_codec_env *env, const void *body, size_t len);

/* Appends the body stored pointer `stored` names; DDB_ETYPE when the
 * pointer is not under the field's bucket and prefix, the object is gone,
 * or its content does not match its key's digest. */
int ddb_s3_fetch(ddb_buf *out, const ddb_field *f, const ddb_codec_env *env, const ddb_av *stored);

/* Uploads the pending bodies not in S3 yet (HEAD first), before the write. */
int ddb_s3_upload(ddb_s3_pending *p, const ddb_model *m);
/* After a failed write: deletes what ddb_s3_upload created. Keeps the
 * last error. */
void ddb_s3_undo(ddb_s3_pending *p, const ddb_model *m);
/* After a successful write that replaced `old_item` by `new_item` (NULL:
 * deleted): deletes the objects old_item pointed to and new_item does not.
 * Best effort (what fails, the GC collects); keeps the last error. */
void ddb_s3_release(const ddb_model *m, const ddb_av *old_item, const ddb_av *new_item);
/* Whether m has an S3-backed attribute. */
bool ddb_model_has_s3(const ddb_model *m);

#endif /* DDB_S3_FIELDS_H */
