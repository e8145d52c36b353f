/*
 * tmpl_filters.c - the filters (`x | name(args)`) and tests (`x is name`).
 *
 * To add a filter: write a text filter (it gets the text of a scalar input
 * and appends its result) or a value filter (it gets the value), then add one
 * line to `filters` with its parameter names. Arguments arrive bound by name
 * and position; optional ones the template left out are NULL.
 *
 * Text filters OR together the return codes of their appends: a failed append
 * leaves the buffer as it was, so one check at the end is enough.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "c_words.h"
#include "ddb/error.h"
#include "tmpl_int.h"

/* Jinja2 has no limit; this one keeps `indent(10**12)` from eating memory. */
#define MAX_INDENT 1000

int tmpl_filter_fail(const tmpl_filter_call *fc, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return tmpl_fail(fc->r, fc->pos, "filter '%s': %s", fc->name, msg);
}

/* Turns the OR-ed return codes of appends into 0 or an "out of memory" error. */
static int appended(const tmpl_filter_call *fc, int rc)
{
    return rc == 0 ? 0 : tmpl_fail(fc->r, fc->pos, "out of memory");
}

/* Stores a new value (NULL: out of memory) as the filter's result. */
static int result(const tmpl_filter_call *fc, tmpl_value *v, tmpl_value **out)
{
    *out = v;
    return appended(fc, v != NULL ? 0 : -1);
}

static bool is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* True at the first byte of a UTF-8 sequence (not a continuation byte). */
static bool starts_char(char c)
{
    return ((unsigned char)c & 0xC0) != 0x80;
}

/* The text of a scalar argument (NULL: `def`) appended to `b`. */
static int text_arg(const tmpl_filter_call *fc, const tmpl_value *v, const char *param,
                    const char *def, ddb_buf *b)
{
    int rc = v != NULL ? tmpl_put_text(b, v) : ddb_buf_puts(b, def);
    if (rc == DDB_EINVAL)
        return tmpl_filter_fail(fc, "argument '%s' must be text, got %s", param,
                                tmpl_kind_name(v->kind));
    return appended(fc, rc);
}

static bool bool_arg(const tmpl_value *v)
{
    return v != NULL && tmpl_truthy(v);
}

/* Charges the render for `units` of work (text a filter is about to make
 * beyond what its input and result are charged for: tmpl_eval.c). */
static int charge(const tmpl_filter_call *fc, size_t units)
{
    return tmpl_charge(fc->r, fc->pos, units);
}

/* ---- text filters ------------------------------------------------------------- */

/* Copies `s`, shifting the ASCII letters between `lo` and `hi` by `shift`. */
static int shift_case(const tmpl_filter_call *fc, const char *s, size_t len, char lo, char hi,
                      int shift, ddb_buf *out)
{
    int rc = 0;
    for (size_t i = 0; i < len; i++)
        rc |= ddb_buf_putc(out, s[i] >= lo && s[i] <= hi ? (char)(s[i] + shift) : s[i]);
    return appended(fc, rc);
}

static int f_upper(const tmpl_filter_call *fc, const char *s, size_t len, tmpl_value *const *args,
                   ddb_buf *out)
{
    return shift_case(fc, s, len, 'a', 'z', 'A' - 'a', out);
}

static int f_lower(const tmpl_filter_call *fc, const char *s, size_t len, tmpl_value *const *args,
                   ddb_buf *out)
{
    return shift_case(fc, s, len, 'A', 'Z', 'a' - 'A', out);
}

/* A valid C identifier: every byte that is not [A-Za-z0-9_] becomes '_', a
 * leading digit gets a '_' in front, and "" becomes "_"; then a name C
 * reserves to the implementation (`__x`, `_X`) gets an 'x' in front, and a
 * keyword or well-known macro of C or C++ (c_words.h) a '_' after it. */
static int f_c_ident(const tmpl_filter_call *fc, const char *s, size_t len, tmpl_value *const *args,
                     ddb_buf *out)
{
    ddb_buf id = DDB_BUF_INIT;
    int rc = 0;
    if (len == 0 || (s[0] >= '0' && s[0] <= '9'))
        rc |= ddb_buf_putc(&id, '_');
    for (size_t i = 0; i < len; i++)
        rc |= ddb_buf_putc(&id, is_alnum(s[i]) ? s[i] : '_');
    if (rc == 0) {
        const char *name = ddb_buf_cstr(&id);
        if (ddbc_c_reserved_prefix(name))
            rc |= ddb_buf_putc(out, 'x');
        rc |= ddb_buf_append(out, name, id.len);
        if (ddbc_c_word(name) != NULL)
            rc |= ddb_buf_putc(out, '_');
    }
    ddb_buf_free(&id);
    return appended(fc, rc);
}

