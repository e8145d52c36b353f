// compile-fail (C++): a scoped enumeration where a bool is expected
#include "forum.h"

// expect-error: ddb: expected a bool argument
void misuse();
void misuse()
{
    enum class yes_no { no, yes };
    forum_thread_cond c = forum_thread_answered_eq(yes_no::yes);
    forum_thread_cond_free(c);
}
