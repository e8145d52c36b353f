/* compile-fail: a filter condition where a range-key condition is expected */
#include "forum.h"

// expect-error: expected.*forum_thread_range|incompatible type 'forum_thread_range'
void misuse(void);
void misuse(void)
{
    ddb_iter *it = NULL;
    (void)forum_thread_query(&it, "f", forum_thread_views_gt(3), FORUM_THREAD_NO_COND, NULL);
}
