/*
 * json_doc.c - the envelope reader of json_internal.h: a read-only JSON
 * tree in an arena, with DynamoDB items parsed in place along item paths.
 *
 * Nodes and strings are bump-allocated from the document's arena (the
 * first 768 bytes inside the document itself, so a small error body or
 * GetItem envelope costs one malloc plus its item). Items are ordinary
 * ddb_av trees, chained so that ddb_jdoc_free can release those not taken.
 */
#include "feature_macros.h" /* first: feature-test macros before any system header */

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "av_internal.h"
#include "ddb/error.h"
#include "json_internal.h"
#include "json_parse.h"

/* Most steps in one item path. */
#define JPATH_STEPS 8
/* Arena bytes inside the document (enough for a typical envelope; small
 * enough that the document stays in malloc's fast per-thread cache); later
 * blocks double from ARENA_BLOCK. */
#define ARENA_INLINE 768
#define ARENA_BLOCK 4096

struct ddb_jnode {
    ddb_jtype type;
    bool boolean;     /* BOOL */
    const char *name; /* member name, NULL for array elements and the root */
    size_t name_len;
    ddb_jnode *next; /* next sibling */
    union {
        struct {
            const char *ptr;
            size_t len;
        } text; /* STRING, NUMBER */
        struct {
            ddb_jnode *first;
            size_t len;
        } kids; /* ARRAY, OBJECT */
        struct {
            ddb_av *av;       /* NULL once taken */
            ddb_jnode *chain; /* next item node of the document */
        } item;
    } u;
};

typedef struct arena_block {
    struct arena_block *next;
    max_align_t mem[];
} arena_block;

struct ddb_jdoc {
    ddb_jnode *root;
    ddb_jnode *items;    /* chain of ITEM nodes */
    arena_block *blocks; /* blocks allocated after the inline one */
    unsigned char *cur;  /* free space of the current block */
    size_t left;
    size_t next_block; /* size of the next block */
    max_align_t inline_mem[ARENA_INLINE / sizeof(max_align_t)];
};

/* --- arena ----------------------------------------------------------------- */

#define ARENA_ALIGN alignof(ddb_jnode)

