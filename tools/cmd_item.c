/*
 * cmd_item.c - one item at a time: `ddb get`, `put`, `delete`, `update`.
 *
 * Keys and items are plain JSON objects, or DynamoDB JSON with --ddb-json;
 * conditions are DynamoDB expression text with --names/--values, as the
 * AWS CLI's --condition-expression. `update` builds its UpdateExpression
 * from --set PATH=VALUE and --remove PATH with ddb/expr.h (placeholders
 * #n0.., :v0.., so no name needs escaping), or takes one written by hand.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ddb/error.h"
#include "ddb/expr.h"
#include "ddb/json.h"
#include "ddb/table.h"
#include "ddb_cli.h"

/* The parts every write shares. */
typedef struct write_args {
    ddb_client *c;
    ddb_av *target;  /* the item (put) or key */
    ddb_av *names;
    ddb_av *values;
    ddb_return_values ret;
} write_args;

static void write_args_free(write_args *w)
{
    ddb_av_free(w->target);
    ddb_av_free(w->names);
    ddb_av_free(w->values);
    ddb_client_free(w->c);
}

static int parse_return_values(ddb_return_values *out, const cli_opts *o, bool any)
{
    static const struct {
        const char *name;
        ddb_return_values v;
        bool any_only;
    } names[] = {{"NONE", DDB_RETURN_NONE, false},
                 {"ALL_OLD", DDB_RETURN_ALL_OLD, false},
                 {"UPDATED_OLD", DDB_RETURN_UPDATED_OLD, true},
                 {"ALL_NEW", DDB_RETURN_ALL_NEW, true},
                 {"UPDATED_NEW", DDB_RETURN_UPDATED_NEW, true}};
    *out = DDB_RETURN_NONE;
    if (o->return_values == NULL)
        return 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcasecmp(o->return_values, names[i].name) == 0 && (any || !names[i].any_only)) {
            *out = names[i].v;
            return 0;
        }
    }
    return cli_usage(o, "--return-values must be %s, not '%s'",
                     any ? "NONE, ALL_OLD, UPDATED_OLD, ALL_NEW or UPDATED_NEW" : "NONE or ALL_OLD", o->return_values);
}

/* Client, target, names, values, return values; CLI_* on failure (printed). */
static int write_args_init(write_args *w, const cli_opts *o, const char *what, bool any_return)
{
    memset(w, 0, sizeof *w);
    int rc = parse_return_values(&w->ret, o, any_return);
    /* --set/--remove make their own placeholders: the user's serve the
     * expressions written by hand only */
    if (rc == 0 && o->condition == NULL && o->update_expression == NULL && (o->names != NULL || o->values != NULL))
        rc = cli_usage(o, "%s needs an expression that uses it (--condition%s)",
                       o->names != NULL ? "--names" : "--values", any_return ? " or --update-expression" : "");
    if (rc == 0)
        rc = cli_arg_item(&w->target, o, o->args[1], what);
    if (rc == 0)
        rc = cli_arg_names(&w->names, o);
    if (rc == 0)
        rc = cli_arg_values(&w->values, o);
    if (rc == 0 && cli_client_new(&w->c, o, NULL) != 0)
        rc = cli_fail();
    return rc;
}

/* Prints what ReturnValues brought back, if anything. */
static int print_returned(const cli_opts *o, const ddb_av *attrs, const char *operation)
{
    if (attrs == NULL)
        return CLI_OK;
    ddb_buf line = DDB_BUF_INIT;
    int rc = cli_item_line(&line, attrs, o->ddb_json);
    if (rc == 0)
        rc = cli_write(stdout, line.data, line.len, "standard output");
    ddb_buf_free(&line);
    if (rc != 0) {
        char what[96];
        snprintf(what, sizeof what, "%s succeeded, but the attributes it returned cannot be printed", operation);
        return cli_fail_ctx(what);
    }
    return CLI_OK;
}

/* ------------------------------------------------------------ get */

