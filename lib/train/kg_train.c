/* The KG training loop: batches of queries against shared negatives. */
#include "train/kg_train.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/rng.h"
#include "core/threads.h"
#include "dist/dist_train.h"
#include "kernels/kg_loss.h"
#include "kernels/kg_score.h"
#include "kernels/sgemm.h"
#include "train/adam.h"
#include "train/kg_checkpoint.h"

enum { STREAM_INIT_ENT = 0x4b47, STREAM_INIT_REL, STREAM_SHUFFLE, STREAM_NEG };

#define QUERY_BLOCK 16

void gr_kg_settings_of(gr_kg_settings *s, const gr_trainer *t)
{
    memset(s, 0, sizeof *s);
    s->kind = t->kind;
    s->norm = t->kind == GR_MODEL_TRANSE ? (int)gr_opt_named(t, "norm") : 0;
    s->loss = (int)gr_opt_named(t, "loss");
    s->sampling = (int)gr_opt_named(t, "sampling");
    s->schedule = (int)gr_opt_named(t, "lr_schedule");
    s->epochs = (int)gr_opt(t, GR_OPT_EPOCHS);
    s->dim = (size_t)gr_opt(t, GR_OPT_DIM);
    s->batch = (size_t)gr_opt(t, GR_OPT_BATCH);
    s->negatives = (size_t)gr_opt(t, GR_OPT_NEGATIVES);
    s->valid_sample = (size_t)gr_opt_named(t, "valid_sample");
    s->lr = gr_opt(t, GR_OPT_LR);
    s->reg = gr_opt(t, GR_OPT_REG);
    s->gamma = gr_opt_named(t, "gamma");
    s->adv_temp = gr_opt_named(t, "adv_temp");
    s->margin = gr_opt_named(t, "margin");
    s->init_range = gr_opt_named(t, "init_range");
    s->adam_catch_up = (int)gr_opt_named(t, "adam_catch_up");
    s->subsampling = (int)gr_opt_named(t, "subsampling");
    s->neg_share = (size_t)gr_opt_named(t, "neg_share");
    s->shard = t->dist && gr_opt_named(t, "shard") == 1;
    s->seed = (uint64_t)gr_opt(t, GR_OPT_SEED);
    s->checkpoint = t->ckpt_path != NULL;
    s->ckpt_valid = gr_ckpt_graph_data(t->valid, 1);
}

/* ---- initialisation ---- */

/* Uniform in [-range, range], range = (gamma + 2) / dim as in the reference
 * RotatE code, for every kind; padding stays zero. */
void gr_kg_init_params(gr_kg_params *p, const gr_kg_settings *s)
{
    double range = s->init_range > 0 ? s->init_range : (s->gamma + 2.0) / (double)s->dim;
    gr_rng re = gr_rng_make(s->seed, STREAM_INIT_ENT), rr = gr_rng_make(s->seed, STREAM_INIT_REL);
    size_t half = p->L / 2;
    for (size_t e = 0; e < p->n_ent; e++) {
        float *row = p->ent + e * p->L;
        for (size_t k = 0; k < p->dim; k++) {
            row[k] = (float)(range * (2.0 * gr_rng_unit(&re) - 1.0));
            if (p->kind->complex) row[half + k] = (float)(range * (2.0 * gr_rng_unit(&re) - 1.0));
        }
    }
    size_t rel_width = p->LR == p->L && p->kind->complex ? 2 : 1;
    for (size_t r = 0; r < p->n_rel; r++) {
        float *row = p->rel + r * p->LR;
        for (size_t k = 0; k < p->dim; k++) {
            row[k] = (float)(range * (2.0 * gr_rng_unit(&rr) - 1.0));
            if (rel_width == 2) row[half + k] = (float)(range * (2.0 * gr_rng_unit(&rr) - 1.0));
        }
    }
    /* RotatE: phases uniform in [-pi, pi] */
    if (p->kind == &gr_rotate_kind) p->phase_scale = (float)(3.14159265358979323846 / range);
    gr_kg_params_refresh(p);
}

/* p (allocated, of warm's sizes) from warm's parameters. */
static void warm_start(gr_kg_params *p, const gr_kg_params *warm)
{
    memcpy(p->ent, warm->ent, p->n_ent * p->L * sizeof *p->ent);
    memcpy(p->rel, warm->rel, p->n_rel * p->LR * sizeof *p->rel);
    p->gamma = warm->gamma;
    p->phase_scale = warm->phase_scale;
    gr_kg_params_refresh(p);
}

/* ---- work buffers ---- */

typedef struct kg_work {
    size_t B, N, L, LR;
    size_t share, G; /* queries per negative group, groups per full batch */
    int32_t *anchor, *rel, *target;
    uint8_t *head;
    float *Q, *Y, *C, *S, *W, *gQ, *gY, *gC;
    float *gA, *gRq; /* each query's gradient of its anchor row and of its relation row */
    double *reg3;    /* each query's N3 penalty of its anchor, target and relation rows */
    int32_t *slot_of; /* the compact row of each negative, then each query's target and anchor */
    float *spos, *wpos, *rowloss;
    float softmax_shift; /* the sampled softmax's correction: log(entities / negatives) */
    float *tmp; /* 3 N floats per thread */
    int tmp_threads; /* threads tmp and pack have room for */
    float *pack; /* the dot products' packing space (kernels/sgemm.h), per thread; NULL for the distances */
    float *bw;  /* weight of each query of the batch */
    float *tri_weight; /* per training triple, NULL: all 1 */
    uint8_t *mask;
    int32_t *neg, *pos_of, *next;
    /* compact entity gradients */
    int32_t *slot, *touched;
    size_t n_touched;
    float *gE;
    float *gR;
    uint8_t *rel_touched;
    float *m_ent, *v_ent, *m_rel, *v_rel;
    int64_t *last_ent, *last_rel; /* the step that last moved each row */
    /* the entity rows [lo, hi) whose Adam state (m_ent, v_ent, last_ent:
     * hi - lo rows) this rank keeps; every row but under `shard` 1 */
    size_t lo, hi;
    int sharded; /* `shard` 1: the slices' updated rows are exchanged after each step */
    int catch_up;
    double lr;
    int64_t step;
    uint32_t *order; /* the epoch's queries: triple << 1 | head */
    /* data-parallel training (lib/dist): while a rank computes its share of
     * a batch, the whole batch's size and weight (0: the share is the
     * batch) and the index of its first negative */
    struct gr_dist *dist;
    size_t batch_all, neg_offset;
    double wsum_all;
} kg_work;

