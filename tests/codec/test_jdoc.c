/* test_jdoc.c - the response envelope reader (runtime/src/json_internal.h). */
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
#include "json_internal.h"

static ddb_jdoc *parse_ok(const char *body, const char *const *paths)
{
    ddb_jdoc *doc = NULL;
    if (ddb_jdoc_parse(body, strlen(body), paths, &doc) != 0)
        fail_msg("parse failed: %s", ddb_last_error()->message);
    return doc;
}

static const char *item_s(const ddb_av *item, const char *name)
{
    const ddb_av *v = ddb_av_map_get(item, name);
    return v != NULL && v->type == DDB_AV_S ? v->u.str.ptr : NULL;
}

static void test_get_item(void **state)
{
    (void)state;
    static const char *const paths[] = {"Item", NULL};
    ddb_jdoc *doc = parse_ok("{\"Item\":{\"id\":{\"S\":\"u1\"},\"n\":{\"N\":\"5\"}},"
                             "\"ConsumedCapacity\":{\"TableName\":\"T\",\"CapacityUnits\":0.5}}",
                             paths);
    ddb_jnode *root = ddb_jdoc_root(doc);
    assert_int_equal(ddb_jnode_type(root), DDB_J_OBJECT);
    assert_int_equal(ddb_jnode_len(root), 2);
    ddb_jnode *item = ddb_jnode_get(root, "Item");
    assert_int_equal(ddb_jnode_type(item), DDB_J_ITEM);
    assert_string_equal(item_s(ddb_jnode_item(item), "id"), "u1");
    ddb_av *owned = ddb_jnode_take_item(item);
    assert_non_null(owned);
    assert_null(ddb_jnode_take_item(item));
    assert_null(ddb_jnode_item(item));
    assert_int_equal(ddb_jnode_type(item), DDB_J_ITEM);
    ddb_jnode *cc = ddb_jnode_get(root, "ConsumedCapacity");
    double units = 0;
    assert_int_equal(ddb_jnode_double(ddb_jnode_get(cc, "CapacityUnits"), &units), 0);
    assert_true(units == 0.5);
    assert_string_equal(ddb_jnode_get_str(cc, "TableName"), "T");
    ddb_jdoc_free(doc);
    /* the item outlives the document */
    assert_string_equal(item_s(owned, "id"), "u1");
    ddb_av_free(owned);
}

static void test_get_item_not_found(void **state)
{
    (void)state;
    static const char *const paths[] = {"Item", NULL};
    ddb_jdoc *doc = parse_ok("{}", paths);
    assert_null(ddb_jnode_get(ddb_jdoc_root(doc), "Item"));
    assert_null(ddb_jnode_take_item(ddb_jnode_get(ddb_jdoc_root(doc), "Item")));
    ddb_jdoc_free(doc);
}

static void test_query_page(void **state)
{
    (void)state;
    static const char *const paths[] = {"Items[]", "LastEvaluatedKey", NULL};
    ddb_jdoc *doc =
        parse_ok("{\"Count\":3,\"Items\":[{\"k\":{\"S\":\"a\"}},{\"k\":{\"S\":\"b\"}},{\"k\":{\"S\":\"c\"}}],"
                 "\"LastEvaluatedKey\":{\"k\":{\"S\":\"c\"}},\"ScannedCount\":10}",
                 paths);
    ddb_jnode *root = ddb_jdoc_root(doc);
    int64_t count = 0, scanned = 0;
    assert_int_equal(ddb_jnode_get_i64(root, "Count", &count), 0);
    assert_int_equal(ddb_jnode_get_i64(root, "ScannedCount", &scanned), 0);
    assert_int_equal(count, 3);
    assert_int_equal(scanned, 10);
    ddb_jnode *items = ddb_jnode_get(root, "Items");
    assert_int_equal(ddb_jnode_type(items), DDB_J_ARRAY);
    assert_int_equal(ddb_jnode_len(items), 3);
    const char *want[] = {"a", "b", "c"};
    size_t i = 0;
    for (ddb_jnode *it = ddb_jnode_first(items); it != NULL; it = ddb_jnode_next(it), i++) {
        assert_null(ddb_jnode_name(it, NULL));
        ddb_av *item = ddb_jnode_take_item(it);
        assert_string_equal(item_s(item, "k"), want[i]);
        ddb_av_free(item);
    }
    assert_int_equal(i, 3);
    ddb_av *lek = ddb_jnode_take_item(ddb_jnode_get(root, "LastEvaluatedKey"));
    assert_string_equal(item_s(lek, "k"), "c");
    ddb_av_free(lek);
    ddb_jdoc_free(doc);
}

