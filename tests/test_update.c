/* gr_model_update: new users, items and interactions without a full retrain. */
#include <gnnrec.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "graph/grow.h"

static char *dir;
static gr_graph *all;     /* every edge, with metadata */
static gr_graph *base;    /* the edges known at first training */
static gr_graph *added;   /* the rest: new users, new items, new edges of known users */
static int64_t *eu, *ei;
static size_t n_edges;

#define NEW_USER(u) ((u) % 10 == 3)
#define NEW_ITEM(i) ((i) % 12 == 5)

static void setup(void)
{
    dir = fx_tmpdir();
    gr_synth_options so = GR_SYNTH_OPTIONS_INIT;
    so.users = 120;
    so.items = 150;
    so.ratings_per_user = 20;
    ck_assert_int_eq(gr_synth_write(dir, &so), GR_OK);
    ck_assert_int_eq(gr_graph_load(&all, dir, NULL), GR_OK);
    n_edges = gr_graph_num_edges(all);
    eu = malloc(n_edges * sizeof *eu);
    ei = malloc(n_edges * sizeof *ei);
    float *r = malloc(n_edges * sizeof *r);
    int64_t *ts = malloc(n_edges * sizeof *ts);
    ck_assert_int_eq(gr_graph_edges(all, eu, ei, r, ts, n_edges), GR_OK);
    /* known edges first, then new ones: new users, new items, every 7th other edge */
    int64_t *bu = malloc(n_edges * sizeof *bu), *bi = malloc(n_edges * sizeof *bi);
    int64_t *au = malloc(n_edges * sizeof *au), *ai = malloc(n_edges * sizeof *ai);
    size_t nb = 0, na = 0;
    for (size_t k = 0; k < n_edges; k++) {
        if (NEW_USER(eu[k]) || NEW_ITEM(ei[k]) || k % 7 == 0) {
            au[na] = eu[k];
            ai[na++] = ei[k];
        } else {
            bu[nb] = eu[k];
            bi[nb++] = ei[k];
        }
    }
    ck_assert_int_eq(gr_graph_from_edges(&base, bu, bi, NULL, NULL, nb, 0), GR_OK);
    ck_assert_int_eq(gr_graph_from_edges_like(&added, all, au, ai, NULL, NULL, na, 0), GR_OK);
    free(r);
    free(ts);
    free(bu);
    free(bi);
    free(au);
    free(ai);
}

static void teardown(void)
{
    gr_graph_free(base);
    gr_graph_free(added);
    gr_graph_free(all);
    free(eu);
    free(ei);
    fx_rmtree(dir);
    free(dir);
}

static gr_model *fit(int kind)
{
    gr_trainer *t;
    gr_model *m;
    ck_assert_int_eq(gr_trainer_new(&t, kind), GR_OK);
    gr_trainer_set(t, "dim", "16");
    gr_trainer_set(t, "epochs", "60");
    gr_trainer_set(t, "threads", "1");
    ck_assert_int_eq(gr_trainer_fit(&m, t, base), GR_OK);
    gr_trainer_free(t);
    return m;
}

static float *user_vectors(const gr_model *m)
{
    const gr_graph *g = gr_model_graph(m);
    size_t rows = gr_graph_num_users(g), d = gr_model_dim(m);
    float *v = malloc(rows * d * sizeof *v);
    ck_assert_int_eq(gr_model_user_vectors(v, rows, d, m), GR_OK);
    return v;
}

/* Top-10 overlap of two models for the users of the first. */
static double mean_overlap(const gr_model *a, const gr_model *b)
{
    const gr_graph *g = gr_model_graph(a);
    double sum = 0;
    size_t nu = gr_graph_num_users(g);
    for (size_t u = 0; u < nu; u++) {
        int64_t user, x[10], y[10];
        size_t n1, n2, common = 0;
        gr_graph_user_id(&user, g, u);
        ck_assert_int_eq(gr_model_recommend(&n1, a, user, 10, NULL, x, NULL), GR_OK);
        ck_assert_int_eq(gr_model_recommend(&n2, b, user, 10, NULL, y, NULL), GR_OK);
        for (size_t p = 0; p < n1; p++)
            for (size_t q = 0; q < n2; q++) common += x[p] == y[q];
        sum += (double)common / 10.0;
    }
    return sum / (double)nu;
}

