/* check.c - front end entry point; naming and uniqueness rules on the IR. */
#include "check.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "build.h"
#include "ddb/buf.h"
#include "load.h"
#include "names.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* DynamoDB limits: table and index names have 3..255 characters, attribute names 1..255 bytes. */
enum { NAME_MIN = 3, NAME_MAX = 255, ATTR_NAME_MAX = 255 };

/* Names a generated header cannot use as identifiers or struct fields. */
static const char *const c_keywords[] = {
    /* C11; the _Keywords are caught by the reserved-name rule */
    "auto",    "break",  "case",     "char",   "const",    "continue", "default",
    "do",      "double", "else",     "enum",   "extern",   "float",    "for",
    "goto",    "if",     "inline",   "int",    "long",     "register", "restrict",
    "return",  "short",  "signed",   "sizeof", "static",   "struct",   "switch",
    "typedef", "union",  "unsigned", "void",   "volatile", "while",
};
static const char *const c23_keywords[] = {
    "alignas",       "alignof",      "bool", "constexpr", "false",         "nullptr",
    "static_assert", "thread_local", "true", "typeof",    "typeof_unqual",
};
static const char *const cxx_keywords[] = {
    "and",       "and_eq",       "asm",      "bitand",    "bitor",     "catch",
    "char8_t",   "char16_t",     "char32_t", "class",     "co_await",  "co_return",
    "co_yield",  "compl",        "concept",  "consteval", "constinit", "const_cast",
    "decltype",  "dynamic_cast", "explicit", "export",    "friend",    "mutable",
    "namespace", "new",          "noexcept", "not",       "not_eq",    "operator",
    "or",        "or_eq",        "private",  "protected", "public",    "reinterpret_cast",
    "requires",  "static_cast",  "template", "this",      "throw",     "try",
    "typeid",    "typename",     "using",    "virtual",   "wchar_t",   "xor",
    "xor_eq",
};
/* Object-like macros of the headers generated code includes, and of GNU C modes. */
static const char *const c_macros[] = {
    "NULL", "EOF", "errno", "stdin", "stdout", "stderr", "linux", "unix",
};

static const struct word_list {
    const char *const *words;
    size_t n;
    const char *why;
} reserved_lists[] = {
    {c_keywords, ARRAY_LEN(c_keywords), "is a C keyword"},
    {c23_keywords, ARRAY_LEN(c23_keywords), "is a C23 keyword or <stdbool.h> macro"},
    {cxx_keywords, ARRAY_LEN(cxx_keywords),
     "is a C++ keyword (generated headers must also compile as C++)"},
    {c_macros, ARRAY_LEN(c_macros), "is a macro of the C library or of GNU C"},
};

static bool in_list(const char *word, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(word, list[i]) == 0)
            return true;
    return false;
}

/* Whether `s` is `head` or starts with `head` followed by '_'. */
static bool starts_with_word(const char *s, const char *head)
{
    size_t n = strlen(head);
    return strncmp(s, head, n) == 0 && (s[n] == '\0' || s[n] == '_');
}

/* ---- identifiers --------------------------------------------------------- */

#define LETTERS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define DIGITS  "0123456789"

static bool is_c_identifier(const char *s)
{
    return strspn(s, LETTERS "_") >= 1 && s[strspn(s, LETTERS "_" DIGITS)] == '\0';
}

/*
 * Checks that `name` (a `role`: "prefix", "model name", ...) can be used in
 * generated C: a C identifier, not reserved to the implementation, not a
 * keyword or well-known macro. Returns whether it passed.
 */
