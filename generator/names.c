/* names.c - the vocabulary of generated C symbols (see names.h). */
#include "names.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *const ddbc_model_words[] = {
    "cond",          "action",
    "range",         "model",
    "slot",          "defaults",
    "fields",        "init",
    "clear",         "to_item",
    "from_item",     "put",
    "get",           "delete",
    "update",        "query",
    "scan",          "next",
    "create_table",  "delete_table",
    "use_client",    "cond_and",
    "cond_or",       "cond_not",
    "cond_free",     "action_join",
    "action_free",   "range_eq",
    "range_lt",      "range_le",
    "range_gt",      "range_ge",
    "range_between", "range_begins_with",
    /* reading, backups, plain JSON */
    "query_page",    "scan_page",    "count",          "count_estimate", "exists",
    "refresh",       "dump",         "load",           "to_simple_json", "from_simple_json",
    "put_ex",        "update_ex",    "delete_ex", "describe_table", "table_exists",
    "update_throughput", "update_ttl", "table_console_url", "items_console_url", "item_console_url", "use_keyring", "reencrypt", "use_s3", "s3_gc", "s3_fetch", "thread_use_client", "reset_client",
    /* batches and transactions */
    "batch_put",     "batch_delete", "batch_get",      "txn_put",        "txn_update",
    "txn_delete",    "txn_check",    "txn_get",
};
const size_t ddbc_n_model_words = COUNT(ddbc_model_words);

const char *const ddbc_model_families[] = {"cond", "action", "range", "set", "remove"};
const size_t ddbc_n_model_families = COUNT(ddbc_model_families);

const char *const ddbc_attr_ops[] = {"eq", "ne",      "lt",          "le",     "gt",
                                     "ge", "between", "begins_with", "exists", "not_exists"};
const size_t ddbc_n_attr_ops = COUNT(ddbc_attr_ops);

const char *const ddbc_attr_verbs[] = {"set", "remove"};
const size_t ddbc_n_attr_verbs = COUNT(ddbc_attr_verbs);

const char *const ddbc_map_words[] = {"init", "clear", "list"};
const size_t ddbc_n_map_words = COUNT(ddbc_map_words);

const char ddbc_scalar_list_word[] = "list";
