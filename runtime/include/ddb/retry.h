/*
 * ddb/retry.h - AWS "standard" retry mode.
 *
 * Up to max_attempts attempts (default 3); before attempt n+1 the client
 * sleeps rand[0,1) * min(base * 2^n, max_backoff) (base 25 ms as in AWS's
 * DynamoDB SDKs, max 20 s); a retry quota bucket (500 tokens) pays 5
 * tokens per retry and 10 per retry after a timeout, and a success refunds
 * what its retries cost (1 token when no retry was needed, up to the
 * initial capacity).
 *
 * Retryable: throttling (ThrottlingException,
 * ProvisionedThroughputExceededException, RequestLimitExceeded,
 * TransactionInProgressException, HTTP 429), HTTP 500/502/503/504,
 * connection errors, timeouts, CRC mismatch. Never:
 * ConditionalCheckFailed, Validation, ResourceNotFound, TransactionCanceled
 * and other 4xx.
 *
 * The clock, sleep and random source are injectable so tests run the
 * schedule without waiting.
 *
 * Thread safety: ddb_retry_quota is internally locked; the policy is
 * read-only after creation; every function is safe to call from any
 * thread (the hooks must be too).
 */
#ifndef DDB_RETRY_H
#define DDB_RETRY_H

#include "ddb/export.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ddb_retry_policy {
    unsigned max_attempts;     /* total attempts, >= 1; default 3 */
    uint32_t base_ms;          /* default 25 */
    uint32_t max_backoff_ms;   /* default 20000 */
    uint32_t quota_capacity;   /* default 500; 0 disables the quota */
    uint32_t retry_cost;       /* default 5 */
    uint32_t timeout_cost;     /* default 10 */
    /* Injectable for tests (NULL: real). rand01 returns [0,1). */
    double (*rand01)(void *ctx);
    void (*sleep_ms)(void *ctx, uint32_t ms);
    void *ctx;
} ddb_retry_policy;

#define DDB_RETRY_POLICY_INIT {3, 25, 20000, 500, 5, 10, NULL, NULL, NULL}

/*
 * Token bucket shared by all requests of one client. A NULL quota stands
 * for "no quota": acquire always succeeds and release does nothing.
 */
typedef struct ddb_retry_quota ddb_retry_quota;

/* Creates a full bucket of `capacity` tokens; NULL on ENOMEM (recorded).
 * Free with ddb_retry_quota_free (NULL-safe). */
DDB_API ddb_retry_quota *ddb_retry_quota_new(uint32_t capacity);
DDB_API void ddb_retry_quota_free(ddb_retry_quota *q);
/* Takes `cost` tokens; false (nothing taken) when not enough are left. */
DDB_API bool ddb_retry_quota_acquire(ddb_retry_quota *q, uint32_t cost);
/* Returns tokens, capped at capacity. */
DDB_API void ddb_retry_quota_release(ddb_retry_quota *q, uint32_t amount);
/* Tokens left (UINT32_MAX for a NULL quota). */
DDB_API uint32_t ddb_retry_quota_available(ddb_retry_quota *q);

/*
 * Delay before retry number `retry` (0 for the first retry), in ms:
 * floor(rand01() * min(base_ms * 2^retry, max_backoff_ms)). With no
 * rand01 hook a per-thread xorshift generator seeded from the clock is used
 * (jitter, not cryptography).
 */
DDB_API uint32_t ddb_retry_delay_ms(const ddb_retry_policy *p, unsigned retry);

/* Sleeps `ms` through the policy's sleep_ms hook, or nanosleep when it is
 * NULL (restarted after signals). */
DDB_API void ddb_retry_sleep(const ddb_retry_policy *p, uint32_t ms);

/*
 * Classifies a failed attempt: `code` is the DDB_E* of the attempt,
 * `http_status` its status (0 if none), `aws_type` the short AWS error
 * type (NULL if none). Returns true when the attempt may be retried:
 * DDB_ETIMEOUT, DDB_ENETWORK, DDB_ECRC, DDB_ETHROTTLED; a throttling or
 * transient AWS type (the list above plus the other throttling codes of
 * the AWS SDKs, e.g. SlowDown, TooManyRequestsException,
 * LimitExceededException); HTTP 429, 500, 502, 503, 504.
 */
DDB_API bool ddb_retry_is_retryable(int code, long http_status, const char *aws_type);

#ifdef __cplusplus
}
#endif

#endif /* DDB_RETRY_H */
