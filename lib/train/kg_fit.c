/*
 * Entry points of KG training: gr_kg_fit() on a knowledge graph, and the
 * kinds' gr_trainer_fit() on a user-item graph, which first turns the
 * graph into triples.  Both validate through the same epoch loop: the
 * filtered MRR of link prediction, or the NDCG@K of recommendation.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "dist/dist.h"
#include "core/mem.h"
#include "core/rng.h"
#include "eval/link_prediction.h"
#include "kernels/kg_score.h"
#include "train/checkpoint.h"
#include "train/holdout.h"
#include "train/kg_checkpoint.h"
#include "train/search.h"
#include "train/kg_train.h"

/* ---- validation by link prediction ---- */

typedef struct lp_ctx {
    const gr_kg *valid;
    gr_kg *filter;
    size_t *which, n;
    double *ranks;
    gr_dist *d; /* the trainer's ranks: each ranks a share of the queries */
} lp_ctx;

/*
 * The filtered MRR of the 2n validation queries.  Under a communicator
 * each rank ranks a contiguous share of the queries (whole blocks of
 * GR_LP_BLOCK, so each query's rank is the single process's) and the sums
 * of the reciprocal ranks and the counts are added in rank order, so every
 * rank gets the same figure (docs/distributed.md).  Collective.
 */
static double validate_lp(void *ctx, const gr_kg_params *p, int *rc)
{
    lp_ctx *c = ctx;
    size_t total = 2 * c->n, lo = 0, hi = total;
    if (c->d) gr_dist_share_rows(total, GR_LP_BLOCK, c->d->rank, c->d->size, &lo, &hi);
    *rc = gr_lp_ranks_part(c->ranks, p, c->valid, c->which, c->n, c->filter, GR_LP_BOTH, GR_KG_FAST, lo, hi);
    *rc = gr_dist_agree(c->d, *rc);
    double m[GR_LP_COUNT + 1];
    if (*rc == GR_OK) {
        gr_lp_sums(m, c->ranks + lo, hi - lo);
        m[GR_LP_COUNT] = (double)(hi - lo);
        *rc = gr_dist_sum_ordered(c->d, m, GR_LP_COUNT + 1);
    }
    return *rc == GR_OK && m[GR_LP_COUNT] > 0 ? m[GR_LP_MRR] / m[GR_LP_COUNT] : NAN;
}

/* A seeded sample of `want` valid triples (all when want is 0 or too large). */
static int lp_ctx_init(lp_ctx *c, const gr_kg *train, const gr_kg *valid, size_t want, uint64_t seed)
{
    memset(c, 0, sizeof *c);
    c->valid = valid;
    const gr_kg *both[2] = { train, valid };
    GR_TRY(gr_kg_union(&c->filter, both, 2));
    c->n = want && want < valid->n ? want : valid->n;
    c->which = gr_alloc(valid->n, sizeof *c->which);
    c->ranks = gr_alloc(2 * c->n, sizeof *c->ranks);
    if (!c->which || !c->ranks) return GR_ENOMEM;
    for (size_t k = 0; k < valid->n; k++) c->which[k] = k;
    gr_rng r = gr_rng_make(seed, 0x76616c);
    for (size_t k = 0; k < c->n; k++) {
        size_t j = k + gr_rng_below(&r, (uint32_t)(valid->n - k));
        size_t x = c->which[k];
        c->which[k] = c->which[j];
        c->which[j] = x;
    }
    return GR_OK;
}

static void lp_ctx_free(lp_ctx *c)
{
    gr_kg_free(c->filter);
    free(c->which);
    free(c->ranks);
}

static int is_kg_kind(int kind) { return kind >= GR_MODEL_TRANSE && kind <= GR_MODEL_COMPLEX; }

/* Train on `train`, validating on `valid` when it has triples. */
static int kg_fit_once(gr_kg_params *p, gr_trainer *t, const gr_kg_settings *s, const gr_kg *train, const gr_kg *valid)
{
    lp_ctx ctx;
    int use_valid = valid && valid->n > 0;
    int rc = use_valid ? lp_ctx_init(&ctx, train, valid, s->valid_sample, s->seed) : GR_OK;
    ctx.d = gr_dist_of(t);
    memset(p, 0, sizeof *p);
    gr_kg_settings local = *s;
    local.ckpt_valid = gr_kg_ckpt_data(use_valid ? valid : NULL, 1);
    if (rc == GR_OK) rc = gr_kg_train(p, t, &local, train, use_valid ? validate_lp : NULL, &ctx);
    if (use_valid) lp_ctx_free(&ctx);
    return rc;
}

