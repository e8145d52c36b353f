/* expr.c - condition and update expression trees and their rendering. */
#include "feature_macros.h" /* first: feature-test macros before any system header */

#include "ddb/expr.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddb/error.h"
#include "expr_internal.h"

typedef enum cond_kind {
    COND_CMP,
    COND_SIZE_CMP,
    COND_BETWEEN,
    COND_IN,
    COND_BEGINS_WITH,
    COND_CONTAINS,
    COND_EXISTS,
    COND_NOT_EXISTS,
    COND_TYPE,
    COND_AND,
    COND_OR,
    COND_NOT,
    COND_ERROR
} cond_kind;

struct ddb_cond {
    cond_kind kind;
    ddb_cmp op;          /* CMP, SIZE_CMP */
    ddb_av_type type;    /* TYPE */
    char *path;          /* leaf conditions */
    ddb_av **values;     /* operands, n_values of them */
    size_t n_values;
    ddb_cond *left;      /* AND, OR, NOT */
    ddb_cond *right;     /* AND, OR */
    int code;            /* ERROR */
    char *message;       /* ERROR: first failure's text, may be NULL */
    const void *seal;    /* leaf: the encrypted field its values are plain forms of */
};

/* Returned when even an error node cannot be allocated. Never freed. */
static ddb_cond cond_nomem = {COND_ERROR, DDB_CMP_EQ, DDB_AV_NULL, NULL, NULL, 0, NULL, NULL,
                              DDB_ENOMEM, NULL, NULL};

static const char *const cmp_text[] = {"=", "<>", "<", "<=", ">", ">="};

/* ---------------------------------------------------------------- errors */

/* Copies the calling thread's last error message when it describes `code`. */
static char *capture_message(int code)
{
    const ddb_error *e = ddb_last_error();
    if (e->code != code || e->message[0] == '\0')
        return NULL;
    return strdup(e->message);
}

ddb_cond *ddb_cond_error(int code)
{
    ddb_cond *c = calloc(1, sizeof *c);
    if (c == NULL)
        return &cond_nomem;
    c->kind = COND_ERROR;
    c->code = code;
    c->message = capture_message(code);
    return c;
}

int ddb_cond_status(const ddb_cond *c)
{
    if (c == NULL)
        return 0;
    if (c->kind == COND_ERROR)
        return c->code;
    int rc = ddb_cond_status(c->left);
    return rc != 0 ? rc : ddb_cond_status(c->right);
}

/* Records the error held by an error node as the thread's last error. */
static int report_error_node(int code, const char *message, const char *what)
{
    if (message != NULL)
        return ddb_error_set(code, "%s could not be built: %s", what, message);
    return ddb_error_set(code, "%s could not be built: %s", what, ddb_strerror(code));
}

/* Finds the first error node of a tree (depth first). */
static const ddb_cond *cond_first_error(const ddb_cond *c)
{
    if (c == NULL)
        return NULL;
    if (c->kind == COND_ERROR)
        return c;
    const ddb_cond *e = cond_first_error(c->left);
    return e != NULL ? e : cond_first_error(c->right);
}

/* ---------------------------------------------------------------- paths */

/*
 * Walks an escaped path, calling `seg` for each name segment (unescaped, in
 * `scratch`) and `idx` for each "[n]". Returns 0 or DDB_EINVAL.
 */
typedef int (*path_name_fn)(void *ctx, const char *name, size_t len);
typedef int (*path_index_fn)(void *ctx, const char *digits, size_t len);

static int bad_path(const char *path, const char *why)
{
    return ddb_error_set(DDB_EINVAL, "invalid attribute path \"%s\": %s", path, why);
}

