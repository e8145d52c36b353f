/* txn.c - write and get transactions of models (TransactWriteItems,
 * TransactGetItems), with optimistic locking and cancellation reasons
 * mapped to the caller's actions. */
#include "feature_macros.h" /* first: feature-test macros before any system header */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch_internal.h"
#include "client_internal.h"
#include "ddb/error.h"
#include "ddb/ops.h"

/* DynamoDB's limit on the text of one expression. */
#define EXPR_SIZE_MAX 4096

/* ------------------------------------------------------------ shared */

/* DDB_E* code of a CancellationReason code. */
static int reason_code(const char *code)
{
    static const struct {
        const char *name;
        int code;
    } map[] = {
        {"None", 0},
        {"ConditionalCheckFailed", DDB_ECONDITION},
        {"TransactionConflict", DDB_EINUSE},
        {"ProvisionedThroughputExceeded", DDB_ETHROTTLED},
        {"ThrottlingError", DDB_ETHROTTLED},
        {"ItemCollectionSizeLimitExceeded", DDB_ELIMIT},
        {"ValidationError", DDB_EVALIDATION},
    };
    if (code == NULL)
        return DDB_ECANCELLED;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (strcmp(map[i].name, code) == 0)
            return map[i].code;
    }
    return DDB_ECANCELLED;
}

/* Forgets the outcome of the last commit/run. */
static void outcomes_reset(ddb_txn_outcome *o, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        o[i].code = 0;
        o[i].reason = NULL;
        o[i].message = NULL;
        o[i].item = NULL;
    }
}

/*
 * Maps CancellationReasons (request order, which is the caller's order)
 * onto the outcomes, and names the first failed action in the error
 * message. Actions beyond the reasons DynamoDB sent keep code 0.
 */
static void outcomes_map(ddb_txn_outcome *o, size_t n, const ddb_cancellation_reason *r, size_t n_r)
{
    const ddb_txn_outcome *first = NULL;
    for (size_t i = 0; i < n && i < n_r; i++) {
        o[i].reason = r[i].code;
        o[i].message = r[i].message;
        o[i].item = r[i].item;
        o[i].code = reason_code(r[i].code);
        if (o[i].code != 0 && first == NULL)
            first = &o[i];
    }
    if (first == NULL)
        return;
    static const char *const kinds[] = {"Put", "Update", "Delete", "ConditionCheck", "Get"};
    char text[256];
    snprintf(text, sizeof text, " [action %zu: %s of %s: %s]", first->index, kinds[first->kind],
             first->model->name, first->reason);
    ddb_error_append(text);
}

/* The client of an action on `m`: the transaction's, or the model's for
 * the first action; later models must resolve to the same one. */
static int action_client(ddb_client *fixed, ddb_client **chosen, size_t n_actions, const ddb_model *m)
{
    ddb_client *c;
    int rc = ddb_batch_client(fixed, m, &c);
    if (rc != 0)
        return rc;
    if (n_actions > 0 && c != *chosen)
        return ddb_error_set(DDB_EINVAL,
                             "%s uses another client than the transaction's earlier actions; "
                             "a transaction is one request to one endpoint",
                             m->name);
    *chosen = c;
    return 0;
}

/* The index of an earlier action on the same item, or -1. */
static long same_item(const ddb_txn_outcome *o, size_t n, const ddb_model *m, const ddb_av *key)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(o[i].model->table, m->table) == 0 && ddb_batch_key_matches(o[i].key, key))
            return (long)i;
    }
    return -1;
}

/* DDB_EINVAL naming the earlier action on the same item, or 0. */
static int check_duplicate(const ddb_txn_outcome *o, size_t n, const ddb_model *m,
                           const ddb_av *key)
{
    long i = same_item(o, n, m, key);
    if (i < 0)
        return 0;
    char what[160];
    snprintf(what, sizeof what,
             "already in this transaction as action %ld (DynamoDB refuses two actions on one item)",
             i);
    return ddb_batch_key_error(DDB_EINVAL, m, key, what);
}

/* Room for n + 1 elements in two parallel arrays of `cap` elements
 * (sizes sa, sb): *a and *b are replaced by what realloc returns. */
