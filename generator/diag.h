/*
 * diag.h - diagnostics collector of the ddbc generator.
 *
 * Every stage (loader, checks, template engine, emitter, writer) reports its
 * errors into one ddbc_diag instead of printing them, so that all errors of a
 * run can be shown together, sorted by position, and so that the driver
 * decides the exit status from ddbc_diag_count() alone.
 *
 * Output format, one line per error (positions are 1-based):
 *     file:line:col: error: message      (pos.line > 0)
 *     file: error: message               (pos.file set, pos.line == 0)
 *     ddbc: error: message               (pos.file == NULL)
 * Control characters of the file name and the message (quoted schema text)
 * are printed escaped (\n, \r, \x1b, \u0085), never as themselves.
 *
 * Ownership: the collector copies the file name and the formatted message,
 * so a ddbc_pos may point at memory the caller frees right after the call.
 *
 * Errors: recording never fails visibly. When memory runs out the error is
 * still counted, and ddbc_diag_print() reports how many messages were lost.
 *
 * Thread safety: a collector is not synchronised; use one per thread or
 * serialise the calls.
 */
#ifndef DDBC_DIAG_H
#define DDBC_DIAG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* A position in an input file; line and col are 1-based, 0 when unknown. */
typedef struct ddbc_pos {
    const char *file; /* NULL: no file (a message about the run itself) */
    int line, col;
} ddbc_pos;

struct ddbc_diag_entry; /* private to diag.c */

/* Fields are private; initialise with DDBC_DIAG_INIT or ddbc_diag_init(). */
typedef struct ddbc_diag {
    struct ddbc_diag_entry *entries;
    size_t n, cap;
    size_t lost; /* errors counted but not stored (out of memory) */
} ddbc_diag;

#define DDBC_DIAG_INIT                                                                             \
    {                                                                                              \
        NULL, 0, 0, 0                                                                              \
    }

/* Makes `d` an empty collector. */
void ddbc_diag_init(ddbc_diag *d);

/* Releases every stored message and leaves `d` empty. NULL is a no-op. */
void ddbc_diag_free(ddbc_diag *d);

/* Records an error at `pos`; `fmt` is a printf format. */
void ddbc_diag_error(ddbc_diag *d, ddbc_pos pos, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* va_list form of ddbc_diag_error(). */
void ddbc_diag_verror(ddbc_diag *d, ddbc_pos pos, const char *fmt, va_list ap)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 0)))
#endif
    ;

/* Number of errors recorded so far (including lost ones). */
size_t ddbc_diag_count(const ddbc_diag *d);

/*
 * Sorts the recorded errors by file name, line, column and then recording
 * order (messages without a file come first), and writes them to `out`.
 * The messages stay recorded; printing twice prints them twice.
 */
void ddbc_diag_print(ddbc_diag *d, FILE *out);

#endif /* DDBC_DIAG_H */
