/*
 * tmpl_lex.c - template text to tokens.
 *
 * Text between tags becomes TK_TEXT with whitespace control already applied,
 * exactly as Jinja2 does with trim_blocks and lstrip_blocks on:
 *  - `{%-`, `{{-`, `{#-` strip all whitespace before the tag; `-%}`, `-}}`,
 *    `-#}` strip all whitespace after it;
 *  - lstrip_blocks: spaces and tabs between the start of a line and a `{%`
 *    or `{#` are removed (`{%+` keeps them);
 *  - trim_blocks: the first newline after `%}` or `#}` is removed (`+%}`
 *    keeps it).
 * Comments produce no token. Inside `{{ }}` and `{% %}` the lexer produces
 * names, integers, decoded string literals and operators.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl_int.h"

typedef struct lexer {
    const char *name;
    const char *s;
    size_t len;
    size_t i;     /* next byte */
    tmpl_pos pos; /* of byte i */
    tmpl_arena *arena;
    tmpl_error *err;
    tmpl_tokens *out;
} lexer;

/* Operator spellings, longest first so that "<=" wins over "<". The keyword
 * operators at the end are here for tmpl_op_text(); the parser makes them
 * from names. */
static const struct {
    const char *text;
    tmpl_op op;
} operators[] = {
    {"==", OP_EQ},   {"!=", OP_NE},    {"<=", OP_LE},    {">=", OP_GE},         {"<", OP_LT},
    {">", OP_GT},    {"(", OP_LPAREN}, {")", OP_RPAREN}, {"[", OP_LBRACKET},    {"]", OP_RBRACKET},
    {",", OP_COMMA}, {".", OP_DOT},    {"|", OP_PIPE},   {"~", OP_TILDE},       {"+", OP_PLUS},
    {"-", OP_MINUS}, {"=", OP_ASSIGN}, {"in", OP_IN},    {"not in", OP_NOT_IN}, {"and", OP_AND},
    {"or", OP_OR},
};

const char *tmpl_op_text(tmpl_op op)
{
    for (size_t i = 0; i < sizeof operators / sizeof operators[0]; i++)
        if (operators[i].op == op)
            return operators[i].text;
    return "?";
}

static bool is_name_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool at(const lexer *lx, size_t i, const char *lit)
{
    size_t n = strlen(lit);
    return i <= lx->len && lx->len - i >= n && memcmp(lx->s + i, lit, n) == 0;
}

static char byte_at(const lexer *lx, size_t i)
{
    return i < lx->len ? lx->s[i] : '\0';
}

static void advance(lexer *lx, size_t n)
{
    for (; n > 0 && lx->i < lx->len; n--, lx->i++) {
        if (lx->s[lx->i] == '\n') {
            lx->pos.line++;
            lx->pos.col = 1;
        } else {
            lx->pos.col++;
        }
    }
}

static int fail(const lexer *lx, tmpl_pos pos, const char *fmt, ...) TMPL_PRINTF(3, 4);

static int fail(const lexer *lx, tmpl_pos pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = tmpl_error_vset(lx->err, lx->name, pos, fmt, ap);
    va_end(ap);
    return rc;
}

static int emit(lexer *lx, tmpl_token tok)
{
    tmpl_tokens *t = lx->out;
    if (t->len == t->cap) {
        size_t ncap = t->cap != 0 ? t->cap * 2 : 64;
        tmpl_token *v = ncap <= SIZE_MAX / sizeof *v ? realloc(t->v, ncap * sizeof *v) : NULL;
        if (v == NULL)
            return fail(lx, tok.pos, "out of memory");
        t->v = v;
        t->cap = ncap;
    }
    t->v[t->len++] = tok;
    return 0;
}

static int emit_kind(lexer *lx, tmpl_tok_kind kind, tmpl_pos pos)
{
    return emit(lx, (tmpl_token){.kind = kind, .pos = pos});
}

