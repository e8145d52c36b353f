/* build.c - YAML tree -> model IR, reporting every structural error. */
#include "build.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ddb/buf.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* DynamoDB quotas per table (default limits). */
enum { MAX_LOCAL_INDEXES = 5, MAX_GLOBAL_INDEXES = 20 };

typedef struct builder {
    ddbc_diag *diag;
    bool oom_reported;
} builder;

/* ---- messages ---------------------------------------------------------- */

/* Replaces the content of `buf` with the formatted text and returns it. */
static const char *say(ddb_buf *buf, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static const char *say(ddb_buf *buf, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ddb_buf_reset(buf);
    ddb_buf_vprintf(buf, fmt, ap);
    va_end(ap);
    return ddb_buf_cstr(buf);
}

static void out_of_memory(builder *b, ddbc_pos pos)
{
    if (!b->oom_reported)
        ddbc_diag_error(b->diag, pos, "out of memory");
    b->oom_reported = true;
}

/* A copy of `text`, or NULL (reported) when out of memory. */
static char *own(builder *b, const char *text, ddbc_pos pos)
{
    char *p = strdup(text);
    if (p == NULL)
        out_of_memory(b, pos);
    return p;
}

static const char *kind_name(ddbc_node_kind k)
{
    switch (k) {
    case DDBC_NODE_SCALAR:
        return "a scalar";
    case DDBC_NODE_SEQUENCE:
        return "a sequence";
    case DDBC_NODE_MAPPING:
        return "a mapping";
    }
    return "a node";
}

/*
 * How a value appears in messages: 'text' for a plain scalar, "text"
 * (quoted) for a quoted one, else "a mapping" / "a sequence".
 */
static const char *describe(ddb_buf *buf, const ddbc_node *n)
{
    if (n->kind != DDBC_NODE_SCALAR)
        return say(buf, "%s", kind_name(n->kind));
    return n->plain ? say(buf, "'%s'", n->text) : say(buf, "\"%s\" (quoted)", n->text);
}

/* Reports "<what> must be <valid>, not <value>". */
static void must_be(builder *b, const ddbc_node *n, const char *what, const char *valid)
{
    ddb_buf shown = DDB_BUF_INIT;
    ddbc_diag_error(b->diag, n->pos, "%s must be %s, not %s", what, valid, describe(&shown, n));
    ddb_buf_free(&shown);
}

/*
 * Checks that `n` is of kind `want`; otherwise reports "<what> must be a
 * <want>, not a <kind>" followed by `hint` (an example, may be NULL).
 */
static bool expect_kind(builder *b, const ddbc_node *n, ddbc_node_kind want, const char *what,
                        const char *hint)
{
    if (n->kind == want)
        return true;
    ddbc_diag_error(b->diag, n->pos, "%s must be %s, not %s%s%s", what, kind_name(want),
                    kind_name(n->kind), hint != NULL ? "; e.g. " : "", hint != NULL ? hint : "");
    return false;
}

/* ---- "did you mean" ------------------------------------------------------ */

enum { SUGGEST_MAX_LEN = 64 };

/* Optimal-string-alignment distance (edits, with adjacent transpositions). */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t rows[3][SUGGEST_MAX_LEN + 1];
    size_t *before = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t best = prev[j - 1] + (a[i - 1] != b[j - 1]);
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                before[j - 2] + 1 < best)
                best = before[j - 2] + 1;
            cur[j] = best;
        }
        size_t *t = before;
        before = prev;
        prev = cur;
        cur = t;
    }
    return prev[lb];
}

/* Entry i of a list of names; NULL entries are skipped. */
typedef const char *name_at_fn(const void *list, size_t i);

/*
 * Appends " (did you mean 'x'? <label>: a, b, c)" to `msg`: the closest
 * name to `got` if it is close enough, then every name in the list. An
 * empty `got` asks for the list alone.
 */
static void append_choices(ddb_buf *msg, const char *got, const char *label, name_at_fn *name_at,
                           const void *list, size_t n)
{
    const char *best = NULL;
    size_t best_d = strlen(got) <= SUGGEST_MAX_LEN ? (strlen(got) + 2) / 3 + 1 : 0;
    for (size_t i = 0; i < n; i++) {
        const char *name = name_at(list, i);
        if (name == NULL || strlen(name) > SUGGEST_MAX_LEN || best_d == 0)
            continue;
        size_t d = edit_distance(got, name);
        if (d < best_d) {
            best = name;
            best_d = d;
        }
    }
    ddb_buf_puts(msg, " (");
    if (best != NULL)
        ddb_buf_printf(msg, "did you mean '%s'? ", best);
    ddb_buf_printf(msg, "%s: ", label);
    const char *sep = "";
    for (size_t i = 0; i < n; i++) {
        const char *name = name_at(list, i);
        if (name != NULL) {
            ddb_buf_printf(msg, "%s%s", sep, name);
            sep = ", ";
        }
    }
    ddb_buf_putc(msg, ')');
}

