/* The sampled LightGCN schedule: its loss and gradient against a naive
 * full softmax, a finite-difference check, reproducibility, quality on a
 * generated dataset, and the automatic choice of schedule. */
#include <gnnrec.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/rng.h"
#include "fixtures.h"
#include "graph/graph.h"
#include "graph/norm_adj.h"
#include "kernels/cpu.h"
#include "kernels/gemm_bf16.h"
#include "models/lightgcn.h"
#include "train/lightgcn_train.h"
#include "train/trainer.h"

/* A small random graph: users x items, each user with 1..max_deg items. */
static gr_graph *random_graph(size_t users, size_t items, size_t max_deg, uint64_t seed)
{
    int64_t *u = malloc(users * max_deg * sizeof *u), *i = malloc(users * max_deg * sizeof *i);
    size_t n = 0;
    for (size_t a = 0; a < users; a++) {
        size_t deg = 1 + gr_below(gr_hash3(seed, a, 0), (uint32_t)max_deg);
        for (size_t k = 0; k < deg; k++) {
            int64_t it = (int64_t)gr_below(gr_hash3(seed, a, 1 + k), (uint32_t)items);
            int dup = 0;
            for (size_t q = n - k; q < n; q++) dup |= i[q] == it;
            if (dup) continue;
            u[n] = (int64_t)a;
            i[n] = it;
            n++;
        }
    }
    gr_graph *g = NULL;
    ck_assert_int_eq(gr_graph_from_edges(&g, u, i, NULL, NULL, n, 0), GR_OK);
    free(u);
    free(i);
    return g;
}

static gr_trainer *sampled_trainer(const char *negatives, const char *reg)
{
    /* plain dot products (temperature 0) and float propagation: the
     * references below are float or double dot products */
    return fx_trainer(GR_MODEL_LIGHTGCN, "mode", "sampled", "negatives", negatives, "reg", reg, "temperature", "0",
                      "precision", "float", NULL);
}

static float *random_e0(const gr_lgcn_settings_t *s, double std, uint64_t seed)
{
    float *e0 = gr_alloc_floats(s->n * s->d);
    gr_rng r = gr_rng_make(seed, 3);
    for (size_t k = 0; k < s->n * s->d; k++) e0[k] = (float)(std * gr_rng_normal(&r));
    return e0;
}

/*
 * The full softmax objective, naively in double: E = P e0, loss =
 * sum_u (deg_u lse_u - sum_{i in I_u} s_ui) / edges + degree-weighted L2,
 * and its gradient P^T dE (+ the L2's).
 */
static double full_softmax(double *grad, const gr_graph *g, const gr_lgcn_settings_t *s, const float *e0)
{
    const size_t d = s->d, nu = g->n_users, ni = g->n_items, n = s->n;
    gr_spmat adj;
    ck_assert_int_eq(gr_norm_adj(&adj, g, 1), GR_OK);
    float *e = gr_alloc_floats(n * d);
    float *ge = gr_alloc_floats(n * d), *gp = gr_alloc_floats(n * d);
    fx_propagate_whole(&adj, e0, e, d, s->layers, NULL, 0, 0);
    memset(ge, 0, n * d * sizeof *ge);
    double *sc = malloc(ni * sizeof *sc), loss = 0.0;
    const double inv = 1.0 / (double)g->n_edges;
    for (size_t u = 0; u < nu; u++) {
        size_t deg = gr_csr_degree(&g->ui, u);
        if (!deg) continue;
        double mx = -INFINITY, z = 0.0;
        for (size_t i = 0; i < ni; i++) {
            sc[i] = 0.0;
            for (size_t j = 0; j < d; j++) sc[i] += (double)e[u * d + j] * e[(nu + i) * d + j];
            mx = fmax(mx, sc[i]);
        }
        for (size_t i = 0; i < ni; i++) z += exp(sc[i] - mx);
        double lse = mx + log(z);
        loss += (double)deg * lse * inv;
        for (int64_t k = g->ui.ptr[u]; k < g->ui.ptr[u + 1]; k++) loss -= sc[g->ui.col[k]] * inv;
        for (size_t i = 0; i < ni; i++) sc[i] = (double)deg * exp(sc[i] - lse) * inv;
        for (int64_t k = g->ui.ptr[u]; k < g->ui.ptr[u + 1]; k++) sc[g->ui.col[k]] -= inv;
        for (size_t i = 0; i < ni; i++)
            for (size_t j = 0; j < d; j++) {
                ge[u * d + j] += (float)(sc[i] * e[(nu + i) * d + j]);
                ge[(nu + i) * d + j] += (float)(sc[i] * e[u * d + j]);
            }
    }
    fx_propagate_whole(&adj, ge, gp, d, s->layers, NULL, 0, 0);
    for (size_t r = 0; r < n; r++) {
        size_t deg = r < nu ? gr_csr_degree(&g->ui, r) : gr_csr_degree(&g->iu, r - nu);
        double c = s->reg * (double)deg * inv;
        for (size_t j = 0; j < d; j++) {
            double x = e0[r * d + j];
            grad[r * d + j] = gp[r * d + j] + c * x;
            loss += 0.5 * c * x * x;
        }
    }
    free(sc);
    free(e);
    free(ge);
    free(gp);
    gr_spmat_free(&adj);
    return loss;
}

