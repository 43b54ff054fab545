/* GraphSAGE building blocks: the neighbour sampler and the built-in node features. */
#include <gnnrec.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "features/features.h"
#include "fixtures.h"
#include "graph/graph.h"
#include "train/neighbor_sampler.h"

/* ---- sampler ---- */

static int is_edge(const gr_graph *g, int t, int32_t v, int32_t w)
{
    const gr_csr *m = t == 0 ? &g->ui : &g->iu;
    for (int64_t k = m->ptr[v]; k < m->ptr[v + 1]; k++)
        if (m->col[k] == w) return 1;
    return 0;
}

static int64_t ui_position(const gr_graph *g, int32_t u, int32_t i)
{
    for (int64_t k = g->ui.ptr[u]; k < g->ui.ptr[u + 1]; k++)
        if (g->ui.col[k] == i) return k;
    return -1;
}

START_TEST(sampler_respects_fanouts_exclusions_and_prefixes)
{
    fx_planted p;
    fx_planted_make(&p, 60, 40, 3, 12, 3);
    const gr_graph *g = p.all;
    int fanout[GR_SAGE_MAX_LAYERS] = { 4, 2, 0, 0 };
    gr_sage_sampler s;
    ck_assert_int_eq(gr_sage_sampler_init(&s, g, NULL, NULL, 2, fanout, 9), GR_OK);
    gr_sage_block b;
    memset(&b, 0, sizeof b);
    int32_t users[6] = { 0, 1, 2, 3, 0, 5 }, items[6];
    int32_t upos[6], ipos[6];
    for (int k = 0; k < 6; k++) items[k] = g->ui.col[g->ui.ptr[users[k]]];
    gr_sage_batch_begin(&s);
    /* the batch's own edges are excluded, user 5 is cold */
    for (int k = 0; k < 6; k++) gr_sage_exclude(&s, ui_position(g, users[k], items[k]));
    gr_sage_mark_cold(&s, 0, 5);
    const int32_t *const tg[2] = { users, items };
    size_t nt[2] = { 6, 6 };
    int32_t *const tp[2] = { upos, ipos };
    ck_assert_int_eq(gr_sage_sample(&s, &b, tg, nt, tp, 77), GR_OK);
    /* repeated targets share a position; positions name the targets */
    ck_assert_int_eq(upos[0], upos[4]);
    for (int k = 0; k < 6; k++) {
        ck_assert_int_eq(b.node[2][0][upos[k]], users[k]);
        ck_assert_int_eq(b.node[2][1][ipos[k]], items[k]);
    }
    ck_assert_uint_eq(b.n[2][0], 5);
    for (int l = 2; l >= 1; l--) {
        int f = fanout[2 - l];
        for (int t = 0; t < 2; t++) {
            /* depth l is a prefix of depth l - 1 */
            for (size_t k = 0; k < b.n[l][t]; k++) ck_assert_int_eq(b.node[l][t][k], b.node[l - 1][t][k]);
            for (size_t k = 0; k < b.n[l][t]; k++) {
                int32_t v = b.node[l][t][k];
                int64_t lo = b.hop[l][t].ptr[k], hi = b.hop[l][t].ptr[k + 1];
                size_t deg = gr_csr_degree(t == 0 ? &g->ui : &g->iu, (size_t)v);
                ck_assert_int_le(hi - lo, f);
                if (t == 0 && v == 5) ck_assert_int_eq(hi - lo, 0);
                else if (deg >= (size_t)f + 6) ck_assert_int_eq(hi - lo, f);
                for (int64_t e = lo; e < hi; e++) {
                    int32_t w = b.node[l - 1][1 - t][b.hop[l][t].nbr[e]];
                    ck_assert(is_edge(g, t, v, w));
                    for (int64_t e2 = lo; e2 < e; e2++) ck_assert_int_ne(b.hop[l][t].nbr[e2], b.hop[l][t].nbr[e]);
                    int32_t u = t == 0 ? v : w, i = t == 0 ? w : v;
                    for (int q = 0; q < 6; q++) ck_assert(!(u == users[q] && i == items[q]));
                }
            }
        }
    }
    /* the same key gives the same block, whatever the order of the targets */
    int32_t users2[6] = { 5, 3, 2, 1, 0, 0 }, items2[6], upos2[6], ipos2[6];
    for (int k = 0; k < 6; k++) items2[k] = items[5 - k];
    gr_sage_block b2;
    memset(&b2, 0, sizeof b2);
    gr_sage_batch_begin(&s);
    for (int k = 0; k < 6; k++) gr_sage_exclude(&s, ui_position(g, users[k], items[k]));
    gr_sage_mark_cold(&s, 0, 5);
    const int32_t *const tg2[2] = { users2, items2 };
    int32_t *const tp2[2] = { upos2, ipos2 };
    ck_assert_int_eq(gr_sage_sample(&s, &b2, tg2, nt, tp2, 77), GR_OK);
    for (int k = 0; k < 6; k++) {
        int32_t v = users[k];
        size_t a1 = (size_t)upos[k], a2 = 0;
        while (b2.node[2][0][a2] != v) a2++;
        int64_t n1 = b.hop[2][0].ptr[a1 + 1] - b.hop[2][0].ptr[a1], n2 = b2.hop[2][0].ptr[a2 + 1] - b2.hop[2][0].ptr[a2];
        ck_assert_int_eq(n1, n2);
        for (int64_t e = 0; e < n1; e++)
            ck_assert_int_eq(b.node[1][1][b.hop[2][0].nbr[b.hop[2][0].ptr[a1] + e]],
                             b2.node[1][1][b2.hop[2][0].nbr[b2.hop[2][0].ptr[a2] + e]]);
    }
    gr_sage_block_free(&b);
    gr_sage_block_free(&b2);
    gr_sage_sampler_free(&s);
    fx_planted_free(&p);
}
END_TEST

