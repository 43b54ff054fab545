/* KG models and training: gradients, learning on synthetic graphs, determinism, files. */
#include <gnnrec.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "eval/link_prediction.h"
#include "fixtures.h"
#include "graph/graph.h"
#include "io/crc32.h"
#include "kernels/kg_score.h"
#include "kg/kg.h"
#include "models/kg_model.h"
#include "train/kg_train.h"

/* Ten entities, three relations, random triples. */
static gr_kg *small_kg(void) { return fx_random_kg(40, 10, 3, 5); }

static void settings(gr_kg_settings *s, int kind, int norm, int loss, double adv, double reg, int subsampling)
{
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->norm = norm;
    s->subsampling = subsampling;
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
static void check_gradient(int kind, int norm, int loss, double adv, double reg, int subsampling)
{
    gr_kg *kg = small_kg();
    gr_kg_settings s;
    settings(&s, kind, norm, loss, adv, reg, subsampling);
    gr_kg_params p;
    ck_assert_int_eq(gr_kg_params_init(&p, gr_kg_kind_of(kind, norm), s.dim, kg->n_ent, kg->vocab->rel.n, (float)s.gamma), GR_OK);
    gr_kg_init_params(&p, &s);
    uint32_t queries[4] = { 0 << 1 | 0, 1 << 1 | 1, 2 << 1 | 0, 5 << 1 | 1 };
    /* negatives include the answers of some queries, which must be masked;
     * with subsampling the queries are split into two groups of two, each
     * with its own negatives */
    int32_t neg[12] = { kg->t[0], 3, kg->h[1], 7, 3, 9, 1, kg->t[2], 2, 3, kg->h[5], 0 };
    if (subsampling) s.neg_share = 2;
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
    check_gradient(GR_MODEL_ROTATE, 0, GR_KG_LOSS_ADVERSARIAL, 0.0, 0, 0);
    check_gradient(GR_MODEL_ROTATE, 0, GR_KG_LOSS_MARGIN, 0.0, 0, 0);
    check_gradient(GR_MODEL_ROTATE, 0, GR_KG_LOSS_ADVERSARIAL, 0.0, 0, 1); /* subsampling weights, negative groups */
    check_gradient(GR_MODEL_TRANSE, 1, GR_KG_LOSS_ADVERSARIAL, 0.0, 0, 0);
    check_gradient(GR_MODEL_TRANSE, 2, GR_KG_LOSS_ADVERSARIAL, 0.0, 0, 0);
    check_gradient(GR_MODEL_TRANSE, 2, GR_KG_LOSS_MARGIN, 0, 0, 0);
    check_gradient(GR_MODEL_TRANSE, 1, GR_KG_LOSS_MARGIN, 0, 0, 0);
    check_gradient(GR_MODEL_DISTMULT, 0, GR_KG_LOSS_ADVERSARIAL, 0.0, 1e-2, 0);
    check_gradient(GR_MODEL_COMPLEX, 0, GR_KG_LOSS_ADVERSARIAL, 0.0, 1e-2, 0);
    check_gradient(GR_MODEL_COMPLEX, 0, GR_KG_LOSS_MARGIN, 0, 0, 0);
    check_gradient(GR_MODEL_DISTMULT, 0, GR_KG_LOSS_SOFTMAX, 0, 1e-2, 0);
    check_gradient(GR_MODEL_COMPLEX, 0, GR_KG_LOSS_SOFTMAX, 0, 0, 1);
    check_gradient(GR_MODEL_ROTATE, 0, GR_KG_LOSS_SOFTMAX, 0, 0, 0);
    check_gradient(GR_MODEL_TRANSE, 2, GR_KG_LOSS_SOFTMAX, 0, 0, 0);
}
END_TEST


static double cube_sum(const float *x, size_t n)
{
    double v = 0.0;
    for (size_t k = 0; k < n; k++) v += fabs((double)x[k] * x[k] * x[k]);
    return v;
}

/* The N3 penalty is reg times the batch mean of |h|^3 + |r|^3 + |t|^3, so
 * its weight does not grow with the batch size. */
START_TEST(n3_penalty_is_a_batch_mean)
{
    gr_kg *kg = small_kg();
    gr_kg_settings s;
    settings(&s, GR_MODEL_DISTMULT, 0, GR_KG_LOSS_ADVERSARIAL, 0.0, 0, 0);
    gr_kg_params p;
    ck_assert_int_eq(gr_kg_params_init(&p, gr_kg_kind_of(GR_MODEL_DISTMULT, 0), s.dim, kg->n_ent, kg->vocab->rel.n,
                                       (float)s.gamma), GR_OK);
    gr_kg_init_params(&p, &s);
    uint32_t queries[4] = { 0 << 1 | 0, 1 << 1 | 1, 2 << 1 | 0, 5 << 1 | 1 };
    int32_t neg[24] = { 3, 7, 3, 9, 1, 2, 3, 0, 4, 5, 6, 8, 3, 7, 3, 9, 1, 2, 3, 0, 4, 5, 6, 8 };
    float *ge = malloc(p.n_ent * p.L * sizeof *ge), *gr = malloc(p.n_rel * p.LR * sizeof *gr);
    double plain = gr_kg_loss_grad(ge, gr, &p, &s, kg, queries, 4, neg);
    s.reg = 0.5;
    double with = gr_kg_loss_grad(ge, gr, &p, &s, kg, queries, 4, neg);
    double cubes = 0.0;
    for (int b = 0; b < 4; b++) {
        uint32_t tri = queries[b] >> 1;
        cubes += cube_sum(p.ent + (size_t)kg->h[tri] * p.L, p.L) + cube_sum(p.ent + (size_t)kg->t[tri] * p.L, p.L) +
                 cube_sum(p.rel + (size_t)kg->r[tri] * p.LR, p.LR);
    }
    ck_assert(cubes > 0);
    ck_assert_double_eq_tol(with - plain, 0.5 * cubes / 4, 1e-6 * cubes + 1e-9);
    free(ge);
    free(gr);
    gr_kg_params_free(&p);
    gr_kg_free(kg);
}
END_TEST

/* ---- filtered ranking on a case computed by hand ---- */

/* TransE (L1) in one dimension: e0 = 0, e1 = 1, e2 = 2, e3 = 3.5, r = +1. */
static gr_model *hand_model(gr_kg **train, gr_kg **test)
{
    const char *h[] = { "e0", "e1", "e2", "e3" }, *r[] = { "r", "r", "r", "r" }, *t[] = { "e1", "e2", "e2", "e3" };
    ck_assert_int_eq(gr_kg_from_names(train, NULL, h, r, t, 4), GR_OK);
    const char *th[] = { "e0" }, *tr[] = { "r" }, *tt[] = { "e2" };
    ck_assert_int_eq(gr_kg_from_names(test, *train, th, tr, tt, 1), GR_OK);
    gr_kg_params p;
    ck_assert_int_eq(gr_kg_params_init(&p, &gr_transe_l1_kind, 1, 4, 1, 0.0f), GR_OK);
    const float x[4] = { 0.0f, 1.0f, 2.0f, 3.5f };
    int64_t id;
    for (int e = 0; e < 4; e++) {
        char name[4];
        snprintf(name, sizeof name, "e%d", e);
        ck_assert_int_eq(gr_kg_entity_id(&id, *train, name), GR_OK);
        p.ent[id * p.L] = x[e];
    }
    p.rel[0] = 1.0f;
    gr_model *m;
    ck_assert_int_eq(gr_kg_model_new(&m, GR_MODEL_TRANSE, &p, 1, *train, NULL), GR_OK);
    return m;
}

/* The reference rank: every entity scored exactly, the known answers of
 * the query (from a scan of `known`) other than the answer left out. */
static double reference_rank(const gr_kg_params *p, const gr_kg *known, int32_t anchor, int32_t rel, int32_t answer,
                             int head, float *q, float *v)
{
    p->kind->query(p, anchor, rel, head, q);
    gr_kg_score(p->op, GR_KG_EXACT, v, p->n_ent, q, 1, p->ent, p->n_ent, p->L);
    double better = 0, ties = 0;
    for (size_t e = 0; e < p->n_ent; e++) {
        int skip = 0;
        for (size_t k = 0; known && k < known->n && !skip; k++)
            skip = (int32_t)e != answer && known->r[k] == rel &&
                   (head ? known->t[k] == anchor && known->h[k] == (int32_t)e
                         : known->h[k] == anchor && known->t[k] == (int32_t)e);
        if (skip) continue;
        better += v[e] < v[answer];
        ties += v[e] == v[answer];
    }
    return 1.0 + better + 0.5 * (ties - 1);
}

/* RotatE's exact ranks come from its estimated distances, with the
 * candidates near the answer's distance computed exactly: the same ranks
 * as scoring every candidate exactly, ties (entities with the answer's
 * row) and near ties (its row moved by an ulp) included, filtered or not. */
START_TEST(exact_ranks_from_estimates_match_exact_scoring)
{
    gr_kg *kg = fx_random_kg(120, 60, 4, 9);
    gr_kg_settings s;
    settings(&s, GR_MODEL_ROTATE, 1, GR_KG_LOSS_ADVERSARIAL, 1.0, 0.0, 0);
    s.dim = 37; /* 48 complex dimensions padded */
    gr_kg_params p;
    ck_assert_int_eq(gr_kg_params_init(&p, gr_kg_kind_of(GR_MODEL_ROTATE, 1), s.dim, kg->n_ent, kg->vocab->rel.n,
                                       (float)s.gamma),
                     GR_OK);
    gr_kg_init_params(&p, &s);
    /* entity 50 repeats the tail of triple 0, 51 repeats it moved by an
     * ulp in one coordinate, 52 the head of triple 1 */
    memcpy(p.ent + 50 * p.L, p.ent + (size_t)kg->t[0] * p.L, p.L * sizeof(float));
    memcpy(p.ent + 51 * p.L, p.ent + (size_t)kg->t[0] * p.L, p.L * sizeof(float));
    p.ent[51 * p.L + 3] = nextafterf(p.ent[51 * p.L + 3], INFINITY);
    memcpy(p.ent + 52 * p.L, p.ent + (size_t)kg->h[1] * p.L, p.L * sizeof(float));
    size_t n = kg->n;
    double *ranks = malloc(2 * n * sizeof *ranks);
    float *q = malloc(p.L * sizeof *q), *v = malloc(p.n_ent * sizeof *v);
    int tied = 0;
    for (int filtered = 0; filtered < 2; filtered++) {
        const gr_kg *known = filtered ? kg : NULL;
        ck_assert_int_eq(gr_lp_ranks(ranks, &p, kg, NULL, n, known, GR_LP_BOTH, GR_KG_EXACT), GR_OK);
        for (size_t k = 0; k < 2 * n; k++) {
            int head = k >= n;
            size_t i = head ? k - n : k;
            int32_t anchor = head ? kg->t[i] : kg->h[i], answer = head ? kg->h[i] : kg->t[i];
            double ref = reference_rank(&p, known, anchor, kg->r[i], answer, head, q, v);
            ck_assert_msg(ranks[k] == ref, "query %zu (filtered %d): rank %g, exact scoring %g", k, filtered, ranks[k],
                          ref);
            tied += ref != floor(ref);
        }
    }
    ck_assert_int_gt(tied, 0); /* the repeated rows made ties */
    free(ranks);
    free(q);
    free(v);
    gr_kg_params_free(&p);
    gr_kg_free(kg);
}
END_TEST

START_TEST(filtered_ranks_match_a_hand_computed_case)
{
    gr_kg *train, *test;
    gr_model *m = hand_model(&train, &test);
    double out[GR_LP_COUNT];
    /* Tail query (e0, r, ?): q = 1, distances e0 1, e1 0, e2 1, e3 2.5; the
     * answer e2 has e1 above it and e0 tied: raw rank 1 + 1 + 1/2.  Head
     * query (?, r, e2): q = 1, the answer e0 has e1 above and e2 tied. */
    ck_assert_int_eq(gr_eval_link_prediction(out, m, test, NULL, 0, GR_LP_BOTH), GR_OK);
    ck_assert_double_eq_tol(out[GR_LP_MR], 2.5, 1e-12);
    ck_assert_double_eq_tol(out[GR_LP_MRR], 1 / 2.5, 1e-12);
    ck_assert_double_eq_tol(out[GR_LP_HITS1], 0.0, 1e-12);
    ck_assert_double_eq_tol(out[GR_LP_HITS3], 1.0, 1e-12);
    /* Filtered: (e0, r, e1) removes e1 from the tail ranking: 1 + 0 + 1/2;
     * (e1, r, e2) and (e2, r, e2) remove e1 and e2 from the head ranking: 1. */
    const gr_kg *known[2] = { train, test };
    ck_assert_int_eq(gr_eval_link_prediction(out, m, test, known, 2, GR_LP_BOTH), GR_OK);
    ck_assert_double_eq_tol(out[GR_LP_MR], (1.5 + 1.0) / 2, 1e-12);
    ck_assert_double_eq_tol(out[GR_LP_MRR], (1 / 1.5 + 1.0) / 2, 1e-12);
    ck_assert_double_eq_tol(out[GR_LP_HITS1], 0.5, 1e-12);
    ck_assert_double_eq_tol(out[GR_LP_HITS10], 1.0, 1e-12);
    ck_assert_int_eq(gr_eval_link_prediction(out, m, test, known, 2, GR_LP_TAILS), GR_OK);
    ck_assert_double_eq_tol(out[GR_LP_MRR], 1 / 1.5, 1e-12);
    ck_assert_int_eq(gr_eval_link_prediction(out, m, test, known, 2, GR_LP_HEADS), GR_OK);
    ck_assert_double_eq_tol(out[GR_LP_MRR], 1.0, 1e-12);
    /* scores of single triples: gamma (0) - |h + r - t| */
    float sc;
    int64_t e0, e3, r;
    ck_assert_int_eq(gr_kg_entity_id(&e0, train, "e0"), GR_OK);
    ck_assert_int_eq(gr_kg_entity_id(&e3, train, "e3"), GR_OK);
    ck_assert_int_eq(gr_kg_relation_id(&r, train, "r"), GR_OK);
    ck_assert_int_eq(gr_model_score_triple(&sc, m, e0, r, e3), GR_OK);
    ck_assert_float_eq_tol(sc, -2.5f, 1e-6f);
    ck_assert_int_eq(gr_model_score_triple(&sc, m, e0, r, 17), GR_ERANGE);
    ck_assert_int_eq(gr_eval_link_prediction(out, m, test, known, 2, 7), GR_EINVAL);
    /* graphs of another id space are refused */
    gr_kg *other;
    const char *oh[] = { "e0" }, *orr[] = { "r" }, *ot[] = { "e2" };
    ck_assert_int_eq(gr_kg_from_names(&other, NULL, oh, orr, ot, 1), GR_OK);
    ck_assert_int_eq(gr_eval_link_prediction(out, m, other, known, 2, GR_LP_BOTH), GR_EINVAL);
    gr_kg_free(other);
    gr_model_free(m);
    gr_kg_free(train);
    gr_kg_free(test);
}
END_TEST

/* ---- learning on a synthetic graph ---- */

/* 120 entities in 12 groups of 10: r0 maps member i of group g to member i
 * of group g + 1 (a translation and a rotation), r1 pairs members i and
 * i + 5 of a group (symmetric), r2 links each member to its group's first
 * (many to one).  Every tenth triple is held out. */
static void synthetic(gr_kg **train, gr_kg **test)
{
    enum { G = 12, M = 10 };
    char buf[3 * G * M][3][12];
    const char *h[3 * G * M], *r[3 * G * M], *t[3 * G * M];
    size_t n = 0;
    for (int g = 0; g < G; g++) {
        for (int i = 0; i < M; i++) {
            int a = g * M + i;
            int ends[3] = { ((g + 1) % G) * M + i, g * M + (i + 5) % M, g * M };
            for (int k = 0; k < 3; k++) {
                if (k == 2 && i == 0) continue;
                snprintf(buf[n][0], 12, "n%d", a);
                snprintf(buf[n][1], 12, "r%d", k);
                snprintf(buf[n][2], 12, "n%d", ends[k]);
                h[n] = buf[n][0];
                r[n] = buf[n][1];
                t[n] = buf[n][2];
                n++;
            }
        }
    }
    /* the first pass names every entity; the held-out tenth joins the same id space */
    const char *h2[3 * G * M], *r2[3 * G * M], *t2[3 * G * M];
    size_t ntr = 0, nte = 0;
    for (size_t k = 0; k < n; k++) {
        if (k % 10 == 3) {
            h2[nte] = h[k];
            r2[nte] = r[k];
            t2[nte] = t[k];
            nte++;
        } else {
            h[ntr] = h[k];
            r[ntr] = r[k];
            t[ntr] = t[k];
            ntr++;
        }
    }
    ck_assert_int_eq(gr_kg_from_names(train, NULL, h, r, t, ntr), GR_OK);
    ck_assert_int_eq(gr_kg_from_names(test, *train, h2, r2, t2, nte), GR_OK);
    ck_assert_uint_eq(gr_kg_num_skipped(*test), 0);
}

/* Threads are given explicitly: tiny batches on two threads of a busy machine spend their time in barriers. */
static gr_model *fit_synthetic(int kind, const gr_kg *train, const char *threads, const char *seed, const char *epochs)
{
    gr_trainer *t;
    ck_assert_int_eq(gr_trainer_new(&t, kind), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "dim", "16"), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "batch", "64"), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "negatives", "32"), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "lr", "0.02"), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "epochs", epochs), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "gamma", "4"), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "threads", threads), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "seed", seed), GR_OK);
    gr_model *m;
    ck_assert_int_eq(gr_kg_fit(&m, t, train, NULL), GR_OK);
    gr_trainer_free(t);
    return m;
}

