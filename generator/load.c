/* load.c - libyaml events -> ddbc_node tree with positions, limits and basic rules. */
#include "load.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yaml.h>

#include "ddb/buf.h"

struct ddbc_yaml {
    ddbc_node *nodes; /* nodes[0] is the root; n_nodes == 0 for an empty file */
    size_t n_nodes;
    const ddbc_node **items;
    ddbc_pair *pairs;
    char *text; /* every scalar's text, each NUL-terminated */
};

/* Converts a 0-based libyaml mark to a 1-based position. */
static ddbc_pos mark_pos(const char *file, yaml_mark_t m)
{
    ddbc_pos p = {file, m.line < INT_MAX ? (int)m.line + 1 : INT_MAX,
                  m.column < INT_MAX ? (int)m.column + 1 : INT_MAX};
    return p;
}

/* ---- input: the file, at most DDBC_MAX_SCHEMA_BYTES of it -------------------- */

typedef struct input {
    FILE *f;
    size_t total;  /* bytes read so far */
    bool too_big;  /* more than DDBC_MAX_SCHEMA_BYTES: reading stopped */
} input;

/* libyaml's read handler: the file's bytes, failing past the size limit. */
static int read_input(void *data, unsigned char *buffer, size_t size, size_t *size_read)
{
    input *in = data;
    *size_read = fread(buffer, 1, size, in->f);
    in->total += *size_read;
    if (in->total > DDBC_MAX_SCHEMA_BYTES) {
        in->too_big = true;
        return 0;
    }
    return !ferror(in->f);
}

/*
 * The position of byte `offset` of `in` (libyaml gives only the offset for
 * encoding errors); columns count UTF-8 characters, as libyaml's do.
 */
static ddbc_pos offset_pos(FILE *in, const char *file, size_t offset)
{
    ddbc_pos p = {file, 1, 1};
    rewind(in);
    for (size_t i = 0; i < offset; i++) {
        int c = getc(in);
        if (c == EOF)
            break;
        if (c == '\n') {
            p.line++;
            p.col = 1;
        } else if ((c & 0xC0) != 0x80) {
            p.col++;
        }
    }
    return p;
}

static void report_parser_error(const yaml_parser_t *p, const input *in, const char *file, ddbc_diag *diag)
{
    ddbc_pos at = mark_pos(file, p->problem_mark);
    switch (p->error) {
    case YAML_READER_ERROR:
        if (in->too_big)
            ddbc_diag_error(diag, (ddbc_pos){file, 0, 0}, "the file is larger than %d MiB, the limit for a schema",
                            DDBC_MAX_SCHEMA_BYTES / (1024 * 1024));
        else
            ddbc_diag_error(diag, offset_pos(in->f, file, p->problem_offset),
                            "invalid text encoding: %s (YAML files are UTF-8)", p->problem);
        return;
    case YAML_SCANNER_ERROR:
    case YAML_PARSER_ERROR:
    case YAML_COMPOSER_ERROR:
        if (p->context != NULL) {
            ddbc_pos ctx = mark_pos(file, p->context_mark);
            ddbc_diag_error(diag, at, "YAML syntax error: %s (%s at %d:%d)", p->problem, p->context,
                            ctx.line, ctx.col);
        } else {
            ddbc_diag_error(diag, at, "YAML syntax error: %s", p->problem);
        }
        return;
    case YAML_NO_ERROR:
    case YAML_MEMORY_ERROR:
    case YAML_WRITER_ERROR:
    case YAML_EMITTER_ERROR:
        break;
    }
    ddbc_diag_error(diag, (ddbc_pos){file, 0, 0}, "cannot load YAML: out of memory");
}

/* ---- composing: events -> nodes ------------------------------------------------ */

/*
 * A node while the document is composed: containers list their children
 * in `links` (first, n; a mapping's alternate key and value), scalars their
 * text in the text buffer. Pointers come only when the document is done.
 */
