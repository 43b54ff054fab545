/* GraphSAGE numerics: dense kernels against naive loops, gradients against finite differences. */
#include <gnnrec.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/rng.h"
#include "fixtures.h"
#include "graph/graph.h"
#include "kernels/matmul.h"
#include "train/graphsage_train.h"

static void fill(float *x, size_t n, uint64_t seed)
{
    gr_rng r = gr_rng_make(seed, 3);
    for (size_t k = 0; k < n; k++) x[k] = (float)(2.0 * gr_rng_unit(&r) - 1.0);
}

/* Shapes with tails in every direction: 1, 15, 17, 33 and 65 columns. */
START_TEST(gemm_matches_naive_loops)
{
    static const size_t shapes[][3] = { { 1, 1, 1 }, { 7, 5, 15 }, { 9, 33, 17 }, { 70, 19, 65 }, { 33, 64, 33 } };
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        size_t n = shapes[s][0], q = shapes[s][1], p = shapes[s][2], ldb = gr_gemm_stride(p);
        float *a = gr_alloc_floats(n * q), *b = gr_alloc_floats(q * p), *bp = gr_alloc_floats(q * ldb);
        float *bias = gr_alloc_floats(p), *c = gr_alloc_floats(n * p), *acc = gr_alloc_floats(q * p);
        fill(a, n * q, 1 + s);
        fill(b, q * p, 2 + s);
        fill(bias, p, 3 + s);
        gr_copy_padded(bp, b, p, q, p);
        gr_gemm_nn(c, p, a, q, bp, ldb, bias, n, q, p);
        for (size_t r = 0; r < n; r++)
            for (size_t j = 0; j < p; j++) {
                double want = bias[j];
                for (size_t k = 0; k < q; k++) want += (double)a[r * q + k] * b[k * p + j];
                ck_assert_double_lt(fabs(c[r * p + j] - want), 1e-4 * (1 + fabs(want)));
            }
        /* acc (q x p) += a^T c with a n x q and c n x p, on top of what acc holds */
        fill(acc, q * p, 4 + s);
        float *before = malloc(q * p * sizeof *before);
        memcpy(before, acc, q * p * sizeof *before);
        gr_gemm_tn_acc(acc, p, a, q, c, p, n, q, p);
        for (size_t j = 0; j < q; j++)
            for (size_t k = 0; k < p; k++) {
                double want = before[j * p + k];
                for (size_t r = 0; r < n; r++) want += (double)a[r * q + j] * c[r * p + k];
                ck_assert_double_lt(fabs(acc[j * p + k] - want), 1e-4 * (1 + fabs(want)));
            }
        /* the transposed copy is padded with zeros */
        float *t = gr_alloc_floats(p * gr_gemm_stride(q));
        gr_transpose_padded(t, b, p, q, p);
        for (size_t j = 0; j < p; j++)
            for (size_t k = 0; k < gr_gemm_stride(q); k++) ck_assert(t[j * gr_gemm_stride(q) + k] == (k < q ? b[k * p + j] : 0.0f));
        free(before);
        free(t);
        free(a);
        free(b);
        free(bp);
        free(bias);
        free(c);
        free(acc);
    }
}
END_TEST

/* Each output element is summed by one thread in a fixed order: the thread count cannot change a bit. */
START_TEST(gemm_does_not_depend_on_threads)
{
    size_t n = 300, q = 200, p = 65, ldb = gr_gemm_stride(p);
    float *a = gr_alloc_floats(n * q), *b = gr_alloc_floats(q * ldb), *c1 = gr_alloc_floats(n * p), *c2 = gr_alloc_floats(n * p);
    float *w1 = gr_alloc_floats(q * p), *w2 = gr_alloc_floats(q * p);
    fill(a, n * q, 1);
    fill(b, q * ldb, 2);
    gr_set_num_threads(1);
    gr_gemm_nn(c1, p, a, q, b, ldb, NULL, n, q, p);
    gr_gemm_tn_acc(w1, p, a, q, c1, p, n, q, p);
    gr_set_num_threads(2);
    gr_gemm_nn(c2, p, a, q, b, ldb, NULL, n, q, p);
    gr_gemm_tn_acc(w2, p, a, q, c2, p, n, q, p);
    gr_set_num_threads(0);
    ck_assert_int_eq(memcmp(c1, c2, n * p * sizeof *c1), 0);
    ck_assert_int_eq(memcmp(w1, w2, q * p * sizeof *w1), 0);
    free(a);
    free(b);
    free(c1);
    free(c2);
    free(w1);
    free(w2);
}
END_TEST

