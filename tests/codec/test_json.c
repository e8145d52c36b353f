/* test_json.c - DynamoDB JSON writers and parsers, CRC32. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ddb/av.h"
#include "ddb/error.h"
#include "ddb/json.h"

/* Text of one value, written fresh. */
static char *written(const ddb_av *v)
{
    ddb_buf b = DDB_BUF_INIT;
    int rc = ddb_av_write_json(&b, v);
    if (rc != 0)
        fail_msg("write failed: %s", ddb_last_error()->message);
    return ddb_buf_steal(NULL, &b);
}

/* Parses value form `in`, expects it to write back as `out` (NULL: same)
 * and to survive a second round trip unchanged. */
static void round_trip(const char *in, const char *out)
{
    ddb_av *v = NULL;
    if (ddb_av_parse_json(&v, in, strlen(in)) != 0)
        fail_msg("parse of %s failed: %s", in, ddb_last_error()->message);
    char *text = written(v);
    assert_string_equal(text, out != NULL ? out : in);
    ddb_av *again = NULL;
    assert_int_equal(ddb_av_parse_json(&again, text, strlen(text)), 0);
    assert_true(ddb_av_equal(v, again));
    free(text);
    ddb_av_free(v);
    ddb_av_free(again);
}

static void test_round_trip_every_type(void **state)
{
    (void)state;
    round_trip("{\"NULL\":true}", NULL);
    round_trip("{\"BOOL\":true}", NULL);
    round_trip("{\"BOOL\":false}", NULL);
    round_trip("{\"S\":\"hello\"}", NULL);
    round_trip("{\"S\":\"\"}", NULL);
    round_trip("{\"N\":\"-1.5E+3\"}", NULL); /* N text is kept exactly */
    round_trip("{\"B\":\"AAEC/w==\"}", NULL);
    round_trip("{\"B\":\"\"}", NULL);
    round_trip("{\"SS\":[\"a\",\"b\"]}", NULL);
    round_trip("{\"NS\":[\"1\",\"2.5\"]}", NULL);
    round_trip("{\"BS\":[\"YQ==\",\"Yg==\"]}", NULL);
    round_trip("{\"SS\":[]}", NULL);
    round_trip("{\"L\":[]}", NULL);
    round_trip("{\"M\":{}}", NULL);
    round_trip("{\"L\":[{\"S\":\"x\"},{\"N\":\"1\"},{\"NULL\":true},{\"L\":[{\"M\":{\"k\":{\"BOOL\":false}}}]}]}",
               NULL);
    round_trip("{\"M\":{\"a\":{\"M\":{\"b\":{\"M\":{\"c\":{\"SS\":[\"deep\"]}}}}},\"d\":{\"NS\":[\"0\"]}}}", NULL);
    round_trip(" \t\r\n{ \"S\" : \"spaced\" } \n", "{\"S\":\"spaced\"}");
}

static void test_binary_is_raw_in_the_tree(void **state)
{
    (void)state;
    ddb_av *v = NULL;
    assert_int_equal(ddb_av_parse_json(&v, "{\"B\":\"AP8=\"}", 12), 0);
    assert_int_equal(v->type, DDB_AV_B);
    assert_int_equal(v->u.str.len, 2);
    assert_memory_equal(v->u.str.ptr, "\x00\xff", 2);
    ddb_av_free(v);
    /* base64 written with escaped slashes by some encoders */
    assert_int_equal(ddb_av_parse_json(&v, "{\"B\":\"\\/w==\"}", 13), 0);
    assert_int_equal(v->u.str.len, 1);
    assert_int_equal((unsigned char)v->u.str.ptr[0], 0xff);
    ddb_av_free(v);
    assert_int_equal(ddb_av_parse_json(&v, "{\"BS\":[\"AA==\",\"AQ==\"]}", 22), 0);
    assert_int_equal(v->u.list.items[1]->u.str.ptr[0], 1);
    ddb_av_free(v);
}

