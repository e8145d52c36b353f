/* test_client.c - the client over a scripted transport: configuration and
 * endpoint/region resolution, request headers and signature, retries with
 * the retry quota, checksum verification, error parsing, credentials
 * caching, the default client. No network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ddb/client.h"
#include "ddb/error.h"
#include "ddb/sigv4.h"
#include "net_test.h"

#define OK_BODY "{}"
#define CCF_BODY                                                                                   \
    "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException\","            \
    "\"message\":\"The conditional request failed\"}"
#define THROTTLE_BODY                                                                              \
    "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException\","     \
    "\"message\":\"Rate exceeded\"}"
#define SERVER_BODY                                                                                \
    "{\"__type\":\"com.amazon.coral.service#InternalServerError\",\"message\":\"boom\"}"

typedef struct fixture {
    fake_transport t;
    count_provider cp;
    fake_clock fc;
    ddb_client *c;
    ddb_buf resp;
} fixture;

/* Sets up a client whose transport plays `replies`; `policy` may be NULL. */
static void fixture_init(fixture *f, const fake_reply *replies, size_t n,
                         const ddb_retry_policy *policy)
{
    memset(f, 0, sizeof *f);
    fake_init(&f->t, replies, n);
    count_provider_init(&f->cp);
    ddb_retry_policy p = DDB_RETRY_POLICY_INIT;
    if (policy != NULL)
        p = *policy;
    fake_clock_attach(&p, &f->fc);
    f->c = test_client(&f->t, &f->cp, &p, NULL);
    assert_non_null(f->c);
}

static void fixture_free(fixture *f)
{
    ddb_client_free(f->c);
    fake_free(&f->t);
    ddb_buf_free(&f->resp);
}

static int call(fixture *f, const char *op)
{
    return ddb_client_call(&f->resp, f->c, op, "Thread", "{\"TableName\":\"Thread\"}", 22);
}

static int setup_env(void **state)
{
    (void)state;
    clean_aws_env();
    return 0;
}

/* ------------------------------------------------------------------ */
/* Configuration                                                      */
/* ------------------------------------------------------------------ */

/* Creates a client from `cfg` with a static transport and provider. */
static int new_client(ddb_client_config *cfg, ddb_client **out)
{
    static fake_transport t;
    static count_provider cp;
    static const fake_reply ok = {0, 200, OK_BODY, NULL, NULL};
    fake_free(&t);
    fake_init(&t, &ok, 1);
    count_provider_init(&cp);
    cfg->transport = &t.base;
    cfg->credentials = &cp.base;
    return ddb_client_new(out, cfg);
}

static void expect_resolution(const char *endpoint, const char *region, const char *want_endpoint,
                              const char *want_region)
{
    ddb_client_config cfg = DDB_CLIENT_CONFIG_INIT;
    cfg.endpoint = endpoint;
    cfg.region = region;
    cfg.allow_plain_http = true; /* parsing, not the plain-HTTP rule (test_plain_http_elsewhere) */
    ddb_client *c = NULL;
    assert_int_equal(new_client(&cfg, &c), 0);
    assert_string_equal(ddb_client_endpoint(c), want_endpoint);
    assert_string_equal(ddb_client_region(c), want_region);
    ddb_client_free(c);
}

static void test_region_and_endpoint_resolution(void **state)
{
    (void)state;
    clean_aws_env();
    expect_resolution(NULL, NULL, "https://dynamodb.us-east-1.amazonaws.com/", "us-east-1");
    expect_resolution(NULL, "eu-west-3", "https://dynamodb.eu-west-3.amazonaws.com/", "eu-west-3");
    expect_resolution(NULL, "cn-north-1", "https://dynamodb.cn-north-1.amazonaws.com.cn/",
                      "cn-north-1");
    setenv("AWS_DEFAULT_REGION", "ap-south-1", 1);
    expect_resolution(NULL, NULL, "https://dynamodb.ap-south-1.amazonaws.com/", "ap-south-1");
    setenv("AWS_REGION", "us-west-2", 1); /* AWS_REGION wins over AWS_DEFAULT_REGION */
    expect_resolution(NULL, NULL, "https://dynamodb.us-west-2.amazonaws.com/", "us-west-2");
    expect_resolution(NULL, "sa-east-1", "https://dynamodb.sa-east-1.amazonaws.com/", "sa-east-1");
    setenv("AWS_ENDPOINT_URL", "http://localhost:4566", 1);
    expect_resolution(NULL, NULL, "http://localhost:4566/", "us-west-2");
    setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000/",
           1); /* the service-specific one wins */
    expect_resolution(NULL, NULL, "http://127.0.0.1:8000/", "us-west-2");
    expect_resolution("https://ddb.example.com/prefix", NULL, "https://ddb.example.com/prefix",
                      "us-west-2");
    setenv("AWS_REGION", "", 1); /* empty is unset */
    expect_resolution("http://h", NULL, "http://h/", "ap-south-1");
    clean_aws_env();
}

