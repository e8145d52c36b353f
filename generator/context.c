/* context.c - IR -> template variables (see context.h, docs/templates.md). */
#include "context.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "ddb/buf.h"
#include "names.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

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

/* The doc text as lines (split at '\n'), raw: templates put them through
 * c_comment, as every schema string that lands in a comment. */
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
        char *s = ddb_buf_append(&line, p, len) == 0 ? ddb_buf_steal(NULL, &line) : NULL;
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

/* ------------------------------------------------------------ fields */

/* The default of `a` as data: {fn, text, members}; none without a default. */
static tmpl_value *default_value(builder *b, const ddbc_attr *a)
{
    if (!a->has_default)
        return tmpl_none();
    tmpl_value *d = tmpl_dict();
    if (d == NULL)
        return NULL;
    put_str(b, d, "fn", ddb_type(a->type)->default_fn);
    put_str(b, d, "text", a->default_text);
    if (a->default_items != NULL) {
        tmpl_value *items = tmpl_list();
        for (size_t i = 0; items != NULL && i < a->n_default_items; i++)
            push(b, items, tmpl_str(a->default_items[i]));
        put(b, d, "members", items);
    } else {
        put(b, d, "members", tmpl_none());
    }
    return d;
}

/* The field's codec as data: {compress, level, min_size, max_size} (0: the
 * runtime's default); none for a field stored as its type says. */
static tmpl_value *codec_value(builder *b, const ddbc_attr *a)
{
    if (!a->compress && a->encrypt == DDB_ENCRYPT_NONE && a->s3_bucket == NULL)
        return tmpl_none();
    tmpl_value *d = tmpl_dict();
    if (d != NULL) {
        put(b, d, "compress", tmpl_bool(a->compress));
        put(b, d, "level", tmpl_int(a->compress_level));
        put(b, d, "min_size", tmpl_int(a->compress_min));
        put(b, d, "max_size", tmpl_int(a->compress_max));
        put_str(b, d, "encrypt", a->encrypt == DDB_ENCRYPT_RANDOM          ? "random"
                                 : a->encrypt == DDB_ENCRYPT_DETERMINISTIC ? "deterministic"
                                                                           : NULL);
        put_str(b, d, "s3_bucket", a->s3_bucket);
        put_str(b, d, "s3_prefix", a->s3_prefix);
    }
    return d;
}

/* Whether the attribute is stored in another form than its type's: then
 * only presence can be tested, except deterministic encryption alone,
 * whose equal values are stored equally (equality too). */
static bool transformed(const ddbc_attr *a)
{
    return a->compress || a->encrypt != DDB_ENCRYPT_NONE || a->s3_bucket != NULL;
}

static bool equality_only(const ddbc_attr *a)
{
    return a->encrypt == DDB_ENCRYPT_DETERMINISTIC && !a->compress;
}

/* "hash key; <first doc line>" etc.: the comment after a struct field, raw
 * (the S3 bucket and the doc come from the schema). */
static void field_comment(ddb_buf *out, const ddbc_attr *a, bool hash, bool range)
{
    const char *sep = "";
    if (hash || range) {
        ddb_buf_puts(out, hash ? "hash key" : "range key");
        sep = "; ";
    }
    const ddb_type_info *ti = ddb_type(a->type);
    if (a->nullable && !has_flag(a) && (ti->absent != NULL || is_untyped_list(a))) {
        ddb_buf_printf(out, "%sabsent when %s", sep, ti->absent != NULL ? ti->absent : "NULL");
        sep = "; ";
    }
    if (ti->note != NULL) {
        ddb_buf_printf(out, "%s%s", sep, ti->note);
        sep = "; ";
    }
    if (a->default_for_new) {
        ddb_buf_printf(out, "%sdefault for new items only", sep);
        sep = "; ";
    }
    if (a->s3_bucket != NULL) {
        ddb_buf_printf(out, "%sstored in S3 (bucket %s)", sep, a->s3_bucket);
        sep = "; ";
    }
    if (a->compress || a->encrypt != DDB_ENCRYPT_NONE) {
        ddb_buf_printf(out, "%sstored %s%s%s", sep, a->compress ? "compressed" : "",
                       a->compress && a->encrypt != DDB_ENCRYPT_NONE ? " and " : "",
                       a->encrypt == DDB_ENCRYPT_RANDOM          ? "encrypted"
                       : a->encrypt == DDB_ENCRYPT_DETERMINISTIC ? "encrypted (deterministic)"
                                                                 : "");
        sep = "; ";
    }
    if (a->doc != NULL) {
        ddb_buf_puts(out, sep);
        ddb_buf_append(out, a->doc, strcspn(a->doc, "\n"));
    }
}

