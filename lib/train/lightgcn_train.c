/*
 * LightGCN training as published (He et al., SIGIR 2020): per mini-batch a
 * full propagation of the layer-0 embeddings, the BPR loss of the batch's
 * (user, positive, negative) triples on the propagated embeddings, L2 on
 * the batch's layer-0 embeddings, back-propagation through the same
 * propagation (A is symmetric, so the backward pass is A applied to the
 * gradient), and a dense Adam step.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/rng.h"
#include "core/threads.h"
#include "dist/dist_train.h"
#include "graph/norm_adj.h"
#include "kernels/cpu.h"
#include "kernels/dense.h"
#include "kernels/parallel.h"
#include "models/lightgcn.h"
#include "train/adam.h"
#include "train/bpr_sampler.h"
#include "train/checkpoint.h"
#include "train/lightgcn_train.h"
#include "train/search.h"
#include "train/trainer.h"

void gr_lgcn_settings(gr_lgcn_settings_t *s, const gr_trainer *t, const gr_graph *g)
{
    s->d = (size_t)gr_opt(t, GR_OPT_DIM);
    s->layers = (int)gr_opt(t, GR_OPT_LAYERS);
    s->batch = (size_t)gr_opt(t, GR_OPT_BATCH);
    s->negatives = (int)gr_opt(t, GR_OPT_NEGATIVES);
    s->lr = gr_opt(t, GR_OPT_LR);
    s->reg = gr_opt(t, GR_OPT_REG);
    s->seed = (uint64_t)gr_opt(t, GR_OPT_SEED);
    s->init_std = gr_opt(t, GR_OPT_INIT_STD);
    s->checkpoint = 0;
    s->halo = 0;
    s->n_users = g->n_users;
    s->n = g->n_users + g->n_items;
    if (s->batch > g->n_edges) s->batch = g->n_edges;
}

float *gr_lgcn_init_embeddings(const gr_lgcn_settings_t *s) { return gr_lgcn_init_rows(s, 0, s->n); }

float *gr_lgcn_init_rows(const gr_lgcn_settings_t *s, size_t lo, size_t hi)
{
    /* the rows outside [lo, hi) are the caller's to fill (a gather):
     * their pages are not touched here */
    float *e0 = gr_alloc_floats_unset(s->n * s->d);
    if (!e0) return NULL;
    /* value k takes draws 2k and 2k + 1 of the stream (gr_rng_normal) */
    gr_rng r = gr_rng_make(s->seed, 0x1417);
    r.counter = 2 * lo * s->d;
    for (size_t k = lo * s->d; k < hi * s->d; k++) e0[k] = (float)(s->init_std * gr_rng_normal(&r));
    return e0;
}

int gr_lgcn_work_init(gr_lgcn_work *w, const gr_lgcn_settings_t *s, const gr_graph *g)
{
    memset(w, 0, sizeof *w);
    size_t nd = s->n * s->d, nb = s->batch * (size_t)s->negatives;
    w->final = gr_alloc_floats(nd);
    w->layer = gr_alloc_floats_unset(nd);
    w->side = gr_alloc_floats_unset(gr_lightgcn_side_rows(g->n_users, g->n_items, s->layers - 1) * s->d + 1);
    w->grad = gr_alloc_floats(nd);
    w->u = gr_alloc(s->batch, sizeof *w->u);
    w->pos = gr_alloc(s->batch, sizeof *w->pos);
    w->neg = gr_alloc(nb, sizeof *w->neg);
    w->coef = gr_alloc(nb, sizeof *w->coef);
    w->loss = gr_alloc(nb, sizeof *w->loss);
    w->gsum = w->final;
    if (!w->final || !w->layer || !w->side || !w->grad || !w->u || !w->pos || !w->neg || !w->coef || !w->loss) {
        gr_lgcn_work_free(w);
        return GR_ENOMEM;
    }
    int rc = gr_norm_adj(&w->adj, g, (size_t)gr_threads_limit() * 16);
    if (rc != GR_OK) gr_lgcn_work_free(w);
    return rc;
}

