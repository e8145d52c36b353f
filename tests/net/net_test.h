/*
 * net_test.h - helpers of the net/ops unit tests: a scripted transport
 * that returns canned replies and records what was sent, a credentials
 * provider that counts its calls, and a fake clock for the retry hooks.
 */
#ifndef NET_TEST_H
#define NET_TEST_H

#include <stddef.h>
#include <stdint.h>

#include "ddb/buf.h"
#include "ddb/client.h"
#include "ddb/creds.h"
#include "ddb/retry.h"
#include "ddb/transport.h"

/* One canned reply. */
typedef struct fake_reply {
    int rc;                 /* 0, or a transport error to return (recorded) */
    long status;            /* HTTP status when rc is 0 */
    const char *body;       /* NULL: empty */
    const char *crc32;      /* NULL: the body's correct CRC; "": no header; else sent as is */
    const char *request_id; /* NULL: "REQ-<n>" (n counts from 1) */
} fake_reply;

typedef struct fake_transport {
    ddb_transport base;
    const fake_reply *replies; /* the last one repeats once they run out */
    size_t n_replies;
    size_t sent;     /* requests received */
    ddb_buf body;    /* body of the last request */
    ddb_buf headers; /* "Name: value\n" lines of the last request */
    char url[256];
    char method[16];
    size_t max_body; /* of the last request */
    bool fail_after_send; /* a failure (rc != 0) happens after the request left: resp->sent */
    /* amz-sdk-invocation-id and amz-sdk-request of the first 8 requests */
    char invocation[8][40];
    char sdk_request[8][48];
} fake_transport;

void fake_init(fake_transport *t, const fake_reply *replies, size_t n);
void fake_free(fake_transport *t);
/* Value of header `name` (case-insensitive) in the last request, copied
 * into a static buffer; NULL when absent. */
const char *fake_header(const fake_transport *t, const char *name);

/* Credentials provider counting get() calls. */
typedef struct count_provider {
    ddb_credentials_provider base;
    int calls;
    int fail;           /* non-zero: get() returns DDB_ECREDENTIALS */
    int64_t expiration; /* of the credentials handed out */
    const char *token;  /* session token or NULL */
} count_provider;

void count_provider_init(count_provider *p);

/* Fake clock: rand01 returns `rands` in turn (then the last one again);
 * sleep_ms records instead of sleeping. */
typedef struct fake_clock {
    double rands[8];
    size_t n_rands, next_rand;
    uint32_t sleeps[16];
    size_t n_sleeps;
} fake_clock;

/* Points the policy's hooks at `fc`. */
void fake_clock_attach(ddb_retry_policy *p, fake_clock *fc);

/* A client over `t` (borrowed, not freed by the client) with the counting
 * provider `cp` (likewise), endpoint http://127.0.0.1:8000, region
 * us-west-2, and `policy` (NULL: defaults with a fake clock `fc`). */
ddb_client *test_client(fake_transport *t, count_provider *cp, const ddb_retry_policy *policy,
                        fake_clock *fc);

/* Clears every AWS_* variable the client reads and points the shared
 * config files at nothing, so tests do not depend on the machine. */
void clean_aws_env(void);

#endif /* NET_TEST_H */