static bool check_identifier(ddbc_diag *d, const char *name, ddbc_pos pos, const char *role)
{
    if (!is_c_identifier(name)) {
        ddbc_diag_error(d, pos,
                        "%s '%s' is not a valid C identifier (use letters, digits and '_', "
                        "not starting with a digit)",
                        role, name);
        return false;
    }
    if (name[0] == '_' && (name[1] == '_' || (name[1] >= 'A' && name[1] <= 'Z'))) {
        ddbc_diag_error(d, pos,
                        "%s '%s' is reserved in C (names starting with '__' or '_' and an "
                        "uppercase letter belong to the implementation)",
                        role, name);
        return false;
    }
    for (size_t i = 0; i < ARRAY_LEN(reserved_lists); i++) {
        const struct word_list *l = &reserved_lists[i];
        if (in_list(name, l->words, l->n)) {
            ddbc_diag_error(d, pos, "%s '%s' %s; choose another name", role, name, l->why);
            return false;
        }
    }
    return true;
}

static void check_prefix(ddbc_diag *d, const ddbc_schema *s)
{
    if (s->prefix == NULL || !check_identifier(d, s->prefix, s->prefix_pos, "prefix"))
        return;
    if (strcasecmp(s->prefix, "ddb") == 0 || strncasecmp(s->prefix, "ddb_", 4) == 0)
        ddbc_diag_error(d, s->prefix_pos,
                        "prefix '%s' is reserved for the ddbc runtime (ddb_*, DDB_*); choose "
                        "another prefix",
                        s->prefix);
}

/* ---- attributes -------------------------------------------------------------- */

/* Checks the C name of `a`; returns false when it is not a valid identifier. */
static bool check_attr_identifier(ddbc_diag *d, const ddbc_schema *s, const ddbc_model *m,
                                  const ddbc_attr *a)
{
    if (!check_identifier(d, a->name, a->pos, "attribute name"))
        return false;
    if (in_list(a->name, ddbc_model_families, ddbc_n_model_families)) {
        ddb_buf words = DDB_BUF_INIT;
        for (size_t i = 0; i < ddbc_n_model_families; i++)
            ddb_buf_printf(&words, "%s%s", i != 0 ? ", " : "", ddbc_model_families[i]);
        ddbc_diag_error(d, a->pos,
                        "attribute name '%s' is reserved: names %s_%s_%s_* are generated for the "
                        "model (reserved: %s); rename the field and keep the stored name with "
                        "'attr_name: %s'",
                        a->name, s->prefix != NULL ? s->prefix : "<prefix>", m->name, a->name,
                        ddb_buf_cstr(&words), a->name);
        ddb_buf_free(&words);
        return true;
    }
    for (size_t i = 0; i < m->n_attrs && strncmp(a->name, "has_", 4) == 0; i++) {
        const ddbc_attr *other = &m->attrs[i];
        if (other->name != NULL && strcmp(a->name + 4, other->name) == 0)
            ddbc_diag_error(d, a->pos,
                            "attribute name '%s' is reserved for the presence flag of "
                            "attribute '%s' (generated when it is nullable); rename one of them",
                            a->name, other->name);
    }
    return true;
}

/* DynamoDB name of `a`: 1..255 bytes, unique within the model after mapping. */
static void check_attr_name(ddbc_diag *d, const ddbc_model *m, size_t k)
{
    const ddbc_attr *a = &m->attrs[k];
    size_t len = strlen(a->attr_name);
    if (len == 0 || len > ATTR_NAME_MAX) {
        ddbc_diag_error(d, a->attr_name_pos,
                        "DynamoDB name of attribute '%s' must have 1 to %d bytes (it has %zu)",
                        a->name, ATTR_NAME_MAX, len);
        return;
    }
    for (size_t i = 0; i < k; i++) {
        const ddbc_attr *other = &m->attrs[i];
        if (other->attr_name != NULL && strcmp(other->attr_name, a->attr_name) == 0)
            ddbc_diag_error(d, a->attr_name_pos,
                            "attribute '%s' is stored as '%s', which attribute '%s' (%d:%d) "
                            "already uses; set a distinct attr_name",
                            a->name, a->attr_name, other->name, other->pos.line, other->pos.col);
    }
}