static void *arena_alloc(ddb_jdoc *doc, size_t size)
{
    if (size > SIZE_MAX / 2) {
        ddb_error_set(DDB_ENOMEM, "JSON document too large");
        return NULL;
    }
    size = (size + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
    if (size > doc->left) {
        size_t cap = doc->next_block > size ? doc->next_block : size;
        arena_block *b = malloc(sizeof *b + cap);
        if (b == NULL) {
            ddb_error_set(DDB_ENOMEM, "out of memory reading a JSON document");
            return NULL;
        }
        b->next = doc->blocks;
        doc->blocks = b;
        doc->cur = (unsigned char *)b->mem;
        doc->left = cap;
        doc->next_block = cap <= SIZE_MAX / 4 ? cap * 2 : cap;
    }
    void *p = doc->cur;
    doc->cur += size;
    doc->left -= size;
    return p;
}

static ddb_jnode *node_new(ddb_jdoc *doc, ddb_jtype type)
{
    ddb_jnode *n = arena_alloc(doc, sizeof *n);
    if (n != NULL) {
        memset(n, 0, sizeof *n);
        n->type = type;
    }
    return n;
}

/* NUL-terminated copy of `len` bytes in the arena. */
static char *arena_text(ddb_jdoc *doc, const char *text, size_t len)
{
    char *p = arena_alloc(doc, len + 1);
    if (p != NULL) {
        memcpy(p, text, len);
        p[len] = '\0';
    }
    return p;
}

/* Decoded copy of a string token in the arena. */
static char *arena_string(ddb_jdoc *doc, const ddb_jstr *s)
{
    char *p = arena_alloc(doc, s->len + 1);
    if (p != NULL)
        ddb_jstr_copy(s, p);
    return p;
}

/* --- item paths ------------------------------------------------------------- */

typedef enum step_kind { STEP_NAME, STEP_ANY, STEP_ELEMENT } step_kind;

typedef struct jstep {
    step_kind kind;
    const char *name; /* STEP_NAME: points into the caller's path text */
    size_t len;
} jstep;

typedef struct jpath {
    jstep steps[JPATH_STEPS];
    unsigned n;
} jpath;

static int bad_doc_path(const char *text, const char *why)
{
    return ddb_error_set(DDB_EINVAL, "item path \"%.100s\": %s", text, why);
}

static int add_step(jpath *path, step_kind kind, const char *name, size_t len, const char *text)
{
    if (path->n == JPATH_STEPS)
        return bad_doc_path(text, "too many steps");
    path->steps[path->n++] = (jstep){kind, name, len};
    return 0;
}

/* Compiles "A.*[].B" into steps NAME(A) ANY ELEMENT NAME(B). */
static int path_compile(const char *text, jpath *path)
{
    path->n = 0;
    const char *p = text;
    int rc = 0;
    while (rc == 0 && *p != '\0') {
        size_t len = strcspn(p, ".[");
        bool any = len == 1 && *p == '*';
        if ((!any && memchr(p, '*', len) != NULL) || memchr(p, ']', len) != NULL)
            return bad_doc_path(text, "'*' and ']' are not allowed in names");
        if (len == 0 && (p != text || *p != '['))
            return bad_doc_path(text, "empty step");
        if (len != 0)
            rc = add_step(path, any ? STEP_ANY : STEP_NAME, p, len, text);
        for (p += len; rc == 0 && *p == '['; p += 2) {
            if (p[1] != ']')
                return bad_doc_path(text, "'[' must be followed by ']'");
            rc = add_step(path, STEP_ELEMENT, NULL, 0, text);
        }
        if (*p != '\0' && *p != '.')
            return bad_doc_path(text, "expected '.' after \"[]\"");
        if (*p == '.') {
            p++;
            if (*p == '\0')
                return bad_doc_path(text, "empty step");
        }
    }
    return rc;
}

typedef struct doc_parser {
    ddb_jlex lx;
    ddb_jdoc *doc;
    jpath paths[DDB_JPATH_MAX];
    unsigned npaths;
} doc_parser;

/* Bit i of a mask stands for paths[i]. A value at depth d is reached
 * through d steps; its mask holds the paths whose first d steps match. */
typedef uint32_t path_mask;

static bool step_matches(const jstep *s, const char *name, size_t len)
{
    if (name == NULL)
        return s->kind == STEP_ELEMENT;
    return s->kind == STEP_ANY || (s->kind == STEP_NAME && s->len == len && memcmp(s->name, name, len) == 0);
}

/* Mask of a child at depth+1 named `name` (NULL: an array element). */
static path_mask path_step(const doc_parser *dp, path_mask alive, unsigned depth, const char *name, size_t len)
{
    path_mask next = 0;
    for (unsigned i = 0; alive != 0 && i < dp->npaths; i++) {
        const jpath *path = &dp->paths[i];
        if ((alive >> i & 1) && path->n > depth && step_matches(&path->steps[depth], name, len))
            next |= (path_mask)1 << i;
    }
    return next;
}

/* Whether a path in `alive` ends at depth `depth`. */
static bool path_ends(const doc_parser *dp, path_mask alive, unsigned depth)
{
    for (unsigned i = 0; alive != 0 && i < dp->npaths; i++) {
        if ((alive >> i & 1) && dp->paths[i].n == depth)
            return true;
    }
    return false;
}

static int paths_compile(doc_parser *dp, const char *const *paths, path_mask *all)
{
    unsigned n = 0;
    for (; paths != NULL && paths[n] != NULL; n++) {
        if (n == DDB_JPATH_MAX)
            return ddb_error_set(DDB_EINVAL, "more than %d item paths", DDB_JPATH_MAX);
        int rc = path_compile(paths[n], &dp->paths[n]);
        if (rc != 0)
            return rc;
    }
    dp->npaths = n;
    *all = ((path_mask)1 << n) - 1;
    return 0;
}

/* --- parser ----------------------------------------------------------------- */

static int parse_node(doc_parser *dp, path_mask alive, unsigned depth, ddb_jnode **out);

static int parse_item(doc_parser *dp, unsigned depth, ddb_jnode *n)
{
    int rc = ddb_jlex_item(&dp->lx, depth, &n->u.item.av);
    if (rc != 0)
        return rc;
    n->type = DDB_J_ITEM;
    n->u.item.chain = dp->doc->items;
    dp->doc->items = n;
    return 0;
}

/* Appends child to container n (kids list kept in order through *tail). */
static void add_kid(ddb_jnode *n, ddb_jnode ***tail, ddb_jnode *child)
{
    **tail = child;
    *tail = &child->next;
    n->u.kids.len++;
}

static int parse_object(doc_parser *dp, path_mask alive, unsigned depth, ddb_jnode *n)
{
    ddb_jlex *lx = &dp->lx;
    int rc = ddb_jlex_enter(lx, depth);
    if (rc == 0)
        rc = ddb_jlex_expect(lx, '{', "'{'");
    n->type = DDB_J_OBJECT;
    ddb_jnode **tail = &n->u.kids.first;
    bool first = true;
    while (rc == 0 && (rc = ddb_jlex_more(lx, '}', &first)) > 0) {
        ddb_jstr name;
        rc = ddb_jlex_string(lx, &name);
        if (rc == 0)
            rc = ddb_jlex_expect(lx, ':', "':' after the member name");
        char *copy = rc == 0 ? arena_string(dp->doc, &name) : NULL;
        if (rc == 0 && copy == NULL)
            rc = DDB_ENOMEM;
        ddb_jnode *child = NULL;
        if (rc == 0)
            rc = parse_node(dp, path_step(dp, alive, depth, copy, name.len), depth + 1, &child);
        if (rc == 0) {
            child->name = copy;
            child->name_len = name.len;
            add_kid(n, &tail, child);
        }
    }
    return rc;
}

static int parse_array(doc_parser *dp, path_mask alive, unsigned depth, ddb_jnode *n)
{
    ddb_jlex *lx = &dp->lx;
    int rc = ddb_jlex_enter(lx, depth);
    if (rc == 0)
        rc = ddb_jlex_expect(lx, '[', "'['");
    n->type = DDB_J_ARRAY;
    ddb_jnode **tail = &n->u.kids.first;
    path_mask element = path_step(dp, alive, depth, NULL, 0);
    bool first = true;
    while (rc == 0 && (rc = ddb_jlex_more(lx, ']', &first)) > 0) {
        ddb_jnode *child = NULL;
        rc = parse_node(dp, element, depth + 1, &child);
        if (rc == 0)
            add_kid(n, &tail, child);
    }
    return rc;
}

static int parse_string(doc_parser *dp, ddb_jnode *n)
{
    ddb_jstr s;
    int rc = ddb_jlex_string(&dp->lx, &s);
    if (rc != 0)
        return rc;
    n->type = DDB_J_STRING;
    n->u.text.ptr = arena_string(dp->doc, &s);
    n->u.text.len = s.len;
    return n->u.text.ptr != NULL ? 0 : DDB_ENOMEM;
}

static int parse_number(doc_parser *dp, ddb_jnode *n)
{
    const char *start;
    size_t len;
    int rc = ddb_jlex_number(&dp->lx, &start, &len);
    if (rc != 0)
        return rc;
    n->type = DDB_J_NUMBER;
    n->u.text.ptr = arena_text(dp->doc, start, len);
    n->u.text.len = len;
    return n->u.text.ptr != NULL ? 0 : DDB_ENOMEM;
}

static int parse_node(doc_parser *dp, path_mask alive, unsigned depth, ddb_jnode **out)
{
    ddb_jnode *n = node_new(dp->doc, DDB_J_NULL);
    if (n == NULL)
        return DDB_ENOMEM;
    *out = n;
    if (path_ends(dp, alive, depth))
        return parse_item(dp, depth, n);
    int c = ddb_jlex_peek(&dp->lx);
    switch (c) {
    case '{':
        return parse_object(dp, alive, depth, n);
    case '[':
        return parse_array(dp, alive, depth, n);
    case 't':
    case 'f':
        n->type = DDB_J_BOOL;
        return ddb_jlex_bool(&dp->lx, &n->boolean);
    case 'n':
        return ddb_jlex_null(&dp->lx);
    case '"':
        return parse_string(dp, n);
    }
    if (c == '-' || (c >= '0' && c <= '9'))
        return parse_number(dp, n);
    return ddb_jlex_fail(&dp->lx, dp->lx.p, "a JSON value");
}

int ddb_json_text_check(const char *text, size_t len)
{
    ddb_jdoc *doc = NULL;
    int rc = ddb_jdoc_parse(text, len, NULL, &doc);
    ddb_jdoc_free(doc);
    return rc == DDB_EPROTOCOL ? ddb_error_set(DDB_EINVAL, "%s", ddb_last_error()->message) : rc;
}

int ddb_jdoc_parse(const char *text, size_t len, const char *const *item_paths, ddb_jdoc **out)
{
    if (out == NULL)
        return ddb_error_set(DDB_EINVAL, "output pointer is NULL");
    *out = NULL;
    if (text == NULL && len != 0)
        return ddb_error_set(DDB_EINVAL, "JSON text is NULL");
    doc_parser dp;
    path_mask all = 0;
    int rc = paths_compile(&dp, item_paths, &all);
    if (rc != 0)
        return rc;
    ddb_jdoc *doc = malloc(sizeof *doc);
    if (doc == NULL)
        return ddb_error_set(DDB_ENOMEM, "out of memory reading a JSON document");
    doc->root = NULL;
    doc->items = NULL;
    doc->blocks = NULL;
    doc->cur = (unsigned char *)doc->inline_mem;
    doc->left = sizeof doc->inline_mem;
    doc->next_block = ARENA_BLOCK;
    dp.doc = doc;
    ddb_jlex_init(&dp.lx, len != 0 ? text : "", len);
    rc = parse_node(&dp, all, 0, &doc->root);
    if (rc == 0)
        rc = ddb_jlex_finish(&dp.lx);
    ddb_jlex_release(&dp.lx);
    if (rc != 0) {
        ddb_jdoc_free(doc);
        return rc;
    }
    *out = doc;
    return 0;
}

void ddb_jdoc_free(ddb_jdoc *doc)
{
    if (doc == NULL)
        return;
    for (ddb_jnode *n = doc->items; n != NULL; n = n->u.item.chain)
        ddb_av_free(n->u.item.av);
    while (doc->blocks != NULL) {
        arena_block *b = doc->blocks;
        doc->blocks = b->next;
        free(b);
    }
    free(doc);
}

/* --- accessors ------------------------------------------------------------- */

ddb_jnode *ddb_jdoc_root(const ddb_jdoc *doc)
{
    return doc != NULL ? doc->root : NULL;
}

ddb_jtype ddb_jnode_type(const ddb_jnode *n)
{
    return n != NULL ? n->type : DDB_J_NONE;
}

static bool is_container(const ddb_jnode *n)
{
    return n != NULL && (n->type == DDB_J_ARRAY || n->type == DDB_J_OBJECT);
}

ddb_jnode *ddb_jnode_get(const ddb_jnode *obj, const char *name)
{
    if (obj == NULL || obj->type != DDB_J_OBJECT || name == NULL)
        return NULL;
    size_t len = strlen(name);
    for (ddb_jnode *n = obj->u.kids.first; n != NULL; n = n->next) {
        if (n->name_len == len && memcmp(n->name, name, len) == 0)
            return n;
    }
    return NULL;
}

ddb_jnode *ddb_jnode_first(const ddb_jnode *n)
{
    return is_container(n) ? n->u.kids.first : NULL;
}

ddb_jnode *ddb_jnode_next(const ddb_jnode *n)
{
    return n != NULL ? n->next : NULL;
}

size_t ddb_jnode_len(const ddb_jnode *n)
{
    return is_container(n) ? n->u.kids.len : 0;
}

const char *ddb_jnode_name(const ddb_jnode *n, size_t *len_out)
{
    bool named = n != NULL && n->name != NULL;
    if (len_out != NULL)
        *len_out = named ? n->name_len : 0;
    return named ? n->name : NULL;
}

const char *ddb_jnode_str(const ddb_jnode *n, size_t *len_out)
{
    if (n == NULL || (n->type != DDB_J_STRING && n->type != DDB_J_NUMBER))
        return NULL;
    if (len_out != NULL)
        *len_out = n->u.text.len;
    return n->u.text.ptr;
}

/* "got <what n is>", for error messages. */
static const char *got(ddb_jtype t)
{
    switch (t) {
    case DDB_J_NONE:
        return "got nothing";
    case DDB_J_NULL:
        return "got null";
    case DDB_J_BOOL:
        return "got a boolean";
    case DDB_J_NUMBER:
        return "got a number";
    case DDB_J_STRING:
        return "got a string";
    case DDB_J_ARRAY:
        return "got an array";
    case DDB_J_OBJECT:
    case DDB_J_ITEM:
        return "got an object";
    }
    return "got ?";
}

/* Records why node n cannot be read as `want`. */
static int bad_read(const ddb_jnode *n, const char *want, const char *why)
{
    return ddb_error_set(DDB_EPROTOCOL, "response %s%.64s%s: expected %s, %s", n->name != NULL ? "member \"" : "value",
                         n->name != NULL ? n->name : "", n->name != NULL ? "\"" : "", want, why);
}

/* 0 if n has type t; DDB_ENOTFOUND (nothing recorded) if n is NULL. */
static int check_type(const ddb_jnode *n, ddb_jtype t, const char *want)
{
    if (n == NULL)
        return DDB_ENOTFOUND;
    return n->type == t ? 0 : bad_read(n, want, got(n->type));
}

int ddb_jnode_bool(const ddb_jnode *n, bool *out)
{
    int rc = check_type(n, DDB_J_BOOL, "a boolean");
    if (rc == 0)
        *out = n->boolean;
    return rc;
}

int ddb_jnode_i64(const ddb_jnode *n, int64_t *out)
{
    int rc = check_type(n, DDB_J_NUMBER, "an integer");
    if (rc != 0)
        return rc;
    const char *why = ddb_number_to_i64(n->u.text.ptr, n->u.text.len, out);
    return why == NULL ? 0 : bad_read(n, "an integer", why);
}

int ddb_jnode_double(const ddb_jnode *n, double *out)
{
    int rc = check_type(n, DDB_J_NUMBER, "a number");
    if (rc != 0)
        return rc;
    const char *why = ddb_number_to_double(n->u.text.ptr, out);
    return why == NULL ? 0 : bad_read(n, "a finite number", why);
}

const char *ddb_jnode_get_str(const ddb_jnode *obj, const char *name)
{
    return ddb_jnode_str(ddb_jnode_get(obj, name), NULL);
}

int ddb_jnode_get_i64(const ddb_jnode *obj, const char *name, int64_t *out)
{
    return ddb_jnode_i64(ddb_jnode_get(obj, name), out);
}

const ddb_av *ddb_jnode_item(const ddb_jnode *n)
{
    return n != NULL && n->type == DDB_J_ITEM ? n->u.item.av : NULL;
}

ddb_av *ddb_jnode_take_item(ddb_jnode *n)
{
    if (n == NULL || n->type != DDB_J_ITEM)
        return NULL;
    ddb_av *av = n->u.item.av;
    n->u.item.av = NULL;
    return av;
}
