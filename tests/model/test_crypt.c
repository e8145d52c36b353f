/*
 * test_crypt.c - keyrings and the encrypted form of field values
 * (runtime/src/crypt.c, keyring.c): round trips in both modes, empty
 * values, tampering with every byte, values moved between items,
 * attributes and tables, wrong and unknown keys, rotation, key sources.
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

#include "crypt.h"
#include "ddb/ddb.h"

static const unsigned char K1[DDB_KEY_SIZE] = "0123456789abcdef0123456789abcdef";
static const unsigned char K2[DDB_KEY_SIZE] = "fedcba9876543210fedcba9876543210";

static const ddb_seal_ctx ITEM_A = {"Secrets", "note", (const unsigned char *)"Sa", 2};
static const ddb_seal_ctx ITEM_B = {"Secrets", "note", (const unsigned char *)"Sb", 2};
static const ddb_seal_ctx OTHER_ATTR = {"Secrets", "memo", (const unsigned char *)"Sa", 2};
static const ddb_seal_ctx OTHER_TABLE = {"Backups", "note", (const unsigned char *)"Sa", 2};

static ddb_keyring *ring(const char *id, const unsigned char key[DDB_KEY_SIZE])
{
    ddb_keyring *k = NULL;
    assert_int_equal(ddb_keyring_new(&k), 0);
    assert_int_equal(ddb_keyring_add(k, id, key), 0);
    return k;
}

static void seal(ddb_buf *out, ddb_keyring *k, ddb_seal_mode mode, const ddb_seal_ctx *cx, const char *text)
{
    ddb_buf_reset(out);
    assert_int_equal(ddb_seal(out, k, mode, cx, 'S', text, strlen(text)), 0);
}

/* Unseals, returning the code; on success checks the text. */
static int unseal(ddb_keyring *k, ddb_seal_mode mode, const ddb_seal_ctx *cx, const ddb_buf *in, const char *want)
{
    ddb_buf out = DDB_BUF_INIT;
    char kind = 0;
    int rc = ddb_unseal(&out, &kind, k, mode, cx, in->data, in->len);
    if (rc == 0) {
        assert_int_equal(kind, 'S');
        assert_int_equal(out.len, strlen(want));
        assert_memory_equal(out.data, want, out.len);
    } else {
        assert_int_equal(out.len, 0);
    }
    ddb_buf_free(&out);
    return rc;
}

static void test_round_trips_and_modes(void **state)
{
    (void)state;
    ddb_keyring *k = ring("k1", K1);
    ddb_buf a = DDB_BUF_INIT, b = DDB_BUF_INIT;
    /* random: a new nonce each time, both decrypt */
    seal(&a, k, DDB_SEAL_RANDOM, &ITEM_A, "attack at dawn");
    seal(&b, k, DDB_SEAL_RANDOM, &ITEM_A, "attack at dawn");
    assert_int_equal(a.len, 3 + 2 + 12 + 1 + 14 + 16);
    assert_int_equal((unsigned char)a.data[0], DDB_SEAL_FORMAT);
    assert_int_equal((unsigned char)a.data[1], DDB_SEAL_RANDOM);
    assert_memory_equal(a.data + 2, "\x02k1", 3);
    assert_memory_not_equal(a.data, b.data, a.len);
    assert_int_equal(unseal(k, DDB_SEAL_RANDOM, &ITEM_A, &a, "attack at dawn"), 0);
    assert_int_equal(unseal(k, DDB_SEAL_RANDOM, &ITEM_A, &b, "attack at dawn"), 0);
    /* deterministic: equal values encrypt equally, in any item */
    seal(&a, k, DDB_SEAL_DETERMINISTIC, &ITEM_A, "alice@example.org");
    seal(&b, k, DDB_SEAL_DETERMINISTIC, &ITEM_B, "alice@example.org");
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    assert_int_equal(unseal(k, DDB_SEAL_DETERMINISTIC, &ITEM_B, &a, "alice@example.org"), 0);
    seal(&b, k, DDB_SEAL_DETERMINISTIC, &ITEM_A, "bob@example.org");
    assert_true(a.len != b.len || memcmp(a.data, b.data, a.len) != 0);
    /* empty values work in both modes */
    seal(&a, k, DDB_SEAL_RANDOM, &ITEM_A, "");
    assert_int_equal(unseal(k, DDB_SEAL_RANDOM, &ITEM_A, &a, ""), 0);
    seal(&a, k, DDB_SEAL_DETERMINISTIC, &ITEM_A, "");
    seal(&b, k, DDB_SEAL_DETERMINISTIC, &ITEM_A, "");
    assert_memory_equal(a.data, b.data, a.len);
    assert_int_equal(unseal(k, DDB_SEAL_DETERMINISTIC, &ITEM_A, &a, ""), 0);
    /* a value of one mode is refused in the other */
    assert_int_equal(unseal(k, DDB_SEAL_RANDOM, &ITEM_A, &a, ""), DDB_ECRYPTO);
    assert_non_null(strstr(ddb_last_error()->message, "other mode"));
    ddb_buf_free(&a);
    ddb_buf_free(&b);
    ddb_keyring_free(k);
}

