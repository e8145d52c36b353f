/*
 * av_internal.h - INTERNAL to libddb: the parts of the AttributeValue model
 * that the JSON parsers need but users must not (they bypass checks the
 * public API makes).
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

/* DynamoDB's number rules: number.h. */
#include "number.h"

#endif /* DDB_AV_INTERNAL_H */
