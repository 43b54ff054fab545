/* Recommendation: filters, least relevant, errors, similar items, fold-in, concurrency. */
#include <gnnrec.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "models/model.h"

static char *dir;
static gr_graph *g;
static gr_model *m;

static void setup(void)
{
    dir = fx_tmpdir();
    gr_synth_options so = GR_SYNTH_OPTIONS_INIT;
    so.users = 120;
    so.items = 150;
    so.ratings_per_user = 20;
    ck_assert_int_eq(gr_synth_write(dir, &so), GR_OK);
    ck_assert_int_eq(gr_graph_load(&g, dir, NULL), GR_OK);
    gr_trainer *t;
    ck_assert_int_eq(gr_trainer_new(&t, GR_MODEL_LIGHTGCN), GR_OK);
    gr_trainer_set(t, "epochs", "5");
    gr_trainer_set(t, "dim", "16");
    gr_trainer_set(t, "mode", "paper");
    gr_trainer_set(t, "lr", "0.01");
    ck_assert_int_eq(gr_trainer_fit(&m, t, g), GR_OK);
    gr_trainer_free(t);
}

static void teardown(void)
{
    gr_model_free(m);
    gr_graph_free(g);
    fx_rmtree(dir);
    free(dir);
}

static int64_t user_at(size_t k)
{
    int64_t id;
    ck_assert_int_eq(gr_graph_user_id(&id, g, k), GR_OK);
    return id;
}

static int seen(int64_t user, int64_t item)
{
    size_t n;
    int64_t items[1024];
    gr_graph_user_items(&n, g, user, items, NULL, 1024);
    for (size_t k = 0; k < n; k++)
        if (items[k] == item) return 1;
    return 0;
}

START_TEST(top_k_is_sorted_unseen_and_matches_scores)
{
    int64_t user = user_at(4), items[20];
    float scores[20];
    size_t n;
    ck_assert_int_eq(gr_model_recommend(&n, m, user, 20, NULL, items, scores), GR_OK);
    ck_assert_uint_eq(n, 20);
    for (size_t r = 0; r < n; r++) {
        ck_assert(!seen(user, items[r]));
        float s;
        ck_assert_int_eq(gr_model_score(&s, m, user, items[r]), GR_OK);
        ck_assert_float_eq_tol(s, scores[r], 1e-5);
        if (r) ck_assert(scores[r] <= scores[r - 1]);
    }
    /* no unseen item outscores the last one returned */
    for (size_t i = 0; i < gr_graph_num_items(g); i++) {
        int64_t item;
        gr_graph_item_id(&item, g, i);
        float s;
        gr_model_score(&s, m, user, item);
        int listed = 0;
        for (size_t r = 0; r < n; r++) listed |= items[r] == item;
        if (!listed && !seen(user, item)) ck_assert(s <= scores[n - 1] + 1e-6);
    }
    /* with seen items included the user's training items can appear */
    gr_rec_options o = GR_REC_OPTIONS_INIT;
    o.exclude_seen = 0;
    size_t ni = gr_graph_num_items(g);
    int64_t *all = malloc(ni * sizeof *all);
    ck_assert_int_eq(gr_model_recommend(&n, m, user, ni, &o, all, NULL), GR_OK);
    ck_assert_uint_eq(n, ni);
    free(all);
}
END_TEST

START_TEST(filters_by_genre_year_and_score)
{
    int64_t user = user_at(7), items[50];
    float scores[50];
    size_t n;
    gr_rec_options o = GR_REC_OPTIONS_INIT;
    ck_assert_int_eq(gr_graph_genre_mask(&o.genres, g, "Comedy, drama"), GR_OK);
    ck_assert_uint_ne(o.genres, 0);
    o.year_min = 1980;
    o.year_max = 2000;
    ck_assert_int_eq(gr_model_recommend(&n, m, user, 50, &o, items, scores), GR_OK);
    ck_assert_uint_gt(n, 0);
    for (size_t r = 0; r < n; r++) {
        ck_assert_uint_ne(gr_graph_item_genres(g, items[r]) & o.genres, 0);
        int y = gr_graph_item_year(g, items[r]);
        ck_assert(y >= 1980 && y <= 2000);
    }
    gr_rec_options s = GR_REC_OPTIONS_INIT;
    s.has_min_score = 1;
    s.min_score = scores[0] - 1e-3;
    ck_assert_int_eq(gr_model_recommend(&n, m, user, 50, &s, items, scores), GR_OK);
    for (size_t r = 0; r < n; r++) ck_assert(scores[r] >= s.min_score);
    s.min_score = 1e9;
    ck_assert_int_eq(gr_model_recommend(&n, m, user, 50, &s, items, scores), GR_OK);
    ck_assert_uint_eq(n, 0);
    uint64_t mask;
    ck_assert_int_eq(gr_graph_genre_mask(&mask, g, "Comedy,Nope"), GR_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(gr_last_error(), "Nope"));
    o.year_min = 2001;
    ck_assert_int_eq(gr_model_recommend(&n, m, user, 5, &o, items, scores), GR_EINVAL);
}
END_TEST

START_TEST(least_relevant_are_the_lowest_scores)
{
    int64_t user = user_at(2), top[10], low[10];
    float ts[10], ls[10];
    size_t n;
    gr_rec_options o = GR_REC_OPTIONS_INIT;
    o.least = 1;
    ck_assert_int_eq(gr_model_recommend(&n, m, user, 10, &o, low, ls), GR_OK);
    ck_assert_uint_eq(n, 10);
    for (size_t r = 1; r < n; r++) ck_assert(ls[r] >= ls[r - 1]);
    ck_assert_int_eq(gr_model_recommend(&n, m, user, 10, NULL, top, ts), GR_OK);
    ck_assert(ls[9] < ts[9]);
    for (size_t i = 0; i < gr_graph_num_items(g); i++) {
        int64_t item;
        gr_graph_item_id(&item, g, i);
        float s;
        gr_model_score(&s, m, user, item);
        if (!seen(user, item)) ck_assert(s >= ls[0] - 1e-6);
    }
}
END_TEST

