// compile-fail (C++): IN over an int array for an int64 attribute, as in C
#include "forum.h"

// expect-error: ddb: expected an array of the attribute type
void misuse();
void misuse()
{
    const int values[] = {1, 2};
    forum_thread_cond c = forum_thread_views_in(values, 2);
    forum_thread_cond_free(c);
}