/* A small rated graph with timestamps: users 1..9, items 100..107. */
static gr_graph *small_graph(void)
{
    int64_t u[60], it[60], ts[60];
    float r[60];
    size_t n = 0;
    gr_rng rng = gr_rng_make(9, 1);
    for (int a = 0; a < 9; a++)
        for (int k = 0; k < 6; k++) {
            u[n] = 1 + a;
            it[n] = 100 + (a * 3 + k * 5) % 8;
            r[n] = (float)(1 + gr_rng_below(&rng, 5));
            ts[n] = 880000000 + (int64_t)gr_rng_below(&rng, 9000000);
            n++;
        }
    gr_graph *g;
    ck_assert_int_eq(gr_graph_from_edges(&g, u, it, r, ts, n, 0), GR_OK);
    return g;
}

typedef struct check_setup {
    int objective, layers, l2norm, bias, features, channels_levels;
    size_t id_dim;
    double dropout, reg, wd, id_dropout, cold_prob;
    const char *name;
    size_t shared; /* BPR: shared negatives of the sampled softmax (0: per edge) */
    double temperature; /* the sampled softmax's (0: 1, the scores as they are) */
} check_setup;

/* A state as the trainer builds it, through the public trainer settings. */
static gr_sage_state *make_state(const gr_graph *g, const check_setup *cs)
{
    gr_sage_state *s = gr_zalloc(1, sizeof *s);
    gr_sage_arch *a = &s->arch;
    a->layers = cs->layers;
    a->bias = cs->bias;
    a->l2norm = cs->l2norm;
    a->id_dim = cs->id_dim;
    a->hidden = 5;
    a->dim = 3;
    a->n[0] = g->n_users;
    a->n[1] = g->n_items;
    s->objective = cs->objective;
    s->n_levels = 5;
    for (int c = 0; c < 5; c++) s->level[c] = (float)(c + 1);
    a->channels = cs->channels_levels ? 5 : 1;
    s->mu = 3.0f;
    s->top = 5.0f;
    if (cs->features) {
        gr_feat_spec_fit(&s->spec, g);
        for (int t = 0; t < 2; t++) {
            s->feat_kind[t] = GR_SAGE_FEAT_BUILTIN;
            a->feat[t] = s->spec.dim[t];
            s->feat[t] = gr_feat_matrix(&s->spec, g, t);
        }
    }
    gr_sage_layout_of(&s->lay, a);
    return s;
}

