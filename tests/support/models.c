/*
 * models.c - models bound to a test's client, and the set-up and teardown
 * of their tables (see ddb_test.h). Apart from engine.c and tables.c, which
 * programs without the model runtime link too.
 */
#include "ddb_test.h"

#include <stdio.h>

void ddbt_use_client(ddb_client *c, const ddb_model *const *models, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ddb_model_use_client(models[i], c);
}

int ddbt_models_client(ddb_client **out, const char *key_prefix, const ddb_model *const *models,
                       size_t n)
{
    if (ddbt_local_client(out, key_prefix, NULL, NULL) != 0)
        return -1;
    ddbt_use_client(*out, models, n);
    return 0;
}

int ddbt_create_model_tables(const ddb_model *const *models, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (ddbt_create_model_table(models[i]) != 0) {
            fprintf(stderr, "create_table: %s\n", ddbt_last_error());
            return -1;
        }
    }
    return 0;
}

int ddbt_models_teardown(ddb_client *c, const ddb_model *const *models, size_t n)
{
    int rc = ddbt_delete_created_tables(); /* through the models' client: before unbinding */
    ddbt_use_client(NULL, models, n);
    ddb_client_free(c);
    ddb_ops_thread_cleanup();
    return rc;
}
