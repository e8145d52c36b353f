/*
 * sigv4.c - AWS Signature Version 4 header signing and the signing-key cache.
 *
 * One signature streams the canonical request through SHA-256 in chunks
 * (it is never built whole), formats the string to sign on the stack and
 * takes the signing key from the cache. Path segments, query parameters and
 * headers are sorted as spans over the caller's strings, and libcrypto's
 * contexts live in a per-thread workspace: a warm signature makes no
 * allocation of its own (libcrypto's context copies still make two).
 */
#include "feature_macros.h" /* first: feature-test macros before any system header */

#include "ddb/sigv4.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ddb/error.h"

enum {
    SHA256_LEN = 32,
    HEX_LEN = 2 * SHA256_LEN,
    HMAC_BLOCK = 64,
    DATE_LEN = 16, /* YYYYMMDDTHHMMSSZ */
    DAY_LEN = 8,   /* YYYYMMDD */
    CACHE_SLOTS = 16,
    SORT_ELEM_MAX = 32,
};

#define ALGORITHM "AWS4-HMAC-SHA256"
#define TERMINATOR "aws4_request"
#define LIT(s) s, (sizeof s - 1)
/* DAY/region/service/aws4_request plus its NUL */
#define SCOPE_MAX (DAY_LEN + 2 * (DDB_SIGV4_MAX_NAME_LEN + 1) + sizeof "/" TERMINATOR)

/* ---- small string helpers ------------------------------------------------ */

typedef struct span {
    const char *p;
    size_t n;
} span;

static const char hex_upper[] = "0123456789ABCDEF";

static unsigned char lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

static bool is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.' || c == '~';
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)lower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static bool span_is(span s, const char *text)
{
    return strlen(text) == s.n && memcmp(s.p, text, s.n) == 0;
}

/* Copies n bytes to dst + at and returns the new length. Only used where
 * the destination was sized (or checked) for everything written. */
static size_t cat(char *dst, size_t at, const char *src, size_t n)
{
    memcpy(dst + at, src, n);
    return at + n;
}

/* Lowercase hex (written arithmetically: a table lookup does not vectorise). */
static void hex_encode(const unsigned char *restrict bytes, size_t len, char *restrict out)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char hi = bytes[i] >> 4, lo = bytes[i] & 15;
        out[2 * i] = (char)(hi + (hi < 10 ? '0' : 'a' - 10));
        out[2 * i + 1] = (char)(lo + (lo < 10 ? '0' : 'a' - 10));
    }
    out[2 * len] = '\0';
}

/* Stable insertion sort: the arrays are short (a few headers or query
 * parameters), and stability keeps repeated header names in given order. */
static void sort_small(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
    unsigned char *a = base;
    unsigned char held[SORT_ELEM_MAX];
    for (size_t i = 1; i < n; i++) {
        size_t j = i;
        memcpy(held, a + i * size, size);
        for (; j > 0 && cmp(a + (j - 1) * size, held) > 0; j--)
            memcpy(a + j * size, a + (j - 1) * size, size);
        memcpy(a + j * size, held, size);
    }
}

/* ---- SHA-256, HMAC and the per-thread workspace ------------------------- */

/*
 * Per-thread workspace, so that signing does not allocate per call: the
 * digest context every hash of the thread reuses, and the HMAC state of the
 * last 32-byte key (key^ipad and key^opad already hashed, as the same
 * signing key serves a whole day of requests). Wiped and freed when the
 * thread exits; the main thread's lives until the process ends.
 */
typedef struct workspace {
    EVP_MD_CTX *md;
    EVP_MD_CTX *inner, *outer; /* SHA-256 after key^ipad, key^opad */
    bool prepared;             /* inner/outer hold the pads of `key` */
    unsigned char key[SHA256_LEN];
    bool day_known; /* day_text is the date of `day` */
    int64_t day;    /* days since 1970-01-01 */
    char day_text[DAY_LEN + 1];
} workspace;

static EVP_MD *sha256_md; /* fetched once: an implicit fetch per digest costs more than the hashing */
static pthread_key_t workspace_key;
static bool workspace_key_ok;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void workspace_free(void *p)
{
    workspace *ws = p;
    EVP_MD_CTX_free(ws->md);
    EVP_MD_CTX_free(ws->inner); /* libcrypto wipes digest state it frees */
    EVP_MD_CTX_free(ws->outer);
    OPENSSL_cleanse(ws, sizeof *ws);
    free(ws);
}

static void init_crypto(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
    workspace_key_ok = pthread_key_create(&workspace_key, workspace_free) == 0;
}

static int crypto_failed(void)
{
    return ddb_error_set(DDB_ENOMEM, "SigV4: libcrypto SHA-256 failed");
}

