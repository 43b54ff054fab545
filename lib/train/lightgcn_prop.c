/*
 * The propagation of LightGCN's full-batch fits (lightgcn_train.h), whole
 * in one process and split by destination rows over the ranks of a
 * communicator (docs/distributed.md): a rank holds its rows of the
 * normalised adjacency, computes its rows of each layer, and the layers
 * are allgathered.
 */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/threads.h"
#include "dist/dist.h"
#include "dist/halo.h"
#include "graph/norm_adj.h"
#include "models/lightgcn.h"
#include "train/lightgcn_train.h"

void gr_lgcn_prop_free(gr_lgcn_prop *p)
{
    if (p->halo) gr_halo_free(p->halo);
    free(p->halo);
    if (p->obj) gr_halo_free(p->obj);
    free(p->obj);
    gr_spmat_free(&p->adj);
    free(p->layer);
    free(p->side);
    free(p->layer_b);
    free(p->side_b);
    memset(p, 0, sizeof *p);
}

size_t gr_lgcn_prop_adj_rows(const gr_lgcn_prop *p) { return p->adj.n; }

size_t gr_lgcn_prop_adj_nnz(const gr_lgcn_prop *p) { return p->adj.nnz; }

/* The own user rows: the first of the rank's rows (every row in one
 * process). */
static size_t own_users(const gr_lgcn_prop *p)
{
    return p->lo < p->n_users ? (p->hi < p->n_users ? p->hi : p->n_users) - p->lo : 0;
}

/* The rows made apart in each layer (the side buffers,
 * gr_lightgcn_layer): with halos layer 0 is made in place too. */
static size_t side_rows(const gr_lgcn_prop *p)
{
    const size_t users = own_users(p);
    return gr_lightgcn_side_rows(users, p->hi - p->lo - users, p->layers);
}

/* Layer buffers of rows rows and their side buffers: float ones (layer,
 * side) if floats, bfloat16 ones (layer_b, side_b) if halves; those p had
 * are freed first. */
static int alloc_layers(gr_lgcn_prop *p, size_t rows, int floats, int halves)
{
    const size_t nd = rows * p->d + 1, ns = side_rows(p) * p->d + 1;
    free(p->layer);
    free(p->side);
    free(p->layer_b);
    free(p->side_b);
    p->layer = floats ? gr_alloc_floats_unset(nd) : NULL;
    p->side = floats ? gr_alloc_floats_unset(ns) : NULL;
    p->layer_b = halves ? gr_alloc(nd, sizeof *p->layer_b) : NULL;
    p->side_b = halves ? gr_alloc(ns, sizeof *p->side_b) : NULL;
    const int ok = (!floats || (p->layer && p->side)) && (!halves || (p->layer_b && p->side_b));
    return ok ? GR_OK : GR_ENOMEM;
}

int gr_lgcn_prop_init(gr_lgcn_prop *p, const gr_graph *g, const gr_lgcn_settings_t *s, struct gr_dist *dist, int flt,
                      int half, size_t parts)
{
    memset(p, 0, sizeof *p);
    p->n = s->n;
    p->d = s->d;
    p->layers = s->layers;
    p->dist = dist;
    gr_dist_rows(dist, s->n, &p->lo, &p->hi);
    p->n_users = s->n_users;
    /* layers are written before they are read: a buffer never used (the
     * fast schedule's float layers when it does not validate) stays
     * unmapped */
    int rc = alloc_layers(p, s->halo ? 0 : s->n, flt, half && gr_spmm_bf16_ok(s->d));
    if (rc != GR_OK) {
        gr_lgcn_prop_free(p);
        return rc;
    }
    rc = gr_norm_adj_rows(&p->adj, g, p->lo, p->hi, parts);
    if (rc != GR_OK) gr_lgcn_prop_free(p);
    return rc;
}