int cmd_get(const cli_opts *o)
{
    if (o->names != NULL && o->projection == NULL)
        return cli_usage(o, "--names needs --projection");
    ddb_av *key = NULL, *names = NULL;
    ddb_client *c = NULL;
    int rc = cli_arg_item(&key, o, o->args[1], "KEY");
    if (rc == 0)
        rc = cli_arg_names(&names, o);
    if (rc == 0 && cli_client_new(&c, o, NULL) != 0)
        rc = cli_fail();
    if (rc == 0) {
        ddb_get_item_input in = DDB_GET_ITEM_INPUT_INIT;
        in.table_name = o->args[0];
        in.key = key;
        in.consistent_read = o->consistent;
        in.projection_expression = o->projection;
        in.names = names;
        ddb_get_item_output out;
        if (ddb_get_item(&out, c, &in) != 0) {
            rc = cli_fail();
        } else if (out.item == NULL) {
            ddb_buf k = DDB_BUF_INIT;
            if (cli_item_line(&k, key, o->ddb_json) != 0) /* a B key, given as DynamoDB JSON */
                cli_item_line(&k, key, true);
            if (k.len > 0)
                k.data[--k.len] = '\0';
            cli_progress_clear();
            fprintf(stderr, "ddb: not found: %s has no item with key %s\n", o->args[0], ddb_buf_cstr(&k));
            ddb_buf_free(&k);
            rc = CLI_NOT_FOUND;
        } else {
            ddb_buf line = DDB_BUF_INIT;
            if (cli_item_line(&line, out.item, o->ddb_json) != 0 ||
                cli_write(stdout, line.data, line.len, "standard output") != 0)
                rc = cli_fail();
            ddb_buf_free(&line);
        }
        ddb_get_item_output_free(&out);
    }
    ddb_av_free(key);
    ddb_av_free(names);
    ddb_client_free(c);
    return rc;
}

/* ------------------------------------------------------------ put, delete */

int cmd_put(const cli_opts *o)
{
    write_args w;
    int rc = write_args_init(&w, o, "ITEM", false);
    if (rc == 0) {
        ddb_put_item_input in = DDB_PUT_ITEM_INPUT_INIT;
        in.table_name = o->args[0];
        in.item = w.target;
        in.condition_expression = o->condition;
        in.names = w.names;
        in.values = w.values;
        in.return_values = w.ret;
        ddb_write_item_output out;
        rc = ddb_put_item(&out, w.c, &in) != 0 ? cli_fail() : print_returned(o, out.attributes, "PutItem");
        ddb_write_item_output_free(&out);
    }
    write_args_free(&w);
    return rc;
}

int cmd_delete(const cli_opts *o)
{
    write_args w;
    int rc = write_args_init(&w, o, "KEY", false);
    if (rc == 0) {
        ddb_delete_item_input in = DDB_DELETE_ITEM_INPUT_INIT;
        in.table_name = o->args[0];
        in.key = w.target;
        in.condition_expression = o->condition;
        in.names = w.names;
        in.values = w.values;
        in.return_values = w.ret;
        ddb_write_item_output out;
        rc = ddb_delete_item(&out, w.c, &in) != 0 ? cli_fail() : print_returned(o, out.attributes, "DeleteItem");
        ddb_write_item_output_free(&out);
    }
    write_args_free(&w);
    return rc;
}

/* ------------------------------------------------------------ update */

/* The VALUE of --set PATH=VALUE: plain JSON (any value), or a DynamoDB
 * JSON value with --ddb-json. */
static int set_value(ddb_av **out, const cli_opts *o, const char *arg, const char *text)
{
    if (o->ddb_json) {
        if (ddb_av_parse_json(out, text, strlen(text)) != 0)
            return cli_usage(o, "--set %s: VALUE is not a DynamoDB JSON value such as {\"S\": \"text\"}: %s", arg,
                             ddb_last_error()->message);
        return 0;
    }
    /* One member of an object is any plain JSON value; the member count
     * check keeps `1, "x": 2` from passing as a value. */
    ddb_buf wrapped = DDB_BUF_INIT;
    ddb_av *m = NULL;
    int rc = ddb_buf_puts(&wrapped, "{\"v\":");
    if (rc == 0)
        rc = ddb_buf_puts(&wrapped, text);
    if (rc == 0)
        rc = ddb_buf_puts(&wrapped, "\n}");
    if (rc != 0)
        rc = cli_fail();
    else if (ddb_item_from_plain_json(&m, wrapped.data, wrapped.len) != 0 || ddb_av_len(m) != 1 ||
             ddb_av_map_get(m, "v") == NULL)
        rc = cli_usage(o,
                       "--set %s: VALUE is not one JSON value (text needs quotes: --set 'name=\"text\"'; "
                       "--ddb-json takes DynamoDB JSON)",
                       arg);
    else if ((*out = ddb_av_map_take(m, "v")) == NULL)
        rc = cli_fail();
    ddb_av_free(m);
    ddb_buf_free(&wrapped);
    return rc;
}

