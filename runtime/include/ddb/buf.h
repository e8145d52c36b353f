/*
 * ddb/buf.h - growable byte buffer, always NUL-terminated.
 *
 * Ownership: a ddb_buf owns `data`. Initialise with DDB_BUF_INIT (or
 * ddb_buf_init), release with ddb_buf_free. ddb_buf_steal hands the memory
 * to the caller (free() it). `data` is NULL until the first append; use
 * ddb_buf_cstr() for a never-NULL view.
 *
 * Errors: appending functions return 0 or DDB_ENOMEM (recorded as the last
 * error); after a failed append the buffer keeps its previous contents.
 *
 * Thread safety: a buffer is not synchronised; use one per thread.
 */
#ifndef DDB_BUF_H
#define DDB_BUF_H

#include "ddb/export.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ddb_buf {
    char *data; /* NUL-terminated when non-NULL */
    size_t len; /* bytes used, excluding the NUL */
    size_t cap; /* bytes allocated */
} ddb_buf;

#define DDB_BUF_INIT {NULL, 0, 0}

DDB_API void ddb_buf_init(ddb_buf *b);
DDB_API void ddb_buf_free(ddb_buf *b);
/* Empties the buffer, keeping its memory for reuse. */
DDB_API void ddb_buf_reset(ddb_buf *b);
/* Ensures room for `extra` more bytes (plus the NUL). */
DDB_API int ddb_buf_reserve(ddb_buf *b, size_t extra);
DDB_API int ddb_buf_append(ddb_buf *b, const void *data, size_t len);
DDB_API int ddb_buf_puts(ddb_buf *b, const char *s);
DDB_API int ddb_buf_putc(ddb_buf *b, char c);
DDB_API int ddb_buf_printf(ddb_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
DDB_API int ddb_buf_vprintf(ddb_buf *b, const char *fmt, va_list ap)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 0)))
#endif
    ;
/* Appends the decimal text of v. */
DDB_API int ddb_buf_put_i64(ddb_buf *b, int64_t v);
DDB_API int ddb_buf_put_u64(ddb_buf *b, uint64_t v);
/* Lowercase hex of `len` bytes. */
DDB_API int ddb_buf_put_hex(ddb_buf *b, const unsigned char *bytes, size_t len);
/* Never NULL: "" for an empty buffer. Valid until the next change. */
DDB_API const char *ddb_buf_cstr(const ddb_buf *b);
/* Transfers ownership of the bytes to the caller (free()); buffer becomes empty.
 * Returns a malloc'ed "" for an empty buffer, NULL only when out of memory. */
DDB_API char *ddb_buf_steal(size_t *len_out, ddb_buf *b);

/* Standard base64 (with padding). Encode appends to `out`. */
DDB_API int ddb_base64_encode(ddb_buf *out, const unsigned char *data, size_t len);
/* Decodes strictly (padding required, no whitespace); appends raw bytes to `out`.
 * Returns 0, DDB_EINVAL on malformed input, or DDB_ENOMEM. */
DDB_API int ddb_base64_decode(ddb_buf *out, const char *text, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* DDB_BUF_H */
