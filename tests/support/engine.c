/*
 * engine.c - the engine under test (tests/support/engines.txt): its
 * documented deviations from DynamoDB, and clients kept apart from the
 * other test processes the way the engine allows (see ddb_test.h).
 *
 * Depends on libddb's headers only: a test program links the library its
 * own way (the shared static library, or the runtime sources).
 */
#include "ddb_test.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_DEVIATIONS 64
#define NAME_MAX_LEN 64

typedef struct engine_table {
    char engine[NAME_MAX_LEN];      /* the engine under test */
    ddbt_isolation isolation;
    size_t n_ids;                   /* every deviation id of the table */
    char ids[MAX_DEVIATIONS][NAME_MAX_LEN];
    bool applies[MAX_DEVIATIONS];   /* ids[i] is one of the engine's */
    bool reported[MAX_DEVIATIONS];  /* already logged by this process */
} engine_table;

static engine_table table;
static pthread_once_t table_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;

/* A broken table or environment is a broken test set-up: stop loudly. */
static _Noreturn void die(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

static _Noreturn void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("ddbt: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static bool parse_isolation(const char *s, ddbt_isolation *out)
{
    static const struct {
        const char *name;
        ddbt_isolation value;
    } modes[] = {{"isolation=access-key", DDBT_ISOLATION_ACCESS_KEY},
                 {"isolation=moto-account", DDBT_ISOLATION_MOTO_ACCOUNT},
                 {"isolation=shared", DDBT_ISOLATION_SHARED},
                 {"isolation=environment", DDBT_ISOLATION_ENVIRONMENT}};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        if (strcmp(s, modes[i].name) == 0) {
            *out = modes[i].value;
            return true;
        }
    }
    return false;
}

/* Whether the comma-separated list `engines` names `engine`. */
static bool list_has(const char *engines, const char *engine)
{
    size_t n = strlen(engine);
    for (const char *p = engines; *p != '\0';) {
        const char *end = strchr(p, ',');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        if (len == n && memcmp(p, engine, n) == 0)
            return true;
        if (end == NULL)
            break;
        p = end + 1;
    }
    return false;
}

static void load_table(void)
{
    const char *engine = getenv("DDB_TEST_ENGINE");
    if (engine == NULL || *engine == '\0')
        engine = "dynamodb";
    if (strlen(engine) >= NAME_MAX_LEN)
        die("DDB_TEST_ENGINE is too long: %s", engine);
    snprintf(table.engine, sizeof table.engine, "%s", engine);

    const char *root = getenv("DDB_SOURCE_ROOT");
    if (root == NULL || *root == '\0')
        die("DDB_SOURCE_ROOT is not set (meson test sets it)");
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/tests/support/engines.txt", root) >= sizeof path)
        die("path too long: %s", root);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        die("cannot open %s", path);

    bool engine_found = false;
    char line[2048];
    while (fgets(line, sizeof line, f) != NULL) {
        char kind[16], name[NAME_MAX_LEN], third[NAME_MAX_LEN];
        if (line[0] == '#' || sscanf(line, "%15s %63s %63s", kind, name, third) != 3)
            continue;
        if (strcmp(kind, "engine") == 0) {
            if (strcmp(name, engine) == 0) {
                if (!parse_isolation(third, &table.isolation))
                    die("engines.txt: engine %s: bad isolation %s", name, third);
                engine_found = true;
            }
        } else if (strcmp(kind, "deviation") == 0) {
            if (strlen(name) >= NAME_MAX_LEN - 1)
                die("engines.txt: deviation id too long: %s...", name);
            if (table.n_ids == MAX_DEVIATIONS)
                die("engines.txt: more than %d deviations", MAX_DEVIATIONS);
            snprintf(table.ids[table.n_ids], NAME_MAX_LEN, "%s", name);
            table.applies[table.n_ids] = list_has(third, engine);
            table.n_ids++;
        } else {
            die("engines.txt: unknown line kind %s", kind);
        }
    }
    fclose(f);
    if (!engine_found)
        die("DDB_TEST_ENGINE=%s is not an engine of %s", engine, path);
}

static const engine_table *get_table(void)
{
    pthread_once(&table_once, load_table);
    return &table;
}

const char *ddbt_engine(void)
{
    return get_table()->engine;
}

ddbt_isolation ddbt_engine_isolation(void)
{
    return get_table()->isolation;
}

bool ddbt_deviates(const char *id)
{
    get_table();
    for (size_t i = 0; i < table.n_ids; i++) {
        if (strcmp(table.ids[i], id) != 0)
            continue;
        if (!table.applies[i])
            return false;
        pthread_mutex_lock(&report_lock);
        bool first = !table.reported[i];
        table.reported[i] = true;
        pthread_mutex_unlock(&report_lock);
        if (first) /* scripts/test.sh --engines counts these lines */
            fprintf(stderr, "ddbt: engine deviation: %s (%s)\n", id, table.engine);
        return true;
    }
    die("ddbt_deviates(\"%s\"): no such deviation in tests/support/engines.txt", id);
}

/* ---- clients ------------------------------------------------------------ */

uint64_t ddbt_moto_account(const char *key_id)
{
    uint64_t h = 14695981039346656037u; /* FNV-1a, as tests/support/engines.py */
    for (const unsigned char *p = (const unsigned char *)key_id; *p != '\0'; p++)
        h = (h ^ *p) * 1099511628211u;
    return 100000000000u + h % 900000000000u; /* 12 digits */
}

/* Adds x-moto-account-id to every request of the wrapped transport. The
 * header is not signed: moto does not check signatures. */
typedef struct account_transport {
    ddb_transport base;
    ddb_transport *inner;
    char account[16];
} account_transport;

static int account_send(ddb_transport *self, const ddb_http_request *req, ddb_http_response *resp)
{
    account_transport *t = (account_transport *)self;
    if (req->n_headers >= DDB_HTTP_MAX_HEADERS)
        return ddb_error_set(DDB_EINVAL, "ddbt: no room for x-moto-account-id (%zu headers)",
                             req->n_headers);
    ddb_header headers[DDB_HTTP_MAX_HEADERS];
    memcpy(headers, req->headers, req->n_headers * sizeof headers[0]);
    headers[req->n_headers] = (ddb_header){"x-moto-account-id", t->account};
    ddb_http_request copy = *req;
    copy.headers = headers;
    copy.n_headers = req->n_headers + 1;
    return t->inner->send(t->inner, &copy, resp);
}

static void account_destroy(ddb_transport *self)
{
    account_transport *t = (account_transport *)self;
    ddb_transport_free(t->inner);
    free(t);
}

/* Wraps *tp (NULL: a new curl transport) so that its requests carry the
 * account of key_id; on failure *tp is unchanged. */
static int wrap_for_account(ddb_transport **tp, const char *key_id)
{
    account_transport *t = calloc(1, sizeof *t);
    if (t == NULL)
        return ddb_error_set(DDB_ENOMEM, "ddbt: out of memory");
    ddb_transport *inner = *tp;
    if (inner == NULL) {
        int rc = ddb_curl_transport_new(&inner, NULL);
        if (rc != 0) {
            free(t);
            return rc;
        }
    }
    t->base.send = account_send;
    t->base.destroy = account_destroy;
    t->inner = inner;
    snprintf(t->account, sizeof t->account, "%llu", (unsigned long long)ddbt_moto_account(key_id));
    *tp = &t->base;
    return 0;
}

/* A client of `endpoint` for key_id, kept apart from other keys' as `iso` says. */
static int client_at(ddb_client **out, const char *endpoint, ddbt_isolation iso, const char *key_id,
                     const ddb_client_config *base)
{
    ddb_client_config cfg = DDB_CLIENT_CONFIG_INIT;
    if (base != NULL)
        cfg = *base;
    cfg.endpoint = endpoint;
    ddb_credentials_provider *creds = NULL;
    if (iso != DDBT_ISOLATION_ENVIRONMENT) { /* else the default chain: the caller's own */
        cfg.region = "us-east-1";
        if (ddb_creds_static_new(&creds, key_id, "secret", NULL) != 0) {
            fprintf(stderr, "credentials: %s\n", ddbt_last_error());
            return -1;
        }
        cfg.credentials = creds;
    }
    ddb_transport *given = cfg.transport;
    if (iso == DDBT_ISOLATION_MOTO_ACCOUNT && wrap_for_account(&cfg.transport, key_id) != 0) {
        fprintf(stderr, "transport: %s\n", ddbt_last_error());
        ddb_credentials_provider_free(creds);
        return -1;
    }
    if (ddb_client_new(out, &cfg) != 0) {
        fprintf(stderr, "client: %s\n", ddbt_last_error());
        if (cfg.transport != given) { /* give the caller's transport back unwrapped */
            account_transport *t = (account_transport *)cfg.transport;
            if (given == NULL)
                ddb_transport_free(t->inner);
            free(t);
        }
        ddb_credentials_provider_free(creds);
        return -1;
    }
    return 0;
}

int ddbt_client_new(ddb_client **out, const char *key_id, const ddb_client_config *base)
{
    const char *endpoint = getenv("DDB_TEST_ENDPOINT");
    if (endpoint == NULL || *endpoint == '\0') {
        fprintf(stderr, "DDB_TEST_ENDPOINT is not set: start an engine (scripts/test.sh does)\n");
        return -1;
    }
    return client_at(out, endpoint, ddbt_engine_isolation(), key_id, base);
}

int ddbt_other_account_client(ddb_client **out, const char *key_id)
{
    ddbt_isolation iso = ddbt_engine_isolation();
    if (iso == DDBT_ISOLATION_MOTO_ACCOUNT || iso == DDBT_ISOLATION_ACCESS_KEY)
        return ddbt_client_new(out, key_id, NULL);
    const char *moto = getenv("DDB_TEST_S3_ENDPOINT");
    if (iso == DDBT_ISOLATION_ENVIRONMENT || moto == NULL || *moto == '\0') {
        fprintf(stderr, "no second account: engine %s, and moto is not running beside it\n", ddbt_engine());
        return -1;
    }
    return client_at(out, moto, DDBT_ISOLATION_MOTO_ACCOUNT, key_id, NULL);
}

int ddbt_sleep_client(ddb_client **out, const char *key_id, void (*sleep_ms)(void *, uint32_t),
                      void *ctx)
{
    ddb_client_config cfg = DDB_CLIENT_CONFIG_INIT;
    cfg.retry.sleep_ms = sleep_ms;
    cfg.retry.ctx = ctx;
    return ddbt_client_new(out, key_id, &cfg);
}

int ddbt_local_client(ddb_client **out, const char *key_prefix, void (*sleep_ms)(void *, uint32_t),
                      void *ctx)
{
    char key_id[96];
    snprintf(key_id, sizeof key_id, "%s%ld", key_prefix, (long)getpid());
    return ddbt_sleep_client(out, key_id, sleep_ms, ctx);
}
