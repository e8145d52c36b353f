/*
 * s3_fields.c - S3-backed attributes (ddb_field_codec.s3_bucket;
 * docs/s3.md): the pointer a field stores, the uploads a write makes
 * before it is sent, undoing them when it fails, removing what a write
 * replaced, fetching and verifying bodies on reads, and garbage
 * collection.
 *
 * Object keys: <prefix><table>/<attribute>/<item digest>/<content digest>,
 * digests SHA-256 in hex (the item's, of its canonical key bytes, cut to
 * 32 digits). A key names its content: a body whose digest differs from
 * its key is refused on read, and an object belongs to one item's
 * attribute, so removing it never takes a value from another item.
 */
#include "feature_macros.h" /* first: feature-test macros before any system header */

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "ddb/error.h"
#include "ddb/model.h"
#include "ddb/s3.h"
#include "model_internal.h"
#include "s3_fields.h"

/* Bodies of S3-backed attributes: a value over this is refused. */
#define S3_BODY_MAX ((size_t)64 << 20)

typedef struct pending_body {
    char *key;
    char *body;
    size_t len;
    const char *bucket;
    bool created; /* this write uploaded it (it did not exist) */
} pending_body;

struct ddb_s3_pending {
    pending_body *items;
    size_t n, cap;
};

ddb_s3_pending *ddb_s3_pending_new(void)
{
    ddb_s3_pending *p = calloc(1, sizeof *p);
    if (p == NULL)
        ddb_error_set(DDB_ENOMEM, "out of memory");
    return p;
}

void ddb_s3_pending_free(ddb_s3_pending *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->n; i++) {
        free(p->items[i].key);
        free(p->items[i].body);
    }
    free(p->items);
    free(p);
}

static void hex(char *out, const unsigned char *d, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[2 * n] = '\0';
}

static void sha256_hex(char out[65], const void *data, size_t len)
{
    unsigned char d[32];
    unsigned int n = 0;
    EVP_Digest(data, len, d, &n, EVP_sha256(), NULL);
    hex(out, d, 32);
}

/* "<prefix><table>/<attr>/": where field f's objects live. */
static int field_prefix(ddb_buf *out, const ddb_model *m, const ddb_field *f)
{
    return ddb_buf_printf(out, "%s%s/%s/", f->codec->s3_prefix != NULL ? f->codec->s3_prefix : "", m->table,
                          f->attr) == 0
               ? 0
               : DDB_ENOMEM;
}

int ddb_s3_encode(ddb_av **out, const ddb_field *f, const ddb_codec_env *env, const void *body, size_t len)
{
    *out = NULL;
    if (env == NULL || env->pending == NULL || env->m == NULL || env->item_key == NULL)
        return ddb_error_set(DDB_EINVAL,
                             "attribute %s is stored in S3: write it with a model operation (put), which uploads "
                             "it",
                             f->attr);
    if (len > S3_BODY_MAX)
        return ddb_error_set(DDB_EINVAL, "attribute %s: %zu bytes, over the %zu bytes an S3-backed value may have",
                             f->attr, len, S3_BODY_MAX);
    char item[65], content[65];
    sha256_hex(item, env->item_key, env->item_key_len);
    item[32] = '\0';
    sha256_hex(content, body, len);
    ddb_buf key = DDB_BUF_INIT, pointer = DDB_BUF_INIT;
    int rc = field_prefix(&key, env->m, f);
    if (rc == 0 && ddb_buf_printf(&key, "%s/%s", item, content) != 0)
        rc = DDB_ENOMEM;
    if (rc == 0 && ddb_buf_printf(&pointer, "s3://%s/%s", f->codec->s3_bucket, ddb_buf_cstr(&key)) != 0)
        rc = DDB_ENOMEM;
    ddb_s3_pending *p = env->pending;
    if (rc == 0 && p->n == p->cap) {
        size_t cap = p->cap != 0 ? p->cap * 2 : 4;
        pending_body *grown = realloc(p->items, cap * sizeof *grown);
        if (grown == NULL)
            rc = ddb_error_set(DDB_ENOMEM, "out of memory");
        else {
            p->items = grown;
            p->cap = cap;
        }
    }
    char *copy = rc == 0 ? malloc(len != 0 ? len : 1) : NULL;
    if (rc == 0 && copy == NULL)
        rc = ddb_error_set(DDB_ENOMEM, "out of memory");
    if (rc == 0) {
        if (len != 0)
            memcpy(copy, body, len);
        p->items[p->n++] = (pending_body){ddb_buf_steal(NULL, &key), copy, len, f->codec->s3_bucket, false};
        *out = ddb_av_s(ddb_buf_cstr(&pointer));
        if (*out == NULL)
            rc = DDB_ENOMEM;
    }
    ddb_buf_free(&key);
    ddb_buf_free(&pointer);
    return rc;
}

