/*
 * test_load.c - ddbc_schema_load on valid schemas yields the expected IR;
 * type table lookups; cross-file checks; the loader's limits on inputs too
 * large to check in (docs/schema.md, "Limits"). Runs in tests/schema/valid.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static void assert_attr(const ddbc_attr *a, ddb_ftype type, bool nullable, const char *def)
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
    assert_attr(&m->attrs[0], DDB_FT_STRING, false, NULL);
    assert_attr(attr_named(m, "views"), DDB_FT_INT64, false, "0");
    assert_attr(attr_named(m, "score"), DDB_FT_DOUBLE, true, NULL);
    assert_attr(attr_named(m, "open"), DDB_FT_BOOL, false, "true");
    assert_attr(attr_named(m, "blob"), DDB_FT_BINARY, true, NULL);

    const ddbc_attr *h = attr_named(m, "headline");
    assert_attr(h, DDB_FT_STRING, true, NULL);
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
    assert_attr(attr_named(m, "id"), DDB_FT_INT64, false, NULL);
    assert_attr(attr_named(m, "body"), DDB_FT_STRING, false, "hello, \"world\"");
    assert_attr(attr_named(m, "weight"), DDB_FT_DOUBLE, false, "-1.5e3");
    assert_attr(attr_named(m, "count"), DDB_FT_INT64, false, "7");
    assert_attr(attr_named(m, "data"), DDB_FT_BINARY, false, "AAEC");
    assert_attr(attr_named(m, "flag"), DDB_FT_BOOL, true, "false");
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
    assert_attr(&m->attrs[0], DDB_FT_BINARY, false, NULL);
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
    assert_attr(attr_named(m, "origin"), DDB_FT_STRING, false, NULL);
    const ddbc_attr *note = attr_named(m, "note");
    assert_attr(note, DDB_FT_STRING, false, "it's");
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
    static const struct {
        ddb_ftype type;
        const char *name, *wire;
        bool key, elem;
    } rows[] = {
        {DDB_FT_STRING, "string", "S", true, true},
        {DDB_FT_INT64, "int64", "N", true, true},
        {DDB_FT_DOUBLE, "double", "N", true, true},
        {DDB_FT_BOOL, "bool", "BOOL", false, true},
        {DDB_FT_BINARY, "binary", "B", true, true},
        {DDB_FT_DECIMAL, "decimal", "N", true, true},
        {DDB_FT_DATETIME, "utc_datetime", "S", true, true},
        {DDB_FT_JSON, "json", "S", false, true},
        {DDB_FT_STRING_SET, "string_set", "SS", false, false},
        {DDB_FT_NUMBER_SET, "number_set", "NS", false, false},
        {DDB_FT_BINARY_SET, "binary_set", "BS", false, false},
        {DDB_FT_LIST, "list", "L", false, false},
        {DDB_FT_MAP, "map", "M", false, false},
        {DDB_FT_DOCUMENT, "document", "*", false, false},
        {DDB_FT_NULL, "null", "NULL", false, false},
        {DDB_FT_TTL, "ttl", "N", false, false},
        {DDB_FT_VERSION, "version", "N", false, false},
        {DDB_FT_DISCRIMINATOR, "discriminator", "S", false, false},
    };
    assert_int_equal(DDB_FT_COUNT, sizeof rows / sizeof rows[0]);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        ddb_ftype t = rows[i].type, back;
        const ddb_type_info *ti = ddb_type(t);
        assert_int_equal(t, (ddb_ftype)i);
        assert_string_equal(ti->name, rows[i].name);
        assert_true(ddb_type_from_name(rows[i].name, &back));
        assert_int_equal(back, t);
        static const char *const tags[] = {"NULL", "S", "N", "B", "BOOL", "SS", "NS", "BS", "L", "M"};
        assert_string_equal(ti->any_wire ? "*" : tags[ti->wire], rows[i].wire);
        assert_int_equal(ti->key, rows[i].key);
        assert_int_equal(ti->list_elem, rows[i].elem);
        assert_non_null(ti->c_enum);
        assert_int_equal(ti->c_size == 0, t == DDB_FT_LIST || t == DDB_FT_MAP);
    }
    ddb_ftype unused;
    assert_false(ddb_type_from_name("strng", &unused));
    assert_null(ddbc_stream_name(DDBC_STREAM_NONE));
    assert_string_equal(ddbc_stream_name(DDBC_STREAM_KEYS_ONLY), "keys_only");
    assert_string_equal(ddbc_projection_name(DDBC_PROJECTION_INCLUDE), "include");
    ddbc_schema_free(NULL);
}

/* ---- the complete model layer ------------------------------------------------ */

