/*
 * tmpl_parse.c - tokens to syntax tree (recursive descent).
 *
 * Expression grammar, loosest binding first (as in Jinja2):
 *   expr    := or ('if' or ('else' expr)?)*
 *   or      := and ('or' and)*
 *   and     := not ('and' not)*
 *   not     := 'not'* compare
 *   compare := sum (('=='|'!='|'<'|'<='|'>'|'>='|'in'|'not in') sum)*
 *   sum     := concat (('+'|'-') concat)*
 *   concat  := unary ('~' unary)*
 *   unary   := '-'* primary postfix* filter*
 *   primary := string | integer | true | false | none | name | '(' expr ')'
 *            | '[' (expr (',' expr)* ','?)? ']'
 *   postfix := '.' name | '.' integer | '[' expr ']' | '(' args ')'
 *   filter  := '|' name ('(' args ')')? | 'is' 'not'? name
 *   args    := (expr ',')* (name '=' expr ',')* ','?
 * Statements: see `stmts`. Every node of the tree lives in the template's
 * arena, so a failed parse frees everything at once.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl_int.h"

/* Deepest nesting the parser accepts: a block body or a nested expression
 * (in parentheses, brackets, arguments, ...) is one level. Bounds the C
 * stack. */
#define MAX_DEPTH 200

/* ---- arena ---------------------------------------------------------------- */

typedef struct tmpl_arena_block {
    struct tmpl_arena_block *next;
    size_t used, cap; /* in units of max_align_t */
    max_align_t data[];
} tmpl_arena_block;

#define ARENA_BLOCK_UNITS (8192 / sizeof(max_align_t))

void *tmpl_arena_alloc(tmpl_arena *a, size_t size)
{
    size_t units = size / sizeof(max_align_t) + 1;
    tmpl_arena_block *b = a->head;
    if (b == NULL || b->cap - b->used < units) {
        size_t cap = units > ARENA_BLOCK_UNITS ? units : ARENA_BLOCK_UNITS;
        if (cap > (SIZE_MAX - sizeof *b) / sizeof(max_align_t))
            return NULL;
        b = calloc(1, sizeof *b + cap * sizeof(max_align_t));
        if (b == NULL)
            return NULL;
        b->cap = cap;
        b->next = a->head;
        a->head = b;
    }
    void *p = &b->data[b->used];
    b->used += units;
    return p;
}

char *tmpl_arena_strndup(tmpl_arena *a, const char *s, size_t len)
{
    char *copy = tmpl_arena_alloc(a, len + 1);
    if (copy != NULL && len != 0)
        memcpy(copy, s, len);
    return copy;
}

void tmpl_arena_free(tmpl_arena *a)
{
    while (a->head != NULL) {
        tmpl_arena_block *older = a->head->next;
        free(a->head);
        a->head = older;
    }
}

/* ---- parser state ---------------------------------------------------------- */

/* A block statement whose end tag has not been seen yet. */
typedef struct open_block {
    const char *kw; /* "if", "for", ... */
    tmpl_pos pos;
    const char *const *ends; /* tags that end the current body; the last closes the block */
    struct open_block *up;
} open_block;

typedef struct parser {
    const char *name;
    const tmpl_token *tok; /* current token; never moves past TK_EOF */
    tmpl_arena *arena;
    tmpl_error *err;
    open_block *open;
    unsigned depth;
} parser;

static int fail(parser *p, tmpl_pos pos, const char *fmt, ...) TMPL_PRINTF(3, 4);

static int fail(parser *p, tmpl_pos pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = tmpl_error_vset(p->err, p->name, pos, fmt, ap);
    va_end(ap);
    return rc;
}

static void next(parser *p)
{
    if (p->tok->kind != TK_EOF)
        p->tok++;
}

static bool tok_is(const tmpl_token *t, const char *kw)
{
    return t->kind == TK_NAME && t->len == strlen(kw) && memcmp(t->text, kw, t->len) == 0;
}

static bool is_kw(const parser *p, const char *kw)
{
    return tok_is(p->tok, kw);
}

static bool is_op(const parser *p, tmpl_op op)
{
    return p->tok->kind == TK_OP && p->tok->op == op;
}

/* A human description of a token, for "expected X, found Y". */
static const char *describe(const tmpl_token *t, char *buf, size_t size)
{
    switch (t->kind) {
    case TK_TEXT:
        return "template text";
    case TK_VAR_BEGIN:
        return "'{{'";
    case TK_VAR_END:
        return "'}}'";
    case TK_BLOCK_BEGIN:
        return "'{%'";
    case TK_BLOCK_END:
        return "'%}'";
    case TK_NAME:
        snprintf(buf, size, "'%.*s'", (int)(t->len < 40 ? t->len : 40), t->text);
        return buf;
    case TK_STRING:
        return "a string";
    case TK_INT:
        snprintf(buf, size, "integer %lld", t->num);
        return buf;
    case TK_OP:
        snprintf(buf, size, "'%s'", tmpl_op_text(t->op));
        return buf;
    case TK_EOF:
        return "end of template";
    }
    return "?";
}