static int grow_pair(void **a, size_t sa, void **b, size_t sb, size_t n, size_t *cap)
{
    if (n < *cap)
        return 0;
    size_t new_cap = *cap != 0 ? *cap * 2 : 8;
    void *pa = realloc(*a, new_cap * sa);
    if (pa == NULL)
        return ddb_error_set(DDB_ENOMEM, "out of memory adding to a transaction");
    *a = pa;
    void *pb = realloc(*b, new_cap * sb);
    if (pb == NULL)
        return ddb_error_set(DDB_ENOMEM, "out of memory adding to a transaction");
    *b = pb;
    *cap = new_cap;
    return 0;
}

/* ------------------------------------------------------------ write transactions */

typedef struct taction {
    ddb_av *key;            /* the outcome's key */
    void *obj;              /* versioned put/update: gets next_version on success */
    int64_t next_version;
    ddb_av *item;           /* put */
    ddb_expr_ctx ctx;       /* this action's names and values */
    ddb_buf cond, update;
    ddb_update *guarded;    /* an update with int64 range guards (kept to explain a failure) */
} taction;

struct ddb_txn {
    ddb_client *fixed;      /* caller's client, or NULL */
    ddb_client *client;     /* the one the actions use */
    bool return_old;
    char token[DDB_TXN_TOKEN_MAX + 1];
    taction *a;
    ddb_txn_outcome *o;     /* parallel to a */
    size_t n, cap;
    size_t items_size;      /* ddb_item_size of the puts */
    ddb_buf scratch;
    ddb_transact_write_items_output out; /* of the last commit: reasons */
};

int ddb_txn_new(ddb_txn **out, ddb_client *client, const ddb_txn_opts *opts)
{
    *out = NULL;
    static const ddb_txn_opts defaults = DDB_TXN_OPTS_INIT;
    ddb_txn_opts o = opts != NULL ? *opts : defaults;
    if (o.version != DDB_TXN_OPTS_VERSION)
        return ddb_error_set(DDB_EINVAL, "ddb_txn_opts: unknown version %u (expected %d)", o.version,
                             DDB_TXN_OPTS_VERSION);
    size_t len = o.client_request_token != NULL ? strlen(o.client_request_token) : 0;
    if (o.client_request_token != NULL && (len == 0 || len > DDB_TXN_TOKEN_MAX))
        return ddb_error_set(DDB_EINVAL,
                             "ddb_txn_opts: a client request token has 1 to %d characters, not %zu",
                             DDB_TXN_TOKEN_MAX, len);
    ddb_txn *t = calloc(1, sizeof *t);
    if (t == NULL)
        return ddb_error_set(DDB_ENOMEM, "out of memory creating a transaction");
    t->fixed = client;
    t->return_old = o.return_old_on_failure;
    int rc = 0;
    if (o.client_request_token != NULL)
        memcpy(t->token, o.client_request_token, len + 1);
    else
        rc = ddb_uuid4(t->token);
    if (rc != 0) {
        free(t);
        return rc;
    }
    *out = t;
    return 0;
}

static void action_free(taction *a)
{
    ddb_update_free(a->guarded);
    ddb_av_free(a->key);
    ddb_av_free(a->item);
    ddb_expr_ctx_free(&a->ctx);
    ddb_buf_free(&a->cond);
    ddb_buf_free(&a->update);
}

void ddb_txn_free(ddb_txn *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->n; i++)
        action_free(&t->a[i]);
    free(t->a);
    free(t->o);
    ddb_buf_free(&t->scratch);
    ddb_transact_write_items_output_free(&t->out);
    free(t);
}

/* What an add call asks for. */
typedef struct action_req {
    ddb_txn_kind kind;
    const ddb_model *m;
    void *obj;              /* put/update (version commit); may be NULL */
    const void *key_obj;    /* where the key comes from; NULL: hash/range */
    const void *hash, *range;
    ddb_update *actions;    /* consumed by add_action */
    ddb_cond *cond;         /* consumed by add_action */
} action_req;