static void test_region_from_shared_config(void **state)
{
    (void)state;
    clean_aws_env();
    char path[] = "/tmp/ddbc-net-config-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *fp = fdopen(fd, "w");
    fputs("[default]\nregion = eu-central-1\n[profile other]\nregion = me-south-1\n", fp);
    fclose(fp);
    setenv("AWS_CONFIG_FILE", path, 1);
    expect_resolution(NULL, NULL, "https://dynamodb.eu-central-1.amazonaws.com/", "eu-central-1");
    setenv("AWS_PROFILE", "other", 1);
    expect_resolution(NULL, NULL, "https://dynamodb.me-south-1.amazonaws.com/", "me-south-1");
    /* a malformed file is an error naming file and line, not "us-east-1" */
    fp = fopen(path, "w");
    fputs("[profile other]\nregion = me-south-1\nthis line is no setting\n", fp);
    fclose(fp);
    ddb_client_config cfg = DDB_CLIENT_CONFIG_INIT;
    cfg.credentials = NULL;
    ddb_client *c = NULL;
    assert_int_equal(ddb_client_new(&c, &cfg), DDB_ECONFIG);
    assert_null(c);
    char want[128];
    snprintf(want, sizeof want, "%s:3: ", path);
    assert_non_null(strstr(ddb_last_error()->message, want));
    unlink(path);
    clean_aws_env();
}

static void expect_host(const char *endpoint, const char *host, const char *url)
{
    static const fake_reply ok = {0, 200, OK_BODY, NULL, NULL};
    fake_transport t;
    count_provider cp;
    fake_init(&t, &ok, 1);
    count_provider_init(&cp);
    ddb_client_config cfg = DDB_CLIENT_CONFIG_INIT;
    cfg.endpoint = endpoint;
    cfg.region = "us-east-1";
    cfg.allow_plain_http = true;
    cfg.transport = &t.base;
    cfg.credentials = &cp.base;
    ddb_client *c = NULL;
    assert_int_equal(ddb_client_new(&c, &cfg), 0);
    ddb_buf resp = DDB_BUF_INIT;
    assert_int_equal(ddb_client_call(&resp, c, "ListTables", NULL, "{}", 2), 0);
    assert_string_equal(fake_header(&t, "Host"), host);
    assert_string_equal(t.url, url);
    ddb_buf_free(&resp);
    ddb_client_free(c);
    fake_free(&t);
}

static void test_host_header(void **state)
{
    (void)state;
    expect_host("http://127.0.0.1:8000", "127.0.0.1:8000", "http://127.0.0.1:8000/");
    expect_host("http://localhost:80", "localhost", "http://localhost:80/");
    expect_host("https://ddb.example.com:443/", "ddb.example.com", "https://ddb.example.com:443/");
    expect_host("https://ddb.example.com:8443", "ddb.example.com:8443",
                "https://ddb.example.com:8443/");
    expect_host("HTTP://[::1]:9000/x", "[::1]:9000", "HTTP://[::1]:9000/x");
    expect_host("http://[fe80::1]", "[fe80::1]", "http://[fe80::1]/");
}

/* http:// to another machine is refused unless allowed: signed requests
 * and session tokens would cross the network unencrypted. This machine
 * (localhost, 127/8, ::1) is always allowed, https always. */
static void test_plain_http_elsewhere(void **state)
{
    (void)state;
    static const char *const here[] = {"http://localhost:8000", "http://LOCALHOST", "http://127.0.0.1:8000",
                                       "http://127.8.9.10/", "http://[::1]:9000", "https://10.0.0.5",
                                       "https://dynamodb.us-east-1.amazonaws.com"};
    static const char *const elsewhere[] = {"http://10.0.0.5:8000", "http://dynamodb-local:8000",
                                            "http://[fe80::1]", "http://128.0.0.1", "http://localhost.example"};
    unsetenv("DDB_ALLOW_PLAIN_HTTP");
    for (size_t i = 0; i < sizeof here / sizeof here[0]; i++) {
        ddb_client_config cfg = DDB_CLIENT_CONFIG_INIT;
        cfg.endpoint = here[i];
        ddb_client *c = NULL;
        if (new_client(&cfg, &c) != 0)
            fail_msg("%s refused: %s", here[i], ddb_last_error()->message);
        ddb_client_free(c);
    }
    for (size_t i = 0; i < sizeof elsewhere / sizeof elsewhere[0]; i++) {
        ddb_client_config cfg = DDB_CLIENT_CONFIG_INIT;
        cfg.endpoint = elsewhere[i];
        ddb_client *c = NULL;
        if (new_client(&cfg, &c) != DDB_ECONFIG)
            fail_msg("%s was not refused", elsewhere[i]);
        assert_null(c);
        assert_non_null(strstr(ddb_last_error()->message, "plain HTTP to another machine"));
        cfg.allow_plain_http = true;
        assert_int_equal(new_client(&cfg, &c), 0);
        ddb_client_free(c);
        cfg.allow_plain_http = false;
        setenv("DDB_ALLOW_PLAIN_HTTP", "1", 1);
        assert_int_equal(new_client(&cfg, &c), 0);
        ddb_client_free(c);
        setenv("DDB_ALLOW_PLAIN_HTTP", "0", 1);
        assert_int_equal(new_client(&cfg, &c), DDB_ECONFIG);
        unsetenv("DDB_ALLOW_PLAIN_HTTP");
        cfg.version = 2; /* before allow_plain_http: refused all the same */
        assert_int_equal(new_client(&cfg, &c), DDB_ECONFIG);
    }
}

/* A write whose earlier attempt may have been applied is reported so: the
 * request left and the connection failed (then the retry's condition
 * failure may be the write's own doing), or the service answered 5xx.
 * Not for reads, not when the request never left. */