static ddb_update *add_action(ddb_update *all, ddb_update *one)
{
    return all == NULL ? one : ddb_update_join(all, one);
}

/* --set/--remove as an UpdateExpression in `expr` with its placeholders in
 * ctx. */
static int build_update(ddb_buf *expr, ddb_expr_ctx *ctx, const cli_opts *o)
{
    ddb_update *u = NULL;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < o->set.n; i++) {
        const char *arg = o->set.v[i];
        const char *eq = strchr(arg, '=');
        if (eq == NULL || eq == arg) {
            rc = cli_usage(o, "--set takes PATH=VALUE, not '%s'", arg);
            break;
        }
        char *path = strndup(arg, (size_t)(eq - arg));
        ddb_av *value = NULL;
        if (path == NULL)
            rc = cli_failf("out of memory");
        else if ((rc = set_value(&value, o, arg, eq + 1)) == 0)
            u = add_action(u, ddb_update_set(path, value));
        free(path);
    }
    for (size_t i = 0; rc == 0 && i < o->remove.n; i++)
        u = add_action(u, ddb_update_remove(o->remove.v[i]));
    if (rc == 0) {
        int r = ddb_expr_render_update(expr, ctx, u);
        if (r == DDB_ENOMEM)
            rc = cli_fail();
        else if (r != 0)
            rc = cli_usage(o, "--set/--remove: %s", ddb_last_error()->message);
    }
    ddb_update_free(u);
    return rc;
}

/* Adds the user's placeholders to the generated ones, refusing clashes. */
static int merge_placeholders(ddb_av **into, const ddb_av *from, const cli_opts *o, const char *option)
{
    if (from == NULL)
        return 0;
    if (*into == NULL && (*into = ddb_av_new(DDB_AV_M)) == NULL)
        return cli_fail();
    for (size_t i = 0; i < from->u.map.len; i++) {
        const ddb_av_member *m = &from->u.map.items[i];
        if (ddb_av_map_get(*into, m->name) != NULL)
            return cli_usage(o,
                             "%s: placeholder %s is also one of --set/--remove's (#n0, #n1, ..., :v0, :v1, ...); "
                             "use another name",
                             option, m->name);
        if (ddb_av_map_set_len(*into, m->name, m->name_len, ddb_av_clone(m->value)) != 0)
            return cli_fail();
    }
    return 0;
}

int cmd_update(const cli_opts *o)
{
    if (o->update_expression != NULL && o->set.n + o->remove.n > 0)
        return cli_usage(o, "--update-expression replaces --set and --remove: give one or the other");
    if (o->update_expression == NULL && o->set.n + o->remove.n == 0)
        return cli_usage(o, "update needs --set PATH=VALUE or --remove PATH (or --update-expression)");
    write_args w;
    ddb_buf expr = DDB_BUF_INIT;
    ddb_expr_ctx ctx = DDB_EXPR_CTX_INIT;
    int rc = write_args_init(&w, o, "KEY", true);
    if (rc == 0 && o->update_expression == NULL) {
        rc = build_update(&expr, &ctx, o);
        if (rc == 0)
            rc = merge_placeholders(&ctx.names, w.names, o, "--names");
        if (rc == 0)
            rc = merge_placeholders(&ctx.values, w.values, o, "--values");
    }
    if (rc == 0) {
        bool built = o->update_expression == NULL;
        ddb_update_item_input in = DDB_UPDATE_ITEM_INPUT_INIT;
        in.table_name = o->args[0];
        in.key = w.target;
        in.update_expression = built ? ddb_buf_cstr(&expr) : o->update_expression;
        in.condition_expression = o->condition;
        in.names = built ? ctx.names : w.names;
        in.values = built ? ctx.values : w.values;
        in.return_values = w.ret;
        ddb_write_item_output out;
        rc = ddb_update_item(&out, w.c, &in) != 0 ? cli_fail() : print_returned(o, out.attributes, "UpdateItem");
        ddb_write_item_output_free(&out);
    }
    ddb_expr_ctx_free(&ctx);
    ddb_buf_free(&expr);
    write_args_free(&w);
    return rc;
}