/* The refit on all of train for `epoch` epochs, without validation. */
static int kg_refit(gr_kg_params *p, gr_trainer *t, const gr_kg_settings *s, const gr_kg *train, double epoch)
{
    gr_refit_saved saved;
    GR_TRY(gr_holdout_refit_begin(t, epoch, &saved));
    gr_kg_settings refit = *s;
    refit.epochs = (int)epoch;
    int rc = kg_fit_once(p, t, &refit, train, NULL);
    gr_holdout_refit_end(t, &saved);
    return rc;
}

/*
 * After the epoch is chosen on the held-out share (tr the rest): refit on
 * all of train for that many epochs; or, with holdout_final warm, go on
 * from the validated parameters p on all of train for the update's short
 * schedule (GR_KG_UPDATE_EPOCHS, at most the chosen epochs), the entities
 * only the held-out triples name placed first; or keep p (best).
 */
static int kg_finish(gr_kg_params *p, gr_trainer *t, const gr_kg_settings *s, const gr_kg *train, const gr_kg *tr,
                     double epoch)
{
    int final = (int)gr_opt_named(t, "holdout_final");
    if (final == GR_HOLDOUT_BEST || epoch <= 0 || t->stopped_by_caller) return GR_OK;
    if (final != GR_HOLDOUT_WARM) {
        gr_kg_params_free(p);
        return kg_refit(p, t, s, train, epoch);
    }
    double warm_epochs = epoch < GR_KG_UPDATE_EPOCHS ? epoch : GR_KG_UPDATE_EPOCHS;
    GR_TRY(gr_kg_place_unseen(p, train, tr));
    gr_refit_saved saved;
    GR_TRY(gr_holdout_refit_begin(t, warm_epochs, &saved));
    gr_kg_settings w = *s;
    w.epochs = (int)warm_epochs;
    w.warm = p;
    gr_kg_params q;
    memset(&q, 0, sizeof q);
    int rc = kg_fit_once(&q, t, &w, train, NULL);
    gr_holdout_refit_end(t, &saved);
    gr_kg_params_free(p);
    *p = q;
    return rc;
}

/*
 * Without validation triples: choose the epoch on a held-out share of the
 * training triples, then refit, continue or keep (kg_finish).
 */
static int kg_fit_holdout(gr_kg_params *p, gr_trainer *t, gr_kg_settings *s, const gr_kg *train, double *held,
                          double *run)
{
    gr_kg *tr = NULL, *va = NULL;
    GR_TRY(gr_holdout_split_kg(&tr, &va, train, gr_opt_named(t, "holdout"), s->seed, gr_dist_of(t)));
    *held = (double)va->n;
    int rc = kg_fit_once(p, t, s, tr, va);
    gr_kg_free(va);
    double epoch = t->stat_best_epoch, best = t->stat_best_valid;
    *run = t->stat_epochs;
    if (rc == GR_OK) rc = kg_finish(p, t, s, train, tr, epoch);
    gr_kg_free(tr);
    t->stat_best_epoch = epoch;
    t->stat_best_valid = best;
    return rc;
}

/* ---- the settings search (train/search.h) on triples ---- */

typedef struct kg_search_ctx {
    const gr_kg *train, *valid;
    gr_kg_params last, best;
} kg_search_ctx;

static int kg_trial(void *ctx, gr_trainer *t)
{
    kg_search_ctx *c = ctx;
    gr_kg_settings s;
    gr_kg_settings_of(&s, t);
    return kg_fit_once(&c->last, t, &s, c->train, c->valid);
}

static void kg_keep(void *ctx)
{
    kg_search_ctx *c = ctx;
    gr_kg_params_free(&c->best);
    c->best = c->last;
    memset(&c->last, 0, sizeof c->last);
}

static void kg_drop(void *ctx)
{
    kg_search_ctx *c = ctx;
    gr_kg_params_free(&c->last);
    memset(&c->last, 0, sizeof c->last);
}

static const gr_search_ops kg_search_ops = { kg_trial, kg_keep, kg_drop };

/*
 * Search on the validation triples (or a held-out share), then train the
 * chosen settings as without a budget: whole-run trials leave the best
 * trial's parameters (refitted from on a held-out share), short trials
 * run the default path.  t's settings are the chosen ones on return.
 */
