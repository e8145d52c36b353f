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
static const ddb_model *const models[] = {&fld_page_model, &fld_account_model, &fld_vault_model, &fld_doc_model};
#define N_MODELS (sizeof models / sizeof models[0])
static ddb_keyring *keys;
static const unsigned char K1[DDB_KEY_SIZE] = "integration-test-key-number-one!";
static const unsigned char K2[DDB_KEY_SIZE] = "integration-test-key-number-two!";

static ddb_client *s3;
static ddb_s3_bucket docs_bucket;

static int setup(void **state)
{
    (void)state;
    if (ddb_keyring_new(&keys) != 0 || ddb_keyring_add(keys, "k1", K1) != 0)
        return -1;
    ddb_client_config s3cfg = DDB_CLIENT_CONFIG_INIT;
    s3cfg.service = "s3";
    s3cfg.endpoint = getenv("DDB_TEST_S3_ENDPOINT");
    if (ddb_client_new(&s3, &s3cfg) != 0)
        return -1;
    docs_bucket = (ddb_s3_bucket){s3, "ddbc-docs", false};
    if (ddb_s3_create_bucket(&docs_bucket) != 0) {
        fprintf(stderr, "bucket: %s\n", ddbt_last_error());
        return -1;
    }
    fld_doc_use_s3(s3);
    fld_account_use_keyring(keys);
    fld_vault_use_keyring(keys);
    if (ddbt_models_client(&client, "fields", models, N_MODELS) != 0)
        return -1;
    return ddbt_create_model_tables(models, N_MODELS);
}

