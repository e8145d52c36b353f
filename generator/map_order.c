/*
 * map_order.c - containment of maps: by-value cycles and the order in which
 * C can declare the maps' structs (ddbc_schema.map_order, see ir.h).
 *
 * Map A references map B by value (an attribute of type B) or through a
 * typed list (an attribute {type: list, of: B}). Lists may form cycles (a
 * tree holds a list of itself); references by value may not. The order:
 * strongly connected components of all references (Tarjan), dependencies
 * first; inside a component, depth-first along the references by value.
 * So every map follows the maps it references, except for list references
 * inside a cycle, and always follows the maps it holds by value. Both walks
 * are iterative: a long chain of maps cannot exhaust the C stack.
 */
#include <stdlib.h>
#include <string.h>

#include "build_int.h"

/* The map that `a` references (-1: none); *by_value tells how. */
static int target(const ddbc_attr *a, bool *by_value)
{
    *by_value = a->type == DDB_FT_MAP;
    if (a->type == DDB_FT_MAP)
        return a->map_index;
    if (a->type == DDB_FT_LIST && a->elem_type == DDB_FT_MAP)
        return a->elem_map_index;
    return -1;
}

/* A map being visited and the next of its attributes to follow. */
typedef struct frame {
    size_t map, next_attr;
} frame;

typedef struct walk {
    const ddbc_schema *s;
    size_t n;     /* number of maps */
    frame *calls; /* n frames: the depth-first path */
    size_t n_calls;
    /* Tarjan */
    size_t *index, *low; /* 0: not visited yet; else visit number */
    size_t *stack;       /* maps of the components being formed */
    size_t n_stack, counter;
    bool *on_stack;
    size_t *comp; /* component of each map, numbered dependencies first */
    size_t n_comps;
    /* ordering */
    unsigned char *color; /* 0 new, 1 on the path, 2 placed */
    size_t *order, n_order;
} walk;

/* Follows the next reference of the top frame: the map it leads to (or -1), and how. */
static int next_target(walk *w, bool *by_value)
{
    frame *f = &w->calls[w->n_calls - 1];
    const ddbc_map *mp = &w->s->maps[f->map];
    return target(&mp->attrs[f->next_attr++], by_value);
}

static bool frame_done(const walk *w)
{
    const frame *f = &w->calls[w->n_calls - 1];
    return f->next_attr >= w->s->maps[f->map].n_attrs;
}

/* ---- components (Tarjan) ------------------------------------------------ */

static void tarjan_enter(walk *w, size_t v)
{
    w->index[v] = w->low[v] = ++w->counter;
    w->stack[w->n_stack++] = v;
    w->on_stack[v] = true;
    w->calls[w->n_calls++] = (frame){v, 0};
}

/* `v` has no reference left to follow: close its component if it is the root. */
static void tarjan_leave(walk *w, size_t v)
{
    w->n_calls--;
    if (w->low[v] == w->index[v]) {
        size_t x;
        do {
            x = w->stack[--w->n_stack];
            w->on_stack[x] = false;
            w->comp[x] = w->n_comps;
        } while (x != v);
        w->n_comps++;
    }
    if (w->n_calls > 0) {
        size_t parent = w->calls[w->n_calls - 1].map;
        if (w->low[v] < w->low[parent])
            w->low[parent] = w->low[v];
    }
}

static void tarjan_from(walk *w, size_t root)
{
    tarjan_enter(w, root);
    while (w->n_calls > 0) {
        size_t v = w->calls[w->n_calls - 1].map;
        if (frame_done(w)) {
            tarjan_leave(w, v);
            continue;
        }
        bool by_value;
        int t = next_target(w, &by_value);
        if (t < 0)
            continue;
        if (w->index[t] == 0)
            tarjan_enter(w, (size_t)t);
        else if (w->on_stack[t] && w->index[t] < w->low[v])
            w->low[v] = w->index[t];
    }
}

/* ---- order and cycles ----------------------------------------------------------- */

