/*
 * feature_macros.h - the feature-test macros of libddb's sources.
 *
 * Every source of runtime/src includes this header FIRST, before any system
 * header, so that the sources compile with a plain `cc -std=c11` (no -D
 * flags; vendored builds, docs/vendoring.md) and declare the same
 * functions as the meson build, which passes -D_POSIX_C_SOURCE=200809L
 * -D_DEFAULT_SOURCE itself (hence the guards: no redefinition warnings).
 *
 * POSIX.1-2008 covers what the runtime uses (strdup, clock_gettime,
 * nanosleep, gmtime_r, popen, getaddrinfo, newlocale/strtod_l's locale_t,
 * pthreads); _DEFAULT_SOURCE keeps glibc's view identical to the meson build.
 */
#ifndef DDB_FEATURE_MACROS_H
#define DDB_FEATURE_MACROS_H

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE 1
#endif

#endif /* DDB_FEATURE_MACROS_H */
