/* compile-fail: a condition of another model */
#include "forum.h"

// expect-error: expected.*forum_thread_cond|incompatible type 'forum_thread_cond'
void misuse(void);
void misuse(void)
{
    forum_thread t;
    forum_thread_init(&t);
    (void)forum_thread_put(&t, forum_post_by_eq("ann"));
}
