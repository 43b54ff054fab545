/*
 * The sampled schedule for LightGCN and MF (docs/training.md): the fast
 * schedule's softmax likelihood of every training item against all items,
 * with the partition function of each user estimated from a set of
 * negatives that a block of users shares, so that a step costs
 * (interactions + users x negatives) x d besides the propagation instead
 * of users x items x d.
 *
 * For user u with items I_u and the block's draws j_1..j_N from q, the
 * loss is
 *
 *     deg_u * log(sum_{i in I_u} e^{s_ui} + sum_{k: j_k not in I_u} e^{s_uj_k - log(N q_j_k)})
 *       - sum_{i in I_u} s_ui,
 *
 * averaged over the training interactions: the positives enter the
 * partition function exactly, the other items by importance sampling (the
 * logQ correction makes the sampled sum an unbiased estimate of the sum
 * over the items the user has not interacted with).  Drawing every item
 * once with q uniform gives the full softmax exactly (tests).  Negatives
 * are drawn with replacement from q(j) proportional to (deg_j + 1)^beta
 * (setting `sample_pop`; 0: uniform).
 */
#include <float.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/rng.h"
#include "core/threads.h"
#include "dist/dist.h"
#include "kernels/dense.h"
#include "kernels/gemm.h"
#include "kernels/gemm_bf16.h"
#include "kernels/parallel.h"
#include "kernels/rows.h"
#include "kernels/simd.h"
#include "kernels/softmax.h"
#include "train/lightgcn_train.h"
#include "train/trainer.h"

/* Users per block: they share one draw of negatives. */
#define BLOCK_USERS 64
/* Blocks computed before their item gradients are added, at most; a
 * round holds a slot of buffers per block (with 2048 negatives and dim 64,
 * 3 MB a slot), so it takes ROUND_PER_THREAD blocks a thread up to this.
 * The rounds add the blocks' gradients to the rows one block at a time in
 * block order, so the sums are the same for any round size and thread
 * count. */
#define ROUND_BLOCKS 16
#define ROUND_PER_THREAD 4
#define NEG_STREAM 0x5A3DULL

typedef struct sampled_work {
    gr_lgcn_prop prop;               /* bfloat16 layers when half, else float */
    int half;
    gr_lgcn_rows o;                  /* the objective's rows: this rank's users, every item */
    double *cdf;                     /* n_items: cumulative q (NULL: uniform) */
    float *lognq;                    /* n_items: log(N q_j) */
    size_t nneg, nblocks, max_pos;   /* negatives per block; blocks; most positives in a block */
    size_t round;                    /* blocks a round computes, each in its slot of the buffers */
    int all_items;                   /* nneg = n_items: every item once */
    /* per slot of a round: the drawn items, their gathered rows (N x d),
     * the float scores' transposed operand (xt, xt_len floats: the draws,
     * d x stride, where draws_transposed(d); the block's users, d x
     * BLOCK_USERS, otherwise), the scores / gradients (B x N),
     * the item rows' gradients (N + max_pos rows of d) and their item ids */
    int32_t *neg;
    /* per slot: the draws by item (index_draws: a table of n_table slots
     * and a chain through the draws of each item) and log(N q) of each draw */
    int32_t *table, *next;
    size_t n_table;
    unsigned table_shift;
    float *lq;
    float *x, *xt, *s, *gx;
    float *gpos;  /* per slot: d loss / d score of each positive of the block, in CSR order */
    size_t *slot_block;
    size_t stride, xt_len;
    /* bfloat16 products (gemm_bf16.h), per slot: the users' rows and their
     * row pairs, the draws' panels and row pairs, the gradient block's rows
     * (stride ldb) and column pairs */
    int bf16;
    size_t ldb;
    uint16_t *ub, *xu, *ib, *ip, *gb;
    uint32_t *gt;
    double *block_loss;
    /* temperature > 0: the layer-0 rows are used normalised to unit length
     * (their lengths in norm) and the scores divided by it.  The unit rows
     * are made where the propagation reads them (xn_rows) and made again
     * from the step's e0 and norm where the backward pass needs them. */
    double tau;
    float *xn, *norm;
    /* the rows xn and norm hold: [x_lo, x_hi), the rank's own rows with
     * halos (the propagation fetches the others from their owners), all
     * n rows otherwise */
    size_t x_lo, x_hi;
    /* data-parallel training (lib/dist): this rank's blocks [blk_lo,
     * blk_hi) (all of them without a communicator); a block's draws depend
     * on its index alone, so the ranks together draw what one process does;
     * their users [o.u_lo, o.u_hi) */
    size_t blk_lo, blk_hi;
} sampled_work;

