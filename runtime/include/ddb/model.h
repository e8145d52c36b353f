/*
 * ddb/model.h - the generic model runtime behind generated code.
 *
 * ddbc emits, per model, a C struct, a descriptor (ddb_model: the table,
 * the key, and one ddb_field per attribute with its offset in the struct)
 * and small typed wrappers. Everything else — conversion to and from
 * DynamoDB items, requests, pagination — lives here, once.
 *
 * Struct conventions (what generated structs look like):
 *   string  char *       NULL = absent
 *   binary  ddb_bytes    data NULL = absent
 *   int64   int64_t      } nullable ones have a `bool has_<name>` flag;
 *   double  double       } non-nullable ones are always present
 *   bool    bool         }
 * The struct owns its strings and bytes (malloc'ed); ddb_model_clear frees
 * them.
 *
 * Connections: each model has a connection slot. Unset, it falls back to
 * the process default client (ddb_default_client). ddb_model_use_client
 * binds a client to the model.
 *
 * Errors: 0 or a negative DDB_E* code with detail in ddb_last_error();
 * a missing item is DDB_ENOTFOUND. On failure, output structs are left
 * unchanged unless the function says otherwise.
 *
 * Thread safety: descriptors are immutable; all functions are safe to call
 * concurrently on distinct objects. Binding clients is thread-safe, but a
 * client must outlive every call that may use it.
 */
#ifndef DDB_MODEL_H
#define DDB_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ddb/av.h"
#include "ddb/client.h"
#include "ddb/expr.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A binary value. `data` is malloc'ed and owned by the containing struct. */
typedef struct ddb_bytes {
    unsigned char *data;
    size_t len;
} ddb_bytes;

typedef enum ddb_ftype {
    DDB_FT_STRING,
    DDB_FT_INT64,
    DDB_FT_DOUBLE,
    DDB_FT_BOOL,
    DDB_FT_BINARY
} ddb_ftype;

#define DDB_FIELD_NULLABLE 0x1u
#define DDB_FIELD_HASH_KEY 0x2u
#define DDB_FIELD_RANGE_KEY 0x4u

/* Marks a field without a presence flag. */
#define DDB_NO_PRESENCE ((size_t)-1)

typedef struct ddb_field {
    const char *name;   /* C field name, for messages */
    const char *attr;   /* DynamoDB attribute name */
    ddb_ftype type;
    unsigned flags;     /* DDB_FIELD_* */
    size_t offset;      /* offsetof the value */
    size_t has_offset;  /* offsetof the bool presence flag, or DDB_NO_PRESENCE */
} ddb_field;

typedef enum ddb_billing { DDB_BILLING_PAY_PER_REQUEST, DDB_BILLING_PROVISIONED } ddb_billing;

/* A model's connection slot (generated, one per model). Use the functions. */
typedef struct ddb_conn_slot {
    ddb_client *client;
} ddb_conn_slot;

typedef struct ddb_model {
    const char *name;       /* "<prefix>_<model>", for messages */
    const char *table;      /* DynamoDB table name */
    size_t size;            /* sizeof the struct */
    const ddb_field *fields;
    size_t n_fields;
    int hash_key;           /* index into fields */
    int range_key;          /* index into fields, -1 when none */
    ddb_billing billing;
    long long read_capacity, write_capacity; /* provisioned only */
    ddb_conn_slot *slot;
    /* Applies schema defaults to a zeroed struct (generated); NULL: none. */
    void (*defaults)(void *obj);
} ddb_model;

/* Options. Zero-initialised structs (or NULL pointers) mean defaults. */
typedef struct ddb_get_opts {
    bool consistent_read;
} ddb_get_opts;

typedef struct ddb_query_opts {
    bool consistent_read;
    bool descending;      /* ScanIndexForward = false */
    long long limit;      /* max items the iterator yields; 0: all */
    long long page_size;  /* Limit sent per request; 0: DynamoDB's */
} ddb_query_opts;

typedef struct ddb_scan_opts {
    bool consistent_read;
    long long limit;
    long long page_size;
} ddb_scan_opts;

typedef struct ddb_table_opts {
    bool wait;            /* wait until ACTIVE (create) or gone (delete) */
    long timeout_ms;      /* for wait; 0: 60000 */
} ddb_table_opts;

/*
 * Value constructors used by generated builders: like the ddb_av_*
 * constructors, but NULL-safe (a NULL string records DDB_EINVAL and returns
 * NULL, which the expression builders turn into an error node).
 */
ddb_av *ddb_val_string(const char *s);
ddb_av *ddb_val_int64(int64_t v);
ddb_av *ddb_val_double(double v);
ddb_av *ddb_val_bool(bool v);
ddb_av *ddb_val_bytes(ddb_bytes v);

/* Used by generated defaults: a malloc'ed copy of `s` (NULL on ENOMEM, with
 * the error recorded), and bytes decoded from base64 ({NULL, 0} on error). */
char *ddb_strdup(const char *s);
ddb_bytes ddb_bytes_from_base64(const char *b64);

