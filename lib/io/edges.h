/* A growable list of interactions in external ids (COO), as read from files. */
#ifndef GR_IO_EDGES_H
#define GR_IO_EDGES_H

#include <stddef.h>
#include <stdint.h>

typedef struct gr_edges {
    size_t n, cap;
    int64_t *user;
    int64_t *item;
    float *rating; /* 1.0 where the source has no ratings */
    int64_t *ts;   /* 0 where the source has no timestamps */
    int has_rating, has_ts;
} gr_edges;

void gr_edges_init(gr_edges *e);
void gr_edges_free(gr_edges *e);
/* Room for exactly `need` edges (no doubling: for a count known in
 * advance).  The arrays keep their contents; on GR_ENOMEM the ones already
 * grown stay valid and gr_edges_free() releases them. */
int gr_edges_reserve(gr_edges *e, size_t need);
/* Append one edge.  GR_OK or GR_ENOMEM. */
int gr_edges_push(gr_edges *e, int64_t user, int64_t item, float rating, int64_t ts);

#endif
