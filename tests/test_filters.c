/* The training-free kinds (gfcf, cheby, ease) against dense computations done here. */
#include <gnnrec.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "io/crc32.h"
#include "fixtures.h"
#include "linalg/small.h"
#include "models/filter.h"
#include "train/trainer.h"

#define NU 4
#define NI 5

/* users 10..13, items 100..104 */
static const int R[NU][NI] = {
    { 1, 1, 0, 0, 0 },
    { 1, 0, 1, 1, 0 },
    { 0, 1, 0, 1, 1 },
    { 0, 0, 1, 0, 1 },
};

static gr_graph *hand_graph(void)
{
    int64_t users[32], items[32];
    size_t n = 0;
    for (int u = 0; u < NU; u++)
        for (int i = 0; i < NI; i++)
            if (R[u][i]) {
                users[n] = 10 + u;
                items[n++] = 100 + i;
            }
    gr_graph *g;
    ck_assert_int_eq(gr_graph_from_edges(&g, users, items, NULL, NULL, n, 0), GR_OK);
    return g;
}

/* P = R~^T R~ with R~ = c D_u^-norm R D_i^-norm (c: P's largest
 * eigenvalue 1) and the low-pass matrix D^-1/2 V V^T D^1/2 with V the top
 * k eigenvectors of P, computed densely. */
static void hand_filters_norm(double p[NI][NI], double low[NI][NI], int k, double norm, double shift)
{
    double du[NU] = { 0 }, di[NI] = { 0 }, nnz = 0;
    for (int u = 0; u < NU; u++)
        for (int i = 0; i < NI; i++) {
            du[u] += R[u][i];
            di[i] += R[u][i];
            nnz += R[u][i];
        }
    /* every degree shifted by shift x the mean degree of users and items */
    const double d0 = shift * 2 * nnz / (NU + NI);
    double pm[NI * NI], w[NI], v[NI * NI];
    for (int i = 0; i < NI; i++)
        for (int j = 0; j < NI; j++) {
            double s = 0;
            for (int u = 0; u < NU; u++)
                s += R[u][i] * R[u][j] * pow(du[u] + d0, -2 * norm) * pow((di[i] + d0) * (di[j] + d0), -norm);
            p[i][j] = pm[i * NI + j] = s;
        }
    ck_assert_int_ge(gr_sym_eigen(pm, w, v, NI), 0);
    if (norm == 0.5 && shift == 0) ck_assert_double_le(w[0], 1.0 + 1e-12); /* 1 without scaling */
    for (int i = 0; i < NI; i++)
        for (int j = 0; j < NI; j++) p[i][j] /= w[0];
    for (int c = NI - 1; c >= 0; c--) w[c] /= w[0];
    ck_assert_double_gt(w[k - 1] - w[k], 0.05); /* a clear gap, so the subspace is defined */
    for (int i = 0; i < NI; i++)
        for (int j = 0; j < NI; j++) {
            double s = 0;
            for (int c = 0; c < k; c++) s += v[i * NI + c] * v[j * NI + c];
            low[i][j] = s * sqrt(di[j] / di[i]);
        }
}

static void hand_filters(double p[NI][NI], double low[NI][NI], int k) { hand_filters_norm(p, low, k, 0.5, 0); }

static gr_model *fit(int kind, const gr_graph *g, const char *const *settings)
{
    gr_trainer *t;
    ck_assert_int_eq(gr_trainer_new(&t, kind), GR_OK);
    for (size_t k = 0; settings[k]; k += 2) ck_assert_int_eq(gr_trainer_set(t, settings[k], settings[k + 1]), GR_OK);
    gr_model *m;
    ck_assert_int_eq(gr_trainer_fit(&m, t, g), GR_OK);
    gr_trainer_free(t);
    return m;
}

static void check_scores(const gr_model *m, double expect[NU][NI], double tol)
{
    for (int u = 0; u < NU; u++)
        for (int i = 0; i < NI; i++) {
            float s;
            ck_assert_int_eq(gr_model_score(&s, m, 10 + u, 100 + i), GR_OK);
            ck_assert_double_eq_tol(s, expect[u][i], tol);
        }
}

START_TEST(gfcf_matches_the_hand_computed_filter)
{
    gr_graph *g = hand_graph();
    double p[NI][NI], low[NI][NI], expect[NU][NI];
    hand_filters(p, low, 2);
    const double alpha = 0.5;
    for (int u = 0; u < NU; u++)
        for (int j = 0; j < NI; j++) {
            double s = 0;
            for (int i = 0; i < NI; i++) s += R[u][i] * (p[i][j] + alpha * low[i][j]);
            expect[u][j] = s;
        }
    const char *const set[] = { "rank", "2", "alpha", "0.5", "svd_iters", "30", NULL };
    gr_model *m = fit(GR_MODEL_GFCF, g, set);
    ck_assert_uint_eq(gr_model_dim(m), 2);
    check_scores(m, expect, 1e-5);
    gr_model_free(m);
    gr_graph_free(g);
}
END_TEST

START_TEST(cheby_matches_the_hand_computed_filter)
{
    /* mu^2 is a polynomial, so order 3 interpolates it exactly: h(P) = P^2 */
    gr_graph *g = hand_graph();
    double p[NI][NI], low[NI][NI], expect[NU][NI], di[NI] = { 0 };
    hand_filters(p, low, 2);
    for (int u = 0; u < NU; u++)
        for (int i = 0; i < NI; i++) di[i] += R[u][i];
    const double alpha = 0.3, eps = 0.5;
    for (int u = 0; u < NU; u++)
        for (int j = 0; j < NI; j++) {
            double s = 0;
            for (int i = 0; i < NI; i++) {
                double p2 = 0;
                for (int c = 0; c < NI; c++) p2 += p[i][c] * p[c][j];
                s += R[u][i] * (pow(di[i], -eps) * p2 * pow(di[j], eps) + alpha * low[i][j]);
            }
            expect[u][j] = s;
        }
    const char *const set[] = { "rank", "2", "alpha", "0.3", "order", "3", "phi", "2", "eps", "0.5", "shape", "power", "tail", "0", "svd_iters", "30", NULL };
    gr_model *m = fit(GR_MODEL_CHEBY, g, set);
    check_scores(m, expect, 1e-5);
    gr_model_free(m);
    gr_graph_free(g);
}
END_TEST


/* The plateau response 1/2 + 1/2 sgn(t)|t|^phi on t = x = 2 mu - 1: phi 1
 * is mu itself, and phi 3 is the cubic 1/2 + x^3 / 2 = 1/2 + (3 T1 + T3) / 8,
 * which order 3 and above interpolate exactly. */
