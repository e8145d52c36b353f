/*
 * write.h - the only part of ddbc that writes files.
 *
 * The emitter renders every output into memory; the driver then hands the
 * whole set to ddbc_write_files(), which writes it all-or-nothing as far as
 * POSIX allows:
 *   1. every changed file is written to a temporary file in the output
 *      directory and fsync'ed; if any of these fails, the temporaries are
 *      removed and no output file is touched;
 *   2. the temporaries are renamed over their targets (atomic per file) and
 *      the directory is fsync'ed. Only a failing rename() - which POSIX
 *      gives no way to undo - can leave the set half replaced; it is
 *      reported.
 * A file whose content is already identical is not rewritten, but its
 * modification time is set to now (make, which has no "restat", would
 * otherwise run ddbc on every build; docs/build-systems.md).
 *
 * Errors are reported to `diag` with the path and strerror text.
 * Thread safety: safe to call concurrently for different directories.
 */
#ifndef DDBC_WRITE_H
#define DDBC_WRITE_H

#include <stddef.h>

#include "diag.h"

/* One rendered output file. Owned by whoever built it (see ddbc_output_files_free in emit.h). */
typedef struct ddbc_output_file {
    char *name; /* file name inside the output directory: no '/', not "." or ".." (but see ddbc_write_tree) */
    char *data; /* `len` bytes (NUL-terminated for convenience, NUL not written) */
    size_t len;
    /* Its output directory (borrowed, never freed here); NULL: the one given to the writer. */
    const char *dir;
} ddbc_output_file;

/*
 * Writes `files` into `dir` (created, with parents, if missing) as described
 * above. Rejects invalid or repeated names before writing anything.
 * Returns 0, or -1 when an error was reported.
 */
int ddbc_write_files(const ddbc_output_file *files, size_t n, const char *dir, ddbc_diag *diag);

/*
 * Like ddbc_write_files, but a name may be a relative path ("ddb/model.h":
 * parts that are not empty, "." or ".."); the directory of each file
 * (with its parents) is created when its file is staged, and stays if a
 * later step fails; `dir` itself is not created if no file lands in it.
 * Used for `ddbc --vendor` (vendor.h).
 */
int ddbc_write_tree(const ddbc_output_file *files, size_t n, const char *dir, ddbc_diag *diag);

/*
 * Writes a Make-syntax dependency file at `path` (atomically, like
 * ddbc_write_files, and only if changed): one rule whose targets are
 * `dir`/name (or the file's own dir/name) of each of `files`, and whose prerequisites are `inputs`.
 * Spaces, tabs, '#' and '$' are escaped; a newline in a path is reported.
 * Returns 0, or -1 when an error was reported.
 */
int ddbc_write_depfile(const char *path, const char *dir, const ddbc_output_file *files, size_t n,
                       const char *const *inputs, size_t n_inputs, ddbc_diag *diag);

#endif /* DDBC_WRITE_H */
