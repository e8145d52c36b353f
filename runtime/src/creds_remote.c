/*
 * creds_remote.c - credential providers that ask someone else: a
 * credential_process command, the container credentials endpoint (ECS,
 * EKS pod identity), EC2 instance metadata (IMDSv2), and AWS STS
 * (AssumeRole, AssumeRoleWithWebIdentity). ddb/creds.h documents them.
 *
 * Secrets never reach a message: failures name the source, the URL or the
 * command, the HTTP status and AWS's error code, never a body that could
 * hold a key.
 */
#include "feature_macros.h" /* first: feature-test macros before any system header */

#include "ddb/creds.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client_internal.h"
#include "creds_internal.h"
#include "ddb/buf.h"
#include "ddb/client.h"
#include "ddb/error.h"
#include "ddb/model.h" /* ddb_time, ddb_time_parse (time_text.c) */
#include "ddb/transport.h"
#include "json_internal.h"
#include "xml.h"

/* Most bytes read from a credential_process or an endpoint. */
#define CREDS_BODY_MAX 65536

/* ---- reading credentials ------------------------------------------------ */

/* An ISO 8601 UTC time ("2026-12-04T23:00:00Z", fractions allowed) as
 * epoch seconds; -1 when it is not one. */
static int64_t iso_time(const char *text, size_t len)
{
    ddb_time t;
    return ddb_time_parse(text, len, &t) == 0 ? t.sec : -1;
}

/*
 * Credentials from a JSON object with AccessKeyId, SecretAccessKey,
 * `token_key` (Token or SessionToken; optional) and Expiration (optional:
 * never expires). `source` names where it came from, for messages.
 */
static int creds_from_json(ddb_credentials *out, const char *text, size_t len, const char *token_key,
                           const char *source)
{
    ddb_jdoc *doc = NULL;
    if (ddb_jdoc_parse(text, len, NULL, &doc) != 0)
        return ddb_error_set(DDB_ECREDENTIALS, "%s: the answer is not JSON", source);
    const ddb_jnode *root = ddb_jdoc_root(doc);
    const char *akid = ddb_jnode_get_str(root, "AccessKeyId");
    const char *secret = ddb_jnode_get_str(root, "SecretAccessKey");
    const char *token = ddb_jnode_get_str(root, token_key);
    const char *exp = ddb_jnode_get_str(root, "Expiration");
    int rc = 0;
    int64_t expiration = 0;
    if (akid == NULL || *akid == '\0' || secret == NULL || *secret == '\0')
        rc = ddb_error_set(DDB_ECREDENTIALS, "%s: the answer has no AccessKeyId and SecretAccessKey", source);
    else if (exp != NULL && (expiration = iso_time(exp, strlen(exp))) < 0)
        rc = ddb_error_set(DDB_ECREDENTIALS, "%s: Expiration \"%.40s\" is not an ISO 8601 UTC time", source, exp);
    if (rc == 0)
        rc = ddb_credentials_set(out, akid, secret, token, expiration);
    ddb_jdoc_free(doc);
    return rc;
}

/* ---- credential_process ---------------------------------------------------- */

typedef struct process_provider {
    ddb_credentials_provider base;
    char *command;
} process_provider;

/* The command as messages show it: its program, not its arguments (a
 * token or password is often passed there). */
static void command_label(char *out, size_t cap, const char *command)
{
    const char *p = command + strspn(command, " \t");
    size_t prog = strcspn(p, " \t");
    bool more = p[prog + strspn(p + prog, " \t")] != '\0';
    snprintf(out, cap, "%.*s%s", (int)(prog < 200 ? prog : 200), p, more ? " ..." : "");
}

