/*
 * build.h - YAML tree -> model IR, with the structural checks.
 *
 * The builder walks the tree of one schema file, reports every structural
 * problem (unknown, missing or misplaced keys, wrong node kinds, bad scalars,
 * unknown types, invalid defaults, references to undeclared attributes, key
 * and index rules) and fills the IR with whatever is valid. Naming rules and
 * uniqueness across models are check.c's job.
 */
#ifndef DDBC_BUILD_H
#define DDBC_BUILD_H

#include "diag.h"
#include "ir.h"
#include "load.h"

/*
 * Fills `s` (zeroed, with s->path set) from `root`, the root of the tree
 * loaded from s->path (NULL for an empty file). Errors go to `diag`; `s` is
 * then partial: any string may be NULL and any key index -1, but it is
 * always safe to pass to ddbc_schema_free(). Does not keep references into
 * the tree. Not thread-safe with respect to `diag`.
 */
void ddbc_build_schema(ddbc_schema *s, const ddbc_node *root, ddbc_diag *diag);

#endif /* DDBC_BUILD_H */
