/*
 * test_fields.c - attribute options of the generated code against the
 * engine under test (tests/integration/fields.yaml): compressed values.
 * Fails, never skips, without DDB_TEST_ENDPOINT.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ddb_test.h"

#include "fields.h"

static ddb_client *client;
static const ddb_model *const models[] = {&fld_page_model};

static int setup(void **state)
{
    (void)state;
    if (ddbt_models_client(&client, "fields", models, 1) != 0)
        return -1;
    return ddbt_create_model_tables(models, 1);
}

static int teardown(void **state)
{
    (void)state;
    return ddbt_models_teardown(client, models, 1);
}

/* n bytes of text that compresses well but is not all one byte. */
static char *page_text(size_t n, unsigned seed)
{
    char *s = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        s[i] = "<p>lorem ipsum dolor sit amet</p>\n"[(i + seed) % 34];
    s[n] = '\0';
    return s;
}

/* The attribute `name` of the stored item (site, path), as DynamoDB holds
 * it: a new copy (caller frees), NULL when absent. */
static ddb_av *stored(const char *site, const char *path, const char *name)
{
    ddb_av *key = ddb_av_new(DDB_AV_M);
    ddb_av_map_set(key, "site", ddb_av_s(site));
    ddb_av_map_set(key, "path", ddb_av_s(path));
    ddb_get_item_input in = DDB_GET_ITEM_INPUT_INIT;
    in.table_name = "Pages";
    in.key = key;
    in.consistent_read = true;
    ddb_get_item_output out;
    DDBT_ASSERT_OK(ddb_get_item(&out, client, &in));
    ddb_av_free(key);
    assert_non_null(out.item);
    const ddb_av *v = ddb_av_map_get(out.item, name);
    ddb_av *copy = v != NULL ? ddb_av_clone(v) : NULL;
    ddb_get_item_output_free(&out);
    return copy;
}

/* A page of 2 MB is stored: compressed it fits in an item (400 KB), and it
 * comes back whole, from get, query and scan. */
static void test_page_larger_than_an_item(void **state)
{
    (void)state;
    fld_page p;
    fld_page_init(&p);
    p.site = ddb_strdup("example.org");
    p.path = ddb_strdup("/big");
    p.html = page_text(2u << 20, 0);
    p.meta = ddb_strdup("{\"title\":\"big\",\"words\":[\"lorem\",\"ipsum\"]}");
    p.note = ddb_strdup("short: stays raw");
    p.raw = (ddb_bytes){(unsigned char *)page_text(4096, 7), 4096};
    DDBT_ASSERT_OK(fld_page_put(&p, FLD_PAGE_NO_COND));

    ddb_av *html = stored("example.org", "/big", "html");
    assert_int_equal(html->type, DDB_AV_B);
    assert_int_equal((unsigned char)html->u.str.ptr[0], DDB_COMPRESS_ZLIB);
    assert_true(html->u.str.len < 100u * 1024);
    ddb_av_free(html);
    ddb_av *note = stored("example.org", "/big", "note");
    assert_int_equal(note->type, DDB_AV_B);
    assert_int_equal((unsigned char)note->u.str.ptr[0], DDB_COMPRESS_RAW); /* under min_size */
    assert_memory_equal(note->u.str.ptr + 1, "short: stays raw", 16);
    ddb_av_free(note);

    fld_page back;
    fld_page_init(&back);
    DDBT_ASSERT_OK(fld_page_get(&back, "example.org", "/big", NULL));
    assert_string_equal(back.html, p.html);
    assert_string_equal(back.meta, p.meta);
    assert_string_equal(back.note, p.note);
    assert_int_equal(back.raw.len, 4096);
    assert_memory_equal(back.raw.data, p.raw.data, 4096);

    ddb_iter *it = NULL;
    DDBT_ASSERT_OK(fld_page_query(&it, "example.org", FLD_PAGE_NO_RANGE, fld_page_html_exists(), NULL));
    fld_page q;
    fld_page_init(&q);
    assert_int_equal(fld_page_next(&q, it), 1);
    assert_string_equal(q.html, p.html);
    ddb_iter_free(it);
    fld_page_clear(&q);
    fld_page_clear(&back);
    fld_page_clear(&p);
}

