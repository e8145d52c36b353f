/*
 * main.c - the ddbc command line: options, then load -> check -> emit ->
 * write. Exit status: 0 success, 1 errors in the input (schemas, templates)
 * or while writing, 2 usage errors.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ddb/buf.h"
#include "diag.h"
#include "emit.h"
#include "vendor.h"
#include "write.h"

#ifndef DDBC_VERSION
#error "DDBC_VERSION must be defined by the build (generator/meson.build)"
#endif

enum { EXIT_ERRORS = 1, EXIT_USAGE = 2 };

static const char usage_line[] =
    "usage: ddbc [-o DIR] [--templates DIR] [--depfile FILE] [--vendor DIR] SCHEMA.yaml...";

static const char help_text[] =
    "\n"
    "Generates typed C code for Amazon DynamoDB from YAML schema files\n"
    "(see docs/schema.md). Each schema file yields its own outputs.\n"
    "\n"
    "options:\n"
    "  -o, --output DIR     write the generated files into DIR (default: the\n"
    "                       --vendor DIR if given, else the current directory;\n"
    "                       created if missing)\n"
    "      --templates DIR  render with the templates in DIR instead of the\n"
    "                       built-in ones\n"
    "      --depfile FILE   also write a Make-syntax dependency file to FILE\n"
    "      --vendor DIR     also write the runtime (libddb.c, ddb/*.h) into DIR,\n"
    "                       so the program builds with no libddb installed;\n"
    "                       with --vendor the schema files are optional\n"
    "  -h, --help           show this help and exit\n"
    "      --version        show the version and exit\n"
    "\n"
    "Exit status: 0 success; 1 errors in the schemas or templates (then no\n"
    "file is written) or while writing; 2 wrong usage.\n";

typedef struct options {
    const char *out_dir;
    const char *templates_dir; /* NULL: embedded templates */
    const char *depfile;       /* NULL: none */
    const char *vendor_dir;    /* --vendor DIR: write the runtime there; NULL: no */
    char **schemas;
    size_t n_schemas;
} options;

/* Prints "ddbc: <message>" and the usage line to stderr; returns EXIT_USAGE. */
static int usage_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("ddbc: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n%s (try 'ddbc --help')\n", usage_line);
    return EXIT_USAGE;
}

enum { OPT_TEMPLATES = 256, OPT_DEPFILE, OPT_VENDOR, OPT_VERSION };

/* The option getopt_long just rejected, as the user wrote it. */
static const char *rejected_option(char **argv, char *short_name)
{
    const char *arg = argv[optind - 1];
    if (strncmp(arg, "--", 2) == 0)
        return arg;
    short_name[1] = (char)optopt;
    return short_name;
}

/*
 * Parses the command line into `o`. Returns -1 to go on, or the exit status
 * when done (help or version printed, or a usage error reported).
 */
static int parse_options(int argc, char **argv, options *o)
{
    static const struct option longs[] = {
        {"output", required_argument, NULL, 'o'},
        {"templates", required_argument, NULL, OPT_TEMPLATES},
        {"depfile", required_argument, NULL, OPT_DEPFILE},
        {"vendor", required_argument, NULL, OPT_VENDOR},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, OPT_VERSION},
        {NULL, 0, NULL, 0},
    };
    char short_name[3] = "-?";
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, ":o:h", longs, NULL)) != -1;) {
        switch (c) {
        case 'o':
            o->out_dir = optarg;
            break;
        case OPT_TEMPLATES:
            o->templates_dir = optarg;
            break;
        case OPT_DEPFILE:
            o->depfile = optarg;
            break;
        case OPT_VENDOR:
            o->vendor_dir = optarg;
            break;
        case 'h':
            printf("%s\n%s", usage_line, help_text);
            return EXIT_SUCCESS;
        case OPT_VERSION:
            printf("ddbc %s\n", DDBC_VERSION);
            return EXIT_SUCCESS;
        case ':':
            return usage_error("option '%s' needs an argument", rejected_option(argv, short_name));
        default:
            if (optopt != 0 && strchr(argv[optind - 1], '=') != NULL)
                return usage_error("option '%.*s' takes no argument",
                                   (int)strcspn(argv[optind - 1], "="), argv[optind - 1]);
            return usage_error("unknown option '%s'", rejected_option(argv, short_name));
        }
    }
    o->schemas = argv + optind;
    o->n_schemas = (size_t)(argc - optind);
    if (o->n_schemas == 0 && o->vendor_dir == NULL)
        return usage_error("no schema file given");
    if (o->out_dir == NULL)
        o->out_dir = o->vendor_dir != NULL ? o->vendor_dir : ".";
    return -1;
}

static int cmp_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds `path` to the growing array `list`; returns 0 or -1 (out of memory, `path` freed). */
static int push_path(char ***list, size_t *n, char *path)
{
    char **grown = path != NULL ? realloc(*list, (*n + 1) * sizeof **list) : NULL;
    if (grown == NULL) {
        free(path);
        return -1;
    }
    *list = grown;
    (*list)[(*n)++] = path;
    return 0;
}

