/* compile-fail: a number where a nested map string field is expected */
#include "rich.h"

// expect-error: ddb_expected_a_string_argument
void misuse(void);
void misuse(void)
{
    rich_post_cond c = rich_post_author_address_city_eq(7);
    rich_post_cond_free(c);
}
