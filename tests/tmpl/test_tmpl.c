/*
 * test_tmpl.c - unit tests of the template engine (generator/tmpl.h).
 *
 * Every construct, the whitespace rules, the value API and its ownership
 * rules, and every error message with its line:col. Run under valgrind or
 * ASan to prove the error paths leak nothing. Outputs that Jinja2 also
 * produces are checked against Jinja2 itself by jinja_diff.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ddb/error.h"
#include "tmpl.h"

/* ---- harness --------------------------------------------------------------- */

/* A template a test provides; arrays of them end with a NULL name. */
typedef struct file {
    const char *name;
    const char *text;
} file;

typedef struct loader {
    const file *files;
    unsigned calls;
} loader;

static const char *load(void *ctx, const char *name, size_t *len)
{
    loader *l = ctx;
    l->calls++;
    for (const file *f = l->files; f->name != NULL; f++) {
        if (strcmp(f->name, name) == 0) {
            *len = strlen(f->text);
            return f->text;
        }
    }
    return NULL;
}

/* Renders files[0] and returns its output or error message (malloc'ed). */
static char *render_files(const file *files, const tmpl_value *vars, int *rc)
{
    loader l = {files, 0};
    tmpl_env *env = tmpl_env_new(load, &l);
    assert_non_null(env);
    ddb_buf out = DDB_BUF_INIT;
    char err[512];
    *rc = tmpl_render(env, files[0].name, vars, &out, err, sizeof err);
    char *result = *rc == 0 ? ddb_buf_steal(NULL, &out) : strdup(err);
    ddb_buf_free(&out);
    tmpl_env_free(env);
    return result;
}

static void check(const file *files, const tmpl_value *vars, int want_rc, const char *want,
                  const char *src, int line)
{
    int rc;
    char *got = render_files(files, vars, &rc);
    if (rc != want_rc)
        print_error("expected %s, got %s: \"%s\"\n", want_rc == 0 ? "success" : "an error",
                    rc == 0 ? "success" : "an error", got);
    _assert_int_equal(cast_to_largest_integral_type(rc), cast_to_largest_integral_type(want_rc),
                      src, line);
    _assert_string_equal(got, want, src, line);
    free(got);
}

static void check_one(const char *text, const tmpl_value *vars, int want_rc, const char *want,
                      const char *src, int line)
{
    const file files[] = {{"t.j2", text}, {NULL, NULL}};
    check(files, vars, want_rc, want, src, line);
}

/* `vars` is the test's variables (see setup). */
#define RENDERS(text, want)        check_one(text, vars, 0, want, __FILE__, __LINE__)
#define FAILS(text, want)          check_one(text, vars, -1, want, __FILE__, __LINE__)
#define RENDERS_FILES(files, want) check(files, vars, 0, want, __FILE__, __LINE__)
#define FAILS_FILES(files, want)   check(files, vars, -1, want, __FILE__, __LINE__)

static tmpl_value *str_list(const char *const *items)
{
    tmpl_value *list = tmpl_list();
    for (; *items != NULL; items++)
        assert_int_equal(tmpl_list_push(list, tmpl_str(*items)), 0);
    return list;
}

/* The variables every test sees. */
static int setup(void **state)
{
    static const char *const tags[] = {"a", "b", "c", NULL};
    tmpl_value *v = tmpl_dict();
    tmpl_value *d = tmpl_dict();
    tmpl_value *deep = tmpl_dict();
    tmpl_value *inner = tmpl_dict();
    tmpl_value *nums = tmpl_list();
    assert_int_equal(tmpl_dict_set(inner, "c", tmpl_str("deep")), 0);
    assert_int_equal(tmpl_dict_set(deep, "b", inner), 0);
    assert_int_equal(tmpl_dict_set(d, "x", tmpl_int(1)), 0);
    assert_int_equal(tmpl_dict_set(d, "y", tmpl_str("two")), 0);
    assert_int_equal(tmpl_dict_set(d, "a", deep), 0);
    assert_int_equal(tmpl_list_push(nums, tmpl_int(3)), 0);
    assert_int_equal(tmpl_list_push(nums, tmpl_int(1)), 0);
    assert_int_equal(tmpl_list_push(nums, tmpl_int(2)), 0);
    assert_int_equal(tmpl_dict_set(v, "name", tmpl_str("Thread")), 0);
    assert_int_equal(tmpl_dict_set(v, "n", tmpl_int(3)), 0);
    assert_int_equal(tmpl_dict_set(v, "yes", tmpl_bool(true)), 0);
    assert_int_equal(tmpl_dict_set(v, "no", tmpl_bool(false)), 0);
    assert_int_equal(tmpl_dict_set(v, "nothing", tmpl_none()), 0);
    assert_int_equal(tmpl_dict_set(v, "tags", str_list(tags)), 0);
    assert_int_equal(tmpl_dict_set(v, "nums", nums), 0);
    assert_int_equal(tmpl_dict_set(v, "empty", tmpl_list()), 0);
    assert_int_equal(tmpl_dict_set(v, "d", d), 0);
    *state = v;
    return 0;
}

static int teardown(void **state)
{
    tmpl_value_free(*state);
    return 0;
}

/* ---- values ------------------------------------------------------------------ */

static void test_value_dict(void **state)
{
    const tmpl_value *vars = *state;
    tmpl_value *d = tmpl_dict();
    assert_int_equal(tmpl_dict_set(d, "b", tmpl_int(1)), 0);
    assert_int_equal(tmpl_dict_set(d, "a", tmpl_int(2)), 0);
    assert_int_equal(tmpl_dict_set(d, "b", tmpl_str("replaced")), 0); /* keeps its place */
    const tmpl_value *b = tmpl_dict_get(d, "b");
    assert_non_null(b);
    assert_ptr_equal(tmpl_dict_get(d, "b"), b);
    assert_null(tmpl_dict_get(d, "c"));
    assert_null(tmpl_dict_get(tmpl_dict_get(vars, "tags"), "a")); /* not a dict */
    assert_null(tmpl_dict_get(NULL, "a"));
    tmpl_value *top = tmpl_dict();
    assert_int_equal(tmpl_dict_set(top, "d", d), 0);
    check_one("{% for k, v in d | items %}{{ k }}={{ v }};{% endfor %}", top, 0, "b=replaced;a=2;",
              __FILE__, __LINE__);
    tmpl_value_free(top);
}

static void test_value_ownership(void **state)
{
    tmpl_value *list = tmpl_list(), *dict = tmpl_dict();
    /* Containers take the value even when they fail: nothing leaks. */
    assert_int_equal(tmpl_list_push(dict, tmpl_str("x")), DDB_EINVAL);
    assert_int_equal(tmpl_list_push(NULL, tmpl_int(1)), DDB_EINVAL);
    assert_int_equal(tmpl_list_push(list, NULL), DDB_EINVAL);
    assert_int_equal(tmpl_dict_set(list, "k", tmpl_str("x")), DDB_EINVAL);
    assert_int_equal(tmpl_dict_set(dict, NULL, tmpl_str("x")), DDB_EINVAL);
    assert_int_equal(tmpl_dict_set(dict, "k", NULL), DDB_EINVAL);
    assert_null(tmpl_str(NULL));
    assert_null(tmpl_str_own(NULL));
    char *s = strdup("owned");
    assert_int_equal(tmpl_list_push(list, tmpl_str_own(s)), 0);
    /* One value shared by two containers. */
    tmpl_value *shared = tmpl_str("shared");
    assert_int_equal(tmpl_list_push(list, tmpl_value_ref(shared)), 0);
    assert_int_equal(tmpl_dict_set(dict, "s", shared), 0);
    assert_int_equal(tmpl_dict_set(dict, "l", list), 0);
    check_one("{{ l | join(',') }} {{ s }}", dict, 0, "owned,shared shared", __FILE__, __LINE__);
    assert_null(tmpl_value_ref(NULL));
    tmpl_value_free(NULL);
    tmpl_value_free(dict);
}

