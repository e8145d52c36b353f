/*
 * tmpl_int.h - internals shared by the template engine's files.
 *
 *   tmpl_value.c    values: constructors, containers, truth, equality, text
 *   tmpl_lex.c      template text -> tokens (whitespace control happens here)
 *   tmpl_parse.c    tokens -> syntax tree, allocated in one arena per template
 *   tmpl_eval.c     syntax tree + variables -> output
 *   tmpl_filters.c  the filter and test tables
 *   tmpl.c          environment, template cache, error formatting, tmpl_render
 *
 * Not a public header: nothing outside generator/tmpl*.c includes it.
 */
#ifndef DDBC_TMPL_INT_H
#define DDBC_TMPL_INT_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "ddb/buf.h"
#include "tmpl.h"

#if defined(__GNUC__)
#define TMPL_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define TMPL_PRINTF(fmt, args)
#endif

/* Whitespace as Python's str.isspace() sees it in ASCII (minus the rarely
 * seen \x1c-\x1f): what `-` whitespace control and `trim` remove. */
static inline bool tmpl_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* ---- positions and errors --------------------------------------------- */

/* 1-based line and byte column; line 0 means "no position". */
typedef struct tmpl_pos {
    unsigned line, col;
} tmpl_pos;

/* Where an error message goes; the first error is kept. */
typedef struct tmpl_error {
    char *buf; /* may be NULL when size is 0 */
    size_t size;
    bool failed;
} tmpl_error;

/* Records "tpl:line:col: error: message" (the first error only); returns -1. */
int tmpl_error_set(tmpl_error *e, const char *tpl, tmpl_pos pos, const char *fmt, ...)
    TMPL_PRINTF(4, 5);
int tmpl_error_vset(tmpl_error *e, const char *tpl, tmpl_pos pos, const char *fmt, va_list ap)
    TMPL_PRINTF(4, 0);

/* ---- values ------------------------------------------------------------ */

typedef enum tmpl_kind {
    TMPL_NONE,
    TMPL_BOOL,
    TMPL_INT,
    TMPL_STR,
    TMPL_LIST,
    TMPL_DICT,
    TMPL_MACRO,
} tmpl_kind;

typedef struct tmpl_entry {
    char *key;
    size_t key_len;
    tmpl_value *value;
} tmpl_entry;

struct tmpl_node;
struct tmpl_template;
struct tmpl_frame;

/* A macro closes over the frame it was defined in. The frame outlives every
 * reference to the macro: values only flow into the same or inner frames. */
typedef struct tmpl_macro {
    const struct tmpl_node *def;
    const struct tmpl_template *tpl;
    struct tmpl_frame *scope;
} tmpl_macro;

struct tmpl_value {
    atomic_size_t refs;
    tmpl_kind kind;
    union {
        bool b;
        long long i;
        struct {
            char *s; /* NUL-terminated */
            size_t len;
        } str;
        struct {
            tmpl_value **items;
            size_t len, cap;
        } list;
        struct {
            tmpl_entry *entries;
            size_t len, cap;
        } dict;
        tmpl_macro macro;
    } u;
};

/* A string value copying `len` bytes of `s`. NULL when out of memory. */
tmpl_value *tmpl_str_n(const char *s, size_t len);
/* A string value taking the bytes of `b` (left empty). NULL when out of memory. */
tmpl_value *tmpl_str_buf(ddb_buf *b);
tmpl_value *tmpl_macro_new(const struct tmpl_node *def, const struct tmpl_template *tpl,
                           struct tmpl_frame *scope);
const tmpl_value *tmpl_dict_getn(const tmpl_value *dict, const char *key, size_t len);
/* "string", "integer", ... for messages. */
const char *tmpl_kind_name(tmpl_kind kind);
bool tmpl_truthy(const tmpl_value *v);
/* Python equality: deep for lists and dicts; true == 1, "1" != 1. Every
 * value visited and every byte compared takes one unit from *left; when
 * they run out the answer is false and *left is 0. */
