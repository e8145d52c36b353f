/* test_diag.c - the diagnostics collector: counting, formats, sort order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "diag.h"

/* Prints `d` into a string (caller frees). */
static char *printed(ddbc_diag *d)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    ddbc_diag_print(d, out);
    fclose(out);
    return text;
}

static void test_empty(void **state)
{
    (void)state;
    ddbc_diag d = DDBC_DIAG_INIT;
    assert_int_equal(ddbc_diag_count(&d), 0);
    char *text = printed(&d);
    assert_string_equal(text, "");
    free(text);
    ddbc_diag_free(&d);
    ddbc_diag_free(NULL);
}

static void test_sorted_and_formatted(void **state)
{
    (void)state;
    ddbc_diag d;
    ddbc_diag_init(&d);
    char file[] = "b.yaml";
    ddbc_diag_error(&d, (ddbc_pos){file, 12, 18}, "third %s", "x");
    ddbc_diag_error(&d, (ddbc_pos){"b.yaml", 2, 5}, "second");
    ddbc_diag_error(&d, (ddbc_pos){"b.yaml", 12, 3}, "b-12-3");
    ddbc_diag_error(&d, (ddbc_pos){"a.yaml", 40, 1}, "first file");
    ddbc_diag_error(&d, (ddbc_pos){NULL, 0, 0}, "no file %d", 7);
    ddbc_diag_error(&d, (ddbc_pos){"b.yaml", 0, 0}, "whole file");
    ddbc_diag_error(&d, (ddbc_pos){"b.yaml", 12, 18}, "same place, later");
    file[0] = 'z'; /* the collector copied the name */
    assert_int_equal(ddbc_diag_count(&d), 7);
    char *text = printed(&d);
    assert_string_equal(text, "ddbc: error: no file 7\n"
                              "a.yaml:40:1: error: first file\n"
                              "b.yaml: error: whole file\n"
                              "b.yaml:2:5: error: second\n"
                              "b.yaml:12:3: error: b-12-3\n"
                              "b.yaml:12:18: error: third x\n"
                              "b.yaml:12:18: error: same place, later\n");
    free(text);
    /* still recorded after printing */
    assert_int_equal(ddbc_diag_count(&d), 7);
    ddbc_diag_free(&d);
    assert_int_equal(ddbc_diag_count(&d), 0);
}

static void test_many(void **state)
{
    (void)state;
    ddbc_diag d = DDBC_DIAG_INIT;
    for (int i = 1000; i > 0; i--)
        ddbc_diag_error(&d, (ddbc_pos){"f", i, 1}, "e%d", i);
    assert_int_equal(ddbc_diag_count(&d), 1000);
    char *text = printed(&d);
    assert_memory_equal(text, "f:1:1: error: e1\nf:2:1: error: e2\n", 34);
    free(text);
    ddbc_diag_free(&d);
}

/* Control characters in file names and messages (quoted schema text) are
 * escaped: each error stays one line, and no escape sequence reaches a
 * terminal. */
static void test_control_characters_escaped(void **state)
{
    (void)state;
    ddbc_diag d = DDBC_DIAG_INIT;
    ddbc_diag_error(&d, (ddbc_pos){"a\nb.yaml", 1, 2}, "key '%s'", "x\r\n\033[31m\x7f\tt\xc2\x9b\xc3\xa9");
    ddbc_diag_error(&d, (ddbc_pos){NULL, 0, 0}, "\x01");
    char *text = printed(&d);
    assert_string_equal(text, "ddbc: error: \\x01\n"
                              "a\\nb.yaml:1:2: error: key 'x\\r\\n\\x1b[31m\\x7f\tt\\u009b\xc3\xa9'\n");
    free(text);
    ddbc_diag_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_control_characters_escaped),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_sorted_and_formatted),
        cmocka_unit_test(test_many),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
