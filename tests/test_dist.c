/*
 * Data-parallel training over MPI (docs/distributed.md), run by meson under
 * `mpirun -np 2` and `mpirun -np 4 --oversubscribe`: every rank trains on
 * the same generated graph; the distributed model must be the same on all
 * ranks and match the single-process model's test metrics; a bad input or
 * a failure on one rank must give every rank the same error.  Check runs
 * the tests in this process (CK_NOFORK): MPI does not survive fork.
 */
#include <gnnrec.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dist/dist.h"
#include "fixtures.h"
#include "models/lightgcn.h"
#include "models/model.h"

static int rank, size;
static fx_planted P;

/* Recall@20 on the planted test split. */
static double recall20(const gr_model *m)
{
    double out[GR_METRIC_COUNT];
    int k = 20;
    ck_assert_int_eq(gr_eval_ranking(out, NULL, m, P.train, P.test, &k, 1), GR_OK);
    return out[GR_METRIC_RECALL];
}

static gr_trainer *trainer(int kind, const char *mode, int epochs, uint64_t seed, int with_comm)
{
    gr_trainer *t;
    ck_assert_int_eq(gr_trainer_new(&t, kind), GR_OK);
    char text[32];
    if (mode) ck_assert_int_eq(gr_trainer_set(t, "mode", mode), GR_OK);
    snprintf(text, sizeof text, "%d", epochs);
    ck_assert_int_eq(gr_trainer_set(t, "epochs", text), GR_OK);
    snprintf(text, sizeof text, "%llu", (unsigned long long)seed);
    ck_assert_int_eq(gr_trainer_set(t, "seed", text), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "holdout", "0"), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "dim", "32"), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "batch", "1024"), GR_OK);
    /* the sampled schedule draws fewer negatives than the 300 items */
    if (mode && strcmp(mode, "sampled") == 0) ck_assert_int_eq(gr_trainer_set(t, "negatives", "100"), GR_OK);
    MPI_Comm world = MPI_COMM_WORLD;
    if (with_comm) ck_assert_int_eq(gr_trainer_set_comm(t, &world), GR_OK);
    return t;
}

