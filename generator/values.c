/* values.c - DynamoDB numbers, UTC datetimes and JSON text (see values.h). */
#include "values.h"

#include <string.h>

static const char DIGITS[] = "0123456789";

/* ---- numbers -------------------------------------------------------------- */

bool ddbc_is_decimal_number(const char *s)
{
    s += *s == '+' || *s == '-';
    size_t int_digits = strspn(s, DIGITS), frac_digits = 0;
    s += int_digits;
    if (*s == '.') {
        frac_digits = strspn(s + 1, DIGITS);
        s += 1 + frac_digits;
    }
    if (int_digits + frac_digits == 0)
        return false;
    if (*s == 'e' || *s == 'E') {
        s += 1 + (s[1] == '+' || s[1] == '-');
        size_t exp_digits = strspn(s, DIGITS);
        if (exp_digits == 0)
            return false;
        s += exp_digits;
    }
    return *s == '\0';
}

/* Exponents beyond this are out of range whatever the digits; parsing saturates here. */
enum { EXP_SATURATION = 1000000 };

/* The value of an optional "[eE][-+]?digits" at `s`, saturated at +-EXP_SATURATION. */
static long long parse_exponent(const char *s)
{
    if (*s != 'e' && *s != 'E')
        return 0;
    s++;
    bool negative = *s == '-';
    s += *s == '+' || *s == '-';
    long long v = 0;
    for (; *s >= '0' && *s <= '9'; s++)
        if (v < EXP_SATURATION)
            v = v * 10 + (*s - '0');
    return negative ? -v : v;
}

/* Appends `n` copies of '0' to `out`. */
static void put_zeros(ddb_buf *out, long long n)
{
    for (long long i = 0; i < n; i++)
        ddb_buf_putc(out, '0');
}

/* The digits of a number: the integer part, then the fraction. */
typedef struct digit_seq {
    const char *int_part, *frac;
    size_t n_int, n_frac;
} digit_seq;

static char digit_at(const digit_seq *d, size_t k)
{
    return k < d->n_int ? d->int_part[k] : d->frac[k - d->n_int];
}

/* Appends digits [from, to) of `d` to `out`. */
static void put_digits(ddb_buf *out, const digit_seq *d, size_t from, size_t to)
{
    for (size_t k = from; k < to; k++)
        ddb_buf_putc(out, digit_at(d, k));
}

/*
 * Appends the significant digits [first, last) of `d` times 10^scale in
 * plain notation (the caller has checked that scale is bounded).
 */
static void put_plain(ddb_buf *out, bool negative, const digit_seq *d, size_t first, size_t last,
                      long long scale)
{
    long long n = (long long)(last - first);
    if (negative)
        ddb_buf_putc(out, '-');
    if (scale >= 0) {
        put_digits(out, d, first, last);
        put_zeros(out, scale);
    } else if (n > -scale) {
        size_t point = last - (size_t)-scale;
        put_digits(out, d, first, point);
        ddb_buf_putc(out, '.');
        put_digits(out, d, point, last);
    } else {
        ddb_buf_puts(out, "0.");
        put_zeros(out, -scale - n);
        put_digits(out, d, first, last);
    }
}

ddbc_number_check ddbc_number_canonical(const char *text, bool any_precision, ddb_buf *out)
{
    if (!ddbc_is_decimal_number(text))
        return DDBC_NUMBER_SYNTAX;
    bool negative = text[0] == '-';
    digit_seq d;
    d.int_part = text + (text[0] == '+' || text[0] == '-');
    d.n_int = strspn(d.int_part, DIGITS);
    d.frac = d.int_part + d.n_int + (d.int_part[d.n_int] == '.');
    d.n_frac = strspn(d.frac, DIGITS);
    long long exp = parse_exponent(d.frac + d.n_frac);
    size_t len = d.n_int + d.n_frac, first = 0, last = len;
    while (first < len && digit_at(&d, first) == '0')
        first++;
    if (first == len) { /* zero, whatever the sign and exponent */
        if (out != NULL)
            ddb_buf_putc(out, '0');
        return DDBC_NUMBER_OK;
    }
    while (digit_at(&d, last - 1) == '0')
        last--;
    /* value = digits[first, last) * 10^scale */
    long long scale = exp - (long long)d.n_frac + (long long)(len - last);
    long long adjusted = scale + (long long)(last - first) - 1; /* exponent of the first digit */
    if (!any_precision && last - first > DDBC_NUMBER_MAX_DIGITS)
        return DDBC_NUMBER_DIGITS;
    if (adjusted < DDBC_NUMBER_MIN_EXP || adjusted > DDBC_NUMBER_MAX_EXP)
        return DDBC_NUMBER_RANGE;
    if (out != NULL)
        put_plain(out, negative, &d, first, last, scale);
    return DDBC_NUMBER_OK;
}

