/*
 * fuzz_config.c - fuzz target for the credential sources libddb parses
 * (runtime/src/creds.c, creds_remote.c). The first byte of the input
 * chooses what the rest is ('0', '1', '2': the byte modulo 3):
 *
 *  0  the shared files: "PROFILE\nCONFIG\fCREDENTIALS" — a profile name
 *     (empty: the default), then ~/.aws/config and ~/.aws/credentials
 *     separated by a form feed, written to two temporary files that
 *     AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE name. Read by
 *     ddb_shared_config_get for several keys and by the profile provider
 *     (keys, role profiles, source_profile chains; STS is never reached:
 *     AWS_ENDPOINT_URL_STS is not a URL, so a role profile stops when its
 *     STS client is made). An input holding "credential_process" or
 *     "web_identity_token_file" (any case) skips the provider: it would
 *     run a command or read a file the input names.
 *  1  a raw HTTP answer (fuzz_http.h) holding credentials JSON: read as
 *     a credential_process / container / instance metadata document
 *     (creds_from_json), and as the last answer of the IMDSv2 exchange
 *     and of the container endpoint, through a scripted transport.
 *  2  a raw HTTP answer holding an STS AssumeRole* XML document: read by
 *     creds_from_sts, and as the answer to an STS call (sts_call) through
 *     a client with a scripted transport (its XML errors included).
 *
 * The static functions of creds_remote.c are reached by including it: this
 * program is built with every runtime source but that one.
 *
 * Invariants (abort() when broken): a failure is a DDB_E* code that is the
 * last error's, with a message, and leaves the credentials empty; a
 * success gives an access key id and a secret; a configuration value is
 * trimmed, on one line; a credentials document's secret never appears in
 * a message.
 */
#include "../../runtime/src/creds_remote.c"

#include "fuzz_http.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char config_path[4096], creds_path[4096];

static void check_error(int rc)
{
    const ddb_error *e = ddb_last_error();
    check(rc < 0 && e->code == rc && e->message[0] != '\0');
}

static void check_creds(int rc, const ddb_credentials *c)
{
    if (rc != 0) {
        check_error(rc);
        check(c->access_key_id == NULL && c->secret_access_key == NULL && c->session_token == NULL);
        return;
    }
    check(c->access_key_id != NULL && c->access_key_id[0] != '\0');
    check(c->secret_access_key != NULL && c->secret_access_key[0] != '\0');
    check(c->session_token == NULL || c->session_token[0] != '\0');
}

static void cleanup(void)
{
    unlink(config_path);
    unlink(creds_path);
}

static void temp_file(char *path, const char *name)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, 4096, "%s/fuzz_config_%s_XXXXXX", dir != NULL && dir[0] != '\0' ? dir : "/tmp", name);
    int fd = mkstemp(path);
    check(fd >= 0);
    close(fd);
}

/* The environment: the two files, no network, nothing from the caller's. */
static void setup(void)
{
    if (config_path[0] != '\0')
        return;
    temp_file(config_path, "config");
    temp_file(creds_path, "credentials");
    atexit(cleanup);
    static const char *const unset[] = {
        "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_SESSION_NAME",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "AWS_CA_BUNDLE",
        "AWS_ENDPOINT_URL", "AWS_EC2_METADATA_SERVICE_ENDPOINT", "http_proxy", "HTTP_PROXY", "https_proxy",
        "HTTPS_PROXY", "all_proxy", "ALL_PROXY"};
    for (size_t i = 0; i < sizeof unset / sizeof unset[0]; i++)
        unsetenv(unset[i]);
    check(setenv("AWS_CONFIG_FILE", config_path, 1) == 0);
    check(setenv("AWS_SHARED_CREDENTIALS_FILE", creds_path, 1) == 0);
    check(setenv("AWS_EC2_METADATA_DISABLED", "true", 1) == 0);
    check(setenv("AWS_ENDPOINT_URL_STS", "fuzz://no-network", 1) == 0);
}

static void write_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    check(f != NULL);
    check(len == 0 || fwrite(data, 1, len, f) == len);
    check(fclose(f) == 0);
}

