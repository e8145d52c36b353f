// compile-fail (C++): an unsigned char array where a string is expected
#include "forum.h"

// expect-error: ddb: expected a string argument
void misuse();
void misuse()
{
    const unsigned char name[] = "ann";
    forum_thread_cond c = forum_thread_author_eq(name);
    forum_thread_cond_free(c);
}