static void work_free(sampled_work *w)
{
    gr_lgcn_prop_free(&w->prop);
    free(w->o.final);
    free(w->o.gfinal);
    free(w->cdf);
    free(w->lognq);
    free(w->neg);
    free(w->table);
    free(w->next);
    free(w->lq);
    free(w->x);
    free(w->xt);
    free(w->s);
    free(w->gx);
    free(w->gpos);
    free(w->slot_block);
    free(w->ub);
    free(w->xu);
    free(w->ib);
    free(w->ip);
    free(w->gb);
    free(w->gt);
    free(w->block_loss);
    free(w->xn);
    free(w->norm);
    memset(w, 0, sizeof *w);
}

/* q(j) proportional to (deg_j + 1)^beta: its cumulative sum and log(N q).
 * With as many negatives as items, every item is taken once instead (the
 * full softmax, exactly). */
static int sampler_init(sampled_work *w, const gr_graph *g, double beta)
{
    size_t ni = g->n_items;
    w->lognq = gr_alloc_floats(ni);
    if (!w->lognq) return GR_ENOMEM;
    if (w->all_items) {
        memset(w->lognq, 0, ni * sizeof *w->lognq);
        return GR_OK;
    }
    if (beta == 0) {
        for (size_t j = 0; j < ni; j++) w->lognq[j] = (float)log((double)w->nneg / (double)ni);
        return GR_OK;
    }
    w->cdf = gr_alloc(ni, sizeof *w->cdf);
    if (!w->cdf) return GR_ENOMEM;
    double z = 0.0;
    for (size_t j = 0; j < ni; j++) {
        z += pow((double)gr_csr_degree(&g->iu, j) + 1.0, beta);
        w->cdf[j] = z;
    }
    for (size_t j = 0; j < ni; j++) {
        double q = (w->cdf[j] - (j ? w->cdf[j - 1] : 0.0)) / z;
        w->lognq[j] = (float)log((double)w->nneg * q);
    }
    for (size_t j = 0; j < ni; j++) w->cdf[j] /= z;
    return GR_OK;
}

static int32_t draw(const sampled_work *w, size_t ni, size_t k, uint64_t bits)
{
    if (w->all_items) return (int32_t)k;
    if (!w->cdf) return (int32_t)gr_below(bits, (uint32_t)ni);
    double u = gr_unit(bits);
    size_t lo = 0, hi = ni - 1;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (w->cdf[mid] > u) hi = mid;
        else lo = mid + 1;
    }
    return (int32_t)lo;
}

/* The bfloat16 products' per-slot buffers (R slots). */
static int bf16_init(sampled_work *w, size_t d, size_t R)
{
    w->ldb = (w->nneg + 31) & ~(size_t)31;
    w->ub = gr_alloc(R * BLOCK_USERS * d, sizeof *w->ub);
    w->xu = gr_alloc(R * BLOCK_USERS * d, sizeof *w->xu);
    w->ib = gr_alloc(R * w->stride * d, sizeof *w->ib);
    w->ip = gr_alloc(R * w->stride * d, sizeof *w->ip);
    w->gb = gr_alloc(R * BLOCK_USERS * w->ldb, sizeof *w->gb);
    w->gt = gr_alloc(R * (BLOCK_USERS / 2) * w->ldb, sizeof *w->gt);
    return w->ub && w->xu && w->ib && w->ip && w->gb && w->gt ? GR_OK : GR_ENOMEM;
}

/* The blocks of a round for up to `threads` threads. */
static size_t round_blocks(int threads)
{
    const size_t r = (size_t)(threads > 0 ? threads : 1) * ROUND_PER_THREAD;
    return r < ROUND_BLOCKS ? r : ROUND_BLOCKS;
}

