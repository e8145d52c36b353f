/* compile-fail: a struct of another model */
#include "forum.h"

// expect-error: ddb_expected_a_pointer_to_the_model_struct
void misuse(void);
void misuse(void)
{
    forum_post p;
    forum_post_init(&p);
    (void)forum_thread_put(&p, FORUM_THREAD_NO_COND);
}
