/*
 * sigv4_tool.c - signs requests read from stdin with libddb and prints one
 * line per request, for botocore_agree.py; "--bench N" instead times N
 * signatures of a typical DynamoDB request with a warm key cache.
 *
 * Input: one field per line, each request closed by "end":
 *   method POST            path /              query a=1&b=2
 *   region us-east-1       service dynamodb    time <epoch seconds>
 *   akid <id>              secret <key>        token <session token>
 *   header <name> <value>  (the value is the rest of the line, spaces kept)
 *   body <hex bytes>
 *   end
 * Output: "auth <Authorization>" or "error <message>" per request.
 * Exit status: 0, or 2 on malformed input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ddb/error.h"
#include "ddb/sigv4.h"

typedef struct tool_request {
    char *method, *path, *query, *region, *service, *akid, *secret, *token;
    time_t now;
    ddb_buf body;
    ddb_header headers[DDB_SIGV4_MAX_HEADERS];
    char *header_lines[DDB_SIGV4_MAX_HEADERS]; /* storage behind headers[] */
    size_t n_headers;
} tool_request;

static void request_clear(tool_request *r)
{
    char **fields[] = {&r->method, &r->path, &r->query, &r->region, &r->service, &r->akid, &r->secret, &r->token};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        free(*fields[i]);
        *fields[i] = NULL;
    }
    for (size_t i = 0; i < r->n_headers; i++)
        free(r->header_lines[i]);
    r->n_headers = 0;
    ddb_buf_reset(&r->body);
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static int decode_hex(ddb_buf *out, const char *hex)
{
    for (; hex[0] != '\0' && hex[1] != '\0'; hex += 2) {
        int hi = hex_digit(hex[0]), lo = hex_digit(hex[1]);
        if (hi < 0 || lo < 0 || ddb_buf_putc(out, (char)(hi << 4 | lo)) != 0)
            return -1;
    }
    return hex[0] == '\0' ? 0 : -1;
}

static int add_header(tool_request *r, const char *text)
{
    const char *space = strchr(text, ' ');
    if (space == NULL || r->n_headers == DDB_SIGV4_MAX_HEADERS)
        return -1;
    char *copy = strdup(text);
    if (copy == NULL)
        return -1;
    copy[space - text] = '\0';
    r->header_lines[r->n_headers] = copy;
    r->headers[r->n_headers++] = (ddb_header){copy, copy + (space - text) + 1};
    return 0;
}

/* Stores one "field value" line; -1 when it is not understood. */
static int parse_field(tool_request *r, const char *line)
{
    static const struct {
        const char *name;
        size_t offset;
    } text_fields[] = {
        {"method", offsetof(tool_request, method)},   {"path", offsetof(tool_request, path)},
        {"query", offsetof(tool_request, query)},     {"region", offsetof(tool_request, region)},
        {"service", offsetof(tool_request, service)}, {"akid", offsetof(tool_request, akid)},
        {"secret", offsetof(tool_request, secret)},   {"token", offsetof(tool_request, token)},
    };
    size_t name_len = strcspn(line, " ");
    const char *value = line[name_len] == ' ' ? line + name_len + 1 : line + name_len;
    for (size_t i = 0; i < sizeof text_fields / sizeof text_fields[0]; i++) {
        if (strlen(text_fields[i].name) == name_len && strncmp(line, text_fields[i].name, name_len) == 0) {
            char **field = (char **)((char *)r + text_fields[i].offset);
            free(*field);
            *field = strdup(value);
            return *field != NULL ? 0 : -1;
        }
    }
    if (strncmp(line, "header ", 7) == 0)
        return add_header(r, value);
    if (strncmp(line, "body ", 5) == 0)
        return decode_hex(&r->body, value);
    if (strncmp(line, "time ", 5) == 0) {
        r->now = (time_t)strtoll(value, NULL, 10);
        return 0;
    }
    return -1;
}

