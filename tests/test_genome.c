/* Tag-genome item features: reading and its errors, the reduction against a
 * dense reference, GraphSAGE cold start with and without the genome. */
#include <gnnrec.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "fixtures.h"
#include "linalg/small.h"

#define RANK 5    /* planted factors per item */
#define TAGS 40
#define GROUPS 5
/* Smallest gain in cold-item group AUC the genome must bring: over seeds
 * 1..12 the gain was 0.410 .. 0.492 (0.5 without: a cold item without
 * features gets one vector for all), so 0.25 holds with room. */
#define MARGIN 0.25

/* Planted structure: items of a group share a factor centre; an item's
 * factors are its centre plus a small own part; relevance is an affine
 * function of the factors, so the centred matrix has rank RANK. */
static void item_factors(double *f, int64_t item, size_t per_group, uint64_t seed)
{
    size_t grp = (size_t)(item - 5000) / per_group;
    gr_rng c = gr_rng_make(seed, 1000 + grp), o = gr_rng_make(seed, 2000 + (uint64_t)item);
    for (int j = 0; j < RANK; j++) f[j] = 2 * gr_rng_unit(&c) - 1 + 0.3 * (2 * gr_rng_unit(&o) - 1);
}

static double relevance(const double *f, int tag, uint64_t seed)
{
    gr_rng b = gr_rng_make(seed, 3000 + (uint64_t)tag);
    double s = 0;
    for (int j = 0; j < RANK; j++) s += f[j] * (2 * gr_rng_unit(&b) - 1);
    return 0.5 + 0.07 * s;
}

/* genome-tags.csv (tag ids 1..TAGS) and genome-scores.csv for items
 * 5000 .. 5000 + n_items - 1. */
static void write_genome(const char *dir, size_t n_items, size_t per_group, uint64_t seed)
{
    char *p = fx_path(dir, "genome-tags.csv");
    FILE *f = fopen(p, "wb");
    ck_assert_ptr_nonnull(f);
    fputs("tagId,tag\n", f);
    for (int c = 1; c <= TAGS; c++) fprintf(f, "%d,\"tag, number %d\"\n", c, c);
    fclose(f);
    free(p);
    p = fx_path(dir, "genome-scores.csv");
    f = fopen(p, "wb");
    ck_assert_ptr_nonnull(f);
    fputs("movieId,tagId,relevance\n", f);
    for (size_t i = 0; i < n_items; i++) {
        double fac[RANK];
        item_factors(fac, (int64_t)(5000 + i), per_group, seed);
        for (int c = 1; c <= TAGS; c++) fprintf(f, "%zu,%d,%.6f\n", 5000 + i, c, relevance(fac, c, seed));
    }
    fclose(f);
    free(p);
}

/* Every item 5000..5000+items-1 rated by at least one user. */
static gr_graph *all_items_graph(size_t items)
{
    int64_t *u = malloc(items * sizeof *u), *it = malloc(items * sizeof *it);
    for (size_t i = 0; i < items; i++) {
        u[i] = (int64_t)(i % 7);
        it[i] = (int64_t)(5000 + i);
    }
    gr_graph *g;
    ck_assert_int_eq(gr_graph_from_edges(&g, u, it, NULL, NULL, items, 0), GR_OK);
    free(u);
    free(it);
    return g;
}

START_TEST(reads_the_files)
{
    char *dir = fx_tmpdir();
    write_genome(dir, 30, 6, 1);
    gr_genome *gn;
    ck_assert_int_eq(gr_genome_read(&gn, dir), GR_OK);
    ck_assert_uint_eq(gr_genome_n_tags(gn), TAGS);
    ck_assert_uint_eq(gr_genome_n_movies(gn), 30);
    int64_t id;
    ck_assert_int_eq(gr_genome_tag_id(&id, gn, 3), GR_OK);
    ck_assert_int_eq(id, 4);
    ck_assert_int_eq(gr_genome_tag_id(&id, gn, TAGS), GR_ERANGE);
    float row[TAGS];
    double fac[RANK];
    ck_assert_int_eq(gr_genome_scores(row, TAGS, gn, 5007), GR_OK);
    item_factors(fac, 5007, 6, 1);
    ck_assert_float_eq_tol(row[9], relevance(fac, 10, 1), 1e-6);
    ck_assert_int_eq(gr_genome_scores(row, TAGS, gn, 42), GR_ENOTFOUND);
    ck_assert_uint_eq(gr_genome_dim(gn), 0);
    ck_assert_int_eq(gr_genome_project(row, 1, gn, row, TAGS), GR_EINVAL); /* not fitted */
    gr_genome_free(gn);
    fx_rmtree(dir);
    free(dir);
}
END_TEST

