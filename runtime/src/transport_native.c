/*
 * transport_native.c - the native transport: HTTP/1.1 over TCP and over
 * TLS (OpenSSL's libssl) with no event loop; libcurl for proxies.
 *
 * Why: libcurl runs every request through its multi interface: four or
 * five poll() calls, socket and option bookkeeping around one send() and
 * one recv(). Against a local engine that loop was most of the client's
 * CPU per call and added latency (docs/performance.md has the figures).
 * Here a request is one sendmsg() of the head and the body, one poll()
 * for the answer and one recv() (more for large bodies): three system
 * calls where libcurl made about nine. Over TLS the same three: one
 * SSL_write of head and body, one poll(), one SSL_read per record.
 *
 * TLS: one SSL_CTX per transport, made on the first https request: TLS
 * 1.2 or later, the peer's certificate verified against opts->ca_file or
 * OpenSSL's default paths (SSL_CERT_FILE / SSL_CERT_DIR honoured), the host
 * name (or IP address) checked against it, SNI and ALPN "http/1.1" sent.
 * Sessions are resumed: the newest session ticket per transport is offered
 * when a new connection is made to the same origin.
 *
 * Connections: a pool per transport (at most max_connections open), idle
 * ones kept LIFO so the warmest is reused; one idle for more than a
 * second is checked (a non-blocking peek) before it is used. A request on
 * a reused connection that gets no byte of answer (the server closed it
 * meanwhile) fails with DDB_ENETWORK, resp->sent set: it is not sent again
 * behind the caller's back (libcurl does that), so the client's retry
 * policy decides and counts every attempt.
 *
 * HTTP: Content-Length and chunked bodies, bodies up to the close,
 * interim 1xx answers skipped (their headers dropped), HEAD/204/304
 * without body, "Connection: close" and HTTP/1.0 answers honoured.
 * Requests carry Content-Length and never Expect (the body is sent with
 * the head).
 *
 * Thread safety: send() from any number of threads; the pool is guarded
 * by a mutex held only to take or return a connection. A connection (and
 * its SSL) is used by one thread at a time.
 */
#include "feature_macros.h" /* first: feature-test macros before any system header */

#include <errno.h>
#include <arpa/inet.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "ddb/error.h"
#include "ddb/transport.h"

#define ORIGIN_MAX 310          /* "https://host:port" */
#define HEAD_MAX (64 * 1024)    /* the longest response head accepted */
#define DIRECT_READ_MIN 4096    /* body rests this large are read straight into the body */
#define DEFAULT_CONNECT_MS 2000
#define DEFAULT_TIMEOUT_MS 30000

typedef struct conn {
    int fd;               /* non-blocking */
    SSL *ssl;             /* NULL: plain TCP */
    bool broken;          /* an I/O error happened: no TLS close_notify */
    long long idle_since; /* ms on the monotonic clock, when given back */
    char origin[ORIGIN_MAX];
    struct conn *next;
} conn;

/* An idle connection older than this is checked (a peek) before use; a
 * younger one is used directly, and the retry rule covers the rare close
 * in between. Servers keep idle connections for seconds (node: 5 s). */
#define CHECK_IDLE_AFTER_MS 1000

typedef struct native {
    ddb_transport base;
    pthread_mutex_t lock;
    pthread_cond_t freed;
    conn *idle;           /* LIFO */
    size_t open, max;     /* open: idle + in use */
    ddb_transport *curl;  /* proxies; made on first need */
    ddb_curl_options curl_opts;
    char *ca_file;
    bool proxied_http;    /* a proxy variable for http:// was set at creation */
    bool proxied_https;   /* and for https:// */
    SSL_CTX *tls;         /* made on the first https request */
    BIO_METHOD *bio;      /* sockets without SIGPIPE, for tls */
    SSL_SESSION *session; /* the newest resumable session, of session_origin */
    char session_origin[ORIGIN_MAX];
} native;

/* ------------------------------------------------------------ helpers */

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool env_set(const char *name)
{
    const char *v = getenv(name);
    return v != NULL && *v != '\0';
}

/* Splits "http[s]://host[:port]/path?query" (scheme_len 7 or 8): origin
 * "http[s]://host:port" (ports 80 and 443 by default), host and port
 * apart, and the request target. */
