/* Recommendation: filters, least relevant, errors, similar items, fold-in, concurrency. */
#include <gnnrec.h>
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "models/lightgcn.h"
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
    /* the fixture is built in Check's parent process: an OpenMP team started
     * there does not survive the fork into each test, so one thread */
    gr_trainer_set(t, "threads", "1");
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

START_TEST(batch_matches_single_calls)
{
    enum { NU = 37, K = 12 };
    int64_t users[NU];
    for (size_t r = 0; r < NU; r++) users[r] = user_at((r * 7) % 120);
    users[5] = users[2]; /* a repeated user gets the same list twice */
    gr_rec_options o = GR_REC_OPTIONS_INIT;
    ck_assert_int_eq(gr_graph_genre_mask(&o.genres, g, "Comedy,Drama"), GR_OK);
    int64_t items[NU * K], one[K];
    float scores[NU * K], ones[K];
    size_t counts[NU], n;
    for (int threads = 1; threads <= 2; threads++) {
        gr_set_num_threads(threads);
        ck_assert_int_eq(gr_model_recommend_batch(counts, m, users, NU, K, &o, items, scores), GR_OK);
        for (size_t r = 0; r < NU; r++) {
            ck_assert_int_eq(gr_model_recommend(&n, m, users[r], K, &o, one, ones), GR_OK);
            ck_assert_uint_eq(counts[r], n);
            for (size_t q = 0; q < n; q++) {
                ck_assert_int_eq(items[r * K + q], one[q]);
                ck_assert_float_eq_tol(scores[r * K + q], ones[q], 1e-5);
            }
        }
    }
    gr_set_num_threads(0);
    /* a filter that leaves few items: short rows padded with -1 / NaN */
    gr_rec_options s = GR_REC_OPTIONS_INIT;
    s.has_min_score = 1;
    ck_assert_int_eq(gr_model_recommend(&n, m, users[0], 3, NULL, one, ones), GR_OK);
    s.min_score = ones[1];
    ck_assert_int_eq(gr_model_recommend_batch(counts, m, users, 1, K, &s, items, scores), GR_OK);
    ck_assert_uint_eq(counts[0], 2);
    for (size_t q = 2; q < K; q++) {
        ck_assert_int_eq(items[q], -1);
        ck_assert(isnan(scores[q]));
    }
    /* scores may be NULL; no users is an empty answer */
    ck_assert_int_eq(gr_model_recommend_batch(counts, m, users, NU, K, NULL, items, NULL), GR_OK);
    ck_assert_int_eq(gr_model_recommend_batch(counts, m, NULL, 0, K, NULL, items, NULL), GR_OK);
    /* an unknown user fails the whole call and is named */
    counts[0] = 99;
    users[3] = -31;
    ck_assert_int_eq(gr_model_recommend_batch(counts, m, users, NU, K, NULL, items, NULL), GR_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(gr_last_error(), "-31"));
    ck_assert_uint_eq(counts[0], 99);
    ck_assert_int_eq(gr_model_recommend_batch(counts, m, users, NU, 0, NULL, items, NULL), GR_ERANGE);
    ck_assert_int_eq(gr_model_recommend_batch(NULL, m, users, NU, K, NULL, items, NULL), GR_EINVAL);
}
END_TEST

/* Every user's batch list against its single call. */
static void batch_equals_single(const gr_model *mm, const int64_t *users, size_t nu, size_t k, const gr_rec_options *o)
{
    int64_t *items = malloc(nu * k * sizeof *items), *one = malloc(k * sizeof *one);
    float *scores = malloc(nu * k * sizeof *scores), *ones = malloc(k * sizeof *ones);
    size_t *counts = malloc(nu * sizeof *counts), n;
    ck_assert_int_eq(gr_model_recommend_batch(counts, mm, users, nu, k, o, items, scores), GR_OK);
    for (size_t r = 0; r < nu; r++) {
        ck_assert_int_eq(gr_model_recommend(&n, mm, users[r], k, o, one, ones), GR_OK);
        ck_assert_uint_eq(counts[r], n);
        for (size_t q = 0; q < n; q++) {
            ck_assert_int_eq(items[r * k + q], one[q]);
            ck_assert(memcmp(&scores[r * k + q], &ones[q], sizeof *ones) == 0);
        }
    }
    free(items);
    free(one);
    free(scores);
    free(ones);
    free(counts);
}

