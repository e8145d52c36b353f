/*
 * amalgamate.c - build-time tool: joins libddb's sources into one C file,
 * the libddb.c that `ddbc --vendor` writes (docs/vendoring.md).
 *
 * Usage: amalgamate OUT.c DEPFILE VERSION SOURCE.c...
 *
 * DEPFILE receives a Make rule naming every file read (for meson's depfile).
 *
 * The sources are copied in the order given. A line `#include "name.h"`
 * whose file exists next to the including file (runtime/src's internal
 * headers) is replaced by that file's text the first time and dropped
 * after; other includes (<system.h>, "ddb/public.h") are kept, so the
 * result compiles with only the public headers on the include path. Every
 * macro a source file #defines is #undef'd after it, so one file's private
 * macros cannot change the next file's meaning; file-scope names are
 * already unique across runtime/src (the vendor test compiles the result
 * with -Werror under gcc and clang).
 *
 * Exit 0 on success, 1 on I/O errors or an include that cannot be followed.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_LINE = 4096, MAX_FILES = 256, MAX_DEFINES = 512, MAX_NAME = 128 };

typedef struct amalgam {
    FILE *out, *dep;
    char *seen[MAX_FILES]; /* internal headers already inlined */
    size_t n_seen;
} amalgam;

/* Skips blanks. */
static const char *skip_blanks(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* If `line` is a preprocessor directive `word`, returns what follows it. */
static const char *directive(const char *line, const char *word)
{
    const char *p = skip_blanks(line);
    if (*p != '#')
        return NULL;
    p = skip_blanks(p + 1);
    size_t len = strlen(word);
    if (strncmp(p, word, len) != 0 || (p[len] != ' ' && p[len] != '\t'))
        return NULL;
    return skip_blanks(p + len);
}

/* The directory part of `path` ("" or "dir/"), into `dir`. */
static void dir_of(const char *path, char *dir, size_t size)
{
    const char *slash = strrchr(path, '/');
    size_t len = slash != NULL ? (size_t)(slash - path) + 1 : 0;
    if (len >= size)
        len = 0;
    memcpy(dir, path, len);
    dir[len] = '\0';
}

static bool file_exists(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f != NULL)
        fclose(f);
    return f != NULL;
}

static int copy_file(amalgam *a, const char *path, bool top);

/*
 * Handles `#include "name"` of `from`: inlines an internal header once.
 * Returns 1 when the line was consumed, 0 to copy it, -1 on error.
 */
static int follow_include(amalgam *a, const char *from, const char *rest)
{
    if (*rest != '"')
        return 0;
    const char *end = strchr(rest + 1, '"');
    char dir[MAX_LINE], path[2 * MAX_LINE];
    if (end == NULL || memchr(rest + 1, '/', (size_t)(end - rest - 1)) != NULL)
        return 0; /* "ddb/x.h": a public header, kept */
    dir_of(from, dir, sizeof dir);
    snprintf(path, sizeof path, "%s%.*s", dir, (int)(end - rest - 1), rest + 1);
    if (!file_exists(path))
        return 0;
    for (size_t i = 0; i < a->n_seen; i++)
        if (strcmp(a->seen[i], path) == 0)
            return 1;
    size_t size = strlen(path) + 1;
    if (a->n_seen == MAX_FILES || (a->seen[a->n_seen] = malloc(size)) == NULL) {
        fprintf(stderr, "amalgamate: too many headers\n");
        return -1;
    }
    memcpy(a->seen[a->n_seen], path, size);
    a->n_seen++;
    fprintf(a->dep, " \\\n  %s", path);
    fprintf(a->out, "/* ---- %.*s (inlined) ---- */\n", (int)(end - rest - 1), rest + 1);
    return copy_file(a, path, false) == 0 ? 1 : -1;
}