START_TEST(bad_calls_are_errors)
{
    int64_t items[4];
    size_t n;
    size_t ni = gr_graph_num_items(g);
    int64_t *big = malloc((ni + 1) * sizeof *big);
    ck_assert_int_eq(gr_model_recommend(&n, m, user_at(0), ni + 1, NULL, big, NULL), GR_ERANGE);
    ck_assert_int_eq(gr_model_recommend(&n, m, user_at(0), 0, NULL, items, NULL), GR_ERANGE);
    ck_assert_int_eq(gr_model_recommend(&n, m, -77, 4, NULL, items, NULL), GR_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(gr_last_error(), "-77"));
    ck_assert_int_eq(gr_model_recommend(&n, NULL, 1, 4, NULL, items, NULL), GR_EINVAL);
    ck_assert_int_eq(gr_model_recommend(NULL, m, 1, 4, NULL, items, NULL), GR_EINVAL);
    ck_assert_int_eq(gr_model_similar_items(&n, m, -5, 4, NULL, items, NULL), GR_ENOTFOUND);
    int64_t liked[] = { 1, 999999 };
    ck_assert_int_eq(gr_model_recommend_liked(&n, m, liked, 2, 4, NULL, items, NULL), GR_ENOTFOUND);
    gr_rec_options o = GR_REC_OPTIONS_INIT;
    o.version = 0;
    ck_assert_int_eq(gr_model_recommend(&n, m, user_at(0), 4, &o, items, NULL), GR_EINVAL);
    float v[3];
    ck_assert_int_eq(gr_model_user_vector(v, 3, m, user_at(0)), GR_EINVAL);
    float s;
    ck_assert_int_eq(gr_model_score(&s, m, user_at(0), -1), GR_ENOTFOUND);
    free(big);
}
END_TEST

START_TEST(similar_items_exclude_the_item)
{
    int64_t item, items[10];
    float scores[10];
    size_t n;
    gr_graph_item_id(&item, g, 3);
    ck_assert_int_eq(gr_model_similar_items(&n, m, item, 10, NULL, items, scores), GR_OK);
    ck_assert_uint_eq(n, 10);
    for (size_t r = 0; r < n; r++) {
        ck_assert_int_ne(items[r], item);
        ck_assert(scores[r] <= 1.0f + 1e-5f && scores[r] >= -1.0f - 1e-5f);
        if (r) ck_assert(scores[r] <= scores[r - 1]);
    }
}
END_TEST

START_TEST(liked_items_are_excluded_from_fold_in)
{
    int64_t liked[3], items[10];
    for (size_t k = 0; k < 3; k++) gr_graph_item_id(&liked[k], g, k * 5);
    size_t n;
    ck_assert_int_eq(gr_model_recommend_liked(&n, m, liked, 3, 10, NULL, items, NULL), GR_OK);
    ck_assert_uint_eq(n, 10);
    for (size_t r = 0; r < n; r++)
        for (size_t k = 0; k < 3; k++) ck_assert_int_ne(items[r], liked[k]);
    /* no liked items: every score would be 0 and the list the first items by index */
    ck_assert_int_eq(gr_model_recommend_liked(&n, m, NULL, 0, 10, NULL, items, NULL), GR_EINVAL);
    ck_assert_ptr_nonnull(strstr(gr_last_error(), "no liked items"));
    ck_assert_int_eq(gr_model_recommend_liked(&n, m, liked, 0, 10, NULL, items, NULL), GR_EINVAL);
}
END_TEST

typedef struct job {
    int64_t user;
    int64_t expect[20];
    int ok;
} job;

static void *hammer(void *arg)
{
    job *j = arg;
    j->ok = 1;
    for (int k = 0; k < 300; k++) {
        int64_t items[20];
        size_t n;
        if (gr_model_recommend(&n, m, j->user, 20, NULL, items, NULL) != GR_OK || n != 20 ||
            memcmp(items, j->expect, sizeof items) != 0)
            j->ok = 0;
    }
    return NULL;
}

START_TEST(many_threads_share_one_model)
{
    job jobs[6];
    pthread_t th[6];
    for (int k = 0; k < 6; k++) {
        size_t n;
        jobs[k].user = user_at((size_t)k * 11);
        ck_assert_int_eq(gr_model_recommend(&n, m, jobs[k].user, 20, NULL, jobs[k].expect, NULL), GR_OK);
    }
    for (int k = 0; k < 6; k++) pthread_create(&th[k], NULL, hammer, &jobs[k]);
    for (int k = 0; k < 6; k++) pthread_join(th[k], NULL);
    for (int k = 0; k < 6; k++) ck_assert(jobs[k].ok);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("recommend");
    TCase *tc = tcase_create("recommend");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_add_test(tc, top_k_is_sorted_unseen_and_matches_scores);
    tcase_add_test(tc, filters_by_genre_year_and_score);
    tcase_add_test(tc, least_relevant_are_the_lowest_scores);
    tcase_add_test(tc, bad_calls_are_errors);
    tcase_add_test(tc, similar_items_exclude_the_item);
    tcase_add_test(tc, liked_items_are_excluded_from_fold_in);
    tcase_add_test(tc, many_threads_share_one_model);
    suite_add_tcase(s, tc);
    return fx_run(s);
}
