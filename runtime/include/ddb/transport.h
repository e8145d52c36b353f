/*
 * ddb/transport.h - the HTTP seam of libddb.
 *
 * A transport sends one fully signed HTTP request and returns the raw
 * response. The client owns signing, retries, checksum verification and
 * error parsing; a transport only moves bytes. The default is libcurl
 * (keep-alive, HTTP/1.1, TLS verification on, no content decoding); tests
 * and benchmarks plug in their own to replace the network.
 *
 * Thread safety: a transport's `send` may be called concurrently from many
 * threads with distinct request/response objects; an implementation must
 * be safe for that (the curl transport keeps a mutex-protected pool of
 * handles).
 */
#ifndef DDB_TRANSPORT_H
#define DDB_TRANSPORT_H

#include "ddb/export.h"

#include <stdbool.h>
#include <stddef.h>

#include "ddb/buf.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ddb_header {
    const char *name;
    const char *value;
} ddb_header;

/* Everything borrowed from the caller for the duration of send(). */
typedef struct ddb_http_request {
    const char *method;         /* "POST", "GET", "PUT", ... */
    const char *url;            /* full URL, e.g. "http://127.0.0.1:8000/" */
    const ddb_header *headers;  /* signed headers, including Host */
    size_t n_headers;
    const char *body;           /* may be NULL when body_len is 0 */
    size_t body_len;
    long connect_timeout_ms;    /* 0: transport default (curl: 2000) */
    long timeout_ms;            /* whole request; 0: transport default (curl: 30000) */
    size_t max_body;            /* the longest response body accepted; 0: no limit. A longer
                                   one fails with DDB_ELIMIT, before it is read when its
                                   Content-Length says so */
} ddb_http_request;

/* Most headers a request may carry (a transport may rely on it). */
#define DDB_HTTP_MAX_HEADERS 32

/* Capacity (with the NUL) of each recorded response header value. */
#define DDB_HTTP_HEADER_VALUE_MAX 128

/*
 * Filled by send(); owned by the caller. Initialise with
 * DDB_HTTP_RESPONSE_INIT, release with ddb_http_response_free; reuse with
 * ddb_http_response_reset.
 *
 * Only the headers of interest are kept, stored inline so that receiving a
 * response allocates nothing but body growth. A value is "" when the header
 * was absent; longer values are truncated. Names are matched
 * case-insensitively.
 */
typedef struct ddb_http_response {
    long status;                                     /* HTTP status code */
    ddb_buf body;                                    /* raw body bytes, never decoded */
    char request_id[DDB_HTTP_HEADER_VALUE_MAX];      /* x-amzn-RequestId / x-amz-request-id */
    char crc32[DDB_HTTP_HEADER_VALUE_MAX];           /* x-amz-crc32 (decimal) */
    char content_type[DDB_HTTP_HEADER_VALUE_MAX];    /* Content-Type */
    char etag[DDB_HTTP_HEADER_VALUE_MAX];            /* ETag (S3) */
    char retry_after[DDB_HTTP_HEADER_VALUE_MAX];     /* Retry-After */
    bool sent; /* set by the transport once the whole request was written: a failure after it may
                  have been acted on (the client then reports a failed write as maybe applied) */
} ddb_http_response;

#define DDB_HTTP_RESPONSE_INIT {0, DDB_BUF_INIT, {0}, {0}, {0}, {0}, {0}, false}

/* Frees the body and resets every field. NULL-safe. */
DDB_API void ddb_http_response_free(ddb_http_response *r);
/* Resets status and headers and empties the body, keeping its capacity. */
DDB_API void ddb_http_response_reset(ddb_http_response *r);
/* Forgets the recorded headers only (a transport calls it when a new status
 * line starts, e.g. after "100 Continue"). */
DDB_API void ddb_http_response_clear_headers(ddb_http_response *r);
/*
 * Records one header received from the wire when its name is one of
 * interest (case-insensitive); ignores others. Leading and trailing blanks
 * of the value are dropped. For transport implementations; never fails.
 */
DDB_API void ddb_http_response_add_header(ddb_http_response *r, const char *name, size_t name_len,
                                  const char *value, size_t value_len);

typedef struct ddb_transport ddb_transport;

struct ddb_transport {
    /*
     * Sends `req` and fills `resp`, which the caller passes in its reset
     * state except for the body: the response body is *appended* to
     * resp->body (the caller may pre-load a buffer it wants the bytes in).
     * Returns 0 when an HTTP response was received, whatever its status;
     * DDB_ETIMEOUT on timeout, DDB_ENETWORK on connection or protocol
     * failures (both recorded with the detail), DDB_ENOMEM. On failure resp
     * may hold a partial body; the caller discards it.
     */
    int (*send)(ddb_transport *self, const ddb_http_request *req, ddb_http_response *resp);
    /* Releases the transport; may be NULL for static transports. */
    void (*destroy)(ddb_transport *self);
};