/* ---- UTC datetimes --------------------------------------------------------- */

/* Reads exactly `width` digits at `s`; returns -1 when they are not all digits. */
static int fixed_digits(const char *s, size_t width)
{
    int v = 0;
    for (size_t i = 0; i < width; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int days_in_month(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    return month == 2 && leap ? 29 : days[month - 1];
}

/* Checks the date and time fields; returns NULL or why they are out of range. */
static const char *check_fields(const int f[6])
{
    if (f[0] < 1)
        return "the year must be 0001 to 9999";
    if (f[1] < 1 || f[1] > 12)
        return "the month must be 01 to 12";
    if (f[2] < 1 || f[2] > days_in_month(f[0], f[1]))
        return "that month has no such day";
    if (f[3] > 23)
        return "the hour must be 00 to 23";
    if (f[4] > 59)
        return "the minute must be 00 to 59";
    if (f[5] > 59)
        return "the second must be 00 to 59";
    return NULL;
}

const char *ddbc_utc_datetime_canonical(const char *text, ddb_buf *out)
{
    static const char form[] = "it must be YYYY-MM-DDTHH:MM:SS, optionally '.' and 1 to 6 "
                               "fraction digits, then +0000, +00:00 or Z";
    /* offset and width of year, month, day, hour, minute, second; separators between */
    static const size_t at[6] = {0, 5, 8, 11, 14, 17}, width[6] = {4, 2, 2, 2, 2, 2};
    static const char seps[] = "--T::";
    int f[6];
    if (strlen(text) < 19)
        return form;
    for (size_t i = 0; i < 6; i++) {
        f[i] = fixed_digits(text + at[i], width[i]);
        if (f[i] < 0 || (i < 5 && text[at[i] + width[i]] != seps[i]))
            return form;
    }
    const char *rest = text + 19;
    size_t n_frac = 0;
    if (*rest == '.') {
        n_frac = strspn(rest + 1, DIGITS);
        if (n_frac < 1 || n_frac > 6)
            return form;
        rest += 1 + n_frac;
    }
    if (strcmp(rest, "+0000") != 0 && strcmp(rest, "+00:00") != 0 && strcmp(rest, "Z") != 0)
        return *rest == '+' || *rest == '-' ? "the time zone must be UTC: +0000, +00:00 or Z"
                                            : form;
    const char *why = check_fields(f);
    if (why != NULL)
        return why;
    ddb_buf_append(out, text, 19);
    ddb_buf_putc(out, '.');
    ddb_buf_append(out, text + 20, n_frac);
    put_zeros(out, 6 - (long long)n_frac);
    ddb_buf_puts(out, "+0000");
    return NULL;
}

/* ---- JSON ---------------------------------------------------------------------- */

typedef struct json_reader {
    const char *s;
    size_t len, i;
    const char *error; /* first problem; `i` is then its offset */
} json_reader;

static bool json_fail(json_reader *r, const char *why)
{
    if (r->error == NULL)
        r->error = why;
    return false;
}

static int json_peek(const json_reader *r)
{
    return r->i < r->len ? (unsigned char)r->s[r->i] : -1;
}

static void json_space(json_reader *r)
{
    while (r->i < r->len && strchr(" \t\n\r", r->s[r->i]) != NULL && r->s[r->i] != '\0')
        r->i++;
}

static bool json_word(json_reader *r, const char *word)
{
    size_t n = strlen(word);
    if (r->len - r->i < n || memcmp(r->s + r->i, word, n) != 0)
        return json_fail(r,
                         "expected a value (object, array, string, number, true, false or null)");
    r->i += n;
    return true;
}

/* Skips digits; returns how many. */
static size_t json_digits(json_reader *r)
{
    size_t n = 0;
    while (json_peek(r) >= '0' && json_peek(r) <= '9') {
        r->i++;
        n++;
    }
    return n;
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][-+]?[0-9]+)? */
static bool json_number(json_reader *r)
{
    if (json_peek(r) == '-')
        r->i++;
    if (json_peek(r) == '0')
        r->i++;
    else if (json_digits(r) == 0)
        return json_fail(r, "expected a digit");
    if (json_peek(r) == '.') {
        r->i++;
        if (json_digits(r) == 0)
            return json_fail(r, "expected a digit after '.'");
    }
    if (json_peek(r) == 'e' || json_peek(r) == 'E') {
        r->i++;
        if (json_peek(r) == '+' || json_peek(r) == '-')
            r->i++;
        if (json_digits(r) == 0)
            return json_fail(r, "expected a digit in the exponent");
    }
    return true;
}

static bool json_escape(json_reader *r)
{
    int c = json_peek(r);
    if (c >= 0 && strchr("\"\\/bfnrt", c) != NULL && c != '\0') {
        r->i++;
        return true;
    }
    if (c != 'u')
        return json_fail(r, "invalid escape (valid: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
    r->i++;
    for (int k = 0; k < 4; k++, r->i++)
        if (r->i >= r->len || strchr("0123456789abcdefABCDEF", r->s[r->i]) == NULL ||
            r->s[r->i] == '\0')
            return json_fail(r, "\\u needs 4 hexadecimal digits");
    return true;
}

static bool json_string(json_reader *r)
{
    r->i++; /* the opening quote */
    for (;;) {
        int c = json_peek(r);
        if (c < 0)
            return json_fail(r, "unterminated string");
        if (c < 0x20)
            return json_fail(r, "control character in a string (escape it, e.g. \\n)");
        r->i++;
        if (c == '"')
            return true;
        if (c == '\\' && !json_escape(r))
            return false;
    }
}

static bool json_value(json_reader *r, int depth);

/* The members of an object or the items of an array, after the opening bracket. */
static bool json_container(json_reader *r, int depth, bool object)
{
    char close = object ? '}' : ']';
    if (depth >= DDBC_JSON_MAX_DEPTH)
        return json_fail(r, "nested too deeply");
    r->i++;
    json_space(r);
    if (json_peek(r) == close) {
        r->i++;
        return true;
    }
    for (;;) {
        if (object) {
            if (json_peek(r) != '"')
                return json_fail(r, "expected a string as object key");
            if (!json_string(r))
                return false;
            json_space(r);
            if (json_peek(r) != ':')
                return json_fail(r, "expected ':' after an object key");
            r->i++;
        }
        if (!json_value(r, depth + 1))
            return false;
        json_space(r);
        int c = json_peek(r);
        r->i += c == ',' || c == close;
        if (c == close)
            return true;
        if (c != ',')
            return json_fail(r, object ? "expected ',' or '}'" : "expected ',' or ']'");
        json_space(r);
    }
}

/* One value with the whitespace before it. */
static bool json_value(json_reader *r, int depth)
{
    json_space(r);
    switch (json_peek(r)) {
    case '{':
        return json_container(r, depth, true);
    case '[':
        return json_container(r, depth, false);
    case '"':
        return json_string(r);
    case 't':
        return json_word(r, "true");
    case 'f':
        return json_word(r, "false");
    case 'n':
        return json_word(r, "null");
    case -1:
        return json_fail(r, "expected a value, found the end of the text");
    }
    if (json_peek(r) == '-' || (json_peek(r) >= '0' && json_peek(r) <= '9'))
        return json_number(r);
    return json_fail(r, "expected a value (object, array, string, number, true, false or null)");
}

const char *ddbc_json_check(const char *text, size_t len, size_t *at)
{
    json_reader r = {text, len, 0, NULL};
    if (json_value(&r, 0)) {
        json_space(&r);
        if (r.i != len)
            json_fail(&r, "unexpected text after the JSON value");
    }
    *at = r.i;
    return r.error;
}