static void test_untaken_items_are_freed(void **state)
{
    (void)state;
    static const char *const paths[] = {"Items[]", NULL};
    ddb_jdoc *doc = parse_ok("{\"Items\":[{\"a\":{\"SS\":[\"x\",\"y\"]}},{\"b\":{\"M\":{\"c\":{\"L\":[]}}}}]}", paths);
    ddb_jnode *first = ddb_jnode_first(ddb_jnode_get(ddb_jdoc_root(doc), "Items"));
    ddb_av_free(ddb_jnode_take_item(first)); /* one taken, one left: leak checkers watch */
    ddb_jdoc_free(doc);
    ddb_jdoc_free(NULL);
}

static void test_batch_get_and_write_paths(void **state)
{
    (void)state;
    static const char *const paths[] = {"Responses.*[]", "UnprocessedKeys.*.Keys[]",
                                        "UnprocessedItems.*[].PutRequest.Item",
                                        "UnprocessedItems.*[].DeleteRequest.Key", NULL};
    ddb_jdoc *doc = parse_ok(
        "{\"Responses\":{\"T1\":[{\"id\":{\"S\":\"1\"}}],\"T2\":[{\"id\":{\"S\":\"2\"}},{\"id\":{\"S\":\"3\"}}]},"
        "\"UnprocessedKeys\":{\"T1\":{\"Keys\":[{\"id\":{\"S\":\"9\"}}],\"ConsistentRead\":true}},"
        "\"UnprocessedItems\":{\"T3\":[{\"PutRequest\":{\"Item\":{\"id\":{\"S\":\"p\"}}}},"
        "{\"DeleteRequest\":{\"Key\":{\"id\":{\"S\":\"d\"}}}}]}}",
        paths);
    ddb_jnode *root = ddb_jdoc_root(doc);
    ddb_jnode *responses = ddb_jnode_get(root, "Responses");
    ddb_jnode *t2 = ddb_jnode_next(ddb_jnode_first(responses));
    size_t len = 0;
    assert_string_equal(ddb_jnode_name(t2, &len), "T2");
    assert_int_equal(len, 2);
    assert_int_equal(ddb_jnode_len(t2), 2);
    assert_string_equal(item_s(ddb_jnode_item(ddb_jnode_next(ddb_jnode_first(t2))), "id"), "3");
    ddb_jnode *t1 = ddb_jnode_get(ddb_jnode_get(root, "UnprocessedKeys"), "T1");
    assert_string_equal(item_s(ddb_jnode_item(ddb_jnode_first(ddb_jnode_get(t1, "Keys"))), "id"), "9");
    bool consistent = false;
    assert_int_equal(ddb_jnode_bool(ddb_jnode_get(t1, "ConsistentRead"), &consistent), 0);
    assert_true(consistent);
    ddb_jnode *t3 = ddb_jnode_first(ddb_jnode_get(root, "UnprocessedItems"));
    ddb_jnode *put = ddb_jnode_first(t3);
    ddb_jnode *del = ddb_jnode_next(put);
    assert_string_equal(item_s(ddb_jnode_item(ddb_jnode_get(ddb_jnode_get(put, "PutRequest"), "Item")), "id"), "p");
    assert_string_equal(item_s(ddb_jnode_item(ddb_jnode_get(ddb_jnode_get(del, "DeleteRequest"), "Key")), "id"), "d");
    ddb_jdoc_free(doc);
}

