/* build.c - YAML tree -> model IR: the schema, maps, models, keys, billing,
 * streams, indexes and inheritance (see build.h, build_int.h). */
#include "build.h"

#include <stdlib.h>
#include <string.h>

#include "build_int.h"

/* DynamoDB quotas per table (default limits). */
enum { MAX_LOCAL_INDEXES = 5, MAX_GLOBAL_INDEXES = 20 };

static const char *attr_name_at(const void *list, size_t i)
{
    return ((const ddbc_attr *)list)[i].name;
}

static const char *key_type_name_at(const void *list, size_t i)
{
    (void)list;
    return ddb_type((ddb_ftype)i)->key ? ddb_type((ddb_ftype)i)->name : NULL;
}

static const char *stream_name_at(const void *list, size_t i)
{
    (void)list;
    return ddbc_stream_name((ddbc_stream)i);
}

/* ---- references to attributes ------------------------------------------ */

/*
 * The index of the attribute of `m` that scalar `n` names, or -1 (reported).
 * `what` describes the reference ("hash key of model 'thread'").
 */
static int resolve_attr(builder *b, const ddbc_model *m, const ddbc_node *n, const char *what)
{
    if (m->n_attrs == 0)
        return -1; /* 'attributes' is missing or invalid: reported already */
    const char *name = bld_get_text(b, n, what);
    if (name == NULL)
        return -1;
    for (size_t i = 0; i < m->n_attrs; i++)
        if (m->attrs[i].name != NULL && strcmp(m->attrs[i].name, name) == 0)
            return (int)i;
    ddb_buf msg = DDB_BUF_INIT;
    bld_say(&msg, "%s names '%s', which is not an attribute of model '%s'", what, name, m->name);
    bld_append_choices(&msg, name, "attributes", attr_name_at, m->attrs, m->n_attrs);
    ddbc_diag_error(b->diag, n->pos, "%s", ddb_buf_cstr(&msg));
    ddb_buf_free(&msg);
    return -1;
}

/*
 * Resolves a key reference and checks that the attribute can be a key:
 * a key type and, for a table key (`table_key`), always present.
 */
static int resolve_key(builder *b, const ddbc_model *m, const ddbc_node *n, const char *what,
                       bool table_key)
{
    int k = resolve_attr(b, m, n, what);
    if (k < 0)
        return -1;
    const ddbc_attr *a = &m->attrs[k];
    if (!ddb_type(a->type)->key) {
        ddb_buf msg = DDB_BUF_INIT;
        bld_say(&msg, "attribute '%s' (%s) has type %s, which cannot be a key", a->name, what,
                ddb_type(a->type)->name);
        bld_append_choices(&msg, "", "key types", key_type_name_at, NULL, DDB_FT_COUNT);
        ddbc_diag_error(b->diag, n->pos, "%s", ddb_buf_cstr(&msg));
        ddb_buf_free(&msg);
        return -1;
    }
    if (a->encrypt == DDB_ENCRYPT_RANDOM)
        ddbc_diag_error(b->diag, n->pos,
                        "%s '%s' is encrypted in random mode, so it could never be looked up; a key can "
                        "be encrypted with {deterministic: true}",
                        what, a->name);
    if (a->s3_bucket != NULL)
        ddbc_diag_error(b->diag, n->pos, "%s '%s' is stored in S3: a key must be stored in the item (remove 's3')",
                        what, a->name);
    if (a->compress)
        ddbc_diag_error(b->diag, n->pos,
                        "%s '%s' is compressed: a key is compared by its stored bytes, so it cannot be "
                        "(remove 'compress')",
                        what, a->name);
    if (table_key && a->nullable)
        ddbc_diag_error(b->diag, n->pos,
                        "%s '%s' cannot be nullable: every item has its key (remove 'null: true')",
                        what, a->name);
    if (table_key && a->has_default)
        ddbc_diag_error(b->diag, n->pos,
                        "%s '%s' cannot have a default: a key is always given explicitly", what,
                        a->name);
    return k;
}

/* ---- keys ------------------------------------------------------------------ */

enum { K_HASH, K_RANGE };
static const field key_fields[] = {
    [K_HASH] = {"hash", FIELD_REQUIRED},
    [K_RANGE] = {"range", FIELD_OPTIONAL},
};

/* Reports a range key equal to the hash key; returns whether they differ. */
static bool distinct_keys(builder *b, int hash, int range, const ddbc_node *range_node,
                          const char *owner)
{
    if (hash < 0 || hash != range)
        return true;
    ddbc_diag_error(b->diag, range_node->pos,
                    "range key of %s is the hash key '%s'; use another attribute or omit 'range'",
                    owner, range_node->text);
    return false;
}

