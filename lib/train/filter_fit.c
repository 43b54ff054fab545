/*
 * Trainers of the graph filters (models/filter.h): no training, a
 * truncated SVD of the normalised interaction matrix, and, with
 * validation data, a search over a small grid of the filter's parameters
 * (each trial is one evaluation, since nothing is learnt).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "dist/dist.h"
#include "linalg/tsvd.h"
#include "models/filter.h"
#include "dist/dist_train.h"
#include "train/trainer.h"
#include "train/search.h"

#define COMMON_FILTER_OPTS                                                                                      \
    { "rank", 0, 256, 1, 65536, 1, NULL, "singular vectors of the ideal low-pass filter (capped at min(users, items))" }, \
    { "svd_iters", 0, 4, 1, 100, 1, NULL, "subspace iterations of the truncated SVD" },                          \
    { "oversample", 0, 32, 0, 4096, 1, NULL, "extra vectors of the truncated SVD's block" },                       \
    { "search", 0, 1, 0, 1, 1, NULL, "with validation data, choose the filter's parameters on a small grid (1) or not (0)" }, \
    /* a search's many trials score a sample of the users where there are many */                                \
    { "valid_users", 0, 8192, 0, 1e9, 1, NULL, NULL }

static const gr_opt_spec gfcf_opts[] = {
    { "alpha", 0, 0.3, 0, 1000, 0, NULL, "weight of the ideal low-pass filter" },
    COMMON_FILTER_OPTS,
};

static const char *const shape_names[] = { "power", "plateau", "stretched", NULL };

static const gr_opt_spec cheby_opts[] = {
    { "alpha", 0, 0.2, 0, 1000, 0, NULL, "weight of the ideal low-pass filter" },
    { "order", 0, 8, 0, GR_FILTER_MAX_ORDER, 1, NULL, "degree of the Chebyshev polynomial" },
    { "phi", 0, 2, 0.01, 100, 0, NULL, "exponent of the response the polynomial interpolates (see shape)" },
    { "shape", 0, GR_FILTER_PLATEAU, 0, 2, 1, shape_names,
      "response over the spectrum mu in [0, 1]: power (mu^phi), plateau (1/2 + 1/2 sgn(t) |t|^phi, t = 2 mu - 1) "
      "or stretched (the plateau at the Chebyshev extrema placed at the nodes, as ChebyCF)" },
    { "eps", 0, 0.3, -2, 2, 0, NULL, "degree exponent: the filter takes r D^-eps and scales its output by D^eps" },
    { "skew", 0, 0, -2, 2, 0, NULL,
      "output degree exponent minus eps: the filter scales its output by D^(eps + skew) (0: symmetric, as ChebyCF)" },
    { "tail", 0, 1, 0, 1, 1, NULL,
      "1: the polynomial exactly on the top rank eigenvectors and affine below them (GF-CF's cost); 0: exactly everywhere" },
    { "norm_exp", 0, 0.5, 0, 1, 0, NULL,
      "degree exponent of the normalised matrix D_u^-norm R D_i^-norm whose spectrum the filter shapes (1/2: as GF-CF "
      "and ChebyCF; below it popular items weigh more)" },
    { "norm_shift", 0, 0, 0, GR_FILTER_MAX_SHIFT, 0, NULL,
      "added to every degree of that matrix, in units of the mean degree: (D + shift d_mean)^-norm_exp (0: as GF-CF "
      "and ChebyCF; above it the rarest users and items weigh less)" },
    COMMON_FILTER_OPTS,
};

/*
 * R~ as this process holds it: all of it, or under a communicator the rows
 * of this rank's contiguous share of the users, normalised by the item
 * degrees summed over the ranks' shares.
 */
