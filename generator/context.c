/* context.c - IR -> template variables (see context.h, docs/templates.md). */
#include "context.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "ddb/buf.h"
#include "names.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------ type table */

static const char *const cmp_ops[] = {"eq", "ne", "lt", "le", "gt", "ge"};
static const char *const cmp_enums[] = {"DDB_CMP_EQ", "DDB_CMP_NE", "DDB_CMP_LT",
                                        "DDB_CMP_LE", "DDB_CMP_GT", "DDB_CMP_GE"};
/* Key conditions: no <>. Indexes into cmp_ops. */
static const int key_ops[] = {0, 2, 3, 4, 5};

/* ------------------------------------------------------------ symbol clashes */

typedef struct symbol {
    char *name;
    ddbc_pos pos;
    size_t order; /* declaration order, so the later one is reported */
} symbol;

typedef struct symbols {
    symbol *items;
    size_t len, cap;
    bool failed;
} symbols;

/* Records the symbol `name` declared at `pos`. */
static void add_symbol(symbols *t, ddbc_pos pos, const char *name)
{
    if (t->len == t->cap) {
        size_t cap = t->cap != 0 ? t->cap * 2 : 256;
        symbol *items = realloc(t->items, cap * sizeof *items);
        if (items == NULL) {
            t->failed = true;
            return;
        }
        t->items = items;
        t->cap = cap;
    }
    char *copy = strdup(name);
    if (copy == NULL) {
        t->failed = true;
        return;
    }
    t->items[t->len] = (symbol){copy, pos, t->len};
    t->len++;
}

static int symbol_cmp(const void *pa, const void *pb)
{
    const symbol *a = pa, *b = pb;
    int r = strcmp(a->name, b->name);
    return r != 0 ? r : (a->order > b->order) - (a->order < b->order);
}

/* Reports every symbol defined twice (at the later declaration); frees the
 * table; returns how many clashes there were. */
static size_t report_clashes(symbols *t, ddbc_diag *diag)
{
    size_t clashes = 0;
    if (!t->failed) {
        qsort(t->items, t->len, sizeof *t->items, symbol_cmp);
        for (size_t i = 1; i < t->len; i++) {
            if (strcmp(t->items[i - 1].name, t->items[i].name) != 0)
                continue;
            const symbol *first = &t->items[i - 1];
            ddbc_diag_error(diag, t->items[i].pos,
                            "generated C symbol '%s' is also generated for the declaration at "
                            "%d:%d; rename one of them",
                            t->items[i].name, first->pos.line, first->pos.col);
            clashes++;
        }
    }
    for (size_t i = 0; i < t->len; i++)
        free(t->items[i].name);
    free(t->items);
    return clashes;
}

/* ------------------------------------------------------------ building */

/* Builder state: the first allocation failure makes the whole build fail. */
typedef struct builder {
    const ddbc_schema *s;
    ddbc_diag *diag;
    bool failed;
    symbols syms;  /* every generated global symbol, for clash checks */
    ddbc_pos pos;  /* the declaration the symbols being emitted come from */
    ddb_buf heading; /* comment for the next builder emitted (a new attribute) */
} builder;

static void put(builder *b, tmpl_value *dict, const char *key, tmpl_value *v)
{
    if (v == NULL || tmpl_dict_set(dict, key, v) != 0)
        b->failed = true;
}

static void push(builder *b, tmpl_value *list, tmpl_value *v)
{
    if (v == NULL || tmpl_list_push(list, v) != 0)
        b->failed = true;
}

static void put_str(builder *b, tmpl_value *dict, const char *key, const char *s)
{
    put(b, dict, key, s != NULL ? tmpl_str(s) : tmpl_none());
}

/* Takes a ddb_buf's text as a string value (the buffer is left empty). */
static void put_buf(builder *b, tmpl_value *dict, const char *key, ddb_buf *text)
{
    char *s = ddb_buf_steal(NULL, text);
    put(b, dict, key, s != NULL ? tmpl_str_own(s) : NULL);
}

static void push_buf(builder *b, tmpl_value *list, ddb_buf *text)
{
    char *s = ddb_buf_steal(NULL, text);
    push(b, list, s != NULL ? tmpl_str_own(s) : NULL);
}

/* Appends a C string literal, quotes included. */
static void put_c_literal(ddb_buf *out, const char *s)
{
    ddb_buf_putc(out, '"');
    tmpl_c_string(out, s, strlen(s));
    ddb_buf_putc(out, '"');
}

/* Text safe inside a C block comment: "*" "/" never appears. */
static void append_comment_text(ddb_buf *out, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        ddb_buf_putc(out, s[i]);
        if (s[i] == '*' && i + 1 < len && s[i + 1] == '/')
            ddb_buf_putc(out, ' ');
    }
}

/* The doc text as comment-safe lines. */
static tmpl_value *doc_lines(const char *doc)
{
    tmpl_value *lines = tmpl_list();
    if (lines == NULL || doc == NULL)
        return lines;
    const char *p = doc;
    while (*p != '\0') {
        const char *nl = strchr(p, '\n');
        size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);
        ddb_buf line = DDB_BUF_INIT;
        append_comment_text(&line, p, len);
        char *s = ddb_buf_steal(NULL, &line);
        if (s == NULL || tmpl_list_push(lines, tmpl_str_own(s)) != 0) {
            tmpl_value_free(lines);
            return NULL;
        }
        p += len + (nl != NULL);
    }
    return lines;
}

/* An attribute name in the expression path syntax of ddb/expr.h. */
static void escape_path(ddb_buf *out, const char *name)
{
    for (const char *p = name; *p != '\0'; p++) {
        if (*p == '.' || *p == '[' || *p == ']' || *p == '\\')
            ddb_buf_putc(out, '\\');
        ddb_buf_putc(out, *p);
    }
}

static void upper_into(ddb_buf *out, const char *s)
{
    for (const char *p = s; *p != '\0'; p++)
        ddb_buf_putc(out, (char)toupper((unsigned char)*p));
}

/* ------------------------------------------------------------ C types */

/* "<prefix>_<map>" of map `index`. */
static void map_c_name(ddb_buf *out, const ddbc_schema *s, int index)
{
    ddb_buf_printf(out, "%s_%s", s->prefix, s->maps[index].name);
}

/* The typed list struct of a list attribute: "<prefix>_list_<scalar>" or
 * "<prefix>_<map>_list"; empty for untyped lists. */
static void list_c_name(ddb_buf *out, const ddbc_schema *s, const ddbc_attr *a)
{
    if (a->elem_map_index >= 0) {
        map_c_name(out, s, a->elem_map_index);
        ddb_buf_puts(out, "_list");
    } else if (a->elem_type != DDB_FT_DOCUMENT) {
        ddb_buf_printf(out, "%s_list_%s", s->prefix, ddb_type(a->elem_type)->name);
    }
}

