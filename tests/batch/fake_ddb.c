/* fake_ddb.c - see fake_ddb.h. */
#include "fake_ddb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Key attributes of the tables the tests use. */
static const struct {
    const char *table;
    const char *keys[2];
} key_schemas[] = {
    {"BatchItem", {"sku", NULL}},
    {"BatchOrder", {"customer", "line"}},
    {"BatchDoc", {"id", NULL}},
};

static const char *const *table_keys(const char *table)
{
    for (size_t i = 0; i < sizeof key_schemas / sizeof key_schemas[0]; i++) {
        if (strcmp(key_schemas[i].table, table) == 0)
            return key_schemas[i].keys;
    }
    return NULL;
}

/* Canonical text of the key of `item` in `table` (malloc'ed); NULL when
 * the table is unknown or a key attribute is missing. */
static char *key_text(const char *table, const json_t *item)
{
    const char *const *keys = table_keys(table);
    if (keys == NULL)
        return NULL;
    json_t *k = json_object();
    for (size_t i = 0; i < 2 && keys[i] != NULL; i++) {
        json_t *v = json_object_get(item, keys[i]);
        if (v == NULL) {
            json_decref(k);
            return NULL;
        }
        json_object_set(k, keys[i], v);
    }
    char *text = json_dumps(k, JSON_SORT_KEYS | JSON_COMPACT);
    json_decref(k);
    return text;
}

static json_t *table_of(fake_ddb *f, const char *table)
{
    json_t *t = json_object_get(f->tables, table);
    if (t == NULL) {
        t = json_object();
        json_object_set_new(f->tables, table, t);
    }
    return t;
}

static void store_put(fake_ddb *f, const char *table, json_t *item)
{
    char *k = key_text(table, item);
    if (k != NULL)
        json_object_set(table_of(f, table), k, item);
    free(k);
}

static void store_delete(fake_ddb *f, const char *table, const json_t *key)
{
    char *k = key_text(table, key);
    if (k != NULL)
        json_object_del(table_of(f, table), k);
    free(k);
}

static json_t *store_get(const fake_ddb *f, const char *table, const json_t *key)
{
    char *k = key_text(table, key);
    json_t *t = json_object_get(f->tables, table);
    json_t *item = k != NULL && t != NULL ? json_object_get(t, k) : NULL;
    free(k);
    return item;
}

void fake_put_json(fake_ddb *f, const char *table, const char *item_json)
{
    json_t *item = json_loads(item_json, 0, NULL);
    store_put(f, table, item);
    json_decref(item);
}

json_t *fake_get(const fake_ddb *f, const char *table, const char *key_json)
{
    json_t *key = json_loads(key_json, 0, NULL);
    json_t *item = store_get(f, table, key);
    json_decref(key);
    return item;
}

size_t fake_size(const fake_ddb *f, const char *table)
{
    return json_object_size(json_object_get(f->tables, table));
}

/* A 400 error body of AWS type `type`. */
static char *error_body(long *status, const char *type, const char *message)
{
    *status = 400;
    json_t *e = json_pack("{s:s, s:s}", "__type", type, "message", message);
    char *text = json_dumps(e, JSON_COMPACT);
    json_decref(e);
    return text;
}

/* One write request flattened: its table and the request object. */
typedef struct wreq {
    const char *table;
    json_t *req;
} wreq;

static json_t *request_key(const wreq *w)
{
    json_t *put = json_object_get(w->req, "PutRequest");
    return put != NULL ? json_object_get(put, "Item")
                       : json_object_get(json_object_get(w->req, "DeleteRequest"), "Key");
}

/* Whether two requests of the call name the same item (DynamoDB refuses). */
static bool has_duplicates(const wreq *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n; j++) {
            if (strcmp(r[i].table, r[j].table) != 0)
                continue;
            char *a = key_text(r[i].table, request_key(&r[i]));
            char *b = key_text(r[j].table, request_key(&r[j]));
            bool same = a != NULL && b != NULL && strcmp(a, b) == 0;
            free(a);
            free(b);
            if (same)
                return true;
        }
    }
    return false;
}

