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
#include "eval/ranking.h"
#include "linalg/tsvd.h"
#include "models/filter.h"
#include "train/trainer.h"
#include "train/search.h"

#define COMMON_FILTER_OPTS                                                                                      \
    { "rank", 0, 256, 1, 65536, 1, NULL, "singular vectors of the ideal low-pass filter (capped at min(users, items))" }, \
    { "svd_iters", 0, 4, 1, 100, 1, NULL, "subspace iterations of the truncated SVD" },                          \
    { "oversample", 0, 32, 0, 4096, 1, NULL, "extra vectors of the truncated SVD's block" },                       \
    { "search", 0, 1, 0, 1, 1, NULL, "with validation data, choose the filter's parameters on a small grid (1) or not (0)" }

static const gr_opt_spec gfcf_opts[] = {
    { "alpha", 0, 0.3, 0, 1000, 0, NULL, "weight of the ideal low-pass filter" },
    COMMON_FILTER_OPTS,
};

static const gr_opt_spec cheby_opts[] = {
    { "alpha", 0, 0.3, 0, 1000, 0, NULL, "weight of the ideal low-pass filter" },
    { "order", 0, 4, 0, GR_FILTER_MAX_ORDER, 1, NULL, "degree of the Chebyshev polynomial" },
    { "phi", 0, 0.5, 0.01, 100, 0, NULL, "the polynomial interpolates mu^phi over the spectrum mu in [0, 1]" },
    { "eps", 0, 0, -2, 2, 0, NULL, "degree exponent: the polynomial filters r D^-eps and scales its output by D^eps" },
    COMMON_FILTER_OPTS,
};

static int spectral_basis(float **v, size_t *k, const gr_trainer *t, const gr_graph *train)
{
    size_t lim = train->n_users < train->n_items ? train->n_users : train->n_items;
    *k = (size_t)gr_opt_named(t, "rank");
    if (*k > lim) *k = lim;
    gr_spmat r, rt;
    GR_TRY(gr_filter_norm_matrices(&r, &rt, train));
    *v = gr_alloc_floats(train->n_items * *k);
    float *sigma = gr_alloc_floats(*k);
    gr_tsvd_options o = { (size_t)gr_opt_named(t, "oversample"), (int)gr_opt_named(t, "svd_iters"),
                          (uint64_t)gr_opt(t, GR_OPT_SEED) };
    int rc = *v && sigma ? gr_tsvd(*v, sigma, &r, &rt, train->n_users, train->n_items, *k, &o) : GR_ENOMEM;
    free(sigma);
    gr_spmat_free(&r);
    gr_spmat_free(&rt);
    if (rc != GR_OK) {
        free(*v);
        *v = NULL;
    }
    return rc;
}

static double valid_metric(const gr_trainer *t, const gr_model *m, const gr_graph *train, int *rc)
{
    double out[GR_METRIC_COUNT];
    int k = (int)gr_opt(t, GR_OPT_EVAL_K);
    if ((size_t)k > train->n_items) k = (int)train->n_items;
    *rc = gr_eval_ranking(out, NULL, m, train, t->valid, &k, 1);
    return *rc == GR_OK ? gr_valid_metric_of(t, out) : NAN;
}

/* The grid: alpha for GF-CF; alpha and phi for the Chebyshev filter. */
static const float alpha_grid[] = { 0.0f, 0.1f, 0.2f, 0.3f, 0.5f, 1.0f };
static const float phi_grid[] = { 0.5f, 1.0f, 2.0f };

static size_t grid_size(int kind) { return (sizeof alpha_grid / sizeof *alpha_grid) * (kind == GR_MODEL_CHEBY ? 3 : 1); }

static gr_filter_params grid_point(const gr_filter_params *base, int kind, size_t g)
{
    gr_filter_params p = *base;
    size_t na = sizeof alpha_grid / sizeof *alpha_grid;
    p.alpha = alpha_grid[g % na];
    if (kind == GR_MODEL_CHEBY) p.phi = phi_grid[g / na];
    return p;
}