/* The C type of a field, with trailing ' ' or '*'. */
static void field_c_type(ddb_buf *out, const ddbc_schema *s, const ddbc_attr *a)
{
    const ddb_type_info *ti = ddb_type(a->type);
    if (ti->c_type != NULL) {
        ddb_buf_puts(out, ti->c_type);
    } else if (a->type == DDB_FT_MAP) {
        map_c_name(out, s, a->map_index);
        ddb_buf_putc(out, ' ');
    } else if (a->elem_type == DDB_FT_DOCUMENT && a->elem_map_index < 0) {
        ddb_buf_puts(out, "ddb_av *");
    } else {
        list_c_name(out, s, a);
        ddb_buf_putc(out, ' ');
    }
}

/* The C type of one list element ("char *", "<prefix>_<map> ", ...). */
static void elem_c_type(ddb_buf *out, const ddbc_schema *s, const ddbc_attr *a)
{
    if (a->elem_map_index >= 0) {
        map_c_name(out, s, a->elem_map_index);
        ddb_buf_putc(out, ' ');
    } else {
        ddb_buf_puts(out, ddb_type(a->elem_type)->c_type);
    }
}

static bool is_untyped_list(const ddbc_attr *a)
{
    return a->type == DDB_FT_LIST && a->elem_map_index < 0 && a->elem_type == DDB_FT_DOCUMENT;
}

/* Whether a nullable field gets a has_<name> flag. */
static bool has_flag(const ddbc_attr *a)
{
    return a->nullable && ddb_type(a->type)->presence && !is_untyped_list(a);
}

/* ------------------------------------------------------------ defaults */

/* One C statement applying the default of `a` to `obj->a`. */
static void default_statement(ddb_buf *out, const ddbc_attr *a)
{
    const ddb_type_info *ti = ddb_type(a->type);
    ddb_buf_printf(out, "obj->%s = ", a->name);
    if (a->n_default_items > 0 || (a->has_default && (a->type == DDB_FT_STRING_SET ||
                                                      a->type == DDB_FT_NUMBER_SET ||
                                                      a->type == DDB_FT_BINARY_SET))) {
        ddb_buf_printf(out, "%s((const char *const[]){", ti->default_fn);
        for (size_t i = 0; i < a->n_default_items; i++) {
            ddb_buf_puts(out, i != 0 ? ", " : "");
            put_c_literal(out, a->default_items[i]);
        }
        ddb_buf_printf(out, "}, %zu);", a->n_default_items);
    } else if (ti->default_fn != NULL) {
        ddb_buf_printf(out, "%s(", ti->default_fn);
        put_c_literal(out, a->default_text);
        ddb_buf_puts(out, ");");
    } else if (a->type == DDB_FT_INT64 && strcmp(a->default_text, "-9223372036854775808") == 0) {
        ddb_buf_puts(out, "(-INT64_C(9223372036854775807) - 1);");
    } else if (a->type == DDB_FT_INT64) {
        ddb_buf_printf(out, "INT64_C(%s);", a->default_text);
    } else {
        ddb_buf_printf(out, "%s;", a->default_text);
    }
}

/* The statements of a model's or map's defaults function. */
static tmpl_value *default_lines(builder *b, const ddbc_attr *attrs, size_t n, const char *discriminator)
{
    tmpl_value *lines = tmpl_list();
    ddb_buf text = DDB_BUF_INIT;
    for (size_t i = 0; lines != NULL && i < n; i++) {
        const ddbc_attr *a = &attrs[i];
        if (a->type == DDB_FT_MAP) {
            ddb_buf_puts(&text, "ddb_model_init(&");
            map_c_name(&text, b->s, a->map_index);
            ddb_buf_printf(&text, "_map, &obj->%s);", a->name);
            push_buf(b, lines, &text);
        }
        if (a->type == DDB_FT_DISCRIMINATOR && discriminator != NULL) {
            ddb_buf_printf(&text, "obj->%s = ddb_strdup(", a->name);
            put_c_literal(&text, discriminator);
            ddb_buf_puts(&text, ");");
            push_buf(b, lines, &text);
        }
        if (!a->has_default)
            continue;
        default_statement(&text, a);
        push_buf(b, lines, &text);
        if (has_flag(a)) {
            ddb_buf_printf(&text, "obj->has_%s = true;", a->name);
            push_buf(b, lines, &text);
        }
    }
    ddb_buf_free(&text);
    return lines;
}

/* ------------------------------------------------------------ fields */

/* "hash key; <first doc line>" etc.: the comment after a struct field. */
static void field_comment(ddb_buf *out, const ddbc_attr *a, bool hash, bool range)
{
    const char *sep = "";
    if (hash || range) {
        ddb_buf_puts(out, hash ? "hash key" : "range key");
        sep = "; ";
    }
    if (a->nullable && !has_flag(a) && a->type != DDB_FT_NULL) {
        ddb_buf_printf(out, "%sabsent when %s", sep,
                       a->type == DDB_FT_BINARY                                  ? "data is NULL"
                       : a->type == DDB_FT_STRING_SET || a->type == DDB_FT_NUMBER_SET ||
                               a->type == DDB_FT_BINARY_SET                      ? "empty"
                                                                                 : "NULL");
        sep = "; ";
    }
    if (a->type == DDB_FT_VERSION) {
        ddb_buf_printf(out, "%soptimistic locking: 0 until saved, bumped by every write", sep);
        sep = "; ";
    }
    if (a->type == DDB_FT_TTL) {
        ddb_buf_printf(out, "%sexpiry, epoch seconds", sep);
        sep = "; ";
    }
    if (a->default_for_new) {
        ddb_buf_printf(out, "%sdefault for new items only", sep);
        sep = "; ";
    }
    if (a->doc != NULL) {
        ddb_buf_puts(out, sep);
        append_comment_text(out, a->doc, strcspn(a->doc, "\n"));
    }
}

/* The designated initialisers after .has_offset in a ddb_field entry. */
static void field_extra_init(ddb_buf *out, const ddbc_schema *s, const ddbc_attr *a)
{
    if (a->type == DDB_FT_MAP) {
        ddb_buf_puts(out, ", .sub = &");
        map_c_name(out, s, a->map_index);
        ddb_buf_puts(out, "_map");
    } else if (a->type == DDB_FT_LIST && is_untyped_list(a)) {
        ddb_buf_puts(out, ", .elem = DDB_FT_DOCUMENT");
    } else if (a->type == DDB_FT_LIST) {
        ddb_buf_printf(out, ", .elem = %s, .elem_size = sizeof(",
                       a->elem_map_index >= 0 ? "DDB_FT_MAP" : ddb_type(a->elem_type)->c_enum);
        ddb_buf elem = DDB_BUF_INIT;
        elem_c_type(&elem, s, a);
        while (elem.len > 0 && elem.data[elem.len - 1] == ' ')
            elem.data[--elem.len] = '\0';
        ddb_buf_printf(out, "%s)", ddb_buf_cstr(&elem));
        ddb_buf_free(&elem);
        if (a->elem_map_index >= 0) {
            ddb_buf_puts(out, ", .sub = &");
            map_c_name(out, s, a->elem_map_index);
            ddb_buf_puts(out, "_map");
        }
    }
}

