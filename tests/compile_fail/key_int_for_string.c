/* compile-fail: an int where the string hash key is expected (get) */
#include "forum.h"

// expect-error: ddb_expected_a_string_argument
void misuse(void);
void misuse(void)
{
    forum_thread t;
    forum_thread_init(&t);
    (void)forum_thread_get(&t, 42, "subject", NULL);
}