static void test_value_kinds(void **state)
{
    tmpl_value *v = tmpl_dict();
    assert_int_equal(tmpl_dict_set(v, "big", tmpl_int(INT64_MAX)), 0);
    assert_int_equal(tmpl_dict_set(v, "small", tmpl_int(INT64_MIN)), 0);
    assert_int_equal(tmpl_dict_set(v, "t", tmpl_bool(true)), 0);
    assert_int_equal(tmpl_dict_set(v, "z", tmpl_none()), 0);
    check_one("{{ big }} {{ small }} {{ t }} {{ z }}", v, 0,
              "9223372036854775807 -9223372036854775808 True None", __FILE__, __LINE__);
    tmpl_value_free(v);
}

/* ---- rendering API ----------------------------------------------------------- */

static void test_render_api(void **state)
{
    const tmpl_value *vars = *state;
    const file files[] = {{"main.j2", "{% include 'inc.j2' %}{% include 'inc.j2' %}"},
                          {"inc.j2", "[{{ name }}]"},
                          {"bad.j2", "{{ missing }}"},
                          {NULL, NULL}};
    loader l = {files, 0};
    tmpl_env *env = tmpl_env_new(load, &l);
    ddb_buf out = DDB_BUF_INIT;
    char err[256];
    assert_int_equal(tmpl_render(env, "main.j2", vars, &out, err, sizeof err), 0);
    assert_int_equal(tmpl_render(env, "main.j2", NULL, &out, err, sizeof err), -1);
    assert_string_equal(err, "inc.j2:1:5: error: 'name' is undefined");
    assert_string_equal(ddb_buf_cstr(&out), "[Thread][Thread]"); /* unchanged on error */
    assert_int_equal(l.calls, 2); /* each template parsed once, then cached */
    assert_int_equal(tmpl_render(env, "bad.j2", vars, &out, err, 12), -1);
    assert_string_equal(err, "bad.j2:1:4:"); /* truncated, terminated */
    assert_int_equal(tmpl_render(env, "bad.j2", vars, &out, NULL, 0), -1);
    assert_int_equal(tmpl_render(env, "nope.j2", vars, &out, err, sizeof err), -1);
    assert_string_equal(err, "nope.j2: error: template not found");
    assert_int_equal(
        tmpl_render(env, "main.j2", tmpl_dict_get(vars, "tags"), &out, err, sizeof err), -1);
    assert_string_equal(err, "main.j2: error: the variables must be a dict, got list");
    assert_int_equal(tmpl_render(NULL, "main.j2", vars, &out, err, sizeof err), -1);
    assert_string_equal(
        err, "main.j2: error: tmpl_render needs an environment, a name and an output buffer");
    assert_string_equal(ddb_buf_cstr(&out), "[Thread][Thread]");
    ddb_buf_free(&out);
    tmpl_env_free(env);
    tmpl_env_free(NULL);
}

static void test_render_text(void **state)
{
    const tmpl_value *vars = *state;
    RENDERS("", "");
    RENDERS("plain text\n", "plain text\n");
    RENDERS("{ not a tag } %} }} #}", "{ not a tag } %} }} #}");
    RENDERS("a{b", "a{b");
    RENDERS("end{", "end{");
    RENDERS("{{ '{{' }} and {{ \"{%\" }}", "{{ and {%");
    RENDERS("bytes \x01\xff kept", "bytes \x01\xff kept");
}

/* ---- expressions -------------------------------------------------------------- */

static void test_literals(void **state)
{
    const tmpl_value *vars = *state;
    RENDERS("{{ 'single' }} {{ \"double\" }} {{ 42 }} {{ 0 }} {{ 007 }}", "single double 42 0 7");
    RENDERS("{{ 'a\\'b\\\"c\\\\d\\te\\nf\\rg' }}", "a'b\"c\\d\te\nf\rg");
    RENDERS("{{ \"it's\" }} {{ 'say \"hi\"' }}", "it's say \"hi\"");
    RENDERS("{{ true }} {{ false }} {{ none }} {{ True }} {{ False }} {{ None }}",
            "True False None True False None");
    RENDERS("{{ [1, 'two', [3]] | length }} {{ [] | length }} {{ [1,] | length }}", "3 0 1");
    RENDERS("{{ 9223372036854775807 }}", "9223372036854775807");
}

static void test_lookup(void **state)
{
    const tmpl_value *vars = *state;
    RENDERS("{{ name }} {{ d.x }} {{ d['y'] }} {{ d.a.b.c }} {{ d[\"a\"].b['c'] }}",
            "Thread 1 two deep deep");
    RENDERS("{{ tags[0] }}{{ tags.1 }}{{ tags[-1] }}{{ tags[-3] }}{{ tags[n - 1] }}", "abcac");
    RENDERS("{{ [10, 20][1] }} {{ [[1, 2]][0][1] }} {{ d['a']['b']['c'] }}", "20 2 deep");
}

static void test_arithmetic(void **state)
{
    const tmpl_value *vars = *state;
    RENDERS("{{ 1 + 2 }} {{ 10 - 3 - 2 }} {{ -n }} {{ - 3 + 1 }} {{ n - -1 }} {{ (1 + 2) - 3 }}",
            "3 5 -3 -2 4 0");
    RENDERS("{{ true + 1 }} {{ -yes }} {{ no - 1 }} {{ no < 1 }} {{ yes >= 1 }} {{ yes > no }}",
            "2 -1 -1 True True True");
    RENDERS("{{ 9223372036854775807 - 1 }} {{ -9223372036854775807 - 1 }}",
            "9223372036854775806 -9223372036854775808");
    RENDERS("{{ 'a' ~ 'b' ~ 1 ~ true ~ none }} {{ (1 + 2) ~ 'x' }} {{ 'v' ~ (n + 1) }}",
            "ab1TrueNone 3x v4");
    RENDERS(
        "{{ 'a' + 'b' }} {{ (tags + ['d']) | join }} {{ ([] + []) | length }} {{ tags | length }}",
        "ab abcd 0 3");
}

static void test_comparisons(void **state)
{
    const tmpl_value *vars = *state;
    RENDERS("{{ 1 == 1 }} {{ 1 != 1 }} {{ 1 < 2 }} {{ 2 <= 2 }} {{ 3 > 4 }} {{ 4 >= 4 }}",
            "True False True True False True");
    RENDERS(
        "{{ 'abc' < 'abd' }} {{ 'b' > 'abc' }} {{ '' < 'a' }} {{ 'ab' < 'a' }} {{ 'a' <= 'a' }}",
        "True True True False True");
    RENDERS("{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 1 == 1 == 1 }} {{ 1 < 0 < missing }}",
            "True False True False");
    RENDERS("{{ 1 == true }} {{ 0 == false }} {{ 2 == true }} {{ '1' == 1 }} {{ none == none }}",
            "True True False False True");
    RENDERS("{{ tags == ['a', 'b', 'c'] }} {{ [1] == [2] }} {{ [1] == [1, 2] }} {{ d == d }}",
            "True False False True");
    RENDERS("{{ 'al' in 'alpha' }} {{ 'x' not in 'alpha' }} {{ '' in 'a' }} {{ 'b' in tags }} "
            "{{ 'z' not in tags }} {{ 'x' in d }} {{ 'q' in d }} {{ 1 in d }} {{ 1 in [true] }}",
            "True True True True True True False False True");
}

