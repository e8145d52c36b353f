/*
 * test_hooks.c - request hooks without a network: what the before and
 * after calls see (success, AWS errors, retries, transport and
 * credential failures), their order, the rules (requests from a hook run
 * without hooks, the last error kept), removal from inside a hook and under concurrent
 * requests, ConsumedCapacity, and that no hooks means the plain path.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "extras_test.h"
#include "hooks_internal.h"

/* ------------------------------------------------------------ the server */

typedef struct server {
    const char *bodies[4]; /* answered in turn, the last one repeating */
    long statuses[4];
    size_t n, next;
    char received[4][256]; /* the last requests' bodies, [0] the latest */
} server;

static int serve(void *ctx, const char *target, const char *body, size_t len, long *status,
                 ddb_buf *out)
{
    (void)target;
    server *s = ctx;
    memmove(s->received[1], s->received[0], 3 * sizeof s->received[0]);
    snprintf(s->received[0], sizeof s->received[0], "%.*s", (int)len, body);
    size_t i = s->next < s->n ? s->next : s->n - 1;
    s->next++;
    *status = s->statuses[i] != 0 ? s->statuses[i] : 200;
    return ddb_buf_puts(out, s->bodies[i]);
}

static fn_transport wire;
static server srv;
static ddb_client *client;

static void answer(const char *body, long status)
{
    srv = (server){.bodies = {body}, .statuses = {status}, .n = 1};
}

static int setup(void **state)
{
    (void)state;
    answer("{}", 200);
    client = fn_client(&wire, serve, &srv, 3, NULL);
    return client != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ddb_client_free(client);
    ddb_ops_thread_cleanup();
    assert_true(ddb_hooks_idle()); /* every registration ended */
    return 0;
}

/* ------------------------------------------------------------ a recording hook */

#define MAX_SEEN 16

typedef struct seen {
    char operation[32], table[64], aws_type[64], request_id[32], tag[8];
    int code;
    long status;
    unsigned attempts;
    uint64_t latency_ns;
    bool after, has_error;
    size_t request_len, response_len;
} seen;

typedef struct recorder {
    const char *tag;
    seen log[MAX_SEEN];
    size_t n;
} recorder;

static seen shared_log[MAX_SEEN]; /* across recorders: call order */
static size_t shared_n;

static void record(const ddb_hook_event *ev, recorder *r, bool after)
{
    seen s;
    memset(&s, 0, sizeof s);
    snprintf(s.operation, sizeof s.operation, "%s", ev->operation);
    snprintf(s.table, sizeof s.table, "%s", ev->table);
    snprintf(s.aws_type, sizeof s.aws_type, "%s", ev->aws_type);
    snprintf(s.request_id, sizeof s.request_id, "%s", ev->request_id);
    snprintf(s.tag, sizeof s.tag, "%s", r->tag);
    s.code = ev->code;
    s.status = ev->http_status;
    s.attempts = ev->attempts;
    s.latency_ns = ev->latency_ns;
    s.after = after;
    s.has_error = ev->error != NULL;
    s.request_len = ev->request_len;
    s.response_len = ev->response_len;
    if (r->n < MAX_SEEN)
        r->log[r->n++] = s;
    if (shared_n < MAX_SEEN)
        shared_log[shared_n++] = s;
    ddb_error_set(DDB_EIO, "a hook's own error must not leak to the caller");
}

static void rec_before(const ddb_hook_event *ev, void *payload)
{
    record(ev, payload, false);
}

static void rec_after(const ddb_hook_event *ev, void *payload)
{
    record(ev, payload, true);
}

static ddb_av *key_of(const char *pk)
{
    ddb_av *key = ddb_av_new(DDB_AV_M);
    ddb_av_map_set(key, "pk", ddb_av_s(pk));
    return key;
}

static int put(const char *pk)
{
    ddb_av *item = key_of(pk);
    ddb_put_item_input in = DDB_PUT_ITEM_INPUT_INIT;
    in.table_name = "T";
    in.item = item;
    ddb_write_item_output out;
    int rc = ddb_put_item(&out, client, &in);
    ddb_write_item_output_free(&out);
    ddb_av_free(item);
    return rc;
}

/* ------------------------------------------------------------ tests */

/* The request id the transport gave its last response. */
static const char *last_request_id(void)
{
    static char id[32];
    snprintf(id, sizeof id, "REQ-%lu", atomic_load(&wire.requests));
    return id;
}

