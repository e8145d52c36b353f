/* build_util.c - the builder's common ground: messages, "did you mean", keys
 * of a mapping, scalars (see build_int.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "build_int.h"

/* ---- messages ---------------------------------------------------------- */

const char *bld_say(ddb_buf *buf, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ddb_buf_reset(buf);
    ddb_buf_vprintf(buf, fmt, ap);
    va_end(ap);
    return ddb_buf_cstr(buf);
}

void bld_out_of_memory(builder *b, ddbc_pos pos)
{
    if (!b->oom_reported)
        ddbc_diag_error(b->diag, pos, "out of memory");
    b->oom_reported = true;
}

char *bld_own(builder *b, const char *text, ddbc_pos pos)
{
    char *p = strdup(text);
    if (p == NULL)
        bld_out_of_memory(b, pos);
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

const char *bld_describe(ddb_buf *buf, const ddbc_node *n)
{
    if (n->kind != DDBC_NODE_SCALAR)
        return bld_say(buf, "%s", kind_name(n->kind));
    return n->plain ? bld_say(buf, "'%s'", n->text) : bld_say(buf, "\"%s\" (quoted)", n->text);
}

void bld_must_be(builder *b, const ddbc_node *n, const char *what, const char *valid)
{
    ddb_buf shown = DDB_BUF_INIT;
    ddbc_diag_error(b->diag, n->pos, "%s must be %s, not %s", what, valid, bld_describe(&shown, n));
    ddb_buf_free(&shown);
}

bool bld_expect_kind(builder *b, const ddbc_node *n, ddbc_node_kind want, const char *what,
                     const char *hint)
{
    if (n->kind == want)
        return true;
    ddbc_diag_error(b->diag, n->pos, "%s must be %s, not %s%s%s", what, kind_name(want),
                    kind_name(n->kind), hint != NULL ? "; e.g. " : "", hint != NULL ? hint : "");
    return false;
}

/* ---- "did you mean" ------------------------------------------------------ */

/* Names longer than SUGGEST_MAX_LEN are never suggested, and only the first
 * SUGGEST_MAX_NAMES names are candidates; at most CHOICES_SHOWN names are
 * listed. So a message costs the same for a model of any size, and a
 * hostile schema cannot make each of many errors list every attribute. */
enum { SUGGEST_MAX_LEN = 64, SUGGEST_MAX_NAMES = 1000, CHOICES_SHOWN = 50 };

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

void bld_append_choices(ddb_buf *msg, const char *got, const char *label, name_at_fn *name_at,
                        const void *list, size_t n)
{
    const char *best = NULL;
    size_t best_d = strlen(got) <= SUGGEST_MAX_LEN ? (strlen(got) + 2) / 3 + 1 : 0;
    for (size_t i = 0; i < n && i < SUGGEST_MAX_NAMES; i++) {
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
    size_t shown = 0, i = 0;
    for (; i < n && shown < CHOICES_SHOWN; i++) {
        const char *name = name_at(list, i);
        if (name != NULL) {
            ddb_buf_printf(msg, "%s%s", sep, name);
            sep = ", ";
            shown++;
        }
    }
    if (i < n)
        ddb_buf_printf(msg, " and %zu more", n - i);
    ddb_buf_putc(msg, ')');
}

const char *bld_string_at(const void *list, size_t i)
{
    return ((const char *const *)list)[i];
}

void bld_invalid_choice(builder *b, const ddbc_node *n, const char *what, name_at_fn *name_at,
                        const void *list, size_t count)
{
    ddb_buf msg = DDB_BUF_INIT, shown = DDB_BUF_INIT;
    ddb_buf_printf(&msg, "invalid %s: %s", what, bld_describe(&shown, n));
    bld_append_choices(&msg, n->kind == DDBC_NODE_SCALAR ? n->text : "", "valid", name_at, list,
                       count);
    ddbc_diag_error(b->diag, n->pos, "%s", ddb_buf_cstr(&msg));
    ddb_buf_free(&msg);
    ddb_buf_free(&shown);
}

/* ---- keys of a mapping --------------------------------------------------- */

static const char *field_name_at(const void *list, size_t i)
{
    const field *f = &((const field *)list)[i];
    return f->kind != FIELD_LATER ? f->key : NULL;
}

void bld_match_fields(builder *b, const ddbc_node *map, const field *fields, size_t n_fields,
                      const char *owner, ddbc_pos owner_pos, const ddbc_node **vals)
{
    ddb_buf msg = DDB_BUF_INIT;
    for (size_t p = 0; p < map->n_pairs; p++) {
        const ddbc_node *key = map->pairs[p].key;
        size_t f = 0;
        while (f < n_fields && strcmp(fields[f].key, key->text) != 0)
            f++;
        if (f == n_fields) {
            bld_say(&msg, "unknown key '%s' in %s", key->text, owner);
            bld_append_choices(&msg, key->text, "valid", field_name_at, fields, n_fields);
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

const char *bld_get_text(builder *b, const ddbc_node *n, const char *what)
{
    if (!bld_expect_kind(b, n, DDBC_NODE_SCALAR, what, NULL))
        return NULL;
    if (ddbc_node_is_null(n)) {
        ddbc_diag_error(b->diag, n->pos, "%s has no value", what);
        return NULL;
    }
    return n->text;
}

char *bld_get_string(builder *b, const ddbc_node *n, const char *what)
{
    const char *text = bld_get_text(b, n, what);
    return text != NULL ? bld_own(b, text, n->pos) : NULL;
}

bool bld_parse_bool(const ddbc_node *n, bool *out)
{
    static const char *const words[] = {"true", "True", "TRUE", "false", "False", "FALSE"};
    if (n->kind != DDBC_NODE_SCALAR || !n->plain)
        return false;
    for (size_t i = 0; i < BLD_LEN(words); i++) {
        if (strcmp(n->text, words[i]) == 0) {
            *out = i < 3;
            return true;
        }
    }
    return false;
}

void bld_get_bool(builder *b, const ddbc_node *n, const char *what, bool *out)
{
    if (!bld_parse_bool(n, out))
        bld_must_be(b, n, what, "true or false");
}

static const char DIGITS[] = "0123456789";

bool bld_parse_int64(const ddbc_node *n, long long *out)
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

char *bld_own_opt(builder *b, const char *text, ddbc_pos pos)
{
    return text != NULL ? bld_own(b, text, pos) : NULL;
}

const ddbc_pair *bld_find_key(const ddbc_node *map, const char *key)
{
    for (size_t i = 0; map->kind == DDBC_NODE_MAPPING && i < map->n_pairs; i++)
        if (strcmp(map->pairs[i].key->text, key) == 0)
            return &map->pairs[i];
    return NULL;
}
