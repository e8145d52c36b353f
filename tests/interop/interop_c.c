/*
 * interop_c.c - the C half of the PynamoDB wire-compatibility test
 * (tests/interop/README.md). pynamo_side.py runs it; it talks to DynamoDB
 * Local through the code ddbc generated from interop.yaml.
 *
 *   interop_c get-records   stdin {"pk": S, "sks": [N...], "no_query": B}
 *       gets each item (iop_record_get), then reads the partition with
 *       iop_record_query (3 items a page) and with iop_record_query_page;
 *       prints {"get": [{"sk", "rc", "error", "item"}], "query": [item...],
 *       "query_rc", "pages": [[sk...]...], "pages_rc"}
 *   interop_c put-records   stdin {"records": [item...]}
 *       builds each struct from the item and saves it (iop_record_put);
 *       prints {"put": [{"sk", "rc", "error", "version"}]}
 *   interop_c get-shapes    stdin {"ids": [S...]}
 *       prints {"shapes": [{"shape_rc", "shape", "circle_rc", "circle"}]}
 *   interop_c put-shapes    stdin {"shapes": [shape...]}  (with "radius": a circle)
 *   interop_c lock          line protocol, see cmd_lock
 *
 * "item" is the canonical JSON of a struct: one member per C field, built
 * from (or into) the struct's fields directly, not through the runtime's
 * item codec: null for an absent nullable field; doubles as "%.17g" text;
 * decimals and number-set elements as their text; bytes as base64;
 * datetimes as {"sec", "usec"}; documents, untyped lists and the
 * attributes kept by keep_unknown as DynamoDB JSON with base64 B.
 *
 * Environment: DDB_TEST_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY.
 * Exit status 0, or 2 with a message on stderr when something other than
 * the compared operations fails (bad input, no server, out of memory).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ddb_test.h"
#include "interop.h"

/* ------------------------------------------------------------ helpers */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("interop_c: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n != 0 ? n : 1, size);
    if (p == NULL)
        die("out of memory");
    return p;
}

static char *xstrndup(const char *s, size_t len)
{
    char *p = xcalloc(len + 1, 1);
    memcpy(p, s, len);
    return p;
}

static char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

static void jset(json_t *obj, const char *key, json_t *v)
{
    if (v == NULL || json_object_set_new(obj, key, v) != 0)
        die("cannot build the JSON member %s", key);
}

static void jpush(json_t *arr, json_t *v)
{
    if (v == NULL || json_array_append_new(arr, v) != 0)
        die("cannot build a JSON array");
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static json_t *b64_json(const unsigned char *p, size_t len)
{
    char *out = xcalloc(4 * ((len + 2) / 3) + 1, 1);
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        if (i + 1 < len)
            v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < len)
            v |= p[i + 2];
        out[o++] = B64[(v >> 18) & 63];
        out[o++] = B64[(v >> 12) & 63];
        out[o++] = i + 1 < len ? B64[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? B64[v & 63] : '=';
    }
    json_t *j = json_stringn(out, o);
    free(out);
    return j;
}

static int b64_value(char c)
{
    const char *p = c != '\0' ? strchr(B64, c) : NULL;
    return p != NULL ? (int)(p - B64) : -1;
}

/* Decodes standard padded base64; the result is malloc'ed (never NULL). */
static unsigned char *b64_decode(const char *s, size_t *len)
{
    size_t n = strlen(s);
    if (n % 4 != 0)
        die("bad base64 length: %s", s);
    unsigned char *out = xcalloc(n / 4 * 3 + 1, 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        int v[4];
        for (int k = 0; k < 4; k++) {
            v[k] = s[i + k] == '=' && i + 4 == n && k >= 2 ? 0 : b64_value(s[i + k]);
            if (v[k] < 0)
                die("bad base64: %s", s);
        }
        unsigned w = (unsigned)v[0] << 18 | (unsigned)v[1] << 12 | (unsigned)v[2] << 6 |
                     (unsigned)v[3];
        out[o++] = (unsigned char)(w >> 16);
        if (s[i + 2] != '=')
            out[o++] = (unsigned char)(w >> 8);
        if (s[i + 3] != '=')
            out[o++] = (unsigned char)w;
    }
    *len = o;
    return out;
}

/* A JSON string of `len` bytes; text that is not UTF-8 (a decoding bug)
 * becomes {"invalid_utf8": base64} so that the comparison shows it. */
