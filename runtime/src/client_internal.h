/*
 * client_internal.h - INTERNAL: what client.c offers the rest of libddb
 * beyond ddb/client.h.
 */
#ifndef DDB_CLIENT_INTERNAL_H
#define DDB_CLIENT_INTERNAL_H

#include "ddb/client.h"

/* ddb_client_send without a signature: for the calls AWS serves to anyone
 * (STS AssumeRoleWithWebIdentity), so no credentials are looked up. */
int ddb_client_send_anonymous(ddb_http_response *resp, ddb_client *c, const ddb_rest_request *r);

/* A random (RFC 4122 version 4) UUID, lower-case, into out (37 bytes with
 * its NUL). 0, or DDB_EIO when OpenSSL has no random bytes (error set).
 * Thread-safe. */
int ddb_uuid4(char out[37]);

/* Whether the calling thread's last write through ddb_client_call may
 * have changed the table before its final attempt (an earlier attempt
 * left and then failed on the connection, timed out, got a 5xx or a
 * corrupted answer), or failed marked maybe_applied. Also true after a
 * success: the batch writer needs it when that success reports writes as
 * unprocessed. Reset by every call; hooks.c keeps it across the hooks'
 * own calls (ddb_client_set_call_maybe_applied). Thread-local. */
bool ddb_client_call_maybe_applied(void);
void ddb_client_set_call_maybe_applied(bool v);

#endif /* DDB_CLIENT_INTERNAL_H */