/* Whether `s` holds `word`, in any case. */
static bool holds(const char *s, size_t len, const char *word)
{
    size_t n = strlen(word);
    for (size_t i = 0; i + n <= len; i++)
        if (strncasecmp(s + i, word, n) == 0)
            return true;
    return false;
}

/* ---- 0: the shared files ------------------------------------------------ */

static void try_config_get(const char *profile, const char *key)
{
    ddb_error_clear();
    char *v = ddb_shared_config_get(profile, key);
    if (v == NULL) {
        int code = ddb_last_error()->code;
        check(code == 0 || code == DDB_ECONFIG || code == DDB_EIO || code == DDB_ENOMEM);
        if (code != 0)
            check_error(code);
        return;
    }
    size_t n = strlen(v);
    check(strchr(v, '\n') == NULL);
    check(n == 0 || (v[0] != ' ' && v[0] != '\t' && v[n - 1] != ' ' && v[n - 1] != '\t' && v[n - 1] != '\r'));
    ddb_creds_wipe_free(v);
}

static void try_files(const char *text, size_t len)
{
    const char *nl = memchr(text, '\n', len);
    size_t plen = nl != NULL ? (size_t)(nl - text) : len;
    char *profile = plen != 0 ? strndup(text, plen) : NULL;
    check(plen == 0 || profile != NULL);
    const char *rest = nl != NULL ? nl + 1 : text + len;
    size_t rlen = (size_t)(text + len - rest);
    const char *ff = memchr(rest, '\f', rlen);
    size_t clen = ff != NULL ? (size_t)(ff - rest) : rlen;
    write_file(config_path, rest, clen);
    write_file(creds_path, ff != NULL ? ff + 1 : "", ff != NULL ? rlen - clen - 1 : 0);

    static const char *const keys[] = {"region", "aws_access_key_id", "role_arn", "source_profile",
                                       "s3", "max_concurrency", "REGION"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        try_config_get(profile, keys[i]);

    if (!holds(text, len, "credential_process") && !holds(text, len, "web_identity_token_file")) {
        ddb_credentials_provider *p = NULL;
        check(ddb_creds_profile_new(&p, profile) == 0);
        for (int round = 0; round < 2; round++) { /* the second from the provider's cache */
            ddb_credentials c = DDB_CREDENTIALS_INIT;
            int rc = p->get(p, &c);
            check_creds(rc, &c);
            ddb_credentials_clear(&c);
        }
        ddb_credentials_provider_free(p);
    }
    free(profile);
}

/* ---- 1: credentials JSON ------------------------------------------------ */

/* Answers request i of an exchange with answers[i]: the last is the input's. */
static int run_http(int (*get)(ddb_credentials_provider *, ddb_credentials *), const fuzz_answer *answers,
                    size_t n, ddb_credentials *out)
{
    fuzz_transport t;
    fuzz_transport_init(&t, answers, n);
    http_provider p;
    memset(&p, 0, sizeof p);
    p.base.get = get;
    p.transport = &t.base;
    return get(&p.base, out);
}

/* Whether a string member of `root` other than SecretAccessKey holds
 * `secret` (a message may quote such a member, e.g. Code or Expiration). */
static bool elsewhere(ddb_jnode *root, const char *secret)
{
    for (ddb_jnode *kid = ddb_jnode_first(root); kid != NULL; kid = ddb_jnode_next(kid)) {
        size_t n = 0;
        const char *name = ddb_jnode_name(kid, &n), *v = ddb_jnode_str(kid, &n);
        if (name != NULL && strcmp(name, "SecretAccessKey") != 0 && v != NULL && strstr(v, secret) != NULL)
            return true;
    }
    return false;
}

/* The secret of a credentials document never reaches a message (unless
 * the document repeats it in a field the message may quote). */
static void check_secret_hidden(const char *text, size_t len)
{
    ddb_jdoc *doc = NULL;
    if (len == 0 || ddb_jdoc_parse(text, len, NULL, &doc) != 0)
        return;
    ddb_jnode *root = ddb_jdoc_root(doc);
    const char *secret = ddb_jnode_get_str(root, "SecretAccessKey");
    const char *msg = ddb_last_error()->message;
    if (secret != NULL && strlen(secret) >= 8 && !elsewhere(root, secret) &&
        strstr("instance metadata container credentials at http://127.0.0.1/creds fuzz", secret) == NULL)
        check(strstr(msg, secret) == NULL);
    ddb_jdoc_free(doc);
}

static void try_json(const uint8_t *data, size_t size)
{
    fuzz_answer a = fuzz_answer_parse(data, size);
    const char *keys[] = {"Token", "SessionToken"};
    for (size_t i = 0; i < 2; i++) {
        ddb_credentials c = DDB_CREDENTIALS_INIT;
        int rc = creds_from_json(&c, a.body != NULL ? a.body : "", a.body_len, keys[i], "fuzz");
        check_creds(rc, &c);
        if (rc != 0)
            check_secret_hidden(a.body, a.body_len);
        ddb_credentials_clear(&c);
    }

    /* IMDSv2: a token, the role, then the input's answer */
    static const uint8_t token[] = "200\n\nAQAEAfuzzTOKEN==", role[] = "200\n\nfuzz-role\n";
    fuzz_answer imds[3] = {fuzz_answer_parse(token, sizeof token - 1), fuzz_answer_parse(role, sizeof role - 1), a};
    unsetenv("AWS_EC2_METADATA_DISABLED");
    ddb_credentials c = DDB_CREDENTIALS_INIT;
    int rc = run_http(imds_get, imds, 3, &c);
    check_creds(rc, &c);
    if (rc != 0)
        check_secret_hidden(a.body, a.body_len);
    ddb_credentials_clear(&c);
    check(setenv("AWS_EC2_METADATA_DISABLED", "true", 1) == 0);

    /* the container endpoint */
    check(setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/creds", 1) == 0);
    check(setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "fuzz-token", 1) == 0);
    rc = run_http(container_get, &a, 1, &c);
    check_creds(rc, &c);
    if (rc != 0)
        check_secret_hidden(a.body, a.body_len);
    ddb_credentials_clear(&c);
    unsetenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    unsetenv("AWS_CONTAINER_AUTHORIZATION_TOKEN");
}

/* ---- 2: STS XML ----------------------------------------------------------- */

static void no_sleep(void *ctx, uint32_t ms)
{
    (void)ctx;
    (void)ms;
}

static void try_sts(const uint8_t *data, size_t size)
{
    fuzz_answer a = fuzz_answer_parse(data, size);
    ddb_credentials c = DDB_CREDENTIALS_INIT;
    int rc = creds_from_sts(&c, a.body != NULL ? a.body : "", a.body_len, "AssumeRole");
    check_creds(rc, &c);
    ddb_credentials_clear(&c);

    fuzz_transport t;
    fuzz_transport_init(&t, &a, 1);
    ddb_credentials_provider *source = NULL;
    check(ddb_creds_static_new(&source, "AKIDFUZZ", "fuzz-secret", NULL) == 0);
    ddb_client_config cfg = DDB_CLIENT_CONFIG_INIT;
    cfg.service = "sts";
    cfg.endpoint = "http://127.0.0.1:5000";
    cfg.region = "us-east-1";
    cfg.credentials = source;
    cfg.transport = &t.base;
    cfg.retry.max_attempts = 2;
    cfg.retry.sleep_ms = no_sleep;
    ddb_client *sts = NULL;
    check(ddb_client_new(&sts, &cfg) == 0);
    ddb_buf form = DDB_BUF_INIT;
    check(ddb_buf_puts(&form, "Action=AssumeRole&Version=2011-06-15") == 0);
    rc = sts_call(sts, "AssumeRole", &form, fuzz_answer_flag(&a, 's'), &c);
    check_creds(rc, &c);
    ddb_credentials_clear(&c);
    ddb_buf_free(&form);
    ddb_client_free(sts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    if (size == 0)
        return 0;
    switch (data[0] % 3) {
    case 0:
        try_files((const char *)data + 1, size - 1);
        break;
    case 1:
        try_json(data + 1, size - 1);
        break;
    default:
        try_sts(data + 1, size - 1);
        break;
    }
    return 0;
}
