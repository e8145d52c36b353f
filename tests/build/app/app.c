/*
 * app.c - the program of the build-system recipe tests (tests/build): uses
 * the model generated from note.yaml and libddb, no network. Prints the
 * item of one note as DynamoDB JSON.
 */
#define _POSIX_C_SOURCE 200809L /* strdup under -std=c11 */
#include <stdio.h>
#include <string.h>

#include <ddb/ddb.h>
#include <ddb/json.h>

#include "note.h"

int main(void)
{
    notes_note n;
    notes_note_init(&n);
    n.owner = strdup("ada");
    n.id = 42;
    n.text = strdup("hello");
    ddb_av *item = NULL;
    ddb_buf out = DDB_BUF_INIT;
    int rc = notes_note_to_item(&item, &n);
    if (rc == 0)
        rc = ddb_item_write_json(&out, item);
    if (rc == 0)
        printf("%s\n", ddb_buf_cstr(&out));
    else
        fprintf(stderr, "app: error %d\n", rc);
    ddb_buf_free(&out);
    ddb_av_free(item);
    notes_note_clear(&n);
    return rc == 0 ? 0 : 1;
}