/* Whether every rank passes the same value (bit for bit). */
static int same_everywhere(uint64_t v)
{
    uint64_t lo, hi;
    MPI_Allreduce(&v, &lo, 1, MPI_UINT64_T, MPI_MIN, MPI_COMM_WORLD);
    MPI_Allreduce(&v, &hi, 1, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
    return lo == hi;
}

/* Every kind materialises its user and item vectors. */
static uint64_t hash_model(const gr_model *m)
{
    return gr_dist_hash_floats(m->user_vec, m->n_users * m->dim) ^
           (gr_dist_hash_floats(m->item_vec, m->n_items * m->dim) * 31);
}

/*
 * The N-rank model of kind/mode against single-process models with the
 * same seed and with another seed.  The ranks compute the same sums in
 * another order (and the fast schedule rounds its products to bfloat16
 * where the CPU has them), so the models differ in the last bits, which
 * training amplifies: the tolerance is on the test metric, 0.02 recall@20,
 * while the recall@20 of two seeds differs by up to about 0.03 on this graph
 * (printed by the test).
 */
static void compare(int kind, const char *mode, int epochs)
{
    gr_model *one, *other, *many;
    gr_trainer *t1 = trainer(kind, mode, epochs, 42, 0), *t2 = trainer(kind, mode, epochs, 43, 0);
    gr_trainer *tn = trainer(kind, mode, epochs, 42, 1);
    ck_assert_int_eq(gr_trainer_fit(&one, t1, P.train), GR_OK);
    ck_assert_int_eq(gr_trainer_fit(&other, t2, P.train), GR_OK);
    ck_assert_int_eq(gr_trainer_fit(&many, tn, P.train), GR_OK);
    double r1 = recall20(one), r2 = recall20(other), rn = recall20(many), ranks = 0;
    ck_assert_int_eq(gr_model_info(&ranks, many, "ranks"), GR_OK);
    ck_assert_double_eq(ranks, size);
    if (rank == 0)
        printf("%s %s, %d epochs: recall@20 1 rank %.4f, %d ranks %.4f (seed 43: %.4f, spread %.4f)\n",
               gr_model_kind_name(kind), mode ? mode : "-", epochs, r1, size, rn, r2, fabs(r2 - r1));
    ck_assert_msg(fabs(rn - r1) <= 0.02, "%d ranks: recall@20 %.4f, 1 rank %.4f", size, rn, r1);
    ck_assert_msg(r1 > 0.05, "the model did not learn: recall@20 %.4f", r1);
    ck_assert_msg(same_everywhere(hash_model(many)), "the ranks hold different models");
    double epochs_run;
    gr_trainer_stat(&epochs_run, tn, GR_STAT_EPOCHS);
    ck_assert_double_eq(epochs_run, epochs);
    gr_model_free(one);
    gr_model_free(other);
    gr_model_free(many);
    gr_trainer_free(t1);
    gr_trainer_free(t2);
    gr_trainer_free(tn);
}

START_TEST(lightgcn_fast_matches_one_rank) { compare(GR_MODEL_LIGHTGCN, "fast", 40); }
END_TEST

/* each rank a share of the user blocks, each block's draws as one process's */
START_TEST(lightgcn_sampled_matches_one_rank) { compare(GR_MODEL_LIGHTGCN, "sampled", 40); }
END_TEST

START_TEST(lightgcn_paper_matches_one_rank) { compare(GR_MODEL_LIGHTGCN, "paper", 8); }
END_TEST

START_TEST(mf_paper_matches_one_rank) { compare(GR_MODEL_MF, "paper", 8); }
END_TEST

START_TEST(mf_fast_matches_one_rank) { compare(GR_MODEL_MF, "fast", 40); }
END_TEST

/* Knowledge-graph embeddings of the user-item graph (likes as triples):
 * each rank takes a share of every batch's queries against the batch's
 * shared negatives. */
START_TEST(transe_matches_one_rank) { compare(GR_MODEL_TRANSE, NULL, 10); }
END_TEST

START_TEST(rotate_matches_one_rank) { compare(GR_MODEL_ROTATE, NULL, 10); }
END_TEST

/*
 * gr_kg_fit on triples with groups of queries sharing negatives
 * (neg_share): each rank takes whole groups with their negatives.  The
 * last epoch's loss must be the single process's (the same triples and
 * negatives, summed in another order) and the model the same everywhere.
 */
START_TEST(kg_groups_match_one_rank)
{
    gr_kg *kg;
    ck_assert_int_eq(gr_kg_from_graph(&kg, P.train, 0, GR_KG_SIDE_NONE), GR_OK);
    double loss[2];
    uint64_t h = 0;
    for (int with_comm = 0; with_comm < 2; with_comm++) {
        gr_trainer *t = trainer(GR_MODEL_DISTMULT, NULL, 4, 42, with_comm);
        ck_assert_int_eq(gr_trainer_set(t, "batch", "256"), GR_OK);
        ck_assert_int_eq(gr_trainer_set(t, "neg_share", "32"), GR_OK);
        gr_model *m;
        ck_assert_int_eq(gr_kg_fit(&m, t, kg, NULL), GR_OK);
        gr_trainer_stat(&loss[with_comm], t, GR_STAT_LOSS);
        h = hash_model(m);
        gr_model_free(m);
        gr_trainer_free(t);
    }
    if (rank == 0) printf("distmult on triples, groups of 32: last loss 1 rank %.6f, %d ranks %.6f\n", loss[0], size, loss[1]);
    ck_assert_msg(fabs(loss[1] - loss[0]) <= 1e-3 * fabs(loss[0]), "loss %g against %g", loss[1], loss[0]);
    ck_assert(same_everywhere(h));
    gr_kg_free(kg);
}
END_TEST

/* Every rank returns code with one message, naming `what`. */
static void same_error(int rc, int code, const char *what)
{
    ck_assert_msg(rc == code, "rank %d: status %d (%s), expected %d", rank, rc, gr_last_error(), code);
    ck_assert_msg(strstr(gr_last_error(), what) != NULL, "rank %d: '%s' does not name '%s'", rank, gr_last_error(), what);
    const char *msg = gr_last_error();
    ck_assert(same_everywhere(gr_dist_hash_bytes(1469598103934665603ULL, msg, strlen(msg))));
}

/* The last rank trains on another graph: every rank refuses. */
START_TEST(different_graph_on_one_rank)
{
    fx_planted other;
    fx_planted_make(&other, 200, 150, 4, 20, 99);
    gr_trainer *t = trainer(GR_MODEL_LIGHTGCN, "fast", 3, 42, 1);
    gr_model *m = (gr_model *)&m;
    int rc = gr_trainer_fit(&m, t, rank == size - 1 ? other.train : P.train);
    same_error(rc, GR_EINVAL, "different training graphs");
    ck_assert_ptr_null(m);
    gr_trainer_free(t);
    fx_planted_free(&other);
}
END_TEST

/* The last rank has another learning rate: every rank refuses. */
START_TEST(different_setting_on_one_rank)
{
    gr_trainer *t = trainer(GR_MODEL_MF, "paper", 2, 42, 1);
    if (rank == size - 1) ck_assert_int_eq(gr_trainer_set(t, "lr", "0.5"), GR_OK);
    /* the thread count may differ between hosts */
    if (rank == 0) ck_assert_int_eq(gr_trainer_set(t, "threads", "1"), GR_OK);
    gr_model *m = NULL;
    same_error(gr_trainer_fit(&m, t, P.train), GR_EINVAL, "different trainer settings");
    gr_trainer_free(t);
}
END_TEST

/* A check that fails on one rank alone (a validation graph from another
 * catalogue) stops every rank with that rank's message. */
START_TEST(failure_on_one_rank)
{
    fx_planted other;
    fx_planted_make(&other, 200, 150, 4, 20, 99);
    gr_trainer *t = trainer(GR_MODEL_LIGHTGCN, "paper", 2, 42, 1);
    if (rank == 1) ck_assert_int_eq(gr_trainer_set_validation(t, other.test), GR_OK);
    gr_model *m = NULL;
    same_error(gr_trainer_fit(&m, t, P.train), GR_EINVAL, "rank 1 of");
    ck_assert(strstr(gr_last_error(), "id space") != NULL);
    gr_trainer_free(t);
    fx_planted_free(&other);
}
END_TEST

/* Kinds without a distributed schedule are refused on every rank. */
START_TEST(unsupported_kind)
{
    gr_trainer *t;
    ck_assert_int_eq(gr_trainer_new(&t, GR_MODEL_GRAPHSAGE), GR_OK);
    MPI_Comm world = MPI_COMM_WORLD;
    ck_assert_int_eq(gr_trainer_set_comm(t, &world), GR_OK);
    gr_model *m = NULL;
    same_error(gr_trainer_fit(&m, t, P.train), GR_EUNSUPPORTED, "not available");
    gr_trainer_free(t);
}
END_TEST

/* A progress callback that stops on one rank stops all at that epoch. */
static int stop_at_3_on_last(void *ud, int epoch, double loss, double seconds, double metric)
{
    (void)ud;
    (void)loss;
    (void)seconds;
    (void)metric;
    return rank == size - 1 && epoch == 3;
}

START_TEST(stop_on_one_rank_stops_all)
{
    gr_trainer *t = trainer(GR_MODEL_LIGHTGCN, "fast", 20, 42, 1);
    gr_trainer_set_progress(t, stop_at_3_on_last, NULL);
    gr_model *m = NULL;
    ck_assert_int_eq(gr_trainer_fit(&m, t, P.train), GR_OK);
    double epochs;
    gr_trainer_stat(&epochs, t, GR_STAT_EPOCHS);
    ck_assert_double_eq(epochs, 3);
    ck_assert(same_everywhere(hash_model(m)));
    gr_model_free(m);
    gr_trainer_free(t);
}
END_TEST

/* ---- The graph filters and EASE: each rank a share of the users' rows ---- */

/* A training-free kind's trainer, seed 42, no holdout (settings: key,
 * value pairs, NULL-terminated). */
static gr_trainer *filter_trainer(int kind, int with_comm, const char *const *settings)
{
    gr_trainer *t;
    ck_assert_int_eq(gr_trainer_new(&t, kind), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "seed", "42"), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "holdout", "0"), GR_OK);
    for (size_t k = 0; settings && settings[k]; k += 2) ck_assert_int_eq(gr_trainer_set(t, settings[k], settings[k + 1]), GR_OK);
    MPI_Comm world = MPI_COMM_WORLD;
    if (with_comm) ck_assert_int_eq(gr_trainer_set_comm(t, &world), GR_OK);
    return t;
}