/* Read a genome whose scores file is `scores`; the message must hold `want`. */
static void expect_error(const char *tags, const char *scores, int code, const char *want)
{
    char *dir = fx_tmpdir();
    free(fx_write(dir, "genome-tags.csv", tags));
    free(fx_write(dir, "genome-scores.csv", scores));
    gr_genome *gn = (gr_genome *)1;
    ck_assert_int_eq(gr_genome_read(&gn, dir), code);
    ck_assert_ptr_null(gn);
    if (!strstr(gr_last_error(), want)) ck_abort_msg("error '%s' lacks '%s'", gr_last_error(), want);
    fx_rmtree(dir);
    free(dir);
}

START_TEST(errors_name_file_line_and_field)
{
    const char *tags = "tagId,tag\n1,dark\n2,funny\n";
    expect_error(tags, "movieId,tagId,relevance\n1,1,0.5\n1,2,1.5\n", GR_EFORMAT,
                 "genome-scores.csv:3: field 'relevance': expected a number in [0, 1], got '1.5'");
    expect_error(tags, "movieId,tagId,relevance\n1,1,nan\n", GR_EFORMAT, "genome-scores.csv:2: field 'relevance'");
    expect_error(tags, "movieId,tagId,relevance\n1,1,0.5\n1,3,0.5\n", GR_EFORMAT,
                 "genome-scores.csv:3: field 'tagId': tag 3 is not in genome-tags.csv");
    expect_error(tags, "movieId,tagId,relevance\nx,1,0.5\n", GR_EFORMAT, "genome-scores.csv:2: field 'movieId'");
    expect_error(tags, "movieId,tagId,relevance\n1,1,0.5\n1,1,0.25\n", GR_EFORMAT,
                 "genome-scores.csv:3: movie 1, tag 1 repeats");
    expect_error(tags, "movieId,tagId,relevance\n1,1,0.5\n1,2\n", GR_EFORMAT, "genome-scores.csv:3: too few fields");
    expect_error(tags, "movieId,tagId,relevance\n1,1,0.5\n1,2,0.5\n2,2,0.5\n", GR_EFORMAT,
                 "genome-scores.csv: movie 2 has no relevance for tag 1");
    expect_error("tagId,tag\n1,dark\n1,again\n", "1,1,0.5\n", GR_EFORMAT, "genome-tags.csv:3: field 'tagId': tag 1 repeats");
    expect_error("tagId,tag\n1,\n", "1,1,0.5\n", GR_EFORMAT, "genome-tags.csv:2: field 'tag'");
    expect_error("tagId,tag\n", "1,1,0.5\n", GR_EFORMAT, "genome-tags.csv: no tags");
    gr_genome *gn;
    ck_assert_int_eq(gr_genome_read(&gn, "/nonexistent-genome-dir"), GR_EIO);
    ck_assert_ptr_nonnull(strstr(gr_last_error(), "genome-tags.csv"));
}
END_TEST

/* Singular values of the centred genome rows of `n` items, from the
 * eigenvalues of the t x t Gram matrix in double. */
static void dense_sigma(double *sigma, const gr_genome *gn, size_t n)
{
    size_t t = TAGS;
    float *x = malloc(n * t * sizeof *x);
    double mean[TAGS] = { 0 }, *g = calloc(t * t, sizeof *g), w[TAGS], *v = malloc(t * t * sizeof *v);
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(gr_genome_scores(x + i * t, t, gn, (int64_t)(5000 + i)), GR_OK);
        for (size_t c = 0; c < t; c++) mean[c] += x[i * t + c] / (double)n;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t a = 0; a < t; a++)
            for (size_t b = 0; b < t; b++) g[a * t + b] += (x[i * t + a] - mean[a]) * (x[i * t + b] - mean[b]);
    ck_assert_int_ge(gr_sym_eigen(g, w, v, t), 0);
    /* descending order */
    for (size_t a = 0; a < t; a++)
        for (size_t b = a + 1; b < t; b++)
            if (w[b] > w[a]) {
                double s = w[a];
                w[a] = w[b];
                w[b] = s;
            }
    for (size_t a = 0; a < t; a++) sigma[a] = sqrt(w[a] > 0 ? w[a] : 0);
    free(x);
    free(g);
    free(v);
}

