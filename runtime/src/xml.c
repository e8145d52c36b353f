/*
 * xml.c - the little XML the REST services answer with (S3 listings and
 * errors, STS credentials): elements found by name, text unescaped.
 * Not a general XML parser: no attributes, namespaces or CDATA.
 */
#include "feature_macros.h" /* first: feature-test macros before any system header */

#include "xml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddb/buf.h"
#include "ddb/error.h"

/* The next <tag>...</tag> in [*at, end): its content in [*a, *b); *at
 * moves past it. False when there is none. */
bool ddb_xml_next(const char **at, const char *end, const char *tag, const char **a, const char **b)
{
    char open[40], close[40];
    int no = snprintf(open, sizeof open, "<%s>", tag), nc = snprintf(close, sizeof close, "</%s>", tag);
    if (*at == NULL || end == NULL || no <= 0 || nc <= 0 || (size_t)nc >= sizeof close)
        return false; /* no body (an empty answer), or a tag too long */
    /* lengths, not `p + no <= end`: no pointer beyond the end is made */
    for (const char *p = *at; end - p >= no; p++) {
        if (memcmp(p, open, (size_t)no) != 0)
            continue;
        for (const char *q = p + no; end - q >= nc; q++) {
            if (memcmp(q, close, (size_t)nc) == 0) {
                *a = p + no;
                *b = q;
                *at = q + nc;
                return true;
            }
        }
        return false;
    }
    return false;
}

/* XML text [a, b) with its five entities and numeric references decoded,
 * as a new string; NULL (recorded) when malformed. */
char *ddb_xml_unescape(const char *a, const char *b)
{
    ddb_buf out = DDB_BUF_INIT;
    static const struct {
        const char *name;
        char c;
    } named[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    int rc = 0; /* the appends' codes, OR-ed: a failed one leaves the buffer as it was */
    while (a < b) {
        if (*a != '&') {
            rc |= ddb_buf_putc(&out, *a++);
            continue;
        }
        size_t i = 0, n = sizeof named / sizeof named[0];
        for (; i < n; i++) {
            size_t l = strlen(named[i].name);
            if ((size_t)(b - a) >= l && memcmp(a, named[i].name, l) == 0) {
                rc |= ddb_buf_putc(&out, named[i].c);
                a += l;
                break;
            }
        }
        if (i < n)
            continue;
        /* &#DDD; or &#xHHH;: digits only (no blank or sign, as strtoul would
         * take), read within [a, b), a Unicode scalar value (no surrogate) */
        unsigned long cp = 0;
        bool numeric = b - a > 2 && a[1] == '#', hex = numeric && a[2] == 'x';
        const char *digits = numeric ? a + 2 + hex : a, *stop = digits;
        for (; numeric && stop < b && cp <= 0x10FFFF; stop++) {
            int d = *stop >= '0' && *stop <= '9'            ? *stop - '0'
                    : hex && *stop >= 'a' && *stop <= 'f' ? *stop - 'a' + 10
                    : hex && *stop >= 'A' && *stop <= 'F' ? *stop - 'A' + 10
                                                          : -1;
            if (d < 0)
                break;
            cp = cp * (hex ? 16 : 10) + (unsigned long)d;
        }
        if (!numeric || stop == digits || stop >= b || *stop != ';' || cp == 0 || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF)) {
            ddb_buf_free(&out);
            ddb_error_set(DDB_EPROTOCOL, "malformed XML entity in a response");
            return NULL;
        }
        unsigned char u[4];
        size_t k = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        if (k == 1)
            u[0] = (unsigned char)cp;
        else {
            for (size_t j = k; j-- > 1; cp >>= 6)
                u[j] = (unsigned char)(0x80 | (cp & 0x3F));
            u[0] = (unsigned char)((k == 2 ? 0xC0 : k == 3 ? 0xE0 : 0xF0) | cp);
        }
        rc |= ddb_buf_append(&out, u, k);
        a = stop + 1;
    }
    if ((rc | ddb_buf_putc(&out, '\0')) != 0) {
        ddb_buf_free(&out);
        ddb_error_set(DDB_ENOMEM, "out of memory reading XML");
        return NULL;
    }
    return ddb_buf_steal(NULL, &out);
}

