// compile-fail (C++): a string where an int64 is expected
#include "forum.h"

// expect-error: ddb: expected an int64 argument
void misuse();
void misuse()
{
    forum_thread_cond c = forum_thread_views_gt("ten");
    forum_thread_cond_free(c);
}
