// compile-fail (C++): a plain char where an int64 is expected ('a' is a char in C++; C refuses char too)
#include "forum.h"

// expect-error: ddb: expected an int64 argument
void misuse();
void misuse()
{
    forum_thread_cond c = forum_thread_views_gt('a');
    forum_thread_cond_free(c);
}
