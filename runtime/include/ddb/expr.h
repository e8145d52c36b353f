/*
 * ddb/expr.h - condition and update expressions, built as trees and
 * rendered into DynamoDB expression text with placeholders.
 *
 * Generated code wraps these untyped builders in typed, per-model ones
 * (so a wrong value type or another model's attribute does not compile);
 * they are public for the untyped API and for hand-written code.
 *
 * Paths: an attribute path is written as text with segments separated by
 * '.', list elements as "[n]", e.g. "author.name" or "replies[2].text".
 * A name that contains '.', '[', ']' or '\' escapes them with '\'
 * ("a\.b" is the single attribute "a.b"). Every name is sent through
 * ExpressionAttributeNames, so reserved words need no care.
 *
 * Ownership: builders return a new node owned by the caller. Builders that
 * take child nodes or ddb_av values take ownership of them in every case
 * (also on failure), so calls can be nested without leaks:
 *     ddb_cond *c = ddb_cond_and(ddb_cond_cmp("views", DDB_CMP_GT, ddb_av_n_i64(5)),
 *                                ddb_cond_exists("subject"));
 * A builder never returns NULL: when it fails (out of memory, NULL or
 * invalid value) it returns an *error node* that remembers the first
 * failure; combinators propagate it, and any call that renders an error
 * node fails with that code and message. Free with ddb_cond_free /
 * ddb_update_free (NULL-safe).
 *
 * Thread safety: nodes are plain data; do not share one tree between
 * threads that render it concurrently while another thread frees it.
 */
#ifndef DDB_EXPR_H
#define DDB_EXPR_H

#include "ddb/export.h"

#include <stdbool.h>
#include <stddef.h>

#include "ddb/av.h"
#include "ddb/buf.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ddb_cond ddb_cond;
typedef struct ddb_update ddb_update;

typedef enum ddb_cmp { DDB_CMP_EQ, DDB_CMP_NE, DDB_CMP_LT, DDB_CMP_LE, DDB_CMP_GT, DDB_CMP_GE } ddb_cmp;

/* --- conditions --- */
/* path <op> value */
DDB_API ddb_cond *ddb_cond_cmp(const char *path, ddb_cmp op, ddb_av *value);
/* size(path) <op> value (value is a number) */
DDB_API ddb_cond *ddb_cond_size_cmp(const char *path, ddb_cmp op, ddb_av *value);
DDB_API ddb_cond *ddb_cond_between(const char *path, ddb_av *low, ddb_av *high);
/* path IN (v1, ..., vn): takes ownership of every values[i]; 1..100 values */
DDB_API ddb_cond *ddb_cond_in(const char *path, ddb_av **values, size_t n);
DDB_API ddb_cond *ddb_cond_begins_with(const char *path, ddb_av *prefix);
DDB_API ddb_cond *ddb_cond_contains(const char *path, ddb_av *operand);
DDB_API ddb_cond *ddb_cond_exists(const char *path);
DDB_API ddb_cond *ddb_cond_not_exists(const char *path);
DDB_API ddb_cond *ddb_cond_attribute_type(const char *path, ddb_av_type type);
DDB_API ddb_cond *ddb_cond_and(ddb_cond *a, ddb_cond *b);
DDB_API ddb_cond *ddb_cond_or(ddb_cond *a, ddb_cond *b);
DDB_API ddb_cond *ddb_cond_not(ddb_cond *a);
/* An error node carrying `code` (for wrappers that detect misuse). */
DDB_API ddb_cond *ddb_cond_error(int code);
/* Deep copy (error nodes copy too). */
DDB_API ddb_cond *ddb_cond_clone(const ddb_cond *c);
/* 0 for a usable tree, else the DDB_E* code of the error node it holds. */
DDB_API int ddb_cond_status(const ddb_cond *c);
DDB_API void ddb_cond_free(ddb_cond *c);