static json_t *jstrn(const char *s, size_t len)
{
    json_t *j = json_stringn(s, len);
    if (j != NULL)
        return j;
    j = json_object();
    jset(j, "invalid_utf8", b64_json((const unsigned char *)s, len));
    return j;
}

static json_t *jstr(const char *s)
{
    return s == NULL ? json_null() : jstrn(s, strlen(s));
}

static json_t *jdouble(double v)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%.17g", v);
    return json_string(buf);
}

static json_t *jbytes(ddb_bytes b)
{
    return b.data == NULL ? json_null() : b64_json(b.data, b.len);
}

static json_t *jrc(int rc)
{
    return json_string(rc == 0 ? "OK" : ddb_code_name(rc));
}

/* ---- reading the request */

static const json_t *member(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    if (v == NULL)
        die("request lacks the member \"%s\"", key);
    return v;
}

static const char *get_str(const json_t *obj, const char *key)
{
    const json_t *v = member(obj, key);
    if (!json_is_string(v))
        die("\"%s\" is not a string", key);
    return json_string_value(v);
}

/* A malloc'ed copy of a string member, NULL for null. */
static char *opt_str(const json_t *obj, const char *key)
{
    const json_t *v = member(obj, key);
    return json_is_null(v) ? NULL : xstrdup(get_str(obj, key));
}

static int64_t get_int(const json_t *obj, const char *key)
{
    const json_t *v = member(obj, key);
    if (!json_is_integer(v))
        die("\"%s\" is not an integer", key);
    return (int64_t)json_integer_value(v);
}

static bool opt_int(const json_t *obj, const char *key, int64_t *out)
{
    if (json_is_null(member(obj, key)))
        return false;
    *out = get_int(obj, key);
    return true;
}

static double parse_double(const char *text)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (*text == '\0' || *end != '\0' || errno != 0)
        die("bad double text \"%s\"", text);
    return v;
}

static const json_t *get_array(const json_t *obj, const char *key)
{
    const json_t *v = member(obj, key);
    if (!json_is_array(v))
        die("\"%s\" is not an array", key);
    return v;
}

static ddb_bytes bytes_of(const char *b64)
{
    size_t len;
    unsigned char *data = b64_decode(b64, &len);
    return (ddb_bytes){data, len};
}

/* ------------------------------------------------------------ ddb_av <-> typed JSON */

static json_t *dump_av(const ddb_av *v)
{
    json_t *j = json_object();
    json_t *arr;
    switch (v->type) {
    case DDB_AV_NULL:
        jset(j, "NULL", json_true());
        break;
    case DDB_AV_BOOL:
        jset(j, "BOOL", json_boolean(v->u.boolean));
        break;
    case DDB_AV_S:
        jset(j, "S", jstrn(v->u.str.ptr, v->u.str.len));
        break;
    case DDB_AV_N:
        jset(j, "N", jstrn(v->u.str.ptr, v->u.str.len));
        break;
    case DDB_AV_B:
        jset(j, "B", b64_json((const unsigned char *)v->u.str.ptr, v->u.str.len));
        break;
    case DDB_AV_SS:
    case DDB_AV_NS:
    case DDB_AV_BS:
        arr = json_array();
        for (size_t i = 0; i < v->u.list.len; i++) {
            const ddb_av *e = v->u.list.items[i];
            const unsigned char *bytes = (const unsigned char *)e->u.str.ptr;
            jpush(arr, v->type == DDB_AV_BS ? b64_json(bytes, e->u.str.len)
                                            : jstrn(e->u.str.ptr, e->u.str.len));
        }
        jset(j, ddb_av_type_tag(v->type), arr);
        break;
    case DDB_AV_L:
        arr = json_array();
        for (size_t i = 0; i < v->u.list.len; i++)
            jpush(arr, dump_av(v->u.list.items[i]));
        jset(j, "L", arr);
        break;
    case DDB_AV_M: {
        json_t *m = json_object();
        for (size_t i = 0; i < v->u.map.len; i++) {
            const ddb_av_member *mem = &v->u.map.items[i];
            if (json_object_setn_new(m, mem->name, mem->name_len, dump_av(mem->value)) != 0)
                die("cannot dump map member %s", mem->name);
        }
        jset(j, "M", m);
        break;
    }
    }
    return j;
}

