/*
 * test_conn.c - swappable connections (docs/connections.md) against the
 * engine under test: which client a call uses (its own, this thread's
 * override, the model's binding, the default), scopes that restore,
 * nest and keep, groups, thread-local overrides under concurrent writers
 * of two accounts, and a copy of a table from one account to another.
 *
 * Account A is the engine's (ddbt_models_client); account B another
 * (ddbt_other_account_client). Each holds its own ConnItems table.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "conn.h"
#include "ddb_test.h"

static ddb_client *a, *b;
static const ddb_model *const models[] = {&conn_item_model};

static int setup(void **state)
{
    (void)state;
    if (ddbt_models_client(&a, "connA", models, 1) != 0 || ddbt_create_model_tables(models, 1) != 0)
        return -1;
    char key[64];
    snprintf(key, sizeof key, "connB%ld", (long)getpid());
    if (ddbt_other_account_client(&b, key) != 0)
        return -1;
    int rc = conn_item_create_table(DDB_TABLE_OPTS(.client = b, .wait = true));
    if (rc != 0) {
        fprintf(stderr, "create_table in account B: %s\n", ddbt_last_error());
        return -1;
    }
    ddbt_created_table(b, conn_item_model.table);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    int rc = ddbt_models_teardown(a, models, 1); /* deletes both tables */
    ddb_client_free(b);
    return rc;
}

static void put_item(const char *owner, int64_t n, const char *note, ddb_client *client)
{
    conn_item it;
    conn_item_init(&it);
    it.owner = ddb_strdup(owner);
    it.n = n;
    it.note = note != NULL ? ddb_strdup(note) : NULL;
    DDBT_ASSERT_OK((conn_item_put_ex)(NULL, NULL, &it, CONN_ITEM_NO_COND, DDB_WRITE_OPTS(.client = client)));
    conn_item_clear(&it);
}

/* Items of `owner` in the account of `client`. */
static int64_t count_in(ddb_client *client, const char *owner)
{
    int64_t n = -1;
    DDBT_ASSERT_OK(conn_item_count(&n, owner, CONN_ITEM_NO_RANGE, CONN_ITEM_NO_COND,
                                   DDB_QUERY_OPTS(.client = client, .consistent_read = true)));
    return n;
}

static void test_resolution_order(void **state)
{
    (void)state;
    const ddb_model *m = &conn_item_model;
    /* bound (by ddbt_models_client) */
    assert_ptr_equal(ddb_model_bound_client(m), a);
    assert_ptr_equal(ddb_model_client(m), a);
    /* a thread override wins over the binding, for this thread only */
    DDBT_ASSERT_OK(conn_item_thread_use_client(b));
    assert_ptr_equal(ddb_model_client(m), b);
    assert_ptr_equal(ddb_thread_client(m), b);
    put_item("order", 1, "thread override", NULL);
    DDBT_ASSERT_OK(conn_item_thread_use_client(NULL));
    assert_ptr_equal(ddb_model_client(m), a);
    /* a call's own client wins over everything, and changes nothing */
    DDBT_ASSERT_OK(conn_item_thread_use_client(a));
    put_item("order", 2, "per call", b);
    assert_ptr_equal(ddb_model_client(m), a);
    DDBT_ASSERT_OK(conn_item_thread_use_client(NULL));
    put_item("order", 3, "binding", NULL);
    assert_int_equal(count_in(b, "order"), 2);
    assert_int_equal(count_in(a, "order"), 1);
    /* the reads take a client per call too */
    conn_item got;
    conn_item_init(&got);
    DDBT_ASSERT_OK(conn_item_get(&got, "order", 2, DDB_GET_OPTS(.client = b, .consistent_read = true)));
    assert_string_equal(got.note, "per call");
    assert_int_equal(conn_item_get(&got, "order", 2, DDB_GET_OPTS(.consistent_read = true)), DDB_ENOTFOUND);
    conn_item_clear(&got);
    /* an old options struct is refused, never misread */
    assert_int_equal(conn_item_get(&got, "order", 2, &(ddb_get_opts){.version = 1}), DDB_EINVAL);
    /* reset: back to the default (none is configured for a distinct account here) */
    ddb_client *saved = ddb_model_bound_client(m);
    conn_item_reset_client();
    assert_null(ddb_model_bound_client(m));
    assert_null(ddb_thread_client(m));
    conn_item_use_client(saved);
}