static void work_free(kg_work *w)
{
    void *bufs[] = { w->anchor, w->rel, w->target, w->head, w->Q, w->Y, w->C, w->S, w->W, w->gQ, w->gY, w->gC,
                     w->spos, w->wpos, w->rowloss, w->mask, w->neg, w->pos_of, w->next, w->slot, w->touched, w->gE,
                     w->gR, w->rel_touched, w->m_ent, w->v_ent, w->m_rel, w->v_rel, w->order, w->tmp,
                     w->last_ent, w->last_rel, w->bw, w->tri_weight, w->gA, w->gRq, w->reg3, w->slot_of, w->pack };
    for (size_t k = 0; k < sizeof bufs / sizeof bufs[0]; k++) free(bufs[k]);
    memset(w, 0, sizeof *w);
}

/*
 * The reference RotatE code weights a triple's loss by 1 / sqrt(c(h, r) +
 * c(t, r^-1)), where c counts the triples of the (head, relation) and the
 * (tail, inverse relation) plus 3, so that frequent patterns do not
 * dominate (like word2vec's subsampling).  Weights are normalised per batch.
 */
static int subsampling_weights(kg_work *w, const gr_kg *kg)
{
    w->tri_weight = gr_alloc_floats(kg->n);
    if (!w->tri_weight) return GR_ENOMEM;
    for (size_t k = 0; k < kg->n; k++) {
        int64_t a, b, c, d;
        gr_kg_tail_range(kg, kg->h[k], kg->r[k], &a, &b);
        gr_kg_head_range(kg, kg->t[k], kg->r[k], &c, &d);
        w->tri_weight[k] = (float)(1.0 / sqrt((double)(6 + (b - a) + (d - c))));
    }
    return GR_OK;
}

static int work_init(kg_work *w, const gr_kg_params *p, const gr_kg_settings *s, size_t n_queries, const gr_kg *kg,
                     struct gr_dist *dist)
{
    memset(w, 0, sizeof *w);
    w->dist = dist;
    w->lo = 0;
    w->hi = p->n_ent;
    w->sharded = s->shard && dist;
    if (w->sharded) gr_dist_rows(dist, p->n_ent, &w->lo, &w->hi);
    const size_t own = w->hi - w->lo;
    size_t B = s->batch, N = s->negatives, L = p->L;
    w->B = B;
    w->N = N;
    w->L = L;
    w->LR = p->LR;
    w->share = s->neg_share && s->neg_share < B ? s->neg_share : B;
    w->G = (B + w->share - 1) / w->share;
    const size_t GN = w->G * N, rows = 2 * B + GN;
    w->anchor = gr_alloc(B, sizeof *w->anchor);
    w->rel = gr_alloc(B, sizeof *w->rel);
    w->target = gr_alloc(B, sizeof *w->target);
    w->head = gr_alloc(B, 1);
    w->Q = gr_alloc_floats(B * L);
    w->Y = gr_alloc_floats(B * L);
    w->C = gr_alloc_floats(GN * L);
    w->S = gr_alloc_floats(B * N);
    w->W = gr_alloc_floats(B * N);
    w->gQ = gr_alloc_floats(B * L);
    w->gY = gr_alloc_floats(B * L);
    w->gC = gr_alloc_floats(GN * L);
    w->gA = gr_alloc_floats(B * L);
    w->gRq = gr_alloc_floats(B * p->LR);
    w->reg3 = gr_alloc(3 * B, sizeof *w->reg3);
    w->slot_of = gr_alloc(rows, sizeof *w->slot_of);
    w->spos = gr_alloc_floats(B);
    w->wpos = gr_alloc_floats(B);
    w->rowloss = gr_alloc_floats(B);
    w->mask = gr_zalloc(B * N, 1);
    w->neg = gr_alloc(GN, sizeof *w->neg);
    w->pos_of = gr_alloc(p->n_ent, sizeof *w->pos_of);
    w->next = gr_alloc(N, sizeof *w->next);
    w->slot = gr_alloc(p->n_ent, sizeof *w->slot);
    w->touched = gr_alloc(rows, sizeof *w->touched);
    w->gE = gr_alloc_floats(rows * L);
    w->gR = gr_alloc_floats(p->n_rel * p->LR);
    w->rel_touched = gr_zalloc(p->n_rel, 1);
    w->m_ent = gr_alloc_floats(own * L + 1);
    w->v_ent = gr_alloc_floats(own * L + 1);
    w->m_rel = gr_alloc_floats(p->n_rel * p->LR);
    w->v_rel = gr_alloc_floats(p->n_rel * p->LR);
    w->order = gr_alloc(n_queries, sizeof *w->order);
    w->tmp_threads = gr_threads_limit();
    w->tmp = gr_alloc_floats((size_t)w->tmp_threads * 3 * N);
    if (p->op == GR_KG_DOT && !(w->pack = gr_alloc_floats((size_t)w->tmp_threads * gr_sgemm_work_floats()))) {
        work_free(w);
        return GR_ENOMEM;
    }
    w->last_ent = gr_zalloc(own + 1, sizeof *w->last_ent);
    w->last_rel = gr_zalloc(p->n_rel, sizeof *w->last_rel);
    w->catch_up = s->adam_catch_up;
    w->softmax_shift = p->n_ent > N ? logf((float)p->n_ent / (float)N) : 0.0f;
    w->bw = gr_alloc_floats(B);
    void *bufs[] = { w->anchor, w->rel, w->target, w->head, w->Q, w->Y, w->C, w->S, w->W, w->gQ, w->gY, w->gC,
                     w->spos, w->wpos, w->rowloss, w->mask, w->neg, w->pos_of, w->next, w->slot, w->touched, w->gE,
                     w->gR, w->rel_touched, w->m_ent, w->v_ent, w->m_rel, w->v_rel, w->order, w->tmp,
                     w->last_ent, w->last_rel, w->bw, w->gA, w->gRq, w->reg3, w->slot_of };
    for (size_t k = 0; k < sizeof bufs / sizeof bufs[0]; k++) {
        if (!bufs[k]) {
            work_free(w);
            return GR_ENOMEM;
        }
    }
    memset(w->pos_of, 0xff, p->n_ent * sizeof *w->pos_of);
    memset(w->slot, 0xff, p->n_ent * sizeof *w->slot);
    if (s->subsampling && subsampling_weights(w, kg) != GR_OK) {
        work_free(w);
        return GR_ENOMEM;
    }
    return GR_OK;
}