static ddb_av *must(ddb_av *v)
{
    if (v == NULL)
        die("building a value: %s", ddbt_last_error());
    return v;
}

static ddb_av *build_av(const json_t *j)
{
    const char *tag = NULL;
    json_t *v = NULL;
    if (!json_is_object(j) || json_object_size(j) != 1)
        die("a typed value must have one member");
    json_object_foreach((json_t *)j, tag, v) {
        break;
    }
    if (strcmp(tag, "NULL") == 0)
        return must(ddb_av_null());
    if (strcmp(tag, "BOOL") == 0)
        return must(ddb_av_bool(json_is_true(v)));
    if (strcmp(tag, "S") == 0)
        return must(ddb_av_s_len(json_string_value(v), json_string_length(v)));
    if (strcmp(tag, "N") == 0)
        return must(ddb_av_n(json_string_value(v)));
    if (strcmp(tag, "B") == 0) {
        ddb_bytes b = bytes_of(json_string_value(v));
        ddb_av *av = must(ddb_av_b(b.data, b.len));
        free(b.data);
        return av;
    }
    ddb_av_type set = strcmp(tag, "SS") == 0   ? DDB_AV_SS
                      : strcmp(tag, "NS") == 0 ? DDB_AV_NS
                      : strcmp(tag, "BS") == 0 ? DDB_AV_BS
                      : strcmp(tag, "L") == 0  ? DDB_AV_L
                                               : DDB_AV_M;
    ddb_av *out = must(ddb_av_new(set));
    if (set == DDB_AV_M) {
        if (strcmp(tag, "M") != 0 || !json_is_object(v))
            die("unknown typed value %s", tag);
        const char *name;
        json_t *mv;
        json_object_foreach(v, name, mv) {
            if (ddb_av_map_set(out, name, build_av(mv)) != 0)
                die("building a map: %s", ddbt_last_error());
        }
        return out;
    }
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) {
        ddb_av *child;
        if (set == DDB_AV_L) {
            child = build_av(e);
        } else if (set == DDB_AV_BS) {
            ddb_bytes b = bytes_of(json_string_value(e));
            child = must(ddb_av_b(b.data, b.len));
            free(b.data);
        } else {
            const char *text = json_string_value(e);
            child = must(set == DDB_AV_NS ? ddb_av_n(text) : ddb_av_s(text));
        }
        if (ddb_av_list_push(out, child) != 0)
            die("building a list: %s", ddbt_last_error());
    }
    return out;
}

static ddb_av *opt_av(const json_t *obj, const char *key)
{
    const json_t *v = member(obj, key);
    return json_is_null(v) ? NULL : build_av(v);
}

/* ------------------------------------------------------------ struct -> canonical JSON */

static json_t *dump_address(const iop_address *a)
{
    json_t *j = json_object();
    jset(j, "street", jstr(a->street));
    jset(j, "zip", jstr(a->zip));
    return j;
}

static json_t *dump_person(const iop_person *p)
{
    json_t *j = json_object();
    jset(j, "name", jstr(p->name));
    jset(j, "age", p->has_age ? json_integer(p->age) : json_null());
    jset(j, "home", p->has_home ? dump_address(&p->home) : json_null());
    return j;
}

static json_t *dump_line(const iop_line *l)
{
    json_t *j = json_object();
    jset(j, "sku", jstr(l->sku));
    jset(j, "qty", json_integer(l->qty));
    jset(j, "price", jstr(l->price));
    return j;
}

static json_t *dump_strs(char *const *items, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        jpush(arr, jstr(items[i]));
    return arr;
}