START_TEST(training_beats_random_on_a_synthetic_graph)
{
    gr_kg *train, *test;
    synthetic(&train, &test);
    const gr_kg *known[2] = { train, test };
    /* a random ranking of 120 entities has an expected MRR near 0.045 */
    const int kinds[4] = { GR_MODEL_ROTATE, GR_MODEL_TRANSE, GR_MODEL_DISTMULT, GR_MODEL_COMPLEX };
    const double floor[4] = { 0.5, 0.4, 0.2, 0.4 };
    for (int k = 0; k < 4; k++) {
        gr_model *m = fit_synthetic(kinds[k], train, "1", "3", "60");
        double out[GR_LP_COUNT];
        ck_assert_int_eq(gr_eval_link_prediction(out, m, test, known, 2, GR_LP_BOTH), GR_OK);
        ck_assert_msg(out[GR_LP_MRR] > floor[k], "%s: MRR %.3f", gr_model_kind_name(kinds[k]), out[GR_LP_MRR]);
        gr_model_free(m);
    }
    gr_kg_free(train);
    gr_kg_free(test);
}
END_TEST

/* Same seed, same model, whatever the number of threads. */
START_TEST(training_is_reproducible_across_threads)
{
    gr_kg *train, *test;
    synthetic(&train, &test);
    gr_model *a = fit_synthetic(GR_MODEL_ROTATE, train, "1", "5", "10");
    gr_model *b = fit_synthetic(GR_MODEL_ROTATE, train, "2", "5", "10");
    gr_model *c = fit_synthetic(GR_MODEL_ROTATE, train, "1", "6", "10");
    int differ = 0;
    for (int64_t h = 0; h < 20; h++) {
        float sa, sb, sc;
        ck_assert_int_eq(gr_model_score_triple(&sa, a, h, 0, (h * 7) % 120), GR_OK);
        ck_assert_int_eq(gr_model_score_triple(&sb, b, h, 0, (h * 7) % 120), GR_OK);
        ck_assert_int_eq(gr_model_score_triple(&sc, c, h, 0, (h * 7) % 120), GR_OK);
        ck_assert_msg(sa == sb, "threads changed a score: %.9g vs %.9g", sa, sb);
        differ += sa != sc;
    }
    ck_assert_int_gt(differ, 0); /* another seed is another model */
    gr_model_free(a);
    gr_model_free(b);
    gr_model_free(c);
    gr_kg_free(train);
    gr_kg_free(test);
}
END_TEST

