/* compile-fail: an attribute the model does not have */
#include "forum.h"

// expect-error: (invalid initializer|incompatible type)
void misuse(void);
void misuse(void)
{
    forum_thread_cond c = forum_thread_rating_gt(3);
    forum_thread_cond_free(c);
}