static int split_url(const char *url, size_t scheme_len, char origin[ORIGIN_MAX], char host[ORIGIN_MAX],
                     char port[8], const char **target)
{
    const char *p = url + scheme_len;
    const char *slash = strchr(p, '/');
    size_t auth_len = slash != NULL ? (size_t)(slash - p) : strlen(p);
    *target = slash != NULL ? slash : "/";
    if (auth_len == 0 || auth_len >= ORIGIN_MAX - 16 || memchr(p, '@', auth_len) != NULL)
        return ddb_error_set(DDB_EINVAL, "%.*s...: not a URL this transport takes", (int)scheme_len, url);
    const char *colon = NULL;
    if (p[0] == '[') { /* [v6]:port */
        const char *close = memchr(p, ']', auth_len);
        if (close == NULL)
            return ddb_error_set(DDB_EINVAL, "%s: malformed IPv6 host", url);
        memcpy(host, p + 1, (size_t)(close - p - 1));
        host[close - p - 1] = '\0';
        colon = close + 1 < p + auth_len && close[1] == ':' ? close + 1 : NULL;
    } else {
        colon = memchr(p, ':', auth_len);
        size_t host_len = colon != NULL ? (size_t)(colon - p) : auth_len;
        memcpy(host, p, host_len);
        host[host_len] = '\0';
    }
    size_t port_len = colon != NULL ? (size_t)(p + auth_len - colon - 1) : 0;
    if (colon != NULL && (port_len == 0 || port_len > 5 || strspn(colon + 1, "0123456789") < port_len))
        return ddb_error_set(DDB_EINVAL, "%s: malformed port", url);
    if (colon != NULL) {
        memcpy(port, colon + 1, port_len);
        port[port_len] = '\0';
    } else {
        memcpy(port, scheme_len == 8 ? "443" : "80", scheme_len == 8 ? 4 : 3);
    }
    size_t host_part = colon != NULL ? (size_t)(colon - p) : auth_len;
    snprintf(origin, ORIGIN_MAX, "%.*s:%s", (int)(scheme_len + host_part), url, port);
    return 0;
}

/* Waits until fd is readable (POLLIN) or writable (POLLOUT) before
 * `deadline`; 0, or DDB_ETIMEOUT / DDB_ENETWORK recorded. */
static int wait_fd(int fd, short events, long long deadline, const char *url)
{
    for (;;) {
        long long left = deadline - now_ms();
        if (left <= 0)
            return ddb_error_set(DDB_ETIMEOUT, "%s: timed out", url);
        struct pollfd pfd = {fd, events, 0};
        int n = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
        if (n > 0)
            return 0;
        if (n < 0 && errno != EINTR)
            return ddb_error_set(DDB_ENETWORK, "%s: poll: %s", url, strerror(errno));
    }
}

/* ------------------------------------------------------------ connections */

/* Closes and frees a connection, a TLS one with a close_notify when it is
 * healthy (not waiting for the server's). */
static void conn_free(conn *c)
{
    if (c->ssl != NULL) {
        if (!c->broken && SSL_is_init_finished(c->ssl))
            SSL_shutdown(c->ssl);
        SSL_free(c->ssl);
        ERR_clear_error();
    }
    close(c->fd);
    free(c);
}

static void conn_close(native *t, conn *c)
{
    conn_free(c);
    pthread_mutex_lock(&t->lock);
    t->open--;
    pthread_cond_signal(&t->freed);
    pthread_mutex_unlock(&t->lock);
}

/* Whether an idle connection is still usable: nothing to read (the server
 * has neither closed it nor sent anything unasked; over TLS a session
 * ticket is read and kept, an alert or a close_notify is not). */