START_TEST(reduction_recovers_the_planted_rank)
{
    size_t n = 120, dim = 8;
    char *dir = fx_tmpdir();
    write_genome(dir, n, 24, 7);
    gr_genome *gn;
    ck_assert_int_eq(gr_genome_read(&gn, dir), GR_OK);
    gr_graph *g = all_items_graph(n);
    float sigma[8];
    double ref[TAGS];
    ck_assert_int_eq(gr_genome_fit(gn, g, dim, 3, sigma), GR_OK);
    ck_assert_uint_eq(gr_genome_dim(gn), dim);
    dense_sigma(ref, gn, n);
    for (size_t j = 0; j < dim; j++) fprintf(stderr, "sigma[%zu] %.6f (dense %.6f)\n", j, sigma[j], ref[j]);
    for (size_t j = 0; j < RANK; j++) ck_assert_double_eq_tol(sigma[j], ref[j], 1e-3 * ref[0]);
    /* the planted rank: nothing beyond RANK but the 6-decimal rounding of the file */
    ck_assert_double_gt(sigma[RANK - 1], 100 * sigma[RANK]);
    ck_assert_double_lt(sigma[RANK], 1e-3 * ref[0]);
    /* the block: centred, mean column variance 1, and each row the projection of its scores */
    float *x = malloc(n * dim * sizeof *x), row[TAGS], p[8];
    ck_assert_int_eq(gr_features_genome(x, n, dim, gn, g), GR_OK);
    double var = 0;
    for (size_t j = 0; j < dim; j++) {
        double m = 0, s = 0;
        for (size_t i = 0; i < n; i++) m += x[i * dim + j] / (double)n;
        for (size_t i = 0; i < n; i++) s += (x[i * dim + j] - m) * (x[i * dim + j] - m) / (double)n;
        ck_assert_double_lt(fabs(m), 1e-4);
        var += s / (double)dim;
    }
    ck_assert_double_eq_tol(var, 1.0, 1e-3);
    for (size_t i = 0; i < n; i += 17) {
        int64_t id;
        ck_assert_int_eq(gr_graph_item_id(&id, g, i), GR_OK);
        ck_assert_int_eq(gr_genome_scores(row, TAGS, gn, id), GR_OK);
        ck_assert_int_eq(gr_genome_project(p, dim, gn, row, TAGS), GR_OK);
        for (size_t j = 0; j < dim; j++) ck_assert_float_eq_tol(p[j], x[i * dim + j], 1e-4);
    }
    /* one seed, one projection */
    float *y = malloc(n * dim * sizeof *y);
    ck_assert_int_eq(gr_genome_fit(gn, g, dim, 3, NULL), GR_OK);
    ck_assert_int_eq(gr_features_genome(y, n, dim, gn, g), GR_OK);
    ck_assert_int_eq(memcmp(x, y, n * dim * sizeof *x), 0);
    /* errors */
    ck_assert_int_eq(gr_features_genome(y, n - 1, dim, gn, g), GR_EINVAL);
    row[0] = 1.5f;
    ck_assert_int_eq(gr_genome_project(p, dim, gn, row, TAGS), GR_EINVAL);
    ck_assert_int_eq(gr_genome_fit(gn, g, 0, 3, NULL), GR_EINVAL);
    free(x);
    free(y);
    gr_graph_free(g);
    gr_genome_free(gn);
    fx_rmtree(dir);
    free(dir);
}
END_TEST

/* ---- GraphSAGE: cold items with and without the genome ------------------ */

#define USERS 200
#define ITEMS 150
#define PER_GROUP (ITEMS / GROUPS)

