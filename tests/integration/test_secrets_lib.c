/*
 * test_secrets_lib.c - no secret in anything libddb shows: every operation
 * of a generated model (tests/integration/secrets.yaml, encrypted
 * attributes) and of the failures around it runs with distinctive secrets
 * — a secret access key, a session token, a 32-byte encryption key, a URL
 * password, the plaintext of encrypted attributes — while hooks are
 * registered at the most verbose setting there is (process-wide and
 * per-client, before and after: every field of every event is kept), and
 * after each call the error is formatted. Everything libddb printed on
 * stderr is kept too. Then all of it is searched for each secret: whole,
 * its first 16 characters, lower and upper case; the key also as hex,
 * base64 and raw bytes.
 *
 * What the wire itself carries is not searched: the signed request holds
 * the session token (X-Amz-Security-Token) by design, and the engine must
 * see ciphertext (checked below: request bodies hold no plaintext).
 *
 * Needs DDB_TEST_ENDPOINT; prints "N checks, N failed" and exits non-zero
 * on a failure.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ddb/ddb.h"
#include "secrets.h"

static ddb_buf seen = DDB_BUF_INIT; /* everything libddb showed */
static unsigned checks, failed;

static void check(int ok, const char *what)
{
    checks++;
    if (!ok) {
        failed++;
        fprintf(stderr, "FAIL: %s\n", what);
    }
}

static void keep(const char *label, const char *s, size_t n)
{
    ddb_buf_printf(&seen, "\n[%s] ", label);
    if (s != NULL)
        ddb_buf_append(&seen, s, n);
}

static void keep_str(const char *label, const char *s)
{
    keep(label, s, s != NULL ? strlen(s) : 0);
}

/* Every field of a hook event. */
static void hook(const ddb_hook_event *ev, void *payload)
{
    keep_str((const char *)payload, ev->operation);
    keep_str("table", ev->table);
    keep("request", ev->request_body, ev->request_len);
    keep_str("aws_type", ev->aws_type);
    keep_str("request_id", ev->request_id);
    keep("response", ev->response_body, ev->response_len);
    if (ev->error != NULL) {
        char line[2048];
        keep_str("event error", ddb_error_format(line, sizeof line, ev->error));
    }
}

/* What a caller sees after a call: the formatted last error. */
static void after_call(const char *what, int rc)
{
    char line[2048];
    ddb_buf_printf(&seen, "\n[%s -> %d] ", what, rc);
    if (rc != 0)
        keep_str("error", ddb_error_format(line, sizeof line, ddb_last_error()));
}

#define CALL(expr) after_call(#expr, (expr))

static char secret_key[64], token[64], url_password[40], ssn_plain[40], email_plain[48];
static unsigned char enc_key[DDB_KEY_SIZE];

static void make_secrets(void)
{
    FILE *r = fopen("/dev/urandom", "rb");
    unsigned char b[40];
    if (r == NULL || fread(b, 1, sizeof b, r) != sizeof b)
        abort();
    fclose(r);
    char hex[81];
    for (size_t i = 0; i < sizeof b; i++)
        snprintf(hex + 2 * i, 3, "%02x", b[i]);
    snprintf(secret_key, sizeof secret_key, "LibSecretKey%.24s", hex);
    snprintf(token, sizeof token, "LibSessionToken%.24s", hex + 24);
    snprintf(url_password, sizeof url_password, "LibUrlPassword%.12s", hex + 48);
    snprintf(ssn_plain, sizeof ssn_plain, "SsnPlain%.16s", hex + 60);
    snprintf(email_plain, sizeof email_plain, "EmailPlain%.16s@example.com", hex + 8);
    for (size_t i = 0; i < DDB_KEY_SIZE; i++)
        enc_key[i] = (unsigned char)(b[i] ^ 0x5a);
}

static bool holds(const char *hay, size_t n, const void *needle, size_t len)
{
    for (size_t i = 0; len <= n && i <= n - len; i++)
        if (memcmp(hay + i, needle, len) == 0)
            return true;
    return false;
}

