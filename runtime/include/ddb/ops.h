/*
 * ddb/ops.h - typed low-level DynamoDB operations.
 *
 * One function per DynamoDB API call, with input structs that mirror the
 * AWS API and output structs that own what they return:
 *
 *     ddb_put_item_input in = DDB_PUT_ITEM_INPUT_INIT;
 *     in.table_name = "Thread";
 *     in.item = item;                                   // an M tree
 *     in.condition_expression = "attribute_not_exists(#n0)";
 *     in.names = names;                                 // M: "#n0" -> S "forum"
 *     ddb_write_item_output out;
 *     int rc = ddb_put_item(&out, client, &in);
 *     ...
 *     ddb_write_item_output_free(&out);
 *
 * Inputs: every pointer is borrowed for the duration of the call. NULL
 * strings/trees and zero numbers mean "not sent" (the service default);
 * enums whose first value is *_NONE / *_UNSET / *_DEFAULT likewise. Items,
 * keys, ExclusiveStartKey and ExpressionAttributeValues are M trees written
 * in item form; ExpressionAttributeNames (`names`) is an M of S values
 * ("#n0" -> S "real name") written as plain JSON strings.
 *
 * Validation before sending (DDB_EINVAL, or DDB_ELIMIT for counts; the
 * message names the operation and the field path, e.g. "TransactWriteItems:
 * TransactItems[2].Update.UpdateExpression is required"): required table
 * names, keys and items present and non-empty maps, expression names of
 * type S, enum values in range, at most 25 write requests per
 * BatchWriteItem, 100 keys per BatchGetItem and 100 items per transaction.
 * Everything else is left to the service.
 *
 * Outputs: each call initialises its output first, so it needs no set-up;
 * release it with its *_output_free after *every* call, success or
 * failure (on failure it may hold error detail: cancellation reasons, or
 * the old item of a failed condition). Every string, array and ddb_av tree
 * reachable from an output is owned by it. A `ddb_av *` field (not `const
 * ddb_av *`) may be taken: copy the pointer and set the field to NULL, and
 * *_output_free leaves it alone. Outputs also carry a private `mem` field;
 * do not touch it.
 *
 * Errors: 0 or a negative DDB_E* code with the detail in ddb_last_error()
 * (operation, table, AWS type and message, HTTP status, request id,
 * attempts); see ddb/client.h. A missing item is *not* an error: GetItem
 * returns 0 with item NULL. DDB_EPROTOCOL means the response could not be
 * understood.
 *
 * Thread safety: every function is safe to call concurrently (a client may
 * be shared); inputs are only read. Each thread keeps two scratch buffers
 * for request and response text, reused across calls (released when the
 * thread exits, or by ddb_ops_thread_cleanup).
 */
#ifndef DDB_OPS_H
#define DDB_OPS_H

#include "ddb/export.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ddb/av.h"
#include "ddb/client.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Private: the memory an output owns besides its top-level trees. */
typedef struct ddb_out_mem ddb_out_mem;

/* ------------------------------------------------------------------ */
/* Shared vocabulary                                                  */
/* ------------------------------------------------------------------ */

/* ReturnValues. NONE is not sent. */
typedef enum ddb_return_values {
    DDB_RETURN_NONE = 0,
    DDB_RETURN_ALL_OLD,
    DDB_RETURN_UPDATED_OLD,
    DDB_RETURN_ALL_NEW,
    DDB_RETURN_UPDATED_NEW
} ddb_return_values;

/* ReturnValuesOnConditionCheckFailure. NONE is not sent. */
typedef enum ddb_return_on_failure {
    DDB_RETURN_ON_FAILURE_NONE = 0,
    DDB_RETURN_ON_FAILURE_ALL_OLD
} ddb_return_on_failure;

/* ReturnConsumedCapacity. NONE is not sent. */
typedef enum ddb_return_capacity {
    DDB_CAPACITY_NONE = 0,
    DDB_CAPACITY_TOTAL,
    DDB_CAPACITY_INDEXES
} ddb_return_capacity;

