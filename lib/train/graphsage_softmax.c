/*
 * GraphSAGE's ranking loss with shared negatives: a sampled softmax of
 * every edge's item against N items that the whole batch shares.
 *
 * For edge (u, i) of a batch of B edges and the batch's N distinct
 * negatives j, drawn uniformly without replacement from the n items with
 * training edges (so each is included with probability N / n), the loss is
 *
 *     -s(u, i) + log(e^{s(u, i)} + sum_{j not an item of u} e^{s(u, j) - log(N / n)})
 *
 * averaged over the batch: the positive enters the partition function
 * exactly, the other items through the importance-weighted sample (the
 * same estimator as LightGCN's sampled schedule, lib/train/lightgcn_sampled.c).
 * The scores of all edges against all negatives are one B x N product of
 * the output rows, so a step costs the layers plus B x N x d multiply-adds
 * instead of one score pair per negative; one draw of N items serves every
 * edge, where BPR's per-edge negatives each need a sampled neighbourhood
 * and a forward pass of their own.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/threads.h"
#include "kernels/matmul.h"
#include "kernels/parallel.h"
#include "kernels/softmax.h"
#include "train/graphsage_train.h"

/* The work space: views into c->sm.  U: the batch's distinct users. */
typedef struct sm_bufs {
    float *zn, *znt, *znp, *s, *beta, *gzu, *gzn, *gbeta, *gpos, *loss, *lneg, *wrow;
} sm_bufs;

static int reserve(gr_sage_ctx *c, sm_bufs *b, size_t B, size_t U, size_t N, size_t d)
{
    size_t sn = gr_gemm_stride(N), sd = gr_gemm_stride(d);
    size_t need = N * d + d * sn + N * sd + U * N + N + U * d + N * d + N + 2 * B + 2 * U + 64;
    if (need > c->sm_cap) {
        float *p = gr_alloc_floats(need);
        if (!p) return GR_ENOMEM;
        free(c->sm);
        c->sm = p;
        c->sm_cap = need;
    }
    float *p = c->sm;
    b->zn = p, p += N * d;
    b->znt = p, p += d * sn;
    b->znp = p, p += N * sd;
    b->s = p, p += U * N;
    b->beta = p, p += N;
    b->gzu = p, p += U * d;
    b->gzn = p, p += N * d;
    b->gbeta = p, p += N;
    b->gpos = p, p += B;
    b->loss = p, p += B;
    b->lneg = p, p += U;
    b->wrow = p;
    return GR_OK;
}

static const float *out_row(const gr_sage_ctx *c, int t, size_t k)
{
    size_t w = gr_sage_width(&c->s->arch, c->s->arch.layers, t);
    return c->ps.out[t].p + (size_t)c->tpos[t][k] * w;
}

/* The item score's additive part: the bias column plus the learned bias. */
static float item_beta(const gr_sage_ctx *c, const float *params, size_t k)
{
    const gr_sage_arch *a = &c->s->arch;
    if (!a->bias) return 0.0f;
    return out_row(c, 1, k)[a->dim] + params[c->s->lay.nbias[1] + c->tgt[1][k]];
}

static float dot(const float *x, const float *y, size_t d)
{
    float s = 0;
    for (size_t k = 0; k < d; k++) s += x[k] * y[k];
    return s;
}

/* A score low enough to vanish in a softmax, yet finite, so that a row
 * masked entirely still has a maximum. */
#define MASKED (-1e30f)

/* Row r (user v) of the scores becomes the softmax over the negatives
 * that are not v's items; lneg[r]: their log-partition, sampling
 * correction included. */
static void user_row(const gr_sage_ctx *c, const sm_bufs *b, size_t r, int32_t v, size_t N, float corr)
{
    const gr_graph *g = c->g;
    float *row = b->s + r * N;
    for (size_t j = 0; j < N; j++) row[j] *= c->inv_temp;
    for (int64_t e = g->ui.ptr[v]; e < g->ui.ptr[v + 1]; e++) {
        int32_t at = c->neg_at[g->ui.col[e]];
        if (at >= 0) row[at] = MASKED;
    }
    b->lneg[r] = gr_softmax_row(row, N, 1.0f) + corr;
}

/* Edge k: its loss, d loss / d s(u, i) into gpos[k] and the weight its
 * user's row of negatives gets (all divided by B). */
static void edge_terms(const gr_sage_ctx *c, const float *params, const sm_bufs *b, size_t k, float invb)
{
    size_t d = c->s->arch.dim, r = (size_t)c->tpos[0][k];
    double sp = (dot(out_row(c, 0, k), out_row(c, 1, k), d) + item_beta(c, params, k)) * c->inv_temp;
    double ln = b->lneg[r], hi = sp > ln ? sp : ln;
    double total = hi + log(exp(sp - hi) + exp(ln - hi));
    /* the gradients of the raw scores: the softmax's, divided by the temperature */
    b->wrow[r] += (float)exp(ln - total) * invb * c->inv_temp;
    b->gpos[k] = (float)(exp(sp - total) - 1.0) * invb * c->inv_temp;
    b->loss[k] = (float)(total - sp);
}