START_TEST(plateau_coefficients_match_the_hand_computed_series)
{
    double c[GR_FILTER_MAX_ORDER + 1];
    gr_filter_coefficients(c, 4, 1.0, GR_FILTER_PLATEAU);
    const double linear[5] = { 0.5, 0.5, 0, 0, 0 };
    for (int k = 0; k <= 4; k++) ck_assert_double_eq_tol(c[k], linear[k], 1e-12);
    gr_filter_coefficients(c, 5, 3.0, GR_FILTER_PLATEAU);
    const double cubic[6] = { 0.5, 0.375, 0, 0.125, 0, 0 };
    for (int k = 0; k <= 5; k++) ck_assert_double_eq_tol(c[k], cubic[k], 1e-12);
    /* the response is the polynomial: 1/2 + (2 mu - 1)^3 / 2 */
    for (double mu = 0; mu <= 1.0; mu += 0.125)
        ck_assert_double_eq_tol(gr_filter_response(c, 5, mu), 0.5 + 0.5 * pow(2 * mu - 1, 3), 1e-12);
    /* and it is flat in the middle, steep at the ends */
    gr_filter_coefficients(c, 2, 2.0, GR_FILTER_PLATEAU);
    ck_assert_double_eq_tol(gr_filter_response(c, 2, 0.5), 0.5, 1e-12);
}
END_TEST

/* The stretched plateau (ChebyCF's coefficients): the plateau's values at
 * the Chebyshev extrema cos(j pi / order) placed at the nodes.  Order 1:
 * the values 1 (mu = 1) and 0 (mu = 0) at x = +-1/sqrt 2, so the line
 * 1/2 + x / sqrt 2, steeper than the plateau's own 1/2 + x / 2.  Order 8,
 * phi 1.5: below the plateau over mu up to 0.3 (where the filter's tail
 * lies), above it over the top, and symmetric about mu = 1/2 like it. */
START_TEST(stretched_coefficients_place_the_extrema_at_the_nodes)
{
    double c[GR_FILTER_MAX_ORDER + 1], p[GR_FILTER_MAX_ORDER + 1];
    gr_filter_coefficients(c, 1, 1.5, GR_FILTER_STRETCHED);
    ck_assert_double_eq_tol(c[0], 0.5, 1e-12);
    ck_assert_double_eq_tol(c[1], sqrt(0.5), 1e-12);
    gr_filter_coefficients(c, 8, 1.5, GR_FILTER_STRETCHED);
    gr_filter_coefficients(p, 8, 1.5, GR_FILTER_PLATEAU);
    for (double mu = 0.05; mu < 0.32; mu += 0.05) {
        double s = gr_filter_response(c, 8, mu);
        ck_assert(s < gr_filter_response(p, 8, mu) - 0.01);
        ck_assert(gr_filter_response(c, 8, 1.0 - mu) > gr_filter_response(p, 8, 1.0 - mu) + 0.01);
        ck_assert_double_eq_tol(s + gr_filter_response(c, 8, 1.0 - mu), 1.0, 1e-9);
    }
}
END_TEST

/*
 * The affine tail: with V, L the top k = 2 eigenpairs of P and h = mu^2
 * (order 3 interpolates it exactly), the filter is
 *   D^-eps [b I + a P + V diag(alpha + h(L) - a L - b) V^T] D^eps
 * with b = h(0) = 0 and a = h(l2) / l2 = l2, the chord to the smaller kept
 * eigenvalue: exact on the top two eigenvectors, a P below them.
 */
static void check_tail(double skew, const char *skew_text, double norm, const char *norm_text, double shift,
                       const char *shift_text)
{
    gr_graph *g = hand_graph();
    double p[NI][NI], low[NI][NI], pm[NI * NI], lam[NI], v[NI * NI], di[NI] = { 0 }, expect[NU][NI];
    hand_filters_norm(p, low, 2, norm, shift);
    for (int u = 0; u < NU; u++)
        for (int i = 0; i < NI; i++) di[i] += R[u][i];
    for (int i = 0; i < NI; i++)
        for (int j = 0; j < NI; j++) pm[i * NI + j] = p[i][j];
    ck_assert_int_ge(gr_sym_eigen(pm, lam, v, NI), 0);
    const double alpha = 0.3, eps = 0.25, a = lam[1];
    for (int u = 0; u < NU; u++)
        for (int j = 0; j < NI; j++) {
            double s = 0;
            for (int i = 0; i < NI; i++) {
                double f = a * p[i][j];
                for (int c = 0; c < 2; c++) f += v[i * NI + c] * v[j * NI + c] * (alpha + lam[c] * lam[c] - a * lam[c]);
                s += R[u][i] * pow(di[i], -eps) * f * pow(di[j], eps + skew);
            }
            expect[u][j] = s;
        }
    const char *const set[] = { "rank", "2", "alpha", "0.3", "order", "3", "phi", "2", "shape", "power", "eps", "0.25",
                                "tail", "1", "svd_iters", "30", "skew", skew_text, "norm_exp", norm_text, "norm_shift", shift_text, NULL };
    gr_model *m = fit(GR_MODEL_CHEBY, g, set);
    check_scores(m, expect, 1e-5);
    gr_model_free(m);
    gr_graph_free(g);
}

START_TEST(cheby_tail_matches_the_hand_computed_filter) { check_tail(0.0, "0", 0.5, "0.5", 0, "0"); }
END_TEST

/* Another degree exponent of R~, scaled so that P's spectrum ends at 1:
 * the same filter of that P (the hand computation scales by P's largest
 * eigenvalue, the model by its largest singular value). */
START_TEST(cheby_norm_matches_the_hand_computed_filter)
{
    check_tail(0.0, "0", 0.3, "0.3", 0, "0");
    check_tail(0.1, "0.1", 0.7, "0.7", 0, "0");
}
END_TEST

/* A degree shift: R~ = c (D_u + s)^-n R (D_i + s)^-n, s = shift x the
 * mean degree, scaled as another norm is (at n = 1/2 too, where the shift
 * alone moves the largest singular value below 1). */
START_TEST(cheby_shift_matches_the_hand_computed_filter)
{
    check_tail(0.0, "0", 0.5, "0.5", 0.5, "0.5");
    check_tail(0.1, "0.1", 0.4, "0.4", 1, "1");
}
END_TEST

/* skew moves the output's exponent alone: D^-eps [...] D^(eps + skew),
 * both terms alike (eps' = 0.25 - 0.4 = -0.15 here). */
START_TEST(cheby_skew_scales_the_output_alone) { check_tail(-0.4, "-0.4", 0.5, "0.5", 0, "0"); }
END_TEST

/* The exact polynomial (tail 0) with a skew: D^-eps P^2 D^(eps + skew) plus
 * alpha D^-eps V V^T D^(eps + skew). */