/* Select (Query, Scan). DEFAULT is not sent. */
typedef enum ddb_select {
    DDB_SELECT_DEFAULT = 0,
    DDB_SELECT_ALL_ATTRIBUTES,
    DDB_SELECT_ALL_PROJECTED_ATTRIBUTES,
    DDB_SELECT_SPECIFIC_ATTRIBUTES,
    DDB_SELECT_COUNT
} ddb_select;

/* ConsumedCapacity of one table (per-index detail is not kept). */
typedef struct ddb_consumed_capacity {
    const char *table_name; /* NULL when the response had none */
    double capacity_units;
    double read_capacity_units;
    double write_capacity_units;
} ddb_consumed_capacity;

/* ------------------------------------------------------------------ */
/* Items: GetItem, PutItem, UpdateItem, DeleteItem                    */
/* ------------------------------------------------------------------ */

typedef struct ddb_get_item_input {
    const char *table_name;            /* required */
    const ddb_av *key;                 /* required, M */
    bool consistent_read;
    const char *projection_expression;
    const ddb_av *names;
    ddb_return_capacity return_consumed_capacity;
} ddb_get_item_input;

#define DDB_GET_ITEM_INPUT_INIT {0}

typedef struct ddb_get_item_output {
    ddb_av *item;                      /* NULL when there is no such item */
    ddb_consumed_capacity consumed;
    ddb_out_mem *mem;
} ddb_get_item_output;

typedef struct ddb_put_item_input {
    const char *table_name;            /* required */
    const ddb_av *item;                /* required, M */
    const char *condition_expression;
    const ddb_av *names;
    const ddb_av *values;
    ddb_return_values return_values;   /* NONE or ALL_OLD */
    ddb_return_capacity return_consumed_capacity;
    ddb_return_on_failure return_values_on_failure;
} ddb_put_item_input;

#define DDB_PUT_ITEM_INPUT_INIT {0}

typedef struct ddb_update_item_input {
    const char *table_name;            /* required */
    const ddb_av *key;                 /* required, M */
    const char *update_expression;
    const char *condition_expression;
    const ddb_av *names;
    const ddb_av *values;
    ddb_return_values return_values;
    ddb_return_capacity return_consumed_capacity;
    ddb_return_on_failure return_values_on_failure;
} ddb_update_item_input;

#define DDB_UPDATE_ITEM_INPUT_INIT {0}

typedef struct ddb_delete_item_input {
    const char *table_name;            /* required */
    const ddb_av *key;                 /* required, M */
    const char *condition_expression;
    const ddb_av *names;
    const ddb_av *values;
    ddb_return_values return_values;   /* NONE or ALL_OLD */
    ddb_return_capacity return_consumed_capacity;
    ddb_return_on_failure return_values_on_failure;
} ddb_delete_item_input;

#define DDB_DELETE_ITEM_INPUT_INIT {0}

/* Output of PutItem, UpdateItem and DeleteItem. */
typedef struct ddb_write_item_output {
    /* Attributes asked for with return_values; NULL when none. After
     * DDB_ECONDITION with return_values_on_failure ALL_OLD: the item as it
     * was (NULL when it did not exist). */
    ddb_av *attributes;
    ddb_consumed_capacity consumed;
    ddb_out_mem *mem;
} ddb_write_item_output;

/* GetItem. Returns 0 with out->item NULL when the item does not exist. */
DDB_API int ddb_get_item(ddb_get_item_output *out, ddb_client *c, const ddb_get_item_input *in);
/* PutItem. DDB_ECONDITION when condition_expression is false. */
DDB_API int ddb_put_item(ddb_write_item_output *out, ddb_client *c, const ddb_put_item_input *in);
/* UpdateItem. DDB_ECONDITION when condition_expression is false. */
DDB_API int ddb_update_item(ddb_write_item_output *out, ddb_client *c, const ddb_update_item_input *in);
/* DeleteItem. DDB_ECONDITION when condition_expression is false. */
DDB_API int ddb_delete_item(ddb_write_item_output *out, ddb_client *c, const ddb_delete_item_input *in);

