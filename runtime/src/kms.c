/*
 * kms.c - the two AWS KMS calls the KMS keyring needs (keyring.c):
 * GenerateDataKey (a new 32-byte data key, and the same key wrapped by a
 * KMS key) and Decrypt (unwrapping it). Both bind the encryption context
 * {"ddbc": "field-encryption-v1"}, so a wrapped key made for something
 * else does not unwrap here.
 */
#include "feature_macros.h" /* first: feature-test macros before any system header */

#include "kms.h"

#include <string.h>

#include <openssl/crypto.h>

#include "ddb/error.h"
#include "ddb/json.h"
#include "json_internal.h"

#define CONTEXT "{\"ddbc\":\"field-encryption-v1\"}"

/* Decodes the base64 member `name` of the response into out[0..size); the
 * decoded length must be `size` unless size is 0 (any, into `buf`). */
static int read_b64(const ddb_jnode *root, const char *name, ddb_buf *buf)
{
    const char *text = ddb_jnode_get_str(root, name);
    if (text == NULL)
        return ddb_error_set(DDB_EPROTOCOL, "KMS response has no %s", name);
    if (ddb_base64_decode(buf, text, strlen(text)) != 0)
        return ddb_error_set(DDB_EPROTOCOL, "KMS response's %s is not base64", name);
    return 0;
}

/* Runs `operation` with `body`; on success the parsed response in *doc. */
static int kms_call(ddb_jdoc **doc, ddb_client *kms, const char *operation, const ddb_buf *body)
{
    ddb_buf resp = DDB_BUF_INIT;
    int rc = ddb_client_call(&resp, kms, operation, NULL, body->data, body->len);
    if (rc != 0)
        ddb_error_prefix("KMS %s: ", operation);
    if (rc == 0 && ddb_jdoc_parse(resp.data, resp.len, NULL, doc) != 0)
        rc = ddb_error_set(DDB_EPROTOCOL, "KMS %s: the response is not JSON", operation);
    ddb_buf_free(&resp);
    return rc;
}

int ddb_kms_generate_data_key(unsigned char key[DDB_KEY_SIZE], ddb_buf *wrapped, ddb_client *kms,
                              const char *kms_key_id)
{
    ddb_buf body = DDB_BUF_INIT, plain = DDB_BUF_INIT;
    int rc = ddb_buf_puts(&body, "{\"KeyId\":");
    if (rc == 0)
        rc = ddb_json_put_string(&body, kms_key_id, strlen(kms_key_id));
    if (rc == 0)
        rc = ddb_buf_puts(&body, ",\"KeySpec\":\"AES_256\",\"EncryptionContext\":" CONTEXT "}");
    ddb_jdoc *doc = NULL;
    if (rc == 0)
        rc = kms_call(&doc, kms, "GenerateDataKey", &body);
    if (rc == 0)
        rc = read_b64(ddb_jdoc_root(doc), "Plaintext", &plain);
    if (rc == 0 && plain.len != DDB_KEY_SIZE)
        rc = ddb_error_set(DDB_EPROTOCOL, "KMS GenerateDataKey returned a %zu-byte key", plain.len);
    if (rc == 0)
        rc = read_b64(ddb_jdoc_root(doc), "CiphertextBlob", wrapped);
    if (rc == 0)
        memcpy(key, plain.data, DDB_KEY_SIZE);
    if (plain.data != NULL)
        OPENSSL_cleanse(plain.data, plain.cap);
    ddb_buf_free(&plain);
    ddb_buf_free(&body);
    ddb_jdoc_free(doc);
    return rc;
}

int ddb_kms_decrypt(unsigned char key[DDB_KEY_SIZE], ddb_client *kms, const char *kms_key_id, const void *wrapped,
                    size_t len)
{
    ddb_buf body = DDB_BUF_INIT, b64 = DDB_BUF_INIT, plain = DDB_BUF_INIT;
    int rc = ddb_base64_encode(&b64, wrapped, len);
    if (rc == 0)
        rc = ddb_buf_puts(&body, "{\"CiphertextBlob\":");
    if (rc == 0)
        rc = ddb_json_put_string(&body, b64.data, b64.len);
    if (rc == 0)
        rc = ddb_buf_puts(&body, ",\"KeyId\":");
    if (rc == 0)
        rc = ddb_json_put_string(&body, kms_key_id, strlen(kms_key_id));
    if (rc == 0)
        rc = ddb_buf_puts(&body, ",\"EncryptionContext\":" CONTEXT "}");
    ddb_jdoc *doc = NULL;
    if (rc == 0)
        rc = kms_call(&doc, kms, "Decrypt", &body);
    if (rc == 0)
        rc = read_b64(ddb_jdoc_root(doc), "Plaintext", &plain);
    if (rc == 0 && plain.len != DDB_KEY_SIZE)
        rc = ddb_error_set(DDB_EPROTOCOL, "KMS Decrypt returned a %zu-byte key", plain.len);
    if (rc == 0)
        memcpy(key, plain.data, DDB_KEY_SIZE);
    if (plain.data != NULL)
        OPENSSL_cleanse(plain.data, plain.cap);
    ddb_buf_free(&plain);
    ddb_buf_free(&b64);
    ddb_buf_free(&body);
    ddb_jdoc_free(doc);
    return rc;
}