static void test_maybe_applied_writes(void **state)
{
    (void)state;
    static const fake_reply lost_then_condition[] = {
        {DDB_ENETWORK, 0, NULL, NULL, NULL},
        {0, 400, "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException\","
                 "\"message\":\"The conditional request failed\"}", NULL, NULL},
    };
    static const fake_reply server_errors[] = {
        {0, 500, "{\"__type\":\"com.amazonaws.dynamodb.v20120810#InternalServerError\",\"message\":\"x\"}", NULL,
         NULL},
    };
    struct {
        const fake_reply *replies;
        size_t n;
        bool after_send;
        const char *op;
        int code;
        bool maybe;
    } cases[] = {
        {lost_then_condition, 2, true, "PutItem", DDB_ECONDITION, true},
        {lost_then_condition, 2, false, "PutItem", DDB_ECONDITION, false}, /* never left: certain */
        {lost_then_condition, 2, true, "GetItem", DDB_ECONDITION, false},  /* a read changes nothing */
        {server_errors, 1, false, "UpdateItem", DDB_ESERVICE, true},
        {server_errors, 1, false, "Query", DDB_ESERVICE, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fixture f;
        fixture_init(&f, cases[i].replies, cases[i].n, NULL);
        f.t.fail_after_send = cases[i].after_send;
        int rc = call(&f, cases[i].op);
        if (rc != cases[i].code || ddb_last_error()->maybe_applied != cases[i].maybe)
            fail_msg("case %zu (%s): %s, maybe_applied %d: %s", i, cases[i].op, ddb_code_name(rc),
                     ddb_last_error()->maybe_applied, ddb_last_error()->message);
        assert_true((strstr(ddb_last_error()->message, "may have been applied") != NULL) == cases[i].maybe);
        fixture_free(&f);
    }
}

static void test_bad_configuration(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "ftp://host",     "host:8000",     "http://",         "http://:80",    "http://h:0",
        "http://h:65536", "http://h:8x",   "http://[::1",     "http://[::1]x", "http://h:123456",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ddb_client_config cfg = DDB_CLIENT_CONFIG_INIT;
        cfg.endpoint = bad[i];
        ddb_client *c = NULL;
        if (new_client(&cfg, &c) != DDB_EINVAL)
            fail_msg("endpoint \"%s\" was accepted", bad[i]);
        assert_null(c);
        assert_non_null(strstr(ddb_last_error()->message, bad[i]));
    }
    /* refused too, and what may be a secret is not repeated: a password,
     * a presigned query */
    static const char *const secret[][2] = {
        {"http://user:SECRET@h:8000/x", "\"http://***@h:8000/x\""},
        {"http://SECRET@h", "\"http://***@h\""},
        {"https://u:p@SECRET@h/", "\"https://***@h/\""},
        {"http://h/?X-Amz-Signature=SECRET", "\"http://h/?...\""},
        {"http://h/#SECRET", "\"http://h/#...\""},
        {"ftp://user:SECRET@h", "\"ftp://***@h\""},
    };
    for (size_t i = 0; i < sizeof secret / sizeof secret[0]; i++) {
        ddb_client_config cfg = DDB_CLIENT_CONFIG_INIT;
        cfg.endpoint = secret[i][0];
        ddb_client *c = NULL;
        if (new_client(&cfg, &c) != DDB_EINVAL)
            fail_msg("endpoint \"%s\" was accepted", secret[i][0]);
        if (strstr(ddb_last_error()->message, "SECRET") != NULL || strstr(ddb_last_error()->message, secret[i][1]) == NULL)
            fail_msg("endpoint \"%s\": the message is \"%s\"", secret[i][0], ddb_last_error()->message);
    }
    ddb_client_config cfg = DDB_CLIENT_CONFIG_INIT;
    ddb_client *c = NULL;
    cfg.version = 99;
    assert_int_equal(new_client(&cfg, &c), DDB_EINVAL);
    cfg.version = DDB_CLIENT_CONFIG_VERSION;
    cfg.retry.max_attempts = 0;
    assert_int_equal(new_client(&cfg, &c), DDB_EINVAL);
    assert_null(c);
    assert_int_equal(ddb_client_call(NULL, NULL, "GetItem", NULL, "{}", 2), DDB_EINVAL);
    cfg.retry.max_attempts = 1;
    assert_int_equal(new_client(&cfg, &c), 0);
    ddb_buf resp = DDB_BUF_INIT;
    assert_int_equal(ddb_client_call(NULL, c, "GetItem", NULL, "{}", 2), DDB_EINVAL);
    assert_int_equal(ddb_client_call(&resp, c, NULL, NULL, "{}", 2), DDB_EINVAL);
    assert_int_equal(ddb_client_call(&resp, c, "GetItem", NULL, NULL, 2), DDB_EINVAL);
    char long_op[100];
    memset(long_op, 'x', sizeof long_op - 1);
    long_op[sizeof long_op - 1] = '\0';
    assert_int_equal(ddb_client_call(&resp, c, long_op, NULL, "{}", 2), DDB_EINVAL);
    assert_int_equal(ddb_client_call(&resp, c, "ListTables", NULL, NULL, 0), 0); /* empty body */
    ddb_buf_free(&resp);
    ddb_client_free(c);
}

/* ------------------------------------------------------------------ */
/* Requests                                                           */
/* ------------------------------------------------------------------ */

/* max_response_bytes reaches the transport: the default, a value, none
 * (SIZE_MAX); version 2 configs get the default. */