/* One attribute: what its struct member, its ddb_field entry and its
 * default are made of (docs/templates.md, "fields"). */
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
    put_str(b, f, "type", ti->name);
    put_str(b, f, "ftype", ti->c_enum);
    field_c_type(&text, b->s, a);
    put_buf(b, f, "c_type", &text);
    put(b, f, "hash", tmpl_bool(hash));
    put(b, f, "range", tmpl_bool(range));
    put(b, f, "nullable", tmpl_bool(a->nullable));
    put(b, f, "default_for_new", tmpl_bool(a->default_for_new));
    put(b, f, "presence", tmpl_bool(has_flag(a)));
    field_comment(&text, a, hash, range);
    put_buf(b, f, "comment", &text);
    int sub = a->type == DDB_FT_MAP ? a->map_index : a->type == DDB_FT_LIST ? a->elem_map_index : -1;
    if (sub >= 0) {
        map_c_name(&text, b->s, sub);
        put_buf(b, f, "sub", &text);
    } else {
        put_str(b, f, "sub", NULL);
    }
    if (a->type == DDB_FT_LIST && !is_untyped_list(a)) {
        put_str(b, f, "elem_ftype", a->elem_map_index >= 0 ? ddb_type(DDB_FT_MAP)->c_enum
                                                            : ddb_type(a->elem_type)->c_enum);
        elem_c_type(&text, b->s, a);
        put_buf(b, f, "elem_c_type", &text);
    } else {
        put_str(b, f, "elem_ftype", NULL);
        put_str(b, f, "elem_c_type", NULL);
    }
    put(b, f, "default", default_value(b, a));
    put(b, f, "codec", codec_value(b, a));
    ddb_buf_free(&text);
    return f;
}

/* Whether init has anything to do beyond zeroing: a default, a map member
 * to initialise, or a subclass's discriminator value to write. */
