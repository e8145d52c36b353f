/*
 * fuzz_check.h - the one assertion of the fuzz targets: check(condition)
 * names the broken invariant (file, line, condition) on stderr and calls
 * abort(), which libFuzzer and the replay driver report as a crash. Not
 * assert(): it stays in every build.
 */
#ifndef DDB_FUZZ_CHECK_H
#define DDB_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

static inline _Noreturn void fuzz_broken(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: broken invariant: %s\n", file, line, what);
    abort();
}

#define check(ok) ((ok) ? (void)0 : fuzz_broken(__FILE__, __LINE__, #ok))

#endif /* DDB_FUZZ_CHECK_H */