START_TEST(sampling_is_uniform)
{
    /* one user with 10 items, fanout 3: every item about 30% of the time */
    int64_t u[10], it[10];
    for (int k = 0; k < 10; k++) {
        u[k] = 1;
        it[k] = 100 + k;
    }
    gr_graph *g;
    ck_assert_int_eq(gr_graph_from_edges(&g, u, it, NULL, NULL, 10, 0), GR_OK);
    int fanout[GR_SAGE_MAX_LAYERS] = { 3, 0, 0, 0 };
    gr_sage_sampler s;
    ck_assert_int_eq(gr_sage_sampler_init(&s, g, NULL, NULL, 1, fanout, 1), GR_OK);
    gr_sage_block b;
    memset(&b, 0, sizeof b);
    int count[10] = { 0 };
    int32_t user = 0, pos;
    const int32_t *const tg[2] = { &user, NULL };
    size_t nt[2] = { 1, 0 };
    int32_t *const tp[2] = { &pos, NULL };
    const int rounds = 3000;
    for (int r = 0; r < rounds; r++) {
        gr_sage_batch_begin(&s);
        /* item 9 excluded: never drawn */
        gr_sage_exclude(&s, 9);
        ck_assert_int_eq(gr_sage_sample(&s, &b, tg, nt, tp, (uint64_t)r), GR_OK);
        ck_assert_int_eq(b.hop[1][0].ptr[1], 3);
        for (int e = 0; e < 3; e++) count[b.node[0][1][b.hop[1][0].nbr[e]]]++;
    }
    ck_assert_int_eq(count[9], 0);
    for (int k = 0; k < 9; k++) ck_assert_double_lt(fabs(count[k] / (double)rounds - 1.0 / 3.0), 0.04);
    gr_sage_block_free(&b);
    gr_sage_sampler_free(&s);
    gr_graph_free(g);
}
END_TEST