static void test_item_form(void **state)
{
    (void)state;
    const char *in = "{\"id\":{\"S\":\"u1\"},\"n\":{\"N\":\"42\"},\"tags\":{\"SS\":[\"a\"]}}";
    ddb_av *item = NULL;
    assert_int_equal(ddb_item_parse_json(&item, in, strlen(in)), 0);
    assert_int_equal(item->type, DDB_AV_M);
    assert_int_equal(ddb_av_len(item), 3);
    assert_string_equal(item->u.map.items[1].name, "n"); /* order kept */
    int64_t n = 0;
    assert_int_equal(ddb_av_get_i64(&n, ddb_av_map_get(item, "n")), 0);
    assert_int_equal(n, 42);
    ddb_buf b = DDB_BUF_INIT;
    assert_int_equal(ddb_item_write_json(&b, item), 0);
    assert_string_equal(b.data, in);
    ddb_buf_free(&b);
    ddb_av_free(item);
    assert_int_equal(ddb_item_parse_json(&item, "{}", 2), 0);
    assert_int_equal(ddb_av_len(item), 0);
    ddb_av_free(item);
}

static void test_write_builds_expected_text(void **state)
{
    (void)state;
    ddb_av *m = ddb_av_new(DDB_AV_M);
    ddb_av_map_set(m, "b", ddb_av_b("hi", 2));
    ddb_av_map_set(m, "q\"", ddb_av_s("line\nbreak"));
    ddb_av_map_set(m, "n", ddb_av_n_double(0.25));
    ddb_av_map_set(m, "z", ddb_av_null());
    char *text = written(m);
    assert_string_equal(text, "{\"M\":{\"b\":{\"B\":\"aGk=\"},\"q\\\"\":{\"S\":\"line\\nbreak\"},"
                              "\"n\":{\"N\":\"0.25\"},\"z\":{\"NULL\":true}}}");
    free(text);
    ddb_av_free(m);
}

/* --- strings ----------------------------------------------------------------- */

static void expect_put_string(const char *in, size_t len, const char *want)
{
    ddb_buf b = DDB_BUF_INIT;
    assert_int_equal(ddb_json_put_string(&b, in, len), 0);
    assert_string_equal(b.data, want);
    ddb_buf_free(&b);
}

static void test_put_string_escapes(void **state)
{
    (void)state;
    expect_put_string("", 0, "\"\"");
    expect_put_string(NULL, 0, "\"\"");
    expect_put_string("plain text / ok", 15, "\"plain text / ok\"");
    expect_put_string("\"\\", 2, "\"\\\"\\\\\"");
    expect_put_string("\b\f\n\r\t", 5, "\"\\b\\f\\n\\r\\t\"");
    expect_put_string("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\x7f\"");
    expect_put_string("a\0b", 3, "\"a\\u0000b\"");
    /* valid UTF-8 passes through, including U+2028 and the last code point */
    expect_put_string("é€😀\xe2\x80\xa8\xf4\x8f\xbf\xbf", 16, "\"é€😀\xe2\x80\xa8\xf4\x8f\xbf\xbf\"");
    /* long runs exercise the word-at-a-time scanner around every special byte */
    char in[64], want[80];
    for (size_t at = 0; at < 40; at++) {
        memset(in, 'a', 40);
        in[at] = '"';
        snprintf(want, sizeof want, "\"%.*s\\\"%.*s\"", (int)at, in, (int)(39 - at), in + at + 1);
        expect_put_string(in, 40, want);
    }
}