int gr_lgcn_prop_halo(gr_lgcn_prop *p)
{
    if (!p->dist || p->layers == 0) return GR_OK;
    gr_halo *h = gr_zalloc(1, sizeof *h);
    int rc = gr_dist_agree(p->dist, h ? GR_OK : GR_ENOMEM);
    if (rc == GR_OK) rc = gr_halo_plan(h, p->dist, &p->adj, p->n);
    if (rc == GR_OK) rc = gr_halo_localize(h, &p->adj);
    if (rc == GR_OK) rc = alloc_layers(p, gr_halo_local_rows(h), p->layer != NULL, p->layer_b != NULL);
    if (rc == GR_OK) p->halo = h;
    else if (h) {
        gr_halo_free(h);
        free(h);
    }
    /* a failed rank's layers or columns are unusable: the fit stops on every rank */
    return gr_dist_agree(p->dist, rc);
}

static void gather(gr_lgcn_prop *p, void *buf, size_t row_bytes)
{
    if (p->rc == GR_OK) p->rc = gr_dist_allgather_rows_bytes(p->dist, buf, p->n, row_bytes);
}

/* How a layer's rows reach the ranks that read them: allgathered, or sent
 * as halos. */
typedef void (*layer_exchange)(gr_lgcn_prop *p, void *buf, size_t row_bytes);

static void fill_halo(gr_lgcn_prop *p, void *buf, size_t row_bytes)
{
    if (p->rc == GR_OK) p->rc = gr_halo_forward(p->halo, buf, row_bytes);
}

/* The model's fold-in table (gr_lgcn_prop_model): its own item rows, at
 * item_fold + item d. */
typedef struct layer_keep {
    float *item_fold;
    size_t first_item;
} layer_keep;

/* The own item rows of layer k (rows [lo, hi) at `rows`) folded into keep. */
static void keep_items(const gr_lgcn_prop *p, const layer_keep *keep, int k, const float *rows)
{
    const size_t d = p->d;
    const size_t i0 = p->lo > keep->first_item ? p->lo : keep->first_item;
    if (p->hi > i0)
        gr_lightgcn_fold_layer(keep->item_fold + (i0 - keep->first_item) * d, rows + (i0 - p->lo) * d, (p->hi - i0) * d,
                               k);
}

/*
 * This rank's rows of every layer from layer 0 in x (every row the
 * adjacency's columns name, in its layout, this rank's rows from row at):
 * the caller's rows, or p->layer itself.  The output's own rows are added
 * into out_own (which holds layer 0's), and each layer but the last is
 * written at row at of p->layer, kept (keep: NULL or its item rows) and
 * sent on by exchange.  From p->layer a layer is made in place
 * (gr_lightgcn_layer).
 */
static void layers_float(gr_lgcn_prop *p, const float *x, size_t at, layer_exchange exchange, float *out_own,
                         const layer_keep *keep)
{
    const size_t d = p->d, users = own_users(p);
    float *buf = p->layer;
    for (int k = 0; k < p->layers; k++) {
        const int last = k == p->layers - 1;
        const float scale = last ? 1.0f / (float)(p->layers + 1) : 1.0f;
        if (k == 0 && x != buf) gr_spmm_scaled(&p->adj, x, buf + at * d, out_own, scale, d);
        else gr_lightgcn_layer(&p->adj, users, buf, at, p->side, out_own, out_own + users * d, scale, d, !last);
        if (!last && keep) keep_items(p, keep, k + 1, buf + at * d);
        if (!last) exchange(p, buf, d * sizeof *buf);
    }
}

/* layers_float in bfloat16 layers, from layer 0 in p->layer_b; the last
 * layer is added into out_own alone. */
static void layers_half(gr_lgcn_prop *p, size_t at, layer_exchange exchange, float *out_own)
{
    const size_t d = p->d, users = own_users(p);
    uint16_t *buf = p->layer_b;
    for (int k = 0; k < p->layers - 1; k++) {
        gr_lightgcn_layer_bf16(&p->adj, users, buf, at, p->side_b, out_own, out_own + users * d, 1.0f, d);
        exchange(p, buf, d * sizeof *buf);
    }
    gr_spmm_bf16(&p->adj, buf, NULL, out_own, 1.0f / (float)(p->layers + 1), d);
}