static int work_init(sampled_work *w, const gr_lgcn_settings_t *s, const gr_graph *g, size_t nneg, double beta,
                     int bf16, double tau, gr_dist *dist)
{
    memset(w, 0, sizeof *w);
    w->tau = tau;
    /* with halos the propagated rows take the objective's layout */
    size_t nd = (s->halo ? 0 : s->n) * s->d + 1, d = s->d, nu = g->n_users;
    w->all_items = nneg >= g->n_items;
    w->nneg = w->all_items ? g->n_items : nneg;
    nneg = w->nneg;
    w->nblocks = (nu + BLOCK_USERS - 1) / BLOCK_USERS;
    w->blk_hi = w->nblocks;
    w->o.u_hi = w->o.i_row0 = nu;
    for (size_t b = 0; b < w->nblocks; b++) {
        size_t u0 = b * BLOCK_USERS, u1 = u0 + BLOCK_USERS < nu ? u0 + BLOCK_USERS : nu;
        size_t p = (size_t)(g->ui.ptr[u1] - g->ui.ptr[u0]);
        if (p > w->max_pos) w->max_pos = p;
    }
    w->stride = gr_score_stride(nneg);
    const size_t R = w->round = round_blocks(gr_threads_limit());
    w->o.final = gr_alloc_floats(nd);
    /* the float propagation's layers, or the bfloat16 one's */
    w->half = bf16 && gr_spmm_bf16_ok(d);
    /* products in bfloat16 where the CPU has AVX512-BF16 (checked here, at
     * run time), in float otherwise */
    w->bf16 = bf16 && gr_bf16_available() && gr_bf16_width_ok(d);
    w->o.gfinal = gr_alloc_floats(nd);
    w->neg = gr_alloc(R * nneg, sizeof *w->neg);
    for (w->n_table = 2, w->table_shift = 31; w->n_table < 2 * nneg; w->n_table *= 2) w->table_shift--;
    w->table = gr_alloc(R * w->n_table, sizeof *w->table);
    w->next = gr_alloc(R * nneg, sizeof *w->next);
    w->lq = gr_alloc_floats(R * nneg);
    w->x = gr_alloc_floats(R * nneg * d);
    w->xt_len = (w->stride > BLOCK_USERS ? w->stride : BLOCK_USERS) * d;
    w->xt = gr_alloc_floats(R * w->xt_len);
    w->s = gr_alloc_floats(R * BLOCK_USERS * nneg);
    w->gx = gr_alloc_floats(R * nneg * d);
    w->gpos = gr_alloc_floats(R * (w->max_pos ? w->max_pos : 1));
    w->slot_block = gr_alloc(R, sizeof *w->slot_block);
    w->block_loss = gr_alloc(w->nblocks ? w->nblocks : 1, sizeof *w->block_loss);
    if (!w->o.final || !w->o.gfinal || !w->neg || !w->table || !w->next || !w->lq || !w->x || !w->xt || !w->s ||
        !w->gx || !w->gpos || !w->slot_block || !w->block_loss || sampler_init(w, g, beta) != GR_OK ||
        (w->bf16 && bf16_init(w, d, R) != GR_OK)) {
        work_free(w);
        return GR_ENOMEM;
    }
    int rc = gr_lgcn_prop_init(&w->prop, g, s, dist, !w->half, w->half, (size_t)gr_threads_limit() * 16);
    w->x_lo = s->halo ? w->prop.lo : 0;
    w->x_hi = s->halo ? w->prop.hi : s->n;
    if (rc == GR_OK && tau > 0) {
        /* without halos the unit rows live in gfinal (xn_rows) */
        w->xn = s->halo ? gr_alloc_floats((w->x_hi - w->x_lo) * s->d + 1) : NULL;
        w->norm = gr_alloc_floats(w->x_hi - w->x_lo + 1);
        if ((s->halo && !w->xn) || !w->norm) rc = GR_ENOMEM;
    }
    if (rc != GR_OK) work_free(w);
    return rc;
}

/*
 * The block's draws by item, so that a user's items are found among them
 * at once: an open-addressing table (a power of two of at least 2N slots,
 * an item's slot found by a multiplicative hash and linear probing) holds
 * each drawn item's last draw, and next[] each draw's previous draw of the
 * same item (-1: none).
 */
static size_t table_slot(int32_t item, unsigned shift) { return (size_t)(((uint32_t)item * 2654435761u) >> shift); }

static void index_draws(int32_t *table, int32_t *next, size_t n_table, unsigned shift, const int32_t *neg, size_t N)
{
    memset(table, 0xff, n_table * sizeof *table);
    for (size_t k = 0; k < N; k++) {
        size_t h = table_slot(neg[k], shift);
        while (table[h] >= 0 && neg[table[h]] != neg[k]) h = (h + 1) & (n_table - 1);
        next[k] = table[h];
        table[h] = (int32_t)k;
    }
}

/* The last draw of item, or -1. */
static int32_t find_draw(const int32_t *table, size_t n_table, unsigned shift, const int32_t *neg, int32_t item)
{
    size_t h = table_slot(item, shift);
    while (table[h] >= 0 && neg[table[h]] != item) h = (h + 1) & (n_table - 1);
    return table[h];
}

/* The draws' row of scores, elementwise: row - lq; and the gradient c x
 * row with the draws left out (infinite) at 0. */