static void test_logic(void **state)
{
    const tmpl_value *vars = *state;
    RENDERS("{{ yes and 'v' }} {{ no and missing }} {{ no or 'w' }} {{ 'f' or missing }} {{ 0 or "
            "'' }}|",
            "v False w f |");
    RENDERS("{{ (no or missing) | default('d') }} {{ (yes and d.nope) is defined }}", "d False");
    RENDERS("{{ not not not not not yes }} {{ - - - - n }}", "False 3");
    RENDERS("{{ not yes }} {{ not not yes }} {{ not empty }} {{ not 0 == 1 }} {{ not 'x' in 'y' }}",
            "False True True True True");
    RENDERS("{{ yes or no and no }} {{ (yes or no) and no }} {{ not no and yes }}",
            "True False True");
    RENDERS("{{ 'a' if yes else 'b' }} {{ 'a' if no else 'b' }} [{{ 'a' if no }}] "
            "{{ 'a' if no else 'b' if no else 'c' }} {{ ('x' if no) | default('d') }}",
            "a b [] c d");
    RENDERS("{% if none %}1{% elif 0 %}2{% elif '' %}3{% elif [] %}4{% elif d %}dict{% endif %}",
            "dict");
}

static void test_tests(void **state)
{
    const tmpl_value *vars = *state;
    RENDERS("{{ name is defined }} {{ missing is defined }} {{ missing is not defined }} "
            "{{ missing is undefined }} {{ d.nope is defined }} {{ tags[7] is defined }}",
            "True False True True False False");
    RENDERS("{{ nothing is none }} {{ n is number }} {{ n is integer }} {{ name is string }} "
            "{{ d is mapping }} {{ yes is boolean }} {{ tags is mapping }} {{ n is not string }}",
            "True True True True True True False True");
    RENDERS("{% if missing is defined and missing %}x{% else %}safe{% endif %}", "safe");
    /* As in Python, booleans are numbers (but not integers). */
    RENDERS(
        "{{ yes is number }} {{ yes is integer }} {{ missing is string }} {{ tags[5] is none }}",
        "True False False False");
}

/* ---- filters -------------------------------------------------------------------- */

static void test_filter_case(void **state)
{
    const tmpl_value *vars = *state;
    RENDERS("{{ name | upper }} {{ name | lower }} {{ name | upper | lower }} {{ 'é' | upper }}",
            "THREAD thread thread é");
    RENDERS("{{ n | upper }} {{ yes | lower }} {{ nothing | upper }}", "3 true NONE");
    RENDERS("{{ name|upper() }}", "THREAD");
}

static void test_filter_c_ident(void **state)
{
    const tmpl_value *vars = *state;
    RENDERS("{{ 'Thread Table-2.x' | c_ident }} {{ '2nd' | c_ident }} [{{ '' | c_ident }}] "
            "{{ 'ok_1' | c_ident }} {{ 42 | c_ident }} {{ 'caf\xc3\xa9' | c_ident }}",
            "Thread_Table_2_x _2nd [_] ok_1 _42 caf__");
    /* C and C++ words get a '_' after them, names reserved to C an 'x' before */
    RENDERS("{{ 'int' | c_ident }} {{ 'class' | c_ident }} {{ 'NULL' | c_ident }} {{ 'true' | c_ident }} "
            "{{ '__x' | c_ident }} {{ '_Bool' | c_ident }} {{ '_x' | c_ident }} {{ 'in t' | c_ident }} "
            "{{ '_' | c_ident }} {{ 'int_' | c_ident }}",
            "int_ class_ NULL_ true_ x__x x_Bool _x in_t _ int_");
}

static void test_filter_c_comment(void **state)
{
    const tmpl_value *vars = *state;
    RENDERS("{{ 'a */ int evil; /* b' | c_comment }}", "a * / int evil; / * b");
    RENDERS("{{ '**//' | c_comment }}|{{ '/*/' | c_comment }}|{{ '// x' | c_comment }}", "** //|/ * /|// x");
    /* no trigraph: "??" and one of = / ' ( ) ! < > - get a space between */
    RENDERS("{{ 'x ?\?/ ?\?= ?\?\?( ?\?x ?' | c_comment }}", "x ?? / ?? = ??? ( ??x ?");
    /* one line: control characters become spaces; none at the end */
    RENDERS("{{ 'l1\\nl2\\r\\tx\x1b[0m *\\n/ \x7f' | c_comment }}|", "l1 l2  x [0m * /|");
    /* a backslash at the end cannot splice the next line */
    RENDERS("{{ 'end\\\\' | c_comment }}|{{ 'end\\\\ \\n' | c_comment }}|{{ 'a\\\\b' | c_comment }}|{{ '' | c_comment }}|",
            "end\\.|end\\.|a\\b||");
    /* UTF-8 stays, bidirectional and other invisible controls do not, nor
     * bytes that are not UTF-8 */
    RENDERS("{{ 'caf\xc3\xa9 \xe2\x80\xae \xe2\x80\xa8 \xc2\x85 \xff\xfe \xc3' | c_comment }}",
            "caf\xc3\xa9       ?? ?");
    RENDERS("{{ 42 | c_comment }} {{ nothing | c_comment }}", "42 None");
}

static void test_filter_c_string(void **state)
{
    const tmpl_value *vars = *state;
    RENDERS("{{ 'he said \"hi\"\\n' | c_string }}", "he said \\\"hi\\\"\\n");
    RENDERS("{{ 'tab\\tback\\\\slash' | c_string }}", "tab\\tback\\\\slash");
    RENDERS("{{ 'caf\xc3\xa9 \x01\x7f\\r1' | c_string }}", "caf\\303\\251 \\001\\177\\0151");
    RENDERS("{{ '?\?=?\?' | c_string }} {{ 'a?b?' | c_string }} {{ \"'\" | c_string }}",
            "?\\?=?\\? a?b? '");
}

static void test_filter_join_length(void **state)
{
    const tmpl_value *vars = *state;
    RENDERS(
        "{{ tags | join(', ') }} {{ tags | join }} {{ nums | join('-') }} {{ tags | join(d='/') }} "
        "[{{ empty | join(',') }}] {{ [1, true, none, 'x'] | join(' ') }}",
        "a, b, c abc 3-1-2 a/b/c [] 1 True None x");
    RENDERS("{{ tags | length }} {{ name | length }} {{ d | length }} {{ 'caf\xc3\xa9' | length }} "
            "{{ empty | length }} {{ '' | length }}",
            "3 6 3 4 0 0");
}

static void test_filter_default(void **state)
{
    const tmpl_value *vars = *state;
    RENDERS("{{ missing | default('dflt') }} {{ nothing | default('x') }} "
            "{{ nothing | default('x', true) }} {{ '' | default('e', boolean=true) }} "
            "{{ d.nope | default(d.x) }} {{ tags[9] | default('none') }} [{{ missing | default }}] "
            "{{ missing | default(missing2 | default('inner')) }} {{ name | default('no') }}",
            "dflt None x e 1 none [] inner Thread");
    RENDERS("{{ missing | default('a') | upper }}", "A");
}

static void test_filter_trim_replace(void **state)
{
    const tmpl_value *vars = *state;
    RENDERS("[{{ '  padded \\n\\t' | trim }}] [{{ 'x' | trim }}] [{{ '   ' | trim }}]",
            "[padded] [x] []");
    RENDERS("{{ 'a-b-c' | replace('-', '+') }} {{ 'aaa' | replace('a', 'b', 2) }} "
            "{{ 'ab' | replace('', '-') }} {{ 'abc' | replace('b', '') }} {{ 'aaa' | replace('aa', "
            "'x') }} "
            "{{ 'x' | replace('x', 'y', 0) }} {{ 'ab' | replace('', '-', 1) }} {{ '\xc3\xa9' | "
            "replace('', '.') }} "
            "{{ n | replace(3, 4) }}",
            "a+b+c bba -a-b- ac xa x -ab .\xc3\xa9. 4");
}

