/* Metric definitions against hand-computed cases, and full-ranking evaluation. */
#include <gnnrec.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "eval/ranking.h"
#include "graph/graph.h"
#include "kernels/cpu.h"
#include "kernels/dense.h"
#include "kernels/topk.h"
#include "fixtures.h"

START_TEST(list_metrics_by_hand)
{
    /* ranked 5 3 9 1 7; relevant {3, 7, 8}; k = 5: hits at ranks 2 and 5 */
    int64_t ranked[] = { 5, 3, 9, 1, 7 }, rel[] = { 3, 7, 8 };
    double out[GR_METRIC_COUNT];
    ck_assert_int_eq(gr_metrics_of_list(out, ranked, 5, rel, 3, 5), GR_OK);
    double dcg = 1 / log2(3.0) + 1 / log2(6.0), idcg = 1 + 1 / log2(3.0) + 1 / log2(4.0);
    ck_assert_double_eq_tol(out[GR_METRIC_RECALL], 2.0 / 3.0, 1e-12);
    ck_assert_double_eq_tol(out[GR_METRIC_PRECISION], 2.0 / 5.0, 1e-12);
    ck_assert_double_eq_tol(out[GR_METRIC_NDCG], dcg / idcg, 1e-12);
    ck_assert_double_eq(out[GR_METRIC_HIT], 1.0);
    ck_assert_double_eq_tol(out[GR_METRIC_MRR], 0.5, 1e-12);
    /* k = 1: nothing in the top 1 */
    ck_assert_int_eq(gr_metrics_of_list(out, ranked, 5, rel, 3, 1), GR_OK);
    ck_assert_double_eq(out[GR_METRIC_RECALL], 0.0);
    ck_assert_double_eq(out[GR_METRIC_NDCG], 0.0);
    ck_assert_double_eq(out[GR_METRIC_HIT], 0.0);
    ck_assert_double_eq(out[GR_METRIC_MRR], 0.0);
    /* k = 2: one hit at rank 2; ideal DCG has min(2, 3) = 2 hits */
    ck_assert_int_eq(gr_metrics_of_list(out, ranked, 5, rel, 3, 2), GR_OK);
    ck_assert_double_eq_tol(out[GR_METRIC_NDCG], (1 / log2(3.0)) / (1 + 1 / log2(3.0)), 1e-12);
    ck_assert_double_eq_tol(out[GR_METRIC_PRECISION], 0.5, 1e-12);
}
END_TEST

START_TEST(list_metrics_perfect_and_short_lists)
{
    int64_t ranked[] = { 4, 2 }, rel[] = { 2, 4 };
    double out[GR_METRIC_COUNT];
    ck_assert_int_eq(gr_metrics_of_list(out, ranked, 2, rel, 2, 20), GR_OK);
    ck_assert_double_eq_tol(out[GR_METRIC_RECALL], 1.0, 1e-12);
    ck_assert_double_eq_tol(out[GR_METRIC_NDCG], 1.0, 1e-12);
    ck_assert_double_eq_tol(out[GR_METRIC_PRECISION], 2.0 / 20.0, 1e-12);
    ck_assert_double_eq_tol(out[GR_METRIC_MRR], 1.0, 1e-12);
    /* repeated relevant ids count once */
    int64_t rel2[] = { 2, 2, 4 };
    ck_assert_int_eq(gr_metrics_of_list(out, ranked, 2, rel2, 3, 20), GR_OK);
    ck_assert_double_eq_tol(out[GR_METRIC_RECALL], 1.0, 1e-12);
    /* a ranked list that repeats an item is refused, naming both positions:
     * counted twice it would give recall 3 and NDCG above 1 */
    int64_t twice[] = { 4, 2, 4, 4 };
    ck_assert_int_eq(gr_metrics_of_list(out, twice, 4, rel, 2, 4), GR_EINVAL);
    ck_assert_ptr_nonnull(strstr(gr_last_error(), "ranked[2] repeats id 4 of ranked[0]"));
    ck_assert_int_eq(gr_metrics_of_list(out, ranked, 2, rel, 2, 0), GR_ERANGE);
    ck_assert_int_eq(gr_metrics_of_list(NULL, ranked, 2, rel, 2, 1), GR_EINVAL);
}
END_TEST

