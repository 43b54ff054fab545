/* Validation data carved from the training data (train/holdout.h). */
#include "train/holdout.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/rng.h"
#include "dist/dist.h"
#include "eval/ranking.h"
#include "train/checkpoint.h"
#include "train/lightgcn_train.h"

/* A stream of its own, so the held-out part does not repeat the draws of
 * gr_graph_split() or of the initialisation for the same seed. */
#define HOLDOUT_STREAM 0x401DULL

/* How many of a user's deg interactions are held out. */
static size_t held_of(size_t deg, double fraction, size_t min_degree)
{
    if (deg < min_degree || deg < 2) return 0;
    size_t n = (size_t)floor((double)deg * fraction + 0.5);
    if (n < 1) n = 1;
    if (n > deg - 1) n = deg - 1;
    return n;
}

int gr_holdout_split(gr_graph **train, gr_graph **valid, const gr_graph *g, double fraction, size_t min_degree,
                     uint64_t seed, gr_dist *d)
{
    size_t maxdeg = 1;
    for (size_t u = 0; u < g->n_users; u++)
        if (gr_csr_degree(&g->ui, u) > maxdeg) maxdeg = gr_csr_degree(&g->ui, u);
    uint8_t *part = gr_zalloc(g->n_edges ? g->n_edges : 1, 1);
    int64_t *idx = gr_alloc(maxdeg, sizeof *idx);
    int rc = part && idx ? GR_OK : GR_ENOMEM;
    for (size_t u = 0; rc == GR_OK && u < g->n_users; u++) {
        size_t deg = gr_csr_degree(&g->ui, u), n = held_of(deg, fraction, min_degree);
        if (n == 0) continue;
        for (size_t k = 0; k < deg; k++) idx[k] = g->ui.ptr[u] + (int64_t)k;
        gr_rng_shuffle(idx, deg, seed, gr_hash3(HOLDOUT_STREAM, u, 0));
        for (size_t k = 0; k < n; k++) part[idx[k]] = 1;
    }
    free(idx);
    gr_graph *tr = NULL, *va = NULL;
    if (rc == GR_OK) rc = gr_graph_subset(&tr, g, part, 0);
    if (rc == GR_OK) rc = gr_graph_subset(&va, g, part, 1);
    free(part);
    rc = gr_dist_agree(d, rc);
    if (rc != GR_OK) {
        gr_graph_free(tr);
        gr_graph_free(va);
        return rc;
    }
    *train = tr;
    *valid = va;
    return GR_OK;
}

int gr_holdout_split_kg(gr_kg **train, gr_kg **valid, const gr_kg *kg, double fraction, uint64_t seed, gr_dist *d)
{
    size_t n = kg->n, nv = (size_t)floor((double)n * fraction + 0.5);
    if (nv >= n) nv = n - 1;
    int64_t *idx = gr_alloc(n, sizeof *idx);
    int32_t *h = gr_alloc(n, sizeof *h), *r = gr_alloc(n, sizeof *r), *t = gr_alloc(n, sizeof *t);
    int rc = idx && h && r && t ? GR_OK : GR_ENOMEM;
    if (rc == GR_OK) {
        for (size_t k = 0; k < n; k++) idx[k] = (int64_t)k;
        gr_rng_shuffle(idx, n, seed, HOLDOUT_STREAM);
        for (size_t k = 0; k < n; k++) {
            h[k] = kg->h[idx[k]];
            r[k] = kg->r[idx[k]];
            t[k] = kg->t[idx[k]];
        }
    }
    gr_kg *tr = NULL, *va = NULL;
    if (rc == GR_OK) rc = gr_kg_build(&va, kg->vocab, h, r, t, nv, 0);
    if (rc == GR_OK) rc = gr_kg_build(&tr, kg->vocab, h + nv, r + nv, t + nv, n - nv, 0);
    free(idx);
    free(h);
    free(r);
    free(t);
    rc = gr_dist_agree(d, rc);
    if (rc != GR_OK) {
        gr_kg_free(tr);
        gr_kg_free(va);
        return rc;
    }
    *train = tr;
    *valid = va;
    return GR_OK;
}

int gr_holdout_wanted(const gr_trainer *t) { return !t->valid && gr_opt_named(t, "holdout") > 0; }

/* Whether validation measures ratings (GraphSAGE on ratings: RMSE) rather
 * than ranking users' held-out items. */
static int validates_ratings(const gr_trainer *t)
{
    return t->kind == GR_MODEL_GRAPHSAGE && (int)gr_opt(t, GR_OPT_OBJECTIVE) == GR_OBJECTIVE_RATING;
}

/* The validation figure as reported: its info key and value (RMSE for
 * GraphSAGE on ratings, which the trainer maximises as -RMSE). */
static const char *valid_key(const gr_trainer *t, double *value)
{
    if (validates_ratings(t)) {
        *value = -*value;
        return "valid_rmse";
    }
    static const char *const keys[] = { "valid_recall", "valid_precision", "valid_ndcg", "valid_hit", "valid_mrr" };
    return keys[(int)gr_opt(t, GR_OPT_VALID_METRIC)];
}

void gr_holdout_record(gr_model *m, const gr_trainer *t, double held_out, double valid_epoch, const char *key,
                       double valid_value, double epochs_run, int refit)
{
    gr_model_set_info(m, "holdout", gr_opt_named(t, "holdout"));
    gr_model_set_info(m, "holdout_edges", held_out);
    gr_model_set_info(m, "holdout_epochs", epochs_run);
    gr_model_set_info(m, "valid_epoch", valid_epoch);
    gr_model_set_info(m, key, valid_value);
    gr_model_set_info(m, "refit", refit);
}