START_TEST(cheby_exact_skew_matches_the_hand_computed_filter)
{
    gr_graph *g = hand_graph();
    double p[NI][NI], low[NI][NI], expect[NU][NI], di[NI] = { 0 };
    hand_filters(p, low, 2);
    for (int u = 0; u < NU; u++)
        for (int i = 0; i < NI; i++) di[i] += R[u][i];
    const double alpha = 0.3, eps = 0.5, skew = 0.3;
    for (int u = 0; u < NU; u++)
        for (int j = 0; j < NI; j++) {
            double s = 0;
            for (int i = 0; i < NI; i++) {
                double p2 = 0;
                for (int c = 0; c < NI; c++) p2 += p[i][c] * p[c][j];
                /* low is D^-1/2 V V^T D^1/2: back to V V^T, then the exponents */
                double vv = low[i][j] * sqrt(di[i] / di[j]);
                s += R[u][i] * pow(di[i], -eps) * (p2 + alpha * vv) * pow(di[j], eps + skew);
            }
            expect[u][j] = s;
        }
    const char *const set[] = { "rank", "2", "alpha", "0.3", "order", "3", "phi", "2", "eps", "0.5", "skew", "0.3",
                                "shape", "power", "tail", "0", "svd_iters", "30", NULL };
    gr_model *m = fit(GR_MODEL_CHEBY, g, set);
    check_scores(m, expect, 1e-5);
    gr_model_free(m);
    gr_graph_free(g);
}
END_TEST

/* The inverse by Gauss-Jordan elimination with partial pivoting. */
static void gauss_jordan_inverse(double *a, double *inv, int n)
{
    for (int i = 0; i < n * n; i++) inv[i] = i % (n + 1) == 0;
    for (int c = 0; c < n; c++) {
        int piv = c;
        for (int r = c + 1; r < n; r++)
            if (fabs(a[r * n + c]) > fabs(a[piv * n + c])) piv = r;
        for (int k = 0; k < n; k++) {
            double t = a[c * n + k];
            a[c * n + k] = a[piv * n + k];
            a[piv * n + k] = t;
            t = inv[c * n + k];
            inv[c * n + k] = inv[piv * n + k];
            inv[piv * n + k] = t;
        }
        double d = a[c * n + c];
        for (int k = 0; k < n; k++) {
            a[c * n + k] /= d;
            inv[c * n + k] /= d;
        }
        for (int r = 0; r < n; r++) {
            if (r == c) continue;
            double f = a[r * n + c];
            for (int k = 0; k < n; k++) {
                a[r * n + k] -= f * a[c * n + k];
                inv[r * n + k] -= f * inv[c * n + k];
            }
        }
    }
}

/* EASE's B against a Gauss-Jordan inverse of X^T X + lambda I, on a graph
 * of u users and i items, through the Gram matrix `gram` (auto, items,
 * users) */
static gr_model *check_ease_dense(int U, int I, const char *gram)
{
    int *x = calloc((size_t)U * I, sizeof *x);
    int64_t *users = malloc((size_t)U * I * sizeof *users), *items = malloc((size_t)U * I * sizeof *items);
    size_t n = 0;
    gr_rng r = gr_rng_make(5, 0);
    for (int u = 0; u < U; u++)
        for (int i = 0; i < I; i++) {
            x[u * I + i] = gr_rng_unit(&r) < 0.3 || i % U == u || u % I == i; /* every item and user used */
            if (x[u * I + i]) {
                users[n] = u;
                items[n++] = 1000 + i;
            }
        }
    gr_graph *g;
    ck_assert_int_eq(gr_graph_from_edges(&g, users, items, NULL, NULL, n, 0), GR_OK);
    ck_assert_uint_eq(gr_graph_num_users(g), U);
    ck_assert_uint_eq(gr_graph_num_items(g), I);
    const double lambda = 5;
    double *gm = malloc((size_t)I * I * sizeof *gm), *inv = malloc((size_t)I * I * sizeof *inv);
    for (int i = 0; i < I; i++)
        for (int j = 0; j < I; j++) {
            double s = i == j ? lambda : 0;
            for (int u = 0; u < U; u++) s += x[u * I + i] * x[u * I + j];
            gm[i * I + j] = s;
        }
    gauss_jordan_inverse(gm, inv, I);
    const char *const set[] = { "lambda", "5", "gram", gram, NULL };
    gr_model *m = fit(GR_MODEL_EASE, g, set);
    ck_assert_uint_eq(gr_model_dim(m), 0);
    for (int u = 0; u < U; u++)
        for (int j = 0; j < I; j++) {
            double e = 0;
            for (int i = 0; i < I; i++)
                if (x[u * I + i] && i != j) e += -inv[i * I + j] / inv[j * I + j];
            float s;
            ck_assert_int_eq(gr_model_score(&s, m, u, 1000 + j), GR_OK);
            ck_assert_double_eq_tol(s, e, 1e-5);
        }
    free(x);
    free(users);
    free(items);
    free(gm);
    free(inv);
    gr_graph_free(g);
    return m;
}

START_TEST(ease_matches_a_direct_dense_solve)
{
    /* more items than users: auto takes the users' Gram matrix; either
     * matrix gives the same B */
    const int shapes[][2] = { { 30, 12 }, { 12, 30 }, { 12, 30 }, { 30, 12 } };
    const char *const grams[] = { "auto", "auto", "items", "users" };
    const double users_way[] = { 0, 1, 0, 1 };
    for (int k = 0; k < 4; k++) {
        gr_model *m = check_ease_dense(shapes[k][0], shapes[k][1], grams[k]);
        double v;
        ck_assert_int_eq(gr_model_info(&v, m, "gram_users"), GR_OK);
        ck_assert_double_eq(v, users_way[k]);
        gr_model_free(m);
    }
    /* lambda 0 has no inverse the users' way */
    gr_graph *g = NULL;
    const int64_t u[] = { 0, 0, 1 }, i[] = { 5, 6, 7 };
    ck_assert_int_eq(gr_graph_from_edges(&g, u, i, NULL, NULL, 3, 0), GR_OK);
    gr_trainer *t;
    ck_assert_int_eq(gr_trainer_new(&t, GR_MODEL_EASE), GR_OK);
    gr_trainer_set(t, "lambda", "0");
    gr_model *none = NULL;
    ck_assert_int_eq(gr_trainer_fit(&none, t, g), GR_ESTATE);
    ck_assert_ptr_nonnull(strstr(gr_last_error(), "lambda > 0"));
    ck_assert_ptr_null(none);
    gr_trainer_free(t);
    gr_graph_free(g);
    gr_model *m = check_ease_dense(30, 12, "auto");
    float vec[4];
    ck_assert_int_eq(gr_model_user_vector(vec, 0, m, 0), GR_EUNSUPPORTED);
    gr_model_free(m);
}
END_TEST