static char *batch_write(fake_ddb *f, json_t *in, long *status)
{
    wreq r[64];
    size_t n = 0;
    const char *table;
    json_t *list;
    json_object_foreach(json_object_get(in, "RequestItems"), table, list) {
        size_t i;
        json_t *req;
        json_array_foreach(list, i, req) {
            if (n == 64)
                break;
            r[n++] = (wreq){table, req};
        }
    }
    if (n > 25)
        return error_body(status, "com.amazon.coral.validate#ValidationException",
                          "Too many items requested for the BatchWriteItem call");
    if (has_duplicates(r, n))
        return error_body(status, "com.amazon.coral.validate#ValidationException",
                          "Provided list of item keys contains duplicates");
    size_t unprocessed = 0;
    if (f->write_unprocessed_calls > 0) {
        f->write_unprocessed_calls--;
        unprocessed = f->write_unprocessed < n ? f->write_unprocessed : n;
    }
    json_t *un = json_object();
    for (size_t i = 0; i < n; i++) {
        if (i >= n - unprocessed) {
            json_t *l = json_object_get(un, r[i].table);
            if (l == NULL)
                json_object_set_new(un, r[i].table, l = json_array());
            json_array_append(l, r[i].req);
            continue;
        }
        json_t *put = json_object_get(r[i].req, "PutRequest");
        if (put != NULL)
            store_put(f, r[i].table, json_object_get(put, "Item"));
        else
            store_delete(f, r[i].table, request_key(&r[i]));
    }
    json_t *out = json_pack("{s:o}", "UnprocessedItems", un);
    char *text = json_dumps(out, JSON_COMPACT);
    json_decref(out);
    return text;
}

static char *batch_get(fake_ddb *f, json_t *in, long *status)
{
    size_t total = 0, budget = SIZE_MAX;
    const char *table;
    json_t *spec;
    json_object_foreach(json_object_get(in, "RequestItems"), table, spec) {
        json_t *keys = json_object_get(spec, "Keys");
        total += json_array_size(keys);
        for (size_t i = 0; i < json_array_size(keys); i++) {
            for (size_t j = i + 1; j < json_array_size(keys); j++) {
                char *a = key_text(table, json_array_get(keys, i));
                char *b = key_text(table, json_array_get(keys, j));
                bool same = a != NULL && b != NULL && strcmp(a, b) == 0;
                free(a);
                free(b);
                if (same)
                    return error_body(status, "com.amazon.coral.validate#ValidationException",
                                      "Provided list of item keys contains duplicates");
            }
        }
    }
    if (total > 100)
        return error_body(status, "com.amazon.coral.validate#ValidationException",
                          "Too many items requested for the BatchGetItem call");
    if (f->get_limited_calls > 0) {
        f->get_limited_calls--;
        budget = f->get_max;
    }
    json_t *resp = json_object(), *un = json_object();
    json_object_foreach(json_object_get(in, "RequestItems"), table, spec) {
        json_t *found = json_array(), *left = json_array();
        size_t i;
        json_t *key;
        json_array_foreach(json_object_get(spec, "Keys"), i, key) {
            if (budget == 0) {
                json_array_append(left, key);
                continue;
            }
            budget--;
            json_t *item = store_get(f, table, key);
            if (item != NULL)
                json_array_append(found, item);
        }
        json_object_set_new(resp, table, found);
        if (json_array_size(left) > 0)
            json_object_set_new(un, table, json_pack("{s:o}", "Keys", left));
        else
            json_decref(left);
    }
    json_t *out = json_pack("{s:o, s:o}", "Responses", resp, "UnprocessedKeys", un);
    char *text = json_dumps(out, JSON_COMPACT);
    json_decref(out);
    return text;
}

static char *transact_write(fake_ddb *f, json_t *in, long *status)
{
    if (f->cancel_body != NULL) {
        *status = 400;
        return strdup(f->cancel_body);
    }
    size_t i;
    json_t *action;
    json_array_foreach(json_object_get(in, "TransactItems"), i, action) {
        json_t *put = json_object_get(action, "Put");
        json_t *del = json_object_get(action, "Delete");
        json_t *upd = json_object_get(action, "Update");
        if (put != NULL)
            store_put(f, json_string_value(json_object_get(put, "TableName")),
                      json_object_get(put, "Item"));
        else if (del != NULL)
            store_delete(f, json_string_value(json_object_get(del, "TableName")),
                         json_object_get(del, "Key"));
        else if (upd != NULL) {
            const char *t = json_string_value(json_object_get(upd, "TableName"));
            json_t *key = json_object_get(upd, "Key");
            if (store_get(f, t, key) == NULL)
                store_put(f, t, key); /* UpdateItem creates the item; expressions not evaluated */
        }
    }
    return strdup("{}");
}