/* Renders `a`'s expressions and checks their size. */
static int txn_render_action(taction *a, const action_req *r)
{
    int rc = 0;
    ddb_codec_env env;
    ddb_buf key_bytes = DDB_BUF_INIT;
    ddb_seal_binding(&a->ctx, &env, &key_bytes, r->m, a->key);
    if (r->actions != NULL)
        rc = ddb_expr_render_update(&a->update, &a->ctx, r->actions);
    if (rc == 0 && r->cond != NULL)
        rc = ddb_expr_render_cond(&a->cond, &a->ctx, r->cond);
    a->ctx.seal = NULL;
    a->ctx.seal_arg = NULL;
    ddb_buf_free(&key_bytes);
    if (rc == 0 && (a->update.len > EXPR_SIZE_MAX || a->cond.len > EXPR_SIZE_MAX))
        rc = ddb_batch_key_error(DDB_ELIMIT, r->m, a->key,
                                 "an expression is over DynamoDB's 4 KB limit");
    return rc;
}

/* Builds action `a` from `r`; r's trees may be replaced (version) but
 * stay r's to free. */
static int build_action(ddb_txn *t, taction *a, action_req *r)
{
    int rc = ddb_batch_make_key(r->m, r->key_obj, r->hash, r->range, &a->key);
    if (rc == 0)
        rc = check_duplicate(t->o, t->n, r->m, a->key);
    if (rc == 0 && r->kind == DDB_TXN_UPDATE && r->actions == NULL)
        rc = ddb_error_set(DDB_EINVAL, "%s: a transaction update needs actions", r->m->name);
    if (rc == 0 && r->kind == DDB_TXN_CHECK && r->cond == NULL)
        rc = ddb_error_set(DDB_EINVAL, "%s: a condition check needs a condition", r->m->name);
    ddb_cond *range_guard = rc == 0 && r->kind == DDB_TXN_UPDATE ? ddb_update_range_guard(r->actions) : NULL;
    if (range_guard != NULL)
        r->cond = r->cond != NULL ? ddb_cond_and(r->cond, range_guard) : range_guard;
    if (rc == 0 && r->kind != DDB_TXN_CHECK)
        rc = ddb_model_version_guard(r->m, r->key_obj, &r->cond, &a->next_version);
    if (rc == 0 && r->kind == DDB_TXN_UPDATE)
        r->actions = ddb_model_version_update(r->m, r->actions, a->next_version);
    if (rc == 0 && r->kind == DDB_TXN_PUT)
        rc = ddb_model_to_item(&a->item, r->m, r->key_obj);
    if (rc == 0 && r->kind == DDB_TXN_PUT)
        rc = ddb_model_version_item(r->m, a->item, a->next_version);
    if (rc == 0 && r->kind == DDB_TXN_PUT)
        rc = ddb_batch_check_item(r->m, a->key, a->item, &t->scratch);
    if (rc == 0 && t->items_size + ddb_item_size(a->item) > DDB_TXN_SIZE_MAX)
        rc = ddb_batch_key_error(DDB_ELIMIT, r->m, a->key,
                                 "the transaction's items would exceed DynamoDB's 4 MB limit");
    if (rc == 0)
        rc = txn_render_action(a, r);
    if (rc == 0 && range_guard != NULL) { /* the actions are the request's now */
        a->guarded = r->actions;
        r->actions = NULL;
    }
    if (a->next_version != 0 && (r->kind == DDB_TXN_PUT || r->kind == DDB_TXN_UPDATE))
        a->obj = r->obj;
    return rc;
}

/* Adds an action; consumes r->actions and r->cond in every case. */
static int add_action(ddb_txn *t, action_req *r)
{
    int rc = t != NULL ? 0 : ddb_error_set(DDB_EINVAL, "transaction is NULL");
    if (rc == 0)
        rc = action_client(t->fixed, &t->client, t->n, r->m);
    if (rc == 0 && t->n == DDB_TXN_MAX)
        rc = ddb_error_set(DDB_ELIMIT, "%s: a transaction holds at most %d actions", r->m->name,
                           DDB_TXN_MAX);
    if (rc == 0) {
        void *a = t->a, *o = t->o;
        rc = grow_pair(&a, sizeof *t->a, &o, sizeof *t->o, t->n, &t->cap);
        t->a = a;
        t->o = o;
    }
    if (rc == 0) {
        taction *a = &t->a[t->n];
        memset(a, 0, sizeof *a);
        a->ctx = (ddb_expr_ctx)DDB_EXPR_CTX_INIT;
        rc = build_action(t, a, r);
        if (rc == 0) {
            t->o[t->n] = (ddb_txn_outcome){t->n, r->m, r->kind, a->key, 0, NULL, NULL, NULL};
            t->items_size += ddb_item_size(a->item);
            t->n++;
        } else {
            action_free(a);
        }
    }
    ddb_update_free(r->actions);
    ddb_cond_free(r->cond);
    return rc;
}