static void build_keys(builder *b, ddbc_model *m, const ddbc_node *n, const char *owner)
{
    ddb_buf what = DDB_BUF_INIT;
    if (!bld_expect_kind(b, n, DDBC_NODE_MAPPING, bld_say(&what, "'keys' of %s", owner),
                         "{hash: forum, range: subject}"))
        goto done;
    const ddbc_node *v[BLD_LEN(key_fields)] = {0};
    bld_match_fields(b, n, key_fields, BLD_LEN(key_fields), ddb_buf_cstr(&what), n->pos, v);
    if (v[K_HASH] != NULL)
        m->hash_key = resolve_key(b, m, v[K_HASH], "hash key", true);
    if (v[K_RANGE] != NULL) {
        int range = resolve_key(b, m, v[K_RANGE], "range key", true);
        if (distinct_keys(b, m->hash_key, range, v[K_RANGE], owner))
            m->range_key = range;
    }
done:
    ddb_buf_free(&what);
}

/* ---- billing and stream -------------------------------------------------- */

static const char *const billing_forms[] = {"pay_per_request",
                                            "{provisioned: {read: N, write: N}}"};

enum { P_PROVISIONED };
static const field billing_fields[] = {[P_PROVISIONED] = {"provisioned", FIELD_REQUIRED}};
enum { C_READ, C_WRITE };
static const field capacity_fields[] = {
    [C_READ] = {"read", FIELD_REQUIRED}, [C_WRITE] = {"write", FIELD_REQUIRED}};

static void build_capacity(builder *b, const ddbc_node *n, const char *what, long long *out)
{
    if (!bld_parse_int64(n, out) || *out < 1)
        bld_must_be(b, n, what, "a whole number of at least 1");
}

static void build_provisioned(builder *b, ddbc_model *m, const ddbc_node *n, const char *owner)
{
    ddb_buf what = DDB_BUF_INIT;
    bld_say(&what, "provisioned billing of %s", owner);
    if (bld_expect_kind(b, n, DDBC_NODE_MAPPING, ddb_buf_cstr(&what), "{read: 5, write: 5}")) {
        const ddbc_node *v[BLD_LEN(capacity_fields)] = {0};
        bld_match_fields(b, n, capacity_fields, BLD_LEN(capacity_fields), ddb_buf_cstr(&what),
                         n->pos, v);
        if (v[C_READ] != NULL)
            build_capacity(b, v[C_READ], bld_say(&what, "read capacity of %s", owner),
                           &m->read_capacity);
        if (v[C_WRITE] != NULL)
            build_capacity(b, v[C_WRITE], bld_say(&what, "write capacity of %s", owner),
                           &m->write_capacity);
    }
    ddb_buf_free(&what);
}

static void build_billing(builder *b, ddbc_model *m, const ddbc_node *n, const char *owner)
{
    ddb_buf msg = DDB_BUF_INIT;
    if (n->kind == DDBC_NODE_MAPPING) {
        const ddbc_node *v[BLD_LEN(billing_fields)] = {0};
        bld_match_fields(b, n, billing_fields, BLD_LEN(billing_fields),
                         bld_say(&msg, "billing of %s", owner), n->pos, v);
        m->billing = DDBC_BILLING_PROVISIONED;
        if (v[P_PROVISIONED] != NULL)
            build_provisioned(b, m, v[P_PROVISIONED], owner);
    } else if (n->kind == DDBC_NODE_SCALAR && strcmp(n->text, billing_forms[0]) == 0) {
        m->billing = DDBC_BILLING_PAY_PER_REQUEST;
    } else {
        bld_invalid_choice(b, n, bld_say(&msg, "billing of %s", owner), bld_string_at,
                           billing_forms, BLD_LEN(billing_forms));
    }
    ddb_buf_free(&msg);
}

static void build_stream(builder *b, ddbc_model *m, const ddbc_node *n, const char *owner)
{
    for (int s = DDBC_STREAM_KEYS_ONLY; s <= DDBC_STREAM_NEW_AND_OLD_IMAGES; s++) {
        if (n->kind == DDBC_NODE_SCALAR && strcmp(n->text, ddbc_stream_name((ddbc_stream)s)) == 0) {
            m->stream = (ddbc_stream)s;
            return;
        }
    }
    ddb_buf what = DDB_BUF_INIT;
    bld_invalid_choice(b, n, bld_say(&what, "stream of %s", owner), stream_name_at, NULL,
                       DDBC_STREAM_NEW_AND_OLD_IMAGES + 1);
    ddb_buf_free(&what);
}

/* ---- indexes ----------------------------------------------------------------- */

static const char *const projection_forms[] = {"all", "keys_only", "{include: [ATTR, ...]}"};

enum { J_INCLUDE };
static const field projection_fields[] = {[J_INCLUDE] = {"include", FIELD_REQUIRED}};

static bool is_key_of(const ddbc_model *m, const ddbc_index *ix, int attr)
{
    return attr == m->hash_key || attr == m->range_key || attr == ix->hash_key ||
           attr == ix->range_key;
}

