/*
 * LightGCN (He et al., SIGIR 2020): embeddings E0 of users and items are
 * propagated over the normalised adjacency A = D^-1/2 R D^-1/2 and the
 * layers averaged, E = (E0 + A E0 + ... + A^K E0) / (K + 1); the score of
 * (u, i) is <E_u, E_i>.  MF-BPR is the same model with K = 0.
 */
#ifndef GR_MODELS_LIGHTGCN_H
#define GR_MODELS_LIGHTGCN_H

#include "graph/norm_adj.h"
#include "kernels/spmm.h"
#include "models/model.h"

typedef struct gr_lightgcn_state {
    int layers;
    float *e0;          /* (users + items) x dim: the trained parameters */
    /* items x dim when layers > 0 (NULL for MF): 2 e_i^0 + e_i^1 + ... +
     * e_i^(K-1), a new user's part of item i before its weight (fold-in) */
    float *item_fold;
} gr_lightgcn_state;

extern const gr_model_ops gr_lightgcn_ops;
extern const gr_model_ops gr_mf_ops;

/* Layer k's contribution to the fold-in table: fold = 2 rows at k = 0,
 * fold += rows after (n floats), the order fold-in's sum was made in. */
void gr_lightgcn_fold_layer(float *fold, const float *rows, size_t n, int k);

/*
 * One layer of the propagation made in place (models/lightgcn_layer.c).
 * buf holds the current layer: every row A's columns name, in their
 * layout, A's row r at row at + r.  A's first `users` rows are users',
 * which read item rows alone, the others items', which read user rows
 * alone.  So the side of fewer rows goes into `side` first (the items' on
 * a tie; gr_lightgcn_side_rows(users, a->n - users, 1) rows), reading the
 * other side's current rows; the other side is then written over its own
 * rows, and with `keep` the first is copied back, so that buf holds the
 * next layer's rows [at, at + a->n).  The users' rows go into acc_u and
 * the items' into acc_i as acc = (acc + row) * scale.  Each row has the
 * bits of the whole product (gr_spmm_scaled).
 */
void gr_lightgcn_layer(const gr_spmat *a, size_t users, float *buf, size_t at, float *side, float *acc_u,
                       float *acc_i, float scale, size_t d, int keep);
/* The same over bfloat16 layers (gr_spmm_bf16: d 32, 64 or 128), the
 * next layer always kept; the last layer of a propagation, whose rows
 * are summed alone, is gr_spmm_bf16 with no output layer. */
void gr_lightgcn_layer_bf16(const gr_spmat *a, size_t users, uint16_t *buf, size_t at, uint16_t *side, float *acc_u,
                            float *acc_i, float scale, size_t d);
/* Rows of the `side` buffer of a propagation that makes `in_place` layers
 * in place over rows of which `users` are users' and `items` items': the
 * smaller side's where it makes any, else 0.  (A propagation of K layers
 * from a buffer of its own makes K - 1: layer 0 is read from there.) */
size_t gr_lightgcn_side_rows(size_t users, size_t items, int in_place);

/*
 * out = (1 / (K + 1)) sum_k A^k e0 over the whole normalised adjacency a
 * (gr_norm_adj), the first `users` rows users': user_out and item_out
 * receive the users' and the items' rows of the result, item_fold (NULL
 * or items x d) the item rows' fold of layers 0 .. K-1
 * (gr_lightgcn_fold_layer: the state's item_fold).  Each layer is made in
 * place in `layer` (n x d; NULL when K is 0) with `side`
 * (gr_lightgcn_side_rows x d; not NULL with two layers or more, even
 * where that is 0 rows): n + min(users, items) rows of work instead of
 * two layers of n, and the bits of multiplying by the whole matrix.
 */
void gr_lightgcn_propagate(const gr_spmat *a, size_t users, const float *e0, float *user_out, float *item_out,
                           float *layer, float *side, size_t d, int layers, float *item_fold);

/* A model's propagated tables: the users' and the items' rows of the
 * layer average, and the fold-in table of the item rows of layers 0 ..
 * K-1 (the state's item_fold; NULL when K = 0). */
typedef struct gr_lightgcn_tables {
    float *user_vec, *item_vec, *item_fold;
} gr_lightgcn_tables;

/* Free the tables that are set and zero the pointers (NULL: nothing). */
void gr_lightgcn_tables_free(gr_lightgcn_tables *tables);

/* A finished LightGCN / MF model from trained layer-0 embeddings; takes
 * ownership of e0 (freed on failure too).  tables: NULL, or the
 * propagation of e0 over train already made (a sharded fit makes it from
 * its ranks' rows, train/lightgcn_prop.c), taken over too (freed on
 * failure) and zeroed; otherwise the model propagates e0 itself. */
int gr_lightgcn_model(gr_model **out, int kind, const gr_graph *train, int layers, size_t dim, float *e0,
                      gr_lightgcn_tables *tables);

#endif
