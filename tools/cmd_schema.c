/*
 * cmd_schema.c - `ddb create-tables` and `ddb delete-tables`: the tables a
 * ddbc schema declares, read with ddbc's own front end (generator/check.h:
 * the same loader, IR and checks, so a schema ddbc refuses is refused
 * here with the same file:line:col messages).
 *
 * One CreateTable per table: a polymorphic subclass shares its base's
 * table; two unrelated models naming one table must agree on its keys,
 * and their indexes are merged by name. The request is the one
 * ddb_model_create_table sends for a generated model: key attributes
 * typed as they are stored (B when compressed or encrypted, S when
 * S3-backed), the key schema, global and local indexes with their
 * projections, the billing mode (GSIs of provisioned tables get the
 * table's capacity), the stream, and TTL enabled once the table is
 * ACTIVE.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "check.h"
#include "ddb/creds.h"
#include "ddb/error.h"
#include "ddb/transport.h"
#include "ddb_cli.h"
#include "type_table.h"

typedef struct plan {
    char *table;                       /* with --table-prefix */
    const char *ttl;                   /* the ttl attribute, or NULL */
    ddb_create_table_input in;         /* arrays below */
    ddb_attribute_definition *defs;
    ddb_secondary_index *gsis, *lsis;
    size_t cap_defs, cap_ix;
    const char ***includes;            /* owned arrays of NonKeyAttributes, one per index */
    size_t n_includes;
    const ddbc_model *m;               /* the model that declared the table first */
    bool created;
} plan;

typedef struct plans {
    plan *v;
    size_t n;
    ddbc_schema **schemas;
    size_t n_schemas;
} plans;

static void plans_free(plans *p)
{
    for (size_t i = 0; i < p->n; i++) {
        plan *t = &p->v[i];
        free(t->table);
        free(t->defs);
        free(t->gsis);
        free(t->lsis);
        for (size_t k = 0; k < t->n_includes; k++)
            free(t->includes[k]);
        free(t->includes);
    }
    free(p->v);
    for (size_t i = 0; i < p->n_schemas; i++)
        ddbc_schema_free(p->schemas[i]);
    free(p->schemas);
    memset(p, 0, sizeof *p);
}

/* How an attribute is stored, hence its AttributeDefinitions type. */
static ddb_av_type attr_wire(const ddbc_attr *a)
{
    if (a->s3_bucket != NULL)
        return DDB_AV_S; /* a pointer to the S3 object */
    if (a->compress || a->encrypt != DDB_ENCRYPT_NONE)
        return DDB_AV_B;
    return ddb_type(a->type)->wire;
}

/* Adds the definition of key attribute `a` unless there; a second,
 * different type for one name is an error. */
static int add_def(plan *t, const ddbc_attr *a)
{
    ddb_av_type type = attr_wire(a);
    for (size_t i = 0; i < t->in.n_attribute_definitions; i++) {
        if (strcmp(t->defs[i].name, a->attr_name) != 0)
            continue;
        if (t->defs[i].type != type)
            return cli_failf("%s: table %s: attribute %s is a key of type %s and of type %s", a->pos.file, t->table,
                             a->attr_name, ddb_av_type_tag(t->defs[i].type), ddb_av_type_tag(type));
        return 0;
    }
    if (t->in.n_attribute_definitions == t->cap_defs) {
        size_t cap = t->cap_defs * 2 + 4;
        ddb_attribute_definition *n = realloc(t->defs, cap * sizeof *n);
        if (n == NULL)
            return cli_failf("out of memory");
        t->defs = n;
        t->cap_defs = cap;
    }
    t->defs[t->in.n_attribute_definitions++] = (ddb_attribute_definition){a->attr_name, type};
    t->in.attribute_definitions = t->defs;
    return 0;
}

static bool has_index(const plan *t, const char *name)
{
    for (size_t i = 0; i < t->in.n_global_indexes; i++) {
        if (strcmp(t->gsis[i].name, name) == 0)
            return true;
    }
    for (size_t i = 0; i < t->in.n_local_indexes; i++) {
        if (strcmp(t->lsis[i].name, name) == 0)
            return true;
    }
    return false;
}

