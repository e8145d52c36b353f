/*
 * test_model.c - the generated model runtime without a network.
 *
 * Uses the code ddbc generates from tests/golden/everything.yaml (every
 * type and option) and a scripted transport that records each request and
 * answers with canned bodies, so the exact wire requests of generated
 * operations are checked, and valgrind sees every path.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ddb_test.h"
#include "everything.h"

static ddbt_wire wire;
static ddb_client *client;

static int setup(void **state)
{
    (void)state;
    if (ddbt_wire_client(&client, &wire) != 0)
        return -1;
    gold_item_use_client(client);
    gold_counter_use_client(client);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ddbt_wire_script(&wire, 0);
    ddb_client_free(client);
    return 0;
}

static void fill(gold_item *it)
{
    gold_item_init(it);
    it->pk = ddb_strdup("p");
    it->sk = 7;
}

/* ------------------------------------------------------------ struct <-> item */

static void test_init_applies_defaults_and_clear_zeroes(void **state)
{
    (void)state;
    gold_item it;
    gold_item_init(&it);
    assert_string_equal(it.name, "unnamed \"quoted\" \\ tab\t end");
    assert_true(it.count == INT64_MIN);
    assert_true(it.has_big);
    assert_true(it.big == INT64_MAX);
    assert_true(it.ratio == 0.25);
    assert_false(it.has_maybe);
    assert_true(it.flag);
    assert_false(it.has_opt_flag);
    assert_null(it.blob.data);
    assert_int_equal(it.seed.len, 4);
    assert_memory_equal(it.seed.data, "\x00\x01\x02\xff", 4);
    gold_item_clear(&it);
    assert_null(it.name);
    assert_null(it.seed.data);
    assert_false(it.has_big);
    gold_item *none = NULL;
    gold_item_clear(none); /* NULL-safe (a literal NULL is refused at compile time) */
}

static void test_to_item_encodes_every_type(void **state)
{
    (void)state;
    gold_item it;
    fill(&it);
    it.has_maybe = true;
    it.maybe = -1.5e-7;
    it.dotted = ddb_strdup("x");
    ddb_av *item = NULL;
    assert_int_equal(gold_item_to_item(&item, &it), 0);
    assert_int_equal(ddb_av_len(item), 10); /* 12 fields; blob and opt_flag absent */
    const ddb_av *v = ddb_av_map_get(item, "count");
    assert_int_equal(v->type, DDB_AV_N);
    assert_string_equal(v->u.str.ptr, "-9223372036854775808");
    assert_string_equal(ddb_av_map_get(item, "maybe")->u.str.ptr, "-1.5e-07");
    assert_int_equal(ddb_av_map_get(item, "flag")->type, DDB_AV_BOOL);
    assert_int_equal(ddb_av_map_get(item, "seed")->type, DDB_AV_B);
    assert_non_null(ddb_av_map_get(item, "a.b[c]\\d")); /* attr_name, stored verbatim */
    assert_null(ddb_av_map_get(item, "blob"));
    assert_null(ddb_av_map_get(item, "opt_flag"));

    /* and back: a fresh struct equals the original field by field */
    gold_item back;
    gold_item_init(&back);
    assert_int_equal(gold_item_from_item(&back, item), 0);
    assert_string_equal(back.pk, "p");
    assert_true(back.sk == 7);
    assert_true(back.has_maybe && back.maybe == -1.5e-7);
    assert_string_equal(back.dotted, "x");
    assert_memory_equal(back.seed.data, "\x00\x01\x02\xff", 4);
    gold_item_clear(&back);
    ddb_av_free(item);
    gold_item_clear(&it);
}

static void test_to_item_rejects_missing_required_and_nonfinite(void **state)
{
    (void)state;
    gold_item it;
    gold_item_init(&it);
    it.sk = 1;
    ddb_av *item = NULL;
    assert_int_equal(gold_item_to_item(&item, &it), DDB_EINVAL);
    assert_non_null(strstr(ddb_last_error()->message, "gold_item.pk"));
    assert_null(item);
    it.pk = ddb_strdup("p");
    it.ratio = NAN;
    assert_int_equal(gold_item_to_item(&item, &it), DDB_EINVAL);
    assert_non_null(strstr(ddb_last_error()->message, "gold_item.ratio"));
    it.ratio = 1;
    free(it.seed.data);
    it.seed.data = NULL; /* non-nullable binary */
    assert_int_equal(gold_item_to_item(&item, &it), DDB_EINVAL);
    assert_non_null(strstr(ddb_last_error()->message, "gold_item.seed"));
    gold_item_clear(&it);
}

