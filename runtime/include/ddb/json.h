/*
 * ddb/json.h - DynamoDB JSON: AttributeValue trees to and from wire text.
 *
 * "Value" form is one AttributeValue: {"S":"x"}, {"N":"1"}, {"M":{...}}.
 * "Item" form is a map of attribute name to value form:
 * {"id":{"S":"x"},"n":{"N":"1"}} — the shape of Item, Key, Attributes and
 * ExpressionAttributeValues in requests and responses.
 *
 * Wire encoding of each type: S and N are JSON strings (N holds the number
 * text); B is a base64 JSON string (the tree holds the raw bytes); SS, NS,
 * BS are arrays of such strings; L is an array of value forms; M is an item
 * form; BOOL is {"BOOL":true|false}; NULL is {"NULL":true}.
 *
 * Writers append compact JSON to a ddb_buf and return 0, DDB_ENOMEM, or
 * DDB_EINVAL for what DynamoDB would reject anyway: a string or name that
 * is not valid UTF-8, an N that fails ddb_number_check, nesting deeper
 * than DDB_JSON_MAX_DEPTH, a NULL value. On failure the buffer is restored
 * to its length before the call.
 *
 * Parsers allocate a new tree owned by the caller (ddb_av_free) and return
 * 0, DDB_EPROTOCOL (malformed JSON or not DynamoDB JSON; the message reads
 * "offset N: expected ..." with N the byte offset of the problem) or
 * DDB_ENOMEM; on failure *out is NULL. They accept exactly one JSON value
 * with optional surrounding whitespace (RFC 8259), require valid UTF-8,
 * decode every escape including \uXXXX surrogate pairs, check N text with
 * ddb_number_check, decode B/BS base64, reject unknown type tags, more than
 * one tag per value, {"NULL":false}, and an attribute name repeated within
 * one map.
 *
 * Thread safety: all functions are reentrant.
 */
#ifndef DDB_JSON_H
#define DDB_JSON_H

#include "ddb/export.h"

#include <stddef.h>
#include <stdint.h>

#include "ddb/av.h"
#include "ddb/buf.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Deepest nesting of JSON arrays and objects, counted from the outermost
 * one, that parsers accept and writers produce. DynamoDB allows 32 levels
 * of nested attributes; in DynamoDB JSON each level takes two (the value
 * object and the M/L container), so 32 levels plus a response envelope
 * need about 70.
 */
#define DDB_JSON_MAX_DEPTH 128

/* Appends `len` bytes of UTF-8 as a quoted, escaped JSON string: '"', '\\'
 * and control characters are escaped (\n \t \r \b \f, else \u00XX);
 * everything else, valid multi-byte UTF-8 included, passes unchanged.
 * DDB_EINVAL if the bytes are not valid UTF-8. */
DDB_API int ddb_json_put_string(ddb_buf *out, const char *s, size_t len);

/* Appends {"<tag>":...} for one value. */
DDB_API int ddb_av_write_json(ddb_buf *out, const ddb_av *v);
/* Appends {"name":{...},...} for a map value (DDB_ETYPE if `item` is not M). */
DDB_API int ddb_item_write_json(ddb_buf *out, const ddb_av *item);

/* Parses value form. */
DDB_API int ddb_av_parse_json(ddb_av **out, const char *text, size_t len);
/* Parses item form into an M tree. */
DDB_API int ddb_item_parse_json(ddb_av **out, const char *text, size_t len);

/* CRC32 (IEEE, as in x-amz-crc32) of a byte range. Thread-safe. */
DDB_API uint32_t ddb_crc32(const void *data, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* DDB_JSON_H */
