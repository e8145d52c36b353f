/* keyring.c - named keys for encrypted attributes (see ddb/keyring.h, crypt.h). */
#include "feature_macros.h" /* first: feature-test macros before any system header */

#include "ddb/keyring.h"

#include <errno.h>
#include <pthread.h>
#include <time.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "crypt.h"
#include "kms.h"
#include "ddb/buf.h"
#include "ddb/error.h"

/* One key: its id and the keys derived from it (the master is not kept).
 * A KMS data key also keeps its wrapped form, its age and its uses. */
typedef struct key_entry {
    char id[DDB_KEY_ID_MAX + 1];
    unsigned char gcm[DDB_GCM_KEY_SIZE];
    unsigned char siv[DDB_SIV_KEY_SIZE];
    bool from_kms;
    unsigned char *wrapped; /* KMS data keys made here: what values carry */
    size_t wrapped_len;
    time_t created;
    uint64_t uses;
} key_entry;

struct ddb_keyring {
    pthread_mutex_t lock;
    key_entry *keys;
    size_t n, cap;
    int primary; /* index into keys, -1: none */
    ddb_key_fetch_fn fetch;
    void *fetch_ctx;
    /* KMS (ddb_keyring_use_kms): NULL client when unused */
    ddb_client *kms;
    char *kms_key_id;
    long max_age_s;
    uint64_t max_uses;
    int current; /* the data key randomized values are sealed with; -1: none yet */
};

int ddb_keyring_new(ddb_keyring **out)
{
    ddb_keyring *k = calloc(1, sizeof *k);
    if (k == NULL)
        return ddb_error_set(DDB_ENOMEM, "out of memory creating a keyring");
    pthread_mutex_init(&k->lock, NULL);
    k->primary = -1;
    k->current = -1;
    *out = k;
    return 0;
}

void ddb_keyring_free(ddb_keyring *k)
{
    if (k == NULL)
        return;
    for (size_t i = 0; i < k->n; i++)
        free(k->keys[i].wrapped);
    free(k->kms_key_id);
    OPENSSL_cleanse(k->keys, k->cap * sizeof *k->keys);
    free(k->keys);
    pthread_mutex_destroy(&k->lock);
    free(k);
}

/* HKDF-SHA256(master, salt "ddbc field encryption v1", info) -> out[n]. */
static int derive(unsigned char *out, size_t n, const unsigned char master[DDB_KEY_SIZE], const char *info)
{
    static const char salt[] = "ddbc field encryption v1";
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *ctx = kdf != NULL ? EVP_KDF_CTX_new(kdf) : NULL;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)master, DDB_KEY_SIZE),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, sizeof salt - 1),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, strlen(info)),
        OSSL_PARAM_construct_end(),
    };
    int ok = ctx != NULL && EVP_KDF_derive(ctx, out, n, params) == 1;
    EVP_KDF_CTX_free(ctx);
    EVP_KDF_free(kdf);
    return ok ? 0 : ddb_error_set(DDB_ECRYPTO, "HKDF-SHA256 is not available from OpenSSL");
}

static bool id_valid(const char *key_id)
{
    size_t len = key_id != NULL ? strlen(key_id) : 0;
    return len >= 1 && len <= DDB_KEY_ID_MAX;
}

/* The entry of `key_id`, -1 when none. Called with the lock held. */
static int find_locked(const ddb_keyring *k, const char *key_id)
{
    for (size_t i = 0; i < k->n; i++) {
        if (strcmp(k->keys[i].id, key_id) == 0)
            return (int)i;
    }
    return -1;
}

/* Adds key `key_id` (a KMS data key when `from_kms`, with its wrapped form
 * when it was made here: the entry takes `wrapped`); its index in *index.
 * A KMS data key whose id is there already is replaced (re-unwrapped after
 * its age ran out). */