typedef struct raw_node {
    ddbc_node_kind kind;
    ddbc_pos pos;
    bool plain;
    bool open;        /* a container whose end has not come yet */
    size_t text, len; /* scalar: offset and length in the text buffer */
    size_t first, n;  /* container: its children, links[first .. first + n) */
    size_t weight;    /* nodes it stands for, aliases expanded */
} raw_node;

/* Growable array of size_t. */
typedef struct size_list {
    size_t *v;
    size_t len, cap;
} size_list;

static int size_push(size_list *l, size_t x)
{
    if (l->len == l->cap) {
        size_t cap = l->cap != 0 ? l->cap * 2 : 64;
        size_t *v = realloc(l->v, cap * sizeof *v);
        if (v == NULL)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->len++] = x;
    return 0;
}

/* An anchor: its name (in the text buffer) and node, in an open-addressed table. */
typedef struct anchor {
    size_t name; /* offset in the text buffer; SIZE_MAX: free slot */
    size_t node;
    ddbc_pos pos;
} anchor;

typedef struct composer {
    const char *file;
    ddbc_diag *diag;
    raw_node *nodes;
    size_t n_nodes, cap_nodes;
    size_list links;    /* children of closed containers */
    size_list children; /* children of open containers, innermost last */
    size_list open;     /* open containers, innermost last: node, then where its children start */
    ddb_buf text;       /* scalar texts and anchor names */
    anchor *anchors;
    size_t n_anchors, cap_anchors; /* cap: a power of two, or 0 */
    uint64_t seed;                 /* of the anchor hash */
    size_t expanded;    /* nodes of the document with its aliases expanded */
    bool failed;        /* an error was reported: stop */
} composer;

static void out_of_memory(composer *c)
{
    if (!c->failed)
        ddbc_diag_error(c->diag, (ddbc_pos){c->file, 0, 0}, "cannot load YAML: out of memory");
    c->failed = true;
}

/* Appends `len` bytes of `s` and a NUL to the text buffer; returns their offset. */
static size_t add_text(composer *c, const char *s, size_t len)
{
    size_t at = c->text.len;
    if (ddb_buf_append(&c->text, s, len) != 0 || ddb_buf_putc(&c->text, '\0') != 0)
        out_of_memory(c);
    return at;
}

static const char *text_at(const composer *c, size_t offset)
{
    return c->text.data + offset;
}

/* FNV-1a from a seed that differs between runs (clock, addresses), so a
 * file cannot be written to make its anchor names collide. Only the table's
 * layout depends on it, never the outcome. */
static size_t hash_name(const composer *c, const char *s)
{
    uint64_t h = UINT64_C(14695981039346656037) ^ c->seed;
    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
    return (size_t)(h ^ (h >> 29));
}

/* The slot of anchor `name`: its entry, or the free slot where it goes. */
static anchor *anchor_slot(composer *c, const char *name)
{
    size_t mask = c->cap_anchors - 1;
    for (size_t i = hash_name(c, name) & mask;; i = (i + 1) & mask) {
        anchor *a = &c->anchors[i];
        if (a->name == SIZE_MAX || strcmp(text_at(c, a->name), name) == 0)
            return a;
    }
}

static const anchor *find_anchor(composer *c, const char *name)
{
    if (c->cap_anchors == 0)
        return NULL;
    const anchor *a = anchor_slot(c, name);
    return a->name != SIZE_MAX ? a : NULL;
}

/* Doubles the anchor table (kept at most half full). Returns 0 or -1. */
static int grow_anchors(composer *c)
{
    size_t cap = c->cap_anchors != 0 ? c->cap_anchors * 2 : 64;
    anchor *old = c->anchors;
    size_t old_cap = c->cap_anchors;
    c->anchors = malloc(cap * sizeof *c->anchors);
    if (c->anchors == NULL) {
        c->anchors = old;
        return -1;
    }
    c->cap_anchors = cap;
    for (size_t i = 0; i < cap; i++)
        c->anchors[i].name = SIZE_MAX;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].name != SIZE_MAX)
            *anchor_slot(c, text_at(c, old[i].name)) = old[i];
    free(old);
    return 0;
}

