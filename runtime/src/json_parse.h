/*
 * json_parse.h - INTERNAL to libddb: the JSON lexer shared by the
 * DynamoDB JSON parser (json_av.c), the envelope reader (json_doc.c) and
 * the writer (json.c, for UTF-8 rules).
 *
 * The lexer is a cursor over a byte range. Functions that fail record
 * DDB_EPROTOCOL as "offset N: expected WHAT, found ..." and return it;
 * DDB_ENOMEM is passed through from allocations.
 *
 * Thread safety: a lexer is used by one thread; the functions are reentrant.
 */
#ifndef DDB_JSON_PARSE_H
#define DDB_JSON_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ddb/av.h"
#include "ddb/buf.h"

typedef struct ddb_jlex {
    const char *begin; /* start of the text: offsets are counted from here */
    const char *p;     /* cursor */
    const char *end;
    ddb_buf text;  /* scratch: unescaped B text */
    ddb_buf bytes; /* scratch: decoded B bytes */
} ddb_jlex;

/* A string token: the raw bytes between the quotes (validated), and the
 * length its decoded form will have. */
typedef struct ddb_jstr {
    const char *raw;
    size_t raw_len;
    size_t len;
    bool escaped; /* raw holds escapes: decode with ddb_jstr_copy */
} ddb_jstr;

/* 1 for bytes that stand for themselves inside a JSON string (printable
 * ASCII and DEL except '"' and '\\'); 0 for '"', '\\', control bytes and
 * bytes >= 0x80 (which start UTF-8 sequences). */
extern const unsigned char ddb_json_plain[256];

/* First byte at or after p that is not plain (or end). Tests eight bytes
 * at a time with word arithmetic: a byte is special if it is below 0x20,
 * has the high bit set, or equals '"' or '\\'. */
static inline const unsigned char *ddb_json_skip_plain(const unsigned char *p, const unsigned char *end)
{
    const uint64_t ones = 0x0101010101010101u;
    const uint64_t high = ones * 0x80;
    while (end - p >= 8) {
        uint64_t w;
        memcpy(&w, p, sizeof w);
        uint64_t quote = w ^ (ones * '"');
        uint64_t backslash = w ^ (ones * '\\');
        uint64_t special = ((w - ones * 0x20) & ~w) | ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash) | w;
        if ((special & high) != 0) {
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            /* the lowest flagged byte is exact (borrows only move up) */
            return p + __builtin_ctzll(special & high) / 8;
#else
            break;
#endif
        }
        p += 8;
    }
    while (p < end && ddb_json_plain[*p])
        p++;
    return p;
}

void ddb_jlex_init(ddb_jlex *lx, const char *text, size_t len);
/* Frees the scratch buffers. */
void ddb_jlex_release(ddb_jlex *lx);

/* Records "offset <at - begin>: expected <what>, found ..." as
 * DDB_EPROTOCOL and returns it. */
int ddb_jlex_fail(const ddb_jlex *lx, const char *at, const char *what);

/* Records "offset <at - begin>: <printf text>" as DDB_EPROTOCOL and returns
 * it; for input that is valid JSON but not acceptable (the text should
 * still start with "expected"). */
int ddb_jlex_reject(const ddb_jlex *lx, const char *at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Skips whitespace; returns the next byte, or -1 at the end. */
static inline int ddb_jlex_peek(ddb_jlex *lx)
{
    const char *p = lx->p;
    while (p < lx->end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    lx->p = p;
    return p < lx->end ? (unsigned char)*p : -1;
}

/* Consumes byte c (after whitespace) or fails with "expected <what>". */
int ddb_jlex_expect(ddb_jlex *lx, char c, const char *what);

/*
 * Drives the element loop of an array or object whose opening bracket was
 * consumed: returns 1 when another element follows (its separating ','
 * consumed), 0 when `close` was consumed, or DDB_EPROTOCOL. `*first` is
 * true on the first call and managed by the function.
 */
int ddb_jlex_more(ddb_jlex *lx, char close, bool *first);

/* Fails unless only whitespace remains. */
int ddb_jlex_finish(ddb_jlex *lx);

/* Scans a string token (after whitespace), validating escapes and UTF-8. */
int ddb_jlex_string(ddb_jlex *lx, ddb_jstr *s);
/* Writes the decoded string: s->len bytes and a NUL. */
void ddb_jstr_copy(const ddb_jstr *s, char *dst);

/* Consumes true or false. */
int ddb_jlex_bool(ddb_jlex *lx, bool *value);
/* Consumes null. */
int ddb_jlex_null(ddb_jlex *lx);
/* Consumes a JSON number (RFC 8259 grammar); *start and *len give its text. */
int ddb_jlex_number(ddb_jlex *lx, const char **start, size_t *len);

/* Length of the valid UTF-8 sequence at p (lead byte >= 0x80), or 0 when
 * it is invalid (overlong, surrogate, above U+10FFFF, truncated). */
size_t ddb_utf8_seq(const unsigned char *p, size_t avail);

/* Whether data[0..len) is valid UTF-8 (NUL bytes included: they are
 * characters). Thread-safe. */
bool ddb_utf8_valid(const char *data, size_t len);

/* DynamoDB JSON grammar (json_av.c). `depth` is the number of arrays and
 * objects already open around the value. */
int ddb_jlex_av(ddb_jlex *lx, unsigned depth, ddb_av **out);   /* value form */
int ddb_jlex_item(ddb_jlex *lx, unsigned depth, ddb_av **out); /* item form */

/* Fails with "expected at most DDB_JSON_MAX_DEPTH levels of nesting" when
 * opening one more container at `depth` would exceed the limit. */
int ddb_jlex_enter(const ddb_jlex *lx, unsigned depth);

#endif /* DDB_JSON_PARSE_H */