static int process_get(ddb_credentials_provider *self, ddb_credentials *out)
{
    const char *command = ((process_provider *)self)->command;
    char label[256];
    command_label(label, sizeof label, command);
    FILE *p = popen(command, "r");
    if (p == NULL)
        return ddb_error_set(DDB_ECREDENTIALS, "credential_process \"%s\": cannot run it", label);
    ddb_buf text = DDB_BUF_INIT;
    char chunk[4096];
    size_t n;
    int rc = 0;
    while (rc == 0 && (n = fread(chunk, 1, sizeof chunk, p)) > 0)
        rc = text.len + n > CREDS_BODY_MAX
                 ? ddb_error_set(DDB_ECREDENTIALS, "credential_process \"%s\": more than %d bytes of output",
                                 label, CREDS_BODY_MAX)
                 : ddb_buf_append(&text, chunk, n);
    int status = pclose(p);
    if (rc == 0 && (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0))
        rc = ddb_error_set(DDB_ECREDENTIALS, "credential_process \"%s\": exited with status %d", label,
                           status == -1 || !WIFEXITED(status) ? -1 : WEXITSTATUS(status));
    if (rc == 0) {
        ddb_jdoc *doc = NULL;
        int64_t version = 0;
        if (ddb_jdoc_parse(ddb_buf_cstr(&text), text.len, NULL, &doc) != 0 ||
            ddb_jnode_get_i64(ddb_jdoc_root(doc), "Version", &version) != 0 || version != 1)
            rc = ddb_error_set(DDB_ECREDENTIALS, "credential_process \"%s\": the output is not JSON of Version 1",
                               label);
        ddb_jdoc_free(doc);
    }
    if (rc == 0) {
        char source[256];
        snprintf(source, sizeof source, "credential_process \"%.200s\"", label);
        rc = creds_from_json(out, ddb_buf_cstr(&text), text.len, "SessionToken", source);
    }
    ddb_creds_buf_wipe_free(&text);
    return rc;
}

static void process_destroy(ddb_credentials_provider *self)
{
    free(((process_provider *)self)->command);
    free(self);
}

int ddb_creds_process_new(ddb_credentials_provider **out, const char *command)
{
    int rc = ddb_creds_check_out(out);
    if (rc != 0)
        return rc;
    if (command == NULL || *command == '\0')
        return ddb_error_set(DDB_EINVAL, "ddb_creds_process_new: a command is required");
    process_provider *p = ddb_creds_provider_alloc(sizeof *p, process_get, process_destroy);
    if (p == NULL)
        return DDB_ENOMEM;
    if ((p->command = strdup(command)) == NULL) {
        free(p);
        return ddb_error_set(DDB_ENOMEM, "out of memory creating a credentials provider");
    }
    *out = &p->base;
    return 0;
}

/* ---- HTTP endpoints (container, instance metadata) ----------------------- */

/* One request through `t`; *status and `body` (appended) on an answer. */
static int http_once(ddb_transport *t, const char *method, const char *url, const ddb_header *h, size_t nh,
                     long connect_ms, long total_ms, long *status, ddb_buf *body)
{
    ddb_http_response resp = DDB_HTTP_RESPONSE_INIT;
    /* credentials are a few hundred bytes: a metadata server sending more is refused */
    ddb_http_request req = {method, url, h, nh, NULL, 0, connect_ms, total_ms, (size_t)1 << 20};
    int rc = t->send(t, &req, &resp);
    if (rc == 0) {
        *status = resp.status;
        rc = resp.body.len > CREDS_BODY_MAX ? ddb_error_set(DDB_ELIMIT, "%s: answer over %d bytes", url,
                                                            CREDS_BODY_MAX)
                                            : ddb_buf_append(body, resp.body.data, resp.body.len);
    }
    ddb_creds_buf_wipe(&resp.body);
    ddb_http_response_free(&resp);
    return rc;
}

typedef struct http_provider {
    ddb_credentials_provider base;
    ddb_transport *transport;
} http_provider;

static void http_destroy(ddb_credentials_provider *self)
{
    ddb_transport_free(((http_provider *)self)->transport);
    free(self);
}

