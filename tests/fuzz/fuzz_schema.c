/*
 * fuzz_schema.c - fuzz target for the generator's front end: the input is
 * a schema file, loaded and checked by ddbc_schema_load (libyaml events,
 * the loader's rules and limits, the IR builder, the naming checks).
 *
 * For any input: no crash, no leak, and either a schema with no
 * diagnostic or NULL with at least one (printed, to exercise the
 * escaping of quoted schema text). A schema the checks accept must also
 * pass the cross-file checks against itself without a crash and render
 * through the embedded templates without any error, as ddbc would. Broken
 * invariants abort().
 *
 * ddbc_schema_load reads a path, so each input is written to one
 * temporary file (under $TMPDIR, removed at exit).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "diag.h"
#include "emit.h"
#include "ir.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[4096];
static FILE *sink;

static void cleanup(void)
{
    if (path[0] != '\0')
        unlink(path);
    if (sink != NULL)
        fclose(sink);
}

/* The temporary file (created on the first call) and a sink for messages. */
static void setup(void)
{
    if (path[0] != '\0')
        return;
    const char *dir = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/fuzz_schema_XXXXXX.yaml", dir != NULL && dir[0] != '\0' ? dir : "/tmp");
    int fd = mkstemps(path, 5);
    check(fd >= 0);
    close(fd);
    sink = fopen("/dev/null", "w");
    check(sink != NULL);
    atexit(cleanup);
}

static void write_input(const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    check(f != NULL);
    check(size == 0 || fwrite(data, 1, size, f) == size);
    check(fclose(f) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    write_input(data, size);
    ddbc_diag diag = DDBC_DIAG_INIT;
    ddbc_schema *s = ddbc_schema_load(path, &diag);
    check((s == NULL) == (ddbc_diag_count(&diag) != 0));
    if (s != NULL) {
        const ddbc_schema *const two[] = {s, s};
        ddbc_diag cross = DDBC_DIAG_INIT;
        int rc = ddbc_schemas_check(two, 2, &cross);
        check((rc == 0) == (ddbc_diag_count(&cross) == 0));
        ddbc_diag_free(&cross);
        ddbc_output_file *files = NULL;
        size_t n_files = 0;
        rc = ddbc_emit(s, NULL, &diag, &files, &n_files);
        if (rc != 0 || ddbc_diag_count(&diag) != 0 || n_files != 2)
            ddbc_diag_print(&diag, stderr);
        check(rc == 0 && ddbc_diag_count(&diag) == 0 && n_files == 2);
        for (size_t i = 0; i < n_files; i++)
            check(files[i].data != NULL && files[i].len == strlen(files[i].data));
        ddbc_output_files_free(files, n_files);
        ddbc_schema_free(s);
    }
    ddbc_diag_print(&diag, sink);
    ddbc_diag_free(&diag);
    return 0;
}