static const ddbc_map *map_named(const ddbc_schema *s, const char *name, int *index)
{
    for (size_t i = 0; i < s->n_maps; i++) {
        if (strcmp(s->maps[i].name, name) == 0) {
            *index = (int)i;
            return &s->maps[i];
        }
    }
    fail_msg("no map %s", name);
    return NULL;
}

static int attr_index(const ddbc_attr *attrs, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(attrs[i].name, name) == 0)
            return (int)i;
    fail_msg("no attribute %s", name);
    return -1;
}

/* Asserts the element type (and map) of a list attribute. */
static void assert_list(const ddbc_attr *a, ddb_ftype elem, int elem_map)
{
    assert_int_equal(a->type, DDB_FT_LIST);
    assert_int_equal(a->elem_type, elem);
    assert_int_equal(a->elem_map_index, elem_map);
    assert_int_equal(a->map_index, -1);
    assert_false(a->has_default);
}

/* Asserts the default elements of a set attribute. */
static void assert_items(const ddbc_attr *a, const char *const *items, size_t n)
{
    assert_true(a->has_default);
    assert_null(a->default_text);
    assert_int_equal(a->n_default_items, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(a->default_items[i], items[i]);
}

static void test_complete_scalars(void **state)
{
    (void)state;
    ddbc_schema *s = load_ok("complete.yaml");
    const ddbc_model *m = &s->models[0];
    assert_true(m->keep_unknown);
    assert_int_equal(m->extends, -1);
    assert_null(m->discriminator_value);
    assert_int_equal(m->discriminator_attr, -1);
    assert_int_equal(m->version_attr, attr_index(m->attrs, m->n_attrs, "version"));
    assert_int_equal(m->ttl_attr, attr_index(m->attrs, m->n_attrs, "expires"));
    assert_int_equal(m->hash_key, 0);
    assert_int_equal(m->range_key, 1);
    assert_attr(&m->attrs[1], DDB_FT_DATETIME, false, NULL);
    assert_attr(attr_named(m, "price"), DDB_FT_DECIMAL, false, "15");
    assert_attr(attr_named(m, "since"), DDB_FT_DATETIME, false,
                "2024-02-29T03:04:05.500000+0000");
    assert_attr(attr_named(m, "meta"), DDB_FT_JSON, false,
                "{\"a\": [1, 2.5e3, true, null, \"\\u00e9\"]}");
    assert_attr(attr_named(m, "score"), DDB_FT_DOUBLE, false, "-1.5e125");
    assert_attr(attr_named(m, "raw"), DDB_FT_DOCUMENT, true, NULL);
    assert_attr(attr_named(m, "nothing"), DDB_FT_NULL, false, NULL);
    assert_attr(attr_named(m, "expires"), DDB_FT_TTL, true, NULL);
    assert_attr(attr_named(m, "version"), DDB_FT_VERSION, false, NULL);
    const ddbc_attr *views = attr_named(m, "views");
    assert_attr(views, DDB_FT_INT64, false, "0");
    assert_true(views->default_for_new);
    assert_false(attr_named(m, "price")->default_for_new);
    for (size_t i = 0; i < m->n_attrs; i++) {
        const ddbc_attr *a = &m->attrs[i];
        assert_false(a->inherited);
        if (a->type != DDB_FT_MAP)
            assert_int_equal(a->map_index, -1);
        if (a->type != DDB_FT_LIST)
            assert_int_equal(a->elem_map_index, -1);
        if (a->type != DDB_FT_LIST && a->type != DDB_FT_STRING_SET &&
            a->type != DDB_FT_NUMBER_SET && a->type != DDB_FT_BINARY_SET)
            assert_int_equal(a->elem_type, a->type);
    }
    ddbc_schema_free(s);
}

static void test_complete_containers(void **state)
{
    (void)state;
    ddbc_schema *s = load_ok("complete.yaml");
    const ddbc_model *m = &s->models[0];
    static const char *const tags[] = {"b", "a", "0", "1"};
    static const char *const scores[] = {"1", "15", "-0.25"};
    static const char *const blobs[] = {"AAEC", "AQ=="};
    const ddbc_attr *a = attr_named(m, "tags");
    assert_int_equal(a->type, DDB_FT_STRING_SET);
    assert_int_equal(a->elem_type, DDB_FT_STRING);
    assert_items(a, tags, 4);
    a = attr_named(m, "scores");
    assert_int_equal(a->elem_type, DDB_FT_DECIMAL);
    assert_items(a, scores, 3);
    a = attr_named(m, "blobs");
    assert_int_equal(a->elem_type, DDB_FT_BINARY);
    assert_true(a->nullable);
    assert_items(a, blobs, 2);
    int reply, author;
    map_named(s, "reply", &reply);
    map_named(s, "author", &author);
    assert_list(attr_named(m, "labels"), DDB_FT_STRING, -1);
    assert_true(attr_named(m, "labels")->nullable);
    assert_list(attr_named(m, "counts"), DDB_FT_INT64, -1);
    assert_list(attr_named(m, "amounts"), DDB_FT_DECIMAL, -1);
    assert_list(attr_named(m, "replies"), DDB_FT_MAP, reply);
    assert_list(attr_named(m, "extra"), DDB_FT_DOCUMENT, -1);
    assert_list(attr_named(m, "anything"), DDB_FT_DOCUMENT, -1);
    a = attr_named(m, "author");
    assert_attr(a, DDB_FT_MAP, false, NULL);
    assert_int_equal(a->map_index, author);
    assert_int_equal(a->elem_type, DDB_FT_MAP);
    assert_int_equal(m->n_indexes, 2);
    assert_int_equal(m->indexes[0].range_key, attr_index(m->attrs, m->n_attrs, "price"));
    assert_int_equal(m->indexes[1].hash_key, attr_index(m->attrs, m->n_attrs, "since"));
    assert_int_equal(m->indexes[1].n_include, 2);
    assert_int_equal(m->indexes[1].include[1], attr_index(m->attrs, m->n_attrs, "replies"));
    ddbc_schema_free(s);
}

static void test_complete_maps(void **state)
{
    (void)state;
    ddbc_schema *s = load_ok("complete.yaml");
    assert_int_equal(s->n_maps, 4);
    static const char *const names[] = {"author", "address", "geo", "reply"};
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(s->maps[i].name, names[i]);
        assert_ptr_equal(s->maps[i].pos.file, s->path);
    }
    const ddbc_map *mp = &s->maps[0];
    assert_string_equal(mp->doc, "Who wrote it.");
    assert_int_equal(mp->pos.line, 35);
    assert_int_equal(mp->pos.col, 3);
    assert_int_equal(mp->n_attrs, 3);
    assert_string_equal(mp->attrs[1].attr_name, "mail");
    assert_true(mp->attrs[1].nullable);
    assert_int_equal(mp->attrs[2].type, DDB_FT_MAP);
    assert_int_equal(mp->attrs[2].map_index, 1); /* author -> address */
    mp = &s->maps[1];
    assert_null(mp->doc);
    assert_attr(&mp->attrs[0], DDB_FT_STRING, false, "Paris");
    assert_attr(&mp->attrs[1], DDB_FT_MAP, true, NULL);
    assert_int_equal(mp->attrs[1].map_index, 2); /* address -> geo: three deep */
    mp = &s->maps[2];
    assert_attr(&mp->attrs[1], DDB_FT_DOUBLE, false, "0");
    assert_true(mp->attrs[1].default_for_new);
    assert_attr(&mp->attrs[2], DDB_FT_DATETIME, true, NULL);
    mp = &s->maps[3];
    assert_list(&mp->attrs[2], DDB_FT_MAP, 3); /* reply holds a list of replies */
    static const char *const flags[] = {"new"};
    assert_items(&mp->attrs[3], flags, 1);
    assert_true(mp->attrs[3].default_for_new);
    /* geo before address before author; reply's list of itself is no constraint */
    static const size_t order[] = {2, 1, 0, 3};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(s->map_order[i], order[i]);
    ddbc_schema_free(s);
}

