/* model_internal.h - shared between model.c and model_ops.c (not installed). */
#ifndef DDB_MODEL_INTERNAL_H
#define DDB_MODEL_INTERNAL_H

#include "ddb/model.h"

/* A new ddb_av for the field value stored at `value` (NULL on error, recorded). */
ddb_av *ddb_field_value_av(const ddb_field *f, const void *value);

/* The DynamoDB type a field is stored as (S, N, BOOL, B). */
ddb_av_type ddb_field_av_type(const ddb_field *f);

/* Fills `out` from `item` through a temporary: on success `out` is cleared
 * and replaced; on failure it is left unchanged. */
int ddb_model_load(const ddb_model *m, const ddb_av *item, void *out);

#endif /* DDB_MODEL_INTERNAL_H */
