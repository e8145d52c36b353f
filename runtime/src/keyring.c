/* keyring.c - named keys for encrypted attributes (see ddb/keyring.h, crypt.h). */
#include "ddb/keyring.h"

#include <errno.h>
#include <pthread.h>
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
#include "ddb/buf.h"
#include "ddb/error.h"

/* One key: its id and the keys derived from it (the master is not kept). */
typedef struct key_entry {
    char id[DDB_KEY_ID_MAX + 1];
    unsigned char gcm[DDB_GCM_KEY_SIZE];
    unsigned char siv[DDB_SIV_KEY_SIZE];
} key_entry;

struct ddb_keyring {
    pthread_mutex_t lock;
    key_entry *keys;
    size_t n, cap;
    int primary; /* index into keys, -1: none */
    ddb_key_fetch_fn fetch;
    void *fetch_ctx;
};

int ddb_keyring_new(ddb_keyring **out)
{
    ddb_keyring *k = calloc(1, sizeof *k);
    if (k == NULL)
        return ddb_error_set(DDB_ENOMEM, "out of memory creating a keyring");
    pthread_mutex_init(&k->lock, NULL);
    k->primary = -1;
    *out = k;
    return 0;
}

void ddb_keyring_free(ddb_keyring *k)
{
    if (k == NULL)
        return;
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

int ddb_keyring_add(ddb_keyring *k, const char *key_id, const unsigned char key[DDB_KEY_SIZE])
{
    if (k == NULL || key == NULL)
        return ddb_error_set(DDB_EINVAL, "keyring or key is NULL");
    if (!id_valid(key_id))
        return ddb_error_set(DDB_EINVAL, "a key id has 1 to %d bytes", DDB_KEY_ID_MAX);
    key_entry e;
    memset(&e, 0, sizeof e);
    strcpy(e.id, key_id);
    int rc = derive(e.gcm, sizeof e.gcm, key, "AES-256-GCM");
    if (rc == 0)
        rc = derive(e.siv, sizeof e.siv, key, "AES-256-SIV");
    pthread_mutex_lock(&k->lock);
    if (rc == 0 && find_locked(k, key_id) >= 0)
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
        if (k->primary < 0)
            k->primary = (int)k->n;
        k->n++;
    }
    pthread_mutex_unlock(&k->lock);
    OPENSSL_cleanse(&e, sizeof e);
    return rc;
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

int ddb_keyring_keys(ddb_keyring *k, const char *key_id, char id_out[DDB_KEY_ID_MAX + 1],
                     unsigned char gcm[DDB_GCM_KEY_SIZE], unsigned char siv[DDB_SIV_KEY_SIZE])
{
    if (k == NULL)
        return ddb_error_set(DDB_ECRYPTO, "no keyring: bind one with ddb_model_use_keyring or "
                                          "ddb_keyring_set_default");
    int i;
    if (key_id == NULL) {
        pthread_mutex_lock(&k->lock);
        i = k->primary;
        pthread_mutex_unlock(&k->lock);
        if (i < 0)
            return ddb_error_set(DDB_ECRYPTO, "the keyring holds no key to encrypt with");
    } else if ((i = lookup(k, key_id)) < 0) {
        return ddb_last_error()->code;
    }
    pthread_mutex_lock(&k->lock);
    const key_entry *e = &k->keys[i];
    if (id_out != NULL)
        strcpy(id_out, e->id);
    if (gcm != NULL)
        memcpy(gcm, e->gcm, sizeof e->gcm);
    if (siv != NULL)
        memcpy(siv, e->siv, sizeof e->siv);
    pthread_mutex_unlock(&k->lock);
    return 0;
}
