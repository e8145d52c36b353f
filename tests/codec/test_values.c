/*
 * test_values.c - the value rules the runtime and ddbc share: DynamoDB
 * numbers and their plain form (number.h), UTC datetimes (time_text.h),
 * the JSON text of json attributes (json_internal.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ddb/error.h"
#include "json_internal.h"
#include "number.h"
#include "time_text.h"

/* Asserts that `text` is a valid number whose canonical form is `want`. */
/* Asserts that `text` is a valid number whose plain form is `want`. */
static void assert_number(const char *text, const char *want)
{
    ddb_buf out = DDB_BUF_INIT;
    const char *why = ddb_number_plain(text, strlen(text), &out);
    if (why != NULL)
        fail_msg("'%s': %s", text, why);
    assert_string_equal(ddb_buf_cstr(&out), want);
    ddb_buf_free(&out);
}

/* Asserts that `text` is refused with a reason containing `want`. */
static void assert_number_error(const char *text, const char *want)
{
    ddb_buf out = DDB_BUF_INIT;
    const char *why = ddb_number_plain(text, strlen(text), &out);
    assert_non_null(why);
    if (strstr(why, want) == NULL)
        fail_msg("'%s': '%s' does not mention '%s'", text, why, want);
    assert_int_equal(out.len, 0);
    ddb_buf_free(&out);
}

#define DDBC_NUMBER_RANGE "magnitude"
#define DDBC_NUMBER_DIGITS "more than 38 significant digits"
#define DDBC_NUMBER_SYNTAX "not a number"

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
    assert_null(ddb_number_plain("1E-130", 6, &out));
    assert_int_equal(out.len, 132); /* "0." + 129 zeros + "1" */
    assert_string_equal(ddb_buf_cstr(&out) + 131, "1");
    ddb_buf_reset(&out);
    assert_null(ddb_number_plain("9.9999999999999999999999999999999999999E+125", 44, &out));
    assert_int_equal(out.len, 126);
    assert_null(ddb_number_problem("-1e125", 6));
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
    /* doubles: exactly what a double holds, in DynamoDB's range */
    double d;
    assert_null(ddb_number_to_double_exact("0.1", 3, &d));
    assert_true(d == 0.1);
    assert_null(ddb_number_to_double_exact("1E+20", 5, &d));
    assert_null(ddb_number_to_double_exact("-0.0", 4, &d));
    assert_true(d == 0);
    assert_non_null(ddb_number_to_double_exact("0.1000000000000000055511151231257827021181583404541015625", 57, &d));
    assert_non_null(ddb_number_to_double_exact("0.1000000000000000000001", 24, &d));
    assert_non_null(ddb_number_to_double_exact("9007199254740993", 16, &d));
    assert_null(ddb_number_to_double_exact("9007199254740992", 16, &d));
    assert_non_null(ddb_number_to_double_exact("1e200", 5, &d));
    /* int64: any notation of an integer in range */
    int64_t i;
    assert_null(ddb_number_to_i64("1.2e1", 5, &i));
    assert_int_equal(i, 12);
    assert_null(ddb_number_to_i64("-9223372036854775808", 20, &i));
    assert_true(i == INT64_MIN);
    assert_non_null(ddb_number_to_i64("9223372036854775808", 19, &i));
    assert_non_null(ddb_number_to_i64("1.5", 3, &i));
}

static void test_number_syntax(void **state)
{
    (void)state;
    static const char *const bad[] = {"",     "-",    "+",     ".",   "e5",   "1e",
                                      "1e+",  "0x10", "1.5.2", " 1",  "1 ",   "inf",
                                      ".inf", "NaN",  "1,5",   "--1", "1e5.5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_number_error(bad[i], DDBC_NUMBER_SYNTAX);
    }
}

/* Asserts that `text` is a valid datetime whose canonical form is `want`. */
static void assert_datetime(const char *text, const char *want)
{
    ddb_time t;
    const char *why = ddb_time_problem(text, strlen(text), &t);
    if (why != NULL)
        fail_msg("'%s': %s", text, why);
    char out[DDB_TIME_TEXT_SIZE];
    assert_int_equal(ddb_time_format(t, out), 0);
    assert_string_equal(out, want);
}

static void assert_datetime_error(const char *text, const char *why_contains)
{
    ddb_time t;
    const char *why = ddb_time_problem(text, strlen(text), &t);
    assert_non_null(why);
    if (strstr(why, why_contains) == NULL)
        fail_msg("'%s': '%s' does not mention '%s'", text, why, why_contains);
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
    assert_datetime("999-12-31T23:59:59.000001+0000", "0999-12-31T23:59:59.000001+0000");
    assert_datetime("2024-01-01T00:00:00.123456000Z", "2024-01-01T00:00:00.123456+0000");
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
    assert_datetime_error("2024-01-01T00:00:00.1234567Z", "finer than a microsecond");
    assert_datetime_error("2024-01-01T00:00:00.1234560000Z", "YYYY-MM-DD");
    assert_datetime_error("2024-01-01T00:00:00z", "YYYY-MM-DD");
    assert_datetime_error("2024-01-01", "YYYY-MM-DD");
    assert_datetime_error("", "YYYY-MM-DD");
}

static void assert_json(const char *text)
{
    if (ddb_json_text_check(text, strlen(text)) != 0)
        fail_msg("'%s': %s", text, ddb_last_error()->message);
}

/* Refused, the message naming byte offset `want_at`. */
static void assert_json_error(const char *text, size_t want_at)
{
    assert_int_equal(ddb_json_text_check(text, strlen(text)), DDB_EINVAL);
    char offset[32];
    snprintf(offset, sizeof offset, "offset %zu:", want_at);
    if (strstr(ddb_last_error()->message, offset) == NULL)
        fail_msg("'%s': '%s' does not say %s", text, ddb_last_error()->message, offset);
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
    assert_json_error("\"a\\x\"", 2); /* at the backslash */
    assert_json_error("\"\\u12g4\"", 1);
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
    /* nesting: as deep as the parser allows */
    enum { MAX_DEPTH = 128 };
    char deep[2 * MAX_DEPTH + 3];
    memset(deep, '[', MAX_DEPTH);
    memset(deep + MAX_DEPTH, ']', MAX_DEPTH);
    deep[2 * MAX_DEPTH] = '\0';
    assert_json(deep);
    memset(deep, '[', MAX_DEPTH + 1);
    memset(deep + MAX_DEPTH + 1, ']', MAX_DEPTH + 1);
    deep[2 * MAX_DEPTH + 2] = '\0';
    assert_int_equal(ddb_json_text_check(deep, strlen(deep)), DDB_EINVAL);
    /* the length bounds the text */
    assert_int_equal(ddb_json_text_check("[1]xyz", 3), 0);
    /* lone surrogates and raw control characters */
    assert_int_equal(ddb_json_text_check("\"\\ud800\"", 8), DDB_EINVAL);
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
