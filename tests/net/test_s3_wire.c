/*
 * test_s3_wire.c - what the S3 client sends and how it reads answers,
 * through a capturing transport: path-style and virtual-hosted URLs and
 * Host headers, S3's signing, percent-encoded keys, DeleteObjects' body
 * and Content-MD5, XML error bodies, listings with entities and
 * continuation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "ddb_test.h"

/* Records the last request; answers with `status` and `body`. */
typedef struct capture {
    ddb_transport base;
    char method[16], url[512], host[256], auth[512], sha[80], md5[64];
    ddb_buf body;
    long status;
    const char *answer;
} capture;

static const char *header(const ddb_http_request *req, const char *name)
{
    for (size_t i = 0; i < req->n_headers; i++) {
        if (strcasecmp(req->headers[i].name, name) == 0)
            return req->headers[i].value;
    }
    return "";
}

static int capture_send(ddb_transport *self, const ddb_http_request *req, ddb_http_response *resp)
{
    capture *c = (capture *)self;
    snprintf(c->method, sizeof c->method, "%s", req->method);
    snprintf(c->url, sizeof c->url, "%s", req->url);
    snprintf(c->host, sizeof c->host, "%s", header(req, "Host"));
    snprintf(c->auth, sizeof c->auth, "%s", header(req, "Authorization"));
    snprintf(c->sha, sizeof c->sha, "%s", header(req, "X-Amz-Content-Sha256"));
    snprintf(c->md5, sizeof c->md5, "%s", header(req, "Content-MD5"));
    ddb_buf_reset(&c->body);
    ddb_buf_append(&c->body, req->body != NULL ? req->body : "", req->body_len);
    resp->status = c->status;
    ddb_http_response_add_header(resp, "x-amz-request-id", 16, "REQ123", 6);
    return ddb_buf_puts(&resp->body, c->answer);
}

static void capture_destroy(ddb_transport *self)
{
    (void)self;
}

static capture cap = {.base = {capture_send, capture_destroy}};
static ddb_client *client;

static int setup(void **state)
{
    (void)state;
    ddb_client_config base = DDB_CLIENT_CONFIG_INIT;
    base.service = "s3";
    base.retry.max_attempts = 1;
    return ddbt_transport_client(&client, &cap.base, "AKIDS3TEST", &base);
}

static int teardown(void **state)
{
    (void)state;
    ddb_client_free(client);
    ddb_buf_free(&cap.body);
    return 0;
}

static void answer(long status, const char *body)
{
    cap.status = status;
    cap.answer = body;
}

