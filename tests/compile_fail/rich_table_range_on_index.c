/* compile-fail: a table key range passed to an index query */
#include "rich.h"

// expect-error: expected.*rich_post_by_score_range|incompatible type 'rich_post_by_score_range'
void misuse(void);
void misuse(void)
{
    ddb_iter *it = NULL;
    (void)rich_post_by_score_query(&it, "k", rich_post_range_gt((ddb_time){0, 0}), RICH_POST_NO_COND, NULL);
}