/* ---- one step ---- */

/* Groups of a batch of B queries: query b uses the negatives of group b / share. */
static size_t groups_of(const kg_work *w, size_t B) { return (B + w->share - 1) / w->share; }

/* Queries [*b0, *b0 + *nb) of group g. */
static void group_range(const kg_work *w, size_t B, size_t g, size_t *b0, size_t *nb)
{
    *b0 = g * w->share;
    *nb = B - *b0 < w->share ? B - *b0 : w->share;
}

/* The batch's queries, their rows, and the shared negatives. */
static void load_batch(kg_work *w, const gr_kg_params *p, const gr_kg *kg, const uint32_t *queries, size_t B,
                       uint64_t seed, const int32_t *neg)
{
    for (size_t b = 0; b < B; b++) {
        uint32_t q = queries[b], tri = q >> 1;
        w->head[b] = (uint8_t)(q & 1);
        w->rel[b] = kg->r[tri];
        w->anchor[b] = w->head[b] ? kg->t[tri] : kg->h[tri];
        w->target[b] = w->head[b] ? kg->h[tri] : kg->t[tri];
        w->bw[b] = w->tri_weight ? w->tri_weight[tri] : 1.0f;
    }
    const size_t GN = groups_of(w, B) * w->N;
    for (size_t n = 0; n < GN && neg == NULL; n++)
        w->neg[n] = (int32_t)gr_below(gr_hash3(seed, STREAM_NEG, (uint64_t)w->step * w->G * w->N + w->neg_offset + n),
                                      (uint32_t)p->n_ent);
    if (neg) memcpy(w->neg, neg, GN * sizeof *neg);
    long nb = (long)B, nn = (long)GN;
    const size_t L = p->L;
#pragma omp parallel num_threads(gr_threads())
    {
#pragma omp for schedule(static) nowait
        for (long b = 0; b < nb; b++) {
            p->kind->query(p, w->anchor[b], w->rel[b], w->head[b], w->Q + (size_t)b * L);
            memcpy(w->Y + (size_t)b * L, p->ent + (size_t)w->target[b] * L, L * sizeof(float));
        }
#pragma omp for schedule(static)
        for (long n = 0; n < nn; n++) memcpy(w->C + (size_t)n * L, p->ent + (size_t)w->neg[n] * L, L * sizeof(float));
    }
}

/* Mask the negatives that are known answers of a query. */
static void mask_group(kg_work *w, const gr_kg *kg, size_t B, size_t g)
{
    const size_t N = w->N;
    const int32_t *neg = w->neg + g * N;
    size_t b0, nb;
    group_range(w, B, g, &b0, &nb);
    for (size_t n = 0; n < N; n++) {
        w->next[n] = w->pos_of[neg[n]];
        w->pos_of[neg[n]] = (int32_t)n;
    }
    for (size_t b = b0; b < b0 + nb; b++) {
        int64_t lo, hi;
        const int32_t *ids = gr_kg_answers(kg, w->anchor[b], w->rel[b], w->head[b], &lo, &hi);
        for (int64_t k = lo; k < hi; k++)
            for (int32_t n = w->pos_of[ids[k]]; n >= 0; n = w->next[n]) w->mask[b * N + (size_t)n] = 1;
    }
    for (size_t n = 0; n < N; n++) w->pos_of[neg[n]] = -1;
}

static void mask_known(kg_work *w, const gr_kg *kg, size_t B)
{
    memset(w->mask, 0, B * w->N);
    for (size_t g = 0; g < groups_of(w, B); g++) mask_group(w, kg, B, g);
}

/* The dot products' scores against each group's negatives as one matrix
 * product per group (kernels/sgemm.h): at the kinds' widths (hundreds of
 * floats a row, a thousand negatives) 1.3 times the rate of the register
 * tiles of gr_kg_score, which serve the distances, and twice theirs for
 * the gradient (benchmarks.md, `distmult_packed`). */
static void score_groups_dot(kg_work *w, const gr_kg_params *p, size_t B)
{
    const size_t N = w->N, L = p->L;
    for (size_t g = 0; g < groups_of(w, B); g++) {
        size_t b0, nb;
        group_range(w, B, g, &b0, &nb);
        gr_sgemm_operand q = { w->Q + b0 * L, L, 0 }, negatives_t = { w->C + g * N * L, L, 1 };
        gr_sgemm_parallel(w->S + b0 * N, N, q, negatives_t, nb, N, L, 0, w->pack, w->tmp_threads);
    }
}

static void score_batch(kg_work *w, const gr_kg_params *p, size_t B, int precision)
{
    const size_t N = w->N, L = p->L;
    const int dot = p->op == GR_KG_DOT;
    long nblocks = (long)((B + QUERY_BLOCK - 1) / QUERY_BLOCK);
#pragma omp parallel for schedule(static) num_threads(gr_threads())
    for (long blk = 0; blk < nblocks; blk++) {
        size_t b0 = (size_t)blk * QUERY_BLOCK, end = B - b0 < QUERY_BLOCK ? B : b0 + QUERY_BLOCK;
        gr_kg_score_rows(p->op, w->spos + b0, w->Q + b0 * L, w->Y + b0 * L, end - b0, L);
        /* a block may straddle groups; each part meets its group's negatives */
        for (size_t b = b0; b < end && !dot;) {
            size_t g = b / w->share, gend = (g + 1) * w->share < end ? (g + 1) * w->share : end;
            gr_kg_score(p->op, precision, w->S + b * N, N, w->Q + b * L, gend - b, w->C + g * N * L, N, L);
            b = gend;
        }
    }
    if (dot) score_groups_dot(w, p, B);
}

static float log_sigmoid(float x) { return x >= 0 ? -log1pf(expf(-x)) : x - log1pf(expf(x)); }
static float sigmoid(float x) { return x >= 0 ? 1.0f / (1.0f + expf(-x)) : expf(x) / (1.0f + expf(x)); }

/* d score / d kernel value, for the chain rule from scores to the kernel. */
static float dscore_dv(const gr_kg_params *p, float v)
{
    if (!p->kind->distance) return 1.0f;
    if (p->op == GR_KG_L2) return v > 1e-20f ? -0.5f / sqrtf(v) : 0.0f;
    return -1.0f;
}

