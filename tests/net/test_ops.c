/* test_ops.c - low-level operations over a scripted transport: the exact
 * request JSON of every operation, response parsing into outputs,
 * validation before sending, cancellation reasons, waiters. No network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ddb/error.h"
#include "ddb/json.h"
#include "ddb/ops.h"
#include "net_test.h"

/* ------------------------------------------------------------------ */
/* Fixture                                                            */
/* ------------------------------------------------------------------ */

typedef struct fixture {
    fake_transport t;
    count_provider cp;
    fake_clock fc;
    fake_reply replies[4];
    ddb_client *c;
    ddb_av *trees[16]; /* inputs built by J(), freed at the end */
    size_t n_trees;
} fixture;

static fixture F;

/* Scripts up to 4 replies: status/body pairs. */
static void script(size_t n, ...)
{
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n; i++) {
        long status = va_arg(ap, long);
        const char *body = va_arg(ap, const char *);
        F.replies[i] = (fake_reply){0, status, body, NULL, NULL};
    }
    va_end(ap);
    fake_free(&F.t);
    fake_init(&F.t, F.replies, n);
}

static int setup(void **state)
{
    (void)state;
    memset(&F, 0, sizeof F);
    script(1, 200L, "{}");
    count_provider_init(&F.cp);
    F.c = test_client(&F.t, &F.cp, NULL, &F.fc);
    return F.c != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ddb_client_free(F.c);
    fake_free(&F.t);
    for (size_t i = 0; i < F.n_trees; i++)
        ddb_av_free(F.trees[i]);
    ddb_ops_thread_cleanup();
    return 0;
}

/* An M tree from item-form JSON, freed by teardown. */
static const ddb_av *J(const char *json)
{
    ddb_av *v = NULL;
    assert_true(F.n_trees < sizeof F.trees / sizeof F.trees[0]);
    if (ddb_item_parse_json(&v, json, strlen(json)) != 0)
        fail_msg("bad test JSON: %s (%s)", json, ddb_last_error()->message);
    F.trees[F.n_trees++] = v;
    return v;
}

static void expect_request(const char *op, const char *json)
{
    char target[64];
    snprintf(target, sizeof target, "DynamoDB_20120810.%s", op);
    assert_string_equal(fake_header(&F.t, "X-Amz-Target"), target);
    assert_string_equal(ddb_buf_cstr(&F.t.body), json);
}

static void expect_item(const ddb_av *got, const char *json)
{
    assert_non_null(got);
    ddb_buf b = DDB_BUF_INIT;
    assert_int_equal(ddb_item_write_json(&b, got), 0);
    assert_string_equal(b.data, json);
    ddb_buf_free(&b);
}

