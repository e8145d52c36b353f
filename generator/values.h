/*
 * values.h - the text forms of schema values that take more than a glance
 * to validate: DynamoDB numbers, UTC datetimes in PynamoDB's format, and
 * JSON text. The builder (build_attr.c) uses them for defaults.
 *
 * Pure functions of their arguments: no global state, thread-safe.
 */
#ifndef DDBC_VALUES_H
#define DDBC_VALUES_H

#include <stdbool.h>
#include <stddef.h>

#include "ddb/buf.h"

/* DynamoDB's number limits: 38 significant digits, 1E-130 <= |x| < 1E+126 (or 0). */
enum {
    DDBC_NUMBER_MAX_DIGITS = 38,
    DDBC_NUMBER_MIN_EXP = -130, /* smallest exponent of the first significant digit */
    DDBC_NUMBER_MAX_EXP = 125   /* largest one */
};

typedef enum ddbc_number_check {
    DDBC_NUMBER_OK,
    DDBC_NUMBER_SYNTAX, /* not [-+]?(digits[.digits]|.digits)([eE][-+]?digits)? */
    DDBC_NUMBER_DIGITS, /* more than DDBC_NUMBER_MAX_DIGITS significant digits */
    DDBC_NUMBER_RANGE   /* not zero, and |x| < 1E-130 or |x| >= 1E+126 */
} ddbc_number_check;

/* Whether `s` is [-+]?(digits[.digits]|.digits)([eE][-+]?digits)? (no spaces). */
bool ddbc_is_decimal_number(const char *s);

/*
 * Checks that `text` is a number DynamoDB stores exactly: decimal syntax as
 * above, at most 38 significant digits (not checked when `any_precision`:
 * for doubles, which the runtime rounds to 17 digits), and zero or a
 * magnitude from 1E-130 to 9.99...E+125. When OK and `out` is not NULL,
 * appends the canonical form (see ddbc_attr.default_text in ir.h: plain
 * notation, no exponent, no redundant sign or zeros) to `out`.
 */
ddbc_number_check ddbc_number_canonical(const char *text, bool any_precision, ddb_buf *out);

/*
 * Parses a UTC date and time: YYYY-MM-DDTHH:MM:SS, an optional '.' and 1 to
 * 6 fraction digits, then "+0000", "+00:00" or "Z". Years 0001..9999, real
 * calendar days (leap years included), no leap seconds. On success appends
 * PynamoDB's canonical form YYYY-MM-DDTHH:MM:SS.ffffff+0000 to `out` and
 * returns NULL; otherwise returns why, as a static phrase.
 */
const char *ddbc_utc_datetime_canonical(const char *text, ddb_buf *out);

/* Deepest nesting of arrays and objects ddbc_json_check() accepts. */
enum { DDBC_JSON_MAX_DEPTH = 256 };

/*
 * Checks that text[0..len) is exactly one JSON value (RFC 8259: objects,
 * arrays, strings with valid escapes and no raw control characters,
 * numbers, true, false, null), optionally surrounded by whitespace, nested
 * at most DDBC_JSON_MAX_DEPTH deep. `text` must be valid UTF-8. Returns
 * NULL, or a static phrase for the first problem with *at set to its
 * 0-based byte offset.
 */
const char *ddbc_json_check(const char *text, size_t len, size_t *at);

#endif /* DDBC_VALUES_H */