static const char *type_name_at(const void *list, size_t i)
{
    (void)list;
    return ddbc_type_name((ddbc_type)i);
}

static const char *key_type_name_at(const void *list, size_t i)
{
    (void)list;
    return ddbc_type_can_be_key((ddbc_type)i) ? ddbc_type_name((ddbc_type)i) : NULL;
}

static const char *attr_name_at(const void *list, size_t i)
{
    return ((const ddbc_attr *)list)[i].name;
}

static const char *stream_name_at(const void *list, size_t i)
{
    (void)list;
    return ddbc_stream_name((ddbc_stream)i);
}

static const char *string_at(const void *list, size_t i)
{
    return ((const char *const *)list)[i];
}

/* Reports that `n` is none of the valid forms: "invalid <what>: 'x' (...)". */
static void invalid_choice(builder *b, const ddbc_node *n, const char *what, name_at_fn *name_at,
                           const void *list, size_t count)
{
    ddb_buf msg = DDB_BUF_INIT, shown = DDB_BUF_INIT;
    ddb_buf_printf(&msg, "invalid %s: %s", what, describe(&shown, n));
    append_choices(&msg, n->kind == DDBC_NODE_SCALAR ? n->text : "", "valid", name_at, list, count);
    ddbc_diag_error(b->diag, n->pos, "%s", ddb_buf_cstr(&msg));
    ddb_buf_free(&msg);
    ddb_buf_free(&shown);
}

/* ---- keys of a mapping --------------------------------------------------- */

typedef enum field_kind {
    FIELD_OPTIONAL,
    FIELD_REQUIRED,
    FIELD_LATER /* recognised (design.md section 2), not supported yet */
} field_kind;

typedef struct field {
    const char *key;
    field_kind kind;
} field;

static const char *field_name_at(const void *list, size_t i)
{
    const field *f = &((const field *)list)[i];
    return f->kind != FIELD_LATER ? f->key : NULL;
}

/*
 * Matches the keys of `map` against `fields`: vals[i] is the value given for
 * fields[i] or NULL. Reports unknown keys, keys not supported yet, and
 * missing required keys (at `owner_pos`). `owner` names the mapping in
 * messages ("model 'thread'").
 */
static void match_fields(builder *b, const ddbc_node *map, const field *fields, size_t n_fields,
                         const char *owner, ddbc_pos owner_pos, const ddbc_node **vals)
{
    ddb_buf msg = DDB_BUF_INIT;
    for (size_t p = 0; p < map->n_pairs; p++) {
        const ddbc_node *key = map->pairs[p].key;
        size_t f = 0;
        while (f < n_fields && strcmp(fields[f].key, key->text) != 0)
            f++;
        if (f == n_fields) {
            say(&msg, "unknown key '%s' in %s", key->text, owner);
            append_choices(&msg, key->text, "valid", field_name_at, fields, n_fields);
            ddbc_diag_error(b->diag, key->pos, "%s", ddb_buf_cstr(&msg));
        } else if (fields[f].kind == FIELD_LATER) {
            ddbc_diag_error(b->diag, key->pos,
                            "'%s' in %s is not supported yet by this version of ddbc", key->text,
                            owner);
        } else {
            vals[f] = map->pairs[p].value;
        }
    }
    for (size_t f = 0; f < n_fields; f++)
        if (fields[f].kind == FIELD_REQUIRED && vals[f] == NULL)
            ddbc_diag_error(b->diag, owner_pos, "%s is missing the required key '%s'", owner,
                            fields[f].key);
    ddb_buf_free(&msg);
}

/* ---- scalars --------------------------------------------------------------- */

/* The text of scalar `n` if it has a value; otherwise reports and returns NULL. */
static const char *get_text(builder *b, const ddbc_node *n, const char *what)
{
    if (!expect_kind(b, n, DDBC_NODE_SCALAR, what, NULL))
        return NULL;
    if (ddbc_node_is_null(n)) {
        ddbc_diag_error(b->diag, n->pos, "%s has no value", what);
        return NULL;
    }
    return n->text;
}

/* A copy of the text of scalar `n`, or NULL (reported). */
static char *get_string(builder *b, const ddbc_node *n, const char *what)
{
    const char *text = get_text(b, n, what);
    return text != NULL ? own(b, text, n->pos) : NULL;
}

/* Parses a YAML 1.2 core boolean (plain true/True/TRUE/false/False/FALSE). */
static bool parse_bool(const ddbc_node *n, bool *out)
{
    static const char *const words[] = {"true", "True", "TRUE", "false", "False", "FALSE"};
    if (n->kind != DDBC_NODE_SCALAR || !n->plain)
        return false;
    for (size_t i = 0; i < ARRAY_LEN(words); i++) {
        if (strcmp(n->text, words[i]) == 0) {
            *out = i < 3;
            return true;
        }
    }
    return false;
}

static void get_bool(builder *b, const ddbc_node *n, const char *what, bool *out)
{
    if (!parse_bool(n, out))
        must_be(b, n, what, "true or false");
}

