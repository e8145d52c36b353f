/*
 * ddb/backup.h - dump a table to DynamoDB JSON lines and load it back.
 *
 * The format is the one of DynamoDB's export to S3 (DYNAMODB_JSON): one
 * item per line, each line `{"Item":{...}}` with the item in DynamoDB JSON
 * (type tags, numbers as strings, binary as base64), then "\n":
 *
 *     {"Item":{"forum":{"S":"C"},"views":{"N":"3"},"tags":{"SS":["a","b"]}}}
 *
 * so an export's (decompressed) data files load with ddb_table_load, and a
 * dump is what an export would contain. Both directions work on any table:
 * they need only its name, never its schema. Generated models add
 * `<model>_dump` / `<model>_load` wrappers that pass the model's table and
 * client.
 *
 * Streaming, memory flat in the table size: the dump scans page by page and
 * writes each item as it comes (one page in memory per segment); the load
 * reads one line at a time into a buffer that grows to the longest line
 * (at most `max_line` bytes) and keeps at most 25 items pending.
 *
 * The load writes with BatchWriteItem in groups of 25 (line order).
 * UnprocessedItems, and whole requests that fail with a retryable error
 * once the client's own retries are spent, are sent again after a jittered
 * back-off through the client's retry policy (ddb_client_retry_policy:
 * ddb_retry_delay_ms, ddb_retry_sleep), up to `max_rounds` requests per
 * group. A group the service rejects (ValidationException: a bad item, or
 * two lines with the same key) is split and its items sent one by one, so
 * every failure is pinned to its line. Nothing is dropped silently: each
 * line is either written or reported as failed ("source:line: why") and
 * counted. Items are written with plain puts, so a line is idempotent and
 * a later line with the same key wins, as it would in the table.
 *
 * Errors: 0 or a negative DDB_E* code with the detail in ddb_last_error().
 * For a load, that is the first failed line's error, its message prefixed
 * with "source:line: "; DDB_EINVAL for arguments; DDB_EIO for the stream;
 * DDB_EPROTOCOL for a malformed line; DDB_ELIMIT for a line longer than
 * `max_line`; or the error of the request that failed.
 *
 * Thread safety: the functions may run concurrently (also on one client);
 * a stream or callback passed in is used by one call at a time. A dump
 * with `segments` > 1 runs that many threads that call the write callback
 * one at a time (under a lock), never concurrently.
 */
#ifndef DDB_BACKUP_H
#define DDB_BACKUP_H

#include "ddb/export.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ddb/client.h"
#include "ddb/model.h"
#include "ddb/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest line a load accepts by default: DynamoDB's 400 KB item limit
 * plus JSON overhead (type tags, escapes, base64). */
#define DDB_LOAD_MAX_LINE ((size_t)4 << 20)

/* Writes all `len` bytes of `data` (borrowed for the call). Returns 0, or a
 * negative DDB_E* code (record the detail with ddb_error_set), which stops
 * the dump. */
typedef int (*ddb_write_fn)(void *payload, const char *data, size_t len);

/* Reads up to `cap` bytes into `buf`, setting *got (0 at the end of the
 * input). Returns 0, or a negative DDB_E* code (recorded), which stops the
 * load. */
typedef int (*ddb_read_fn)(void *payload, char *buf, size_t cap, size_t *got);

typedef struct ddb_dump_opts {
    unsigned version;      /* DDB_DUMP_OPTS_VERSION */
    uint32_t page_size;    /* Limit of each Scan request; 0: DynamoDB's (1 MB pages) */
    uint32_t segments;     /* > 1: parallel scan, one thread per segment; 0, 1: sequential */
    bool consistent_read;
    unsigned max_rounds;   /* requests per page while it fails with a retryable error; 0: 10 */
    ddb_client *client;    /* ddb_model_dump: the client of this call; NULL: the model's */
} ddb_dump_opts;

#define DDB_DUMP_OPTS_VERSION 2
#define DDB_DUMP_OPTS_INIT {DDB_DUMP_OPTS_VERSION, 0, 0, false, 0, NULL}

typedef struct ddb_dump_stats {
    uint64_t items;        /* lines written */
    uint64_t pages;        /* successful Scan requests */
    uint64_t bytes;        /* bytes written */
    size_t max_line;       /* longest line written, newline included */
    double capacity_units; /* read capacity DynamoDB reported consuming */
} ddb_dump_stats;

