/* GraphSAGE models: learning, reproducibility, model files, cold start, caller features, errors. */
#include <gnnrec.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "graph/graph.h"
#include "models/model.h"

static char *dir;
static gr_graph *all, *train, *test;

/* A synthetic ML-100K dataset split per user, 80/20. */
static void setup(void)
{
    dir = fx_tmpdir();
    gr_synth_options so = GR_SYNTH_OPTIONS_INIT;
    so.users = 300;
    so.items = 240;
    so.ratings_per_user = 30;
    ck_assert_int_eq(gr_synth_write(dir, &so), GR_OK);
    ck_assert_int_eq(gr_graph_load(&all, dir, NULL), GR_OK);
    gr_split_options sp = GR_SPLIT_OPTIONS_INIT;
    sp.valid_ratio = 0;
    sp.test_ratio = 0.2;
    ck_assert_int_eq(gr_graph_split(&train, NULL, &test, all, &sp), GR_OK);
}

static void teardown(void)
{
    gr_graph_free(all);
    gr_graph_free(train);
    gr_graph_free(test);
    fx_rmtree(dir);
    free(dir);
}

static gr_trainer *sage_trainer(const char *objective, const char *epochs)
{
    gr_trainer *t;
    ck_assert_int_eq(gr_trainer_new(&t, GR_MODEL_GRAPHSAGE), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "objective", objective), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "epochs", epochs), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "dim", "16"), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "hidden", "32"), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "id_dim", "8"), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "batch", "512"), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "lr", "0.005"), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "fanout1", "5"), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "fanout2", "5"), GR_OK);
    return t;
}

static gr_model *fit(gr_trainer *t, const gr_graph *g)
{
    gr_model *m = NULL;
    ck_assert_int_eq(gr_trainer_fit(&m, t, g), GR_OK);
    return m;
}

/* RMSE of predicting each test rating by the item's training mean (global mean for unseen items). */
static double item_mean_rmse(const gr_graph *tr, const gr_graph *te)
{
    double mu = 0;
    for (size_t k = 0; k < tr->n_edges; k++) mu += gr_csr_val(&tr->ui, k);
    mu /= (double)tr->n_edges;
    double se = 0;
    for (size_t u = 0; u < te->n_users; u++)
        for (int64_t k = te->ui.ptr[u]; k < te->ui.ptr[u + 1]; k++) {
            int32_t i = te->ui.col[k];
            size_t deg = gr_csr_degree(&tr->iu, (size_t)i);
            double s = 0;
            for (int64_t e = tr->iu.ptr[i]; e < tr->iu.ptr[i + 1]; e++) s += gr_csr_val(&tr->iu, e);
            double pred = deg ? s / (double)deg : mu, err = pred - gr_csr_val(&te->ui, k);
            se += err * err;
        }
    return sqrt(se / (double)te->n_edges);
}

START_TEST(ratings_beat_the_item_mean)
{
    gr_trainer *t = sage_trainer("rating", "12");
    gr_model *m = fit(t, train);
    double rmse, mae, base = item_mean_rmse(train, test), obj;
    ck_assert_int_eq(gr_eval_rating(&rmse, &mae, m, test), GR_OK);
    fprintf(stderr, "synthetic ratings: GraphSAGE rmse %.4f mae %.4f, item mean rmse %.4f\n", rmse, mae, base);
    ck_assert_double_lt(rmse, base - 0.03);
    ck_assert_int_eq(gr_model_info(&obj, m, "objective"), GR_OK);
    ck_assert_double_eq(obj, GR_OBJECTIVE_RATING);
    /* a score is the predicted rating */
    int64_t u, i;
    float s;
    gr_graph_user_id(&u, train, 0);
    gr_graph_item_id(&i, train, 0);
    ck_assert_int_eq(gr_model_score(&s, m, u, i), GR_OK);
    ck_assert_float_gt(s, 0.0f);
    ck_assert_float_lt(s, 7.0f);
    gr_model_free(m);
    gr_trainer_free(t);
}
END_TEST