/* Each kind on a planted-taste graph: better than popularity; save/load
 * keeps every score; fold-in of a known user's items gives its scores. */
/* a and b score every 37th user of g against every 13th item alike,
 * within tol relative (0: the same floats). */
static void assert_same_scores(const gr_model *a, const gr_model *b, const gr_graph *g, float tol)
{
    for (size_t u = 0; u < gr_graph_num_users(g); u += 37) {
        int64_t user, item;
        gr_graph_user_id(&user, g, u);
        for (size_t i = 0; i < gr_graph_num_items(g); i += 13) {
            gr_graph_item_id(&item, g, i);
            float x, y;
            ck_assert_int_eq(gr_model_score(&x, a, user, item), GR_OK);
            ck_assert_int_eq(gr_model_score(&y, b, user, item), GR_OK);
            if (tol == 0.0f) ck_assert_float_eq(x, y);
            else ck_assert_float_eq_tol(x, y, tol * (1.0f + fabsf(x)));
        }
    }
}

static void check_kind(int kind, const char *const *settings)
{
    fx_planted p;
    fx_planted_make(&p, 300, 200, 5, 24, 9);
    gr_model *m = fit(kind, p.train, settings);
    int k = 20;
    double met[GR_METRIC_COUNT];
    ck_assert_int_eq(gr_eval_ranking(met, NULL, m, p.train, p.test, &k, 1), GR_OK);
    double pop = fx_popularity_recall(p.train, p.test, 20);
    ck_assert_msg(met[GR_METRIC_RECALL] > pop + 0.05, "%s recall %.3f, popularity %.3f", gr_model_kind_name(kind),
                  met[GR_METRIC_RECALL], pop);

    char *dir = fx_tmpdir(), *path = fx_path(dir, "m.gnr");
    ck_assert_int_eq(gr_model_save(m, path), GR_OK);
    gr_model *back;
    ck_assert_int_eq(gr_model_load(&back, path), GR_OK);
    ck_assert_int_eq(gr_model_kind_of(back), kind);
    ck_assert_uint_eq(gr_model_dim(back), gr_model_dim(m));
    assert_same_scores(m, back, p.train, 1e-6f);
    for (size_t u = 0; u < 300; u += 37) {
        int64_t user;
        gr_graph_user_id(&user, p.train, u);
        /* fold-in: the user's own items as a new user */
        int64_t liked[256], top[10], top2[10];
        float s1[10], s2[10];
        size_t nl, n1, n2;
        ck_assert_int_eq(gr_graph_user_items(&nl, p.train, user, liked, NULL, 256), GR_OK);
        ck_assert_int_eq(gr_model_recommend(&n1, back, user, 10, NULL, top, s1), GR_OK);
        ck_assert_int_eq(gr_model_recommend_liked(&n2, back, liked, nl, 10, NULL, top2, s2), GR_OK);
        ck_assert_uint_eq(n1, n2);
        for (size_t r = 0; r < n1; r++) {
            float s;
            ck_assert_int_eq(gr_model_score(&s, back, user, top2[r]), GR_OK);
            ck_assert_float_eq_tol(s, s2[r], 1e-5f * (1.0f + fabsf(s)));
            ck_assert_float_eq_tol(s1[r], s2[r], 1e-5f * (1.0f + fabsf(s)));
        }
        ck_assert(top[0] == top2[0] || fabsf(s1[0] - s2[0]) < 1e-5f);
    }
    /* similar items: the filter's response to one item, without the item */
    int64_t item, sim[5];
    size_t ns;
    gr_graph_item_id(&item, p.train, 3);
    ck_assert_int_eq(gr_model_similar_items(&ns, back, item, 5, NULL, sim, NULL), GR_OK);
    ck_assert_uint_eq(ns, 5);
    for (size_t r = 0; r < ns; r++) ck_assert(sim[r] != item);
    float vec[512];
    ck_assert_int_eq(gr_model_fold_in(vec, gr_model_dim(back), back, &item, 1), GR_EUNSUPPORTED);
    size_t np;
    gr_explanation why[2];
    int64_t someone;
    gr_graph_user_id(&someone, p.train, 0);
    ck_assert_int_eq(gr_model_explain(&np, back, someone, item, why, 2), GR_EUNSUPPORTED);
    /* the score is the user's row times the filter: one exact term per
     * history item, summing to the score, the largest first */
    int64_t hist[256];
    size_t nh;
    ck_assert_int_eq(gr_graph_user_items(&nh, p.train, someone, hist, NULL, 256), GR_OK);
    gr_contribution parts[256];
    float total, want, part_sum = 0.0f;
    ck_assert_int_eq(gr_model_explain_items(&np, &total, back, someone, item, parts, 256), GR_OK);
    ck_assert_uint_eq(np, nh);
    ck_assert_int_eq(gr_model_score(&want, back, someone, item), GR_OK);
    for (size_t r = 0; r < np; r++) {
        part_sum += parts[r].weight;
        if (r) ck_assert(parts[r - 1].weight >= parts[r].weight);
    }
    ck_assert_float_eq_tol(total, want, 1e-4f * (1.0f + fabsf(want)));
    ck_assert_float_eq_tol(part_sum, want, 1e-4f * (1.0f + fabsf(want)));
    /* one liked item explains its whole score */
    float one_total;
    ck_assert_int_eq(gr_model_explain_liked(&np, &one_total, back, hist, 1, item, parts, 4), GR_OK);
    ck_assert_uint_eq(np, 1);
    ck_assert_int_eq(parts[0].item, hist[0]);
    ck_assert_float_eq_tol(parts[0].weight, one_total, 1e-6f * (1.0f + fabsf(one_total)));
    gr_model_free(back);
    gr_model_free(m);
    fx_rmtree(dir);
    free(dir);
    free(path);
    fx_planted_free(&p);
}

START_TEST(gfcf_ranks_saves_and_folds_in)
{
    const char *const set[] = { "rank", "16", NULL };
    check_kind(GR_MODEL_GFCF, set);
}
END_TEST

START_TEST(cheby_ranks_saves_and_folds_in)
{
    const char *const set[] = { "rank", "16", "order", "4", "phi", "0.7", "eps", "0.2", NULL };
    check_kind(GR_MODEL_CHEBY, set);
    const char *const skewed[] = { "rank", "16", "order", "4", "phi", "0.7", "eps", "0.2", "skew", "-0.15", NULL };
    check_kind(GR_MODEL_CHEBY, skewed);
    const char *const normed[] = { "rank", "16", "order", "4", "phi", "0.7", "eps", "0.2", "norm_exp", "0.35", NULL };
    check_kind(GR_MODEL_CHEBY, normed);
}
END_TEST