static const char DIGITS[] = "0123456789";

/* Parses a plain decimal integer with an optional sign that fits 64 bits. */
static bool parse_int64(const ddbc_node *n, long long *out)
{
    if (n->kind != DDBC_NODE_SCALAR || !n->plain)
        return false;
    const char *digits = n->text + (n->text[0] == '+' || n->text[0] == '-');
    if (digits[0] == '\0' || strspn(digits, DIGITS) != strlen(digits))
        return false;
    errno = 0;
    *out = strtoll(n->text, NULL, 10);
    return errno != ERANGE;
}

/* Whether `s` is [-+]?(digits[.digits]|.digits)([eE][-+]?digits)? */
static bool is_decimal_number(const char *s)
{
    s += *s == '+' || *s == '-';
    size_t int_digits = strspn(s, DIGITS), frac_digits = 0;
    s += int_digits;
    if (*s == '.') {
        frac_digits = strspn(s + 1, DIGITS);
        s += 1 + frac_digits;
    }
    if (int_digits + frac_digits == 0)
        return false;
    if (*s == 'e' || *s == 'E') {
        s += 1 + (s[1] == '+' || s[1] == '-');
        size_t exp_digits = strspn(s, DIGITS);
        if (exp_digits == 0)
            return false;
        s += exp_digits;
    }
    return *s == '\0';
}

/* Whether `n` is a plain finite decimal number that a double holds (no underflow). */
static bool parse_double(const ddbc_node *n)
{
    if (n->kind != DDBC_NODE_SCALAR || !n->plain || !is_decimal_number(n->text))
        return false;
    errno = 0;
    (void)strtod(n->text, NULL);
    return errno != ERANGE;
}

/* ---- attributes ---------------------------------------------------------- */

/* Types of design.md section 2 that later versions add. */
static const char *const later_types[] = {
    "decimal",    "utc_datetime", "json",       "null", "ttl", "version",
    "string_set", "number_set",   "binary_set", "list", "map", "document",
};

static bool build_type(builder *b, ddbc_attr *a, const ddbc_node *n)
{
    ddb_buf msg = DDB_BUF_INIT;
    const char *name = get_text(b, n, say(&msg, "type of attribute '%s'", a->name));
    bool ok = name != NULL && ddbc_type_from_name(name, &a->type);
    if (name != NULL && !ok) {
        bool later = false;
        for (size_t i = 0; i < ARRAY_LEN(later_types); i++)
            later = later || strcmp(name, later_types[i]) == 0;
        say(&msg,
            later ? "type '%s' of attribute '%s' is not supported yet"
                  : "unknown type '%s' for attribute '%s'",
            name, a->name);
        append_choices(&msg, later ? "" : name, "valid", type_name_at, NULL, DDBC_TYPE_COUNT);
        ddbc_diag_error(b->diag, n->pos, "%s", ddb_buf_cstr(&msg));
    }
    ddb_buf_free(&msg);
    return ok;
}

/*
 * Appends the canonical default text (see ddbc_attr.default_text) of `a`,
 * given as scalar `n`, to `out`. Returns false (reported) when invalid.
 */
static bool default_text(builder *b, const ddbc_attr *a, const ddbc_node *n, ddb_buf *out)
{
    ddb_buf what = DDB_BUF_INIT, raw = DDB_BUF_INIT;
    say(&what, "default of %s attribute '%s'", ddbc_type_name(a->type), a->name);
    const char *valid = NULL;
    long long i;
    bool flag;
    switch (a->type) {
    case DDBC_T_STRING:
        ddb_buf_puts(out, n->text);
        break;
    case DDBC_T_INT64:
        if (parse_int64(n, &i))
            ddb_buf_printf(out, "%lld", i);
        else
            valid = "a decimal integer from -9223372036854775808 to 9223372036854775807";
        break;
    case DDBC_T_DOUBLE:
        if (parse_double(n))
            ddb_buf_puts(out, n->text + (n->text[0] == '+'));
        else
            valid = "a finite decimal number a double can hold, such as 0, -1.5 or 2e10";
        break;
    case DDBC_T_BOOL:
        if (parse_bool(n, &flag))
            ddb_buf_puts(out, flag ? "true" : "false");
        else
            valid = "true or false";
        break;
    case DDBC_T_BINARY:
        if (ddb_base64_decode(&raw, n->text, n->len) == 0)
            ddb_base64_encode(out, (const unsigned char *)ddb_buf_cstr(&raw), raw.len);
        else
            valid = "base64 (standard alphabet, '=' padding, no spaces) such as \"AAEC\"";
        break;
    }
    if (valid != NULL)
        must_be(b, n, ddb_buf_cstr(&what), valid);
    ddb_buf_free(&what);
    ddb_buf_free(&raw);
    return valid == NULL;
}

