/* error.c - the thread-local last error and the error table. */
#include "feature_macros.h" /* first: feature-test macros before any system header */

#include "ddb/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local ddb_error last_error;

const ddb_error *ddb_last_error(void)
{
    return &last_error;
}

void ddb_error_clear(void)
{
    memset(&last_error, 0, sizeof last_error);
}

const char *ddb_strerror(int code)
{
    switch (code) {
#define DDB_ERROR_TEXT_(name, value, text)                                                          \
    case value:                                                                                     \
        return text;
        DDB_ERROR_TABLE(DDB_ERROR_TEXT_)
#undef DDB_ERROR_TEXT_
    }
    return "unknown error";
}

const char *ddb_code_name(int code)
{
    switch (code) {
#define DDB_ERROR_NAME_(name, value, text)                                                          \
    case value:                                                                                     \
        return "DDB_E" #name;
        DDB_ERROR_TABLE(DDB_ERROR_NAME_)
#undef DDB_ERROR_NAME_
    }
    return "DDB_E?";
}

static void copy_field(char *dst, size_t size, const char *src)
{
    if (src == NULL)
        return;
    size_t n = strlen(src);
    if (n >= size)
        n = size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

int ddb_error_set(int code, const char *fmt, ...)
{
    /* Formatted first: the arguments may point into the last error itself
     * (ddb_error_set(DDB_ETYPE, "%s", ddb_last_error()->message)). */
    char message[sizeof last_error.message];
    if (fmt != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(message, sizeof message, fmt, ap);
        va_end(ap);
    } else {
        copy_field(message, sizeof message, ddb_strerror(code));
    }
    ddb_error *e = &last_error;
    e->code = code;
    e->http_status = 0;
    e->aws_type[0] = '\0';
    e->request_id[0] = '\0';
    e->operation[0] = '\0';
    e->table[0] = '\0';
    e->attempts = 0;
    e->maybe_applied = false;
    memcpy(e->message, message, sizeof message);
    return code;
}

int ddb_error_set_aws(long http_status, const char *aws_type, const char *request_id)
{
    ddb_error *e = &last_error;
    if (http_status != 0)
        e->http_status = http_status;
    copy_field(e->aws_type, sizeof e->aws_type, aws_type);
    copy_field(e->request_id, sizeof e->request_id, request_id);
    return e->code;
}

void ddb_error_set_context(const char *operation, const char *table)
{
    copy_field(last_error.operation, sizeof last_error.operation, operation);
    copy_field(last_error.table, sizeof last_error.table, table);
}

void ddb_error_set_attempts(unsigned attempts)
{
    last_error.attempts = attempts;
}

void ddb_error_set_maybe_applied(void)
{
    if (!last_error.maybe_applied)
        ddb_error_append(" (an earlier attempt may have been applied: read the item to know)");
    last_error.maybe_applied = true;
}

void ddb_error_prefix(const char *fmt, ...)
{
    char old[sizeof last_error.message];
    memcpy(old, last_error.message, sizeof old);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(last_error.message, sizeof last_error.message, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof last_error.message)
        copy_field(last_error.message + n, sizeof last_error.message - (size_t)n, old);
}

void ddb_error_append(const char *text)
{
    size_t len = strlen(last_error.message);
    copy_field(last_error.message + len, sizeof last_error.message - len, text);
}

void ddb_error_restore(const ddb_error *saved)
{
    if (saved != &last_error)
        last_error = *saved;
}

char *ddb_error_format(char *out, size_t size, const ddb_error *err)
{
    if (size == 0)
        return out;
    int n = 0;
    size_t used = 0;
#define DDB_APPEND_(...)                                                                            \
    do {                                                                                            \
        n = snprintf(out + used, size - used, __VA_ARGS__);                                         \
        if (n < 0 || (size_t)n >= size - used)                                                      \
            return out;                                                                             \
        used += (size_t)n;                                                                          \
    } while (0)
    out[0] = '\0';
    if (err->operation[0] != '\0')
        DDB_APPEND_("%s%s%s: ", err->operation, err->table[0] ? " on " : "", err->table);
    DDB_APPEND_("%s", ddb_strerror(err->code));
    if (err->aws_type[0] != '\0')
        DDB_APPEND_(": %s", err->aws_type);
    if (err->message[0] != '\0' && strcmp(err->message, ddb_strerror(err->code)) != 0)
        DDB_APPEND_(": %s", err->message);
    if (err->http_status != 0 || err->request_id[0] != '\0') {
        DDB_APPEND_(" (");
        if (err->http_status != 0)
            DDB_APPEND_("HTTP %ld%s", err->http_status, err->request_id[0] ? ", " : "");
        if (err->request_id[0] != '\0')
            DDB_APPEND_("request id %s", err->request_id);
        DDB_APPEND_(")");
    }
#undef DDB_APPEND_
    return out;
}