static bool conn_alive(conn *c)
{
    char b;
    if (c->ssl != NULL) {
        ERR_clear_error();
        int n = SSL_peek(c->ssl, &b, 1);
        bool alive = n <= 0 && SSL_get_error(c->ssl, n) == SSL_ERROR_WANT_READ;
        ERR_clear_error();
        c->broken |= !alive && n <= 0;
        return alive;
    }
    ssize_t n = recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

/* Takes an idle connection to `origin`, or a slot for a new one (*out
 * NULL); waits while every slot is busy. */
static void conn_take(native *t, conn **out, const char *origin)
{
    *out = NULL;
    conn *old = NULL;
    pthread_mutex_lock(&t->lock);
    for (;;) {
        conn **pp = &t->idle;
        while (*pp != NULL && strcmp((*pp)->origin, origin) != 0)
            pp = &(*pp)->next;
        if (*pp != NULL) {
            *out = *pp;
            *pp = (*pp)->next;
            break;
        }
        if (t->open < t->max) {
            t->open++; /* the slot of the connection about to be made */
            break;
        }
        if (t->idle != NULL) { /* all slots held by idle connections elsewhere: drop the oldest */
            conn **last = &t->idle;
            while ((*last)->next != NULL)
                last = &(*last)->next;
            old = *last;
            *last = NULL; /* its slot becomes ours: open unchanged */
            break;
        }
        pthread_cond_wait(&t->freed, &t->lock);
    }
    pthread_mutex_unlock(&t->lock);
    if (old != NULL)
        conn_free(old);
}

static void conn_give_back(native *t, conn *c)
{
    c->idle_since = now_ms();
    pthread_mutex_lock(&t->lock);
    c->next = t->idle;
    t->idle = c;
    pthread_cond_signal(&t->freed);
    pthread_mutex_unlock(&t->lock);
}

/* Connects to host:port before `deadline` (connect_ms after the start, for
 * the message); the socket is non-blocking, with TCP_NODELAY. Returns the
 * fd, or -1 with the error recorded. */
static int dial(const char *host, const char *port, long long deadline, long connect_ms, const char *url)
{
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int gai = getaddrinfo(host, port, &hints, &res);
    if (gai != 0) {
        ddb_error_set(DDB_ENETWORK, "%s: cannot resolve %s: %s", url, host, gai_strerror(gai));
        return -1;
    }
    int fd = -1, err = 0;
    for (struct addrinfo *a = res; a != NULL && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        int rc = connect(fd, a->ai_addr, a->ai_addrlen);
        if (rc != 0 && errno == EINPROGRESS) {
            rc = wait_fd(fd, POLLOUT, deadline, url);
            if (rc == DDB_ETIMEOUT) {
                close(fd);
                freeaddrinfo(res);
                ddb_error_set(DDB_ETIMEOUT, "%s: connect timed out after %ld ms", url, connect_ms);
                return -1;
            }
            socklen_t len = sizeof err;
            if (rc == 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0)
                rc = 0;
            else
                rc = -1;
        } else if (rc != 0) {
            err = errno;
        }
        if (rc != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) {
        ddb_error_set(DDB_ENETWORK, "%s: cannot connect: %s", url, strerror(err != 0 ? err : ECONNREFUSED));
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* ------------------------------------------------------------ TLS */

/* The newest OpenSSL error of this thread, for a message; the queue is
 * emptied. */
static const char *tls_reason(char why[256])
{
    unsigned long e = ERR_peek_last_error();
    if (e != 0)
        ERR_error_string_n(e, why, 256);
    else
        snprintf(why, 256, "no detail from OpenSSL");
    ERR_clear_error();
    return why;
}

/* A socket BIO sending with MSG_NOSIGNAL: OpenSSL's own writes with
 * write(), and a server that has gone would raise SIGPIPE in the
 * caller's process. The fd is the BIO's data. */
static int bio_write(BIO *b, const char *buf, int len)
{
    BIO_clear_retry_flags(b);
    ssize_t n = send((int)(intptr_t)BIO_get_data(b), buf, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        BIO_set_retry_write(b);
    return (int)n;
}

static int bio_read(BIO *b, char *buf, int len)
{
    BIO_clear_retry_flags(b);
    ssize_t n = recv((int)(intptr_t)BIO_get_data(b), buf, (size_t)len, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        BIO_set_retry_read(b);
    return (int)n;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)b, (void)num, (void)ptr;
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int bio_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

/* Fails a TLS operation that SSL_get_error answered `e` to. */
static int tls_failure(conn *c, int e, const char *what, const char *url)
{
    char why[256];
    c->broken = true;
    if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)
        return ddb_error_set(DDB_ENETWORK, "%s: %s: %s", url, what,
                             errno != 0 ? strerror(errno) : "the connection closed");
    return ddb_error_set(DDB_ENETWORK, "%s: %s: %s", url, what, tls_reason(why));
}

/* Keeps a new session (a TLS 1.3 ticket, or a 1.2 session) for the next
 * connection to the same origin; called by OpenSSL inside SSL_connect or
 * SSL_read on the thread using the connection. */
static int keep_session(SSL *ssl, SSL_SESSION *session)
{
    conn *c = SSL_get_app_data(ssl);
    native *t = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
    if (c == NULL || t == NULL || !SSL_SESSION_is_resumable(session))
        return 0;
    pthread_mutex_lock(&t->lock);
    SSL_SESSION *old = t->session;
    t->session = session;
    memcpy(t->session_origin, c->origin, sizeof t->session_origin);
    pthread_mutex_unlock(&t->lock);
    SSL_SESSION_free(old);
    return 1; /* the reference is ours now */
}

/* Makes t->tls; the caller holds t->lock. */
static int tls_context_new(native *t, const char *url)
{
    char why[256];
    ERR_clear_error();
    if (t->bio == NULL) {
        t->bio = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "ddb socket");
        if (t->bio == NULL || !BIO_meth_set_write(t->bio, bio_write) || !BIO_meth_set_read(t->bio, bio_read) ||
            !BIO_meth_set_ctrl(t->bio, bio_ctrl) || !BIO_meth_set_create(t->bio, bio_create))
            return ddb_error_set(DDB_ENOMEM, "%s: cannot set up TLS: %s", url, tls_reason(why));
    }
    static const unsigned char alpn[] = "\x08http/1.1";
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL)
        return ddb_error_set(DDB_ENOMEM, "%s: cannot set up TLS: %s", url, tls_reason(why));
    SSL_CTX_set_app_data(ctx, t);
    bool ok = SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) == 1 &&
              SSL_CTX_set_alpn_protos(ctx, alpn, sizeof alpn - 1) == 0; /* 0 is success here */
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE);
    SSL_CTX_set_read_ahead(ctx, 1); /* a record's header and body in one recv() */
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx, keep_session);
    if (ok && t->curl_opts.verify_tls) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
        if ((t->ca_file != NULL ? SSL_CTX_load_verify_locations(ctx, t->ca_file, NULL)
                                : SSL_CTX_set_default_verify_paths(ctx)) != 1) {
            SSL_CTX_free(ctx);
            return ddb_error_set(DDB_ECONFIG, "%s: cannot load the CA certificates%s%s: %s", url,
                                 t->ca_file != NULL ? " of " : "", t->ca_file != NULL ? t->ca_file : "",
                                 tls_reason(why));
        }
    } else if (ok) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    }
    if (!ok) {
        SSL_CTX_free(ctx);
        return ddb_error_set(DDB_ENOMEM, "%s: cannot set up TLS: %s", url, tls_reason(why));
    }
    t->tls = ctx;
    return 0;
}

