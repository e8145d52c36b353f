/* compile-fail: an int64 where a utc_datetime is expected */
#include "rich.h"

// expect-error: expected.*ddb_time|incompatible type 'ddb_time'
void misuse(void);
void misuse(void)
{
    rich_post_cond c = rich_post_at_gt(1704164645);
    rich_post_cond_free(c);
}
