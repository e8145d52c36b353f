/*
 * compress.h - INTERNAL to libddb: the compressed form of field values
 * (ddb_field_codec in ddb/model.h; docs/compression.md).
 *
 * Thread safety: reentrant.
 */
#ifndef DDB_COMPRESS_H
#define DDB_COMPRESS_H

#include <stddef.h>

#include "ddb/buf.h"
#include "ddb/model.h"

/* Defaults of ddb_field_codec's zero members. */
#define DDB_COMPRESS_LEVEL 6
#define DDB_COMPRESS_MIN_SIZE 128
#define DDB_COMPRESS_MAX_SIZE ((size_t)16 << 20)

/*
 * Appends the stored form of data[0..len) to `out` (empty on entry): the
 * raw codec when len < min_size or zlib would not shrink it, else zlib.
 * Deterministic for one zlib build. 0, DDB_ENOMEM, or DDB_EINVAL when len
 * exceeds max_size (a value that could not be read back).
 */
int ddb_compress(ddb_buf *out, const void *data, size_t len, const ddb_field_codec *c);

/*
 * Appends the value stored as data[0..len) to `out` (empty on entry).
 * DDB_ETYPE (message says why) for an empty or unknown codec byte, a
 * declared or actual size over max_size, a corrupt or truncated stream,
 * or trailing bytes; DDB_ENOMEM.
 */
int ddb_decompress(ddb_buf *out, const void *data, size_t len, const ddb_field_codec *c);

#endif /* DDB_COMPRESS_H */
