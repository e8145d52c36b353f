/*
 * ddb/tracker.h - the status tracker: a table of tasks that workers claim,
 * run and mark done, with locks that expire, bounded retries and an error
 * history (docs/status-tracker.md; pynamodb_mate's status_tracker pattern,
 * with its flaws fixed).
 *
 * The table is declared by schemas/status_tracker.yaml (give it to ddbc
 * beside your own schema to get its create_table and a typed model of a
 * task); these helpers read and write its items directly. One table holds
 * any number of use cases; a tracker is one use case of one table:
 *
 *     ddb_tracker_config cfg = DDB_TRACKER_CONFIG_INIT;
 *     cfg.client = client;
 *     cfg.table = "StatusTracker";
 *     cfg.use_case = "thumbnails";
 *     ddb_tracker *tr;
 *     if (ddb_tracker_new(&tr, &cfg) != 0) ...
 *     ddb_tracker_add(tr, "img-0001", "{\"src\": \"a.png\"}");
 *     ...
 *     ddb_task task = DDB_TASK_INIT;
 *     while (ddb_tracker_next(tr, &task) == 0) {      // claims the oldest runnable task
 *         if (work(&task) == 0) ddb_tracker_succeed(tr, &task, NULL);
 *         else ddb_tracker_fail(tr, &task, "why");
 *         ddb_task_clear(&task);
 *     }
 *
 * States: pending -> in_progress -> succeeded, or -> failed (runnable again
 * after retry_delay_ms) -> in_progress ... until max_attempts starts, then
 * ignored. An in_progress task whose lock expired (its worker crashed or
 * hung) is runnable again: the next claim records "lock expired" in its
 * error history and counts the attempt. Every change is one conditional
 * UpdateItem on the task's `version`, so two workers never both hold a
 * task's lock; a worker that outlives its lock learns it (DDB_EINUSE) when
 * it reports.
 *
 * Time: lock expiry and retry delays compare the workers' clocks
 * (CLOCK_REALTIME, or config.clock_ms); they must agree to well within
 * lock_ms.
 *
 * Errors: 0 or a negative DDB_E* code with the detail in ddb_last_error():
 * DDB_EINVAL (bad argument: use case, task id, JSON, status), DDB_ENOTFOUND
 * (no such task; next: nothing runnable), DDB_EEXISTS (add: the task
 * exists), DDB_EINUSE (another worker holds the lock, or changed the task
 * since it was read; after a claim: the lock was lost), DDB_ECONDITION
 * (the task is not runnable: finished, ignored, or failed and not yet due),
 * DDB_ETYPE (an item of the table does not have the tracker's layout), and
 * the codes of the DynamoDB operations.
 *
 * Thread safety: a tracker is immutable after ddb_tracker_new; every
 * function may be called on it from any number of threads at once (the
 * client must allow it, as ddb_client does). A ddb_task belongs to the
 * thread that uses it.
 */
#ifndef DDB_TRACKER_H
#define DDB_TRACKER_H

#include "ddb/export.h"

#include <stddef.h>
#include <stdint.h>

#include "ddb/client.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ddb_task_status {
    DDB_TASK_PENDING = 0,
    DDB_TASK_IN_PROGRESS,
    DDB_TASK_FAILED,
    DDB_TASK_SUCCEEDED,
    DDB_TASK_IGNORED
} ddb_task_status;

#define DDB_TASK_STATUS_COUNT 5

/* "pending", "in_progress", "failed", "succeeded", "ignored" (the stored
 * text); NULL for a value out of range. */
DDB_API const char *ddb_task_status_name(ddb_task_status s);

/* One entry of a task's error history. */
typedef struct ddb_task_error {
    int64_t at_ms;   /* when it was recorded (ms since the epoch) */
    int64_t attempt; /* the attempt that failed, 1 = the first */
    char *message;
} ddb_task_error;

/* A task as stored. Every pointer is owned by the struct; release with
 * ddb_task_clear. */
typedef struct ddb_task {
    char *use_case;
    char *task_id;
    ddb_task_status status;
    int64_t attempts;        /* how many times it was claimed */
    int64_t created_ms;
    int64_t updated_ms;      /* the last change of any kind */
    int64_t due_ms;          /* pending/failed: runnable from; in_progress:
                              * the lock's expiry; finished: when */
    char *lock;              /* the holder's token; NULL when not locked */
    int64_t version;         /* bumped by every change */
    char *data;              /* JSON text, or NULL */
    ddb_task_error *errors;  /* oldest first, at most max_errors */
    size_t n_errors;
} ddb_task;

#define DDB_TASK_INIT {0}

/* Frees what `t` owns and zeroes it (NULL-safe). */
DDB_API void ddb_task_clear(ddb_task *t);

typedef struct ddb_task_list {
    ddb_task *tasks;
    size_t n;
} ddb_task_list;

