/*
 * tmpl_cli - renders one template with the C engine, for jinja_diff.py.
 *
 *   tmpl_cli DIR NAME [VARS.json]
 *
 * Templates are read from DIR; the variables come from a JSON object
 * (objects become dicts, arrays lists; numbers must be integers). Writes the
 * output to stdout and exits 0, or writes the error to stderr and exits 1.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl.h"

/* Files read so far: the engine borrows their text until the env is freed. */
typedef struct loader {
    const char *dir;
    char **texts;
    size_t len;
} loader;

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    ddb_buf b = DDB_BUF_INIT;
    char chunk[4096];
    size_t n;
    int rc = 0;
    while (rc == 0 && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        rc = ddb_buf_append(&b, chunk, n);
    fclose(f);
    char *text = rc == 0 ? ddb_buf_steal(len, &b) : NULL;
    ddb_buf_free(&b);
    return text;
}

static const char *load(void *ctx, const char *name, size_t *len)
{
    loader *l = ctx;
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", l->dir, name) >= sizeof path)
        return NULL;
    char **texts = realloc(l->texts, (l->len + 1) * sizeof *texts);
    if (texts == NULL)
        return NULL;
    l->texts = texts;
    char *text = read_file(path, len);
    if (text != NULL)
        l->texts[l->len++] = text;
    return text;
}

static tmpl_value *from_json(const json_t *j);

static tmpl_value *object_from_json(const json_t *j)
{
    tmpl_value *d = tmpl_dict();
    const char *key;
    json_t *item;
    json_object_foreach((json_t *)j, key, item)
    {
        if (tmpl_dict_set(d, key, from_json(item)) != 0) {
            tmpl_value_free(d);
            return NULL;
        }
    }
    return d;
}

static tmpl_value *array_from_json(const json_t *j)
{
    tmpl_value *list = tmpl_list();
    for (size_t i = 0; i < json_array_size(j); i++) {
        if (tmpl_list_push(list, from_json(json_array_get(j, i))) != 0) {
            tmpl_value_free(list);
            return NULL;
        }
    }
    return list;
}

static tmpl_value *from_json(const json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT:
        return object_from_json(j);
    case JSON_ARRAY:
        return array_from_json(j);
    case JSON_STRING:
        return tmpl_str(json_string_value(j));
    case JSON_INTEGER:
        return tmpl_int(json_integer_value(j));
    case JSON_TRUE:
        return tmpl_bool(true);
    case JSON_FALSE:
        return tmpl_bool(false);
    case JSON_NULL:
        return tmpl_none();
    case JSON_REAL:
        break;
    }
    return NULL;
}

static tmpl_value *load_vars(const char *path)
{
    json_error_t jerr;
    json_t *j = json_load_file(path, 0, &jerr);
    if (j == NULL) {
        fprintf(stderr, "%s:%d: %s\n", path, jerr.line, jerr.text);
        return NULL;
    }
    tmpl_value *v = from_json(j);
    json_decref(j);
    if (v == NULL)
        fprintf(stderr, "%s: cannot convert to template values\n", path);
    return v;
}

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: tmpl_cli DIR NAME [VARS.json]\n");
        return 2;
    }
    tmpl_value *vars = argc == 4 ? load_vars(argv[3]) : tmpl_dict();
    loader l = {argv[1], NULL, 0};
    tmpl_env *env = tmpl_env_new(load, &l);
    ddb_buf out = DDB_BUF_INIT;
    char err[512] = "cannot set up";
    int rc =
        vars != NULL && env != NULL ? tmpl_render(env, argv[2], vars, &out, err, sizeof err) : -1;
    if (rc == 0)
        fwrite(ddb_buf_cstr(&out), 1, out.len, stdout);
    else
        fprintf(stderr, "%s\n", err);
    ddb_buf_free(&out);
    tmpl_env_free(env);
    tmpl_value_free(vars);
    for (size_t i = 0; i < l.len; i++)
        free(l.texts[i]);
    free(l.texts);
    return rc == 0 ? 0 : 1;
}