/*
 * A catalogue of several parts of the batch's scoring (2,500 items, parts
 * of GR_SCORE_PART): the lists and scores of single calls, with each
 * filter, item lists holding the parts' edges, least relevant, and
 * without excluding the users' items.
 */
START_TEST(batch_over_parts_of_a_large_catalogue_matches_single_calls)
{
    char *d2 = fx_tmpdir();
    gr_synth_options so = GR_SYNTH_OPTIONS_INIT;
    so.users = 150;
    so.items = 2500;
    so.ratings_per_user = 60;
    ck_assert_int_eq(gr_synth_write(d2, &so), GR_OK);
    gr_graph *g2;
    ck_assert_int_eq(gr_graph_load(&g2, d2, NULL), GR_OK);
    ck_assert_uint_gt(gr_graph_num_items(g2), 2048);
    gr_trainer *t;
    gr_model *m2;
    ck_assert_int_eq(gr_trainer_new(&t, GR_MODEL_MF), GR_OK);
    gr_trainer_set(t, "epochs", "2");
    gr_trainer_set(t, "dim", "16");
    ck_assert_int_eq(gr_trainer_fit(&m2, t, g2), GR_OK);
    gr_trainer_free(t);
    enum { NU = 70 };
    int64_t users[NU], listed_ids[400];
    for (size_t r = 0; r < NU; r++) ck_assert_int_eq(gr_graph_user_id(&users[r], g2, (r * 13) % 150), GR_OK);
    /* dense indices at and around the parts' edges, and spread over the rest */
    size_t nl = 0;
    static const size_t edges[] = { 0, 1023, 1024, 1025, 2047, 2048 };
    for (size_t e = 0; e < 6; e++) ck_assert_int_eq(gr_graph_item_id(&listed_ids[nl++], g2, edges[e]), GR_OK);
    for (size_t i = 7; i < gr_graph_num_items(g2) && nl < 400; i += 11)
        ck_assert_int_eq(gr_graph_item_id(&listed_ids[nl++], g2, i), GR_OK);
    gr_rec_options o = GR_REC_OPTIONS_INIT;
    batch_equals_single(m2, users, NU, 30, &o);
    o.exclude_items = listed_ids;
    o.n_exclude_items = nl;
    batch_equals_single(m2, users, NU, 30, &o);
    o.exclude_seen = 0;
    batch_equals_single(m2, users, NU, 30, &o);
    gr_rec_options only = GR_REC_OPTIONS_INIT;
    only.only_items = listed_ids;
    only.n_only_items = nl;
    only.least = 1;
    batch_equals_single(m2, users, NU, 30, &only);
    gr_rec_options few = GR_REC_OPTIONS_INIT;
    ck_assert_int_eq(gr_graph_genre_mask(&few.genres, g2, "Comedy"), GR_OK);
    batch_equals_single(m2, users, NU, 1500, &few);
    gr_model_free(m2);
    gr_graph_free(g2);
    fx_rmtree(d2);
    free(d2);
}
END_TEST

static int listed(const int64_t *ids, size_t n, int64_t id)
{
    for (size_t k = 0; k < n; k++)
        if (ids[k] == id) return 1;
    return 0;
}

