/*
 * ir.h - the model IR of the ddbc generator.
 *
 * The front end (check.h: ddbc_schema_load) turns one schema file into a
 * ddbc_schema; the emitter reads it and never changes it. A schema returned
 * by ddbc_schema_load has passed every check: names are valid, unique C
 * identifiers, every key index is in range, defaults are valid for their type.
 *
 * Ownership: a ddbc_schema owns every string and array reachable from it;
 * ddbc_schema_free releases all of it. Every ddbc_pos.file inside a schema
 * points at the schema's own `path`.
 *
 * Thread safety: the IR is plain data; concurrent readers are safe.
 *
 * Types are the runtime's ddb_ftype (ddb/model.h), described by the one
 * type table (runtime/src/type_table.h, ddb_type()): adding a type is one
 * row there. Type switches in the generator have no `default:`, so
 * -Wswitch (an error here) lists every place that must handle a new type.
 *
 * Polymorphism: a model with `extends` (a subclass) is stored like any other
 * model: its attrs start with copies of the base model's attrs (inherited =
 * true, same order, so attribute indexes agree) followed by its own, and
 * its table, keys, billing, stream and indexes are copies of the base's.
 */
#ifndef DDBC_IR_H
#define DDBC_IR_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h" /* ddbc_pos */
#include "type_table.h"

/*
 * Notes on types (rows of ddb_types):
 *  - DDB_FT_MAP is the type of an attribute whose schema type names a
 *    declared map (`maps:`); the word "map" itself is not a usable type.
 *  - Key attributes must be scalar S, N or B (DynamoDB's rule): the `key`
 *    column.
 *  - Typed lists (`of:`) hold a type with the `list_elem` column, or a map
 *    (DDB_FT_MAP with ddbc_attr.elem_map_index), or anything (DOCUMENT).
 */

/*
 * An attribute of a model or of a map. Which options a type allows:
 *   key role: string, int64, double, binary, decimal, utc_datetime (models only);
 *   default / default_for_new: every scalar and set type except null, ttl,
 *     version and discriminator (never list, map or document);
 *   nullable: every type but version and discriminator;
 *   ttl, version, discriminator: models only, at most one of each per model
 *     (discriminator: per hierarchy, declared in the base model).
 */
typedef struct ddbc_attr {
    char *name;      /* C field name (YAML key) */
    char *attr_name; /* DynamoDB attribute name (= name unless attr_name) */
    ddb_ftype type;
    bool nullable;
    bool has_default; /* default_text or default_items is set */
    /*
     * The default of a scalar type, validated and in a form usable as a C
     * literal body:
     * string: the text as written (any bytes but NUL; escape it when emitting);
     * int64: canonical decimal ("-12", "0"); double: as written, matching
     * [-+]?(digits[.digits]|.digits)([eE][-+]?digits)?, finite and in
     * DynamoDB's number range; bool: "true" / "false"; binary: canonical
     * base64 (padded) of the bytes; decimal: the canonical number (below);
     * utc_datetime: "YYYY-MM-DDTHH:MM:SS.ffffff+0000" (6 fraction digits);
     * json: the JSON text as written (valid RFC 8259 JSON, any value).
     * NULL if none, and always NULL for sets (see default_items).
     *
     * A canonical number is plain decimal notation without exponent: "-"
     * only for negatives, no '+', no leading zeros ("0.5", not ".5"), no
     * trailing fraction zeros and no '.' without a fraction ("1.5e2" ->
     * "150", "+1.50" -> "1.5", "-0" -> "0", "1E-3" -> "0.001").
     */
    char *default_text;
    bool default_for_new; /* the default is applied only to new items (default_for_new:) */
    /*
     * The default of a set type (has_default): its elements in YAML order,
     * at least one, no two equal: string_set: the texts; number_set:
     * canonical numbers (see default_text); binary_set: canonical base64.
     * NULL / 0 otherwise.
     */
    char **default_items;
    size_t n_default_items;
    int map_index; /* DDB_FT_MAP: index into schema->maps; else -1 */
    /*
     * DDB_FT_LIST: the element type, never LIST: a type for which
     * the list_elem column holds, DDB_FT_MAP for a list of maps (see
     * elem_map_index), DDB_FT_DOCUMENT for an untyped list (any values).
     * Sets: the element type (STRING, DECIMAL for number_set, BINARY).
     * Other types: equal to `type`.
     */
    ddb_ftype elem_type;
    int elem_map_index;     /* DDB_FT_LIST of a map: index into schema->maps; else -1 */
    bool inherited;         /* model attrs: copied from the base, positions too (see above) */
    /* `compress:` (types whose compressible column holds): stored as B
     * through ddb_field_codec; level 1..9, sizes in bytes, 0 = the runtime's
     * default (docs/compression.md). */
    bool compress;
    long long compress_level, compress_min, compress_max;
    ddbc_pos compress_pos;  /* the option, for messages */
    /* `encrypt:` (types whose encryptable column holds; model attributes
     * only): DDB_ENCRYPT_* of ddb/model.h (docs/encryption.md). */
    int encrypt;
    ddbc_pos encrypt_pos;
    /* `s3: {bucket, prefix}` (types whose compressible column holds; model
     * attributes only, not keys): NULL bucket when not S3-backed. */
    char *s3_bucket, *s3_prefix;
    char *doc;              /* NULL if none */
    ddbc_pos pos;           /* the attribute's name */
    ddbc_pos attr_name_pos; /* the attr_name value, = pos when not given */
} ddbc_attr;