static void test_before_and_after_see_a_successful_request(void **state)
{
    (void)state;
    recorder r = {.tag = "c"};
    answer("{\"Attributes\":{}}", 200);
    assert_int_equal(ddb_client_add_hook(client, rec_before, rec_after, &r), 0);
    assert_int_equal(put("a"), 0);
    assert_int_equal(r.n, 2);
    assert_false(r.log[0].after);
    assert_string_equal(r.log[0].operation, "PutItem");
    assert_string_equal(r.log[0].table, "T");
    assert_true(r.log[0].request_len > 0);
    assert_int_equal(r.log[0].attempts, 0);
    assert_string_equal(r.log[0].request_id, "");
    assert_true(r.log[1].after);
    assert_int_equal(r.log[1].code, 0);
    assert_int_equal(r.log[1].status, 200);
    assert_string_equal(r.log[1].request_id, last_request_id());
    assert_int_equal(r.log[1].attempts, 1);
    assert_true(r.log[1].latency_ns > 0);
    assert_false(r.log[1].has_error);
    assert_int_equal(r.log[1].response_len, strlen("{\"Attributes\":{}}"));
    assert_int_equal(ddb_client_remove_hook(client, rec_before, rec_after, &r), 0);
    assert_int_equal(put("b"), 0);
    assert_int_equal(r.n, 2); /* removed: not called again */
}

static void test_after_sees_the_aws_error_and_the_caller_keeps_its_error(void **state)
{
    (void)state;
    recorder r = {.tag = "c"};
    answer("{\"__type\":\"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException\","
           "\"message\":\"The conditional request failed\"}",
           400);
    assert_int_equal(ddb_client_add_hook(client, NULL, rec_after, &r), 0);
    assert_int_equal(put("a"), DDB_ECONDITION);
    /* the hook set an error of its own; the caller still sees the request's */
    assert_int_equal(ddb_last_error()->code, DDB_ECONDITION);
    assert_string_equal(ddb_last_error()->aws_type, "ConditionalCheckFailedException");
    assert_int_equal(r.n, 1);
    assert_int_equal(r.log[0].code, DDB_ECONDITION);
    assert_string_equal(r.log[0].aws_type, "ConditionalCheckFailedException");
    assert_int_equal(r.log[0].status, 400);
    assert_string_equal(r.log[0].request_id, last_request_id());
    assert_int_equal(r.log[0].attempts, 1);
    assert_true(r.log[0].has_error);
    assert_int_equal(ddb_client_remove_hook(client, NULL, rec_after, &r), 0);
}

static void test_one_pair_per_request_whatever_the_retries(void **state)
{
    (void)state;
    recorder r = {.tag = "c"};
    srv = (server){.bodies = {"{\"__type\":\"#InternalServerError\"}", "{}"}, .statuses = {500, 200}, .n = 2};
    assert_int_equal(ddb_client_add_hook(client, rec_before, rec_after, &r), 0);
    assert_int_equal(put("a"), 0);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.log[1].attempts, 2);
    assert_int_equal(r.log[1].code, 0);
    assert_string_equal(r.log[1].request_id, last_request_id());
    /* throttled on every attempt, through a process-wide hook */
    r.n = 0;
    assert_int_equal(ddb_client_remove_hook(client, rec_before, rec_after, &r), 0);
    assert_int_equal(ddb_global_add_hook(rec_before, rec_after, &r), 0);
    answer("{\"__type\":\"#ThrottlingException\"}", 400);
    assert_int_equal(put("a"), DDB_ETHROTTLED);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.log[1].attempts, 3);
    assert_int_equal(r.log[1].code, DDB_ETHROTTLED);
    assert_int_equal(ddb_global_remove_hook(rec_before, rec_after, &r), 0);
}

static int failing_get(ddb_credentials_provider *self, ddb_credentials *out)
{
    (void)self, (void)out;
    return ddb_error_set(DDB_ECREDENTIALS, "no credentials here");
}