START_TEST(ranking_beats_popularity)
{
    gr_trainer *t = sage_trainer("bpr", "8");
    gr_model *m = fit(t, train);
    int k = 20;
    double out[GR_METRIC_COUNT], pop = fx_popularity_recall(train, test, k);
    ck_assert_int_eq(gr_eval_ranking(out, NULL, m, train, test, &k, 1), GR_OK);
    fprintf(stderr, "synthetic ranking: GraphSAGE recall@20 %.4f, popularity %.4f\n", out[GR_METRIC_RECALL], pop);
    ck_assert_double_gt(out[GR_METRIC_RECALL], pop * 1.1);
    gr_model_free(m);
    gr_trainer_free(t);
}
END_TEST

static int same_vectors(const gr_model *a, const gr_model *b)
{
    size_t nu = gr_graph_num_users(gr_model_graph(a)), d = gr_model_dim(a);
    float *x = malloc(nu * d * sizeof *x), *y = malloc(nu * d * sizeof *y);
    gr_model_user_vectors(x, nu, d, a);
    gr_model_user_vectors(y, nu, d, b);
    int same = memcmp(x, y, nu * d * sizeof *x) == 0;
    free(x);
    free(y);
    return same;
}

START_TEST(results_depend_on_the_seed_only)
{
    gr_trainer *t = sage_trainer("rating", "2");
    fx_set(t, "dropout", "0.2", "id_dropout", "0.2", "cold_prob", "0.1", "threads", "1", NULL);
    gr_model *a = fit(t, train);
    gr_trainer_set(t, "threads", "2");
    gr_model *b = fit(t, train);
    ck_assert(same_vectors(a, b));
    gr_trainer_set(t, "seed", "7");
    gr_model *c = fit(t, train);
    ck_assert(!same_vectors(a, c));
    gr_model_free(a);
    gr_model_free(b);
    gr_model_free(c);
    gr_trainer_free(t);
}
END_TEST

/* lr_floor: the step size falls along a half cosine to lr x lr_floor at the
 * last step.  With one step an epoch (the whole training data a batch), a
 * two-epoch fit with floor 0 takes its second step at a step size of 0,
 * so it ends where the one-epoch fit ends; with floor 1 it moves on. */
START_TEST(the_step_size_decays_to_its_floor)
{
    gr_trainer *t = sage_trainer("rating", "1");
    fx_set(t, "batch", "1000000", "holdout", "0", "dropout", "0", "id_dropout", "0", "ema", "0", NULL);
    gr_model *one = fit(t, train);
    gr_trainer_set(t, "epochs", "2");
    ck_assert_int_eq(gr_trainer_set(t, "lr_floor", "0"), GR_OK);
    gr_model *floor0 = fit(t, train);
    gr_trainer_set(t, "lr_floor", "1");
    gr_model *constant = fit(t, train);
    ck_assert(same_vectors(one, floor0));
    ck_assert(!same_vectors(one, constant));
    double v;
    ck_assert_int_eq(gr_model_info(&v, constant, "lr_floor"), GR_OK);
    ck_assert_double_eq(v, 1.0);
    ck_assert_int_eq(gr_trainer_set(t, "lr_floor", "1.5"), GR_EINVAL);
    gr_model_free(one);
    gr_model_free(floor0);
    gr_model_free(constant);
    gr_trainer_free(t);
}
END_TEST

/* A new user and a new item for cold-start calls. */
static void newcomers(gr_new_user *u, gr_new_item *it, int64_t *items, float *ratings)
{
    gr_new_user nu = GR_NEW_USER_INIT;
    gr_new_item ni = GR_NEW_ITEM_INIT;
    for (int k = 0; k < 3; k++) {
        gr_graph_item_id(&items[k], train, (size_t)k * 7);
        ratings[k] = (float)(3 + k % 3);
    }
    nu.age = 30;
    nu.gender = 'F';
    nu.items = items;
    nu.ratings = ratings;
    nu.n_items = 3;
    ck_assert_int_eq(gr_graph_genre_mask(&ni.genres, train, "Comedy,Drama"), GR_OK);
    ni.year = 1995;
    *u = nu;
    *it = ni;
}

