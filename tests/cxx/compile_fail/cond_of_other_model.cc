// compile-fail (C++): a condition of model post passed to thread put
#include "forum.h"

// expect-error: forum_post_cond.*forum_thread_cond|forum_thread_cond.*forum_post_cond
void misuse();
void misuse()
{
    forum_thread t;
    forum_thread_init(&t);
    (void)forum_thread_put(&t, forum_post_by_eq("ann"));
}