/* The S3 key of pointer `p` when it is s3://<f's bucket>/<f's prefix>...;
 * NULL (DDB_ETYPE recorded) when it points anywhere else. */
static const char *key_of_pointer(const ddb_field *f, const ddb_model *m, const char *p, size_t len,
                                  ddb_buf *expect)
{
    ddb_buf_reset(expect);
    if (ddb_buf_printf(expect, "s3://%s/", f->codec->s3_bucket) != 0 || field_prefix(expect, m, f) != 0)
        return NULL;
    size_t head = strlen("s3://") + strlen(f->codec->s3_bucket) + 1;
    if (len <= expect->len || memcmp(p, expect->data, expect->len) != 0 || memchr(p, '\0', len) != NULL) {
        ddb_error_set(DDB_ETYPE, "stored S3 pointer \"%.*s\" is not under s3://%s/%s%s/%s/", (int)(len < 200 ? len : 200),
                      p, f->codec->s3_bucket, f->codec->s3_prefix != NULL ? f->codec->s3_prefix : "", m->table,
                      f->attr);
        return NULL;
    }
    return p + head;
}

int ddb_s3_fetch(ddb_buf *out, const ddb_field *f, const ddb_codec_env *env, const ddb_av *stored)
{
    if (env == NULL || env->m == NULL)
        return ddb_error_set(DDB_EINVAL, "attribute %s is stored in S3: read it through its model", f->attr);
    if (stored->type != DDB_AV_S)
        return ddb_error_set(DDB_ETYPE, "stored as %s, expected S (an S3 pointer)", ddb_av_type_tag(stored->type));
    ddb_buf expect = DDB_BUF_INIT;
    const char *key = key_of_pointer(f, env->m, stored->u.str.ptr, stored->u.str.len, &expect);
    ddb_buf_free(&expect);
    if (key == NULL)
        return ddb_last_error()->code;
    /* the pointer must name this item: a pointer copied from another item
     * would bring that item's value */
    if (env->item_key == NULL)
        return ddb_error_set(DDB_ETYPE, "S3 pointer of %s read without the item's key", f->attr);
    char item[65];
    sha256_hex(item, env->item_key, env->item_key_len);
    const char *content_seg = key + strlen(key);
    while (content_seg > key && content_seg[-1] != '/')
        content_seg--; /* the content digest; the item digest is the segment before */
    const char *item_seg = content_seg - 1;
    while (item_seg > key && item_seg[-1] != '/')
        item_seg--;
    if ((size_t)(content_seg - 1 - item_seg) != 32 || memcmp(item_seg, item, 32) != 0)
        return ddb_error_set(DDB_ETYPE, "S3 pointer of %s names another item's object (copied from another item?)",
                             f->attr);
    ddb_client *s3 = ddb_model_s3(env->m);
    if (s3 == NULL)
        return ddb_last_error()->code;
    ddb_s3_bucket b = {s3, f->codec->s3_bucket, false};
    size_t start = out->len;
    int rc = ddb_s3_get(out, &b, key, S3_BODY_MAX);
    if (rc != 0) {
        ddb_error_prefix("fetching s3://%s/%s: ", f->codec->s3_bucket, key);
        return rc == DDB_ENOTFOUND ? ddb_error_set(DDB_ETYPE, "%s (the object is gone)", ddb_last_error()->message)
                                   : rc;
    }
    /* the key names its content: anything else is refused */
    char digest[65];
    sha256_hex(digest, out->data + start, out->len - start);
    const char *slash = strrchr(key, '/');
    if (slash == NULL || strcmp(slash + 1, digest) != 0) {
        out->len = start;
        out->data[start] = '\0';
        return ddb_error_set(DDB_ETYPE, "S3 object s3://%s/%s does not hold the content its key names",
                             f->codec->s3_bucket, key);
    }
    return 0;
}