START_TEST(model_files_keep_cold_start)
{
    gr_trainer *t = sage_trainer("rating", "3");
    gr_model *m = fit(t, train);
    char *path = fx_path(dir, "sage.gnr");
    ck_assert_int_eq(gr_model_save(m, path), GR_OK);
    gr_model *l;
    ck_assert_int_eq(gr_model_load(&l, path), GR_OK);
    ck_assert_int_eq(gr_model_kind_of(l), GR_MODEL_GRAPHSAGE);
    ck_assert(same_vectors(m, l));
    gr_new_user u;
    gr_new_item it;
    int64_t items[3];
    float ratings[3], v1[16], v2[16], b1, b2;
    newcomers(&u, &it, items, ratings);
    ck_assert_int_eq(gr_model_new_user_vector(v1, 16, &b1, m, &u), GR_OK);
    ck_assert_int_eq(gr_model_new_user_vector(v2, 16, &b2, l, &u), GR_OK);
    ck_assert_int_eq(memcmp(v1, v2, sizeof v1), 0);
    ck_assert_float_eq(b1, b2);
    ck_assert_int_eq(gr_model_new_item_vector(v1, 16, &b1, m, &it), GR_OK);
    ck_assert_int_eq(gr_model_new_item_vector(v2, 16, &b2, l, &it), GR_OK);
    ck_assert_int_eq(memcmp(v1, v2, sizeof v1), 0);
    for (size_t k = 0; k < 20; k++) {
        int64_t uid, iid;
        float s1, s2;
        gr_graph_user_id(&uid, train, k * 7);
        gr_graph_item_id(&iid, train, k * 5);
        ck_assert_int_eq(gr_model_score(&s1, m, uid, iid), GR_OK);
        ck_assert_int_eq(gr_model_score(&s2, l, uid, iid), GR_OK);
        ck_assert_float_eq(s1, s2);
    }
    /* a damaged state section is caught */
    FILE *f = fopen(path, "r+b");
    ck_assert_ptr_nonnull(f);
    fseek(f, -60, SEEK_END);
    fputc(0x5a, f);
    fclose(f);
    gr_model *bad = NULL;
    ck_assert_int_eq(gr_model_load(&bad, path), GR_ECORRUPT);
    ck_assert_ptr_null(bad);
    free(path);
    gr_model_free(l);
    gr_model_free(m);
    gr_trainer_free(t);
}
END_TEST