/* Resolves one name of an include list; returns whether it may be added. */
static bool include_ok(builder *b, const ddbc_model *m, const ddbc_index *ix, const ddbc_node *n,
                       int k, const char *what)
{
    if (k < 0)
        return false;
    if (is_key_of(m, ix, k)) {
        ddbc_diag_error(b->diag, n->pos,
                        "%s lists key attribute '%s'; keys are always projected, remove it", what,
                        n->text);
        return false;
    }
    for (size_t i = 0; i < ix->n_include; i++) {
        if (ix->include[i] == k) {
            ddbc_diag_error(b->diag, n->pos, "%s lists '%s' twice", what, n->text);
            return false;
        }
    }
    return true;
}

static void build_include(builder *b, const ddbc_model *m, ddbc_index *ix, const ddbc_node *n,
                          const char *what)
{
    if (!bld_expect_kind(b, n, DDBC_NODE_SEQUENCE, what, "[views, score]"))
        return;
    if (n->n_items == 0) {
        ddbc_diag_error(b->diag, n->pos, "%s is empty; use 'projection: keys_only' instead", what);
        return;
    }
    ix->include = calloc(n->n_items, sizeof *ix->include);
    if (ix->include == NULL) {
        bld_out_of_memory(b, n->pos);
        return;
    }
    for (size_t i = 0; i < n->n_items; i++) {
        int k = resolve_attr(b, m, n->items[i], what);
        if (include_ok(b, m, ix, n->items[i], k, what))
            ix->include[ix->n_include++] = k;
    }
}

static void build_projection(builder *b, const ddbc_model *m, ddbc_index *ix, const ddbc_node *n)
{
    ddb_buf msg = DDB_BUF_INIT;
    if (n->kind == DDBC_NODE_MAPPING) {
        const ddbc_node *v[BLD_LEN(projection_fields)] = {0};
        ix->projection = DDBC_PROJECTION_INCLUDE;
        bld_match_fields(b, n, projection_fields, BLD_LEN(projection_fields),
                         bld_say(&msg, "projection of index '%s'", ix->name), n->pos, v);
        if (v[J_INCLUDE] != NULL)
            build_include(b, m, ix, v[J_INCLUDE],
                          bld_say(&msg, "include list of index '%s'", ix->name));
    } else if (n->kind == DDBC_NODE_SCALAR && strcmp(n->text, "all") == 0) {
        ix->projection = DDBC_PROJECTION_ALL;
    } else if (n->kind == DDBC_NODE_SCALAR && strcmp(n->text, "keys_only") == 0) {
        ix->projection = DDBC_PROJECTION_KEYS_ONLY;
    } else {
        bld_invalid_choice(b, n, bld_say(&msg, "projection of index '%s'", ix->name), bld_string_at,
                           projection_forms, BLD_LEN(projection_forms));
    }
    ddb_buf_free(&msg);
}

/* Local secondary indexes share the table's hash key and need a range key. */
static void check_local_index(builder *b, const ddbc_model *m, const ddbc_index *ix,
                              const ddbc_node *hash, const ddbc_node *range)
{
    if (m->range_key < 0)
        ddbc_diag_error(b->diag, ix->pos,
                        "local index '%s' needs a table with a range key; make it global "
                        "(global: true) or add keys.range",
                        ix->name);
    if (hash != NULL && ix->hash_key >= 0 && m->hash_key >= 0 && ix->hash_key != m->hash_key)
        ddbc_diag_error(b->diag, hash->pos,
                        "hash key of local index '%s' must be the table's hash key '%s'", ix->name,
                        m->attrs[m->hash_key].name);
    if (range == NULL)
        ddbc_diag_error(b->diag, ix->pos, "local index '%s' is missing the required key 'range'",
                        ix->name);
    else if (ix->range_key >= 0 && ix->range_key == m->range_key)
        ddbc_diag_error(b->diag, range->pos,
                        "range key of local index '%s' is the table's range key; an index on "
                        "the same keys is useless",
                        ix->name);
}

enum { I_GLOBAL, I_HASH, I_RANGE, I_PROJECTION, I_DOC };
static const field index_fields[] = {
    [I_GLOBAL] = {"global", FIELD_OPTIONAL}, [I_HASH] = {"hash", FIELD_REQUIRED},
    [I_RANGE] = {"range", FIELD_OPTIONAL},   [I_PROJECTION] = {"projection", FIELD_OPTIONAL},
    [I_DOC] = {"doc", FIELD_OPTIONAL},
};