static workspace *workspace_new(void)
{
    workspace *ws = calloc(1, sizeof *ws);
    if (ws != NULL) {
        ws->md = EVP_MD_CTX_new();
        ws->inner = EVP_MD_CTX_new();
        ws->outer = EVP_MD_CTX_new();
    }
    if (ws == NULL || ws->md == NULL || ws->inner == NULL || ws->outer == NULL ||
        pthread_setspecific(workspace_key, ws) != 0) {
        if (ws != NULL)
            workspace_free(ws);
        ddb_error_set(DDB_ENOMEM, "SigV4: out of memory creating the thread's signing workspace");
        return NULL;
    }
    return ws;
}

/* The calling thread's workspace, created on first use; NULL (recorded)
 * when memory, thread-local storage or libcrypto's SHA-256 is missing. */
static workspace *workspace_get(void)
{
    pthread_once(&init_once, init_crypto);
    if (sha256_md == NULL || !workspace_key_ok) {
        ddb_error_set(DDB_ENOMEM, "SigV4: libcrypto SHA-256 or thread-local storage is unavailable");
        return NULL;
    }
    workspace *ws = pthread_getspecific(workspace_key);
    return ws != NULL ? ws : workspace_new();
}

/* out = SHA-256(a || b); either part may be empty (and then NULL). */
static int sha256_two(EVP_MD_CTX *ctx, const void *a, size_t a_len, const void *b, size_t b_len,
                      unsigned char out[SHA256_LEN])
{
    if (EVP_DigestInit_ex2(ctx, sha256_md, NULL) != 1 || EVP_DigestUpdate(ctx, a, a_len) != 1 ||
        EVP_DigestUpdate(ctx, b, b_len) != 1 || EVP_DigestFinal_ex(ctx, out, NULL) != 1)
        return crypto_failed();
    return 0;
}

static int sha256_hex_ctx(EVP_MD_CTX *ctx, const void *data, size_t len, char out[HEX_LEN + 1])
{
    unsigned char digest[SHA256_LEN];
    int rc = sha256_two(ctx, data, len, NULL, 0, digest);
    if (rc == 0)
        hex_encode(digest, SHA256_LEN, out);
    return rc;
}

/* Hashes key^ipad into ws->inner and key^opad into ws->outer (RFC 2104). */
static int hmac_prepare(workspace *ws, const void *key, size_t key_len)
{
    unsigned char block[HMAC_BLOCK] = {0}, ipad[HMAC_BLOCK], opad[HMAC_BLOCK];
    int rc = 0;
    if (key_len > HMAC_BLOCK)
        rc = sha256_two(ws->md, key, key_len, NULL, 0, block);
    else
        memcpy(block, key, key_len);
    for (size_t i = 0; i < HMAC_BLOCK; i++) {
        ipad[i] = block[i] ^ 0x36;
        opad[i] = block[i] ^ 0x5c;
    }
    if (rc == 0 &&
        (EVP_DigestInit_ex2(ws->inner, sha256_md, NULL) != 1 || EVP_DigestUpdate(ws->inner, ipad, HMAC_BLOCK) != 1 ||
         EVP_DigestInit_ex2(ws->outer, sha256_md, NULL) != 1 || EVP_DigestUpdate(ws->outer, opad, HMAC_BLOCK) != 1))
        rc = crypto_failed();
    ws->prepared = rc == 0 && key_len == SHA256_LEN;
    if (ws->prepared)
        memcpy(ws->key, key, SHA256_LEN);
    OPENSSL_cleanse(block, sizeof block);
    OPENSSL_cleanse(ipad, sizeof ipad);
    OPENSSL_cleanse(opad, sizeof opad);
    return rc;
}

/* out = SHA-256 of `state`'s input followed by data (state unchanged). */
static int sha256_resume(EVP_MD_CTX *ctx, const EVP_MD_CTX *state, const void *data, size_t len,
                         unsigned char out[SHA256_LEN])
{
    if (EVP_MD_CTX_copy_ex(ctx, state) != 1 || EVP_DigestUpdate(ctx, data, len) != 1 ||
        EVP_DigestFinal_ex(ctx, out, NULL) != 1)
        return crypto_failed();
    return 0;
}

/*
 * HMAC-SHA256 (RFC 2104) on the workspace, skipping the pads when the key
 * is the one of the previous call. OpenSSL 3's HMAC() and EVP_MAC fetch and
 * allocate on every call, which costs more than the rest of a signature.
 * `out` may alias `key`.
 */
static int hmac_sha256(workspace *ws, const void *key, size_t key_len, const void *msg, size_t msg_len,
                       unsigned char out[SHA256_LEN])
{
    int rc = 0;
    if (!ws->prepared || key_len != SHA256_LEN || memcmp(ws->key, key, SHA256_LEN) != 0)
        rc = hmac_prepare(ws, key, key_len);
    unsigned char inner[SHA256_LEN];
    if (rc == 0)
        rc = sha256_resume(ws->md, ws->inner, msg, msg_len, inner);
    if (rc == 0)
        rc = sha256_resume(ws->md, ws->outer, inner, SHA256_LEN, out);
    OPENSSL_cleanse(inner, sizeof inner);
    return rc;
}

