/*
 * vendor.c - adds the embedded runtime (vendor.h) to ddbc's outputs.
 */
#include "vendor.h"

#include <string.h>

int ddbc_vendor_append(ddbc_output_file **files, size_t *n_files, const char *dir, ddbc_diag *diag)
{
    int rc = 0;
    for (size_t i = 0; i < *n_files; i++) {
        for (size_t j = 0; j < ddbc_vendor_files_count; j++) {
            if (strcmp((*files)[i].name, ddbc_vendor_files[j].name) == 0) {
                ddbc_diag_error(diag, (ddbc_pos){NULL, 0, 0},
                                "output '%s' of a schema has the name of a file of the runtime that "
                                "--vendor writes; rename the schema file",
                                (*files)[i].name);
                rc = -1;
            }
        }
    }
    for (size_t i = 0; rc == 0 && i < ddbc_vendor_files_count; i++) {
        const ddbc_embedded_template *f = &ddbc_vendor_files[i];
        if (ddbc_output_files_push(files, n_files, f->name, (const char *)f->data, f->len) != 0) {
            ddbc_diag_error(diag, (ddbc_pos){NULL, 0, 0}, "out of memory");
            return -1;
        }
        (*files)[*n_files - 1].dir = dir;
    }
    return rc;
}
