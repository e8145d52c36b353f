/*
 * tmpl_eval.c - rendering: statements append to r->out, expressions make
 * values.
 *
 * eval() returns a new reference in *out. With `allow_undef` (the input of
 * `default`, the operand of `is defined`) a missing variable, attribute or
 * item yields *out == NULL instead of an error; everywhere else an undefined
 * value is an error at the lookup that failed.
 *
 * Scopes follow Jinja2: a `for` iteration, a macro call and an include each
 * get a frame whose assignments vanish with it; `if` has none. A macro sees
 * its parameters and the frame it was defined in, not its caller's.
 */
#include <assert.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddb/error.h"
#include "tmpl_int.h"

/* Deepest nesting of expression evaluation, macro calls and includes
 * together: bounds the C stack a template can use. */
#define MAX_NESTING 1000

/* The work of a macro call or an include beyond its expressions and
 * statements: a frame, its variables, the arguments bound (tmpl_charge). */
#define CALL_WORK 64

int tmpl_vfail(tmpl_run *r, tmpl_pos pos, const char *fmt, va_list ap)
{
    return tmpl_error_vset(r->err, r->tpl->name, pos, fmt, ap);
}

int tmpl_fail(tmpl_run *r, tmpl_pos pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = tmpl_vfail(r, pos, fmt, ap);
    va_end(ap);
    return rc;
}

static int oom(tmpl_run *r, tmpl_pos pos)
{
    return tmpl_fail(r, pos, "out of memory");
}

int tmpl_charge(tmpl_run *r, tmpl_pos pos, size_t units)
{
    if (units < r->work_left) {
        r->work_left -= units;
        return 0;
    }
    r->work_left = 0;
    return tmpl_fail(r, pos,
                     "rendering needs more than %zu units of work (a loop or recursion that "
                     "does not end, or text or lists that keep doubling?)",
                     r->work_limit);
}

/* `a` times `b`, or SIZE_MAX when that does not fit. */
static size_t times(size_t a, size_t b)
{
    return b != 0 && a > SIZE_MAX / b ? SIZE_MAX : a * b;
}

/* Stores a freshly made value in *out; NULL means the constructor ran out of memory. */
static int made(tmpl_run *r, tmpl_pos pos, tmpl_value *v, tmpl_value **out)
{
    *out = v;
    return v != NULL ? 0 : oom(r, pos);
}

/* Enters one level of evaluation (or, with `call`, a macro call or include). */
static int enter(tmpl_run *r, tmpl_pos pos, bool call)
{
    if (r->depth >= MAX_NESTING && r->calls > 0)
        return tmpl_fail(r, pos,
                         "nested too deeply: %u macro calls and includes in progress "
                         "(endless recursion?)",
                         r->calls);
    if (r->depth >= MAX_NESTING)
        return tmpl_fail(r, pos, "expression nested too deeply (more than %d levels)", MAX_NESTING);
    if (tmpl_charge(r, pos, call ? CALL_WORK : 1) != 0)
        return -1;
    r->depth++;
    r->calls += call;
    return 0;
}

static void leave(tmpl_run *r, bool call)
{
    r->depth--;
    r->calls -= call;
}

/* A lookup found nothing: fine when the caller allows undefined values
 * (*out stays NULL), an error otherwise. */
static int undefined(tmpl_run *r, bool allow, tmpl_pos pos, const char *fmt, ...) TMPL_PRINTF(4, 5);

static int undefined(tmpl_run *r, bool allow, tmpl_pos pos, const char *fmt, ...)
{
    if (allow)
        return 0;
    va_list ap;
    va_start(ap, fmt);
    int rc = tmpl_vfail(r, pos, fmt, ap);
    va_end(ap);
    return rc;
}

/* ---- scopes ------------------------------------------------------------------ */

static const tmpl_value *lookup(const tmpl_frame *f, const char *name)
{
    for (; f != NULL; f = f->parent) {
        const tmpl_value *v = tmpl_dict_get(f->locals, name);
        if (v == NULL)
            v = tmpl_dict_get(f->globals, name);
        if (v != NULL)
            return v;
    }
    return NULL;
}

/* Binds `name` to `v` (taken over) in frame `f`. */
static int assign(tmpl_run *r, tmpl_pos pos, tmpl_frame *f, const char *name, tmpl_value *v)
{
    if (f->locals == NULL && (f->locals = tmpl_dict()) == NULL) {
        tmpl_value_free(v);
        return oom(r, pos);
    }
    return tmpl_dict_set(f->locals, name, v) == 0 ? 0 : oom(r, pos);
}

/* ---- expressions ---------------------------------------------------------------- */

static int eval(tmpl_run *r, const tmpl_expr *e, bool allow_undef, tmpl_value **out);
static int render_body(tmpl_run *r, const tmpl_node *n);

