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
 */
#ifndef DDBC_IR_H
#define DDBC_IR_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h" /* ddbc_pos */

/*
 * X(ID, yaml name, DynamoDB attribute-value type, may be a table/index key)
 * Key attributes must be scalar S, N or B (DynamoDB rule).
 */
#define DDBC_TYPE_TABLE(X)                                                                         \
    X(STRING, "string", "S", true)                                                                 \
    X(INT64, "int64", "N", true)                                                                   \
    X(DOUBLE, "double", "N", true)                                                                 \
    X(BOOL, "bool", "BOOL", false)                                                                 \
    X(BINARY, "binary", "B", true)

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

typedef struct ddbc_attr {
    char *name;      /* C field name (YAML key) */
    char *attr_name; /* DynamoDB attribute name (= name unless attr_name) */
    ddbc_type type;
    bool nullable;
    bool has_default;
    /*
     * The default, validated and in a form usable as a C literal body:
     * string: the text as written (any bytes but NUL; escape it when emitting);
     * int64: canonical decimal ("-12", "0"); double: as written, matching
     * [-+]?(digits[.digits]|.digits)([eE][-+]?digits)? and finite;
     * bool: "true" / "false"; binary: canonical base64 (padded) of the bytes.
     * NULL if none.
     */
    char *default_text;
    char *doc;              /* NULL if none */
    ddbc_pos pos;           /* the attribute's name */
    ddbc_pos attr_name_pos; /* the attr_name value, = pos when not given */
} ddbc_attr;

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
    size_t n_indexes;   /* declaration order */
    ddbc_pos pos;       /* the model's name */
    ddbc_pos table_pos; /* the table value */
} ddbc_model;

typedef struct ddbc_schema {
    char *path; /* as given on the command line */
    int version;
    char *prefix;
    ddbc_model *models;
    size_t n_models; /* declaration order */
    ddbc_pos prefix_pos;
} ddbc_schema;

/* Frees `s` and everything it owns. NULL is a no-op. */
void ddbc_schema_free(ddbc_schema *s);

#endif /* DDBC_IR_H */
