/*
 * ops_internal.h - INTERNAL to libddb: the machinery shared by the
 * low-level operations (ops.c, ops_table.c).
 *
 *  - Request writing is table-driven: each operation describes its input
 *    struct with a table of wfield (JSON member name, kind, offset), and one
 *    generic writer (ops_write.c) validates and serialises any of them.
 *    Nested structures (index definitions, transaction actions) are
 *    sub-tables, so every operation shares the same code path.
 *  - Output memory: strings and arrays of an output live in a ddb_out_mem
 *    arena, with the ddb_av trees it must free; one call releases all.
 *  - Response reading: small helpers over the json_internal.h reader.
 *  - ddb_ops_call runs one operation end to end.
 */
#ifndef DDB_OPS_INTERNAL_H
#define DDB_OPS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ddb/buf.h"
#include "ddb/ops.h"
#include "json_internal.h"

/* ------------------------------------------------------------------ */
/* Request writer                                                     */
/* ------------------------------------------------------------------ */

typedef enum wkind {
    W_STR,    /* const char *; NULL not sent */
    W_ITEM,   /* const ddb_av * (M) in item form; NULL not sent */
    W_NAMES,  /* const ddb_av * (M of S) as {"#n":"name"}; NULL not sent */
    W_BOOL,   /* bool; sent when true (W_ALWAYS: always); W_NEGATE writes !value */
    W_U32,    /* uint32_t; 0 not sent */
    W_I64,    /* int64_t; 0 not sent */
    W_ENUM,   /* enum; `names` indexed by value (`limit` entries); 0 not sent unless W_ALWAYS */
    W_OBJECT, /* struct at offset, written with `table`; not sent when it writes nothing */
    W_ARRAY,  /* array of `elem_size` structs + size_t count; each element an object (`table`) */
    W_UNION,  /* {"<variant name>":{...}}: the enum at offset picks one of `limit` variants */
    W_ITEMS,  /* const ddb_av *const * + count, each in item form */
    W_STRS,   /* const char *const * + count */
    W_CUSTOM  /* `custom` writes the member itself */
} wkind;

/* Flags */
#define W_REQUIRED 0x1u /* absent/empty is an error (enum: 0 or unnamed is) */
#define W_ALWAYS 0x2u   /* send even the zero value */
#define W_NEGATE 0x4u   /* W_BOOL: send the negation */

typedef struct wctx wctx;
typedef struct wtable wtable;
typedef struct wfield wfield;
typedef struct wvariant wvariant;

struct wfield {
    const char *name; /* JSON member name (W_UNION: the C member, for messages) */
    wkind kind;
    unsigned flags; /* W_* */
    size_t limit;   /* ENUM: names; UNION: variants; ARRAY/ITEMS/STRS: most elements (0: any) */
    size_t offset;  /* of the value in the struct */
    size_t count_offset;      /* ARRAY/ITEMS/STRS: of the size_t count */
    size_t elem_size;         /* ARRAY: sizeof an element */
    int limit_code;           /* ARRAY/ITEMS: code when over limit (DDB_ELIMIT or DDB_EINVAL) */
    const char *const *names; /* ENUM */
    const wtable *table;      /* OBJECT, ARRAY */
    const wvariant *variants; /* UNION */
    int (*custom)(wctx *w, const wfield *f, const void *base); /* base: the struct */
};

struct wtable {
    const wfield *fields;
    size_t n;
};

struct wvariant {
    const char *name;    /* JSON member name of the variant */
    const wtable *table; /* written against the element + offset */
    size_t offset;
};

/* clang-format off */
#define WTABLE(arr) {.fields = (arr), .n = sizeof(arr) / sizeof((arr)[0])}
#define WCOUNT(arr) (sizeof(arr) / sizeof((arr)[0]))

