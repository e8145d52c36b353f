/*
 * json_internal.h - INTERNAL to libddb: a small JSON document reader for
 * DynamoDB response envelopes. Not installed, not part of the public API.
 *
 * A response body such as
 *
 *     {"Items":[{"id":{"S":"a"}}],"Count":1,"LastEvaluatedKey":{"id":{"S":"a"}}}
 *
 * is parsed once into a read-only tree of ddb_jnode (a "document"). Members
 * the caller names as *item paths* are not built as JSON nodes: they are
 * parsed straight into ddb_av M trees (DynamoDB item form) in the same pass,
 * so an item is never parsed twice. Everything else (Count, ConsumedCapacity,
 * TableDescription, __type, message, ...) is an ordinary JSON node that the
 * caller walks with the accessors below.
 *
 * Typical use (Query):
 *
 *     static const char *const paths[] = {"Items[]", "LastEvaluatedKey", NULL};
 *     ddb_jdoc *doc;
 *     int rc = ddb_jdoc_parse(body, body_len, paths, &doc);
 *     if (rc != 0)
 *         return rc;                                   // DDB_EPROTOCOL / ENOMEM
 *     const ddb_jnode *root = ddb_jdoc_root(doc);
 *     int64_t count;
 *     rc = ddb_jnode_get_i64(root, "Count", &count);   // DDB_ENOTFOUND if absent
 *     for (ddb_jnode *it = ddb_jnode_first(ddb_jnode_get(root, "Items")); it;
 *          it = ddb_jnode_next(it)) {
 *         ddb_av *item = ddb_jnode_take_item(it);      // caller owns it now
 *         ...
 *     }
 *     ddb_av *lek = ddb_jnode_take_item(ddb_jnode_get(root, "LastEvaluatedKey"));
 *     ddb_jdoc_free(doc);                              // frees what was not taken
 *
 * Item paths (the third argument of ddb_jdoc_parse), relative to the root:
 *   - steps separated by '.'; a step is a member name or '*' (any member);
 *   - a step may end in "[]": every element of the array that is its value.
 *   The value the whole path lands on must be a JSON object; it is parsed as
 *   an item (attribute name -> AttributeValue) and becomes a DDB_J_ITEM
 *   node. If the path lands on anything else the parse fails with
 *   DDB_EPROTOCOL. A path that matches nothing is fine (an absent member).
 *   Examples:
 *     GetItem                "Item"
 *     PutItem/UpdateItem/DeleteItem  "Attributes"
 *     Query/Scan             "Items[]", "LastEvaluatedKey"
 *     BatchGetItem           "Responses.*[]", "UnprocessedKeys.*.Keys[]"
 *     BatchWriteItem         "UnprocessedItems.*[].PutRequest.Item",
 *                            "UnprocessedItems.*[].DeleteRequest.Key"
 *     TransactGetItems       "Responses[].Item"
 *     TransactionCanceled    "CancellationReasons[].Item"
 *   Names cannot contain '.', '*', '[' or ']'. At most DDB_JPATH_MAX paths
 *   of at most 8 steps each (a "[]" is a step); DDB_EINVAL otherwise.
 *   A path "" makes the root itself the item; "[]" each element of a root
 *   array.
 *
 * Ownership: the document owns every node and every string it returns;
 * pointers stay valid until ddb_jdoc_free. Items are the exception: an
 * item taken with ddb_jnode_take_item belongs to the caller (ddb_av_free);
 * the node stays a DDB_J_ITEM whose item is gone (ddb_jnode_item and
 * ddb_jnode_take_item return NULL). ddb_jdoc_free frees items not taken.
 *
 * NULL tolerance: every accessor accepts a NULL node and then returns NULL,
 * 0 or DDB_ENOTFOUND, so lookups chain without checks:
 *     ddb_jnode_get_str(ddb_jnode_get(root, "Table"), "TableStatus")
 *
 * Errors: ddb_jdoc_parse returns DDB_EPROTOCOL with the message
 * "offset N: expected ..." (N is a byte offset into the body), DDB_ENOMEM,
 * or DDB_EINVAL for a bad item path. Typed getters return DDB_ENOTFOUND for
 * an absent (NULL) node *without* recording an error (absence is often
 * normal), and DDB_EPROTOCOL (recorded) when the node has the wrong JSON
 * type or its number does not fit the requested C type.
 *
 * Strings: JSON escapes are decoded (\uXXXX incl. surrogate pairs -> UTF-8);
 * the result is NUL-terminated, and its length is given separately since it
 * may contain NUL bytes. Input must be valid UTF-8 (else DDB_EPROTOCOL).
 * Duplicate member names are kept in an envelope object (ddb_jnode_get
 * returns the first); inside items they are rejected.
 *
 * Limits: at most DDB_JSON_MAX_DEPTH (json.h) nested arrays/objects,
 * counted from the root (items included).
 *
 * Thread safety: parsing is reentrant. A document may be read from several
 * threads at once; ddb_jnode_take_item and ddb_jdoc_free need exclusive
 * access.
 */