/* "expected <what>, found <current token>"; returns -1. */
static int expected(parser *p, const char *what)
{
    char buf[64];
    return fail(p, p->tok->pos, "expected %s, found %s", what, describe(p->tok, buf, sizeof buf));
}

static int expect_op(parser *p, tmpl_op op, const char *context)
{
    if (!is_op(p, op)) {
        char what[64];
        snprintf(what, sizeof what, "'%s' %s", tmpl_op_text(op), context);
        return expected(p, what);
    }
    next(p);
    return 0;
}

/* Expects the '%}' that ends a statement; `after` names what came before. */
static int expect_end(parser *p, const char *after)
{
    if (p->tok->kind != TK_BLOCK_END) {
        char what[80];
        snprintf(what, sizeof what, "'%%}' after %s", after);
        return expected(p, what);
    }
    next(p);
    return 0;
}

/* A NUL-terminated copy of the current name token, which is consumed. */
static const char *take_name(parser *p, const char *what)
{
    if (p->tok->kind != TK_NAME) {
        expected(p, what);
        return NULL;
    }
    char *s = tmpl_arena_strndup(p->arena, p->tok->text, p->tok->len);
    if (s == NULL)
        fail(p, p->tok->pos, "out of memory");
    next(p);
    return s;
}

static int enter(parser *p)
{
    if (++p->depth > MAX_DEPTH)
        return fail(p, p->tok->pos, "nested too deeply (more than %d levels)", MAX_DEPTH);
    return 0;
}

static void *alloc(parser *p, size_t size, tmpl_pos pos)
{
    void *m = tmpl_arena_alloc(p->arena, size);
    if (m == NULL)
        fail(p, pos, "out of memory");
    return m;
}

static tmpl_expr *new_expr(parser *p, tmpl_expr_kind kind, tmpl_pos pos)
{
    tmpl_expr *e = alloc(p, sizeof *e, pos);
    if (e != NULL) {
        e->kind = kind;
        e->pos = pos;
    }
    return e;
}

static tmpl_node *new_node(parser *p, tmpl_node_kind kind, tmpl_pos pos)
{
    tmpl_node *n = alloc(p, sizeof *n, pos);
    if (n != NULL) {
        n->kind = kind;
        n->pos = pos;
    }
    return n;
}

/* ---- argument binding (filters at parse time, macros when called) ---------- */

int tmpl_sig_bind(const tmpl_sig *sig, const tmpl_arg *args, tmpl_pos call, tmpl_expr **slots,
                  tmpl_pos *at, char *msg, size_t size)
{
    size_t npos = 0;
    for (size_t i = 0; i < sig->nparams; i++)
        slots[i] = NULL;
    for (const tmpl_arg *a = args; a != NULL; a = a->next) {
        size_t k = 0;
        *at = a->pos;
        if (a->name == NULL) {
            k = npos++;
            if (k >= sig->nparams && sig->nparams == 0) {
                snprintf(msg, size, "%s '%s' takes no arguments", sig->what, sig->name);
                return -1;
            }
            if (k >= sig->nparams) {
                snprintf(msg, size, "%s '%s' takes at most %zu argument%s", sig->what, sig->name,
                         sig->nparams, sig->nparams == 1 ? "" : "s");
                return -1;
            }
        } else {
            while (k < sig->nparams && strcmp(sig->params[k], a->name) != 0)
                k++;
            if (k == sig->nparams) {
                snprintf(msg, size, "%s '%s' has no parameter '%s'", sig->what, sig->name, a->name);
                return -1;
            }
        }
        if (slots[k] != NULL) {
            snprintf(msg, size, "%s '%s' got argument '%s' twice", sig->what, sig->name,
                     sig->params[k]);
            return -1;
        }
        slots[k] = a->value;
    }
    *at = call;
    for (size_t i = 0; i < sig->nrequired; i++) {
        if (slots[i] == NULL) {
            snprintf(msg, size, "%s '%s' is missing argument '%s'", sig->what, sig->name,
                     sig->params[i]);
            return -1;
        }
    }
    return 0;
}

/* ---- expressions ------------------------------------------------------------ */

static tmpl_expr *parse_expr(parser *p);
static tmpl_expr *parse_or(parser *p);