void gr_lgcn_work_free(gr_lgcn_work *w)
{
    gr_spmat_free(&w->adj);
    free(w->final);
    free(w->layer);
    free(w->side);
    free(w->grad);
    free(w->u);
    free(w->pos);
    free(w->neg);
    free(w->coef);
    free(w->loss);
    memset(w, 0, sizeof *w);
}

/*
 * BPR on the propagated embeddings: for each pair, x = s(u,i) - s(u,j) and
 * loss = softplus(-x); coef = dloss/dx / pairs.  Parallel, with the
 * gradient scattered afterwards in pair order so that sums are the same for
 * any thread count.
 */
static double bpr_scores(const gr_lgcn_settings_t *s, gr_lgcn_work *w, size_t count)
{
    const size_t d = s->d, nu = s->n_users;
    const int nneg = s->negatives;
    const long pairs = (long)(count * (size_t)nneg);
    const float inv = 1.0f / (float)pairs;
#pragma omp parallel for schedule(static) if (gr_parallel_worth((size_t)pairs * 2 * d)) num_threads(gr_threads())
    for (long p = 0; p < pairs; p++) {
        size_t k = (size_t)p / (size_t)nneg;
        int32_t j = w->neg[p];
        if (j < 0) {
            w->coef[p] = 0.0f;
            w->loss[p] = 0.0f;
            continue;
        }
        const float *eu = w->final + (size_t)w->u[k] * d;
        const float *ei = w->final + (nu + (size_t)w->pos[k]) * d;
        const float *ej = w->final + (nu + (size_t)j) * d;
        float x = gr_dot(eu, ei, d) - gr_dot(eu, ej, d);
        /* softplus(-x) and its derivative -sigmoid(-x), stable for large |x| */
        w->loss[p] = x > 0 ? log1pf(expf(-x)) : -x + log1pf(expf(x));
        w->coef[p] = -inv / (1.0f + expf(x));
    }
    double loss = 0.0;
    for (long p = 0; p < pairs; p++) loss += w->loss[p];
    return loss / (double)pairs;
}

static void axpy(float *y, float a, const float *x, size_t d)
{
    for (size_t k = 0; k < d; k++) y[k] += a * x[k];
}

/* Gradient of the batch loss with respect to the propagated embeddings. */
static void bpr_scatter(const gr_lgcn_settings_t *s, gr_lgcn_work *w, size_t count)
{
    const size_t d = s->d, nu = s->n_users;
    for (size_t k = 0; k < count; k++) {
        size_t ru = (size_t)w->u[k] * d, ri = (nu + (size_t)w->pos[k]) * d;
        for (int q = 0; q < s->negatives; q++) {
            size_t p = k * (size_t)s->negatives + (size_t)q;
            if (w->neg[p] < 0) continue;
            size_t rj = (nu + (size_t)w->neg[p]) * d;
            float c = w->coef[p];
            axpy(w->grad + ru, c, w->final + ri, d);
            axpy(w->grad + ru, -c, w->final + rj, d);
            axpy(w->grad + ri, c, w->final + ru, d);
            axpy(w->grad + rj, -c, w->final + ru, d);
        }
    }
}

/* L2 on the batch's layer-0 rows: reg/2 * |e|^2 per occurrence, / batch. */
static double l2_batch(const gr_lgcn_settings_t *s, gr_lgcn_work *w, const float *e0, size_t count)
{
    const size_t d = s->d, nu = s->n_users;
    const float c = (float)(s->reg / (double)count);
    double sq = 0.0;
    for (size_t k = 0; k < count; k++) {
        size_t rows[2] = { (size_t)w->u[k] * d, (nu + (size_t)w->pos[k]) * d };
        for (int r = 0; r < 2; r++) {
            sq += gr_dot(e0 + rows[r], e0 + rows[r], d);
            axpy(w->gsum + rows[r], c, e0 + rows[r], d);
        }
        for (int q = 0; q < s->negatives; q++) {
            int32_t j = w->neg[k * (size_t)s->negatives + (size_t)q];
            if (j < 0) continue;
            size_t rj = (nu + (size_t)j) * d;
            sq += gr_dot(e0 + rj, e0 + rj, d);
            axpy(w->gsum + rj, c, e0 + rj, d);
        }
    }
    return 0.5 * s->reg * sq / (double)count;
}