/* The length of the valid UTF-8 sequence at s[0..len) (its code point in
 * *cp), or 0 when it is not one (a stray or truncated byte, an overlong
 * form, a surrogate, past U+10FFFF). */
static size_t utf8_char(const unsigned char *s, size_t len, uint32_t *cp)
{
    static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    size_t n = s[0] < 0x80            ? 1
               : (s[0] & 0xE0) == 0xC0 ? 2
               : (s[0] & 0xF0) == 0xE0 ? 3
               : (s[0] & 0xF8) == 0xF0 ? 4
                                       : 0;
    if (n == 0 || n > len)
        return 0;
    uint32_t c = n == 1 ? s[0] : s[0] & (0x7F >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min[n] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return n;
}

/* Characters a comment shows as a space: C0 and C1 controls (tab, newline
 * and carriage return among them) and DEL, the line and paragraph
 * separators, and the bidirectional marks, embeddings, overrides and
 * isolates that make code read otherwise than it compiles. */
static bool comment_blank(uint32_t c)
{
    return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x2028 || c == 0x2029 || c == 0x061C ||
           c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

/* Appends byte `c` of comment text, after a space when it would otherwise
 * complete "*" "/", "/" "*" or a trigraph ("??" and one of = / ' ( ) ! < > -)
 * with the bytes before it. */
static int comment_put(ddb_buf *out, char c)
{
    size_t n = out->len;
    const char *o = out->data;
    bool split = (n >= 1 && ((c == '/' && o[n - 1] == '*') || (c == '*' && o[n - 1] == '/'))) ||
                 (n >= 2 && o[n - 1] == '?' && o[n - 2] == '?' && strchr("=/'()!<>-", c) != NULL);
    return (split ? ddb_buf_putc(out, ' ') : 0) | ddb_buf_putc(out, c);
}

int tmpl_c_comment(ddb_buf *out, const char *s, size_t len)
{
    ddb_buf text = DDB_BUF_INIT;
    int rc = 0;
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        uint32_t c = 0;
        size_t n = utf8_char(u + i, len - i, &c);
        if (n == 0) {
            rc |= comment_put(&text, '?'); /* not UTF-8 */
            i++;
        } else if (comment_blank(c)) {
            rc |= comment_put(&text, ' ');
            i += n;
        } else {
            for (size_t k = 0; k < n; k++)
                rc |= comment_put(&text, s[i + k]);
            i += n;
        }
    }
    /* no trailing blanks; a backslash at the end would splice the next line
     * into a line comment */
    size_t end = text.len;
    while (end > 0 && text.data[end - 1] == ' ')
        end--;
    if (rc == 0)
        rc |= ddb_buf_append(out, ddb_buf_cstr(&text), end);
    if (rc == 0 && end > 0 && text.data[end - 1] == '\\')
        rc |= ddb_buf_putc(out, '.');
    ddb_buf_free(&text);
    return rc;
}

static int f_c_comment(const tmpl_filter_call *fc, const char *s, size_t len,
                       tmpl_value *const *args, ddb_buf *out)
{
    return appended(fc, tmpl_c_comment(out, s, len));
}

int tmpl_c_string(ddb_buf *out, const char *s, size_t len)
{
    int rc = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\' || c == '"' || (c == '?' && i > 0 && s[i - 1] == '?'))
            rc |= ddb_buf_putc(out, '\\') | ddb_buf_putc(out, (char)c);
        else if (c == '\n')
            rc |= ddb_buf_puts(out, "\\n");
        else if (c == '\t')
            rc |= ddb_buf_puts(out, "\\t");
        else if (c < 0x20 || c >= 0x7f)
            rc |= ddb_buf_printf(out, "\\%03o", c);
        else
            rc |= ddb_buf_putc(out, (char)c);
    }
    return rc;
}

static int f_c_string(const tmpl_filter_call *fc, const char *s, size_t len,
                      tmpl_value *const *args, ddb_buf *out)
{
    return appended(fc, tmpl_c_string(out, s, len));
}

static int f_trim(const tmpl_filter_call *fc, const char *s, size_t len, tmpl_value *const *args,
                  ddb_buf *out)
{
    while (len > 0 && tmpl_is_space(s[0]))
        s++, len--;
    while (len > 0 && tmpl_is_space(s[len - 1]))
        len--;
    return appended(fc, ddb_buf_append(out, s, len));
}