static void build_index(builder *b, const ddbc_model *m, ddbc_index *ix, const ddbc_pair *decl)
{
    ix->name = bld_own(b, decl->key->text, decl->key->pos);
    ix->pos = decl->key->pos;
    ix->global = true;
    ix->hash_key = ix->range_key = -1;
    ix->projection = DDBC_PROJECTION_ALL;
    ddb_buf owner = DDB_BUF_INIT, what = DDB_BUF_INIT;
    bld_say(&owner, "index '%s'", decl->key->text);
    if (ix->name == NULL || !bld_expect_kind(b, decl->value, DDBC_NODE_MAPPING,
                                             ddb_buf_cstr(&owner), "{hash: forum, range: views}"))
        goto done;
    const ddbc_node *v[BLD_LEN(index_fields)] = {0};
    bld_match_fields(b, decl->value, index_fields, BLD_LEN(index_fields), ddb_buf_cstr(&owner),
                     ix->pos, v);
    if (v[I_GLOBAL] != NULL)
        bld_get_bool(b, v[I_GLOBAL], bld_say(&what, "'global' of index '%s'", ix->name),
                     &ix->global);
    if (v[I_HASH] != NULL)
        ix->hash_key =
            resolve_key(b, m, v[I_HASH], bld_say(&what, "hash key of index '%s'", ix->name), false);
    if (v[I_RANGE] != NULL) {
        int range = resolve_key(b, m, v[I_RANGE],
                                bld_say(&what, "range key of index '%s'", ix->name), false);
        if (distinct_keys(b, ix->hash_key, range, v[I_RANGE], ddb_buf_cstr(&owner)))
            ix->range_key = range;
    }
    if (!ix->global)
        check_local_index(b, m, ix, v[I_HASH], v[I_RANGE]);
    if (v[I_PROJECTION] != NULL)
        build_projection(b, m, ix, v[I_PROJECTION]);
    if (v[I_DOC] != NULL)
        ix->doc = bld_get_string(b, v[I_DOC], bld_say(&what, "'doc' of index '%s'", ix->name));
done:
    ddb_buf_free(&owner);
    ddb_buf_free(&what);
}

/* Reports the index that goes past DynamoDB's quota of `max` indexes of a kind. */
static void count_index(builder *b, const ddbc_index *ix, size_t *count, size_t max)
{
    if (++*count == max + 1)
        ddbc_diag_error(b->diag, ix->pos,
                        "index '%s' exceeds DynamoDB's limit of %zu %s secondary indexes per table",
                        ix->name, max, ix->global ? "global" : "local");
}

static void build_indexes(builder *b, ddbc_model *m, const ddbc_node *n, const char *what)
{
    if (!bld_expect_kind(b, n, DDBC_NODE_MAPPING, what, "{by_views: {hash: forum, range: views}}"))
        return;
    m->indexes = calloc(n->n_pairs + 1, sizeof *m->indexes);
    if (m->indexes == NULL) {
        bld_out_of_memory(b, n->pos);
        return;
    }
    size_t n_local = 0, n_global = 0;
    for (size_t i = 0; i < n->n_pairs; i++) {
        ddbc_index *ix = &m->indexes[m->n_indexes++];
        build_index(b, m, ix, &n->pairs[i]);
        if (ix->global)
            count_index(b, ix, &n_global, MAX_GLOBAL_INDEXES);
        else
            count_index(b, ix, &n_local, MAX_LOCAL_INDEXES);
    }
}

/* ---- models ------------------------------------------------------------------ */

enum {
    M_TABLE,
    M_DOC,
    M_BILLING,
    M_STREAM,
    M_KEYS,
    M_ATTRIBUTES,
    M_INDEXES,
    M_KEEP_UNKNOWN,
    M_EXTENDS,
    M_DISCRIMINATOR
};
static const field model_fields[] = {
    [M_TABLE] = {"table", FIELD_REQUIRED},
    [M_DOC] = {"doc", FIELD_OPTIONAL},
    [M_BILLING] = {"billing", FIELD_OPTIONAL},
    [M_STREAM] = {"stream", FIELD_OPTIONAL},
    [M_KEYS] = {"keys", FIELD_REQUIRED},
    [M_ATTRIBUTES] = {"attributes", FIELD_REQUIRED},
    [M_INDEXES] = {"indexes", FIELD_OPTIONAL},
    [M_KEEP_UNKNOWN] = {"keep_unknown", FIELD_OPTIONAL},
    [M_EXTENDS] = {"extends", FIELD_OPTIONAL},
    [M_DISCRIMINATOR] = {"discriminator", FIELD_OPTIONAL},
};

/* Keys of a model that a subclass takes from its base model. */
static const int base_only_fields[] = {M_TABLE, M_BILLING, M_STREAM, M_KEYS, M_INDEXES};

/* The inheritance keys of a model, kept until every model is built. */
typedef struct model_links {
    const ddbc_node *extends, *discriminator, *keep_unknown;
} model_links;

/* Reports (and forgets) the keys a subclass may not give. */
static void reject_base_only(builder *b, const ddbc_node *map, const ddbc_node **v, const char *o)
{
    for (size_t i = 0; i < BLD_LEN(base_only_fields); i++) {
        int f = base_only_fields[i];
        if (v[f] == NULL)
            continue;
        ddbc_diag_error(b->diag, bld_find_key(map, model_fields[f].key)->key->pos,
                        "%s extends another model and shares its table, keys, billing, stream "
                        "and indexes: remove '%s'",
                        o, model_fields[f].key);
        v[f] = NULL;
    }
}