static void test_map_order(void **state)
{
    (void)state;
    ddbc_schema *s = load_ok("map_order.yaml");
    assert_int_equal(s->n_maps, 5);
    /* b (used by a's list); c before a (a holds c by value; c's list of a closes a cycle);
     * e before d */
    static const size_t order[] = {1, 2, 0, 4, 3};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(s->map_order[i], order[i]);
    assert_int_equal(s->models[0].attrs[1].map_index, 0);
    ddbc_schema_free(s);

    s = load_ok("forum.yaml");
    assert_int_equal(s->n_maps, 0);
    assert_null(s->maps);
    assert_null(s->map_order);
    ddbc_schema_free(s);
}

/* Asserts that subclass `m` starts with copies of the attributes of `base`. */
static void assert_inherits(const ddbc_model *m, const ddbc_model *base)
{
    assert_true(m->n_attrs >= base->n_attrs);
    for (size_t i = 0; i < base->n_attrs; i++) {
        const ddbc_attr *a = &m->attrs[i], *b = &base->attrs[i];
        assert_true(a->inherited);
        assert_false(b->inherited);
        assert_string_equal(a->name, b->name);
        assert_ptr_not_equal(a->name, b->name);
        assert_string_equal(a->attr_name, b->attr_name);
        assert_int_equal(a->type, b->type);
        assert_int_equal(a->nullable, b->nullable);
        assert_int_equal(a->pos.line, b->pos.line);
    }
    for (size_t i = base->n_attrs; i < m->n_attrs; i++)
        assert_false(m->attrs[i].inherited);
    assert_string_equal(m->table, base->table);
    assert_int_equal(m->table_pos.line, base->table_pos.line);
    assert_int_equal(m->billing, base->billing);
    assert_int_equal(m->read_capacity, base->read_capacity);
    assert_int_equal(m->write_capacity, base->write_capacity);
    assert_int_equal(m->stream, base->stream);
    assert_int_equal(m->hash_key, base->hash_key);
    assert_int_equal(m->range_key, base->range_key);
    assert_int_equal(m->n_indexes, base->n_indexes);
    for (size_t i = 0; i < base->n_indexes; i++) {
        assert_string_equal(m->indexes[i].name, base->indexes[i].name);
        assert_int_equal(m->indexes[i].n_include, base->indexes[i].n_include);
        assert_ptr_not_equal(m->indexes[i].include, base->indexes[i].include);
    }
    assert_int_equal(m->discriminator_attr, base->discriminator_attr);
    assert_int_equal(m->version_attr, base->version_attr);
}