static void build_default(builder *b, ddbc_attr *a, const ddbc_node *n)
{
    ddb_buf text = DDB_BUF_INIT;
    if (n->kind == DDBC_NODE_SCALAR && ddbc_node_is_null(n)) {
        ddbc_diag_error(b->diag, n->pos,
                        "default of attribute '%s' is null; to allow a missing value, remove "
                        "the default and set null: true",
                        a->name);
    } else if (n->kind != DDBC_NODE_SCALAR) {
        ddb_buf what = DDB_BUF_INIT;
        must_be(b, n, say(&what, "default of attribute '%s'", a->name), "a scalar");
        ddb_buf_free(&what);
    } else if (default_text(b, a, n, &text)) {
        a->default_text = ddb_buf_steal(&text, NULL);
        a->has_default = a->default_text != NULL;
        if (a->default_text == NULL)
            out_of_memory(b, n->pos);
    }
    ddb_buf_free(&text);
}

enum { A_TYPE, A_NULL, A_DEFAULT, A_ATTR_NAME, A_DOC };
static const field attr_fields[] = {
    [A_TYPE] = {"type", FIELD_REQUIRED},
    [A_NULL] = {"null", FIELD_OPTIONAL},
    [A_DEFAULT] = {"default", FIELD_OPTIONAL},
    [A_ATTR_NAME] = {"attr_name", FIELD_OPTIONAL},
    [A_DOC] = {"doc", FIELD_OPTIONAL},
    {"default_for_new", FIELD_LATER},
    {"of", FIELD_LATER},
    {"s3", FIELD_LATER},
    {"encrypt", FIELD_LATER},
    {"compress", FIELD_LATER},
};

static void build_attr(builder *b, ddbc_attr *a, const ddbc_pair *decl)
{
    a->name = own(b, decl->key->text, decl->key->pos);
    a->pos = a->attr_name_pos = decl->key->pos;
    ddb_buf owner = DDB_BUF_INIT, what = DDB_BUF_INIT;
    say(&owner, "attribute '%s'", decl->key->text);
    if (a->name == NULL ||
        !expect_kind(b, decl->value, DDBC_NODE_MAPPING, ddb_buf_cstr(&owner), "{type: string}"))
        goto done;
    const ddbc_node *v[ARRAY_LEN(attr_fields)] = {0};
    match_fields(b, decl->value, attr_fields, ARRAY_LEN(attr_fields), ddb_buf_cstr(&owner), a->pos,
                 v);
    bool typed = v[A_TYPE] != NULL && build_type(b, a, v[A_TYPE]);
    if (v[A_NULL] != NULL)
        get_bool(b, v[A_NULL], say(&what, "'null' of attribute '%s'", a->name), &a->nullable);
    if (v[A_DEFAULT] != NULL && typed)
        build_default(b, a, v[A_DEFAULT]);
    if (v[A_ATTR_NAME] != NULL) {
        a->attr_name_pos = v[A_ATTR_NAME]->pos;
        a->attr_name =
            get_string(b, v[A_ATTR_NAME], say(&what, "'attr_name' of attribute '%s'", a->name));
    } else {
        a->attr_name = own(b, a->name, a->pos);
    }
    if (v[A_DOC] != NULL)
        a->doc = get_string(b, v[A_DOC], say(&what, "'doc' of attribute '%s'", a->name));
done:
    ddb_buf_free(&owner);
    ddb_buf_free(&what);
}

static void build_attrs(builder *b, ddbc_model *m, const ddbc_node *n, const char *what)
{
    if (!expect_kind(b, n, DDBC_NODE_MAPPING, what, "{forum: {type: string}}"))
        return;
    if (n->n_pairs == 0) {
        ddbc_diag_error(b->diag, n->pos, "%s is empty; declare at least the key attributes", what);
        return;
    }
    m->attrs = calloc(n->n_pairs, sizeof *m->attrs);
    if (m->attrs == NULL) {
        out_of_memory(b, n->pos);
        return;
    }
    for (size_t i = 0; i < n->n_pairs; i++)
        build_attr(b, &m->attrs[m->n_attrs++], &n->pairs[i]);
}

/* ---- references to attributes ------------------------------------------ */

/*
 * The index of the attribute of `m` that scalar `n` names, or -1 (reported).
 * `what` describes the reference ("hash key of model 'thread'").
 */
static int resolve_attr(builder *b, const ddbc_model *m, const ddbc_node *n, const char *what)
{
    if (m->n_attrs == 0)
        return -1; /* 'attributes' is missing or invalid: reported already */
    const char *name = get_text(b, n, what);
    if (name == NULL)
        return -1;
    for (size_t i = 0; i < m->n_attrs; i++)
        if (m->attrs[i].name != NULL && strcmp(m->attrs[i].name, name) == 0)
            return (int)i;
    ddb_buf msg = DDB_BUF_INIT;
    say(&msg, "%s names '%s', which is not an attribute of model '%s'", what, name, m->name);
    append_choices(&msg, name, "attributes", attr_name_at, m->attrs, m->n_attrs);
    ddbc_diag_error(b->diag, n->pos, "%s", ddb_buf_cstr(&msg));
    ddb_buf_free(&msg);
    return -1;
}