/*
 * A catalogue larger than its users is scored through the factors and the
 * sparse products, a block of users at a time (the evaluation's and the
 * batches' path: consecutive users, or any list), with scratch shared by
 * the block: each user's scores must be those of the user scored alone.  Filters: GF-CF; the Chebyshev tail with and without degree
 * scaling; the exact polynomial.
 */
static void check_block_equals_single(int kind, const char *const *settings)
{
    fx_planted p;
    fx_planted_make(&p, 90, 260, 4, 18, 21);
    size_t nu = gr_graph_num_users(p.train), ni = gr_graph_num_items(p.train);
    ck_assert_uint_gt(ni, nu);
    gr_model *m = fit(kind, p.train, settings);
    float *block = malloc(nu * ni * sizeof *block), *one = malloc(ni * sizeof *one);
    ck_assert_ptr_nonnull(block);
    ck_assert_ptr_nonnull(one);
    int32_t *rows = malloc(nu * sizeof *rows);
    for (size_t u = 0; u < nu; u++) rows[u] = (int32_t)u;
    ck_assert_int_eq(m->ops->score_users(m, rows, nu, block), GR_OK);
    for (size_t u = 0; u < nu; u++) {
        ck_assert_int_eq(m->ops->score_users(m, &rows[u], 1, one), GR_OK);
        for (size_t i = 0; i < ni; i++) ck_assert_float_eq_tol(block[u * ni + i], one[i], 1e-5f * (1.0f + fabsf(one[i])));
    }
    /* any order, repeats allowed: every third user reversed, then user 5 twice */
    size_t nr = 0;
    for (size_t u = nu; u-- > 0;)
        if (u % 3 == 0) rows[nr++] = (int32_t)u;
    rows[nr++] = 5;
    rows[nr++] = 5;
    ck_assert_int_eq(m->ops->score_users(m, rows, nr, block), GR_OK);
    for (size_t c = 0; c < nr; c++) {
        ck_assert_int_eq(m->ops->score_users(m, &rows[c], 1, one), GR_OK);
        for (size_t i = 0; i < ni; i++) ck_assert_float_eq_tol(block[c * ni + i], one[i], 1e-5f * (1.0f + fabsf(one[i])));
    }
    free(rows);
    /* recommend_batch scores its blocks of users together: in order and
     * reversed, the lists of single calls */
    enum { K = 10 };
    int64_t *users = malloc(nu * sizeof *users), *items = malloc(nu * K * sizeof *items);
    float *scores = malloc(nu * K * sizeof *scores);
    size_t *counts = malloc(nu * sizeof *counts);
    for (int reversed = 0; reversed <= 1; reversed++) {
        for (size_t u = 0; u < nu; u++) gr_graph_user_id(&users[u], p.train, reversed ? nu - 1 - u : u);
        ck_assert_int_eq(gr_model_recommend_batch(counts, m, users, nu, K, NULL, items, scores), GR_OK);
        for (size_t u = 0; u < nu; u++) {
            int64_t top[K];
            float ts[K];
            size_t n1;
            ck_assert_int_eq(gr_model_recommend(&n1, m, users[u], K, NULL, top, ts), GR_OK);
            ck_assert_uint_eq(counts[u], n1);
            for (size_t r = 0; r < n1; r++) {
                ck_assert_float_eq_tol(scores[u * K + r], ts[r], 1e-5f * (1.0f + fabsf(ts[r])));
                ck_assert(items[u * K + r] == top[r] || fabsf(scores[u * K + r] - ts[r]) < 1e-5f);
            }
        }
    }
    free(users);
    free(items);
    free(scores);
    free(counts);
    free(block);
    free(one);
    gr_model_free(m);
    fx_planted_free(&p);
}

START_TEST(filters_score_a_block_of_users_as_each_alone)
{
    const char *const gfcf[] = { "rank", "8", NULL };
    check_block_equals_single(GR_MODEL_GFCF, gfcf);
    const char *const scaled[] = { "rank", "8", "order", "4", "eps", "0.2", "skew", "-0.1", NULL };
    check_block_equals_single(GR_MODEL_CHEBY, scaled);
    const char *const plain[] = { "rank", "8", "order", "4", "eps", "0", "skew", "0", NULL };
    check_block_equals_single(GR_MODEL_CHEBY, plain);
    const char *const exact[] = { "rank", "8", "order", "4", "eps", "0.3", "tail", "0", NULL };
    check_block_equals_single(GR_MODEL_CHEBY, exact);
}
END_TEST

static uint32_t le32(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }

static void put_le32(unsigned char *p, uint32_t v)
{
    for (int b = 0; b < 4; b++) p[b] = (unsigned char)(v >> (8 * b));
}

/* The loaded model of a cut file: the defaults of the missing fields, and
 * the scores of the model saved. */
static void check_loaded_tail(const gr_model *m, const gr_model *back)
{
    double norm, shift;
    ck_assert_int_eq(gr_model_info(&norm, back, "norm_exp"), GR_OK);
    ck_assert_double_eq(norm, 0.5);
    ck_assert_int_eq(gr_model_info(&shift, back, "norm_shift"), GR_OK);
    ck_assert_double_eq(shift, 0.0);
    for (int u = 0; u < NU; u++)
        for (int i = 0; i < NI; i++) {
            float x, y;
            ck_assert_int_eq(gr_model_score(&x, m, 10 + u, 100 + i), GR_OK);
            ck_assert_int_eq(gr_model_score(&y, back, 10 + u, 100 + i), GR_OK);
            ck_assert_float_eq(x, y);
        }
}

/*
 * The filter's section ends with fields appended over time: skew, then
 * norm and scale, then shift and the degree shift it makes.  A file
 * written before them is made by cutting the section's last `cut` bytes
 * and rewriting its length and checksums (docs/model-format.md: a 24-byte
 * file header, sections of a 24-byte header: tag, u64 length at 8,
 * payload crc at 16, header crc at 20); it loads with skew 0, norm 1/2,
 * scale 1 and shift 0 and scores as the model saved (which has those
 * values).  With bad_shift the last float, the degree shift, is set to -1
 * instead, which the load refuses.
 */