START_TEST(item_lists_filter_every_call)
{
    int64_t user = user_at(9), top[10], items[10];
    size_t n;
    ck_assert_int_eq(gr_model_recommend(&n, m, user, 10, NULL, top, NULL), GR_OK);
    /* exclude the first three of the unfiltered list, plus an unknown id */
    int64_t ex[4] = { top[0], top[1], top[2], 987654321 };
    gr_rec_options o = GR_REC_OPTIONS_INIT;
    o.exclude_items = ex;
    o.n_exclude_items = 4;
    ck_assert_int_eq(gr_model_recommend(&n, m, user, 7, &o, items, NULL), GR_OK);
    ck_assert_uint_eq(n, 7);
    ck_assert_mem_eq(items, top + 3, 7 * sizeof *items);
    size_t count;
    ck_assert_int_eq(gr_model_recommend_batch(&count, m, &user, 1, 7, &o, items, NULL), GR_OK);
    ck_assert_mem_eq(items, top + 3, 7 * sizeof *items);
    int64_t liked[3];
    for (size_t k = 0; k < 3; k++) gr_graph_item_id(&liked[k], g, k * 5);
    ck_assert_int_eq(gr_model_recommend_liked(&n, m, liked, 3, 10, &o, items, NULL), GR_OK);
    for (size_t r = 0; r < n; r++) ck_assert(!listed(ex, 3, items[r]));
    ck_assert_int_eq(gr_model_similar_items(&n, m, liked[0], 10, &o, items, NULL), GR_OK);
    for (size_t r = 0; r < n; r++) ck_assert(!listed(ex, 3, items[r]));
    /* only: candidates restricted to a list, ranked as before */
    int64_t only[5] = { top[8], top[2], top[5], liked[1], 123456789 };
    gr_rec_options w = GR_REC_OPTIONS_INIT;
    w.only_items = only;
    w.n_only_items = 5;
    ck_assert_int_eq(gr_model_recommend(&n, m, user, 10, &w, items, NULL), GR_OK);
    ck_assert_uint_ge(n, 3);
    ck_assert_int_eq(items[0], top[2]);
    ck_assert_int_eq(items[1], top[5]);
    ck_assert_int_eq(items[2], top[8]);
    for (size_t r = 0; r < n; r++) ck_assert(listed(only, 4, items[r]));
    ck_assert_int_eq(gr_model_recommend_liked(&n, m, liked, 3, 10, &w, items, NULL), GR_OK);
    for (size_t r = 0; r < n; r++) ck_assert(listed(only, 3, items[r])); /* liked[1] is seen */
    ck_assert_int_eq(gr_model_similar_items(&n, m, liked[0], 10, &w, items, NULL), GR_OK);
    ck_assert_uint_eq(n, 4);
    /* both at once, and an empty only-list */
    w.exclude_items = ex;
    w.n_exclude_items = 4;
    ck_assert_int_eq(gr_model_recommend(&n, m, user, 10, &w, items, NULL), GR_OK);
    ck_assert_int_eq(items[0], top[5]);
    w.n_only_items = 0;
    ck_assert_int_eq(gr_model_recommend(&n, m, user, 10, &w, items, NULL), GR_OK);
    ck_assert_uint_eq(n, 0);
    w.only_items = NULL;
    w.n_only_items = 2;
    ck_assert_int_eq(gr_model_recommend(&n, m, user, 10, &w, items, NULL), GR_EINVAL);
}
END_TEST

/* A caller compiled against version 1 passes the shorter struct. */
typedef struct rec_options_v1 {
    unsigned int version;
    int exclude_seen, least;
    uint64_t genres;
    int year_min, year_max, has_min_score;
    double min_score;
} rec_options_v1;

START_TEST(version_1_options_still_work)
{
    ck_assert_uint_eq(sizeof(rec_options_v1), offsetof(gr_rec_options, exclude_items));
    rec_options_v1 *v1 = malloc(sizeof *v1); /* exactly v1's size: reading past it is caught by ASan */
    memset(v1, 0, sizeof *v1);
    v1->version = 1;
    v1->exclude_seen = 1;
    v1->least = 1;
    int64_t user = user_at(11), a[10], b[10];
    size_t n;
    ck_assert_int_eq(gr_model_recommend(&n, m, user, 10, (const gr_rec_options *)v1, a, NULL), GR_OK);
    gr_rec_options o = GR_REC_OPTIONS_INIT;
    o.least = 1;
    ck_assert_int_eq(gr_model_recommend(&n, m, user, 10, &o, b, NULL), GR_OK);
    ck_assert_mem_eq(a, b, sizeof a);
    v1->version = 3;
    ck_assert_int_eq(gr_model_recommend(&n, m, user, 10, (const gr_rec_options *)v1, a, NULL), GR_EINVAL);
    free(v1);
}
END_TEST

