/* The GraphSAGE trainer: settings, the model's architecture and features, the epoch loop. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/rng.h"
#include "core/threads.h"
#include "kernels/parallel.h"
#include "train/adam.h"
#include "train/graphsage_train.h"
#include "train/search.h"

static const char *const aggregate_names[] = { "auto", "mean", "levels", NULL };
static const char *const feature_names[] = { "none", "builtin", NULL };
static const char *const holdout_final_names[] = { "refit", "best", "warm", NULL };

enum { AGG_AUTO = 0, AGG_MEAN = 1, AGG_LEVELS = 2 };

static const gr_opt_spec sage_opts[] = {
    { "layers", GR_OPT_LAYERS, 2, 1, GR_SAGE_MAX_LAYERS, 1, NULL, "GraphSAGE layers" },
    { "epochs", GR_OPT_EPOCHS, NAN, 1, 1e7, 1, NULL, "maximum number of epochs (default: bpr 10, rating 30)" },
    { "batch", GR_OPT_BATCH, NAN, 1, 1e9, 1, NULL,
      "training edges per mini-batch (default: bpr 1% of the training edges within 1024..8192, rating 1024)" },
    { "lr", GR_OPT_LR, NAN, 1e-12, 100, 0, NULL,
      "Adam learning rate (default: bpr 2.83e-3 x sqrt(batch / 1024), rating 1e-3)" },
    { "lr_floor", 0, 1, 0, 1, 0, NULL,
      "the learning rate falls along a half cosine over the epochs' steps from lr to lr x lr_floor at the last "
      "(1: constant)" },
    { "shared_negatives", 0, 1024, 0, 1e6, 1, NULL,
      "bpr: items a mini-batch shares as negatives in a sampled softmax (0: BPR with `negatives` per edge)" },
    { "hidden", 0, NAN, 1, 4096, 1, NULL, "width of the hidden layers (default: bpr 64, rating 256)" },
    { "id_dim", 0, NAN, 0, 4096, 1, NULL,
      "width of the learned input embedding of every node, 0: none (default: bpr 64, rating 16)" },
    { "dropout", GR_OPT_DROPOUT, NAN, 0, 0.99, 0, NULL, "dropout rate (default: bpr 0, rating 0.2)" },
    { "fanout1", 0, 10, 0, 1e6, 1, NULL, "neighbours sampled per target (0: all)" },
    { "fanout2", 0, 10, 0, 1e6, 1, NULL, "neighbours sampled per node at hop 2 (0: all)" },
    { "fanout3", 0, 10, 0, 1e6, 1, NULL, "neighbours sampled per node at hop 3 (0: all)" },
    { "fanout4", 0, 10, 0, 1e6, 1, NULL, "neighbours sampled per node at hop 4 (0: all)" },
    { "aggregate", 0, AGG_AUTO, 0, 2, 1, aggregate_names,
      "neighbour means: mean, levels (one mean per rating level) or auto (levels when there are ratings)" },
    { "bias", 0, 1, 0, 1, 1, NULL, "per-node biases and a bias output column (1) or none (0)" },
    { "l2norm", 0, 0, 0, 1, 1, NULL, "L2-normalise the output embeddings (1) or not (0)" },
    { "temperature", 0, 1, 1e-3, 100, 0, NULL,
      "bpr with shared negatives: the sampled softmax's scores are divided by this (1: as they are)" },
    { "features", 0, GR_SAGE_FEAT_BUILTIN, 0, 1, 1, feature_names, "node features: builtin or none" },
    { "id_dropout", 0, NAN, 0, 1, 0, NULL,
      "probability of hiding a node's id embedding in a batch (default: bpr 0, rating 0.2)" },
    { "cold_prob", 0, 0, 0, 1, 0, NULL, "probability of presenting a target as a new node (no edges) in a batch" },
    { "wd", 0, 0, 0, 100, 0, NULL, "L2 weight on the layer weights" },
    { "ema", 0, 0.99, 0, 0.999999, 0, NULL,
      "decay of the running average of the parameters that validation and the model use, 0: the last parameters" },
    /* unset: lib/train/holdout.c takes best for bpr, refit for rating */
    { "holdout_final", 0, NAN, 0, 2, 1, holdout_final_names,
      "after choosing the epoch on the held-out part: refit (on all the training data for the chosen epochs), best "
      "(keep the best validated parameters) or warm (as refit here) (default: bpr best, rating refit)" },
};