/* Writes "a.b[0]" for an expression made of names, attributes and literal
 * indexes, for messages; returns false for any other expression. */
static bool expr_path(const tmpl_expr *e, char *buf, size_t size)
{
    if (e->kind == E_NAME)
        return (size_t)snprintf(buf, size, "%s", e->u.str.s) < size;
    if ((e->kind != E_ATTR && e->kind != E_INDEX) || !expr_path(e->u.sub.obj, buf, size))
        return false;
    size_t n = strlen(buf);
    const tmpl_expr *idx = e->u.sub.index;
    int len;
    if (e->kind == E_ATTR)
        len = snprintf(buf + n, size - n, ".%s", e->u.sub.name);
    else if (idx->kind == E_INT)
        len = snprintf(buf + n, size - n, "[%lld]", idx->u.i);
    else if (idx->kind == E_STR)
        len = snprintf(buf + n, size - n, "[\"%s\"]", idx->u.str.s);
    else
        return false;
    return len >= 0 && (size_t)len < size - n;
}

/* "'a.b' (dict)" or "dict": what a failed lookup looked in. */
static const char *describe_obj(const tmpl_expr *e, const tmpl_value *v, char *buf, size_t size)
{
    char path[96];
    if (!expr_path(e, path, sizeof path))
        return tmpl_kind_name(v->kind);
    snprintf(buf, size, "'%s' (%s)", path, tmpl_kind_name(v->kind));
    return buf;
}

static int eval_name(tmpl_run *r, const tmpl_expr *e, bool allow_undef, tmpl_value **out)
{
    const tmpl_value *v = lookup(r->scope, e->u.str.s);
    if (v == NULL)
        return undefined(r, allow_undef, e->pos, "'%s' is undefined", e->u.str.s);
    *out = tmpl_value_ref(v);
    return 0;
}

/* obj[index] for an evaluated object and index. */
static int index_value(tmpl_run *r, const tmpl_expr *e, const tmpl_value *obj,
                       const tmpl_value *idx, bool allow_undef, tmpl_value **out)
{
    char buf[128];
    const char *what = describe_obj(e->u.sub.obj, obj, buf, sizeof buf);
    const tmpl_value *v = NULL;
    if (obj->kind == TMPL_LIST && idx->kind == TMPL_INT) {
        long long len = (long long)obj->u.list.len, i = idx->u.i < 0 ? idx->u.i + len : idx->u.i;
        if (i < 0 || i >= len)
            return undefined(r, allow_undef, e->pos,
                             "index %lld out of range for %s of length %lld", idx->u.i, what, len);
        v = obj->u.list.items[i];
    } else if (obj->kind == TMPL_DICT && idx->kind == TMPL_STR) {
        v = tmpl_dict_getn(obj, idx->u.str.s, idx->u.str.len);
        if (v == NULL)
            return undefined(r, allow_undef, e->pos, "%s has no key '%s'", what, idx->u.str.s);
    } else {
        return undefined(r, allow_undef, e->pos, "cannot index %s with %s %s", what,
                         idx->kind == TMPL_INT ? "an" : "a", tmpl_kind_name(idx->kind));
    }
    *out = tmpl_value_ref(v);
    return 0;
}

static int eval_attr(tmpl_run *r, const tmpl_expr *e, const tmpl_value *obj, bool allow_undef,
                     tmpl_value **out)
{
    const tmpl_value *v = tmpl_dict_get(obj, e->u.sub.name);
    if (v == NULL) {
        char buf[128];
        return undefined(r, allow_undef, e->pos, "%s has no attribute '%s'",
                         describe_obj(e->u.sub.obj, obj, buf, sizeof buf), e->u.sub.name);
    }
    *out = tmpl_value_ref(v);
    return 0;
}

/* obj.name, obj[index], obj.0 */
static int eval_subscript(tmpl_run *r, const tmpl_expr *e, bool allow_undef, tmpl_value **out)
{
    tmpl_value *obj = NULL, *idx = NULL;
    int rc = eval(r, e->u.sub.obj, false, &obj);
    if (rc == 0 && e->kind == E_ATTR)
        rc = eval_attr(r, e, obj, allow_undef, out);
    else if (rc == 0 && (rc = eval(r, e->u.sub.index, false, &idx)) == 0)
        rc = index_value(r, e, obj, idx, allow_undef, out);
    tmpl_value_free(obj);
    tmpl_value_free(idx);
    return rc;
}