static int norm_rows(gr_spmat *r, gr_spmat *rt, const gr_graph *train, double norm, double deg_shift, gr_dist *d)
{
    memset(r, 0, sizeof *r);
    memset(rt, 0, sizeof *rt);
    if (!d) return gr_filter_norm_matrices(r, rt, train, norm, deg_shift, 1.0f);
    size_t lo, hi, ni = train->n_items;
    gr_dist_share(train->n_users, d->rank, d->size, &lo, &hi);
    double *deg = gr_zalloc(ni + 1, sizeof *deg);
    int rc = gr_dist_agree(d, deg ? GR_OK : GR_ENOMEM);
    if (rc != GR_OK) {
        free(deg);
        return rc;
    }
    const gr_csr *ui = &train->ui;
    for (int64_t e = ui->ptr[lo]; e < ui->ptr[hi]; e++) deg[ui->col[e]] += 1.0;
    rc = gr_dist_sum_exact(d, deg, ni);
    if (rc == GR_OK) rc = gr_filter_norm_share(r, rt, train, lo, hi, deg, norm, deg_shift, 1.0f);
    free(deg);
    /* another rank's failure: this rank's matrices go too */
    rc = gr_dist_agree(d, rc);
    if (rc != GR_OK) {
        gr_spmat_free(r);
        gr_spmat_free(rt);
    }
    return rc;
}

/* The top right singular vectors of R~ (of exponent norm and degree
 * shift setting shift, unscaled); under a communicator every product with
 * it is summed over the ranks (linalg/tsvd.h). */
static int spectral_basis(float **v, float **sigma, size_t *k, const gr_trainer *t, const gr_graph *train, double norm,
                          double shift)
{
    gr_dist *d = gr_dist_of(t);
    size_t lim = train->n_users < train->n_items ? train->n_users : train->n_items;
    *k = (size_t)gr_opt_named(t, "rank");
    if (*k > lim) *k = lim;
    *v = *sigma = NULL;
    gr_spmat r, rt;
    GR_TRY(norm_rows(&r, &rt, train, norm, gr_filter_deg_shift(train, shift), d));
    *v = gr_alloc_floats(train->n_items * *k);
    *sigma = gr_alloc_floats(*k);
    gr_tsvd_options o = { (size_t)gr_opt_named(t, "oversample"), (int)gr_opt_named(t, "svd_iters"),
                          (uint64_t)gr_opt(t, GR_OPT_SEED), d };
    int rc = gr_dist_agree(d, *v && *sigma ? GR_OK : GR_ENOMEM);
    if (rc == GR_OK) rc = gr_tsvd(*v, *sigma, &r, &rt, train->n_users, train->n_items, *k, &o);
    gr_spmat_free(&r);
    gr_spmat_free(&rt);
    /* tsvd's last step (Rayleigh-Ritz) can fail on one rank alone */
    rc = gr_dist_agree(d, rc);
    if (rc != GR_OK) {
        free(*v);
        free(*sigma);
        *v = *sigma = NULL;
    }
    return rc;
}

/* A filter of kind with parameters p: its basis, then the model. */
static int build_filter(gr_model **out, const gr_trainer *t, const gr_graph *train, int kind, const gr_filter_params *p)
{
    float *v, *sigma;
    size_t k;
    GR_TRY(spectral_basis(&v, &sigma, &k, t, train, p->norm, p->shift));
    return gr_filter_model(out, kind, train, p, v, sigma, k, gr_dist_of(t));
}

/*
 * The search: a coordinate search from the set values, one stage per
 * parameter, each stage keeping the best value so far (GF-CF: alpha only;
 * the Chebyshev filter: eps, norm, phi, alpha, shift, skew, then phi again
 * if skew moved).  Every trial is one evaluation of the validation users;
 * a trial of another norm or shift also computes its SVD, the others
 * re-weight the same basis.
 */
enum { FIELD_ALPHA, FIELD_PHI, FIELD_EPS, FIELD_SKEW, FIELD_NORM, FIELD_SHIFT };

/* A stage's grid, tried in its order, and the steps that extend it past
 * an edge: a stage whose best value is its smallest (largest) goes on at
 * that value - down (+ up), up to STAGE_EXTEND steps while each step improves
 * and stays at or above floor (a step 0: no extension).  So the grid
 * costs its trials where the best is inside it, and follows a data set
 * whose best lies outside.  eps does not extend: on MovieLens-1M's
 * valid.txt eps -0.1 won its stage by 0.0001 and led the later stages to
 * 0.2607 instead of 0.2646 (docs/filters.md). */