static int walk_path(const char *path, ddb_buf *scratch, path_name_fn on_name,
                     path_index_fn on_index, void *ctx)
{
    const char *p = path;
    if (*p == '\0')
        return bad_path(path, "empty");
    for (;;) {
        ddb_buf_reset(scratch);
        while (*p != '\0' && *p != '.' && *p != '[') {
            if (*p == ']')
                return bad_path(path, "unexpected ']'");
            if (*p == '\\') {
                p++;
                if (*p == '\0')
                    return bad_path(path, "dangling '\\'");
            }
            if (ddb_buf_putc(scratch, *p++) != 0)
                return DDB_ENOMEM;
        }
        if (scratch->len == 0)
            return bad_path(path, "empty attribute name");
        int rc = on_name(ctx, ddb_buf_cstr(scratch), scratch->len);
        if (rc != 0)
            return rc;
        while (*p == '[') {
            const char *digits = ++p;
            while (*p >= '0' && *p <= '9')
                p++;
            if (p == digits || *p != ']')
                return bad_path(path, "list index must be [digits]");
            rc = on_index(ctx, digits, (size_t)(p - digits));
            if (rc != 0)
                return rc;
            p++;
        }
        if (*p == '\0')
            return 0;
        if (*p != '.')
            return bad_path(path, "expected '.' or '[' after a list index");
        p++;
    }
}

static int check_name(void *ctx, const char *name, size_t len)
{
    (void)ctx;
    (void)name;
    (void)len;
    return 0;
}

static int check_index(void *ctx, const char *digits, size_t len)
{
    (void)ctx;
    (void)digits;
    (void)len;
    return 0;
}

static int path_check(const char *path)
{
    if (path == NULL)
        return ddb_error_set(DDB_EINVAL, "attribute path is NULL");
    ddb_buf scratch = DDB_BUF_INIT;
    int rc = walk_path(path, &scratch, check_name, check_index, NULL);
    ddb_buf_free(&scratch);
    return rc;
}

/* ---------------------------------------------------------------- conditions */

static void free_values(ddb_av **values, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ddb_av_free(values[i]);
}

/* Makes a leaf node; takes ownership of values[0..n) in every case. */
static ddb_cond *cond_leaf(cond_kind kind, const char *path, ddb_av **values, size_t n)
{
    int rc = path_check(path);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (values[i] == NULL)
            rc = ddb_error_set(DDB_EINVAL, "condition on \"%s\": operand %zu is missing", path, i);
    }
    if (rc != 0) {
        free_values(values, n);
        return ddb_cond_error(rc);
    }
    ddb_cond *c = calloc(1, sizeof *c);
    char *copy = strdup(path);
    ddb_av **vals = n != 0 ? malloc(n * sizeof *vals) : NULL;
    if (c == NULL || copy == NULL || (n != 0 && vals == NULL)) {
        free(c);
        free(copy);
        free(vals);
        free_values(values, n);
        ddb_error_set(DDB_ENOMEM, "out of memory building a condition");
        return ddb_cond_error(DDB_ENOMEM);
    }
    if (n != 0)
        memcpy(vals, values, n * sizeof *vals);
    c->kind = kind;
    c->path = copy;
    c->values = vals;
    c->n_values = n;
    return c;
}

ddb_cond *ddb_cond_cmp(const char *path, ddb_cmp op, ddb_av *value)
{
    ddb_cond *c = cond_leaf(COND_CMP, path, &value, 1);
    if (c->kind == COND_CMP)
        c->op = op;
    return c;
}

ddb_cond *ddb_cond_size_cmp(const char *path, ddb_cmp op, ddb_av *value)
{
    ddb_cond *c = cond_leaf(COND_SIZE_CMP, path, &value, 1);
    if (c->kind == COND_SIZE_CMP)
        c->op = op;
    return c;
}

ddb_cond *ddb_cond_between(const char *path, ddb_av *low, ddb_av *high)
{
    ddb_av *v[2] = {low, high};
    return cond_leaf(COND_BETWEEN, path, v, 2);
}

ddb_cond *ddb_cond_in(const char *path, ddb_av **values, size_t n)
{
    if (n == 0 || n > 100) {
        free_values(values, n);
        return ddb_cond_error(
            ddb_error_set(DDB_EINVAL, "IN on \"%s\" needs 1 to 100 values, got %zu", path ? path : "", n));
    }
    return cond_leaf(COND_IN, path, values, n);
}

ddb_cond *ddb_cond_begins_with(const char *path, ddb_av *prefix)
{
    return cond_leaf(COND_BEGINS_WITH, path, &prefix, 1);
}

ddb_cond *ddb_cond_contains(const char *path, ddb_av *operand)
{
    return cond_leaf(COND_CONTAINS, path, &operand, 1);
}