static int kg_fit_search(gr_kg_params *p, gr_trainer *t, gr_kg_settings *s, const gr_kg *train, const gr_kg *valid,
                         int holdout, double *held, double *run)
{
    gr_kg *tr = NULL, *va = NULL;
    if (holdout) {
        GR_TRY(gr_holdout_split_kg(&tr, &va, train, gr_opt_named(t, "holdout"), s->seed, gr_dist_of(t)));
        *held = (double)va->n;
    }
    kg_search_ctx c;
    memset(&c, 0, sizeof c);
    c.train = holdout ? tr : train;
    c.valid = holdout ? va : valid;
    int rc = gr_search_run(t, &kg_search_ops, &c);
    gr_kg_params_free(&c.last);
    double trials = t->stat_trials;
    gr_kg_settings_of(s, t);
    memset(p, 0, sizeof *p);
    if (rc == GR_OK && !gr_search_full_trials(t)) {
        gr_kg_params_free(&c.best);
        rc = holdout ? kg_fit_holdout(p, t, s, train, held, run) : kg_fit_once(p, t, s, train, valid);
    } else if (rc == GR_OK) {
        *p = c.best;
        memset(&c.best, 0, sizeof c.best);
        double epoch = t->stat_best_epoch, best = t->stat_best_valid;
        *run = t->stat_epochs;
        if (holdout) rc = kg_finish(p, t, s, train, tr, epoch);
        t->stat_best_epoch = epoch;
        t->stat_best_valid = best;
    }
    gr_kg_params_free(&c.best);
    t->stat_trials = trials;
    gr_kg_free(tr);
    gr_kg_free(va);
    return rc;
}

int gr_kg_fit(gr_model **out, gr_trainer *t, const gr_kg *train, const gr_kg *valid)
{
    if (!out || !t || !train) return gr_err(GR_EINVAL, "gr_kg_fit: NULL argument");
    if (!is_kg_kind(t->kind))
        return gr_err(GR_EINVAL, "gr_kg_fit: a %s trainer cannot fit a knowledge graph (transe, distmult, rotate, complex)",
                      gr_model_kind_name(t->kind));
    int rc = GR_OK;
    if (train->n == 0) rc = gr_err(GR_ESTATE, "gr_kg_fit: the training graph has no triples");
    else if (valid && valid->vocab != train->vocab)
        rc = gr_err(GR_EINVAL, "the validation triples are not in the training id space: load them with gr_kg_load_like()");
    if (rc == GR_OK) rc = gr_ckpt_supported(t);
    /* with a communicator, a check failing on one rank stops them all */
    GR_TRY(gr_dist_agree(gr_dist_of(t), rc));
    gr_kg_settings s;
    gr_kg_settings_of(&s, t);
    int prev = gr_train_threads_begin(t);
    double t0 = gr_now();
    gr_kg_params p;
    int holdout = !valid && gr_opt_named(t, "holdout") > 0 && train->n >= 2;
    int search = gr_search_wanted(t) && (holdout || valid);
    double held = 0, run = 0;
    double saved[GR_MAX_OPTS];
    memcpy(saved, t->val, sizeof saved);
    t->stat_trials = 0;
    if (search) {
        rc = kg_fit_search(&p, t, &s, train, valid, holdout, &held, &run);
    } else if (holdout) {
        rc = kg_fit_holdout(&p, t, &s, train, &held, &run);
    } else {
        rc = kg_fit_once(&p, t, &s, train, valid);
    }
    double epochs = t->stat_epochs;
    if (rc == GR_OK) rc = gr_kg_model_new(out, t->kind, &p, s.norm, train, NULL);
    t->stat_seconds = gr_now() - t0;
    gr_train_threads_end(prev);
    if (rc == GR_OK) {
        gr_kg_record_info(*out, t, &s);
        if (holdout) {
            int refit = (int)gr_opt_named(t, "holdout_final") != GR_HOLDOUT_BEST && t->stat_best_epoch > 0 &&
                        !t->stopped_by_caller;
            gr_holdout_record(*out, t, held, t->stat_best_epoch, "valid_mrr", t->stat_best_valid, run, refit);
            gr_model_set_info(*out, "epochs", epochs);
            if (refit && (int)gr_opt_named(t, "holdout_final") == GR_HOLDOUT_WARM) gr_model_set_info(*out, "warm_epochs", epochs);
        }
        if (search) gr_search_record(*out, t);
        gr_model_set_info(*out, "train_seconds", t->stat_seconds);
    }
    /* the trainer keeps the caller's settings; the model reports the chosen ones */
    memcpy(t->val, saved, sizeof saved);
    return rc;
}