/*
 * Settings whose default depends on the objective: the rating defaults
 * were chosen on a held-out part of MovieLens-100K's u1.base, the BPR ones
 * are those of the first release (docs/graphsage.md; `ema`, 0.99 for both,
 * is not among them: it gained on every ranking validation set measured,
 * "The parameter average for ranking").  The table gives them
 * the default NaN; a fit resolves them and restores NaN afterwards, so a
 * trainer can be reused with the other objective.
 */
/*
 * The ranking defaults that depend on the data (docs/graphsage.md): about
 * 100 steps an epoch (1% of the edges a batch, within 1024..8192: large
 * batches amortise the sampled neighbourhoods, which on ML-1M cover most
 * of the graph in every batch; small data keeps enough steps), and a step
 * size growing with the square root of the batch, from 2.83e-3 at 1024
 * (with the parameter average, 1.41 x the 2e-3 chosen without it validated
 * higher on five of the six data sets measured, docs/graphsage.md).
 */
#define BATCH_AUTO (-1.0)
#define LR_AUTO (-1.0)
#define BATCH_MIN 1024.0
#define BATCH_MAX 8192.0
#define LR_AT_MIN 2.83e-3

static double auto_batch(const gr_graph *g)
{
    double b = floor((double)g->n_edges / 100.0);
    return b < BATCH_MIN ? BATCH_MIN : b > BATCH_MAX ? BATCH_MAX : b;
}

/* The ranking step size for a batch. */
static double auto_lr(double batch) { return LR_AT_MIN * sqrt(batch / BATCH_MIN); }

void gr_sage_size_defaults(gr_trainer *t, const gr_graph *g)
{
    if ((int)gr_opt(t, GR_OPT_OBJECTIVE) == GR_OBJECTIVE_RATING) return;
    double *lr = gr_opt_slot(t, "lr"), batch = gr_opt(t, GR_OPT_BATCH);
    if (isnan(*lr)) *lr = auto_lr(isnan(batch) ? auto_batch(g) : batch);
}

static const struct {
    const char *name;
    double bpr, rating;
} objective_defaults[] = {
    { "hidden", 64, 256 }, { "id_dim", 64, 16 }, { "dropout", 0, 0.2 }, { "id_dropout", 0, 0.2 },
    { "epochs", 10, 30 },  { "batch", BATCH_AUTO, 1024 }, { "lr", LR_AUTO, 1e-3 },
};

#define N_OBJECTIVE_DEFAULTS (sizeof objective_defaults / sizeof objective_defaults[0])

static void resolve_defaults(gr_trainer *t, const gr_graph *g, int *resolved)
{
    int rating = (int)gr_opt(t, GR_OPT_OBJECTIVE) == GR_OBJECTIVE_RATING;
    for (size_t k = 0; k < N_OBJECTIVE_DEFAULTS; k++) {
        double *v = gr_opt_slot(t, objective_defaults[k].name);
        resolved[k] = isnan(*v);
        if (resolved[k]) *v = rating ? objective_defaults[k].rating : objective_defaults[k].bpr;
    }
    /* the batch first: the step size follows it */
    double *batch = gr_opt_slot(t, "batch"), *lr = gr_opt_slot(t, "lr");
    if (*batch == BATCH_AUTO) *batch = auto_batch(g);
    if (*lr == LR_AUTO) *lr = auto_lr(*batch);
}

static void restore_defaults(gr_trainer *t, const int *resolved)
{
    for (size_t k = 0; k < N_OBJECTIVE_DEFAULTS; k++)
        if (resolved[k]) *gr_opt_slot(t, objective_defaults[k].name) = NAN;
}

/* ---- the architecture of a fit ---- */

static int rating_levels(gr_sage_state *s, const gr_graph *g)
{
    s->n_levels = 0;
    for (size_t k = 0; k < g->n_edges; k++) {
        float r = gr_csr_val(&g->ui, (int64_t)k);
        int seen = 0;
        for (int c = 0; c < s->n_levels && !seen; c++) seen = s->level[c] == r;
        if (seen) continue;
        if (s->n_levels == GR_SAGE_MAX_CHANNELS) return 0;
        s->level[s->n_levels++] = r;
    }
    /* ascending, so channels are ordered like ratings */
    for (int i = 1; i < s->n_levels; i++)
        for (int j = i; j > 0 && s->level[j - 1] > s->level[j]; j--) {
            float tmp = s->level[j];
            s->level[j] = s->level[j - 1];
            s->level[j - 1] = tmp;
        }
    return 1;
}