static char *transact_get(fake_ddb *f, json_t *in, long *status)
{
    if (f->cancel_body != NULL) {
        *status = 400;
        return strdup(f->cancel_body);
    }
    json_t *resp = json_array();
    size_t i;
    json_t *action;
    json_array_foreach(json_object_get(in, "TransactItems"), i, action) {
        json_t *get = json_object_get(action, "Get");
        json_t *item = store_get(f, json_string_value(json_object_get(get, "TableName")),
                                 json_object_get(get, "Key"));
        json_array_append_new(resp, item != NULL ? json_pack("{s:O}", "Item", item) : json_object());
    }
    json_t *out = json_pack("{s:o}", "Responses", resp);
    char *text = json_dumps(out, JSON_COMPACT);
    json_decref(out);
    return text;
}

static void record(fake_ddb *f, const char *op, const char *body, size_t len)
{
    if (f->n_requests == f->cap_requests) {
        f->cap_requests = f->cap_requests != 0 ? f->cap_requests * 2 : 16;
        f->ops = realloc(f->ops, f->cap_requests * sizeof *f->ops);
        f->bodies = realloc(f->bodies, f->cap_requests * sizeof *f->bodies);
    }
    f->ops[f->n_requests] = strdup(op);
    f->bodies[f->n_requests] = strndup(body, len);
    f->n_requests++;
}

static int fake_send(ddb_transport *self, const ddb_http_request *req, ddb_http_response *resp)
{
    fake_ddb *f = (fake_ddb *)self;
    const char *op = "";
    for (size_t i = 0; i < req->n_headers; i++) {
        if (strcmp(req->headers[i].name, "X-Amz-Target") == 0) {
            const char *dot = strchr(req->headers[i].value, '.');
            op = dot != NULL ? dot + 1 : req->headers[i].value;
        }
    }
    record(f, op, req->body, req->body_len);
    long status = 200;
    char *body;
    if (f->errors > 0) {
        f->errors--;
        status = f->error_status;
        body = strdup(f->error_body);
    } else {
        json_t *in = json_loadb(req->body, req->body_len, 0, NULL);
        if (strcmp(op, "BatchWriteItem") == 0)
            body = batch_write(f, in, &status);
        else if (strcmp(op, "BatchGetItem") == 0)
            body = batch_get(f, in, &status);
        else if (strcmp(op, "TransactWriteItems") == 0)
            body = transact_write(f, in, &status);
        else if (strcmp(op, "TransactGetItems") == 0)
            body = transact_get(f, in, &status);
        else
            body = error_body(&status, "com.amazon.coral.service#UnknownOperationException", op);
        json_decref(in);
    }
    resp->status = status;
    int rc = ddb_buf_puts(&resp->body, body);
    free(body);
    return rc;
}

void fake_init(fake_ddb *f)
{
    memset(f, 0, sizeof *f);
    f->base.send = fake_send;
    f->base.destroy = NULL;
    f->tables = json_object();
}

void fake_reset(fake_ddb *f)
{
    for (size_t i = 0; i < f->n_requests; i++) {
        free(f->ops[i]);
        free(f->bodies[i]);
    }
    f->n_requests = 0;
    json_object_clear(f->tables);
    f->write_unprocessed_calls = 0;
    f->write_unprocessed = 0;
    f->get_limited_calls = 0;
    f->get_max = 0;
    f->errors = 0;
    f->cancel_body = NULL;
}

void fake_free(fake_ddb *f)
{
    fake_reset(f);
    free(f->ops);
    free(f->bodies);
    json_decref(f->tables);
}

size_t fake_count(const fake_ddb *f, const char *op)
{
    size_t n = 0;
    for (size_t i = 0; i < f->n_requests; i++)
        n += strcmp(f->ops[i], op) == 0;
    return n;
}

json_t *fake_request(const fake_ddb *f, size_t i)
{
    return i < f->n_requests ? json_loads(f->bodies[i], 0, NULL) : NULL;
}