static void check_all_items(gr_graph *g)
{
    gr_trainer *t = sampled_trainer("100000", "0.01"); /* more than the items: every item once */
    gr_lgcn_settings_t s;
    fx_set(t, "dim", "16", NULL);
    gr_lgcn_settings(&s, t, g);
    float *e0 = random_e0(&s, 0.3, 1), *grad = gr_alloc_floats(s.n * s.d);
    double *ref = malloc(s.n * s.d * sizeof *ref);
    double loss = gr_lgcn_sampled_loss_grad(grad, t, g, &s, e0, 1);
    double want = full_softmax(ref, g, &s, e0);
    double worst = 0.0, scale = 0.0;
    for (size_t k = 0; k < s.n * s.d; k++) {
        worst = fmax(worst, fabs(grad[k] - ref[k]));
        scale = fmax(scale, fabs(ref[k]));
    }
    printf("all items drawn: loss %.7f, full softmax %.7f; gradient error %.3g of %.3g\n", loss, want, worst, scale);
    ck_assert_double_eq_tol(loss, want, 1e-5 * fabs(want));
    ck_assert_double_le(worst, 1e-4 * scale);
    free(e0);
    free(grad);
    free(ref);
    gr_trainer_free(t);
    gr_graph_free(g);
}

START_TEST(all_items_drawn_is_the_full_softmax)
{
    check_all_items(random_graph(150, 70, 12, 5));
    /* a user with every item: no draw is a negative */
    int64_t u[7] = { 0, 0, 0, 0, 0, 1, 1 }, i[7] = { 0, 1, 2, 3, 4, 1, 3 };
    gr_graph *g = NULL;
    ck_assert_int_eq(gr_graph_from_edges(&g, u, i, NULL, NULL, 7, 0), GR_OK);
    check_all_items(g);
}
END_TEST

/* With fewer negatives than items the loss is the sampled one: finite
 * differences of it (the same draws: the same step) match its gradient. */
static void finite_differences(const char *pop, const char *tau)
{
    gr_graph *g = random_graph(120, 300, 10, 9);
    gr_trainer *t = sampled_trainer("40", "0.05");
    fx_set(t, "dim", "8", "sample_pop", pop, "temperature", tau, NULL);
    gr_lgcn_settings_t s;
    gr_lgcn_settings(&s, t, g);
    float *e0 = random_e0(&s, 0.5, 2), *grad = gr_alloc_floats(s.n * s.d), *tmp = gr_alloc_floats(s.n * s.d);
    double base = gr_lgcn_sampled_loss_grad(grad, t, g, &s, e0, 3);
    ck_assert(isfinite(base));
    double worst = 0.0;
    const float h = 1e-2f;
    for (size_t q = 0; q < 40; q++) {
        size_t k = (size_t)gr_below(gr_hash3(4, q, 0), (uint32_t)(s.n * s.d));
        float keep = e0[k];
        e0[k] = keep + h;
        double up = gr_lgcn_sampled_loss_grad(tmp, t, g, &s, e0, 3);
        e0[k] = keep - h;
        double down = gr_lgcn_sampled_loss_grad(tmp, t, g, &s, e0, 3);
        e0[k] = keep;
        double fd = (up - down) / (2.0 * h);
        worst = fmax(worst, fabs(fd - grad[k]) / (fabs(grad[k]) + 1e-3));
    }
    printf("finite differences, sample_pop %s, temperature %s: worst relative error %.3g\n", pop, tau, worst);
    ck_assert_double_le(worst, 0.02);
    free(e0);
    free(grad);
    free(tmp);
    gr_trainer_free(t);
    gr_graph_free(g);
}