static void test_after_runs_when_nothing_was_sent(void **state)
{
    (void)state;
    static ddb_credentials_provider none = {failing_get, NULL};
    fn_transport t2;
    memset(&t2, 0, sizeof t2);
    ddb_client_config cfg = DDB_CLIENT_CONFIG_INIT;
    cfg.endpoint = "http://127.0.0.1:1";
    cfg.region = "us-east-1";
    cfg.credentials = &none;
    cfg.transport = &t2.base;
    ddb_client *c2;
    assert_int_equal(ddb_client_new(&c2, &cfg), 0);
    recorder r = {.tag = "g"};
    assert_int_equal(ddb_global_add_hook(rec_before, rec_after, &r), 0);
    ddb_get_item_input in = DDB_GET_ITEM_INPUT_INIT;
    ddb_av *key = key_of("k");
    in.table_name = "Other";
    in.key = key;
    ddb_get_item_output out;
    assert_int_equal(ddb_get_item(&out, c2, &in), DDB_ECREDENTIALS);
    ddb_get_item_output_free(&out);
    ddb_av_free(key);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.log[1].table, "Other");
    assert_int_equal(r.log[1].code, DDB_ECREDENTIALS);
    assert_int_equal(r.log[1].attempts, 0);
    assert_int_equal(r.log[1].status, 0);
    assert_int_equal(ddb_global_remove_hook(rec_before, rec_after, &r), 0);
    ddb_client_free(c2);
}

static void test_order_global_then_client_and_after_in_reverse(void **state)
{
    (void)state;
    recorder g1 = {.tag = "g1"}, g2 = {.tag = "g2"}, c1 = {.tag = "c1"}, c2 = {.tag = "c2"};
    answer("{}", 200);
    assert_int_equal(ddb_client_add_hook(client, rec_before, rec_after, &c1), 0);
    assert_int_equal(ddb_global_add_hook(rec_before, rec_after, &g1), 0);
    assert_int_equal(ddb_client_add_hook(client, rec_before, rec_after, &c2), 0);
    assert_int_equal(ddb_global_add_hook(rec_before, rec_after, &g2), 0);
    shared_n = 0;
    assert_int_equal(put("a"), 0);
    static const char *const want[] = {"g1", "g2", "c1", "c2", "c2", "c1", "g2", "g1"};
    assert_int_equal(shared_n, 8);
    for (size_t i = 0; i < 8; i++) {
        assert_string_equal(shared_log[i].tag, want[i]);
        assert_int_equal(shared_log[i].after, i >= 4);
    }
    assert_int_equal(ddb_client_remove_hook(client, rec_before, rec_after, &c1), 0);
    assert_int_equal(ddb_client_remove_hook(client, rec_before, rec_after, &c2), 0);
    assert_int_equal(ddb_global_remove_hook(rec_before, rec_after, &g1), 0);
    assert_int_equal(ddb_global_remove_hook(rec_before, rec_after, &g2), 0);
    assert_int_equal(ddb_global_remove_hook(rec_before, rec_after, &g2), DDB_ENOTFOUND);
    assert_int_equal(ddb_client_remove_hook(client, rec_before, rec_after, &g2), DDB_ENOTFOUND);
    assert_int_equal(ddb_client_add_hook(client, NULL, NULL, NULL), DDB_EINVAL);
    assert_int_equal(ddb_client_add_hook(NULL, rec_before, NULL, NULL), DDB_EINVAL);
}

/* A hook that makes requests of its own (an audit write on the same
 * client), then removes itself. */
typedef struct nested {
    int rc_before, rc_after;
    int calls;
    char outer_body[256];
    size_t outer_response_len;
} nested;

static void nested_before(const ddb_hook_event *ev, void *payload)
{
    nested *n = payload;
    n->calls++;
    n->rc_before = put("audit-before");
    /* the event still shows the outer request */
    snprintf(n->outer_body, sizeof n->outer_body, "%.*s", (int)ev->request_len, ev->request_body);
}

static void nested_after(const ddb_hook_event *ev, void *payload)
{
    nested *n = payload;
    n->calls++;
    n->rc_after = put("audit-after");
    n->outer_response_len = ev->response_len;
    /* removing from inside a hook neither deadlocks nor waits */
    assert_int_equal(ddb_client_remove_hook(ev->client, nested_before, nested_after, payload), 0);
}