/*
 * A 2-user, 4-item model with hand-set vectors (dim 1): scores are
 * user_vec * item_vec, so rankings are known.
 */
START_TEST(rank_eval_excludes_training_items)
{
    int64_t tu[] = { 1, 2 }, ti[] = { 10, 11 };
    gr_graph *train, *test;
    ck_assert_int_eq(gr_graph_from_edges(&train, tu, ti, NULL, NULL, 2, 0), GR_OK);
    /* make items 12 and 13 known: a second graph would not grow the catalog, so
     * build the catalog with all items and drop the extra edges from train */
    gr_graph_free(train);
    int64_t au[] = { 1, 2, 1, 1 }, ai[] = { 10, 11, 12, 13 };
    gr_graph *all;
    ck_assert_int_eq(gr_graph_from_edges(&all, au, ai, NULL, NULL, 4, 0), GR_OK);
    ck_assert_int_eq(gr_graph_from_edges_like(&train, all, tu, ti, NULL, NULL, 2, 0), GR_OK);
    int64_t su[] = { 1, 2 }, si[] = { 12, 13 };
    ck_assert_int_eq(gr_graph_from_edges_like(&test, all, su, si, NULL, NULL, 2, 0), GR_OK);
    /* user 1 (index 0) likes high items, user 2 (index 1) likes low items; item order 10,11,12,13 */
    float uv[2] = { 1.0f, -1.0f }, iv[4] = { 4.0f, 3.0f, 2.0f, 1.0f }, it[16] = { 4, 3, 2, 1 };
    /* at width 1 the transposed items are their rows too */
    gr_rank_source src = { 2, 4, 1, uv, it, 16, NULL, all->cat, NULL, it, 0, 0, 0 };
    int ks[] = { 1, 2 };
    double out[2 * GR_METRIC_COUNT];
    size_t users;
    ck_assert_int_eq(gr_rank_eval(out, &users, &src, train, test, ks, 2), GR_OK);
    ck_assert_uint_eq(users, 2);
    /* user 1: 10 excluded, ranking 11, 12, 13 -> test item 12 at rank 2.
     * user 2: 11 excluded, ranking 13, 12, 10 -> test item 13 at rank 1. */
    ck_assert_double_eq_tol(out[GR_METRIC_RECALL], 0.5, 1e-12);
    ck_assert_double_eq_tol(out[GR_METRIC_MRR], 0.5, 1e-12);
    ck_assert_double_eq_tol(out[GR_METRIC_COUNT + GR_METRIC_RECALL], 1.0, 1e-12);
    ck_assert_double_eq_tol(out[GR_METRIC_COUNT + GR_METRIC_MRR], 0.75, 1e-12);
    ck_assert_double_eq_tol(out[GR_METRIC_COUNT + GR_METRIC_NDCG], (1 / log2(3.0) + 1) / 2, 1e-12);
    (void)iv;
    /* cut-offs beyond the catalogue and foreign graphs are errors */
    int bad = 5;
    ck_assert_int_eq(gr_rank_eval(out, &users, &src, train, test, &bad, 1), GR_ERANGE);
    gr_graph *foreign;
    ck_assert_int_eq(gr_graph_from_edges(&foreign, su, si, NULL, NULL, 2, 0), GR_OK);
    ck_assert_int_eq(gr_rank_eval(out, &users, &src, train, foreign, ks, 1), GR_EINVAL);
    gr_graph_free(foreign);
    gr_graph_free(train);
    gr_graph_free(test);
    gr_graph_free(all);
}
END_TEST

/*
 * A sample of the users: with max_users below the number of users with
 * test edges, gr_rank_eval_on scores the users of the 64-user blocks b with
 * floor((b + 1) k) > floor(b k), k = max_users / those users, and gives
 * gr_rank_eval's figures on the test edges of those users alone; with
 * max_users 0 or at least that number, every user, the same bits.
 */
