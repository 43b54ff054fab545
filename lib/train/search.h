/*
 * A time-budgeted search of a kind's settings on validation data (setting
 * `budget`, docs/training.md "Searching settings within a time budget").
 *
 * Each kind names the settings worth searching in a small table of
 * search dimensions (next to its trainer); the search starts from the
 * current settings and walks a log grid one setting at a time (a
 * coordinate search), moving only when the validation figure improves,
 * and halves the grid's step when no move improves.  Settings the caller
 * set are never searched.
 */
#ifndef GR_TRAIN_SEARCH_H
#define GR_TRAIN_SEARCH_H

#include <stddef.h>

#include "train/trainer.h"

/* One searched setting: its grid is start * factor^k, clamped to the
 * setting's range; `low` (> 0) is the smallest non-zero value, below which
 * the grid steps to 0 (and from 0 back up to low); 0: no zero step. */
typedef struct gr_search_dim {
    const char *name; /* a setting of the kind */
    const char *when; /* the named choice it applies under (the schedule's
                         "mode", the KG "loss"), NULL: always */
    int value;        /* the choice's value it applies to */
    double start;     /* the starting value where the setting's default is NaN
                         (the schedule's own value) */
    double factor;    /* > 1: neighbours are value * factor and value / factor */
    double low;
} gr_search_dim;

/* A kind's table. */
typedef struct gr_search_table {
    int kind;
    const gr_search_dim *dims;
    size_t n;
} gr_search_table;

/* The kinds' tables (each defined next to its trainer). */
extern const gr_search_table gr_lightgcn_search, gr_mf_search, gr_graphsage_search, gr_gfcf_search,
    gr_cheby_search, gr_ease_search, gr_transe_search, gr_distmult_search, gr_rotate_search, gr_complex_search;

/* v to three significant digits, so that the grid's values read as set by
 * hand and the same point is recognised when it is reached again.  The
 * grid's starting point is taken as it is (a default sized to the data,
 * rounded or not), so that a search's first trial is the fit without a
 * budget. */
double gr_search_round(double v);

/* The table of t's kind, or NULL. */
const gr_search_table *gr_search_table_of(int kind);

/* Whether t searches: a budget is set and the kind has a table. */
int gr_search_wanted(const gr_trainer *t);

/* What a search needs from its caller: one trial with t's current settings
 * on the validation data (its figure in t->stat_best_valid, its epoch in
 * t->stat_best_epoch), and what to do with the trial's result once the
 * search has compared it. */
typedef struct gr_search_ops {
    int (*trial)(void *ctx, gr_trainer *t);
    void (*keep)(void *ctx); /* the last trial is the best so far */
    void (*drop)(void *ctx); /* the last trial is not */
} gr_search_ops;

/*
 * Run the search.  On return t's settings are the chosen ones, its
 * statistics those of the best trial, and t->stat_trials the number of
 * trials run.  A trial that the budget cuts short is dropped.
 */
int gr_search_run(gr_trainer *t, const gr_search_ops *ops, void *ctx);

/* Whether the search's trials run the whole schedule (setting trial_epochs
 * 1), so that the best trial stands for the chosen settings' default run. */
int gr_search_full_trials(const gr_trainer *t);

/* Record the chosen settings of the searched dimensions and the trial count
 * in m's info. */
void gr_search_record(gr_model *m, const gr_trainer *t);

/* gr_trainer_fit() with a budget, on user-item data. */
int gr_fit_with_search(gr_model **out, gr_trainer *t, const gr_graph *g);

#endif
