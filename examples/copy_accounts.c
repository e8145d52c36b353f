/*
 * copy_accounts.c - one model, two accounts: copy every thread of the
 * forum table (schemas/forum.yaml) from one account to another, as
 * pynamodb_session_manager's README does — but with two clients in one
 * program, no environment variable changed (docs/connections.md).
 *
 * Source: the default client (the environment). Destination: a client
 * made from DDB_COPY_TO_PROFILE (a profile of ~/.aws/config: another
 * account's keys or role), else the same endpoint in DDB_COPY_TO_REGION
 * (default eu-west-1; a region is its own database, on DynamoDB and on
 * the local engines). Run it with
 *   DDB_DEMO_BIN=examples/copy_accounts scripts/demo.sh
 * It creates the table Thread on both sides and deletes both at the end.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "example.h"
#include "forum.h"

static ddb_client *destination(void)
{
    ddb_client_config cfg = DDB_CLIENT_CONFIG_INIT;
    const char *profile = getenv("DDB_COPY_TO_PROFILE");
    if (profile != NULL && *profile != '\0') {
        check(ddb_creds_profile_new(&cfg.credentials, profile), "profile");
    } else {
        cfg.endpoint = ddb_client_endpoint(ddb_default_client());
        cfg.region = getenv("DDB_COPY_TO_REGION") != NULL ? getenv("DDB_COPY_TO_REGION") : "eu-west-1";
    }
    ddb_client *c = NULL;
    check(ddb_client_new(&c, &cfg), "destination client");
    return c;
}

static int64_t count_all(ddb_client *c)
{
    int64_t n = 0;
    ddb_iter *it = NULL;
    check(forum_thread_scan(&it, FORUM_THREAD_NO_COND, DDB_SCAN_OPTS(.client = c, .consistent_read = true)),
          "scan");
    forum_thread t;
    forum_thread_init(&t);
    int rc;
    while ((rc = forum_thread_next(&t, it)) == 1)
        n++;
    check(rc, "scan");
    ddb_iter_free(it);
    forum_thread_clear(&t);
    return n;
}

int main(void)
{
    ddb_client *from = ddb_default_client();
    if (from == NULL)
        check(ddb_last_error()->code, "source client");
    ddb_client *to = destination();
    printf("copy Thread: from %s (%s) to %s (%s)\n\n", ddb_client_endpoint(from), ddb_client_region(from),
           ddb_client_endpoint(to), ddb_client_region(to));

    printf("1. Create the table on both sides\n");
    ddb_client *sides[2] = {from, to};
    for (int i = 0; i < 2; i++) {
        ddb_table_opts o = DDB_TABLE_OPTS_INIT;
        o.wait = true;
        o.client = sides[i];
        int rc = forum_thread_create_table(&o);
        if (rc == DDB_EINUSE) { /* left over from an earlier run */
            check(forum_thread_delete_table(&o), "delete_table");
            rc = forum_thread_create_table(&o);
        }
        check(rc, "create_table");
    }

    printf("2. Write three threads in the source account (a thread scope: this thread only)\n");
    ddb_client_scope scope;
    const ddb_model *const group[] = {&forum_thread_model};
    check(ddb_client_scope_begin(&scope, DDB_SCOPE_THREAD, from, group, 1), "scope");
    static const char *const subjects[] = {"Pointers", "Arrays", "Structs"};
    for (int i = 0; i < 3; i++) {
        forum_thread t;
        forum_thread_init(&t);
        t.forum = ddb_strdup("C");
        t.subject = ddb_strdup(subjects[i]);
        t.author = ddb_strdup("ann");
        t.views = 10 * (i + 1);
        check(forum_thread_put(&t, FORUM_THREAD_NO_COND), "put");
        forum_thread_clear(&t);
    }
    ddb_client_scope_end(&scope);

    printf("3. Copy: scan one account, put into the other (a client per call)\n");
    ddb_iter *it = NULL;
    check(forum_thread_scan(&it, FORUM_THREAD_NO_COND, DDB_SCAN_OPTS(.client = from, .consistent_read = true)),
          "scan");
    forum_thread t;
    forum_thread_init(&t);
    int rc, copied = 0;
    while ((rc = forum_thread_next(&t, it)) == 1) {
        check((forum_thread_put_ex)(NULL, NULL, &t, FORUM_THREAD_NO_COND, DDB_WRITE_OPTS(.client = to)), "put");
        printf("    copied %s / \"%s\" (%" PRId64 " views)\n", t.forum, t.subject, t.views);
        copied++;
    }
    check(rc, "scan");
    ddb_iter_free(it);
    forum_thread_clear(&t);

    int64_t in_from = count_all(from), in_to = count_all(to);
    printf("\n4. Items: %" PRId64 " in the source, %" PRId64 " in the destination\n", in_from, in_to);

    for (int i = 0; i < 2; i++) {
        ddb_table_opts o = DDB_TABLE_OPTS_INIT;
        o.wait = true;
        o.client = sides[i];
        int drc = forum_thread_delete_table(&o);
        if (drc == DDB_ERESOURCE && i == 1) /* dynalite: one database for every region */
            printf("    (the destination's table was the source's: this engine keeps one database)\n");
        else
            check(drc, "delete_table");
    }
    ddb_client_free(to);
    if (copied != 3 || in_from != 3 || in_to != 3) {
        fprintf(stderr, "FAILED: expected 3 threads copied and on each side\n");
        return 1;
    }
    printf("\nDone: both tables deleted.\n");
    return 0;
}