static int eval_list(tmpl_run *r, const tmpl_expr *e, tmpl_value **out)
{
    tmpl_value *list = tmpl_list();
    if (list == NULL)
        return oom(r, e->pos);
    for (const tmpl_arg *a = e->u.items; a != NULL; a = a->next) {
        tmpl_value *item;
        int rc = eval(r, a->value, false, &item);
        if (rc == 0 && tmpl_charge(r, a->pos, sizeof item) != 0) {
            tmpl_value_free(item);
            rc = -1;
        }
        if (rc == 0 && tmpl_list_push(list, item) != 0)
            rc = oom(r, a->pos);
        if (rc != 0) {
            tmpl_value_free(list);
            return rc;
        }
    }
    *out = list;
    return 0;
}

static int eval_filter(tmpl_run *r, const tmpl_expr *e, bool allow_undef, tmpl_value **out)
{
    const tmpl_filter *f = e->u.filter.filter;
    tmpl_value *in = NULL, *args[TMPL_FILTER_MAX_PARAMS] = {NULL};
    assert(f->sig.nparams <= TMPL_FILTER_MAX_PARAMS);
    int rc = eval(r, e->u.filter.input, f->accepts_undefined, &in);
    for (size_t i = 0; rc == 0 && i < f->sig.nparams; i++)
        if (e->u.filter.argv[i] != NULL)
            rc = eval(r, e->u.filter.argv[i], false, &args[i]);
    if (rc == 0 && in != NULL) /* reading the input */
        rc = tmpl_charge(r, e->pos, tmpl_weight(in));
    if (rc == 0) {
        tmpl_filter_call fc = {r, e->pos, f->sig.name, allow_undef};
        rc = tmpl_filter_apply(&fc, f, in, args, out);
    }
    if (rc == 0 && *out != NULL && tmpl_charge(r, e->pos, tmpl_weight(*out)) != 0) {
        tmpl_value_free(*out);
        *out = NULL;
        rc = -1;
    }
    tmpl_value_free(in);
    for (size_t i = 0; i < f->sig.nparams; i++)
        tmpl_value_free(args[i]);
    return rc;
}

static int eval_test(tmpl_run *r, const tmpl_expr *e, tmpl_value **out)
{
    tmpl_value *v = NULL;
    if (eval(r, e->u.test.input, true, &v) != 0)
        return -1;
    bool result = tmpl_test_apply(e->u.test.test, v) != e->u.test.negate;
    tmpl_value_free(v);
    return made(r, e->pos, tmpl_bool(result), out);
}

/* Renders `body` into a new string value. */
static int render_capture(tmpl_run *r, tmpl_pos pos, const tmpl_node *body, tmpl_value **out)
{
    ddb_buf buf = DDB_BUF_INIT;
    ddb_buf *saved = r->out;
    r->out = &buf;
    int rc = render_body(r, body);
    r->out = saved;
    if (rc == 0)
        rc = made(r, pos, tmpl_str_buf(&buf), out);
    ddb_buf_free(&buf);
    return rc;
}

/* Evaluates the arguments in `slots` (in the caller's scope) into `frame`. */
static int bind_args(tmpl_run *r, const tmpl_sig *sig, tmpl_expr *const *slots, tmpl_frame *frame)
{
    for (size_t i = 0; i < sig->nparams; i++) {
        tmpl_value *v;
        if (slots[i] == NULL)
            continue;
        if (eval(r, slots[i], false, &v) != 0 ||
            assign(r, slots[i]->pos, frame, sig->params[i], v) != 0)
            return -1;
    }
    return 0;
}

/* Evaluates the defaults of the parameters the call left out, in the macro's
 * own scope (so a default may use an earlier parameter). */
static int bind_defaults(tmpl_run *r, const tmpl_node *def, tmpl_expr *const *slots,
                         tmpl_frame *frame)
{
    const tmpl_sig *sig = &def->u.macro.sig;
    for (size_t i = 0; i < sig->nparams; i++) {
        tmpl_value *v;
        if (slots[i] != NULL)
            continue;
        if (eval(r, def->u.macro.defaults[i], false, &v) != 0 ||
            assign(r, def->pos, frame, sig->params[i], v) != 0)
            return -1;
    }
    return 0;
}

/* Runs a macro with the arguments already bound; its output becomes *out. */
static int run_macro(tmpl_run *r, const tmpl_expr *call, const tmpl_macro *m,
                     tmpl_expr *const *slots, tmpl_value **out)
{
    tmpl_frame frame = {NULL, NULL, m->scope};
    int rc = bind_args(r, &m->def->u.macro.sig, slots, &frame);
    const tmpl_template *caller_tpl = r->tpl;
    tmpl_frame *caller_scope = r->scope;
    if (rc == 0)
        rc = enter(r, call->pos, true);
    if (rc == 0) {
        r->tpl = m->tpl;
        r->scope = &frame;
        rc = bind_defaults(r, m->def, slots, &frame);
        if (rc == 0)
            rc = render_capture(r, m->def->pos, m->def->u.macro.body, out);
        r->tpl = caller_tpl;
        r->scope = caller_scope;
        leave(r, true);
    }
    tmpl_value_free(frame.locals);
    return rc;
}