/* ---- models ------------------------------------------------------------------ */

static void check_table(ddbc_diag *d, const ddbc_schema *s, size_t k)
{
    const ddbc_model *m = &s->models[k];
    size_t len = strlen(m->table);
    size_t valid = strspn(m->table, LETTERS DIGITS "_.-");
    if (len < NAME_MIN || len > NAME_MAX)
        ddbc_diag_error(d, m->table_pos,
                        "table name '%s' of model '%s' must have %d to %d characters (it has %zu)",
                        m->table, m->name, NAME_MIN, NAME_MAX, len);
    else if (valid != len)
        ddbc_diag_error(d, m->table_pos,
                        "table name '%s' of model '%s' has the invalid character '%c' (valid: "
                        "A-Z a-z 0-9 _ . -)",
                        m->table, m->name, m->table[valid]);
    for (size_t i = 0; i < k; i++) {
        const ddbc_model *other = &s->models[i];
        if (other->table != NULL && strcmp(other->table, m->table) == 0)
            ddbc_diag_error(d, m->table_pos,
                            "table '%s' is already used by model '%s' (%d:%d); each model "
                            "needs its own table",
                            m->table, other->name, other->pos.line, other->pos.col);
    }
}

static void check_index_name(ddbc_diag *d, const ddbc_index *ix)
{
    size_t len = strlen(ix->name);
    if (check_identifier(d, ix->name, ix->pos, "index name") && (len < NAME_MIN || len > NAME_MAX))
        ddbc_diag_error(d, ix->pos, "index name '%s' must have %d to %d characters (it has %zu)",
                        ix->name, NAME_MIN, NAME_MAX, len);
}

static void check_model(ddbc_diag *d, const ddbc_schema *s, size_t k)
{
    const ddbc_model *m = &s->models[k];
    check_identifier(d, m->name, m->pos, "model name");
    if (m->table != NULL)
        check_table(d, s, k);
    for (size_t i = 0; i < m->n_attrs; i++) {
        const ddbc_attr *a = &m->attrs[i];
        if (a->name == NULL || a->attr_name == NULL)
            continue;
        /* a bad name used as the DynamoDB name is reported once */
        if (check_attr_identifier(d, s, m, a) || strcmp(a->attr_name, a->name) != 0)
            check_attr_name(d, m, i);
    }
    for (size_t i = 0; i < m->n_indexes; i++)
        if (m->indexes[i].name != NULL)
            check_index_name(d, &m->indexes[i]);
}

/* ---- generated names of two models --------------------------------------- */

typedef struct model_ref {
    const ddbc_schema *schema;
    const ddbc_model *model;
} model_ref;

/* Writes <prefix>_<model> into `out` and returns it. */
static const char *base_name(ddb_buf *out, model_ref r)
{
    ddb_buf_reset(out);
    ddb_buf_printf(out, "%s_%s", r.schema->prefix != NULL ? r.schema->prefix : "", r.model->name);
    return ddb_buf_cstr(out);
}

/*
 * Whether `inner_base` lies in the generated names of model `m`, whose base
 * name is `outer_base` (<outer>_<verb>... or <outer>_<attribute>_...); if
 * so, writes why into `why`.
 */
static bool overlaps(const ddbc_model *m, const char *outer_base, const char *inner_base,
                     ddb_buf *why)
{
    size_t n = strlen(outer_base);
    if (strncmp(inner_base, outer_base, n) != 0 || inner_base[n] != '_')
        return false;
    const char *rest = inner_base + n + 1;
    for (size_t i = 0; i < ddbc_n_model_words; i++) {
        if (strcmp(rest, ddbc_model_words[i]) == 0) {
            ddb_buf_printf(why, "%s is also generated for model '%s'", inner_base, m->name);
            return true;
        }
    }
    for (size_t i = 0; i < ddbc_n_model_families; i++) {
        if (starts_with_word(rest, ddbc_model_families[i])) {
            ddb_buf_printf(why, "names %s_%s_* are generated for model '%s'", outer_base,
                           ddbc_model_families[i], m->name);
            return true;
        }
    }
    for (size_t i = 0; i < m->n_attrs; i++) {
        const char *attr = m->attrs[i].name;
        size_t len = attr != NULL ? strlen(attr) : 0;
        if (attr != NULL && strncmp(rest, attr, len) == 0 && rest[len] == '_') {
            ddb_buf_printf(why, "names %s_%s_* belong to attribute '%s' of model '%s'", outer_base,
                           attr, attr, m->name);
            return true;
        }
    }
    return false;
}

