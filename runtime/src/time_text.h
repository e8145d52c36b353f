/*
 * time_text.h - INTERNAL to libddb and ddbc: PynamoDB's UTC datetime text,
 * one implementation for the runtime (ddb_time_parse, ddb_time_format in
 * ddb/model.h) and the generator (schema defaults). Reentrant.
 */
#ifndef DDB_TIME_TEXT_H
#define DDB_TIME_TEXT_H

#include <stddef.h>

#include "ddb/model.h"

/*
 * Why `len` bytes of text are not a UTC datetime ddbc reads, as a static
 * phrase ("the month must be 01 to 12", ...), or NULL with *out set. The
 * form: 1 to 4 year digits (older PynamoDB wrote years before 1000
 * unpadded), -MM-DDTHH:MM:SS, optionally '.' and 1 to 9 fraction digits of
 * which those beyond the microsecond are zeros, then "+0000", "+00:00" or
 * "Z". Years 1..9999, real calendar days, no leap seconds.
 */
const char *ddb_time_problem(const char *text, size_t len, ddb_time *out);

#endif /* DDB_TIME_TEXT_H */
