// compile-fail (C++): a long double where a double is expected, as in C
#include "forum.h"

// expect-error: ddb: expected a double argument
void misuse();
void misuse()
{
    forum_thread_action a = forum_thread_set_score(4.5L);
    forum_thread_action_free(a);
}