static int eval_call(tmpl_run *r, const tmpl_expr *e, tmpl_value **out)
{
    tmpl_value *callee = NULL;
    if (eval(r, e->u.call.callee, false, &callee) != 0)
        return -1;
    int rc = -1;
    if (callee->kind != TMPL_MACRO) {
        char buf[128];
        tmpl_fail(r, e->pos, "cannot call %s: only macros can be called",
                  describe_obj(e->u.call.callee, callee, buf, sizeof buf));
    } else {
        const tmpl_sig *sig = &callee->u.macro.def->u.macro.sig;
        tmpl_expr **slots = calloc(sig->nparams + 1, sizeof *slots);
        tmpl_pos at;
        char msg[160];
        if (slots == NULL)
            oom(r, e->pos);
        else if (tmpl_sig_bind(sig, e->u.call.args, e->pos, slots, &at, msg, sizeof msg) != 0)
            tmpl_fail(r, at, "%s", msg);
        else
            rc = run_macro(r, e, &callee->u.macro, slots, out);
        free(slots);
    }
    tmpl_value_free(callee);
    return rc;
}

static int eval_not(tmpl_run *r, const tmpl_expr *e, tmpl_value **out)
{
    tmpl_value *v;
    if (eval(r, e->u.operand, false, &v) != 0)
        return -1;
    bool result = !tmpl_truthy(v);
    tmpl_value_free(v);
    return made(r, e->pos, tmpl_bool(result), out);
}

static int eval_neg(tmpl_run *r, const tmpl_expr *e, tmpl_value **out)
{
    tmpl_value *v;
    if (eval(r, e->u.operand, false, &v) != 0)
        return -1;
    int rc;
    long long i;
    if (!tmpl_as_int(v, &i))
        rc = tmpl_fail(r, e->pos, "unary '-' needs an integer, got %s", tmpl_kind_name(v->kind));
    else if (i == LLONG_MIN)
        rc = tmpl_fail(r, e->pos, "integer overflow in unary '-'");
    else
        rc = made(r, e->pos, tmpl_int(-i), out);
    tmpl_value_free(v);
    return rc;
}

/* a + b, a - b on integers. */
static int arithmetic(tmpl_run *r, const tmpl_expr *e, const tmpl_value *a, const tmpl_value *b,
                      tmpl_value **out)
{
    tmpl_op op = e->u.bin.op;
    long long x, y;
    if (!tmpl_as_int(a, &x) || !tmpl_as_int(b, &y))
        return tmpl_fail(r, e->pos, "'%s' needs two integers%s, got %s and %s", tmpl_op_text(op),
                         op == OP_PLUS ? ", strings or lists (or use '~' to join as text)" : "",
                         tmpl_kind_name(a->kind), tmpl_kind_name(b->kind));
    if (op == OP_MINUS && y == LLONG_MIN)
        return tmpl_fail(r, e->pos, "integer overflow in '%s'", tmpl_op_text(op));
    y = op == OP_PLUS ? y : -y;
    if ((y > 0 && x > LLONG_MAX - y) || (y < 0 && x < LLONG_MIN - y))
        return tmpl_fail(r, e->pos, "integer overflow in '%s'", tmpl_op_text(op));
    return made(r, e->pos, tmpl_int(x + y), out);
}

/* a ~ b (and a + b on strings): the text of both. */
static int concat(tmpl_run *r, const tmpl_expr *e, const tmpl_value *a, const tmpl_value *b,
                  tmpl_value **out)
{
    ddb_buf buf = DDB_BUF_INIT;
    int rc = tmpl_put_text(&buf, a);
    if (rc == 0)
        rc = tmpl_put_text(&buf, b);
    if (rc == DDB_EINVAL)
        rc = tmpl_fail(r, e->pos, "'%s' needs text, got %s and %s", tmpl_op_text(e->u.bin.op),
                       tmpl_kind_name(a->kind), tmpl_kind_name(b->kind));
    else if (rc != 0)
        rc = oom(r, e->pos);
    else if ((rc = tmpl_charge(r, e->pos, buf.len)) == 0)
        rc = made(r, e->pos, tmpl_str_buf(&buf), out);
    ddb_buf_free(&buf);
    return rc;
}