static void test_max_response_bytes(void **state)
{
    (void)state;
    static const fake_reply ok = {0, 200, "{}", NULL, NULL};
    static const size_t set[] = {0, 4096, SIZE_MAX};
    static const size_t sent[] = {DDB_DEFAULT_MAX_RESPONSE_BYTES, 4096, 0};
    for (size_t i = 0; i < 4; i++) {
        fake_transport t;
        fake_init(&t, &ok, 1);
        count_provider cp;
        count_provider_init(&cp);
        ddb_client_config cfg = DDB_CLIENT_CONFIG_INIT;
        cfg.endpoint = "http://127.0.0.1:8000";
        cfg.region = "us-west-2";
        cfg.transport = &t.base;
        cfg.credentials = &cp.base;
        if (i < 3)
            cfg.max_response_bytes = set[i];
        else
            cfg.version = 2; /* before max_response_bytes */
        ddb_client *c = NULL;
        assert_int_equal(ddb_client_new(&c, &cfg), 0);
        ddb_buf resp = DDB_BUF_INIT;
        assert_int_equal(ddb_client_call(&resp, c, "GetItem", "T", "{}", 2), 0);
        assert_int_equal(t.max_body, i < 3 ? sent[i] : DDB_DEFAULT_MAX_RESPONSE_BYTES);
        ddb_buf_free(&resp);
        ddb_client_free(c);
        fake_free(&t);
    }
}

static void test_headers_and_signature(void **state)
{
    (void)state;
    static const fake_reply ok = {0, 200, "{\"x\":1}", NULL, NULL};
    fixture f;
    fixture_init(&f, &ok, 1, NULL);
    f.cp.token = "SESSIONTOKEN";
    assert_int_equal(ddb_buf_puts(&f.resp, "keep:"), 0);
    assert_int_equal(call(&f, "GetItem"), 0);
    assert_string_equal(f.resp.data, "keep:{\"x\":1}"); /* appended */
    assert_string_equal(f.t.method, "POST");
    assert_string_equal(f.t.url, "http://127.0.0.1:8000/");
    assert_string_equal(f.t.body.data, "{\"TableName\":\"Thread\"}");
    assert_string_equal(fake_header(&f.t, "Host"), "127.0.0.1:8000");
    assert_string_equal(fake_header(&f.t, "Content-Type"), "application/x-amz-json-1.0");
    assert_string_equal(fake_header(&f.t, "X-Amz-Target"), "DynamoDB_20120810.GetItem");
    assert_string_equal(fake_header(&f.t, "X-Amz-Security-Token"), "SESSIONTOKEN");
    assert_non_null(fake_header(&f.t, "User-Agent"));
    assert_int_equal(f.t.max_body, DDB_DEFAULT_MAX_RESPONSE_BYTES); /* answers are capped */

    /* X-Amz-Date is now, in basic ISO 8601 */
    char date[32];
    snprintf(date, sizeof date, "%s", fake_header(&f.t, "X-Amz-Date"));
    assert_int_equal(strlen(date), 16);
    struct tm tm = {0};
    assert_int_equal(sscanf(date, "%4d%2d%2dT%2d%2d%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                            &tm.tm_hour, &tm.tm_min, &tm.tm_sec),
                     6);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t signed_at = timegm(&tm);
    assert_true(labs((long)(time(NULL) - signed_at)) < 60);

    /* the Authorization header is exactly the signature of what was sent */
    const char *auth = fake_header(&f.t, "Authorization");
    char want_prefix[256];
    snprintf(
        want_prefix, sizeof want_prefix,
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/%.8s/us-west-2/dynamodb/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=",
        date);
    assert_memory_equal(auth, want_prefix, strlen(want_prefix));
    char sent_auth[1024];
    snprintf(sent_auth, sizeof sent_auth, "%s", auth);
    ddb_header h[3] = {{"Host", "127.0.0.1:8000"},
                       {"Content-Type", "application/x-amz-json-1.0"},
                       {"X-Amz-Target", "DynamoDB_20120810.GetItem"}};
    ddb_sigv4_params params = {"us-west-2", "dynamodb", signed_at, false};
    ddb_sigv4_request req = {"POST", "/", NULL, h, 3, f.t.body.data, f.t.body.len, NULL};
    ddb_credentials creds = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                             "SESSIONTOKEN", 0};
    ddb_sigv4_result sig;
    assert_int_equal(ddb_sigv4_sign(&sig, NULL, NULL, &params, &creds, &req), 0);
    assert_string_equal(sent_auth, sig.authorization);
    fixture_free(&f);
}

static void test_no_token_header_without_session_token(void **state)
{
    (void)state;
    static const fake_reply ok = {0, 200, OK_BODY, NULL, NULL};
    fixture f;
    fixture_init(&f, &ok, 1, NULL);
    assert_int_equal(call(&f, "PutItem"), 0);
    assert_null(fake_header(&f.t, "X-Amz-Security-Token"));
    assert_string_equal(fake_header(&f.t, "X-Amz-Target"), "DynamoDB_20120810.PutItem");
    assert_null(strstr(fake_header(&f.t, "Authorization"), "x-amz-security-token"));
    fixture_free(&f);
}

/* ------------------------------------------------------------------ */
/* Errors                                                             */
/* ------------------------------------------------------------------ */

