/*
 * ddb/keyring.h - the keys of encrypted attributes (docs/encryption.md).
 *
 * A keyring holds named master keys of 32 bytes. Keys come from the
 * program — raw bytes, base64 text, an environment variable, a file, or a
 * callback asked on first use — never from a schema or generated code.
 * One key is primary: new values are encrypted with it; every key of the
 * ring decrypts the values stored under its id, so keys can be rotated
 * (add the new key, make it primary, re-encrypt, drop the old one).
 *
 * From each master key two keys are derived with HKDF-SHA256: one for
 * AES-256-GCM (randomized values), one of 64 bytes for AES-256-SIV
 * (deterministic values), so the two modes never share a key.
 *
 * Keys live in memory the keyring owns, are wiped when it is freed, and
 * are never printed in messages.
 *
 * Thread safety: a keyring may be used by any number of threads at once,
 * including while keys are added; it must outlive every call using it.
 */
#ifndef DDB_KEYRING_H
#define DDB_KEYRING_H

#include "ddb/export.h"

#include <stddef.h>
#include <stdint.h>

#include "ddb/buf.h"
#include "ddb/client.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ddb_keyring ddb_keyring;

/* The size of a master key. */
#define DDB_KEY_SIZE 32
/* The longest key id (bytes, stored in each encrypted value). */
#define DDB_KEY_ID_MAX 255

/* Creates an empty keyring (the caller's; ddb_keyring_free). 0 or DDB_ENOMEM. */
DDB_API int ddb_keyring_new(ddb_keyring **out);
/* Wipes and frees the keys. NULL-safe. */
DDB_API void ddb_keyring_free(ddb_keyring *k);

/*
 * Adds key `key_id` (1 to 255 bytes; copied): from 32 raw bytes, from base64
 * text of 32 bytes, from the environment variable `var` (base64), or from
 * the file at `path` (32 raw bytes, or base64 text with an optional final
 * newline). The first key added becomes primary. DDB_EINVAL for a bad id,
 * a key of another size or invalid base64, DDB_EEXISTS when the id is
 * there already (a key id names one key forever), DDB_ECONFIG for a
 * missing variable, DDB_EIO for an unreadable file; nothing is added on
 * failure. Messages name the id and the source, never the key.
 */
DDB_API int ddb_keyring_add(ddb_keyring *k, const char *key_id, const unsigned char key[DDB_KEY_SIZE]);
DDB_API int ddb_keyring_add_base64(ddb_keyring *k, const char *key_id, const char *base64);
DDB_API int ddb_keyring_add_env(ddb_keyring *k, const char *key_id, const char *var);
DDB_API int ddb_keyring_add_file(ddb_keyring *k, const char *key_id, const char *path);

/*
 * A callback asked for a key id the ring does not hold (when reading a
 * value stored under it, or when it is made primary): writes the 32 bytes
 * into `key` and returns 0, or returns DDB_ENOTFOUND (no such key) or
 * another negative code. A key it gives is kept. Called without locks
 * held; may be called from several threads at once.
 */
typedef int (*ddb_key_fetch_fn)(unsigned char key[DDB_KEY_SIZE], const char *key_id, void *ctx);
DDB_API void ddb_keyring_set_fetch(ddb_keyring *k, ddb_key_fetch_fn fn, void *ctx);

/* Makes `key_id` the key new values are encrypted with (fetched through the
 * callback if the ring does not hold it). 0, DDB_ENOTFOUND, or the
 * callback's code. */
DDB_API int ddb_keyring_set_primary(ddb_keyring *k, const char *key_id);

/* Copies the primary key id into out (DDB_KEY_ID_MAX + 1 bytes).
 * 0, or DDB_ENOTFOUND for an empty ring. */
DDB_API int ddb_keyring_primary(char out[DDB_KEY_ID_MAX + 1], const ddb_keyring *k);

/*
 * AWS KMS (envelope encryption). With ddb_keyring_use_kms, randomized
 * values are encrypted under data keys that KMS generates under the KMS
 * key `kms_key_id` (GenerateDataKey); each value carries its data key
 * wrapped by KMS, which a reader unwraps with KMS Decrypt. A data key is
 * reused for at most opts->max_age_s seconds and opts->max_uses values
 * (then a new one is generated), and unwrapped keys are cached the same
 * way, so KMS is called about once per data key, not per value. `kms` is
 * a client made with service "kms" (borrowed: it must outlive the ring).
 * Deterministic values need one stable key: they use the ring's primary
 * key, which ddb_keyring_add_kms_wrapped can supply from a data key that
 * ddb_kms_new_wrapped_key made once and the program stores.
 * 0, DDB_EINVAL (bad arguments or opts version), DDB_ENOMEM.
 */
typedef struct ddb_kms_opts {
    unsigned version;   /* DDB_KMS_OPTS_VERSION */
    long max_age_s;     /* 0: 300 */
    uint64_t max_uses;  /* 0: 1048576 */
} ddb_kms_opts;

#define DDB_KMS_OPTS_VERSION 1
#define DDB_KMS_OPTS_INIT {.version = DDB_KMS_OPTS_VERSION}

DDB_API int ddb_keyring_use_kms(ddb_keyring *k, ddb_client *kms, const char *kms_key_id, const ddb_kms_opts *opts);

/* A new data key under KMS key `kms_key_id`, wrapped (appended to
 * `wrapped`; store it with the program's configuration). The client's
 * code on failure. */
DDB_API int ddb_kms_new_wrapped_key(ddb_buf *wrapped, ddb_client *kms, const char *kms_key_id);

/* Adds key `key_id`: the data key `wrapped` (from ddb_kms_new_wrapped_key)
 * unwrapped by KMS now. As ddb_keyring_add, or the client's code. */
DDB_API int ddb_keyring_add_kms_wrapped(ddb_keyring *k, const char *key_id, ddb_client *kms,
                                        const char *kms_key_id, const void *wrapped, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* DDB_KEYRING_H */