static int http_provider_new(ddb_credentials_provider **out, int (*get)(ddb_credentials_provider *, ddb_credentials *))
{
    int rc = ddb_creds_check_out(out);
    if (rc != 0)
        return rc;
    http_provider *p = ddb_creds_provider_alloc(sizeof *p, get, http_destroy);
    if (p == NULL)
        return DDB_ENOMEM;
    rc = ddb_curl_transport_new(&p->transport, NULL);
    if (rc != 0) {
        free(p);
        return rc;
    }
    *out = &p->base;
    return 0;
}

/* Whether a full container credentials URI may be used: https, or http to
 * loopback or to the ECS / EKS pod identity addresses. */
static bool container_host_ok(const char *url)
{
    if (strncmp(url, "https://", 8) == 0)
        return true;
    if (strncmp(url, "http://", 7) != 0)
        return false;
    static const char *const hosts[] = {"127.", "localhost", "[::1]", "169.254.170.2", "169.254.170.23",
                                        "[fd00:ec2::23]"};
    const char *h = url + 7;
    for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
        size_t n = strlen(hosts[i]);
        if (strncmp(h, hosts[i], n) == 0 && (hosts[i][n - 1] == '.' || h[n] == ':' || h[n] == '/' || h[n] == '\0'))
            return true;
    }
    return false;
}

