/*
 * GraphSAGE training internals, shared with the tests: the settings of a
 * fit, and the loss and gradient of one mini-batch.
 *
 * A batch is a set of training edges.  They are removed from the graph
 * the batch samples its neighbourhoods from, and the rating statistics of
 * their endpoints are re-encoded without them, so no target sees its own
 * label: training sees the graph as inference sees a held-out edge.
 * Rating objective: squared error of mu + <z_u, z_i> + b_u + b_i.  BPR:
 * softplus(s(u, j) - s(u, i)) for `negatives` sampled items j per edge,
 * or, with `shared` > 0, a sampled softmax of every edge's item against
 * `shared` items the whole batch shares (graphsage_softmax.c).
 */
#ifndef GR_TRAIN_GRAPHSAGE_TRAIN_H
#define GR_TRAIN_GRAPHSAGE_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "models/graphsage.h"
#include "train/neighbor_sampler.h"
#include "train/trainer.h"

typedef struct gr_sage_ctx {
    const gr_graph *g;
    gr_sage_state *s; /* architecture, features, levels (the parameters live apart) */
    int objective, negatives;
    size_t shared;  /* BPR: negatives the batch shares in a sampled softmax (0: `negatives` per edge) */
    size_t n_warm;  /* items the shared negatives are drawn from */
    float inv_temp; /* the sampled softmax's scores are divided by its temperature: times this */
    double reg, wd, dropout, id_dropout, cold_prob;
    uint64_t seed;
    /* the batch: ui positions of its edges and, for BPR, negatives[k * negatives + q] (-1: none),
     * or with shared > 0 the batch's shared negatives neg[0 .. shared), distinct */
    size_t count;
    int64_t *edge;
    int32_t *neg;
    size_t batch_cap, neg_cap;
    /* node statistics for re-encoding built-in features */
    gr_node_stats *stats[2];
    uint32_t *adj_stamp[2];
    int32_t *adj_idx[2];
    gr_node_stats *adj[2];
    size_t n_adj[2], adj_cap[2];
    int32_t *edge_user; /* user of each ui position */
    gr_sage_sampler smp;
    gr_sage_block blk;
    gr_sage_pass ps;
    int32_t *tgt[2], *tpos[2];
    size_t ntgt[2], tgt_cap[2];
    /* the sampled softmax's work space (graphsage_softmax.c) */
    float *sm;
    size_t sm_cap;
    int32_t *neg_at; /* per item: its index among the shared negatives, or -1 */
} gr_sage_ctx;

/* A context over train for the state's architecture (s->params unused). */
int gr_sage_ctx_init(gr_sage_ctx *c, const gr_graph *train, gr_sage_state *s, const int *fanout);
void gr_sage_ctx_free(gr_sage_ctx *c);
/* Room for a batch of `count` edges. */
int gr_sage_ctx_batch(gr_sage_ctx *c, size_t count);

/*
 * Loss of the batch in c (c->edge, c->neg, c->count) at params, and its
 * gradient added to grad (same layout).  key selects the sampled
 * neighbourhoods, dropout masks and cold nodes: the same key gives the
 * same function of params.  Returns NaN on allocation failure.
 */
double gr_sage_batch_loss(gr_sage_ctx *c, const float *params, float *grad, uint64_t key);

/*
 * The sampled softmax over the batch's shared negatives: its mean loss
 * over the batch's edges, its gradient added to the output rows'
 * gradients (c->ps.dout) and to the learned item biases in grad.
 */
double gr_sage_softmax_loss(gr_sage_ctx *c, const float *params, float *grad);

/* Settings (the trainer's kind table) used to build a state. */
extern const gr_kind_trainer gr_graphsage_trainer;
/* Set the ranking step size, where the caller left it unset, to its
 * default for g (sized by the batch, itself sized by g's edges where
 * unset), so that a budget's search starts from the fit it would make
 * without a budget (as gr_lgcn_size_defaults does for LightGCN and MF);
 * the kind's size_defaults (train/trainer.h). */
void gr_sage_size_defaults(gr_trainer *t, const gr_graph *g);

/*
 * A model of g continued from m, a GraphSAGE model of a graph whose users
 * and items are g's first (gr_model_update): m's architecture, levels and
 * feature encoder, its parameters as the start (new nodes' id embeddings
 * and biases at zero), then t's schedule over g without validation.  t
 * holds the update's settings (train/update.c).
 */
int gr_sage_update(gr_model **out, gr_trainer *t, const gr_graph *g, const gr_model *m);

/* The update's short schedule where the caller sets none: epochs over the
 * grown graph, and the fraction of the fit's step size it runs at
 * (docs/graphsage.md, chosen on validation by bench/bench_update.c). */
#define GR_SAGE_UPDATE_EPOCHS 4
#define GR_SAGE_UPDATE_LR_SCALE 2.0

#endif
