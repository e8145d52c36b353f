/*
 * crypt.h - INTERNAL to libddb: the encrypted form of field values
 * (docs/encryption.md) and the keys it uses (ddb/keyring.h).
 *
 * Stored form (the attribute is a B):
 *   byte 0      DDB_SEAL_FORMAT (1)
 *   byte 1      mode: DDB_SEAL_RANDOM (AES-256-GCM) or DDB_SEAL_DETERMINISTIC
 *               (AES-256-SIV), | DDB_SEAL_ENVELOPE when a KMS data key follows
 *   byte 2      n, the key id's length (1..255), then the key id's n bytes
 *   envelope    2 bytes big-endian m, then the data key wrapped by KMS (m
 *               bytes); the key id is "kms:" + a digest of it
 *   GCM         12-byte random nonce, ciphertext, 16-byte tag
 *   SIV         16-byte synthetic IV (the tag), ciphertext
 * The plaintext is one kind byte ('S', 'B' or 'N': what the value is
 * stored as) followed by the value's bytes, so it is never empty and a
 * value cannot come back as another kind. The associated data binds the
 * header (format, mode, key id), the table and the attribute name, and in
 * random mode the item's key: a value copied to another table, attribute
 * or item does not authenticate. Deterministic values are not bound to
 * the item (equal values must encrypt equally, to be compared and looked
 * up).
 *
 * Thread safety: reentrant; keyrings lock themselves.
 */
#ifndef DDB_CRYPT_H
#define DDB_CRYPT_H

#include <stddef.h>

#include "ddb/buf.h"
#include "ddb/keyring.h"

#define DDB_GCM_KEY_SIZE 32
#define DDB_SIV_KEY_SIZE 64
#define DDB_SEAL_FORMAT 0x01
#define DDB_SEAL_ENVELOPE 0x80

typedef enum ddb_seal_mode {
    DDB_SEAL_RANDOM = 1,       /* AES-256-GCM, random nonce */
    DDB_SEAL_DETERMINISTIC = 2 /* AES-256-SIV */
} ddb_seal_mode;

/* What a sealed value is bound to. `item_key` is the item's key in a
 * canonical byte form (ddb_seal_key_bytes), used in random mode only. */
typedef struct ddb_seal_ctx {
    const char *table;
    const char *attr;
    const unsigned char *item_key;
    size_t item_key_len;
} ddb_seal_ctx;

/*
 * Appends the sealed form of kind + data[0..len) to `out`, with the
 * keyring's primary key. 0, DDB_ECRYPTO (no keyring, an empty one,
 * OpenSSL failing) or DDB_ENOMEM.
 */
int ddb_seal(ddb_buf *out, ddb_keyring *k, ddb_seal_mode mode, const ddb_seal_ctx *cx, char kind,
             const void *data, size_t len);

/*
 * Appends the value sealed in data[0..len) to `out` and stores its kind
 * byte in *kind. DDB_ECRYPTO, naming cx->attr and the key id when known,
 * for a value that is not in this format or not in `mode`, an unknown key
 * id, or one that does not authenticate (tampered, copied from another
 * item, attribute or table, or another key under the same id);
 * DDB_ENOMEM. Nothing is appended on failure.
 */
int ddb_unseal(ddb_buf *out, char *kind, ddb_keyring *k, ddb_seal_mode mode, const ddb_seal_ctx *cx,
               const void *data, size_t len);

/*
 * The keys of `key_id` from keyring `k` (asking its callback for an id it
 * does not hold; unwrapping `wrapped`, the KMS data key a value carries,
 * through KMS), or with key_id NULL the keys to seal a `mode` value with:
 * a KMS data key for randomized values when the ring uses KMS (its wrapped
 * form appended to wrapped_out), else the primary key. The id used goes to
 * id_out. Any output may be NULL. 0, or DDB_ECRYPTO / the callback's or
 * KMS's code. (keyring.c)
 */
int ddb_keyring_keys(ddb_keyring *k, ddb_seal_mode mode, const char *key_id, const void *wrapped,
                     size_t wrapped_len, char id_out[DDB_KEY_ID_MAX + 1], unsigned char gcm[DDB_GCM_KEY_SIZE],
                     unsigned char siv[DDB_SIV_KEY_SIZE], ddb_buf *wrapped_out);

#endif /* DDB_CRYPT_H */
