/* test_transport.c - the response object, and the curl and native
 * transports against a loopback HTTP server run by this test, in plain
 * HTTP and over TLS (OpenSSL, with certificates made by the test; every
 * test of a transport runs on both transports and both): headers sent and
 * received, raw bodies, chunked bodies, bodies up to the close, keep-alive
 * reuse and a server closing kept connections, the connection limit under
 * concurrency, timeouts and connection failures; TLS certificate and host
 * name verification, and session resumption; the native transport's
 * hand-offs to libcurl (proxy variables) and its refusal of bad headers. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
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

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

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

/* REPLY_DROP: read the request, then close the connection unanswered. */
enum { REPLY_NORMAL, REPLY_SILENT, REPLY_CONTINUE, REPLY_CHUNKED, REPLY_CLOSE, REPLY_UNTIL_CLOSE, REPLY_THEN_HANG_UP,
       REPLY_DROP };

/* connections of the whole run (every test, four times over): a handler
 * slot is only given back when the server stops */
#define MAX_HANDLERS 1024

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
    int refused;     /* closed at once: no handler slot left (a test bug) */
    int pool_connections; /* connections that carried a request with POOL_BODY */
    int requests;    /* answered */
    char last_request[4096];
    /* TLS: on for connections accepted while `tls` is set, with the
     * certificate for 127.0.0.1 and localhost, or with one for another
     * name while `wrong_name` is set; ca_path trusts both */
    bool tls, wrong_name;
    SSL_CTX *tls_ctx, *wrong_ctx;
    int resumed; /* TLS handshakes that resumed a session */
    char ca_path[64];
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

/* One accepted connection, plain or TLS (blocking). */
typedef struct peer {
    int fd;
    SSL *ssl;
} peer;

static ssize_t peer_recv(peer *p, char *buf, size_t len)
{
    return p->ssl != NULL ? SSL_read(p->ssl, buf, (int)len) : recv(p->fd, buf, len, 0);
}

static void peer_send(peer *p, const char *buf, size_t len)
{
    if (p->ssl != NULL)
        SSL_write(p->ssl, buf, (int)len);
    else
        send(p->fd, buf, len, MSG_NOSIGNAL);
}

/* Reads one request (headers + Content-Length body); 0 at EOF. */
static size_t read_request(peer *p, char *buf, size_t cap)
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
        ssize_t n = peer_recv(p, buf + len, cap - 1 - len);
        if (n <= 0)
            return 0;
        len += (size_t)n;
        buf[len] = '\0';
    }
}

/* Answers one request; false when the connection is to be closed. */
static bool reply(peer *p, int mode, int number, bool head_only)
{
    static const char body[] = "{\"ok\":true}";
    static const char interim[] = "HTTP/1.1 100 Continue\r\nx-amzn-RequestId: wrong\r\n\r\n";
    char head[512];
    if (mode == REPLY_CONTINUE)
        peer_send(p, interim, strlen(interim));
    if (mode == REPLY_CHUNKED) { /* the body in three chunks, with an extension and a trailer */
        int n = snprintf(head, sizeof head,
                         "HTTP/1.1 200 OK\r\nx-amzn-RequestId: RID-%d\r\nTransfer-Encoding: chunked\r\n\r\n"
                         "4;ext=1\r\n{\"ok\r\n3\r\n\":t\r\n4\r\nrue}\r\n0\r\nX-Trailer: t\r\n\r\n",
                         number);
        peer_send(p, head, (size_t)n);
        return true;
    }
    if (mode == REPLY_UNTIL_CLOSE) { /* no length: the body ends with the connection */
        int n = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nx-amzn-RequestId: RID-%d\r\n\r\n%s", number, body);
        peer_send(p, head, (size_t)n);
        return false;
    }
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\n"
                     "x-amzn-RequestId: RID-%d\r\nx-amz-crc32: 123\r\nContent-Length: %zu\r\n%s\r\n",
                     number, sizeof body - 1, mode == REPLY_CLOSE ? "Connection: close\r\n" : "");
    peer_send(p, head, (size_t)n);
    if (!head_only)
        peer_send(p, body, sizeof body - 1);
    return mode != REPLY_CLOSE && mode != REPLY_THEN_HANG_UP;
}

