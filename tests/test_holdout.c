/* Validation carved from the training data when a fit is given none. */
#include <gnnrec.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "graph/graph.h"
#include "kg/kg.h"
#include "models/kg_model.h"
#include "train/holdout.h"
#include "train/kg_train.h"

static int has_edge(const gr_graph *g, size_t u, int32_t item)
{
    for (int64_t k = g->ui.ptr[u]; k < g->ui.ptr[u + 1]; k++)
        if (g->ui.col[k] == item) return 1;
    return 0;
}

/* Edges of one user in both graphs, as a bitmap over items. */
static int same_graph(const gr_graph *a, const gr_graph *b)
{
    if (a->n_edges != b->n_edges) return 0;
    for (size_t u = 0; u <= a->n_users; u++)
        if (a->ui.ptr[u] != b->ui.ptr[u]) return 0;
    return memcmp(a->ui.col, b->ui.col, a->n_edges * sizeof *a->ui.col) == 0;
}

START_TEST(split_is_per_user_and_seeded)
{
    fx_planted p;
    fx_planted_make(&p, 60, 80, 4, 24, 3);
    const gr_graph *g = p.train;
    gr_graph *tr, *va, *tr2, *va2, *tr3, *va3;
    ck_assert_int_eq(gr_holdout_split(&tr, &va, g, 0.1, 5, 42, NULL), GR_OK);
    ck_assert_ptr_eq(tr->cat, g->cat);
    ck_assert_uint_eq(tr->n_edges + va->n_edges, g->n_edges);
    size_t kept_all = 0;
    for (size_t u = 0; u < g->n_users; u++) {
        size_t d = gr_csr_degree(&g->ui, u), nv = gr_csr_degree(&va->ui, u);
        size_t want = d < 5 ? 0 : (size_t)floor(0.1 * (double)d + 0.5);
        if (d >= 5 && want < 1) want = 1;
        ck_assert_uint_eq(nv, want);
        kept_all += nv == 0;
        ck_assert_uint_eq(gr_csr_degree(&tr->ui, u) + nv, d);
        /* held out and kept are disjoint parts of the user's own interactions */
        for (int64_t k = va->ui.ptr[u]; k < va->ui.ptr[u + 1]; k++) {
            ck_assert(has_edge(g, u, va->ui.col[k]));
            ck_assert(!has_edge(tr, u, va->ui.col[k]));
        }
    }
    ck_assert_uint_lt(kept_all, g->n_users);
    /* the same seed gives the same part, another seed another */
    ck_assert_int_eq(gr_holdout_split(&tr2, &va2, g, 0.1, 5, 42, NULL), GR_OK);
    ck_assert(same_graph(va, va2) && same_graph(tr, tr2));
    ck_assert_int_eq(gr_holdout_split(&tr3, &va3, g, 0.1, 5, 43, NULL), GR_OK);
    ck_assert_uint_eq(va3->n_edges, va->n_edges);
    ck_assert(!same_graph(va, va3));
    /* users with fewer than min_degree interactions keep all of them */
    gr_graph *tr4, *va4;
    ck_assert_int_eq(gr_holdout_split(&tr4, &va4, g, 0.1, 1000, 42, NULL), GR_OK);
    ck_assert_uint_eq(va4->n_edges, 0);
    gr_graph_free(tr);
    gr_graph_free(va);
    gr_graph_free(tr2);
    gr_graph_free(va2);
    gr_graph_free(tr3);
    gr_graph_free(va3);
    gr_graph_free(tr4);
    gr_graph_free(va4);
    fx_planted_free(&p);
}
END_TEST

/* The held-out part comes from the training graph only: none of it is a
 * test interaction, and a fit's held-out count is that of the training
 * graph's split, whatever the test data. */
