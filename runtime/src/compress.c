/* compress.c - the compressed form of field values (see compress.h). */
#include "feature_macros.h" /* first: feature-test macros before any system header */

#include "compress.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <zlib.h>

#include "ddb/error.h"

static int level_of(const ddb_field_codec *c)
{
    return c->level >= 1 && c->level <= 9 ? c->level : DDB_COMPRESS_LEVEL;
}

static size_t min_of(const ddb_field_codec *c)
{
    return c->min_size != 0 ? c->min_size : DDB_COMPRESS_MIN_SIZE;
}

static size_t max_of(const ddb_field_codec *c)
{
    return c->max_size != 0 ? c->max_size : DDB_COMPRESS_MAX_SIZE;
}

/* Unsigned LEB128 of v. */
static int put_leb128(ddb_buf *out, uint64_t v)
{
    int rc = 0;
    do {
        unsigned char byte = v & 0x7f;
        v >>= 7;
        rc = ddb_buf_putc(out, (char)(v != 0 ? byte | 0x80 : byte));
    } while (rc == 0 && v != 0);
    return rc;
}

/* Reads an unsigned LEB128 of at most 10 bytes; the bytes used, 0 if malformed. */
static size_t get_leb128(const unsigned char *p, size_t len, uint64_t *v)
{
    *v = 0;
    for (size_t i = 0; i < len && i < 10; i++) {
        uint64_t bits = p[i] & 0x7f;
        if (i == 9 && bits > 1)
            return 0; /* beyond 64 bits */
        *v |= bits << (7 * i);
        if ((p[i] & 0x80) == 0)
            return i + 1;
    }
    return 0;
}

static int store_raw(ddb_buf *out, const void *data, size_t len)
{
    int rc = ddb_buf_putc(out, DDB_COMPRESS_RAW);
    return rc == 0 ? ddb_buf_append(out, data, len) : rc;
}

int ddb_compress(ddb_buf *out, const void *data, size_t len, const ddb_field_codec *c)
{
    if (len > max_of(c))
        return ddb_error_set(DDB_EINVAL, "value of %zu bytes exceeds the field's max_size of %zu bytes", len,
                             max_of(c));
    if (len < min_of(c) || len > ULONG_MAX / 2)
        return store_raw(out, data, len);
    int rc = ddb_buf_putc(out, DDB_COMPRESS_ZLIB);
    if (rc == 0)
        rc = put_leb128(out, len);
    uLong bound = compressBound((uLong)len);
    if (rc == 0)
        rc = ddb_buf_reserve(out, bound);
    if (rc != 0)
        return DDB_ENOMEM;
    size_t head = out->len;
    uLongf dest_len = bound;
    int z = compress2((Bytef *)out->data + head, &dest_len, data, (uLong)len, level_of(c));
    if (z == Z_MEM_ERROR)
        return ddb_error_set(DDB_ENOMEM, "out of memory compressing a value");
    if (z != Z_OK || head + dest_len >= 1 + len) { /* zlib would not shrink it */
        out->len = 0;
        return store_raw(out, data, len);
    }
    out->len = head + dest_len;
    out->data[out->len] = '\0';
    return 0;
}

/* Inflates exactly `size` bytes from in[0..in_len) into out (reserved);
 * 0 or DDB_ETYPE/DDB_ENOMEM with the reason. */
static int inflate_exact(ddb_buf *out, const unsigned char *in, size_t in_len, uint64_t size)
{
    if (in_len > UINT_MAX)
        return ddb_error_set(DDB_ETYPE, "compressed value is too long to inflate");
    z_stream zs = {0};
    if (inflateInit(&zs) != Z_OK)
        return ddb_error_set(DDB_ENOMEM, "out of memory inflating a value");
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)in_len;
    zs.next_out = (Bytef *)out->data;
    zs.avail_out = (uInt)size;
    int z = inflate(&zs, Z_FINISH);
    bool longer = false;
    if (z == Z_BUF_ERROR && zs.avail_out == 0) { /* output full before the end: more than declared? */
        unsigned char spare;
        zs.next_out = &spare;
        zs.avail_out = 1;
        z = inflate(&zs, Z_FINISH);
        longer = zs.avail_out == 0;
    }
    char why[96];
    snprintf(why, sizeof why, "%s", zs.msg != NULL ? zs.msg : zError(z));
    size_t got = (size_t)zs.total_out;
    bool trailing = zs.avail_in != 0;
    inflateEnd(&zs);
    if (z == Z_MEM_ERROR)
        return ddb_error_set(DDB_ENOMEM, "out of memory inflating a value");
    if (longer)
        return ddb_error_set(DDB_ETYPE, "compressed value inflates past its declared %llu bytes",
                             (unsigned long long)size);
    if (z != Z_STREAM_END)
        return ddb_error_set(DDB_ETYPE, "compressed value is corrupt or truncated (zlib: %s)", why);
    if (got != size)
        return ddb_error_set(DDB_ETYPE, "compressed value inflates to %zu bytes, not its declared %llu", got,
                             (unsigned long long)size);
    if (trailing)
        return ddb_error_set(DDB_ETYPE, "compressed value has bytes after its zlib stream");
    out->len = got;
    out->data[got] = '\0';
    return 0;
}

int ddb_decompress(ddb_buf *out, const void *data, size_t len, const ddb_field_codec *c)
{
    const unsigned char *p = data;
    if (len == 0)
        return ddb_error_set(DDB_ETYPE, "compressed value is empty (no codec byte)");
    if (p[0] == DDB_COMPRESS_RAW) {
        if (len - 1 > max_of(c))
            return ddb_error_set(DDB_ETYPE, "value of %zu bytes exceeds the field's max_size of %zu bytes",
                                 len - 1, max_of(c));
        return ddb_buf_append(out, p + 1, len - 1);
    }
    if (p[0] != DDB_COMPRESS_ZLIB)
        return ddb_error_set(DDB_ETYPE, "unknown compression codec 0x%02x", p[0]);
    uint64_t size = 0;
    size_t used = get_leb128(p + 1, len - 1, &size);
    if (used == 0)
        return ddb_error_set(DDB_ETYPE, "compressed value has a malformed length");
    if (size > max_of(c))
        return ddb_error_set(DDB_ETYPE,
                             "compressed value declares %llu bytes, more than the field's max_size of %zu: "
                             "refused before inflating",
                             (unsigned long long)size, max_of(c));
    if (ddb_buf_reserve(out, (size_t)size) != 0)
        return DDB_ENOMEM;
    return inflate_exact(out, p + 1 + used, len - 1 - used, size);
}