/* Asserts that a call failed validation: code, message part, nothing sent. */
static void expect_invalid(int rc, int code, const char *op, const char *text)
{
    if (rc != code)
        fail_msg("expected %s, got %s: %s", ddb_code_name(code), ddb_code_name(rc),
                 ddb_last_error()->message);
    assert_int_equal(F.t.sent, 0);
    assert_string_equal(ddb_last_error()->operation, op);
    if (strstr(ddb_last_error()->message, text) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", ddb_last_error()->message, text);
}

#define KEY "{\"forum\":{\"S\":\"f\"},\"subject\":{\"S\":\"s\"}}"
#define NAMES "{\"#n0\":{\"S\":\"views\"}}"
#define VALUES "{\":v0\":{\"N\":\"1\"}}"

/* ------------------------------------------------------------------ */
/* Items                                                              */
/* ------------------------------------------------------------------ */

static void test_get_item(void **state)
{
    (void)state;
    script(1, 200L,
           "{\"Item\":{\"forum\":{\"S\":\"f\"},\"views\":{\"N\":\"3\"}},"
           "\"ConsumedCapacity\":{\"TableName\":\"Thread\",\"CapacityUnits\":0.5}}");
    ddb_get_item_input in = DDB_GET_ITEM_INPUT_INIT;
    in.table_name = "Thread";
    in.key = J(KEY);
    in.consistent_read = true;
    in.projection_expression = "forum, #n0";
    in.names = J(NAMES);
    in.return_consumed_capacity = DDB_CAPACITY_TOTAL;
    ddb_get_item_output out;
    assert_int_equal(ddb_get_item(&out, F.c, &in), 0);
    expect_request("GetItem", "{\"TableName\":\"Thread\",\"Key\":" KEY ",\"ConsistentRead\":true,"
                              "\"ProjectionExpression\":\"forum, #n0\","
                              "\"ExpressionAttributeNames\":{\"#n0\":\"views\"},"
                              "\"ReturnConsumedCapacity\":\"TOTAL\"}");
    expect_item(out.item, "{\"forum\":{\"S\":\"f\"},\"views\":{\"N\":\"3\"}}");
    assert_string_equal(out.consumed.table_name, "Thread");
    assert_true(out.consumed.capacity_units == 0.5);
    ddb_get_item_output_free(&out);
    assert_null(out.item);
    ddb_get_item_output_free(NULL);
}

static void test_get_item_not_found_and_take(void **state)
{
    (void)state;
    script(4, 200L, "{}", 200L, "{\"Item\":{\"a\":{\"S\":\"x\"},\"b\":{\"BOOL\":true}}}", 200L,
           "{\"Item\":{\"b\":{\"BOOL\":true}}}", 200L, "{\"Item\":{\"a\":{\"S\":\"y\"}}}");
    ddb_get_item_input in = DDB_GET_ITEM_INPUT_INIT;
    in.table_name = "T";
    in.key = J("{\"a\":{\"S\":\"x\"}}");
    ddb_get_item_output out;
    assert_int_equal(ddb_get_item(&out, F.c, &in), 0);
    expect_request("GetItem", "{\"TableName\":\"T\",\"Key\":{\"a\":{\"S\":\"x\"}}}");
    assert_null(out.item);
    assert_null(out.consumed.table_name);
    ddb_get_item_output_free(&out);
    assert_int_equal(ddb_get_item(&out, F.c, &in), 0);
    ddb_av *mine = out.item; /* taken */
    out.item = NULL;
    ddb_get_item_output_free(&out);
    expect_item(mine, "{\"a\":{\"S\":\"x\"},\"b\":{\"BOOL\":true}}");
    ddb_av_free(mine);
    /* an Item that is not the one asked for: without the key, another key */
    assert_int_equal(ddb_get_item(&out, F.c, &in), DDB_EPROTOCOL);
    assert_non_null(strstr(ddb_last_error()->message, "lacks the key attribute \"a\""));
    assert_null(out.item);
    ddb_get_item_output_free(&out);
    assert_int_equal(ddb_get_item(&out, F.c, &in), DDB_EPROTOCOL);
    assert_non_null(strstr(ddb_last_error()->message, "has another value in the key attribute \"a\""));
    assert_null(out.item);
    ddb_get_item_output_free(&out);
}

static void test_put_item(void **state)
{
    (void)state;
    script(1, 200L, "{\"Attributes\":{\"forum\":{\"S\":\"old\"}}}");
    ddb_put_item_input in = DDB_PUT_ITEM_INPUT_INIT;
    in.table_name = "Thread";
    in.item =
        J("{\"forum\":{\"S\":\"f\"},\"views\":{\"N\":\"1\"},\"tags\":{\"SS\":[\"a\",\"b\"]}}");
    in.condition_expression = "attribute_not_exists(#n0) OR #n0 < :v0";
    in.names = J(NAMES);
    in.values = J(VALUES);
    in.return_values = DDB_RETURN_ALL_OLD;
    in.return_consumed_capacity = DDB_CAPACITY_INDEXES;
    in.return_values_on_failure = DDB_RETURN_ON_FAILURE_ALL_OLD;
    ddb_write_item_output out;
    assert_int_equal(ddb_put_item(&out, F.c, &in), 0);
    expect_request("PutItem", "{\"TableName\":\"Thread\","
                              "\"Item\":{\"forum\":{\"S\":\"f\"},\"views\":{\"N\":\"1\"},\"tags\":{"
                              "\"SS\":[\"a\",\"b\"]}},"
                              "\"ConditionExpression\":\"attribute_not_exists(#n0) OR #n0 < :v0\","
                              "\"ExpressionAttributeNames\":{\"#n0\":\"views\"},"
                              "\"ExpressionAttributeValues\":{\":v0\":{\"N\":\"1\"}},"
                              "\"ReturnValues\":\"ALL_OLD\",\"ReturnConsumedCapacity\":\"INDEXES\","
                              "\"ReturnValuesOnConditionCheckFailure\":\"ALL_OLD\"}");
    expect_item(out.attributes, "{\"forum\":{\"S\":\"old\"}}");
    ddb_write_item_output_free(&out);
}

static void test_put_item_condition_failure_returns_old_item(void **state)
{
    (void)state;
    script(1, 400L,
           "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException\","
           "\"message\":\"The conditional request failed\",\"Item\":{\"views\":{\"N\":\"9\"}}}");
    ddb_put_item_input in = DDB_PUT_ITEM_INPUT_INIT;
    in.table_name = "Thread";
    in.item = J("{\"views\":{\"N\":\"1\"}}");
    in.condition_expression = "attribute_not_exists(views)";
    in.return_values_on_failure = DDB_RETURN_ON_FAILURE_ALL_OLD;
    ddb_write_item_output out;
    assert_int_equal(ddb_put_item(&out, F.c, &in), DDB_ECONDITION);
    assert_string_equal(ddb_last_error()->aws_type, "ConditionalCheckFailedException");
    assert_string_equal(ddb_last_error()->operation, "PutItem");
    assert_string_equal(ddb_last_error()->table, "Thread");
    assert_string_equal(ddb_last_error()->request_id, "REQ-1");
    expect_item(out.attributes, "{\"views\":{\"N\":\"9\"}}");
    ddb_write_item_output_free(&out);
}

static void test_update_item(void **state)
{
    (void)state;
    script(
        1, 200L,
        "{\"Attributes\":{\"views\":{\"N\":\"2\"}},\"ConsumedCapacity\":{\"TableName\":\"Thread\","
        "\"CapacityUnits\":1.0,\"WriteCapacityUnits\":1.0}}");
    ddb_update_item_input in = DDB_UPDATE_ITEM_INPUT_INIT;
    in.table_name = "Thread";
    in.key = J(KEY);
    in.update_expression = "SET #n0 = #n0 + :v0";
    in.condition_expression = "attribute_exists(#n0)";
    in.names = J(NAMES);
    in.values = J(VALUES);
    in.return_values = DDB_RETURN_UPDATED_NEW;
    ddb_write_item_output out;
    assert_int_equal(ddb_update_item(&out, F.c, &in), 0);
    expect_request("UpdateItem", "{\"TableName\":\"Thread\",\"Key\":" KEY ","
                                 "\"UpdateExpression\":\"SET #n0 = #n0 + :v0\","
                                 "\"ConditionExpression\":\"attribute_exists(#n0)\","
                                 "\"ExpressionAttributeNames\":{\"#n0\":\"views\"},"
                                 "\"ExpressionAttributeValues\":{\":v0\":{\"N\":\"1\"}},"
                                 "\"ReturnValues\":\"UPDATED_NEW\"}");
    expect_item(out.attributes, "{\"views\":{\"N\":\"2\"}}");
    assert_true(out.consumed.write_capacity_units == 1.0);
    ddb_write_item_output_free(&out);
}

static void test_delete_item(void **state)
{
    (void)state;
    script(1, 200L, "{}");
    ddb_delete_item_input in = DDB_DELETE_ITEM_INPUT_INIT;
    in.table_name = "Thread";
    in.key = J(KEY);
    in.condition_expression = "#n0 = :v0";
    in.names = J(NAMES);
    in.values = J(VALUES);
    in.return_values = DDB_RETURN_ALL_OLD;
    ddb_write_item_output out;
    assert_int_equal(ddb_delete_item(&out, F.c, &in), 0);
    expect_request("DeleteItem", "{\"TableName\":\"Thread\",\"Key\":" KEY ","
                                 "\"ConditionExpression\":\"#n0 = :v0\","
                                 "\"ExpressionAttributeNames\":{\"#n0\":\"views\"},"
                                 "\"ExpressionAttributeValues\":{\":v0\":{\"N\":\"1\"}},"
                                 "\"ReturnValues\":\"ALL_OLD\"}");
    assert_null(out.attributes);
    ddb_write_item_output_free(&out);
}

/* ------------------------------------------------------------------ */
/* Query, Scan                                                        */
/* ------------------------------------------------------------------ */

static void test_query(void **state)
{
    (void)state;
    script(
        1, 200L,
        "{\"Items\":[{\"id\":{\"S\":\"a\"}},{\"id\":{\"S\":\"b\"}}],\"Count\":2,\"ScannedCount\":5,"
        "\"LastEvaluatedKey\":{\"id\":{\"S\":\"b\"}}}");
    ddb_query_input in = DDB_QUERY_INPUT_INIT;
    in.table_name = "Thread";
    in.index_name = "by_views";
    in.key_condition_expression = "forum = :v0";
    in.filter_expression = "#n0 > :v0";
    in.projection_expression = "id";
    in.names = J(NAMES);
    in.values = J(VALUES);
    in.select = DDB_SELECT_SPECIFIC_ATTRIBUTES;
    in.limit = 10;
    in.consistent_read = true;
    in.descending = true;
    in.exclusive_start_key = J("{\"id\":{\"S\":\"0\"}}");
    in.return_consumed_capacity = DDB_CAPACITY_TOTAL;
    ddb_read_output out;
    assert_int_equal(ddb_query(&out, F.c, &in), 0);
    expect_request(
        "Query", "{\"TableName\":\"Thread\",\"IndexName\":\"by_views\","
                 "\"KeyConditionExpression\":\"forum = :v0\",\"FilterExpression\":\"#n0 > :v0\","
                 "\"ProjectionExpression\":\"id\",\"ExpressionAttributeNames\":{\"#n0\":\"views\"},"
                 "\"ExpressionAttributeValues\":{\":v0\":{\"N\":\"1\"}},"
                 "\"Select\":\"SPECIFIC_ATTRIBUTES\",\"Limit\":10,\"ConsistentRead\":true,"
                 "\"ScanIndexForward\":false,\"ExclusiveStartKey\":{\"id\":{\"S\":\"0\"}},"
                 "\"ReturnConsumedCapacity\":\"TOTAL\"}");
    assert_int_equal(out.n_items, 2);
    expect_item(out.items[0], "{\"id\":{\"S\":\"a\"}}");
    expect_item(out.items[1], "{\"id\":{\"S\":\"b\"}}");
    assert_int_equal(out.count, 2);
    assert_int_equal(out.scanned_count, 5);
    expect_item(out.last_evaluated_key, "{\"id\":{\"S\":\"b\"}}");
    ddb_read_output_free(&out);
}

static void test_scan(void **state)
{
    (void)state;
    script(1, 200L, "{\"Items\":[],\"Count\":0,\"ScannedCount\":0}");
    ddb_scan_input in = DDB_SCAN_INPUT_INIT;
    in.table_name = "Thread";
    in.filter_expression = "#n0 > :v0";
    in.names = J(NAMES);
    in.values = J(VALUES);
    in.limit = 100;
    in.segment.index = 1;
    in.segment.total = 4;
    in.select = DDB_SELECT_COUNT;
    ddb_read_output out;
    assert_int_equal(ddb_scan(&out, F.c, &in), 0);
    expect_request("Scan", "{\"TableName\":\"Thread\",\"FilterExpression\":\"#n0 > :v0\","
                           "\"ExpressionAttributeNames\":{\"#n0\":\"views\"},"
                           "\"ExpressionAttributeValues\":{\":v0\":{\"N\":\"1\"}},"
                           "\"Select\":\"COUNT\",\"Limit\":100,\"Segment\":1,\"TotalSegments\":4}");
    assert_int_equal(out.n_items, 0);
    assert_null(out.items);
    assert_null(out.last_evaluated_key);
    ddb_read_output_free(&out);

    /* minimal scan; segment 0 of 2 still sends Segment */
    ddb_scan_input min = DDB_SCAN_INPUT_INIT;
    min.table_name = "T";
    min.segment.total = 2;
    assert_int_equal(ddb_scan(&out, F.c, &min), 0);
    expect_request("Scan", "{\"TableName\":\"T\",\"Segment\":0,\"TotalSegments\":2}");
    ddb_read_output_free(&out);
}

/* ------------------------------------------------------------------ */
/* Batches                                                            */
/* ------------------------------------------------------------------ */

static void test_batch_get_item(void **state)
{
    (void)state;
    script(2, 200L,
           "{\"Responses\":{\"A\":[{\"id\":{\"S\":\"1\"}}],\"B\":[{\"k\":{\"N\":\"2\"}},{\"k\":{"
           "\"N\":\"3\"}}]},"
           "\"UnprocessedKeys\":{\"B\":{\"Keys\":[{\"k\":{\"N\":\"4\"}}],\"ProjectionExpression\":"
           "\"#p\","
           "\"ExpressionAttributeNames\":{\"#p\":\"k\"},\"ConsistentRead\":true}},"
           "\"ConsumedCapacity\":[{\"TableName\":\"A\",\"CapacityUnits\":1},{\"TableName\":\"B\","
           "\"CapacityUnits\":2}]}",
           200L, "{\"Responses\":{\"B\":[{\"k\":{\"N\":\"4\"}}]},\"UnprocessedKeys\":{}}");
    const ddb_av *akeys[] = {J("{\"id\":{\"S\":\"1\"}}")};
    const ddb_av *bkeys[] = {J("{\"k\":{\"N\":\"2\"}}"), J("{\"k\":{\"N\":\"3\"}}"),
                             J("{\"k\":{\"N\":\"4\"}}")};
    ddb_batch_get_table tables[2] = {
        {"A", akeys, 1, true, NULL, NULL},
        {"B", bkeys, 3, false, "#p", J("{\"#p\":{\"S\":\"k\"}}")},
    };
    ddb_batch_get_item_input in = DDB_BATCH_GET_ITEM_INPUT_INIT;
    in.tables = tables;
    in.n_tables = 2;
    in.return_consumed_capacity = DDB_CAPACITY_TOTAL;
    ddb_batch_get_item_output out;
    assert_int_equal(ddb_batch_get_item(&out, F.c, &in), 0);
    expect_request(
        "BatchGetItem",
        "{\"RequestItems\":{\"A\":{\"Keys\":[{\"id\":{\"S\":\"1\"}}],\"ConsistentRead\":true},"
        "\"B\":{\"Keys\":[{\"k\":{\"N\":\"2\"}},{\"k\":{\"N\":\"3\"}},{\"k\":{\"N\":\"4\"}}],"
        "\"ProjectionExpression\":\"#p\",\"ExpressionAttributeNames\":{\"#p\":\"k\"}}},"
        "\"ReturnConsumedCapacity\":\"TOTAL\"}");
    assert_int_equal(out.n_responses, 2);
    assert_string_equal(out.responses[0].table_name, "A");
    assert_int_equal(out.responses[0].n_items, 1);
    assert_string_equal(out.responses[1].table_name, "B");
    assert_int_equal(out.responses[1].n_items, 2);
    expect_item(out.responses[1].items[1], "{\"k\":{\"N\":\"3\"}}");
    assert_int_equal(out.n_consumed, 2);
    assert_true(out.consumed[1].capacity_units == 2.0);
    /* unprocessed keys come back in the input's shape and can be resent */
    assert_int_equal(out.n_unprocessed, 1);
    assert_string_equal(out.unprocessed[0].table_name, "B");
    assert_int_equal(out.unprocessed[0].n_keys, 1);
    assert_true(out.unprocessed[0].consistent_read);
    ddb_batch_get_item_input again = DDB_BATCH_GET_ITEM_INPUT_INIT;
    again.tables = out.unprocessed;
    again.n_tables = out.n_unprocessed;
    ddb_batch_get_item_output out2;
    assert_int_equal(ddb_batch_get_item(&out2, F.c, &again), 0);
    expect_request("BatchGetItem", "{\"RequestItems\":{\"B\":{\"Keys\":[{\"k\":{\"N\":\"4\"}}],"
                                   "\"ConsistentRead\":true,\"ProjectionExpression\":\"#p\","
                                   "\"ExpressionAttributeNames\":{\"#p\":\"k\"}}}}");
    assert_int_equal(out2.n_unprocessed, 0);
    ddb_batch_get_item_output_free(&out2);
    ddb_batch_get_item_output_free(&out);
}

static void test_batch_write_item(void **state)
{
    (void)state;
    script(2, 200L,
           "{\"UnprocessedItems\":{\"A\":[{\"PutRequest\":{\"Item\":{\"id\":{\"S\":\"1\"}}}},"
           "{\"DeleteRequest\":{\"Key\":{\"id\":{\"S\":\"2\"}}}}]},"
           "\"ConsumedCapacity\":[{\"TableName\":\"A\",\"CapacityUnits\":3}]}",
           200L, "{\"UnprocessedItems\":{}}");
    ddb_write_request reqs[3] = {
        {"A", DDB_WRITE_PUT, J("{\"id\":{\"S\":\"1\"}}"), NULL},
        {"B", DDB_WRITE_DELETE, NULL, J("{\"k\":{\"N\":\"7\"}}")},
        {"A", DDB_WRITE_DELETE, NULL, J("{\"id\":{\"S\":\"2\"}}")},
    };
    ddb_batch_write_item_input in = DDB_BATCH_WRITE_ITEM_INPUT_INIT;
    in.requests = reqs;
    in.n_requests = 3;
    in.return_consumed_capacity = DDB_CAPACITY_TOTAL;
    ddb_batch_write_item_output out;
    assert_int_equal(ddb_batch_write_item(&out, F.c, &in), 0);
    expect_request("BatchWriteItem",
                   "{\"RequestItems\":{\"A\":[{\"PutRequest\":{\"Item\":{\"id\":{\"S\":\"1\"}}}},"
                   "{\"DeleteRequest\":{\"Key\":{\"id\":{\"S\":\"2\"}}}}],"
                   "\"B\":[{\"DeleteRequest\":{\"Key\":{\"k\":{\"N\":\"7\"}}}}]},"
                   "\"ReturnConsumedCapacity\":\"TOTAL\"}");
    assert_int_equal(out.n_unprocessed, 2);
    assert_int_equal(out.unprocessed[0].kind, DDB_WRITE_PUT);
    assert_string_equal(out.unprocessed[0].table_name, "A");
    expect_item(out.unprocessed[0].item, "{\"id\":{\"S\":\"1\"}}");
    assert_int_equal(out.unprocessed[1].kind, DDB_WRITE_DELETE);
    expect_item(out.unprocessed[1].key, "{\"id\":{\"S\":\"2\"}}");
    assert_int_equal(out.n_consumed, 1);
    /* resend what was not processed */
    ddb_batch_write_item_input again = DDB_BATCH_WRITE_ITEM_INPUT_INIT;
    again.requests = out.unprocessed;
    again.n_requests = out.n_unprocessed;
    ddb_batch_write_item_output out2;
    assert_int_equal(ddb_batch_write_item(&out2, F.c, &again), 0);
    expect_request("BatchWriteItem",
                   "{\"RequestItems\":{\"A\":[{\"PutRequest\":{\"Item\":{\"id\":{\"S\":\"1\"}}}},"
                   "{\"DeleteRequest\":{\"Key\":{\"id\":{\"S\":\"2\"}}}}]}}");
    assert_int_equal(out2.n_unprocessed, 0);
    ddb_batch_write_item_output_free(&out2);
    ddb_batch_write_item_output_free(&out);
}

/* ------------------------------------------------------------------ */
/* Transactions                                                       */
/* ------------------------------------------------------------------ */

static void test_transact_get_items(void **state)
{
    (void)state;
    script(1, 200L, "{\"Responses\":[{\"Item\":{\"id\":{\"S\":\"1\"}}},{}]}");
    ddb_transact_get gets[2] = {
        {"A", J("{\"id\":{\"S\":\"1\"}}"), "id, #n0", J(NAMES)},
        {"B", J("{\"id\":{\"S\":\"9\"}}"), NULL, NULL},
    };
    ddb_transact_get_items_input in = DDB_TRANSACT_GET_ITEMS_INPUT_INIT;
    in.items = gets;
    in.n_items = 2;
    ddb_transact_get_items_output out;
    assert_int_equal(ddb_transact_get_items(&out, F.c, &in), 0);
    expect_request(
        "TransactGetItems",
        "{\"TransactItems\":[{\"Get\":{\"TableName\":\"A\",\"Key\":{\"id\":{\"S\":\"1\"}},"
        "\"ProjectionExpression\":\"id, #n0\",\"ExpressionAttributeNames\":{\"#n0\":\"views\"}}},"
        "{\"Get\":{\"TableName\":\"B\",\"Key\":{\"id\":{\"S\":\"9\"}}}}]}");
    assert_int_equal(out.n_items, 2);
    expect_item(out.items[0], "{\"id\":{\"S\":\"1\"}}");
    assert_null(out.items[1]);
    ddb_transact_get_items_output_free(&out);
}

#define CANCEL_BODY                                                                                \
    "{\"__type\":\"com.amazonaws.dynamodb.v20120810#TransactionCanceledException\","               \
    "\"Message\":\"Transaction cancelled, please refer cancellation reasons for specific reasons " \
    "[None, ConditionalCheckFailed]\",\"CancellationReasons\":[{\"Code\":\"None\"},"               \
    "{\"Code\":\"ConditionalCheckFailed\",\"Message\":\"The conditional request failed\","         \
    "\"Item\":{\"id\":{\"S\":\"2\"}}}]}"

static void test_transact_write_items(void **state)
{
    (void)state;
    script(2, 200L, "{}", 400L, CANCEL_BODY);
    ddb_transact_write items[4] = {
        {DDB_TRANSACT_PUT, "A", J("{\"id\":{\"S\":\"1\"}}"), NULL, NULL, "attribute_not_exists(id)",
         NULL, NULL, DDB_RETURN_ON_FAILURE_NONE},
        {DDB_TRANSACT_UPDATE, "A", NULL, J("{\"id\":{\"S\":\"2\"}}"), "SET #n0 = :v0", NULL,
         J(NAMES), J(VALUES), DDB_RETURN_ON_FAILURE_ALL_OLD},
        {DDB_TRANSACT_DELETE, "B", NULL, J("{\"k\":{\"N\":\"1\"}}"), NULL, NULL, NULL, NULL,
         DDB_RETURN_ON_FAILURE_NONE},
        {DDB_TRANSACT_CONDITION_CHECK, "B", NULL, J("{\"k\":{\"N\":\"2\"}}"), NULL,
         "attribute_exists(k)", NULL, NULL, DDB_RETURN_ON_FAILURE_NONE},
    };
    ddb_transact_write_items_input in = DDB_TRANSACT_WRITE_ITEMS_INPUT_INIT;
    in.items = items;
    in.n_items = 4;
    in.client_request_token = "tok-1";
    in.return_consumed_capacity = DDB_CAPACITY_TOTAL;
    ddb_transact_write_items_output out;
    assert_int_equal(ddb_transact_write_items(&out, F.c, &in), 0);
    expect_request(
        "TransactWriteItems",
        "{\"TransactItems\":["
        "{\"Put\":{\"TableName\":\"A\",\"Item\":{\"id\":{\"S\":\"1\"}},"
        "\"ConditionExpression\":\"attribute_not_exists(id)\"}},"
        "{\"Update\":{\"TableName\":\"A\",\"Key\":{\"id\":{\"S\":\"2\"}},"
        "\"UpdateExpression\":\"SET #n0 = :v0\",\"ExpressionAttributeNames\":{\"#n0\":\"views\"},"
        "\"ExpressionAttributeValues\":{\":v0\":{\"N\":\"1\"}},"
        "\"ReturnValuesOnConditionCheckFailure\":\"ALL_OLD\"}},"
        "{\"Delete\":{\"TableName\":\"B\",\"Key\":{\"k\":{\"N\":\"1\"}}}},"
        "{\"ConditionCheck\":{\"TableName\":\"B\",\"Key\":{\"k\":{\"N\":\"2\"}},"
        "\"ConditionExpression\":\"attribute_exists(k)\"}}],"
        "\"ClientRequestToken\":\"tok-1\",\"ReturnConsumedCapacity\":\"TOTAL\"}");
    assert_int_equal(out.n_reasons, 0);
    ddb_transact_write_items_output_free(&out);

    /* cancelled: reasons in request order, in the output and per thread */
    in.n_items = 2;
    assert_int_equal(ddb_transact_write_items(&out, F.c, &in), DDB_ECANCELLED);
    assert_string_equal(ddb_last_error()->aws_type, "TransactionCanceledException");
    assert_string_equal(ddb_last_error()->operation, "TransactWriteItems");
    assert_non_null(strstr(ddb_last_error()->message, "ConditionalCheckFailed"));
    assert_int_equal(out.n_reasons, 2);
    assert_string_equal(out.reasons[0].code, "None");
    assert_null(out.reasons[0].message);
    assert_null(out.reasons[0].item);
    assert_string_equal(out.reasons[1].code, "ConditionalCheckFailed");
    assert_string_equal(out.reasons[1].message, "The conditional request failed");
    expect_item(out.reasons[1].item, "{\"id\":{\"S\":\"2\"}}");
    ddb_transact_write_items_output_free(&out);
    assert_int_equal(out.n_reasons, 0); /* freed and zeroed */
    ddb_ops_thread_cleanup();
}

/* A token reused with other actions, as DynamoDB answers it (moto, the
 * default test engine, does not check tokens: docs/engines.md). */
static void test_transact_write_idempotency_mismatch(void **state)
{
    (void)state;
    script(1, 400L,
           "{\"__type\":\"com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException\","
           "\"message\":\"DynamoDB rejected the request because you retried a request with a "
           "different payload but with an idempotent token that was already used.\"}");
    ddb_transact_write items[1] = {
        {DDB_TRANSACT_PUT, "A", J("{\"id\":{\"S\":\"1\"}}"), NULL, NULL, NULL, NULL, NULL,
         DDB_RETURN_ON_FAILURE_NONE},
    };
    ddb_transact_write_items_input in = DDB_TRANSACT_WRITE_ITEMS_INPUT_INIT;
    in.items = items;
    in.n_items = 1;
    in.client_request_token = "tok-reused";
    ddb_transact_write_items_output out;
    assert_int_equal(ddb_transact_write_items(&out, F.c, &in), DDB_EVALIDATION);
    assert_string_equal(ddb_last_error()->aws_type, "IdempotentParameterMismatchException");
    assert_int_equal(ddb_last_error()->http_status, 400);
    assert_non_null(strstr(ddb_last_error()->message, "idempotent token that was already used"));
    assert_int_equal(out.n_reasons, 0);
    assert_int_equal(F.t.sent, 1); /* never retried */
    ddb_transact_write_items_output_free(&out);
}

static void test_transact_get_cancelled(void **state)
{
    (void)state;
    script(1, 400L, CANCEL_BODY);
    ddb_transact_get gets[1] = {{"A", J("{\"id\":{\"S\":\"1\"}}"), NULL, NULL}};
    ddb_transact_get_items_input in = DDB_TRANSACT_GET_ITEMS_INPUT_INIT;
    in.items = gets;
    in.n_items = 1;
    ddb_transact_get_items_output out;
    assert_int_equal(ddb_transact_get_items(&out, F.c, &in), DDB_ECANCELLED);
    assert_int_equal(out.n_reasons, 2);
    assert_int_equal(out.n_items, 0);
    ddb_transact_get_items_output_free(&out);
}

/* ------------------------------------------------------------------ */
/* Tables                                                             */
/* ------------------------------------------------------------------ */

#define TABLE_DESC                                                                                 \
    "{\"TableName\":\"Thread\",\"TableArn\":\"arn:aws:dynamodb:us-west-2:1:table/Thread\","        \
    "\"TableId\":\"abc\",\"TableStatus\":\"ACTIVE\",\"CreationDateTime\":1700000000.5,"            \
    "\"KeySchema\":[{\"AttributeName\":\"forum\",\"KeyType\":\"HASH\"},"                           \
    "{\"AttributeName\":\"subject\",\"KeyType\":\"RANGE\"}],"                                      \
    "\"AttributeDefinitions\":[{\"AttributeName\":\"forum\",\"AttributeType\":\"S\"},"             \
    "{\"AttributeName\":\"subject\",\"AttributeType\":\"S\"},"                                     \
    "{\"AttributeName\":\"views\",\"AttributeType\":\"N\"}],"                                      \
    "\"ProvisionedThroughput\":{\"ReadCapacityUnits\":5,\"WriteCapacityUnits\":6,"                 \
    "\"NumberOfDecreasesToday\":0},\"ItemCount\":42,\"TableSizeBytes\":4096,"                      \
    "\"BillingModeSummary\":{\"BillingMode\":\"PAY_PER_REQUEST\"},"                                \
    "\"GlobalSecondaryIndexes\":[{\"IndexName\":\"by_views\",\"IndexStatus\":\"CREATING\","        \
    "\"Backfilling\":true,\"KeySchema\":[{\"AttributeName\":\"forum\",\"KeyType\":\"HASH\"},"      \
    "{\"AttributeName\":\"views\",\"KeyType\":\"RANGE\"}],\"Projection\":{\"ProjectionType\":"     \
    "\"INCLUDE\",\"NonKeyAttributes\":[\"tags\"]},\"ItemCount\":7,\"IndexSizeBytes\":70,"          \
    "\"IndexArn\":\"arn:idx\",\"ProvisionedThroughput\":{\"ReadCapacityUnits\":1,"                 \
    "\"WriteCapacityUnits\":2}}],"                                                                 \
    "\"LocalSecondaryIndexes\":[{\"IndexName\":\"by_subject\",\"KeySchema\":[{\"AttributeName\":"  \
    "\"forum\",\"KeyType\":\"HASH\"}],\"Projection\":{\"ProjectionType\":\"KEYS_ONLY\"}}],"        \
    "\"StreamSpecification\":{\"StreamEnabled\":true,\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"},"  \
    "\"LatestStreamArn\":\"arn:stream\",\"LatestStreamLabel\":\"label\"}"

