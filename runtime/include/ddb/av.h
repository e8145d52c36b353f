/*
 * ddb/av.h - DynamoDB AttributeValue tree (S N B SS NS BS M L NULL BOOL).
 *
 * The generic value model of libddb: low-level operations take and return
 * items as ddb_av maps; generated code converts its structs to and from it.
 *
 * Representation:
 *  - S: UTF-8 text; N: decimal number *text* (kept exactly as given, valid
 *    per ddb_number_check); B: raw bytes (base64 only on the wire). All
 *    three use `u.str`, whose `ptr` is always NUL-terminated (S and B may
 *    contain NULs; use `len`). The bytes live in the node's own allocation:
 *    read them, never replace `ptr`.
 *  - SS/NS/BS: `u.list` of S/N/B elements respectively.
 *  - L: `u.list` of any values. M: `u.map`, members in insertion order,
 *    names unique (byte strings with a length; NUL-terminated too).
 *  Read the fields freely; change trees only through these functions.
 *  S text is not checked for UTF-8 here: the JSON writer rejects invalid
 *  UTF-8 (as DynamoDB would).
 *
 * Ownership: every ddb_av is a heap node owned by exactly one parent or by
 * the caller. Constructors return a new node (NULL when out of memory, with
 * DDB_ENOMEM recorded, or on invalid input, with DDB_EINVAL recorded).
 * Functions that insert a child take ownership of it even when they fail
 * (the child is freed), so a call chain never leaks:
 *     rc = ddb_av_map_set(item, "n", ddb_av_n(text));
 * returns the constructor's DDB_EINVAL (message kept) if `text` is bad: a
 * NULL child or container is taken as "the constructor failed" and the
 * recorded DDB_ENOMEM/DDB_EINVAL is returned as is (else DDB_EINVAL is
 * recorded). ddb_av_free(NULL) is a no-op.
 *
 * Thread safety: a tree is plain data; concurrent reads are safe, writes
 * need external synchronisation.
 */
#ifndef DDB_AV_H
#define DDB_AV_H

#include "ddb/export.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ddb_av_type {
    DDB_AV_NULL = 0,
    DDB_AV_S,
    DDB_AV_N,
    DDB_AV_B,
    DDB_AV_BOOL,
    DDB_AV_SS,
    DDB_AV_NS,
    DDB_AV_BS,
    DDB_AV_L,
    DDB_AV_M
} ddb_av_type;

typedef struct ddb_av ddb_av;

typedef struct ddb_av_member {
    char *name; /* NUL-terminated */
    size_t name_len;
    ddb_av *value;
} ddb_av_member;

struct ddb_av {
    ddb_av_type type;
    union {
        bool boolean;
        struct {
            char *ptr; /* NUL-terminated */
            size_t len;
        } str; /* S, N, B */
        struct {
            ddb_av **items;
            size_t len, cap;
        } list; /* L, SS, NS, BS */
        struct {
            ddb_av_member *items;
            size_t len, cap;
        } map; /* M */
    } u;
};

/* Wire tag of a type: "S", "N", ..., "NULL", "BOOL"; "?" for other values. */
DDB_API const char *ddb_av_type_tag(ddb_av_type t);

/* --- constructors (return NULL on ENOMEM or invalid input, error recorded) --- */
/* Empty container, NULL, BOOL false, or empty S/N/B. An empty N is not a
 * valid number: the writer rejects it. */
DDB_API ddb_av *ddb_av_new(ddb_av_type t);
DDB_API ddb_av *ddb_av_null(void);
DDB_API ddb_av *ddb_av_bool(bool v);
DDB_API ddb_av *ddb_av_s(const char *s);                   /* copies; s must not be NULL */
DDB_API ddb_av *ddb_av_s_len(const char *s, size_t len);   /* copies len bytes */
DDB_API ddb_av *ddb_av_n(const char *text);                /* validates with ddb_number_check */
DDB_API ddb_av *ddb_av_n_i64(int64_t v);
/* Shortest of %.15g/%.16g/%.17g that reads back as exactly v, always with
 * '.' whatever the process locale. DDB_EINVAL for NaN, infinities, and
 * values outside DynamoDB's range (|v| >= 1E+126 or 0 < |v| < 1E-130). */
DDB_API ddb_av *ddb_av_n_double(double v);
DDB_API ddb_av *ddb_av_b(const void *data, size_t len);    /* copies */

/* --- containers: take ownership of `child` in every case --- */
/* Appends to L/SS/NS/BS. 0; DDB_ETYPE if `list` is not one of those or a
 * set's child is not its element type (S/N/B); DDB_ENOMEM. Sets are not
 * checked for repeated elements (DynamoDB rejects them). */
DDB_API int ddb_av_list_push(ddb_av *list, ddb_av *child);
/* Sets member `name` (copied) of M, replacing (and freeing) any previous
 * value in place, so member order is kept. 0; DDB_ETYPE if `map` is not M;
 * DDB_EINVAL for a NULL name; DDB_ENOMEM. */
DDB_API int ddb_av_map_set(ddb_av *map, const char *name, ddb_av *child);
/* As ddb_av_map_set, for a name of `name_len` bytes (may contain NUL). */
DDB_API int ddb_av_map_set_len(ddb_av *map, const char *name, size_t name_len, ddb_av *child);

/* --- lookup (borrowed pointers, valid while the tree is unchanged) --- */
DDB_API const ddb_av *ddb_av_map_get(const ddb_av *map, const char *name); /* NULL if absent or not M */
/* Removes member `name` and returns it to the caller (owned); NULL if absent. */
DDB_API ddb_av *ddb_av_map_take(ddb_av *map, const char *name);
/* Number of elements/members of a container, 0 for scalars. */
DDB_API size_t ddb_av_len(const ddb_av *v);

/* --- typed reads: 0, DDB_ETYPE (NULL or not N) or DDB_EINVAL (out of range) --- */
/* Exact: any notation of an integral value converts ("12", "1.2E1"); a
 * fraction or a value beyond int64 is DDB_EINVAL. */
DDB_API int ddb_av_get_i64(int64_t *out, const ddb_av *v);
/* Nearest double (locale-independent). */
DDB_API int ddb_av_get_double(double *out, const ddb_av *v);

/* --- whole trees --- */
/* Frees v and everything below it. */
DDB_API void ddb_av_free(ddb_av *v);
/* Deep copy owned by the caller; NULL with DDB_ENOMEM, or DDB_EINVAL for
 * a NULL v. */
DDB_API ddb_av *ddb_av_clone(const ddb_av *v);
/* Deep equality. Sets compare as sets (order-insensitive, repeats ignored),
 * maps by member name (order-insensitive), lists by position, numbers by
 * numeric value ("1.0" == "1e0" == "+1", "-0" == "0"), S and B by bytes.
 * Two NULL pointers are equal. O(n log n) per set or map; comparing large
 * sets or maps allocates, and if that fails the result is false with
 * DDB_ENOMEM recorded. */
DDB_API bool ddb_av_equal(const ddb_av *a, const ddb_av *b);

/*
 * Checks DynamoDB number text as the service does: optional '+' or '-',
 * digits with at most one '.' (".5", "5." and leading zeros are fine),
 * optional exponent e/E[+-]digits; no spaces, NaN or Infinity. At most 38
 * significant digits, counted from the first to the last non-zero digit
 * (so "1" followed by 40 zeros has one); magnitude 0 or within
 * [1E-130, 9.9999999999999999999999999999999999999E+125].
 * Returns 0 or DDB_EINVAL (message says why).
 */
DDB_API int ddb_number_check(const char *text, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* DDB_AV_H */