static bool has_defaults(const ddbc_attr *attrs, size_t n, const char *discriminator)
{
    for (size_t i = 0; i < n; i++) {
        if (attrs[i].has_default || attrs[i].type == DDB_FT_MAP ||
            (attrs[i].type == DDB_FT_DISCRIMINATOR && discriminator != NULL))
            return true;
    }
    return false;
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
 * A typed builder as data (docs/templates.md, "builders"): its symbol, what
 * it returns (`kind`), the runtime entry point it calls (`call`: cond,
 * between, in or update, with `op`), the attribute's path and field, and
 * its parameters. The templates write the C.
 */
typedef struct walk {
    builder *b;
    tmpl_value *out;        /* list of builder dicts */
    const char *owner;      /* "<prefix>_<model>" (or the index's C name for key ranges) */
    const char *sym_prefix; /* names between owner and op: "author_" */
    const char *path;       /* escaped path prefix: "author." or "replies[]." */
    const char *desc;       /* the descriptor holding the fields: "forum_thread_model" */
    bool indexed;           /* the path holds "[]": builders take an index first */
} walk;

/* One parameter: its C type (with trailing ' ' or '*'), name, and the
 * DDB_ARG_* gate its macro passes it through (NULL: none needed), with the
 * gate's type argument (DDB_ARG_ARRAY's element type). */
typedef struct param {
    const char *type;
    const char *name;
    const char *gate;
    const char *gate_type;
} param;

static tmpl_value *param_value(builder *b, const param *p)
{
    tmpl_value *d = tmpl_dict();
    if (d != NULL) {
        put_str(b, d, "type", p->type);
        put_str(b, d, "name", p->name);
        put_str(b, d, "gate", p->gate);
        put_str(b, d, "gate_type", p->gate_type);
    }
    return d;
}

static const param index_param = {"size_t ", "i", "DDB_ARG_SIZE", NULL};
static const param size_param = {"size_t ", "n", "DDB_ARG_SIZE", NULL};

/* What a builder is: kind (cond, action, range), runtime call and op. */
typedef struct builder_op {
    const char *kind;
    const char *call;
    const char *op;
} builder_op;

/* Emits builder `sym` on attribute `a` (field `k` of w->desc) with path
 * suffix `suffix` ("" or "[]"), parameters ps[0..n) and the parameter whose
 * address is the operand (`value`; NULL: none; between and in use both of
 * their parameters). */
static void emit_builder(const walk *w, const ddbc_attr *a, int k, builder_op op, const char *sym,
                         const char *suffix, const param *ps, size_t n, const char *value)
{
    /* between and in take their two operands from the two parameters */
    bool two = strcmp(op.call, "between") == 0 || strcmp(op.call, "in") == 0;
    bool gated = w->indexed || strstr(suffix, "[]") != NULL;
    for (size_t i = 0; i < n; i++)
        gated |= ps[i].gate != NULL;
    builder *b = w->b;
    tmpl_value *d = tmpl_dict();
    tmpl_value *params = tmpl_list();
    bool indexed = w->indexed || strstr(suffix, "[]") != NULL;
    ddb_buf path = DDB_BUF_INIT;
    ddb_buf_puts(&path, w->path);
    escape_path(&path, a->attr_name);
    ddb_buf_puts(&path, suffix);
    if (indexed)
        push(b, params, param_value(b, &index_param));
    for (size_t i = 0; params != NULL && i < n; i++)
        push(b, params, param_value(b, &ps[i]));
    add_symbol(&b->syms, b->pos, sym);
    if (d != NULL) {
        if (b->heading.len != 0)
            put_buf(b, d, "heading", &b->heading);
        else
            put_str(b, d, "heading", NULL);
        put_str(b, d, "sym", sym);
        put_str(b, d, "owner", w->owner);
        put_str(b, d, "kind", op.kind);
        put_str(b, d, "call", op.call);
        put_str(b, d, "op", op.op);
        put_buf(b, d, "path", &path);
        put(b, d, "indexed", tmpl_bool(indexed));
        put_str(b, d, "desc", w->desc);
        put(b, d, "field", tmpl_int(k));
        put_str(b, d, "value", two ? ps[0].name : value);
        put_str(b, d, "value2", two ? ps[1].name : NULL);
        put(b, d, "gated", tmpl_bool(gated));
    }
    put(b, d, "params", params);
    push(b, w->out, d);
    ddb_buf_free(&path);
}

/* Comparison ops: builder suffix and runtime op. Key ranges have no <>. */
static const struct {
    const char *suffix, *op;
    bool in_key_range;
} cmp_ops[] = {{"eq", "EQ", true}, {"ne", "NE", false}, {"lt", "LT", true},
               {"le", "LE", true}, {"gt", "GT", true},  {"ge", "GE", true}};

static int n_cmp_ops(ddb_type_cmp cmp)
{
    return cmp == DDB_TYPE_CMP_ORDER ? 6 : cmp == DDB_TYPE_CMP_EQUALITY ? 2 : 0;
}

/* `<base>_<suffix>` into sym (reset first). */
static const char *sym_of(ddb_buf *sym, const char *base, const char *suffix)
{
    ddb_buf_reset(sym);
    ddb_buf_printf(sym, "%s_%s", base, suffix);
    return ddb_buf_cstr(sym);
}

/* Conditions `<owner>_<prefix><name>_<op>`. */
static void cond_builders(const walk *w, const ddbc_attr *a, int k, const char *base)
{
    const ddb_type_info *ti = ddb_type(a->type);
    ddb_buf sym = DDB_BUF_INIT;
    param v = {ti->param, "v", ti->gate, NULL};
    if (equality_only(a)) {
        for (int op = 0; op < 2; op++) /* eq, ne */
            emit_builder(w, a, k, (builder_op){"cond", "cond", cmp_ops[op].op},
                         sym_of(&sym, base, cmp_ops[op].suffix), "", &v, 1, "v");
        goto presence;
    }
    if (transformed(a)) /* stored bytes cannot be compared with a value: presence only */
        goto presence;
    for (int op = 0; op < n_cmp_ops(ti->cmp); op++)
        emit_builder(w, a, k, (builder_op){"cond", "cond", cmp_ops[op].op}, sym_of(&sym, base, cmp_ops[op].suffix),
                     "", &v, 1, "v");
    if (ti->cmp == DDB_TYPE_CMP_ORDER) {
        param lh[2] = {{ti->param, "low", ti->gate, NULL}, {ti->param, "high", ti->gate, NULL}};
        emit_builder(w, a, k, (builder_op){"cond", "between", NULL}, sym_of(&sym, base, "between"), "", lh, 2,
                     NULL);
    }
    if (ti->begins_with) {
        param p = {ti->param, "prefix", ti->gate, NULL};
        emit_builder(w, a, k, (builder_op){"cond", "cond", "BEGINS_WITH"}, sym_of(&sym, base, "begins_with"), "",
                     &p, 1, "prefix");
    }
    if (ti->in) {
        param p[2] = {{ti->array_param, "values", "DDB_ARG_ARRAY", ti->param}, size_param};
        emit_builder(w, a, k, (builder_op){"cond", "in", NULL}, sym_of(&sym, base, "in"), "", p, 2, NULL);
    }
    bool scalar_list = a->type == DDB_FT_LIST && a->elem_map_index < 0 && !is_untyped_list(a);
    bool element_contains = ti->contains != DDB_FT_NONE && ti->contains != DDB_FT_LIST;
    if (element_contains || scalar_list) {
        const ddb_type_info *et = ddb_type(scalar_list ? a->elem_type : ti->contains);
        param p = {et->param, "v", et->gate, NULL};
        emit_builder(w, a, k, (builder_op){"cond", "cond", "CONTAINS"}, sym_of(&sym, base, "contains"), "", &p, 1,
                     "v");
    }
    if (ti->size) {
        static const char *const size_ops[][2] = {{"size_eq", "SIZE_EQ"}, {"size_ne", "SIZE_NE"},
                                                  {"size_lt", "SIZE_LT"}, {"size_le", "SIZE_LE"},
                                                  {"size_gt", "SIZE_GT"}, {"size_ge", "SIZE_GE"}};
        for (size_t op = 0; op < COUNT(size_ops); op++)
            emit_builder(w, a, k, (builder_op){"cond", "cond", size_ops[op][1]}, sym_of(&sym, base, size_ops[op][0]),
                         "", &size_param, 1, "n");
    }
    if (ti->is_type || is_untyped_list(a)) {
        param t = {"ddb_av_type ", "type", NULL, NULL};
        emit_builder(w, a, k, (builder_op){"cond", "cond", "IS_TYPE"}, sym_of(&sym, base, "is_type"), "", &t, 1,
                     "type");
    }
presence:
    emit_builder(w, a, k, (builder_op){"cond", "cond", "EXISTS"}, sym_of(&sym, base, "exists"), "", NULL, 0, NULL);
    emit_builder(w, a, k, (builder_op){"cond", "cond", "NOT_EXISTS"}, sym_of(&sym, base, "not_exists"), "", NULL, 0,
                 NULL);
    ddb_buf_free(&sym);
}

/* Update actions `<owner>_<verb>_<prefix><name>`. */
static void action_builders(const walk *w, const ddbc_attr *a, int k, bool is_key)
{
    const ddb_type_info *ti = ddb_type(a->type);
    if (is_key)
        return;
    ddb_buf sym = DDB_BUF_INIT, ptype = DDB_BUF_INIT;
    if (ti->param != NULL)
        ddb_buf_puts(&ptype, ti->param);
    else if (is_untyped_list(a))
        ddb_buf_puts(&ptype, ddb_type(DDB_FT_DOCUMENT)->param);
    else if (a->type != DDB_FT_NULL) /* typed list, map: the struct by value */
        field_c_type(&ptype, w->b->s, a);
    const char *gate = is_untyped_list(a) ? ddb_type(DDB_FT_DOCUMENT)->gate : ti->gate;
    param v = {ddb_buf_cstr(&ptype), "v", gate, NULL};
    bool takes_value = a->type != DDB_FT_NULL;
    static const struct {
        const char *verb, *op;
        int when; /* 0 settable, 1 arith, 2 set_ops, 3 typed list */
    } verbs[] = {{"set", "SET", 0},  {"set_if_absent", "SET_IF_ABSENT", 0}, {"add", "ADD", 1},
                 {"incr", "INCR", 1}, {"decr", "DECR", 1},                   {"add", "ADD", 2},
                 {"delete", "DELETE", 2}, {"append", "APPEND", 3},          {"prepend", "PREPEND", 3}};
    bool typed_list = a->type == DDB_FT_LIST && !is_untyped_list(a);
    for (size_t i = 0; i < COUNT(verbs); i++) {
        bool offered = verbs[i].when == 0   ? ti->settable && a->s3_bucket == NULL /* put uploads */
                       : transformed(a)     ? false /* no arithmetic on stored bytes */
                       : verbs[i].when == 1 ? ti->arith
                       : verbs[i].when == 2 ? ti->set_ops
                                            : typed_list;
        if (!offered)
            continue;
        ddb_buf_reset(&sym);
        ddb_buf_printf(&sym, "%s_%s_%s%s", w->owner, verbs[i].verb, w->sym_prefix, a->name);
        emit_builder(w, a, k, (builder_op){"action", "update", verbs[i].op}, ddb_buf_cstr(&sym), "", &v,
                     takes_value ? 1 : 0, takes_value ? "v" : NULL);
    }
    bool removable = a->nullable || ti->removable;
    if (removable && ti->settable) {
        ddb_buf_reset(&sym);
        ddb_buf_printf(&sym, "%s_remove_%s%s", w->owner, w->sym_prefix, a->name);
        emit_builder(w, a, k, (builder_op){"action", "update", "REMOVE"}, ddb_buf_cstr(&sym), "", NULL, 0, NULL);
    }
    ddb_buf_free(&sym);
    ddb_buf_free(&ptype);
}

static void walk_attrs(const walk *w, const ddbc_attr *attrs, size_t n, int hash, int range);

/* A walk into the fields of map `map_index`, under `a` (suffix "." for a
 * map, "[]." for a list of maps). */
static void walk_map(const walk *w, const ddbc_attr *a, int map_index, const char *suffix)
{
    const ddbc_map *map = &w->b->s->maps[map_index];
    ddb_buf path = DDB_BUF_INIT, prefix = DDB_BUF_INIT, desc = DDB_BUF_INIT;
    ddb_buf_puts(&path, w->path);
    escape_path(&path, a->attr_name);
    ddb_buf_puts(&path, suffix);
    ddb_buf_printf(&prefix, "%s%s_", w->sym_prefix, a->name);
    map_c_name(&desc, w->b->s, map_index);
    ddb_buf_puts(&desc, "_map");
    walk sub = {w->b, w->out, w->owner, ddb_buf_cstr(&prefix), ddb_buf_cstr(&path), ddb_buf_cstr(&desc),
                w->indexed || strstr(suffix, "[]") != NULL};
    walk_attrs(&sub, map->attrs, map->n_attrs, -1, -1);
    ddb_buf_free(&path);
    ddb_buf_free(&prefix);
    ddb_buf_free(&desc);
}

/* Builders on the elements of a typed list: `<base>_at_<op>(i, v)` for
 * scalar elements, the element map's fields for lists of maps. */
static void list_element_builders(const walk *w, const ddbc_attr *a, int k)
{
    if (w->indexed || is_untyped_list(a))
        return; /* one index level; deeper elements through the untyped API */
    if (a->elem_map_index >= 0) {
        walk_map(w, a, a->elem_map_index, "[].");
        return;
    }
    const ddb_type_info *ti = ddb_type(a->elem_type);
    param v = {ti->param, "v", ti->gate, NULL};
    ddb_buf sym = DDB_BUF_INIT;
    for (int op = 0; op < n_cmp_ops(ti->cmp); op++) {
        ddb_buf_reset(&sym);
        ddb_buf_printf(&sym, "%s_%s%s_at_%s", w->owner, w->sym_prefix, a->name, cmp_ops[op].suffix);
        emit_builder(w, a, k, (builder_op){"cond", "cond", cmp_ops[op].op}, ddb_buf_cstr(&sym), "[]", &v, 1, "v");
    }
    ddb_buf_free(&sym);
}

/* Builders for every attribute of a model or map (recursing into maps). */
static void walk_attrs(const walk *w, const ddbc_attr *attrs, size_t n, int hash, int range)
{
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
        cond_builders(w, a, (int)i, ddb_buf_cstr(&base));
        bool is_key = (int)i == hash || (int)i == range;
        action_builders(w, a, (int)i, is_key || a->type == DDB_FT_VERSION);
        if (a->type == DDB_FT_LIST)
            list_element_builders(w, a, (int)i);
        if (a->type == DDB_FT_MAP)
            walk_map(w, a, a->map_index, ".");
        ddb_buf_free(&base);
        w->b->pos = saved;
    }
}