static int add_index(plan *t, const ddbc_model *m, const ddbc_index *ix)
{
    if (has_index(t, ix->name))
        return 0;
    int rc = add_def(t, &m->attrs[ix->hash_key]);
    if (rc == 0 && ix->range_key >= 0)
        rc = add_def(t, &m->attrs[ix->range_key]);
    if (rc != 0)
        return rc;
    if (t->in.n_global_indexes + t->in.n_local_indexes >= t->cap_ix) {
        size_t cap = t->cap_ix * 2 + 4;
        ddb_secondary_index *g = realloc(t->gsis, cap * sizeof *g);
        if (g != NULL)
            t->gsis = g;
        ddb_secondary_index *l = g != NULL ? realloc(t->lsis, cap * sizeof *l) : NULL;
        if (l != NULL)
            t->lsis = l;
        const char ***inc = l != NULL ? realloc(t->includes, cap * sizeof *inc) : NULL;
        if (inc == NULL)
            return cli_failf("out of memory");
        t->includes = inc;
        t->cap_ix = cap;
    }
    ddb_secondary_index si;
    memset(&si, 0, sizeof si);
    si.name = ix->name;
    si.key.hash_key = m->attrs[ix->hash_key].attr_name;
    si.key.range_key = ix->range_key >= 0 ? m->attrs[ix->range_key].attr_name : NULL;
    si.projection.type = ix->projection == DDBC_PROJECTION_KEYS_ONLY ? DDB_PROJECTION_KEYS_ONLY
                         : ix->projection == DDBC_PROJECTION_INCLUDE ? DDB_PROJECTION_INCLUDE
                                                                     : DDB_PROJECTION_ALL;
    if (ix->n_include > 0) {
        const char **inc = calloc(ix->n_include, sizeof *inc);
        if (inc == NULL)
            return cli_failf("out of memory");
        for (size_t i = 0; i < ix->n_include; i++)
            inc[i] = m->attrs[ix->include[i]].attr_name;
        t->includes[t->n_includes++] = inc;
        si.projection.non_key_attributes = inc;
        si.projection.n_non_key_attributes = ix->n_include;
    }
    if (ix->global && m->billing == DDBC_BILLING_PROVISIONED) {
        si.throughput.read_capacity_units = m->read_capacity;
        si.throughput.write_capacity_units = m->write_capacity;
    }
    if (ix->global)
        t->gsis[t->in.n_global_indexes++] = si;
    else
        t->lsis[t->in.n_local_indexes++] = si;
    t->in.global_indexes = t->gsis;
    t->in.local_indexes = t->lsis;
    return 0;
}

static ddb_stream_view stream_view(ddbc_stream s)
{
    switch (s) {
    case DDBC_STREAM_KEYS_ONLY: return DDB_STREAM_KEYS_ONLY;
    case DDBC_STREAM_NEW_IMAGE: return DDB_STREAM_NEW_IMAGE;
    case DDBC_STREAM_OLD_IMAGE: return DDB_STREAM_OLD_IMAGE;
    case DDBC_STREAM_NEW_AND_OLD_IMAGES: return DDB_STREAM_NEW_AND_OLD_IMAGES;
    case DDBC_STREAM_NONE: break;
    }
    return DDB_STREAM_UNSET;
}

/* A new table for model m. */
static int new_plan(plan *t, const cli_opts *o, const ddbc_model *m)
{
    memset(t, 0, sizeof *t);
    const char *prefix = o->table_prefix != NULL ? o->table_prefix : "";
    size_t n = strlen(prefix) + strlen(m->table) + 1;
    if ((t->table = malloc(n)) == NULL)
        return cli_failf("out of memory");
    snprintf(t->table, n, "%s%s", prefix, m->table);
    t->m = m;
    t->in.table_name = t->table;
    t->in.key_schema.hash_key = m->attrs[m->hash_key].attr_name;
    t->in.key_schema.range_key = m->range_key >= 0 ? m->attrs[m->range_key].attr_name : NULL;
    if (m->billing == DDBC_BILLING_PROVISIONED) {
        t->in.billing_mode = DDB_BILLING_MODE_PROVISIONED;
        t->in.throughput.read_capacity_units = m->read_capacity;
        t->in.throughput.write_capacity_units = m->write_capacity;
    } else {
        t->in.billing_mode = DDB_BILLING_MODE_PAY_PER_REQUEST;
    }
    t->in.stream = stream_view(m->stream);
    int rc = add_def(t, &m->attrs[m->hash_key]);
    if (rc == 0 && m->range_key >= 0)
        rc = add_def(t, &m->attrs[m->range_key]);
    return rc;
}

/* Whether model m's keys are those of table t (names and stored types). */
static bool same_keys(const plan *t, const ddbc_model *m)
{
    const ddbc_model *f = t->m;
    if ((f->range_key >= 0) != (m->range_key >= 0))
        return false;
    if (strcmp(f->attrs[f->hash_key].attr_name, m->attrs[m->hash_key].attr_name) != 0 ||
        attr_wire(&f->attrs[f->hash_key]) != attr_wire(&m->attrs[m->hash_key]))
        return false;
    return m->range_key < 0 ||
           (strcmp(f->attrs[f->range_key].attr_name, m->attrs[m->range_key].attr_name) == 0 &&
            attr_wire(&f->attrs[f->range_key]) == attr_wire(&m->attrs[m->range_key]));
}

