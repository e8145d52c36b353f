/*
 * fuzz_error.c - fuzz target for the AWS error-response parsing of the
 * runtime's client (runtime/src/client.c): the input is a raw HTTP answer
 * (fuzz_http.h: status line, headers, body), given
 *  - to ddb_error_from_response (status, body, request id), the JSON error
 *    document reader;
 *  - as the answer to a DynamoDB call (ddb_client_call: checksum, request
 *    id, retries with the same answer, error mapping);
 *  - as the answer to an S3 request (ddb_client_send: S3's XML errors).
 *
 * Invariants (abort() when broken): a failure is a DDB_E* code that is the
 * last error's, with a one-line message (no line break) and the answer's
 * status and request id; a 2xx answer with an intact checksum is a success
 * whose body the caller gets whole; the client never makes more attempts
 * than its policy allows.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ddb/client.h"
#include "ddb/creds.h"
#include "ddb/error.h"
#include "fuzz_http.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ATTEMPTS 3

static void no_sleep(void *ctx, uint32_t ms)
{
    (void)ctx;
    (void)ms;
}

static double no_jitter(void *ctx)
{
    (void)ctx;
    return 0.5;
}

/* A failure's last error: its code, one line of message. */
static void check_error(int rc)
{
    const ddb_error *e = ddb_last_error();
    check(rc < 0 && e->code == rc && e->message[0] != '\0');
    check(strchr(e->message, '\n') == NULL && strchr(e->message, '\r') == NULL);
}

/* The request id the answer carries, as the error keeps it (truncated). */
static void expected_request_id(const fuzz_answer *a, char out[DDB_ERR_REQUEST_ID_MAX])
{
    ddb_http_response r = DDB_HTTP_RESPONSE_INIT;
    fuzz_transport t;
    fuzz_transport_init(&t, a, 1);
    ddb_http_request req = {"GET", "http://127.0.0.1/", NULL, 0, NULL, 0, 0, 0, 0};
    check(t.base.send(&t.base, &req, &r) == 0);
    size_t n = strlen(r.request_id);
    n = n < DDB_ERR_REQUEST_ID_MAX - 1 ? n : DDB_ERR_REQUEST_ID_MAX - 1;
    memcpy(out, r.request_id, n);
    out[n] = '\0';
    ddb_http_response_free(&r);
}

static void try_parser(const fuzz_answer *a, const char *request_id)
{
    ddb_error_clear();
    int rc = ddb_error_from_response(a->status, a->body, a->body_len, request_id);
    check_error(rc);
    const ddb_error *e = ddb_last_error();
    check(e->http_status == a->status);
    check(request_id[0] == '\0' || strncmp(e->request_id, request_id, DDB_ERR_REQUEST_ID_MAX - 1) == 0);
}

static ddb_client *client(const char *service, fuzz_transport *t)
{
    ddb_credentials_provider *creds = NULL;
    check(ddb_creds_static_new(&creds, "AKIDFUZZ", "fuzz-secret", NULL) == 0);
    ddb_client_config cfg = DDB_CLIENT_CONFIG_INIT;
    cfg.service = service;
    cfg.endpoint = "http://127.0.0.1:8000";
    cfg.region = "us-east-1";
    cfg.credentials = creds;
    cfg.transport = &t->base;
    cfg.retry.max_attempts = MAX_ATTEMPTS;
    cfg.retry.sleep_ms = no_sleep;
    cfg.retry.rand01 = no_jitter;
    ddb_client *c = NULL;
    check(ddb_client_new(&c, &cfg) == 0);
    return c;
}

/* What the client says of an answer it got. */
static void check_call(int rc, const fuzz_answer *a, const fuzz_transport *t, const ddb_buf *got,
                       const char *request_id)
{
    check(t->requests >= 1 && t->requests <= MAX_ATTEMPTS);
    if (rc == 0) {
        check(a->status >= 200 && a->status < 300 && t->requests == 1);
        check(got->len == a->body_len && (a->body_len == 0 || memcmp(got->data, a->body, a->body_len) == 0));
        return;
    }
    check_error(rc);
    const ddb_error *e = ddb_last_error();
    check(e->attempts == t->requests);
    if (rc != DDB_ECRC) {
        check(e->http_status == a->status && (a->status < 200 || a->status >= 300));
        check(request_id[0] == '\0' || strcmp(e->request_id, request_id) == 0);
    }
}

static void try_dynamodb(const fuzz_answer *a, const char *request_id)
{
    fuzz_transport t;
    fuzz_transport_init(&t, a, 1);
    ddb_client *c = client("dynamodb", &t);
    ddb_buf resp = DDB_BUF_INIT;
    int rc = ddb_client_call(&resp, c, "GetItem", "Fuzz", "{}", 2);
    check_call(rc, a, &t, &resp, request_id);
    ddb_buf_free(&resp);
    ddb_client_free(c);
}

static void try_s3(const fuzz_answer *a, const char *request_id)
{
    fuzz_transport t;
    fuzz_transport_init(&t, a, 1);
    ddb_client *c = client("s3", &t);
    ddb_http_response resp = DDB_HTTP_RESPONSE_INIT;
    ddb_rest_request req = {fuzz_answer_flag(a, 'H') ? "HEAD" : "GET", "/bucket/key", NULL, NULL, NULL, 0,
                            NULL, 0, "GetObject"};
    int rc = ddb_client_send(&resp, c, &req);
    check_call(rc, a, &t, &resp.body, request_id);
    ddb_http_response_free(&resp);
    ddb_client_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_answer a = fuzz_answer_parse(data, size);
    char request_id[DDB_ERR_REQUEST_ID_MAX];
    expected_request_id(&a, request_id);
    try_parser(&a, request_id);
    try_dynamodb(&a, request_id);
    try_s3(&a, request_id);
    return 0;
}