/* Reports the cycle the top frame closes by holding map `t` by value. */
static void report_cycle(builder *b, const walk *w, size_t t)
{
    const frame *top = &w->calls[w->n_calls - 1];
    const ddbc_attr *a = &w->s->maps[top->map].attrs[top->next_attr - 1];
    const char *name = w->s->maps[t].name;
    ddb_buf chain = DDB_BUF_INIT;
    size_t first = 0;
    while (w->calls[first].map != t)
        first++;
    for (size_t i = first; i < w->n_calls; i++)
        ddb_buf_printf(&chain, "%s -> ", w->s->maps[w->calls[i].map].name);
    ddb_buf_puts(&chain, name);
    ddbc_diag_error(b->diag, a->pos,
                    "map '%s' contains itself by value: %s; a map can only contain itself "
                    "through a list, e.g. {type: list, of: %s}",
                    name, ddb_buf_cstr(&chain), name);
    ddb_buf_free(&chain);
}

/* Places `root` and what it holds by value, depth first; reports cycles. */
static void place_from(builder *b, walk *w, size_t root)
{
    w->color[root] = 1;
    w->calls[w->n_calls++] = (frame){root, 0};
    while (w->n_calls > 0) {
        if (frame_done(w)) {
            size_t v = w->calls[--w->n_calls].map;
            w->color[v] = 2;
            w->order[w->n_order++] = v;
            continue;
        }
        bool by_value;
        int t = next_target(w, &by_value);
        if (t < 0 || !by_value)
            continue;
        if (w->color[t] == 0) {
            w->color[t] = 1;
            w->calls[w->n_calls++] = (frame){(size_t)t, 0};
        } else if (w->color[t] == 1) {
            report_cycle(b, w, (size_t)t);
        }
    }
}

/* Maps sorted by component, declaration order within one (a counting sort). */
static void by_component(const walk *w, size_t *sorted, size_t *start)
{
    memset(start, 0, (w->n_comps + 1) * sizeof *start);
    for (size_t v = 0; v < w->n; v++)
        start[w->comp[v] + 1]++;
    for (size_t c = 0; c < w->n_comps; c++)
        start[c + 1] += start[c];
    for (size_t v = 0; v < w->n; v++)
        sorted[start[w->comp[v]]++] = v;
}

static void walk_free(walk *w)
{
    free(w->calls);
    free(w->index);
    free(w->low);
    free(w->stack);
    free(w->on_stack);
    free(w->comp);
    free(w->color);
}

void bld_order_maps(builder *b, ddbc_schema *s)
{
    size_t n = s->n_maps;
    walk w = {s, n, NULL, 0, NULL, NULL, NULL, 0, 0, NULL, NULL, 0, NULL, NULL, 0};
    w.calls = calloc(n, sizeof *w.calls);
    w.index = calloc(n, sizeof *w.index);
    w.low = calloc(n, sizeof *w.low);
    w.stack = calloc(n + 1, sizeof *w.stack); /* reused for the sort: n_comps + 1 <= n + 1 */
    w.on_stack = calloc(n, sizeof *w.on_stack);
    w.comp = calloc(n, sizeof *w.comp);
    w.color = calloc(n, sizeof *w.color);
    w.order = calloc(n, sizeof *w.order);
    if (w.calls == NULL || w.index == NULL || w.low == NULL || w.stack == NULL ||
        w.on_stack == NULL || w.comp == NULL || w.color == NULL || w.order == NULL) {
        bld_out_of_memory(b, s->maps[0].pos);
        walk_free(&w);
        free(w.order);
        return;
    }
    for (size_t v = 0; v < n; v++)
        if (w.index[v] == 0)
            tarjan_from(&w, v);
    size_t *sorted = w.index; /* done with Tarjan: reuse its arrays */
    by_component(&w, sorted, w.stack);
    for (size_t i = 0; i < n; i++)
        if (w.color[sorted[i]] == 0)
            place_from(b, &w, sorted[i]);
    s->map_order = w.order;
    walk_free(&w);
}