static void check_gradient(const check_setup *cs)
{
    gr_graph *g = small_graph();
    gr_sage_state *s = make_state(g, cs);
    int fanout[GR_SAGE_MAX_LAYERS] = { 3, 2, 2, 2 };
    gr_sage_ctx c;
    ck_assert_int_eq(gr_sage_ctx_init(&c, g, s, fanout), GR_OK);
    c.objective = cs->objective;
    c.negatives = 2;
    c.reg = cs->reg;
    c.wd = cs->wd;
    c.dropout = cs->dropout;
    c.id_dropout = cs->id_dropout;
    c.cold_prob = cs->cold_prob;
    c.seed = 5;
    c.shared = cs->shared;
    if (cs->temperature > 0) c.inv_temp = (float)(1.0 / cs->temperature);
    c.n_warm = g->n_items;
    ck_assert_int_eq(gr_sage_ctx_batch(&c, 6), GR_OK);
    c.count = 6;
    for (size_t k = 0; k < c.count; k++) c.edge[k] = (int64_t)(k * 7 + 1) % (int64_t)g->n_edges;
    /* per-edge negatives, or distinct shared ones (k * 3 mod 8 repeats no item within 8) */
    for (size_t k = 0; k < (cs->shared ? cs->shared : c.count * 2); k++) c.neg[k] = (int32_t)((k * 3) % g->n_items);
    size_t P = s->lay.total;
    float *p = gr_alloc_floats(P), *grad = gr_alloc_floats(P), *scratch = gr_alloc_floats(P);
    gr_sage_init_params(p, &s->arch, &s->lay, g, 0.5, 11);
    /* non-zero biases so that their paths carry gradient too */
    for (int l = 1; l <= s->arch.layers; l++)
        for (int t = 0; t < 2; t++) fill(p + s->lay.b[l][t], s->lay.rows[l], 40 + (uint64_t)(l * 2 + t));
    if (s->arch.bias) fill(p + s->lay.nbias[0], g->n_users + g->n_items, 7);
    const uint64_t key = 1234;
    double base = gr_sage_batch_loss(&c, p, grad, key);
    ck_assert(isfinite(base));
    /* float forward passes: differences carry noise of about 1e-3 at this step */
    const float h = 5e-3f;
    const double atol = 1e-3, rtol = 2e-2;
    double worst = 0;
    size_t kinks = 0, nonzero = 0, bad = 0;
    for (size_t k = 0; k < P; k++) {
        float keep = p[k];
        p[k] = keep + h;
        double up = gr_sage_batch_loss(&c, p, scratch, key);
        p[k] = keep - h;
        double down = gr_sage_batch_loss(&c, p, scratch, key);
        p[k] = keep;
        /* a ReLU switching inside [-h, h] makes the one-sided slopes disagree:
         * finite differences say nothing there */
        double fwd = (up - base) / h, bwd = (base - down) / h;
        if (fabs(fwd - bwd) > 0.02 * (fabs(fwd) + fabs(bwd)) + atol) {
            kinks++;
            continue;
        }
        double fd = (up - down) / (2.0 * h), an = grad[k];
        double excess = fabs(fd - an) / (atol + rtol * fmax(fabs(fd), fabs(an)));
        if (excess > 1) fprintf(stderr, "  parameter %zu: finite difference %.5f (%.5f, %.5f), gradient %.5f\n", k, fd, fwd, bwd, an);
        if (excess > worst) worst = excess;
        bad += excess > 1;
        nonzero += fabs(an) > 3 * atol;
    }
    fprintf(stderr, "%-30s params %5zu  kinks %3zu  clearly non-zero %5zu  worst error / tolerance %.2f\n", cs->name, P,
            kinks, nonzero, worst);
    ck_assert_uint_eq(bad, 0);
    ck_assert_uint_le(kinks, P / 50 + 1);
    /* the check is not vacuous: many parameters get a clear gradient */
    ck_assert_uint_gt(nonzero, P / 10);
    free(p);
    free(grad);
    free(scratch);
    gr_sage_ctx_free(&c);
    gr_sage_state_free(s);
    gr_graph_free(g);
}

START_TEST(rating_gradient_matches_finite_differences)
{
    check_setup cs = { GR_OBJECTIVE_RATING, 2, 0, 1, 1, 1, 3, 0.0, 0.1, 0.05, 0, 0, "rating, levels, features", 0, 0 };
    check_gradient(&cs);
}
END_TEST

START_TEST(rating_gradient_with_dropout_and_norm)
{
    check_setup cs = { GR_OBJECTIVE_RATING, 2, 1, 1, 1, 0, 4, 0.3, 0.0, 0.0, 0.3, 0.3, "rating, dropout, l2norm, cold", 0, 0 };
    check_gradient(&cs);
}
END_TEST

START_TEST(bpr_gradient_matches_finite_differences)
{
    check_setup cs = { GR_OBJECTIVE_BPR, 2, 0, 1, 0, 0, 4, 0.0, 0.2, 0.0, 0, 0, "bpr, ids only", 0, 0 };
    check_gradient(&cs);
}
END_TEST

START_TEST(softmax_gradient_matches_finite_differences)
{
    check_setup cs = { GR_OBJECTIVE_BPR, 2, 0, 1, 0, 0, 4, 0.0, 0.2, 0.0, 0, 0, "softmax, ids only", 5, 0 };
    check_gradient(&cs);
}
END_TEST

START_TEST(softmax_with_features_norm_dropout)
{
    check_setup cs = { GR_OBJECTIVE_BPR, 2, 1, 0, 1, 1, 2, 0.2, 0.0, 0.01, 0, 0, "softmax, features, l2norm", 3, 0 };
    check_gradient(&cs);
}
END_TEST

/* Unit-length output rows with every score divided by a temperature of
 * 0.2: the gradient carries the 1 / 0.2 through the softmax and the
 * normalisation. */