static void propagate(const gr_lgcn_settings_t *s, gr_lgcn_work *w, const float *x, float *out)
{
    gr_lightgcn_propagate(&w->adj, s->n_users, x, out, out + s->n_users * s->d, w->layer, w->side, s->d, s->layers,
                          NULL);
}

double gr_lgcn_loss_grad(const gr_lgcn_settings_t *s, gr_lgcn_work *w, const float *e0, size_t count)
{
    size_t nd = s->n * s->d;
    propagate(s, w, e0, w->final);
    double loss = bpr_scores(s, w, count);
    memset(w->grad, 0, nd * sizeof *w->grad);
    bpr_scatter(s, w, count);
    /* d loss / d e0 = P^T grad with P = mean of A^k, and A symmetric */
    propagate(s, w, w->grad, w->gsum);
    loss += l2_batch(s, w, e0, count);
    return loss;
}

double gr_lgcn_step(const gr_lgcn_settings_t *s, gr_lgcn_work *w, float *e0, gr_adam *adam, size_t count)
{
    double loss = gr_lgcn_loss_grad(s, w, e0, count);
    gr_adam_step(adam, e0, w->gsum);
    return loss;
}

/* The propagated embeddings of e0, for validation. */
static double validate(const gr_trainer *t, const gr_graph *g, const gr_lgcn_settings_t *s, gr_lgcn_work *w,
                       const float *e0, int *rc)
{
    propagate(s, w, e0, w->final);
    return gr_validate_vectors(t, g, w->final, w->final + s->n_users * s->d, NULL, s->d, rc);
}

/* The paper schedule's state under `shard` 1: the rows [lo, hi) this rank
 * owns (gr_dist_rows; every row otherwise), where the summed gradient of
 * those rows goes (the work's gradient buffer, free once a step's
 * gradient is propagated), and their best validated values. */
typedef struct paper_rows {
    size_t lo, hi;
    float *g_own, *best_own;
} paper_rows;

static int paper_rows_init(paper_rows *R, gr_trainer *t, const gr_lgcn_settings_t *s, gr_lgcn_work *w, int best)
{
    memset(R, 0, sizeof *R);
    R->hi = s->n;
    gr_dist *dist = gr_dist_of(t);
    if (!dist || gr_opt_named(t, "shard") != 1) return GR_OK;
    gr_dist_rows(dist, s->n, &R->lo, &R->hi);
    R->g_own = w->grad;
    if (best) R->best_own = gr_alloc_floats((R->hi - R->lo) * s->d + 1);
    return !best || R->best_own ? GR_OK : GR_ENOMEM;
}

