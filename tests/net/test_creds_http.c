/*
 * test_creds_http.c - the credential providers that ask an HTTP endpoint,
 * against a stub server run by the test on 127.0.0.1: container
 * credentials (with and without an authorization token), EC2 instance
 * metadata (IMDSv2: a session token on every request), and STS's query
 * protocol (the form AssumeRole sends, the unsigned web-identity call,
 * errors). STS itself is exercised against moto by tests/integration.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ddb/creds.h"
#include "ddb/error.h"

/* ---- the stub ------------------------------------------------------------- */

static struct {
    int listen_fd;
    int port;
    pthread_t thread;
    pthread_mutex_t lock;
    /* the last request */
    char method[16], path[256], headers[4096], body[4096];
    int requests;
    bool sts_error; /* answer STS with an error */
} stub;

/* Value of header `name` in the last request (static copy), or NULL. */
static const char *stub_header(const char *name)
{
    static char value[512];
    size_t n = strlen(name);
    for (const char *line = stub.headers; *line != '\0';) {
        const char *eol = strstr(line, "\r\n");
        if (eol == NULL)
            break;
        if (strncasecmp(line, name, n) == 0 && line[n] == ':') {
            const char *v = line + n + 1;
            while (*v == ' ')
                v++;
            snprintf(value, sizeof value, "%.*s", (int)(eol - v), v);
            return value;
        }
        line = eol + 2;
    }
    return NULL;
}

static void reply(int fd, int status, const char *body)
{
    char head[256];
    int n = snprintf(head, sizeof head, "HTTP/1.1 %d X\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", status,
                     strlen(body));
    if (write(fd, head, (size_t)n) < 0 || write(fd, body, strlen(body)) < 0)
        return;
}

static const char creds_json[] = "{\"Code\": \"Success\", \"AccessKeyId\": \"HTTPAKID\", \"SecretAccessKey\": "
                                 "\"HTTPSECRET\", \"Token\": \"HTTPTOKEN\", \"Expiration\": "
                                 "\"2031-02-03T04:05:06Z\"}";

static const char sts_xml[] =
    "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult>"
    "<Credentials><AccessKeyId>STSAKID</AccessKeyId><SecretAccessKey>STS&amp;SECRET</SecretAccessKey>"
    "<SessionToken>STSTOKEN</SessionToken><Expiration>2031-02-03T04:05:06Z</Expiration></Credentials>"
    "</AssumeRoleResult></AssumeRoleResponse>";

static const char sts_error_xml[] = "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
                                    "<Message>not allowed to assume</Message></Error>"
                                    "<RequestId>REQ-STS-1</RequestId></ErrorResponse>";

static void route(int fd)
{
    const char *token = stub_header("X-aws-ec2-metadata-token");
    bool imds_ok = token != NULL && strcmp(token, "IMDSTOKEN") == 0;
    if (strcmp(stub.method, "PUT") == 0 && strcmp(stub.path, "/latest/api/token") == 0)
        reply(fd, stub_header("X-aws-ec2-metadata-token-ttl-seconds") != NULL ? 200 : 400, "IMDSTOKEN");
    else if (strcmp(stub.path, "/latest/meta-data/iam/security-credentials/") == 0)
        reply(fd, imds_ok ? 200 : 401, imds_ok ? "role-a\n" : "");
    else if (strcmp(stub.path, "/latest/meta-data/iam/security-credentials/role-a") == 0)
        reply(fd, imds_ok ? 200 : 401, imds_ok ? creds_json : "");
    else if (strcmp(stub.path, "/creds") == 0)
        reply(fd, 200, creds_json);
    else if (strcmp(stub.path, "/private") == 0) {
        const char *auth = stub_header("Authorization");
        bool ok = auth != NULL && strcmp(auth, "Bearer s3cret") == 0;
        reply(fd, ok ? 200 : 403, ok ? creds_json : "{}");
    } else if (strcmp(stub.method, "POST") == 0 && strcmp(stub.path, "/") == 0)
        reply(fd, stub.sts_error ? 403 : 200, stub.sts_error ? sts_error_xml : sts_xml);
    else
        reply(fd, 404, "");
}

