/*
 * test_rich.c - every attribute type, builder family and model option of
 * the generated code (tests/integration/rich.yaml) against the engine under
 * test (DDB_TEST_ENDPOINT). Fails, never skips, without it. Where the engine
 * deviates from DynamoDB (tests/support/engines.txt), its documented
 * behaviour is asserted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ddb_test.h"

#include "rich.h"

static ddb_client *client;
/* dog extends animal: their table is one (Animals), made once */
static const ddb_model *const models[] = {&rich_post_model, &rich_animal_model, &rich_dog_model};
#define N_MODELS (sizeof models / sizeof models[0])

static int setup(void **state)
{
    (void)state;
    if (ddbt_models_client(&client, "rich", models, N_MODELS) != 0)
        return -1;
    if (!ddbt_deviates("no_ttl"))
        return ddbt_create_model_tables(models, 2); /* Posts, Animals */
    /* Posts has a ttl attribute: the table is made, and enabling its time
     * to live, create_table's last step, is refused */
    int rc = ddbt_create_model_table(&rich_post_model);
    if (rc != DDB_EVALIDATION || strcmp(ddb_last_error()->aws_type, "UnknownOperationException") != 0) {
        fprintf(stderr, "create_table of Posts: expected UnknownOperationException, got %s: %s\n",
                ddb_code_name(rc), ddbt_last_error());
        return -1;
    }
    ddbt_created_model_table(&rich_post_model);
    if (ddb_wait_table_active(client, "Posts", 30000) != 0) {
        fprintf(stderr, "create_table: %s\n", ddbt_last_error());
        return -1;
    }
    return ddbt_create_model_tables(models + 1, 1); /* Animals */
}

static int teardown(void **state)
{
    (void)state;
    return ddbt_models_teardown(client, models, N_MODELS);
}

static const ddb_time AT = {1704164645, 123456};

static char **strings(size_t n, ...)
{
    char **items = calloc(n, sizeof *items);
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n; i++)
        items[i] = ddb_strdup(va_arg(ap, const char *));
    va_end(ap);
    return items;
}

/* A post with a value in every attribute. */
static void make_post(rich_post *p, const char *id)
{
    rich_post_init(p);
    p->id = ddb_strdup(id);
    p->at = AT;
    free(p->price);
    p->price = ddb_strdup("12345678901234567890.123456789012345678");
    p->score = 4.25;
    free(p->meta);
    p->meta = ddb_strdup("{\"nested\": {\"list\": [1, \"two\", null]}}");
    p->nums = (ddb_numset){strings(2, "1", "2.5"), 2};
    p->blobs = (ddb_binset){calloc(1, sizeof(ddb_bytes)), 1};
    p->blobs.items[0] = ddb_bytes_from_base64("AAEC");
    p->words = (rich_list_string){strings(2, "hello", "wörld ✓"), 2};
    p->has_counts = true;
    p->counts.items = calloc(3, sizeof(int64_t));
    p->counts.items[0] = -1;
    p->counts.items[1] = INT64_MAX;
    p->counts.items[2] = 0;
    p->counts.n = 3;
    p->replies.items = calloc(2, sizeof(rich_reply));
    p->replies.n = 2;
    for (size_t i = 0; i < 2; i++) {
        rich_reply_init(&p->replies.items[i]);
        p->replies.items[i].by = ddb_strdup(i == 0 ? "ann" : "bob");
        p->replies.items[i].text = ddb_strdup("hi");
    }
    p->stuff = ddb_av_new(DDB_AV_L);
    ddb_av_list_push(p->stuff, ddb_av_s("any"));
    ddb_av_list_push(p->stuff, ddb_av_bool(true));
    p->author.name = ddb_strdup("cid");
    p->author.has_karma = true;
    p->author.karma = 99;
    p->author.has_address = true;
    p->author.address.city = ddb_strdup("Oslo");
    p->doc = ddb_av_new(DDB_AV_M);
    ddb_av_map_set(p->doc, "free", ddb_av_n("1.5"));
    p->gone = true;
    p->has_expires = true;
    p->expires = 4102444800;
}

