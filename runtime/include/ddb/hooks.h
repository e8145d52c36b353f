/*
 * ddb/hooks.h - request hooks: callbacks before and after every DynamoDB
 * request (PynamoDB's pre_dynamodb_send / post_dynamodb_send signals).
 *
 *     static void after(const ddb_hook_event *ev, void *payload)
 *     {
 *         printf("%s %s: %s in %.3f ms (%u attempts, request id %s)\n", ev->operation,
 *                ev->table, ddb_code_name(ev->code), ev->latency_ns / 1e6, ev->attempts,
 *                ev->request_id);
 *     }
 *     ddb_client_add_hook(client, NULL, after, NULL);    // this client only
 *     ddb_global_add_hook(NULL, after, NULL);            // every client
 *
 * A "request" is one DynamoDB API call as the client sends it
 * (ddb_client_call: every low-level operation, hence every generated
 * operation, page of a query or scan, batch and waiter poll), whatever
 * the number of HTTP attempts its retries take. For each request the
 * before hooks run just before the first attempt and the after hooks just
 * after the last one, on the calling thread:
 *   before: process-wide hooks, then the client's, each in registration
 *           order;
 *   after:  the client's, then the process-wide ones, each in reverse
 *           registration order (so hooks nest like middleware).
 * A request sees the hooks registered when it started: every hook whose
 * before function ran gets its after call, even if it is removed
 * meanwhile. The after hooks run for failures too (code != 0), including
 * failures before anything was sent (credentials).
 *
 * Rules for hook functions:
 *   - A hook may make libddb requests, on any client (e.g. write an audit
 *     item). Requests made from inside a hook run without hooks, so hooks
 *     never recurse. The event's request and response stay valid (they
 *     are the hooked request's own copies).
 *   - A hook may add or remove hooks: no lock is held while hooks run.
 *   - The thread's last error (ddb_last_error) is saved before the hooks
 *     and restored after them, so a hook cannot change what the caller
 *     sees.
 *   - Hooks should be quick: they run inside the caller's request, on its
 *     thread.
 *
 * Cost: with no hook registered anywhere in the process, a request pays
 * one relaxed atomic load and a branch. With hooks registered, a request
 * takes the registries' locks briefly (never while a hook runs), copies
 * its body once, reads the monotonic clock twice, and saves the last
 * error around the hooks.
 *
 * Thread safety: every function is safe to call from any thread, also from
 * inside a hook. Registration is copy-on-write: a request takes a
 * reference to the current list and releases it when it ends.
 */
#ifndef DDB_HOOKS_H
#define DDB_HOOKS_H

#include "ddb/export.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ddb/client.h"
#include "ddb/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * What a hook sees. Everything is borrowed for the duration of the hook
 * call only; copy what you keep. The outcome fields are zero / "" in the
 * before call.
 */
typedef struct ddb_hook_event {
    ddb_client *client;         /* the client sending the request */
    const char *operation;      /* e.g. "PutItem" */
    const char *table;          /* the table; "" for multi-table operations */
    const char *request_body;   /* the JSON request sent (not NUL-terminated) */
    size_t request_len;
    /* ---- after only ---- */
    int code;                   /* 0 or the DDB_E* the request returns */
    long http_status;           /* of the last attempt; 0 when none arrived */
    const char *aws_type;       /* e.g. "ConditionalCheckFailedException"; "" if none */
    const char *request_id;     /* x-amzn-RequestId of the last attempt; "" if none */
    unsigned attempts;          /* HTTP attempts made (0: failed before sending) */
    uint64_t latency_ns;        /* first attempt start to last attempt end,
                                   retries and back-off included, hooks excluded */
    const char *response_body;  /* the final response (success or AWS error body) */
    size_t response_len;        /*   (not NUL-terminated; empty when none) */
    const ddb_error *error;     /* the request's error detail; NULL on success */
} ddb_hook_event;

typedef void (*ddb_hook_fn)(const ddb_hook_event *ev, void *payload);

/*
 * Registers a hook on one client: `before` and/or `after` (either may be
 * NULL, not both) with `payload` passed back to them. The same triple may
 * be registered twice (it then runs twice). Returns 0, DDB_EINVAL (NULL
 * client, both functions NULL) or DDB_ENOMEM. The registration ends with
 * ddb_client_remove_hook or ddb_client_free.
 */
DDB_API int ddb_client_add_hook(ddb_client *c, ddb_hook_fn before, ddb_hook_fn after, void *payload);

/*
 * Removes one registration of exactly this (before, after, payload) triple
 * (the most recent one if there are several). Requests that start later do
 * not call it. When it returns, no request on another thread is still
 * running or about to run the hook, so `payload` may be freed — except
 * when it is called from inside a request (a hook, a credentials provider
 * or a transport): it then returns at once, without waiting, since the
 * caller's own request may be what holds the hook; requests in flight
 * elsewhere may still call the hook once more. Do not call it while
 * holding a lock that a running hook may wait for.
 * Returns 0, DDB_ENOTFOUND (no such registration), DDB_EINVAL (NULL
 * client) or DDB_ENOMEM (the registration stays; retry).
 */
DDB_API int ddb_client_remove_hook(ddb_client *c, ddb_hook_fn before, ddb_hook_fn after, void *payload);

/* As ddb_client_add_hook / ddb_client_remove_hook, for hooks that run for
 * every request of every client of the process. Process-wide hooks stay
 * registered until removed. */
DDB_API int ddb_global_add_hook(ddb_hook_fn before, ddb_hook_fn after, void *payload);
DDB_API int ddb_global_remove_hook(ddb_hook_fn before, ddb_hook_fn after, void *payload);

/* ConsumedCapacity of a response, summed over its tables (BatchWriteItem,
 * BatchGetItem and transactions report one entry per table). */
typedef struct ddb_hook_capacity {
    double capacity_units;
    double read_capacity_units;
    double write_capacity_units;
    size_t tables;              /* entries summed */
} ddb_hook_capacity;

/*
 * Reads ConsumedCapacity from the response of an after event. DynamoDB
 * returns it only when the request asked for it (ReturnConsumedCapacity,
 * e.g. `return_consumed_capacity = DDB_CAPACITY_TOTAL` in ddb/ops.h).
 * Parsed on demand, so hooks that do not call it pay nothing: one pass
 * over the response body that builds nothing (the top-level members are
 * skipped, not parsed), and a small parse of the ConsumedCapacity value.
 * Returns 0, DDB_ENOTFOUND (no ConsumedCapacity, a before event, or a
 * failed request; nothing recorded) or DDB_EPROTOCOL (malformed;
 * recorded — call it from a hook only, where the last error is restored
 * afterwards anyway). Reentrant.
 */
DDB_API int ddb_hook_event_capacity(ddb_hook_capacity *out, const ddb_hook_event *ev);

#ifdef __cplusplus
}
#endif

#endif /* DDB_HOOKS_H */
