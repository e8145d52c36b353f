/*
 * test_values.c - the value syntaxes of the front end (values.h): DynamoDB
 * numbers and their canonical form, UTC datetimes, JSON text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "values.h"

/* Asserts that `text` is a valid number whose canonical form is `want`. */
static void assert_number(const char *text, const char *want)
{
    ddb_buf out = DDB_BUF_INIT;
    assert_int_equal(ddbc_number_canonical(text, false, &out), DDBC_NUMBER_OK);
    assert_string_equal(ddb_buf_cstr(&out), want);
    ddb_buf_free(&out);
}

static void assert_number_error(const char *text, ddbc_number_check want)
{
    ddb_buf out = DDB_BUF_INIT;
    assert_int_equal(ddbc_number_canonical(text, false, &out), want);
    assert_int_equal(out.len, 0);
    ddb_buf_free(&out);
}

static void test_number_canonical(void **state)
{
    (void)state;
    assert_number("0", "0");
    assert_number("-0", "0");
    assert_number("+0.000e99", "0");
    assert_number("000", "0");
    assert_number("7", "7");
    assert_number("+007", "7");
    assert_number("-12", "-12");
    assert_number("1.50", "1.5");
    assert_number("+1.50", "1.5");
    assert_number(".5", "0.5");
    assert_number("5.", "5");
    assert_number("1.5e2", "150");
    assert_number("1.5E+2", "150");
    assert_number("1E-3", "0.001");
    assert_number("-12.345e1", "-123.45");
    assert_number("123.45e-5", "0.0012345");
    assert_number("100", "100");
    assert_number("0.0100", "0.01");
    assert_number("12345678901234567890123456789012345678",
                  "12345678901234567890123456789012345678");
    assert_number("0.00012345678901234567890123456789012345678000",
                  "0.00012345678901234567890123456789012345678");
}

static void test_number_limits(void **state)
{
    (void)state;
    ddb_buf out = DDB_BUF_INIT;
    /* the extremes of DynamoDB's range */
    assert_int_equal(ddbc_number_canonical("1E-130", false, &out), DDBC_NUMBER_OK);
    assert_int_equal(out.len, 132); /* "0." + 129 zeros + "1" */
    assert_string_equal(ddb_buf_cstr(&out) + 131, "1");
    ddb_buf_reset(&out);
    assert_int_equal(
        ddbc_number_canonical("9.9999999999999999999999999999999999999E+125", false, &out),
        DDBC_NUMBER_OK);
    assert_int_equal(out.len, 126);
    assert_int_equal(ddbc_number_canonical("-1e125", false, NULL), DDBC_NUMBER_OK);
    ddb_buf_free(&out);
    assert_number_error("1E-131", DDBC_NUMBER_RANGE);
    assert_number_error("0.99e-130", DDBC_NUMBER_RANGE);
    assert_number_error("1E126", DDBC_NUMBER_RANGE);
    assert_number_error("-10e125", DDBC_NUMBER_RANGE);
    assert_number_error("1e99999999999999999999999", DDBC_NUMBER_RANGE);
    assert_number_error("1e-99999999999999999999999", DDBC_NUMBER_RANGE);
    assert_number_error("123456789012345678901234567890123456789", DDBC_NUMBER_DIGITS);
    assert_number_error("1.00000000000000000000000000000000000001", DDBC_NUMBER_DIGITS);
    /* trailing and leading zeros are not significant */
    assert_number("1000000000000000000000000000000000000000000",
                  "1000000000000000000000000000000000000000000");
    /* doubles: any precision, same range */
    assert_int_equal(ddbc_number_canonical(
                         "0.1000000000000000055511151231257827021181583404541015625", true, NULL),
                     DDBC_NUMBER_OK);
    assert_int_equal(ddbc_number_canonical("1e200", true, NULL), DDBC_NUMBER_RANGE);
}

static void test_number_syntax(void **state)
{
    (void)state;
    static const char *const bad[] = {"",     "-",    "+",     ".",   "e5",   "1e",
                                      "1e+",  "0x10", "1.5.2", " 1",  "1 ",   "inf",
                                      ".inf", "NaN",  "1,5",   "--1", "1e5.5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_false(ddbc_is_decimal_number(bad[i]));
        assert_number_error(bad[i], DDBC_NUMBER_SYNTAX);
    }
}

/* Asserts that `text` is a valid datetime whose canonical form is `want`. */
static void assert_datetime(const char *text, const char *want)
{
    ddb_buf out = DDB_BUF_INIT;
    assert_null(ddbc_utc_datetime_canonical(text, &out));
    assert_string_equal(ddb_buf_cstr(&out), want);
    ddb_buf_free(&out);
}

static void assert_datetime_error(const char *text, const char *why_contains)
{
    ddb_buf out = DDB_BUF_INIT;
    const char *why = ddbc_utc_datetime_canonical(text, &out);
    assert_non_null(why);
    if (strstr(why, why_contains) == NULL)
        fail_msg("'%s': '%s' does not mention '%s'", text, why, why_contains);
    assert_int_equal(out.len, 0);
    ddb_buf_free(&out);
}

