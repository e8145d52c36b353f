/*
 * xml.c - the little XML the REST services answer with (S3 listings and
 * errors, STS credentials): elements found by name, text unescaped.
 * Not a general XML parser: no attributes, namespaces or CDATA.
 */
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
    for (const char *p = *at; p + no <= end; p++) {
        if (memcmp(p, open, (size_t)no) != 0)
            continue;
        for (const char *q = p + no; q + nc <= end; q++) {
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
    while (a < b) {
        if (*a != '&') {
            ddb_buf_putc(&out, *a++);
            continue;
        }
        size_t i = 0, n = sizeof named / sizeof named[0];
        for (; i < n; i++) {
            size_t l = strlen(named[i].name);
            if ((size_t)(b - a) >= l && memcmp(a, named[i].name, l) == 0) {
                ddb_buf_putc(&out, named[i].c);
                a += l;
                break;
            }
        }
        if (i < n)
            continue;
        unsigned long cp = 0;
        char *stop = NULL;
        if ((size_t)(b - a) > 3 && a[1] == '#')
            cp = a[2] == 'x' ? strtoul(a + 3, &stop, 16) : strtoul(a + 2, &stop, 10);
        if (stop == NULL || stop >= b || *stop != ';' || cp == 0 || cp > 0x10FFFF) {
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
        ddb_buf_append(&out, u, k);
        a = stop + 1;
    }
    if (ddb_buf_putc(&out, '\0') != 0) {
        ddb_buf_free(&out);
        return NULL;
    }
    return ddb_buf_steal(NULL, &out);
}

