/* s3.c - the S3 operations of S3-backed attributes (see ddb/s3.h). */
#include "feature_macros.h" /* first: feature-test macros before any system header */

#include "ddb/s3.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "ddb/error.h"
#include "xml.h"
#include "ddb/model.h"

#define DELETE_MAX 1000

/* Appends s percent-encoded for a path: all but A-Z a-z 0-9 - _ . ~ and,
 * when keep_slash, '/'. */
static int put_encoded(ddb_buf *out, const char *s, bool keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = 0;
    for (const unsigned char *p = (const unsigned char *)s; rc == 0 && *p != '\0'; p++) {
        unsigned char c = *p;
        bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                     c == '_' || c == '.' || c == '~' || (keep_slash && c == '/');
        if (plain) {
            rc = ddb_buf_putc(out, (char)c);
        } else {
            char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
            rc = ddb_buf_append(out, esc, 3);
        }
    }
    return rc == 0 ? 0 : DDB_ENOMEM;
}

/* The request path of `key` (NULL: the bucket itself) in bucket b. */
static int object_path(ddb_buf *path, const ddb_s3_bucket *b, const char *key)
{
    int rc = ddb_buf_putc(path, '/');
    if (rc == 0 && !b->virtual_hosted) {
        rc = put_encoded(path, b->name, false);
        if (rc == 0 && key != NULL)
            rc = ddb_buf_putc(path, '/');
    }
    if (rc == 0 && key != NULL)
        rc = put_encoded(path, key, true);
    return rc == 0 ? 0 : DDB_ENOMEM;
}

static int check(const ddb_s3_bucket *b, const char *key, bool need_key)
{
    if (b == NULL || b->client == NULL || b->name == NULL || b->name[0] == '\0')
        return ddb_error_set(DDB_EINVAL, "S3: a bucket needs a client and a name");
    if (need_key && (key == NULL || key[0] == '\0'))
        return ddb_error_set(DDB_EINVAL, "S3: an object needs a key");
    return 0;
}

/* Sends one request on `key` of b; the response into *resp (caller frees). */
static int send_on(ddb_http_response *resp, const ddb_s3_bucket *b, const char *key, const char *method,
                   const char *query, const ddb_header *headers, size_t n_headers, const void *body, size_t len,
                   const char *operation)
{
    ddb_buf path = DDB_BUF_INIT, prefix = DDB_BUF_INIT;
    int rc = object_path(&path, b, key);
    if (rc == 0 && b->virtual_hosted && ddb_buf_printf(&prefix, "%s.", b->name) != 0)
        rc = DDB_ENOMEM;
    if (rc == 0) {
        ddb_rest_request r = {method, ddb_buf_cstr(&path), query, b->virtual_hosted ? ddb_buf_cstr(&prefix) : NULL,
                              headers, n_headers, body, len, operation};
        rc = ddb_client_send(resp, b->client, &r);
    }
    ddb_buf_free(&path);
    ddb_buf_free(&prefix);
    return rc;
}

/* One request on object `key` (NULL: the bucket) whose answer matters
 * only by its status. */
static int object_op(const ddb_s3_bucket *b, const char *key, const char *method, const ddb_header *h, size_t n,
                     const void *body, size_t len, const char *operation)
{
    int rc = check(b, key, key != NULL);
    if (rc != 0)
        return rc;
    ddb_http_response resp = DDB_HTTP_RESPONSE_INIT;
    rc = send_on(&resp, b, key, method, NULL, h, n, body, len, operation);
    ddb_http_response_free(&resp);
    return rc;
}

int ddb_s3_put(const ddb_s3_bucket *b, const char *key, const void *body, size_t len, const char *content_type)
{
    ddb_header h[1] = {{"Content-Type", content_type != NULL ? content_type : "application/octet-stream"}};
    return object_op(b, key, "PUT", h, 1, body, len, "PutObject");
}

int ddb_s3_get(ddb_buf *out, const ddb_s3_bucket *b, const char *key, size_t max_size)
{
    int rc = check(b, key, true);
    if (rc != 0)
        return rc;
    ddb_http_response resp = DDB_HTTP_RESPONSE_INIT;
    rc = send_on(&resp, b, key, "GET", NULL, NULL, 0, NULL, 0, "GetObject");
    if (rc == 0 && max_size != 0 && resp.body.len > max_size)
        rc = ddb_error_set(DDB_ELIMIT, "S3 object %s is %zu bytes, over the bound of %zu", key, resp.body.len,
                           max_size);
    if (rc == 0 && ddb_buf_append(out, resp.body.data, resp.body.len) != 0)
        rc = DDB_ENOMEM;
    ddb_http_response_free(&resp);
    return rc;
}

