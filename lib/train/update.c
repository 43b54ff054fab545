/*
 * Incremental update of a model: the training graph grows by new
 * interactions, users and items.  LightGCN / MF: the new rows of the
 * layer-0 embeddings start from their neighbours' (as a fold-in would
 * place them) and a few warm-started epochs over the grown graph adapt
 * everything.  The training-free filters (GF-CF, Chebyshev, EASE) are
 * built again on the grown graph with the settings their fit chose.  The
 * input model is not touched: the result is a new model.
 */
#include <gnnrec/trainer.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/rng.h"
#include "graph/grow.h"
#include "models/kg_model.h"
#include "models/lightgcn.h"
#include "train/holdout.h"
#include "train/graphsage_train.h"
#include "train/kg_train.h"
#include "train/lightgcn_train.h"
#include "train/trainer.h"

static void put_opt(gr_trainer *t, int key, double v)
{
    for (size_t k = 0; k < t->n_opts; k++)
        if (t->spec[k].key == key) t->val[k] = v;
}

/* The model's shape, and the update's own defaults for the schedule's
 * length and step size where the caller has not set them. */
static void apply_update_opts(gr_trainer *t, const gr_model *m, gr_trainer_held *saved)
{
    gr_trainer_hold(t, saved);
    const gr_lightgcn_state *s = m->state;
    put_opt(t, GR_OPT_DIM, (double)m->dim);
    put_opt(t, GR_OPT_LAYERS, s->layers);
    /* every schedule but the paper's takes full-batch steps */
    int fast = (int)gr_opt(t, GR_OPT_MODE) != GR_MODE_PAPER;
    if (isnan(gr_opt(t, GR_OPT_EPOCHS))) put_opt(t, GR_OPT_EPOCHS, fast ? GR_LGCN_UPDATE_STEPS : GR_LGCN_UPDATE_EPOCHS);
    double fast_lr = t->kind == GR_MODEL_MF ? GR_MF_UPDATE_LR : GR_LGCN_UPDATE_LR;
    if (isnan(gr_opt(t, GR_OPT_LR))) put_opt(t, GR_OPT_LR, fast ? fast_lr : 1e-3);
    /* the short schedule keeps its rate: a validated fit that decayed its
     * rate has ended at its floor, which the warm continuation's rate is */
    double *floor = gr_opt_slot(t, "lr_floor");
    if (isnan(*floor)) *floor = 1.0;
    /* a model of the sampled schedule goes on at the temperature it was
     * trained with, not at the one sized to the grown graph */
    double tau, *slot = gr_opt_slot(t, "temperature");
    if (isnan(*slot) && gr_model_info(&tau, m, "temperature") == GR_OK) *slot = tau;
}

/*
 * Start a not-yet-placed row (mask 0) from its placed neighbours (rows of
 * the other side) as a fold-in would: LightGCN sums e_j / sqrt(n deg j),
 * MF takes their mean.  Returns whether any neighbour was placed.
 */
static int place_row(float *row, const float *e0, const uint8_t *placed, const gr_csr *adj, const gr_csr *back,
                     size_t r, size_t first_other, size_t d, int mean)
{
    size_t n = 0;
    for (int64_t k = adj->ptr[r]; k < adj->ptr[r + 1]; k++) n += placed[first_other + (size_t)adj->col[k]];
    if (n == 0) return 0;
    memset(row, 0, d * sizeof *row);
    for (int64_t k = adj->ptr[r]; k < adj->ptr[r + 1]; k++) {
        size_t j = (size_t)adj->col[k];
        if (!placed[first_other + j]) continue;
        size_t deg = gr_csr_degree(back, j);
        float w = mean ? 1.0f / (float)n : (float)(1.0 / sqrt((double)n * (double)(deg ? deg : 1)));
        const float *v = e0 + (first_other + j) * d;
        for (size_t q = 0; q < d; q++) row[q] += w * v[q];
    }
    return 1;
}

/* Place every unplaced row of one side [first, first + count) whose
 * neighbours are placed. */
static int place_side(float *e0, uint8_t *placed, const gr_csr *adj, const gr_csr *back, size_t first, size_t count,
                      size_t first_other, size_t d, int mean)
{
    uint8_t *now = gr_zalloc(count ? count : 1, 1);
    if (!now) return GR_ENOMEM;
    for (size_t r = 0; r < count; r++)
        if (!placed[first + r]) now[r] = (uint8_t)place_row(e0 + (first + r) * d, e0, placed, adj, back, r, first_other, d, mean);
    for (size_t r = 0; r < count; r++) placed[first + r] |= now[r];
    free(now);
    return GR_OK;
}