/* The TLS handshake on c (connected), before `deadline`. */
static int tls_connect(native *t, conn *c, const char *host, long long deadline, const char *url)
{
    char why[256];
    pthread_mutex_lock(&t->lock);
    int rc = t->tls != NULL ? 0 : tls_context_new(t, url);
    SSL_CTX *ctx = t->tls;
    pthread_mutex_unlock(&t->lock);
    if (rc != 0)
        return rc;
    ERR_clear_error();
    BIO *bio = BIO_new(t->bio);
    if (bio == NULL || (c->ssl = SSL_new(ctx)) == NULL) {
        BIO_free(bio);
        return ddb_error_set(DDB_ENOMEM, "%s: cannot set up TLS: %s", url, tls_reason(why));
    }
    BIO_set_data(bio, (void *)(intptr_t)c->fd);
    SSL_set_bio(c->ssl, bio, bio); /* the SSL owns it */
    SSL_set_app_data(c->ssl, c);
    unsigned char addr[16];
    bool literal = inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;
    bool ok = literal ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), host) == 1
                      : SSL_set_tlsext_host_name(c->ssl, host) == 1 && SSL_set1_host(c->ssl, host) == 1;
    if (!ok)
        return ddb_error_set(DDB_ENETWORK, "%s: cannot verify the host \"%s\": %s", url, host, tls_reason(why));
    SSL_set_hostflags(c->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    pthread_mutex_lock(&t->lock);
    if (t->session != NULL && strcmp(t->session_origin, c->origin) == 0) {
        SSL_set_session(c->ssl, t->session);
        SSL_SESSION_free(t->session); /* a ticket is offered once (RFC 8446, C.4) */
        t->session = NULL;
    }
    pthread_mutex_unlock(&t->lock);
    for (;;) {
        ERR_clear_error();
        int n = SSL_connect(c->ssl);
        if (n == 1)
            return 0;
        int e = SSL_get_error(c->ssl, n);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
            rc = wait_fd(c->fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline, url);
            if (rc == DDB_ETIMEOUT)
                return ddb_error_set(DDB_ETIMEOUT, "%s: the TLS handshake timed out", url);
            if (rc != 0)
                return rc;
            continue;
        }
        long verified = SSL_get_verify_result(c->ssl);
        if (verified != X509_V_OK) {
            c->broken = true;
            ERR_clear_error();
            return ddb_error_set(DDB_ENETWORK, "%s: the server's TLS certificate is refused: %s", url,
                                 X509_verify_cert_error_string(verified));
        }
        return tls_failure(c, e, "TLS handshake", url);
    }
}

/* ------------------------------------------------------------ requests */

/* The request head: request line, the caller's headers, Content-Length. */
static int build_head(ddb_buf *head, const ddb_http_request *req, const char *target)
{
    int rc = ddb_buf_printf(head, "%s %s HTTP/1.1\r\n", req->method, target);
    for (size_t i = 0; rc == 0 && i < req->n_headers; i++) {
        const char *n = req->headers[i].name, *v = req->headers[i].value;
        if (strpbrk(n, "\r\n:") != NULL || strpbrk(v, "\r\n") != NULL)
            return ddb_error_set(DDB_EINVAL, "header %s: CR, LF or ':' where they cannot be", n);
        rc = ddb_buf_printf(head, *v != '\0' ? "%s: %s\r\n" : "%s:\r\n", n, v);
    }
    bool bodyless = req->body_len == 0 && (strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0 ||
                                           strcmp(req->method, "DELETE") == 0);
    if (rc == 0 && !bodyless)
        rc = ddb_buf_printf(head, "Content-Length: %zu\r\n", req->body_len);
    return rc == 0 ? ddb_buf_puts(head, "\r\n") : rc;
}

