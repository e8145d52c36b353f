/*
 * fuzz_template.c - fuzz target for ddbc's template engine
 * (generator/tmpl*.c): the input is parsed as a template and rendered
 * against a small fixed context (a dict like the one ddbc builds: prefix,
 * models with fields, numbers, text that needs escaping) with a few
 * templates it can include, under a work limit of 2^18 units (so that no
 * input can run long or grow without end: tmpl_env_set_work_limit).
 *
 * Invariants (abort() when broken): a success appends to the output and
 * a failure leaves it unchanged with a one-line "template:line:col: error:
 * message"; rendering again from the cache gives the same result;
 * rendering leaves no reference behind. The input also goes through the
 * two escapes whose output lands in generated C: c_string's output is
 * printable ASCII without "??" that decodes back to the input, and
 * c_comment's is UTF-8 without controls, "*" "/" or "/" "*" pairs, trigraphs
 * or a trailing blank or backslash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ddb/buf.h"
#include "tmpl.h"
#include "tmpl_int.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define WORK_LIMIT ((size_t)1 << 18)

typedef struct input {
    const char *text;
    size_t len;
} input;

/* The templates: the input is "t.j2"; the others may be included. */
static const char *load(void *ctx, const char *name, size_t *len)
{
    static const struct {
        const char *name, *text;
    } fixed[] = {
        {"inc.j2", "[{{ prefix }}{% for m in models %}/{{ m.name }}{% endfor %}]\n"},
        {"macros.j2", "{% macro field(f, pre='  ') %}{{ pre }}{{ f.c_type }}{{ f.name | c_ident }};{% endmacro %}"
                      "{% for m in models %}{% for f in m.fields %}{{ field(f) }}\n{% endfor %}{% endfor %}"},
        {"deep.j2", "{% include 'deep.j2' %}"},
    };
    const input *in = ctx;
    if (strcmp(name, "t.j2") == 0) {
        *len = in->len;
        return in->text;
    }
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        if (strcmp(name, fixed[i].name) == 0) {
            *len = strlen(fixed[i].text);
            return fixed[i].text;
        }
    }
    return NULL;
}

static tmpl_value *field(const char *name, const char *type, const char *c_type, bool hash)
{
    tmpl_value *f = tmpl_dict();
    tmpl_dict_set(f, "name", tmpl_str(name));
    tmpl_dict_set(f, "type", tmpl_str(type));
    tmpl_dict_set(f, "c_type", tmpl_str(c_type));
    tmpl_dict_set(f, "hash", tmpl_bool(hash));
    tmpl_dict_set(f, "default", tmpl_none());
    return f;
}

/* The context: built for each input, so that a reference a render keeps is a leak. */
static tmpl_value *context(void)
{
    tmpl_value *vars = tmpl_dict();
    tmpl_dict_set(vars, "prefix", tmpl_str("forum"));
    tmpl_dict_set(vars, "n", tmpl_int(3));
    tmpl_dict_set(vars, "big", tmpl_int(9223372036854775807LL));
    tmpl_dict_set(vars, "flag", tmpl_bool(true));
    tmpl_dict_set(vars, "nothing", tmpl_none());
    tmpl_dict_set(vars, "text", tmpl_str("a \"quoted\" */ line\nand ?\?/ \xc3\xa9 \\"));
    tmpl_value *models = tmpl_list();
    tmpl_value *thread = tmpl_dict();
    tmpl_dict_set(thread, "name", tmpl_str("thread"));
    tmpl_dict_set(thread, "table", tmpl_str("Threads"));
    tmpl_value *fields = tmpl_list();
    tmpl_list_push(fields, field("id", "string", "char *", true));
    tmpl_list_push(fields, field("views", "int64", "int64_t ", false));
    tmpl_list_push(fields, field("int", "bool", "bool ", false));
    tmpl_dict_set(thread, "fields", fields);
    tmpl_list_push(models, thread);
    tmpl_value *user = tmpl_dict();
    tmpl_dict_set(user, "name", tmpl_str("user"));
    tmpl_dict_set(user, "table", tmpl_str("Users"));
    tmpl_dict_set(user, "fields", tmpl_list());
    tmpl_list_push(models, user);
    tmpl_dict_set(vars, "models", models);
    tmpl_value *opts = tmpl_dict();
    tmpl_dict_set(opts, "a", tmpl_int(1));
    tmpl_dict_set(opts, "b", tmpl_str("two"));
    tmpl_dict_set(vars, "opts", opts);
    return vars;
}

/* Renders t.j2 after "<>" in the output; the result (malloc'ed) is the
 * output or the message. */
