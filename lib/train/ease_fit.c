/*
 * The EASE trainer: a Gram matrix, its inverse by Cholesky, B
 * (models/ease.h).  P = (X^T X + lambda I)^-1 comes from the items' Gram
 * matrix, or, where it costs less (fewer users than items, roughly), from
 * the users' by Woodbury's identity.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <omp.h>
#include <unistd.h>

#include "core/threads.h"
#include "core/err.h"
#include "core/mem.h"
#include "dist/dist.h"
#include "dist/dist_train.h"
#include "linalg/small.h"
#include "models/ease.h"
#include "train/trainer.h"
#include "train/search.h"

enum { GRAM_AUTO, GRAM_ITEMS, GRAM_USERS };
static const char *const gram_names[] = { "auto", "items", "users", NULL };

static const gr_opt_spec ease_opts[] = {
    { "lambda", 0, 500, 0, 1e12, 0, NULL, "L2 weight of EASE's ridge regression" },
    { "gram", 0, GRAM_AUTO, 0, 2, 1, gram_names,
      "the Gram matrix inverted: items (X^T X), users (X X^T, by Woodbury's identity) or auto (the one of fewer "
      "multiply-adds; the same B within rounding)" },
    { "search", 0, 1, 0, 1, 1, NULL, "with validation data, choose lambda among 0.4, 1 and 2 times the setting (1) or not (0)" },
};

/*
 * Co-occurrence counts of the binary interactions, row by row: g's row r
 * (n rows, each of the other side's count of columns) counts, for each of
 * r's neighbours m in [lo, hi) (`rows`: r's neighbours; `back`: m's), the
 * neighbours of m.  X^T X when rows are the items' lists of users (lo, hi
 * a share of the users), X X^T the other way round.  Each row by one
 * thread: the same bits on any number of them.
 */
static void cooccurrence(double *g, const gr_csr *rows, const gr_csr *back, size_t n, size_t width, size_t lo,
                         size_t hi)
{
#pragma omp parallel for schedule(dynamic, 16) num_threads(gr_threads())
    for (long r = 0; r < (long)n; r++) {
        double *row = g + (size_t)r * width;
        for (int64_t e = rows->ptr[r]; e < rows->ptr[r + 1]; e++) {
            int32_t m = rows->col[e];
            if ((size_t)m < lo || (size_t)m >= hi) continue;
            for (int64_t f = back->ptr[m]; f < back->ptr[m + 1]; f++) row[back->col[f]] += 1.0;
        }
    }
}

/*
 * X^T X: under a communicator each rank counts the co-occurrences of its
 * contiguous share of the users and the counts are summed over the ranks
 * (integers: exact in any order, so every rank, and the one process, get
 * the same matrix).  The matrix is symmetric: only its upper triangle
 * travels.  Collective.
 */
static int gram(double *g, const gr_graph *train, gr_dist *d)
{
    size_t lo = 0, hi = train->n_users, ni = train->n_items, nt = ni * (ni + 1) / 2;
    if (d) gr_dist_share(train->n_users, d->rank, d->size, &lo, &hi);
    cooccurrence(g, &train->iu, &train->ui, train->n_items, train->n_items, lo, hi);
    if (!d || d->size == 1) return GR_OK;
    double *tri = gr_alloc(nt, sizeof *tri);
    int rc = gr_dist_agree(d, tri ? GR_OK : GR_ENOMEM);
    /* row i's part of the triangle, columns i.. n - 1, starts at off */
    if (rc == GR_OK) {
        for (size_t i = 0, off = 0; i < ni; off += ni - i, i++) memcpy(tri + off, g + i * ni + i, (ni - i) * sizeof *tri);
        rc = gr_dist_sum_exact(d, tri, nt);
    }
    if (rc == GR_OK)
        for (size_t i = 0, off = 0; i < ni; off += ni - i, i++)
            for (size_t j = i; j < ni; j++) g[i * ni + j] = g[j * ni + i] = tri[off + j - i];
    free(tri);
    return rc;
}

static double physical_bytes(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    return pages > 0 && size > 0 ? (double)pages * (double)size : 0.0;
}