static int choose_channels(gr_sage_state *s, const gr_trainer *t, const gr_graph *g)
{
    int agg = (int)gr_opt_named(t, "aggregate");
    int fits = rating_levels(s, g);
    if (agg == AGG_LEVELS && !fits)
        return gr_err(GR_EINVAL, "aggregate=levels: the ratings take more than %d values (use aggregate=mean)", GR_SAGE_MAX_CHANNELS);
    int levels = agg == AGG_LEVELS || (agg == AGG_AUTO && g->has_ratings && fits);
    s->arch.channels = levels && s->n_levels > 1 ? s->n_levels : 1;
    return GR_OK;
}

static int choose_features(gr_sage_state *s, const gr_trainer *t, const gr_graph *g)
{
    int builtin = (int)gr_opt_named(t, "features") == GR_SAGE_FEAT_BUILTIN;
    if (builtin) GR_TRY(gr_feat_spec_fit(&s->spec, g));
    for (int type = 0; type < 2; type++) {
        size_t n = s->arch.n[type];
        if (t->feat[type]) {
            if (t->feat_rows[type] != n)
                return gr_err(GR_EINVAL, "the %s feature matrix has %zu rows, the training graph %zu %s",
                              type ? "item" : "user", t->feat_rows[type], n, type ? "items" : "users");
            s->feat_kind[type] = GR_SAGE_FEAT_CUSTOM;
            s->arch.feat[type] = t->feat_dim[type];
            s->feat[type] = gr_alloc_floats(n * t->feat_dim[type] + 1);
            if (!s->feat[type]) return GR_ENOMEM;
            memcpy(s->feat[type], t->feat[type], n * t->feat_dim[type] * sizeof(float));
        } else if (builtin) {
            s->feat_kind[type] = GR_SAGE_FEAT_BUILTIN;
            s->arch.feat[type] = s->spec.dim[type];
            s->feat[type] = gr_feat_matrix(&s->spec, g, type);
            if (!s->feat[type]) return GR_ENOMEM;
        }
    }
    return GR_OK;
}

static int build_state(gr_sage_state **out, const gr_trainer *t, const gr_graph *g)
{
    gr_sage_state *s = gr_zalloc(1, sizeof *s);
    if (!s) return GR_ENOMEM;
    gr_sage_arch *a = &s->arch;
    a->layers = (int)gr_opt(t, GR_OPT_LAYERS);
    a->dim = (size_t)gr_opt(t, GR_OPT_DIM);
    a->hidden = (size_t)gr_opt_named(t, "hidden");
    a->id_dim = (size_t)gr_opt_named(t, "id_dim");
    a->bias = (int)gr_opt_named(t, "bias");
    a->l2norm = (int)gr_opt_named(t, "l2norm");
    a->n[0] = g->n_users;
    a->n[1] = g->n_items;
    s->objective = (int)gr_opt(t, GR_OPT_OBJECTIVE);
    int rc = GR_OK;
    if (s->objective == GR_OBJECTIVE_RATING && !g->has_ratings)
        rc = gr_err(GR_EINVAL, "objective=rating needs a training graph with ratings");
    if (rc == GR_OK) rc = choose_channels(s, t, g);
    if (rc == GR_OK) rc = choose_features(s, t, g);
    if (rc == GR_OK && a->id_dim == 0 && a->feat[0] + a->feat[1] == 0)
        rc = gr_err(GR_EINVAL, "GraphSAGE needs node features or id embeddings (id_dim > 0)");
    if (rc != GR_OK) {
        gr_sage_state_free(s);
        return rc;
    }
    double sum = 0;
    s->top = gr_csr_val(&g->ui, 0);
    for (size_t k = 0; k < g->n_edges; k++) {
        const float r = gr_csr_val(&g->ui, (int64_t)k);
        sum += r;
        if (r > s->top) s->top = r;
    }
    s->mu = s->objective == GR_OBJECTIVE_RATING ? (float)(sum / (double)g->n_edges) : 0.0f;
    gr_sage_layout_of(&s->lay, a);
    *out = s;
    return GR_OK;
}