static void test_transact_and_cancellation(void **state)
{
    (void)state;
    static const char *const paths[] = {"Responses[].Item", "CancellationReasons[].Item", NULL};
    ddb_jdoc *doc = parse_ok("{\"Responses\":[{\"Item\":{\"a\":{\"S\":\"1\"}}},{}]}", paths);
    ddb_jnode *responses = ddb_jnode_get(ddb_jdoc_root(doc), "Responses");
    assert_string_equal(item_s(ddb_jnode_item(ddb_jnode_get(ddb_jnode_first(responses), "Item")), "a"), "1");
    assert_null(ddb_jnode_get(ddb_jnode_next(ddb_jnode_first(responses)), "Item"));
    ddb_jdoc_free(doc);

    doc = parse_ok("{\"__type\":\"com.amazonaws.dynamodb.v20120810#TransactionCanceledException\","
                   "\"Message\":\"Transaction cancelled\",\"CancellationReasons\":[{\"Code\":\"None\"},"
                   "{\"Code\":\"ConditionalCheckFailed\",\"Message\":\"The conditional request failed\","
                   "\"Item\":{\"id\":{\"S\":\"x\"}}}]}",
                   paths);
    ddb_jnode *root = ddb_jdoc_root(doc);
    assert_non_null(strstr(ddb_jnode_get_str(root, "__type"), "#TransactionCanceledException"));
    ddb_jnode *second = ddb_jnode_next(ddb_jnode_first(ddb_jnode_get(root, "CancellationReasons")));
    assert_string_equal(ddb_jnode_get_str(second, "Code"), "ConditionalCheckFailed");
    assert_string_equal(item_s(ddb_jnode_item(ddb_jnode_get(second, "Item")), "id"), "x");
    ddb_jdoc_free(doc);
}

static void test_error_body(void **state)
{
    (void)state;
    ddb_jdoc *doc = parse_ok("{\"__type\":\"com.amazon.coral.validate#ValidationException\","
                             "\"message\":\"1 validation error detected: \\\"x\\\" \\u00e9\"}",
                             NULL);
    ddb_jnode *root = ddb_jdoc_root(doc);
    assert_string_equal(ddb_jnode_get_str(root, "__type"), "com.amazon.coral.validate#ValidationException");
    assert_string_equal(ddb_jnode_get_str(root, "message"), "1 validation error detected: \"x\" é");
    assert_null(ddb_jnode_get_str(root, "Message"));
    ddb_jdoc_free(doc);
}

static void test_describe_table_walk(void **state)
{
    (void)state;
    const char *body =
        "{\"Table\":{\"TableName\":\"Thread\",\"TableStatus\":\"ACTIVE\",\"ItemCount\":12,"
        "\"TableSizeBytes\":12345678901,\"CreationDateTime\":1.7040672E9,\"DeletionProtectionEnabled\":false,"
        "\"KeySchema\":[{\"AttributeName\":\"forum\",\"KeyType\":\"HASH\"},{\"AttributeName\":\"subject\",\"KeyType\":"
        "\"RANGE\"}],"
        "\"ProvisionedThroughput\":{\"ReadCapacityUnits\":5,\"WriteCapacityUnits\":5,\"NumberOfDecreasesToday\":0},"
        "\"StreamSpecification\":null,\"GlobalSecondaryIndexes\":[]}}";
    ddb_jdoc *doc = parse_ok(body, NULL);
    ddb_jnode *table = ddb_jnode_get(ddb_jdoc_root(doc), "Table");
    assert_string_equal(ddb_jnode_get_str(table, "TableStatus"), "ACTIVE");
    int64_t size = 0;
    assert_int_equal(ddb_jnode_get_i64(table, "TableSizeBytes", &size), 0);
    assert_true(size == 12345678901);
    double created = 0;
    assert_int_equal(ddb_jnode_double(ddb_jnode_get(table, "CreationDateTime"), &created), 0);
    assert_true(created == 1704067200.0);
    int64_t created_i = 0; /* 1.7040672E9 is integral, so an integer read works too */
    assert_int_equal(ddb_jnode_get_i64(table, "CreationDateTime", &created_i), 0);
    assert_true(created_i == 1704067200);
    bool protect = true;
    assert_int_equal(ddb_jnode_bool(ddb_jnode_get(table, "DeletionProtectionEnabled"), &protect), 0);
    assert_false(protect);
    assert_int_equal(ddb_jnode_type(ddb_jnode_get(table, "StreamSpecification")), DDB_J_NULL);
    assert_int_equal(ddb_jnode_type(ddb_jnode_get(table, "GlobalSecondaryIndexes")), DDB_J_ARRAY);
    assert_null(ddb_jnode_first(ddb_jnode_get(table, "GlobalSecondaryIndexes")));
    ddb_jnode *keys = ddb_jnode_get(table, "KeySchema");
    ddb_jnode *range = ddb_jnode_next(ddb_jnode_first(keys));
    assert_string_equal(ddb_jnode_get_str(range, "AttributeName"), "subject");
    assert_null(ddb_jnode_next(range));
    size_t len = 0;
    assert_string_equal(ddb_jnode_str(ddb_jnode_get(table, "ItemCount"), &len), "12"); /* number text */
    assert_int_equal(len, 2);
    /* walk every member of the throughput object */
    int64_t sum = 0;
    for (ddb_jnode *m = ddb_jnode_first(ddb_jnode_get(table, "ProvisionedThroughput")); m; m = ddb_jnode_next(m)) {
        int64_t v = 0;
        assert_int_equal(ddb_jnode_i64(m, &v), 0);
        sum += v;
    }
    assert_int_equal(sum, 10);
    ddb_jdoc_free(doc);
}