bool tmpl_equal(const tmpl_value *a, const tmpl_value *b, size_t *left);
/* The integer value of an integer or (as in Python, 0 or 1) a boolean. */
bool tmpl_as_int(const tmpl_value *v, long long *out);
/* Appends the text of a scalar (None, True, False, 42, text); DDB_EINVAL for
 * lists, dicts and macros, DDB_ENOMEM when out of memory. */
int tmpl_put_text(ddb_buf *b, const tmpl_value *v);

/* ---- arena: the syntax tree of a template lives in one ------------------ */

typedef struct tmpl_arena {
    struct tmpl_arena_block *head;
} tmpl_arena;

/* Zeroed memory, or NULL when out of memory. */
void *tmpl_arena_alloc(tmpl_arena *a, size_t size);
/* A NUL-terminated copy of `len` bytes. */
char *tmpl_arena_strndup(tmpl_arena *a, const char *s, size_t len);
void tmpl_arena_free(tmpl_arena *a);

/* ---- tokens ------------------------------------------------------------ */

typedef enum tmpl_tok_kind {
    TK_TEXT,        /* template text, already whitespace-controlled */
    TK_VAR_BEGIN,   /* {{ */
    TK_VAR_END,     /* }} */
    TK_BLOCK_BEGIN, /* {% */
    TK_BLOCK_END,   /* %} */
    TK_NAME,
    TK_STRING, /* text/len: the decoded value, NUL-terminated, in the arena */
    TK_INT,
    TK_OP,
    TK_EOF,
} tmpl_tok_kind;

/* Operators. The keyword operators (in, not in, and, or) come from names. */
typedef enum tmpl_op {
    OP_NONE,
    OP_EQ,
    OP_NE,
    OP_LE,
    OP_GE,
    OP_LT,
    OP_GT,
    OP_LPAREN,
    OP_RPAREN,
    OP_LBRACKET,
    OP_RBRACKET,
    OP_COMMA,
    OP_DOT,
    OP_PIPE,
    OP_TILDE,
    OP_PLUS,
    OP_MINUS,
    OP_ASSIGN,
    OP_IN,
    OP_NOT_IN,
    OP_AND,
    OP_OR,
} tmpl_op;

/* The source spelling of an operator. */
const char *tmpl_op_text(tmpl_op op);

typedef struct tmpl_token {
    tmpl_tok_kind kind;
    tmpl_op op; /* TK_OP */
    tmpl_pos pos;
    const char *text; /* TK_TEXT, TK_NAME: in the source; TK_STRING: decoded */
    size_t len;
    long long num; /* TK_INT */
} tmpl_token;

typedef struct tmpl_tokens {
    tmpl_token *v;
    size_t len, cap;
} tmpl_tokens;

/* Splits `text` into tokens ending with TK_EOF, applying comments, `-`/`+`
 * whitespace control, trim_blocks and lstrip_blocks. Returns 0 or -1 (error
 * recorded in `err`). `out` must be freed with free(out->v) either way. */
int tmpl_lex(const char *name, const char *text, size_t len, tmpl_arena *arena, tmpl_error *err,
             tmpl_tokens *out);

/* ---- syntax tree --------------------------------------------------------- */

/* A callable's parameters, for binding positional and keyword arguments. */
typedef struct tmpl_sig {
    const char *what; /* "filter" or "macro" */
    const char *name;
    const char *const *params;
    size_t nparams, nrequired; /* the first `nrequired` have no default */
} tmpl_sig;

typedef struct tmpl_filter tmpl_filter;
typedef struct tmpl_test tmpl_test;
typedef struct tmpl_expr tmpl_expr;

/* A call argument or list item; `name` is NULL unless a keyword argument. */
typedef struct tmpl_arg {
    const char *name;
    tmpl_pos pos;
    tmpl_expr *value;
    struct tmpl_arg *next;
} tmpl_arg;

/* One link of a comparison chain `a < b <= c`. */
typedef struct tmpl_cmp {
    tmpl_op op;
    tmpl_pos pos;
    tmpl_expr *rhs;
    struct tmpl_cmp *next;
} tmpl_cmp;