/* Every byte of a sealed value matters: flipping any bit of the header
 * (format, mode, key id length, key id), the nonce, the ciphertext or the
 * tag is refused, never decrypted to something else. */
static void test_tampering_with_each_byte(void **state)
{
    (void)state;
    ddb_keyring *k = ring("k1", K1);
    ddb_buf v = DDB_BUF_INIT;
    for (int mode = DDB_SEAL_RANDOM; mode <= DDB_SEAL_DETERMINISTIC; mode++) {
        seal(&v, k, (ddb_seal_mode)mode, &ITEM_A, "the secret");
        for (size_t i = 0; i < v.len; i++) {
            for (int bit = 0; bit < 8; bit++) {
                v.data[i] ^= (char)(1 << bit);
                if (unseal(k, (ddb_seal_mode)mode, &ITEM_A, &v, "") != DDB_ECRYPTO)
                    fail_msg("mode %d: byte %zu bit %d flipped was not refused", mode, i, bit);
                v.data[i] ^= (char)(1 << bit);
            }
        }
        assert_int_equal(unseal(k, (ddb_seal_mode)mode, &ITEM_A, &v, "the secret"), 0);
        /* truncated, or extended */
        v.len--;
        assert_int_equal(unseal(k, (ddb_seal_mode)mode, &ITEM_A, &v, ""), DDB_ECRYPTO);
        v.len++;
        ddb_buf_putc(&v, 'x');
        assert_int_equal(unseal(k, (ddb_seal_mode)mode, &ITEM_A, &v, ""), DDB_ECRYPTO);
    }
    ddb_buf_free(&v);
    ddb_keyring_free(k);
}

/* A value copied to another item (random mode), attribute or table does
 * not authenticate; nor one under the same id with another key. */
static void test_moved_values_and_wrong_keys(void **state)
{
    (void)state;
    ddb_keyring *k = ring("k1", K1);
    ddb_buf v = DDB_BUF_INIT;
    seal(&v, k, DDB_SEAL_RANDOM, &ITEM_A, "salary: 100");
    assert_int_equal(unseal(k, DDB_SEAL_RANDOM, &ITEM_B, &v, ""), DDB_ECRYPTO);
    assert_non_null(strstr(ddb_last_error()->message, "does not authenticate with key 'k1'"));
    assert_non_null(strstr(ddb_last_error()->message, "note"));
    assert_int_equal(unseal(k, DDB_SEAL_RANDOM, &OTHER_ATTR, &v, ""), DDB_ECRYPTO);
    assert_int_equal(unseal(k, DDB_SEAL_RANDOM, &OTHER_TABLE, &v, ""), DDB_ECRYPTO);
    seal(&v, k, DDB_SEAL_DETERMINISTIC, &ITEM_A, "alice");
    assert_int_equal(unseal(k, DDB_SEAL_DETERMINISTIC, &OTHER_ATTR, &v, ""), DDB_ECRYPTO);
    assert_int_equal(unseal(k, DDB_SEAL_DETERMINISTIC, &OTHER_TABLE, &v, ""), DDB_ECRYPTO);
    /* the same id, another key */
    ddb_keyring *impostor = ring("k1", K2);
    assert_int_equal(unseal(impostor, DDB_SEAL_DETERMINISTIC, &ITEM_A, &v, ""), DDB_ECRYPTO);
    ddb_keyring_free(impostor);
    /* an unknown id; no keyring at all */
    ddb_keyring *other = ring("k2", K2);
    assert_int_equal(unseal(other, DDB_SEAL_DETERMINISTIC, &ITEM_A, &v, ""), DDB_ECRYPTO);
    assert_non_null(strstr(ddb_last_error()->message, "key id 'k1' is not in the keyring"));
    ddb_keyring_free(other);
    assert_int_equal(unseal(NULL, DDB_SEAL_DETERMINISTIC, &ITEM_A, &v, ""), DDB_ECRYPTO);
    assert_non_null(strstr(ddb_last_error()->message, "no keyring"));
    ddb_buf_free(&v);
    ddb_keyring_free(k);
}

static int fetch_calls;

static int fetch_k1(unsigned char key[DDB_KEY_SIZE], const char *key_id, void *ctx)
{
    (void)ctx;
    fetch_calls++;
    if (strcmp(key_id, "k1") != 0)
        return DDB_ENOTFOUND;
    memcpy(key, K1, DDB_KEY_SIZE);
    return 0;
}

/* Rotation: old values still decrypt under their id, new ones use the new
 * primary key; a callback supplies keys the ring lacks, once. */
