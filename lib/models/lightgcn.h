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
    float *item_layers; /* layers x items x dim: item embeddings of layers 0..K-1, for fold-in */
} gr_lightgcn_state;

extern const gr_model_ops gr_lightgcn_ops;
extern const gr_model_ops gr_mf_ops;

/*
 * out = (1 / (K + 1)) sum_k A^k e0 over n x d matrices; t1 and t2 are work
 * buffers of the same size.  When item_layers is not NULL, the item rows
 * (from row `first_item`) of layers 0..K-1 are copied into it.
 */
void gr_lightgcn_propagate(const gr_spmat *a, const float *e0, float *out, float *t1, float *t2, size_t d, int layers,
                           float *item_layers, size_t first_item);

/* Rows [lo, lo + a->n) of a propagation: a holds those rows of the
 * normalised adjacency (gr_norm_adj_rows), out receives those rows of the
 * result. */
typedef struct gr_lightgcn_rows {
    const gr_spmat *a;
    size_t lo;
    float *out;
} gr_lightgcn_rows;

/* gr_lightgcn_propagate with the rows in nb blocks that together cover
 * all n rows, each with its own output: the same values, bit for bit. */
void gr_lightgcn_propagate_rows(const gr_lightgcn_rows *b, size_t nb, size_t n, const float *e0, float *t1, float *t2,
                                size_t d, int layers, float *item_layers, size_t first_item);

/* A model's propagated tables: the users' and the items' rows of the
 * layer average, and the item rows of layers 0 .. K-1 (the state's
 * item_layers; layer 0, e0's item rows, may be left unset for
 * gr_lightgcn_model to copy from e0). */
typedef struct gr_lightgcn_tables {
    float *user_vec, *item_vec, *item_layers;
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