static int is_cold(int64_t item) { return (item - 5000) % 5 == 0; }

/* Users prefer their group's items (90% of 20 draws, popular ranks more
 * often); edges to cold items are left out, so those items are unseen. */
static gr_graph *taste_graph(uint64_t seed)
{
    size_t cap = USERS * 20, n = 0;
    int64_t *u = malloc(cap * sizeof *u), *it = malloc(cap * sizeof *it);
    gr_rng r = gr_rng_make(seed, 77);
    for (size_t a = 0; a < USERS; a++)
        for (int k = 0; k < 20; k++) {
            size_t grp = gr_rng_unit(&r) < 0.9 ? a % GROUPS : gr_rng_below(&r, GROUPS);
            double x = gr_rng_unit(&r);
            int64_t item = (int64_t)(5000 + grp * PER_GROUP + (size_t)(x * x * PER_GROUP));
            if (is_cold(item)) continue;
            u[n] = (int64_t)(1000 + a);
            it[n++] = item;
        }
    gr_graph *g;
    ck_assert_int_eq(gr_graph_from_edges(&g, u, it, NULL, NULL, n, 0), GR_OK);
    free(u);
    free(it);
    return g;
}

static gr_model *fit_sage(const gr_graph *g, const float *item_feat, size_t dim, uint64_t seed)
{
    gr_trainer *t;
    char sd[32];
    snprintf(sd, sizeof sd, "%llu", (unsigned long long)seed);
    ck_assert_int_eq(gr_trainer_new(&t, GR_MODEL_GRAPHSAGE), GR_OK);
    const char *set[][2] = { { "objective", "bpr" }, { "epochs", "8" }, { "dim", "16" }, { "hidden", "32" },
                             { "id_dim", "8" }, { "batch", "512" }, { "lr", "0.005" }, { "fanout1", "5" },
                             { "fanout2", "5" }, { "seed", sd } };
    for (size_t k = 0; k < sizeof set / sizeof *set; k++) ck_assert_int_eq(gr_trainer_set(t, set[k][0], set[k][1]), GR_OK);
    if (item_feat) ck_assert_int_eq(gr_trainer_set_features(t, GR_NODE_ITEM, item_feat, gr_graph_num_items(g), dim), GR_OK);
    gr_model *m = NULL;
    ck_assert_int_eq(gr_trainer_fit(&m, t, g), GR_OK);
    gr_trainer_free(t);
    return m;
}

/* AUC of a new item's scores: users of its group against the others. */
static double group_auc(const float *s, size_t grp)
{
    double wins = 0, pairs = 0;
    for (size_t a = 0; a < USERS; a++)
        for (size_t b = 0; b < USERS; b++)
            if (a % GROUPS == grp && b % GROUPS != grp) {
                wins += s[a] > s[b] ? 1.0 : s[a] == s[b] ? 0.5 : 0.0;
                pairs += 1;
            }
    return wins / pairs;
}

/* Mean group AUC over the cold items: their rows come from the genome when gn is set. */
static double cold_auc(const gr_model *m, const gr_genome *gn)
{
    int64_t users[USERS];
    float s[USERS], scores[TAGS], row[16];
    for (size_t a = 0; a < USERS; a++) users[a] = (int64_t)(1000 + a);
    double sum = 0;
    int n = 0;
    for (int64_t item = 5000; item < 5000 + ITEMS; item++) {
        if (!is_cold(item)) continue;
        gr_new_item it = GR_NEW_ITEM_INIT;
        if (gn) {
            ck_assert_int_eq(gr_genome_scores(scores, TAGS, gn, item), GR_OK);
            ck_assert_int_eq(gr_genome_project(row, gr_genome_dim(gn), gn, scores, TAGS), GR_OK);
            it.features = row;
        }
        ck_assert_int_eq(gr_model_score_new_item(s, m, &it, users, USERS), GR_OK);
        sum += group_auc(s, (size_t)(item - 5000) / PER_GROUP);
        n++;
    }
    return sum / n;
}

/* Over three seeds: the genome's cold items reach users of their group,
 * and the model file keeps the path a projected row takes. */
