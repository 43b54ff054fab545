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
 * out = (1 / (K + 1)) sum_k A^k e0 over the normalised adjacency by sides
 * (gr_norm_adj_sides): user_out and item_out receive the users' and the
 * items' rows of the result, item_fold (NULL or items x d) the item rows'
 * fold of layers 0 .. K-1 (gr_lightgcn_fold_layer: the state's
 * item_fold).  Each row's sum is made in the order of the whole matrix's
 * product, so the values are those of multiplying by the whole matrix,
 * bit for bit.  A user's row reads item rows only and an item's user rows
 * only, so each layer is made in place in `layer` (n x d): the side of
 * fewer rows into `side` first (gr_lightgcn_side_rows x d; not NULL with
 * two layers or more, even where that is 0 rows: the copy back reads it),
 * then the other side over its own rows, then the first copied back;
 * n + min(users, items) rows of work instead of two layers of n.  `layer`
 * may be NULL when layers is 0.
 */
void gr_lightgcn_propagate_sides(const gr_adj_sides *a, const float *e0, float *user_out, float *item_out,
                                 float *layer, float *side, size_t d, int layers, float *item_fold);
/* Rows of the `side` buffer gr_lightgcn_propagate_sides needs: the
 * smaller side's with two layers or more, else 0. */
size_t gr_lightgcn_side_rows(size_t n_users, size_t n_items, int layers);

/* The order of a layer made in place: `apart`, the side of fewer rows
 * (the items' on a tie), is made into the side buffer and copied back to
 * its first row `apart_row` of the layer; `in_place` is written over its
 * own rows from `in_place_row`.  items_apart: which side is apart. */
typedef struct gr_lightgcn_order {
    const gr_spmat *apart, *in_place;
    size_t apart_row, in_place_row;
    int items_apart;
} gr_lightgcn_order;
gr_lightgcn_order gr_lightgcn_order_of(const gr_adj_sides *a);

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
