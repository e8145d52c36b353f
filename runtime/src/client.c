/* client.c - the DynamoDB client: configuration, credentials cache,
 * signing, the retry loop, checksum verification and AWS error mapping. */
#include "feature_macros.h" /* first: feature-test macros before any system header */

#include "ddb/client.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/rand.h>

#include "ddb/error.h"
#include "ddb/json.h"
#include "ddb/sigv4.h"
#include "ddb/version.h"
#include "client_internal.h"
#include "hooks_internal.h"
#include "json_internal.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 2000L
#define DEFAULT_REQUEST_TIMEOUT_MS 30000L
#define DEFAULT_REGION "us-east-1"
/* The AWS JSON-protocol services a client can speak. */
typedef struct service_info {
    const char *name;         /* config.service; the SigV4 service and endpoint host prefix */
    const char *target;       /* X-Amz-Target prefix */
    const char *content_type;
    const char *endpoint_env; /* the service's own endpoint variable */
} service_info;

static const service_info services[] = {
    {"dynamodb", "DynamoDB_20120810.", "application/x-amz-json-1.0", "AWS_ENDPOINT_URL_DYNAMODB"},
    {"kms", "TrentService.", "application/x-amz-json-1.1", "AWS_ENDPOINT_URL_KMS"},
    {"s3", NULL, NULL, "AWS_ENDPOINT_URL_S3"}, /* REST: ddb_client_send */
    {"sts", NULL, NULL, "AWS_ENDPOINT_URL_STS"}, /* REST (query protocol): creds_remote.c */
};
/* Credentials this close to their expiration are fetched again. */
#define CREDS_REFRESH_MARGIN_S 60
/* Most bytes of a non-JSON error body quoted in the message. */
#define RAW_BODY_QUOTE_MAX 200

/* Cached credentials, shared by calls in flight: a call holds a reference
 * while it signs, so a refresh never frees what another thread uses. */
typedef struct creds_ref {
    ddb_credentials creds;
    unsigned refs; /* guarded by ddb_client.creds_lock */
} creds_ref;

struct ddb_client {
    const service_info *service;
    char *endpoint; /* scheme://authority/path */
    char *host;     /* Host header */
    char *path;     /* request path, "/" by default */
    char *region;
    ddb_credentials_provider *provider;
    ddb_transport *transport;
    ddb_sigv4_cache *sig_cache;
    ddb_retry_policy retry;
    ddb_retry_quota *quota; /* NULL: no quota */
    long connect_timeout_ms;
    long request_timeout_ms;
    size_t max_response_bytes; /* 0: none */
    bool verify_crc32;
    pthread_mutex_t creds_lock;
    creds_ref *creds; /* NULL until the first call; guarded by creds_lock */
    _Atomic(ddb_hook_registry *) hooks; /* request hooks (hooks.c); NULL: none yet */
};

/* ------------------------------------------------------------------ */
/* AWS error types -> DDB_E* codes: the one table                     */
/* ------------------------------------------------------------------ */

static const struct {
    const char *type;
    int code;
} aws_error_codes[] = {
    {"ConditionalCheckFailedException", DDB_ECONDITION},
    {"ProvisionedThroughputExceededException", DDB_ETHROTTLED},
    {"ThrottlingException", DDB_ETHROTTLED},
    {"RequestLimitExceeded", DDB_ETHROTTLED},
    {"TransactionCanceledException", DDB_ECANCELLED},
    {"TransactionConflictException", DDB_EINUSE},
    {"TransactionInProgressException", DDB_EINUSE},
    {"ValidationException", DDB_EVALIDATION},
    {"SerializationException", DDB_EVALIDATION},
    {"IdempotentParameterMismatchException", DDB_EVALIDATION},
    {"ResourceNotFoundException", DDB_ERESOURCE},
    {"TableNotFoundException", DDB_ERESOURCE},
    {"IndexNotFoundException", DDB_ERESOURCE},
    {"ResourceInUseException", DDB_EINUSE},
    {"TableInUseException", DDB_EINUSE},
    {"TableAlreadyExistsException", DDB_EEXISTS},
    {"UnrecognizedClientException", DDB_EAUTH},
    {"AccessDeniedException", DDB_EAUTH},
    {"InvalidSignatureException", DDB_EAUTH},
    {"IncompleteSignatureException", DDB_EAUTH},
    {"MissingAuthenticationToken", DDB_EAUTH},
    {"MissingAuthenticationTokenException", DDB_EAUTH},
    {"ExpiredToken", DDB_EAUTH},
    {"ExpiredTokenException", DDB_EAUTH},
    {"InvalidClientTokenId", DDB_EAUTH},
    {"ItemCollectionSizeLimitExceededException", DDB_ELIMIT},
    /* S3 (XML error bodies, ddb_client_send) */
    {"NoSuchKey", DDB_ENOTFOUND},
    {"NotFound", DDB_ENOTFOUND},
    {"NoSuchBucket", DDB_ERESOURCE},
    {"AccessDenied", DDB_EAUTH},
    {"SignatureDoesNotMatch", DDB_EAUTH},
    {"InvalidAccessKeyId", DDB_EAUTH},
    {"SlowDown", DDB_ETHROTTLED},
    {"BucketAlreadyOwnedByYou", DDB_EEXISTS},
    {"BucketAlreadyExists", DDB_EEXISTS},
    {"PreconditionFailed", DDB_ECONDITION},
    {"InternalError", DDB_ESERVICE},
    {"LimitExceededException", DDB_ELIMIT},
    {"InternalServerError", DDB_ESERVICE},
    {"InternalFailure", DDB_ESERVICE},
    {"ServiceUnavailable", DDB_ESERVICE},
};