int ddb_s3_upload(ddb_s3_pending *p, const ddb_model *m)
{
    if (p == NULL || p->n == 0)
        return 0;
    ddb_client *s3 = ddb_model_s3(m);
    if (s3 == NULL)
        return ddb_last_error()->code;
    for (size_t i = 0; i < p->n; i++) {
        pending_body *b = &p->items[i];
        ddb_s3_bucket bucket = {s3, b->bucket, false};
        bool exists = false;
        int rc = ddb_s3_head(&exists, NULL, &bucket, b->key); /* content-addressed: there already */
        if (rc == 0 && !exists) {
            rc = ddb_s3_put(&bucket, b->key, b->body, b->len, NULL);
            b->created = rc == 0;
        }
        if (rc != 0) {
            ddb_error_prefix("uploading s3://%s/%s: ", b->bucket, b->key);
            return rc;
        }
    }
    return 0;
}

void ddb_s3_undo(ddb_s3_pending *p, const ddb_model *m)
{
    if (p == NULL || p->n == 0)
        return;
    ddb_error saved = *ddb_last_error();
    ddb_client *s3 = ddb_model_s3(m);
    for (size_t i = 0; s3 != NULL && i < p->n; i++) {
        if (!p->items[i].created)
            continue;
        ddb_s3_bucket bucket = {s3, p->items[i].bucket, false};
        ddb_s3_delete(&bucket, p->items[i].key); /* what fails here, the GC finds later */
        p->items[i].created = false;
    }
    ddb_error_restore(&saved);
}

bool ddb_model_has_s3(const ddb_model *m)
{
    for (size_t i = 0; i < m->n_fields; i++) {
        if (m->fields[i].codec != NULL && m->fields[i].codec->s3_bucket != NULL)
            return true;
    }
    return false;
}

void ddb_s3_release(const ddb_model *m, const ddb_av *old_item, const ddb_av *new_item)
{
    if (old_item == NULL || old_item->type != DDB_AV_M)
        return;
    ddb_error saved = *ddb_last_error();
    ddb_client *s3 = NULL;
    ddb_buf expect = DDB_BUF_INIT;
    for (size_t i = 0; i < m->n_fields; i++) {
        const ddb_field *f = &m->fields[i];
        if (f->codec == NULL || f->codec->s3_bucket == NULL)
            continue;
        const ddb_av *old = ddb_av_map_get(old_item, f->attr);
        const ddb_av *now = new_item != NULL ? ddb_av_map_get(new_item, f->attr) : NULL;
        if (old == NULL || old->type != DDB_AV_S || (now != NULL && ddb_av_equal(old, now)))
            continue;
        const char *key = key_of_pointer(f, m, old->u.str.ptr, old->u.str.len, &expect);
        if (key == NULL || (s3 == NULL && (s3 = ddb_model_s3(m)) == NULL))
            continue; /* not ours to remove, or no client: the GC */
        ddb_s3_bucket bucket = {s3, f->codec->s3_bucket, false};
        ddb_s3_delete(&bucket, key);
    }
    ddb_buf_free(&expect);
    ddb_error_restore(&saved);
}

