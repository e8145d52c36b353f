/* compile-fail: a string where a bool is expected (condition) */
#include "forum.h"

// expect-error: ddb_expected_a_bool_argument
void misuse(void);
void misuse(void)
{
    forum_thread_cond c = forum_thread_answered_eq("yes");
    forum_thread_cond_free(c);
}
