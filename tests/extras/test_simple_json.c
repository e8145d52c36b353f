/*
 * test_simple_json.c - model objects to and from plain JSON, for every
 * field type, through a hand-written descriptor (what ddbc generates):
 * exact output, round trips, decimal text kept, embedded JSON values,
 * nulls and absent attributes, keep_unknown, and errors naming the JSON
 * path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ddb/ddb.h"

#include "author_map.h" /* t_author, author_map, t_list_string, t_author_list */

/* ---- the model (its map and list types: tests/support/author_map.h) */
typedef struct s_item {
    char *id;
    int64_t views;
    bool has_score;
    double score;
    bool ok;
    ddb_bytes blob;
    char *price;            /* decimal */
    bool has_when;
    ddb_time when;          /* utc_datetime */
    char *meta;             /* json */
    ddb_strset tags;
    ddb_numset scores;
    ddb_binset blobs;
    t_list_string words;    /* list of string */
    t_author_list authors;  /* list of map */
    ddb_av *anything;       /* untyped list */
    t_author owner;         /* map */
    ddb_av *doc;            /* document */
    bool nothing;           /* null */
    bool has_expires;
    int64_t expires;        /* ttl */
    int64_t version;
    char *odd;              /* attr_name "odd key" */
    ddb_av *unknown;        /* keep_unknown */
} s_item;

static void item_defaults(void *p)
{
    s_item *it = p;
    it->views = 42;
    ddb_model_init(&author_map, &it->owner);
}

#define F(n, t, ...) {.name = #n, .attr = #n, .type = t, .offset = offsetof(s_item, n), __VA_ARGS__}
static const ddb_field item_fields[] = {
    F(id, DDB_FT_STRING, .flags = DDB_FIELD_HASH_KEY, .has_offset = DDB_NO_PRESENCE),
    F(views, DDB_FT_INT64, .has_offset = DDB_NO_PRESENCE),
    F(score, DDB_FT_DOUBLE, .flags = DDB_FIELD_NULLABLE, .has_offset = offsetof(s_item, has_score)),
    F(ok, DDB_FT_BOOL, .has_offset = DDB_NO_PRESENCE),
    F(blob, DDB_FT_BINARY, .flags = DDB_FIELD_NULLABLE, .has_offset = DDB_NO_PRESENCE),
    F(price, DDB_FT_DECIMAL, .flags = DDB_FIELD_NULLABLE, .has_offset = DDB_NO_PRESENCE),
    F(when, DDB_FT_DATETIME, .flags = DDB_FIELD_NULLABLE, .has_offset = offsetof(s_item, has_when)),
    F(meta, DDB_FT_JSON, .flags = DDB_FIELD_NULLABLE, .has_offset = DDB_NO_PRESENCE),
    F(tags, DDB_FT_STRING_SET, .has_offset = DDB_NO_PRESENCE),
    F(scores, DDB_FT_NUMBER_SET, .has_offset = DDB_NO_PRESENCE),
    F(blobs, DDB_FT_BINARY_SET, .has_offset = DDB_NO_PRESENCE),
    F(words, DDB_FT_LIST, .has_offset = DDB_NO_PRESENCE, .elem = DDB_FT_STRING,
      .elem_size = sizeof(char *)),
    F(authors, DDB_FT_LIST, .has_offset = DDB_NO_PRESENCE, .elem = DDB_FT_MAP,
      .elem_size = sizeof(t_author), .sub = &author_map),
    F(anything, DDB_FT_LIST, .flags = DDB_FIELD_NULLABLE, .has_offset = DDB_NO_PRESENCE,
      .elem = DDB_FT_DOCUMENT),
    F(owner, DDB_FT_MAP, .has_offset = DDB_NO_PRESENCE, .sub = &author_map),
    F(doc, DDB_FT_DOCUMENT, .flags = DDB_FIELD_NULLABLE, .has_offset = DDB_NO_PRESENCE),
    F(nothing, DDB_FT_NULL, .flags = DDB_FIELD_NULLABLE, .has_offset = DDB_NO_PRESENCE),
    F(expires, DDB_FT_TTL, .flags = DDB_FIELD_NULLABLE, .has_offset = offsetof(s_item, has_expires)),
    F(version, DDB_FT_VERSION, .has_offset = DDB_NO_PRESENCE),
    {.name = "odd", .attr = "odd key", .type = DDB_FT_STRING, .flags = DDB_FIELD_NULLABLE,
     .offset = offsetof(s_item, odd), .has_offset = DDB_NO_PRESENCE},
};
#undef F

