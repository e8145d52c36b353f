/* context.c - IR -> template variables (see context.h, docs/templates.md). */
#include "context.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "ddb/buf.h"
#include "names.h"

/* ------------------------------------------------------------ type table */

/* How one schema type looks in generated C. */
typedef struct type_info {
    const char *c_type;     /* field type, with a trailing space or '*': "char *" */
    const char *param_type; /* by-value parameter type: "const char *" */
    const char *ftype;      /* ddb_ftype enumerator */
    const char *val;        /* runtime constructor of a ddb_av from a value */
    const char *gate;       /* DDB_ARG_* compile-time argument check */
    const char *default_fn; /* runtime function turning the default text into a value, or NULL */
    bool ordered;           /* supports < <= > >= BETWEEN */
    bool prefixable;        /* supports begins_with */
    bool pointer;           /* absence is a NULL pointer, not a has_ flag */
} type_info;

static type_info type_info_of(ddbc_type t)
{
    switch (t) {
    case DDBC_T_STRING:
        return (type_info){"char *", "const char *", "DDB_FT_STRING", "ddb_val_string",
                           "DDB_ARG_STRING", "ddb_strdup", true, true, true};
    case DDBC_T_INT64:
        return (type_info){"int64_t ", "int64_t ", "DDB_FT_INT64", "ddb_val_int64", "DDB_ARG_INT64",
                           NULL, true, false, false};
    case DDBC_T_DOUBLE:
        return (type_info){"double ", "double ", "DDB_FT_DOUBLE", "ddb_val_double",
                           "DDB_ARG_DOUBLE", NULL, true, false, false};
    case DDBC_T_BOOL:
        return (type_info){"bool ", "bool ", "DDB_FT_BOOL", "ddb_val_bool", "DDB_ARG_BOOL", NULL,
                           false, false, false};
    case DDBC_T_BINARY:
        return (type_info){"ddb_bytes ", "ddb_bytes ", "DDB_FT_BINARY", "ddb_val_bytes",
                           "DDB_ARG_BYTES", "ddb_bytes_from_base64", true, true, true};
    }
    return (type_info){"", "", "", "", "", NULL, false, false, false};
}

static const char *const cmp_ops_ordered[] = {"eq", "ne", "lt", "le", "gt", "ge"};
static const char *const cmp_enums[] = {"DDB_CMP_EQ", "DDB_CMP_NE", "DDB_CMP_LT",
                                        "DDB_CMP_LE", "DDB_CMP_GT", "DDB_CMP_GE"};
