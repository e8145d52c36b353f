/* compile-fail: a string where the int64 range key is expected (get) */
#include "forum.h"

// expect-error: ddb_expected_an_int64_argument
void misuse(void);
void misuse(void)
{
    forum_post p;
    forum_post_init(&p);
    (void)forum_post_get(&p, "thread", "12", NULL);
}
