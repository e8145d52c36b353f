/* compile-fail: an int where a string is expected (condition) */
#include "forum.h"

// expect-error: ddb_expected_a_string_argument
void misuse(void);
void misuse(void)
{
    forum_thread_cond c = forum_thread_author_eq(42);
    forum_thread_cond_free(c);
}
