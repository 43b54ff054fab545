/* A growable list of interactions in external ids (COO), as read from files. */
#ifndef GR_IO_EDGES_H
#define GR_IO_EDGES_H

#include <stddef.h>
#include <stdint.h>

/*
 * The rating and timestamp columns are held only once a value other than
 * the default (rating 1, timestamp 0) was stored: implicit-feedback files,
 * and files without timestamps, keep 16 bytes an edge for the ids alone
 * instead of 28.  Read them through gr_edges_rating / gr_edges_ts.
 * has_rating / has_ts say whether the source had the field (set by the
 * readers), not whether the column is held.
 */
typedef struct gr_edges {
    size_t n, cap;
    int64_t *user;
    int64_t *item;
    float *rating; /* NULL: every rating is 1 */
    int64_t *ts;   /* NULL: every timestamp is 0 */
    int has_rating, has_ts;
    /* with ids that are names (core/names.h): the users' and the items'
     * names by id; both NULL for integer ids */
    struct gr_names *user_names, *item_names;
} gr_edges;

static inline float gr_edges_rating(const gr_edges *e, size_t k) { return e->rating ? e->rating[k] : 1.0f; }
static inline int64_t gr_edges_ts(const gr_edges *e, size_t k) { return e->ts ? e->ts[k] : 0; }

void gr_edges_init(gr_edges *e);
void gr_edges_free(gr_edges *e);
/* Room for exactly `need` edges (no doubling: for a count known in
 * advance).  The arrays keep their contents; on GR_ENOMEM the ones already
 * grown stay valid and gr_edges_free() releases them. */
int gr_edges_reserve(gr_edges *e, size_t need);
/* Hold the rating (timestamp) column, its values so far the default, so
 * that it can be written directly.  GR_OK or GR_ENOMEM. */
int gr_edges_hold_ratings(gr_edges *e);
int gr_edges_hold_ts(gr_edges *e);
/* Append one edge (holding a column at its first value other than the
 * default).  GR_OK or GR_ENOMEM. */
/* Keep names for the ids from now on (both tables, empty).  GR_ENOMEM. */
int gr_edges_use_names(gr_edges *e);
/* Free the name tables (the ids stay as they are). */
void gr_edges_drop_names(gr_edges *e);
int gr_edges_push(gr_edges *e, int64_t user, int64_t item, float rating, int64_t ts);

#endif