static void test_error_is_parsed_into_last_error(void **state)
{
    (void)state;
    static const fake_reply ccf = {0, 400, CCF_BODY, NULL, "RID-42"};
    fixture f;
    fixture_init(&f, &ccf, 1, NULL);
    ddb_error_clear();
    assert_int_equal(call(&f, "PutItem"), DDB_ECONDITION);
    const ddb_error *e = ddb_last_error();
    assert_int_equal(e->code, DDB_ECONDITION);
    assert_int_equal(e->http_status, 400);
    assert_string_equal(e->aws_type, "ConditionalCheckFailedException");
    assert_string_equal(e->message, "The conditional request failed");
    assert_string_equal(e->request_id, "RID-42");
    assert_string_equal(e->operation, "PutItem");
    assert_string_equal(e->table, "Thread");
    assert_int_equal(e->attempts, 1);
    assert_int_equal(f.t.sent, 1); /* never retried */
    assert_int_equal(f.fc.n_sleeps, 0);
    assert_string_equal(f.resp.data, CCF_BODY); /* error body left for the caller */
    char line[512];
    ddb_error_format(line, sizeof line, e);
    assert_string_equal(
        line, "PutItem on Thread: conditional check failed: ConditionalCheckFailedException: "
              "The conditional request failed (HTTP 400, request id RID-42)");
    fixture_free(&f);
}