/* Registers anchor `name` for node `node`, defined at `pos`. */
static void add_anchor(composer *c, const char *name, size_t node, ddbc_pos pos)
{
    const anchor *was = find_anchor(c, name);
    if (was != NULL) {
        ddbc_diag_error(c->diag, pos, "anchor '&%s' is already defined at %d:%d; give each anchor its own name",
                        name, was->pos.line, was->pos.col);
        c->failed = true;
        return;
    }
    if ((c->n_anchors + 1) * 2 > c->cap_anchors && grow_anchors(c) != 0) {
        out_of_memory(c);
        return;
    }
    size_t at = add_text(c, name, strlen(name));
    if (c->failed)
        return;
    *anchor_slot(c, name) = (anchor){at, node, pos};
    c->n_anchors++;
}

/* Counts `weight` more nodes of the expanded document; false past the limit. */
static bool count_nodes(composer *c, size_t weight, ddbc_pos pos, bool alias)
{
    c->expanded += weight;
    if (c->expanded <= DDBC_MAX_SCHEMA_NODES)
        return true;
    if (alias)
        ddbc_diag_error(c->diag, pos, "YAML aliases expand the file to more than %d nodes, the limit for a schema",
                        DDBC_MAX_SCHEMA_NODES);
    else
        ddbc_diag_error(c->diag, pos, "the file has more than %d YAML nodes, the limit for a schema",
                        DDBC_MAX_SCHEMA_NODES);
    c->failed = true;
    return false;
}

/* Reports explicit tags: the schema language gives meaning to none. A tag
 * "!" (non-specific) and the standard tag of the node's kind are no tags. */
static void check_tag(composer *c, const yaml_char_t *tag, ddbc_node_kind kind, ddbc_pos pos)
{
    const char *t = (const char *)tag;
    const char *plain_tag = kind == DDBC_NODE_SCALAR     ? YAML_DEFAULT_SCALAR_TAG
                            : kind == DDBC_NODE_SEQUENCE ? YAML_DEFAULT_SEQUENCE_TAG
                                                         : YAML_DEFAULT_MAPPING_TAG;
    static const char std_prefix[] = "tag:yaml.org,2002:";
    size_t std_len = sizeof std_prefix - 1;
    if (t == NULL || strcmp(t, "!") == 0 || strcmp(t, plain_tag) == 0)
        return;
    bool std = strncmp(t, std_prefix, std_len) == 0;
    ddbc_diag_error(c->diag, pos, "YAML tags are not supported (found '%s%s'); remove the tag", std ? "!!" : "",
                    std ? t + std_len : t);
}

/* Adds child `node` to the innermost open container. */
static void add_child(composer *c, size_t node)
{
    if (c->open.len != 0 && size_push(&c->children, node) != 0)
        out_of_memory(c);
}

/* A new node of `kind` at `mark`, with its anchor and tag; returns its index. */
static size_t new_node(composer *c, ddbc_node_kind kind, yaml_mark_t mark, const yaml_char_t *anchor_name,
                       const yaml_char_t *tag)
{
    ddbc_pos pos = mark_pos(c->file, mark);
    if (!count_nodes(c, 1, pos, false))
        return 0;
    if (c->n_nodes == c->cap_nodes) {
        size_t cap = c->cap_nodes != 0 ? c->cap_nodes * 2 : 256;
        raw_node *nodes = realloc(c->nodes, cap * sizeof *nodes);
        if (nodes == NULL) {
            out_of_memory(c);
            return 0;
        }
        c->nodes = nodes;
        c->cap_nodes = cap;
    }
    size_t k = c->n_nodes++;
    c->nodes[k] = (raw_node){.kind = kind, .pos = pos, .weight = 1};
    check_tag(c, tag, kind, pos);
    if (anchor_name != NULL)
        add_anchor(c, (const char *)anchor_name, k, pos);
    add_child(c, k);
    return k;
}

