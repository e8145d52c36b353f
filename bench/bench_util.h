/*
 * bench_util.h - what the end-to-end benchmarks share: clocks, a client on
 * the engine of scripts/bench.sh, and a transport that records a request
 * of a given operation as a wrk Lua script (the reference every figure is
 * compared with: the same request, replayed by wrk on the same server).
 *
 * Not thread-safe except where noted; benchmarks set up on one thread.
 */
#ifndef DDB_BENCH_UTIL_H
#define DDB_BENCH_UTIL_H

#include "ddb/ddb.h"

/* Monotonic seconds; user + system CPU seconds of the process; peak RSS
 * of the process in KiB. Thread-safe. */
double bench_now(void);
double bench_cpu(void);
long bench_peak_rss_kib(void);

/* Prints "<what>: <the last error>" on stderr and exits 1. */
void bench_die(const char *what);

/* A transport that forwards to `inner`, keeps as a wrk script the first
 * request whose X-Amz-Target ends in "." + `operation`, and counts them.
 * Thread-safe (a lock around the copy and the count). */
typedef struct bench_recorder bench_recorder;

/* A client on $DDB_TEST_ENDPOINT with transport `kind` ("native" or
 * "curl"); when `rec` is not NULL, requests of `operation` are recorded
 * into it (*rec is made and owned by the client's transport). Exits on
 * failure. */
ddb_client *bench_client(const char *kind, bench_recorder **rec, const char *operation);

/* Writes the recorded request as a wrk script to `path`; exits on
 * failure (nothing recorded included). */
void bench_write_wrk_script(const bench_recorder *rec, const char *path);

/* Requests of the recorded operation sent so far. Thread-safe. */
unsigned long bench_recorded(bench_recorder *rec);

/* PynamoDB's benchmark user (bench/user.yaml) named `name`: user i of a
 * bulk load (i = 0: the e2e user, born 2022-10-26T20:00:00Z). The struct
 * is initialised here; the caller clears it. */
struct bench_user;
void bench_fill_user(struct bench_user *u, const char *name, long i);

#endif /* DDB_BENCH_UTIL_H */