static void test_filter_first_last(void **state)
{
    const tmpl_value *vars = *state;
    RENDERS(
        "{{ tags | first }} {{ tags | last }} {{ 'xyz' | first }} {{ 'xyz' | last }} "
        "{{ '\xc3\xa9!' | first }} {{ '!\xc3\xa9' | last }} {{ empty | first | default('none') }} "
        "{{ '' | last | default('none') }}",
        "a c x z \xc3\xa9 \xc3\xa9 none none");
}

static void test_filter_indent(void **state)
{
    const tmpl_value *vars = *state;
    RENDERS("{{ 'x' | indent }}|{{ 'a\\nb\\n\\nc' | indent(2) }}|{{ 'a\\nb' | indent(2, true) }}|",
            "x|a\n  b\n\n  c|  a\n  b|");
    RENDERS(
        "{{ 'a\\n\\nb\\n' | indent(3, blank=true) }}|{{ '' | indent(2, true) }}|"
        "{{ 'a\\nb' | indent('> ') }}|{{ 'a\\n' | indent(first=true) }}|{{ 'a\\n b' | indent(0) }}",
        "a\n   \n   b\n   |  |a\n> b|    a\n|a\n b");
}

static void test_filter_items(void **state)
{
    const tmpl_value *vars = *state;
    RENDERS(
        "{% for k, v in d | items %}{{ k }}{% if v is string %}={{ v }}{% endif %};{% endfor %}",
        "x;y=two;a;");
    RENDERS("{{ d | items | length }} {{ (d | items)[1][0] }}", "3 y");
}

/* ---- statements -------------------------------------------------------------------- */

static void test_if(void **state)
{
    const tmpl_value *vars = *state;
    RENDERS("{% for i in [0, 1, 2, 3] %}{% if i == 0 %}zero{% elif i == 1 %}one"
            "{% elif i == 2 and yes %}two{% else %}many{% endif %} {% endfor %}",
            "zero one two many ");
    RENDERS("{% if no %}x{% endif %}|{% if no %}x{% elif no %}y{% endif %}|", "||");
    RENDERS("{% if yes %}{% if no %}a{% else %}b{% endif %}{% endif %}", "b");
}

static void test_for(void **state)
{
    const tmpl_value *vars = *state;
    RENDERS(
        "{% for t in tags %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}"
        "{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ t }} {% endfor %}",
        "1032TrueFalse3a 2121FalseFalse3b 3210FalseTrue3c ");
    RENDERS("{% for t in empty %}x{% else %}empty{% endfor %} {% for t in tags %}{{ t }}{% else %}e"
            "{% endfor %}",
            "empty abc");
    RENDERS(
        "{% for k in d %}{{ k }}{% endfor %} {% for a, b in [[1, 2], ['x', 'y']] %}{{ a }}{{ b }}"
        "{% endfor %}",
        "xya 12xy");
    RENDERS("{% for t in tags %}{% for n in nums %}{{ t }}{{ n }}{{ loop.index }}"
            "{% if loop.last %};{% endif %}{% endfor %}{{ loop.index }} {% endfor %}",
            "a31a12a23;1 b31b12b23;2 c31c12c23;3 ");
    RENDERS("{% for t in ['x'] %}{{ t }}{% endfor %}{{ t is defined }} {{ loop is defined }}",
            "xFalse False");
}

static void test_set(void **state)
{
    const tmpl_value *vars = *state;
    RENDERS("{% set x = 'v' ~ n %}{{ x }} {% set x = x ~ '!' %}{{ x }}", "v3 v3!");
    RENDERS("{% set name = 'shadow' %}{{ name }}", "shadow");
    RENDERS("{% for t in tags %}{% set last = t %}{% endfor %}{{ last is defined }}", "False");
    RENDERS("{% if yes %}{% set s = 'leaks' %}{% endif %}{{ s }}", "leaks");
    RENDERS("{% set b %}\n  captured {{ n }}\n{% endset %}[{{ b }}]", "[  captured 3\n]");
    RENDERS("{% set x = 1 %}{% for t in tags %}{% set x = x + 1 %}{{ x }}{% endfor %} {{ x }}",
            "222 1");
}

static void test_macro(void **state)
{
    const tmpl_value *vars = *state;
    RENDERS("{% macro greet(who, greeting='Hello') %}{{ greeting }}, {{ who }}!{% endmacro %}"
            "{{ greet('world') }} {{ greet('you', 'Hi') }} {{ greet(greeting='Yo', who='kw') }} "
            "{{ greet('x', greeting='Hey') }}",
            "Hello, world! Hi, you! Yo, kw! Hey, x!");
    RENDERS("{% macro wrap(x, pre='[', post=pre ~ ']') %}{{ pre }}{{ x }}{{ post }}{% endmacro %}"
            "{{ wrap(1) }} {{ wrap(2, '<') }} {{ wrap(3, post=')') }} {{ wrap(4) | length }}",
            "[1[] <2<] [3) 4");
    RENDERS(
        "{% macro f() %}{% set inner = 1 %}{{ name }}{% endmacro %}{{ f() }}{{ inner is defined }}",
        "ThreadFalse");
    RENDERS("{% macro outer(n) %}{% macro inner(k) %}<{{ k }}{{ n }}>{% endmacro %}"
            "{{ inner(1) }}{{ inner(2) }}{% endmacro %}{{ outer('a') }}{{ inner is defined }}",
            "<1a><2a>False");
    RENDERS("{% macro down(k) %}{{ k }}{% if k > 0 %} {{ down(k - 1) }}{% endif %}{% endmacro %}"
            "{{ down(3) }}",
            "3 2 1 0");
    /* A macro sees the variables where it was defined, not the caller's. */
    RENDERS("{% macro show() %}{{ t is defined }}{{ v }}{% endmacro %}{% set v = 1 %}"
            "{% for t in tags %}{{ show() }}{% endfor %}{% set v = 2 %}{{ show() }}",
            "False1False1False1False2");
    RENDERS("{% set m = tags %}{% macro m() %}macro{% endmacro %}{{ m() }}", "macro");
    RENDERS("{% macro m() %}\n  body\n{% endmacro %}[{{ m() }}]", "[  body\n]");
}

static void test_include(void **state)
{
    const tmpl_value *vars = *state;
    const file files[] = {
        {"main.j2", "{% set local = 'L' %}{% include 'a.j2' %}|{{ from_a is defined }}|"
                    "{% for t in tags %}{% include 'loop.j2' %}{% endfor %}|"
                    "{% set which = 'a.j2' %}{% include which %}|{% include 'macros.j2' %}"
                    "{{ helper is defined }}|{% macro m(t) %}{% include 'loop.j2' %}{% endmacro %}"
                    "{{ m('q') }}"},
        {"a.j2", "{% set from_a = 1 %}a:{{ local }}{{ name }}"},
        {"loop.j2", "({{ t | default('-') }})"},
        {"macros.j2", "{% macro helper(s) %}<{{ s }}>{% endmacro %}{{ helper('h') }}"},
        {NULL, NULL}};
    RENDERS_FILES(files, "a:LThread|False|(a)(b)(c)|a:LThread|<h>False|(q)");
}

/* ---- whitespace control ---------------------------------------------------------------- */

