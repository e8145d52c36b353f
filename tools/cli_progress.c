/*
 * cli_progress.c - one self-erasing line on stderr for long work (scan,
 * query, count, dump, load, copy): items so far, rate, and percentage and
 * ETA when a total is known. Only on a terminal (isatty), never when
 * stderr is piped or --quiet is given; first drawn after half a second
 * (DDB_PROGRESS_AFTER_MS milliseconds when set: the tests draw at once),
 * then redrawn at most 5 times a second.
 *
 * Callers serialise updates (parallel scans update under their output
 * lock); the line being shown is remembered so that any message printed
 * meanwhile erases it first (cli_progress_clear).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ddb_cli.h"

static cli_progress *shown; /* the progress whose line is on the terminal */

/* Seconds of work before the first line: DDB_PROGRESS_AFTER_MS, or 0.5. */
static double first_after(void)
{
    const char *v = getenv("DDB_PROGRESS_AFTER_MS");
    char *end = NULL;
    long ms = v != NULL && *v != '\0' ? strtol(v, &end, 10) : -1;
    return end != NULL && *end == '\0' && ms >= 0 && ms <= 3600000 ? (double)ms / 1000 : 0.5;
}

bool cli_progress_wanted(const cli_opts *o, bool writes_stdout)
{
    if (o->quiet || !isatty(STDERR_FILENO))
        return false;
    if (writes_stdout && isatty(STDOUT_FILENO)) {
        /* the same terminal? then the line would mix with the output */
        struct stat a, b;
        if (fstat(STDOUT_FILENO, &a) != 0 || fstat(STDERR_FILENO, &b) != 0 ||
            (a.st_dev == b.st_dev && a.st_ino == b.st_ino))
            return false;
    }
    return true;
}

void cli_progress_start(cli_progress *p, bool on, int64_t total, const char *fmt, ...)
{
    memset(p, 0, sizeof *p);
    p->on = on;
    p->total = total;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->label, sizeof p->label, fmt, ap);
    va_end(ap);
    p->start = p->last = cli_now();
    p->after = first_after();
}

static void clock_text(char *out, size_t size, double seconds)
{
    unsigned long s = seconds < 0 ? 0 : seconds > 359999 ? 359999 : (unsigned long)(seconds + 0.5);
    if (s >= 3600)
        snprintf(out, size, "%lu:%02lu:%02lu", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(out, size, "%lu:%02lu", s / 60, s % 60);
}

void cli_progress_update(cli_progress *p, uint64_t done, const char *extra, double fraction)
{
    if (!p->on)
        return;
    double now = cli_now();
    if (now - p->start < p->after || (now - p->last < 0.2 && p->drawn))
        return; /* quick work shows no line; then 5 redraws a second at most */
    p->last = now;
    double elapsed = now - p->start;
    double rate = elapsed > 0 ? (double)done / elapsed : 0;
    if (fraction < 0 && p->total > 0)
        fraction = (double)done / (double)p->total;
    char tail[96] = "";
    if (fraction > 0 && elapsed > 0 && elapsed >= p->after) {
        if (fraction > 0.99)
            fraction = 0.99; /* totals are estimates: never claim the end early */
        char eta[32];
        clock_text(eta, sizeof eta, elapsed * (1 - fraction) / fraction);
        snprintf(tail, sizeof tail, ", ~%d%%, ETA %s", (int)(fraction * 100), eta);
    }
    char elapsed_text[32];
    clock_text(elapsed_text, sizeof elapsed_text, elapsed);
    fprintf(stderr, "\r\033[K%s: %llu items%s%s, %.0f/s, %s%s", p->label, (unsigned long long)done,
            extra != NULL ? " " : "", extra != NULL ? extra : "", rate, elapsed_text, tail);
    fflush(stderr);
    p->drawn = true;
    shown = p;
}

void cli_progress_end(cli_progress *p)
{
    if (p->on && p->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    p->drawn = false;
    if (shown == p)
        shown = NULL;
}

void cli_progress_clear(void)
{
    if (shown != NULL && shown->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        shown->drawn = false; /* the next update draws it again */
    }
}