static ddb_conn_slot item_slot;

static const ddb_model item_model = {
    .name = "s_item", .table = "Items", .size = sizeof(s_item), .fields = item_fields,
    .n_fields = sizeof item_fields / sizeof item_fields[0], .hash_key = 0, .range_key = -1,
    .slot = &item_slot, .defaults = item_defaults, .version_field = 18, .ttl_field = 17,
    .unknown_offset = offsetof(s_item, unknown), .discriminator_field = -1,
};

/* ------------------------------------------------------------ helpers */

static char *dup(const char *s)
{
    return ddb_strdup(s);
}

static ddb_av *json_av(const char *dynamodb_json)
{
    ddb_av *v = NULL;
    assert_int_equal(ddb_av_parse_json(&v, dynamodb_json, strlen(dynamodb_json)), 0);
    return v;
}

/* An object with every attribute set. */
static void fill(s_item *it)
{
    ddb_model_init(&item_model, it);
    it->id = dup("i-1");
    it->views = INT64_MIN;
    it->has_score = true;
    it->score = 0.1 + 0.2;
    it->ok = true;
    it->blob.data = malloc(3);
    memcpy(it->blob.data, "\x00\x01\xff", 3);
    it->blob.len = 3;
    it->price = dup("+0012.50");
    it->has_when = true;
    it->when = (ddb_time){1704164645, 6};
    it->meta = dup("{ \"a\" : [1, 2.50, \"x\\u00e9\"], \"b\": null }");
    static const char *const tags[] = {"b", "a"};
    it->tags = ddb_strset_of(tags, 2);
    static const char *const nums[] = {"1.0", "-5E+2"};
    it->scores = ddb_numset_of(nums, 2);
    static const char *const b64[] = {"AQ=="};
    it->blobs = ddb_binset_of_base64(b64, 1);
    it->words.items = calloc(2, sizeof(char *));
    it->words.items[0] = dup("x");
    it->words.items[1] = dup("y \"z\"");
    it->words.n = 2;
    it->authors.items = calloc(1, sizeof(t_author));
    it->authors.items[0].name = dup("ann");
    it->authors.items[0].has_karma = true;
    it->authors.items[0].karma = 7;
    it->authors.n = 1;
    it->anything = json_av("{\"L\":[{\"N\":\".5\"},{\"B\":\"AAE=\"},{\"NULL\":true},"
                           "{\"M\":{\"k\":{\"SS\":[\"s\"]}}}]}");
    it->owner.name = dup("bob");
    it->doc = json_av("{\"M\":{\"n\":{\"N\":\"00\"},\"t\":{\"BOOL\":false}}}");
    it->nothing = true;
    it->has_expires = true;
    it->expires = 1700000000;
    it->version = 3;
    it->odd = dup("o");
}

static const char want_json[] =
    "{\"id\":\"i-1\",\"views\":-9223372036854775808,\"score\":0.30000000000000004,\"ok\":true,"
    "\"blob\":\"AAH/\",\"price\":12.50,\"when\":\"2024-01-02T03:04:05.000006+0000\","
    "\"meta\":{\"a\":[1,2.50,\"x\\u00e9\"],\"b\":null},"
    "\"tags\":[\"b\",\"a\"],\"scores\":[1.0,-5E+2],\"blobs\":[\"AQ==\"],"
    "\"words\":[\"x\",\"y \\\"z\\\"\"],\"authors\":[{\"name\":\"ann\",\"karma\":7}],"
    "\"anything\":[0.5,\"AAE=\",null,{\"k\":[\"s\"]}],\"owner\":{\"name\":\"bob\"},"
    "\"doc\":{\"n\":0,\"t\":false},\"nothing\":null,\"expires\":1700000000,\"version\":3,"
    "\"odd key\":\"o\"}";

