/* test_buf.c - growable buffer and base64. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ddb/buf.h"
#include "ddb/error.h"

static void test_init_and_empty_views(void **state)
{
    (void)state;
    ddb_buf a = DDB_BUF_INIT;
    ddb_buf b;
    ddb_buf_init(&b);
    assert_null(a.data);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_string_equal(ddb_buf_cstr(&b), "");
    ddb_buf_free(&a);
    ddb_buf_free(&b);
    ddb_buf_free(NULL);
}

static void test_reserve_allocates_an_empty_string(void **state)
{
    (void)state;
    ddb_buf b = DDB_BUF_INIT;
    assert_int_equal(ddb_buf_reserve(&b, 10), 0);
    assert_non_null(b.data);
    assert_true(b.cap >= 11);
    assert_string_equal(ddb_buf_cstr(&b), ""); /* terminated even before any append */
    ddb_buf_free(&b);
}

static void test_reserve_overflow_keeps_contents(void **state)
{
    (void)state;
    ddb_buf b = DDB_BUF_INIT;
    assert_int_equal(ddb_buf_puts(&b, "keep"), 0);
    assert_int_equal(ddb_buf_reserve(&b, SIZE_MAX), DDB_ENOMEM);
    assert_int_equal(ddb_last_error()->code, DDB_ENOMEM);
    assert_int_equal(ddb_buf_append(&b, "x", SIZE_MAX - 2), DDB_ENOMEM);
    assert_string_equal(b.data, "keep");
    assert_int_equal(b.len, 4);
    ddb_buf_free(&b);
}

static void test_append_grows_and_terminates(void **state)
{
    (void)state;
    ddb_buf b = DDB_BUF_INIT;
    for (int i = 0; i < 1000; i++)
        assert_int_equal(ddb_buf_append(&b, "abc", 3), 0);
    assert_int_equal(b.len, 3000);
    assert_int_equal(b.data[3000], '\0');
    assert_memory_equal(b.data + 2997, "abc", 3);
    assert_int_equal(ddb_buf_append(&b, NULL, 0), 0);
    assert_int_equal(b.len, 3000);
    /* embedded NUL bytes are kept */
    ddb_buf_reset(&b);
    assert_int_equal(ddb_buf_append(&b, "a\0b", 3), 0);
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.data, "a\0b", 4);
    ddb_buf_free(&b);
}

static void test_putc_and_puts(void **state)
{
    (void)state;
    ddb_buf b = DDB_BUF_INIT;
    assert_int_equal(ddb_buf_putc(&b, 'x'), 0);
    for (int i = 0; i < 200; i++) /* crosses growth boundaries on the fast path */
        assert_int_equal(ddb_buf_putc(&b, (char)('a' + i % 26)), 0);
    assert_int_equal(b.len, 201);
    assert_int_equal(b.data[201], '\0');
    assert_int_equal(b.data[200], 'a' + 199 % 26);
    assert_int_equal(ddb_buf_puts(&b, ""), 0);
    assert_int_equal(b.len, 201);
    ddb_buf_free(&b);
}

static void test_reset_keeps_memory(void **state)
{
    (void)state;
    ddb_buf b = DDB_BUF_INIT;
    ddb_buf_reset(&b); /* on an empty buffer */
    assert_null(b.data);
    assert_int_equal(ddb_buf_puts(&b, "hello"), 0);
    char *mem = b.data;
    ddb_buf_reset(&b);
    assert_ptr_equal(b.data, mem);
    assert_int_equal(b.len, 0);
    assert_string_equal(ddb_buf_cstr(&b), "");
    ddb_buf_free(&b);
}