/* The keys every model may give; `sub`: the model extends another one. */
static void build_model_body(builder *b, ddbc_model *m, const ddbc_node **v, bool sub,
                             const char *o)
{
    ddb_buf what = DDB_BUF_INIT;
    if (v[M_TABLE] != NULL) {
        m->table_pos = v[M_TABLE]->pos;
        m->table = bld_get_string(b, v[M_TABLE], bld_say(&what, "table of %s", o));
    }
    if (v[M_DOC] != NULL)
        m->doc = bld_get_string(b, v[M_DOC], bld_say(&what, "'doc' of %s", o));
    if (v[M_BILLING] != NULL)
        build_billing(b, m, v[M_BILLING], o);
    if (v[M_STREAM] != NULL)
        build_stream(b, m, v[M_STREAM], o);
    if (v[M_ATTRIBUTES] != NULL)
        bld_attrs(b, v[M_ATTRIBUTES], NULL, bld_say(&what, "'attributes' of %s", o), sub, &m->attrs,
                  &m->n_attrs);
    if (v[M_KEYS] != NULL)
        build_keys(b, m, v[M_KEYS], o);
    if (v[M_INDEXES] != NULL)
        build_indexes(b, m, v[M_INDEXES], bld_say(&what, "'indexes' of %s", o));
    if (v[M_KEEP_UNKNOWN] != NULL)
        bld_get_bool(b, v[M_KEEP_UNKNOWN], bld_say(&what, "'keep_unknown' of %s", o),
                     &m->keep_unknown);
    if (v[M_DISCRIMINATOR] != NULL)
        m->discriminator_value =
            bld_get_string(b, v[M_DISCRIMINATOR], bld_say(&what, "'discriminator' of %s", o));
    ddb_buf_free(&what);
}

static void build_model(builder *b, ddbc_model *m, const ddbc_pair *decl, model_links *links)
{
    m->name = bld_own(b, decl->key->text, decl->key->pos);
    m->pos = decl->key->pos;
    m->hash_key = m->range_key = -1;
    m->version_attr = m->ttl_attr = m->discriminator_attr = m->extends = -1;
    ddb_buf owner = DDB_BUF_INIT;
    const char *o = bld_say(&owner, "model '%s'", decl->key->text);
    if (m->name != NULL && bld_expect_kind(b, decl->value, DDBC_NODE_MAPPING, o,
                                           "{table: Thread, keys: {...}, attributes: {...}}")) {
        /* a subclass has no table or keys of its own, and may add no attributes */
        bool sub = bld_find_key(decl->value, "extends") != NULL;
        field fields[BLD_LEN(model_fields)];
        memcpy(fields, model_fields, sizeof fields);
        if (sub)
            fields[M_TABLE].kind = fields[M_KEYS].kind = fields[M_ATTRIBUTES].kind = FIELD_OPTIONAL;
        const ddbc_node *v[BLD_LEN(model_fields)] = {0};
        bld_match_fields(b, decl->value, fields, BLD_LEN(fields), o, m->pos, v);
        if (sub)
            reject_base_only(b, decl->value, v, o);
        build_model_body(b, m, v, sub, o);
        *links = (model_links){v[M_EXTENDS], v[M_DISCRIMINATOR], v[M_KEEP_UNKNOWN]};
    }
    ddb_buf_free(&owner);
}

/* ---- inheritance ------------------------------------------------------------- */

static const char *model_name_at(const void *list, size_t i)
{
    return ((const ddbc_model *)list)[i].name;
}

/*
 * Whether model `base`, named by the `extends` of model k, may be its base:
 * another model that extends none. Reports why not.
 */
static bool base_usable(builder *b, const ddbc_schema *s, const model_links *links, size_t k,
                        size_t base, const ddbc_node *n)
{
    const char *self = s->models[k].name, *name = s->models[base].name;
    const ddbc_node *next = links[base].extends;
    const char *next_name = next != NULL && next->kind == DDBC_NODE_SCALAR ? next->text : "?";
    if (base == k)
        ddbc_diag_error(b->diag, n->pos, "model '%s' cannot extend itself", self);
    else if (next != NULL && strcmp(next_name, self) == 0)
        ddbc_diag_error(b->diag, n->pos,
                        "models '%s' and '%s' extend each other; one of them must be the base "
                        "model, which extends none",
                        self, name);
    else if (next != NULL)
        ddbc_diag_error(b->diag, n->pos,
                        "model '%s' extends '%s', which itself extends '%s'; ddbc supports one "
                        "level of inheritance: extend '%s' directly",
                        self, name, next_name, next_name);
    return base != k && next == NULL;
}