/* This rank's rows of every layer into out_own, each layer but the last
 * allgathered (x: every row). */
static void split_float(gr_lgcn_prop *p, const float *x, float *out_own)
{
    memcpy(out_own, x + p->lo * p->d, (p->hi - p->lo) * p->d * sizeof *out_own);
    layers_float(p, x, p->lo, gather, out_own, NULL);
}

static void split_half(gr_lgcn_prop *p, const float *x, float *out_own)
{
    memcpy(out_own, x + p->lo * p->d, (p->hi - p->lo) * p->d * sizeof *out_own);
    gr_to_bf16_rows(p->layer_b, x, p->n, p->d);
    layers_half(p, p->lo, gather, out_own);
}

/* Layer 0 in the local layout: the own rows x_own, and its halo rows from
 * their owners (each rank's rows are current on that rank alone: the
 * parameters are updated by their owners and not copied to every rank). */
static void first_layer(gr_lgcn_prop *p, const float *x_own, float *t, uint16_t *tb)
{
    const size_t d = p->d, own = p->hi - p->lo, b = p->halo->before;
    if (t) {
        memcpy(t + b * d, x_own, own * d * sizeof *t);
        fill_halo(p, t, d * sizeof *t);
    } else {
        gr_to_bf16_rows(tb + b * d, x_own, own, d);
        fill_halo(p, tb, d * sizeof *tb);
    }
}

/* This rank's rows of every layer from own + halo rows into out_own, each
 * layer but the last sent to the ranks that read it: the halo's
 * propagation. */
static void halo_float(gr_lgcn_prop *p, const float *x_own, float *out_own, const layer_keep *keep)
{
    memcpy(out_own, x_own, (p->hi - p->lo) * p->d * sizeof *out_own);
    if (keep) keep_items(p, keep, 0, x_own);
    first_layer(p, x_own, p->layer, NULL);
    layers_float(p, p->layer, p->halo->before, fill_halo, out_own, keep);
}

static void halo_half(gr_lgcn_prop *p, const float *x_own, float *out_own)
{
    memcpy(out_own, x_own, (p->hi - p->lo) * p->d * sizeof *out_own);
    first_layer(p, x_own, NULL, p->layer_b);
    layers_half(p, p->halo->before, fill_halo, out_own);
}

/* Where run's output goes besides the own rows. */
enum { OWN_ROWS, ALL_ROWS, OBJECTIVE_ROWS };

/* The propagation of x, by this rank's rows (every row in one process):
 * x every row, or with halos
 * NULL (the halo's propagation starts from the own rows x_own alone); the
 * own rows of the output into out + base rows, then every row of out
 * (ALL_ROWS, base lo) or the objective's (OBJECTIVE_ROWS, out in its
 * layout). */
static void run_split(gr_lgcn_prop *p, const float *x, const float *x_own, float *out, size_t base, int rows,
                      int half)
{
    float *out_own = out + base * p->d;
    if (p->halo && half) halo_half(p, x_own, out_own);
    else if (p->halo) halo_float(p, x_own, out_own, NULL);
    else if (half) split_half(p, x, out_own);
    else split_float(p, x, out_own);
    if (rows == ALL_ROWS) gather(p, out, p->d * sizeof *out);
    if (rows == OBJECTIVE_ROWS && p->rc == GR_OK) p->rc = gr_halo_forward(p->obj, out, p->d * sizeof *out);
}

/* gr_lgcn_prop_run for x of every row (with halos only its own rows are
 * read). */
