/* hooks.c - request hooks: registries (copy-on-write lists with reference
 * counts), running the hooks around a request, and ConsumedCapacity of an
 * after event. */
#include "feature_macros.h" /* first: feature-test macros before any system header */

#include "ddb/hooks.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ddb/error.h"
#include "client_internal.h"
#include "hooks_internal.h"
#include "json_internal.h"
#include "json_parse.h"

_Atomic unsigned long ddb_hooks_busy;

/* ------------------------------------------------------------------ */
/* Registries                                                         */
/* ------------------------------------------------------------------ */

typedef struct hook_entry {
    ddb_hook_fn before;
    ddb_hook_fn after;
    void *payload;
    uint64_t id; /* unique in the process: what remove waits for */
} hook_entry;

/* An immutable list of registrations. The registry holds one reference
 * while the list is current; each request using it holds one more. */
typedef struct hook_list {
    unsigned refs;          /* guarded by the registry's lock */
    struct hook_list *next; /* in the registry's retired chain */
    size_t n;
    hook_entry e[];
} hook_list;

struct ddb_hook_registry {
    pthread_mutex_t lock;
    pthread_cond_t released; /* a retired list was freed */
    _Atomic size_t n;        /* entries of `current`: a lock-free pre-check */
    hook_list *current;      /* NULL when empty */
    hook_list *retired;      /* replaced lists that requests still hold */
};

static ddb_hook_registry global_hooks = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0,
                                         NULL, NULL};
static _Atomic uint64_t next_id = 1;

/* The lists held by the request in progress on this thread, if any. */
typedef struct hook_frame {
    ddb_hook_registry *reg[2];
    hook_list *list[2];
    size_t n;
} hook_frame;

static _Thread_local const hook_frame *tls_frame;
static _Thread_local unsigned tls_in_hook;

static ddb_hook_registry *registry_new(void)
{
    ddb_hook_registry *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->released, NULL);
    return r;
}

/* Drops one reference of `l` (lock held); frees it when it was the last. */
static void list_unref_locked(ddb_hook_registry *r, hook_list *l)
{
    if (--l->refs != 0)
        return;
    for (hook_list **p = &r->retired; *p != NULL; p = &(*p)->next) {
        if (*p == l) {
            *p = l->next;
            break;
        }
    }
    free(l);
    pthread_cond_broadcast(&r->released);
}

/* Makes `l` (may be NULL) the current list, retiring the previous one. */
static void install_locked(ddb_hook_registry *r, hook_list *l)
{
    hook_list *old = r->current;
    r->current = l;
    atomic_store_explicit(&r->n, l != NULL ? l->n : 0, memory_order_relaxed);
    if (old == NULL)
        return;
    if (old->refs > 1) {
        old->next = r->retired;
        r->retired = old;
    }
    list_unref_locked(r, old);
}

static hook_list *list_alloc(size_t n)
{
    hook_list *l = malloc(sizeof *l + n * sizeof l->e[0]);
    if (l != NULL) {
        l->refs = 1;
        l->next = NULL;
        l->n = n;
    }
    return l;
}

static int registry_add(ddb_hook_registry *r, ddb_hook_fn before, ddb_hook_fn after, void *payload)
{
    if (before == NULL && after == NULL)
        return ddb_error_set(DDB_EINVAL, "add hook: the before and after functions are both NULL");
    pthread_mutex_lock(&r->lock);
    size_t n = r->current != NULL ? r->current->n : 0;
    hook_list *l = list_alloc(n + 1);
    if (l == NULL) {
        pthread_mutex_unlock(&r->lock);
        return ddb_error_set(DDB_ENOMEM, "out of memory adding a hook");
    }
    if (n != 0)
        memcpy(l->e, r->current->e, n * sizeof l->e[0]);
    l->e[n] = (hook_entry){before, after, payload,
                           atomic_fetch_add_explicit(&next_id, 1, memory_order_relaxed)};
    atomic_fetch_add_explicit(&ddb_hooks_busy, 1, memory_order_relaxed);
    install_locked(r, l);
    pthread_mutex_unlock(&r->lock);
    return 0;
}

/* Whether a list still held by a request of *another* thread contains the
 * registration `id` (lock held). */
static bool held_elsewhere_locked(const ddb_hook_registry *r, uint64_t id)
{
    for (const hook_list *l = r->retired; l != NULL; l = l->next) {
        for (size_t i = 0; i < l->n; i++) {
            if (l->e[i].id == id)
                return true;
        }
    }
    return false;
}