START_TEST(cold_start_calls)
{
    gr_trainer *t = sage_trainer("rating", "3");
    gr_model *m = fit(t, train);
    gr_new_user u;
    gr_new_item it;
    int64_t items[3], recs[10], users[5], known;
    float ratings[3], vec[16], bias, scores[10], uscores[5];
    size_t n;
    newcomers(&u, &it, items, ratings);
    /* its fold-in is not linear in the liked items: no per-item explanation */
    size_t ne;
    float total;
    gr_contribution c[2];
    int64_t someone;
    gr_graph_user_id(&someone, train, 0);
    ck_assert_int_eq(gr_model_explain_items(&ne, &total, m, someone, items[0], c, 2), GR_EUNSUPPORTED);
    ck_assert_int_eq(gr_model_explain_liked(&ne, &total, m, items, 2, items[0], c, 2), GR_EUNSUPPORTED);
    /* demographics alone, then with ratings: both give a vector, and they differ */
    gr_new_user demo = u;
    demo.n_items = 0;
    float v0[16];
    ck_assert_int_eq(gr_model_new_user_vector(v0, 16, NULL, m, &demo), GR_OK);
    ck_assert_int_eq(gr_model_new_user_vector(vec, 16, &bias, m, &u), GR_OK);
    ck_assert_int_ne(memcmp(v0, vec, sizeof vec), 0);
    ck_assert_int_eq(gr_model_recommend_new_user(&n, m, &u, 10, NULL, recs, scores), GR_OK);
    ck_assert_uint_eq(n, 10);
    for (size_t k = 0; k < n; k++) {
        for (int q = 0; q < 3; q++) ck_assert(recs[k] != items[q]); /* seen items left out */
        if (k) ck_assert_float_ge(scores[k - 1], scores[k]);
    }
    /* a new item's score for a known user: the dot product with its vector plus biases */
    gr_graph_user_id(&known, train, 3);
    float s, iv[16], ib;
    ck_assert_int_eq(gr_model_new_item_vector(iv, 16, &ib, m, &it), GR_OK);
    ck_assert_int_eq(gr_model_score_new_item(&s, m, &it, &known, 1), GR_OK);
    ck_assert(isfinite(s) && isfinite(ib));
    ck_assert_int_eq(gr_model_new_item_top_users(&n, m, &it, 5, users, uscores), GR_OK);
    ck_assert_uint_eq(n, 5);
    for (size_t k = 1; k < n; k++) ck_assert_float_ge(uscores[k - 1], uscores[k]);
    /* the top user's score agrees with scoring that user directly */
    ck_assert_int_eq(gr_model_score_new_item(&s, m, &it, &users[0], 1), GR_OK);
    ck_assert_float_eq_tol(s, uscores[0], 1e-4);
    /* liked items fold in through the generic call */
    ck_assert_int_eq(gr_model_recommend_liked(&n, m, items, 3, 5, NULL, recs, scores), GR_OK);
    ck_assert_uint_eq(n, 5);
    /* errors */
    gr_new_user bad = u;
    bad.occupation = "astronaut";
    ck_assert_int_eq(gr_model_new_user_vector(vec, 16, NULL, m, &bad), GR_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(gr_last_error(), "astronaut"));
    bad = u;
    int64_t nope = 987654321;
    bad.items = &nope;
    bad.n_items = 1;
    ck_assert_int_eq(gr_model_new_user_vector(vec, 16, NULL, m, &bad), GR_ENOTFOUND);
    bad = u;
    bad.version = 0;
    ck_assert_int_eq(gr_model_new_user_vector(vec, 16, NULL, m, &bad), GR_EINVAL);
    ck_assert_int_eq(gr_model_new_user_vector(vec, 15, NULL, m, &u), GR_EINVAL);
    ck_assert_int_eq(gr_model_new_user_vector(NULL, 16, NULL, m, &u), GR_EINVAL);
    ck_assert_int_eq(gr_model_score_new_item(&s, m, &it, &nope, 1), GR_ENOTFOUND);
    ck_assert_int_eq(gr_model_new_item_top_users(&n, m, &it, 0, users, NULL), GR_ERANGE);
    gr_model_free(m);
    gr_trainer_free(t);
    /* kinds without node features say so */
    gr_trainer *lt;
    ck_assert_int_eq(gr_trainer_new(&lt, GR_MODEL_MF), GR_OK);
    gr_trainer_set(lt, "epochs", "1");
    gr_model *mf = fit(lt, train);
    ck_assert_int_eq(gr_model_new_user_vector(vec, gr_model_dim(mf), NULL, mf, &u), GR_EUNSUPPORTED);
    float x = 1;
    ck_assert_int_eq(gr_trainer_set_features(lt, GR_NODE_USER, &x, 1, 1), GR_EUNSUPPORTED);
    gr_model_free(mf);
    gr_trainer_free(lt);
}
END_TEST