static void search(const char *hay, size_t n, const void *needle, size_t len, const char *what)
{
    char msg[256];
    snprintf(msg, sizeof msg, "nothing libddb showed holds %s", what);
    check(!holds(hay, n, needle, len), msg);
}

/* The secret whole, its first 16 characters, in lower and upper case. */
static void search_text(const char *hay, size_t n, const char *secret, const char *what)
{
    char form[128];
    search(hay, n, secret, strlen(secret), what);
    search(hay, n, secret, 16, what);
    for (int upper = 0; upper <= 1; upper++) {
        size_t i = 0;
        for (; secret[i] != '\0' && i < sizeof form - 1; i++)
            form[i] = (char)(upper ? toupper((unsigned char)secret[i]) : tolower((unsigned char)secret[i]));
        form[i] = '\0';
        search(hay, n, form, i, what);
    }
}

static void search_key(const char *hay, size_t n)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char hex[2 * DDB_KEY_SIZE + 1], HEX[2 * DDB_KEY_SIZE + 1], base64[48];
    for (size_t i = 0; i < DDB_KEY_SIZE; i++) {
        snprintf(hex + 2 * i, 3, "%02x", enc_key[i]);
        snprintf(HEX + 2 * i, 3, "%02X", enc_key[i]);
    }
    size_t o = 0;
    for (size_t i = 0; i < DDB_KEY_SIZE; i += 3) {
        unsigned v = (unsigned)enc_key[i] << 16 | (i + 1 < DDB_KEY_SIZE ? (unsigned)enc_key[i + 1] << 8 : 0) |
                     (i + 2 < DDB_KEY_SIZE ? enc_key[i + 2] : 0);
        base64[o++] = b64[v >> 18 & 63];
        base64[o++] = b64[v >> 12 & 63];
        base64[o++] = i + 1 < DDB_KEY_SIZE ? b64[v >> 6 & 63] : '=';
        base64[o++] = i + 2 < DDB_KEY_SIZE ? b64[v & 63] : '=';
    }
    base64[o] = '\0';
    search(hay, n, enc_key, 12, "the encryption key's bytes");
    search(hay, n, hex, 24, "the encryption key in hex");
    search(hay, n, HEX, 24, "the encryption key in upper-case hex");
    search(hay, n, base64, 16, "the encryption key in base64");
}