static int registry_remove(ddb_hook_registry *r, ddb_hook_fn before, ddb_hook_fn after,
                           void *payload)
{
    pthread_mutex_lock(&r->lock);
    hook_list *cur = r->current;
    size_t n = cur != NULL ? cur->n : 0;
    size_t at = n;
    for (size_t i = n; i-- > 0;) {
        if (cur->e[i].before == before && cur->e[i].after == after && cur->e[i].payload == payload) {
            at = i;
            break;
        }
    }
    if (at == n) {
        pthread_mutex_unlock(&r->lock);
        return ddb_error_set(DDB_ENOTFOUND, "remove hook: no such hook is registered");
    }
    uint64_t id = cur->e[at].id;
    hook_list *l = NULL;
    if (n > 1) {
        /* on ENOMEM the registration stays, and the caller may retry */
        if ((l = list_alloc(n - 1)) == NULL) {
            pthread_mutex_unlock(&r->lock);
            return ddb_error_set(DDB_ENOMEM, "out of memory removing a hook");
        }
        memcpy(l->e, cur->e, at * sizeof l->e[0]);
        memcpy(l->e + at, cur->e + at + 1, (n - at - 1) * sizeof l->e[0]);
    }
    install_locked(r, l);
    atomic_fetch_sub_explicit(&ddb_hooks_busy, 1, memory_order_relaxed);
    /* Inside a request (this thread holds lists) waiting could deadlock
     * with another thread doing the same: return at once. */
    while (tls_frame == NULL && held_elsewhere_locked(r, id))
        pthread_cond_wait(&r->released, &r->lock);
    pthread_mutex_unlock(&r->lock);
    return 0;
}

void ddb_hook_registry_free(ddb_hook_registry *r)
{
    if (r == NULL)
        return;
    size_t n = r->current != NULL ? r->current->n : 0;
    atomic_fetch_sub_explicit(&ddb_hooks_busy, n, memory_order_relaxed);
    free(r->current);
    while (r->retired != NULL) { /* only if calls raced with ddb_client_free */
        hook_list *next = r->retired->next;
        free(r->retired);
        r->retired = next;
    }
    pthread_mutex_destroy(&r->lock);
    pthread_cond_destroy(&r->released);
    free(r);
}

/* The client's registry, created on first use (lock-free publication). */
static ddb_hook_registry *client_registry(ddb_client *c, bool create)
{
    _Atomic(ddb_hook_registry *) *slot = ddb_client_hook_slot(c);
    ddb_hook_registry *r = atomic_load_explicit(slot, memory_order_acquire);
    if (r != NULL || !create)
        return r;
    ddb_hook_registry *fresh = registry_new();
    if (fresh == NULL) {
        ddb_error_set(DDB_ENOMEM, "out of memory adding a hook");
        return NULL;
    }
    if (atomic_compare_exchange_strong_explicit(slot, &r, fresh, memory_order_acq_rel,
                                                memory_order_acquire))
        return fresh;
    ddb_hook_registry_free(fresh); /* another thread won; r is theirs */
    return r;
}

int ddb_client_add_hook(ddb_client *c, ddb_hook_fn before, ddb_hook_fn after, void *payload)
{
    if (c == NULL)
        return ddb_error_set(DDB_EINVAL, "ddb_client_add_hook: the client is NULL");
    ddb_hook_registry *r = client_registry(c, true);
    return r != NULL ? registry_add(r, before, after, payload) : DDB_ENOMEM;
}

int ddb_client_remove_hook(ddb_client *c, ddb_hook_fn before, ddb_hook_fn after, void *payload)
{
    if (c == NULL)
        return ddb_error_set(DDB_EINVAL, "ddb_client_remove_hook: the client is NULL");
    ddb_hook_registry *r = client_registry(c, false);
    if (r == NULL)
        return ddb_error_set(DDB_ENOTFOUND, "remove hook: no such hook is registered");
    return registry_remove(r, before, after, payload);
}

int ddb_global_add_hook(ddb_hook_fn before, ddb_hook_fn after, void *payload)
{
    return registry_add(&global_hooks, before, after, payload);
}

int ddb_global_remove_hook(ddb_hook_fn before, ddb_hook_fn after, void *payload)
{
    return registry_remove(&global_hooks, before, after, payload);
}

/* ------------------------------------------------------------------ */
/* Running the hooks                                                  */
/* ------------------------------------------------------------------ */