static void test_from_item_type_errors_and_nulls(void **state)
{
    (void)state;
    ddb_av *item = ddb_av_new(DDB_AV_M);
    ddb_av_map_set(item, "pk", ddb_av_s("p"));
    ddb_av_map_set(item, "sk", ddb_av_n("3"));
    ddb_av_map_set(item, "maybe", ddb_av_null()); /* NULL = absent */
    ddb_av_map_set(item, "unknown", ddb_av_s("kept out"));
    gold_item it;
    gold_item_init(&it);
    assert_int_equal(gold_item_from_item(&it, item), 0);
    assert_false(it.has_maybe);
    assert_string_equal(it.name, "unnamed \"quoted\" \\ tab\t end"); /* default kept */
    gold_item_clear(&it);

    ddb_av_map_set(item, "flag", ddb_av_s("true"));
    gold_item_init(&it);
    assert_int_equal(gold_item_from_item(&it, item), DDB_ETYPE);
    assert_non_null(strstr(ddb_last_error()->message, "flag"));
    assert_non_null(strstr(ddb_last_error()->message, "BOOL"));
    gold_item_clear(&it);

    ddb_av_map_set(item, "flag", ddb_av_bool(false));
    ddb_av_map_set(item, "sk", ddb_av_n("1e30")); /* not an int64: the stored value does not fit */
    gold_item_init(&it);
    assert_int_equal(gold_item_from_item(&it, item), DDB_ETYPE);
    assert_non_null(strstr(ddb_last_error()->message, "\"1e30\" as int64: out of the int64 range"));
    gold_item_clear(&it);
    ddb_av_free(item);
}

/* ------------------------------------------------------------ wire requests */

static void test_put_request_with_condition(void **state)
{
    (void)state;
    ddbt_wire_script(&wire, 1, "{}");
    gold_item it;
    fill(&it);
    assert_int_equal(gold_item_put(&it, gold_item_cond_and(gold_item_dotted_exists(), gold_item_count_lt(5))), 0);
    assert_int_equal(wire.n_requests, 1);
    assert_string_equal(wire.targets[0], "DynamoDB_20120810.PutItem");
    ddbt_assert_sent(&wire, 0, "\"TableName\":\"Gold.Items-v1\"");
    ddbt_assert_sent(&wire, 0, "\"ConditionExpression\":\"attribute_exists(#n0) AND #n1 < :v0\"");
    ddbt_assert_sent(&wire, 0, "\"#n0\":\"a.b[c]\\\\d\"");
    ddbt_assert_sent(&wire, 0, "\"#n1\":\"count\"");
    ddbt_assert_sent(&wire, 0, "\":v0\":{\"N\":\"5\"}");
    ddbt_assert_sent(&wire, 0, "\"seed\":{\"B\":\"AAEC/w==\"}");
    ddbt_assert_sent(&wire, 0, "\"count\":{\"N\":\"-9223372036854775808\"}");
    gold_item_clear(&it);
}

static void test_put_with_error_node_sends_nothing(void **state)
{
    (void)state;
    ddbt_wire_script(&wire, 1, "{}");
    gold_item it;
    fill(&it);
    assert_int_equal(gold_item_put(&it, gold_item_cond_or(gold_item_flag_eq(true), gold_item_maybe_gt(NAN))),
                     DDB_EINVAL);
    assert_int_equal(wire.n_requests, 0);
    const char *no_string = NULL; /* a literal NULL does not even compile */
    assert_int_equal(gold_item_put(&it, gold_item_name_eq(no_string)), DDB_EINVAL);
    assert_int_equal(wire.n_requests, 0);
    gold_item_clear(&it);
}

