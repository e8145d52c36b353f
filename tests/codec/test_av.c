/* test_av.c - the AttributeValue model: constructors, containers, typed
 * reads, clone, equality and the DynamoDB number rules. */
#include <locale.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ddb/av.h"
#include "ddb/error.h"

/* --- numbers ---------------------------------------------------------------- */

static void test_number_check_accepts(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "0",
        "-0",
        "+0",
        "0.0",
        "0e1000",
        "-0e-99999999999999999999",
        "1",
        "-1",
        "+1",
        "01",
        "0001.23",
        ".5",
        "5.",
        "-.5",
        "1e5",
        "1E5",
        "1e+5",
        "1e-5",
        "-17e5",
        "-17.4E37",
        "3.1415926535897932384626433832795028841",
        "314159265358979323846.26433832795028841",
        "31415926535897932384626433832795028841e30",
        /* 38 significant digits */
        "12345678901234567890123456789012345678",
        /* trailing zeros of an integer do not count: 1 significant digit */
        "100000000000000000000000000000000000000000000000000",
        "110111111111111110000000000000000000000",
        /* leading zeros do not count either */
        "0.000000000000000000000000000000000000000012345678901234567890123456789012345678",
        /* range limits */
        "1E-130",
        "-1E-130",
        "1.0E-130",
        "0.0001E-126",
        "9.9999999999999999999999999999999999999E+125",
        "-9.9999999999999999999999999999999999999E+125",
        "99999999999999999999999999999999999999E+88",
        "1e125",
        "1000000000e116",
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        if (ddb_number_check(ok[i], strlen(ok[i])) != 0)
            fail_msg("rejected \"%s\": %s", ok[i], ddb_last_error()->message);
    }
}

static void expect_bad_number(const char *text, const char *why)
{
    ddb_error_clear();
    if (ddb_number_check(text, strlen(text)) != DDB_EINVAL)
        fail_msg("accepted \"%s\"", text);
    assert_int_equal(ddb_last_error()->code, DDB_EINVAL);
    if (strstr(ddb_last_error()->message, why) == NULL)
        fail_msg("\"%s\": message \"%s\" lacks \"%s\"", text, ddb_last_error()->message, why);
}

static void test_number_check_rejects(void **state)
{
    (void)state;
    static const char *const syntax[] = {
        "",   "-",  "+",   ".",    "-.",  "e5",   ".e5",      "1e",        "1e+", "1e-", "1.2.3", "1..2", "--1", "+-1",
        " 1", "1 ", "1,5", "0x10", "NaN", "-NaN", "Infinity", "-Infinity", "inf", "dog", "1e5.5", "1f",   "١",   "1e 5",
    };
    for (size_t i = 0; i < sizeof syntax / sizeof *syntax; i++)
        expect_bad_number(syntax[i], "not a number");
    expect_bad_number("123456789012345678901234567890123456789", "more than 38 significant digits");
    expect_bad_number("3.14159265358979323846264338327950288419", "more than 38 significant digits");
    expect_bad_number("314159265358979323846264338327950288419e30", "more than 38 significant digits");
    expect_bad_number("1.00000000000000000000000000000000000001", "more than 38 significant digits");
    expect_bad_number("1E-131", "below 1E-130");
    expect_bad_number("0.9E-130", "below 1E-130");
    expect_bad_number("-1E-131", "below 1E-130");
    expect_bad_number("1E+126", "above 9.99");
    expect_bad_number("11E+125", "above 9.99");
    expect_bad_number("10E125", "above 9.99");
    expect_bad_number("1e99999999999999999999999999", "above 9.99");
    expect_bad_number("1e-99999999999999999999999999", "below 1E-130");
    /* an embedded NUL ends nothing: the length decides */
    assert_int_equal(ddb_number_check("12\0", 3), DDB_EINVAL);
    assert_int_equal(ddb_number_check("12\0", 2), 0);
    assert_int_equal(ddb_number_check(NULL, 0), DDB_EINVAL);
}

