/* transport_curl.c - the default transport: libcurl easy handles in a
 * mutex-protected pool, each keeping one keep-alive connection. */
#include "feature_macros.h" /* first: feature-test macros before any system header */

#include <curl/curl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ddb/error.h"
#include "ddb/transport.h"

#define DEFAULT_MAX_CONNECTIONS 16
#define DEFAULT_CONNECT_TIMEOUT_MS 2000L
#define DEFAULT_TIMEOUT_MS 30000L

/* Header lines added to the request's own: "Expect:" and "Accept:" stop
 * curl from sending its defaults; "Content-Type:" likewise when the request
 * has none. */
#define EXTRA_HEADERS 3

/* One pooled easy handle and the per-transfer state its callbacks use. */
typedef struct curl_conn {
    CURL *easy;
    struct curl_conn *next;       /* link in the idle list */
    ddb_http_response *resp; /* response of the transfer in progress */
    int callback_rc;         /* DDB_ENOMEM or DDB_ELIMIT when a callback failed */
    size_t body_mark;        /* resp->body.len before the transfer */
    size_t max_body;         /* the request's max_body */
    const char *req_url;     /* for messages */
    ddb_buf header_text;     /* "Name: value" lines, NUL-separated, reused */
    char *url;               /* URL currently set on the handle */
    char errbuf[CURL_ERROR_SIZE];
    /* The request body, given to curl by on_read so that curl cannot send
     * it twice unseen: on_seek refuses to rewind once any of it was read
     * (curl rewinds to resend on a kept connection that died), which
     * makes the transfer fail and the client's retry policy decide. */
    const char *upload;
    size_t upload_len, upload_pos;
    bool resend_refused;
} curl_conn;

typedef struct curl_transport {
    ddb_transport base;
    pthread_mutex_t lock; /* guards idle and n_conns */
    pthread_cond_t idle_cv;
    curl_conn *idle;     /* LIFO: the warmest connection first */
    size_t n_conns; /* created (idle + in use) */
    size_t max_conns;
    CURLSH *share; /* DNS cache and TLS sessions */
    pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];
    bool verify_tls;
    char *ca_file;
} curl_transport;

/* --- process-wide initialisation --- */

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;

static void global_init(void)
{
    global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* --- callbacks --- */

static size_t on_read(char *buf, size_t size, size_t n, void *userdata)
{
    curl_conn *c = userdata;
    size_t room = size * n, left = c->upload_len - c->upload_pos;
    size_t k = left < room ? left : room;
    memcpy(buf, c->upload + c->upload_pos, k);
    c->upload_pos += k;
    return k;
}

static int on_seek(void *userdata, curl_off_t offset, int origin)
{
    curl_conn *c = userdata;
    if (origin == SEEK_SET && offset == 0 && c->upload_pos == 0)
        return CURL_SEEKFUNC_OK; /* nothing read yet: nothing would be sent twice */
    c->resend_refused = true;
    return CURL_SEEKFUNC_FAIL;
}

static size_t on_body(char *data, size_t size, size_t n, void *userdata)
{
    curl_conn *c = userdata;
    size_t len = size * n;
    if (c->max_body != 0 && c->resp->body.len - c->body_mark + len > c->max_body) {
        c->callback_rc = ddb_error_set(DDB_ELIMIT, "%s: the answer's body is over %zu bytes (max_body)", c->req_url,
                                       c->max_body);
        return 0;
    }
    if (ddb_buf_append(&c->resp->body, data, len) != 0) {
        c->callback_rc = DDB_ENOMEM;
        return 0; /* makes curl abort with CURLE_WRITE_ERROR */
    }
    return len;
}

static size_t on_header(char *data, size_t size, size_t n, void *userdata)
{
    curl_conn *c = userdata;
    size_t len = size * n;
    if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        /* a new response starts (e.g. after "100 Continue") */
        ddb_http_response_clear_headers(c->resp);
        return len;
    }
    const char *colon = memchr(data, ':', len);
    if (colon != NULL) {
        size_t name_len = (size_t)(colon - data);
        ddb_http_response_add_header(c->resp, data, name_len, colon + 1, len - name_len - 1);
    }
    return len;
}

static void share_lock(CURL *handle, curl_lock_data data, curl_lock_access access, void *userptr)
{
    (void)handle;
    (void)access;
    curl_transport *t = userptr;
    pthread_mutex_lock(&t->share_locks[data]);
}

static void share_unlock(CURL *handle, curl_lock_data data, void *userptr)
{
    (void)handle;
    curl_transport *t = userptr;
    pthread_mutex_unlock(&t->share_locks[data]);
}

/* --- handles --- */

