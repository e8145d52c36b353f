/*
 * pynamodb_bench.c - PynamoDB's own benchmark (its benchmark.py), in C.
 *
 * Same model (UserModel with its UserPreferences map and UTC datetimes,
 * bench/user.yaml), same operations (get_item of "username", put_item of a
 * full user), same canned HTTP response bodies. HTTP is replaced by a
 * transport that returns those bodies with their x-amz-crc32; everything
 * else runs for real: building the request JSON, SigV4 signing, CRC
 * verification, response parsing and decoding into the struct. Like
 * PynamoDB's, it reports the best of 10 rounds in calls/s.
 *
 * Usage: pynamodb_bench [COUNT [ROUNDS]]   (default 100000 calls, 10 rounds)
 *
 * Then the stages of a call, each timed alone over COUNT repetitions with
 * the public API on the same data: build (struct to item to JSON), sign
 * (SigV4), send (the canned transport), parse (JSON to item) and decode
 * (item to struct); "client" is the whole call minus those (the request
 * envelope, headers, CRC check, error and retry bookkeeping).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "user.h"
#include "ddb/sigv4.h"

/* PynamoDB's canned bodies. One change: PynamoDB's mock sends
 * {"BOOL": 1}; DynamoDB always sends a JSON boolean, and so do these. */
static const char get_body[] =
    "{\"Item\": {\"user_name\": {\"S\": \"some_user\"}, \"email\": {\"S\": \"some_user@gmail.com\"}, "
    "\"first_name\": {\"S\": \"John\"}, \"last_name\": {\"S\": \"Doe\"}, \"phone_number\": {\"S\": "
    "\"4155551111\"}, \"country\": {\"S\": \"USA\"}, \"preferences\": {\"M\": {\"timezone\": {\"S\": "
    "\"America/New_York\"}, \"allows_notifications\": {\"BOOL\": true}, \"date_of_birth\": {\"S\": "
    "\"2022-10-26T20:00:00.000000+0000\"}}}, \"last_login\": {\"S\": "
    "\"2022-10-27T20:00:00.000000+0000\"}}}";
static const char put_body[] =
    "{\"Attributes\": {\"user_name\": {\"S\": \"some_user\"}, \"email\": {\"S\": "
    "\"some_user@gmail.com\"}, \"first_name\": {\"S\": \"John\"}, \"last_name\": {\"S\": \"Doe\"}, "
    "\"phone_number\": {\"S\": \"4155551111\"}, \"country\": {\"S\": \"USA\"}, \"preferences\": {\"M\": "
    "{\"timezone\": {\"S\": \"America/New_York\"}, \"allows_notifications\": {\"BOOL\": true}, "
    "\"date_of_birth\": {\"S\": \"2022-10-26T20:44:49.207740+0000\"}}}, \"last_login\": {\"S\": "
    "\"2022-10-27T20:00:00.000000+0000\"}}}";

typedef struct canned_transport {
    ddb_transport base;
    char get_crc[16], put_crc[16];
} canned_transport;

static const char *header_value(const ddb_http_request *req, const char *name)
{
    for (size_t i = 0; i < req->n_headers; i++) {
        if (strcmp(req->headers[i].name, name) == 0)
            return req->headers[i].value;
    }
    return "";
}

