/*
 * write.c - atomic, all-or-nothing writing of the output files; depfiles.
 * An output whose content is unchanged is not rewritten, but its
 * modification time is set to now, as a rewrite would: make, which has no
 * "restat", would otherwise see it older than the touched schema and run
 * ddbc again on every build (docs/build-systems.md).
 */
#include "write.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ddb/buf.h"

/* How many temporary names to try before giving up. */
enum { TEMP_ATTEMPTS = 100 };

static void report_errno(ddbc_diag *diag, const char *what, const char *path)
{
    ddbc_diag_error(diag, (ddbc_pos){NULL, 0, 0}, "cannot %s '%s': %s", what, path,
                    strerror(errno));
}

/* Appends dir/name to `out` (no doubled '/'); returns the text. */
static const char *join_path(ddb_buf *out, const char *dir, const char *name)
{
    size_t len = strlen(dir);
    ddb_buf_printf(out, "%s%s%s", dir, len != 0 && dir[len - 1] != '/' ? "/" : "", name);
    return ddb_buf_cstr(out);
}

/* The directory `f` goes to: its own, or the writer's `dir`. */
static const char *dir_for(const ddbc_output_file *f, const char *dir)
{
    return f->dir != NULL ? f->dir : dir;
}

/* A plain file name, or with `subdirs` a relative path of such names. */
static bool valid_name(const char *name, bool subdirs)
{
    for (const char *part = name;; part++) {
        size_t len = strcspn(part, "/");
        if (len == 0 || (len == 1 && part[0] == '.') || (len == 2 && strncmp(part, "..", 2) == 0))
            return false;
        part += len;
        if (*part == '\0')
            return true;
        if (!subdirs)
            return false;
    }
}

/* Checks every name before anything is written. */
static int check_names(const ddbc_output_file *files, size_t n, bool subdirs, ddbc_diag *diag)
{
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (!valid_name(files[i].name, subdirs)) {
            ddbc_diag_error(diag, (ddbc_pos){NULL, 0, 0}, "invalid output file name '%s' (%s)",
                            files[i].name,
                            subdirs ? "must be a relative path without '.' or '..'"
                                    : "must be a plain file name");
            rc = -1;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(files[i].name, files[j].name) == 0 &&
                strcmp(dir_for(&files[i], ""), dir_for(&files[j], "")) == 0) {
                ddbc_diag_error(diag, (ddbc_pos){NULL, 0, 0},
                                "two outputs are named '%s'; rename one of the schema files",
                                files[i].name);
                rc = -1;
                break;
            }
        }
    }
    return rc;
}

/* mkdir -p: creates `dir` and its missing parents. */
static int make_dirs(const char *dir, ddbc_diag *diag)
{
    ddb_buf path = DDB_BUF_INIT;
    int rc = 0;
    for (const char *p = dir; rc == 0 && *p != '\0'; p++) {
        ddb_buf_putc(&path, *p);
        bool part_ends = *p != '/' && (p[1] == '/' || p[1] == '\0');
        if (part_ends && mkdir(ddb_buf_cstr(&path), 0777) != 0 && errno != EEXIST) {
            report_errno(diag, "create directory", ddb_buf_cstr(&path));
            rc = -1;
        }
    }
    ddb_buf_free(&path);
    struct stat st;
    if (rc == 0 && stat(dir, &st) != 0) {
        report_errno(diag, "use output directory", dir);
        rc = -1;
    } else if (rc == 0 && !S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        report_errno(diag, "use output directory", dir);
        rc = -1;
    }
    return rc;
}

/* Whether the file at `path` holds exactly `len` bytes equal to `data`. */
static bool same_content(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct stat st;
    bool same = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size == len;
    char chunk[8192];
    size_t off = 0;
    while (same && off < len) {
        ssize_t got = read(fd, chunk, sizeof chunk);
        if (got < 0 && errno == EINTR)
            continue;
        same = got > 0 && (size_t)got <= len - off && memcmp(chunk, data + off, (size_t)got) == 0;
        off += got > 0 ? (size_t)got : 0;
    }
    close(fd);
    return same;
}

static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t put = write(fd, data, len);
        if (put < 0 && errno == EINTR)
            continue;
        if (put <= 0)
            return -1;
        data += put;
        len -= (size_t)put;
    }
    return 0;
}

/* Opens a new temporary file "<dir>/.<name>.tmp<pid>.<n>" (`name`: a plain name); its name goes to `tmp`. */
static int open_temp(const char *dir, const char *name, ddb_buf *tmp, ddbc_diag *diag)
{
    ddb_buf base = DDB_BUF_INIT;
    for (unsigned attempt = 0;; attempt++) {
        ddb_buf_reset(&base);
        ddb_buf_printf(&base, ".%s.tmp%ld.%u", name, (long)getpid(), attempt);
        ddb_buf_reset(tmp);
        join_path(tmp, dir, ddb_buf_cstr(&base));
        int fd = open(ddb_buf_cstr(tmp), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST || attempt == TEMP_ATTEMPTS) {
            if (fd < 0)
                report_errno(diag, "create temporary file", ddb_buf_cstr(tmp));
            ddb_buf_free(&base);
            return fd;
        }
    }
}

