/*
 * hooks_internal.h - INTERNAL to libddb: the seam between the client
 * (client.c) and the request hooks (hooks.c). Not installed.
 *
 * ddb_client_call dispatches on ddb_hooks_idle(): when no hook is
 * registered anywhere and none is running, it calls
 * ddb_client_call_unhooked directly (one relaxed atomic load and a
 * branch); otherwise ddb_hooks_call wraps the request in the hooks.
 */
#ifndef DDB_HOOKS_INTERNAL_H
#define DDB_HOOKS_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "ddb/buf.h"
#include "ddb/client.h"
#include "ddb/transport.h"

/* Hook registrations in the process (all clients and the global list)
 * plus requests currently holding hook lists. Zero: nothing to do. */
extern _Atomic unsigned long ddb_hooks_busy;

static inline bool ddb_hooks_idle(void)
{
    return atomic_load_explicit(&ddb_hooks_busy, memory_order_relaxed) == 0;
}

/* One client's registrations (hooks.c); created by the first
 * ddb_client_add_hook, freed by ddb_client_free. */
typedef struct ddb_hook_registry ddb_hook_registry;

/* Frees a client's registry (NULL-safe); no request may be in flight. */
void ddb_hook_registry_free(ddb_hook_registry *r);

/* What the after hooks need from the client about a finished call. */
typedef struct ddb_call_outcome {
    long http_status;                           /* of the last attempt; 0: none */
    unsigned attempts;                          /* HTTP attempts made */
    char request_id[DDB_HTTP_HEADER_VALUE_MAX]; /* of the last attempt; "" */
} ddb_call_outcome;

/* client.c: the client's registry slot. */
_Atomic(ddb_hook_registry *) *ddb_client_hook_slot(ddb_client *c);

/* client.c: ddb_client_call without hooks; fills `outcome` (may be NULL). */
int ddb_client_call_unhooked(ddb_client *c, const char *operation, const char *table,
                             const char *body, size_t body_len, ddb_buf *resp,
                             ddb_call_outcome *outcome);

/* hooks.c: ddb_client_call with the hooks that apply to it. */
int ddb_hooks_call(ddb_client *c, const char *operation, const char *table, const char *body,
                   size_t body_len, ddb_buf *resp);

#endif /* DDB_HOOKS_INTERNAL_H */
