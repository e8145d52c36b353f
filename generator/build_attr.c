/* build_attr.c - attributes of models and maps: types, `of`, options, defaults. */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_int.h"
#include "ddb/error.h"
#include "json_internal.h"
#include "number.h"
#include "time_text.h"

/* ---- types ------------------------------------------------------------------ */

/* How the type of `a` is spelled in the schema: the map's name for a map. */
static const char *type_label(const builder *b, const ddbc_attr *a)
{
    if (a->type == DDB_FT_MAP && a->map_index >= 0 && b->maps[a->map_index].name != NULL)
        return b->maps[a->map_index].name;
    return ddb_type(a->type)->name;
}

/* The index of the declared map called `name`, or -1. */
static int find_map(const builder *b, const char *name)
{
    for (size_t i = 0; i < b->n_maps; i++)
        if (b->maps[i].name != NULL && strcmp(b->maps[i].name, name) == 0)
            return (int)i;
    return -1;
}

/*
 * Resolves a type name: a type of the table (*map = -1), or a declared map
 * (DDB_FT_MAP, *map = its index). The bare word "map" gives DDB_FT_MAP with
 * *map = -1. Returns false when `name` is neither.
 */
static bool resolve_type_name(const builder *b, const char *name, ddb_ftype *t, int *map)
{
    *map = -1;
    if (ddb_type_from_name(name, t))
        return true;
    *t = DDB_FT_MAP;
    *map = find_map(b, name);
    return *map >= 0;
}

/*
 * Reports `msg` about the type name `got` at `n`, followed by the names a
 * `type:` (or an `of:` when `elem`) may give: usable types, then the
 * declared maps, with the closest one when `got` is not empty.
 */
static void report_type(builder *b, const ddbc_node *n, bool elem, const char *msg, const char *got)
{
    const char **names = calloc(DDB_FT_COUNT + b->n_maps + 1, sizeof *names);
    if (names == NULL) {
        bld_out_of_memory(b, n->pos);
        return;
    }
    size_t count = 0;
    for (int i = 0; i < DDB_FT_COUNT; i++) {
        ddb_ftype t = (ddb_ftype)i;
        if (elem ? ddb_type(t)->list_elem || t == DDB_FT_DOCUMENT : t != DDB_FT_MAP)
            names[count++] = ddb_type(t)->name;
    }
    for (size_t i = 0; i < b->n_maps; i++)
        names[count++] = b->maps[i].name; /* NULL (out of memory) is skipped */
    ddb_buf text = DDB_BUF_INIT;
    ddb_buf_puts(&text, msg);
    bld_append_choices(&text, got, "valid", bld_string_at, names, count);
    ddbc_diag_error(b->diag, n->pos, "%s", ddb_buf_cstr(&text));
    ddb_buf_free(&text);
    free(names);
}

/* Reports the bare word "map" used as a type: `what` is "type 'map' of attribute 'x'". */
static void report_bare_map(builder *b, const ddbc_node *n, const char *what)
{
    ddb_buf msg = DDB_BUF_INIT;
    bld_say(&msg,
            "%s names no map: declare the map under 'maps' and use its name as the type, or use "
            "'document' for an untyped map",
            what);
    const char *sep = " (declared maps: ";
    for (size_t i = 0; i < b->n_maps; i++) {
        if (b->maps[i].name != NULL) {
            ddb_buf_printf(&msg, "%s%s", sep, b->maps[i].name);
            sep = ", ";
        }
    }
    if (b->n_maps != 0)
        ddb_buf_putc(&msg, ')');
    ddbc_diag_error(b->diag, n->pos, "%s", ddb_buf_cstr(&msg));
    ddb_buf_free(&msg);
}

/* Whether `name`, the type of `a`, is usable there; reports why not. Sets a->type. */
static bool type_usable(builder *b, ddbc_attr *a, const ddbc_node *n, const char *name,
                        const char *in_map)
{
    ddb_buf msg = DDB_BUF_INIT;
    bool ok = false;
    if (!resolve_type_name(b, name, &a->type, &a->map_index))
        report_type(b, n, false,
                    bld_say(&msg, "unknown type '%s' for attribute '%s'", name, a->name), name);
    else if (a->type == DDB_FT_MAP && a->map_index < 0)
        report_bare_map(b, n, bld_say(&msg, "type 'map' of attribute '%s'", a->name));
    else if (in_map != NULL && ddb_type(a->type)->model_only)
        ddbc_diag_error(b->diag, n->pos,
                        "attribute '%s' of map '%s' has type %s; ttl, version and discriminator "
                        "attributes belong to models, not maps",
                        a->name, in_map, name);
    else
        ok = true;
    ddb_buf_free(&msg);
    return ok;
}