static int check_memory(const gr_graph *train, int by_users)
{
    double need = gr_ease_bytes(train->n_users, train->n_items, by_users), have = physical_bytes();
    if (have > 0 && need > 0.8 * have)
        return gr_err(GR_ENOMEM,
                      "EASE needs %s: %zu items and %zu users need %.1f GiB, more than 80%% of this machine's %.1f GiB "
                      "(use gfcf or cheby, which never form them)",
                      by_users ? "users x users and items x items matrices" : "items x items matrices", train->n_items,
                      train->n_users, need / 1073741824.0, have / 1073741824.0);
    return GR_OK;
}

/*
 * Whether P comes from the users' Gram matrix: by the setting, or by the
 * multiply-adds of each way (items^3 / 2 for the items' inverse; users^3
 * / 2 for the users', plus users x nnz for K^-1 X and nnz x items for X^T
 * K^-1 X).
 */
static int gram_by_users(const gr_trainer *t, const gr_graph *train)
{
    int gram = (int)gr_opt_named(t, "gram");
    if (gram != GRAM_AUTO || train->n_users == 0) return gram == GRAM_USERS && train->n_users > 0;
    double nu = (double)train->n_users, ni = (double)train->n_items, nnz = (double)train->n_edges;
    return nu * nu * nu / 2 + nu * nnz + nnz * ni < ni * ni * ni / 2;
}

/* X^T X + lambda I, a new matrix at *out.  Collective: every rank's
 * allocation is agreed before the sum over the ranks. */
static int gram_plus(double **out, const gr_graph *train, gr_dist *d, double lambda)
{
    size_t ni = train->n_items;
    double *g = gr_zalloc(ni * ni, sizeof *g);
    int rc = gr_dist_agree(d, g ? GR_OK : GR_ENOMEM);
    if (rc == GR_OK) rc = gram(g, train, d);
    if (rc != GR_OK) {
        free(g);
        return rc;
    }
    for (size_t i = 0; i < ni; i++) g[i * ni + i] += lambda;
    *out = g;
    return GR_OK;
}

/* g (n x n: X^T X + lambda I when by_users is 0, else X X^T + lambda I)
 * inverted in place; on failure g is freed and the error set. */
static int invert_gram(double *g, size_t n, int by_users, double lambda)
{
    size_t bad = gr_spd_inverse(g, n);
    if (!bad) return GR_OK;
    free(g);
    return bad > n ? GR_ENOMEM
                   : gr_err(GR_ESTATE, "EASE: %s + lambda I is not positive definite at %s %zu (lambda = %g; use lambda > 0)",
                            by_users ? "X X^T" : "X^T X", by_users ? "user" : "item", bad - 1, lambda);
}

/* B for one lambda from g = X^T X + lambda I, which it takes (inverted in
 * place, then freed). */
static int ease_b(float **out, double *g, size_t ni, double lambda)
{
    GR_TRY(invert_gram(g, ni, 0, lambda));
    float *b = gr_alloc_floats(ni * ni);
    if (!b) {
        free(g);
        return GR_ENOMEM;
    }
    /* B = I - P diag(1 / diag P): column j divided by -P[j][j], zero diagonal */
    for (size_t i = 0; i < ni; i++)
        for (size_t j = 0; j < ni; j++) b[i * ni + j] = i == j ? 0.0f : (float)(-g[i * ni + j] / g[j * ni + j]);
    free(g);
    *out = b;
    return GR_OK;
}

/* K = X X^T + lambda I: co-occurrence counts of every pair of users. */
static double *user_gram(const gr_graph *train, double lambda)
{
    size_t nu = train->n_users;
    double *k = gr_zalloc(nu * nu, sizeof *k);
    if (!k) return NULL;
    cooccurrence(k, &train->ui, &train->iu, nu, nu, 0, train->n_items);
    for (size_t u = 0; u < nu; u++) k[u * nu + u] += lambda;
    return k;
}

/* Items per block of the users' way: two users x block matrices of
 * doubles of about 32 MiB each. */
static size_t user_way_block(size_t nu, size_t ni)
{
    size_t blk = ((size_t)1 << 22) / (nu ? nu : 1);
    if (blk < 64) blk = 64;
    return blk < ni ? blk : ni;
}