START_TEST(gradient_matches_finite_differences)
{
    finite_differences("0", "0");
    finite_differences("0.75", "0");
    finite_differences("0", "0.5"); /* unit-length layer-0 rows, scores / 0.5 */
}
END_TEST

/* Drawn uniformly, the sampled partition function is an unbiased
 * estimate: over many draws the mean of exp(loss terms) approaches the
 * full softmax's; checked through the loss, which is close to it. */
START_TEST(sampled_loss_approaches_the_full_softmax)
{
    gr_graph *g = random_graph(200, 400, 8, 11);
    gr_trainer *t = sampled_trainer("200", "0");
    fx_set(t, "dim", "8", NULL);
    gr_lgcn_settings_t s;
    gr_lgcn_settings(&s, t, g);
    float *e0 = random_e0(&s, 0.3, 5), *grad = gr_alloc_floats(s.n * s.d);
    double *ref = malloc(s.n * s.d * sizeof *ref);
    double want = full_softmax(ref, g, &s, e0), mean = 0.0;
    double *mg = calloc(s.n * s.d, sizeof *mg);
    const int draws = 50;
    for (int ep = 1; ep <= draws; ep++) {
        mean += gr_lgcn_sampled_loss_grad(grad, t, g, &s, e0, ep) / draws;
        for (size_t k = 0; k < s.n * s.d; k++) mg[k] += grad[k] / draws;
    }
    double dot = 0.0, na = 0.0, nb = 0.0;
    for (size_t k = 0; k < s.n * s.d; k++) {
        dot += mg[k] * ref[k];
        na += mg[k] * mg[k];
        nb += ref[k] * ref[k];
    }
    double cosine = dot / sqrt(na * nb);
    printf("sampled (200 of 400 items, 50 draws): loss %.5f, full %.5f; gradient cosine %.5f\n", mean, want, cosine);
    ck_assert_double_eq_tol(mean, want, 0.01 * want);
    ck_assert_double_gt(cosine, 0.99);
    free(mg);
    free(e0);
    free(grad);
    free(ref);
    gr_trainer_free(t);
    gr_graph_free(g);
}
END_TEST

static gr_model *fit(const gr_graph *train, const char *seed, const char *threads, const char *negatives,
                     const char *precision)
{
    gr_trainer *t = sampled_trainer(negatives, "0.01");
    /* cosine scores (the default scoring), at a fixed temperature */
    fx_set(t, "temperature", "0.05", "epochs", "25", "holdout", "0", "seed", seed, "threads", threads, "precision",
           precision, NULL);
    gr_model *m = NULL;
    ck_assert_int_eq(gr_trainer_fit(&m, t, train), GR_OK);
    gr_trainer_free(t);
    return m;
}

static float *item_vectors(const gr_model *m, size_t *n)
{
    size_t ni = gr_graph_num_items(gr_model_graph(m));
    *n = ni * gr_model_dim(m);
    float *v = malloc(*n * sizeof *v);
    ck_assert_int_eq(gr_model_item_vectors(v, ni, gr_model_dim(m), m), GR_OK);
    return v;
}

/* In float, in bfloat16 (the products in bfloat16 where the CPU has
 * AVX512-BF16) and in the default precision (either, by CPU). */
static void check_reproducible(const char *precision)
{
    gr_graph *g = random_graph(700, 500, 20, 13); /* 11 blocks of users: more than one round's worth of work */
    size_t n;
    gr_model *a = fit(g, "7", "2", "64", precision), *b = fit(g, "7", "2", "64", precision);
    gr_model *c = fit(g, "8", "2", "64", precision), *e = fit(g, "7", "1", "64", precision);
    float *va = item_vectors(a, &n), *vb = item_vectors(b, &n), *vc = item_vectors(c, &n), *ve = item_vectors(e, &n);
    ck_assert_int_eq(memcmp(va, vb, n * sizeof *va), 0);
    ck_assert_int_ne(memcmp(va, vc, n * sizeof *va), 0);
    ck_assert_int_eq(memcmp(va, ve, n * sizeof *va), 0); /* and for any thread count */
    double mode;
    ck_assert_int_eq(gr_model_info(&mode, a, "mode"), GR_OK);
    ck_assert_double_eq(mode, GR_MODE_SAMPLED);
    free(va);
    free(vb);
    free(vc);
    free(ve);
    gr_model_free(a);
    gr_model_free(b);
    gr_model_free(c);
    gr_model_free(e);
    gr_graph_free(g);
}