/* Every user's scores of every item (the kinds score through their ops). */
static float *all_scores(const gr_model *m)
{
    float *s = malloc(m->n_users * m->n_items * sizeof *s);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(m->ops->score_users(m, 0, m->n_users, s), GR_OK);
    return s;
}

static double recall20_on(const gr_model *m, const gr_graph *train, const gr_graph *test)
{
    double out[GR_METRIC_COUNT];
    int k = 20;
    ck_assert_int_eq(gr_eval_ranking(out, NULL, m, train, test, &k, 1), GR_OK);
    return out[GR_METRIC_RECALL];
}

/*
 * The N-rank fit of a filter kind against the one process's on the same
 * graph: the ranks hold the same scores bit for bit, and these differ
 * from the one process's by at most `tol` times the largest score (the
 * SVD's products are summed in another order; EASE's Gram matrix holds
 * integer counts, exact in any order, so its tolerance is 0), with the
 * same test recall@20 within 0.005.  Returns the largest relative
 * difference.
 */
static double compare_filter(int kind, const char *const *settings, const fx_planted *data, double tol)
{
    gr_model *one, *many;
    gr_trainer *t1 = filter_trainer(kind, 0, settings), *tn = filter_trainer(kind, 1, settings);
    ck_assert_int_eq(gr_trainer_fit(&one, t1, data->train), GR_OK);
    ck_assert_msg(gr_trainer_fit(&many, tn, data->train) == GR_OK, "%s", gr_last_error());
    double ranks = 0, sent = 0;
    ck_assert_int_eq(gr_model_info(&ranks, many, "ranks"), GR_OK);
    ck_assert_double_eq(ranks, size);
    ck_assert_int_eq(gr_model_info(&sent, many, "dist_bytes_sent"), GR_OK);
    ck_assert_msg(sent > 0, "no bytes were exchanged");
    float *s1 = all_scores(one), *sn = all_scores(many);
    size_t n = one->n_users * one->n_items;
    double top = 0, diff = 0;
    for (size_t q = 0; q < n; q++) {
        top = fmax(top, fabs(s1[q]));
        diff = fmax(diff, fabs((double)sn[q] - (double)s1[q]));
    }
    double rel = diff / top, r1 = recall20_on(one, data->train, data->test), rn = recall20_on(many, data->train, data->test);
    if (rank == 0)
        printf("%s%s%s%s%s on %zu users x %zu items: largest score difference %.3g of the largest score, recall@20 1 rank "
               "%.4f, %d ranks %.4f, %.0f bytes sent by rank 0\n",
               gr_model_kind_name(kind), settings ? " " : "", settings ? settings[0] : "", settings ? " " : "",
               settings ? settings[1] : "", one->n_users, one->n_items, rel, r1, size, rn, sent);
    ck_assert_msg(same_everywhere(gr_dist_hash_floats(sn, n)), "the ranks score differently");
    ck_assert_msg(rel <= tol, "%d ranks: scores differ by %g of the largest, more than %g", size, rel, tol);
    ck_assert_msg(fabs(rn - r1) <= 0.005, "%d ranks: recall@20 %.4f, 1 rank %.4f", size, rn, r1);
    ck_assert_msg(r1 > 0.05, "the filter did not learn: recall@20 %.4f", r1);
    free(s1);
    free(sn);
    gr_model_free(one);
    gr_model_free(many);
    gr_trainer_free(t1);
    gr_trainer_free(tn);
    return rel;
}