static void test_null_tolerant_accessors(void **state)
{
    (void)state;
    ddb_error_set(DDB_ETIMEOUT, "earlier");
    int64_t i = 0;
    double d = 0;
    bool b = false;
    assert_int_equal(ddb_jnode_type(NULL), DDB_J_NONE);
    assert_null(ddb_jnode_get(NULL, "x"));
    assert_null(ddb_jnode_first(NULL));
    assert_null(ddb_jnode_next(NULL));
    assert_int_equal(ddb_jnode_len(NULL), 0);
    assert_null(ddb_jnode_name(NULL, NULL));
    assert_null(ddb_jnode_str(NULL, NULL));
    assert_int_equal(ddb_jnode_i64(NULL, &i), DDB_ENOTFOUND);
    assert_int_equal(ddb_jnode_double(NULL, &d), DDB_ENOTFOUND);
    assert_int_equal(ddb_jnode_bool(NULL, &b), DDB_ENOTFOUND);
    assert_int_equal(ddb_jnode_get_i64(NULL, "Count", &i), DDB_ENOTFOUND);
    assert_null(ddb_jnode_get_str(NULL, "x"));
    assert_null(ddb_jnode_item(NULL));
    assert_null(ddb_jnode_take_item(NULL));
    assert_null(ddb_jdoc_root(NULL));
    /* absence records nothing */
    assert_int_equal(ddb_last_error()->code, DDB_ETIMEOUT);
    assert_string_equal(ddb_last_error()->message, "earlier");
}

static void test_typed_reads_report_wrong_types(void **state)
{
    (void)state;
    ddb_jdoc *doc = parse_ok("{\"Count\":\"3\",\"Frac\":1.5,\"Huge\":1e999,\"Big\":9223372036854775808,\"Flag\":1,"
                             "\"Obj\":{},\"Arr\":[1,2]}",
                             NULL);
    ddb_jnode *root = ddb_jdoc_root(doc);
    int64_t i = 0;
    double d = 0;
    bool b = false;
    assert_int_equal(ddb_jnode_get_i64(root, "Count", &i), DDB_EPROTOCOL);
    assert_string_equal(ddb_last_error()->message, "response member \"Count\": expected an integer, got a string");
    assert_int_equal(ddb_jnode_get_i64(root, "Frac", &i), DDB_EPROTOCOL);
    assert_non_null(strstr(ddb_last_error()->message, "not an integer"));
    assert_int_equal(ddb_jnode_get_i64(root, "Big", &i), DDB_EPROTOCOL);
    assert_non_null(strstr(ddb_last_error()->message, "int64"));
    assert_int_equal(ddb_jnode_double(ddb_jnode_get(root, "Huge"), &d), DDB_EPROTOCOL);
    assert_non_null(strstr(ddb_last_error()->message, "\"Huge\": expected a finite number"));
    assert_int_equal(ddb_jnode_bool(ddb_jnode_get(root, "Flag"), &b), DDB_EPROTOCOL);
    assert_int_equal(ddb_jnode_double(ddb_jnode_get(root, "Obj"), &d), DDB_EPROTOCOL);
    assert_non_null(strstr(ddb_last_error()->message, "got an object"));
    assert_int_equal(ddb_jnode_i64(ddb_jnode_get(root, "Arr"), &i), DDB_EPROTOCOL);
    assert_non_null(strstr(ddb_last_error()->message, "got an array"));
    assert_int_equal(ddb_jnode_i64(ddb_jnode_first(ddb_jnode_get(root, "Arr")), &i), 0);
    assert_int_equal(i, 1);
    assert_int_equal(ddb_jnode_i64(root, &i), DDB_EPROTOCOL);
    assert_string_equal(ddb_last_error()->message, "response value: expected an integer, got an object");
    assert_null(ddb_jnode_get_str(root, "Obj"));
    assert_null(ddb_jnode_get(ddb_jnode_get(root, "Arr"), "x")); /* not an object */
    assert_int_equal(ddb_jnode_len(ddb_jnode_get(root, "Count")), 0);
    ddb_jdoc_free(doc);
}

