// expect: ok
/* The control for the compile-fail cases: the same calls with the right
 * types compile cleanly under -Werror, so each failure is the misuse alone. */
#include "forum.h"

void correct_use(void);
void correct_use(void)
{
    forum_thread t;
    forum_thread_init(&t);
    forum_post p;
    forum_post_init(&p);
    int64_t n = 10;
    forum_thread_cond c = forum_thread_cond_and(forum_thread_views_gt(n), forum_thread_author_eq("ann"));
    c = forum_thread_cond_or(c, forum_thread_answered_eq(true));
    c = forum_thread_cond_and(c, forum_thread_score_between(1, 4.5));
    static const char *const authors[] = {"ann", "bob"};
    const int64_t counts[] = {1, 2, 3};
    c = forum_thread_cond_and(c, forum_thread_cond_or(forum_thread_author_in(authors, 2),
                                                      forum_thread_views_in(counts, 3)));
    size_t len = sizeof "ann" - 1; /* size builders take a size_t (or any integer) */
    c = forum_thread_cond_and(c, forum_thread_author_size_le(len));
    c = forum_thread_cond_and(c, forum_thread_author_size_gt(2));
    (void)forum_thread_put(&t, c);
    (void)forum_thread_update(&t, forum_thread_action_join(forum_thread_set_views(3), forum_thread_remove_score()),
                              FORUM_THREAD_NO_COND);
    (void)forum_thread_get(&t, "forum", "subject", NULL);
    (void)forum_post_get(&p, "thread", 12, NULL);
    ddb_iter *it = NULL;
    (void)forum_thread_query(&it, "f", forum_thread_range_begins_with("How"), forum_thread_views_gt(3), NULL);
    ddb_iter_free(it);
    forum_post_clear(&p);
    forum_thread_clear(&t);
}
