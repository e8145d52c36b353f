/*
 * test_hostile.c - hostile schema text reaches generated code escaped
 * (docs/security.md, "Generator").
 *
 * tests/golden/hostile.yaml puts text that closes comments and string
 * literals, splices lines, uses trigraphs, control characters, UTF-8 and a
 * bidirectional override into every schema string that reaches generated
 * code (docs, attr_name, defaults, set members, JSON text, the S3 prefix,
 * discriminator values). This program includes the code ddbc generates
 * from it, built with the project's strict flags, and checks:
 *
 *  - nothing was injected: each hostile string tries to declare
 *    evil_comment, evil_string, evil_splice and evil_tail as int and to
 *    define the macro evil_define; they are defined below with another
 *    type, so an injection into the header does not compile, one at file
 *    scope of the generated .c does not link, and one inside a function is
 *    an unused variable (-Werror);
 *  - every string arrives byte for byte: descriptors (attribute names, the
 *    table, index projections, S3 prefix, discriminators), defaults after
 *    init, the attribute names in items and in rendered expressions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hostile.h"

#ifdef evil_define
#error "a hostile schema string defined a macro in the generated header"
#endif

/* What the hostile strings try to declare as int (see above). */
double evil_comment = 1.0, evil_string = 2.0, evil_splice = 3.0, evil_tail = 4.0;

/* Every hostile string of tests/golden/hostile.yaml is a tag and this text,
 * written here with escapes only (and \? for every '?': no trigraph). */
#define HOSTILE(tag) tag " */ int evil_comment; /* \" ; int evil_string; \" \\ ' \?\?/ \?\?= \?\?' \?\?( \?\?) \?\?! \?\?< \?\?> \?\?- \?\0017 \011\015\012#define evil_define 1\012// \\\012\033[31m \177 \302\205 \303\251 \342\200\256 \342\200\250 *\\\012/ int evil_splice; /* \?\?/\012*/ int evil_tail; /* \\"
/* The json default: a JSON string holding HOSTILE("json"). */
#define HOSTILE_JSON "\"json */ int evil_comment; /* \\\" ; int evil_string; \\\" \\\\ ' \?\?/ \?\?= \?\?' \?\?( \?\?) \?\?! \?\?< \?\?> \?\?- \?\\u00017 \\t\\r\\n#define evil_define 1\\n// \\\\\\n\\u001b[31m \177 \302\205 \303\251 \342\200\256 \342\200\250 *\\\\\\n/ int evil_splice; /* \?\?/\\n*/ int evil_tail; /* \\\\\""

static const char *const evil_attrs[] = {
    HOSTILE("id"),    HOSTILE("sort"), HOSTILE("kind"),   HOSTILE("text"),  HOSTILE("tags"),
    HOSTILE("data"),  HOSTILE("body"), HOSTILE("inner"),  HOSTILE("inners"), HOSTILE("words"),
};
#define N_EVIL_ATTRS (sizeof evil_attrs / sizeof evil_attrs[0])

static void test_no_injection(void **state)
{
    (void)state;
    /* the definitions above are the ones the program sees */
    assert_true(evil_comment == 1.0 && evil_string == 2.0 && evil_splice == 3.0 && evil_tail == 4.0);
}

static void test_descriptors(void **state)
{
    (void)state;
    const ddb_model *m = &hostile_evil_model;
    assert_string_equal(m->table, "evil.table-1_x");
    assert_int_equal(m->n_fields, N_EVIL_ATTRS);
    for (size_t i = 0; i < N_EVIL_ATTRS; i++)
        assert_string_equal(m->fields[i].attr, evil_attrs[i]);
    assert_null(m->discriminator_value); /* a base model reads every kind; its value is init's */

    /* the S3 prefix, bucket checked by the schema rules */
    const ddb_field *body = &m->fields[6];
    assert_non_null(body->codec);
    assert_string_equal(body->codec->s3_bucket, "evil-bucket.x");
    assert_string_equal(body->codec->s3_prefix, HOSTILE("s3") "/");

    /* the projection of the index names stored attributes */
    assert_int_equal(m->n_indexes, 1);
    assert_int_equal(m->indexes[0].n_include, 2);
    assert_string_equal(m->indexes[0].include[0], HOSTILE("data"));
    assert_string_equal(m->indexes[0].include[1], HOSTILE("tags"));

    const ddb_model *c = &hostile_child_model;
    assert_string_equal(c->table, "evil.table-1_x");
    assert_int_equal(c->n_fields, N_EVIL_ATTRS + 1);
    for (size_t i = 0; i < N_EVIL_ATTRS; i++)
        assert_string_equal(c->fields[i].attr, evil_attrs[i]);
    assert_string_equal(c->fields[N_EVIL_ATTRS].attr, HOSTILE("extra"));
    assert_string_equal(c->discriminator_value, HOSTILE("child kind"));

    assert_int_equal(hostile_inner_map.n_fields, 1);
    assert_string_equal(hostile_inner_map.fields[0].attr, HOSTILE("deep"));
}