/* The body of test_pool_under_concurrency's requests: the server counts
 * the connections that carry it (a count of accepts would include late
 * accepts of earlier tests' connections on a loaded machine). */
#define POOL_BODY "{\"pool\":1}"

static void *handle(void *arg)
{
    int fd = (int)(intptr_t)arg;
    bool pool_seen = false;
    char buf[4096];
    peer p = {fd, NULL};
    pthread_mutex_lock(&S.lock);
    SSL_CTX *ctx = S.tls ? (S.wrong_name ? S.wrong_ctx : S.tls_ctx) : NULL;
    pthread_mutex_unlock(&S.lock);
    if (ctx != NULL) {
        p.ssl = SSL_new(ctx);
        SSL_set_fd(p.ssl, fd);
        if (SSL_accept(p.ssl) != 1) { /* the client refused the certificate */
            SSL_free(p.ssl);
            ERR_clear_error();
            close(fd);
            return NULL;
        }
        pthread_mutex_lock(&S.lock);
        S.resumed += SSL_session_reused(p.ssl) ? 1 : 0;
        pthread_mutex_unlock(&S.lock);
    }
    for (;;) {
        memset(buf, 0, sizeof buf);
        if (read_request(&p, buf, sizeof buf) == 0)
            break;
        pthread_mutex_lock(&S.lock);
        snprintf(S.last_request, sizeof S.last_request, "%s", buf);
        if (!pool_seen && strstr(buf, POOL_BODY) != NULL) {
            pool_seen = true;
            S.pool_connections++;
        }
        int mode = S.mode;
        int number = ++S.requests;
        pthread_mutex_unlock(&S.lock);
        if (mode == REPLY_SILENT)
            continue; /* never answers; the client gives up */
        if (mode == REPLY_DROP)
            break;
        if (!reply(&p, mode, number, strncmp(buf, "HEAD ", 5) == 0)) {
            if (p.ssl != NULL)
                SSL_shutdown(p.ssl); /* close_notify: the end of a body up to the close */
            shutdown(fd, SHUT_WR); /* the client sees the end; this side then waits for its close */
            while (recv(fd, buf, sizeof buf, 0) > 0) {
            }
            break;
        }
    }
    if (p.ssl != NULL)
        SSL_free(p.ssl);
    ERR_clear_error();
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
            S.refused++;
            pthread_mutex_unlock(&S.lock);
            close(fd);
            continue;
        }
        S.fds[S.n_handlers] = fd;
        pthread_create(&S.handlers[S.n_handlers++], NULL, handle, (void *)(intptr_t)fd);
        pthread_mutex_unlock(&S.lock);
    }
}

/* A self-signed certificate for `san` (an X.509v3 subjectAltName value). */
static X509 *make_cert(EVP_PKEY *key, const char *cn, const char *san)
{
    static long serial = 1;
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
    X509_gmtime_adj(X509_getm_notBefore(x), -60);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, key);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, name);
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
    const char *exts[][2] = {{"subjectAltName", san}, {"basicConstraints", "critical,CA:TRUE"}};
    for (size_t i = 0; i < 2; i++) {
        X509_EXTENSION *e = X509V3_EXT_conf(NULL, &v3, exts[i][0], exts[i][1]);
        X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
    }
    X509_sign(x, key, EVP_sha256());
    return x;
}

static SSL_CTX *server_ctx(EVP_PKEY *key, X509 *cert)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL || SSL_CTX_use_certificate(ctx, cert) != 1 || SSL_CTX_use_PrivateKey(ctx, key) != 1)
        return NULL;
    return ctx;
}

/* The TLS side of the server: two certificates, one key, a CA file
 * trusting both. */
static int tls_start(void)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *good = key != NULL ? make_cert(key, "localhost", "DNS:localhost,IP:127.0.0.1") : NULL;
    X509 *wrong = key != NULL ? make_cert(key, "wrong.example", "DNS:wrong.example") : NULL;
    snprintf(S.ca_path, sizeof S.ca_path, "/tmp/ddb-test-ca-XXXXXX");
    int fd = mkstemp(S.ca_path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    bool ok = good != NULL && wrong != NULL && f != NULL && PEM_write_X509(f, good) == 1 &&
              PEM_write_X509(f, wrong) == 1;
    if (f != NULL)
        ok &= fclose(f) == 0;
    if (ok) {
        S.tls_ctx = server_ctx(key, good);
        S.wrong_ctx = server_ctx(key, wrong);
    }
    X509_free(good);
    X509_free(wrong);
    EVP_PKEY_free(key);
    return ok && S.tls_ctx != NULL && S.wrong_ctx != NULL ? 0 : -1;
}