ddb_cond *ddb_cond_exists(const char *path)
{
    return cond_leaf(COND_EXISTS, path, NULL, 0);
}

ddb_cond *ddb_cond_not_exists(const char *path)
{
    return cond_leaf(COND_NOT_EXISTS, path, NULL, 0);
}

ddb_cond *ddb_cond_attribute_type(const char *path, ddb_av_type type)
{
    ddb_cond *c = cond_leaf(COND_TYPE, path, NULL, 0);
    if (c->kind == COND_TYPE)
        c->type = type;
    return c;
}

static ddb_cond *cond_combine(cond_kind kind, ddb_cond *a, ddb_cond *b)
{
    if (a == NULL || (kind != COND_NOT && b == NULL)) {
        ddb_cond_free(a);
        ddb_cond_free(b);
        return ddb_cond_error(ddb_error_set(DDB_EINVAL, "condition combinator given a NULL operand"));
    }
    /* Propagate the first error node, dropping the rest. */
    if (a->kind == COND_ERROR || (b != NULL && b->kind == COND_ERROR)) {
        ddb_cond *err = a->kind == COND_ERROR ? a : b;
        ddb_cond_free(err == a ? b : a);
        return err;
    }
    ddb_cond *c = calloc(1, sizeof *c);
    if (c == NULL) {
        ddb_cond_free(a);
        ddb_cond_free(b);
        ddb_error_set(DDB_ENOMEM, "out of memory building a condition");
        return ddb_cond_error(DDB_ENOMEM);
    }
    c->kind = kind;
    c->left = a;
    c->right = b;
    return c;
}

ddb_cond *ddb_cond_and(ddb_cond *a, ddb_cond *b)
{
    return cond_combine(COND_AND, a, b);
}

ddb_cond *ddb_cond_or(ddb_cond *a, ddb_cond *b)
{
    return cond_combine(COND_OR, a, b);
}

ddb_cond *ddb_cond_not(ddb_cond *a)
{
    return cond_combine(COND_NOT, a, NULL);
}

void ddb_cond_free(ddb_cond *c)
{
    if (c == NULL || c == &cond_nomem)
        return;
    ddb_cond_free(c->left);
    ddb_cond_free(c->right);
    free_values(c->values, c->n_values);
    free(c->values);
    free(c->path);
    free(c->message);
    free(c);
}

ddb_cond *ddb_cond_clone(const ddb_cond *c)
{
    if (c == NULL)
        return NULL;
    if (c->kind == COND_ERROR) {
        ddb_cond *e = ddb_cond_error(c->code);
        if (e != &cond_nomem && c->message != NULL) {
            free(e->message);
            e->message = strdup(c->message);
        }
        return e;
    }
    if (c->kind == COND_AND || c->kind == COND_OR || c->kind == COND_NOT)
        return cond_combine(c->kind, ddb_cond_clone(c->left), ddb_cond_clone(c->right));
    ddb_av *vals[100];
    for (size_t i = 0; i < c->n_values; i++)
        vals[i] = ddb_av_clone(c->values[i]);
    ddb_cond *copy = cond_leaf(c->kind, c->path, vals, c->n_values);
    if (copy->kind != COND_ERROR) {
        copy->op = c->op;
        copy->type = c->type;
        copy->seal = c->seal;
    }
    return copy;
}

/* ---------------------------------------------------------------- rendering */

void ddb_expr_ctx_free(ddb_expr_ctx *ctx)
{
    ddb_av_free(ctx->names);
    ddb_av_free(ctx->values);
    ctx->names = NULL;
    ctx->values = NULL;
    ctx->n_names = 0;
    ctx->n_values = 0;
}

