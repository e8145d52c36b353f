/*
 * check.h - the generator front end: load, build and check schema files.
 *
 * ddbc_schema_load() runs the whole front end for one file: YAML loading
 * (load.h), IR building with the structural checks (build.h), and the naming
 * and uniqueness checks of this module. ddbc_schemas_check() adds the checks
 * that span several files of one run. Every error is reported, as
 * `file:line:col: error: message` through `diag`; nothing stops at the first.
 *
 * Thread safety: independent calls with distinct `diag` collectors may run
 * concurrently; the functions keep no global state.
 */
#ifndef DDBC_CHECK_H
#define DDBC_CHECK_H

#include <stddef.h>

#include "diag.h"
#include "ir.h"

/*
 * Loads, builds and checks the schema file at `path` (kept, as given, in the
 * result's `path` and in every position). Diagnostics go to `diag`.
 * Returns NULL on any error (all of them reported); otherwise a schema that
 * the caller frees with ddbc_schema_free().
 */
ddbc_schema *ddbc_schema_load(const char *path, ddbc_diag *diag);

/*
 * Checks the schemas of one run against each other: no two files may
 * generate the same or overlapping C names (same prefix and model, or
 * `<prefix>_<model>` of one inside the generated names of another). Reports
 * at the later file's model. Returns 0, or -1 when an error was reported.
 */
int ddbc_schemas_check(const ddbc_schema *const *schemas, size_t n, ddbc_diag *diag);

#endif /* DDBC_CHECK_H */
