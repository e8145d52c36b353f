/*
 * reencrypt.c - re-encrypting a model's table under its keyring's current
 * key (ddb_model_reencrypt in ddb/model.h; docs/encryption.md).
 *
 * The table is scanned page by page. An item is rewritten when one of its
 * encrypted attributes is stored under another key id than the one that
 * would seal it now; the write is conditional on those attributes still
 * holding the bytes that were read, so a concurrent writer is never
 * overwritten (the item is counted as a conflict, and left for a later
 * run). An item that cannot be decrypted is counted and left as it is.
 * An item whose key attributes are encrypted moves to its new key: put and
 * delete in one transaction.
 */
#include "feature_macros.h" /* first: feature-test macros before any system header */

#include "ddb/model.h"

#include <stdlib.h>
#include <string.h>

#include "crypt.h"
#include "ddb/error.h"
#include "model_internal.h"

/* Whether the stored encrypted value `v` was sealed under another key
 * than `primary` (KMS data keys: never, each value has its own). */
static bool key_is_stale(const ddb_av *v, const char *primary)
{
    if (v->type != DDB_AV_B || v->u.str.len < 3)
        return false; /* not ours: reading it reports why */
    const unsigned char *p = (const unsigned char *)v->u.str.ptr;
    if ((p[1] & DDB_SEAL_ENVELOPE) != 0)
        return false;
    size_t n = p[2];
    return v->u.str.len < 3 + n || strlen(primary) != n || memcmp(p + 3, primary, n) != 0;
}

/* `path = <stored bytes>` for each encrypted attribute of `item`, ANDed:
 * the item is rewritten only while it still holds what was read. */
static ddb_cond *unchanged(const ddb_model *m, const ddb_av *item)
{
    ddb_cond *all = NULL;
    for (size_t i = 0; i < m->n_fields; i++) {
        const ddb_field *f = &m->fields[i];
        const ddb_av *v = f->codec != NULL && f->codec->encrypt != DDB_ENCRYPT_NONE ? ddb_av_map_get(item, f->attr)
                                                                                       : NULL;
        if (v == NULL)
            continue;
        ddb_buf path = DDB_BUF_INIT;
        ddb_cond *c = ddb_attr_path(f->attr, &path) == 0 ? ddb_cond_cmp(ddb_buf_cstr(&path), DDB_CMP_EQ,
                                                                           ddb_av_clone(v))
                                                          : ddb_cond_error(DDB_ENOMEM);
        ddb_buf_free(&path);
        all = all != NULL ? ddb_cond_and(all, c) : c;
    }
    return all;
}

/* Renders `c` (taken) into `text` with its own names and values. */
static int reencrypt_cond(ddb_buf *text, ddb_expr_ctx *ctx, ddb_cond *c)
{
    int rc = ddb_expr_render_cond(text, ctx, c);
    ddb_cond_free(c);
    return rc;
}

/*
 * Moves `item` to its new key: its key attributes are encrypted
 * (deterministic) and were sealed under an older key, so the item's key
 * changes with the key. One transaction puts the item under the new key
 * (only if nothing is there) and deletes the old one (only if unchanged).
 */
static int move_item(const ddb_model *m, ddb_client *c, const void *obj, const ddb_av *item)
{
    ddb_av *fresh = NULL, *old_key = ddb_av_new(DDB_AV_M);
    int rc = old_key != NULL ? ddb_model_to_item(&fresh, m, obj) : DDB_ENOMEM;
    int keys[2] = {m->hash_key, m->range_key};
    for (int i = 0; rc == 0 && i < 2 && keys[i] >= 0; i++) {
        const char *attr = m->fields[keys[i]].attr;
        const ddb_av *v = ddb_av_map_get(item, attr);
        rc = v != NULL ? ddb_av_map_set(old_key, attr, ddb_av_clone(v)) : DDB_EINVAL;
    }
    ddb_buf put_cond = DDB_BUF_INIT, del_cond = DDB_BUF_INIT, hash = DDB_BUF_INIT;
    ddb_expr_ctx put_ctx = DDB_EXPR_CTX_INIT, del_ctx = DDB_EXPR_CTX_INIT;
    if (rc == 0)
        rc = ddb_attr_path(m->fields[m->hash_key].attr, &hash);
    if (rc == 0)
        rc = reencrypt_cond(&put_cond, &put_ctx, ddb_cond_not_exists(ddb_buf_cstr(&hash)));
    if (rc == 0)
        rc = reencrypt_cond(&del_cond, &del_ctx, unchanged(m, item));
    if (rc == 0) {
        ddb_transact_write w[2] = {
            {DDB_TRANSACT_PUT, m->table, fresh, NULL, NULL, ddb_buf_cstr(&put_cond), put_ctx.names, put_ctx.values,
             DDB_RETURN_ON_FAILURE_NONE},
            {DDB_TRANSACT_DELETE, m->table, NULL, old_key, NULL, ddb_buf_cstr(&del_cond), del_ctx.names,
             del_ctx.values, DDB_RETURN_ON_FAILURE_NONE},
        };
        ddb_transact_write_items_input in = DDB_TRANSACT_WRITE_ITEMS_INPUT_INIT;
        in.items = w;
        in.n_items = 2;
        ddb_transact_write_items_output out;
        rc = ddb_transact_write_items(&out, c, &in);
        if (rc == 0 || rc == DDB_ECANCELLED)
            ddb_transact_write_items_output_free(&out);
        if (rc == DDB_ECANCELLED)
            rc = DDB_ECONDITION; /* changed meanwhile, or the new key is taken */
    }
    ddb_expr_ctx_free(&put_ctx);
    ddb_expr_ctx_free(&del_ctx);
    ddb_buf_free(&put_cond);
    ddb_buf_free(&del_cond);
    ddb_buf_free(&hash);
    ddb_av_free(fresh);
    ddb_av_free(old_key);
    return rc;
}