/* Appends "#nK" for `name`, reusing the placeholder of an equal name. */
static int put_name(ddb_expr_ctx *ctx, const char *name, size_t len, ddb_buf *out)
{
    if (ctx->names == NULL && (ctx->names = ddb_av_new(DDB_AV_M)) == NULL)
        return DDB_ENOMEM;
    for (size_t i = 0; i < ctx->names->u.map.len; i++) {
        const ddb_av_member *m = &ctx->names->u.map.items[i];
        if (m->value->u.str.len == len && memcmp(m->value->u.str.ptr, name, len) == 0)
            return ddb_buf_append(out, m->name, m->name_len);
    }
    char placeholder[16];
    int n = snprintf(placeholder, sizeof placeholder, "#n%u", ctx->n_names);
    int rc = ddb_av_map_set_len(ctx->names, placeholder, (size_t)n, ddb_av_s_len(name, len));
    if (rc != 0)
        return rc;
    ctx->n_names++;
    return ddb_buf_append(out, placeholder, (size_t)n);
}

/* Appends ":vK" and registers a copy of `value` — its stored form, through
 * ctx->seal, when it is the plain value of encrypted field `seal`. */
static int put_value(ddb_expr_ctx *ctx, const ddb_av *value, const void *seal, ddb_buf *out)
{
    if (ctx->values == NULL && (ctx->values = ddb_av_new(DDB_AV_M)) == NULL)
        return DDB_ENOMEM;
    ddb_av *stored = NULL;
    if (seal == NULL)
        stored = ddb_av_clone(value);
    else if (ctx->seal == NULL)
        return ddb_error_set(DDB_ECRYPTO, "a value of an encrypted attribute can only be sent by a model "
                                          "operation, which encrypts it for its table and item");
    else if (ctx->seal(&stored, seal, value, ctx->seal_arg) != 0)
        return ddb_last_error()->code;
    char placeholder[16];
    int n = snprintf(placeholder, sizeof placeholder, ":v%u", ctx->n_values);
    int rc = ddb_av_map_set_len(ctx->values, placeholder, (size_t)n, stored);
    if (rc != 0)
        return rc;
    ctx->n_values++;
    return ddb_buf_append(out, placeholder, (size_t)n);
}

typedef struct path_render {
    ddb_expr_ctx *ctx;
    ddb_buf *out;
    bool first;
} path_render;

static int render_name(void *arg, const char *name, size_t len)
{
    path_render *r = arg;
    if (!r->first && ddb_buf_putc(r->out, '.') != 0)
        return DDB_ENOMEM;
    r->first = false;
    return put_name(r->ctx, name, len, r->out);
}

static int render_index(void *arg, const char *digits, size_t len)
{
    path_render *r = arg;
    if (ddb_buf_putc(r->out, '[') != 0 || ddb_buf_append(r->out, digits, len) != 0)
        return DDB_ENOMEM;
    return ddb_buf_putc(r->out, ']');
}

int ddb_expr_render_path(ddb_buf *out, ddb_expr_ctx *ctx, const char *path)
{
    if (path == NULL)
        return ddb_error_set(DDB_EINVAL, "attribute path is NULL");
    path_render r = {ctx, out, true};
    ddb_buf scratch = DDB_BUF_INIT;
    int rc = walk_path(path, &scratch, render_name, render_index, &r);
    ddb_buf_free(&scratch);
    return rc;
}

/* Appends the pieces of a template: 'P' path, 'V' next value, else text. */
static int render_pieces(ddb_expr_ctx *ctx, const ddb_cond *c, ddb_buf *out,
                         const char *const *pieces, size_t n)
{
    size_t value = 0;
    for (size_t i = 0; i < n; i++) {
        int rc;
        if (strcmp(pieces[i], "P") == 0)
            rc = ddb_expr_render_path(out, ctx, c->path);
        else if (strcmp(pieces[i], "V") == 0)
            rc = put_value(ctx, c->values[value++], c->seal, out);
        else
            rc = ddb_buf_puts(out, pieces[i]);
        if (rc != 0)
            return rc;
    }
    return 0;
}

#define PIECES(...) (const char *const[]){__VA_ARGS__}, sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *)

static int render_cond(ddb_expr_ctx *ctx, const ddb_cond *c, ddb_buf *out);

/* Renders a child of AND/OR/NOT, parenthesised when it is compound. */
static int render_operand(ddb_expr_ctx *ctx, const ddb_cond *c, ddb_buf *out)
{
    bool paren = c->kind == COND_AND || c->kind == COND_OR;
    int rc = paren ? ddb_buf_putc(out, '(') : 0;
    if (rc == 0)
        rc = render_cond(ctx, c, out);
    if (rc == 0 && paren)
        rc = ddb_buf_putc(out, ')');
    return rc;
}