static void check_update(int kind)
{
    gr_model *m = fit(kind), *m2 = NULL;
    const gr_graph *g0 = gr_model_graph(m);
    size_t nu0 = gr_graph_num_users(g0), ni0 = gr_graph_num_items(g0), ne0 = gr_graph_num_edges(g0);
    float *before = user_vectors(m);
    ck_assert_int_eq(gr_model_update(&m2, m, added, NULL), GR_OK);
    /* the input model is unchanged */
    ck_assert_uint_eq(gr_graph_num_users(gr_model_graph(m)), nu0);
    ck_assert_uint_eq(gr_graph_num_edges(gr_model_graph(m)), ne0);
    float *after = user_vectors(m);
    ck_assert_mem_eq(before, after, nu0 * gr_model_dim(m) * sizeof *before);
    /* the grown id space: old ids keep their indices, new ones follow */
    const gr_graph *g2 = gr_model_graph(m2);
    ck_assert_uint_eq(gr_graph_num_users(g2), gr_graph_num_users(all));
    ck_assert_uint_eq(gr_graph_num_items(g2), gr_graph_num_items(all));
    ck_assert_uint_eq(gr_graph_num_edges(g2), n_edges);
    for (size_t k = 0; k < nu0; k++) {
        int64_t a, b;
        gr_graph_user_id(&a, g0, k);
        gr_graph_user_id(&b, g2, k);
        ck_assert_int_eq(a, b);
    }
    for (size_t k = 0; k < ni0; k++) {
        int64_t a, b;
        gr_graph_item_id(&a, g0, k);
        gr_graph_item_id(&b, g2, k);
        ck_assert_int_eq(a, b);
    }
    double v;
    ck_assert_int_eq(gr_model_info(&v, m2, "updated"), GR_OK);
    ck_assert_int_eq(gr_model_info(&v, m2, "dim"), GR_OK);
    ck_assert_double_eq(v, 16);
    /* new users get recommendations, without their new items */
    size_t new_users = 0, new_items_listed = 0;
    for (size_t u = 0; u < gr_graph_num_users(g2); u++) {
        int64_t user, items[10], seen[256];
        size_t n, ns;
        gr_graph_user_id(&user, g2, u);
        if (!NEW_USER(user)) continue;
        new_users++;
        ck_assert_int_eq(gr_model_recommend(&n, m2, user, 10, NULL, items, NULL), GR_OK);
        ck_assert_uint_eq(n, 10);
        gr_graph_user_items(&ns, g2, user, seen, NULL, 256);
        ck_assert_uint_gt(ns, 0);
        for (size_t r = 0; r < n; r++) {
            for (size_t q = 0; q < ns; q++) ck_assert_int_ne(items[r], seen[q]);
            new_items_listed += NEW_ITEM(items[r]);
        }
    }
    ck_assert_uint_gt(new_users, 5);
    /* new items are scored, carry their metadata, and appear in lists */
    int64_t someone;
    gr_graph_user_id(&someone, g2, 0);
    for (size_t i = ni0; i < gr_graph_num_items(g2); i++) {
        int64_t item;
        float s;
        gr_graph_item_id(&item, g2, i);
        ck_assert_int_eq(gr_model_score(&s, m2, someone, item), GR_OK);
        ck_assert(isfinite(s));
        ck_assert_str_eq(gr_graph_item_title(g2, item), gr_graph_item_title(all, item));
    }
    ck_assert_uint_gt(new_items_listed, 0);
    /* known users' lists stay close to the model they had */
    double overlap = mean_overlap(m, m2);
    ck_assert_msg(overlap > 0.4, "top-10 overlap with the old model %.3f", overlap);
    free(before);
    free(after);
    gr_model_free(m2);
    gr_model_free(m);
}

START_TEST(lightgcn_grows_with_new_users_items_and_edges) { check_update(GR_MODEL_LIGHTGCN); }
END_TEST