/* One query's predictions are every entity in the order of the scores
 * gr_model_score_triple gives (tails and heads, each kind); leaving the
 * training answers out removes those and only those. */
typedef struct scored_id {
    float score;
    int64_t id;
} scored_id;

static int by_score_then_id(const void *a, const void *b)
{
    const scored_id *x = a, *y = b;
    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* The reference list of a query: every entity's gr_model_score_triple, sorted. */
static size_t reference_links(scored_id *out, const gr_model *m, const gr_kg *kg, int64_t a, int64_t r, int dir, int filter)
{
    size_t ne = gr_kg_num_entities(kg), n = 0;
    for (int64_t e = 0; e < (int64_t)ne; e++) {
        int64_t h = dir == GR_LP_TAILS ? a : e, t = dir == GR_LP_TAILS ? e : a;
        if (filter && gr_kg_contains(kg, h, r, t)) continue;
        ck_assert_int_eq(gr_model_score_triple(&out[n].score, m, h, r, t), GR_OK);
        out[n++].id = e;
    }
    qsort(out, n, sizeof *out, by_score_then_id);
    return n;
}

START_TEST(batched_link_predictions_are_the_best_exact_scores)
{
    /* 9,000 entities: three chunks of entities per block of queries; 37
     * queries: three blocks, the last of 5 (RotatE scores blocks of 8 or
     * more with fast roots, smaller ones exactly), mixed directions,
     * filtered and not */
    gr_kg *kg = fx_random_kg(30000, 9000, 4, 12345);
    ck_assert_uint_gt(gr_kg_num_entities(kg), 2 * 4096);
    size_t ne = gr_kg_num_entities(kg);
    const int kinds[4] = { GR_MODEL_ROTATE, GR_MODEL_TRANSE, GR_MODEL_DISTMULT, GR_MODEL_COMPLEX };
    enum { NQ = 37, K = 7 };
    int64_t anchors[NQ], rels[NQ], ids[NQ * K], one_ids[K];
    int dirs[NQ];
    float sc[NQ * K], one_sc[K];
    size_t counts[NQ];
    scored_id *ref = malloc(ne * sizeof *ref);
    for (size_t i = 0; i < NQ; i++) {
        anchors[i] = (int64_t)((i * 2654435761u) % ne);
        rels[i] = (int64_t)(i % 4);
        dirs[i] = i % 3 == 0 ? GR_LP_HEADS : GR_LP_TAILS;
    }
    for (int kk = 0; kk < 4; kk++) {
        gr_model *m = fit_synthetic(kinds[kk], kg, "2", "3", "1");
        for (int filter = 0; filter <= 1; filter++) {
            ck_assert_int_eq(gr_model_predict_links_batch(counts, m, anchors, rels, dirs, NQ, K, filter, ids, sc), GR_OK);
            for (size_t i = 0; i < NQ; i++) {
                size_t nref = reference_links(ref, m, kg, anchors[i], rels[i], dirs[i], filter);
                ck_assert_uint_eq(counts[i], nref < K ? nref : K);
                for (size_t j = 0; j < counts[i]; j++) {
                    float want = ref[j].score;
                    ck_assert_msg(fabsf(sc[i * K + j] - want) <= 1e-4f * fmaxf(1.0f, fabsf(want)), "%s query %zu: %g against %g",
                                  gr_model_kind_name(kinds[kk]), i, sc[i * K + j], want);
                    /* the same entity, or one whose exact score ties within the summation order's rounding */
                    if (ids[i * K + j] != ref[j].id) {
                        float got;
                        int64_t h = dirs[i] == GR_LP_TAILS ? anchors[i] : ids[i * K + j];
                        int64_t t = dirs[i] == GR_LP_TAILS ? ids[i * K + j] : anchors[i];
                        ck_assert_int_eq(gr_model_score_triple(&got, m, h, rels[i], t), GR_OK);
                        ck_assert_msg(fabsf(got - want) <= 1e-4f * fmaxf(1.0f, fabsf(want)), "%s query %zu place %zu: entity %lld, not %lld",
                                      gr_model_kind_name(kinds[kk]), i, j, (long long)ids[i * K + j], (long long)ref[j].id);
                    }
                }
                /* a single call gives the batch's row */
                size_t n1;
                ck_assert_int_eq(gr_model_predict_links(&n1, m, anchors[i], rels[i], dirs[i], K, filter, one_ids, one_sc), GR_OK);
                ck_assert_uint_eq(n1, counts[i]);
                for (size_t j = 0; j < n1; j++) {
                    ck_assert_int_eq(one_ids[j], ids[i * K + j]);
                    ck_assert(one_sc[j] == sc[i * K + j]);
                }
            }
        }
        /* a bad query fails the call before anything is written */
        int64_t bad_rel[2] = { 0, 4 };
        counts[0] = 99;
        ck_assert_int_eq(gr_model_predict_links_batch(counts, m, anchors, bad_rel, dirs, 2, K, 0, ids, sc), GR_ERANGE);
        ck_assert_uint_eq(counts[0], 99);
        ck_assert_ptr_nonnull(strstr(gr_last_error(), "query 1"));
        int bad_dir[1] = { GR_LP_BOTH };
        ck_assert_int_eq(gr_model_predict_links_batch(counts, m, anchors, rels, bad_dir, 1, K, 0, ids, sc), GR_EINVAL);
        ck_assert_int_eq(gr_model_predict_links_batch(NULL, m, NULL, NULL, NULL, 0, K, 0, NULL, NULL), GR_OK);
        ck_assert_int_eq(gr_model_predict_links_batch(counts, m, anchors, rels, dirs, 1, K, 0, NULL, sc), GR_EINVAL);
        gr_model_free(m);
    }
    free(ref);
    gr_kg_free(kg);
}
END_TEST

START_TEST(predicted_links_rank_every_entity_by_its_score)
{
    gr_kg *train, *test;
    synthetic(&train, &test);
    const int kinds[4] = { GR_MODEL_ROTATE, GR_MODEL_TRANSE, GR_MODEL_DISTMULT, GR_MODEL_COMPLEX };
    size_t ne = gr_kg_num_entities(train);
    int64_t *ids = malloc(ne * sizeof *ids);
    float *sc = malloc(ne * sizeof *sc);
    for (int k = 0; k < 4; k++) {
        gr_model *m = fit_synthetic(kinds[k], train, "2", "3", "5");
        for (int64_t a = 0; a < 120; a += 37) {
            for (int64_t r = 0; r < 3; r++) {
                for (int dir = GR_LP_TAILS; dir <= GR_LP_HEADS; dir++) {
                    size_t n;
                    ck_assert_int_eq(gr_model_predict_links(&n, m, a, r, dir, ne, 0, ids, sc), GR_OK);
                    ck_assert_uint_eq(n, ne);
                    char *seen = calloc(ne, 1);
                    for (size_t j = 0; j < n; j++) {
                        float want;
                        int64_t h = dir == GR_LP_TAILS ? a : ids[j], t = dir == GR_LP_TAILS ? ids[j] : a;
                        ck_assert_int_eq(gr_model_score_triple(&want, m, h, r, t), GR_OK);
                        ck_assert_msg(fabsf(sc[j] - want) <= 1e-4f * fmaxf(1.0f, fabsf(want)), "%s: %g against %g",
                                      gr_model_kind_name(kinds[k]), sc[j], want);
                        ck_assert(j == 0 || sc[j] < sc[j - 1] || (sc[j] == sc[j - 1] && ids[j] > ids[j - 1]));
                        ck_assert(!seen[ids[j]]);
                        seen[ids[j]] = 1;
                    }
                    free(seen);
                    /* the training answers left out, and nothing else */
                    size_t known = 0;
                    for (int64_t e = 0; e < (int64_t)ne; e++)
                        known += dir == GR_LP_TAILS ? gr_kg_contains(train, a, r, e) : gr_kg_contains(train, e, r, a);
                    size_t n2;
                    ck_assert_int_eq(gr_model_predict_links(&n2, m, a, r, dir, ne, 1, ids, sc), GR_OK);
                    ck_assert_uint_eq(n2, ne - known);
                    for (size_t j = 0; j < n2; j++)
                        ck_assert(!(dir == GR_LP_TAILS ? gr_kg_contains(train, a, r, ids[j])
                                                       : gr_kg_contains(train, ids[j], r, a)));
                }
            }
        }
        size_t n;
        ck_assert_int_eq(gr_model_predict_links(&n, m, 0, 0, GR_LP_BOTH, 5, 0, ids, sc), GR_EINVAL);
        ck_assert_int_eq(gr_model_predict_links(&n, m, 0, 0, GR_LP_TAILS, 0, 0, ids, sc), GR_ERANGE);
        ck_assert_int_eq(gr_model_predict_links(&n, m, 0, 0, GR_LP_TAILS, ne + 1, 0, ids, sc), GR_ERANGE);
        ck_assert_int_eq(gr_model_predict_links(&n, m, (int64_t)ne, 0, GR_LP_TAILS, 5, 0, ids, sc), GR_ERANGE);
        ck_assert_int_eq(gr_model_predict_links(&n, m, 0, 3, GR_LP_TAILS, 5, 0, ids, sc), GR_ERANGE);
        ck_assert_int_eq(gr_model_predict_links(&n, m, 0, 0, GR_LP_TAILS, 5, 0, NULL, sc), GR_EINVAL);
        gr_model_free(m);
    }
    /* a model of another kind does not predict links */
    int64_t u[] = { 1, 1, 2, 3 }, it[] = { 10, 20, 20, 30 };
    gr_graph *g;
    ck_assert_int_eq(gr_graph_from_edges(&g, u, it, NULL, NULL, 4, 0), GR_OK);
    gr_trainer *t;
    ck_assert_int_eq(gr_trainer_new(&t, GR_MODEL_MF), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "epochs", "1"), GR_OK);
    gr_model *mf;
    ck_assert_int_eq(gr_trainer_fit(&mf, t, g), GR_OK);
    size_t n;
    ck_assert_int_eq(gr_model_predict_links(&n, mf, 0, 0, GR_LP_TAILS, 1, 0, ids, sc), GR_EUNSUPPORTED);
    gr_model_free(mf);
    gr_trainer_free(t);
    gr_graph_free(g);
    free(ids);
    free(sc);
    gr_kg_free(train);
    gr_kg_free(test);
}
END_TEST