static void test_scalars_and_arrays_at_the_root(void **state)
{
    (void)state;
    static const char *const item_root[] = {"", NULL};
    static const char *const item_elems[] = {"[]", NULL};
    ddb_jdoc *doc = parse_ok(" \"text\" ", NULL);
    assert_string_equal(ddb_jnode_str(ddb_jdoc_root(doc), NULL), "text");
    assert_null(ddb_jnode_name(ddb_jdoc_root(doc), NULL));
    ddb_jdoc_free(doc);
    doc = parse_ok("-0.5e-3", NULL);
    assert_int_equal(ddb_jnode_type(ddb_jdoc_root(doc)), DDB_J_NUMBER);
    ddb_jdoc_free(doc);
    doc = parse_ok("[true,false,null,[],{}]", NULL);
    assert_int_equal(ddb_jnode_len(ddb_jdoc_root(doc)), 5);
    ddb_jdoc_free(doc);
    /* "" makes the root itself an item; "[]" each element of a root array */
    doc = parse_ok("{\"k\":{\"S\":\"v\"}}", item_root);
    assert_string_equal(item_s(ddb_jnode_item(ddb_jdoc_root(doc)), "k"), "v");
    ddb_jdoc_free(doc);
    doc = parse_ok("[{\"k\":{\"S\":\"v\"}},{}]", item_elems);
    assert_int_equal(ddb_jnode_type(ddb_jnode_first(ddb_jdoc_root(doc))), DDB_J_ITEM);
    ddb_jdoc_free(doc);
}

static void test_duplicate_envelope_members_keep_the_first(void **state)
{
    (void)state;
    ddb_jdoc *doc = parse_ok("{\"a\":1,\"a\":2}", NULL);
    int64_t v = 0;
    assert_int_equal(ddb_jnode_get_i64(ddb_jdoc_root(doc), "a", &v), 0);
    assert_int_equal(v, 1);
    assert_int_equal(ddb_jnode_len(ddb_jdoc_root(doc)), 2);
    ddb_jdoc_free(doc);
}

static void test_names_with_escapes_and_nul(void **state)
{
    (void)state;
    ddb_jdoc *doc = parse_ok("{\"a\\u0000b\":1,\"caf\\u00e9\":2}", NULL);
    ddb_jnode *first = ddb_jnode_first(ddb_jdoc_root(doc));
    size_t len = 0;
    assert_memory_equal(ddb_jnode_name(first, &len), "a\0b", 4);
    assert_int_equal(len, 3);
    assert_non_null(ddb_jnode_get(ddb_jdoc_root(doc), "café"));
    assert_null(ddb_jnode_get(ddb_jdoc_root(doc), "a")); /* "a\0b" is not "a" */
    ddb_jdoc_free(doc);
}

static void test_large_document_grows_the_arena(void **state)
{
    (void)state;
    ddb_buf b = DDB_BUF_INIT;
    ddb_buf_puts(&b, "{\"Big\":\"");
    for (int i = 0; i < 10000; i++)
        ddb_buf_puts(&b, "0123456789");
    ddb_buf_puts(&b, "\",\"List\":[");
    for (int i = 0; i < 5000; i++)
        ddb_buf_printf(&b, "%s{\"n\":%d}", i ? "," : "", i);
    ddb_buf_puts(&b, "]}");
    ddb_jdoc *doc = parse_ok(b.data, NULL);
    size_t len = 0;
    ddb_jnode *root = ddb_jdoc_root(doc);
    assert_non_null(ddb_jnode_str(ddb_jnode_get(root, "Big"), &len));
    assert_int_equal(len, 100000);
    int64_t n = 0;
    size_t count = 0;
    for (ddb_jnode *e = ddb_jnode_first(ddb_jnode_get(root, "List")); e; e = ddb_jnode_next(e), count++)
        assert_int_equal(ddb_jnode_get_i64(e, "n", &n), 0);
    assert_int_equal(count, 5000);
    assert_int_equal(n, 4999);
    ddb_jdoc_free(doc);
    ddb_buf_free(&b);
}

/* --- errors ------------------------------------------------------------------ */