/* ---- the epoch loop ---- */

typedef struct fit_work {
    gr_sage_ctx c;
    gr_adam adam;
    float *params, *best, *grad;
    float *avg;   /* running average of the parameters (ema > 0), else NULL */
    double ema;
    long steps;
    double lr, lr_floor; /* the step size's schedule over the fit's steps */
    long last_step;      /* the last step of the `epochs` the schedule spans */
    int64_t *order;
    int32_t *warm; /* items with training edges: the negatives */
    size_t n_warm, batch;
    float *uv, *iv, *ub, *ib; /* materialised vectors for validation */
} fit_work;

static void work_free(fit_work *w)
{
    gr_sage_ctx_free(&w->c);
    gr_adam_free(&w->adam);
    free(w->params);
    free(w->avg);
    free(w->best);
    free(w->grad);
    free(w->order);
    free(w->warm);
    free(w->uv);
    free(w->iv);
    free(w->ub);
    free(w->ib);
}

static int work_init(fit_work *w, const gr_trainer *t, const gr_graph *g, gr_sage_state *s)
{
    memset(w, 0, sizeof *w);
    int fanout[GR_SAGE_MAX_LAYERS];
    static const char *const names[GR_SAGE_MAX_LAYERS] = { "fanout1", "fanout2", "fanout3", "fanout4" };
    for (int h = 0; h < GR_SAGE_MAX_LAYERS; h++) fanout[h] = (int)gr_opt_named(t, names[h]);
    size_t P = s->lay.total, d = s->arch.dim;
    w->batch = (size_t)gr_opt(t, GR_OPT_BATCH);
    if (w->batch > g->n_edges) w->batch = g->n_edges;
    gr_sage_ctx *c = &w->c;
    int rc = gr_sage_ctx_init(c, g, s, fanout);
    c->objective = s->objective;
    c->negatives = (int)gr_opt(t, GR_OPT_NEGATIVES);
    c->reg = gr_opt(t, GR_OPT_REG);
    c->wd = gr_opt_named(t, "wd");
    c->dropout = gr_opt(t, GR_OPT_DROPOUT);
    c->id_dropout = gr_opt_named(t, "id_dropout");
    c->cold_prob = gr_opt_named(t, "cold_prob");
    c->seed = (uint64_t)gr_opt(t, GR_OPT_SEED);
    c->shared = s->objective == GR_OBJECTIVE_BPR ? (size_t)gr_opt_named(t, "shared_negatives") : 0;
    /* the setting's range keeps the temperature above 0 */
    c->inv_temp = (float)(1.0 / gr_opt_named(t, "temperature"));
    if (rc == GR_OK) rc = gr_sage_ctx_batch(c, w->batch);
    if (rc == GR_OK) rc = gr_adam_init(&w->adam, P, gr_opt(t, GR_OPT_LR));
    w->lr = gr_opt(t, GR_OPT_LR);
    w->lr_floor = gr_opt_named(t, "lr_floor");
    size_t batches = w->batch ? (g->n_edges + w->batch - 1) / w->batch : 0; /* an epoch's */
    w->last_step = (long)gr_opt(t, GR_OPT_EPOCHS) * (long)batches - 1;
    w->params = gr_alloc_floats(P);
    w->grad = gr_alloc_floats(P);
    w->ema = gr_opt_named(t, "ema");
    w->avg = w->ema > 0 ? gr_alloc_floats(P) : NULL;
    w->best = t->valid ? gr_alloc_floats(P) : NULL;
    w->order = gr_alloc(g->n_edges, sizeof *w->order);
    w->warm = gr_alloc(g->n_items + 1, sizeof *w->warm);
    w->uv = gr_alloc_floats(g->n_users * d + 1);
    w->iv = gr_alloc_floats(g->n_items * d + 1);
    w->ub = gr_alloc_floats(g->n_users + 1);
    w->ib = gr_alloc_floats(g->n_items + 1);
    if (rc == GR_OK && (!w->params || !w->grad || (w->ema > 0 && !w->avg) || (t->valid && !w->best) || !w->order || !w->warm || !w->uv || !w->iv ||
                        !w->ub || !w->ib))
        rc = GR_ENOMEM;
    if (rc != GR_OK) {
        work_free(w);
        return rc;
    }
    gr_sage_init_params(w->params, &s->arch, &s->lay, g, gr_opt(t, GR_OPT_INIT_STD), c->seed);
    for (size_t i = 0; i < g->n_items; i++)
        if (gr_csr_degree(&g->iu, i) > 0) w->warm[w->n_warm++] = (int32_t)i;
    /* as many shared negatives as items: every item once */
    if (c->shared > w->n_warm) c->shared = w->n_warm;
    c->n_warm = w->n_warm;
    return GR_OK;
}