static void on_scalar(composer *c, const yaml_event_t *e)
{
    size_t k = new_node(c, DDBC_NODE_SCALAR, e->start_mark, e->data.scalar.anchor, e->data.scalar.tag);
    if (c->failed)
        return;
    raw_node *n = &c->nodes[k];
    n->plain = e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    n->len = e->data.scalar.length;
    n->text = add_text(c, (const char *)e->data.scalar.value, n->len);
    if (memchr(e->data.scalar.value, '\0', n->len) != NULL)
        ddbc_diag_error(c->diag, n->pos, "text contains a NUL character (\\0), which is not allowed");
}

static void on_start(composer *c, const yaml_event_t *e, ddbc_node_kind kind)
{
    if (c->open.len / 2 == DDBC_MAX_SCHEMA_DEPTH) {
        ddbc_diag_error(c->diag, mark_pos(c->file, e->start_mark),
                        "YAML nesting deeper than %d levels; a schema needs far fewer", DDBC_MAX_SCHEMA_DEPTH);
        c->failed = true;
        return;
    }
    bool seq = kind == DDBC_NODE_SEQUENCE;
    size_t k = new_node(c, kind, e->start_mark, seq ? e->data.sequence_start.anchor : e->data.mapping_start.anchor,
                        seq ? e->data.sequence_start.tag : e->data.mapping_start.tag);
    if (c->failed)
        return;
    c->nodes[k].open = true;
    if (size_push(&c->open, k) != 0 || size_push(&c->open, c->children.len) != 0)
        out_of_memory(c);
}

/* The end of the innermost container: its children move to `links`. */
static void on_end(composer *c)
{
    size_t from = c->open.v[--c->open.len];
    raw_node *n = &c->nodes[c->open.v[--c->open.len]];
    n->open = false;
    n->first = c->links.len;
    n->n = c->children.len - from;
    for (size_t i = from; i < c->children.len; i++) {
        n->weight += c->nodes[c->children.v[i]].weight;
        if (size_push(&c->links, c->children.v[i]) != 0) {
            out_of_memory(c);
            return;
        }
    }
    c->children.len = from;
}

static void on_alias(composer *c, const yaml_event_t *e)
{
    const char *name = (const char *)e->data.alias.anchor;
    ddbc_pos pos = mark_pos(c->file, e->start_mark);
    const anchor *a = find_anchor(c, name);
    if (a == NULL) {
        ddbc_diag_error(c->diag, pos, "undefined alias '*%s': an alias names an anchor defined before it (&%s)",
                        name, name);
        c->failed = true;
    } else if (c->nodes[a->node].open) {
        ddbc_diag_error(c->diag, pos, "alias '*%s' is inside the node it names; a schema cannot contain itself",
                        name);
        c->failed = true;
    } else if (count_nodes(c, c->nodes[a->node].weight, pos, true)) {
        add_child(c, a->node);
    }
}

/*
 * Reads the events of the first document into c->nodes, then makes sure no
 * second document follows. Returns 0, or -1 with the error reported.
 */
static int compose(composer *c, yaml_parser_t *parser, const input *in)
{
    bool in_document = false, done = false;
    while (!done && !c->failed) {
        yaml_event_t e;
        if (!yaml_parser_parse(parser, &e)) {
            report_parser_error(parser, in, c->file, c->diag);
            return -1;
        }
        switch (e.type) {
        case YAML_DOCUMENT_START_EVENT:
            if (in_document) { /* the first document stands; nothing after it is read */
                ddbc_diag_error(c->diag, mark_pos(c->file, e.start_mark),
                                "a schema file holds one YAML document; remove this second one");
                done = true;
            }
            in_document = true;
            break;
        case YAML_SCALAR_EVENT:
            on_scalar(c, &e);
            break;
        case YAML_SEQUENCE_START_EVENT:
            on_start(c, &e, DDBC_NODE_SEQUENCE);
            break;
        case YAML_MAPPING_START_EVENT:
            on_start(c, &e, DDBC_NODE_MAPPING);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            on_end(c);
            break;
        case YAML_ALIAS_EVENT:
            on_alias(c, &e);
            break;
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_DOCUMENT_END_EVENT:
        case YAML_STREAM_START_EVENT:
        case YAML_NO_EVENT:
            break;
        }
        yaml_event_delete(&e);
    }
    return c->failed ? -1 : 0;
}