static int add_entry(ddb_keyring *k, const char *key_id, const unsigned char key[DDB_KEY_SIZE], bool from_kms,
                     unsigned char *wrapped, size_t wrapped_len, int *index)
{
    key_entry e;
    memset(&e, 0, sizeof e);
    strcpy(e.id, key_id);
    e.from_kms = from_kms;
    e.wrapped = wrapped;
    e.wrapped_len = wrapped_len;
    e.created = time(NULL);
    int rc = derive(e.gcm, sizeof e.gcm, key, "AES-256-GCM");
    if (rc == 0)
        rc = derive(e.siv, sizeof e.siv, key, "AES-256-SIV");
    pthread_mutex_lock(&k->lock);
    int old = rc == 0 ? find_locked(k, key_id) : -1;
    if (old >= 0 && from_kms && k->keys[old].from_kms) {
        free(k->keys[old].wrapped);
        k->keys[old] = e;
        *index = old;
        pthread_mutex_unlock(&k->lock);
        OPENSSL_cleanse(&e, sizeof e);
        return 0;
    }
    if (old >= 0)
        rc = ddb_error_set(DDB_EEXISTS, "key id '%s' is in the keyring already", key_id);
    if (rc == 0 && k->n == k->cap) {
        size_t cap = k->cap != 0 ? k->cap * 2 : 4;
        key_entry *keys = calloc(cap, sizeof *keys); /* not realloc: old copies are wiped */
        if (keys == NULL) {
            rc = ddb_error_set(DDB_ENOMEM, "out of memory adding key '%s'", key_id);
        } else {
            if (k->n != 0)
                memcpy(keys, k->keys, k->n * sizeof *keys);
            OPENSSL_cleanse(k->keys, k->cap * sizeof *k->keys);
            free(k->keys);
            k->keys = keys;
            k->cap = cap;
        }
    }
    if (rc == 0) {
        k->keys[k->n] = e;
        if (k->primary < 0 && !from_kms)
            k->primary = (int)k->n;
        *index = (int)k->n;
        k->n++;
    } else {
        free(wrapped);
    }
    pthread_mutex_unlock(&k->lock);
    OPENSSL_cleanse(&e, sizeof e);
    return rc;
}

int ddb_keyring_add(ddb_keyring *k, const char *key_id, const unsigned char key[DDB_KEY_SIZE])
{
    if (k == NULL || key == NULL)
        return ddb_error_set(DDB_EINVAL, "keyring or key is NULL");
    if (!id_valid(key_id))
        return ddb_error_set(DDB_EINVAL, "a key id has 1 to %d bytes", DDB_KEY_ID_MAX);
    int index;
    return add_entry(k, key_id, key, false, NULL, 0, &index);
}

/* Adds the key whose base64 text is text[0..len) (a final newline allowed);
 * `source` names where it came from in messages. */
static int add_text(ddb_keyring *k, const char *key_id, const char *text, size_t len, const char *source)
{
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        len--;
    ddb_buf raw = DDB_BUF_INIT;
    int rc = ddb_base64_decode(&raw, text, len);
    if (rc != 0 || raw.len != DDB_KEY_SIZE)
        rc = ddb_error_set(DDB_EINVAL, "key '%s' from %s is not the base64 of %d bytes", key_id != NULL ? key_id : "",
                           source, DDB_KEY_SIZE);
    else
        rc = ddb_keyring_add(k, key_id, (const unsigned char *)raw.data);
    OPENSSL_cleanse(raw.data, raw.cap);
    ddb_buf_free(&raw);
    return rc;
}

int ddb_keyring_add_base64(ddb_keyring *k, const char *key_id, const char *base64)
{
    if (base64 == NULL)
        return ddb_error_set(DDB_EINVAL, "base64 text of key '%s' is NULL", key_id != NULL ? key_id : "");
    return add_text(k, key_id, base64, strlen(base64), "base64 text");
}

int ddb_keyring_add_env(ddb_keyring *k, const char *key_id, const char *var)
{
    const char *text = var != NULL ? getenv(var) : NULL;
    if (text == NULL || text[0] == '\0')
        return ddb_error_set(DDB_ECONFIG, "key '%s': environment variable %s is not set", key_id != NULL ? key_id : "",
                             var != NULL ? var : "(NULL)");
    char source[128];
    snprintf(source, sizeof source, "environment variable %s", var);
    return add_text(k, key_id, text, strlen(text), source);
}

