/*
 * test_types.c - the model codec for every attribute type, through a
 * hand-written descriptor (what ddbc generates), compared with the exact
 * DynamoDB JSON PynamoDB 6 writes for the same values.
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

#include "ddb/ddb.h"
#include "model_internal.h"

#include "author_map.h" /* t_author, author_map, t_list_string, t_author_list */

/* ---- the model (its map and list types: tests/support/author_map.h) */
typedef struct t_item {
    char *id;
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
    char *kind;             /* discriminator */
    char *fresh;            /* string, default_for_new */
    ddb_av *unknown;        /* keep_unknown */
    bool has_ratio;
    double ratio;           /* double */
} t_item;

static void item_defaults(void *p)
{
    t_item *it = p;
    it->fresh = ddb_strdup("new!");
    ddb_model_init(&author_map, &it->owner);
}

static const ddb_field item_fields[] = {
    {.name = "id", .attr = "id", .type = DDB_FT_STRING, .flags = DDB_FIELD_HASH_KEY,
     .offset = offsetof(t_item, id), .has_offset = DDB_NO_PRESENCE},
    {.name = "price", .attr = "price", .type = DDB_FT_DECIMAL, .flags = DDB_FIELD_NULLABLE,
     .offset = offsetof(t_item, price), .has_offset = DDB_NO_PRESENCE},
    {.name = "when", .attr = "when", .type = DDB_FT_DATETIME, .flags = DDB_FIELD_NULLABLE,
     .offset = offsetof(t_item, when), .has_offset = offsetof(t_item, has_when)},
    {.name = "meta", .attr = "meta", .type = DDB_FT_JSON, .flags = DDB_FIELD_NULLABLE,
     .offset = offsetof(t_item, meta), .has_offset = DDB_NO_PRESENCE},
    {.name = "tags", .attr = "tags", .type = DDB_FT_STRING_SET, .offset = offsetof(t_item, tags),
     .has_offset = DDB_NO_PRESENCE},
    {.name = "scores", .attr = "scores", .type = DDB_FT_NUMBER_SET, .offset = offsetof(t_item, scores),
     .has_offset = DDB_NO_PRESENCE},
    {.name = "blobs", .attr = "blobs", .type = DDB_FT_BINARY_SET, .offset = offsetof(t_item, blobs),
     .has_offset = DDB_NO_PRESENCE},
    {.name = "words", .attr = "words", .type = DDB_FT_LIST, .offset = offsetof(t_item, words),
     .has_offset = DDB_NO_PRESENCE, .elem = DDB_FT_STRING, .elem_size = sizeof(char *)},
    {.name = "authors", .attr = "authors", .type = DDB_FT_LIST, .offset = offsetof(t_item, authors),
     .has_offset = DDB_NO_PRESENCE, .elem = DDB_FT_MAP, .elem_size = sizeof(t_author), .sub = &author_map},
    {.name = "anything", .attr = "anything", .type = DDB_FT_LIST, .flags = DDB_FIELD_NULLABLE,
     .offset = offsetof(t_item, anything), .has_offset = DDB_NO_PRESENCE, .elem = DDB_FT_DOCUMENT},
    {.name = "owner", .attr = "owner", .type = DDB_FT_MAP, .offset = offsetof(t_item, owner),
     .has_offset = DDB_NO_PRESENCE, .sub = &author_map},
    {.name = "doc", .attr = "doc", .type = DDB_FT_DOCUMENT, .flags = DDB_FIELD_NULLABLE,
     .offset = offsetof(t_item, doc), .has_offset = DDB_NO_PRESENCE},
    {.name = "nothing", .attr = "nothing", .type = DDB_FT_NULL, .flags = DDB_FIELD_NULLABLE,
     .offset = offsetof(t_item, nothing), .has_offset = DDB_NO_PRESENCE},
    {.name = "expires", .attr = "expires", .type = DDB_FT_TTL, .flags = DDB_FIELD_NULLABLE,
     .offset = offsetof(t_item, expires), .has_offset = offsetof(t_item, has_expires)},
    {.name = "version", .attr = "version", .type = DDB_FT_VERSION, .offset = offsetof(t_item, version),
     .has_offset = DDB_NO_PRESENCE},
    {.name = "kind", .attr = "cls", .type = DDB_FT_DISCRIMINATOR, .offset = offsetof(t_item, kind),
     .has_offset = DDB_NO_PRESENCE},
    {.name = "fresh", .attr = "fresh", .type = DDB_FT_STRING,
     .flags = DDB_FIELD_NULLABLE | DDB_FIELD_DEFAULT_FOR_NEW, .offset = offsetof(t_item, fresh),
     .has_offset = DDB_NO_PRESENCE},
    {.name = "ratio", .attr = "ratio", .type = DDB_FT_DOUBLE, .flags = DDB_FIELD_NULLABLE,
     .offset = offsetof(t_item, ratio), .has_offset = offsetof(t_item, has_ratio)},
};