static void test_polymorph(void **state)
{
    (void)state;
    ddbc_schema *s = load_ok("polymorph.yaml");
    assert_int_equal(s->n_models, 5);
    const ddbc_model *animal = &s->models[0], *dog = &s->models[1], *cat = &s->models[2];
    const ddbc_model *fish = &s->models[3], *plant = &s->models[4];
    assert_int_equal(animal->extends, -1);
    assert_string_equal(animal->discriminator_value, "animal");
    assert_int_equal(animal->discriminator_attr, 2);
    assert_int_equal(animal->version_attr, 4);
    assert_int_equal(animal->ttl_attr, -1);
    assert_true(animal->keep_unknown);
    assert_int_equal(animal->n_attrs, 5);
    assert_int_equal(animal->hash_key, 0);
    assert_int_equal(animal->range_key, 1);
    assert_attr(&animal->attrs[1], DDB_FT_DECIMAL, false, NULL);
    assert_attr(&animal->attrs[2], DDB_FT_DISCRIMINATOR, false, NULL);

    assert_int_equal(dog->extends, 0);
    assert_string_equal(dog->discriminator_value, "dog");
    assert_string_equal(dog->doc, "A dog.");
    assert_inherits(dog, animal);
    assert_int_equal(dog->n_attrs, 6);
    assert_attr(&dog->attrs[5], DDB_FT_BOOL, false, "true");
    assert_true(dog->keep_unknown); /* from the base */
    assert_int_equal(dog->ttl_attr, -1);

    assert_int_equal(cat->extends, 0);
    assert_string_equal(cat->discriminator_value, "cat");
    assert_inherits(cat, animal);
    assert_false(cat->keep_unknown); /* its own */
    assert_null(cat->doc);
    assert_int_equal(cat->ttl_attr, 6);
    assert_attr(&cat->attrs[5], DDB_FT_INT64, false, "9");

    assert_int_equal(fish->extends, 0);
    assert_string_equal(fish->discriminator_value, "1");
    assert_inherits(fish, animal);
    assert_int_equal(fish->n_attrs, 5);

    assert_int_equal(plant->extends, -1);
    assert_null(plant->discriminator_value);
    assert_int_equal(plant->discriminator_attr, 1);
    assert_int_equal(plant->version_attr, -1);
    assert_false(plant->keep_unknown);
    ddbc_schema_free(s);
}

/* ---- limits (docs/schema.md): inputs written to a temporary file ------------- */

/* A temporary file holding head, `body` `times` times, then tail. */
typedef struct temp_file {
    char path[64];
} temp_file;

/* Creates the file; returns it open for writing. */
static FILE *temp_open(temp_file *t)
{
    const char *dir = getenv("TMPDIR");
    snprintf(t->path, sizeof t->path, "%s/ddbc-limit-XXXXXX",
             dir != NULL && dir[0] != '\0' && strlen(dir) < 40 ? dir : "/tmp");
    int fd = mkstemp(t->path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "wb");
    assert_non_null(f);
    return f;
}

