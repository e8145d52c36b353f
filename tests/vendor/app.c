/*
 * app.c - the program of the vendoring test (tests/vendor/test_vendor.py),
 * built from a `ddbc --vendor` directory alone: only -I DIR, DIR/libddb.c
 * and the generated note.c, with the system libraries.
 *
 *   app offline   prints ddb_version() and one note as DynamoDB JSON
 *   app engine    round trip against the engine the environment names
 *                 (AWS_ENDPOINT_URL, credentials, region): create the
 *                 table, conditional put, update, get, query count,
 *                 delete, drop the table; prints "N checks passed"
 *
 * Exit 0 when every check held, 1 otherwise (each failure is printed with
 * libddb's last error).
 */
#define _POSIX_C_SOURCE 200809L /* strdup under -std=c11 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ddb/ddb.h>
#include <ddb/json.h>
#include <ddb/version.h>

#include "note.h"

static int checks, failures;

static void check(int ok, const char *what)
{
    checks++;
    if (ok)
        return;
    failures++;
    const ddb_error *e = ddb_last_error();
    fprintf(stderr, "FAIL: %s (last error: %s %s: %s)\n", what, ddb_code_name(e->code), e->aws_type,
            e->message);
}

static void fill(notes_note *n, const char *text)
{
    notes_note_init(n);
    n->owner = strdup("ada");
    n->id = 42;
    n->text = strdup(text);
}

static int offline(void)
{
    notes_note n;
    fill(&n, "h\xc3\xa9llo \"vendored\"");
    ddb_av *item = NULL;
    ddb_buf out = DDB_BUF_INIT;
    int rc = notes_note_to_item(&item, &n);
    if (rc == 0)
        rc = ddb_item_write_json(&out, item);
    if (rc == 0)
        printf("%s\n%s\n", ddb_version(), ddb_buf_cstr(&out));
    else
        fprintf(stderr, "app: %s\n", ddb_last_error()->message);
    ddb_buf_free(&out);
    ddb_av_free(item);
    notes_note_clear(&n);
    return rc == 0 ? 0 : 1;
}

static int engine(void)
{
    check(notes_note_create_table(DDB_TABLE_OPTS(.wait = true)) == 0, "create the table");
    notes_note n, got;
    fill(&n, "first");
    check(notes_note_put(&n, notes_note_owner_not_exists()) == 0, "conditional put of a new note");
    check(notes_note_put(&n, notes_note_owner_not_exists()) == DDB_ECONDITION,
          "the same conditional put again is DDB_ECONDITION");
    check(strcmp(ddb_last_error()->aws_type, "ConditionalCheckFailedException") == 0,
          "the AWS error code is kept");
    check(notes_note_update(&n, notes_note_set_text("h\xc3\xa9llo"), notes_note_text_eq("first")) == 0,
          "conditional update");
    notes_note_init(&got);
    check(notes_note_get(&got, "ada", 42, DDB_GET_OPTS(.consistent_read = true)) == 0, "get");
    check(got.owner != NULL && strcmp(got.owner, "ada") == 0 && got.id == 42 && got.text != NULL &&
              strcmp(got.text, "h\xc3\xa9llo") == 0,
          "get returns what was written");
    int64_t count = -1;
    check(notes_note_count(&count, "ada", NOTES_NOTE_NO_RANGE, NOTES_NOTE_NO_COND, NULL) == 0 &&
              count == 1,
          "query count");
    check(notes_note_delete(&n, NOTES_NOTE_NO_COND) == 0, "delete");
    notes_note_clear(&got);
    notes_note_init(&got);
    check(notes_note_get(&got, "ada", 42, DDB_GET_OPTS(.consistent_read = true)) == DDB_ENOTFOUND,
          "get after delete is DDB_ENOTFOUND");
    check(notes_note_delete_table(DDB_TABLE_OPTS(.wait = true)) == 0, "drop the table");
    notes_note_clear(&got);
    notes_note_clear(&n);
    printf("%d checks passed\n", checks - failures);
    return failures == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "offline") == 0)
        return offline();
    if (argc == 2 && strcmp(argv[1], "engine") == 0)
        return engine();
    fprintf(stderr, "usage: app offline|engine\n");
    return 2;
}
