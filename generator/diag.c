/* diag.c - diagnostics collector: record, sort by position, print. */
#include "diag.h"

#include <stdlib.h>
#include <string.h>

#include "ddb/buf.h"

struct ddbc_diag_entry {
    char *file; /* NULL: no file */
    int line, col;
    size_t seq; /* recording order, keeps the sort stable */
    char *msg;
};

void ddbc_diag_init(ddbc_diag *d)
{
    d->entries = NULL;
    d->n = 0;
    d->cap = 0;
    d->lost = 0;
}

void ddbc_diag_free(ddbc_diag *d)
{
    if (d == NULL)
        return;
    for (size_t i = 0; i < d->n; i++) {
        free(d->entries[i].file);
        free(d->entries[i].msg);
    }
    free(d->entries);
    ddbc_diag_init(d);
}

/* Makes room for one more entry; returns 0 or -1 when out of memory. */
static int reserve_one(ddbc_diag *d)
{
    if (d->n < d->cap)
        return 0;
    size_t cap = d->cap != 0 ? d->cap * 2 : 16;
    struct ddbc_diag_entry *p = realloc(d->entries, cap * sizeof *p);
    if (p == NULL)
        return -1;
    d->entries = p;
    d->cap = cap;
    return 0;
}

void ddbc_diag_verror(ddbc_diag *d, ddbc_pos pos, const char *fmt, va_list ap)
{
    ddb_buf msg = DDB_BUF_INIT;
    char *file = pos.file != NULL ? strdup(pos.file) : NULL;
    if (ddb_buf_vprintf(&msg, fmt, ap) != 0 || (pos.file != NULL && file == NULL) ||
        reserve_one(d) != 0) {
        ddb_buf_free(&msg);
        free(file);
        d->lost++;
        return;
    }
    struct ddbc_diag_entry *e = &d->entries[d->n];
    e->file = file;
    e->line = pos.line;
    e->col = pos.col;
    e->seq = d->n + d->lost;
    e->msg = ddb_buf_steal(NULL, &msg);
    if (e->msg == NULL) {
        free(file);
        d->lost++;
        return;
    }
    d->n++;
}

void ddbc_diag_error(ddbc_diag *d, ddbc_pos pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ddbc_diag_verror(d, pos, fmt, ap);
    va_end(ap);
}

size_t ddbc_diag_count(const ddbc_diag *d)
{
    return d->n + d->lost;
}

/* Three-way comparison of two ints without overflow. */
static int cmp_int(long long a, long long b)
{
    return (a > b) - (a < b);
}

static int cmp_entry(const void *pa, const void *pb)
{
    const struct ddbc_diag_entry *a = pa, *b = pb;
    if ((a->file == NULL) != (b->file == NULL))
        return a->file == NULL ? -1 : 1;
    int c = a->file != NULL ? strcmp(a->file, b->file) : 0;
    if (c == 0)
        c = cmp_int(a->line, b->line);
    if (c == 0)
        c = cmp_int(a->col, b->col);
    return c != 0 ? c : cmp_int((long long)a->seq, (long long)b->seq);
}

/*
 * Prints `s` with its control characters escaped (\n, \r, \xHH, \u0080 to
 * \u009F; tabs stay): messages quote schema text and file names, which must
 * neither break the one-line-per-error format nor send escape sequences to
 * a terminal.
 */
static void put_escaped(const char *s, FILE *out)
{
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p == '\n')
            fputs("\\n", out);
        else if (*p == '\r')
            fputs("\\r", out);
        else if ((*p < 0x20 && *p != '\t') || *p == 0x7F)
            fprintf(out, "\\x%02x", (unsigned)*p);
        else if (*p == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) /* a C1 control in UTF-8 */
            fprintf(out, "\\u%04x", (unsigned)*++p);
        else
            putc(*p, out);
    }
}

static void print_entry(const struct ddbc_diag_entry *e, FILE *out)
{
    if (e->file == NULL) {
        fputs("ddbc", out);
    } else {
        put_escaped(e->file, out);
        if (e->line > 0)
            fprintf(out, ":%d:%d", e->line, e->col);
    }
    fputs(": error: ", out);
    put_escaped(e->msg, out);
    putc('\n', out);
}

void ddbc_diag_print(ddbc_diag *d, FILE *out)
{
    if (d->n > 1)
        qsort(d->entries, d->n, sizeof *d->entries, cmp_entry);
    for (size_t i = 0; i < d->n; i++)
        print_entry(&d->entries[i], out);
    if (d->lost != 0)
        fprintf(out, "ddbc: error: out of memory; %zu more error(s) not shown\n", d->lost);
}