START_TEST(cold_start_fields_are_checked)
{
    gr_trainer *t = sage_trainer("rating", "1");
    gr_model *m = fit(t, train);
    gr_new_user u, bad;
    gr_new_item it, badi;
    int64_t items[3];
    float ratings[3], vec[16];
    newcomers(&u, &it, items, ratings);
    static const struct { int age; char gender; const char *says; } users[] = {
        { -50, 0, "age -50" }, { 100000, 0, "age 100000" }, { 151, 0, "age 151" }, { 30, 'X', "gender 'X'" },
        { 30, 'f', "gender 'f'" },
    };
    for (size_t k = 0; k < sizeof users / sizeof users[0]; k++) {
        bad = u;
        bad.age = users[k].age;
        bad.gender = users[k].gender ? users[k].gender : u.gender;
        ck_assert_int_eq(gr_model_new_user_vector(vec, 16, NULL, m, &bad), GR_EINVAL);
        ck_assert_msg(strstr(gr_last_error(), users[k].says), "'%s' does not name %s", gr_last_error(), users[k].says);
    }
    bad = u;
    bad.age = 0; /* the edges of the range are accepted */
    ck_assert_int_eq(gr_model_new_user_vector(vec, 16, NULL, m, &bad), GR_OK);
    bad.age = 150;
    ck_assert_int_eq(gr_model_new_user_vector(vec, 16, NULL, m, &bad), GR_OK);
    /* ratings outside the training range (1..5) */
    float wild[3] = { 5, 1e30f, 3 };
    bad = u;
    bad.ratings = wild;
    ck_assert_int_eq(gr_model_new_user_vector(vec, 16, NULL, m, &bad), GR_EINVAL);
    ck_assert_ptr_nonnull(strstr(gr_last_error(), "outside the training ratings' range 1..5"));
    wild[1] = 0.5f;
    ck_assert_int_eq(gr_model_new_user_vector(vec, 16, NULL, m, &bad), GR_EINVAL);
    size_t n;
    int64_t recs[5];
    ck_assert_int_eq(gr_model_recommend_new_user(&n, m, &bad, 5, NULL, recs, NULL), GR_EINVAL);
    /* items: year and genre bits */
    badi = it;
    badi.year = -5;
    ck_assert_int_eq(gr_model_new_item_vector(vec, 16, NULL, m, &badi), GR_EINVAL);
    ck_assert_ptr_nonnull(strstr(gr_last_error(), "year -5"));
    badi.year = 100000;
    ck_assert_int_eq(gr_model_new_item_vector(vec, 16, NULL, m, &badi), GR_EINVAL);
    badi = it;
    size_t n_genres = train->cat->n_genres;
    ck_assert_uint_lt(n_genres, 64);
    badi.genres = it.genres | (1ull << n_genres);
    ck_assert_int_eq(gr_model_new_item_vector(vec, 16, NULL, m, &badi), GR_EINVAL);
    ck_assert_ptr_nonnull(strstr(gr_last_error(), "beyond the model's"));
    float s;
    int64_t known;
    gr_graph_user_id(&known, train, 0);
    ck_assert_int_eq(gr_model_score_new_item(&s, m, &badi, &known, 1), GR_EINVAL);
    badi = it;
    badi.users = &known;
    badi.ratings = wild;
    badi.n_users = 1;
    wild[0] = 7;
    ck_assert_int_eq(gr_model_new_item_vector(vec, 16, NULL, m, &badi), GR_EINVAL);
    gr_model_free(m);
    gr_trainer_free(t);
}
END_TEST

/* The model with every raw prediction pushed above the top rating. */
static void lift(gr_model *m, float by) { m->global_bias += by; }

