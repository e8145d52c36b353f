/* alloc_fail.c - allocation-failure injection (see alloc_fail.h). */
#include "alloc_fail.h"

#include <stddef.h>

/* The linker's names for the wrapped functions (reserved identifiers are
 * what --wrap requires). */
void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);

static long fail_at = -1; /* the allocation to fail; -1: none */
static long allocations;  /* counted since ddbt_fail_alloc_at, while a failure is planned */
static bool failed;       /* the planned failure happened */

void ddbt_fail_alloc_at(long n)
{
    fail_at = n;
    allocations = 0;
    failed = false;
}

long ddbt_alloc_count(void)
{
    return allocations;
}

bool ddbt_alloc_failed(void)
{
    return failed;
}

/* Counts one allocation; true when it is the one to fail. */
static bool fail_now(void)
{
    if (fail_at < 0 || allocations++ != fail_at)
        return false;
    failed = true;
    return true;
}

void *__wrap_malloc(size_t size)
{
    return fail_now() ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
    return fail_now() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
    return fail_now() ? NULL : __real_realloc(p, size);
}
