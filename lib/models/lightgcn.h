/*
 * LightGCN (He et al., SIGIR 2020): embeddings E0 of users and items are
 * propagated over the normalised adjacency A = D^-1/2 R D^-1/2 and the
 * layers averaged, E = (E0 + A E0 + ... + A^K E0) / (K + 1); the score of
 * (u, i) is <E_u, E_i>.  MF-BPR is the same model with K = 0.
 */
#ifndef GR_MODELS_LIGHTGCN_H
#define GR_MODELS_LIGHTGCN_H

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
 * out = (1 / (K + 1)) sum_k A^k e0 over n x d matrices; t1 and t2 are work
 * buffers of the same size.  When item_fold is not NULL and K > 0, the item
 * rows (from row `first_item`) of layers 0..K-1 are folded into it
 * (gr_lightgcn_fold_layer: the state's item_fold).
 */
void gr_lightgcn_propagate(const gr_spmat *a, const float *e0, float *out, float *t1, float *t2, size_t d, int layers,
                           float *item_fold, size_t first_item);

/*
 * gr_lightgcn_propagate with the users' rows and the items' apart: au
 * holds rows [0, nu) of the normalised adjacency and ai rows [nu, n)
 * (gr_norm_adj_rows), user_out and item_out receive those rows of the
 * result, item_fold (NULL or items x d) the item rows' fold: the same
 * values, bit for bit.  A user's row reads item rows only and an item's
 * user rows only, so each layer is made in place in `layer` (n x d): the
 * side of fewer rows into `side` first (gr_lightgcn_side_rows x d; not
 * NULL with two layers or more, even where that is 0 rows: the copy back
 * reads it), then the other side over its own rows, then the first
 * copied back; n + min(nu, ni) rows of work instead of two layers of n.
 * `layer` may be NULL when layers is 0.
 */
void gr_lightgcn_propagate_sides(const gr_spmat *au, const gr_spmat *ai, const float *e0, float *user_out,
                                 float *item_out, float *layer, float *side, size_t d, int layers, float *item_fold);
/* Rows of the `side` buffer gr_lightgcn_propagate_sides needs: the
 * smaller side's with two layers or more, else 0. */
size_t gr_lightgcn_side_rows(size_t n_users, size_t n_items, int layers);

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