static int server_start(void **state)
{
    (void)state;
    memset(&S, 0, sizeof S);
    signal(SIGPIPE, SIG_IGN); /* the server's SSL_write to a client that left */
    if (tls_start() != 0)
        return -1;
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
    SSL_CTX_free(S.tls_ctx);
    SSL_CTX_free(S.wrong_ctx);
    unlink(S.ca_path);
    return 0;
}

/* ------------------------------------------------------------------ */
/* The transports: every test runs with both                          */
/* ------------------------------------------------------------------ */

typedef int (*transport_ctor)(ddb_transport **out, const ddb_curl_options *opts);
static transport_ctor transport_ctor_under_test = ddb_curl_transport_new;
static bool native_under_test;

static void use(transport_ctor ctor, bool tls)
{
    transport_ctor_under_test = ctor;
    native_under_test = ctor == ddb_native_transport_new;
    pthread_mutex_lock(&S.lock);
    S.tls = tls;
    S.wrong_name = false;
    pthread_mutex_unlock(&S.lock);
}

static int use_curl(void **state)
{
    (void)state;
    use(ddb_curl_transport_new, false);
    return 0;
}

static int use_native(void **state)
{
    (void)state;
    use(ddb_native_transport_new, false);
    return 0;
}

static int use_curl_tls(void **state)
{
    (void)state;
    use(ddb_curl_transport_new, true);
    return 0;
}

static int use_native_tls(void **state)
{
    (void)state;
    use(ddb_native_transport_new, true);
    return 0;
}

/* The transport under test; over TLS it trusts the test's certificates
 * unless opts names a CA file. */
static int transport_new(ddb_transport **out, const ddb_curl_options *opts)
{
    ddb_curl_options o = DDB_CURL_OPTIONS_INIT;
    if (opts != NULL)
        o = *opts;
    if (S.tls && o.ca_file == NULL)
        o.ca_file = S.ca_path;
    return transport_ctor_under_test(out, &o);
}

static char url[64];
/* send_one's connect timeout; TLS handshakes count in it (libcurl loading
 * the system's CA bundle under valgrind takes seconds) */
static long connect_ms = 1000;
/* send_one's max_body (0: none) */
static size_t max_body;