/* `type:` of `a`, in map `in_map` (NULL: in a model). Returns whether it is usable. */
static bool build_type(builder *b, ddbc_attr *a, const ddbc_node *n, const char *in_map)
{
    ddb_buf what = DDB_BUF_INIT;
    /* `type: null` names the type null, although YAML reads the plain word as a null */
    const char *name = n->kind == DDBC_NODE_SCALAR && strcmp(n->text, "null") == 0
                           ? n->text
                           : bld_get_text(b, n, bld_say(&what, "type of attribute '%s'", a->name));
    bool ok = name != NULL && type_usable(b, a, n, name, in_map);
    ddb_buf_free(&what);
    if (ok)
        a->elem_type = ddb_type(a->type)->elem;
    return ok;
}

/* Whether `name` (of node `n`) may be the element type of list `a`; reports why not. */
static bool elem_usable(builder *b, const ddbc_attr *a, const ddbc_node *n, const char *name,
                        ddb_ftype *t, int *map)
{
    ddb_buf msg = DDB_BUF_INIT;
    bool ok = false;
    if (!resolve_type_name(b, name, t, map))
        report_type(
            b, n, true,
            bld_say(&msg, "unknown element type '%s' for list attribute '%s'", name, a->name),
            name);
    else if (*t == DDB_FT_MAP && *map < 0)
        report_bare_map(b, n, bld_say(&msg, "element type 'map' of list attribute '%s'", a->name));
    else if (*t == DDB_FT_LIST)
        ddbc_diag_error(b->diag, n->pos,
                        "list attribute '%s' cannot be a list of lists (nested typed lists are "
                        "not supported); use an untyped list ({type: list}), whose elements may "
                        "be lists",
                        a->name);
    else if (*t != DDB_FT_MAP && *t != DDB_FT_DOCUMENT && !ddb_type(*t)->list_elem)
        report_type(b, n, true,
                    bld_say(&msg, "type '%s' cannot be the element type of list attribute '%s'",
                            name, a->name),
                    "");
    else
        ok = true;
    ddb_buf_free(&msg);
    return ok;
}

/* `of:` of a typed list: the element type, a scalar type or a map. */
static void build_of(builder *b, ddbc_attr *a, const ddbc_node *n)
{
    if (a->type != DDB_FT_LIST) {
        ddbc_diag_error(b->diag, n->pos,
                        "'of' is only for lists, and attribute '%s' has type %s; remove 'of' or "
                        "write {type: list, of: ...}",
                        a->name, type_label(b, a));
        return;
    }
    ddb_buf what = DDB_BUF_INIT;
    const char *name = bld_get_text(b, n, bld_say(&what, "'of' of attribute '%s'", a->name));
    ddb_ftype t;
    int map;
    if (name != NULL && elem_usable(b, a, n, name, &t, &map)) {
        a->elem_type = t;
        a->elem_map_index = map;
    }
    ddb_buf_free(&what);
}

/* ---- defaults ------------------------------------------------------------- */

/* A DynamoDB number (decimal) in its plain form; reports what is wrong. */
static bool number_value(builder *b, const ddbc_node *n, const char *what, ddb_buf *out)
{
    const char *why = n->plain ? ddb_number_plain(n->text, n->len, out) : "not a number";
    if (why == NULL)
        return true;
    if (strcmp(why, "not a number") == 0) /* number.h's phrase for the syntax */
        bld_must_be(b, n, what, "an unquoted decimal number such as 0, -1.5 or 1.25e3");
    else
        ddbc_diag_error(b->diag, n->pos, "%s is not a number DynamoDB stores: %s", what, why);
    return false;
}