static void check_file_tail(size_t cut, int bad_shift)
{
    gr_graph *g = hand_graph();
    const char *const set[] = { "rank", "2", "eps", "0.25", "svd_iters", "30", NULL };
    gr_model *m = fit(GR_MODEL_CHEBY, g, set);
    char *dir = fx_tmpdir(), *path = fx_path(dir, "m.gnr"), *old = fx_path(dir, "old.gnr");
    ck_assert_int_eq(gr_model_save(m, path), GR_OK);
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    unsigned char *b = malloc(1 << 20);
    size_t n = fread(b, 1, 1 << 20, f);
    fclose(f);
    ck_assert_uint_lt(n, 1 << 20);
    size_t off = 24, stat = 0;
    while (off + 24 <= n) {
        if (memcmp(b + off, "STAT", 4) == 0) stat = off;
        uint64_t len = le32(b + off + 8) | (uint64_t)le32(b + off + 12) << 32;
        if (memcmp(b + off, "END ", 4) == 0) break;
        off += 24 + (size_t)len;
    }
    ck_assert_uint_gt(stat, 0);
    uint64_t len = le32(b + stat + 8) | (uint64_t)le32(b + stat + 12) << 32;
    float tail[5];
    memcpy(tail, b + stat + 24 + len - 20, 20);
    ck_assert_float_eq(tail[0], 0.0f); /* skew */
    ck_assert_float_eq(tail[1], 0.5f); /* norm */
    ck_assert_float_eq(tail[2], 1.0f); /* scale */
    ck_assert_float_eq(tail[3], 0.0f); /* shift */
    ck_assert_float_eq(tail[4], 0.0f); /* the degree shift it makes */
    if (bad_shift) {
        const float negative = -1.0f;
        memcpy(b + stat + 24 + len - 4, &negative, 4);
    }
    memmove(b + stat + 24 + len - cut, b + stat + 24 + len, n - (stat + 24 + len));
    n -= cut;
    len -= cut;
    put_le32(b + stat + 8, (uint32_t)len);
    put_le32(b + stat + 16, gr_crc32(0, b + stat + 24, (size_t)len));
    put_le32(b + stat + 20, gr_crc32(0, b + stat, 20));
    f = fopen(old, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(b, 1, n, f), n);
    fclose(f);
    gr_model *back;
    if (bad_shift) {
        /* a degree shift below 0 cannot come from a fit: the file is
         * refused, naming the field */
        ck_assert_int_eq(gr_model_load(&back, old), GR_ECORRUPT);
        ck_assert_ptr_nonnull(strstr(gr_last_error(), "degree shift -1"));
    } else {
        ck_assert_int_eq(gr_model_load(&back, old), GR_OK);
        check_loaded_tail(m, back);
        gr_model_free(back);
    }
    gr_model_free(m);
    free(b);
    fx_rmtree(dir);
    free(dir);
    free(path);
    free(old);
    gr_graph_free(g);
}

static void check_file_without_tail(size_t cut) { check_file_tail(cut, 0); }

START_TEST(a_filter_file_with_a_negative_shift_is_refused) { check_file_tail(0, 1); }
END_TEST


START_TEST(a_filter_file_without_skew_loads_with_skew_zero) { check_file_without_tail(20); }
END_TEST

START_TEST(a_filter_file_without_norm_loads_with_norm_one_half) { check_file_without_tail(16); }
END_TEST

START_TEST(a_filter_file_without_shift_loads_with_shift_zero) { check_file_without_tail(8); }
END_TEST

/*
 * A search that moves the basis's norm keeps the model of the chosen norm:
 * from norm 0.45, which no trial tries, every norm trial builds a basis,
 * and the model kept scores as a fit of the chosen settings without search.
 */
START_TEST(the_search_keeps_the_basis_of_the_chosen_norm)
{
    fx_planted p;
    fx_planted_make(&p, 300, 200, 5, 24, 4);
    gr_trainer *t;
    ck_assert_int_eq(gr_trainer_new(&t, GR_MODEL_CHEBY), GR_OK);
    gr_trainer_set(t, "rank", "16");
    gr_trainer_set(t, "norm_exp", "0.45");
    gr_trainer_set(t, "norm_shift", "0.35");
    gr_trainer_set_validation(t, p.test);
    gr_model *m;
    ck_assert_int_eq(gr_trainer_fit(&m, t, p.train), GR_OK);
    gr_trainer_free(t);
    static const char *const names[] = { "alpha", "eps", "phi", "skew", "norm_exp", "norm_shift" };
    ck_assert_int_eq(gr_trainer_new(&t, GR_MODEL_CHEBY), GR_OK);
    gr_trainer_set(t, "rank", "16");
    gr_trainer_set(t, "search", "0");
    gr_trainer_set(t, "holdout", "0");
    double norm = 0, shift = 0;
    for (size_t k = 0; k < 6; k++) {
        double v;
        char text[32];
        ck_assert_int_eq(gr_model_info(&v, m, names[k]), GR_OK);
        snprintf(text, sizeof text, "%.9g", v);
        ck_assert_int_eq(gr_trainer_set(t, names[k], text), GR_OK);
        if (k == 4) norm = v;
        if (k == 5) shift = v;
    }
    /* neither start is on a grid: the kept basis is a trial's */
    ck_assert_double_ne(norm, 0.45);
    ck_assert_double_ne(shift, 0.35);
    gr_model *again;
    ck_assert_int_eq(gr_trainer_fit(&again, t, p.train), GR_OK);
    assert_same_scores(m, again, p.train, 0.0f);
    gr_model_free(again);
    gr_model_free(m);
    gr_trainer_free(t);
    fx_planted_free(&p);
}
END_TEST

START_TEST(ease_ranks_saves_and_folds_in)
{
    const char *const set[] = { "lambda", "20", NULL };
    check_kind(GR_MODEL_EASE, set);
}
END_TEST

static int trials;
static int count_trials(void *ud, int epoch, double loss, double seconds, double metric)
{
    (void)ud, (void)epoch, (void)loss, (void)seconds;
    ck_assert(metric > 0 && metric <= 1);
    trials++;
    return 0;
}

START_TEST(validation_chooses_among_the_grid)
{
    fx_planted p;
    fx_planted_make(&p, 300, 200, 5, 24, 4);
    gr_trainer *t;
    ck_assert_int_eq(gr_trainer_new(&t, GR_MODEL_GFCF), GR_OK);
    gr_trainer_set(t, "rank", "16");
    gr_trainer_set_validation(t, p.test);
    gr_trainer_set_progress(t, count_trials, NULL);
    trials = 0;
    gr_model *m;
    const double alpha_set = gr_opt_named(t, "alpha");
    ck_assert_int_eq(gr_trainer_fit(&m, t, p.train), GR_OK);
    ck_assert_int_eq(trials, 6);
    /* the model has the chosen alpha; the trainer keeps the caller's */
    ck_assert_double_eq(gr_opt_named(t, "alpha"), alpha_set);
    double best, epochs, alpha;
    gr_trainer_stat(&best, t, GR_STAT_BEST_VALID);
    gr_trainer_stat(&epochs, t, GR_STAT_EPOCHS);
    ck_assert(best > 0);
    ck_assert_double_eq(epochs, 6);
    ck_assert_int_eq(gr_model_info(&alpha, m, "alpha"), GR_OK);
    ck_assert_double_ne(alpha, alpha_set); /* so that the check above can fail */
    /* the chosen alpha gives the reported figure */
    int k = 20;
    double met[GR_METRIC_COUNT];
    ck_assert_int_eq(gr_eval_ranking(met, NULL, m, p.train, p.test, &k, 1), GR_OK);
    ck_assert_double_eq_tol(met[GR_METRIC_NDCG], best, 1e-12);
    gr_model_free(m);
    gr_trainer_free(t);
    fx_planted_free(&p);
}
END_TEST