static void sign_and_print(ddb_sigv4_cache *cache, const tool_request *r)
{
    ddb_credentials creds = {.access_key_id = r->akid, .secret_access_key = r->secret, .session_token = r->token};
    ddb_sigv4_params params = {.region = r->region, .service = r->service, .now = r->now};
    ddb_sigv4_request req = {
        .method = r->method,
        .path = r->path,
        .query = r->query,
        .headers = r->headers,
        .n_headers = r->n_headers,
        .payload = r->body.data,
        .payload_len = r->body.len,
    };
    ddb_sigv4_result out;
    if (ddb_sigv4_sign(&out, NULL, cache, &params, &creds, &req) == 0)
        printf("auth %s\n", out.authorization);
    else
        printf("error %s\n", ddb_last_error()->message);
}

static int sign_stdin(void)
{
    ddb_sigv4_cache *cache = ddb_sigv4_cache_new();
    tool_request r = {.body = DDB_BUF_INIT};
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int status = cache != NULL ? 0 : 2;
    unsigned long line_no = 0;
    while (status == 0 && (n = getline(&line, &cap, stdin)) >= 0) {
        line_no++;
        if (n > 0 && line[n - 1] == '\n')
            line[n - 1] = '\0';
        if (strcmp(line, "end") == 0) {
            sign_and_print(cache, &r);
            request_clear(&r);
        } else if (parse_field(&r, line) != 0) {
            fprintf(stderr, "sigv4_tool: stdin:%lu: cannot use \"%.60s\"\n", line_no, line);
            status = 2;
        }
    }
    free(line);
    request_clear(&r);
    ddb_buf_free(&r.body);
    ddb_sigv4_cache_free(cache);
    return status;
}

/* CPU time of this thread: other processes on the machine do not count. */
static double cpu_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Times signatures of a GetItem-sized request with a warm cache: the best
 * of 5 rounds of `iterations` / 5. */
static int bench(long iterations)
{
    static const char body[] = "{\"TableName\":\"Thread\",\"Key\":{\"ForumName\":{\"S\":\"Amazon DynamoDB\"},"
                               "\"Subject\":{\"S\":\"How do I update multiple items?\"}},\"ConsistentRead\":true}";
    const ddb_header headers[] = {
        {"Host", "dynamodb.us-east-1.amazonaws.com"},
        {"Content-Type", "application/x-amz-json-1.0"},
        {"X-Amz-Target", "DynamoDB_20120810.GetItem"},
    };
    ddb_credentials creds = {.access_key_id = (char *)"AKIAIOSFODNN7EXAMPLE",
                             .secret_access_key = (char *)"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"};
    ddb_sigv4_params params = {.region = "us-east-1", .service = "dynamodb", .now = time(NULL)};
    ddb_sigv4_request req = {.method = "POST",
                             .path = "/",
                             .headers = headers,
                             .n_headers = 3,
                             .payload = body,
                             .payload_len = sizeof body - 1};
    ddb_sigv4_cache *cache = ddb_sigv4_cache_new();
    ddb_sigv4_result out;
    int rc = ddb_sigv4_sign(&out, NULL, cache, &params, &creds, &req); /* warms the cache */
    long per_round = iterations / 5 > 0 ? iterations / 5 : 1;
    double best = 0;
    for (int round = 0; round < 5; round++) {
        double start = cpu_seconds();
        for (long i = 0; rc == 0 && i < per_round; i++)
            rc = ddb_sigv4_sign(&out, NULL, cache, &params, &creds, &req);
        double elapsed = cpu_seconds() - start;
        if (round == 0 || elapsed < best)
            best = elapsed;
    }
    ddb_sigv4_cache_free(cache);
    if (rc != 0) {
        fprintf(stderr, "sigv4_tool: %s\n", ddb_last_error()->message);
        return 1;
    }
    printf("sign: %.0f ns CPU per request (%zu-byte body, 3 headers, warm cache, best of 5 x %ld)\n",
           best * 1e9 / (double)per_round, sizeof body - 1, per_round);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--bench") == 0 && atol(argv[2]) > 0)
        return bench(atol(argv[2]));
    if (argc == 1)
        return sign_stdin();
    fprintf(stderr, "usage: sigv4_tool [--bench N] < requests\n");
    return 2;
}
