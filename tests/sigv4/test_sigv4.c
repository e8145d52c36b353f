/*
 * test_sigv4.c - SigV4 signing against the AWS signing test suite (v4,
 * header-signed variants), the S3 documentation examples, hand-made
 * canonicalisation cases, the signing-key cache and argument errors.
 *
 * Vectors are read at test time from $DDB_SIGV4_VECTORS (tests/sigv4/vectors,
 * whose README.md says where they come from).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ddb/error.h"
#include "ddb/sigv4.h"

#define MAX_TEST_HEADERS 16

/* ---- files --------------------------------------------------------------- */

/* $DDB_SIGV4_VECTORS/<rel>[/<name>] into a (reset) buffer. */
static void vector_path(ddb_buf *out, const char *rel, const char *name)
{
    const char *dir = getenv("DDB_SIGV4_VECTORS");
    if (dir == NULL || *dir == '\0')
        fail_msg("DDB_SIGV4_VECTORS is not set (meson test sets it to tests/sigv4/vectors)");
    ddb_buf_reset(out);
    assert_int_equal(ddb_buf_printf(out, "%s/%s%s%s", dir, rel, name ? "/" : "", name ? name : ""), 0);
}

/* Whole file as a malloc'ed string; trailing newlines dropped when `trim`. */
static char *slurp(const char *path, bool trim)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    ddb_buf b = DDB_BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        assert_int_equal(ddb_buf_append(&b, chunk, n), 0);
    fclose(f);
    while (trim && b.len > 0 && b.data[b.len - 1] == '\n')
        b.data[--b.len] = '\0';
    return ddb_buf_steal(NULL, &b);
}

static char *slurp_vector(const char *vector, const char *file, bool trim)
{
    ddb_buf path = DDB_BUF_INIT;
    vector_path(&path, "aws-signing-test-suite/v4", vector);
    assert_int_equal(ddb_buf_printf(&path, "/%s", file), 0);
    char *text = slurp(path.data, trim);
    ddb_buf_free(&path);
    return text;
}

/* ---- the AWS signing test suite ------------------------------------------ */

/*
 * request.txt parsed in place: "METHOD target HTTP/1.1", header lines
 * ("Name:value", indented lines continue the previous value), a blank line,
 * the body. The target may contain spaces (get-space-*).
 */
typedef struct vector_request {
    char *text;
    ddb_sigv4_request req;
    ddb_header headers[MAX_TEST_HEADERS];
} vector_request;

static char *cut_line(char *p)
{
    char *eol = p + strcspn(p, "\n");
    if (*eol == '\0')
        return eol;
    *eol = '\0';
    return eol + 1;
}

static void parse_request(vector_request *v)
{
    char *p = v->text;
    char *next = cut_line(p);
    char *target = strchr(p, ' ');
    char *proto = strrchr(p, ' ');
    assert_true(target != NULL && proto > target);
    *target++ = '\0';
    *proto = '\0';
    v->req.method = p;
    char *q = strchr(target, '?');
    if (q != NULL)
        *q++ = '\0';
    v->req.path = target;
    v->req.query = q;
    v->req.headers = v->headers;
    for (p = next; *p != '\0' && *p != '\n';) {
        char *colon = strchr(p, ':');
        assert_non_null(colon);
        assert_true(v->req.n_headers < MAX_TEST_HEADERS);
        *colon = '\0';
        char *end = colon + 1 + strcspn(colon + 1, "\n");
        while (end[0] == '\n' && (end[1] == ' ' || end[1] == '\t'))
            end += 1 + strcspn(end + 1, "\n");
        v->headers[v->req.n_headers++] = (ddb_header){p, colon + 1};
        p = *end != '\0' ? end + 1 : end;
        *end = '\0';
    }
    if (*p == '\n') {
        v->req.payload = p + 1;
        v->req.payload_len = strlen(p + 1);
    }
}