/* Blocks of one batch on 1 and 2 threads, the same key. */
static void sample_on_threads(gr_sage_block *b, gr_sage_sampler *s, const int32_t *users, size_t n, int threads)
{
    int32_t *pos = malloc(n * sizeof *pos);
    ck_assert_ptr_nonnull(pos);
    gr_set_num_threads(threads);
    gr_sage_batch_begin(s);
    for (size_t k = 0; k < n; k += 3) gr_sage_exclude(s, s->g->ui.ptr[users[k]] + (int64_t)(k % 7));
    gr_sage_mark_cold(s, 0, users[1]);
    const int32_t *const tg[2] = { users, NULL };
    size_t nt[2] = { n, 0 };
    int32_t *const tp[2] = { pos, NULL };
    ck_assert_int_eq(gr_sage_sample(s, b, tg, nt, tp, 5), GR_OK);
    gr_set_num_threads(0);
    free(pos);
}

START_TEST(a_block_is_the_same_on_any_number_of_threads)
{
    /* enough picks (6,000 users x 25) for the sampler to use threads */
    enum { USERS = 8000, ITEMS = 3000, PER = 40, BATCH = 6000 };
    int64_t *u = malloc(USERS * PER * sizeof *u), *it = malloc(USERS * PER * sizeof *it);
    ck_assert(u && it);
    for (int v = 0; v < USERS; v++)
        for (int k = 0; k < PER; k++) {
            u[v * PER + k] = v;
            it[v * PER + k] = (v * 7 + k * 131) % ITEMS;
        }
    gr_graph *g;
    ck_assert_int_eq(gr_graph_from_edges(&g, u, it, NULL, NULL, USERS * PER, 0), GR_OK);
    int fanout[GR_SAGE_MAX_LAYERS] = { 25, 10, 0, 0 };
    gr_sage_sampler s;
    ck_assert_int_eq(gr_sage_sampler_init(&s, g, NULL, NULL, 2, fanout, 3), GR_OK);
    int32_t *users = malloc(BATCH * sizeof *users);
    ck_assert_ptr_nonnull(users);
    for (int k = 0; k < BATCH; k++) users[k] = (int32_t)((k * 4099) % USERS);
    gr_sage_block one, two;
    memset(&one, 0, sizeof one);
    memset(&two, 0, sizeof two);
    sample_on_threads(&one, &s, users, BATCH, 1);
    sample_on_threads(&two, &s, users, BATCH, 2);
    ck_assert_uint_eq(one.n[1][0], BATCH);
    for (int l = 0; l <= 2; l++)
        for (int t = 0; t < 2; t++) {
            ck_assert_uint_eq(one.n[l][t], two.n[l][t]);
            if (one.n[l][t]) ck_assert_int_eq(memcmp(one.node[l][t], two.node[l][t], one.n[l][t] * sizeof(int32_t)), 0);
            if (l == 0) continue;
            size_t n = one.n[l][t];
            ck_assert_int_eq(memcmp(one.hop[l][t].ptr, two.hop[l][t].ptr, (n + 1) * sizeof(int64_t)), 0);
            size_t edges = (size_t)one.hop[l][t].ptr[n];
            if (edges) ck_assert_int_eq(memcmp(one.hop[l][t].nbr, two.hop[l][t].nbr, edges * sizeof(int32_t)), 0);
        }
    /* every hop sampled, the first at its fanout (the cold user aside) */
    ck_assert_int_eq(one.hop[2][0].ptr[BATCH], (int64_t)(BATCH - 1) * 25);
    gr_sage_block_free(&one);
    gr_sage_block_free(&two);
    gr_sage_sampler_free(&s);
    gr_graph_free(g);
    free(users);
    free(u);
    free(it);
}
END_TEST

START_TEST(full_block_is_the_graph)
{
    fx_planted p;
    fx_planted_make(&p, 20, 15, 2, 6, 5);
    gr_sage_block b;
    ck_assert_int_eq(gr_sage_full_block(&b, p.all, NULL, NULL, 2), GR_OK);
    for (int l = 0; l <= 2; l++) {
        ck_assert_uint_eq(b.n[l][0], p.all->n_users);
        ck_assert_uint_eq(b.n[l][1], p.all->n_items);
    }
    for (size_t u = 0; u < p.all->n_users; u++)
        for (int64_t k = p.all->ui.ptr[u]; k < p.all->ui.ptr[u + 1]; k++)
            ck_assert_int_eq(b.hop[1][0].nbr[k], p.all->ui.col[k]);
    gr_sage_block_free(&b);
    fx_planted_free(&p);
}
END_TEST

