// compile-fail (C++): IN over an array of the wrong element type
#include "forum.h"

// expect-error: ddb: expected an array of the attribute type
void misuse();
void misuse()
{
    const double values[] = {1.5, 2.5};
    forum_thread_cond c = forum_thread_views_in(values, 2);
    forum_thread_cond_free(c);
}