/* Called for each line that failed to load (also when keep_going is
 * false), in the order failures are found: `err` is the failure, its
 * message starting with "source:line: " (borrowed for the call). It runs
 * on the loading thread, outside any lock, and may call libddb. */
typedef void (*ddb_load_error_fn)(void *payload, uint64_t line, const ddb_error *err);

typedef struct ddb_load_opts {
    unsigned version;      /* DDB_LOAD_OPTS_VERSION */
    const char *source;    /* name in messages ("source:line: ..."); NULL: "<input>" */
    size_t max_line;       /* longest line accepted, bytes; 0: DDB_LOAD_MAX_LINE */
    unsigned max_rounds;   /* BatchWriteItem requests per group of 25 while items stay
                              unprocessed or requests fail retryably; 0: 10 */
    bool keep_going;       /* report a failed line and go on (else stop at the first) */
    ddb_load_error_fn on_error; /* may be NULL */
    void *error_payload;
    ddb_client *client;    /* ddb_model_load: the client of this call; NULL: the model's */
} ddb_load_opts;

#define DDB_LOAD_OPTS_VERSION 2
#define DDB_LOAD_OPTS_INIT {DDB_LOAD_OPTS_VERSION, NULL, 0, 0, false, NULL, NULL, NULL}

typedef struct ddb_load_stats {
    uint64_t lines;        /* lines read, blank ones included */
    uint64_t items;        /* items written */
    uint64_t failed;       /* lines not loaded: malformed, too long, or rejected */
    uint64_t requests;     /* BatchWriteItem requests */
    uint64_t retried;      /* items sent again (unprocessed, retryable failures) */
    double capacity_units; /* write capacity DynamoDB reported consuming */
} ddb_load_stats;

/*
 * Scans `table` (all of it; every attribute) and writes one line per item
 * to `out` (ddb_table_dump, through fwrite; the stream is flushed at the
 * end, not closed) or to `write` (ddb_table_dump_to, one call per complete
 * line). `opts` and `stats` may be NULL; `*stats` is filled also on
 * failure (what was done until then). Items appear in scan order (with
 * segments, interleaved between segments). On failure the output holds
 * the lines written until then, each complete.
 * Returns 0, DDB_EINVAL (NULL client/table/output, unknown opts version),
 * DDB_EIO (the stream failed), the write callback's code, or the code of
 * the Scan that failed (after `max_rounds` tries for retryable ones).
 */
DDB_API int ddb_table_dump(ddb_dump_stats *stats, ddb_client *c, const char *table, FILE *out,
                   const ddb_dump_opts *opts);
DDB_API int ddb_table_dump_to(ddb_dump_stats *stats, ddb_client *c, const char *table, const ddb_dump_opts *opts,
                      ddb_write_fn write, void *payload);

/*
 * Reads lines of `{"Item":{...}}` from `in` (ddb_table_load, through
 * fread; not closed) or `read` (ddb_table_load_from) and puts the items
 * into `table`. Blank lines (whitespace only) are skipped; "\r\n" line ends
 * are accepted; the last line needs no newline. A line must be exactly one
 * JSON object whose only member is "Item", a DynamoDB JSON item.
 *
 * Without keep_going the load stops at the first failed line, after
 * writing every earlier line (lines after it that shared its group of 25
 * may have been written too). With keep_going every failure is reported
 * (on_error) and counted, and the load goes on to the end. Either way a
 * non-zero return carries the *first* failure in ddb_last_error().
 * `opts` and `stats` may be NULL; `*stats` is filled also on failure.
 */
DDB_API int ddb_table_load(ddb_load_stats *stats, ddb_client *c, const char *table, FILE *in,
                   const ddb_load_opts *opts);
DDB_API int ddb_table_load_from(ddb_load_stats *stats, ddb_client *c, const char *table, const ddb_load_opts *opts,
                        ddb_read_fn read, void *payload);

/*
 * The same for a generated model's table, through the model's client
 * (ddb_model_client): what <model>_dump and <model>_load call. Errors as
 * above, or the client lookup's error (e.g. DDB_ECONFIG).
 */
DDB_API int ddb_model_dump(ddb_dump_stats *stats, const ddb_model *m, FILE *out, const ddb_dump_opts *opts);
DDB_API int ddb_model_load(ddb_load_stats *stats, const ddb_model *m, FILE *in, const ddb_load_opts *opts);

#ifdef __cplusplus
}
#endif

#endif /* DDB_BACKUP_H */
