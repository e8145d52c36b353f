// compile-fail (C++): an int where the string hash key is expected (get)
#include "forum.h"

// expect-error: ddb: expected a string argument
void misuse();
void misuse()
{
    forum_thread t;
    forum_thread_init(&t);
    (void)forum_thread_get(&t, 42, "subject", NULL);
}
