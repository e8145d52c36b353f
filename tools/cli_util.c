/*
 * cli_util.c - what the commands of `ddb` share: messages and exit codes,
 * clients from the global options, arguments (JSON text, '-', @FILE),
 * items in plain JSON or DynamoDB JSON, pretty-printed JSON.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ddb/creds.h"
#include "ddb/error.h"
#include "ddb/json.h"
#include "ddb/table.h"
#include "ddb_cli.h"

/* ------------------------------------------------------------ messages */

static void vmessage(const char *kind, const char *fmt, va_list ap) CLI_PRINTF(2, 0);
static void vmessage(const char *kind, const char *fmt, va_list ap)
{
    cli_progress_clear();
    fprintf(stderr, "ddb: %s", kind);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

static void message(const char *kind, const char *fmt, ...) CLI_PRINTF(2, 3);
static void message(const char *kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage(kind, fmt, ap);
    va_end(ap);
}

int cli_fail(void)
{
    return cli_fail_ctx(NULL);
}

int cli_fail_ctx(const char *what)
{
    char text[DDB_ERR_MESSAGE_MAX + DDB_ERR_TYPE_MAX + DDB_ERR_REQUEST_ID_MAX + DDB_ERR_OPERATION_MAX +
              DDB_ERR_TABLE_MAX + 128];
    const ddb_error *e = ddb_last_error();
    if (e->code == 0)
        snprintf(text, sizeof text, "failed (no detail recorded)");
    else if (e->code == DDB_ETYPE && e->operation[0] == '\0' && e->http_status == 0)
        snprintf(text, sizeof text, "%s", e->message); /* plain JSON's refusal: no "type error: " */
    else
        ddb_error_format(text, sizeof text, e);
    message("error: ", "%s%s%s", what != NULL ? what : "", what != NULL ? ": " : "", text);
    return CLI_FAILED;
}

int cli_failf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage("error: ", fmt, ap);
    va_end(ap);
    return CLI_FAILED;
}

int cli_usage(const cli_opts *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage("usage: ", fmt, ap);
    va_end(ap);
    if (o != NULL && o->cmd != NULL)
        fprintf(stderr, "Try 'ddb %s --help'.\n", o->cmd->name);
    else
        fprintf(stderr, "Try 'ddb --help'.\n");
    return CLI_USAGE;
}