/* ---- garbage collection ------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The S3 keys field f's attribute references, collected item by item. */
typedef struct refs_ctx {
    const ddb_model *m;
    const ddb_field *f;
    char **keys;
    size_t n, cap, items;
    ddb_buf expect;
} refs_ctx;

static int collect_ref(const ddb_av *item, void *arg)
{
    refs_ctx *r = arg;
    r->items++;
    const ddb_av *v = ddb_av_map_get(item, r->f->attr);
    const char *key =
        v != NULL && v->type == DDB_AV_S ? key_of_pointer(r->f, r->m, v->u.str.ptr, v->u.str.len, &r->expect) : NULL;
    if (key == NULL)
        return 0;
    if (r->n == r->cap) {
        size_t cap = r->cap != 0 ? r->cap * 2 : 64;
        char **grown = realloc(r->keys, cap * sizeof *grown);
        if (grown == NULL)
            return ddb_error_set(DDB_ENOMEM, "out of memory");
        r->keys = grown;
        r->cap = cap;
    }
    if ((r->keys[r->n] = strdup(key)) == NULL)
        return ddb_error_set(DDB_ENOMEM, "out of memory");
    r->n++;
    return 0;
}

/* Every S3 key f's attribute references in the table, sorted. */
static int referenced_keys(char ***keys, size_t *n, size_t *items, const ddb_model *m, const ddb_field *f)
{
    ddb_client *c = ddb_model_client_for(m, NULL);
    if (c == NULL)
        return ddb_last_error()->code;
    refs_ctx r = {m, f, NULL, 0, 0, 0, DDB_BUF_INIT};
    int rc = ddb_table_each_item(c, m->table, collect_ref, &r);
    ddb_buf_free(&r.expect);
    if (rc == 0 && r.n > 1)
        qsort(r.keys, r.n, sizeof *r.keys, cmp_str);
    *keys = r.keys;
    *n = r.n;
    *items = r.items;
    return rc;
}

/* Deletes the unreferenced, old objects of field f. */
static int collect_field(ddb_s3_gc_stats *st, const ddb_model *m, const ddb_field *f, ddb_client *s3, long grace_s)
{
    char **refs = NULL;
    size_t n_refs = 0, items = 0;
    int rc = referenced_keys(&refs, &n_refs, &items, m, f);
    if (items > st->items)
        st->items = items;
    ddb_buf prefix = DDB_BUF_INIT;
    if (rc == 0)
        rc = field_prefix(&prefix, m, f);
    ddb_s3_bucket bucket = {s3, f->codec->s3_bucket, false};
    time_t now = time(NULL);
    char *token = NULL;
    const char *doomed[1000];
    size_t n_doomed = 0;
    do {
        ddb_s3_listing l;
        if (rc == 0)
            rc = ddb_s3_list(&l, &bucket, ddb_buf_cstr(&prefix), token, 1000);
        if (rc != 0)
            break;
        free(token);
        token = l.next != NULL ? strdup(l.next) : NULL;
        char **kept = calloc(l.n != 0 ? l.n : 1, sizeof *kept);
        size_t n_kept = 0;
        for (size_t i = 0; kept != NULL && i < l.n; i++) {
            st->objects++;
            const char *k = l.objects[i].key;
            if (bsearch(&k, refs, n_refs, sizeof *refs, cmp_str) != NULL)
                st->referenced++;
            else if (now - l.objects[i].last_modified <= grace_s)
                st->young++;
            else
                kept[n_kept++] = strdup(k);
        }
        for (size_t i = 0; rc == 0 && i < n_kept; i++) {
            doomed[n_doomed++] = kept[i];
            if (n_doomed == 1000 || i + 1 == n_kept) {
                size_t deleted = 0;
                rc = ddb_s3_delete_many(&deleted, &bucket, doomed, n_doomed);
                st->deleted += deleted;
                n_doomed = 0;
            }
        }
        for (size_t i = 0; i < n_kept; i++)
            free(kept[i]);
        free(kept);
        ddb_s3_listing_free(&l);
    } while (rc == 0 && token != NULL);
    free(token);
    for (size_t i = 0; i < n_refs; i++)
        free(refs[i]);
    free(refs);
    ddb_buf_free(&prefix);
    return rc;
}

