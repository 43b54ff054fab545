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
} seen;

static int on_trial(void *ud, int trial, size_t n, const char *const *names, const double *values, double metric,
                    int best_epoch, double seconds)
{
    seen *s = ud;
    (void)best_epoch;
    (void)seconds;
    ck_assert_int_eq(trial, s->n + 1);
    ck_assert(n <= 8);
    s->dims = n;
    for (size_t k = 0; k < n; k++) snprintf(s->names[k], sizeof s->names[k], "%s", names[k]);
    if (s->n < MAX_SEEN) {
        memcpy(s->values[s->n], values, n * sizeof *values);
        s->figure[s->n] = metric;
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

START_TEST(search_moves_only_when_validation_improves)
{
    fx_planted p;
    fx_planted_make(&p, 80, 100, 4, 24, 7);
    seen s;
    memset(&s, 0, sizeof s);
    /* a budget no small fit uses up: the search ends when no step improves */
    gr_trainer *t = lightgcn_trainer("1e6", &s);
    gr_model *m;
    ck_assert_int_eq(gr_trainer_fit(&m, t, p.train), GR_OK);
    ck_assert_int_ge(s.n, 2);
    ck_assert_int_le(s.n, 64); /* bounded, whatever the budget */
    /* epochs were set: lr and reg are searched, starting from the schedule's defaults */
    ck_assert_int_eq((int)s.dims, 2);
    ck_assert_int_eq(dim_of(&s, "epochs"), -1);
    int lr = dim_of(&s, "lr"), reg = dim_of(&s, "reg");
    ck_assert(lr >= 0 && reg >= 0);
    ck_assert_double_eq_tol(s.values[0][lr], 0.5, 1e-12);
    ck_assert_double_eq_tol(s.values[0][reg], 1e-2, 1e-12);
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
    ck_assert_int_eq(gr_trainer_fit(&m, t, p.train), GR_OK);
    ck_assert_int_eq(again.n, s.n);
    ck_assert_int_eq(memcmp(again.figure, s.figure, (size_t)s.n * sizeof *s.figure), 0);
    gr_model_free(m);
    gr_trainer_free(t);
    fx_planted_free(&p);
}
END_TEST

START_TEST(hand_set_settings_are_never_searched)
{
    fx_planted p;
    fx_planted_make(&p, 80, 100, 4, 24, 7);
    seen s;
    memset(&s, 0, sizeof s);
    gr_trainer *t = lightgcn_trainer("1e6", &s);
    ck_assert_int_eq(gr_trainer_set_double(t, GR_OPT_LR, 0.3), GR_OK);
    gr_model *m;
    ck_assert_int_eq(gr_trainer_fit(&m, t, p.train), GR_OK);
    ck_assert_int_eq(dim_of(&s, "lr"), -1);
    ck_assert_int_ge(dim_of(&s, "reg"), 0);
    double v;
    ck_assert_int_eq(gr_model_info(&v, m, "lr"), GR_OK);
    ck_assert_double_eq_tol(v, 0.3, 1e-12);
    gr_model_free(m);
    gr_trainer_free(t);
    fx_planted_free(&p);
}
END_TEST

START_TEST(a_spent_budget_runs_the_defaults_alone)
{
    fx_planted p;
    fx_planted_make(&p, 80, 100, 4, 24, 7);
    seen s;
    memset(&s, 0, sizeof s);
    gr_trainer *t = lightgcn_trainer("1e-9", &s), *plain = lightgcn_trainer(NULL, NULL);
    gr_model *m, *m0;
    ck_assert_int_eq(gr_trainer_fit(&m, t, p.train), GR_OK);
    ck_assert_int_eq(gr_trainer_fit(&m0, plain, p.train), GR_OK);
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
    ck_assert_int_eq(gr_trainer_fit(&m, t, p.train), GR_OK);
    ck_assert_int_eq(two.n, 2);
    gr_model_free(m);
    gr_trainer_free(t);
    gr_trainer_free(plain);
    fx_planted_free(&p);
}
END_TEST

START_TEST(filters_search_their_parameters_on_the_validation_graph)
{
    fx_planted p;
    fx_planted_make(&p, 80, 100, 4, 24, 7);
    seen s;
    memset(&s, 0, sizeof s);
    gr_trainer *t = fx_trainer(GR_MODEL_CHEBY, "rank", "16", "order", "3", "budget", "1e6", NULL);
    ck_assert_int_eq(gr_trainer_set_trial_callback(t, on_trial, &s), GR_OK);
    gr_graph *tr, *va;
    ck_assert_int_eq(gr_holdout_split(&tr, &va, p.train, 0.2, 5, 1), GR_OK);
    ck_assert_int_eq(gr_trainer_set_validation(t, va), GR_OK);
    gr_model *m;
    ck_assert_int_eq(gr_trainer_fit(&m, t, tr), GR_OK);
    ck_assert_int_eq(dim_of(&s, "order"), -1);
    int alpha = dim_of(&s, "alpha"), phi = dim_of(&s, "phi");
    ck_assert(alpha >= 0 && phi >= 0);
    ck_assert_int_ge(s.n, 3);
    int best = replay(&s);
    double v;
    ck_assert_int_eq(gr_model_info(&v, m, "alpha"), GR_OK);
    ck_assert_double_eq_tol(v, s.values[best][alpha], 1e-6);
    ck_assert_int_eq(gr_model_info(&v, m, "phi"), GR_OK);
    ck_assert_double_eq_tol(v, s.values[best][phi], 1e-6);
    gr_model_free(m);
    gr_trainer_free(t);
    gr_graph_free(tr);
    gr_graph_free(va);
    fx_planted_free(&p);
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
    double v;
    ck_assert_int_eq(gr_model_info(&v, m, "lr"), GR_OK);
    ck_assert_double_eq_tol(v, s.values[best][lr], 1e-12);
    ck_assert_int_eq(gr_model_info(&v, m, "search_trials"), GR_OK);
    ck_assert_double_eq(v, 6);
    ck_assert_int_eq(gr_model_info(&v, m, "holdout_edges"), GR_OK);
    ck_assert(v > 0);
    gr_model_free(m);
    gr_trainer_free(t);
    gr_kg_free(kg);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("search");
    TCase *tc = tcase_create("search");
    tcase_add_test(tc, search_moves_only_when_validation_improves);
    tcase_add_test(tc, hand_set_settings_are_never_searched);
    tcase_add_test(tc, a_spent_budget_runs_the_defaults_alone);
    tcase_add_test(tc, filters_search_their_parameters_on_the_validation_graph);
    tcase_add_test(tc, knowledge_graph_search_on_held_out_triples);
    suite_add_tcase(s, tc);
    return fx_run(s);
}