static void expect_parse_error(const char *body, const char *const *paths, int code, const char *message)
{
    ddb_jdoc *doc = (ddb_jdoc *)&doc;
    int rc = ddb_jdoc_parse(body, strlen(body), paths, &doc);
    if (rc != code)
        fail_msg("%s: expected %d, got %d (%s)", body, code, rc, ddb_last_error()->message);
    assert_null(doc);
    if (strncmp(ddb_last_error()->message, message, strlen(message)) != 0)
        fail_msg("%s: message \"%s\" does not start with \"%s\"", body, ddb_last_error()->message, message);
}

static void test_malformed_json(void **state)
{
    (void)state;
    expect_parse_error("", NULL, DDB_EPROTOCOL, "offset 0: expected a JSON value, found end of input");
    expect_parse_error("{\"a\":}", NULL, DDB_EPROTOCOL, "offset 5: expected a JSON value, found '}'");
    expect_parse_error("{\"a\":1,}", NULL, DDB_EPROTOCOL, "offset 7: expected a string, found '}'");
    expect_parse_error("[1,]", NULL, DDB_EPROTOCOL, "offset 3: expected a JSON value, found ']'");
    expect_parse_error("[1 2]", NULL, DDB_EPROTOCOL, "offset 3: expected ',' or ']', found '2'");
    expect_parse_error("{\"a\" 1}", NULL, DDB_EPROTOCOL, "offset 5: expected ':' after the member name, found '1'");
    expect_parse_error("01", NULL, DDB_EPROTOCOL, "offset 1: expected end of input, found '1'");
    expect_parse_error("-", NULL, DDB_EPROTOCOL, "offset 1: expected a digit, found end of input");
    expect_parse_error("-x", NULL, DDB_EPROTOCOL, "offset 1: expected a digit, found 'x'");
    expect_parse_error("1.", NULL, DDB_EPROTOCOL, "offset 2: expected a digit after the decimal point");
    expect_parse_error("1.e5", NULL, DDB_EPROTOCOL, "offset 2: expected a digit after the decimal point");
    expect_parse_error("1e", NULL, DDB_EPROTOCOL, "offset 2: expected a digit in the exponent");
    expect_parse_error("1e+", NULL, DDB_EPROTOCOL, "offset 3: expected a digit in the exponent");
    expect_parse_error(".5", NULL, DDB_EPROTOCOL, "offset 0: expected a JSON value, found '.'");
    expect_parse_error("+1", NULL, DDB_EPROTOCOL, "offset 0: expected a JSON value, found '+'");
    expect_parse_error("tru", NULL, DDB_EPROTOCOL, "offset 0: expected true or false, found 't'");
    expect_parse_error("nul", NULL, DDB_EPROTOCOL, "offset 0: expected null, found 'n'");
    expect_parse_error("NaN", NULL, DDB_EPROTOCOL, "offset 0: expected a JSON value, found 'N'");
    expect_parse_error("\"\\ud800\"", NULL, DDB_EPROTOCOL, "offset 1: expected a valid escape sequence");
    expect_parse_error("{\"a\":\"\xc3\"}", NULL, DDB_EPROTOCOL, "offset 6: expected valid UTF-8, found byte 0xc3");
    expect_parse_error("{} {}", NULL, DDB_EPROTOCOL, "offset 3: expected end of input, found '{'");
}

static void test_malformed_items_inside_envelopes(void **state)
{
    (void)state;
    static const char *const paths[] = {"Item", "Items[]", NULL};
    expect_parse_error("{\"Item\":\"text\"}", paths, DDB_EPROTOCOL,
                       "offset 8: expected '{' opening an item or M value, found '\"'");
    expect_parse_error("{\"Items\":[{\"a\":{\"S\":\"x\"}},7]}", paths, DDB_EPROTOCOL,
                       "offset 26: expected '{' opening an item or M value, found '7'");
    expect_parse_error("{\"Count\":1,\"Item\":{\"a\":{\"Q\":\"x\"}}}", paths, DDB_EPROTOCOL,
                       "offset 24: expected an AttributeValue type tag");
    /* the item before the failure is released (leak checkers watch) */
    expect_parse_error("{\"Items\":[{\"a\":{\"S\":\"x\"}},{\"a\":{\"N\":\"y\"}}]}", paths, DDB_EPROTOCOL,
                       "offset 36: expected a DynamoDB number");
    /* "Items" without a path is plain JSON, so the same text parses */
    ddb_jdoc *doc = parse_ok("{\"Items\":[{\"a\":{\"N\":\"y\"}}]}", NULL);
    ddb_jdoc_free(doc);
}

