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

#include "ddb/export.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ddb/av.h"
#include "ddb/client.h"
#include "ddb/expr.h"
#include "ddb/keyring.h"
#include "ddb/ops.h"

#ifdef __cplusplus
#include <type_traits> /* the argument gates (below) */
extern "C" {
#endif

/* A binary value. `data` is malloc'ed and owned by the containing struct. */
typedef struct ddb_bytes {
    unsigned char *data;
    size_t len;
} ddb_bytes;

/* A UTC instant with microsecond precision (PynamoDB's utc_datetime). */
typedef struct ddb_time {
    int64_t sec;   /* seconds since 1970-01-01T00:00:00Z */
    int32_t usec;  /* 0 .. 999999 */
} ddb_time;

/* "2024-01-02T03:04:05.000006+0000" plus the NUL. */
#define DDB_TIME_TEXT_SIZE 32

/* Formats `t` as PynamoDB does (%Y-%m-%dT%H:%M:%S.%f+0000) into `out`.
 * DDB_EINVAL outside years 1..9999 or with usec outside 0..999999. */
DDB_API int ddb_time_format(ddb_time t, char out[DDB_TIME_TEXT_SIZE]);
/* Parses that format, also accepting "+00:00" or "Z" for the zone, 1 to 4
 * year digits and 1..9 fraction digits (or none). Digits beyond the
 * microsecond must be zeros: a finer instant is DDB_EINVAL, never rounded.
 * 0 or DDB_EINVAL. Reentrant. */
DDB_API int ddb_time_parse(const char *text, size_t len, ddb_time *out);

/* Sets; an empty set is stored as an absent attribute (DynamoDB rule).
 * Elements are owned by the set (malloc'ed). Number elements are decimal
 * text, kept exactly. */
typedef struct ddb_strset {
    char **items;
    size_t n;
} ddb_strset;

typedef struct ddb_numset {
    char **items;
    size_t n;
} ddb_numset;

typedef struct ddb_binset {
    ddb_bytes *items;
    size_t n;
} ddb_binset;

/* Layout of every typed list: generated list structs ({T *items; size_t n})
 * have this layout (checked with _Static_assert in generated code). */
typedef struct ddb_list {
    void *items;
    size_t n;
} ddb_list;

/*
 * Field types. Each has one C representation (docs/generated.md):
 *   STRING char*, INT64 int64_t, DOUBLE double, BOOL bool, BINARY ddb_bytes,
 *   DECIMAL char* (number text), DATETIME ddb_time, JSON char* (JSON text),
 *   STRING_SET ddb_strset, NUMBER_SET ddb_numset, BINARY_SET ddb_binset,
 *   LIST a generated {T *items; size_t n} (element: `elem`, `elem_size`,
 *   `sub` for maps), MAP a generated struct (descriptor `sub`),
 *   DOCUMENT ddb_av* (any value), NULL bool (true: stored as NULL),
 *   TTL int64_t (epoch seconds), VERSION int64_t (0: never saved),
 *   DISCRIMINATOR char* (set by the generated init of each subclass).
 */
typedef enum ddb_ftype {
    DDB_FT_STRING,
    DDB_FT_INT64,
    DDB_FT_DOUBLE,
    DDB_FT_BOOL,
    DDB_FT_BINARY,
    DDB_FT_DECIMAL,
    DDB_FT_DATETIME,
    DDB_FT_JSON,
    DDB_FT_STRING_SET,
    DDB_FT_NUMBER_SET,
    DDB_FT_BINARY_SET,
    DDB_FT_LIST,
    DDB_FT_MAP,
    DDB_FT_DOCUMENT,
    DDB_FT_NULL,
    DDB_FT_TTL,
    DDB_FT_VERSION,
    DDB_FT_DISCRIMINATOR
} ddb_ftype;

#define DDB_FIELD_NULLABLE 0x1u
#define DDB_FIELD_HASH_KEY 0x2u
#define DDB_FIELD_RANGE_KEY 0x4u
/* default_for_new: the default is written only when the item is created
 * (update: if_not_exists), never over a stored value. */
#define DDB_FIELD_DEFAULT_FOR_NEW 0x8u

/* Marks a field without a presence flag. */
#define DDB_NO_PRESENCE ((size_t)-1)

struct ddb_model;

/*
 * What stands between a field's C value and the attribute DynamoDB stores
 * (schema options; docs/compression.md). A field without options has none
 * (codec NULL).
 *
 * compress: the value (string, binary or json) is stored as B: one codec
 * byte, then for DDB_COMPRESS_ZLIB the decompressed length (unsigned
 * LEB128) and a zlib stream (RFC 1950, deterministic: the same value gives
 * the same bytes with one zlib build), for DDB_COMPRESS_RAW the value's
 * bytes as they are. Values shorter than `min_size` bytes, or that zlib
 * would not shrink, are stored raw. A stored value whose decompressed size
 * exceeds `max_size` is refused before it is inflated (DDB_ETYPE), as is
 * a stream that inflates to another size or a codec byte not listed here.
 */
typedef enum ddb_compress_codec {
    DDB_COMPRESS_RAW = 0x00,  /* the value's bytes as they are */
    DDB_COMPRESS_ZLIB = 0x01  /* LEB128 length + zlib stream */
} ddb_compress_codec;

/*
 * encrypt (docs/encryption.md): the value is stored as B in the encrypted
 * form of runtime/src/crypt.h, under the model's keyring (after
 * compression, when both are set). DDB_ENCRYPT_RANDOM: AES-256-GCM, bound
 * to the table, the attribute and the item's key; DDB_ENCRYPT_DETERMINISTIC:
 * AES-256-SIV, equal values encrypt equally (equality conditions and key
 * lookups work), bound to the table and the attribute only.
 */
typedef enum ddb_encrypt_mode {
    DDB_ENCRYPT_NONE = 0,
    DDB_ENCRYPT_RANDOM = 1,
    DDB_ENCRYPT_DETERMINISTIC = 2
} ddb_encrypt_mode;

/*
 * s3 (docs/s3.md): the value (string, binary or json; compressed first
 * when `compress` is set) lives in S3, in bucket `s3_bucket` under the key
 * <s3_prefix><table>/<attribute>/<item digest>/<content digest> (SHA-256,
 * hex: identical values of one item's attribute are uploaded once), and
 * DynamoDB stores S "s3://<bucket>/<key>". Model write operations upload
 * before writing, remove what a failed write uploaded and what a write
 * replaced; reads fetch the body.
 */
typedef struct ddb_field_codec {
    bool compress;       /* stored compressed (see above) */
    ddb_encrypt_mode encrypt; /* stored encrypted (see above) */
    const char *s3_bucket;    /* S3-backed when not NULL (see above) */
    const char *s3_prefix;    /* key prefix, "" or ending in '/' */
    int level;           /* zlib level 1..9; 0: 6 */
    size_t min_size;     /* shorter values are stored raw; 0: 128 */
    size_t max_size;     /* bound on the decompressed size; 0: 16 MiB */
} ddb_field_codec;

typedef struct ddb_field {
    const char *name;   /* C field name, for messages */
    const char *attr;   /* DynamoDB attribute name */
    ddb_ftype type;
    unsigned flags;     /* DDB_FIELD_* */
    size_t offset;      /* offsetof the value */
    size_t has_offset;  /* offsetof the bool presence flag, or DDB_NO_PRESENCE */
    ddb_ftype elem;     /* LIST: the element type (never LIST); else unused */
    size_t elem_size;   /* LIST: sizeof one element; 0 for an untyped list (ddb_av *) */
    const struct ddb_model *sub; /* MAP, and LIST of MAP: the map's descriptor */
    const ddb_field_codec *codec; /* NULL: stored as its type says (above) */
} ddb_field;

typedef enum ddb_billing { DDB_BILLING_PAY_PER_REQUEST, DDB_BILLING_PROVISIONED } ddb_billing;

typedef enum ddb_index_projection {
    DDB_INDEX_ALL,
    DDB_INDEX_KEYS_ONLY,
    DDB_INDEX_INCLUDE
} ddb_index_projection;

/* A secondary index of a model's table. */
typedef struct ddb_index {
    const char *name;
    bool global;                   /* GSI; false: LSI */
    int hash_key, range_key;       /* indexes into the model's fields; range -1: none */
    ddb_index_projection projection;
    const char *const *include;    /* INCLUDE: attribute names */
    size_t n_include;
    long long read_capacity, write_capacity; /* GSI of a provisioned table */
} ddb_index;

/* A model's connection slot (generated, one per model). Use the functions. */
typedef struct ddb_conn_slot {
    ddb_client *client;
    ddb_keyring *keyring;
    ddb_client *s3; /* S3-backed attributes: a client of service "s3" */
} ddb_conn_slot;

/*
 * A model (a table's items) or a map (a nested struct; table NULL, no keys,
 * no slot). Generated; immutable.
 */
typedef struct ddb_model {
    const char *name;       /* "<prefix>_<model>", for messages */
    const char *table;      /* DynamoDB table name; NULL for maps */
    size_t size;            /* sizeof the struct */
    const ddb_field *fields;
    size_t n_fields;
    int hash_key;           /* index into fields; -1 for maps */
    int range_key;          /* index into fields, -1 when none */
    ddb_billing billing;
    long long read_capacity, write_capacity; /* provisioned only */
    ddb_conn_slot *slot;    /* NULL for maps */
    /* Applies schema defaults to a zeroed struct (generated); NULL: none. */
    void (*defaults)(void *obj);
    const ddb_index *indexes;
    size_t n_indexes;
    int version_field;      /* index of the VERSION field, -1: none */
    int ttl_field;          /* index of the TTL field, -1: none */
    /* keep_unknown: offset of a `ddb_av *` (M) holding the attributes the
     * schema does not declare, written back on save; DDB_NO_PRESENCE: dropped. */
    size_t unknown_offset;
    /* Polymorphic models: the DISCRIMINATOR field and this model's value
     * (NULL for the base model, whose query/scan return every kind). */
    int discriminator_field;
    const char *discriminator_value;
    int stream;             /* a ddb_stream_view (ddb/ops.h); 0: none */
} ddb_model;

/*
 * Options (docs/conventions.md): start from the _INIT macro (or set
 * `version` to the _VERSION constant), then set what you need; a NULL
 * pointer means the defaults. Another version is DDB_EINVAL. Options are
 * only read during the call; `consumed` is the one output: when not NULL
 * it receives the capacity units DynamoDB reported for the call's
 * requests (0 when it reported none or nothing was sent).
 */
typedef struct ddb_get_opts {
    unsigned version;     /* DDB_GET_OPTS_VERSION */
    bool consistent_read;
    /* Projection (ddb/query.h): attribute paths, DynamoDB names; the key is
     * always read; absent attributes keep their defaults. NULL/0: all. */
    const char *const *attributes;
    size_t n_attributes;
    double *consumed;     /* out (get, exists, refresh): read capacity units; may be NULL */
    /* The client of this one call (borrowed); NULL: the model's (ddb_model_client). */
    ddb_client *client;
} ddb_get_opts;

#define DDB_GET_OPTS_VERSION 2
#define DDB_GET_OPTS_INIT {.version = DDB_GET_OPTS_VERSION}
/* A pointer to options made in place, safe inside macro arguments:
 * forum_thread_get(&t, "C", "x", DDB_GET_OPTS(.consistent_read = true)). */
#define DDB_GET_OPTS(...) (&(ddb_get_opts){.version = DDB_GET_OPTS_VERSION, __VA_ARGS__})

typedef struct ddb_table_opts {
    unsigned version;     /* DDB_TABLE_OPTS_VERSION */
    bool wait;            /* wait until ACTIVE (create, update) or gone (delete) */
    long timeout_ms;      /* for wait; 0: 60000 */
    const ddb_tag *tags;  /* create: tags of the new table (ddb/ops.h) */
    size_t n_tags;
    /* The client of this one call (borrowed); NULL: the model's (ddb_model_client). */
    ddb_client *client;
} ddb_table_opts;

#define DDB_TABLE_OPTS_VERSION 2
#define DDB_TABLE_OPTS_INIT {.version = DDB_TABLE_OPTS_VERSION}
#define DDB_TABLE_OPTS(...) (&(ddb_table_opts){.version = DDB_TABLE_OPTS_VERSION, __VA_ARGS__})

/*
 * Values made by generated defaults; each is owned by the caller (free it
 * with the matching _clear below, or let the struct holding it own it).
 * ddb_strdup: a malloc'ed copy of `s` (NULL on ENOMEM, error recorded).
 * ddb_bytes_from_base64: decoded bytes ({NULL, 0} on error). The set
 * constructors copy n elements from `items` ({NULL, 0} on ENOMEM).
 * ddb_time_of: a time from PynamoDB's text ({0, 0} when invalid).
 * Thread safety: reentrant.
 */
DDB_API char *ddb_strdup(const char *s);
DDB_API ddb_bytes ddb_bytes_from_base64(const char *b64);
DDB_API ddb_strset ddb_strset_of(const char *const *items, size_t n);
DDB_API ddb_numset ddb_numset_of(const char *const *items, size_t n);
DDB_API ddb_binset ddb_binset_of_base64(const char *const *items, size_t n);
DDB_API ddb_time ddb_time_of(const char *text);

/*
 * Freeing values a program builds: each frees what the value owns (its
 * bytes, its elements) and zeroes it; NULL-safe. Builders and operations
 * copy the values they are given, so a value passed to a builder is still
 * the caller's to free. A char * value is freed with free(), a ddb_av *
 * with ddb_av_free, a generated map struct with <prefix>_<map>_clear, a
 * generated typed list with <list type>_clear (which calls ddb_list_clear:
 * `list` points to a {T *items; size_t n} of elements of type `elem`,
 * `elem_size` bytes each, `sub` the map descriptor for lists of maps).
 */
DDB_API void ddb_bytes_clear(ddb_bytes *b);
DDB_API void ddb_strset_clear(ddb_strset *set);
DDB_API void ddb_numset_clear(ddb_numset *set);
DDB_API void ddb_binset_clear(ddb_binset *set);
DDB_API void ddb_list_clear(void *list, ddb_ftype elem, size_t elem_size, const ddb_model *sub);

/*
 * Typed builders' entry points: every generated condition, key-range and
 * update builder is one call to one of these.
 *
 * `path` is the attribute's path in the ddb/expr.h syntax ("author.name");
 * a "[]" in it (an element of a typed list: "replies[].by", "tags[]") is
 * replaced by "[index]", else `index` is ignored. `f` is the field the path
 * ends at. `v` points to a value of the field's C type (ddb_ftype above),
 * except: comparisons on a path ending in "[]" take an element; CONTAINS
 * takes a list element, set member or substring; DDB_OP_SIZE_* take a
 * size_t; DDB_OP_IS_TYPE a ddb_av_type; EXISTS, NOT_EXISTS and
 * DDB_ACT_REMOVE take none (NULL). ddb_field_in takes an array of n values
 * (1..100). Values are copied: what `v` points to stays the caller's.
 * int64 and ttl ADD/INCR/DECR are range-guarded (ddb_update_add_int64).
 *
 * Returns a new node (the caller owns it; operations and the combinators
 * take it over). A value the codec refuses (NaN, a duplicate set member,
 * invalid JSON text), an operation the field's type does not offer, or a
 * path that does not fit gives an error node: the error is recorded and the
 * operation it is passed to fails with it. Thread safety: reentrant.
 */
typedef enum ddb_cond_op {
    DDB_OP_EQ, DDB_OP_NE, DDB_OP_LT, DDB_OP_LE, DDB_OP_GT, DDB_OP_GE,
    DDB_OP_BEGINS_WITH, DDB_OP_CONTAINS,
    DDB_OP_SIZE_EQ, DDB_OP_SIZE_NE, DDB_OP_SIZE_LT, DDB_OP_SIZE_LE, DDB_OP_SIZE_GT, DDB_OP_SIZE_GE,
    DDB_OP_IS_TYPE, DDB_OP_EXISTS, DDB_OP_NOT_EXISTS
} ddb_cond_op;

typedef enum ddb_action {
    DDB_ACT_SET,           /* path = v */
    DDB_ACT_SET_IF_ABSENT, /* path = if_not_exists(path, v) */
    DDB_ACT_ADD,           /* ADD path v (numbers, sets) */
    DDB_ACT_INCR,          /* path = path + v */
    DDB_ACT_DECR,          /* path = path - v */
    DDB_ACT_APPEND,        /* path = list_append(path, v) */
    DDB_ACT_PREPEND,       /* path = list_append(v, path) */
    DDB_ACT_DELETE,        /* DELETE path v (set members) */
    DDB_ACT_REMOVE         /* REMOVE path */
} ddb_action;

DDB_API ddb_cond *ddb_field_cond(const char *path, size_t index, const ddb_field *f, ddb_cond_op op, const void *v);
DDB_API ddb_cond *ddb_field_between(const char *path, size_t index, const ddb_field *f, const void *low,
                            const void *high);
DDB_API ddb_cond *ddb_field_in(const char *path, size_t index, const ddb_field *f, const void *values, size_t n);
DDB_API ddb_update *ddb_field_update(const char *path, size_t index, const ddb_field *f, ddb_action act, const void *v);

/*
 * Argument gates: generated functions are wrapped in same-named macros that
 * pass each argument whose C conversion would be silent (an integer for a
 * double, a double for an int64, a pointer of another type) through one of
 * these. An argument of another type selects the `default:` association, a
 * struct whose name reads as the compiler's message:
 *     forum_thread_views_gt("ten")
 *     error: incompatible type for argument 1 of 'forum_thread_views_gt'
 *     note: expected 'int64_t' but argument is of type
 *           'struct ddb_expected_an_int64_argument'
 * Struct-typed parameters (ddb_bytes, ddb_time, sets, generated lists and
 * maps, condition and action handles) need no gate: C never converts them.
 */
struct ddb_expected_an_int64_argument { char integer_types_without_unsigned_long; };
struct ddb_expected_a_double_argument { char floating_or_integer_types; };
struct ddb_expected_a_bool_argument { char bool_or_int; };
struct ddb_expected_a_string_argument { char char_pointer; };
struct ddb_expected_a_ddb_av_pointer_argument { char ddb_av_pointer; };
struct ddb_expected_an_array_of_the_attribute_type { char pointer_to_attribute_values; };
struct ddb_expected_an_integer_size_or_index { char integer_types; };
struct ddb_expected_a_pointer_to_the_model_struct { char model_struct_pointer; };

#ifndef __cplusplus
#define DDB_ARG_INT64(v)                                                                         \
    _Generic((v), signed char: (v), short: (v), int: (v), long: (v), long long: (v),              \
             unsigned char: (v), unsigned short: (v), unsigned int: (v),                           \
             default: (struct ddb_expected_an_int64_argument){0})
#define DDB_ARG_DOUBLE(v)                                                                        \
    _Generic((v), float: (v), double: (v), signed char: (v), short: (v), int: (v), long: (v),     \
             long long: (v), unsigned char: (v), unsigned short: (v), unsigned int: (v),           \
             default: (struct ddb_expected_a_double_argument){0})
#define DDB_ARG_BOOL(v) _Generic((v), _Bool: (v), int: (v), default: (struct ddb_expected_a_bool_argument){0})
#define DDB_ARG_STRING(v)                                                                        \
    _Generic((v), char *: (v), const char *: (v), default: (struct ddb_expected_a_string_argument){0})
#define DDB_ARG_DOCUMENT(v)                                                                      \
    _Generic((v), ddb_av *: (v), const ddb_av *: (v), default: (struct ddb_expected_a_ddb_av_pointer_argument){0})
/* An array of T (const or not), for IN builders. */
#define DDB_ARG_ARRAY(T, v)                                                                      \
    _Generic((v), T *: (v), T const *: (v), default: (struct ddb_expected_an_array_of_the_attribute_type){0})
/* A size or an index: any integer type but bool (size_t is one of them). */
#define DDB_ARG_SIZE(v)                                                                          \
    _Generic((v), char: (v), signed char: (v), unsigned char: (v), short: (v), unsigned short: (v), \
             int: (v), unsigned int: (v), long: (v), unsigned long: (v), long long: (v),           \
             unsigned long long: (v), default: (struct ddb_expected_an_integer_size_or_index){0})
/* Pointer to a model struct T (const allowed or not). */
#define DDB_ARG_PTR(T, v) _Generic((v), T *: (v), default: (struct ddb_expected_a_pointer_to_the_model_struct){0})
#define DDB_ARG_CPTR(T, v)                                                                       \
    _Generic((v), T *: (v), const T *: (v), default: (struct ddb_expected_a_pointer_to_the_model_struct){0})
#else /* __cplusplus */
/*
 * The same gates in C++ (no _Generic there): a function template that
 * passes its argument through unchanged, as the C association does, and
 * whose static_assert names the expected type. The argument is deduced as
 * _Generic sees it (arrays and functions decayed, top-level const and
 * volatile dropped); each gate accepts exactly the types of its C list.
 * C++ differs from C in the types of some expressions: 'a' is a char,
 * true, false and comparisons are bool, a string literal is a const char
 * array, an enumerator has its enumeration's type. An unscoped enumeration
 * is taken as its underlying type (what C's compatible type is); scoped
 * enumerations, nullptr and the character types wchar_t, char8_t,
 * char16_t, char32_t are not in any list (docs/generated.md).
 */
} /* extern "C" */
namespace ddb_arg_gate {
template <class A, class B> struct same { static constexpr bool value = false; };
template <class A> struct same<A, A> { static constexpr bool value = true; };
template <class T, class... L> struct one_of { static constexpr bool value = false; };
template <class T, class H, class... L> struct one_of<T, H, L...> {
    static constexpr bool value = same<T, H>::value || one_of<T, L...>::value;
};
/* An unscoped enumeration as its underlying type; anything else as it is. */
template <class T, bool = std::is_enum<T>::value && std::is_convertible<T, int>::value> struct as_c {
    typedef T type;
};
template <class T> struct as_c<T, true> { typedef typename std::underlying_type<T>::type type; };

template <class T> struct int64_ok {
    static constexpr bool value = one_of<typename as_c<T>::type, signed char, short, int, long, long long,
                                         unsigned char, unsigned short, unsigned int>::value;
};
template <class T> struct double_ok {
    static constexpr bool value = one_of<T, float, double>::value || int64_ok<T>::value;
};
template <class T> struct bool_ok {
    static constexpr bool value = one_of<typename as_c<T>::type, bool, int>::value;
};
template <class T> struct size_ok {
    static constexpr bool value =
        one_of<typename as_c<T>::type, char, signed char, unsigned char, short, unsigned short, int,
               unsigned int, long, unsigned long, long long, unsigned long long>::value;
};

template <class V> constexpr V int64_arg(V v) noexcept {
    static_assert(int64_ok<V>::value, "ddb: expected an int64 argument (integer types but unsigned long, "
                                      "unsigned long long, char and bool)");
    return v;
}
template <class V> constexpr V double_arg(V v) noexcept {
    static_assert(double_ok<V>::value, "ddb: expected a double argument (floating or integer types but "
                                       "long double, unsigned long, unsigned long long, char and bool)");
    return v;
}
template <class V> constexpr V bool_arg(V v) noexcept {
    static_assert(bool_ok<V>::value, "ddb: expected a bool argument (bool or int)");
    return v;
}
template <class V> constexpr V string_arg(V v) noexcept {
    static_assert(one_of<V, char *, const char *>::value,
                  "ddb: expected a string argument (char * or const char *)");
    return v;
}
template <class V> constexpr V document_arg(V v) noexcept {
    static_assert(one_of<V, ddb_av *, const ddb_av *>::value,
                  "ddb: expected a ddb_av pointer argument (ddb_av * or const ddb_av *)");
    return v;
}
template <class T, class V> constexpr V array_arg(V v) noexcept {
    static_assert(one_of<V, T *, const T *>::value,
                  "ddb: expected an array of the attribute type (T * or const T *)");
    return v;
}
template <class V> constexpr V size_arg(V v) noexcept {
    static_assert(size_ok<V>::value, "ddb: expected an integer size or index (integer types but bool)");
    return v;
}
template <class T, class V> constexpr V ptr_arg(V v) noexcept {
    static_assert(same<V, T *>::value, "ddb: expected a pointer to the model struct (T *)");
    return v;
}
template <class T, class V> constexpr V cptr_arg(V v) noexcept {
    static_assert(one_of<V, T *, const T *>::value,
                  "ddb: expected a pointer to the model struct (T * or const T *)");
    return v;
}
} /* namespace ddb_arg_gate */
extern "C" {

#define DDB_ARG_INT64(v) (::ddb_arg_gate::int64_arg((v)))
#define DDB_ARG_DOUBLE(v) (::ddb_arg_gate::double_arg((v)))
#define DDB_ARG_BOOL(v) (::ddb_arg_gate::bool_arg((v)))
#define DDB_ARG_STRING(v) (::ddb_arg_gate::string_arg((v)))
#define DDB_ARG_DOCUMENT(v) (::ddb_arg_gate::document_arg((v)))
#define DDB_ARG_ARRAY(T, v) (::ddb_arg_gate::array_arg<T>((v)))
#define DDB_ARG_SIZE(v) (::ddb_arg_gate::size_arg((v)))
#define DDB_ARG_PTR(T, v) (::ddb_arg_gate::ptr_arg<T>((v)))
#define DDB_ARG_CPTR(T, v) (::ddb_arg_gate::cptr_arg<T>((v)))
#endif /* __cplusplus */

/* --- console URLs --- */

/* The AWS console pages of a model: its table's overview, its items, one item. */
typedef enum ddb_console_view {
    DDB_CONSOLE_TABLE,
    DDB_CONSOLE_ITEMS,
    DDB_CONSOLE_ITEM
} ddb_console_view;

/*
 * Appends to `out` the AWS console URL of `view` for model `m` in `region`
 * (NULL: the region of the client the model would use now; China and
 * GovCloud regions get their partitions' consoles). DDB_CONSOLE_ITEM needs
 * `obj`, an object of the model whose key it shows (binary keys as
 * base64); the other views ignore it. Every name and key value is
 * percent-encoded (RFC 3986), so any key makes a valid URL. 0, DDB_EINVAL
 * (no region, no object, a missing key value), DDB_ENOMEM; `out` is
 * unchanged on failure. Thread safety: reentrant.
 */
DDB_API int ddb_model_console_url(ddb_buf *out, const ddb_model *m, const char *region, ddb_console_view view,
                                  const void *obj);

/* --- connections (docs/connections.md) ---
 *
 * The client a call on a model uses, first found of:
 *   1. the client given to that call (the `client` member of its options);
 *   2. this thread's override (ddb_thread_use_client, a thread scope);
 *   3. the model's binding (ddb_model_use_client, a process scope);
 *   4. the process default (ddb_default_client).
 * Clients are borrowed everywhere here: each must outlive the calls that
 * may use it. No function changes an environment variable. Thread safety:
 * bindings are shared by every thread and safe to change from any; thread
 * overrides are the calling thread's own. */

/* Binds `c` (NULL unbinds) to the model, for every thread. */
DDB_API void ddb_model_use_client(const ddb_model *m, ddb_client *c);
/* ddb_model_use_client for each of n models. */
DDB_API void ddb_models_use_client(const ddb_model *const *models, size_t n, ddb_client *c);
/* The model's binding, NULL when unbound. */
DDB_API ddb_client *ddb_model_bound_client(const ddb_model *m);
/* The client a call on `m` without its own would use now (rules 2 to 4);
 * NULL when none can be created (error recorded). */
DDB_API ddb_client *ddb_model_client(const ddb_model *m);

/* Overrides the model's client for the calling thread only (NULL removes
 * the override). 0, DDB_EINVAL (a map), DDB_ELIMIT (the thread overrides
 * DDB_THREAD_OVERRIDES_MAX models already). Overrides left when a thread
 * ends cost nothing (a fixed per-thread array). */
#define DDB_THREAD_OVERRIDES_MAX 64
DDB_API int ddb_thread_use_client(const ddb_model *m, ddb_client *c);
/* The calling thread's override of `m`, NULL when none. */
DDB_API ddb_client *ddb_thread_client(const ddb_model *m);
/* Back to the default: unbinds the model and removes this thread's
 * override. */
DDB_API void ddb_model_reset_client(const ddb_model *m);

/*
 * A scope: a client for a group of models until ddb_client_scope_end,
 * which restores what each had (nested scopes unwind in order). Kinds:
 * DDB_SCOPE_THREAD overrides for the calling thread only (begin and end on
 * that thread); DDB_SCOPE_PROCESS rebinds for every thread (meant for
 * set-up code: two threads running process scopes on one model restore
 * each other's values). A NULL client, or no models, is a scope that
 * changes nothing. ddb_client_scope_keep ends the scope leaving the
 * overrides in place (restore_on_exit = false), until reset or replaced.
 * begin: 0, DDB_EINVAL (a map, an unknown kind), DDB_ELIMIT (over
 * DDB_SCOPE_MODELS_MAX models, or the thread's override limit); on
 * failure nothing is changed. The struct is the caller's (no allocation).
 *
 *     ddb_client_scope s;
 *     const ddb_model *const group[] = {&forum_thread_model, &forum_reply_model};
 *     if (ddb_client_scope_begin(&s, DDB_SCOPE_THREAD, other_account, group, 2) == 0) {
 *         ... calls on these models use other_account, in this thread ...
 *         ddb_client_scope_end(&s);
 *     }
 */
typedef enum ddb_scope_kind { DDB_SCOPE_THREAD = 1, DDB_SCOPE_PROCESS = 2 } ddb_scope_kind;
#define DDB_SCOPE_MODELS_MAX 32
typedef struct ddb_client_scope {
    ddb_scope_kind kind;
    size_t n;
    const ddb_model *models[DDB_SCOPE_MODELS_MAX];
    ddb_client *saved[DDB_SCOPE_MODELS_MAX];
} ddb_client_scope;

DDB_API int ddb_client_scope_begin(ddb_client_scope *s, ddb_scope_kind kind, ddb_client *c,
                                   const ddb_model *const *models, size_t n);
/* Restores each model's previous client; NULL-safe, idempotent. */
DDB_API void ddb_client_scope_end(ddb_client_scope *s);
/* Ends the scope without restoring. */
DDB_API void ddb_client_scope_keep(ddb_client_scope *s);

/* --- keyrings (encrypted attributes; docs/encryption.md) --- */
/* Binds keyring `k` (borrowed: it must outlive the calls that use it; NULL
 * unbinds) to the model; an unbound model uses the process default
 * keyring. Thread-safe. */
DDB_API void ddb_model_use_keyring(const ddb_model *m, ddb_keyring *k);
/* The keyring a call on `m` would use now: bound, else the default; NULL
 * when there is none (encrypting or decrypting then fails with
 * DDB_ECRYPTO). */
DDB_API ddb_keyring *ddb_model_keyring(const ddb_model *m);
/* Sets the process default keyring (borrowed; NULL clears it); the other
 * returns it. Thread-safe. */
DDB_API void ddb_default_keyring_set(ddb_keyring *k);
DDB_API ddb_keyring *ddb_default_keyring(void);

/*
 * Re-encrypts m's table under the key its keyring would use now (after
 * ddb_keyring_set_primary): scans every item and rewrites those holding an
 * encrypted attribute sealed under another key id, each write conditional
 * on those attributes being unchanged since the scan (a concurrent change
 * is counted in `conflicts` and left for a later run). Values sealed under
 * KMS data keys are left as they are (each has its own data key; rotate
 * the KMS key in KMS). An item that cannot be decrypted (tampered, an
 * unknown key) is left as it is and counted in `unreadable`; the scan goes
 * on, and the call then returns that error (DDB_ECRYPTO), naming the first
 * such item. *stats (may be NULL) says what was done, also on failure. 0,
 * or the code of a failing scan or write. Not atomic across items.
 */
typedef struct ddb_reencrypt_stats {
    size_t scanned;    /* items read */
    size_t rewritten;  /* items written back under the current key */
    size_t conflicts;  /* items changed by someone else meanwhile: not written */
    size_t unreadable; /* items that could not be decrypted: not written */
} ddb_reencrypt_stats;

DDB_API int ddb_model_reencrypt(ddb_reencrypt_stats *stats, const ddb_model *m);

/* --- S3-backed attributes (docs/s3.md) --- */
/* Binds an S3 client (service "s3"; borrowed; NULL unbinds) to the model;
 * an unbound model uses ddb_default_s3_client(). Thread-safe. */
DDB_API void ddb_model_use_s3(const ddb_model *m, ddb_client *s3);
/* The S3 client a call on `m` would use now; NULL when none can be made
 * (error recorded). */
DDB_API ddb_client *ddb_model_s3(const ddb_model *m);
/* The process default S3 client, made from the environment on first use
 * (AWS_ENDPOINT_URL_S3, ...); NULL when that fails (error recorded).
 * ddb_default_s3_client_set takes ownership of `c` (NULL clears it). */
DDB_API ddb_client *ddb_default_s3_client(void);
DDB_API void ddb_default_s3_client_set(ddb_client *c);

/*
 * Deferred bodies: a read that leaves S3-backed attributes out of its
 * projection (ddb_get_opts.attributes, ddb/query.h) makes no S3 request.
 * ddb_model_s3_fetch then fills each S3-backed field of `obj` that is
 * absent: one consistent GetItem of those attributes by obj's key, then
 * their bodies, verified as on every read. Fields that hold a value are
 * left alone; one the item does not have stays absent. DDB_ENOTFOUND when
 * the item is gone; on failure `obj` is unchanged. Thread safety: as
 * ddb_model_get (obj belongs to the caller).
 */
DDB_API int ddb_model_s3_fetch(const ddb_model *m, void *obj);

/*
 * Garbage collection of m's S3-backed attributes: lists the objects under
 * each attribute's <prefix><table>/<attribute>/ and deletes those no item
 * of the table references and last modified more than `grace_s` seconds
 * ago (an upload whose write is still in flight is younger), in
 * DeleteObjects of up to 1000 keys. *stats (may be NULL) says what was
 * done. 0, or the first failing call's code. Safe to run beside writers
 * when grace_s exceeds the longest write (minutes, not seconds).
 */
typedef struct ddb_s3_gc_stats {
    size_t items;       /* items scanned */
    size_t objects;     /* objects listed */
    size_t referenced;  /* of them referenced by an item */
    size_t young;       /* unreferenced, but within the grace period: kept */
    size_t deleted;     /* unreferenced and older: deleted */
} ddb_s3_gc_stats;

DDB_API int ddb_model_s3_gc(ddb_s3_gc_stats *stats, const ddb_model *m, long grace_s);

/* --- struct <-> item --- */
/* Frees what `obj` owns and zeroes it (no defaults applied). */
DDB_API void ddb_model_clear(const ddb_model *m, void *obj);
/* Zeroes `obj` and applies the schema defaults (does not free). */
DDB_API void ddb_model_init(const ddb_model *m, void *obj);
/* Builds the item (owned by the caller). DDB_EINVAL when a non-nullable
 * string/binary is absent (message names "<model>.<field>"), or a double is
 * not finite. */
DDB_API int ddb_model_to_item(ddb_av **out, const ddb_model *m, const void *obj);
/* Builds the key map of `obj` (only the key fields are read). */
DDB_API int ddb_model_key(ddb_av **out, const ddb_model *m, const void *obj);
/* Builds a key map from key values (see ddb_model_get). */
DDB_API int ddb_model_key_of(ddb_av **out, const ddb_model *m, const void *hash, const void *range);
/* Fills `obj` from `item`. `obj` must be freshly cleared/initialised; fields
 * absent from the item keep their values. DDB_ETYPE when an attribute has
 * the wrong type (message names the attribute, expected and actual type).
 * On failure `obj` may be partially filled; clear it. */
DDB_API int ddb_model_from_item(void *obj, const ddb_model *m, const ddb_av *item);

/* --- item operations; `cond`/`actions` are consumed (freed) in every case --- */
/* A model with a version field: the put is conditional on the stored version
 * being obj's (or absent for a never-saved obj) and writes version + 1, which
 * obj holds after success (PynamoDB's VersionAttribute); delete and update
 * check the version the same way. */
DDB_API int ddb_model_put(const ddb_model *m, void *obj, ddb_cond *cond);
/*
 * Key values are passed as pointers to a value of the key field's C type
 * (char **, int64_t *, double *, ddb_bytes *); `range` is NULL for models
 * without a range key.
 */
/* Reads one item; on success clears `out`, applies defaults, fills it, and
 * returns 0. DDB_ENOTFOUND when there is no such item (`out` unchanged). */
DDB_API int ddb_model_get(void *out, const ddb_model *m, const void *hash, const void *range,
                  const ddb_get_opts *opts);
DDB_API int ddb_model_delete(const ddb_model *m, const void *obj, ddb_cond *cond);

/* What a write returns (ReturnValues, ReturnValuesOnConditionCheckFailure). */
typedef struct ddb_write_opts {
    unsigned version;     /* DDB_WRITE_OPTS_VERSION */
    /* DDB_RETURN_NONE (default), ALL_OLD (put, update, delete), UPDATED_OLD,
     * ALL_NEW, UPDATED_NEW (update only). */
    ddb_return_values return_values;
    /* After DDB_ECONDITION, return the item as it was (no extra read). */
    bool return_old_on_failure;
    double *consumed;     /* out: write capacity units; may be NULL */
    /* The client of this one call (borrowed); NULL: the model's (ddb_model_client). */
    ddb_client *client;
} ddb_write_opts;

#define DDB_WRITE_OPTS_VERSION 2
#define DDB_WRITE_OPTS_INIT {.version = DDB_WRITE_OPTS_VERSION}
#define DDB_WRITE_OPTS(...) (&(ddb_write_opts){.version = DDB_WRITE_OPTS_VERSION, __VA_ARGS__})

/*
 * put/update/delete returning attributes: what DynamoDB returns is decoded
 * into `returned` (an initialised struct of the same model; may be NULL)
 * and *has_returned (may be NULL) says whether there was anything (an
 * ALL_OLD of a new item returns nothing). UPDATED_* views hold only the
 * updated attributes (others keep their defaults). update refreshes `obj`
 * only for NONE and ALL_NEW. After DDB_ECONDITION with
 * return_old_on_failure, `returned` holds the stored item and the call
 * still returns DDB_ECONDITION.
 */
DDB_API int ddb_model_put_ex(void *returned, bool *has_returned, const ddb_model *m, void *obj,
                     ddb_cond *cond, const ddb_write_opts *opts);
DDB_API int ddb_model_update_ex(void *returned, bool *has_returned, const ddb_model *m, void *obj,
                        ddb_update *actions, ddb_cond *cond, const ddb_write_opts *opts);
DDB_API int ddb_model_delete_ex(void *returned, bool *has_returned, const ddb_model *m, const void *obj,
                        ddb_cond *cond, const ddb_write_opts *opts);
/* Applies `actions` to the item with the key of `obj` (created if absent,
 * as DynamoDB does), then refreshes `obj` from the new item (ALL_NEW). */
DDB_API int ddb_model_update(const ddb_model *m, void *obj, ddb_update *actions, ddb_cond *cond);

/* --- tables --- */
DDB_API int ddb_model_create_table(const ddb_model *m, const ddb_table_opts *opts);
DDB_API int ddb_model_delete_table(const ddb_model *m, const ddb_table_opts *opts);
/* DescribeTable of the model's table; `out` as ddb_describe_table (free it
 * with ddb_table_output_free after every call). */
DDB_API int ddb_model_describe_table(ddb_table_output *out, const ddb_model *m);
/* Whether the table exists (DescribeTable; ResourceNotFound is "no"). */
DDB_API int ddb_model_table_exists(bool *out, const ddb_model *m);
/* Provisioned throughput of the table (switches it to PROVISIONED). */
DDB_API int ddb_model_update_throughput(const ddb_model *m, int64_t read, int64_t write, const ddb_table_opts *opts);
/* Turns TTL on or off for the model's ttl attribute (DDB_EINVAL without one). */
DDB_API int ddb_model_update_ttl(const ddb_model *m, bool enabled);

#ifdef __cplusplus
}
#endif


#endif /* DDB_MODEL_H */