/* Whether a key attribute of `item` is encrypted and stale. */
static bool key_stale(const ddb_model *m, const ddb_av *item, const char *primary)
{
    int keys[2] = {m->hash_key, m->range_key};
    for (int i = 0; i < 2 && keys[i] >= 0; i++) {
        const ddb_field *f = &m->fields[keys[i]];
        const ddb_av *v = ddb_av_map_get(item, f->attr);
        if (v != NULL && f->codec != NULL && f->codec->encrypt != DDB_ENCRYPT_NONE && key_is_stale(v, primary))
            return true;
    }
    return false;
}

/* Rewrites `item` when it is stale; counts what happened. An item that
 * cannot be read is counted (the first one's error kept in *first). */
static int visit(ddb_reencrypt_stats *st, const ddb_model *m, ddb_client *c, const ddb_av *item,
                 const char *primary, ddb_error *first)
{
    st->scanned++;
    bool needed = false;
    for (size_t i = 0; !needed && i < m->n_fields; i++) {
        const ddb_field *f = &m->fields[i];
        const ddb_av *v = ddb_av_map_get(item, f->attr);
        needed = v != NULL && f->codec != NULL && f->codec->encrypt != DDB_ENCRYPT_NONE && key_is_stale(v, primary);
    }
    if (!needed)
        return 0;
    void *obj = malloc(m->size);
    if (obj == NULL)
        return ddb_error_set(DDB_ENOMEM, "out of memory re-encrypting %s", m->name);
    ddb_model_init(m, obj);
    int rc = ddb_model_read_item(obj, m, item);
    if (rc == DDB_ECRYPTO || rc == DDB_ETYPE) { /* go on: report it at the end */
        if (st->unreadable++ == 0)
            *first = *ddb_last_error();
        rc = 0;
    } else if (rc == 0) {
        rc = key_stale(m, item, primary) ? move_item(m, c, obj, item) : ddb_model_put(m, obj, unchanged(m, item));
        if (rc == 0)
            st->rewritten++;
        else if (rc == DDB_ECONDITION) {
            st->conflicts++;
            rc = 0;
        }
    }
    ddb_model_clear(m, obj);
    free(obj);
    return rc;
}

typedef struct visit_ctx {
    ddb_reencrypt_stats *st;
    const ddb_model *m;
    ddb_client *c;
    const char *primary;
    ddb_error *first;
} visit_ctx;

static int visit_one(const ddb_av *item, void *arg)
{
    visit_ctx *v = arg;
    return visit(v->st, v->m, v->c, item, v->primary, v->first);
}

int ddb_model_reencrypt(ddb_reencrypt_stats *stats, const ddb_model *m)
{
    ddb_reencrypt_stats st = {0, 0, 0, 0};
    ddb_error first;
    memset(&first, 0, sizeof first);
    ddb_keyring *k = ddb_model_keyring(m);
    char primary[DDB_KEY_ID_MAX + 1];
    int rc = m->table == NULL ? ddb_error_set(DDB_EINVAL, "%s: a map has no table", m->name)
             : k == NULL      ? ddb_error_set(DDB_ECRYPTO, "%s: no keyring to re-encrypt with", m->name)
                              : ddb_keyring_primary(primary, k);
    ddb_client *c = rc == 0 ? ddb_model_client_for(m, NULL) : NULL;
    if (rc == 0 && c == NULL)
        rc = ddb_last_error()->code;
    visit_ctx v = {&st, m, c, primary, &first};
    if (rc == 0)
        rc = ddb_table_each_item(c, m->table, visit_one, &v);
    if (stats != NULL)
        *stats = st;
    if (rc == 0 && st.unreadable != 0)
        rc = ddb_error_set(first.code, "%zu item(s) could not be read and were left as they are; the first: %s",
                           st.unreadable, first.message);
    return ddb_model_with_context(rc, "re-encrypt", m);
}