#ifndef DDB_JSON_INTERNAL_H
#define DDB_JSON_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ddb/av.h"
#include "ddb/json.h"

/* Most item paths one ddb_jdoc_parse call accepts. */
#define DDB_JPATH_MAX 16

typedef enum ddb_jtype {
    DDB_J_NONE = 0, /* only for a NULL node: "absent" */
    DDB_J_NULL,
    DDB_J_BOOL,
    DDB_J_NUMBER, /* text kept as written; convert with the getters */
    DDB_J_STRING,
    DDB_J_ARRAY,
    DDB_J_OBJECT,
    DDB_J_ITEM /* an object parsed as a DynamoDB item (see item paths) */
} ddb_jtype;

typedef struct ddb_jdoc ddb_jdoc;
typedef struct ddb_jnode ddb_jnode;

/*
 * Parses `len` bytes of JSON text. `item_paths` is a NULL-terminated array
 * of item paths (see above) or NULL for none. The text may be freed after
 * the call; the document copies what it keeps. On success *out is a new
 * document (ddb_jdoc_free); on failure *out is NULL.
 */
int ddb_jdoc_parse(const char *text, size_t len, const char *const *item_paths, ddb_jdoc **out);

/* Frees the document, its nodes and every item not taken. NULL is a no-op. */
void ddb_jdoc_free(ddb_jdoc *doc);

/*
 * The one rule for the JSON text of a `json` attribute (model codec, save
 * and read; ddbc, schema defaults): exactly one RFC 8259 value, valid
 * UTF-8, nested at most as deep as this parser allows. Returns 0, or
 * DDB_EINVAL with the reason and its byte offset in the message
 * ("offset 7: expected ..."), or DDB_ENOMEM.
 */
int ddb_json_text_check(const char *text, size_t len);

/* The top-level value (never NULL for a parsed document). */
ddb_jnode *ddb_jdoc_root(const ddb_jdoc *doc);

/* Type of a node; DDB_J_NONE for NULL. */
ddb_jtype ddb_jnode_type(const ddb_jnode *n);

/* Member `name` of an object (first one if repeated); NULL if `obj` is
 * NULL, not an object, or has no such member. */
ddb_jnode *ddb_jnode_get(const ddb_jnode *obj, const char *name);

/* First element of an array / first member of an object; NULL when empty
 * or not a container. */
ddb_jnode *ddb_jnode_first(const ddb_jnode *n);

/* Next sibling in the same array or object; NULL at the end. */
ddb_jnode *ddb_jnode_next(const ddb_jnode *n);

/* Number of elements/members of an array/object, 0 for anything else. */
size_t ddb_jnode_len(const ddb_jnode *n);

/* Name of a node that is an object member (NUL-terminated; *len_out, if
 * not NULL, receives its length); NULL (and length 0) for array elements
 * and the root. */
const char *ddb_jnode_name(const ddb_jnode *n, size_t *len_out);

/* Decoded text of a STRING node, or the number text of a NUMBER node
 * (NUL-terminated; *len_out, if not NULL, receives the length); NULL for
 * other types. */
const char *ddb_jnode_str(const ddb_jnode *n, size_t *len_out);

/* Typed reads: 0; DDB_ENOTFOUND (n NULL, nothing recorded); DDB_EPROTOCOL
 * (wrong JSON type, or a number that is not an exact int64 / a finite
 * double). */
int ddb_jnode_bool(const ddb_jnode *n, bool *out);
int ddb_jnode_i64(const ddb_jnode *n, int64_t *out);
int ddb_jnode_double(const ddb_jnode *n, double *out);

/* Shorthands for ddb_jnode_<type>(ddb_jnode_get(obj, name), ...). */
const char *ddb_jnode_get_str(const ddb_jnode *obj, const char *name);
int ddb_jnode_get_i64(const ddb_jnode *obj, const char *name, int64_t *out);

/* The item (an M ddb_av) of a DDB_J_ITEM node, borrowed from the document;
 * NULL if n is not an item or the item was taken. */
const ddb_av *ddb_jnode_item(const ddb_jnode *n);

/* Transfers the item of a DDB_J_ITEM node to the caller (ddb_av_free);
 * NULL if n is not an item or was already taken. */
ddb_av *ddb_jnode_take_item(ddb_jnode *n);

#endif /* DDB_JSON_INTERNAL_H */
