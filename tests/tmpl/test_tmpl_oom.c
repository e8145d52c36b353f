/*
 * test_tmpl_oom.c - the template engine when memory runs out.
 *
 * Linked with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc: the wrappers
 * (tests/support/alloc_fail.c) fail exactly the n-th allocation, for
 * n = 0, 1, 2, ... until a run needs fewer. Every run must either produce the full output or fail with
 * "out of memory" (never another error, never a crash), and — checked by
 * valgrind or LeakSanitizer — free everything on every path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alloc_fail.h" /* the allocator calls are wrapped: ddbt_fail_alloc_at */
#include "tmpl.h"

static const struct {
    const char *name, *text;
} files[] = {
    {"main.j2",
     "{% include 'banner.j2' +%}\n"
     "{% macro field(a, pre='  ') %}{{ pre }}{{ a.type }} {{ a.name | c_ident }};{% endmacro %}\n"
     "{% for m in models %}\n"
     "struct {{ m.name | lower }} { /* {{ m.doc | c_string }} {{ m.doc | c_comment }} */\n"
     "  {% for a in m.attrs %}\n"
     "{{ field(a) }}{{ (' /* ' ~ loop.length ~ ' */') if loop.last }}\n"
     "  {% else %}\n"
     "  int empty;\n"
     "  {% endfor %}\n"
     "};\n"
     "{% endfor %}\n"
     "{% set names %}{% for k, v in opts | items %}{{ k }}={{ v }} {% endfor %}{% endset %}\n"
     "{{ names | trim | replace(' ', ', ') | upper }} {{ [1, 2] | join('+') }} "
     "{{ missing | default('d') }} {{ ('a' ~ 1) if opts.x > 1 else 'no' }} {{ 'é?' | last }}\n"
     "{{ 'line\\nline' | indent(4, true) }} {{ models | first | length }} {{ 'k' in opts }}\n"},
    {"banner.j2", "/* {{ prefix }} {{ 'v' ~ version }} {{ '*/ end\\\\' | c_comment }} */"},
};

static const char *load(void *ctx, const char *name, size_t *len)
{
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        if (strcmp(files[i].name, name) == 0) {
            *len = strlen(files[i].text);
            return files[i].text;
        }
    }
    return NULL;
}

static tmpl_value *attr(const char *name, const char *type)
{
    tmpl_value *a = tmpl_dict();
    tmpl_dict_set(a, "name", tmpl_str(name));
    tmpl_dict_set(a, "type", tmpl_str(type));
    return a;
}

static tmpl_value *model(const char *name, const char *doc, tmpl_value *attrs)
{
    tmpl_value *m = tmpl_dict();
    tmpl_dict_set(m, "name", tmpl_str(name));
    tmpl_dict_set(m, "doc", tmpl_str(doc));
    tmpl_dict_set(m, "attrs", attrs);
    return m;
}

/* The variables; with allocations failing, some parts may be missing. */
static tmpl_value *make_vars(void)
{
    tmpl_value *v = tmpl_dict(), *models = tmpl_list(), *attrs = tmpl_list(), *opts = tmpl_dict();
    tmpl_list_push(attrs, attr("id", "char *"));
    tmpl_list_push(attrs, attr("2nd-try", "int64_t"));
    tmpl_list_push(models, model("Thread", "A \"thread\".", attrs));
    tmpl_list_push(models, model("Empty", "none\n", tmpl_list()));
    tmpl_dict_set(opts, "x", tmpl_int(2));
    tmpl_dict_set(opts, "y", tmpl_bool(true));
    tmpl_dict_set(v, "models", models);
    tmpl_dict_set(v, "opts", opts);
    tmpl_dict_set(v, "prefix", tmpl_str("forum"));
    tmpl_dict_set(v, "version", tmpl_int(1));
    return v;
}

/* Renders main.j2 once; returns 0 or -1 with the output or error in *result. */
static int render(const tmpl_value *vars, char **result)
{
    tmpl_env *env = tmpl_env_new(load, NULL);
    ddb_buf out = DDB_BUF_INIT;
    char err[256] = "main.j2: error: out of memory"; /* when tmpl_env_new fails */
    int rc = env != NULL ? tmpl_render(env, "main.j2", vars, &out, err, sizeof err) : -1;
    tmpl_env_free(env);
    *result = strdup(rc == 0 ? ddb_buf_cstr(&out) : err);
    ddb_buf_free(&out);
    return rc;
}

static void test_render_oom(void **state)
{
    tmpl_value *vars = make_vars();
    char *want;
    assert_int_equal(render(vars, &want), 0);
    assert_string_equal(want, "/* forum v1 * / end\\. */\n"
                              "struct thread { /* A \\\"thread\\\". A \"thread\". */\n"
                              "  char * id;\n"
                              "  int64_t _2nd_try; /* 2 */\n"
                              "};\n"
                              "struct empty { /* none\\n none */\n"
                              "  int empty;\n"
                              "};\n"
                              "X=2, Y=TRUE 1+2 d a1 ?\n"
                              "    line\n"
                              "    line 3 False\n");
    long n = 0;
    for (;; n++) {
        char *got;
        ddbt_fail_alloc_at(n);
        int rc = render(vars, &got);
        long used = ddbt_alloc_count();
        ddbt_fail_alloc_at(-1);
        if (rc == 0)
            assert_string_equal(got, want);
        else if (strstr(got, "error: out of memory") == NULL)
            fail_msg("allocation %ld: unexpected error \"%s\"", n, got);
        free(got);
        if (rc == 0 && used <= n)
            break; /* this run needed fewer than n + 1 allocations */
    }
    print_message("%ld allocations failed one at a time\n", n);
    free(want);
    tmpl_value_free(vars);
}

static void test_values_oom(void **state)
{
    for (long n = 0; n < 200; n++) {
        ddbt_fail_alloc_at(n);
        tmpl_value *vars = make_vars();
        ddbt_fail_alloc_at(-1);
        tmpl_value_free(vars); /* whatever was built, no leak */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_oom),
        cmocka_unit_test(test_values_oom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
