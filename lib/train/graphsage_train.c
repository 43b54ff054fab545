/* GraphSAGE mini-batch training: batches, loss and gradient of a batch. */
#include "train/graphsage_train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/rng.h"
#include "core/threads.h"
#include "kernels/parallel.h"

int gr_sage_ctx_init(gr_sage_ctx *c, const gr_graph *g, gr_sage_state *s, const int *fanout)
{
    memset(c, 0, sizeof *c);
    c->g = g;
    c->s = s;
    c->inv_temp = 1.0f;
    c->edge_user = gr_alloc(g->n_edges ? g->n_edges : 1, sizeof *c->edge_user);
    if (!c->edge_user) return GR_ENOMEM;
    for (size_t u = 0; u < g->n_users; u++)
        for (int64_t k = g->ui.ptr[u]; k < g->ui.ptr[u + 1]; k++) c->edge_user[k] = (int32_t)u;
    if (!s->chan_ui) GR_TRY(gr_sage_edge_channels(s, g, &s->chan_ui, &s->chan_iu));
    GR_TRY(gr_sage_sampler_init(&c->smp, g, s->chan_ui, s->chan_iu, s->arch.layers, fanout, c->seed));
    c->neg_at = gr_alloc(g->n_items + 1, sizeof *c->neg_at);
    if (!c->neg_at) return GR_ENOMEM;
    memset(c->neg_at, 0xff, (g->n_items + 1) * sizeof *c->neg_at);
    for (int t = 0; t < 2; t++) {
        if (s->feat_kind[t] != GR_SAGE_FEAT_BUILTIN) continue;
        size_t n = s->arch.n[t];
        c->stats[t] = gr_alloc(n ? n : 1, sizeof *c->stats[t]);
        c->adj_stamp[t] = gr_zalloc(n ? n : 1, sizeof *c->adj_stamp[t]);
        c->adj_idx[t] = gr_alloc(n ? n : 1, sizeof *c->adj_idx[t]);
        if (!c->stats[t] || !c->adj_stamp[t] || !c->adj_idx[t]) return GR_ENOMEM;
        for (size_t v = 0; v < n; v++) gr_node_stats_of(&c->stats[t][v], g, t, v);
    }
    return GR_OK;
}

void gr_sage_ctx_free(gr_sage_ctx *c)
{
    free(c->edge);
    free(c->neg);
    free(c->edge_user);
    free(c->sm);
    free(c->neg_at);
    for (int t = 0; t < 2; t++) {
        free(c->stats[t]);
        free(c->adj_stamp[t]);
        free(c->adj_idx[t]);
        free(c->adj[t]);
        free(c->tgt[t]);
        free(c->tpos[t]);
    }
    gr_sage_sampler_free(&c->smp);
    gr_sage_block_free(&c->blk);
    gr_sage_pass_free(&c->ps);
    memset(c, 0, sizeof *c);
}

int gr_sage_ctx_batch(gr_sage_ctx *c, size_t count)
{
    size_t nneg = count * (size_t)(c->negatives > 0 ? c->negatives : 1);
    if (c->shared > nneg) nneg = c->shared;
    if (count <= c->batch_cap && nneg <= c->neg_cap) return GR_OK;
    free(c->edge);
    free(c->neg);
    c->edge = gr_alloc(count, sizeof *c->edge);
    c->neg = gr_alloc(nneg, sizeof *c->neg);
    if (!c->edge || !c->neg) return GR_ENOMEM;
    c->batch_cap = count;
    c->neg_cap = nneg;
    return GR_OK;
}

/* ---- targets, exclusions, cold nodes ---- */

static int push_target(gr_sage_ctx *c, int t, int32_t v)
{
    if (c->ntgt[t] == c->tgt_cap[t]) {
        size_t cap = c->tgt_cap[t];
        if (gr_reserve((void **)&c->tgt[t], &cap, c->ntgt[t] + 1, sizeof(int32_t)) != GR_OK) return GR_ENOMEM;
        int32_t *p = gr_realloc(c->tpos[t], cap, sizeof(int32_t));
        if (!p) return GR_ENOMEM;
        c->tpos[t] = p;
        c->tgt_cap[t] = cap;
    }
    c->tgt[t][c->ntgt[t]++] = v;
    return GR_OK;
}

