// compile-fail (C++): nullptr where a string is expected (C rejects NULL there too)
#include "forum.h"

// expect-error: ddb: expected a string argument
void misuse();
void misuse()
{
    forum_thread_cond c = forum_thread_author_eq(nullptr);
    forum_thread_cond_free(c);
}
