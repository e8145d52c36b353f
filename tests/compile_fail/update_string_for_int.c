/* compile-fail: a string where an int64 is expected (update) */
#include "forum.h"

// expect-error: ddb_expected_an_int64_argument
void misuse(void);
void misuse(void)
{
    forum_thread_action a = forum_thread_set_views("1");
    forum_thread_action_free(a);
}
