/*
 * ddb_cli.h - the `ddb` command-line tool: what its files share.
 *
 * ddb_main.c      options, commands, help, exit status
 * cli_util.c      clients, errors, arguments, JSON in and out, pretty JSON
 * cli_progress.c  the progress line on a terminal's stderr
 * cmd_table.c     list-tables, describe
 * cmd_item.c      get, put, delete, update
 * cmd_read.c      query, scan, count
 * cmd_backup.c    dump, load, copy
 * cmd_schema.c    create-tables, delete-tables (the generator's front end)
 *
 * Exit status: CLI_OK, CLI_FAILED (the operation failed), CLI_USAGE (the
 * command line is wrong), CLI_NOT_FOUND (get: no such item). The tool is
 * single-threaded except for parallel scans and copies, whose threads
 * never print: they hand their error to the main thread.
 */
#ifndef DDB_CLI_H
#define DDB_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ddb/av.h"
#include "ddb/buf.h"
#include "ddb/client.h"
#include "ddb/ops.h"

#if defined(__GNUC__)
#define CLI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CLI_PRINTF(f, a)
#endif

enum { CLI_OK = 0, CLI_FAILED = 1, CLI_USAGE = 2, CLI_NOT_FOUND = 3 };

/* A repeatable option's values, in command-line order. */
typedef struct cli_list {
    const char **v;
    size_t n;
} cli_list;

/* Where one client connects: profile, region, endpoint (NULL: unset). */
typedef struct cli_target {
    const char *profile;
    const char *region;
    const char *endpoint;
} cli_target;

/* Everything the command line said. Options a command does not accept are
 * refused by the parser, so a command reads only its own. */
typedef struct cli_opts {
    const struct cli_command *cmd;
    /* global */
    cli_target target;
    bool no_verify_ssl;
    const char *ca_bundle;
    bool allow_plain_http;
    bool quiet;
    /* items */
    bool ddb_json;
    const char *condition;
    const char *names;
    const char *values;
    const char *return_values;
    cli_list set;
    cli_list remove;
    const char *update_expression;
    /* reads */
    const char *key_condition;
    const char *index;
    const char *filter;
    const char *projection;
    uint64_t limit;       /* 0: no limit */
    uint32_t page_size;   /* 0: DynamoDB's pages */
    uint32_t segments;    /* 0, 1: sequential */
    bool descending;
    bool consistent;
    bool approximate;
    /* backups and copies */
    bool keep_going;
    bool create_table;
    cli_target from, to;
    /* schemas */
    const char *table_prefix;
    bool no_wait;
    bool if_not_exists;
    bool if_exists;
    bool dry_run;
    /* positional arguments */
    char **args;
    size_t n_args;
} cli_opts;

/* One command: name, runner, positional arguments, accepted options. */
typedef struct cli_command {
    const char *name;
    int (*run)(const cli_opts *o);
    size_t min_args, max_args;
    const int *options; /* accepted option ids, ended by 0 (global ones always) */
    const char *synopsis;
    const char *help;
} cli_command;

/* ---- cli_util.c: messages ---- */

/* "ddb: error: <the last error, formatted>"; returns CLI_FAILED. */
int cli_fail(void);
/* As cli_fail, with `what` in front of the last error ("reading FILE: ..."). */
int cli_fail_ctx(const char *what);
/* "ddb: error: <text>"; returns CLI_FAILED. */
int cli_failf(const char *fmt, ...) CLI_PRINTF(1, 2);
/* "ddb: usage: <text>" and a pointer to --help; returns CLI_USAGE. */
int cli_usage(const cli_opts *o, const char *fmt, ...) CLI_PRINTF(2, 3);
/* "ddb: <text>" on stderr, unless --quiet (notes, summaries). */
void cli_note(const cli_opts *o, const char *fmt, ...) CLI_PRINTF(2, 3);

/* ---- cli_util.c: clients ---- */

/* A client for `t` (each field falling back on the global options in
 * `o` when NULL): --profile's credentials, the region (the option, then
 * AWS_REGION / AWS_DEFAULT_REGION, then the profile's `region`), the
 * endpoint. Returns 0 or a DDB_E* code (recorded). */