/* Whether `set` holds exactly the texts a and b (in any order). */
static void assert_strset(const ddb_strset *set, const char *a, const char *b)
{
    assert_int_equal(set->n, 2);
    bool in_order = strcmp(set->items[0], a) == 0;
    assert_string_equal(set->items[in_order ? 0 : 1], a);
    assert_string_equal(set->items[in_order ? 1 : 0], b);
}

static void test_defaults(void **state)
{
    (void)state;
    hostile_evil e;
    hostile_evil_init(&e);
    assert_string_equal(e.text, HOSTILE("text default"));
    assert_strset(&e.tags, HOSTILE("member 1"), HOSTILE("member 2"));
    assert_string_equal(e.data, HOSTILE_JSON);
    assert_string_equal(e.inner.deep, HOSTILE("deep default"));
    assert_string_equal(e.kind, HOSTILE("base kind"));
    hostile_evil_clear(&e);

    hostile_child c;
    hostile_child_init(&c);
    assert_string_equal(c.kind, HOSTILE("child kind"));
    assert_string_equal(c.text, HOSTILE("text default"));
    hostile_child_clear(&c);
}

/* The item of an object is keyed by the stored names. */
static void test_item_names(void **state)
{
    (void)state;
    hostile_evil e;
    hostile_evil_init(&e);
    e.id = ddb_strdup("k");
    e.sort = ddb_strdup("s");
    ddb_av *item = NULL;
    assert_int_equal(hostile_evil_to_item(&item, &e), 0);
    const char *stored[] = {HOSTILE("id"), HOSTILE("sort"), HOSTILE("kind"), HOSTILE("text"),
                            HOSTILE("tags"), HOSTILE("data"), HOSTILE("inner")};
    for (size_t i = 0; i < sizeof stored / sizeof stored[0]; i++)
        assert_non_null(ddb_av_map_get(item, stored[i]));
    const ddb_av *inner = ddb_av_map_get(item, HOSTILE("inner"));
    const ddb_av *deep = ddb_av_map_get(inner, HOSTILE("deep"));
    assert_non_null(deep);
    assert_int_equal(deep->type, DDB_AV_S);
    assert_string_equal(deep->u.str.ptr, HOSTILE("deep default"));
    ddb_av_free(item);
    hostile_evil_clear(&e);
}

/* Renders `c` and checks that its attribute names are `names` (n of them). */
static void assert_cond_names(ddb_cond *c, const char *const *names, size_t n)
{
    ddb_buf text = DDB_BUF_INIT;
    ddb_expr_ctx ctx = DDB_EXPR_CTX_INIT;
    assert_int_equal(ddb_expr_render_cond(&text, &ctx, c), 0);
    assert_int_equal(ctx.n_names, n);
    for (size_t i = 0; i < n; i++) {
        char placeholder[32];
        snprintf(placeholder, sizeof placeholder, "#n%zu", i);
        const ddb_av *name = ddb_av_map_get(ctx.names, placeholder);
        assert_non_null(name);
        assert_string_equal(name->u.str.ptr, names[i]);
    }
    ddb_expr_ctx_free(&ctx);
    ddb_buf_free(&text);
    ddb_cond_free(c);
}

/* Builder paths (attribute names escaped for the path syntax, then for C). */
static void test_builder_paths(void **state)
{
    (void)state;
    const char *text[] = {HOSTILE("text")};
    assert_cond_names(hostile_evil_text_exists().p, text, 1);
    const char *deep[] = {HOSTILE("inner"), HOSTILE("deep")};
    assert_cond_names(hostile_evil_inner_deep_exists().p, deep, 2);
    const char *list_deep[] = {HOSTILE("inners"), HOSTILE("deep")};
    assert_cond_names(hostile_evil_inners_deep_exists(1).p, list_deep, 2);
    const char *words[] = {HOSTILE("words")};
    assert_cond_names(hostile_evil_words_at_eq(0, "w").p, words, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_injection),
        cmocka_unit_test(test_descriptors),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_item_names),
        cmocka_unit_test(test_builder_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