START_TEST(similar_users_are_nearest_by_cosine)
{
    int64_t user = user_at(6), users[8];
    float scores[8];
    size_t n, d = gr_model_dim(m);
    ck_assert_int_eq(gr_model_similar_users(&n, m, user, 8, users, scores), GR_OK);
    ck_assert_uint_eq(n, 8);
    float *v = malloc(d * sizeof *v), *w = malloc(d * sizeof *w);
    gr_model_user_vector(v, d, m, user);
    for (size_t r = 0; r < n; r++) {
        ck_assert_int_ne(users[r], user);
        if (r) ck_assert(scores[r] <= scores[r - 1]);
        gr_model_user_vector(w, d, m, users[r]);
        double vw = 0, vv = 0, ww = 0;
        for (size_t j = 0; j < d; j++) {
            vw += (double)v[j] * w[j];
            vv += (double)v[j] * v[j];
            ww += (double)w[j] * w[j];
        }
        ck_assert_float_eq_tol(scores[r], vw / sqrt(vv * ww), 1e-4);
    }
    /* no other user is closer than the last one returned */
    for (size_t u = 0; u < gr_graph_num_users(g); u++) {
        int64_t id = user_at(u);
        if (id == user || listed(users, n, id)) continue;
        gr_model_user_vector(w, d, m, id);
        double vw = 0, vv = 0, ww = 0;
        for (size_t j = 0; j < d; j++) {
            vw += (double)v[j] * w[j];
            vv += (double)v[j] * v[j];
            ww += (double)w[j] * w[j];
        }
        ck_assert(vw / sqrt(vv * ww) <= scores[n - 1] + 1e-4);
    }
    ck_assert_int_eq(gr_model_similar_users(&n, m, -4, 8, users, scores), GR_ENOTFOUND);
    ck_assert_int_eq(gr_model_similar_users(&n, m, user, gr_graph_num_users(g) + 1, users, scores), GR_ERANGE);
    ck_assert_int_eq(gr_model_similar_users(&n, m, user, 0, users, scores), GR_ERANGE);
    free(v);
    free(w);
}
END_TEST

static float dot_items(const gr_model *mm, const float *v, int64_t item)
{
    size_t d = gr_model_dim(mm);
    float *w = malloc(d * sizeof *w);
    gr_model_item_vector(w, d, mm, item);
    double s = 0;
    for (size_t j = 0; j < d; j++) s += (double)v[j] * w[j];
    free(w);
    return (float)s;
}

/* Contributions sum to the fold-in score, come largest first, and name
 * exactly the user's training items; returns the total. */
static float check_contributions(const gr_model *mm, const gr_graph *gg, int64_t user, int64_t item)
{
    int64_t hist[1024];
    size_t nh, n;
    gr_graph_user_items(&nh, gg, user, hist, NULL, 1024);
    gr_contribution c[1024];
    float total;
    ck_assert_int_eq(gr_model_explain_items(&n, &total, mm, user, item, c, 1024), GR_OK);
    ck_assert_uint_eq(n, nh);
    double sum = 0, mag = 0;
    for (size_t k = 0; k < n; k++) {
        sum += c[k].weight;
        mag += fabs(c[k].weight);
        ck_assert(listed(hist, nh, c[k].item));
        if (k) ck_assert(c[k].weight <= c[k - 1].weight);
    }
    ck_assert_float_eq_tol(sum, total, 1e-5 * (1 + mag));
    /* the total is the score gr_model_recommend_liked gives the history */
    size_t d = gr_model_dim(mm);
    float *v = malloc(d * sizeof *v);
    ck_assert_int_eq(gr_model_fold_in(v, d, mm, hist, nh), GR_OK);
    ck_assert_float_eq_tol(dot_items(mm, v, item), total, 1e-5 * (1 + mag));
    free(v);
    /* a cap keeps the largest; cap 0 still gives the total */
    gr_contribution top[3];
    float t2;
    ck_assert_int_eq(gr_model_explain_items(&n, &t2, mm, user, item, top, 3), GR_OK);
    ck_assert_uint_eq(n, 3);
    for (size_t k = 0; k < 3; k++) {
        ck_assert_int_eq(top[k].item, c[k].item);
        ck_assert_float_eq(top[k].weight, c[k].weight);
    }
    ck_assert_int_eq(gr_model_explain_items(&n, &t2, mm, user, item, NULL, 0), GR_OK);
    ck_assert_uint_eq(n, 0);
    ck_assert_float_eq(t2, total);
    return total;
}

