/* compile-fail: IN over an array of the wrong element type */
#include "forum.h"

// expect-error: ddb_expected_an_array_of_the_attribute_type
void misuse(void);
void misuse(void)
{
    const double values[] = {1.5, 2.5};
    forum_thread_cond c = forum_thread_views_in(values, 2);
    forum_thread_cond_free(c);
}
