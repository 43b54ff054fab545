/* The time-budgeted settings search (setting budget, train/search.c). */
#include <gnnrec.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "kg/kg.h"
#include "train/holdout.h"

#define MAX_SEEN 80

/* Every trial as the trial callback reports it. */
typedef struct seen {
    int n, stop_at;
    size_t dims;
    char names[8][32];
    double values[MAX_SEEN][8], figure[MAX_SEEN];
    int best_epoch[MAX_SEEN];
} seen;

static int on_trial(void *ud, int trial, size_t n, const char *const *names, const double *values, double metric,
                    int best_epoch, double seconds)
{
    seen *s = ud;
    (void)seconds;
    ck_assert_int_eq(trial, s->n + 1);
    ck_assert(n <= 8);
    s->dims = n;
    for (size_t k = 0; k < n; k++) snprintf(s->names[k], sizeof s->names[k], "%s", names[k]);
    if (s->n < MAX_SEEN) {
        memcpy(s->values[s->n], values, n * sizeof *values);
        s->figure[s->n] = metric;
        s->best_epoch[s->n] = best_epoch;
    }
    s->n++;
    return s->stop_at && s->n >= s->stop_at;
}

static gr_trainer *lightgcn_trainer(const char *budget, seen *s)
{
    gr_trainer *t = fx_trainer(GR_MODEL_LIGHTGCN, "epochs", "30", "eval_every", "5", "dim", "16", "threads", "1", NULL);
    if (budget) fx_set(t, "budget", budget, NULL);
    if (s) ck_assert_int_eq(gr_trainer_set_trial_callback(t, on_trial, s), GR_OK);
    return t;
}

/* A small GraphSAGE, as lightgcn_trainer. */
static gr_trainer *graphsage_trainer(const char *budget, seen *s)
{
    gr_trainer *t = fx_trainer(GR_MODEL_GRAPHSAGE, "epochs", "3", "dim", "16", "hidden", "16", "id_dim", "16",
                               "threads", "1", NULL);
    if (budget) fx_set(t, "budget", budget, NULL);
    if (s) ck_assert_int_eq(gr_trainer_set_trial_callback(t, on_trial, s), GR_OK);
    return t;
}

static int dim_of(const seen *s, const char *name)
{
    for (size_t k = 0; k < s->dims; k++)
        if (strcmp(s->names[k], name) == 0) return (int)k;
    return -1;
}

/* Replay the search from its reports: a trial replaces the best only when
 * its figure is higher, and every trial differs from the best before it
 * in one setting.  Returns the best trial. */
static int replay(const seen *s)
{
    int best = 0;
    for (int k = 1; k < s->n && k < MAX_SEEN; k++) {
        int differ = 0;
        for (size_t q = 0; q < s->dims; q++) differ += s->values[k][q] != s->values[best][q];
        ck_assert_int_eq(differ, 1);
        if (s->figure[k] > s->figure[best]) best = k;
    }
    return best;
}

/* The search tests' data: a planted graph of 80 users and 100 items. */
static fx_planted planted;
static void planted_setup(void) { fx_planted_make(&planted, 80, 100, 4, 24, 7); }
static void planted_teardown(void) { fx_planted_free(&planted); }