/* The indentation of indent(width): `width` spaces, or the text of a string. */
static int indent_pad(const tmpl_filter_call *fc, const tmpl_value *width, ddb_buf *pad)
{
    if (width == NULL)
        return appended(fc, ddb_buf_puts(pad, "    "));
    if (width->kind == TMPL_STR)
        return appended(fc, ddb_buf_puts(pad, width->u.str.s));
    if (width->kind != TMPL_INT)
        return tmpl_filter_fail(fc, "argument 'width' must be an integer or a string, got %s",
                                tmpl_kind_name(width->kind));
    if (width->u.i < 0 || width->u.i > MAX_INDENT)
        return tmpl_filter_fail(fc, "argument 'width' must be between 0 and %d, got %lld",
                                MAX_INDENT, width->u.i);
    return appended(fc, ddb_buf_printf(pad, "%*s", (int)width->u.i, ""));
}

/* indent(width=4, first=false, blank=false): the indentation before every
 * line but the first (also the first with `first`), skipping empty lines
 * unless `blank`. */
static int f_indent(const tmpl_filter_call *fc, const char *s, size_t len, tmpl_value *const *args,
                    ddb_buf *out)
{
    bool first = bool_arg(args[1]), blank = bool_arg(args[2]);
    ddb_buf pad = DDB_BUF_INIT;
    if (indent_pad(fc, args[0], &pad) != 0)
        return -1;
    int rc = 0;
    for (size_t i = 0, line = 0; rc == 0 && i <= len; line++) {
        size_t end = i;
        while (end < len && s[end] != '\n')
            end++;
        if (line == 0 ? first : blank || end > i) {
            if (charge(fc, pad.len + 1) != 0)
                break;
            rc |= ddb_buf_append(out, ddb_buf_cstr(&pad), pad.len);
        }
        rc |= ddb_buf_append(out, s + i, end - i + (end < len)); /* with its '\n' */
        i = end + 1;
    }
    ddb_buf_free(&pad);
    return fc->r->err->failed ? -1 : appended(fc, rc);
}

/* replace(old, new, count=all): Python's str.replace; an empty `old` inserts
 * `new` before every character and at the end. */
static int f_replace(const tmpl_filter_call *fc, const char *s, size_t len, tmpl_value *const *args,
                     ddb_buf *out)
{
    ddb_buf old = DDB_BUF_INIT, repl = DDB_BUF_INIT;
    long long count = -1; /* negative: no limit */
    int rc = text_arg(fc, args[0], "old", "", &old);
    if (rc == 0)
        rc = text_arg(fc, args[1], "new", "", &repl);
    if (rc == 0 && args[2] != NULL) {
        if (args[2]->kind == TMPL_INT)
            count = args[2]->u.i;
        else
            rc = tmpl_filter_fail(fc, "argument 'count' must be an integer, got %s",
                                  tmpl_kind_name(args[2]->kind));
    }
    /* the search: every position against the whole of `old`, at most */
    if (rc == 0)
        rc = charge(fc, len + 1 > SIZE_MAX / (old.len + 1) ? SIZE_MAX : (len + 1) * (old.len + 1));
    for (size_t i = 0; rc == 0 && i <= len;) {
        bool match = count != 0 &&
                     (old.len == 0 ? i == len || starts_char(s[i])
                                   : len - i >= old.len && memcmp(s + i, old.data, old.len) == 0);
        if (match && (rc = charge(fc, repl.len + 1)) == 0) {
            rc |= ddb_buf_append(out, ddb_buf_cstr(&repl), repl.len);
            count--;
        }
        if (match && old.len != 0) {
            i += old.len;
            continue;
        }
        if (i < len)
            rc |= ddb_buf_putc(out, s[i]);
        i++;
    }
    ddb_buf_free(&old);
    ddb_buf_free(&repl);
    return fc->r->err->failed ? -1 : appended(fc, rc);
}

/* ---- value filters ------------------------------------------------------------ */

