/*
 * ddb/json.h - DynamoDB JSON: AttributeValue trees to and from wire text.
 *
 * "Value" form is one AttributeValue: {"S":"x"}, {"N":"1"}, {"M":{...}}.
 * "Item" form is a map of attribute name to value form:
 * {"id":{"S":"x"},"n":{"N":"1"}} — the shape of Item, Key, Attributes and
 * ExpressionAttributeValues in requests and responses.
 *
 * Writers append compact JSON to a ddb_buf (0 or DDB_ENOMEM/DDB_EINVAL).
 * Parsers allocate a new tree owned by the caller (ddb_av_free) and return
 * 0, DDB_EPROTOCOL (malformed JSON or not DynamoDB JSON; the message gives
 * the byte offset and what was expected) or DDB_ENOMEM.
 *
 * Thread safety: all functions are reentrant.
 */
#ifndef DDB_JSON_H
#define DDB_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "ddb/av.h"
#include "ddb/buf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Appends `len` bytes of UTF-8 as a quoted, escaped JSON string. */
int ddb_json_put_string(ddb_buf *out, const char *s, size_t len);

/* Appends {"<tag>":...} for one value. */
int ddb_av_write_json(ddb_buf *out, const ddb_av *v);
/* Appends {"name":{...},...} for a map value (DDB_ETYPE if `item` is not M). */
int ddb_item_write_json(ddb_buf *out, const ddb_av *item);

/* Parses value form. */
int ddb_av_parse_json(const char *text, size_t len, ddb_av **out);
/* Parses item form into an M tree. */
int ddb_item_parse_json(const char *text, size_t len, ddb_av **out);

/* CRC32 (IEEE, as in x-amz-crc32) of a byte range. */
uint32_t ddb_crc32(const void *data, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* DDB_JSON_H */
