/*
 * test_load.c - ddbc_schema_load on valid schemas yields the expected IR;
 * type table lookups; cross-file checks. Runs in tests/schema/valid.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "check.h"

/* Loads `path`, asserting success and no diagnostics. */
static ddbc_schema *load_ok(const char *path)
{
    ddbc_diag diag = DDBC_DIAG_INIT;
    ddbc_schema *s = ddbc_schema_load(path, &diag);
    if (ddbc_diag_count(&diag) != 0)
        ddbc_diag_print(&diag, stderr);
    assert_int_equal(ddbc_diag_count(&diag), 0);
    assert_non_null(s);
    ddbc_diag_free(&diag);
    return s;
}

static const ddbc_attr *attr_named(const ddbc_model *m, const char *name)
{
    for (size_t i = 0; i < m->n_attrs; i++)
        if (strcmp(m->attrs[i].name, name) == 0)
            return &m->attrs[i];
    fail_msg("no attribute %s", name);
    return NULL;
}

static void assert_attr(const ddbc_attr *a, ddbc_type type, bool nullable, const char *def)
{
    assert_int_equal(a->type, type);
    assert_int_equal(a->nullable, nullable);
    assert_int_equal(a->has_default, def != NULL);
    if (def != NULL)
        assert_string_equal(a->default_text, def);
    else
        assert_null(a->default_text);
}

static void test_forum_thread(void **state)
{
    (void)state;
    ddbc_schema *s = load_ok("forum.yaml");
    assert_string_equal(s->path, "forum.yaml");
    assert_int_equal(s->version, 1);
    assert_string_equal(s->prefix, "forum");
    assert_int_equal(s->prefix_pos.line, 3);
    assert_int_equal(s->prefix_pos.col, 9);
    assert_int_equal(s->n_models, 2);

    const ddbc_model *m = &s->models[0];
    assert_string_equal(m->name, "thread");
    assert_string_equal(m->table, "Thread");
    assert_string_equal(m->doc, "A forum thread.");
    assert_int_equal(m->billing, DDBC_BILLING_PAY_PER_REQUEST);
    assert_int_equal(m->read_capacity, 0);
    assert_int_equal(m->stream, DDBC_STREAM_NEW_AND_OLD_IMAGES);
    assert_int_equal(m->pos.line, 5);
    assert_int_equal(m->pos.col, 3);
    assert_ptr_equal(m->pos.file, s->path);
    assert_int_equal(m->table_pos.line, 6);
    assert_int_equal(m->table_pos.col, 12);

    assert_int_equal(m->n_attrs, 7);
    static const char *const order[] = {"forum", "subject", "views",   "score",
                                        "open",  "blob",    "headline"};
    for (size_t i = 0; i < 7; i++)
        assert_string_equal(m->attrs[i].name, order[i]);
    assert_int_equal(m->hash_key, 0);
    assert_int_equal(m->range_key, 1);
    assert_attr(&m->attrs[0], DDBC_T_STRING, false, NULL);
    assert_attr(attr_named(m, "views"), DDBC_T_INT64, false, "0");
    assert_attr(attr_named(m, "score"), DDBC_T_DOUBLE, true, NULL);
    assert_attr(attr_named(m, "open"), DDBC_T_BOOL, false, "true");
    assert_attr(attr_named(m, "blob"), DDBC_T_BINARY, true, NULL);

    const ddbc_attr *h = attr_named(m, "headline");
    assert_attr(h, DDBC_T_STRING, true, NULL);
    assert_string_equal(h->attr_name, "s");
    assert_string_equal(h->doc, "Short title.");
    assert_int_equal(h->pos.line, 18);
    assert_int_equal(h->pos.col, 7);
    assert_int_equal(h->attr_name_pos.line, 18);
    assert_int_equal(h->attr_name_pos.col, 43);
    assert_string_equal(attr_named(m, "views")->attr_name, "views");
    assert_null(attr_named(m, "views")->doc);
    ddbc_schema_free(s);
}

static void test_forum_indexes(void **state)
{
    (void)state;
    ddbc_schema *s = load_ok("forum.yaml");
    const ddbc_model *m = &s->models[0];
    assert_int_equal(m->n_indexes, 3);

    const ddbc_index *ix = &m->indexes[0];
    assert_string_equal(ix->name, "by_views");
    assert_true(ix->global);
    assert_int_equal(ix->hash_key, 0);
    assert_int_equal(ix->range_key, 2);
    assert_int_equal(ix->projection, DDBC_PROJECTION_KEYS_ONLY);
    assert_int_equal(ix->n_include, 0);
    assert_null(ix->doc);
    assert_int_equal(ix->pos.line, 20);

    ix = &m->indexes[1];
    assert_string_equal(ix->name, "by_score");
    assert_true(ix->global);
    assert_int_equal(ix->hash_key, 1);
    assert_int_equal(ix->range_key, 3);
    assert_int_equal(ix->projection, DDBC_PROJECTION_INCLUDE);
    assert_int_equal(ix->n_include, 2);
    assert_int_equal(ix->include[0], 2);
    assert_int_equal(ix->include[1], 4);

    ix = &m->indexes[2];
    assert_string_equal(ix->name, "local_views");
    assert_false(ix->global);
    assert_int_equal(ix->hash_key, 0);
    assert_int_equal(ix->range_key, 2);
    assert_int_equal(ix->projection, DDBC_PROJECTION_ALL);
    assert_string_equal(ix->doc, "Threads of a forum by views.");
    ddbc_schema_free(s);
}

