/* buf.c - growable NUL-terminated byte buffer and base64. */
#include "feature_macros.h" /* first: feature-test macros before any system header */

#include "ddb/buf.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddb/error.h"

void ddb_buf_init(ddb_buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void ddb_buf_free(ddb_buf *b)
{
    if (b == NULL)
        return;
    free(b->data);
    ddb_buf_init(b);
}

void ddb_buf_reset(ddb_buf *b)
{
    b->len = 0;
    if (b->data != NULL)
        b->data[0] = '\0';
}

int ddb_buf_reserve(ddb_buf *b, size_t extra)
{
    if (extra > SIZE_MAX - b->len - 1)
        return ddb_error_set(DDB_ENOMEM, "buffer size overflow");
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap != 0 ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = realloc(b->data, cap);
    if (p == NULL)
        return ddb_error_set(DDB_ENOMEM, "out of memory growing a buffer to %zu bytes", cap);
    p[b->len] = '\0'; /* the first allocation must read as "" too */
    b->data = p;
    b->cap = cap;
    return 0;
}

int ddb_buf_append(ddb_buf *b, const void *data, size_t len)
{
    int rc = ddb_buf_reserve(b, len);
    if (rc != 0)
        return rc;
    if (len != 0)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

int ddb_buf_puts(ddb_buf *b, const char *s)
{
    return ddb_buf_append(b, s, strlen(s));
}

int ddb_buf_putc(ddb_buf *b, char c)
{
    if (b->len + 1 < b->cap) { /* fast path: room for c and the NUL */
        b->data[b->len++] = c;
        b->data[b->len] = '\0';
        return 0;
    }
    return ddb_buf_append(b, &c, 1);
}

int ddb_buf_vprintf(ddb_buf *b, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, copy);
    va_end(copy);
    if (n < 0)
        return ddb_error_set(DDB_EINVAL, "bad format string");
    if ((size_t)n < sizeof small)
        return ddb_buf_append(b, small, (size_t)n);
    int rc = ddb_buf_reserve(b, (size_t)n);
    if (rc != 0)
        return rc;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int ddb_buf_printf(ddb_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = ddb_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

int ddb_buf_put_u64(ddb_buf *b, uint64_t v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    return ddb_buf_append(b, tmp + i, sizeof tmp - i);
}

int ddb_buf_put_i64(ddb_buf *b, int64_t v)
{
    if (v >= 0)
        return ddb_buf_put_u64(b, (uint64_t)v);
    int rc = ddb_buf_putc(b, '-');
    if (rc != 0)
        return rc;
    /* two's complement magnitude without overflowing on INT64_MIN */
    return ddb_buf_put_u64(b, (uint64_t)0 - (uint64_t)v);
}

int ddb_buf_put_hex(ddb_buf *b, const unsigned char *bytes, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    if (len > SIZE_MAX / 2)
        return ddb_error_set(DDB_ENOMEM, "hex output too large");
    int rc = ddb_buf_reserve(b, len * 2);
    if (rc != 0)
        return rc;
    char *p = b->data + b->len;
    for (size_t i = 0; i < len; i++) {
        *p++ = digits[bytes[i] >> 4];
        *p++ = digits[bytes[i] & 15];
    }
    b->len += len * 2;
    b->data[b->len] = '\0';
    return 0;
}

const char *ddb_buf_cstr(const ddb_buf *b)
{
    return b->data != NULL ? b->data : "";
}

char *ddb_buf_steal(size_t *len_out, ddb_buf *b)
{
    if (b->data == NULL && ddb_buf_reserve(b, 0) != 0)
        return NULL;
    char *p = b->data;
    if (len_out != NULL)
        *len_out = b->len;
    ddb_buf_init(b);
    return p;
}

static const char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int ddb_base64_encode(ddb_buf *out, const unsigned char *data, size_t len)
{
    size_t groups = len / 3 + (len % 3 != 0);
    if (groups > SIZE_MAX / 4)
        return ddb_error_set(DDB_ENOMEM, "base64 output too large");
    int rc = ddb_buf_reserve(out, groups * 4);
    if (rc != 0)
        return rc;
    char *p = out->data + out->len;
    size_t i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 | data[i + 2];
        *p++ = b64_alphabet[v >> 18];
        *p++ = b64_alphabet[(v >> 12) & 63];
        *p++ = b64_alphabet[(v >> 6) & 63];
        *p++ = b64_alphabet[v & 63];
    }
    if (i < len) {
        uint32_t v = (uint32_t)data[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)data[i + 1] << 8;
        *p++ = b64_alphabet[v >> 18];
        *p++ = b64_alphabet[(v >> 12) & 63];
        *p++ = i + 1 < len ? b64_alphabet[(v >> 6) & 63] : '=';
        *p++ = '=';
    }
    out->len = (size_t)(p - out->data);
    out->data[out->len] = '\0';
    return 0;
}

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/*
 * Decodes one group of four characters into bytes[0..2]. Only the last
 * group may end in "=" or "=="; its unused low bits must be zero (the
 * canonical encoding, so decoding and re-encoding gives the same text).
 * Returns the number of bytes (1-3), -1 for an invalid character or -2 for
 * non-zero padding bits, with *bad set to the index of the character.
 */
static int b64_group(const unsigned char *q, bool last, unsigned char bytes[3], size_t *bad)
{
    int pad = last && q[3] == '=' ? (q[2] == '=' ? 2 : 1) : 0;
    uint32_t w = 0;
    for (int k = 0; k < 4 - pad; k++) {
        int v = b64_value(q[k]);
        if (v < 0) {
            *bad = (size_t)k;
            return -1;
        }
        w = w << 6 | (uint32_t)v;
    }
    w <<= 6 * pad;
    if ((w & (pad == 2 ? 0xFFFFu : pad == 1 ? 0xFFu : 0u)) != 0) {
        *bad = (size_t)(3 - pad);
        return -2;
    }
    bytes[0] = (unsigned char)(w >> 16);
    bytes[1] = (unsigned char)(w >> 8);
    bytes[2] = (unsigned char)w;
    return 3 - pad;
}

int ddb_base64_decode(ddb_buf *out, const char *text, size_t len)
{
    if (len % 4 != 0)
        return ddb_error_set(DDB_EINVAL, "base64 length %zu is not a multiple of 4", len);
    int rc = ddb_buf_reserve(out, len / 4 * 3);
    if (rc != 0)
        return rc;
    unsigned char *p = (unsigned char *)out->data + out->len;
    for (size_t i = 0; i < len; i += 4) {
        size_t bad = 0;
        int n = b64_group((const unsigned char *)text + i, i + 4 == len, p, &bad);
        if (n < 0) {
            out->data[out->len] = '\0';
            return ddb_error_set(DDB_EINVAL, "%s at offset %zu",
                                 n == -1 ? "invalid base64 character" : "non-zero base64 padding bits", i + bad);
        }
        p += n;
    }
    out->len = (size_t)((char *)p - out->data);
    out->data[out->len] = '\0';
    return 0;
}
