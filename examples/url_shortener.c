/*
 * url_shortener.c - a URL shortener (PynamoDB's url_shortener example, in
 * C) over the model ddbc generates from examples/shortener.yaml: short
 * codes made from a hash of the URL, created with a condition so that two
 * links never share a code (a taken code is retried with the next salt),
 * resolves that count hits with one atomic update each, and the links of
 * an owner listed newest first through a global secondary index.
 *
 * Run it with `DDB_DEMO_BIN=examples/url_shortener scripts/demo.sh`,
 * which starts a local engine (moto) and points AWS_ENDPOINT_URL_DYNAMODB
 * at it. Against AWS, set AWS_REGION and credentials: it creates the table
 * ShortLinks when it is missing and deletes it at the end.
 *
 * It checks what it prints: any unexpected outcome exits with status 1,
 * so it is also a test (example_shortener).
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "example.h"
#include "shortener.h"

enum {
    CODE_LEN = 7,      /* characters of a short code: 62^7, about 3.5e12 codes */
    MAX_ATTEMPTS = 8,  /* salts tried before giving up on a URL */
    RESOLVERS = 4,     /* threads resolving one code at once */
    RESOLVES_EACH = 10 /* resolves per thread */
};

/* Stops the program when `ok` is false: an outcome the example does not expect. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void expect(int ok, const char *fmt, ...);
static void expect(int ok, const char *fmt, ...)
{
    if (ok)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("UNEXPECTED: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static ddb_time now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (ddb_time){(int64_t)ts.tv_sec, (int32_t)(ts.tv_nsec / 1000)};
}

/* A short code for `url`: 64-bit FNV-1a of the salt and the URL, in base 62.
 * The same URL and salt always give the same code; another salt, another. */
static void make_code(char out[CODE_LEN + 1], const char *url, uint64_t salt)
{
    static const char digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    uint64_t h = 14695981039346656037u;
    for (int i = 0; i < 8; i++) {
        h ^= (salt >> (8 * i)) & 0xff;
        h *= 1099511628211u;
    }
    for (const unsigned char *p = (const unsigned char *)url; *p != '\0'; p++) {
        h ^= *p;
        h *= 1099511628211u;
    }
    for (int i = 0; i < CODE_LEN; i++) {
        out[i] = digits[h % 62];
        h /= 62;
    }
    out[CODE_LEN] = '\0';
}

/* This run's salts start here, so that links left by an earlier run do not
 * collide with this run's more than by chance. */
static uint64_t run_salt;

/*
 * Shortens `url` for `owner`: puts a new item under a fresh code, on the
 * condition that no item has that code yet (attribute_not_exists), and
 * tries the next salt when the code is taken. Writes the code to `code`
 * and returns the number of codes that were taken.
 */
static int shorten(char code[CODE_LEN + 1], const char *url, const char *owner)
{
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        make_code(code, url, run_salt + (uint64_t)attempt);
        shortener_link link;
        shortener_link_init(&link);
        link.code = ddb_strdup(code);
        link.url = ddb_strdup(url);
        link.owner = ddb_strdup(owner);
        link.created = now();
        int rc = shortener_link_put(&link, shortener_link_code_not_exists());
        shortener_link_clear(&link);
        if (rc == 0) {
            printf("    %s -> %s (%s)%s\n", code, url, owner, attempt > 0 ? ", after a taken code" : "");
            return attempt;
        }
        if (rc != DDB_ECONDITION)
            check(rc, "put");
        printf("    code %s is taken (%s): trying the next one\n", code, ddb_last_error()->aws_type);
    }
    expect(0, "no free code for %s in %d attempts", url, MAX_ATTEMPTS);
    return -1;
}

/*
 * Resolves `code`: one UpdateItem adds 1 to hits and sets last_hit, on the
 * condition that the item exists (an update would otherwise create it),
 * and `link` receives the item as it is after the update. Returns 0, or
 * DDB_ENOTFOUND for an unknown code.
 */
