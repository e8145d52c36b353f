/*
 * number.c - DynamoDB's number rules (see number.h): syntax, the 38
 * significant digits, the range, exact conversions to int64 and double,
 * and the canonical and plain forms.
 */
#include "feature_macros.h" /* first: feature-test macros before any system header */

#include "number.h"

#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddb/av.h" /* ddb_number_check */
#include "ddb/error.h"

/* ---------------------------------------------------------------------------
 * DynamoDB numbers
 *
 * DynamoDB documents numbers as "up to 38 digits of precision", range
 * 1E-130 to 9.9999999999999999999999999999999999999E+125 in magnitude (and
 * zero), "leading and trailing zeroes are trimmed". What the service really
 * does (observed, and relied on by the AWS SDKs and by ScyllaDB Alternator's
 * compatibility tests):
 *  - Syntax: optional '+' or '-', digits with at most one '.', at least one
 *    digit, optional exponent 'e'/'E' [+-] digits. Leading zeros ("0001.23"),
 *    ".5", "5." and "+3" are accepted; spaces, "NaN", "Infinity", hex are
 *    not.
 *  - Precision counts *significant* digits: from the first to the last
 *    non-zero digit. Leading zeros never count; trailing zeros never count
 *    either, also those of an integer: "1" followed by 40 zeros has one
 *    significant digit and is accepted (it is 1E+40); "1.50" has two.
 *    39 significant digits are rejected.
 *  - Range is on the adjusted exponent a of d1.d2...dn x 10^a: zero, or
 *    -130 <= a <= 125. So 1E-130 and 9.99...9E+125 pass, while 1E-131,
 *    0.9E-130, 1E+126 and 11E+125 fail. Zero passes whatever its exponent
 *    ("0e1000", "-0").
 * ------------------------------------------------------------------------- */

#define NUMBER_MAX_DIGITS 38
#define NUMBER_MIN_EXP (-130)
#define NUMBER_MAX_EXP 125
/* Exponents saturate here while parsing: far outside the valid range, far
 * from int64 overflow even after adding the length of the text. */
#define EXP_SATURATE 1000000000000000LL
/* Room for the canonical text of a valid number: '-', 38 digits, 'E', exponent. */
#define CANON_MAX DDB_NUMBER_CANON_MAX

/* A number reduced to its value: (-1)^neg x d1.d2...dn x 10^exp, with
 * d1 and dn non-zero. Zero is ndigits == 0 and neg == false. */
typedef struct dec {
    bool neg;
    int ndigits;
    int64_t exp;
    char digits[NUMBER_MAX_DIGITS];
} dec;

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Parses the optional exponent part at *p; returns false on bad syntax. */
static bool dec_exponent(const char **p, const char *end, int64_t *exp)
{
    *exp = 0;
    if (*p == end || (**p != 'e' && **p != 'E'))
        return true;
    const char *q = *p + 1;
    bool neg = q < end && *q == '-';
    if (q < end && (*q == '+' || *q == '-'))
        q++;
    if (q == end || !is_digit(*q))
        return false;
    for (; q < end && is_digit(*q); q++) {
        if (*exp < EXP_SATURATE)
            *exp = *exp * 10 + (*q - '0');
    }
    if (neg)
        *exp = -*exp;
    *p = q;
    return true;
}

/*
 * Parses number text into *d. Returns NULL, or why the text is not a number
 * of at most 38 significant digits (range is checked by dec_range).
 * Digits are indexed in order of appearance, ignoring the point; `nint` is
 * how many precede the point, `first`/`last` index the outer non-zero ones.
 */
static const char *dec_parse(const char *s, size_t len, dec *d)
{
    const char *p = s;
    const char *end = s + len;
    d->neg = false;
    d->ndigits = 0;
    d->exp = 0;
    if (p < end && (*p == '+' || *p == '-'))
        d->neg = *p++ == '-';
    int64_t index = 0, nint = -1, first = -1, last = -1;
    for (; p < end; p++) {
        if (*p == '.' && nint < 0) {
            nint = index;
            continue;
        }
        if (!is_digit(*p))
            break;
        if (*p != '0') {
            if (first < 0)
                first = index;
            if (index - first >= NUMBER_MAX_DIGITS)
                return "more than 38 significant digits";
            last = index;
        }
        if (first >= 0 && index - first < NUMBER_MAX_DIGITS)
            d->digits[index - first] = *p;
        index++;
    }
    int64_t exp;
    if (index == 0 || !dec_exponent(&p, end, &exp) || p != end)
        return "not a number";
    if (first < 0) {
        d->neg = false;
        return NULL;
    }
    if (nint < 0)
        nint = index;
    d->ndigits = (int)(last - first + 1);
    d->exp = nint - 1 - first + exp;
    return NULL;
}

static const char *dec_range(const dec *d)
{
    if (d->ndigits == 0)
        return NULL;
    if (d->exp > NUMBER_MAX_EXP)
        return "magnitude above 9.9999999999999999999999999999999999999E+125";
    if (d->exp < NUMBER_MIN_EXP)
        return "magnitude below 1E-130";
    return NULL;
}

/* Canonical text of a parsed number: "0", or [-]DIGITSE<exp>. Two numbers
 * are equal exactly when their canonical texts are. Returns the length. */
static size_t dec_canon(const dec *d, char out[CANON_MAX])
{
    if (d->ndigits == 0) {
        out[0] = '0';
        return 1;
    }
    size_t n = 0;
    if (d->neg)
        out[n++] = '-';
    memcpy(out + n, d->digits, (size_t)d->ndigits);
    n += (size_t)d->ndigits;
    return n + (size_t)snprintf(out + n, CANON_MAX - n, "E%lld", (long long)d->exp);
}

