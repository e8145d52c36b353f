/* tmpl.c - the template environment: loading, caching, error messages, rendering. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl_int.h"

struct tmpl_env {
    tmpl_loader_fn loader;
    void *ctx;
    tmpl_template **cache; /* parsed templates, by name */
    size_t len, cap;
    size_t work_limit; /* of one render (tmpl_env_set_work_limit) */
};

static const tmpl_pos no_pos = {0, 0};

int tmpl_error_vset(tmpl_error *e, const char *tpl, tmpl_pos pos, const char *fmt, va_list ap)
{
    bool first = !e->failed;
    e->failed = true;
    if (!first || e->buf == NULL || e->size == 0)
        return -1;
    int n = pos.line != 0 ? snprintf(e->buf, e->size, "%s:%u:%u: error: ", tpl, pos.line, pos.col)
                          : snprintf(e->buf, e->size, "%s: error: ", tpl);
    if (n >= 0 && (size_t)n < e->size)
        vsnprintf(e->buf + n, e->size - (size_t)n, fmt, ap);
    /* one line: a name or a key from the template or the variables may hold
     * a line break or another control character */
    for (char *p = e->buf; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    return -1;
}

int tmpl_error_set(tmpl_error *e, const char *tpl, tmpl_pos pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = tmpl_error_vset(e, tpl, pos, fmt, ap);
    va_end(ap);
    return rc;
}

tmpl_env *tmpl_env_new(tmpl_loader_fn loader, void *ctx)
{
    tmpl_env *env = calloc(1, sizeof *env);
    if (env != NULL) {
        env->loader = loader;
        env->ctx = ctx;
        env->work_limit = TMPL_DEFAULT_WORK_LIMIT;
    }
    return env;
}

void tmpl_env_set_work_limit(tmpl_env *env, size_t units)
{
    if (env != NULL)
        env->work_limit = units != 0 ? units : TMPL_DEFAULT_WORK_LIMIT;
}

void tmpl_env_free(tmpl_env *env)
{
    if (env == NULL)
        return;
    for (size_t i = 0; i < env->len; i++)
        tmpl_template_free(env->cache[i]);
    free(env->cache);
    free(env);
}

static int cache_reserve(tmpl_env *env)
{
    if (env->len < env->cap)
        return 0;
    size_t ncap = env->cap != 0 ? env->cap * 2 : 8;
    tmpl_template **p = ncap <= SIZE_MAX / sizeof *p ? realloc(env->cache, ncap * sizeof *p) : NULL;
    if (p == NULL)
        return -1;
    env->cache = p;
    env->cap = ncap;
    return 0;
}

const tmpl_template *tmpl_env_get(tmpl_env *env, const char *name, tmpl_error *err,
                                  const char *from, tmpl_pos at)
{
    for (size_t i = 0; i < env->len; i++)
        if (strcmp(env->cache[i]->name, name) == 0)
            return env->cache[i];
    size_t len = 0;
    const char *text = env->loader != NULL ? env->loader(env->ctx, name, &len) : NULL;
    if (text == NULL) {
        if (from != NULL)
            tmpl_error_set(err, from, at, "template '%s' not found", name);
        else
            tmpl_error_set(err, name, no_pos, "template not found");
        return NULL;
    }
    if (cache_reserve(env) != 0) {
        tmpl_error_set(err, name, no_pos, "out of memory");
        return NULL;
    }
    tmpl_template *t = tmpl_parse(name, text, len, err);
    if (t != NULL)
        env->cache[env->len++] = t;
    return t;
}

int tmpl_render(tmpl_env *env, const char *name, const tmpl_value *vars, ddb_buf *out, char *err,
                size_t err_size)
{
    tmpl_error e = {err, err_size, false};
    if (err != NULL && err_size != 0)
        err[0] = '\0';
    if (env == NULL || name == NULL || out == NULL)
        return tmpl_error_set(&e, name != NULL ? name : "(null)", no_pos,
                              "tmpl_render needs an environment, a name and an output buffer");
    if (vars != NULL && vars->kind != TMPL_DICT)
        return tmpl_error_set(&e, name, no_pos, "the variables must be a dict, got %s",
                              tmpl_kind_name(vars->kind));
    const tmpl_template *t = tmpl_env_get(env, name, &e, NULL, no_pos);
    if (t == NULL)
        return -1;
    ddb_buf text = DDB_BUF_INIT;
    int rc = tmpl_render_root(env, t, vars, env->work_limit, &text, &e);
    if (rc == 0 && ddb_buf_append(out, ddb_buf_cstr(&text), text.len) != 0)
        rc = tmpl_error_set(&e, name, no_pos, "out of memory");
    ddb_buf_free(&text);
    return rc;
}