START_TEST(rank_eval_samples_blocks_of_users)
{
    enum { USERS = 1000, ITEMS = 40, DIM = 4 };
    int64_t *u = malloc(USERS * 6 * sizeof *u), *i = malloc(USERS * 6 * sizeof *i);
    size_t n = 0;
    for (int a = 0; a < USERS; a++)
        for (int c = 0; c < 6; c++) {
            u[n] = a;
            i[n++] = (a * 7 + c * 5) % ITEMS;
        }
    gr_graph *all, *train, *test;
    ck_assert_int_eq(gr_graph_from_edges(&all, u, i, NULL, NULL, n, 0), GR_OK);
    /* each user's last edge is its test edge, but every fifth user has none */
    uint8_t *part = calloc(all->n_edges, 1);
    size_t with_test = 0;
    for (size_t a = 0; a < all->n_users; a++)
        if (a % 5 != 0) {
            part[all->ui.ptr[a + 1] - 1] = 1;
            with_test++;
        }
    ck_assert_int_eq(gr_graph_subset(&train, all, part, 0), GR_OK);
    ck_assert_int_eq(gr_graph_subset(&test, all, part, 1), GR_OK);
    float *uv = malloc((USERS + 1) * DIM * sizeof *uv), it[DIM * 48] = { 0 };
    for (size_t k = 0; k < USERS * DIM; k++) uv[k] = (float)((k * 37) % 19) * 0.1f - 0.9f;
    for (size_t d = 0; d < DIM; d++)
        for (size_t j = 0; j < ITEMS; j++) it[d * 48 + j] = (float)((j * 11 + d * 3) % 13) * 0.1f;
    gr_rank_source src = { all->n_users, all->n_items, DIM, uv, it, 48, NULL, all->cat, NULL, NULL, 0, 0, 0 };
    int ks[] = { 5, 20 };
    double whole[2 * GR_METRIC_COUNT], out[2 * GR_METRIC_COUNT], hand[2 * GR_METRIC_COUNT];
    size_t n_whole, n_out, n_hand;
    ck_assert_int_eq(gr_rank_eval(whole, &n_whole, &src, train, test, ks, 2), GR_OK);
    ck_assert_uint_eq(n_whole, with_test);
    size_t limits[] = { 0, with_test, with_test + 1 };
    for (size_t l = 0; l < 3; l++) {
        ck_assert_int_eq(gr_rank_eval_on(out, &n_out, &src, train, test, ks, 2, limits[l], NULL), GR_OK);
        ck_assert_uint_eq(n_out, n_whole);
        ck_assert(memcmp(out, whole, sizeof out) == 0);
    }
    const size_t max_users = 300;
    double k = (double)max_users / (double)with_test;
    uint8_t *kept = calloc(test->n_edges, 1);
    for (size_t a = 0; a < test->n_users; a++) {
        size_t b = a / 64;
        for (int64_t e = test->ui.ptr[a]; e < test->ui.ptr[a + 1]; e++)
            kept[e] = floor((double)(b + 1) * k) > floor((double)b * k);
    }
    gr_graph *few;
    ck_assert_int_eq(gr_graph_subset(&few, test, kept, 1), GR_OK);
    ck_assert_int_eq(gr_rank_eval(hand, &n_hand, &src, train, few, ks, 2), GR_OK);
    ck_assert_int_eq(gr_rank_eval_on(out, &n_out, &src, train, test, ks, 2, max_users, NULL), GR_OK);
    ck_assert_uint_eq(n_out, n_hand);
    ck_assert(n_out + 64 > max_users && n_out < max_users + 64);
    ck_assert(memcmp(out, hand, sizeof out) == 0);
    ck_assert(memcmp(out, whole, sizeof out) != 0);
    /* users cut into ranges, as ranks hold them (cuts off the 64-user
     * blocks, an empty range), each range's rows alone: the ranges'
     * sums are the whole's, sampled or not */
    const size_t cuts[] = { 0, 96, 200, 200, 357, USERS };
    for (size_t l = 0; l < 2; l++) {
        const double *want = l ? hand : whole;
        double sums[2 * GR_METRIC_COUNT] = { 0 };
        size_t users = 0;
        for (size_t c = 0; c + 1 < sizeof cuts / sizeof *cuts; c++) {
            gr_rank_source part_src = src;
            part_src.user_range = 1;
            part_src.user_lo = cuts[c];
            part_src.user_hi = cuts[c + 1];
            part_src.user_vec = uv + cuts[c] * DIM;
            int rc = gr_rank_eval_on(out, &n_out, &part_src, train, test, ks, 2, l ? max_users : 0, NULL);
            if (cuts[c] == cuts[c + 1]) {
                ck_assert_int_eq(rc, GR_ESTATE); /* nobody to score */
                continue;
            }
            if (rc == GR_ESTATE) continue; /* a range the sample leaves out */
            ck_assert_int_eq(rc, GR_OK);
            users += n_out;
            for (size_t j = 0; j < 2 * GR_METRIC_COUNT; j++) sums[j] += out[j] * (double)n_out;
        }
        ck_assert_uint_eq(users, l ? n_hand : n_whole);
        for (size_t j = 0; j < 2 * GR_METRIC_COUNT; j++)
            ck_assert_double_eq_tol(sums[j] / (double)users, want[j], 1e-12);
    }
    gr_rank_source bad = src;
    bad.user_range = 1;
    bad.user_lo = 10;
    bad.user_hi = USERS + 1;
    ck_assert_int_eq(gr_rank_eval_on(out, &n_out, &bad, train, test, ks, 2, 0, NULL), GR_EINVAL);
    gr_graph_free(few);
    free(kept);
    free(uv);
    free(part);
    free(u);
    free(i);
    gr_graph_free(train);
    gr_graph_free(test);
    gr_graph_free(all);
}
END_TEST