/* Index of the next "{{", "{%" or "{#" at or after lx->i, or lx->len. */
static size_t find_tag(const lexer *lx)
{
    for (size_t i = lx->i; i + 1 < lx->len; i++)
        if (lx->s[i] == '{' && (lx->s[i + 1] == '{' || lx->s[i + 1] == '%' || lx->s[i + 1] == '#'))
            return i;
    return lx->len;
}

/* The length the `n` bytes of text before a tag keep. `kind` is the tag's
 * second character ('{', '%', '#'), `mod` its '-' or '+' modifier or 0. */
static size_t strip_before(const lexer *lx, size_t n, char kind, char mod)
{
    const char *t = lx->s + lx->i;
    if (mod == '-') {
        while (n > 0 && tmpl_is_space(t[n - 1]))
            n--;
        return n;
    }
    if (kind == '{' || mod == '+')
        return n;
    size_t keep = n;
    while (keep > 0 && t[keep - 1] != '\n' && tmpl_is_space(t[keep - 1]))
        keep--;
    bool line_start = keep > 0 ? t[keep - 1] == '\n' : lx->i == 0 || lx->s[lx->i - 1] == '\n';
    return line_start ? keep : n;
}

/* The '-' or '+' modifier of the tag opening at byte `tag`, or 0. */
static char tag_mod(const lexer *lx, size_t tag)
{
    char c = byte_at(lx, tag + 2);
    return c == '-' || c == '+' ? c : 0;
}

/* Emits the text from lx->i up to the tag at byte `tag` (or to the end of
 * the template) as that tag's whitespace control leaves it, and moves to the
 * tag. */
static int text_until(lexer *lx, size_t tag)
{
    size_t keep = lx->len - lx->i;
    if (tag < lx->len)
        keep = strip_before(lx, tag - lx->i, byte_at(lx, tag + 1), tag_mod(lx, tag));
    if (keep != 0 &&
        emit(lx, (tmpl_token){
                     .kind = TK_TEXT, .pos = lx->pos, .text = lx->s + lx->i, .len = keep}) != 0)
        return -1;
    advance(lx, tag - lx->i);
    return 0;
}

/* Whitespace control after a tag that ended just before lx->i. */
static void strip_after(lexer *lx, char kind, char mod)
{
    if (mod == '-') {
        while (lx->i < lx->len && tmpl_is_space(lx->s[lx->i]))
            advance(lx, 1);
    } else if (kind != '{' && mod != '+') {
        if (at(lx, lx->i, "\n"))
            advance(lx, 1);
        else if (at(lx, lx->i, "\r\n"))
            advance(lx, 2);
    }
}

static int lex_name(lexer *lx)
{
    size_t start = lx->i;
    tmpl_pos pos = lx->pos;
    while (lx->i < lx->len && (is_name_start(lx->s[lx->i]) || is_digit(lx->s[lx->i])))
        advance(lx, 1);
    return emit(
        lx, (tmpl_token){.kind = TK_NAME, .pos = pos, .text = lx->s + start, .len = lx->i - start});
}

static int lex_int(lexer *lx)
{
    tmpl_pos pos = lx->pos;
    long long v = 0;
    bool overflow = false;
    for (; lx->i < lx->len && is_digit(lx->s[lx->i]); advance(lx, 1)) {
        int d = lx->s[lx->i] - '0';
        overflow = overflow || v > (LLONG_MAX - d) / 10;
        v = overflow ? 0 : v * 10 + d;
    }
    if (byte_at(lx, lx->i) == '.' && is_digit(byte_at(lx, lx->i + 1)))
        return fail(lx, pos, "floating-point numbers are not supported");
    if (overflow)
        return fail(lx, pos, "integer literal out of range (largest is %lld)", LLONG_MAX);
    return emit(lx, (tmpl_token){.kind = TK_INT, .pos = pos, .num = v});
}

