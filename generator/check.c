/* check.c - front end entry point; naming and uniqueness rules on the IR. */
#include "check.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "build.h"
#include "c_words.h"
#include "ddb/buf.h"
#include "load.h"
#include "names.h"


/* DynamoDB limits: table and index names have 3..255 characters, attribute names 1..255 bytes. */
enum { NAME_MIN = 3, NAME_MAX = 255, ATTR_NAME_MAX = 255 };

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

/* The prefix of `s` for messages ("<prefix>" when it is missing). */
static const char *prefix_of(const ddbc_schema *s)
{
    return s->prefix != NULL ? s->prefix : "<prefix>";
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
    if (ddbc_c_reserved_prefix(name)) {
        ddbc_diag_error(d, pos,
                        "%s '%s' is reserved in C (names starting with '__' or '_' and an "
                        "uppercase letter belong to the implementation)",
                        role, name);
        return false;
    }
    const char *why = ddbc_c_word(name);
    if (why != NULL) {
        ddbc_diag_error(d, pos, "%s '%s' %s; choose another name", role, name, why);
        return false;
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

/*
 * Reports `a` when its name is the presence flag of another attribute
 * (has_<x>), and an own attribute of a subclass whose presence flag would
 * be the name of an inherited attribute.
 */
static void check_presence_flag(ddbc_diag *d, const ddbc_attr *attrs, size_t n, const ddbc_attr *a)
{
    for (size_t i = 0; i < n; i++) {
        const ddbc_attr *other = &attrs[i];
        if (other->name == NULL)
            continue;
        if (strncmp(a->name, "has_", 4) == 0 && strcmp(a->name + 4, other->name) == 0)
            ddbc_diag_error(d, a->pos,
                            "attribute name '%s' is reserved for the presence flag of "
                            "attribute '%s' (generated when it is nullable); rename one of them",
                            a->name, other->name);
        if (other->inherited && strncmp(other->name, "has_", 4) == 0 &&
            strcmp(other->name + 4, a->name) == 0)
            ddbc_diag_error(d, a->pos,
                            "attribute '%s' would have the presence flag '%s', which is the name "
                            "of an inherited attribute; rename it",
                            a->name, other->name);
    }
}

/*
 * Checks the C name of `a`, one of `attrs`, the attributes of model `model`
 * (NULL: of a map). Returns false when it is not a valid identifier.
 */
static bool check_attr_identifier(ddbc_diag *d, const ddbc_schema *s, const char *model,
                                  const ddbc_attr *attrs, size_t n, const ddbc_attr *a)
{
    if (!check_identifier(d, a->name, a->pos, "attribute name"))
        return false;
    if (model != NULL && in_list(a->name, ddbc_model_families, ddbc_n_model_families)) {
        ddb_buf words = DDB_BUF_INIT;
        for (size_t i = 0; i < ddbc_n_model_families; i++)
            ddb_buf_printf(&words, "%s%s", i != 0 ? ", " : "", ddbc_model_families[i]);
        ddbc_diag_error(d, a->pos,
                        "attribute name '%s' is reserved: names %s_%s_%s_* are generated for the "
                        "model (reserved: %s); rename the field and keep the stored name with "
                        "'attr_name: %s'",
                        a->name, prefix_of(s), model, a->name, ddb_buf_cstr(&words), a->name);
        ddb_buf_free(&words);
        return true;
    }
    check_presence_flag(d, attrs, n, a);
    return true;
}

/* DynamoDB name of attrs[k]: 1..255 bytes, unique among `attrs` after mapping. */
static void check_attr_name(ddbc_diag *d, const ddbc_attr *attrs, size_t k)
{
    const ddbc_attr *a = &attrs[k];
    size_t len = strlen(a->attr_name);
    if (len == 0 || len > ATTR_NAME_MAX) {
        ddbc_diag_error(d, a->attr_name_pos,
                        "DynamoDB name of attribute '%s' must have 1 to %d bytes (it has %zu)",
                        a->name, ATTR_NAME_MAX, len);
        return;
    }
    for (size_t i = 0; i < k; i++) {
        const ddbc_attr *other = &attrs[i];
        if (other->attr_name != NULL && strcmp(other->attr_name, a->attr_name) == 0)
            ddbc_diag_error(d, a->attr_name_pos,
                            "attribute '%s' is stored as '%s', which attribute '%s' (%d:%d) "
                            "already uses; set a distinct attr_name",
                            a->name, a->attr_name, other->name, other->pos.line, other->pos.col);
    }
}

/* The names of the attributes of model `model` (NULL: of a map); inherited ones were checked in the
 * base. */
static void check_attrs(ddbc_diag *d, const ddbc_schema *s, const char *model,
                        const ddbc_attr *attrs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const ddbc_attr *a = &attrs[i];
        if (a->name == NULL || a->attr_name == NULL || a->inherited)
            continue;
        /* a bad name used as the DynamoDB name is reported once */
        if (check_attr_identifier(d, s, model, attrs, n, a) || strcmp(a->attr_name, a->name) != 0)
            check_attr_name(d, attrs, i);
    }
}

/* ---- models and maps ------------------------------------------------------------ */

/* Reports a model or map (`role`) named list_<type>: those name typed lists. */
static void check_list_name(ddbc_diag *d, const ddbc_schema *s, const char *role, const char *name,
                            ddbc_pos pos)
{
    size_t n = strlen(ddbc_scalar_list_word);
    ddb_ftype t;
    if (strncmp(name, ddbc_scalar_list_word, n) == 0 && name[n] == '_' &&
        ddb_type_from_name(name + n + 1, &t))
        ddbc_diag_error(d, pos,
                        "%s name '%s' is reserved: %s_%s_<type> names the C type of typed lists "
                        "(e.g. %s_%s for {type: list, of: %s}); choose another name",
                        role, name, prefix_of(s), ddbc_scalar_list_word, prefix_of(s), name,
                        name + n + 1);
}

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
        if (other->extends < 0 && other->table != NULL && strcmp(other->table, m->table) == 0)
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

/* A subclass shares the table and indexes of its base, checked there. */
static void check_model(ddbc_diag *d, const ddbc_schema *s, size_t k)
{
    const ddbc_model *m = &s->models[k];
    if (check_identifier(d, m->name, m->pos, "model name"))
        check_list_name(d, s, "model", m->name, m->pos);
    if (m->table != NULL && m->extends < 0)
        check_table(d, s, k);
    check_attrs(d, s, m->name, m->attrs, m->n_attrs);
    for (size_t i = 0; i < m->n_indexes && m->extends < 0; i++)
        if (m->indexes[i].name != NULL)
            check_index_name(d, &m->indexes[i]);
}

static void check_map(ddbc_diag *d, const ddbc_schema *s, const ddbc_map *mp)
{
    ddb_ftype t;
    if (check_identifier(d, mp->name, mp->pos, "map name") && ddb_type_from_name(mp->name, &t))
        ddbc_diag_error(d, mp->pos,
                        "map name '%s' is the name of a type, so attributes could not refer to "
                        "the map; choose another name",
                        mp->name);
    else if (is_c_identifier(mp->name))
        check_list_name(d, s, "map", mp->name, mp->pos);
    check_attrs(d, s, NULL, mp->attrs, mp->n_attrs);
}

/* ---- generated names of two declarations ---------------------------------- */

/* A model or a map: a C struct <prefix>_<name> and the names generated with it. */
typedef struct decl {
    const ddbc_schema *schema;
    const char *kind; /* "model" or "map" */
    const char *name;
    ddbc_pos pos;
    const ddbc_attr *attrs; /* a model's attributes, which generate names; maps: none */
    size_t n_attrs;
    const char *const *words; /* <prefix>_<name>_<word> */
    size_t n_words;
    const char *const *families; /* <prefix>_<name>_<family>_* */
    size_t n_families;
} decl;

static decl model_decl(const ddbc_schema *s, const ddbc_model *m)
{
    decl d = {.schema = s, .kind = "model", .name = m->name, .pos = m->pos};
    d.attrs = m->attrs;
    d.n_attrs = m->n_attrs;
    d.words = ddbc_model_words;
    d.n_words = ddbc_n_model_words;
    d.families = ddbc_model_families;
    d.n_families = ddbc_n_model_families;
    return d;
}

static decl map_decl(const ddbc_schema *s, const ddbc_map *mp)
{
    decl d = {.schema = s, .kind = "map", .name = mp->name, .pos = mp->pos};
    d.words = ddbc_map_words;
    d.n_words = ddbc_n_map_words;
    return d;
}

/* The models and maps of `s` that have a name; NULL when out of memory. */
static decl *collect_decls(const ddbc_schema *s, size_t *n)
{
    decl *all = calloc(s->n_models + s->n_maps + 1, sizeof *all);
    *n = 0;
    if (all == NULL)
        return NULL;
    for (size_t i = 0; i < s->n_models; i++)
        if (s->models[i].name != NULL)
            all[(*n)++] = model_decl(s, &s->models[i]);
    for (size_t i = 0; i < s->n_maps; i++)
        if (s->maps[i].name != NULL)
            all[(*n)++] = map_decl(s, &s->maps[i]);
    return all;
}

/* Orders declarations of one file by position: the later one of a clash is reported. */
static int cmp_decl_pos(const void *pa, const void *pb)
{
    const decl *a = pa, *b = pb;
    if (a->pos.line != b->pos.line)
        return a->pos.line < b->pos.line ? -1 : 1;
    return (a->pos.col > b->pos.col) - (a->pos.col < b->pos.col);
}

/* Writes <prefix>_<name> into `out`; returns it, or NULL when out of memory. */
static const char *base_name(ddb_buf *out, const decl *r)
{
    ddb_buf_reset(out);
    if (ddb_buf_printf(out, "%s_%s", r->schema->prefix != NULL ? r->schema->prefix : "", r->name) !=
        0)
        return NULL;
    return ddb_buf_cstr(out);
}

/*
 * Whether `inner_base` lies in the generated names of `outer`, whose base
 * name is `outer_base` (<outer>_<word>, <outer>_<family>_..., or
 * <outer>_<attribute>_...); if so, writes why into `why`.
 */
static bool overlaps(const decl *outer, const char *outer_base, const char *inner_base,
                     ddb_buf *why)
{
    size_t n = strlen(outer_base);
    if (strncmp(inner_base, outer_base, n) != 0 || inner_base[n] != '_')
        return false;
    const char *rest = inner_base + n + 1;
    if (in_list(rest, outer->words, outer->n_words)) {
        ddb_buf_printf(why, "%s is also generated for %s '%s'", inner_base, outer->kind,
                       outer->name);
        return true;
    }
    for (size_t i = 0; i < outer->n_families; i++) {
        if (starts_with_word(rest, outer->families[i])) {
            ddb_buf_printf(why, "names %s_%s_* are generated for %s '%s'", outer_base,
                           outer->families[i], outer->kind, outer->name);
            return true;
        }
    }
    for (size_t i = 0; i < outer->n_attrs; i++) {
        const char *attr = outer->attrs[i].name;
        size_t len = attr != NULL ? strlen(attr) : 0;
        if (attr != NULL && strncmp(rest, attr, len) == 0 && rest[len] == '_') {
            ddb_buf_printf(why, "names %s_%s_* belong to attribute '%s' of %s '%s'", outer_base,
                           attr, attr, outer->kind, outer->name);
            return true;
        }
    }
    return false;
}

/* Reports `second` when its generated names collide with those of `first`. */
static void check_decl_pair(ddbc_diag *d, const decl *first, const decl *second)
{
    ddb_buf a = DDB_BUF_INIT, b = DDB_BUF_INIT, why = DDB_BUF_INIT;
    const char *base_a = base_name(&a, first), *base_b = base_name(&b, second);
    ddbc_pos at = first->pos;
    bool same_kind = strcmp(first->kind, second->kind) == 0;
    if (base_a == NULL || base_b == NULL)
        ddbc_diag_error(d, second->pos, "out of memory");
    else if (strcmp(base_a, base_b) == 0)
        ddbc_diag_error(d, second->pos,
                        "%s '%s' with prefix '%s' is also declared%s%s at %s:%d:%d; both would "
                        "generate %s",
                        second->kind, second->name, prefix_of(second->schema),
                        same_kind ? "" : " as a ", same_kind ? "" : first->kind, at.file, at.line,
                        at.col, base_b);
    else if (overlaps(first, base_a, base_b, &why) || overlaps(second, base_b, base_a, &why))
        ddbc_diag_error(d, second->pos,
                        "generated names of %s '%s' collide with %s '%s' (%s:%d:%d): %s",
                        second->kind, second->name, first->kind, first->name, at.file, at.line,
                        at.col, ddb_buf_cstr(&why));
    ddb_buf_free(&a);
    ddb_buf_free(&b);
    ddb_buf_free(&why);
}

/* ---- entry points ------------------------------------------------------------ */

static void check_schema(const ddbc_schema *s, ddbc_diag *d)
{
    check_prefix(d, s);
    for (size_t i = 0; i < s->n_models; i++)
        if (s->models[i].name != NULL)
            check_model(d, s, i);
    for (size_t i = 0; i < s->n_maps; i++)
        if (s->maps[i].name != NULL)
            check_map(d, s, &s->maps[i]);
    size_t n;
    decl *all = collect_decls(s, &n);
    if (all == NULL) {
        ddbc_diag_error(d, (ddbc_pos){s->path, 0, 0}, "out of memory");
        return;
    }
    qsort(all, n, sizeof *all, cmp_decl_pos);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            check_decl_pair(d, &all[j], &all[i]);
    free(all);
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

/* Checks every declaration of `later` against every one of `earlier` (another file). */
static void check_files(const ddbc_schema *earlier, const ddbc_schema *later, ddbc_diag *diag)
{
    size_t n_a, n_b;
    decl *a = collect_decls(earlier, &n_a), *b = collect_decls(later, &n_b);
    if (a == NULL || b == NULL)
        ddbc_diag_error(diag, (ddbc_pos){NULL, 0, 0}, "out of memory");
    for (size_t j = 0; a != NULL && b != NULL && j < n_b; j++)
        for (size_t i = 0; i < n_a; i++)
            check_decl_pair(diag, &a[i], &b[j]);
    free(a);
    free(b);
}

int ddbc_schemas_check(const ddbc_schema *const *schemas, size_t n, ddbc_diag *diag)
{
    size_t before = ddbc_diag_count(diag);
    for (size_t j = 1; j < n; j++)
        for (size_t i = 0; i < j; i++)
            check_files(schemas[i], schemas[j], diag);
    return ddbc_diag_count(diag) == before ? 0 : -1;
}
