// compile-fail (C++): a size_t (unsigned long) where an int64 is expected, as in C
#include "forum.h"

// expect-error: ddb: expected an int64 argument
void misuse();
void misuse()
{
    size_t n = 3;
    forum_thread_cond c = forum_thread_views_eq(n);
    forum_thread_cond_free(c);
}
