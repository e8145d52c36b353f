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
 * plain data.
 */
#ifndef DDB_CREDS_H
#define DDB_CREDS_H

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

/* Frees the strings and zeroes the struct (secret wiped first). NULL-safe. */
void ddb_credentials_clear(ddb_credentials *c);
/* Deep copy into `dst` (which must be cleared/initialised). 0 or DDB_ENOMEM. */
int ddb_credentials_copy(ddb_credentials *dst, const ddb_credentials *src);

typedef struct ddb_credentials_provider ddb_credentials_provider;

struct ddb_credentials_provider {
    /* Fills `out` (initialised, owned by the caller afterwards) with current
     * credentials. Returns 0, DDB_ECREDENTIALS (none available; message says
     * where it looked) or DDB_ENOMEM / DDB_ECONFIG (malformed file: message
     * gives file:line). */
    int (*get)(ddb_credentials_provider *self, ddb_credentials *out);
    void (*destroy)(ddb_credentials_provider *self); /* may be NULL */
};

/* Fixed keys (copied). session_token may be NULL. */
int ddb_creds_static_new(ddb_credentials_provider **out, const char *access_key_id,
                         const char *secret_access_key, const char *session_token);
/* Reads the environment on every get(). */
int ddb_creds_env_new(ddb_credentials_provider **out);
/* Shared files for `profile` (NULL: $AWS_PROFILE or "default"). Files are
 * re-read when their modification time changes. */
int ddb_creds_profile_new(ddb_credentials_provider **out, const char *profile);
/* The default chain: environment, then shared files. */
int ddb_creds_default_chain_new(ddb_credentials_provider **out);

/*
 * Shared config lookup, also used for region: returns a malloc'ed value of
 * `key` for `profile` (NULL: $AWS_PROFILE or "default") from the config file
 * ("[profile NAME]" sections, "[default]") then the credentials file, or
 * NULL when absent. Errors are recorded (malformed file -> DDB_ECONFIG).
 */
char *ddb_shared_config_get(const char *profile, const char *key);

/* Releases a provider (NULL-safe). */
void ddb_credentials_provider_free(ddb_credentials_provider *p);

#ifdef __cplusplus
}
#endif

#endif /* DDB_CREDS_H */
