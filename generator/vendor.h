/*
 * vendor.h - the runtime that `ddbc --vendor` writes next to the generated
 * code (docs/vendoring.md): libddb.c (every runtime source joined into one
 * file at ddbc's build time by amalgamate.c), the public headers under
 * ddb/, version.h included, and the licence text as ddb/LICENSE. A program then builds from that directory
 * alone: cc -std=c11 -I DIR DIR/libddb.c DIR/<schema>.c ... -lcurl -lssl
 * -lcrypto -lz -lpthread.
 *
 * Thread safety: the embedded table is read-only; ddbc_vendor_append only
 * touches its arguments.
 */
#ifndef DDBC_VENDOR_H
#define DDBC_VENDOR_H

#include <stddef.h>

#include "diag.h"
#include "emit.h"
#include "write.h"

/* The runtime's files, embedded at build time (embed.c); names are relative paths. */
extern const ddbc_embedded_template ddbc_vendor_files[];
extern const size_t ddbc_vendor_files_count;

/*
 * Appends a copy of every runtime file, to be written into `dir`
 * (borrowed: it must outlive *files), to *files / *n_files (freed by the
 * caller with ddbc_output_files_free). Their names hold a subdirectory
 * ("ddb/model.h"), so they are written with ddbc_write_tree. An output
 * already in *files with the name of a runtime file (a schema named
 * libddb.yaml) is refused whatever its directory, since two spellings of
 * one directory cannot be told apart before writing. Returns 0, or -1
 * with the error reported to `diag`.
 */
int ddbc_vendor_append(ddbc_output_file **files, size_t *n_files, const char *dir, ddbc_diag *diag);

#endif /* DDBC_VENDOR_H */