GR_INLINE void sub_row_body(float *restrict row, const float *restrict lq, size_t n)
{
    for (size_t k = 0; k < n; k++) row[k] -= lq[k];
}

GR_KERNEL static void sub_row(float *row, const float *lq, size_t n) { sub_row_body(row, lq, n); }

/* A select GCC does not if-convert (a product it may not speculate), in
 * vector form: c x v where v is finite or NaN, 0 where v is infinite. */
GR_INLINE void scale_drawn_body(float *row, float c, size_t n)
{
    const gr_v8 big = gr_splat8(FLT_MAX), cv = gr_splat8(c);
    const gr_v8i sign = (gr_v8i)gr_splat8(-0.0f);
    size_t k = 0;
    for (; k + 8 <= n; k += 8) {
        const gr_v8 v = gr_load8(row + k);
        const gr_v8i inf = (gr_v8)((gr_v8i)v & ~sign) > big;
        gr_store8(row + k, (gr_v8)((gr_v8i)(cv * v) & ~inf));
    }
    for (; k < n; k++) row[k] = isinf(row[k]) ? 0.0f : c * row[k];
}

GR_KERNEL static void scale_drawn(float *row, float c, size_t n) { scale_drawn_body(row, c, n); }

/*
 * One user's loss and gradients.  row: the user's N sampled scores, turned
 * into d loss / d score; pos: the scores of its items, likewise; lq: log(N
 * q) of each draw.  The sampled items the user has interacted with are
 * left out of the sum (they are counted exactly among the positives).
 */
static double user_grad(const sampled_work *w, float *row, float *pos, const int32_t *items, size_t deg,
                        const int32_t *neg, const int32_t *table, const int32_t *next, const float *lq, float inv)
{
    const size_t nneg = w->nneg;
    if (deg == 0) {
        memset(row, 0, nneg * sizeof *row);
        return 0.0;
    }
    sub_row(row, lq, nneg);
    size_t excluded = 0;
    for (size_t p = 0; p < deg; p++)
        for (int32_t k = find_draw(table, w->n_table, w->table_shift, neg, items[p]); k >= 0; k = next[k]) {
            excluded += !isinf(row[k]);
            row[k] = -INFINITY;
        }
    /* the softmax over the draws, then over the draws and the positives;
     * when every draw is a positive the draws add nothing */
    const double lse_n = excluded == nneg ? -INFINITY : gr_softmax_row(row, nneg, 1.0f);
    double mx = lse_n, sum_pos = 0.0;
    for (size_t k = 0; k < deg; k++) {
        sum_pos += pos[k];
        if (pos[k] > mx) mx = pos[k];
    }
    double z = isinf(lse_n) ? 0.0 : exp(lse_n - mx);
    for (size_t k = 0; k < deg; k++) z += exp((double)pos[k] - mx);
    const double lse = mx + log(z);
    const float c = (float)deg * inv;
    const float cn = isinf(lse_n) ? 0.0f : c * (float)exp(lse_n - lse);
    scale_drawn(row, cn, nneg);
    for (size_t k = 0; k < deg; k++) pos[k] = c * (float)exp((double)pos[k] - lse) - inv;
    return ((double)deg * lse - sum_pos) * (double)inv;
}

/* Whether the float scores read the draws transposed or their rows, with
 * the block's users transposed (gr_score_rows_preferred: the transpose is
 * then of 64 rows, not N). */
static int draws_transposed(size_t d) { return !gr_score_rows_preferred(d); }

/* S (nb x N) = the users' rows EU against the draws' rows x (N x d), in
 * bfloat16 or in float through xt (the draws transposed, or the users). */
static void block_scores(sampled_work *w, float *S, const float *EU, size_t nb, const float *x, float *xt,
                         size_t r, size_t d)
{
    const size_t N = w->nneg;
    if (!w->bf16) {
        const gr_item_layouts draws = { x, draws_transposed(d) ? xt : NULL, w->stride };
        gr_user_block users = { EU, NULL, (nb + 7) & ~(size_t)7, nb };
        if (gr_score_from_rows(&draws, d)) {
            gr_transpose_strided(xt, users.ldu, EU, d, nb, d);
            users.ut = xt;
        }
        gr_score_part(S, &users, &draws, 0, N, d, NULL);
        return;
    }
    uint16_t *ub = w->ub + r * BLOCK_USERS * d, *ib = w->ib + r * w->stride * d;
    gr_bf16_rows(ub, d, EU, d, nb, d);
    gr_bf16_pack_items(ib, x, N, d);
    gr_bf16_scores(S, ub, nb, ib, N, d);
}

