/* emit.c - render a schema's header and source from templates, in memory. */
#include "emit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "context.h"
#include "ddb/buf.h"
#include "tmpl.h"

/* Templates rendered per schema, and the suffix of the file each makes. */
static const struct {
    const char *template_name;
    const char *suffix;
} outputs[] = {{"header.h.j2", ".h"}, {"source.c.j2", ".c"}};

/* Template source: the embedded table, or files read from a directory. */
typedef struct loader {
    const char *dir;      /* NULL: embedded */
    char **loaded;        /* texts read from dir, freed with the loader */
    size_t n_loaded;
    ddbc_diag *diag;
} loader;

static const char *load_embedded(const char *name, size_t *len)
{
    for (size_t i = 0; i < ddbc_embedded_templates_count; i++) {
        if (strcmp(ddbc_embedded_templates[i].name, name) == 0) {
            *len = ddbc_embedded_templates[i].len;
            return (const char *)ddbc_embedded_templates[i].data;
        }
    }
    return NULL;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    ddb_buf text = DDB_BUF_INIT;
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (ddb_buf_append(&text, chunk, n) != 0)
            break;
    }
    bool failed = ferror(f) != 0 || !feof(f);
    fclose(f);
    if (failed) {
        ddb_buf_free(&text);
        return NULL;
    }
    return ddb_buf_steal(len, &text);
}

static const char *load_template(void *ctx, const char *name, size_t *len)
{
    loader *l = ctx;
    if (l->dir == NULL)
        return load_embedded(name, len);
    ddb_buf path = DDB_BUF_INIT;
    ddb_buf_printf(&path, "%s/%s", l->dir, name);
    char **grown = realloc(l->loaded, (l->n_loaded + 1) * sizeof *grown);
    char *text = grown != NULL ? read_file(ddb_buf_cstr(&path), len) : NULL;
    if (grown != NULL)
        l->loaded = grown;
    if (text == NULL)
        ddbc_diag_error(l->diag, (ddbc_pos){ddb_buf_cstr(&path), 0, 0}, "cannot read template: %s",
                        strerror(errno != 0 ? errno : ENOENT));
    else
        l->loaded[l->n_loaded++] = text;
    ddb_buf_free(&path);
    return text;
}

static void loader_free(loader *l)
{
    for (size_t i = 0; i < l->n_loaded; i++)
        free(l->loaded[i]);
    free(l->loaded);
}

/* Reports a "name:line:col: error: message" text from the engine at its position. */
static void report_template_error(ddbc_diag *diag, const char *err)
{
    char file[256];
    int line = 0, col = 0, consumed = 0;
    if (sscanf(err, "%255[^:]:%d:%d: error: %n", file, &line, &col, &consumed) == 3 && consumed > 0)
        ddbc_diag_error(diag, (ddbc_pos){file, line, col}, "%s", err + consumed);
    else
        ddbc_diag_error(diag, (ddbc_pos){NULL, 0, 0}, "%s", err);
}

/* "dir/forum.yaml" -> "forum" (malloc'ed). */
static char *file_stem(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash != NULL ? slash + 1 : path;
    size_t len = strlen(base);
    const char *dot = strrchr(base, '.');
    if (dot != NULL && (strcmp(dot, ".yaml") == 0 || strcmp(dot, ".yml") == 0))
        len = (size_t)(dot - base);
    char *stem = malloc(len + 1);
    if (stem != NULL) {
        memcpy(stem, base, len);
        stem[len] = '\0';
    }
    return stem;
}

/*
 * Whether the stem can name the outputs: it lands in `#include "<stem>.h"`
 * and in a string literal of the header, where a quote, a backslash, a
 * control character or a trigraph would change the C (docs/security.md).
 * Printable ASCII other than " ' \ ? is accepted; anything else is reported.
 */
static bool stem_ok(const char *stem, const char *path, ddbc_diag *diag)
{
    for (const char *p = stem; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        if (c >= 0x20 && c < 0x7F && strchr("\"'\\?", c) == NULL)
            continue;
        char shown[16];
        if (c >= 0x20 && c < 0x7F)
            snprintf(shown, sizeof shown, "'%c'", c);
        else
            snprintf(shown, sizeof shown, "the byte 0x%02X", (unsigned)c);
        ddbc_diag_error(diag, (ddbc_pos){path, 0, 0},
                        "output name '%s' (the schema file's name) holds %s, which cannot appear in "
                        "#include \"...\"; rename the file (ASCII letters, digits, '_', '-' and '.' are safe)",
                        stem, shown);
        return false;
    }
    return true;
}

int ddbc_output_files_push(ddbc_output_file **files, size_t *n_files, const char *name,
                           const char *data, size_t len)
{
    ddbc_output_file *grown = realloc(*files, (*n_files + 1) * sizeof *grown);
    if (grown == NULL)
        return -1;
    *files = grown;
    ddbc_output_file *f = &grown[*n_files];
    f->name = strdup(name);
    f->data = malloc(len + 1);
    if (f->name == NULL || f->data == NULL) {
        free(f->name);
        free(f->data);
        return -1;
    }
    if (len != 0)
        memcpy(f->data, data, len);
    f->data[len] = '\0';
    f->len = len;
    f->dir = NULL;
    (*n_files)++;
    return 0;
}

static int add_output(ddbc_output_file **files, size_t *n_files, const char *stem,
                      const char *suffix, const ddb_buf *text)
{
    ddb_buf name = DDB_BUF_INIT;
    int rc = ddb_buf_printf(&name, "%s%s", stem, suffix) == 0
                 ? ddbc_output_files_push(files, n_files, ddb_buf_cstr(&name), text->data, text->len)
                 : -1;
    ddb_buf_free(&name);
    return rc;
}

int ddbc_emit(const ddbc_schema *schema, const char *templates_dir, ddbc_diag *diag,
              ddbc_output_file **files, size_t *n_files)
{
    char *stem = file_stem(schema->path);
    if (stem == NULL) {
        ddbc_diag_error(diag, (ddbc_pos){schema->path, 0, 0}, "out of memory");
        return -1;
    }
    if (!stem_ok(stem, schema->path, diag)) {
        free(stem);
        return -1;
    }
    tmpl_value *vars = ddbc_context_build(schema, stem, diag);
    loader l = {templates_dir, NULL, 0, diag};
    tmpl_env *env = vars != NULL ? tmpl_env_new(load_template, &l) : NULL;
    int rc = env != NULL ? 0 : -1;
    if (rc != 0 && vars != NULL)
        ddbc_diag_error(diag, (ddbc_pos){schema->path, 0, 0}, "out of memory");
    for (size_t i = 0; rc == 0 && i < sizeof outputs / sizeof outputs[0]; i++) {
        ddb_buf text = DDB_BUF_INIT;
        char err[1024];
        if (tmpl_render(env, outputs[i].template_name, vars, &text, err, sizeof err) != 0) {
            report_template_error(diag, err);
            rc = -1;
        } else if (add_output(files, n_files, stem, outputs[i].suffix, &text) != 0) {
            ddbc_diag_error(diag, (ddbc_pos){schema->path, 0, 0}, "out of memory");
            rc = -1;
        }
        ddb_buf_free(&text);
    }
    tmpl_env_free(env);
    loader_free(&l);
    tmpl_value_free(vars);
    free(stem);
    return rc;
}

void ddbc_output_files_free(ddbc_output_file *files, size_t n)
{
    if (files == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        free(files[i].name);
        free(files[i].data);
    }
    free(files);
}
