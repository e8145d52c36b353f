/* crypt.c - the encrypted form of field values (see crypt.h). */
#include "feature_macros.h" /* first: feature-test macros before any system header */

#include "crypt.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "ddb/error.h"

#define GCM_NONCE 12
#define TAG 16
#define AAD_LABEL "ddbc-encrypted-v1"

static int put_u32(ddb_buf *b, size_t v)
{
    unsigned char be[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16), (unsigned char)(v >> 8),
                           (unsigned char)v};
    return ddb_buf_append(b, be, 4);
}

/* The associated data: label, header, then length-prefixed table,
 * attribute and (random mode) item key, so no two contexts share one. */
static int build_aad(ddb_buf *aad, const unsigned char *header, size_t header_len, ddb_seal_mode mode,
                     const ddb_seal_ctx *cx)
{
    const char *table = cx->table != NULL ? cx->table : "";
    const char *attr = cx->attr != NULL ? cx->attr : "";
    size_t key_len = mode == DDB_SEAL_RANDOM ? cx->item_key_len : 0;
    int rc = ddb_buf_append(aad, AAD_LABEL, sizeof AAD_LABEL - 1);
    if (rc == 0)
        rc = ddb_buf_append(aad, header, header_len);
    if (rc == 0)
        rc = put_u32(aad, strlen(table));
    if (rc == 0)
        rc = ddb_buf_puts(aad, table);
    if (rc == 0)
        rc = put_u32(aad, strlen(attr));
    if (rc == 0)
        rc = ddb_buf_puts(aad, attr);
    if (rc == 0)
        rc = put_u32(aad, key_len);
    if (rc == 0 && key_len != 0)
        rc = ddb_buf_append(aad, cx->item_key, key_len);
    return rc == 0 ? 0 : DDB_ENOMEM;
}

/* Runs one AEAD operation: AAD, then in[0..len) into out (len bytes);
 * `tag` is read (decrypting) or written (encrypting). 1 on success. */
static int aead(bool encrypt, const char *cipher_name, const unsigned char *key, const unsigned char *nonce,
                const ddb_buf *aad, const unsigned char *in, size_t len, unsigned char *out, unsigned char tag[TAG])
{
    if (len > INT_MAX || aad->len > INT_MAX)
        return 0;
    EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, cipher_name, NULL);
    EVP_CIPHER_CTX *ctx = cipher != NULL ? EVP_CIPHER_CTX_new() : NULL;
    int ok = ctx != NULL, n = 0;
    if (ok)
        ok = encrypt ? EVP_EncryptInit_ex2(ctx, cipher, key, nonce, NULL)
                     : EVP_DecryptInit_ex2(ctx, cipher, key, nonce, NULL);
    if (ok && !encrypt)
        ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, TAG, tag);
    if (ok)
        ok = EVP_CipherUpdate(ctx, NULL, &n, (const unsigned char *)aad->data, (int)aad->len);
    /* the plaintext always has its kind byte: SIV in OpenSSL 3.0 refuses an empty one */
    if (ok)
        ok = EVP_CipherUpdate(ctx, out, &n, in, (int)len) && (size_t)n == len;
    if (ok)
        ok = EVP_CipherFinal_ex(ctx, out + len, &n);
    if (ok && encrypt)
        ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, TAG, tag);
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(cipher);
    return ok;
}

/* Wipes the keys and the plaintext of one operation and frees its buffers. */
static void wipe(unsigned char gcm[DDB_GCM_KEY_SIZE], unsigned char siv[DDB_SIV_KEY_SIZE], ddb_buf *plain,
                 ddb_buf *aad)
{
    OPENSSL_cleanse(gcm, DDB_GCM_KEY_SIZE);
    OPENSSL_cleanse(siv, DDB_SIV_KEY_SIZE);
    if (plain->data != NULL)
        OPENSSL_cleanse(plain->data, plain->cap);
    ddb_buf_free(plain);
    ddb_buf_free(aad);
}

