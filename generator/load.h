/*
 * load.h - YAML loading for the ddbc generator.
 *
 * Reads one YAML file with libyaml's event parser and returns a read-only
 * tree of nodes that carry their 1-based file:line:col. The loader enforces
 * what holds for every ddbc input, whatever the schema says: one document
 * per file, scalar mapping keys, no duplicate keys (libyaml accepts them), no
 * NUL characters in text, no YAML tags, no merge keys (`<<`). Anchors and
 * aliases work: an alias is the anchored node itself, so the tree may be a
 * DAG, never a cycle (an alias inside the node it names is an error), and
 * each anchor name is defined once.
 *
 * Limits (docs/schema.md, "Limits"), checked while the events are read, so
 * that hostile input costs time and memory in proportion to the limits:
 * a file of at most DDBC_MAX_SCHEMA_BYTES, mappings and sequences nested at
 * most DDBC_MAX_SCHEMA_DEPTH deep (libyaml's scanner slows down
 * quadratically with the depth), at most DDBC_MAX_SCHEMA_NODES nodes with
 * every alias counted as the nodes it stands for (a "billion laughs" stops
 * at the alias that passes the limit). Anchors are found by hashing.
 *
 * Only this file uses libyaml; later stages see ddbc_node alone.
 */
#ifndef DDBC_LOAD_H
#define DDBC_LOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

/* The limits on one schema file (see above). */
#define DDBC_MAX_SCHEMA_BYTES (16 * 1024 * 1024)
#define DDBC_MAX_SCHEMA_DEPTH 64
#define DDBC_MAX_SCHEMA_NODES 100000

typedef enum ddbc_node_kind {
    DDBC_NODE_SCALAR,
    DDBC_NODE_SEQUENCE,
    DDBC_NODE_MAPPING
} ddbc_node_kind;

typedef struct ddbc_node ddbc_node;

typedef struct ddbc_pair {
    const ddbc_node *key; /* always a scalar */
    const ddbc_node *value;
} ddbc_pair;

struct ddbc_node {
    ddbc_node_kind kind;
    ddbc_pos pos; /* where the node starts; pos.file is the path given to the loader */
    /* DDBC_NODE_SCALAR */
    const char *text; /* NUL-terminated, valid UTF-8 */
    size_t len;
    bool plain; /* unquoted, not a block scalar: may be read as a number, bool or null */
    /* DDBC_NODE_SEQUENCE */
    const ddbc_node *const *items;
    size_t n_items;
    /* DDBC_NODE_MAPPING: document order, keys unique (later duplicates dropped) */
    const ddbc_pair *pairs;
    size_t n_pairs;
};

typedef struct ddbc_yaml ddbc_yaml;

/*
 * Loads the YAML file at `path`. Errors (unreadable file, YAML syntax, the
 * rules and limits above) go to `diag`, each at its position.
 *
 * Returns NULL when the file cannot be read or parsed, or passes a limit
 * (errors reported; reading stops at the first such error).
 * Otherwise returns a tree even if some rule errors were reported (so that
 * later stages can report their errors too); compare ddbc_diag_count()
 * before and after to know. `path` is not copied: it must outlive the tree
 * and every ddbc_pos taken from it. Free the result with ddbc_yaml_free().
 */
ddbc_yaml *ddbc_yaml_load(const char *path, ddbc_diag *diag);

/* The document's root node; NULL for a file with no document (empty file). */
const ddbc_node *ddbc_yaml_root(const ddbc_yaml *y);

/* Frees the tree and every node in it. NULL is a no-op. */
void ddbc_yaml_free(ddbc_yaml *y);

/* Whether a plain scalar is a YAML null: empty, "~", "null", "Null", "NULL". */
bool ddbc_node_is_null(const ddbc_node *n);

#endif /* DDBC_LOAD_H */