static void test_every_type_round_trips(void **state)
{
    (void)state;
    rich_post p;
    make_post(&p, "all");
    DDBT_ASSERT_OK(rich_post_put(&p, RICH_POST_NO_COND));
    assert_true(p.version == 1); /* first save: version 1 */
    rich_post got;
    rich_post_init(&got);
    DDBT_ASSERT_OK(rich_post_get(&got, "all", AT, DDB_GET_OPTS(.consistent_read = true)));
    assert_true(got.at.sec == AT.sec && got.at.usec == AT.usec);
    assert_string_equal(got.kind_hint, "post");
    assert_string_equal(got.price, "12345678901234567890.123456789012345678");
    assert_true(got.score == 4.25);
    assert_string_equal(got.meta, p.meta);
    assert_int_equal(got.tags.n, 2); /* default set */
    assert_int_equal(got.nums.n, 2);
    assert_int_equal(got.blobs.n, 1);
    assert_int_equal(got.blobs.items[0].len, 3);
    assert_int_equal(got.words.n, 2);
    assert_string_equal(got.words.items[1], "wörld ✓");
    assert_true(got.has_counts && got.counts.n == 3 && got.counts.items[1] == INT64_MAX);
    assert_int_equal(got.replies.n, 2);
    assert_string_equal(got.replies.items[1].by, "bob");
    assert_true(got.replies.items[1].likes == 0);
    assert_int_equal(ddb_av_len(got.stuff), 2);
    assert_string_equal(got.author.name, "cid");
    assert_true(got.author.has_address);
    assert_string_equal(got.author.address.city, "Oslo");
    assert_null(got.author.address.zip);
    assert_true(ddb_av_equal(got.doc, p.doc));
    assert_true(got.gone);
    assert_true(got.has_expires && got.expires == 4102444800);
    assert_true(got.version == 1);
    assert_true(got.created.sec == 1704067200); /* default_for_new, written at creation */
    rich_post_clear(&got);
    rich_post_clear(&p);
}

static void test_update_actions_of_every_family(void **state)
{
    (void)state;
    rich_post p;
    make_post(&p, "upd");
    DDBT_ASSERT_OK(rich_post_put(&p, RICH_POST_NO_COND));
    rich_list_string more = {strings(1, "tail"), 1};
    ddb_strset add_tags = {strings(1, "z"), 1};
    ddb_strset del_tags = {strings(1, "x"), 1};
    rich_post_action a = rich_post_action_join(rich_post_incr_score(0.75), rich_post_add_price("0.000000000000000001"));
    a = rich_post_action_join(a, rich_post_add_tags(add_tags));
    a = rich_post_action_join(a, rich_post_append_words(more));
    a = rich_post_action_join(a, rich_post_set_author_address_zip("0150"));
    a = rich_post_action_join(a, rich_post_remove_doc());
    a = rich_post_action_join(a, rich_post_set_if_absent_kind_hint("ignored, it exists"));
    DDBT_ASSERT_OK(rich_post_update(&p, a, rich_post_version_eq(1)));
    assert_int_equal(p.tags.n, 3); /* {x, y} + z */
    /* DynamoDB refuses ADD and DELETE of one path in the same update */
    DDBT_ASSERT_OK(rich_post_update(&p, rich_post_delete_tags(del_tags), RICH_POST_NO_COND));
    assert_true(p.score == 5.0);
    if (ddbt_deviates("number_precision")) /* 28 significant digits */
        assert_string_equal(p.price, "12345678901234567890.12345679");
    else
        assert_string_equal(p.price, "12345678901234567890.123456789012345679");
    assert_int_equal(p.tags.n, 2); /* {x, y, z} - x */
    assert_int_equal(p.words.n, 3);
    assert_string_equal(p.words.items[2], "tail");
    assert_string_equal(p.author.address.zip, "0150");
    assert_null(p.doc);
    assert_string_equal(p.kind_hint, "post");
    assert_true(p.version == 3); /* each update bumps the version */
    for (size_t i = 0; i < 1; i++) {
        free(more.items[i]);
        free(add_tags.items[i]);
        free(del_tags.items[i]);
    }
    free(more.items);
    free(add_tags.items);
    free(del_tags.items);
    rich_post_clear(&p);
}

