/* extras_test.c - helpers of the extras tests (see extras_test.h). */
#include "extras_test.h"

#include "ddb_test.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fn_send(ddb_transport *self, const ddb_http_request *req, ddb_http_response *resp)
{
    fn_transport *t = (fn_transport *)self;
    const char *target = "";
    for (size_t i = 0; i < req->n_headers; i++) {
        if (strcmp(req->headers[i].name, "X-Amz-Target") == 0)
            target = strchr(req->headers[i].value, '.') + 1;
    }
    unsigned long n = atomic_fetch_add(&t->requests, 1) + 1;
    char id[32];
    snprintf(id, sizeof id, "REQ-%lu", n);
    ddb_http_response_add_header(resp, "x-amzn-RequestId", 16, id, strlen(id));
    resp->status = 200;
    return t->handler(t->ctx, target, req->body, req->body_len, &resp->status, &resp->body);
}

/* A fixed jitter, so back-off sums are exact: delays are half the cap. */
static double half(void *ctx)
{
    (void)ctx;
    return 0.5;
}

static void add_sleep(void *ctx, uint32_t ms)
{
    if (ctx != NULL)
        *(uint64_t *)ctx += ms;
}

ddb_client *fn_client(fn_transport *t, handler_fn handler, void *ctx, unsigned max_attempts,
                      uint64_t *slept_ms)
{
    memset(t, 0, sizeof *t);
    t->base.send = fn_send;
    t->handler = handler;
    t->ctx = ctx;
    ddb_client_config cfg = DDB_CLIENT_CONFIG_INIT;
    cfg.retry.max_attempts = max_attempts;
    cfg.retry.sleep_ms = add_sleep;
    cfg.retry.rand01 = half;
    cfg.retry.ctx = slept_ms;
    ddb_client *c = NULL;
    return ddbt_transport_client(&c, &t->base, "AKIDEXTRAS", &cfg) == 0 ? c : NULL;
}

int create_test_table(ddb_client *c, const char *name)
{
    static const ddb_attribute_definition attrs[] = {{"pk", DDB_AV_S}, {"sk", DDB_AV_N}};
    ddb_create_table_input in = DDB_CREATE_TABLE_INPUT_INIT;
    in.table_name = name;
    in.attribute_definitions = attrs;
    in.n_attribute_definitions = 2;
    in.key_schema = (ddb_key_schema){"pk", "sk"};
    in.billing_mode = DDB_BILLING_MODE_PAY_PER_REQUEST;
    ddb_table_output out;
    int rc = ddb_create_table(&out, c, &in);
    ddb_table_output_free(&out);
    return rc != 0 ? rc : ddb_wait_table_active(c, name, 30000);
}
