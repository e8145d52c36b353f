/*
 * ddb_main.c - the `ddb` command line: global and command options, the
 * command table, help texts, --version and the exit status (docs/cli.md,
 * docs/ddb.1).
 *
 * Options may come before or after the command and its arguments, as
 * `--name VALUE` or `--name=VALUE`; `--` ends them. Every option is first
 * collected, then checked against the command: one the command does not
 * take is a usage error (exit 2), as is a repeated single-valued option.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddb/ops.h"
#include "ddb/version.h"
#include "ddb_cli.h"

enum {
    OPT_END = 0,
    OPT_PROFILE,
    OPT_REGION,
    OPT_ENDPOINT,
    OPT_NO_VERIFY_SSL,
    OPT_CA_BUNDLE,
    OPT_ALLOW_PLAIN_HTTP,
    OPT_QUIET,
    OPT_HELP,
    OPT_VERSION,
    OPT_DDB_JSON,
    OPT_CONDITION,
    OPT_NAMES,
    OPT_VALUES,
    OPT_RETURN_VALUES,
    OPT_SET,
    OPT_REMOVE,
    OPT_UPDATE_EXPRESSION,
    OPT_KEY_CONDITION,
    OPT_INDEX,
    OPT_FILTER,
    OPT_PROJECTION,
    OPT_LIMIT,
    OPT_PAGE_SIZE,
    OPT_SEGMENTS,
    OPT_DESCENDING,
    OPT_CONSISTENT,
    OPT_APPROXIMATE,
    OPT_KEEP_GOING,
    OPT_CREATE_TABLE,
    OPT_FROM_PROFILE,
    OPT_FROM_REGION,
    OPT_FROM_ENDPOINT,
    OPT_TO_PROFILE,
    OPT_TO_REGION,
    OPT_TO_ENDPOINT,
    OPT_TABLE_PREFIX,
    OPT_NO_WAIT,
    OPT_IF_NOT_EXISTS,
    OPT_IF_EXISTS,
    OPT_DRY_RUN,
    OPT_COUNT_
};

typedef struct opt_spec {
    const char *name; /* with its dashes */
    int id;
    bool arg;         /* takes a value */
} opt_spec;

/* Every spelling; aliases share the id of the name the docs use. */
static const opt_spec opt_specs[] = {
    {"--profile", OPT_PROFILE, true},
    {"--region", OPT_REGION, true},
    {"--endpoint-url", OPT_ENDPOINT, true},
    {"--no-verify-ssl", OPT_NO_VERIFY_SSL, false},
    {"--ca-bundle", OPT_CA_BUNDLE, true},
    {"--allow-plain-http", OPT_ALLOW_PLAIN_HTTP, false},
    {"--quiet", OPT_QUIET, false},
    {"-q", OPT_QUIET, false},
    {"--help", OPT_HELP, false},
    {"-h", OPT_HELP, false},
    {"--version", OPT_VERSION, false},
    {"--ddb-json", OPT_DDB_JSON, false},
    {"--condition", OPT_CONDITION, true},
    {"--condition-expression", OPT_CONDITION, true},
    {"--names", OPT_NAMES, true},
    {"--expression-attribute-names", OPT_NAMES, true},
    {"--values", OPT_VALUES, true},
    {"--expression-attribute-values", OPT_VALUES, true},
    {"--return-values", OPT_RETURN_VALUES, true},
    {"--set", OPT_SET, true},
    {"--remove", OPT_REMOVE, true},
    {"--update-expression", OPT_UPDATE_EXPRESSION, true},
    {"--key-condition", OPT_KEY_CONDITION, true},
    {"--key-condition-expression", OPT_KEY_CONDITION, true},
    {"--index", OPT_INDEX, true},
    {"--index-name", OPT_INDEX, true},
    {"--filter", OPT_FILTER, true},
    {"--filter-expression", OPT_FILTER, true},
    {"--projection", OPT_PROJECTION, true},
    {"--projection-expression", OPT_PROJECTION, true},
    {"--limit", OPT_LIMIT, true},
    {"--max-items", OPT_LIMIT, true},
    {"--page-size", OPT_PAGE_SIZE, true},
    {"--segments", OPT_SEGMENTS, true},
    {"--total-segments", OPT_SEGMENTS, true},
    {"--descending", OPT_DESCENDING, false},
    {"--no-scan-index-forward", OPT_DESCENDING, false},
    {"--consistent", OPT_CONSISTENT, false},
    {"--consistent-read", OPT_CONSISTENT, false},
    {"--approximate", OPT_APPROXIMATE, false},
    {"--keep-going", OPT_KEEP_GOING, false},
    {"--create-table", OPT_CREATE_TABLE, false},
    {"--from-profile", OPT_FROM_PROFILE, true},
    {"--from-region", OPT_FROM_REGION, true},
    {"--from-endpoint-url", OPT_FROM_ENDPOINT, true},
    {"--to-profile", OPT_TO_PROFILE, true},
    {"--to-region", OPT_TO_REGION, true},
    {"--to-endpoint-url", OPT_TO_ENDPOINT, true},
    {"--table-prefix", OPT_TABLE_PREFIX, true},
    {"--no-wait", OPT_NO_WAIT, false},
    {"--if-not-exists", OPT_IF_NOT_EXISTS, false},
    {"--if-exists", OPT_IF_EXISTS, false},
    {"--dry-run", OPT_DRY_RUN, false},
};