static void operations(ddb_client *c)
{
    sek_account a; /* owns its strings: an update reads the item back into it */
    sek_account_init(&a);
    a.id = strdup("acct-1");
    a.email = strdup(email_plain);
    a.ssn = strdup(ssn_plain);
    if (a.id == NULL || a.email == NULL || a.ssn == NULL)
        abort();
    a.has_balance = true;
    a.balance = 10;
    CALL(sek_account_put(&a, SEK_ACCOUNT_NO_COND));
    CALL(sek_account_put(&a, sek_account_id_not_exists())); /* condition fails */
    CALL(sek_account_put(&a, sek_account_email_eq(email_plain)));
    sek_account got;
    sek_account_init(&got);
    CALL(sek_account_get(&got, "acct-1", NULL));
    check(got.ssn != NULL && strcmp(got.ssn, ssn_plain) == 0, "the encrypted value reads back");
    CALL(sek_account_get(&got, "no-such-account", NULL));
    CALL(sek_account_update(&a, sek_account_add_balance(5), sek_account_ssn_exists()));
    CALL(sek_account_update(&a, sek_account_set_ssn(ssn_plain), sek_account_balance_gt(1000)));
    ddb_iter *it = NULL;
    CALL(sek_account_query(&it, "acct-1", SEK_ACCOUNT_NO_RANGE, SEK_ACCOUNT_NO_COND, NULL));
    while (it != NULL && sek_account_next(&got, it) == 1)
        ;
    ddb_iter_free(it);
    it = NULL;
    CALL(sek_account_scan(&it, sek_account_email_eq(email_plain), NULL));
    while (it != NULL && sek_account_next(&got, it) == 1)
        ;
    ddb_iter_free(it);
    int64_t n = 0;
    CALL(sek_account_count(&n, "acct-1", SEK_ACCOUNT_NO_RANGE, SEK_ACCOUNT_NO_COND, NULL));

    ddb_batch_writer *w = NULL;
    CALL(ddb_batch_writer_new(&w, c, NULL));
    sek_account b = a; /* borrows a's strings for the call */
    b.id = "acct-2";
    CALL(sek_account_batch_put(w, &b));
    CALL(sek_account_batch_put(w, &b)); /* a duplicate key: refused */
    CALL(ddb_batch_writer_flush(w));
    ddb_batch_writer_free(w);
    ddb_batch_getter *g = NULL;
    bool found = false;
    CALL(ddb_batch_getter_new(&g, c, NULL));
    CALL(sek_account_batch_get(&got, &found, g, "acct-2"));
    CALL(ddb_batch_getter_run(g));
    ddb_batch_getter_free(g);

    ddb_txn *t = NULL;
    CALL(ddb_txn_new(&t, c, NULL));
    sek_account d = a;
    d.id = "acct-3";
    CALL(sek_account_txn_put(t, &d, sek_account_id_not_exists()));
    CALL(sek_account_txn_update(t, &a, sek_account_set_ssn(ssn_plain), sek_account_email_eq(email_plain)));
    CALL(ddb_txn_commit(t));
    CALL(ddb_txn_commit(t)); /* the same puts again: cancelled */
    ddb_txn_free(t);

    /* reading with a keyring that lacks the key, then with another key */
    ddb_keyring *stranger = NULL, *impostor = NULL;
    unsigned char other[DDB_KEY_SIZE];
    memset(other, 7, sizeof other);
    ddb_keyring_new(&stranger);
    ddb_keyring_add(stranger, "other", other);
    ddb_keyring_new(&impostor);
    ddb_keyring_add(impostor, "k1", other);
    sek_account_use_keyring(stranger);
    CALL(sek_account_get(&got, "acct-1", NULL));
    sek_account_use_keyring(impostor);
    CALL(sek_account_get(&got, "acct-1", NULL));
    sek_account_use_keyring(NULL);
    CALL(sek_account_get(&got, "acct-1", NULL)); /* no keyring at all */
    CALL(sek_account_put(&a, SEK_ACCOUNT_NO_COND));
    ddb_keyring_free(stranger);
    ddb_keyring_free(impostor);

    CALL(sek_account_delete(&a, SEK_ACCOUNT_NO_COND));
    sek_account_clear(&got);
    sek_account_clear(&a);
}

static char akid[40];

/* A new provider of the distinctive credentials (the caller's until a
 * client takes it). */
static ddb_credentials_provider *new_creds(void)
{
    ddb_credentials_provider *p = NULL;
    if (ddb_creds_static_new(&p, akid, secret_key, token) != 0)
        abort();
    return p;
}

/* A client on `endpoint` with the distinctive credentials, or NULL (the
 * error recorded in `seen`). */
static ddb_client *client_on(const char *endpoint, unsigned max_attempts)
{
    ddb_client *c = NULL;
    ddb_client_config cfg = DDB_CLIENT_CONFIG_INIT;
    cfg.credentials = new_creds();
    cfg.region = "us-east-1";
    cfg.endpoint = endpoint;
    if (max_attempts != 0)
        cfg.retry.max_attempts = max_attempts;
    int rc = ddb_client_new(&c, &cfg);
    after_call("ddb_client_new", rc); /* (the endpoint itself is the test's, not shown) */
    if (rc != 0)
        ddb_credentials_provider_free(cfg.credentials);
    return c;
}

