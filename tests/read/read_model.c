/* read_model.c - the descriptors of read_model.h. */
#include <stddef.h>

#include "read_model.h"

static void rd_defaults(void *obj)
{
    ((rd_item *)obj)->note = ddb_strdup("none");
}

#define FIELD(n, t, fl, has)                                                                       \
    {.name = #n, .attr = #n, .type = (t), .flags = (fl), .offset = offsetof(rd_item, n),           \
     .has_offset = (has)}

static const ddb_field rd_fields[] = {
    FIELD(pk, DDB_FT_STRING, DDB_FIELD_HASH_KEY, DDB_NO_PRESENCE),
    FIELD(sk, DDB_FT_INT64, DDB_FIELD_RANGE_KEY, DDB_NO_PRESENCE),
    FIELD(owner, DDB_FT_STRING, DDB_FIELD_NULLABLE, DDB_NO_PRESENCE),
    FIELD(views, DDB_FT_INT64, 0, DDB_NO_PRESENCE),
    FIELD(score, DDB_FT_DOUBLE, DDB_FIELD_NULLABLE, offsetof(rd_item, has_score)),
    FIELD(note, DDB_FT_STRING, 0, DDB_NO_PRESENCE),
};

static const ddb_index rd_indexes[] = {
    {.name = "by_owner", .global = true, .hash_key = RD_OWNER, .range_key = RD_VIEWS,
     .projection = DDB_INDEX_ALL},
    {.name = "by_views", .global = false, .hash_key = RD_PK, .range_key = RD_VIEWS,
     .projection = DDB_INDEX_KEYS_ONLY},
};

static ddb_conn_slot rd_item_slot, rd_other_slot;

#define MODEL(n, tbl, conn, ix, nix)                                                               \
    {.name = n, .table = tbl, .size = sizeof(rd_item), .fields = rd_fields,                        \
     .n_fields = sizeof rd_fields / sizeof rd_fields[0], .hash_key = RD_PK, .range_key = RD_SK,    \
     .billing = DDB_BILLING_PAY_PER_REQUEST, .slot = &(conn), .defaults = rd_defaults,             \
     .indexes = (ix), .n_indexes = (nix), .version_field = -1, .ttl_field = -1,                    \
     .unknown_offset = DDB_NO_PRESENCE, .discriminator_field = -1}

const ddb_model rd_item_model = MODEL("rd_item", "ReadItems", rd_item_slot, rd_indexes, 2);
const ddb_model rd_other_model = MODEL("rd_other", "ReadOther", rd_other_slot, NULL, 0);
