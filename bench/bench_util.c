/*
 * bench_util.c - clocks, clients and the wrk-script recorder of the
 * end-to-end benchmarks (bench_util.h).
 */
#include "bench_util.h"
#include "user.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double bench_cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           (double)ru.ru_stime.tv_usec / 1e6;
}

long bench_peak_rss_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

void bench_die(const char *what)
{
    char line[2048];
    fprintf(stderr, "bench: %s: %s\n", what, ddb_error_format(line, sizeof line, ddb_last_error()));
    exit(1);
}

struct bench_recorder {
    ddb_transport base;
    ddb_transport *inner;
    char suffix[64];
    pthread_mutex_t lock;
    ddb_buf lua;       /* the first request of the operation */
    unsigned long count; /* requests of the operation */
};

/* A Lua string literal: decimal escapes for quotes, backslashes and
 * anything not printable ASCII. */
static int lua_string(ddb_buf *b, const char *s, size_t len)
{
    int rc = ddb_buf_putc(b, '"');
    for (size_t i = 0; rc == 0 && i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        rc = c == '"' || c == '\\' || c < 0x20 || c >= 0x7f ? ddb_buf_printf(b, "\\%03u", c) : ddb_buf_putc(b, (char)c);
    }
    return rc == 0 ? ddb_buf_putc(b, '"') : rc;
}

static int record(ddb_buf *lua, const ddb_http_request *req)
{
    ddb_buf_reset(lua);
    int rc = ddb_buf_puts(lua, "-- written by bench/: one signed request, replayed as it is\nwrk.method = ");
    rc = rc ? rc : lua_string(lua, req->method, strlen(req->method));
    rc = rc ? rc : ddb_buf_puts(lua, "\nwrk.body = ");
    rc = rc ? rc : lua_string(lua, req->body != NULL ? req->body : "", req->body_len);
    rc = rc ? rc : ddb_buf_puts(lua, "\n");
    for (size_t i = 0; rc == 0 && i < req->n_headers; i++) {
        if (strcmp(req->headers[i].name, "Host") == 0)
            continue; /* wrk sends its own, the same */
        rc = ddb_buf_puts(lua, "wrk.headers[");
        rc = rc ? rc : lua_string(lua, req->headers[i].name, strlen(req->headers[i].name));
        rc = rc ? rc : ddb_buf_puts(lua, "] = ");
        rc = rc ? rc : lua_string(lua, req->headers[i].value, strlen(req->headers[i].value));
        rc = rc ? rc : ddb_buf_puts(lua, "\n");
    }
    return rc;
}

static int record_send(ddb_transport *self, const ddb_http_request *req, ddb_http_response *resp)
{
    bench_recorder *r = (bench_recorder *)self;
    for (size_t i = 0; i < req->n_headers; i++) {
        const char *v = req->headers[i].value;
        size_t n = strlen(v), m = strlen(r->suffix);
        if (strcmp(req->headers[i].name, "X-Amz-Target") == 0 && n >= m && strcmp(v + n - m, r->suffix) == 0) {
            pthread_mutex_lock(&r->lock);
            int rc = r->count++ == 0 ? record(&r->lua, req) : 0;
            pthread_mutex_unlock(&r->lock);
            if (rc != 0)
                return rc;
        }
    }
    return r->inner->send(r->inner, req, resp);
}

static void record_destroy(ddb_transport *self)
{
    bench_recorder *r = (bench_recorder *)self;
    ddb_transport_free(r->inner);
    ddb_buf_free(&r->lua);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

ddb_client *bench_client(const char *kind, bench_recorder **rec, const char *operation)
{
    const char *endpoint = getenv("DDB_TEST_ENDPOINT");
    if (endpoint == NULL || *endpoint == '\0') {
        fprintf(stderr, "bench: DDB_TEST_ENDPOINT must name the engine (scripts/bench.sh sets it)\n");
        exit(2);
    }
    /* an https engine: its certificate is verified against this CA file */
    ddb_curl_options o = DDB_CURL_OPTIONS_INIT;
    o.ca_file = getenv("DDB_BENCH_CA_FILE");
    ddb_transport *t = NULL;
    int rc = strcmp(kind, "curl") == 0     ? ddb_curl_transport_new(&t, &o)
             : strcmp(kind, "native") == 0 ? ddb_native_transport_new(&t, &o)
                                           : ddb_error_set(DDB_EINVAL, "unknown transport \"%s\"", kind);
    if (rc != 0)
        bench_die("transport");
    if (rec != NULL) {
        bench_recorder *r = calloc(1, sizeof *r);
        if (r == NULL)
            bench_die("recorder");
        r->base = (ddb_transport){record_send, record_destroy};
        r->inner = t;
        snprintf(r->suffix, sizeof r->suffix, ".%s", operation);
        pthread_mutex_init(&r->lock, NULL);
        *rec = r;
        t = &r->base;
    }
    ddb_client_config cfg = DDB_CLIENT_CONFIG_INIT;
    cfg.endpoint = endpoint;
    cfg.transport = t;
    ddb_client *c = NULL;
    if (ddb_client_new(&c, &cfg) != 0)
        bench_die("client");
    return c;
}

void bench_write_wrk_script(const bench_recorder *rec, const char *path)
{
    if (rec->lua.len == 0) {
        fprintf(stderr, "bench: no %s request was recorded for %s\n", rec->suffix + 1, path);
        exit(1);
    }
    FILE *f = fopen(path, "w");
    if (f == NULL || fwrite(rec->lua.data, 1, rec->lua.len, f) != rec->lua.len || fclose(f) != 0) {
        fprintf(stderr, "bench: writing %s: %s\n", path, strerror(errno));
        exit(1);
    }
}

unsigned long bench_recorded(bench_recorder *rec)
{
    pthread_mutex_lock(&rec->lock);
    unsigned long n = rec->count;
    pthread_mutex_unlock(&rec->lock);
    return n;
}

void bench_fill_user(bench_user *u, const char *name, long i)
{
    bench_user_init(u);
    u->user_name = ddb_strdup(name);
    u->email = ddb_strdup("some_user@gmail.com");
    u->first_name = ddb_strdup("John");
    u->last_name = ddb_strdup("Doe");
    u->phone_number = ddb_strdup("4155551111");
    u->country = ddb_strdup("USA");
    u->has_preferences = true;
    u->preferences.timezone = ddb_strdup("America/New_York");
    u->preferences.allows_notifications = (i % 2) == 0;
    u->preferences.date_of_birth = (ddb_time){1666814400 - i, 0};
    u->last_login = (ddb_time){1666900800 + i, 0};
}