static int canned_send(ddb_transport *self, const ddb_http_request *req, ddb_http_response *resp)
{
    canned_transport *t = (canned_transport *)self;
    const char *target = header_value(req, "X-Amz-Target");
    bool get = strstr(target, "GetItem") != NULL;
    const char *body = get ? get_body : put_body;
    resp->status = 200;
    const char *crc = get ? t->get_crc : t->put_crc;
    ddb_http_response_add_header(resp, "x-amz-crc32", 11, crc, strlen(crc));
    ddb_http_response_add_header(resp, "x-amzn-RequestId", 16,
                                 "YB5DURFL1EQ6ULM39GSEEHFTYTPBBUXDJSYPFZPR4EL7M3AYV0RS", 52);
    return ddb_buf_append(&resp->body, body, get ? sizeof get_body - 1 : sizeof put_body - 1);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bench_user full_user(void)
{
    bench_user u;
    bench_user_init(&u);
    u.user_name = ddb_strdup("username");
    u.email = ddb_strdup("some_user@gmail.com");
    u.first_name = ddb_strdup("John");
    u.last_name = ddb_strdup("Doe");
    u.phone_number = ddb_strdup("4155551111");
    u.country = ddb_strdup("USA");
    u.has_preferences = true;
    u.preferences.timezone = ddb_strdup("America/New_York");
    u.preferences.allows_notifications = true;
    u.preferences.date_of_birth = (ddb_time){1666814400, 0}; /* 2022-10-26T20:00:00Z */
    u.last_login = (ddb_time){1666900800, 0};               /* 2022-10-27T20:00:00Z */
    return u;
}

static int bench_get_item(void)
{
    bench_user u;
    bench_user_init(&u);
    int rc = bench_user_get(&u, "username", NULL);
    bench_user_clear(&u);
    return rc;
}

static int bench_put_item(void)
{
    bench_user u = full_user();
    int rc = bench_user_put(&u, BENCH_USER_NO_COND);
    bench_user_clear(&u);
    return rc;
}

/* Best of `rounds` rounds of `count` calls, in calls per second. */
static double measure(int (*fn)(void), long count, int rounds)
{
    double best = 1e300;
    for (int round = 0; round < rounds; round++) {
        double start = now_seconds();
        for (long i = 0; i < count; i++) {
            if (fn() != 0) {
                char line[2048];
                fprintf(stderr, "call failed: %s\n", ddb_error_format(line, sizeof line, ddb_last_error()));
                exit(1);
            }
        }
        double elapsed = now_seconds() - start;
        if (elapsed < best)
            best = elapsed;
    }
    return (double)count / best;
}

static void check(int rc, const char *what)
{
    if (rc != 0) {
        fprintf(stderr, "%s: %s\n", what, ddb_last_error()->message);
        exit(1);
    }
}

/* Nanoseconds per repetition of `stmt`, best of `rounds` rounds. */
#define STAGE_NS(out, count, rounds, stmt)                                                         \
    do {                                                                                           \
        double best_ = 1e300;                                                                      \
        for (int r_ = 0; r_ < (rounds); r_++) {                                                    \
            double t0_ = now_seconds();                                                            \
            for (long i_ = 0; i_ < (count); i_++) {                                                \
                stmt;                                                                              \
            }                                                                                      \
            double e_ = now_seconds() - t0_;                                                       \
            best_ = e_ < best_ ? e_ : best_;                                                       \
        }                                                                                          \
        (out) = best_ * 1e9 / (double)(count);                                                     \
    } while (0)

/* The stages of get_item (put false) or put_item, each alone; printed in
 * ns per call beside the whole call's. */
static void stages(canned_transport *t, bool put, double whole_ns, long count, int rounds)
{
    bench_user u = full_user();
    ddb_av *item = NULL;
    ddb_buf json = DDB_BUF_INIT;
    double build, sign, send, parse, decode;
    /* build: the item (put) or the key (get), then its JSON */
    if (put) {
        STAGE_NS(build, count, rounds, {
            check(bench_user_to_item(&item, &u), "to_item");
            ddb_buf_reset(&json);
            check(ddb_item_write_json(&json, item), "write_json");
            ddb_av_free(item);
        });
    } else {
        STAGE_NS(build, count, rounds, {
            item = ddb_av_new(DDB_AV_M);
            check(ddb_av_map_set(item, "user_name", ddb_av_s("username")), "key");
            ddb_buf_reset(&json);
            check(ddb_item_write_json(&json, item), "write_json");
            ddb_av_free(item);
        });
    }
    /* sign: the client's headers, a key cache as the client keeps */
    ddb_sigv4_cache *cache = ddb_sigv4_cache_new();
    ddb_credentials creds = {"1", "1", NULL, 0};
    const ddb_header h[] = {{"Host", "dynamodb.us-east-1.amazonaws.com"},
                            {"Content-Type", "application/x-amz-json-1.0"},
                            {"X-Amz-Target", put ? "DynamoDB_20120810.PutItem" : "DynamoDB_20120810.GetItem"}};
    ddb_sigv4_request req = {"POST", "/", NULL, h, 3, json.data, json.len, NULL};
    ddb_sigv4_params params = {"us-east-1", "dynamodb", time(NULL), false};
    ddb_sigv4_result sig;
    STAGE_NS(sign, count, rounds, check(ddb_sigv4_sign(&sig, NULL, cache, &params, &creds, &req), "sign"));
    ddb_sigv4_cache_free(cache);
    /* send: the canned transport */
    ddb_http_request hreq = {"POST", "https://dynamodb.us-east-1.amazonaws.com/", h, 3, json.data, json.len, 0, 0, 0};
    ddb_http_response resp = DDB_HTTP_RESPONSE_INIT;
    STAGE_NS(send, count, rounds, {
        ddb_http_response_reset(&resp);
        check(t->base.send(&t->base, &hreq, &resp), "send");
    });
    /* parse: the answer's item; decode: into the struct */
    const char *body = put ? put_body : get_body;
    const char *open = strchr(body + 1, '{'), *close = strrchr(body, '}');
    size_t len = (size_t)(close - open); /* without the envelope's closing brace */
    STAGE_NS(parse, count, rounds, {
        check(ddb_item_parse_json(&item, open, len), "parse");
        ddb_av_free(item);
    });
    check(ddb_item_parse_json(&item, open, len), "parse");
    bench_user v;
    STAGE_NS(decode, count, rounds, {
        bench_user_init(&v);
        check(bench_user_from_item(&v, item), "decode");
        bench_user_clear(&v);
    });
    ddb_av_free(item);
    ddb_http_response_free(&resp);
    ddb_buf_free(&json);
    bench_user_clear(&u);
    double rest = whole_ns - build - sign - send - parse - decode;
    const char *op = put ? "put_item" : "get_item";
    printf("%s stages, ns per call: build %.0f, sign %.0f, send %.0f, parse %.0f, decode %.0f, client %.0f "
           "(whole %.0f)\n",
           op, build, sign, send, parse, decode, rest, whole_ns);
    printf("RESULT %s_stage_build %.0f ns\nRESULT %s_stage_sign %.0f ns\nRESULT %s_stage_send %.0f ns\n"
           "RESULT %s_stage_parse %.0f ns\nRESULT %s_stage_decode %.0f ns\nRESULT %s_stage_client %.0f ns\n",
           op, build, op, sign, op, send, op, parse, op, decode, op, rest);
}

int main(int argc, char **argv)
{
    long count = argc > 1 ? atol(argv[1]) : 100000;
    int rounds = argc > 2 ? atoi(argv[2]) : 10;
    if (count <= 0 || rounds <= 0) {
        fprintf(stderr, "usage: pynamodb_bench [COUNT [ROUNDS]]\n");
        return 2;
    }
    canned_transport transport = {{canned_send, NULL}, "", ""};
    snprintf(transport.get_crc, sizeof transport.get_crc, "%u",
             (unsigned)ddb_crc32(get_body, sizeof get_body - 1));
    snprintf(transport.put_crc, sizeof transport.put_crc, "%u",
             (unsigned)ddb_crc32(put_body, sizeof put_body - 1));

    ddb_credentials_provider *creds;
    ddb_client *client;
    ddb_client_config cfg = DDB_CLIENT_CONFIG_INIT;
    cfg.region = "us-east-1";
    cfg.endpoint = "https://dynamodb.us-east-1.amazonaws.com";
    cfg.transport = &transport.base;
    cfg.retry.max_attempts = 1; /* as PynamoDB's max_retry_attempts = 0 */
    if (ddb_creds_static_new(&creds, "1", "1", NULL) != 0)
        return 1;
    cfg.credentials = creds;
    if (ddb_client_new(&client, &cfg) != 0) {
        fprintf(stderr, "client: %s\n", ddb_last_error()->message);
        return 1;
    }
    bench_user_use_client(client);

    /* the decoded item must be PynamoDB's, or the figures mean nothing */
    bench_user u;
    bench_user_init(&u);
    if (bench_user_get(&u, "username", NULL) != 0 || !u.has_preferences || !u.preferences.allows_notifications ||
        strcmp(u.preferences.timezone, "America/New_York") != 0 || u.last_login.sec != 1666900800 ||
        u.preferences.date_of_birth.sec != 1666814400) {
        fprintf(stderr, "the canned item did not decode as expected\n");
        return 1;
    }
    bench_user_clear(&u);

    printf("Basic operations (%ld calls per round, best of %d)\n", count, rounds);
    double get = measure(bench_get_item, count, rounds);
    printf("get_item: %.2f calls/sec\n", get);
    double put = measure(bench_put_item, count, rounds);
    printf("put_item: %.2f calls/sec\n", put);
    printf("client CPU per call: %.2f us get, %.2f us put\n", 1e6 / get, 1e6 / put);
    printf("RESULT canned_get_rate %.0f calls/s\nRESULT canned_put_rate %.0f calls/s\n", get, put);
    stages(&transport, false, 1e9 / get, count, rounds);
    stages(&transport, true, 1e9 / put, count, rounds);
    ddb_client_free(client);
    return 0;
}