static int code_for_status(long status)
{
    if (status >= 500)
        return DDB_ESERVICE;
    switch (status) {
    case 429:
        return DDB_ETHROTTLED;
    case 401:
    case 403:
        return DDB_EAUTH;
    case 413:
        return DDB_ELIMIT;
    default:
        return status >= 400 ? DDB_EVALIDATION : DDB_EPROTOCOL;
    }
}

static int code_for_type(const char *type, long status)
{
    for (size_t i = 0; i < sizeof aws_error_codes / sizeof aws_error_codes[0]; i++)
        if (strcmp(type, aws_error_codes[i].type) == 0)
            return aws_error_codes[i].code;
    return code_for_status(status);
}

/* Records a body that is not a JSON error document: its start becomes the
 * message, with control bytes replaced so the message stays one line. */
static int error_from_raw_body(int code, long status, const char *body, size_t len)
{
    char quote[RAW_BODY_QUOTE_MAX + 1];
    size_t n = len < RAW_BODY_QUOTE_MAX ? len : RAW_BODY_QUOTE_MAX;
    for (size_t i = 0; i < n; i++)
        quote[i] = iscntrl((unsigned char)body[i]) ? ' ' : body[i];
    quote[n] = '\0';
    if (n == 0)
        return ddb_error_set(code, "HTTP %ld with an empty body", status);
    return ddb_error_set(code, "HTTP %ld: %s%s", status, quote, len > n ? "..." : "");
}

/* Text of an answer as a message may hold it: truncated to `size`, control
 * characters replaced by spaces, so that the message stays one line and
 * sends no escape sequence to a terminal (as error_from_raw_body). */
static const char *one_line(char *out, size_t size, const char *s)
{
    size_t n = 0;
    for (; s[n] != '\0' && n + 1 < size; n++)
        out[n] = iscntrl((unsigned char)s[n]) ? ' ' : s[n];
    out[n] = '\0';
    return out;
}

int ddb_error_from_response(long http_status, const char *body, size_t len, const char *request_id)
{
    ddb_jdoc *doc = NULL;
    if (body == NULL || len == 0 || ddb_jdoc_parse(body, len, NULL, &doc) != 0) {
        error_from_raw_body(code_for_status(http_status), http_status, body,
                            body != NULL ? len : 0);
        return ddb_error_set_aws(http_status, NULL, request_id);
    }
    const ddb_jnode *root = ddb_jdoc_root(doc);
    const char *type = ddb_jnode_get_str(root, "__type");
    const char *message = ddb_jnode_get_str(root, "message");
    if (message == NULL)
        message = ddb_jnode_get_str(root, "Message");
    if (type != NULL && strrchr(type, '#') != NULL)
        type = strrchr(type, '#') + 1;
    char type_text[DDB_ERR_TYPE_MAX], message_text[DDB_ERR_MESSAGE_MAX];
    type = type != NULL && *type != '\0' ? one_line(type_text, sizeof type_text, type) : NULL;
    message = message != NULL && *message != '\0' ? one_line(message_text, sizeof message_text, message) : NULL;
    int code = type != NULL ? code_for_type(type, http_status) : code_for_status(http_status);
    if (message != NULL)
        ddb_error_set(code, "%s", message);
    else
        ddb_error_set(code, "HTTP %ld%s%s", http_status, type != NULL ? " " : "",
                      type != NULL ? type : "");
    ddb_error_set_aws(http_status, type, request_id);
    ddb_jdoc_free(doc);
    return code;
}

/* ------------------------------------------------------------------ */
/* Configuration                                                      */
/* ------------------------------------------------------------------ */

/* getenv, with "" treated as unset. */
static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v != NULL && *v != '\0' ? v : NULL;
}

/* An environment variable set to 1, true or yes. */
static bool env_flag(const char *name)
{
    const char *v = getenv(name);
    return v != NULL && (strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0);
}

static char *dup_or_nomem(const char *s)
{
    char *d = strdup(s);
    if (d == NULL)
        ddb_error_set(DDB_ENOMEM, "out of memory copying \"%s\"", s);
    return d;
}

static int resolve_region(ddb_client *c, const char *configured)
{
    const char *r = configured != NULL ? configured : env("AWS_REGION");
    if (r == NULL)
        r = env("AWS_DEFAULT_REGION");
    if (r != NULL) {
        c->region = dup_or_nomem(r);
        return c->region != NULL ? 0 : DDB_ENOMEM;
    }
    ddb_error_clear();
    c->region = ddb_shared_config_get(NULL, "region");
    if (c->region == NULL && ddb_last_error()->code != 0)
        return ddb_last_error()->code; /* a malformed or unreadable file: "file:line: ..." */
    if (c->region == NULL)
        c->region = dup_or_nomem(DEFAULT_REGION);
    return c->region != NULL ? 0 : DDB_ENOMEM;
}

/* The endpoint as an error message may show it: user info (a password)
 * replaced by "***", a query or fragment (a presigned token) by "...". */
static void redact_url(char *out, size_t cap, const char *url)
{
    const char *scheme = strstr(url, "://");
    const char *auth = scheme != NULL ? scheme + 3 : url;
    const char *auth_end = auth + strcspn(auth, "/?#");
    const char *at = NULL;
    for (const char *p = auth; p < auth_end; p++)
        at = *p == '@' ? p : at;
    const char *rest = at != NULL ? at + 1 : auth;
    size_t keep = strcspn(rest, "?#");
    snprintf(out, cap, "%.*s%s%.*s%s", (int)(auth - url), url, at != NULL ? "***@" : "", (int)keep, rest,
             rest[keep] != '\0' ? (rest[keep] == '?' ? "?..." : "#...") : "");
}