/* Field constructors: T is the struct type, m its member, fl W_* flags. */
#define WF_(json, k, fl, T, m) .name = (json), .kind = (k), .flags = (fl), .offset = offsetof(T, m)
#define WF_STR(json, T, m, fl) {WF_(json, W_STR, fl, T, m)}
#define WF_ITEM(json, T, m, fl) {WF_(json, W_ITEM, fl, T, m)}
#define WF_NAMES(json, T, m) {WF_(json, W_NAMES, 0, T, m)}
#define WF_BOOL(json, T, m, fl) {WF_(json, W_BOOL, fl, T, m)}
#define WF_U32(json, T, m) {WF_(json, W_U32, 0, T, m)}
#define WF_I64(json, T, m) {WF_(json, W_I64, 0, T, m)}
#define WF_ENUM(json, T, m, fl, nm) \
    {WF_(json, W_ENUM, fl, T, m), .limit = WCOUNT(nm), .names = (nm)}
#define WF_OBJECT(json, T, m, tbl) {WF_(json, W_OBJECT, 0, T, m), .table = (tbl)}
/* The struct itself as a nested object, e.g. {"Get":{...}}. */
#define WF_WRAP(json, tbl) {.name = (json), .kind = W_OBJECT, .table = (tbl)}
/* An array of E at m with its count at n; at most max entries (0: any),
 * else error `code`. */
#define WF_ARRAY(json, T, m, n, E, tbl, fl, max, code)                                             \
    {WF_(json, W_ARRAY, fl, T, m), .limit = (max), .count_offset = offsetof(T, n),                 \
     .elem_size = sizeof(E), .limit_code = (code), .table = (tbl)}