/* Calls t->destroy when both are non-NULL. */
DDB_API void ddb_transport_free(ddb_transport *t);

/* Options of the libcurl transport. */
typedef struct ddb_curl_options {
    unsigned version;         /* DDB_CURL_OPTIONS_VERSION */
    size_t max_connections;   /* pooled handles; 0: 16 */
    int verify_tls;           /* 1 (default) verifies peer and host; 0 disables both */
    const char *ca_file;      /* NULL: system default */
} ddb_curl_options;

#define DDB_CURL_OPTIONS_VERSION 1
#define DDB_CURL_OPTIONS_INIT {DDB_CURL_OPTIONS_VERSION, 0, 1, NULL}

/*
 * Creates the libcurl transport: HTTP/1.1 with keep-alive, TCP_NODELAY, no
 * Accept-Encoding and no content decoding, no signals (CURLOPT_NOSIGNAL),
 * no redirects, TLS verification unless opts->verify_tls is 0.
 *
 * Connections: a pool of up to max_connections curl easy handles, each
 * keeping its own keep-alive connection; DNS results and TLS sessions are
 * shared between them. A send() takes an idle handle (the most recently
 * used, whose connection is the likeliest to be warm), or creates one while
 * fewer than max_connections exist; otherwise it *blocks* until another
 * thread's send() returns a handle. The wait does not count against the
 * request's timeout. Handles are created lazily and kept until destroy().
 *
 * `opts` may be NULL for defaults; ca_file is copied. The caller owns the
 * result and releases it with ddb_transport_free (or hands it to a client,
 * which takes ownership). curl_global_init runs once per process, thread-
 * safely. Returns 0, DDB_EINVAL (unknown options version), DDB_ENOMEM or
 * DDB_ENETWORK (libcurl initialisation failed).
 *
 * Thread safety: send() may be called from any number of threads; destroy
 * must not race with send().
 */
DDB_API int ddb_curl_transport_new(ddb_transport **out, const ddb_curl_options *opts);

/*
 * Creates the native transport, the client's default: http:// and https://
 * URLs are sent by libddb's own HTTP/1.1 client — one sendmsg() (TLS: one
 * SSL_write), one poll() and one recv() per request (libcurl: about nine
 * system calls), with no event loop; every URL goes through a libcurl
 * transport made on first use with the same options when a proxy variable
 * for its scheme (http_proxy / HTTP_PROXY, https_proxy / HTTPS_PROXY,
 * all_proxy / ALL_PROXY) is set at creation, and so do other schemes.
 * docs/performance.md has the measurements behind it.
 *
 * TLS (OpenSSL's libssl): 1.2 or later; unless opts->verify_tls is 0 the
 * server's certificate is verified against opts->ca_file (PEM) or
 * OpenSSL's default paths (SSL_CERT_FILE / SSL_CERT_DIR honoured), and
 * its name against the URL's host (DNS name, or IP address when the host
 * is one; no partial wildcards); SNI and ALPN "http/1.1" sent; sessions
 * resumed (each ticket offered once). No SIGPIPE is raised: sockets are
 * written with MSG_NOSIGNAL.
 *
 * HTTP/1.1 with keep-alive: a pool of at most opts->max_connections (0:
 * 16) connections, shared by every origin; idle ones reused newest first
 * (checked first when idle for more than a second); a send() finding
 * every connection busy *blocks* until one is returned (not counted in the
 * request's timeout), or closes an idle connection to another origin.
 * Content-Length and chunked bodies, bodies delimited by the close (over
 * TLS only when the server ends with close_notify), interim 1xx answers
 * skipped with their headers, HEAD/204/304 without body, "Connection:
 * close" honoured. A request sent on a reused connection that receives no
 * byte of answer fails with DDB_ENETWORK (resp->sent set) and is not sent
 * again by the transport: libddb's client retries it under its retry
 * policy, counting the attempt. (libcurl's transport resends such a
 * request once by itself, invisibly; it is used only through proxies.)
 *
 * Errors: DDB_ETIMEOUT (connect_timeout_ms, default 2000, covering the TLS
 * handshake, or timeout_ms, default 30000, elapsed), DDB_ENETWORK
 * (resolution, connection, reset, TLS failures — "the server's TLS
 * certificate is refused: <OpenSSL's reason>" — a malformed answer; the
 * message names the URL), DDB_ECONFIG (opts->ca_file cannot be loaded),
 * DDB_EINVAL (a header holding CR, LF or a ':' in its name; more than
 * DDB_HTTP_MAX_HEADERS headers; a URL it cannot parse), DDB_ENOMEM.
 *
 * `opts` as for ddb_curl_transport_new (may be NULL; ca_file is copied).
 * Ownership and thread safety as ddb_curl_transport_new's.
 */
DDB_API int ddb_native_transport_new(ddb_transport **out, const ddb_curl_options *opts);

#ifdef __cplusplus
}
#endif

#endif /* DDB_TRANSPORT_H */