START_TEST(mf_grows_with_new_users_items_and_edges) { check_update(GR_MODEL_MF); }
END_TEST

START_TEST(trainer_settings_are_used_and_kept)
{
    gr_model *m = fit(GR_MODEL_LIGHTGCN), *m2;
    gr_trainer *t;
    ck_assert_int_eq(gr_trainer_new(&t, GR_MODEL_LIGHTGCN), GR_OK);
    gr_trainer_set(t, "epochs", "3");
    gr_trainer_set(t, "dim", "8"); /* the model's dim wins */
    ck_assert_int_eq(gr_model_update(&m2, m, added, t), GR_OK);
    ck_assert_uint_eq(gr_model_dim(m2), 16);
    double v;
    ck_assert_int_eq(gr_trainer_stat(&v, t, GR_STAT_EPOCHS), GR_OK);
    ck_assert_double_eq(v, 3);
    /* the caller's settings are as they were */
    ck_assert_int_eq(gr_trainer_get_double(&v, t, GR_OPT_DIM), GR_OK);
    ck_assert_double_eq(v, 8);
    ck_assert_int_eq(gr_trainer_get_double(&v, t, GR_OPT_LR), GR_OK);
    ck_assert(isnan(v));
    gr_model_free(m2);
    /* errors */
    gr_trainer *mf;
    ck_assert_int_eq(gr_trainer_new(&mf, GR_MODEL_MF), GR_OK);
    ck_assert_int_eq(gr_model_update(&m2, m, added, mf), GR_EINVAL);
    ck_assert_int_eq(gr_model_update(&m2, m, NULL, t), GR_EINVAL);
    ck_assert_int_eq(gr_model_update(NULL, m, added, t), GR_EINVAL);
    gr_trainer_free(mf);
    gr_trainer_free(t);
    gr_model_free(m);
}
END_TEST

/* A model of the sampled schedule is updated at the temperature it was
 * trained with (sized to its own graph), not at the grown graph's. */
START_TEST(sampled_update_keeps_the_models_temperature)
{
    gr_trainer *t;
    ck_assert_int_eq(gr_trainer_new(&t, GR_MODEL_LIGHTGCN), GR_OK);
    fx_set(t, "mode", "sampled", "epochs", "2", "dim", "8", "holdout", "0", "negatives", "64", NULL);
    gr_model *m, *m2;
    ck_assert_int_eq(gr_trainer_fit(&m, t, base), GR_OK);
    double tau, tau2;
    ck_assert_int_eq(gr_model_info(&tau, m, "temperature"), GR_OK);
    double rows = (double)(gr_graph_num_users(base) + gr_graph_num_items(base)) / (double)gr_graph_num_edges(base);
    ck_assert_double_eq_tol(tau, fmax(0.04, 0.125 * sqrt(rows)), 0.005 * tau);
    ck_assert_int_eq(gr_model_update(&m2, m, added, t), GR_OK);
    ck_assert_int_eq(gr_model_info(&tau2, m2, "temperature"), GR_OK);
    ck_assert_double_eq(tau2, tau);
    /* the grown graph alone would have been given another */
    gr_model *m3;
    ck_assert_int_eq(gr_trainer_fit(&m3, t, all), GR_OK);
    double tau3;
    ck_assert_int_eq(gr_model_info(&tau3, m3, "temperature"), GR_OK);
    ck_assert(tau3 != tau);
    gr_model_free(m);
    gr_model_free(m2);
    gr_model_free(m3);
    gr_trainer_free(t);
}
END_TEST

/* Scores of every (user, item) pair of g's first users under m. */
static float *some_scores(const gr_model *m, const gr_graph *g, size_t users, size_t *n)
{
    size_t ni = gr_graph_num_items(g), k = 0;
    float *s = malloc(users * ni * sizeof *s);
    for (size_t u = 0; u < users; u++) {
        int64_t user;
        gr_graph_user_id(&user, g, u);
        for (size_t i = 0; i < ni; i++) {
            int64_t item;
            gr_graph_item_id(&item, g, i);
            ck_assert_int_eq(gr_model_score(&s[k++], m, user, item), GR_OK);
        }
    }
    *n = k;
    return s;
}