/* Names that cannot be variables. */
static bool is_reserved(const tmpl_token *t)
{
    static const char *const words[] = {"and", "or", "not", "in", "is", "if", "else"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (tok_is(t, words[i]))
            return true;
    return false;
}

/* The operator at the current token, including the keyword operators. */
static tmpl_op op_at(const parser *p)
{
    const tmpl_token *t = p->tok;
    if (t->kind == TK_OP)
        return t->op;
    if (tok_is(t, "and"))
        return OP_AND;
    if (tok_is(t, "or"))
        return OP_OR;
    if (tok_is(t, "in"))
        return OP_IN;
    if (tok_is(t, "not") && tok_is(t + 1, "in"))
        return OP_NOT_IN;
    return OP_NONE;
}

static bool op_in(tmpl_op op, const tmpl_op *ops)
{
    for (; *ops != OP_NONE; ops++)
        if (*ops == op)
            return true;
    return false;
}

/* Consumes the operator op_at() returned. */
static void next_op(parser *p, tmpl_op op)
{
    next(p);
    if (op == OP_NOT_IN)
        next(p);
}

/* Comma-separated items after an opening bracket, up to and including
 * `close`; a trailing comma is allowed. With `keywords`, items may be
 * `name=value` keyword arguments, which come after the positional ones. */
static int parse_items(parser *p, tmpl_op close, const char *context, bool keywords,
                       tmpl_arg **items)
{
    tmpl_arg **tail = items;
    bool named = false;
    while (!is_op(p, close)) {
        tmpl_arg *a = alloc(p, sizeof *a, p->tok->pos);
        if (a == NULL)
            return -1;
        a->pos = p->tok->pos;
        if (keywords && p->tok->kind == TK_NAME && p->tok[1].kind == TK_OP &&
            p->tok[1].op == OP_ASSIGN) {
            if ((a->name = take_name(p, "an argument name")) == NULL)
                return -1;
            next(p); /* '=' */
            named = true;
        } else if (named) {
            return fail(p, a->pos, "positional argument after keyword argument");
        }
        if ((a->value = parse_expr(p)) == NULL)
            return -1;
        *tail = a;
        tail = &a->next;
        if (!is_op(p, OP_COMMA))
            break;
        next(p);
    }
    return expect_op(p, close, context);
}

/* `[a, b]` */
static tmpl_expr *parse_list(parser *p)
{
    tmpl_expr *e = new_expr(p, E_LIST, p->tok->pos);
    next(p);
    if (e == NULL || parse_items(p, OP_RBRACKET, "to close the list", false, &e->u.items) != 0)
        return NULL;
    return e;
}

/* The literal names, and the values they stand for. */
static const struct {
    const char *word;
    tmpl_expr_kind kind;
    bool value;
} literal_names[] = {
    {"true", E_BOOL, true},   {"True", E_BOOL, true},  {"false", E_BOOL, false},
    {"False", E_BOOL, false}, {"none", E_NONE, false}, {"None", E_NONE, false},
};

static tmpl_expr *parse_name(parser *p)
{
    const tmpl_token *t = p->tok;
    if (is_reserved(t)) {
        expected(p, "an expression");
        return NULL;
    }
    for (size_t i = 0; i < sizeof literal_names / sizeof literal_names[0]; i++) {
        if (tok_is(t, literal_names[i].word)) {
            tmpl_expr *e = new_expr(p, literal_names[i].kind, t->pos);
            if (e != NULL)
                e->u.b = literal_names[i].value;
            next(p);
            return e;
        }
    }
    tmpl_expr *e = new_expr(p, E_NAME, t->pos);
    if (e == NULL || (e->u.str.s = take_name(p, "a name")) == NULL)
        return NULL;
    return e;
}

static tmpl_expr *parse_primary(parser *p)
{
    const tmpl_token *t = p->tok;
    tmpl_expr *e;
    switch (t->kind) {
    case TK_STRING:
        e = new_expr(p, E_STR, t->pos);
        if (e != NULL) {
            e->u.str.s = t->text;
            e->u.str.len = t->len;
            next(p);
        }
        return e;
    case TK_INT:
        e = new_expr(p, E_INT, t->pos);
        if (e != NULL) {
            e->u.i = t->num;
            next(p);
        }
        return e;
    case TK_NAME:
        return parse_name(p);
    case TK_OP:
        if (t->op == OP_LBRACKET)
            return parse_list(p);
        if (t->op == OP_LPAREN) {
            next(p);
            e = parse_expr(p);
            return e != NULL && expect_op(p, OP_RPAREN, "to close '('") == 0 ? e : NULL;
        }
        break;
    case TK_TEXT:
    case TK_VAR_BEGIN:
    case TK_VAR_END:
    case TK_BLOCK_BEGIN:
    case TK_BLOCK_END:
    case TK_EOF:
        break;
    }
    expected(p, "an expression");
    return NULL;
}

/* `.name` (attribute) or `.0` (index) after `obj`. */
static tmpl_expr *parse_dot(parser *p, tmpl_expr *obj)
{
    next(p);
    bool index = p->tok->kind == TK_INT;
    tmpl_expr *e = new_expr(p, index ? E_INDEX : E_ATTR, p->tok->pos);
    if (e == NULL)
        return NULL;
    e->u.sub.obj = obj;
    if (index)
        e->u.sub.index = parse_primary(p);
    else
        e->u.sub.name = take_name(p, "an attribute name after '.'");
    return e->u.sub.index != NULL || e->u.sub.name != NULL ? e : NULL;
}

/* `[index]` after `obj`. */
static tmpl_expr *parse_subscript(parser *p, tmpl_expr *obj)
{
    tmpl_expr *e = new_expr(p, E_INDEX, p->tok->pos);
    next(p);
    if (e == NULL || (e->u.sub.index = parse_expr(p)) == NULL ||
        expect_op(p, OP_RBRACKET, "to close '['") != 0)
        return NULL;
    e->u.sub.obj = obj;
    return e;
}

/* `(args)` after `callee`. */
static tmpl_expr *parse_call(parser *p, tmpl_expr *callee)
{
    tmpl_expr *e = new_expr(p, E_CALL, callee->pos);
    next(p);
    if (e == NULL ||
        parse_items(p, OP_RPAREN, "to close the argument list", true, &e->u.call.args) != 0)
        return NULL;
    e->u.call.callee = callee;
    return e;
}

static tmpl_expr *parse_postfix(parser *p, tmpl_expr *e)
{
    while (e != NULL) {
        if (is_op(p, OP_DOT))
            e = parse_dot(p, e);
        else if (is_op(p, OP_LBRACKET))
            e = parse_subscript(p, e);
        else if (is_op(p, OP_LPAREN))
            e = parse_call(p, e);
        else
            break;
    }
    return e;
}

static tmpl_expr *parse_filter(parser *p, tmpl_expr *input)
{
    next(p);
    const tmpl_token *t = p->tok;
    if (t->kind != TK_NAME) {
        expected(p, "a filter name after '|'");
        return NULL;
    }
    const tmpl_filter *f = tmpl_filter_find(t->text, t->len);
    if (f == NULL) {
        fail(p, t->pos, "unknown filter '%.*s'", (int)t->len, t->text);
        return NULL;
    }
    next(p);
    tmpl_arg *args = NULL;
    tmpl_expr *e = new_expr(p, E_FILTER, t->pos);
    if (e == NULL)
        return NULL;
    if (is_op(p, OP_LPAREN)) {
        next(p);
        if (parse_items(p, OP_RPAREN, "to close the argument list", true, &args) != 0)
            return NULL;
    }
    tmpl_expr **slots = alloc(p, f->sig.nparams * sizeof *slots, t->pos);
    tmpl_pos at;
    char msg[160];
    if (slots == NULL)
        return NULL;
    if (tmpl_sig_bind(&f->sig, args, t->pos, slots, &at, msg, sizeof msg) != 0) {
        fail(p, at, "%s", msg);
        return NULL;
    }
    e->u.filter.input = input;
    e->u.filter.filter = f;
    e->u.filter.argv = slots;
    return e;
}

static tmpl_expr *parse_test(parser *p, tmpl_expr *input)
{
    next(p);
    bool negate = is_kw(p, "not");
    if (negate)
        next(p);
    const tmpl_token *t = p->tok;
    if (t->kind != TK_NAME) {
        expected(p, "a test name after 'is'");
        return NULL;
    }
    const tmpl_test *test = tmpl_test_find(t->text, t->len);
    if (test == NULL) {
        fail(p, t->pos, "unknown test '%.*s'", (int)t->len, t->text);
        return NULL;
    }
    next(p);
    tmpl_expr *e = new_expr(p, E_TEST, t->pos);
    if (e != NULL) {
        e->u.test.input = input;
        e->u.test.test = test;
        e->u.test.negate = negate;
    }
    return e;
}

static tmpl_expr *parse_filters(parser *p, tmpl_expr *e)
{
    while (e != NULL) {
        if (is_op(p, OP_PIPE))
            e = parse_filter(p, e);
        else if (is_kw(p, "is"))
            e = parse_test(p, e);
        else
            break;
    }
    return e;
}

/* A run of a prefix operator (`not`, or '-'), then an operand: `- - x` is
 * E_NEG(E_NEG(x)). A loop, so that a long run cannot exhaust the stack. */
static tmpl_expr *parse_prefixed(parser *p, bool (*at_op)(const parser *), tmpl_expr_kind kind,
                                 tmpl_expr *(*operand)(parser *))
{
    tmpl_expr *outer = NULL, **hole = &outer;
    while (at_op(p)) {
        tmpl_expr *e = new_expr(p, kind, p->tok->pos);
        next(p);
        if (e == NULL)
            return NULL;
        *hole = e;
        hole = &e->u.operand;
    }
    *hole = operand(p);
    return *hole != NULL ? outer : NULL;
}

static bool at_minus(const parser *p)
{
    return is_op(p, OP_MINUS);
}

static bool at_not(const parser *p)
{
    return is_kw(p, "not");
}

static tmpl_expr *parse_atom(parser *p)
{
    return parse_postfix(p, parse_primary(p));
}

/* As in Jinja2, filters apply to the whole: `-x | f` is `(-x) | f`. */
static tmpl_expr *parse_unary(parser *p)
{
    return parse_filters(p, parse_prefixed(p, at_minus, E_NEG, parse_atom));
}

/* operand (op operand)*, left-associative, for the operators in `ops`. */
static tmpl_expr *parse_left_assoc(parser *p, const tmpl_op *ops, tmpl_expr *(*operand)(parser *))
{
    tmpl_expr *lhs = operand(p);
    tmpl_op op;
    while (lhs != NULL && op_in(op = op_at(p), ops)) {
        tmpl_expr *e = new_expr(p, E_BINARY, p->tok->pos);
        next_op(p, op);
        if (e == NULL || (e->u.bin.rhs = operand(p)) == NULL)
            return NULL;
        e->u.bin.op = op;
        e->u.bin.lhs = lhs;
        lhs = e;
    }
    return lhs;
}

static tmpl_expr *parse_concat(parser *p)
{
    static const tmpl_op ops[] = {OP_TILDE, OP_NONE};
    return parse_left_assoc(p, ops, parse_unary);
}

static tmpl_expr *parse_sum(parser *p)
{
    static const tmpl_op ops[] = {OP_PLUS, OP_MINUS, OP_NONE};
    return parse_left_assoc(p, ops, parse_concat);
}

static tmpl_expr *parse_compare(parser *p)
{
    static const tmpl_op ops[] = {OP_EQ, OP_NE, OP_LT,     OP_LE,  OP_GT,
                                  OP_GE, OP_IN, OP_NOT_IN, OP_NONE};
    tmpl_expr *lhs = parse_sum(p);
    if (lhs == NULL || !op_in(op_at(p), ops))
        return lhs;
    tmpl_expr *e = new_expr(p, E_COMPARE, p->tok->pos);
    if (e == NULL)
        return NULL;
    e->u.cmp.lhs = lhs;
    tmpl_cmp **tail = &e->u.cmp.chain;
    tmpl_op op;
    while (op_in(op = op_at(p), ops)) {
        tmpl_cmp *c = alloc(p, sizeof *c, p->tok->pos);
        if (c == NULL)
            return NULL;
        c->op = op;
        c->pos = p->tok->pos;
        next_op(p, op);
        if ((c->rhs = parse_sum(p)) == NULL)
            return NULL;
        *tail = c;
        tail = &c->next;
    }
    return e;
}

static tmpl_expr *parse_not(parser *p)
{
    return parse_prefixed(p, at_not, E_NOT, parse_compare);
}

static tmpl_expr *parse_and(parser *p)
{
    static const tmpl_op ops[] = {OP_AND, OP_NONE};
    return parse_left_assoc(p, ops, parse_not);
}

static tmpl_expr *parse_or(parser *p)
{
    static const tmpl_op ops[] = {OP_OR, OP_NONE};
    return parse_left_assoc(p, ops, parse_and);
}

static tmpl_expr *parse_cond(parser *p)
{
    tmpl_expr *e = parse_or(p);
    while (e != NULL && is_kw(p, "if")) {
        tmpl_expr *c = new_expr(p, E_COND, p->tok->pos);
        next(p);
        if (c == NULL || (c->u.cond.cond = parse_or(p)) == NULL)
            return NULL;
        if (is_kw(p, "else")) {
            next(p);
            if ((c->u.cond.otherwise = parse_expr(p)) == NULL)
                return NULL;
        }
        c->u.cond.then = e;
        e = c;
    }
    return e;
}

static tmpl_expr *parse_expr(parser *p)
{
    if (enter(p) != 0)
        return NULL;
    tmpl_expr *e = parse_cond(p);
    p->depth--;
    return e;
}

/* ---- statements --------------------------------------------------------------- */

static int parse_body(parser *p, tmpl_node **body, const tmpl_token **end);

typedef int (*stmt_fn)(parser *p, tmpl_pos at, tmpl_node **out);

static int parse_if(parser *p, tmpl_pos at, tmpl_node **out);
static int parse_for(parser *p, tmpl_pos at, tmpl_node **out);
static int parse_set(parser *p, tmpl_pos at, tmpl_node **out);
static int parse_macro(parser *p, tmpl_pos at, tmpl_node **out);
static int parse_include(parser *p, tmpl_pos at, tmpl_node **out);

static const char *const if_tags[] = {"elif", "else", "endif", NULL};
static const char *const for_tags[] = {"else", "endfor", NULL};
static const char *const endif_tags[] = {"endif", NULL};
static const char *const endfor_tags[] = {"endfor", NULL};
static const char *const endset_tags[] = {"endset", NULL};
static const char *const endmacro_tags[] = {"endmacro", NULL};
static const char *const no_tags[] = {NULL};

/* The statements; `inner` lists the tags that belong to an open one. */
static const struct stmt {
    const char *kw;
    stmt_fn parse;
    const char *const *inner;
} stmts[] = {
    {"if", parse_if, if_tags},           {"for", parse_for, for_tags},
    {"set", parse_set, endset_tags},     {"macro", parse_macro, endmacro_tags},
    {"include", parse_include, no_tags},
};

static bool tag_in(const tmpl_token *t, const char *const *tags)
{
    for (; *tags != NULL; tags++)
        if (tok_is(t, *tags))
            return true;
    return false;
}

/* The closing tag of an open block: the last of its `ends`. */
static const char *closing_tag(const open_block *b)
{
    const char *const *t = b->ends;
    while (t[1] != NULL)
        t++;
    return *t;
}

static void push_block(parser *p, open_block *b, const char *kw, tmpl_pos at,
                       const char *const *ends)
{
    *b = (open_block){kw, at, ends, p->open};
    p->open = b;
}

static void pop_block(parser *p)
{
    p->open = p->open->up;
}

/* Reports a tag such as 'endfor' or 'else' that the innermost open block
 * does not accept. */
static int misplaced(parser *p, const tmpl_token *t)
{
    char owners[64] = "";
    for (size_t i = 0; i < sizeof stmts / sizeof stmts[0]; i++) {
        if (!tag_in(t, stmts[i].inner))
            continue;
        for (const open_block *b = p->open; b != NULL; b = b->up)
            if (strcmp(b->kw, stmts[i].kw) == 0)
                return fail(p, t->pos, "expected '%s' to close '%s' opened at %u:%u, found '%.*s'",
                            closing_tag(p->open), p->open->kw, p->open->pos.line, p->open->pos.col,
                            (int)t->len, t->text);
        size_t n = strlen(owners);
        snprintf(owners + n, sizeof owners - n, "%s'%s'", n != 0 ? " or " : "", stmts[i].kw);
    }
    return fail(p, t->pos, "'%.*s' without %s", (int)t->len, t->text, owners);
}

static bool is_inner_tag(const tmpl_token *t)
{
    for (size_t i = 0; i < sizeof stmts / sizeof stmts[0]; i++)
        if (tag_in(t, stmts[i].inner))
            return true;
    return false;
}

/* After '{%': a statement, or a misplaced or unknown tag. */
static int parse_statement(parser *p, tmpl_pos at, tmpl_node **out)
{
    const tmpl_token *t = p->tok;
    if (t->kind != TK_NAME)
        return expected(p, "a tag name after '{%'");
    for (size_t i = 0; i < sizeof stmts / sizeof stmts[0]; i++) {
        if (tok_is(t, stmts[i].kw)) {
            next(p);
            return stmts[i].parse(p, at, out);
        }
    }
    if (is_inner_tag(t))
        return misplaced(p, t);
    return fail(p, t->pos, "unknown tag '%.*s'", (int)t->len, t->text);
}

static int parse_output(parser *p, tmpl_node **out)
{
    next(p);
    tmpl_expr *e = parse_expr(p);
    if (e == NULL)
        return -1;
    if (p->tok->kind != TK_VAR_END)
        return expected(p, "'}}' after the expression");
    next(p);
    *out = new_node(p, N_OUTPUT, e->pos);
    if (*out == NULL)
        return -1;
    (*out)->u.expr = e;
    return 0;
}

static int parse_text(parser *p, tmpl_node **out)
{
    *out = new_node(p, N_TEXT, p->tok->pos);
    if (*out == NULL)
        return -1;
    (*out)->u.text.s = p->tok->text;
    (*out)->u.text.len = p->tok->len;
    next(p);
    return 0;
}

/* Parses nodes up to a tag in p->open->ends (consumed with its '{%'; stored
 * in *end) or, at the top level, the end of the template. */
static int parse_body_inner(parser *p, tmpl_node **body, const tmpl_token **end)
{
    tmpl_node **tail = body;
    for (;;) {
        const tmpl_token *t = p->tok;
        int rc;
        if (t->kind == TK_EOF) {
            if (p->open == NULL)
                return 0;
            return fail(p, t->pos, "unclosed '%s' opened at %u:%u (missing '%s')", p->open->kw,
                        p->open->pos.line, p->open->pos.col, closing_tag(p->open));
        }
        if (t->kind == TK_TEXT) {
            rc = parse_text(p, tail);
        } else if (t->kind == TK_VAR_BEGIN) {
            rc = parse_output(p, tail);
        } else {
            next(p); /* '{%' */
            if (p->open != NULL && tag_in(p->tok, p->open->ends)) {
                *end = p->tok;
                next(p);
                return 0;
            }
            rc = parse_statement(p, t->pos, tail);
        }
        if (rc != 0)
            return rc;
        tail = &(*tail)->next;
    }
}

static int parse_body(parser *p, tmpl_node **body, const tmpl_token **end)
{
    if (enter(p) != 0)
        return -1;
    *body = NULL;
    *end = NULL;
    int rc = parse_body_inner(p, body, end);
    p->depth--;
    return rc;
}

/* The branches of an `if` block `b`: after 'if', then each 'elif' and 'else'. */
static int parse_branches(parser *p, open_block *b, tmpl_branch **tail)
{
    const char *after = "the 'if' condition";
    const tmpl_token *end = NULL;
    do {
        tmpl_branch *br = alloc(p, sizeof *br, p->tok->pos);
        if (br == NULL)
            return -1;
        if (end == NULL || tok_is(end, "elif")) {
            if ((br->cond = parse_expr(p)) == NULL)
                return -1;
        } else {
            after = "'else'";
            b->ends = endif_tags;
        }
        if (expect_end(p, after) != 0 || parse_body(p, &br->body, &end) != 0)
            return -1;
        *tail = br;
        tail = &br->next;
        after = "the 'elif' condition";
    } while (!tok_is(end, "endif"));
    return 0;
}

static int parse_if(parser *p, tmpl_pos at, tmpl_node **out)
{
    tmpl_node *n = new_node(p, N_IF, at);
    if (n == NULL)
        return -1;
    *out = n;
    open_block b;
    push_block(p, &b, "if", at, if_tags);
    int rc = parse_branches(p, &b, &n->u.branches);
    pop_block(p);
    return rc != 0 ? rc : expect_end(p, "'endif'");
}

static int parse_for(parser *p, tmpl_pos at, tmpl_node **out)
{
    tmpl_node *n = new_node(p, N_FOR, at);
    if (n == NULL || (n->u.loop.var = take_name(p, "a loop variable after 'for'")) == NULL)
        return -1;
    if (is_op(p, OP_COMMA)) {
        next(p);
        if ((n->u.loop.var2 = take_name(p, "a second loop variable after ','")) == NULL)
            return -1;
    }
    if (!is_kw(p, "in"))
        return expected(p, "'in' after the loop variable");
    next(p);
    if ((n->u.loop.iter = parse_or(p)) == NULL || expect_end(p, "the 'for' sequence") != 0)
        return -1;
    open_block b;
    push_block(p, &b, "for", at, for_tags);
    const tmpl_token *end;
    int rc = parse_body(p, &n->u.loop.body, &end);
    if (rc == 0 && tok_is(end, "else")) {
        b.ends = endfor_tags;
        rc = expect_end(p, "'else'");
        if (rc == 0)
            rc = parse_body(p, &n->u.loop.otherwise, &end);
    }
    pop_block(p);
    *out = n;
    return rc != 0 ? rc : expect_end(p, "'endfor'");
}

static int parse_set(parser *p, tmpl_pos at, tmpl_node **out)
{
    tmpl_node *n = new_node(p, N_SET, at);
    if (n == NULL || (n->u.set.name = take_name(p, "a variable name after 'set'")) == NULL)
        return -1;
    *out = n;
    if (is_op(p, OP_ASSIGN)) {
        next(p);
        n->u.set.value = parse_expr(p);
        return n->u.set.value != NULL ? expect_end(p, "the 'set' value") : -1;
    }
    if (p->tok->kind != TK_BLOCK_END)
        return expected(p, "'=' or '%}' after the variable name");
    next(p);
    open_block b;
    push_block(p, &b, "set", at, endset_tags);
    const tmpl_token *end;
    int rc = parse_body(p, &n->u.set.body, &end);
    pop_block(p);
    return rc != 0 ? rc : expect_end(p, "'endset'");
}

/* `(a, b="d")` of a macro, stored in n->u.macro.sig and defaults. */
static int parse_params(parser *p, tmpl_node *n)
{
    tmpl_arg *params = NULL, **tail = &params;
    size_t count = 0, required = 0;
    if (expect_op(p, OP_LPAREN, "after the macro name") != 0)
        return -1;
    while (!is_op(p, OP_RPAREN)) {
        tmpl_arg *a = alloc(p, sizeof *a, p->tok->pos);
        if (a == NULL)
            return -1;
        a->pos = p->tok->pos;
        if ((a->name = take_name(p, "a parameter name")) == NULL)
            return -1;
        for (const tmpl_arg *q = params; q != NULL; q = q->next)
            if (strcmp(q->name, a->name) == 0)
                return fail(p, a->pos, "duplicate parameter '%s'", a->name);
        if (is_op(p, OP_ASSIGN)) {
            next(p);
            if ((a->value = parse_expr(p)) == NULL)
                return -1;
        } else if (required != count) {
            return fail(p, a->pos, "parameter '%s' without a default follows one with a default",
                        a->name);
        } else {
            required++;
        }
        count++;
        *tail = a;
        tail = &a->next;
        if (!is_op(p, OP_COMMA))
            break;
        next(p);
    }
    if (expect_op(p, OP_RPAREN, "to close the parameter list") != 0)
        return -1;
    const char **names = alloc(p, (count + 1) * sizeof *names, n->pos);
    tmpl_expr **defaults = alloc(p, (count + 1) * sizeof *defaults, n->pos);
    if (names == NULL || defaults == NULL)
        return -1;
    size_t i = 0;
    for (const tmpl_arg *a = params; a != NULL; a = a->next, i++) {
        names[i] = a->name;
        defaults[i] = a->value;
    }
    n->u.macro.sig.params = names;
    n->u.macro.sig.nparams = count;
    n->u.macro.sig.nrequired = required;
    n->u.macro.defaults = defaults;
    return 0;
}

static int parse_macro(parser *p, tmpl_pos at, tmpl_node **out)
{
    tmpl_node *n = new_node(p, N_MACRO, at);
    if (n == NULL || (n->u.macro.sig.name = take_name(p, "a macro name after 'macro'")) == NULL)
        return -1;
    n->u.macro.sig.what = "macro";
    if (parse_params(p, n) != 0 || expect_end(p, "the macro parameters") != 0)
        return -1;
    open_block b;
    push_block(p, &b, "macro", at, endmacro_tags);
    const tmpl_token *end;
    int rc = parse_body(p, &n->u.macro.body, &end);
    pop_block(p);
    *out = n;
    return rc != 0 ? rc : expect_end(p, "'endmacro'");
}

static int parse_include(parser *p, tmpl_pos at, tmpl_node **out)
{
    tmpl_node *n = new_node(p, N_INCLUDE, at);
    if (n == NULL || (n->u.expr = parse_expr(p)) == NULL)
        return -1;
    *out = n;
    return expect_end(p, "the 'include' template name");
}

/* ---- templates ------------------------------------------------------------------ */

void tmpl_template_free(tmpl_template *t)
{
    if (t == NULL)
        return;
    tmpl_arena_free(&t->arena);
    free(t->name);
    free(t);
}

tmpl_template *tmpl_parse(const char *name, const char *text, size_t len, tmpl_error *err)
{
    tmpl_template *t = calloc(1, sizeof *t);
    size_t name_len = strlen(name);
    char *copy = malloc(name_len + 1);
    if (t == NULL || copy == NULL) {
        free(t);
        free(copy);
        tmpl_error_set(err, name, (tmpl_pos){0, 0}, "out of memory");
        return NULL;
    }
    memcpy(copy, name, name_len + 1);
    t->name = copy;
    tmpl_tokens toks = {NULL, 0, 0};
    int rc = tmpl_lex(name, text, len, &t->arena, err, &toks);
    if (rc == 0) {
        parser p = {name, toks.v, &t->arena, err, NULL, 0};
        const tmpl_token *end;
        rc = parse_body(&p, &t->body, &end);
    }
    free(toks.v);
    if (rc != 0) {
        tmpl_template_free(t);
        return NULL;
    }
    return t;
}