static void test_get_request_and_not_found(void **state)
{
    (void)state;
    ddbt_wire_script(&wire, 2, "{\"Item\":{\"pk\":{\"S\":\"p\"},\"sk\":{\"N\":\"7\"},\"name\":{\"S\":\"got\"}}}", "{}");
    gold_item it;
    gold_item_init(&it);
    assert_int_equal(gold_item_get(&it, "p", 7, DDB_GET_OPTS(.consistent_read = true)), 0);
    assert_string_equal(wire.targets[0], "DynamoDB_20120810.GetItem");
    ddbt_assert_sent(&wire, 0, "\"Key\":{\"pk\":{\"S\":\"p\"},\"sk\":{\"N\":\"7\"}}");
    ddbt_assert_sent(&wire, 0, "\"ConsistentRead\":true");
    assert_string_equal(it.name, "got");
    assert_true(it.ratio == 0.25); /* default applied to attributes not stored */
    assert_int_equal(gold_item_get(&it, "p", 8, NULL), DDB_ENOTFOUND);
    assert_string_equal(ddb_last_error()->operation, "GetItem");
    assert_string_equal(it.name, "got"); /* unchanged */
    gold_item_clear(&it);
}

static void test_update_request_and_refresh(void **state)
{
    (void)state;
    ddbt_wire_script(&wire, 1, "{\"Attributes\":{\"pk\":{\"S\":\"p\"},\"sk\":{\"N\":\"7\"},\"name\":{\"S\":\"new\"},"
              "\"ratio\":{\"N\":\"2\"}}}");
    gold_item it;
    fill(&it);
    gold_item_action a = gold_item_action_join(gold_item_set_name("new"),
                                               gold_item_action_join(gold_item_remove_maybe(),
                                                                     gold_item_set_ratio(2)));
    assert_int_equal(gold_item_update(&it, a, gold_item_flag_ne(false)), 0);
    assert_string_equal(wire.targets[0], "DynamoDB_20120810.UpdateItem");
    ddbt_assert_sent(&wire, 0, "\"UpdateExpression\":\"SET #n0 = :v0, #n1 = :v1 REMOVE #n2\"");
    ddbt_assert_sent(&wire, 0, "\"ConditionExpression\":\"#n3 <> :v2\"");
    ddbt_assert_sent(&wire, 0, "\"ReturnValues\":\"ALL_NEW\"");
    assert_string_equal(it.name, "new");
    assert_true(it.ratio == 2);
    gold_item_clear(&it);
}

#define CCF_BODY(item)                                                                             \
    "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException\","            \
    "\"message\":\"The conditional request failed\",\"Item\":" item "}"

/* int64 arithmetic carries a range guard: DynamoDB applies it only while
 * the result fits, and a failed guard is told from the caller's condition
 * by the old item (ReturnValuesOnConditionCheckFailure ALL_OLD). */
static void test_int64_arithmetic_never_overflows(void **state)
{
    (void)state;
    gold_item it;
    fill(&it);
    ddbt_wire_script(&wire, 1, CCF_BODY("{\"pk\":{\"S\":\"p\"},\"sk\":{\"N\":\"7\"},"
                                        "\"count\":{\"N\":\"9223372036854775800\"}}"));
    ddbt_wire_status(&wire, 0, 400);
    assert_int_equal(gold_item_update(&it, gold_item_add_count(10), GOLD_ITEM_NO_COND), DDB_ERANGE);
    ddbt_assert_sent(&wire, 0, "\"UpdateExpression\":\"ADD #n0 :v0\"");
    ddbt_assert_sent(&wire, 0, "\"ConditionExpression\":\"attribute_not_exists(#n0) OR #n0 <= :v1\"");
    ddbt_assert_sent(&wire, 0, "\":v1\":{\"N\":\"9223372036854775797\"}");
    ddbt_assert_sent(&wire, 0, "\"ReturnValuesOnConditionCheckFailure\":\"ALL_OLD\"");
    assert_non_null(strstr(ddb_last_error()->message, "\"count\" holds 9223372036854775800"));
    assert_string_equal(ddb_last_error()->operation, "UpdateItem");
    assert_string_equal(ddb_last_error()->request_id, "REQ1");
    assert_true(it.count == INT64_MIN); /* unchanged */

    /* the guard held: the caller's condition failed */
    ddbt_wire_script(&wire, 1, CCF_BODY("{\"pk\":{\"S\":\"p\"},\"sk\":{\"N\":\"7\"},\"count\":{\"N\":\"5\"}}"));
    ddbt_wire_status(&wire, 0, 400);
    assert_int_equal(gold_item_update(&it, gold_item_decr_count(3), gold_item_flag_eq(false)), DDB_ECONDITION);
    ddbt_assert_sent(&wire, 0, "\"UpdateExpression\":\"SET #n0 = #n0 - :v0\"");
    ddbt_assert_sent(&wire, 0, "\"ConditionExpression\":\"#n1 = :v1 AND (attribute_not_exists(#n0) OR #n0 >= :v2)\"");
    ddbt_assert_sent(&wire, 0, "\":v2\":{\"N\":\"-9223372036854775805\"}"); /* count - 3 >= INT64_MIN */
    assert_string_equal(ddb_last_error()->aws_type, "ConditionalCheckFailedException");

    /* subtracting INT64_MIN fits for negative values only */
    ddbt_wire_script(&wire, 1, "{\"Attributes\":{\"pk\":{\"S\":\"p\"},\"sk\":{\"N\":\"7\"},"
                               "\"count\":{\"N\":\"9223372036854775807\"}}}");
    assert_int_equal(gold_item_update(&it, gold_item_decr_count(INT64_MIN), GOLD_ITEM_NO_COND), 0);
    ddbt_assert_sent(&wire, 0, "#n0 <= :v1");
    ddbt_assert_sent(&wire, 0, "\":v1\":{\"N\":\"-1\"}");
    assert_true(it.count == INT64_MAX);
    /* adding zero needs no guard */
    ddbt_wire_script(&wire, 1, "{\"Attributes\":{\"pk\":{\"S\":\"p\"},\"sk\":{\"N\":\"7\"}}}");
    assert_int_equal(gold_item_update(&it, gold_item_add_count(0), GOLD_ITEM_NO_COND), 0);
    assert_null(strstr(wire.bodies[0], "ConditionExpression"));
    gold_item_clear(&it);
}