/*
 * A training-free filter is built again on the grown graph with the
 * settings its fit chose (on its held-out part), and searches nothing:
 * adding edges the model had already gives the same filter, bit for bit.
 */
static void check_filter_update(int kind, const char *setting)
{
    gr_trainer *t;
    gr_model *m, *m2, *same;
    ck_assert_int_eq(gr_trainer_new(&t, kind), GR_OK);
    gr_trainer_set(t, "threads", "1");
    if (kind != GR_MODEL_EASE) gr_trainer_set(t, "rank", "24");
    ck_assert_int_eq(gr_trainer_fit(&m, t, base), GR_OK);
    double trials;
    ck_assert_int_eq(gr_trainer_stat(&trials, t, GR_STAT_TRIALS), GR_OK);
    ck_assert_double_gt(trials, 1); /* the first fit searched on its held-out part */
    ck_assert_int_eq(gr_model_update(&m2, m, added, t), GR_OK);
    ck_assert_int_eq(gr_trainer_stat(&trials, t, GR_STAT_TRIALS), GR_OK);
    ck_assert_double_eq(trials, 0);
    const gr_graph *g2 = gr_model_graph(m2);
    ck_assert_uint_eq(gr_graph_num_users(g2), gr_graph_num_users(all));
    ck_assert_uint_eq(gr_graph_num_items(g2), gr_graph_num_items(all));
    ck_assert_uint_eq(gr_graph_num_edges(g2), n_edges);
    double v, chosen, kept;
    ck_assert_int_eq(gr_model_info(&v, m2, "updated"), GR_OK);
    ck_assert_int_eq(gr_model_info(&chosen, m, setting), GR_OK);
    ck_assert_int_eq(gr_model_info(&kept, m2, setting), GR_OK);
    ck_assert_double_eq(kept, chosen);
    /* new users are ranked and new items scored */
    for (size_t u = 0; u < gr_graph_num_users(g2); u++) {
        int64_t user, items[10];
        size_t n;
        gr_graph_user_id(&user, g2, u);
        if (!NEW_USER(user)) continue;
        ck_assert_int_eq(gr_model_recommend(&n, m2, user, 10, NULL, items, NULL), GR_OK);
        ck_assert_uint_eq(n, 10);
    }
    int64_t someone, item;
    float s;
    gr_graph_user_id(&someone, g2, 0);
    gr_graph_item_id(&item, g2, gr_graph_num_items(g2) - 1);
    ck_assert(NEW_ITEM(item));
    ck_assert_int_eq(gr_model_score(&s, m2, someone, item), GR_OK);
    ck_assert(isfinite(s));
    /* nothing new: the same filter */
    ck_assert_int_eq(gr_model_update(&same, m, base, NULL), GR_OK);
    size_t n1, n2;
    float *a = some_scores(m, base, 12, &n1), *b = some_scores(same, base, 12, &n2);
    ck_assert_uint_eq(n1, n2);
    ck_assert_mem_eq(a, b, n1 * sizeof *a);
    free(a);
    free(b);
    gr_model_free(same);
    gr_model_free(m2);
    gr_model_free(m);
    gr_trainer_free(t);
}

START_TEST(cheby_filter_is_rebuilt_on_the_grown_graph) { check_filter_update(GR_MODEL_CHEBY, "phi"); }
END_TEST

START_TEST(gfcf_filter_is_rebuilt_on_the_grown_graph) { check_filter_update(GR_MODEL_GFCF, "alpha"); }
END_TEST

START_TEST(ease_is_rebuilt_on_the_grown_graph) { check_filter_update(GR_MODEL_EASE, "lambda"); }
END_TEST

START_TEST(rotate_of_the_graph_grows_with_new_users_items_and_edges) { check_update(GR_MODEL_ROTATE); }
END_TEST

START_TEST(distmult_of_the_graph_grows_with_new_users_items_and_edges) { check_update(GR_MODEL_DISTMULT); }
END_TEST