const char *ddb_number_problem(const char *text, size_t len)
{
    dec d;
    const char *why = dec_parse(text, len, &d);
    return why != NULL ? why : dec_range(&d);
}

int ddb_number_check(const char *text, size_t len)
{
    if (text == NULL)
        return ddb_error_set(DDB_EINVAL, "number text is NULL");
    const char *why = ddb_number_problem(text, len);
    if (why == NULL)
        return 0;
    int shown = len > 64 ? 64 : (int)len;
    return ddb_error_set(DDB_EINVAL, "invalid DynamoDB number \"%.*s%s\": %s", shown, text, len > 64 ? "..." : "", why);
}

const char *ddb_number_to_i64(const char *text, size_t len, int64_t *out)
{
    dec d;
    const char *why = dec_parse(text, len, &d);
    if (why != NULL)
        return why;
    if (d.ndigits == 0) {
        *out = 0;
        return NULL;
    }
    if (d.exp < d.ndigits - 1)
        return "not an integer";
    if (d.exp > 18)
        return "out of the int64 range";
    uint64_t mag = 0;
    for (int64_t i = 0; i <= d.exp; i++)
        mag = mag * 10 + (uint64_t)(i < d.ndigits ? d.digits[i] - '0' : 0);
    uint64_t limit = d.neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    if (mag > limit)
        return "out of the int64 range";
    if (!d.neg)
        *out = (int64_t)mag;
    else /* the magnitude of INT64_MIN does not fit int64 */
        *out = mag == limit ? INT64_MIN : -(int64_t)mag;
    return NULL;
}

/* ---------------------------------------------------------------------------
 * Locale-independent double conversion. printf/strtod follow LC_NUMERIC,
 * and a program that called setlocale(LC_ALL, "") in, say, de_DE would get
 * "0,5" - text DynamoDB rejects. The conversions switch the calling thread
 * to the "C" numeric locale (uselocale is per thread) and back.
 * ------------------------------------------------------------------------- */

static pthread_once_t c_numeric_once = PTHREAD_ONCE_INIT;
static locale_t c_numeric;

static void c_numeric_init(void)
{
    c_numeric = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

/* Enters the "C" numeric locale; returns what numeric_leave restores.
 * If that locale could not be created (out of memory at first use), the
 * thread's locale stays in effect. */
static locale_t numeric_enter(void)
{
    pthread_once(&c_numeric_once, c_numeric_init);
    return c_numeric != (locale_t)0 ? uselocale(c_numeric) : (locale_t)0;
}

static void numeric_leave(locale_t previous)
{
    if (previous != (locale_t)0)
        uselocale(previous);
}

const char *ddb_number_to_double(const char *text, double *out)
{
    locale_t previous = numeric_enter();
    char *end;
    double v = strtod(text, &end);
    numeric_leave(previous);
    if (end == text || *end != '\0')
        return "not a number";
    if (!isfinite(v))
        return "out of the double range";
    *out = v;
    return NULL;
}

void ddb_double_shortest(double v, char out[32])
{
    locale_t previous = numeric_enter();
    for (int precision = 15; precision <= 17; precision++) {
        snprintf(out, 32, "%.*g", precision, v);
        if (strtod(out, NULL) == v)
            break;
    }
    numeric_leave(previous);
}

const char *ddb_number_to_double_exact(const char *text, size_t len, double *out)
{
    dec stored;
    const char *why = dec_parse(text, len, &stored);
    if (why == NULL)
        why = dec_range(&stored);
    double v = 0;
    if (why == NULL && stored.ndigits > 0) { /* text is NUL-terminated: av nodes and callers */
        why = ddb_number_to_double(text, &v);
        char back[32], a[CANON_MAX], b[CANON_MAX];
        dec written;
        if (why == NULL) {
            ddb_double_shortest(v, back);
            why = dec_parse(back, strlen(back), &written);
        }
        if (why == NULL) {
            size_t na = dec_canon(&stored, a), nb = dec_canon(&written, b);
            if (na != nb || memcmp(a, b, na) != 0)
                why = "more precision than a double holds (use a decimal attribute)";
        }
    }
    if (why == NULL)
        *out = v;
    return why;
}


size_t ddb_number_canon(const char *text, size_t len, char out[DDB_NUMBER_CANON_MAX])
{
    dec d;
    if (dec_parse(text, len, &d) != NULL)
        return 0;
    return dec_canon(&d, out);
}

const char *ddb_number_plain(const char *text, size_t len, ddb_buf *out)
{
    dec d;
    const char *why = dec_parse(text, len, &d);
    if (why == NULL)
        why = dec_range(&d);
    if (why != NULL)
        return why;
    if (d.ndigits == 0) {
        ddb_buf_putc(out, '0');
        return NULL;
    }
    if (d.neg)
        ddb_buf_putc(out, '-');
    /* digit k has the value 10^(exp - k) */
    int64_t top = d.exp > 0 ? d.exp : 0, bottom = d.exp - d.ndigits + 1;
    if (bottom > 0)
        bottom = 0;
    for (int64_t e = top; e >= bottom; e--) {
        if (e == -1)
            ddb_buf_putc(out, '.');
        int64_t k = d.exp - e;
        ddb_buf_putc(out, k >= 0 && k < d.ndigits ? d.digits[k] : '0');
    }
    return NULL;
}
