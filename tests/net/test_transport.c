/* test_transport.c - the response object, and the curl and native
 * transports against a loopback HTTP server run by this test (every test
 * of a transport runs on both): headers sent and received, raw bodies,
 * chunked bodies, bodies up to the close, keep-alive reuse and a server
 * closing kept connections, the connection limit under concurrency,
 * timeouts and connection failures; the native transport's hand-offs to
 * libcurl (https, a proxy variable) and its refusal of bad headers. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "ddb/error.h"
#include "ddb/transport.h"

/* ------------------------------------------------------------------ */
/* The response object                                                */
/* ------------------------------------------------------------------ */

static void add(ddb_http_response *r, const char *name, const char *value)
{
    ddb_http_response_add_header(r, name, strlen(name), value, strlen(value));
}

static void test_response_headers(void **state)
{
    (void)state;
    ddb_http_response r = DDB_HTTP_RESPONSE_INIT;
    add(&r, "X-AMZN-REQUESTID", "  abc123 \r\n");
    add(&r, "x-amz-crc32", "42");
    add(&r, "content-type", "application/x-amz-json-1.0");
    add(&r, "ETag", "\"e\"");
    add(&r, "Retry-After", "3");
    add(&r, "X-Other", "ignored");
    add(&r, "x-amz-crc", "prefix of a name is not the name");
    assert_string_equal(r.request_id, "abc123");
    assert_string_equal(r.crc32, "42");
    assert_string_equal(r.content_type, "application/x-amz-json-1.0");
    assert_string_equal(r.etag, "\"e\"");
    assert_string_equal(r.retry_after, "3");
    add(&r, "x-amz-request-id", "s3-id"); /* S3's spelling */
    assert_string_equal(r.request_id, "s3-id");
    char big[300];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    add(&r, "etag", big); /* truncated, never overflows */
    assert_int_equal(strlen(r.etag), DDB_HTTP_HEADER_VALUE_MAX - 1);

    r.status = 200;
    assert_int_equal(ddb_buf_puts(&r.body, "body"), 0);
    size_t cap = r.body.cap;
    ddb_http_response_reset(&r);
    assert_int_equal(r.status, 0);
    assert_int_equal(r.body.len, 0);
    assert_int_equal(r.body.cap, cap); /* capacity kept */
    assert_string_equal(r.request_id, "");
    assert_string_equal(r.etag, "");
    ddb_http_response_free(&r);
    assert_null(r.body.data);
    ddb_http_response_free(NULL);
    ddb_transport_free(NULL);
}

/* ------------------------------------------------------------------ */
/* A loopback HTTP/1.1 server                                         */
/* ------------------------------------------------------------------ */

enum { REPLY_NORMAL, REPLY_SILENT, REPLY_CONTINUE, REPLY_CHUNKED, REPLY_CLOSE, REPLY_UNTIL_CLOSE, REPLY_THEN_HANG_UP };

#define MAX_HANDLERS 64

typedef struct server {
    int listen_fd;
    int port;
    pthread_t acceptor;
    pthread_t handlers[MAX_HANDLERS];
    int fds[MAX_HANDLERS];
    size_t n_handlers;
    pthread_mutex_t lock;
    int mode;
    int connections; /* accepted */
    int requests;    /* answered */
    char last_request[4096];
} server;

static server S;

/* strcasestr is a GNU extension: a portable one for the tests. */
static const char *find_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay != '\0'; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return hay;
    return NULL;
}

/* Reads one request (headers + Content-Length body); 0 at EOF. */
static size_t read_request(int fd, char *buf, size_t cap)
{
    size_t len = 0;
    for (;;) {
        const char *end = strstr(buf, "\r\n\r\n");
        if (end != NULL) {
            size_t head = (size_t)(end - buf) + 4;
            const char *cl = find_ci(buf, "\r\nContent-Length:");
            size_t body = cl != NULL && cl < end ? (size_t)strtoul(cl + 17, NULL, 10) : 0;
            if (len >= head + body)
                return len;
        }
        if (len + 1 >= cap)
            return 0;
        ssize_t n = recv(fd, buf + len, cap - 1 - len, 0);
        if (n <= 0)
            return 0;
        len += (size_t)n;
        buf[len] = '\0';
    }
}