START_TEST(sampled_mode_is_reproducible)
{
    check_reproducible("float");
    check_reproducible("bfloat16");
    check_reproducible("auto");
}
END_TEST

/* precision: float and bfloat16 as set for both schedules; auto the
 * faster form as measured, the sampled schedule bfloat16 and the fast one
 * float on Intel CPUs without AMX tiles; a word outside the three
 * refused. */
START_TEST(precision_auto_takes_the_cpus_faster_form)
{
    gr_trainer *t;
    ck_assert_int_eq(gr_trainer_new(&t, GR_MODEL_LIGHTGCN), GR_OK);
    ck_assert_int_eq(gr_lgcn_bf16(t, GR_MODE_FAST), gr_cpu_bf16_pays());
    ck_assert_int_eq(gr_lgcn_bf16(t, GR_MODE_SAMPLED), 1);
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    printf("precision auto, fast schedule: %s on this %s CPU%s\n", gr_lgcn_bf16(t, GR_MODE_FAST) ? "bfloat16" : "float",
           __builtin_cpu_is("intel") ? "Intel" : __builtin_cpu_is("amd") ? "AMD" : "other",
           gr_bf16_amx() ? " with AMX tiles" : "");
    ck_assert_int_eq(gr_lgcn_bf16(t, GR_MODE_FAST), !__builtin_cpu_is("intel") || gr_bf16_amx());
#endif
    for (int mode = GR_MODE_FAST; mode <= GR_MODE_SAMPLED; mode++) {
        ck_assert_int_eq(gr_trainer_set(t, "precision", "float"), GR_OK);
        ck_assert_int_eq(gr_lgcn_bf16(t, mode), 0);
        ck_assert_int_eq(gr_trainer_set(t, "precision", "bfloat16"), GR_OK);
        ck_assert_int_eq(gr_lgcn_bf16(t, mode), 1);
        ck_assert_int_eq(gr_trainer_set(t, "precision", "half"), GR_EINVAL);
        ck_assert_int_eq(gr_lgcn_bf16(t, mode), 1);
        ck_assert_int_eq(gr_trainer_set(t, "precision", "auto"), GR_OK);
    }
    gr_trainer_free(t);
}
END_TEST

/* The bfloat16 gradient (bfloat16 propagation, and products where the
 * CPU has AVX512-BF16) against the
 * float one, at the default temperature and width. */
START_TEST(bf16_gradient_is_close_to_float)
{
    gr_graph *g = random_graph(300, 900, 30, 17);
    gr_trainer *t = sampled_trainer("512", "0");
    fx_set(t, "temperature", "0.05", "dim", "64", "threads", "2", NULL);
    gr_lgcn_settings_t s;
    gr_lgcn_settings(&s, t, g);
    float *e0 = random_e0(&s, 0.1, 9), *gf = gr_alloc_floats(s.n * s.d), *gh = gr_alloc_floats(s.n * s.d);
    double lf = gr_lgcn_sampled_loss_grad(gf, t, g, &s, e0, 3);
    fx_set(t, "precision", "bfloat16", NULL);
    double lh = gr_lgcn_sampled_loss_grad(gh, t, g, &s, e0, 3);
    double dot = 0.0, na = 0.0, nb = 0.0;
    for (size_t k = 0; k < s.n * s.d; k++) {
        dot += (double)gf[k] * gh[k];
        na += (double)gf[k] * gf[k];
        nb += (double)gh[k] * gh[k];
    }
    double cosine = dot / sqrt(na * nb);
    printf("sampled gradient, %s against float: loss %.6f / %.6f, cosine %.6f\n",
           gr_bf16_available() ? "AVX512-BF16" : "float (no AVX512-BF16)", lh, lf, cosine);
    ck_assert_double_eq_tol(lh, lf, 2e-3 * lf);
    ck_assert_double_gt(cosine, 0.999);
    ck_assert_double_gt(sqrt(na), 0.0);
    free(e0);
    free(gf);
    free(gh);
    gr_trainer_free(t);
    gr_graph_free(g);
}
END_TEST