static void temp_write(temp_file *t, const char *head, const char *body, size_t times, const char *tail)
{
    FILE *f = temp_open(t);
    fputs(head, f);
    for (size_t i = 0; i < times; i++)
        fputs(body, f);
    fputs(tail, f);
    assert_int_equal(fclose(f), 0);
}

/* Loads `t` (removing it), expecting failure with `count` errors; returns
 * what ddbc would print, the file name replaced by "F" (caller frees). */
static char *load_fails(temp_file *t, size_t count)
{
    ddbc_diag diag = DDBC_DIAG_INIT;
    ddbc_schema *s = ddbc_schema_load(t->path, &diag);
    unlink(t->path);
    if (s != NULL)
        ddbc_schema_free(s);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    ddbc_diag_print(&diag, out);
    fclose(out);
    if (ddbc_diag_count(&diag) != count)
        fprintf(stderr, "%s", text);
    assert_int_equal(ddbc_diag_count(&diag), count);
    ddbc_diag_free(&diag);
    size_t plen = strlen(t->path);
    for (char *p = strstr(text, t->path); p != NULL; p = strstr(p, t->path)) {
        p[0] = 'F';
        memmove(p + 1, p + plen, strlen(p + plen) + 1);
    }
    return text;
}

/* 100,000 levels of flow sequences or mappings: rejected at level 65,
 * before libyaml's scanner (quadratic in the depth) gets slow. */
static void test_limit_depth(void **state)
{
    (void)state;
    temp_file t;
    temp_write(&t, "version: 1\nprefix: p\nmodels: ", "[", 100000, "");
    char *text = load_fails(&t, 1);
    assert_string_equal(text, "F:3:72: error: YAML nesting deeper than 64 levels; a schema needs far fewer\n");
    free(text);
    temp_write(&t, "version: 1\nprefix: p\nmodels: ", "{a: ", 100000, "1");
    text = load_fails(&t, 1);
    assert_string_equal(text, "F:3:261: error: YAML nesting deeper than 64 levels; a schema needs far fewer\n");
    free(text);
}

/* The size limit holds for any input: a file one byte over 16 MiB is
 * refused, whatever it holds. */
static void test_limit_size(void **state)
{
    (void)state;
    temp_file t;
    char line[1024];
    memset(line, 'x', sizeof line - 1);
    line[0] = '#';
    line[sizeof line - 2] = '\n';
    line[sizeof line - 1] = '\0';
    /* 16 MiB of comment lines (1023 bytes each), then enough to pass the limit */
    temp_write(&t, "", line, 16 * 1024 + 17, "");
    char *text = load_fails(&t, 1);
    assert_string_equal(text, "F: error: the file is larger than 16 MiB, the limit for a schema\n");
    free(text);
}

/* Many anchors and aliases load in linear time: libyaml's document loader,
 * which ddbc used before, looks each alias up among all anchors (45,000 of
 * each took 6 s, 100,000 of each 30 s); the loader hashes them. */
static void test_limit_anchors(void **state)
{
    (void)state;
    temp_file t;
    FILE *f = temp_open(&t);
    fputs("version: 1\nprefix: p\nmodels: {}\nextra:\n", f);
    for (int i = 0; i < 45000; i++)
        fprintf(f, "- &a%d x\n", i);
    for (int i = 0; i < 45000; i++)
        fprintf(f, "- *a%d\n", i);
    assert_int_equal(fclose(f), 0);
    char *text = load_fails(&t, 2);
    assert_non_null(strstr(text, "F:4:1: error: unknown key 'extra' in the schema"));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forum_thread),
        cmocka_unit_test(test_forum_indexes),
        cmocka_unit_test(test_forum_reply_defaults),
        cmocka_unit_test(test_minimal),
        cmocka_unit_test(test_aliases_and_quoting),
        cmocka_unit_test(test_invalid_returns_null),
        cmocka_unit_test(test_schemas_check),
        cmocka_unit_test(test_type_table),
        cmocka_unit_test(test_complete_scalars),
        cmocka_unit_test(test_complete_containers),
        cmocka_unit_test(test_complete_maps),
        cmocka_unit_test(test_map_order),
        cmocka_unit_test(test_polymorph),
        cmocka_unit_test(test_limit_depth),
        cmocka_unit_test(test_limit_size),
        cmocka_unit_test(test_limit_anchors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