static void test_ws_trim_lstrip(void **state)
{
    const tmpl_value *vars = *state;
    /* A block tag alone on its line leaves nothing behind. */
    RENDERS("struct {\n    {% for t in tags %}\n    int {{ t }};\n    {% endfor %}\n};\n",
            "struct {\n    int a;\n    int b;\n    int c;\n};\n");
    RENDERS("a\n  {# comment #}\nb\n\t{% if yes %}\nc\n\t{% endif %}\nd", "a\nb\nc\nd");
    RENDERS("   {% if yes %}x{% endif %}", "x");
    RENDERS("  {% if yes %}\n  x\n  {% endif %}\nb", "  x\nb");
    /* Not alone on its line: text before the tag stays; only one newline goes. */
    RENDERS("a  {% if yes %}x{% endif %}  \n", "a  x  \n");
    RENDERS("{% if yes %}  \nx{% endif %}", "  \nx");
    RENDERS("{% if yes %}\n\nx{% endif %}", "\nx");
    RENDERS("x {% if yes %}y{% endif %} z", "x y z");
    /* Output tags are never stripped. */
    RENDERS("  {{ name }}\n", "  Thread\n");
    /* Windows line ends: trim_blocks takes the \r\n; text keeps its \r. */
    RENDERS("{% if yes %}\r\nx\r\n{% endif %}\r\ny", "x\r\ny");
}

static void test_ws_dash_plus(void **state)
{
    const tmpl_value *vars = *state;
    RENDERS("a   {{- name -}}   b", "aThreadb");
    RENDERS("a\n\n  {%- if yes -%}\n\n  b  \n  {%- endif -%}\n\nc", "abc");
    RENDERS("x {#- comment -#} y", "xy");
    RENDERS("{{ 'a' -}}\n\n   b", "ab");
    RENDERS("   {{- 'a' }}", "a");
    RENDERS("start\n    {%+ if yes %}kept{% endif %}", "start\n    kept");
    RENDERS("{% if yes +%}\nkept newline{% endif %}", "\nkept newline");
    RENDERS("{% if yes %}x{%- else -%}  y{% endif %}", "x");
    RENDERS("{% for t in tags %}\n    {{- t -}}\n{% endfor %}", "abc");
    RENDERS("{{ 1 -}}{{- 2 }} {{ 3 - 1 }}", "12 2");
}

static void test_comments(void **state)
{
    const tmpl_value *vars = *state;
    RENDERS("a{# c #}b{# {{ x }} {% if %} #}c", "abc");
    RENDERS("{# multi\nline #}\nafter", "after");
    RENDERS("{#-#}a{#--#}", "a");
}

static void test_raw(void **state)
{
    const tmpl_value *vars = *state;
    RENDERS("x = {% raw %}{{0}, {1}}{% endraw %};", "x = {{0}, {1}};");
    RENDERS("a\n  {% raw %}\n{{ x }} {% if %}{# c #}\n  {% endraw %}\nb",
            "a\n\n{{ x }} {% if %}{# c #}\nb");
    RENDERS("{% raw -%}  \n x {%- endraw %}|{%raw%}{%endraw%}|{% raw %}{% endrawx %}{% endraw %}",
            "x||{% endrawx %}");
    FAILS("{% raw +%}x{% endraw %}", "t.j2:1:4: error: unknown tag 'raw'");
    FAILS("\n{% raw %}never closed",
          "t.j2:2:22: error: unclosed 'raw' opened at 2:1 (missing 'endraw')");
}

/* ---- errors, with their positions ------------------------------------------------------- */

static void test_errors_lexer(void **state)
{
    const tmpl_value *vars = *state;
    FAILS("{{ name", "t.j2:1:8: error: unclosed '{{' opened at 1:1 (missing '}}')");
    FAILS("ab\n {% if yes\n", "t.j2:3:1: error: unclosed '{%' opened at 2:2 (missing '%}')");
    FAILS("x\n{# never closed", "t.j2:2:16: error: unclosed comment opened at 2:1 (missing '#}')");
    FAILS("{{ \"abc }}", "t.j2:1:4: error: unterminated string literal");
    FAILS("{{ 'a\\qb' }}", "t.j2:1:6: error: unknown escape sequence in string literal (valid: \\n "
                           "\\t \\r \\\\ \\' \\\")");
    FAILS("{{ name @ 1 }}", "t.j2:1:9: error: unexpected character '@'");
    FAILS("{{ \x01 }}", "t.j2:1:4: error: unexpected byte 0x01");
    FAILS("{{ 1.5 }}", "t.j2:1:4: error: floating-point numbers are not supported");
    FAILS("{{ 9223372036854775808 }}",
          "t.j2:1:4: error: integer literal out of range (largest is 9223372036854775807)");
}

static void test_errors_syntax(void **state)
{
    const tmpl_value *vars = *state;
    FAILS("{{ }}", "t.j2:1:4: error: expected an expression, found '}}'");
    FAILS("{{ name name }}", "t.j2:1:9: error: expected '}}' after the expression, found 'name'");
    FAILS("{{ 1 + }}", "t.j2:1:8: error: expected an expression, found '}}'");
    FAILS("{{ (1 }}", "t.j2:1:7: error: expected ')' to close '(', found '}}'");
    FAILS("{{ [1 2] }}", "t.j2:1:7: error: expected ']' to close the list, found integer 2");
    FAILS("{{ tags[0 }}", "t.j2:1:11: error: expected ']' to close '[', found '}}'");
    FAILS("{{ d. }}", "t.j2:1:7: error: expected an attribute name after '.', found '}}'");
    FAILS("{{ and }}", "t.j2:1:4: error: expected an expression, found 'and'");
    FAILS("{{ x | }}", "t.j2:1:8: error: expected a filter name after '|', found '}}'");
    FAILS("{{ x is }}", "t.j2:1:9: error: expected a test name after 'is', found '}}'");
    FAILS("{{ x is odd }}", "t.j2:1:9: error: unknown test 'odd'");
    FAILS("{{ m(a=1, 2) }}", "t.j2:1:11: error: positional argument after keyword argument");
    FAILS("{{ m(1 }}", "t.j2:1:8: error: expected ')' to close the argument list, found '}}'");
    FAILS("{{ name | uper }}", "t.j2:1:11: error: unknown filter 'uper'");
    FAILS("{{ name | join(',', ';') }}",
          "t.j2:1:21: error: filter 'join' takes at most 1 argument");
    FAILS("{{ name | indent(4, fist=true) }}",
          "t.j2:1:21: error: filter 'indent' has no parameter 'fist'");
    FAILS("{{ name | indent(4, width=2) }}",
          "t.j2:1:21: error: filter 'indent' got argument 'width' twice");
    FAILS("{{ name | replace('a') }}",
          "t.j2:1:11: error: filter 'replace' is missing argument 'new'");
    FAILS("{{ name | upper(1) }}", "t.j2:1:17: error: filter 'upper' takes no arguments");
}

