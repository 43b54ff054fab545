/* LightGCN and MF: gradients, reproducibility, learning, early stopping, fold-in. */
#include <gnnrec.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/rng.h"
#include "eval/ranking.h"
#include "fixtures.h"
#include "graph/graph.h"
#include "graph/norm_adj.h"
#include "models/lightgcn.h"
#include "models/model.h"
#include "train/lightgcn_train.h"

/* Loss of one fixed batch as a function of e0, in double for the check. */
static double batch_loss(const gr_lgcn_settings_t *s, gr_lgcn_work *w, const float *e0, size_t count)
{
    return gr_lgcn_loss_grad(s, w, e0, count);
}

START_TEST(gradient_matches_finite_differences)
{
    fx_planted p;
    fx_planted_make(&p, 12, 10, 2, 5, 4);
    gr_lgcn_settings_t s = { 0 };
    s.d = 4;
    s.layers = 2;
    s.batch = 6;
    s.negatives = 2;
    s.reg = 0.05;
    s.n_users = p.train->n_users;
    s.n = p.train->n_users + p.train->n_items;
    s.init_std = 0.7;
    s.seed = 1;
    float *e0 = gr_lgcn_init_embeddings(&s);
    gr_lgcn_work w;
    ck_assert_int_eq(gr_lgcn_work_init(&w, &s, p.train), GR_OK);
    for (size_t k = 0; k < s.batch; k++) {
        w.u[k] = (int32_t)(k % s.n_users);
        w.pos[k] = p.train->ui.col[p.train->ui.ptr[w.u[k]]];
        for (int q = 0; q < s.negatives; q++) w.neg[k * 2 + (size_t)q] = (int32_t)((w.pos[k] + 1 + q + (int)k) % p.train->n_items);
    }
    batch_loss(&s, &w, e0, s.batch);
    size_t nd = s.n * s.d;
    float *grad = malloc(nd * sizeof *grad);
    memcpy(grad, w.gsum, nd * sizeof *grad);
    double worst = 0;
    for (size_t k = 0; k < nd; k++) {
        float keep = e0[k];
        const float h = 1e-2f;
        e0[k] = keep + h;
        double up = batch_loss(&s, &w, e0, s.batch);
        e0[k] = keep - h;
        double down = batch_loss(&s, &w, e0, s.batch);
        e0[k] = keep;
        double fd = (up - down) / (2.0 * h);
        double err = fabs(fd - grad[k]) / fmax(1e-3, fabs(fd) + fabs(grad[k]));
        if (err > worst) worst = err;
    }
    ck_assert_double_lt(worst, 2e-2);
    free(grad);
    free(e0);
    gr_lgcn_work_free(&w);
    fx_planted_free(&p);
}
END_TEST

static gr_model *fit(const gr_graph *train, int kind, const char *epochs, const char *seed, const char *threads,
                     const gr_graph *valid)
{
    gr_trainer *t;
    ck_assert_int_eq(gr_trainer_new(&t, kind), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "mode", "paper"), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "epochs", epochs), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "seed", seed), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "threads", threads), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "dim", "16"), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "batch", "256"), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "lr", "0.01"), GR_OK);
    if (valid) ck_assert_int_eq(gr_trainer_set_validation(t, valid), GR_OK);
    gr_model *m = NULL;
    ck_assert_int_eq(gr_trainer_fit(&m, t, train), GR_OK);
    gr_trainer_free(t);
    return m;
}