/*
 * A KG model of a user-item graph keeps its entities' rows by name: with
 * a step size too small to move them, a known user's list is the
 * model's; the graph is built as the fit built it (its like_rating), and
 * a model trained on triples is not updated by interactions.
 */
START_TEST(kg_of_the_graph_keeps_its_rows_by_name)
{
    gr_trainer *t;
    gr_model *m, *still, *up;
    ck_assert_int_eq(gr_trainer_new(&t, GR_MODEL_DISTMULT), GR_OK);
    gr_trainer_set(t, "dim", "16");
    gr_trainer_set(t, "epochs", "30");
    gr_trainer_set(t, "threads", "1");
    gr_trainer_set(t, "like_rating", "0");
    ck_assert_int_eq(gr_trainer_fit(&m, t, base), GR_OK);
    gr_trainer_free(t);
    ck_assert_int_eq(gr_trainer_new(&t, GR_MODEL_DISTMULT), GR_OK);
    gr_trainer_set(t, "epochs", "1");
    gr_trainer_set(t, "lr", "1e-12");
    gr_trainer_set(t, "threads", "1");
    ck_assert_int_eq(gr_model_update(&still, m, added, t), GR_OK);
    double kept = mean_overlap(m, still), v;
    ck_assert_msg(kept > 0.8, "top-10 overlap with the model: %.3f", kept);
    ck_assert_int_eq(gr_model_info(&v, still, "updated"), GR_OK);
    ck_assert_int_eq(gr_model_info(&v, still, "like_rating"), GR_OK);
    ck_assert_double_eq(v, 0);
    /* the default schedule: 8 epochs for a model of a user-item graph */
    ck_assert_int_eq(gr_model_update(&up, m, added, NULL), GR_OK);
    ck_assert_int_eq(gr_model_info(&v, up, "epochs"), GR_OK);
    ck_assert_double_eq(v, 8);
    gr_model_free(up);
    gr_model_free(still);
    gr_trainer_free(t);
    gr_model_free(m);
}
END_TEST

START_TEST(graphsage_grows_with_new_users_items_and_edges) { check_update(GR_MODEL_GRAPHSAGE); }
END_TEST

static gr_model *sage_update(const gr_model *m, const gr_graph *g, const char *epochs, const char *lr)
{
    gr_trainer *t;
    gr_model *out;
    ck_assert_int_eq(gr_trainer_new(&t, GR_MODEL_GRAPHSAGE), GR_OK);
    gr_trainer_set(t, "threads", "1");
    if (epochs) gr_trainer_set(t, "epochs", epochs);
    if (lr) gr_trainer_set(t, "lr", lr);
    ck_assert_int_eq(gr_model_update(&out, m, g, t), GR_OK);
    gr_trainer_free(t);
    return out;
}

/*
 * A GraphSAGE update goes on from the model's parameters: with a step
 * size too small to move them, its lists for the known users stay the
 * model's (their neighbourhoods grew a little), where a fit of the grown
 * graph from a fresh start at that step size is unrelated to the model.
 * Without settings it runs the update's own schedule.
 */