/* The rank of entity `want` among the tails of (h, r, ?) by gr_model_score_triple (1: best). */
static size_t tail_rank(const gr_model *m, int64_t h, int64_t r, int64_t want, size_t ne)
{
    float sw, x;
    ck_assert_int_eq(gr_model_score_triple(&sw, m, h, r, want), GR_OK);
    size_t better = 0;
    for (int64_t e = 0; e < (int64_t)ne; e++) {
        ck_assert_int_eq(gr_model_score_triple(&x, m, h, r, e), GR_OK);
        better += e != want && x > sw;
    }
    return better + 1;
}

START_TEST(kg_models_update_with_new_triples_entities_and_relations)
{
    gr_kg *train, *test;
    synthetic(&train, &test);
    size_t ne = gr_kg_num_entities(train), nr = gr_kg_num_relations(train);
    /* new triples by their own names: a new entity reached from a known one
     * through a known relation, a new relation between known entities,
     * another new entity, and a triple the model has already */
    const char *h[] = { "n3", "n7", "other-new", "n0" }, *r[] = { "r0", "r-new", "r1", "r0" };
    const char *t[] = { "brand-new", "n8", "n50", "n10" };
    gr_kg *added;
    ck_assert_int_eq(gr_kg_from_names(&added, NULL, h, r, t, 4), GR_OK);
    const int kinds[4] = { GR_MODEL_ROTATE, GR_MODEL_TRANSE, GR_MODEL_DISTMULT, GR_MODEL_COMPLEX };
    for (int k = 0; k < 4; k++) {
        gr_model *m = fit_synthetic(kinds[k], train, "2", "3", "5"), *up, *up2, *placed;
        float before;
        ck_assert_int_eq(gr_model_score_triple(&before, m, 3, 0, 13), GR_OK);
        gr_trainer *tr;
        ck_assert_int_eq(gr_trainer_new(&tr, kinds[k]), GR_OK);
        ck_assert_int_eq(gr_trainer_set(tr, "threads", "2"), GR_OK);
        ck_assert_int_eq(gr_model_update_kg(&up, m, added, tr), GR_OK);
        ck_assert_int_eq(gr_model_update_kg(&up2, m, added, tr), GR_OK);
        const gr_kg *kg;
        ck_assert_int_eq(gr_model_kg(&kg, up), GR_OK);
        /* the model's ids are kept, the new names follow in added's order */
        ck_assert_uint_eq(gr_kg_num_entities(kg), ne + 2);
        ck_assert_uint_eq(gr_kg_num_relations(kg), nr + 1);
        ck_assert_uint_eq(gr_kg_num_triples(kg), gr_kg_num_triples(train) + 3);
        for (int64_t e = 0; e < (int64_t)ne; e += 7) ck_assert_str_eq(gr_kg_entity_name(kg, e), gr_kg_entity_name(train, e));
        ck_assert_str_eq(gr_kg_entity_name(kg, (int64_t)ne), "brand-new");
        ck_assert_str_eq(gr_kg_entity_name(kg, (int64_t)ne + 1), "other-new");
        ck_assert_str_eq(gr_kg_relation_name(kg, (int64_t)nr), "r-new");
        int64_t n3, n7, n8, r0;
        ck_assert_int_eq(gr_kg_entity_id(&n3, train, "n3"), GR_OK);
        ck_assert_int_eq(gr_kg_entity_id(&n7, train, "n7"), GR_OK);
        ck_assert_int_eq(gr_kg_entity_id(&n8, train, "n8"), GR_OK);
        ck_assert_int_eq(gr_kg_relation_id(&r0, train, "r0"), GR_OK);
        ck_assert(gr_kg_contains(kg, n7, (int64_t)nr, n8) && gr_kg_contains(kg, n3, r0, (int64_t)ne));
        double info, dim;
        ck_assert_int_eq(gr_model_info(&info, up, "updated"), GR_OK);
        ck_assert_int_eq(gr_model_info(&info, up, "epochs"), GR_OK);
        ck_assert_double_eq(info, 4); /* the update's own schedule */
        ck_assert_int_eq(gr_model_info(&dim, up, "dim"), GR_OK);
        ck_assert_double_eq(dim, 16); /* the model's, not the new trainer's default */
        /* deterministic, and the input model is unchanged */
        float s1, s2, after;
        for (int64_t e = 0; e < (int64_t)ne + 2; e += 5) {
            ck_assert_int_eq(gr_model_score_triple(&s1, up, 3, 0, e), GR_OK);
            ck_assert_int_eq(gr_model_score_triple(&s2, up2, 3, 0, e), GR_OK);
            ck_assert(s1 == s2);
        }
        ck_assert_int_eq(gr_model_score_triple(&after, m, 3, 0, 13), GR_OK);
        ck_assert(before == after);
        /* the new entity starts where its known neighbour's query places it:
         * with a learning rate too small to move it, the tail it was added as
         * is the best tail of (n3, r0, ?) (the rank a random row would have
         * is about half of the 122 entities) */
        ck_assert_int_eq(gr_trainer_set(tr, "lr", "1e-12"), GR_OK);
        ck_assert_int_eq(gr_trainer_set(tr, "epochs", "1"), GR_OK);
        ck_assert_int_eq(gr_model_update_kg(&placed, m, added, tr), GR_OK);
        size_t rank = tail_rank(placed, n3, r0, (int64_t)ne, ne + 2);
        ck_assert_msg(rank <= 2, "%s: the placed entity ranks %zu", gr_model_kind_name(kinds[k]), rank);
        ck_assert_int_eq(gr_model_info(&info, placed, "epochs"), GR_OK);
        ck_assert_double_eq(info, 1); /* the caller's setting */
        /* a saved update answers by the new names */
        char *dir = fx_tmpdir(), *path = fx_path(dir, "up.gnnrec");
        gr_model *back;
        ck_assert_int_eq(gr_model_save(up, path), GR_OK);
        ck_assert_int_eq(gr_model_load(&back, path), GR_OK);
        const gr_kg *kb;
        int64_t id;
        ck_assert_int_eq(gr_model_kg(&kb, back), GR_OK);
        ck_assert_int_eq(gr_kg_entity_id(&id, kb, "brand-new"), GR_OK);
        ck_assert_int_eq(id, (int64_t)ne);
        gr_model_free(back);
        free(path);
        free(dir);
        /* errors */
        gr_trainer *other;
        ck_assert_int_eq(gr_trainer_new(&other, kinds[k] == GR_MODEL_ROTATE ? GR_MODEL_TRANSE : GR_MODEL_ROTATE), GR_OK);
        gr_model *none = NULL;
        ck_assert_int_eq(gr_model_update_kg(&none, m, added, other), GR_EINVAL);
        ck_assert_ptr_null(none);
        ck_assert_int_eq(gr_model_update_kg(&none, m, NULL, NULL), GR_EINVAL);
        gr_trainer_free(other);
        gr_trainer_free(tr);
        gr_model_free(m);
        gr_model_free(up);
        gr_model_free(up2);
        gr_model_free(placed);
    }
    /* other kinds, and a KG model of a user-item graph, are not updated by triples */
    int64_t u[] = { 1, 1, 2, 3 }, it[] = { 10, 20, 20, 30 };
    gr_graph *g;
    ck_assert_int_eq(gr_graph_from_edges(&g, u, it, NULL, NULL, 4, 0), GR_OK);
    const int others[2] = { GR_MODEL_MF, GR_MODEL_ROTATE };
    for (int k = 0; k < 2; k++) {
        gr_trainer *t2;
        ck_assert_int_eq(gr_trainer_new(&t2, others[k]), GR_OK);
        ck_assert_int_eq(gr_trainer_set(t2, "epochs", "1"), GR_OK);
        ck_assert_int_eq(gr_trainer_set(t2, "dim", "16"), GR_OK);
        gr_model *m2, *none = NULL;
        ck_assert_int_eq(gr_trainer_fit(&m2, t2, g), GR_OK);
        ck_assert_int_eq(gr_model_update_kg(&none, m2, added, NULL), GR_EUNSUPPORTED);
        gr_model_free(m2);
        gr_trainer_free(t2);
    }
    gr_graph_free(g);
    gr_kg_free(added);
    gr_kg_free(train);
    gr_kg_free(test);
}
END_TEST