int ddb_keyring_add_file(ddb_keyring *k, const char *key_id, const char *path)
{
    FILE *f = path != NULL ? fopen(path, "rb") : NULL;
    if (f == NULL)
        return ddb_error_set(DDB_EIO, "key '%s': cannot open %s: %s", key_id != NULL ? key_id : "",
                             path != NULL ? path : "(NULL)", strerror(errno));
    unsigned char data[256];
    size_t len = fread(data, 1, sizeof data, f);
    bool failed = ferror(f) != 0 || !feof(f); /* a key file is small */
    fclose(f);
    int rc;
    if (failed)
        rc = ddb_error_set(DDB_EIO, "key '%s': %s is not a key file (unreadable, or over 256 bytes)",
                           key_id != NULL ? key_id : "", path);
    else if (len == DDB_KEY_SIZE)
        rc = ddb_keyring_add(k, key_id, data);
    else
        rc = add_text(k, key_id, (const char *)data, len, path);
    OPENSSL_cleanse(data, sizeof data);
    return rc;
}

void ddb_keyring_set_fetch(ddb_keyring *k, ddb_key_fetch_fn fn, void *ctx)
{
    pthread_mutex_lock(&k->lock);
    k->fetch = fn;
    k->fetch_ctx = ctx;
    pthread_mutex_unlock(&k->lock);
}

/* The index of `key_id`, asking the callback for it when the ring does not
 * hold it; -1 with the error recorded. */
static int lookup(ddb_keyring *k, const char *key_id)
{
    pthread_mutex_lock(&k->lock);
    int i = find_locked(k, key_id);
    ddb_key_fetch_fn fetch = k->fetch;
    void *ctx = k->fetch_ctx;
    pthread_mutex_unlock(&k->lock);
    if (i >= 0)
        return i;
    if (fetch == NULL) {
        ddb_error_set(DDB_ECRYPTO, "key id '%s' is not in the keyring", key_id);
        return -1;
    }
    unsigned char key[DDB_KEY_SIZE];
    int rc = fetch(key, key_id, ctx);
    if (rc == 0) {
        rc = ddb_keyring_add(k, key_id, key);
        if (rc == DDB_EEXISTS) /* another thread fetched it meanwhile */
            rc = 0;
    } else if (rc == DDB_ENOTFOUND) {
        ddb_error_set(DDB_ECRYPTO, "key id '%s' is not in the keyring, nor known to its callback", key_id);
    } else {
        ddb_error_prefix("fetching key '%s': ", key_id);
    }
    OPENSSL_cleanse(key, sizeof key);
    if (rc != 0)
        return -1;
    pthread_mutex_lock(&k->lock);
    i = find_locked(k, key_id);
    pthread_mutex_unlock(&k->lock);
    return i;
}

int ddb_keyring_set_primary(ddb_keyring *k, const char *key_id)
{
    if (k == NULL || !id_valid(key_id))
        return ddb_error_set(DDB_EINVAL, "keyring is NULL or key id is not 1 to %d bytes", DDB_KEY_ID_MAX);
    int i = lookup(k, key_id);
    if (i < 0)
        return ddb_last_error()->code == DDB_ECRYPTO ? ddb_error_set(DDB_ENOTFOUND, "key id '%s' is unknown", key_id)
                                                      : ddb_last_error()->code;
    pthread_mutex_lock(&k->lock);
    k->primary = i;
    pthread_mutex_unlock(&k->lock);
    return 0;
}

int ddb_keyring_primary(char out[DDB_KEY_ID_MAX + 1], const ddb_keyring *k)
{
    pthread_mutex_lock((pthread_mutex_t *)&k->lock);
    int rc = k->primary >= 0 ? 0 : DDB_ENOTFOUND;
    if (rc == 0)
        strcpy(out, k->keys[k->primary].id);
    pthread_mutex_unlock((pthread_mutex_t *)&k->lock);
    return rc == 0 ? 0 : ddb_error_set(DDB_ENOTFOUND, "the keyring holds no key");
}

/* ---- KMS ------------------------------------------------------------------ */

#define KMS_MAX_AGE_S 300
#define KMS_MAX_USES ((uint64_t)1 << 20)

