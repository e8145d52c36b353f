/* compile-fail: a list of int64 where a list of string is expected */
#include "rich.h"

// expect-error: expected.*rich_list_string|incompatible type 'rich_list_string'
void misuse(void);
void misuse(void)
{
    rich_list_int64 l = {0};
    rich_post_action a = rich_post_append_words(l);
    rich_post_action_free(a);
}