void ddb_sha256_hex(char out[65], const void *data, size_t len)
{
    workspace *ws = workspace_get();
    if (ws == NULL || sha256_hex_ctx(ws->md, data, len, out) != 0)
        out[0] = '\0';
}

/* ---- signing-key cache --------------------------------------------------- */

typedef struct cache_slot {
    uint64_t last_used; /* 0: empty */
    size_t secret_len;
    char secret[DDB_SIGV4_MAX_KEY_LEN];
    char scope[SCOPE_MAX];
    unsigned char key[SHA256_LEN];
} cache_slot;

struct ddb_sigv4_cache {
    pthread_mutex_t lock;
    uint64_t clock; /* source of last_used stamps */
    uint64_t hits, misses;
    cache_slot slot[CACHE_SLOTS];
};

ddb_sigv4_cache *ddb_sigv4_cache_new(void)
{
    ddb_sigv4_cache *c = calloc(1, sizeof *c);
    if (c == NULL || pthread_mutex_init(&c->lock, NULL) != 0) {
        free(c);
        ddb_error_set(DDB_ENOMEM, "SigV4: out of memory creating a signing-key cache");
        return NULL;
    }
    return c;
}

void ddb_sigv4_cache_free(ddb_sigv4_cache *cache)
{
    if (cache == NULL)
        return;
    pthread_mutex_destroy(&cache->lock);
    OPENSSL_cleanse(cache, sizeof *cache);
    free(cache);
}

void ddb_sigv4_cache_stats(uint64_t *hits, uint64_t *misses, ddb_sigv4_cache *cache)
{
    uint64_t h = 0, m = 0;
    if (cache != NULL) {
        pthread_mutex_lock(&cache->lock);
        h = cache->hits;
        m = cache->misses;
        pthread_mutex_unlock(&cache->lock);
    }
    if (hits != NULL)
        *hits = h;
    if (misses != NULL)
        *misses = m;
}

/* The slot for (secret, scope), or NULL. Caller holds the lock. */
static cache_slot *cache_find(ddb_sigv4_cache *c, span secret, const char *scope)
{
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        cache_slot *s = &c->slot[i];
        if (s->last_used != 0 && s->secret_len == secret.n && strcmp(s->scope, scope) == 0 &&
            memcmp(s->secret, secret.p, secret.n) == 0)
            return s;
    }
    return NULL;
}

static bool cache_get(ddb_sigv4_cache *c, span secret, const char *scope, unsigned char key[SHA256_LEN])
{
    pthread_mutex_lock(&c->lock);
    cache_slot *s = cache_find(c, secret, scope);
    if (s != NULL) {
        s->last_used = ++c->clock;
        memcpy(key, s->key, SHA256_LEN);
        c->hits++;
    } else {
        c->misses++;
    }
    pthread_mutex_unlock(&c->lock);
    return s != NULL;
}

/* Stores a derived key over the least recently used slot (unless another
 * thread stored the same key meanwhile). */
static void cache_put(ddb_sigv4_cache *c, span secret, const char *scope, const unsigned char key[SHA256_LEN])
{
    pthread_mutex_lock(&c->lock);
    if (cache_find(c, secret, scope) == NULL) {
        cache_slot *victim = &c->slot[0];
        for (size_t i = 1; i < CACHE_SLOTS; i++)
            if (c->slot[i].last_used < victim->last_used)
                victim = &c->slot[i];
        OPENSSL_cleanse(victim, sizeof *victim);
        memcpy(victim->secret, secret.p, secret.n);
        victim->secret_len = secret.n;
        memcpy(victim->scope, scope, strlen(scope) + 1);
        memcpy(victim->key, key, SHA256_LEN);
        victim->last_used = ++c->clock;
    }
    pthread_mutex_unlock(&c->lock);
}

/* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" secret, day), region), service), "aws4_request") */
static int derive_key(workspace *ws, span secret, const char *day, const ddb_sigv4_params *params,
                      unsigned char key[SHA256_LEN])
{
    char seed[4 + DDB_SIGV4_MAX_KEY_LEN];
    size_t seed_len = cat(seed, cat(seed, 0, LIT("AWS4")), secret.p, secret.n);
    int rc = hmac_sha256(ws, seed, seed_len, day, DAY_LEN, key);
    if (rc == 0)
        rc = hmac_sha256(ws, key, SHA256_LEN, params->region, strlen(params->region), key);
    if (rc == 0)
        rc = hmac_sha256(ws, key, SHA256_LEN, params->service, strlen(params->service), key);
    if (rc == 0)
        rc = hmac_sha256(ws, key, SHA256_LEN, LIT(TERMINATOR), key);
    OPENSSL_cleanse(seed, sizeof seed);
    return rc;
}

/* ---- one signature ------------------------------------------------------- */

typedef struct sig_header {
    const char *lname; /* lowercase name, inside signing.lnames */
    size_t name_len;
    const char *value;
    bool first; /* first (after sorting) of the headers with this name */
} sig_header;