/* How the kind's kernel values become scores (kernels/kg_loss.h). */
static int score_form(const gr_kg_params *p)
{
    if (!p->kind->distance) return GR_KG_FORM_DOT;
    return p->op == GR_KG_L2 ? GR_KG_FORM_SQRT : GR_KG_FORM_DIST;
}

/* Loss of one query and the weights of its cells in W (d loss / d kernel
 * value).  tmp holds 3 N floats. */
static float row_loss(kg_work *w, const gr_kg_params *p, const gr_kg_settings *s, size_t b, float scale, float *tmp)
{
    const size_t N = w->N;
    float *sc = tmp, *ds = tmp + N, *e = tmp + 2 * N;
    const uint8_t *mk = w->mask + b * N;
    float *wr = w->W + b * N;
    gr_kg_row_scores(score_form(p), p->gamma, sc, ds, w->S + b * N, N);
    float sp = gr_kg_score_of(p, w->spos[b]), dsp;
    if (s->loss == GR_KG_LOSS_MARGIN) {
        float loss = gr_kg_margin_row(wr, &dsp, sc, ds, mk, N, (float)s->margin - sp, scale);
        w->wpos[b] = scale * dsp * dscore_dv(p, w->spos[b]);
        return loss;
    }
    if (s->loss == GR_KG_LOSS_SOFTMAX) {
        float loss = gr_kg_softmax_row(wr, &dsp, sc, ds, mk, N, sp, w->softmax_shift, scale);
        w->wpos[b] = scale * dsp * dscore_dv(p, w->spos[b]);
        return loss;
    }
    float loss = gr_kg_adversarial_row(wr, e, sc, ds, mk, N, (float)s->adv_temp, 0.5f * scale);
    w->wpos[b] = -0.5f * scale * sigmoid(-sp) * dscore_dv(p, w->spos[b]);
    return 0.5f * (loss - log_sigmoid(sp));
}

/* The batch's loss: the mean of the queries' losses weighted by bw. */
static double batch_loss(kg_work *w, const gr_kg_params *p, const gr_kg_settings *s, size_t B)
{
    long nb = (long)B;
    double wsum = 0.0;
    for (size_t b = 0; b < B; b++) wsum += w->bw[b];
    if (w->wsum_all > 0) wsum = w->wsum_all; /* a rank's share: the mean is over the whole batch */
    const float inv = (float)(1.0 / wsum);
#pragma omp parallel num_threads(gr_threads_at_most(w->tmp_threads))
    {
        float *tmp = w->tmp + (size_t)omp_get_thread_num() * 3 * w->N;
#pragma omp for schedule(static)
        for (long b = 0; b < nb; b++) w->rowloss[b] = row_loss(w, p, s, (size_t)b, w->bw[b] * inv, tmp);
    }
    double loss = 0.0;
    for (size_t b = 0; b < B; b++) loss += (double)w->bw[b] * w->rowloss[b];
    return loss / wsum;
}

/* Zero the columns [k0, k1) of n rows of length L, and for complex rows
 * (im = L / 2) the matching imaginary columns. */
static void zero_columns(float *x, size_t n, size_t L, size_t k0, size_t k1, size_t im)
{
    for (size_t r = 0; r < n && k1 > k0; r++) {
        memset(x + r * L + k0, 0, (k1 - k0) * sizeof *x);
        if (im) memset(x + r * L + im + k0, 0, (k1 - k0) * sizeof *x);
    }
}

/* Gradients of the query, negative and target rows; each thread owns a
 * range of dimensions, so the sums do not depend on the thread count.  A
 * thread zeroes the columns it accumulates into, so no serial pass clears
 * the buffers first. */
static void backward(kg_work *w, const gr_kg_params *p, size_t B)
{
    const size_t N = w->N, L = p->L, im = p->op == GR_KG_CMOD ? L / 2 : 0, span = im ? im : L;
    const size_t chunks = span / 16;
    const size_t G = groups_of(w, B);
    if (p->op == GR_KG_DOT) {
        /* gQ = W C and gC = W^T Q per group, as matrix products */
        for (size_t g = 0; g < G; g++) {
            size_t b0, nb;
            group_range(w, B, g, &b0, &nb);
            const float *Cg = w->C + g * N * L;
            gr_sgemm_operand wq = { w->W + b0 * N, N, 0 }, wq_t = { w->W + b0 * N, N, 1 };
            gr_sgemm_operand c = { Cg, L, 0 }, q = { w->Q + b0 * L, L, 0 };
            gr_sgemm_parallel(w->gQ + b0 * L, L, wq, c, nb, L, N, 0, w->pack, w->tmp_threads);
            gr_sgemm_parallel(w->gC + g * N * L, L, wq_t, q, N, L, nb, 0, w->pack, w->tmp_threads);
        }
    } else {
#pragma omp parallel num_threads(gr_threads())
        {
            size_t nt = (size_t)omp_get_num_threads(), t = (size_t)omp_get_thread_num();
            size_t c0 = chunks * t / nt, c1 = chunks * (t + 1) / nt;
            zero_columns(w->gQ, B, L, c0 * 16, c1 * 16, im);
            zero_columns(w->gC, G * N, L, c0 * 16, c1 * 16, im);
            for (size_t g = 0; g < G && c1 > c0; g++) {
                size_t b0, nb;
                group_range(w, B, g, &b0, &nb);
                gr_kg_grad(p->op, w->gQ + b0 * L, w->gC + g * N * L, w->W + b0 * N, N, w->Q + b0 * L, nb,
                           w->C + g * N * L, N, L, c0 * 16, c1 * 16);
            }
        }
    }
    long nblocks = (long)((B + QUERY_BLOCK - 1) / QUERY_BLOCK);
#pragma omp parallel for schedule(static) num_threads(gr_threads())
    for (long blk = 0; blk < nblocks; blk++) {
        size_t b0 = (size_t)blk * QUERY_BLOCK, nb = B - b0 < QUERY_BLOCK ? B - b0 : QUERY_BLOCK;
        memset(w->gY + b0 * L, 0, nb * L * sizeof(float));
        gr_kg_grad_rows(p->op, w->gQ + b0 * L, w->gY + b0 * L, w->wpos + b0, w->Q + b0 * L, w->Y + b0 * L, nb, L);
    }
}

