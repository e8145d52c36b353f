/*
 * cmd_table.c - `ddb list-tables` and `ddb describe TABLE`, indented JSON:
 * {"TableNames": [...]} of every page, and DescribeTable's answer as AWS
 * sent it with DescribeTimeToLive's TimeToLiveDescription beside Table.
 */
#include <stdlib.h>
#include <string.h>

#include "ddb/error.h"
#include "ddb_cli.h"

int cmd_list_tables(const cli_opts *o)
{
    ddb_client *c = NULL;
    if (cli_client_new(&c, o, NULL) != 0)
        return cli_fail();
    ddb_buf json = DDB_BUF_INIT;
    int rc = ddb_buf_puts(&json, "{\"TableNames\":[");
    char *start = NULL;
    size_t n = 0;
    do {
        ddb_list_tables_input in = DDB_LIST_TABLES_INPUT_INIT;
        in.exclusive_start_table_name = start;
        ddb_list_tables_output out;
        if (rc == 0)
            rc = ddb_list_tables(&out, c, &in);
        else
            memset(&out, 0, sizeof out);
        for (size_t i = 0; rc == 0 && i < out.n_table_names; i++) {
            if (n++ != 0)
                rc = ddb_buf_putc(&json, ',');
            if (rc == 0)
                rc = cli_json_str(&json, out.table_names[i]);
        }
        free(start);
        start = NULL;
        if (rc == 0 && out.last_evaluated_table_name != NULL &&
            (start = strdup(out.last_evaluated_table_name)) == NULL)
            rc = ddb_error_set(DDB_ENOMEM, "out of memory");
        ddb_list_tables_output_free(&out);
    } while (rc == 0 && start != NULL);
    if (rc == 0)
        rc = ddb_buf_puts(&json, "]}");
    if (rc == 0)
        rc = cli_write_pretty(stdout, json.data, json.len);
    ddb_buf_free(&json);
    ddb_client_free(c);
    return rc == 0 ? CLI_OK : cli_fail();
}

/* ------------------------------------------------------------ describe */

/* The members of a JSON object's text, without its braces: what lies
 * between the first '{' and the last '}' (the text is the service's
 * answer, a JSON object). Empty when there is nothing between them. */
static int object_members(const char **start, size_t *len, const ddb_buf *body, const char *operation)
{
    const char *open = memchr(body->data != NULL ? body->data : "", '{', body->len);
    const char *close = body->len > 0 ? body->data + body->len : NULL;
    while (close != NULL && close > body->data && close[-1] != '}')
        close--;
    if (open == NULL || close == NULL || close - 1 <= open)
        return ddb_error_set(DDB_EPROTOCOL, "%s: the answer is not a JSON object", operation);
    *start = open + 1;
    *len = (size_t)(close - 1 - (open + 1));
    return 0;
}

int cmd_describe(const cli_opts *o)
{
    ddb_client *c = NULL;
    if (cli_client_new(&c, o, NULL) != 0)
        return cli_fail();
    /* AWS's own answers, printed as they came: every member, also those
     * libddb does not model (SSE, table class, replicas, ...) */
    ddb_buf req = DDB_BUF_INIT, table = DDB_BUF_INIT, ttl = DDB_BUF_INIT, out = DDB_BUF_INIT;
    int rc = ddb_buf_puts(&req, "{\"TableName\":");
    if (rc == 0)
        rc = cli_json_str(&req, o->args[0]);
    if (rc == 0)
        rc = ddb_buf_putc(&req, '}');
    if (rc == 0)
        rc = ddb_client_call(&table, c, "DescribeTable", o->args[0], req.data, req.len);
    /* TTL is another call; a principal without DescribeTimeToLive still
     * gets the table (the member is left out) */
    bool has_ttl = rc == 0 && ddb_client_call(&ttl, c, "DescribeTimeToLive", o->args[0], req.data, req.len) == 0;
    const char *members = NULL, *ttl_members = NULL;
    size_t len = 0, ttl_len = 0;
    if (rc == 0)
        rc = object_members(&members, &len, &table, "DescribeTable");
    if (rc == 0 && has_ttl && object_members(&ttl_members, &ttl_len, &ttl, "DescribeTimeToLive") != 0)
        has_ttl = false;
    if (rc == 0)
        rc = ddb_buf_putc(&out, '{');
    if (rc == 0)
        rc = ddb_buf_append(&out, members, len);
    if (rc == 0 && has_ttl && ttl_len > 0) {
        rc = len > 0 ? ddb_buf_putc(&out, ',') : 0;
        if (rc == 0)
            rc = ddb_buf_append(&out, ttl_members, ttl_len);
    }
    if (rc == 0)
        rc = ddb_buf_putc(&out, '}');
    if (rc == 0)
        rc = cli_write_pretty(stdout, out.data, out.len);
    ddb_buf_free(&req);
    ddb_buf_free(&table);
    ddb_buf_free(&ttl);
    ddb_buf_free(&out);
    ddb_client_free(c);
    return rc == 0 ? CLI_OK : cli_fail();
}