/* Failures around the client itself. */
static void client_failures(void)
{
    char url[128];
    snprintf(url, sizeof url, "http://user:%s@127.0.0.1:9/", url_password);
    ddb_client_free(client_on(url, 0));
    snprintf(url, sizeof url, "http://127.0.0.1:9/?X-Amz-Signature=%s", url_password);
    ddb_client_free(client_on(url, 0));
    ddb_client *c = client_on("http://127.0.0.1:9", 1); /* nothing listens */
    if (c != NULL) {
        ddb_client_add_hook(c, hook, hook, "client hook");
        ddb_buf resp = DDB_BUF_INIT;
        CALL(ddb_client_call(&resp, c, "ListTables", NULL, "{}", 2));
        ddb_buf_free(&resp);
        ddb_client_free(c);
    }
}

int main(void)
{
    const char *endpoint = getenv("DDB_TEST_ENDPOINT");
    if (endpoint == NULL || *endpoint == '\0') {
        fprintf(stderr, "FAIL: DDB_TEST_ENDPOINT is not set (scripts/test.sh starts the engine)\n");
        return 1;
    }
    make_secrets();
    /* libddb's own stderr, if it ever wrote any, goes to a file searched below */
    char err_path[] = "/tmp/ddb-secrets-lib-XXXXXX";
    int err_fd = mkstemp(err_path);
    int saved_stderr = dup(2);
    if (err_fd < 0 || saved_stderr < 0 || dup2(err_fd, 2) < 0)
        return 1;

    snprintf(akid, sizeof akid, "AKIDLIBSECRETS%ld", (long)getpid());
    ddb_keyring *keys = NULL;
    ddb_client *c = client_on(endpoint, 0);
    int rc = c != NULL ? ddb_keyring_new(&keys) : -1;
    if (rc == 0)
        rc = ddb_keyring_add(keys, "k1", enc_key);
    if (rc != 0) {
        dup2(saved_stderr, 2);
        fprintf(stderr, "FAIL: set-up: %s\n", ddb_last_error()->message);
        return 1;
    }
    ddb_global_add_hook(hook, hook, "global hook");
    ddb_client_add_hook(c, hook, hook, "client hook");
    sek_account_use_client(c);
    sek_account_use_keyring(keys);
    CALL(sek_account_delete_table(NULL));
    CALL(sek_account_create_table(NULL));
    CALL(sek_account_create_table(NULL)); /* exists already */
    operations(c);
    client_failures();
    CALL(sek_account_delete_table(NULL));
    sek_account_use_keyring(NULL);
    sek_account_use_client(NULL);
    ddb_global_remove_hook(hook, hook, "global hook");
    ddb_client_free(c);
    ddb_keyring_free(keys);

    fflush(stderr);
    dup2(saved_stderr, 2);
    close(saved_stderr);
    FILE *f = fdopen(err_fd, "rb");
    if (f != NULL) {
        char chunk[4096];
        size_t got;
        rewind(f);
        ddb_buf_puts(&seen, "\n[stderr] ");
        while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
            ddb_buf_append(&seen, chunk, got);
        fclose(f);
    }
    unlink(err_path);

    const char *hay = ddb_buf_cstr(&seen);
    size_t n = seen.len;
    check(n > 10000, "the hooks and errors were seen (the search has something to search)");
    check(strstr(hay, "ConditionalCheckFailedException") != NULL, "a condition failure was seen");
    check(strstr(hay, "TransactionCanceledException") != NULL, "a cancelled transaction was seen");
    check(strstr(hay, "[response]") != NULL && strstr(hay, "\"Item\"") != NULL, "responses were seen");
    search_text(hay, n, secret_key, "the secret access key");
    search_text(hay, n, token, "the session token");
    search_text(hay, n, url_password, "the URL password");
    search_text(hay, n, ssn_plain, "an encrypted attribute's plaintext");
    search_text(hay, n, email_plain, "a deterministic encrypted attribute's plaintext");
    search_key(hay, n);
    if (getenv("DDB_SECRETS_DUMP") != NULL)
        fwrite(hay, 1, n, stdout);
    ddb_buf_free(&seen);
    ddb_ops_thread_cleanup();
    printf("%u checks, %u failed\n", checks, failed);
    return failed != 0;
}