static int fit_paper(float *e0, float *best, gr_trainer *t, const gr_graph *g, const gr_lgcn_settings_t *s)
{
    gr_lgcn_work w;
    gr_adam adam;
    gr_bpr_sampler smp;
    paper_rows R;
    memset(&adam, 0, sizeof adam);
    memset(&smp, 0, sizeof smp);
    memset(&R, 0, sizeof R);
    int rc = gr_lgcn_work_init(&w, s, g);
    if (rc == GR_OK) rc = paper_rows_init(&R, t, s, &w, best != NULL);
    if (rc == GR_OK) rc = gr_adam_init(&adam, (R.hi - R.lo) * s->d, s->lr);
    if (rc == GR_OK) rc = gr_bpr_sampler_init(&smp, g, s->seed, (int)gr_opt(t, GR_OPT_SAMPLING));
    /* with a communicator, a rank that could not start stops them all */
    gr_dist *dist = gr_dist_of(t);
    rc = gr_dist_agree(dist, rc);
    if (rc != GR_OK) {
        gr_lgcn_work_free(&w);
        gr_adam_free(&adam);
        gr_bpr_sampler_free(&smp);
        free(R.best_own);
        return rc;
    }
    t->shard_rows = R.hi - R.lo;
    t->shard_adam_floats = 2 * adam.n;
    gr_fit_loop L;
    gr_fit_loop_begin(&L, t);
    /* the adam moments are of rows [lo, hi): whole on every rank, or with
     * `shard` 1 the rank's rows, which the checkpoint gathers (and the best
     * rows with them) */
    gr_ckpt ck = { s->checkpoint, g, e0, R.best_own ? R.best_own : best, s->n, s->d, &adam, R.lo, R.hi,
                   smp.order, g->n_edges, R.best_own != NULL, 0 };
    int epoch0 = 0, done = 0;
    rc = gr_ckpt_resume(&ck, &L, &epoch0, &done);
    const size_t own = (R.hi - R.lo) * s->d;
    for (int epoch = epoch0 + 1; rc == GR_OK && !done; epoch++) {
        gr_bpr_sampler_epoch(&smp, epoch);
        double loss = 0.0;
        size_t nbatches = 0;
        for (size_t start = 0; start < g->n_edges; start += s->batch) {
            size_t count = g->n_edges - start < s->batch ? g->n_edges - start : s->batch;
            if (dist) {
                /* each rank takes a share of the batch (lib/dist/dist_lightgcn.c) */
                loss += gr_dist_lgcn_step(dist, s, &w, e0, &adam, &smp, start, count, R.g_own, &rc);
            } else {
                gr_bpr_sampler_batch(&smp, start, count, s->negatives, w.u, w.pos, w.neg);
                loss += gr_lgcn_step(s, &w, e0, &adam, count);
            }
            nbatches++;
            if (rc != GR_OK) break;
        }
        if (rc != GR_OK) break;
        double metric = gr_fit_loop_validate_now(&L, epoch) ? validate(t, g, s, &w, e0, &rc) : NAN;
        if (rc != GR_OK) break;
        int improved;
        int stop = gr_fit_loop_epoch(&L, epoch, loss / (double)nbatches, metric, &improved);
        if (improved && R.best_own) memcpy(R.best_own, e0 + R.lo * s->d, own * sizeof *e0);
        else if (improved) memcpy(best, e0, s->n * s->d * sizeof *best);
        if ((rc = gr_ckpt_epoch(&ck, &L, epoch, stop)) != GR_OK || stop) break;
    }
    gr_bpr_sampler_free(&smp);
    gr_adam_free(&adam);
    gr_lgcn_work_free(&w);
    /* the ranks' rows of the best parameters, into every rank's whole copy
     * (once the work's tables are freed: the copy is the fit's last table) */
    if (rc == GR_OK && R.best_own && t->stat_best_epoch > 0) {
        rc = gr_dist_collect_rows(dist, best, R.best_own, s->n, s->d);
    }
    free(R.best_own);
    return rc;
}

/*
 * Settings whose default depends on the schedule.  The kinds' option
 * tables give them the default NaN ("the schedule's own value", which no
 * caller can set); a fit resolves them here and restores NaN afterwards,
 * so a trainer can be reused with the other mode.
 */
static const struct {
    int key;
    double paper, fast, sampled, mf_fast, mf_sampled; /* mf_*: MF's fast and sampled schedules */
} schedule_defaults[] = {
    { GR_OPT_EPOCHS, 200, GR_LGCN_FAST_STEPS, GR_LGCN_SAMPLED_STEPS, GR_LGCN_FAST_STEPS, GR_MF_SAMPLED_STEPS },
    { GR_OPT_LR, 1e-3, GR_LGCN_FAST_LR, GR_LGCN_SAMPLED_LR, GR_MF_FAST_LR, GR_LGCN_SAMPLED_LR },
    { GR_OPT_REG, 1e-4, GR_LGCN_FAST_REG, GR_LGCN_SAMPLED_REG, GR_MF_FAST_REG, GR_LGCN_SAMPLED_REG },
    { GR_OPT_EVAL_EVERY, 1, GR_LGCN_FAST_EVAL_EVERY, GR_LGCN_SAMPLED_EVAL_EVERY, GR_LGCN_FAST_EVAL_EVERY,
      GR_MF_SAMPLED_EVAL_EVERY },
    { GR_OPT_NEGATIVES, 1, 1, GR_LGCN_SAMPLED_NEGATIVES, 1, GR_MF_SAMPLED_NEGATIVES },
};

#define N_SCHEDULE_DEFAULTS (sizeof schedule_defaults / sizeof schedule_defaults[0])

static int spec_index(const gr_trainer *t, int key)
{
    for (size_t k = 0; k < t->n_opts; k++)
        if (t->spec[k].key == key) return (int)k;
    return -1;
}