/* The options every command takes. */
static bool global_option(int id)
{
    return id == OPT_PROFILE || id == OPT_REGION || id == OPT_ENDPOINT || id == OPT_NO_VERIFY_SSL || id == OPT_CA_BUNDLE || id == OPT_ALLOW_PLAIN_HTTP ||
           id == OPT_QUIET || id == OPT_HELP || id == OPT_VERSION;
}

/* ------------------------------------------------------------ help texts */

#define GLOBAL_HELP                                                                                \
    "Global options (any command):\n"                                                              \
    "  --profile NAME       credentials (and region) of a profile of ~/.aws/config and\n"          \
    "                       ~/.aws/credentials\n"                                                  \
    "  --region REGION      the region (default: AWS_REGION, AWS_DEFAULT_REGION, the\n"            \
    "                       profile's region, us-east-1)\n"                                        \
    "  --endpoint-url URL   another endpoint (DynamoDB Local, moto, a VPC endpoint)\n"             \
    "  --no-verify-ssl      do not verify TLS certificates\n"                                      \
    "  --ca-bundle FILE     trust the certificate authorities of this PEM file (default:\n"        \
    "                       AWS_CA_BUNDLE, the profile's ca_bundle, the system's)\n"             \
    "  --allow-plain-http   allow an http:// endpoint on another machine (requests and\n"         \
    "                       session tokens then cross the network unencrypted)\n"                \
    "  -q, --quiet          no progress line and no summary on stderr\n"                           \
    "  -h, --help           this help, or a command's\n"                                           \
    "  --version            the versions of ddb and libddb\n"

static const char main_help[] =
    "Usage: ddb [GLOBAL OPTIONS] COMMAND [ARGS] [OPTIONS]\n"
    "\n"
    "A command-line client for Amazon DynamoDB (libddb). Items, keys and\n"
    "results are plain JSON ({\"id\": \"a\", \"n\": 5}) unless --ddb-json asks for\n"
    "DynamoDB JSON ({\"id\": {\"S\": \"a\"}, \"n\": {\"N\": \"5\"}}).\n"
    "\n"
    "Commands:\n"
    "  list-tables                      the tables of the account and region\n"
    "  describe TABLE                   a table's description (JSON)\n"
    "  get TABLE KEY                    one item\n"
    "  put TABLE ITEM                   create or replace an item\n"
    "  delete TABLE KEY                 delete an item\n"
    "  update TABLE KEY --set P=V ...   change attributes of an item\n"
    "  query TABLE --key-condition E    items of one partition (JSON lines)\n"
    "  scan TABLE                       every item (JSON lines)\n"
    "  count TABLE                      how many items (exact, or --approximate)\n"
    "  dump TABLE [FILE]                the table as DynamoDB JSON lines\n"
    "  load TABLE [FILE]                put the items of DynamoDB JSON lines\n"
    "  copy SRC DST                     copy every item, across accounts/regions\n"
    "  create-tables SCHEMA.yaml...     create the tables of ddbc schemas\n"
    "  delete-tables SCHEMA.yaml...     delete the tables of ddbc schemas\n"
    "  help [COMMAND]                   this help, or a command's\n"
    "\n" GLOBAL_HELP
    "\n"
    "Exit status: 0 success; 1 the operation failed (the message has AWS's\n"
    "error code, message and request id); 2 usage error; 3 get: no such item.\n"
    "\n"
    "'ddb COMMAND --help' describes a command; docs/cli.md and ddb(1) have more.\n";

