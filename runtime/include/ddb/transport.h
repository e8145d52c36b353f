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
    long connect_timeout_ms;    /* 0: transport default */
    long timeout_ms;            /* whole request; 0: transport default */
} ddb_http_request;

#define DDB_HTTP_MAX_HEADERS 32

/* Filled by send(); owned by the caller, released with ddb_http_response_free. */
typedef struct ddb_http_response {
    long status;                 /* HTTP status code */
    ddb_buf body;                /* raw body bytes, never decoded */
    /* Headers of interest, copied (NULL when absent). Names are matched
     * case-insensitively by the transport. */
    char *request_id;            /* x-amzn-RequestId (or x-amz-request-id for S3) */
    char *crc32;                 /* x-amz-crc32 */
    char *content_type;
    char *etag;                  /* S3 */
    char *retry_after;           /* Retry-After, if sent */
} ddb_http_response;

#define DDB_HTTP_RESPONSE_INIT {0, DDB_BUF_INIT, NULL, NULL, NULL, NULL, NULL}

void ddb_http_response_free(ddb_http_response *r);
/* Resets to the initial state, freeing contents, keeping body capacity. */
void ddb_http_response_reset(ddb_http_response *r);
/* Records a header received from the wire when it is one of interest
 * (case-insensitive name). For transport implementations. */
int ddb_http_response_add_header(ddb_http_response *r, const char *name, size_t name_len,
                                 const char *value, size_t value_len);

typedef struct ddb_transport ddb_transport;

struct ddb_transport {
    /*
     * Sends `req`, filling `resp`. Returns 0 when an HTTP response was
     * received (whatever its status), DDB_ETIMEOUT on timeout, DDB_ENETWORK on
     * connection failures (error recorded with the detail), DDB_ENOMEM.
     */
    int (*send)(ddb_transport *self, const ddb_http_request *req, ddb_http_response *resp);
    /* Releases the transport; may be NULL for static transports. */
    void (*destroy)(ddb_transport *self);
};

/* Options of the libcurl transport. */
typedef struct ddb_curl_options {
    unsigned version;         /* DDB_CURL_OPTIONS_VERSION */
    size_t max_connections;   /* pooled handles; 0: 16 */
    int verify_tls;           /* 1 (default) verifies peer and host */
    const char *ca_file;      /* NULL: system default */
} ddb_curl_options;

#define DDB_CURL_OPTIONS_VERSION 1
#define DDB_CURL_OPTIONS_INIT {DDB_CURL_OPTIONS_VERSION, 0, 1, NULL}

/*
 * Creates the libcurl transport. `opts` may be NULL for defaults. The caller
 * owns the result and releases it with its destroy() (or hands it to a
 * client that takes ownership). Calls curl_global_init once per process in a
 * thread-safe way. Returns 0, DDB_ENOMEM or DDB_ENETWORK.
 */
int ddb_curl_transport_new(ddb_transport **out, const ddb_curl_options *opts);

#ifdef __cplusplus
}
#endif

#endif /* DDB_TRANSPORT_H */