/* From the score gradients S: the users' rows' gradients gu = S x (set)
 * and the draws' gx = S^T EU. */
static void block_grads(sampled_work *w, float *gx, const float *S, const float *EU, size_t nb, const float *x,
                        size_t r, float *gu, size_t d)
{
    const size_t N = w->nneg;
    if (!w->bf16) {
        gr_gemm_rows(gu, S, N, x, nb, N, d);
        gr_gemm_t(gx, S, N, EU, nb, N, d);
        return;
    }
    memset(gx, 0, N * d * sizeof *gx);
    uint16_t *gb = w->gb + r * BLOCK_USERS * w->ldb, *ip = w->ip + r * w->stride * d;
    uint16_t *xu = w->xu + r * BLOCK_USERS * d;
    uint32_t *gt = w->gt + r * (BLOCK_USERS / 2) * w->ldb;
    gr_bf16_rows(gb, w->ldb, S, N, nb, N);
    gr_bf16_pack_row_pairs(ip, x, N, d);
    gr_bf16_gemm_rows(gu, gb, w->ldb, ip, nb, N, d);
    gr_bf16_pack_col_pairs(gt, w->ldb, S, N, nb, N);
    gr_bf16_pack_row_pairs(xu, EU, nb, d);
    gr_bf16_gemm_tacc(gx, gt, w->ldb, xu, nb, N, d);
}

/* Block b in slot r of its round: draws, scores, gradients of the users'
 * rows (into gfinal) and of the item rows (into the slot's buffers). */
static void block(const gr_graph *g, const gr_lgcn_settings_t *s, sampled_work *w, size_t b, size_t r, int epoch)
{
    const size_t d = s->d, nu = g->n_users, ni = g->n_items, N = w->nneg;
    const size_t u0 = b * BLOCK_USERS, nb = nu - u0 < BLOCK_USERS ? nu - u0 : BLOCK_USERS;
    const float *EU = w->o.final + (w->o.u_row0 + u0 - w->o.u_lo) * d, *EI = w->o.final + w->o.i_row0 * d;
    float *GU = w->o.gfinal + (w->o.u_row0 + u0 - w->o.u_lo) * d;
    const float inv = 1.0f / (float)g->n_edges;
    int32_t *neg = w->neg + r * N;
    int32_t *table = w->table + r * w->n_table, *next = w->next + r * N;
    float *lq = w->lq + r * N;
    float *x = w->x + r * N * d, *xt = w->xt + r * w->xt_len, *S = w->s + r * BLOCK_USERS * N;
    float *gx = w->gx + r * N * d, *ps = w->gpos + r * w->max_pos;
    const uint64_t stream = gr_hash3(NEG_STREAM, (uint64_t)epoch, 0);
    for (size_t k = 0; k < N; k++) {
        neg[k] = draw(w, ni, k, gr_hash3(s->seed, stream, b * N + k));
        lq[k] = w->lognq[neg[k]];
    }
    /* the draws' rows, and their transpose where the float scores read it */
    gr_rows_gather(x, !w->bf16 && draws_transposed(d) ? xt : NULL, w->stride, EI, neg, N, d);
    index_draws(table, next, w->n_table, w->table_shift, neg, N);
    block_scores(w, S, EU, nb, x, xt, r, d);
    /* positives: their scores in ps, turned into d loss / d score */
    double loss = 0.0;
    const int64_t p0 = g->ui.ptr[u0];
    for (size_t q = 0; q < nb; q++) {
        size_t u = u0 + q, deg = gr_csr_degree(&g->ui, u);
        const int32_t *items = g->ui.col + g->ui.ptr[u];
        float *sc = ps + (size_t)(g->ui.ptr[u] - p0);
        gr_rows_dot(sc, EU + q * d, EI, items, deg, d);
        loss += user_grad(w, S + q * N, sc, items, deg, neg, table, next, lq, inv);
    }
    w->block_loss[b] = loss;
    /* user rows: sampled part, then the positives */
    block_grads(w, gx, S, EU, nb, x, r, GU, d);
    for (size_t q = 0; q < nb; q++) {
        const int64_t e0 = g->ui.ptr[u0 + q];
        gr_rows_combine(GU + q * d, ps + (e0 - p0), EI, g->ui.col + e0, gr_csr_degree(&g->ui, u0 + q), d);
    }
    w->slot_block[r] = b;
}

/* Add the item-row gradients of the round's slots [0, nr) to gfinal, in
 * slot order: each thread owns a range of items and scans every slot. */