/* ---- features ---- */

/* Three users, three items, MovieLens 100K files with metadata. */
static gr_graph *load_small(char **dir)
{
    *dir = fx_tmpdir();
    /* 2001-09-09 01:46:40 UTC (a Sunday) and 2001-09-10 02:46:40 UTC (a Monday) */
    free(fx_write(*dir, "u.data",
                  "1\t10\t5\t1000000000\n1\t20\t3\t1000090000\n2\t10\t4\t1000000000\n2\t30\t2\t1000000000\n"
                  "3\t20\t1\t1000090000\n"));
    free(fx_write(*dir, "u.item",
                  "10|Alpha (1990)|01-Jan-1990||http://x|0|1|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0\n"
                  "20|Beta (2000)|01-Jan-2000||http://x|0|0|0|0|0|1|0|0|1|0|0|0|0|0|0|0|0|0|0\n"
                  "30|Gamma|||http://x|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|1\n"
                  "40|Delta (1995)|01-Jan-1995||http://x|0|1|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0\n"));
    free(fx_write(*dir, "u.user", "1|20|M|student|11111\n2|40|F|writer|22222\n3|60|M|student|33333\n"));
    gr_graph *g;
    ck_assert_int_eq(gr_graph_load(&g, *dir, NULL), GR_OK);
    return g;
}

static int32_t dense_user(const gr_graph *g, int64_t id) { return gr_graph_user_index(g, id); }
static int32_t dense_item(const gr_graph *g, int64_t id) { return gr_graph_item_index(g, id); }

START_TEST(builtin_features_encode_metadata_and_ratings)
{
    char *dir;
    gr_graph *g = load_small(&dir);
    size_t du, di;
    ck_assert_int_eq(gr_features_dim(&du, g, GR_NODE_USER), GR_OK);
    ck_assert_int_eq(gr_features_dim(&di, g, GR_NODE_ITEM), GR_OK);
    size_t n_occ = g->cat->n_occupations;
    /* age, gender, occupations, count, mean, spread, 24 hours, 7 days */
    ck_assert_uint_eq(du, 2 + n_occ + 3 + 24 + 7);
    /* 19 genres, year, count, mean */
    ck_assert_uint_eq(di, 19 + 3);
    float *xu = malloc(g->n_users * du * sizeof *xu), *xi = malloc(g->n_items * di * sizeof *xi);
    ck_assert_int_eq(gr_features_compute(xu, g->n_users, du, g, GR_NODE_USER), GR_OK);
    ck_assert_int_eq(gr_features_compute(xi, g->n_items, di, g, GR_NODE_ITEM), GR_OK);
    const float *u1 = xu + (size_t)dense_user(g, 1) * du, *u2 = xu + (size_t)dense_user(g, 2) * du;
    const float *u3 = xu + (size_t)dense_user(g, 3) * du;
    /* ages 20, 40, 60 standardise to -1.22, 0, 1.22 */
    ck_assert_double_lt(fabs(u1[0] + 1.2247), 1e-3);
    ck_assert_double_lt(fabs(u2[0]), 1e-6);
    ck_assert_float_eq(u1[1], 1.0f);
    ck_assert_float_eq(u2[1], -1.0f);
    /* occupation one-hot: users 1 and 3 share theirs */
    float s1 = 0;
    for (size_t o = 0; o < n_occ; o++) {
        ck_assert_float_eq(u1[2 + o], u3[2 + o]);
        s1 += u1[2 + o];
    }
    ck_assert_float_eq(s1, 1.0f);
    size_t c = 2 + n_occ;
    /* user 3 has one rating: a smaller count than users 1 and 2, no spread */
    ck_assert_float_lt(u3[c], u1[c]);
    ck_assert_float_eq(u1[c], u2[c]);
    ck_assert_float_eq(u3[c + 2], 0.0f);
    /* user 1 rated at 01:46 on a Sunday and 02:46 on a Monday */
    const float *h1 = u1 + c + 3;
    ck_assert_float_eq(h1[1], 0.5f);
    ck_assert_float_eq(h1[2], 0.5f);
    ck_assert_float_eq(h1[24 + 6], 0.5f);
    ck_assert_float_eq(h1[24 + 0], 0.5f);
    /* items: genre bits, unknown year 0, the unrated item has the lowest count and no mean */
    const float *i10 = xi + (size_t)dense_item(g, 10) * di, *i30 = xi + (size_t)dense_item(g, 30) * di;
    const float *i40 = xi + (size_t)dense_item(g, 40) * di;
    ck_assert_float_eq(i10[1], 1.0f);
    ck_assert_float_eq(i10[0], 0.0f);
    ck_assert_float_eq(i30[18], 1.0f);
    ck_assert_float_eq(i30[19], 0.0f);
    ck_assert_float_lt(i40[20], i30[20]);
    ck_assert_float_eq(i40[21], 0.0f);
    /* item 10 (ratings 5, 4) is above item 20 (3, 1) */
    ck_assert_float_gt(i10[21], xi[(size_t)dense_item(g, 20) * di + 21]);
    /* wrong shapes and types are refused */
    ck_assert_int_eq(gr_features_compute(xu, g->n_users, du + 1, g, GR_NODE_USER), GR_EINVAL);
    ck_assert_int_eq(gr_features_dim(&du, g, 7), GR_EINVAL);
    free(xu);
    free(xi);
    gr_graph_free(g);
    fx_rmtree(dir);
    free(dir);
}
END_TEST

