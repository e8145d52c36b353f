/*
 * docstore_demo.c - an S3-backed document store generated from
 * examples/docstore.yaml: bodies far beyond DynamoDB's 400 KB item limit
 * live in S3, the item keeps a verified pointer (docs/s3.md).
 *
 * Run it with `DDB_DEMO_BIN=examples/docstore_demo scripts/demo.sh`, which
 * starts moto (DynamoDB and S3 in one process) and points
 * AWS_ENDPOINT_URL_DYNAMODB and AWS_ENDPOINT_URL_S3 at it. Against AWS, set
 * AWS_REGION and credentials; it creates the bucket ddbc-docstore-demo
 * (rename it in docstore.yaml: bucket names are global) and the table
 * Documents, and deletes the table at the end.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "example.h"
#include "docstore.h"

/* How many objects the bucket holds under the demo's prefix. */
static size_t objects(const ddb_s3_bucket *b)
{
    size_t n = 0;
    char *token = NULL;
    do {
        ddb_s3_listing l;
        check(ddb_s3_list(&l, b, "docs/", token, 0), "list objects");
        n += l.n;
        free(token);
        token = l.next;
        l.next = NULL;
        ddb_s3_listing_free(&l);
    } while (token != NULL);
    return n;
}

/* A body of `size` bytes of text. */
static char *make_body(size_t size, const char *seed)
{
    char *s = malloc(size + 1);
    if (s == NULL)
        exit(1);
    size_t n = strlen(seed);
    for (size_t i = 0; i < size; i++)
        s[i] = (i % 64 == 63) ? '\n' : seed[(i * 7 + i / 64) % n];
    s[size] = '\0';
    return s;
}

static void save(const char *id, const char *title, char *body)
{
    store_document d;
    store_document_init(&d);
    d.id = ddb_strdup(id);
    d.title = ddb_strdup(title);
    d.body = body; /* taken */
    check(store_document_put(&d, STORE_DOCUMENT_NO_COND), "put");
    printf("    put %s (\"%s\", body %zu bytes), revision %" PRId64 "\n", id, title, strlen(d.body), d.revision);
    store_document_clear(&d);
}

int main(void)
{
    ddb_client *s3 = ddb_default_s3_client();
    if (s3 == NULL || ddb_default_client() == NULL)
        check(ddb_last_error()->code, "creating the clients");
    ddb_s3_bucket bucket = {s3, "ddbc-docstore-demo", false};
    printf("ddbc S3-backed document store: DynamoDB at %s, S3 at %s\n\n", ddb_client_endpoint(ddb_default_client()),
           ddb_client_endpoint(s3));

    printf("1. Create the bucket %s and the table %s\n", bucket.name, store_document_model.table);
    check(ddb_s3_create_bucket(&bucket), "create bucket"); /* 0 when it is ours already */
    ddb_table_opts wait = {.version = DDB_TABLE_OPTS_VERSION, .wait = true, .timeout_ms = 30000};
    int rc = store_document_create_table(&wait);
    if (rc == DDB_EINUSE) {
        check(store_document_delete_table(&wait), "delete_table");
        rc = store_document_create_table(&wait);
    }
    check(rc, "create_table");
    size_t base = objects(&bucket);

    printf("\n2. Save a 3 MB document: the body goes to S3 (compressed), the item keeps a pointer\n");
    save("manual", "The manual", make_body(3u << 20, "the quick brown fox jumps over the lazy dog "));
    printf("    objects in S3: %zu\n", objects(&bucket) - base);

    printf("\n3. Read it back: the body is fetched and checked against its SHA-256\n");
    store_document d;
    store_document_init(&d);
    check(store_document_get(&d, "manual", NULL), "get");
    printf("    %s: \"%s\", body %zu bytes, starts \"%.24s...\"\n", d.id, d.title, strlen(d.body), d.body);
    store_document_clear(&d);

    printf("\n4. Read only the title (no S3 request), then fetch the body when it is needed\n");
    static const char *const title_only[] = {"title"};
    check(store_document_get(&d, "manual", DDB_GET_OPTS(.attributes = title_only, .n_attributes = 1)), "get");
    printf("    body after the projected read: %s\n", d.body == NULL ? "not fetched" : "present");
    check(store_document_s3_fetch(&d), "s3_fetch");
    printf("    body after store_document_s3_fetch: %zu bytes\n", strlen(d.body));
    store_document_clear(&d);

    printf("\n5. Edit it (read, change, save under its revision): the replaced object is deleted\n");
    store_document_init(&d);
    check(store_document_get(&d, "manual", NULL), "get");
    free(d.body);
    d.body = make_body(2u << 20, "pack my box with five dozen liquor jugs ");
    check(store_document_put(&d, STORE_DOCUMENT_NO_COND), "put");
    printf("    saved revision %" PRId64 ", body %zu bytes\n", d.revision, strlen(d.body));
    store_document_clear(&d);
    printf("    objects in S3: %zu\n", objects(&bucket) - base);

    printf("\n6. Delete it: its objects go with it\n");
    store_document_init(&d);
    check(store_document_get(&d, "manual", NULL), "get");
    check(store_document_delete(&d, STORE_DOCUMENT_NO_COND), "delete");
    store_document_clear(&d);
    printf("    objects in S3: %zu\n", objects(&bucket) - base);

    printf("\n7. Garbage collection: deletes objects no item references, older than a grace period\n");
    save("notes", "Notes", make_body(1000, "kept: this item references its body "));
    /* what a writer that crashed between its upload and its PutItem leaves */
    check(ddb_s3_put(&bucket, "docs/Documents/body/00000000000000000000000000000000/orphan", "x", 1, NULL),
          "put orphan");
    nanosleep(&(struct timespec){1, 500000000L}, NULL); /* S3 times objects in whole seconds */
    ddb_s3_gc_stats st;
    check(store_document_s3_gc(&st, 0), "s3_gc"); /* grace 0 for the demo; use minutes in production */
    printf("    scanned %zu items, %zu objects: %zu referenced, %zu young, %zu deleted\n", st.items, st.objects,
           st.referenced, st.young, st.deleted);

    check(store_document_delete_table(&wait), "delete_table");
    printf("\nDone: table %s deleted.\n", store_document_model.table);
    return 0;
}
