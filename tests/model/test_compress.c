/*
 * test_compress.c - compressed attributes: the stored form (codec byte,
 * length, zlib stream), its determinism and thresholds, every way a stored
 * value can be refused (bombs, lies, corruption), and the model paths that
 * go through it (items, update actions, conditions, plain JSON).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "compress.h"
#include "ddb/ddb.h"
#include "model_internal.h"

typedef struct c_doc {
    char *id;
    char *body;      /* string, compressed */
    ddb_bytes blob;  /* binary, compressed */
    char *meta;      /* json, compressed */
} c_doc;

static const ddb_field_codec small = {.compress = true, .min_size = 16, .max_size = 4096};

static const ddb_field doc_fields[] = {
    {.name = "id", .attr = "id", .type = DDB_FT_STRING, .flags = DDB_FIELD_HASH_KEY,
     .offset = offsetof(c_doc, id), .has_offset = DDB_NO_PRESENCE},
    {.name = "body", .attr = "body", .type = DDB_FT_STRING, .flags = DDB_FIELD_NULLABLE,
     .offset = offsetof(c_doc, body), .has_offset = DDB_NO_PRESENCE, .codec = &small},
    {.name = "blob", .attr = "blob", .type = DDB_FT_BINARY, .flags = DDB_FIELD_NULLABLE,
     .offset = offsetof(c_doc, blob), .has_offset = DDB_NO_PRESENCE, .codec = &small},
    {.name = "meta", .attr = "meta", .type = DDB_FT_JSON, .flags = DDB_FIELD_NULLABLE,
     .offset = offsetof(c_doc, meta), .has_offset = DDB_NO_PRESENCE, .codec = &small},
};

static const ddb_model doc_model = {
    .name = "c_doc", .table = "Docs", .size = sizeof(c_doc), .fields = doc_fields, .n_fields = 4,
    .hash_key = 0, .range_key = -1, .version_field = -1, .ttl_field = -1,
    .unknown_offset = DDB_NO_PRESENCE, .discriminator_field = -1,
};

/* A text of n bytes that compresses well. */
static char *repetitive(size_t n)
{
    char *s = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        s[i] = "all work and no play "[i % 21];
    s[n] = '\0';
    return s;
}

static void test_stored_form_and_determinism(void **state)
{
    (void)state;
    ddb_buf a = DDB_BUF_INIT, b = DDB_BUF_INIT, back = DDB_BUF_INIT;
    /* below min_size: raw */
    assert_int_equal(ddb_compress(&a, "short", 5, &small), 0);
    assert_int_equal(a.len, 6);
    assert_int_equal((unsigned char)a.data[0], DDB_COMPRESS_RAW);
    assert_memory_equal(a.data + 1, "short", 5);
    ddb_buf_reset(&a);
    /* above: codec byte, LEB128 length (1000 = 0xe8 0x07), zlib stream */
    char *text = repetitive(1000);
    assert_int_equal(ddb_compress(&a, text, 1000, &small), 0);
    assert_int_equal((unsigned char)a.data[0], DDB_COMPRESS_ZLIB);
    assert_int_equal((unsigned char)a.data[1], 0xe8);
    assert_int_equal((unsigned char)a.data[2], 0x07);
    assert_true(a.len < 100);
    /* deterministic: the same value, the same bytes */
    assert_int_equal(ddb_compress(&b, text, 1000, &small), 0);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    assert_int_equal(ddb_decompress(&back, a.data, a.len, &small), 0);
    assert_int_equal(back.len, 1000);
    assert_memory_equal(back.data, text, 1000);
    /* what zlib would not shrink is stored raw */
    ddb_buf_reset(&a);
    unsigned char noise[64];
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < sizeof noise; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        noise[i] = (unsigned char)x;
    }
    assert_int_equal(ddb_compress(&a, noise, sizeof noise, &small), 0);
    assert_int_equal((unsigned char)a.data[0], DDB_COMPRESS_RAW);
    assert_int_equal(a.len, 1 + sizeof noise);
    /* a value over max_size cannot be written (it could not be read back) */
    char *big = repetitive(5000);
    ddb_buf_reset(&a);
    assert_int_equal(ddb_compress(&a, big, 5000, &small), DDB_EINVAL);
    assert_non_null(strstr(ddb_last_error()->message, "max_size"));
    free(big);
    free(text);
    ddb_buf_free(&a);
    ddb_buf_free(&b);
    ddb_buf_free(&back);
}