static void test_hooks_may_make_requests_which_run_without_hooks(void **state)
{
    (void)state;
    nested n;
    memset(&n, 0, sizeof n);
    recorder r = {.tag = "c"};
    answer("{\"Attributes\":{\"pk\":{\"S\":\"old\"}}}", 200);
    assert_int_equal(ddb_client_add_hook(client, rec_before, rec_after, &r), 0);
    assert_int_equal(ddb_client_add_hook(client, nested_before, nested_after, &n), 0);
    unsigned long sent = atomic_load(&wire.requests);

    ddb_av *item = key_of("outer");
    ddb_put_item_input in = DDB_PUT_ITEM_INPUT_INIT;
    in.table_name = "T";
    in.item = item;
    in.return_values = DDB_RETURN_ALL_OLD;
    ddb_write_item_output out;
    assert_int_equal(ddb_put_item(&out, client, &in), 0);
    /* the outer request was sent as built and its response parsed intact,
     * although the hooks' requests reused the thread's buffers */
    assert_non_null(out.attributes);
    assert_string_equal(ddb_av_map_get(out.attributes, "pk")->u.str.ptr, "old");
    ddb_write_item_output_free(&out);
    ddb_av_free(item);

    assert_int_equal(atomic_load(&wire.requests), sent + 3);
    assert_non_null(strstr(srv.received[1], "\"outer\"")); /* before, outer, after */
    assert_non_null(strstr(srv.received[2], "audit-before"));
    assert_non_null(strstr(srv.received[0], "audit-after"));
    assert_int_equal(n.rc_before, 0);
    assert_int_equal(n.rc_after, 0);
    assert_non_null(strstr(n.outer_body, "\"outer\""));
    assert_int_equal(n.outer_response_len, strlen("{\"Attributes\":{\"pk\":{\"S\":\"old\"}}}"));
    assert_int_equal(r.n, 2); /* the hooks' own requests ran no hooks */
    assert_int_equal(n.calls, 2);
    assert_int_equal(put("again"), 0);
    assert_int_equal(n.calls, 2); /* it removed itself */
    assert_int_equal(ddb_client_remove_hook(client, rec_before, rec_after, &r), 0);
}

static void test_consumed_capacity_of_the_response(void **state)
{
    (void)state;
    ddb_hook_event ev;
    memset(&ev, 0, sizeof ev);
    ddb_hook_capacity cap;
    const char *single = "{\"Items\":[{\"ConsumedCapacity\":{\"S\":\"decoy\"}}],\"Count\":1,"
                         "\"ConsumedCapacity\":{\"TableName\":\"T\",\"CapacityUnits\":2.5,"
                         "\"ReadCapacityUnits\":2.5}}";
    ev.response_body = single;
    ev.response_len = strlen(single);
    assert_int_equal(ddb_hook_event_capacity(&cap, &ev), 0);
    assert_true(cap.capacity_units == 2.5);
    assert_true(cap.read_capacity_units == 2.5);
    assert_true(cap.write_capacity_units == 0);
    assert_int_equal(cap.tables, 1);
    const char *batch = "{\"ConsumedCapacity\":[{\"TableName\":\"A\",\"CapacityUnits\":1},"
                        "{\"TableName\":\"B\",\"CapacityUnits\":3,\"WriteCapacityUnits\":3}],"
                        "\"UnprocessedItems\":{}}";
    ev.response_body = batch;
    ev.response_len = strlen(batch);
    assert_int_equal(ddb_hook_event_capacity(&cap, &ev), 0);
    assert_true(cap.capacity_units == 4);
    assert_true(cap.write_capacity_units == 3);
    assert_int_equal(cap.tables, 2);
    const char *none = "{\"Items\":[],\"Count\":0}";
    ev.response_body = none;
    ev.response_len = strlen(none);
    assert_int_equal(ddb_hook_event_capacity(&cap, &ev), DDB_ENOTFOUND);
    ev.response_len = 0;
    assert_int_equal(ddb_hook_event_capacity(&cap, &ev), DDB_ENOTFOUND);
    const char *bad = "{\"Count\":1,\"ConsumedCapacity\":{\"CapacityUnits\":\"x\"}}";
    ev.response_body = bad;
    ev.response_len = strlen(bad);
    assert_int_equal(ddb_hook_event_capacity(&cap, &ev), DDB_EPROTOCOL);
    const char *broken = "{\"Count\":1,";
    ev.response_body = broken;
    ev.response_len = strlen(broken);
    assert_int_equal(ddb_hook_event_capacity(&cap, &ev), DDB_EPROTOCOL);
}

/* ---- removal while other threads send */