/* The graph's layer-0 rows per training interaction, the measure of
 * sparsity the data-sized defaults follow. */
static double rows_per_interaction(const gr_graph *g)
{
    return g->n_edges ? (double)(g->n_users + g->n_items) / (double)g->n_edges : 0;
}

/* v to three significant digits where above floor, floor otherwise. */
static double at_least(double v, double floor) { return v > floor ? gr_search_round(v) : floor; }

double gr_lgcn_fast_reg(int kind, const gr_graph *g)
{
    double rows = rows_per_interaction(g);
    if (kind == GR_MODEL_MF) return at_least(GR_MF_FAST_REG_SQRT * sqrt(rows), GR_MF_FAST_REG);
    return at_least(GR_LGCN_FAST_REG_PER_ROW * rows, GR_LGCN_FAST_REG);
}

double gr_lgcn_sampled_temperature(int kind, const gr_graph *g)
{
    if (kind == GR_MODEL_MF) return GR_MF_SAMPLED_TEMPERATURE;
    return at_least(GR_LGCN_SAMPLED_TEMPERATURE_SQRT * sqrt(rows_per_interaction(g)), GR_LGCN_SAMPLED_TEMPERATURE);
}

/* The value of the data-sized setting `name` of kind's schedule `mode` for
 * g; NaN where it is not sized to the data. */
static double sized_default(int kind, int mode, const char *name, const gr_graph *g)
{
    if (mode == GR_MODE_FAST && strcmp(name, "reg") == 0) return gr_lgcn_fast_reg(kind, g);
    if (mode == GR_MODE_SAMPLED && strcmp(name, "temperature") == 0) return gr_lgcn_sampled_temperature(kind, g);
    return NAN;
}

static const char *const sized_names[] = { "reg", "temperature" };
#define N_SIZED (sizeof sized_names / sizeof sized_names[0])

void gr_lgcn_size_defaults(gr_trainer *t, const gr_graph *g)
{
    int mode = gr_lgcn_mode(t, g);
    for (size_t k = 0; k < N_SIZED; k++) {
        int i = gr_opt_index(t, sized_names[k]);
        double v = sized_default(t->kind, mode, sized_names[k], g);
        if (i >= 0 && isnan(t->val[i]) && !isnan(v)) t->val[i] = v;
    }
}

static void resolve_defaults(gr_trainer *t, const gr_graph *g, int mode, int *resolved)
{
    for (size_t k = 0; k < N_SCHEDULE_DEFAULTS; k++) {
        int i = spec_index(t, schedule_defaults[k].key);
        resolved[k] = i >= 0 && isnan(t->val[i]);
        if (!resolved[k]) continue;
        const int mf = t->kind == GR_MODEL_MF;
        double sized = sized_default(t->kind, mode, t->spec[i].name, g);
        if (!isnan(sized))
            t->val[i] = sized;
        else if (mode == GR_MODE_FAST)
            t->val[i] = mf ? schedule_defaults[k].mf_fast : schedule_defaults[k].fast;
        else if (mode == GR_MODE_SAMPLED)
            t->val[i] = mf ? schedule_defaults[k].mf_sampled : schedule_defaults[k].sampled;
        else
            t->val[i] = schedule_defaults[k].paper;
    }
    /* the sampled schedule's temperature, a named setting (slot
     * N_SCHEDULE_DEFAULTS); the other schedules do not read it */
    int ti = gr_opt_index(t, "temperature");
    double tau = sized_default(t->kind, mode, "temperature", g);
    resolved[N_SCHEDULE_DEFAULTS] = ti >= 0 && isnan(t->val[ti]) && !isnan(tau);
    if (resolved[N_SCHEDULE_DEFAULTS]) t->val[ti] = tau;
}

static void restore_defaults(gr_trainer *t, const int *resolved)
{
    for (size_t k = 0; k < N_SCHEDULE_DEFAULTS; k++)
        if (resolved[k]) t->val[spec_index(t, schedule_defaults[k].key)] = NAN;
    if (resolved[N_SCHEDULE_DEFAULTS]) t->val[gr_opt_index(t, "temperature")] = NAN;
}

static int fit_resolved(gr_model **out, gr_trainer *t, const gr_graph *g, int kind, float *init);

