/*
 * creds_internal.h - INTERNAL: what creds.c shares with the other
 * credential providers (creds_remote.c).
 */
#ifndef DDB_CREDS_INTERNAL_H
#define DDB_CREDS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ddb/buf.h"
#include "ddb/creds.h"

/* Fills an empty `dst` with copies (an empty token counts as none); on
 * failure `dst` is left empty. 0 or DDB_ENOMEM. */
int ddb_credentials_set(ddb_credentials *dst, const char *akid, const char *secret, const char *token,
                        int64_t expiration);
/* A zeroed provider of `size` bytes with get/destroy set; NULL (recorded)
 * when out of memory. */
void *ddb_creds_provider_alloc(size_t size, int (*get)(ddb_credentials_provider *, ddb_credentials *),
                               void (*destroy)(ddb_credentials_provider *));
/* Checks and clears a constructor's out parameter: 0 or DDB_EINVAL. */
int ddb_creds_check_out(ddb_credentials_provider **out);
/* Appends the file's bytes to `text`; a missing file is *exists false and
 * 0. DDB_EIO when it cannot be read. */
int ddb_creds_read_file(const char *path, ddb_buf *text, bool *exists);
/* Frees a string after overwriting it (secrets). NULL-safe. */
void ddb_creds_wipe_free(char *s);
/* Overwrites a buffer's whole capacity; ..._free also frees it. */
void ddb_creds_buf_wipe(ddb_buf *b);
void ddb_creds_buf_wipe_free(ddb_buf *b);

#endif /* DDB_CREDS_INTERNAL_H */