static void check_table_description(const ddb_table_description *t)
{
    assert_string_equal(t->name, "Thread");
    assert_string_equal(t->arn, "arn:aws:dynamodb:us-west-2:1:table/Thread");
    assert_string_equal(t->id, "abc");
    assert_int_equal(t->status, DDB_TABLE_STATUS_ACTIVE);
    assert_true(t->creation_date_time == 1700000000.5);
    assert_string_equal(t->key_schema.hash_key, "forum");
    assert_string_equal(t->key_schema.range_key, "subject");
    assert_int_equal(t->n_attribute_definitions, 3);
    assert_string_equal(t->attribute_definitions[2].name, "views");
    assert_int_equal(t->attribute_definitions[2].type, DDB_AV_N);
    assert_int_equal(t->throughput.read_capacity_units, 5);
    assert_int_equal(t->throughput.write_capacity_units, 6);
    assert_int_equal(t->item_count, 42);
    assert_int_equal(t->size_bytes, 4096);
    assert_int_equal(t->billing_mode, DDB_BILLING_MODE_PAY_PER_REQUEST);
    assert_int_equal(t->n_global_indexes, 1);
    const ddb_index_description *g = &t->global_indexes[0];
    assert_string_equal(g->name, "by_views");
    assert_string_equal(g->arn, "arn:idx");
    assert_int_equal(g->status, DDB_INDEX_STATUS_CREATING);
    assert_true(g->backfilling);
    assert_string_equal(g->key.range_key, "views");
    assert_int_equal(g->projection.type, DDB_PROJECTION_INCLUDE);
    assert_int_equal(g->projection.n_non_key_attributes, 1);
    assert_string_equal(g->projection.non_key_attributes[0], "tags");
    assert_int_equal(g->item_count, 7);
    assert_int_equal(g->size_bytes, 70);
    assert_int_equal(g->throughput.write_capacity_units, 2);
    assert_int_equal(t->n_local_indexes, 1);
    assert_int_equal(t->local_indexes[0].projection.type, DDB_PROJECTION_KEYS_ONLY);
    assert_null(t->local_indexes[0].key.range_key);
    assert_int_equal(t->stream, DDB_STREAM_NEW_AND_OLD_IMAGES);
    assert_string_equal(t->latest_stream_arn, "arn:stream");
    assert_string_equal(t->latest_stream_label, "label");
}