/* Base64 in canonical form (re-encoded); reports what is wrong. */
static bool binary_value(builder *b, const ddbc_node *n, const char *what, ddb_buf *out)
{
    ddb_buf raw = DDB_BUF_INIT;
    int rc = ddb_base64_decode(&raw, n->text, n->len);
    if (rc == 0)
        ddb_base64_encode(out, (const unsigned char *)ddb_buf_cstr(&raw), raw.len);
    else if (rc == DDB_ENOMEM)
        bld_out_of_memory(b, n->pos);
    else
        bld_must_be(b, n, what,
                    "base64 (standard alphabet, '=' padding, no spaces) such as \"AAEC\"");
    ddb_buf_free(&raw);
    return rc == 0;
}

/* A utc_datetime in canonical form; reports what is wrong. */
static bool datetime_value(builder *b, const ddbc_node *n, const char *what, ddb_buf *out)
{
    ddb_time t;
    char text[DDB_TIME_TEXT_SIZE];
    const char *why = ddb_time_problem(n->text, n->len, &t);
    if (why == NULL && ddb_time_format(t, text) == 0) {
        ddb_buf_puts(out, text);
        return true;
    }
    ddb_buf shown = DDB_BUF_INIT;
    ddbc_diag_error(b->diag, n->pos,
                    "%s must be a UTC date and time such as 2024-01-02T03:04:05.000006+0000, not "
                    "%s: %s",
                    what, bld_describe(&shown, n), why != NULL ? why : ddb_last_error()->message);
    ddb_buf_free(&shown);
    return false;
}

/* JSON text, kept as written; reports where it is not valid (the runtime's rule). */
static bool json_value(builder *b, const ddbc_node *n, const char *what, ddb_buf *out)
{
    int rc = ddb_json_text_check(n->text, n->len);
    if (rc == 0) {
        ddb_buf_puts(out, n->text);
        return true;
    }
    if (rc == DDB_ENOMEM)
        bld_out_of_memory(b, n->pos);
    else
        ddbc_diag_error(b->diag, n->pos,
                        "%s must be JSON text (quote it in YAML, e.g. '{\"a\": [1, 2]}'), but at %s", what,
                        ddb_last_error()->message);
    return false;
}

/* A double: a number a double holds exactly (what is saved is what the
 * schema says), kept as written but for a '+'; reports what is wrong. */
static bool double_value(builder *b, const ddbc_node *n, const char *what, ddb_buf *out)
{
    double d;
    const char *why = n->plain ? ddb_number_to_double_exact(n->text, n->len, &d) : "not a number";
    if (why == NULL) {
        ddb_buf_puts(out, n->text + (n->text[0] == '+'));
        return true;
    }
    if (strcmp(why, "not a number") == 0)
        bld_must_be(b, n, what, "an unquoted decimal number such as 0, -1.5 or 2e10");
    else
        ddbc_diag_error(b->diag, n->pos, "%s cannot be a double: %s", what, why);
    return false;
}

/* More than the longest growth of a canonical form over its text: "0." and 129 zeros. */
enum { CANONICAL_SLACK = 160 };

/*
 * Validates scalar `n` (not null) as a value of type `t` and appends its
 * canonical text (see ddbc_attr.default_text) to `out`. Reports
 * "<what> must be ..." and returns false when invalid.
 */
static bool scalar_value(builder *b, ddb_ftype t, const ddbc_node *n, const char *what,
                         ddb_buf *out)
{
    const char *valid = NULL;
    int64_t i;
    bool flag;
    /* room for any canonical form (the longest: a number's zeros), so appends cannot fail */
    if (ddb_buf_reserve(out, n->len + CANONICAL_SLACK) != 0) {
        bld_out_of_memory(b, n->pos);
        return false;
    }
    switch (t) {
    case DDB_FT_STRING:
        ddb_buf_puts(out, n->text);
        break;
    case DDB_FT_INT64:
        if (n->plain && ddb_number_to_i64(n->text, n->len, &i) == NULL)
            ddb_buf_printf(out, "%" PRId64, i);
        else
            valid = "an integer from -9223372036854775808 to 9223372036854775807";
        break;
    case DDB_FT_DOUBLE:
        return double_value(b, n, what, out);
    case DDB_FT_BOOL:
        if (bld_parse_bool(n, &flag))
            ddb_buf_puts(out, flag ? "true" : "false");
        else
            valid = "true or false";
        break;
    case DDB_FT_BINARY:
        return binary_value(b, n, what, out);
    case DDB_FT_DECIMAL:
        return number_value(b, n, what, out);
    case DDB_FT_DATETIME:
        return datetime_value(b, n, what, out);
    case DDB_FT_JSON:
        return json_value(b, n, what, out);
    case DDB_FT_STRING_SET: /* not scalars: callers never get here */
    case DDB_FT_NUMBER_SET:
    case DDB_FT_BINARY_SET:
    case DDB_FT_LIST:
    case DDB_FT_MAP:
    case DDB_FT_DOCUMENT:
    case DDB_FT_NULL:
    case DDB_FT_TTL:
    case DDB_FT_VERSION:
    case DDB_FT_DISCRIMINATOR:
        valid = "a value of a scalar type";
        break;
    }
    if (valid != NULL)
        bld_must_be(b, n, what, valid);
    return valid == NULL;
}