/* ------------------------------------------------------------ tests */

static void test_every_type_to_plain_json(void **state)
{
    (void)state;
    s_item it;
    fill(&it);
    ddb_buf out = DDB_BUF_INIT;
    ddb_buf_puts(&out, "prefix:");
    assert_int_equal(ddb_model_to_simple_json(&out, &item_model, &it), 0);
    /* \u00e9 was decoded when the json text was parsed: it is written as UTF-8 */
    char want[sizeof want_json + 8];
    snprintf(want, sizeof want, "prefix:%s", want_json);
    char *esc = strstr(want, "\\u00e9");
    memcpy(esc, "\xc3\xa9", 2);
    memmove(esc + 2, esc + 6, strlen(esc + 6) + 1);
    assert_string_equal(ddb_buf_cstr(&out), want);
    ddb_buf_free(&out);
    ddb_model_clear(&item_model, &it);
}

static void test_plain_json_round_trips_through_the_item(void **state)
{
    (void)state;
    s_item it, back;
    fill(&it);
    ddb_buf out = DDB_BUF_INIT;
    assert_int_equal(ddb_model_to_simple_json(&out, &item_model, &it), 0);
    ddb_model_init(&item_model, &back);
    assert_int_equal(ddb_model_from_simple_json(&back, &item_model, out.data, out.len), 0);
    assert_string_equal(back.price, "12.50"); /* every digit kept */
    assert_true(back.score == 0.1 + 0.2);
    assert_true(back.views == INT64_MIN);
    assert_string_equal(back.meta, "{\"a\":[1,2.50,\"x\xc3\xa9\"],\"b\":null}");
    assert_true(back.nothing);
    assert_int_equal(back.when.usec, 6);
    /* the items agree, except what JSON cannot tell apart: B in an untyped
     * list reads back as S, and the decimal's text is normalised */
    ddb_av *a = NULL, *b = NULL;
    assert_int_equal(ddb_model_to_item(&a, &item_model, &it), 0);
    assert_int_equal(ddb_model_to_item(&b, &item_model, &back), 0);
    ddb_av_free(ddb_av_map_take(a, "anything"));
    ddb_av_free(ddb_av_map_take(b, "anything"));
    ddb_av_free(ddb_av_map_take(a, "meta"));
    ddb_av_free(ddb_av_map_take(b, "meta"));
    assert_true(ddb_av_equal(a, b)); /* numbers compare by value: +0012.50 == 12.50 */
    ddb_av_free(a);
    ddb_av_free(b);
    /* and the text is stable */
    ddb_buf again = DDB_BUF_INIT;
    assert_int_equal(ddb_model_to_simple_json(&again, &item_model, &back), 0);
    assert_string_equal(ddb_buf_cstr(&again), ddb_buf_cstr(&out));
    ddb_buf_free(&again);
    ddb_buf_free(&out);
    ddb_model_clear(&item_model, &it);
    ddb_model_clear(&item_model, &back);
}

