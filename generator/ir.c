/* ir.c - names of IR enums and destruction of the model IR. */
#include "ir.h"

#include <stdlib.h>
#include <string.h>

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
        free(a->s3_bucket);
        free(a->s3_prefix);
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