/*
 * Checks that `n` is a scalar with a value; otherwise reports, for `what`
 * (e.g. "default of attribute 'x'"), that it is null or not a scalar.
 */
static bool scalar_given(builder *b, const ddbc_node *n, const char *what, const char *null_hint)
{
    if (n->kind == DDBC_NODE_SCALAR && ddbc_node_is_null(n)) {
        ddbc_diag_error(b->diag, n->pos, "%s is null; %s", what, null_hint);
        return false;
    }
    if (n->kind != DDBC_NODE_SCALAR) {
        bld_must_be(b, n, what, "a scalar");
        return false;
    }
    return true;
}

/* Stores the canonical text of set element `k` in items[k] unless it repeats an earlier one. */
static bool set_element(builder *b, ddb_ftype elem, const ddbc_node *set, size_t k,
                        const char *what, char **items)
{
    ddb_buf ewhat = DDB_BUF_INIT, text = DDB_BUF_INIT;
    const ddbc_node *n = set->items[k];
    bld_say(&ewhat, "element %zu of the %s", k + 1, what);
    bool ok = scalar_given(b, n, ddb_buf_cstr(&ewhat), "a set cannot hold null") &&
              scalar_value(b, elem, n, ddb_buf_cstr(&ewhat), &text);
    for (size_t i = 0; ok && i < k; i++) {
        if (items[i] != NULL && strcmp(items[i], ddb_buf_cstr(&text)) == 0) {
            ddbc_pos was = set->items[i]->pos;
            ddbc_diag_error(b->diag, n->pos,
                            "%s equals element %zu (%d:%d); the elements of a set are unique",
                            ddb_buf_cstr(&ewhat), i + 1, was.line, was.col);
            ok = false;
        }
    }
    if (ok && (items[k] = ddb_buf_steal(NULL, &text)) == NULL)
        bld_out_of_memory(b, n->pos);
    ddb_buf_free(&ewhat);
    ddb_buf_free(&text);
    return ok && items[k] != NULL;
}

/* The default of a set: a non-empty sequence of distinct valid elements. */
static void build_set_default(builder *b, ddbc_attr *a, const ddbc_node *n, const char *what)
{
    if (!bld_expect_kind(b, n, DDBC_NODE_SEQUENCE, what, "[a, b]"))
        return;
    if (n->n_items == 0) {
        ddbc_diag_error(b->diag, n->pos,
                        "%s is an empty set, which DynamoDB cannot store; remove the default (an "
                        "absent set reads as empty)",
                        what);
        return;
    }
    char **items = calloc(n->n_items, sizeof *items);
    if (items == NULL) {
        bld_out_of_memory(b, n->pos);
        return;
    }
    bool ok = true;
    for (size_t k = 0; k < n->n_items; k++)
        ok = set_element(b, a->elem_type, n, k, what, items) && ok;
    if (ok) {
        a->default_items = items;
        a->n_default_items = n->n_items;
        a->has_default = true;
        return;
    }
    for (size_t k = 0; k < n->n_items; k++)
        free(items[k]);
    free(items);
}