/* zlib's stream of data[0..len), after a codec byte and a declared size. */
static void forge(ddb_buf *out, const void *data, size_t len, uint64_t declared)
{
    ddb_buf_reset(out);
    ddb_buf_putc(out, DDB_COMPRESS_ZLIB);
    do {
        unsigned char byte = declared & 0x7f;
        declared >>= 7;
        ddb_buf_putc(out, (char)(declared != 0 ? byte | 0x80 : byte));
    } while (declared != 0);
    uLongf n = compressBound((uLong)len);
    ddb_buf_reserve(out, n);
    compress2((Bytef *)out->data + out->len, &n, data, (uLong)len, 9);
    out->len += n;
}

static void expect_refused(const ddb_buf *stored, const char *why)
{
    ddb_buf out = DDB_BUF_INIT;
    assert_int_equal(ddb_decompress(&out, stored->data, stored->len, &small), DDB_ETYPE);
    if (strstr(ddb_last_error()->message, why) == NULL)
        fail_msg("\"%s\" does not say \"%s\"", ddb_last_error()->message, why);
    ddb_buf_free(&out);
}

static void test_stored_values_refused(void **state)
{
    (void)state;
    ddb_buf s = DDB_BUF_INIT;
    expect_refused(&s, "empty");
    ddb_buf_putc(&s, 0x07);
    expect_refused(&s, "unknown compression codec 0x07");
    /* a bomb: 8 MiB of zeros declared honestly, over max_size: refused
     * before inflating (the stream is never read) */
    size_t huge = (size_t)8 << 20;
    char *zeros = calloc(1, huge);
    forge(&s, zeros, huge, huge);
    assert_true(s.len < huge / 500);
    expect_refused(&s, "refused before inflating");
    free(zeros);
    /* a lie: declares 10 bytes, inflates to 1000 */
    char *text = repetitive(1000);
    forge(&s, text, 1000, 10);
    expect_refused(&s, "inflates past its declared 10 bytes");
    /* a lie the other way: declares 2000 */
    forge(&s, text, 1000, 2000);
    expect_refused(&s, "not its declared 2000");
    /* truncated, corrupt, trailing bytes, malformed length */
    forge(&s, text, 1000, 1000);
    size_t full = s.len;
    s.len = full - 4;
    expect_refused(&s, "corrupt or truncated");
    s.len = full;
    s.data[full / 2] ^= 0x55;
    expect_refused(&s, "zlib");
    forge(&s, text, 1000, 1000);
    ddb_buf_putc(&s, 'x');
    expect_refused(&s, "bytes after");
    ddb_buf_reset(&s);
    ddb_buf_append(&s, "\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 11);
    expect_refused(&s, "malformed length");
    /* raw values are bounded too */
    ddb_buf_reset(&s);
    ddb_buf_putc(&s, DDB_COMPRESS_RAW);
    char *big = repetitive(5000);
    ddb_buf_append(&s, big, 5000);
    expect_refused(&s, "max_size");
    free(big);
    free(text);
    ddb_buf_free(&s);
}

static void test_model_round_trip(void **state)
{
    (void)state;
    c_doc d = {0}, back = {0};
    d.id = ddb_strdup("d1");
    d.body = repetitive(3000);
    d.blob = (ddb_bytes){(unsigned char *)repetitive(200), 200};
    d.meta = ddb_strdup("{\"a\":[1,2,3],\"b\":\"all work and no play all work and no play\"}");
    ddb_av *item = NULL;
    assert_int_equal(ddb_model_to_item(&item, &doc_model, &d), 0);
    const ddb_av *body = ddb_av_map_get(item, "body");
    assert_int_equal(body->type, DDB_AV_B);
    assert_int_equal((unsigned char)body->u.str.ptr[0], DDB_COMPRESS_ZLIB);
    assert_true(body->u.str.len < 200);
    assert_int_equal(ddb_av_map_get(item, "blob")->type, DDB_AV_B);
    assert_int_equal(ddb_av_map_get(item, "meta")->type, DDB_AV_B);
    assert_int_equal(ddb_av_map_get(item, "id")->type, DDB_AV_S); /* keys are never compressed */
    assert_int_equal(ddb_model_from_item(&back, &doc_model, item), 0);
    assert_string_equal(back.body, d.body);
    assert_int_equal(back.blob.len, 200);
    assert_memory_equal(back.blob.data, d.blob.data, 200);
    assert_string_equal(back.meta, d.meta);

    /* plain JSON shows the values, not their stored bytes, and reads them back */
    ddb_buf json = DDB_BUF_INIT;
    assert_int_equal(ddb_model_to_simple_json(&json, &doc_model, &d), 0);
    assert_non_null(strstr(ddb_buf_cstr(&json), "\"body\":\"all work and no play"));
    c_doc again = {0};
    assert_int_equal(ddb_model_from_simple_json(&again, &doc_model, json.data, json.len), 0);
    assert_string_equal(again.body, d.body);
    assert_string_equal(again.meta, d.meta);
    ddb_buf_free(&json);
    ddb_model_clear(&doc_model, &again);

    /* a stored S where a compressed value belongs, a NUL inside the
     * decompressed text, invalid JSON inside: DDB_ETYPE naming the field */
    ddb_av_map_set(item, "body", ddb_av_s("plain"));
    c_doc bad = {0};
    assert_int_equal(ddb_model_from_item(&bad, &doc_model, item), DDB_ETYPE);
    assert_non_null(strstr(ddb_last_error()->message, "c_doc.body"));
    assert_non_null(strstr(ddb_last_error()->message, "expected B (a compressed value)"));
    ddb_buf packed = DDB_BUF_INIT;
    char with_nul[40] = "all work and no play, then";
    assert_int_equal(ddb_compress(&packed, with_nul, sizeof with_nul, &small), 0);
    ddb_av_map_set(item, "body", ddb_av_b(packed.data, packed.len));
    assert_int_equal(ddb_model_from_item(&bad, &doc_model, item), DDB_ETYPE);
    assert_non_null(strstr(ddb_last_error()->message, "U+0000"));
    ddb_buf_reset(&packed);
    assert_int_equal(ddb_compress(&packed, "{\"unterminated\": [1, 2, 3, 4, 5", 31, &small), 0);
    ddb_av_free(ddb_av_map_take(item, "body")); /* body absent: only meta is wrong */
    ddb_av_map_set(item, "meta", ddb_av_b(packed.data, packed.len));
    assert_int_equal(ddb_model_from_item(&bad, &doc_model, item), DDB_ETYPE);
    assert_non_null(strstr(ddb_last_error()->message, "c_doc.meta"));
    ddb_buf_free(&packed);
    ddb_model_clear(&doc_model, &bad);
    ddb_av_free(item);
    ddb_model_clear(&doc_model, &back);
    ddb_model_clear(&doc_model, &d);
}

static void test_builders_on_compressed_fields(void **state)
{
    (void)state;
    const ddb_field *body = &doc_fields[1];
    char *text = repetitive(500);
    ddb_expr_ctx ctx = DDB_EXPR_CTX_INIT;
    ddb_buf out = DDB_BUF_INIT;
    /* set: the stored form */
    ddb_update *u = ddb_field_update("body", 0, body, DDB_ACT_SET, &text);
    assert_int_equal(ddb_expr_render_update(&out, &ctx, u), 0);
    assert_string_equal(ddb_buf_cstr(&out), "SET #n0 = :v0");
    const ddb_av *v = ddb_av_map_get(ctx.values, ":v0");
    assert_int_equal(v->type, DDB_AV_B);
    assert_int_equal((unsigned char)v->u.str.ptr[0], DDB_COMPRESS_ZLIB);
    ddb_update_free(u);
    /* presence can be tested; the stored bytes cannot be compared */
    ddb_cond *c = ddb_field_cond("body", 0, body, DDB_OP_EXISTS, NULL);
    ddb_buf_reset(&out);
    assert_int_equal(ddb_expr_render_cond(&out, &ctx, c), 0);
    ddb_cond_free(c);
    const char *hello = "hello";
    c = ddb_field_cond("body", 0, body, DDB_OP_EQ, &hello);
    assert_int_equal(ddb_expr_render_cond(&out, &ctx, c), DDB_EINVAL);
    ddb_cond_free(c);
    c = ddb_field_cond("body", 0, body, DDB_OP_BEGINS_WITH, &hello);
    assert_int_equal(ddb_expr_render_cond(&out, &ctx, c), DDB_EINVAL);
    ddb_cond_free(c);
    c = ddb_field_in("body", 0, body, &hello, 1);
    assert_int_equal(ddb_expr_render_cond(&out, &ctx, c), DDB_EINVAL);
    ddb_cond_free(c);
    ddb_expr_ctx_free(&ctx);
    ddb_buf_free(&out);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stored_form_and_determinism),
        cmocka_unit_test(test_stored_values_refused),
        cmocka_unit_test(test_model_round_trip),
        cmocka_unit_test(test_builders_on_compressed_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