int ddb_s3_head(bool *exists, int64_t *size, const ddb_s3_bucket *b, const char *key)
{
    int rc = object_op(b, key != NULL ? key : "", "HEAD", NULL, 0, NULL, 0, "HeadObject");
    *exists = rc == 0;
    if (size != NULL)
        *size = -1; /* the transport keeps no Content-Length: ask a listing for sizes */
    return rc == DDB_ENOTFOUND ? 0 : rc;
}

int ddb_s3_delete(const ddb_s3_bucket *b, const char *key)
{
    return object_op(b, key != NULL ? key : "", "DELETE", NULL, 0, NULL, 0, "DeleteObject");
}

int ddb_s3_create_bucket(const ddb_s3_bucket *b)
{
    int rc = object_op(b, NULL, "PUT", NULL, 0, NULL, 0, "CreateBucket");
    return rc == DDB_EEXISTS && strcmp(ddb_last_error()->aws_type, "BucketAlreadyOwnedByYou") == 0 ? 0 : rc;
}

/* ---- XML ----------------------------------------------------------------- */

/* Appends s XML-escaped. */
static int put_xml(ddb_buf *out, const char *s)
{
    int rc = 0;
    for (; rc == 0 && *s != '\0'; s++) {
        switch (*s) {
        case '&':
            rc = ddb_buf_puts(out, "&amp;");
            break;
        case '<':
            rc = ddb_buf_puts(out, "&lt;");
            break;
        case '>':
            rc = ddb_buf_puts(out, "&gt;");
            break;
        case '"':
            rc = ddb_buf_puts(out, "&quot;");
            break;
        default:
            rc = ddb_buf_putc(out, *s);
        }
    }
    return rc;
}

/* ---- listing and bulk delete ------------------------------------------- */

void ddb_s3_listing_free(ddb_s3_listing *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->n; i++)
        free(l->objects[i].key);
    free(l->objects);
    free(l->next);
    memset(l, 0, sizeof *l);
}

/* One <Contents> element into o. */
static int read_contents(ddb_s3_object *o, const char *a, const char *b)
{
    const char *at = a, *x, *y;
    if (!ddb_xml_next(&at, b, "Key", &x, &y))
        return ddb_error_set(DDB_EPROTOCOL, "S3: a listed object without a key");
    if ((o->key = ddb_xml_unescape(x, y)) == NULL)
        return ddb_last_error()->code;
    at = a;
    o->size = ddb_xml_next(&at, b, "Size", &x, &y) ? strtoll(x, NULL, 10) : -1;
    at = a;
    o->last_modified = 0;
    ddb_time t;
    if (ddb_xml_next(&at, b, "LastModified", &x, &y) && ddb_time_parse(x, (size_t)(y - x), &t) == 0)
        o->last_modified = t.sec;
    return 0;
}

int ddb_s3_list(ddb_s3_listing *out, const ddb_s3_bucket *b, const char *prefix, const char *continuation,
                size_t max_keys)
{
    memset(out, 0, sizeof *out);
    int rc = check(b, NULL, false);
    if (rc != 0)
        return rc;
    /* query parameters in sorted order, values encoded */
    ddb_buf q = DDB_BUF_INIT;
    if (continuation != NULL) {
        rc = ddb_buf_puts(&q, "continuation-token=");
        if (rc == 0)
            rc = put_encoded(&q, continuation, false);
        if (rc == 0)
            rc = ddb_buf_putc(&q, '&');
    }
    if (rc == 0)
        rc = ddb_buf_printf(&q, "list-type=2&max-keys=%zu", max_keys != 0 ? max_keys : (size_t)1000);
    if (rc == 0 && prefix != NULL && prefix[0] != '\0') {
        rc = ddb_buf_puts(&q, "&prefix=");
        if (rc == 0)
            rc = put_encoded(&q, prefix, false);
    }
    ddb_http_response resp = DDB_HTTP_RESPONSE_INIT;
    if (rc == 0)
        rc = send_on(&resp, b, NULL, "GET", ddb_buf_cstr(&q), NULL, 0, NULL, 0, "ListObjectsV2");
    const char *at = resp.body.data, *end = at != NULL ? at + resp.body.len : NULL, *x, *y;
    while (rc == 0 && ddb_xml_next(&at, end, "Contents", &x, &y)) {
        if (out->n % 64 == 0) {
            ddb_s3_object *grown = realloc(out->objects, (out->n + 64) * sizeof *grown);
            if (grown == NULL) {
                rc = ddb_error_set(DDB_ENOMEM, "out of memory listing S3");
                break;
            }
            out->objects = grown;
        }
        memset(&out->objects[out->n], 0, sizeof out->objects[0]);
        rc = read_contents(&out->objects[out->n], x, y);
        out->n++;
    }
    at = resp.body.data;
    if (rc == 0 && at != NULL && ddb_xml_next(&at, end, "IsTruncated", &x, &y) && y - x == 4 &&
        memcmp(x, "true", 4) == 0) {
        at = resp.body.data;
        if (!ddb_xml_next(&at, end, "NextContinuationToken", &x, &y))
            rc = ddb_error_set(DDB_EPROTOCOL, "S3: a truncated listing without NextContinuationToken");
        else if ((out->next = ddb_xml_unescape(x, y)) == NULL)
            rc = ddb_last_error()->code;
    }
    if (rc != 0)
        ddb_s3_listing_free(out);
    ddb_http_response_free(&resp);
    ddb_buf_free(&q);
    return rc;
}