static json_t *dump_record(const iop_record *r)
{
    json_t *j = json_object();
    jset(j, "pk", jstr(r->pk));
    jset(j, "sk", json_integer(r->sk));
    jset(j, "text", jstr(r->text));
    jset(j, "count", r->has_count ? json_integer(r->count) : json_null());
    jset(j, "ratio", r->has_ratio ? jdouble(r->ratio) : json_null());
    jset(j, "amount", jstr(r->amount));
    jset(j, "flag", r->has_flag ? json_boolean(r->flag) : json_null());
    jset(j, "blob", jbytes(r->blob));
    json_t *at = json_null();
    if (r->has_at) {
        at = json_object();
        jset(at, "sec", json_integer(r->at.sec));
        jset(at, "usec", json_integer(r->at.usec));
    }
    jset(j, "at", at);
    jset(j, "meta", jstr(r->meta));
    jset(j, "tags", dump_strs(r->tags.items, r->tags.n));
    jset(j, "scores", dump_strs(r->scores.items, r->scores.n));
    json_t *blobs = json_array();
    for (size_t i = 0; i < r->blobs.n; i++)
        jpush(blobs, jbytes(r->blobs.items[i]));
    jset(j, "blobs", blobs);
    jset(j, "words", dump_strs(r->words.items, r->words.n));
    json_t *counts = json_null();
    if (r->has_counts) {
        counts = json_array();
        for (size_t i = 0; i < r->counts.n; i++)
            jpush(counts, json_integer(r->counts.items[i]));
    }
    jset(j, "counts", counts);
    json_t *lines = json_null();
    if (r->has_lines) {
        lines = json_array();
        for (size_t i = 0; i < r->lines.n; i++)
            jpush(lines, dump_line(&r->lines.items[i]));
    }
    jset(j, "lines", lines);
    jset(j, "stuff", r->stuff != NULL ? dump_av(r->stuff) : json_null());
    jset(j, "owner", r->has_owner ? dump_person(&r->owner) : json_null());
    jset(j, "doc", r->doc != NULL ? dump_av(r->doc) : json_null());
    jset(j, "nothing", json_boolean(r->nothing));
    jset(j, "expires", r->has_expires ? json_integer(r->expires) : json_null());
    jset(j, "version", json_integer(r->version));
    jset(j, "label", jstr(r->label));
    json_t *unknown = json_null();
    if (r->unknown_attrs != NULL) {
        json_t *typed = dump_av(r->unknown_attrs); /* {"M": {...}} */
        unknown = json_incref(json_object_get(typed, "M"));
        json_decref(typed);
    }
    jset(j, "unknown", unknown);
    return j;
}

static json_t *dump_shape(const iop_shape *s)
{
    json_t *j = json_object();
    jset(j, "id", jstr(s->id));
    jset(j, "kind", jstr(s->kind));
    jset(j, "name", jstr(s->name));
    return j;
}

static json_t *dump_circle(const iop_circle *c)
{
    json_t *j = json_object();
    jset(j, "id", jstr(c->id));
    jset(j, "kind", jstr(c->kind));
    jset(j, "name", jstr(c->name));
    jset(j, "radius", jdouble(c->radius));
    return j;
}

/* ------------------------------------------------------------ canonical JSON -> struct */

static void build_address(const json_t *j, iop_address *a)
{
    iop_address_init(a);
    a->street = opt_str(j, "street");
    a->zip = opt_str(j, "zip");
}

static void build_person(const json_t *j, iop_person *p)
{
    iop_person_init(p);
    p->name = opt_str(j, "name");
    p->has_age = opt_int(j, "age", &p->age);
    const json_t *home = member(j, "home");
    if (!json_is_null(home)) {
        p->has_home = true;
        build_address(home, &p->home);
    }
}

static void build_line(const json_t *j, iop_line *l)
{
    iop_line_init(l);
    l->sku = opt_str(j, "sku");
    l->qty = get_int(j, "qty");
    l->price = opt_str(j, "price");
}

static char **build_strs(const json_t *arr, size_t *n)
{
    *n = json_array_size(arr);
    char **items = xcalloc(*n, sizeof *items);
    for (size_t i = 0; i < *n; i++) {
        const json_t *e = json_array_get(arr, i);
        if (!json_is_string(e))
            die("a string list holds a non-string");
        items[i] = xstrndup(json_string_value(e), json_string_length(e));
    }
    return items;
}

