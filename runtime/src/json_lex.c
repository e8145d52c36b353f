/*
 * json_lex.c - JSON tokens (RFC 8259): strings with full escape and UTF-8
 * validation, numbers, literals, separators, and error reporting with byte
 * offsets. Shared by the DynamoDB JSON parser and the envelope reader.
 */
#include "feature_macros.h" /* first: feature-test macros before any system header */

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ddb/error.h"
#include "ddb/json.h"
#include "json_parse.h"

/* clang-format off */
const unsigned char ddb_json_plain[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x00 control */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x10 control */
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x20 '"' */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, /* 0x50 '\\' */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x70, DEL included */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x80.. UTF-8 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};
/* clang-format on */

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

void ddb_jlex_init(ddb_jlex *lx, const char *text, size_t len)
{
    lx->begin = text;
    lx->p = text;
    lx->end = text + len;
    ddb_buf_init(&lx->text);
    ddb_buf_init(&lx->bytes);
}

void ddb_jlex_release(ddb_jlex *lx)
{
    ddb_buf_free(&lx->text);
    ddb_buf_free(&lx->bytes);
}

int ddb_jlex_fail(const ddb_jlex *lx, const char *at, const char *what)
{
    size_t offset = (size_t)(at - lx->begin);
    if (at >= lx->end)
        return ddb_error_set(DDB_EPROTOCOL, "offset %zu: expected %s, found end of input", offset, what);
    unsigned char c = (unsigned char)*at;
    if (c >= 0x20 && c < 0x7f)
        return ddb_error_set(DDB_EPROTOCOL, "offset %zu: expected %s, found '%c'", offset, what, c);
    return ddb_error_set(DDB_EPROTOCOL, "offset %zu: expected %s, found byte 0x%02x", offset, what, c);
}

