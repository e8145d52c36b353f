/* time_text.c - PynamoDB's UTC datetime text (see time_text.h, ddb/model.h). */
#include "feature_macros.h" /* first: feature-test macros before any system header */

#include "time_text.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ddb/error.h"

/* Days since 1970-01-01 of a proleptic Gregorian date (y, m 1..12, d 1..31). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The inverse of days_from_civil. */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* Writes `v` (0 <= v < 10^n) as exactly n decimal digits. */
static void put_digits(char *out, int64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v /= 10)
        out[i] = (char)('0' + v % 10);
}

/* Seconds of 0001-01-01T00:00:00Z and of 10000-01-01T00:00:00Z. */
#define DDB_TIME_MIN_SEC INT64_C(-62135596800)
#define DDB_TIME_END_SEC INT64_C(253402300800)

int ddb_time_format(ddb_time t, char out[DDB_TIME_TEXT_SIZE])
{
    if (t.sec < DDB_TIME_MIN_SEC || t.sec >= DDB_TIME_END_SEC || t.usec < 0 || t.usec > 999999)
        return ddb_error_set(DDB_EINVAL, "time %" PRId64 ".%06" PRId32 " is outside years 1..9999",
                             t.sec, t.usec);
    int64_t days = t.sec >= 0 ? t.sec / 86400 : -((-t.sec + 86399) / 86400);
    int64_t rem = t.sec - days * 86400;
    int64_t y;
    int mo, d;
    civil_from_days(days, &y, &mo, &d);
    /* by hand: snprintf was a tenth of a GetItem's client CPU (perf,
     * docs/performance.md); every field is in range by construction */
    put_digits(out, y, 4);
    out[4] = '-';
    put_digits(out + 5, mo, 2);
    out[7] = '-';
    put_digits(out + 8, d, 2);
    out[10] = 'T';
    put_digits(out + 11, rem / 3600, 2);
    out[13] = ':';
    put_digits(out + 14, rem / 60 % 60, 2);
    out[16] = ':';
    put_digits(out + 17, rem % 60, 2);
    out[19] = '.';
    put_digits(out + 20, t.usec, 6);
    memcpy(out + 26, "+0000", 6);
    return 0;
}

/* Reads exactly `n` digits at *p (advancing it); -1 when they are not there. */
static int64_t read_digits(const char **p, const char *end, int n)
{
    int64_t v = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (*p >= end || **p < '0' || **p > '9')
            return -1;
        v = v * 10 + (**p - '0');
    }
    return v;
}

static bool expect_char(const char **p, const char *end, char c)
{
    if (*p >= end || **p != c)
        return false;
    (*p)++;
    return true;
}

#define FORM "it must be YYYY-MM-DDTHH:MM:SS, optionally '.' and 1 to 9 fraction digits, then +0000, +00:00 or Z"

const char *ddb_time_problem(const char *text, size_t len, ddb_time *out)
{
    const char *p = text, *end = text + len;
    int year_digits = 0;
    while (year_digits < 4 && p + year_digits < end && p[year_digits] >= '0' && p[year_digits] <= '9')
        year_digits++;
    int64_t y = year_digits > 0 ? read_digits(&p, end, year_digits) : -1, mo = -1, d = -1, h = -1, mi = -1, sec = -1;
    bool shape = y >= 0 && expect_char(&p, end, '-') && (mo = read_digits(&p, end, 2)) >= 0 &&
                 expect_char(&p, end, '-') && (d = read_digits(&p, end, 2)) >= 0 && expect_char(&p, end, 'T') &&
                 (h = read_digits(&p, end, 2)) >= 0 && expect_char(&p, end, ':') &&
                 (mi = read_digits(&p, end, 2)) >= 0 && expect_char(&p, end, ':') && (sec = read_digits(&p, end, 2)) >= 0;
    if (!shape)
        return FORM;
    int32_t usec = 0;
    bool finer = false; /* non-zero digits beyond the microsecond */
    if (p < end && *p == '.') {
        p++;
        int n = 0;
        for (; p < end && *p >= '0' && *p <= '9'; p++, n++) {
            if (n < 6)
                usec = usec * 10 + (*p - '0');
            else
                finer |= *p != '0';
        }
        if (n < 1 || n > 9)
            return FORM;
        for (int k = n; k < 6; k++)
            usec *= 10;
    }
    size_t rest = (size_t)(end - p);
    bool utc = (rest == 5 && memcmp(p, "+0000", 5) == 0) || (rest == 6 && memcmp(p, "+00:00", 6) == 0) ||
               (rest == 1 && *p == 'Z');
    if (!utc)
        return rest >= 1 && (*p == '+' || *p == '-') ? "the time zone must be UTC: +0000, +00:00 or Z" : FORM;
    if (y < 1)
        return "the year must be 0001 to 9999";
    if (mo < 1 || mo > 12)
        return "the month must be 01 to 12";
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    if (d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap))
        return "that month has no such day";
    if (h > 23)
        return "the hour must be 00 to 23";
    if (mi > 59)
        return "the minute must be 00 to 59";
    if (sec > 59)
        return "the second must be 00 to 59";
    if (finer) /* a ddb_time holds microseconds: the rest would be lost */
        return "it is finer than a microsecond, which a ddb_time cannot hold";
    out->sec = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
    out->usec = usec;
    return NULL;
}

int ddb_time_parse(const char *text, size_t len, ddb_time *out)
{
    const char *why = ddb_time_problem(text, len, out);
    if (why == NULL)
        return 0;
    return ddb_error_set(DDB_EINVAL, "\"%.*s\" is not a UTC datetime like 2024-01-02T03:04:05.000006+0000: %s",
                         (int)(len > 64 ? 64 : len), text, why);
}