/* The float step's products in both kernel forms (the narrow ones score
 * from the draws' rows with the users transposed, the wide ones from the
 * transposed draws): the same loss and gradient bits, at widths where
 * each form is register-blocked, with draws not a multiple of 8 and a
 * partial last block of users. */
START_TEST(float_step_is_the_same_in_both_kernel_forms)
{
    static const char *const negatives[] = { "512", "100" }, *const dims[] = { "64", "32" };
    gr_graph *g = random_graph(300, 900, 30, 23);
    for (int a = 0; a < 2; a++)
        for (int b = 0; b < 2; b++) {
            gr_trainer *t = sampled_trainer(negatives[a], "0");
            fx_set(t, "precision", "float", "dim", dims[b], "threads", "2", NULL);
            gr_lgcn_settings_t s;
            gr_lgcn_settings(&s, t, g);
            float *e0 = random_e0(&s, 0.1, 11), *gw = gr_alloc_floats(s.n * s.d), *gn = gr_alloc_floats(s.n * s.d);
            gr_simd_set_wide(1);
            double lw = gr_lgcn_sampled_loss_grad(gw, t, g, &s, e0, 2);
            gr_simd_set_wide(0);
            double ln = gr_lgcn_sampled_loss_grad(gn, t, g, &s, e0, 2);
            gr_simd_set_wide(-1);
            ck_assert_msg(lw == ln, "negatives %s dim %s: loss %.17g wide, %.17g narrow", negatives[a], dims[b], lw, ln);
            ck_assert(memcmp(gw, gn, s.n * s.d * sizeof *gw) == 0);
            free(e0);
            free(gw);
            free(gn);
            gr_trainer_free(t);
        }
    gr_graph_free(g);
}
END_TEST

START_TEST(sampled_mode_beats_popularity)
{
    fx_planted p;
    fx_planted_make(&p, 600, 400, 8, 30, 3);
    gr_trainer *t = fx_trainer(GR_MODEL_LIGHTGCN, "mode", "sampled", "negatives", "64", "threads", "1", NULL);
    gr_model *m = NULL;
    ck_assert_int_eq(gr_trainer_fit(&m, t, p.train), GR_OK);
    int k = 20;
    double out[GR_METRIC_COUNT];
    ck_assert_int_eq(gr_eval_ranking(out, NULL, m, p.train, p.test, &k, 1), GR_OK);
    double pop = fx_popularity_recall(p.train, p.test, 20);
    printf("sampled LightGCN (64 of 400 items) recall@20 %.4f, popularity %.4f\n", out[GR_METRIC_RECALL], pop);
    ck_assert_double_gt(out[GR_METRIC_RECALL], 1.3 * pop);
    gr_model_free(m);
    gr_trainer_free(t);
    fx_planted_free(&p);
}
END_TEST

/* The learning rate's half cosine: lr at the first step, lr x floor at
 * the last, halfway between at the middle, never rising; floor 1 keeps it. */
START_TEST(lr_falls_along_a_half_cosine)
{
    const double lr = 0.05, floor = 0.1;
    ck_assert_double_eq_tol(gr_lgcn_step_lr(lr, floor, 1, 401), lr, 1e-15);
    ck_assert_double_eq_tol(gr_lgcn_step_lr(lr, floor, 201, 401), lr * (floor + 1.0) / 2.0, 1e-12);
    ck_assert_double_eq_tol(gr_lgcn_step_lr(lr, floor, 401, 401), lr * floor, 1e-15);
    ck_assert_double_eq_tol(gr_lgcn_step_lr(lr, floor, 500, 401), lr * floor, 1e-15); /* past the end: the floor */
    for (int e = 2; e <= 401; e++)
        ck_assert_double_le(gr_lgcn_step_lr(lr, floor, e, 401), gr_lgcn_step_lr(lr, floor, e - 1, 401));
    for (int e = 1; e <= 10; e++) ck_assert_double_eq(gr_lgcn_step_lr(lr, 1.0, e, 10), lr);
}
END_TEST

static float *fit_with_floor(const gr_graph *g, const char *mode, const char *floor)
{
    gr_trainer *t = fx_trainer(GR_MODEL_LIGHTGCN, "mode", mode, "negatives", "64", "epochs", "12", "holdout", "0",
                               "threads", "1", "dim", "8", NULL);
    if (floor) fx_set(t, "lr_floor", floor, NULL);
    ck_assert(floor || isnan(gr_opt_named(t, "lr_floor"))); /* unset: the schedule's own value */
    gr_model *m = NULL;
    ck_assert_int_eq(gr_trainer_fit(&m, t, g), GR_OK);
    size_t n;
    float *x = item_vectors(m, &n);
    gr_model_free(m);
    gr_trainer_free(t);
    return x;
}