static const char *field_flags(const ddbc_attr *a, bool hash, bool range)
{
    if (hash)
        return "DDB_FIELD_HASH_KEY";
    if (range)
        return "DDB_FIELD_RANGE_KEY";
    if (a->default_for_new)
        return a->nullable ? "DDB_FIELD_NULLABLE | DDB_FIELD_DEFAULT_FOR_NEW" : "DDB_FIELD_DEFAULT_FOR_NEW";
    return a->nullable ? "DDB_FIELD_NULLABLE" : "0";
}

static tmpl_value *field_value(builder *b, const ddbc_attr *a, int index, bool hash, bool range)
{
    const ddb_type_info *ti = ddb_type(a->type);
    tmpl_value *f = tmpl_dict();
    if (f == NULL)
        return NULL;
    ddb_buf text = DDB_BUF_INIT;
    put_str(b, f, "name", a->name);
    put_str(b, f, "attr", a->attr_name);
    put(b, f, "index", tmpl_int(index));
    field_c_type(&text, b->s, a);
    ddb_buf_puts(&text, a->name);
    put_buf(b, f, "decl", &text);
    put_str(b, f, "ftype", ti->c_enum);
    put_str(b, f, "flags", field_flags(a, hash, range));
    put(b, f, "presence", tmpl_bool(has_flag(a)));
    field_extra_init(&text, b->s, a);
    put_buf(b, f, "extra_init", &text);
    field_comment(&text, a, hash, range);
    put_buf(b, f, "comment", &text);
    put_str(b, f, "param_type", ti->param);
    put_str(b, f, "gate", ti->gate);
    put(b, f, "prefixable", tmpl_bool(ti->begins_with));
    escape_path(&text, a->attr_name);
    put_buf(b, f, "path", &text);
    ddb_buf_free(&text);
    return f;
}

static tmpl_value *fields_value(builder *b, const ddbc_attr *attrs, size_t n, int hash, int range)
{
    tmpl_value *fields = tmpl_list();
    for (size_t i = 0; fields != NULL && i < n; i++)
        push(b, fields, field_value(b, &attrs[i], (int)i, (int)i == hash, (int)i == range));
    return fields;
}

/* ------------------------------------------------------------ builders */

/*
 * A typed builder: a function `<owner>_<ret> (<sym>)(<params>)` returning
 * `{<body>}`, and a same-named macro passing each argument through its gate.
 * The templates print these records as they are.
 */
typedef struct walk {
    builder *b;
    tmpl_value *out;        /* list of builder dicts */
    const char *owner;      /* "<prefix>_<model>" */
    const char *sym_prefix; /* names between owner and op: "author_" */
    const char *path;       /* escaped path prefix: "author." or "replies[]." */
    const char *fields;     /* C array holding the fields: "forum_author_fields" */
    bool indexed;           /* the path holds "[]": builders take an index first */
} walk;

/* One parameter: C declaration, macro parameter, gated macro argument. */
typedef struct param {
    const char *type;  /* "int64_t ", "const char *" */
    const char *name;  /* "v" */
    const char *gate;  /* "DDB_ARG_INT64" or NULL */
} param;

static void emit_builder(const walk *w, const char *ret, const char *sym, const param *ps, size_t n,
                         const char *body)
{
    builder *b = w->b;
    tmpl_value *d = tmpl_dict();
    ddb_buf params = DDB_BUF_INIT, mparams = DDB_BUF_INIT, margs = DDB_BUF_INIT;
    if (w->indexed) {
        ddb_buf_puts(&params, "size_t i");
        ddb_buf_puts(&mparams, "i_");
        ddb_buf_puts(&margs, "DDB_ARG_INDEX(i_)");
    }
    for (size_t k = 0; k < n; k++) {
        const char *sep = params.len != 0 ? ", " : "";
        ddb_buf_printf(&params, "%s%s%s", sep, ps[k].type, ps[k].name);
        ddb_buf_printf(&mparams, "%s%s_", sep, ps[k].name);
        size_t gl = ps[k].gate != NULL ? strlen(ps[k].gate) : 0;
        if (gl >= 2 && strcmp(ps[k].gate + gl - 2, ", ") == 0) /* "DDB_ARG_IS(T, " */
            ddb_buf_printf(&margs, "%s%s%s_)", sep, ps[k].gate, ps[k].name);
        else if (ps[k].gate != NULL)
            ddb_buf_printf(&margs, "%s%s(%s_)", sep, ps[k].gate, ps[k].name);
        else
            ddb_buf_printf(&margs, "%s(%s_)", sep, ps[k].name);
    }
    if (params.len == 0)
        ddb_buf_puts(&params, "void");
    add_symbol(&b->syms, b->pos, sym);
    if (d != NULL && b->heading.len != 0)
        put_buf(b, d, "heading", &b->heading);
    else if (d != NULL)
        put_str(b, d, "heading", NULL);
    if (d != NULL) {
        put_str(b, d, "ret", ret);
        put_str(b, d, "sym", sym);
        put_buf(b, d, "params", &params);
        put_buf(b, d, "macro_params", &mparams);
        put_buf(b, d, "macro_args", &margs);
        put_str(b, d, "body", body);
    }
    push(b, w->out, d);
    ddb_buf_free(&params);
    ddb_buf_free(&mparams);
    ddb_buf_free(&margs);
}

/* The C expression of the path of attribute `a` under walk `w`. */
static void path_expr(ddb_buf *out, const walk *w, const ddbc_attr *a, const char *suffix)
{
    ddb_buf path = DDB_BUF_INIT;
    ddb_buf_puts(&path, w->path);
    escape_path(&path, a->attr_name);
    ddb_buf_puts(&path, suffix);
    bool indexed = w->indexed || strstr(suffix, "[]") != NULL;
    if (indexed)
        ddb_buf_puts(out, "ddb_path_at((char[DDB_PATH_MAX]){0}, ");
    put_c_literal(out, ddb_buf_cstr(&path));
    if (indexed)
        ddb_buf_puts(out, ", i)");
    ddb_buf_free(&path);
}

/* A builder whose body is `fn(path[, extra])`, e.g. ddb_cond_exists("x"). */
static void emit_simple(const walk *w, const ddbc_attr *a, const char *ret, const char *sym,
                        const char *fn, const param *ps, size_t n, const char *args)
{
    ddb_buf body = DDB_BUF_INIT;
    ddb_buf_printf(&body, "%s(", fn);
    path_expr(&body, w, a, "");
    if (args != NULL)
        ddb_buf_printf(&body, ", %s", args);
    ddb_buf_putc(&body, ')');
    emit_builder(w, ret, sym, ps, n, ddb_buf_cstr(&body));
    ddb_buf_free(&body);
}

/* "ddb_field_value(&<fields>[k], &v)" */
static void value_expr(ddb_buf *out, const walk *w, int k, const char *fn, const char *var)
{
    ddb_buf_printf(out, "%s(&%s[%d], &%s)", fn, w->fields, k, var);
}