static int container_get(ddb_credentials_provider *self, ddb_credentials *out)
{
    const char *rel = getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    const char *full = getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    ddb_buf url = DDB_BUF_INIT, token = DDB_BUF_INIT, body = DDB_BUF_INIT;
    int rc = 0;
    if (rel != NULL && *rel != '\0')
        rc = ddb_buf_printf(&url, "http://169.254.170.2%s", rel);
    else if (full != NULL && *full != '\0')
        rc = container_host_ok(full) ? ddb_buf_puts(&url, full)
                                     : ddb_error_set(DDB_ECONFIG,
                                                     "AWS_CONTAINER_CREDENTIALS_FULL_URI %s is neither https nor a "
                                                     "loopback or container address",
                                                     full);
    else
        return ddb_error_set(DDB_ECREDENTIALS, "container: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and _FULL_URI "
                                               "are unset");
    const char *token_file = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    const char *token_env = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN");
    if (rc == 0 && token_file != NULL && *token_file != '\0') {
        bool exists = false;
        rc = ddb_creds_read_file(token_file, &token, &exists);
        if (rc == 0 && !exists)
            rc = ddb_error_set(DDB_ECONFIG, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE %s does not exist", token_file);
        while (rc == 0 && token.len > 0 && (token.data[token.len - 1] == '\n' || token.data[token.len - 1] == '\r'))
            token.data[--token.len] = '\0';
    } else if (rc == 0 && token_env != NULL && *token_env != '\0') {
        rc = ddb_buf_puts(&token, token_env);
    }
    if (rc == 0 && (memchr(ddb_buf_cstr(&token), '\n', token.len) != NULL ||
                    memchr(ddb_buf_cstr(&token), '\r', token.len) != NULL))
        rc = ddb_error_set(DDB_ECONFIG, "container: the authorization token holds a line break");
    long status = 0;
    if (rc == 0) {
        ddb_header h[1] = {{"Authorization", ddb_buf_cstr(&token)}};
        rc = http_once(((http_provider *)self)->transport, "GET", ddb_buf_cstr(&url), h, token.len != 0 ? 1 : 0,
                       2000, 5000, &status, &body);
        if (rc == DDB_ENETWORK || rc == DDB_ETIMEOUT)
            rc = ddb_error_set(DDB_ECREDENTIALS, "container: no answer from %s", ddb_buf_cstr(&url));
    }
    if (rc == 0 && status != 200)
        rc = ddb_error_set(DDB_ECREDENTIALS, "container: %s answered HTTP %ld", ddb_buf_cstr(&url), status);
    if (rc == 0) {
        char source[300];
        snprintf(source, sizeof source, "container credentials at %.250s", ddb_buf_cstr(&url));
        rc = creds_from_json(out, ddb_buf_cstr(&body), body.len, "Token", source);
    }
    ddb_buf_free(&url);
    ddb_creds_buf_wipe_free(&token);
    ddb_creds_buf_wipe_free(&body);
    return rc;
}

int ddb_creds_container_new(ddb_credentials_provider **out)
{
    return http_provider_new(out, container_get);
}

/* IMDSv2: a session token (PUT), the role name, then its credentials. */
static int imds_get(ddb_credentials_provider *self, ddb_credentials *out)
{
    const char *disabled = getenv("AWS_EC2_METADATA_DISABLED");
    if (disabled != NULL && strcasecmp(disabled, "true") == 0)
        return ddb_error_set(DDB_ECREDENTIALS, "instance metadata: disabled by AWS_EC2_METADATA_DISABLED");
    const char *base = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
    if (base == NULL || *base == '\0')
        base = "http://169.254.169.254";
    size_t blen = strlen(base);
    while (blen > 0 && base[blen - 1] == '/')
        blen--;
    ddb_transport *t = ((http_provider *)self)->transport;
    ddb_buf url = DDB_BUF_INIT, token = DDB_BUF_INIT, role = DDB_BUF_INIT, body = DDB_BUF_INIT;
    long status = 0;
    int rc = ddb_buf_printf(&url, "%.*s/latest/api/token", (int)blen, base);
    if (rc == 0) {
        ddb_header h[1] = {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}};
        rc = http_once(t, "PUT", ddb_buf_cstr(&url), h, 1, 1000, 2000, &status, &token);
    }
    if (rc == DDB_ENETWORK || rc == DDB_ETIMEOUT)
        rc = ddb_error_set(DDB_ECREDENTIALS, "instance metadata: no answer from %.*s", (int)blen, base);
    if (rc == 0 && (status != 200 || token.len == 0 || memchr(token.data, '\n', token.len) != NULL))
        rc = ddb_error_set(DDB_ECREDENTIALS, "instance metadata: no session token (HTTP %ld from %s)", status,
                           ddb_buf_cstr(&url));
    ddb_header auth[1] = {{"X-aws-ec2-metadata-token", ddb_buf_cstr(&token)}};
    if (rc == 0) {
        ddb_buf_reset(&url);
        rc = ddb_buf_printf(&url, "%.*s/latest/meta-data/iam/security-credentials/", (int)blen, base);
    }
    if (rc == 0)
        rc = http_once(t, "GET", ddb_buf_cstr(&url), auth, 1, 1000, 2000, &status, &role);
    if (rc == 0) {
        role.len = strcspn(ddb_buf_cstr(&role), "\r\n");
        if (status != 200 || role.len == 0)
            rc = ddb_error_set(DDB_ECREDENTIALS, "instance metadata: no IAM role (HTTP %ld from %s)", status,
                               ddb_buf_cstr(&url));
    }
    if (rc == 0) {
        ddb_buf_reset(&url);
        rc = ddb_buf_printf(&url, "%.*s/latest/meta-data/iam/security-credentials/%.*s", (int)blen, base,
                            (int)role.len, role.data);
    }
    if (rc == 0)
        rc = http_once(t, "GET", ddb_buf_cstr(&url), auth, 1, 1000, 2000, &status, &body);
    if (rc == 0 && status != 200)
        rc = ddb_error_set(DDB_ECREDENTIALS, "instance metadata: HTTP %ld from %s", status, ddb_buf_cstr(&url));
    if (rc == 0) {
        ddb_jdoc *doc = NULL;
        if (ddb_jdoc_parse(ddb_buf_cstr(&body), body.len, NULL, &doc) == 0) {
            const char *code = ddb_jnode_get_str(ddb_jdoc_root(doc), "Code");
            if (code != NULL && strcmp(code, "Success") != 0)
                rc = ddb_error_set(DDB_ECREDENTIALS, "instance metadata: role %.*s: Code %.60s", (int)role.len,
                                   role.data, code);
        }
        ddb_jdoc_free(doc);
    }
    if (rc == 0)
        rc = creds_from_json(out, ddb_buf_cstr(&body), body.len, "Token", "instance metadata");
    ddb_buf_free(&url);
    ddb_creds_buf_wipe_free(&token);
    ddb_buf_free(&role);
    ddb_creds_buf_wipe_free(&body);
    return rc;
}