/* join(d=""): the text of every item of a list, separated by `d`. */
static int f_join(const tmpl_filter_call *fc, const tmpl_value *in, tmpl_value *const *args,
                  tmpl_value **out)
{
    if (in->kind != TMPL_LIST)
        return tmpl_filter_fail(fc, "expected a list, got %s", tmpl_kind_name(in->kind));
    ddb_buf sep = DDB_BUF_INIT, buf = DDB_BUF_INIT;
    int rc = text_arg(fc, args[0], "d", "", &sep);
    for (size_t i = 0; rc == 0 && i < in->u.list.len; i++) {
        const tmpl_value *item = in->u.list.items[i];
        if (charge(fc, tmpl_weight(item) + (i != 0 ? sep.len : 0)) != 0)
            break;
        rc = i != 0 ? ddb_buf_append(&buf, ddb_buf_cstr(&sep), sep.len) : 0;
        if (rc == 0)
            rc = tmpl_put_text(&buf, item);
        if (rc == DDB_EINVAL)
            rc = tmpl_filter_fail(fc, "item %zu is a %s, not text", i, tmpl_kind_name(item->kind));
        else
            rc = appended(fc, rc);
    }
    if (fc->r->err->failed)
        rc = -1;
    if (rc == 0)
        rc = result(fc, tmpl_str_buf(&buf), out);
    ddb_buf_free(&sep);
    ddb_buf_free(&buf);
    return rc;
}

/* Characters (UTF-8 code points) of a string, items of a list or dict. */
static int f_length(const tmpl_filter_call *fc, const tmpl_value *in, tmpl_value *const *args,
                    tmpl_value **out)
{
    size_t n = 0;
    if (in->kind == TMPL_STR)
        for (size_t i = 0; i < in->u.str.len; i++)
            n += starts_char(in->u.str.s[i]);
    else if (in->kind == TMPL_LIST)
        n = in->u.list.len;
    else if (in->kind == TMPL_DICT)
        n = in->u.dict.len;
    else
        return tmpl_filter_fail(fc, "expected a string, list or dict, got %s",
                                tmpl_kind_name(in->kind));
    return result(fc, tmpl_int((long long)n), out);
}

/* default(default_value="", boolean=false): the input, or `default_value`
 * when it is undefined (or, with `boolean`, false). */
static int f_default(const tmpl_filter_call *fc, const tmpl_value *in, tmpl_value *const *args,
                     tmpl_value **out)
{
    if (in != NULL && (!bool_arg(args[1]) || tmpl_truthy(in))) {
        *out = tmpl_value_ref(in);
        return 0;
    }
    return result(fc, args[0] != NULL ? tmpl_value_ref(args[0]) : tmpl_str(""), out);
}

/* Where the UTF-8 character that ends at `end` starts. */
static size_t char_start(const char *s, size_t end)
{
    size_t i = end - 1;
    while (i > 0 && !starts_char(s[i]))
        i--;
    return i;
}

/* Where the UTF-8 character that starts at `start` ends. */
static size_t char_end(const char *s, size_t len, size_t start)
{
    size_t i = start + 1;
    while (i < len && !starts_char(s[i]))
        i++;
    return i;
}

/* The first or last item of a list or character of a string; undefined
 * when empty. */
static int pick_end(const tmpl_filter_call *fc, const tmpl_value *in, bool last, tmpl_value **out)
{
    if (in->kind == TMPL_LIST && in->u.list.len != 0) {
        *out = tmpl_value_ref(in->u.list.items[last ? in->u.list.len - 1 : 0]);
        return 0;
    }
    if (in->kind == TMPL_STR && in->u.str.len != 0) {
        const char *s = in->u.str.s;
        size_t start = last ? char_start(s, in->u.str.len) : 0;
        size_t end = char_end(s, in->u.str.len, start);
        return result(fc, tmpl_str_n(s + start, end - start), out);
    }
    if (in->kind != TMPL_LIST && in->kind != TMPL_STR)
        return tmpl_filter_fail(fc, "expected a list or a string, got %s",
                                tmpl_kind_name(in->kind));
    if (fc->allow_undef)
        return 0;
    return tmpl_filter_fail(fc, "the %s is empty", tmpl_kind_name(in->kind));
}

static int f_first(const tmpl_filter_call *fc, const tmpl_value *in, tmpl_value *const *args,
                   tmpl_value **out)
{
    return pick_end(fc, in, false, out);
}

static int f_last(const tmpl_filter_call *fc, const tmpl_value *in, tmpl_value *const *args,
                  tmpl_value **out)
{
    return pick_end(fc, in, true, out);
}

/* The [key, value] pairs of a dict, in order: `for k, v in d | items`. */
static int f_items(const tmpl_filter_call *fc, const tmpl_value *in, tmpl_value *const *args,
                   tmpl_value **out)
{
    if (in->kind != TMPL_DICT)
        return tmpl_filter_fail(fc, "expected a dict, got %s", tmpl_kind_name(in->kind));
    tmpl_value *list = tmpl_list();
    for (size_t i = 0; list != NULL && i < in->u.dict.len; i++) {
        const tmpl_entry *e = &in->u.dict.entries[i];
        tmpl_value *pair = tmpl_list();
        int rc = tmpl_list_push(pair, tmpl_str_n(e->key, e->key_len));
        rc = rc != 0 ? rc : tmpl_list_push(pair, tmpl_value_ref(e->value));
        if (rc != 0)
            tmpl_value_free(pair);
        if (rc != 0 || tmpl_list_push(list, pair) != 0) {
            tmpl_value_free(list);
            list = NULL;
        }
    }
    return result(fc, list, out);
}