static int send_one(ddb_transport *t, const char *method, const char *body, long timeout_ms,
                    ddb_http_response *resp)
{
    char host[32];
    snprintf(url, sizeof url, "%s://127.0.0.1:%d/", S.tls ? "https" : "http", S.port);
    snprintf(host, sizeof host, "127.0.0.1:%d", S.port);
    const ddb_header h[] = {
        {"Host", host},
        {"Content-Type", "application/x-amz-json-1.0"},
        {"X-Amz-Target", "DynamoDB_20120810.GetItem"},
        {"X-Empty", ""},
    };
    ddb_http_request req = {method,     url,       h, 4, body, body != NULL ? strlen(body) : 0,
                            connect_ms, timeout_ms, max_body};
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
    assert_true(r.sent); /* it left: the server may have acted on it */
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
    snprintf(u, sizeof u, "%s://127.0.0.1:%d/", S.tls ? "https" : "http", ntohs(a.sin_port));
    ddb_transport *t = NULL;
    assert_int_equal(transport_new(&t, NULL), 0);
    const ddb_header h[] = {{"Host", "x"}};
    ddb_http_request req = {"POST", u, h, 1, "{}", 2, 0, 0, 0};
    ddb_http_response r = DDB_HTTP_RESPONSE_INIT;
    assert_int_equal(t->send(t, &req, &r), DDB_ENETWORK);
    assert_false(r.sent); /* never left */
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
        "GET", "http://127.0.0.1:1/", many, DDB_HTTP_MAX_HEADERS + 1, NULL, 0, 0, 0, 0};
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
        int rc = send_one(w->t, "POST", POOL_BODY, 5000, &r);
        if (rc != 0 || r.status != 200 || strcmp(ddb_buf_cstr(&r.body), "{\"ok\":true}") != 0) {
            print_message("%s%s: %s\n", native_under_test ? "native" : "curl", S.tls ? " over TLS" : "",
                          rc != 0 ? ddb_last_error()->message : ddb_buf_cstr(&r.body));
            w->failures++;
        }
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
    pthread_mutex_lock(&S.lock);
    S.pool_connections = 0;
    pthread_mutex_unlock(&S.lock);
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
    assert_int_equal(S.refused, 0);
    pthread_mutex_lock(&S.lock);
    int used = S.pool_connections;
    pthread_mutex_unlock(&S.lock);
    if (used > 2) /* never more than the pool size, and kept */
        fail_msg("%s transport%s: %d connections for a pool of 2", native_under_test ? "native" : "curl",
                 S.tls ? " over TLS" : "", used);
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
        if (i > 0 && modes[i - 1] == REPLY_THEN_HANG_UP && rc != 0) {
            /* the kept connection was closed after the last answer: the
             * transport says so instead of sending again by itself; the
             * request had left. (libcurl often sees the close before
             * sending; over TLS the close_notify often arrives with the
             * answer, and the connection is not kept at all.) */
            assert_int_equal(rc, DDB_ENETWORK);
            assert_true(r.sent);
            assert_non_null(strstr(ddb_last_error()->message,
                                   native_under_test ? "on a kept connection" : "not sent again unseen"));
            ddb_http_response_reset(&r);
            rc = send_one(t, "POST", "{}", 5000, &r); /* as the client's retry would */
        }
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

/* A kept connection that the server closes after reading the next
 * request, without answering: the request had left, so the transport
 * fails (DDB_ENETWORK, sent) and never sends it again by itself — the
 * server sees it once (libcurl would resend it unseen on a new
 * connection; its transport refuses to rewind the body for that), and the
 * client's retry policy decides and counts. */
static void test_no_unseen_resend(void **state)
{
    (void)state;
    ddb_transport *t = NULL;
    assert_int_equal(transport_new(&t, NULL), 0);
    ddb_http_response r = DDB_HTTP_RESPONSE_INIT;
    S.mode = REPLY_NORMAL;
    assert_int_equal(send_one(t, "POST", "{\"first\":1}", 5000, &r), 0); /* a kept connection */
    pthread_mutex_lock(&S.lock);
    S.mode = REPLY_DROP;
    int before = S.requests;
    pthread_mutex_unlock(&S.lock);
    ddb_http_response_reset(&r);
    int rc = send_one(t, "POST", "{\"second\":2}", 5000, &r);
    pthread_mutex_lock(&S.lock);
    int seen = S.requests - before;
    S.mode = REPLY_NORMAL;
    pthread_mutex_unlock(&S.lock);
    assert_int_equal(rc, DDB_ENETWORK);
    assert_true(r.sent);
    assert_int_equal(seen, 1);
    ddb_http_response_reset(&r);
    assert_int_equal(send_one(t, "POST", "{}", 5000, &r), 0); /* and the transport goes on */
    ddb_http_response_free(&r);
    ddb_transport_free(t);
}

/* max_body: a body over the limit is refused (DDB_ELIMIT, not retried
 * as a network error), in every framing; at the limit it is read; the
 * transport goes on working. */
static void test_max_body(void **state)
{
    (void)state;
    ddb_transport *t = NULL;
    assert_int_equal(transport_new(&t, NULL), 0);
    ddb_http_response r = DDB_HTTP_RESPONSE_INIT;
    static const int modes[] = {REPLY_NORMAL, REPLY_CHUNKED, REPLY_UNTIL_CLOSE};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        S.mode = modes[i];
        max_body = 10; /* the body is 11 bytes */
        ddb_http_response_reset(&r);
        int rc = send_one(t, "POST", "{}", 5000, &r);
        if (rc != DDB_ELIMIT)
            fail_msg("mode %d: %s, expected DDB_ELIMIT", modes[i], ddb_code_name(rc));
        assert_non_null(strstr(ddb_last_error()->message, "over 10 bytes"));
        max_body = 11;
        ddb_http_response_reset(&r);
        assert_int_equal(send_one(t, "POST", "{}", 5000, &r), 0);
        assert_string_equal(ddb_buf_cstr(&r.body), "{\"ok\":true}");
    }
    S.mode = REPLY_NORMAL;
    max_body = 0;
    ddb_http_response_free(&r);
    ddb_transport_free(t);
}