/* The last part of an output's name: the file name inside its directory. */
static const char *base_name(const char *name)
{
    const char *slash = strrchr(name, '/');
    return slash != NULL ? slash + 1 : name;
}

/* Writes `f` to a synced temporary file in `dir` (the file's own directory), named in `tmp`. */
static int write_temp(const ddbc_output_file *f, const char *dir, ddb_buf *tmp, ddbc_diag *diag)
{
    int fd = open_temp(dir, base_name(f->name), tmp, diag);
    if (fd < 0)
        return -1;
    int rc = write_all(fd, f->data, f->len) == 0 && fsync(fd) == 0 ? 0 : -1;
    if (rc != 0)
        report_errno(diag, "write", ddb_buf_cstr(tmp));
    if (close(fd) != 0 && rc == 0) {
        report_errno(diag, "write", ddb_buf_cstr(tmp));
        rc = -1;
    }
    if (rc != 0)
        unlink(ddb_buf_cstr(tmp));
    return rc;
}

/* Makes the renames in `dir` durable. Filesystems without directory fsync are fine. */
static int sync_dir(const char *dir, ddbc_diag *diag)
{
    int fd = open(dir, O_RDONLY | O_CLOEXEC);
    int rc = fd >= 0 && (fsync(fd) == 0 || errno == EINVAL) ? 0 : -1;
    if (rc != 0)
        report_errno(diag, "sync directory", dir);
    if (fd >= 0)
        close(fd);
    return rc;
}

/* One output: its final path, its directory and, once written, its temporary file. */
typedef struct pending {
    ddb_buf path, parent, tmp;
    bool staged;    /* a temporary file waits to be renamed into place */
    bool unchanged; /* same content already in place: only its mtime is updated */
    bool renamed;   /* its directory needs an fsync */
} pending;

