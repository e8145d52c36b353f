// expect: ok
// The control of the C++ compile-fail cases: the same calls with the right
// types compile cleanly with -std=c++17 -Wall -Wextra -Wpedantic -Werror.
#include "forum.h"

enum small { SMALL_ONE = 1 };   // underlying unsigned int, as C's compatible type

void correct_use();
void correct_use()
{
    forum_thread t;
    forum_thread_init(&t);
    forum_post p;
    forum_post_init(&p);
    const forum_thread *ct = &t;
    int64_t n = 10;
    forum_thread_cond c = forum_thread_cond_and(forum_thread_views_gt(n), forum_thread_author_eq("ann"));
    c = forum_thread_cond_or(c, forum_thread_answered_eq(true));
    c = forum_thread_cond_or(c, forum_thread_answered_eq(1));
    c = forum_thread_cond_and(c, forum_thread_score_between(1, 4.5));
    c = forum_thread_cond_and(c, forum_thread_score_lt(2.5f));
    static const char *const authors[] = {"ann", "bob"};
    const int64_t counts[] = {1, 2, 3};
    c = forum_thread_cond_and(c, forum_thread_cond_or(forum_thread_author_in(authors, 2),
                                                      forum_thread_views_in(counts, 3)));
    size_t len = sizeof "ann" - 1;
    c = forum_thread_cond_and(c, forum_thread_author_size_le(len));
    c = forum_thread_cond_and(c, forum_thread_views_lt((unsigned short)7));
    c = forum_thread_cond_and(c, forum_thread_views_ne(SMALL_ONE));
    c = forum_thread_cond_and(c, forum_thread_score_ge(2L));
    c = forum_thread_cond_and(c, forum_thread_author_size_gt('a'));  // size: any integer type but bool
    c = forum_thread_cond_and(c, forum_thread_author_size_ne(len + 1ULL));
    char name[] = "bob";
    c = forum_thread_cond_and(c, forum_thread_author_eq(name));
    (void)forum_thread_put(&t, c);
    (void)forum_thread_update(&t, forum_thread_action_join(forum_thread_set_views(3), forum_thread_remove_score()),
                              FORUM_THREAD_NO_COND);
    (void)forum_thread_delete(ct, FORUM_THREAD_NO_COND);
    (void)forum_thread_get(&t, "forum", "subject", NULL);
    (void)forum_post_get(&p, "thread", 12, NULL);
    ddb_iter *it = NULL;
    (void)forum_thread_query(&it, "f", forum_thread_range_begins_with("How"), forum_thread_views_gt(3), NULL);
    forum_post_clear(&p);
    forum_thread_clear(&t);
}