DDB_API void ddb_get_item_output_free(ddb_get_item_output *out);
DDB_API void ddb_write_item_output_free(ddb_write_item_output *out);

/* ------------------------------------------------------------------ */
/* Query and Scan                                                     */
/* ------------------------------------------------------------------ */

typedef struct ddb_query_input {
    const char *table_name;                /* required */
    const char *index_name;
    const char *key_condition_expression;  /* required */
    const char *filter_expression;
    const char *projection_expression;
    const ddb_av *names;
    const ddb_av *values;
    ddb_select select;
    uint32_t limit;                        /* 0: not sent */
    bool consistent_read;
    bool descending;                       /* sends ScanIndexForward = false */
    const ddb_av *exclusive_start_key;     /* a previous page's last_evaluated_key */
    ddb_return_capacity return_consumed_capacity;
} ddb_query_input;

#define DDB_QUERY_INPUT_INIT {0}

/* Parallel scan: sent when `total` is not 0. */
typedef struct ddb_scan_segment {
    uint32_t index; /* Segment, 0 .. total-1 */
    uint32_t total; /* TotalSegments */
} ddb_scan_segment;

typedef struct ddb_scan_input {
    const char *table_name;                /* required */
    const char *index_name;
    const char *filter_expression;
    const char *projection_expression;
    const ddb_av *names;
    const ddb_av *values;
    ddb_select select;
    uint32_t limit;                        /* 0: not sent */
    bool consistent_read;
    const ddb_av *exclusive_start_key;
    ddb_scan_segment segment;
    ddb_return_capacity return_consumed_capacity;
} ddb_scan_input;

#define DDB_SCAN_INPUT_INIT {0}

/* One page of Query or Scan results. */
typedef struct ddb_read_output {
    ddb_av **items;                /* n_items trees (each may be taken) */
    size_t n_items;
    int64_t count;                 /* Count */
    int64_t scanned_count;         /* ScannedCount */
    ddb_av *last_evaluated_key;    /* NULL on the last page */
    ddb_consumed_capacity consumed;
    ddb_out_mem *mem;
} ddb_read_output;

DDB_API int ddb_query(ddb_read_output *out, ddb_client *c, const ddb_query_input *in);
DDB_API int ddb_scan(ddb_read_output *out, ddb_client *c, const ddb_scan_input *in);
DDB_API void ddb_read_output_free(ddb_read_output *out);

/* ------------------------------------------------------------------ */
/* Batches                                                            */
/* ------------------------------------------------------------------ */

/* The keys wanted from one table (a member of RequestItems). */
typedef struct ddb_batch_get_table {
    const char *table_name;            /* required */
    const ddb_av *const *keys;         /* required: n_keys M trees */
    size_t n_keys;
    bool consistent_read;
    const char *projection_expression;
    const ddb_av *names;
} ddb_batch_get_table;

typedef struct ddb_batch_get_item_input {
    const ddb_batch_get_table *tables; /* 1.. tables, at most 100 keys in all */
    size_t n_tables;
    ddb_return_capacity return_consumed_capacity;
} ddb_batch_get_item_input;

#define DDB_BATCH_GET_ITEM_INPUT_INIT {0}

/* Items read from one table. */
typedef struct ddb_table_items {
    const char *table_name;
    ddb_av **items;                    /* each may be taken */
    size_t n_items;
} ddb_table_items;

typedef struct ddb_batch_get_item_output {
    ddb_table_items *responses;
    size_t n_responses;
    /* UnprocessedKeys, in the input's shape: to retry, send
     * {.tables = out.unprocessed, .n_tables = out.n_unprocessed} (keep the
     * output alive until that call returns). */
    ddb_batch_get_table *unprocessed;
    size_t n_unprocessed;
    ddb_consumed_capacity *consumed;   /* one per table, when asked for */
    size_t n_consumed;
    ddb_out_mem *mem;
} ddb_batch_get_item_output;