static void test_conditions_on_nested_paths(void **state)
{
    (void)state;
    rich_post p;
    make_post(&p, "cond");
    DDBT_ASSERT_OK(rich_post_put(&p, RICH_POST_NO_COND));
    static const char *const cities[] = {"Bergen", "Oslo"};
    static const struct {
        const char *what;
        bool holds;
    } expect[] = {
        {"author.address.city IN", true},  {"replies[1].by = bob", true}, {"replies[0].by = bob", false},
        {"size(words) = 2", true},         {"words contains hello", true}, {"tags contains q", false},
        {"counts[2] = 0", true},           {"doc is M", true},             {"score between", true},
    };
    rich_post_cond conds[] = {
        rich_post_author_address_city_in(cities, 2),
        rich_post_replies_by_eq(1, "bob"),
        rich_post_replies_by_eq(0, "bob"),
        rich_post_words_size_eq(2),
        rich_post_words_contains("hello"),
        rich_post_tags_contains("q"),
        rich_post_counts_at_eq(2, 0),
        rich_post_doc_is_type(DDB_AV_M),
        rich_post_score_between(4, 4.5),
    };
    for (size_t i = 0; i < sizeof conds / sizeof conds[0]; i++) {
        /* a no-op update guarded by the condition tells whether it holds */
        int rc = rich_post_update(&p, rich_post_set_score(4.25), conds[i]);
        if (expect[i].holds && rc != 0)
            fail_msg("%s should hold: %s", expect[i].what, ddb_last_error()->message);
        if (!expect[i].holds && rc != DDB_ECONDITION)
            fail_msg("%s should not hold (rc %d)", expect[i].what, rc);
    }
    rich_post_clear(&p);
}

static void test_optimistic_locking(void **state)
{
    (void)state;
    rich_post a, b;
    make_post(&a, "lock");
    DDBT_ASSERT_OK(rich_post_put(&a, RICH_POST_NO_COND));
    rich_post_init(&b);
    DDBT_ASSERT_OK(rich_post_get(&b, "lock", AT, NULL));
    a.score = 1;
    DDBT_ASSERT_OK(rich_post_put(&a, RICH_POST_NO_COND)); /* version 1 -> 2 */
    b.score = 2;
    assert_int_equal(rich_post_put(&b, RICH_POST_NO_COND), DDB_ECONDITION); /* stale copy */
    assert_true(b.version == 1);
    assert_int_equal(rich_post_delete(&b, RICH_POST_NO_COND), DDB_ECONDITION);
    /* a new object with the same key but never saved must not overwrite */
    rich_post fresh;
    make_post(&fresh, "lock");
    assert_int_equal(rich_post_put(&fresh, RICH_POST_NO_COND), DDB_ECONDITION);
    DDBT_ASSERT_OK(rich_post_refresh(&b, NULL));
    assert_true(b.version == 2 && b.score == 1);
    DDBT_ASSERT_OK(rich_post_delete(&b, RICH_POST_NO_COND));
    rich_post_clear(&fresh);
    rich_post_clear(&a);
    rich_post_clear(&b);
}

