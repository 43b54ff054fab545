/*
 * The id space and metadata that the graphs of one dataset share: maps
 * between external and dense ids for users and items, titles, genres and
 * years of items, demographics of users.  Reference counted; it grows only
 * while the first graph of a dataset is built and is read-only afterwards.
 */
#ifndef GR_GRAPH_CATALOG_H
#define GR_GRAPH_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "core/idmap.h"
#include "io/edges.h"
#include "io/metadata.h"

typedef struct gr_catalog {
    int refs;
    gr_idmap users, items;
    size_t item_cap, user_cap; /* allocated rows of the per-entity arrays */
    int named;         /* the ids are names (gr_ids): user_name / item_name hold them */
    char **user_name;  /* per dense index; NULL: not named */
    char **item_name;
    /* per item (dense index) */
    char **title;      /* NULL: unknown */
    int32_t *year;     /* 0: unknown */
    uint64_t *genres;
    size_t n_genres;
    char *genre[GR_MAX_GENRES];
    /* per user (dense index) */
    int16_t *age;      /* -1: unknown */
    char *gender;      /* 'M', 'F', 0 */
    int16_t *occupation; /* index into occupation_names, -1: unknown */
    size_t n_occupations;
    char **occupation_names;
} gr_catalog;

gr_catalog *gr_catalog_new(void);
gr_catalog *gr_catalog_ref(gr_catalog *c);
void gr_catalog_unref(gr_catalog *c);

/* Dense index of a user / item, added when new; -1 on failure (error set). */
int32_t gr_catalog_add_user(gr_catalog *c, int64_t id);
int32_t gr_catalog_add_item(gr_catalog *c, int64_t id);

/* Register the items / users of a metadata table (adding unknown ids) and
 * copy their metadata. */
int gr_catalog_attach_items(gr_catalog *c, const gr_item_table *t);
int gr_catalog_attach_users(gr_catalog *c, const gr_user_table *t);

/*
 * Take the names of e's ids (read from a file whose ids are names) for the
 * users and items the catalog holds, and mark it named.  An id the
 * catalog holds under another name is GR_EFORMAT naming both (a hash
 * collision between files).  The names taken are removed from e's tables.
 * Nothing happens for edges without names.  The caller checks first that
 * the catalog is named or was empty before the edges' ids were added
 * (gr_graph_build): the two kinds of id do not mix.
 */
int gr_catalog_take_names(gr_catalog *c, gr_edges *e);
/* Copy the name of src's user (item) k to c's user (item) idx, checking a
 * name c holds already.  GR_OK when src has none. */
int gr_catalog_copy_user_name(gr_catalog *c, int32_t idx, const gr_catalog *src, size_t k);
int gr_catalog_copy_item_name(gr_catalog *c, int32_t idx, const gr_catalog *src, size_t k);

/* Set the genre names (used by readers of saved models). */
int gr_catalog_set_genres(gr_catalog *c, char *const *names, size_t n);

#endif
