/* ops_read.c - output memory (an arena plus adopted trees) and the
 * response readers shared by the low-level operations. */
#include "feature_macros.h" /* first: feature-test macros before any system header */

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "ddb/error.h"
#include "ops_internal.h"

#define MEM_BLOCK_MIN 1024u

typedef struct mem_block {
    struct mem_block *next;
    size_t used, cap;
    max_align_t data[]; /* max-aligned storage */
} mem_block;

struct ddb_out_mem {
    mem_block *blocks;
    ddb_av **trees;
    size_t n_trees, cap_trees;
};

static int nomem(void)
{
    return ddb_error_set(DDB_ENOMEM, "out of memory reading a response");
}

void *ddb_mem_alloc(ddb_out_mem **m, size_t size)
{
    if (*m == NULL && (*m = calloc(1, sizeof **m)) == NULL) {
        nomem();
        return NULL;
    }
    const size_t align = alignof(max_align_t);
    if (size > SIZE_MAX - align - sizeof(mem_block)) {
        nomem();
        return NULL;
    }
    size = (size + align - 1) / align * align;
    mem_block *b = (*m)->blocks;
    if (b == NULL || b->cap - b->used < size) {
        size_t cap = size > MEM_BLOCK_MIN ? size : MEM_BLOCK_MIN;
        b = malloc(sizeof *b + cap);
        if (b == NULL) {
            nomem();
            return NULL;
        }
        b->next = (*m)->blocks;
        b->used = 0;
        b->cap = cap;
        (*m)->blocks = b;
    }
    void *p = (char *)b->data + b->used;
    b->used += size;
    memset(p, 0, size);
    return p;
}

void *ddb_mem_array(ddb_out_mem **m, size_t n, size_t size)
{
    if (n == 0)
        return NULL;
    if (n > SIZE_MAX / size) {
        nomem();
        return NULL;
    }
    return ddb_mem_alloc(m, n * size);
}

char *ddb_mem_strndup(ddb_out_mem **m, const char *s, size_t len)
{
    char *d = len < SIZE_MAX ? ddb_mem_alloc(m, len + 1) : NULL;
    if (d != NULL)
        memcpy(d, s, len); /* ddb_mem_alloc zeroed the NUL */
    return d;
}

int ddb_mem_adopt(ddb_out_mem **m, ddb_av *tree)
{
    if (tree == NULL)
        return 0;
    if (*m == NULL && (*m = calloc(1, sizeof **m)) == NULL) {
        ddb_av_free(tree);
        return nomem();
    }
    ddb_out_mem *mm = *m;
    if (mm->n_trees == mm->cap_trees) {
        size_t cap = mm->cap_trees != 0 ? mm->cap_trees * 2 : 8;
        ddb_av **t = realloc(mm->trees, cap * sizeof *t);
        if (t == NULL) {
            ddb_av_free(tree);
            return nomem();
        }
        mm->trees = t;
        mm->cap_trees = cap;
    }
    mm->trees[mm->n_trees++] = tree;
    return 0;
}

void ddb_mem_free(ddb_out_mem *m)
{
    if (m == NULL)
        return;
    ddb_free_items(m->trees, m->n_trees);
    free(m->trees);
    while (m->blocks != NULL) {
        mem_block *b = m->blocks;
        m->blocks = b->next;
        free(b);
    }
    free(m);
}

/* ------------------------------------------------------------------ */

static int wrong_type(const char *name, const char *expected)
{
    return ddb_error_set(DDB_EPROTOCOL, "response member \"%s\" is not %s", name, expected);
}

int ddb_read_str(const ddb_jnode *obj, const char *name, ddb_out_mem **m, const char **out)
{
    const ddb_jnode *n = ddb_jnode_get(obj, name);
    *out = NULL;
    if (n == NULL)
        return 0;
    size_t len;
    const char *s = ddb_jnode_type(n) == DDB_J_STRING ? ddb_jnode_str(n, &len) : NULL;
    if (s == NULL)
        return wrong_type(name, "a string");
    *out = ddb_mem_strndup(m, s, len);
    return *out != NULL ? 0 : DDB_ENOMEM;
}

int ddb_read_i64(const ddb_jnode *obj, const char *name, int64_t *out)
{
    *out = 0;
    int rc = ddb_jnode_get_i64(obj, name, out);
    return rc == DDB_ENOTFOUND ? 0 : rc;
}

int ddb_read_enum(const ddb_jnode *obj, const char *name, const char *const *names, size_t n)
{
    const char *s = ddb_jnode_get_str(obj, name);
    for (size_t i = 1; s != NULL && i < n; i++)
        if (names[i] != NULL && strcmp(s, names[i]) == 0)
            return (int)i;
    return 0;
}

static int read_double(const ddb_jnode *obj, const char *name, double *out)
{
    *out = 0;
    int rc = ddb_jnode_double(ddb_jnode_get(obj, name), out);
    return rc == DDB_ENOTFOUND ? 0 : rc;
}

int ddb_read_consumed(const ddb_jnode *n, ddb_out_mem **m, ddb_consumed_capacity *out)
{
    memset(out, 0, sizeof *out);
    if (n == NULL)
        return 0;
    if (ddb_jnode_type(n) != DDB_J_OBJECT)
        return wrong_type("ConsumedCapacity", "an object");
    int rc = ddb_read_str(n, "TableName", m, &out->table_name);
    if (rc == 0)
        rc = read_double(n, "CapacityUnits", &out->capacity_units);
    if (rc == 0)
        rc = read_double(n, "ReadCapacityUnits", &out->read_capacity_units);
    if (rc == 0)
        rc = read_double(n, "WriteCapacityUnits", &out->write_capacity_units);
    return rc;
}

int ddb_read_consumed_list(const ddb_jnode *n, ddb_out_mem **m, ddb_consumed_capacity **out,
                           size_t *n_out)
{
    *out = NULL;
    *n_out = 0;
    if (n == NULL)
        return 0;
    if (ddb_jnode_type(n) != DDB_J_ARRAY)
        return wrong_type("ConsumedCapacity", "an array");
    size_t count = ddb_jnode_len(n);
    if (count == 0)
        return 0;
    ddb_consumed_capacity *arr = ddb_mem_array(m, count, sizeof *arr);
    if (arr == NULL)
        return DDB_ENOMEM;
    size_t i = 0;
    int rc = 0;
    for (const ddb_jnode *e = ddb_jnode_first(n); e != NULL && rc == 0; e = ddb_jnode_next(e))
        rc = ddb_read_consumed(e, m, &arr[i++]);
    *out = arr;
    *n_out = i;
    return rc;
}

int ddb_read_items(ddb_jnode *arr, ddb_out_mem **m, ddb_av ***out, size_t *n_out)
{
    *out = NULL;
    *n_out = 0;
    if (arr == NULL)
        return 0;
    if (ddb_jnode_type(arr) != DDB_J_ARRAY)
        return wrong_type("Items", "an array");
    size_t count = ddb_jnode_len(arr);
    if (count == 0)
        return 0;
    ddb_av **items = ddb_mem_array(m, count, sizeof *items);
    if (items == NULL)
        return DDB_ENOMEM;
    size_t i = 0;
    for (ddb_jnode *e = ddb_jnode_first(arr); e != NULL; e = ddb_jnode_next(e))
        items[i++] = ddb_jnode_take_item(e);
    *out = items;
    *n_out = i;
    return 0;
}

void ddb_free_items(ddb_av **items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ddb_av_free(items[i]);
}
