/*
 * The fast schedule for LightGCN (docs/training.md): full-batch steps of
 * the same model, E = (E0 + A E0 + ... + A^K E0) / (K + 1) with scores
 * <E_u, E_i>, trained with the multinomial (softmax) likelihood of every
 * training item of every user against all items, and Adam.
 */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/threads.h"
#include "dist/dist.h"
#include "kernels/dense.h"
#include "kernels/gemm.h"
#include "kernels/gemm_bf16.h"
#include "kernels/parallel.h"
#include "kernels/softmax.h"
#include "train/lightgcn_train.h"
#include "train/trainer.h"

#define USER_BLOCK 32
/* Users fall into this many fixed groups of blocks, each with its own
 * partial sum of the item gradient: threads take groups as they come free
 * (a thread that the system deschedules does not hold the others up), and
 * summing the groups in order gives the same result for any thread count. */
#define USER_GROUPS 8

typedef struct fast_work {
    gr_lgcn_prop prop; /* float layers (validation), bfloat16 ones (training) when bf16_spmm */
    gr_lgcn_rows o;                  /* the objective's rows: this rank's users, every item */
    float *item_t;                   /* d x stride: transposed item rows of final */
    size_t stride;
    float *scores;                   /* per thread: USER_BLOCK x n_items */
    float *partial;                  /* per group: n_items x d */
    size_t ngroups;
    double *user_loss;               /* n_users */
    int nthreads;
    int bf16_spmm; /* bfloat16 propagation (gr_spmm_bf16) */
    /* bfloat16 products (gemm_bf16.h): packed factors per step, packed
     * gradient blocks per thread */
    int bf16;
    size_t ldb;                      /* n_items rounded up to 32 */
    uint16_t *ib, *ip;               /* item panels; item row pairs */
    uint16_t *ub, *gb, *xu;          /* per thread: the block's user rows; gradient rows; user row pairs */
    uint32_t *gt;                    /* per thread: gradient column pairs */
    /* data-parallel training (lib/dist): this rank's user blocks
     * [blk_lo, blk_hi) (all of them in one process), users [o.u_lo, o.u_hi) */
    size_t blk_lo, blk_hi;
} fast_work;

static void work_free(fast_work *w)
{
    gr_lgcn_prop_free(&w->prop);
    free(w->o.final);
    free(w->o.gfinal);
    free(w->item_t);
    free(w->scores);
    free(w->partial);
    free(w->user_loss);
    free(w->ub);
    free(w->ib);
    free(w->ip);
    free(w->gb);
    free(w->xu);
    free(w->gt);
    memset(w, 0, sizeof *w);
}

static int bf16_init(fast_work *w, const gr_lgcn_settings_t *s, const gr_graph *g)
{
    size_t d = s->d, ni = g->n_items, T = (size_t)w->nthreads;
    w->ldb = (ni + 31) & ~(size_t)31;
    w->ub = gr_alloc(T * USER_BLOCK * d, sizeof *w->ub);
    w->ib = gr_alloc(w->ldb * d, sizeof *w->ib);
    w->ip = gr_alloc(w->ldb * d, sizeof *w->ip);
    w->gb = gr_alloc(T * USER_BLOCK * w->ldb, sizeof *w->gb);
    w->xu = gr_alloc(T * USER_BLOCK * d, sizeof *w->xu);
    w->gt = gr_alloc(T * (USER_BLOCK / 2) * w->ldb, sizeof *w->gt);
    return w->ub && w->ib && w->ip && w->gb && w->xu && w->gt ? GR_OK : GR_ENOMEM;
}

static int work_init(fast_work *w, const gr_lgcn_settings_t *s, const gr_graph *g, int bf16, gr_dist *dist)
{
    memset(w, 0, sizeof *w);
    /* with halos the propagated rows take the objective's layout */
    size_t nd = (s->halo ? 0 : s->n) * s->d + 1, ni = g->n_items;
    w->nthreads = gr_threads_limit();
    w->stride = gr_score_stride(ni);
    w->o.final = gr_alloc_floats(nd);
    w->o.gfinal = gr_alloc_floats(nd);
    w->item_t = gr_alloc_floats(w->stride * s->d);
    w->scores = gr_alloc_floats((size_t)w->nthreads * USER_BLOCK * ni);
    size_t nblocks = (g->n_users + USER_BLOCK - 1) / USER_BLOCK;
    w->ngroups = nblocks < USER_GROUPS ? (nblocks ? nblocks : 1) : USER_GROUPS;
    w->blk_hi = nblocks;
    w->partial = gr_alloc_floats(w->ngroups * ni * s->d);
    w->user_loss = gr_alloc(g->n_users ? g->n_users : 1, sizeof *w->user_loss);
    w->bf16 = bf16 && gr_bf16_available() && gr_bf16_width_ok(s->d);
    w->bf16_spmm = bf16 && gr_spmm_bf16_ok(s->d);
    if (!w->o.final || !w->o.gfinal || !w->item_t || !w->scores || !w->partial ||
        !w->user_loss || (w->bf16 && bf16_init(w, s, g) != GR_OK)) {
        work_free(w);
        return GR_ENOMEM;
    }
    int rc = gr_lgcn_prop_init(&w->prop, g, s, dist, 1, w->bf16_spmm, (size_t)w->nthreads * 16);
    if (rc != GR_OK) work_free(w);
    return rc;
}

