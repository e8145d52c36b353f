/* test_hostile.c - a hostile server: a loopback server answers GetItem
 * with truncated, stalled, never-ending, huge, deeply nested, wrongly
 * typed, invalid-UTF-8 and malformed answers; a real client (both
 * transports) must fail each with a typed error, within its timeouts, and
 * (under valgrind in the suite) leak nothing. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ddb/client.h"
#include "ddb/error.h"
#include "ddb/ops.h"
#include "ddb/transport.h"

typedef enum mode {
    TRUNCATED,    /* Content-Length 1000, 8 bytes, then the close */
    STALL,        /* the head, then nothing */
    SILENT,       /* nothing at all */
    NEVER_ENDING, /* chunks for ever */
    HUGE,         /* Content-Length of 200 MB */
    DEEP,         /* 100,000 nested arrays in the envelope */
    DEEP_ITEM,    /* 10,000 nested lists in an item */
    WRONG_TYPE,   /* "Item": 5 */
    WRONG_VALUE,  /* {"S": 5} */
    BAD_UTF8,     /* a string holding 0xFF */
    BAD_STATUS,   /* not an HTTP status line */
    HTML_500,     /* a proxy's error page */
    N_MODES
} mode;

static int listen_fd, port;
static volatile mode current;
static pthread_t acceptor;

static const char *find_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay != '\0'; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return hay;
    return NULL;
}

/* Reads a request head and its Content-Length body; false at EOF. */
static bool read_request(int fd)
{
    char buf[8192];
    size_t len = 0;
    for (;;) {
        buf[len] = '\0';
        const char *end = strstr(buf, "\r\n\r\n");
        if (end != NULL) {
            const char *cl = find_ci(buf, "\r\nContent-Length:");
            size_t body = cl != NULL && cl < end ? strtoul(cl + 17, NULL, 10) : 0;
            if (len >= (size_t)(end - buf) + 4 + body)
                return true;
        }
        if (len + 1 >= sizeof buf)
            return false;
        ssize_t n = recv(fd, buf + len, sizeof buf - 1 - len, 0);
        if (n <= 0)
            return false;
        len += (size_t)n;
    }
}

static void put(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t k = send(fd, s, n, MSG_NOSIGNAL);
        if (k <= 0)
            return;
        s += k;
        n -= (size_t)k;
    }
}

static void puts_fd(int fd, const char *s)
{
    put(fd, s, strlen(s));
}

/* A 200 answer with `body` (no x-amz-crc32: not every server sends one). */
static void ok(int fd, const char *body, size_t len)
{
    char head[128];
    snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", len);
    puts_fd(fd, head);
    put(fd, body, len);
}