/* Layer-0 embeddings of the grown graph g from m's. */
static float *initial_embeddings(const gr_model *m, const gr_graph *g, const gr_trainer *t)
{
    const gr_lightgcn_state *s = m->state;
    size_t d = m->dim, nu = g->n_users, ni = g->n_items, n = nu + ni;
    float *e0 = gr_alloc_floats(n * d);
    uint8_t *placed = gr_zalloc(n, 1);
    if (!e0 || !placed) {
        free(e0);
        free(placed);
        return NULL;
    }
    memcpy(e0, s->e0, m->n_users * d * sizeof *e0);
    memcpy(e0 + nu * d, s->e0 + m->n_users * d, m->n_items * d * sizeof *e0);
    memset(placed, 1, m->n_users);
    memset(placed + nu, 1, m->n_items);
    int mean = s->layers == 0;
    /* new items from their known users, new users from their items, then
     * items whose only users were new */
    int rc = place_side(e0, placed, &g->iu, &g->ui, nu, ni, 0, d, mean);
    if (rc == GR_OK) rc = place_side(e0, placed, &g->ui, &g->iu, 0, nu, nu, d, mean);
    if (rc == GR_OK) rc = place_side(e0, placed, &g->iu, &g->ui, nu, ni, 0, d, mean);
    if (rc != GR_OK) {
        free(e0);
        free(placed);
        return NULL;
    }
    gr_rng r = gr_rng_make((uint64_t)gr_opt(t, GR_OPT_SEED), 0x5eed);
    double std = gr_opt(t, GR_OPT_INIT_STD);
    for (size_t k = 0; k < n; k++)
        if (!placed[k])
            for (size_t q = 0; q < d; q++) e0[k * d + q] = (float)(std * gr_rng_normal(&r));
    free(placed);
    return e0;
}

static int is_filter(int kind) { return kind == GR_MODEL_GFCF || kind == GR_MODEL_CHEBY || kind == GR_MODEL_EASE; }

/* A KG model of a user-item graph, which interactions update. */
static int is_kg_of_graph(const gr_model *m)
{
    const gr_kg_state *s = gr_kg_state_of(m);
    return s && s->kg->has_ui;
}

static int check_update(const gr_model *m, const gr_trainer *t)
{
    if (m->kind != GR_MODEL_LIGHTGCN && m->kind != GR_MODEL_MF && m->kind != GR_MODEL_GRAPHSAGE && !is_filter(m->kind) &&
        !is_kg_of_graph(m))
        return gr_err(GR_EUNSUPPORTED,
                      "gr_model_update: a %s model trained on triples takes new triples (gr_model_update_kg), not "
                      "interactions",
                      gr_model_kind_name(m->kind));
    if (t && t->kind != m->kind)
        return gr_err(GR_EINVAL, "gr_model_update: a %s trainer for a %s model", gr_model_kind_name(t->kind),
                      gr_model_kind_name(m->kind));
    return GR_OK;
}

int gr_lgcn_warm_refit(gr_model **out, const gr_model *m, const gr_graph *g, gr_trainer *t, double max_steps)
{
    gr_trainer_held saved;
    double lr = gr_opt(t, GR_OPT_LR);
    /* the schedule that ran (mode auto resolves by the graph's shape) */
    int mode = gr_lgcn_mode(t, g), full_batch = mode != GR_MODE_PAPER;
    double fast_lr = t->kind == GR_MODEL_MF ? GR_MF_FAST_LR : GR_LGCN_FAST_LR;
    if (isnan(lr)) lr = mode == GR_MODE_FAST ? fast_lr : mode == GR_MODE_SAMPLED ? GR_LGCN_SAMPLED_LR : 1e-3;
    apply_update_opts(t, m, &saved);
    /* the update's short schedule, never longer than the chosen one; the
     * full-batch schedules continue at the fraction of their learning rate
     * that the update's defaults take of the fast schedule's */
    double steps = full_batch ? GR_LGCN_UPDATE_STEPS : GR_LGCN_UPDATE_EPOCHS;
    put_opt(t, GR_OPT_EPOCHS, steps < max_steps ? steps : max_steps);
    put_opt(t, GR_OPT_LR, full_batch ? lr * (GR_LGCN_UPDATE_LR / GR_LGCN_FAST_LR) : lr);
    const gr_lightgcn_state *s = m->state;
    size_t n = (g->n_users + g->n_items) * m->dim;
    float *e0 = m->n_users == g->n_users && m->n_items == g->n_items ? gr_alloc_floats(n) : NULL;
    int rc = GR_ENOMEM;
    if (e0) {
        memcpy(e0, s->e0, n * sizeof *e0);
        rc = gr_lgcn_fit_from(out, t, g, m->kind, e0);
    }
    double warm_lr = gr_opt(t, GR_OPT_LR), warm_steps = gr_opt(t, GR_OPT_EPOCHS);
    gr_trainer_release(t, &saved);
    if (rc != GR_OK) return rc;
    /* the model reports the schedule it was validated with, and the warm run apart */
    gr_model_set_info(*out, "lr", lr);
    gr_model_set_info(*out, "warm_lr", warm_lr);
    gr_model_set_info(*out, "warm_steps", warm_steps);
    return GR_OK;
}

/*
 * A training-free filter of the grown graph g: a trainer of m's kind takes
 * the settings m's fit chose (the model's info: alpha, rank, phi, ...,
 * lambda), and the caller's t, where it sets one, overrides them; it fits
 * without a held-out part, so nothing is searched again.  t's statistics
 * become the refit's.
 */