START_TEST(search_moves_only_when_validation_improves)
{
    seen s;
    memset(&s, 0, sizeof s);
    /* a budget no small fit uses up: the search ends when no step improves */
    gr_trainer *t = lightgcn_trainer("1e6", &s);
    gr_model *m;
    ck_assert_int_eq(gr_trainer_fit(&m, t, planted.train), GR_OK);
    ck_assert_int_ge(s.n, 2);
    ck_assert_int_le(s.n, 64); /* bounded, whatever the budget */
    /* epochs were set: lr and reg are searched, starting from the schedule's
     * defaults: lr 0.5, and the L2 weight sized to the graph the trials fit
     * (0.45 x (users + items) / its interactions, at least 0.01) */
    ck_assert_int_eq((int)s.dims, 2);
    ck_assert_int_eq(dim_of(&s, "epochs"), -1);
    int lr = dim_of(&s, "lr"), reg = dim_of(&s, "reg");
    ck_assert(lr >= 0 && reg >= 0);
    ck_assert_double_eq_tol(s.values[0][lr], 0.5, 1e-12);
    double held;
    ck_assert_int_eq(gr_model_info(&held, m, "holdout_edges"), GR_OK);
    double fitted = (double)gr_graph_num_edges(planted.train) - held;
    double sized = 0.45 * (double)(gr_graph_num_users(planted.train) + gr_graph_num_items(planted.train)) / fitted;
    ck_assert(sized > 1e-2); /* the planted graph is sparse enough for the rule to show */
    ck_assert_double_eq_tol(s.values[0][reg], sized, 0.005 * sized); /* to three significant digits */
    int best = replay(&s);
    /* the chosen settings are the best trial's, and the model reports them */
    double v, trials, stat;
    ck_assert_int_eq(gr_model_info(&v, m, "lr"), GR_OK);
    ck_assert_double_eq(v, s.values[best][lr]);
    ck_assert_int_eq(gr_model_info(&v, m, "reg"), GR_OK);
    ck_assert_double_eq(v, s.values[best][reg]);
    ck_assert_int_eq(gr_model_info(&trials, m, "search_trials"), GR_OK);
    ck_assert_double_eq(trials, s.n);
    ck_assert_int_eq(gr_trainer_stat(&stat, t, GR_STAT_TRIALS), GR_OK);
    ck_assert_double_eq(stat, s.n);
    ck_assert_int_eq(gr_trainer_stat(&stat, t, GR_STAT_BEST_VALID), GR_OK);
    ck_assert_double_eq(stat, s.figure[best]);
    /* the trainer keeps the caller's settings: lr is the schedule's again */
    ck_assert_int_eq(gr_trainer_get_double(&v, t, GR_OPT_LR), GR_OK);
    ck_assert(isnan(v));
    gr_model_free(m);
    /* the same seed gives the same search */
    seen again;
    memset(&again, 0, sizeof again);
    gr_trainer_set_trial_callback(t, on_trial, &again);
    ck_assert_int_eq(gr_trainer_fit(&m, t, planted.train), GR_OK);
    ck_assert_int_eq(again.n, s.n);
    ck_assert_int_eq(memcmp(again.figure, s.figure, (size_t)s.n * sizeof *s.figure), 0);
    gr_model_free(m);
    gr_trainer_free(t);
}
END_TEST

START_TEST(hand_set_settings_are_never_searched)
{
    seen s;
    memset(&s, 0, sizeof s);
    gr_trainer *t = lightgcn_trainer("1e6", &s);
    ck_assert_int_eq(gr_trainer_set_double(t, GR_OPT_LR, 0.3), GR_OK);
    gr_model *m;
    ck_assert_int_eq(gr_trainer_fit(&m, t, planted.train), GR_OK);
    ck_assert_int_eq(dim_of(&s, "lr"), -1);
    ck_assert_int_ge(dim_of(&s, "reg"), 0);
    double v;
    ck_assert_int_eq(gr_model_info(&v, m, "lr"), GR_OK);
    ck_assert_double_eq_tol(v, 0.3, 1e-12);
    gr_model_free(m);
    gr_trainer_free(t);
}
END_TEST

START_TEST(a_spent_budget_runs_the_defaults_alone)
{
    seen s;
    memset(&s, 0, sizeof s);
    gr_trainer *t = lightgcn_trainer("1e-9", &s), *plain = lightgcn_trainer(NULL, NULL);
    gr_model *m, *m0;
    ck_assert_int_eq(gr_trainer_fit(&m, t, planted.train), GR_OK);
    ck_assert_int_eq(gr_trainer_fit(&m0, plain, planted.train), GR_OK);
    /* the first trial always runs; no other starts once the budget is spent */
    ck_assert_int_eq(s.n, 1);
    double v;
    ck_assert_int_eq(gr_model_info(&v, m, "search_trials"), GR_OK);
    ck_assert_double_eq(v, 1);
    /* and the result is the fit without a budget */
    ck_assert(fx_same_user_vectors(m, m0));
    gr_model_free(m);
    gr_model_free(m0);
    /* the callback can end the search */
    seen two;
    memset(&two, 0, sizeof two);
    two.stop_at = 2;
    ck_assert_int_eq(gr_trainer_set(t, "budget", "1e6"), GR_OK);
    gr_trainer_set_trial_callback(t, on_trial, &two);
    ck_assert_int_eq(gr_trainer_fit(&m, t, planted.train), GR_OK);
    ck_assert_int_eq(two.n, 2);
    gr_model_free(m);
    gr_trainer_free(t);
    gr_trainer_free(plain);
}
END_TEST