/* ---- the filter table ----------------------------------------------------------- */

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const default_params[] = {"default_value", "boolean"};
static const char *const indent_params[] = {"width", "first", "blank"};
static const char *const join_params[] = {"d"};
static const char *const replace_params[] = {"old", "new", "count"};

/* Sorted by name. */
static const tmpl_filter filters[] = {
    {{"filter", "c_comment", NULL, 0, 0}, NULL, f_c_comment, false},
    {{"filter", "c_ident", NULL, 0, 0}, NULL, f_c_ident, false},
    {{"filter", "c_string", NULL, 0, 0}, NULL, f_c_string, false},
    {{"filter", "default", default_params, COUNT(default_params), 0}, f_default, NULL, true},
    {{"filter", "first", NULL, 0, 0}, f_first, NULL, false},
    {{"filter", "indent", indent_params, COUNT(indent_params), 0}, NULL, f_indent, false},
    {{"filter", "items", NULL, 0, 0}, f_items, NULL, false},
    {{"filter", "join", join_params, COUNT(join_params), 0}, f_join, NULL, false},
    {{"filter", "last", NULL, 0, 0}, f_last, NULL, false},
    {{"filter", "length", NULL, 0, 0}, f_length, NULL, false},
    {{"filter", "lower", NULL, 0, 0}, NULL, f_lower, false},
    {{"filter", "replace", replace_params, COUNT(replace_params), 2}, NULL, f_replace, false},
    {{"filter", "trim", NULL, 0, 0}, NULL, f_trim, false},
    {{"filter", "upper", NULL, 0, 0}, NULL, f_upper, false},
};

const tmpl_filter *tmpl_filter_find(const char *name, size_t len)
{
    for (size_t i = 0; i < COUNT(filters); i++)
        if (strlen(filters[i].sig.name) == len && memcmp(filters[i].sig.name, name, len) == 0)
            return &filters[i];
    return NULL;
}

int tmpl_filter_apply(const tmpl_filter_call *fc, const tmpl_filter *f, const tmpl_value *in,
                      tmpl_value *const *args, tmpl_value **out)
{
    if (f->value != NULL)
        return f->value(fc, in, args, out);
    ddb_buf text = DDB_BUF_INIT, res = DDB_BUF_INIT;
    int rc = tmpl_put_text(&text, in);
    if (rc == DDB_EINVAL)
        rc = tmpl_filter_fail(fc, "expected text, got %s", tmpl_kind_name(in->kind));
    else
        rc = appended(fc, rc);
    if (rc == 0)
        rc = f->text(fc, ddb_buf_cstr(&text), text.len, args, &res);
    if (rc == 0)
        rc = result(fc, tmpl_str_buf(&res), out);
    ddb_buf_free(&text);
    ddb_buf_free(&res);
    return rc;
}

/* ---- tests ------------------------------------------------------------------------ */

#define KIND(k) (1u << (k))
#define ANY_KIND                                                                                   \
    (KIND(TMPL_NONE) | KIND(TMPL_BOOL) | KIND(TMPL_INT) | KIND(TMPL_STR) | KIND(TMPL_LIST) |       \
     KIND(TMPL_DICT) | KIND(TMPL_MACRO))

/* Sorted by name. As in Python, a boolean is a number but not an integer. */
static const tmpl_test tests[] = {
    {"boolean", false, KIND(TMPL_BOOL)}, {"defined", false, ANY_KIND},
    {"integer", false, KIND(TMPL_INT)},  {"mapping", false, KIND(TMPL_DICT)},
    {"none", false, KIND(TMPL_NONE)},    {"number", false, KIND(TMPL_INT) | KIND(TMPL_BOOL)},
    {"string", false, KIND(TMPL_STR)},   {"undefined", true, 0},
};

const tmpl_test *tmpl_test_find(const char *name, size_t len)
{
    for (size_t i = 0; i < COUNT(tests); i++)
        if (strlen(tests[i].name) == len && memcmp(tests[i].name, name, len) == 0)
            return &tests[i];
    return NULL;
}

bool tmpl_test_apply(const tmpl_test *t, const tmpl_value *v)
{
    return v == NULL ? t->undefined : (t->kinds & KIND(v->kind)) != 0;
}