#define JSON_HELP                                                                                  \
    "  --ddb-json           items, keys and values in DynamoDB JSON, in and out\n"

#define COND_HELP                                                                                  \
    "  --condition EXPR     a ConditionExpression: the write happens only if it holds\n"           \
    "                       (else exit 1, 'conditional check failed')\n"                           \
    "  --names JSON         ExpressionAttributeNames: {\"#n\": \"name\", ...}\n"                   \
    "  --values JSON        ExpressionAttributeValues, always DynamoDB JSON:\n"                    \
    "                       {\":v\": {\"N\": \"5\"}, ...}\n"                                       \
    "  (aliases: --condition-expression, --expression-attribute-names,\n"                          \
    "   --expression-attribute-values)\n"

#define ARG_HELP                                                                                   \
    "KEY and ITEM are JSON text, '-' (read standard input) or @FILE (read FILE).\n"

static const int opts_none[] = {0};
static const int opts_get[] = {OPT_DDB_JSON, OPT_CONSISTENT, OPT_PROJECTION, OPT_NAMES, 0};
static const int opts_put[] = {OPT_DDB_JSON, OPT_CONDITION, OPT_NAMES, OPT_VALUES, OPT_RETURN_VALUES, 0};
static const int opts_update[] = {OPT_DDB_JSON, OPT_SET,   OPT_REMOVE,        OPT_UPDATE_EXPRESSION,
                                  OPT_CONDITION, OPT_NAMES, OPT_VALUES, OPT_RETURN_VALUES, 0};
static const int opts_query[] = {OPT_DDB_JSON, OPT_KEY_CONDITION, OPT_INDEX,      OPT_FILTER,
                                 OPT_PROJECTION, OPT_NAMES,       OPT_VALUES,     OPT_LIMIT,
                                 OPT_PAGE_SIZE, OPT_DESCENDING,   OPT_CONSISTENT, 0};
static const int opts_scan[] = {OPT_DDB_JSON, OPT_INDEX,     OPT_FILTER,   OPT_PROJECTION, OPT_NAMES, OPT_VALUES,
                                OPT_LIMIT,    OPT_PAGE_SIZE, OPT_SEGMENTS, OPT_CONSISTENT, 0};
static const int opts_count[] = {OPT_INDEX,     OPT_FILTER,   OPT_KEY_CONDITION, OPT_NAMES,       OPT_VALUES,
                                 OPT_PAGE_SIZE, OPT_SEGMENTS, OPT_CONSISTENT,    OPT_APPROXIMATE, 0};
static const int opts_dump[] = {OPT_PAGE_SIZE, OPT_SEGMENTS, OPT_CONSISTENT, 0};
static const int opts_load[] = {OPT_KEEP_GOING, 0};
static const int opts_copy[] = {OPT_FROM_PROFILE, OPT_FROM_REGION, OPT_FROM_ENDPOINT, OPT_TO_PROFILE,
                                OPT_TO_REGION,    OPT_TO_ENDPOINT, OPT_PAGE_SIZE,     OPT_SEGMENTS,
                                OPT_CONSISTENT,   OPT_KEEP_GOING,  OPT_CREATE_TABLE,  0};