static void test_put_string_rejects_invalid_utf8(void **state)
{
    (void)state;
    ddb_buf empty = DDB_BUF_INIT;
    assert_int_equal(ddb_json_put_string(&empty, NULL, 3), DDB_EINVAL);
    assert_int_equal(empty.len, 0);
    ddb_buf_free(&empty);
    static const char *const bad[] = {
        "\x80",             /* lone continuation byte */
        "\xbf",             /* lone continuation byte */
        "\xc0\xaf",         /* overlong '/' */
        "\xc1\xbf",         /* overlong */
        "\xc3",             /* truncated */
        "\xc3(",            /* bad continuation */
        "\xe0\x80\x80",     /* overlong NUL */
        "\xe0\x9f\xbf",     /* overlong */
        "\xe2\x82",         /* truncated */
        "\xed\xa0\x80",     /* UTF-16 surrogate D800 */
        "\xed\xbf\xbf",     /* surrogate DFFF */
        "\xf0\x80\x80\x80", /* overlong */
        "\xf0\x8f\xbf\xbf", /* overlong */
        "\xf4\x90\x80\x80", /* above U+10FFFF */
        "\xf5\x80\x80\x80", /* invalid lead */
        "\xf0\x9f\x98",     /* truncated emoji */
        "\xfe",
        "\xff",
        "ok then \xff",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ddb_buf b = DDB_BUF_INIT;
        assert_int_equal(ddb_buf_puts(&b, "before"), 0);
        if (ddb_json_put_string(&b, bad[i], strlen(bad[i])) != DDB_EINVAL)
            fail_msg("accepted bad UTF-8 #%zu", i);
        assert_non_null(strstr(ddb_last_error()->message, "UTF-8"));
        assert_string_equal(b.data, "before"); /* restored */
        ddb_buf_free(&b);
    }
}

static void test_parse_decodes_escapes_and_unicode(void **state)
{
    (void)state;
    static const struct {
        const char *json, *text;
        size_t len;
    } cases[] = {
        {"{\"S\":\"a\\\"b\\\\c\\/d\"}", "a\"b\\c/d", 7},       {"{\"S\":\"\\b\\f\\n\\r\\t\"}", "\b\f\n\r\t", 5},
        {"{\"S\":\"\\u0041\\u00e9\\u20AC\"}", "Aé€", 6},       {"{\"S\":\"\\ud83d\\ude00\"}", "\xf0\x9f\x98\x80", 4},
        {"{\"S\":\"\\uDBFF\\uDFFF\"}", "\xf4\x8f\xbf\xbf", 4}, {"{\"S\":\"x\\u0000y\"}", "x\0y", 3},
        {"{\"S\":\"raw é😀 stays\"}", "raw é😀 stays", 16},      {"{\"S\":\"\x7f\"}", "\x7f", 1},
        {"{\"\\u0053\":\"escaped tag\"}", "escaped tag", 11},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        ddb_av *v = NULL;
        if (ddb_av_parse_json(&v, cases[i].json, strlen(cases[i].json)) != 0)
            fail_msg("%s: %s", cases[i].json, ddb_last_error()->message);
        assert_int_equal(v->type, DDB_AV_S);
        assert_int_equal(v->u.str.len, cases[i].len);
        assert_memory_equal(v->u.str.ptr, cases[i].text, cases[i].len);
        assert_int_equal(v->u.str.ptr[cases[i].len], '\0');
        ddb_av_free(v);
    }
}

static void test_parse_names_are_decoded(void **state)
{
    (void)state;
    const char *in = "{\"caf\\u00e9\":{\"S\":\"1\"},\"a\\u0000b\":{\"S\":\"2\"}}";
    ddb_av *item = NULL;
    assert_int_equal(ddb_item_parse_json(&item, in, strlen(in)), 0);
    assert_non_null(ddb_av_map_get(item, "café"));
    assert_int_equal(item->u.map.items[1].name_len, 3);
    assert_memory_equal(item->u.map.items[1].name, "a\0b", 4);
    char *text = written(item);
    assert_string_equal(text, "{\"M\":{\"café\":{\"S\":\"1\"},\"a\\u0000b\":{\"S\":\"2\"}}}");
    free(text);
    ddb_av_free(item);
}

/* --- malformed input: every error names its byte offset ------------------------------ */

typedef enum form { VALUE, ITEM } form;

static void expect_error(form f, const char *in, size_t len, const char *message)
{
    ddb_av *v = (ddb_av *)&v; /* must be reset to NULL */
    int rc = f == VALUE ? ddb_av_parse_json(&v, in, len) : ddb_item_parse_json(&v, in, len);
    if (rc != DDB_EPROTOCOL)
        fail_msg("%s: expected DDB_EPROTOCOL, got %d", in, rc);
    assert_null(v);
    if (strncmp(ddb_last_error()->message, message, strlen(message)) != 0)
        fail_msg("%s: message \"%s\" does not start with \"%s\"", in, ddb_last_error()->message, message);
}