/* --- update actions (a list; rendered grouped as SET/REMOVE/ADD/DELETE) --- */
DDB_API ddb_update *ddb_update_set(const char *path, ddb_av *value);             /* path = v */
DDB_API ddb_update *ddb_update_set_plus(const char *path, ddb_av *delta);        /* path = path + d */
DDB_API ddb_update *ddb_update_set_minus(const char *path, ddb_av *delta);       /* path = path - d */
DDB_API ddb_update *ddb_update_set_if_not_exists(const char *path, ddb_av *value); /* path = if_not_exists(path, v) */
DDB_API ddb_update *ddb_update_list_append(const char *path, ddb_av *list);     /* path = list_append(path, l) */
DDB_API ddb_update *ddb_update_list_prepend(const char *path, ddb_av *list);    /* path = list_append(l, path) */
DDB_API ddb_update *ddb_update_remove(const char *path);
DDB_API ddb_update *ddb_update_add(const char *path, ddb_av *value);             /* numbers and sets */
DDB_API ddb_update *ddb_update_delete(const char *path, ddb_av *set);            /* remove elements from a set */
/*
 * int64 arithmetic that never leaves the int64 range: as ddb_update_add /
 * ddb_update_set_plus / ddb_update_set_minus with an int64 `delta`, and
 * each action carries a range guard. ddb_update_range_guard(u) is the
 * condition "every guarded attribute is absent or leaves room for its
 * delta" (NULL when u has no guard; the caller owns it); the model layer
 * ANDs it into the request's condition, so DynamoDB never stores a result
 * an int64 field could not read back. After a conditional check failure,
 * ddb_update_range_check(u, old_item) says whether a guard was the cause:
 * DDB_ERANGE (message: attribute, stored value, bound), DDB_ETYPE (the
 * attribute holds no number), or 0 (the guards held: another condition
 * failed). Both are reentrant and read `u` only.
 */
DDB_API ddb_update *ddb_update_add_int64(const char *path, int64_t delta);
DDB_API ddb_update *ddb_update_set_plus_int64(const char *path, int64_t delta);
DDB_API ddb_update *ddb_update_set_minus_int64(const char *path, int64_t delta);
DDB_API ddb_cond *ddb_update_range_guard(const ddb_update *u);
DDB_API int ddb_update_range_check(const ddb_update *u, const ddb_av *old_item);
/* Concatenates b after a (takes both). */
DDB_API ddb_update *ddb_update_join(ddb_update *a, ddb_update *b);
DDB_API ddb_update *ddb_update_error(int code);
DDB_API int ddb_update_status(const ddb_update *u);
DDB_API void ddb_update_free(ddb_update *u);

/* --- rendering --- */

/*
 * Placeholders shared by the expressions of one request: names "#n0",
 * "#n1", ... (one per distinct attribute name) and values ":v0", ":v1", ...
 * Initialise with DDB_EXPR_CTX_INIT; release with ddb_expr_ctx_free.
 */
typedef struct ddb_expr_ctx {
    ddb_av *names;  /* M of "#nK" -> S name; NULL until the first name */
    ddb_av *values; /* M of ":vK" -> value; NULL until the first value */
    unsigned n_names, n_values;
    /* Set by the model layer, which knows the table and the item: turns the
     * plain value of an encrypted attribute (built by a typed builder) into
     * what is stored. NULL: such values are refused (DDB_ECRYPTO). */
    int (*seal)(ddb_av **out, const void *field, const ddb_av *plain, void *arg);
    void *seal_arg;
} ddb_expr_ctx;

#define DDB_EXPR_CTX_INIT {NULL, NULL, 0, 0, NULL, NULL}

DDB_API void ddb_expr_ctx_free(ddb_expr_ctx *ctx);

/* Appends the expression for `c` to `out`, registering placeholders in ctx.
 * Returns 0, the code of an error node, DDB_EINVAL (bad path) or DDB_ENOMEM. */
DDB_API int ddb_expr_render_cond(ddb_buf *out, ddb_expr_ctx *ctx, const ddb_cond *c);
DDB_API int ddb_expr_render_update(ddb_buf *out, ddb_expr_ctx *ctx, const ddb_update *u);
/* Appends the placeholder form of `path` ("#n0.#n1[2]"). */
DDB_API int ddb_expr_render_path(ddb_buf *out, ddb_expr_ctx *ctx, const char *path);

#ifdef __cplusplus
}
#endif

#endif /* DDB_EXPR_H */