static bool is_directory(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * Phase 1: stage every changed file; returns -1 at the first failure. A
 * directory in the way would make phase 2 fail half-way: it fails here.
 */
static int stage_all(const ddbc_output_file *files, pending *p, size_t n, const char *dir,
                     ddbc_diag *diag)
{
    for (size_t i = 0; i < n; i++) {
        const char *path = join_path(&p[i].path, dir_for(&files[i], dir), files[i].name);
        ddb_buf_append(&p[i].parent, path, (size_t)(base_name(path) - path));
        if (p[i].parent.len == 0)
            ddb_buf_putc(&p[i].parent, '.');
        if (make_dirs(ddb_buf_cstr(&p[i].parent), diag) != 0)
            return -1;
        if (is_directory(path)) {
            errno = EISDIR;
            report_errno(diag, "replace", path);
            return -1;
        }
        if (same_content(path, files[i].data, files[i].len)) {
            p[i].unchanged = true;
            continue;
        }
        if (write_temp(&files[i], ddb_buf_cstr(&p[i].parent), &p[i].tmp, diag) != 0)
            return -1;
        p[i].staged = true;
    }
    return 0;
}

/*
 * Sets the modification time of an unchanged output to now (content and
 * inode untouched). Where that is not allowed (a file of another user that
 * we may replace but not write), the same content is staged and renamed
 * into place instead, as for a changed file. Returns 0 (touched), 1
 * (rewritten) or -1.
 */
static int touch_unchanged(const ddbc_output_file *f, pending *p, ddbc_diag *diag)
{
    if (utimensat(AT_FDCWD, ddb_buf_cstr(&p->path), NULL, 0) == 0)
        return 0;
    if (errno != EACCES && errno != EPERM) {
        report_errno(diag, "update the modification time of", ddb_buf_cstr(&p->path));
        return -1;
    }
    if (write_temp(f, ddb_buf_cstr(&p->parent), &p->tmp, diag) != 0)
        return -1;
    p->staged = true;
    if (rename(ddb_buf_cstr(&p->tmp), ddb_buf_cstr(&p->path)) != 0) {
        report_errno(diag, "replace", ddb_buf_cstr(&p->path));
        return -1;
    }
    p->staged = false;
    return 1;
}

/* Syncs the directory of every renamed output, each directory once. */
static int sync_dirs(const pending *p, size_t n, ddbc_diag *diag)
{
    for (size_t i = 0; i < n; i++) {
        bool first = p[i].renamed;
        for (size_t j = 0; first && j < i; j++)
            first = !p[j].renamed || strcmp(ddb_buf_cstr(&p[j].parent), ddb_buf_cstr(&p[i].parent)) != 0;
        if (first && sync_dir(ddb_buf_cstr(&p[i].parent), diag) != 0)
            return -1;
    }
    return 0;
}

/*
 * Phase 2: rename the staged files into place, then bring the unchanged
 * ones up to date; returns -1 at the first failure.
 */
static int commit_all(const ddbc_output_file *files, pending *p, size_t n, ddbc_diag *diag)
{
    for (size_t i = 0; i < n; i++) {
        if (!p[i].staged)
            continue;
        if (rename(ddb_buf_cstr(&p[i].tmp), ddb_buf_cstr(&p[i].path)) != 0) {
            report_errno(diag, "replace", ddb_buf_cstr(&p[i].path));
            return -1;
        }
        p[i].staged = false;
        p[i].renamed = true;
    }
    for (size_t i = 0; i < n; i++) {
        int touched = p[i].unchanged ? touch_unchanged(&files[i], &p[i], diag) : 0;
        if (touched < 0)
            return -1;
        p[i].renamed = p[i].renamed || touched == 1;
    }
    return sync_dirs(p, n, diag);
}

/* ddbc_write_files and ddbc_write_tree: `subdirs` allows names with directories. */
static int write_set(const ddbc_output_file *files, size_t n, const char *dir, bool subdirs,
                     ddbc_diag *diag)
{
    if (check_names(files, n, subdirs, diag) != 0 || (!subdirs && make_dirs(dir, diag) != 0))
        return -1;
    pending *p = calloc(n + 1, sizeof *p);
    if (p == NULL) {
        ddbc_diag_error(diag, (ddbc_pos){NULL, 0, 0}, "out of memory");
        return -1;
    }
    int rc = stage_all(files, p, n, dir, diag);
    if (rc == 0)
        rc = commit_all(files, p, n, diag);
    for (size_t i = 0; i < n; i++) {
        if (p[i].staged)
            unlink(ddb_buf_cstr(&p[i].tmp));
        ddb_buf_free(&p[i].path);
        ddb_buf_free(&p[i].parent);
        ddb_buf_free(&p[i].tmp);
    }
    free(p);
    return rc;
}

int ddbc_write_files(const ddbc_output_file *files, size_t n, const char *dir, ddbc_diag *diag)
{
    return write_set(files, n, dir, false, diag);
}

int ddbc_write_tree(const ddbc_output_file *files, size_t n, const char *dir, ddbc_diag *diag)
{
    return write_set(files, n, dir, true, diag);
}

/* ---- depfile --------------------------------------------------------------- */

/*
 * Appends `path` escaped for a Make rule, as GNU make and ninja read it: a
 * blank or '#' gets a backslash (and the backslashes just before a blank
 * are doubled, like gcc -MD), ':' gets one too (it would end the targets),
 * '$' is doubled. A newline or carriage return cannot be escaped.
 */
static int put_make_path(ddb_buf *out, const char *path, ddbc_diag *diag)
{
    if (strpbrk(path, "\n\r") != NULL) {
        ddbc_diag_error(diag, (ddbc_pos){NULL, 0, 0},
                        "cannot list '%s' in a depfile: it contains a line break", path);
        return -1;
    }
    for (const char *p = path; *p != '\0'; p++) {
        if (*p == ' ' || *p == '\t') {
            for (const char *q = p; q > path && q[-1] == '\\'; q--)
                ddb_buf_putc(out, '\\');
            ddb_buf_putc(out, '\\');
        } else if (*p == '#' || *p == ':') {
            ddb_buf_putc(out, '\\');
        } else if (*p == '$') {
            ddb_buf_putc(out, '$');
        }
        ddb_buf_putc(out, *p);
    }
    return 0;
}

/* Renders "targets: inputs\n" into `out`. */
static int render_depfile(ddb_buf *out, const char *dir, const ddbc_output_file *files, size_t n,
                          const char *const *inputs, size_t n_inputs, ddbc_diag *diag)
{
    int rc = 0;
    ddb_buf target = DDB_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        ddb_buf_reset(&target);
        if (i != 0)
            ddb_buf_putc(out, ' ');
        rc |= put_make_path(out, join_path(&target, dir_for(&files[i], dir), files[i].name), diag);
    }
    ddb_buf_free(&target);
    ddb_buf_putc(out, ':');
    for (size_t i = 0; i < n_inputs; i++) {
        ddb_buf_puts(out, " \\\n  ");
        rc |= put_make_path(out, inputs[i], diag);
    }
    ddb_buf_putc(out, '\n');
    return rc;
}

int ddbc_write_depfile(const char *path, const char *dir, const ddbc_output_file *files, size_t n,
                       const char *const *inputs, size_t n_inputs, ddbc_diag *diag)
{
    const char *slash = strrchr(path, '/');
    ddb_buf text = DDB_BUF_INIT, depdir = DDB_BUF_INIT;
    if (slash == NULL)
        ddb_buf_putc(&depdir, '.');
    else
        ddb_buf_append(&depdir, path, slash == path ? 1 : (size_t)(slash - path));
    int rc = render_depfile(&text, dir, files, n, inputs, n_inputs, diag);
    if (rc == 0) {
        ddbc_output_file dep = {(char *)(slash != NULL ? slash + 1 : path), text.data, text.len, NULL};
        rc = ddbc_write_files(&dep, 1, ddb_buf_cstr(&depdir), diag);
    }
    ddb_buf_free(&text);
    ddb_buf_free(&depdir);
    return rc;
}