#define WF_UNION(T, m, vars)                                                                       \
    {WF_(#m, W_UNION, W_REQUIRED, T, m), .limit = WCOUNT(vars), .variants = (vars)}
#define WF_ITEMS(json, T, m, n, fl) {WF_(json, W_ITEMS, fl, T, m), .count_offset = offsetof(T, n)}
#define WF_STRS(json, T, m, n) {WF_(json, W_STRS, 0, T, m), .count_offset = offsetof(T, n)}
#define WF_CUSTOM(json, T, m, fl, fn) {WF_(json, W_CUSTOM, fl, T, m), .custom = (fn)}
/* A custom writer of an array member, checked with ddb_w_check_array. */
#define WF_CUSTOM_ARRAY(json, T, m, n, fl, max, code, fn)                                          \
    {WF_(json, W_CUSTOM, fl, T, m), .limit = (max), .count_offset = offsetof(T, n),                \
     .limit_code = (code), .custom = (fn)}
/* clang-format on */

/* Writer state: output, operation name and the path of the value being
 * written ("TransactItems[2].Update"), for error messages. */
#define W_PATH_MAX 192
struct wctx {
    ddb_buf *out;
    const char *op;
    bool need_comma;
    size_t path_len;
    char path[W_PATH_MAX];
};

/*
 * Validates `in` against `table` and writes it as one JSON object to `out`
 * (appended). Returns 0, DDB_EINVAL / DDB_ELIMIT / DDB_ETYPE (recorded,
 * naming `op` and the field path) or DDB_ENOMEM.
 */
int ddb_ops_write_request(ddb_buf *out, const char *op, const wtable *table, const void *in);

/* For W_CUSTOM writers: the pieces of the generic writer. */
int ddb_w_member(wctx *w, const char *name);                  /* [,]"name": */
int ddb_w_open(wctx *w, char c);                              /* '{' or '[' */
int ddb_w_close(wctx *w, char c);                             /* '}' or ']' */
int ddb_w_string(wctx *w, const char *s);                     /* [,]"s" */
int ddb_w_number(wctx *w, const char *name, int64_t v);       /* [,]"name":v */
int ddb_w_raw(wctx *w, const char *json);                     /* [,]json: a literal such as true */
int ddb_w_object(wctx *w, const wtable *t, const void *base); /* {fields} */
/* The checks of every array field: count 0 (an error when W_REQUIRED; *n
 * = 0 then means "send nothing"), NULL array with a count, over `limit`. */
int ddb_w_check_array(wctx *w, const wfield *f, const void *base, const void *arr, size_t *n);
/* Records `code` for field `name` under the current path; returns code. */
int ddb_w_error(wctx *w, int code, const char *name, const char *what);
/* Path maintenance: returns the length to restore with ddb_w_pop. */
size_t ddb_w_push(wctx *w, const char *name, size_t index, bool indexed);
void ddb_w_pop(wctx *w, size_t saved);

/* ------------------------------------------------------------------ */
/* Output memory                                                      */
/* ------------------------------------------------------------------ */

/* Allocates `size` zeroed bytes (max-aligned) owned by *m, creating the
 * arena on first use. NULL on ENOMEM (recorded). */
void *ddb_mem_alloc(ddb_out_mem **m, size_t size);
/* Array of n elements of `size` bytes (overflow-checked); n 0 gives NULL
 * without an error, so check n first. */
void *ddb_mem_array(ddb_out_mem **m, size_t n, size_t size);
/* Copies len bytes + NUL. */
char *ddb_mem_strndup(ddb_out_mem **m, const char *s, size_t len);
/* Makes *m own `tree` (freed with the arena). On failure frees it. */
int ddb_mem_adopt(ddb_out_mem **m, ddb_av *tree);
/* Frees the arena, its blocks and adopted trees. NULL-safe. */
void ddb_mem_free(ddb_out_mem *m);

/* ------------------------------------------------------------------ */
/* Response reading                                                   */
/* ------------------------------------------------------------------ */

/* Copies the string member `name` of `obj` into *m; *out NULL when
 * absent. DDB_EPROTOCOL when it is not a string, DDB_ENOMEM. */
int ddb_read_str(const ddb_jnode *obj, const char *name, ddb_out_mem **m, const char **out);
/* Integer member (absent: 0). */
int ddb_read_i64(const ddb_jnode *obj, const char *name, int64_t *out);
/* Index of the string member `name` in names[0..n); 0 when absent or
 * unknown (so the enum's first value must mean "unknown/unset"). */
int ddb_read_enum(const ddb_jnode *obj, const char *name, const char *const *names, size_t n);
/* A ConsumedCapacity object (absent: zeroes). */
int ddb_read_consumed(const ddb_jnode *n, ddb_out_mem **m, ddb_consumed_capacity *out);
/* A ConsumedCapacity array (BatchGetItem etc.). */
int ddb_read_consumed_list(const ddb_jnode *n, ddb_out_mem **m, ddb_consumed_capacity **out,
                           size_t *n_out);
/* Takes the items of an array of DDB_J_ITEM nodes: the pointer array is
 * allocated in *m, the trees become the caller's (ddb_free_items). */
int ddb_read_items(ddb_jnode *arr, ddb_out_mem **m, ddb_av ***out, size_t *n_out);
/* Frees the trees of an items array (NULL entries skipped). */
void ddb_free_items(ddb_av **items, size_t n);

/* ------------------------------------------------------------------ */
/* Running an operation                                               */
/* ------------------------------------------------------------------ */

typedef struct op_def {
    const char *name; /* "PutItem" */
    const wtable *request;
    size_t table_offset;                 /* of the table name in the input; OP_NO_TABLE */
    const char *const *item_paths;       /* success body */
    const char *const *error_item_paths; /* error bodies worth reading; NULL: none */
    int error_code;                      /* the code whose body is read (DDB_ECONDITION...) */
} op_def;

#define OP_NO_TABLE ((size_t)-1)

/* Sets the operation and table of the last error when rc is not 0;
 * returns rc. */
int ddb_ops_result(const op_def *def, const void *in, int rc);

/*
 * Validates and writes the request, calls the service and parses the
 * response into *doc. Returns 0 with *doc set; or, when the call failed
 * with def->error_code and its body parsed, that code with *doc set to the
 * error document; otherwise the error code with *doc NULL. Validation
 * errors carry the operation and table as context, like service errors.
 */
int ddb_ops_call(ddb_client *c, const op_def *def, const void *in, ddb_jdoc **doc);

#endif /* DDB_OPS_INTERNAL_H */