START_TEST(holdout_never_touches_the_test_data)
{
    fx_planted p;
    fx_planted_make(&p, 60, 80, 4, 24, 5);
    gr_graph *tr, *va;
    ck_assert_int_eq(gr_holdout_split(&tr, &va, p.train, 0.1, 5, 42, NULL), GR_OK);
    for (size_t u = 0; u < va->n_users; u++)
        for (int64_t k = va->ui.ptr[u]; k < va->ui.ptr[u + 1]; k++) ck_assert(!has_edge(p.test, u, va->ui.col[k]));
    gr_trainer *t = fx_trainer(GR_MODEL_LIGHTGCN, "epochs", "30", "dim", "16", "threads", "1", NULL);
    gr_model *m;
    ck_assert_int_eq(gr_trainer_fit(&m, t, p.train), GR_OK);
    double held;
    ck_assert_int_eq(gr_model_info(&held, m, "holdout_edges"), GR_OK);
    ck_assert_double_eq(held, (double)va->n_edges);
    /* the model serves the whole training graph */
    ck_assert_uint_eq(gr_graph_num_edges(gr_model_graph(m)), gr_graph_num_edges(p.train));
    gr_model_free(m);
    gr_trainer_free(t);
    gr_graph_free(tr);
    gr_graph_free(va);
    fx_planted_free(&p);
}
END_TEST

static gr_model *fit_lightgcn(const gr_graph *g, const char *final, const char *holdout, gr_trainer **out)
{
    gr_trainer *t = fx_trainer(GR_MODEL_LIGHTGCN, "epochs", "60", "eval_every", "5", "patience", "3", "lr", "0.1", "dim",
                               "16", "threads", "1", "holdout_final", final, "holdout", holdout, NULL);
    gr_model *m;
    ck_assert_int_eq(gr_trainer_fit(&m, t, g), GR_OK);
    if (out) *out = t;
    else gr_trainer_free(t);
    return m;
}

START_TEST(refit_trains_all_data_for_the_chosen_epochs)
{
    fx_planted p;
    fx_planted_make(&p, 80, 100, 4, 24, 7);
    gr_trainer *t;
    gr_model *m = fit_lightgcn(p.train, "refit", "0.1", &t);
    double held, epoch, refit, valid, stat_epoch, stat_valid, epochs, run;
    ck_assert_int_eq(gr_model_info(&held, m, "holdout_edges"), GR_OK);
    ck_assert_int_eq(gr_model_info(&epoch, m, "valid_epoch"), GR_OK);
    ck_assert_int_eq(gr_model_info(&refit, m, "refit"), GR_OK);
    ck_assert_int_eq(gr_model_info(&valid, m, "valid_ndcg"), GR_OK);
    ck_assert_int_eq(gr_model_info(&run, m, "holdout_epochs"), GR_OK);
    ck_assert_int_eq(gr_model_info(&epochs, m, "epochs"), GR_OK);
    ck_assert_int_eq(gr_trainer_stat(&stat_epoch, t, GR_STAT_BEST_EPOCH), GR_OK);
    ck_assert_int_eq(gr_trainer_stat(&stat_valid, t, GR_STAT_BEST_VALID), GR_OK);
    ck_assert(held > 0);
    ck_assert_double_eq(refit, 1);
    ck_assert(valid > 0 && valid <= 1);
    ck_assert_double_eq(stat_valid, valid);
    ck_assert_double_eq(stat_epoch, epoch);
    /* a validated epoch (every 5th), and the refit ran exactly that many */
    ck_assert(epoch >= 5 && epoch <= 60 && fmod(epoch, 5) == 0);
    ck_assert(run >= epoch);
    ck_assert_double_eq(epochs, epoch);
    /* the refit is a plain fit on all the data for the chosen epochs, with
     * the L2 weight sized to the held-out fit's graph, as validated */
    char buf[32], reg[32];
    snprintf(buf, sizeof buf, "%.0f", epoch);
    double r;
    ck_assert_int_eq(gr_model_info(&r, m, "reg"), GR_OK);
    ck_assert(r >= 1e-2);
    snprintf(reg, sizeof reg, "%.17g", r);
    gr_trainer *plain = fx_trainer(GR_MODEL_LIGHTGCN, "epochs", buf, "lr", "0.1", "reg", reg, "dim", "16", "holdout", "0", NULL);
    gr_model *m2;
    ck_assert_int_eq(gr_trainer_fit(&m2, plain, p.train), GR_OK);
    ck_assert(fx_same_user_vectors(m, m2));
    ck_assert_int_eq(gr_model_info(&held, m2, "holdout_edges"), GR_ENOTFOUND);
    /* deterministic for a seed */
    gr_model *m3 = fit_lightgcn(p.train, "refit", "0.1", NULL);
    ck_assert(fx_same_user_vectors(m, m3));
    gr_model_free(m);
    gr_model_free(m2);
    gr_model_free(m3);
    gr_trainer_free(t);
    gr_trainer_free(plain);
    fx_planted_free(&p);
}
END_TEST