typedef enum ddb_write_kind { DDB_WRITE_PUT = 0, DDB_WRITE_DELETE } ddb_write_kind;

/* One PutRequest or DeleteRequest. */
typedef struct ddb_write_request {
    const char *table_name;            /* required */
    ddb_write_kind kind;
    const ddb_av *item;                /* PUT: required */
    const ddb_av *key;                 /* DELETE: required */
} ddb_write_request;

typedef struct ddb_batch_write_item_input {
    const ddb_write_request *requests; /* 1..25, any mix of tables */
    size_t n_requests;
    ddb_return_capacity return_consumed_capacity;
} ddb_batch_write_item_input;

#define DDB_BATCH_WRITE_ITEM_INPUT_INIT {0}

typedef struct ddb_batch_write_item_output {
    /* UnprocessedItems, resendable as the `requests` of another call (keep
     * the output alive until that call returns). */
    ddb_write_request *unprocessed;
    size_t n_unprocessed;
    ddb_consumed_capacity *consumed;
    size_t n_consumed;
    ddb_out_mem *mem;
} ddb_batch_write_item_output;

/* BatchGetItem: one call, no retry of unprocessed keys (see the batch
 * module for that). */
DDB_API int ddb_batch_get_item(ddb_batch_get_item_output *out, ddb_client *c,
                       const ddb_batch_get_item_input *in);
/* BatchWriteItem: one call; requests are grouped by table on the wire, in
 * order of first appearance. */
DDB_API int ddb_batch_write_item(ddb_batch_write_item_output *out, ddb_client *c,
                         const ddb_batch_write_item_input *in);
DDB_API void ddb_batch_get_item_output_free(ddb_batch_get_item_output *out);
DDB_API void ddb_batch_write_item_output_free(ddb_batch_write_item_output *out);

/* ------------------------------------------------------------------ */
/* Transactions                                                       */
/* ------------------------------------------------------------------ */

/* Why one item of a cancelled transaction failed (request order). */
typedef struct ddb_cancellation_reason {
    const char *code;    /* "None" for items that did not fail, else e.g.
                            "ConditionalCheckFailed", "TransactionConflict" */
    const char *message; /* NULL when absent */
    ddb_av *item;        /* with return_values_on_failure ALL_OLD; else NULL */
} ddb_cancellation_reason;

typedef struct ddb_transact_get {
    const char *table_name;            /* required */
    const ddb_av *key;                 /* required */
    const char *projection_expression;
    const ddb_av *names;
} ddb_transact_get;

typedef struct ddb_transact_get_items_input {
    const ddb_transact_get *items;     /* 1..100 */
    size_t n_items;
    ddb_return_capacity return_consumed_capacity;
} ddb_transact_get_items_input;

#define DDB_TRANSACT_GET_ITEMS_INPUT_INIT {0}

typedef struct ddb_transact_get_items_output {
    ddb_av **items;                    /* in request order; NULL where absent */
    size_t n_items;
    ddb_consumed_capacity *consumed;
    size_t n_consumed;
    ddb_cancellation_reason *reasons;  /* after DDB_ECANCELLED */
    size_t n_reasons;
    ddb_out_mem *mem;
} ddb_transact_get_items_output;

typedef enum ddb_transact_kind {
    DDB_TRANSACT_PUT = 0,
    DDB_TRANSACT_UPDATE,
    DDB_TRANSACT_DELETE,
    DDB_TRANSACT_CONDITION_CHECK
} ddb_transact_kind;

/* One action of TransactWriteItems. */
typedef struct ddb_transact_write {
    ddb_transact_kind kind;
    const char *table_name;            /* required */
    const ddb_av *item;                /* PUT: required */
    const ddb_av *key;                 /* UPDATE, DELETE, CONDITION_CHECK: required */
    const char *update_expression;     /* UPDATE: required */
    const char *condition_expression;  /* CONDITION_CHECK: required */
    const ddb_av *names;
    const ddb_av *values;
    ddb_return_on_failure return_values_on_failure;
} ddb_transact_write;

