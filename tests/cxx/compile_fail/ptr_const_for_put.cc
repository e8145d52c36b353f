// compile-fail (C++): a const object where put writes (DDB_ARG_PTR)
#include "forum.h"

// expect-error: ddb: expected a pointer to the model struct
void misuse();
void misuse()
{
    forum_thread t;
    forum_thread_init(&t);
    const forum_thread *ct = &t;
    (void)forum_thread_put(ct, FORUM_THREAD_NO_COND);
}