/* Key-range builders `<owner>_range_<op>` on the range key, for query. */
static void range_builders(const walk *w, const ddbc_attr *a, int k)
{
    const ddb_type_info *ti = ddb_type(a->type);
    ddb_buf sym = DDB_BUF_INIT;
    param v = {ti->param, "v", ti->gate, NULL};
    bool eq_only = equality_only(a); /* encrypted: only equal values are stored equally */
    for (size_t op = 0; op < COUNT(cmp_ops); op++) {
        if (!cmp_ops[op].in_key_range || (eq_only && op != 0))
            continue;
        ddb_buf_reset(&sym);
        ddb_buf_printf(&sym, "%s_range_%s", w->owner, cmp_ops[op].suffix);
        emit_builder(w, a, k, (builder_op){"range", "cond", cmp_ops[op].op}, ddb_buf_cstr(&sym), "", &v, 1, "v");
    }
    if (eq_only) {
        ddb_buf_free(&sym);
        return;
    }
    param lh[2] = {{ti->param, "low", ti->gate, NULL}, {ti->param, "high", ti->gate, NULL}};
    ddb_buf_reset(&sym);
    ddb_buf_printf(&sym, "%s_range_between", w->owner);
    emit_builder(w, a, k, (builder_op){"range", "between", NULL}, ddb_buf_cstr(&sym), "", lh, 2, NULL);
    if (ti->begins_with) {
        param p = {ti->param, "prefix", ti->gate, NULL};
        ddb_buf_reset(&sym);
        ddb_buf_printf(&sym, "%s_range_begins_with", w->owner);
        emit_builder(w, a, k, (builder_op){"range", "cond", "BEGINS_WITH"}, ddb_buf_cstr(&sym), "", &p, 1,
                     "prefix");
    }
    ddb_buf_free(&sym);
}