int ddb_s3_delete_many(size_t *deleted, const ddb_s3_bucket *b, const char *const *keys, size_t n)
{
    if (deleted != NULL)
        *deleted = 0;
    int rc = check(b, NULL, false);
    if (rc == 0 && (n > DELETE_MAX || (n != 0 && keys == NULL)))
        rc = ddb_error_set(DDB_EINVAL, "S3 DeleteObjects takes 1 to %d keys, got %zu", DELETE_MAX, n);
    if (rc != 0 || n == 0)
        return rc;
    ddb_buf body = DDB_BUF_INIT;
    rc = ddb_buf_puts(&body, "<Delete><Quiet>true</Quiet>");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rc = ddb_buf_puts(&body, "<Object><Key>");
        if (rc == 0)
            rc = put_xml(&body, keys[i]);
        if (rc == 0)
            rc = ddb_buf_puts(&body, "</Key></Object>");
    }
    if (rc == 0)
        rc = ddb_buf_puts(&body, "</Delete>");
    /* Content-MD5 is required by DeleteObjects */
    unsigned char md5[16];
    unsigned int md5_len = 0;
    ddb_buf md5_b64 = DDB_BUF_INIT;
    if (rc == 0 && EVP_Digest(body.data, body.len, md5, &md5_len, EVP_md5(), NULL) != 1)
        rc = ddb_error_set(DDB_ENOMEM, "MD5 is not available from OpenSSL");
    if (rc == 0)
        rc = ddb_base64_encode(&md5_b64, md5, md5_len);
    ddb_http_response resp = DDB_HTTP_RESPONSE_INIT;
    if (rc == 0) {
        ddb_header h[2] = {{"Content-Type", "application/xml"}, {"Content-MD5", ddb_buf_cstr(&md5_b64)}};
        rc = send_on(&resp, b, NULL, "POST", "delete=", h, 2, body.data, body.len, "DeleteObjects");
    }
    size_t failed = 0;
    const char *at = resp.body.data, *end = at != NULL ? at + resp.body.len : NULL, *x, *y;
    while (rc == 0 && at != NULL && ddb_xml_next(&at, end, "Error", &x, &y)) {
        if (failed++ == 0) {
            const char *kat = x, *ka, *kb, *cat = x, *ca, *cb;
            bool has_key = ddb_xml_next(&kat, y, "Key", &ka, &kb), has_code = ddb_xml_next(&cat, y, "Code", &ca, &cb);
            ddb_error_set(DDB_ESERVICE, "S3 DeleteObjects could not delete %.*s: %.*s", has_key ? (int)(kb - ka) : 1,
                          has_key ? ka : "?", has_code ? (int)(cb - ca) : 1, has_code ? ca : "?");
        }
    }
    if (rc == 0 && failed != 0)
        rc = DDB_ESERVICE;
    if (deleted != NULL && (rc == 0 || rc == DDB_ESERVICE)) /* a hostile answer may list more errors than keys */
        *deleted = failed < n ? n - failed : 0;
    ddb_http_response_free(&resp);
    ddb_buf_free(&md5_b64);
    ddb_buf_free(&body);
    return rc;
}