typedef struct ddb_transact_write_items_input {
    const ddb_transact_write *items;   /* 1..100 */
    size_t n_items;
    const char *client_request_token;  /* idempotency token, optional */
    ddb_return_capacity return_consumed_capacity;
} ddb_transact_write_items_input;

#define DDB_TRANSACT_WRITE_ITEMS_INPUT_INIT {0}

typedef struct ddb_transact_write_items_output {
    ddb_consumed_capacity *consumed;
    size_t n_consumed;
    ddb_cancellation_reason *reasons;  /* after DDB_ECANCELLED */
    size_t n_reasons;
    ddb_out_mem *mem;
} ddb_transact_write_items_output;

/* TransactGetItems / TransactWriteItems. On DDB_ECANCELLED the reasons are
 * in the output (request order). */
DDB_API int ddb_transact_get_items(ddb_transact_get_items_output *out, ddb_client *c,
                           const ddb_transact_get_items_input *in);
DDB_API int ddb_transact_write_items(ddb_transact_write_items_output *out, ddb_client *c,
                             const ddb_transact_write_items_input *in);
DDB_API void ddb_transact_get_items_output_free(ddb_transact_get_items_output *out);
DDB_API void ddb_transact_write_items_output_free(ddb_transact_write_items_output *out);


/* ------------------------------------------------------------------ */
/* Tables                                                             */
/* ------------------------------------------------------------------ */

/* One AttributeDefinitions entry: `type` is DDB_AV_S, DDB_AV_N or DDB_AV_B. */
typedef struct ddb_attribute_definition {
    const char *name;
    ddb_av_type type;
} ddb_attribute_definition;

/* KeySchema: the hash key and optional range key attribute names. */
typedef struct ddb_key_schema {
    const char *hash_key;  /* required */
    const char *range_key; /* NULL: none */
} ddb_key_schema;

typedef enum ddb_projection_type {
    DDB_PROJECTION_ALL = 0,
    DDB_PROJECTION_KEYS_ONLY,
    DDB_PROJECTION_INCLUDE
} ddb_projection_type;

typedef struct ddb_projection {
    ddb_projection_type type;
    const char *const *non_key_attributes; /* INCLUDE only */
    size_t n_non_key_attributes;
} ddb_projection;

/* ProvisionedThroughput; {0, 0} is not sent. */
typedef struct ddb_throughput {
    int64_t read_capacity_units;
    int64_t write_capacity_units;
} ddb_throughput;

/* A global or local secondary index to create. */
typedef struct ddb_secondary_index {
    const char *name;         /* required */
    ddb_key_schema key;       /* required */
    ddb_projection projection;
    ddb_throughput throughput; /* GSIs of PROVISIONED tables */
} ddb_secondary_index;

/* BillingMode. UNSET is not sent (DynamoDB then uses PROVISIONED). */
typedef enum ddb_billing_mode {
    DDB_BILLING_MODE_UNSET = 0,
    DDB_BILLING_MODE_PROVISIONED,
    DDB_BILLING_MODE_PAY_PER_REQUEST
} ddb_billing_mode;

/* StreamSpecification. UNSET is not sent; DISABLED sends StreamEnabled
 * false; the others enable the stream with that view type. */
typedef enum ddb_stream_view {
    DDB_STREAM_UNSET = 0,
    DDB_STREAM_DISABLED,
    DDB_STREAM_KEYS_ONLY,
    DDB_STREAM_NEW_IMAGE,
    DDB_STREAM_OLD_IMAGE,
    DDB_STREAM_NEW_AND_OLD_IMAGES
} ddb_stream_view;

typedef struct ddb_tag {
    const char *key;
    const char *value;
} ddb_tag;

/* CreateTable. Server-side encryption is left at DynamoDB's default (an
 * AWS-owned key): no SSESpecification is sent. */