/* The values of the `precision` setting: indices of precision_names. */
enum { PRECISION_AUTO, PRECISION_FLOAT, PRECISION_BFLOAT16, N_PRECISIONS };
static const char *const precision_names[] = { [PRECISION_AUTO] = "auto", [PRECISION_FLOAT] = "float",
                                               [PRECISION_BFLOAT16] = "bfloat16", [N_PRECISIONS] = NULL };

int gr_lgcn_bf16(const gr_trainer *t, int mode)
{
    double p = gr_opt_named(t, "precision");
    if (p == PRECISION_FLOAT) return 0;
    /* the sampled step measured faster in bfloat16 on Intel CPUs too
     * (docs/training.md, "bfloat16 or float, by CPU") */
    if (p == PRECISION_BFLOAT16 || mode == GR_MODE_SAMPLED) return 1;
    return gr_cpu_bf16_pays();
}

int gr_lgcn_mode(const gr_trainer *t, const gr_graph *g)
{
    int mode = (int)gr_opt(t, GR_OPT_MODE);
    if (mode != GR_MODE_AUTO) return mode;
    /* the negatives set, or the count the rule was set with */
    double v = gr_opt(t, GR_OPT_NEGATIVES);
    return gr_lgcn_auto_mode(g, isnan(v) ? GR_LGCN_AUTO_NEGATIVES : (size_t)v);
}

/* Run the schedule that mode auto chooses (or the one set) with its own
 * defaults: the mode setting holds the chosen schedule during the fit and
 * is restored afterwards, as the defaults are. */
int gr_lgcn_fit_from(gr_model **out, gr_trainer *t, const gr_graph *g, int kind, float *e0)
{
    int resolved[N_SCHEDULE_DEFAULTS + 1];
    int mi = spec_index(t, GR_OPT_MODE);
    double mode_set = t->val[mi];
    t->val[mi] = gr_lgcn_mode(t, g);
    resolve_defaults(t, g, (int)t->val[mi], resolved);
    int rc = fit_resolved(out, t, g, kind, e0);
    restore_defaults(t, resolved);
    t->val[mi] = mode_set;
    return rc;
}

static int fit(gr_model **out, gr_trainer *t, const gr_graph *g, int kind)
{
    return gr_lgcn_fit_from(out, t, g, kind, NULL);
}

/* Train from init (taken over; NULL: random) and make the model. */
static int fit_resolved(gr_model **out, gr_trainer *t, const gr_graph *g, int kind, float *init)
{
    gr_lgcn_settings_t s;
    gr_lgcn_settings(&s, t, g);
    if (kind == GR_MODEL_MF) s.layers = 0;
    int mode = (int)gr_opt(t, GR_OPT_MODE);
    s.halo = gr_dist_of(t) && gr_opt_named(t, "shard") == 1 && s.layers > 0 && mode != GR_MODE_PAPER;
    /* a warm start (gr_model_update, the warm refit) is not checkpointed */
    s.checkpoint = !init && t->ckpt_path != NULL;
    /* with halos a rank reads its own rows of e0 alone until the fit ends
     * (gr_lgcn_fit_full): the others are not written, so their pages stay
     * unmapped until the whole table is gathered */
    size_t lo = 0, hi = s.n;
    if (s.halo) gr_dist_rows(gr_dist_of(t), s.n, &lo, &hi);
    float *e0 = init ? init : gr_lgcn_init_rows(&s, lo, hi);
    /* under a communicator the fast and sampled fits keep each rank's rows
     * of the best parameters and make the whole table once they are done */
    const int later = gr_dist_of(t) && mode != GR_MODE_PAPER;
    float *best = t->valid && !later ? gr_alloc_floats(s.n * s.d) : NULL;
    /* agreed: a rank without them would not enter the fit's exchanges */
    int ok = gr_dist_agree(gr_dist_of(t), e0 && (!t->valid || later || best) ? GR_OK : GR_ENOMEM);
    if (ok != GR_OK) {
        free(e0);
        free(best);
        return ok;
    }
    float **keep = t->valid ? &best : NULL;
    /* with halos the fit's own propagation makes the model's tables when
     * the model is of the graph it trained on */
    gr_lightgcn_tables tables = { 0 };
    gr_lightgcn_tables *made = s.halo && gr_fit_model_graph(t, g) == g ? &tables : NULL;
    int rc = mode == GR_MODE_FAST      ? gr_lgcn_fit_fast(e0, keep, t, g, &s, made)
             : mode == GR_MODE_SAMPLED ? gr_lgcn_fit_sampled(e0, keep, t, g, &s, made)
                                       : fit_paper(e0, best, t, g, &s);
    /* every rank must end with the same model */
    if (rc == GR_OK) rc = gr_dist_same_params(gr_dist_of(t), e0, s.n * s.d);
    if (rc != GR_OK) {
        free(e0);
        free(best);
        gr_lightgcn_tables_free(&tables);
        return rc;
    }
    /* with validation, the best validated parameters are the model */
    if (best && t->stat_best_epoch > 0) {
        free(e0);
        e0 = best;
    } else {
        free(best);
    }
    rc = gr_lightgcn_model(out, kind, gr_fit_model_graph(t, g), s.layers, s.d, e0, tables.user_vec ? &tables : NULL);
    if (rc != GR_OK) return rc;
    gr_model *m = *out;
    gr_model_set_info(m, "dim", (double)s.d);
    gr_model_set_info(m, "layers", s.layers);
    gr_model_set_info(m, "lr", s.lr);
    gr_model_set_info(m, "reg", s.reg);
    gr_model_set_info(m, "batch", (double)s.batch);
    gr_model_set_info(m, "seed", (double)s.seed);
    gr_model_set_info(m, "mode", mode);
    if (mode == GR_MODE_SAMPLED) gr_model_set_info(m, "temperature", gr_opt_named(t, "temperature"));
    gr_model_set_info(m, "epochs", t->stat_epochs);
    gr_model_set_info(m, "best_epoch", t->stat_best_epoch);
    return GR_OK;
}

