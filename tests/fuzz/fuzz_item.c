/*
 * fuzz_item.c - fuzz target for the item decoders of generated models:
 * the input is DynamoDB JSON of an item, read by ddb_model_from_item into
 * every model and map that ddbc generated at build time from
 * tests/integration/rich.yaml (every attribute type, maps, lists, sets,
 * keep_unknown, a discriminator), tests/golden/everything.yaml (every
 * scalar with defaults and odd attribute names) and
 * tests/integration/fields.yaml (compressed values; encrypted ones under
 * a fixed keyring). S3-backed attributes are left out: reading them asks S3.
 *
 * Invariants (abort() when broken), for each model:
 *  - a failed decode returns a DDB_E* code that is the last error's, with
 *    a message;
 *  - what decodes encodes (ddb_model_to_item) or fails the same way, with
 *    no item; what encodes decodes again, and encodes to an equal item
 *    with the same JSON text (for models without random encryption, whose
 *    every encoding differs) — the round trip is stable;
 *  - what encodes converts to plain JSON (ddb/simple_json.h), which reads
 *    back into the model and gives the same plain JSON again;
 *  - ddb_model_read_item agrees with ddb_model_from_item on success.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ddb/av.h"
#include "ddb/error.h"
#include "ddb/json.h"
#include "ddb/keyring.h"
#include "ddb/model.h"
#include "ddb/simple_json.h"
#include "model_internal.h"

#include "everything.h"
#include "fields.h"
#include "rich.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct target {
    const ddb_model *m;
    bool random; /* random encryption: each encoding differs */
} target;

static const target targets[] = {
    {&rich_address_map, false}, {&rich_author_map, false},    {&rich_reply_map, false},
    {&rich_post_model, false},  {&rich_animal_model, false},  {&rich_dog_model, false},
    {&gold_item_model, false},  {&gold_counter_model, false}, {&fld_excerpt_map, false},
    {&fld_page_model, false},   {&fld_account_model, true},   {&fld_vault_model, true},
};

/* A failure left a typed error behind. */
static void check_error(int rc)
{
    const ddb_error *e = ddb_last_error();
    check(rc < 0 && e->code == rc && e->message[0] != '\0');
}

/* The keyring of the encrypted models (a fixed key; made once). */
static void setup(void)
{
    static ddb_keyring *ring;
    if (ring != NULL)
        return;
    unsigned char key[DDB_KEY_SIZE];
    for (size_t i = 0; i < sizeof key; i++)
        key[i] = (unsigned char)(i * 7 + 1);
    check(ddb_keyring_new(&ring) == 0 && ddb_keyring_add(ring, "fuzz-key", key) == 0);
    ddb_model_use_keyring(&fld_account_model, ring);
    ddb_model_use_keyring(&fld_vault_model, ring);
}

static void *new_obj(const ddb_model *m)
{
    void *obj = malloc(m->size);
    check(obj != NULL);
    ddb_model_init(m, obj);
    return obj;
}

static void free_obj(const ddb_model *m, void *obj)
{
    ddb_model_clear(m, obj);
    free(obj);
}

static bool same_text(const ddb_buf *a, const ddb_buf *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

/* Plain JSON of obj, read back into a fresh object, gives the same text. */
static void plain_round_trip(const target *t, const void *obj)
{
    const ddb_model *m = t->m;
    ddb_buf first = DDB_BUF_INIT, second = DDB_BUF_INIT;
    check(ddb_model_to_simple_json(&first, m, obj) == 0);
    void *again = new_obj(m);
    int rc = ddb_model_from_simple_json(again, m, first.data, first.len);
    check(rc == 0);
    check(ddb_model_to_simple_json(&second, m, again) == 0);
    check(same_text(&first, &second));
    free_obj(m, again);
    ddb_buf_free(&first);
    ddb_buf_free(&second);
}

static void try_model(const target *t, const ddb_av *item)
{
    const ddb_model *m = t->m;
    void *obj = new_obj(m);
    int rc = ddb_model_from_item(obj, m, item);
    void *read = new_obj(m);
    int rc_read = ddb_model_read_item(read, m, item);
    check((rc == 0) == (rc_read == 0) || m->table == NULL);
    free_obj(m, read);
    if (rc != 0) {
        check_error(rc);
        free_obj(m, obj);
        return;
    }
    ddb_av *first = NULL;
    rc = ddb_model_to_item(&first, m, obj);
    if (rc != 0) { /* e.g. a required attribute the item lacks */
        check_error(rc);
        check(first == NULL);
        free_obj(m, obj);
        return;
    }
    check(first != NULL && first->type == DDB_AV_M);
    void *obj2 = new_obj(m);
    rc = ddb_model_from_item(obj2, m, first);
    check(rc == 0);
    ddb_av *second = NULL;
    check(ddb_model_to_item(&second, m, obj2) == 0);
    if (!t->random) {
        ddb_buf a = DDB_BUF_INIT, b = DDB_BUF_INIT;
        check(ddb_av_equal(first, second));
        check(ddb_item_write_json(&a, first) == 0 && ddb_item_write_json(&b, second) == 0);
        check(same_text(&a, &b));
        ddb_buf_free(&a);
        ddb_buf_free(&b);
        plain_round_trip(t, obj);
    }
    ddb_av_free(first);
    ddb_av_free(second);
    free_obj(m, obj2);
    free_obj(m, obj);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    ddb_av *item = NULL;
    int rc = ddb_item_parse_json(&item, (const char *)data, size);
    if (rc != 0) {
        check(item == NULL);
        return 0;
    }
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++)
        try_model(&targets[i], item);
    ddb_av_free(item);
    return 0;
}
