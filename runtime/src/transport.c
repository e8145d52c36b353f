/* transport.c - the transport-independent part of the HTTP seam: the
 * response object and the headers libddb keeps from it. */
#include "feature_macros.h" /* first: feature-test macros before any system header */

#include "ddb/transport.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

/* The headers of interest: wire name (lowercase) -> field of the response. */
static const struct {
    const char *name;
    size_t offset;
} wanted_headers[] = {
    {"x-amzn-requestid", offsetof(ddb_http_response, request_id)},
    {"x-amz-request-id", offsetof(ddb_http_response, request_id)},
    {"x-amz-crc32", offsetof(ddb_http_response, crc32)},
    {"content-type", offsetof(ddb_http_response, content_type)},
    {"etag", offsetof(ddb_http_response, etag)},
    {"retry-after", offsetof(ddb_http_response, retry_after)},
};

void ddb_http_response_clear_headers(ddb_http_response *r)
{
    for (size_t i = 0; i < sizeof wanted_headers / sizeof wanted_headers[0]; i++)
        ((char *)r + wanted_headers[i].offset)[0] = '\0';
}

void ddb_http_response_reset(ddb_http_response *r)
{
    r->status = 0;
    r->sent = false;
    ddb_buf_reset(&r->body);
    ddb_http_response_clear_headers(r);
}

void ddb_http_response_free(ddb_http_response *r)
{
    if (r == NULL)
        return;
    ddb_buf_free(&r->body);
    ddb_http_response_reset(r);
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

void ddb_http_response_add_header(ddb_http_response *r, const char *name, size_t name_len,
                                  const char *value, size_t value_len)
{
    while (value_len > 0 && is_blank(value[0])) {
        value++;
        value_len--;
    }
    while (value_len > 0 && is_blank(value[value_len - 1]))
        value_len--;
    for (size_t i = 0; i < sizeof wanted_headers / sizeof wanted_headers[0]; i++) {
        const char *want = wanted_headers[i].name;
        if (strlen(want) != name_len || strncasecmp(want, name, name_len) != 0)
            continue;
        char *dst = (char *)r + wanted_headers[i].offset;
        size_t n =
            value_len < DDB_HTTP_HEADER_VALUE_MAX ? value_len : DDB_HTTP_HEADER_VALUE_MAX - 1;
        memcpy(dst, value, n);
        dst[n] = '\0';
        return;
    }
}

void ddb_transport_free(ddb_transport *t)
{
    if (t != NULL && t->destroy != NULL)
        t->destroy(t);
}