/* Sends the head and the body (for TLS the body is already in the head:
 * one record, one system call). */
static int send_all(conn *c, const ddb_buf *head, const char *body, size_t body_len, long long deadline,
                    const char *url)
{
    if (c->ssl != NULL) {
        const char *p = head->data;
        size_t left = head->len;
        while (left > 0) {
            ERR_clear_error();
            int n = SSL_write(c->ssl, p, left > INT_MAX ? INT_MAX : (int)left);
            if (n > 0) {
                p += n;
                left -= (size_t)n;
                continue;
            }
            int e = SSL_get_error(c->ssl, n);
            if (e != SSL_ERROR_WANT_WRITE && e != SSL_ERROR_WANT_READ)
                return tls_failure(c, e, "TLS send", url);
            int rc = wait_fd(c->fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline, url);
            if (rc != 0)
                return rc;
        }
        return 0;
    }
    struct iovec iov[2] = {{head->data, head->len}, {(void *)body, body_len}};
    size_t n_iov = body_len > 0 ? 2 : 1, first = 0;
    while (first < n_iov) {
        struct msghdr msg = {0};
        msg.msg_iov = iov + first;
        msg.msg_iovlen = n_iov - first;
        ssize_t n = sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                int rc = wait_fd(c->fd, POLLOUT, deadline, url);
                if (rc != 0)
                    return rc;
                continue;
            }
            c->broken = true;
            return ddb_error_set(DDB_ENETWORK, "%s: send: %s", url, strerror(errno));
        }
        size_t done = (size_t)n;
        while (first < n_iov && done >= iov[first].iov_len) {
            done -= iov[first].iov_len;
            first++;
        }
        if (first < n_iov) {
            iov[first].iov_base = (char *)iov[first].iov_base + done;
            iov[first].iov_len -= done;
        }
    }
    return 0;
}

/* What is read of one response. */
typedef struct reader {
    size_t max_body; /* the request's; 0: no limit */
    conn *c;
    char *buf;
    size_t len, pos, cap;
    long long deadline;
    const char *url;
    size_t received; /* bytes from the server, for the retry rule */
} reader;

/* Reads what has arrived, at most `room` bytes, into dst: 0 with *got
 * set, 1 at EOF (over TLS: the server's close_notify), or an error. The
 * first read of a response waits first: just after the request left,
 * trying recv() would only cost a system call that finds nothing. */
static int read_some(reader *r, char *dst, size_t room, size_t *got)
{
    conn *c = r->c;
    if (r->received == 0 && (c->ssl == NULL || !SSL_has_pending(c->ssl))) {
        int rc = wait_fd(c->fd, POLLIN, r->deadline, r->url);
        if (rc != 0)
            return rc;
    }
    for (;;) {
        short want = POLLIN;
        ssize_t n;
        if (c->ssl != NULL) {
            ERR_clear_error();
            int k = SSL_read(c->ssl, dst, room > INT_MAX ? INT_MAX : (int)room);
            n = k;
            if (k <= 0) {
                int e = SSL_get_error(c->ssl, k);
                if (e == SSL_ERROR_ZERO_RETURN)
                    return 1;
                if (e == SSL_ERROR_WANT_WRITE)
                    want = POLLOUT;
                else if (e != SSL_ERROR_WANT_READ)
                    return tls_failure(c, e, "TLS receive", r->url);
            }
        } else {
            n = recv(c->fd, dst, room, MSG_DONTWAIT);
            if (n == 0)
                return 1;
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
                c->broken = true;
                return ddb_error_set(DDB_ENETWORK, "%s: recv: %s", r->url, strerror(errno));
            }
        }
        if (n > 0) {
            r->received += (size_t)n;
            *got = (size_t)n;
            return 0;
        }
        int rc = wait_fd(c->fd, want, r->deadline, r->url);
        if (rc != 0)
            return rc;
    }
}

/* Reads more into r->buf (after compacting); 0, 1 at EOF, or an error. */
static int fill(reader *r)
{
    if (r->pos > 0) {
        memmove(r->buf, r->buf + r->pos, r->len - r->pos);
        r->len -= r->pos;
        r->pos = 0;
    }
    if (r->len == r->cap)
        return ddb_error_set(DDB_ENETWORK, "%s: a response line or head over %zu bytes", r->url, r->cap);
    size_t got = 0;
    int rc = read_some(r, r->buf + r->len, r->cap - r->len, &got);
    r->len += got;
    return rc;
}

/* The next CRLF-terminated line: *line points into the buffer (CR LF
 * replaced by NULs), valid until the next fill. */