static void test_create_table(void **state)
{
    (void)state;
    script(1, 200L, "{\"TableDescription\":" TABLE_DESC "}");
    static const ddb_attribute_definition defs[] = {
        {"forum", DDB_AV_S}, {"subject", DDB_AV_S}, {"views", DDB_AV_N}};
    static const char *const include[] = {"tags", "author"};
    static const ddb_secondary_index gsi[] = {
        {"by_views", {"forum", "views"}, {DDB_PROJECTION_INCLUDE, include, 2}, {1, 2}},
    };
    static const ddb_secondary_index lsi[] = {
        {"by_subject", {"forum", "subject"}, {DDB_PROJECTION_KEYS_ONLY, NULL, 0}, {0, 0}},
    };
    static const ddb_tag tags[] = {{"team", "forum"}, {"env", ""}};
    ddb_create_table_input in = DDB_CREATE_TABLE_INPUT_INIT;
    in.table_name = "Thread";
    in.attribute_definitions = defs;
    in.n_attribute_definitions = 3;
    in.key_schema.hash_key = "forum";
    in.key_schema.range_key = "subject";
    in.billing_mode = DDB_BILLING_MODE_PROVISIONED;
    in.throughput.read_capacity_units = 5;
    in.throughput.write_capacity_units = 6;
    in.global_indexes = gsi;
    in.n_global_indexes = 1;
    in.local_indexes = lsi;
    in.n_local_indexes = 1;
    in.stream = DDB_STREAM_NEW_AND_OLD_IMAGES;
    in.tags = tags;
    in.n_tags = 2;
    ddb_table_output out;
    assert_int_equal(ddb_create_table(&out, F.c, &in), 0);
    expect_request(
        "CreateTable",
        "{\"TableName\":\"Thread\",\"AttributeDefinitions\":["
        "{\"AttributeName\":\"forum\",\"AttributeType\":\"S\"},"
        "{\"AttributeName\":\"subject\",\"AttributeType\":\"S\"},"
        "{\"AttributeName\":\"views\",\"AttributeType\":\"N\"}],"
        "\"KeySchema\":[{\"AttributeName\":\"forum\",\"KeyType\":\"HASH\"},"
        "{\"AttributeName\":\"subject\",\"KeyType\":\"RANGE\"}],"
        "\"BillingMode\":\"PROVISIONED\","
        "\"ProvisionedThroughput\":{\"ReadCapacityUnits\":5,\"WriteCapacityUnits\":6},"
        "\"GlobalSecondaryIndexes\":[{\"IndexName\":\"by_views\",\"KeySchema\":["
        "{\"AttributeName\":\"forum\",\"KeyType\":\"HASH\"},"
        "{\"AttributeName\":\"views\",\"KeyType\":\"RANGE\"}],"
        "\"Projection\":{\"ProjectionType\":\"INCLUDE\",\"NonKeyAttributes\":[\"tags\",\"author\"]}"
        ","
        "\"ProvisionedThroughput\":{\"ReadCapacityUnits\":1,\"WriteCapacityUnits\":2}}],"
        "\"LocalSecondaryIndexes\":[{\"IndexName\":\"by_subject\",\"KeySchema\":["
        "{\"AttributeName\":\"forum\",\"KeyType\":\"HASH\"},"
        "{\"AttributeName\":\"subject\",\"KeyType\":\"RANGE\"}],"
        "\"Projection\":{\"ProjectionType\":\"KEYS_ONLY\"}}],"
        "\"StreamSpecification\":{\"StreamEnabled\":true,\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"}"
        ","
        "\"Tags\":[{\"Key\":\"team\",\"Value\":\"forum\"},{\"Key\":\"env\",\"Value\":\"\"}]}");
    check_table_description(&out.table);
    ddb_table_output_free(&out);
}