START_TEST(training_is_reproducible_for_a_seed_and_any_thread_count)
{
    fx_planted p;
    fx_planted_make(&p, 60, 80, 4, 12, 5);
    gr_model *a = fit(p.train, GR_MODEL_LIGHTGCN, "3", "7", "2", NULL);
    gr_model *b = fit(p.train, GR_MODEL_LIGHTGCN, "3", "7", "2", NULL);
    gr_model *c = fit(p.train, GR_MODEL_LIGHTGCN, "3", "7", "1", NULL);
    gr_model *d = fit(p.train, GR_MODEL_LIGHTGCN, "3", "8", "2", NULL);
    size_t n = a->n_users * a->dim * sizeof(float);
    ck_assert_int_eq(memcmp(a->user_vec, b->user_vec, n), 0);
    ck_assert_int_eq(memcmp(a->user_vec, c->user_vec, n), 0);
    ck_assert_int_ne(memcmp(a->user_vec, d->user_vec, n), 0);
    gr_model_free(a);
    gr_model_free(b);
    gr_model_free(c);
    gr_model_free(d);
    fx_planted_free(&p);
}
END_TEST

static double recall_at(const gr_model *m, const gr_graph *train, const gr_graph *test, int k)
{
    double out[GR_METRIC_COUNT];
    ck_assert_int_eq(gr_eval_ranking(out, NULL, m, train, test, &k, 1), GR_OK);
    return out[GR_METRIC_RECALL];
}

START_TEST(lightgcn_and_mf_beat_popularity)
{
    fx_planted p;
    fx_planted_make(&p, 200, 200, 5, 20, 6);
    double pop = fx_popularity_recall(p.train, p.test, 10);
    gr_model *lg = fit(p.train, GR_MODEL_LIGHTGCN, "30", "1", "0", NULL);
    gr_model *mf = fit(p.train, GR_MODEL_MF, "30", "1", "0", NULL);
    double r_lg = recall_at(lg, p.train, p.test, 10), r_mf = recall_at(mf, p.train, p.test, 10);
    fprintf(stderr, "lg %.4f mf %.4f pop %.4f\n", r_lg, r_mf, pop);
    ck_assert_double_gt(r_lg, 1.3 * pop);
    ck_assert_double_gt(r_mf, 1.3 * pop);
    double layers;
    ck_assert_int_eq(gr_model_info(&layers, mf, "layers"), GR_OK);
    ck_assert_double_eq(layers, 0);
    gr_model_free(lg);
    gr_model_free(mf);
    fx_planted_free(&p);
}
END_TEST

static int stop_after_three(void *ud, int epoch, double loss, double seconds, double metric)
{
    int *calls = ud;
    (*calls)++;
    ck_assert(isfinite(loss) && loss > 0);
    ck_assert(seconds >= 0);
    (void)metric;
    return epoch >= 3;
}

START_TEST(progress_callback_and_validation_control_training)
{
    fx_planted p;
    fx_planted_make(&p, 60, 80, 4, 12, 7);
    gr_trainer *t;
    ck_assert_int_eq(gr_trainer_new(&t, GR_MODEL_LIGHTGCN), GR_OK);
    gr_trainer_set(t, "mode", "paper");
    gr_trainer_set(t, "epochs", "50");
    gr_trainer_set(t, "dim", "8");
    int calls = 0;
    gr_trainer_set_progress(t, stop_after_three, &calls);
    gr_model *m;
    ck_assert_int_eq(gr_trainer_fit(&m, t, p.train), GR_OK);
    double v;
    gr_trainer_stat(&v, t, GR_STAT_EPOCHS);
    ck_assert_double_eq(v, 3);
    ck_assert_int_eq(calls, 3);
    gr_model_free(m);
    /* with validation: a huge learning rate makes the metric fall, patience stops it,
     * and the kept parameters are those of the best epoch */
    gr_trainer_set_progress(t, NULL, NULL);
    gr_trainer_set(t, "lr", "0.05");
    gr_trainer_set(t, "patience", "2");
    gr_trainer_set_validation(t, p.test);
    ck_assert_int_eq(gr_trainer_fit(&m, t, p.train), GR_OK);
    double epochs, best, best_valid;
    gr_trainer_stat(&epochs, t, GR_STAT_EPOCHS);
    gr_trainer_stat(&best, t, GR_STAT_BEST_EPOCH);
    gr_trainer_stat(&best_valid, t, GR_STAT_BEST_VALID);
    ck_assert_double_le(best, epochs);
    ck_assert(best >= 1);
    ck_assert(epochs < 50 ? epochs - best >= 2 : 1);
    /* the returned model scores exactly the best validation metric */
    double out[GR_METRIC_COUNT];
    int k = 20;
    ck_assert_int_eq(gr_eval_ranking(out, NULL, m, p.train, p.test, &k, 1), GR_OK);
    ck_assert_double_eq_tol(out[GR_METRIC_NDCG], best_valid, 1e-9);
    gr_model_free(m);
    /* another validation metric: the kept parameters are the best by recall */
    ck_assert_int_eq(gr_trainer_set(t, "valid_metric", "recall"), GR_OK);
    ck_assert_int_eq(gr_trainer_fit(&m, t, p.train), GR_OK);
    gr_trainer_stat(&best_valid, t, GR_STAT_BEST_VALID);
    ck_assert_int_eq(gr_eval_ranking(out, NULL, m, p.train, p.test, &k, 1), GR_OK);
    ck_assert_double_eq_tol(out[GR_METRIC_RECALL], best_valid, 1e-9);
    ck_assert(fabs(out[GR_METRIC_NDCG] - best_valid) > 1e-6);
    gr_model_free(m);
    gr_trainer_free(t);
    fx_planted_free(&p);
}
END_TEST