/* The byte an escape sequence `\c` stands for, or -1. */
static int unescape(char c)
{
    switch (c) {
    case 'n':
        return '\n';
    case 't':
        return '\t';
    case 'r':
        return '\r';
    case '\\':
    case '\'':
    case '"':
        return c;
    default:
        return -1;
    }
}

static int lex_string(lexer *lx)
{
    tmpl_pos pos = lx->pos;
    char quote = lx->s[lx->i];
    size_t end = lx->i + 1, n = 0;
    for (; end < lx->len && lx->s[end] != quote; end++, n++) {
        if (lx->s[end] != '\\' || end + 1 >= lx->len)
            continue;
        if (unescape(lx->s[end + 1]) < 0) {
            advance(lx, end - lx->i);
            return fail(lx, lx->pos,
                        "unknown escape sequence in string literal (valid: \\n \\t "
                        "\\r \\\\ \\' \\\")");
        }
        end++;
    }
    if (end >= lx->len)
        return fail(lx, pos, "unterminated string literal");
    char *buf = tmpl_arena_alloc(lx->arena, n + 1);
    if (buf == NULL)
        return fail(lx, pos, "out of memory");
    for (size_t i = lx->i + 1, k = 0; i < end; i++)
        buf[k++] = lx->s[i] == '\\' ? (char)unescape(lx->s[++i]) : lx->s[i];
    advance(lx, end + 1 - lx->i);
    return emit(lx, (tmpl_token){.kind = TK_STRING, .pos = pos, .text = buf, .len = n});
}

static int lex_operator(lexer *lx)
{
    for (size_t k = 0; k < sizeof operators / sizeof operators[0]; k++) {
        const char *text = operators[k].text;
        if (!is_name_start(text[0]) && at(lx, lx->i, text)) {
            tmpl_token tok = {.kind = TK_OP, .op = operators[k].op, .pos = lx->pos};
            advance(lx, strlen(text));
            return emit(lx, tok);
        }
    }
    unsigned char c = (unsigned char)lx->s[lx->i];
    if (c >= 0x20 && c < 0x7f)
        return fail(lx, lx->pos, "unexpected character '%c'", c);
    return fail(lx, lx->pos, "unexpected byte 0x%02x", c);
}

static int lex_token(lexer *lx)
{
    char c = lx->s[lx->i];
    if (is_name_start(c))
        return lex_name(lx);
    if (is_digit(c))
        return lex_int(lx);
    if (c == '"' || c == '\'')
        return lex_string(lx);
    return lex_operator(lx);
}

/* If a tag closer ("}}" or "%}", with an optional modifier) starts at lx->i,
 * returns its length and stores the modifier in *mod; otherwise 0. */
static size_t closer_at(const lexer *lx, char kind, char *mod)
{
    const char *close = kind == '{' ? "}}" : "%}";
    char c = byte_at(lx, lx->i);
    *mod = 0;
    if ((c == '-' || (c == '+' && kind == '%')) && at(lx, lx->i + 1, close)) {
        *mod = c;
        return 3;
    }
    return at(lx, lx->i, close) ? 2 : 0;
}

/* Lexes a `{{ ... }}` or `{% ... %}` tag starting at lx->i. */
static int lex_tag(lexer *lx, char kind, char open_mod)
{
    tmpl_pos open = lx->pos;
    int rc = emit_kind(lx, kind == '{' ? TK_VAR_BEGIN : TK_BLOCK_BEGIN, open);
    advance(lx, open_mod != 0 ? 3 : 2);
    while (rc == 0) {
        while (lx->i < lx->len && tmpl_is_space(lx->s[lx->i]))
            advance(lx, 1);
        if (lx->i >= lx->len)
            return fail(lx, lx->pos, "unclosed '{%c' opened at %u:%u (missing '%s')", kind,
                        open.line, open.col, kind == '{' ? "}}" : "%}");
        char mod;
        size_t n = closer_at(lx, kind, &mod);
        if (n != 0) {
            rc = emit_kind(lx, kind == '{' ? TK_VAR_END : TK_BLOCK_END, lx->pos);
            advance(lx, n);
            strip_after(lx, kind, mod);
            break;
        }
        rc = lex_token(lx);
    }
    return rc;
}