static int resolve(shortener_link *link, const char *code)
{
    shortener_link_clear(link);
    shortener_link_init(link);
    link->code = ddb_strdup(code);
    int rc = shortener_link_update(
        link, shortener_link_action_join(shortener_link_incr_hits(1), shortener_link_set_last_hit(now())),
        shortener_link_code_exists());
    if (rc == DDB_ECONDITION)
        return DDB_ENOTFOUND;
    check(rc, "resolve");
    return 0;
}

static void *resolver(void *arg)
{
    const char *code = arg;
    shortener_link link;
    shortener_link_init(&link);
    for (int i = 0; i < RESOLVES_EACH; i++)
        expect(resolve(&link, code) == 0, "resolving %s in a thread: not found", code);
    shortener_link_clear(&link);
    return NULL;
}

/* Lists the links `owner` made since `since`, newest first, through the
 * by_owner index, expecting `want`; returns how many there are. */
static int list_owner(const char *owner, ddb_time since, int want)
{
    ddb_buf lines = DDB_BUF_INIT;
    int n = 0;
    /* a global index is updated shortly after its table (eventual
     * consistency): read it again for a while when the latest writes are
     * not in it yet */
    for (int round = 0; round < 30; round++) {
        if (round > 0)
            nanosleep(&(struct timespec){0, 100000000L}, NULL);
        ddb_iter *it = NULL;
        check(shortener_link_by_owner_query(&it, owner, shortener_link_by_owner_range_ge(since),
                                            SHORTENER_LINK_NO_COND, DDB_QUERY_OPTS(.descending = true)),
              "query by_owner");
        shortener_link link;
        shortener_link_init(&link);
        ddb_buf_reset(&lines);
        n = 0;
        int rc;
        while ((rc = shortener_link_next(&link, it)) == 1) {
            char when[DDB_TIME_TEXT_SIZE];
            check(ddb_time_format(link.created, when), "format time");
            check(ddb_buf_printf(&lines, "    %s  %s -> %s, %" PRId64 " hits\n", when, link.code, link.url,
                                 link.hits),
                  "format");
            n++;
        }
        check(rc, "query by_owner next");
        ddb_iter_free(it);
        shortener_link_clear(&link);
        if (n >= want)
            break;
    }
    fputs(ddb_buf_cstr(&lines), stdout);
    ddb_buf_free(&lines);
    return n;
}