typedef struct ddb_create_table_input {
    const char *table_name;                                /* required */
    const ddb_attribute_definition *attribute_definitions; /* required */
    size_t n_attribute_definitions;
    ddb_key_schema key_schema;                             /* required */
    ddb_billing_mode billing_mode;
    ddb_throughput throughput;                             /* PROVISIONED */
    const ddb_secondary_index *global_indexes;
    size_t n_global_indexes;
    const ddb_secondary_index *local_indexes;              /* throughput ignored */
    size_t n_local_indexes;
    ddb_stream_view stream;
    const ddb_tag *tags;
    size_t n_tags;
} ddb_create_table_input;

#define DDB_CREATE_TABLE_INPUT_INIT {0}

typedef enum ddb_gsi_action { DDB_GSI_CREATE = 0, DDB_GSI_UPDATE, DDB_GSI_DELETE } ddb_gsi_action;

/* One GlobalSecondaryIndexUpdates entry: CREATE uses all of `index`,
 * UPDATE its name and throughput, DELETE its name. */
typedef struct ddb_gsi_update {
    ddb_gsi_action action;
    ddb_secondary_index index;
} ddb_gsi_update;

typedef struct ddb_update_table_input {
    const char *table_name;                                /* required */
    const ddb_attribute_definition *attribute_definitions; /* for new indexes */
    size_t n_attribute_definitions;
    ddb_billing_mode billing_mode;
    ddb_throughput throughput;
    const ddb_gsi_update *index_updates;
    size_t n_index_updates;
    ddb_stream_view stream;
} ddb_update_table_input;

#define DDB_UPDATE_TABLE_INPUT_INIT {0}

/* DescribeTable and DeleteTable. */
typedef struct ddb_table_name_input {
    const char *table_name; /* required */
} ddb_table_name_input;

#define DDB_TABLE_NAME_INPUT_INIT {0}

typedef enum ddb_table_status {
    DDB_TABLE_STATUS_UNKNOWN = 0, /* absent or a status this library does not know */
    DDB_TABLE_STATUS_CREATING,
    DDB_TABLE_STATUS_UPDATING,
    DDB_TABLE_STATUS_DELETING,
    DDB_TABLE_STATUS_ACTIVE,
    DDB_TABLE_STATUS_INACCESSIBLE_ENCRYPTION_CREDENTIALS,
    DDB_TABLE_STATUS_ARCHIVING,
    DDB_TABLE_STATUS_ARCHIVED
} ddb_table_status;

typedef enum ddb_index_status {
    DDB_INDEX_STATUS_UNKNOWN = 0, /* also: local indexes, which have none */
    DDB_INDEX_STATUS_CREATING,
    DDB_INDEX_STATUS_UPDATING,
    DDB_INDEX_STATUS_DELETING,
    DDB_INDEX_STATUS_ACTIVE
} ddb_index_status;

typedef struct ddb_index_description {
    const char *name;
    const char *arn;
    ddb_key_schema key;
    ddb_projection projection;
    ddb_throughput throughput;
    ddb_index_status status;
    bool backfilling;
    int64_t item_count;
    int64_t size_bytes;
    bool has_item_count;   /* ItemCount was in the answer (some engines leave it out) */
} ddb_index_description;

/* TableDescription (what the service reported; absent fields are 0/NULL). */
typedef struct ddb_table_description {
    const char *name;
    const char *arn;
    const char *id;
    ddb_table_status status;
    ddb_key_schema key_schema;
    const ddb_attribute_definition *attribute_definitions;
    size_t n_attribute_definitions;
    ddb_billing_mode billing_mode; /* PROVISIONED when not reported */
    ddb_throughput throughput;
    int64_t item_count;
    int64_t size_bytes;
    double creation_date_time;     /* epoch seconds */
    const ddb_index_description *global_indexes;
    size_t n_global_indexes;
    const ddb_index_description *local_indexes;
    size_t n_local_indexes;
    ddb_stream_view stream;        /* UNSET when not reported */
    const char *latest_stream_arn;
    const char *latest_stream_label;
} ddb_table_description;

/* Output of CreateTable, DescribeTable, UpdateTable and DeleteTable. */
typedef struct ddb_table_output {
    ddb_table_description table;
    ddb_out_mem *mem;
} ddb_table_output;

