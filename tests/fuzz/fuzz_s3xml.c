/*
 * fuzz_s3xml.c - fuzz target for the XML of S3's answers: runtime/src/xml.c
 * (elements by name, entity decoding) and its readers in s3.c
 * (ListObjectsV2 listings, DeleteObjects results, S3 error documents).
 * The input is a raw HTTP answer (fuzz_http.h), read
 *  - by ddb_xml_next / ddb_xml_unescape directly, over the body (a buffer
 *    of exactly its length: no NUL after it);
 *  - as the answer to a listing, a bulk delete, a get and a head through
 *    an S3 client with a scripted transport.
 *
 * Invariants (abort() when broken): found elements lie inside the body
 * and in order; unescaping never grows the text, keeps text without '&'
 * as it is and makes UTF-8 of UTF-8 (no surrogate from a reference); a failure is a DDB_E* code that is the last error's, with
 * a message; a failed listing is empty; a listing's objects all have a
 * key; a bulk delete never counts more deletions than keys; a get
 * appends the body of a 2xx answer, nothing otherwise.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ddb/client.h"
#include "ddb/creds.h"
#include "ddb/error.h"
#include "ddb/s3.h"
#include "fuzz_http.h"
#include "json_parse.h"
#include "xml.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_error(int rc)
{
    const ddb_error *e = ddb_last_error();
    check(rc < 0 && e->code == rc && e->message[0] != '\0');
}

/* Every <tag> element of [text, end), each unescaped. */
static void walk(const char *text, const char *end, const char *tag)
{
    const char *at = text, *a = NULL, *b = NULL;
    while (ddb_xml_next(&at, end, tag, &a, &b)) {
        check(text <= a && a <= b && b < at && at <= end);
        char *s = ddb_xml_unescape(a, b);
        if (s == NULL) {
            check_error(ddb_last_error()->code);
            check(ddb_last_error()->code == DDB_EPROTOCOL || ddb_last_error()->code == DDB_ENOMEM);
        } else {
            size_t n = strlen(s);
            check(n <= (size_t)(b - a));
            check(!ddb_utf8_valid(a, (size_t)(b - a)) || ddb_utf8_valid(s, n));
            if (memchr(a, '&', (size_t)(b - a)) == NULL && memchr(a, '\0', (size_t)(b - a)) == NULL)
                check(n == (size_t)(b - a) && memcmp(s, a, n) == 0);
            free(s);
        }
        if (tag[0] == 'C' || tag[0] == 'E') /* containers: look inside */
            walk(a, b, "Key");
    }
}

static void try_xml(const fuzz_answer *a)
{
    /* a copy of exactly the body's length, so that a read past it is seen */
    char *body = malloc(a->body_len != 0 ? a->body_len : 1);
    check(body != NULL);
    if (a->body_len != 0)
        memcpy(body, a->body, a->body_len);
    static const char *const tags[] = {"Contents", "Key", "Error", "Code", "Message", "NextContinuationToken"};
    for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++)
        walk(body, body + a->body_len, tags[i]);
    free(body);
}

static void no_sleep(void *ctx, uint32_t ms)
{
    (void)ctx;
    (void)ms;
}

static ddb_client *s3_client(fuzz_transport *t)
{
    ddb_credentials_provider *creds = NULL;
    check(ddb_creds_static_new(&creds, "AKIDFUZZ", "fuzz-secret", NULL) == 0);
    ddb_client_config cfg = DDB_CLIENT_CONFIG_INIT;
    cfg.service = "s3";
    cfg.endpoint = "http://127.0.0.1:9000";
    cfg.region = "us-east-1";
    cfg.credentials = creds;
    cfg.transport = &t->base;
    cfg.retry.max_attempts = 2;
    cfg.retry.sleep_ms = no_sleep;
    ddb_client *c = NULL;
    check(ddb_client_new(&c, &cfg) == 0);
    return c;
}

static void try_list(const ddb_s3_bucket *b)
{
    ddb_s3_listing l;
    int rc = ddb_s3_list(&l, b, "pre/", NULL, 0);
    if (rc != 0) {
        check_error(rc);
        check(l.objects == NULL && l.n == 0 && l.next == NULL);
        return;
    }
    for (size_t i = 0; i < l.n; i++)
        check(l.objects[i].key != NULL);
    ddb_s3_listing_free(&l);
    check(l.objects == NULL && l.n == 0 && l.next == NULL);
}

static void try_delete_many(const ddb_s3_bucket *b)
{
    static const char *const keys[] = {"a", "b&c", "<d>"};
    size_t deleted = 99;
    int rc = ddb_s3_delete_many(&deleted, b, keys, 3);
    if (rc == 0)
        check(deleted == 3);
    else
        check_error(rc);
    check(deleted <= 3);
}

static void try_get(const ddb_s3_bucket *b, const fuzz_answer *a)
{
    ddb_buf out = DDB_BUF_INIT;
    int rc = ddb_s3_get(&out, b, "dir/key", 1 << 20);
    if (rc == 0)
        check(a->status >= 200 && a->status < 300 && out.len == a->body_len &&
              (out.len == 0 || memcmp(out.data, a->body, out.len) == 0));
    else
        check_error(rc), check(out.len == 0);
    ddb_buf_free(&out);
    bool exists = true;
    int64_t len = 0;
    rc = ddb_s3_head(&exists, &len, b, "dir/key");
    check(rc == 0 || !exists);
    if (rc != 0)
        check_error(rc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_answer a = fuzz_answer_parse(data, size);
    try_xml(&a);
    fuzz_transport t;
    fuzz_transport_init(&t, &a, 1);
    ddb_client *c = s3_client(&t);
    ddb_s3_bucket b = {c, "fuzz-bucket", fuzz_answer_flag(&a, 'v')};
    try_list(&b);
    try_delete_many(&b);
    try_get(&b, &a);
    ddb_client_free(c);
    return 0;
}