/* a + b on lists: a new list of the items of both. */
static int concat_lists(tmpl_run *r, const tmpl_expr *e, const tmpl_value *a, const tmpl_value *b,
                        tmpl_value **out)
{
    if (tmpl_charge(r, e->pos, tmpl_weight(a) + tmpl_weight(b)) != 0)
        return -1;
    tmpl_value *list = tmpl_list();
    const tmpl_value *parts[] = {a, b};
    int rc = list != NULL ? 0 : -1;
    for (size_t k = 0; k < 2; k++)
        for (size_t i = 0; rc == 0 && i < parts[k]->u.list.len; i++)
            rc = tmpl_list_push(list, tmpl_value_ref(parts[k]->u.list.items[i]));
    if (rc != 0) {
        tmpl_value_free(list);
        return oom(r, e->pos);
    }
    *out = list;
    return 0;
}

/* `and` / `or`: Python semantics, the result is one of the operands (so
 * the right one may be undefined where the caller allows it). */
static int eval_logic(tmpl_run *r, const tmpl_expr *e, bool allow_undef, tmpl_value **out)
{
    tmpl_value *lhs;
    if (eval(r, e->u.bin.lhs, false, &lhs) != 0)
        return -1;
    if (tmpl_truthy(lhs) == (e->u.bin.op == OP_OR)) {
        *out = lhs;
        return 0;
    }
    tmpl_value_free(lhs);
    return eval(r, e->u.bin.rhs, allow_undef, out);
}

/* a ~ b, and a + b, a - b (Python's: integers add, strings and lists join). */
static int binary_op(tmpl_run *r, const tmpl_expr *e, const tmpl_value *a, const tmpl_value *b,
                     tmpl_value **out)
{
    tmpl_op op = e->u.bin.op;
    bool same = a->kind == b->kind;
    if (op == OP_TILDE || (op == OP_PLUS && same && a->kind == TMPL_STR))
        return concat(r, e, a, b, out);
    if (op == OP_PLUS && same && a->kind == TMPL_LIST)
        return concat_lists(r, e, a, b, out);
    return arithmetic(r, e, a, b, out);
}

static int eval_binary(tmpl_run *r, const tmpl_expr *e, bool allow_undef, tmpl_value **out)
{
    if (e->u.bin.op == OP_AND || e->u.bin.op == OP_OR)
        return eval_logic(r, e, allow_undef, out);
    tmpl_value *a = NULL, *b = NULL;
    int rc = eval(r, e->u.bin.lhs, false, &a);
    if (rc == 0)
        rc = eval(r, e->u.bin.rhs, false, &b);
    if (rc == 0)
        rc = binary_op(r, e, a, b, out);
    tmpl_value_free(a);
    tmpl_value_free(b);
    return rc;
}

static bool contains_text(const tmpl_value *hay, const tmpl_value *needle)
{
    size_t n = needle->u.str.len, len = hay->u.str.len;
    for (size_t i = 0; n <= len && i <= len - n; i++)
        if (memcmp(hay->u.str.s + i, needle->u.str.s, n) == 0)
            return true;
    return false;
}

/* tmpl_equal, charging the render for the comparison. */
static int equal(tmpl_run *r, tmpl_pos pos, const tmpl_value *a, const tmpl_value *b, bool *result)
{
    size_t left = r->work_left;
    *result = tmpl_equal(a, b, &left);
    return tmpl_charge(r, pos, r->work_left - left + (left == 0));
}

/* `needle in hay` for strings (substring), lists (an equal item) and dicts (a key). */
static int contains(tmpl_run *r, const tmpl_cmp *c, const tmpl_value *needle, const tmpl_value *hay,
                    bool *result)
{
    *result = false;
    switch (hay->kind) {
    case TMPL_STR:
        if (needle->kind != TMPL_STR)
            return tmpl_fail(r, c->pos, "'%s' a string needs a string on the left, got %s",
                             tmpl_op_text(c->op), tmpl_kind_name(needle->kind));
        /* at most every position of the haystack against the whole needle */
        if (tmpl_charge(r, c->pos, times(hay->u.str.len + 1, needle->u.str.len + 1)) != 0)
            return -1;
        *result = contains_text(hay, needle);
        return 0;
    case TMPL_LIST:
        for (size_t i = 0; i < hay->u.list.len && !*result; i++)
            if (equal(r, c->pos, needle, hay->u.list.items[i], result) != 0)
                return -1;
        return 0;
    case TMPL_DICT:
        if (tmpl_charge(r, c->pos, tmpl_weight(hay) + tmpl_weight(needle)) != 0)
            return -1;
        *result = needle->kind == TMPL_STR &&
                  tmpl_dict_getn(hay, needle->u.str.s, needle->u.str.len) != NULL;
        return 0;
    case TMPL_NONE:
    case TMPL_BOOL:
    case TMPL_INT:
    case TMPL_MACRO:
        break;
    }
    return tmpl_fail(r, c->pos, "'%s' needs a string, list or dict on the right, got %s",
                     tmpl_op_text(c->op), tmpl_kind_name(hay->kind));
}

/* <, <=, >, >= on two integers (or booleans) or two strings (byte order,
 * which is code point order for UTF-8). */
