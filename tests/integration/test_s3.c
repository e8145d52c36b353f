/*
 * test_s3.c - the S3 client (ddb/s3.h) against the S3 of the engine under
 * test (moto: DDB_TEST_S3_ENDPOINT): objects with awkward keys, listings
 * with prefixes and continuation, bulk deletes, errors, and virtual-hosted
 * addressing. Fails, never skips, without an S3 endpoint.
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

#include "ddb_test.h"

static ddb_client *s3;
static char bucket_name[64];
static ddb_s3_bucket bucket;

static int setup(void **state)
{
    (void)state;
    ddb_client_config cfg = DDB_CLIENT_CONFIG_INIT;
    cfg.service = "s3";
    cfg.endpoint = getenv("DDB_TEST_S3_ENDPOINT");
    if (ddb_client_new(&s3, &cfg) != 0) {
        fprintf(stderr, "S3 client: %s\n", ddbt_last_error());
        return -1;
    }
    snprintf(bucket_name, sizeof bucket_name, "ddbc-s3-test-%ld", (long)getpid());
    bucket = (ddb_s3_bucket){s3, bucket_name, false};
    if (ddb_s3_create_bucket(&bucket) != 0) {
        fprintf(stderr, "create bucket: %s\n", ddbt_last_error());
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ddb_client_free(s3);
    return 0;
}

static void test_objects(void **state)
{
    (void)state;
    static const char *const keys[] = {"plain", "with space", "a+b=c&d", "dir/sub/file.txt", "100%",
                                       "caf\xc3\xa9 \xe2\x82\xac", "tilde~and*star", "<xml>&'\""};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        char body[64];
        int n = snprintf(body, sizeof body, "body of %s", keys[i]);
        DDBT_ASSERT_OK(ddb_s3_put(&bucket, keys[i], body, (size_t)n, "text/plain"));
        ddb_buf got = DDB_BUF_INIT;
        DDBT_ASSERT_OK(ddb_s3_get(&got, &bucket, keys[i], 0));
        assert_int_equal(got.len, (size_t)n);
        assert_memory_equal(got.data, body, got.len);
        ddb_buf_free(&got);
        bool exists = false;
        DDBT_ASSERT_OK(ddb_s3_head(&exists, NULL, &bucket, keys[i]));
        assert_true(exists);
    }
    /* binary bodies, the empty body, the size bound */
    unsigned char bin[300];
    for (size_t i = 0; i < sizeof bin; i++)
        bin[i] = (unsigned char)i;
    DDBT_ASSERT_OK(ddb_s3_put(&bucket, "bin", bin, sizeof bin, NULL));
    ddb_buf got = DDB_BUF_INIT;
    DDBT_ASSERT_OK(ddb_s3_get(&got, &bucket, "bin", sizeof bin));
    assert_memory_equal(got.data, bin, sizeof bin);
    ddb_buf_reset(&got);
    assert_int_equal(ddb_s3_get(&got, &bucket, "bin", 100), DDB_ELIMIT);
    assert_int_equal(got.len, 0);
    DDBT_ASSERT_OK(ddb_s3_put(&bucket, "empty", "", 0, NULL));
    DDBT_ASSERT_OK(ddb_s3_get(&got, &bucket, "empty", 0));
    assert_int_equal(got.len, 0);
    /* absent objects; deleting twice */
    assert_int_equal(ddb_s3_get(&got, &bucket, "missing", 0), DDB_ENOTFOUND);
    assert_string_equal(ddb_last_error()->aws_type, "NoSuchKey");
    bool exists = true;
    DDBT_ASSERT_OK(ddb_s3_head(&exists, NULL, &bucket, "missing"));
    assert_false(exists);
    DDBT_ASSERT_OK(ddb_s3_delete(&bucket, "bin"));
    DDBT_ASSERT_OK(ddb_s3_delete(&bucket, "bin"));
    DDBT_ASSERT_OK(ddb_s3_head(&exists, NULL, &bucket, "bin"));
    assert_false(exists);
    /* another bucket that does not exist */
    ddb_s3_bucket nowhere = {s3, "ddbc-no-such-bucket-here", false};
    assert_int_equal(ddb_s3_put(&nowhere, "k", "v", 1, NULL), DDB_ERESOURCE);
    assert_string_equal(ddb_last_error()->aws_type, "NoSuchBucket");
    ddb_buf_free(&got);
}

static void test_listing_and_bulk_delete(void **state)
{
    (void)state;
    char key[64];
    const char *made[7];
    char storage[7][64];
    for (int i = 0; i < 7; i++) {
        snprintf(storage[i], sizeof storage[i], "list/%c item %d", 'a' + i, i);
        made[i] = storage[i];
        DDBT_ASSERT_OK(ddb_s3_put(&bucket, made[i], "x", 1, NULL));
    }
    DDBT_ASSERT_OK(ddb_s3_put(&bucket, "other/not listed", "x", 1, NULL));
    /* pages of 3: 3 + 3 + 1, in key order, continuation tokens between */
    size_t seen = 0, pages = 0;
    char *token = NULL;
    do {
        ddb_s3_listing l;
        DDBT_ASSERT_OK(ddb_s3_list(&l, &bucket, "list/", token, 3));
        free(token);
        token = l.next != NULL ? strdup(l.next) : NULL;
        for (size_t i = 0; i < l.n; i++) {
            assert_string_equal(l.objects[i].key, made[seen]);
            assert_int_equal(l.objects[i].size, 1);
            assert_true(l.objects[i].last_modified > 1700000000);
            seen++;
        }
        pages++;
        ddb_s3_listing_free(&l);
    } while (token != NULL);
    assert_int_equal(seen, 7);
    assert_int_equal(pages, 3);
    size_t deleted = 0;
    DDBT_ASSERT_OK(ddb_s3_delete_many(&deleted, &bucket, made, 7));
    assert_int_equal(deleted, 7);
    ddb_s3_listing l;
    DDBT_ASSERT_OK(ddb_s3_list(&l, &bucket, "list/", NULL, 0));
    assert_int_equal(l.n, 0);
    assert_null(l.next);
    ddb_s3_listing_free(&l);
    snprintf(key, sizeof key, "other/not listed");
    bool exists = false;
    DDBT_ASSERT_OK(ddb_s3_head(&exists, NULL, &bucket, key));
    assert_true(exists);
    assert_int_equal(ddb_s3_delete_many(&deleted, &bucket, made, 1001), DDB_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_objects),
        cmocka_unit_test(test_listing_and_bulk_delete),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