START_TEST(genome_features_reach_cold_items)
{
    double with_sum = 0, without_sum = 0, worst_gap = 1;
    for (uint64_t seed = 1; seed <= 3; seed++) {
        char *dir = fx_tmpdir();
        write_genome(dir, ITEMS, PER_GROUP, seed);
        gr_genome *gn;
        ck_assert_int_eq(gr_genome_read(&gn, dir), GR_OK);
        gr_graph *g = taste_graph(seed);
        size_t dim = 8, ni = gr_graph_num_items(g);
        ck_assert_int_eq(gr_genome_fit(gn, g, dim, seed, NULL), GR_OK);
        float *x = malloc(ni * dim * sizeof *x);
        ck_assert_int_eq(gr_features_genome(x, ni, dim, gn, g), GR_OK);
        gr_model *plain = fit_sage(g, NULL, 0, seed), *genome = fit_sage(g, x, dim, seed);
        double without = cold_auc(plain, NULL), with = cold_auc(genome, gn);
        fprintf(stderr, "seed %llu: cold-item group AUC with genome %.4f, without %.4f\n", (unsigned long long)seed, with, without);
        with_sum += with;
        without_sum += without;
        if (with - without < worst_gap) worst_gap = with - without;
        /* save and load: the same projected row gives the same vector */
        char *path = fx_path(dir, "sage.gnr");
        gr_model *l;
        ck_assert_int_eq(gr_model_save(genome, path), GR_OK);
        ck_assert_int_eq(gr_model_load(&l, path), GR_OK);
        float scores[TAGS], row[8], v1[16], v2[16], b1, b2;
        ck_assert_int_eq(gr_genome_scores(scores, TAGS, gn, 5000), GR_OK);
        ck_assert_int_eq(gr_genome_project(row, dim, gn, scores, TAGS), GR_OK);
        gr_new_item it = GR_NEW_ITEM_INIT;
        it.features = row;
        ck_assert_int_eq(gr_model_new_item_vector(v1, 16, &b1, genome, &it), GR_OK);
        /* the projection travels in its own file: the loaded one gives the same row */
        char *ppath = fx_path(dir, "genome.gnr");
        gr_genome *lp;
        float row2[8];
        ck_assert_int_eq(gr_genome_save(gn, ppath), GR_OK);
        ck_assert_int_eq(gr_genome_load(&lp, ppath), GR_OK);
        ck_assert_uint_eq(gr_genome_n_movies(lp), 0);
        ck_assert_uint_eq(gr_genome_dim(lp), dim);
        ck_assert_int_eq(gr_genome_project(row2, dim, lp, scores, TAGS), GR_OK);
        ck_assert_int_eq(memcmp(row, row2, sizeof row), 0);
        it.features = row2;
        ck_assert_int_eq(gr_model_new_item_vector(v2, 16, &b2, l, &it), GR_OK);
        /* each file is refused by the other's reader */
        gr_genome *bad = NULL;
        gr_model *badm = NULL;
        ck_assert_int_eq(gr_genome_load(&bad, path), GR_EFORMAT);
        ck_assert_ptr_null(bad);
        ck_assert_int_ne(gr_model_load(&badm, ppath), GR_OK);
        ck_assert_ptr_null(badm);
        gr_genome_free(lp);
        free(ppath);
        ck_assert_int_eq(memcmp(v1, v2, sizeof v1), 0);
        ck_assert_float_eq(b1, b2);
        free(path);
        gr_model_free(l);
        gr_model_free(plain);
        gr_model_free(genome);
        free(x);
        gr_graph_free(g);
        gr_genome_free(gn);
        fx_rmtree(dir);
        free(dir);
    }
    fprintf(stderr, "mean cold-item group AUC with genome %.4f, without %.4f, smallest gap %.4f\n", with_sum / 3,
            without_sum / 3, worst_gap);
    ck_assert_double_gt(worst_gap, MARGIN);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("genome");
    TCase *tc = tcase_create("genome");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, reads_the_files);
    tcase_add_test(tc, errors_name_file_line_and_field);
    tcase_add_test(tc, reduction_recovers_the_planted_rank);
    tcase_add_test(tc, genome_features_reach_cold_items);
    suite_add_tcase(s, tc);
    return fx_run(s);
}
