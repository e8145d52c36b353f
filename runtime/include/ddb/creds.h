/*
 * ddb/creds.h - AWS credentials and where they come from.
 *
 * Explicit keys, environment variables (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), the shared credentials and
 * config files (~/.aws/credentials, ~/.aws/config; AWS_PROFILE,
 * AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE), a credential_process
 * command, STS (AssumeRole, AssumeRoleWithWebIdentity), the container
 * credentials endpoint and EC2 instance metadata (IMDSv2); the default
 * chain tries them in AWS's order (docs/credentials.md).
 *
 * Clients cache what a provider returns and ask again a minute before it
 * expires (one refresh at a time; ddb/client.h). No message names a
 * secret: failures say where credentials were looked for, not what was
 * found.
 *
 * Thread safety: a provider's get() may be called from many threads at
 * once; implementations synchronise internally. ddb_credentials values are
 * plain data. Errors are recorded in the thread's last error (ddb/error.h).
 */
#ifndef DDB_CREDS_H
#define DDB_CREDS_H

#include "ddb/export.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One set of credentials. Strings owned by the struct (ddb_credentials_clear). */
typedef struct ddb_credentials {
    char *access_key_id;
    char *secret_access_key;
    char *session_token; /* NULL when not temporary */
    int64_t expiration;  /* epoch seconds; 0 = does not expire */
} ddb_credentials;

#define DDB_CREDENTIALS_INIT {NULL, NULL, NULL, 0}

/* Frees the strings and resets the struct to DDB_CREDENTIALS_INIT; the
 * secret and the session token are wiped first (OPENSSL_cleanse). NULL-safe. */
DDB_API void ddb_credentials_clear(ddb_credentials *c);
/* Deep copy into `dst`, which must be empty (DDB_CREDENTIALS_INIT or
 * cleared). Returns 0, DDB_EINVAL (NULL argument) or DDB_ENOMEM; on
 * failure `dst` is left empty. */
DDB_API int ddb_credentials_copy(ddb_credentials *dst, const ddb_credentials *src);

typedef struct ddb_credentials_provider ddb_credentials_provider;

/* A source of credentials. Custom providers embed this struct as their
 * first member; ddb_credentials_provider_free calls destroy. */
struct ddb_credentials_provider {
    /* Fills `out` (empty on entry, owned by the caller afterwards) with
     * current credentials. Returns 0; DDB_ECREDENTIALS when this source
     * has none (the message says where it looked); DDB_ECONFIG when it is
     * misconfigured (malformed file, with "file:line: ..."; an access key
     * without its secret); DDB_EIO (unreadable file); DDB_ENOMEM. On
     * failure `out` is left empty. */
    int (*get)(ddb_credentials_provider *self, ddb_credentials *out);
    void (*destroy)(ddb_credentials_provider *self); /* may be NULL */
};

/*
 * The constructors below set *out to a new provider (free it with
 * ddb_credentials_provider_free) and return 0, or set it to NULL and return
 * DDB_EINVAL or DDB_ENOMEM.
 */

/* Fixed keys (copied; session_token may be NULL). get() is thread-safe. */
DDB_API int ddb_creds_static_new(ddb_credentials_provider **out, const char *access_key_id,
                         const char *secret_access_key, const char *session_token);

/* Reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN on
 * every get() (empty counts as unset). Neither key set: DDB_ECREDENTIALS;
 * only one: DDB_ECONFIG. get() is as thread-safe as getenv(): safe unless
 * another thread changes the environment meanwhile. */
DDB_API int ddb_creds_env_new(ddb_credentials_provider **out);

/*
 * Shared files for `profile` (copied; NULL: $AWS_PROFILE, else "default",
 * looked up at each get()). The credentials file ($AWS_SHARED_CREDENTIALS_FILE
 * or ~/.aws/credentials, sections "[NAME]") is read first, then the config
 * file ($AWS_CONFIG_FILE or ~/.aws/config, sections "[profile NAME]" and
 * "[default]"), for aws_access_key_id, aws_secret_access_key and
 * aws_session_token. Missing files count as empty; a leading "~/" in the
 * variables means $HOME. Format: "key = value" or "key: value" lines (keys
 * case-insensitive), '#' and ';' comment lines, indented lines continue the
 * previous value. The result is cached and the files re-read when a path,
 * the profile, or a file's size or modification time changes. get() is
 * thread-safe (a mutex guards the cache).
 *
 * A profile with role_arn assumes that role through STS (the profile's
 * region; AWS_ENDPOINT_URL_STS), with credentials from source_profile
 * (its own keys when it names itself; another role profile: chained, at
 * most 8 hops) or credential_source (Environment, Ec2InstanceMetadata,
 * EcsContainer), and external_id, duration_seconds, role_session_name;
 * with web_identity_token_file, AssumeRoleWithWebIdentity instead. A
 * profile with credential_process runs it when the files hold no keys for
 * the profile. Role and process credentials are not cached here (clients
 * cache them until they near their expiration).
 */
DDB_API int ddb_creds_profile_new(ddb_credentials_provider **out, const char *profile);

