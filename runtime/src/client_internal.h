/*
 * client_internal.h - INTERNAL to libddb: last-error plumbing that the
 * public error API does not offer (implemented in client.c).
 *
 * The last error is the calling thread's own object; ddb_last_error()
 * hands it out read-only. These two functions write to it where error.h
 * has no setter.
 */
#ifndef DDB_CLIENT_INTERNAL_H
#define DDB_CLIENT_INTERNAL_H

#include "ddb/error.h"

/* Sets the number of HTTP attempts of the calling thread's last error. */
void ddb_internal_error_set_attempts(unsigned attempts);

/* Replaces the calling thread's last error with `saved` (a copy taken
 * earlier), e.g. when a secondary failure must not hide the first one. */
void ddb_internal_error_restore(const ddb_error *saved);

#endif /* DDB_CLIENT_INTERNAL_H */