/*
 * Resolves a key reference and checks that the attribute can be a key:
 * a key type and, for a table key (`table_key`), always present.
 */
static int resolve_key(builder *b, const ddbc_model *m, const ddbc_node *n, const char *what,
                       bool table_key)
{
    int k = resolve_attr(b, m, n, what);
    if (k < 0)
        return -1;
    const ddbc_attr *a = &m->attrs[k];
    if (!ddbc_type_can_be_key(a->type)) {
        ddb_buf msg = DDB_BUF_INIT;
        say(&msg, "attribute '%s' (%s) has type %s, which cannot be a key", a->name, what,
            ddbc_type_name(a->type));
        append_choices(&msg, "", "key types", key_type_name_at, NULL, DDBC_TYPE_COUNT);
        ddbc_diag_error(b->diag, n->pos, "%s", ddb_buf_cstr(&msg));
        ddb_buf_free(&msg);
        return -1;
    }
    if (table_key && a->nullable)
        ddbc_diag_error(b->diag, n->pos,
                        "%s '%s' cannot be nullable: every item has its key (remove 'null: true')",
                        what, a->name);
    if (table_key && a->has_default)
        ddbc_diag_error(b->diag, n->pos,
                        "%s '%s' cannot have a default: a key is always given explicitly", what,
                        a->name);
    return k;
}

/* ---- keys ------------------------------------------------------------------ */

enum { K_HASH, K_RANGE };
static const field key_fields[] = {
    [K_HASH] = {"hash", FIELD_REQUIRED},
    [K_RANGE] = {"range", FIELD_OPTIONAL},
};

/* Reports a range key equal to the hash key; returns whether they differ. */
static bool distinct_keys(builder *b, int hash, int range, const ddbc_node *range_node,
                          const char *owner)
{
    if (hash < 0 || hash != range)
        return true;
    ddbc_diag_error(b->diag, range_node->pos,
                    "range key of %s is the hash key '%s'; use another attribute or omit 'range'",
                    owner, range_node->text);
    return false;
}

static void build_keys(builder *b, ddbc_model *m, const ddbc_node *n, const char *owner)
{
    ddb_buf what = DDB_BUF_INIT;
    if (!expect_kind(b, n, DDBC_NODE_MAPPING, say(&what, "'keys' of %s", owner),
                     "{hash: forum, range: subject}"))
        goto done;
    const ddbc_node *v[ARRAY_LEN(key_fields)] = {0};
    match_fields(b, n, key_fields, ARRAY_LEN(key_fields), ddb_buf_cstr(&what), n->pos, v);
    if (v[K_HASH] != NULL)
        m->hash_key = resolve_key(b, m, v[K_HASH], "hash key", true);
    if (v[K_RANGE] != NULL) {
        int range = resolve_key(b, m, v[K_RANGE], "range key", true);
        if (distinct_keys(b, m->hash_key, range, v[K_RANGE], owner))
            m->range_key = range;
    }
done:
    ddb_buf_free(&what);
}

/* ---- billing and stream -------------------------------------------------- */

static const char *const billing_forms[] = {"pay_per_request",
                                            "{provisioned: {read: N, write: N}}"};

enum { P_PROVISIONED };
static const field billing_fields[] = {[P_PROVISIONED] = {"provisioned", FIELD_REQUIRED}};
enum { C_READ, C_WRITE };
static const field capacity_fields[] = {
    [C_READ] = {"read", FIELD_REQUIRED}, [C_WRITE] = {"write", FIELD_REQUIRED}};

static void build_capacity(builder *b, const ddbc_node *n, const char *what, long long *out)
{
    if (!parse_int64(n, out) || *out < 1)
        must_be(b, n, what, "a whole number of at least 1");
}

static void build_provisioned(builder *b, ddbc_model *m, const ddbc_node *n, const char *owner)
{
    ddb_buf what = DDB_BUF_INIT;
    say(&what, "provisioned billing of %s", owner);
    if (expect_kind(b, n, DDBC_NODE_MAPPING, ddb_buf_cstr(&what), "{read: 5, write: 5}")) {
        const ddbc_node *v[ARRAY_LEN(capacity_fields)] = {0};
        match_fields(b, n, capacity_fields, ARRAY_LEN(capacity_fields), ddb_buf_cstr(&what), n->pos,
                     v);
        if (v[C_READ] != NULL)
            build_capacity(b, v[C_READ], say(&what, "read capacity of %s", owner),
                           &m->read_capacity);
        if (v[C_WRITE] != NULL)
            build_capacity(b, v[C_WRITE], say(&what, "write capacity of %s", owner),
                           &m->write_capacity);
    }
    ddb_buf_free(&what);
}