int gr_holdout_refit_begin(gr_trainer *t, double epochs, gr_refit_saved *saved)
{
    saved->key = -1;
    for (size_t i = 0; i < t->n_opts && saved->key < 0; i++)
        if (t->spec[i].key == GR_OPT_EPOCHS) saved->key = (int)i;
    GR_TRY(gr_ckpt_refit_begin(t, &saved->path));
    /* the refit's own checkpoint records these epochs among its settings */
    saved->epochs = t->val[saved->key];
    t->val[saved->key] = epochs;
    return GR_OK;
}

void gr_holdout_refit_end(gr_trainer *t, const gr_refit_saved *saved)
{
    t->val[saved->key] = saved->epochs;
    gr_ckpt_refit_end(t, saved->path);
}

/* Fit on all of g for `epochs` epochs, without validation. */
static int refit(gr_model **out, gr_trainer *t, const gr_graph *g, double epochs)
{
    gr_refit_saved saved;
    GR_TRY(gr_holdout_refit_begin(t, epochs, &saved));
    int rc = gr_fit_kind(out, t, g);
    gr_holdout_refit_end(t, &saved);
    return rc;
}

/*
 * Whether LightGCN / MF continue warm instead of refitting: when the
 * chosen epochs are at least WARM_RATIO times the continuation's.  On
 * ML-1M (200 steps chosen) the continuation saved 30% of the CPU time and
 * validated better than the refit; on ML-100K (70-100 chosen) it saved
 * little and validated worse (docs/training.md).
 */
#define WARM_RATIO 4

static int warm_pays(const gr_trainer *t, const gr_graph *g, double epoch)
{
    if (t->kind != GR_MODEL_LIGHTGCN && t->kind != GR_MODEL_MF) return 0;
    double steps = gr_lgcn_mode(t, g) != GR_MODE_PAPER ? GR_LGCN_UPDATE_STEPS : GR_LGCN_UPDATE_EPOCHS;
    return epoch >= WARM_RATIO * steps;
}

/*
 * holdout_final; a kind may leave it unset (NaN) to default by objective:
 * GraphSAGE keeps the validated ranking model (its refit doubled the time
 * and did not validate better, docs/graphsage.md) and refits a rating one.
 */
static int holdout_final(const gr_trainer *t)
{
    double v = gr_opt_named(t, "holdout_final");
    if (!isnan(v)) return (int)v;
    return (int)gr_opt(t, GR_OPT_OBJECTIVE) == GR_OBJECTIVE_RATING ? GR_HOLDOUT_REFIT : GR_HOLDOUT_BEST;
}

int gr_holdout_finish(gr_model **out, gr_model *kept, gr_trainer *t, const gr_graph *g, size_t held)
{
    int final = holdout_final(t);
    double epoch = t->stat_best_epoch, best = t->stat_best_valid, run = t->stat_epochs;
    /* a caller that stops the fit gets the model as it stands */
    int refitted = final != GR_HOLDOUT_BEST && epoch > 0 && !t->stopped_by_caller;
    int rc = GR_OK;
    *out = kept;
    if (refitted) {
        *out = NULL;
        int warm = final == GR_HOLDOUT_WARM && warm_pays(t, g, epoch);
        rc = warm ? gr_lgcn_warm_refit(out, kept, g, t, epoch) : refit(out, t, g, epoch);
        gr_model_free(kept);
        /* the statistics keep the validated run's length; the model's info has the warm run's */
        if (warm) t->stat_epochs = run;
    }
    if (rc != GR_OK) return rc;
    t->stat_best_epoch = epoch;
    t->stat_best_valid = best;
    double value = best;
    const char *key = valid_key(t, &value);
    gr_holdout_record(*out, t, (double)held, epoch, key, value, run, refitted);
    return GR_OK;
}

int gr_holdout_split_of(gr_graph **train, gr_graph **valid, const gr_trainer *t, const gr_graph *g)
{
    return gr_holdout_split(train, valid, g, gr_opt_named(t, "holdout"), (size_t)gr_opt_named(t, "holdout_min"),
                            (uint64_t)gr_opt(t, GR_OPT_SEED), gr_dist_of(t));
}

int gr_fit_with_holdout(gr_model **out, gr_trainer *t, const gr_graph *g)
{
    gr_graph *tr = NULL, *va = NULL;
    GR_TRY(gr_holdout_split_of(&tr, &va, t, g));
    size_t held = va->n_edges;
    int rc;
    if (held == 0 || tr->n_edges == 0) {
        /* nobody has enough interactions to spare: train on everything */
        rc = gr_fit_kind(out, t, g);
        if (rc == GR_OK) gr_model_set_info(*out, "holdout_edges", 0);
        gr_graph_free(tr);
        gr_graph_free(va);
        return rc;
    }
    /* a kind that chooses settings on the held-out part (the training-free
     * kinds' searches) leaves them in t->val for the refit; the caller's
     * settings come back afterwards */
    double saved[GR_MAX_OPTS];
    memcpy(saved, t->val, sizeof saved);
    gr_size_defaults(t, tr);
    t->valid = va;
    /* the model of this fit serves all the training data, should it be kept */
    t->model_graph = g;
    gr_model *kept = NULL;
    rc = gr_fit_kind(&kept, t, tr);
    t->valid = NULL;
    t->model_graph = NULL;
    if (rc == GR_OK) rc = gr_holdout_finish(out, kept, t, g, held);
    memcpy(t->val, saved, sizeof saved);
    /* the users a ranking validation scored (setting valid_users) */
    if (rc == GR_OK && !validates_ratings(t))
        gr_model_set_info(*out, "valid_users", (double)gr_rank_sample_users(va, (size_t)gr_opt_named(t, "valid_users")));
    gr_graph_free(tr);
    gr_graph_free(va);
    return rc;
}