static void test_forum_reply_defaults(void **state)
{
    (void)state;
    ddbc_schema *s = load_ok("forum.yaml");
    const ddbc_model *m = &s->models[1];
    assert_string_equal(m->name, "reply");
    assert_null(m->doc);
    assert_int_equal(m->billing, DDBC_BILLING_PROVISIONED);
    assert_int_equal(m->read_capacity, 5);
    assert_int_equal(m->write_capacity, 10);
    assert_int_equal(m->stream, DDBC_STREAM_NONE);
    assert_int_equal(m->hash_key, 0);
    assert_int_equal(m->range_key, -1);
    assert_int_equal(m->n_indexes, 0);
    assert_attr(attr_named(m, "id"), DDBC_T_INT64, false, NULL);
    assert_attr(attr_named(m, "body"), DDBC_T_STRING, false, "hello, \"world\"");
    assert_attr(attr_named(m, "weight"), DDBC_T_DOUBLE, false, "-1.5e3");
    assert_attr(attr_named(m, "count"), DDBC_T_INT64, false, "7");
    assert_attr(attr_named(m, "data"), DDBC_T_BINARY, false, "AAEC");
    assert_attr(attr_named(m, "flag"), DDBC_T_BOOL, true, "false");
    ddbc_schema_free(s);
}

static void test_minimal(void **state)
{
    (void)state;
    ddbc_schema *s = load_ok("minimal.yaml");
    assert_string_equal(s->prefix, "shop");
    assert_int_equal(s->n_models, 1);
    const ddbc_model *m = &s->models[0];
    assert_string_equal(m->table, "orders.v1");
    assert_int_equal(m->billing, DDBC_BILLING_PAY_PER_REQUEST);
    assert_int_equal(m->stream, DDBC_STREAM_NONE);
    assert_int_equal(m->n_attrs, 1);
    assert_int_equal(m->hash_key, 0);
    assert_int_equal(m->range_key, -1);
    assert_null(m->indexes);
    assert_attr(&m->attrs[0], DDBC_T_BINARY, false, NULL);
    ddbc_schema_free(s);
}

static void test_aliases_and_quoting(void **state)
{
    (void)state;
    ddbc_schema *s = load_ok("aliases.yaml");
    const ddbc_model *m = &s->models[0];
    assert_string_equal(m->doc, "An event.\nTwo lines.\n");
    assert_int_equal(m->hash_key, 0);
    assert_int_equal(m->range_key, 1);
    assert_attr(attr_named(m, "origin"), DDBC_T_STRING, false, NULL);
    const ddbc_attr *note = attr_named(m, "note");
    assert_attr(note, DDBC_T_STRING, false, "it's");
    assert_string_equal(note->attr_name, "n-o.t e");
    ddbc_schema_free(s);
}

static void test_invalid_returns_null(void **state)
{
    (void)state;
    ddbc_diag diag = DDBC_DIAG_INIT;
    assert_null(ddbc_schema_load("../errors/multi_error.yaml", &diag));
    assert_int_equal(ddbc_diag_count(&diag), 10);
    assert_null(ddbc_schema_load("does-not-exist.yaml", &diag));
    assert_int_equal(ddbc_diag_count(&diag), 11);
    ddbc_diag_free(&diag);
}

static void test_schemas_check(void **state)
{
    (void)state;
    ddbc_diag diag = DDBC_DIAG_INIT;
    const ddbc_schema *set[3] = {load_ok("forum.yaml"), load_ok("minimal.yaml"),
                                 load_ok("aliases.yaml")};
    assert_int_equal(ddbc_schemas_check(set, 3, &diag), 0);
    assert_int_equal(ddbc_schemas_check(set, 0, &diag), 0);
    const ddbc_schema *twice[2] = {set[1], set[1]};
    assert_int_equal(ddbc_schemas_check(twice, 2, &diag), -1);
    assert_int_equal(ddbc_diag_count(&diag), 1);
    for (size_t i = 0; i < 3; i++)
        ddbc_schema_free((ddbc_schema *)set[i]);
    ddbc_diag_free(&diag);
}

static void test_type_table(void **state)
{
    (void)state;
    static const char *const wire[] = {"S", "N", "N", "BOOL", "B"};
    assert_int_equal(DDBC_TYPE_COUNT, 5);
    for (int t = 0; t < DDBC_TYPE_COUNT; t++) {
        ddbc_type back;
        assert_true(ddbc_type_from_name(ddbc_type_name((ddbc_type)t), &back));
        assert_int_equal(back, t);
        assert_string_equal(ddbc_type_wire((ddbc_type)t), wire[t]);
        assert_int_equal(ddbc_type_can_be_key((ddbc_type)t), t != DDBC_T_BOOL);
    }
    ddbc_type unused;
    assert_false(ddbc_type_from_name("strng", &unused));
    assert_string_equal(ddbc_type_name(DDBC_T_INT64), "int64");
    assert_null(ddbc_stream_name(DDBC_STREAM_NONE));
    assert_string_equal(ddbc_stream_name(DDBC_STREAM_KEYS_ONLY), "keys_only");
    assert_string_equal(ddbc_projection_name(DDBC_PROJECTION_INCLUDE), "include");
    ddbc_schema_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forum_thread),         cmocka_unit_test(test_forum_indexes),
        cmocka_unit_test(test_forum_reply_defaults), cmocka_unit_test(test_minimal),
        cmocka_unit_test(test_aliases_and_quoting),  cmocka_unit_test(test_invalid_returns_null),
        cmocka_unit_test(test_schemas_check),        cmocka_unit_test(test_type_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