static double trial_metric[16];
static int trial_count;
static int record_trials(void *ud, int epoch, double loss, double seconds, double metric);

/*
 * A stage whose best value is an edge of its grid goes on past it, one
 * step at a time while the steps improve (filter_fit.c): on the planted
 * fixture with rank = the number of groups the ideal low-pass is the
 * planted structure itself, and GF-CF's best alpha, searched from the grid
 * 0, 0.1, 0.2, 0.3, 0.5, 1, lies at or past its upper edge.  The trials
 * are the grid, then 2, then 3 while each improved; the kept alpha is the
 * best trial's.
 */
START_TEST(a_stage_at_its_edge_extends_its_grid)
{
    fx_planted p;
    fx_planted_make(&p, 300, 200, 5, 24, 4);
    gr_trainer *t;
    ck_assert_int_eq(gr_trainer_new(&t, GR_MODEL_GFCF), GR_OK);
    gr_trainer_set(t, "rank", "5");
    gr_trainer_set_validation(t, p.test);
    gr_trainer_set_progress(t, record_trials, NULL);
    trial_count = 0;
    gr_model *m;
    ck_assert_int_eq(gr_trainer_fit(&m, t, p.train), GR_OK);
    const double values[8] = { 0, 0.1, 0.2, 0.3, 0.5, 1, 2, 3 };
    int n = trial_count, best = 0;
    ck_assert_int_ge(n, 7); /* the grid's best is its edge 1: 2 was tried */
    ck_assert_int_le(n, 8);
    for (int k = 1; k < n; k++)
        if (trial_metric[k] > trial_metric[best]) best = k;
    ck_assert_int_ge(best, 5);
    /* it went on only while each step improved */
    for (int k = 6; k < n - 1; k++) ck_assert(trial_metric[k] > trial_metric[k - 1]);
    double alpha;
    ck_assert_int_eq(gr_model_info(&alpha, m, "alpha"), GR_OK);
    ck_assert_double_eq_tol(alpha, values[best], 1e-6);
    gr_model_free(m);
    gr_trainer_free(t);
    fx_planted_free(&p);
}
END_TEST

static int record_trials(void *ud, int epoch, double loss, double seconds, double metric)
{
    (void)ud, (void)loss, (void)seconds;
    ck_assert_int_le(epoch, 16);
    if (!isnan(metric)) trial_metric[epoch - 1] = metric; /* the refit reports its one fit unvalidated */
    if (!isnan(metric) && epoch > trial_count) trial_count = epoch;
    return 0;
}

/* Without validation data the kind searches on a held-out part, then
 * refits on all the data with the settings it chose (not the set ones),
 * and leaves the caller's settings as they were. */
static void check_refit_keeps(int kind, const char *name, const double *grid, size_t n)
{
    fx_planted p;
    fx_planted_make(&p, 300, 200, 5, 24, 4);
    gr_trainer *t;
    ck_assert_int_eq(gr_trainer_new(&t, kind), GR_OK);
    if (kind != GR_MODEL_EASE) gr_trainer_set(t, "rank", "16");
    gr_trainer_set_progress(t, record_trials, NULL);
    gr_model *m;
    ck_assert_int_eq(gr_trainer_fit(&m, t, p.train), GR_OK);
    size_t best = 0;
    for (size_t k = 1; k < n; k++)
        if (trial_metric[k] > trial_metric[best]) best = k;
    double value, refit;
    ck_assert_int_eq(gr_model_info(&value, m, name), GR_OK);
    ck_assert_int_eq(gr_model_info(&refit, m, "refit"), GR_OK);
    ck_assert_double_eq(refit, 1);
    ck_assert_double_eq_tol(value, grid[best], 1e-6);
    gr_model_free(m);
    /* the set value is back: a fit without search uses it */
    gr_trainer_set(t, "holdout", "0");
    ck_assert_int_eq(gr_trainer_fit(&m, t, p.train), GR_OK);
    ck_assert_int_eq(gr_model_info(&value, m, name), GR_OK);
    ck_assert_double_eq_tol(value, kind == GR_MODEL_EASE ? 500 : 0.3, 1e-6);
    gr_model_free(m);
    gr_trainer_free(t);
    fx_planted_free(&p);
}

START_TEST(the_refit_keeps_the_searched_settings)
{
    const double alphas[] = { 0, 0.1, 0.2, 0.3, 0.5, 1 }, lambdas[] = { 200, 500, 1000 };
    check_refit_keeps(GR_MODEL_GFCF, "alpha", alphas, 6);
    check_refit_keeps(GR_MODEL_EASE, "lambda", lambdas, 3);
}
END_TEST

/* What the trial callback heard: every call's number, settings and figure. */
typedef struct heard {
    int n, stop_at, progress;
    int trial[32], best_epoch[32];
    size_t n_names[32];
    char names[32][6][12];
    double values[32][6], metric[32];
} heard;

static int hear_trial(void *ud, int trial, size_t n, const char *const *names, const double *values, double metric,
                      int best_epoch, double seconds)
{
    heard *h = ud;
    (void)seconds;
    ck_assert_int_lt(h->n, 32);
    ck_assert_uint_le(n, 6);
    h->trial[h->n] = trial;
    h->best_epoch[h->n] = best_epoch;
    h->n_names[h->n] = n;
    for (size_t k = 0; k < n; k++) {
        snprintf(h->names[h->n][k], sizeof h->names[h->n][k], "%s", names[k]);
        h->values[h->n][k] = values[k];
    }
    h->metric[h->n] = metric;
    h->n++;
    return h->stop_at && trial == h->stop_at;
}

static int hear_progress(void *ud, int epoch, double loss, double seconds, double metric)
{
    (void)epoch, (void)loss, (void)seconds, (void)metric;
    ((heard *)ud)->progress++;
    return 0;
}

