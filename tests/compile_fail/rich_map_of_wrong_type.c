/* compile-fail: a map of another type where the author map is expected */
#include "rich.h"

// expect-error: expected.*rich_author|incompatible type 'rich_author'
void misuse(void);
void misuse(void)
{
    rich_reply r;
    rich_reply_init(&r);
    rich_post_action a = rich_post_set_author(r);
    rich_post_action_free(a);
}