/* lr_floor's default: the sampled schedule (LightGCN's and MF's) decays
 * to GR_LGCN_SAMPLED_LR_FLOOR, the fast one keeps a constant rate; a set
 * value holds for either, and a decayed fit differs from a constant one. */
START_TEST(lr_floor_defaults_by_schedule)
{
    gr_graph *g = random_graph(300, 200, 10, 23);
    size_t n = gr_graph_num_items(g) * 8;
    float *sd = fit_with_floor(g, "sampled", NULL), *s01 = fit_with_floor(g, "sampled", GR_STR(GR_LGCN_SAMPLED_LR_FLOOR));
    float *s1 = fit_with_floor(g, "sampled", "1");
    ck_assert_int_eq(memcmp(sd, s01, n * sizeof *sd), 0);
    ck_assert_int_ne(memcmp(sd, s1, n * sizeof *sd), 0);
    float *fd = fit_with_floor(g, "fast", NULL), *f1 = fit_with_floor(g, "fast", "1"), *f01 = fit_with_floor(g, "fast", "0.1");
    ck_assert_int_eq(memcmp(fd, f1, n * sizeof *fd), 0);
    ck_assert_int_ne(memcmp(fd, f01, n * sizeof *fd), 0);
    gr_trainer *t = fx_trainer(GR_MODEL_MF, "mode", "sampled", NULL);
    ck_assert_double_eq(gr_lgcn_lr_floor(t), GR_LGCN_SAMPLED_LR_FLOOR);
    gr_trainer_free(t);
    t = fx_trainer(GR_MODEL_MF, "mode", "fast", NULL);
    ck_assert_double_eq(gr_lgcn_lr_floor(t), 1.0);
    gr_trainer_free(t);
    t = fx_trainer(GR_MODEL_LIGHTGCN, "mode", "sampled", NULL);
    ck_assert_double_eq(gr_lgcn_lr_floor(t), GR_LGCN_SAMPLED_LR_FLOOR);
    gr_trainer_free(t);
    free(sd);
    free(s01);
    free(s1);
    free(fd);
    free(f1);
    free(f01);
    gr_graph_free(g);
}
END_TEST

/* The default mode runs the full softmax on a small catalogue and the
 * sampled one on a large catalogue, and records which. */
START_TEST(auto_picks_each_schedule)
{
    gr_graph *small = random_graph(300, 200, 10, 17);
    gr_graph *large = random_graph(2000, 200000, 40, 19); /* about 36,000 items */
    ck_assert_int_eq(gr_lgcn_auto_mode(small, GR_LGCN_SAMPLED_NEGATIVES), GR_MODE_FAST);
    ck_assert_int_eq(gr_lgcn_auto_mode(large, GR_LGCN_SAMPLED_NEGATIVES), GR_MODE_SAMPLED);
    const gr_graph *graphs[2] = { small, large };
    const double want[2] = { GR_MODE_FAST, GR_MODE_SAMPLED };
    for (int k = 0; k < 2; k++) {
        gr_trainer *t = fx_trainer(GR_MODEL_LIGHTGCN, "epochs", "2", "holdout", "0", NULL);
        double v;
        ck_assert_int_eq(gr_trainer_get_double(&v, t, GR_OPT_MODE), GR_OK);
        ck_assert_double_eq(v, GR_MODE_AUTO);
        gr_model *m;
        ck_assert_int_eq(gr_trainer_fit(&m, t, graphs[k]), GR_OK);
        ck_assert_int_eq(gr_model_info(&v, m, "mode"), GR_OK);
        ck_assert_double_eq(v, want[k]);
        ck_assert_int_eq(gr_trainer_get_double(&v, t, GR_OPT_MODE), GR_OK);
        ck_assert_double_eq(v, GR_MODE_AUTO); /* restored after the fit */
        ck_assert_int_eq(gr_trainer_get_double(&v, t, GR_OPT_NEGATIVES), GR_OK);
        ck_assert(isnan(v));
        gr_model_free(m);
        gr_trainer_free(t);
    }
    /* a hand-set mode is kept whatever the catalogue */
    gr_trainer *t = fx_trainer(GR_MODEL_LIGHTGCN, "mode", "sampled", NULL);
    ck_assert_int_eq(gr_lgcn_mode(t, small), GR_MODE_SAMPLED);
    fx_set(t, "mode", "fast", NULL);
    ck_assert_int_eq(gr_lgcn_mode(t, large), GR_MODE_FAST);
    gr_trainer_free(t);
    gr_graph_free(small);
    gr_graph_free(large);
}
END_TEST