/*
 * Appends dir/<name> of every entry of `dir` that does not start with '.'
 * to `list` (sorted, so the depfile is reproducible). Returns 0 or -1.
 */
static int list_dir(const char *dir, char ***list, size_t *n, ddbc_diag *diag)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        ddbc_diag_error(diag, (ddbc_pos){NULL, 0, 0}, "cannot read template directory '%s': %s",
                        dir, strerror(errno));
        return -1;
    }
    size_t first = *n;
    int rc = 0;
    for (struct dirent *e; rc == 0 && (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.')
            continue;
        ddb_buf path = DDB_BUF_INIT;
        rc = ddb_buf_printf(&path, "%s/%s", dir, e->d_name) == 0
                 ? push_path(list, n, ddb_buf_steal(NULL, &path))
                 : -1;
        ddb_buf_free(&path);
        if (rc != 0)
            ddbc_diag_error(diag, (ddbc_pos){NULL, 0, 0}, "out of memory");
    }
    closedir(d);
    qsort(*list + first, *n - first, sizeof **list, cmp_strings);
    return rc;
}

/* Writes the depfile: the outputs depend on the schemas and the templates used. */
static int write_depfile(const options *o, const ddbc_output_file *files, size_t n_files,
                         ddbc_diag *diag)
{
    char **inputs = malloc((o->n_schemas + 1) * sizeof *inputs);
    size_t n_inputs = 0;
    int rc = inputs != NULL ? 0 : -1;
    if (rc != 0)
        ddbc_diag_error(diag, (ddbc_pos){NULL, 0, 0}, "out of memory");
    for (size_t i = 0; rc == 0 && i < o->n_schemas; i++)
        inputs[n_inputs++] = o->schemas[i];
    size_t n_owned = n_inputs;
    if (rc == 0 && o->templates_dir != NULL)
        rc = list_dir(o->templates_dir, &inputs, &n_inputs, diag);
    if (rc == 0)
        rc = ddbc_write_depfile(o->depfile, o->out_dir, files, n_files, (const char *const *)inputs,
                                n_inputs, diag);
    for (size_t i = n_owned; i < n_inputs; i++)
        free(inputs[i]);
    free(inputs);
    return rc;
}

/* Loads and checks every schema; `schemas` receives the ones without errors. */
static void load_all(const options *o, ddbc_schema **schemas, size_t *n, ddbc_diag *diag)
{
    for (size_t i = 0; i < o->n_schemas; i++) {
        ddbc_schema *s = ddbc_schema_load(o->schemas[i], diag);
        if (s != NULL)
            schemas[(*n)++] = s;
    }
    ddbc_schemas_check((const ddbc_schema *const *)schemas, *n, diag);
}

/* Runs the pipeline; every error goes to `diag`. Nothing is written on error. */
static void run(const options *o, ddbc_diag *diag)
{
    ddbc_schema **schemas = calloc(o->n_schemas + 1, sizeof *schemas);
    size_t n = 0;
    ddbc_output_file *files = NULL;
    size_t n_files = 0;
    if (schemas == NULL) {
        ddbc_diag_error(diag, (ddbc_pos){NULL, 0, 0}, "out of memory");
        return;
    }
    load_all(o, schemas, &n, diag);
    bool checked = ddbc_diag_count(diag) == 0;
    for (size_t i = 0; checked && i < n; i++)
        ddbc_emit(schemas[i], o->templates_dir, diag, &files, &n_files);
    if (o->vendor_dir != NULL && ddbc_diag_count(diag) == 0)
        ddbc_vendor_append(&files, &n_files, o->vendor_dir, diag);
    /* the depfile comes last: a build system must not see it without the outputs */
    int (*write)(const ddbc_output_file *, size_t, const char *, ddbc_diag *) =
        o->vendor_dir != NULL ? ddbc_write_tree : ddbc_write_files;
    if (ddbc_diag_count(diag) == 0 && write(files, n_files, o->out_dir, diag) == 0 &&
        o->depfile != NULL)
        write_depfile(o, files, n_files, diag);
    ddbc_output_files_free(files, n_files);
    for (size_t i = 0; i < n; i++)
        ddbc_schema_free(schemas[i]);
    free(schemas);
}

int main(int argc, char **argv)
{
    options o = {NULL, NULL, NULL, NULL, NULL, 0};
    int done = parse_options(argc, argv, &o);
    if (done >= 0)
        return done;
    ddbc_diag diag = DDBC_DIAG_INIT;
    run(&o, &diag);
    ddbc_diag_print(&diag, stderr);
    int status = ddbc_diag_count(&diag) == 0 ? EXIT_SUCCESS : EXIT_ERRORS;
    ddbc_diag_free(&diag);
    return status;
}
