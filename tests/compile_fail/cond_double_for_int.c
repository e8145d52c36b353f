/* compile-fail: a double where an int64 is expected (condition) */
#include "forum.h"

// expect-error: ddb_expected_an_int64_argument
void misuse(void);
void misuse(void)
{
    forum_thread_cond c = forum_thread_views_eq(1.5);
    forum_thread_cond_free(c);
}