static void test_errors_blocks(void **state)
{
    const tmpl_value *vars = *state;
    FAILS("{% if yes %}\nx\n{% endif x %}",
          "t.j2:3:10: error: expected '%}' after 'endif', found 'x'");
    FAILS("line\n{% endfor %}", "t.j2:2:4: error: 'endfor' without 'for'");
    FAILS("{% else %}", "t.j2:1:4: error: 'else' without 'if' or 'for'");
    FAILS("{% elif x %}", "t.j2:1:4: error: 'elif' without 'if'");
    FAILS("{% endmacro %}", "t.j2:1:4: error: 'endmacro' without 'macro'");
    FAILS("{% for t in tags %}\n  {% if yes %}\n{% endfor %}",
          "t.j2:3:4: error: expected 'endif' to close 'if' opened at 2:3, found 'endfor'");
    FAILS("{% if yes %}{% else %}{% elif no %}{% endif %}",
          "t.j2:1:26: error: expected 'endif' to close 'if' opened at 1:1, found 'elif'");
    FAILS("{% for t in tags %}{% else %}{% else %}{% endfor %}",
          "t.j2:1:33: error: expected 'endfor' to close 'for' opened at 1:1, found 'else'");
    FAILS("\n\n{% if yes %}\nunclosed\n",
          "t.j2:5:1: error: unclosed 'if' opened at 3:1 (missing 'endif')");
    FAILS("{% for t in tags %}",
          "t.j2:1:20: error: unclosed 'for' opened at 1:1 (missing 'endfor')");
    FAILS("{% set x %}abc", "t.j2:1:15: error: unclosed 'set' opened at 1:1 (missing 'endset')");
    FAILS("{% macro m() %}",
          "t.j2:1:16: error: unclosed 'macro' opened at 1:1 (missing 'endmacro')");
    FAILS("{% frobnicate %}", "t.j2:1:4: error: unknown tag 'frobnicate'");
    FAILS("{% %}", "t.j2:1:4: error: expected a tag name after '{%', found '%}'");
    FAILS("{% if %}{% endif %}", "t.j2:1:7: error: expected an expression, found '%}'");
    FAILS("{% if yes x %}{% endif %}",
          "t.j2:1:11: error: expected '%}' after the 'if' condition, found 'x'");
    FAILS("{% if yes %}{% elif %}{% endif %}",
          "t.j2:1:21: error: expected an expression, found '%}'");
    FAILS("{% if yes %}{% else x %}{% endif %}",
          "t.j2:1:21: error: expected '%}' after 'else', found 'x'");
    FAILS("{% for %}", "t.j2:1:8: error: expected a loop variable after 'for', found '%}'");
    FAILS("{% for x tags %}",
          "t.j2:1:10: error: expected 'in' after the loop variable, found 'tags'");
    FAILS("{% for x, in tags %}",
          "t.j2:1:14: error: expected 'in' after the loop variable, found 'tags'");
    FAILS("{% for x in tags if x %}{% endfor %}",
          "t.j2:1:18: error: expected '%}' after the 'for' sequence, found 'if'");
    FAILS("{% set %}", "t.j2:1:8: error: expected a variable name after 'set', found '%}'");
    FAILS("{% set x + 1 %}",
          "t.j2:1:10: error: expected '=' or '%}' after the variable name, found '+'");
    FAILS("{% set x = 1 2 %}",
          "t.j2:1:14: error: expected '%}' after the 'set' value, found integer 2");
    FAILS("{% macro %}", "t.j2:1:10: error: expected a macro name after 'macro', found '%}'");
    FAILS("{% macro m %}", "t.j2:1:12: error: expected '(' after the macro name, found '%}'");
    FAILS("{% macro m(a, a) %}{% endmacro %}", "t.j2:1:15: error: duplicate parameter 'a'");
    FAILS("{% macro m(a=1, b) %}{% endmacro %}",
          "t.j2:1:17: error: parameter 'b' without a default follows one with a default");
    FAILS("{% macro m(1) %}{% endmacro %}",
          "t.j2:1:12: error: expected a parameter name, found integer 1");
    FAILS("{% macro m(a b) %}{% endmacro %}",
          "t.j2:1:14: error: expected ')' to close the parameter list, found 'b'");
    FAILS("{% macro m() x %}{% endmacro %}",
          "t.j2:1:14: error: expected '%}' after the macro parameters, found 'x'");
    FAILS("{% include %}", "t.j2:1:12: error: expected an expression, found '%}'");
    FAILS("{% include 'a' 'b' %}",
          "t.j2:1:16: error: expected '%}' after the 'include' template name, found a string");
}

static void test_errors_nesting(void **state)
{
    const tmpl_value *vars = *state;
    char text[400], want[100];
    size_t n = (size_t)snprintf(text, sizeof text, "{{ ");
    for (int i = 0; i < 300; i++)
        text[n++] = '(';
    snprintf(text + n, sizeof text - n, "1 }}");
    /* the template is level 1, the expression 2, each parenthesis one more */
    snprintf(want, sizeof want, "t.j2:1:%d: error: nested too deeply (more than 200 levels)",
             4 + 199);
    FAILS(text, want);

    char *blocks = malloc(210 * 12 + 1);
    assert_non_null(blocks);
    for (int i = 0; i < 210; i++)
        memcpy(blocks + i * 12, "{% if yes %}", 12);
    blocks[210 * 12] = '\0';
    /* the body of the k-th 'if' is level k + 1: the condition of the 200th is 201 */
    snprintf(want, sizeof want, "t.j2:1:%d: error: nested too deeply (more than 200 levels)",
             199 * 12 + 7);
    FAILS(blocks, want);
    free(blocks);

    /* A long chain nests no deeper in the parser, but does when evaluated. */
    ddb_buf chain = DDB_BUF_INIT;
    assert_int_equal(ddb_buf_puts(&chain, "{{ 1"), 0);
    for (int i = 0; i < 1200; i++)
        assert_int_equal(ddb_buf_puts(&chain, " ~ 1"), 0);
    assert_int_equal(ddb_buf_puts(&chain, " }}"), 0);
    /* the 1000th level down the left-deep chain */
    FAILS(ddb_buf_cstr(&chain),
          "t.j2:1:802: error: expression nested too deeply (more than 1000 levels)");
    ddb_buf_reset(&chain);
    assert_int_equal(ddb_buf_puts(&chain, "{{ "), 0);
    for (int i = 0; i < 5000; i++)
        assert_int_equal(ddb_buf_puts(&chain, "not "), 0);
    assert_int_equal(ddb_buf_puts(&chain, "yes }}"), 0);
    snprintf(want, sizeof want,
             "t.j2:1:%d: error: expression nested too deeply (more than 1000 levels)",
             4 + 1000 * 4);
    FAILS(ddb_buf_cstr(&chain), want);
    ddb_buf_free(&chain);
}

static void test_errors_undefined(void **state)
{
    const tmpl_value *vars = *state;
    FAILS("ok\n  {{ missing }}", "t.j2:2:6: error: 'missing' is undefined");
    FAILS("{{ d.nope }}", "t.j2:1:6: error: 'd' (dict) has no attribute 'nope'");
    FAILS("{{ d.a.b.nope }}", "t.j2:1:10: error: 'd.a.b' (dict) has no attribute 'nope'");
    FAILS("{{ tags.nope }}", "t.j2:1:9: error: 'tags' (list) has no attribute 'nope'");
    FAILS("{{ d['nope'] }}", "t.j2:1:5: error: 'd' (dict) has no key 'nope'");
    FAILS("{{ tags[3] }}", "t.j2:1:8: error: index 3 out of range for 'tags' (list) of length 3");
    FAILS("{{ tags[-4] }}", "t.j2:1:8: error: index -4 out of range for 'tags' (list) of length 3");
    FAILS("{{ tags.5 }}", "t.j2:1:9: error: index 5 out of range for 'tags' (list) of length 3");
    FAILS("{{ tags['x'] }}", "t.j2:1:8: error: cannot index 'tags' (list) with a string");
    FAILS("{{ name[0] }}", "t.j2:1:8: error: cannot index 'name' (string) with an integer");
    FAILS("{{ (tags | first).x }}", "t.j2:1:19: error: string has no attribute 'x'");
    FAILS("{{ missing.x | default(1) }}", "t.j2:1:4: error: 'missing' is undefined");
    FAILS("{{ missing | upper | default(1) }}", "t.j2:1:4: error: 'missing' is undefined");
    FAILS("{% if missing %}{% endif %}", "t.j2:1:7: error: 'missing' is undefined");
    FAILS("{% for x in missing %}{% endfor %}", "t.j2:1:13: error: 'missing' is undefined");
    FAILS("{{ empty | first }}", "t.j2:1:12: error: filter 'first': the list is empty");
    FAILS("{{ '' | last }}", "t.j2:1:9: error: filter 'last': the string is empty");
}