static void cond_builders(const walk *w, const ddbc_attr *a, int k, const char *base, const char *c_ret)
{
    const ddb_type_info *ti = ddb_type(a->type);
    ddb_buf sym = DDB_BUF_INIT, args = DDB_BUF_INIT;
    param v = {ti->param, "v", ti->gate};
    int n_cmp = ti->cmp == DDB_TYPE_CMP_ORDER ? 6 : ti->cmp == DDB_TYPE_CMP_EQUALITY ? 2 : 0;
    for (int op = 0; op < n_cmp; op++) {
        ddb_buf_printf(&sym, "%s_%s", base, cmp_ops[op]);
        ddb_buf_printf(&args, "%s, ", cmp_enums[op]);
        value_expr(&args, w, k, "ddb_field_value", "v");
        emit_simple(w, a, c_ret, ddb_buf_cstr(&sym), "ddb_cond_cmp", &v, 1, ddb_buf_cstr(&args));
        ddb_buf_reset(&sym);
        ddb_buf_reset(&args);
    }
    if (ti->cmp == DDB_TYPE_CMP_ORDER) {
        param lh[2] = {{ti->param, "low", ti->gate}, {ti->param, "high", ti->gate}};
        ddb_buf_printf(&sym, "%s_between", base);
        value_expr(&args, w, k, "ddb_field_value", "low");
        ddb_buf_puts(&args, ", ");
        value_expr(&args, w, k, "ddb_field_value", "high");
        emit_simple(w, a, c_ret, ddb_buf_cstr(&sym), "ddb_cond_between", lh, 2, ddb_buf_cstr(&args));
        ddb_buf_reset(&sym);
        ddb_buf_reset(&args);
    }
    if (ti->begins_with) {
        param p = {ti->param, "prefix", ti->gate};
        ddb_buf_printf(&sym, "%s_begins_with", base);
        value_expr(&args, w, k, "ddb_field_value", "prefix");
        emit_simple(w, a, c_ret, ddb_buf_cstr(&sym), "ddb_cond_begins_with", &p, 1, ddb_buf_cstr(&args));
        ddb_buf_reset(&sym);
        ddb_buf_reset(&args);
    }
    if (ti->in) {
        ddb_buf type = DDB_BUF_INIT; /* an array of values: T const * */
        size_t pl = strlen(ti->param);
        if (ti->param[pl - 1] == '*')
            ddb_buf_printf(&type, "%sconst *", ti->param);
        else
            ddb_buf_printf(&type, "const %s*", ti->param);
        ddb_buf gate = DDB_BUF_INIT; /* DDB_ARG_ARRAY(<element type>, */
        ddb_buf_printf(&gate, "DDB_ARG_ARRAY(%.*s, ", (int)(pl - (ti->param[pl - 1] == ' ')), ti->param);
        param p[2] = {{ddb_buf_cstr(&type), "values", ddb_buf_cstr(&gate)}, {"size_t ", "n", "DDB_ARG_INDEX"}};
        ddb_buf_printf(&sym, "%s_in", base);
        ddb_buf_printf(&args, "&%s[%d], values, n", w->fields, k);
        emit_simple(w, a, c_ret, ddb_buf_cstr(&sym), "ddb_cond_in_field", p, 2, ddb_buf_cstr(&args));
        ddb_buf_reset(&sym);
        ddb_buf_reset(&args);
        ddb_buf_free(&type);
        ddb_buf_free(&gate);
    }
    bool scalar_list = a->type == DDB_FT_LIST && a->elem_map_index < 0 && !is_untyped_list(a);
    bool element_contains = ti->contains != DDB_FT_NONE && ti->contains != DDB_FT_LIST;
    if (element_contains || scalar_list) {
        const ddb_type_info *et = ddb_type(scalar_list ? a->elem_type : ti->contains);
        param p = {et->param, "v", et->gate};
        ddb_buf_printf(&sym, "%s_contains", base);
        if (scalar_list)
            value_expr(&args, w, k, "ddb_field_elem_value", "v");
        else
            ddb_buf_printf(&args, "%s(v)", a->type == DDB_FT_BINARY_SET   ? "ddb_val_bytes"
                                           : a->type == DDB_FT_NUMBER_SET ? "ddb_val_decimal"
                                                                          : "ddb_val_string");
        emit_simple(w, a, c_ret, ddb_buf_cstr(&sym), "ddb_cond_contains", &p, 1, ddb_buf_cstr(&args));
        ddb_buf_reset(&sym);
        ddb_buf_reset(&args);
    }
    if (ti->size) {
        param n = {"int64_t ", "n", "DDB_ARG_INT64"};
        for (int op = 0; op < 6; op++) {
            ddb_buf_printf(&sym, "%s_size_%s", base, cmp_ops[op]);
            ddb_buf_printf(&args, "%s, ddb_av_n_i64(n)", cmp_enums[op]);
            emit_simple(w, a, c_ret, ddb_buf_cstr(&sym), "ddb_cond_size_cmp", &n, 1, ddb_buf_cstr(&args));
            ddb_buf_reset(&sym);
            ddb_buf_reset(&args);
        }
    }
    if (ti->is_type || is_untyped_list(a)) {
        param t = {"ddb_av_type ", "type", NULL};
        ddb_buf_printf(&sym, "%s_is_type", base);
        emit_simple(w, a, c_ret, ddb_buf_cstr(&sym), "ddb_cond_attribute_type", &t, 1, "type");
        ddb_buf_reset(&sym);
    }
    ddb_buf_printf(&sym, "%s_exists", base);
    emit_simple(w, a, c_ret, ddb_buf_cstr(&sym), "ddb_cond_exists", NULL, 0, NULL);
    ddb_buf_reset(&sym);
    ddb_buf_printf(&sym, "%s_not_exists", base);
    emit_simple(w, a, c_ret, ddb_buf_cstr(&sym), "ddb_cond_not_exists", NULL, 0, NULL);
    ddb_buf_free(&sym);
    ddb_buf_free(&args);
}