static int fit_lightgcn(gr_model **out, gr_trainer *t, const gr_graph *g) { return fit(out, t, g, GR_MODEL_LIGHTGCN); }
static int fit_mf(gr_model **out, gr_trainer *t, const gr_graph *g) { return fit(out, t, g, GR_MODEL_MF); }

static const char *const mode_names[] = { "paper", "fast", "sampled", "auto", NULL };
static const char *const holdout_final_names[] = { "refit", "best", "warm", NULL };

/* The schedules' settings; FAST_LR, FAST_REG and TEMPERATURE (both as
 * text), SAMPLED_STEPS, SAMPLED_EVAL and SAMPLED_NEG: the kind's defaults
 * (LightGCN's or MF's), named in the help text. */
#define SCHEDULE_OPTS(FAST_LR, FAST_REG, TEMPERATURE, SAMPLED_STEPS, SAMPLED_EVAL, SAMPLED_NEG)                                                          \
    { "epochs", GR_OPT_EPOCHS, NAN, 1, 1e7, 1, NULL,                                                             \
      "maximum number of epochs (default: paper 200; fast " GR_STR(GR_LGCN_FAST_STEPS) ", sampled " GR_STR(SAMPLED_STEPS) " full-batch steps)" },   \
        { "lr", GR_OPT_LR, NAN, 1e-12, 100, 0, NULL,                                                             \
          "Adam learning rate (default: paper 1e-3; fast " GR_STR(FAST_LR) "; sampled " GR_STR(GR_LGCN_SAMPLED_LR) ")" },                        \
        { "reg", GR_OPT_REG, NAN, 0, 100, 0, NULL, "L2 weight (default: paper 1e-4; fast " FAST_REG "; sampled " GR_STR(GR_LGCN_SAMPLED_REG) ")" }, \
        { "eval_every", GR_OPT_EVAL_EVERY, NAN, 1, 1e7, 1, NULL,                                                  \
          "epochs between validations (default: paper 1; fast " GR_STR(GR_LGCN_FAST_EVAL_EVERY) ", sampled " GR_STR(SAMPLED_EVAL) ")" }, \
        { "negatives", GR_OPT_NEGATIVES, NAN, 1, 1e6, 1, NULL,                                                   \
          "paper: negatives per positive (default 1); sampled: negatives a block of 64 users shares (default "    \
          GR_STR(SAMPLED_NEG) ")" },                                                                          \
        { "sample_pop", 0, GR_LGCN_SAMPLED_POP, 0, 2, 0, NULL,                                                   \
          "sampled schedule: negatives drawn with probability proportional to (item degree + 1)^sample_pop (0: uniform)" }, \
        { "temperature", 0, NAN, 0, 100, 0, NULL,                                                                \
          "sampled schedule: > 0: layer-0 rows kept at unit length and scores divided by this (default " TEMPERATURE "; 0: plain dot products)" }, \
        { "lr_floor", 0, NAN, 0, 1, 0, NULL,                                                                     \
          "fast and sampled schedules: the learning rate falls along a half cosine from lr to lr x lr_floor at the " \
          "last epoch (default: sampled " GR_STR(GR_LGCN_SAMPLED_LR_FLOOR) ", otherwise 1: constant)" }, \
        { "precision", 0, 0, 0, N_PRECISIONS - 1, 1, precision_names,                                              \
          "fast and sampled schedules' propagation and dense products: bfloat16 (the products only where the CPU " \
          "has AVX512-BF16, on AMX tiles where it has those), float, or auto: bfloat16 but for the fast "          \
          "schedule on Intel CPUs without AMX, where float measured faster" },                                                                                     \
        { "shard", 0, 0, 0, 1, 1, NULL,                                                                          \
          "under a communicator: fast and sampled schedules: 1 sends each rank only the rows its adjacency rows "  \
          "read (halo exchange, layer buffers of own + halo rows) instead of allgathering every layer; paper: 1 "  \
          "keeps the Adam moments and best rows by owner, the gradient summed into the owners and the rows "      \
          "allgathered; 0 (default) as before; the same model either way (paper on 3 or more ranks: the same "    \
          "sums in another order)" },                                                                               \
        { "holdout_final", 0, 2, 0, 2, 1, holdout_final_names,                                                   \
          "after choosing the epoch on the held-out part: warm (default: continue from the validated parameters " \
          "on all the training data for gr_model_update's short schedule when the chosen epochs are at least four " \
          "times it, else refit), refit or best" }

