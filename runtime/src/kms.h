/*
 * kms.h - INTERNAL to libddb: AWS KMS GenerateDataKey and Decrypt for the
 * KMS keyring (kms.c). `kms` is a client made with service "kms".
 * Thread safety: as the client.
 */
#ifndef DDB_KMS_H
#define DDB_KMS_H

#include <stddef.h>

#include "ddb/buf.h"
#include "ddb/client.h"
#include "ddb/keyring.h"

/* A new data key under KMS key `kms_key_id`: its bytes into `key`, its
 * wrapped form appended to `wrapped`. 0 or the client's code (prefixed
 * "KMS GenerateDataKey: "), DDB_EPROTOCOL for a response without them. */
int ddb_kms_generate_data_key(unsigned char key[DDB_KEY_SIZE], ddb_buf *wrapped, ddb_client *kms,
                              const char *kms_key_id);

/* Unwraps `wrapped` (from GenerateDataKey under `kms_key_id`) into `key`. */
int ddb_kms_decrypt(unsigned char key[DDB_KEY_SIZE], ddb_client *kms, const char *kms_key_id, const void *wrapped,
                    size_t len);

#endif /* DDB_KMS_H */