static void shuffle_edges(fit_work *w, size_t n, uint64_t seed, int epoch)
{
    for (size_t k = 0; k < n; k++) w->order[k] = (int64_t)k;
    gr_rng r = gr_rng_make(seed, gr_hash3(0x0DE5, (uint64_t)epoch, 0));
    for (size_t k = n; k > 1; k--) {
        size_t j = gr_rng_below(&r, (uint32_t)k);
        int64_t tmp = w->order[k - 1];
        w->order[k - 1] = w->order[j];
        w->order[j] = tmp;
    }
}

static int has_item(const gr_graph *g, int32_t u, int32_t item)
{
    int64_t lo = g->ui.ptr[u], hi = g->ui.ptr[u + 1];
    while (lo < hi) {
        int64_t mid = (lo + hi) / 2;
        if (g->ui.col[mid] < item) lo = mid + 1;
        else hi = mid;
    }
    return lo < g->ui.ptr[u + 1] && g->ui.col[lo] == item;
}

/* The batch's shared negatives: the first N of a partial shuffle of the
 * items with training edges (the shuffle goes on from the last batch's
 * order, so it is a function of the seed and the batch's position). */
static void draw_shared(fit_work *w, int epoch, size_t start)
{
    gr_sage_ctx *c = &w->c;
    gr_rng r = gr_rng_make(c->seed, gr_hash3(0x5A4E, (uint64_t)epoch, start));
    for (size_t q = 0; q < c->shared; q++) {
        size_t j = q + gr_rng_below(&r, (uint32_t)(w->n_warm - q));
        int32_t tmp = w->warm[q];
        w->warm[q] = w->warm[j];
        w->warm[j] = tmp;
        c->neg[q] = w->warm[q];
    }
}

/* Negatives of the batch at epoch positions [start, start + count). */
static void draw_negatives(fit_work *w, const gr_graph *g, int epoch, size_t start)
{
    gr_sage_ctx *c = &w->c;
    size_t nneg = (size_t)c->negatives;
    if (c->shared) {
        draw_shared(w, epoch, start);
        return;
    }
    for (size_t k = 0; k < c->count; k++) {
        int32_t u = c->edge_user[c->edge[k]];
        for (size_t q = 0; q < nneg; q++) {
            gr_rng r = gr_rng_make(c->seed, gr_hash3(0xBE6, (uint64_t)epoch, (start + k) * nneg + q));
            int32_t j = -1;
            for (int tries = 0; tries < 64 && j < 0 && w->n_warm; tries++) {
                int32_t cand = w->warm[gr_rng_below(&r, (uint32_t)w->n_warm)];
                if (!has_item(g, u, cand)) j = cand;
            }
            c->neg[k * nneg + q] = j;
        }
    }
}

/*
 * The running average; the first step starts it, so early averages are not
 * pulled towards 0.  Its decay after n steps is at most (1 + n) / (10 + n):
 * the average spans about the last tenth of the steps until that passes
 * `ema`, so a short fit (a small data set, few steps an epoch) is not
 * averaged over its untrained start.
 */
static void average(fit_work *w, size_t n)
{
    if (!w->avg) return;
    double warm = (1.0 + (double)w->steps) / (10.0 + (double)w->steps);
    float d = w->steps++ == 0 ? 0.0f : (float)(warm < w->ema ? warm : w->ema);
    long nn = (long)n;
#pragma omp parallel for schedule(static) if (gr_parallel_worth(n)) num_threads(gr_threads())
    for (long k = 0; k < nn; k++) w->avg[k] = d * w->avg[k] + (1.0f - d) * w->params[k];
}

/* The parameters validation and the model use. */
static float *current(fit_work *w) { return w->avg ? w->avg : w->params; }