static int vformat(ddb_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static int vformat(ddb_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = ddb_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

static void test_printf_small_and_large(void **state)
{
    (void)state;
    ddb_buf b = DDB_BUF_INIT;
    assert_int_equal(ddb_buf_printf(&b, "%d-%s", 42, "x"), 0);
    assert_string_equal(b.data, "42-x");
    char big[1000];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(ddb_buf_printf(&b, "[%s]", big), 0); /* beyond the 256-byte fast path */
    assert_int_equal(b.len, 4 + 1 + 999 + 1);
    assert_int_equal(b.data[b.len - 1], ']');
    assert_int_equal(b.data[b.len], '\0');
    assert_int_equal(vformat(&b, "%s|%s", big, big), 0);
    assert_int_equal(b.len, 1005 + 999 * 2 + 1);
    assert_int_equal(ddb_buf_printf(&b, "%s", ""), 0);
    ddb_buf_free(&b);
}

static void test_put_integers(void **state)
{
    (void)state;
    ddb_buf b = DDB_BUF_INIT;
    assert_int_equal(ddb_buf_put_i64(&b, 0), 0);
    assert_int_equal(ddb_buf_putc(&b, ' '), 0);
    assert_int_equal(ddb_buf_put_i64(&b, -1), 0);
    assert_int_equal(ddb_buf_putc(&b, ' '), 0);
    assert_int_equal(ddb_buf_put_i64(&b, INT64_MIN), 0);
    assert_int_equal(ddb_buf_putc(&b, ' '), 0);
    assert_int_equal(ddb_buf_put_i64(&b, INT64_MAX), 0);
    assert_int_equal(ddb_buf_putc(&b, ' '), 0);
    assert_int_equal(ddb_buf_put_u64(&b, UINT64_MAX), 0);
    assert_string_equal(b.data, "0 -1 -9223372036854775808 9223372036854775807 18446744073709551615");
    ddb_buf_free(&b);
}

static void test_put_hex(void **state)
{
    (void)state;
    ddb_buf b = DDB_BUF_INIT;
    const unsigned char bytes[] = {0x00, 0x0f, 0xa5, 0xff};
    assert_int_equal(ddb_buf_put_hex(&b, bytes, sizeof bytes), 0);
    assert_string_equal(b.data, "000fa5ff");
    assert_int_equal(ddb_buf_put_hex(&b, bytes, 0), 0);
    assert_int_equal(b.len, 8);
    assert_int_equal(ddb_buf_put_hex(&b, bytes, SIZE_MAX / 2 + 1), DDB_ENOMEM);
    assert_string_equal(b.data, "000fa5ff");
    ddb_buf_free(&b);
}

static void test_steal(void **state)
{
    (void)state;
    ddb_buf b = DDB_BUF_INIT;
    size_t len = 99;
    char *s = ddb_buf_steal(&len, &b); /* empty: a malloc'ed "" */
    assert_non_null(s);
    assert_string_equal(s, "");
    assert_int_equal(len, 0);
    free(s);
    assert_int_equal(ddb_buf_puts(&b, "owned"), 0);
    s = ddb_buf_steal(NULL, &b);
    assert_string_equal(s, "owned");
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    free(s);
    /* reserved but never appended */
    assert_int_equal(ddb_buf_reserve(&b, 5), 0);
    s = ddb_buf_steal(&len, &b);
    assert_string_equal(s, "");
    free(s);
}

/* --- base64 ---------------------------------------------------------------- */

static void expect_encode(const char *in, const char *want)
{
    ddb_buf b = DDB_BUF_INIT;
    assert_int_equal(ddb_base64_encode(&b, (const unsigned char *)in, strlen(in)), 0);
    assert_string_equal(ddb_buf_cstr(&b), want);
    ddb_buf out = DDB_BUF_INIT;
    assert_int_equal(ddb_base64_decode(&out, b.data, b.len), 0);
    assert_int_equal(out.len, strlen(in));
    assert_memory_equal(ddb_buf_cstr(&out), in, out.len);
    ddb_buf_free(&b);
    ddb_buf_free(&out);
}

static void test_base64_rfc4648_vectors(void **state)
{
    (void)state;
    expect_encode("", "");
    expect_encode("f", "Zg==");
    expect_encode("fo", "Zm8=");
    expect_encode("foo", "Zm9v");
    expect_encode("foob", "Zm9vYg==");
    expect_encode("fooba", "Zm9vYmE=");
    expect_encode("foobar", "Zm9vYmFy");
}

static void test_base64_all_bytes_round_trip(void **state)
{
    (void)state;
    unsigned char bytes[256];
    for (int i = 0; i < 256; i++)
        bytes[i] = (unsigned char)i;
    for (size_t n = 0; n <= sizeof bytes; n += 1) {
        ddb_buf text = DDB_BUF_INIT, raw = DDB_BUF_INIT;
        assert_int_equal(ddb_base64_encode(&text, bytes + 256 - n, n), 0);
        assert_int_equal(text.len, (n + 2) / 3 * 4);
        assert_int_equal(ddb_base64_decode(&raw, text.data, text.len), 0);
        assert_int_equal(raw.len, n);
        if (n != 0)
            assert_memory_equal(raw.data, bytes + 256 - n, n);
        ddb_buf_free(&text);
        ddb_buf_free(&raw);
    }
}

static void test_base64_uses_standard_alphabet(void **state)
{
    (void)state;
    const unsigned char bytes[] = {0xfb, 0xff, 0xbf};
    ddb_buf b = DDB_BUF_INIT;
    assert_int_equal(ddb_base64_encode(&b, bytes, 3), 0);
    assert_string_equal(b.data, "+/+/");
    ddb_buf_free(&b);
}

static void test_base64_appends(void **state)
{
    (void)state;
    ddb_buf b = DDB_BUF_INIT;
    assert_int_equal(ddb_buf_puts(&b, "x="), 0);
    assert_int_equal(ddb_base64_encode(&b, (const unsigned char *)"hi", 2), 0);
    assert_string_equal(b.data, "x=aGk=");
    assert_int_equal(ddb_base64_decode(&b, "aGk=", 4), 0);
    assert_string_equal(b.data, "x=aGk=hi");
    ddb_buf_free(&b);
}

/* Decoding `text` fails with DDB_EINVAL, mentions `where`, and leaves the
 * buffer's previous contents alone. */
static void expect_decode_error(const char *text, const char *where)
{
    ddb_buf b = DDB_BUF_INIT;
    assert_int_equal(ddb_buf_puts(&b, "prefix"), 0);
    assert_int_equal(ddb_base64_decode(&b, text, strlen(text)), DDB_EINVAL);
    assert_int_equal(ddb_last_error()->code, DDB_EINVAL);
    assert_non_null(strstr(ddb_last_error()->message, where));
    assert_string_equal(b.data, "prefix");
    assert_int_equal(b.len, 6);
    ddb_buf_free(&b);
}

static void test_base64_decode_rejects_malformed(void **state)
{
    (void)state;
    expect_decode_error("Zg=", "not a multiple of 4");
    expect_decode_error("Zm9vY", "not a multiple of 4");
    expect_decode_error("Zg", "not a multiple of 4");
    expect_decode_error("Zm9v YmFy", "not a multiple of 4");
    expect_decode_error("Zm9\nYmFy", "offset 3"); /* whitespace */
    expect_decode_error("Zm9vYm-y", "offset 6");  /* URL-safe alphabet */
    expect_decode_error("Zm9vYm_y", "offset 6");
    expect_decode_error("Zg==Zm9v", "offset 2"); /* padding before the end */
    expect_decode_error("Z===", "offset 1");     /* too much padding */
    expect_decode_error("====", "offset 0");
    expect_decode_error("Zm=v", "offset 2");                 /* '=' then data */
    expect_decode_error("Zh==", "padding bits at offset 1"); /* non-canonical */
    expect_decode_error("Zm9=", "padding bits at offset 2");
    expect_decode_error("Zm9v\x80mFy", "offset 4");
}

static void test_base64_decode_with_embedded_nul(void **state)
{
    (void)state;
    ddb_buf b = DDB_BUF_INIT;
    assert_int_equal(ddb_base64_decode(&b, "Zg==\0ignored", 4), 0); /* only len bytes are read */
    assert_string_equal(b.data, "f");
    assert_int_equal(ddb_base64_decode(&b, "Zg\0=", 4), DDB_EINVAL);
    assert_string_equal(b.data, "f");
    ddb_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_and_empty_views),
        cmocka_unit_test(test_reserve_allocates_an_empty_string),
        cmocka_unit_test(test_reserve_overflow_keeps_contents),
        cmocka_unit_test(test_append_grows_and_terminates),
        cmocka_unit_test(test_putc_and_puts),
        cmocka_unit_test(test_reset_keeps_memory),
        cmocka_unit_test(test_printf_small_and_large),
        cmocka_unit_test(test_put_integers),
        cmocka_unit_test(test_put_hex),
        cmocka_unit_test(test_steal),
        cmocka_unit_test(test_base64_rfc4648_vectors),
        cmocka_unit_test(test_base64_all_bytes_round_trip),
        cmocka_unit_test(test_base64_uses_standard_alphabet),
        cmocka_unit_test(test_base64_appends),
        cmocka_unit_test(test_base64_decode_rejects_malformed),
        cmocka_unit_test(test_base64_decode_with_embedded_nul),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
