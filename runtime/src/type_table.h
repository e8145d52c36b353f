/*
 * type_table.h - INTERNAL to libddb and ddbc: the one table of attribute
 * types. A row per ddb_ftype (ddb/model.h) with named columns, read by the
 * runtime (how a type is stored, its C size, its name in messages) and by
 * the generator (schema rules, the C a type becomes, which typed builders
 * it gets). Adding a type is one row here plus its codec functions in
 * model.c: the type switches there and in the generator have no
 * `default:`, so the compiler lists every place the new type must handle.
 *
 * Not installed. Thread safety: a constant table.
 */
#ifndef DDB_TYPE_TABLE_H
#define DDB_TYPE_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "ddb/av.h"
#include "ddb/model.h"

/* Number of ddb_ftype values (rows of ddb_types). */
#define DDB_FT_COUNT (DDB_FT_DISCRIMINATOR + 1)

/* Which comparisons a type's conditions offer. */
typedef enum ddb_type_cmp {
    DDB_TYPE_CMP_NONE,     /* none */
    DDB_TYPE_CMP_EQUALITY, /* = and <> */
    DDB_TYPE_CMP_ORDER     /* = <> < <= > >= and BETWEEN */
} ddb_type_cmp;

/* "No type": the contains column of types without contains(). */
#define DDB_FT_NONE ((ddb_ftype)-1)

typedef struct ddb_type_info {
    /* ---- the schema language */
    const char *name;        /* its spelling in a schema: "string", "utc_datetime" */
    bool key;                /* may be a table or index key (DynamoDB: scalar S, N or B) */
    bool list_elem;          /* may be the element type of a typed list (`of:`) */
    bool model_only;         /* only for a model's attributes, not a map's */
    const char *no_default;  /* why it cannot have a default; NULL when it can */
    const char *never_null;  /* why `null: true` is refused; NULL when allowed */
    bool compressible;       /* may be stored compressed (`compress:`; its value is bytes) */
    bool encryptable;        /* may be stored encrypted (`encrypt:`; a scalar S, N or B) */
    /* ---- storage */
    ddb_av_type wire;        /* the attribute value type it is stored as */
    bool any_wire;           /* any attribute value (document) */
    ddb_ftype elem;          /* sets: the element type; list: DOCUMENT until `of:`; else itself */
    size_t c_size;           /* sizeof its C member; 0: generated per schema (typed list, map) */
    /* ---- generated C */
    const char *c_enum;      /* its ddb_ftype enumerator: "DDB_FT_STRING" */
    const char *c_type;      /* member type, with its trailing ' ' or '*'; NULL: generated */
    const char *param;       /* by-value parameter type; NULL: generated, or none (null) */
    const char *array_param; /* parameter type of an array of values (IN); NULL: no IN */
    const char *gate;        /* DDB_ARG_* macro that checks such an argument; NULL: the
                                prototype does (struct types never convert) */
    const char *default_fn;  /* runtime function that turns a default's text into a value;
                                NULL: the default is a C literal */
    bool presence;           /* a nullable member comes with `bool has_<name>` */
    const char *absent;      /* without a presence flag: when the member is absent ("NULL",
                                "empty"), for its comment; NULL: never absent */
    const char *note;        /* what its member's comment always says (ttl, version) */
    /* ---- typed builders (docs/generated.md) */
    ddb_type_cmp cmp;        /* comparisons */
    bool begins_with;        /* begins_with() */
    bool in;                 /* IN (...) */
    bool size;               /* size() comparisons */
    bool arith;              /* ADD and SET x = x +- n */
    bool set_ops;            /* ADD and DELETE of elements */
    bool settable;           /* SET by the user (not version or discriminator) */
    bool removable;          /* REMOVE even when not nullable (sets, lists, documents) */
    bool is_type;            /* attribute_type() (untyped values) */
    ddb_ftype contains;      /* operand type of contains(); DDB_FT_NONE: none (typed
                                lists: their element type, decided per attribute) */
} ddb_type_info;

/* Indexed by ddb_ftype. */
extern const ddb_type_info ddb_types[DDB_FT_COUNT];

/* The row of `t`; t must be a ddb_ftype. */
static inline const ddb_type_info *ddb_type(ddb_ftype t)
{
    return &ddb_types[t];
}

/* The type spelled `name` in a schema; false when there is none. */
bool ddb_type_from_name(const char *name, ddb_ftype *out);

#endif /* DDB_TYPE_TABLE_H */