static void scatter(const gr_graph *g, const gr_lgcn_settings_t *s, sampled_work *w, size_t nr, int T, int t)
{
    const size_t d = s->d, ni = g->n_items, N = w->nneg;
    const int32_t lo = (int32_t)(ni * (size_t)t / (size_t)T), hi = (int32_t)(ni * ((size_t)t + 1) / (size_t)T);
    float *GI = w->o.gfinal + w->o.i_row0 * d;
    for (size_t r = 0; r < nr; r++) {
        const int32_t *neg = w->neg + r * N;
        const float *gx = w->gx + r * N * d, *ps = w->gpos + r * w->max_pos;
        gr_rows_add_to(GI, neg, gx, N, lo, hi, d);
        /* the positives: d loss / d score times the user's row */
        const size_t u0 = w->slot_block[r] * BLOCK_USERS, u1 = u0 + BLOCK_USERS < g->n_users ? u0 + BLOCK_USERS : g->n_users;
        const int64_t p0 = g->ui.ptr[u0];
        for (size_t u = u0; u < u1; u++) {
            const int64_t e0 = g->ui.ptr[u];
            const float *eu = w->o.final + (w->o.u_row0 + u - w->o.u_lo) * d;
            gr_rows_add_scaled(GI, g->ui.col + e0, ps + (e0 - p0), eu, gr_csr_degree(&g->ui, u), lo, hi, d);
        }
    }
}

/* Gradient of the loss with respect to the propagated embeddings, into
 * w->o.gfinal; returns the loss. */
static double objective(const gr_graph *g, const gr_lgcn_settings_t *s, sampled_work *w, int epoch)
{
    const size_t d = s->d, nu = g->n_users;
    /* other ranks' users contribute nothing here, nor items outside the
     * blocks' draws and positives */
    const size_t u_end = w->o.u_row0 + (w->o.u_hi - w->o.u_lo);
    memset(w->o.gfinal, 0, w->o.u_row0 * d * sizeof *w->o.gfinal);
    memset(w->o.gfinal + u_end * d, 0, (w->o.i_row0 - u_end + g->n_items) * d * sizeof *w->o.gfinal);
    const size_t work = (g->n_edges + nu * w->nneg) * d;
#pragma omp parallel if (gr_parallel_worth(work)) num_threads(gr_threads())
    {
        const int nt = omp_get_num_threads(), t = omp_get_thread_num();
        for (size_t b0 = w->blk_lo; b0 < w->blk_hi; b0 += w->round) {
            const size_t nr = w->blk_hi - b0 < w->round ? w->blk_hi - b0 : w->round;
#pragma omp for schedule(dynamic, 1)
            for (long r = 0; r < (long)nr; r++) block(g, s, w, b0 + (size_t)r, (size_t)r, epoch);
            scatter(g, s, w, nr, nt, t);
#pragma omp barrier
        }
    }
    double loss = 0.0;
    for (size_t b = w->blk_lo; b < w->blk_hi; b++) loss += w->block_loss[b];
    return loss;
}

double gr_lgcn_degree_l2(const gr_graph *g, const gr_lgcn_settings_t *s, const float *e0, float *g0, double *row_sq,
                         size_t lo, size_t hi)
{
    const size_t d = s->d, nu = g->n_users;
    const long rows = (long)(hi - lo);
    const double c0 = s->reg / (double)g->n_edges;
#pragma omp parallel for schedule(static) if (gr_parallel_worth((hi - lo) * d)) num_threads(gr_threads())
    for (long q = 0; q < rows; q++) {
        const size_t r = lo + (size_t)q;
        size_t deg = r < nu ? gr_csr_degree(&g->ui, r) : gr_csr_degree(&g->iu, r - nu);
        const float c = (float)(c0 * (double)deg);
        const float *x = e0 + r * d;
        float *gr = g0 + (size_t)q * d;
        float sq = 0.0f;
        for (size_t j = 0; j < d; j++) {
            gr[j] += c * x[j];
            sq += x[j] * x[j];
        }
        row_sq[q] = (double)c * sq;
    }
    double sum = 0.0;
    for (long q = 0; q < rows; q++) sum += row_sq[q];
    return 0.5 * sum;
}