static void test_errors_types(void **state)
{
    const tmpl_value *vars = *state;
    FAILS("{{ tags }}",
          "t.j2:1:4: error: cannot print a list (loop over it, or use the 'join' filter)");
    FAILS("{{ d }}",
          "t.j2:1:4: error: cannot print a dict (loop over it, or use the 'join' filter)");
    FAILS("{% macro m() %}{% endmacro %}{{ m }}",
          "t.j2:1:33: error: cannot print a macro (loop over it, or use the 'join' filter)");
    FAILS("{{ 1 + 'a' }}", "t.j2:1:6: error: '+' needs two integers, strings or lists (or use '~' "
                           "to join as text), got integer and string");
    FAILS("{{ 'a' - 1 }}", "t.j2:1:8: error: '-' needs two integers, got string and integer");
    FAILS("{{ 'a' ~ 1 + 2 }}", "t.j2:1:12: error: '+' needs two integers, strings or lists (or use "
                               "'~' to join as text), got string and integer");
    FAILS("{{ -name }}", "t.j2:1:4: error: unary '-' needs an integer, got string");
    FAILS("{{ -tags | length }}", "t.j2:1:4: error: unary '-' needs an integer, got list");
    FAILS("{{ 9223372036854775807 + 1 }}", "t.j2:1:24: error: integer overflow in '+'");
    FAILS("{{ -9223372036854775807 - 2 }}", "t.j2:1:25: error: integer overflow in '-'");
    FAILS("{{ 0 - (-9223372036854775807 - 1) }}", "t.j2:1:6: error: integer overflow in '-'");
    FAILS("{{ -(-9223372036854775807 - 1) }}", "t.j2:1:4: error: integer overflow in unary '-'");
    FAILS("{{ 'x' ~ tags }}", "t.j2:1:8: error: '~' needs text, got string and list");
    FAILS("{{ 1 < 'a' }}", "t.j2:1:6: error: cannot compare integer and string with '<'");
    FAILS("{{ none >= 1 }}", "t.j2:1:9: error: cannot compare none and integer with '>='");
    FAILS("{{ 1 in 'abc' }}",
          "t.j2:1:6: error: 'in' a string needs a string on the left, got integer");
    FAILS("{{ 1 not in 5 }}",
          "t.j2:1:6: error: 'not in' needs a string, list or dict on the right, got integer");
    FAILS("{% for x in 5 %}{% endfor %}", "t.j2:1:13: error: cannot loop over integer");
    FAILS("{% for x in name %}{% endfor %}", "t.j2:1:13: error: cannot loop over string");
    FAILS("{% for a, b in tags %}{% endfor %}",
          "t.j2:1:1: error: cannot unpack string into 2 loop variables");
    FAILS("{% for a, b in [[1]] %}{% endfor %}",
          "t.j2:1:1: error: cannot unpack a list of 1 items into 2 loop variables");
    FAILS("{{ name() }}",
          "t.j2:1:4: error: cannot call 'name' (string): only macros can be called");
}

static void test_errors_filters(void **state)
{
    const tmpl_value *vars = *state;
    FAILS("{{ name | join }}", "t.j2:1:11: error: filter 'join': expected a list, got string");
    FAILS("{{ [1, [2]] | join }}", "t.j2:1:15: error: filter 'join': item 1 is a list, not text");
    FAILS("{{ tags | join(tags) }}",
          "t.j2:1:11: error: filter 'join': argument 'd' must be text, got list");
    FAILS("{{ n | length }}",
          "t.j2:1:8: error: filter 'length': expected a string, list or dict, got integer");
    FAILS("{{ tags | upper }}", "t.j2:1:11: error: filter 'upper': expected text, got list");
    FAILS("{{ name | indent(tags) }}", "t.j2:1:11: error: filter 'indent': argument 'width' must "
                                       "be an integer or a string, got list");
    FAILS("{{ name | indent(-1) }}",
          "t.j2:1:11: error: filter 'indent': argument 'width' must be between 0 and 1000, got -1");
    FAILS("{{ name | replace('a', 'b', 'c') }}",
          "t.j2:1:11: error: filter 'replace': argument 'count' must be an integer, got string");
    FAILS("{{ name | items }}", "t.j2:1:11: error: filter 'items': expected a dict, got string");
    FAILS("{{ n | first }}",
          "t.j2:1:8: error: filter 'first': expected a list or a string, got integer");
    FAILS("{{ name | c_ident(missing) }}", "t.j2:1:19: error: filter 'c_ident' takes no arguments");
    FAILS("{{ name | default(missing) }}", "t.j2:1:19: error: 'missing' is undefined");
}

static void test_errors_macros(void **state)
{
    const tmpl_value *vars = *state;
    const char *m = "{% macro m(a, b=1) %}{{ a }}{{ b }}{% endmacro %}\n";
    char text[256];
    snprintf(text, sizeof text, "%s{{ m() }}", m);
    FAILS(text, "t.j2:2:4: error: macro 'm' is missing argument 'a'");
    snprintf(text, sizeof text, "%s{{ m(1, 2, 3) }}", m);
    FAILS(text, "t.j2:2:12: error: macro 'm' takes at most 2 arguments");
    snprintf(text, sizeof text, "%s{{ m(1, c=3) }}", m);
    FAILS(text, "t.j2:2:9: error: macro 'm' has no parameter 'c'");
    snprintf(text, sizeof text, "%s{{ m(1, a=3) }}", m);
    FAILS(text, "t.j2:2:9: error: macro 'm' got argument 'a' twice");
    snprintf(text, sizeof text, "%s{{ m(missing) }}", m);
    FAILS(text, "t.j2:2:6: error: 'missing' is undefined");
    FAILS("{% macro m(a=missing) %}{% endmacro %}{{ m() }}",
          "t.j2:1:14: error: 'missing' is undefined");
    FAILS("{% macro m() %}{{ t }}{% endmacro %}{% for t in tags %}{{ m() }}{% endfor %}",
          "t.j2:1:19: error: 't' is undefined");
    FAILS("{% macro loop_forever(n) %}{{ loop_forever(n + 1) }}{% endmacro %}{{ loop_forever(0) }}",
          "t.j2:1:44: error: nested too deeply: 499 macro calls and includes in progress (endless "
          "recursion?)");
}

/* The work limit (tmpl_env_set_work_limit): templates whose cost grows
 * exponentially with their length fail with one error, quickly and
 * without memory to match; the same text under a limit it fits renders. */
static char *render_limited(const char *text, const tmpl_value *vars, size_t limit, int *rc)
{
    const file files[] = {{"t.j2", text}, {NULL, NULL}};
    loader l = {files, 0};
    tmpl_env *env = tmpl_env_new(load, &l);
    assert_non_null(env);
    tmpl_env_set_work_limit(env, limit);
    ddb_buf out = DDB_BUF_INIT;
    char err[512];
    *rc = tmpl_render(env, "t.j2", vars, &out, err, sizeof err);
    char *result = *rc == 0 ? ddb_buf_steal(NULL, &out) : strdup(err);
    ddb_buf_free(&out);
    tmpl_env_free(env);
    return result;
}