START_TEST(fold_in_recovers_known_users)
{
    fx_planted p;
    fx_planted_make(&p, 200, 200, 5, 20, 8);
    gr_model *m = fit(p.train, GR_MODEL_LIGHTGCN, "30", "1", "0", NULL);
    /* score every user from a folded-in vector built from its training items */
    float *saved = malloc(m->n_users * m->dim * sizeof *saved);
    memcpy(saved, m->user_vec, m->n_users * m->dim * sizeof *saved);
    for (size_t u = 0; u < m->n_users; u++) {
        size_t n;
        int64_t id, items[256];
        gr_graph_user_id(&id, p.train, u);
        ck_assert_int_eq(gr_graph_user_items(&n, p.train, id, items, NULL, 256), GR_OK);
        ck_assert_int_eq(gr_model_fold_in(m->user_vec + u * m->dim, m->dim, m, items, n), GR_OK);
    }
    double folded = recall_at(m, p.train, p.test, 10);
    memcpy(m->user_vec, saved, m->n_users * m->dim * sizeof *saved);
    double trained = recall_at(m, p.train, p.test, 10);
    double pop = fx_popularity_recall(p.train, p.test, 10);
    fprintf(stderr, "folded %.4f trained %.4f pop %.4f\n", folded, trained, pop);
    ck_assert_double_gt(folded, 1.3 * pop);
    ck_assert_double_gt(folded, 0.8 * trained);
    free(saved);
    gr_model_free(m);
    fx_planted_free(&p);
}
END_TEST

/* A new user's vector is the sum its docs give (models/lightgcn.c): for
 * LightGCN sum_i (2 e_i^0 + e_i^1 + ... + e_i^(K-1)) / ((K + 1) sqrt(n deg
 * i)) with e^k = A^k e0 computed here in double, for MF sum_i e_i / n. */