/* If a `{% word %}` tag (modifiers allowed; '+' before '%}' only with
 * `plus`) starts at byte i, returns its length and stores the modifier
 * before '%}' in *close_mod; otherwise returns 0. */
static size_t word_tag_at(const lexer *lx, size_t i, const char *word, bool plus, char *close_mod)
{
    size_t j = i + 2;
    if (!at(lx, i, "{%"))
        return 0;
    if (byte_at(lx, j) == '-' || byte_at(lx, j) == '+')
        j++;
    while (j < lx->len && tmpl_is_space(lx->s[j]))
        j++;
    if (!at(lx, j, word))
        return 0;
    for (j += strlen(word); j < lx->len && tmpl_is_space(lx->s[j]);)
        j++;
    *close_mod = byte_at(lx, j) == '-' || (plus && byte_at(lx, j) == '+') ? lx->s[j++] : 0;
    return at(lx, j, "%}") ? j + 2 - i : 0;
}

/* `{% raw %}text{% endraw %}`: the text is output as it is. As in Jinja2,
 * no newline is trimmed after `{% raw %}`. */
static int lex_raw(lexer *lx, size_t open_len, char close_mod)
{
    tmpl_pos open = lx->pos;
    advance(lx, open_len);
    strip_after(lx, '{', close_mod);
    size_t end = lx->i, end_len = 0;
    char end_mod = 0;
    while (end < lx->len && (end_len = word_tag_at(lx, end, "endraw", true, &end_mod)) == 0)
        end++;
    if (end >= lx->len) {
        advance(lx, end - lx->i);
        return fail(lx, lx->pos, "unclosed 'raw' opened at %u:%u (missing 'endraw')", open.line,
                    open.col);
    }
    if (text_until(lx, end) != 0)
        return -1;
    advance(lx, end_len);
    strip_after(lx, '%', end_mod);
    return 0;
}

static int lex_comment(lexer *lx, char open_mod)
{
    tmpl_pos open = lx->pos;
    advance(lx, open_mod != 0 ? 3 : 2);
    size_t body = lx->i, end = body;
    while (end < lx->len && !at(lx, end, "#}"))
        end++;
    if (end >= lx->len) {
        advance(lx, end - lx->i);
        return fail(lx, lx->pos, "unclosed comment opened at %u:%u (missing '#}')", open.line,
                    open.col);
    }
    char mod = end > body && (lx->s[end - 1] == '-' || lx->s[end - 1] == '+') ? lx->s[end - 1] : 0;
    advance(lx, end + 2 - lx->i);
    strip_after(lx, '#', mod);
    return 0;
}

int tmpl_lex(const char *name, const char *text, size_t len, tmpl_arena *arena, tmpl_error *err,
             tmpl_tokens *out)
{
    lexer lx = {name, text, len, 0, {1, 1}, arena, err, out};
    for (;;) {
        size_t tag = find_tag(&lx);
        if (text_until(&lx, tag) != 0)
            return -1;
        if (tag >= len)
            break;
        char kind = byte_at(&lx, tag + 1), mod = tag_mod(&lx, tag), raw_mod;
        size_t raw_len = kind == '%' ? word_tag_at(&lx, tag, "raw", false, &raw_mod) : 0;
        int rc = raw_len != 0  ? lex_raw(&lx, raw_len, raw_mod)
                 : kind == '#' ? lex_comment(&lx, mod)
                               : lex_tag(&lx, kind, mod);
        if (rc != 0)
            return -1;
    }
    return emit_kind(&lx, TK_EOF, lx.pos);
}