int ddb_jlex_reject(const ddb_jlex *lx, const char *at, const char *fmt, ...)
{
    char text[DDB_ERR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    return ddb_error_set(DDB_EPROTOCOL, "offset %zu: %s", (size_t)(at - lx->begin), text);
}

int ddb_jlex_enter(const ddb_jlex *lx, unsigned depth)
{
    if (depth < DDB_JSON_MAX_DEPTH)
        return 0;
    return ddb_jlex_fail(lx, lx->p, "at most " STRINGIFY(DDB_JSON_MAX_DEPTH) " levels of nesting");
}

int ddb_jlex_expect(ddb_jlex *lx, char c, const char *what)
{
    if (ddb_jlex_peek(lx) != (unsigned char)c)
        return ddb_jlex_fail(lx, lx->p, what);
    lx->p++;
    return 0;
}

int ddb_jlex_more(ddb_jlex *lx, char close, bool *first)
{
    int c = ddb_jlex_peek(lx);
    if (c == (unsigned char)close) {
        lx->p++;
        return 0;
    }
    if (*first) {
        *first = false;
        return 1;
    }
    if (c == ',') {
        lx->p++;
        return 1;
    }
    return ddb_jlex_fail(lx, lx->p, close == ']' ? "',' or ']'" : "',' or '}'");
}

int ddb_jlex_finish(ddb_jlex *lx)
{
    return ddb_jlex_peek(lx) < 0 ? 0 : ddb_jlex_fail(lx, lx->p, "end of input");
}

/* --- UTF-8 ---------------------------------------------------------------- */

static bool continuation(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

size_t ddb_utf8_seq(const unsigned char *p, size_t avail)
{
    unsigned char c = p[0];
    /* second byte bounds exclude overlongs (E0, F0), surrogates (ED) and
     * code points above U+10FFFF (F4) */
    unsigned char lo = 0x80, hi = 0xBF;
    size_t n;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 0;
    }
    if (avail < n || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++) {
        if (!continuation(p[i]))
            return 0;
    }
    return n;
}

bool ddb_utf8_valid(const char *data, size_t len)
{
    const unsigned char *p = (const unsigned char *)data, *end = p + len;
    while (p < end) {
        size_t n = *p < 0x80 ? 1 : ddb_utf8_seq(p, (size_t)(end - p));
        if (n == 0)
            return false;
        p += n;
    }
    return true;
}

static size_t utf8_len(uint32_t cp)
{
    return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

static size_t utf8_put(uint32_t cp, char *dst)
{
    size_t n = utf8_len(cp);
    static const unsigned char lead[5] = {0, 0x00, 0xC0, 0xE0, 0xF0};
    for (size_t i = n - 1; i > 0; i--) {
        dst[i] = (char)(0x80 | (cp & 0x3F));
        cp >>= 6;
    }
    dst[0] = (char)(lead[n] | cp);
    return n;
}

/* --- strings ---------------------------------------------------------------- */

static int hex4(const unsigned char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = p[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/*
 * Decodes the escape sequence at p (p[0] is the backslash): stores its code
 * point, a surrogate pair combined into one, and returns the bytes it
 * spans; 0 when the sequence is invalid (unknown escape, bad hex, lone
 * surrogate).
 */
static size_t escape_decode(const unsigned char *p, const unsigned char *end, uint32_t *cp)
{
    static const char from[] = "\"\\/bfnrt";
    static const char to[] = "\"\\/\b\f\n\r\t";
    if (end - p < 2)
        return 0;
    const char *simple = p[1] != '\0' ? strchr(from, p[1]) : NULL;
    if (simple != NULL) {
        *cp = (unsigned char)to[simple - from];
        return 2;
    }
    int hi = p[1] == 'u' && end - p >= 6 ? hex4(p + 2) : -1;
    if (hi < 0 || (hi >= 0xDC00 && hi <= 0xDFFF))
        return 0;
    if (hi < 0xD800 || hi > 0xDBFF) {
        *cp = (uint32_t)hi;
        return 6;
    }
    int lo = end - p >= 12 && p[6] == '\\' && p[7] == 'u' ? hex4(p + 8) : -1;
    if (lo < 0xDC00 || lo > 0xDFFF)
        return 0;
    *cp = 0x10000 + ((uint32_t)(hi - 0xD800) << 10) + (uint32_t)(lo - 0xDC00);
    return 12;
}

int ddb_jlex_string(ddb_jlex *lx, ddb_jstr *s)
{
    if (ddb_jlex_peek(lx) != '"')
        return ddb_jlex_fail(lx, lx->p, "a string");
    const unsigned char *start = (const unsigned char *)lx->p + 1;
    const unsigned char *end = (const unsigned char *)lx->end;
    const unsigned char *p = start;
    size_t shrink = 0; /* raw bytes minus decoded bytes */
    for (;;) {
        p = ddb_json_skip_plain(p, end);
        if (p == end)
            return ddb_jlex_fail(lx, (const char *)p, "'\"' closing the string");
        if (*p == '"')
            break;
        size_t n;
        if (*p == '\\') {
            uint32_t cp;
            n = escape_decode(p, end, &cp);
            if (n == 0)
                return ddb_jlex_fail(lx, (const char *)p, "a valid escape sequence");
            shrink += n - utf8_len(cp);
        } else if (*p < 0x20) {
            return ddb_jlex_fail(lx, (const char *)p, "an escape sequence in place of a control character");
        } else {
            n = ddb_utf8_seq(p, (size_t)(end - p));
            if (n == 0)
                return ddb_jlex_fail(lx, (const char *)p, "valid UTF-8");
        }
        p += n;
    }
    s->raw = (const char *)start;
    s->raw_len = (size_t)(p - start);
    s->len = s->raw_len - shrink;
    s->escaped = shrink != 0;
    lx->p = (const char *)p + 1;
    return 0;
}

void ddb_jstr_copy(const ddb_jstr *s, char *dst)
{
    if (!s->escaped) {
        memcpy(dst, s->raw, s->raw_len);
        dst[s->raw_len] = '\0';
        return;
    }
    const unsigned char *p = (const unsigned char *)s->raw;
    const unsigned char *end = p + s->raw_len;
    while (p < end) {
        const unsigned char *bs = memchr(p, '\\', (size_t)(end - p));
        size_t run = (size_t)((bs != NULL ? bs : end) - p);
        memcpy(dst, p, run);
        dst += run;
        p += run;
        if (bs != NULL) {
            uint32_t cp = 0;
            p += escape_decode(p, end, &cp);
            dst += utf8_put(cp, dst);
        }
    }
    *dst = '\0';
}

/* --- literals and numbers ---------------------------------------------------- */

static bool match_word(ddb_jlex *lx, const char *word, size_t n)
{
    if ((size_t)(lx->end - lx->p) < n || memcmp(lx->p, word, n) != 0)
        return false;
    lx->p += n;
    return true;
}

int ddb_jlex_bool(ddb_jlex *lx, bool *value)
{
    ddb_jlex_peek(lx);
    if (match_word(lx, "true", 4))
        *value = true;
    else if (match_word(lx, "false", 5))
        *value = false;
    else
        return ddb_jlex_fail(lx, lx->p, "true or false");
    return 0;
}

int ddb_jlex_null(ddb_jlex *lx)
{
    ddb_jlex_peek(lx);
    return match_word(lx, "null", 4) ? 0 : ddb_jlex_fail(lx, lx->p, "null");
}

/* Consumes one or more digits; false if there is none. */
static bool digits(const char **p, const char *end)
{
    const char *q = *p;
    while (q < end && *q >= '0' && *q <= '9')
        q++;
    bool any = q != *p;
    *p = q;
    return any;
}

int ddb_jlex_number(ddb_jlex *lx, const char **start, size_t *len)
{
    ddb_jlex_peek(lx);
    const char *p = lx->p;
    const char *end = lx->end;
    if (p < end && *p == '-')
        p++;
    if (p < end && *p == '0')
        p++;
    else if (!digits(&p, end))
        return ddb_jlex_fail(lx, p, "a digit");
    if (p < end && *p == '.') {
        p++;
        if (!digits(&p, end))
            return ddb_jlex_fail(lx, p, "a digit after the decimal point");
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (!digits(&p, end))
            return ddb_jlex_fail(lx, p, "a digit in the exponent");
    }
    *start = lx->p;
    *len = (size_t)(p - lx->p);
    lx->p = p;
    return 0;
}