/* Rows of x (n x d) scaled to unit length into out; their lengths into norm. */
void gr_lgcn_unit_rows(float *out, float *norm, const float *x, size_t n, size_t d)
{
#pragma omp parallel for schedule(static) if (gr_parallel_worth(n * d)) num_threads(gr_threads())
    for (long r = 0; r < (long)n; r++) {
        const float *a = x + (size_t)r * d;
        float q = 0.0f;
        for (size_t j = 0; j < d; j++) q += a[j] * a[j];
        float len = sqrtf(q), inv = len > 0 ? 1.0f / len : 0.0f;
        if (norm) norm[r] = len;
        for (size_t j = 0; j < d; j++) out[(size_t)r * d + j] = a[j] * inv;
    }
}

/* g <- (g - xn <g, xn>) / |x| with xn = x / |x| made again as
 * gr_lgcn_unit_rows made it (the same bits): back through the unit-length
 * scaling of the rows x, whose lengths are in norm. */
static void unit_rows_back(float *g, const float *x, const float *norm, size_t n, size_t d)
{
#pragma omp parallel for schedule(static) if (gr_parallel_worth(n * d)) num_threads(gr_threads())
    for (long r = 0; r < (long)n; r++) {
        float *gr = g + (size_t)r * d;
        const float *a = x + (size_t)r * d;
        float inv = norm[r] > 0 ? 1.0f / norm[r] : 0.0f;
        float dot = 0.0f;
        for (size_t j = 0; j < d; j++) dot += gr[j] * (a[j] * inv);
        for (size_t j = 0; j < d; j++) gr[j] = (gr[j] - (a[j] * inv) * dot) * inv;
    }
}

/*
 * Where the unit rows [x_lo, x_hi) are made for the propagation to read:
 * with halos a table of the rank's own rows; without, gfinal (every row),
 * which the objective writes only once the propagation has read them, and
 * which is free again once the step's gradient has been applied (the
 * validation and the model's rows are made after it).
 */
static float *xn_rows(sampled_work *w) { return w->xn ? w->xn : w->o.gfinal; }

static void scale_rows(float *x, size_t rows, size_t d, float c)
{
    for (size_t k = 0; k < rows * d; k++) x[k] *= c;
}

/* Loss of this rank's blocks of one step at e0 (without the L2 term) and
 * its gradient with respect to the propagated rows, into w->o.gfinal.  The
 * rest of the backward pass is linear in it: the fit driver sums the
 * ranks' shares and propagates them back, then back_rows. */
static double loss_grad(const gr_graph *g, const gr_lgcn_settings_t *s, sampled_work *w, const float *e0, int epoch)
{
    const size_t d = s->d;
    float *xn = xn_rows(w);
    if (w->tau > 0) gr_lgcn_unit_rows(xn, w->norm, e0 + w->x_lo * d, w->x_hi - w->x_lo, d);
    /* with halos xn holds the own rows alone (work_init): their owners send the rest */
    if (w->tau > 0) gr_lgcn_prop_run_objective(&w->prop, xn, w->x_lo, w->o.final, w->half);
    else gr_lgcn_prop_run_objective(&w->prop, e0, 0, w->o.final, w->half);
    /* scores <E_u / tau, E_i>: the user rows carry the temperature (the
     * rows before the items') */
    if (w->tau > 0) scale_rows(w->o.final, w->o.i_row0, s->d, (float)(1.0 / w->tau));
    double loss = objective(g, s, w, epoch);
    if (w->tau > 0) scale_rows(w->o.gfinal, w->o.i_row0, s->d, (float)(1.0 / w->tau));
    return loss;
}

/* Back through the unit-length rows [lo, hi) of the layer-0 gradient g,
 * at the step's layer-0 rows e0. */
static void back_rows(const sampled_work *w, const float *e0, float *g, size_t lo, size_t hi, size_t d)
{
    if (w->tau > 0) unit_rows_back(g, e0 + lo * d, w->norm + (lo - w->x_lo), hi - lo, d);
}

static double tau_of(const gr_trainer *t)
{
    double v = gr_opt_named(t, "temperature");
    return isnan(v) ? GR_LGCN_SAMPLED_TEMPERATURE : v;
}

static size_t negatives_of(const gr_trainer *t)
{
    double v = gr_opt(t, GR_OPT_NEGATIVES);
    size_t n = isnan(v) ? GR_LGCN_SAMPLED_NEGATIVES : (size_t)v;
    return n < 1 ? 1 : n;
}

static double beta_of(const gr_trainer *t)
{
    double v = gr_opt_named(t, "sample_pop");
    return isnan(v) ? GR_LGCN_SAMPLED_POP : v;
}