/* An update DynamoDB applied whose new item the struct cannot hold is
 * DDB_ESTALE (not a failure to retry), and the object is left as it was. */
static void test_update_applied_but_not_readable_is_stale(void **state)
{
    (void)state;
    gold_item it;
    fill(&it);
    ddbt_wire_script(&wire, 1, "{\"Attributes\":{\"pk\":{\"S\":\"p\"},\"sk\":{\"N\":\"7\"},"
                               "\"ratio\":{\"N\":\"0.25000000000000000000001\"}}}");
    assert_int_equal(gold_item_update(&it, gold_item_add_ratio(1e-23), GOLD_ITEM_NO_COND), DDB_ESTALE);
    assert_non_null(strstr(ddb_last_error()->message, "the update was applied"));
    assert_non_null(strstr(ddb_last_error()->message, "gold_item.ratio"));
    assert_true(it.ratio == 0.25);
    gold_item_clear(&it);
}

static void test_delete_request(void **state)
{
    (void)state;
    ddbt_wire_script(&wire, 1, "{}");
    gold_counter c;
    gold_counter_init(&c);
    c.id.data = malloc(3);
    memcpy(c.id.data, "\x01\x02\x03", 3);
    c.id.len = 3;
    assert_int_equal(gold_counter_delete(&c, gold_counter_n_between(1, 9)), 0);
    assert_string_equal(wire.targets[0], "DynamoDB_20120810.DeleteItem");
    ddbt_assert_sent(&wire, 0, "\"Key\":{\"id\":{\"B\":\"AQID\"}}");
    ddbt_assert_sent(&wire, 0, "\"ConditionExpression\":\"#n0 BETWEEN :v0 AND :v1\"");
    gold_counter_clear(&c);
}