/* GraphSAGE's ranking step size is sized to the data (2.83e-3 at a batch of
 * 1024, the smallest automatic batch): a search starts from that value,
 * not from the rating objective's 1e-3, so a spent budget gives the fit
 * without a budget, and the first trial reports the default. */
START_TEST(graphsage_search_starts_from_its_sized_default)
{
    seen s;
    memset(&s, 0, sizeof s);
    gr_trainer *t = graphsage_trainer("1e-9", &s), *plain = graphsage_trainer(NULL, NULL);
    gr_model *m, *m0;
    ck_assert_int_eq(gr_trainer_fit(&m, t, planted.train), GR_OK);
    ck_assert_int_eq(gr_trainer_fit(&m0, plain, planted.train), GR_OK);
    ck_assert_int_eq(s.n, 1);
    int lr = dim_of(&s, "lr"), floor = dim_of(&s, "lr_floor");
    ck_assert(lr >= 0 && floor >= 0);
    ck_assert_double_eq(s.values[0][lr], 2.83e-3);
    ck_assert_double_eq(s.values[0][floor], 1);
    ck_assert(fx_same_user_vectors(m, m0));
    double v;
    ck_assert_int_eq(gr_model_info(&v, m0, "lr"), GR_OK);
    ck_assert_double_eq(v, 2.83e-3);
    /* the caller's settings are given back: unset again after the fit */
    ck_assert_int_eq(gr_trainer_get_double(&v, t, GR_OPT_LR), GR_OK);
    ck_assert(isnan(v));
    gr_model_free(m);
    gr_model_free(m0);
    gr_trainer_free(t);
    gr_trainer_free(plain);
}
END_TEST

/* An integer setting's grid is its start times powers of the factor (2,
 * then 2^(1/2) and 2^(1/4) as the step halves), each to the nearest
 * integer: 1024 negatives step to 2048 and 512, not 2050 and 510. */
START_TEST(an_integer_grid_steps_by_its_factor_exactly)
{
    seen s;
    memset(&s, 0, sizeof s);
    gr_trainer *t = graphsage_trainer("1e6", &s);
    /* the other searched settings set by hand: only the negatives move */
    fx_set(t, "lr", "2e-3", "wd", "0", "lr_floor", "1", NULL);
    gr_model *m;
    ck_assert_int_eq(gr_trainer_fit(&m, t, planted.train), GR_OK);
    ck_assert_int_eq((int)s.dims, 1);
    ck_assert_int_eq(dim_of(&s, "shared_negatives"), 0);
    ck_assert_int_ge(s.n, 3);
    ck_assert_double_eq(s.values[0][0], 1024);
    int off_grid = 0, moved = 0;
    for (int k = 0; k < s.n && k < MAX_SEEN; k++) {
        double v = s.values[k][0];
        int on = 0;
        for (int j = -40; j <= 40 && !on; j++) on = v == round(1024 * pow(2, j / 4.0));
        off_grid += !on;
        moved += v == 2048 || v == 512;
    }
    ck_assert_int_eq(off_grid, 0);
    ck_assert_int_ge(moved, 1);
    gr_model_free(m);
    gr_trainer_free(t);
}
END_TEST

/* A budget's search of a filter's parameters, trial_epochs as given: the
 * reports replay to the kept settings, and the filter's own grid runs
 * neither in the trials nor in the final fit (its trials would be
 * reported too, numbered from 1 again). */