static time_t parse_iso8601(const char *s)
{
    struct tm tm = {0};
    assert_int_equal(
        sscanf(s, "%d-%d-%dT%d:%d:%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec), 6);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return timegm(&tm);
}

static const char *json_str(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/*
 * Vectors that do not apply, each with its reason; everything else in the
 * suite must run (the counts are asserted below).
 *  - "normalize": false with a raw (unencoded) path: the service signs the
 *    path unnormalised yet encoded, which is neither of libddb's modes
 *    (non-S3: normalised + encoded; S3: as given, already encoded). The
 *    normalised twin of each runs.
 *  - "omit_session_token": true: the token is added after signing and left
 *    unsigned (an old STS convention); libddb, like botocore, signs it.
 *    post-sts-header-before covers signing with a token.
 */
static const struct {
    const char *name;
    const char *reason;
} skipped_vectors[] = {
    {"get-relative-relative-unnormalized", "normalize"},
    {"get-relative-unnormalized", "normalize"},
    {"get-slash-dot-slash-unnormalized", "normalize"},
    {"get-slash-pointless-dot-unnormalized", "normalize"},
    {"get-slash-unnormalized", "normalize"},
    {"get-slashes-unnormalized", "normalize"},
    {"get-space-unnormalized", "normalize"},
    {"post-sts-header-after", "omit_session_token"},
};
#define N_SKIPPED (sizeof skipped_vectors / sizeof skipped_vectors[0])
#define N_SUITE_RUN 30

static const char *skip_reason(const char *name)
{
    for (size_t i = 0; i < N_SKIPPED; i++)
        if (strcmp(skipped_vectors[i].name, name) == 0)
            return skipped_vectors[i].reason;
    return NULL;
}

/* "Authorization:..." line of header-signed-request.txt. */
static const char *expected_authorization(char *signed_request)
{
    for (char *p = signed_request; *p != '\0';) {
        char *next = cut_line(p);
        if (strncmp(p, "Authorization:", 14) == 0)
            return p + 14;
        p = next;
    }
    fail_msg("no Authorization line");
    return NULL;
}

static void run_suite_vector(const char *name)
{
    char *context_text = slurp_vector(name, "context.json", false);
    json_error_t jerr;
    json_t *ctx = json_loads(context_text, 0, &jerr);
    if (ctx == NULL)
        fail_msg("%s/context.json: %s", name, jerr.text);
    json_t *jcreds = json_object_get(ctx, "credentials");
    ddb_credentials creds = {
        .access_key_id = (char *)json_str(jcreds, "access_key_id"),
        .secret_access_key = (char *)json_str(jcreds, "secret_access_key"),
        .session_token = (char *)json_str(jcreds, "token"),
    };
    /* sign_body asks for X-Amz-Content-Sha256, which s3_mode adds; those
     * vectors have the path "/", the same in both modes. */
    ddb_sigv4_params params = {
        .region = json_str(ctx, "region"),
        .service = json_str(ctx, "service"),
        .now = parse_iso8601(json_str(ctx, "timestamp")),
        .s3_mode = json_is_true(json_object_get(ctx, "sign_body")),
    };

    vector_request v = {.text = slurp_vector(name, "request.txt", false)};
    parse_request(&v);
    if (params.s3_mode)
        assert_string_equal(v.req.path, "/");

    ddb_sigv4_result out;
    ddb_buf debug = DDB_BUF_INIT;
    int rc = ddb_sigv4_sign(&out, &debug, NULL, &params, &creds, &v.req);
    if (rc != 0)
        fail_msg("%s: %s", name, ddb_last_error()->message);

    char *creq = slurp_vector(name, "header-canonical-request.txt", true);
    char *sts = slurp_vector(name, "header-string-to-sign.txt", true);
    char *signature = slurp_vector(name, "header-signature.txt", true);
    char *signed_request = slurp_vector(name, "header-signed-request.txt", false);
    ddb_buf want = DDB_BUF_INIT;
    assert_int_equal(ddb_buf_printf(&want, "%s\n----\n%s", creq, sts), 0);
    if (strcmp(debug.data, want.data) != 0)
        fail_msg("%s: canonical request / string to sign differ\n--- got\n%s\n--- want\n%s", name, debug.data,
                 want.data);
    assert_string_equal(out.authorization, expected_authorization(signed_request));
    assert_non_null(strstr(out.authorization, signature));
    assert_string_equal(out.amz_date, "20150830T123600Z");
    if (creds.session_token != NULL)
        assert_ptr_equal(out.security_token, creds.session_token);

    ddb_buf_free(&want);
    ddb_buf_free(&debug);
    free(creq);
    free(sts);
    free(signature);
    free(signed_request);
    free(v.text);
    json_decref(ctx);
    free(context_text);
}

/* A skipped vector must really have the property its reason names. */
static void check_skip_reason(const char *name, const char *reason)
{
    char *context_text = slurp_vector(name, "context.json", false);
    json_t *ctx = json_loads(context_text, 0, NULL);
    assert_non_null(ctx);
    json_t *flag = json_object_get(ctx, reason);
    if (strcmp(reason, "normalize") == 0)
        assert_true(json_is_false(flag));
    else
        assert_true(json_is_true(flag));
    json_decref(ctx);
    free(context_text);
}

static void test_aws_suite(void **state)
{
    (void)state;
    ddb_buf dir_path = DDB_BUF_INIT;
    vector_path(&dir_path, "aws-signing-test-suite/v4", NULL);
    DIR *dir = opendir(dir_path.data);
    if (dir == NULL)
        fail_msg("cannot open %s", dir_path.data);
    size_t run = 0, skipped = 0;
    for (struct dirent *e; (e = readdir(dir)) != NULL;) {
        if (e->d_name[0] == '.')
            continue;
        const char *reason = skip_reason(e->d_name);
        if (reason != NULL) {
            check_skip_reason(e->d_name, reason);
            skipped++;
        } else {
            run_suite_vector(e->d_name);
            run++;
        }
    }
    closedir(dir);
    ddb_buf_free(&dir_path);
    print_message("aws-signing-test-suite: %zu vectors run, %zu skipped\n", run, skipped);
    assert_int_equal(skipped, N_SKIPPED);
    assert_int_equal(run, N_SUITE_RUN);
}

/* ---- S3 examples (s3_mode) ------------------------------------------------ */

static void run_s3_vector(json_t *doc, json_t *vec)
{
    const char *name = json_str(vec, "name");
    ddb_credentials creds = {
        .access_key_id = (char *)json_str(doc, "access_key_id"),
        .secret_access_key = (char *)json_str(doc, "secret_access_key"),
    };
    /* now = 0: the vectors carry x-amz-date, which must win. */
    ddb_sigv4_params params = {.region = json_str(doc, "region"), .service = json_str(doc, "service"), .s3_mode = true};
    ddb_header headers[MAX_TEST_HEADERS];
    size_t n = 0;
    const char *key;
    json_t *value;
    json_object_foreach(json_object_get(vec, "headers"), key, value)
    {
        assert_true(n < MAX_TEST_HEADERS);
        headers[n++] = (ddb_header){key, json_string_value(value)};
    }
    const char *body = json_str(vec, "body");
    ddb_sigv4_request req = {
        .method = json_str(vec, "method"),
        .path = json_str(vec, "path"),
        .query = json_str(vec, "canonical_query"),
        .headers = headers,
        .n_headers = n,
        .payload = body,
        .payload_len = body != NULL ? strlen(body) : 0,
    };
    ddb_sigv4_result out;
    ddb_buf debug = DDB_BUF_INIT;
    if (ddb_sigv4_sign(&out, &debug, NULL, &params, &creds, &req) != 0)
        fail_msg("%s: %s", name, ddb_last_error()->message);

    ddb_buf want = DDB_BUF_INIT;
    assert_int_equal(ddb_buf_printf(&want,
                                    "AWS4-HMAC-SHA256 Credential=%s/%.8s/%s/%s/aws4_request, SignedHeaders=%s, "
                                    "Signature=%s",
                                    creds.access_key_id, json_str(doc, "timestamp"), params.region, params.service,
                                    json_str(vec, "signed_headers"), json_str(vec, "expected")),
                     0);
    assert_string_equal(out.authorization, want.data);
    /* The computed payload hash closes the canonical request. */
    const char *creq_end = strstr(debug.data, "\n----\n");
    assert_non_null(creq_end);
    const char *hash = json_str(vec, "payload_hash");
    assert_memory_equal(creq_end - strlen(hash), hash, strlen(hash));
    /* The caller sent x-amz-date and x-amz-content-sha256: nothing to add. */
    assert_string_equal(out.amz_date, "");
    assert_string_equal(out.content_sha256, "");
    ddb_buf_free(&want);
    ddb_buf_free(&debug);
}

static void test_s3_examples(void **state)
{
    (void)state;
    ddb_buf path = DDB_BUF_INIT;
    vector_path(&path, "s3-examples.json", NULL);
    json_error_t jerr;
    json_t *doc = json_load_file(path.data, 0, &jerr);
    if (doc == NULL)
        fail_msg("%s: %s", path.data, jerr.text);
    size_t run = 0, skipped = 0, i;
    json_t *vec;
    json_array_foreach(json_object_get(doc, "vectors"), i, vec)
    {
        /* presigned-get-object is query-string signed (X-Amz-Expires). */
        if (json_object_get(vec, "expires") != NULL) {
            skipped++;
            continue;
        }
        run_s3_vector(doc, vec);
        run++;
    }
    print_message("s3-examples: %zu vectors run, %zu skipped\n", run, skipped);
    assert_int_equal(run, 4);
    assert_int_equal(skipped, 1);
    json_decref(doc);
    ddb_buf_free(&path);
}

/* ---- canonicalisation cases beyond the suite ----------------------------- */

static const ddb_credentials test_creds = {
    .access_key_id = (char *)"AKIDEXAMPLE",
    .secret_access_key = (char *)"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};

typedef struct signed_case {
    ddb_sigv4_result out;
    ddb_buf debug;
    int rc;
} signed_case;

static ddb_sigv4_request base_request(const ddb_header *headers, size_t n)
{
    return (ddb_sigv4_request){.method = "POST", .path = "/", .headers = headers, .n_headers = n};
}

static ddb_sigv4_params base_params(bool s3_mode)
{
    /* 2015-08-30T12:36:00Z */
    return (ddb_sigv4_params){.region = "us-east-1", .service = "dynamodb", .now = 1440938160, .s3_mode = s3_mode};
}

static void sign_case(signed_case *c, const ddb_sigv4_params *params, const ddb_credentials *creds,
                      const ddb_sigv4_request *req)
{
    ddb_buf_init(&c->debug);
    c->rc = ddb_sigv4_sign(&c->out, &c->debug, NULL, params, creds, req);
}

/* Line `line` (0-based) of the canonical request. */
static char *creq_line(signed_case *c, int line)
{
    const char *p = ddb_buf_cstr(&c->debug);
    for (int i = 0; i < line; i++) {
        p = strchr(p, '\n');
        assert_non_null(p);
        p++;
    }
    static char text[512];
    size_t n = strcspn(p, "\n");
    assert_true(n < sizeof text);
    memcpy(text, p, n);
    text[n] = '\0';
    return text;
}

static const ddb_header host_only[] = {{"Host", "example.amazonaws.com"}};

static void check_path(bool s3_mode, const char *path, const char *canonical)
{
    ddb_sigv4_params params = base_params(s3_mode);
    ddb_sigv4_request req = base_request(host_only, 1);
    req.path = path;
    signed_case c;
    sign_case(&c, &params, &test_creds, &req);
    assert_int_equal(c.rc, 0);
    assert_string_equal(creq_line(&c, 1), canonical);
    ddb_buf_free(&c.debug);
}

static void test_paths(void **state)
{
    (void)state;
    check_path(false, "/a%20b/./c/../d//", "/a%2520b/d/");
    check_path(false, "/a b/\xe1\x88\xb4/x$y", "/a%20b/%E1%88%B4/x%24y");
    check_path(false, NULL, "/");
    check_path(false, "", "/");
    check_path(false, "/../..", "/");
    check_path(false, "/a/.", "/a");
    check_path(true, "/a%20b/./c//", "/a%20b/./c//");
    check_path(true, "", "/");
}

static void check_query(const char *query, const char *canonical)
{
    ddb_sigv4_params params = base_params(false);
    ddb_sigv4_request req = base_request(host_only, 1);
    req.query = query;
    signed_case c;
    sign_case(&c, &params, &test_creds, &req);
    assert_int_equal(c.rc, 0);
    assert_string_equal(creq_line(&c, 2), canonical);
    ddb_buf_free(&c.debug);
}

static void test_queries(void **state)
{
    (void)state;
    check_query("b=2&a=1&a=0&c&%41=x", "A=x&a=0&a=1&b=2&c=");
    check_query("k=a+b%2fc d&&", "k=a%2Bb%2Fc%20d");
    check_query("x=%zz&y=%4", "x=%25zz&y=%254");
    check_query("", "");
    check_query("a=1&a=", "a=&a=1");
}

static void test_header_values(void **state)
{
    (void)state;
    const ddb_header headers[] = {
        {"Host", "example.amazonaws.com"}, {"X-B", "  two \t  words  "}, {"x-a", "1"}, {"X-A", " 2 "}, {"X-C", ""},
    };
    ddb_sigv4_params params = base_params(false);
    ddb_sigv4_request req = base_request(headers, 5);
    signed_case c;
    sign_case(&c, &params, &test_creds, &req);
    assert_int_equal(c.rc, 0);
    assert_string_equal(creq_line(&c, 3), "host:example.amazonaws.com");
    assert_string_equal(creq_line(&c, 4), "x-a:1,2");
    assert_string_equal(creq_line(&c, 5), "x-amz-date:20150830T123600Z");
    assert_string_equal(creq_line(&c, 6), "x-b:two words");
    assert_string_equal(creq_line(&c, 7), "x-c:");
    assert_non_null(strstr(c.out.authorization, "SignedHeaders=host;x-a;x-amz-date;x-b;x-c, "));
    ddb_buf_free(&c.debug);
}

/* Headers signing adds, and the caller's own versions of them. */
static void test_added_headers(void **state)
{
    (void)state;
    ddb_credentials temp = test_creds;
    temp.session_token = (char *)"TOKEN";
    ddb_sigv4_params params = base_params(true);
    ddb_sigv4_request req = base_request(host_only, 1);
    req.payload = "abc";
    req.payload_len = 3;
    signed_case c;
    sign_case(&c, &params, &temp, &req);
    assert_int_equal(c.rc, 0);
    assert_string_equal(c.out.amz_date, "20150830T123600Z");
    assert_string_equal(c.out.content_sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_ptr_equal(c.out.security_token, temp.session_token);
    assert_non_null(
        strstr(c.out.authorization, "SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token, "));
    ddb_buf_free(&c.debug);

    const ddb_header own[] = {{"host", "h"},
                              {"X-Amz-Date", "20200101T000000Z"},
                              {"X-Amz-Security-Token", "OTHER"},
                              {"X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD"}};
    req = base_request(own, 4);
    req.payload_hash = "UNSIGNED-PAYLOAD";
    sign_case(&c, &params, &temp, &req);
    assert_int_equal(c.rc, 0);
    assert_string_equal(c.out.amz_date, "");
    assert_string_equal(c.out.content_sha256, "");
    assert_null(c.out.security_token);
    assert_non_null(strstr(c.out.authorization, "Credential=AKIDEXAMPLE/20200101/us-east-1/dynamodb/aws4_request"));
    assert_string_equal(creq_line(&c, 6), "x-amz-security-token:OTHER");
    assert_string_equal(creq_line(&c, 9), "UNSIGNED-PAYLOAD");
    ddb_buf_free(&c.debug);
}

static void test_sha256_hex(void **state)
{
    (void)state;
    char hex[65];
    ddb_sha256_hex(hex, NULL, 0);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    ddb_sha256_hex(hex, "abc", 3);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    char big[3000];
    memset(big, 'a', sizeof big);
    ddb_sha256_hex(hex, big, sizeof big);
    assert_int_equal(strlen(hex), 64);
}

/* ---- signing-key cache --------------------------------------------------- */

static void sign_with(ddb_sigv4_cache *cache, const char *region, time_t now, char auth[1024])
{
    ddb_sigv4_params params = base_params(false);
    params.region = region;
    params.now = now;
    ddb_sigv4_request req = base_request(host_only, 1);
    ddb_sigv4_result out;
    assert_int_equal(ddb_sigv4_sign(&out, NULL, cache, &params, &test_creds, &req), 0);
    memcpy(auth, out.authorization, sizeof out.authorization);
}

static void assert_stats(ddb_sigv4_cache *cache, uint64_t hits, uint64_t misses)
{
    uint64_t h, m;
    ddb_sigv4_cache_stats(&h, &m, cache);
    assert_int_equal(h, hits);
    assert_int_equal(m, misses);
}

static void test_cache_hit_and_day(void **state)
{
    (void)state;
    ddb_sigv4_cache *cache = ddb_sigv4_cache_new();
    assert_non_null(cache);
    char uncached[1024], first[1024], second[1024], later[1024], next_day[1024];
    sign_with(NULL, "us-east-1", 1440938160, uncached);
    sign_with(cache, "us-east-1", 1440938160, first);
    assert_stats(cache, 0, 1);
    sign_with(cache, "us-east-1", 1440938160, second);
    assert_stats(cache, 1, 1);
    assert_string_equal(first, uncached);
    assert_string_equal(second, uncached);
    sign_with(cache, "us-east-1", 1440938160 + 3600, later); /* same day: hit */
    assert_stats(cache, 2, 1);
    sign_with(cache, "us-east-1", 1440938160 + 86400, next_day);
    assert_stats(cache, 2, 2);
    assert_non_null(strstr(next_day, "/20150831/"));
    sign_with(NULL, "us-east-1", 1440938160 + 86400, uncached);
    assert_string_equal(next_day, uncached);
    ddb_sigv4_cache_free(cache);
    ddb_sigv4_cache_free(NULL);
}

static void test_cache_bounded(void **state)
{
    (void)state;
    ddb_sigv4_cache *cache = ddb_sigv4_cache_new();
    assert_non_null(cache);
    char auth[1024], region[32];
    for (int i = 0; i < 40; i++) { /* 40 keys through 16 slots */
        snprintf(region, sizeof region, "region-%d", i);
        sign_with(cache, region, 1440938160, auth);
    }
    assert_stats(cache, 0, 40);
    sign_with(cache, "region-39", 1440938160, auth); /* recent: kept */
    assert_stats(cache, 1, 40);
    sign_with(cache, "region-0", 1440938160, auth); /* oldest: evicted */
    assert_stats(cache, 1, 41);
    ddb_sigv4_cache_free(cache);
}

typedef struct thread_job {
    ddb_sigv4_cache *cache;
    int ok;
} thread_job;

static void *sign_many(void *arg)
{
    thread_job *job = arg;
    char want[1024], got[1024];
    ddb_sigv4_params params = base_params(false);
    ddb_sigv4_request req = base_request(host_only, 1);
    ddb_sigv4_result out;
    job->ok = 1;
    for (int i = 0; i < 200; i++) {
        params.now = 1440938160 + (time_t)(i % 3) * 86400;
        if (ddb_sigv4_sign(&out, NULL, NULL, &params, &test_creds, &req) != 0)
            job->ok = 0;
        memcpy(want, out.authorization, sizeof want);
        if (ddb_sigv4_sign(&out, NULL, job->cache, &params, &test_creds, &req) != 0)
            job->ok = 0;
        memcpy(got, out.authorization, sizeof got);
        if (strcmp(want, got) != 0)
            job->ok = 0;
    }
    return NULL;
}

static void test_cache_threads(void **state)
{
    (void)state;
    ddb_sigv4_cache *cache = ddb_sigv4_cache_new();
    pthread_t threads[4];
    thread_job jobs[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (thread_job){cache, 0};
        assert_int_equal(pthread_create(&threads[i], NULL, sign_many, &jobs[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(jobs[i].ok, 1);
    }
    uint64_t hits, misses;
    ddb_sigv4_cache_stats(&hits, &misses, cache);
    assert_int_equal(hits + misses, 4 * 200);
    assert_true(misses >= 3 && misses <= 4 * 3);
    ddb_sigv4_cache_free(cache);
}

/* ---- errors -------------------------------------------------------------- */

static void expect_einval(const ddb_sigv4_params *params, const ddb_credentials *creds, const ddb_sigv4_request *req,
                          const char *message_part)
{
    ddb_sigv4_result out;
    strcpy(out.authorization, "stale");
    assert_int_equal(ddb_sigv4_sign(&out, NULL, NULL, params, creds, req), DDB_EINVAL);
    assert_int_equal(ddb_last_error()->code, DDB_EINVAL);
    if (strstr(ddb_last_error()->message, message_part) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", ddb_last_error()->message, message_part);
    assert_string_equal(out.authorization, "");
}

static void test_errors(void **state)
{
    (void)state;
    ddb_sigv4_params params = base_params(false);
    ddb_sigv4_request req = base_request(host_only, 1);
    expect_einval(&params, &test_creds, NULL, "required");

    const ddb_header no_host[] = {{"X-A", "1"}};
    ddb_sigv4_request bad = base_request(no_host, 1);
    expect_einval(&params, &test_creds, &bad, "no Host header");

    const ddb_header with_auth[] = {{"Host", "h"}, {"Authorization", "x"}};
    bad = base_request(with_auth, 2);
    expect_einval(&params, &test_creds, &bad, "Authorization");

    const ddb_header bad_name[] = {{"Host", "h"}, {"Bad Name", "x"}};
    bad = base_request(bad_name, 2);
    expect_einval(&params, &test_creds, &bad, "invalid name");

    const ddb_header bad_date[] = {{"Host", "h"}, {"X-Amz-Date", "2015-08-30T12:36:00Z"}};
    bad = base_request(bad_date, 2);
    expect_einval(&params, &test_creds, &bad, "YYYYMMDDTHHMMSSZ");

    ddb_header many[DDB_SIGV4_MAX_HEADERS + 1];
    for (size_t i = 0; i < DDB_SIGV4_MAX_HEADERS + 1; i++)
        many[i] = (ddb_header){"Host", "h"};
    bad = base_request(many, DDB_SIGV4_MAX_HEADERS + 1);
    expect_einval(&params, &test_creds, &bad, "at most");

    ddb_sigv4_params bad_params = params;
    bad_params.region = "us/east";
    expect_einval(&bad_params, &test_creds, &req, "region");
    bad_params.region = NULL;
    expect_einval(&bad_params, &test_creds, &req, "region is missing");

    ddb_credentials no_secret = {.access_key_id = (char *)"AKID"};
    expect_einval(&params, &no_secret, &req, "secret");

    bad = req;
    bad.payload_len = 4;
    expect_einval(&params, &test_creds, &bad, "payload is NULL");

    bad = req;
    bad.query = "a=1&a=2&a=3&a=4&a=5&a=6&a=7&a=8&a=9&a=10&a=11&a=12&a=13&a=14&a=15&a=16&a=17&a=18&a=19&a=20&a=21"
                "&a=22&a=23&a=24&a=25&a=26&a=27&a=28&a=29&a=30&a=31&a=32&a=33&a=34&a=35&a=36&a=37&a=38&a=39"
                "&a=40&a=41&a=42&a=43&a=44&a=45&a=46&a=47&a=48&a=49&a=50&a=51&a=52&a=53&a=54&a=55&a=56&a=57"
                "&a=58&a=59&a=60&a=61&a=62&a=63&a=64&a=65";
    expect_einval(&params, &test_creds, &bad, "parameters");

    assert_int_equal(ddb_sigv4_sign(NULL, NULL, NULL, &params, &test_creds, &req), DDB_EINVAL);
}

/* X-Amz-Date from params->now, against gmtime_r, across day boundaries,
 * leap days, negative times and the ends of the four-digit years. */
static void test_dates(void **state)
{
    (void)state;
    static const time_t fixed[] = {0,         -1,         86399,        86400,        951782400,
                                   951868799, 4102444799, 253402300799, -62167219200, 1440938160};
    ddb_sigv4_params params = base_params(false);
    ddb_sigv4_request req = base_request(host_only, 1);
    ddb_sigv4_result out;
    uint64_t seed = 88172645463325252u;
    for (size_t i = 0; i < 2000; i++) {
        seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17; /* xorshift64 */
        time_t t = i < sizeof fixed / sizeof fixed[0] ? fixed[i] : (time_t)(seed % 253402300800u) - 62167219200;
        struct tm tm;
        char want[96];
        assert_non_null(gmtime_r(&t, &tm));
        snprintf(want, sizeof want, "%04d%02d%02dT%02d%02d%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                 tm.tm_hour, tm.tm_min, tm.tm_sec);
        params.now = t;
        assert_int_equal(ddb_sigv4_sign(&out, NULL, NULL, &params, &test_creds, &req), 0);
        if (strcmp(out.amz_date, want) != 0)
            fail_msg("time %lld: got %s, want %s", (long long)t, out.amz_date, want);
    }
    params.now = 253402300800; /* year 10000 */
    expect_einval(&params, &test_creds, &req, "out of range");
    params.now = -62167219201; /* year -1 */
    expect_einval(&params, &test_creds, &req, "out of range");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aws_suite),     cmocka_unit_test(test_s3_examples),
        cmocka_unit_test(test_paths),         cmocka_unit_test(test_queries),
        cmocka_unit_test(test_header_values), cmocka_unit_test(test_added_headers),
        cmocka_unit_test(test_sha256_hex),    cmocka_unit_test(test_cache_hit_and_day),
        cmocka_unit_test(test_cache_bounded), cmocka_unit_test(test_cache_threads),
        cmocka_unit_test(test_errors),        cmocka_unit_test(test_dates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