static void test_query_pages_and_key_condition(void **state)
{
    (void)state;
    ddbt_wire_script(&wire, 3,
           "{\"Items\":[{\"pk\":{\"S\":\"p\"},\"sk\":{\"N\":\"1\"}},{\"pk\":{\"S\":\"p\"},\"sk\":{\"N\":\"2\"}}],"
           "\"Count\":2,\"ScannedCount\":2,\"LastEvaluatedKey\":{\"pk\":{\"S\":\"p\"},\"sk\":{\"N\":\"2\"}}}",
           "{\"Items\":[],\"Count\":0,\"ScannedCount\":2,\"LastEvaluatedKey\":{\"pk\":{\"S\":\"p\"},\"sk\":{\"N\":\"2.5\"}}}",
           "{\"Items\":[{\"pk\":{\"S\":\"p\"},\"sk\":{\"N\":\"3\"}}],\"Count\":1,\"ScannedCount\":1}");
    ddb_iter *it = NULL;
    assert_int_equal(gold_item_query(&it, "p", gold_item_range_between(1, 10), gold_item_flag_eq(true),
                                     DDB_QUERY_OPTS(.page_size = 2)),
                     0);
    assert_int_equal(wire.n_requests, 0); /* lazy */
    gold_item obj;
    gold_item_init(&obj);
    int64_t want = 1;
    int rc;
    while ((rc = gold_item_next(&obj, it)) == 1)
        assert_true(obj.sk == want++);
    assert_int_equal(rc, 0);
    assert_true(want == 4);
    assert_int_equal(wire.n_requests, 3); /* an empty middle page is followed, not taken as the end */
    ddbt_assert_sent(&wire, 0, "\"KeyConditionExpression\":\"#n0 = :v0 AND #n1 BETWEEN :v1 AND :v2\"");
    ddbt_assert_sent(&wire, 0, "\"FilterExpression\":\"#n2 = :v3\"");
    ddbt_assert_sent(&wire, 0, "\"Limit\":2");
    assert_true(strstr(wire.bodies[0], "ExclusiveStartKey") == NULL);
    ddbt_assert_sent(&wire, 1, "\"ExclusiveStartKey\":{\"pk\":{\"S\":\"p\"},\"sk\":{\"N\":\"2\"}}");
    ddbt_assert_sent(&wire, 2, "\"ExclusiveStartKey\":{\"pk\":{\"S\":\"p\"},\"sk\":{\"N\":\"2.5\"}}");
    assert_int_equal(gold_item_next(&obj, it), 0); /* stays at the end */
    gold_item_clear(&obj);
    ddb_iter_free(it);
}

static void test_scan_limit_stops_early(void **state)
{
    (void)state;
    ddbt_wire_script(&wire, 1, "{\"Items\":[{\"id\":{\"B\":\"AA==\"},\"n\":{\"N\":\"1\"}},{\"id\":{\"B\":\"AQ==\"},\"n\":{\"N\":\"2\"}}],"
              "\"Count\":2,\"LastEvaluatedKey\":{\"id\":{\"B\":\"AQ==\"}}}");
    ddb_iter *it = NULL;
    assert_int_equal(gold_counter_scan(&it, GOLD_COUNTER_NO_COND, DDB_SCAN_OPTS(.limit = 2)), 0);
    gold_counter c;
    gold_counter_init(&c);
    assert_int_equal(gold_counter_next(&c, it), 1);
    assert_int_equal(gold_counter_next(&c, it), 1);
    assert_true(c.n == 2);
    assert_int_equal(gold_counter_next(&c, it), 0); /* limit reached: no second request */
    assert_int_equal(wire.n_requests, 1);
    ddbt_assert_sent(&wire, 0, "\"Limit\":2");
    gold_counter_clear(&c);
    ddb_iter_free(it);
}

static void test_create_table_request(void **state)
{
    (void)state;
    ddbt_wire_script(&wire, 1, "{\"TableDescription\":{\"TableName\":\"Gold.Items-v1\",\"TableStatus\":\"ACTIVE\"}}");
    assert_int_equal(gold_item_create_table(NULL), 0);
    assert_string_equal(wire.targets[0], "DynamoDB_20120810.CreateTable");
    ddbt_assert_sent(&wire, 0, "\"BillingMode\":\"PROVISIONED\"");
    ddbt_assert_sent(&wire, 0, "\"ReadCapacityUnits\":7");
    ddbt_assert_sent(&wire, 0, "\"WriteCapacityUnits\":3");
    ddbt_assert_sent(&wire, 0, "{\"AttributeName\":\"sk\",\"AttributeType\":\"N\"}");
    ddbt_assert_sent(&wire, 0, "{\"AttributeName\":\"sk\",\"KeyType\":\"RANGE\"}");
}

/* ------------------------------------------------------------ console URLs */