static int read_line(reader *r, char **line, size_t *len)
{
    for (;;) {
        char *start = r->buf + r->pos;
        char *lf = memchr(start, '\n', r->len - r->pos);
        if (lf != NULL) {
            *len = (size_t)(lf - start);
            if (*len > 0 && start[*len - 1] == '\r')
                (*len)--;
            start[*len] = '\0';
            *line = start;
            r->pos = (size_t)(lf - r->buf) + 1;
            return 0;
        }
        int rc = fill(r);
        if (rc == 1)
            return ddb_error_set(DDB_ENETWORK, "%s: the connection closed in the middle of a response", r->url);
        if (rc != 0)
            return rc;
    }
}

/* Appends exactly `n` body bytes to `out`. */
static int read_exact(reader *r, ddb_buf *out, size_t n)
{
    while (n > 0) {
        if (r->pos == r->len && out != NULL && n >= DIRECT_READ_MIN) {
            /* a large rest: straight into the body, no copy, fewer reads */
            if (ddb_buf_reserve(out, n) != 0)
                return DDB_ENOMEM;
            size_t got = 0;
            int rc = read_some(r, out->data + out->len, n, &got);
            if (rc == 1)
                return ddb_error_set(DDB_ENETWORK, "%s: the connection closed in the middle of a body", r->url);
            if (rc != 0)
                return rc;
            out->len += got;
            out->data[out->len] = '\0';
            n -= got;
            continue;
        }
        if (r->pos == r->len) {
            r->pos = r->len = 0;
            int rc = fill(r);
            if (rc == 1)
                return ddb_error_set(DDB_ENETWORK, "%s: the connection closed in the middle of a body", r->url);
            if (rc != 0)
                return rc;
        }
        size_t take = r->len - r->pos < n ? r->len - r->pos : n;
        if (out != NULL && ddb_buf_append(out, r->buf + r->pos, take) != 0)
            return DDB_ENOMEM;
        r->pos += take;
        n -= take;
    }
    return 0;
}

/* DDB_ELIMIT when a body of `len` bytes is over the request's max_body. */
static int body_limit(const reader *r, unsigned long long len)
{
    if (r->max_body != 0 && len > r->max_body)
        return ddb_error_set(DDB_ELIMIT, "%s: the answer's body is over %zu bytes (max_body)", r->url, r->max_body);
    return 0;
}

static int read_chunked(reader *r, ddb_buf *out)
{
    size_t start = out->len;
    for (;;) {
        char *line;
        size_t len;
        int rc = read_line(r, &line, &len);
        if (rc != 0)
            return rc;
        char *end;
        errno = 0;
        unsigned long long size = strtoull(line, &end, 16);
        if (end == line || errno != 0 || size > ((size_t)1 << 40) || (*end != '\0' && *end != ';' && *end != ' '))
            return ddb_error_set(DDB_ENETWORK, "%s: malformed chunk size", r->url);
        if (size == 0)
            break;
        if ((rc = body_limit(r, out->len - start + size)) != 0)
            return rc;
        if ((rc = read_exact(r, out, (size_t)size)) != 0 || (rc = read_line(r, &line, &len)) != 0)
            return rc;
        if (len != 0)
            return ddb_error_set(DDB_ENETWORK, "%s: a chunk longer than its size", r->url);
    }
    for (;;) { /* trailers, up to the empty line */
        char *line;
        size_t len;
        int rc = read_line(r, &line, &len);
        if (rc != 0 || len == 0)
            return rc;
    }
}

typedef struct head_info {
    long long content_length; /* -1: none */
    bool chunked, close;
} head_info;

static bool token_in(const char *value, const char *token)
{
    size_t n = strlen(token);
    for (const char *p = value; *p != '\0';) {
        p += strspn(p, " \t,");
        size_t len = strcspn(p, ",");
        size_t trim = len;
        while (trim > 0 && (p[trim - 1] == ' ' || p[trim - 1] == '\t'))
            trim--;
        if (trim == n && strncasecmp(p, token, n) == 0)
            return true;
        p += len;
    }
    return false;
}