START_TEST(kg_models_save_and_load)
{
    gr_kg *train, *test;
    synthetic(&train, &test);
    char *dir = fx_tmpdir();
    char *path = fx_path(dir, "m.gnnrec");
    const int kinds[4] = { GR_MODEL_ROTATE, GR_MODEL_TRANSE, GR_MODEL_DISTMULT, GR_MODEL_COMPLEX };
    for (int k = 0; k < 4; k++) {
        gr_trainer *t;
        ck_assert_int_eq(gr_trainer_new(&t, kinds[k]), GR_OK);
        ck_assert_int_eq(gr_trainer_set(t, "dim", "8"), GR_OK);
        ck_assert_int_eq(gr_trainer_set(t, "epochs", "5"), GR_OK);
        ck_assert_int_eq(gr_trainer_set(t, "eval_every", "2"), GR_OK);
        ck_assert_int_eq(gr_trainer_set(t, "threads", "1"), GR_OK);
        if (kinds[k] == GR_MODEL_TRANSE) ck_assert_int_eq(gr_trainer_set(t, "norm", "2"), GR_OK);
        gr_model *m, *back;
        ck_assert_int_eq(gr_kg_fit(&m, t, train, test), GR_OK);
        /* the kept parameters are those of a validated epoch: 2, 4 or the last */
        double best, valid;
        ck_assert_int_eq(gr_trainer_stat(&best, t, GR_STAT_BEST_EPOCH), GR_OK);
        ck_assert_int_eq(gr_trainer_stat(&valid, t, GR_STAT_BEST_VALID), GR_OK);
        ck_assert_msg(best == 2 || best == 4 || best == 5, "best epoch %g was not validated", best);
        ck_assert(valid > 0 && valid <= 1);
        ck_assert_int_eq(gr_model_save(m, path), GR_OK);
        ck_assert_int_eq(gr_model_load(&back, path), GR_OK);
        ck_assert_int_eq(gr_model_kind_of(back), kinds[k]);
        const gr_kg *kg;
        ck_assert_int_eq(gr_model_kg(&kg, back), GR_OK);
        ck_assert_uint_eq(gr_kg_num_triples(kg), gr_kg_num_triples(train));
        ck_assert_str_eq(gr_kg_entity_name(kg, 17), gr_kg_entity_name(train, 17));
        for (int64_t h = 0; h < 10; h++) {
            float s1, s2;
            ck_assert_int_eq(gr_model_score_triple(&s1, m, h, 1, 3), GR_OK);
            ck_assert_int_eq(gr_model_score_triple(&s2, back, h, 1, 3), GR_OK);
            ck_assert(s1 == s2);
        }
        double info;
        ck_assert_int_eq(gr_model_info(&info, back, "dim"), GR_OK);
        ck_assert_double_eq(info, 8);
        gr_model_free(m);
        gr_model_free(back);
        gr_trainer_free(t);
    }
    /* other kinds have no knowledge graph */
    const gr_kg *kg;
    fx_planted pl;
    fx_planted_make(&pl, 20, 30, 2, 5, 4);
    gr_trainer *t;
    gr_model *m;
    ck_assert_int_eq(gr_trainer_new(&t, GR_MODEL_MF), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "epochs", "1"), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "threads", "1"), GR_OK);
    ck_assert_int_eq(gr_trainer_fit(&m, t, pl.train), GR_OK);
    ck_assert_int_eq(gr_model_kg(&kg, m), GR_EUNSUPPORTED);
    size_t n;
    gr_explanation e[2];
    ck_assert_int_eq(gr_model_explain(&n, m, 1000, 5000, e, 2), GR_EUNSUPPORTED);
    ck_assert_int_eq(gr_kg_fit(&m, t, train, NULL), GR_EINVAL); /* not a KG trainer */
    gr_model_free(m);
    gr_trainer_free(t);
    fx_planted_free(&pl);
    fx_rmtree(dir);
    free(dir);
    free(path);
    gr_kg_free(train);
    gr_kg_free(test);
}
END_TEST