/* Targets in a fixed order: per edge its user and item, then the negatives. */
static int collect_targets(gr_sage_ctx *c)
{
    c->ntgt[0] = c->ntgt[1] = 0;
    for (size_t k = 0; k < c->count; k++) {
        GR_TRY(push_target(c, 0, c->edge_user[c->edge[k]]));
        GR_TRY(push_target(c, 1, c->g->ui.col[c->edge[k]]));
    }
    if (c->objective != GR_OBJECTIVE_BPR) return GR_OK;
    for (size_t q = 0; q < c->shared; q++) GR_TRY(push_target(c, 1, c->neg[q]));
    if (c->shared) return GR_OK;
    for (size_t p = 0; p < c->count * (size_t)c->negatives; p++)
        GR_TRY(push_target(c, 1, c->neg[p] >= 0 ? c->neg[p] : c->g->ui.col[c->edge[p / (size_t)c->negatives]]));
    return GR_OK;
}

static int draw(uint64_t seed, uint64_t key, uint64_t what, int t, int32_t v, double p)
{
    return p > 0 && gr_unit(gr_hash3(seed, gr_hash3(key, what, (uint64_t)t), (uint64_t)v)) < p;
}

static void mark_batch(gr_sage_ctx *c, uint64_t key)
{
    gr_sage_batch_begin(&c->smp);
    for (size_t k = 0; k < c->count; k++) gr_sage_exclude(&c->smp, c->edge[k]);
    for (int t = 0; t < 2; t++)
        for (size_t k = 0; k < c->ntgt[t]; k++)
            if (draw(c->seed, key, 0xC01D, t, c->tgt[t][k], c->cold_prob)) gr_sage_mark_cold(&c->smp, t, c->tgt[t][k]);
}

/* Statistics of node v minus the batch's edges (or none when cold). */
static gr_node_stats *adjusted(gr_sage_ctx *c, int t, int32_t v)
{
    if (c->adj_stamp[t][v] == c->smp.stamp) return &c->adj[t][c->adj_idx[t][v]];
    if (gr_reserve((void **)&c->adj[t], &c->adj_cap[t], c->n_adj[t] + 1, sizeof(gr_node_stats)) != GR_OK) return NULL;
    c->adj_stamp[t][v] = c->smp.stamp;
    c->adj_idx[t][v] = (int32_t)c->n_adj[t];
    gr_node_stats *st = &c->adj[t][c->n_adj[t]++];
    *st = c->stats[t][v];
    return st;
}

static int adjust_stats(gr_sage_ctx *c)
{
    const gr_graph *g = c->g;
    c->n_adj[0] = c->n_adj[1] = 0;
    for (size_t k = 0; k < c->count; k++) {
        int64_t e = c->edge[k];
        int32_t v[2] = { c->edge_user[e], g->ui.col[e] };
        for (int t = 0; t < 2; t++) {
            if (!c->stats[t]) continue; /* caller features: nothing to re-encode */
            gr_node_stats *st = adjusted(c, t, v[t]);
            if (!st) return GR_ENOMEM;
            int has_ts = t == 0 && c->s->spec.timestamps;
            gr_node_stats_add(st, gr_csr_val(&g->ui, e), has_ts ? gr_csr_ts(&g->ui, e) : 0, has_ts, -1);
        }
    }
    for (int t = 0; t < 2; t++) {
        if (!c->stats[t]) continue;
        for (size_t k = 0; k < c->ntgt[t]; k++) {
            if (!gr_sage_is_cold(&c->smp, t, c->tgt[t][k])) continue;
            gr_node_stats *st = adjusted(c, t, c->tgt[t][k]);
            if (!st) return GR_ENOMEM;
            memset(st, 0, sizeof *st);
        }
    }
    return GR_OK;
}

/* ---- depth-0 rows ---- */

static int id_used(const gr_sage_ctx *c, uint64_t key, int t, int32_t v)
{
    return !gr_sage_is_cold(&c->smp, t, v) && !draw(c->seed, key, 0x1D0, t, v, c->id_dropout);
}

