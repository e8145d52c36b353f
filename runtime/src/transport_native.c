/*
 * transport_native.c - the native transport: HTTP/1.1 over plain TCP with
 * no event loop, libcurl for everything else (https, proxies).
 *
 * Why: libcurl runs every request through its multi interface: four or
 * five poll() calls, socket and option bookkeeping around one send() and
 * one recv(). Against a local engine that loop was most of the client's
 * CPU per call and added latency (docs/performance.md has the figures).
 * Here a request is one sendmsg() of the head and the body, one poll()
 * for the answer and one recv() (more for large bodies): three system
 * calls where libcurl made about nine.
 *
 * Connections: a pool per transport (at most max_connections open), idle
 * ones kept LIFO so the warmest is reused; one idle for more than a
 * second is checked (a non-blocking peek) before it is used. A request on
 * a reused connection that gets no byte of answer (the server closed it
 * meanwhile) is sent once more on a new connection, as curl does.
 *
 * HTTP: Content-Length and chunked bodies, bodies up to the close,
 * interim 1xx answers skipped (their headers dropped), HEAD/204/304
 * without body, "Connection: close" and HTTP/1.0 answers honoured.
 * Requests carry Content-Length and never Expect (the body is sent with
 * the head).
 *
 * Thread safety: send() from any number of threads; the pool is guarded
 * by a mutex held only to take or return a connection.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "ddb/error.h"
#include "ddb/transport.h"

#define ORIGIN_MAX 300          /* "host:port" */
#define HEAD_MAX (64 * 1024)    /* the longest response head accepted */
#define DEFAULT_CONNECT_MS 2000
#define DEFAULT_TIMEOUT_MS 30000