/* The payload offset of section `tag` in the model file image b, and its
 * header offset in *hdr; 0 when absent. */
static size_t find_section(const unsigned char *b, size_t n, const char *tag, size_t *hdr)
{
    for (size_t off = 24; off + 24 <= n;) {
        uint64_t len;
        memcpy(&len, b + off + 8, 8);
        if (memcmp(b + off, tag, 4) == 0) {
            *hdr = off;
            return off + 24;
        }
        off += 24 + (size_t)len;
    }
    return 0;
}

/* Recompute the checksums of the section whose header is at hdr. */
static void reseal(unsigned char *b, size_t hdr)
{
    uint64_t len;
    memcpy(&len, b + hdr + 8, 8);
    uint32_t crc = gr_crc32(0, b + hdr + 24, (size_t)len);
    memcpy(b + hdr + 16, &crc, 4);
    crc = gr_crc32(0, b + hdr, 20);
    memcpy(b + hdr + 20, &crc, 4);
}

static void save_bytes(const char *path, const unsigned char *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(b, 1, n, f), n);
    fclose(f);
}

/* A KG model file whose checksums are right but whose sizes or names are
 * not fails with GR_ECORRUPT, before anything is sized by its header. */
START_TEST(damaged_kg_model_files_fail_cleanly)
{
    const char *h[] = { "alpha", "beta", "gamma" }, *r[] = { "rel", "rel", "rel" }, *t[] = { "beta", "gamma", "alpha" };
    gr_kg *kg;
    ck_assert_int_eq(gr_kg_from_names(&kg, NULL, h, r, t, 3), GR_OK);
    gr_trainer *tr;
    ck_assert_int_eq(gr_trainer_new(&tr, GR_MODEL_TRANSE), GR_OK);
    ck_assert_int_eq(gr_trainer_set(tr, "dim", "4"), GR_OK);
    ck_assert_int_eq(gr_trainer_set(tr, "epochs", "1"), GR_OK);
    ck_assert_int_eq(gr_trainer_set(tr, "threads", "1"), GR_OK);
    gr_model *m, *back = NULL;
    ck_assert_int_eq(gr_kg_fit(&m, tr, kg, NULL), GR_OK);
    char *dir = fx_tmpdir(), *path = fx_path(dir, "m.gnnrec"), *bad = fx_path(dir, "bad.gnnrec");
    ck_assert_int_eq(gr_model_save(m, path), GR_OK);
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    size_t n = (size_t)ftell(f);
    rewind(f);
    unsigned char *b = malloc(n), *c = malloc(n);
    ck_assert_uint_eq(fread(b, 1, n, f), n);
    fclose(f);
    size_t hdr, at = find_section(b, n, "STAT", &hdr);
    ck_assert_uint_gt(at, 0);
    /* dimension 65536 and 2^31 - 1 entities: 2^49 bytes if believed */
    memcpy(c, b, n);
    uint64_t dim = 65536, ents = 2147483647;
    memcpy(c + at + 8, &dim, 8);
    memcpy(c + at + 16, &ents, 8);
    reseal(c, hdr);
    save_bytes(bad, c, n);
    ck_assert_int_eq(gr_model_load(&back, bad), GR_ECORRUPT);
    ck_assert_ptr_null(back);
    ck_assert_msg(strstr(gr_last_error(), "exceed the section"), "%s", gr_last_error());
    /* an entity name that a written graph could not give back */
    memcpy(c, b, n);
    unsigned char *name = memmem(c + at, n - at, "\x05\0\0\0alpha", 9);
    ck_assert_ptr_nonnull(name);
    name[5] = '\t';
    reseal(c, hdr);
    save_bytes(bad, c, n);
    ck_assert_int_eq(gr_model_load(&back, bad), GR_ECORRUPT);
    ck_assert_msg(strstr(gr_last_error(), "holds a tab"), "%s", gr_last_error());
    /* the undamaged file loads */
    ck_assert_int_eq(gr_model_load(&back, path), GR_OK);
    gr_model_free(back);
    free(b);
    free(c);
    gr_model_free(m);
    gr_trainer_free(tr);
    gr_kg_free(kg);
    fx_rmtree(dir);
    free(dir);
    free(path);
    free(bad);
}
END_TEST