int ddb_txn_put(ddb_txn *t, const ddb_model *m, void *obj, ddb_cond *cond)
{
    action_req r = {DDB_TXN_PUT, m, obj, obj, NULL, NULL, NULL, cond};
    if (obj == NULL) {
        ddb_cond_free(cond);
        return ddb_error_set(DDB_EINVAL, "ddb_txn_put: object is NULL");
    }
    return add_action(t, &r);
}

int ddb_txn_update(ddb_txn *t, const ddb_model *m, void *obj, ddb_update *actions, ddb_cond *cond)
{
    action_req r = {DDB_TXN_UPDATE, m, obj, obj, NULL, NULL, actions, cond};
    if (obj == NULL) {
        ddb_update_free(actions);
        ddb_cond_free(cond);
        return ddb_error_set(DDB_EINVAL, "ddb_txn_update: object is NULL");
    }
    return add_action(t, &r);
}

int ddb_txn_delete(ddb_txn *t, const ddb_model *m, const void *obj, ddb_cond *cond)
{
    action_req r = {DDB_TXN_DELETE, m, NULL, obj, NULL, NULL, NULL, cond};
    if (obj == NULL) {
        ddb_cond_free(cond);
        return ddb_error_set(DDB_EINVAL, "ddb_txn_delete: object is NULL");
    }
    return add_action(t, &r);
}

int ddb_txn_check(ddb_txn *t, const ddb_model *m, const void *obj, ddb_cond *cond)
{
    action_req r = {DDB_TXN_CHECK, m, NULL, obj, NULL, NULL, NULL, cond};
    if (obj == NULL) {
        ddb_cond_free(cond);
        return ddb_error_set(DDB_EINVAL, "ddb_txn_check: object is NULL");
    }
    return add_action(t, &r);
}

int ddb_txn_check_key(ddb_txn *t, const ddb_model *m, const void *hash, const void *range,
                      ddb_cond *cond)
{
    action_req r = {DDB_TXN_CHECK, m, NULL, NULL, hash, range, NULL, cond};
    return add_action(t, &r);
}

/* The wire form of action i. */
static ddb_transact_write wire_action(const ddb_txn *t, size_t i)
{
    static const ddb_transact_kind kinds[] = {DDB_TRANSACT_PUT, DDB_TRANSACT_UPDATE,
                                              DDB_TRANSACT_DELETE, DDB_TRANSACT_CONDITION_CHECK};
    const taction *a = &t->a[i];
    ddb_transact_write w;
    memset(&w, 0, sizeof w);
    w.kind = kinds[t->o[i].kind];
    w.table_name = t->o[i].model->table;
    w.item = a->item;
    w.key = t->o[i].kind != DDB_TXN_PUT ? a->key : NULL;
    w.update_expression = a->update.len != 0 ? a->update.data : NULL;
    w.condition_expression = a->cond.len != 0 ? a->cond.data : NULL;
    w.names = a->ctx.names;
    w.values = a->ctx.values;
    w.return_values_on_failure = t->return_old || a->guarded != NULL ? DDB_RETURN_ON_FAILURE_ALL_OLD
                                                                     : DDB_RETURN_ON_FAILURE_NONE;
    return w;
}

/* A failed condition of an update with int64 range guards: DDB_ERANGE (or
 * DDB_ETYPE) in its outcome when the old item shows a guard was the cause. */