/* One trial per grid point, reported as an epoch; the best is kept. */
static int search(gr_model *m, gr_trainer *t, const gr_graph *train, const gr_filter_params *base, double t0)
{
    size_t n = grid_size(m->kind), best = 0;
    double best_metric = -INFINITY;
    for (size_t g = 0; g < n; g++) {
        gr_filter_params p = grid_point(base, m->kind, g);
        GR_TRY(gr_filter_set_params(m, &p));
        int rc;
        double metric = valid_metric(t, m, train, &rc);
        GR_TRY(rc);
        if (metric > best_metric) {
            best_metric = metric;
            best = g;
        }
        t->stat_epochs = (double)(g + 1);
        if (t->progress && t->progress(t->progress_data, (int)g + 1, NAN, gr_now() - t0, metric)) break;
    }
    gr_filter_params p = grid_point(base, m->kind, best);
    t->stat_best_epoch = (double)(best + 1);
    t->stat_best_valid = best_metric;
    return gr_filter_set_params(m, &p);
}

static int fit_filter(gr_model **out, gr_trainer *t, const gr_graph *train, int kind)
{
    double t0 = gr_now();
    gr_filter_params p = { (float)gr_opt_named(t, "alpha"), 1, 1.0f, 0.0f };
    if (kind == GR_MODEL_CHEBY) {
        p.order = (int)gr_opt_named(t, "order");
        p.phi = (float)gr_opt_named(t, "phi");
        p.eps = (float)gr_opt_named(t, "eps");
    }
    float *v;
    size_t k;
    GR_TRY(spectral_basis(&v, &k, t, train));
    gr_model *m;
    GR_TRY(gr_filter_model(&m, kind, train, &p, v, k));
    t->stat_epochs = 1;
    t->stat_best_epoch = 1;
    t->stat_best_valid = NAN;
    t->stat_loss = NAN;
    int rc = GR_OK;
    if (t->valid && gr_opt_named(t, "search") != 0) rc = search(m, t, train, &p, t0);
    else if (t->valid) t->stat_best_valid = valid_metric(t, m, train, &rc);
    if (rc != GR_OK) {
        gr_model_free(m);
        return rc;
    }
    gr_model_set_info(m, "seed", gr_opt(t, GR_OPT_SEED));
    gr_model_set_info(m, "svd_iters", gr_opt_named(t, "svd_iters"));
    *out = m;
    return GR_OK;
}

static int fit_gfcf(gr_model **out, gr_trainer *t, const gr_graph *train) { return fit_filter(out, t, train, GR_MODEL_GFCF); }

static int fit_cheby(gr_model **out, gr_trainer *t, const gr_graph *train) { return fit_filter(out, t, train, GR_MODEL_CHEBY); }

const gr_kind_trainer gr_gfcf_trainer = { GR_MODEL_GFCF, gfcf_opts, sizeof gfcf_opts / sizeof gfcf_opts[0], fit_gfcf };
const gr_kind_trainer gr_cheby_trainer = { GR_MODEL_CHEBY, cheby_opts, sizeof cheby_opts / sizeof cheby_opts[0], fit_cheby };

/* What a time budget searches (train/search.h): the filters' parameters,
 * on finer grids than the setting `search`'s. */
static const gr_search_dim gfcf_search_dims[] = { { "alpha", -1, 0.3, 2, 0.05 } };
static const gr_search_dim cheby_search_dims[] = {
    { "alpha", -1, 0.3, 2, 0.05 },
    { "phi", -1, 0.5, 2, 0 },
    { "order", -1, 4, 2, 0 },
};
const gr_search_table gr_gfcf_search = { GR_MODEL_GFCF, gfcf_search_dims, 1 };
const gr_search_table gr_cheby_search = { GR_MODEL_CHEBY, cheby_search_dims,
                                          sizeof cheby_search_dims / sizeof cheby_search_dims[0] };