int ddb_seal(ddb_buf *out, ddb_keyring *k, ddb_seal_mode mode, const ddb_seal_ctx *cx, char kind,
             const void *data, size_t len)
{
    char id[DDB_KEY_ID_MAX + 1];
    unsigned char gcm[DDB_GCM_KEY_SIZE], siv[DDB_SIV_KEY_SIZE];
    ddb_buf header = DDB_BUF_INIT, wrapped = DDB_BUF_INIT;
    int rc = ddb_keyring_keys(k, mode, NULL, NULL, 0, id, mode == DDB_SEAL_RANDOM ? gcm : NULL,
                              mode == DDB_SEAL_DETERMINISTIC ? siv : NULL, &wrapped);
    if (rc != 0) {
        ddb_buf_free(&wrapped);
        return rc;
    }
    size_t id_len = strlen(id);
    bool envelope = wrapped.len != 0;
    if (ddb_buf_putc(&header, DDB_SEAL_FORMAT) != 0 ||
        ddb_buf_putc(&header, (char)(mode | (envelope ? DDB_SEAL_ENVELOPE : 0))) != 0 ||
        ddb_buf_putc(&header, (char)id_len) != 0 || ddb_buf_append(&header, id, id_len) != 0)
        rc = DDB_ENOMEM;
    if (rc == 0 && envelope) {
        unsigned char be[2] = {(unsigned char)(wrapped.len >> 8), (unsigned char)wrapped.len};
        if (ddb_buf_append(&header, be, 2) != 0 || ddb_buf_append(&header, wrapped.data, wrapped.len) != 0)
            rc = DDB_ENOMEM;
    }
    ddb_buf_free(&wrapped);
    size_t header_len = header.len;
    ddb_buf aad = DDB_BUF_INIT, plain = DDB_BUF_INIT;
    if (rc == 0)
        rc = build_aad(&aad, (const unsigned char *)header.data, header_len, mode, cx);
    if (rc == 0 && (ddb_buf_putc(&plain, kind) != 0 || ddb_buf_append(&plain, data, len) != 0))
        rc = DDB_ENOMEM;
    size_t start = out->len;
    size_t body = plain.len + (mode == DDB_SEAL_RANDOM ? GCM_NONCE + TAG : TAG);
    if (rc == 0 && (ddb_buf_append(out, header.data, header_len) != 0 || ddb_buf_reserve(out, body) != 0))
        rc = DDB_ENOMEM;
    ddb_buf_free(&header);
    if (rc == 0) {
        unsigned char *p = (unsigned char *)out->data + out->len;
        bool ok;
        if (mode == DDB_SEAL_RANDOM) {
            ok = RAND_bytes(p, GCM_NONCE) == 1 &&
                 aead(true, "AES-256-GCM", gcm, p, &aad, (const unsigned char *)plain.data, plain.len,
                      p + GCM_NONCE, p + GCM_NONCE + plain.len);
        } else {
            ok = aead(true, "AES-256-SIV", siv, NULL, &aad, (const unsigned char *)plain.data, plain.len, p + TAG,
                      p);
        }
        if (ok) {
            out->len += body;
            out->data[out->len] = '\0';
        } else {
            rc = ddb_error_set(DDB_ECRYPTO, "encrypting %s with key '%s' failed in OpenSSL",
                               cx->attr != NULL ? cx->attr : "a value", id);
        }
    }
    if (rc != 0 && out->len > start) {
        out->len = start;
        out->data[start] = '\0';
    }
    wipe(gcm, siv, &plain, &aad);
    return rc;
}

static int refuse(const ddb_seal_ctx *cx, const char *why)
{
    return ddb_error_set(DDB_ECRYPTO, "encrypted value of %s %s", cx->attr != NULL ? cx->attr : "an attribute", why);
}