/*
 * Sources scored by their vectors are ranked a part of the items at a
 * time: on a catalogue of several parts (2,500 items) with exact ties
 * (small integer vectors), training items in every part and at the parts'
 * edges (the best items of all: exclusion across parts is seen), and a
 * partial last block of users, the figures are those of
 * whole rows (gr_score_block and gr_topk of each user's row), summed in
 * user order; from the transposed items, from the item rows, and from the
 * rows alone.
 */
START_TEST(rank_eval_in_parts_matches_whole_rows)
{
    enum { USERS = 150, ITEMS = 2500, DIM = 8, STRIDE = 2512, NK = 3 };
    int64_t *u = malloc((USERS * 40 + ITEMS) * sizeof *u), *i = malloc((USERS * 40 + ITEMS) * sizeof *i);
    size_t n = 0;
    /* a first user of every item, in order: item ids are their indices */
    for (int c = 0; c < ITEMS; c++) {
        u[n] = USERS;
        i[n++] = c;
    }
    for (int a = 0; a < USERS; a++)
        for (int c = 0; c < 40; c++) {
            u[n] = a;
            /* spread over the items, and the parts' edges 1023 and 1024 */
            i[n++] = c == 0 ? 1023 : c == 1 ? 1024 : (a * 13 + c * 61) % ITEMS;
        }
    gr_graph *all, *train, *test;
    ck_assert_int_eq(gr_graph_from_edges(&all, u, i, NULL, NULL, n, 0), GR_OK);
    ck_assert_uint_eq(all->n_items, ITEMS);
    int64_t id;
    ck_assert_int_eq(gr_graph_item_id(&id, all, 1023), GR_OK);
    ck_assert_int_eq(id, 1023);
    uint8_t *part = calloc(all->n_edges, 1);
    /* items 1023 and 1024, every user's best, are training items of all */
    for (size_t e = 0; e < all->n_edges; e++) part[e] = e % 4 == 0 && all->ui.col[e] != 1023 && all->ui.col[e] != 1024;
    ck_assert_int_eq(gr_graph_subset(&train, all, part, 0), GR_OK);
    ck_assert_int_eq(gr_graph_subset(&test, all, part, 1), GR_OK);
    float *uv = malloc((USERS + 1) * DIM * sizeof *uv), *iv = malloc(ITEMS * DIM * sizeof *iv);
    float *it = calloc(DIM * STRIDE, sizeof *it);
    gr_rng r = gr_rng_make(5, 0);
    for (size_t k = 0; k < (USERS + 1) * DIM; k++) uv[k] = (float)gr_rng_below(&r, 4) + (k % DIM == 0);
    for (size_t k = 0; k < ITEMS * DIM; k++) iv[k] = (float)gr_rng_below(&r, 7) - 3.0f;
    for (size_t k = 0; k < 2 * DIM; k++) iv[1023 * DIM + k] = 100.0f;
    gr_transpose(it, iv, ITEMS, DIM, STRIDE);
    gr_rank_source src = { all->n_users, all->n_items, DIM, uv, it, STRIDE, NULL, all->cat, NULL, NULL, 0, 0, 0 };
    int ks[NK] = { 1, 7, 20 };
    double got[NK * GR_METRIC_COUNT], sums[NK * GR_METRIC_COUNT] = { 0 };
    size_t n_got, users = 0;
    ck_assert_int_eq(gr_rank_eval(got, &n_got, &src, train, test, ks, NK), GR_OK);
    /* with the item rows as well (the narrow form scores from them), and
     * with the rows alone (both forms read them), in both kernel forms:
     * the same figures */
    src.item_rows = iv;
    for (int rows_only = 0; rows_only <= 1; rows_only++)
        for (int wide = 0; wide <= 1; wide++) {
            double again[NK * GR_METRIC_COUNT];
            size_t n_again;
            src.item_t = rows_only ? NULL : it;
            gr_simd_set_wide(wide);
            ck_assert_int_eq(gr_rank_eval(again, &n_again, &src, train, test, ks, NK), GR_OK);
            gr_simd_set_wide(-1);
            ck_assert_uint_eq(n_again, n_got);
            ck_assert(memcmp(again, got, sizeof got) == 0);
        }
    float *row = malloc(ITEMS * sizeof *row), val[20];
    int32_t top[20];
    for (size_t a = 0; a < all->n_users; a++) {
        size_t n_rel = gr_csr_degree(&test->ui, a);
        if (n_rel == 0) continue;
        gr_score_block(row, uv + a * DIM, 1, it, ITEMS, STRIDE, DIM, NULL);
        for (int64_t e = train->ui.ptr[a]; e < train->ui.ptr[a + 1]; e++) row[train->ui.col[e]] = -INFINITY;
        size_t m = gr_topk(top, val, row, ITEMS, 20);
        for (size_t c = 0; c < NK; c++) {
            double per[GR_METRIC_COUNT];
            gr_list_metrics(per, top, m, test->ui.col + test->ui.ptr[a], n_rel, ks[c]);
            for (size_t j = 0; j < GR_METRIC_COUNT; j++) sums[c * GR_METRIC_COUNT + j] += per[j];
        }
        users++;
    }
    ck_assert_uint_eq(n_got, users);
    for (size_t j = 0; j < NK * GR_METRIC_COUNT; j++) ck_assert_double_eq(got[j], sums[j] / (double)users);
    free(row);
    free(uv);
    free(iv);
    free(it);
    free(part);
    free(u);
    free(i);
    gr_graph_free(train);
    gr_graph_free(test);
    gr_graph_free(all);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("metrics");
    tcase_add_test(tc, list_metrics_by_hand);
    tcase_add_test(tc, list_metrics_perfect_and_short_lists);
    tcase_add_test(tc, rank_eval_excludes_training_items);
    tcase_add_test(tc, rank_eval_samples_blocks_of_users);
    tcase_add_test(tc, rank_eval_in_parts_matches_whole_rows);
    suite_add_tcase(s, tc);
    return fx_run(s);
}