static void test_create_table_minimal(void **state)
{
    (void)state;
    script(1, 200L, "{\"TableDescription\":{\"TableName\":\"T\",\"TableStatus\":\"CREATING\"}}");
    static const ddb_attribute_definition defs[] = {{"id", DDB_AV_B}};
    ddb_create_table_input in = DDB_CREATE_TABLE_INPUT_INIT;
    in.table_name = "T";
    in.attribute_definitions = defs;
    in.n_attribute_definitions = 1;
    in.key_schema.hash_key = "id";
    in.billing_mode = DDB_BILLING_MODE_PAY_PER_REQUEST;
    ddb_table_output out;
    assert_int_equal(ddb_create_table(&out, F.c, &in), 0);
    expect_request("CreateTable", "{\"TableName\":\"T\",\"AttributeDefinitions\":["
                                  "{\"AttributeName\":\"id\",\"AttributeType\":\"B\"}],"
                                  "\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}],"
                                  "\"BillingMode\":\"PAY_PER_REQUEST\"}");
    assert_int_equal(out.table.status, DDB_TABLE_STATUS_CREATING);
    assert_int_equal(out.table.billing_mode, DDB_BILLING_MODE_PROVISIONED); /* not reported */
    assert_int_equal(out.table.stream, DDB_STREAM_UNSET);
    assert_int_equal(out.table.n_global_indexes, 0);
    assert_null(out.table.key_schema.hash_key);
    ddb_table_output_free(&out);
}