START_TEST(lightgcn_scores_split_over_history_items)
{
    int64_t user = user_at(13), rec[5];
    size_t n;
    ck_assert_int_eq(gr_model_recommend(&n, m, user, 5, NULL, rec, NULL), GR_OK);
    for (size_t r = 0; r < n; r++) {
        float total = check_contributions(m, g, user, rec[r]);
        /* the trained score differs by the user's own layer-0 term only:
         * score = total + <e0_u - h1_u, e_item> / (K + 1) */
        const gr_lightgcn_state *st = m->state;
        size_t d = m->dim, u = (size_t)gr_graph_user_index(g, user);
        const gr_csr *ui = &m->graph->ui;
        size_t deg_u = gr_csr_degree(ui, u);
        float *diff = calloc(d, sizeof *diff);
        for (size_t j = 0; j < d; j++) diff[j] = st->e0[u * d + j];
        for (int64_t e = ui->ptr[u]; e < ui->ptr[u + 1]; e++) {
            size_t i = (size_t)ui->col[e], deg_i = gr_csr_degree(&m->graph->iu, i);
            for (size_t j = 0; j < d; j++) diff[j] -= st->e0[(m->n_users + i) * d + j] / sqrtf((float)(deg_u * deg_i));
        }
        for (size_t j = 0; j < d; j++) diff[j] /= (float)(st->layers + 1);
        float score;
        ck_assert_int_eq(gr_model_score(&score, m, user, rec[r]), GR_OK);
        ck_assert_float_eq_tol(score, total + dot_items(m, diff, rec[r]), 1e-4);
        free(diff);
    }
    /* a new user: repeated liked ids count once */
    int64_t liked[4];
    for (size_t k = 0; k < 3; k++) gr_graph_item_id(&liked[k], g, k * 7);
    liked[3] = liked[0];
    gr_contribution a[4], b[4];
    float ta, tb;
    size_t na, nb;
    ck_assert_int_eq(gr_model_explain_liked(&na, &ta, m, liked, 4, rec[0], a, 4), GR_OK);
    ck_assert_int_eq(gr_model_explain_liked(&nb, &tb, m, liked, 3, rec[0], b, 4), GR_OK);
    ck_assert_uint_eq(na, 3);
    ck_assert_uint_eq(nb, 3);
    for (size_t k = 0; k < 3; k++) {
        ck_assert_int_eq(a[k].item, b[k].item);
        ck_assert_float_eq(a[k].weight, b[k].weight);
    }
    ck_assert_float_eq_tol(a[0].weight + a[1].weight + a[2].weight, ta, 1e-5);
    /* errors */
    ck_assert_int_eq(gr_model_explain_items(&n, &ta, m, -8, rec[0], a, 4), GR_ENOTFOUND);
    ck_assert_int_eq(gr_model_explain_items(&n, &ta, m, user, -9, a, 4), GR_ENOTFOUND);
    ck_assert_int_eq(gr_model_explain_items(&n, NULL, m, user, rec[0], a, 4), GR_EINVAL);
    liked[1] = 424242;
    ck_assert_int_eq(gr_model_explain_liked(&n, &ta, m, liked, 2, rec[0], a, 4), GR_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(gr_last_error(), "424242"));
}
END_TEST