static ddb_conn_slot item_slot;

static const ddb_model item_model = {
    .name = "t_item", .table = "Items", .size = sizeof(t_item), .fields = item_fields,
    .n_fields = sizeof item_fields / sizeof item_fields[0], .hash_key = 0, .range_key = -1,
    .slot = &item_slot, .defaults = item_defaults, .version_field = 14, .ttl_field = 13,
    .unknown_offset = offsetof(t_item, unknown), .discriminator_field = 15,
    .discriminator_value = "Thing",
};

/* Encodes `it` and compares the item JSON member `attr` with `want`. */
static void assert_attr_json(const ddb_av *item, const char *attr, const char *want)
{
    const ddb_av *v = ddb_av_map_get(item, attr);
    if (want == NULL) {
        assert_null(v);
        return;
    }
    assert_non_null(v);
    ddb_buf out = DDB_BUF_INIT;
    assert_int_equal(ddb_av_write_json(&out, v), 0);
    if (strcmp(ddb_buf_cstr(&out), want) != 0)
        fail_msg("%s: got %s, want %s", attr, ddb_buf_cstr(&out), want);
    ddb_buf_free(&out);
}

static void fill(t_item *it)
{
    ddb_model_init(&item_model, it);
    it->id = ddb_strdup("i1");
    it->price = ddb_strdup("12345678901234567890.123456789012345678");
    it->has_when = true;
    it->when = (ddb_time){1704164645, 6}; /* 2024-01-02T03:04:05.000006 */
    it->meta = ddb_strdup("{\"a\": [1, 2.5, null]}");
    static const char *const tags[] = {"x", "y"};
    it->tags = ddb_strset_of(tags, 2);
    static const char *const scores[] = {"1", "2.5", "-3e2"};
    it->scores = ddb_numset_of(scores, 3);
    static const char *const blobs[] = {"AAE=", "/w=="};
    it->blobs = ddb_binset_of_base64(blobs, 2);
    it->words.items = calloc(2, sizeof(char *));
    it->words.items[0] = ddb_strdup("hello");
    it->words.items[1] = ddb_strdup("world");
    it->words.n = 2;
    it->authors.items = calloc(1, sizeof(t_author));
    it->authors.items[0].name = ddb_strdup("ann");
    it->authors.items[0].has_karma = true;
    it->authors.items[0].karma = 7;
    it->authors.n = 1;
    it->anything = ddb_av_new(DDB_AV_L);
    ddb_av_list_push(it->anything, ddb_av_s("s"));
    ddb_av_list_push(it->anything, ddb_av_n("1"));
    it->owner.name = ddb_strdup("bob");
    it->doc = ddb_av_new(DDB_AV_M);
    ddb_av_map_set(it->doc, "k", ddb_av_bool(true));
    it->nothing = true;
    it->has_expires = true;
    it->expires = 1700000000;
}