START_TEST(softmax_with_temperature_on_unit_rows)
{
    check_setup cs = { GR_OBJECTIVE_BPR, 2, 1, 1, 0, 0, 4, 0.0, 0.0, 0.0, 0, 0, "softmax, l2norm, temperature 0.2", 5,
                       0.2 };
    check_gradient(&cs);
}
END_TEST

START_TEST(three_layers_without_biases)
{
    check_setup cs = { GR_OBJECTIVE_BPR, 3, 1, 0, 1, 1, 2, 0.2, 0.0, 0.01, 0, 0, "bpr, 3 layers, no biases", 0, 0 };
    check_gradient(&cs);
}
END_TEST

/* The whole-graph pass (inference) reserves only what the forward pass
 * writes, to the row; its outputs are a training pass's without dropout. */
START_TEST(a_forward_pass_matches_a_training_pass)
{
    gr_graph *g = small_graph();
    check_setup cs = { GR_OBJECTIVE_BPR, 2, 1, 1, 1, 1, 2, 0.0, 0.0, 0.0, 0, 0, "forward", 0, 0 };
    gr_sage_state *s = make_state(g, &cs);
    const gr_sage_arch *a = &s->arch;
    uint8_t *cu = NULL, *ci = NULL;
    ck_assert_int_eq(gr_sage_edge_channels(s, g, &cu, &ci), GR_OK);
    gr_sage_block b;
    ck_assert_int_eq(gr_sage_full_block(&b, g, cu, ci, a->layers), GR_OK);
    float *p = gr_alloc_floats(s->lay.total);
    gr_sage_init_params(p, a, &s->lay, g, 0.1, 7);
    gr_sage_pass fw, tr;
    memset(&fw, 0, sizeof fw);
    memset(&tr, 0, sizeof tr);
    ck_assert_int_eq(gr_sage_pass_reserve(&fw, a, &b, GR_SAGE_PASS_FORWARD), GR_OK);
    ck_assert_int_eq(gr_sage_pass_reserve(&tr, a, &b, GR_SAGE_PASS_TRAIN), GR_OK);
    for (int t = 0; t < 2; t++) {
        ck_assert_ptr_null(fw.dout[t].p);
        ck_assert_ptr_null(fw.dx[t].p);
        ck_assert_ptr_null(fw.hd[0][t].p);
        ck_assert_ptr_nonnull(tr.dout[t].p);
        size_t n = b.n[0][t] * gr_sage_width(a, 0, t);
        ck_assert_uint_lt(fw.h[0][t].cap, n + 2);
        fill(fw.h[0][t].p, n, 11 + (uint64_t)t);
        memcpy(tr.h[0][t].p, fw.h[0][t].p, n * sizeof(float));
    }
    gr_sage_forward(a, &s->lay, p, &b, &fw);
    gr_sage_forward(a, &s->lay, p, &b, &tr);
    for (int t = 0; t < 2; t++) {
        size_t n = b.n[a->layers][t] * gr_sage_width(a, a->layers, t);
        ck_assert_uint_gt(n, 0);
        ck_assert_int_eq(memcmp(fw.out[t].p, tr.out[t].p, n * sizeof(float)), 0);
    }
    gr_sage_pass_free(&fw);
    gr_sage_pass_free(&tr);
    gr_sage_block_free(&b);
    free(cu);
    free(ci);
    free(p);
    gr_sage_state_free(s);
    gr_graph_free(g);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("graphsage_grad");
    TCase *tc = tcase_create("grad");
    tcase_add_test(tc, gemm_matches_naive_loops);
    tcase_add_test(tc, gemm_does_not_depend_on_threads);
    tcase_add_test(tc, rating_gradient_matches_finite_differences);
    tcase_add_test(tc, rating_gradient_with_dropout_and_norm);
    tcase_add_test(tc, bpr_gradient_matches_finite_differences);
    tcase_add_test(tc, three_layers_without_biases);
    tcase_add_test(tc, softmax_gradient_matches_finite_differences);
    tcase_add_test(tc, softmax_with_features_norm_dropout);
    tcase_add_test(tc, softmax_with_temperature_on_unit_rows);
    tcase_add_test(tc, a_forward_pass_matches_a_training_pass);
    suite_add_tcase(s, tc);
    return fx_run(s);
}
