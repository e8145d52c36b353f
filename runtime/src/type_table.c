/* type_table.c - the one table of attribute types (see type_table.h). */
#include "feature_macros.h" /* first: feature-test macros before any system header */

#include "type_table.h"

#include <stdint.h>
#include <string.h>

#define NO_DEFAULT_CONTAINER "defaults of lists, maps and documents are not supported"

const ddb_type_info ddb_types[DDB_FT_COUNT] = {
    [DDB_FT_STRING] = {
        .c_enum = "DDB_FT_STRING",
        .encryptable = true,
        .compressible = true,
        .name = "string", .key = true, .list_elem = true,
        .wire = DDB_AV_S, .elem = DDB_FT_STRING, .c_size = sizeof(char *),
        .c_type = "char *", .param = "const char *", .array_param = "const char *const *", .gate = "DDB_ARG_STRING",
        .default_fn = "ddb_strdup",
        .cmp = DDB_TYPE_CMP_ORDER, .begins_with = true, .in = true, .size = true, .settable = true,
        .contains = DDB_FT_STRING,
        .absent = "NULL",
    },
    [DDB_FT_INT64] = {
        .c_enum = "DDB_FT_INT64",
        .encryptable = true,
        .name = "int64", .key = true, .list_elem = true,
        .wire = DDB_AV_N, .elem = DDB_FT_INT64, .c_size = sizeof(int64_t),
        .c_type = "int64_t ", .param = "int64_t ", .array_param = "const int64_t *", .gate = "DDB_ARG_INT64", .presence = true,
        .cmp = DDB_TYPE_CMP_ORDER, .in = true, .arith = true, .settable = true,
        .contains = DDB_FT_NONE,
    },
    [DDB_FT_DOUBLE] = {
        .c_enum = "DDB_FT_DOUBLE",
        .encryptable = true,
        .name = "double", .key = true, .list_elem = true,
        .wire = DDB_AV_N, .elem = DDB_FT_DOUBLE, .c_size = sizeof(double),
        .c_type = "double ", .param = "double ", .array_param = "const double *", .gate = "DDB_ARG_DOUBLE", .presence = true,
        .cmp = DDB_TYPE_CMP_ORDER, .in = true, .arith = true, .settable = true,
        .contains = DDB_FT_NONE,
    },
    [DDB_FT_BOOL] = {
        .c_enum = "DDB_FT_BOOL",
        .name = "bool", .list_elem = true,
        .wire = DDB_AV_BOOL, .elem = DDB_FT_BOOL, .c_size = sizeof(bool),
        .c_type = "bool ", .param = "bool ", .gate = "DDB_ARG_BOOL", .presence = true,
        .cmp = DDB_TYPE_CMP_EQUALITY, .settable = true,
        .contains = DDB_FT_NONE,
    },
    [DDB_FT_BINARY] = {
        .c_enum = "DDB_FT_BINARY",
        .encryptable = true,
        .compressible = true,
        .name = "binary", .key = true, .list_elem = true,
        .wire = DDB_AV_B, .elem = DDB_FT_BINARY, .c_size = sizeof(ddb_bytes),
        .c_type = "ddb_bytes ", .param = "ddb_bytes ", .array_param = "const ddb_bytes *",
        .default_fn = "ddb_bytes_from_base64",
        .cmp = DDB_TYPE_CMP_ORDER, .begins_with = true, .in = true, .size = true, .settable = true,
        .contains = DDB_FT_NONE,
        .absent = "data is NULL",
    },
    [DDB_FT_DECIMAL] = {
        .c_enum = "DDB_FT_DECIMAL",
        .name = "decimal", .key = true, .list_elem = true,
        .wire = DDB_AV_N, .elem = DDB_FT_DECIMAL, .c_size = sizeof(char *),
        .c_type = "char *", .param = "const char *", .array_param = "const char *const *", .gate = "DDB_ARG_STRING",
        .default_fn = "ddb_strdup",
        .cmp = DDB_TYPE_CMP_ORDER, .in = true, .arith = true, .settable = true,
        .contains = DDB_FT_NONE,
        .absent = "NULL",
    },
    [DDB_FT_DATETIME] = {
        .c_enum = "DDB_FT_DATETIME",
        .name = "utc_datetime", .key = true, .list_elem = true,
        .wire = DDB_AV_S, .elem = DDB_FT_DATETIME, .c_size = sizeof(ddb_time),
        .c_type = "ddb_time ", .param = "ddb_time ", .array_param = "const ddb_time *", .default_fn = "ddb_time_of",
        .presence = true,
        .cmp = DDB_TYPE_CMP_ORDER, .in = true, .settable = true,
        .contains = DDB_FT_NONE,
    },
    [DDB_FT_JSON] = {
        .c_enum = "DDB_FT_JSON",
        .encryptable = true,
        .compressible = true,
        .name = "json", .list_elem = true,
        .wire = DDB_AV_S, .elem = DDB_FT_JSON, .c_size = sizeof(char *),
        .c_type = "char *", .param = "const char *", .gate = "DDB_ARG_STRING", .default_fn = "ddb_strdup",
        .cmp = DDB_TYPE_CMP_EQUALITY, .size = true, .settable = true,
        .contains = DDB_FT_NONE,
        .absent = "NULL",
    },
    [DDB_FT_STRING_SET] = {
        .c_enum = "DDB_FT_STRING_SET",
        .name = "string_set",
        .wire = DDB_AV_SS, .elem = DDB_FT_STRING, .c_size = sizeof(ddb_strset),
        .c_type = "ddb_strset ", .param = "ddb_strset ", .default_fn = "ddb_strset_of",
        .size = true, .set_ops = true, .settable = true,
        .contains = DDB_FT_STRING,
        .absent = "empty", .removable = true,
    },
    [DDB_FT_NUMBER_SET] = {
        .c_enum = "DDB_FT_NUMBER_SET",
        .name = "number_set",
        .wire = DDB_AV_NS, .elem = DDB_FT_DECIMAL, .c_size = sizeof(ddb_numset),
        .c_type = "ddb_numset ", .param = "ddb_numset ", .default_fn = "ddb_numset_of",
        .size = true, .set_ops = true, .settable = true,
        .contains = DDB_FT_DECIMAL,
        .absent = "empty", .removable = true,
    },
    [DDB_FT_BINARY_SET] = {
        .c_enum = "DDB_FT_BINARY_SET",
        .name = "binary_set",
        .wire = DDB_AV_BS, .elem = DDB_FT_BINARY, .c_size = sizeof(ddb_binset),
        .c_type = "ddb_binset ", .param = "ddb_binset ",
        .default_fn = "ddb_binset_of_base64",
        .size = true, .set_ops = true, .settable = true,
        .contains = DDB_FT_BINARY,
        .absent = "empty", .removable = true,
    },
    [DDB_FT_LIST] = {
        .c_enum = "DDB_FT_LIST",
        .name = "list", .no_default = NO_DEFAULT_CONTAINER,
        .wire = DDB_AV_L, .elem = DDB_FT_DOCUMENT, .presence = true,
        .size = true, .settable = true,
        .contains = DDB_FT_LIST, /* its element type */
        .removable = true,
    },
    [DDB_FT_MAP] = {
        .c_enum = "DDB_FT_MAP",
        .name = "map", .no_default = NO_DEFAULT_CONTAINER,
        .wire = DDB_AV_M, .elem = DDB_FT_MAP, .presence = true,
        .size = true, .settable = true,
        .contains = DDB_FT_NONE,
    },
    [DDB_FT_DOCUMENT] = {
        .c_enum = "DDB_FT_DOCUMENT",
        .name = "document", .no_default = NO_DEFAULT_CONTAINER,
        .wire = DDB_AV_NULL, .any_wire = true, .elem = DDB_FT_DOCUMENT, .c_size = sizeof(ddb_av *),
        .c_type = "ddb_av *", .param = "const ddb_av *", .gate = "DDB_ARG_DOCUMENT",
        .size = true, .settable = true, .is_type = true,
        .contains = DDB_FT_NONE,
        .absent = "NULL", .removable = true,
    },
    [DDB_FT_NULL] = {
        .c_enum = "DDB_FT_NULL",
        .name = "null", .no_default = "its value is always NULL",
        .wire = DDB_AV_NULL, .elem = DDB_FT_NULL, .c_size = sizeof(bool),
        .c_type = "bool ", .settable = true,
        .contains = DDB_FT_NONE,
    },
    [DDB_FT_TTL] = {
        .c_enum = "DDB_FT_TTL",
        .name = "ttl", .model_only = true, .no_default = "give each item its own expiry time",
        .wire = DDB_AV_N, .elem = DDB_FT_TTL, .c_size = sizeof(int64_t),
        .c_type = "int64_t ", .param = "int64_t ", .array_param = "const int64_t *", .gate = "DDB_ARG_INT64", .presence = true,
        .cmp = DDB_TYPE_CMP_ORDER, .in = true, .arith = true, .settable = true,
        .contains = DDB_FT_NONE,
        .note = "expiry, epoch seconds",
    },
    [DDB_FT_VERSION] = {
        .c_enum = "DDB_FT_VERSION",
        .name = "version", .model_only = true,
        .no_default = "ddbc manages it (absent until the first write, then incremented)",
        .never_null = "ddbc writes it with every item",
        .wire = DDB_AV_N, .elem = DDB_FT_VERSION, .c_size = sizeof(int64_t),
        .c_type = "int64_t ", .param = "int64_t ", .array_param = "const int64_t *", .gate = "DDB_ARG_INT64",
        .cmp = DDB_TYPE_CMP_ORDER, .in = true,
        .contains = DDB_FT_NONE,
        .note = "optimistic locking: 0 until saved, bumped by every write",
    },
    [DDB_FT_DISCRIMINATOR] = {
        .c_enum = "DDB_FT_DISCRIMINATOR",
        .name = "discriminator", .model_only = true,
        .no_default = "ddbc sets it from the model's 'discriminator' value",
        .never_null = "every item stores the discriminator value of its model",
        .wire = DDB_AV_S, .elem = DDB_FT_DISCRIMINATOR, .c_size = sizeof(char *),
        .c_type = "char *", .param = "const char *", .array_param = "const char *const *", .gate = "DDB_ARG_STRING",
        .cmp = DDB_TYPE_CMP_EQUALITY, .in = true,
        .contains = DDB_FT_NONE,
        .absent = "NULL",
    },
};

bool ddb_type_from_name(const char *name, ddb_ftype *out)
{
    for (int t = 0; t < DDB_FT_COUNT; t++) {
        if (strcmp(ddb_types[t].name, name) == 0) {
            *out = (ddb_ftype)t;
            return true;
        }
    }
    return false;
}
