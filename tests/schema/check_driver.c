/*
 * check_driver.c - the ddbc front end without the emitter: loads and checks
 * the schema files named on the command line and prints the diagnostics
 * exactly as ddbc does. Exit status 0 (no error) or 1. Used by the golden
 * error tests (run_errors.py --driver) and handy for fuzzing the loader.
 */
#include <stdio.h>
#include <stdlib.h>

#include "check.h"

int main(int argc, char **argv)
{
    ddbc_diag diag = DDBC_DIAG_INIT;
    ddbc_schema **schemas = calloc((size_t)argc, sizeof *schemas);
    size_t n = 0;
    if (schemas == NULL)
        return 1;
    for (int i = 1; i < argc; i++) {
        ddbc_schema *s = ddbc_schema_load(argv[i], &diag);
        if (s != NULL)
            schemas[n++] = s;
    }
    ddbc_schemas_check((const ddbc_schema *const *)schemas, n, &diag);
    ddbc_diag_print(&diag, stderr);
    int status = ddbc_diag_count(&diag) == 0 ? 0 : 1;
    for (size_t i = 0; i < n; i++)
        ddbc_schema_free(schemas[i]);
    free(schemas);
    ddbc_diag_free(&diag);
    return status;
}