static void test_describe_and_delete_table(void **state)
{
    (void)state;
    script(2, 200L, "{\"Table\":" TABLE_DESC "}", 200L,
           "{\"TableDescription\":{\"TableName\":\"Thread\",\"TableStatus\":\"DELETING\"}}");
    ddb_table_name_input in = {"Thread"};
    ddb_table_output out;
    assert_int_equal(ddb_describe_table(&out, F.c, &in), 0);
    expect_request("DescribeTable", "{\"TableName\":\"Thread\"}");
    check_table_description(&out.table);
    ddb_table_output_free(&out);
    assert_int_equal(ddb_delete_table(&out, F.c, &in), 0);
    expect_request("DeleteTable", "{\"TableName\":\"Thread\"}");
    assert_int_equal(out.table.status, DDB_TABLE_STATUS_DELETING);
    ddb_table_output_free(&out);
}

static void test_update_table(void **state)
{
    (void)state;
    script(1, 200L,
           "{\"TableDescription\":{\"TableName\":\"Thread\",\"TableStatus\":\"UPDATING\"}}");
    static const ddb_attribute_definition defs[] = {{"score", DDB_AV_N}};
    ddb_gsi_update updates[3] = {
        {DDB_GSI_CREATE, {"by_score", {"forum", "score"}, {DDB_PROJECTION_ALL, NULL, 0}, {0, 0}}},
        {DDB_GSI_UPDATE, {"by_views", {NULL, NULL}, {DDB_PROJECTION_ALL, NULL, 0}, {3, 4}}},
        {DDB_GSI_DELETE, {"old", {NULL, NULL}, {DDB_PROJECTION_ALL, NULL, 0}, {0, 0}}},
    };
    ddb_update_table_input in = DDB_UPDATE_TABLE_INPUT_INIT;
    in.table_name = "Thread";
    in.attribute_definitions = defs;
    in.n_attribute_definitions = 1;
    in.billing_mode = DDB_BILLING_MODE_PAY_PER_REQUEST;
    in.index_updates = updates;
    in.n_index_updates = 3;
    in.stream = DDB_STREAM_DISABLED;
    ddb_table_output out;
    assert_int_equal(ddb_update_table(&out, F.c, &in), 0);
    expect_request(
        "UpdateTable",
        "{\"TableName\":\"Thread\","
        "\"AttributeDefinitions\":[{\"AttributeName\":\"score\",\"AttributeType\":\"N\"}],"
        "\"BillingMode\":\"PAY_PER_REQUEST\",\"GlobalSecondaryIndexUpdates\":["
        "{\"Create\":{\"IndexName\":\"by_score\",\"KeySchema\":["
        "{\"AttributeName\":\"forum\",\"KeyType\":\"HASH\"},"
        "{\"AttributeName\":\"score\",\"KeyType\":\"RANGE\"}],"
        "\"Projection\":{\"ProjectionType\":\"ALL\"}}},"
        "{\"Update\":{\"IndexName\":\"by_views\","
        "\"ProvisionedThroughput\":{\"ReadCapacityUnits\":3,\"WriteCapacityUnits\":4}}},"
        "{\"Delete\":{\"IndexName\":\"old\"}}],"
        "\"StreamSpecification\":{\"StreamEnabled\":false}}");
    assert_int_equal(out.table.status, DDB_TABLE_STATUS_UPDATING);
    ddb_table_output_free(&out);
}

static void test_list_tables(void **state)
{
    (void)state;
    script(2, 200L, "{\"TableNames\":[\"A\",\"B\"],\"LastEvaluatedTableName\":\"B\"}", 200L,
           "{\"TableNames\":[]}");
    ddb_list_tables_input in = DDB_LIST_TABLES_INPUT_INIT;
    in.exclusive_start_table_name = "0";
    in.limit = 2;
    ddb_list_tables_output out;
    assert_int_equal(ddb_list_tables(&out, F.c, &in), 0);
    expect_request("ListTables", "{\"ExclusiveStartTableName\":\"0\",\"Limit\":2}");
    assert_int_equal(out.n_table_names, 2);
    assert_string_equal(out.table_names[0], "A");
    assert_string_equal(out.table_names[1], "B");
    assert_string_equal(out.last_evaluated_table_name, "B");
    ddb_list_tables_output_free(&out);
    assert_int_equal(ddb_list_tables(&out, F.c, NULL), 0);
    expect_request("ListTables", "{}");
    assert_int_equal(out.n_table_names, 0);
    assert_null(out.last_evaluated_table_name);
    ddb_list_tables_output_free(&out);
}

static void test_time_to_live(void **state)
{
    (void)state;
    script(2, 200L,
           "{\"TimeToLiveSpecification\":{\"AttributeName\":\"expires\",\"Enabled\":true}}", 200L,
           "{\"TimeToLiveDescription\":{\"TimeToLiveStatus\":\"ENABLING\",\"AttributeName\":"
           "\"expires\"}}");
    ddb_update_ttl_input in = DDB_UPDATE_TTL_INPUT_INIT;
    in.table_name = "Thread";
    in.attribute_name = "expires";
    in.enabled = true;
    ddb_ttl_output out;
    assert_int_equal(ddb_update_time_to_live(&out, F.c, &in), 0);
    expect_request("UpdateTimeToLive", "{\"TableName\":\"Thread\",\"TimeToLiveSpecification\":"
                                       "{\"AttributeName\":\"expires\",\"Enabled\":true}}");
    assert_int_equal(out.status, DDB_TTL_STATUS_ENABLED);
    assert_string_equal(out.attribute_name, "expires");
    ddb_ttl_output_free(&out);
    ddb_table_name_input d = {"Thread"};
    assert_int_equal(ddb_describe_time_to_live(&out, F.c, &d), 0);
    expect_request("DescribeTimeToLive", "{\"TableName\":\"Thread\"}");
    assert_int_equal(out.status, DDB_TTL_STATUS_ENABLING);
    assert_string_equal(out.attribute_name, "expires");
    ddb_ttl_output_free(&out);

    in.enabled = false; /* Enabled is always sent */
    script(1, 200L,
           "{\"TimeToLiveSpecification\":{\"AttributeName\":\"expires\",\"Enabled\":false}}");
    assert_int_equal(ddb_update_time_to_live(&out, F.c, &in), 0);
    expect_request("UpdateTimeToLive", "{\"TableName\":\"Thread\",\"TimeToLiveSpecification\":"
                                       "{\"AttributeName\":\"expires\",\"Enabled\":false}}");
    assert_int_equal(out.status, DDB_TTL_STATUS_DISABLED);
    ddb_ttl_output_free(&out);
}

/* ------------------------------------------------------------------ */
/* Validation                                                         */
/* ------------------------------------------------------------------ */

