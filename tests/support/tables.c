/*
 * tables.c - the tables a test process created, so that its teardown deletes
 * exactly those (see ddb_test.h). On an engine shared by every test process,
 * or on DynamoDB itself, a test must never delete a table it did not make,
 * even when its set-up failed half-way.
 */
#include "ddb_test.h"

#include <stdio.h>
#include <string.h>

#define MAX_TABLES 16

typedef struct created_table {
    const ddb_model *model; /* a model's table, or */
    ddb_client *client;     /* a table made with ddb_create_table */
    char name[256];
} created_table;

static created_table created[MAX_TABLES];
static size_t n_created;

static void record(const ddb_model *m, ddb_client *c, const char *name)
{
    if (n_created == MAX_TABLES) {
        fprintf(stderr, "ddbt: more than %d tables created; %s will not be deleted\n", MAX_TABLES, name);
        return;
    }
    created_table *t = &created[n_created++];
    t->model = m;
    t->client = c;
    snprintf(t->name, sizeof t->name, "%s", name);
}

void ddbt_created_model_table(const ddb_model *m)
{
    record(m, NULL, m->table);
}

void ddbt_created_table(ddb_client *c, const char *name)
{
    record(NULL, c, name);
}

int ddbt_create_model_table(const ddb_model *m)
{
    ddb_table_opts wait = {.version = DDB_TABLE_OPTS_VERSION, .wait = true, .timeout_ms = 30000};
    int rc = ddb_model_create_table(m, &wait);
    if (rc == 0)
        ddbt_created_model_table(m);
    return rc;
}

int ddbt_delete_created_tables(void)
{
    int first = 0;
    while (n_created > 0) {
        created_table *t = &created[--n_created];
        int rc;
        if (t->model != NULL) {
            ddb_table_opts wait = {.version = DDB_TABLE_OPTS_VERSION, .wait = true, .timeout_ms = 30000};
            rc = ddb_model_delete_table(t->model, &wait);
        } else {
            ddb_table_name_input in = {t->name};
            ddb_table_output out;
            rc = ddb_delete_table(&out, t->client, &in);
            ddb_table_output_free(&out);
            if (rc == 0)
                rc = ddb_wait_table_deleted(t->client, t->name, 30000);
        }
        if (rc != 0) {
            fprintf(stderr, "ddbt: deleting table %s: %s\n", t->name, ddbt_last_error());
            if (first == 0)
                first = rc;
        }
    }
    return first;
}