static void *serve(void *arg)
{
    (void)arg;
    for (;;) {
        int fd = accept(stub.listen_fd, NULL, NULL);
        if (fd < 0)
            return NULL;
        char buf[16384];
        buf[0] = '\0';
        size_t got = 0;
        char *end = NULL;
        while (got < sizeof buf - 1 && (end = strstr(buf, "\r\n\r\n")) == NULL) {
            ssize_t n = read(fd, buf + got, sizeof buf - 1 - got);
            if (n <= 0)
                break;
            got += (size_t)n;
            buf[got] = '\0';
        }
        if (end == NULL) {
            close(fd);
            continue;
        }
        pthread_mutex_lock(&stub.lock);
        stub.requests++;
        sscanf(buf, "%15s %255s", stub.method, stub.path);
        const char *hdrs = strstr(buf, "\r\n") + 2;
        snprintf(stub.headers, sizeof stub.headers, "%.*s", (int)(end + 2 - hdrs), hdrs);
        const char *cl = stub_header("Content-Length");
        size_t want = cl != NULL ? (size_t)atol(cl) : 0, have = got - (size_t)(end + 4 - buf);
        while (have < want && got < sizeof buf - 1) {
            ssize_t n = read(fd, buf + got, sizeof buf - 1 - got);
            if (n <= 0)
                break;
            got += (size_t)n;
            have += (size_t)n;
        }
        buf[got] = '\0';
        snprintf(stub.body, sizeof stub.body, "%s", end + 4);
        route(fd);
        pthread_mutex_unlock(&stub.lock);
        close(fd);
    }
}

static int start_stub(void **state)
{
    (void)state;
    stub.listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (stub.listen_fd < 0 || bind(stub.listen_fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(stub.listen_fd, 16) != 0 || getsockname(stub.listen_fd, (struct sockaddr *)&a, &len) != 0)
        return -1;
    stub.port = ntohs(a.sin_port);
    pthread_mutex_init(&stub.lock, NULL);
    return pthread_create(&stub.thread, NULL, serve, NULL);
}

static int stop_stub(void **state)
{
    (void)state;
    shutdown(stub.listen_fd, SHUT_RDWR);
    close(stub.listen_fd);
    pthread_join(stub.thread, NULL);
    pthread_mutex_destroy(&stub.lock);
    return 0;
}

static int clean_env(void **state)
{
    (void)state;
    static const char *const vars[] = {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                                       "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                                       "AWS_CONTAINER_AUTHORIZATION_TOKEN",
                                       "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                                       "AWS_EC2_METADATA_DISABLED",
                                       "AWS_ROLE_ARN",
                                       "AWS_WEB_IDENTITY_TOKEN_FILE",
                                       "AWS_ROLE_SESSION_NAME",
                                       "AWS_ENDPOINT_URL",
                                       "AWS_ENDPOINT_URL_STS"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        unsetenv(vars[i]);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", stub.port);
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", url, 1);
    setenv("AWS_REGION", "us-east-1", 1);
    stub.sts_error = false;
    ddb_error_clear();
    return 0;
}

static void stub_url(char *out, size_t size, const char *path)
{
    snprintf(out, size, "http://127.0.0.1:%d%s", stub.port, path);
}

static void expect_http_creds(ddb_credentials_provider *p)
{
    ddb_credentials c = DDB_CREDENTIALS_INIT;
    int rc = p->get(p, &c);
    if (rc != 0)
        fail_msg("get: %s: %s", ddb_code_name(rc), ddb_last_error()->message);
    assert_string_equal(c.access_key_id, "HTTPAKID");
    assert_string_equal(c.secret_access_key, "HTTPSECRET");
    assert_string_equal(c.session_token, "HTTPTOKEN");
    assert_int_equal(c.expiration, 1927857906); /* 2031-02-03T04:05:06Z */
    ddb_credentials_clear(&c);
}

static void expect_error(ddb_credentials_provider *p, int code, const char *part)
{
    ddb_credentials c = DDB_CREDENTIALS_INIT;
    int rc = p->get(p, &c);
    if (rc != code)
        fail_msg("expected %s, got %s: %s", ddb_code_name(code), ddb_code_name(rc), ddb_last_error()->message);
    if (strstr(ddb_last_error()->message, part) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", ddb_last_error()->message, part);
    assert_null(strstr(ddb_last_error()->message, "SECRET"));
    assert_null(c.access_key_id);
}

static void test_container(void **state)
{
    (void)state;
    ddb_credentials_provider *p = NULL;
    assert_int_equal(ddb_creds_container_new(&p), 0);
    expect_error(p, DDB_ECREDENTIALS, "_FULL_URI are unset");
    char url[96];
    stub_url(url, sizeof url, "/creds");
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, 1);
    expect_http_creds(p);
    assert_null(stub_header("Authorization"));
    /* with a token: from the variable, then from a file (which wins) */
    stub_url(url, sizeof url, "/private");
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, 1);
    expect_error(p, DDB_ECREDENTIALS, "answered HTTP 403");
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer s3cret", 1);
    expect_http_creds(p);
    char path[] = "/tmp/ddbc-container-token-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "Bearer s3cret\n", 14), 14);
    close(fd);
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "wrong", 1);
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", path, 1);
    expect_http_creds(p);
    unlink(path);
    /* only https, loopback and the container addresses */
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://example.com/creds", 1);
    expect_error(p, DDB_ECONFIG, "is neither https nor a loopback");
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/none", 1);
    unsetenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    expect_error(p, DDB_ECREDENTIALS, "no answer from http://127.0.0.1:1/none");
    ddb_credentials_provider_free(p);
}