static void curl_conn_free(curl_conn *c)
{
    if (c == NULL)
        return;
    curl_easy_cleanup(c->easy);
    ddb_buf_free(&c->header_text);
    free(c->url);
    free(c);
}

/* Options that never change over the life of a handle. */
static CURLcode conn_configure(curl_transport *t, curl_conn *c)
{
    CURL *e = c->easy;
    CURLcode cc = CURLE_OK;
#define SET_(opt, val)                                                                             \
    do {                                                                                           \
        if (cc == CURLE_OK)                                                                        \
            cc = curl_easy_setopt(e, opt, val);                                                    \
    } while (0)
    SET_(CURLOPT_NOSIGNAL, 1L);
    SET_(CURLOPT_TCP_NODELAY, 1L);
    SET_(CURLOPT_TCP_KEEPALIVE, 1L);
    SET_(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
#if LIBCURL_VERSION_NUM >= 0x075500
    SET_(CURLOPT_PROTOCOLS_STR, "http,https");
#endif
    SET_(CURLOPT_WRITEFUNCTION, on_body);
    SET_(CURLOPT_WRITEDATA, (void *)c);
    SET_(CURLOPT_HEADERFUNCTION, on_header);
    SET_(CURLOPT_HEADERDATA, (void *)c);
    SET_(CURLOPT_READFUNCTION, on_read);
    SET_(CURLOPT_READDATA, (void *)c);
    SET_(CURLOPT_SEEKFUNCTION, on_seek);
    SET_(CURLOPT_SEEKDATA, (void *)c);
    SET_(CURLOPT_ERRORBUFFER, c->errbuf);
    SET_(CURLOPT_SHARE, t->share);
    SET_(CURLOPT_SSL_VERIFYPEER, t->verify_tls ? 1L : 0L);
    SET_(CURLOPT_SSL_VERIFYHOST, t->verify_tls ? 2L : 0L);
    if (t->ca_file != NULL)
        SET_(CURLOPT_CAINFO, t->ca_file);
#undef SET_
    return cc;
}

static int conn_new(curl_transport *t, curl_conn **out)
{
    curl_conn *c = calloc(1, sizeof *c);
    if (c == NULL)
        return ddb_error_set(DDB_ENOMEM, "out of memory creating an HTTP connection");
    c->easy = curl_easy_init();
    if (c->easy == NULL) {
        free(c);
        return ddb_error_set(DDB_ENETWORK, "curl_easy_init failed");
    }
    CURLcode cc = conn_configure(t, c);
    if (cc != CURLE_OK) {
        curl_conn_free(c);
        return ddb_error_set(DDB_ENETWORK, "configuring a curl handle: %s", curl_easy_strerror(cc));
    }
    *out = c;
    return 0;
}

/* --- the pool --- */

/* Takes an idle handle, creates one while under the limit, else waits. */
static int pool_acquire(curl_transport *t, curl_conn **out)
{
    pthread_mutex_lock(&t->lock);
    while (t->idle == NULL && t->n_conns >= t->max_conns)
        pthread_cond_wait(&t->idle_cv, &t->lock);
    curl_conn *c = t->idle;
    if (c != NULL) {
        t->idle = c->next;
        pthread_mutex_unlock(&t->lock);
        *out = c;
        return 0;
    }
    t->n_conns++; /* reserve the slot, create outside the lock */
    pthread_mutex_unlock(&t->lock);
    int rc = conn_new(t, out);
    if (rc != 0) {
        pthread_mutex_lock(&t->lock);
        t->n_conns--;
        pthread_cond_signal(&t->idle_cv);
        pthread_mutex_unlock(&t->lock);
    }
    return rc;
}

static void pool_release(curl_transport *t, curl_conn *c)
{
    pthread_mutex_lock(&t->lock);
    c->next = t->idle;
    t->idle = c;
    pthread_cond_signal(&t->idle_cv);
    pthread_mutex_unlock(&t->lock);
}

/* --- one transfer --- */

static bool has_header(const ddb_http_request *req, const char *name)
{
    for (size_t i = 0; i < req->n_headers; i++)
        if (strcasecmp(req->headers[i].name, name) == 0)
            return true;
    return false;
}

/*
 * Builds the header list in `nodes` (caller's storage, so no allocation per
 * request): the text lives in c->header_text, the list nodes are ours, and
 * curl only reads them during the transfer. An empty value is sent as
 * "Name;" (curl's syntax for an empty header).
 */
static int build_headers(curl_conn *c, const ddb_http_request *req, struct curl_slist *nodes,
                         size_t *n_out)
{
    static const char *const extra[EXTRA_HEADERS] = {"Expect:", "Accept:", "Content-Type:"};
    size_t n_extra = has_header(req, "Content-Type") ? 2 : 3;
    size_t offsets[DDB_HTTP_MAX_HEADERS + EXTRA_HEADERS];
    ddb_buf *text = &c->header_text;
    ddb_buf_reset(text);
    int rc = 0;
    size_t n = 0;
    for (; n < req->n_headers && rc == 0; n++) {
        const ddb_header *h = &req->headers[n];
        offsets[n] = text->len;
        rc = *h->value != '\0' ? ddb_buf_printf(text, "%s: %s", h->name, h->value)
                               : ddb_buf_printf(text, "%s;", h->name);
        if (rc == 0)
            rc = ddb_buf_putc(text, '\0');
    }
    for (size_t i = 0; i < n_extra && rc == 0; i++, n++) {
        offsets[n] = text->len;
        rc = ddb_buf_append(text, extra[i], strlen(extra[i]) + 1);
    }
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        nodes[i].data = text->data + offsets[i];
        nodes[i].next = i + 1 < n ? &nodes[i + 1] : NULL;
    }
    *n_out = n;
    return 0;
}