static void test_addressing_and_signing(void **state)
{
    (void)state;
    ddb_s3_bucket path_style = {client, "my-bucket", false}, virtual = {client, "my-bucket", true};
    answer(200, "");
    DDBT_ASSERT_OK(ddb_s3_put(&path_style, "dir/a b+c%d\xc3\xa9", "hello", 5, "text/plain"));
    assert_string_equal(cap.method, "PUT");
    assert_string_equal(cap.url, "http://127.0.0.1:1/my-bucket/dir/a%20b%2Bc%25d%C3%A9");
    assert_string_equal(cap.host, "127.0.0.1:1");
    /* S3's rules: the payload's SHA-256 is sent and signed; scope service s3 */
    assert_string_equal(cap.sha, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    assert_non_null(strstr(cap.auth, "/us-east-1/s3/aws4_request"));
    assert_non_null(strstr(cap.auth, "x-amz-content-sha256"));
    DDBT_ASSERT_OK(ddb_s3_put(&virtual, "dir/a b", "hello", 5, NULL));
    assert_string_equal(cap.url, "http://my-bucket.127.0.0.1:1/dir/a%20b");
    assert_string_equal(cap.host, "my-bucket.127.0.0.1:1");
    ddb_s3_listing l;
    answer(200, "<ListBucketResult></ListBucketResult>");
    DDBT_ASSERT_OK(ddb_s3_list(&l, &virtual, "p/q r", "tok/en=", 5));
    assert_string_equal(cap.url, "http://my-bucket.127.0.0.1:1/?continuation-token=tok%2Fen%3D&list-type=2&"
                                 "max-keys=5&prefix=p%2Fq%20r");
    ddb_s3_listing_free(&l);
}

static void test_errors(void **state)
{
    (void)state;
    ddb_s3_bucket b = {client, "bk", false};
    ddb_buf out = DDB_BUF_INIT;
    answer(404, "<?xml version=\"1.0\"?><Error><Code>NoSuchKey</Code><Message>The specified key does not "
                "exist.</Message><RequestId>R-9</RequestId></Error>");
    assert_int_equal(ddb_s3_get(&out, &b, "k", 0), DDB_ENOTFOUND);
    assert_string_equal(ddb_last_error()->aws_type, "NoSuchKey");
    assert_string_equal(ddb_last_error()->message, "The specified key does not exist.");
    assert_int_equal(ddb_last_error()->http_status, 404);
    assert_string_equal(ddb_last_error()->request_id, "REQ123");
    assert_int_equal(out.len, 0);
    answer(403, "<Error><Code>SignatureDoesNotMatch</Code><Message>nope</Message></Error>");
    assert_int_equal(ddb_s3_delete(&b, "k"), DDB_EAUTH);
    answer(404, ""); /* HEAD: no body */
    bool exists = true;
    DDBT_ASSERT_OK(ddb_s3_head(&exists, NULL, &b, "k"));
    assert_false(exists);
    assert_string_equal(cap.method, "HEAD");
    answer(503, "<Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>");
    assert_int_equal(ddb_s3_put(&b, "k", "v", 1, NULL), DDB_ETHROTTLED);
    /* a JSON call on an S3 client, and a REST call on DynamoDB's, are refused */
    ddb_buf resp = DDB_BUF_INIT;
    assert_int_equal(ddb_client_call(&resp, client, "GetItem", NULL, "{}", 2), DDB_EINVAL);
    ddb_buf_free(&resp);
    ddb_buf_free(&out);
}

static void test_listing_parse(void **state)
{
    (void)state;
    ddb_s3_bucket b = {client, "bk", false};
    answer(200, "<ListBucketResult><IsTruncated>true</IsTruncated>"
                "<Contents><Key>a &amp; b &lt;c&gt; &#x20AC;&#233;</Key><LastModified>2026-12-04T10:00:00.000Z"
                "</LastModified><Size>42</Size></Contents>"
                "<Contents><Key>z</Key><Size>0</Size></Contents>"
                "<NextContinuationToken>next&amp;one</NextContinuationToken></ListBucketResult>");
    ddb_s3_listing l;
    DDBT_ASSERT_OK(ddb_s3_list(&l, &b, NULL, NULL, 0));
    assert_int_equal(l.n, 2);
    assert_string_equal(l.objects[0].key, "a & b <c> \xe2\x82\xac\xc3\xa9");
    assert_int_equal(l.objects[0].size, 42);
    assert_int_equal(l.objects[0].last_modified, 1796378400);
    assert_string_equal(l.objects[1].key, "z");
    assert_string_equal(l.next, "next&one");
    ddb_s3_listing_free(&l);
    answer(200, "<ListBucketResult><Contents><Key>bad &bogus; entity</Key></Contents></ListBucketResult>");
    assert_int_equal(ddb_s3_list(&l, &b, NULL, NULL, 0), DDB_EPROTOCOL);
    assert_int_equal(l.n, 0);
}

static void test_delete_many(void **state)
{
    (void)state;
    ddb_s3_bucket b = {client, "bk", false};
    const char *keys[] = {"one", "t<w>o & \"three\""};
    answer(200, "<DeleteResult></DeleteResult>");
    size_t deleted = 0;
    DDBT_ASSERT_OK(ddb_s3_delete_many(&deleted, &b, keys, 2));
    assert_int_equal(deleted, 2);
    assert_string_equal(cap.method, "POST");
    assert_string_equal(cap.url, "http://127.0.0.1:1/bk?delete=");
    assert_string_equal(ddb_buf_cstr(&cap.body), "<Delete><Quiet>true</Quiet><Object><Key>one</Key></Object>"
                                                 "<Object><Key>t&lt;w&gt;o &amp; &quot;three&quot;</Key>"
                                                 "</Object></Delete>");
    unsigned char md5[16];
    unsigned int n = 0;
    EVP_Digest(cap.body.data, cap.body.len, md5, &n, EVP_md5(), NULL);
    ddb_buf b64 = DDB_BUF_INIT;
    ddb_base64_encode(&b64, md5, n);
    assert_string_equal(cap.md5, ddb_buf_cstr(&b64));
    ddb_buf_free(&b64);
    answer(200, "<DeleteResult><Error><Key>one</Key><Code>AccessDenied</Code><Message>no</Message></Error>"
                "</DeleteResult>");
    assert_int_equal(ddb_s3_delete_many(&deleted, &b, keys, 2), DDB_ESERVICE);
    assert_int_equal(deleted, 1);
    assert_non_null(strstr(ddb_last_error()->message, "could not delete one: AccessDenied"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addressing_and_signing),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_listing_parse),
        cmocka_unit_test(test_delete_many),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