static int add_model(plans *p, const cli_opts *o, const ddbc_model *m)
{
    if (m->extends >= 0)
        return 0; /* a subclass lives in its base's table */
    plan *t = NULL;
    for (size_t i = 0; i < p->n && t == NULL; i++) {
        if (strcmp(p->v[i].m->table, m->table) == 0)
            t = &p->v[i];
    }
    int rc = 0;
    if (t == NULL) {
        plan *v = realloc(p->v, (p->n + 1) * sizeof *v);
        if (v == NULL)
            return cli_failf("out of memory");
        p->v = v;
        t = &p->v[p->n++];
        if ((rc = new_plan(t, o, m)) != 0)
            return rc;
    } else if (!same_keys(t, m)) {
        return cli_failf("%s:%d:%d: model %s declares table %s with other keys than model %s (%s:%d)",
                         m->pos.file, m->pos.line, m->pos.col, m->name, m->table, t->m->name, t->m->pos.file,
                         t->m->pos.line);
    }
    for (size_t i = 0; rc == 0 && i < m->n_indexes; i++)
        rc = add_index(t, m, &m->indexes[i]);
    if (rc == 0 && m->ttl_attr >= 0) {
        const char *ttl = m->attrs[m->ttl_attr].attr_name;
        if (t->ttl != NULL && strcmp(t->ttl, ttl) != 0)
            return cli_failf("%s:%d:%d: model %s: table %s has two ttl attributes, %s and %s", m->pos.file,
                             m->pos.line, m->pos.col, m->name, m->table, t->ttl, ttl);
        t->ttl = ttl;
    }
    return rc;
}

/* Loads every schema (errors printed as ddbc prints them) and plans
 * their tables. */
static int load_plans(plans *p, const cli_opts *o)
{
    memset(p, 0, sizeof *p);
    if ((p->schemas = calloc(o->n_args, sizeof *p->schemas)) == NULL)
        return cli_failf("out of memory");
    ddbc_diag diag = DDBC_DIAG_INIT;
    for (size_t i = 0; i < o->n_args; i++) {
        ddbc_schema *s = ddbc_schema_load(o->args[i], &diag);
        if (s != NULL)
            p->schemas[p->n_schemas++] = s;
    }
    if (ddbc_diag_count(&diag) != 0) {
        cli_progress_clear();
        ddbc_diag_print(&diag, stderr);
        size_t n = ddbc_diag_count(&diag);
        ddbc_diag_free(&diag);
        return cli_failf("%zu error%s in the schema%s: no table was touched", n, n == 1 ? "" : "s",
                         o->n_args == 1 ? "" : "s");
    }
    ddbc_diag_free(&diag);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < p->n_schemas; i++) {
        for (size_t k = 0; rc == 0 && k < p->schemas[i]->n_models; k++)
            rc = add_model(p, o, &p->schemas[i]->models[k]);
    }
    return rc;
}

/* ------------------------------------------------------------ --dry-run */

/* --dry-run sends every request through a client whose transport records
 * it instead: what is printed is the exact body libddb would send, made by
 * the same code as a real run, and nothing leaves the process (the dummy
 * credentials sign nothing anyone sees). Each request is answered as the
 * service would answer a successful one. */
typedef struct recorder {
    ddb_transport base;
    ddb_buf requests; /* ,{"Operation":body}... */
} recorder;

static const char *header_value(const ddb_http_request *req, const char *name)
{
    for (size_t i = 0; i < req->n_headers; i++) {
        if (strcasecmp(req->headers[i].name, name) == 0)
            return req->headers[i].value;
    }
    return NULL;
}

static int record_send(ddb_transport *self, const ddb_http_request *req, ddb_http_response *resp)
{
    recorder *r = (recorder *)self;
    const char *target = header_value(req, "X-Amz-Target");
    const char *op = target != NULL && strchr(target, '.') != NULL ? strchr(target, '.') + 1 : "?";
    int rc = ddb_buf_puts(&r->requests, r->requests.len > 0 ? ",{" : "{");
    if (rc == 0)
        rc = cli_json_key(&r->requests, op);
    if (rc == 0)
        rc = ddb_buf_append(&r->requests, req->body, req->body_len);
    if (rc == 0)
        rc = ddb_buf_putc(&r->requests, '}');
    /* a success the client can parse: CreateTable and UpdateTimeToLive
     * both answer with one object */
    if (rc == 0)
        rc = ddb_buf_puts(&resp->body, strcmp(op, "CreateTable") == 0
                                           ? "{\"TableDescription\":{\"TableStatus\":\"CREATING\"}}"
                                           : "{}");
    resp->status = 200;
    return rc;
}