START_TEST(fold_in_is_the_documented_sum)
{
    fx_planted p;
    fx_planted_make(&p, 40, 30, 3, 8, 4);
    const int kinds[2] = { GR_MODEL_LIGHTGCN, GR_MODEL_MF };
    for (int q = 0; q < 2; q++) {
        gr_model *m = fit(p.train, kinds[q], "2", "5", "1", NULL);
        const gr_lightgcn_state *s = m->state;
        const int K = s->layers;
        ck_assert_int_eq(K, q == 0 ? 3 : 0);
        const size_t nu = m->n_users, n = nu + m->n_items, d = m->dim;
        gr_spmat a = { 0 };
        ck_assert_int_eq(gr_norm_adj(&a, m->graph, 1), GR_OK);
        double *layer = calloc((size_t)(K ? K : 1) * n * d, sizeof *layer);
        for (size_t x = 0; x < n * d; x++) layer[x] = s->e0[x];
        for (int k = 1; k < K; k++)
            for (size_t r = 0; r < n; r++)
                for (int64_t e = a.ptr[r]; e < a.ptr[r + 1]; e++)
                    for (size_t j = 0; j < d; j++)
                        layer[((size_t)k * n + r) * d + j] += a.val[e] * layer[((size_t)(k - 1) * n + (size_t)a.col[e]) * d + j];
        const size_t picked[3] = { 0, 5, 11 };
        int64_t liked[3];
        for (size_t k = 0; k < 3; k++) ck_assert_int_eq(gr_graph_item_id(&liked[k], p.train, picked[k]), GR_OK);
        float *v = malloc(d * sizeof *v);
        ck_assert_int_eq(gr_model_fold_in(v, d, m, liked, 3), GR_OK);
        for (size_t j = 0; j < d; j++) {
            double want = 0;
            for (size_t k = 0; k < 3; k++) {
                const size_t i = picked[k], deg = gr_csr_degree(&m->graph->iu, i);
                ck_assert_uint_gt(deg, 0);
                if (K == 0) {
                    want += m->item_vec[i * d + j] / 3.0;
                    continue;
                }
                double part = 2.0 * layer[(nu + i) * d + j];
                for (int l = 1; l < K; l++) part += layer[((size_t)l * n + nu + i) * d + j];
                want += part / ((K + 1) * sqrt(3.0 * (double)deg));
            }
            ck_assert_double_eq_tol(v[j], want, 1e-5 * (1.0 + fabs(want)));
        }
        free(v);
        free(layer);
        gr_spmat_free(&a);
        gr_model_free(m);
    }
    fx_planted_free(&p);
}
END_TEST

/* The propagation with each layer made in place (the side of fewer rows
 * apart, the other over its own rows), which a model makes when it is
 * loaded and the trainers make, has the bits of the whole-adjacency
 * propagation with two layer buffers, fold-in table included, in float
 * and in bfloat16 layers, with more users than items and more items than
 * users (the side made apart differs), the users' and the items' rows in
 * one output or two, and any number of layers. */
START_TEST(propagation_in_place_has_the_bits_of_two_buffers)
{
    const size_t shapes[2][2] = { { 40, 30 }, { 25, 60 } };
    for (int sh = 0; sh < 2; sh++) {
        fx_planted p;
        fx_planted_make(&p, shapes[sh][0], shapes[sh][1], 3, 8, 9);
        const gr_graph *g = p.train;
        const size_t nu = gr_graph_num_users(g), ni = gr_graph_num_items(g), n = nu + ni, d = 32;
        gr_spmat a = { 0 };
        ck_assert_int_eq(gr_norm_adj(&a, g, 4), GR_OK);
        float *e0 = malloc(n * d * sizeof *e0), *want = malloc(n * d * sizeof *want), *got = malloc(n * d * sizeof *got);
        float *got_items = malloc(ni * d * sizeof *got_items), *layer = malloc(n * d * sizeof *layer);
        float *fold_want = malloc(ni * d * sizeof *fold_want), *fold_got = malloc(ni * d * sizeof *fold_got);
        gr_rng r = gr_rng_make(3, 0);
        for (size_t x = 0; x < n * d; x++) e0[x] = (float)gr_rng_unit(&r) - 0.5f;
        for (int K = 0; K <= 4; K++) {
            const size_t side_rows = gr_lightgcn_side_rows(nu, ni, K - 1);
            ck_assert_uint_eq(side_rows, K > 1 ? (nu < ni ? nu : ni) : 0);
            float *side = malloc(side_rows * d * sizeof *side + 1);
            fx_propagate_whole(&a, e0, want, d, K, K ? fold_want : NULL, nu, 0);
            /* one output, then the users' and the items' apart (a model's tables) */
            gr_lightgcn_propagate(&a, nu, e0, got, got + nu * d, layer, side, d, K, NULL);
            ck_assert_int_eq(memcmp(want, got, n * d * sizeof *got), 0);
            memset(got, 0, n * d * sizeof *got);
            gr_lightgcn_propagate(&a, nu, e0, got, got_items, layer, side, d, K, K ? fold_got : NULL);
            ck_assert_int_eq(memcmp(want, got, nu * d * sizeof *got), 0);
            ck_assert_int_eq(memcmp(want + nu * d, got_items, ni * d * sizeof *got), 0);
            if (K) ck_assert_int_eq(memcmp(fold_want, fold_got, ni * d * sizeof *fold_got), 0);
            /* the trainers' float and bfloat16 layers */
            gr_lgcn_settings_t s;
            memset(&s, 0, sizeof s);
            s.n = n;
            s.n_users = nu;
            s.d = d;
            s.layers = K;
            gr_lgcn_prop prop;
            ck_assert_int_eq(gr_lgcn_prop_init(&prop, g, &s, NULL, 1, 1, 4), GR_OK);
            ck_assert_ptr_nonnull(prop.layer_b);
            memset(got, 0, n * d * sizeof *got);
            gr_lgcn_prop_run(&prop, e0, got, 1, 0);
            ck_assert_int_eq(memcmp(want, got, n * d * sizeof *got), 0);
            fx_propagate_whole(&a, e0, want, d, K, NULL, 0, 1);
            gr_lgcn_prop_run(&prop, e0, got, 1, 1);
            ck_assert_int_eq(memcmp(want, got, n * d * sizeof *got), 0);
            ck_assert_int_eq(prop.rc, GR_OK);
            gr_lgcn_prop_free(&prop);
            free(side);
        }
        free(e0);
        free(want);
        free(got);
        free(got_items);
        free(layer);
        free(fold_want);
        free(fold_got);
        gr_spmat_free(&a);
        fx_planted_free(&p);
    }
}
END_TEST

