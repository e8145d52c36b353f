/*
 * fuzz_json.c - fuzz target for the JSON codec (libFuzzer entry point; the
 * suite replays the corpus through tests/fuzz/fuzz_replay.c and fuzz_expect.c).
 *
 * For any input: the three parsers must not crash, leak or misbehave under
 * the sanitizers; whatever parses must write back, parse again to an equal
 * tree, write again to the same text, and clone to an equal tree. Broken
 * invariants abort().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ddb/av.h"
#include "ddb/error.h"
#include "ddb/json.h"
#include "json_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef int (*writer)(ddb_buf *out, const ddb_av *v);
typedef int (*parser)(ddb_av **out, const char *text, size_t len);

static void check(int ok)
{
    if (!ok)
        abort();
}

/* write -> parse -> equal -> write gives the same text; clone is equal. */
static void round_trip(const ddb_av *v, writer write, parser parse)
{
    ddb_buf first = DDB_BUF_INIT, second = DDB_BUF_INIT;
    check(write(&first, v) == 0);
    ddb_av *again = NULL;
    check(parse(&again, first.data, first.len) == 0);
    check(ddb_av_equal(v, again));
    check(write(&second, again) == 0);
    check(first.len == second.len && memcmp(first.data, second.data, first.len) == 0);
    ddb_av *copy = ddb_av_clone(v);
    check(copy != NULL && ddb_av_equal(copy, v));
    ddb_av_free(copy);
    ddb_av_free(again);
    ddb_buf_free(&first);
    ddb_buf_free(&second);
}

static void try_form(const char *text, size_t len, writer write, parser parse)
{
    ddb_av *v = NULL;
    int rc = parse(&v, text, len);
    check(rc == 0 || (rc == DDB_EPROTOCOL && v == NULL && ddb_last_error()->code == DDB_EPROTOCOL));
    if (rc == 0)
        round_trip(v, write, parse);
    ddb_av_free(v);
}

/* Reads every node through every accessor. */
static void walk(ddb_jnode *n)
{
    int64_t i;
    double d;
    bool b;
    size_t len;
    (void)ddb_jnode_i64(n, &i);
    (void)ddb_jnode_double(n, &d);
    (void)ddb_jnode_bool(n, &b);
    (void)ddb_jnode_str(n, &len);
    (void)ddb_jnode_name(n, &len);
    const ddb_av *item = ddb_jnode_item(n);
    check(item == NULL || item->type == DDB_AV_M);
    for (ddb_jnode *kid = ddb_jnode_first(n); kid != NULL; kid = ddb_jnode_next(kid))
        walk(kid);
}

static void try_doc(const char *text, size_t len)
{
    static const char *const paths[] = {"Item", "Items[]", "Responses.*[]", "A.*[].B", NULL};
    ddb_jdoc *doc = NULL;
    int rc = ddb_jdoc_parse(text, len, paths, &doc);
    check(rc == 0 || (rc == DDB_EPROTOCOL && doc == NULL));
    if (rc != 0)
        return;
    walk(ddb_jdoc_root(doc));
    ddb_av_free(ddb_jnode_take_item(ddb_jnode_get(ddb_jdoc_root(doc), "Item")));
    ddb_jdoc_free(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    try_form(text, size, ddb_item_write_json, ddb_item_parse_json);
    try_form(text, size, ddb_av_write_json, ddb_av_parse_json);
    try_doc(text, size);
    return 0;
}
