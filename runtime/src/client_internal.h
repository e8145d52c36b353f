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

#endif /* DDB_CLIENT_INTERNAL_H */