static int order(tmpl_run *r, const tmpl_cmp *c, const tmpl_value *a, const tmpl_value *b,
                 bool *result)
{
    int cmp;
    long long x, y;
    if (tmpl_as_int(a, &x) && tmpl_as_int(b, &y)) {
        cmp = (x > y) - (x < y);
    } else if (a->kind == TMPL_STR && b->kind == TMPL_STR) {
        size_t n = a->u.str.len < b->u.str.len ? a->u.str.len : b->u.str.len;
        if (tmpl_charge(r, c->pos, n) != 0)
            return -1;
        cmp = memcmp(a->u.str.s, b->u.str.s, n);
        if (cmp == 0)
            cmp = (a->u.str.len > b->u.str.len) - (a->u.str.len < b->u.str.len);
    } else {
        return tmpl_fail(r, c->pos, "cannot compare %s and %s with '%s'", tmpl_kind_name(a->kind),
                         tmpl_kind_name(b->kind), tmpl_op_text(c->op));
    }
    *result = c->op == OP_LT   ? cmp < 0
              : c->op == OP_LE ? cmp <= 0
              : c->op == OP_GT ? cmp > 0
                               : cmp >= 0;
    return 0;
}

static int compare(tmpl_run *r, const tmpl_cmp *c, const tmpl_value *a, const tmpl_value *b,
                   bool *result)
{
    if (c->op == OP_EQ || c->op == OP_NE) {
        int rc = equal(r, c->pos, a, b, result);
        *result = *result == (c->op == OP_EQ);
        return rc;
    }
    if (c->op != OP_IN && c->op != OP_NOT_IN)
        return order(r, c, a, b, result);
    int rc = contains(r, c, a, b, result);
    *result = *result == (c->op == OP_IN);
    return rc;
}

/* a < b <= c ... is (a < b) and (b <= c), each operand evaluated once. */
static int eval_compare(tmpl_run *r, const tmpl_expr *e, tmpl_value **out)
{
    tmpl_value *lhs;
    if (eval(r, e->u.cmp.lhs, false, &lhs) != 0)
        return -1;
    bool result = true;
    int rc = 0;
    for (const tmpl_cmp *c = e->u.cmp.chain; c != NULL && rc == 0 && result; c = c->next) {
        tmpl_value *rhs;
        rc = eval(r, c->rhs, false, &rhs);
        if (rc == 0)
            rc = compare(r, c, lhs, rhs, &result);
        tmpl_value_free(lhs);
        lhs = rc == 0 ? rhs : NULL;
        if (rc != 0)
            tmpl_value_free(rhs);
    }
    tmpl_value_free(lhs);
    return rc != 0 ? rc : made(r, e->pos, tmpl_bool(result), out);
}

/* `a if cond else b`. Without `else`, a false condition gives what Jinja2
 * gives: a lenient undefined, which `default` and `is defined` see as
 * undefined and everything else as "". */
static int eval_cond(tmpl_run *r, const tmpl_expr *e, bool allow_undef, tmpl_value **out)
{
    tmpl_value *cond;
    if (eval(r, e->u.cond.cond, false, &cond) != 0)
        return -1;
    bool truth = tmpl_truthy(cond);
    tmpl_value_free(cond);
    if (truth)
        return eval(r, e->u.cond.then, allow_undef, out);
    if (e->u.cond.otherwise != NULL)
        return eval(r, e->u.cond.otherwise, allow_undef, out);
    return allow_undef ? 0 : made(r, e->pos, tmpl_str(""), out);
}

static int eval_inner(tmpl_run *r, const tmpl_expr *e, bool allow_undef, tmpl_value **out)
{
    switch (e->kind) {
    case E_STR:
        if (tmpl_charge(r, e->pos, e->u.str.len) != 0)
            return -1;
        return made(r, e->pos, tmpl_str_n(e->u.str.s, e->u.str.len), out);
    case E_INT:
        return made(r, e->pos, tmpl_int(e->u.i), out);
    case E_BOOL:
        return made(r, e->pos, tmpl_bool(e->u.b), out);
    case E_NONE:
        return made(r, e->pos, tmpl_none(), out);
    case E_LIST:
        return eval_list(r, e, out);
    case E_NAME:
        return eval_name(r, e, allow_undef, out);
    case E_ATTR:
    case E_INDEX:
        return eval_subscript(r, e, allow_undef, out);
    case E_FILTER:
        return eval_filter(r, e, allow_undef, out);
    case E_TEST:
        return eval_test(r, e, out);
    case E_CALL:
        return eval_call(r, e, out);
    case E_NOT:
        return eval_not(r, e, out);
    case E_NEG:
        return eval_neg(r, e, out);
    case E_BINARY:
        return eval_binary(r, e, allow_undef, out);
    case E_COMPARE:
        return eval_compare(r, e, out);
    case E_COND:
        return eval_cond(r, e, allow_undef, out);
    }
    return tmpl_fail(r, e->pos, "internal error: unknown expression");
}

