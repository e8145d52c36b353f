/*
 * build_int.h - internals shared by the builder's files (see build.h).
 *
 *   build_util.c   messages, "did you mean", keys of a mapping, scalars
 *   build_attr.c   attributes of models and maps: types, options, defaults
 *   build.c        the schema: maps, models, keys, billing, indexes,
 *                  inheritance and the per-model special attributes
 *   map_order.c    containment of maps: cycles and declaration order
 *
 * Not a public header: nothing outside these files includes it.
 */
#ifndef DDBC_BUILD_INT_H
#define DDBC_BUILD_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "ddb/buf.h"
#include "diag.h"
#include "ir.h"
#include "load.h"

#if defined(__GNUC__)
#define BLD_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define BLD_PRINTF(fmt, args)
#endif

#define BLD_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Builder state for one schema file. */
typedef struct builder {
    ddbc_diag *diag;
    bool oom_reported;
    /* the declared maps: their names are known before any attribute is built */
    const ddbc_map *maps;
    size_t n_maps;
} builder;

/* ---- messages ------------------------------------------------------------ */

/* Replaces the content of `buf` with the formatted text and returns it. */
const char *bld_say(ddb_buf *buf, const char *fmt, ...) BLD_PRINTF(2, 3);

/* Reports "out of memory" at `pos`, once per builder. */
void bld_out_of_memory(builder *b, ddbc_pos pos);

/* A copy of `text`, or NULL (reported) when out of memory. */
char *bld_own(builder *b, const char *text, ddbc_pos pos);

/* A copy of `text` (NULL stays NULL), or NULL (reported) when out of memory. */
char *bld_own_opt(builder *b, const char *text, ddbc_pos pos);

/*
 * How a value appears in messages: 'text' for a plain scalar, "text"
 * (quoted) for a quoted one, else "a mapping" / "a sequence". Written into
 * `buf`, which the caller frees.
 */
const char *bld_describe(ddb_buf *buf, const ddbc_node *n);

/* Reports "<what> must be <valid>, not <value>". */
void bld_must_be(builder *b, const ddbc_node *n, const char *what, const char *valid);

/*
 * Checks that `n` is of kind `want`; otherwise reports "<what> must be a
 * <want>, not a <kind>" followed by `hint` (an example, may be NULL).
 */
bool bld_expect_kind(builder *b, const ddbc_node *n, ddbc_node_kind want, const char *what,
                     const char *hint);

/* Entry i of a list of names; NULL entries are skipped. */
typedef const char *name_at_fn(const void *list, size_t i);

/* name_at_fn over an array of `const char *`. */
const char *bld_string_at(const void *list, size_t i);

/*
 * Appends " (did you mean 'x'? <label>: a, b, c)" to `msg`: the closest
 * name to `got` if it is close enough (among the first 1000), then the
 * names of the list (the first 50, then " and N more"). An empty `got`
 * asks for the list alone.
 */
void bld_append_choices(ddb_buf *msg, const char *got, const char *label, name_at_fn *name_at,
                        const void *list, size_t n);

/* Reports that `n` is none of the valid forms: "invalid <what>: 'x' (...)". */
void bld_invalid_choice(builder *b, const ddbc_node *n, const char *what, name_at_fn *name_at,
                        const void *list, size_t count);

/* ---- keys of a mapping ------------------------------------------------------ */

typedef enum field_kind {
    FIELD_OPTIONAL,
    FIELD_REQUIRED,
    FIELD_LATER /* recognised (docs/design.md section 2), not supported yet */
} field_kind;

typedef struct field {
    const char *key;
    field_kind kind;
} field;

/*
 * Matches the keys of `map` against `fields`: vals[i] is the value given for
 * fields[i] or NULL. Reports unknown keys, keys not supported yet, and
 * missing required keys (at `owner_pos`). `owner` names the mapping in
 * messages ("model 'thread'").
 */
void bld_match_fields(builder *b, const ddbc_node *map, const field *fields, size_t n_fields,
                      const char *owner, ddbc_pos owner_pos, const ddbc_node **vals);

/* The pair of `map` whose key is `key`; NULL when none or when `map` is not a mapping. */
const ddbc_pair *bld_find_key(const ddbc_node *map, const char *key);

/* ---- scalars ---------------------------------------------------------------- */

/* The text of scalar `n` if it has a value; otherwise reports and returns NULL. */
const char *bld_get_text(builder *b, const ddbc_node *n, const char *what);

/* A copy of the text of scalar `n`, or NULL (reported). */
char *bld_get_string(builder *b, const ddbc_node *n, const char *what);

/* Parses a YAML 1.2 core boolean (plain true/True/TRUE/false/False/FALSE). */
bool bld_parse_bool(const ddbc_node *n, bool *out);

/* Sets *out from boolean `n`, or reports "<what> must be true or false". */
void bld_get_bool(builder *b, const ddbc_node *n, const char *what, bool *out);

/* Parses a plain decimal integer with an optional sign that fits 64 bits. */
bool bld_parse_int64(const ddbc_node *n, long long *out);

/* ---- attributes (build_attr.c) ------------------------------------------------ */

/*
 * Builds the attributes declared by mapping `n` into a new array (*attrs,
 * *n_attrs). `map` is the name of the map they belong to, NULL for a
 * model; `what` names the mapping in messages. An empty mapping is
 * reported unless `may_be_empty`.
 */
void bld_attrs(builder *b, const ddbc_node *n, const char *map, const char *what, bool may_be_empty,
               ddbc_attr **attrs, size_t *n_attrs);

/* Copies `src` into `dst` with every string and array duplicated (reported when out of memory). */
void bld_copy_attr(builder *b, ddbc_attr *dst, const ddbc_attr *src);

/* ---- maps (map_order.c) ---------------------------------------------------------- */

/*
 * Reports every map that contains itself by value, directly or through
 * other maps, with the chain; otherwise fills s->map_order (see ir.h).
 */
void bld_order_maps(builder *b, ddbc_schema *s);

#endif /* DDBC_BUILD_INT_H */
