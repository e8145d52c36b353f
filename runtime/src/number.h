/*
 * number.h - INTERNAL to libddb and ddbc: DynamoDB's number rules, one
 * implementation for the runtime (AttributeValues, the model codec, plain
 * JSON) and the generator (schema defaults). number.c says what the
 * service accepts; every function here is a pure function of its
 * arguments (reentrant), and none records an error unless it says so.
 */
#ifndef DDB_NUMBER_H
#define DDB_NUMBER_H

#include <stddef.h>
#include <stdint.h>

#include "ddb/buf.h"

/* Room for a canonical number text ('-', 38 digits, 'E', exponent, NUL). */
#define DDB_NUMBER_CANON_MAX 64

/*
 * Why `len` bytes of text are not a valid DynamoDB number, as a static
 * phrase ("more than 38 significant digits", ...), or NULL when valid.
 * ddb_number_check is this plus error recording (DDB_EINVAL).
 */
const char *ddb_number_problem(const char *text, size_t len);

/* The comparable form of a valid number in `out`: "0", or [-]DIGITSE<exp>
 * with no leading or trailing zero digit; two numbers are equal exactly
 * when these are. Returns its length, or 0 when the text is not a number. */
size_t ddb_number_canon(const char *text, size_t len, char out[DDB_NUMBER_CANON_MAX]);

/*
 * Appends the plain form of a valid number to `out`: no exponent, "-" only
 * for negatives, no '+', no leading zeros ("0.5", not ".5"), no trailing
 * fraction zeros, no '.' without a fraction: "1.5e2" -> "150", "+1.50" ->
 * "1.5", "-0" -> "0", "1E-3" -> "0.001". Returns NULL, or why the text is
 * not a valid number (nothing appended); DDB_ENOMEM is the buffer's.
 */
const char *ddb_number_plain(const char *text, size_t len, ddb_buf *out);

/* Number text -> int64, exactly: any notation of an integral value in
 * range ("12", "1.2e1", "120E-1"). Returns NULL or why not. */
const char *ddb_number_to_i64(const char *text, size_t len, int64_t *out);

/* NUL-terminated number text (syntax checked by the caller) -> nearest
 * double, whatever the process locale. Returns NULL or why not (not finite). */
const char *ddb_number_to_double(const char *text, double *out);

/*
 * As ddb_number_to_double, but only when the double holds the number
 * exactly as far as DynamoDB is concerned: written back (shortest text that
 * reads back as the same double) it is the same DynamoDB number. "0.1",
 * "1e20", "100000000000000000000" and "-0.0" are; "0.1000000000000000000001"
 * and "9007199254740993" are not. `text` is NUL-terminated, `len` bytes,
 * syntax not yet checked. Returns NULL or why not.
 */
const char *ddb_number_to_double_exact(const char *text, size_t len, double *out);

/* The shortest of %.15g, %.16g, %.17g that reads back as exactly `v`
 * (finite), in the "C" numeric locale. */
void ddb_double_shortest(double v, char out[32]);

#endif /* DDB_NUMBER_H */