static int render_in(ddb_expr_ctx *ctx, const ddb_cond *c, ddb_buf *out)
{
    int rc = ddb_expr_render_path(out, ctx, c->path);
    if (rc == 0)
        rc = ddb_buf_puts(out, " IN (");
    for (size_t i = 0; rc == 0 && i < c->n_values; i++) {
        if (i != 0)
            rc = ddb_buf_puts(out, ", ");
        if (rc == 0)
            rc = put_value(ctx, c->values[i], c->seal, out);
    }
    return rc == 0 ? ddb_buf_putc(out, ')') : rc;
}

static int render_cond(ddb_expr_ctx *ctx, const ddb_cond *c, ddb_buf *out)
{
    int rc;
    switch (c->kind) {
    case COND_CMP:
        return render_pieces(ctx, c, out, PIECES("P", " ", cmp_text[c->op], " ", "V"));
    case COND_SIZE_CMP:
        return render_pieces(ctx, c, out, PIECES("size(", "P", ") ", cmp_text[c->op], " ", "V"));
    case COND_BETWEEN:
        return render_pieces(ctx, c, out, PIECES("P", " BETWEEN ", "V", " AND ", "V"));
    case COND_IN:
        return render_in(ctx, c, out);
    case COND_BEGINS_WITH:
        return render_pieces(ctx, c, out, PIECES("begins_with(", "P", ", ", "V", ")"));
    case COND_CONTAINS:
        return render_pieces(ctx, c, out, PIECES("contains(", "P", ", ", "V", ")"));
    case COND_EXISTS:
        return render_pieces(ctx, c, out, PIECES("attribute_exists(", "P", ")"));
    case COND_NOT_EXISTS:
        return render_pieces(ctx, c, out, PIECES("attribute_not_exists(", "P", ")"));
    case COND_TYPE: {
        ddb_av *tag = ddb_av_s(ddb_av_type_tag(c->type));
        if (tag == NULL)
            return DDB_ENOMEM;
        rc = render_pieces(ctx, c, out, PIECES("attribute_type(", "P", ", "));
        if (rc == 0)
            rc = put_value(ctx, tag, NULL, out);
        ddb_av_free(tag);
        return rc == 0 ? ddb_buf_putc(out, ')') : rc;
    }
    case COND_AND:
    case COND_OR:
        rc = render_operand(ctx, c->left, out);
        if (rc == 0)
            rc = ddb_buf_puts(out, c->kind == COND_AND ? " AND " : " OR ");
        return rc == 0 ? render_operand(ctx, c->right, out) : rc;
    case COND_NOT:
        rc = ddb_buf_puts(out, "NOT ");
        return rc == 0 ? render_operand(ctx, c->left, out) : rc;
    case COND_ERROR:
        return report_error_node(c->code, c->message, "condition");
    }
    return ddb_error_set(DDB_EINVAL, "corrupt condition node");
}

int ddb_expr_render_cond(ddb_buf *out, ddb_expr_ctx *ctx, const ddb_cond *c)
{
    if (c == NULL)
        return ddb_error_set(DDB_EINVAL, "condition is NULL");
    const ddb_cond *err = cond_first_error(c);
    if (err != NULL)
        return report_error_node(err->code, err->message, "condition");
    return render_cond(ctx, c, out);
}

/* ---------------------------------------------------------------- updates */

typedef enum action_kind {
    ACT_SET,
    ACT_SET_PLUS,
    ACT_SET_MINUS,
    ACT_SET_IF_NOT_EXISTS,
    ACT_LIST_APPEND,
    ACT_LIST_PREPEND,
    ACT_REMOVE,
    ACT_ADD,
    ACT_DELETE
} action_kind;

/* The int64 range guard of an arithmetic action: the stored value must be
 * <= bound (upper) or >= bound (lower) for the result to stay an int64; an
 * absent attribute passes (ADD counts it as 0). */
typedef struct range_guard {
    bool on, upper;
    int64_t bound;
} range_guard;

typedef struct action {
    action_kind kind;
    char *path;
    ddb_av *value; /* NULL for REMOVE */
    range_guard guard;
    const void *seal; /* the encrypted field `value` is the plain form of */
} action;