static void build_record(const json_t *j, iop_record *r)
{
    iop_record_init(r);
    r->pk = opt_str(j, "pk");
    r->sk = get_int(j, "sk");
    r->text = opt_str(j, "text");
    r->has_count = opt_int(j, "count", &r->count);
    const json_t *v = member(j, "ratio");
    if (!json_is_null(v)) {
        r->has_ratio = true;
        r->ratio = parse_double(json_string_value(v));
    }
    r->amount = opt_str(j, "amount");
    v = member(j, "flag");
    if (!json_is_null(v)) {
        r->has_flag = true;
        r->flag = json_is_true(v);
    }
    v = member(j, "blob");
    if (!json_is_null(v))
        r->blob = bytes_of(json_string_value(v));
    v = member(j, "at");
    if (!json_is_null(v)) {
        r->has_at = true;
        r->at.sec = get_int(v, "sec");
        r->at.usec = (int32_t)get_int(v, "usec");
    }
    r->meta = opt_str(j, "meta");
    r->tags.items = build_strs(get_array(j, "tags"), &r->tags.n);
    r->scores.items = build_strs(get_array(j, "scores"), &r->scores.n);
    const json_t *arr = get_array(j, "blobs");
    r->blobs.n = json_array_size(arr);
    r->blobs.items = xcalloc(r->blobs.n, sizeof *r->blobs.items);
    for (size_t i = 0; i < r->blobs.n; i++)
        r->blobs.items[i] = bytes_of(json_string_value(json_array_get(arr, i)));
    r->words.items = build_strs(get_array(j, "words"), &r->words.n);
    v = member(j, "counts");
    if (!json_is_null(v)) {
        r->has_counts = true;
        r->counts.n = json_array_size(v);
        r->counts.items = xcalloc(r->counts.n, sizeof *r->counts.items);
        for (size_t i = 0; i < r->counts.n; i++)
            r->counts.items[i] = (int64_t)json_integer_value(json_array_get(v, i));
    }
    v = member(j, "lines");
    if (!json_is_null(v)) {
        r->has_lines = true;
        r->lines.n = json_array_size(v);
        r->lines.items = xcalloc(r->lines.n, sizeof *r->lines.items);
        for (size_t i = 0; i < r->lines.n; i++)
            build_line(json_array_get(v, i), &r->lines.items[i]);
    }
    r->stuff = opt_av(j, "stuff");
    v = member(j, "owner");
    if (!json_is_null(v)) {
        r->has_owner = true;
        build_person(v, &r->owner);
    }
    r->doc = opt_av(j, "doc");
    r->nothing = json_is_true(member(j, "nothing"));
    r->has_expires = opt_int(j, "expires", &r->expires);
    r->version = get_int(j, "version");
    r->label = opt_str(j, "label");
    v = member(j, "unknown");
    if (!json_is_null(v)) {
        json_t *typed = json_pack("{sO}", "M", v);
        r->unknown_attrs = build_av(typed);
        json_decref(typed);
    }
}

/* ------------------------------------------------------------ commands */

static ddb_client *client;

static void connect_client(void)
{
    /* the python side's key: the same database (and moto account) */
    const char *key = getenv("DDB_INTEROP_KEY_ID");
    if (key == NULL || *key == '\0')
        die("DDB_INTEROP_KEY_ID is not set (pynamo_side.py sets it)");
    if (ddbt_client_new(&client, key, NULL) != 0)
        die("no client (see above)");
    iop_record_use_client(client);
    iop_shape_use_client(client);
    iop_circle_use_client(client);
}

static json_t *result(int rc)
{
    json_t *j = json_object();
    jset(j, "rc", jrc(rc));
    jset(j, "error", rc == 0 ? json_null() : json_string(ddbt_last_error()));
    return j;
}

static const ddb_get_opts CONSISTENT = {.version = DDB_GET_OPTS_VERSION, .consistent_read = true};