/* Update actions `<owner>_<verb>_<prefix><name>`. */
static void action_builders(const walk *w, const ddbc_attr *a, int k, bool is_key, const char *a_ret)
{
    const ddb_type_info *ti = ddb_type(a->type);
    if (is_key)
        return;
    ddb_buf sym = DDB_BUF_INIT, args = DDB_BUF_INIT, ptype = DDB_BUF_INIT;
    if (ti->param != NULL) {
        ddb_buf_puts(&ptype, ti->param);
    } else if (a->type != DDB_FT_NULL) { /* list/map: by value */
        field_c_type(&ptype, w->b->s, a);
    }
    ddb_buf gate = DDB_BUF_INIT;
    if (ti->gate != NULL)
        ddb_buf_puts(&gate, ti->gate);
    else if (a->type != DDB_FT_NULL && !is_untyped_list(a)) {
        ddb_buf_puts(&gate, "DDB_ARG_IS(");
        field_c_type(&gate, w->b->s, a);
        while (gate.len > 0 && gate.data[gate.len - 1] == ' ')
            gate.data[--gate.len] = '\0';
        ddb_buf_puts(&gate, ", ");
    } else if (is_untyped_list(a)) {
        ddb_buf_reset(&ptype);
        ddb_buf_puts(&ptype, "const ddb_av *");
        ddb_buf_puts(&gate, "DDB_ARG_DOCUMENT");
    }
    param v = {ddb_buf_cstr(&ptype), "v", gate.len != 0 ? ddb_buf_cstr(&gate) : NULL};
    static const struct {
        const char *verb, *fn;
    } set_verbs[] = {{"set", "ddb_update_set"}, {"set_if_absent", "ddb_update_set_if_not_exists"}};
    for (size_t i = 0; ti->settable && i < COUNT(set_verbs); i++) {
        ddb_buf_printf(&sym, "%s_%s_%s%s", w->owner, set_verbs[i].verb, w->sym_prefix, a->name);
        if (a->type == DDB_FT_NULL) {
            emit_simple(w, a, a_ret, ddb_buf_cstr(&sym), set_verbs[i].fn, NULL, 0, "ddb_av_null()");
        } else {
            if (is_untyped_list(a))
                ddb_buf_puts(&args, "ddb_val_document(v)");
            else
                value_expr(&args, w, k, "ddb_field_value", "v");
            emit_simple(w, a, a_ret, ddb_buf_cstr(&sym), set_verbs[i].fn, &v, 1, ddb_buf_cstr(&args));
        }
        ddb_buf_reset(&sym);
        ddb_buf_reset(&args);
    }
    static const struct {
        const char *verb, *fn;
        bool arith;
    } value_verbs[] = {{"add", "ddb_update_add", true},
                       {"incr", "ddb_update_set_plus", true},
                       {"decr", "ddb_update_set_minus", true},
                       {"add", "ddb_update_add", false},
                       {"delete", "ddb_update_delete", false}};
    /* int64 arithmetic goes through the range-guarded actions (ddb/expr.h) */
    bool int64_arith = a->type == DDB_FT_INT64 || a->type == DDB_FT_TTL;
    for (size_t i = 0; i < COUNT(value_verbs); i++) {
        if (value_verbs[i].arith ? !ti->arith : !ti->set_ops)
            continue;
        ddb_buf_printf(&sym, "%s_%s_%s%s", w->owner, value_verbs[i].verb, w->sym_prefix, a->name);
        ddb_buf fn = DDB_BUF_INIT;
        ddb_buf_printf(&fn, "%s%s", value_verbs[i].fn, value_verbs[i].arith && int64_arith ? "_int64" : "");
        if (value_verbs[i].arith && int64_arith)
            ddb_buf_puts(&args, "v");
        else
            value_expr(&args, w, k, "ddb_field_value", "v");
        emit_simple(w, a, a_ret, ddb_buf_cstr(&sym), ddb_buf_cstr(&fn), &v, 1, ddb_buf_cstr(&args));
        ddb_buf_free(&fn);
        ddb_buf_reset(&sym);
        ddb_buf_reset(&args);
    }
    if (a->type == DDB_FT_LIST && !is_untyped_list(a)) {
        static const char *const list_verbs[][2] = {{"append", "ddb_update_list_append"},
                                                    {"prepend", "ddb_update_list_prepend"}};
        for (size_t i = 0; i < COUNT(list_verbs); i++) {
            ddb_buf_printf(&sym, "%s_%s_%s%s", w->owner, list_verbs[i][0], w->sym_prefix, a->name);
            value_expr(&args, w, k, "ddb_field_value", "v");
            emit_simple(w, a, a_ret, ddb_buf_cstr(&sym), list_verbs[i][1], &v, 1, ddb_buf_cstr(&args));
            ddb_buf_reset(&sym);
            ddb_buf_reset(&args);
        }
    }
    bool removable = a->nullable || ti->set_ops || a->type == DDB_FT_LIST || a->type == DDB_FT_DOCUMENT;
    if (removable && ti->settable) {
        ddb_buf_printf(&sym, "%s_remove_%s%s", w->owner, w->sym_prefix, a->name);
        emit_simple(w, a, a_ret, ddb_buf_cstr(&sym), "ddb_update_remove", NULL, 0, NULL);
    }
    ddb_buf_free(&sym);
    ddb_buf_free(&args);
    ddb_buf_free(&ptype);
    ddb_buf_free(&gate);
}

static void walk_attrs(const walk *w, const ddbc_attr *attrs, size_t n, int hash, int range);

/* Builders on the elements of a typed list: `<base>_at_<op>(i, v)` for
 * scalar elements, the element map's fields for lists of maps. */
static void list_element_builders(const walk *w, const ddbc_attr *a, int k, const char *c_ret)
{
    if (w->indexed || is_untyped_list(a))
        return; /* one index level; deeper elements through the untyped API */
    ddb_buf path = DDB_BUF_INIT, prefix = DDB_BUF_INIT, fields = DDB_BUF_INIT;
    ddb_buf_puts(&path, w->path);
    escape_path(&path, a->attr_name);
    ddb_buf_puts(&path, "[]");
    if (a->elem_map_index >= 0) {
        const ddbc_map *map = &w->b->s->maps[a->elem_map_index];
        ddb_buf_putc(&path, '.');
        ddb_buf_printf(&prefix, "%s%s_", w->sym_prefix, a->name);
        map_c_name(&fields, w->b->s, a->elem_map_index);
        ddb_buf_puts(&fields, "_fields");
        walk sub = {w->b, w->out, w->owner, ddb_buf_cstr(&prefix), ddb_buf_cstr(&path),
                    ddb_buf_cstr(&fields), true};
        walk_attrs(&sub, map->attrs, map->n_attrs, -1, -1);
    } else {
        const ddb_type_info *ti = ddb_type(a->elem_type);
        param v = {ti->param, "v", ti->gate};
        ddb_buf sym = DDB_BUF_INIT, args = DDB_BUF_INIT;
        walk sub = *w;
        sub.indexed = true;
        sub.path = "";
        int n_cmp = ti->cmp == DDB_TYPE_CMP_ORDER ? 6 : ti->cmp == DDB_TYPE_CMP_EQUALITY ? 2 : 0;
        for (int op = 0; op < n_cmp; op++) {
            ddb_buf_printf(&sym, "%s_%s%s_at_%s", w->owner, w->sym_prefix, a->name, cmp_ops[op]);
            ddb_buf_printf(&args, "%s, ", cmp_enums[op]);
            value_expr(&args, w, k, "ddb_field_elem_value", "v");
            ddb_buf temp = DDB_BUF_INIT;
            ddb_buf_puts(&temp, "ddb_cond_cmp(ddb_path_at((char[DDB_PATH_MAX]){0}, ");
            put_c_literal(&temp, ddb_buf_cstr(&path));
            ddb_buf_printf(&temp, ", i), %s)", ddb_buf_cstr(&args));
            emit_builder(&sub, c_ret, ddb_buf_cstr(&sym), &v, 1, ddb_buf_cstr(&temp));
            ddb_buf_free(&temp);
            ddb_buf_reset(&sym);
            ddb_buf_reset(&args);
        }
        ddb_buf_free(&sym);
        ddb_buf_free(&args);
    }
    ddb_buf_free(&path);
    ddb_buf_free(&prefix);
    ddb_buf_free(&fields);
}

