/*
 * Neighbour sampling for mini-batch GraphSAGE (Hamilton et al., 2017).
 *
 * A block lists, for every depth l = L..0, the users and items whose
 * depth-l representation the batch needs: depth L holds the targets, and
 * depth l-1 holds the nodes of depth l (as a prefix, at the same
 * positions) followed by the neighbours sampled for them.  Neighbours of a
 * user are items and vice versa.  Hop h (from the targets) samples at most
 * fanout[h-1] distinct neighbours per node, uniformly without
 * replacement; fanout 0 takes all of them (inference).  Edges marked as
 * excluded (the batch's own training edges, so that no target sees the
 * label it is trained on) are never sampled, and nodes marked cold get no
 * neighbours.  Every draw is a function of (seed, key, depth, node), so a
 * block does not depend on the order of the targets or on threads.
 */
#ifndef GR_TRAIN_NEIGHBOR_SAMPLER_H
#define GR_TRAIN_NEIGHBOR_SAMPLER_H

#include <stddef.h>
#include <stdint.h>

#include "graph/graph.h"

#define GR_SAGE_MAX_LAYERS 4

/* The sampled neighbours of the nodes of one depth and type. */
typedef struct gr_sage_hop {
    int64_t *ptr;  /* n + 1 */
    int32_t *nbr;  /* positions in the next depth's list of the other type */
    uint8_t *chan; /* rating channel of each sampled edge */
    size_t cap;
} gr_sage_hop;

typedef struct gr_sage_block {
    int layers;
    int32_t *node[GR_SAGE_MAX_LAYERS + 1][2]; /* dense indices per depth and type */
    size_t n[GR_SAGE_MAX_LAYERS + 1][2];
    size_t cap[GR_SAGE_MAX_LAYERS + 1][2];
    gr_sage_hop hop[GR_SAGE_MAX_LAYERS + 1][2]; /* hop[l]: neighbours of depth-l nodes, l >= 1 */
} gr_sage_block;

/* Per-hop work: where each node's picks go, how many it got, the picks. */
typedef struct gr_sage_scratch {
    int64_t *at;
    size_t at_cap;
    size_t *got;
    size_t got_cap;
    int64_t *out;
    size_t out_cap;
} gr_sage_scratch;

typedef struct gr_sage_sampler {
    const gr_graph *g;
    const uint8_t *chan_ui, *chan_iu; /* channel of each edge in either CSR; NULL: all 0 */
    int layers;
    int fanout[GR_SAGE_MAX_LAYERS];
    uint64_t seed;
    int64_t *iu_edge;    /* iu position -> ui position */
    uint32_t *excluded;  /* per ui position: == stamp when excluded */
    uint32_t *picked;    /* per ui position: scratch for sampling without replacement */
    uint32_t *cold[2];   /* per node: == stamp when cold */
    uint32_t stamp, pick_stamp;
    int32_t *pos[2];     /* per node: position in the list being built, -1 */
    gr_sage_scratch scratch;
} gr_sage_sampler;

int gr_sage_sampler_init(gr_sage_sampler *s, const gr_graph *g, const uint8_t *chan_ui, const uint8_t *chan_iu,
                         int layers, const int *fanout, uint64_t seed);
void gr_sage_sampler_free(gr_sage_sampler *s);

/* Start a new batch: forget the exclusions and cold marks of the last one. */
void gr_sage_batch_begin(gr_sage_sampler *s);
/* Exclude the edge at ui position `e` from sampling in this batch. */
static inline void gr_sage_exclude(gr_sage_sampler *s, int64_t e) { s->excluded[e] = s->stamp; }
static inline int gr_sage_is_excluded(const gr_sage_sampler *s, int64_t e) { return s->excluded[e] == s->stamp; }
/* Treat a node as cold in this batch (no neighbours). */
static inline void gr_sage_mark_cold(gr_sage_sampler *s, int type, int32_t v) { s->cold[type][v] = s->stamp; }
static inline int gr_sage_is_cold(const gr_sage_sampler *s, int type, int32_t v) { return s->cold[type][v] == s->stamp; }

/*
 * Build the block of the given targets (repeats allowed).  tpos[t][k]
 * receives the depth-L position of targets[t][k].  key selects the random
 * draws (e.g. epoch and batch number).  GR_ENOMEM.
 */
int gr_sage_sample(gr_sage_sampler *s, gr_sage_block *b, const int32_t *const targets[2], const size_t n_targets[2],
                   int32_t *const tpos[2], uint64_t key);

/* A block over all nodes with all their neighbours (no exclusions), for
 * inference; node lists are the identity at every depth. */
int gr_sage_full_block(gr_sage_block *b, const gr_graph *g, const uint8_t *chan_ui, const uint8_t *chan_iu, int layers);

void gr_sage_block_free(gr_sage_block *b);

#endif