static void run(gr_lgcn_prop *p, const float *x, float *out, int all_rows, int half)
{
    half = half && p->layer_b;
    if (p->layers == 0) {
        /* nothing to propagate: x is every rank's already */
        memcpy(out, x, p->n * p->d * sizeof *out);
        return;
    }
    run_split(p, x, x + p->lo * p->d, out, p->lo, all_rows ? ALL_ROWS : OWN_ROWS, half);
}

void gr_lgcn_prop_run(gr_lgcn_prop *p, const float *x, float *out, int all_rows, int half)
{
    run(p, x, out, all_rows, half);
}

void gr_lgcn_prop_run_objective(gr_lgcn_prop *p, const float *x, size_t x0, float *out, int half)
{
    /* with the objective's layout the halo's propagation reads the own rows alone */
    if (p->obj) run_split(p, NULL, x + (p->lo - x0) * p->d, out, p->obj->before, OBJECTIVE_ROWS, half && p->layer_b);
    else run(p, x, out, 1, half);
}

/* The plan of the rows the objective reads: users [u_lo, u_hi) and every
 * item (the softmax and the draws read them all). */
static int objective_plan(gr_lgcn_prop *p, size_t u_lo, size_t u_hi, size_t n_users)
{
    uint64_t *want = gr_zalloc((p->n + 63) / 64 + 1, sizeof *want);
    gr_halo *h = gr_zalloc(1, sizeof *h);
    int rc = gr_dist_agree(p->dist, want && h ? GR_OK : GR_ENOMEM);
    if (rc == GR_OK) {
        for (size_t r = u_lo; r < u_hi; r++) want[r / 64] |= (uint64_t)1 << (r % 64);
        for (size_t r = n_users; r < p->n; r++) want[r / 64] |= (uint64_t)1 << (r % 64);
        rc = gr_halo_plan_rows(h, p->dist, want, p->n);
    }
    free(want);
    if (rc == GR_OK) p->obj = h;
    else free(h);
    return rc;
}

int gr_lgcn_prop_objective(gr_lgcn_prop *p, size_t n_users, gr_lgcn_rows *r)
{
    if (!p->halo) return GR_OK;
    GR_TRY(objective_plan(p, r->u_lo, r->u_hi, n_users));
    const size_t rows = gr_halo_local_rows(p->obj);
    free(r->final);
    free(r->gfinal);
    r->final = gr_alloc_floats(rows * p->d + 1);
    r->gfinal = gr_alloc_floats(rows * p->d + 1);
    /* the rank's users are consecutive rows of the layout, the items its last */
    r->u_row0 = r->u_hi > r->u_lo ? gr_halo_local(p->obj, r->u_lo) : 0;
    r->i_row0 = rows - (p->n - n_users);
    return gr_dist_agree(p->dist, r->final && r->gfinal ? GR_OK : GR_ENOMEM);
}

size_t gr_lgcn_prop_objective_rows(const gr_lgcn_prop *p) { return p->obj ? gr_halo_local_rows(p->obj) : p->n; }

size_t gr_lgcn_prop_objective_row(const gr_lgcn_prop *p, size_t row)
{
    return p->obj ? gr_halo_local(p->obj, row) : row;
}

int gr_lgcn_prop_back(gr_lgcn_prop *p, float *gfinal, float *scratch, float **own, int half)
{
    const size_t d = p->d;
    if (!p->dist) {
        gr_lgcn_prop_run(p, gfinal, scratch, 1, half);
        *own = scratch;
        return p->rc;
    }
    half = half && p->layer_b;
    if (p->obj) {
        /* the owners add the ranks' shares of their rows (the order the
         * reduce-scatter adds in), and the halo's propagation fetches the
         * rows it reads */
        const size_t b = p->obj->before;
        int rc = gr_halo_reverse(p->obj, gfinal, d);
        *own = gfinal + b * d;
        if (rc != GR_OK) return rc;
        run_split(p, NULL, gfinal + b * d, scratch, b, OWN_ROWS, half);
        *own = scratch + b * d;
        return p->rc;
    }
    /* the summed gradient of the propagated rows, each summed by its
     * owner, then every row of it for the first layer */
    int rc = gr_dist_reduce_scatter_rows(p->dist, gfinal, scratch + p->lo * d, p->n, d);
    *own = scratch + p->lo * d;
    if (rc != GR_OK || p->layers == 0) return rc;
    if (p->halo) {
        /* the halo's propagation fetches the rows it reads */
        run_split(p, NULL, scratch + p->lo * d, gfinal, p->lo, OWN_ROWS, half);
    } else {
        rc = gr_dist_allgather_rows(p->dist, scratch, p->n, d);
        if (rc != GR_OK) return rc;
        run_split(p, scratch, scratch + p->lo * d, gfinal, p->lo, OWN_ROWS, half);
    }
    *own = gfinal + p->lo * d;
    return p->rc;
}