static void test_encodings_match_pynamodb(void **state)
{
    (void)state;
    t_item it;
    fill(&it);
    ddb_av *item = NULL;
    assert_int_equal(ddb_model_to_item(&item, &item_model, &it), 0);
    assert_attr_json(item, "price", "{\"N\":\"12345678901234567890.123456789012345678\"}");
    assert_attr_json(item, "when", "{\"S\":\"2024-01-02T03:04:05.000006+0000\"}");
    assert_attr_json(item, "meta", "{\"S\":\"{\\\"a\\\": [1, 2.5, null]}\"}");
    assert_attr_json(item, "tags", "{\"SS\":[\"x\",\"y\"]}");
    assert_attr_json(item, "scores", "{\"NS\":[\"1\",\"2.5\",\"-3e2\"]}");
    assert_attr_json(item, "blobs", "{\"BS\":[\"AAE=\",\"/w==\"]}");
    assert_attr_json(item, "words", "{\"L\":[{\"S\":\"hello\"},{\"S\":\"world\"}]}");
    assert_attr_json(item, "authors", "{\"L\":[{\"M\":{\"name\":{\"S\":\"ann\"},\"karma\":{\"N\":\"7\"}}}]}");
    assert_attr_json(item, "anything", "{\"L\":[{\"S\":\"s\"},{\"N\":\"1\"}]}");
    assert_attr_json(item, "owner", "{\"M\":{\"name\":{\"S\":\"bob\"}}}");
    assert_attr_json(item, "doc", "{\"M\":{\"k\":{\"BOOL\":true}}}");
    assert_attr_json(item, "nothing", "{\"NULL\":true}");
    assert_attr_json(item, "expires", "{\"N\":\"1700000000\"}");
    assert_attr_json(item, "version", NULL); /* never saved: no version yet */
    assert_attr_json(item, "cls", "{\"S\":\"Thing\"}");
    assert_attr_json(item, "fresh", "{\"S\":\"new!\"}");

    /* and back */
    t_item back;
    ddb_model_init(&item_model, &back);
    assert_int_equal(ddb_model_read_item(&back, &item_model, item), 0);
    assert_string_equal(back.price, it.price);
    assert_true(back.has_when && back.when.sec == it.when.sec && back.when.usec == 6);
    assert_string_equal(back.meta, it.meta);
    assert_int_equal(back.tags.n, 2);
    assert_string_equal(back.scores.items[2], "-3e2");
    assert_int_equal(back.blobs.items[1].len, 1);
    assert_int_equal(back.blobs.items[1].data[0], 0xff);
    assert_int_equal(back.words.n, 2);
    assert_string_equal(back.words.items[1], "world");
    assert_int_equal(back.authors.n, 1);
    assert_string_equal(back.authors.items[0].name, "ann");
    assert_true(back.authors.items[0].has_karma && back.authors.items[0].karma == 7);
    assert_int_equal(ddb_av_len(back.anything), 2);
    assert_string_equal(back.owner.name, "bob");
    assert_false(back.owner.has_karma);
    assert_true(ddb_av_equal(back.doc, it.doc));
    assert_true(back.nothing);
    assert_true(back.has_expires && back.expires == 1700000000);
    assert_string_equal(back.kind, "Thing");
    assert_string_equal(back.fresh, "new!");
    ddb_model_clear(&item_model, &back);
    ddb_av_free(item);
    ddb_model_clear(&item_model, &it);
}

static void test_empty_sets_are_absent_and_duplicates_rejected(void **state)
{
    (void)state;
    t_item it;
    fill(&it);
    ddb_model_clear(&item_model, &it);
    ddb_model_init(&item_model, &it);
    it.id = ddb_strdup("i2");
    it.owner.name = ddb_strdup("o");
    ddb_av *item = NULL;
    assert_int_equal(ddb_model_to_item(&item, &item_model, &it), 0);
    assert_attr_json(item, "tags", NULL);
    assert_attr_json(item, "scores", NULL);
    assert_attr_json(item, "words", "{\"L\":[]}"); /* an empty list is a value */
    ddb_av_free(item);
    static const char *const dup[] = {"1", "1.0"}; /* numerically equal */
    it.scores = ddb_numset_of(dup, 2);
    assert_int_equal(ddb_model_to_item(&item, &item_model, &it), DDB_EINVAL);
    assert_non_null(strstr(ddb_last_error()->message, "t_item.scores"));
    assert_non_null(strstr(ddb_last_error()->message, "duplicate"));
    ddb_model_clear(&item_model, &it);
}