static int invalid_endpoint(const char *url, const char *why)
{
    char shown[512];
    redact_url(shown, sizeof shown, url);
    return ddb_error_set(DDB_EINVAL, "endpoint \"%s\": %s", shown, why);
}

/* Port text after ':' up to `end`: 1-65535, decimal. */
static bool valid_port(const char *p, const char *end)
{
    long port = 0;
    if (p == end || end - p > 5)
        return false;
    for (; p < end; p++) {
        if (!isdigit((unsigned char)*p))
            return false;
        port = port * 10 + (*p - '0');
    }
    return port >= 1 && port <= 65535;
}

/* Splits scheme://authority[/path] into c->endpoint, c->host, c->path. */
static int parse_endpoint(ddb_client *c, const char *url)
{
    size_t scheme_len = strncasecmp(url, "https://", 8) == 0  ? 8
                        : strncasecmp(url, "http://", 7) == 0 ? 7
                                                              : 0;
    if (scheme_len == 0)
        return invalid_endpoint(url, "the scheme must be http:// or https://");
    if (strpbrk(url, "?#@ ") != NULL)
        return invalid_endpoint(url, "user info, query, fragment and blanks are not allowed");
    const char *auth = url + scheme_len;
    const char *auth_end = auth + strcspn(auth, "/");
    const char *host_end = auth_end;
    if (*auth == '[') {
        const char *close = memchr(auth, ']', (size_t)(auth_end - auth));
        if (close == NULL || (close + 1 != auth_end && close[1] != ':'))
            return invalid_endpoint(url, "malformed IPv6 address");
        host_end = close + 1;
    } else {
        const char *colon = memchr(auth, ':', (size_t)(auth_end - auth));
        if (colon != NULL)
            host_end = colon;
    }
    if (host_end == auth)
        return invalid_endpoint(url, "no host");
    if (host_end != auth_end && !valid_port(host_end + 1, auth_end))
        return invalid_endpoint(url, "the port must be a number from 1 to 65535");
    /* the scheme's default port is left out of Host, as clients send it */
    const char *default_port = scheme_len == 8 ? ":443" : ":80";
    bool drop_port = strlen(default_port) == (size_t)(auth_end - host_end) &&
                     memcmp(host_end, default_port, strlen(default_port)) == 0;
    const char *path = *auth_end != '\0' ? auth_end : "/";
    ddb_buf b = DDB_BUF_INIT;
    int rc = ddb_buf_append(&b, auth, (size_t)((drop_port ? host_end : auth_end) - auth));
    if (rc == 0 && (c->host = ddb_buf_steal(NULL, &b)) == NULL)
        rc = DDB_ENOMEM;
    if (rc == 0)
        rc = ddb_buf_printf(&b, "%.*s%s", (int)(auth_end - url), url, path);
    if (rc == 0 && (c->endpoint = ddb_buf_steal(NULL, &b)) == NULL)
        rc = DDB_ENOMEM;
    if (rc == 0 && (c->path = dup_or_nomem(path)) == NULL)
        rc = DDB_ENOMEM;
    ddb_buf_free(&b);
    return rc;
}

static int resolve_endpoint(ddb_client *c, const char *configured)
{
    const char *url = configured != NULL ? configured : env(c->service->endpoint_env);
    if (url == NULL)
        url = env("AWS_ENDPOINT_URL");
    if (url != NULL)
        return parse_endpoint(c, url);
    char regional[160];
    int n = snprintf(regional, sizeof regional, "https://%s.%s.amazonaws.com%s", c->service->name, c->region,
                     strncmp(c->region, "cn-", 3) == 0 ? ".cn" : "");
    if (n < 0 || (size_t)n >= sizeof regional)
        return ddb_error_set(DDB_EINVAL, "region \"%s\" is too long", c->region);
    return parse_endpoint(c, regional);
}

static int make_transport(ddb_client *c, const ddb_client_config *cfg)
{
    if (cfg->transport != NULL) {
        c->transport = cfg->transport;
        return 0;
    }
    ddb_curl_options o = DDB_CURL_OPTIONS_INIT;
    o.max_connections = cfg->max_connections;
    o.verify_tls = cfg->verify_tls != 0;
    /* the CA file: the config's, $AWS_CA_BUNDLE, the profile's ca_bundle */
    char *from_profile = NULL;
    o.ca_file = cfg->version >= 3 ? cfg->ca_file : NULL;
    if (o.ca_file == NULL)
        o.ca_file = env("AWS_CA_BUNDLE");
    if (o.ca_file == NULL) {
        ddb_error_clear();
        o.ca_file = from_profile = ddb_shared_config_get(NULL, "ca_bundle");
        if (from_profile == NULL && ddb_last_error()->code != 0)
            return ddb_last_error()->code; /* a malformed or unreadable file */
    }
    /* http and https natively, proxies through libcurl (docs/performance.md) */
    int rc = ddb_native_transport_new(&c->transport, &o);
    free(from_profile);
    return rc;
}

static int make_credentials(ddb_client *c, const ddb_client_config *cfg)
{
    if (cfg->credentials != NULL) {
        c->provider = cfg->credentials;
        return 0;
    }
    return ddb_creds_default_chain_new(&c->provider);
}

/* The service of config `cfg` (version 1 has none: DynamoDB). */
static const service_info *service_of(const ddb_client_config *cfg)
{
    const char *name = cfg->version >= 2 && cfg->service != NULL ? cfg->service : "dynamodb";
    for (size_t i = 0; i < sizeof services / sizeof services[0]; i++) {
        if (strcmp(services[i].name, name) == 0)
            return &services[i];
    }
    return NULL;
}