static int teardown(void **state)
{
    (void)state;
    int rc = ddbt_models_teardown(client, models, N_MODELS);
    fld_account_use_keyring(NULL);
    fld_vault_use_keyring(NULL);
    fld_doc_use_s3(NULL);
    ddb_client_free(s3);
    ddb_keyring_free(keys);
    return rc;
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

/* Attribute `name` of the stored item with `key` (taken) in `table`, as
 * DynamoDB holds it: a new copy (caller frees), NULL when absent. */
static ddb_av *stored_in(const char *table, ddb_av *key, const char *name)
{
    ddb_get_item_input in = DDB_GET_ITEM_INPUT_INIT;
    in.table_name = table;
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

/* The attribute `name` of the stored page (site, path). */
static ddb_av *stored(const char *site, const char *path, const char *name)
{
    ddb_av *key = ddb_av_new(DDB_AV_M);
    ddb_av_map_set(key, "site", ddb_av_s(site));
    ddb_av_map_set(key, "path", ddb_av_s(path));
    return stored_in("Pages", key, name);
}

static ddb_av *stored_account(const char *id, const char *name)
{
    ddb_av *key = ddb_av_new(DDB_AV_M);
    ddb_av_map_set(key, "id", ddb_av_s(id));
    return stored_in("Accounts", key, name);
}

/* Writes attribute `name` = `v` (taken) into the stored account `id`,
 * bypassing the model: what someone with write access to the table can do. */
static void overwrite_account(const char *id, const char *name, ddb_av *v)
{
    ddb_av *key = ddb_av_new(DDB_AV_M);
    ddb_av_map_set(key, "id", ddb_av_s(id));
    ddb_av *values = ddb_av_new(DDB_AV_M);
    ddb_av_map_set(values, ":v", v);
    ddb_av *names = ddb_av_new(DDB_AV_M);
    ddb_av_map_set(names, "#a", ddb_av_s(name));
    ddb_update_item_input in = DDB_UPDATE_ITEM_INPUT_INIT;
    in.table_name = "Accounts";
    in.key = key;
    in.update_expression = "SET #a = :v";
    in.names = names;
    in.values = values;
    ddb_write_item_output out;
    DDBT_ASSERT_OK(ddb_update_item(&out, client, &in));
    ddb_write_item_output_free(&out);
    ddb_av_free(key);
    ddb_av_free(values);
    ddb_av_free(names);
}

static void make_account(fld_account *a, const char *id, const char *email)
{
    fld_account_init(a);
    a->id = ddb_strdup(id);
    a->email = ddb_strdup(email);
    a->ssn = ddb_strdup("078-05-1120");
    a->nickname = ddb_strdup("");
    a->has_salary = true;
    a->salary = -123456789;
    a->has_score = true;
    a->score = 0.1;
    a->notes = ddb_strdup("{\"history\":[\"opened\",\"verified\",\"opened\",\"verified\"]}");
    a->photo = (ddb_bytes){(unsigned char *)ddb_strdup("\x89PNG"), 4};
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

/* Every encrypted type round trips; what DynamoDB holds is ciphertext;
 * deterministic values are equal across items, random ones are not. */
static void test_encrypted_round_trip(void **state)
{
    (void)state;
    fld_account a, b, back;
    make_account(&a, "acct-1", "ann@example.org");
    make_account(&b, "acct-2", "ann@example.org");
    DDBT_ASSERT_OK(fld_account_put(&a, FLD_ACCOUNT_NO_COND));
    DDBT_ASSERT_OK(fld_account_put(&b, FLD_ACCOUNT_NO_COND));
    fld_account_init(&back);
    DDBT_ASSERT_OK(fld_account_get(&back, "acct-1", NULL));
    assert_string_equal(back.email, a.email);
    assert_string_equal(back.ssn, a.ssn);
    assert_string_equal(back.nickname, ""); /* an empty value */
    assert_true(back.has_salary && back.salary == -123456789);
    assert_true(back.has_score && back.score == 0.1);
    assert_string_equal(back.notes, a.notes);
    assert_int_equal(back.photo.len, 4);
    assert_memory_equal(back.photo.data, "\x89PNG", 4);
    const char *names[] = {"email", "ssn", "nickname", "salary", "score", "notes", "photo"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        ddb_av *v = stored_account("acct-1", names[i]);
        assert_non_null(v);
        assert_int_equal(v->type, DDB_AV_B);
        assert_int_equal((unsigned char)v->u.str.ptr[0], 1); /* format */
        for (size_t k = 0; k + 6 <= v->u.str.len; k++) /* no plaintext in what is stored */
            assert_memory_not_equal(v->u.str.ptr + k, "078-05", 6);
        ddb_av_free(v);
    }
    ddb_av *e1 = stored_account("acct-1", "email"), *e2 = stored_account("acct-2", "email");
    ddb_av *s1 = stored_account("acct-1", "ssn"), *s2 = stored_account("acct-2", "ssn");
    assert_true(ddb_av_equal(e1, e2));  /* deterministic */
    assert_false(ddb_av_equal(s1, s2)); /* random */
    ddb_av_free(e1);
    ddb_av_free(e2);
    ddb_av_free(s1);
    ddb_av_free(s2);
    fld_account_clear(&back);
    fld_account_clear(&a);
    fld_account_clear(&b);
}

/* Deterministic attributes: equality conditions, an index query, and a
 * table whose key is encrypted. Updates encrypt what they set. */
static void test_encrypted_queries_and_updates(void **state)
{
    (void)state;
    fld_account a;
    make_account(&a, "acct-3", "bob@example.org");
    DDBT_ASSERT_OK(fld_account_put(&a, FLD_ACCOUNT_NO_COND));
    /* an update conditioned on an encrypted value, setting others */
    assert_int_equal(fld_account_update(&a, fld_account_set_salary(1), fld_account_email_eq("eve@example.org")),
                     DDB_ECONDITION);
    DDBT_ASSERT_OK(fld_account_update(&a, fld_account_action_join(fld_account_set_salary(99000),
                                                                  fld_account_set_ssn("219-09-9999")),
                                      fld_account_cond_and(fld_account_email_eq("bob@example.org"),
                                                           fld_account_score_eq(0.1))));
    assert_true(a.salary == 99000);
    assert_string_equal(a.ssn, "219-09-9999");
    fld_account got;
    fld_account_init(&got);
    DDBT_ASSERT_OK(fld_account_get(&got, "acct-3", NULL));
    assert_true(got.salary == 99000);
    assert_string_equal(got.ssn, "219-09-9999");
    fld_account_clear(&got);
    /* the index on the encrypted email finds the account by its address */
    ddb_iter *it = NULL;
    DDBT_ASSERT_OK(fld_account_by_email_query(&it, "bob@example.org", FLD_ACCOUNT_BY_EMAIL_NO_RANGE,
                                              FLD_ACCOUNT_NO_COND, NULL));
    fld_account_init(&got);
    int found = 0, rc;
    while ((rc = fld_account_next(&got, it)) == 1)
        found += strcmp(got.id, "acct-3") == 0;
    assert_int_equal(rc, 0);
    assert_int_equal(found, 1);
    ddb_iter_free(it);
    fld_account_clear(&got);
    /* a scan filtered on an encrypted value */
    DDBT_ASSERT_OK(fld_account_scan(&it, fld_account_email_eq("bob@example.org"), NULL));
    fld_account_init(&got);
    assert_int_equal(fld_account_next(&got, it), 1);
    assert_string_equal(got.id, "acct-3");
    ddb_iter_free(it);
    fld_account_clear(&got);
    /* an encrypted key: put, get, delete by the plain value */
    fld_vault v, w;
    fld_vault_init(&v);
    v.owner = ddb_strdup("carol");
    v.secret = ddb_strdup("the combination is 12-34-56");
    DDBT_ASSERT_OK(fld_vault_put(&v, FLD_VAULT_NO_COND));
    fld_vault_init(&w);
    DDBT_ASSERT_OK(fld_vault_get(&w, "carol", NULL));
    assert_string_equal(w.secret, v.secret);
    bool exists = false;
    DDBT_ASSERT_OK(fld_vault_exists(&exists, "carol", NULL));
    assert_true(exists);
    DDBT_ASSERT_OK(fld_vault_delete(&w, FLD_VAULT_NO_COND));
    assert_int_equal(fld_vault_get(&w, "carol", NULL), DDB_ENOTFOUND);
    fld_vault_clear(&v);
    fld_vault_clear(&w);
    fld_account_clear(&a);
}

/* A ciphertext copied to another item or attribute, a tampered one, a
 * wrong or unknown key: DDB_ECRYPTO naming the attribute; the object is
 * left as it was. */
static void test_encrypted_values_moved_or_tampered(void **state)
{
    (void)state;
    fld_account a, b, got;
    make_account(&a, "acct-5", "dan@example.org");
    make_account(&b, "acct-6", "fay@example.org");
    DDBT_ASSERT_OK(fld_account_put(&a, FLD_ACCOUNT_NO_COND));
    DDBT_ASSERT_OK(fld_account_put(&b, FLD_ACCOUNT_NO_COND));
    /* a's ssn copied into b */
    overwrite_account("acct-6", "ssn", stored_account("acct-5", "ssn"));
    fld_account_init(&got);
    assert_int_equal(fld_account_get(&got, "acct-6", NULL), DDB_ECRYPTO);
    assert_non_null(strstr(ddb_last_error()->message, "fld_account.ssn"));
    assert_non_null(strstr(ddb_last_error()->message, "does not authenticate"));
    assert_null(got.id);
    /* a's ssn copied into a's nickname (same type, same mode) */
    overwrite_account("acct-5", "nickname", stored_account("acct-5", "ssn"));
    assert_int_equal(fld_account_get(&got, "acct-5", NULL), DDB_ECRYPTO);
    assert_non_null(strstr(ddb_last_error()->message, "nickname"));
    /* one bit of the salary flipped */
    DDBT_ASSERT_OK(fld_account_put(&a, FLD_ACCOUNT_NO_COND));
    ddb_av *salary = stored_account("acct-5", "salary");
    salary->u.str.ptr[salary->u.str.len - 3] ^= 0x10;
    overwrite_account("acct-5", "salary", salary);
    assert_int_equal(fld_account_get(&got, "acct-5", NULL), DDB_ECRYPTO);
    assert_non_null(strstr(ddb_last_error()->message, "salary"));
    /* another key under the same id, then an unknown id */
    DDBT_ASSERT_OK(fld_account_put(&a, FLD_ACCOUNT_NO_COND));
    ddb_keyring *impostor = NULL;
    ddb_keyring_new(&impostor);
    ddb_keyring_add(impostor, "k1", K2);
    fld_account_use_keyring(impostor);
    assert_int_equal(fld_account_get(&got, "acct-5", NULL), DDB_ECRYPTO);
    ddb_keyring *stranger = NULL;
    ddb_keyring_new(&stranger);
    ddb_keyring_add(stranger, "k9", K2);
    fld_account_use_keyring(stranger);
    assert_int_equal(fld_account_get(&got, "acct-5", NULL), DDB_ECRYPTO);
    assert_non_null(strstr(ddb_last_error()->message, "key id 'k1' is not in the keyring"));
    fld_account_use_keyring(keys);
    ddb_keyring_free(impostor);
    ddb_keyring_free(stranger);
    DDBT_ASSERT_OK(fld_account_get(&got, "acct-5", NULL));
    assert_string_equal(got.ssn, "078-05-1120");
    fld_account_clear(&got);
    fld_account_clear(&a);
    fld_account_clear(&b);
}

/* Rotation: after a new primary key, old values still read, new writes
 * use the new key. */
static void test_key_rotation(void **state)
{
    (void)state;
    fld_account a, got;
    make_account(&a, "acct-7", "gil@example.org");
    DDBT_ASSERT_OK(fld_account_put(&a, FLD_ACCOUNT_NO_COND));
    ddb_keyring *rotated = NULL;
    ddb_keyring_new(&rotated);
    ddb_keyring_add(rotated, "k1", K1);
    ddb_keyring_add(rotated, "k2", K2);
    DDBT_ASSERT_OK(ddb_keyring_set_primary(rotated, "k2"));
    fld_account_use_keyring(rotated);
    fld_account_init(&got);
    DDBT_ASSERT_OK(fld_account_get(&got, "acct-7", NULL)); /* read under k1 */
    assert_string_equal(got.ssn, a.ssn);
    DDBT_ASSERT_OK(fld_account_put(&got, FLD_ACCOUNT_NO_COND)); /* written under k2 */
    ddb_av *ssn = stored_account("acct-7", "ssn");
    assert_memory_equal(ssn->u.str.ptr + 2, "\x02k2", 3);
    ddb_av_free(ssn);
    fld_account_use_keyring(keys); /* k1 alone cannot read it any more */
    assert_int_equal(fld_account_get(&got, "acct-7", NULL), DDB_ECRYPTO);
    fld_account_use_keyring(NULL);
    ddb_keyring_free(rotated);
    fld_account_use_keyring(keys);
    fld_account_clear(&got);
    fld_account_clear(&a);
}

/* A KMS client for the engine's KMS (moto) and a KMS key: DDB_TEST_KMS_KEY_ID,
 * or one made now. */
static ddb_client *kms_client(char *key_id, size_t size)
{
    ddb_client_config cfg = DDB_CLIENT_CONFIG_INIT;
    cfg.service = "kms";
    cfg.endpoint = getenv("DDB_TEST_KMS_ENDPOINT");
    ddb_client *kms = NULL;
    DDBT_ASSERT_OK(ddb_client_new(&kms, &cfg));
    const char *given = getenv("DDB_TEST_KMS_KEY_ID");
    if (given != NULL && given[0] != '\0') {
        snprintf(key_id, size, "%s", given);
        return kms;
    }
    ddb_buf resp = DDB_BUF_INIT;
    DDBT_ASSERT_OK(ddb_client_call(&resp, kms, "CreateKey", NULL, "{\"Description\":\"ddbc test\"}", 27));
    const char *at = strstr(ddb_buf_cstr(&resp), "\"KeyId\": \"");
    size_t skip = 10;
    if (at == NULL) {
        at = strstr(ddb_buf_cstr(&resp), "\"KeyId\":\"");
        skip = 9;
    }
    assert_non_null(at);
    at += skip;
    size_t n = strcspn(at, "\"");
    assert_true(n > 0 && n < size);
    memcpy(key_id, at, n);
    key_id[n] = '\0';
    ddb_buf_free(&resp);
    return kms;
}

/* The byte after the format byte: the mode, with the envelope flag. */
static unsigned mode_byte(const char *id, const char *name)
{
    ddb_av *v = stored_account(id, name);
    unsigned m = (unsigned char)v->u.str.ptr[1];
    ddb_av_free(v);
    return m;
}

static void key_id_of(char *out, const char *id, const char *name)
{
    ddb_av *v = stored_account(id, name);
    size_t n = (unsigned char)v->u.str.ptr[2];
    memcpy(out, v->u.str.ptr + 3, n);
    out[n] = '\0';
    ddb_av_free(v);
}

/* Envelope encryption with KMS: randomized values carry their data key
 * wrapped by KMS; a data key serves max_uses values; another keyring with
 * the same KMS key reads them (unwrapping through KMS); a value whose
 * wrapped key was swapped is refused. Deterministic values use a stable
 * key that KMS wrapped once. */
static void test_kms_keyring(void **state)
{
    (void)state;
    char cmk[256];
    ddb_client *kms = kms_client(cmk, sizeof cmk);
    ddb_buf stable = DDB_BUF_INIT;
    DDBT_ASSERT_OK(ddb_kms_new_wrapped_key(&stable, kms, cmk));
    ddb_keyring *ring = NULL;
    DDBT_ASSERT_OK(ddb_keyring_new(&ring));
    DDBT_ASSERT_OK(ddb_keyring_add_kms_wrapped(ring, "stable-1", kms, cmk, stable.data, stable.len));
    ddb_kms_opts opts = DDB_KMS_OPTS_INIT;
    opts.max_uses = 7; /* each account seals 5 randomized values */
    DDBT_ASSERT_OK(ddb_keyring_use_kms(ring, kms, cmk, &opts));
    fld_account_use_keyring(ring);
    fld_account a, b;
    make_account(&a, "kms-1", "kim@example.org");
    make_account(&b, "kms-2", "lee@example.org");
    DDBT_ASSERT_OK(fld_account_put(&a, FLD_ACCOUNT_NO_COND));
    DDBT_ASSERT_OK(fld_account_put(&b, FLD_ACCOUNT_NO_COND));
    assert_int_equal(mode_byte("kms-1", "ssn"), 0x81);   /* randomized, envelope */
    assert_int_equal(mode_byte("kms-1", "email"), 0x02); /* deterministic: the stable key */
    char id1[256], id2[256], id3[256];
    key_id_of(id1, "kms-1", "ssn");
    key_id_of(id2, "kms-1", "photo");
    key_id_of(id3, "kms-2", "photo");
    assert_memory_equal(id1, "kms:", 4);
    assert_string_equal(id1, id2);    /* one data key for several values */
    assert_string_not_equal(id1, id3); /* a new one after max_uses */
    /* another program: the same KMS key and stable wrapped key, no cache */
    ddb_keyring *reader = NULL;
    DDBT_ASSERT_OK(ddb_keyring_new(&reader));
    DDBT_ASSERT_OK(ddb_keyring_add_kms_wrapped(reader, "stable-1", kms, cmk, stable.data, stable.len));
    DDBT_ASSERT_OK(ddb_keyring_use_kms(reader, kms, cmk, NULL));
    fld_account_use_keyring(reader);
    fld_account got;
    fld_account_init(&got);
    DDBT_ASSERT_OK(fld_account_get(&got, "kms-2", NULL));
    assert_string_equal(got.ssn, b.ssn);
    assert_true(got.salary == b.salary);
    ddb_iter *it = NULL; /* the deterministic email, through its index */
    DDBT_ASSERT_OK(fld_account_by_email_query(&it, "kim@example.org", FLD_ACCOUNT_BY_EMAIL_NO_RANGE,
                                              FLD_ACCOUNT_NO_COND, NULL));
    assert_int_equal(fld_account_next(&got, it), 1);
    assert_string_equal(got.id, "kms-1");
    assert_string_equal(got.ssn, a.ssn);
    ddb_iter_free(it);
    /* kms-2's ssn with the wrapped data key of its photo (another data key,
     * see id3) swapped in: refused */
    ddb_av *ssn1 = stored_account("kms-2", "photo"), *ssn2 = stored_account("kms-2", "ssn");
    size_t head1 = 3 + (unsigned char)ssn1->u.str.ptr[2], head2 = 3 + (unsigned char)ssn2->u.str.ptr[2];
    size_t w1 = (size_t)(unsigned char)ssn1->u.str.ptr[head1] << 8 | (unsigned char)ssn1->u.str.ptr[head1 + 1];
    size_t w2 = (size_t)(unsigned char)ssn2->u.str.ptr[head2] << 8 | (unsigned char)ssn2->u.str.ptr[head2 + 1];
    ddb_buf forged = DDB_BUF_INIT;
    ddb_buf_append(&forged, ssn2->u.str.ptr, head2);
    ddb_buf_append(&forged, ssn1->u.str.ptr + head1, 2 + w1);
    ddb_buf_append(&forged, ssn2->u.str.ptr + head2 + 2 + w2, ssn2->u.str.len - head2 - 2 - w2);
    overwrite_account("kms-2", "ssn", ddb_av_b(forged.data, forged.len));
    assert_int_equal(fld_account_get(&got, "kms-2", NULL), DDB_ECRYPTO);
    assert_non_null(strstr(ddb_last_error()->message, "does not name the wrapped data key"));
    ddb_buf_free(&forged);
    ddb_av_free(ssn1);
    ddb_av_free(ssn2);
    fld_account_use_keyring(keys);
    fld_account_clear(&got);
    fld_account_clear(&a);
    fld_account_clear(&b);
    ddb_keyring_free(reader);
    ddb_keyring_free(ring);
    ddb_buf_free(&stable);
    ddb_client_free(kms);
}

/* Re-encryption after rotation: items move under the new key — a table
 * whose key is encrypted too (the item's key changes: put and delete in
 * one transaction); items that cannot be read are counted and left. */
static void test_reencrypt_table(void **state)
{
    (void)state;
    static const char *const owners[] = {"ada", "bea", "cyd"};
    for (size_t i = 0; i < 3; i++) {
        fld_vault v;
        fld_vault_init(&v);
        v.owner = ddb_strdup(owners[i]);
        v.secret = ddb_strdup("under k1");
        DDBT_ASSERT_OK(fld_vault_put(&v, FLD_VAULT_NO_COND));
        fld_vault_clear(&v);
    }
    ddb_keyring *rotated = NULL;
    ddb_keyring_new(&rotated);
    ddb_keyring_add(rotated, "k1", K1);
    ddb_keyring_add(rotated, "k2", K2);
    DDBT_ASSERT_OK(ddb_keyring_set_primary(rotated, "k2"));
    fld_vault_use_keyring(rotated);
    fld_vault v;
    fld_vault_init(&v);
    /* before: the owner encrypts under k2 now, and the items are under k1 */
    assert_int_equal(fld_vault_get(&v, "ada", NULL), DDB_ENOTFOUND);
    ddb_reencrypt_stats st;
    int rc = fld_vault_reencrypt(&st);
    if (ddbt_deviates("no_transactions")) {
        ddbt_assert_unknown_operation(rc);
    } else {
        DDBT_ASSERT_OK(rc);
        assert_int_equal(st.scanned, 3);
        assert_int_equal(st.rewritten, 3);
        assert_int_equal(st.conflicts + st.unreadable, 0);
        for (size_t i = 0; i < 3; i++) {
            DDBT_ASSERT_OK(fld_vault_get(&v, owners[i], NULL));
            assert_string_equal(v.secret, "under k1");
        }
        DDBT_ASSERT_OK(fld_vault_reencrypt(&st)); /* nothing left to do */
        assert_int_equal(st.scanned, 3);
        assert_int_equal(st.rewritten, 0);
    }
    fld_vault_clear(&v);
    fld_vault_use_keyring(keys);
    /* accounts: some items were damaged by earlier tests on purpose */
    fld_account_use_keyring(rotated);
    rc = fld_account_reencrypt(&st);
    assert_int_equal(rc, DDB_ECRYPTO);
    assert_true(st.unreadable >= 1);
    assert_true(st.rewritten >= 3);
    assert_non_null(strstr(ddb_last_error()->message, "could not be read and were left as they are"));
    char id[8];
    key_id_of(id, "acct-1", "ssn");
    assert_string_equal(id, "k2");
    fld_account_use_keyring(keys);
    ddb_keyring_free(rotated);
}

/* The objects under one attribute's prefix in the docs bucket. */
static size_t objects_under(const char *prefix)
{
    ddb_s3_listing l;
    DDBT_ASSERT_OK(ddb_s3_list(&l, &docs_bucket, prefix, NULL, 1000));
    size_t n = l.n;
    ddb_s3_listing_free(&l);
    return n;
}

static ddb_av *stored_doc(const char *id, const char *name)
{
    ddb_av *key = ddb_av_new(DDB_AV_M);
    ddb_av_map_set(key, "id", ddb_av_s(id));
    return stored_in("Docs", key, name);
}

static void put_doc(const char *id, const char *body, ddb_cond *extra)
{
    fld_doc d;
    fld_doc_init(&d);
    d.id = ddb_strdup(id);
    d.body = ddb_strdup(body);
    int rc = fld_doc_put(&d, (fld_doc_cond){extra});
    if (extra == NULL)
        DDBT_ASSERT_OK(rc);
    else
        assert_int_equal(rc, DDB_ECONDITION);
    fld_doc_clear(&d);
}

/* S3-backed attributes: bodies in S3, pointers in items; identical values
 * upload once; overwrites, deletes and failed writes leave no orphans;
 * pointers and objects that do not belong are refused; the GC keeps young
 * and referenced objects and deletes the rest. */
static void test_s3_backed(void **state)
{
    (void)state;
    const char *prefix = "bodies/Docs/body/";
    size_t before = objects_under(prefix);
    char *big = page_text(1u << 20, 5);
    put_doc("d1", big, NULL);
    ddb_av *p = stored_doc("d1", "body");
    assert_int_equal(p->type, DDB_AV_S);
    assert_memory_equal(p->u.str.ptr, "s3://ddbc-docs/bodies/Docs/body/", 32);
    ddb_av_free(p);
    assert_int_equal(objects_under(prefix), before + 1);
    fld_doc d;
    fld_doc_init(&d);
    DDBT_ASSERT_OK(fld_doc_get(&d, "d1", NULL));
    assert_string_equal(d.body, big);
    /* the same value again: nothing new; a new value: the old object goes */
    put_doc("d1", big, NULL);
    assert_int_equal(objects_under(prefix), before + 1);
    put_doc("d1", "a second, shorter body that is still long enough to be compressed by zlib", NULL);
    assert_int_equal(objects_under(prefix), before + 1);
    /* a write that fails removes what it uploaded */
    ddb_cond *never = ddb_cond_not_exists("id"); /* d1 exists */
    put_doc("d1", "a third body, never written because the condition fails", never);
    assert_int_equal(objects_under(prefix), before + 1);
    DDBT_ASSERT_OK(fld_doc_get(&d, "d1", NULL));
    assert_string_equal(d.body, "a second, shorter body that is still long enough to be compressed by zlib");
    /* deferred bodies: read without them, then fetch; present fields stay */
    fld_doc_clear(&d);
    static const char *const no_bodies[] = {"title"};
    DDBT_ASSERT_OK(fld_doc_get(&d, "d1", DDB_GET_OPTS(.attributes = no_bodies, .n_attributes = 1)));
    assert_null(d.body);
    assert_null(d.raw.data);
    DDBT_ASSERT_OK(fld_doc_s3_fetch(&d));
    assert_string_equal(d.body, "a second, shorter body that is still long enough to be compressed by zlib");
    assert_null(d.raw.data); /* d1 has none */
    free(d.body);
    d.body = ddb_strdup("kept: a value the object holds is not fetched again");
    DDBT_ASSERT_OK(fld_doc_s3_fetch(&d));
    assert_string_equal(d.body, "kept: a value the object holds is not fetched again");
    /* batches, transactions and plain conversions cannot upload: refused
     * before anything is sent (docs/s3.md) */
    ddb_batch_writer *bw = NULL;
    DDBT_ASSERT_OK(ddb_batch_writer_new(&bw, client, NULL));
    assert_int_equal(fld_doc_batch_put(bw, &d), DDB_EINVAL);
    assert_non_null(strstr(ddb_last_error()->message, "attribute body is stored in S3"));
    ddb_batch_writer_free(bw);
    ddb_txn *txn = NULL;
    DDBT_ASSERT_OK(ddb_txn_new(&txn, client, NULL));
    assert_int_equal(fld_doc_txn_put(txn, &d, FLD_DOC_NO_COND), DDB_EINVAL);
    ddb_txn_free(txn);
    ddb_av *plain = NULL;
    assert_int_equal(fld_doc_to_item(&plain, &d), DDB_EINVAL);
    assert_null(plain);
    fld_doc defer;
    fld_doc_init(&defer);
    defer.id = ddb_strdup("no-such-doc");
    assert_int_equal(fld_doc_s3_fetch(&defer), DDB_ENOTFOUND);
    assert_null(defer.body);
    fld_doc_clear(&defer);
    /* pointers and objects that do not belong */
    put_doc("d2", "the body of d2, which d3 will try to point at", NULL);
    put_doc("d3", "the body of d3", NULL);
    ddb_av *d2ptr = stored_doc("d2", "body");
    ddb_av *key3 = ddb_av_new(DDB_AV_M);
    ddb_av_map_set(key3, "id", ddb_av_s("d3"));
    ddb_av *names = ddb_av_new(DDB_AV_M), *values = ddb_av_new(DDB_AV_M);
    ddb_av_map_set(names, "#b", ddb_av_s("body"));
    ddb_av_map_set(values, ":v", ddb_av_clone(d2ptr));
    ddb_update_item_input up = DDB_UPDATE_ITEM_INPUT_INIT;
    up.table_name = "Docs";
    up.key = key3;
    up.update_expression = "SET #b = :v";
    up.names = names;
    up.values = values;
    ddb_write_item_output wo;
    DDBT_ASSERT_OK(ddb_update_item(&wo, client, &up));
    ddb_write_item_output_free(&wo);
    assert_int_equal(fld_doc_get(&d, "d3", NULL), DDB_ETYPE);
    assert_non_null(strstr(ddb_last_error()->message, "another item's object"));
    ddb_av_map_set(values, ":v", ddb_av_s("s3://some-other-bucket/secrets/x"));
    DDBT_ASSERT_OK(ddb_update_item(&wo, client, &up));
    ddb_write_item_output_free(&wo);
    assert_int_equal(fld_doc_get(&d, "d3", NULL), DDB_ETYPE);
    assert_non_null(strstr(ddb_last_error()->message, "is not under s3://ddbc-docs/bodies/Docs/body/"));
    /* d2's object replaced by other bytes in S3 */
    const char *d2key = d2ptr->u.str.ptr + strlen("s3://ddbc-docs/");
    DDBT_ASSERT_OK(ddb_s3_put(&docs_bucket, d2key, "tampered", 8, NULL));
    assert_int_equal(fld_doc_get(&d, "d2", NULL), DDB_ETYPE);
    assert_non_null(strstr(ddb_last_error()->message, "does not hold the content its key names"));
    ddb_av_free(d2ptr);
    ddb_av_free(key3);
    ddb_av_free(names);
    ddb_av_free(values);
    /* deleting an item deletes its body */
    size_t n = objects_under(prefix);
    fld_doc gone;
    fld_doc_init(&gone);
    gone.id = ddb_strdup("d1");
    DDBT_ASSERT_OK(fld_doc_delete(&gone, FLD_DOC_NO_COND));
    assert_int_equal(objects_under(prefix), n - 1);
    fld_doc_clear(&gone);
    /* garbage collection: an orphan is young, then collected; referenced
     * objects stay */
    DDBT_ASSERT_OK(ddb_s3_put(&docs_bucket, "bodies/Docs/body/orphan/0000", "lost", 4, NULL));
    ddb_s3_gc_stats st;
    DDBT_ASSERT_OK(fld_doc_s3_gc(&st, 3600));
    assert_int_equal(st.deleted, 0);
    assert_true(st.young >= 1);
    DDBT_ASSERT_OK(fld_doc_s3_gc(&st, -1));
    assert_true(st.deleted >= 1);
    assert_int_equal(st.young, 0);
    assert_true(st.referenced >= 1); /* d2's (replaced content, still referenced) */
    bool exists = true;
    DDBT_ASSERT_OK(ddb_s3_head(&exists, NULL, &docs_bucket, "bodies/Docs/body/orphan/0000"));
    assert_false(exists);
    fld_doc_clear(&d);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_page_larger_than_an_item),
        cmocka_unit_test(test_updates_and_presence),
        cmocka_unit_test(test_refused_stored_values),
        cmocka_unit_test(test_encrypted_round_trip),
        cmocka_unit_test(test_encrypted_queries_and_updates),
        cmocka_unit_test(test_encrypted_values_moved_or_tampered),
        cmocka_unit_test(test_key_rotation),
        cmocka_unit_test(test_kms_keyring),
        cmocka_unit_test(test_reencrypt_table),
        cmocka_unit_test(test_s3_backed),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
