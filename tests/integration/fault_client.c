/*
 * fault_client.c - the client side of the fault-injection proof
 * (test_faults.py): drives libddb through tests/integration/fault_proxy.py
 * and writes down what libddb reported for every item, so that the test
 * can hold it against what the engine really holds.
 *
 *   fault_client setup ENDPOINT
 *       (engine directly) deletes and creates the tables FaultItems and
 *       FaultTxnItems (the transactions' own).
 *   fault_client write ENDPOINT OUT N_BATCH N_PUT N_TXN
 *       (through the proxy) three threads sharing one client: N_BATCH items
 *       through the batch writer, N_PUT single puts conditioned on the
 *       item not existing, N_TXN transactions of 4 such puts; then every
 *       item is read back with the batch getter. OUT gets one line per
 *       item, "W <id> <written|failed|unknown> <code>", and one per read,
 *       "G <id> <found|absent|failed|mismatch>".
 *   fault_client quota ENDPOINT OUT N
 *       (through a proxy answering 503 to everything) N GetItem calls in
 *       turn: "Q <i> <code> <attempts> <quota exhausted 0|1>".
 *
 * Item content is a function of its id (content_of, mirrored by
 * test_faults.py). Exit status 0 when every call behaved as documented
 * (errors are outcomes here, not failures of the program); 1 on a misuse
 * or an outcome libddb's documentation rules out.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddb/ddb.h"
#include "faults.h"

#define TXN_SIZE 4
#define ID_MAX 24

/* The content an item with this id is written with: n and v. */
static void content_of(const char *id, int64_t *n, char v[ID_MAX + 66])
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (const unsigned char *p = (const unsigned char *)id; *p != '\0'; p++)
        h = (h ^ *p) * UINT64_C(0x100000001b3);
    *n = (int64_t)(h >> 1);
    int len = snprintf(v, ID_MAX + 2, "%s:", id);
    uint64_t s = h;
    for (int i = 0; i < 64; i++) {
        s = s * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
        v[len + i] = (char)('a' + (s >> 33) % 26);
    }
    v[len + 64] = '\0';
}

typedef struct outcome {
    char id[ID_MAX];
    const char *what; /* written, failed, unknown */
    int code;
} outcome;

typedef struct job {
    ddb_client *client;
    outcome *out;
    size_t n; /* items (for the transaction job: 4 per transaction) */
    int bad;  /* set when libddb broke its documented contract */
} job;

static void make_item(flt_item *it, const char *id, char *vbuf)
{
    flt_item_init(it);
    it->id = (char *)id;
    content_of(id, &it->n, vbuf);
    it->v = vbuf;
}

/* What a failed single write means: unknown when it may have been applied. */
static void failed(outcome *o, int rc)
{
    o->code = rc;
    o->what = ddb_last_error()->maybe_applied ? "unknown" : "failed";
}

static void *run_batch(void *arg)
{
    job *j = arg;
    ddb_batch_opts opts = DDB_BATCH_OPTS_INIT;
    opts.max_attempts = 3; /* low, so that some groups do fail */
    ddb_batch_writer *w = NULL;
    if (ddb_batch_writer_new(&w, j->client, &opts) != 0) {
        j->bad = 1;
        return NULL;
    }
    size_t *index_of = calloc(j->n, sizeof *index_of); /* accepted call -> item */
    size_t accepted = 0;
    for (size_t i = 0; i < j->n && index_of != NULL; i++) {
        outcome *o = &j->out[i];
        snprintf(o->id, sizeof o->id, "b%06zu", i);
        char v[ID_MAX + 66];
        flt_item it;
        make_item(&it, o->id, v);
        int rc = flt_item_batch_put(w, &it);
        if (rc == 0) {
            o->what = "written";
            index_of[accepted++] = i;
        } else {
            o->what = "failed"; /* refused before sending: never queued */
            o->code = rc;
        }
    }
    (void)ddb_batch_writer_flush(w);
    size_t n = 0;
    const ddb_batch_failure *f = ddb_batch_writer_failed(&n, w);
    for (size_t k = 0; k < n; k++) {
        if (f[k].index >= accepted || f[k].kind != DDB_BATCH_PUT) {
            j->bad = 1;
            continue;
        }
        outcome *o = &j->out[index_of[f[k].index]];
        o->what = f[k].maybe_applied ? "unknown" : "failed";
        o->code = f[k].code;
    }
    if (ddb_batch_writer_pending(w) != 0)
        j->bad = 1; /* flush must leave nothing queued but unsent */
    free(index_of);
    ddb_batch_writer_free(w);
    return NULL;
}