static void test_errors_work_limit(void **state)
{
    const tmpl_value *vars = *state;
    ddb_buf doubling = DDB_BUF_INIT, lists = DDB_BUF_INIT, dag = DDB_BUF_INIT, replace = DDB_BUF_INIT;
    assert_int_equal(ddb_buf_puts(&doubling, "{% set s = 'abcdefgh' %}"), 0);
    assert_int_equal(ddb_buf_puts(&lists, "{% set l = [1, 2] %}"), 0);
    assert_int_equal(ddb_buf_puts(&dag, "{% set a = [1] %}{% set b = [1] %}"), 0);
    assert_int_equal(ddb_buf_puts(&replace, "{% set s = 'aaaaaaaa' %}"), 0);
    for (int i = 0; i < 64; i++) { /* 2^64 bytes, items, comparisons */
        assert_int_equal(ddb_buf_puts(&doubling, "{% set s = s ~ s %}"), 0);
        assert_int_equal(ddb_buf_puts(&lists, "{% set l = l + l %}"), 0);
        assert_int_equal(ddb_buf_puts(&dag, "{% set a = [a, a] %}{% set b = [b, b] %}"), 0);
        assert_int_equal(ddb_buf_puts(&replace, "{% set s = s | replace('a', s) %}"), 0);
    }
    assert_int_equal(ddb_buf_puts(&doubling, "{{ s | length }}"), 0);
    assert_int_equal(ddb_buf_puts(&lists, "{{ l | length }}"), 0);
    assert_int_equal(ddb_buf_puts(&dag, "{{ a == b }}"), 0);
    assert_int_equal(ddb_buf_puts(&replace, "{{ s | length }}"), 0);
    const char *const hostile[] = {
        ddb_buf_cstr(&doubling), ddb_buf_cstr(&lists), ddb_buf_cstr(&dag), ddb_buf_cstr(&replace),
        /* 2^60 macro calls, each making nothing */
        "{% macro f(n) %}{% if n > 0 %}{% set a = f(n - 1) %}{% set b = f(n - 1) %}{% endif %}"
        "{% endmacro %}{{ f(60) }}",
        /* 64^6 loop iterations */
        "{% set l = [0, 1, 2, 3, 4, 5, 6, 7] %}{% set l = l + l + l + l + l + l + l + l %}"
        "{% for a in l %}{% for b in l %}{% for c in l %}{% for d in l %}{% for e in l %}"
        "{% for f in l %}{% endfor %}{% endfor %}{% endfor %}{% endfor %}{% endfor %}{% endfor %}",
        /* a separator and an indentation that grow with the text */
        "{% macro j(s, n) %}{% if n > 0 %}{{ j([s, s, s, s] | join(s), n - 1) }}{% endif %}"
        "{% endmacro %}{{ j('xxxxxxxx', 40) }}",
        "{% macro g(s, n) %}{% if n > 0 %}{{ g(s | indent(s, true, true), n - 1) }}{% endif %}"
        "{% endmacro %}{{ g('a\nb\nc\nd\n', 40) }}",
    };
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        int rc;
        char *got = render_limited(hostile[i], vars, (size_t)1 << 20, &rc);
        assert_int_equal(rc, -1);
        if (strstr(got, "rendering needs more than 1048576 units of work (a loop or recursion that "
                        "does not end, or text or lists that keep doubling?)") == NULL)
            fail_msg("template %zu: %s", i, got);
        free(got);
    }
    /* 0: the default limit (TMPL_DEFAULT_WORK_LIMIT), reached by bytes made */
    int rc;
    char *got = render_limited(hostile[0], vars, 0, &rc);
    assert_int_equal(rc, -1);
    assert_non_null(strstr(got, "error: rendering needs more than 268435456 units of work"));
    free(got);
    ddb_buf_free(&doubling);
    ddb_buf_free(&lists);
    ddb_buf_free(&dag);
    ddb_buf_free(&replace);

    /* a limit of one's own: the error points at the step that passed it */
    const char *text = "{% for i in [1, 2, 3] %}{{ i }}{% endfor %}";
    got = render_limited(text, vars, 1000, &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(got, "123");
    free(got);
    got = render_limited(text, vars, 300, &rc);
    assert_int_equal(rc, -1);
    assert_string_equal(got, "t.j2:1:1: error: rendering needs more than 300 units of work (a loop or "
                             "recursion that does not end, or text or lists that keep doubling?)");
    free(got);
    tmpl_env_set_work_limit(NULL, 1); /* no environment: nothing to do */
}

static void test_errors_includes(void **state)
{
    const tmpl_value *vars = *state;
    const file missing[] = {{"main.j2", "\n  {% include 'nope.j2' %}"}, {NULL, NULL}};
    FAILS_FILES(missing, "main.j2:2:14: error: template 'nope.j2' not found");
    const file bad_name[] = {{"main.j2", "{% include tags %}"}, {NULL, NULL}};
    FAILS_FILES(bad_name, "main.j2:1:12: error: 'include' needs a template name, got list");
    /* a message stays one line, whatever name it quotes */
    const file odd_name[] = {{"main.j2", "{% include 'a\nb\x1b[1m' %}"}, {NULL, NULL}};
    FAILS_FILES(odd_name, "main.j2:1:12: error: template 'a b [1m' not found");
    const file inner_error[] = {{"main.j2", "{% include 'inner.j2' %}"},
                                {"inner.j2", "ok\n{{ name | nope }}"},
                                {NULL, NULL}};
    FAILS_FILES(inner_error, "inner.j2:2:11: error: unknown filter 'nope'");
    const file runtime_error[] = {{"main.j2", "{% include 'lib.j2' %}{{ 1 }}"},
                                  {"lib.j2", "{% macro m() %}{{ x.y }}{% endmacro %}{{ m() }}"},
                                  {NULL, NULL}};
    FAILS_FILES(runtime_error, "lib.j2:1:19: error: 'x' is undefined");
    const file cycle[] = {{"main.j2", "{% include 'a.j2' %}"},
                          {"a.j2", "{% include 'b.j2' %}"},
                          {"b.j2", "{% include 'a.j2' %}"},
                          {NULL, NULL}};
    FAILS_FILES(cycle,
                "b.j2:1:12: error: nested too deeply: 1000 macro calls and includes in progress "
                "(endless recursion?)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_value_dict),
        cmocka_unit_test(test_value_ownership),
        cmocka_unit_test(test_value_kinds),
        cmocka_unit_test(test_render_api),
        cmocka_unit_test(test_render_text),
        cmocka_unit_test(test_literals),
        cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_arithmetic),
        cmocka_unit_test(test_comparisons),
        cmocka_unit_test(test_logic),
        cmocka_unit_test(test_tests),
        cmocka_unit_test(test_filter_case),
        cmocka_unit_test(test_filter_c_ident),
        cmocka_unit_test(test_filter_c_comment),
        cmocka_unit_test(test_filter_c_string),
        cmocka_unit_test(test_filter_join_length),
        cmocka_unit_test(test_filter_default),
        cmocka_unit_test(test_filter_trim_replace),
        cmocka_unit_test(test_filter_first_last),
        cmocka_unit_test(test_filter_indent),
        cmocka_unit_test(test_filter_items),
        cmocka_unit_test(test_if),
        cmocka_unit_test(test_for),
        cmocka_unit_test(test_set),
        cmocka_unit_test(test_macro),
        cmocka_unit_test(test_include),
        cmocka_unit_test(test_ws_trim_lstrip),
        cmocka_unit_test(test_ws_dash_plus),
        cmocka_unit_test(test_comments),
        cmocka_unit_test(test_raw),
        cmocka_unit_test(test_errors_lexer),
        cmocka_unit_test(test_errors_syntax),
        cmocka_unit_test(test_errors_blocks),
        cmocka_unit_test(test_errors_nesting),
        cmocka_unit_test(test_errors_undefined),
        cmocka_unit_test(test_errors_types),
        cmocka_unit_test(test_errors_filters),
        cmocka_unit_test(test_errors_macros),
        cmocka_unit_test(test_errors_includes),
        cmocka_unit_test(test_errors_work_limit),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