int main(void)
{
    ddb_client *client = ddb_default_client();
    if (client == NULL)
        check(ddb_last_error()->code, "creating the client");
    printf("ddbc URL shortener: DynamoDB at %s (region %s)\n\n", ddb_client_endpoint(client),
           ddb_client_region(client));
    ddb_time start = now();
    run_salt = (uint64_t)start.sec * 1000003u + (uint64_t)start.usec * 7919u + (uint64_t)getpid();

    printf("1. The table %s, with the global index by_owner\n", shortener_link_model.table);
    ddb_table_opts wait = {.version = DDB_TABLE_OPTS_VERSION, .wait = true, .timeout_ms = 30000};
    bool exists = false;
    check(shortener_link_table_exists(&exists), "table_exists");
    if (exists) {
        printf("    exists already: using it\n");
    } else {
        int rc = shortener_link_create_table(&wait);
        if (rc == DDB_EINUSE) { /* created meanwhile by someone else */
            printf("    created meanwhile by someone else: using it\n");
        } else {
            check(rc, "create_table");
            printf("    created (it is ACTIVE)\n");
        }
    }

    printf("\n2. Shorten URLs (each code is created only if it is free)\n");
    char docs[CODE_LEN + 1], repo[CODE_LEN + 1], pep[CODE_LEN + 1], bob_docs[CODE_LEN + 1],
        bob_blog[CODE_LEN + 1];
    shorten(docs, "https://pynamodb.readthedocs.io/en/stable/", "ann");
    shorten(repo, "https://github.com/pynamodb/PynamoDB", "ann");
    shorten(pep, "https://peps.python.org/pep-0020/", "ann");
    shorten(bob_blog, "https://example.com/bob/2026/12/a-very-long-title-that-nobody-wants-to-type", "bob");
    /* the same URL again gives the same first code: it is taken, so bob's
     * link gets the code of the next salt */
    int taken = shorten(bob_docs, "https://pynamodb.readthedocs.io/en/stable/", "bob");
    expect(taken >= 1, "shortening a URL twice found no taken code");
    expect(strcmp(docs, bob_docs) != 0, "two links share the code %s", docs);

    printf("\n3. Resolve codes: each resolve is one atomic update (hits + 1)\n");
    shortener_link link;
    shortener_link_init(&link);
    for (int i = 1; i <= 3; i++) {
        check(resolve(&link, repo), "resolve");
        printf("    %s -> %s, hit %" PRId64 "\n", link.code, link.url, link.hits);
        expect(link.hits == i, "%s has %" PRId64 " hits after %d resolves", repo, link.hits, i);
        expect(strcmp(link.url, "https://github.com/pynamodb/PynamoDB") == 0, "%s resolved to %s", repo,
               link.url);
    }

    printf("\n4. %d threads resolve %s %d times each at once: no hit is lost\n", RESOLVERS, docs, RESOLVES_EACH);
    pthread_t th[RESOLVERS];
    for (int i = 0; i < RESOLVERS; i++)
        expect(pthread_create(&th[i], NULL, resolver, docs) == 0, "pthread_create");
    for (int i = 0; i < RESOLVERS; i++)
        pthread_join(th[i], NULL);
    check(shortener_link_get(&link, docs, DDB_GET_OPTS(.consistent_read = true)), "get");
    printf("    %s has %" PRId64 " hits\n", docs, link.hits);
    expect(link.hits == RESOLVERS * RESOLVES_EACH, "%s has %" PRId64 " hits, not %d", docs, link.hits,
           RESOLVERS * RESOLVES_EACH);
    expect(link.has_last_hit, "%s has no last_hit", docs);

    printf("\n5. Unknown codes\n");
    int rc = resolve(&link, "nOtAcOd");
    printf("    resolving nOtAcOd: %s (the update's condition failed: nothing was created)\n", ddb_code_name(rc));
    expect(rc == DDB_ENOTFOUND, "resolving an unknown code gave %s", ddb_code_name(rc));
    rc = shortener_link_get(&link, "nOtAcOd", NULL);
    printf("    getting nOtAcOd: %s\n", ddb_code_name(rc));
    expect(rc == DDB_ENOTFOUND, "getting an unknown code gave %s", ddb_code_name(rc));

    printf("\n6. The links of each owner, newest first (the by_owner index)\n");
    printf("    ann:\n");
    int n = list_owner("ann", start, 3);
    expect(n == 3, "ann has %d links, not 3", n);
    printf("    bob:\n");
    n = list_owner("bob", start, 2);
    expect(n == 2, "bob has %d links, not 2", n);

    printf("\n7. Delete a link, only as its owner\n");
    check(shortener_link_get(&link, bob_blog, NULL), "get");
    rc = shortener_link_delete(&link, shortener_link_owner_eq("ann"));
    printf("    ann deleting %s: %s\n", bob_blog, ddb_code_name(rc));
    expect(rc == DDB_ECONDITION, "ann deleted bob's link: %s", ddb_code_name(rc));
    check(shortener_link_delete(&link, shortener_link_owner_eq("bob")), "delete");
    printf("    bob deleting %s: done\n", bob_blog);
    bool there = true;
    check(shortener_link_exists(&there, bob_blog, DDB_GET_OPTS(.consistent_read = true)), "exists");
    expect(!there, "%s is still there", bob_blog);
    shortener_link_clear(&link);

    printf("\n8. Delete the table\n");
    check(shortener_link_delete_table(&wait), "delete_table");
    printf("    done.\n");
    ddb_default_client_set(NULL);
    return 0;
}