static void check_filter_search(const char *trial_epochs)
{
    seen s;
    memset(&s, 0, sizeof s);
    gr_trainer *t = fx_trainer(GR_MODEL_CHEBY, "rank", "16", "order", "3", "budget", "1e6", "trial_epochs",
                               trial_epochs, NULL);
    ck_assert_int_eq(gr_trainer_set_trial_callback(t, on_trial, &s), GR_OK);
    gr_graph *tr, *va;
    ck_assert_int_eq(gr_holdout_split(&tr, &va, planted.train, 0.2, 5, 1, NULL), GR_OK);
    ck_assert_int_eq(gr_trainer_set_validation(t, va), GR_OK);
    gr_model *m;
    ck_assert_int_eq(gr_trainer_fit(&m, t, tr), GR_OK);
    ck_assert_int_eq(dim_of(&s, "order"), -1);
    int alpha = dim_of(&s, "alpha"), phi = dim_of(&s, "phi"), norm = dim_of(&s, "norm_exp");
    int shift = dim_of(&s, "norm_shift");
    ck_assert(alpha >= 0 && phi >= 0 && norm >= 0 && shift >= 0);
    ck_assert_int_ge(s.n, 3);
    int best = replay(&s);
    double v;
    ck_assert_int_eq(gr_model_info(&v, m, "alpha"), GR_OK);
    ck_assert_double_eq_tol(v, s.values[best][alpha], 1e-6);
    ck_assert_int_eq(gr_model_info(&v, m, "phi"), GR_OK);
    ck_assert_double_eq_tol(v, s.values[best][phi], 1e-6);
    ck_assert_int_eq(gr_model_info(&v, m, "norm_exp"), GR_OK);
    ck_assert_double_eq_tol(v, s.values[best][norm], 1e-6);
    ck_assert_int_eq(gr_model_info(&v, m, "norm_shift"), GR_OK);
    ck_assert_double_eq_tol(v, s.values[best][shift], 1e-6);
    ck_assert_int_eq(gr_model_info(&v, m, "search_trials"), GR_OK);
    ck_assert_double_eq(v, s.n);
    gr_model_free(m);
    gr_trainer_free(t);
    gr_graph_free(tr);
    gr_graph_free(va);
}

START_TEST(filters_search_their_parameters_on_the_validation_graph)
{
    check_filter_search("1");
    /* short trials: the chosen settings then run the default path */
    check_filter_search("0.5");
}
END_TEST

START_TEST(knowledge_graph_search_on_held_out_triples)
{
    gr_kg *kg = fx_random_kg(400, 40, 3, 5);
    seen s;
    memset(&s, 0, sizeof s);
    s.stop_at = 6;
    gr_trainer *t =
        fx_trainer(GR_MODEL_DISTMULT, "dim", "8", "epochs", "4", "negatives", "8", "threads", "1", "budget", "1e6", NULL);
    ck_assert_int_eq(gr_trainer_set_trial_callback(t, on_trial, &s), GR_OK);
    gr_model *m;
    ck_assert_int_eq(gr_kg_fit(&m, t, kg, NULL), GR_OK);
    ck_assert_int_eq(s.n, 6);
    int best = replay(&s), lr = dim_of(&s, "lr");
    ck_assert_int_ge(lr, 0);
    ck_assert_int_ge(dim_of(&s, "reg"), 0);
    /* DistMult's default loss, the sampled softmax, has no temperature */
    ck_assert_int_eq(dim_of(&s, "adv_temp"), -1);
    double v;
    ck_assert_int_eq(gr_model_info(&v, m, "lr"), GR_OK);
    ck_assert_double_eq_tol(v, s.values[best][lr], 1e-12);
    ck_assert_int_eq(gr_model_info(&v, m, "search_trials"), GR_OK);
    ck_assert_double_eq(v, 6);
    ck_assert_int_eq(gr_model_info(&v, m, "holdout_edges"), GR_OK);
    ck_assert(v > 0);
    gr_model_free(m);
    /* with the self-adversarial loss set, its temperature is searched */
    memset(&s, 0, sizeof s);
    s.stop_at = 2;
    fx_set(t, "loss", "adversarial", NULL);
    ck_assert_int_eq(gr_kg_fit(&m, t, kg, NULL), GR_OK);
    ck_assert_int_ge(dim_of(&s, "adv_temp"), 0);
    gr_model_free(m);
    gr_trainer_free(t);
    gr_kg_free(kg);
}
END_TEST

/* A knowledge graph with structure to learn (three relations over a ring
 * of 60 entities), every tenth triple held out as validation. */