static void *run_puts(void *arg)
{
    job *j = arg;
    for (size_t i = 0; i < j->n; i++) {
        outcome *o = &j->out[i];
        snprintf(o->id, sizeof o->id, "p%06zu", i);
        char v[ID_MAX + 66];
        flt_item it;
        make_item(&it, o->id, v);
        int rc = flt_item_put(&it, flt_item_id_not_exists());
        if (rc == 0)
            o->what = "written";
        else
            failed(o, rc);
    }
    return NULL;
}

static void *run_txns(void *arg)
{
    job *j = arg;
    for (size_t t = 0; t * TXN_SIZE < j->n; t++) {
        ddb_txn *txn = NULL;
        int rc = ddb_txn_new(&txn, j->client, NULL);
        char v[TXN_SIZE][ID_MAX + 66];
        for (size_t k = 0; k < TXN_SIZE && rc == 0; k++) {
            outcome *o = &j->out[t * TXN_SIZE + k];
            snprintf(o->id, sizeof o->id, "t%06zu-%zu", t, k);
            flt_txn_item it;
            flt_txn_item_init(&it);
            it.id = o->id;
            content_of(o->id, &it.n, v[k]);
            it.v = v[k];
            rc = flt_txn_item_txn_put(txn, &it, flt_txn_item_id_not_exists());
        }
        if (rc == 0)
            rc = ddb_txn_commit(txn);
        bool maybe = rc != 0 && ddb_last_error()->maybe_applied;
        for (size_t k = 0; k < TXN_SIZE; k++) {
            outcome *o = &j->out[t * TXN_SIZE + k];
            o->what = rc == 0 ? "written" : maybe ? "unknown" : "failed";
            o->code = rc;
        }
        ddb_txn_free(txn);
    }
    return NULL;
}

/* One read-back slot: an item of either table. */
typedef struct slot {
    bool txn;
    union {
        flt_item item;
        flt_txn_item txn_item;
    } u;
} slot;

/* Whether a loaded item has the content its id was written with. */
static bool content_ok(const char *want_id, const char *id, int64_t n, const char *v)
{
    int64_t want_n;
    char want_v[ID_MAX + 66];
    content_of(want_id, &want_n, want_v);
    return id != NULL && strcmp(id, want_id) == 0 && n == want_n && v != NULL && strcmp(v, want_v) == 0;
}

/* Reads every item back through the proxy with one batch getter (both
 * tables in the same requests). */
static int read_back(FILE *out, ddb_client *c, const outcome *items, size_t n)
{
    ddb_batch_getter *g = NULL;
    slot *got = calloc(n, sizeof *got);
    bool *found = calloc(n, sizeof *found);
    int bad = got == NULL || found == NULL || ddb_batch_getter_new(&g, c, NULL) != 0;
    for (size_t i = 0; i < n && !bad; i++) {
        slot *s = &got[i];
        s->txn = items[i].id[0] == 't';
        if (s->txn) {
            flt_txn_item_init(&s->u.txn_item);
            bad = flt_txn_item_batch_get(&s->u.txn_item, &found[i], g, items[i].id) != 0;
        } else {
            flt_item_init(&s->u.item);
            bad = flt_item_batch_get(&s->u.item, &found[i], g, items[i].id) != 0;
        }
    }
    if (!bad)
        (void)ddb_batch_getter_run(g);
    for (size_t i = 0; i < n && !bad; i++) {
        int st = ddb_batch_getter_status(g, i);
        const char *what = st == 1 ? "found" : st == 0 ? "absent" : st < 0 ? "failed" : NULL;
        if (what == NULL || (st == 1) != found[i]) {
            bad = 1;
            break;
        }
        const slot *s = &got[i];
        if (st == 1 && !(s->txn ? content_ok(items[i].id, s->u.txn_item.id, s->u.txn_item.n, s->u.txn_item.v)
                                : content_ok(items[i].id, s->u.item.id, s->u.item.n, s->u.item.v)))
            what = "mismatch";
        fprintf(out, "G %s %s\n", items[i].id, what);
    }
    for (size_t i = 0; got != NULL && i < n; i++) {
        if (got[i].txn)
            flt_txn_item_clear(&got[i].u.txn_item);
        else
            flt_item_clear(&got[i].u.item);
    }
    free(got);
    free(found);
    ddb_batch_getter_free(g);
    return bad;
}

static ddb_client *client_for(const char *endpoint)
{
    ddb_client_config cfg = DDB_CLIENT_CONFIG_INIT;
    cfg.endpoint = endpoint;
    cfg.connect_timeout_ms = 2000;
    cfg.request_timeout_ms = 1000; /* the proxy's stalls last longer */
    ddb_client *c = NULL;
    if (ddb_client_new(&c, &cfg) != 0) {
        fprintf(stderr, "fault_client: %s\n", ddb_last_error()->message);
        return NULL;
    }
    ddb_model_use_client(&flt_item_model, c);
    ddb_model_use_client(&flt_txn_item_model, c);
    return c;
}