double gr_lgcn_sampled_loss_grad(float *grad, const gr_trainer *t, const gr_graph *g, const gr_lgcn_settings_t *s,
                                 const float *e0, int epoch)
{
    sampled_work w;
    if (work_init(&w, s, g, negatives_of(t), beta_of(t), gr_lgcn_bf16(t, GR_MODE_SAMPLED), tau_of(t), NULL) != GR_OK)
        return NAN;
    double loss = loss_grad(g, s, &w, e0, epoch);
    float *g0 = NULL;
    gr_lgcn_prop_back(&w.prop, w.o.gfinal, w.o.final, &g0, w.half);
    back_rows(&w, e0, g0, 0, s->n, s->d);
    double *row_sq = s->reg > 0 ? gr_alloc(s->n + 1, sizeof *row_sq) : NULL;
    if (s->reg > 0) loss = row_sq ? loss + gr_lgcn_degree_l2(g, s, e0, g0, row_sq, 0, s->n) : NAN;
    free(row_sq);
    memcpy(grad, g0, s->n * s->d * sizeof *grad);
    work_free(&w);
    return loss;
}

/* Rows [lo, hi) (within [x_lo, x_hi)) of the model's layer-0 rows: e0,
 * or e0's rows at unit length with a temperature (its scores rank as the
 * training's, which only scale them). */
static const float *model_rows(const gr_lgcn_settings_t *s, sampled_work *w, const float *e0, size_t lo, size_t hi)
{
    if (w->tau <= 0) return e0 + lo * s->d;
    float *out = xn_rows(w) + (lo - w->x_lo) * s->d;
    gr_lgcn_unit_rows(out, NULL, e0 + lo * s->d, hi - lo, s->d);
    return out;
}

/* The driver's view of a fit (gr_lgcn_full_ops). */
typedef struct sampled_fit {
    sampled_work w;
    const gr_graph *g;
    const gr_lgcn_settings_t *s;
} sampled_fit;

static double fit_loss_grad(void *work, const float *e0, int epoch)
{
    sampled_fit *f = work;
    return loss_grad(f->g, f->s, &f->w, e0, epoch);
}

static void fit_back_rows(void *work, const float *e0, float *g, size_t lo, size_t hi)
{
    sampled_fit *f = work;
    back_rows(&f->w, e0, g, lo, hi, f->s->d);
}

static const float *fit_model_rows(void *work, const float *e0, size_t lo, size_t hi)
{
    sampled_fit *f = work;
    return model_rows(f->s, &f->w, e0, lo, hi);
}

static void fit_release(void *work)
{
    sampled_fit *f = work;
    work_free(&f->w);
}

int gr_lgcn_fit_sampled(float *e0, float **best, gr_trainer *t, const gr_graph *g, const gr_lgcn_settings_t *s,
                        gr_lightgcn_tables *tables)
{
    sampled_fit f = { .g = g, .s = s };
    gr_dist *dist = gr_dist_of(t);
    int rc = work_init(&f.w, s, g, negatives_of(t), beta_of(t), gr_lgcn_bf16(t, GR_MODE_SAMPLED), tau_of(t), dist);
    if (rc == GR_OK && dist) {
        gr_dist_share(f.w.nblocks, dist->rank, dist->size, &f.w.blk_lo, &f.w.blk_hi);
        f.w.o.u_lo = f.w.o.u_row0 = f.w.blk_lo * BLOCK_USERS < g->n_users ? f.w.blk_lo * BLOCK_USERS : g->n_users;
        f.w.o.u_hi = f.w.blk_hi * BLOCK_USERS < g->n_users ? f.w.blk_hi * BLOCK_USERS : g->n_users;
    }
    gr_lgcn_full_ops ops = { .work = &f,
                             .loss_grad = fit_loss_grad,
                             .back_rows = f.w.tau > 0 ? fit_back_rows : NULL,
                             .model_rows = f.w.tau > 0 ? fit_model_rows : NULL,
                             .release = fit_release,
                             .prop = &f.w.prop,
                             .rows = &f.w.o,
                             .half = f.w.half,
                             .valid_half = f.w.half };
    rc = gr_lgcn_fit_full(e0, best, tables, t, g, s, &ops, rc);
    work_free(&f.w);
    return rc;
}

int gr_lgcn_auto_mode(const gr_graph *g, size_t negatives)
{
    /* the full softmax's dense work per step against the sampled one's */
    double full = (double)g->n_users * (double)g->n_items;
    double sampled = (double)g->n_users * (double)negatives + (double)g->n_edges;
    return full <= GR_LGCN_AUTO_RATIO * sampled ? GR_MODE_FAST : GR_MODE_SAMPLED;
}

size_t gr_lgcn_sampled_negatives(const gr_trainer *t) { return negatives_of(t); }