static double run_epoch(fit_work *w, const gr_graph *g, int epoch, int *rc)
{
    gr_sage_ctx *c = &w->c;
    shuffle_edges(w, g->n_edges, c->seed, epoch);
    double loss = 0;
    size_t nb = 0;
    for (size_t start = 0; start < g->n_edges; start += w->batch, nb++) {
        c->count = g->n_edges - start < w->batch ? g->n_edges - start : w->batch;
        memcpy(c->edge, w->order + start, c->count * sizeof *c->edge);
        if (c->objective == GR_OBJECTIVE_BPR) draw_negatives(w, g, epoch, start);
        memset(w->grad, 0, c->s->lay.total * sizeof *w->grad);
        double l = gr_sage_batch_loss(c, w->params, w->grad, gr_hash3(0xBA7C, (uint64_t)epoch, nb));
        if (isnan(l)) {
            *rc = GR_ENOMEM;
            return NAN;
        }
        /* adam.t: the steps taken so far */
        w->adam.lr = gr_lr_cosine(w->lr, w->lr_floor, w->last_step > 0 ? (double)w->adam.t / (double)w->last_step : 0.0);
        gr_adam_step(&w->adam, w->params, w->grad);
        average(w, c->s->lay.total);
        loss += l;
    }
    return loss / (double)nb;
}

/* Validation: -RMSE for ratings (larger is better), NDCG@K for ranking. */
static double validate(fit_work *w, const gr_trainer *t, const gr_graph *g, int *rc)
{
    gr_sage_state *s = w->c.s;
    size_t d = s->arch.dim;
    /* the batches' buffers go back before the pass over the whole graph
     * makes its own (at its peak otherwise both are held); the next batch
     * makes them again */
    gr_sage_pass_free(&w->c.ps);
    if ((*rc = gr_sage_infer(s, g, current(w), w->uv, w->iv, w->ub, w->ib, 0)) != GR_OK) return NAN;
    if (s->objective == GR_OBJECTIVE_BPR)
        return gr_validate_vectors(t, g, w->uv, w->iv, s->arch.bias ? w->ib : NULL, d, rc);
    const gr_graph *v = t->valid;
    double se = 0;
    for (size_t u = 0; u < v->n_users; u++)
        for (int64_t k = v->ui.ptr[u]; k < v->ui.ptr[u + 1]; k++) {
            int32_t i = v->ui.col[k];
            float dot = 0;
            for (size_t j = 0; j < d; j++) dot += w->uv[u * d + j] * w->iv[(size_t)i * d + j];
            double err = s->mu + dot + w->ub[u] + w->ib[i] - gr_csr_val(&v->ui, k);
            se += err * err;
        }
    return v->n_edges ? -sqrt(se / (double)v->n_edges) : NAN;
}

static int train(fit_work *w, gr_trainer *t, const gr_graph *g)
{
    gr_fit_loop L;
    gr_fit_loop_begin(&L, t);
    int rc = GR_OK;
    for (int epoch = 1;; epoch++) {
        double loss = run_epoch(w, g, epoch, &rc);
        if (rc != GR_OK) return rc;
        double metric = gr_fit_loop_validate_now(&L, epoch) ? validate(w, t, g, &rc) : NAN;
        if (rc != GR_OK) return rc;
        int improved;
        int stop = gr_fit_loop_epoch(&L, epoch, loss, metric, &improved);
        if (improved) memcpy(w->best, current(w), w->c.s->lay.total * sizeof *w->best);
        if (stop) break;
    }
    gr_fit_loop_end(&L);
    return GR_OK;
}

static void record_info(gr_model *m, const gr_trainer *t, const gr_sage_state *s)
{
    static const char *const keys[] = { "hidden", "id_dim", "fanout1", "fanout2", "fanout3", "fanout4", "wd",
                                        "id_dropout", "cold_prob", "l2norm", "bias", "ema", "shared_negatives",
                                        "temperature", "lr_floor" };
    gr_model_set_info(m, "dim", (double)s->arch.dim);
    gr_model_set_info(m, "layers", s->arch.layers);
    gr_model_set_info(m, "lr", gr_opt(t, GR_OPT_LR));
    gr_model_set_info(m, "reg", gr_opt(t, GR_OPT_REG));
    gr_model_set_info(m, "batch", gr_opt(t, GR_OPT_BATCH));
    gr_model_set_info(m, "seed", gr_opt(t, GR_OPT_SEED));
    gr_model_set_info(m, "dropout", gr_opt(t, GR_OPT_DROPOUT));
    gr_model_set_info(m, "negatives", gr_opt(t, GR_OPT_NEGATIVES));
    gr_model_set_info(m, "objective", s->objective);
    gr_model_set_info(m, "channels", s->arch.channels);
    gr_model_set_info(m, "user_features", (double)s->arch.feat[0]);
    gr_model_set_info(m, "item_features", (double)s->arch.feat[1]);
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) gr_model_set_info(m, keys[k], gr_opt_named(t, keys[k]));
    gr_model_set_info(m, "epochs", t->stat_epochs);
    gr_model_set_info(m, "best_epoch", t->stat_best_epoch);
}