void cli_note(const cli_opts *o, const char *fmt, ...)
{
    if (o->quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    vmessage("", fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------ clients */

static bool env_set(const char *name)
{
    const char *v = getenv(name);
    return v != NULL && *v != '\0';
}

int cli_client_new(ddb_client **out, const cli_opts *o, const cli_target *t)
{
    const char *profile = t != NULL && t->profile != NULL ? t->profile : o->target.profile;
    const char *region = t != NULL && t->region != NULL ? t->region : o->target.region;
    const char *endpoint = t != NULL && t->endpoint != NULL ? t->endpoint : o->target.endpoint;
    ddb_client_config cfg = DDB_CLIENT_CONFIG_INIT;
    cfg.endpoint = endpoint;
    cfg.verify_tls = o->no_verify_ssl ? 0 : -1;
    cfg.ca_file = o->ca_bundle;
    cfg.allow_plain_http = o->allow_plain_http;
    char *profile_region = NULL, *profile_ca = NULL;
    int rc = 0;
    if (profile != NULL) {
        /* The AWS CLI's order: --ca-bundle, AWS_CA_BUNDLE, the profile. */
        if (cfg.ca_file == NULL && !env_set("AWS_CA_BUNDLE")) {
            ddb_error_clear();
            cfg.ca_file = profile_ca = ddb_shared_config_get(profile, "ca_bundle");
            if (profile_ca == NULL && ddb_last_error()->code != 0)
                return ddb_last_error()->code;
        }
        if ((rc = ddb_creds_profile_new(&cfg.credentials, profile)) != 0) {
            free(profile_ca);
            return rc;
        }
        /* The AWS CLI's order: --region, the environment, the profile. */
        if (region == NULL && !env_set("AWS_REGION") && !env_set("AWS_DEFAULT_REGION")) {
            ddb_error_clear();
            profile_region = ddb_shared_config_get(profile, "region");
            if (profile_region == NULL && ddb_last_error()->code != 0) {
                ddb_credentials_provider_free(cfg.credentials);
                free(profile_ca);
                return ddb_last_error()->code;
            }
            region = profile_region;
        }
    }
    cfg.region = region;
    rc = ddb_client_new(out, &cfg);
    if (rc != 0)
        ddb_credentials_provider_free(cfg.credentials); /* still ours when creation fails */
    free(profile_region);
    free(profile_ca);
    return rc;
}

/* ------------------------------------------------------------ arguments */

static bool stdin_taken;

static int read_stream(ddb_buf *out, FILE *f)
{
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (ddb_buf_append(out, chunk, got) != 0)
            return DDB_ENOMEM;
    }
    return ferror(f) ? DDB_EIO : 0;
}

int cli_arg_text(ddb_buf *out, const cli_opts *o, const char *arg, const char *what)
{
    if (strcmp(arg, "-") == 0) {
        if (stdin_taken)
            return cli_usage(o, "%s: standard input ('-') is already used by another argument", what);
        stdin_taken = true;
        if (read_stream(out, stdin) != 0)
            return cli_failf("%s: reading standard input: %s", what, strerror(errno));
        return 0;
    }
    if (arg[0] == '@') {
        FILE *f = fopen(arg + 1, "rb");
        if (f == NULL)
            return cli_failf("%s: cannot open %s: %s", what, arg + 1, strerror(errno));
        int rc = read_stream(out, f);
        int err = errno;
        fclose(f);
        if (rc != 0)
            return cli_failf("%s: reading %s: %s", what, arg + 1, rc == DDB_ENOMEM ? "out of memory" : strerror(err));
        return 0;
    }
    if (ddb_buf_puts(out, arg) != 0)
        return cli_failf("out of memory");
    return 0;
}

/* An argument's text parsed as an object: DynamoDB JSON's item form, or
 * plain JSON. 0, or CLI_USAGE / CLI_FAILED with the message printed
 * (`hint`, when not NULL, shows the form expected). */
static int arg_object(ddb_av **out, const cli_opts *o, const char *arg, const char *what, bool ddb_json,
                      const char *hint)
{
    *out = NULL;
    ddb_buf text = DDB_BUF_INIT;
    int rc = cli_arg_text(&text, o, arg, what);
    if (rc == 0) {
        const char *s = ddb_buf_cstr(&text);
        int prc = ddb_json ? ddb_item_parse_json(out, s, text.len) : ddb_item_from_plain_json(out, s, text.len);
        if (prc == DDB_ENOMEM)
            rc = cli_fail();
        else if (prc != 0)
            rc = cli_usage(o, "%s is not a %s object%s: %s", what, ddb_json ? "DynamoDB JSON" : "JSON",
                           hint != NULL ? hint : "", ddb_last_error()->message);
    }
    ddb_buf_free(&text);
    return rc;
}

int cli_arg_item(ddb_av **out, const cli_opts *o, const char *arg, const char *what)
{
    return arg_object(out, o, arg, what, o->ddb_json, NULL);
}

int cli_arg_names(ddb_av **out, const cli_opts *o)
{
    *out = NULL;
    if (o->names == NULL)
        return 0;
    ddb_av *names = NULL;
    int rc = arg_object(&names, o, o->names, "--names", false, " ({\"#n\": \"name\", ...})");
    for (size_t i = 0; rc == 0 && i < ddb_av_len(names); i++) {
        const ddb_av_member *m = &names->u.map.items[i];
        if (m->value->type != DDB_AV_S)
            rc = cli_usage(o, "--names: \"%s\" must name an attribute with a string, as {\"#n\": \"name\"}", m->name);
    }
    if (rc != 0) {
        ddb_av_free(names);
        return rc;
    }
    *out = names;
    return 0;
}

int cli_arg_values(ddb_av **out, const cli_opts *o)
{
    *out = NULL;
    if (o->values == NULL)
        return 0;
    return arg_object(out, o, o->values, "--values", true, " ({\":v\": {\"S\": \"text\"}, ...})");
}

/* ------------------------------------------------------------ items out */

int cli_item_line(ddb_buf *out, const ddb_av *item, bool ddb_json)
{
    size_t before = out->len;
    /* plain JSON refuses B, SS, NS and BS by path and leaves `out` alone */
    int rc = ddb_json ? ddb_item_write_json(out, item) : ddb_item_to_plain_json(out, item);
    if (rc == DDB_ETYPE && !ddb_json)
        ddb_error_append("; --ddb-json prints every type");
    if (rc == 0)
        rc = ddb_buf_putc(out, '\n');
    if (rc != 0) {
        out->len = before;
        if (out->data != NULL)
            out->data[before] = '\0';
    }
    return rc;
}

int cli_write(FILE *f, const char *data, size_t len, const char *name)
{
    if (len != 0 && fwrite(data, 1, len, f) != len)
        return ddb_error_set(DDB_EIO, "writing %s: %s", name, strerror(errno));
    return 0;
}

int cli_json_str(ddb_buf *b, const char *s)
{
    return ddb_json_put_string(b, s, strlen(s));
}

int cli_json_key(ddb_buf *b, const char *name)
{
    int rc = ddb_json_put_string(b, name, strlen(name));
    return rc == 0 ? ddb_buf_putc(b, ':') : rc;
}

static void indent(FILE *f, int depth)
{
    fputc('\n', f);
    for (int i = 0; i < depth; i++)
        fputs("  ", f);
}

int cli_write_pretty(FILE *f, const char *json, size_t len)
{
    int depth = 0;
    bool in_string = false, escaped = false;
    for (size_t i = 0; i < len; i++) {
        char c = json[i];
        if (in_string) {
            fputc(c, f);
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
            continue;
        }
        switch (c) {
        case ' ':
        case '\t':
        case '\n':
        case '\r':
            break; /* the indentation is ours */
        case '"':
            in_string = true;
            fputc(c, f);
            break;
        case '{':
        case '[': {
            size_t next = i + 1;
            while (next < len && (json[next] == ' ' || json[next] == '\t' || json[next] == '\n' || json[next] == '\r'))
                next++;
            if (next < len && (json[next] == '}' || json[next] == ']')) { /* empty: on one line */
                fputc(c, f);
                fputc(json[next], f);
                i = next;
                break;
            }
            fputc(c, f);
            indent(f, ++depth);
            break;
        }
        case '}':
        case ']':
            indent(f, --depth);
            fputc(c, f);
            break;
        case ',':
            fputc(c, f);
            indent(f, depth);
            break;
        case ':':
            fputs(": ", f);
            break;
        default:
            fputc(c, f);
        }
    }
    fputc('\n', f);
    if (ferror(f))
        return ddb_error_set(DDB_EIO, "writing standard output: %s", strerror(errno));
    return 0;
}

/* ------------------------------------------------------------ misc */

int64_t cli_estimated_items(ddb_client *c, const char *table)
{
    ddb_error saved = *ddb_last_error();
    ddb_table_name_input in = DDB_TABLE_NAME_INPUT_INIT;
    in.table_name = table;
    ddb_table_output out;
    int rc = ddb_describe_table(&out, c, &in);
    int64_t n = rc == 0 ? out.table.item_count : -1;
    ddb_table_output_free(&out);
    ddb_error_restore(&saved);
    return n;
}

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