/* Headers that signing treats specially, noted as they are collected. */
enum { H_HOST, H_DATE, H_TOKEN, H_CONTENT_SHA256, H_AUTHORIZATION, H_SPECIAL };
static const span special_names[H_SPECIAL] = {
    [H_HOST] = {LIT("host")},
    [H_DATE] = {LIT("x-amz-date")},
    [H_TOKEN] = {LIT("x-amz-security-token")},
    [H_CONTENT_SHA256] = {LIT("x-amz-content-sha256")},
    [H_AUTHORIZATION] = {LIT("authorization")},
};

typedef struct query_param {
    span key, value;
} query_param;

_Static_assert(sizeof(sig_header) <= SORT_ELEM_MAX && sizeof(query_param) <= SORT_ELEM_MAX,
               "sort_small holds one element on the stack");

typedef struct signing {
    const ddb_sigv4_params *params;
    const ddb_credentials *creds;
    const ddb_sigv4_request *req;
    ddb_sigv4_result *out;
    workspace *ws;
    const char *date;         /* the X-Amz-Date value signed */
    const char *payload_hash; /* req->payload_hash or payload_hex */
    char payload_hex[HEX_LEN + 1];
    char scope[SCOPE_MAX];
    size_t scope_len;
    span signed_headers;            /* inside out->authorization */
    const char *special[H_SPECIAL]; /* value of a header with that name, or NULL */
    size_t n_headers;
    sig_header headers[DDB_SIGV4_MAX_HEADERS + 3]; /* + the three signing adds */
    size_t lnames_len;
    char lnames[1024];
} signing;

/* Writes the canonical request into a SHA-256 digest (and a debug copy)
 * through a chunk buffer; the first failure is kept in rc. */
typedef struct creq_sink {
    EVP_MD_CTX *md;
    ddb_buf *debug;
    int rc;
    size_t used;
    char chunk[1024];
} creq_sink;

static void sink_flush(creq_sink *s)
{
    if (s->rc == 0 && EVP_DigestUpdate(s->md, s->chunk, s->used) != 1)
        s->rc = crypto_failed();
    if (s->rc == 0 && s->debug != NULL)
        s->rc = ddb_buf_append(s->debug, s->chunk, s->used);
    s->used = 0;
}

static void sink_put(creq_sink *s, const char *p, size_t n)
{
    while (n > sizeof s->chunk - s->used) {
        size_t room = sizeof s->chunk - s->used;
        memcpy(s->chunk + s->used, p, room);
        s->used += room;
        p += room;
        n -= room;
        sink_flush(s);
    }
    if (n != 0)
        memcpy(s->chunk + s->used, p, n);
    s->used += n;
}

static void sink_putc(creq_sink *s, char c)
{
    if (s->used == sizeof s->chunk)
        sink_flush(s);
    s->chunk[s->used++] = c;
}

/*
 * Reads text as the bytes of its RFC 3986 encoding: unreserved bytes as
 * themselves, every other byte as %XX. With `decode`, %XX escapes in the
 * text are decoded first, so encoded and raw spellings canonicalise alike.
 */
typedef struct enc_iter {
    const char *p, *end;
    bool decode;
    unsigned tail_len; /* hex digits of a %XX still to return */
    char tail[2];
} enc_iter;

static enc_iter enc_start(span text, bool decode)
{
    return (enc_iter){.p = text.p, .end = text.p + text.n, .decode = decode};
}

/* The next encoded byte, or -1 at the end. */
static int enc_next(enc_iter *it)
{
    if (it->tail_len > 0)
        return it->tail[2 - it->tail_len--];
    if (it->p == it->end)
        return -1;
    unsigned char c = (unsigned char)*it->p++;
    if (it->decode && c == '%' && it->end - it->p >= 2 && hex_value(it->p[0]) >= 0 && hex_value(it->p[1]) >= 0) {
        c = (unsigned char)(hex_value(it->p[0]) << 4 | hex_value(it->p[1]));
        it->p += 2;
    }
    if (is_unreserved(c))
        return c;
    it->tail[0] = hex_upper[c >> 4];
    it->tail[1] = hex_upper[c & 15];
    it->tail_len = 2;
    return '%';
}

static void sink_put_encoded(creq_sink *s, span text, bool decode)
{
    enc_iter it = enc_start(text, decode);
    for (int c = enc_next(&it); c >= 0; c = enc_next(&it))
        sink_putc(s, (char)c);
}

/* Compares the canonical (decoded, re-encoded) forms of two strings. */
static int enc_cmp(span a, span b)
{
    enc_iter x = enc_start(a, true), y = enc_start(b, true);
    for (;;) {
        int cx = enc_next(&x), cy = enc_next(&y);
        if (cx != cy || cx < 0)
            return cx - cy;
    }
}

/* Segments of `path` with empty and "." segments dropped and ".." applied
 * (RFC 3986 remove_dot_segments, plus collapsing "//" as AWS requires). */