/* `default` or `default_for_new` (`key`) of `a`, given as `n`. */
static void build_default(builder *b, ddbc_attr *a, const ddbc_node *n, const char *key)
{
    ddb_buf what = DDB_BUF_INIT, text = DDB_BUF_INIT;
    const char *why = ddb_type(a->type)->no_default;
    if (why != NULL) {
        ddbc_diag_error(b->diag, n->pos, "%s attribute '%s' cannot have a %s: %s", type_label(b, a),
                        a->name, key, why);
    } else if (ddb_type(a->type)->set_ops) { /* a set */
        build_set_default(
            b, a, n, bld_say(&what, "%s of %s attribute '%s'", key, type_label(b, a), a->name));
    } else if (scalar_given(b, n, bld_say(&what, "%s of attribute '%s'", key, a->name),
                            "to allow a missing value, remove the default and set null: true") &&
               scalar_value(
                   b, a->type, n,
                   bld_say(&what, "%s of %s attribute '%s'", key, type_label(b, a), a->name),
                   &text)) {
        a->default_text = ddb_buf_steal(NULL, &text);
        a->has_default = a->default_text != NULL;
        if (a->default_text == NULL)
            bld_out_of_memory(b, n->pos);
    }
    ddb_buf_free(&what);
    ddb_buf_free(&text);
}

/* ---- attributes ------------------------------------------------------------- */

/* Reports `null: true` (at `n`) on a type that is always present. */
static void check_nullable(builder *b, const ddbc_attr *a, const ddbc_node *n)
{
    const char *why = ddb_type(a->type)->never_null;
    if (why != NULL)
        ddbc_diag_error(b->diag, n->pos, "%s attribute '%s' cannot be nullable: %s (remove 'null: true')",
                        ddb_type(a->type)->name, a->name, why);
}

/* ---- compress ----------------------------------------------------------------- */

enum { Z_LEVEL, Z_MIN_SIZE, Z_MAX_SIZE };
static const field compress_fields[] = {
    [Z_LEVEL] = {"level", FIELD_OPTIONAL},
    [Z_MIN_SIZE] = {"min_size", FIELD_OPTIONAL},
    [Z_MAX_SIZE] = {"max_size", FIELD_OPTIONAL},
};

/* A whole number in [lo, hi] into *out, or a report. */
static void build_size(builder *b, const ddbc_node *n, const char *what, long long lo, long long hi,
                       long long *out)
{
    char valid[96];
    snprintf(valid, sizeof valid, "a whole number from %lld to %lld", lo, hi);
    if (!bld_parse_int64(n, out) || *out < lo || *out > hi)
        bld_must_be(b, n, what, valid);
}

/* The largest max_size: a value must fit in memory, and DynamoDB items in
 * 400 KB (larger values belong in S3-backed attributes). */
#define COMPRESS_MAX_BOUND (1LL << 30)

/* `compress: true` or `compress: {level: 9, min_size: 256, max_size: 1048576}`. */
static void build_compress(builder *b, ddbc_attr *a, const ddbc_node *n)
{
    ddb_buf what = DDB_BUF_INIT;
    a->compress_pos = n->pos;
    if (!ddb_type(a->type)->compressible) {
        ddbc_diag_error(b->diag, n->pos,
                        "attribute '%s' has type %s, which cannot be compressed: 'compress' applies to "
                        "string, binary and json",
                        a->name, ddb_type(a->type)->name);
    } else if (n->kind == DDBC_NODE_SCALAR) {
        bld_get_bool(b, n, bld_say(&what, "'compress' of attribute '%s'", a->name), &a->compress);
    } else if (bld_expect_kind(b, n, DDBC_NODE_MAPPING, bld_say(&what, "'compress' of attribute '%s'", a->name),
                               "true, or {level: 9, min_size: 256, max_size: 1048576}")) {
        const ddbc_node *v[BLD_LEN(compress_fields)] = {0};
        bld_match_fields(b, n, compress_fields, BLD_LEN(compress_fields), ddb_buf_cstr(&what), n->pos, v);
        a->compress = true;
        if (v[Z_LEVEL] != NULL)
            build_size(b, v[Z_LEVEL], bld_say(&what, "compression level of attribute '%s'", a->name), 1, 9,
                       &a->compress_level);
        if (v[Z_MIN_SIZE] != NULL)
            build_size(b, v[Z_MIN_SIZE], bld_say(&what, "'min_size' of attribute '%s'", a->name), 0,
                       COMPRESS_MAX_BOUND, &a->compress_min);
        if (v[Z_MAX_SIZE] != NULL)
            build_size(b, v[Z_MAX_SIZE], bld_say(&what, "'max_size' of attribute '%s'", a->name), 1,
                       COMPRESS_MAX_BOUND, &a->compress_max);
        if (v[Z_MIN_SIZE] != NULL && v[Z_MAX_SIZE] != NULL && a->compress_max != 0 &&
            a->compress_min > a->compress_max)
            ddbc_diag_error(b->diag, v[Z_MIN_SIZE]->pos,
                            "'min_size' of attribute '%s' (%lld) is larger than its 'max_size' (%lld)", a->name,
                            a->compress_min, a->compress_max);
    }
    ddb_buf_free(&what);
}

