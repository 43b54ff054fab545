/*
 * GraphSAGE (Hamilton et al., NeurIPS 2017) on the user-item graph.
 *
 * Depth-0 representations are the input rows [features ; learned id
 * embedding].  Layer l maps the depth-(l-1) representation of a node and
 * the means of its neighbours' to depth l:
 *     h_v^l = act(W_t^l [h_v^(l-1) ; m_1 ; ... ; m_C] + b_t^l)
 * with separate weights per node type t (users aggregate items and vice
 * versa).  With one channel m_1 is the mean of the neighbours; with rating
 * channels m_c sums the neighbours rated at level c, divided by the number
 * of all neighbours, so the layer also sees how the node was rated
 * (GC-MC style).  act is ReLU for l < L and the identity for the last
 * layer, whose output is the embedding z (dim floats, optionally L2
 * normalised) plus, with biases on, one bias column.  Dropout acts on the
 * representations entering every layer.  Scores are
 *     s(u, i) = <z_u, z_i> + b_u + b_i (+ the mean rating for ratings)
 * with b the bias column plus a learned per-node bias.
 */
#ifndef GR_MODELS_GRAPHSAGE_H
#define GR_MODELS_GRAPHSAGE_H

#include <stddef.h>
#include <stdint.h>

#include "features/features.h"
#include "models/model.h"
#include "train/neighbor_sampler.h"

#define GR_SAGE_MAX_CHANNELS 16

typedef struct gr_sage_arch {
    int layers;      /* L, 1..GR_SAGE_MAX_LAYERS */
    int channels;    /* C: 1 (mean) or the number of rating levels */
    int bias;        /* per-node biases and the bias column */
    int l2norm;      /* normalise z to unit length */
    size_t id_dim;   /* learned input embedding per node (0: none) */
    size_t hidden;   /* width of depths 1..L-1 */
    size_t dim;      /* width of z */
    size_t feat[2];  /* feature columns per node type */
    size_t n[2];     /* nodes per type */
} gr_sage_arch;

/* Offsets into the flat parameter vector. */
typedef struct gr_sage_layout {
    size_t emb[2];   /* n x id_dim */
    size_t nbias[2]; /* n */
    size_t w[GR_SAGE_MAX_LAYERS + 1][2], b[GR_SAGE_MAX_LAYERS + 1][2];
    size_t rows[GR_SAGE_MAX_LAYERS + 1];    /* outputs of layer l */
    size_t cols[GR_SAGE_MAX_LAYERS + 1][2]; /* inputs of layer l for type t */
    size_t total;
} gr_sage_layout;

/* Width of the depth-l representation of type t. */
size_t gr_sage_width(const gr_sage_arch *a, int l, int t);
void gr_sage_layout_of(gr_sage_layout *lay, const gr_sage_arch *a);

/* Glorot-uniform weights, zero biases, N(0, init_std) id embeddings for
 * nodes with edges in g (zero for the others, which never train). */
void gr_sage_init_params(float *p, const gr_sage_arch *a, const gr_sage_layout *lay, const gr_graph *g, double init_std,
                         uint64_t seed);

/* A float buffer that only grows. */
typedef struct gr_fbuf {
    float *p;
    size_t cap;
} gr_fbuf;

/* Buffers of one forward and backward pass over a block. */
typedef struct gr_sage_pass {
    gr_fbuf h[GR_SAGE_MAX_LAYERS + 1][2];  /* depth representations; h[0] is filled by the caller */
    gr_fbuf hd[GR_SAGE_MAX_LAYERS + 1][2]; /* after dropout */
    gr_fbuf x[GR_SAGE_MAX_LAYERS + 1][2];  /* layer inputs */
    gr_fbuf dh[GR_SAGE_MAX_LAYERS + 1][2];
    gr_fbuf dx[2];
    gr_fbuf out[2];  /* depth-L output after normalisation */
    gr_fbuf dout[2];
    gr_fbuf norm[2];
    gr_fbuf wt;      /* a padded weight matrix */
    float dropout;   /* rate for this pass (0 at inference) */
    uint64_t drop_seed, drop_key;
} gr_sage_pass;

