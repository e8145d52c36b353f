/*
 * author_map.h - a hand-written map descriptor (what ddbc generates for a
 * map {name: string, karma: int64?}) and the list types built on it, shared
 * by the codec tests that write their models by hand (tests/model/test_types.c,
 * tests/extras/test_simple_json.c). Header only: each test program gets its
 * own copy of the (immutable) descriptor.
 */
#ifndef DDBT_AUTHOR_MAP_H
#define DDBT_AUTHOR_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ddb/ddb.h"

/* The map: {name: string, karma: int64?}. Its model name, "t_author",
 * appears in error messages the tests assert. */
typedef struct t_author {
    char *name;
    bool has_karma;
    int64_t karma;
} t_author;

static const ddb_field author_fields[] = {
    {.name = "name", .attr = "name", .type = DDB_FT_STRING, .offset = offsetof(t_author, name),
     .has_offset = DDB_NO_PRESENCE},
    {.name = "karma", .attr = "karma", .type = DDB_FT_INT64, .flags = DDB_FIELD_NULLABLE,
     .offset = offsetof(t_author, karma), .has_offset = offsetof(t_author, has_karma)},
};

static const ddb_model author_map = {
    .name = "t_author", .size = sizeof(t_author), .fields = author_fields, .n_fields = 2,
    .hash_key = -1, .range_key = -1, .version_field = -1, .ttl_field = -1,
    .unknown_offset = DDB_NO_PRESENCE, .discriminator_field = -1,
};

/* A list of string field (DDB_FT_LIST of DDB_FT_STRING): owned strings. */
typedef struct t_list_string {
    char **items;
    size_t n;
} t_list_string;

/* A list of map field (DDB_FT_LIST of DDB_FT_MAP, sub = &author_map). */
typedef struct t_author_list {
    t_author *items;
    size_t n;
} t_author_list;

#endif /* DDBT_AUTHOR_MAP_H */