static json_t *cmd_get_records(const json_t *req)
{
    const char *pk = get_str(req, "pk");
    const json_t *sks = get_array(req, "sks");
    json_t *out = json_object();
    json_t *gets = json_array();
    size_t i;
    json_t *sk;
    json_array_foreach(sks, i, sk) {
        iop_record r;
        iop_record_init(&r);
        int rc = iop_record_get(&r, pk, (int64_t)json_integer_value(sk), &CONSISTENT);
        json_t *res = result(rc);
        jset(res, "sk", json_integer(json_integer_value(sk)));
        jset(res, "item", rc == 0 ? dump_record(&r) : json_null());
        jpush(gets, res);
        iop_record_clear(&r);
    }
    jset(out, "get", gets);
    if (json_is_true(json_object_get(req, "no_query")))
        return out;

    /* the iterator, 3 items a request */
    ddb_query_opts qopts = {.version = DDB_QUERY_OPTS_VERSION, .consistent_read = true, .page_size = 3};
    json_t *items = json_array();
    ddb_iter *it = NULL;
    int rc = iop_record_query(&it, pk, IOP_RECORD_NO_RANGE, IOP_RECORD_NO_COND, &qopts);
    if (rc == 0) {
        iop_record r;
        iop_record_init(&r);
        while ((rc = iop_record_next(&r, it)) == 1)
            jpush(items, dump_record(&r));
        iop_record_clear(&r);
    }
    ddb_iter_free(it);
    jset(out, "query", items);
    jset(out, "query_rc", json_string(rc == 0 ? "OK" : ddbt_last_error()));

    /* explicit pages of 3 with cursors */
    json_t *pages = json_array();
    char *cursor = NULL;
    iop_record slots[3];
    for (size_t k = 0; k < 3; k++)
        iop_record_init(&slots[k]);
    do {
        ddb_page page = DDB_PAGE_INIT;
        ddb_query_opts popts = {.version = DDB_QUERY_OPTS_VERSION, .consistent_read = true, .cursor = cursor};
        rc = iop_record_query_page(slots, 3, &page, pk, IOP_RECORD_NO_RANGE, IOP_RECORD_NO_COND,
                                   &popts);
        free(cursor);
        cursor = NULL;
        if (rc == 0) {
            json_t *p = json_array();
            for (size_t k = 0; k < page.n_items; k++)
                jpush(p, json_integer(slots[k].sk));
            jpush(pages, p);
            cursor = page.cursor != NULL ? xstrdup(page.cursor) : NULL;
        }
        ddb_page_free(&page);
    } while (rc == 0 && cursor != NULL);
    for (size_t k = 0; k < 3; k++)
        iop_record_clear(&slots[k]);
    jset(out, "pages", pages);
    jset(out, "pages_rc", json_string(rc == 0 ? "OK" : ddbt_last_error()));
    return out;
}

static json_t *cmd_put_records(const json_t *req)
{
    json_t *puts = json_array();
    size_t i;
    json_t *rec;
    json_array_foreach(member(req, "records"), i, rec) {
        iop_record r;
        build_record(rec, &r);
        int rc = iop_record_put(&r, IOP_RECORD_NO_COND);
        json_t *res = result(rc);
        jset(res, "sk", json_integer(r.sk));
        jset(res, "version", json_integer(r.version));
        jpush(puts, res);
        iop_record_clear(&r);
    }
    json_t *out = json_object();
    jset(out, "put", puts);
    return out;
}

static json_t *cmd_get_shapes(const json_t *req)
{
    json_t *shapes = json_array();
    size_t i;
    json_t *id;
    json_array_foreach(member(req, "ids"), i, id) {
        json_t *res = json_object();
        iop_shape s;
        iop_shape_init(&s);
        int rc = iop_shape_get(&s, json_string_value(id), &CONSISTENT);
        jset(res, "shape_rc", jrc(rc));
        jset(res, "shape", rc == 0 ? dump_shape(&s) : json_string(ddbt_last_error()));
        iop_shape_clear(&s);
        iop_circle c;
        iop_circle_init(&c);
        rc = iop_circle_get(&c, json_string_value(id), &CONSISTENT);
        jset(res, "circle_rc", jrc(rc));
        jset(res, "circle", rc == 0 ? dump_circle(&c) : json_string(ddbt_last_error()));
        iop_circle_clear(&c);
        jpush(shapes, res);
    }
    json_t *out = json_object();
    jset(out, "shapes", shapes);
    return out;
}

static json_t *cmd_put_shapes(const json_t *req)
{
    json_t *puts = json_array();
    size_t i;
    json_t *sj;
    json_array_foreach(member(req, "shapes"), i, sj) {
        int rc;
        if (json_object_get(sj, "radius") != NULL) {
            iop_circle c;
            iop_circle_init(&c); /* sets kind = "Circle" */
            if (c.kind == NULL || strcmp(c.kind, get_str(sj, "kind")) != 0)
                die("iop_circle_init set kind to %s", c.kind != NULL ? c.kind : "NULL");
            c.id = opt_str(sj, "id");
            c.name = opt_str(sj, "name");
            c.radius = parse_double(get_str(sj, "radius"));
            rc = iop_circle_put(&c, IOP_CIRCLE_NO_COND);
            iop_circle_clear(&c);
        } else {
            iop_shape s;
            iop_shape_init(&s);
            s.id = opt_str(sj, "id");
            s.kind = opt_str(sj, "kind"); /* the base model has no value of its own */
            s.name = opt_str(sj, "name");
            rc = iop_shape_put(&s, IOP_SHAPE_NO_COND);
            iop_shape_clear(&s);
        }
        jpush(puts, result(rc));
    }
    json_t *out = json_object();
    jset(out, "put", puts);
    return out;
}

