/*
 * expr_internal.h - INTERNAL to libddb: marking expression values that are
 * the plain form of an encrypted attribute (see ddb_expr_ctx.seal).
 */
#ifndef DDB_EXPR_INTERNAL_H
#define DDB_EXPR_INTERNAL_H

#include "ddb/expr.h"

/* Marks the values of leaf condition `c` (one just built by a typed
 * builder) as plain forms of `field`, sealed when rendered. */
void ddb_cond_seal_with(ddb_cond *c, const void *field);
/* The same for the single action of update `u`. */
void ddb_update_seal_with(ddb_update *u, const void *field);

#endif /* DDB_EXPR_INTERNAL_H */