static CURLcode set_url(curl_conn *c, const char *url)
{
    if (c->url != NULL && strcmp(c->url, url) == 0)
        return CURLE_OK;
    free(c->url);
    c->url = strdup(url);
    if (c->url == NULL)
        return CURLE_OUT_OF_MEMORY;
    return curl_easy_setopt(c->easy, CURLOPT_URL, c->url);
}

/* Method and body. GET and HEAD send no body; everything else is sent like
 * a POST (with the request's method name when it is not POST), its body
 * read through on_read. */
static CURLcode set_method(curl_conn *c, const ddb_http_request *req)
{
    CURL *e = c->easy;
    c->upload = req->body != NULL ? req->body : "";
    c->upload_len = req->body != NULL ? req->body_len : 0;
    c->upload_pos = 0;
    c->resend_refused = false;
    CURLcode cc = curl_easy_setopt(e, CURLOPT_NOBODY, 0L);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, (char *)NULL);
    if (cc != CURLE_OK)
        return cc;
    if (strcmp(req->method, "GET") == 0)
        return curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    if (strcmp(req->method, "HEAD") == 0)
        return curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    cc = curl_easy_setopt(e, CURLOPT_POST, 1L);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    if (cc == CURLE_OK) /* NULL: the body comes from the read callback */
        cc = curl_easy_setopt(e, CURLOPT_POSTFIELDS, (char *)NULL);
    if (cc == CURLE_OK && strcmp(req->method, "POST") != 0)
        cc = curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, req->method);
    return cc;
}

static CURLcode set_request(curl_conn *c, const ddb_http_request *req, struct curl_slist *headers)
{
    CURL *e = c->easy;
    long connect_ms =
        req->connect_timeout_ms > 0 ? req->connect_timeout_ms : DEFAULT_CONNECT_TIMEOUT_MS;
    long total_ms = req->timeout_ms > 0 ? req->timeout_ms : DEFAULT_TIMEOUT_MS;
    CURLcode cc = set_url(c, req->url);
    if (cc == CURLE_OK)
        cc = set_method(c, req);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, total_ms);
    if (cc == CURLE_OK) /* a Content-Length over max_body is refused before the body (0: none) */
        cc = curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
                              (curl_off_t)(req->max_body <= (size_t)INT64_MAX ? req->max_body : 0));
    return cc;
}

static int curl_failure(curl_conn *c, CURLcode cc, const char *url)
{
    if (c->callback_rc != 0)
        return c->callback_rc; /* already recorded */
    const char *detail = c->errbuf[0] != '\0' ? c->errbuf : curl_easy_strerror(cc);
    switch (cc) {
    case CURLE_OPERATION_TIMEDOUT:
        return ddb_error_set(DDB_ETIMEOUT, "%s: %s", url, detail);
    case CURLE_OUT_OF_MEMORY:
        return ddb_error_set(DDB_ENOMEM, "%s: %s", url, detail);
    case CURLE_SEND_FAIL_REWIND:
        if (c->resend_refused)
            return ddb_error_set(DDB_ENETWORK,
                                 "%s: the connection closed after the request was sent; not sent again "
                                 "unseen (the client's retry policy decides)",
                                 url);
        return ddb_error_set(DDB_ENETWORK, "%s: %s (curl error %d)", url, detail, (int)cc);
    case CURLE_FILESIZE_EXCEEDED:
        return ddb_error_set(DDB_ELIMIT, "%s: the answer's body is over %zu bytes (max_body)", url, c->max_body);
    default:
        return ddb_error_set(DDB_ENETWORK, "%s: %s (curl error %d)", url, detail, (int)cc);
    }
}