START_TEST(rating_predictions_stay_in_the_training_range)
{
    gr_trainer *t = sage_trainer("rating", "2");
    gr_model *m = fit(t, train);
    double lo, hi;
    ck_assert_int_eq(gr_model_info(&lo, m, "rating_min"), GR_OK);
    ck_assert_int_eq(gr_model_info(&hi, m, "rating_max"), GR_OK);
    ck_assert_double_eq(lo, 1.0);
    ck_assert_double_eq(hi, 5.0);
    int64_t user, items[10], raw_items[10], users[5];
    float scores[10], s, uscores[5];
    size_t n;
    gr_graph_user_id(&user, train, 4);
    ck_assert_int_eq(gr_model_recommend(&n, m, user, 10, NULL, raw_items, NULL), GR_OK);
    lift(m, 10.0f);
    /* reported scores are clamped; the order is still that of the raw predictions */
    ck_assert_int_eq(gr_model_recommend(&n, m, user, 10, NULL, items, scores), GR_OK);
    ck_assert_uint_eq(n, 10);
    for (size_t k = 0; k < n; k++) {
        ck_assert_float_eq(scores[k], 5.0f);
        ck_assert_int_eq(items[k], raw_items[k]);
    }
    ck_assert_int_eq(gr_model_score(&s, m, user, items[0]), GR_OK);
    ck_assert_float_eq(s, 5.0f);
    /* min_score compares the reported prediction */
    gr_rec_options o = GR_REC_OPTIONS_INIT;
    o.has_min_score = 1;
    o.min_score = 5.5;
    ck_assert_int_eq(gr_model_recommend(&n, m, user, 10, &o, items, scores), GR_OK);
    ck_assert_uint_eq(n, 0);
    double rmse, mae;
    ck_assert_int_eq(gr_eval_rating(&rmse, &mae, m, test), GR_OK);
    ck_assert_double_le(rmse, 4.0 + 1e-9); /* every prediction is 5, every rating >= 1 */
    gr_new_user u;
    gr_new_item it;
    int64_t liked[3];
    float ratings[3];
    newcomers(&u, &it, liked, ratings);
    ck_assert_int_eq(gr_model_recommend_new_user(&n, m, &u, 10, NULL, items, scores), GR_OK);
    for (size_t k = 0; k < n; k++) ck_assert_float_eq(scores[k], 5.0f);
    ck_assert_int_eq(gr_model_new_item_top_users(&n, m, &it, 5, users, uscores), GR_OK);
    for (size_t k = 0; k < n; k++) ck_assert_float_eq(uscores[k], 5.0f);
    ck_assert_int_eq(gr_model_score_new_item(&s, m, &it, users, 1), GR_OK);
    ck_assert_float_eq(s, 5.0f);
    lift(m, -20.0f);
    ck_assert_int_eq(gr_model_score(&s, m, user, items[0]), GR_OK);
    ck_assert_float_eq(s, 1.0f);
    lift(m, 10.0f);
    /* a model file without the range (as written before it was recorded)
     * takes it from its training graph */
    size_t kept = 0;
    for (size_t k = 0; k < m->n_info; k++)
        if (strcmp(m->info[k].key, "rating_min") && strcmp(m->info[k].key, "rating_max")) m->info[kept++] = m->info[k];
    ck_assert_uint_eq(kept + 2, m->n_info);
    m->n_info = kept;
    char *path = fx_path(dir, "old.gnr");
    ck_assert_int_eq(gr_model_save(m, path), GR_OK);
    gr_model *l;
    ck_assert_int_eq(gr_model_load(&l, path), GR_OK);
    ck_assert_int_eq(gr_model_info(&lo, l, "rating_min"), GR_OK);
    ck_assert_int_eq(gr_model_info(&hi, l, "rating_max"), GR_OK);
    ck_assert_double_eq(lo, 1.0);
    ck_assert_double_eq(hi, 5.0);
    lift(l, 10.0f);
    ck_assert_int_eq(gr_model_score(&s, l, user, items[0]), GR_OK);
    ck_assert_float_eq(s, 5.0f);
    free(path);
    gr_model_free(l);
    gr_model_free(m);
    gr_trainer_free(t);
}
END_TEST