/* ---- encrypt ------------------------------------------------------------------ */

enum { E_DETERMINISTIC };
static const field encrypt_fields[] = {[E_DETERMINISTIC] = {"deterministic", FIELD_OPTIONAL}};

/* `encrypt: true` (randomized) or `encrypt: {deterministic: true}`. */
static void build_encrypt(builder *b, ddbc_attr *a, const ddbc_node *n, const char *in_map)
{
    ddb_buf what = DDB_BUF_INIT;
    a->encrypt_pos = n->pos;
    bool on = false, deterministic = false;
    if (!ddb_type(a->type)->encryptable) {
        ddbc_diag_error(b->diag, n->pos,
                        "attribute '%s' has type %s, which cannot be encrypted: 'encrypt' applies to string, "
                        "binary, int64, double and json",
                        a->name, ddb_type(a->type)->name);
    } else if (in_map != NULL) {
        ddbc_diag_error(b->diag, n->pos,
                        "attribute '%s' of map '%s' cannot be encrypted: encrypted values are bound to their "
                        "model's table and item; encrypt a model attribute instead",
                        a->name, in_map);
    } else if (n->kind == DDBC_NODE_SCALAR) {
        bld_get_bool(b, n, bld_say(&what, "'encrypt' of attribute '%s'", a->name), &on);
    } else if (bld_expect_kind(b, n, DDBC_NODE_MAPPING, bld_say(&what, "'encrypt' of attribute '%s'", a->name),
                               "true, or {deterministic: true}")) {
        const ddbc_node *v[BLD_LEN(encrypt_fields)] = {0};
        bld_match_fields(b, n, encrypt_fields, BLD_LEN(encrypt_fields), ddb_buf_cstr(&what), n->pos, v);
        on = true;
        if (v[E_DETERMINISTIC] != NULL)
            bld_get_bool(b, v[E_DETERMINISTIC],
                         bld_say(&what, "'deterministic' of the encryption of attribute '%s'", a->name),
                         &deterministic);
    }
    a->encrypt = !on ? DDB_ENCRYPT_NONE : deterministic ? DDB_ENCRYPT_DETERMINISTIC : DDB_ENCRYPT_RANDOM;
    ddb_buf_free(&what);
}

/* ---- s3 ----------------------------------------------------------------------- */

enum { S_BUCKET, S_PREFIX };
static const field s3_fields[] = {[S_BUCKET] = {"bucket", FIELD_REQUIRED}, [S_PREFIX] = {"prefix", FIELD_OPTIONAL}};

/* Whether `name` is a valid S3 bucket name (3-63 of a-z 0-9 . -, starting
 * and ending with a letter or digit). */
static bool bucket_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n < 3 || n > 63 || !isalnum((unsigned char)name[0]) || !isalnum((unsigned char)name[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
            return false;
    }
    return true;
}