/* Answers one request; false when the connection is to be closed. */
static bool reply(int fd, int mode, int number, bool head_only)
{
    static const char body[] = "{\"ok\":true}";
    static const char interim[] = "HTTP/1.1 100 Continue\r\nx-amzn-RequestId: wrong\r\n\r\n";
    char head[512];
    if (mode == REPLY_CONTINUE)
        send(fd, interim, strlen(interim), MSG_NOSIGNAL);
    if (mode == REPLY_CHUNKED) { /* the body in three chunks, with an extension and a trailer */
        int n = snprintf(head, sizeof head,
                         "HTTP/1.1 200 OK\r\nx-amzn-RequestId: RID-%d\r\nTransfer-Encoding: chunked\r\n\r\n"
                         "4;ext=1\r\n{\"ok\r\n3\r\n\":t\r\n4\r\nrue}\r\n0\r\nX-Trailer: t\r\n\r\n",
                         number);
        send(fd, head, (size_t)n, MSG_NOSIGNAL);
        return true;
    }
    if (mode == REPLY_UNTIL_CLOSE) { /* no length: the body ends with the connection */
        int n = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nx-amzn-RequestId: RID-%d\r\n\r\n%s", number, body);
        send(fd, head, (size_t)n, MSG_NOSIGNAL);
        return false;
    }
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\n"
                     "x-amzn-RequestId: RID-%d\r\nx-amz-crc32: 123\r\nContent-Length: %zu\r\n%s\r\n",
                     number, sizeof body - 1, mode == REPLY_CLOSE ? "Connection: close\r\n" : "");
    send(fd, head, (size_t)n, MSG_NOSIGNAL);
    if (!head_only)
        send(fd, body, sizeof body - 1, MSG_NOSIGNAL);
    return mode != REPLY_CLOSE && mode != REPLY_THEN_HANG_UP;
}

static void *handle(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char buf[4096];
    for (;;) {
        memset(buf, 0, sizeof buf);
        if (read_request(fd, buf, sizeof buf) == 0)
            break;
        pthread_mutex_lock(&S.lock);
        snprintf(S.last_request, sizeof S.last_request, "%s", buf);
        int mode = S.mode;
        int number = ++S.requests;
        pthread_mutex_unlock(&S.lock);
        if (mode == REPLY_SILENT)
            continue; /* never answers; the client gives up */
        if (!reply(fd, mode, number, strncmp(buf, "HEAD ", 5) == 0)) {
            shutdown(fd, SHUT_WR); /* the client sees the end; this side then waits for its close */
            while (recv(fd, buf, sizeof buf, 0) > 0) {
            }
            break;
        }
    }
    close(fd);
    return NULL;
}

static void *accept_loop(void *arg)
{
    (void)arg;
    for (;;) {
        int fd = accept(S.listen_fd, NULL, NULL);
        if (fd < 0)
            return NULL;
        pthread_mutex_lock(&S.lock);
        S.connections++;
        if (S.n_handlers == MAX_HANDLERS) {
            pthread_mutex_unlock(&S.lock);
            close(fd);
            continue;
        }
        S.fds[S.n_handlers] = fd;
        pthread_create(&S.handlers[S.n_handlers++], NULL, handle, (void *)(intptr_t)fd);
        pthread_mutex_unlock(&S.lock);
    }
}

