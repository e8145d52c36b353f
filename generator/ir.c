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

static void attr_free(ddbc_attr *a)
{
    free(a->name);
    free(a->attr_name);
    free(a->default_text);
    free(a->doc);
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
    for (size_t i = 0; i < m->n_attrs; i++)
        attr_free(&m->attrs[i]);
    free(m->attrs);
    for (size_t i = 0; i < m->n_indexes; i++)
        index_free(&m->indexes[i]);
    free(m->indexes);
}

void ddbc_schema_free(ddbc_schema *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n_models; i++)
        model_free(&s->models[i]);
    free(s->models);
    free(s->prefix);
    free(s->path);
    free(s);
}