START_TEST(graphsage_update_continues_from_the_model)
{
    gr_model *m = fit(GR_MODEL_GRAPHSAGE);
    gr_model *still = sage_update(m, added, "1", "1e-12");
    gr_graph *grown;
    ck_assert_int_eq(gr_graph_grow(&grown, base, added), GR_OK);
    gr_trainer *t;
    gr_model *fresh;
    ck_assert_int_eq(gr_trainer_new(&t, GR_MODEL_GRAPHSAGE), GR_OK);
    gr_trainer_set(t, "dim", "16");
    gr_trainer_set(t, "epochs", "1");
    gr_trainer_set(t, "lr", "1e-12");
    gr_trainer_set(t, "threads", "1");
    gr_trainer_set(t, "holdout", "0");
    ck_assert_int_eq(gr_trainer_fit(&fresh, t, grown), GR_OK);
    double kept = mean_overlap(m, still), unrelated = mean_overlap(m, fresh);
    ck_assert_msg(kept > 0.6 && kept > unrelated + 0.3, "top-10 overlap with the model: update %.3f, fresh fit %.3f",
                  kept, unrelated);
    /* the default schedule: GR_SAGE_UPDATE_EPOCHS at twice the fit's step size */
    gr_model *m2 = sage_update(m, added, NULL, NULL);
    double e, lr, lr0;
    ck_assert_int_eq(gr_model_info(&e, m2, "epochs"), GR_OK);
    ck_assert_double_eq(e, 4);
    ck_assert_int_eq(gr_model_info(&lr, m2, "update_lr"), GR_OK);
    ck_assert_int_eq(gr_model_info(&lr0, m, "lr"), GR_OK);
    ck_assert_double_eq_tol(lr, 2 * lr0, 1e-12);
    /* the fit's step size stays the model's: a second update runs at the same */
    gr_model *m3 = sage_update(m2, added, NULL, NULL);
    ck_assert_int_eq(gr_model_info(&lr, m3, "lr"), GR_OK);
    ck_assert_double_eq_tol(lr, lr0, 1e-12);
    ck_assert_int_eq(gr_model_info(&lr, m3, "update_lr"), GR_OK);
    ck_assert_double_eq_tol(lr, 2 * lr0, 1e-12);
    gr_model_free(m3);
    gr_model_free(m2);
    gr_model_free(fresh);
    gr_trainer_free(t);
    gr_graph_free(grown);
    gr_model_free(still);
    gr_model_free(m);
}
END_TEST

/* A rating model is updated as a rating model, and a model with features
 * of its caller's own needs them for the grown graph. */