static void frame_hold(hook_frame *f, ddb_hook_registry *r)
{
    if (r == NULL || atomic_load_explicit(&r->n, memory_order_relaxed) == 0)
        return;
    pthread_mutex_lock(&r->lock);
    hook_list *l = r->current;
    if (l != NULL) {
        l->refs++;
        f->reg[f->n] = r;
        f->list[f->n++] = l;
    }
    pthread_mutex_unlock(&r->lock);
}

static void frame_release(hook_frame *f)
{
    for (size_t i = 0; i < f->n; i++) {
        pthread_mutex_lock(&f->reg[i]->lock);
        list_unref_locked(f->reg[i], f->list[i]);
        pthread_mutex_unlock(&f->reg[i]->lock);
    }
}

static void call_hook(ddb_hook_fn fn, const ddb_hook_event *ev, void *payload)
{
    if (fn == NULL)
        return;
    tls_in_hook++;
    fn(ev, payload);
    tls_in_hook--;
}

/* Runs every hook of the frame, keeping the thread's last error. A hook
 * may make requests, which run without hooks and reuse this thread's
 * request/response scratch buffers (ops.c): the caller's response buffer
 * is moved aside meanwhile (the request body is a private copy). */
static void run_hooks(const hook_frame *f, const ddb_hook_event *ev, bool after, ddb_buf *resp)
{
    ddb_error saved = *ddb_last_error();
    bool saved_maybe_applied = ddb_client_call_maybe_applied();
    ddb_buf callers = *resp;
    ddb_buf_init(resp);
    if (!after) {
        for (size_t k = 0; k < f->n; k++)
            for (size_t i = 0; i < f->list[k]->n; i++)
                call_hook(f->list[k]->e[i].before, ev, f->list[k]->e[i].payload);
    } else {
        for (size_t k = f->n; k-- > 0;)
            for (size_t i = f->list[k]->n; i-- > 0;)
                call_hook(f->list[k]->e[i].after, ev, f->list[k]->e[i].payload);
    }
    ddb_buf_free(resp);
    *resp = callers;
    ddb_error_restore(&saved);
    ddb_client_set_call_maybe_applied(saved_maybe_applied);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int ddb_hooks_call(ddb_client *c, const char *operation, const char *table, const char *body,
                   size_t body_len, ddb_buf *resp)
{
    /* a request made by a hook runs without hooks: no recursion */
    if (tls_in_hook != 0)
        return ddb_client_call_unhooked(c, operation, table, body, body_len, resp, NULL);
    hook_frame f = {{NULL, NULL}, {NULL, NULL}, 0};
    frame_hold(&f, &global_hooks);
    if (c != NULL)
        frame_hold(&f, client_registry(c, false));
    if (f.n == 0 || resp == NULL || operation == NULL || (body == NULL && body_len != 0)) {
        frame_release(&f);
        return ddb_client_call_unhooked(c, operation, table, body, body_len, resp, NULL);
    }
    /* the body usually lives in this thread's scratch buffer, which a
     * request made by a hook would overwrite: send a private copy */
    char *copy = malloc(body_len != 0 ? body_len : 1);
    if (copy == NULL) {
        frame_release(&f);
        ddb_error_set(DDB_ENOMEM, "out of memory copying a request for its hooks");
        ddb_error_set_context(operation, table != NULL ? table : "");
        return DDB_ENOMEM;
    }
    if (body_len != 0)
        memcpy(copy, body, body_len);

    atomic_fetch_add_explicit(&ddb_hooks_busy, 1, memory_order_relaxed);
    const hook_frame *outer = tls_frame;
    tls_frame = &f;
    ddb_hook_event ev = {c, operation, table != NULL ? table : "", copy, body_len,
                         0, 0, "", "", 0, 0, "", 0, NULL};
    run_hooks(&f, &ev, false, resp);

    size_t start = resp->len;
    ddb_call_outcome out = {0, 0, ""};
    uint64_t t0 = now_ns();
    int rc = ddb_client_call_unhooked(c, operation, table, copy, body_len, resp, &out);
    ev.latency_ns = now_ns() - t0;

    ddb_error err = *ddb_last_error();
    ev.code = rc;
    ev.http_status = out.http_status;
    ev.attempts = out.attempts;
    ev.request_id = out.request_id;
    ev.response_body = ddb_buf_cstr(resp) + start;
    ev.response_len = resp->len - start;
    if (rc != 0) {
        ev.aws_type = err.aws_type;
        ev.error = &err;
        if (ev.request_id[0] == '\0')
            ev.request_id = err.request_id;
    }
    run_hooks(&f, &ev, true, resp);

    tls_frame = outer;
    frame_release(&f);
    free(copy);
    atomic_fetch_sub_explicit(&ddb_hooks_busy, 1, memory_order_relaxed);
    return rc;
}

/* ------------------------------------------------------------------ */
/* ConsumedCapacity of a response                                     */
/* ------------------------------------------------------------------ */

/* Skips one JSON value, validating it, building nothing. */
static int skip_value(ddb_jlex *lx, unsigned depth)
{
    int c = ddb_jlex_peek(lx);
    ddb_jstr s;
    bool b;
    const char *text;
    size_t len;
    switch (c) {
    case '"':
        return ddb_jlex_string(lx, &s);
    case '{':
    case '[': {
        int rc = ddb_jlex_enter(lx, depth);
        if (rc != 0)
            return rc;
        lx->p++;
        bool first = true;
        while ((rc = ddb_jlex_more(lx, c == '{' ? '}' : ']', &first)) == 1) {
            if (c == '{' && ((rc = ddb_jlex_string(lx, &s)) != 0 ||
                             (rc = ddb_jlex_expect(lx, ':', "':'")) != 0))
                return rc;
            if ((rc = skip_value(lx, depth + 1)) != 0)
                return rc;
        }
        return rc;
    }
    case 't':
    case 'f':
        return ddb_jlex_bool(lx, &b);
    case 'n':
        return ddb_jlex_null(lx);
    default:
        return ddb_jlex_number(lx, &text, &len);
    }
}

/* Adds one ConsumedCapacity object to *out. */
static int add_capacity(const ddb_jnode *n, ddb_hook_capacity *out)
{
    static const char *const names[] = {"CapacityUnits", "ReadCapacityUnits",
                                        "WriteCapacityUnits"};
    double *sums[] = {&out->capacity_units, &out->read_capacity_units,
                      &out->write_capacity_units};
    if (ddb_jnode_type(n) != DDB_J_OBJECT)
        return ddb_error_set(DDB_EPROTOCOL, "ConsumedCapacity: expected an object");
    for (size_t i = 0; i < 3; i++) {
        double v = 0;
        int rc = ddb_jnode_double(ddb_jnode_get(n, names[i]), &v);
        if (rc != 0 && rc != DDB_ENOTFOUND)
            return rc;
        *sums[i] += v;
    }
    out->tables++;
    return 0;
}

/* Parses the ConsumedCapacity value at `text` (an object or an array). */
static int read_capacity(const char *text, size_t len, ddb_hook_capacity *out)
{
    ddb_jdoc *doc = NULL;
    int rc = ddb_jdoc_parse(text, len, NULL, &doc);
    if (rc != 0)
        return rc;
    const ddb_jnode *root = ddb_jdoc_root(doc);
    if (ddb_jnode_type(root) == DDB_J_ARRAY) {
        for (const ddb_jnode *e = ddb_jnode_first(root); rc == 0 && e != NULL; e = ddb_jnode_next(e))
            rc = add_capacity(e, out);
    } else {
        rc = add_capacity(root, out);
    }
    ddb_jdoc_free(doc);
    return rc;
}

int ddb_hook_event_capacity(ddb_hook_capacity *out, const ddb_hook_event *ev)
{
    memset(out, 0, sizeof *out);
    if (ev->response_body == NULL || ev->response_len == 0)
        return DDB_ENOTFOUND;
    ddb_jlex lx;
    ddb_jlex_init(&lx, ev->response_body, ev->response_len);
    int rc = ddb_jlex_expect(&lx, '{', "'{'");
    bool first = true;
    bool found = false;
    while (rc == 0 && !found && (rc = ddb_jlex_more(&lx, '}', &first)) == 1) {
        ddb_jstr name;
        if ((rc = ddb_jlex_string(&lx, &name)) != 0 || (rc = ddb_jlex_expect(&lx, ':', "':'")) != 0)
            break;
        ddb_jlex_peek(&lx);
        const char *start = lx.p;
        if ((rc = skip_value(&lx, 1)) != 0)
            break;
        if (name.len == 16 && !name.escaped && memcmp(name.raw, "ConsumedCapacity", 16) == 0) {
            found = true;
            rc = read_capacity(start, (size_t)(lx.p - start), out);
        }
    }
    ddb_jlex_release(&lx);
    if (rc < 0)
        return rc;
    return found ? 0 : DDB_ENOTFOUND;
}