static char *render(tmpl_env *env, const tmpl_value *vars, int *rc)
{
    ddb_buf out = DDB_BUF_INIT;
    check(ddb_buf_puts(&out, "<>") == 0);
    char err[512];
    *rc = tmpl_render(env, "t.j2", vars, &out, err, sizeof err);
    char *result;
    if (*rc == 0) {
        check(*rc == 0 && out.len >= 2 && memcmp(out.data, "<>", 2) == 0);
        result = malloc(out.len - 1);
        check(result != NULL);
        memcpy(result, out.data + 2, out.len - 2);
        result[out.len - 2] = '\0';
    } else {
        check(*rc == -1 && out.len == 2 && strcmp(ddb_buf_cstr(&out), "<>") == 0);
        check(err[0] != '\0' && strchr(err, '\n') == NULL && strstr(err, ": error: ") != NULL);
        check(strncmp(err, "t.j2:", 5) == 0 || strncmp(err, "inc.j2:", 7) == 0 ||
              strncmp(err, "macros.j2:", 10) == 0 || strncmp(err, "deep.j2:", 8) == 0);
        result = strdup(err);
        check(result != NULL);
    }
    ddb_buf_free(&out);
    return result;
}

static void try_render(const char *text, size_t len)
{
    input in = {text, len};
    tmpl_value *vars = context();
    check(vars != NULL);
    tmpl_env *env = tmpl_env_new(load, &in);
    check(env != NULL);
    tmpl_env_set_work_limit(env, WORK_LIMIT);
    int rc1, rc2;
    char *first = render(env, vars, &rc1);
    char *second = render(env, vars, &rc2); /* from the cache */
    check(rc1 == rc2 && strcmp(first, second) == 0);
    free(first);
    free(second);
    tmpl_env_free(env);
    check(atomic_load(&vars->refs) == 1);
    tmpl_value_free(vars);
}

static bool is_octal(char c)
{
    return c >= '0' && c <= '7';
}

/* c_string: printable ASCII, no "??", and it decodes back to the input. */
static void try_c_string(const char *s, size_t len)
{
    ddb_buf out = DDB_BUF_INIT;
    check(tmpl_c_string(&out, s, len) == 0);
    const char *o = ddb_buf_cstr(&out);
    check(strstr(o, "??") == NULL);
    size_t j = 0;
    for (size_t i = 0; i < out.len; i++, j++) {
        char c = o[i];
        check(c >= 0x20 && c < 0x7f && c != '"');
        if (c != '\\') {
            check(j < len && s[j] == c);
            continue;
        }
        char e = o[++i];
        if (is_octal(e)) {
            check(i + 2 < out.len && is_octal(o[i + 1]) && is_octal(o[i + 2]));
            unsigned v = (unsigned)(e - '0') * 64 + (unsigned)(o[i + 1] - '0') * 8 + (unsigned)(o[i + 2] - '0');
            check(v < 256 && j < len && (unsigned char)s[j] == v);
            i += 2;
        } else {
            char want = e == 'n' ? '\n' : e == 't' ? '\t' : e;
            check(strchr("\\\"?nt", e) != NULL && j < len && s[j] == want);
        }
    }
    check(j == len);
    ddb_buf_free(&out);
}

/* The length of the UTF-8 sequence at s (0: not one), as a strict decoder sees it. */
static size_t utf8_len(const unsigned char *s, size_t len, uint32_t *cp)
{
    size_t n = s[0] < 0x80 ? 1 : (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3 : (s[0] & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || n > len)
        return 0;
    uint32_t c = n == 1 ? s[0] : s[0] & (0x7Fu >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3Fu);
    }
    static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (c < min[n] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return n;
}

/* c_comment: safe inside a comment, on one line. */
static void try_c_comment(const char *s, size_t len)
{
    ddb_buf out = DDB_BUF_INIT;
    check(tmpl_c_comment(&out, s, len) == 0);
    const char *o = ddb_buf_cstr(&out);
    check(strlen(o) == out.len && strstr(o, "*/") == NULL && strstr(o, "/*") == NULL);
    for (const char *q = strstr(o, "??"); q != NULL; q = strstr(q + 1, "??"))
        check(q[2] == '\0' || strchr("=/'()!<>-", q[2]) == NULL);
    check(out.len == 0 || (o[out.len - 1] != ' ' && o[out.len - 1] != '\\'));
    const unsigned char *u = (const unsigned char *)o;
    for (size_t i = 0; i < out.len;) {
        uint32_t c = 0;
        size_t n = utf8_len(u + i, out.len - i, &c);
        check(n != 0);
        check(c >= 0x20 && !(c >= 0x7F && c <= 0x9F) && c != 0x2028 && c != 0x2029 && c != 0x061C &&
              c != 0x200E && c != 0x200F && !(c >= 0x202A && c <= 0x202E) && !(c >= 0x2066 && c <= 0x2069));
        i += n;
    }
    ddb_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    try_render(text, size);
    try_c_string(text, size);
    try_c_comment(text, size);
    return 0;
}