/* `s3: {bucket: forum-bodies, prefix: threads/}`. */
static void build_s3(builder *b, ddbc_attr *a, const ddbc_node *n, const char *in_map)
{
    ddb_buf what = DDB_BUF_INIT;
    if (!ddb_type(a->type)->compressible) {
        ddbc_diag_error(b->diag, n->pos,
                        "attribute '%s' has type %s, which cannot be stored in S3: 's3' applies to string, "
                        "binary and json",
                        a->name, ddb_type(a->type)->name);
    } else if (in_map != NULL) {
        ddbc_diag_error(b->diag, n->pos,
                        "attribute '%s' of map '%s' cannot be stored in S3: objects are named after their "
                        "model's table and item; store a model attribute in S3 instead",
                        a->name, in_map);
    } else if (bld_expect_kind(b, n, DDBC_NODE_MAPPING, bld_say(&what, "'s3' of attribute '%s'", a->name),
                               "{bucket: my-bucket, prefix: some/prefix/}")) {
        const ddbc_node *v[BLD_LEN(s3_fields)] = {0};
        bld_match_fields(b, n, s3_fields, BLD_LEN(s3_fields), ddb_buf_cstr(&what), n->pos, v);
        if (v[S_BUCKET] != NULL) {
            a->s3_bucket = bld_get_string(b, v[S_BUCKET], bld_say(&what, "'bucket' of attribute '%s'", a->name));
            if (a->s3_bucket != NULL && !bucket_name_ok(a->s3_bucket))
                ddbc_diag_error(b->diag, v[S_BUCKET]->pos,
                                "'bucket' of attribute '%s' is not an S3 bucket name: 3 to 63 of a-z, 0-9, "
                                "'.' and '-', starting and ending with a letter or digit",
                                a->name);
        }
        if (v[S_PREFIX] != NULL) {
            a->s3_prefix = bld_get_string(b, v[S_PREFIX], bld_say(&what, "'prefix' of attribute '%s'", a->name));
            size_t len = a->s3_prefix != NULL ? strlen(a->s3_prefix) : 0;
            if (a->s3_prefix != NULL && (len == 0 || a->s3_prefix[len - 1] != '/' || a->s3_prefix[0] == '/'))
                ddbc_diag_error(b->diag, v[S_PREFIX]->pos,
                                "'prefix' of attribute '%s' must end with '/' and not start with one (\"%s\")",
                                a->name, a->s3_prefix);
        }
    }
    if (a->encrypt != DDB_ENCRYPT_NONE)
        ddbc_diag_error(b->diag, n->pos,
                        "attribute '%s' is encrypted and stored in S3: not supported together yet; choose one",
                        a->name);
    ddb_buf_free(&what);
}

/* ---- attributes (continued) ------------------------------------------------------ */

enum { A_TYPE, A_NULL, A_DEFAULT, A_DEFAULT_FOR_NEW, A_ATTR_NAME, A_DOC, A_OF, A_COMPRESS, A_ENCRYPT, A_S3 };
static const field attr_fields[] = {
    [A_TYPE] = {"type", FIELD_REQUIRED},
    [A_NULL] = {"null", FIELD_OPTIONAL},
    [A_DEFAULT] = {"default", FIELD_OPTIONAL},
    [A_DEFAULT_FOR_NEW] = {"default_for_new", FIELD_OPTIONAL},
    [A_ATTR_NAME] = {"attr_name", FIELD_OPTIONAL},
    [A_DOC] = {"doc", FIELD_OPTIONAL},
    [A_OF] = {"of", FIELD_OPTIONAL},
    [A_COMPRESS] = {"compress", FIELD_OPTIONAL},
    [A_ENCRYPT] = {"encrypt", FIELD_OPTIONAL},
    [A_S3] = {"s3", FIELD_OPTIONAL},
};

/* Both defaults, which exclude each other. */
static void build_defaults(builder *b, ddbc_attr *a, const ddbc_node *const *v)
{
    if (v[A_DEFAULT] != NULL && v[A_DEFAULT_FOR_NEW] != NULL)
        ddbc_diag_error(b->diag, v[A_DEFAULT_FOR_NEW]->pos,
                        "attribute '%s' has both 'default' and 'default_for_new'; keep one "
                        "(default_for_new applies only when an item is created)",
                        a->name);
    else if (v[A_DEFAULT] != NULL)
        build_default(b, a, v[A_DEFAULT], "default");
    else if (v[A_DEFAULT_FOR_NEW] != NULL) {
        build_default(b, a, v[A_DEFAULT_FOR_NEW], "default_for_new");
        a->default_for_new = a->has_default;
    }
}