/* The index of the base model that `n` (the `extends` of model k) names, or -1 (reported). */
static int resolve_base(builder *b, const ddbc_schema *s, const model_links *links, size_t k,
                        const ddbc_node *n)
{
    ddb_buf msg = DDB_BUF_INIT;
    const char *self = s->models[k].name;
    const char *name = bld_get_text(b, n, bld_say(&msg, "'extends' of model '%s'", self));
    int base = -1;
    for (size_t i = 0; name != NULL && base < 0 && i < s->n_models; i++)
        if (s->models[i].name != NULL && strcmp(s->models[i].name, name) == 0)
            base = (int)i;
    if (name != NULL && base < 0) {
        bld_say(&msg, "'extends' of model '%s' names '%s', which is not a model", self, name);
        bld_append_choices(&msg, name, "models", model_name_at, s->models, s->n_models);
        ddbc_diag_error(b->diag, n->pos, "%s", ddb_buf_cstr(&msg));
    } else if (base >= 0 && !base_usable(b, s, links, k, (size_t)base, n)) {
        base = -1;
    }
    ddb_buf_free(&msg);
    return base;
}

/* Reports attributes of subclass `m` that repeat a name of its base. */
static void report_repeated_attrs(builder *b, const ddbc_model *m, const ddbc_model *base)
{
    for (size_t i = 0; i < m->n_attrs; i++) {
        for (size_t j = 0; m->attrs[i].name != NULL && j < base->n_attrs; j++) {
            const ddbc_attr *was = &base->attrs[j];
            if (was->name != NULL && strcmp(was->name, m->attrs[i].name) == 0)
                ddbc_diag_error(b->diag, m->attrs[i].pos,
                                "attribute '%s' of model '%s' is already declared by its base "
                                "model '%s' (%d:%d); a subclass only adds attributes",
                                was->name, m->name, base->name, was->pos.line, was->pos.col);
        }
    }
}

static void copy_index(builder *b, ddbc_index *dst, const ddbc_index *src)
{
    *dst = *src;
    dst->name = bld_own_opt(b, src->name, src->pos);
    dst->doc = bld_own_opt(b, src->doc, src->pos);
    dst->include = NULL;
    dst->n_include = 0;
    if (src->n_include == 0)
        return;
    dst->include = malloc(src->n_include * sizeof *dst->include);
    if (dst->include == NULL) {
        bld_out_of_memory(b, src->pos);
        return;
    }
    memcpy(dst->include, src->include, src->n_include * sizeof *dst->include);
    dst->n_include = src->n_include;
}

/* Copies the table, keys and indexes of the base of subclass `m`. */
static void copy_table(builder *b, ddbc_model *m, const ddbc_model *base)
{
    m->table = bld_own_opt(b, base->table, base->table_pos);
    m->table_pos = base->table_pos;
    m->billing = base->billing;
    m->read_capacity = base->read_capacity;
    m->write_capacity = base->write_capacity;
    m->stream = base->stream;
    m->hash_key = base->hash_key;
    m->range_key = base->range_key;
    if (base->n_indexes == 0)
        return;
    m->indexes = calloc(base->n_indexes, sizeof *m->indexes);
    if (m->indexes == NULL) {
        bld_out_of_memory(b, m->pos);
        return;
    }
    for (size_t i = 0; i < base->n_indexes; i++)
        copy_index(b, &m->indexes[m->n_indexes++], &base->indexes[i]);
}

/* Makes subclass `m` whole: the base's attributes first, then its own (see ir.h). */
static void inherit(builder *b, ddbc_model *m, const ddbc_model *base, const model_links *links)
{
    report_repeated_attrs(b, m, base);
    ddbc_attr *attrs = calloc(base->n_attrs + m->n_attrs + 1, sizeof *attrs);
    if (attrs == NULL) {
        bld_out_of_memory(b, m->pos);
        return;
    }
    for (size_t i = 0; i < base->n_attrs; i++) {
        bld_copy_attr(b, &attrs[i], &base->attrs[i]);
        attrs[i].inherited = true;
    }
    if (m->n_attrs != 0)
        memcpy(attrs + base->n_attrs, m->attrs, m->n_attrs * sizeof *attrs);
    free(m->attrs);
    m->attrs = attrs;
    m->n_attrs += base->n_attrs;
    copy_table(b, m, base);
    if (links->keep_unknown == NULL)
        m->keep_unknown = base->keep_unknown;
}

/* ---- special attributes: version, ttl, discriminator ------------------------------ */

/* Why a model has at most one attribute of type `t` (ttl, version, discriminator). */
static const char *only_one_because(ddb_ftype t)
{
    if (t == DDB_FT_TTL)
        return "DynamoDB expires items by a single attribute";
    if (t == DDB_FT_VERSION)
        return "one version counts the writes of an item";
    return "a model hierarchy has one, declared in its base model";
}

