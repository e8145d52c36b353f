/* compile-fail: a string set where a number set is expected */
#include "rich.h"

// expect-error: expected.*ddb_numset|incompatible type 'ddb_numset'
void misuse(void);
void misuse(void)
{
    ddb_strset s = {0};
    rich_post_action a = rich_post_add_nums(s);
    rich_post_action_free(a);
}