static void test_scopes(void **state)
{
    (void)state;
    const ddb_model *m = &conn_item_model;
    ddb_client_scope outer, inner, none;
    /* no client: nothing changes (use_boto_session(None)) */
    DDBT_ASSERT_OK(ddb_client_scope_begin(&none, DDB_SCOPE_THREAD, NULL, models, 1));
    assert_ptr_equal(ddb_model_client(m), a);
    ddb_client_scope_end(&none);
    /* thread scopes nest and unwind */
    DDBT_ASSERT_OK(ddb_client_scope_begin(&outer, DDB_SCOPE_THREAD, b, models, 1));
    assert_ptr_equal(ddb_model_client(m), b);
    DDBT_ASSERT_OK(ddb_client_scope_begin(&inner, DDB_SCOPE_THREAD, a, models, 1));
    assert_ptr_equal(ddb_model_client(m), a);
    ddb_client_scope_end(&inner);
    assert_ptr_equal(ddb_model_client(m), b);
    ddb_client_scope_end(&outer);
    ddb_client_scope_end(&outer); /* idempotent */
    assert_null(ddb_thread_client(m));
    assert_ptr_equal(ddb_model_client(m), a);
    /* process scope: rebinds, restores */
    DDBT_ASSERT_OK(ddb_client_scope_begin(&outer, DDB_SCOPE_PROCESS, b, models, 1));
    assert_ptr_equal(ddb_model_bound_client(m), b);
    ddb_client_scope_end(&outer);
    assert_ptr_equal(ddb_model_bound_client(m), a);
    /* keep: the override stays until reset */
    DDBT_ASSERT_OK(ddb_client_scope_begin(&outer, DDB_SCOPE_THREAD, b, models, 1));
    ddb_client_scope_keep(&outer);
    ddb_client_scope_end(&outer);
    assert_ptr_equal(ddb_model_client(m), b);
    DDBT_ASSERT_OK(conn_item_thread_use_client(NULL));
    /* groups: a model listed twice gets its first value back */
    const ddb_model *const twice[] = {m, m};
    DDBT_ASSERT_OK(ddb_client_scope_begin(&outer, DDB_SCOPE_THREAD, b, twice, 2));
    ddb_client_scope_end(&outer);
    assert_null(ddb_thread_client(m));
    ddb_models_use_client(models, 1, b);
    assert_ptr_equal(ddb_model_bound_client(m), b);
    ddb_models_use_client(models, 1, a);
    /* bad arguments change nothing */
    const ddb_model *const with_map[] = {m, NULL};
    assert_int_equal(ddb_client_scope_begin(&outer, DDB_SCOPE_THREAD, b, with_map, 2), DDB_EINVAL);
    assert_null(ddb_thread_client(m));
    assert_int_equal(ddb_client_scope_begin(&outer, (ddb_scope_kind)7, b, models, 1), DDB_EINVAL);
}

/* Worker threads, half overriding the model to A, half to B, write at
 * once; each item must land in its thread's account only. */
enum { THREADS = 4, PER_THREAD = 30 };

typedef struct worker_arg {
    int id;
    ddb_client *client;
    int failures;
} worker_arg;

static void *writer(void *p)
{
    worker_arg *w = p;
    ddb_client_scope s;
    if (ddb_client_scope_begin(&s, DDB_SCOPE_THREAD, w->client, models, 1) != 0) {
        w->failures++;
        return NULL;
    }
    char owner[16];
    snprintf(owner, sizeof owner, "w%d", w->id);
    for (int i = 0; i < PER_THREAD; i++) {
        if (ddb_model_client(&conn_item_model) != w->client) /* never another thread's */
            w->failures++;
        conn_item it;
        conn_item_init(&it);
        it.owner = ddb_strdup(owner);
        it.n = i;
        if (conn_item_put(&it, CONN_ITEM_NO_COND) != 0)
            w->failures++;
        conn_item_clear(&it);
    }
    ddb_client_scope_end(&s);
    ddb_ops_thread_cleanup();
    return NULL;
}

static void test_thread_overrides(void **state)
{
    (void)state;
    pthread_t th[THREADS];
    worker_arg args[THREADS];
    for (int i = 0; i < THREADS; i++) {
        args[i] = (worker_arg){i, i % 2 == 0 ? a : b, 0};
        assert_int_equal(pthread_create(&th[i], NULL, writer, &args[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < THREADS; i++) {
        char owner[16];
        snprintf(owner, sizeof owner, "w%d", i);
        assert_int_equal(args[i].failures, 0);
        ddb_client *mine = args[i].client, *other = mine == a ? b : a;
        assert_int_equal(count_in(mine, owner), PER_THREAD);
        assert_int_equal(count_in(other, owner), 0);
    }
    /* this thread saw none of it */
    assert_null(ddb_thread_client(&conn_item_model));
}

/* pynamodb_session_manager's README example: copy every item of a table
 * from one account to another, two clients in one program. */
static void test_copy_between_accounts(void **state)
{
    (void)state;
    for (int i = 0; i < 25; i++)
        put_item("copy", i, i % 3 == 0 ? NULL : "a note", a);
    ddb_iter *it = NULL;
    DDBT_ASSERT_OK(conn_item_query(&it, "copy", CONN_ITEM_NO_RANGE, CONN_ITEM_NO_COND,
                                   DDB_QUERY_OPTS(.client = a, .consistent_read = true)));
    conn_item item;
    conn_item_init(&item);
    int rc, copied = 0;
    while ((rc = conn_item_next(&item, it)) == 1) {
        item.rev = 0; /* a new item in the other account */
        DDBT_ASSERT_OK((conn_item_put_ex)(NULL, NULL, &item, CONN_ITEM_NO_COND, DDB_WRITE_OPTS(.client = b)));
        copied++;
    }
    assert_int_equal(rc, 0);
    ddb_iter_free(it);
    conn_item_clear(&item);
    assert_int_equal(copied, 25);
    assert_int_equal(count_in(b, "copy"), 25);
    for (int i = 0; i < 25; i++) {
        conn_item x, y;
        conn_item_init(&x);
        conn_item_init(&y);
        DDBT_ASSERT_OK(conn_item_get(&x, "copy", i, DDB_GET_OPTS(.client = a, .consistent_read = true)));
        DDBT_ASSERT_OK(conn_item_get(&y, "copy", i, DDB_GET_OPTS(.client = b, .consistent_read = true)));
        if (x.note == NULL)
            assert_null(y.note);
        else
            assert_string_equal(x.note, y.note);
        conn_item_clear(&x);
        conn_item_clear(&y);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resolution_order),
        cmocka_unit_test(test_scopes),
        cmocka_unit_test(test_thread_overrides),
        cmocka_unit_test(test_copy_between_accounts),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