static void build_billing(builder *b, ddbc_model *m, const ddbc_node *n, const char *owner)
{
    ddb_buf msg = DDB_BUF_INIT;
    if (n->kind == DDBC_NODE_MAPPING) {
        const ddbc_node *v[ARRAY_LEN(billing_fields)] = {0};
        match_fields(b, n, billing_fields, ARRAY_LEN(billing_fields),
                     say(&msg, "billing of %s", owner), n->pos, v);
        m->billing = DDBC_BILLING_PROVISIONED;
        if (v[P_PROVISIONED] != NULL)
            build_provisioned(b, m, v[P_PROVISIONED], owner);
    } else if (n->kind == DDBC_NODE_SCALAR && strcmp(n->text, billing_forms[0]) == 0) {
        m->billing = DDBC_BILLING_PAY_PER_REQUEST;
    } else {
        invalid_choice(b, n, say(&msg, "billing of %s", owner), string_at, billing_forms,
                       ARRAY_LEN(billing_forms));
    }
    ddb_buf_free(&msg);
}

static void build_stream(builder *b, ddbc_model *m, const ddbc_node *n, const char *owner)
{
    for (int s = DDBC_STREAM_KEYS_ONLY; s <= DDBC_STREAM_NEW_AND_OLD_IMAGES; s++) {
        if (n->kind == DDBC_NODE_SCALAR && strcmp(n->text, ddbc_stream_name((ddbc_stream)s)) == 0) {
            m->stream = (ddbc_stream)s;
            return;
        }
    }
    ddb_buf what = DDB_BUF_INIT;
    invalid_choice(b, n, say(&what, "stream of %s", owner), stream_name_at, NULL,
                   DDBC_STREAM_NEW_AND_OLD_IMAGES + 1);
    ddb_buf_free(&what);
}

/* ---- indexes ----------------------------------------------------------------- */

static const char *const projection_forms[] = {"all", "keys_only", "{include: [ATTR, ...]}"};

enum { J_INCLUDE };
static const field projection_fields[] = {[J_INCLUDE] = {"include", FIELD_REQUIRED}};

static bool is_key_of(const ddbc_model *m, const ddbc_index *ix, int attr)
{
    return attr == m->hash_key || attr == m->range_key || attr == ix->hash_key ||
           attr == ix->range_key;
}

/* Resolves one name of an include list; returns whether it may be added. */
static bool include_ok(builder *b, const ddbc_model *m, const ddbc_index *ix, const ddbc_node *n,
                       int k, const char *what)
{
    if (k < 0)
        return false;
    if (is_key_of(m, ix, k)) {
        ddbc_diag_error(b->diag, n->pos,
                        "%s lists key attribute '%s'; keys are always projected, remove it", what,
                        n->text);
        return false;
    }
    for (size_t i = 0; i < ix->n_include; i++) {
        if (ix->include[i] == k) {
            ddbc_diag_error(b->diag, n->pos, "%s lists '%s' twice", what, n->text);
            return false;
        }
    }
    return true;
}

static void build_include(builder *b, const ddbc_model *m, ddbc_index *ix, const ddbc_node *n,
                          const char *what)
{
    if (!expect_kind(b, n, DDBC_NODE_SEQUENCE, what, "[views, score]"))
        return;
    if (n->n_items == 0) {
        ddbc_diag_error(b->diag, n->pos, "%s is empty; use 'projection: keys_only' instead", what);
        return;
    }
    ix->include = calloc(n->n_items, sizeof *ix->include);
    if (ix->include == NULL) {
        out_of_memory(b, n->pos);
        return;
    }
    for (size_t i = 0; i < n->n_items; i++) {
        int k = resolve_attr(b, m, n->items[i], what);
        if (include_ok(b, m, ix, n->items[i], k, what))
            ix->include[ix->n_include++] = k;
    }
}

static void build_projection(builder *b, const ddbc_model *m, ddbc_index *ix, const ddbc_node *n)
{
    ddb_buf msg = DDB_BUF_INIT;
    if (n->kind == DDBC_NODE_MAPPING) {
        const ddbc_node *v[ARRAY_LEN(projection_fields)] = {0};
        ix->projection = DDBC_PROJECTION_INCLUDE;
        match_fields(b, n, projection_fields, ARRAY_LEN(projection_fields),
                     say(&msg, "projection of index '%s'", ix->name), n->pos, v);
        if (v[J_INCLUDE] != NULL)
            build_include(b, m, ix, v[J_INCLUDE],
                          say(&msg, "include list of index '%s'", ix->name));
    } else if (n->kind == DDBC_NODE_SCALAR && strcmp(n->text, "all") == 0) {
        ix->projection = DDBC_PROJECTION_ALL;
    } else if (n->kind == DDBC_NODE_SCALAR && strcmp(n->text, "keys_only") == 0) {
        ix->projection = DDBC_PROJECTION_KEYS_ONLY;
    } else {
        invalid_choice(b, n, say(&msg, "projection of index '%s'", ix->name), string_at,
                       projection_forms, ARRAY_LEN(projection_forms));
    }
    ddb_buf_free(&msg);
}