/* Builders for every attribute of a model or map (recursing into maps). */
static void walk_attrs(const walk *w, const ddbc_attr *attrs, size_t n, int hash, int range)
{
    ddb_buf ret_c = DDB_BUF_INIT, ret_a = DDB_BUF_INIT;
    ddb_buf_printf(&ret_c, "%s_cond", w->owner);
    ddb_buf_printf(&ret_a, "%s_action", w->owner);
    for (size_t i = 0; i < n; i++) {
        const ddbc_attr *a = &attrs[i];
        ddbc_pos saved = w->b->pos;
        if (!w->indexed && w->sym_prefix[0] == '\0')
            w->b->pos = a->pos; /* nested builders stay at the top-level attribute */
        ddb_buf base = DDB_BUF_INIT;
        ddb_buf_printf(&base, "%s_%s%s", w->owner, w->sym_prefix, a->name);
        ddb_buf_reset(&w->b->heading);
        ddb_buf_printf(&w->b->heading, "%s%s (%s%s%s)", w->sym_prefix, a->name,
                       a->type == DDB_FT_MAP ? w->b->s->maps[a->map_index].name : ddb_type(a->type)->name,
                       strcmp(a->name, a->attr_name) != 0 ? ", stored as " : "",
                       strcmp(a->name, a->attr_name) != 0 ? a->attr_name : "");
        cond_builders(w, a, (int)i, ddb_buf_cstr(&base), ddb_buf_cstr(&ret_c));
        bool is_key = (int)i == hash || (int)i == range;
        action_builders(w, a, (int)i, is_key || a->type == DDB_FT_VERSION, ddb_buf_cstr(&ret_a));
        if (a->type == DDB_FT_LIST)
            list_element_builders(w, a, (int)i, ddb_buf_cstr(&ret_c));
        if (a->type == DDB_FT_MAP) {
            const ddbc_map *map = &w->b->s->maps[a->map_index];
            ddb_buf path = DDB_BUF_INIT, prefix = DDB_BUF_INIT, fields = DDB_BUF_INIT;
            ddb_buf_puts(&path, w->path);
            escape_path(&path, a->attr_name);
            ddb_buf_putc(&path, '.');
            ddb_buf_printf(&prefix, "%s%s_", w->sym_prefix, a->name);
            map_c_name(&fields, w->b->s, a->map_index);
            ddb_buf_puts(&fields, "_fields");
            walk sub = {w->b, w->out, w->owner, ddb_buf_cstr(&prefix), ddb_buf_cstr(&path),
                        ddb_buf_cstr(&fields), w->indexed};
            walk_attrs(&sub, map->attrs, map->n_attrs, -1, -1);
            ddb_buf_free(&path);
            ddb_buf_free(&prefix);
            ddb_buf_free(&fields);
        }
        ddb_buf_free(&base);
        w->b->pos = saved;
    }
    ddb_buf_free(&ret_c);
    ddb_buf_free(&ret_a);
}

/* Key-range builders `<owner>_range_<op>` on the range key, for query. */
static void range_builders(const walk *w, const ddbc_attr *a, int k)
{
    const ddb_type_info *ti = ddb_type(a->type);
    ddb_buf sym = DDB_BUF_INIT, args = DDB_BUF_INIT, ret = DDB_BUF_INIT;
    ddb_buf_printf(&ret, "%s_range", w->owner);
    param v = {ti->param, "v", ti->gate};
    for (size_t i = 0; i < COUNT(key_ops); i++) {
        int op = key_ops[i];
        ddb_buf_printf(&sym, "%s_range_%s", w->owner, cmp_ops[op]);
        ddb_buf_printf(&args, "%s, ", cmp_enums[op]);
        value_expr(&args, w, k, "ddb_field_value", "v");
        emit_simple(w, a, ddb_buf_cstr(&ret), ddb_buf_cstr(&sym), "ddb_cond_cmp", &v, 1, ddb_buf_cstr(&args));
        ddb_buf_reset(&sym);
        ddb_buf_reset(&args);
    }
    param lh[2] = {{ti->param, "low", ti->gate}, {ti->param, "high", ti->gate}};
    ddb_buf_printf(&sym, "%s_range_between", w->owner);
    value_expr(&args, w, k, "ddb_field_value", "low");
    ddb_buf_puts(&args, ", ");
    value_expr(&args, w, k, "ddb_field_value", "high");
    emit_simple(w, a, ddb_buf_cstr(&ret), ddb_buf_cstr(&sym), "ddb_cond_between", lh, 2, ddb_buf_cstr(&args));
    ddb_buf_reset(&sym);
    ddb_buf_reset(&args);
    if (ti->begins_with) {
        param p = {ti->param, "prefix", ti->gate};
        ddb_buf_printf(&sym, "%s_range_begins_with", w->owner);
        value_expr(&args, w, k, "ddb_field_value", "prefix");
        emit_simple(w, a, ddb_buf_cstr(&ret), ddb_buf_cstr(&sym), "ddb_cond_begins_with", &p, 1,
                    ddb_buf_cstr(&args));
    }
    ddb_buf_free(&sym);
    ddb_buf_free(&args);
    ddb_buf_free(&ret);
}

/* ------------------------------------------------------------ models and maps */

/* Key parameters of get: "const char *forum, const char *subject" and friends. */
static void key_strings(builder *b, tmpl_value *md, const ddbc_model *m)
{
    const ddbc_attr *h = &m->attrs[m->hash_key];
    const ddbc_attr *r = m->range_key >= 0 ? &m->attrs[m->range_key] : NULL;
    ddb_buf text = DDB_BUF_INIT;
    ddb_buf_printf(&text, "%s%s", ddb_type(h->type)->param, h->name);
    put_buf(b, md, "hash_param", &text);
    put_str(b, md, "hash_name", h->name);
    put_str(b, md, "hash_gate", ddb_type(h->type)->gate);
    ddb_buf_printf(&text, "%s%s", ddb_type(h->type)->param, h->name);
    if (r != NULL)
        ddb_buf_printf(&text, ", %s%s", ddb_type(r->type)->param, r->name);
    put_buf(b, md, "key_params", &text);
    ddb_buf_printf(&text, "&%s, %s%s", h->name, r != NULL ? "&" : "NULL", r != NULL ? r->name : "");
    put_buf(b, md, "key_refs", &text);
    put_str(b, md, "key_macro_params", r != NULL ? "hash_, range_" : "hash_");
    ddb_buf_printf(&text, "%s(hash_)", ddb_type(h->type)->gate);
    if (r != NULL)
        ddb_buf_printf(&text, ", %s(range_)", ddb_type(r->type)->gate);
    put_buf(b, md, "key_macro_args", &text);
    ddb_buf_free(&text);
}

static int find_attr(const ddbc_model *m, ddb_ftype t)
{
    for (size_t i = 0; i < m->n_attrs; i++) {
        if (m->attrs[i].type == t)
            return (int)i;
    }
    return -1;
}