#define BAD_VALUE(in, msg) expect_error(VALUE, in, sizeof(in) - 1, msg)
#define BAD_ITEM(in, msg) expect_error(ITEM, in, sizeof(in) - 1, msg)

/* The word-at-a-time scanner must stop at a special byte in any position
 * of an 8-byte word. */
static void test_parse_special_bytes_at_every_position(void **state)
{
    (void)state;
    static const struct {
        const char *json, *text;
    } specials[] = {{"\\\"", "\""}, {"\\n", "\n"}, {"\xc3\xa9", "\xc3\xa9"}, {"\\u00e9", "\xc3\xa9"}};
    for (size_t k = 0; k < sizeof specials / sizeof *specials; k++) {
        for (int at = 0; at < 24; at++) {
            char json[96], want[64];
            snprintf(json, sizeof json, "{\"S\":\"%.*s%s%.*s\"}", at, "abcdefghijklmnopqrstuvwxyz", specials[k].json,
                     23 - at, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
            snprintf(want, sizeof want, "%.*s%s%.*s", at, "abcdefghijklmnopqrstuvwxyz", specials[k].text, 23 - at,
                     "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
            ddb_av *v = NULL;
            if (ddb_av_parse_json(&v, json, strlen(json)) != 0)
                fail_msg("%s: %s", json, ddb_last_error()->message);
            assert_string_equal(v->u.str.ptr, want);
            ddb_av_free(v);
        }
    }
    /* and report an invalid byte at its exact offset */
    for (int at = 0; at < 24; at++) {
        char json[64], msg[80];
        snprintf(json, sizeof json, "{\"S\":\"%.*s\x01tail\"}", at, "abcdefghijklmnopqrstuvwxyz");
        snprintf(msg, sizeof msg, "offset %d: expected an escape sequence in place of a control character", 6 + at);
        expect_error(VALUE, json, strlen(json), msg);
    }
}

static void test_errors_structure(void **state)
{
    (void)state;
    BAD_ITEM("", "offset 0: expected '{' opening an item or M value, found end of input");
    BAD_ITEM("   ", "offset 3: expected '{' opening an item or M value, found end of input");
    BAD_ITEM("[]", "offset 0: expected '{' opening an item or M value, found '['");
    BAD_ITEM("\xef\xbb\xbf{}", "offset 0: expected '{' opening an item or M value, found byte 0xef");
    BAD_ITEM("{", "offset 1: expected a string, found end of input");
    BAD_ITEM("{\"a\"", "offset 4: expected ':' after the attribute name, found end of input");
    BAD_ITEM("{\"a\" {\"S\":\"x\"}}", "offset 5: expected ':' after the attribute name, found '{'");
    BAD_ITEM("{\"a\":}", "offset 5: expected '{' opening an AttributeValue, found '}'");
    BAD_ITEM("{\"a\":{\"S\":\"x\"}", "offset 14: expected ',' or '}', found end of input");
    BAD_ITEM("{\"a\":{\"S\":\"x\"} \"b\":{\"S\":\"y\"}}", "offset 15: expected ',' or '}', found '\"'");
    BAD_ITEM("{\"a\":{\"S\":\"x\"},}", "offset 15: expected a string, found '}'");
    BAD_ITEM("{,}", "offset 1: expected a string, found ','");
    BAD_ITEM("{a:{\"S\":\"x\"}}", "offset 1: expected a string, found 'a'");
    BAD_ITEM("{\"a\":{\"S\":\"x\"}} x", "offset 16: expected end of input, found 'x'");
    BAD_ITEM("{}{}", "offset 2: expected end of input, found '{'");
    BAD_ITEM("{\"a\":{\"S\":\"x\"},\"a\":{\"S\":\"y\"}}",
             "offset 0: expected unique attribute names, found \"a\" twice");
    BAD_VALUE("{\"M\":{\"k\":{\"NULL\":true},\"k\":{\"NULL\":true}}}",
              "offset 5: expected unique attribute names, found \"k\" twice");
    BAD_VALUE("[]", "offset 0: expected '{' opening an AttributeValue, found '['");
    BAD_VALUE("\"S\"", "offset 0: expected '{' opening an AttributeValue, found '\"'");
}

static void test_errors_attribute_values(void **state)
{
    (void)state;
    BAD_VALUE("{}", "offset 1: expected an AttributeValue type tag, found '}'");
    BAD_VALUE("{1:2}", "offset 1: expected an AttributeValue type tag, found '1'");
    BAD_VALUE("{\"X\":\"x\"}",
              "offset 1: expected an AttributeValue type tag (S N B BOOL NULL SS NS BS L M), found \"X\"");
    BAD_VALUE("{\"s\":\"x\"}", "offset 1: expected an AttributeValue type tag");
    BAD_VALUE("{\"S\\u0000\":\"x\"}", "offset 1: expected an AttributeValue type tag");
    BAD_VALUE("{\"NULLX\":true}", "offset 1: expected an AttributeValue type tag");
    BAD_VALUE("{\"S\" \"x\"}", "offset 5: expected ':' after the type tag, found '\"'");
    BAD_VALUE("{\"S\":\"x\",\"N\":\"1\"}",
              "offset 8: expected '}' closing the AttributeValue (one type tag per value), found ','");
    BAD_VALUE("{\"S\":1}", "offset 5: expected a string, found '1'");
    BAD_VALUE("{\"S\":null}", "offset 5: expected a string, found 'n'");
    BAD_VALUE("{\"N\":1}", "offset 5: expected a string, found '1'");
    BAD_VALUE("{\"N\":\"abc\"}", "offset 5: expected a DynamoDB number in an N value: not a number");
    BAD_VALUE("{\"N\":\"\"}", "offset 5: expected a DynamoDB number in an N value: not a number");
    BAD_VALUE("{\"N\":\" 1\"}", "offset 5: expected a DynamoDB number in an N value: not a number");
    BAD_VALUE("{\"N\":\"1234567890123456789012345678901234567890\"}",
              "offset 5: expected a DynamoDB number in an N value: more than 38 significant digits");
    BAD_VALUE("{\"N\":\"1E-131\"}", "offset 5: expected a DynamoDB number in an N value: magnitude below 1E-130");
    BAD_VALUE("{\"N\":\"1E+126\"}", "offset 5: expected a DynamoDB number in an N value: magnitude above");
    BAD_VALUE("{\"NS\":[\"1\",\"x\"]}", "offset 11: expected a DynamoDB number in an N value: not a number");
    BAD_VALUE("{\"B\":\"Zg=\"}", "offset 5: expected base64 text in a B value");
    BAD_VALUE("{\"B\":\"Z g==\"}", "offset 5: expected base64 text in a B value");
    BAD_VALUE("{\"BS\":[\"AA==\",\"*\"]}", "offset 14: expected base64 text in a B value");
    BAD_VALUE("{\"BOOL\":\"true\"}", "offset 8: expected true or false, found '\"'");
    BAD_VALUE("{\"BOOL\":tru}", "offset 8: expected true or false, found 't'");
    BAD_VALUE("{\"BOOL\":1}", "offset 8: expected true or false, found '1'");
    BAD_VALUE("{\"BOOL\":truex}", "offset 12: expected '}' closing the AttributeValue");
    BAD_VALUE("{\"NULL\":false}", "offset 8: expected true in a NULL value, found false");
    BAD_VALUE("{\"NULL\":null}", "offset 8: expected true or false, found 'n'");
    BAD_VALUE("{\"SS\":\"a\"}", "offset 6: expected '[' opening a list or set, found '\"'");
    BAD_VALUE("{\"SS\":[\"a\",1]}", "offset 11: expected a string, found '1'");
    BAD_VALUE("{\"SS\":[\"a\",]}", "offset 11: expected a string, found ']'");
    BAD_VALUE("{\"SS\":[\"a\" \"b\"]}", "offset 11: expected ',' or ']', found '\"'");
    BAD_VALUE("{\"SS\":[\"a\"", "offset 10: expected ',' or ']', found end of input");
    BAD_VALUE("{\"L\":[{\"S\":\"x\"},]}", "offset 16: expected '{' opening an AttributeValue, found ']'");
    BAD_VALUE("{\"L\":[\"x\"]}", "offset 6: expected '{' opening an AttributeValue, found '\"'");
    BAD_VALUE("{\"L\":{}}", "offset 5: expected '[' opening a list or set, found '{'");
    BAD_VALUE("{\"M\":[]}", "offset 5: expected '{' opening an item or M value, found '['");
    BAD_VALUE("{\"M\":{\"a\":{\"S\":\"x\"}}", "offset 20: expected '}' closing the AttributeValue");
}

static void test_errors_strings(void **state)
{
    (void)state;
    BAD_VALUE("{\"S\":\"abc", "offset 9: expected '\"' closing the string, found end of input");
    BAD_VALUE("{\"S\":\"a\nb\"}", "offset 7: expected an escape sequence in place of a control character, found byte 0x0a");
    BAD_VALUE("{\"S\":\"a\tb\"}", "offset 7: expected an escape sequence in place of a control character, found byte 0x09");
    BAD_VALUE("{\"S\":\"\\x\"}", "offset 6: expected a valid escape sequence, found '\\'");
    BAD_VALUE("{\"S\":\"\\", "offset 6: expected a valid escape sequence, found '\\'");
    BAD_VALUE("{\"S\":\"\\u12\"}", "offset 6: expected a valid escape sequence");
    BAD_VALUE("{\"S\":\"\\u12G4\"}", "offset 6: expected a valid escape sequence");
    BAD_VALUE("{\"S\":\"\\U0041\"}", "offset 6: expected a valid escape sequence");
    BAD_VALUE("{\"S\":\"\\ud800\"}", "offset 6: expected a valid escape sequence");        /* lone high */
    BAD_VALUE("{\"S\":\"\\udc00\"}", "offset 6: expected a valid escape sequence");        /* lone low */
    BAD_VALUE("{\"S\":\"\\ud800\\u0041\"}", "offset 6: expected a valid escape sequence"); /* high + BMP */
    BAD_VALUE("{\"S\":\"\\ud800\\ud800\"}", "offset 6: expected a valid escape sequence"); /* high + high */
    BAD_VALUE("{\"S\":\"\\ud800x\"}", "offset 6: expected a valid escape sequence");
    BAD_VALUE("{\"S\":\"ok\xff\"}", "offset 8: expected valid UTF-8, found byte 0xff");
    BAD_VALUE("{\"S\":\"\xed\xa0\x80\"}", "offset 6: expected valid UTF-8, found byte 0xed");
    BAD_VALUE("{\"S\":\"\xc0\xaf\"}", "offset 6: expected valid UTF-8, found byte 0xc0");
    BAD_VALUE("{\"S\":\"\xe2\x82\"}", "offset 6: expected valid UTF-8, found byte 0xe2");
    BAD_ITEM("{\"\xff\":{\"S\":\"x\"}}", "offset 2: expected valid UTF-8, found byte 0xff");
    /* a NUL byte inside the text is just an invalid control character */
    expect_error(VALUE, "{\"S\":\"a\0b\"}", 11,
                 "offset 7: expected an escape sequence in place of a control character, found byte 0x00");
}

/* Value form nested `levels` deep through L: {"L":[{"L":[ ... {"NULL":true} ... ]}]}. */
static char *nested_lists(int levels)
{
    ddb_buf b = DDB_BUF_INIT;
    for (int i = 0; i < levels; i++)
        ddb_buf_puts(&b, "{\"L\":[");
    ddb_buf_puts(&b, "{\"NULL\":true}");
    for (int i = 0; i < levels; i++)
        ddb_buf_puts(&b, "]}");
    return ddb_buf_steal(NULL, &b);
}

static ddb_av *nested_tree(int levels)
{
    ddb_av *v = ddb_av_null();
    for (int i = 0; i < levels; i++) {
        ddb_av *l = ddb_av_new(DDB_AV_L);
        ddb_av_list_push(l, v);
        v = l;
    }
    return v;
}

static void test_depth_limit_parse_and_write_agree(void **state)
{
    (void)state;
    /* each L level opens two containers; the innermost value one more */
    int max_levels = (DDB_JSON_MAX_DEPTH - 1) / 2;
    char *ok = nested_lists(max_levels);
    ddb_av *v = NULL;
    assert_int_equal(ddb_av_parse_json(&v, ok, strlen(ok)), 0);
    char *text = written(v);
    assert_string_equal(text, ok);
    free(text);
    ddb_av_free(v);
    free(ok);

    char *deep = nested_lists(max_levels + 1);
    assert_int_equal(ddb_av_parse_json(&v, deep, strlen(deep)), DDB_EPROTOCOL);
    assert_non_null(strstr(ddb_last_error()->message, "expected at most 128 levels of nesting"));
    free(deep);
    ddb_av *tree = nested_tree(max_levels + 1);
    ddb_buf b = DDB_BUF_INIT;
    assert_int_equal(ddb_av_write_json(&b, tree), DDB_EINVAL);
    assert_int_equal(b.len, 0);
    ddb_buf_free(&b);
    ddb_av_free(tree);

    /* DynamoDB's own limit, 32 levels of M, fits easily */
    ddb_av *m = ddb_av_s("leaf");
    for (int i = 0; i < 32; i++) {
        ddb_av *outer = ddb_av_new(DDB_AV_M);
        ddb_av_map_set(outer, "m", m);
        m = outer;
    }
    text = written(m);
    ddb_av *back = NULL;
    assert_int_equal(ddb_av_parse_json(&back, text, strlen(text)), 0);
    assert_true(ddb_av_equal(m, back));
    free(text);
    ddb_av_free(m);
    ddb_av_free(back);
}

static void test_hostile_nesting_does_not_overflow_the_stack(void **state)
{
    (void)state;
    size_t n = 100000;
    char *text = malloc(n);
    memset(text, '[', n);
    ddb_av *v = NULL;
    assert_int_equal(ddb_av_parse_json(&v, text, n), DDB_EPROTOCOL);
    memset(text, '{', n);
    assert_int_equal(ddb_item_parse_json(&v, text, n), DDB_EPROTOCOL);
    for (size_t i = 0; i + 6 <= n; i += 6)
        memcpy(text + i, "{\"L\":[", 6);
    assert_int_equal(ddb_av_parse_json(&v, text, n / 6 * 6), DDB_EPROTOCOL);
    assert_non_null(strstr(ddb_last_error()->message, "levels of nesting"));
    free(text);
}

/* --- writer errors leave the buffer as it was ------------------------------------ */

static void expect_write_error(const ddb_av *v, int code, const char *message)
{
    ddb_buf b = DDB_BUF_INIT;
    ddb_buf_puts(&b, "prefix,");
    assert_int_equal(ddb_av_write_json(&b, v), code);
    assert_non_null(strstr(ddb_last_error()->message, message));
    assert_string_equal(b.data, "prefix,");
    assert_int_equal(b.len, 7);
    ddb_buf_free(&b);
}

static void test_write_errors(void **state)
{
    (void)state;
    ddb_av *m = ddb_av_new(DDB_AV_M);
    ddb_av_map_set(m, "ok", ddb_av_s("fine"));
    ddb_av *l = ddb_av_new(DDB_AV_L);
    ddb_av_list_push(l, ddb_av_s("good"));
    ddb_av_list_push(l, ddb_av_s("bad \xc3("));
    ddb_av_map_set(m, "list", l);
    expect_write_error(m, DDB_EINVAL, "UTF-8");
    ddb_av_free(m);

    m = ddb_av_new(DDB_AV_M);
    ddb_av_map_set(m, "bad name \xff", ddb_av_s("x"));
    expect_write_error(m, DDB_EINVAL, "UTF-8");
    ddb_av_free(m);

    ddb_av *n = ddb_av_new(DDB_AV_N); /* empty text is no number */
    expect_write_error(n, DDB_EINVAL, "not a number");
    ddb_av *ns = ddb_av_new(DDB_AV_NS);
    ddb_av_list_push(ns, n);
    expect_write_error(ns, DDB_EINVAL, "not a number");
    ddb_av_free(ns);
    expect_write_error(NULL, DDB_EINVAL, "NULL");

    ddb_buf b = DDB_BUF_INIT;
    ddb_av *s = ddb_av_s("x");
    assert_int_equal(ddb_item_write_json(&b, s), DDB_ETYPE);
    assert_int_equal(ddb_item_write_json(&b, NULL), DDB_EINVAL);
    assert_int_equal(b.len, 0);
    ddb_av_free(s);
    ddb_buf_free(&b);
}

static void test_parse_argument_errors(void **state)
{
    (void)state;
    ddb_av *v = NULL;
    assert_int_equal(ddb_av_parse_json(&v, NULL, 3), DDB_EINVAL);
    assert_int_equal(ddb_av_parse_json(NULL, "{}", 2), DDB_EINVAL);
    assert_int_equal(ddb_item_parse_json(&v, NULL, 0), DDB_EPROTOCOL);
    assert_null(v);
    /* only `len` bytes are read: no terminator needed */
    const char text[] = {'{', '}', 'x'};
    assert_int_equal(ddb_item_parse_json(&v, text, 2), 0);
    ddb_av_free(v);
}

static void test_large_item_and_duplicate_detection(void **state)
{
    (void)state;
    ddb_buf b = DDB_BUF_INIT;
    ddb_buf_putc(&b, '{');
    for (int i = 0; i < 2000; i++)
        ddb_buf_printf(&b, "%s\"attr%d\":{\"N\":\"%d\"}", i ? "," : "", i, i);
    ddb_buf_putc(&b, '}');
    ddb_av *item = NULL;
    assert_int_equal(ddb_item_parse_json(&item, b.data, b.len), 0);
    assert_int_equal(ddb_av_len(item), 2000);
    ddb_av_free(item);
    /* the same name twice, far apart */
    b.len--;
    ddb_buf_puts(&b, ",\"attr1234\":{\"S\":\"again\"}}");
    assert_int_equal(ddb_item_parse_json(&item, b.data, b.len), DDB_EPROTOCOL);
    assert_non_null(strstr(ddb_last_error()->message, "\"attr1234\" twice"));
    ddb_buf_free(&b);
}

static void test_crc32(void **state)
{
    (void)state;
    assert_int_equal(ddb_crc32("123456789", 9), 0xCBF43926u);
    assert_int_equal(ddb_crc32("", 0), 0);
    assert_int_equal(ddb_crc32(NULL, 0), 0);
    assert_int_equal(ddb_crc32("{}", 2), 0xA3A6BF43u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_every_type),
        cmocka_unit_test(test_binary_is_raw_in_the_tree),
        cmocka_unit_test(test_item_form),
        cmocka_unit_test(test_write_builds_expected_text),
        cmocka_unit_test(test_put_string_escapes),
        cmocka_unit_test(test_put_string_rejects_invalid_utf8),
        cmocka_unit_test(test_parse_decodes_escapes_and_unicode),
        cmocka_unit_test(test_parse_special_bytes_at_every_position),
        cmocka_unit_test(test_parse_names_are_decoded),
        cmocka_unit_test(test_errors_structure),
        cmocka_unit_test(test_errors_attribute_values),
        cmocka_unit_test(test_errors_strings),
        cmocka_unit_test(test_depth_limit_parse_and_write_agree),
        cmocka_unit_test(test_hostile_nesting_does_not_overflow_the_stack),
        cmocka_unit_test(test_write_errors),
        cmocka_unit_test(test_parse_argument_errors),
        cmocka_unit_test(test_large_item_and_duplicate_detection),
        cmocka_unit_test(test_crc32),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
