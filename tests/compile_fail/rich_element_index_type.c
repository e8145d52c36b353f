/* compile-fail: a string where a list element index is expected */
#include "rich.h"

// expect-error: ddb_expected_an_integer_size_or_index
void misuse(void);
void misuse(void)
{
    rich_post_cond c = rich_post_replies_by_eq("0", "ann");
    rich_post_cond_free(c);
}