int ddb_keyring_use_kms(ddb_keyring *k, ddb_client *kms, const char *kms_key_id, const ddb_kms_opts *opts)
{
    if (k == NULL || kms == NULL || kms_key_id == NULL || kms_key_id[0] == '\0')
        return ddb_error_set(DDB_EINVAL, "ddb_keyring_use_kms needs a keyring, a KMS client and a KMS key id");
    if (opts != NULL && opts->version != DDB_KMS_OPTS_VERSION)
        return ddb_error_set(DDB_EINVAL, "ddb_kms_opts version %u, expected %u", opts->version,
                             DDB_KMS_OPTS_VERSION);
    char *id = strdup(kms_key_id);
    if (id == NULL)
        return ddb_error_set(DDB_ENOMEM, "out of memory");
    pthread_mutex_lock(&k->lock);
    free(k->kms_key_id);
    k->kms = kms;
    k->kms_key_id = id;
    k->max_age_s = opts != NULL && opts->max_age_s > 0 ? opts->max_age_s : KMS_MAX_AGE_S;
    k->max_uses = opts != NULL && opts->max_uses > 0 ? opts->max_uses : KMS_MAX_USES;
    k->current = -1;
    pthread_mutex_unlock(&k->lock);
    return 0;
}

int ddb_kms_new_wrapped_key(ddb_buf *wrapped, ddb_client *kms, const char *kms_key_id)
{
    unsigned char key[DDB_KEY_SIZE];
    int rc = ddb_kms_generate_data_key(key, wrapped, kms, kms_key_id);
    OPENSSL_cleanse(key, sizeof key);
    return rc;
}

int ddb_keyring_add_kms_wrapped(ddb_keyring *k, const char *key_id, ddb_client *kms, const char *kms_key_id,
                                const void *wrapped, size_t len)
{
    unsigned char key[DDB_KEY_SIZE];
    int rc = ddb_kms_decrypt(key, kms, kms_key_id, wrapped, len);
    if (rc == 0)
        rc = ddb_keyring_add(k, key_id, key);
    OPENSSL_cleanse(key, sizeof key);
    return rc;
}

/* The id of a KMS data key: "kms:" and the first 12 bytes of the SHA-256
 * of its wrapped form, base64url: a value's key id names its wrapped key. */
static void kms_id_of(char out[DDB_KEY_ID_MAX + 1], const void *wrapped, size_t len)
{
    unsigned char digest[32];
    unsigned int n = 0;
    EVP_Digest(wrapped, len, digest, &n, EVP_sha256(), NULL);
    ddb_buf b64 = DDB_BUF_INIT;
    ddb_base64_encode(&b64, digest, 12);
    snprintf(out, DDB_KEY_ID_MAX + 1, "kms:%s", ddb_buf_cstr(&b64));
    for (char *p = out; *p != '\0'; p++)
        *p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
    ddb_buf_free(&b64);
}

/* Whether KMS data key `i` may still be used (locked). */
static bool kms_fresh_locked(const ddb_keyring *k, int i, bool sealing)
{
    const key_entry *e = &k->keys[i];
    return time(NULL) - e->created < k->max_age_s && (!sealing || e->uses < k->max_uses);
}

/* The data key to seal a randomized value with (generating one when there
 * is none or it is used up); its index, -1 with the error recorded. */
static int kms_current(ddb_keyring *k)
{
    pthread_mutex_lock(&k->lock);
    int i = k->current;
    if (i >= 0 && kms_fresh_locked(k, i, true)) {
        k->keys[i].uses++;
        pthread_mutex_unlock(&k->lock);
        return i;
    }
    ddb_client *kms = k->kms;
    char kms_key_id[512];
    snprintf(kms_key_id, sizeof kms_key_id, "%s", k->kms_key_id);
    pthread_mutex_unlock(&k->lock);
    unsigned char key[DDB_KEY_SIZE];
    ddb_buf wrapped = DDB_BUF_INIT;
    int rc = ddb_kms_generate_data_key(key, &wrapped, kms, kms_key_id);
    char id[DDB_KEY_ID_MAX + 1];
    if (rc == 0 && wrapped.len > UINT16_MAX)
        rc = ddb_error_set(DDB_EPROTOCOL, "KMS returned a wrapped key of %zu bytes", wrapped.len);
    if (rc == 0) {
        kms_id_of(id, wrapped.data, wrapped.len);
        size_t len = wrapped.len;
        rc = add_entry(k, id, key, true, (unsigned char *)ddb_buf_steal(NULL, &wrapped), len, &i);
    }
    OPENSSL_cleanse(key, sizeof key);
    ddb_buf_free(&wrapped);
    if (rc != 0)
        return -1;
    pthread_mutex_lock(&k->lock);
    k->current = i;
    k->keys[i].uses++;
    pthread_mutex_unlock(&k->lock);
    return i;
}