static const char *const key_ops[] = {"eq", "lt", "le", "gt", "ge"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------ building */

/* Builder state: the first allocation failure makes the whole build fail. */
typedef struct builder {
    ddbc_diag *diag;
    bool failed;
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

/* Takes a ddb_buf's text as a string value. */
static void put_buf(builder *b, tmpl_value *dict, const char *key, ddb_buf *text)
{
    char *s = ddb_buf_steal(text, NULL);
    put(b, dict, key, s != NULL ? tmpl_str_own(s) : NULL);
}

static tmpl_value *str_list(const char *const *items, size_t n)
{
    tmpl_value *list = tmpl_list();
    for (size_t i = 0; list != NULL && i < n; i++) {
        if (tmpl_list_push(list, tmpl_str(items[i])) != 0) {
            tmpl_value_free(list);
            return NULL;
        }
    }
    return list;
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

/* The doc text as comment-safe lines (trailing blank lines dropped). */
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
        char *s = ddb_buf_steal(&line, NULL);
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

/* The C expression for a numeric or boolean default. */
static void default_literal(ddb_buf *out, const ddbc_attr *a)
{
    if (a->type == DDBC_T_INT64) {
        if (strcmp(a->default_text, "-9223372036854775808") == 0)
            ddb_buf_puts(out, "(-INT64_C(9223372036854775807) - 1)");
        else
            ddb_buf_printf(out, "INT64_C(%s)", a->default_text);
        return;
    }
    ddb_buf_puts(out, a->default_text);
}

/* "hash key; <first doc line>" etc.: the comment after a struct field. */
static void field_comment(ddb_buf *out, const ddbc_model *m, size_t i)
{
    const ddbc_attr *a = &m->attrs[i];
    const char *sep = "";
    if ((int)i == m->hash_key) {
        ddb_buf_puts(out, "hash key");
        sep = "; ";
    } else if ((int)i == m->range_key) {
        ddb_buf_puts(out, "range key");
        sep = "; ";
    }
    if (a->nullable && type_info_of(a->type).pointer) {
        ddb_buf_printf(out, "%s%s", sep, a->type == DDBC_T_STRING ? "NULL: absent" : "data NULL: absent");
        sep = "; ";
    }
    if (a->doc != NULL) {
        size_t len = strcspn(a->doc, "\n");
        ddb_buf_puts(out, sep);
        append_comment_text(out, a->doc, len);
    }
}

static tmpl_value *field_value(builder *b, const ddbc_model *m, size_t i)
{
    const ddbc_attr *a = &m->attrs[i];
    type_info ti = type_info_of(a->type);
    bool is_hash = (int)i == m->hash_key, is_range = (int)i == m->range_key;
    tmpl_value *f = tmpl_dict();
    if (f == NULL)
        return NULL;
    ddb_buf text = DDB_BUF_INIT;

    put_str(b, f, "name", a->name);
    put_str(b, f, "attr", a->attr_name);
    put_str(b, f, "type", ddbc_type_name(a->type));
    put(b, f, "index", tmpl_int((long long)i));
    ddb_buf_printf(&text, "%s%s", ti.c_type, a->name);
    put_buf(b, f, "decl", &text);
    put_str(b, f, "param_type", ti.param_type);
    ddb_buf_printf(&text, "%s%s", ti.param_type, a->name);
    put_buf(b, f, "param_decl", &text);
    put_str(b, f, "ftype", ti.ftype);
    put_str(b, f, "val", ti.val);
    put_str(b, f, "gate", ti.gate);
    put(b, f, "ordered", tmpl_bool(ti.ordered));
    put(b, f, "prefixable", tmpl_bool(ti.prefixable));
    put(b, f, "nullable", tmpl_bool(a->nullable));
    put(b, f, "presence", tmpl_bool(a->nullable && !ti.pointer));
    put(b, f, "is_key", tmpl_bool(is_hash || is_range));
    put(b, f, "cmp_ops", str_list(cmp_ops_ordered, ti.ordered ? COUNT(cmp_ops_ordered) : 2));
    put(b, f, "key_ops", str_list(key_ops, COUNT(key_ops)));
    escape_path(&text, a->attr_name);
    put_buf(b, f, "path", &text);
    const char *flags = is_hash ? "DDB_FIELD_HASH_KEY"
                        : is_range ? "DDB_FIELD_RANGE_KEY"
                        : a->nullable ? "DDB_FIELD_NULLABLE"
                                      : "0";
    put_str(b, f, "flags", flags);
    field_comment(&text, m, i);
    put_buf(b, f, "comment", &text);
    if (a->has_default) {
        put_str(b, f, "default_fn", ti.default_fn);
        put_str(b, f, "default_text", a->default_text);
        if (ti.default_fn == NULL) {
            default_literal(&text, a);
            put_buf(b, f, "default_c", &text);
        }
    }
    ddb_buf_free(&text);
    return f;
}

/* Key parameters of get: "const char *forum, const char *subject" and friends. */
static void key_strings(builder *b, tmpl_value *md, const ddbc_model *m)
{
    const ddbc_attr *h = &m->attrs[m->hash_key];
    const ddbc_attr *r = m->range_key >= 0 ? &m->attrs[m->range_key] : NULL;
    const char *hg = type_info_of(h->type).gate;
    ddb_buf text = DDB_BUF_INIT;
    ddb_buf_printf(&text, "%s%s", type_info_of(h->type).param_type, h->name);
    if (r != NULL)
        ddb_buf_printf(&text, ", %s%s", type_info_of(r->type).param_type, r->name);
    put_buf(b, md, "key_params", &text);
    ddb_buf_printf(&text, "&%s, %s%s", h->name, r != NULL ? "&" : "NULL", r != NULL ? r->name : "");
    put_buf(b, md, "key_refs", &text);
    put_str(b, md, "key_macro_params", r != NULL ? "hash_, range_" : "hash_");
    ddb_buf_printf(&text, "%s(hash_)", hg);
    if (r != NULL)
        ddb_buf_printf(&text, ", %s(range_)", type_info_of(r->type).gate);
    put_buf(b, md, "key_macro_args", &text);
    ddb_buf_free(&text);
}

static void upper_into(ddb_buf *out, const char *a, const char *b)
{
    for (const char *p = a; *p != '\0'; p++)
        ddb_buf_putc(out, (char)toupper((unsigned char)*p));
    ddb_buf_putc(out, '_');
    for (const char *p = b; *p != '\0'; p++)
        ddb_buf_putc(out, (char)toupper((unsigned char)*p));
}

static tmpl_value *model_value(builder *b, const ddbc_schema *s, const ddbc_model *m)
{
    tmpl_value *md = tmpl_dict();
    tmpl_value *fields = tmpl_list();
    tmpl_value *defaults = tmpl_list();
    if (md == NULL || fields == NULL || defaults == NULL) {
        tmpl_value_free(md);
        tmpl_value_free(fields);
        tmpl_value_free(defaults);
        return NULL;
    }
    ddb_buf text = DDB_BUF_INIT;
    put_str(b, md, "name", m->name);
    ddb_buf_printf(&text, "%s_%s", s->prefix, m->name);
    put_buf(b, md, "c", &text);
    upper_into(&text, s->prefix, m->name);
    put_buf(b, md, "C", &text);
    put_str(b, md, "table", m->table);
    put(b, md, "doc_lines", doc_lines(m->doc));
    bool provisioned = m->billing == DDBC_BILLING_PROVISIONED;
    put_str(b, md, "billing", provisioned ? "DDB_BILLING_PROVISIONED" : "DDB_BILLING_PAY_PER_REQUEST");
    put(b, md, "read_capacity", tmpl_int(m->read_capacity));
    put(b, md, "write_capacity", tmpl_int(m->write_capacity));
    put(b, md, "range_index", tmpl_int(m->range_key));
    for (size_t i = 0; i < m->n_attrs; i++) {
        tmpl_value *f = field_value(b, m, i);
        if (f != NULL && (int)i == m->hash_key)
            put(b, md, "hash", field_value(b, m, i));
        if (f != NULL && (int)i == m->range_key)
            put(b, md, "range", field_value(b, m, i));
        if (f != NULL && m->attrs[i].has_default)
            push(b, defaults, field_value(b, m, i));
        push(b, fields, f);
    }
    if (m->range_key < 0)
        put(b, md, "range", tmpl_none());
    put(b, md, "fields", fields);
    put(b, md, "defaults", defaults);
    key_strings(b, md, m);
    ddb_buf_free(&text);
    return md;
}

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

/* Records the symbol a ~ b declared at `pos`. */
static void add_symbol(symbols *t, ddbc_pos pos, const char *a, const char *b)
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
    ddb_buf name = DDB_BUF_INIT;
    ddb_buf_printf(&name, "%s%s", a, b);
    char *s = ddb_buf_steal(&name, NULL);
    if (s == NULL) {
        t->failed = true;
        return;
    }
    t->items[t->len] = (symbol){s, pos, t->len};
    t->len++;
}

static void collect_symbols(symbols *t, const ddbc_schema *s)
{
    ddb_buf c = DDB_BUF_INIT;
    for (size_t mi = 0; mi < s->n_models; mi++) {
        const ddbc_model *m = &s->models[mi];
        ddb_buf_reset(&c);
        ddb_buf_printf(&c, "%s_%s", s->prefix, m->name);
        const char *mc = ddb_buf_cstr(&c);
        add_symbol(t, m->pos, mc, "");
        for (size_t k = 0; k < ddbc_n_model_words; k++) {
            ddb_buf sym = DDB_BUF_INIT;
            ddb_buf_printf(&sym, "%s_", mc);
            add_symbol(t, m->pos, ddb_buf_cstr(&sym), ddbc_model_words[k]);
            ddb_buf_free(&sym);
        }
        for (size_t ai = 0; ai < m->n_attrs; ai++) {
            const ddbc_attr *a = &m->attrs[ai];
            ddb_buf sym = DDB_BUF_INIT;
            ddb_buf_printf(&sym, "%s_%s_", mc, a->name);
            for (size_t k = 0; k < ddbc_n_attr_ops; k++)
                add_symbol(t, a->pos, ddb_buf_cstr(&sym), ddbc_attr_ops[k]);
            for (size_t k = 0; k < ddbc_n_attr_verbs; k++) {
                ddb_buf_reset(&sym);
                ddb_buf_printf(&sym, "%s_%s_", mc, ddbc_attr_verbs[k]);
                add_symbol(t, a->pos, ddb_buf_cstr(&sym), a->name);
            }
            ddb_buf_free(&sym);
        }
    }
    ddb_buf_free(&c);
}

static int symbol_cmp(const void *pa, const void *pb)
{
    const symbol *a = pa, *b = pb;
    int r = strcmp(a->name, b->name);
    return r != 0 ? r : (a->order > b->order) - (a->order < b->order);
}

/* Reports every generated symbol defined twice; returns how many. */
static size_t check_symbols(const ddbc_schema *s, ddbc_diag *diag, bool *failed)
{
    symbols t = {NULL, 0, 0, false};
    collect_symbols(&t, s);
    size_t clashes = 0;
    if (!t.failed) {
        qsort(t.items, t.len, sizeof *t.items, symbol_cmp);
        for (size_t i = 1; i < t.len; i++) {
            if (strcmp(t.items[i - 1].name, t.items[i].name) != 0)
                continue;
            const symbol *first = &t.items[i - 1];
            ddbc_diag_error(diag, t.items[i].pos,
                            "generated C symbol '%s' is also generated for the declaration at "
                            "%d:%d; rename one of them",
                            t.items[i].name, first->pos.line, first->pos.col);
            clashes++;
        }
    }
    *failed = t.failed;
    for (size_t i = 0; i < t.len; i++)
        free(t.items[i].name);
    free(t.items);
    return clashes;
}

/* ------------------------------------------------------------ entry point */

static tmpl_value *cmp_enum_dict(void)
{
    tmpl_value *d = tmpl_dict();
    for (size_t i = 0; d != NULL && i < COUNT(cmp_ops_ordered); i++) {
        if (tmpl_dict_set(d, cmp_ops_ordered[i], tmpl_str(cmp_enums[i])) != 0) {
            tmpl_value_free(d);
            return NULL;
        }
    }
    return d;
}

tmpl_value *ddbc_context_build(const ddbc_schema *schema, const char *base, ddbc_diag *diag)
{
    builder b = {diag, false};
    if (check_symbols(schema, diag, &b.failed) != 0)
        return NULL;
    tmpl_value *vars = tmpl_dict();
    tmpl_value *models = tmpl_list();
    if (vars == NULL || models == NULL) {
        tmpl_value_free(vars);
        tmpl_value_free(models);
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
    put(&b, vars, "cmp_enum", cmp_enum_dict());
    for (size_t i = 0; i < schema->n_models; i++)
        push(&b, models, model_value(&b, schema, &schema->models[i]));
    put(&b, vars, "models", models);
    ddb_buf_free(&text);
    if (b.failed) {
        tmpl_value_free(vars);
        ddbc_diag_error(diag, (ddbc_pos){schema->path, 0, 0}, "out of memory building the template context");
        return NULL;
    }
    return vars;
}
