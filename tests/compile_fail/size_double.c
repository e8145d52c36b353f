/* compile-fail: a double where a size is expected */
#include "forum.h"

// expect-error: ddb_expected_an_integer_size_or_index
void misuse(void);
void misuse(void)
{
    forum_thread_cond c = forum_thread_author_size_gt(2.5);
    forum_thread_cond_free(c);
}