typedef struct stage {
    int field;
    float values[6];
    size_t n;
    float down, up, floor;
    /* A second pass over a field, run only when the stage before it moved
     * the best: its grid is the value it starts from minus down and plus
     * up (no values of its own), extended as any stage. */
    int again;
} stage;

/* four: MovieLens-1M's valid.txt still rose at phi 6 and 7 (docs/filters.md) */
#define STAGE_EXTEND 4

static const stage gfcf_stages[] = { { FIELD_ALPHA, { 0.0f, 0.1f, 0.2f, 0.3f, 0.5f, 1.0f }, 6, 0.05f, 1.0f, 0.0f, 0 } };
/* skew comes after the stages of the symmetric filter, so it is kept only
 * where it improves on their best: as the second stage it led
 * MovieLens-1M's valid.txt to 0.2611 instead of 0.2646 (docs/filters.md).
 * Where it moves, phi is searched again next to its value at the new skew
 * (Gowalla's best phi rose from 2 to 3 there). */
static const stage cheby_stages[] = {
    { FIELD_EPS, { 0.0f, 0.2f, 0.3f, 0.4f }, 4, 0.0f, 0.0f, -2.0f, 0 },
    /* early, so that the stages after it shape the filter of its basis,
     * but after eps: as the first stage it led MovieLens-1M's valid.txt to
     * 0.2638 instead of 0.2646 (docs/filters.md).  1/2 comes first: the
     * basis built before the search, which the stage then skips. */
    { FIELD_NORM, { 0.5f, 0.4f }, 2, 0.05f, 0.05f, 0.0f, 0 },
    { FIELD_PHI, { 1.0f, 1.5f, 2.0f, 3.0f }, 4, 0.25f, 1.0f, 0.5f, 0 },
    { FIELD_ALPHA, { 0.1f, 0.2f, 0.3f, 0.5f, 1.0f }, 5, 0.05f, 1.0f, 0.0f, 0 },
    /* after the stages that shape the response: right after eps's
     * stage a shift lost on both MovieLens sets (ML-100K, eps 0.2, phi 2:
     * 0.1873 at 0.5 against 0.1939 at 0), after alpha's it won on two of
     * the three (docs/filters.md, "The degree shift of R~") */
    { FIELD_SHIFT, { 0.0f, 0.25f, 0.5f }, 3, 0.0f, 0.25f, 0.0f, 0 },
    { FIELD_SKEW, { -0.1f, 0.0f, 0.1f, 0.2f }, 4, 0.1f, 0.1f, -2.0f, 0 },
    { FIELD_PHI, { 0 }, 0, 0.5f, 1.0f, 0.5f, 1 },
};

static float *field_of(gr_filter_params *p, int field)
{
    switch (field) {
    case FIELD_ALPHA: return &p->alpha;
    case FIELD_PHI: return &p->phi;
    case FIELD_EPS: return &p->eps;
    case FIELD_NORM: return &p->norm;
    case FIELD_SHIFT: return &p->shift;
    default: return &p->skew;
    }
}

typedef struct search_state {
    gr_trainer *t;
    gr_model *m; /* the model of the best norm so far, which the other trials re-weight */
    const gr_graph *train;
    double t0, best_metric;
    gr_filter_params best;
    int trials, best_trial, stop;
} search_state;

static int try_params(search_state *S, const gr_filter_params *p)
{
    gr_model *m = S->m;
    int kind = m->kind;
    if (p->norm != S->best.norm || p->shift != S->best.shift) {
        /* the best so far waits while the new basis is built and scored */
        gr_model_drop_items_t(S->m);
        GR_TRY(build_filter(&m, S->t, S->train, kind, p));
    }
    else GR_TRY(gr_filter_set_params_on(m, p, gr_dist_of(S->t)));
    int rc;
    double metric = gr_validate_model(S->t, m, S->train, &rc);
    int better = rc == GR_OK && metric > S->best_metric;
    if (m != S->m) { /* a new basis: kept only where it is the best so far */
        gr_model *drop = better ? S->m : m;
        if (better) S->m = m;
        gr_model_free(drop);
    }
    GR_TRY(rc);
    S->trials++;
    if (better) {
        S->best_metric = metric;
        S->best = *p;
        S->best_trial = S->trials;
    }
    S->t->stat_epochs = S->trials;
    /* every trial's settings, whichever stage varies: GF-CF has alpha alone */
    static const char *const names[] = { "alpha", "eps", "phi", "skew", "norm_exp", "norm_shift" };
    const double values[] = { p->alpha, p->eps, p->phi, p->skew, p->norm, p->shift };
    size_t n = kind == GR_MODEL_CHEBY ? 6 : 1;
    /* a callback stopping one rank stops the search on all */
    if (gr_fit_grid_trial(S->t, S->trials, n, names, values, metric, gr_now() - S->t0)) S->stop = 1;
    return GR_OK;
}