/* ------------------------------------------------------------ models and maps */

/* Parameter names of generated functions besides key attributes. */
static const char *const fixed_params[] = {"out", "obj", "opts", "it", "range", "filter", "items", "max",
                                           "page", "found", "g", "t", "w", "cond", "actions",
                                           "returned", "has_returned"};

/* The parameter name of key attribute `a` in generated functions: its own
 * name, else "<name>_key", else "key1", "key2", ... — the first that no
 * other parameter of the same function takes (a fixed one, or `other`:
 * the other key's parameter) and that cannot shadow a generated global
 * ("<prefix>_..."). */
static void key_param_name(ddb_buf *out, const builder *b, const ddbc_attr *a, const char *other)
{
    size_t plen = strlen(b->s->prefix);
    for (int attempt = 0;; attempt++) {
        ddb_buf_reset(out);
        if (attempt == 0)
            ddb_buf_puts(out, a->name);
        else if (attempt == 1)
            ddb_buf_printf(out, "%s_key", a->name);
        else
            ddb_buf_printf(out, "key%d", attempt - 1);
        const char *n = ddb_buf_cstr(out);
        bool taken = (other != NULL && strcmp(n, other) == 0) ||
                     (strncmp(n, b->s->prefix, plen) == 0 && n[plen] == '_');
        for (size_t i = 0; !taken && i < COUNT(fixed_params); i++)
            taken = strcmp(n, fixed_params[i]) == 0;
        if (!taken)
            return;
    }
}

