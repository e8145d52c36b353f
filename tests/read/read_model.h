/*
 * read_model.h - a hand-written model with a global and a local secondary
 * index, shared by the reading tests (the generator does not emit indexes
 * yet). Table "ReadItems": hash pk (S), range sk (N); GSI by_owner (owner,
 * views), LSI by_views (pk, views, keys only). rd_other is the same shape
 * on table "ReadOther", for cursors of another table.
 */
#ifndef READ_MODEL_H
#define READ_MODEL_H

#include <ddb/ddb.h>

typedef struct rd_item {
    char *pk;
    int64_t sk;
    char *owner;    /* nullable: items without it are not in by_owner */
    int64_t views;
    bool has_score;
    double score;
    char *note;     /* required, default "none" */
} rd_item;

enum { RD_PK, RD_SK, RD_OWNER, RD_VIEWS, RD_SCORE, RD_NOTE };

extern const ddb_model rd_item_model;
extern const ddb_model rd_other_model;

#define RD_BY_OWNER (&rd_item_model.indexes[0])
#define RD_BY_VIEWS (&rd_item_model.indexes[1])

#endif /* READ_MODEL_H */