/* Adds the gradients of the output rows and of the learned item biases. */
static void scatter(gr_sage_ctx *c, float *grad, const sm_bufs *b, size_t B, size_t U, size_t N)
{
    const gr_sage_arch *a = &c->s->arch;
    size_t d = a->dim, wu = gr_sage_width(a, a->layers, 0), wi = gr_sage_width(a, a->layers, 1);
    float *du = c->ps.dout[0].p, *di = c->ps.dout[1].p;
    float *nb = a->bias ? grad + c->s->lay.nbias[1] : NULL;
    for (size_t r = 0; r < U; r++)
        for (size_t j = 0; j < d; j++) du[r * wu + j] += b->gzu[r * d + j];
    for (size_t k = 0; k < B; k++) {
        float gp = b->gpos[k];
        float *ru = du + (size_t)c->tpos[0][k] * wu, *ri = di + (size_t)c->tpos[1][k] * wi;
        const float *zi = out_row(c, 1, k), *zu = out_row(c, 0, k);
        for (size_t j = 0; j < d; j++) {
            ru[j] += gp * zi[j];
            ri[j] += gp * zu[j];
        }
        if (!nb) continue;
        ri[d] += gp;
        nb[c->tgt[1][k]] += gp;
    }
    for (size_t q = 0; q < N; q++) {
        float *ri = di + (size_t)c->tpos[1][B + q] * wi;
        for (size_t j = 0; j < d; j++) ri[j] += b->gzn[q * d + j];
        if (!nb) continue;
        ri[d] += b->gbeta[q];
        nb[c->tgt[1][B + q]] += b->gbeta[q];
    }
}

/*
 * The negatives' scores depend on the user alone, so they are computed
 * once per distinct user of the batch (the depth-L user rows, U of them):
 * edge k's softmax over its positive and the negatives is
 * p_kj = e^{s_uj} / Z_k with Z_k = e^{s_ui} + Z_u, and the gradient of
 * user u's row of scores is P_u times the sum over u's edges of Z_u / Z_k.
 */
double gr_sage_softmax_loss(gr_sage_ctx *c, const float *params, float *grad)
{
    const gr_sage_arch *a = &c->s->arch;
    size_t B = c->count, N = c->shared, d = a->dim, U = c->blk.n[a->layers][0];
    size_t wu = gr_sage_width(a, a->layers, 0);
    if (B == 0 || N == 0) return 0.0;
    sm_bufs b;
    if (reserve(c, &b, B, U, N, d) != GR_OK) return NAN;
    const float *zu = c->ps.out[0].p;
    for (size_t q = 0; q < N; q++) {
        memcpy(b.zn + q * d, out_row(c, 1, B + q), d * sizeof(float));
        b.beta[q] = item_beta(c, params, B + q);
        c->neg_at[c->neg[q]] = (int32_t)q;
    }
    gr_transpose_padded(b.znt, b.zn, d, N, d);
    gr_gemm_nn(b.s, N, zu, wu, b.znt, gr_gemm_stride(N), b.beta, U, d, N);
    float corr = -logf((float)N / (float)(c->n_warm ? c->n_warm : 1)), invb = 1.0f / (float)B;
    long nu = (long)U;
    const int32_t *users = c->blk.node[a->layers][0];
#pragma omp parallel for schedule(static) if (gr_parallel_worth(U * N)) num_threads(gr_threads())
    for (long r = 0; r < nu; r++) user_row(c, &b, (size_t)r, users[r], N, corr);
    for (size_t q = 0; q < N; q++) c->neg_at[c->neg[q]] = -1;
    memset(b.wrow, 0, U * sizeof(float));
    /* in edge order, so that the sums do not depend on the thread count */
    double loss = 0;
    for (size_t k = 0; k < B; k++) {
        edge_terms(c, params, &b, k, invb);
        loss += b.loss[k];
    }
#pragma omp parallel for schedule(static) if (gr_parallel_worth(U * N)) num_threads(gr_threads())
    for (long r = 0; r < nu; r++)
        for (size_t j = 0; j < N; j++) b.s[(size_t)r * N + j] *= b.wrow[r];
    /* dZu = G Zn, dZn = G^T Zu, d beta = column sums of G */
    gr_copy_padded(b.znp, b.zn, d, N, d);
    gr_gemm_nn(b.gzu, d, b.s, N, b.znp, gr_gemm_stride(d), NULL, U, N, d);
    memset(b.gzn, 0, N * d * sizeof(float));
    gr_gemm_tn_acc(b.gzn, d, b.s, N, zu, wu, U, N, d);
    memset(b.gbeta, 0, N * sizeof(float));
    gr_colsum_acc(b.gbeta, b.s, N, U, N);
    scatter(c, grad, &b, B, U, N);
    return loss / (double)B;
}
