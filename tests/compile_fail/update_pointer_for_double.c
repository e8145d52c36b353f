/* compile-fail: a pointer where a double is expected (update) */
#include "forum.h"

// expect-error: ddb_expected_a_double_argument
void misuse(void);
void misuse(void)
{
    double d = 1.0;
    forum_thread_action a = forum_thread_set_score(&d);
    forum_thread_action_free(a);
}