static const int opts_create[] = {OPT_TABLE_PREFIX, OPT_NO_WAIT, OPT_IF_NOT_EXISTS, OPT_DRY_RUN, 0};
static const int opts_delete_tables[] = {OPT_TABLE_PREFIX, OPT_NO_WAIT, OPT_IF_EXISTS, 0};

static const cli_command commands[] = {
    {"list-tables", cmd_list_tables, 0, 0, opts_none, "ddb list-tables",
     "Prints the names of the tables of the account and region, every page of\n"
     "ListTables, as {\"TableNames\": [...]}.\n"},
    {"describe", cmd_describe, 1, 1, opts_none, "ddb describe TABLE",
     "Prints DescribeTable's answer as {\"Table\": {...}} (AWS's shape): key schema,\n"
     "attribute definitions, billing mode, indexes, stream, approximate item count.\n"},
    {"get", cmd_get, 2, 2, opts_get, "ddb get TABLE KEY [--ddb-json] [--consistent] [--projection EXPR]",
     "Prints the item with key KEY as one line of JSON. Exit status 3 (and a\n"
     "message on stderr) when there is no such item.\n\n" ARG_HELP
     "\nOptions:\n" JSON_HELP
     "  --consistent         a strongly consistent read (alias --consistent-read)\n"
     "  --projection EXPR    a ProjectionExpression: only these attributes\n"
     "  --names JSON         ExpressionAttributeNames for the projection\n"},
    {"put", cmd_put, 2, 2, opts_put, "ddb put TABLE ITEM [--condition EXPR ...] [--ddb-json]",
     "Creates the item ITEM or replaces the item with its key.\n\n" ARG_HELP "\nOptions:\n" JSON_HELP COND_HELP
     "  --return-values V    NONE (default) or ALL_OLD: print the item it replaced\n"},
    {"delete", cmd_delete, 2, 2, opts_put, "ddb delete TABLE KEY [--condition EXPR ...] [--ddb-json]",
     "Deletes the item with key KEY (deleting an absent item succeeds: use\n"
     "--condition 'attribute_exists(...)' or --return-values ALL_OLD to know).\n\n" ARG_HELP
     "\nOptions:\n" JSON_HELP COND_HELP
     "  --return-values V    NONE (default) or ALL_OLD: print the deleted item\n"},
    {"update", cmd_update, 2, 2, opts_update,
     "ddb update TABLE KEY (--set PATH=VALUE | --remove PATH)... [--condition EXPR ...]",
     "Changes attributes of the item with key KEY (creating it, as DynamoDB's\n"
     "UpdateItem does, unless a condition says otherwise).\n\n" ARG_HELP
     "\nOptions:\n"
     "  --set PATH=VALUE     SET PATH to VALUE: plain JSON (\"text\", 5, true, null,\n"
     "                       [..], {..}), or a DynamoDB JSON value with --ddb-json\n"
     "                       ({\"SS\": [\"a\"]}). PATH: name, a.b, list[2]; '\\' escapes\n"
     "                       '.', '[', ']' in names. Repeatable.\n"
     "  --remove PATH        REMOVE PATH. Repeatable.\n"
     "  --update-expression EXPR  an UpdateExpression written by hand (instead of\n"
     "                       --set/--remove), with --names and --values\n" JSON_HELP COND_HELP
     "  --return-values V    NONE (default), ALL_OLD, UPDATED_OLD, ALL_NEW or\n"
     "                       UPDATED_NEW: print those attributes\n"},
    {"query", cmd_query, 1, 1, opts_query, "ddb query TABLE --key-condition EXPR [OPTIONS]",
     "Prints the items of a Query as JSON lines (one item per line), reading\n"
     "every page; the filter and the projection apply to every page.\n\n"
     "Options:\n"
     "  --key-condition EXPR a KeyConditionExpression (required)\n"
     "  --index NAME         query a secondary index\n"
     "  --filter EXPR        a FilterExpression\n"
     "  --projection EXPR    a ProjectionExpression\n"
     "  --names JSON         ExpressionAttributeNames: {\"#n\": \"name\", ...}\n"
     "  --values JSON        ExpressionAttributeValues, DynamoDB JSON\n"
     "  --limit N            stop after N items (alias --max-items)\n"
     "  --page-size N        items evaluated per request (DynamoDB's Limit)\n"
     "  --descending         in descending order of the range key\n"
     "  --consistent         strongly consistent reads\n" JSON_HELP},
    {"scan", cmd_scan, 1, 1, opts_scan, "ddb scan TABLE [OPTIONS]",
     "Prints every item of the table (or index) as JSON lines, reading every\n"
     "page; the filter and the projection apply to every page.\n\n"
     "Options:\n"
     "  --index NAME         scan a secondary index\n"
     "  --filter EXPR        a FilterExpression\n"
     "  --projection EXPR    a ProjectionExpression\n"
     "  --names JSON         ExpressionAttributeNames\n"
     "  --values JSON        ExpressionAttributeValues, DynamoDB JSON\n"
     "  --limit N            stop after N items\n"
     "  --page-size N        items evaluated per request (DynamoDB's Limit)\n"
     "  --segments N         a parallel scan of N segments, one thread each (lines\n"
     "                       of different segments interleave)\n"
     "  --consistent         strongly consistent reads\n" JSON_HELP},
    {"count", cmd_count, 1, 1, opts_count, "ddb count TABLE [--filter EXPR ...] [--approximate]",
     "Prints the number of items: exact by default (Select COUNT over every page\n"
     "of a Scan, or of a Query with --key-condition: every item evaluated is\n"
     "read and paid for), or DynamoDB's approximate ItemCount (DescribeTable,\n"
     "updated about every six hours, free) with --approximate.\n\n"
     "Options:\n"
     "  --filter EXPR        count the items that pass a FilterExpression\n"
     "  --key-condition EXPR count a Query's items instead of a Scan's\n"
     "  --index NAME         of a secondary index\n"
     "  --names JSON, --values JSON   for the expressions\n"
     "  --page-size N, --segments N, --consistent   as for scan\n"
     "  --approximate        DescribeTable's ItemCount (no filter)\n"},
    {"dump", cmd_dump, 1, 2, opts_dump, "ddb dump TABLE [FILE] [--page-size N] [--segments N]",
     "Writes every item of TABLE as DynamoDB JSON lines, the format of DynamoDB's\n"
     "export to S3: {\"Item\":{...}} per line. FILE '-' or absent: standard\n"
     "output. A FILE is written under a temporary name and renamed when the dump\n"
     "is complete, so a failed dump leaves an existing FILE as it was.\n\n"
     "Options:\n"
     "  --page-size N        items per Scan request\n"
     "  --segments N         a parallel scan of N segments\n"
     "  --consistent         strongly consistent reads\n"},
    {"load", cmd_load, 1, 2, opts_load, "ddb load TABLE [FILE] [--keep-going]",
     "Puts the items of DynamoDB JSON lines ({\"Item\":{...}} per line, as dump\n"
     "writes and DynamoDB's export to S3 contains) into TABLE with\n"
     "BatchWriteItem, retrying unprocessed items. FILE '-' or absent: standard\n"
     "input. A line that cannot be loaded is reported as FILE:LINE: why.\n\n"
     "Options:\n"
     "  --keep-going         report failed lines and go on (else stop at the first)\n"},
    {"copy", cmd_copy, 2, 2, opts_copy, "ddb copy SRC_TABLE DST_TABLE [--to-profile P] [--to-region R] ...",
     "Copies every item of SRC_TABLE into DST_TABLE, which may be in another\n"
     "account, region or endpoint: two clients in one process, items streamed\n"
     "from a Scan into BatchWriteItem.\n\n"
     "Each side uses the global --profile, --region and --endpoint-url unless\n"
     "its own option says otherwise:\n"
     "  --from-profile P, --from-region R, --from-endpoint-url URL   the source\n"
     "  --to-profile P, --to-region R, --to-endpoint-url URL         the destination\n"
     "  --create-table       create DST_TABLE like SRC_TABLE (keys, indexes,\n"
     "                       billing, stream) when it does not exist\n"
     "  --page-size N, --segments N, --consistent   how the source is scanned\n"
     "  --keep-going         report items that fail to load and go on\n"},
    {"create-tables", cmd_create_tables, 1, SIZE_MAX, opts_create,
     "ddb create-tables SCHEMA.yaml... [--table-prefix P] [--if-not-exists]",
     "Creates the tables the ddbc schemas declare (docs/schema.md): keys and\n"
     "their types, secondary indexes, billing mode, streams, and TTL, read with\n"
     "ddbc's own schema front end (errors as file:line:col). Prints one line\n"
     "per table. Waits until the tables are ACTIVE unless --no-wait (tables with\n"
     "a ttl attribute always wait: TTL is enabled on an ACTIVE table).\n\n"
     "Options:\n"
     "  --table-prefix P     put P in front of every table name\n"
     "  --if-not-exists      skip tables that exist (else exit 1)\n"
     "  --no-wait            do not wait for ACTIVE\n"
     "  --dry-run            print the requests it would send (CreateTable and\n"
     "                       UpdateTimeToLive bodies, JSON), send nothing\n"},
    {"delete-tables", cmd_delete_tables, 1, SIZE_MAX, opts_delete_tables,
     "ddb delete-tables SCHEMA.yaml... [--table-prefix P] [--if-exists]",
     "Deletes the tables the ddbc schemas declare. Prints one line per table.\n"
     "Waits until they are gone unless --no-wait.\n\n"
     "Options:\n"
     "  --table-prefix P     put P in front of every table name\n"
     "  --if-exists          skip tables that do not exist (else exit 1)\n"
     "  --no-wait            do not wait\n"},
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static const cli_command *find_command(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++) {
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    }
    return NULL;
}