static void test_item_validation(void **state)
{
    (void)state;
    script(1, 200L, "{}");
    ddb_get_item_output out;
    ddb_get_item_input in = DDB_GET_ITEM_INPUT_INIT;
    in.key = J(KEY);
    expect_invalid(ddb_get_item(&out, F.c, &in), DDB_EINVAL, "GetItem",
                   "GetItem: TableName is required");
    ddb_get_item_output_free(&out);
    in.table_name = "";
    expect_invalid(ddb_get_item(&out, F.c, &in), DDB_EINVAL, "GetItem", "TableName is required");
    in.table_name = "T";
    in.key = NULL;
    expect_invalid(ddb_get_item(&out, F.c, &in), DDB_EINVAL, "GetItem", "Key is required");
    assert_string_equal(ddb_last_error()->table, "T");
    in.key = J("{}");
    expect_invalid(ddb_get_item(&out, F.c, &in), DDB_EINVAL, "GetItem", "Key must not be empty");
    in.key = J(KEY)->u.map.items[0].value; /* an S, not a map */
    expect_invalid(ddb_get_item(&out, F.c, &in), DDB_ETYPE, "GetItem", "Key must be a map (M)");
    in.key = J(KEY);
    in.names = J("{\"#n\":{\"N\":\"1\"}}");
    expect_invalid(ddb_get_item(&out, F.c, &in), DDB_ETYPE, "GetItem",
                   "ExpressionAttributeNames values must be strings");
    in.names = NULL;
    in.return_consumed_capacity = (ddb_return_capacity)7;
    expect_invalid(ddb_get_item(&out, F.c, &in), DDB_EINVAL, "GetItem",
                   "ReturnConsumedCapacity has the invalid value 7");
    expect_invalid(ddb_get_item(&out, F.c, NULL), DDB_EINVAL, "GetItem", "the input is NULL");
    expect_invalid(ddb_get_item(&out, NULL, &in), DDB_EINVAL, "GetItem", "the client is NULL");

    ddb_query_input q = DDB_QUERY_INPUT_INIT;
    q.table_name = "T";
    ddb_read_output page;
    expect_invalid(ddb_query(&page, F.c, &q), DDB_EINVAL, "Query",
                   "KeyConditionExpression is required");
    ddb_scan_input s = DDB_SCAN_INPUT_INIT;
    s.table_name = "T";
    s.segment.index = 4;
    s.segment.total = 4;
    expect_invalid(ddb_scan(&page, F.c, &s), DDB_EINVAL, "Scan",
                   "Segment must be less than TotalSegments");
    s.segment.total = 0;
    expect_invalid(ddb_scan(&page, F.c, &s), DDB_EINVAL, "Scan",
                   "Segment is set but TotalSegments is 0");
    /* empty optional maps are simply not sent */
    in.names = J("{}");
    in.return_consumed_capacity = DDB_CAPACITY_NONE;
    assert_int_equal(ddb_get_item(&out, F.c, &in), 0);
    expect_request("GetItem", "{\"TableName\":\"T\",\"Key\":" KEY "}");
    ddb_get_item_output_free(&out);
}

static void test_batch_and_transaction_limits(void **state)
{
    (void)state;
    script(1, 200L, "{}");
    const ddb_av *key = J("{\"id\":{\"S\":\"1\"}}");
    ddb_write_request w[26];
    for (size_t i = 0; i < 26; i++)
        w[i] = (ddb_write_request){"T", DDB_WRITE_DELETE, NULL, key};
    ddb_batch_write_item_input bw = DDB_BATCH_WRITE_ITEM_INPUT_INIT;
    bw.requests = w;
    bw.n_requests = 26;
    ddb_batch_write_item_output bwo;
    expect_invalid(ddb_batch_write_item(&bwo, F.c, &bw), DDB_ELIMIT, "BatchWriteItem",
                   "RequestItems has 26 entries; at most 25 are allowed");
    bw.n_requests = 0;
    expect_invalid(ddb_batch_write_item(&bwo, F.c, &bw), DDB_EINVAL, "BatchWriteItem",
                   "RequestItems must not be empty");
    bw.n_requests = 3;
    w[1].kind = DDB_WRITE_PUT;
    expect_invalid(ddb_batch_write_item(&bwo, F.c, &bw), DDB_EINVAL, "BatchWriteItem",
                   "RequestItems[1].PutRequest.Item is required");
    w[1].kind = DDB_WRITE_DELETE;
    w[2].table_name = NULL;
    expect_invalid(ddb_batch_write_item(&bwo, F.c, &bw), DDB_EINVAL, "BatchWriteItem",
                   "RequestItems[2].TableName is required");
    w[2].table_name = "T";
    w[0].kind = (ddb_write_kind)5;
    expect_invalid(ddb_batch_write_item(&bwo, F.c, &bw), DDB_EINVAL, "BatchWriteItem",
                   "invalid value 5");
    w[0].kind = DDB_WRITE_DELETE;

    const ddb_av *keys[101];
    for (size_t i = 0; i < 101; i++)
        keys[i] = key;
    ddb_batch_get_table tables[2] = {{"A", keys, 60, false, NULL, NULL},
                                     {"B", keys, 41, false, NULL, NULL}};
    ddb_batch_get_item_input bg = DDB_BATCH_GET_ITEM_INPUT_INIT;
    bg.tables = tables;
    bg.n_tables = 2;
    ddb_batch_get_item_output bgo;
    expect_invalid(ddb_batch_get_item(&bgo, F.c, &bg), DDB_ELIMIT, "BatchGetItem",
                   "RequestItems has 101 keys; at most 100 are allowed");
    tables[1].n_keys = 1;
    tables[1].table_name = "A";
    expect_invalid(ddb_batch_get_item(&bgo, F.c, &bg), DDB_EINVAL, "BatchGetItem",
                   "names a table twice");
    tables[1].table_name = "B";
    tables[1].n_keys = 0;
    expect_invalid(ddb_batch_get_item(&bgo, F.c, &bg), DDB_EINVAL, "BatchGetItem",
                   "RequestItems[1].Keys must not be empty");
    tables[1].keys = NULL;
    tables[1].n_keys = 3;
    expect_invalid(ddb_batch_get_item(&bgo, F.c, &bg), DDB_EINVAL, "BatchGetItem",
                   "Keys is NULL but has a count of 3");

    ddb_transact_write tw[101];
    for (size_t i = 0; i < 101; i++)
        tw[i] =
            (ddb_transact_write){DDB_TRANSACT_DELETE, "T", NULL, key, NULL, NULL, NULL, NULL, 0};
    ddb_transact_write_items_input ti = DDB_TRANSACT_WRITE_ITEMS_INPUT_INIT;
    ti.items = tw;
    ti.n_items = 101;
    ddb_transact_write_items_output to;
    expect_invalid(ddb_transact_write_items(&to, F.c, &ti), DDB_ELIMIT, "TransactWriteItems",
                   "TransactItems has 101 entries; at most 100 are allowed");
    ti.n_items = 3;
    tw[2].kind = DDB_TRANSACT_UPDATE;
    expect_invalid(ddb_transact_write_items(&to, F.c, &ti), DDB_EINVAL, "TransactWriteItems",
                   "TransactWriteItems: TransactItems[2].Update.UpdateExpression is required");
    tw[2].kind = DDB_TRANSACT_CONDITION_CHECK;
    expect_invalid(ddb_transact_write_items(&to, F.c, &ti), DDB_EINVAL, "TransactWriteItems",
                   "TransactItems[2].ConditionCheck.ConditionExpression is required");
    ddb_transact_write_items_output_free(&to);

    ddb_transact_get tg[101];
    for (size_t i = 0; i < 101; i++)
        tg[i] = (ddb_transact_get){"T", key, NULL, NULL};
    ddb_transact_get_items_input gi = DDB_TRANSACT_GET_ITEMS_INPUT_INIT;
    gi.items = tg;
    gi.n_items = 101;
    ddb_transact_get_items_output go;
    expect_invalid(ddb_transact_get_items(&go, F.c, &gi), DDB_ELIMIT, "TransactGetItems",
                   "at most 100");
    gi.n_items = 1;
    tg[0].key = NULL;
    expect_invalid(ddb_transact_get_items(&go, F.c, &gi), DDB_EINVAL, "TransactGetItems",
                   "TransactItems[0].Get.Key is required");
}

static void test_table_validation(void **state)
{
    (void)state;
    script(1, 200L, "{}");
    static const ddb_attribute_definition bad_type[] = {{"id", DDB_AV_M}};
    static const ddb_attribute_definition good[] = {{"id", DDB_AV_S}};
    ddb_create_table_input in = DDB_CREATE_TABLE_INPUT_INIT;
    in.table_name = "T";
    ddb_table_output out;
    expect_invalid(ddb_create_table(&out, F.c, &in), DDB_EINVAL, "CreateTable",
                   "AttributeDefinitions must not be empty");
    in.attribute_definitions = bad_type;
    in.n_attribute_definitions = 1;
    expect_invalid(ddb_create_table(&out, F.c, &in), DDB_EINVAL, "CreateTable",
                   "AttributeDefinitions[0].AttributeType has the invalid value");
    in.attribute_definitions = good;
    expect_invalid(ddb_create_table(&out, F.c, &in), DDB_EINVAL, "CreateTable",
                   "KeySchema needs a hash key");
    in.key_schema.hash_key = "id";
    in.stream = (ddb_stream_view)42;
    expect_invalid(ddb_create_table(&out, F.c, &in), DDB_EINVAL, "CreateTable",
                   "StreamSpecification has an invalid");
    in.stream = DDB_STREAM_UNSET;
    static const ddb_secondary_index unnamed[] = {
        {NULL, {"id", NULL}, {DDB_PROJECTION_ALL, NULL, 0}, {0, 0}}};
    in.global_indexes = unnamed;
    in.n_global_indexes = 1;
    expect_invalid(ddb_create_table(&out, F.c, &in), DDB_EINVAL, "CreateTable",
                   "GlobalSecondaryIndexes[0].IndexName is required");
    ddb_update_ttl_input ttl = DDB_UPDATE_TTL_INPUT_INIT;
    ttl.table_name = "T";
    ddb_ttl_output tout;
    expect_invalid(ddb_update_time_to_live(&tout, F.c, &ttl), DDB_EINVAL, "UpdateTimeToLive",
                   "TimeToLiveSpecification.AttributeName is required");
}