/*
 * Columns [j0, j0 + nb) of B from kinv = K^-1: kt's row j is column j0 + j
 * of K^-1 X (the sum of K^-1's rows of the item's users), m its transpose
 * (users x nb); S = X^T K^-1 X sums m's rows over an item's users, and
 * B_ij = S_ij / (1 - S_jj), lambda P_jj being 1 - S_jj.
 */
static void user_way_columns(float *b, const gr_graph *train, const double *kinv, size_t j0, size_t nb, double *kt,
                             double *m, double *acc, int T)
{
    const size_t nu = train->n_users, ni = train->n_items;
    const gr_csr *iu = &train->iu;
#pragma omp parallel num_threads(T)
    {
#pragma omp for schedule(dynamic, 4)
        for (long j = 0; j < (long)nb; j++) {
            double *row = kt + (size_t)j * nu;
            memset(row, 0, nu * sizeof *row);
            for (int64_t e = iu->ptr[j0 + (size_t)j]; e < iu->ptr[j0 + (size_t)j + 1]; e++) {
                const double *kr = kinv + (size_t)iu->col[e] * nu;
                for (size_t u = 0; u < nu; u++) row[u] += kr[u];
            }
        }
#pragma omp for schedule(static)
        for (long u = 0; u < (long)nu; u++)
            for (size_t j = 0; j < nb; j++) m[(size_t)u * nb + j] = kt[j * nu + (size_t)u];
        /* acc: the columns' scales, then each thread's row of sums */
        double *scale = acc, *a = acc + nb + (size_t)omp_get_thread_num() * nb;
#pragma omp for schedule(static)
        for (long j = 0; j < (long)nb; j++) {
            double s = 0;
            for (int64_t e = iu->ptr[j0 + (size_t)j]; e < iu->ptr[j0 + (size_t)j + 1]; e++)
                s += m[(size_t)iu->col[e] * nb + (size_t)j];
            scale[j] = 1.0 / (1.0 - s);
        }
#pragma omp for schedule(dynamic, 16)
        for (long i = 0; i < (long)ni; i++) {
            memset(a, 0, nb * sizeof *a);
            for (int64_t e = iu->ptr[i]; e < iu->ptr[i + 1]; e++) {
                const double *mr = m + (size_t)iu->col[e] * nb;
                for (size_t j = 0; j < nb; j++) a[j] += mr[j];
            }
            float *out = b + (size_t)i * ni + j0;
            for (size_t j = 0; j < nb; j++) out[j] = (float)(a[j] * scale[j]);
            if ((size_t)i >= j0 && (size_t)i < j0 + nb) out[(size_t)i - j0] = 0.0f;
        }
    }
}

/*
 * B for one lambda through the users' Gram matrix: by Woodbury's identity
 * P = (I - X^T K^-1 X) / lambda with K = X X^T + lambda I, users x users,
 * so the inverse is of the smaller side; B is built by blocks of columns.
 */
static int ease_b_by_users(float **out, const gr_graph *train, double lambda)
{
    const size_t nu = train->n_users, ni = train->n_items, blk = user_way_block(nu, ni);
    const int T = gr_threads();
    /* at lambda 0, R^T R of fewer users than items is singular, and S's
     * diagonal is 1 (K^-1 exists, P does not) */
    if (!(lambda > 0))
        return gr_err(GR_ESTATE, "EASE: X^T X has no inverse through the users' Gram matrix at lambda %g; use lambda > 0",
                      lambda);
    double *k = user_gram(train, lambda);
    if (!k) return GR_ENOMEM;
    GR_TRY(invert_gram(k, nu, 1, lambda));
    float *b = gr_alloc_floats(ni * ni);
    double *kt = gr_alloc(blk * nu, sizeof *kt), *m = gr_alloc(nu * blk, sizeof *m);
    double *acc = gr_alloc(((size_t)T + 1) * blk, sizeof *acc);
    int rc = b && kt && m && acc ? GR_OK : GR_ENOMEM;
    for (size_t j0 = 0; rc == GR_OK && j0 < ni; j0 += blk)
        user_way_columns(b, train, k, j0, ni - j0 < blk ? ni - j0 : blk, kt, m, acc, T);
    free(k);
    free(kt);
    free(m);
    free(acc);
    if (rc != GR_OK) {
        free(b);
        return rc;
    }
    *out = b;
    return GR_OK;
}