static void test_datetime(void **state)
{
    (void)state;
    assert_datetime("2024-01-02T03:04:05.000006+0000", "2024-01-02T03:04:05.000006+0000");
    assert_datetime("2024-01-02T03:04:05.5Z", "2024-01-02T03:04:05.500000+0000");
    assert_datetime("2024-01-02T03:04:05+00:00", "2024-01-02T03:04:05.000000+0000");
    assert_datetime("2024-02-29T23:59:59.999999Z", "2024-02-29T23:59:59.999999+0000");
    assert_datetime("2000-02-29T00:00:00Z", "2000-02-29T00:00:00.000000+0000");
    assert_datetime("0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000000+0000");
    assert_datetime("9999-12-31T23:59:59.999999+0000", "9999-12-31T23:59:59.999999+0000");
    assert_datetime_error("2023-02-29T00:00:00Z", "no such day");
    assert_datetime_error("1900-02-29T00:00:00Z", "no such day");
    assert_datetime_error("2024-04-31T00:00:00Z", "no such day");
    assert_datetime_error("2024-00-10T00:00:00Z", "month");
    assert_datetime_error("2024-13-10T00:00:00Z", "month");
    assert_datetime_error("2024-01-00T00:00:00Z", "no such day");
    assert_datetime_error("0000-01-01T00:00:00Z", "year");
    assert_datetime_error("2024-01-01T24:00:00Z", "hour");
    assert_datetime_error("2024-01-01T00:60:00Z", "minute");
    assert_datetime_error("2024-01-01T00:00:60Z", "second");
    assert_datetime_error("2024-01-01T00:00:00+0100", "UTC");
    assert_datetime_error("2024-01-01T00:00:00-00:00", "UTC");
    assert_datetime_error("2024-01-01T00:00:00", "YYYY-MM-DD");
    assert_datetime_error("2024-01-01 00:00:00Z", "YYYY-MM-DD");
    assert_datetime_error("2024-1-01T00:00:00Z", "YYYY-MM-DD");
    assert_datetime_error("2024-01-01T00:00:00.Z", "YYYY-MM-DD");
    assert_datetime_error("2024-01-01T00:00:00.1234567Z", "YYYY-MM-DD");
    assert_datetime_error("2024-01-01T00:00:00z", "YYYY-MM-DD");
    assert_datetime_error("2024-01-01", "YYYY-MM-DD");
    assert_datetime_error("", "YYYY-MM-DD");
}

static void assert_json(const char *text)
{
    size_t at = 99;
    const char *why = ddbc_json_check(text, strlen(text), &at);
    if (why != NULL)
        fail_msg("'%s': %s at %zu", text, why, at);
}

static void assert_json_error(const char *text, size_t want_at)
{
    size_t at = 99;
    assert_non_null(ddbc_json_check(text, strlen(text), &at));
    assert_int_equal(at, want_at);
}

static void test_json(void **state)
{
    (void)state;
    assert_json("0");
    assert_json("-0.5e+10");
    assert_json("\"\"");
    assert_json("\"a\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00 \xc3\xa9\"");
    assert_json(" true ");
    assert_json("null");
    assert_json("[]");
    assert_json("{}");
    assert_json("\n{\"a\": [1, 2.5, {\"b\": null}], \"a\": false}\r\n");
    assert_json_error("", 0);
    assert_json_error("   ", 3);
    assert_json_error("[1,]", 3);
    assert_json_error("{\"a\":1,}", 7);
    assert_json_error("{'a': 1}", 1);
    assert_json_error("{\"a\" 1}", 5);
    assert_json_error("\"abc", 4);
    assert_json_error("\"a\\x\"", 3);
    assert_json_error("\"\\u12g4\"", 5);
    assert_json_error("\"a\tb\"", 2);
    assert_json_error("01", 1);
    assert_json_error("1.", 2);
    assert_json_error("1e", 2);
    assert_json_error("-", 1);
    assert_json_error("NaN", 0);
    assert_json_error("tru", 0);
    assert_json_error("true false", 5);
    assert_json_error("[1 2]", 3);
    assert_json_error("{1: 2}", 1);
    /* nesting */
    char deep[2 * DDBC_JSON_MAX_DEPTH + 3];
    memset(deep, '[', DDBC_JSON_MAX_DEPTH);
    memset(deep + DDBC_JSON_MAX_DEPTH, ']', DDBC_JSON_MAX_DEPTH);
    deep[2 * DDBC_JSON_MAX_DEPTH] = '\0';
    assert_json(deep);
    memset(deep, '[', DDBC_JSON_MAX_DEPTH + 1);
    memset(deep + DDBC_JSON_MAX_DEPTH + 1, ']', DDBC_JSON_MAX_DEPTH + 1);
    deep[2 * DDBC_JSON_MAX_DEPTH + 2] = '\0';
    assert_json_error(deep, DDBC_JSON_MAX_DEPTH);
    /* the length bounds the text */
    size_t at;
    assert_null(ddbc_json_check("[1]xyz", 3, &at));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_number_canonical),
        cmocka_unit_test(test_number_limits),
        cmocka_unit_test(test_number_syntax),
        cmocka_unit_test(test_datetime),
        cmocka_unit_test(test_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