#define DDB_TASK_LIST_INIT {0}

/* Frees every task and the array, and zeroes the list (NULL-safe). */
DDB_API void ddb_task_list_clear(ddb_task_list *l);

typedef struct ddb_tracker_config {
    unsigned version;         /* DDB_TRACKER_CONFIG_VERSION */
    ddb_client *client;       /* required; borrowed, must outlive the tracker */
    const char *table;        /* required; copied */
    const char *use_case;     /* required: 1 to 64 of [A-Za-z0-9_.-]; copied */
    uint32_t shards;          /* index partitions per status, 1..256 (0: 4);
                               * every worker of a use case must agree */
    uint32_t max_attempts;    /* claims before a failing task is ignored (0: 3) */
    int64_t lock_ms;          /* how long a claim holds the lock (0: 15 min) */
    int64_t retry_delay_ms;   /* a failed task is runnable again after it (0: at once) */
    uint32_t max_errors;      /* error history kept per task, newest (0: 10) */
    /* The clock, ms since the epoch; NULL: CLOCK_REALTIME. */
    int64_t (*clock_ms)(void *arg);
    void *clock_arg;
} ddb_tracker_config;

#define DDB_TRACKER_CONFIG_VERSION 1
#define DDB_TRACKER_CONFIG_INIT {DDB_TRACKER_CONFIG_VERSION, NULL, NULL, NULL, 0, 0, 0, 0, 0, NULL, NULL}

typedef struct ddb_tracker ddb_tracker;

/* A tracker for cfg's use case (no request is sent). *out is owned by the
 * caller: ddb_tracker_free. DDB_EINVAL for a bad config. */
DDB_API int ddb_tracker_new(ddb_tracker **out, const ddb_tracker_config *cfg);
DDB_API void ddb_tracker_free(ddb_tracker *tr);

/* The index partition of `task_id` among `shards`: FNV-1a (32-bit) of its
 * bytes, modulo shards. Stable across processes, versions and languages. */
DDB_API uint32_t ddb_tracker_shard(const char *task_id, uint32_t shards);

/* Adds a pending task (`data`: JSON text or NULL). DDB_EEXISTS when the
 * task exists, whatever its state. */
DDB_API int ddb_tracker_add(ddb_tracker *tr, const char *task_id, const char *data);

/* Reads a task (strongly consistent) into *out (cleared first).
 * DDB_ENOTFOUND when there is none. */
DDB_API int ddb_tracker_get(ddb_tracker *tr, const char *task_id, ddb_task *out);

/* Claims `task_id` now: reads it and takes its lock when it is runnable
 * (pending or due failed; in_progress with an expired lock). *out (cleared
 * first) is the claimed task; keep it to report. DDB_ENOTFOUND,
 * DDB_EINUSE (locked by another), DDB_ECONDITION (finished, or not due;
 * a task out of attempts becomes ignored). */
DDB_API int ddb_tracker_start(ddb_tracker *tr, const char *task_id, ddb_task *out);

/* Claims the oldest runnable task of the use case (across every shard)
 * into *out (cleared first). DDB_ENOTFOUND when none is runnable now. */
DDB_API int ddb_tracker_next(ddb_tracker *tr, ddb_task *out);

/* The holder of `task` (a claimed task) extends its lock by lock_ms from
 * now; `task` is updated. DDB_EINUSE when the lock was lost. */
DDB_API int ddb_tracker_extend(ddb_tracker *tr, ddb_task *task);

/* The holder marks `task` succeeded and releases the lock; `data` (JSON
 * text) replaces the task's data, NULL keeps it. `task` is updated.
 * DDB_EINUSE when the lock was lost (nothing is written). */
DDB_API int ddb_tracker_succeed(ddb_tracker *tr, ddb_task *task, const char *data);

/* The holder records `message` (UTF-8) in the error history and marks the
 * task failed, or ignored when it has had max_attempts attempts.
 * DDB_EINUSE when the lock was lost (nothing is written). */
DDB_API int ddb_tracker_fail(ddb_tracker *tr, ddb_task *task, const char *message);

/* Makes a finished, failed or ignored task pending again with no attempts
 * counted (the history is kept). DDB_EINUSE while a live lock is held,
 * DDB_ENOTFOUND when there is no such task. */
DDB_API int ddb_tracker_reset(ddb_tracker *tr, const char *task_id);

/* The `limit` (>= 1) oldest tasks in `status` across every shard, oldest
 * first (by due_ms, then task id), appended to *out. Reads the status
 * index (eventually consistent). */
DDB_API int ddb_tracker_list(ddb_tracker *tr, ddb_task_status status, size_t limit, ddb_task_list *out);

#ifdef __cplusplus
}
#endif

#endif /* DDB_TRACKER_H */
