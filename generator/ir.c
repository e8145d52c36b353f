/* ir.c - type table lookups and destruction of the model IR. */
#include "ir.h"

#include <stdlib.h>
#include <string.h>

static const struct type_row {
    const char *name;
    const char *wire;
    bool key;
} type_rows[DDBC_TYPE_COUNT] = {
#define DDBC_TYPE_ROW_(id, name, wire, key) [DDBC_T_##id] = {name, wire, key},
    DDBC_TYPE_TABLE(DDBC_TYPE_ROW_)
#undef DDBC_TYPE_ROW_
};

const char *ddbc_type_name(ddbc_type t)
{
    return type_rows[t].name;
}

const char *ddbc_type_wire(ddbc_type t)
{
    return type_rows[t].wire;
}

bool ddbc_type_can_be_key(ddbc_type t)
{
    return type_rows[t].key;
}

bool ddbc_type_from_name(const char *name, ddbc_type *out)
{
    for (int t = 0; t < DDBC_TYPE_COUNT; t++) {
        if (strcmp(type_rows[t].name, name) == 0) {
            *out = (ddbc_type)t;
            return true;
        }
    }
    return false;
}

bool ddbc_type_can_be_elem(ddbc_type t)
{
    switch (t) {
    case DDBC_T_STRING:
    case DDBC_T_INT64:
    case DDBC_T_DOUBLE:
    case DDBC_T_BOOL:
    case DDBC_T_BINARY:
    case DDBC_T_DECIMAL:
    case DDBC_T_UTC_DATETIME:
    case DDBC_T_JSON:
        return true;
    case DDBC_T_STRING_SET:
    case DDBC_T_NUMBER_SET:
    case DDBC_T_BINARY_SET:
    case DDBC_T_LIST:
    case DDBC_T_MAP:
    case DDBC_T_DOCUMENT:
    case DDBC_T_NULL:
    case DDBC_T_TTL:
    case DDBC_T_VERSION:
    case DDBC_T_DISCRIMINATOR:
        return false;
    }
    return false;
}

const char *ddbc_stream_name(ddbc_stream s)
{
    switch (s) {
    case DDBC_STREAM_NONE:
        return NULL;
    case DDBC_STREAM_KEYS_ONLY:
        return "keys_only";
    case DDBC_STREAM_NEW_IMAGE:
        return "new_image";
    case DDBC_STREAM_OLD_IMAGE:
        return "old_image";
    case DDBC_STREAM_NEW_AND_OLD_IMAGES:
        return "new_and_old_images";
    }
    return NULL;
}

const char *ddbc_projection_name(ddbc_projection p)
{
    switch (p) {
    case DDBC_PROJECTION_ALL:
        return "all";
    case DDBC_PROJECTION_KEYS_ONLY:
        return "keys_only";
    case DDBC_PROJECTION_INCLUDE:
        return "include";
    }
    return NULL;
}

static void attrs_free(ddbc_attr *attrs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ddbc_attr *a = &attrs[i];
        free(a->name);
        free(a->attr_name);
        free(a->default_text);
        for (size_t k = 0; k < a->n_default_items; k++)
            free(a->default_items[k]);
        free(a->default_items);
        free(a->doc);
    }
    free(attrs);
}

static void index_free(ddbc_index *ix)
{
    free(ix->name);
    free(ix->include);
    free(ix->doc);
}

static void model_free(ddbc_model *m)
{
    free(m->name);
    free(m->table);
    free(m->doc);
    attrs_free(m->attrs, m->n_attrs);
    for (size_t i = 0; i < m->n_indexes; i++)
        index_free(&m->indexes[i]);
    free(m->indexes);
    free(m->discriminator_value);
}

static void map_free(ddbc_map *m)
{
    free(m->name);
    free(m->doc);
    attrs_free(m->attrs, m->n_attrs);
}

void ddbc_schema_free(ddbc_schema *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n_models; i++)
        model_free(&s->models[i]);
    free(s->models);
    for (size_t i = 0; i < s->n_maps; i++)
        map_free(&s->maps[i]);
    free(s->maps);
    free(s->map_order);
    free(s->prefix);
    free(s->path);
    free(s);
}
