// compile-fail (C++): a string where a bool is expected
#include "forum.h"

// expect-error: ddb: expected a bool argument
void misuse();
void misuse()
{
    forum_thread_cond c = forum_thread_answered_eq("yes");
    forum_thread_cond_free(c);
}