/* Local secondary indexes share the table's hash key and need a range key. */
static void check_local_index(builder *b, const ddbc_model *m, const ddbc_index *ix,
                              const ddbc_node *hash, const ddbc_node *range)
{
    if (m->range_key < 0)
        ddbc_diag_error(b->diag, ix->pos,
                        "local index '%s' needs a table with a range key; make it global "
                        "(global: true) or add keys.range",
                        ix->name);
    if (hash != NULL && ix->hash_key >= 0 && m->hash_key >= 0 && ix->hash_key != m->hash_key)
        ddbc_diag_error(b->diag, hash->pos,
                        "hash key of local index '%s' must be the table's hash key '%s'", ix->name,
                        m->attrs[m->hash_key].name);
    if (range == NULL)
        ddbc_diag_error(b->diag, ix->pos, "local index '%s' is missing the required key 'range'",
                        ix->name);
    else if (ix->range_key >= 0 && ix->range_key == m->range_key)
        ddbc_diag_error(b->diag, range->pos,
                        "range key of local index '%s' is the table's range key; an index on "
                        "the same keys is useless",
                        ix->name);
}

enum { I_GLOBAL, I_HASH, I_RANGE, I_PROJECTION, I_DOC };
static const field index_fields[] = {
    [I_GLOBAL] = {"global", FIELD_OPTIONAL}, [I_HASH] = {"hash", FIELD_REQUIRED},
    [I_RANGE] = {"range", FIELD_OPTIONAL},   [I_PROJECTION] = {"projection", FIELD_OPTIONAL},
    [I_DOC] = {"doc", FIELD_OPTIONAL},
};

static void build_index(builder *b, const ddbc_model *m, ddbc_index *ix, const ddbc_pair *decl)
{
    ix->name = own(b, decl->key->text, decl->key->pos);
    ix->pos = decl->key->pos;
    ix->global = true;
    ix->hash_key = ix->range_key = -1;
    ix->projection = DDBC_PROJECTION_ALL;
    ddb_buf owner = DDB_BUF_INIT, what = DDB_BUF_INIT;
    say(&owner, "index '%s'", decl->key->text);
    if (ix->name == NULL || !expect_kind(b, decl->value, DDBC_NODE_MAPPING, ddb_buf_cstr(&owner),
                                         "{hash: forum, range: views}"))
        goto done;
    const ddbc_node *v[ARRAY_LEN(index_fields)] = {0};
    match_fields(b, decl->value, index_fields, ARRAY_LEN(index_fields), ddb_buf_cstr(&owner),
                 ix->pos, v);
    if (v[I_GLOBAL] != NULL)
        get_bool(b, v[I_GLOBAL], say(&what, "'global' of index '%s'", ix->name), &ix->global);
    if (v[I_HASH] != NULL)
        ix->hash_key =
            resolve_key(b, m, v[I_HASH], say(&what, "hash key of index '%s'", ix->name), false);
    if (v[I_RANGE] != NULL) {
        int range =
            resolve_key(b, m, v[I_RANGE], say(&what, "range key of index '%s'", ix->name), false);
        if (distinct_keys(b, ix->hash_key, range, v[I_RANGE], ddb_buf_cstr(&owner)))
            ix->range_key = range;
    }
    if (!ix->global)
        check_local_index(b, m, ix, v[I_HASH], v[I_RANGE]);
    if (v[I_PROJECTION] != NULL)
        build_projection(b, m, ix, v[I_PROJECTION]);
    if (v[I_DOC] != NULL)
        ix->doc = get_string(b, v[I_DOC], say(&what, "'doc' of index '%s'", ix->name));
done:
    ddb_buf_free(&owner);
    ddb_buf_free(&what);
}

/* Reports the index that goes past DynamoDB's quota of `max` indexes of a kind. */
static void count_index(builder *b, const ddbc_index *ix, size_t *count, size_t max)
{
    if (++*count == max + 1)
        ddbc_diag_error(b->diag, ix->pos,
                        "index '%s' exceeds DynamoDB's limit of %zu %s secondary indexes per table",
                        ix->name, max, ix->global ? "global" : "local");
}

static void build_indexes(builder *b, ddbc_model *m, const ddbc_node *n, const char *what)
{
    if (!expect_kind(b, n, DDBC_NODE_MAPPING, what, "{by_views: {hash: forum, range: views}}"))
        return;
    m->indexes = calloc(n->n_pairs + 1, sizeof *m->indexes);
    if (m->indexes == NULL) {
        out_of_memory(b, n->pos);
        return;
    }
    size_t n_local = 0, n_global = 0;
    for (size_t i = 0; i < n->n_pairs; i++) {
        ddbc_index *ix = &m->indexes[m->n_indexes++];
        build_index(b, m, ix, &n->pairs[i]);
        if (ix->global)
            count_index(b, ix, &n_global, MAX_GLOBAL_INDEXES);
        else
            count_index(b, ix, &n_local, MAX_LOCAL_INDEXES);
    }
}

/* ---- models ------------------------------------------------------------------ */