static void test_console_urls(void **state)
{
    (void)state;
    ddb_buf url = DDB_BUF_INIT;
    /* the model's client's region (ddbt_wire_client: us-east-1) */
    assert_int_equal(gold_item_table_console_url(&url), 0);
    assert_string_equal(ddb_buf_cstr(&url), "https://us-east-1.console.aws.amazon.com/dynamodbv2/home?"
                                            "region=us-east-1#table?initialTagKey=&name=Gold.Items-v1&tab=overview");
    ddb_buf_reset(&url);
    assert_int_equal(gold_item_items_console_url(&url), 0);
    assert_string_equal(ddb_buf_cstr(&url), "https://us-east-1.console.aws.amazon.com/dynamodbv2/home?"
                                            "region=us-east-1#item-explorer?initialTagKey=&maximize=true&"
                                            "table=Gold.Items-v1");
    /* every key value percent-encoded: '&', '#', '/', space, '%', UTF-8 */
    gold_item it;
    fill(&it);
    free(it.pk);
    it.pk = ddb_strdup("a&b#c/d e%f\xc3\xa9");
    it.sk = -42;
    ddb_buf_reset(&url);
    assert_int_equal(gold_item_item_console_url(&url, &it), 0);
    assert_string_equal(ddb_buf_cstr(&url),
                        "https://us-east-1.console.aws.amazon.com/dynamodbv2/home?region=us-east-1#edit-item?"
                        "table=Gold.Items-v1&itemMode=2&pk=a%26b%23c%2Fd%20e%25f%C3%A9&sk=-42&"
                        "ref=%23item-explorer%3Ftable%3DGold.Items-v1&route=ROUTE_ITEM_EXPLORER");
    gold_item_clear(&it);
    /* a binary hash key as base64, encoded; no range key: an empty sk */
    gold_counter c;
    gold_counter_init(&c);
    c.id = (ddb_bytes){(unsigned char *)ddb_strdup("\xfb\xff?"), 3};
    ddb_buf_reset(&url);
    assert_int_equal(gold_counter_item_console_url(&url, &c), 0);
    assert_non_null(strstr(ddb_buf_cstr(&url), "&pk=%2B%2F8%2F&sk=&ref="));
    gold_counter_clear(&c);
    /* other partitions have their own consoles */
    ddb_buf_reset(&url);
    assert_int_equal(ddb_model_console_url(&url, &gold_counter_model, "cn-north-1", DDB_CONSOLE_TABLE, NULL), 0);
    assert_string_equal(ddb_buf_cstr(&url), "https://console.amazonaws.cn/dynamodbv2/home?region=cn-north-1#"
                                            "table?initialTagKey=&name=Counters&tab=overview");
    ddb_buf_reset(&url);
    assert_int_equal(ddb_model_console_url(&url, &gold_counter_model, "us-gov-west-1", DDB_CONSOLE_ITEMS, NULL), 0);
    assert_non_null(strstr(ddb_buf_cstr(&url), "https://console.amazonaws-us-gov.com/dynamodbv2/home?"));
    /* an item view without an item, or without its key: refused, out unchanged */
    ddb_buf_reset(&url);
    assert_int_equal(ddb_model_console_url(&url, &gold_counter_model, "eu-west-1", DDB_CONSOLE_ITEM, NULL),
                     DDB_EINVAL);
    gold_item nokey;
    gold_item_init(&nokey);
    assert_int_equal(gold_item_item_console_url(&url, &nokey), DDB_EINVAL);
    assert_int_equal(url.len, 0);
    gold_item_clear(&nokey);
    ddb_buf_free(&url);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_console_urls),
        cmocka_unit_test(test_init_applies_defaults_and_clear_zeroes),
        cmocka_unit_test(test_to_item_encodes_every_type),
        cmocka_unit_test(test_to_item_rejects_missing_required_and_nonfinite),
        cmocka_unit_test(test_from_item_type_errors_and_nulls),
        cmocka_unit_test(test_put_request_with_condition),
        cmocka_unit_test(test_put_with_error_node_sends_nothing),
        cmocka_unit_test(test_get_request_and_not_found),
        cmocka_unit_test(test_update_request_and_refresh),
        cmocka_unit_test(test_int64_arithmetic_never_overflows),
        cmocka_unit_test(test_update_applied_but_not_readable_is_stale),
        cmocka_unit_test(test_delete_request),
        cmocka_unit_test(test_query_pages_and_key_condition),
        cmocka_unit_test(test_scan_limit_stops_early),
        cmocka_unit_test(test_create_table_request),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