#define MODE_OPT                                                                                                 \
    { "mode", GR_OPT_MODE, GR_MODE_AUTO, 0, 3, 1, mode_names,                                                    \
      "training schedule: auto (default: fast or sampled by the catalogue's size), fast, sampled or paper" }

static const gr_opt_spec lightgcn_opts[] = {
    MODE_OPT,
    SCHEDULE_OPTS(GR_LGCN_FAST_LR, GR_STR(GR_LGCN_FAST_REG_PER_ROW) " x (users + items) / interactions, at least " GR_STR(GR_LGCN_FAST_REG),
                  GR_STR(GR_LGCN_SAMPLED_TEMPERATURE_SQRT) " x sqrt((users + items) / interactions), at least " GR_STR(GR_LGCN_SAMPLED_TEMPERATURE), GR_LGCN_SAMPLED_STEPS,
                  GR_LGCN_SAMPLED_EVAL_EVERY, GR_LGCN_SAMPLED_NEGATIVES),
};

static const gr_opt_spec mf_opts[] = {
    { "layers", GR_OPT_LAYERS, 0, 0, 0, 1, NULL, "MF has no propagation layers" },
    MODE_OPT,
    SCHEDULE_OPTS(GR_MF_FAST_LR, GR_STR(GR_MF_FAST_REG_SQRT) " x sqrt((users + items) / interactions), at least " GR_STR(GR_MF_FAST_REG),
                  GR_STR(GR_MF_SAMPLED_TEMPERATURE), GR_MF_SAMPLED_STEPS,
                  GR_MF_SAMPLED_EVAL_EVERY, GR_MF_SAMPLED_NEGATIVES),
};

const gr_kind_trainer gr_lightgcn_trainer = { GR_MODEL_LIGHTGCN, lightgcn_opts,
                                              sizeof lightgcn_opts / sizeof lightgcn_opts[0], fit_lightgcn,
                                              gr_lgcn_size_defaults };
const gr_kind_trainer gr_mf_trainer = { GR_MODEL_MF, mf_opts, sizeof mf_opts / sizeof mf_opts[0], fit_mf,
                                        gr_lgcn_size_defaults };