typedef struct conn {
    int fd;
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
    ddb_transport *curl;  /* https and proxies; made on first need */
    ddb_curl_options curl_opts;
    char *ca_file;
    bool proxied;         /* a proxy variable was set at creation */
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

/* Splits "http://host[:port]/path?query": origin "host:port" (port 80 by
 * default), host and port apart, and the request target. */
static int split_url(const char *url, char origin[ORIGIN_MAX], char host[ORIGIN_MAX], char port[8],
                     const char **target)
{
    const char *p = url + 7; /* after "http://" */
    const char *slash = strchr(p, '/');
    size_t auth_len = slash != NULL ? (size_t)(slash - p) : strlen(p);
    *target = slash != NULL ? slash : "/";
    if (auth_len == 0 || auth_len >= ORIGIN_MAX - 8 || memchr(p, '@', auth_len) != NULL)
        return ddb_error_set(DDB_EINVAL, "%s: not a URL this transport takes", url);
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
        memcpy(port, "80", 3);
    }
    snprintf(origin, ORIGIN_MAX, "%.*s", (int)auth_len, p);
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

static void conn_close(native *t, conn *c)
{
    close(c->fd);
    free(c);
    pthread_mutex_lock(&t->lock);
    t->open--;
    pthread_cond_signal(&t->freed);
    pthread_mutex_unlock(&t->lock);
}

/* Whether an idle connection is still usable: nothing to read (the server
 * has neither closed it nor sent anything unasked). */
static bool conn_alive(const conn *c)
{
    char b;
    ssize_t n = recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

/* Takes an idle connection to `origin`, or a slot for a new one (*out
 * NULL); waits while every slot is busy. */
static void conn_take(native *t, conn **out, const char *origin)
{
    *out = NULL;
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
            conn *old = *last;
            *last = NULL;
            close(old->fd);
            free(old); /* its slot becomes ours: open unchanged */
            break;
        }
        pthread_cond_wait(&t->freed, &t->lock);
    }
    pthread_mutex_unlock(&t->lock);
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

/* Connects to host:port within connect_ms; the socket is left blocking
 * with TCP_NODELAY. Returns the fd, or -1 with the error recorded. */
static int dial(const char *host, const char *port, long connect_ms, const char *url)
{
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int gai = getaddrinfo(host, port, &hints, &res);
    if (gai != 0) {
        ddb_error_set(DDB_ENETWORK, "%s: cannot resolve %s: %s", url, host, gai_strerror(gai));
        return -1;
    }
    long long deadline = now_ms() + connect_ms;
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
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return fd;
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

static int send_all(int fd, const ddb_buf *head, const ddb_http_request *req, long long deadline, const char *url)
{
    struct iovec iov[2] = {{head->data, head->len}, {(void *)req->body, req->body_len}};
    size_t n_iov = req->body_len > 0 ? 2 : 1, first = 0;
    while (first < n_iov) {
        struct msghdr msg = {0};
        msg.msg_iov = iov + first;
        msg.msg_iovlen = n_iov - first;
        ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                int rc = wait_fd(fd, POLLOUT, deadline, url);
                if (rc != 0)
                    return rc;
                continue;
            }
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
    int fd;
    char *buf;
    size_t len, pos, cap;
    long long deadline;
    const char *url;
    size_t received; /* bytes from the server, for the retry rule */
} reader;

/* Reads more into r->buf (after compacting); 0, 1 at EOF, or an error.
 * The first read of a response waits first: just after the request left,
 * trying recv() would only cost a system call that finds nothing. */
static int fill(reader *r)
{
    if (r->received == 0) {
        int rc = wait_fd(r->fd, POLLIN, r->deadline, r->url);
        if (rc != 0)
            return rc;
    }
    if (r->pos > 0) {
        memmove(r->buf, r->buf + r->pos, r->len - r->pos);
        r->len -= r->pos;
        r->pos = 0;
    }
    if (r->len == r->cap)
        return ddb_error_set(DDB_ENETWORK, "%s: a response line or head over %zu bytes", r->url, r->cap);
    for (;;) {
        ssize_t n = recv(r->fd, r->buf + r->len, r->cap - r->len, MSG_DONTWAIT);
        if (n > 0) {
            r->len += (size_t)n;
            r->received += (size_t)n;
            return 0;
        }
        if (n == 0)
            return 1;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return ddb_error_set(DDB_ENETWORK, "%s: recv: %s", r->url, strerror(errno));
        int rc = wait_fd(r->fd, POLLIN, r->deadline, r->url);
        if (rc != 0)
            return rc;
    }
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

static int read_chunked(reader *r, ddb_buf *out)
{
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
static int exchange(int fd, const ddb_http_request *req, const ddb_buf *head, ddb_http_response *resp,
                    long long deadline, bool *reusable, size_t *received)
{
    *reusable = false;
    int rc = send_all(fd, head, req, deadline, req->url);
    char buf[16384];
    reader r = {fd, buf, 0, 0, sizeof buf, deadline, req->url, 0};
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
        if (ddb_buf_reserve(&resp->body, (size_t)h.content_length) != 0)
            return DDB_ENOMEM;
        rc = read_exact(&r, &resp->body, (size_t)h.content_length);
    } else { /* up to the close */
        h.close = true;
        for (;;) {
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
    *reusable = rc == 0 && !h.close && r.pos == r.len; /* no unasked bytes left */
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
    if (strncasecmp(req->url, "http://", 7) != 0 || t->proxied) {
        ddb_transport *curl = NULL;
        int rc = curl_for(t, &curl);
        return rc != 0 ? rc : curl->send(curl, req, resp);
    }
    char origin[ORIGIN_MAX], host[ORIGIN_MAX], port[8];
    const char *target;
    int rc = split_url(req->url, origin, host, port, &target);
    if (rc != 0)
        return rc;
    ddb_buf head = DDB_BUF_INIT;
    if ((rc = build_head(&head, req, target)) != 0) {
        ddb_buf_free(&head);
        return rc;
    }
    long long deadline = now_ms() + (req->timeout_ms > 0 ? req->timeout_ms : DEFAULT_TIMEOUT_MS);
    size_t body_mark = resp->body.len;
    for (int attempt = 0;; attempt++) {
        conn *c = NULL;
        conn_take(t, &c, origin);
        while (c != NULL && now_ms() - c->idle_since > CHECK_IDLE_AFTER_MS && !conn_alive(c)) {
            /* closed while idle */
            conn_close(t, c);
            conn_take(t, &c, origin);
        }
        bool reused = c != NULL;
        if (c == NULL) {
            int fd = dial(host, port, req->connect_timeout_ms > 0 ? req->connect_timeout_ms : DEFAULT_CONNECT_MS,
                          req->url);
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
        }
        bool reusable = false;
        size_t received = 0;
        rc = exchange(c->fd, req, &head, resp, deadline, &reusable, &received);
        if (rc == 0 && reusable) {
            conn_give_back(t, c);
            break;
        }
        conn_close(t, c);
        if (rc == DDB_ENETWORK && reused && received == 0 && attempt == 0) {
            /* the server closed the kept connection as the request left */
            resp->body.len = body_mark; /* what the caller had in it, as it was */
            if (resp->body.data != NULL)
                resp->body.data[body_mark] = '\0';
            ddb_http_response_clear_headers(resp);
            resp->status = 0;
            continue;
        }
        break;
    }
    ddb_buf_free(&head);
    return rc;
}

static void native_destroy(ddb_transport *self)
{
    native *t = (native *)self;
    while (t->idle != NULL) {
        conn *c = t->idle;
        t->idle = c->next;
        close(c->fd);
        free(c);
    }
    ddb_transport_free(t->curl);
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
    t->proxied = env_set("http_proxy") || env_set("HTTP_PROXY") || env_set("all_proxy") || env_set("ALL_PROXY");
    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->freed, NULL);
    *out = &t->base;
    return 0;
}
