/*
 * alloc_fail.h - allocation-failure injection for the out-of-memory sweeps
 * (tests/codec/test_alloc.c, tests/tmpl/test_tmpl_oom.c). alloc_fail.c
 * defines __wrap_malloc, __wrap_calloc and __wrap_realloc; a program that
 * uses it is linked with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc
 * (ddbt_alloc_fail_dep in tests/support/meson.build adds both), so that the
 * allocations of everything linked statically go through them. Not
 * thread-safe: one sweep at a time.
 */
#ifndef DDBT_ALLOC_FAIL_H
#define DDBT_ALLOC_FAIL_H

#include <stdbool.h>

/* Plans the failure of allocation n counted from now (0: the next one;
 * only that one fails), or none when n < 0; restarts the count and forgets
 * an earlier failure. */
void ddbt_fail_alloc_at(long n);

/* Allocations asked for since the last ddbt_fail_alloc_at while a failure
 * was planned, the failed one included (0 after ddbt_fail_alloc_at(-1)). */
long ddbt_alloc_count(void);

/* Whether the planned failure has happened. */
bool ddbt_alloc_failed(void);

#endif /* DDBT_ALLOC_FAIL_H */