START_TEST(caller_features_replace_the_builtin_ones)
{
    gr_trainer *t = sage_trainer("bpr", "2");
    size_t nu = train->n_users, ni = train->n_items;
    float *xu = malloc(nu * 3 * sizeof *xu), *xi = malloc(ni * 2 * sizeof *xi);
    for (size_t k = 0; k < nu * 3; k++) xu[k] = (float)((k * 37) % 11) / 11.0f;
    for (size_t k = 0; k < ni * 2; k++) xi[k] = (float)((k * 13) % 7) / 7.0f;
    ck_assert_int_eq(gr_trainer_set_features(t, GR_NODE_USER, xu, nu, 3), GR_OK);
    ck_assert_int_eq(gr_trainer_set_features(t, GR_NODE_ITEM, xi, ni, 2), GR_OK);
    gr_model *m = fit(t, train);
    size_t d;
    ck_assert_int_eq(gr_model_feature_dim(&d, m, GR_NODE_USER), GR_OK);
    ck_assert_uint_eq(d, 3);
    float *back = malloc(nu * 3 * sizeof *back);
    ck_assert_int_eq(gr_model_features(back, nu, 3, m, GR_NODE_USER), GR_OK);
    ck_assert_int_eq(memcmp(back, xu, nu * 3 * sizeof *xu), 0);
    /* a new user of a caller-feature model needs its row */
    gr_new_user u = GR_NEW_USER_INIT;
    float vec[16], row[3] = { 0.5f, 0.1f, 0.9f };
    ck_assert_int_eq(gr_model_new_user_vector(vec, 16, NULL, m, &u), GR_EINVAL);
    u.features = row;
    ck_assert_int_eq(gr_model_new_user_vector(vec, 16, NULL, m, &u), GR_OK);
    gr_model_free(m);
    /* rows must match the training graph; NaN is refused; NULL goes back to the built-in features */
    ck_assert_int_eq(gr_trainer_set_features(t, GR_NODE_USER, xu, nu - 1, 3), GR_OK);
    gr_model *none = NULL;
    ck_assert_int_eq(gr_trainer_fit(&none, t, train), GR_EINVAL);
    ck_assert_ptr_nonnull(strstr(gr_last_error(), "rows"));
    xu[4] = NAN;
    ck_assert_int_eq(gr_trainer_set_features(t, GR_NODE_USER, xu, nu, 3), GR_EINVAL);
    ck_assert_int_eq(gr_trainer_set_features(t, GR_NODE_USER, NULL, 0, 0), GR_OK);
    ck_assert_int_eq(gr_trainer_set_features(t, 5, NULL, 0, 0), GR_EINVAL);
    m = fit(t, train);
    ck_assert_int_eq(gr_model_feature_dim(&d, m, GR_NODE_USER), GR_OK);
    ck_assert_uint_gt(d, 3);
    gr_model_free(m);
    free(xu);
    free(xi);
    free(back);
    gr_trainer_free(t);
}
END_TEST

START_TEST(settings_are_checked)
{
    gr_trainer *t = sage_trainer("rating", "1");
    /* ratings are needed for the rating objective */
    int64_t u[] = { 1, 1, 2 }, it[] = { 5, 6, 5 };
    gr_graph *implicit;
    ck_assert_int_eq(gr_graph_from_edges(&implicit, u, it, NULL, NULL, 3, 0), GR_OK);
    gr_model *m = NULL;
    ck_assert_int_eq(gr_trainer_fit(&m, t, implicit), GR_EINVAL);
    ck_assert_ptr_nonnull(strstr(gr_last_error(), "rating"));
    /* something to start from: features or id embeddings */
    gr_trainer_set(t, "objective", "bpr");
    gr_trainer_set(t, "features", "none");
    gr_trainer_set(t, "id_dim", "0");
    ck_assert_int_eq(gr_trainer_fit(&m, t, implicit), GR_EINVAL);
    ck_assert_ptr_null(m);
    ck_assert_int_eq(gr_trainer_set(t, "layers", "5"), GR_EINVAL);
    ck_assert_int_eq(gr_trainer_set(t, "aggregate", "sum"), GR_EINVAL);
    ck_assert_int_eq(gr_trainer_set(t, "aggregate", "levels"), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "fanout1", "-1"), GR_EINVAL);
    /* ids only, on implicit data */
    gr_trainer_set(t, "id_dim", "4");
    ck_assert_int_eq(gr_trainer_fit(&m, t, implicit), GR_OK);
    gr_model_free(m);
    gr_graph_free(implicit);
    gr_trainer_free(t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("graphsage");
    TCase *tc = tcase_create("graphsage");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, ratings_beat_the_item_mean);
    tcase_add_test(tc, ranking_beats_popularity);
    tcase_add_test(tc, results_depend_on_the_seed_only);
    tcase_add_test(tc, the_step_size_decays_to_its_floor);
    tcase_add_test(tc, model_files_keep_cold_start);
    tcase_add_test(tc, cold_start_calls);
    tcase_add_test(tc, cold_start_fields_are_checked);
    tcase_add_test(tc, rating_predictions_stay_in_the_training_range);
    tcase_add_test(tc, caller_features_replace_the_builtin_ones);
    tcase_add_test(tc, settings_are_checked);
    suite_add_tcase(s, tc);
    return fx_run(s);
}