static void test_rotation_and_fetch(void **state)
{
    (void)state;
    ddb_keyring *k = ring("k1", K1);
    char primary[DDB_KEY_ID_MAX + 1];
    assert_int_equal(ddb_keyring_primary(primary, k), 0);
    assert_string_equal(primary, "k1");
    ddb_buf old = DDB_BUF_INIT, fresh = DDB_BUF_INIT;
    seal(&old, k, DDB_SEAL_RANDOM, &ITEM_A, "v1");
    assert_int_equal(ddb_keyring_add(k, "k2", K2), 0);
    assert_int_equal(ddb_keyring_add(k, "k2", K1), DDB_EEXISTS); /* an id names one key */
    assert_int_equal(ddb_keyring_set_primary(k, "k2"), 0);
    assert_int_equal(ddb_keyring_set_primary(k, "k3"), DDB_ENOTFOUND);
    seal(&fresh, k, DDB_SEAL_RANDOM, &ITEM_A, "v2");
    assert_memory_equal(fresh.data + 2, "\x02k2", 3);
    assert_int_equal(unseal(k, DDB_SEAL_RANDOM, &ITEM_A, &old, "v1"), 0);
    assert_int_equal(unseal(k, DDB_SEAL_RANDOM, &ITEM_A, &fresh, "v2"), 0);
    ddb_keyring_free(k);

    /* a ring that only knows k2 asks its callback for k1, once */
    k = ring("k2", K2);
    ddb_keyring_set_fetch(k, fetch_k1, NULL);
    fetch_calls = 0;
    assert_int_equal(unseal(k, DDB_SEAL_RANDOM, &ITEM_A, &old, "v1"), 0);
    assert_int_equal(unseal(k, DDB_SEAL_RANDOM, &ITEM_A, &old, "v1"), 0);
    assert_int_equal(fetch_calls, 1);
    assert_int_equal(ddb_keyring_set_primary(k, "k9"), DDB_ENOTFOUND);
    ddb_keyring_free(k);
    ddb_buf_free(&old);
    ddb_buf_free(&fresh);
}

static void test_key_sources(void **state)
{
    (void)state;
    ddb_keyring *k = NULL;
    assert_int_equal(ddb_keyring_new(&k), 0);
    char primary[DDB_KEY_ID_MAX + 1];
    assert_int_equal(ddb_keyring_primary(primary, k), DDB_ENOTFOUND);
    ddb_buf v = DDB_BUF_INIT;
    assert_int_equal(ddb_seal(&v, k, DDB_SEAL_RANDOM, &ITEM_A, 'S', "x", 1), DDB_ECRYPTO);
    /* base64 of K1 */
    ddb_buf b64 = DDB_BUF_INIT;
    ddb_base64_encode(&b64, K1, DDB_KEY_SIZE);
    assert_int_equal(ddb_keyring_add_base64(k, "b64", b64.data), 0);
    assert_int_equal(ddb_keyring_add_base64(k, "short", "AAAA"), DDB_EINVAL);
    assert_null(strstr(ddb_last_error()->message, "AAAA")); /* never the key */
    assert_int_equal(ddb_keyring_add_base64(k, "", b64.data), DDB_EINVAL);
    /* the environment */
    setenv("DDBT_TEST_KEY", b64.data, 1);
    assert_int_equal(ddb_keyring_add_env(k, "env", "DDBT_TEST_KEY"), 0);
    unsetenv("DDBT_TEST_KEY");
    assert_int_equal(ddb_keyring_add_env(k, "env2", "DDBT_TEST_KEY"), DDB_ECONFIG);
    /* files: 32 raw bytes, or base64 text with a newline */
    char raw_path[] = "/tmp/ddbt_keyXXXXXX", text_path[] = "/tmp/ddbt_keyXXXXXX";
    int fd = mkstemp(raw_path);
    assert_true(write(fd, K2, DDB_KEY_SIZE) == DDB_KEY_SIZE);
    close(fd);
    fd = mkstemp(text_path);
    assert_true(write(fd, b64.data, b64.len) == (ssize_t)b64.len);
    assert_true(write(fd, "\n", 1) == 1);
    close(fd);
    assert_int_equal(ddb_keyring_add_file(k, "raw", raw_path), 0);
    assert_int_equal(ddb_keyring_add_file(k, "text", text_path), 0);
    assert_int_equal(ddb_keyring_add_file(k, "none", "/nonexistent/key"), DDB_EIO);
    unlink(raw_path);
    unlink(text_path);
    /* the same key from four sources decrypts what any of them encrypted */
    assert_int_equal(ddb_keyring_primary(primary, k), 0);
    assert_string_equal(primary, "b64");
    seal(&v, k, DDB_SEAL_DETERMINISTIC, &ITEM_A, "same");
    ddb_keyring *direct = ring("b64", K1);
    assert_int_equal(unseal(direct, DDB_SEAL_DETERMINISTIC, &ITEM_A, &v, "same"), 0);
    ddb_keyring_free(direct);
    ddb_buf_free(&v);
    ddb_buf_free(&b64);
    ddb_keyring_free(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trips_and_modes),
        cmocka_unit_test(test_tampering_with_each_byte),
        cmocka_unit_test(test_moved_values_and_wrong_keys),
        cmocka_unit_test(test_rotation_and_fetch),
        cmocka_unit_test(test_key_sources),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