static const char *stream_enum(ddbc_stream s)
{
    switch (s) {
    case DDBC_STREAM_NONE:
        return "0";
    case DDBC_STREAM_KEYS_ONLY:
        return "DDB_STREAM_KEYS_ONLY";
    case DDBC_STREAM_NEW_IMAGE:
        return "DDB_STREAM_NEW_IMAGE";
    case DDBC_STREAM_OLD_IMAGE:
        return "DDB_STREAM_OLD_IMAGE";
    case DDBC_STREAM_NEW_AND_OLD_IMAGES:
        return "DDB_STREAM_NEW_AND_OLD_IMAGES";
    }
    return "0";
}

static const char *projection_enum(ddbc_projection p)
{
    switch (p) {
    case DDBC_PROJECTION_ALL:
        return "DDB_INDEX_ALL";
    case DDBC_PROJECTION_KEYS_ONLY:
        return "DDB_INDEX_KEYS_ONLY";
    case DDBC_PROJECTION_INCLUDE:
        return "DDB_INDEX_INCLUDE";
    }
    return "DDB_INDEX_ALL";
}

/* Typed access to one index: functions `<model>_<index>_<verb>` and key-range
 * builders of type `<model>_<index>_range`. */
static void index_access(builder *b, tmpl_value *d, const ddbc_model *m, const ddbc_index *ix,
                         const walk *model_walk)
{
    const ddbc_attr *h = &m->attrs[ix->hash_key];
    ddb_buf c = DDB_BUF_INIT, text = DDB_BUF_INIT;
    ddb_buf_printf(&c, "%s_%s", model_walk->owner, ix->name);
    put_str(b, d, "c", ddb_buf_cstr(&c));
    upper_into(&text, ddb_buf_cstr(&c));
    put_buf(b, d, "C", &text);
    ddb_buf_printf(&text, "%s%s", ddb_type(h->type)->param, h->name);
    put_buf(b, d, "hash_param", &text);
    put_str(b, d, "hash_name", h->name);
    put_str(b, d, "hash_gate", ddb_type(h->type)->gate);
    static const char *const verbs[] = {"range", "query", "scan", "query_page", "scan_page", "count"};
    for (size_t i = 0; i < COUNT(verbs); i++) {
        ddb_buf_printf(&text, "%s_%s", ddb_buf_cstr(&c), verbs[i]);
        add_symbol(&b->syms, ix->pos, ddb_buf_cstr(&text));
        ddb_buf_reset(&text);
    }
    if (ix->range_key >= 0) {
        walk w = *model_walk;
        w.owner = ddb_buf_cstr(&c);
        ddbc_pos saved = b->pos;
        b->pos = ix->pos;
        range_builders(&w, &m->attrs[ix->range_key], ix->range_key);
        b->pos = saved;
    }
    ddb_buf_free(&c);
    ddb_buf_free(&text);
}

static tmpl_value *indexes_value(builder *b, const ddbc_model *m, const walk *model_walk)
{
    tmpl_value *list = tmpl_list();
    ddb_buf text = DDB_BUF_INIT;
    for (size_t i = 0; list != NULL && i < m->n_indexes; i++) {
        const ddbc_index *ix = &m->indexes[i];
        tmpl_value *d = tmpl_dict();
        if (d == NULL) {
            b->failed = true;
            break;
        }
        put_str(b, d, "name", ix->name);
        put(b, d, "global", tmpl_bool(ix->global));
        put(b, d, "hash", tmpl_int(ix->hash_key));
        put(b, d, "range", tmpl_int(ix->range_key));
        put_str(b, d, "projection", projection_enum(ix->projection));
        for (size_t k = 0; k < ix->n_include; k++) {
            ddb_buf_puts(&text, k != 0 ? ", " : "");
            put_c_literal(&text, m->attrs[ix->include[k]].attr_name);
        }
        put_buf(b, d, "include", &text);
        put(b, d, "n_include", tmpl_int((long long)ix->n_include));
        put(b, d, "position", tmpl_int((long long)i));
        index_access(b, d, m, ix, model_walk);
        push(b, list, d);
    }
    ddb_buf_free(&text);
    return list;
}

/* keep_unknown adds the member `unknown_attrs`: no attribute may use it. */
static void check_unknown_member(builder *b, const ddbc_model *m)
{
    for (size_t i = 0; m->keep_unknown && i < m->n_attrs; i++) {
        if (strcmp(m->attrs[i].name, "unknown_attrs") == 0)
            ddbc_diag_error(b->diag, m->attrs[i].pos,
                            "attribute name 'unknown_attrs' is taken by keep_unknown in model '%s'; "
                            "rename the attribute (attr_name keeps its stored name)", m->name);
    }
}

static tmpl_value *model_value(builder *b, const ddbc_model *m)
{
    check_unknown_member(b, m);
    const ddbc_schema *s = b->s;
    tmpl_value *md = tmpl_dict();
    tmpl_value *builders = tmpl_list();
    if (md == NULL || builders == NULL) {
        tmpl_value_free(md);
        tmpl_value_free(builders);
        return NULL;
    }
    ddb_buf text = DDB_BUF_INIT, c = DDB_BUF_INIT, fields = DDB_BUF_INIT;
    ddb_buf_printf(&c, "%s_%s", s->prefix, m->name);
    put_str(b, md, "name", m->name);
    put_str(b, md, "c", ddb_buf_cstr(&c));
    ddb_buf_puts(&text, s->prefix);
    ddb_buf_putc(&text, '_');
    upper_into(&text, m->name);
    for (size_t i = 0; i < text.len; i++)
        text.data[i] = (char)toupper((unsigned char)text.data[i]);
    put_buf(b, md, "C", &text);
    put_str(b, md, "table", m->table);
    put(b, md, "doc_lines", doc_lines(m->doc));
    bool provisioned = m->billing == DDBC_BILLING_PROVISIONED;
    put_str(b, md, "billing", provisioned ? "DDB_BILLING_PROVISIONED" : "DDB_BILLING_PAY_PER_REQUEST");
    put(b, md, "read_capacity", tmpl_int(m->read_capacity));
    put(b, md, "write_capacity", tmpl_int(m->write_capacity));
    put(b, md, "hash_index", tmpl_int(m->hash_key));
    put(b, md, "range_index", tmpl_int(m->range_key));
    put_str(b, md, "hash_field", m->attrs[m->hash_key].name);
    put_str(b, md, "range_field", m->range_key >= 0 ? m->attrs[m->range_key].name : NULL);
    put(b, md, "version_field", tmpl_int(find_attr(m, DDB_FT_VERSION)));
    put(b, md, "ttl_field", tmpl_int(find_attr(m, DDB_FT_TTL)));
    put(b, md, "discriminator_field", tmpl_int(find_attr(m, DDB_FT_DISCRIMINATOR)));
    /* Only a subclass reads and scans just its kind; a base model reads every
     * kind of its hierarchy (as PynamoDB's base class does) and its own value,
     * if any, is the default its init writes. */
    if (m->discriminator_value != NULL && m->extends >= 0) {
        put_c_literal(&text, m->discriminator_value);
        put_buf(b, md, "discriminator_value", &text);
    } else {
        put_str(b, md, "discriminator_value", "NULL");
    }
    put(b, md, "keep_unknown", tmpl_bool(m->keep_unknown));
    put_str(b, md, "stream", stream_enum(m->stream));

    put(b, md, "fields", fields_value(b, m->attrs, m->n_attrs, m->hash_key, m->range_key));
    put(b, md, "defaults", default_lines(b, m->attrs, m->n_attrs, m->discriminator_value));
    ddb_buf_printf(&fields, "%s_fields", ddb_buf_cstr(&c));
    walk w = {b, builders, ddb_buf_cstr(&c), "", "", ddb_buf_cstr(&fields), false};
    walk_attrs(&w, m->attrs, m->n_attrs, m->hash_key, m->range_key);
    if (m->range_key >= 0)
        range_builders(&w, &m->attrs[m->range_key], m->range_key);
    put(b, md, "indexes", indexes_value(b, m, &w));
    put(b, md, "builders", builders);
    key_strings(b, md, m);
    ddb_buf_free(&text);
    ddb_buf_free(&c);
    ddb_buf_free(&fields);
    return md;
}

