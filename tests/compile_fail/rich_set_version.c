/* compile-fail: a user update of the version attribute */
#include "rich.h"

// expect-error: (invalid initializer|incompatible type)
void misuse(void);
void misuse(void)
{
    rich_post_action a = rich_post_set_version(3);
    rich_post_action_free(a);
}