/* The data key of a value sealed under KMS: id `key_id` must name
 * `wrapped`; unwrapped by KMS unless cached and fresh. -1 when refused. */
static int kms_lookup(ddb_keyring *k, const char *key_id, const void *wrapped, size_t len)
{
    char want[DDB_KEY_ID_MAX + 1];
    kms_id_of(want, wrapped, len);
    if (strcmp(want, key_id) != 0) {
        ddb_error_set(DDB_ECRYPTO, "key id '%s' does not name the wrapped data key the value carries", key_id);
        return -1;
    }
    pthread_mutex_lock(&k->lock);
    int i = find_locked(k, key_id);
    bool fresh = i >= 0 && (!k->keys[i].from_kms || kms_fresh_locked(k, i, false));
    ddb_client *kms = k->kms;
    char kms_key_id[512];
    snprintf(kms_key_id, sizeof kms_key_id, "%s", k->kms_key_id != NULL ? k->kms_key_id : "");
    pthread_mutex_unlock(&k->lock);
    if (fresh)
        return i;
    if (kms == NULL) {
        ddb_error_set(DDB_ECRYPTO, "value under KMS data key '%s', and the keyring has no KMS", key_id);
        return -1;
    }
    unsigned char key[DDB_KEY_SIZE];
    int rc = ddb_kms_decrypt(key, kms, kms_key_id, wrapped, len);
    if (rc == 0)
        rc = add_entry(k, key_id, key, true, NULL, 0, &i);
    else
        ddb_error_prefix("unwrapping data key '%s': ", key_id);
    OPENSSL_cleanse(key, sizeof key);
    return rc == 0 ? i : -1;
}

int ddb_keyring_keys(ddb_keyring *k, ddb_seal_mode mode, const char *key_id, const void *wrapped,
                     size_t wrapped_len, char id_out[DDB_KEY_ID_MAX + 1], unsigned char gcm[DDB_GCM_KEY_SIZE],
                     unsigned char siv[DDB_SIV_KEY_SIZE], ddb_buf *wrapped_out)
{
    if (k == NULL)
        return ddb_error_set(DDB_ECRYPTO, "no keyring: bind one with ddb_model_use_keyring or "
                                          "ddb_default_keyring_set");
    int i;
    if (key_id == NULL && mode == DDB_SEAL_RANDOM && k->kms != NULL) {
        if ((i = kms_current(k)) < 0)
            return ddb_last_error()->code == DDB_ECRYPTO ? DDB_ECRYPTO : ddb_last_error()->code;
    } else if (key_id == NULL) {
        pthread_mutex_lock(&k->lock);
        i = k->primary;
        pthread_mutex_unlock(&k->lock);
        if (i < 0)
            return ddb_error_set(DDB_ECRYPTO, "the keyring holds no key to encrypt with");
    } else if (wrapped != NULL) {
        if ((i = kms_lookup(k, key_id, wrapped, wrapped_len)) < 0)
            return ddb_last_error()->code;
    } else if ((i = lookup(k, key_id)) < 0) {
        return ddb_last_error()->code;
    }
    int rc = 0;
    pthread_mutex_lock(&k->lock);
    const key_entry *e = &k->keys[i];
    if (id_out != NULL)
        strcpy(id_out, e->id);
    if (gcm != NULL)
        memcpy(gcm, e->gcm, sizeof e->gcm);
    if (siv != NULL)
        memcpy(siv, e->siv, sizeof e->siv);
    if (wrapped_out != NULL && e->wrapped != NULL)
        rc = ddb_buf_append(wrapped_out, e->wrapped, e->wrapped_len) == 0 ? 0 : DDB_ENOMEM;
    pthread_mutex_unlock(&k->lock);
    return rc;
}