int ddb_creds_imds_new(ddb_credentials_provider **out)
{
    return http_provider_new(out, imds_get);
}

/* ---- STS ------------------------------------------------------------------ */

/* Appends &name=value, the value form-urlencoded (RFC 3986 unreserved kept). */
static int form_put(ddb_buf *b, const char *name, const char *value)
{
    int rc = ddb_buf_printf(b, "&%s=", name);
    for (const unsigned char *p = (const unsigned char *)value; rc == 0 && *p != '\0'; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
            *p == '_' || *p == '.' || *p == '~')
            rc = ddb_buf_putc(b, (char)*p);
        else
            rc = ddb_buf_printf(b, "%%%02X", *p);
    }
    return rc;
}

/* Reads <Credentials> of an AssumeRole* answer into `out`. */
static int creds_from_sts(ddb_credentials *out, const char *xml, size_t len, const char *action)
{
    const char *at = xml, *end = xml + len, *a, *b;
    if (!ddb_xml_next(&at, end, "Credentials", &a, &b))
        return ddb_error_set(DDB_EPROTOCOL, "STS %s: the answer has no Credentials", action);
    static const char *const tags[] = {"AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"};
    char *v[4] = {NULL, NULL, NULL, NULL};
    int rc = 0;
    for (int i = 0; rc == 0 && i < 4; i++) {
        const char *in = a, *x, *y;
        if (!ddb_xml_next(&in, b, tags[i], &x, &y))
            rc = ddb_error_set(DDB_EPROTOCOL, "STS %s: the answer has no %s", action, tags[i]);
        else if (x == y || memchr(x, '\0', (size_t)(y - x)) != NULL) /* would cut the value short */
            rc = ddb_error_set(DDB_EPROTOCOL, "STS %s: the answer's %s is empty or holds a NUL byte", action,
                               tags[i]);
        else if ((v[i] = ddb_xml_unescape(x, y)) == NULL)
            rc = ddb_last_error()->code;
    }
    int64_t expiration = rc == 0 ? iso_time(v[3], strlen(v[3])) : 0;
    if (rc == 0 && expiration < 0)
        rc = ddb_error_set(DDB_EPROTOCOL, "STS %s: Expiration \"%.40s\" is not an ISO 8601 time", action, v[3]);
    if (rc == 0)
        rc = ddb_credentials_set(out, v[0], v[1], v[2], expiration);
    for (int i = 0; i < 4; i++)
        ddb_creds_wipe_free(v[i]);
    return rc;
}

/* POSTs the query-protocol `form` to STS through `sts`, signed or not. */
static int sts_call(ddb_client *sts, const char *action, const ddb_buf *form, bool sign, ddb_credentials *out)
{
    static const ddb_header h[1] = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    ddb_rest_request req = {"POST", "/", NULL, NULL, h, 1, form->data, form->len, action};
    ddb_http_response resp = DDB_HTTP_RESPONSE_INIT;
    int rc = sign ? ddb_client_send(&resp, sts, &req) : ddb_client_send_anonymous(&resp, sts, &req);
    if (rc == 0)
        rc = creds_from_sts(out, ddb_buf_cstr(&resp.body), resp.body.len, action);
    else
        ddb_error_prefix("STS %s: ", action);
    ddb_creds_buf_wipe(&resp.body);
    ddb_http_response_free(&resp);
    return rc;
}

/* A session name when none is given: "ddbc-<pid>-<seconds>". */
static void default_session(char *out, size_t size)
{
    snprintf(out, size, "ddbc-%ld-%lld", (long)getpid(), (long long)time(NULL));
}

/* An STS client: region and endpoint as given, else as any client
 * resolves them; credentials `source` (taken; NULL: anonymous calls only,
 * a provider that has none). */
