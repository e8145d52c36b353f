/* compile-fail: an update action of another model */
#include "forum.h"

// expect-error: expected.*forum_thread_action|incompatible type 'forum_thread_action'
void misuse(void);
void misuse(void)
{
    forum_thread t;
    forum_thread_init(&t);
    (void)forum_thread_update(&t, forum_post_set_text("x"), FORUM_THREAD_NO_COND);
}