int ddb_model_s3_gc(ddb_s3_gc_stats *stats, const ddb_model *m, long grace_s)
{
    ddb_s3_gc_stats st = {0, 0, 0, 0, 0};
    int rc = m->table == NULL ? ddb_error_set(DDB_EINVAL, "%s: a map has no table", m->name) : 0;
    ddb_client *s3 = rc == 0 ? ddb_model_s3(m) : NULL;
    if (rc == 0 && s3 == NULL)
        rc = ddb_last_error()->code;
    for (size_t i = 0; rc == 0 && i < m->n_fields; i++) {
        const ddb_field *f = &m->fields[i];
        if (f->codec != NULL && f->codec->s3_bucket != NULL)
            rc = collect_field(&st, m, f, s3, grace_s);
    }
    if (stats != NULL)
        *stats = st;
    return ddb_model_with_context(rc, "S3 garbage collection", m);
}

/* Where the value of S3-backed field `f` lives in `obj`, and whether it is
 * absent (string and json: NULL; binary: data NULL). */
static void **s3_value_slot(const ddb_field *f, void *obj)
{
    char *at = (char *)obj + f->offset;
    return f->type == DDB_FT_BINARY ? (void **)&((ddb_bytes *)(void *)at)->data : (void **)(void *)at;
}

int ddb_model_s3_fetch(const ddb_model *m, void *obj)
{
    const char **attrs = m->n_fields != 0 ? malloc(m->n_fields * sizeof *attrs) : NULL;
    if (attrs == NULL)
        return m->n_fields != 0 ? ddb_error_set(DDB_ENOMEM, "%s: out of memory", m->name) : 0;
    size_t n = 0;
    for (size_t i = 0; i < m->n_fields; i++) {
        const ddb_field *f = &m->fields[i];
        if (f->codec != NULL && f->codec->s3_bucket != NULL && *s3_value_slot(f, obj) == NULL)
            attrs[n++] = f->attr;
    }
    if (n == 0 || m->table == NULL) {
        free(attrs);
        return 0;
    }
    void *fresh = calloc(1, m->size);
    ddb_av *key = NULL;
    ddb_client *c = ddb_model_client_for(m, NULL);
    int rc = fresh == NULL ? ddb_error_set(DDB_ENOMEM, "%s: out of memory", m->name)
             : c != NULL   ? ddb_model_key(&key, m, obj)
                           : ddb_last_error()->code;
    ddb_get_opts opts = DDB_GET_OPTS_INIT;
    opts.consistent_read = true;
    opts.attributes = attrs;
    opts.n_attributes = n;
    if (rc == 0)
        rc = ddb_model_get_key(m, c, key, &opts, fresh);
    /* move each fetched body into obj; the fields it already held stay */
    for (size_t i = 0; rc == 0 && i < m->n_fields; i++) {
        const ddb_field *f = &m->fields[i];
        if (f->codec == NULL || f->codec->s3_bucket == NULL || *s3_value_slot(f, obj) != NULL)
            continue;
        size_t size = f->type == DDB_FT_BINARY ? sizeof(ddb_bytes) : sizeof(char *);
        memcpy((char *)obj + f->offset, (char *)fresh + f->offset, size);
        memset((char *)fresh + f->offset, 0, size);
    }
    if (fresh != NULL)
        ddb_model_clear(m, fresh);
    free(fresh);
    free(attrs);
    ddb_av_free(key);
    return rc;
}