/* Any int64 timestamp falls in its hour of day and day of week, with no
 * overflow on the way (the hour and day columns of user features). */
START_TEST(extreme_timestamps_fall_in_their_hour_and_day)
{
    static const struct {
        int64_t ts;
        int hour, day; /* day: Monday 0 */
    } cases[] = {
        { INT64_MIN, 8, 6 }, { INT64_MAX, 15, 6 }, { -1, 23, 2 }, { 0, 0, 3 }, { 1700000000, 22, 1 },
        { INT64_MIN + 1, 8, 6 }, { -86400 * 7, 0, 3 },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        gr_node_stats st;
        memset(&st, 0, sizeof st);
        gr_node_stats_add(&st, 4.0, cases[k].ts, 1, 1);
        for (int h = 0; h < GR_FEAT_HOURS; h++) ck_assert_float_eq(st.hour[h], h == cases[k].hour ? 1.0f : 0.0f);
        for (int d = 0; d < GR_FEAT_DAYS; d++) ck_assert_float_eq(st.day[d], d == cases[k].day ? 1.0f : 0.0f);
        gr_node_stats_add(&st, 4.0, cases[k].ts, 1, -1);
        ck_assert_float_eq(st.hour[cases[k].hour], 0.0f);
    }
    /* through the public call: one user rated at both ends of time */
    int64_t u[] = { 1, 1, 2 }, it[] = { 10, 20, 10 }, ts[] = { INT64_MIN, INT64_MAX, 0 };
    float r[] = { 4, 2, 3 };
    gr_graph *g;
    ck_assert_int_eq(gr_graph_from_edges(&g, u, it, r, ts, 3, 0), GR_OK);
    size_t du;
    ck_assert_int_eq(gr_features_dim(&du, g, GR_NODE_USER), GR_OK);
    ck_assert_uint_eq(du, 3 + GR_FEAT_HOURS + GR_FEAT_DAYS); /* count, mean, spread, hours, days */
    float *x = malloc(g->n_users * du * sizeof *x);
    ck_assert_int_eq(gr_features_compute(x, g->n_users, du, g, GR_NODE_USER), GR_OK);
    const float *h = x + (size_t)gr_graph_user_index(g, 1) * du + 3;
    ck_assert_float_eq(h[8], 0.5f);
    ck_assert_float_eq(h[15], 0.5f);
    ck_assert_float_eq(h[GR_FEAT_HOURS + 6], 1.0f);
    free(x);
    gr_graph_free(g);
}
END_TEST