START_TEST(best_keeps_the_validated_parameters_on_the_whole_graph)
{
    fx_planted p;
    fx_planted_make(&p, 80, 100, 4, 24, 9);
    gr_model *m = fit_lightgcn(p.train, "best", "0.2", NULL);
    double refit, held, epoch, run;
    ck_assert_int_eq(gr_model_info(&refit, m, "refit"), GR_OK);
    ck_assert_double_eq(refit, 0);
    ck_assert_int_eq(gr_model_info(&held, m, "holdout_edges"), GR_OK);
    ck_assert(held > 0);
    ck_assert_int_eq(gr_model_info(&epoch, m, "valid_epoch"), GR_OK);
    ck_assert_int_eq(gr_model_info(&run, m, "holdout_epochs"), GR_OK);
    ck_assert(epoch >= 5 && epoch <= run);
    /* the model serves all the training data: no training item, held out
     * or not, is recommended back */
    const gr_graph *g = gr_model_graph(m);
    ck_assert_uint_eq(gr_graph_num_edges(g), gr_graph_num_edges(p.train));
    for (size_t u = 0; u < 10; u++) {
        int64_t items[20];
        float scores[20];
        size_t n;
        ck_assert_int_eq(gr_model_recommend(&n, m, p.train->cat->users.ids[u], 20, NULL, items, scores), GR_OK);
        for (size_t k = 0; k < n; k++) ck_assert(!has_edge(p.train, u, gr_graph_item_index(p.train, items[k])));
    }
    gr_model_free(m);
    fx_planted_free(&p);
}
END_TEST

START_TEST(graphsage_on_ratings_reports_rmse)
{
    fx_planted p;
    fx_planted_make(&p, 60, 80, 4, 20, 11);
    gr_trainer *t = fx_trainer(GR_MODEL_GRAPHSAGE, "objective", "rating", "epochs", "4", "dim", "8", "hidden", "8",
                               "id_dim", "8", "threads", "1", NULL);
    gr_model *m;
    ck_assert_int_eq(gr_trainer_fit(&m, t, p.train), GR_OK);
    double rmse, best;
    ck_assert_int_eq(gr_model_info(&rmse, m, "valid_rmse"), GR_OK);
    ck_assert_int_eq(gr_trainer_stat(&best, t, GR_STAT_BEST_VALID), GR_OK);
    ck_assert(rmse > 0 && rmse < 5);
    ck_assert_double_eq_tol(rmse, -best, 1e-9);
    /* a rating model is refitted on all the training data by default */
    double refit;
    ck_assert_int_eq(gr_model_info(&refit, m, "refit"), GR_OK);
    ck_assert(refit == 1);
    gr_model_free(m);
    gr_trainer_free(t);
    fx_planted_free(&p);
}
END_TEST

/* The ranking default keeps the validated parameters (no refit), trains
 * the shared-negative softmax with the data-sized batch, and learns the
 * planted preferences. */