typedef struct race {
    atomic_bool removed; /* set once remove returned */
    atomic_int violations;
    atomic_long calls;
    atomic_bool stop;
} race;

static void race_hook(const ddb_hook_event *ev, void *payload)
{
    (void)ev;
    race *r = payload;
    atomic_fetch_add(&r->calls, 1);
    if (atomic_load(&r->removed))
        atomic_fetch_add(&r->violations, 1);
}

/* Answers without shared state, so threads may share the client. */
static int serve_empty(void *ctx, const char *target, const char *body, size_t len, long *status,
                       ddb_buf *out)
{
    (void)ctx, (void)target, (void)body, (void)len, (void)status;
    return ddb_buf_puts(out, "{}");
}

static ddb_client *race_client;

static void *race_worker(void *arg)
{
    race *r = arg;
    ddb_av *item = key_of("x");
    while (!atomic_load(&r->stop)) {
        ddb_put_item_input in = DDB_PUT_ITEM_INPUT_INIT;
        in.table_name = "T";
        in.item = item;
        ddb_write_item_output out;
        if (ddb_put_item(&out, race_client, &in) != 0)
            atomic_fetch_add(&r->violations, 1000);
        ddb_write_item_output_free(&out);
    }
    ddb_av_free(item);
    ddb_ops_thread_cleanup();
    return NULL;
}

static void test_remove_waits_for_requests_in_flight(void **state)
{
    (void)state;
    fn_transport t2;
    race_client = fn_client(&t2, serve_empty, NULL, 1, NULL);
    assert_non_null(race_client);
    pthread_t th[4];
    race rounds[40];
    race keeper;
    memset(&keeper, 0, sizeof keeper);
    atomic_init(&keeper.stop, false);
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, race_worker, &keeper), 0);
    for (int k = 0; k < 40; k++) {
        race *r = &rounds[k];
        memset(r, 0, sizeof *r);
        bool global = k % 2 == 0;
        assert_int_equal(global ? ddb_global_add_hook(race_hook, race_hook, r)
                                : ddb_client_add_hook(race_client, race_hook, race_hook, r),
                         0);
        while (atomic_load(&r->calls) < 20)
            ;
        assert_int_equal(global ? ddb_global_remove_hook(race_hook, race_hook, r)
                                : ddb_client_remove_hook(race_client, race_hook, race_hook, r),
                         0);
        atomic_store(&r->removed, true); /* from now on the hook must not run */
    }
    atomic_store(&keeper.stop, true);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(atomic_load(&keeper.violations), 0);
    for (int k = 0; k < 40; k++)
        assert_int_equal(atomic_load(&rounds[k].violations), 0);
    ddb_client_free(race_client);
}

static void test_no_hooks_is_the_plain_path(void **state)
{
    (void)state;
    assert_true(ddb_hooks_idle());
    recorder r = {.tag = "c"};
    assert_int_equal(ddb_client_add_hook(client, rec_before, NULL, &r), 0);
    assert_false(ddb_hooks_idle());
    assert_int_equal(ddb_client_remove_hook(client, rec_before, NULL, &r), 0);
    assert_true(ddb_hooks_idle());
    /* a client freed with hooks registered ends them */
    fn_transport t2;
    ddb_client *c2 = fn_client(&t2, serve_empty, NULL, 1, NULL);
    assert_int_equal(ddb_client_add_hook(c2, rec_before, NULL, &r), 0);
    assert_int_equal(ddb_client_add_hook(c2, NULL, rec_after, &r), 0);
    assert_false(ddb_hooks_idle());
    ddb_client_free(c2);
    assert_true(ddb_hooks_idle());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_before_and_after_see_a_successful_request),
        cmocka_unit_test(test_after_sees_the_aws_error_and_the_caller_keeps_its_error),
        cmocka_unit_test(test_one_pair_per_request_whatever_the_retries),
        cmocka_unit_test(test_after_runs_when_nothing_was_sent),
        cmocka_unit_test(test_order_global_then_client_and_after_in_reverse),
        cmocka_unit_test(test_hooks_may_make_requests_which_run_without_hooks),
        cmocka_unit_test(test_consumed_capacity_of_the_response),
        cmocka_unit_test(test_remove_waits_for_requests_in_flight),
        cmocka_unit_test(test_no_hooks_is_the_plain_path),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
