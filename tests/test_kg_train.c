/* KG models and training: gradients, learning on synthetic graphs, determinism, files. */
#include <gnnrec.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "fixtures.h"
#include "kernels/kg_score.h"
#include "kg/kg.h"
#include "models/kg_model.h"
#include "train/kg_train.h"

/* Ten entities, three relations, random triples. */
static gr_kg *small_kg(void)
{
    char names[40][3][8];
    const char *h[40], *r[40], *t[40];
    gr_rng rng = gr_rng_make(5, 1);
    for (int k = 0; k < 40; k++) {
        snprintf(names[k][0], 8, "e%u", gr_rng_below(&rng, 10));
        snprintf(names[k][1], 8, "r%u", gr_rng_below(&rng, 3));
        snprintf(names[k][2], 8, "e%u", gr_rng_below(&rng, 10));
        h[k] = names[k][0];
        r[k] = names[k][1];
        t[k] = names[k][2];
    }
    gr_kg *kg;
    ck_assert_int_eq(gr_kg_from_names(&kg, NULL, h, r, t, 40), GR_OK);
    return kg;
}

static void settings(gr_kg_settings *s, int kind, int norm, int loss, double adv, double reg)
{
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->norm = norm;
    s->loss = loss;
    s->sampling = GR_KG_SAMPLE_FILTERED;
    s->dim = 5;
    s->batch = 4;
    s->negatives = 6;
    s->gamma = 2.0;
    s->adv_temp = adv;
    s->margin = 1.0;
    s->reg = reg;
    s->seed = 11;
    s->epochs = 1;
    s->lr = 1e-3;
    s->precision = GR_KG_EXACT;
}

/* Central differences against the analytic gradient of one batch. */
static void check_gradient(int kind, int norm, int loss, double adv, double reg)
{
    gr_kg *kg = small_kg();
    gr_kg_settings s;
    settings(&s, kind, norm, loss, adv, reg);
    gr_kg_params p;
    ck_assert_int_eq(gr_kg_params_init(&p, gr_kg_kind_of(kind, norm), s.dim, kg->n_ent, kg->vocab->rel.n, (float)s.gamma), GR_OK);
    gr_kg_init_params(&p, &s);
    uint32_t queries[4] = { 0 << 1 | 0, 1 << 1 | 1, 2 << 1 | 0, 5 << 1 | 1 };
    /* negatives include the answers of some queries, which must be masked */
    int32_t neg[6] = { kg->t[0], 3, kg->h[1], 7, 3, 9 };
    size_t ne = p.n_ent * p.L, nr = p.n_rel * p.LR;
    float *ge = malloc(ne * sizeof *ge), *gr = malloc(nr * sizeof *gr);
    float *ge2 = malloc(ne * sizeof *ge2), *gr2 = malloc(nr * sizeof *gr2);
    double base = gr_kg_loss_grad(ge, gr, &p, &s, kg, queries, 4, neg);
    ck_assert(isfinite(base));
    const float eps = 3e-4f; /* small enough to stay clear of the kinks of L1 and margins */
    int checked = 0;
    for (int table = 0; table < 2; table++) {
        float *x = table ? p.rel : p.ent, *g = table ? gr : ge;
        size_t rows = table ? p.n_rel : p.n_ent, L = table ? p.LR : p.L;
        for (size_t row = 0; row < rows; row++) {
            for (size_t k = 0; k < L; k++) {
                size_t i = row * L + k;
                int pad = (k % (p.kind->complex && L == p.L ? L / 2 : L)) >= s.dim;
                if (pad) {
                    ck_assert_msg(g[i] == 0.0f, "padding gradient %g at row %zu col %zu", g[i], row, k);
                    continue;
                }
                float keep = x[i];
                x[i] = keep + eps;
                double lp = gr_kg_loss_grad(ge2, gr2, &p, &s, kg, queries, 4, neg);
                x[i] = keep - eps;
                double lm = gr_kg_loss_grad(ge2, gr2, &p, &s, kg, queries, 4, neg);
                x[i] = keep;
                double num = (lp - lm) / (2.0 * eps);
                ck_assert_msg(fabs(num - g[i]) <= 2e-3 + 3e-2 * fabs(num),
                              "kind %d norm %d loss %d: %s[%zu][%zu] numeric %g analytic %g", kind, norm, loss,
                              table ? "rel" : "ent", row, k, num, (double)g[i]);
                checked += g[i] != 0.0f;
            }
        }
    }
    ck_assert_int_gt(checked, 20);
    free(ge);
    free(gr);
    free(ge2);
    free(gr2);
    gr_kg_params_free(&p);
    gr_kg_free(kg);
}

START_TEST(gradients_match_finite_differences)
{
    /* Self-adversarial weights are constants of the gradient (as in the
     * reference code), so the exact check uses uniform weights (adv 0). */
    check_gradient(GR_MODEL_ROTATE, 0, GR_KG_LOSS_ADVERSARIAL, 0.0, 0);
    check_gradient(GR_MODEL_ROTATE, 0, GR_KG_LOSS_MARGIN, 0.0, 0);
    check_gradient(GR_MODEL_TRANSE, 1, GR_KG_LOSS_ADVERSARIAL, 0.0, 0);
    check_gradient(GR_MODEL_TRANSE, 2, GR_KG_LOSS_ADVERSARIAL, 0.0, 0);
    check_gradient(GR_MODEL_TRANSE, 2, GR_KG_LOSS_MARGIN, 0, 0);
    check_gradient(GR_MODEL_TRANSE, 1, GR_KG_LOSS_MARGIN, 0, 0);
    check_gradient(GR_MODEL_DISTMULT, 0, GR_KG_LOSS_ADVERSARIAL, 0.0, 1e-2);
    check_gradient(GR_MODEL_COMPLEX, 0, GR_KG_LOSS_ADVERSARIAL, 0.0, 1e-2);
    check_gradient(GR_MODEL_COMPLEX, 0, GR_KG_LOSS_MARGIN, 0, 0);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("kg_train");
    TCase *tc = tcase_create("kg_train");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, gradients_match_finite_differences);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return fx_run(suite()); }