/* Sets *slot to the attribute of `m` of type `t`; reports a second one. */
static void find_special(builder *b, const ddbc_model *m, ddb_ftype t, int *slot)
{
    *slot = -1;
    for (size_t i = 0; i < m->n_attrs; i++) {
        const ddbc_attr *a = &m->attrs[i];
        if (a->type != t || a->name == NULL)
            continue;
        if (*slot < 0) {
            *slot = (int)i;
        } else if (!a->inherited) { /* an inherited second one is the base's error */
            const ddbc_attr *first = &m->attrs[*slot];
            ddbc_diag_error(b->diag, a->pos,
                            "model '%s' has a second %s attribute '%s' (the first is '%s' at "
                            "%d:%d); %s",
                            m->name, ddb_type(t)->name, a->name, first->name, first->pos.line,
                            first->pos.col, only_one_because(t));
        }
    }
}

/* Reports the discriminator attributes subclass `m` declares itself. */
static void report_own_discriminators(builder *b, const ddbc_model *m, const ddbc_model *base)
{
    for (size_t i = 0; i < m->n_attrs; i++)
        if (m->attrs[i].type == DDB_FT_DISCRIMINATOR && !m->attrs[i].inherited)
            ddbc_diag_error(b->diag, m->attrs[i].pos,
                            "discriminator attribute '%s' of model '%s' belongs in its base "
                            "model '%s'",
                            m->attrs[i].name, m->name, base->name);
}

/* The rules of a subclass: its base has a discriminator, it has a value. */
static void check_subclass(builder *b, const ddbc_model *m, const ddbc_model *base,
                           const model_links *l)
{
    if (base->discriminator_attr < 0) {
        ddbc_diag_error(b->diag, l->extends->pos,
                        "model '%s' extends '%s', which has no discriminator attribute; declare "
                        "one in '%s' (e.g. kind: {type: discriminator})",
                        m->name, base->name, base->name);
        report_own_discriminators(b, m, base);
    } else if (l->discriminator == NULL) {
        ddbc_diag_error(b->diag, m->pos,
                        "model '%s' extends '%s' and needs 'discriminator: <value>', the value of "
                        "'%s' that marks its items",
                        m->name, base->name, base->attrs[base->discriminator_attr].name);
    }
}

/* A discriminator value is unique within its hierarchy (models 0..k of `s`). */
static void check_discriminator_value(builder *b, const ddbc_schema *s, size_t k,
                                      const ddbc_node *n)
{
    const ddbc_model *m = &s->models[k];
    size_t root = m->extends >= 0 ? (size_t)m->extends : k;
    for (size_t j = 0; j < k; j++) {
        const ddbc_model *o = &s->models[j];
        size_t o_root = o->extends >= 0 ? (size_t)o->extends : j;
        if (o_root == root && o->discriminator_value != NULL &&
            strcmp(o->discriminator_value, m->discriminator_value) == 0) {
            ddbc_diag_error(b->diag, n->pos,
                            "discriminator value '%s' of model '%s' is already used by model '%s' "
                            "(%d:%d); each model of a hierarchy needs its own",
                            m->discriminator_value, m->name, o->name, o->pos.line, o->pos.col);
            return;
        }
    }
}

static void check_discriminator(builder *b, const ddbc_schema *s, size_t k, const model_links *l)
{
    const ddbc_model *m = &s->models[k];
    if (l->extends != NULL && m->extends < 0)
        return; /* its base is unknown (reported) */
    if (m->extends >= 0)
        check_subclass(b, m, &s->models[m->extends], l);
    else if (l->discriminator != NULL && m->discriminator_attr < 0)
        ddbc_diag_error(b->diag, l->discriminator->pos,
                        "model '%s' gives a 'discriminator' value but has no discriminator "
                        "attribute; declare one (e.g. kind: {type: discriminator})",
                        m->name);
    if (m->discriminator_value != NULL)
        check_discriminator_value(b, s, k, l->discriminator);
}

/* Resolves `extends`, completes subclasses and checks the special attributes. */
static void link_models(builder *b, ddbc_schema *s, const model_links *links)
{
    for (size_t k = 0; k < s->n_models; k++)
        if (links[k].extends != NULL)
            s->models[k].extends = resolve_base(b, s, links, k, links[k].extends);
    for (size_t k = 0; k < s->n_models; k++) {
        ddbc_model *m = &s->models[k];
        if (m->extends >= 0)
            inherit(b, m, &s->models[m->extends], &links[k]);
    }
    for (size_t k = 0; k < s->n_models; k++) {
        ddbc_model *m = &s->models[k];
        find_special(b, m, DDB_FT_VERSION, &m->version_attr);
        find_special(b, m, DDB_FT_TTL, &m->ttl_attr);
        find_special(b, m, DDB_FT_DISCRIMINATOR, &m->discriminator_attr);
    }
    for (size_t k = 0; k < s->n_models; k++)
        check_discriminator(b, s, k, &links[k]);
}