static int recorder_client(ddb_client **out, recorder *r, const cli_opts *o)
{
    memset(r, 0, sizeof *r);
    r->base.send = record_send;
    ddb_client_config cfg = DDB_CLIENT_CONFIG_INIT;
    cfg.region = o->target.region != NULL ? o->target.region : "us-east-1";
    cfg.transport = &r->base; /* no destroy: it lives on the caller's stack */
    cfg.retry.max_attempts = 1;
    int rc = ddb_creds_static_new(&cfg.credentials, "DRYRUN", "dry-run-signs-nothing", NULL);
    if (rc == 0 && (rc = ddb_client_new(out, &cfg)) != 0)
        ddb_credentials_provider_free(cfg.credentials);
    return rc;
}

/* ------------------------------------------------------------ commands */

#define TABLE_WAIT_MS 300000L

int cmd_create_tables(const cli_opts *o)
{
    plans p;
    int rc = load_plans(&p, o);
    ddb_client *c = NULL;
    recorder rec;
    if (rc == 0 && (o->dry_run ? recorder_client(&c, &rec, o) : cli_client_new(&c, o, NULL)) != 0)
        rc = cli_fail();
    for (size_t i = 0; rc == 0 && i < p.n; i++) {
        plan *t = &p.v[i];
        ddb_table_output out;
        int r = ddb_create_table(&out, c, &t->in);
        ddb_table_output_free(&out);
        if (r == 0) {
            t->created = true;
            if (!o->dry_run)
                printf("created %s\n", t->table);
        } else if ((r == DDB_EINUSE || r == DDB_EEXISTS) && o->if_not_exists) {
            printf("exists %s\n", t->table);
        } else {
            rc = cli_fail();
        }
        fflush(stdout);
    }
    /* every table is being created: now wait for each, then TTL */
    for (size_t i = 0; rc == 0 && i < p.n; i++) {
        plan *t = &p.v[i];
        if (!t->created || ((o->no_wait || o->dry_run) && t->ttl == NULL))
            continue;
        if (!o->dry_run && ddb_wait_table_active(c, t->table, TABLE_WAIT_MS) != 0) {
            rc = cli_fail_ctx("waiting for the table to be ACTIVE");
            break;
        }
        if (t->ttl != NULL) {
            ddb_update_ttl_input in = DDB_UPDATE_TTL_INPUT_INIT;
            in.table_name = t->table;
            in.attribute_name = t->ttl;
            in.enabled = true;
            ddb_ttl_output out;
            if (ddb_update_time_to_live(&out, c, &in) != 0)
                rc = cli_fail_ctx("enabling TTL");
            ddb_ttl_output_free(&out);
        }
    }
    ddb_client_free(c);
    if (rc == 0 && o->dry_run) {
        ddb_buf json = DDB_BUF_INIT;
        rc = ddb_buf_putc(&json, '[');
        if (rc == 0)
            rc = ddb_buf_append(&json, rec.requests.data, rec.requests.len);
        if (rc == 0)
            rc = ddb_buf_putc(&json, ']');
        if (rc == 0)
            rc = cli_write_pretty(stdout, json.data, json.len);
        ddb_buf_free(&json);
        rc = rc == 0 ? CLI_OK : cli_fail();
    }
    if (o->dry_run)
        ddb_buf_free(&rec.requests);
    plans_free(&p);
    return rc;
}

int cmd_delete_tables(const cli_opts *o)
{
    plans p;
    int rc = load_plans(&p, o);
    ddb_client *c = NULL;
    if (rc == 0 && cli_client_new(&c, o, NULL) != 0)
        rc = cli_fail();
    for (size_t i = 0; rc == 0 && i < p.n; i++) {
        plan *t = &p.v[i];
        ddb_table_name_input in = DDB_TABLE_NAME_INPUT_INIT;
        in.table_name = t->table;
        ddb_table_output out;
        int r = ddb_delete_table(&out, c, &in);
        ddb_table_output_free(&out);
        if (r == 0) {
            t->created = true; /* here: deleted, to wait for */
            printf("deleted %s\n", t->table);
        } else if (r == DDB_ERESOURCE && o->if_exists) {
            printf("absent %s\n", t->table);
        } else {
            rc = cli_fail();
        }
        fflush(stdout);
    }
    for (size_t i = 0; rc == 0 && !o->no_wait && i < p.n; i++) {
        if (p.v[i].created && ddb_wait_table_deleted(c, p.v[i].table, TABLE_WAIT_MS) != 0)
            rc = cli_fail_ctx("waiting for the table to be deleted");
    }
    ddb_client_free(c);
    plans_free(&p);
    return rc;
}