/* n nested arrays: "[[...]]". */
static char *brackets(size_t n)
{
    char *text = malloc(2 * n + 1);
    memset(text, '[', n);
    memset(text + n, ']', n);
    text[2 * n] = '\0';
    return text;
}

static void test_depth_limit(void **state)
{
    (void)state;
    char *text = brackets(DDB_JSON_MAX_DEPTH);
    ddb_jdoc *doc = parse_ok(text, NULL);
    ddb_jdoc_free(doc);
    free(text);
    text = brackets(DDB_JSON_MAX_DEPTH + 1);
    expect_parse_error(text, NULL, DDB_EPROTOCOL, "offset 128: expected at most 128 levels of nesting");
    free(text);
    /* items count their levels from the root of the envelope */
    static const char *const paths[] = {"a.b", NULL};
    ddb_jdoc *d2 = parse_ok("{\"a\":{\"b\":{\"x\":{\"L\":[{\"L\":[]}]}}}}", paths);
    ddb_jdoc_free(d2);
}

static void test_bad_item_paths(void **state)
{
    (void)state;
    static const char *const bad[][2] = {
        {"a..b", "empty step"},         {"a.", "empty step"},  {".a", "empty step"},
        {"a[", "'[' must be followed"}, {"a[x]", "'[' must"},  {"a[]b", "expected '.'"},
        {"*x", "not allowed"},          {"a]", "not allowed"}, {"a.b.c.d.e.f.g.h.i", "too many steps"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *const paths[] = {bad[i][0], NULL};
        expect_parse_error("{}", paths, DDB_EINVAL, "item path \"");
        if (strstr(ddb_last_error()->message, bad[i][1]) == NULL)
            fail_msg("%s: %s", bad[i][0], ddb_last_error()->message);
    }
    const char *many[DDB_JPATH_MAX + 2];
    for (int i = 0; i <= DDB_JPATH_MAX; i++)
        many[i] = "Item";
    many[DDB_JPATH_MAX + 1] = NULL;
    expect_parse_error("{}", many, DDB_EINVAL, "more than 16 item paths");
    many[DDB_JPATH_MAX] = NULL; /* exactly the maximum is fine */
    ddb_jdoc *doc = parse_ok("{\"Item\":{}}", many);
    ddb_jdoc_free(doc);
    /* bracket pairs may repeat: arrays of arrays */
    static const char *const nested[] = {"a[][]", NULL};
    doc = parse_ok("{\"a\":[[{}],[{},{}]]}", nested);
    assert_int_equal(ddb_jnode_type(ddb_jnode_first(ddb_jnode_first(ddb_jnode_get(ddb_jdoc_root(doc), "a")))),
                     DDB_J_ITEM);
    ddb_jdoc_free(doc);
}

static void test_argument_errors(void **state)
{
    (void)state;
    ddb_jdoc *doc = NULL;
    assert_int_equal(ddb_jdoc_parse("{}", 2, NULL, NULL), DDB_EINVAL);
    assert_int_equal(ddb_jdoc_parse(NULL, 2, NULL, &doc), DDB_EINVAL);
    assert_null(doc);
    assert_int_equal(ddb_jdoc_parse(NULL, 0, NULL, &doc), DDB_EPROTOCOL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_item),
        cmocka_unit_test(test_get_item_not_found),
        cmocka_unit_test(test_query_page),
        cmocka_unit_test(test_untaken_items_are_freed),
        cmocka_unit_test(test_batch_get_and_write_paths),
        cmocka_unit_test(test_transact_and_cancellation),
        cmocka_unit_test(test_error_body),
        cmocka_unit_test(test_describe_table_walk),
        cmocka_unit_test(test_null_tolerant_accessors),
        cmocka_unit_test(test_typed_reads_report_wrong_types),
        cmocka_unit_test(test_scalars_and_arrays_at_the_root),
        cmocka_unit_test(test_duplicate_envelope_members_keep_the_first),
        cmocka_unit_test(test_names_with_escapes_and_nul),
        cmocka_unit_test(test_large_document_grows_the_arena),
        cmocka_unit_test(test_malformed_json),
        cmocka_unit_test(test_malformed_items_inside_envelopes),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_bad_item_paths),
        cmocka_unit_test(test_argument_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