/* Past the edge the stage's best value sits on, one step at a time while
 * each step improves on the best so far. */
static int extend_stage(search_state *S, const stage *st)
{
    float best = *field_of(&S->best, st->field), lo = st->values[0], hi = st->values[0];
    for (size_t b = 1; b < st->n; b++) {
        lo = fminf(lo, st->values[b]);
        hi = fmaxf(hi, st->values[b]);
    }
    if (best != lo && best != hi) return GR_OK;
    float step = best == lo ? -st->down : st->up;
    if (step == 0.0f) return GR_OK;
    for (int e = 0; e < STAGE_EXTEND && !S->stop; e++) {
        gr_filter_params p = S->best;
        float *f = field_of(&p, st->field);
        *f += step;
        if (*f < st->floor) return GR_OK;
        int before = S->best_trial;
        GR_TRY(try_params(S, &p));
        if (S->best_trial == before) return GR_OK;
    }
    return GR_OK;
}

/* The chosen values become the trainer's settings for the rest of this
 * fit, so a refit on all the training data (holdout) uses them; the
 * holdout restores the caller's settings afterwards. */
static void keep_settings(gr_trainer *t, int kind, const gr_filter_params *p)
{
    *gr_opt_slot(t, "alpha") = p->alpha;
    if (kind != GR_MODEL_CHEBY) return;
    *gr_opt_slot(t, "phi") = p->phi;
    *gr_opt_slot(t, "eps") = p->eps;
    *gr_opt_slot(t, "skew") = p->skew;
    *gr_opt_slot(t, "norm_exp") = p->norm;
    *gr_opt_slot(t, "norm_shift") = p->shift;
}

/* *m: the model of base's norm on entry, of the best trial's on return
 * (freed and NULL on failure). */
static int search(gr_model **m, gr_trainer *t, const gr_graph *train, const gr_filter_params *base, double t0)
{
    /* the trainer's validation scores a sample of the users where there are
     * many (setting valid_users, gr_validate_source) */
    search_state S = { t, *m, train, t0, -INFINITY, *base, 0, 0, 0 };
    const stage *st = S.m->kind == GR_MODEL_CHEBY ? cheby_stages : gfcf_stages;
    size_t ns = S.m->kind == GR_MODEL_CHEBY ? sizeof cheby_stages / sizeof *cheby_stages : 1;
    int rc = GR_OK;
    int moved = 0;
    for (size_t a = 0; a < ns && rc == GR_OK && !S.stop; a++) {
        if (st[a].again && !moved) continue;
        gr_filter_params from = S.best;
        int before = S.best_trial;
        stage cur = st[a];
        if (cur.again) {
            float at = *field_of(&from, cur.field);
            cur.n = 0;
            if (at - cur.down >= cur.floor) cur.values[cur.n++] = at - cur.down;
            cur.values[cur.n++] = at + cur.up;
        }
        for (size_t b = 0; b < cur.n && rc == GR_OK && !S.stop; b++) {
            gr_filter_params p = from;
            *field_of(&p, cur.field) = cur.values[b];
            /* the value the stage starts from was evaluated already */
            if (a > 0 && *field_of(&from, cur.field) == cur.values[b]) continue;
            rc = try_params(&S, &p);
        }
        if (rc == GR_OK && !S.stop) rc = extend_stage(&S, &cur);
        moved = S.best_trial != before;
    }
    *m = S.m;
    if (rc == GR_OK) {
        t->stat_best_epoch = (double)S.best_trial;
        t->stat_best_valid = S.best_metric;
        keep_settings(t, S.m->kind, &S.best);
        rc = gr_filter_set_params_on(S.m, &S.best, gr_dist_of(t));
    }
    if (rc != GR_OK) {
        gr_model_free(S.m);
        *m = NULL;
    }
    return rc;
}