/* The compact gradient row of entity e: numbered when first touched. */
static int32_t slot_for(kg_work *w, int32_t e)
{
    int32_t s = w->slot[e];
    if (s < 0) {
        s = (int32_t)w->n_touched++;
        w->slot[e] = s;
        w->touched[s] = e;
    }
    return s;
}

/* The compact gradient row of entity e, zeroed when first touched. */
static float *grad_row(kg_work *w, int32_t e)
{
    size_t before = w->n_touched;
    int32_t s = slot_for(w, e);
    if (w->n_touched > before) memset(w->gE + (size_t)s * w->L, 0, w->L * sizeof(float));
    return w->gE + (size_t)s * w->L;
}

/* dst += src in the columns [j0, j1). */
static void add_columns(float *restrict dst, const float *restrict src, size_t j0, size_t j1)
{
    for (size_t k = j0; k < j1; k++) dst[k] += src[k];
}

/* The N3 penalty (Lacroix et al. 2018) of a row: reg sum |x|^3. */
static double n3_value(const float *x, size_t n, float reg)
{
    double v = 0.0;
    for (size_t k = 0; k < n; k++) {
        float a = fabsf(x[k]);
        v += (double)(a * a * a);
    }
    return reg * v;
}

/* Its gradient in the columns [j0, j1): g += 3 reg |x| x. */
static void add_n3_grad(float *g, const float *x, size_t j0, size_t j1, float reg)
{
    for (size_t k = j0; k < j1; k++) {
        float a = fabsf(x[k]);
        g[k] += 3.0f * reg * a * x[k];
    }
}

/* Thread t's share [*j0, *j1) of n columns, in whole blocks of 16. */
static void column_share(size_t n, size_t t, size_t nt, size_t *j0, size_t *j1)
{
    size_t blocks = n / 16;
    *j0 = 16 * (blocks * t / nt);
    *j1 = t + 1 == nt ? n : 16 * (blocks * (t + 1) / nt);
}

/*
 * Gather the gradients by entity and relation; returns the regularisation
 * part of the loss.  Each value of a gradient row is the sum of the same
 * terms in the same order as a serial pass over the negatives, then each
 * query's target, anchor and penalties, would add them: the rows are
 * numbered first, the queries' anchor and relation gradients are computed
 * in parallel into rows of their own, and the sums are split between the
 * threads by columns.
 */
static double scatter(kg_work *w, const gr_kg_params *p, const gr_kg_settings *s, size_t B)
{
    const size_t L = p->L, LR = p->LR, GN = groups_of(w, B) * w->N;
    /* the batch mean, like the loss: a sum over the batch would scale the
     * penalty with the batch size */
    const float reg = s->reg > 0 ? (float)(s->reg / (double)(w->batch_all ? w->batch_all : B)) : 0.0f;
    w->n_touched = 0;
    size_t k = 0;
    for (size_t n = 0; n < GN; n++) w->slot_of[k++] = slot_for(w, w->neg[n]);
    for (size_t b = 0; b < B; b++) {
        w->slot_of[k++] = slot_for(w, w->target[b]);
        w->slot_of[k++] = slot_for(w, w->anchor[b]);
        if (!w->rel_touched[w->rel[b]]) {
            memset(w->gR + (size_t)w->rel[b] * LR, 0, LR * sizeof(float));
            w->rel_touched[w->rel[b]] = 1;
        }
    }
    const long nb = (long)B;
#pragma omp parallel num_threads(gr_threads())
    {
#pragma omp for schedule(static)
        for (long bl = 0; bl < nb; bl++) {
            size_t b = (size_t)bl;
            float *ga = w->gA + b * L, *grq = w->gRq + b * LR;
            memset(ga, 0, L * sizeof *ga);
            memset(grq, 0, LR * sizeof *grq);
            p->kind->query_grad(p, w->anchor[b], w->rel[b], w->head[b], w->Q + b * L, w->gQ + b * L, ga, grq);
            if (reg > 0) {
                w->reg3[3 * b] = n3_value(p->ent + (size_t)w->anchor[b] * L, L, reg);
                w->reg3[3 * b + 1] = n3_value(p->ent + (size_t)w->target[b] * L, L, reg);
                w->reg3[3 * b + 2] = n3_value(p->rel + (size_t)w->rel[b] * LR, LR, reg);
            }
        }
        size_t nt = (size_t)omp_get_num_threads(), t = (size_t)omp_get_thread_num(), j0, j1, r0, r1;
        column_share(L, t, nt, &j0, &j1);
        column_share(LR, t, nt, &r0, &r1);
        for (size_t r = 0; r < w->n_touched && j1 > j0; r++) memset(w->gE + r * L + j0, 0, (j1 - j0) * sizeof(float));
        size_t q = 0;
        for (size_t n = 0; n < GN; n++) add_columns(w->gE + (size_t)w->slot_of[q++] * L, w->gC + n * L, j0, j1);
        for (size_t b = 0; b < B; b++) {
            float *gt = w->gE + (size_t)w->slot_of[q++] * L, *ga = w->gE + (size_t)w->slot_of[q++] * L;
            float *gr = w->gR + (size_t)w->rel[b] * LR;
            add_columns(gt, w->gY + b * L, j0, j1);
            add_columns(ga, w->gA + b * L, j0, j1);
            add_columns(gr, w->gRq + b * LR, r0, r1);
            if (reg > 0) {
                add_n3_grad(ga, p->ent + (size_t)w->anchor[b] * L, j0, j1, reg);
                add_n3_grad(gt, p->ent + (size_t)w->target[b] * L, j0, j1, reg);
                add_n3_grad(gr, p->rel + (size_t)w->rel[b] * LR, r0, r1, reg);
            }
        }
    }
    double reg_loss = 0.0;
    for (size_t b = 0; b < B && reg > 0; b++) {
        reg_loss += w->reg3[3 * b];
        reg_loss += w->reg3[3 * b + 1];
        reg_loss += w->reg3[3 * b + 2];
    }
    return reg_loss;
}

/*
 * Adam (PyTorch's rule, bias-corrected) on the rows a batch touched.
 * Dense Adam, as in the reference implementations, also moves every
 * untouched row by its decaying momentum; a row touched a few times per
 * epoch gets most of its movement that way.  With `adam_catch_up` those
 * skipped steps are applied in closed form when the row is next touched
 * (gr_adam_catch_up).
 */
