/*
 * av_internal.h - INTERNAL to libddb: the parts of the AttributeValue model
 * that the JSON parsers need but users must not (they bypass checks the
 * public API makes), and the number conversions shared with json_doc.c.
 *
 * Thread safety: as av.h (plain data, reentrant functions).
 */
#ifndef DDB_AV_INTERNAL_H
#define DDB_AV_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "ddb/av.h"

/*
 * New S, N or B node with room for `len` bytes of payload, which the caller
 * fills: u.str.len is `len` and u.str.ptr[len] is already NUL. The payload
 * lives in the same allocation as the node. NULL (DDB_ENOMEM recorded) when
 * out of memory.
 */
ddb_av *ddb_av_str_alloc(ddb_av_type t, size_t len);

/* Wire tags indexed by type; ddb_av_type_tag reads this table. */
extern const char *const ddb_av_tags[DDB_AV_M + 1];

/* Element type of a set type: S for SS, N for NS, B for BS. */
ddb_av_type ddb_av_set_element(ddb_av_type set);

/*
 * Appends member (name, child) to an M node *without* checking that the
 * name is new (the parser checks all names at once with
 * ddb_av_map_has_duplicate). Takes ownership of the malloc'ed `name`
 * (NUL-terminated, `name_len` bytes) and of `child` in every case.
 * Returns 0 or DDB_ENOMEM.
 */
int ddb_av_map_append(ddb_av *map, char *name, size_t name_len, ddb_av *child);

/*
 * Whether two members of M node `map` share a name. O(n log n); `*dup`
 * receives one of the repeated names. Returns 1 (duplicate), 0 (none) or
 * DDB_ENOMEM.
 */
int ddb_av_map_has_duplicate(const ddb_av *map, const char **dup);

/*
 * Why `len` bytes of text are not a valid DynamoDB number, as a static
 * phrase ("more than 38 significant digits", ...), or NULL when valid.
 * ddb_number_check is this plus error recording.
 */
const char *ddb_number_problem(const char *text, size_t len);

/*
 * Number text -> int64, exactly: any notation of an integral value within
 * range ("12", "1.2e1", "120E-1") converts; others do not. Returns NULL or
 * a static phrase saying why not. Records nothing.
 */
const char *ddb_number_to_i64(const char *text, size_t len, int64_t *out);

/*
 * NUL-terminated number text (syntax already checked by the caller) ->
 * nearest double, independent of the process locale. Returns NULL or a
 * static phrase saying why not (not finite). Records nothing.
 */
const char *ddb_number_to_double(const char *text, double *out);

/*
 * As ddb_number_to_double, but only when the double holds the number
 * exactly as far as DynamoDB is concerned: written back (shortest text
 * that reads back as the same double) it is the same DynamoDB number.
 * "0.1", "1e20", "100000000000000000000" and "-0.0" are; "0.1000000000000000000001"
 * and "9007199254740993" are not ("more precision than a double holds").
 * `text` is `len` bytes, syntax not yet checked. Returns NULL or a static
 * phrase saying why not. Records nothing.
 */
const char *ddb_number_to_double_exact(const char *text, size_t len, double *out);

/* The shortest of %.15g, %.16g, %.17g that reads back as exactly `v`
 * (finite), in the "C" numeric locale. */
void ddb_double_shortest(double v, char out[32]);

#endif /* DDB_AV_INTERNAL_H */