static int print_command_help(const cli_command *c)
{
    printf("Usage: %s\n\n%s\n" GLOBAL_HELP, c->synopsis, c->help);
    return fflush(stdout) == 0 && !ferror(stdout) ? CLI_OK : CLI_FAILED;
}

static int print_version(void)
{
    printf("ddb %s (libddb %s)\n", DDB_VERSION, ddb_version());
    return fflush(stdout) == 0 && !ferror(stdout) ? CLI_OK : CLI_FAILED;
}

/* ------------------------------------------------------------ parsing */

typedef struct given_opt {
    int id;
    const char *spelled; /* as written, for messages */
    const char *value;   /* NULL for flags */
} given_opt;

static const opt_spec *find_spec(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof opt_specs / sizeof opt_specs[0]; i++) {
        if (strlen(opt_specs[i].name) == len && strncmp(opt_specs[i].name, name, len) == 0)
            return &opt_specs[i];
    }
    return NULL;
}

static bool command_takes(const cli_command *c, int id)
{
    if (global_option(id))
        return true;
    for (const int *p = c->options; *p != 0; p++) {
        if (*p == id)
            return true;
    }
    return false;
}

/* A whole decimal number in [min, max]. */
static int parse_count(uint64_t *out, const cli_opts *o, const given_opt *g, uint64_t min, uint64_t max)
{
    const char *s = g->value;
    char *end = NULL;
    errno = 0;
    unsigned long long v = s[0] >= '0' && s[0] <= '9' ? strtoull(s, &end, 10) : 0;
    if (end == NULL || *end != '\0' || errno != 0 || v < min || v > max)
        return cli_usage(o, "%s needs a whole number from %llu to %llu, not '%s'", g->spelled,
                         (unsigned long long)min, (unsigned long long)max, s);
    *out = v;
    return 0;
}