static void test_keep_unknown_and_default_for_new(void **state)
{
    (void)state;
    /* Another service writes an item with attributes this schema lacks. */
    ddb_av *item = NULL;
    const char *json = "{\"id\":{\"S\":\"foreign\"},\"at\":{\"S\":\"2024-01-02T03:04:05.123456+0000\"},"
                       "\"author\":{\"M\":{\"name\":{\"S\":\"x\"}}},\"words\":{\"L\":[]},\"replies\":{\"L\":[]},"
                       "\"kind_hint\":{\"S\":\"k\"},\"score\":{\"N\":\"1\"},\"version\":{\"N\":\"7\"},"
                       "\"theirs\":{\"M\":{\"deep\":{\"SS\":[\"a\",\"b\"]}}}}";
    assert_int_equal(ddb_item_parse_json(&item, json, strlen(json)), 0);
    ddb_put_item_input in = DDB_PUT_ITEM_INPUT_INIT;
    in.table_name = "Posts";
    in.item = item;
    ddb_write_item_output out;
    DDBT_ASSERT_OK(ddb_put_item(&out, client, &in));
    ddb_write_item_output_free(&out);
    ddb_av_free(item);
    rich_post p;
    rich_post_init(&p);
    DDBT_ASSERT_OK(rich_post_get(&p, "foreign", AT, NULL));
    assert_true(p.created.sec == 0); /* default_for_new is not invented for stored items */
    p.score = 3;
    DDBT_ASSERT_OK(rich_post_put(&p, RICH_POST_NO_COND)); /* read-modify-write */
    ddb_get_item_input gin = DDB_GET_ITEM_INPUT_INIT;
    ddb_av *key = NULL;
    DDBT_ASSERT_OK(rich_post_to_item(&key, &p));
    ddb_av *k = ddb_av_new(DDB_AV_M);
    ddb_av_map_set(k, "id", ddb_av_clone(ddb_av_map_get(key, "id")));
    ddb_av_map_set(k, "at", ddb_av_clone(ddb_av_map_get(key, "at")));
    gin.table_name = "Posts";
    gin.key = k;
    gin.consistent_read = true;
    ddb_get_item_output gout;
    DDBT_ASSERT_OK(ddb_get_item(&gout, client, &gin));
    const ddb_av *theirs = ddb_av_map_get(gout.item, "theirs");
    assert_non_null(theirs); /* not dropped (PynamoDB #284) */
    assert_int_equal(ddb_av_len(ddb_av_map_get(theirs, "deep")), 2);
    ddb_get_item_output_free(&gout);
    ddb_av_free(k);
    ddb_av_free(key);
    rich_post_clear(&p);
}

