/*
 * A LightGCN layer made in place over the bipartite adjacency: a user's
 * row of A E reads item rows of E alone and an item's row user rows alone,
 * so one buffer of the layer's rows and one of its smaller side's rows
 * hold a layer and the next (models/lightgcn.h).  The model's propagation
 * at load, the paper schedule and every rank of a distributed fit make
 * their layers with these.
 */
#include "models/lightgcn.h"

#include <string.h>

size_t gr_lightgcn_side_rows(size_t users, size_t items, int in_place)
{
    return in_place > 0 ? (users < items ? users : items) : 0;
}

/* The side made apart, rows [lo, hi) of A's rows [0, rows), and the
 * other side, made in place: rows [in_lo, in_hi). */
typedef struct layer_sides {
    size_t lo, hi, in_lo, in_hi;
} layer_sides;

static layer_sides sides_of(size_t users, size_t rows)
{
    const layer_sides users_apart = { 0, users, users, rows }, items_apart = { users, rows, 0, users };
    return users < rows - users ? users_apart : items_apart;
}

/* The side's sums: acc_u's rows from the first user row, acc_i's from
 * the first item row. */
static float *acc_of(float *acc_u, float *acc_i, size_t users, size_t lo, size_t d)
{
    return lo < users ? acc_u + lo * d : acc_i + (lo - users) * d;
}

void gr_lightgcn_layer(const gr_spmat *a, size_t users, float *buf, size_t at, float *side, float *acc_u,
                       float *acc_i, float scale, size_t d, int keep)
{
    const layer_sides s = sides_of(users, a->n);
    gr_spmm_scaled_rows(a, buf, side, acc_of(acc_u, acc_i, users, s.lo, d), scale, d, s.lo, s.hi);
    gr_spmm_scaled_rows(a, buf, buf + (at + s.in_lo) * d, acc_of(acc_u, acc_i, users, s.in_lo, d), scale, d, s.in_lo,
                      s.in_hi);
    if (keep) memcpy(buf + (at + s.lo) * d, side, (s.hi - s.lo) * d * sizeof *side);
}

void gr_lightgcn_layer_bf16(const gr_spmat *a, size_t users, uint16_t *buf, size_t at, uint16_t *side, float *acc_u,
                            float *acc_i, float scale, size_t d)
{
    const layer_sides s = sides_of(users, a->n);
    gr_spmm_bf16_rows(a, buf, side, acc_of(acc_u, acc_i, users, s.lo, d), scale, d, s.lo, s.hi);
    gr_spmm_bf16_rows(a, buf, buf + (at + s.in_lo) * d, acc_of(acc_u, acc_i, users, s.in_lo, d), scale, d, s.in_lo,
                      s.in_hi);
    memcpy(buf + (at + s.lo) * d, side, (s.hi - s.lo) * d * sizeof *side);
}

void gr_lightgcn_propagate(const gr_spmat *a, size_t users, const float *e0, float *user_out, float *item_out,
                           float *layer, float *side, size_t d, int layers, float *item_fold)
{
    const size_t n = a->n, items = n - users;
    memcpy(user_out, e0, users * d * sizeof *e0);
    memcpy(item_out, e0 + users * d, items * d * sizeof *e0);
    for (int k = 0; k < layers; k++) {
        const float *cur = k ? layer : e0;
        if (item_fold) gr_lightgcn_fold_layer(item_fold, cur + users * d, items * d, k);
        const float scale = k == layers - 1 ? 1.0f / (float)(layers + 1) : 1.0f;
        if (k > 0) {
            gr_lightgcn_layer(a, users, layer, 0, side, user_out, item_out, scale, d, k < layers - 1);
        } else if (item_out == user_out + users * d) {
            gr_spmm_scaled(a, e0, layer, user_out, scale, d);
        } else {
            gr_spmm_scaled_rows(a, e0, layer, user_out, scale, d, 0, users);
            gr_spmm_scaled_rows(a, e0, layer + users * d, item_out, scale, d, users, n);
        }
    }
}