static int refit_filter(gr_model **out, const gr_model *m, const gr_graph *g, gr_trainer *t)
{
    gr_trainer *u;
    GR_TRY(gr_trainer_new(&u, m->kind));
    /* a trainer of the same kind: the same table */
    for (size_t k = 0; t && k < u->n_opts; k++)
        if (t->hand_set[k]) {
            u->val[k] = t->val[k];
            u->hand_set[k] = 1;
        }
    gr_trainer_take_model_info(u, m, NULL);
    const int holdout = gr_opt_index(u, "holdout");
    if (!(t && t->hand_set[holdout])) u->val[holdout] = 0.0;
    int rc = gr_trainer_fit(out, u, g);
    if (t) {
        t->stat_epochs = u->stat_epochs;
        t->stat_best_epoch = u->stat_best_epoch;
        t->stat_best_valid = u->stat_best_valid;
        t->stat_seconds = u->stat_seconds;
        t->stat_loss = u->stat_loss;
        t->stat_trials = u->stat_trials;
    }
    gr_trainer_free(u);
    return rc;
}

/*
 * GraphSAGE on the grown graph g: the settings m's fit chose (its info)
 * where the caller set none, m's shape whatever the caller set, and the
 * update's short schedule: GR_SAGE_UPDATE_EPOCHS epochs at
 * GR_SAGE_UPDATE_LR_SCALE of the fit's step size, from m's parameters.
 */
static int update_graphsage(gr_model **out, const gr_model *m, const gr_graph *g, gr_trainer *t)
{
    static const char *const shape[] = { "dim", "layers", "hidden", "id_dim", "bias", "l2norm", "objective", NULL };
    gr_trainer_held saved;
    gr_trainer_hold(t, &saved);
    gr_trainer_take_model_info(t, m, shape);
    const int epochs = gr_opt_index(t, "epochs"), lr = gr_opt_index(t, "lr");
    const double fit_lr = t->val[lr];
    if (!t->hand_set[epochs]) t->val[epochs] = GR_SAGE_UPDATE_EPOCHS;
    if (!t->hand_set[lr] && !isnan(t->val[lr])) t->val[lr] *= GR_SAGE_UPDATE_LR_SCALE;
    const double update_lr = t->val[lr];
    /* lr_floor, the model's, shapes the step size over the update's own epochs */
    int prev = gr_train_threads_begin(t);
    double t0 = gr_now();
    int rc = gr_sage_update(out, t, g, m);
    t->stat_seconds = gr_now() - t0;
    gr_train_threads_end(prev);
    if (rc == GR_OK) {
        gr_model_set_info(*out, "train_seconds", t->stat_seconds);
        /* the fit's step size stays the model's, so that the next update
         * scales it again rather than the scaled one */
        if (!isnan(fit_lr)) gr_model_set_info(*out, "lr", fit_lr);
        gr_model_set_info(*out, "update_lr", update_lr);
    }
    gr_trainer_release(t, &saved);
    return rc;
}

/* LightGCN / MF on the grown graph g: new rows placed from their
 * neighbours, the update's short schedule from m's parameters. */
static int update_embeddings(gr_model **out, const gr_model *m, const gr_graph *g, gr_trainer *t)
{
    gr_trainer_held saved;
    apply_update_opts(t, m, &saved);
    int prev = gr_train_threads_begin(t);
    double t0 = gr_now();
    float *e0 = initial_embeddings(m, g, t);
    int rc = e0 ? gr_lgcn_fit_from(out, t, g, m->kind, e0) : GR_ENOMEM;
    t->stat_seconds = gr_now() - t0;
    gr_train_threads_end(prev);
    gr_trainer_release(t, &saved);
    if (rc == GR_OK) gr_model_set_info(*out, "train_seconds", t->stat_seconds);
    return rc;
}

/* m's update on the grown graph g, by the kind's own way. */
static int update_on(gr_model **out, const gr_model *m, const gr_graph *g, gr_trainer *t)
{
    if (is_filter(m->kind)) return refit_filter(out, m, g, t);
    if (m->kind == GR_MODEL_GRAPHSAGE) return update_graphsage(out, m, g, t);
    if (is_kg_of_graph(m)) return gr_kg_update_graph(out, m, g, t);
    return update_embeddings(out, m, g, t);
}

int gr_model_update(gr_model **out, const gr_model *m, const gr_graph *added, gr_trainer *t)
{
    if (!out || !m || !added) return gr_err(GR_EINVAL, "gr_model_update: NULL argument");
    GR_TRY(check_update(m, t));
    gr_trainer *own = NULL;
    if (!t) {
        GR_TRY(gr_trainer_new(&own, m->kind));
        t = own;
    }
    gr_graph *g = NULL;
    int rc = gr_graph_grow(&g, m->graph, added);
    if (rc == GR_OK) rc = update_on(out, m, g, t);
    if (rc == GR_OK) gr_model_set_info(*out, "updated", 1);
    gr_graph_free(g);
    gr_trainer_free(own);
    return rc;
}