START_TEST(graphsage_ranking_keeps_the_validated_model)
{
    fx_planted p;
    fx_planted_make(&p, 60, 80, 4, 20, 11);
    gr_trainer *t = fx_trainer(GR_MODEL_GRAPHSAGE, "epochs", "6", "dim", "8", "hidden", "8", "id_dim", "8", "threads",
                               "1", NULL);
    gr_model *m;
    ck_assert_int_eq(gr_trainer_fit(&m, t, p.train), GR_OK);
    double refit, ndcg, batch, shared, lr;
    ck_assert_int_eq(gr_model_info(&refit, m, "refit"), GR_OK);
    ck_assert(refit == 0);
    ck_assert_int_eq(gr_model_info(&ndcg, m, "valid_ndcg"), GR_OK);
    ck_assert(ndcg > 0);
    ck_assert_int_eq(gr_model_info(&batch, m, "batch"), GR_OK);
    ck_assert(batch == 1024);
    ck_assert_int_eq(gr_model_info(&lr, m, "lr"), GR_OK);
    ck_assert_double_eq_tol(lr, 2.83e-3, 1e-12);
    ck_assert_int_eq(gr_model_info(&shared, m, "shared_negatives"), GR_OK);
    ck_assert(shared == 1024);
    /* the unset settings are unset again afterwards */
    double v;
    ck_assert_int_eq(gr_trainer_get_double(&v, t, GR_OPT_BATCH), GR_OK);
    ck_assert(isnan(v));
    gr_model_free(m);
    gr_trainer_free(t);
    fx_planted_free(&p);
}
END_TEST

START_TEST(knowledge_graph_triples_are_held_out)
{
    gr_kg *kg = fx_random_kg(400, 40, 3, 5);
    gr_kg *tr, *va, *tr2, *va2;
    ck_assert_int_eq(gr_holdout_split_kg(&tr, &va, kg, 0.1, 42, NULL), GR_OK);
    ck_assert_uint_eq(tr->n + va->n, kg->n);
    ck_assert_uint_eq(va->n, (size_t)floor(0.1 * (double)kg->n + 0.5));
    for (size_t k = 0; k < va->n; k++) {
        ck_assert(gr_kg_has(kg, va->h[k], va->r[k], va->t[k]));
        ck_assert(!gr_kg_has(tr, va->h[k], va->r[k], va->t[k]));
    }
    ck_assert_int_eq(gr_holdout_split_kg(&tr2, &va2, kg, 0.1, 42, NULL), GR_OK);
    ck_assert_int_eq(memcmp(va->h, va2->h, va->n * sizeof *va->h), 0);
    ck_assert_int_eq(memcmp(va->t, va2->t, va->n * sizeof *va->t), 0);
    gr_trainer *t = fx_trainer(GR_MODEL_DISTMULT, "dim", "8", "epochs", "6", "eval_every", "2", "negatives", "8",
                               "batch", "64", "threads", "1", NULL);
    gr_model *m;
    ck_assert_int_eq(gr_kg_fit(&m, t, kg, NULL), GR_OK);
    double held, mrr, epoch, epochs, refit;
    ck_assert_int_eq(gr_model_info(&held, m, "holdout_edges"), GR_OK);
    ck_assert_double_eq(held, (double)va->n);
    ck_assert_int_eq(gr_model_info(&mrr, m, "valid_mrr"), GR_OK);
    ck_assert(mrr > 0 && mrr <= 1);
    ck_assert_int_eq(gr_model_info(&epoch, m, "valid_epoch"), GR_OK);
    ck_assert_int_eq(gr_model_info(&epochs, m, "epochs"), GR_OK);
    ck_assert_int_eq(gr_model_info(&refit, m, "refit"), GR_OK);
    ck_assert(epoch == 2 || epoch == 4 || epoch == 6);
    ck_assert_double_eq(refit, 1);
    ck_assert_double_eq(epochs, epoch);
    gr_model_free(m);
    /* warm: from the validated parameters, the update's 4 epochs at most, on all the triples */
    ck_assert_int_eq(gr_trainer_set(t, "holdout_final", "warm"), GR_OK);
    ck_assert_int_eq(gr_kg_fit(&m, t, kg, NULL), GR_OK);
    double warm, epoch2;
    ck_assert_int_eq(gr_model_info(&epoch2, m, "valid_epoch"), GR_OK);
    ck_assert_double_eq(epoch2, epoch);
    ck_assert_int_eq(gr_model_info(&warm, m, "warm_epochs"), GR_OK);
    ck_assert_double_eq(warm, epoch < 4 ? epoch : 4);
    ck_assert_int_eq(gr_model_info(&refit, m, "refit"), GR_OK);
    ck_assert_double_eq(refit, 1);
    gr_model_free(m);
    ck_assert_int_eq(gr_trainer_set(t, "holdout_final", "refit"), GR_OK);
    /* holdout 0: the set epochs on all the triples, nothing recorded */
    ck_assert_int_eq(gr_trainer_set(t, "holdout", "0"), GR_OK);
    ck_assert_int_eq(gr_kg_fit(&m, t, kg, NULL), GR_OK);
    ck_assert_int_eq(gr_model_info(&held, m, "holdout_edges"), GR_ENOTFOUND);
    ck_assert_int_eq(gr_model_info(&epochs, m, "epochs"), GR_OK);
    ck_assert_double_eq(epochs, 6);
    gr_model_free(m);
    gr_trainer_free(t);
    gr_kg_free(tr);
    gr_kg_free(va);
    gr_kg_free(tr2);
    gr_kg_free(va2);
    gr_kg_free(kg);
}
END_TEST

