/*
 * BPR triples (user, positive, negative).  An epoch draws as many triples
 * as there are training edges, in one of two ways:
 *  - by user (the LightGCN reference implementation): a user uniformly
 *    among those with edges, then one of the user's items uniformly;
 *  - by edge: every training edge once, in a shuffled order.
 * Each positive gets `negatives` items drawn uniformly from those the user
 * has not interacted with.  Every draw is a function of (seed, epoch,
 * position), so batches are the same for any thread count.
 */
#ifndef GR_TRAIN_BPR_SAMPLER_H
#define GR_TRAIN_BPR_SAMPLER_H

#include <stddef.h>
#include <stdint.h>

#include "graph/graph.h"

enum { GR_SAMPLE_BY_USER = 0, GR_SAMPLE_BY_EDGE = 1 };

typedef struct gr_bpr_sampler {
    const gr_graph *g;
    int how;             /* GR_SAMPLE_BY_USER or GR_SAMPLE_BY_EDGE */
    int32_t *active;     /* users with at least one edge (by user) */
    size_t n_active;
    uint64_t seed;
    int64_t epoch;
    uint32_t *order;     /* edge positions in this epoch's order */
    int32_t *edge_user;  /* user of each edge position */
} gr_bpr_sampler;

int gr_bpr_sampler_init(gr_bpr_sampler *s, const gr_graph *g, uint64_t seed, int how);
void gr_bpr_sampler_free(gr_bpr_sampler *s);
/* Start epoch e (by edge: shuffle the edges). */
void gr_bpr_sampler_epoch(gr_bpr_sampler *s, int64_t e);
/*
 * Triples for positions [start, start + count) of the epoch: u[k], pos[k]
 * and neg[k * negatives + n].  Parallel.
 */
void gr_bpr_sampler_batch(const gr_bpr_sampler *s, size_t start, size_t count, int negatives, int32_t *u,
                          int32_t *pos, int32_t *neg);
/* A uniform item the user (dense index) has not interacted with, from the
 * random bits of `key`; -1 if the user has interacted with every item. */
int32_t gr_sample_negative(const gr_graph *g, int32_t user, uint64_t seed, uint64_t stream, uint64_t key);

#endif