int ddb_unseal(ddb_buf *out, char *kind, ddb_keyring *k, ddb_seal_mode mode, const ddb_seal_ctx *cx,
               const void *data, size_t len)
{
    const unsigned char *p = data;
    if (len < 3 || p[0] != DDB_SEAL_FORMAT)
        return refuse(cx, "is not in ddbc's encrypted format (format byte)");
    bool envelope = (p[1] & DDB_SEAL_ENVELOPE) != 0;
    unsigned char m = p[1] & (unsigned char)~DDB_SEAL_ENVELOPE;
    if (m != (unsigned char)mode)
        return refuse(cx, m == DDB_SEAL_RANDOM || m == DDB_SEAL_DETERMINISTIC
                              ? "was encrypted in the other mode (randomized vs deterministic)"
                              : "has an unknown mode");
    if (envelope && mode != DDB_SEAL_RANDOM)
        return refuse(cx, "carries a KMS data key, which only randomized values do");
    size_t id_len = p[2];
    size_t min_body = mode == DDB_SEAL_RANDOM ? GCM_NONCE + TAG + 1 : TAG + 1;
    if (id_len == 0 || len < 3 + id_len + (envelope ? 2 : 0) + min_body)
        return refuse(cx, "is truncated");
    char id[DDB_KEY_ID_MAX + 1];
    memcpy(id, p + 3, id_len);
    id[id_len] = '\0';
    if (strlen(id) != id_len)
        return refuse(cx, "has a key id holding U+0000");
    size_t header_len = 3 + id_len;
    const unsigned char *wrapped = NULL;
    size_t wrapped_len = 0;
    if (envelope) {
        wrapped_len = (size_t)p[header_len] << 8 | p[header_len + 1];
        wrapped = p + header_len + 2;
        header_len += 2 + wrapped_len;
        if (wrapped_len == 0 || len < header_len + min_body)
            return refuse(cx, "is truncated");
    }
    unsigned char gcm[DDB_GCM_KEY_SIZE], siv[DDB_SIV_KEY_SIZE];
    int rc = ddb_keyring_keys(k, mode, id, wrapped, wrapped_len, NULL, mode == DDB_SEAL_RANDOM ? gcm : NULL,
                              mode == DDB_SEAL_DETERMINISTIC ? siv : NULL, NULL);
    if (rc != 0) {
        ddb_error_prefix("encrypted value of %s: ", cx->attr != NULL ? cx->attr : "an attribute");
        return rc;
    }
    const unsigned char *body = p + header_len;
    size_t body_len = len - header_len;
    ddb_buf aad = DDB_BUF_INIT, plain = DDB_BUF_INIT;
    rc = build_aad(&aad, p, header_len, mode, cx);
    size_t plain_len = body_len - (mode == DDB_SEAL_RANDOM ? GCM_NONCE + TAG : TAG);
    if (rc == 0 && ddb_buf_reserve(&plain, plain_len) != 0)
        rc = DDB_ENOMEM;
    if (rc == 0) {
        unsigned char tag[TAG];
        bool ok;
        if (mode == DDB_SEAL_RANDOM) {
            memcpy(tag, body + GCM_NONCE + plain_len, TAG);
            ok = aead(false, "AES-256-GCM", gcm, body, &aad, body + GCM_NONCE, plain_len,
                      (unsigned char *)plain.data, tag);
        } else {
            memcpy(tag, body, TAG);
            ok = aead(false, "AES-256-SIV", siv, NULL, &aad, body + TAG, plain_len, (unsigned char *)plain.data, tag);
        }
        if (!ok)
            rc = ddb_error_set(DDB_ECRYPTO,
                               "encrypted value of %s does not authenticate with key '%s': tampered with, "
                               "copied from another item, attribute or table, or encrypted with another key",
                               cx->attr != NULL ? cx->attr : "an attribute", id);
    }
    if (rc == 0) {
        *kind = plain.data[0];
        rc = ddb_buf_append(out, plain.data + 1, plain_len - 1) == 0 ? 0 : DDB_ENOMEM;
    }
    wipe(gcm, siv, &plain, &aad);
    return rc;
}
