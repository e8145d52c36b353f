// compile-fail (C++): a struct of another model (put)
#include "forum.h"

// expect-error: ddb: expected a pointer to the model struct
void misuse();
void misuse()
{
    forum_post p;
    forum_post_init(&p);
    (void)forum_thread_put(&p, FORUM_THREAD_NO_COND);
}