typedef enum tmpl_expr_kind {
    E_STR,
    E_INT,
    E_BOOL,
    E_NONE,
    E_LIST,
    E_NAME,
    E_ATTR,
    E_INDEX,
    E_FILTER,
    E_TEST,
    E_CALL,
    E_NOT,
    E_NEG,
    E_BINARY,  /* and, or, ~, +, - */
    E_COMPARE, /* ==, !=, <, <=, >, >=, in, not in, chained */
    E_COND,    /* a if b else c */
} tmpl_expr_kind;

struct tmpl_expr {
    tmpl_expr_kind kind;
    tmpl_pos pos; /* the token an error about this expression points at */
    union {
        struct {
            const char *s; /* NUL-terminated, in the arena */
            size_t len;
        } str; /* E_STR, E_NAME (s only) */
        long long i;
        bool b;
        tmpl_arg *items; /* E_LIST */
        struct {
            tmpl_expr *obj;
            const char *name; /* E_ATTR */
            tmpl_expr *index; /* E_INDEX */
        } sub;
        struct {
            tmpl_expr *input;
            const tmpl_filter *filter;
            tmpl_expr **argv; /* [filter->sig.nparams]; NULL when omitted */
        } filter;
        struct {
            tmpl_expr *input;
            const tmpl_test *test;
            bool negate;
        } test;
        struct {
            tmpl_expr *callee;
            tmpl_arg *args;
        } call;
        tmpl_expr *operand; /* E_NOT, E_NEG */
        struct {
            tmpl_op op;
            tmpl_expr *lhs, *rhs;
        } bin;
        struct {
            tmpl_expr *lhs;
            tmpl_cmp *chain;
        } cmp;
        struct {
            tmpl_expr *cond, *then, *otherwise; /* otherwise may be NULL */
        } cond;
    } u;
};

/* An `if`/`elif` branch; the `else` branch has cond == NULL. */
typedef struct tmpl_branch {
    tmpl_expr *cond;
    struct tmpl_node *body;
    struct tmpl_branch *next;
} tmpl_branch;

typedef enum tmpl_node_kind {
    N_TEXT,
    N_OUTPUT,
    N_IF,
    N_FOR,
    N_SET,
    N_MACRO,
    N_INCLUDE,
} tmpl_node_kind;

typedef struct tmpl_node {
    tmpl_node_kind kind;
    tmpl_pos pos; /* the '{%' of a statement; the expression of an output */
    struct tmpl_node *next;
    union {
        struct {
            const char *s;
            size_t len;
        } text;
        tmpl_expr *expr; /* N_OUTPUT, N_INCLUDE */
        tmpl_branch *branches;
        struct {
            const char *var, *var2; /* var2: `for k, v in ...`, else NULL */
            tmpl_expr *iter;
            struct tmpl_node *body, *otherwise;
        } loop;
        struct {
            const char *name;
            tmpl_expr *value;       /* `set x = value` */
            struct tmpl_node *body; /* `set x %}body{% endset` */
        } set;
        struct {
            tmpl_sig sig;
            tmpl_expr **defaults; /* [nparams]; NULL for required parameters */
            struct tmpl_node *body;
        } macro;
    } u;
} tmpl_node;

/* Maps call arguments to the parameters of `sig`: slots[i] (of nparams) gets
 * the value expression for parameter i, or NULL. Returns 0, or -1 with a
 * message in `msg` about the argument at *at (or the call at `call`). */
int tmpl_sig_bind(const tmpl_sig *sig, const tmpl_arg *args, tmpl_pos call, tmpl_expr **slots,
                  tmpl_pos *at, char *msg, size_t size);

typedef struct tmpl_template {
    char *name;
    tmpl_arena arena;
    tmpl_node *body;
} tmpl_template;

/* Parses a template; NULL on error (recorded in `err`). `text` is borrowed
 * for the template's lifetime. */
tmpl_template *tmpl_parse(const char *name, const char *text, size_t len, tmpl_error *err);
void tmpl_template_free(tmpl_template *t);

/* ---- rendering ------------------------------------------------------------ */

/* A variable scope. Lookups try `locals`, then `globals`, then the parent. */
typedef struct tmpl_frame {
    tmpl_value *locals;        /* dict, created on the first assignment */
    const tmpl_value *globals; /* the caller's variables (root frame only) */
    struct tmpl_frame *parent;
} tmpl_frame;

