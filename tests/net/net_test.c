/* net_test.c - helpers of the net/ops unit tests (see net_test.h). */
#include "net_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ddb/error.h"
#include "ddb/json.h"

static int fake_send(ddb_transport *self, const ddb_http_request *req, ddb_http_response *resp)
{
    fake_transport *t = (fake_transport *)self;
    const fake_reply *r = &t->replies[t->sent < t->n_replies ? t->sent : t->n_replies - 1];
    t->sent++;
    snprintf(t->url, sizeof t->url, "%s", req->url);
    snprintf(t->method, sizeof t->method, "%s", req->method);
    t->max_body = req->max_body;
    ddb_buf_reset(&t->body);
    ddb_buf_append(&t->body, req->body, req->body_len);
    ddb_buf_reset(&t->headers);
    for (size_t i = 0; i < req->n_headers; i++)
        ddb_buf_printf(&t->headers, "%s: %s\n", req->headers[i].name, req->headers[i].value);
    if (t->sent <= 8) {
        const char *v = fake_header(t, "amz-sdk-invocation-id");
        snprintf(t->invocation[t->sent - 1], sizeof t->invocation[0], "%s", v != NULL ? v : "");
        v = fake_header(t, "amz-sdk-request");
        snprintf(t->sdk_request[t->sent - 1], sizeof t->sdk_request[0], "%s", v != NULL ? v : "");
    }
    resp->sent = r->rc == 0 || t->fail_after_send;
    if (r->rc != 0)
        return ddb_error_set(r->rc, "fake transport failure %d", r->rc);
    const char *body = r->body != NULL ? r->body : "";
    char value[64];
    resp->status = r->status;
    ddb_buf_puts(&resp->body, body);
    if (r->crc32 == NULL) {
        snprintf(value, sizeof value, "%lu", (unsigned long)ddb_crc32(body, strlen(body)));
        ddb_http_response_add_header(resp, "x-amz-crc32", 11, value, strlen(value));
    } else if (*r->crc32 != '\0') {
        ddb_http_response_add_header(resp, "X-Amz-Crc32", 11, r->crc32, strlen(r->crc32));
    }
    if (r->request_id != NULL)
        snprintf(value, sizeof value, "%s", r->request_id);
    else
        snprintf(value, sizeof value, "REQ-%zu", t->sent);
    ddb_http_response_add_header(resp, "x-amzn-RequestId", 16, value, strlen(value));
    return 0;
}

void fake_init(fake_transport *t, const fake_reply *replies, size_t n)
{
    memset(t, 0, sizeof *t);
    t->base.send = fake_send;
    t->replies = replies;
    t->n_replies = n;
}

void fake_free(fake_transport *t)
{
    ddb_buf_free(&t->body);
    ddb_buf_free(&t->headers);
}

const char *fake_header(const fake_transport *t, const char *name)
{
    static char value[2048];
    size_t n = strlen(name);
    for (const char *line = ddb_buf_cstr(&t->headers); *line != '\0';) {
        const char *end = strchr(line, '\n');
        if (strncasecmp(line, name, n) == 0 && line[n] == ':') {
            snprintf(value, sizeof value, "%.*s", (int)(end - line - n - 2), line + n + 2);
            return value;
        }
        line = end + 1;
    }
    return NULL;
}

static int count_get(ddb_credentials_provider *self, ddb_credentials *out)
{
    count_provider *p = (count_provider *)self;
    p->calls++;
    if (p->fail)
        return ddb_error_set(DDB_ECREDENTIALS, "no credentials (test provider)");
    out->access_key_id = strdup("AKIDEXAMPLE");
    out->secret_access_key = strdup("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    out->session_token = p->token != NULL ? strdup(p->token) : NULL;
    out->expiration = p->expiration;
    return 0;
}

void count_provider_init(count_provider *p)
{
    memset(p, 0, sizeof *p);
    p->base.get = count_get;
}

static double fake_rand(void *ctx)
{
    fake_clock *fc = ctx;
    if (fc->n_rands == 0)
        return 0.5;
    size_t i = fc->next_rand < fc->n_rands ? fc->next_rand++ : fc->n_rands - 1;
    return fc->rands[i];
}

static void fake_sleep(void *ctx, uint32_t ms)
{
    fake_clock *fc = ctx;
    if (fc->n_sleeps < sizeof fc->sleeps / sizeof fc->sleeps[0])
        fc->sleeps[fc->n_sleeps] = ms;
    fc->n_sleeps++;
}

void fake_clock_attach(ddb_retry_policy *p, fake_clock *fc)
{
    p->rand01 = fake_rand;
    p->sleep_ms = fake_sleep;
    p->ctx = fc;
}

ddb_client *test_client(fake_transport *t, count_provider *cp, const ddb_retry_policy *policy,
                        fake_clock *fc)
{
    ddb_client_config cfg = DDB_CLIENT_CONFIG_INIT;
    cfg.endpoint = "http://127.0.0.1:8000";
    cfg.region = "us-west-2";
    cfg.transport = &t->base;
    cfg.credentials = &cp->base;
    if (policy != NULL)
        cfg.retry = *policy;
    else if (fc != NULL)
        fake_clock_attach(&cfg.retry, fc);
    ddb_client *c = NULL;
    if (ddb_client_new(&c, &cfg) != 0)
        return NULL;
    return c;
}

void clean_aws_env(void)
{
    static const char *const vars[] = {
        "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL",  "AWS_REGION",
        "AWS_DEFAULT_REGION",        "AWS_PROFILE",       "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",     "AWS_SESSION_TOKEN",
    };
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        unsetenv(vars[i]);
    setenv("AWS_CONFIG_FILE", "/nonexistent/ddbc-test/config", 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/ddbc-test/credentials", 1);
}