enum { M_TABLE, M_DOC, M_BILLING, M_STREAM, M_KEYS, M_ATTRIBUTES, M_INDEXES };
static const field model_fields[] = {
    [M_TABLE] = {"table", FIELD_REQUIRED},     [M_DOC] = {"doc", FIELD_OPTIONAL},
    [M_BILLING] = {"billing", FIELD_OPTIONAL}, [M_STREAM] = {"stream", FIELD_OPTIONAL},
    [M_KEYS] = {"keys", FIELD_REQUIRED},       [M_ATTRIBUTES] = {"attributes", FIELD_REQUIRED},
    [M_INDEXES] = {"indexes", FIELD_OPTIONAL},
};

static void build_model(builder *b, ddbc_model *m, const ddbc_pair *decl)
{
    m->name = own(b, decl->key->text, decl->key->pos);
    m->pos = decl->key->pos;
    m->hash_key = m->range_key = -1;
    ddb_buf owner = DDB_BUF_INIT, what = DDB_BUF_INIT;
    const char *o = say(&owner, "model '%s'", decl->key->text);
    if (m->name == NULL || !expect_kind(b, decl->value, DDBC_NODE_MAPPING, o,
                                        "{table: Thread, keys: {...}, attributes: {...}}"))
        goto done;
    const ddbc_node *v[ARRAY_LEN(model_fields)] = {0};
    match_fields(b, decl->value, model_fields, ARRAY_LEN(model_fields), o, m->pos, v);
    if (v[M_TABLE] != NULL) {
        m->table_pos = v[M_TABLE]->pos;
        m->table = get_string(b, v[M_TABLE], say(&what, "table of %s", o));
    }
    if (v[M_DOC] != NULL)
        m->doc = get_string(b, v[M_DOC], say(&what, "'doc' of %s", o));
    if (v[M_BILLING] != NULL)
        build_billing(b, m, v[M_BILLING], o);
    if (v[M_STREAM] != NULL)
        build_stream(b, m, v[M_STREAM], o);
    if (v[M_ATTRIBUTES] != NULL)
        build_attrs(b, m, v[M_ATTRIBUTES], say(&what, "'attributes' of %s", o));
    if (v[M_KEYS] != NULL)
        build_keys(b, m, v[M_KEYS], o);
    if (v[M_INDEXES] != NULL)
        build_indexes(b, m, v[M_INDEXES], say(&what, "'indexes' of %s", o));
done:
    ddb_buf_free(&owner);
    ddb_buf_free(&what);
}

static void build_models(builder *b, ddbc_schema *s, const ddbc_node *n)
{
    if (!expect_kind(b, n, DDBC_NODE_MAPPING, "'models'", "{thread: {table: Thread, ...}}"))
        return;
    if (n->n_pairs == 0) {
        ddbc_diag_error(b->diag, n->pos, "'models' is empty; declare at least one model");
        return;
    }
    s->models = calloc(n->n_pairs, sizeof *s->models);
    if (s->models == NULL) {
        out_of_memory(b, n->pos);
        return;
    }
    for (size_t i = 0; i < n->n_pairs; i++)
        build_model(b, &s->models[s->n_models++], &n->pairs[i]);
}

/* ---- the schema ------------------------------------------------------------ */

enum { S_VERSION, S_PREFIX, S_MODELS };
static const field schema_fields[] = {
    [S_VERSION] = {"version", FIELD_REQUIRED},
    [S_PREFIX] = {"prefix", FIELD_REQUIRED},
    [S_MODELS] = {"models", FIELD_REQUIRED},
    {"maps", FIELD_LATER},
};

static void build_version(builder *b, ddbc_schema *s, const ddbc_node *n)
{
    long long v = 0;
    if (parse_int64(n, &v) && v == 1)
        s->version = 1;
    else
        must_be(b, n, "schema version", "1 (the only version so far)");
}

void ddbc_build_schema(ddbc_schema *s, const ddbc_node *root, ddbc_diag *diag)
{
    builder b = {diag, false};
    static const char hint[] = "{version: 1, prefix: forum, models: {...}}";
    if (root == NULL) {
        ddbc_diag_error(diag, (ddbc_pos){s->path, 0, 0}, "the file is empty; a schema is %s", hint);
        return;
    }
    if (!expect_kind(&b, root, DDBC_NODE_MAPPING, "a schema", hint))
        return;
    const ddbc_node *v[ARRAY_LEN(schema_fields)] = {0};
    match_fields(&b, root, schema_fields, ARRAY_LEN(schema_fields), "the schema", root->pos, v);
    if (v[S_VERSION] != NULL)
        build_version(&b, s, v[S_VERSION]);
    if (v[S_PREFIX] != NULL) {
        s->prefix_pos = v[S_PREFIX]->pos;
        s->prefix = get_string(&b, v[S_PREFIX], "'prefix'");
    }
    if (v[S_MODELS] != NULL)
        build_models(&b, s, v[S_MODELS]);
}
