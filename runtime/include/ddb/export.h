/*
 * ddb/export.h - DDB_API, the mark of every function libddb exports.
 *
 * libddb is built with hidden symbol visibility: only declarations marked
 * DDB_API in the public headers are part of its ABI (a test checks that
 * libddb.so exports exactly those). Included by every public header.
 */
#ifndef DDB_EXPORT_H
#define DDB_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define DDB_API __attribute__((visibility("default")))
#else
#define DDB_API
#endif

#endif /* DDB_EXPORT_H */