static void test_number_check_long_text_is_shortened(void **state)
{
    (void)state;
    char text[300];
    memset(text, '7', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    assert_int_equal(ddb_number_check(text, strlen(text)), DDB_EINVAL);
    assert_non_null(strstr(ddb_last_error()->message, "...\""));
    assert_true(strlen(ddb_last_error()->message) < 200);
}

static void test_n_double_shortest_round_trip(void **state)
{
    (void)state;
    static const struct {
        double v;
        const char *text;
    } cases[] = {
        {0.0, "0"},
        {-0.0, "-0"},
        {1.0, "1"},
        {-2.5, "-2.5"},
        {0.1, "0.1"},
        {100.0, "100"},
        {1e21, "1e+21"},
        {0.30000000000000004, "0.30000000000000004"},
        {1.0 / 3.0, "0.3333333333333333"},
        {123456789012345680000.0, "1.2345678901234568e+20"},
        {9007199254740993.0, "9007199254740992"},
        {1e125, "1e+125"},
        {1e-130, "1e-130"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        ddb_av *n = ddb_av_n_double(cases[i].v);
        assert_non_null(n);
        assert_int_equal(n->type, DDB_AV_N);
        assert_string_equal(n->u.str.ptr, cases[i].text);
        double back = 0;
        assert_int_equal(ddb_av_get_double(&back, n), 0);
        assert_true(back == cases[i].v);
        ddb_av_free(n);
    }
}

static void test_n_double_rejects(void **state)
{
    (void)state;
    assert_null(ddb_av_n_double(NAN));
    assert_int_equal(ddb_last_error()->code, DDB_EINVAL);
    assert_non_null(strstr(ddb_last_error()->message, "NaN"));
    assert_null(ddb_av_n_double(INFINITY));
    assert_non_null(strstr(ddb_last_error()->message, "infinity"));
    assert_null(ddb_av_n_double(-INFINITY));
    assert_null(ddb_av_n_double(1e300)); /* beyond DynamoDB's range */
    assert_non_null(strstr(ddb_last_error()->message, "above"));
    assert_null(ddb_av_n_double(5e-324));
    assert_non_null(strstr(ddb_last_error()->message, "below"));
}

static void test_numbers_ignore_the_process_locale(void **state)
{
    (void)state;
    static const char *const comma_locales[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "de_DE", NULL};
    const char *used = NULL;
    for (int i = 0; comma_locales[i] != NULL && used == NULL; i++)
        used = setlocale(LC_NUMERIC, comma_locales[i]);
    if (used == NULL)
        skip(); /* no locale with a decimal comma installed */
    ddb_av *n = ddb_av_n_double(0.5);
    double back = 0;
    int rc = n != NULL ? ddb_av_get_double(&back, n) : -1;
    setlocale(LC_NUMERIC, "C");
    assert_non_null(n);
    assert_string_equal(n->u.str.ptr, "0.5");
    assert_int_equal(rc, 0);
    assert_true(back == 0.5);
    ddb_av_free(n);
}

static void test_n_i64(void **state)
{
    (void)state;
    static const struct {
        int64_t v;
        const char *text;
    } cases[] = {
        {0, "0"}, {-1, "-1"}, {42, "42"}, {INT64_MAX, "9223372036854775807"}, {INT64_MIN, "-9223372036854775808"}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        ddb_av *n = ddb_av_n_i64(cases[i].v);
        assert_string_equal(n->u.str.ptr, cases[i].text);
        int64_t back = 7;
        assert_int_equal(ddb_av_get_i64(&back, n), 0);
        assert_true(back == cases[i].v);
        ddb_av_free(n);
    }
}

static void expect_i64(const char *text, int rc, int64_t want)
{
    ddb_av *n = ddb_av_n(text);
    assert_non_null(n);
    int64_t got = 0;
    if (ddb_av_get_i64(&got, n) != rc)
        fail_msg("\"%s\": expected rc %d, message %s", text, rc, ddb_last_error()->message);
    if (rc == 0 && got != want)
        fail_msg("\"%s\": got %lld", text, (long long)got);
    ddb_av_free(n);
}

static void test_get_i64(void **state)
{
    (void)state;
    expect_i64("42", 0, 42);
    expect_i64("-42", 0, -42);
    expect_i64("+7", 0, 7);
    expect_i64("1e3", 0, 1000);
    expect_i64("1.5e1", 0, 15);
    expect_i64("120E-1", 0, 12);
    expect_i64("0.000", 0, 0);
    expect_i64("-0", 0, 0);
    expect_i64("007", 0, 7);
    expect_i64("9223372036854775807", 0, INT64_MAX);
    expect_i64("-9223372036854775808", 0, INT64_MIN);
    expect_i64("9.223372036854775807E18", 0, INT64_MAX);
    expect_i64("1E18", 0, 1000000000000000000);
    expect_i64("9223372036854775808", DDB_EINVAL, 0);
    expect_i64("-9223372036854775809", DDB_EINVAL, 0);
    expect_i64("1E19", DDB_EINVAL, 0);
    expect_i64("1E125", DDB_EINVAL, 0);
    expect_i64("1.5", DDB_EINVAL, 0);
    expect_i64("1E-130", DDB_EINVAL, 0);
    assert_non_null(strstr(ddb_last_error()->message, "not an integer"));

    int64_t out;
    ddb_av *s = ddb_av_s("42");
    assert_int_equal(ddb_av_get_i64(&out, s), DDB_ETYPE);
    assert_non_null(strstr(ddb_last_error()->message, "got S"));
    assert_int_equal(ddb_av_get_i64(&out, NULL), DDB_ETYPE);
    ddb_av *empty = ddb_av_new(DDB_AV_N);
    assert_int_equal(ddb_av_get_i64(&out, empty), DDB_EINVAL);
    ddb_av_free(s);
    ddb_av_free(empty);
}

static void test_get_double(void **state)
{
    (void)state;
    ddb_av *n = ddb_av_n("-1.25E2");
    double d = 0;
    assert_int_equal(ddb_av_get_double(&d, n), 0);
    assert_true(d == -125.0);
    ddb_av_free(n);
    n = ddb_av_n("9.9999999999999999999999999999999999999E+125");
    assert_int_equal(ddb_av_get_double(&d, n), 0);
    assert_true(d > 9.99e125 && d < 1.0001e126);
    ddb_av_free(n);
    n = ddb_av_n(".5");
    assert_int_equal(ddb_av_get_double(&d, n), 0);
    assert_true(d == 0.5);
    ddb_av_free(n);
    ddb_av *b = ddb_av_bool(true);
    assert_int_equal(ddb_av_get_double(&d, b), DDB_ETYPE);
    ddb_av_free(b);
    ddb_av *empty = ddb_av_new(DDB_AV_N);
    assert_int_equal(ddb_av_get_double(&d, empty), DDB_EINVAL);
    ddb_av_free(empty);
}

/* --- constructors ------------------------------------------------------------ */

static void test_type_tags(void **state)
{
    (void)state;
    static const char *const tags[] = {"NULL", "S", "N", "B", "BOOL", "SS", "NS", "BS", "L", "M"};
    for (int t = DDB_AV_NULL; t <= DDB_AV_M; t++)
        assert_string_equal(ddb_av_type_tag((ddb_av_type)t), tags[t]);
    assert_string_equal(ddb_av_type_tag((ddb_av_type)99), "?");
}

static void test_scalar_constructors(void **state)
{
    (void)state;
    ddb_av *v = ddb_av_null();
    assert_int_equal(v->type, DDB_AV_NULL);
    assert_int_equal(ddb_av_len(v), 0);
    ddb_av_free(v);
    v = ddb_av_bool(true);
    assert_true(v->u.boolean);
    ddb_av_free(v);
    v = ddb_av_s("héllo");
    assert_int_equal(v->type, DDB_AV_S);
    assert_int_equal(v->u.str.len, 6);
    assert_string_equal(v->u.str.ptr, "héllo");
    ddb_av_free(v);
    v = ddb_av_s_len("a\0b", 3);
    assert_int_equal(v->u.str.len, 3);
    assert_memory_equal(v->u.str.ptr, "a\0b", 4);
    ddb_av_free(v);
    v = ddb_av_s_len(NULL, 0);
    assert_string_equal(v->u.str.ptr, "");
    ddb_av_free(v);
    v = ddb_av_b("\x00\xff", 2);
    assert_int_equal(v->type, DDB_AV_B);
    assert_int_equal(v->u.str.len, 2);
    assert_memory_equal(v->u.str.ptr, "\x00\xff\x00", 3);
    ddb_av_free(v);
    v = ddb_av_n("1.50");
    assert_string_equal(v->u.str.ptr, "1.50"); /* kept exactly as given */
    ddb_av_free(v);
}

static void test_constructor_errors(void **state)
{
    (void)state;
    assert_null(ddb_av_s(NULL));
    assert_int_equal(ddb_last_error()->code, DDB_EINVAL);
    assert_null(ddb_av_s_len(NULL, 3));
    assert_null(ddb_av_b(NULL, 1));
    assert_null(ddb_av_n(NULL));
    assert_null(ddb_av_n("12abc"));
    assert_int_equal(ddb_last_error()->code, DDB_EINVAL);
    assert_non_null(strstr(ddb_last_error()->message, "12abc"));
    assert_null(ddb_av_new((ddb_av_type)42));
    assert_int_equal(ddb_last_error()->code, DDB_EINVAL);
}

static void test_new_of_every_type(void **state)
{
    (void)state;
    for (int t = DDB_AV_NULL; t <= DDB_AV_M; t++) {
        ddb_av *v = ddb_av_new((ddb_av_type)t);
        assert_non_null(v);
        assert_int_equal(v->type, t);
        assert_int_equal(ddb_av_len(v), 0);
        if (t == DDB_AV_S || t == DDB_AV_N || t == DDB_AV_B) {
            assert_string_equal(v->u.str.ptr, "");
            assert_int_equal(v->u.str.len, 0);
        }
        if (t == DDB_AV_BOOL)
            assert_false(v->u.boolean);
        ddb_av_free(v);
    }
    ddb_av_free(NULL);
    assert_int_equal(ddb_av_len(NULL), 0);
}

/* --- containers ------------------------------------------------------------- */

static void test_list_push(void **state)
{
    (void)state;
    ddb_av *l = ddb_av_new(DDB_AV_L);
    for (int i = 0; i < 100; i++)
        assert_int_equal(ddb_av_list_push(l, i % 2 ? ddb_av_n_i64(i) : ddb_av_s("x")), 0);
    assert_int_equal(ddb_av_len(l), 100);
    assert_int_equal(l->u.list.items[99]->type, DDB_AV_N);
    assert_int_equal(ddb_av_list_push(l, ddb_av_new(DDB_AV_M)), 0); /* L takes anything */
    ddb_av_free(l);
}

static void test_set_element_types(void **state)
{
    (void)state;
    static const struct {
        ddb_av_type set, element;
    } sets[] = {{DDB_AV_SS, DDB_AV_S}, {DDB_AV_NS, DDB_AV_N}, {DDB_AV_BS, DDB_AV_B}};
    for (size_t i = 0; i < 3; i++) {
        ddb_av *set = ddb_av_new(sets[i].set);
        for (int t = DDB_AV_NULL; t <= DDB_AV_M; t++) {
            ddb_av *child = ddb_av_new((ddb_av_type)t); /* freed by push either way */
            int rc = ddb_av_list_push(set, child);
            assert_int_equal(rc, t == (int)sets[i].element ? 0 : DDB_ETYPE);
        }
        assert_int_equal(ddb_av_len(set), 1);
        assert_non_null(strstr(ddb_last_error()->message, "element cannot be"));
        ddb_av_free(set);
    }
}

static void test_push_takes_ownership_on_failure(void **state)
{
    (void)state;
    ddb_av *s = ddb_av_s("scalar");
    assert_int_equal(ddb_av_list_push(s, ddb_av_s("child")), DDB_ETYPE); /* child freed */
    ddb_av_free(s);
    assert_int_equal(ddb_av_list_push(NULL, ddb_av_s("child")), DDB_EINVAL);
    /* a failed constructor's error passes through a chain */
    ddb_av *l = ddb_av_new(DDB_AV_L);
    assert_int_equal(ddb_av_list_push(l, ddb_av_n("bogus")), DDB_EINVAL);
    assert_non_null(strstr(ddb_last_error()->message, "bogus"));
    assert_int_equal(ddb_av_len(l), 0);
    ddb_error_clear();
    assert_int_equal(ddb_av_list_push(l, NULL), DDB_EINVAL);
    ddb_av_free(l);
}

static void test_map_set_get_replace(void **state)
{
    (void)state;
    ddb_av *m = ddb_av_new(DDB_AV_M);
    assert_int_equal(ddb_av_map_set(m, "a", ddb_av_s("1")), 0);
    assert_int_equal(ddb_av_map_set(m, "b", ddb_av_s("2")), 0);
    assert_int_equal(ddb_av_map_set(m, "c", ddb_av_s("3")), 0);
    assert_int_equal(ddb_av_map_set(m, "b", ddb_av_n("22")), 0); /* replaces, frees "2" */
    assert_int_equal(ddb_av_len(m), 3);
    assert_string_equal(m->u.map.items[1].name, "b"); /* position kept */
    const ddb_av *b = ddb_av_map_get(m, "b");
    assert_int_equal(b->type, DDB_AV_N);
    assert_string_equal(b->u.str.ptr, "22");
    assert_null(ddb_av_map_get(m, "zz"));
    assert_null(ddb_av_map_get(m, NULL));
    assert_null(ddb_av_map_get(NULL, "a"));
    /* names are byte strings with a length */
    assert_int_equal(ddb_av_map_set_len(m, "x\0y", 3, ddb_av_bool(true)), 0);
    assert_int_equal(ddb_av_map_set_len(m, "x", 1, ddb_av_bool(false)), 0);
    assert_int_equal(ddb_av_len(m), 5);
    assert_int_equal(m->u.map.items[3].name_len, 3);
    assert_false(ddb_av_map_get(m, "x")->u.boolean);
    assert_int_equal(ddb_av_map_set(m, "", ddb_av_null()), 0);
    assert_non_null(ddb_av_map_get(m, ""));
    ddb_av_free(m);
}

static void test_map_set_errors_free_the_child(void **state)
{
    (void)state;
    ddb_av *l = ddb_av_new(DDB_AV_L);
    assert_int_equal(ddb_av_map_set(l, "a", ddb_av_s("x")), DDB_ETYPE);
    assert_null(ddb_av_map_get(l, "a"));
    ddb_av_free(l);
    ddb_av *m = ddb_av_new(DDB_AV_M);
    assert_int_equal(ddb_av_map_set(m, NULL, ddb_av_s("x")), DDB_EINVAL);
    assert_int_equal(ddb_av_map_set(NULL, "a", ddb_av_s("x")), DDB_EINVAL);
    assert_int_equal(ddb_av_map_set(m, "a", ddb_av_n("x")), DDB_EINVAL);
    assert_int_equal(ddb_av_len(m), 0);
    ddb_av_free(m);
}

static void test_map_take(void **state)
{
    (void)state;
    ddb_av *m = ddb_av_new(DDB_AV_M);
    ddb_av_map_set(m, "a", ddb_av_s("1"));
    ddb_av_map_set(m, "b", ddb_av_s("2"));
    ddb_av_map_set(m, "c", ddb_av_s("3"));
    ddb_av *b = ddb_av_map_take(m, "b");
    assert_string_equal(b->u.str.ptr, "2");
    ddb_av_free(b);
    assert_int_equal(ddb_av_len(m), 2);
    assert_string_equal(m->u.map.items[0].name, "a");
    assert_string_equal(m->u.map.items[1].name, "c");
    assert_null(ddb_av_map_take(m, "b"));
    assert_null(ddb_av_map_take(m, NULL));
    assert_null(ddb_av_map_take(NULL, "a"));
    ddb_av *c = ddb_av_map_take(m, "c"); /* last member */
    ddb_av_free(c);
    assert_int_equal(ddb_av_len(m), 1);
    ddb_av *s = ddb_av_s("not a map");
    assert_null(ddb_av_map_take(s, "a"));
    ddb_av_free(s);
    ddb_av_free(m);
}

/* --- clone and equality ----------------------------------------------------------- */

/* A tree with one value of every type, nested. */
static ddb_av *sample_tree(void)
{
    ddb_av *m = ddb_av_new(DDB_AV_M);
    ddb_av_map_set(m, "s", ddb_av_s("text"));
    ddb_av_map_set(m, "n", ddb_av_n("-1.5e3"));
    ddb_av_map_set(m, "b", ddb_av_b("\x00\x01", 2));
    ddb_av_map_set(m, "t", ddb_av_bool(true));
    ddb_av_map_set(m, "z", ddb_av_null());
    ddb_av *ss = ddb_av_new(DDB_AV_SS);
    ddb_av_list_push(ss, ddb_av_s("x"));
    ddb_av_list_push(ss, ddb_av_s("y"));
    ddb_av_map_set(m, "ss", ss);
    ddb_av *ns = ddb_av_new(DDB_AV_NS);
    ddb_av_list_push(ns, ddb_av_n("1"));
    ddb_av_list_push(ns, ddb_av_n("2"));
    ddb_av_map_set(m, "ns", ns);
    ddb_av *bs = ddb_av_new(DDB_AV_BS);
    ddb_av_list_push(bs, ddb_av_b("a", 1));
    ddb_av_map_set(m, "bs", bs);
    ddb_av *l = ddb_av_new(DDB_AV_L);
    ddb_av *inner = ddb_av_new(DDB_AV_M);
    ddb_av_map_set(inner, "deep", ddb_av_s("value"));
    ddb_av_list_push(l, inner);
    ddb_av_list_push(l, ddb_av_n("7"));
    ddb_av_map_set(m, "l", l);
    return m;
}

static void test_clone_is_deep_and_equal(void **state)
{
    (void)state;
    ddb_av *a = sample_tree();
    ddb_av *b = ddb_av_clone(a);
    assert_non_null(b);
    assert_true(ddb_av_equal(a, b));
    assert_ptr_not_equal(a->u.map.items[0].value, b->u.map.items[0].value);
    assert_ptr_not_equal(a->u.map.items[0].name, b->u.map.items[0].name);
    /* changing the clone leaves the original alone */
    ddb_av *l = (ddb_av *)ddb_av_map_get(b, "l");
    ddb_av_map_set(l->u.list.items[0], "deep", ddb_av_s("changed"));
    assert_false(ddb_av_equal(a, b));
    assert_string_equal(ddb_av_map_get(ddb_av_map_get(a, "l")->u.list.items[0], "deep")->u.str.ptr, "value");
    ddb_av_free(a);
    ddb_av_free(b);
    assert_null(ddb_av_clone(NULL));
    assert_int_equal(ddb_last_error()->code, DDB_EINVAL);
}

static ddb_av *set_of(ddb_av_type t, const char *const *elems, size_t n)
{
    ddb_av *set = ddb_av_new(t);
    for (size_t i = 0; i < n; i++) {
        ddb_av *e = t == DDB_AV_NS   ? ddb_av_n(elems[i])
                    : t == DDB_AV_SS ? ddb_av_s(elems[i])
                                     : ddb_av_b(elems[i], strlen(elems[i]));
        assert_int_equal(ddb_av_list_push(set, e), 0);
    }
    return set;
}

static bool numbers_equal(const char *x, const char *y)
{
    ddb_av *a = ddb_av_n(x);
    ddb_av *b = ddb_av_n(y);
    assert_non_null(a);
    assert_non_null(b);
    bool eq = ddb_av_equal(a, b);
    assert_true(eq == ddb_av_equal(b, a));
    ddb_av_free(a);
    ddb_av_free(b);
    return eq;
}

static void test_equal_numbers_by_value(void **state)
{
    (void)state;
    assert_true(numbers_equal("1", "1.0"));
    assert_true(numbers_equal("1", "+1"));
    assert_true(numbers_equal("100", "1e2"));
    assert_true(numbers_equal("100", "1.00E+2"));
    assert_true(numbers_equal("0.1", ".10"));
    assert_true(numbers_equal("0.1", "1e-1"));
    assert_true(numbers_equal("0", "-0"));
    assert_true(numbers_equal("0", "0.000e55"));
    assert_true(numbers_equal("007.50", "7.5"));
    assert_true(numbers_equal("-12.5", "-125e-1"));
    assert_true(numbers_equal("1"
                              "0000000000000000000000000000000000000000",
                              "1e40"));
    assert_false(numbers_equal("1", "-1"));
    assert_false(numbers_equal("1", "10"));
    assert_false(numbers_equal("1", "1.0000000000000000000000000000000000001"));
    assert_false(numbers_equal("0.1", "0.01"));
    assert_false(numbers_equal("12", "21"));
    assert_false(numbers_equal("1e-130", "0"));
}

static void test_equal_invalid_number_text_compares_bytes(void **state)
{
    (void)state;
    ddb_av *a = ddb_av_new(DDB_AV_N);
    ddb_av *b = ddb_av_new(DDB_AV_N);
    assert_true(ddb_av_equal(a, b)); /* "" == "" */
    ddb_av *zero = ddb_av_n("0");
    assert_false(ddb_av_equal(a, zero));
    ddb_av_free(a);
    ddb_av_free(b);
    ddb_av_free(zero);
}

static void test_equal_scalars_and_types(void **state)
{
    (void)state;
    ddb_av *s1 = ddb_av_s("1"), *n1 = ddb_av_n("1"), *b1 = ddb_av_b("1", 1), *s2 = ddb_av_s_len("1\0", 2);
    assert_false(ddb_av_equal(s1, n1));
    assert_false(ddb_av_equal(s1, b1));
    assert_false(ddb_av_equal(s1, s2));
    assert_true(ddb_av_equal(s1, s1));
    ddb_av *t = ddb_av_bool(true), *f = ddb_av_bool(false), *null1 = ddb_av_null(), *null2 = ddb_av_null();
    assert_false(ddb_av_equal(t, f));
    assert_true(ddb_av_equal(null1, null2));
    assert_true(ddb_av_equal(NULL, NULL));
    assert_false(ddb_av_equal(t, NULL));
    assert_false(ddb_av_equal(NULL, t));
    ddb_av *bx = ddb_av_b("\x00\x01", 2), *by = ddb_av_b("\x00\x02", 2);
    assert_false(ddb_av_equal(bx, by));
    ddb_av *values[] = {s1, n1, b1, s2, t, f, null1, null2, bx, by};
    for (size_t i = 0; i < sizeof values / sizeof *values; i++)
        ddb_av_free(values[i]);
}

static void test_equal_sets_ignore_order_and_repeats(void **state)
{
    (void)state;
    static const char *const abc[] = {"a", "b", "c"};
    static const char *const cab[] = {"c", "a", "b"};
    static const char *const abca[] = {"a", "b", "c", "a"};
    static const char *const abd[] = {"a", "b", "d"};
    static const char *const ab[] = {"a", "b"};
    static const ddb_av_type types[] = {DDB_AV_SS, DDB_AV_BS, DDB_AV_NS};
    static const char *const n123[] = {"1", "2", "3"};
    static const char *const n321[] = {"3.0", "2e0", "+1"};
    for (size_t i = 0; i < 2; i++) {
        ddb_av *x = set_of(types[i], abc, 3), *y = set_of(types[i], cab, 3), *z = set_of(types[i], abca, 4);
        ddb_av *w = set_of(types[i], abd, 3), *v = set_of(types[i], ab, 2);
        assert_true(ddb_av_equal(x, y));
        assert_true(ddb_av_equal(x, z));
        assert_false(ddb_av_equal(x, w));
        assert_false(ddb_av_equal(x, v));
        assert_false(ddb_av_equal(v, x));
        ddb_av_free(x), ddb_av_free(y), ddb_av_free(z), ddb_av_free(w), ddb_av_free(v);
    }
    ddb_av *x = set_of(DDB_AV_NS, n123, 3), *y = set_of(DDB_AV_NS, n321, 3), *s = set_of(DDB_AV_SS, n123, 3);
    assert_true(ddb_av_equal(x, y));
    assert_false(ddb_av_equal(x, s)); /* NS vs SS */
    ddb_av_free(x), ddb_av_free(y), ddb_av_free(s);
    ddb_av *e1 = ddb_av_new(DDB_AV_NS), *e2 = ddb_av_new(DDB_AV_NS);
    assert_true(ddb_av_equal(e1, e2));
    ddb_av_free(e1), ddb_av_free(e2);
}

static void test_equal_large_sets_and_maps(void **state)
{
    (void)state;
    /* beyond the inline key storage: the heap path */
    ddb_av *a = ddb_av_new(DDB_AV_NS), *b = ddb_av_new(DDB_AV_NS);
    ddb_av *ma = ddb_av_new(DDB_AV_M), *mb = ddb_av_new(DDB_AV_M);
    for (int i = 0; i < 200; i++) {
        char text[32], name[16];
        snprintf(text, sizeof text, "%d", i);
        ddb_av_list_push(a, ddb_av_n(text));
        snprintf(text, sizeof text, "%d.000e0", 199 - i);
        ddb_av_list_push(b, ddb_av_n(text));
        snprintf(name, sizeof name, "k%d", i);
        ddb_av_map_set(ma, name, ddb_av_n_i64(i));
        snprintf(name, sizeof name, "k%d", 199 - i);
        ddb_av_map_set(mb, name, ddb_av_n_i64(199 - i));
    }
    assert_true(ddb_av_equal(a, b));
    assert_true(ddb_av_equal(ma, mb));
    ddb_av_map_set(mb, "k7", ddb_av_n("8"));
    assert_false(ddb_av_equal(ma, mb));
    ddb_av_list_push(b, ddb_av_n("1000"));
    assert_false(ddb_av_equal(a, b));
    ddb_av_free(a), ddb_av_free(b), ddb_av_free(ma), ddb_av_free(mb);
}

static void test_equal_maps_by_name_lists_by_position(void **state)
{
    (void)state;
    ddb_av *a = ddb_av_new(DDB_AV_M), *b = ddb_av_new(DDB_AV_M);
    ddb_av_map_set(a, "x", ddb_av_s("1"));
    ddb_av_map_set(a, "y", ddb_av_n("2"));
    ddb_av_map_set(b, "y", ddb_av_n("2.0"));
    ddb_av_map_set(b, "x", ddb_av_s("1"));
    assert_true(ddb_av_equal(a, b));
    ddb_av_map_set(b, "z", ddb_av_null());
    assert_false(ddb_av_equal(a, b));
    ddb_av_free(ddb_av_map_take(b, "z"));
    ddb_av_map_set(b, "x", ddb_av_s("2"));
    assert_false(ddb_av_equal(a, b));
    ddb_av *la = ddb_av_new(DDB_AV_L), *lb = ddb_av_new(DDB_AV_L);
    ddb_av_list_push(la, ddb_av_s("1"));
    ddb_av_list_push(la, ddb_av_s("2"));
    ddb_av_list_push(lb, ddb_av_s("2"));
    ddb_av_list_push(lb, ddb_av_s("1"));
    assert_false(ddb_av_equal(la, lb));
    ddb_av_free(ddb_av_map_take(a, "x"));
    ddb_av *renamed = ddb_av_new(DDB_AV_M);
    ddb_av_map_set(renamed, "w", ddb_av_n("2"));
    assert_false(ddb_av_equal(a, renamed)); /* same size, different name */
    ddb_av_free(a), ddb_av_free(b), ddb_av_free(la), ddb_av_free(lb), ddb_av_free(renamed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_number_check_accepts),
        cmocka_unit_test(test_number_check_rejects),
        cmocka_unit_test(test_number_check_long_text_is_shortened),
        cmocka_unit_test(test_n_double_shortest_round_trip),
        cmocka_unit_test(test_n_double_rejects),
        cmocka_unit_test(test_numbers_ignore_the_process_locale),
        cmocka_unit_test(test_n_i64),
        cmocka_unit_test(test_get_i64),
        cmocka_unit_test(test_get_double),
        cmocka_unit_test(test_type_tags),
        cmocka_unit_test(test_scalar_constructors),
        cmocka_unit_test(test_constructor_errors),
        cmocka_unit_test(test_new_of_every_type),
        cmocka_unit_test(test_list_push),
        cmocka_unit_test(test_set_element_types),
        cmocka_unit_test(test_push_takes_ownership_on_failure),
        cmocka_unit_test(test_map_set_get_replace),
        cmocka_unit_test(test_map_set_errors_free_the_child),
        cmocka_unit_test(test_map_take),
        cmocka_unit_test(test_clone_is_deep_and_equal),
        cmocka_unit_test(test_equal_numbers_by_value),
        cmocka_unit_test(test_equal_invalid_number_text_compares_bytes),
        cmocka_unit_test(test_equal_scalars_and_types),
        cmocka_unit_test(test_equal_sets_ignore_order_and_repeats),
        cmocka_unit_test(test_equal_large_sets_and_maps),
        cmocka_unit_test(test_equal_maps_by_name_lists_by_position),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