static int server_start(void **state)
{
    (void)state;
    memset(&S, 0, sizeof S);
    pthread_mutex_init(&S.lock, NULL);
    S.listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    if (bind(S.listen_fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(S.listen_fd, 16) != 0 ||
        getsockname(S.listen_fd, (struct sockaddr *)&a, &alen) != 0)
        return -1;
    S.port = ntohs(a.sin_port);
    return pthread_create(&S.acceptor, NULL, accept_loop, NULL);
}

/* Call after every transport is destroyed: their connections are closed,
 * so the handlers see EOF and end. */
static int server_stop(void **state)
{
    (void)state;
    shutdown(S.listen_fd, SHUT_RDWR);
    close(S.listen_fd);
    pthread_join(S.acceptor, NULL);
    for (size_t i = 0; i < S.n_handlers; i++) {
        shutdown(S.fds[i], SHUT_RDWR); /* wakes a handler of a silent request */
        pthread_join(S.handlers[i], NULL);
    }
    pthread_mutex_destroy(&S.lock);
    return 0;
}

/* ------------------------------------------------------------------ */
/* The transports: every test runs with both                          */
/* ------------------------------------------------------------------ */

typedef int (*transport_ctor)(ddb_transport **out, const ddb_curl_options *opts);
static transport_ctor transport_new = ddb_curl_transport_new;
static bool native_under_test;

static int use_curl(void **state)
{
    (void)state;
    transport_new = ddb_curl_transport_new;
    native_under_test = false;
    return 0;
}

static int use_native(void **state)
{
    (void)state;
    transport_new = ddb_native_transport_new;
    native_under_test = true;
    return 0;
}

static char url[64];

static int send_one(ddb_transport *t, const char *method, const char *body, long timeout_ms,
                    ddb_http_response *resp)
{
    char host[32];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", S.port);
    snprintf(host, sizeof host, "127.0.0.1:%d", S.port);
    const ddb_header h[] = {
        {"Host", host},
        {"Content-Type", "application/x-amz-json-1.0"},
        {"X-Amz-Target", "DynamoDB_20120810.GetItem"},
        {"X-Empty", ""},
    };
    ddb_http_request req = {method, url,       h, 4, body, body != NULL ? strlen(body) : 0,
                            1000,   timeout_ms};
    return t->send(t, &req, resp);
}

static void test_round_trip(void **state)
{
    (void)state;
    ddb_transport *t = NULL;
    assert_int_equal(transport_new(&t, NULL), 0);
    ddb_http_response r = DDB_HTTP_RESPONSE_INIT;
    assert_int_equal(ddb_buf_puts(&r.body, "pre:"), 0);
    /* a body over 1 KB would make curl send "Expect: 100-continue" */
    char body[2048];
    memset(body, 'x', sizeof body - 1);
    body[0] = '{';
    body[sizeof body - 1] = '\0';
    assert_int_equal(send_one(t, "POST", body, 5000, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body.data, "pre:{\"ok\":true}"); /* appended */
    assert_memory_equal(r.request_id, "RID-", 4);
    assert_string_equal(r.crc32, "123");
    assert_string_equal(r.content_type, "application/x-amz-json-1.0");
    pthread_mutex_lock(&S.lock);
    const char *req = S.last_request;
    assert_memory_equal(req, "POST / HTTP/1.1\r\n", 17);
    assert_non_null(strstr(req, "\r\nHost: 127.0.0.1:"));
    assert_non_null(strstr(req, "\r\nX-Amz-Target: DynamoDB_20120810.GetItem\r\n"));
    assert_non_null(strstr(req, "\r\nContent-Type: application/x-amz-json-1.0\r\n"));
    assert_non_null(strstr(req, "\r\nX-Empty:\r\n"));
    assert_non_null(strstr(req, "\r\nContent-Length: 2047\r\n"));
    assert_null(find_ci(req, "\r\nExpect:"));
    assert_null(find_ci(req, "\r\nAccept:"));
    assert_null(find_ci(req, "Accept-Encoding"));
    pthread_mutex_unlock(&S.lock);
    ddb_http_response_free(&r);
    ddb_transport_free(t);
}

static void test_keep_alive_and_methods(void **state)
{
    (void)state;
    ddb_transport *t = NULL;
    assert_int_equal(transport_new(&t, NULL), 0);
    int before = S.connections;
    ddb_http_response r = DDB_HTTP_RESPONSE_INIT;
    static const char *const methods[] = {"POST", "GET", "PUT", "POST", "DELETE", "HEAD", "POST"};
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        ddb_http_response_reset(&r);
        assert_int_equal(send_one(t, methods[i], i % 2 ? NULL : "{}", 5000, &r), 0);
        assert_int_equal(r.status, 200);
        pthread_mutex_lock(&S.lock);
        assert_memory_equal(S.last_request, methods[i], strlen(methods[i]));
        pthread_mutex_unlock(&S.lock);
        if (strcmp(methods[i], "HEAD") != 0)
            assert_string_equal(r.body.data, "{\"ok\":true}");
    }
    assert_int_equal(S.connections - before, 1); /* one connection, reused */
    ddb_http_response_free(&r);
    ddb_transport_free(t);
}

static void test_interim_response_headers_are_dropped(void **state)
{
    (void)state;
    ddb_transport *t = NULL;
    assert_int_equal(transport_new(&t, NULL), 0);
    S.mode = REPLY_CONTINUE;
    ddb_http_response r = DDB_HTTP_RESPONSE_INIT;
    assert_int_equal(send_one(t, "POST", "{}", 5000, &r), 0);
    S.mode = REPLY_NORMAL;
    assert_int_equal(r.status, 200);
    assert_memory_equal(r.request_id, "RID-", 4); /* not "wrong" from the 100 response */
    ddb_http_response_free(&r);
    ddb_transport_free(t);
}

static void test_timeout(void **state)
{
    (void)state;
    ddb_transport *t = NULL;
    assert_int_equal(transport_new(&t, NULL), 0);
    S.mode = REPLY_SILENT;
    ddb_http_response r = DDB_HTTP_RESPONSE_INIT;
    assert_int_equal(send_one(t, "POST", "{}", 200, &r), DDB_ETIMEOUT);
    S.mode = REPLY_NORMAL;
    assert_int_equal(ddb_last_error()->code, DDB_ETIMEOUT);
    assert_non_null(strstr(ddb_last_error()->message, url));
    ddb_http_response_free(&r);
    ddb_transport_free(t);
}

static void test_connection_refused(void **state)
{
    (void)state;
    /* a port held by a socket that is bound but never listens: connections
     * are refused, and no other process can take the port meanwhile */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
    char u[64];
    snprintf(u, sizeof u, "http://127.0.0.1:%d/", ntohs(a.sin_port));
    ddb_transport *t = NULL;
    assert_int_equal(transport_new(&t, NULL), 0);
    const ddb_header h[] = {{"Host", "x"}};
    ddb_http_request req = {"POST", u, h, 1, "{}", 2, 0, 0};
    ddb_http_response r = DDB_HTTP_RESPONSE_INIT;
    assert_int_equal(t->send(t, &req, &r), DDB_ENETWORK);
    assert_non_null(strstr(ddb_last_error()->message, u));
    assert_non_null(strstr(ddb_last_error()->message, native_under_test ? "cannot connect" : "curl error"));
    ddb_http_response_free(&r);
    ddb_transport_free(t);
    close(fd);
}

static void test_options(void **state)
{
    (void)state;
    ddb_transport *t = NULL;
    ddb_curl_options o = DDB_CURL_OPTIONS_INIT;
    o.version = 7;
    assert_int_equal(transport_new(&t, &o), DDB_EINVAL);
    o.version = DDB_CURL_OPTIONS_VERSION;
    o.verify_tls = 0;
    o.ca_file = "/etc/ssl/certs/ca-certificates.crt";
    o.max_connections = 1;
    assert_int_equal(transport_new(&t, &o), 0);
    ddb_header many[DDB_HTTP_MAX_HEADERS + 1];
    for (size_t i = 0; i < DDB_HTTP_MAX_HEADERS + 1; i++)
        many[i] = (ddb_header){"X-A", "b"};
    ddb_http_request req = {
        "GET", "http://127.0.0.1:1/", many, DDB_HTTP_MAX_HEADERS + 1, NULL, 0, 0, 0};
    ddb_http_response r = DDB_HTTP_RESPONSE_INIT;
    assert_int_equal(t->send(t, &req, &r), DDB_EINVAL);
    ddb_http_response_free(&r);
    ddb_transport_free(t);
}

typedef struct worker {
    ddb_transport *t;
    int failures;
} worker;

static void *concurrent_sender(void *arg)
{
    worker *w = arg;
    ddb_http_response r = DDB_HTTP_RESPONSE_INIT;
    for (int i = 0; i < 25; i++) {
        ddb_http_response_reset(&r);
        if (send_one(w->t, "POST", "{}", 5000, &r) != 0 || r.status != 200 ||
            strcmp(ddb_buf_cstr(&r.body), "{\"ok\":true}") != 0)
            w->failures++;
    }
    ddb_http_response_free(&r);
    return NULL;
}

static void test_pool_under_concurrency(void **state)
{
    (void)state;
    ddb_transport *t = NULL;
    ddb_curl_options o = DDB_CURL_OPTIONS_INIT;
    o.max_connections = 2;
    assert_int_equal(transport_new(&t, &o), 0);
    int before = S.connections;
    worker w[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (worker){t, 0};
        assert_int_equal(pthread_create(&th[i], NULL, concurrent_sender, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(w[i].failures, 0);
    }
    assert_true(S.connections - before <= 2); /* never more than the pool size */
    ddb_transport_free(t);
}

/* Chunked bodies, bodies up to the close, "Connection: close", and a
 * server that closes a kept connection after answering: the answers are
 * whole, and the next request gets a new connection. */
static void test_body_framings_and_closes(void **state)
{
    (void)state;
    ddb_transport *t = NULL;
    assert_int_equal(transport_new(&t, NULL), 0);
    static const int modes[] = {REPLY_CHUNKED, REPLY_NORMAL, REPLY_UNTIL_CLOSE, REPLY_CLOSE, REPLY_NORMAL,
                                REPLY_THEN_HANG_UP, REPLY_NORMAL, REPLY_CHUNKED};
    /* a connection ends after UNTIL_CLOSE, CLOSE and THEN_HANG_UP: 4 in all */
    int before = S.connections;
    ddb_http_response r = DDB_HTTP_RESPONSE_INIT;
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        S.mode = modes[i];
        ddb_http_response_reset(&r);
        int rc = send_one(t, "POST", "{}", 5000, &r);
        if (rc != 0)
            print_message("%s transport, reply mode %d: %s\n", native_under_test ? "native" : "curl", modes[i],
                          ddb_last_error()->message);
        assert_int_equal(rc, 0);
        assert_int_equal(r.status, 200);
        assert_string_equal(ddb_buf_cstr(&r.body), "{\"ok\":true}");
        assert_memory_equal(r.request_id, "RID-", 4);
    }
    S.mode = REPLY_NORMAL;
    assert_int_equal(S.connections - before, 4);
    ddb_http_response_free(&r);
    ddb_transport_free(t);
}

/* The native transport: https goes through libcurl (a refused TLS
 * connection says so), and bad headers never reach the wire. */
static void test_native_https_and_bad_headers(void **state)
{
    (void)state;
    ddb_transport *t = NULL;
    assert_int_equal(ddb_native_transport_new(&t, NULL), 0);
    char u[64];
    /* a plain server never answers the TLS handshake: libcurl's timeout */
    snprintf(u, sizeof u, "https://127.0.0.1:%d/", S.port);
    const ddb_header h[] = {{"Host", "x"}};
    ddb_http_request req = {"POST", u, h, 1, "{}", 2, 300, 300};
    ddb_http_response r = DDB_HTTP_RESPONSE_INIT;
    int before = S.requests;
    int rc = t->send(t, &req, &r);
    assert_true(rc == DDB_ETIMEOUT || rc == DDB_ENETWORK);
    assert_non_null(strstr(ddb_last_error()->message, u));
    assert_int_equal(S.requests, before); /* no plain HTTP request was sent: a TLS handshake was */
    const ddb_header bad[] = {{"Host", "x"}, {"X-A", "b\r\nX-Injected: 1"}};
    snprintf(u, sizeof u, "http://127.0.0.1:%d/", S.port);
    ddb_http_request breq = {"POST", u, bad, 2, "{}", 2, 1000, 2000};
    assert_int_equal(t->send(t, &breq, &r), DDB_EINVAL);
    const ddb_header bad_name[] = {{"Host", "x"}, {"X-A:", "b"}};
    breq.headers = bad_name;
    assert_int_equal(t->send(t, &breq, &r), DDB_EINVAL);
    assert_int_equal(S.requests, before);
    ddb_http_response_free(&r);
    ddb_transport_free(t);
}

/* With a proxy variable set, the native transport hands plain HTTP to
 * libcurl, which sends it to the proxy (here the test's server) with the
 * absolute URL in the request line. */
static void test_native_proxy_goes_through_curl(void **state)
{
    (void)state;
    char proxy[64];
    snprintf(proxy, sizeof proxy, "http://127.0.0.1:%d", S.port);
    setenv("http_proxy", proxy, 1);
    unsetenv("no_proxy");
    unsetenv("NO_PROXY");
    ddb_transport *t = NULL;
    int rc = ddb_native_transport_new(&t, NULL);
    assert_int_equal(rc, 0);
    const ddb_header h[] = {{"Host", "dynamodb.example.invalid"}};
    ddb_http_request req = {"POST", "http://dynamodb.example.invalid/", h, 1, "{}", 2, 1000, 2000};
    ddb_http_response r = DDB_HTTP_RESPONSE_INIT;
    rc = t->send(t, &req, &r); /* libcurl reads the variable when it sends */
    unsetenv("http_proxy");
    assert_int_equal(rc, 0);
    assert_int_equal(r.status, 200);
    pthread_mutex_lock(&S.lock);
    assert_memory_equal(S.last_request, "POST http://dynamodb.example.invalid/ HTTP/1.1\r\n", 48);
    pthread_mutex_unlock(&S.lock);
    ddb_http_response_free(&r);
    ddb_transport_free(t);
}

int main(void)
{
#define EACH(setup)                                                                                \
    cmocka_unit_test_setup(test_round_trip, setup), cmocka_unit_test_setup(test_keep_alive_and_methods, setup), \
        cmocka_unit_test_setup(test_interim_response_headers_are_dropped, setup),                          \
        cmocka_unit_test_setup(test_timeout, setup), cmocka_unit_test_setup(test_connection_refused, setup),  \
        cmocka_unit_test_setup(test_options, setup), cmocka_unit_test_setup(test_pool_under_concurrency, setup), \
        cmocka_unit_test_setup(test_body_framings_and_closes, setup)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_response_headers),
        EACH(use_curl),
        EACH(use_native),
        cmocka_unit_test(test_native_https_and_bad_headers),
        cmocka_unit_test(test_native_proxy_goes_through_curl),
    };
    return cmocka_run_group_tests(tests, server_start, server_stop);
}