/* ---- recommendation: a user-item graph as a knowledge graph ---- */

typedef struct rec_ctx {
    const gr_trainer *t;
    const gr_graph *g;
    const gr_kg *kg;
    int norm;
} rec_ctx;

/* NDCG@K of the current parameters on the trainer's validation graph. */
static double validate_rec(void *ctx, const gr_kg_params *p, int *status)
{
    rec_ctx *c = ctx;
    gr_kg_params copy;
    memset(&copy, 0, sizeof copy);
    gr_model *m = NULL;
    int rc = gr_kg_params_copy(&copy, p);
    if (rc == GR_OK) rc = gr_kg_model_new(&m, c->t->kind, &copy, c->norm, c->kg, c->g);
    if (rc != GR_OK) {
        /* in place of the evaluation's first collective (gr_rank_eval_on) */
        *status = gr_dist_agree(gr_dist_of(c->t), rc);
        return NAN;
    }
    double metric = gr_validate_model(c->t, m, c->g, status);
    gr_model_free(m);
    return metric;
}

static int fit_graph(gr_model **out, gr_trainer *t, const gr_graph *g)
{
    gr_kg_settings s;
    gr_kg_settings_of(&s, t);
    unsigned side = gr_opt_named(t, "side_info") != 0 ? GR_KG_SIDE_ALL : GR_KG_SIDE_NONE;
    gr_kg *kg = NULL;
    /* agreed: a rank without the triples would not enter the fit's exchanges */
    int rc = gr_dist_agree(gr_dist_of(t), gr_kg_from_graph(&kg, g, gr_opt_named(t, "like_rating"), side));
    if (rc != GR_OK) {
        gr_kg_free(kg);
        return rc;
    }
    rec_ctx ctx = { t, g, kg, s.norm };
    gr_kg_params p;
    memset(&p, 0, sizeof p);
    rc = gr_kg_train(&p, t, &s, kg, t->valid ? validate_rec : NULL, &ctx);
    if (rc == GR_OK) rc = gr_kg_model_new(out, t->kind, &p, s.norm, kg, gr_fit_model_graph(t, g));
    if (rc == GR_OK) {
        gr_kg_record_info(*out, t, &s);
        gr_model_set_info(*out, "side_info", side != 0);
        /* what an update rebuilds the graph of the grown interactions with */
        gr_model_set_info(*out, "like_rating", gr_opt_named(t, "like_rating"));
        gr_model_set_info(*out, "triples", (double)kg->n);
    }
    gr_kg_free(kg);
    return rc;
}

/* ---- settings ---- */

static const char *const loss_names[] = { "adversarial", "margin", "softmax", NULL };
static const char *const sampling_names[] = { "filtered", "uniform", NULL };
static const char *const schedule_names[] = { "constant", "step", "cosine", NULL };

#define KG_OPTS(DIM, LR, GAMMA, REG, EPOCHS, LOSS, NEGATIVES)                                                       \
    { "dim", GR_OPT_DIM, DIM, 1, 4096, 1, NULL, "embedding dimension (complex dimensions for rotate, complex)" },    \
    { "batch", GR_OPT_BATCH, 512, 1, 1e7, 1, NULL, "queries per mini-batch" },                                       \
    { "negatives", GR_OPT_NEGATIVES, NEGATIVES, 1, 65536, 1, NULL, "negative entities per query" },                  \
    { "neg_share", 0, 0, 0, 1e7, 1, NULL, "queries sharing one set of negatives (0: the whole batch)" },              \
    { "lr", GR_OPT_LR, LR, 1e-12, 100, 0, NULL, "Adam learning rate" },                                              \
    { "reg", GR_OPT_REG, REG, 0, 100, 0, NULL, "N3 weight on the rows of each batch's triples" },                    \
    { "epochs", GR_OPT_EPOCHS, EPOCHS, 1, 1e7, 1, NULL, "epochs: every triple once as a tail and once as a head query" }, \
    { "eval_every", GR_OPT_EVAL_EVERY, 4, 1, 1e7, 1, NULL, "epochs between validations" },                          \
    { "gamma", 0, GAMMA, 0, 1e4, 0, NULL, "gamma of distance scores, gamma - |q - e|" },                             \
    { "adv_temp", 0, 1.0, 0, 1e3, 0, NULL, "temperature of self-adversarial weights (0: uniform)" },                  \
    { "loss", 0, LOSS, 0, 2, 1, loss_names, "adversarial (RotatE), margin ranking or sampled softmax" },             \
    { "margin", 0, 1.0, 0, 1e4, 0, NULL, "margin of the margin ranking loss" },                                      \
    { "sampling", 0, GR_KG_SAMPLE_FILTERED, 0, 1, 1, sampling_names, "negatives: filtered against known triples or uniform" }, \
    { "lr_schedule", 0, GR_KG_LR_COSINE, 0, 2, 1, schedule_names, "constant, step (/10 at half the epochs) or cosine" }, \
    { "init_range", 0, 0, 0, 100, 0, NULL, "uniform initialisation range (0: (gamma + 2) / dim)" },                  \
    { "subsampling", 0, 1, 0, 1, 1, NULL, "weight triples by 1 / sqrt(frequency of (h, r) and (t, r^-1)) (1) or not (0)" }, \
    { "adam_catch_up", 0, 0, 0, 1, 1, NULL, "move rows a batch skips by their momentum, as dense Adam does (1) or not (0)" }, \
    { "valid_sample", 0, 0, 0, 1e9, 1, NULL, "validation triples used per validation (0: all)" },                    \
    { "side_info", 0, 1, 0, 1, 1, NULL, "user-item graphs: add genre, decade and demographic triples" },              \
    { "like_rating", 0, 0, 0, 1e9, 0, NULL, "user-item graphs: edges rated at least this are liked (0: all)" },     \
    { "shard", 0, 0, 0, 1, 1, NULL,                                                                                  \
      "under a communicator: 1 keeps the entities' Adam state and best validated rows by owner (each rank its "     \
      "slice), the updated rows sent after each step; 0 (default) keeps them whole on every rank; the same model" }