struct ddb_update {
    action *items;
    size_t len, cap;
    int code;       /* non-zero: error node */
    char *message;
};

static ddb_update update_nomem = {NULL, 0, 0, DDB_ENOMEM, NULL};

ddb_update *ddb_update_error(int code)
{
    ddb_update *u = calloc(1, sizeof *u);
    if (u == NULL)
        return &update_nomem;
    u->code = code;
    u->message = capture_message(code);
    return u;
}

int ddb_update_status(const ddb_update *u)
{
    return u == NULL ? 0 : u->code;
}

void ddb_update_free(ddb_update *u)
{
    if (u == NULL || u == &update_nomem)
        return;
    for (size_t i = 0; i < u->len; i++) {
        free(u->items[i].path);
        ddb_av_free(u->items[i].value);
    }
    free(u->items);
    free(u->message);
    free(u);
}

static ddb_update *update_one(action_kind kind, const char *path, ddb_av *value, bool needs_value)
{
    int rc = path_check(path);
    if (rc == 0 && needs_value && value == NULL)
        rc = ddb_error_set(DDB_EINVAL, "update of \"%s\": value is missing", path);
    if (rc != 0) {
        ddb_av_free(value);
        return ddb_update_error(rc);
    }
    ddb_update *u = calloc(1, sizeof *u);
    action *items = malloc(sizeof *items);
    char *copy = strdup(path);
    if (u == NULL || items == NULL || copy == NULL) {
        free(u);
        free(items);
        free(copy);
        ddb_av_free(value);
        ddb_error_set(DDB_ENOMEM, "out of memory building an update");
        return ddb_update_error(DDB_ENOMEM);
    }
    items[0] = (action){kind, copy, value, {false, false, 0}, NULL};
    u->items = items;
    u->len = u->cap = 1;
    return u;
}

ddb_update *ddb_update_set(const char *path, ddb_av *value)
{
    return update_one(ACT_SET, path, value, true);
}

ddb_update *ddb_update_set_plus(const char *path, ddb_av *delta)
{
    return update_one(ACT_SET_PLUS, path, delta, true);
}

ddb_update *ddb_update_set_minus(const char *path, ddb_av *delta)
{
    return update_one(ACT_SET_MINUS, path, delta, true);
}

ddb_update *ddb_update_set_if_not_exists(const char *path, ddb_av *value)
{
    return update_one(ACT_SET_IF_NOT_EXISTS, path, value, true);
}

ddb_update *ddb_update_list_append(const char *path, ddb_av *list)
{
    return update_one(ACT_LIST_APPEND, path, list, true);
}

ddb_update *ddb_update_list_prepend(const char *path, ddb_av *list)
{
    return update_one(ACT_LIST_PREPEND, path, list, true);
}

ddb_update *ddb_update_remove(const char *path)
{
    return update_one(ACT_REMOVE, path, NULL, false);
}

ddb_update *ddb_update_add(const char *path, ddb_av *value)
{
    return update_one(ACT_ADD, path, value, true);
}

ddb_update *ddb_update_delete(const char *path, ddb_av *set)
{
    return update_one(ACT_DELETE, path, set, true);
}

/* An int64 arithmetic action whose result is stored + `sign` * delta. */
static ddb_update *guarded(action_kind kind, const char *path, int64_t delta, int sign)
{
    ddb_update *u = update_one(kind, path, ddb_av_n_i64(delta), true);
    if (u->code != 0 || delta == 0)
        return u;
    /* stored + d fits when stored <= INT64_MAX - d (d > 0) or >= INT64_MIN - d (d < 0);
     * stored - d fits when stored >= INT64_MIN + d (d > 0) or <= INT64_MAX + d (d < 0). */
    bool grows = (delta > 0) == (sign > 0);
    int64_t bound = sign > 0 ? (delta > 0 ? INT64_MAX - delta : INT64_MIN - delta)
                             : (delta > 0 ? INT64_MIN + delta : INT64_MAX + delta);
    u->items[0].guard = (range_guard){true, grows, bound};
    return u;
}

ddb_update *ddb_update_add_int64(const char *path, int64_t delta)
{
    return guarded(ACT_ADD, path, delta, 1);
}

