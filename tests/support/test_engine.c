/*
 * test_engine.c - the engine table as the C tests read it (engine.c):
 * the engine under test and its isolation, deviations answered by the
 * table, unknown ids refused, and moto accounts equal to the python
 * helper's (check_engines.py pins the same numbers).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "ddb_test.h"

static void test_moto_accounts_match_python(void **state)
{
    (void)state;
    assert_int_equal(ddbt_moto_account("forum1234"), UINT64_C(964049654994));
    assert_int_equal(ddbt_moto_account(""), UINT64_C(839346656037));
    assert_int_equal(ddbt_moto_account("interop-\xc3\xbc"), UINT64_C(775272288606));
    assert_true(ddbt_moto_account("a") != ddbt_moto_account("b"));
}

static void test_engine_and_deviations_follow_the_table(void **state)
{
    (void)state;
    const char *env = getenv("DDB_TEST_ENGINE");
    const char *engine = env != NULL && *env != '\0' ? env : "dynamodb";
    assert_string_equal(ddbt_engine(), engine);
    static const struct {
        const char *engine;
        ddbt_isolation isolation;
        bool transactions, number_text;
    } want[] = {
        {"moto", DDBT_ISOLATION_MOTO_ACCOUNT, true, false},
        {"dynalite", DDBT_ISOLATION_SHARED, false, true},
        {"dynamodb-local", DDBT_ISOLATION_ACCESS_KEY, true, true},
        {"dynamodb", DDBT_ISOLATION_ENVIRONMENT, true, true},
    };
    bool known = false;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        if (strcmp(want[i].engine, engine) != 0)
            continue;
        known = true;
        assert_int_equal(ddbt_engine_isolation(), want[i].isolation);
        assert_int_equal(ddbt_deviates("no_transactions"), !want[i].transactions);
        assert_int_equal(ddbt_deviates("number_text_kept"), !want[i].number_text);
    }
    assert_true(known);
}

/* An id the table lacks is a broken test: the process ends with status 1. */
static void test_unknown_deviation_ends_the_process(void **state)
{
    (void)state;
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0)
            dup2(fd, 2);
        const char *unknown = "no_such_deviation"; /* (a variable: check_engines.py looks for literals) */
        ddbt_deviates(unknown);
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_moto_accounts_match_python),
        cmocka_unit_test(test_engine_and_deviations_follow_the_table),
        cmocka_unit_test(test_unknown_deviation_ends_the_process),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