static int split_path(const char *path, span seg[], size_t *n_seg)
{
    size_t n = 0;
    for (const char *p = path; *p != '\0';) {
        span s = {p, strcspn(p, "/")};
        if (span_is(s, "..")) {
            if (n > 0)
                n--;
        } else if (s.n > 0 && !span_is(s, ".")) {
            if (n == DDB_SIGV4_MAX_PATH_SEGMENTS)
                return ddb_error_set(DDB_EINVAL, "SigV4: path has more than %d segments", DDB_SIGV4_MAX_PATH_SEGMENTS);
            seg[n++] = s;
        }
        p += s.n + (p[s.n] == '/');
    }
    *n_seg = n;
    return 0;
}

static int put_path(creq_sink *s, const char *path, bool s3_mode)
{
    if (path == NULL || *path == '\0')
        path = "/";
    size_t len = strlen(path);
    if (s3_mode) {
        sink_put(s, path, len);
        return 0;
    }
    span seg[DDB_SIGV4_MAX_PATH_SEGMENTS];
    size_t n = 0;
    int rc = split_path(path, seg, &n);
    if (rc != 0)
        return rc;
    sink_putc(s, '/');
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            sink_putc(s, '/');
        sink_put_encoded(s, seg[i], false);
    }
    if (n > 0 && path[len - 1] == '/')
        sink_putc(s, '/');
    return 0;
}

static int param_cmp(const void *a, const void *b)
{
    const query_param *x = a, *y = b;
    int c = enc_cmp(x->key, y->key);
    return c != 0 ? c : enc_cmp(x->value, y->value);
}

static int split_query(const char *query, query_param params[], size_t *n_params)
{
    size_t n = 0;
    for (const char *p = query; *p != '\0';) {
        size_t len = strcspn(p, "&");
        if (len > 0) {
            if (n == DDB_SIGV4_MAX_QUERY_PARAMS)
                return ddb_error_set(DDB_EINVAL, "SigV4: query has more than %d parameters",
                                     DDB_SIGV4_MAX_QUERY_PARAMS);
            const char *eq = memchr(p, '=', len);
            size_t key_len = eq != NULL ? (size_t)(eq - p) : len;
            params[n].key = (span){p, key_len};
            params[n].value = eq != NULL ? (span){eq + 1, len - key_len - 1} : (span){"", 0};
            n++;
        }
        p += len + (p[len] == '&');
    }
    *n_params = n;
    return 0;
}

static int put_query(creq_sink *s, const char *query)
{
    if (query == NULL)
        return 0;
    query_param params[DDB_SIGV4_MAX_QUERY_PARAMS];
    size_t n = 0;
    int rc = split_query(query, params, &n);
    if (rc != 0)
        return rc;
    sort_small(params, n, sizeof params[0], param_cmp);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            sink_putc(s, '&');
        sink_put_encoded(s, params[i].key, true);
        sink_putc(s, '=');
        sink_put_encoded(s, params[i].value, true);
    }
    return 0;
}

/* The value trimmed, with each inner run of whitespace as one space. */
static void put_trimmed(creq_sink *s, const char *v)
{
    static const char spaces[] = " \t\r\n\v\f";
    for (bool first = true;; first = false) {
        v += strspn(v, spaces);
        if (*v == '\0')
            return;
        size_t word = strcspn(v, spaces);
        if (!first)
            sink_putc(s, ' ');
        sink_put(s, v, word);
        v += word;
    }
}

static int name_cmp(const sig_header *a, const sig_header *b)
{
    int c = memcmp(a->lname, b->lname, a->name_len < b->name_len ? a->name_len : b->name_len);
    return c != 0 ? c : (a->name_len > b->name_len) - (a->name_len < b->name_len);
}

static int header_cmp(const void *a, const void *b)
{
    return name_cmp(a, b);
}

/* "name:value,value\n" per name; values trimmed, in their given order. */
static void put_headers(creq_sink *s, const signing *sg)
{
    for (size_t i = 0; i < sg->n_headers; i++) {
        const sig_header *h = &sg->headers[i];
        if (h->first && i > 0)
            sink_putc(s, '\n');
        if (h->first) {
            sink_put(s, h->lname, h->name_len);
            sink_putc(s, ':');
        } else {
            sink_putc(s, ',');
        }
        put_trimmed(s, h->value);
    }
    sink_putc(s, '\n');
}