/* gr_kg_fit() on the knowledge graph of a user-item graph: the model has
 * no users or items of its own, and its file loads back. */
START_TEST(kg_fit_on_a_graph_kg_saves_and_loads)
{
    fx_planted pl;
    fx_planted_make(&pl, 20, 30, 2, 5, 4);
    gr_kg *kg;
    ck_assert_int_eq(gr_kg_from_graph(&kg, pl.train, 0.0, GR_KG_SIDE_NONE), GR_OK);
    gr_trainer *t;
    ck_assert_int_eq(gr_trainer_new(&t, GR_MODEL_DISTMULT), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "dim", "8"), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "epochs", "2"), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "threads", "1"), GR_OK);
    gr_model *m, *back;
    ck_assert_int_eq(gr_kg_fit(&m, t, kg, NULL), GR_OK);
    char *dir = fx_tmpdir(), *path = fx_path(dir, "m.gnnrec");
    ck_assert_int_eq(gr_model_save(m, path), GR_OK);
    ck_assert_msg(gr_model_load(&back, path) == GR_OK, "%s", gr_last_error());
    const gr_kg *kb;
    ck_assert_int_eq(gr_model_kg(&kb, back), GR_OK);
    ck_assert_uint_eq(gr_kg_num_triples(kb), gr_kg_num_triples(kg));
    ck_assert_uint_eq(gr_graph_num_users(gr_model_graph(back)), 0);
    float s1, s2;
    ck_assert_int_eq(gr_model_score_triple(&s1, m, 0, 0, 25), GR_OK);
    ck_assert_int_eq(gr_model_score_triple(&s2, back, 0, 0, 25), GR_OK);
    ck_assert(s1 == s2);
    gr_model_free(back);
    gr_model_free(m);
    gr_trainer_free(t);
    gr_kg_free(kg);
    fx_planted_free(&pl);
    fx_rmtree(dir);
    free(dir);
    free(path);
}
END_TEST

/* ---- recommendation through the ordinary trainer ---- */

START_TEST(kg_recommends_from_a_user_item_graph)
{
    fx_planted pl;
    fx_planted_make(&pl, 120, 90, 3, 15, 7);
    double pop = fx_popularity_recall(pl.train, pl.test, 10);
    const int kinds[2] = { GR_MODEL_ROTATE, GR_MODEL_DISTMULT };
    for (int k = 0; k < 2; k++) {
        gr_trainer *t;
        ck_assert_int_eq(gr_trainer_new(&t, kinds[k]), GR_OK);
        ck_assert_int_eq(gr_trainer_set(t, "dim", "16"), GR_OK);
        ck_assert_int_eq(gr_trainer_set(t, "epochs", "30"), GR_OK);
        ck_assert_int_eq(gr_trainer_set(t, "lr", "0.01"), GR_OK);
        ck_assert_int_eq(gr_trainer_set(t, "batch", "128"), GR_OK);
        ck_assert_int_eq(gr_trainer_set(t, "negatives", "64"), GR_OK);
        ck_assert_int_eq(gr_trainer_set(t, "threads", "1"), GR_OK);
        gr_model *m;
        ck_assert_int_eq(gr_trainer_fit(&m, t, pl.train), GR_OK);
        int kk = 10;
        double out[GR_METRIC_COUNT];
        ck_assert_int_eq(gr_eval_ranking(out, NULL, m, pl.train, pl.test, &kk, 1), GR_OK);
        ck_assert_msg(out[GR_METRIC_RECALL] > pop, "%s recall@10 %.3f, popularity %.3f", gr_model_kind_name(kinds[k]),
                      out[GR_METRIC_RECALL], pop);
        /* recommendations exclude seen items and agree with the scores */
        int64_t items[5];
        float scores[5];
        size_t n;
        ck_assert_int_eq(gr_model_recommend(&n, m, 1000, 5, NULL, items, scores), GR_OK);
        ck_assert_uint_eq(n, 5);
        for (size_t r = 0; r < n; r++) {
            float s;
            ck_assert_int_eq(gr_model_score(&s, m, 1000, items[r]), GR_OK);
            ck_assert_float_eq_tol(s, scores[r], 1e-4f);
            if (r) ck_assert(scores[r - 1] >= scores[r]);
            size_t cnt;
            int64_t seen[64];
            ck_assert_int_eq(gr_graph_user_items(&cnt, pl.train, 1000, seen, NULL, 64), GR_OK);
            for (size_t j = 0; j < cnt; j++) ck_assert(seen[j] != items[r]);
        }
        gr_model_free(m);
        gr_trainer_free(t);
    }
    fx_planted_free(&pl);
}
END_TEST