static int check_config(const ddb_client_config *cfg)
{
    if (cfg->version < 1 || cfg->version > DDB_CLIENT_CONFIG_VERSION)
        return ddb_error_set(DDB_EINVAL, "ddb_client_config version %u, expected 1 to %u", cfg->version,
                             DDB_CLIENT_CONFIG_VERSION);
    if (service_of(cfg) == NULL)
        return ddb_error_set(DDB_EINVAL, "unknown service \"%s\" (valid: dynamodb, kms, s3)", cfg->service);
    if (cfg->retry.max_attempts == 0)
        return ddb_error_set(DDB_EINVAL, "retry.max_attempts must be at least 1");
    return 0;
}

/* Everything but the provider and transport, which may be the caller's. */
static void client_release_own(ddb_client *c)
{
    free(c->endpoint);
    free(c->host);
    free(c->path);
    free(c->region);
    ddb_sigv4_cache_free(c->sig_cache);
    ddb_retry_quota_free(c->quota);
    if (c->creds != NULL) {
        ddb_credentials_clear(&c->creds->creds);
        free(c->creds);
    }
    pthread_mutex_destroy(&c->creds_lock);
    ddb_hook_registry_free(atomic_load(&c->hooks));
    free(c);
}

/* Whether `host` (Host header form: name or address, [v6], maybe :port)
 * is this machine: localhost, 127.0.0.0/8 or ::1. */