/* A key attribute as a parameter {name, type, gate}; none for no key. */
static tmpl_value *key_value(builder *b, const ddbc_attr *a, const char *name)
{
    if (a == NULL)
        return tmpl_none();
    const ddb_type_info *ti = ddb_type(a->type);
    param p = {ti->param, name, ti->gate, NULL};
    return param_value(b, &p);
}

static int find_attr(const ddbc_model *m, ddb_ftype t)
{
    for (size_t i = 0; i < m->n_attrs; i++) {
        if (m->attrs[i].type == t)
            return (int)i;
    }
    return -1;
}

/* The words of an index's C names, checked for clashes. */
static const char *const index_words[] = {"range", "query", "scan", "query_page", "scan_page", "count"};

static tmpl_value *indexes_value(builder *b, const ddbc_model *m, const walk *model_walk)
{
    tmpl_value *list = tmpl_list();
    ddb_buf c = DDB_BUF_INIT, text = DDB_BUF_INIT;
    for (size_t i = 0; list != NULL && i < m->n_indexes; i++) {
        const ddbc_index *ix = &m->indexes[i];
        tmpl_value *d = tmpl_dict();
        if (d == NULL) {
            b->failed = true;
            break;
        }
        ddb_buf_reset(&c);
        ddb_buf_printf(&c, "%s_%s", model_walk->owner, ix->name);
        put_str(b, d, "name", ix->name);
        put_str(b, d, "c", ddb_buf_cstr(&c));
        put(b, d, "global", tmpl_bool(ix->global));
        put(b, d, "hash", tmpl_int(ix->hash_key));
        put(b, d, "range", tmpl_int(ix->range_key));
        put_str(b, d, "projection", ddbc_projection_name(ix->projection));
        tmpl_value *include = tmpl_list();
        for (size_t k = 0; include != NULL && k < ix->n_include; k++)
            push(b, include, tmpl_str(m->attrs[ix->include[k]].attr_name));
        put(b, d, "include", include);
        put(b, d, "position", tmpl_int((long long)i));
        ddb_buf_reset(&text);
        key_param_name(&text, b, &m->attrs[ix->hash_key], NULL);
        put(b, d, "hash_key", key_value(b, &m->attrs[ix->hash_key], ddb_buf_cstr(&text)));
        for (size_t k = 0; k < COUNT(index_words); k++) {
            ddb_buf_reset(&text);
            ddb_buf_printf(&text, "%s_%s", ddb_buf_cstr(&c), index_words[k]);
            add_symbol(&b->syms, ix->pos, ddb_buf_cstr(&text));
        }
        if (ix->range_key >= 0) {
            walk w = *model_walk;
            w.owner = ddb_buf_cstr(&c);
            ddbc_pos saved = b->pos;
            b->pos = ix->pos;
            range_builders(&w, &m->attrs[ix->range_key], ix->range_key);
            b->pos = saved;
        }
        push(b, list, d);
    }
    ddb_buf_free(&c);
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
    ddb_buf c = DDB_BUF_INIT, desc = DDB_BUF_INIT;
    ddb_buf_printf(&c, "%s_%s", s->prefix, m->name);
    put_str(b, md, "name", m->name);
    put_str(b, md, "c", ddb_buf_cstr(&c));
    put_str(b, md, "table", m->table);
    put(b, md, "doc_lines", doc_lines(m->doc));
    put_str(b, md, "billing", m->billing == DDBC_BILLING_PROVISIONED ? "provisioned" : "pay_per_request");
    put(b, md, "read_capacity", tmpl_int(m->read_capacity));
    put(b, md, "write_capacity", tmpl_int(m->write_capacity));
    put(b, md, "hash_index", tmpl_int(m->hash_key));
    put(b, md, "range_index", tmpl_int(m->range_key));
    const ddbc_attr *hash = &m->attrs[m->hash_key];
    const ddbc_attr *range = m->range_key >= 0 ? &m->attrs[m->range_key] : NULL;
    ddb_buf hash_name = DDB_BUF_INIT, range_name = DDB_BUF_INIT;
    key_param_name(&hash_name, b, hash, NULL);
    if (range != NULL)
        key_param_name(&range_name, b, range, ddb_buf_cstr(&hash_name));
    put(b, md, "hash_key", key_value(b, hash, ddb_buf_cstr(&hash_name)));
    put(b, md, "range_key", key_value(b, range, ddb_buf_cstr(&range_name)));
    ddb_buf_free(&hash_name);
    ddb_buf_free(&range_name);
    put(b, md, "version_field", tmpl_int(find_attr(m, DDB_FT_VERSION)));
    put(b, md, "ttl_field", tmpl_int(find_attr(m, DDB_FT_TTL)));
    put(b, md, "discriminator_field", tmpl_int(find_attr(m, DDB_FT_DISCRIMINATOR)));
    /* Its value is the default init writes; only a subclass reads and scans
     * just its kind (a base model reads every kind of its hierarchy, as
     * PynamoDB's base class does). */
    put_str(b, md, "discriminator", m->discriminator_value);
    put(b, md, "subclass", tmpl_bool(m->discriminator_value != NULL && m->extends >= 0));
    put(b, md, "keep_unknown", tmpl_bool(m->keep_unknown));
    /* DDB_STREAM_<stream>: none is DDB_STREAM_UNSET (no stream) */
    put_str(b, md, "stream", m->stream == DDBC_STREAM_NONE ? "unset" : ddbc_stream_name(m->stream));
    put(b, md, "fields", fields_value(b, m->attrs, m->n_attrs, m->hash_key, m->range_key));
    put(b, md, "has_defaults", tmpl_bool(has_defaults(m->attrs, m->n_attrs, m->discriminator_value)));
    ddb_buf_printf(&desc, "%s_model", ddb_buf_cstr(&c));
    walk w = {b, builders, ddb_buf_cstr(&c), "", "", ddb_buf_cstr(&desc), false};
    walk_attrs(&w, m->attrs, m->n_attrs, m->hash_key, m->range_key);
    if (m->range_key >= 0)
        range_builders(&w, &m->attrs[m->range_key], m->range_key);
    put(b, md, "indexes", indexes_value(b, m, &w));
    put(b, md, "builders", builders);
    ddb_buf_free(&c);
    ddb_buf_free(&desc);
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
    put(b, md, "has_defaults", tmpl_bool(has_defaults(map->attrs, map->n_attrs, NULL)));
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
        put_str(b, d, "elem_ftype", ddb_type((ddb_ftype)t)->c_enum);
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