static tmpl_value *map_value(builder *b, int index)
{
    const ddbc_map *map = &b->s->maps[index];
    tmpl_value *md = tmpl_dict();
    if (md == NULL)
        return NULL;
    ddb_buf text = DDB_BUF_INIT;
    put_str(b, md, "name", map->name);
    map_c_name(&text, b->s, index);
    put_buf(b, md, "c", &text);
    put(b, md, "doc_lines", doc_lines(map->doc));
    put(b, md, "fields", fields_value(b, map->attrs, map->n_attrs, -1, -1));
    put(b, md, "defaults", default_lines(b, map->attrs, map->n_attrs, NULL));
    ddb_buf_free(&text);
    return md;
}

/* Scalar element types used by typed lists, each once: the list structs. */
static tmpl_value *list_types_value(builder *b)
{
    const ddbc_schema *s = b->s;
    bool used[DDB_FT_COUNT] = {false};
    for (size_t mi = 0; mi < s->n_models + s->n_maps; mi++) {
        const ddbc_attr *attrs = mi < s->n_models ? s->models[mi].attrs : s->maps[mi - s->n_models].attrs;
        size_t n = mi < s->n_models ? s->models[mi].n_attrs : s->maps[mi - s->n_models].n_attrs;
        for (size_t i = 0; i < n; i++) {
            if (attrs[i].type == DDB_FT_LIST && attrs[i].elem_map_index < 0 && !is_untyped_list(&attrs[i]))
                used[attrs[i].elem_type] = true;
        }
    }
    tmpl_value *list = tmpl_list();
    ddb_buf text = DDB_BUF_INIT;
    for (int t = 0; list != NULL && t < DDB_FT_COUNT; t++) {
        if (!used[t])
            continue;
        tmpl_value *d = tmpl_dict();
        if (d == NULL) {
            b->failed = true;
            break;
        }
        ddb_buf_printf(&text, "%s_list_%s", s->prefix, ddb_type((ddb_ftype)t)->name);
        put_buf(b, d, "c", &text);
        put_str(b, d, "elem", ddb_type((ddb_ftype)t)->c_type);
        push(b, list, d);
    }
    ddb_buf_free(&text);
    return list;
}

/* ------------------------------------------------------------ entry point */

/* The per-model words (names.h) of every model, for the clash check. */
static void model_word_symbols(builder *b)
{
    ddb_buf sym = DDB_BUF_INIT;
    for (size_t mi = 0; mi < b->s->n_models; mi++) {
        const ddbc_model *m = &b->s->models[mi];
        ddb_buf_printf(&sym, "%s_%s", b->s->prefix, m->name);
        add_symbol(&b->syms, m->pos, ddb_buf_cstr(&sym));
        size_t stem = sym.len;
        for (size_t k = 0; k < ddbc_n_model_words; k++) {
            if (strncmp(ddbc_model_words[k], "range_", 6) == 0)
                continue; /* key-range builders are recorded as they are emitted */
            ddb_buf_printf(&sym, "_%s", ddbc_model_words[k]);
            add_symbol(&b->syms, m->pos, ddb_buf_cstr(&sym));
            sym.len = stem;
            sym.data[stem] = '\0';
        }
        ddb_buf_reset(&sym);
    }
    ddb_buf_free(&sym);
}

tmpl_value *ddbc_context_build(const ddbc_schema *schema, const char *base, ddbc_diag *diag)
{
    builder b = {schema, diag, false, {NULL, 0, 0, false}, {schema->path, 0, 0}, DDB_BUF_INIT};
    model_word_symbols(&b);
    tmpl_value *vars = tmpl_dict();
    tmpl_value *models = tmpl_list();
    tmpl_value *maps = tmpl_list();
    if (vars == NULL || models == NULL || maps == NULL) {
        tmpl_value_free(vars);
        tmpl_value_free(models);
        tmpl_value_free(maps);
        report_clashes(&b.syms, diag);
        ddb_buf_free(&b.heading);
        ddbc_diag_error(diag, (ddbc_pos){schema->path, 0, 0}, "out of memory");
        return NULL;
    }
    ddb_buf text = DDB_BUF_INIT;
    const char *slash = strrchr(schema->path, '/');
    put_str(&b, vars, "schema_file", slash != NULL ? slash + 1 : schema->path);
    put_str(&b, vars, "ddbc_version", DDBC_VERSION);
    put(&b, vars, "version_major", tmpl_int(atoll(DDBC_VERSION)));
    put(&b, vars, "version_minor", tmpl_int(atoll(strchr(DDBC_VERSION, '.') + 1)));
    put_str(&b, vars, "prefix", schema->prefix);
    ddb_buf_printf(&text, "%s.h", base);
    put_buf(&b, vars, "header_name", &text);
    ddb_buf_puts(&text, "DDBC_");
    for (const char *p = base; *p != '\0'; p++)
        ddb_buf_putc(&text, isalnum((unsigned char)*p) ? (char)toupper((unsigned char)*p) : '_');
    ddb_buf_puts(&text, "_H");
    put_buf(&b, vars, "guard", &text);
    put(&b, vars, "list_types", list_types_value(&b));
    for (size_t i = 0; i < schema->n_maps; i++)
        push(&b, maps, map_value(&b, (int)schema->map_order[i]));
    put(&b, vars, "maps", maps);
    for (size_t i = 0; i < schema->n_models; i++)
        push(&b, models, model_value(&b, &schema->models[i]));
    put(&b, vars, "models", models);
    ddb_buf_free(&text);
    b.failed |= b.syms.failed;
    ddb_buf_free(&b.heading);
    size_t clashes = report_clashes(&b.syms, diag) + (ddbc_diag_count(diag) != 0);
    if (b.failed || clashes != 0) {
        tmpl_value_free(vars);
        if (b.failed)
            ddbc_diag_error(diag, (ddbc_pos){schema->path, 0, 0}, "out of memory building the template context");
        return NULL;
    }
    return vars;
}
