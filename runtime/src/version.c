/* version.c - the version of the library actually linked (ddb/version.h). */
#include "ddb/version.h"

const char *ddb_version(void)
{
    return DDB_VERSION;
}