/* With validation and search on: lambda x {0.4, 1, 2}, one fit and one
 * evaluation each, reported as trials (gr_fit_grid_trial); the best model
 * is kept. */
static int fit_ease(gr_model **out, gr_trainer *t, const gr_graph *train)
{
    size_t ni = train->n_items;
    gr_dist *d = gr_dist_of(t);
    double lambda = gr_opt_named(t, "lambda"), t0 = gr_now();
    int search = t->valid && gr_opt_named(t, "search") != 0;
    static const double scale[] = { 0.4, 1.0, 2.0 };
    size_t n_trials = search ? 3 : 1;
    /* hosts differ in memory: a rank that cannot hold the matrices stops
     * all.  Each trial counts X^T X again into the matrix it inverts (a
     * pass over the interactions, small beside the inverse) rather than
     * copying a kept one, so a search holds one matrix in double. */
    const int by_users = gram_by_users(t, train);
    int rc = gr_dist_agree(d, check_memory(train, by_users));
    if (rc != GR_OK) return rc;
    t->stat_epochs = 0;
    t->stat_best_epoch = 1;
    t->stat_best_valid = NAN;
    t->stat_loss = NAN;
    gr_model *best = NULL;
    for (size_t k = 0; k < n_trials && rc == GR_OK; k++) {
        double lam = search ? lambda * scale[k] : lambda;
        float *b = NULL;
        double *g = NULL;
        gr_model *m = NULL;
        if (by_users) {
            /* every rank the whole computation (the graph is whole on each) */
            rc = ease_b_by_users(&b, train, lam);
        } else {
            rc = gram_plus(&g, train, d, lam);
            if (rc == GR_OK) rc = ease_b(&b, g, ni, lam);
        }
        if (rc == GR_OK) rc = gr_ease_model(&m, train, b, lam);
        rc = gr_dist_agree(d, rc);
        if (rc != GR_OK) {
            gr_model_free(m);
            break;
        }
        t->stat_epochs = (double)(k + 1);
        double metric = t->valid ? gr_validate_model(t, m, train, &rc) : NAN;
        if (rc == GR_OK && (!best || metric > t->stat_best_valid)) {
            gr_model_free(best);
            best = m;
            t->stat_best_valid = metric;
            t->stat_best_epoch = (double)(k + 1);
        } else {
            gr_model_free(m);
        }
        if (rc != GR_OK) break;
        /* a callback stopping one rank stops all */
        static const char *const names[] = { "lambda" };
        int stop = search ? gr_fit_grid_trial(t, (int)k + 1, 1, names, &lam, metric, gr_now() - t0)
                          : gr_dist_any(d, t->progress && t->progress(t->progress_data, 1, NAN, gr_now() - t0, metric));
        if (stop) break;
    }
    /* the same Gram matrix, the same arithmetic: the same B everywhere */
    if (rc == GR_OK) rc = gr_dist_same_params(d, ((gr_ease_state *)best->state)->b, ni * ni);
    if (rc != GR_OK) {
        gr_model_free(best);
        return rc;
    }
    /* the chosen lambda is the setting a refit on all the data uses (holdout) */
    if (search) *gr_opt_slot(t, "lambda") = lambda * scale[(size_t)t->stat_best_epoch - 1];
    gr_model_set_info(best, "gram_users", by_users);
    *out = best;
    return GR_OK;
}

const gr_kind_trainer gr_ease_trainer = { GR_MODEL_EASE, ease_opts, sizeof ease_opts / sizeof ease_opts[0], fit_ease, NULL };

/* What a time budget searches (train/search.h): lambda on a log grid. */
static const gr_search_dim ease_search_dims[] = { { "lambda", NULL, 0, 500, 2, 0 } };
const gr_search_table gr_ease_search = { GR_MODEL_EASE, ease_search_dims, 1 };