static void range_outcomes(ddb_txn *t)
{
    ddb_error saved = *ddb_last_error();
    for (size_t i = 0; i < t->n; i++) {
        ddb_txn_outcome *o = &t->o[i];
        if (t->a[i].guarded != NULL && o->code == DDB_ECONDITION && o->item != NULL) {
            int rc = ddb_update_range_check(t->a[i].guarded, o->item);
            if (rc != 0)
                o->code = rc;
        }
    }
    ddb_error_restore(&saved);
}

int ddb_txn_commit(ddb_txn *t)
{
    if (t == NULL)
        return ddb_error_set(DDB_EINVAL, "transaction is NULL");
    if (t->n == 0)
        return ddb_error_set(DDB_EINVAL, "TransactWriteItems: the transaction has no actions");
    ddb_transact_write *items = calloc(t->n, sizeof *items);
    if (items == NULL)
        return ddb_error_set(DDB_ENOMEM, "out of memory sending a transaction");
    for (size_t i = 0; i < t->n; i++)
        items[i] = wire_action(t, i);
    outcomes_reset(t->o, t->n);
    ddb_transact_write_items_output_free(&t->out);
    ddb_transact_write_items_input in = DDB_TRANSACT_WRITE_ITEMS_INPUT_INIT;
    in.items = items;
    in.n_items = t->n;
    in.client_request_token = t->token;
    int rc = ddb_transact_write_items(&t->out, t->client, &in);
    free(items);
    if (rc == 0) {
        for (size_t i = 0; i < t->n; i++) {
            if (t->a[i].obj != NULL)
                ddb_model_version_commit(t->o[i].model, t->a[i].obj, t->a[i].next_version);
        }
    } else if (rc == DDB_ECANCELLED) {
        outcomes_map(t->o, t->n, t->out.reasons, t->out.n_reasons);
        range_outcomes(t);
    }
    return rc;
}

size_t ddb_txn_count(const ddb_txn *t)
{
    return t != NULL ? t->n : 0;
}

const char *ddb_txn_token(const ddb_txn *t)
{
    return t != NULL ? t->token : NULL;
}

const ddb_txn_outcome *ddb_txn_reason(const ddb_txn *t, size_t i)
{
    return t != NULL && i < t->n ? &t->o[i] : NULL;
}

/* ------------------------------------------------------------ get transactions */

struct ddb_txn_getter {
    ddb_client *fixed, *client;
    ddb_get_slot *s;
    ddb_txn_outcome *o;     /* per slot; key points into s[i].key */
    size_t n, cap;
    ddb_transact_get_items_output out;
};

int ddb_txn_getter_new(ddb_txn_getter **out, ddb_client *client)
{
    *out = calloc(1, sizeof **out);
    if (*out == NULL)
        return ddb_error_set(DDB_ENOMEM, "out of memory creating a get transaction");
    (*out)->fixed = client;
    return 0;
}

void ddb_txn_getter_free(ddb_txn_getter *g)
{
    if (g == NULL)
        return;
    for (size_t i = 0; i < g->n; i++)
        ddb_av_free(g->s[i].key);
    free(g->s);
    free(g->o);
    ddb_transact_get_items_output_free(&g->out);
    free(g);
}

static int txn_add_get(ddb_txn_getter *g, const ddb_model *m, const void *key_obj, const void *hash,
                   const void *range, void *out, bool *found)
{
    if (g == NULL)
        return ddb_error_set(DDB_EINVAL, "get transaction is NULL");
    int rc = action_client(g->fixed, &g->client, g->n, m);
    if (rc == 0 && g->n == DDB_TXN_MAX)
        rc = ddb_error_set(DDB_ELIMIT, "%s: a get transaction reads at most %d items", m->name,
                           DDB_TXN_MAX);
    if (rc == 0) {
        void *sl = g->s, *o = g->o;
        rc = grow_pair(&sl, sizeof *g->s, &o, sizeof *g->o, g->n, &g->cap);
        g->s = sl;
        g->o = o;
    }
    ddb_get_slot s;
    if (rc == 0)
        rc = ddb_get_slot_init(&s, m, key_obj, hash, range, NULL, NULL);
    if (rc != 0)
        return rc;
    if ((rc = check_duplicate(g->o, g->n, m, s.key)) != 0) {
        ddb_av_free(s.key);
        return rc;
    }
    s.out = out;
    s.found = found;
    if (found != NULL)
        *found = false;
    g->s[g->n] = s;
    g->o[g->n] = (ddb_txn_outcome){g->n, m, DDB_TXN_GET, s.key, 0, NULL, NULL, NULL};
    g->n++;
    return 0;
}