static int sts_client(ddb_client **out, const char *region, const char *endpoint, ddb_credentials_provider *source)
{
    ddb_client_config cfg = DDB_CLIENT_CONFIG_INIT;
    cfg.service = "sts";
    cfg.region = region;
    cfg.endpoint = endpoint;
    int rc = 0;
    if (source == NULL) /* never asked: anonymous calls look up nothing */
        rc = ddb_creds_static_new(&source, "anonymous", "anonymous", NULL);
    cfg.credentials = source;
    if (rc == 0)
        rc = ddb_client_new(out, &cfg);
    if (rc != 0)
        ddb_credentials_provider_free(source);
    return rc;
}

typedef struct assume_provider {
    ddb_credentials_provider base;
    ddb_client *sts; /* owns the source provider */
    char *role_arn, *session, *external_id;
    int duration_s;
} assume_provider;

static int assume_get(ddb_credentials_provider *self, ddb_credentials *out)
{
    assume_provider *p = (assume_provider *)self;
    ddb_buf form = DDB_BUF_INIT;
    int rc = ddb_buf_puts(&form, "Action=AssumeRole&Version=2011-06-15");
    if (rc == 0)
        rc = form_put(&form, "RoleArn", p->role_arn);
    if (rc == 0)
        rc = form_put(&form, "RoleSessionName", p->session);
    if (rc == 0 && p->external_id != NULL)
        rc = form_put(&form, "ExternalId", p->external_id);
    if (rc == 0 && p->duration_s > 0)
        rc = ddb_buf_printf(&form, "&DurationSeconds=%d", p->duration_s);
    if (rc == 0)
        rc = sts_call(p->sts, "AssumeRole", &form, true, out);
    if (rc != 0)
        ddb_error_prefix("role %s: ", p->role_arn);
    ddb_buf_free(&form);
    return rc;
}

static void assume_destroy(ddb_credentials_provider *self)
{
    assume_provider *p = (assume_provider *)self;
    ddb_client_free(p->sts);
    free(p->role_arn);
    free(p->session);
    free(p->external_id);
    free(p);
}

int ddb_creds_assume_role_new(ddb_credentials_provider **out, ddb_credentials_provider *source,
                              const ddb_assume_role_opts *opts)
{
    int rc = ddb_creds_check_out(out);
    if (rc == 0 && (source == NULL || opts == NULL || opts->role_arn == NULL || *opts->role_arn == '\0'))
        rc = ddb_error_set(DDB_EINVAL, "ddb_creds_assume_role_new: a source provider and a role ARN are required");
    if (rc == 0 && opts->version != DDB_ASSUME_ROLE_OPTS_VERSION)
        rc = ddb_error_set(DDB_EINVAL, "ddb_assume_role_opts: version %u is not %u", opts->version,
                           DDB_ASSUME_ROLE_OPTS_VERSION);
    if (rc == 0 && (opts->duration_s < 0 || (opts->duration_s > 0 && opts->duration_s < 900) || opts->duration_s > 43200))
        rc = ddb_error_set(DDB_EINVAL, "ddb_creds_assume_role_new: duration %d s is not 0 or 900..43200",
                           opts->duration_s);
    if (rc != 0) {
        ddb_credentials_provider_free(source);
        return rc;
    }
    assume_provider *p = ddb_creds_provider_alloc(sizeof *p, assume_get, assume_destroy);
    if (p == NULL) {
        ddb_credentials_provider_free(source);
        return DDB_ENOMEM;
    }
    char session[64];
    default_session(session, sizeof session);
    p->role_arn = strdup(opts->role_arn);
    p->session = strdup(opts->session_name != NULL && *opts->session_name != '\0' ? opts->session_name : session);
    p->external_id = opts->external_id != NULL ? strdup(opts->external_id) : NULL;
    p->duration_s = opts->duration_s;
    rc = p->role_arn == NULL || p->session == NULL || (opts->external_id != NULL && p->external_id == NULL)
             ? ddb_error_set(DDB_ENOMEM, "out of memory creating a credentials provider")
             : 0;
    if (rc == 0)
        rc = sts_client(&p->sts, opts->region, opts->endpoint, source);
    else
        ddb_credentials_provider_free(source);
    if (rc != 0) {
        assume_destroy(&p->base);
        return rc;
    }
    *out = &p->base;
    return 0;
}