/* The users outnumber the items (400 x 300): the filter is a matrix,
 * built in shares of its rows. */
START_TEST(gfcf_matches_one_rank) { compare_filter(GR_MODEL_GFCF, NULL, &P, 1e-4); }
END_TEST

START_TEST(cheby_matches_one_rank)
{
    compare_filter(GR_MODEL_CHEBY, NULL, &P, 1e-4);
    /* the polynomial applied exactly: the matrix's rows by blocks of 64 */
    static const char *const exact[] = { "tail", "0", NULL };
    compare_filter(GR_MODEL_CHEBY, exact, &P, 1e-4);
}
END_TEST

/* More items than users (200 x 400): scored through the factors and R~. */
START_TEST(filters_wide_match_one_rank)
{
    fx_planted wide;
    fx_planted_make(&wide, 200, 400, 4, 30, 11);
    static const char *const rank64[] = { "rank", "64", NULL };
    compare_filter(GR_MODEL_GFCF, rank64, &wide, 1e-4);
    compare_filter(GR_MODEL_CHEBY, rank64, &wide, 1e-4);
    fx_planted_free(&wide);
}
END_TEST

/* The thread count may differ between ranks: the replicated steps (the
 * SVD block's orthonormalisation, EASE's inversion) must not depend on it. */