static int cmd_setup(const char *endpoint)
{
    ddb_client *c = client_for(endpoint);
    if (c == NULL)
        return 1;
    const ddb_model *models[] = {&flt_item_model, &flt_txn_item_model};
    int rc = 0;
    for (size_t i = 0; i < 2 && rc == 0; i++) {
        rc = ddb_model_delete_table(models[i], NULL);
        if (rc == DDB_ERESOURCE) /* ResourceNotFoundException: no table yet */
            rc = 0;
        if (rc == 0)
            rc = ddb_model_create_table(models[i], NULL);
        if (rc != 0)
            fprintf(stderr, "fault_client: table %s: %s\n", models[i]->table, ddb_last_error()->message);
    }
    ddb_models_use_client(models, 2, NULL);
    ddb_client_free(c);
    return rc != 0;
}

static int cmd_write(const char *endpoint, const char *path, size_t n_batch, size_t n_put, size_t n_txn)
{
    FILE *out = fopen(path, "w");
    ddb_client *c = out != NULL ? client_for(endpoint) : NULL;
    size_t total = n_batch + n_put + n_txn * TXN_SIZE;
    outcome *items = calloc(total ? total : 1, sizeof *items);
    if (c == NULL || items == NULL) {
        if (out != NULL)
            fclose(out);
        free(items);
        ddb_client_free(c);
        return 1;
    }
    job jobs[3] = {{c, items, n_batch, 0}, {c, items + n_batch, n_put, 0},
                   {c, items + n_batch + n_put, n_txn * TXN_SIZE, 0}};
    void *(*const fns[3])(void *) = {run_batch, run_puts, run_txns};
    pthread_t th[3];
    int bad = 0;
    for (int i = 0; i < 3; i++)
        if (pthread_create(&th[i], NULL, fns[i], &jobs[i]) != 0)
            return 1;
    for (int i = 0; i < 3; i++) {
        pthread_join(th[i], NULL);
        bad |= jobs[i].bad;
    }
    for (size_t i = 0; i < total; i++) {
        if (items[i].what == NULL)
            bad = 1;
        else
            fprintf(out, "W %s %s %s\n", items[i].id, items[i].what,
                    items[i].code != 0 ? ddb_code_name(items[i].code) : "OK");
    }
    bad |= read_back(out, c, items, total);
    bad |= fclose(out) != 0;
    ddb_model_use_client(&flt_item_model, NULL);
    ddb_model_use_client(&flt_txn_item_model, NULL);
    ddb_client_free(c);
    free(items);
    if (bad)
        fprintf(stderr, "fault_client: libddb broke a documented outcome (see above)\n");
    return bad;
}

static int cmd_quota(const char *endpoint, const char *path, size_t n)
{
    FILE *out = fopen(path, "w");
    ddb_client *c = out != NULL ? client_for(endpoint) : NULL;
    if (c == NULL) {
        if (out != NULL)
            fclose(out);
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        flt_item it;
        flt_item_init(&it);
        int rc = flt_item_get(&it, "no-such-item", NULL);
        const ddb_error *e = ddb_last_error();
        fprintf(out, "Q %zu %s %u %d\n", i, rc != 0 ? ddb_code_name(rc) : "OK", e->attempts,
                rc != 0 && strstr(e->message, "[retry quota exhausted]") != NULL);
        flt_item_clear(&it);
    }
    ddb_model_use_client(&flt_item_model, NULL);
    ddb_model_use_client(&flt_txn_item_model, NULL);
    ddb_client_free(c);
    return fclose(out) != 0;
}

static size_t count(const char *s)
{
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v > 10000000) {
        fprintf(stderr, "fault_client: bad count %s\n", s);
        exit(2);
    }
    return (size_t)v;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "setup") == 0)
        return cmd_setup(argv[2]);
    if (argc == 7 && strcmp(argv[1], "write") == 0)
        return cmd_write(argv[2], argv[3], count(argv[4]), count(argv[5]), count(argv[6]));
    if (argc == 5 && strcmp(argv[1], "quota") == 0)
        return cmd_quota(argv[2], argv[3], count(argv[4]));
    fprintf(stderr, "usage: fault_client setup ENDPOINT\n"
                    "       fault_client write ENDPOINT OUT N_BATCH N_PUT N_TXN\n"
                    "       fault_client quota ENDPOINT OUT N\n");
    return 2;
}