/* Fit kind with validation, the grid's trials heard; the model. */
static gr_model *fit_heard(int kind, heard *h, const fx_planted *p)
{
    gr_trainer *t;
    ck_assert_int_eq(gr_trainer_new(&t, kind), GR_OK);
    if (kind != GR_MODEL_EASE) gr_trainer_set(t, "rank", "16");
    gr_trainer_set_validation(t, p->test);
    gr_trainer_set_progress(t, hear_progress, h);
    gr_trainer_set_trial_callback(t, hear_trial, h);
    gr_model *m;
    ck_assert_int_eq(gr_trainer_fit(&m, t, p->train), GR_OK);
    double n_trials, best;
    ck_assert_int_eq(gr_trainer_stat(&n_trials, t, GR_STAT_TRIALS), GR_OK);
    ck_assert_int_eq(gr_trainer_stat(&best, t, GR_STAT_BEST_VALID), GR_OK);
    /* every trial reached both callbacks once, numbered from 1 */
    ck_assert_int_ge(h->n, 2);
    ck_assert_double_eq(n_trials, h->n);
    ck_assert_int_eq(h->progress, h->n);
    double info;
    ck_assert_int_eq(gr_model_info(&info, m, "search_trials"), GR_OK);
    ck_assert_double_eq(info, h->n);
    int top = 0;
    for (int k = 0; k < h->n; k++) {
        ck_assert_int_eq(h->trial[k], k + 1);
        ck_assert_int_eq(h->best_epoch[k], 0);
        if (h->metric[k] > h->metric[top]) top = k;
    }
    ck_assert_double_eq(h->metric[top], best);
    /* the kept settings are the best trial's, as the callback heard them */
    for (size_t j = 0; j < h->n_names[top]; j++) {
        ck_assert_int_eq(gr_model_info(&info, m, h->names[top][j]), GR_OK);
        ck_assert_double_eq_tol(info, h->values[top][j], 1e-6);
    }
    gr_trainer_free(t);
    return m;
}

/* A training-free kind's grid reports each trial to the trial callback
 * with its settings, as a budget's search does, and the count in the
 * statistics and the model's info; a callback asking to stop ends the
 * grid at that trial. */
START_TEST(the_grid_reports_its_trials_with_their_settings)
{
    fx_planted p;
    fx_planted_make(&p, 300, 200, 5, 24, 4);
    heard h = { 0 };
    gr_model *m = fit_heard(GR_MODEL_CHEBY, &h, &p);
    ck_assert_uint_eq(h.n_names[0], 6);
    ck_assert_str_eq(h.names[0][0], "alpha");
    ck_assert_str_eq(h.names[0][1], "eps");
    ck_assert_str_eq(h.names[0][2], "phi");
    ck_assert_str_eq(h.names[0][3], "skew");
    ck_assert_str_eq(h.names[0][4], "norm_exp");
    ck_assert_str_eq(h.names[0][5], "norm_shift");
    /* the first stage varies eps over its grid from the set values */
    ck_assert_double_eq_tol(h.values[1][1], 0.2, 1e-6);
    ck_assert_double_eq_tol(h.values[1][2], 2.0, 1e-6);
    /* the second the basis's norm, from 1/2 (the eps trials') to 0.4 */
    for (int k = 0; k < 4; k++) ck_assert_double_eq_tol(h.values[k][4], 0.5, 1e-6);
    ck_assert_double_eq_tol(h.values[4][4], 0.4, 1e-6);
    /* the degree shift starts at 0 and is varied after alpha, over 1/4
     * and 1/2, each trial of it at the norm the stages before chose */
    int shifted = 0;
    for (int k = 0; k < h.n; k++) {
        if (h.values[k][5] == 0.0) continue;
        if (!shifted++) {
            ck_assert_double_eq_tol(h.values[k][5], 0.25, 1e-6);
            ck_assert_double_eq_tol(h.values[k][4], h.values[k - 1][4], 1e-6);
        }
    }
    ck_assert_int_ge(shifted, 2);
    gr_model_free(m);

    heard e = { 0 };
    m = fit_heard(GR_MODEL_EASE, &e, &p);
    ck_assert_int_eq(e.n, 3);
    const double lambdas[] = { 200, 500, 1000 };
    for (int k = 0; k < 3; k++) {
        ck_assert_str_eq(e.names[k][0], "lambda");
        ck_assert_double_eq_tol(e.values[k][0], lambdas[k], 1e-9);
    }
    gr_model_free(m);

    heard s = { .stop_at = 3 };
    m = fit_heard(GR_MODEL_CHEBY, &s, &p);
    ck_assert_int_eq(s.n, 3);
    gr_model_free(m);
    fx_planted_free(&p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("filters");
    TCase *tc = tcase_create("filters");
    tcase_add_test(tc, gfcf_matches_the_hand_computed_filter);
    tcase_add_test(tc, cheby_matches_the_hand_computed_filter);
    tcase_add_test(tc, plateau_coefficients_match_the_hand_computed_series);
    tcase_add_test(tc, stretched_coefficients_place_the_extrema_at_the_nodes);
    tcase_add_test(tc, cheby_tail_matches_the_hand_computed_filter);
    tcase_add_test(tc, cheby_skew_scales_the_output_alone);
    tcase_add_test(tc, cheby_exact_skew_matches_the_hand_computed_filter);
    tcase_add_test(tc, a_filter_file_without_skew_loads_with_skew_zero);
    tcase_add_test(tc, a_filter_file_without_norm_loads_with_norm_one_half);
    tcase_add_test(tc, a_filter_file_without_shift_loads_with_shift_zero);
    tcase_add_test(tc, a_filter_file_with_a_negative_shift_is_refused);
    tcase_add_test(tc, cheby_norm_matches_the_hand_computed_filter);
    tcase_add_test(tc, cheby_shift_matches_the_hand_computed_filter);
    tcase_add_test(tc, the_search_keeps_the_basis_of_the_chosen_norm);
    tcase_add_test(tc, ease_matches_a_direct_dense_solve);
    tcase_add_test(tc, gfcf_ranks_saves_and_folds_in);
    tcase_add_test(tc, cheby_ranks_saves_and_folds_in);
    tcase_add_test(tc, filters_score_a_block_of_users_as_each_alone);
    tcase_add_test(tc, ease_ranks_saves_and_folds_in);
    tcase_add_test(tc, validation_chooses_among_the_grid);
    tcase_add_test(tc, a_stage_at_its_edge_extends_its_grid);
    tcase_add_test(tc, the_refit_keeps_the_searched_settings);
    tcase_add_test(tc, the_grid_reports_its_trials_with_their_settings);
    suite_add_tcase(s, tc);
    return fx_run(s);
}