static void ring_kg(gr_kg **train, gr_kg **valid)
{
    enum { N = 60, R = 3 };
    static char names[N * R][3][12];
    const char *h[N * R], *r[N * R], *tl[N * R], *vh[N * R], *vr[N * R], *vt[N * R];
    size_t nt = 0, nv = 0;
    for (int k = 0; k < N * R; k++) {
        int a = k / R, rel = k % R, ends[R] = { (a + 1) % N, (a + 7) % N, a / 6 * 6 };
        snprintf(names[k][0], 12, "e%d", a);
        snprintf(names[k][1], 12, "r%d", rel);
        snprintf(names[k][2], 12, "e%d", ends[rel]);
        int held = k % 10 == 4;
        (held ? vh : h)[held ? nv : nt] = names[k][0];
        (held ? vr : r)[held ? nv : nt] = names[k][1];
        (held ? vt : tl)[held ? nv : nt] = names[k][2];
        nv += held;
        nt += !held;
    }
    ck_assert_int_eq(gr_kg_from_names(train, NULL, h, r, tl, nt), GR_OK);
    ck_assert_int_eq(gr_kg_from_names(valid, *train, vh, vr, vt, nv), GR_OK);
}

/* A RotatE trainer with every searched setting set but the schedule's
 * epochs, so that a budget can only extend the schedule. */
static gr_trainer *extension_trainer(const char *lr, const char *schedule, seen *s)
{
    gr_trainer *t = fx_trainer(GR_MODEL_ROTATE, "dim", "8", "negatives", "8", "batch", "64", "eval_every", "1",
                               "threads", "1", "lr", lr, "lr_schedule", schedule, "gamma", "6", "adv_temp", "1",
                               "reg", "0", "budget", "1e6", NULL);
    ck_assert_int_eq(gr_trainer_set_trial_callback(t, on_trial, s), GR_OK);
    return t;
}

/* The ring's triples, which every extension test reads (a checked fixture
 * of their case). */
static gr_kg *ring_train, *ring_valid;

static void extension_setup(void) { ring_kg(&ring_train, &ring_valid); }

static void extension_teardown(void)
{
    gr_kg_free(ring_train);
    gr_kg_free(ring_valid);
}

START_TEST(a_run_still_rising_at_its_end_is_extended)
{
    gr_kg *train = ring_train, *valid = ring_valid;
    seen s;
    memset(&s, 0, sizeof s);
    /* 3 epochs are too few: the validation figure still rises at the end */
    gr_trainer *t = extension_trainer("0.05", "cosine", &s);
    fx_set(t, "epochs", "3", "extend", "on", NULL);
    gr_model *m;
    ck_assert_int_eq(gr_kg_fit(&m, t, train, valid), GR_OK);
    /* the epochs are the one column reported; each trial doubles them */
    ck_assert_int_eq((int)s.dims, 1);
    ck_assert_str_eq(s.names[0], "epochs");
    ck_assert_int_ge(s.n, 3);
    ck_assert_int_eq(s.best_epoch[0], 3);
    /* a doubling runs only after a longer run that beat the shorter one and
     * still rose at its end (its best epoch in the last fifth); the search
     * ends at a run that did not (nothing else is searched) */
    for (int k = 0; k < s.n; k++) {
        ck_assert_double_eq(s.values[k][0], 3 << k);
        int rising = s.best_epoch[k] > 0.8 * s.values[k][0];
        int better = k == 0 || s.figure[k] > s.figure[k - 1];
        ck_assert_int_eq(rising && better, k < s.n - 1);
    }
    int best = replay(&s);
    double v;
    ck_assert_int_eq(gr_model_info(&v, m, "search_epochs"), GR_OK);
    ck_assert_double_eq(v, s.values[best][0]);
    /* the kept run's own epochs (early stopping may end it sooner) */
    ck_assert_int_eq(gr_model_info(&v, m, "best_epoch"), GR_OK);
    ck_assert_double_eq(v, s.best_epoch[best]);
    ck_assert_int_eq(gr_trainer_stat(&v, t, GR_STAT_BEST_VALID), GR_OK);
    ck_assert_double_eq(v, s.figure[best]);
    gr_model_free(m);
    /* the same seed gives the same trials */
    seen again;
    memset(&again, 0, sizeof again);
    gr_trainer_set_trial_callback(t, on_trial, &again);
    ck_assert_int_eq(gr_kg_fit(&m, t, train, valid), GR_OK);
    ck_assert_int_eq(again.n, s.n);
    ck_assert_int_eq(memcmp(again.figure, s.figure, (size_t)s.n * sizeof *s.figure), 0);
    gr_model_free(m);
    /* a hand-set epochs is the caller's: not extended unless extend is on */
    seen plain;
    memset(&plain, 0, sizeof plain);
    fx_set(t, "extend", "auto", NULL);
    gr_trainer_set_trial_callback(t, on_trial, &plain);
    ck_assert_int_eq(gr_kg_fit(&m, t, train, valid), GR_OK);
    ck_assert_int_eq(plain.n, 1);
    ck_assert_int_eq((int)plain.dims, 0);
    ck_assert_int_eq(gr_model_info(&v, m, "search_epochs"), GR_ENOTFOUND);
    gr_model_free(m);
    gr_trainer_free(t);
}
END_TEST

