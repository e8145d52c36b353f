// compile-fail (C++): a bool where an int64 is expected
#include "forum.h"

// expect-error: ddb: expected an int64 argument
void misuse();
void misuse()
{
    forum_thread_action a = forum_thread_set_views(true);
    forum_thread_action_free(a);
}
