/*
 * fake_ddb.h - an in-memory stand-in for DynamoDB behind the transport
 * seam, for the batch and transaction unit tests: it keeps items per
 * table, answers BatchWriteItem, BatchGetItem, TransactWriteItems and
 * TransactGetItems the way DynamoDB does (including refusing duplicate
 * keys and oversized batches), records every request, and has knobs that
 * inject unprocessed work, whole-request errors and cancellations.
 */
#ifndef FAKE_DDB_H
#define FAKE_DDB_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "ddb/ddb.h"

typedef struct fake_ddb {
    ddb_transport base;
    json_t *tables; /* {"Table": {"<key json>": item}} */

    /* BatchWriteItem: the next `write_unprocessed_calls` calls leave their
     * last `write_unprocessed` requests unprocessed (not applied). */
    unsigned write_unprocessed_calls;
    size_t write_unprocessed;
    /* BatchGetItem: the next `get_limited_calls` calls process at most
     * `get_max` keys; the rest come back as UnprocessedKeys. */
    unsigned get_limited_calls;
    size_t get_max;
    /* The next `errors` calls answer `error_status` with `error_body`. */
    unsigned errors;
    long error_status;
    const char *error_body;
    /* TransactWriteItems / TransactGetItems answer 400 with this body. */
    const char *cancel_body;

    /* Requests received: X-Amz-Target operation names and bodies. */
    char **ops;
    char **bodies;
    size_t n_requests, cap_requests;
} fake_ddb;

/* Sets up the fake (empty store, no knobs). */
void fake_init(fake_ddb *f);
/* Forgets requests, knobs and items. */
void fake_reset(fake_ddb *f);
void fake_free(fake_ddb *f);

/* Number of requests of operation `op` ("BatchWriteItem", ...). */
size_t fake_count(const fake_ddb *f, const char *op);
/* Request `i` parsed (new reference; json_decref it). */
json_t *fake_request(const fake_ddb *f, size_t i);
/* Stores an item given as DynamoDB item-form JSON text into `table`. */
void fake_put_json(fake_ddb *f, const char *table, const char *item_json);
/* The stored item of `table` whose key is `key_json` (item form, e.g.
 * {"sku":{"S":"a"}}), borrowed; NULL when absent. */
json_t *fake_get(const fake_ddb *f, const char *table, const char *key_json);
/* Number of items stored in `table`. */
size_t fake_size(const fake_ddb *f, const char *table);

#endif /* FAKE_DDB_H */