/* Update actions store the compressed form; conditions test presence. */
static void test_updates_and_presence(void **state)
{
    (void)state;
    fld_page p;
    fld_page_init(&p);
    p.site = ddb_strdup("example.org");
    p.path = ddb_strdup("/upd");
    DDBT_ASSERT_OK(fld_page_put(&p, FLD_PAGE_NO_COND));
    char *text = page_text(300000, 3);
    /* set only while absent; then the page has it */
    DDBT_ASSERT_OK(fld_page_update(&p, fld_page_set_html(text), fld_page_html_not_exists()));
    assert_string_equal(p.html, text); /* refreshed from the stored, compressed, form */
    assert_int_equal(fld_page_update(&p, fld_page_set_html("again"), fld_page_html_not_exists()), DDB_ECONDITION);
    ddb_av *html = stored("example.org", "/upd", "html");
    assert_int_equal(html->type, DDB_AV_B);
    assert_true(html->u.str.len < 20000);
    ddb_av_free(html);
    /* a map member compressed on its own */
    fld_excerpt ex;
    fld_excerpt_init(&ex);
    ex.lang = ddb_strdup("la");
    ex.text = page_text(500, 1);
    DDBT_ASSERT_OK(fld_page_update(&p, fld_page_set_summary(ex), FLD_PAGE_NO_COND));
    fld_excerpt_clear(&ex); /* the builder copied it */
    assert_true(p.has_summary);
    assert_int_equal(strlen(p.summary.text), 500);
    char *shorter = page_text(200, 2);
    DDBT_ASSERT_OK(fld_page_update(&p, fld_page_set_summary_text(shorter), fld_page_summary_text_exists()));
    assert_string_equal(p.summary.text, shorter);
    ddb_av *summary = stored("example.org", "/upd", "summary");
    assert_int_equal(ddb_av_map_get(summary, "text")->type, DDB_AV_B);
    assert_int_equal(ddb_av_map_get(summary, "lang")->type, DDB_AV_S);
    ddb_av_free(summary);
    /* remove */
    DDBT_ASSERT_OK(fld_page_update(&p, fld_page_remove_html(), fld_page_html_exists()));
    assert_null(p.html);
    free(shorter);
    free(text);
    fld_page_clear(&p);
}

/* A stored value the codec refuses is DDB_ETYPE naming the attribute, and
 * the object is left as it was. */
static void test_refused_stored_values(void **state)
{
    (void)state;
    static const char *const bad[][2] = {
        {"\x07junk", "unknown compression codec 0x07"},
        {"\x01\x80\x80\x80\x80\x40", "refused before inflating"}, /* declares 2^34 bytes */
        {"\x01\x0a\x78\x9c\x01\x02", "corrupt or truncated"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ddb_av *item = ddb_av_new(DDB_AV_M);
        ddb_av_map_set(item, "site", ddb_av_s("example.org"));
        ddb_av_map_set(item, "path", ddb_av_s("/bad"));
        ddb_av_map_set(item, "html", ddb_av_b(bad[i][0], strlen(bad[i][0])));
        ddb_put_item_input in = DDB_PUT_ITEM_INPUT_INIT;
        in.table_name = "Pages";
        in.item = item;
        ddb_write_item_output out;
        DDBT_ASSERT_OK(ddb_put_item(&out, client, &in));
        ddb_write_item_output_free(&out);
        ddb_av_free(item);
        fld_page p;
        fld_page_init(&p);
        assert_int_equal(fld_page_get(&p, "example.org", "/bad", NULL), DDB_ETYPE);
        assert_non_null(strstr(ddb_last_error()->message, "fld_page.html"));
        if (strstr(ddb_last_error()->message, bad[i][1]) == NULL)
            fail_msg("case %zu: \"%s\" does not say \"%s\"", i, ddb_last_error()->message, bad[i][1]);
        assert_null(p.site);
        fld_page_clear(&p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_page_larger_than_an_item),
        cmocka_unit_test(test_updates_and_presence),
        cmocka_unit_test(test_refused_stored_values),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