START_TEST(mf_scores_split_over_history_items)
{
    gr_trainer *t;
    gr_model *mf;
    ck_assert_int_eq(gr_trainer_new(&t, GR_MODEL_MF), GR_OK);
    gr_trainer_set(t, "epochs", "3");
    gr_trainer_set(t, "dim", "8");
    ck_assert_int_eq(gr_trainer_fit(&mf, t, g), GR_OK);
    gr_trainer_free(t);
    int64_t user = user_at(21), rec[3];
    size_t n;
    ck_assert_int_eq(gr_model_recommend(&n, mf, user, 3, NULL, rec, NULL), GR_OK);
    for (size_t r = 0; r < n; r++) check_contributions(mf, g, user, rec[r]);
    /* MF: each term is <e_liked, e_item> / |history| */
    int64_t hist[1024];
    size_t nh;
    gr_graph_user_items(&nh, g, user, hist, NULL, 1024);
    gr_contribution c[1];
    float total;
    ck_assert_int_eq(gr_model_explain_items(&n, &total, mf, user, rec[0], c, 1), GR_OK);
    float *v = malloc(8 * sizeof *v);
    gr_model_item_vector(v, 8, mf, c[0].item);
    ck_assert_float_eq_tol(c[0].weight, dot_items(mf, v, rec[0]) / (float)nh, 1e-5);
    free(v);
    gr_model_free(mf);
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

/* gr_model_items_t from a thread, all of them released at once. */
typedef struct table_job {
    const gr_model *m;
    pthread_barrier_t *start;
    const float *got;
} table_job;

static void *take_table(void *arg)
{
    table_job *j = arg;
    pthread_barrier_wait(j->start);
    j->got = gr_model_items_t(j->m);
    return NULL;
}

/* The transposed item table is made by the first scoring, not by a load
 * or gr_model_finish, and once however many threads ask for it at once. */
START_TEST(item_table_is_made_once_on_first_use)
{
    char *path = fx_path(dir, "table.gnr");
    ck_assert_int_eq(gr_model_save(m, path), GR_OK);
    gr_model *l;
    ck_assert_int_eq(gr_model_load(&l, path), GR_OK);
    ck_assert_ptr_null(l->item_vec_t);
    enum { N = 6 };
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, N);
    table_job jobs[N];
    pthread_t th[N];
    for (int k = 0; k < N; k++) {
        jobs[k] = (table_job){ l, &start, NULL };
        pthread_create(&th[k], NULL, take_table, &jobs[k]);
    }
    for (int k = 0; k < N; k++) pthread_join(th[k], NULL);
    pthread_barrier_destroy(&start);
    ck_assert_ptr_nonnull(jobs[0].got);
    for (int k = 0; k < N; k++) ck_assert_ptr_eq(jobs[k].got, l->item_vec_t);
    const float *t = l->item_vec_t;
    for (size_t c = 0; c < l->dim; c++) {
        for (size_t i = 0; i < l->n_items; i++) ck_assert(t[c * l->item_stride + i] == l->item_vec[i * l->dim + c]);
        for (size_t i = l->n_items; i < l->item_stride; i++) ck_assert(t[c * l->item_stride + i] == 0.0f);
    }
    /* new vectors drop it; the next scoring makes it again, with the same answers */
    ck_assert_int_eq(gr_model_finish(l), GR_OK);
    ck_assert_ptr_null(l->item_vec_t);
    int64_t a[20], b[20];
    size_t na, nb;
    ck_assert_int_eq(gr_model_recommend(&na, m, user_at(3), 20, NULL, a, NULL), GR_OK);
    ck_assert_int_eq(gr_model_recommend(&nb, l, user_at(3), 20, NULL, b, NULL), GR_OK);
    ck_assert_ptr_nonnull(l->item_vec_t);
    ck_assert_uint_eq(na, nb);
    ck_assert_mem_eq(a, b, na * sizeof *a);
    /* given back while the model waits, made again by the next scoring */
    gr_model_drop_items_t(l);
    ck_assert_ptr_null(l->item_vec_t);
    ck_assert_int_eq(gr_model_recommend(&nb, l, user_at(3), 20, NULL, b, NULL), GR_OK);
    ck_assert_ptr_nonnull(l->item_vec_t);
    ck_assert_uint_eq(na, nb);
    ck_assert_mem_eq(a, b, na * sizeof *a);
    gr_model_free(l);
    free(path);
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
    tcase_add_test(tc, item_table_is_made_once_on_first_use);
    tcase_add_test(tc, batch_matches_single_calls);
    tcase_add_test(tc, batch_over_parts_of_a_large_catalogue_matches_single_calls);
    tcase_add_test(tc, item_lists_filter_every_call);
    tcase_add_test(tc, version_1_options_still_work);
    tcase_add_test(tc, similar_users_are_nearest_by_cosine);
    tcase_add_test(tc, lightgcn_scores_split_over_history_items);
    tcase_add_test(tc, mf_scores_split_over_history_items);
    suite_add_tcase(s, tc);
    return fx_run(s);
}