/* The warm continuation of a held-out fit places the entities that only
 * held-out triples name (their rows were never trained) and no other. */
START_TEST(entities_only_held_out_are_placed)
{
    gr_kg *kg = fx_random_kg(300, 400, 2, 7);
    gr_kg *tr, *va;
    ck_assert_int_eq(gr_holdout_split_kg(&tr, &va, kg, 0.3, 42, NULL), GR_OK);
    gr_trainer *t = fx_trainer(GR_MODEL_DISTMULT, "dim", "8", NULL);
    gr_kg_settings s;
    gr_kg_settings_of(&s, t);
    gr_kg_params p;
    memset(&p, 0, sizeof p);
    ck_assert_int_eq(gr_kg_params_init(&p, gr_kg_kind_of(GR_MODEL_DISTMULT, 0), 8, kg->n_ent, kg->vocab->rel.n,
                                       (float)s.gamma),
                     GR_OK);
    gr_kg_init_params(&p, &s);
    float *before = malloc(p.n_ent * p.L * sizeof *before);
    memcpy(before, p.ent, p.n_ent * p.L * sizeof *before);
    ck_assert_int_eq(gr_kg_place_unseen(&p, kg, tr), GR_OK);
    size_t moved = 0, unseen = 0;
    for (size_t e = 0; e < p.n_ent; e++) {
        int in_tr = tr->hptr[e + 1] > tr->hptr[e] || tr->tptr[e + 1] > tr->tptr[e];
        int in_kg = kg->hptr[e + 1] > kg->hptr[e] || kg->tptr[e + 1] > kg->tptr[e];
        int changed = memcmp(before + e * p.L, p.ent + e * p.L, p.L * sizeof *before) != 0;
        if (in_tr) ck_assert_msg(!changed, "entity %zu of the fitted part moved", e);
        if (!in_tr && in_kg) unseen++;
        moved += changed;
    }
    ck_assert_uint_gt(unseen, 10);
    ck_assert_uint_gt(moved, unseen / 2);
    ck_assert_uint_le(moved, unseen);
    free(before);
    gr_kg_params_free(&p);
    gr_trainer_free(t);
    gr_kg_free(tr);
    gr_kg_free(va);
    gr_kg_free(kg);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("holdout");
    TCase *tc = tcase_create("holdout");
    tcase_add_test(tc, split_is_per_user_and_seeded);
    tcase_add_test(tc, entities_only_held_out_are_placed);
    tcase_add_test(tc, holdout_never_touches_the_test_data);
    tcase_add_test(tc, refit_trains_all_data_for_the_chosen_epochs);
    tcase_add_test(tc, best_keeps_the_validated_parameters_on_the_whole_graph);
    tcase_add_test(tc, graphsage_on_ratings_reports_rmse);
    tcase_add_test(tc, graphsage_ranking_keeps_the_validated_model);
    tcase_add_test(tc, knowledge_graph_triples_are_held_out);
    suite_add_tcase(s, tc);
    return fx_run(s);
}