static void test_numbers_become_json_numbers_with_every_digit(void **state)
{
    (void)state;
    static const struct {
        const char *dynamodb, *json;
    } cases[] = {
        {"+1", "1"},       {".5", "0.5"},   {"5.", "5"},     {"-0", "-0"},
        {"007", "7"},      {"-00.010", "-0.010"}, {"1e5", "1e5"}, {"-1.5E-07", "-1.5E-07"},
        {"12345678901234567890123456789012345678", "12345678901234567890123456789012345678"},
        {"0.00000000000000000000000000000000000000000001",
         "0.00000000000000000000000000000000000000000001"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ddb_av *item = ddb_av_new(DDB_AV_M);
        assert_int_equal(ddb_av_map_set(item, "n", ddb_av_n(cases[i].dynamodb)), 0);
        ddb_buf out = DDB_BUF_INIT;
        assert_int_equal(ddb_item_to_simple_json(&out, NULL, item), 0);
        char want[128];
        snprintf(want, sizeof want, "{\"n\":%s}", cases[i].json);
        assert_string_equal(ddb_buf_cstr(&out), want);
        /* and back, numerically equal */
        ddb_av *back = NULL;
        assert_int_equal(ddb_item_from_simple_json(&back, NULL, out.data, out.len), 0);
        assert_true(ddb_av_equal(item, back));
        ddb_av_free(back);
        ddb_buf_free(&out);
        ddb_av_free(item);
    }
}

static void test_untyped_json_maps_to_attribute_values(void **state)
{
    (void)state;
    const char *json = " {\"s\":\"x\",\"n\":-1.5e3,\"t\":true,\"z\":null,\"l\":[1,\"a\",[],{}],"
                       "\"m\":{\"k\":{\"deep\":[false]}}} ";
    ddb_av *item = NULL;
    assert_int_equal(ddb_item_from_simple_json(&item, NULL, json, strlen(json)), 0);
    ddb_av *want = json_av("{\"M\":{\"s\":{\"S\":\"x\"},\"n\":{\"N\":\"-1.5e3\"},\"t\":{\"BOOL\":true},"
                           "\"z\":{\"NULL\":true},\"l\":{\"L\":[{\"N\":\"1\"},{\"S\":\"a\"},{\"L\":[]},"
                           "{\"M\":{}}]},\"m\":{\"M\":{\"k\":{\"M\":{\"deep\":{\"L\":[{\"BOOL\":false}]}}}}}}}");
    assert_true(ddb_av_equal(item, want));
    ddb_av_free(want);
    ddb_av_free(item);
}

static void test_nulls_absent_attributes_and_unknown_members(void **state)
{
    (void)state;
    const char *json = "{\"id\":\"n\",\"score\":null,\"owner\":{\"name\":\"o\",\"karma\":null},"
                       "\"tags\":[],\"nothing\":null,\"extra\":{\"x\":[1]},\"odd key\":null}";
    s_item it;
    ddb_model_init(&item_model, &it);
    assert_int_equal(ddb_model_from_simple_json(&it, &item_model, json, strlen(json)), 0);
    assert_string_equal(it.id, "n");
    assert_false(it.has_score);
    assert_int_equal(it.views, 42); /* absent: the default */
    assert_false(it.owner.has_karma);
    assert_int_equal(it.tags.n, 0);
    assert_true(it.nothing);
    assert_null(it.odd);
    assert_non_null(it.unknown); /* keep_unknown: "extra" kept as it came */
    const ddb_av *extra = ddb_av_map_get(it.unknown, "extra");
    assert_non_null(extra);
    assert_int_equal(extra->type, DDB_AV_M);
    ddb_buf out = DDB_BUF_INIT;
    assert_int_equal(ddb_model_to_simple_json(&out, &item_model, &it), 0);
    assert_string_equal(ddb_buf_cstr(&out),
                        "{\"id\":\"n\",\"views\":42,\"ok\":false,\"words\":[],\"authors\":[],"
                        "\"owner\":{\"name\":\"o\"},\"nothing\":null,"
                        "\"extra\":{\"x\":[1]}}"); /* typed lists are always written; a nullable
                                                 untyped list left NULL is absent, as in PynamoDB */
    ddb_buf_free(&out);
    ddb_model_clear(&item_model, &it);
}

/* Asserts that reading `json` fails with `code` and a message containing
 * `fragment`, leaving the object untouched. */
static void assert_rejects(const char *json, int code, const char *fragment)
{
    s_item it;
    ddb_model_init(&item_model, &it);
    it.id = dup("untouched");
    int rc = ddb_model_from_simple_json(&it, &item_model, json, strlen(json));
    if (rc != code || strstr(ddb_last_error()->message, fragment) == NULL)
        fail_msg("%s: got %s \"%s\", want %s with \"%s\"", json, ddb_code_name(rc),
                 ddb_last_error()->message, ddb_code_name(code), fragment);
    assert_string_equal(it.id, "untouched");
    ddb_model_clear(&item_model, &it);
}

static void test_errors_name_the_json_path(void **state)
{
    (void)state;
    assert_rejects("{\"id\":\"x\",\"owner\":{\"name\":3}}", DDB_ETYPE,
                   "s_item: $.owner.name: expected a string, found a number");
    assert_rejects("{\"authors\":[{\"name\":\"a\"},{\"name\":\"b\",\"karma\":1.5}]}", DDB_EINVAL,
                   "$.authors[1].karma: 1.5 is not a 64-bit integer");
    assert_rejects("{\"views\":9223372036854775808}", DDB_EINVAL, "$.views: ");
    assert_rejects("{\"tags\":[\"a\",\"b\",\"a\"]}", DDB_EINVAL,
                   "$.tags[2]: the set already has this element (at [0])");
    assert_rejects("{\"scores\":[1,\"2\"]}", DDB_ETYPE, "$.scores[1]: expected a number, found a string");
    assert_rejects("{\"blobs\":[\"not base64!\"]}", DDB_EINVAL, "$.blobs[0]: ");
    assert_rejects("{\"when\":\"yesterday\"}", DDB_EINVAL, "$.when: \"yesterday\" is not a UTC datetime");
    assert_rejects("{\"ok\":\"yes\"}", DDB_ETYPE, "$.ok: expected true or false, found a string");
    assert_rejects("{\"nothing\":false}", DDB_ETYPE, "$.nothing: expected null, found a boolean");
    assert_rejects("{\"words\":[\"a\",null]}", DDB_ETYPE, "$.words[1]: expected a string, found null");
    assert_rejects("{\"words\":{}}", DDB_ETYPE, "$.words: expected an array, found an object");
    assert_rejects("{\"doc\":{\"big\":1e999}}", DDB_EINVAL, "$.doc.big: ");
    assert_rejects("{\"odd key\":1}", DDB_ETYPE, "$[\"odd key\"]: expected a string");
    assert_rejects("{\"other key\":{\"n\":123456789012345678901234567890123456789}}", DDB_EINVAL,
                   "$[\"other key\"].n: ");
    assert_rejects("{\"id\":\"a\",\"id\":\"b\"}", DDB_EINVAL, "$.id: the member appears twice");
    assert_rejects("{\"score\":1e400}", DDB_EINVAL, "$.score: ");
    assert_rejects("[1]", DDB_ETYPE, "s_item: $: expected an object, found an array");
    assert_rejects("{\"id\":", DDB_EPROTOCOL, "s_item: plain JSON: offset 6: expected");
    assert_rejects("{\"owner\":{\"name\":\"x\"},\"id\":\"\\ud800\"}", DDB_EPROTOCOL, "plain JSON: offset");
}

static void test_writing_fails_cleanly(void **state)
{
    (void)state;
    s_item it;
    ddb_model_init(&item_model, &it); /* id (required) missing */
    ddb_buf out = DDB_BUF_INIT;
    ddb_buf_puts(&out, "keep");
    assert_int_equal(ddb_model_to_simple_json(&out, &item_model, &it), DDB_EINVAL);
    assert_string_equal(ddb_buf_cstr(&out), "keep");
    /* a json attribute holding text that is not JSON (stored by someone else) */
    ddb_av *item = json_av("{\"M\":{\"meta\":{\"S\":\"{oops\"}}}");
    assert_int_equal(ddb_item_to_simple_json(&out, &item_model, item), DDB_EPROTOCOL);
    assert_non_null(strstr(ddb_last_error()->message, "s_item: $.meta: offset 1"));
    assert_string_equal(ddb_buf_cstr(&out), "keep");
    ddb_av_free(item);
    item = json_av("{\"M\":{\"views\":{\"S\":\"1\"}}}");
    assert_int_equal(ddb_item_to_simple_json(&out, &item_model, item), DDB_ETYPE);
    assert_non_null(strstr(ddb_last_error()->message, "s_item: $.views: stored as S, expected N"));
    ddb_av_free(item);
    ddb_buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_type_to_plain_json),
        cmocka_unit_test(test_plain_json_round_trips_through_the_item),
        cmocka_unit_test(test_numbers_become_json_numbers_with_every_digit),
        cmocka_unit_test(test_untyped_json_maps_to_attribute_values),
        cmocka_unit_test(test_nulls_absent_attributes_and_unknown_members),
        cmocka_unit_test(test_errors_name_the_json_path),
        cmocka_unit_test(test_writing_fails_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
