/* fuzz_http.c - raw HTTP answers from fuzz inputs, and the scripted
 * transport that gives them (fuzz_http.h). */
#include "fuzz_http.h"

#include <stdio.h>
#include <string.h>

#include "ddb/json.h"

fuzz_answer fuzz_answer_parse(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    fuzz_answer a = {0, NULL, 0, NULL, 0, NULL, 0};
    for (int digits = 0; p < end && *p >= '0' && *p <= '9'; p++)
        if (digits++ < 4) /* a status of at most 9999 */
            a.status = a.status * 10 + (*p - '0');
    if (p < end && *p == ' ')
        p++;
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    a.flags = p;
    a.n_flags = (size_t)((nl != NULL ? nl : end) - p);
    p = nl != NULL ? nl + 1 : end;
    a.head = p;
    while (p < end && *p != '\n') { /* header lines up to an empty one */
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        p = eol != NULL ? eol + 1 : end;
    }
    a.head_len = (size_t)(p - a.head);
    if (p < end) { /* the empty line */
        a.body = p + 1;
        a.body_len = (size_t)(end - p - 1);
    }
    return a;
}

bool fuzz_answer_flag(const fuzz_answer *a, char c)
{
    return a->n_flags != 0 && memchr(a->flags, c, a->n_flags) != NULL;
}

static int answer(ddb_transport *self, const ddb_http_request *req, ddb_http_response *resp)
{
    fuzz_transport *t = (fuzz_transport *)self;
    (void)req;
    const fuzz_answer *a = &t->answers[t->requests < t->n ? t->requests : t->n - 1];
    t->requests++;
    resp->status = a->status;
    for (const char *p = a->head, *end = a->head + a->head_len; p < end;) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = eol != NULL ? eol : end;
        const char *colon = memchr(p, ':', (size_t)(line_end - p));
        if (colon != NULL)
            ddb_http_response_add_header(resp, p, (size_t)(colon - p), colon + 1, (size_t)(line_end - colon - 1));
        p = line_end + 1;
    }
    if (fuzz_answer_flag(a, 'k')) {
        char crc[16];
        int n = snprintf(crc, sizeof crc, "%lu", (unsigned long)ddb_crc32(a->body_len != 0 ? a->body : "", a->body_len));
        ddb_http_response_add_header(resp, "x-amz-crc32", 11, crc, (size_t)n);
    }
    resp->sent = true;
    return a->body_len != 0 ? ddb_buf_append(&resp->body, a->body, a->body_len) : 0;
}

void fuzz_transport_init(fuzz_transport *t, const fuzz_answer *answers, size_t n)
{
    t->base.send = answer;
    t->base.destroy = NULL;
    t->answers = answers;
    t->n = n;
    t->requests = 0;
}