/* SHA-256 hex of the canonical request; the request itself goes to debug. */
static int hash_canonical_request(const signing *sg, ddb_buf *debug, char hex[HEX_LEN + 1])
{
    creq_sink s; /* not zero-initialised: the chunk needs no clearing */
    s.md = sg->ws->md;
    s.debug = debug;
    s.rc = 0;
    s.used = 0;
    if (EVP_DigestInit_ex2(sg->ws->md, sha256_md, NULL) != 1)
        return crypto_failed();
    sink_put(&s, sg->req->method, strlen(sg->req->method));
    sink_putc(&s, '\n');
    int rc = put_path(&s, sg->req->path, sg->params->s3_mode);
    sink_putc(&s, '\n');
    if (rc == 0)
        rc = put_query(&s, sg->req->query);
    if (rc != 0)
        return rc;
    sink_putc(&s, '\n');
    put_headers(&s, sg);
    sink_putc(&s, '\n');
    sink_put(&s, sg->signed_headers.p, sg->signed_headers.n);
    sink_putc(&s, '\n');
    sink_put(&s, sg->payload_hash, strlen(sg->payload_hash));
    sink_flush(&s);
    unsigned char digest[SHA256_LEN];
    if (s.rc == 0 && EVP_DigestFinal_ex(sg->ws->md, digest, NULL) != 1)
        s.rc = crypto_failed();
    if (s.rc == 0)
        hex_encode(digest, SHA256_LEN, hex);
    return s.rc;
}

/* Printable ASCII without whitespace, '/' or ',' (it goes into the
 * credential scope of the Authorization header), at most `max` bytes. */
static int check_word(const char *what, const char *s, size_t max)
{
    if (s == NULL || *s == '\0')
        return ddb_error_set(DDB_EINVAL, "SigV4: %s is missing", what);
    size_t n = 0;
    for (; s[n] != '\0'; n++) {
        unsigned char c = (unsigned char)s[n];
        if (c <= ' ' || c >= 0x7f || c == '/' || c == ',')
            return ddb_error_set(DDB_EINVAL, "SigV4: %s has a character not allowed there at byte %zu", what, n);
    }
    if (n > max)
        return ddb_error_set(DDB_EINVAL, "SigV4: %s is longer than %zu bytes", what, max);
    return 0;
}

static int check_inputs(const ddb_sigv4_params *params, const ddb_credentials *creds, const ddb_sigv4_request *req)
{
    if (params == NULL || creds == NULL || req == NULL)
        return ddb_error_set(DDB_EINVAL, "SigV4: params, credentials and request are required");
    int rc = check_word("region", params->region, DDB_SIGV4_MAX_NAME_LEN);
    if (rc == 0)
        rc = check_word("service", params->service, DDB_SIGV4_MAX_NAME_LEN);
    if (rc == 0)
        rc = check_word("access key id", creds->access_key_id, DDB_SIGV4_MAX_KEY_LEN);
    if (rc == 0)
        rc = check_word("method", req->method, DDB_SIGV4_MAX_NAME_LEN);
    if (rc != 0)
        return rc;
    const char *secret = creds->secret_access_key;
    if (secret == NULL || *secret == '\0' || strlen(secret) > DDB_SIGV4_MAX_KEY_LEN)
        return ddb_error_set(DDB_EINVAL, "SigV4: secret access key is missing or longer than %d bytes",
                             DDB_SIGV4_MAX_KEY_LEN);
    if (req->payload_hash != NULL && strlen(req->payload_hash) > HEX_LEN)
        return ddb_error_set(DDB_EINVAL, "SigV4: payload hash is longer than %d characters", HEX_LEN);
    if (req->payload == NULL && req->payload_len != 0)
        return ddb_error_set(DDB_EINVAL, "SigV4: payload is NULL but payload_len is %zu", req->payload_len);
    if (req->headers == NULL && req->n_headers != 0)
        return ddb_error_set(DDB_EINVAL, "SigV4: headers is NULL but n_headers is %zu", req->n_headers);
    if (req->n_headers > DDB_SIGV4_MAX_HEADERS)
        return ddb_error_set(DDB_EINVAL, "SigV4: %zu headers to sign, at most %d supported", req->n_headers,
                             DDB_SIGV4_MAX_HEADERS);
    return 0;
}

/* Adds a header to sign, its name lowercased into sg->lnames. */
static int add_header(signing *sg, const char *name, const char *value)
{
    size_t n = strlen(name);
    if (n > sizeof sg->lnames - sg->lnames_len)
        return ddb_error_set(DDB_EINVAL, "SigV4: header names take more than %zu bytes", sizeof sg->lnames);
    char *lname = sg->lnames + sg->lnames_len;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c <= ' ' || c == ':' || c >= 0x7f)
            return ddb_error_set(DDB_EINVAL, "SigV4: header \"%s\" has an invalid name", name);
        lname[i] = (char)lower(c);
    }
    if (n == 0)
        return ddb_error_set(DDB_EINVAL, "SigV4: a header has an invalid name (empty)");
    sg->lnames_len += n;
    sg->headers[sg->n_headers++] = (sig_header){.lname = lname, .name_len = n, .value = value};
    for (size_t k = 0; k < H_SPECIAL; k++)
        if (n == special_names[k].n && memcmp(lname, special_names[k].p, n) == 0)
            sg->special[k] = value;
    return 0;
}