static int conn_perform(curl_conn *c, const ddb_http_request *req, ddb_http_response *resp)
{
    struct curl_slist nodes[DDB_HTTP_MAX_HEADERS + EXTRA_HEADERS];
    size_t n_nodes = 0;
    int rc = build_headers(c, req, nodes, &n_nodes);
    if (rc != 0)
        return rc;
    c->resp = resp;
    c->callback_rc = 0;
    c->body_mark = resp->body.len;
    c->max_body = req->max_body;
    c->req_url = req->url;
    c->errbuf[0] = '\0';
    CURLcode cc = set_request(c, req, nodes);
    if (cc == CURLE_OK)
        cc = curl_easy_perform(c->easy);
    /* whether the request left: an answer came, or request bytes were written */
    long request_size = 0;
    curl_easy_getinfo(c->easy, CURLINFO_REQUEST_SIZE, &request_size);
    resp->sent = cc == CURLE_OK || request_size > 0;
    if (cc == CURLE_OK)
        cc = curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &resp->status);
    rc = cc == CURLE_OK ? 0 : curl_failure(c, cc, req->url);
    /* the node array dies with this frame: never leave curl pointing at it */
    curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
    c->resp = NULL;
    return rc;
}

static int curl_send(ddb_transport *self, const ddb_http_request *req, ddb_http_response *resp)
{
    curl_transport *t = (curl_transport *)self;
    if (req->n_headers > DDB_HTTP_MAX_HEADERS)
        return ddb_error_set(DDB_EINVAL, "%zu request headers; at most %d are supported",
                             req->n_headers, DDB_HTTP_MAX_HEADERS);
    curl_conn *c = NULL;
    int rc = pool_acquire(t, &c);
    if (rc != 0)
        return rc;
    rc = conn_perform(c, req, resp);
    pool_release(t, c);
    return rc;
}

/* --- life cycle --- */

static void curl_destroy(ddb_transport *self)
{
    curl_transport *t = (curl_transport *)self;
    while (t->idle != NULL) {
        curl_conn *c = t->idle;
        t->idle = c->next;
        curl_conn_free(c);
    }
    curl_share_cleanup(t->share);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_destroy(&t->share_locks[i]);
    pthread_cond_destroy(&t->idle_cv);
    pthread_mutex_destroy(&t->lock);
    free(t->ca_file);
    free(t);
}

static CURLSH *share_new(curl_transport *t)
{
    CURLSH *sh = curl_share_init();
    if (sh == NULL)
        return NULL;
    CURLSHcode sc = curl_share_setopt(sh, CURLSHOPT_LOCKFUNC, share_lock);
    if (sc == CURLSHE_OK)
        sc = curl_share_setopt(sh, CURLSHOPT_UNLOCKFUNC, share_unlock);
    if (sc == CURLSHE_OK)
        sc = curl_share_setopt(sh, CURLSHOPT_USERDATA, (void *)t);
    if (sc == CURLSHE_OK)
        sc = curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    if (sc == CURLSHE_OK)
        sc = curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    if (sc != CURLSHE_OK) {
        curl_share_cleanup(sh);
        return NULL;
    }
    return sh;
}

int ddb_curl_transport_new(ddb_transport **out, const ddb_curl_options *opts)
{
    static const ddb_curl_options defaults = DDB_CURL_OPTIONS_INIT;
    if (opts == NULL)
        opts = &defaults;
    if (opts->version != DDB_CURL_OPTIONS_VERSION)
        return ddb_error_set(DDB_EINVAL, "ddb_curl_options version %u, expected %u", opts->version,
                             DDB_CURL_OPTIONS_VERSION);
    pthread_once(&global_once, global_init);
    if (global_rc != CURLE_OK)
        return ddb_error_set(DDB_ENETWORK, "curl_global_init: %s", curl_easy_strerror(global_rc));
    curl_transport *t = calloc(1, sizeof *t);
    if (t == NULL)
        return ddb_error_set(DDB_ENOMEM, "out of memory creating the curl transport");
    t->base.send = curl_send;
    t->base.destroy = curl_destroy;
    t->max_conns = opts->max_connections != 0 ? opts->max_connections : DEFAULT_MAX_CONNECTIONS;
    t->verify_tls = opts->verify_tls != 0;
    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->idle_cv, NULL);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_init(&t->share_locks[i], NULL);
    t->share = share_new(t);
    if (opts->ca_file != NULL)
        t->ca_file = strdup(opts->ca_file);
    if (t->share == NULL || (opts->ca_file != NULL && t->ca_file == NULL)) {
        curl_destroy(&t->base);
        return ddb_error_set(DDB_ENOMEM, "out of memory creating the curl transport");
    }
    *out = &t->base;
    return 0;
}