int ddb_txn_getter_add(void *out, bool *found, ddb_txn_getter *g, const ddb_model *m,
                    const void *hash, const void *range)
{
    return txn_add_get(g, m, NULL, hash, range, out, found);
}

int ddb_txn_getter_add_obj(void *out, bool *found, ddb_txn_getter *g, const ddb_model *m,
                        const void *key_obj)
{
    if (key_obj == NULL)
        return ddb_error_set(DDB_EINVAL, "ddb_txn_getter_add_obj: key object is NULL");
    return txn_add_get(g, m, key_obj, NULL, NULL, out, found);
}

/* Loads every returned item into a temporary of its model; all or none. */
static int load_all(const ddb_txn_getter *g, void **tmp)
{
    int rc = 0;
    for (size_t i = 0; i < g->n && rc == 0; i++) {
        const ddb_av *item = i < g->out.n_items ? g->out.items[i] : NULL;
        const ddb_model *m = g->s[i].m;
        if (item == NULL || g->s[i].out == NULL)
            continue;
        if ((tmp[i] = malloc(m->size)) == NULL) {
            rc = ddb_error_set(DDB_ENOMEM, "out of memory reading a %s", m->name);
            break;
        }
        ddb_model_init(m, tmp[i]);
        rc = ddb_model_read_item(tmp[i], m, item);
        if (rc != 0)
            ddb_error_prefix("TransactGetItems item %zu: ", i);
    }
    return rc;
}

int ddb_txn_getter_run(ddb_txn_getter *g)
{
    if (g == NULL)
        return ddb_error_set(DDB_EINVAL, "get transaction is NULL");
    if (g->n == 0)
        return ddb_error_set(DDB_EINVAL, "TransactGetItems: the get transaction has no items");
    ddb_transact_get *items = calloc(g->n, sizeof *items);
    void **tmp = calloc(g->n, sizeof *tmp);
    if (items == NULL || tmp == NULL) {
        free(items);
        free(tmp);
        return ddb_error_set(DDB_ENOMEM, "out of memory sending a get transaction");
    }
    for (size_t i = 0; i < g->n; i++) {
        items[i].table_name = g->s[i].m->table;
        items[i].key = g->s[i].key;
    }
    outcomes_reset(g->o, g->n);
    ddb_transact_get_items_output_free(&g->out);
    ddb_transact_get_items_input in = DDB_TRANSACT_GET_ITEMS_INPUT_INIT;
    in.items = items;
    in.n_items = g->n;
    int rc = ddb_transact_get_items(&g->out, g->client, &in);
    free(items);
    if (rc == 0 && g->out.n_items != g->n)
        rc = ddb_error_set(DDB_EPROTOCOL, "TransactGetItems: %zu responses for %zu items",
                           g->out.n_items, g->n);
    if (rc == 0)
        rc = load_all(g, tmp);
    for (size_t i = 0; i < g->n; i++) {
        const ddb_get_slot *s = &g->s[i];
        if (rc == 0 && g->out.items[i] != NULL) {
            if (s->out != NULL) {
                ddb_model_clear(s->m, s->out);
                memcpy(s->out, tmp[i], s->m->size);
            }
            if (s->found != NULL)
                *s->found = true;
        } else if (tmp[i] != NULL) {
            ddb_model_clear(s->m, tmp[i]);
        }
        free(tmp[i]);
    }
    free(tmp);
    if (rc == DDB_ECANCELLED)
        outcomes_map(g->o, g->n, g->out.reasons, g->out.n_reasons);
    return rc;
}

size_t ddb_txn_getter_count(const ddb_txn_getter *g)
{
    return g != NULL ? g->n : 0;
}

const ddb_txn_outcome *ddb_txn_getter_reason(const ddb_txn_getter *g, size_t i)
{
    return g != NULL && i < g->n ? &g->o[i] : NULL;
}
