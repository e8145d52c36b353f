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
 * Adding a type: add one row to DDBC_TYPE_TABLE. Type switches in the
 * generator have no `default:`, so -Wswitch (an error here) lists every place
 * that must handle the new type.
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

/*
 * X(ID, yaml name, DynamoDB attribute-value type, may be a table/index key)
 * Key attributes must be scalar S, N or B (DynamoDB rule). "*" is any type.
 * MAP is the type of an attribute whose schema type names a declared map
 * (`maps:`); the word "map" itself is not a usable type.
 * Note: the ID NULL is only safe pasted (DDBC_T_##id) or stringised (#id);
 * anywhere else the preprocessor would expand it as the NULL macro.
 */
#define DDBC_TYPE_TABLE(X)                                                                         \
    X(STRING, "string", "S", true)                                                                 \
    X(INT64, "int64", "N", true)                                                                   \
    X(DOUBLE, "double", "N", true)                                                                 \
    X(BOOL, "bool", "BOOL", false)                                                                 \
    X(BINARY, "binary", "B", true)                                                                 \
    X(DECIMAL, "decimal", "N", true)                                                               \
    X(UTC_DATETIME, "utc_datetime", "S", true)                                                     \
    X(JSON, "json", "S", false)                                                                    \
    X(STRING_SET, "string_set", "SS", false)                                                       \
    X(NUMBER_SET, "number_set", "NS", false)                                                       \
    X(BINARY_SET, "binary_set", "BS", false)                                                       \
    X(LIST, "list", "L", false)                                                                    \
    X(MAP, "map", "M", false)                                                                      \
    X(DOCUMENT, "document", "*", false)                                                            \
    X(NULL, "null", "NULL", false)                                                                 \
    X(TTL, "ttl", "N", false)                                                                      \
    X(VERSION, "version", "N", false)                                                              \
    X(DISCRIMINATOR, "discriminator", "S", false)

typedef enum ddbc_type {
#define DDBC_TYPE_ENUM_(id, name, wire, key) DDBC_T_##id,
    DDBC_TYPE_TABLE(DDBC_TYPE_ENUM_)
#undef DDBC_TYPE_ENUM_
} ddbc_type;

/* Number of types; loop `for (int t = 0; t < DDBC_TYPE_COUNT; t++)`. */
enum {
#define DDBC_TYPE_ONE_(id, name, wire, key) +1
    DDBC_TYPE_COUNT = 0 DDBC_TYPE_TABLE(DDBC_TYPE_ONE_)
#undef DDBC_TYPE_ONE_
};

/* The schema spelling: "string", "int64", ... Static storage. */
const char *ddbc_type_name(ddbc_type t);
/* The DynamoDB attribute-value type: "S", "N", "BOOL", "B". Static storage. */
const char *ddbc_type_wire(ddbc_type t);
/* Whether an attribute of type `t` may be a table or index key. */
bool ddbc_type_can_be_key(ddbc_type t);
/* Finds the type spelled `name`; returns false when there is none. */
bool ddbc_type_from_name(const char *name, ddbc_type *out);
/*
 * Whether `t` may be the element type of a typed list (`of: <type>`):
 * string, int64, double, decimal, bool, binary, utc_datetime, json. Lists
 * of maps use DDBC_T_MAP (see ddbc_attr.elem_map_index), which this
 * function does not include because "map" alone names no map.
 */
bool ddbc_type_can_be_elem(ddbc_type t);

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
    ddbc_type type;
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
    int map_index; /* DDBC_T_MAP: index into schema->maps; else -1 */
    /*
     * DDBC_T_LIST: the element type, never LIST: a type for which
     * ddbc_type_can_be_elem() holds, DDBC_T_MAP for a list of maps (see
     * elem_map_index), DDBC_T_DOCUMENT for an untyped list (any values).
     * Sets: the element type (STRING, DECIMAL for number_set, BINARY).
     * Other types: equal to `type`.
     */
    ddbc_type elem_type;
    int elem_map_index;     /* DDBC_T_LIST of a map: index into schema->maps; else -1 */
    bool inherited;         /* model attrs: copied from the base, positions too (see above) */
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