static void test_instance_metadata(void **state)
{
    (void)state;
    ddb_credentials_provider *p = NULL;
    assert_int_equal(ddb_creds_imds_new(&p), 0);
    int before = stub.requests;
    expect_http_creds(p);
    assert_int_equal(stub.requests - before, 3); /* token, role, credentials */
    assert_string_equal(stub_header("X-aws-ec2-metadata-token"), "IMDSTOKEN");
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    expect_error(p, DDB_ECREDENTIALS, "disabled by AWS_EC2_METADATA_DISABLED");
    unsetenv("AWS_EC2_METADATA_DISABLED");
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1", 1);
    expect_error(p, DDB_ECREDENTIALS, "instance metadata: no answer from http://127.0.0.1:1");
    ddb_credentials_provider_free(p);
}

static void test_sts_forms(void **state)
{
    (void)state;
    char url[96];
    stub_url(url, sizeof url, "");
    ddb_credentials_provider *src = NULL, *p = NULL;
    assert_int_equal(ddb_creds_static_new(&src, "SRCAKID", "SRCSECRET", NULL), 0);
    ddb_assume_role_opts o = DDB_ASSUME_ROLE_OPTS_INIT;
    o.role_arn = "arn:aws:iam::123456789012:role/a role+x";
    o.session_name = "my session";
    o.external_id = "ext/1=2";
    o.duration_s = 900;
    o.endpoint = url;
    assert_int_equal(ddb_creds_assume_role_new(&p, src, &o), 0);
    ddb_credentials c = DDB_CREDENTIALS_INIT;
    int rc = p->get(p, &c);
    if (rc != 0)
        fail_msg("get: %s", ddb_last_error()->message);
    assert_string_equal(c.access_key_id, "STSAKID");
    assert_string_equal(c.secret_access_key, "STS&SECRET"); /* XML entities decoded */
    assert_string_equal(c.session_token, "STSTOKEN");
    assert_int_equal(c.expiration, 1927857906);
    ddb_credentials_clear(&c);
    assert_string_equal(stub.body, "Action=AssumeRole&Version=2011-06-15"
                                   "&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fa%20role%2Bx"
                                   "&RoleSessionName=my%20session&ExternalId=ext%2F1%3D2&DurationSeconds=900");
    const char *auth = stub_header("Authorization");
    assert_non_null(auth);
    assert_non_null(strstr(auth, "Credential=SRCAKID/"));
    assert_non_null(strstr(auth, "/us-east-1/sts/aws4_request"));
    assert_string_equal(stub_header("Content-Type"), "application/x-www-form-urlencoded; charset=utf-8");
    /* STS's errors: code, message, request id; the role named */
    stub.sts_error = true;
    expect_error(p, DDB_EAUTH, "not allowed to assume");
    assert_string_equal(ddb_last_error()->aws_type, "AccessDenied");
    assert_non_null(strstr(ddb_last_error()->message, "role arn:aws:iam::123456789012:role/a role+x"));
    ddb_credentials_provider_free(p);

    /* web identity: unsigned, the token from its file */
    stub.sts_error = false;
    char path[] = "/tmp/ddbc-web-token-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "eyJ.token.sig\n", 14), 14);
    close(fd);
    assert_int_equal(ddb_creds_web_identity_new(&p, NULL, NULL, NULL, "eu-west-1", url), 0);
    expect_error(p, DDB_ECREDENTIALS, "AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE are not both set");
    setenv("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/web", 1);
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", path, 1);
    setenv("AWS_ROLE_SESSION_NAME", "ci", 1);
    rc = p->get(p, &c);
    if (rc != 0)
        fail_msg("get: %s", ddb_last_error()->message);
    assert_string_equal(c.access_key_id, "STSAKID");
    ddb_credentials_clear(&c);
    assert_null(stub_header("Authorization"));
    assert_string_equal(stub.body, "Action=AssumeRoleWithWebIdentity&Version=2011-06-15"
                                   "&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fweb"
                                   "&RoleSessionName=ci&WebIdentityToken=eyJ.token.sig");
    unlink(path);
    expect_error(p, DDB_ECREDENTIALS, "does not exist");
    ddb_credentials_provider_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_container, clean_env),
        cmocka_unit_test_setup(test_instance_metadata, clean_env),
        cmocka_unit_test_setup(test_sts_forms, clean_env),
    };
    return cmocka_run_group_tests(tests, start_stub, stop_stub);
}
