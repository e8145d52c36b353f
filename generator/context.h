/*
 * context.h - turns the checked IR into the variables templates see.
 *
 * Every decision about the generated C (type names, codec functions,
 * argument gates, which builders exist for a type, default expressions,
 * symbol names) is made here, so templates only loop and print.
 *
 * The variables are documented in docs/templates.md ("Context").
 *
 * Thread safety: pure function of its input; reentrant.
 */
#ifndef DDBC_CONTEXT_H
#define DDBC_CONTEXT_H

#include "diag.h"
#include "ir.h"
#include "tmpl.h"

/*
 * Builds the template variables (a dict, owned by the caller:
 * tmpl_value_free) for `schema`. `base` is the output file stem ("forum"
 * for forum.h/forum.c). Returns NULL when a generated C symbol would clash
 * (reported to `diag` at the declaration that causes it) or when out of
 * memory.
 */
tmpl_value *ddbc_context_build(const ddbc_schema *schema, const char *base, ddbc_diag *diag);

#endif /* DDBC_CONTEXT_H */