static void input_rows(gr_sage_ctx *c, const float *params, uint64_t key)
{
    const gr_sage_state *s = c->s;
    const gr_sage_arch *a = &s->arch;
    for (int t = 0; t < 2; t++) {
        size_t w = gr_sage_width(a, 0, t), f = a->feat[t];
        long n = (long)c->blk.n[0][t];
        float *h = c->ps.h[0][t].p;
#pragma omp parallel for schedule(static) if (gr_parallel_worth((size_t)n * w)) num_threads(gr_threads())
        for (long k = 0; k < n; k++) {
            int32_t v = c->blk.node[0][t][k];
            float *row = h + (size_t)k * w;
            if (c->stats[t] && c->adj_stamp[t][v] == c->smp.stamp)
                gr_feat_node_row(&s->spec, row, c->g, t, (size_t)v, &c->adj[t][c->adj_idx[t][v]]);
            else if (f)
                memcpy(row, s->feat[t] + (size_t)v * f, f * sizeof *row);
            if (!a->id_dim) continue;
            if (id_used(c, key, t, v)) memcpy(row + f, params + s->lay.emb[t] + (size_t)v * a->id_dim, a->id_dim * sizeof *row);
            else memset(row + f, 0, a->id_dim * sizeof *row);
        }
    }
}

static void embedding_grads(gr_sage_ctx *c, float *grad, uint64_t key)
{
    const gr_sage_state *s = c->s;
    const gr_sage_arch *a = &s->arch;
    if (!a->id_dim) return;
    for (int t = 0; t < 2; t++) {
        size_t w = gr_sage_width(a, 0, t), f = a->feat[t];
        long n = (long)c->blk.n[0][t];
        const float *dh = c->ps.dh[0][t].p;
#pragma omp parallel for schedule(static) if (gr_parallel_worth((size_t)n * a->id_dim)) num_threads(gr_threads())
        for (long k = 0; k < n; k++) {
            int32_t v = c->blk.node[0][t][k];
            if (!id_used(c, key, t, v)) continue;
            float *gr = grad + s->lay.emb[t] + (size_t)v * a->id_dim;
            const float *src = dh + (size_t)k * w + f;
            for (size_t j = 0; j < a->id_dim; j++) gr[j] += src[j];
        }
    }
}

/* ---- loss ---- */

static float dotf(const float *a, const float *b, size_t d)
{
    float s = 0;
    for (size_t k = 0; k < d; k++) s += a[k] * b[k];
    return s;
}

static void axpyf(float *y, float a, const float *x, size_t d)
{
    for (size_t k = 0; k < d; k++) y[k] += a * x[k];
}

typedef struct side {
    const float *o;  /* output row: z, then the bias column */
    float *d;        /* its gradient */
    float *dbias;    /* gradient of the learned node bias, or NULL */
    float nbias;
} side;

static side side_of(gr_sage_ctx *c, const float *params, float *grad, int t, size_t k)
{
    const gr_sage_arch *a = &c->s->arch;
    size_t w = gr_sage_width(a, a->layers, t);
    int32_t pos = c->tpos[t][k], v = c->tgt[t][k];
    side sd = { c->ps.out[t].p + (size_t)pos * w, c->ps.dout[t].p + (size_t)pos * w, NULL, 0.0f };
    if (a->bias) {
        sd.dbias = grad + c->s->lay.nbias[t] + v;
        sd.nbias = params[c->s->lay.nbias[t] + v];
    }
    return sd;
}

/* d loss / d score = g for a score of user side su and item side si. */
static void score_grad(const gr_sage_arch *a, side *su, side *si, float g, int user_bias)
{
    axpyf(su->d, g, si->o, a->dim);
    axpyf(si->d, g, su->o, a->dim);
    if (!a->bias) return;
    si->d[a->dim] += g;
    *si->dbias += g;
    if (user_bias) {
        su->d[a->dim] += g;
        *su->dbias += g;
    }
}

static float score(const gr_sage_arch *a, const side *su, const side *si, int user_bias)
{
    float s = dotf(su->o, si->o, a->dim);
    if (a->bias) s += si->o[a->dim] + si->nbias + (user_bias ? su->o[a->dim] + su->nbias : 0.0f);
    return s;
}

static double rating_loss(gr_sage_ctx *c, const float *params, float *grad)
{
    const gr_sage_arch *a = &c->s->arch;
    double loss = 0;
    float inv = 1.0f / (float)c->count;
    for (size_t k = 0; k < c->count; k++) {
        side su = side_of(c, params, grad, 0, k), si = side_of(c, params, grad, 1, k);
        float err = c->s->mu + score(a, &su, &si, 1) - gr_csr_val(&c->g->ui, c->edge[k]);
        loss += (double)err * err;
        score_grad(a, &su, &si, 2.0f * err * inv, 1);
    }
    return loss / (double)c->count;
}