static bool loopback_host(const char *host)
{
    char name[256];
    size_t len = host[0] == '[' ? strcspn(host, "]") + 1 : strcspn(host, ":");
    if (len >= sizeof name)
        return false;
    memcpy(name, host, len);
    name[len] = '\0';
    if (strcasecmp(name, "localhost") == 0 || strcmp(name, "[::1]") == 0)
        return true;
    struct in_addr a;
    return inet_pton(AF_INET, name, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

/* Signed requests and session tokens do not travel unencrypted to another
 * machine unless the caller says so. */
static int check_plain_http(const ddb_client *c, const ddb_client_config *cfg)
{
    if (strncasecmp(c->endpoint, "http://", 7) != 0 || loopback_host(c->host))
        return 0;
    if ((cfg->version >= 3 && cfg->allow_plain_http) || env_flag("DDB_ALLOW_PLAIN_HTTP"))
        return 0;
    return ddb_error_set(DDB_ECONFIG,
                         "endpoint \"%s\": plain HTTP to another machine would carry signed requests and session "
                         "tokens unencrypted; use https://, or allow it (ddb_client_config.allow_plain_http, "
                         "DDB_ALLOW_PLAIN_HTTP=1, ddb --allow-plain-http)",
                         c->endpoint);
}

static int client_setup(ddb_client *c, const ddb_client_config *cfg)
{
    int rc = resolve_region(c, cfg->region);
    if (rc == 0)
        rc = resolve_endpoint(c, cfg->endpoint);
    if (rc == 0)
        rc = check_plain_http(c, cfg);
    if (rc != 0)
        return rc;
    c->sig_cache = ddb_sigv4_cache_new();
    if (c->sig_cache == NULL)
        return ddb_error_set(DDB_ENOMEM, "out of memory creating the signing key cache");
    if (c->retry.quota_capacity != 0 &&
        (c->quota = ddb_retry_quota_new(c->retry.quota_capacity)) == NULL)
        return DDB_ENOMEM;
    rc = make_credentials(c, cfg);
    if (rc == 0)
        rc = make_transport(c, cfg);
    return rc;
}

int ddb_client_new(ddb_client **out, const ddb_client_config *cfg)
{
    static const ddb_client_config defaults = DDB_CLIENT_CONFIG_INIT;
    if (cfg == NULL)
        cfg = &defaults;
    int rc = check_config(cfg);
    if (rc != 0)
        return rc;
    ddb_client *c = calloc(1, sizeof *c);
    if (c == NULL)
        return ddb_error_set(DDB_ENOMEM, "out of memory creating a client");
    pthread_mutex_init(&c->creds_lock, NULL);
    c->service = service_of(cfg);
    c->retry = cfg->retry;
    c->connect_timeout_ms =
        cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : DEFAULT_CONNECT_TIMEOUT_MS;
    c->request_timeout_ms =
        cfg->request_timeout_ms > 0 ? cfg->request_timeout_ms : DEFAULT_REQUEST_TIMEOUT_MS;
    c->verify_crc32 = cfg->verify_crc32;
    /* the largest answer DynamoDB can send, a 16 MB BatchGetItem whose
     * strings are all escaped control characters, is ~96 MB; S3 objects
     * are the caller's own data */
    size_t max_resp = cfg->version >= 3 ? cfg->max_response_bytes : 0;
    c->max_response_bytes = max_resp == SIZE_MAX                        ? 0
                            : max_resp != 0                             ? max_resp
                            : strcmp(c->service->name, "s3") == 0 ? 0
                                                                        : DDB_DEFAULT_MAX_RESPONSE_BYTES;
    rc = client_setup(c, cfg);
    if (rc != 0) {
        /* what the config lent us stays the caller's */
        if (c->provider != cfg->credentials)
            ddb_credentials_provider_free(c->provider);
        if (c->transport != cfg->transport)
            ddb_transport_free(c->transport);
        client_release_own(c);
        return rc;
    }
    *out = c;
    return 0;
}

void ddb_client_free(ddb_client *c)
{
    if (c == NULL)
        return;
    ddb_credentials_provider_free(c->provider);
    ddb_transport_free(c->transport);
    client_release_own(c);
}

const char *ddb_client_endpoint(const ddb_client *c)
{
    return c->endpoint;
}

const char *ddb_client_region(const ddb_client *c)
{
    return c->region;
}

const ddb_retry_policy *ddb_client_retry_policy(const ddb_client *c)
{
    return &c->retry;
}

/* ------------------------------------------------------------------ */
/* Credentials cache                                                  */
/* ------------------------------------------------------------------ */

static void creds_unref_locked(creds_ref *r, unsigned n)
{
    r->refs -= n;
    if (r->refs == 0) {
        ddb_credentials_clear(&r->creds);
        free(r);
    }
}

static bool creds_fresh(const creds_ref *r, time_t now)
{
    return r->creds.expiration == 0 || (int64_t)now + CREDS_REFRESH_MARGIN_S < r->creds.expiration;
}

/* Fetches from the provider into a new cache entry (lock held: only one
 * thread asks a possibly slow provider, the others wait for its answer). */
static int creds_fetch_locked(ddb_client *c)
{
    creds_ref *r = calloc(1, sizeof *r);
    if (r == NULL)
        return ddb_error_set(DDB_ENOMEM, "out of memory caching credentials");
    int rc = c->provider->get(c->provider, &r->creds);
    if (rc != 0) {
        ddb_credentials_clear(&r->creds);
        free(r);
        return rc;
    }
    r->refs = 1; /* the cache's reference */
    if (c->creds != NULL)
        creds_unref_locked(c->creds, 1);
    c->creds = r;
    return 0;
}

static int creds_acquire(ddb_client *c, creds_ref **out)
{
    pthread_mutex_lock(&c->creds_lock);
    int rc = 0;
    if (c->creds == NULL || !creds_fresh(c->creds, time(NULL)))
        rc = creds_fetch_locked(c);
    if (rc == 0) {
        c->creds->refs++;
        *out = c->creds;
    }
    pthread_mutex_unlock(&c->creds_lock);
    return rc;
}

/* Drops the call's reference; `reject` also evicts the entry from the cache
 * (the service refused it), so the next call asks the provider again. */
static void creds_release(ddb_client *c, creds_ref *r, bool reject)
{
    pthread_mutex_lock(&c->creds_lock);
    unsigned drop = 1;
    if (reject && c->creds == r) {
        c->creds = NULL;
        drop = 2;
    }
    creds_unref_locked(r, drop);
    pthread_mutex_unlock(&c->creds_lock);
}

/* ------------------------------------------------------------------ */
/* One call                                                           */
/* ------------------------------------------------------------------ */

/* What stays the same over the attempts of one call. */
typedef struct call {
    ddb_client *client;
    const ddb_credentials *creds;
    const ddb_rest_request *rest; /* REST (S3); NULL: a JSON-protocol call */
    const char *target;
    const char *body;
    size_t body_len;
    size_t resp_start; /* where this call's response starts in the buffer */
    char payload_hash[65];
    /* What the AWS SDKs send so that a server (or a proxy) can tell the
     * attempts of one call apart from other calls: amz-sdk-invocation-id
     * (the same for every attempt) and amz-sdk-request "attempt=N; max=M".
     * Neither is signed, so they can change between attempts. */
    char invocation_id[37];
    char sdk_request[48];
} call;

static _Thread_local bool tls_call_maybe_applied;

bool ddb_client_call_maybe_applied(void)
{
    return tls_call_maybe_applied;
}

void ddb_client_set_call_maybe_applied(bool v)
{
    tls_call_maybe_applied = v;
}

int ddb_uuid4(char out[37])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char b[16];
    if (RAND_bytes(b, (int)sizeof b) != 1)
        return ddb_error_set(DDB_EIO, "OpenSSL has no random bytes for a UUID");
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    char *o = out;
    for (size_t i = 0; i < sizeof b; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *o++ = '-';
        *o++ = hex[b[i] >> 4];
        *o++ = hex[b[i] & 15];
    }
    *o = '\0';
    return 0;
}

/* Checks the body (from `start` on) against x-amz-crc32. */
static int verify_crc32(const ddb_http_response *r, size_t start)
{
    if (r->crc32[0] == '\0')
        return 0; /* not every DynamoDB-compatible server sends one */
    char *end = NULL;
    unsigned long want = strtoul(r->crc32, &end, 10);
    size_t len = r->body.len - start;
    uint32_t got = ddb_crc32(ddb_buf_cstr(&r->body) + start, len);
    if (*end == '\0' && want == got)
        return 0;
    char shown[DDB_HTTP_HEADER_VALUE_MAX];
    ddb_error_set(DDB_ECRC, "x-amz-crc32 is %s but the %zu-byte body has CRC32 %lu",
                  one_line(shown, sizeof shown, r->crc32), len, (unsigned long)got);
    return ddb_error_set_aws(r->status, NULL, r->request_id);
}

/* The text of the first <tag>...</tag> of an XML body into out. */
static bool xml_text(char *out, size_t size, const char *body, size_t len, const char *tag)
{
    char open[48], close[48];
    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    const char *end = body + len, *a = body;
    size_t ol = strlen(open);
    for (; a + ol <= end && memcmp(a, open, ol) != 0; a++)
        ;
    if (a + ol > end)
        return false;
    a += ol;
    const char *b = a;
    size_t cl = strlen(close);
    for (; b + cl <= end && memcmp(b, close, cl) != 0; b++)
        ;
    if (b + cl > end)
        return false;
    size_t n = (size_t)(b - a) < size - 1 ? (size_t)(b - a) : size - 1;
    for (size_t i = 0; i < n; i++)
        out[i] = iscntrl((unsigned char)a[i]) ? ' ' : a[i];
    out[n] = '\0';
    return true;
}

/* Records an S3 error response (<Error><Code/><Message/>...); a body-less
 * 404 (HEAD) is DDB_ENOTFOUND. Returns the code. */
static int error_from_xml(long status, const char *body, size_t len, const char *request_id)
{
    char type[96], message[512], id[DDB_HTTP_HEADER_VALUE_MAX];
    if (!xml_text(type, sizeof type, body, len, "Code")) {
        int code = status == 404 ? DDB_ENOTFOUND : code_for_status(status);
        error_from_raw_body(code, status, body, len);
        return ddb_error_set_aws(status, NULL, request_id);
    }
    if (!xml_text(message, sizeof message, body, len, "Message") || message[0] == '\0')
        snprintf(message, sizeof message, "HTTP %ld %s", status, type);
    if ((request_id == NULL || request_id[0] == '\0') && xml_text(id, sizeof id, body, len, "RequestId"))
        request_id = id;
    int code = code_for_type(type, status);
    ddb_error_set(code, "%s", message);
    ddb_error_set_aws(status, type, request_id);
    return code;
}

/* The URL of a REST request: scheme://[prefix]authority + path [+ ?query]. */
static int rest_url(ddb_buf *url, ddb_buf *host, const ddb_client *c, const ddb_rest_request *r)
{
    const char *authority = strstr(c->endpoint, "://") + 3;
    int rc = ddb_buf_append(url, c->endpoint, (size_t)(authority - c->endpoint));
    if (rc == 0 && r->host_prefix != NULL)
        rc = ddb_buf_puts(url, r->host_prefix);
    if (rc == 0)
        rc = ddb_buf_append(url, authority, strcspn(authority, "/"));
    if (rc == 0)
        rc = ddb_buf_puts(url, r->path);
    if (rc == 0 && r->query != NULL && r->query[0] != '\0')
        rc = ddb_buf_printf(url, "?%s", r->query);
    if (rc == 0 && r->host_prefix != NULL)
        rc = ddb_buf_puts(host, r->host_prefix);
    if (rc == 0)
        rc = ddb_buf_puts(host, c->host);
    return rc == 0 ? 0 : DDB_ENOMEM;
}

/* Signs and sends one REST attempt (S3 rules), then classifies it. */
static int attempt_rest(const call *k, ddb_http_response *resp)
{
    ddb_client *c = k->client;
    const ddb_rest_request *r = k->rest;
    ddb_buf url = DDB_BUF_INIT, host = DDB_BUF_INIT;
    int rc = rest_url(&url, &host, c, r);
    ddb_header h[DDB_HTTP_MAX_HEADERS];
    size_t n = 0;
    h[n++] = (ddb_header){"Host", ddb_buf_cstr(&host)};
    for (size_t i = 0; i < r->n_headers && n < DDB_HTTP_MAX_HEADERS - 7; i++)
        h[n++] = r->headers[i];
    const size_t n_signed = n;
    ddb_sigv4_params params = {c->region, c->service->name, time(NULL), strcmp(c->service->name, "s3") == 0};
    ddb_sigv4_request sreq = {r->method, r->path, r->query, h, n_signed, k->body, k->body_len, k->payload_hash};
    ddb_sigv4_result sig;
    if (rc == 0 && k->creds != NULL) /* else anonymous (ddb_client_send_anonymous) */
        rc = ddb_sigv4_sign(&sig, NULL, c->sig_cache, &params, k->creds, &sreq);
    if (rc == 0) {
        if (k->creds != NULL) {
            h[n++] = (ddb_header){"X-Amz-Date", sig.amz_date};
            h[n++] = (ddb_header){"Authorization", sig.authorization};
            if (sig.content_sha256[0] != '\0')
                h[n++] = (ddb_header){"X-Amz-Content-Sha256", sig.content_sha256};
            if (sig.security_token != NULL)
                h[n++] = (ddb_header){"X-Amz-Security-Token", sig.security_token};
        }
        h[n++] = (ddb_header){"User-Agent", "ddbc/" DDB_VERSION};
        h[n++] = (ddb_header){"amz-sdk-invocation-id", k->invocation_id};
        h[n++] = (ddb_header){"amz-sdk-request", k->sdk_request};
        ddb_http_request req = {r->method,           ddb_buf_cstr(&url),    h, n, k->body, k->body_len,
                                c->connect_timeout_ms, c->request_timeout_ms, c->max_response_bytes};
        rc = c->transport->send(c->transport, &req, resp);
    }
    ddb_buf_free(&url);
    ddb_buf_free(&host);
    if (rc != 0)
        return rc;
    if (resp->status >= 200 && resp->status < 300)
        return 0;
    return error_from_xml(resp->status, ddb_buf_cstr(&resp->body) + k->resp_start, resp->body.len - k->resp_start,
                          resp->request_id);
}

/* Signs and sends one attempt into `resp`, then classifies the response. */
static int attempt(const call *k, ddb_http_response *resp)
{
    ddb_client *c = k->client;
    if (k->rest != NULL)
        return attempt_rest(k, resp);
    ddb_header h[9] = {
        {"Host", c->host},
        {"Content-Type", c->service->content_type},
        {"X-Amz-Target", k->target},
    };
    const size_t n_signed = 3;
    ddb_sigv4_params params = {c->region, c->service->name, time(NULL), false};
    ddb_sigv4_request sreq = {"POST",   c->path, NULL,        h,
                              n_signed, k->body, k->body_len, k->payload_hash};
    ddb_sigv4_result sig;
    int rc = ddb_sigv4_sign(&sig, NULL, c->sig_cache, &params, k->creds, &sreq);
    if (rc != 0)
        return rc;
    size_t n = n_signed;
    h[n++] = (ddb_header){"X-Amz-Date", sig.amz_date};
    h[n++] = (ddb_header){"Authorization", sig.authorization};
    if (sig.security_token != NULL)
        h[n++] = (ddb_header){"X-Amz-Security-Token", sig.security_token};
    h[n++] = (ddb_header){"User-Agent", "ddbc/" DDB_VERSION};
    h[n++] = (ddb_header){"amz-sdk-invocation-id", k->invocation_id};
    h[n++] = (ddb_header){"amz-sdk-request", k->sdk_request};
    ddb_http_request req = {"POST",
                            c->endpoint,
                            h,
                            n,
                            k->body,
                            k->body_len,
                            c->connect_timeout_ms,
                            c->request_timeout_ms,
                            c->max_response_bytes};
    rc = c->transport->send(c->transport, &req, resp);
    if (rc != 0)
        return rc;
    if (c->verify_crc32 && (rc = verify_crc32(resp, k->resp_start)) != 0)
        return rc;
    if (resp->status >= 200 && resp->status < 300)
        return 0;
    return ddb_error_from_response(resp->status, ddb_buf_cstr(&resp->body) + k->resp_start,
                                   resp->body.len - k->resp_start, resp->request_id);
}

static void note_quota_exhausted(void)
{
    ddb_error_append(" [retry quota exhausted]");
}

/* Whether a call may change stored data: every DynamoDB operation but
 * the reads, S3 requests but GET and HEAD; KMS and STS calls never. */
static bool call_writes(const call *k)
{
    if (k->rest != NULL)
        return strcmp(k->rest->method, "GET") != 0 && strcmp(k->rest->method, "HEAD") != 0;
    if (strcmp(k->client->service->name, "dynamodb") != 0)
        return false;
    const char *dot = strrchr(k->target, '.');
    const char *op = dot != NULL ? dot + 1 : k->target;
    static const char *const reads[] = {"Query", "Scan", "BatchGetItem", "TransactGetItems"};
    for (size_t i = 0; i < sizeof reads / sizeof reads[0]; i++)
        if (strcmp(op, reads[i]) == 0)
            return false;
    return strncmp(op, "Get", 3) != 0 && strncmp(op, "Describe", 8) != 0 && strncmp(op, "List", 4) != 0;
}

/*
 * Attempts until success, a non-retryable failure, max_attempts, or an
 * empty retry quota. The body is kept only from the final attempt. A
 * write that fails after an attempt that may have been applied (the
 * request had left when the connection failed or timed out, the answer
 * was 5xx, or a success whose checksum failed) is marked maybe_applied:
 * its final code says nothing certain about the table.
 */
static int run_attempts(call *k, ddb_http_response *resp, unsigned *attempts)
{
    ddb_client *c = k->client;
    uint32_t held = 0; /* quota tokens taken for the retry in progress */
    bool maybe_applied = false;
    *attempts = 0;
    int rc = ddb_uuid4(k->invocation_id);
    if (rc != 0)
        return rc;
    for (unsigned n = 1;; n++) {
        *attempts = n;
        snprintf(k->sdk_request, sizeof k->sdk_request, "attempt=%u; max=%u", n, c->retry.max_attempts);
        resp->body.len = k->resp_start;
        ddb_http_response_clear_headers(resp);
        resp->status = 0;
        resp->sent = false;
        rc = attempt(k, resp);
        if (rc == 0) {
            ddb_retry_quota_release(c->quota, held != 0 ? held : 1);
            tls_call_maybe_applied = maybe_applied && call_writes(k);
            return 0;
        }
        maybe_applied |= (resp->sent && (rc == DDB_ENETWORK || rc == DDB_ETIMEOUT)) || resp->status >= 500 ||
                         rc == DDB_ECRC;
        const ddb_error *e = ddb_last_error();
        bool stop = n >= c->retry.max_attempts ||
                    !ddb_retry_is_retryable(rc, e->http_status, e->aws_type[0] != '\0' ? e->aws_type : NULL);
        if (!stop) {
            held = rc == DDB_ETIMEOUT ? c->retry.timeout_cost : c->retry.retry_cost;
            if (!ddb_retry_quota_acquire(c->quota, held)) {
                note_quota_exhausted();
                stop = true;
            }
        }
        if (stop) {
            if (maybe_applied && call_writes(k)) {
                ddb_error_set_maybe_applied();
                tls_call_maybe_applied = true;
            }
            return rc;
        }
        ddb_retry_sleep(&c->retry, ddb_retry_delay_ms(&c->retry, n - 1));
    }
}

static int call_prepare(call *k, ddb_client *c, const char *operation, const char *body, size_t len,
                        const ddb_buf *resp, char *target, size_t target_size)
{
    if (c == NULL || operation == NULL || (body == NULL && len != 0) || resp == NULL)
        return ddb_error_set(DDB_EINVAL, "ddb_client_call: client, operation, body and response "
                                         "buffer are required");
    if (c->service->target == NULL)
        return ddb_error_set(DDB_EINVAL, "ddb_client_call: service %s speaks REST (ddb_client_send)",
                             c->service->name);
    int n = snprintf(target, target_size, "%s%s", c->service->target, operation);
    if (n < 0 || (size_t)n >= target_size)
        return ddb_error_set(DDB_EINVAL, "operation name \"%s\" is too long", operation);
    memset(k, 0, sizeof *k);
    k->client = c;
    k->target = target;
    k->body = body != NULL ? body : "";
    k->body_len = len;
    ddb_sha256_hex(k->payload_hash, k->body, len); /* once for all attempts */
    return 0;
}

/* True when a failed call ended on an intact AWS error response, whose
 * body the caller may want (CancellationReasons). */
static bool is_error_response(int rc, long status)
{
    return rc != DDB_ECRC && status != 0 && (status < 200 || status >= 300);
}

int ddb_client_call_unhooked(ddb_client *c, const char *operation, const char *table,
                             const char *body, size_t body_len, ddb_buf *resp,
                             ddb_call_outcome *outcome)
{
    char target[32 + DDB_ERR_OPERATION_MAX]; /* the longest target prefix, then the operation */
    call k;
    unsigned attempts = 0;
    creds_ref *cr = NULL;
    tls_call_maybe_applied = false;
    int rc = call_prepare(&k, c, operation, body, body_len, resp, target, sizeof target);
    if (rc == 0)
        rc = creds_acquire(c, &cr);
    if (rc == 0) {
        k.creds = &cr->creds;
        /* the response body goes straight into the caller's buffer */
        ddb_http_response hr = DDB_HTTP_RESPONSE_INIT;
        k.resp_start = resp->len;
        hr.body = *resp;
        rc = run_attempts(&k, &hr, &attempts);
        if (rc != 0 && !is_error_response(rc, hr.status))
            hr.body.len = k.resp_start; /* no usable body: drop what arrived */
        if (hr.body.data != NULL)
            hr.body.data[hr.body.len] = '\0';
        *resp = hr.body;
        creds_release(c, cr, rc == DDB_EAUTH);
        if (outcome != NULL) {
            outcome->http_status = hr.status;
            memcpy(outcome->request_id, hr.request_id, sizeof outcome->request_id);
        }
    }
    if (outcome != NULL)
        outcome->attempts = attempts;
    if (rc != 0) {
        ddb_error_set_context(operation, table != NULL ? table : "");
        ddb_error_set_attempts(attempts);
    }
    return rc;
}

/* ------------------------------------------------------------------ */
/* Request hooks (hooks.c): the only coupling is this dispatch and the  */
/* registry slot. With no hook registered anywhere, a call pays one    */
/* relaxed atomic load and a branch.                                   */
/* ------------------------------------------------------------------ */

_Atomic(ddb_hook_registry *) *ddb_client_hook_slot(ddb_client *c)
{
    return &c->hooks;
}

/* ddb_client_send, signed (with the client's credentials) or not. */
static int send_rest(ddb_http_response *resp, ddb_client *c, const ddb_rest_request *r, bool sign)
{
    if (c == NULL || r == NULL || r->method == NULL || r->path == NULL || r->path[0] != '/' || resp == NULL ||
        (r->body == NULL && r->body_len != 0))
        return ddb_error_set(DDB_EINVAL, "ddb_client_send: client, method, a path starting with '/' and a "
                                         "response are required");
    if (c->service->target != NULL)
        return ddb_error_set(DDB_EINVAL, "ddb_client_send: service %s speaks JSON (ddb_client_call)",
                             c->service->name);
    call k;
    memset(&k, 0, sizeof k);
    k.client = c;
    k.rest = r;
    k.body = r->body != NULL ? r->body : "";
    k.body_len = r->body_len;
    k.resp_start = resp->body.len;
    ddb_sha256_hex(k.payload_hash, k.body, k.body_len);
    unsigned attempts = 0;
    creds_ref *cr = NULL;
    int rc = sign ? creds_acquire(c, &cr) : 0;
    if (rc == 0) {
        k.creds = cr != NULL ? &cr->creds : NULL;
        rc = run_attempts(&k, resp, &attempts);
        if (cr != NULL)
            creds_release(c, cr, rc == DDB_EAUTH);
    }
    if (rc != 0) {
        ddb_error_set_context(r->operation != NULL ? r->operation : r->method, "");
        ddb_error_set_attempts(attempts);
    }
    return rc;
}

int ddb_client_send(ddb_http_response *resp, ddb_client *c, const ddb_rest_request *r)
{
    return send_rest(resp, c, r, true);
}

int ddb_client_send_anonymous(ddb_http_response *resp, ddb_client *c, const ddb_rest_request *r)
{
    return send_rest(resp, c, r, false);
}

int ddb_client_call(ddb_buf *resp, ddb_client *c, const char *operation, const char *table,
                    const char *body, size_t body_len)
{
    if (ddb_hooks_idle())
        return ddb_client_call_unhooked(c, operation, table, body, body_len, resp, NULL);
    return ddb_hooks_call(c, operation, table, body, body_len, resp);
}

/* ------------------------------------------------------------------ */
/* The process default client                                         */
/* ------------------------------------------------------------------ */

static pthread_mutex_t default_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic(ddb_client *) default_client;

ddb_client *ddb_default_client(void)
{
    ddb_client *c = atomic_load_explicit(&default_client, memory_order_acquire);
    if (c != NULL)
        return c;
    pthread_mutex_lock(&default_lock);
    c = atomic_load_explicit(&default_client, memory_order_relaxed);
    if (c == NULL && ddb_client_new(&c, NULL) == 0)
        atomic_store_explicit(&default_client, c, memory_order_release);
    pthread_mutex_unlock(&default_lock);
    return c;
}

void ddb_default_client_set(ddb_client *c)
{
    pthread_mutex_lock(&default_lock);
    ddb_client *old = atomic_exchange_explicit(&default_client, c, memory_order_acq_rel);
    pthread_mutex_unlock(&default_lock);
    ddb_client_free(old);
}
