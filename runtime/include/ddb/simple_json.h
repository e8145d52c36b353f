/*
 * ddb/simple_json.h - model objects to and from plain JSON (PynamoDB's
 * to_simple_dict / from_simple_dict).
 *
 *     {"forum":"C","views":3,"tags":["a","b"],"author":{"name":"x"}}
 *
 * Members are named by DynamoDB attribute name (attr_name), in the order of
 * the item (the model's fields, then attributes kept by keep_unknown);
 * absent attributes are left out. Each field type maps to JSON as follows,
 * and back:
 *
 *   string, discriminator  string
 *   int64, ttl, version    number (integral)
 *   double                 number (shortest text that reads back exactly)
 *   decimal                number, written from its decimal text with every
 *                          digit kept ("+1.50" -> 1.50, ".5" -> 0.5)
 *   bool                   true / false
 *   binary                 string, standard base64
 *   utc_datetime           string, PynamoDB's text
 *                          "2024-01-02T03:04:05.000006+0000" (read
 *                          leniently, as ddb_time_parse does)
 *   json                   the embedded JSON value itself (not a string)
 *   null                   null
 *   string_set             array of strings
 *   number_set             array of numbers (decimal text kept)
 *   binary_set             array of base64 strings
 *   list (typed)           array of the element type
 *   list (untyped),        any JSON, converted as "untyped" below
 *   document
 *   map                    object, by the map's own fields
 *
 * Untyped values (documents, untyped lists, attributes the model does not
 * declare) map by their DynamoDB type: N number, S string, BOOL, NULL, L
 * array, M object; B becomes a base64 string and SS/NS/BS arrays, which
 * read back as S, N and L (JSON has no binary or set type). From JSON:
 * number -> N, string -> S, true/false -> BOOL, null -> NULL, array -> L,
 * object -> M.
 *
 * Reading: a member whose value is null is an absent attribute (except for
 * the null type, where null is the value); members the model does not
 * declare are read as untyped values and then kept or dropped exactly as
 * when an item is read from the table (keep_unknown). Numbers keep their
 * text: a number that DynamoDB cannot store (more than 38 significant
 * digits, magnitude out of range) is an error, as is an int64 value with a
 * fraction or out of range. Empty sets are absent attributes.
 *
 * Errors: 0 or a negative DDB_E* code with the detail in ddb_last_error().
 * Messages name the model and the JSON path of the problem, e.g.
 *     forum_thread: $.author.name: expected a string, found a number
 *     forum_thread: $.tags[2]: the set already has this element
 * DDB_EPROTOCOL for text that is not JSON (with the byte offset),
 * DDB_ETYPE for a value of the wrong JSON type, DDB_EINVAL for a value
 * the type cannot hold, DDB_ENOMEM.
 *
 * Thread safety: reentrant; distinct objects may be converted concurrently.
 */
#ifndef DDB_SIMPLE_JSON_H
#define DDB_SIMPLE_JSON_H

#include "ddb/export.h"

#include <stddef.h>

#include "ddb/av.h"
#include "ddb/buf.h"
#include "ddb/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Appends the plain JSON object of `obj` (a struct described by `m`) to
 * `out` (compact, UTF-8). Goes through ddb_model_to_item, so it fails as
 * that does (e.g. DDB_EINVAL for a required attribute that is missing). On
 * failure `out` keeps its previous length.
 */
DDB_API int ddb_model_to_simple_json(ddb_buf *out, const ddb_model *m, const void *obj);

/*
 * Reads the plain JSON object `json` (`len` bytes, need not be
 * NUL-terminated) into `obj`, through an item and ddb_model_from_item. On
 * success `obj` (initialised or cleared before) is cleared and replaced,
 * with the model's defaults applied to attributes the JSON lacks (as when
 * reading an item); on failure it is left unchanged.
 */
DDB_API int ddb_model_from_simple_json(void *obj, const ddb_model *m, const char *json, size_t len);

/*
 * The item-level halves, for callers that have an item rather than a
 * struct. `m` guides the conversion as above; NULL converts every attribute
 * as untyped. ddb_item_from_simple_json sets *item to a new M tree owned by
 * the caller (NULL on failure).
 */
DDB_API int ddb_item_to_simple_json(ddb_buf *out, const ddb_model *m, const ddb_av *item);
DDB_API int ddb_item_from_simple_json(ddb_av **item, const ddb_model *m, const char *json, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* DDB_SIMPLE_JSON_H */