ddb_update *ddb_update_set_plus_int64(const char *path, int64_t delta)
{
    return guarded(ACT_SET_PLUS, path, delta, 1);
}

ddb_update *ddb_update_set_minus_int64(const char *path, int64_t delta)
{
    return guarded(ACT_SET_MINUS, path, delta, -1);
}

ddb_cond *ddb_update_range_guard(const ddb_update *u)
{
    ddb_cond *all = NULL;
    for (size_t i = 0; u != NULL && u->code == 0 && i < u->len; i++) {
        const action *a = &u->items[i];
        if (!a->guard.on)
            continue;
        ddb_cond *fits = ddb_cond_cmp(a->path, a->guard.upper ? DDB_CMP_LE : DDB_CMP_GE,
                                      ddb_av_n_i64(a->guard.bound));
        ddb_cond *one = ddb_cond_or(ddb_cond_not_exists(a->path), fits);
        all = all == NULL ? one : ddb_cond_and(all, one);
    }
    return all;
}

/* Path resolution in an item, for ddb_update_range_check. */
typedef struct resolve {
    const ddb_av *at; /* NULL once the path leaves the item */
} resolve;

static int resolve_name(void *arg, const char *name, size_t len)
{
    resolve *r = arg;
    (void)len;
    r->at = r->at != NULL && r->at->type == DDB_AV_M ? ddb_av_map_get(r->at, name) : NULL;
    return 0;
}

static int resolve_index(void *arg, const char *digits, size_t len)
{
    resolve *r = arg;
    size_t i = 0;
    for (size_t k = 0; k < len && i < SIZE_MAX / 10; k++)
        i = i * 10 + (size_t)(digits[k] - '0');
    r->at = r->at != NULL && r->at->type == DDB_AV_L && i < r->at->u.list.len ? r->at->u.list.items[i] : NULL;
    return 0;
}

int ddb_update_range_check(const ddb_update *u, const ddb_av *item)
{
    ddb_buf scratch = DDB_BUF_INIT;
    int rc = 0;
    for (size_t i = 0; rc == 0 && u != NULL && u->code == 0 && i < u->len; i++) {
        const action *a = &u->items[i];
        if (!a->guard.on)
            continue;
        resolve r = {item};
        if (walk_path(a->path, &scratch, resolve_name, resolve_index, &r) != 0 || r.at == NULL)
            continue; /* absent: counts as 0, which fits */
        int64_t v;
        if (r.at->type != DDB_AV_N) {
            rc = ddb_error_set(DDB_ETYPE, "\"%s\" holds a %s value, not a number", a->path,
                               ddb_av_type_tag(r.at->type));
            continue;
        }
        if (ddb_av_get_i64(&v, r.at) != 0) {
            rc = ddb_error_set(DDB_ERANGE, "\"%s\" holds %.64s, which is not an int64", a->path,
                               r.at->u.str.ptr);
            continue;
        }
        if (a->guard.upper ? v > a->guard.bound : v < a->guard.bound)
            rc = ddb_error_set(DDB_ERANGE,
                               "\"%s\" holds %lld: the update would take it %s the int64 range "
                               "(it must be %s %lld); nothing was changed",
                               a->path, (long long)v, a->guard.upper ? "above" : "below",
                               a->guard.upper ? "<=" : ">=", (long long)a->guard.bound);
    }
    ddb_buf_free(&scratch);
    return rc;
}

ddb_update *ddb_update_join(ddb_update *a, ddb_update *b)
{
    if (a == NULL || b == NULL) {
        ddb_update_free(a);
        ddb_update_free(b);
        return ddb_update_error(ddb_error_set(DDB_EINVAL, "update join given a NULL operand"));
    }
    if (a->code != 0 || b->code != 0) {
        ddb_update *err = a->code != 0 ? a : b;
        ddb_update_free(err == a ? b : a);
        return err;
    }
    if (a->len + b->len > a->cap) {
        size_t cap = a->len + b->len;
        action *items = realloc(a->items, cap * sizeof *items);
        if (items == NULL) {
            ddb_update_free(a);
            ddb_update_free(b);
            ddb_error_set(DDB_ENOMEM, "out of memory building an update");
            return ddb_update_error(DDB_ENOMEM);
        }
        a->items = items;
        a->cap = cap;
    }
    memcpy(a->items + a->len, b->items, b->len * sizeof *b->items);
    a->len += b->len;
    b->len = 0;
    ddb_update_free(b);
    return a;
}

