// compile-fail (C++): a bool where a size is expected
#include "forum.h"

// expect-error: ddb: expected an integer size or index
void misuse();
void misuse()
{
    forum_thread_cond c = forum_thread_author_size_le(true);
    forum_thread_cond_free(c);
}