/* Reads the status line and headers of the final (non-1xx) answer. */
static int read_head(reader *r, ddb_http_response *resp, head_info *h)
{
    for (;;) {
        char *line;
        size_t len;
        int rc = read_line(r, &line, &len);
        if (rc != 0)
            return rc;
        int minor = 0;
        long status = 0;
        char sp = 0;
        if (sscanf(line, "HTTP/1.%d %3ld%c", &minor, &status, &sp) < 2 || status < 100 || status > 999)
            return ddb_error_set(DDB_ENETWORK, "%s: not an HTTP/1.x status line", r->url);
        *h = (head_info){-1, false, minor == 0};
        bool keep_alive_10 = false;
        ddb_http_response_clear_headers(resp);
        for (;;) {
            if ((rc = read_line(r, &line, &len)) != 0)
                return rc;
            if (len == 0)
                break;
            char *colon = memchr(line, ':', len);
            if (colon == NULL)
                return ddb_error_set(DDB_ENETWORK, "%s: a header line without ':'", r->url);
            size_t name_len = (size_t)(colon - line);
            const char *value = colon + 1;
            ddb_http_response_add_header(resp, line, name_len, value, len - name_len - 1);
            while (*value == ' ' || *value == '\t')
                value++;
            if (name_len == 14 && strncasecmp(line, "Content-Length", 14) == 0) {
                char *end;
                errno = 0;
                long long v = strtoll(value, &end, 10);
                if (end == value || errno != 0 || v < 0 || (*end != '\0' && *end != ' ' && *end != '\t'))
                    return ddb_error_set(DDB_ENETWORK, "%s: malformed Content-Length", r->url);
                h->content_length = v;
            } else if (name_len == 17 && strncasecmp(line, "Transfer-Encoding", 17) == 0) {
                h->chunked = token_in(value, "chunked");
            } else if (name_len == 10 && strncasecmp(line, "Connection", 10) == 0) {
                h->close |= token_in(value, "close");
                keep_alive_10 |= token_in(value, "keep-alive");
            }
        }
        if (minor == 0 && keep_alive_10)
            h->close = false;
        if (status >= 200 || status == 101) {
            resp->status = status;
            return 0;
        }
        /* 1xx: an interim answer; the final one follows */
    }
}

/* One exchange on connection fd. *reusable: the connection may serve
 * another request. */
static int exchange(conn *c, const ddb_http_request *req, const ddb_buf *head, ddb_http_response *resp,
                    long long deadline, bool *reusable, size_t *received)
{
    *reusable = false;
    int rc = c->ssl != NULL ? send_all(c, head, NULL, 0, deadline, req->url)
                            : send_all(c, head, req->body, req->body_len, deadline, req->url);
    resp->sent = rc == 0;
    char buf[16384];
    reader r = {req->max_body, c, buf, 0, 0, sizeof buf, deadline, req->url, 0};
    head_info h = {-1, false, true};
    if (rc == 0)
        rc = read_head(&r, resp, &h);
    *received = r.received;
    if (rc != 0)
        return rc;
    bool no_body = strcmp(req->method, "HEAD") == 0 || resp->status == 204 || resp->status == 304;
    if (no_body) {
        /* nothing */
    } else if (h.chunked) {
        rc = read_chunked(&r, &resp->body);
    } else if (h.content_length >= 0) {
        if ((rc = body_limit(&r, (unsigned long long)h.content_length)) != 0)
            return rc; /* not read: the connection is closed */
        if (ddb_buf_reserve(&resp->body, (size_t)h.content_length) != 0)
            return DDB_ENOMEM;
        rc = read_exact(&r, &resp->body, (size_t)h.content_length);
    } else { /* up to the close */
        h.close = true;
        size_t start = resp->body.len;
        for (;;) {
            if ((rc = body_limit(&r, resp->body.len - start + (r.len - r.pos))) != 0)
                return rc;
            if (r.pos < r.len && ddb_buf_append(&resp->body, r.buf + r.pos, r.len - r.pos) != 0)
                return DDB_ENOMEM;
            r.pos = r.len = 0;
            int f = fill(&r);
            if (f == 1)
                break;
            if (f != 0)
                return f;
        }
    }
    *received = r.received;
    /* no unasked bytes left */
    *reusable = rc == 0 && !h.close && r.pos == r.len && (c->ssl == NULL || !SSL_has_pending(c->ssl));
    return rc;
}

static int curl_for(native *t, ddb_transport **out)
{
    pthread_mutex_lock(&t->lock);
    int rc = t->curl != NULL ? 0 : ddb_curl_transport_new(&t->curl, &t->curl_opts);
    *out = t->curl;
    pthread_mutex_unlock(&t->lock);
    return rc;
}