/* ------------------------------------------------------------------ */
/* Responses and waiters                                              */
/* ------------------------------------------------------------------ */

static void test_malformed_responses(void **state)
{
    (void)state;
    script(3, 200L, "{\"Item\":", 200L, "{\"Items\":{}}", 200L, "{\"Items\":[],\"Count\":\"x\"}");
    ddb_get_item_input in = DDB_GET_ITEM_INPUT_INIT;
    in.table_name = "T";
    in.key = J(KEY);
    ddb_get_item_output out;
    assert_int_equal(ddb_get_item(&out, F.c, &in), DDB_EPROTOCOL);
    assert_string_equal(ddb_last_error()->operation, "GetItem");
    assert_string_equal(ddb_last_error()->table, "T");
    ddb_get_item_output_free(&out);
    ddb_query_input q = DDB_QUERY_INPUT_INIT;
    q.table_name = "T";
    q.key_condition_expression = "k = :v";
    ddb_read_output page;
    assert_int_equal(ddb_query(&page, F.c, &q), DDB_EPROTOCOL); /* Items must be an array */
    ddb_read_output_free(&page);
    assert_int_equal(ddb_query(&page, F.c, &q), DDB_EPROTOCOL); /* Count must be a number */
    assert_string_equal(ddb_last_error()->operation, "Query");
    ddb_read_output_free(&page);

    /* BatchGetItem without Responses: not "every key absent" */
    script(2, 200L, "{\"UnprocessedKeys\":{}}", 200L, "{\"Responses\":{\"T\":[]},\"UnprocessedKeys\":[]}");
    ddb_batch_get_table bt = {0};
    bt.table_name = "T";
    const ddb_av *bkeys[] = {J(KEY)};
    bt.keys = bkeys;
    bt.n_keys = 1;
    ddb_batch_get_item_input bg = DDB_BATCH_GET_ITEM_INPUT_INIT;
    bg.tables = &bt;
    bg.n_tables = 1;
    ddb_batch_get_item_output bo;
    assert_int_equal(ddb_batch_get_item(&bo, F.c, &bg), DDB_EPROTOCOL);
    assert_non_null(strstr(ddb_last_error()->message, "no Responses"));
    ddb_batch_get_item_output_free(&bo);
    assert_int_equal(ddb_batch_get_item(&bo, F.c, &bg), DDB_EPROTOCOL);
    assert_non_null(strstr(ddb_last_error()->message, "UnprocessedKeys is not an object"));
    ddb_batch_get_item_output_free(&bo);

    /* no Items is not zero items, unless only a count was asked for */
    script(2, 200L, "{\"Count\":0,\"ScannedCount\":0}", 200L, "{\"Count\":4,\"ScannedCount\":4}");
    assert_int_equal(ddb_query(&page, F.c, &q), DDB_EPROTOCOL);
    assert_non_null(strstr(ddb_last_error()->message, "no Items"));
    ddb_read_output_free(&page);
    q.select = DDB_SELECT_COUNT;
    assert_int_equal(ddb_query(&page, F.c, &q), 0);
    assert_int_equal(page.count, 4);
    ddb_read_output_free(&page);

    /* a LastEvaluatedKey equal to the ExclusiveStartKey sent: never-ending */
    script(2, 200L, "{\"Items\":[],\"Count\":0,\"LastEvaluatedKey\":" KEY "}", 200L,
           "{\"Items\":[],\"Count\":0,\"LastEvaluatedKey\":{\"forum\":{\"S\":\"f\"},\"subject\":{\"S\":\"t\"}}}");
    ddb_scan_input s = DDB_SCAN_INPUT_INIT;
    s.table_name = "T";
    s.exclusive_start_key = J(KEY);
    assert_int_equal(ddb_scan(&page, F.c, &s), DDB_EPROTOCOL);
    assert_non_null(strstr(ddb_last_error()->message, "ExclusiveStartKey it was sent"));
    assert_string_equal(ddb_last_error()->operation, "Scan");
    ddb_read_output_free(&page);
    assert_int_equal(ddb_scan(&page, F.c, &s), 0); /* another key: progress */
    assert_non_null(page.last_evaluated_key);
    ddb_read_output_free(&page);
}

static void test_service_errors_reach_the_caller(void **state)
{
    (void)state;
    script(1, 400L,
           "{\"__type\":\"x#ResourceNotFoundException\",\"message\":\"Requested resource not "
           "found\"}");
    ddb_table_name_input in = {"Missing"};
    ddb_table_output out;
    assert_int_equal(ddb_describe_table(&out, F.c, &in), DDB_ERESOURCE);
    assert_string_equal(ddb_last_error()->operation, "DescribeTable");
    assert_string_equal(ddb_last_error()->table, "Missing");
    assert_string_equal(ddb_last_error()->message, "Requested resource not found");
    ddb_table_output_free(&out);
}

static void test_waiters(void **state)
{
    (void)state;
    script(
        3, 200L, "{\"Table\":{\"TableStatus\":\"CREATING\"}}", 200L,
        "{\"Table\":{\"TableStatus\":\"ACTIVE\",\"GlobalSecondaryIndexes\":[{\"IndexName\":\"g\","
        "\"IndexStatus\":\"CREATING\"}]}}",
        200L,
        "{\"Table\":{\"TableStatus\":\"ACTIVE\",\"GlobalSecondaryIndexes\":[{\"IndexName\":\"g\","
        "\"IndexStatus\":\"ACTIVE\"}]}}");
    F.fc.n_sleeps = 0;
    assert_int_equal(ddb_wait_table_active(F.c, "T", 0), 0);
    assert_int_equal(F.t.sent, 3);
    assert_int_equal(F.fc.n_sleeps, 2);
    assert_int_equal(F.fc.sleeps[0], 50);
    assert_int_equal(F.fc.sleeps[1], 100);

    script(2, 200L, "{\"Table\":{\"TableStatus\":\"DELETING\"}}", 400L,
           "{\"__type\":\"x#ResourceNotFoundException\",\"message\":\"gone\"}");
    assert_int_equal(ddb_wait_table_deleted(F.c, "T", 0), 0);
    assert_int_equal(F.t.sent, 2);

    script(1, 200L, "{\"Table\":{\"TableStatus\":\"CREATING\"}}");
    assert_int_equal(ddb_wait_table_active(F.c, "T", 5), DDB_ETIMEOUT);
    assert_non_null(strstr(ddb_last_error()->message, "not active after 5 ms"));

    script(1, 400L, "{\"__type\":\"x#ResourceNotFoundException\",\"message\":\"no\"}");
    assert_int_equal(ddb_wait_table_active(F.c, "T", 0), DDB_ERESOURCE);
    assert_int_equal(ddb_wait_table_active(NULL, "T", 0), DDB_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_get_item, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_item_not_found_and_take, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_item, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_item_condition_failure_returns_old_item, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_update_item, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_item, setup, teardown),
        cmocka_unit_test_setup_teardown(test_query, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scan, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_get_item, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_write_item, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transact_get_items, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transact_write_items, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transact_write_idempotency_mismatch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transact_get_cancelled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_table_minimal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_describe_and_delete_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_tables, setup, teardown),
        cmocka_unit_test_setup_teardown(test_time_to_live, setup, teardown),
        cmocka_unit_test_setup_teardown(test_item_validation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_and_transaction_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table_validation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_responses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_service_errors_reach_the_caller, setup, teardown),
        cmocka_unit_test_setup_teardown(test_waiters, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