static int fit_resolved(gr_model **out, gr_trainer *t, const gr_graph *g);

static int fit_graphsage(gr_model **out, gr_trainer *t, const gr_graph *g)
{
    int resolved[N_OBJECTIVE_DEFAULTS];
    resolve_defaults(t, g, resolved);
    int rc = fit_resolved(out, t, g);
    restore_defaults(t, resolved);
    return rc;
}

/*
 * Train s's parameters on g and make the model; takes s.  A fit starts
 * from a fresh initialisation, an update from s->params (the model's,
 * moved to g's layout).
 */
static int fit_state(gr_model **out, gr_trainer *t, const gr_graph *g, gr_sage_state *s)
{
    fit_work w;
    int rc = work_init(&w, t, g, s);
    if (rc != GR_OK) {
        gr_sage_state_free(s);
        return rc;
    }
    if (s->params) memcpy(w.params, s->params, s->lay.total * sizeof *w.params);
    free(s->params);
    s->params = NULL;
    rc = train(&w, t, g);
    if (rc == GR_OK) {
        /* with validation, the best validated parameters are the model */
        float **keep = w.best && t->stat_best_epoch > 0 ? &w.best : w.avg ? &w.avg : &w.params;
        s->params = *keep;
        *keep = NULL;
    }
    work_free(&w);
    if (rc != GR_OK) {
        gr_sage_state_free(s);
        return rc;
    }
    GR_TRY(gr_sage_model(out, gr_fit_model_graph(t, g), s));
    record_info(*out, t, s);
    return GR_OK;
}

static int fit_resolved(gr_model **out, gr_trainer *t, const gr_graph *g)
{
    gr_sage_state *s;
    GR_TRY(build_state(&s, t, g));
    return fit_state(out, t, g, s);
}

/*
 * The feature rows of g's nodes for an update of a model whose features
 * are `kind`: built-in ones by the model's encoder (so the columns are
 * the model's); the caller's own from t, whose matrix holds either every
 * node of g or only the nodes the model lacks (appended to the model's
 * rows), and may be absent when g adds no node of the type (the model's
 * rows are kept).
 */
static int update_features(gr_sage_state *s, const gr_trainer *t, const gr_graph *g, const gr_sage_state *from,
                           int type)
{
    size_t n = s->arch.n[type], known = from->arch.n[type], width = s->arch.feat[type];
    if (s->feat_kind[type] == GR_SAGE_FEAT_BUILTIN) {
        s->feat[type] = gr_feat_matrix(&s->spec, g, type);
        return s->feat[type] ? GR_OK : GR_ENOMEM;
    }
    if (s->feat_kind[type] != GR_SAGE_FEAT_CUSTOM) return GR_OK;
    const char *name = type ? "item" : "user";
    const float *given = t->feat[type];
    size_t rows = given && t->feat_dim[type] == width ? t->feat_rows[type] : 0;
    int whole = given && rows == n, added = given && rows == n - known && n > known;
    if (!whole && !added && !(!given && n == known))
        return gr_err(GR_EINVAL,
                      "gr_model_update: the model has %s features of its own (%zu columns): the trainer needs a %s "
                      "feature matrix of the grown graph (%zu rows) or of its %zu new %ss, %zu columns "
                      "(gr_trainer_set_features)",
                      name, width, name, n, n - known, name, width);
    s->feat[type] = gr_alloc_floats(n * width + 1);
    if (!s->feat[type]) return GR_ENOMEM;
    if (whole) {
        memcpy(s->feat[type], given, n * width * sizeof(float));
        return GR_OK;
    }
    memcpy(s->feat[type], from->feat[type], known * width * sizeof(float));
    if (added) memcpy(s->feat[type] + known * width, given, (n - known) * width * sizeof(float));
    return GR_OK;
}