static int native_send(ddb_transport *self, const ddb_http_request *req, ddb_http_response *resp)
{
    native *t = (native *)self;
    if (req->n_headers > DDB_HTTP_MAX_HEADERS)
        return ddb_error_set(DDB_EINVAL, "%zu headers, at most %d", req->n_headers, DDB_HTTP_MAX_HEADERS);
    size_t scheme_len = strncasecmp(req->url, "http://", 7) == 0    ? 7
                        : strncasecmp(req->url, "https://", 8) == 0 ? 8
                                                                    : 0;
    bool tls = scheme_len == 8;
    if (scheme_len == 0 || (tls ? t->proxied_https : t->proxied_http)) {
        ddb_transport *curl = NULL;
        int rc = curl_for(t, &curl);
        return rc != 0 ? rc : curl->send(curl, req, resp);
    }
    char origin[ORIGIN_MAX], host[ORIGIN_MAX], port[8];
    const char *target;
    int rc = split_url(req->url, scheme_len, origin, host, port, &target);
    if (rc != 0)
        return rc;
    ddb_buf head = DDB_BUF_INIT;
    rc = build_head(&head, req, target);
    if (rc == 0 && tls && req->body_len > 0) /* one TLS record for both */
        rc = ddb_buf_append(&head, req->body, req->body_len);
    if (rc != 0) {
        ddb_buf_free(&head);
        return rc;
    }
    long long deadline = now_ms() + (req->timeout_ms > 0 ? req->timeout_ms : DEFAULT_TIMEOUT_MS);
    size_t body_mark = resp->body.len;
    do { /* once; `break` leaves with rc */
        conn *c = NULL;
        conn_take(t, &c, origin);
        while (c != NULL && now_ms() - c->idle_since > CHECK_IDLE_AFTER_MS && !conn_alive(c)) {
            /* closed while idle */
            conn_close(t, c);
            conn_take(t, &c, origin);
        }
        bool reused = c != NULL;
        if (c == NULL) {
            long connect_ms = req->connect_timeout_ms > 0 ? req->connect_timeout_ms : DEFAULT_CONNECT_MS;
            long long connect_deadline = now_ms() + connect_ms;
            int fd = dial(host, port, connect_deadline, connect_ms, req->url);
            if (fd < 0 || (c = calloc(1, sizeof *c)) == NULL) {
                rc = fd < 0 ? ddb_last_error()->code : ddb_error_set(DDB_ENOMEM, "out of memory");
                if (fd >= 0)
                    close(fd);
                pthread_mutex_lock(&t->lock);
                t->open--;
                pthread_cond_signal(&t->freed);
                pthread_mutex_unlock(&t->lock);
                break;
            }
            c->fd = fd;
            snprintf(c->origin, sizeof c->origin, "%s", origin);
            if (tls && (rc = tls_connect(t, c, host, connect_deadline, req->url)) != 0) {
                conn_close(t, c);
                break;
            }
        }
        bool reusable = false;
        size_t received = 0;
        rc = exchange(c, req, &head, resp, deadline, &reusable, &received);
        if (rc == 0 && reusable) {
            conn_give_back(t, c);
            break;
        }
        conn_close(t, c);
        if (rc == DDB_ENETWORK && reused && received == 0) {
            /* Most likely the server closed the kept connection as the
             * request left, and never read it; but it may have read it.
             * Not sent again here: the caller's retry policy decides, and
             * counts the attempt (libddb's client does; resp->sent says
             * the request had left). */
            ddb_error_append(" (on a kept connection, before any byte of answer)");
            resp->body.len = body_mark;
            if (resp->body.data != NULL)
                resp->body.data[body_mark] = '\0';
        }
    } while (0);
    ddb_buf_free(&head);
    return rc;
}

static void native_destroy(ddb_transport *self)
{
    native *t = (native *)self;
    while (t->idle != NULL) {
        conn *c = t->idle;
        t->idle = c->next;
        conn_free(c);
    }
    ddb_transport_free(t->curl);
    SSL_SESSION_free(t->session);
    SSL_CTX_free(t->tls);
    BIO_meth_free(t->bio);
    pthread_cond_destroy(&t->freed);
    pthread_mutex_destroy(&t->lock);
    free(t->ca_file);
    free(t);
}

int ddb_native_transport_new(ddb_transport **out, const ddb_curl_options *opts)
{
    *out = NULL;
    ddb_curl_options o = DDB_CURL_OPTIONS_INIT;
    if (opts != NULL) {
        if (opts->version != DDB_CURL_OPTIONS_VERSION)
            return ddb_error_set(DDB_EINVAL, "ddb_curl_options version %u, expected %u", opts->version,
                                 DDB_CURL_OPTIONS_VERSION);
        o = *opts;
    }
    native *t = calloc(1, sizeof *t);
    if (t == NULL)
        return ddb_error_set(DDB_ENOMEM, "out of memory");
    t->base.send = native_send;
    t->base.destroy = native_destroy;
    t->max = o.max_connections != 0 ? o.max_connections : 16;
    t->curl_opts = o;
    if (o.ca_file != NULL && (t->ca_file = strdup(o.ca_file)) == NULL) {
        free(t);
        return ddb_error_set(DDB_ENOMEM, "out of memory");
    }
    t->curl_opts.ca_file = t->ca_file;
    /* libcurl honours these; so requests go through it when one is set */
    bool all = env_set("all_proxy") || env_set("ALL_PROXY");
    t->proxied_http = all || env_set("http_proxy") || env_set("HTTP_PROXY");
    t->proxied_https = all || env_set("https_proxy") || env_set("HTTPS_PROXY");
    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->freed, NULL);
    *out = &t->base;
    return 0;
}