static int collect_headers(signing *sg)
{
    const ddb_sigv4_request *req = sg->req;
    for (size_t i = 0; i < req->n_headers; i++) {
        const ddb_header *h = &req->headers[i];
        if (h->name == NULL || h->value == NULL)
            return ddb_error_set(DDB_EINVAL, "SigV4: header %zu has an invalid name or no value", i);
        int rc = add_header(sg, h->name, h->value);
        if (rc != 0)
            return rc;
    }
    if (sg->special[H_AUTHORIZATION] != NULL)
        return ddb_error_set(DDB_EINVAL, "SigV4: Authorization must not be among the headers to sign");
    if (sg->special[H_HOST] == NULL)
        return ddb_error_set(DDB_EINVAL, "SigV4: the request has no Host header");
    return 0;
}

static void put_date_digits(char *p, int value, int width)
{
    for (int i = width - 1; i >= 0; i--, value /= 10)
        p[i] = (char)('0' + value % 10);
}

/*
 * YYYYMMDDTHHMMSSZ. The date part comes from gmtime_r once a day per
 * thread (it takes a process-wide lock in glibc); the time of day is
 * plain arithmetic.
 */
static int format_date(workspace *ws, time_t t, char out[DATE_LEN + 1])
{
    int64_t day = (int64_t)(t / 86400) - (t % 86400 < 0);
    int64_t second = (int64_t)t - day * 86400;
    if (!ws->day_known || ws->day != day) {
        struct tm tm;
        if (gmtime_r(&t, &tm) == NULL || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900)
            return ddb_error_set(DDB_EINVAL, "SigV4: signing time %lld is out of range", (long long)t);
        put_date_digits(ws->day_text, tm.tm_year + 1900, 4);
        put_date_digits(ws->day_text + 4, tm.tm_mon + 1, 2);
        put_date_digits(ws->day_text + 6, tm.tm_mday, 2);
        ws->day = day;
        ws->day_known = true;
    }
    memcpy(out, ws->day_text, DAY_LEN);
    out[8] = 'T';
    put_date_digits(out + 9, (int)(second / 3600), 2);
    put_date_digits(out + 11, (int)(second / 60 % 60), 2);
    put_date_digits(out + 13, (int)(second % 60), 2);
    out[15] = 'Z';
    out[16] = '\0';
    return 0;
}

/* Picks the signing time: the caller's X-Amz-Date, else params->now. */
static int choose_date(signing *sg)
{
    const char *d = sg->special[H_DATE];
    if (d == NULL) {
        int rc = format_date(sg->ws, sg->params->now, sg->out->amz_date);
        if (rc == 0)
            rc = add_header(sg, "x-amz-date", sg->out->amz_date);
        sg->date = sg->out->amz_date;
        return rc;
    }
    for (size_t i = 0; i <= DATE_LEN; i++) {
        bool ok = i == 8 ? d[i] == 'T' : i == 15 ? d[i] == 'Z' : i == 16 ? d[i] == '\0' : d[i] >= '0' && d[i] <= '9';
        if (!ok)
            return ddb_error_set(DDB_EINVAL, "SigV4: X-Amz-Date \"%s\" is not YYYYMMDDTHHMMSSZ", d);
    }
    sg->date = d;
    return 0;
}

static int choose_payload_hash(signing *sg)
{
    const ddb_sigv4_request *req = sg->req;
    sg->payload_hash = req->payload_hash;
    if (sg->payload_hash == NULL) {
        int rc = sha256_hex_ctx(sg->ws->md, req->payload, req->payload_len, sg->payload_hex);
        if (rc != 0)
            return rc;
        sg->payload_hash = sg->payload_hex;
    }
    if (!sg->params->s3_mode || sg->special[H_CONTENT_SHA256] != NULL)
        return 0;
    strcpy(sg->out->content_sha256, sg->payload_hash);
    return add_header(sg, "x-amz-content-sha256", sg->out->content_sha256);
}

static int add_security_token(signing *sg)
{
    const char *token = sg->creds->session_token;
    if (token == NULL || *token == '\0' || sg->special[H_TOKEN] != NULL)
        return 0;
    sg->out->security_token = token;
    return add_header(sg, "x-amz-security-token", token);
}

/* DAY/region/service/aws4_request (lengths checked by check_inputs). */
static void build_scope(signing *sg)
{
    size_t len = cat(sg->scope, 0, sg->date, DAY_LEN);
    len = cat(sg->scope, len, LIT("/"));
    len = cat(sg->scope, len, sg->params->region, strlen(sg->params->region));
    len = cat(sg->scope, len, LIT("/"));
    len = cat(sg->scope, len, sg->params->service, strlen(sg->params->service));
    len = cat(sg->scope, len, LIT("/" TERMINATOR));
    sg->scope[len] = '\0';
    sg->scope_len = len;
}

/* Sorts the headers and writes "AWS4-HMAC-SHA256 Credential=.../scope,
 * SignedHeaders=a;b;c" into out->authorization, leaving room for the
 * signature. */