static double bpr_loss(gr_sage_ctx *c, const float *params, float *grad)
{
    const gr_sage_arch *a = &c->s->arch;
    size_t nneg = (size_t)c->negatives, pairs = 0;
    for (size_t p = 0; p < c->count * nneg; p++) pairs += c->neg[p] >= 0;
    if (pairs == 0) return 0.0;
    double loss = 0;
    float inv = 1.0f / (float)pairs;
    for (size_t k = 0; k < c->count; k++) {
        side su = side_of(c, params, grad, 0, k), si = side_of(c, params, grad, 1, k);
        for (size_t q = 0; q < nneg; q++) {
            size_t p = k * nneg + q;
            if (c->neg[p] < 0) continue;
            side sj = side_of(c, params, grad, 1, c->count + p);
            float x = score(a, &su, &si, 0) - score(a, &su, &sj, 0);
            loss += x > 0 ? log1p(exp(-x)) : -x + log1p(exp(x));
            float g = -inv / (1.0f + expf(x));
            score_grad(a, &su, &si, g, 0);
            score_grad(a, &su, &sj, -g, 0);
        }
    }
    return loss / (double)pairs;
}

/* L2 on the targets' embeddings and biases (per occurrence, / edges) and on the weights. */
static double regularise(gr_sage_ctx *c, const float *params, float *grad)
{
    const gr_sage_state *s = c->s;
    const gr_sage_arch *a = &s->arch;
    double sq = 0, wsq = 0;
    float lam = (float)(c->reg / (double)c->count);
    for (int t = 0; t < 2 && c->reg > 0; t++) {
        for (size_t k = 0; k < c->ntgt[t]; k++) {
            int32_t v = c->tgt[t][k];
            const float *e = params + s->lay.emb[t] + (size_t)v * a->id_dim;
            sq += dotf(e, e, a->id_dim);
            axpyf(grad + s->lay.emb[t] + (size_t)v * a->id_dim, lam, e, a->id_dim);
            if (!a->bias) continue;
            float b = params[s->lay.nbias[t] + v];
            sq += (double)b * b;
            grad[s->lay.nbias[t] + v] += lam * b;
        }
    }
    for (int l = 1; l <= a->layers && c->wd > 0; l++)
        for (int t = 0; t < 2; t++) {
            size_t n = s->lay.rows[l] * s->lay.cols[l][t];
            const float *w = params + s->lay.w[l][t];
            wsq += dotf(w, w, n);
            axpyf(grad + s->lay.w[l][t], (float)c->wd, w, n);
        }
    return 0.5 * c->reg * sq / (double)c->count + 0.5 * c->wd * wsq;
}

double gr_sage_batch_loss(gr_sage_ctx *c, const float *params, float *grad, uint64_t key)
{
    const gr_sage_arch *a = &c->s->arch;
    if (collect_targets(c) != GR_OK) return NAN;
    c->smp.seed = c->seed;
    mark_batch(c, key);
    const int32_t *const tg[2] = { c->tgt[0], c->tgt[1] };
    int32_t *const tp[2] = { c->tpos[0], c->tpos[1] };
    c->ps.dropout = (float)c->dropout;
    c->ps.drop_seed = c->seed;
    c->ps.drop_key = gr_hash3(key, 0xD5, 0);
    if (adjust_stats(c) != GR_OK || gr_sage_sample(&c->smp, &c->blk, tg, c->ntgt, tp, key) != GR_OK ||
        gr_sage_pass_reserve(&c->ps, a, &c->blk, GR_SAGE_PASS_TRAIN) != GR_OK)
        return NAN;
    input_rows(c, params, key);
    gr_sage_forward(a, &c->s->lay, params, &c->blk, &c->ps);
    for (int t = 0; t < 2; t++)
        memset(c->ps.dout[t].p, 0, c->blk.n[a->layers][t] * gr_sage_width(a, a->layers, t) * sizeof(float));
    double loss = c->objective == GR_OBJECTIVE_RATING ? rating_loss(c, params, grad)
                  : c->shared                           ? gr_sage_softmax_loss(c, params, grad)
                                                        : bpr_loss(c, params, grad);
    if (isnan(loss)) return NAN;
    gr_sage_backward(a, &c->s->lay, params, &c->blk, &c->ps, grad);
    embedding_grads(c, grad, key);
    return loss + regularise(c, params, grad);
}
