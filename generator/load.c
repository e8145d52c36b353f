/* load.c - libyaml document -> ddbc_node tree with positions and basic rules. */
#include "load.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

struct ddbc_yaml {
    yaml_document_t doc; /* owns the scalar text the nodes point at */
    ddbc_node *nodes;    /* nodes[i] is libyaml node i + 1 */
    const ddbc_node **items;
    ddbc_pair *pairs;
};

/* Converts a 0-based libyaml mark to a 1-based position. */
static ddbc_pos mark_pos(const char *file, yaml_mark_t m)
{
    ddbc_pos p = {file, m.line < INT_MAX ? (int)m.line + 1 : INT_MAX,
                  m.column < INT_MAX ? (int)m.column + 1 : INT_MAX};
    return p;
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

static void report_parser_error(const yaml_parser_t *p, FILE *in, const char *file, ddbc_diag *diag)
{
    ddbc_pos at = mark_pos(file, p->problem_mark);
    switch (p->error) {
    case YAML_READER_ERROR:
        ddbc_diag_error(diag, offset_pos(in, file, p->problem_offset),
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
    ddbc_pos whole = {file, 0, 0};
    ddbc_diag_error(diag, whole, "cannot load YAML: out of memory");
}

/*
 * Parses the first document of `in` into `doc` and makes sure no second
 * document follows. Returns 0, or -1 with errors reported (`doc` released).
 */
static int parse_single_document(FILE *in, const char *file, yaml_document_t *doc, ddbc_diag *diag)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        ddbc_diag_error(diag, (ddbc_pos){file, 0, 0}, "cannot load YAML: out of memory");
        return -1;
    }
    yaml_parser_set_input_file(&parser, in);
    int rc = -1;
    yaml_document_t next;
    if (!yaml_parser_load(&parser, doc)) {
        report_parser_error(&parser, in, file, diag);
    } else if (!yaml_parser_load(&parser, &next)) {
        report_parser_error(&parser, in, file, diag);
        yaml_document_delete(doc);
    } else {
        if (yaml_document_get_root_node(&next) != NULL)
            ddbc_diag_error(diag, mark_pos(file, next.start_mark),
                            "a schema file holds one YAML document; remove this second one");
        yaml_document_delete(&next);
        rc = 0;
    }
    yaml_parser_delete(&parser);
    return rc;
}

/* Reports explicit tags: the schema language gives meaning to none. */
static void check_tag(const yaml_node_t *yn, const ddbc_node *n, ddbc_diag *diag)
{
    const char *tag = (const char *)yn->tag;
    const char *plain_tag = yn->type == YAML_SCALAR_NODE     ? YAML_DEFAULT_SCALAR_TAG
                            : yn->type == YAML_SEQUENCE_NODE ? YAML_DEFAULT_SEQUENCE_TAG
                                                             : YAML_DEFAULT_MAPPING_TAG;
    static const char std_prefix[] = "tag:yaml.org,2002:";
    size_t std_len = sizeof std_prefix - 1;
    if (tag != NULL && strcmp(tag, plain_tag) != 0)
        ddbc_diag_error(diag, n->pos, "YAML tags are not supported (found '%s%s'); remove the tag",
                        strncmp(tag, std_prefix, std_len) == 0 ? "!!" : "",
                        strncmp(tag, std_prefix, std_len) == 0 ? tag + std_len : tag);
}

static void convert_scalar(const yaml_node_t *yn, ddbc_node *n, ddbc_diag *diag)
{
    n->kind = DDBC_NODE_SCALAR;
    n->text = (const char *)yn->data.scalar.value;
    n->len = yn->data.scalar.length;
    n->plain = yn->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    if (memchr(n->text, '\0', n->len) != NULL)
        ddbc_diag_error(diag, n->pos, "text contains a NUL character (\\0), which is not allowed");
}

static void convert_sequence(ddbc_yaml *y, const yaml_node_t *yn, ddbc_node *n,
                             const ddbc_node **items)
{
    n->kind = DDBC_NODE_SEQUENCE;
    n->items = items;
    for (const yaml_node_item_t *it = yn->data.sequence.items.start;
         it < yn->data.sequence.items.top; it++)
        items[n->n_items++] = &y->nodes[*it - 1];
}

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

static void convert_mapping(ddbc_yaml *y, const yaml_node_t *yn, ddbc_node *n, ddbc_pair *pairs,
                            key_ref *scratch, ddbc_diag *diag)
{
    n->kind = DDBC_NODE_MAPPING;
    n->pairs = pairs;
    for (const yaml_node_pair_t *p = yn->data.mapping.pairs.start; p < yn->data.mapping.pairs.top;
         p++) {
        const ddbc_node *key = &y->nodes[p->key - 1];
        yaml_node_type_t key_type = y->doc.nodes.start[p->key - 1].type;
        if (key_type != YAML_SCALAR_NODE) {
            ddbc_diag_error(diag, key->pos, "mapping keys must be scalars, not %s",
                            key_type == YAML_SEQUENCE_NODE ? "sequences" : "mappings");
            continue;
        }
        if (key->plain && strcmp(key->text, "<<") == 0) {
            ddbc_diag_error(diag, key->pos,
                            "YAML merge keys ('<<') are not supported; write the keys out");
            continue;
        }
        pairs[n->n_pairs++] = (ddbc_pair){key, &y->nodes[p->value - 1]};
    }
    drop_duplicate_keys(n, pairs, scratch, diag);
}

/* Counts sequence items and mapping pairs, and the largest mapping. */
static void count_children(const yaml_document_t *doc, size_t *items, size_t *pairs, size_t *widest)
{
    *items = *pairs = *widest = 0;
    for (const yaml_node_t *yn = doc->nodes.start; yn < doc->nodes.top; yn++) {
        if (yn->type == YAML_SEQUENCE_NODE) {
            *items += (size_t)(yn->data.sequence.items.top - yn->data.sequence.items.start);
        } else if (yn->type == YAML_MAPPING_NODE) {
            size_t n = (size_t)(yn->data.mapping.pairs.top - yn->data.mapping.pairs.start);
            *pairs += n;
            *widest = n > *widest ? n : *widest;
        }
    }
}

/* Builds y->nodes from y->doc. Returns 0 or -1 when out of memory. */
static int convert_document(ddbc_yaml *y, const char *file, ddbc_diag *diag)
{
    size_t n_nodes = (size_t)(y->doc.nodes.top - y->doc.nodes.start);
    size_t n_items, n_pairs, widest;
    count_children(&y->doc, &n_items, &n_pairs, &widest);
    y->nodes = calloc(n_nodes + 1, sizeof *y->nodes);
    y->items = calloc(n_items + 1, sizeof *y->items);
    y->pairs = calloc(n_pairs + 1, sizeof *y->pairs);
    key_ref *scratch = calloc(widest + 1, sizeof *scratch);
    if (y->nodes == NULL || y->items == NULL || y->pairs == NULL || scratch == NULL) {
        free(scratch);
        ddbc_diag_error(diag, (ddbc_pos){file, 0, 0}, "cannot load YAML: out of memory");
        return -1;
    }
    /* scalars first: mappings compare the text of their keys */
    for (size_t i = 0; i < n_nodes; i++) {
        const yaml_node_t *yn = &y->doc.nodes.start[i];
        y->nodes[i].pos = mark_pos(file, yn->start_mark);
        if (yn->type == YAML_SCALAR_NODE)
            convert_scalar(yn, &y->nodes[i], diag);
        check_tag(yn, &y->nodes[i], diag);
    }
    const ddbc_node **items = y->items;
    ddbc_pair *pairs = y->pairs;
    for (size_t i = 0; i < n_nodes; i++) {
        const yaml_node_t *yn = &y->doc.nodes.start[i];
        ddbc_node *n = &y->nodes[i];
        switch (yn->type) {
        case YAML_SCALAR_NODE:
            break;
        case YAML_SEQUENCE_NODE:
            convert_sequence(y, yn, n, items);
            items += n->n_items;
            break;
        case YAML_MAPPING_NODE:
            convert_mapping(y, yn, n, pairs, scratch, diag);
            pairs += yn->data.mapping.pairs.top - yn->data.mapping.pairs.start;
            break;
        case YAML_NO_NODE:
            break;
        }
    }
    free(scratch);
    return 0;
}

ddbc_yaml *ddbc_yaml_load(const char *path, ddbc_diag *diag)
{
    FILE *in = fopen(path, "rb");
    if (in == NULL) {
        ddbc_diag_error(diag, (ddbc_pos){path, 0, 0}, "cannot open the schema file: %s",
                        strerror(errno));
        return NULL;
    }
    ddbc_yaml *y = calloc(1, sizeof *y);
    if (y == NULL) {
        fclose(in);
        ddbc_diag_error(diag, (ddbc_pos){path, 0, 0}, "cannot load YAML: out of memory");
        return NULL;
    }
    int rc = parse_single_document(in, path, &y->doc, diag);
    fclose(in);
    if (rc != 0) {
        free(y);
        return NULL;
    }
    if (convert_document(y, path, diag) != 0) {
        ddbc_yaml_free(y);
        return NULL;
    }
    return y;
}

const ddbc_node *ddbc_yaml_root(const ddbc_yaml *y)
{
    return y->doc.nodes.top > y->doc.nodes.start ? &y->nodes[0] : NULL;
}

void ddbc_yaml_free(ddbc_yaml *y)
{
    if (y == NULL)
        return;
    yaml_document_delete(&y->doc);
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