/* ---- the finished tree ----------------------------------------------------------- */

/* Sort record for duplicate-key detection: key text, then document order. */
typedef struct key_ref {
    const ddbc_node *key;
    size_t index;
} key_ref;

static int cmp_key_ref(const void *pa, const void *pb)
{
    const key_ref *a = pa, *b = pb;
    size_t n = a->key->len < b->key->len ? a->key->len : b->key->len;
    int c = memcmp(a->key->text, b->key->text, n);
    if (c == 0)
        c = (a->key->len > b->key->len) - (a->key->len < b->key->len);
    return c != 0 ? c : (a->index > b->index) - (a->index < b->index);
}

static bool same_key(const ddbc_node *a, const ddbc_node *b)
{
    return a->len == b->len && memcmp(a->text, b->text, a->len) == 0;
}

/*
 * Reports keys that repeat an earlier key of the mapping and drops them,
 * keeping document order. `refs` is scratch space for n->n_pairs entries.
 */
static void drop_duplicate_keys(ddbc_node *n, ddbc_pair *pairs, key_ref *refs, ddbc_diag *diag)
{
    for (size_t i = 0; i < n->n_pairs; i++)
        refs[i] = (key_ref){pairs[i].key, i};
    qsort(refs, n->n_pairs, sizeof *refs, cmp_key_ref);
    size_t first = 0;
    for (size_t i = 1; i < n->n_pairs; i++) {
        if (!same_key(refs[first].key, refs[i].key)) {
            first = i;
            continue;
        }
        ddbc_pos was = refs[first].key->pos;
        ddbc_diag_error(diag, refs[i].key->pos, "duplicate key '%s' (first defined at %d:%d)",
                        refs[i].key->text, was.line, was.col);
        pairs[refs[i].index].key = NULL;
    }
    size_t kept = 0;
    for (size_t i = 0; i < n->n_pairs; i++)
        if (pairs[i].key != NULL)
            pairs[kept++] = pairs[i];
    n->n_pairs = kept;
}

/* The pairs of mapping `r` into `pairs`: scalar keys only, no merge keys,
 * no duplicates. */
static void finish_mapping(ddbc_yaml *y, const composer *c, const raw_node *r, ddbc_node *n, ddbc_pair *pairs,
                           key_ref *scratch, ddbc_diag *diag)
{
    n->pairs = pairs;
    for (size_t i = 0; i + 1 < r->n; i += 2) {
        const ddbc_node *key = &y->nodes[c->links.v[r->first + i]];
        if (key->kind != DDBC_NODE_SCALAR) {
            ddbc_diag_error(diag, key->pos, "mapping keys must be scalars, not %s",
                            key->kind == DDBC_NODE_SEQUENCE ? "sequences" : "mappings");
            continue;
        }
        if (key->plain && strcmp(key->text, "<<") == 0) {
            ddbc_diag_error(diag, key->pos, "YAML merge keys ('<<') are not supported; write the keys out");
            continue;
        }
        pairs[n->n_pairs++] = (ddbc_pair){key, &y->nodes[c->links.v[r->first + i + 1]]};
    }
    drop_duplicate_keys(n, pairs, scratch, diag);
}