static int eval(tmpl_run *r, const tmpl_expr *e, bool allow_undef, tmpl_value **out)
{
    *out = NULL;
    if (enter(r, e->pos, false) != 0)
        return -1;
    int rc = eval_inner(r, e, allow_undef, out);
    leave(r, false);
    return rc;
}

/* ---- statements -------------------------------------------------------------------- */

static int render_output(tmpl_run *r, const tmpl_node *n)
{
    tmpl_value *v;
    if (eval(r, n->u.expr, false, &v) != 0)
        return -1;
    size_t before = r->out->len;
    int rc = tmpl_put_text(r->out, v);
    if (rc == DDB_EINVAL)
        rc = tmpl_fail(r, n->pos, "cannot print a %s (loop over it, or use the 'join' filter)",
                       tmpl_kind_name(v->kind));
    else if (rc != 0)
        rc = oom(r, n->pos);
    else
        rc = tmpl_charge(r, n->pos, r->out->len - before);
    tmpl_value_free(v);
    return rc;
}

static int render_if(tmpl_run *r, const tmpl_node *n)
{
    for (const tmpl_branch *b = n->u.branches; b != NULL; b = b->next) {
        bool taken = b->cond == NULL;
        if (!taken) {
            tmpl_value *v;
            if (eval(r, b->cond, false, &v) != 0)
                return -1;
            taken = tmpl_truthy(v);
            tmpl_value_free(v);
        }
        if (taken)
            return render_body(r, b->body);
    }
    return 0;
}

/* The `loop` variable of iteration `i` of `len`. */
static int loop_info(tmpl_run *r, tmpl_pos pos, size_t i, size_t len, tmpl_value **out)
{
    const struct {
        const char *name;
        long long value;
        bool is_bool;
    } fields[] = {
        {"index", (long long)i + 1, false},
        {"index0", (long long)i, false},
        {"revindex", (long long)(len - i), false},
        {"revindex0", (long long)(len - i - 1), false},
        {"first", i == 0, true},
        {"last", i + 1 == len, true},
        {"length", (long long)len, false},
    };
    tmpl_value *d = tmpl_dict();
    int rc = d != NULL ? 0 : -1;
    for (size_t k = 0; rc == 0 && k < sizeof fields / sizeof fields[0]; k++)
        rc = tmpl_dict_set(d, fields[k].name,
                           fields[k].is_bool ? tmpl_bool(fields[k].value != 0)
                                             : tmpl_int(fields[k].value));
    if (rc != 0) {
        tmpl_value_free(d);
        return oom(r, pos);
    }
    *out = d;
    return 0;
}

/* Binds the loop variable(s) to `item`, unpacking a pair for `for k, v in`. */
static int bind_loop_vars(tmpl_run *r, const tmpl_node *n, tmpl_frame *frame,
                          const tmpl_value *item)
{
    if (n->u.loop.var2 == NULL)
        return assign(r, n->pos, frame, n->u.loop.var, tmpl_value_ref(item));
    if (item->kind != TMPL_LIST)
        return tmpl_fail(r, n->pos, "cannot unpack %s into 2 loop variables",
                         tmpl_kind_name(item->kind));
    if (item->u.list.len != 2)
        return tmpl_fail(r, n->pos, "cannot unpack a list of %zu items into 2 loop variables",
                         item->u.list.len);
    if (assign(r, n->pos, frame, n->u.loop.var, tmpl_value_ref(item->u.list.items[0])) != 0)
        return -1;
    return assign(r, n->pos, frame, n->u.loop.var2, tmpl_value_ref(item->u.list.items[1]));
}

static int render_iteration(tmpl_run *r, const tmpl_node *n, const tmpl_value *item, size_t i,
                            size_t len)
{
    tmpl_frame frame = {NULL, NULL, r->scope};
    tmpl_value *loop = NULL;
    int rc = bind_loop_vars(r, n, &frame, item);
    if (rc == 0)
        rc = loop_info(r, n->pos, i, len, &loop);
    if (rc == 0 && tmpl_charge(r, n->pos, tmpl_weight(loop)) != 0) { /* the iteration's own values */
        tmpl_value_free(loop);
        rc = -1;
    }
    if (rc == 0)
        rc = assign(r, n->pos, &frame, "loop", loop);
    if (rc == 0) {
        r->scope = &frame;
        rc = render_body(r, n->u.loop.body);
        r->scope = frame.parent;
    }
    tmpl_value_free(frame.locals);
    return rc;
}