/*
 * Argument gates: generated functions are wrapped in macros that pass each
 * typed argument through one of these, so an argument of the wrong type is
 * a hard compile error (a _Generic without a matching association), not
 * just a conversion warning. Integer gates refuse floating point and
 * pointers; string gates refuse everything but char pointers.
 */
#define DDB_ARG_INT64(v)                                                                         \
    _Generic((v), signed char: (v), short: (v), int: (v), long: (v), long long: (v),              \
             unsigned char: (v), unsigned short: (v), unsigned int: (v))
#define DDB_ARG_DOUBLE(v)                                                                        \
    _Generic((v), float: (v), double: (v), signed char: (v), short: (v), int: (v), long: (v),     \
             long long: (v), unsigned char: (v), unsigned short: (v), unsigned int: (v))
#define DDB_ARG_BOOL(v) _Generic((v), _Bool: (v), int: (v))
#define DDB_ARG_STRING(v) _Generic((v), char *: (v), const char *: (v))
#define DDB_ARG_BYTES(v) _Generic((v), ddb_bytes: (v))
/* Pointer to a model struct T (const allowed or not). */
#define DDB_ARG_PTR(T, v) _Generic((v), T *: (v))
#define DDB_ARG_CPTR(T, v) _Generic((v), T *: (v), const T *: (v))

/* --- connection slot --- */
/* Binds `c` (borrowed; NULL unbinds) to the model. */
void ddb_model_use_client(const ddb_model *m, ddb_client *c);
/* The client a call on `m` would use now (bound, else default); NULL when
 * none can be created (error recorded). */
ddb_client *ddb_model_client(const ddb_model *m);

/* --- struct <-> item --- */
/* Frees what `obj` owns and zeroes it (no defaults applied). */
void ddb_model_clear(const ddb_model *m, void *obj);
/* Zeroes `obj` and applies the schema defaults (does not free). */
void ddb_model_init(const ddb_model *m, void *obj);
/* Builds the item (owned by the caller). DDB_EINVAL when a non-nullable
 * string/binary is absent (message names "<model>.<field>"), or a double is
 * not finite. */
int ddb_model_to_item(const ddb_model *m, const void *obj, ddb_av **out);
/* Builds the key map of `obj` (only the key fields are read). */
int ddb_model_key(const ddb_model *m, const void *obj, ddb_av **out);
/* Builds a key map from key values (see ddb_model_get). */
int ddb_model_key_of(const ddb_model *m, const void *hash, const void *range, ddb_av **out);
/* Fills `obj` from `item`. `obj` must be freshly cleared/initialised; fields
 * absent from the item keep their values. DDB_ETYPE when an attribute has
 * the wrong type (message names the attribute, expected and actual type).
 * On failure `obj` may be partially filled; clear it. */
int ddb_model_from_item(const ddb_model *m, const ddb_av *item, void *obj);

/* --- item operations; `cond`/`actions` are consumed (freed) in every case --- */
int ddb_model_put(const ddb_model *m, const void *obj, ddb_cond *cond);
/*
 * Key values are passed as pointers to a value of the key field's C type
 * (char **, int64_t *, double *, ddb_bytes *); `range` is NULL for models
 * without a range key.
 */
/* Reads one item; on success clears `out`, applies defaults, fills it, and
 * returns 0. DDB_ENOTFOUND when there is no such item (`out` unchanged). */
int ddb_model_get(const ddb_model *m, void *out, const void *hash, const void *range,
                  const ddb_get_opts *opts);
int ddb_model_delete(const ddb_model *m, const void *obj, ddb_cond *cond);
/* Applies `actions` to the item with the key of `obj` (created if absent,
 * as DynamoDB does), then refreshes `obj` from the new item (ALL_NEW). */
int ddb_model_update(const ddb_model *m, void *obj, ddb_update *actions, ddb_cond *cond);

/* --- iteration --- */
typedef struct ddb_iter ddb_iter;

/* Query by hash key value `hash` (see above); `range` (may be NULL) is a key
 * condition on the range key; `filter` (may be NULL) a filter; both are
 * consumed. Creates a lazy iterator (owned by the caller, ddb_iter_free);
 * no request is sent until the first ddb_iter_next. */
int ddb_model_query(ddb_iter **out, const ddb_model *m, const void *hash, ddb_cond *range,
                    ddb_cond *filter, const ddb_query_opts *opts);
int ddb_model_scan(ddb_iter **out, const ddb_model *m, ddb_cond *filter, const ddb_scan_opts *opts);
/* Clears `obj`, applies defaults, fills it with the next item: returns 1,
 * 0 at the end, or a negative DDB_E*. Fetches pages as needed. */
int ddb_iter_next(ddb_iter *it, void *obj);
void ddb_iter_free(ddb_iter *it);

/* --- tables --- */
int ddb_model_create_table(const ddb_model *m, const ddb_table_opts *opts);
int ddb_model_delete_table(const ddb_model *m, const ddb_table_opts *opts);

#ifdef __cplusplus
}
#endif

#endif /* DDB_MODEL_H */