int cli_client_new(ddb_client **out, const cli_opts *o, const cli_target *t);

/* ---- cli_util.c: arguments ---- */

/* The text of an argument: "-" reads standard input (once per command),
 * "@FILE" reads FILE, anything else is the text itself. 0, or CLI_USAGE /
 * CLI_FAILED with the message printed. */
int cli_arg_text(ddb_buf *out, const cli_opts *o, const char *arg, const char *what);

/* An item or key argument (cli_arg_text) parsed as plain JSON, or as
 * DynamoDB JSON with --ddb-json: *out is the caller's M tree. 0, or
 * CLI_USAGE / CLI_FAILED with the message printed. */
int cli_arg_item(ddb_av **out, const cli_opts *o, const char *arg, const char *what);

/* --names (plain JSON object of strings) and --values (DynamoDB JSON item
 * form) as trees; NULL when the option is absent. 0, or CLI_USAGE /
 * CLI_FAILED printed. */
int cli_arg_names(ddb_av **out, const cli_opts *o);
int cli_arg_values(ddb_av **out, const cli_opts *o);

/* ---- cli_util.c: JSON out ---- */

/* Appends `item` as one line of JSON (plain, or DynamoDB JSON with
 * --ddb-json) and a newline. Plain JSON refuses binary values and sets
 * (DDB_ETYPE naming the attribute, recorded); nothing is appended then. */
int cli_item_line(ddb_buf *out, const ddb_av *item, bool ddb_json);

/* Writes `len` bytes to `f`; DDB_EIO (recorded) when the stream fails. */
int cli_write(FILE *f, const char *data, size_t len, const char *name);

/* Writes JSON text `json` to `f` indented by two spaces, then a newline;
 * whitespace outside strings is dropped, everything else kept as it is
 * (strings and numbers are never rewritten). */
int cli_write_pretty(FILE *f, const char *json, size_t len);

/* Appends a JSON string / a member name followed by ':' (UTF-8 text). */
int cli_json_str(ddb_buf *b, const char *s);
int cli_json_key(ddb_buf *b, const char *name);

/* The approximate item count of `table` (DescribeTable), or -1 when it
 * cannot be had (no error is kept: this feeds progress lines only). */
int64_t cli_estimated_items(ddb_client *c, const char *table);

/* Seconds on the monotonic clock. */
double cli_now(void);

/* ---- cli_progress.c ---- */

typedef struct cli_progress {
    bool on;
    char label[160];
    double start, last;
    double after;  /* seconds of work before the first line */
    int64_t total; /* items expected (approximate); <= 0: unknown */
    bool drawn;
} cli_progress;

/* Whether progress lines are wanted: stderr is a terminal, --quiet is
 * off, and (for commands whose output goes to stdout) stdout is not that
 * terminal too. */
bool cli_progress_wanted(const cli_opts *o, bool writes_stdout);
/* Starts a progress line (does nothing unless `on`). */
void cli_progress_start(cli_progress *p, bool on, int64_t total, const char *fmt, ...) CLI_PRINTF(4, 5);
/* Redraws at most a few times a second: `done` items (what the line
 * counts), `extra` a short note (may be NULL), `fraction` of the work done
 * when known from something else than items (load: bytes), else < 0. */
void cli_progress_update(cli_progress *p, uint64_t done, const char *extra, double fraction);
/* Erases the line. */
void cli_progress_end(cli_progress *p);
/* Erases whatever progress line is on the terminal (before a message). */
void cli_progress_clear(void);

/* ---- commands ---- */

int cmd_list_tables(const cli_opts *o);
int cmd_describe(const cli_opts *o);
int cmd_get(const cli_opts *o);
int cmd_put(const cli_opts *o);
int cmd_delete(const cli_opts *o);
int cmd_update(const cli_opts *o);
int cmd_query(const cli_opts *o);
int cmd_scan(const cli_opts *o);
int cmd_count(const cli_opts *o);
int cmd_dump(const cli_opts *o);
int cmd_load(const cli_opts *o);
int cmd_copy(const cli_opts *o);
int cmd_create_tables(const cli_opts *o);
int cmd_delete_tables(const cli_opts *o);

#endif /* DDB_CLI_H */