/* Records the name a `#define` introduces, once. */
static int note_define(const char *rest, char (*names)[MAX_NAME], size_t *n)
{
    size_t len = strspn(rest, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");
    if (len == 0 || len >= MAX_NAME) {
        fprintf(stderr, "amalgamate: cannot read the macro name in '#define %s'\n", rest);
        return -1;
    }
    for (size_t i = 0; i < *n; i++)
        if (strncmp(names[i], rest, len) == 0 && names[i][len] == '\0')
            return 0;
    if (*n == MAX_DEFINES) {
        fprintf(stderr, "amalgamate: too many macros in one file\n");
        return -1;
    }
    memcpy(names[*n], rest, len);
    names[(*n)++][len] = '\0';
    return 0;
}

/* Copies `path` to the output; `top`: a source file, whose macros are undone after it. */
static int copy_file(amalgam *a, const char *path, bool top)
{
    FILE *in = fopen(path, "r");
    if (in == NULL) {
        perror(path);
        return -1;
    }
    static char names[MAX_DEFINES][MAX_NAME]; /* top-level files do not nest */
    size_t n_names = 0;
    char line[MAX_LINE];
    int rc = 0;
    bool continued = false; /* the previous line ended in a backslash */
    while (rc == 0 && fgets(line, sizeof line, in) != NULL) {
        size_t len = strlen(line);
        if (len == sizeof line - 1 && line[len - 1] != '\n') {
            fprintf(stderr, "%s: line too long\n", path);
            rc = -1;
            break;
        }
        const char *rest = continued ? NULL : directive(line, "include");
        int consumed = rest != NULL ? follow_include(a, path, rest) : 0;
        if (consumed < 0) {
            rc = -1;
            break;
        }
        rest = continued ? NULL : directive(line, "define");
        if (top && rest != NULL && note_define(rest, names, &n_names) != 0) {
            rc = -1;
            break;
        }
        if (consumed == 0)
            fputs(line, a->out);
        continued = len >= 2 && line[len - 2] == '\\';
    }
    if (rc == 0 && ferror(in)) {
        fprintf(stderr, "%s: read error\n", path);
        rc = -1;
    }
    fclose(in);
    for (size_t i = 0; rc == 0 && i < n_names; i++)
        fprintf(a->out, "#undef %s\n", names[i]);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: amalgamate OUT.c DEPFILE VERSION SOURCE.c...\n");
        return 1;
    }
    amalgam a = {fopen(argv[1], "w"), fopen(argv[2], "w"), {NULL}, 0};
    if (a.out == NULL || a.dep == NULL) {
        perror(a.out == NULL ? argv[1] : argv[2]);
        if (a.out != NULL)
            fclose(a.out);
        if (a.dep != NULL)
            fclose(a.dep);
        return 1;
    }
    fprintf(a.dep, "%s:", argv[1]);
    fprintf(a.out,
            "/*\n"
            " * libddb.c - libddb %s, the ddbc runtime, as one C file (written by\n"
            " * `ddbc --vendor`; do not edit). Licence: Apache-2.0.\n"
            " *\n"
            " * Compile it with the generated code, the directory holding ddb/ on the\n"
            " * include path:  cc -std=c11 -I DIR -c DIR/libddb.c\n"
            " * and link with -lcurl -lssl -lcrypto -lz -lpthread (docs/vendoring.md).\n"
            " */\n",
            argv[3]);
    int rc = 0;
    for (int i = 4; rc == 0 && i < argc; i++) {
        fprintf(a.dep, " \\\n  %s", argv[i]);
        const char *base = strrchr(argv[i], '/');
        fprintf(a.out, "\n/* ==== %s ==== */\n", base != NULL ? base + 1 : argv[i]);
        rc = copy_file(&a, argv[i], true);
    }
    for (size_t i = 0; i < a.n_seen; i++)
        free(a.seen[i]);
    fputc('\n', a.dep);
    if (fclose(a.out) != 0 && rc == 0) {
        perror(argv[1]);
        rc = -1;
    }
    if (fclose(a.dep) != 0 && rc == 0) {
        perror(argv[2]);
        rc = -1;
    }
    if (rc != 0) {
        remove(argv[1]);
        remove(argv[2]);
    }
    return rc == 0 ? 0 : 1;
}