static gr_adam_coef adam_at(int64_t t, double lr)
{
    return gr_adam_coef_at(lr, GR_ADAM_BETA1, GR_ADAM_BETA2, GR_ADAM_EPS, t);
}

/* Lazy Adam on the touched rows: the entity rows of this rank's slice
 * ([lo, hi), every row without `shard`) and the relations. */
static void update(kg_work *w, gr_kg_params *p, double lr)
{
    w->step++;
    w->lr = lr;
    const gr_adam_coef a = adam_at(w->step, lr);
    const size_t L = p->L, LR = p->LR, lo = w->lo, hi = w->hi;
    const int catch_up = w->catch_up;
    long nt = (long)w->n_touched;
#pragma omp parallel for schedule(static) num_threads(gr_threads())
    for (long k = 0; k < nt; k++) {
        size_t e = (size_t)w->touched[k];
        if (e < lo || e >= hi) continue;
        size_t o = e - lo;
        float *x = p->ent + e * L, *m = w->m_ent + o * L, *v = w->v_ent + o * L;
        if (catch_up) gr_adam_catch_up(x, m, v, L, &a, w->step - w->last_ent[o] - 1);
        gr_adam_update(x, w->gE + (size_t)k * L, m, v, L, &a);
        w->last_ent[o] = w->step;
    }
    for (size_t r = 0; r < p->n_rel; r++) {
        if (!w->rel_touched[r]) continue;
        float *x = p->rel + r * LR, *m = w->m_rel + r * LR, *v = w->v_rel + r * LR;
        if (catch_up) gr_adam_catch_up(x, m, v, LR, &a, w->step - w->last_rel[r] - 1);
        gr_adam_update(x, w->gR + r * LR, m, v, LR, &a);
        w->last_rel[r] = w->step;
        w->rel_touched[r] = 0;
    }
    for (size_t k = 0; k < w->n_touched; k++) w->slot[w->touched[k]] = -1;
    gr_kg_params_refresh(p);
}

/* Bring every row up to the current step (before validating or
 * finishing); with `shard` each rank its slice, then the slices are
 * copied to every rank.  Collective then. */
static int catch_up_all(kg_work *w, gr_kg_params *p)
{
    if (!w->catch_up || w->step == 0) return GR_OK;
    const gr_adam_coef a = adam_at(w->step, w->lr);
    const size_t L = p->L, LR = p->LR, lo = w->lo;
    long own = (long)(w->hi - w->lo);
#pragma omp parallel for schedule(static) num_threads(gr_threads())
    for (long o = 0; o < own; o++) {
        gr_adam_catch_up(p->ent + (lo + (size_t)o) * L, w->m_ent + (size_t)o * L, w->v_ent + (size_t)o * L, L, &a,
                         w->step - w->last_ent[o]);
        w->last_ent[o] = w->step;
    }
    for (size_t r = 0; r < p->n_rel; r++) {
        gr_adam_catch_up(p->rel + r * LR, w->m_rel + r * LR, w->v_rel + r * LR, LR, &a, w->step - w->last_rel[r]);
        w->last_rel[r] = w->step;
    }
    gr_kg_params_refresh(p);
    return w->sharded ? gr_dist_allgather_rows(w->dist, p->ent, p->n_ent, L) : GR_OK;
}

/* Loss and gradients of one batch; the gradients are left in the compact rows. */
static double forward_backward(kg_work *w, const gr_kg_params *p, const gr_kg_settings *s, const gr_kg *kg,
                               const uint32_t *queries, size_t B, const int32_t *neg)
{
    load_batch(w, p, kg, queries, B, s->seed, neg);
    if (s->sampling == GR_KG_SAMPLE_FILTERED) mask_known(w, kg, B);
    else memset(w->mask, 0, B * w->N);
    score_batch(w, p, B, s->precision);
    double loss = batch_loss(w, p, s, B);
    backward(w, p, B);
    return loss + scatter(w, p, s, B);
}

static double train_step(kg_work *w, gr_kg_params *p, const gr_kg_settings *s, const gr_kg *kg, const uint32_t *queries,
                         size_t B, double lr)
{
    double loss = forward_backward(w, p, s, kg, queries, B, NULL);
    update(w, p, lr);
    return loss;
}

double gr_kg_loss_grad(float *g_ent, float *g_rel, gr_kg_params *p, const gr_kg_settings *s, const gr_kg *kg,
                       const uint32_t *queries, size_t B, const int32_t *neg)
{
    gr_kg_params_refresh(p);
    gr_kg_settings local = *s;
    local.batch = B;
    kg_work w;
    local.shard = 0;
    if (work_init(&w, p, &local, 1, kg, NULL) != GR_OK) return NAN;
    double loss = forward_backward(&w, p, &local, kg, queries, B, neg);
    memset(g_ent, 0, p->n_ent * p->L * sizeof *g_ent);
    for (size_t k = 0; k < w.n_touched; k++)
        memcpy(g_ent + (size_t)w.touched[k] * p->L, w.gE + k * p->L, p->L * sizeof *g_ent);
    memset(g_rel, 0, p->n_rel * p->LR * sizeof *g_rel);
    for (size_t r = 0; r < p->n_rel; r++)
        if (w.rel_touched[r]) memcpy(g_rel + r * p->LR, w.gR + r * p->LR, p->LR * sizeof *g_rel);
    work_free(&w);
    return loss;
}

/* ---- data parallel (lib/dist) ---- */

/*
 * The queries [*q0, *q1) of a batch of B that this rank takes, and the
 * index of its first negative: with one set of negatives for the batch
 * every rank draws that set and takes a share of the queries; with groups
 * (neg_share) each rank takes whole groups, with their negatives.
 */
static void dist_share(kg_work *w, size_t B, size_t *q0, size_t *q1)
{
    const struct gr_dist *d = w->dist;
    size_t G = groups_of(w, B);
    if (G == 1) {
        gr_dist_share(B, d->rank, d->size, q0, q1);
        w->neg_offset = 0;
        return;
    }
    size_t g0, g1;
    gr_dist_share(G, d->rank, d->size, &g0, &g1);
    *q0 = g0 * w->share;
    *q1 = g1 * w->share < B ? g1 * w->share : B;
    w->neg_offset = g0 * w->N;
}

/* Replace the compact rows with the sum of every rank's, added in rank
 * order, so that every rank has the same touched rows in the same order. */