START_TEST(filters_with_other_threads_per_rank)
{
    fx_planted wide;
    fx_planted_make(&wide, 200, 400, 4, 30, 11);
    static const char *const rank64[] = { "rank", "64", NULL };
    const int kinds[] = { GR_MODEL_GFCF, GR_MODEL_CHEBY, GR_MODEL_EASE };
    for (size_t q = 0; q < 3; q++)
        for (int g = 0; g < 2; g++) {
            const fx_planted *data = g ? &wide : &P;
            gr_trainer *t = filter_trainer(kinds[q], 1, g && kinds[q] != GR_MODEL_EASE ? rank64 : NULL);
            ck_assert_int_eq(gr_trainer_set(t, "threads", rank == 0 ? "1" : "2"), GR_OK);
            gr_model *m;
            ck_assert_msg(gr_trainer_fit(&m, t, data->train) == GR_OK, "%s", gr_last_error());
            float *sc = all_scores(m);
            ck_assert_msg(same_everywhere(gr_dist_hash_floats(sc, m->n_users * m->n_items)), "%s: the ranks score differently",
                          gr_model_kind_name(kinds[q]));
            free(sc);
            gr_model_free(m);
            gr_trainer_free(t);
        }
    fx_planted_free(&wide);
}
END_TEST

START_TEST(ease_matches_one_rank) { compare_filter(GR_MODEL_EASE, NULL, &P, 0); }
END_TEST

/* With validation data the filters search their parameters: every rank
 * evaluates the same model and so makes the same choices. */
START_TEST(filter_search_matches_one_rank)
{
    for (int kind = GR_MODEL_GFCF; kind <= GR_MODEL_CHEBY; kind++) {
        double chosen[2];
        uint64_t h = 0;
        for (int with_comm = 0; with_comm < 2; with_comm++) {
            gr_trainer *t = filter_trainer(kind, with_comm, NULL);
            ck_assert_int_eq(gr_trainer_set_validation(t, P.test), GR_OK);
            gr_model *m;
            ck_assert_int_eq(gr_trainer_fit(&m, t, P.train), GR_OK);
            ck_assert_int_eq(gr_model_info(&chosen[with_comm], m, "alpha"), GR_OK);
            float *s = all_scores(m);
            h = gr_dist_hash_floats(s, m->n_users * m->n_items);
            free(s);
            gr_model_free(m);
            gr_trainer_free(t);
        }
        ck_assert_double_eq(chosen[0], chosen[1]);
        ck_assert(same_everywhere(h));
    }
}
END_TEST

/* A progress callback stopping one rank's search stops every rank's. */
START_TEST(filter_search_stop_on_one_rank)
{
    gr_trainer *t = filter_trainer(GR_MODEL_CHEBY, 1, NULL);
    ck_assert_int_eq(gr_trainer_set_validation(t, P.test), GR_OK);
    gr_trainer_set_progress(t, stop_at_3_on_last, NULL);
    gr_model *m = NULL;
    ck_assert_int_eq(gr_trainer_fit(&m, t, P.train), GR_OK);
    double trials;
    gr_trainer_stat(&trials, t, GR_STAT_EPOCHS);
    ck_assert_double_eq(trials, 3);
    gr_model_free(m);
    gr_trainer_free(t);
}
END_TEST