/*
 * Make room for a block; h[0][t] then has room for its depth-0 rows.  Set
 * ps->dropout first: without dropout the layers read h itself and hd is
 * not made.  GR_SAGE_PASS_FORWARD makes only what gr_sage_forward writes,
 * to the row (inference over the whole graph, once); GR_SAGE_PASS_TRAIN
 * adds the gradients of gr_sage_backward, with room to grow into (a fit's
 * batches vary in size).
 */
enum { GR_SAGE_PASS_FORWARD = 0, GR_SAGE_PASS_TRAIN = 1 };
int gr_sage_pass_reserve(gr_sage_pass *ps, const gr_sage_arch *a, const gr_sage_block *b, int mode);
void gr_sage_pass_free(gr_sage_pass *ps);

/* Layers 1..L over the block from ps->h[0]; fills ps->out (rows of width
 * gr_sage_width(a, L, t)). */
void gr_sage_forward(const gr_sage_arch *a, const gr_sage_layout *lay, const float *p, const gr_sage_block *b,
                     gr_sage_pass *ps);

/*
 * Back-propagate ps->dout (filled by the caller, same shape as ps->out):
 * adds the weight gradients to grad (laid out as the parameters) and
 * leaves the gradient of the depth-0 rows in ps->dh[0].
 */
void gr_sage_backward(const gr_sage_arch *a, const gr_sage_layout *lay, const float *p, const gr_sage_block *b,
                      gr_sage_pass *ps, float *grad);

/* ---- the model kind ---- */

typedef enum { GR_SAGE_FEAT_NONE = 0, GR_SAGE_FEAT_BUILTIN = 1, GR_SAGE_FEAT_CUSTOM = 2 } gr_sage_feat_kind;

typedef struct gr_sage_state {
    gr_sage_arch arch;
    gr_sage_layout lay;
    int objective;                      /* a gr_objective */
    float mu;                           /* global bias: the mean training rating (rating objective) */
    float top;                          /* the highest training rating: what "liked" means */
    int n_levels;
    float level[GR_SAGE_MAX_CHANNELS];  /* rating of each channel, ascending */
    int feat_kind[2];                   /* gr_sage_feat_kind per type */
    gr_feat_spec spec;                  /* the encoder of built-in features */
    float *feat[2];                     /* feature rows of the training nodes */
    float *params;
    /* derived by prepare */
    uint8_t *chan_ui, *chan_iu;
    float *hid[GR_SAGE_MAX_LAYERS][2];  /* full-graph representations of depths 0..L-1 */
} gr_sage_state;

extern const gr_model_ops gr_graphsage_ops;

/* ops->fold_in: a new user who liked these items (graphsage_cold.c). */
int gr_sage_fold_in(const gr_model *m, const int32_t *items, size_t n, float *out);

/* Channel of a rating: the nearest level (0 with one channel). */
int gr_sage_channel(const gr_sage_state *s, float rating);

/* Channels of every edge of g in both CSRs; malloc'ed. */
int gr_sage_edge_channels(const gr_sage_state *s, const gr_graph *g, uint8_t **chan_ui, uint8_t **chan_iu);

/*
 * Full-neighbourhood inference over the training graph: the vectors and
 * biases of every node (any output may be NULL), and with keep_hidden the
 * depth representations for cold start.  Allocates its own buffers.
 */
int gr_sage_infer(gr_sage_state *s, const gr_graph *g, const float *params, float *user_vec, float *item_vec,
                  float *user_bias, float *item_bias, int keep_hidden);

/* A finished model from trained parameters; takes ownership of s (freed
 * on failure too). */
int gr_sage_model(gr_model **out, const gr_graph *train, gr_sage_state *s);

void gr_sage_state_free(gr_sage_state *s);

/*
 * The vector (dim floats) and bias of a node the model has not seen, of
 * type t, from its feature row (feat[t] floats, may be NULL for none) and
 * its neighbours (dense indices of the other type, with their channels).
 */
int gr_sage_embed_new(const gr_model *m, int type, const float *feat_row, const int32_t *nbr, const uint8_t *chan,
                      size_t n_nbr, float *vec, float *bias);

#endif