/* Explanations walk the training triples from the user to the item. */
START_TEST(explanations_connect_user_and_item)
{
    int64_t u[] = { 1, 1, 1, 2, 2, 3, 3 }, it[] = { 10, 20, 40, 20, 30, 30, 40 };
    gr_graph *g;
    ck_assert_int_eq(gr_graph_from_edges(&g, u, it, NULL, NULL, 7, 0), GR_OK);
    gr_catalog *c = g->cat;
    char *genres[] = { "Drama", "Comedy" };
    ck_assert_int_eq(gr_catalog_set_genres(c, genres, 2), GR_OK);
    c->genres[gr_graph_item_index(g, 10)] = 1;
    c->genres[gr_graph_item_index(g, 20)] = 3;
    c->genres[gr_graph_item_index(g, 30)] = 3;
    c->year[gr_graph_item_index(g, 20)] = 1994;
    c->year[gr_graph_item_index(g, 30)] = 1997;
    c->gender[gr_graph_user_index(g, 1)] = 'M';
    c->gender[gr_graph_user_index(g, 2)] = 'M';
    gr_trainer *t;
    ck_assert_int_eq(gr_trainer_new(&t, GR_MODEL_ROTATE), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "dim", "8"), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "epochs", "5"), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "threads", "1"), GR_OK);
    gr_model *m;
    ck_assert_int_eq(gr_trainer_fit(&m, t, g), GR_OK);
    const gr_kg *kg;
    ck_assert_int_eq(gr_model_kg(&kg, m), GR_OK);
    gr_explanation e[16];
    size_t n;
    /* user 1 liked 10, 20 and 40; movie 30 shares Drama with 10, Drama,
     * Comedy and the 1990s with 20 (4 paths); user 2, also M, liked 30 (1);
     * users 2 and 3 liked 20 and 40 with user 1, and 30 (2) */
    ck_assert_int_eq(gr_model_explain(&n, m, 1, 30, e, 16), GR_OK);
    ck_assert_uint_eq(n, 7);
    /* KG scores do not split over history items: paths are their reasons */
    gr_contribution terms[2];
    float total;
    ck_assert_int_eq(gr_model_explain_items(&n, &total, m, 1, 30, terms, 2), GR_EUNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(gr_last_error(), "gr_model_explain"));
    int64_t user, item, liked;
    ck_assert_int_eq(gr_kg_entity_id(&user, kg, "user:1"), GR_OK);
    ck_assert_int_eq(gr_kg_entity_id(&item, kg, "movie:30"), GR_OK);
    ck_assert_int_eq(gr_kg_relation_id(&liked, kg, "liked"), GR_OK);
    int through_attributes = 0, through_users = 0, co_liking = 0;
    for (size_t k = 0; k < n; k++) {
        ck_assert_uint_eq(e[k].n_triples, 3);
        ck_assert_int_eq(e[k].triples[0].head, user);
        for (size_t j = 0; j < 3; j++)
            ck_assert(gr_kg_contains(kg, e[k].triples[j].head, e[k].triples[j].relation, e[k].triples[j].tail));
        if (k) ck_assert(e[k - 1].weight >= e[k].weight);
        ck_assert(e[k].weight > 0 && e[k].weight <= 1);
        ck_assert_int_eq(e[k].triples[2].tail == item || e[k].triples[2].head == item, 1);
        if (e[k].triples[0].relation == liked && e[k].triples[1].relation == liked) {
            /* (user, liked, m) (other, liked, m) (other, liked, item) */
            co_liking++;
            ck_assert_int_eq(e[k].triples[1].tail, e[k].triples[0].tail);
            ck_assert_int_eq(e[k].triples[2].head, e[k].triples[1].head);
            ck_assert_int_eq(e[k].triples[2].tail, item);
        } else if (e[k].triples[0].relation == liked) {
            /* (user, liked, m) (m, rel, v) (item, rel, v) */
            through_attributes++;
            ck_assert_int_eq(e[k].triples[1].head, e[k].triples[0].tail);
            ck_assert_int_eq(e[k].triples[2].head, item);
            ck_assert_int_eq(e[k].triples[2].tail, e[k].triples[1].tail);
        } else {
            /* (user, rel, v) (other, rel, v) (other, liked, item) */
            through_users++;
            ck_assert_str_eq(gr_kg_entity_name(kg, e[k].triples[0].tail), "gender:M");
            ck_assert_int_eq(e[k].triples[2].tail, item);
            ck_assert_int_eq(e[k].triples[2].relation, liked);
        }
    }
    ck_assert_int_eq(through_attributes, 4);
    ck_assert_int_eq(through_users, 1);
    ck_assert_int_eq(co_liking, 2);
    /* fewer slots than paths: the strongest ones */
    gr_explanation top[2];
    ck_assert_int_eq(gr_model_explain(&n, m, 1, 30, top, 2), GR_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert(top[0].weight == e[0].weight && top[1].weight == e[1].weight);
    ck_assert_int_eq(gr_model_explain(&n, m, 99, 30, top, 2), GR_ENOTFOUND);
    ck_assert_int_eq(gr_model_explain(&n, m, 1, 99, top, 2), GR_ENOTFOUND);
    gr_model_free(m);
    gr_trainer_free(t);
    gr_graph_free(g);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("kg_train");
    TCase *tc = tcase_create("kg_train");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, gradients_match_finite_differences);
    tcase_add_test(tc, n3_penalty_is_a_batch_mean);
    tcase_add_test(tc, filtered_ranks_match_a_hand_computed_case);
    tcase_add_test(tc, exact_ranks_from_estimates_match_exact_scoring);
    tcase_add_test(tc, training_beats_random_on_a_synthetic_graph);
    tcase_add_test(tc, training_is_reproducible_across_threads);
    tcase_add_test(tc, predicted_links_rank_every_entity_by_its_score);
    tcase_add_test(tc, batched_link_predictions_are_the_best_exact_scores);
    tcase_add_test(tc, kg_models_save_and_load);
    tcase_add_test(tc, kg_models_update_with_new_triples_entities_and_relations);
    tcase_add_test(tc, damaged_kg_model_files_fail_cleanly);
    tcase_add_test(tc, kg_fit_on_a_graph_kg_saves_and_loads);
    tcase_add_test(tc, kg_recommends_from_a_user_item_graph);
    tcase_add_test(tc, explanations_connect_user_and_item);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return fx_run(suite()); }