/*
 * One user's row of scores becomes the gradient of its loss
 * sum_{i in I_u} (lse_u - s_ui) / n_edges with respect to the scores:
 * (deg_u softmax_i - [i in I_u]) / n_edges.  Returns the loss.
 */
static double user_grad(float *row, size_t ni, const int32_t *items, size_t deg, float w)
{
    if (deg == 0) {
        memset(row, 0, ni * sizeof *row);
        return 0.0;
    }
    double pos = 0.0;
    for (size_t k = 0; k < deg; k++) pos += row[items[k]];
    float lse = gr_softmax_row(row, ni, (float)deg * w);
    for (size_t k = 0; k < deg; k++) row[items[k]] -= w;
    return ((double)deg * lse - pos) * w;
}

/* Users [u0, u0 + nb): scores, softmax gradients, and their products with
 * both factors; item gradients go to the group's partial sum. */
static void objective_block(const gr_graph *g, const gr_lgcn_settings_t *s, fast_work *w, size_t u0, size_t nb,
                            float *S, float *partial, int t)
{
    const size_t d = s->d, ni = g->n_items;
    const float *EU = w->o.final + (w->o.u_row0 + u0 - w->o.u_lo) * d, *EI = w->o.final + w->o.i_row0 * d;
    const float inv = 1.0f / (float)g->n_edges;
    if (w->bf16) {
        uint16_t *ub = w->ub + (size_t)t * USER_BLOCK * d;
        gr_bf16_rows(ub, d, EU, d, nb, d);
        gr_bf16_scores(S, ub, nb, w->ib, ni, d);
    } else {
        gr_score_block(S, EU, nb, w->item_t, ni, w->stride, d, NULL);
    }
    for (size_t b = 0; b < nb; b++) {
        size_t u = u0 + b;
        w->user_loss[u] = user_grad(S + b * ni, ni, g->ui.col + g->ui.ptr[u], gr_csr_degree(&g->ui, u), inv);
    }
    if (w->bf16) {
        uint16_t *gb = w->gb + (size_t)t * USER_BLOCK * w->ldb, *xu = w->xu + (size_t)t * USER_BLOCK * d;
        uint32_t *gt = w->gt + (size_t)t * (USER_BLOCK / 2) * w->ldb;
        gr_bf16_rows(gb, w->ldb, S, ni, nb, ni);
        gr_bf16_gemm_rows(w->o.gfinal + (w->o.u_row0 + u0 - w->o.u_lo) * d, gb, w->ldb, w->ip, nb, ni, d);
        gr_bf16_pack_col_pairs(gt, w->ldb, S, ni, nb, ni);
        gr_bf16_pack_row_pairs(xu, EU, nb, d);
        gr_bf16_gemm_tacc(partial, gt, w->ldb, xu, nb, ni, d);
        return;
    }
    gr_gemm_rows(w->o.gfinal + (w->o.u_row0 + u0 - w->o.u_lo) * d, S, ni, EI, nb, ni, d);
    gr_gemm_tacc(partial, S, ni, EU, nb, ni, d);
}

/* Gradient of the mean loss with respect to the propagated embeddings,
 * into w->o.gfinal; returns the loss. */
