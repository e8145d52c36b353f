/*
 * vendor.c - adds the embedded runtime (vendor.h) to ddbc's outputs.
 */
#include "vendor.h"

int ddbc_vendor_append(ddbc_output_file **files, size_t *n_files, ddbc_diag *diag)
{
    for (size_t i = 0; i < ddbc_vendor_files_count; i++) {
        const ddbc_embedded_template *f = &ddbc_vendor_files[i];
        if (ddbc_output_files_push(files, n_files, f->name, (const char *)f->data, f->len) != 0) {
            ddbc_diag_error(diag, (ddbc_pos){NULL, 0, 0}, "out of memory");
            return -1;
        }
    }
    return 0;
}
