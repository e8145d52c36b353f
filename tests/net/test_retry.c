/* test_retry.c - retry policy: backoff schedule, quota bucket, and the
 * classification of failed attempts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>

#include <cmocka.h>

#include "ddb/error.h"
#include "ddb/retry.h"
#include "net_test.h"

static void test_delay_is_rand_times_capped_exponential(void **state)
{
    (void)state;
    ddb_retry_policy p = DDB_RETRY_POLICY_INIT;
    fake_clock fc = {{0.5}, 1, 0, {0}, 0};
    fake_clock_attach(&p, &fc);
    /* 0.5 * min(25 * 2^n, 20000) */
    assert_int_equal(ddb_retry_delay_ms(&p, 0), 12);
    assert_int_equal(ddb_retry_delay_ms(&p, 1), 25);
    assert_int_equal(ddb_retry_delay_ms(&p, 2), 50);
    assert_int_equal(ddb_retry_delay_ms(&p, 9), 6400);
    assert_int_equal(ddb_retry_delay_ms(&p, 10), 10000); /* 25600 capped at 20000 */
    assert_int_equal(ddb_retry_delay_ms(&p, 31), 10000);
    assert_int_equal(ddb_retry_delay_ms(&p, 1000), 10000); /* no shift overflow */
}

static void test_delay_bounds_of_rand(void **state)
{
    (void)state;
    ddb_retry_policy p = DDB_RETRY_POLICY_INIT;
    fake_clock fc = {{0.0, 0.999999, 1.0, -1.0}, 4, 0, {0}, 0};
    fake_clock_attach(&p, &fc);
    assert_int_equal(ddb_retry_delay_ms(&p, 3), 0);
    assert_int_equal(ddb_retry_delay_ms(&p, 3), 199); /* floor(0.999999 * 200) */
    assert_int_equal(ddb_retry_delay_ms(&p, 3), 0);   /* out of range: treated as 0 */
    assert_int_equal(ddb_retry_delay_ms(&p, 3), 0);
}

static void test_default_rand_stays_below_cap(void **state)
{
    (void)state;
    ddb_retry_policy p = DDB_RETRY_POLICY_INIT;
    uint32_t max_seen = 0;
    for (int i = 0; i < 2000; i++) {
        uint32_t d = ddb_retry_delay_ms(&p, 2); /* cap 100 */
        assert_true(d < 100);
        if (d > max_seen)
            max_seen = d;
    }
    assert_true(max_seen > 50); /* jitter actually varies */
}

static void test_sleep_uses_the_hook(void **state)
{
    (void)state;
    ddb_retry_policy p = DDB_RETRY_POLICY_INIT;
    fake_clock fc = {{0}, 0, 0, {0}, 0};
    fake_clock_attach(&p, &fc);
    ddb_retry_sleep(&p, 1234);
    assert_int_equal(fc.n_sleeps, 1);
    assert_int_equal(fc.sleeps[0], 1234);
    ddb_retry_policy real = DDB_RETRY_POLICY_INIT;
    ddb_retry_sleep(&real, 1); /* really sleeps 1 ms */
}

static void test_quota_acquire_release_cap(void **state)
{
    (void)state;
    ddb_retry_quota *q = ddb_retry_quota_new(12);
    assert_non_null(q);
    assert_int_equal(ddb_retry_quota_available(q), 12);
    assert_true(ddb_retry_quota_acquire(q, 5));
    assert_true(ddb_retry_quota_acquire(q, 5));
    assert_false(ddb_retry_quota_acquire(q, 5)); /* 2 left */
    assert_int_equal(ddb_retry_quota_available(q), 2);
    assert_true(ddb_retry_quota_acquire(q, 2));
    ddb_retry_quota_release(q, 10);
    assert_int_equal(ddb_retry_quota_available(q), 10);
    ddb_retry_quota_release(q, 100);
    assert_int_equal(ddb_retry_quota_available(q), 12); /* capped */
    ddb_retry_quota_free(q);
    ddb_retry_quota_free(NULL);
}

static void test_null_quota_is_unlimited(void **state)
{
    (void)state;
    assert_true(ddb_retry_quota_acquire(NULL, 1000000));
    ddb_retry_quota_release(NULL, 5);
    assert_int_equal(ddb_retry_quota_available(NULL), UINT32_MAX);
}

static void *quota_worker(void *arg)
{
    ddb_retry_quota *q = arg;
    for (int i = 0; i < 10000; i++)
        if (ddb_retry_quota_acquire(q, 5))
            ddb_retry_quota_release(q, 5);
    return NULL;
}

static void test_quota_is_thread_safe(void **state)
{
    (void)state;
    ddb_retry_quota *q = ddb_retry_quota_new(500);
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, quota_worker, q), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(ddb_retry_quota_available(q), 500);
    ddb_retry_quota_free(q);
}

static void test_classification(void **state)
{
    (void)state;
    static const struct {
        int code;
        long status;
        const char *type;
        bool retry;
    } cases[] = {
        {DDB_ETHROTTLED, 400, "ProvisionedThroughputExceededException", true},
        {DDB_ETHROTTLED, 400, "ThrottlingException", true},
        {DDB_ETHROTTLED, 400, "RequestLimitExceeded", true},
        {DDB_EINUSE, 400, "TransactionInProgressException", true},
        {DDB_EVALIDATION, 429, NULL, true},
        {DDB_ESERVICE, 500, "InternalServerError", true},
        {DDB_ESERVICE, 502, NULL, true},
        {DDB_ESERVICE, 503, NULL, true},
        {DDB_ESERVICE, 504, NULL, true},
        {DDB_ENETWORK, 0, NULL, true},
        {DDB_ETIMEOUT, 0, NULL, true},
        {DDB_ECRC, 200, NULL, true},
        {DDB_ECONDITION, 400, "ConditionalCheckFailedException", false},
        {DDB_EVALIDATION, 400, "ValidationException", false},
        {DDB_ERESOURCE, 400, "ResourceNotFoundException", false},
        {DDB_ECANCELLED, 400, "TransactionCanceledException", false},
        {DDB_EAUTH, 403, "AccessDeniedException", false},
        {DDB_ESERVICE, 501, NULL, false},
        {DDB_EVALIDATION, 400, NULL, false},
        {DDB_EINVAL, 0, NULL, false},
        {DDB_ENOMEM, 0, NULL, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool got = ddb_retry_is_retryable(cases[i].code, cases[i].status, cases[i].type);
        if (got != cases[i].retry)
            fail_msg("case %zu (%s, %ld, %s): expected %d", i, ddb_code_name(cases[i].code),
                     cases[i].status, cases[i].type ? cases[i].type : "-", cases[i].retry);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_delay_is_rand_times_capped_exponential),
        cmocka_unit_test(test_delay_bounds_of_rand),
        cmocka_unit_test(test_default_rand_stays_below_cap),
        cmocka_unit_test(test_sleep_uses_the_hook),
        cmocka_unit_test(test_quota_acquire_release_cap),
        cmocka_unit_test(test_null_quota_is_unlimited),
        cmocka_unit_test(test_quota_is_thread_safe),
        cmocka_unit_test(test_classification),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