static int start_authorization(signing *sg)
{
    const char *akid = sg->creds->access_key_id;
    build_scope(sg);
    sort_small(sg->headers, sg->n_headers, sizeof sg->headers[0], header_cmp);
    size_t list_len = 0;
    for (size_t i = 0; i < sg->n_headers; i++) {
        sig_header *h = &sg->headers[i];
        h->first = i == 0 || name_cmp(h - 1, h) != 0;
        if (h->first)
            list_len += h->name_len + (i > 0);
    }
    size_t total = sizeof ALGORITHM " Credential=/, SignedHeaders=, Signature=" - 1 + strlen(akid) + sg->scope_len +
                   list_len + HEX_LEN;
    if (total >= sizeof sg->out->authorization)
        return ddb_error_set(DDB_EINVAL, "SigV4: Authorization would take %zu bytes, more than %zu", total,
                             sizeof sg->out->authorization - 1);

    char *auth = sg->out->authorization;
    size_t len = cat(auth, 0, LIT(ALGORITHM " Credential="));
    len = cat(auth, len, akid, strlen(akid));
    len = cat(auth, len, LIT("/"));
    len = cat(auth, len, sg->scope, sg->scope_len);
    len = cat(auth, len, LIT(", SignedHeaders="));
    sg->signed_headers = (span){auth + len, list_len};
    for (size_t i = 0; i < sg->n_headers; i++) {
        if (!sg->headers[i].first)
            continue;
        if (i > 0)
            auth[len++] = ';';
        len = cat(auth, len, sg->headers[i].lname, sg->headers[i].name_len);
    }
    auth[len] = '\0';
    return 0;
}

static int signing_key(const signing *sg, ddb_sigv4_cache *cache, unsigned char key[SHA256_LEN])
{
    span secret = {sg->creds->secret_access_key, strlen(sg->creds->secret_access_key)};
    if (cache != NULL && cache_get(cache, secret, sg->scope, key))
        return 0;
    int rc = derive_key(sg->ws, secret, sg->date, sg->params, key);
    if (rc == 0 && cache != NULL)
        cache_put(cache, secret, sg->scope, key);
    return rc;
}

/* Builds the string to sign from the canonical request hash, signs it and
 * appends ", Signature=..." to out->authorization. */
static int finish_authorization(signing *sg, ddb_sigv4_cache *cache, const char *creq_hex, ddb_buf *debug)
{
    char sts[sizeof ALGORITHM + DATE_LEN + 1 + SCOPE_MAX + HEX_LEN];
    size_t len = cat(sts, 0, LIT(ALGORITHM "\n"));
    len = cat(sts, len, sg->date, DATE_LEN);
    len = cat(sts, len, LIT("\n"));
    len = cat(sts, len, sg->scope, sg->scope_len);
    len = cat(sts, len, LIT("\n"));
    len = cat(sts, len, creq_hex, HEX_LEN);
    int rc = 0;
    if (debug != NULL) {
        rc = ddb_buf_puts(debug, "\n----\n");
        if (rc == 0)
            rc = ddb_buf_append(debug, sts, len);
    }
    unsigned char key[SHA256_LEN], signature[SHA256_LEN];
    if (rc == 0)
        rc = signing_key(sg, cache, key);
    if (rc == 0)
        rc = hmac_sha256(sg->ws, key, SHA256_LEN, sts, len, signature);
    OPENSSL_cleanse(key, sizeof key);
    if (rc == 0) {
        char *auth = sg->out->authorization;
        size_t at = cat(auth, strlen(auth), LIT(", Signature="));
        hex_encode(signature, SHA256_LEN, auth + at);
    }
    return rc;
}

static void clear_result(ddb_sigv4_result *out)
{
    out->authorization[0] = '\0';
    out->amz_date[0] = '\0';
    out->content_sha256[0] = '\0';
    out->security_token = NULL;
}

int ddb_sigv4_sign(ddb_sigv4_result *out, ddb_buf *debug, ddb_sigv4_cache *cache,
                   const ddb_sigv4_params *params, const ddb_credentials *creds, const ddb_sigv4_request *req)
{
    if (out == NULL)
        return ddb_error_set(DDB_EINVAL, "SigV4: no result to fill");
    clear_result(out);
    int rc = check_inputs(params, creds, req);
    if (rc != 0)
        return rc;
    signing sg;
    sg.params = params;
    sg.creds = creds;
    sg.req = req;
    sg.out = out;
    sg.n_headers = 0;
    sg.lnames_len = 0;
    memset(sg.special, 0, sizeof sg.special);
    sg.ws = workspace_get();
    if (sg.ws == NULL)
        return DDB_ENOMEM;
    rc = collect_headers(&sg);
    if (rc == 0)
        rc = choose_date(&sg);
    if (rc == 0)
        rc = choose_payload_hash(&sg);
    if (rc == 0)
        rc = add_security_token(&sg);
    if (rc == 0)
        rc = start_authorization(&sg);
    char creq_hex[HEX_LEN + 1];
    if (rc == 0)
        rc = hash_canonical_request(&sg, debug, creq_hex);
    if (rc == 0)
        rc = finish_authorization(&sg, cache, creq_hex, debug);
    if (rc != 0)
        clear_result(out);
    return rc;
}