static int fit_filter(gr_model **out, gr_trainer *t, const gr_graph *train, int kind)
{
    double t0 = gr_now();
    gr_filter_params p = { (float)gr_opt_named(t, "alpha"), 1, 1.0f, 0.0f, GR_FILTER_POWER, 1, 0.0f, 0.5f, 0.0f };
    if (kind == GR_MODEL_CHEBY) {
        p.order = (int)gr_opt_named(t, "order");
        p.phi = (float)gr_opt_named(t, "phi");
        p.eps = (float)gr_opt_named(t, "eps");
        p.shape = (int)gr_opt_named(t, "shape");
        p.tail = (int)gr_opt_named(t, "tail");
        p.skew = (float)gr_opt_named(t, "skew");
        p.norm = (float)gr_opt_named(t, "norm_exp");
        p.shift = (float)gr_opt_named(t, "norm_shift");
    }
    gr_model *m;
    GR_TRY(build_filter(&m, t, train, kind, &p));
    t->stat_epochs = 1;
    t->stat_best_epoch = 1;
    t->stat_best_valid = NAN;
    t->stat_loss = NAN;
    int rc = GR_OK;
    if (t->valid && gr_opt_named(t, "search") != 0) rc = search(&m, t, train, &p, t0);
    else if (t->valid) t->stat_best_valid = gr_validate_model(t, m, train, &rc);
    /* the ranks computed the same sums: their bases must agree bit for bit */
    if (rc == GR_OK) rc = gr_dist_same_params(gr_dist_of(t), ((gr_filter_state *)m->state)->v, m->n_items * m->dim);
    if (rc != GR_OK) {
        gr_model_free(m);
        return rc;
    }
    gr_model_set_info(m, "seed", gr_opt(t, GR_OPT_SEED));
    gr_model_set_info(m, "svd_iters", gr_opt_named(t, "svd_iters"));
    /* with the settings above, what gr_model_update builds again */
    gr_model_set_info(m, "oversample", gr_opt_named(t, "oversample"));
    *out = m;
    return GR_OK;
}

static int fit_gfcf(gr_model **out, gr_trainer *t, const gr_graph *train) { return fit_filter(out, t, train, GR_MODEL_GFCF); }

static int fit_cheby(gr_model **out, gr_trainer *t, const gr_graph *train) { return fit_filter(out, t, train, GR_MODEL_CHEBY); }

const gr_kind_trainer gr_gfcf_trainer = { GR_MODEL_GFCF, gfcf_opts, sizeof gfcf_opts / sizeof gfcf_opts[0], fit_gfcf,
                                          NULL };
const gr_kind_trainer gr_cheby_trainer = { GR_MODEL_CHEBY, cheby_opts, sizeof cheby_opts / sizeof cheby_opts[0],
                                           fit_cheby, NULL };

/* What a time budget searches (train/search.h): the filters' parameters,
 * on finer grids than the setting `search`'s. */
static const gr_search_dim gfcf_search_dims[] = { { "alpha", NULL, 0, 0.3, 2, 0.05 } };
static const gr_search_dim cheby_search_dims[] = {
    { "alpha", NULL, 0, 0.3, 2, 0.05 },
    { "phi", NULL, 0, 0.5, 2, 0 },
    { "order", NULL, 0, 4, 2, 0 },
    /* each value a new basis: a trial costs an SVD more */
    { "norm_exp", NULL, 0, 0.5, 1.25, 0 },
    /* from 0 the first step up is 1/8 (the grid's base), below it 0 */
    { "norm_shift", NULL, 0, 0, 2, 0.125 },
};
const gr_search_table gr_gfcf_search = { GR_MODEL_GFCF, gfcf_search_dims, 1 };
const gr_search_table gr_cheby_search = { GR_MODEL_CHEBY, cheby_search_dims,
                                          sizeof cheby_search_dims / sizeof cheby_search_dims[0] };