/* Appends to a repeatable option's list (argv outlives it). */
static int list_add(cli_list *l, const char *v)
{
    const char **n = realloc(l->v, (l->n + 1) * sizeof *n);
    if (n == NULL)
        return cli_failf("out of memory");
    n[l->n++] = v;
    l->v = n;
    return 0;
}

/* Sets a single-valued string option, refusing a second one. */
static int set_once(const char **field, const cli_opts *o, const given_opt *g)
{
    if (*field != NULL)
        return cli_usage(o, "%s is given twice", g->spelled);
    *field = g->value;
    return 0;
}

static int apply(cli_opts *o, const given_opt *g)
{
    uint64_t n = 0;
    int rc;
    switch (g->id) {
    case OPT_PROFILE: return set_once(&o->target.profile, o, g);
    case OPT_REGION: return set_once(&o->target.region, o, g);
    case OPT_ENDPOINT: return set_once(&o->target.endpoint, o, g);
    case OPT_NO_VERIFY_SSL: o->no_verify_ssl = true; return 0;
    case OPT_CA_BUNDLE: return set_once(&o->ca_bundle, o, g);
    case OPT_ALLOW_PLAIN_HTTP: o->allow_plain_http = true; return 0;
    case OPT_QUIET: o->quiet = true; return 0;
    case OPT_DDB_JSON: o->ddb_json = true; return 0;
    case OPT_CONDITION: return set_once(&o->condition, o, g);
    case OPT_NAMES: return set_once(&o->names, o, g);
    case OPT_VALUES: return set_once(&o->values, o, g);
    case OPT_RETURN_VALUES: return set_once(&o->return_values, o, g);
    case OPT_SET: return list_add(&o->set, g->value);
    case OPT_REMOVE: return list_add(&o->remove, g->value);
    case OPT_UPDATE_EXPRESSION: return set_once(&o->update_expression, o, g);
    case OPT_KEY_CONDITION: return set_once(&o->key_condition, o, g);
    case OPT_INDEX: return set_once(&o->index, o, g);
    case OPT_FILTER: return set_once(&o->filter, o, g);
    case OPT_PROJECTION: return set_once(&o->projection, o, g);
    case OPT_LIMIT:
        if ((rc = parse_count(&n, o, g, 1, UINT64_MAX)) == 0)
            o->limit = n;
        return rc;
    case OPT_PAGE_SIZE:
        if ((rc = parse_count(&n, o, g, 1, UINT32_MAX)) == 0)
            o->page_size = (uint32_t)n;
        return rc;
    case OPT_SEGMENTS:
        if ((rc = parse_count(&n, o, g, 1, 1000000)) == 0) /* DynamoDB's TotalSegments range */
            o->segments = (uint32_t)n;
        return rc;
    case OPT_DESCENDING: o->descending = true; return 0;
    case OPT_CONSISTENT: o->consistent = true; return 0;
    case OPT_APPROXIMATE: o->approximate = true; return 0;
    case OPT_KEEP_GOING: o->keep_going = true; return 0;
    case OPT_CREATE_TABLE: o->create_table = true; return 0;
    case OPT_FROM_PROFILE: return set_once(&o->from.profile, o, g);
    case OPT_FROM_REGION: return set_once(&o->from.region, o, g);
    case OPT_FROM_ENDPOINT: return set_once(&o->from.endpoint, o, g);
    case OPT_TO_PROFILE: return set_once(&o->to.profile, o, g);
    case OPT_TO_REGION: return set_once(&o->to.region, o, g);
    case OPT_TO_ENDPOINT: return set_once(&o->to.endpoint, o, g);
    case OPT_TABLE_PREFIX: return set_once(&o->table_prefix, o, g);
    case OPT_NO_WAIT: o->no_wait = true; return 0;
    case OPT_IF_NOT_EXISTS: o->if_not_exists = true; return 0;
    case OPT_IF_EXISTS: o->if_exists = true; return 0;
    case OPT_DRY_RUN: o->dry_run = true; return 0;
    default: return 0; /* help, version: handled by the caller */
    }
}

