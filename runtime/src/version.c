/* version.c - the version of the library actually linked (ddb/version.h). */
#include "feature_macros.h" /* first: feature-test macros before any system header */

#include "ddb/version.h"

const char *ddb_version(void)
{
    return DDB_VERSION;
}