/* A time budget's settings search over a filter's parameters: the ranks
 * agree on every stop and end with the same model. */
START_TEST(filter_budget_search)
{
    gr_trainer *t = filter_trainer(GR_MODEL_GFCF, 1, NULL);
    ck_assert_int_eq(gr_trainer_set_validation(t, P.test), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "budget", "2"), GR_OK);
    gr_model *m = NULL;
    ck_assert_msg(gr_trainer_fit(&m, t, P.train) == GR_OK, "%s", gr_last_error());
    double trials;
    gr_trainer_stat(&trials, t, GR_STAT_TRIALS);
    ck_assert(trials >= 1);
    ck_assert(same_everywhere((uint64_t)trials));
    float *s = all_scores(m);
    ck_assert(same_everywhere(gr_dist_hash_floats(s, m->n_users * m->n_items)));
    free(s);
    gr_model_free(m);
    gr_trainer_free(t);
}
END_TEST

/* Holding out part of the training data to choose the epoch, then
 * refitting: the held-out part and the chosen epoch are the same on every
 * rank, and so is the model. */
START_TEST(holdout_and_refit)
{
    gr_trainer *t = trainer(GR_MODEL_LIGHTGCN, "fast", 30, 42, 1);
    ck_assert_int_eq(gr_trainer_set(t, "holdout", "0.1"), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "eval_every", "5"), GR_OK);
    gr_model *m = NULL;
    ck_assert_int_eq(gr_trainer_fit(&m, t, P.train), GR_OK);
    double best;
    gr_trainer_stat(&best, t, GR_STAT_BEST_EPOCH);
    ck_assert(same_everywhere((uint64_t)best));
    ck_assert(same_everywhere(hash_model(m)));
    gr_model_free(m);
    gr_trainer_free(t);
}
END_TEST

/* Before each test: fx_planted_make asserts, which Check allows only there. */
static void setup(void) { fx_planted_make(&P, 400, 300, 5, 30, 7); }
static void teardown(void) { fx_planted_free(&P); }

int main(int argc, char **argv)
{
    int provided;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size < 2) {
        if (rank == 0) printf("SKIP: run under mpirun -np 2 or more\n");
        MPI_Finalize();
        return FX_SKIP;
    }
    Suite *s = suite_create("dist");
    TCase *tc = tcase_create("dist");
    tcase_set_timeout(tc, 600);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, lightgcn_fast_matches_one_rank);
    tcase_add_test(tc, lightgcn_sampled_matches_one_rank);
    tcase_add_test(tc, lightgcn_paper_matches_one_rank);
    tcase_add_test(tc, mf_paper_matches_one_rank);
    tcase_add_test(tc, mf_fast_matches_one_rank);
    tcase_add_test(tc, transe_matches_one_rank);
    tcase_add_test(tc, rotate_matches_one_rank);
    tcase_add_test(tc, kg_groups_match_one_rank);
    tcase_add_test(tc, different_graph_on_one_rank);
    tcase_add_test(tc, different_setting_on_one_rank);
    tcase_add_test(tc, failure_on_one_rank);
    tcase_add_test(tc, unsupported_kind);
    tcase_add_test(tc, stop_on_one_rank_stops_all);
    tcase_add_test(tc, holdout_and_refit);
    tcase_add_test(tc, gfcf_matches_one_rank);
    tcase_add_test(tc, cheby_matches_one_rank);
    tcase_add_test(tc, filters_wide_match_one_rank);
    tcase_add_test(tc, ease_matches_one_rank);
    tcase_add_test(tc, filters_with_other_threads_per_rank);
    tcase_add_test(tc, filter_search_matches_one_rank);
    tcase_add_test(tc, filter_search_stop_on_one_rank);
    tcase_add_test(tc, filter_budget_search);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_NOFORK);
    /* one rank's report is enough; every rank's failures count */
    srunner_run_all(sr, rank == 0 ? CK_NORMAL : CK_SILENT);
    int failed = srunner_ntests_failed(sr), any = 0;
    srunner_free(sr);
    MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    MPI_Finalize();
    return any ? 1 : 0;
}
