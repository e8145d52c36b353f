/* ddb_test.c - shared test helpers (see ddb_test.h). */
#include "ddb_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

const char *ddbt_last_error(void)
{
    static _Thread_local char line[2048];
    return ddb_error_format(line, sizeof line, ddb_last_error());
}

void ddbt_assert_unknown_operation(int rc)
{
    if (rc != DDB_EVALIDATION || strcmp(ddb_last_error()->aws_type, "UnknownOperationException") != 0)
        fail_msg("expected UnknownOperationException (DDB_EVALIDATION), got %s: %s", ddb_code_name(rc),
                 ddbt_last_error());
}

static int wire_send(ddb_transport *self, const ddb_http_request *req, ddb_http_response *resp)
{
    ddbt_wire *w = (ddbt_wire *)self;
    w->calls++;
    if (w->n_requests == DDBT_MAX_SCRIPT || w->next == w->n_responses)
        return ddb_error_set(DDB_ENETWORK, "scripted transport: no response left");
    for (size_t i = 0; i < req->n_headers; i++) {
        if (strcmp(req->headers[i].name, "X-Amz-Target") == 0)
            snprintf(w->targets[w->n_requests], sizeof w->targets[0], "%s", req->headers[i].value);
    }
    w->bodies[w->n_requests] = strndup(req->body, req->body_len);
    w->n_requests++;
    const char *body = w->responses[w->next++];
    char crc[16];
    snprintf(crc, sizeof crc, "%u", (unsigned)ddb_crc32(body, strlen(body)));
    ddb_http_response_add_header(resp, "x-amz-crc32", 11, crc, strlen(crc));
    ddb_http_response_add_header(resp, "x-amzn-RequestId", 16, "REQ1", 4);
    resp->status = w->statuses[w->next - 1];
    return ddb_buf_append(&resp->body, body, strlen(body));
}

static void wire_sleep(void *ctx, uint32_t ms)
{
    ddbt_wire *w = ctx;
    if (w->n_sleeps < DDBT_MAX_SCRIPT)
        w->sleeps[w->n_sleeps++] = ms;
}

int ddbt_transport_client(ddb_client **out, ddb_transport *t, const char *key_id,
                          const ddb_client_config *base)
{
    ddb_credentials_provider *creds;
    int rc = ddb_creds_static_new(&creds, key_id, "secret", NULL);
    if (rc != 0)
        return rc;
    ddb_client_config cfg = DDB_CLIENT_CONFIG_INIT;
    if (base != NULL)
        cfg = *base;
    cfg.endpoint = "http://127.0.0.1:1";
    cfg.region = "us-east-1";
    cfg.credentials = creds;
    cfg.transport = t;
    rc = ddb_client_new(out, &cfg);
    if (rc != 0)
        ddb_credentials_provider_free(creds); /* else the client owns them */
    return rc;
}

int ddbt_wire_client(ddb_client **out, ddbt_wire *w)
{
    w->base.send = wire_send;
    w->base.destroy = NULL;
    ddb_client_config cfg = DDB_CLIENT_CONFIG_INIT;
    cfg.retry.max_attempts = 1;
    cfg.retry.sleep_ms = wire_sleep;
    cfg.retry.ctx = w;
    return ddbt_transport_client(out, &w->base, "AKID", &cfg) != 0 ? -1 : 0;
}

void ddbt_wire_script(ddbt_wire *w, size_t n, ...)
{
    for (size_t i = 0; i < w->n_requests; i++)
        free(w->bodies[i]);
    memset(w->bodies, 0, sizeof w->bodies);
    w->n_requests = w->next = w->n_sleeps = w->calls = 0;
    w->n_responses = n;
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n; i++) {
        w->responses[i] = va_arg(ap, const char *);
        w->statuses[i] = 200;
    }
    va_end(ap);
}

void ddbt_wire_status(ddbt_wire *w, size_t i, long status)
{
    assert_true(i < w->n_responses);
    w->statuses[i] = status;
}

void ddbt_assert_sent(const ddbt_wire *w, size_t i, const char *fragment)
{
    assert_true(i < w->n_requests);
    if (strstr(w->bodies[i], fragment) == NULL)
        fail_msg("request %zu lacks %s\nbody: %s", i, fragment, w->bodies[i]);
}