static double objective(const gr_graph *g, const gr_lgcn_settings_t *s, fast_work *w)
{
    const size_t d = s->d, ni = g->n_items, nu = g->n_users;
    const float *EI = w->o.final + w->o.i_row0 * d;
    if (w->bf16) {
        gr_bf16_pack_items(w->ib, EI, ni, d);
        gr_bf16_pack_row_pairs(w->ip, EI, ni, d);
    } else {
        gr_transpose(w->item_t, EI, ni, d, w->stride);
    }
    /* this rank's blocks (all of them in a single process) */
    const size_t b0 = w->blk_lo, nloc = w->blk_hi - w->blk_lo;
    const size_t G = nloc < w->ngroups ? (nloc ? nloc : 1) : w->ngroups;
    const size_t u_lo = w->o.u_lo, u_hi = w->o.u_hi;
    const int T = gr_parallel_worth_madds(nu * ni * d) ? gr_threads_at_most(w->nthreads) : 1;
#pragma omp parallel num_threads(T)
    {
        const int t = omp_get_thread_num();
        float *S = w->scores + (size_t)t * USER_BLOCK * ni;
#pragma omp for schedule(dynamic, 1)
        for (long grp = 0; grp < (long)G; grp++) {
            float *partial = w->partial + (size_t)grp * ni * d;
            memset(partial, 0, ni * d * sizeof *partial);
            for (size_t blk = b0 + nloc * (size_t)grp / G; blk < b0 + nloc * ((size_t)grp + 1) / G; blk++) {
                size_t u0 = blk * USER_BLOCK;
                objective_block(g, s, w, u0, nu - u0 < USER_BLOCK ? nu - u0 : USER_BLOCK, S, partial, t);
            }
        }
        const long rows = (long)ni;
#pragma omp for schedule(static)
        for (long i = 0; i < rows; i++) {
            float *dst = w->o.gfinal + (w->o.i_row0 + (size_t)i) * d;
            memcpy(dst, w->partial + (size_t)i * d, d * sizeof *dst);
            for (size_t q = 1; q < G; q++) {
                const float *src = w->partial + (q * ni + (size_t)i) * d;
                for (size_t j = 0; j < d; j++) dst[j] += src[j];
            }
        }
    }
    /* other ranks' users contribute nothing here: the rows before this
     * rank's users and between them and the items */
    const size_t u_end = w->o.u_row0 + (u_hi - u_lo);
    memset(w->o.gfinal, 0, w->o.u_row0 * d * sizeof *w->o.gfinal);
    memset(w->o.gfinal + u_end * d, 0, (w->o.i_row0 - u_end) * d * sizeof *w->o.gfinal);
    double loss = 0.0;
    for (size_t u = u_lo; u < u_hi; u++) loss += w->user_loss[u];
    return loss;
}

/* The driver's view of a fit (gr_lgcn_full_ops). */
typedef struct fast_fit {
    fast_work w;
    const gr_graph *g;
    const gr_lgcn_settings_t *s;
} fast_fit;

static void fast_release(void *work)
{
    fast_fit *f = work;
    work_free(&f->w);
}

/* Loss of this rank's users and its gradient with respect to the
 * propagated embeddings (the driver propagates it back). */
static double fast_loss_grad(void *work, const float *e0, int epoch)
{
    fast_fit *f = work;
    (void)epoch;
    gr_lgcn_prop_run_objective(&f->w.prop, e0, 0, f->w.o.final, f->w.bf16_spmm);
    return objective(f->g, f->s, &f->w);
}

int gr_lgcn_fit_fast(float *e0, float **best, gr_trainer *t, const gr_graph *g, const gr_lgcn_settings_t *s,
                     gr_lightgcn_tables *tables)
{
    fast_fit f = { .g = g, .s = s };
    gr_dist *dist = gr_dist_of(t);
    int rc = work_init(&f.w, s, g, gr_lgcn_bf16(t, GR_MODE_FAST), dist);
    if (rc == GR_OK && dist) gr_dist_share(f.w.blk_hi, dist->rank, dist->size, &f.w.blk_lo, &f.w.blk_hi);
    f.w.o.u_lo = f.w.blk_lo * USER_BLOCK < g->n_users ? f.w.blk_lo * USER_BLOCK : g->n_users;
    f.w.o.u_hi = f.w.blk_hi * USER_BLOCK < g->n_users ? f.w.blk_hi * USER_BLOCK : g->n_users;
    f.w.o.u_row0 = f.w.o.u_lo;
    f.w.o.i_row0 = g->n_users;
    /* validation propagates in float */
    gr_lgcn_full_ops ops = { .work = &f,
                             .loss_grad = fast_loss_grad,
                             .release = fast_release,
                             .prop = &f.w.prop,
                             .rows = &f.w.o,
                             .half = f.w.bf16_spmm };
    rc = gr_lgcn_fit_full(e0, best, tables, t, g, s, &ops, rc);
    work_free(&f.w);
    return rc;
}