static void test_index_query_and_count(void **state)
{
    (void)state;
    for (int i = 0; i < 5; i++) {
        char id[16];
        snprintf(id, sizeof id, "ix%d", i);
        rich_post p;
        make_post(&p, id);
        free(p.kind_hint);
        p.kind_hint = ddb_strdup("indexed");
        p.score = i;
        DDBT_ASSERT_OK(rich_post_put(&p, RICH_POST_NO_COND));
        rich_post_clear(&p);
    }
    ddb_iter *it = NULL;
    DDBT_ASSERT_OK(rich_post_by_score_query(&it, "indexed", rich_post_by_score_range_ge(2), RICH_POST_NO_COND, NULL));
    rich_post p;
    rich_post_init(&p);
    int n = 0, rc;
    double last = -1;
    while ((rc = rich_post_next(&p, it)) == 1) {
        assert_true(p.score >= 2 && p.score > last); /* ordered by the index range key */
        last = p.score;
        n++;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(n, 3);
    ddb_iter_free(it);
    int64_t count = 0;
    DDBT_ASSERT_OK(rich_post_by_score_count(&count, "indexed", RICH_POST_BY_SCORE_NO_RANGE, RICH_POST_NO_COND, NULL));
    assert_true(count == 5);
    bool exists = false;
    DDBT_ASSERT_OK(rich_post_exists(&exists, "ix3", AT, NULL));
    assert_true(exists);
    DDBT_ASSERT_OK(rich_post_exists(&exists, "nope", AT, NULL));
    assert_false(exists);
    rich_post_clear(&p);
}

static void test_polymorphic_models(void **state)
{
    (void)state;
    rich_dog d;
    rich_dog_init(&d);
    assert_string_equal(d.kind, "dog");
    assert_true(d.barks);
    d.id = ddb_strdup("rex");
    d.name = ddb_strdup("Rex");
    DDBT_ASSERT_OK(rich_dog_put(&d, RICH_DOG_NO_COND));
    rich_animal a;
    rich_animal_init(&a);
    a.id = ddb_strdup("generic");
    a.kind = ddb_strdup("fish");
    a.name = ddb_strdup("Nemo");
    DDBT_ASSERT_OK(rich_animal_put(&a, RICH_ANIMAL_NO_COND));
    /* the base model reads every kind and tells them apart */
    DDBT_ASSERT_OK(rich_animal_get(&a, "rex", NULL));
    assert_string_equal(a.kind, "dog");
    assert_string_equal(a.name, "Rex");
    /* the subclass reads its own kind only */
    rich_dog other;
    rich_dog_init(&other);
    assert_int_equal(rich_dog_get(&other, "generic", NULL), DDB_ETYPE);
    DDBT_ASSERT_OK(rich_dog_get(&other, "rex", NULL));
    assert_true(other.barks);
    /* a subclass scan filters on its kind; the base scan sees every kind */
    ddb_iter *it = NULL;
    DDBT_ASSERT_OK(rich_dog_scan(&it, RICH_DOG_NO_COND, NULL));
    int dogs = 0, rc;
    while ((rc = rich_dog_next(&other, it)) == 1) {
        assert_string_equal(other.kind, "dog");
        dogs++;
    }
    assert_int_equal(rc, 0);
    ddb_iter_free(it);
    int64_t all = 0, only_dogs = 0;
    DDBT_ASSERT_OK(rich_animal_count(&all, "generic", RICH_ANIMAL_NO_RANGE, RICH_ANIMAL_NO_COND, NULL));
    assert_true(all == 1);
    DDBT_ASSERT_OK(rich_dog_count(&only_dogs, "generic", RICH_DOG_NO_RANGE, RICH_DOG_NO_COND, NULL));
    assert_true(only_dogs == 0); /* "generic" is a fish */
    assert_true(dogs >= 1);
    rich_dog_clear(&other);
    rich_animal_clear(&a);
    rich_dog_clear(&d);
}

/* A transaction over posts and the dogs of test_typed_batch_and_transaction:
 * the 3rd of 4 actions fails its condition; reasons in the caller's order. */
static void transaction_of_posts_and_dogs(rich_dog *dogs)
{
    rich_post p;
    make_post(&p, "txn");
    ddb_txn *t = NULL;
    if (ddbt_deviates("no_transactions")) {
        DDBT_ASSERT_OK(ddb_txn_new(&t, client, NULL));
        DDBT_ASSERT_OK(rich_post_txn_put(t, &p, RICH_POST_NO_COND));
        ddbt_assert_unknown_operation(ddb_txn_commit(t));
        ddb_txn_free(t);
        rich_post_clear(&p);
        return;
    }
    DDBT_ASSERT_OK(ddb_txn_new(&t, client, NULL));
    DDBT_ASSERT_OK(rich_post_txn_put(t, &p, RICH_POST_NO_COND));
    DDBT_ASSERT_OK(rich_dog_txn_update(t, &dogs[0], rich_dog_set_name("Renamed"), RICH_DOG_NO_COND));
    DDBT_ASSERT_OK(rich_dog_txn_check(t, "d01", rich_dog_barks_eq(false)));
    DDBT_ASSERT_OK(rich_dog_txn_delete(t, &dogs[2], RICH_DOG_NO_COND));
    assert_int_equal(ddb_txn_commit(t), DDB_ECANCELLED);
    assert_int_equal(ddb_txn_reason(t, 0)->code, 0);
    assert_int_equal(ddb_txn_reason(t, 2)->code, DDB_ECONDITION);
    assert_string_equal(ddb_txn_reason(t, 2)->reason, "ConditionalCheckFailed");
    assert_true(ddb_txn_reason(t, 2)->model == &rich_dog_model);
    ddb_txn_free(t);
    assert_true(p.version == 0); /* nothing committed, nothing bumped */
    bool exists = true;
    DDBT_ASSERT_OK(rich_post_exists(&exists, "txn", AT, NULL));
    assert_false(exists);
    /* the same without the failing check commits, versions included */
    DDBT_ASSERT_OK(ddb_txn_new(&t, client, NULL));
    DDBT_ASSERT_OK(rich_post_txn_put(t, &p, RICH_POST_NO_COND));
    DDBT_ASSERT_OK(rich_dog_txn_check(t, "d01", rich_dog_barks_eq(true)));
    DDBT_ASSERT_OK(ddb_txn_commit(t));
    ddb_txn_free(t);
    assert_true(p.version == 1);
    ddb_txn_getter *tg = NULL;
    DDBT_ASSERT_OK(ddb_txn_getter_new(&tg, client));
    rich_post back;
    rich_post_init(&back);
    bool back_found = false;
    DDBT_ASSERT_OK(rich_post_txn_get(&back, &back_found, tg, "txn", AT));
    DDBT_ASSERT_OK(ddb_txn_getter_run(tg));
    assert_true(back_found && back.version == 1);
    ddb_txn_getter_free(tg);
    rich_post_clear(&back);
    rich_post_clear(&p);
}

static void test_typed_batch_and_transaction(void **state)
{
    (void)state;
    /* batch: 30 dogs (two requests of 25 + 5), then read them back in one getter */
    ddb_batch_writer *w = NULL;
    DDBT_ASSERT_OK(ddb_batch_writer_new(&w, client, NULL));
    rich_dog dogs[30];
    char ids[30][16];
    for (int i = 0; i < 30; i++) {
        rich_dog_init(&dogs[i]);
        snprintf(ids[i], sizeof ids[i], "d%02d", i);
        dogs[i].id = ddb_strdup(ids[i]);
        dogs[i].name = ddb_strdup("Dog");
        DDBT_ASSERT_OK(rich_dog_batch_put(w, &dogs[i]));
    }
    DDBT_ASSERT_OK(ddb_batch_writer_flush(w));
    ddb_batch_writer_free(w);
    ddb_batch_getter *g = NULL;
    DDBT_ASSERT_OK(ddb_batch_getter_new(&g, client, NULL));
    rich_dog got[31];
    bool found[31];
    for (int i = 0; i < 31; i++) {
        rich_dog_init(&got[i]);
        DDBT_ASSERT_OK(rich_dog_batch_get(&got[i], &found[i], g, i < 30 ? ids[i] : "missing"));
    }
    DDBT_ASSERT_OK(ddb_batch_getter_run(g));
    for (int i = 0; i < 30; i++) {
        assert_true(found[i]);
        assert_string_equal(got[i].id, ids[i]);
    }
    assert_false(found[30]);
    ddb_batch_getter_free(g);

    transaction_of_posts_and_dogs(dogs);
    for (int i = 0; i < 31; i++)
        rich_dog_clear(&got[i]);
    for (int i = 0; i < 30; i++)
        rich_dog_clear(&dogs[i]);
}

static void test_return_values(void **state)
{
    (void)state;
    rich_dog d, old;
    rich_dog_init(&d);
    rich_dog_init(&old);
    d.id = ddb_strdup("rv");
    d.name = ddb_strdup("First");
    bool has = true;
    DDBT_ASSERT_OK(rich_dog_put_ex(&old, &has, &d, RICH_DOG_NO_COND, DDB_WRITE_OPTS(.return_values = DDB_RETURN_ALL_OLD)));
    assert_false(has); /* a new item has no old image */
    free(d.name);
    d.name = ddb_strdup("Second");
    DDBT_ASSERT_OK(rich_dog_put_ex(&old, &has, &d, RICH_DOG_NO_COND, DDB_WRITE_OPTS(.return_values = DDB_RETURN_ALL_OLD)));
    assert_true(has);
    assert_string_equal(old.name, "First");
    /* UPDATED_OLD: only the changed attribute, obj not refreshed from it */
    DDBT_ASSERT_OK(rich_dog_update_ex(&old, &has, &d, rich_dog_set_name("Third"), RICH_DOG_NO_COND, DDB_WRITE_OPTS(.return_values = DDB_RETURN_UPDATED_NEW)));
    assert_true(has);
    assert_string_equal(old.name, "Third");
    /* the old item after a failed condition, without another read */
    int rc = rich_dog_put_ex(&old, &has, &d, rich_dog_name_eq("nope"), DDB_WRITE_OPTS(.return_old_on_failure = true));
    assert_int_equal(rc, DDB_ECONDITION);
    assert_string_equal(ddb_last_error()->aws_type, "ConditionalCheckFailedException");
    if (ddbt_deviates("no_item_on_condition_failure")) {
        assert_false(has);
    } else {
        assert_true(has);
        assert_string_equal(old.name, "Third");
    }
    DDBT_ASSERT_OK(rich_dog_delete_ex(&old, &has, &d, RICH_DOG_NO_COND, DDB_WRITE_OPTS(.return_values = DDB_RETURN_ALL_OLD)));
    assert_true(has);
    assert_string_equal(old.id, "rv");
    rich_dog_clear(&old);
    rich_dog_clear(&d);
}

static void test_table_management(void **state)
{
    (void)state;
    bool exists = false;
    DDBT_ASSERT_OK(rich_post_table_exists(&exists));
    assert_true(exists);
    ddb_table_output desc;
    DDBT_ASSERT_OK(rich_post_describe_table(&desc));
    assert_string_equal(desc.table.name, "Posts");
    assert_int_equal(desc.table.status, DDB_TABLE_STATUS_ACTIVE);
    assert_int_equal(desc.table.n_global_indexes, 1);
    assert_string_equal(desc.table.global_indexes[0].name, "by_score");
    ddb_table_output_free(&desc);
    ddb_ttl_output ttl;
    ddb_table_name_input in = DDB_TABLE_NAME_INPUT_INIT;
    in.table_name = "Posts";
    DDBT_ASSERT_OK(ddb_describe_time_to_live(&ttl, client, &in));
    if (ddbt_deviates("no_ttl")) {
        assert_int_equal(ttl.status, DDB_TTL_STATUS_DISABLED);
        assert_null(ttl.attribute_name);
    } else {
        assert_string_equal(ttl.attribute_name, "expires"); /* enabled by create_table */
    }
    ddb_ttl_output_free(&ttl);
    DDBT_ASSERT_OK(rich_animal_update_throughput(3, 4, DDB_TABLE_OPTS(.wait = true, .timeout_ms = 30000)));
    DDBT_ASSERT_OK(rich_animal_describe_table(&desc));
    assert_true(desc.table.billing_mode == DDB_BILLING_MODE_PROVISIONED);
    assert_true(desc.table.throughput.read_capacity_units == 3 && desc.table.throughput.write_capacity_units == 4);
    ddb_table_output_free(&desc);
    assert_int_equal(rich_animal_update_ttl(true), DDB_EINVAL); /* no ttl attribute */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_type_round_trips),
        cmocka_unit_test(test_update_actions_of_every_family),
        cmocka_unit_test(test_conditions_on_nested_paths),
        cmocka_unit_test(test_optimistic_locking),
        cmocka_unit_test(test_keep_unknown_and_default_for_new),
        cmocka_unit_test(test_index_query_and_count),
        cmocka_unit_test(test_polymorphic_models),
        cmocka_unit_test(test_typed_batch_and_transaction),
        cmocka_unit_test(test_return_values),
        cmocka_unit_test(test_table_management),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
