/* retry.c - AWS standard retry mode: backoff schedule, retry quota and
 * the classification of failed attempts. */
#include "feature_macros.h" /* first: feature-test macros before any system header */

#include "ddb/retry.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ddb/error.h"

struct ddb_retry_quota {
    pthread_mutex_t lock;
    uint32_t capacity;
    uint32_t available;
};

ddb_retry_quota *ddb_retry_quota_new(uint32_t capacity)
{
    ddb_retry_quota *q = malloc(sizeof *q);
    if (q == NULL) {
        ddb_error_set(DDB_ENOMEM, "out of memory creating a retry quota");
        return NULL;
    }
    pthread_mutex_init(&q->lock, NULL);
    q->capacity = capacity;
    q->available = capacity;
    return q;
}

void ddb_retry_quota_free(ddb_retry_quota *q)
{
    if (q == NULL)
        return;
    pthread_mutex_destroy(&q->lock);
    free(q);
}

bool ddb_retry_quota_acquire(ddb_retry_quota *q, uint32_t cost)
{
    if (q == NULL)
        return true;
    pthread_mutex_lock(&q->lock);
    bool ok = q->available >= cost;
    if (ok)
        q->available -= cost;
    pthread_mutex_unlock(&q->lock);
    return ok;
}

void ddb_retry_quota_release(ddb_retry_quota *q, uint32_t amount)
{
    if (q == NULL)
        return;
    pthread_mutex_lock(&q->lock);
    uint32_t room = q->capacity - q->available;
    q->available += amount < room ? amount : room;
    pthread_mutex_unlock(&q->lock);
}

uint32_t ddb_retry_quota_available(ddb_retry_quota *q)
{
    if (q == NULL)
        return UINT32_MAX;
    pthread_mutex_lock(&q->lock);
    uint32_t n = q->available;
    pthread_mutex_unlock(&q->lock);
    return n;
}

/* xorshift64* per thread, seeded from the clock and the thread's own
 * address so that threads started together still diverge. */
static double default_rand01(void)
{
    static _Thread_local uint64_t state;
    if (state == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        state = ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)ts.tv_nsec ^ (uint64_t)(uintptr_t)&state;
        if (state == 0)
            state = UINT64_C(0x9E3779B97F4A7C15);
    }
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return (double)((state * UINT64_C(0x2545F4914F6CDD1D)) >> 11) * 0x1.0p-53;
}

uint32_t ddb_retry_delay_ms(const ddb_retry_policy *p, unsigned retry)
{
    uint64_t cap = p->max_backoff_ms;
    if (retry < 32) {
        uint64_t exp = (uint64_t)p->base_ms << retry;
        if (exp < cap)
            cap = exp;
    }
    double r = p->rand01 != NULL ? p->rand01(p->ctx) : default_rand01();
    if (!(r > 0.0)) /* also catches NaN from a broken hook */
        return 0;
    if (r >= 1.0)
        r = 0.0;
    return (uint32_t)(r * (double)cap);
}

void ddb_retry_sleep(const ddb_retry_policy *p, uint32_t ms)
{
    if (p->sleep_ms != NULL) {
        p->sleep_ms(p->ctx, ms);
        return;
    }
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        continue;
}

/* AWS error types worth another attempt: throttling and transient ones,
 * as the AWS SDKs' standard mode lists them. */
static const char *const retryable_types[] = {
    "ThrottlingException",
    "Throttling",
    "ThrottledException",
    "RequestThrottledException",
    "RequestThrottled",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "SlowDown",
    "PriorRequestNotComplete",
    "RequestTimeout",
    "RequestTimeoutException",
};

static bool retryable_type(const char *aws_type)
{
    if (aws_type == NULL)
        return false;
    for (size_t i = 0; i < sizeof retryable_types / sizeof retryable_types[0]; i++)
        if (strcmp(aws_type, retryable_types[i]) == 0)
            return true;
    return false;
}

bool ddb_retry_is_retryable(int code, long http_status, const char *aws_type)
{
    switch (code) {
    case DDB_ETIMEOUT:
    case DDB_ENETWORK:
    case DDB_ECRC:
    case DDB_ETHROTTLED:
        return true;
    default:
        break;
    }
    if (retryable_type(aws_type))
        return true;
    switch (http_status) {
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
        return true;
    default:
        return false;
    }
}