/* The default chain, in AWS's order: environment; web identity
 * (AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE); shared files for
 * $AWS_PROFILE or "default" (keys; role_arn with source_profile or
 * credential_source, chained; web_identity_token_file;
 * credential_process); container credentials; instance metadata. Only
 * DDB_ECREDENTIALS moves on to the next source; any other failure (a
 * malformed file, a partial environment, STS refusing a role) is returned
 * at once. When no source has credentials, the message lists what each
 * one said. get() is thread-safe (as the environment provider). */
DDB_API int ddb_creds_default_chain_new(ddb_credentials_provider **out);

/*
 * Shared config lookup, also used for region: returns a malloc'ed copy of
 * the value of `key` (case-insensitive) for `profile` (NULL: $AWS_PROFILE
 * or "default") from the config file, else the credentials file, found as
 * for ddb_creds_profile_new. Returns NULL when the key is absent (the last
 * error is then untouched) and on failure (recorded: DDB_ECONFIG for a
 * malformed file, DDB_EIO, DDB_ENOMEM); callers that must tell the two
 * apart call ddb_error_clear() first. Thread-safe (as getenv()).
 */
DDB_API char *ddb_shared_config_get(const char *profile, const char *key);

/*
 * credential_process: runs `command` (copied) through /bin/sh at each
 * get() and reads JSON of Version 1 from its standard output
 * ({"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken",
 * "Expiration"}); its standard error passes through. A non-zero exit,
 * more than 64 KiB, or other JSON: DDB_ECREDENTIALS naming the command.
 * get() is thread-safe.
 */
DDB_API int ddb_creds_process_new(ddb_credentials_provider **out, const char *command);

/*
 * The container credentials endpoint (ECS task roles, EKS pod identity),
 * from the environment at each get(): AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
 * (on http://169.254.170.2) or AWS_CONTAINER_CREDENTIALS_FULL_URI (https,
 * or http to loopback or the ECS/EKS addresses; else DDB_ECONFIG), with
 * the Authorization header from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE or
 * AWS_CONTAINER_AUTHORIZATION_TOKEN. Neither URI set, or no answer:
 * DDB_ECREDENTIALS. get() is thread-safe.
 */
DDB_API int ddb_creds_container_new(ddb_credentials_provider **out);

/*
 * EC2 instance metadata, IMDSv2 only: a session token (PUT
 * /latest/api/token), the instance's role, its credentials. The endpoint
 * is AWS_EC2_METADATA_SERVICE_ENDPOINT or http://169.254.169.254;
 * AWS_EC2_METADATA_DISABLED=true turns it off. Timeouts are short (1 s to
 * connect, 2 s a request) so that a machine without metadata moves on:
 * DDB_ECREDENTIALS. get() is thread-safe.
 */
DDB_API int ddb_creds_imds_new(ddb_credentials_provider **out);

/* STS AssumeRole. */
typedef struct ddb_assume_role_opts {
    unsigned version;         /* DDB_ASSUME_ROLE_OPTS_VERSION */
    const char *role_arn;     /* required */
    const char *session_name; /* NULL: "ddbc-<pid>-<seconds>" */
    const char *external_id;  /* NULL: none */
    int duration_s;           /* 900..43200; 0: STS's default (3600) */
    const char *region;       /* of STS; NULL: as any client resolves it */
    const char *endpoint;     /* NULL: AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, sts.<region>.amazonaws.com */
} ddb_assume_role_opts;

#define DDB_ASSUME_ROLE_OPTS_VERSION 1
#define DDB_ASSUME_ROLE_OPTS_INIT {DDB_ASSUME_ROLE_OPTS_VERSION, NULL, NULL, NULL, 0, NULL, NULL}

/*
 * Credentials of a role, from STS AssumeRole signed with `source`'s
 * credentials. Takes ownership of `source` in every case (a chained role:
 * `source` is itself an assume-role provider). Strings are copied. STS's
 * errors are returned with its code and message (AccessDenied DDB_EAUTH,
 * ...), prefixed with the role. get() is thread-safe.
 */
DDB_API int ddb_creds_assume_role_new(ddb_credentials_provider **out, ddb_credentials_provider *source,
                                      const ddb_assume_role_opts *opts);

/*
 * Credentials from STS AssumeRoleWithWebIdentity (EKS IRSA, GitHub OIDC):
 * an unsigned call with the token read from `token_file` at each get().
 * NULL arguments come from the environment at each get(): AWS_ROLE_ARN,
 * AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_SESSION_NAME (NULL or empty:
 * "ddbc-<pid>-<seconds>"); region and endpoint of STS as for assume role.
 * Role or file unknown, or the file missing: DDB_ECREDENTIALS. get() is
 * thread-safe.
 */
DDB_API int ddb_creds_web_identity_new(ddb_credentials_provider **out, const char *role_arn,
                                       const char *token_file, const char *session_name, const char *region,
                                       const char *endpoint);

/* Releases a provider (NULL-safe): calls its destroy, if any. */
DDB_API void ddb_credentials_provider_free(ddb_credentials_provider *p);

#ifdef __cplusplus
}
#endif

#endif /* DDB_CREDS_H */