static void emit(json_t *j)
{
    if (json_dumpf(j, stdout, JSON_COMPACT) != 0 || fputc('\n', stdout) == EOF ||
        fflush(stdout) != 0)
        die("cannot write the result");
    json_decref(j);
}

static json_t *read_line_json(void)
{
    char line[4096];
    if (fgets(line, sizeof line, stdin) == NULL)
        die("lock: stdin closed early");
    json_error_t err;
    json_t *j = json_loads(line, 0, &err);
    if (j == NULL)
        die("lock: bad request line: %s", err.text);
    return j;
}

/*
 * Optimistic locking against Python, in two steps separated by a line on
 * stdin (Python writes between them):
 *   in:  {"pk", "sk"}
 *   C reads the item and updates it (set text): version v -> v + 1
 *   out: {"read_version", "update_rc", "version"}
 *   in:  "go" (Python has saved over C's copy meanwhile)
 *   C updates with its now stale copy (refused), puts a never-saved object
 *   with the same key (refused), refreshes its copy and puts it
 *   out: {"stale_update_rc", "new_put_rc", "refresh_rc", "refreshed_version",
 *         "refreshed_text", "put_rc", "version"}
 */
static void cmd_lock(void)
{
    json_t *req = read_line_json();
    const char *pk = get_str(req, "pk");
    int64_t sk = get_int(req, "sk");
    iop_record r;
    iop_record_init(&r);
    int rc = iop_record_get(&r, pk, sk, &CONSISTENT);
    if (rc != 0)
        die("lock: get: %s", ddbt_last_error());
    json_t *out = json_object();
    jset(out, "read_version", json_integer(r.version));
    rc = iop_record_update(&r, iop_record_set_text("updated by C"), IOP_RECORD_NO_COND);
    jset(out, "update_rc", jrc(rc));
    jset(out, "version", json_integer(r.version));
    emit(out);

    char go[16];
    if (fgets(go, sizeof go, stdin) == NULL || strcmp(go, "go\n") != 0)
        die("lock: expected \"go\"");
    out = json_object();
    rc = iop_record_update(&r, iop_record_set_text("stale C"), IOP_RECORD_NO_COND);
    jset(out, "stale_update_rc", jrc(rc));

    iop_record fresh;
    iop_record_init(&fresh);
    fresh.pk = xstrdup(pk);
    fresh.sk = sk;
    fresh.label = xstrdup("never saved");
    rc = iop_record_put(&fresh, IOP_RECORD_NO_COND);
    jset(out, "new_put_rc", jrc(rc));
    iop_record_clear(&fresh);

    rc = iop_record_refresh(&r, &CONSISTENT);
    jset(out, "refresh_rc", jrc(rc));
    jset(out, "refreshed_version", json_integer(r.version));
    jset(out, "refreshed_text", jstr(r.text));
    rc = iop_record_put(&r, IOP_RECORD_NO_COND);
    jset(out, "put_rc", jrc(rc));
    jset(out, "version", json_integer(r.version));
    emit(out);
    iop_record_clear(&r);
    json_decref(req);
}

int main(int argc, char **argv)
{
    if (argc != 2)
        die("usage: interop_c get-records|put-records|get-shapes|put-shapes|lock < request");
    const char *cmd = argv[1];
    connect_client();
    if (strcmp(cmd, "lock") == 0) {
        cmd_lock();
    } else {
        json_error_t err;
        json_t *req = json_loadf(stdin, 0, &err);
        if (req == NULL)
            die("bad request on stdin: %s (line %d)", err.text, err.line);
        json_t *out = NULL;
        if (strcmp(cmd, "get-records") == 0)
            out = cmd_get_records(req);
        else if (strcmp(cmd, "put-records") == 0)
            out = cmd_put_records(req);
        else if (strcmp(cmd, "get-shapes") == 0)
            out = cmd_get_shapes(req);
        else if (strcmp(cmd, "put-shapes") == 0)
            out = cmd_put_shapes(req);
        else
            die("unknown command %s", cmd);
        emit(out);
        json_decref(req);
    }
    ddb_client_free(client);
    return 0;
}