static void build_models(builder *b, ddbc_schema *s, const ddbc_node *n)
{
    if (!bld_expect_kind(b, n, DDBC_NODE_MAPPING, "'models'", "{thread: {table: Thread, ...}}"))
        return;
    if (n->n_pairs == 0) {
        ddbc_diag_error(b->diag, n->pos, "'models' is empty; declare at least one model");
        return;
    }
    s->models = calloc(n->n_pairs, sizeof *s->models);
    model_links *links = calloc(n->n_pairs, sizeof *links);
    if (s->models == NULL || links == NULL) {
        free(links);
        bld_out_of_memory(b, n->pos);
        return;
    }
    for (size_t i = 0; i < n->n_pairs; i++)
        build_model(b, &s->models[s->n_models++], &n->pairs[i], &links[i]);
    link_models(b, s, links);
    free(links);
}

/* ---- maps ------------------------------------------------------------------------ */

enum { G_DOC, G_ATTRIBUTES };
static const field map_fields[] = {
    [G_DOC] = {"doc", FIELD_OPTIONAL},
    [G_ATTRIBUTES] = {"attributes", FIELD_REQUIRED},
};

static void build_map(builder *b, ddbc_map *mp, const ddbc_node *n)
{
    ddb_buf owner = DDB_BUF_INIT, what = DDB_BUF_INIT;
    const char *o = bld_say(&owner, "map '%s'", mp->name);
    if (bld_expect_kind(b, n, DDBC_NODE_MAPPING, o, "{attributes: {name: {type: string}}}")) {
        const ddbc_node *v[BLD_LEN(map_fields)] = {0};
        bld_match_fields(b, n, map_fields, BLD_LEN(map_fields), o, mp->pos, v);
        if (v[G_DOC] != NULL)
            mp->doc = bld_get_string(b, v[G_DOC], bld_say(&what, "'doc' of %s", o));
        if (v[G_ATTRIBUTES] != NULL)
            bld_attrs(b, v[G_ATTRIBUTES], mp->name, bld_say(&what, "'attributes' of %s", o), false,
                      &mp->attrs, &mp->n_attrs);
    }
    ddb_buf_free(&owner);
    ddb_buf_free(&what);
}

/* Declares every map (so that any attribute may name any map), then builds them. */
static void build_maps(builder *b, ddbc_schema *s, const ddbc_node *n)
{
    if (!bld_expect_kind(b, n, DDBC_NODE_MAPPING, "'maps'", "{author: {attributes: {...}}}") ||
        n->n_pairs == 0)
        return;
    s->maps = calloc(n->n_pairs, sizeof *s->maps);
    if (s->maps == NULL) {
        bld_out_of_memory(b, n->pos);
        return;
    }
    for (size_t i = 0; i < n->n_pairs; i++) {
        ddbc_map *mp = &s->maps[s->n_maps++];
        mp->name = bld_own(b, n->pairs[i].key->text, n->pairs[i].key->pos);
        mp->pos = n->pairs[i].key->pos;
    }
    b->maps = s->maps;
    b->n_maps = s->n_maps;
    for (size_t i = 0; i < s->n_maps; i++)
        if (s->maps[i].name != NULL)
            build_map(b, &s->maps[i], n->pairs[i].value);
}

/* ---- the schema ------------------------------------------------------------ */

enum { S_VERSION, S_PREFIX, S_MODELS, S_MAPS };
static const field schema_fields[] = {
    [S_VERSION] = {"version", FIELD_REQUIRED},
    [S_PREFIX] = {"prefix", FIELD_REQUIRED},
    [S_MODELS] = {"models", FIELD_REQUIRED},
    [S_MAPS] = {"maps", FIELD_OPTIONAL},
};

static void build_version(builder *b, ddbc_schema *s, const ddbc_node *n)
{
    long long v = 0;
    if (bld_parse_int64(n, &v) && v == 1)
        s->version = 1;
    else
        bld_must_be(b, n, "schema version", "1 (the only version so far)");
}

void ddbc_build_schema(ddbc_schema *s, const ddbc_node *root, ddbc_diag *diag)
{
    builder b = {diag, false, NULL, 0};
    static const char hint[] = "{version: 1, prefix: forum, models: {...}}";
    if (root == NULL) {
        ddbc_diag_error(diag, (ddbc_pos){s->path, 0, 0}, "the file is empty; a schema is %s", hint);
        return;
    }
    if (!bld_expect_kind(&b, root, DDBC_NODE_MAPPING, "a schema", hint))
        return;
    const ddbc_node *v[BLD_LEN(schema_fields)] = {0};
    bld_match_fields(&b, root, schema_fields, BLD_LEN(schema_fields), "the schema", root->pos, v);
    if (v[S_VERSION] != NULL)
        build_version(&b, s, v[S_VERSION]);
    if (v[S_PREFIX] != NULL) {
        s->prefix_pos = v[S_PREFIX]->pos;
        s->prefix = bld_get_string(&b, v[S_PREFIX], "'prefix'");
    }
    if (v[S_MAPS] != NULL)
        build_maps(&b, s, v[S_MAPS]);
    if (v[S_MODELS] != NULL)
        build_models(&b, s, v[S_MODELS]);
    if (s->n_maps != 0)
        bld_order_maps(&b, s);
}