typedef struct web_provider {
    ddb_credentials_provider base;
    char *role_arn, *token_file, *session; /* NULL: from the environment at each get() */
    char *region, *endpoint;
} web_provider;

static int web_get(ddb_credentials_provider *self, ddb_credentials *out)
{
    web_provider *p = (web_provider *)self;
    const char *role = p->role_arn != NULL ? p->role_arn : getenv("AWS_ROLE_ARN");
    const char *file = p->token_file != NULL ? p->token_file : getenv("AWS_WEB_IDENTITY_TOKEN_FILE");
    const char *session = p->session != NULL ? p->session : getenv("AWS_ROLE_SESSION_NAME");
    if (role == NULL || *role == '\0' || file == NULL || *file == '\0')
        return ddb_error_set(DDB_ECREDENTIALS, "web identity: AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE are "
                                               "not both set");
    char fallback[64];
    if (session == NULL || *session == '\0') {
        default_session(fallback, sizeof fallback);
        session = fallback;
    }
    ddb_buf token = DDB_BUF_INIT, form = DDB_BUF_INIT;
    bool exists = false;
    int rc = ddb_creds_read_file(file, &token, &exists);
    if (rc == 0 && !exists)
        rc = ddb_error_set(DDB_ECREDENTIALS, "web identity: token file %s does not exist", file);
    while (rc == 0 && token.len > 0 && strchr(" \t\r\n", token.data[token.len - 1]) != NULL)
        token.data[--token.len] = '\0';
    if (rc == 0 && token.len == 0)
        rc = ddb_error_set(DDB_ECREDENTIALS, "web identity: token file %s is empty", file);
    if (rc == 0)
        rc = ddb_buf_puts(&form, "Action=AssumeRoleWithWebIdentity&Version=2011-06-15");
    if (rc == 0)
        rc = form_put(&form, "RoleArn", role);
    if (rc == 0)
        rc = form_put(&form, "RoleSessionName", session);
    if (rc == 0)
        rc = form_put(&form, "WebIdentityToken", ddb_buf_cstr(&token));
    ddb_client *sts = NULL;
    if (rc == 0)
        rc = sts_client(&sts, p->region, p->endpoint, NULL);
    if (rc == 0)
        rc = sts_call(sts, "AssumeRoleWithWebIdentity", &form, false, out);
    if (rc != 0 && rc != DDB_ECREDENTIALS)
        ddb_error_prefix("web identity, role %s: ", role);
    ddb_client_free(sts);
    ddb_creds_buf_wipe_free(&token);
    ddb_creds_buf_wipe_free(&form);
    return rc;
}

static void web_destroy(ddb_credentials_provider *self)
{
    web_provider *p = (web_provider *)self;
    free(p->role_arn);
    free(p->token_file);
    free(p->session);
    free(p->region);
    free(p->endpoint);
    free(p);
}

/* A copy of s, NULL staying NULL; false when out of memory. */
static bool dup_opt(char **dst, const char *s)
{
    *dst = s != NULL ? strdup(s) : NULL;
    return s == NULL || *dst != NULL;
}

int ddb_creds_web_identity_new(ddb_credentials_provider **out, const char *role_arn, const char *token_file,
                               const char *session_name, const char *region, const char *endpoint)
{
    int rc = ddb_creds_check_out(out);
    if (rc != 0)
        return rc;
    web_provider *p = ddb_creds_provider_alloc(sizeof *p, web_get, web_destroy);
    if (p == NULL)
        return DDB_ENOMEM;
    if (!dup_opt(&p->role_arn, role_arn) || !dup_opt(&p->token_file, token_file) ||
        !dup_opt(&p->session, session_name) || !dup_opt(&p->region, region) || !dup_opt(&p->endpoint, endpoint)) {
        web_destroy(&p->base);
        return ddb_error_set(DDB_ENOMEM, "out of memory creating a credentials provider");
    }
    *out = &p->base;
    return 0;
}
