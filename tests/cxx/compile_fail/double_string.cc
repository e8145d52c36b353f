// compile-fail (C++): a string where a double is expected
#include "forum.h"

// expect-error: ddb: expected a double argument
void misuse();
void misuse()
{
    forum_thread_cond c = forum_thread_score_lt("4.5");
    forum_thread_cond_free(c);
}
