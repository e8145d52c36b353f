/*
 * example.h - what the examples share: stopping at the first failure with
 * libddb's description of it.
 */
#ifndef DDBC_EXAMPLE_H
#define DDBC_EXAMPLE_H

#include <stdio.h>
#include <stdlib.h>

#include <ddb/error.h>

/* Prints the last error (the AWS error type, message, HTTP status and
 * request id when there is one) and exits when rc is a failure. */
static inline void check(int rc, const char *what)
{
    if (rc >= 0)
        return;
    char line[2048];
    fprintf(stderr, "FAILED: %s: %s\n", what, ddb_error_format(line, sizeof line, ddb_last_error()));
    exit(1);
}

#endif /* DDBC_EXAMPLE_H */