/*
 * A typed map (`maps:` section): a DynamoDB M with declared attributes.
 * Its attrs never have key roles nor the types ttl, version, discriminator.
 */
typedef struct ddbc_map {
    char *name; /* C identifier, unique among maps and models of the schema */
    char *doc;  /* NULL if none */
    ddbc_attr *attrs;
    size_t n_attrs; /* declaration order, at least one */
    ddbc_pos pos;   /* the map's name */
} ddbc_map;

typedef enum ddbc_billing { DDBC_BILLING_PAY_PER_REQUEST, DDBC_BILLING_PROVISIONED } ddbc_billing;

/* DynamoDB Streams view type; NONE: no stream. */
typedef enum ddbc_stream {
    DDBC_STREAM_NONE,
    DDBC_STREAM_KEYS_ONLY,
    DDBC_STREAM_NEW_IMAGE,
    DDBC_STREAM_OLD_IMAGE,
    DDBC_STREAM_NEW_AND_OLD_IMAGES
} ddbc_stream;

/* The schema spelling ("keys_only", ...); NULL for DDBC_STREAM_NONE. */
const char *ddbc_stream_name(ddbc_stream s);

typedef enum ddbc_projection {
    DDBC_PROJECTION_ALL,
    DDBC_PROJECTION_KEYS_ONLY,
    DDBC_PROJECTION_INCLUDE
} ddbc_projection;

/* The schema spelling: "all", "keys_only", "include". Static storage. */
const char *ddbc_projection_name(ddbc_projection p);

typedef struct ddbc_index {
    char *name;    /* C identifier, 3..255 chars, unique in the model */
    bool global;   /* true: GSI, false: LSI (hash = table hash key) */
    int hash_key;  /* index into the model's attrs */
    int range_key; /* index into the model's attrs, -1 when none */
    ddbc_projection projection;
    int *include;     /* DDBC_PROJECTION_INCLUDE: indexes into attrs */
    size_t n_include; /* declaration order, no key attributes, no repeats */
    char *doc;        /* NULL if none */
    ddbc_pos pos;     /* the index's name */
} ddbc_index;

typedef struct ddbc_model {
    char *name;
    char *table;
    char *doc; /* NULL if none */
    ddbc_billing billing;
    long long read_capacity, write_capacity; /* 0 unless PROVISIONED */
    ddbc_stream stream;
    ddbc_attr *attrs;
    size_t n_attrs; /* declaration order */
    int hash_key;   /* index into attrs */
    int range_key;  /* index into attrs, -1 when none */
    ddbc_index *indexes;
    size_t n_indexes;  /* declaration order */
    bool keep_unknown; /* keep undeclared attributes on read, write them back */
    int version_attr;  /* index into attrs of the version attribute, -1 when none */
    int ttl_attr;      /* index into attrs of the ttl attribute, -1 when none */
    /* index into attrs of the discriminator attribute (inherited in a subclass), -1 when none */
    int discriminator_attr;
    int extends; /* index into schema->models of the base model, -1 when none */
    /* the value of the discriminator attribute for items of this model;
     * always set for a subclass, optional for a base; NULL when none */
    char *discriminator_value;
    ddbc_pos pos;       /* the model's name */
    ddbc_pos table_pos; /* the table value (the base's, for a subclass) */
} ddbc_model;

typedef struct ddbc_schema {
    char *path; /* as given on the command line */
    int version;
    char *prefix;
    ddbc_model *models;
    size_t n_models; /* declaration order */
    ddbc_map *maps;
    size_t n_maps; /* declaration order (a map may be used before it is declared) */
    /*
     * n_maps indexes into maps, in an order fit for C declarations: a map
     * comes after every map it contains by value (attribute of type MAP),
     * and after every map it holds in a typed list, except where such list
     * references form a cycle (a tree: a map with a list of itself); ties
     * keep declaration order. NULL when n_maps is 0.
     */
    size_t *map_order;
    ddbc_pos prefix_pos;
} ddbc_schema;

/* Frees `s` and everything it owns. NULL is a no-op. */
void ddbc_schema_free(ddbc_schema *s);

#endif /* DDBC_IR_H */
