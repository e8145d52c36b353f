/* ddb_test.c - shared test helpers (see ddb_test.h). */
#include "ddb_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int ddbt_local_client(ddb_client **out, const char *key_prefix, void (*sleep_ms)(void *, uint32_t),
                      void *ctx)
{
    const char *endpoint = getenv("DDB_TEST_ENDPOINT");
    if (endpoint == NULL || *endpoint == '\0') {
        fprintf(stderr, "DDB_TEST_ENDPOINT is not set: start DynamoDB Local (scripts/test.sh does)\n");
        return -1;
    }
    char key_id[96];
    snprintf(key_id, sizeof key_id, "%s%ld", key_prefix, (long)getpid());
    ddb_credentials_provider *creds;
    if (ddb_creds_static_new(&creds, key_id, "secret", NULL) != 0)
        return -1;
    ddb_client_config cfg = DDB_CLIENT_CONFIG_INIT;
    cfg.endpoint = endpoint;
    cfg.region = "us-east-1";
    cfg.credentials = creds;
    cfg.retry.sleep_ms = sleep_ms;
    cfg.retry.ctx = ctx;
    if (ddb_client_new(out, &cfg) != 0) {
        fprintf(stderr, "client: %s\n", ddbt_last_error());
        ddb_credentials_provider_free(creds);
        return -1;
    }
    return 0;
}

const char *ddbt_last_error(void)
{
    static _Thread_local char line[2048];
    return ddb_error_format(ddb_last_error(), line, sizeof line);
}