START_TEST(features_see_only_their_own_graph)
{
    char *dir;
    gr_graph *g = load_small(&dir);
    /* a training graph without user 1's rating of item 10 */
    int64_t u[] = { 1, 2, 2, 3 }, it[] = { 20, 10, 30, 20 };
    float r[] = { 3, 4, 2, 1 };
    int64_t ts[] = { 1000090000, 1000000000, 1000000000, 1000090000 };
    gr_graph *train;
    ck_assert_int_eq(gr_graph_from_edges_like(&train, g, u, it, r, ts, 4, 0), GR_OK);
    gr_feat_spec sp;
    gr_feat_spec_fit(&sp, train);
    ck_assert_double_eq_tol(sp.mu, 2.5, 1e-9);
    gr_node_stats st;
    gr_node_stats_of(&st, train, GR_NODE_USER, (size_t)dense_user(train, 1));
    ck_assert_double_eq(st.n, 1);
    ck_assert_double_eq(st.sum, 3);
    ck_assert_float_eq(st.day[0], 1.0f);
    /* the statistics minus an edge are those of the graph without it */
    gr_node_stats full, minus;
    gr_node_stats_of(&full, g, GR_NODE_USER, (size_t)dense_user(g, 1));
    minus = full;
    gr_node_stats_add(&minus, 5, 1000000000, 1, -1);
    ck_assert_double_eq(minus.n, st.n);
    ck_assert_double_eq(minus.sum, st.sum);
    ck_assert_double_eq(minus.sumsq, st.sumsq);
    ck_assert_int_eq(memcmp(minus.hour, st.hour, sizeof st.hour), 0);
    ck_assert_int_eq(memcmp(minus.day, st.day, sizeof st.day), 0);
    gr_graph_free(train);
    gr_graph_free(g);
    fx_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(graphs_without_metadata_get_statistics_only)
{
    fx_planted p;
    fx_planted_make(&p, 10, 10, 2, 4, 1);
    size_t du, di;
    ck_assert_int_eq(gr_features_dim(&du, p.all, GR_NODE_USER), GR_OK);
    ck_assert_int_eq(gr_features_dim(&di, p.all, GR_NODE_ITEM), GR_OK);
    /* count, mean, spread and the activity shares; count and mean */
    ck_assert_uint_eq(du, 3 + 31);
    ck_assert_uint_eq(di, 2);
    int64_t u[] = { 1, 1, 2 }, it[] = { 5, 6, 5 };
    gr_graph *g;
    ck_assert_int_eq(gr_graph_from_edges(&g, u, it, NULL, NULL, 3, 0), GR_OK);
    ck_assert_int_eq(gr_features_dim(&du, g, GR_NODE_USER), GR_OK);
    ck_assert_uint_eq(du, 1);
    gr_graph_free(g);
    fx_planted_free(&p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("graphsage_parts");
    TCase *tc = tcase_create("parts");
    tcase_add_test(tc, sampler_respects_fanouts_exclusions_and_prefixes);
    tcase_add_test(tc, sampling_is_uniform);
    tcase_add_test(tc, a_block_is_the_same_on_any_number_of_threads);
    tcase_add_test(tc, full_block_is_the_graph);
    tcase_add_test(tc, builtin_features_encode_metadata_and_ratings);
    tcase_add_test(tc, extreme_timestamps_fall_in_their_hour_and_day);
    tcase_add_test(tc, features_see_only_their_own_graph);
    tcase_add_test(tc, graphs_without_metadata_get_statistics_only);
    suite_add_tcase(s, tc);
    return fx_run(s);
}
