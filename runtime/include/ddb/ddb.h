/*
 * ddb/ddb.h - umbrella header of libddb, the ddbc runtime.
 * Including it gives the whole public API; each module header also
 * compiles on its own.
 */
#ifndef DDB_DDB_H
#define DDB_DDB_H

#include "ddb/version.h"
#include "ddb/error.h"
#include "ddb/buf.h"
#include "ddb/av.h"
#include "ddb/json.h"
#include "ddb/creds.h"
#include "ddb/sigv4.h"
#include "ddb/transport.h"
#include "ddb/retry.h"
#include "ddb/client.h"
#include "ddb/ops.h"
#include "ddb/expr.h"
#include "ddb/keyring.h"
#include "ddb/s3.h"
#include "ddb/tracker.h"
#include "ddb/model.h"
#include "ddb/batch.h"
#include "ddb/txn.h"
#include "ddb/hooks.h"
#include "ddb/backup.h"
#include "ddb/simple_json.h"
#include "ddb/query.h"
#include "ddb/table.h"

#endif /* DDB_DDB_H */