static void test_datetime_format_and_lenient_parse(void **state)
{
    (void)state;
    static const struct {
        int64_t sec;
        int32_t usec;
        const char *text;
    } cases[] = {
        {0, 0, "1970-01-01T00:00:00.000000+0000"},
        {-1, 999999, "1969-12-31T23:59:59.999999+0000"},
        {951782400, 0, "2000-02-29T00:00:00.000000+0000"},
        {-62135596800, 0, "0001-01-01T00:00:00.000000+0000"},
        {253402300799, 999999, "9999-12-31T23:59:59.999999+0000"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[DDB_TIME_TEXT_SIZE];
        assert_int_equal(ddb_time_format((ddb_time){cases[i].sec, cases[i].usec}, text), 0);
        assert_string_equal(text, cases[i].text);
        ddb_time t;
        assert_int_equal(ddb_time_parse(text, strlen(text), &t), 0);
        assert_true(t.sec == cases[i].sec && t.usec == cases[i].usec);
    }
    ddb_time t;
    assert_int_equal(ddb_time_parse("2024-01-02T03:04:05.5+00:00", 27, &t), 0);
    assert_int_equal(t.usec, 500000);
    assert_int_equal(ddb_time_parse("2024-01-02T03:04:05Z", 20, &t), 0);
    assert_int_equal(t.usec, 0);
    /* years before 1000 as older PynamoDB versions wrote them, unpadded */
    assert_int_equal(ddb_time_parse("999-12-31T23:59:59.000001+0000", 30, &t), 0);
    assert_true(t.sec == -30610224001 && t.usec == 1);
    assert_int_equal(ddb_time_parse("1-01-01T00:00:00.000000+0000", 28, &t), 0);
    assert_true(t.sec == -62135596800);
    assert_int_equal(ddb_time_parse("2023-02-29T00:00:00.000000+0000", 31, &t), DDB_EINVAL);
    assert_int_equal(ddb_time_parse("2024-01-02 03:04:05.000000+0000", 31, &t), DDB_EINVAL);
    assert_int_equal(ddb_time_parse("2024-01-02T03:04:05.000000+0100", 31, &t), DDB_EINVAL);
    /* nine fraction digits read when the last three are zeros; never rounded away */
    assert_int_equal(ddb_time_parse("2024-01-02T03:04:05.123456000Z", 30, &t), 0);
    assert_int_equal(t.usec, 123456);
    assert_int_equal(ddb_time_parse("2024-01-02T03:04:05.123456789Z", 30, &t), DDB_EINVAL);
    assert_non_null(strstr(ddb_last_error()->message, "finer than a microsecond"));
    char text[DDB_TIME_TEXT_SIZE];
    assert_int_equal(ddb_time_format((ddb_time){253402300800, 0}, text), DDB_EINVAL);
}

/* Reads `json` (members after the key) into a fresh t_item; returns the code
 * and leaves the message in the last error. */
static int read_item(const char *members)
{
    char json[4096];
    bool own_cls = strstr(members, "\"cls\"") != NULL;
    snprintf(json, sizeof json, "{\"id\":{\"S\":\"x\"}%s,%s}", own_cls ? "" : ",\"cls\":{\"S\":\"Thing\"}",
             members);
    ddb_av *item = NULL;
    assert_int_equal(ddb_item_parse_json(&item, json, strlen(json)), 0);
    t_item it;
    ddb_model_init(&item_model, &it);
    int rc = ddb_model_read_item(&it, &item_model, item);
    ddb_model_clear(&item_model, &it);
    ddb_av_free(item);
    return rc;
}

static void assert_refused(const char *members, const char *field, const char *why)
{
    int rc = read_item(members);
    if (rc != DDB_ETYPE || strstr(ddb_last_error()->message, field) == NULL ||
        strstr(ddb_last_error()->message, why) == NULL)
        fail_msg("%s: got %s \"%s\", want DDB_ETYPE naming %s: %s", members, ddb_code_name(rc),
                 ddb_last_error()->message, field, why);
}

/* What a read cannot write back unchanged it refuses, naming the field:
 * text with U+0000 (a C string would cut it), JSON text that save would
 * refuse, numbers a double cannot hold exactly, instants finer than a
 * microsecond. Values that do round-trip are read. */
static void test_reads_refuse_what_they_could_not_write_back(void **state)
{
    (void)state;
    assert_refused("\"fresh\":{\"S\":\"k\\u0000hidden\"}", "t_item.fresh", "U+0000 at byte 1 of 8");
    assert_refused("\"tags\":{\"SS\":[\"a\",\"a\\u0000b\"]}", "t_item.tags", "U+0000");
    assert_refused("\"words\":{\"L\":[{\"S\":\"\\u0000\"}]}", "element 0", "U+0000 at byte 0");
    assert_refused("\"owner\":{\"M\":{\"name\":{\"S\":\"b\\u0000\"}}}", "t_author.name", "U+0000");
    assert_refused("\"cls\":{\"S\":\"Thing\\u0000\"}", "cls", "U+0000");
    assert_refused("\"meta\":{\"S\":\"[NaN]\"}", "t_item.meta", "cannot be written back");
    assert_refused("\"meta\":{\"S\":\"[\\\"\\\\ud800\\\"]\"}", "t_item.meta", "cannot be written back");
    char deep[600] = "\"meta\":{\"S\":\"";
    for (int i = 0; i < 200; i++)
        strcat(deep, "[");
    for (int i = 0; i < 200; i++)
        strcat(deep, "]");
    strcat(deep, "\"}");
    assert_refused(deep, "t_item.meta", "cannot be written back");
    assert_refused("\"ratio\":{\"N\":\"0.1000000000000000000001\"}", "t_item.ratio",
                   "more precision than a double holds");
    assert_refused("\"ratio\":{\"N\":\"9007199254740993\"}", "t_item.ratio", "more precision");
    assert_refused("\"expires\":{\"N\":\"9223372036854775808\"}", "t_item.expires", "out of the int64 range");
    assert_refused("\"version\":{\"N\":\"1.5\"}", "t_item.version", "not an integer");
    assert_refused("\"when\":{\"S\":\"2024-01-02T03:04:05.000000001Z\"}", "t_item.when", "finer than a microsecond");
    /* these do round-trip */
    static const char *const fine[] = {
        "\"ratio\":{\"N\":\"0.1\"}", "\"ratio\":{\"N\":\"100000000000000000000\"}",
        "\"ratio\":{\"N\":\"1E+20\"}", "\"ratio\":{\"N\":\"-0.0\"}",
        "\"ratio\":{\"N\":\"9007199254740992\"}", "\"ratio\":{\"N\":\"1.5E+125\"}",
        "\"meta\":{\"S\":\"[\\\"\\\\u0000\\\"]\"}", /* an escaped NUL is six characters of JSON text */
        "\"when\":{\"S\":\"2024-01-02T03:04:05.000001000Z\"}",
    };
    for (size_t i = 0; i < sizeof fine / sizeof fine[0]; i++) {
        if (read_item(fine[i]) != 0)
            fail_msg("%s: %s", fine[i], ddb_last_error()->message);
    }
}

static void test_decode_type_errors_name_the_path(void **state)
{
    (void)state;
    ddb_av *item = NULL;
    const char *json = "{\"id\":{\"S\":\"x\"},\"cls\":{\"S\":\"Thing\"},"
                       "\"authors\":{\"L\":[{\"M\":{\"name\":{\"N\":\"1\"}}}]}}";
    assert_int_equal(ddb_item_parse_json(&item, json, strlen(json)), 0);
    t_item it;
    ddb_model_init(&item_model, &it);
    assert_int_equal(ddb_model_read_item(&it, &item_model, item), DDB_ETYPE);
    const char *msg = ddb_last_error()->message;
    assert_non_null(strstr(msg, "t_item.authors"));
    assert_non_null(strstr(msg, "element 0"));
    assert_string_equal(msg, "t_item.authors (attribute \"authors\"): element 0: t_author.name "
                             "(attribute \"name\"): stored as N, expected S");
    assert_non_null(strstr(msg, "t_author.name"));
    ddb_av_free(item);
    ddb_model_clear(&item_model, &it);

    /* a bad datetime text and invalid JSON text */
    json = "{\"id\":{\"S\":\"x\"},\"cls\":{\"S\":\"Thing\"},\"when\":{\"S\":\"yesterday\"}}";
    assert_int_equal(ddb_item_parse_json(&item, json, strlen(json)), 0);
    ddb_model_init(&item_model, &it);
    assert_int_equal(ddb_model_read_item(&it, &item_model, item), DDB_ETYPE);
    assert_non_null(strstr(ddb_last_error()->message, "t_item.when"));
    ddb_av_free(item);
    it.id = ddb_strdup("x");
    it.owner.name = ddb_strdup("o");
    it.meta = ddb_strdup("{not json");
    assert_int_equal(ddb_model_to_item(&item, &item_model, &it), DDB_EINVAL);
    assert_non_null(strstr(ddb_last_error()->message, "t_item.meta"));
    ddb_model_clear(&item_model, &it);
}

static void test_discriminator_keep_unknown_default_for_new(void **state)
{
    (void)state;
    ddb_av *item = NULL;
    const char *json = "{\"id\":{\"S\":\"x\"},\"cls\":{\"S\":\"Other\"},\"extra\":{\"N\":\"5\"}}";
    assert_int_equal(ddb_item_parse_json(&item, json, strlen(json)), 0);
    t_item it;
    ddb_model_init(&item_model, &it);
    assert_int_equal(ddb_model_read_item(&it, &item_model, item), DDB_ETYPE); /* not a Thing */
    assert_non_null(strstr(ddb_last_error()->message, "\"Other\""));
    ddb_av_free(item);

    json = "{\"id\":{\"S\":\"x\"},\"cls\":{\"S\":\"Thing\"},\"owner\":{\"M\":{\"name\":{\"S\":\"o\"}}},"
           "\"extra\":{\"N\":\"5\"},\"more\":{\"SS\":[\"a\"]}}";
    assert_int_equal(ddb_item_parse_json(&item, json, strlen(json)), 0);
    assert_int_equal(ddb_model_read_item(&it, &item_model, item), 0);
    assert_null(it.fresh); /* default_for_new: not applied to a stored item */
    assert_int_equal(ddb_av_len(it.unknown), 2);
    ddb_av *again = NULL;
    assert_int_equal(ddb_model_to_item(&again, &item_model, &it), 0);
    /* nothing lost in a read-modify-write (non-nullable lists are added as []) */
    for (size_t i = 0; i < item->u.map.len; i++) {
        const ddb_av_member *mem = &item->u.map.items[i];
        assert_true(ddb_av_equal(mem->value, ddb_av_map_get(again, mem->name)));
    }
    ddb_av_free(again);
    ddb_av_free(item);
    ddb_model_clear(&item_model, &it);
}

static void test_version_guard(void **state)
{
    (void)state;
    t_item it;
    ddb_model_init(&item_model, &it);
    ddb_cond *cond = NULL;
    int64_t next = 0;
    assert_int_equal(ddb_model_version_guard(&item_model, &it, &cond, &next), 0);
    assert_true(next == 1);
    ddb_expr_ctx ctx = DDB_EXPR_CTX_INIT;
    ddb_buf text = DDB_BUF_INIT;
    assert_int_equal(ddb_expr_render_cond(&text, &ctx, cond), 0);
    assert_string_equal(ddb_buf_cstr(&text), "attribute_not_exists(#n0)");
    ddb_cond_free(cond);
    ddb_expr_ctx_free(&ctx);
    ddb_buf_reset(&text);
    ddb_model_version_commit(&item_model, &it, next);
    assert_true(it.version == 1);
    cond = ddb_cond_exists("id");
    assert_int_equal(ddb_model_version_guard(&item_model, &it, &cond, &next), 0);
    assert_true(next == 2);
    assert_int_equal(ddb_expr_render_cond(&text, &ctx, cond), 0);
    assert_string_equal(ddb_buf_cstr(&text), "attribute_exists(#n0) AND #n1 = :v0");
    ddb_cond_free(cond);
    ddb_expr_ctx_free(&ctx);
    ddb_buf_free(&text);
    ddb_model_clear(&item_model, &it);
}

static void test_path_at(void **state)
{
    (void)state;
    char out[DDB_PATH_MAX];
    assert_ptr_equal(ddb_path_at(out, "replies[].by", 3), out);
    assert_string_equal(out, "replies[3].by");
    assert_string_equal(ddb_path_at(out, "tags[]", 0), "tags[0]");
    assert_null(ddb_path_at(out, "no.hole", 1));
    char *long_path = malloc(DDB_PATH_MAX);
    memset(long_path, 'a', DDB_PATH_MAX - 3);
    memcpy(long_path + DDB_PATH_MAX - 3, "[]", 3); /* fits with [] but not with [10] */
    assert_null(ddb_path_at(out, long_path, 10));
    free(long_path);
}

/* The text a condition or an update (the other NULL) renders to, with the
 * values as JSON, or the error code it carries; frees it. */
static int render(char *out, size_t size, ddb_cond *c, ddb_update *u)
{
    ddb_buf text = DDB_BUF_INIT;
    ddb_expr_ctx ctx = DDB_EXPR_CTX_INIT;
    int rc = c != NULL ? ddb_expr_render_cond(&text, &ctx, c) : ddb_expr_render_update(&text, &ctx, u);
    if (rc == 0 && ctx.values != NULL) {
        ddb_buf_puts(&text, " ");
        rc = ddb_item_write_json(&text, ctx.values);
    }
    snprintf(out, size, "%s", ddb_buf_cstr(&text));
    ddb_cond_free(c);
    ddb_update_free(u);
    ddb_expr_ctx_free(&ctx);
    ddb_buf_free(&text);
    return rc;
}

static int render_cond(char *out, size_t size, ddb_cond *c)
{
    return render(out, size, c, NULL);
}

static int render_update(char *out, size_t size, ddb_update *u)
{
    return render(out, size, NULL, u);
}

/* The typed builders' entry points: operands converted by the codec,
 * elements for "[]" paths, sizes as size_t, and refusals as error nodes. */
static void test_field_ops(void **state)
{
    (void)state;
    char out[512];
    const ddb_field *price = &item_fields[1], *words = &item_fields[7], *tags = &item_fields[4];
    const ddb_field *ratio = &item_fields[17], *expires = &item_fields[13], *doc = &item_fields[11];
    const char *p = "1.50";
    assert_int_equal(render_cond(out, sizeof out, ddb_field_cond("price", 0, price, DDB_OP_GT, &p)), 0);
    assert_string_equal(out, "#n0 > :v0 {\":v0\":{\"N\":\"1.50\"}}");
    const char *w = "hi";
    assert_int_equal(render_cond(out, sizeof out, ddb_field_cond("words[]", 2, words, DDB_OP_EQ, &w)), 0);
    assert_string_equal(out, "#n0[2] = :v0 {\":v0\":{\"S\":\"hi\"}}");
    assert_int_equal(render_cond(out, sizeof out, ddb_field_cond("words", 0, words, DDB_OP_CONTAINS, &w)), 0);
    assert_string_equal(out, "contains(#n0, :v0) {\":v0\":{\"S\":\"hi\"}}");
    assert_int_equal(render_cond(out, sizeof out, ddb_field_cond("tags", 0, tags, DDB_OP_CONTAINS, &w)), 0);
    assert_string_equal(out, "contains(#n0, :v0) {\":v0\":{\"S\":\"hi\"}}");
    size_t n = SIZE_MAX;
    assert_int_equal(render_cond(out, sizeof out, ddb_field_cond("tags", 0, tags, DDB_OP_SIZE_LE, &n)), 0);
    assert_non_null(strstr(out, "size(#n0) <= :v0"));
    char max[32];
    snprintf(max, sizeof max, "\"%zu\"", (size_t)SIZE_MAX);
    assert_non_null(strstr(out, max)); /* the whole size_t, not an int64 */
    const double lo = 0.5, hi = 2;
    assert_int_equal(render_cond(out, sizeof out, ddb_field_between("ratio", 0, ratio, &lo, &hi)), 0);
    assert_string_equal(out, "#n0 BETWEEN :v0 AND :v1 {\":v0\":{\"N\":\"0.5\"},\":v1\":{\"N\":\"2\"}}");
    const char *prices[] = {"1", "2"};
    assert_int_equal(render_cond(out, sizeof out, ddb_field_in("price", 0, price, prices, 2)), 0);
    assert_string_equal(out, "#n0 IN (:v0, :v1) {\":v0\":{\"N\":\"1\"},\":v1\":{\"N\":\"2\"}}");
    ddb_av_type t = DDB_AV_M;
    assert_int_equal(render_cond(out, sizeof out, ddb_field_cond("doc", 0, doc, DDB_OP_IS_TYPE, &t)), 0);
    assert_string_equal(out, "attribute_type(#n0, :v0) {\":v0\":{\"S\":\"M\"}}");

    /* refusals: an operation the type does not offer, a bad value, IN bounds */
    assert_int_equal(render_cond(out, sizeof out, ddb_field_cond("ratio", 0, ratio, DDB_OP_BEGINS_WITH, &lo)),
                     DDB_EINVAL);
    assert_string_equal(ddb_last_error()->message,
                        "condition could not be built: attribute ratio (double) has no such condition");
    char deep[DDB_PATH_MAX + 8];
    memset(deep, 'a', sizeof deep);
    memcpy(deep + sizeof deep - 3, "[]", 3);
    assert_int_equal(render_cond(out, sizeof out, ddb_field_cond(deep, 1, words, DDB_OP_EQ, &w)), DDB_EINVAL);
    assert_non_null(strstr(ddb_last_error()->message, "does not fit"));
    assert_int_equal(render_cond(out, sizeof out, ddb_field_cond("words", 0, words, DDB_OP_EQ, &w)), DDB_EINVAL);
    const double nan = NAN;
    assert_int_equal(render_cond(out, sizeof out, ddb_field_cond("ratio", 0, ratio, DDB_OP_EQ, &nan)), DDB_EINVAL);
    assert_int_equal(render_cond(out, sizeof out, ddb_field_cond("ratio", 0, ratio, DDB_OP_EQ, NULL)), DDB_EINVAL);
    assert_int_equal(render_cond(out, sizeof out, ddb_field_in("price", 0, price, prices, 0)), DDB_EINVAL);
    assert_int_equal(render_cond(out, sizeof out, ddb_field_in("price", 0, price, prices, 101)), DDB_EINVAL);

    /* updates: int64 arithmetic guarded, set members, remove */
    int64_t d = 5;
    assert_int_equal(render_update(out, sizeof out, ddb_field_update("expires", 0, expires, DDB_ACT_INCR, &d)), 0);
    assert_non_null(strstr(out, "SET #n0 = #n0 + :v0"));
    ddb_strset set = ddb_strset_of((const char *const[]){"a", "b"}, 2);
    assert_int_equal(render_update(out, sizeof out, ddb_field_update("tags", 0, tags, DDB_ACT_DELETE, &set)), 0);
    assert_string_equal(out, "DELETE #n0 :v0 {\":v0\":{\"SS\":[\"a\",\"b\"]}}");
    ddb_strset_clear(&set); /* the builder copied it: still the caller's */
    assert_null(set.items);
    assert_int_equal(render_update(out, sizeof out, ddb_field_update("tags", 0, tags, DDB_ACT_REMOVE, NULL)), 0);
    assert_string_equal(out, "REMOVE #n0");
    assert_int_equal(render_update(out, sizeof out, ddb_field_update("id", 0, &item_fields[0], DDB_ACT_REMOVE, NULL)),
                     DDB_EINVAL);
    assert_int_equal(render_update(out, sizeof out, ddb_field_update("ratio", 0, ratio, DDB_ACT_DELETE, &lo)),
                     DDB_EINVAL);
    const ddb_av *none = NULL;
    assert_int_equal(render_update(out, sizeof out, ddb_field_update("doc", 0, doc, DDB_ACT_SET, &none)), DDB_EINVAL);
    assert_non_null(strstr(ddb_last_error()->message, "REMOVE"));
    assert_int_equal(
        render_update(out, sizeof out, ddb_field_update("anything", 0, &item_fields[9], DDB_ACT_SET, &none)),
        DDB_EINVAL);
    assert_non_null(strstr(ddb_last_error()->message, "anything"));
}

/* Every value type a program can build has a way to be freed. */
static void test_value_clears(void **state)
{
    (void)state;
    ddb_bytes b = ddb_bytes_from_base64("AAE=");
    assert_int_equal(b.len, 2);
    ddb_bytes_clear(&b);
    assert_null(b.data);
    ddb_numset ns = ddb_numset_of((const char *const[]){"1", "2"}, 2);
    ddb_numset_clear(&ns);
    assert_int_equal(ns.n, 0);
    ddb_binset bs = ddb_binset_of_base64((const char *const[]){"AAE="}, 1);
    ddb_binset_clear(&bs);
    assert_null(bs.items);
    t_author_list authors = {calloc(2, sizeof(t_author)), 2};
    authors.items[0].name = ddb_strdup("ann");
    authors.items[1].name = ddb_strdup("bob");
    ddb_list_clear(&authors, DDB_FT_MAP, sizeof(t_author), &author_map);
    assert_null(authors.items);
    assert_int_equal(authors.n, 0);
    t_list_string words = {calloc(1, sizeof(char *)), 1};
    words.items[0] = ddb_strdup("w");
    ddb_list_clear(&words, DDB_FT_STRING, sizeof(char *), NULL);
    assert_null(words.items);
    ddb_bytes_clear(NULL);
    ddb_strset_clear(NULL);
    ddb_list_clear(NULL, DDB_FT_STRING, sizeof(char *), NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_field_ops),
        cmocka_unit_test(test_value_clears),
        cmocka_unit_test(test_encodings_match_pynamodb),
        cmocka_unit_test(test_empty_sets_are_absent_and_duplicates_rejected),
        cmocka_unit_test(test_datetime_format_and_lenient_parse),
        cmocka_unit_test(test_decode_type_errors_name_the_path),
        cmocka_unit_test(test_reads_refuse_what_they_could_not_write_back),
        cmocka_unit_test(test_discriminator_keep_unknown_default_for_new),
        cmocka_unit_test(test_version_guard),
        cmocka_unit_test(test_path_at),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