/* Float layers in the halo's layout, in place of bfloat16 ones (the
 * model is propagated in float). */
static int float_layers(gr_lgcn_prop *p)
{
    return p->layer ? GR_OK : alloc_layers(p, gr_halo_local_rows(p->halo), 1, 0);
}

/* This rank's rows of the model's tables from the own rows x_own: the
 * propagation's own rows split into the users' and the items' tables, and
 * its own rows of the fold-in table. */
static int model_own_rows(gr_lgcn_prop *p, const float *x_own, size_t n_users, gr_lightgcn_tables *tb)
{
    const size_t d = p->d, own = p->hi - p->lo;
    float *out = gr_alloc_floats(own * d + 1);
    int rc = gr_dist_agree(p->dist, out ? float_layers(p) : GR_ENOMEM);
    if (rc == GR_OK) {
        const layer_keep keep = { tb->item_fold, n_users };
        halo_float(p, x_own, out, tb->item_fold ? &keep : NULL);
        rc = gr_dist_agree(p->dist, p->rc);
    }
    const size_t u_hi = p->hi < n_users ? p->hi : n_users, i0 = p->lo > n_users ? p->lo : n_users;
    if (rc == GR_OK && u_hi > p->lo) memcpy(tb->user_vec + p->lo * d, out, (u_hi - p->lo) * d * sizeof *out);
    if (rc == GR_OK && p->hi > i0)
        memcpy(tb->item_vec + (i0 - n_users) * d, out + (i0 - p->lo) * d, (p->hi - i0) * d * sizeof *out);
    free(out);
    return rc;
}

int gr_lgcn_prop_model(gr_lgcn_prop *p, const float *x_own, size_t n_users, gr_lightgcn_tables *tb)
{
    struct gr_dist *dist = p->dist;
    const size_t n = p->n, d = p->d, n_items = n - n_users;
    const int layers = p->layers;
    /* whole tables, of which a rank writes its own rows until they are
     * gathered: the other pages stay unmapped until then */
    tb->user_vec = gr_alloc_floats_unset(n_users * d + 1);
    tb->item_vec = gr_alloc_floats_unset(n_items * d + 1);
    tb->item_fold = layers ? gr_alloc_floats_unset(n_items * d + 1) : NULL;
    const int made = tb->user_vec && tb->item_vec && (tb->item_fold || !layers);
    int rc = gr_dist_agree(dist, made ? GR_OK : GR_ENOMEM);
    if (rc == GR_OK) rc = model_own_rows(p, x_own, n_users, tb);
    /* the adjacency and the layers are free before the tables fill */
    gr_lgcn_prop_free(p);
    if (rc == GR_OK) rc = gr_dist_allgather_range(dist, tb->user_vec, n, 0, n_users, d);
    if (rc == GR_OK) rc = gr_dist_allgather_range(dist, tb->item_vec, n, n_users, n, d);
    if (rc == GR_OK && layers) rc = gr_dist_allgather_range(dist, tb->item_fold, n, n_users, n, d);
    if (rc != GR_OK) gr_lightgcn_tables_free(tb);
    return rc;
}
