/*
 * ddb/error.h - the one error model of libddb.
 *
 * Every fallible libddb function returns 0 on success or a negative DDB_E*
 * code. The code says *what kind* of failure happened (few, meaningful
 * values); the detail (AWS error type, message, HTTP status, request id,
 * operation, table) is recorded in a per-thread "last error" that the caller
 * reads with ddb_last_error() right after the failing call.
 *
 * Conventions (see docs/errors.md):
 *  - The first failure of a call is the one recorded; helpers that fail
 *    underneath a caller that already recorded an error do not overwrite it.
 *  - A successful call does not clear the last error; check return codes.
 *
 * Thread safety: the last error is thread-local; every function here is safe
 * to call from any thread.
 */
#ifndef DDB_ERROR_H
#define DDB_ERROR_H

#include "ddb/export.h"

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * X-macro: X(NAME, value, "human text") defines DDB_E<NAME> = value.
 * One table, used for the enum, ddb_strerror() and ddb_code_name().
 */
#define DDB_ERROR_TABLE(X)                                                                          \
    X(OK, 0, "success")                                                                             \
    X(NOMEM, -1, "out of memory")                                                                   \
    X(INVAL, -2, "invalid argument")                                                                \
    X(NOTFOUND, -3, "item not found")                                                               \
    X(CONDITION, -4, "conditional check failed")                                                    \
    X(THROTTLED, -5, "request throttled")                                                           \
    X(CANCELLED, -6, "transaction cancelled")                                                       \
    X(VALIDATION, -7, "request rejected as invalid by the service")                                 \
    X(AUTH, -8, "authentication or authorization failed")                                           \
    X(NETWORK, -9, "network error")                                                                 \
    X(TIMEOUT, -10, "request timed out")                                                            \
    X(CRC, -11, "response checksum mismatch")                                                       \
    X(PROTOCOL, -12, "malformed response")                                                          \
    X(SERVICE, -13, "service error")                                                                \
    X(RESOURCE, -14, "table or index not found")                                                    \
    X(INUSE, -15, "resource in use")                                                                \
    X(LIMIT, -16, "DynamoDB limit exceeded")                                                        \
    X(CONFIG, -17, "configuration error")                                                           \
    X(IO, -18, "I/O error")                                                                         \
    X(TYPE, -19, "a stored value does not fit its field")                                           \
    X(EXISTS, -20, "already exists")                                                                \
    X(CREDENTIALS, -21, "no usable credentials")                                                    \
    X(RETRY_QUOTA, -22, "retry quota exhausted")                                                    \
    X(RANGE, -23, "a value would leave the range of its type")                                     \
    X(STALE, -24, "the write was applied, but the object could not be refreshed")                  \
    X(CRYPTO, -25, "a value could not be encrypted, or decrypted and authenticated")

typedef enum ddb_code {
#define DDB_ERROR_ENUM_(name, value, text) DDB_E##name = (value),
    DDB_ERROR_TABLE(DDB_ERROR_ENUM_)
#undef DDB_ERROR_ENUM_
} ddb_code;

/* Convenience alias: DDB_OK == DDB_EOK == 0. */
#define DDB_OK DDB_EOK

#define DDB_ERR_TYPE_MAX 128
#define DDB_ERR_MESSAGE_MAX 1024
#define DDB_ERR_REQUEST_ID_MAX 96
#define DDB_ERR_OPERATION_MAX 48
#define DDB_ERR_TABLE_MAX 256

/*
 * Detail of the last failure on this thread. Fixed-size, so recording an
 * error never allocates (it works even when out of memory). Strings are
 * always NUL-terminated; long values are truncated.
 */
typedef struct ddb_error {
    int code;                                  /* DDB_E* (negative) or 0 */
    long http_status;                          /* 0 when no HTTP exchange */
    char aws_type[DDB_ERR_TYPE_MAX];           /* e.g. "ConditionalCheckFailedException" */
    char message[DDB_ERR_MESSAGE_MAX];         /* human readable */
    char request_id[DDB_ERR_REQUEST_ID_MAX];   /* x-amzn-RequestId, when known */
    char operation[DDB_ERR_OPERATION_MAX];     /* e.g. "PutItem" */
    char table[DDB_ERR_TABLE_MAX];             /* table name, when known */
    unsigned attempts;                         /* HTTP attempts made (retries + 1) */
    /* A write that failed although one of its attempts may have been
     * applied: the request had left when the connection failed or timed
     * out, or the service answered 5xx. The code (DDB_ENETWORK, a
     * condition failure caused by the earlier attempt itself, ...) then
     * says nothing certain about the table: read the item to know. */
    bool maybe_applied;
} ddb_error;

/*
 * Returns the last error recorded on the calling thread. The pointer stays
 * valid for the life of the thread; its contents change with the next
 * failing libddb call on this thread. Never NULL.
 */
DDB_API const ddb_error *ddb_last_error(void);

/* Clears the calling thread's last error (code 0, empty strings). */
DDB_API void ddb_error_clear(void);

/* Static human text for a DDB_E* code ("unknown error" for others). */
DDB_API const char *ddb_strerror(int code);

/* Static symbolic name for a DDB_E* code, e.g. "DDB_ENOTFOUND". */
DDB_API const char *ddb_code_name(int code);

/*
 * Records an error on the calling thread and returns `code`, so that
 * `return ddb_error_set(DDB_EINVAL, "...", ...);` reads naturally.
 * printf-style message; its arguments may point into the current last error
 * (formatting happens before anything is overwritten). Resets every other
 * field of the previous error (AWS detail, operation, table, attempts): a
 * new error starts afresh. Used by libddb and by generated code; users
 * rarely need it.
 */
DDB_API int ddb_error_set(int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/*
 * Fills the AWS detail of the current error (any argument may be NULL to
 * leave that field unchanged). Returns ddb_last_error()->code.
 */
DDB_API int ddb_error_set_aws(long http_status, const char *aws_type, const char *request_id);

/* Sets operation/table context of the current error (NULL leaves it). */
DDB_API void ddb_error_set_context(const char *operation, const char *table);

/* Sets the number of HTTP attempts of the current error. */
DDB_API void ddb_error_set_attempts(unsigned attempts);

/* Marks the current error as a write that may have been applied (and says
 * so at the end of its message). */
DDB_API void ddb_error_set_maybe_applied(void);

/* Puts printf-formatted text in front of the current error's message,
 * keeping its code and detail (e.g. to name the field a failure was in). */
DDB_API void ddb_error_prefix(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Appends text to the current error's message (truncated at the limit). */
DDB_API void ddb_error_append(const char *text);

/* Replaces the calling thread's last error with `saved` (a copy taken with
 * `ddb_error saved = *ddb_last_error();`), e.g. so that a failure while
 * cleaning up does not hide the error that caused it. */
DDB_API void ddb_error_restore(const ddb_error *saved);

/*
 * Formats the last error as one line, e.g.
 * "PutItem on Thread: conditional check failed: ConditionalCheckFailedException:
 *  The conditional request failed (HTTP 400, request id ABC...)".
 * Writes at most `size` bytes including the NUL into `out`; returns `out`.
 */
DDB_API char *ddb_error_format(char *out, size_t size, const ddb_error *err);

#ifdef __cplusplus
}
#endif

#endif /* DDB_ERROR_H */
