/* compile-fail: begins_with on a number attribute */
#include "forum.h"

// expect-error: (invalid initializer|incompatible type)
void misuse(void);
void misuse(void)
{
    forum_thread_cond c = forum_thread_views_begins_with(3);
    forum_thread_cond_free(c);
}