static const gr_opt_spec transe_opts[] = {
    KG_OPTS(500, 1e-3, 6.0, 0, 20, GR_KG_LOSS_ADVERSARIAL, 256),
    { "norm", 0, 1, 1, 2, 1, NULL, "TransE distance: 1 (L1) or 2 (L2)" },
};
/* The dot-product kinds train with the sampled softmax over 1,024 shared
 * negatives and an N3 weight of 5e-4: chosen on WN18RR's valid.txt
 * (docs/kg.md, "Choosing the defaults") */
static const gr_opt_spec distmult_opts[] = { KG_OPTS(500, 1e-3, 6.0, 5e-4, 20, GR_KG_LOSS_SOFTMAX, 1024) };
static const gr_opt_spec rotate_opts[] = { KG_OPTS(500, 1e-3, 6.0, 0, 40, GR_KG_LOSS_ADVERSARIAL, 256) };
static const gr_opt_spec complex_opts[] = { KG_OPTS(250, 1e-3, 6.0, 5e-4, 20, GR_KG_LOSS_SOFTMAX, 1024) };

#define N_OPTS(a) (sizeof a / sizeof a[0])

const gr_kind_trainer gr_transe_trainer = { GR_MODEL_TRANSE, transe_opts, N_OPTS(transe_opts), fit_graph, NULL };
const gr_kind_trainer gr_distmult_trainer = { GR_MODEL_DISTMULT, distmult_opts, N_OPTS(distmult_opts), fit_graph, NULL };
const gr_kind_trainer gr_rotate_trainer = { GR_MODEL_ROTATE, rotate_opts, N_OPTS(rotate_opts), fit_graph, NULL };
const gr_kind_trainer gr_complex_trainer = { GR_MODEL_COMPLEX, complex_opts, N_OPTS(complex_opts), fit_graph, NULL };

/* What a time budget searches (train/search.h): the step size, the
 * margin gamma of the distance scores (of the dot products: the initial
 * range), the self-adversarial temperature under that loss, and the N3
 * weight. */
static const gr_search_dim kg_search_dims[] = {
    { "lr", NULL, 0, 1e-3, 2, 0 },
    { "gamma", NULL, 0, 6, 1.5, 0 },
    { "adv_temp", "loss", GR_KG_LOSS_ADVERSARIAL, 1, 2, 0.125 },
    { "reg", NULL, 0, 0, 3.1623, 1e-5 },
};
#define KG_SEARCH(kind) { kind, kg_search_dims, sizeof kg_search_dims / sizeof kg_search_dims[0] }
const gr_search_table gr_transe_search = KG_SEARCH(GR_MODEL_TRANSE);
const gr_search_table gr_distmult_search = KG_SEARCH(GR_MODEL_DISTMULT);
const gr_search_table gr_rotate_search = KG_SEARCH(GR_MODEL_ROTATE);
const gr_search_table gr_complex_search = KG_SEARCH(GR_MODEL_COMPLEX);