static void test_error_type_table(void **state)
{
    (void)state;
    static const struct {
        long status;
        const char *type;
        int code;
    } cases[] = {
        {400, "ConditionalCheckFailedException", DDB_ECONDITION},
        {400, "ProvisionedThroughputExceededException", DDB_ETHROTTLED},
        {400, "ThrottlingException", DDB_ETHROTTLED},
        {400, "RequestLimitExceeded", DDB_ETHROTTLED},
        {400, "TransactionCanceledException", DDB_ECANCELLED},
        {400, "ValidationException", DDB_EVALIDATION},
        {400, "SerializationException", DDB_EVALIDATION},
        {400, "ResourceNotFoundException", DDB_ERESOURCE},
        {400, "ResourceInUseException", DDB_EINUSE},
        {400, "UnrecognizedClientException", DDB_EAUTH},
        {400, "AccessDeniedException", DDB_EAUTH},
        {403, "InvalidSignatureException", DDB_EAUTH},
        {403, "MissingAuthenticationToken", DDB_EAUTH},
        {400, "ExpiredTokenException", DDB_EAUTH},
        {400, "ExpiredToken", DDB_EAUTH},
        {400, "ItemCollectionSizeLimitExceededException", DDB_ELIMIT},
        {400, "LimitExceededException", DDB_ELIMIT},
        {500, "InternalServerError", DDB_ESERVICE},
        {503, "ServiceUnavailable", DDB_ESERVICE},
        {400, "SomethingNewException", DDB_EVALIDATION},
        {500, "SomethingNewException", DDB_ESERVICE},
        {429, "SomethingNewException", DDB_ETHROTTLED},
        {403, "SomethingNewException", DDB_EAUTH},
        {413, "SomethingNewException", DDB_ELIMIT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char body[256];
        int n =
            snprintf(body, sizeof body,
                     "{\"__type\":\"com.amazonaws.dynamodb.v20120810#%s\",\"message\":\"m%zu\"}",
                     cases[i].type, i);
        int code = ddb_error_from_response(cases[i].status, body, (size_t)n, "R");
        if (code != cases[i].code)
            fail_msg("%s (HTTP %ld): got %s", cases[i].type, cases[i].status, ddb_code_name(code));
        assert_string_equal(ddb_last_error()->aws_type, cases[i].type);
        assert_int_equal(ddb_last_error()->http_status, cases[i].status);
    }
}

static void test_error_body_variants(void **state)
{
    (void)state;
    /* "Message" with a capital M, type without '#' */
    const char *b1 = "{\"__type\":\"ValidationException\",\"Message\":\"bad key\"}";
    assert_int_equal(ddb_error_from_response(400, b1, strlen(b1), NULL), DDB_EVALIDATION);
    assert_string_equal(ddb_last_error()->aws_type, "ValidationException");
    assert_string_equal(ddb_last_error()->message, "bad key");
    assert_string_equal(ddb_last_error()->request_id, "");
    /* no message */
    const char *b2 = "{\"__type\":\"x#ResourceNotFoundException\"}";
    assert_int_equal(ddb_error_from_response(400, b2, strlen(b2), "R2"), DDB_ERESOURCE);
    assert_string_equal(ddb_last_error()->message, "HTTP 400 ResourceNotFoundException");
    /* not JSON: the body becomes the message, control bytes blanked */
    const char *b3 = "<html>\nBad Gateway</html>";
    assert_int_equal(ddb_error_from_response(502, b3, strlen(b3), NULL), DDB_ESERVICE);
    assert_string_equal(ddb_last_error()->message, "HTTP 502: <html> Bad Gateway</html>");
    assert_string_equal(ddb_last_error()->aws_type, "");
    /* empty */
    assert_int_equal(ddb_error_from_response(503, NULL, 0, NULL), DDB_ESERVICE);
    assert_string_equal(ddb_last_error()->message, "HTTP 503 with an empty body");
    /* JSON without __type falls back on the status */
    assert_int_equal(ddb_error_from_response(404, "{}", 2, NULL), DDB_EVALIDATION);
    assert_int_equal(ddb_error_from_response(302, "{}", 2, NULL), DDB_EPROTOCOL);
    /* long non-JSON bodies are cut */
    char big[600];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(ddb_error_from_response(500, big, strlen(big), NULL), DDB_ESERVICE);
    assert_true(strlen(ddb_last_error()->message) < 220);
    assert_non_null(strstr(ddb_last_error()->message, "..."));
}

/* ------------------------------------------------------------------ */
/* Retries                                                            */
/* ------------------------------------------------------------------ */

static void test_throttling_then_success(void **state)
{
    (void)state;
    static const fake_reply replies[] = {
        {0, 400, THROTTLE_BODY, NULL, NULL},
        {0, 400, "{\"__type\":\"x#ThrottlingException\",\"message\":\"slow\"}", NULL, NULL},
        {0, 200, "{\"ok\":true}", NULL, NULL},
    };
    fixture f;
    fixture_init(&f, replies, 3, NULL);
    f.fc.rands[0] = 0.5;
    f.fc.rands[1] = 0.25;
    f.fc.n_rands = 2;
    assert_int_equal(call(&f, "GetItem"), 0);
    assert_int_equal(f.t.sent, 3);
    assert_string_equal(f.resp.data, "{\"ok\":true}"); /* only the final body */
    assert_int_equal(f.fc.n_sleeps, 2);
    assert_int_equal(f.fc.sleeps[0], 12); /* 0.5 * min(25 * 2^0, 20000) */
    assert_int_equal(f.fc.sleeps[1], 12); /* 0.25 * min(25 * 2^1, 20000) */
    fixture_free(&f);
}

static void test_server_errors_until_attempts_run_out(void **state)
{
    (void)state;
    static const fake_reply err = {0, 500, SERVER_BODY, NULL, NULL};
    ddb_retry_policy p = DDB_RETRY_POLICY_INIT;
    p.max_attempts = 5;
    p.base_ms = 100;
    p.max_backoff_ms = 300;
    fixture f;
    fixture_init(&f, &err, 1, &p);
    f.fc.rands[0] = 0.5;
    f.fc.n_rands = 1;
    assert_int_equal(call(&f, "Query"), DDB_ESERVICE);
    assert_int_equal(f.t.sent, 5);
    assert_int_equal(ddb_last_error()->attempts, 5);
    assert_string_equal(ddb_last_error()->aws_type, "InternalServerError");
    assert_string_equal(ddb_last_error()->request_id, "REQ-5");
    assert_string_equal(ddb_last_error()->operation, "Query");
    /* delays: 0.5 * min(100 * 2^n, 300) */
    assert_int_equal(f.fc.n_sleeps, 4);
    assert_int_equal(f.fc.sleeps[0], 50);
    assert_int_equal(f.fc.sleeps[1], 100);
    assert_int_equal(f.fc.sleeps[2], 150);
    assert_int_equal(f.fc.sleeps[3], 150);
    assert_string_equal(f.resp.data, SERVER_BODY);
    fixture_free(&f);
}

static void test_non_retryable_errors_are_not_retried(void **state)
{
    (void)state;
    static const char *const bodies[] = {
        "{\"__type\":\"x#ValidationException\",\"message\":\"v\"}",
        "{\"__type\":\"x#ResourceNotFoundException\",\"message\":\"r\"}",
        "{\"__type\":\"x#TransactionCanceledException\",\"message\":\"t\"}",
        CCF_BODY,
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        fake_reply r = {0, 400, bodies[i], NULL, NULL};
        fixture f;
        fixture_init(&f, &r, 1, NULL);
        assert_true(call(&f, "UpdateItem") < 0);
        assert_int_equal(f.t.sent, 1);
        assert_int_equal(ddb_last_error()->attempts, 1);
        fixture_free(&f);
    }
}

static void test_crc_mismatch_is_retried(void **state)
{
    (void)state;
    static const fake_reply replies[] = {
        {0, 200, "{\"a\":1}", "12345", NULL},
        {0, 200, "{\"a\":2}", NULL, NULL},
    };
    fixture f;
    fixture_init(&f, replies, 2, NULL);
    assert_int_equal(call(&f, "GetItem"), 0);
    assert_int_equal(f.t.sent, 2);
    assert_string_equal(f.resp.data, "{\"a\":2}");
    fixture_free(&f);

    static const fake_reply always_bad = {0, 200, "{\"a\":1}", "not-a-number", NULL};
    fixture_init(&f, &always_bad, 1, NULL);
    assert_int_equal(call(&f, "GetItem"), DDB_ECRC);
    assert_int_equal(f.t.sent, 3);
    assert_int_equal(ddb_last_error()->attempts, 3);
    assert_non_null(strstr(ddb_last_error()->message, "x-amz-crc32"));
    assert_string_equal(f.resp.data, ""); /* a corrupt body is not handed out */
    fixture_free(&f);

    /* no header: nothing to verify */
    static const fake_reply no_crc = {0, 200, "{}", "", NULL};
    fixture_init(&f, &no_crc, 1, NULL);
    assert_int_equal(call(&f, "GetItem"), 0);
    fixture_free(&f);
}

static void test_crc_verification_can_be_disabled(void **state)
{
    (void)state;
    static const fake_reply bad = {0, 200, "{}", "1", NULL};
    fake_transport t;
    count_provider cp;
    fake_init(&t, &bad, 1);
    count_provider_init(&cp);
    ddb_client_config cfg = DDB_CLIENT_CONFIG_INIT;
    cfg.endpoint = "http://127.0.0.1:8000";
    cfg.transport = &t.base;
    cfg.credentials = &cp.base;
    cfg.verify_crc32 = false;
    ddb_client *c = NULL;
    assert_int_equal(ddb_client_new(&c, &cfg), 0);
    ddb_buf resp = DDB_BUF_INIT;
    assert_int_equal(ddb_client_call(&resp, c, "GetItem", "T", "{}", 2), 0);
    ddb_buf_free(&resp);
    ddb_client_free(c);
    fake_free(&t);
}

static void test_network_errors_are_retried(void **state)
{
    (void)state;
    static const fake_reply replies[] = {
        {DDB_ENETWORK, 0, NULL, NULL, NULL},
        {DDB_ETIMEOUT, 0, NULL, NULL, NULL},
        {0, 200, OK_BODY, NULL, NULL},
    };
    fixture f;
    fixture_init(&f, replies, 3, NULL);
    assert_int_equal(call(&f, "Scan"), 0);
    assert_int_equal(f.t.sent, 3);
    fixture_free(&f);

    static const fake_reply down = {DDB_ENETWORK, 0, NULL, NULL, NULL};
    fixture_init(&f, &down, 1, NULL);
    assert_int_equal(ddb_buf_puts(&f.resp, "prefix"), 0);
    assert_int_equal(call(&f, "Scan"), DDB_ENETWORK);
    assert_int_equal(ddb_last_error()->attempts, 3);
    assert_string_equal(ddb_last_error()->operation, "Scan");
    assert_string_equal(f.resp.data, "prefix"); /* untouched */
    fixture_free(&f);
}

static void test_quota_costs_and_refunds(void **state)
{
    (void)state;
    /* capacity 15: a timeout retry costs 10, the next one cannot be paid */
    static const fake_reply timeouts[] = {
        {DDB_ETIMEOUT, 0, NULL, NULL, NULL},
        {DDB_ETIMEOUT, 0, NULL, NULL, NULL},
        {0, 200, OK_BODY, NULL, NULL},
    };
    ddb_retry_policy p = DDB_RETRY_POLICY_INIT;
    p.quota_capacity = 15;
    fixture f;
    fixture_init(&f, timeouts, 3, &p);
    assert_int_equal(call(&f, "GetItem"), DDB_ETIMEOUT);
    assert_int_equal(f.t.sent, 2);
    assert_int_equal(ddb_last_error()->attempts, 2);
    assert_non_null(strstr(ddb_last_error()->message, "[retry quota exhausted]"));
    fixture_free(&f);

    /* capacity 5: one throttling retry (5 tokens), then none */
    static const fake_reply throttles[] = {{0, 400, THROTTLE_BODY, NULL, NULL}};
    p.quota_capacity = 5;
    fixture_init(&f, throttles, 1, &p);
    assert_int_equal(call(&f, "GetItem"), DDB_ETHROTTLED);
    assert_int_equal(f.t.sent, 2);
    assert_string_equal(ddb_last_error()->aws_type, "ProvisionedThroughputExceededException");
    assert_int_equal(call(&f, "GetItem"), DDB_ETHROTTLED); /* bucket empty: no retry at all */
    assert_int_equal(f.t.sent, 3);
    fixture_free(&f);

    /* a success after a retry refunds its cost */
    static const fake_reply one_throttle[] = {
        {0, 400, THROTTLE_BODY, NULL, NULL},
        {0, 200, OK_BODY, NULL, NULL},
        {0, 400, THROTTLE_BODY, NULL, NULL},
        {0, 200, OK_BODY, NULL, NULL},
    };
    fixture_init(&f, one_throttle, 4, &p);
    assert_int_equal(call(&f, "GetItem"), 0);
    assert_int_equal(call(&f, "GetItem"), 0); /* could retry again: the 5 tokens came back */
    assert_int_equal(f.t.sent, 4);
    fixture_free(&f);
}

/* Every attempt carries amz-sdk-invocation-id (a UUID v4, the same for
 * the attempts of one call, another for the next call) and amz-sdk-request
 * (attempt=N; max=M), as the AWS SDKs send them; neither is signed. */
static void test_sdk_attempt_headers(void **state)
{
    (void)state;
    static const fake_reply replies[] = {
        {0, 503, "{}", NULL, NULL}, {DDB_ENETWORK, 0, NULL, NULL, NULL}, {0, 200, OK_BODY, NULL, NULL}};
    fixture f;
    fixture_init(&f, replies, 3, NULL);
    assert_int_equal(call(&f, "GetItem"), 0);
    assert_int_equal(f.t.sent, 3);
    assert_int_equal(call(&f, "GetItem"), 0);
    assert_int_equal(f.t.sent, 4);
    for (size_t i = 0; i < 3; i++) {
        char want[48];
        snprintf(want, sizeof want, "attempt=%zu; max=3", i + 1);
        assert_string_equal(f.t.sdk_request[i], want);
        assert_string_equal(f.t.invocation[i], f.t.invocation[0]);
    }
    assert_string_equal(f.t.sdk_request[3], "attempt=1; max=3");
    assert_string_not_equal(f.t.invocation[3], f.t.invocation[0]);
    for (size_t k = 0; k < 4; k += 3) {
        const char *id = f.t.invocation[k];
        assert_int_equal(strlen(id), 36);
        for (size_t i = 0; i < 36; i++) {
            if (i == 8 || i == 13 || i == 18 || i == 23)
                assert_int_equal(id[i], '-');
            else
                assert_non_null(strchr("0123456789abcdef", id[i]));
        }
        assert_int_equal(id[14], '4');                /* version 4 */
        assert_non_null(strchr("89ab", id[19]));      /* RFC 4122 variant */
    }
    const char *auth = fake_header(&f.t, "Authorization");
    assert_null(strstr(auth, "amz-sdk"));
    fixture_free(&f);
}

static void test_quota_disabled(void **state)
{
    (void)state;
    static const fake_reply err = {0, 503, "{}", NULL, NULL};
    ddb_retry_policy p = DDB_RETRY_POLICY_INIT;
    p.quota_capacity = 0;
    p.max_attempts = 10;
    fixture f;
    fixture_init(&f, &err, 1, &p);
    assert_int_equal(call(&f, "GetItem"), DDB_ESERVICE);
    assert_int_equal(f.t.sent, 10);
    fixture_free(&f);
}

/* ------------------------------------------------------------------ */
/* Credentials                                                        */
/* ------------------------------------------------------------------ */

static void test_credentials_are_cached(void **state)
{
    (void)state;
    static const fake_reply ok = {0, 200, OK_BODY, NULL, NULL};
    fixture f;
    fixture_init(&f, &ok, 1, NULL);
    for (int i = 0; i < 5; i++)
        assert_int_equal(call(&f, "GetItem"), 0);
    assert_int_equal(f.cp.calls, 1); /* no expiration: fetched once */
    fixture_free(&f);

    fixture_init(&f, &ok, 1, NULL);
    f.cp.expiration = (int64_t)time(NULL) + 3600;
    for (int i = 0; i < 3; i++)
        assert_int_equal(call(&f, "GetItem"), 0);
    assert_int_equal(f.cp.calls, 1);
    fixture_free(&f);

    fixture_init(&f, &ok, 1, NULL);
    f.cp.expiration = (int64_t)time(NULL) + 30; /* inside the refresh margin */
    for (int i = 0; i < 3; i++)
        assert_int_equal(call(&f, "GetItem"), 0);
    assert_int_equal(f.cp.calls, 3);
    fixture_free(&f);
}

static void test_auth_failure_drops_cached_credentials(void **state)
{
    (void)state;
    static const fake_reply replies[] = {
        {0, 400, "{\"__type\":\"x#UnrecognizedClientException\",\"message\":\"bad token\"}", NULL,
         NULL},
        {0, 200, OK_BODY, NULL, NULL},
    };
    fixture f;
    fixture_init(&f, replies, 2, NULL);
    assert_int_equal(call(&f, "GetItem"), DDB_EAUTH);
    assert_int_equal(f.t.sent, 1);
    assert_int_equal(call(&f, "GetItem"), 0);
    assert_int_equal(f.cp.calls, 2);
    fixture_free(&f);
}

static void test_provider_failure(void **state)
{
    (void)state;
    static const fake_reply ok = {0, 200, OK_BODY, NULL, NULL};
    fixture f;
    fixture_init(&f, &ok, 1, NULL);
    f.cp.fail = 1;
    assert_int_equal(call(&f, "GetItem"), DDB_ECREDENTIALS);
    assert_int_equal(f.t.sent, 0);
    assert_string_equal(ddb_last_error()->operation, "GetItem");
    assert_string_equal(ddb_last_error()->table, "Thread");
    f.cp.fail = 0;
    assert_int_equal(call(&f, "GetItem"), 0);
    fixture_free(&f);
}

/* ------------------------------------------------------------------ */
/* Default client                                                     */
/* ------------------------------------------------------------------ */

static void test_default_client(void **state)
{
    (void)state;
    clean_aws_env();
    setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:1", 1);
    setenv("AWS_REGION", "eu-north-1", 1);
    ddb_client *c = ddb_default_client();
    assert_non_null(c);
    assert_ptr_equal(ddb_default_client(), c);
    assert_string_equal(ddb_client_endpoint(c), "http://127.0.0.1:1/");
    assert_string_equal(ddb_client_region(c), "eu-north-1");

    fixture f;
    static const fake_reply ok = {0, 200, OK_BODY, NULL, NULL};
    fixture_init(&f, &ok, 1, NULL);
    ddb_default_client_set(f.c); /* frees the one created above */
    assert_ptr_equal(ddb_default_client(), f.c);
    ddb_default_client_set(NULL); /* frees f.c */
    f.c = NULL;
    fixture_free(&f);

    setenv("AWS_ENDPOINT_URL_DYNAMODB", "bogus", 1);
    assert_null(ddb_default_client()); /* creation fails, error recorded */
    assert_int_equal(ddb_last_error()->code, DDB_EINVAL);
    clean_aws_env();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_region_and_endpoint_resolution),
        cmocka_unit_test(test_region_from_shared_config),
        cmocka_unit_test(test_host_header),
        cmocka_unit_test(test_bad_configuration),
        cmocka_unit_test(test_headers_and_signature),
        cmocka_unit_test(test_max_response_bytes),
        cmocka_unit_test(test_plain_http_elsewhere),
        cmocka_unit_test(test_maybe_applied_writes),
        cmocka_unit_test(test_no_token_header_without_session_token),
        cmocka_unit_test(test_error_is_parsed_into_last_error),
        cmocka_unit_test(test_error_type_table),
        cmocka_unit_test(test_error_body_variants),
        cmocka_unit_test(test_throttling_then_success),
        cmocka_unit_test(test_server_errors_until_attempts_run_out),
        cmocka_unit_test(test_non_retryable_errors_are_not_retried),
        cmocka_unit_test(test_crc_mismatch_is_retried),
        cmocka_unit_test(test_crc_verification_can_be_disabled),
        cmocka_unit_test(test_network_errors_are_retried),
        cmocka_unit_test(test_quota_costs_and_refunds),
        cmocka_unit_test(test_quota_disabled),
        cmocka_unit_test(test_sdk_attempt_headers),
        cmocka_unit_test(test_credentials_are_cached),
        cmocka_unit_test(test_auth_failure_drops_cached_credentials),
        cmocka_unit_test(test_provider_failure),
        cmocka_unit_test(test_default_client),
    };
    return cmocka_run_group_tests(tests, setup_env, NULL);
}