/* Clause of each action kind, and the order clauses are rendered in. */
static const char *const clause_name[] = {"SET", "REMOVE", "ADD", "DELETE"};

static int clause_of(action_kind k)
{
    switch (k) {
    case ACT_SET:
    case ACT_SET_PLUS:
    case ACT_SET_MINUS:
    case ACT_SET_IF_NOT_EXISTS:
    case ACT_LIST_APPEND:
    case ACT_LIST_PREPEND:
        return 0;
    case ACT_REMOVE:
        return 1;
    case ACT_ADD:
        return 2;
    case ACT_DELETE:
        return 3;
    }
    return 0;
}

static int render_action(ddb_expr_ctx *ctx, const action *a, ddb_buf *out)
{
    ddb_buf path = DDB_BUF_INIT;
    int rc = ddb_expr_render_path(&path, ctx, a->path);
    const char *p = ddb_buf_cstr(&path);
    if (rc == 0) {
        switch (a->kind) {
        case ACT_SET:
            rc = ddb_buf_printf(out, "%s = ", p);
            break;
        case ACT_SET_PLUS:
            rc = ddb_buf_printf(out, "%s = %s + ", p, p);
            break;
        case ACT_SET_MINUS:
            rc = ddb_buf_printf(out, "%s = %s - ", p, p);
            break;
        case ACT_SET_IF_NOT_EXISTS:
            rc = ddb_buf_printf(out, "%s = if_not_exists(%s, ", p, p);
            break;
        case ACT_LIST_APPEND:
            rc = ddb_buf_printf(out, "%s = list_append(%s, ", p, p);
            break;
        case ACT_LIST_PREPEND:
            rc = ddb_buf_printf(out, "%s = list_append(", p);
            break;
        case ACT_REMOVE:
            rc = ddb_buf_puts(out, p);
            break;
        case ACT_ADD:
        case ACT_DELETE:
            rc = ddb_buf_printf(out, "%s ", p);
            break;
        }
    }
    if (rc == 0 && a->value != NULL)
        rc = put_value(ctx, a->value, a->seal, out);
    if (rc == 0 && (a->kind == ACT_SET_IF_NOT_EXISTS || a->kind == ACT_LIST_APPEND))
        rc = ddb_buf_putc(out, ')');
    if (rc == 0 && a->kind == ACT_LIST_PREPEND)
        rc = ddb_buf_printf(out, ", %s)", p);
    ddb_buf_free(&path);
    return rc;
}

int ddb_expr_render_update(ddb_buf *out, ddb_expr_ctx *ctx, const ddb_update *u)
{
    if (u == NULL)
        return ddb_error_set(DDB_EINVAL, "update is NULL");
    if (u->code != 0)
        return report_error_node(u->code, u->message, "update");
    if (u->len == 0)
        return ddb_error_set(DDB_EINVAL, "update has no actions");
    bool any = false;
    for (int clause = 0; clause < 4; clause++) {
        bool first = true;
        for (size_t i = 0; i < u->len; i++) {
            if (clause_of(u->items[i].kind) != clause)
                continue;
            int rc = ddb_buf_puts(out, first ? (any ? " " : "") : ", ");
            if (rc == 0 && first)
                rc = ddb_buf_printf(out, "%s ", clause_name[clause]);
            if (rc == 0)
                rc = render_action(ctx, &u->items[i], out);
            if (rc != 0)
                return rc;
            first = false;
            any = true;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- sealing */

void ddb_cond_seal_with(ddb_cond *c, const void *field)
{
    if (c != NULL && c->kind != COND_ERROR && c->kind != COND_AND && c->kind != COND_OR && c->kind != COND_NOT)
        c->seal = field;
}

void ddb_update_seal_with(ddb_update *u, const void *field)
{
    if (u != NULL && u->code == 0 && u->len == 1)
        u->items[0].seal = field;
}