typedef struct tmpl_run {
    tmpl_env *env;
    const tmpl_template *tpl; /* for error positions */
    tmpl_frame *scope;
    ddb_buf *out;
    unsigned depth; /* evaluations, macro calls and includes in progress */
    unsigned calls; /* macro calls and includes in progress */
    size_t work_left, work_limit; /* units of work (tmpl_env_set_work_limit) */
    tmpl_error *err;
} tmpl_run;

/* The template `name` from the environment's cache, loading and parsing it
 * on first use. NULL on error; a missing template is reported at `at` in
 * `from` (the including template; NULL at the top level). */
const tmpl_template *tmpl_env_get(tmpl_env *env, const char *name, tmpl_error *err,
                                  const char *from, tmpl_pos at);

/* Renders `t` in a new root frame over `globals`, doing at most
 * `work_limit` units of work. Returns 0 or -1. */
int tmpl_render_root(tmpl_env *env, const tmpl_template *t, const tmpl_value *globals,
                     size_t work_limit, ddb_buf *out, tmpl_error *err);

/* Takes `units` of work from the render; once its limit is spent, records
 * the error at `pos` and returns -1. */
int tmpl_charge(tmpl_run *r, tmpl_pos pos, size_t units);
/* The work of making or reading `v`: its bytes, its items (1 for scalars). */
size_t tmpl_weight(const tmpl_value *v);

/* Records an error at `pos` in the template being rendered; returns -1. */
int tmpl_fail(tmpl_run *r, tmpl_pos pos, const char *fmt, ...) TMPL_PRINTF(3, 4);
int tmpl_vfail(tmpl_run *r, tmpl_pos pos, const char *fmt, va_list ap) TMPL_PRINTF(3, 0);

/* ---- filters and tests ---------------------------------------------------- */

typedef struct tmpl_filter_call {
    tmpl_run *r;
    tmpl_pos pos; /* the filter's name in the template */
    const char *name;
    bool allow_undef; /* the caller accepts an undefined result */
} tmpl_filter_call;

/* A filter on any value: `in` is NULL when undefined (only for filters that
 * accept undefined input); args[i] is NULL for an omitted optional argument.
 * Stores a new reference in *out, or NULL for an undefined result (only when
 * fc->allow_undef). Returns 0 or -1 with the error recorded. */
typedef int (*tmpl_value_filter_fn)(const tmpl_filter_call *fc, const tmpl_value *in,
                                    tmpl_value *const *args, tmpl_value **out);
/* A filter on the text of a scalar: appends its result to `out`. */
typedef int (*tmpl_text_filter_fn)(const tmpl_filter_call *fc, const char *s, size_t len,
                                   tmpl_value *const *args, ddb_buf *out);

struct tmpl_filter {
    tmpl_sig sig;
    tmpl_value_filter_fn value; /* exactly one of value and text is set */
    tmpl_text_filter_fn text;
    bool accepts_undefined;
};

/* A test is true for the kinds of value in `kinds` (bit 1 << tmpl_kind),
 * and for an undefined value when `undefined`. */
struct tmpl_test {
    const char *name;
    bool undefined;
    unsigned kinds;
};

/* The most parameters a filter has. */
#define TMPL_FILTER_MAX_PARAMS 3

const tmpl_filter *tmpl_filter_find(const char *name, size_t len);
const tmpl_test *tmpl_test_find(const char *name, size_t len);
/* `v is t`; v is NULL when undefined. */
bool tmpl_test_apply(const tmpl_test *t, const tmpl_value *v);

/* Applies filter `f` (see tmpl_value_filter_fn for the arguments). */
int tmpl_filter_apply(const tmpl_filter_call *fc, const tmpl_filter *f, const tmpl_value *in,
                      tmpl_value *const *args, tmpl_value **out);
/* Records "filter 'name': message" at the filter; returns -1. */
int tmpl_filter_fail(const tmpl_filter_call *fc, const char *fmt, ...) TMPL_PRINTF(2, 3);

#endif /* DDBC_TMPL_INT_H */