START_TEST(end_to_end_on_a_generated_movielens_dataset)
{
    char *dir = fx_tmpdir();
    gr_synth_options so = GR_SYNTH_OPTIONS_INIT;
    so.users = 300;
    so.items = 300;
    so.ratings_per_user = 25;
    ck_assert_int_eq(gr_synth_write(dir, &so), GR_OK);
    gr_load_options lo = GR_LOAD_OPTIONS_INIT;
    lo.min_rating = 4; /* implicit feedback: liked items */
    gr_graph *all, *train, *valid, *test;
    ck_assert_int_eq(gr_graph_load(&all, dir, &lo), GR_OK);
    gr_split_options sp = GR_SPLIT_OPTIONS_INIT;
    ck_assert_int_eq(gr_graph_split(&train, &valid, &test, all, &sp), GR_OK);
    gr_model *m = fit(train, GR_MODEL_LIGHTGCN, "40", "3", "0", valid);
    double r = recall_at(m, train, test, 20), pop = fx_popularity_recall(train, test, 20);
    fprintf(stderr, "synthetic ML-100K: recall@20 %.4f, popularity %.4f\n", r, pop);
    ck_assert_double_gt(r, 1.2 * pop);
    gr_model_free(m);
    gr_graph_free(all);
    gr_graph_free(train);
    gr_graph_free(valid);
    gr_graph_free(test);
    fx_rmtree(dir);
    free(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("lightgcn");
    TCase *tc = tcase_create("lightgcn");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, gradient_matches_finite_differences);
    tcase_add_test(tc, training_is_reproducible_for_a_seed_and_any_thread_count);
    tcase_add_test(tc, lightgcn_and_mf_beat_popularity);
    tcase_add_test(tc, progress_callback_and_validation_control_training);
    tcase_add_test(tc, fold_in_recovers_known_users);
    tcase_add_test(tc, fold_in_is_the_documented_sum);
    tcase_add_test(tc, propagation_in_place_has_the_bits_of_two_buffers);
    tcase_add_test(tc, end_to_end_on_a_generated_movielens_dataset);
    suite_add_tcase(s, tc);
    return fx_run(s);
}