DDB_API int ddb_create_table(ddb_table_output *out, ddb_client *c, const ddb_create_table_input *in);
DDB_API int ddb_describe_table(ddb_table_output *out, ddb_client *c, const ddb_table_name_input *in);
DDB_API int ddb_update_table(ddb_table_output *out, ddb_client *c, const ddb_update_table_input *in);
DDB_API int ddb_delete_table(ddb_table_output *out, ddb_client *c, const ddb_table_name_input *in);
DDB_API void ddb_table_output_free(ddb_table_output *out);

typedef struct ddb_list_tables_input {
    const char *exclusive_start_table_name;
    uint32_t limit; /* 0: not sent (DynamoDB returns up to 100) */
} ddb_list_tables_input;

#define DDB_LIST_TABLES_INPUT_INIT {0}

typedef struct ddb_list_tables_output {
    const char **table_names;
    size_t n_table_names;
    const char *last_evaluated_table_name; /* NULL on the last page */
    ddb_out_mem *mem;
} ddb_list_tables_output;

/* ListTables; `in` may be NULL (first page, service default limit). */
DDB_API int ddb_list_tables(ddb_list_tables_output *out, ddb_client *c, const ddb_list_tables_input *in);
DDB_API void ddb_list_tables_output_free(ddb_list_tables_output *out);

/* ------------------------------------------------------------------ */
/* Time to live                                                       */
/* ------------------------------------------------------------------ */

typedef struct ddb_update_ttl_input {
    const char *table_name;     /* required */
    const char *attribute_name; /* required */
    bool enabled;
} ddb_update_ttl_input;

#define DDB_UPDATE_TTL_INPUT_INIT {0}

typedef enum ddb_ttl_status {
    DDB_TTL_STATUS_UNKNOWN = 0,
    DDB_TTL_STATUS_ENABLING,
    DDB_TTL_STATUS_DISABLING,
    DDB_TTL_STATUS_ENABLED,
    DDB_TTL_STATUS_DISABLED
} ddb_ttl_status;

/* Output of UpdateTimeToLive (status ENABLED or DISABLED, as requested)
 * and DescribeTimeToLive. */
typedef struct ddb_ttl_output {
    ddb_ttl_status status;
    const char *attribute_name; /* NULL when TTL is disabled */
    ddb_out_mem *mem;
} ddb_ttl_output;

DDB_API int ddb_update_time_to_live(ddb_ttl_output *out, ddb_client *c, const ddb_update_ttl_input *in);
DDB_API int ddb_describe_time_to_live(ddb_ttl_output *out, ddb_client *c, const ddb_table_name_input *in);
DDB_API void ddb_ttl_output_free(ddb_ttl_output *out);

/* ------------------------------------------------------------------ */
/* Waiters                                                            */
/* ------------------------------------------------------------------ */

/*
 * Polls DescribeTable until the table and all its global indexes are
 * ACTIVE (ddb_wait_table_active) or DescribeTable reports
 * ResourceNotFound (ddb_wait_table_deleted). Polls every 50 ms at first,
 * doubling up to 1 s, sleeping through the client's retry policy hooks.
 * Returns 0, DDB_ETIMEOUT after `timeout_ms` (0: 60000), or the error of a
 * DescribeTable call (DDB_ERESOURCE while waiting for ACTIVE: the table
 * does not exist).
 */
DDB_API int ddb_wait_table_active(ddb_client *c, const char *table_name, long timeout_ms);
DDB_API int ddb_wait_table_deleted(ddb_client *c, const char *table_name, long timeout_ms);

/* ------------------------------------------------------------------ */
/* Per-thread state                                                   */
/* ------------------------------------------------------------------ */

/* Releases the calling thread's scratch buffers and cancellation reasons
 * now rather than at thread exit (the main thread never "exits", so call
 * it there to keep leak checkers quiet). Safe to call at any time. */
DDB_API void ddb_ops_thread_cleanup(void);

#ifdef __cplusplus
}
#endif

#endif /* DDB_OPS_H */