/* TLS refusals: a certificate nobody trusts, a trusted one for another
 * name (by IP address and by host name); no request reaches the server.
 * With verification off the same server is used. */
static void test_tls_verification(void **state)
{
    (void)state;
    ddb_transport *t = NULL;
    ddb_http_response r = DDB_HTTP_RESPONSE_INIT;
    int before = S.requests;
    connect_ms = 30000;
    /* OpenSSL's default CA paths (the system's) do not hold the test's certificate */
    ddb_curl_options sys = DDB_CURL_OPTIONS_INIT;
    assert_int_equal(transport_ctor_under_test(&t, &sys), 0);
    assert_int_equal(send_one(t, "POST", "{}", 30000, &r), DDB_ENETWORK);
    assert_non_null(strstr(ddb_last_error()->message, url));
    print_message("untrusted: %s\n", ddb_last_error()->message);
    assert_non_null(strstr(ddb_last_error()->message, native_under_test ? "self-signed certificate" : "curl error 60"));
    ddb_transport_free(t);

    pthread_mutex_lock(&S.lock);
    S.wrong_name = true;
    pthread_mutex_unlock(&S.lock);
    assert_int_equal(transport_new(&t, NULL), 0);
    assert_int_equal(send_one(t, "POST", "{}", 30000, &r), DDB_ENETWORK);
    print_message("wrong address: %s\n", ddb_last_error()->message);
    if (native_under_test)
        assert_non_null(strstr(ddb_last_error()->message, "IP address mismatch"));
    char u[64], host[32];
    snprintf(u, sizeof u, "https://localhost:%d/", S.port);
    snprintf(host, sizeof host, "localhost:%d", S.port);
    const ddb_header h[] = {{"Host", host}};
    ddb_http_request req = {"POST", u, h, 1, "{}", 2, 30000, 30000, 0};
    assert_int_equal(t->send(t, &req, &r), DDB_ENETWORK);
    print_message("wrong name: %s\n", ddb_last_error()->message);
    assert_non_null(strstr(ddb_last_error()->message, u));
    if (native_under_test)
        assert_non_null(strstr(ddb_last_error()->message, "hostname mismatch"));
    ddb_transport_free(t);
    assert_int_equal(S.requests, before);

    ddb_curl_options off = DDB_CURL_OPTIONS_INIT;
    off.verify_tls = 0;
    assert_int_equal(transport_ctor_under_test(&t, &off), 0);
    assert_int_equal(send_one(t, "POST", "{}", 30000, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(ddb_buf_cstr(&r.body), "{\"ok\":true}");
    assert_int_equal(S.requests, before + 1);
    pthread_mutex_lock(&S.lock);
    S.wrong_name = false;
    pthread_mutex_unlock(&S.lock);
    connect_ms = 1000;
    ddb_http_response_free(&r);
    ddb_transport_free(t);
}

/* A new connection to the same server resumes the TLS session of the
 * previous one (the server closes each connection after its answer). */
static void test_tls_session_resumption(void **state)
{
    (void)state;
    ddb_transport *t = NULL;
    assert_int_equal(transport_new(&t, NULL), 0);
    S.mode = REPLY_CLOSE;
    int connections = S.connections, resumed = S.resumed;
    ddb_http_response r = DDB_HTTP_RESPONSE_INIT;
    for (int i = 0; i < 4; i++) {
        ddb_http_response_reset(&r);
        assert_int_equal(send_one(t, "POST", "{}", 30000, &r), 0);
        assert_string_equal(ddb_buf_cstr(&r.body), "{\"ok\":true}");
    }
    S.mode = REPLY_NORMAL;
    assert_int_equal(S.connections - connections, 4);
    print_message("%d of 4 handshakes resumed\n", S.resumed - resumed);
    assert_int_equal(S.resumed - resumed, 3); /* every one after the first */
    ddb_http_response_free(&r);
    ddb_transport_free(t);
}

/* The native transport: bad headers never reach the wire, and a plain
 * server never answers the TLS handshake. */
static void test_native_https_and_bad_headers(void **state)
{
    (void)state;
    use(ddb_native_transport_new, false);
    ddb_transport *t = NULL;
    assert_int_equal(ddb_native_transport_new(&t, NULL), 0);
    char u[64];
    /* a plain server never answers the TLS handshake: the connect timeout */
    snprintf(u, sizeof u, "https://127.0.0.1:%d/", S.port);
    const ddb_header h[] = {{"Host", "x"}};
    ddb_http_request req = {"POST", u, h, 1, "{}", 2, 300, 300, 0};
    ddb_http_response r = DDB_HTTP_RESPONSE_INIT;
    int before = S.requests;
    int rc = t->send(t, &req, &r);
    assert_int_equal(rc, DDB_ETIMEOUT);
    assert_non_null(strstr(ddb_last_error()->message, "TLS handshake timed out"));
    assert_non_null(strstr(ddb_last_error()->message, u));
    assert_int_equal(S.requests, before); /* no plain HTTP request was sent: a TLS handshake was */
    const ddb_header bad[] = {{"Host", "x"}, {"X-A", "b\r\nX-Injected: 1"}};
    snprintf(u, sizeof u, "http://127.0.0.1:%d/", S.port);
    ddb_http_request breq = {"POST", u, bad, 2, "{}", 2, 1000, 2000, 0};
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
 * absolute URL in the request line; and https to libcurl, which asks the
 * proxy for a tunnel (CONNECT; the test's server is no proxy, so the TLS
 * that follows fails). */
static void test_native_proxy_goes_through_curl(void **state)
{
    (void)state;
    use(ddb_native_transport_new, false);
    char proxy[64];
    snprintf(proxy, sizeof proxy, "http://127.0.0.1:%d", S.port);
    setenv("http_proxy", proxy, 1);
    unsetenv("no_proxy");
    unsetenv("NO_PROXY");
    ddb_transport *t = NULL;
    int rc = ddb_native_transport_new(&t, NULL);
    assert_int_equal(rc, 0);
    const ddb_header h[] = {{"Host", "dynamodb.example.invalid"}};
    ddb_http_request req = {"POST", "http://dynamodb.example.invalid/", h, 1, "{}", 2, 1000, 2000, 0};
    ddb_http_response r = DDB_HTTP_RESPONSE_INIT;
    rc = t->send(t, &req, &r); /* libcurl reads the variable when it sends */
    unsetenv("http_proxy");
    assert_int_equal(rc, 0);
    assert_int_equal(r.status, 200);
    pthread_mutex_lock(&S.lock);
    assert_memory_equal(S.last_request, "POST http://dynamodb.example.invalid/ HTTP/1.1\r\n", 48);
    pthread_mutex_unlock(&S.lock);
    ddb_transport_free(t);

    setenv("https_proxy", proxy, 1);
    assert_int_equal(ddb_native_transport_new(&t, NULL), 0);
    ddb_http_request sreq = {"POST", "https://dynamodb.example.invalid/", h, 1, "{}", 2, 1000, 2000, 0};
    rc = t->send(t, &sreq, &r);
    unsetenv("https_proxy");
    assert_int_equal(rc, DDB_ENETWORK);
    pthread_mutex_lock(&S.lock);
    assert_memory_equal(S.last_request, "CONNECT dynamodb.example.invalid:443 HTTP/1.1\r\n", 47);
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
        cmocka_unit_test_setup(test_body_framings_and_closes, setup), cmocka_unit_test_setup(test_max_body, setup), \
        cmocka_unit_test_setup(test_no_unseen_resend, setup)
#define TLS(setup)                                                                                 \
    cmocka_unit_test_setup(test_tls_verification, setup), cmocka_unit_test_setup(test_tls_session_resumption, setup)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_response_headers),
        EACH(use_curl),
        EACH(use_native),
        EACH(use_curl_tls),
        EACH(use_native_tls),
        TLS(use_curl_tls),
        TLS(use_native_tls),
        cmocka_unit_test(test_native_https_and_bad_headers),
        cmocka_unit_test(test_native_proxy_goes_through_curl),
    };
    return cmocka_run_group_tests(tests, server_start, server_stop);
}
