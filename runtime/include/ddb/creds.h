/*
 * ddb/creds.h - AWS credentials and where they come from.
 *
 * This part: explicit keys, environment variables (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), and the shared credentials and
 * config files (~/.aws/credentials, ~/.aws/config; AWS_PROFILE,
 * AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE). Assume-role, container and
 * instance metadata come later behind the same provider interface.
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
 */
DDB_API int ddb_creds_profile_new(ddb_credentials_provider **out, const char *profile);

/* The default chain: environment, then shared files (for $AWS_PROFILE or
 * "default"). Only DDB_ECREDENTIALS moves on to the next source; any other
 * failure (a malformed file, a partial environment) is returned at once.
 * When no source has credentials, the message lists what each one said.
 * get() is thread-safe (as the environment provider). */
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

/* Releases a provider (NULL-safe): calls its destroy, if any. */
DDB_API void ddb_credentials_provider_free(ddb_credentials_provider *p);

#ifdef __cplusplus
}
#endif

#endif /* DDB_CREDS_H */