static int dist_sum_rows(kg_work *w, const gr_kg_params *p)
{
    int32_t *ids, *rel_ids = gr_alloc(p->n_rel, sizeof *rel_ids);
    float *vals, *rel_vals = gr_alloc_floats(p->n_rel * p->LR + 1);
    size_t total, n_rel = 0;
    /* agreed: a rank without them would not enter the exchanges */
    int rc = gr_dist_agree(w->dist, rel_ids && rel_vals ? GR_OK : GR_ENOMEM);
    if (rc != GR_OK) {
        free(rel_ids);
        free(rel_vals);
        return rc;
    }
    for (size_t r = 0; r < p->n_rel; r++) {
        if (!w->rel_touched[r]) continue;
        memcpy(rel_vals + n_rel * p->LR, w->gR + r * p->LR, p->LR * sizeof *rel_vals);
        rel_ids[n_rel++] = (int32_t)r;
        w->rel_touched[r] = 0;
    }
    rc = gr_dist_gather_rows(w->dist, w->touched, w->gE, w->n_touched, w->L, &ids, &vals, &total);
    for (size_t k = 0; k < w->n_touched; k++) w->slot[w->touched[k]] = -1;
    w->n_touched = 0;
    for (size_t k = 0; rc == GR_OK && k < total; k++) add_columns(grad_row(w, ids[k]), vals + k * w->L, 0, w->L);
    if (rc == GR_OK) {
        free(ids);
        free(vals);
        rc = gr_dist_gather_rows(w->dist, rel_ids, rel_vals, n_rel, p->LR, &ids, &vals, &total);
    }
    for (size_t k = 0; rc == GR_OK && k < total; k++) {
        float *gr = w->gR + (size_t)ids[k] * p->LR;
        if (!w->rel_touched[ids[k]]) memset(gr, 0, p->LR * sizeof *gr);
        w->rel_touched[ids[k]] = 1;
        add_columns(gr, vals + k * p->LR, 0, p->LR);
    }
    if (rc == GR_OK) {
        free(ids);
        free(vals);
    }
    free(rel_ids);
    free(rel_vals);
    return rc;
}

/* With `shard`, each owner has moved the touched rows of its slice: they
 * go to every rank (the touched rows and their order are every rank's, so
 * each rank sends its own of them, compacted into the gradient rows, which
 * the step no longer needs). */
static int share_updated_rows(kg_work *w, gr_kg_params *p)
{
    const size_t L = p->L;
    size_t k = 0;
    for (size_t j = 0; j < w->n_touched; j++) {
        size_t e = (size_t)w->touched[j];
        if (e < w->lo || e >= w->hi) continue;
        w->touched[k] = (int32_t)e;
        memcpy(w->gE + k * L, p->ent + e * L, L * sizeof *w->gE);
        k++;
    }
    int32_t *ids;
    float *vals;
    size_t total;
    int rc = gr_dist_gather_rows(w->dist, w->touched, w->gE, k, L, &ids, &vals, &total);
    w->n_touched = 0;
    if (rc != GR_OK) return rc;
    for (size_t j = 0; j < total; j++) memcpy(p->ent + (size_t)ids[j] * L, vals + j * L, L * sizeof *vals);
    free(ids);
    free(vals);
    return GR_OK;
}

/* One step with this rank's share of the batch; the summed gradient makes
 * every rank take the same lazy Adam step. */
static double dist_train_step(kg_work *w, gr_kg_params *p, const gr_kg_settings *s, const gr_kg *kg,
                              const uint32_t *queries, size_t B, double lr, int *rc)
{
    size_t q0, q1;
    dist_share(w, B, &q0, &q1);
    w->batch_all = B;
    w->wsum_all = 0.0;
    for (size_t b = 0; b < B; b++) w->wsum_all += w->tri_weight ? w->tri_weight[queries[b] >> 1] : 1.0;
    double loss = 0.0;
    if (q1 > q0) loss = forward_backward(w, p, s, kg, queries + q0, q1 - q0, NULL);
    else w->n_touched = 0;
    w->batch_all = 0;
    w->wsum_all = 0.0;
    w->neg_offset = 0;
    *rc = dist_sum_rows(w, p);
    if (*rc == GR_OK) *rc = gr_dist_allreduce_sum(w->dist, &loss, 1);
    if (*rc == GR_OK) update(w, p, lr);
    if (*rc == GR_OK && w->sharded) *rc = share_updated_rows(w, p);
    return loss;
}

/* ---- the epoch loop ---- */

static double lr_at(const gr_kg_settings *s, int epoch, double progress)
{
    double frac = ((double)(epoch - 1) + progress) / (double)s->epochs;
    switch (s->schedule) {
    case GR_KG_LR_STEP: return frac < 0.5 ? s->lr : s->lr * 0.1;
    case GR_KG_LR_COSINE: return gr_lr_cosine(s->lr, 0.0, frac);
    default: return s->lr;
    }
}

static void shuffle(uint32_t *order, size_t n, uint64_t seed, int epoch)
{
    for (size_t k = 0; k < n; k++) order[k] = (uint32_t)k;
    gr_rng r = gr_rng_make(seed, STREAM_SHUFFLE + ((uint64_t)epoch << 8));
    for (size_t k = n; k > 1; k--) {
        size_t j = gr_rng_below(&r, (uint32_t)k);
        uint32_t t = order[k - 1];
        order[k - 1] = order[j];
        order[j] = t;
    }
}

/* The best validated parameters so far: a copy of p, or with `shard`
 * the entity rows of this rank's slice (hi - lo rows) and every relation. */
static int keep_best(const kg_work *w, gr_kg_params *best, const gr_kg_params *p)
{
    if (!w->sharded) return gr_kg_params_copy(best, p);
    const size_t own = w->hi - w->lo;
    if (!best->ent) GR_TRY(gr_kg_params_init(best, p->kind, p->dim, own, p->n_rel, p->gamma));
    gr_kg_params_copy_rows(best, 0, p, w->lo, own);
    return GR_OK;
}