/* Reports `second` when its generated names collide with those of `first`. */
static void check_model_pair(ddbc_diag *d, model_ref first, model_ref second)
{
    ddb_buf a = DDB_BUF_INIT, b = DDB_BUF_INIT, why = DDB_BUF_INIT;
    const char *base_a = base_name(&a, first), *base_b = base_name(&b, second);
    ddbc_pos at = first.model->pos;
    if (strcmp(base_a, base_b) == 0)
        ddbc_diag_error(d, second.model->pos,
                        "model '%s' with prefix '%s' is also declared at %s:%d:%d; both would "
                        "generate %s",
                        second.model->name, second.schema->prefix, at.file, at.line, at.col,
                        base_b);
    else if (overlaps(first.model, base_a, base_b, &why) ||
             overlaps(second.model, base_b, base_a, &why))
        ddbc_diag_error(d, second.model->pos,
                        "generated names of model '%s' collide with model '%s' (%s:%d:%d): %s",
                        second.model->name, first.model->name, at.file, at.line, at.col,
                        ddb_buf_cstr(&why));
    ddb_buf_free(&a);
    ddb_buf_free(&b);
    ddb_buf_free(&why);
}

/* ---- entry points ------------------------------------------------------------ */

static void check_schema(const ddbc_schema *s, ddbc_diag *d)
{
    check_prefix(d, s);
    for (size_t i = 0; i < s->n_models; i++) {
        if (s->models[i].name == NULL)
            continue;
        check_model(d, s, i);
        for (size_t j = 0; j < i; j++)
            if (s->models[j].name != NULL)
                check_model_pair(d, (model_ref){s, &s->models[j]}, (model_ref){s, &s->models[i]});
    }
}

ddbc_schema *ddbc_schema_load(const char *path, ddbc_diag *diag)
{
    size_t before = ddbc_diag_count(diag);
    ddbc_schema *s = calloc(1, sizeof *s);
    if (s != NULL)
        s->path = strdup(path);
    if (s == NULL || s->path == NULL) {
        ddbc_diag_error(diag, (ddbc_pos){path, 0, 0}, "out of memory");
        ddbc_schema_free(s);
        return NULL;
    }
    ddbc_yaml *y = ddbc_yaml_load(s->path, diag);
    if (y != NULL) {
        ddbc_build_schema(s, ddbc_yaml_root(y), diag);
        check_schema(s, diag);
        ddbc_yaml_free(y);
    }
    if (ddbc_diag_count(diag) != before) {
        ddbc_schema_free(s);
        return NULL;
    }
    return s;
}

int ddbc_schemas_check(const ddbc_schema *const *schemas, size_t n, ddbc_diag *diag)
{
    size_t before = ddbc_diag_count(diag);
    for (size_t j = 1; j < n; j++)
        for (size_t i = 0; i < j; i++)
            for (size_t mj = 0; mj < schemas[j]->n_models; mj++)
                for (size_t mi = 0; mi < schemas[i]->n_models; mi++)
                    check_model_pair(diag, (model_ref){schemas[i], &schemas[i]->models[mi]},
                                     (model_ref){schemas[j], &schemas[j]->models[mj]});
    return ddbc_diag_count(diag) == before ? 0 : -1;
}