START_TEST(graphsage_rating_and_own_features)
{
    float *r = malloc(n_edges * sizeof *r);
    int64_t *ts = malloc(n_edges * sizeof *ts), *u = malloc(n_edges * sizeof *u), *i = malloc(n_edges * sizeof *i);
    ck_assert_int_eq(gr_graph_edges(all, u, i, r, ts, n_edges), GR_OK);
    size_t cut = n_edges * 9 / 10;
    gr_graph *early, *late;
    ck_assert_int_eq(gr_graph_from_edges(&early, u, i, r, ts, cut, 0), GR_OK);
    ck_assert_int_eq(gr_graph_from_edges_like(&late, all, u + cut, i + cut, r + cut, ts + cut, n_edges - cut, 0), GR_OK);
    gr_trainer *t;
    gr_model *m, *m2;
    ck_assert_int_eq(gr_trainer_new(&t, GR_MODEL_GRAPHSAGE), GR_OK);
    gr_trainer_set(t, "objective", "rating");
    gr_trainer_set(t, "epochs", "5");
    gr_trainer_set(t, "threads", "1");
    ck_assert_int_eq(gr_trainer_fit(&m, t, early), GR_OK);
    gr_trainer_free(t);
    gr_model *up = sage_update(m, late, "1", NULL);
    double v;
    ck_assert_int_eq(gr_model_info(&v, up, "objective"), GR_OK);
    ck_assert_double_eq(v, GR_OBJECTIVE_RATING);
    const gr_graph *g2 = gr_model_graph(up);
    ck_assert_uint_eq(gr_graph_num_edges(g2), n_edges);
    for (size_t k = cut; k < n_edges; k++) {
        float s;
        ck_assert_int_eq(gr_model_score(&s, up, u[k], i[k]), GR_OK);
        ck_assert_msg(s > 0.0f && s < 7.0f, "predicted rating %g", s);
    }
    gr_model_free(up);
    /* features of the caller's own: one column per user */
    size_t nu = gr_graph_num_users(early);
    float *x = calloc(nu, sizeof *x);
    ck_assert_int_eq(gr_trainer_new(&t, GR_MODEL_GRAPHSAGE), GR_OK);
    gr_trainer_set(t, "epochs", "2");
    gr_trainer_set(t, "threads", "1");
    ck_assert_int_eq(gr_trainer_set_features(t, 0, x, nu, 1), GR_OK);
    ck_assert_int_eq(gr_trainer_fit(&m2, t, early), GR_OK);
    gr_model *none;
    ck_assert_int_eq(gr_model_update(&none, m2, late, t), GR_EINVAL);
    ck_assert_ptr_nonnull(strstr(gr_last_error(), "feature matrix of the grown graph"));
    gr_graph *grown;
    ck_assert_int_eq(gr_graph_grow(&grown, early, late), GR_OK);
    size_t nu2 = gr_graph_num_users(grown);
    float *x2 = calloc(nu2, sizeof *x2);
    ck_assert_int_eq(gr_trainer_set_features(t, 0, x2, nu2, 1), GR_OK);
    ck_assert_int_eq(gr_model_update(&up, m2, late, t), GR_OK);
    ck_assert_uint_eq(gr_graph_num_users(gr_model_graph(up)), nu2);
    gr_model_free(up);
    /* or the rows of the new users alone, after the model's own */
    ck_assert_uint_gt(nu2, nu);
    for (size_t k = 0; k < nu; k++) x[k] = (float)k;
    gr_model *m3;
    ck_assert_int_eq(gr_trainer_set_features(t, 0, x, nu, 1), GR_OK);
    ck_assert_int_eq(gr_trainer_fit(&m3, t, early), GR_OK);
    for (size_t k = 0; k < nu2 - nu; k++) x2[k] = -1.0f - (float)k;
    ck_assert_int_eq(gr_trainer_set_features(t, 0, x2, nu2 - nu, 1), GR_OK);
    ck_assert_int_eq(gr_model_update(&up, m3, late, t), GR_OK);
    float *got = malloc(nu2 * sizeof *got);
    ck_assert_int_eq(gr_model_features(got, nu2, 1, up, 0), GR_OK);
    for (size_t k = 0; k < nu2; k++) ck_assert_float_eq(got[k], k < nu ? (float)k : -1.0f - (float)(k - nu));
    gr_model_free(up);
    /* a graph of no new user needs no user matrix: the model's rows stay */
    gr_graph *known;
    ck_assert_int_eq(gr_graph_from_edges_like(&known, early, u, i, r, ts, 50, 0), GR_OK);
    ck_assert_int_eq(gr_trainer_set_features(t, 0, NULL, 0, 0), GR_OK);
    ck_assert_int_eq(gr_model_update(&up, m3, known, t), GR_OK);
    ck_assert_int_eq(gr_model_features(got, nu, 1, up, 0), GR_OK);
    for (size_t k = 0; k < nu; k++) ck_assert_float_eq(got[k], (float)k);
    gr_model_free(up);
    gr_graph_free(known);
    free(got);
    gr_model_free(m3);
    gr_graph_free(grown);
    free(x);
    free(x2);
    gr_trainer_free(t);
    gr_model_free(m2);
    gr_model_free(m);
    gr_graph_free(early);
    gr_graph_free(late);
    free(r);
    free(ts);
    free(u);
    free(i);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("update");
    TCase *tc = tcase_create("update");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_add_test(tc, lightgcn_grows_with_new_users_items_and_edges);
    tcase_add_test(tc, mf_grows_with_new_users_items_and_edges);
    tcase_add_test(tc, trainer_settings_are_used_and_kept);
    tcase_add_test(tc, sampled_update_keeps_the_models_temperature);
    tcase_add_test(tc, cheby_filter_is_rebuilt_on_the_grown_graph);
    tcase_add_test(tc, gfcf_filter_is_rebuilt_on_the_grown_graph);
    tcase_add_test(tc, ease_is_rebuilt_on_the_grown_graph);
    tcase_add_test(tc, graphsage_grows_with_new_users_items_and_edges);
    tcase_add_test(tc, rotate_of_the_graph_grows_with_new_users_items_and_edges);
    tcase_add_test(tc, distmult_of_the_graph_grows_with_new_users_items_and_edges);
    tcase_add_test(tc, kg_of_the_graph_keeps_its_rows_by_name);
    tcase_add_test(tc, graphsage_update_continues_from_the_model);
    tcase_add_test(tc, graphsage_rating_and_own_features);
    suite_add_tcase(s, tc);
    return fx_run(s);
}