static void build_attr(builder *b, ddbc_attr *a, const ddbc_pair *decl, const char *in_map)
{
    a->name = bld_own(b, decl->key->text, decl->key->pos);
    a->pos = a->attr_name_pos = decl->key->pos;
    a->map_index = a->elem_map_index = -1;
    ddb_buf owner = DDB_BUF_INIT, what = DDB_BUF_INIT;
    bld_say(&owner, "attribute '%s'", decl->key->text);
    if (a->name == NULL ||
        !bld_expect_kind(b, decl->value, DDBC_NODE_MAPPING, ddb_buf_cstr(&owner), "{type: string}"))
        goto done;
    const ddbc_node *v[BLD_LEN(attr_fields)] = {0};
    bld_match_fields(b, decl->value, attr_fields, BLD_LEN(attr_fields), ddb_buf_cstr(&owner),
                     a->pos, v);
    bool typed = v[A_TYPE] != NULL && build_type(b, a, v[A_TYPE], in_map);
    if (v[A_OF] != NULL && typed)
        build_of(b, a, v[A_OF]);
    if (v[A_NULL] != NULL)
        bld_get_bool(b, v[A_NULL], bld_say(&what, "'null' of attribute '%s'", a->name),
                     &a->nullable);
    if (typed && a->nullable)
        check_nullable(b, a, v[A_NULL]);
    if (typed)
        build_defaults(b, a, v);
    if (v[A_ATTR_NAME] != NULL) {
        a->attr_name_pos = v[A_ATTR_NAME]->pos;
        a->attr_name = bld_get_string(b, v[A_ATTR_NAME],
                                      bld_say(&what, "'attr_name' of attribute '%s'", a->name));
    } else {
        a->attr_name = bld_own(b, a->name, a->pos);
    }
    if (v[A_DOC] != NULL)
        a->doc = bld_get_string(b, v[A_DOC], bld_say(&what, "'doc' of attribute '%s'", a->name));
    if (typed && v[A_COMPRESS] != NULL)
        build_compress(b, a, v[A_COMPRESS]);
    if (typed && v[A_ENCRYPT] != NULL)
        build_encrypt(b, a, v[A_ENCRYPT], in_map);
    if (typed && v[A_S3] != NULL)
        build_s3(b, a, v[A_S3], in_map);
done:
    ddb_buf_free(&owner);
    ddb_buf_free(&what);
}

void bld_attrs(builder *b, const ddbc_node *n, const char *map, const char *what, bool may_be_empty,
               ddbc_attr **attrs, size_t *n_attrs)
{
    if (!bld_expect_kind(b, n, DDBC_NODE_MAPPING, what, "{forum: {type: string}}"))
        return;
    if (n->n_pairs == 0) {
        if (!may_be_empty)
            ddbc_diag_error(b->diag, n->pos, "%s is empty; declare at least %s", what,
                            map != NULL ? "one attribute" : "the key attributes");
        return;
    }
    *attrs = calloc(n->n_pairs, sizeof **attrs);
    if (*attrs == NULL) {
        bld_out_of_memory(b, n->pos);
        return;
    }
    for (size_t i = 0; i < n->n_pairs; i++)
        build_attr(b, &(*attrs)[(*n_attrs)++], &n->pairs[i], map);
}

void bld_copy_attr(builder *b, ddbc_attr *dst, const ddbc_attr *src)
{
    *dst = *src;
    dst->name = bld_own_opt(b, src->name, src->pos);
    dst->attr_name = bld_own_opt(b, src->attr_name, src->pos);
    dst->default_text = bld_own_opt(b, src->default_text, src->pos);
    dst->doc = bld_own_opt(b, src->doc, src->pos);
    dst->s3_bucket = bld_own_opt(b, src->s3_bucket, src->pos);
    dst->s3_prefix = bld_own_opt(b, src->s3_prefix, src->pos);
    dst->default_items = NULL;
    dst->n_default_items = 0;
    if (src->n_default_items == 0)
        return;
    dst->default_items = calloc(src->n_default_items, sizeof *dst->default_items);
    if (dst->default_items == NULL) {
        bld_out_of_memory(b, src->pos);
        return;
    }
    dst->n_default_items = src->n_default_items;
    for (size_t k = 0; k < src->n_default_items; k++)
        dst->default_items[k] = bld_own(b, src->default_items[k], src->pos);
}
