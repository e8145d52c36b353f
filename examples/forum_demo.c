/*
 * forum_demo.c - a tour of the code ddbc generates from schemas/forum.yaml.
 *
 * Run it with scripts/demo.sh, which starts a local engine (moto, open
 * source, unless DDB_ENGINE says otherwise) and points the program at it
 * through AWS_ENDPOINT_URL_DYNAMODB. Against real DynamoDB,
 * set AWS_REGION and credentials instead (it creates and deletes a table
 * named "Thread"; set DDB_DEMO_TABLE_SUFFIX to change that).
 *
 * Every call returns 0 or a negative DDB_E* code; on failure the demo
 * prints ddb_last_error() — the AWS error type, message, HTTP status and
 * request id — and exits.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "example.h"
#include "forum.h"

static void show(const char *label, const forum_thread *t)
{
    printf("    %s%s / \"%s\" by %s: %" PRId64 " views, %s", label, t->forum, t->subject, t->author,
           t->views, t->answered ? "answered" : "unanswered");
    if (t->has_score)
        printf(", score %.2f", t->score);
    if (t->last_by != NULL)
        printf(", last post by %s", t->last_by);
    printf("\n");
}

static void put_thread(const char *forum, const char *subject, const char *author, int64_t views)
{
    forum_thread t;
    forum_thread_init(&t);
    t.forum = ddb_strdup(forum);
    t.subject = ddb_strdup(subject);
    t.author = ddb_strdup(author);
    t.views = views;
    /* Only create: fail if a thread with this key exists already. */
    check(forum_thread_put(&t, forum_thread_subject_not_exists()), "put");
    printf("    put %s / \"%s\"\n", forum, subject);
    forum_thread_clear(&t);
}

int main(void)
{
    ddb_client *client = ddb_default_client();
    if (client == NULL)
        check(ddb_last_error()->code, "creating the client");
    printf("ddbc demo: talking to %s (region %s)\n\n", ddb_client_endpoint(client),
           ddb_client_region(client));

    ddb_table_opts wait = {.version = DDB_TABLE_OPTS_VERSION, .wait = true, .timeout_ms = 30000};
    printf("1. Create the table \"%s\" (hash key forum, range key subject) and wait until it is ACTIVE\n",
           forum_thread_model.table);
    int rc = forum_thread_create_table(&wait);
    if (rc == DDB_EINUSE) {
        printf("    it exists already (left over from an earlier run): recreating it\n");
        check(forum_thread_delete_table(&wait), "delete_table");
        rc = forum_thread_create_table(&wait);
    }
    check(rc, "create_table");

    printf("\n2. Put three threads (a condition makes each put create-only)\n");
    put_thread("C", "How do I free a linked list?", "ann", 10);
    put_thread("C", "Hello, world", "bob", 3);
    put_thread("C", "Is goto harmful?", "cid", 42);
    forum_thread dup;
    forum_thread_init(&dup);
    dup.forum = ddb_strdup("C");
    dup.subject = ddb_strdup("Hello, world");
    dup.author = ddb_strdup("eve");
    rc = forum_thread_put(&dup, forum_thread_subject_not_exists());
    forum_thread_clear(&dup);
    printf("    putting \"Hello, world\" again is refused: %s (%s)\n", ddb_code_name(rc),
           ddb_last_error()->aws_type);

    printf("\n3. Get one thread by its key\n");
    forum_thread t;
    forum_thread_init(&t);
    check(forum_thread_get(&t, "C", "Is goto harmful?", NULL), "get");
    show("got ", &t);

    printf("\n4. Conditional update: count a view and rate it, only if it has fewer than 100 views\n");
    forum_thread_action actions = forum_thread_action_join(
        forum_thread_set_views(t.views + 1),
        forum_thread_action_join(forum_thread_set_score(4.5), forum_thread_set_last_by("dan")));
    check(forum_thread_update(&t, actions, forum_thread_views_lt(100)), "update");
    show("now ", &t);
    rc = forum_thread_update(&t, forum_thread_set_answered(true), forum_thread_views_gt(1000));
    printf("    an update guarded by \"views > 1000\" fails with %s and changes nothing\n",
           ddb_code_name(rc));

    printf("\n5. Query the forum \"C\" for subjects beginning with \"H\"\n");
    ddb_iter *it = NULL;
    check(forum_thread_query(&it, "C", forum_thread_range_begins_with("H"), FORUM_THREAD_NO_COND, NULL),
          "query");
    while ((rc = forum_thread_next(&t, it)) == 1)
        show("found ", &t);
    check(rc, "query next");
    ddb_iter_free(it);

    printf("\n6. Scan the whole table with a filter: threads with at least 10 views\n");
    check(forum_thread_scan(&it, forum_thread_views_ge(10), NULL), "scan");
    int n = 0;
    while ((rc = forum_thread_next(&t, it)) == 1) {
        show("match ", &t);
        n++;
    }
    check(rc, "scan next");
    ddb_iter_free(it);
    printf("    %d threads matched\n", n);

    printf("\n7. Delete a thread, then look for it again\n");
    check(forum_thread_get(&t, "C", "Hello, world", NULL), "get");
    check(forum_thread_delete(&t, FORUM_THREAD_NO_COND), "delete");
    rc = forum_thread_get(&t, "C", "Hello, world", NULL);
    printf("    deleted; a get now returns %s\n", ddb_code_name(rc));
    forum_thread_clear(&t);

    printf("\n8. Delete the table\n");
    check(forum_thread_delete_table(&wait), "delete_table");
    printf("    done.\n");
    ddb_default_client_set(NULL);
    return 0;
}
