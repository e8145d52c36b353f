/* heap_count.c - a live-heap counter for the constant-memory checks. Linked
 * only into tests built with -Wl,--wrap=malloc,calloc,realloc,free, which
 * route libddb's (static) allocations through the __wrap_ functions below;
 * allocations made inside other shared libraries are not seen. */
#include <malloc.h>
#include <stdatomic.h>
#include <stddef.h>

#include "extras_test.h"

static _Atomic long long live;
static _Atomic int counting;

long long heap_live(void)
{
    return atomic_load(&live);
}

int heap_counting(void)
{
    return atomic_load(&counting);
}

/* The names are fixed by the linker's --wrap option. */
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);

void *__wrap_malloc(size_t n)
{
    void *p = __real_malloc(n);
    if (p != NULL) {
        atomic_store(&counting, 1);
        live += (long long)malloc_usable_size(p);
    }
    return p;
}

void *__wrap_calloc(size_t n, size_t size)
{
    void *p = __real_calloc(n, size);
    if (p != NULL)
        live += (long long)malloc_usable_size(p);
    return p;
}

void *__wrap_realloc(void *p, size_t n)
{
    long long before = p != NULL ? (long long)malloc_usable_size(p) : 0;
    void *q = __real_realloc(p, n);
    if (q != NULL)
        live += (long long)malloc_usable_size(q) - before;
    else if (n == 0)
        live -= before;
    return q;
}

void __wrap_free(void *p)
{
    if (p != NULL)
        live -= (long long)malloc_usable_size(p);
    __real_free(p);
}