/*
 * The state of an update of `from` to g, whose first users and items are
 * the model's: its architecture, rating levels, mean rating and feature
 * encoder with g's sizes, and its parameters moved to g's layout.  A new
 * node's id embedding and bias start at zero, where a cold node's are
 * (id_dropout and cold_prob train the model for such nodes); the layer
 * weights, whose shapes do not depend on the node counts, are copied
 * whole.
 */
static int warm_state(gr_sage_state **out, const gr_trainer *t, const gr_graph *g, const gr_sage_state *from)
{
    gr_sage_state *s = gr_zalloc(1, sizeof *s);
    if (!s) return GR_ENOMEM;
    s->arch = from->arch;
    s->arch.n[0] = g->n_users;
    s->arch.n[1] = g->n_items;
    s->objective = from->objective;
    s->mu = from->mu;
    s->top = from->top;
    s->n_levels = from->n_levels;
    memcpy(s->level, from->level, sizeof s->level);
    memcpy(s->feat_kind, from->feat_kind, sizeof s->feat_kind);
    s->spec = from->spec;
    for (size_t k = 0; k < g->n_edges; k++)
        if (gr_csr_val(&g->ui, (int64_t)k) > s->top) s->top = gr_csr_val(&g->ui, (int64_t)k);
    gr_sage_layout_of(&s->lay, &s->arch);
    int rc = GR_OK;
    for (int type = 0; type < 2 && rc == GR_OK; type++) rc = update_features(s, t, g, from, type);
    if (rc == GR_OK && !(s->params = gr_zalloc(s->lay.total ? s->lay.total : 1, sizeof *s->params))) rc = GR_ENOMEM;
    if (rc != GR_OK) {
        gr_sage_state_free(s);
        return rc;
    }
    const gr_sage_layout *a = &from->lay, *b = &s->lay;
    for (int type = 0; type < 2; type++) {
        size_t n = from->arch.n[type];
        memcpy(s->params + b->emb[type], from->params + a->emb[type], n * s->arch.id_dim * sizeof(float));
        if (s->arch.bias) memcpy(s->params + b->nbias[type], from->params + a->nbias[type], n * sizeof(float));
    }
    if (s->arch.layers > 0)
        memcpy(s->params + b->w[1][0], from->params + a->w[1][0], (a->total - a->w[1][0]) * sizeof(float));
    *out = s;
    return GR_OK;
}

int gr_sage_update(gr_model **out, gr_trainer *t, const gr_graph *g, const gr_model *m)
{
    const gr_sage_state *from = m->state;
    if (g->n_users < from->arch.n[0] || g->n_items < from->arch.n[1])
        return gr_err(GR_EINVAL, "gr_sage_update: the graph has fewer users or items than the model");
    int resolved[N_OBJECTIVE_DEFAULTS];
    resolve_defaults(t, g, resolved);
    gr_sage_state *s;
    int rc = warm_state(&s, t, g, from);
    if (rc == GR_OK) rc = fit_state(out, t, g, s);
    restore_defaults(t, resolved);
    return rc;
}

const gr_kind_trainer gr_graphsage_trainer = { GR_MODEL_GRAPHSAGE, sage_opts, sizeof sage_opts / sizeof sage_opts[0],
                                               fit_graphsage, gr_sage_size_defaults };

/* What a time budget searches (train/search.h): the step size, the L2
 * weight on the layer weights, the shared negatives of the ranking
 * softmax and the step size's decay (lr_floor 1, 0.316, 0.1, 0: the decay
 * gained on two of the three data sets measured and lost on the third,
 * docs/graphsage.md).  The step size starts from the objective's default:
 * the ranking one, sized to the data, is set before the search
 * (gr_sage_size_defaults), the rating one is the 1e-3 here. */
static const gr_search_dim sage_search_dims[] = {
    { "lr", NULL, 0, 1e-3, 2, 0 },
    { "wd", NULL, 0, 0, 3.1623, 1e-6 },
    { "shared_negatives", NULL, 0, 1024, 2, 0 },
    { "lr_floor", NULL, 0, 1, 3.1623, 0.1 },
};
const gr_search_table gr_graphsage_search = { GR_MODEL_GRAPHSAGE, sage_search_dims,
                                              sizeof sage_search_dims / sizeof sage_search_dims[0] };