/* Splits argv into options and positional arguments (the first of which
 * is the command). Returns 0 or CLI_USAGE (printed). */
static int collect(given_opt *given, size_t *n_given, char **pos, size_t *n_pos, const cli_opts *o, int argc,
                   char **argv)
{
    bool options_done = false;
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        if (options_done || a[0] != '-' || strcmp(a, "-") == 0) {
            pos[(*n_pos)++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            options_done = true;
            continue;
        }
        const char *eq = strncmp(a, "--", 2) == 0 ? strchr(a, '=') : NULL;
        size_t len = eq != NULL ? (size_t)(eq - a) : strlen(a);
        const opt_spec *s = find_spec(a, len);
        if (s == NULL)
            return cli_usage(o, "unknown option %.*s", (int)len, a);
        given_opt g = {s->id, s->name, NULL};
        if (s->arg) {
            if (eq != NULL)
                g.value = eq + 1;
            else if (i + 1 < argc)
                g.value = argv[++i];
            else
                return cli_usage(o, "%s needs a value", s->name);
        } else if (eq != NULL) {
            return cli_usage(o, "%s takes no value", s->name);
        }
        given[(*n_given)++] = g;
    }
    return 0;
}

/* Parses the command line into `o` (its arguments point into *pos_out,
 * which the caller frees). *done: help or version was printed. */