static int run_epochs(gr_kg_params *p, gr_trainer *t, const gr_kg_settings *s, const gr_kg *kg, kg_work *w,
                      gr_kg_validate_fn validate, void *ctx, gr_kg_params *best)
{
    const size_t nq = 2 * kg->n;
    gr_fit_loop L;
    gr_fit_loop_begin(&L, t);
    /* the checkpoint's view of the state: parameters, best, lazy Adam */
    gr_kg_ckpt ck = { .on = s->checkpoint, .kg = kg, .valid = s->ckpt_valid, .p = p, .best = best,
                      .m_ent = w->m_ent, .v_ent = w->v_ent, .m_rel = w->m_rel, .v_rel = w->v_rel,
                      .last_ent = w->last_ent, .last_rel = w->last_rel, .step = &w->step, .lr = &w->lr,
                      .sharded = w->sharded, .lo = w->lo, .hi = w->hi };
    int epoch0 = 0, done = 0;
    int rc = gr_kg_ckpt_resume(&ck, &L, &epoch0, &done);
    for (int epoch = epoch0 + 1; rc == GR_OK && !done; epoch++) {
        shuffle(w->order, nq, s->seed, epoch);
        double loss = 0.0;
        size_t steps = 0;
        for (size_t start = 0; start < nq; start += w->B) {
            size_t B = nq - start < w->B ? nq - start : w->B;
            double lr = lr_at(s, epoch, (double)start / (double)nq);
            loss += w->dist ? dist_train_step(w, p, s, kg, w->order + start, B, lr, &rc)
                            : train_step(w, p, s, kg, w->order + start, B, lr);
            steps++;
            if (rc != GR_OK) break;
        }
        if (rc != GR_OK) break;
        int every = (int)gr_opt(t, GR_OPT_EVAL_EVERY);
        int due = validate && (epoch % every == 0 || epoch == s->epochs);
        if ((due || epoch >= s->epochs) && (rc = catch_up_all(w, p)) != GR_OK) break;
        double metric = due ? validate(ctx, p, &rc) : NAN;
        if (rc != GR_OK) break;
        int improved;
        int stop = gr_fit_loop_epoch(&L, epoch, loss / (double)steps, metric, &improved);
        /* the shared loop knows only graph validation: keep the best validated epoch */
        if (validate) t->stat_best_epoch = L.best_epoch;
        if (improved && best && (rc = keep_best(w, best, p)) != GR_OK) break;
        if ((rc = gr_kg_ckpt_epoch(&ck, &L, epoch, stop)) != GR_OK || stop) break;
    }
    if (rc == GR_OK) rc = catch_up_all(w, p);
    return rc;
}

/* The parameters the fit ends with: the best validated ones when there
 * are any.  With `shard` the best entity rows are each rank's slice: they
 * go into p's rows, and the slices to every rank.  Collective then. */
static int take_best(const kg_work *w, gr_kg_params *p, gr_kg_params *best)
{
    if (!best->ent) return GR_OK;
    if (!w->sharded) {
        gr_kg_params_free(p);
        *p = *best;
        memset(best, 0, sizeof *best);
        return GR_OK;
    }
    gr_kg_params_copy_rows(p, w->lo, best, 0, w->hi - w->lo);
    gr_kg_params_free(best);
    return gr_dist_allgather_rows(w->dist, p->ent, p->n_ent, p->L);
}

int gr_kg_train(gr_kg_params *p, gr_trainer *t, const gr_kg_settings *s, const gr_kg *kg, gr_kg_validate_fn validate,
                void *ctx)
{
    if (2 * kg->n > UINT32_MAX) return gr_err(GR_ERANGE, "%zu triples: at most %u supported", kg->n, UINT32_MAX / 2);
    const gr_kg_kind *k = gr_kg_kind_of(s->kind, s->norm);
    size_t n_rel = kg->vocab->rel.n ? kg->vocab->rel.n : 1;
    /* with a communicator: the same triples and settings on every rank, and
     * a rank that cannot start stops them all (lib/dist) */
    int rc = gr_dist_check_kg(t, kg->h, kg->r, kg->t, kg->n);
    kg_work w;
    memset(&w, 0, sizeof w);
    if (rc == GR_OK) rc = gr_kg_params_init(p, k, s->dim, kg->n_ent, n_rel, (float)s->gamma);
    gr_kg_settings local = *s;
    if (local.batch > 2 * kg->n) local.batch = 2 * kg->n;
    gr_dist *dist = gr_dist_of(t);
    if (rc == GR_OK && s->warm && (s->warm->n_ent != p->n_ent || s->warm->n_rel != p->n_rel || s->warm->L != p->L))
        rc = gr_err(GR_EINVAL, "warm start of %zu entities and %zu relations for a graph of %zu and %zu",
                    s->warm->n_ent, s->warm->n_rel, p->n_ent, p->n_rel);
    if (rc == GR_OK) {
        if (s->warm) warm_start(p, s->warm);
        else gr_kg_init_params(p, s);
        rc = work_init(&w, p, &local, 2 * kg->n, kg, dist);
    }
    w.dist = dist;
    rc = gr_dist_agree(dist, rc);
    /* what this rank held (tests, docs/distributed.md) */
    t->shard_rows = w.hi - w.lo;
    t->shard_adam_floats = 2 * ((w.hi - w.lo) * p->L + p->n_rel * p->LR);
    gr_kg_params best;
    memset(&best, 0, sizeof best);
    if (rc == GR_OK) rc = run_epochs(p, t, &local, kg, &w, validate, ctx, validate ? &best : NULL);
    if (rc == GR_OK) rc = take_best(&w, p, &best);
    work_free(&w);
    gr_kg_params_free(&best);
    /* every rank must end with the same parameters */
    if (rc == GR_OK) rc = gr_dist_same_params(dist, p->ent, p->n_ent * p->L);
    if (rc != GR_OK) gr_kg_params_free(p);
    return rc;
}

void gr_kg_record_info(gr_model *m, const gr_trainer *t, const gr_kg_settings *s)
{
    gr_model_set_info(m, "dim", (double)s->dim);
    gr_model_set_info(m, "batch", (double)s->batch);
    gr_model_set_info(m, "negatives", (double)s->negatives);
    gr_model_set_info(m, "lr", s->lr);
    gr_model_set_info(m, "reg", s->reg);
    gr_model_set_info(m, "gamma", s->gamma);
    gr_model_set_info(m, "adv_temp", s->adv_temp);
    gr_model_set_info(m, "loss", s->loss);
    gr_model_set_info(m, "sampling", s->sampling);
    gr_model_set_info(m, "seed", (double)s->seed);
    if (s->kind == GR_MODEL_TRANSE) gr_model_set_info(m, "norm", s->norm);
    gr_model_set_info(m, "epochs", t->stat_epochs);
    gr_model_set_info(m, "best_epoch", t->stat_best_epoch);
}