START_TEST(a_run_that_peaked_is_not_extended)
{
    gr_kg *train = ring_train, *valid = ring_valid;
    seen s;
    memset(&s, 0, sizeof s);
    /* a large constant step: the figure peaks and early stopping ends the run */
    gr_trainer *t = extension_trainer("0.2", "constant", &s);
    fx_set(t, "epochs", "40", "extend", "on", "patience", "2", NULL);
    gr_model *m;
    ck_assert_int_eq(gr_kg_fit(&m, t, train, valid), GR_OK);
    ck_assert_int_eq(s.n, 1);
    ck_assert_int_lt(s.best_epoch[0], 40);
    ck_assert_double_eq(s.values[0][0], 40);
    double v;
    ck_assert_int_eq(gr_model_info(&v, m, "search_epochs"), GR_OK);
    ck_assert_double_eq(v, 40);
    gr_model_free(m);
    gr_trainer_free(t);
}
END_TEST

START_TEST(an_extension_that_does_not_fit_the_budget_is_not_started)
{
    gr_kg *train = ring_train, *valid = ring_valid;
    seen s;
    memset(&s, 0, sizeof s);
    gr_trainer *t = extension_trainer("0.05", "cosine", &s);
    fx_set(t, "epochs", "3", "extend", "on", "budget", "1e-9", NULL);
    gr_model *m;
    ck_assert_int_eq(gr_kg_fit(&m, t, train, valid), GR_OK);
    /* still rising, but the budget is spent: the first trial alone */
    ck_assert_int_eq(s.n, 1);
    ck_assert_int_eq(s.best_epoch[0], 3);
    double v;
    ck_assert_int_eq(gr_model_info(&v, m, "search_epochs"), GR_OK);
    ck_assert_double_eq(v, 3);
    gr_model_free(m);
    gr_trainer_free(t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("search");
    TCase *tc = tcase_create("search");
    tcase_add_checked_fixture(tc, planted_setup, planted_teardown);
    tcase_add_test(tc, search_moves_only_when_validation_improves);
    tcase_add_test(tc, hand_set_settings_are_never_searched);
    tcase_add_test(tc, a_spent_budget_runs_the_defaults_alone);
    tcase_add_test(tc, graphsage_search_starts_from_its_sized_default);
    tcase_add_test(tc, an_integer_grid_steps_by_its_factor_exactly);
    tcase_add_test(tc, filters_search_their_parameters_on_the_validation_graph);
    tcase_add_test(tc, knowledge_graph_search_on_held_out_triples);
    suite_add_tcase(s, tc);
    TCase *ext = tcase_create("extension");
    tcase_add_checked_fixture(ext, extension_setup, extension_teardown);
    tcase_add_test(ext, a_run_still_rising_at_its_end_is_extended);
    tcase_add_test(ext, a_run_that_peaked_is_not_extended);
    tcase_add_test(ext, an_extension_that_does_not_fit_the_budget_is_not_started);
    suite_add_tcase(s, ext);
    return fx_run(s);
}
