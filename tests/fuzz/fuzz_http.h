/*
 * fuzz_http.h - HTTP answers for the fuzz targets that read them
 * (fuzz_error, fuzz_s3xml, fuzz_config): a fuzz input read as a raw
 * answer, and a transport that gives scripted answers instead of using the
 * network.
 *
 * The input form (text, so that seeds read like HTTP):
 *     STATUS[ FLAGS]\n          decimal status (any digits; 0 when none), then letters
 *     Name: value\n             header lines, each through
 *     ...                       ddb_http_response_add_header, up to
 *     \n                        an empty line
 *     body                      the rest, byte for byte
 * An input that ends before the empty line has no body.
 */
#ifndef DDB_FUZZ_HTTP_H
#define DDB_FUZZ_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ddb/transport.h"

typedef struct fuzz_answer {
    long status;
    const char *flags; /* the letters after the status (not NUL-terminated) */
    size_t n_flags;
    const char *head; /* the header lines */
    size_t head_len;
    const char *body;
    size_t body_len;
} fuzz_answer;

/* Reads `data` in the form above (pointers into `data`). */
fuzz_answer fuzz_answer_parse(const uint8_t *data, size_t size);

/* Whether letter `c` is among the answer's flags. */
bool fuzz_answer_flag(const fuzz_answer *a, char c);

/*
 * A transport answering request i with answers[min(i, n - 1)] (headers
 * through ddb_http_response_add_header, the body appended); with the
 * flag 'k' an x-amz-crc32 header with the body's CRC32 is added. Never
 * fails; counts the requests. Static: ddb_transport_free does nothing.
 */
typedef struct fuzz_transport {
    ddb_transport base;
    const fuzz_answer *answers;
    size_t n;
    unsigned requests;
} fuzz_transport;

void fuzz_transport_init(fuzz_transport *t, const fuzz_answer *answers, size_t n);

#endif /* DDB_FUZZ_HTTP_H */