static void answer(int fd, mode m)
{
    switch (m) {
    case TRUNCATED:
        puts_fd(fd, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{\"Item\":");
        break;
    case STALL:
        puts_fd(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");
        sleep(3);
        break;
    case SILENT:
        sleep(3);
        break;
    case NEVER_ENDING: {
        puts_fd(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        char chunk[4096 + 16];
        int n = snprintf(chunk, sizeof chunk, "1000\r\n");
        memset(chunk + n, '[', 4096);
        memcpy(chunk + n + 4096, "\r\n", 2);
        for (int i = 0; i < 100000; i++) { /* 400 MB at most: the client stops long before */
            ssize_t k = send(fd, chunk, (size_t)n + 4096 + 2, MSG_NOSIGNAL);
            if (k <= 0)
                break;
        }
        break;
    }
    case HUGE:
        puts_fd(fd, "HTTP/1.1 200 OK\r\nContent-Length: 200000000\r\n\r\n{\"Item\":{");
        break;
    case DEEP: {
        size_t depth = 100000, len = 9 + 2 * depth + 1;
        char *body = malloc(len);
        memcpy(body, "{\"Other\":", 9);
        memset(body + 9, '[', depth);
        memset(body + 9 + depth, ']', depth);
        body[len - 1] = '}';
        ok(fd, body, len);
        free(body);
        break;
    }
    case DEEP_ITEM: { /* {"Item":{"a":{"L":[{"L":[ ... ]}]}}} */
        size_t depth = 10000;
        ddb_buf b = DDB_BUF_INIT;
        ddb_buf_puts(&b, "{\"Item\":{\"a\":");
        for (size_t i = 0; i < depth; i++)
            ddb_buf_puts(&b, "{\"L\":[");
        for (size_t i = 0; i < depth; i++)
            ddb_buf_puts(&b, "]}");
        ddb_buf_puts(&b, "}}");
        ok(fd, b.data, b.len);
        ddb_buf_free(&b);
        break;
    }
    case WRONG_TYPE:
        ok(fd, "{\"Item\":5}", 10);
        break;
    case WRONG_VALUE:
        ok(fd, "{\"Item\":{\"id\":{\"S\":5}}}", 23);
        break;
    case BAD_UTF8:
        ok(fd, "{\"Item\":{\"id\":{\"S\":\"k\xff\xfe\"}}}", 28);
        break;
    case BAD_STATUS:
        puts_fd(fd, "HTTP/1.1 2OO OK\r\nContent-Length: 2\r\n\r\n{}");
        break;
    case HTML_500:
        puts_fd(fd, "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/html\r\nContent-Length: 27\r\n\r\n"
                    "<html>proxy error</html>\n\n\n");
        break;
    case N_MODES:
        break;
    }
}

/* One connection: one request, one answer of the current mode. */
static void *handle(void *arg)
{
    int fd = (int)(intptr_t)arg;
    if (read_request(fd))
        answer(fd, current);
    shutdown(fd, SHUT_WR);
    close(fd);
    return NULL;
}

#define MAX_HANDLERS 256
static pthread_t handlers[MAX_HANDLERS];
static size_t n_handlers;

static void *accept_loop(void *arg)
{
    (void)arg;
    for (;;) {
        int fd = accept(listen_fd, NULL, NULL);
        if (fd < 0)
            return NULL;
        if (n_handlers == MAX_HANDLERS || pthread_create(&handlers[n_handlers], NULL, handle, (void *)(intptr_t)fd) != 0) {
            close(fd);
            continue;
        }
        n_handlers++;
    }
}

static int server_start(void **state)
{
    (void)state;
    signal(SIGPIPE, SIG_IGN);
    listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    if (bind(listen_fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(listen_fd, 16) != 0 ||
        getsockname(listen_fd, (struct sockaddr *)&a, &alen) != 0)
        return -1;
    port = ntohs(a.sin_port);
    return pthread_create(&acceptor, NULL, accept_loop, NULL);
}

static int server_stop(void **state)
{
    (void)state;
    shutdown(listen_fd, SHUT_RDWR);
    close(listen_fd);
    pthread_join(acceptor, NULL);
    for (size_t i = 0; i < n_handlers; i++)
        pthread_join(handlers[i], NULL);
    return 0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Every mode, on a client over `transport` (NULL: the default, native). */
static void run_all(ddb_transport *transport, const char *name)
{
    static const struct {
        mode m;
        int code;
        const char *part; /* of the message */
    } cases[] = {
        {TRUNCATED, DDB_ENETWORK, ""},
        {STALL, DDB_ETIMEOUT, ""},
        {SILENT, DDB_ETIMEOUT, ""},
        {NEVER_ENDING, DDB_ELIMIT, "over 1048576 bytes"},
        {HUGE, DDB_ELIMIT, "over 1048576 bytes"},
        {DEEP, DDB_EPROTOCOL, "levels of nesting"},
        {DEEP_ITEM, DDB_EPROTOCOL, "levels of nesting"},
        {WRONG_TYPE, DDB_EPROTOCOL, ""},
        {WRONG_VALUE, DDB_EPROTOCOL, ""},
        {BAD_UTF8, DDB_EPROTOCOL, "UTF-8"},
        {BAD_STATUS, DDB_ENETWORK, ""},
        {HTML_500, DDB_ESERVICE, ""},
    };
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "http://127.0.0.1:%d", port);
    ddb_credentials_provider *creds = NULL;
    assert_int_equal(ddb_creds_static_new(&creds, "AKID", "SECRET", NULL), 0);
    ddb_client_config cfg = DDB_CLIENT_CONFIG_INIT;
    cfg.endpoint = endpoint;
    cfg.region = "us-east-1";
    cfg.credentials = creds;
    cfg.transport = transport;
    cfg.retry.max_attempts = 1;
    cfg.connect_timeout_ms = 1000;
    cfg.request_timeout_ms = 700;
    cfg.max_response_bytes = 1 << 20;
    ddb_client *c = NULL;
    assert_int_equal(ddb_client_new(&c, &cfg), 0);
    ddb_av *key = ddb_av_new(DDB_AV_M);
    assert_int_equal(ddb_av_map_set(key, "id", ddb_av_s("k")), 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        current = cases[i].m;
        ddb_get_item_input in = DDB_GET_ITEM_INPUT_INIT;
        in.table_name = "T";
        in.key = key;
        ddb_get_item_output out;
        double t0 = now();
        int rc = ddb_get_item(&out, c, &in);
        double took = now() - t0;
        ddb_get_item_output_free(&out);
        print_message("%s, mode %d: %s in %.2f s: %s\n", name, (int)cases[i].m, ddb_code_name(rc), took,
                      ddb_last_error()->message);
        if (rc != cases[i].code)
            fail_msg("%s, mode %d: %s, expected %s", name, (int)cases[i].m, ddb_code_name(rc),
                     ddb_code_name(cases[i].code));
        if (strstr(ddb_last_error()->message, cases[i].part) == NULL)
            fail_msg("%s, mode %d: the message lacks \"%s\"", name, (int)cases[i].m, cases[i].part);
        assert_true(took < 2.5); /* the timeouts bound every case: no hang */
    }
    ddb_av_free(key);
    ddb_client_free(c);
}

static void test_native(void **state)
{
    (void)state;
    run_all(NULL, "native");
}

static void test_curl(void **state)
{
    (void)state;
    ddb_transport *t = NULL;
    assert_int_equal(ddb_curl_transport_new(&t, NULL), 0);
    run_all(t, "curl");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_native),
        cmocka_unit_test(test_curl),
    };
    return cmocka_run_group_tests(tests, server_start, server_stop);
}
