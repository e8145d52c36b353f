/* compile-fail: an update of a key attribute */
#include "forum.h"

// expect-error: (invalid initializer|incompatible type)
void misuse(void);
void misuse(void)
{
    forum_thread_action a = forum_thread_set_subject("new");
    forum_thread_action_free(a);
}
