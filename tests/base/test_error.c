/* test_error.c - the error table and the thread-local last error. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "ddb/error.h"
#include "ddb/version.h"

static void test_table_names_and_text(void **state)
{
    (void)state;
    assert_string_equal(ddb_code_name(DDB_OK), "DDB_EOK");
    assert_string_equal(ddb_code_name(DDB_ENOTFOUND), "DDB_ENOTFOUND");
    assert_string_equal(ddb_code_name(DDB_ERETRY_QUOTA), "DDB_ERETRY_QUOTA");
    assert_string_equal(ddb_code_name(12345), "DDB_E?");
    assert_string_equal(ddb_strerror(DDB_ENOMEM), "out of memory");
    assert_string_equal(ddb_strerror(DDB_ECONDITION), "conditional check failed");
    assert_string_equal(ddb_strerror(-999), "unknown error");
    assert_int_equal(DDB_OK, 0);
}

static void test_set_returns_code_and_formats(void **state)
{
    (void)state;
    ddb_error_clear();
    assert_int_equal(ddb_error_set(DDB_EINVAL, "bad %s %d", "thing", 7), DDB_EINVAL);
    const ddb_error *e = ddb_last_error();
    assert_int_equal(e->code, DDB_EINVAL);
    assert_string_equal(e->message, "bad thing 7");
    /* NULL format: the code's own text */
    ddb_error_set(DDB_ETIMEOUT, NULL);
    assert_string_equal(e->message, "request timed out");
}

static void test_set_resets_aws_detail(void **state)
{
    (void)state;
    ddb_error_set(DDB_ECONDITION, "x");
    assert_int_equal(ddb_error_set_aws(400, "ConditionalCheckFailedException", "REQ1"), DDB_ECONDITION);
    const ddb_error *e = ddb_last_error();
    assert_int_equal(e->http_status, 400);
    assert_string_equal(e->aws_type, "ConditionalCheckFailedException");
    /* NULL and 0 leave fields unchanged */
    ddb_error_set_aws(0, NULL, NULL);
    assert_int_equal(e->http_status, 400);
    assert_string_equal(e->request_id, "REQ1");
    ddb_error_set(DDB_ENETWORK, "y");
    assert_int_equal(e->http_status, 0);
    assert_string_equal(e->aws_type, "");
    assert_string_equal(e->request_id, "");
}

static void test_long_fields_truncate(void **state)
{
    (void)state;
    char big[3000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    ddb_error_set(DDB_EINVAL, "%s", big);
    ddb_error_set_aws(500, big, big);
    ddb_error_set_context(big, big);
    const ddb_error *e = ddb_last_error();
    assert_int_equal(strlen(e->message), DDB_ERR_MESSAGE_MAX - 1);
    assert_int_equal(strlen(e->aws_type), DDB_ERR_TYPE_MAX - 1);
    assert_int_equal(strlen(e->request_id), DDB_ERR_REQUEST_ID_MAX - 1);
    assert_int_equal(strlen(e->operation), DDB_ERR_OPERATION_MAX - 1);
    assert_int_equal(strlen(e->table), DDB_ERR_TABLE_MAX - 1);
}

static void test_format_full_and_minimal(void **state)
{
    (void)state;
    char out[512];
    ddb_error_clear();
    ddb_error_set(DDB_ECONDITION, "The conditional request failed");
    ddb_error_set_aws(400, "ConditionalCheckFailedException", "ABC");
    ddb_error_set_context("PutItem", "Thread");
    assert_string_equal(ddb_error_format(out, sizeof out, ddb_last_error()),
                        "PutItem on Thread: conditional check failed: ConditionalCheckFailedException: "
                        "The conditional request failed (HTTP 400, request id ABC)");
    ddb_error_clear();
    ddb_error_set(DDB_ENOMEM, NULL);
    assert_string_equal(ddb_error_format(out, sizeof out, ddb_last_error()), "out of memory");
    ddb_error_clear();
    ddb_error_set(DDB_EIO, "disk");
    ddb_error_set_context("Scan", NULL);
    ddb_error_set_aws(0, NULL, "R2");
    assert_string_equal(ddb_error_format(out, sizeof out, ddb_last_error()), "Scan: I/O error: disk (request id R2)");
}

static void test_format_truncates_safely(void **state)
{
    (void)state;
    char out[16];
    ddb_error_clear();
    ddb_error_set(DDB_ECONDITION, "a long message that does not fit");
    assert_ptr_equal(ddb_error_format(out, sizeof out, ddb_last_error()), out);
    assert_true(strlen(out) < sizeof out);
    char untouched = 'x';
    assert_ptr_equal(ddb_error_format(&untouched, 0, ddb_last_error()), &untouched);
    assert_int_equal(untouched, 'x');
}

static void *other_thread(void *arg)
{
    ddb_error_set(DDB_EAUTH, "other");
    *(int *)arg = ddb_last_error()->code;
    return NULL;
}

static void test_last_error_is_thread_local(void **state)
{
    (void)state;
    ddb_error_set(DDB_EINVAL, "mine");
    int seen = 0;
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, other_thread, &seen), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(seen, DDB_EAUTH);
    assert_int_equal(ddb_last_error()->code, DDB_EINVAL);
    assert_string_equal(ddb_last_error()->message, "mine");
}

static void test_clear(void **state)
{
    (void)state;
    ddb_error_set(DDB_EINVAL, "x");
    ddb_error_set_context("Op", "T");
    ddb_error_clear();
    const ddb_error *e = ddb_last_error();
    assert_int_equal(e->code, 0);
    assert_string_equal(e->message, "");
    assert_string_equal(e->operation, "");
}

/* The library linked reports the version the headers were made for. */
static void test_version_of_the_linked_library(void **state)
{
    (void)state;
    assert_string_equal(ddb_version(), DDB_VERSION);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_names_and_text),       cmocka_unit_test(test_set_returns_code_and_formats),
        cmocka_unit_test(test_set_resets_aws_detail),      cmocka_unit_test(test_long_fields_truncate),
        cmocka_unit_test(test_format_full_and_minimal),    cmocka_unit_test(test_format_truncates_safely),
        cmocka_unit_test(test_last_error_is_thread_local), cmocka_unit_test(test_clear),
        cmocka_unit_test(test_version_of_the_linked_library),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