/* The items a `for` visits: a list itself, or the keys of a dict. */
static int loop_items(tmpl_run *r, const tmpl_node *n, tmpl_value *seq, tmpl_value **out)
{
    if (seq->kind == TMPL_LIST) {
        *out = tmpl_value_ref(seq);
        return 0;
    }
    if (seq->kind != TMPL_DICT)
        return tmpl_fail(r, n->u.loop.iter->pos, "cannot loop over %s", tmpl_kind_name(seq->kind));
    if (tmpl_charge(r, n->pos, tmpl_weight(seq)) != 0)
        return -1;
    tmpl_value *keys = tmpl_list();
    for (size_t i = 0; keys != NULL && i < seq->u.dict.len; i++) {
        const tmpl_entry *e = &seq->u.dict.entries[i];
        if (tmpl_list_push(keys, tmpl_str_n(e->key, e->key_len)) != 0) {
            tmpl_value_free(keys);
            keys = NULL;
        }
    }
    return made(r, n->pos, keys, out);
}

static int render_for(tmpl_run *r, const tmpl_node *n)
{
    tmpl_value *seq, *items = NULL;
    if (eval(r, n->u.loop.iter, false, &seq) != 0)
        return -1;
    int rc = loop_items(r, n, seq, &items);
    tmpl_value_free(seq);
    if (rc != 0)
        return rc;
    size_t len = items->u.list.len;
    for (size_t i = 0; rc == 0 && i < len; i++)
        rc = render_iteration(r, n, items->u.list.items[i], i, len);
    if (rc == 0 && len == 0)
        rc = render_body(r, n->u.loop.otherwise);
    tmpl_value_free(items);
    return rc;
}

static int render_set(tmpl_run *r, const tmpl_node *n)
{
    tmpl_value *v;
    int rc = n->u.set.value != NULL ? eval(r, n->u.set.value, false, &v)
                                    : render_capture(r, n->pos, n->u.set.body, &v);
    return rc != 0 ? rc : assign(r, n->pos, r->scope, n->u.set.name, v);
}

static int render_macro_def(tmpl_run *r, const tmpl_node *n)
{
    tmpl_value *m = tmpl_macro_new(n, r->tpl, r->scope);
    if (m == NULL)
        return oom(r, n->pos);
    return assign(r, n->pos, r->scope, n->u.macro.sig.name, m);
}

static int render_include(tmpl_run *r, const tmpl_node *n)
{
    tmpl_value *name;
    if (eval(r, n->u.expr, false, &name) != 0)
        return -1;
    int rc = -1;
    const tmpl_template *t = NULL;
    if (name->kind != TMPL_STR)
        tmpl_fail(r, n->u.expr->pos, "'include' needs a template name, got %s",
                  tmpl_kind_name(name->kind));
    else
        t = tmpl_env_get(r->env, name->u.str.s, r->err, r->tpl->name, n->u.expr->pos);
    tmpl_value_free(name);
    if (t != NULL && enter(r, n->pos, true) == 0) {
        const tmpl_template *saved = r->tpl;
        tmpl_frame frame = {NULL, NULL, r->scope};
        r->tpl = t;
        r->scope = &frame;
        rc = render_body(r, t->body);
        r->scope = frame.parent;
        r->tpl = saved;
        leave(r, true);
        tmpl_value_free(frame.locals);
    }
    return rc;
}

static int render_node(tmpl_run *r, const tmpl_node *n)
{
    if (tmpl_charge(r, n->pos, n->kind == N_TEXT ? n->u.text.len + 1 : 1) != 0)
        return -1;
    switch (n->kind) {
    case N_TEXT:
        return ddb_buf_append(r->out, n->u.text.s, n->u.text.len) == 0 ? 0 : oom(r, n->pos);
    case N_OUTPUT:
        return render_output(r, n);
    case N_IF:
        return render_if(r, n);
    case N_FOR:
        return render_for(r, n);
    case N_SET:
        return render_set(r, n);
    case N_MACRO:
        return render_macro_def(r, n);
    case N_INCLUDE:
        return render_include(r, n);
    }
    return tmpl_fail(r, n->pos, "internal error: unknown statement");
}

static int render_body(tmpl_run *r, const tmpl_node *n)
{
    for (; n != NULL; n = n->next)
        if (render_node(r, n) != 0)
            return -1;
    return 0;
}

int tmpl_render_root(tmpl_env *env, const tmpl_template *t, const tmpl_value *globals,
                     size_t work_limit, ddb_buf *out, tmpl_error *err)
{
    tmpl_frame root = {NULL, globals, NULL};
    tmpl_run r = {env, t, &root, out, 0, 0, work_limit, work_limit, err};
    int rc = render_body(&r, t->body);
    tmpl_value_free(root.locals);
    return rc;
}