/* Builds the ddbc_node tree of y from the composed nodes. Returns 0 or -1 (out of memory). */
static int finish(ddbc_yaml *y, composer *c)
{
    size_t n_items = 0, n_pairs = 0, widest = 0;
    for (size_t i = 0; i < c->n_nodes; i++) {
        const raw_node *r = &c->nodes[i];
        if (r->kind == DDBC_NODE_SEQUENCE)
            n_items += r->n;
        else if (r->kind == DDBC_NODE_MAPPING) {
            n_pairs += r->n / 2;
            widest = r->n / 2 > widest ? r->n / 2 : widest;
        }
    }
    y->text = ddb_buf_steal(NULL, &c->text);
    y->nodes = calloc(c->n_nodes + 1, sizeof *y->nodes);
    y->items = calloc(n_items + 1, sizeof *y->items);
    y->pairs = calloc(n_pairs + 1, sizeof *y->pairs);
    key_ref *scratch = calloc(widest + 1, sizeof *scratch);
    if (y->text == NULL || y->nodes == NULL || y->items == NULL || y->pairs == NULL ||
        scratch == NULL) {
        free(scratch);
        out_of_memory(c);
        return -1;
    }
    y->n_nodes = c->n_nodes;
    /* scalars first: mappings compare the text of their keys */
    for (size_t i = 0; i < c->n_nodes; i++) {
        const raw_node *r = &c->nodes[i];
        ddbc_node *n = &y->nodes[i];
        n->kind = r->kind;
        n->pos = r->pos;
        if (r->kind == DDBC_NODE_SCALAR) {
            n->text = y->text + r->text;
            n->len = r->len;
            n->plain = r->plain;
        }
    }
    const ddbc_node **items = y->items;
    ddbc_pair *pairs = y->pairs;
    for (size_t i = 0; i < c->n_nodes; i++) {
        const raw_node *r = &c->nodes[i];
        ddbc_node *n = &y->nodes[i];
        if (r->kind == DDBC_NODE_SEQUENCE) {
            n->items = items;
            for (size_t k = 0; k < r->n; k++)
                items[n->n_items++] = &y->nodes[c->links.v[r->first + k]];
            items += r->n;
        } else if (r->kind == DDBC_NODE_MAPPING) {
            finish_mapping(y, c, r, n, pairs, scratch, c->diag);
            pairs += r->n / 2;
        }
    }
    free(scratch);
    return 0;
}

static void composer_free(composer *c)
{
    free(c->nodes);
    free(c->links.v);
    free(c->children.v);
    free(c->open.v);
    free(c->anchors);
    ddb_buf_free(&c->text);
}

ddbc_yaml *ddbc_yaml_load(const char *path, ddbc_diag *diag)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        ddbc_diag_error(diag, (ddbc_pos){path, 0, 0}, "cannot open the schema file: %s", strerror(errno));
        return NULL;
    }
    ddbc_yaml *y = calloc(1, sizeof *y);
    yaml_parser_t parser;
    if (y == NULL || !yaml_parser_initialize(&parser)) {
        free(y);
        fclose(f);
        ddbc_diag_error(diag, (ddbc_pos){path, 0, 0}, "cannot load YAML: out of memory");
        return NULL;
    }
    input in = {f, 0, false};
    yaml_parser_set_input(&parser, read_input, &in);
    composer c = {.file = path, .diag = diag, .text = DDB_BUF_INIT};
    c.seed = (uint64_t)time(NULL) * UINT64_C(0x9E3779B97F4A7C15) ^ (uint64_t)(uintptr_t)&c ^ (uint64_t)clock();
    int rc = compose(&c, &parser, &in);
    yaml_parser_delete(&parser);
    fclose(f);
    if (rc == 0)
        rc = finish(y, &c);
    composer_free(&c);
    if (rc != 0) {
        ddbc_yaml_free(y);
        return NULL;
    }
    return y;
}

const ddbc_node *ddbc_yaml_root(const ddbc_yaml *y)
{
    return y->n_nodes != 0 ? &y->nodes[0] : NULL;
}

void ddbc_yaml_free(ddbc_yaml *y)
{
    if (y == NULL)
        return;
    free(y->text);
    free(y->nodes);
    free(y->items);
    free(y->pairs);
    free(y);
}

bool ddbc_node_is_null(const ddbc_node *n)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
    if (n->kind != DDBC_NODE_SCALAR || !n->plain)
        return false;
    for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++)
        if (strcmp(n->text, nulls[i]) == 0)
            return true;
    return false;
}