static int parse(cli_opts *o, char ***pos_out, bool *done, int argc, char **argv)
{
    size_t n = argc > 0 ? (size_t)argc : 1;
    given_opt *given = calloc(n, sizeof *given);
    char **pos = calloc(n, sizeof *pos);
    *pos_out = pos;
    size_t n_given = 0, n_pos = 0;
    int rc = given == NULL || pos == NULL ? cli_failf("out of memory") : 0;
    if (rc == 0)
        rc = collect(given, &n_given, pos, &n_pos, o, argc, argv);
    bool help = false, version = false;
    for (size_t i = 0; rc == 0 && i < n_given; i++) {
        help |= given[i].id == OPT_HELP;
        version |= given[i].id == OPT_VERSION;
    }
    const cli_command *cmd = NULL;
    if (rc == 0 && n_pos > 0) {
        if (strcmp(pos[0], "help") == 0) {
            help = true;
            if (n_pos > 2)
                rc = cli_usage(o, "help takes one command name");
            else if (n_pos == 2 && (cmd = find_command(pos[1])) == NULL)
                rc = cli_usage(o, "unknown command '%s'", pos[1]);
            n_pos = 0;
        } else if ((cmd = find_command(pos[0])) == NULL) {
            rc = cli_usage(o, "unknown command '%s'", pos[0]);
        }
    }
    o->cmd = cmd;
    if (rc == 0 && (help || version)) {
        *done = true;
        rc = version && !help ? print_version() : cmd != NULL ? print_command_help(cmd)
                                                               : (fputs(main_help, stdout), fflush(stdout), 0);
    } else if (rc == 0 && cmd == NULL) {
        rc = cli_usage(o, "no command given");
    }
    for (size_t i = 0; rc == 0 && !*done && i < n_given; i++) {
        if (!command_takes(cmd, given[i].id))
            rc = cli_usage(o, "%s does not take %s", cmd->name, given[i].spelled);
        else
            rc = apply(o, &given[i]);
    }
    if (rc == 0 && !*done) {
        o->args = pos + 1;
        o->n_args = n_pos - 1;
        if (o->n_args < cmd->min_args)
            rc = cli_usage(o, "missing arguments: %s", cmd->synopsis);
        else if (o->n_args > cmd->max_args)
            rc = cli_usage(o, "%s takes at most %zu argument%s ('%s' is one too many)", cmd->name, cmd->max_args,
                           cmd->max_args == 1 ? "" : "s", o->args[cmd->max_args]);
    }
    free(given);
    return rc;
}

int main(int argc, char **argv)
{
    cli_opts o = {0};
    bool done = false;
    char **pos = NULL;
    int rc = parse(&o, &pos, &done, argc, argv);
    if (rc == 0 && !done)
        rc = o.cmd->run(&o);
    free(pos);
    free(o.set.v);
    free(o.remove.v);
    ddb_ops_thread_cleanup();
    if (fflush(stdout) != 0 && rc == CLI_OK)
        rc = cli_failf("writing standard output: %s", strerror(errno));
    return rc;
}