/* The temperature of a fit that leaves it unset: 0.125 x sqrt((users +
 * items) / interactions) of the graph fitted, at least 0.04, to three
 * significant digits (LightGCN; MF keeps 0.12); the trainer reports NaN
 * before and after, and a set value is used as set. */
static double fitted_temperature(int kind, const gr_graph *g, const char *tau, const char *holdout)
{
    gr_trainer *t = fx_trainer(kind, "mode", "sampled", "epochs", "2", "dim", "8", "holdout", holdout, NULL);
    if (tau) fx_set(t, "temperature", tau, NULL);
    double v = gr_opt_named(t, "temperature");
    ck_assert(tau ? v == atof(tau) : isnan(v));
    gr_model *m;
    ck_assert_int_eq(gr_trainer_fit(&m, t, g), GR_OK);
    v = gr_opt_named(t, "temperature");
    ck_assert(tau ? v == atof(tau) : isnan(v)); /* restored after the fit */
    double held = 0;
    if (gr_model_info(&held, m, "holdout_edges") != GR_OK) held = 0;
    ck_assert(strcmp(holdout, "0") == 0 ? held == 0 : held > 0);
    ck_assert_int_eq(gr_model_info(&v, m, "temperature"), GR_OK);
    gr_model_free(m);
    gr_trainer_free(t);
    /* the fit on a held-out part sizes it to the graph it trains on */
    double rows = (double)(gr_graph_num_users(g) + gr_graph_num_items(g)) / ((double)gr_graph_num_edges(g) - held);
    double want = tau ? atof(tau) : kind == GR_MODEL_MF ? 0.12 : fmax(0.04, 0.125 * sqrt(rows));
    ck_assert_double_eq_tol(v, want, 0.005 * want);
    return v;
}

START_TEST(temperature_follows_the_data)
{
    gr_graph *sparse = random_graph(300, 5000, 12, 29); /* about 1 row per interaction */
    gr_graph *dense = random_graph(300, 40, 30, 31);   /* about 0.04 */
    double a = fitted_temperature(GR_MODEL_LIGHTGCN, sparse, NULL, "0");
    ck_assert(a > 0.1); /* sized, not the floor */
    double b = fitted_temperature(GR_MODEL_LIGHTGCN, sparse, NULL, "0.1");
    ck_assert(b > a); /* the 90% fitted is sparser still */
    ck_assert_double_eq(fitted_temperature(GR_MODEL_LIGHTGCN, dense, NULL, "0"), 0.04);
    fitted_temperature(GR_MODEL_LIGHTGCN, sparse, "0.05", "0");
    fitted_temperature(GR_MODEL_MF, sparse, NULL, "0");
    gr_graph_free(sparse);
    gr_graph_free(dense);
}
END_TEST

int main(void)
{
    /* a value of an unset table read before it is written turns to NaN */
    gr_mem_poison_unset(1);
    Suite *s = suite_create("lightgcn_sampled");
    TCase *c = tcase_create("sampled_schedule");
    tcase_add_test(c, all_items_drawn_is_the_full_softmax);
    tcase_add_test(c, gradient_matches_finite_differences);
    tcase_add_test(c, sampled_loss_approaches_the_full_softmax);
    tcase_add_test(c, sampled_mode_is_reproducible);
    tcase_add_test(c, bf16_gradient_is_close_to_float);
    tcase_add_test(c, precision_auto_takes_the_cpus_faster_form);
    tcase_add_test(c, float_step_is_the_same_in_both_kernel_forms);
    tcase_add_test(c, sampled_mode_beats_popularity);
    tcase_add_test(c, auto_picks_each_schedule);
    tcase_add_test(c, lr_falls_along_a_half_cosine);
    tcase_add_test(c, lr_floor_defaults_by_schedule);
    tcase_add_test(c, temperature_follows_the_data);
    suite_add_tcase(s, c);
    return fx_run(s);
}
