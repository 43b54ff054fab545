/*
 * Trainer internals: the option table, the per-kind fit functions, and the
 * validation / progress / stopping logic every kind shares.
 */
#ifndef GR_TRAIN_TRAINER_H
#define GR_TRAIN_TRAINER_H

#include <gnnrec/trainer.h>

#include "graph/graph.h"
#include "models/model.h"

/* One setting: its name, enum key (0 for kind-specific settings that have
 * no enum), default, range, and for named choices the names (value = index). */
typedef struct gr_opt_spec {
    const char *name;
    int key;
    double def, lo, hi;
    int is_int;
    const char *const *choices; /* NULL-terminated, or NULL */
    const char *help;
} gr_opt_spec;

typedef struct gr_trainer gr_trainer;

/* What a model kind contributes to the trainer. */
typedef struct gr_kind_trainer {
    int kind;
    /* Settings of this kind beyond the common table, and overrides of common
     * defaults (an entry whose name matches a common setting replaces its
     * default and range). */
    const gr_opt_spec *opts;
    size_t n_opts;
    int (*fit)(gr_model **out, gr_trainer *t, const gr_graph *train);
    /* Set the defaults this kind sizes to its training graph (where the
     * caller left them unset) to their values for train, before a fit on
     * a held-out part or a budget's search, so that the trials start from
     * the fit without a budget and a refit keeps what was validated; NULL:
     * nothing is sized. */
    void (*size_defaults)(gr_trainer *t, const gr_graph *train);
} gr_kind_trainer;

#define GR_MAX_OPTS 64

struct gr_trainer {
    int kind;
    const gr_kind_trainer *kt;
    size_t n_opts;
    gr_opt_spec spec[GR_MAX_OPTS];
    double val[GR_MAX_OPTS];
    const gr_graph *valid;
    /* The graph the fitted model serves when it differs from the graph
     * trained on (all the training data, while a held-out part of it is
     * kept out of training); NULL: the training graph. */
    const gr_graph *model_graph;
    gr_progress_fn progress;
    void *progress_data;
    gr_trial_fn trial_fn; /* gr_trainer_set_trial_callback */
    void *trial_data;
    /* settings the caller set (never searched) */
    unsigned char hand_set[GR_MAX_OPTS];
    /* caller feature matrices per node type (gr_trainer_set_features) */
    float *feat[2];
    size_t feat_rows[2], feat_dim[2];
    /* statistics of the last fit */
    double stat_epochs, stat_best_epoch, stat_best_valid, stat_seconds, stat_loss;
    double stat_trials;    /* trials of the last fit's settings search (0: none) */
    int stopped_by_caller; /* the progress callback asked the last fit to stop */
    struct gr_dist *dist;  /* data-parallel training's communicator (lib/dist), NULL: none */
    int stopped_by_time;   /* the time limit cut the last fit short */
    /* what the last full-batch LightGCN / MF fit held on this rank
     * (train/lightgcn_full.c; tests): rows owned, Adam moment floats, rows
     * and nonzeros of the normalised adjacency */
    size_t shard_rows, shard_adam_floats, shard_adj_rows, shard_adj_nnz;
    /* with the setting shard 1: the halo's remote rows and the own rows
     * this rank sends per exchange (dist/halo.h); 0 otherwise */
    size_t shard_halo_rows, shard_send_rows;
    /* the rows of the propagated rows and of their gradient (n, or with
     * shard 1 the objective's: own rows, its users, every item) */
    size_t shard_objective_rows;
    /* gr_trainer_set_checkpoint: the file (NULL: none) and the epochs
     * between writes (a refit after the held-out part writes its own
     * file, train/checkpoint.h) */
    char *ckpt_path;
    int ckpt_every;
};

/* The kind trainer for `kind`, or NULL. */
const gr_kind_trainer *gr_kind_trainer_of(int kind);

/* The kind's size_defaults on g, where it has one. */
void gr_size_defaults(gr_trainer *t, const gr_graph *g);

/* The value of a setting by enum key or by name (the setting must exist). */
double gr_opt(const gr_trainer *t, int key);
double gr_opt_named(const gr_trainer *t, const char *name);
/* The stored value of a setting by name (the setting must exist). */
double *gr_opt_slot(gr_trainer *t, const char *name);
/* The index of a setting by name, or -1. */
int gr_opt_index(const gr_trainer *t, const char *name);

/*
 * The settings a model's fit chose, for a fit that goes on from it (an
 * update): every setting of t that m's info has under its name takes the
 * info's value, except those the caller set (hand_set), which stay; the
 * names in `keep` (NULL-terminated, may be NULL) take m's value even when
 * set by the caller: the model's shape, which a continuation cannot
 * change.
 */
void gr_trainer_take_model_info(gr_trainer *t, const gr_model *m, const char *const *keep);

/* The settings and validation graph of a trainer that an update (a fit
 * that goes on from a model) changes for its duration. */
typedef struct gr_trainer_held {
    double val[GR_MAX_OPTS];
    const gr_graph *valid;
} gr_trainer_held;

/* Save t's settings in *held and drop its validation graph, which cannot
 * be in a grown graph's id space; gr_trainer_release puts both back. */
void gr_trainer_hold(gr_trainer *t, gr_trainer_held *held);
void gr_trainer_release(gr_trainer *t, const gr_trainer_held *held);

/* Apply the thread setting for the duration of a fit (0 keeps the calling
 * thread's: fixed or automatic); returns the previous one. */
int gr_train_threads_begin(const gr_trainer *t);
void gr_train_threads_end(int previous);

/*
 * Shared epoch bookkeeping.  gr_fit_loop_epoch() reports progress and
 * decides whether to stop; kinds call it after every epoch with the
 * validation metric (NaN when not evaluated).
 */
typedef struct gr_fit_loop {
    gr_trainer *t;
    double t0;
    int epoch, best_epoch, evals_since_best;
    double best_valid, last_loss;
} gr_fit_loop;

void gr_fit_loop_begin(gr_fit_loop *L, gr_trainer *t);
/* Whether validation is due after this epoch. */
int gr_fit_loop_validate_now(const gr_fit_loop *L, int epoch);
/*
 * Record an epoch.  Sets *improved when metric is a new best.  Returns 1
 * when training should stop (callback, patience, time limit, last epoch).
 */
int gr_fit_loop_epoch(gr_fit_loop *L, int epoch, double loss, double metric, int *improved);
void gr_fit_loop_end(gr_fit_loop *L);

/*
 * One fit of t's kind on g (its kt->fit), with its status agreed over t's
 * ranks: every caller that goes on to another fit (the refit after a
 * held-out part, a search's trials) or to another exchange goes on with
 * the others.  *out is NULL when any rank failed.
 */
int gr_fit_kind(gr_model **out, gr_trainer *t, const gr_graph *g);

/*
 * Report trial `trial` (1-based) of a training-free kind's validation grid
 * (the filters' and EASE's setting `search`): to the progress callback as
 * an epoch with no loss, and to the trial callback with the trial's
 * settings (n names and values) and best epoch 0, as a budget's search
 * reports its trials; and count it in GR_STAT_TRIALS.  Returns whether a
 * callback on any rank asked to stop (collective under a communicator).
 */
int gr_fit_grid_trial(gr_trainer *t, int trial, size_t n, const char *const *names, const double *values,
                      double metric, double seconds);

/* Validation metric (valid_metric@eval_k on the trainer's valid graph,
 * training items excluded) of dot-product vectors.  NaN without a valid
 * graph, and on failure: *rc is the status, agreed over the ranks under a
 * communicator (a fit stops on it: a validation that cannot run is not
 * skipped). */
double gr_validate_vectors(const gr_trainer *t, const gr_graph *train, const float *user_vec,
                           const float *item_vec, const float *item_bias, size_t dim, int *rc);
/*
 * The same where this rank holds the rows of its own users [u_lo, u_hi)
 * alone (user_rows: user u_lo's row first) and every item row: under a
 * communicator the ranks' ranges cut the users into parts, and each rank
 * scores its own (gr_rank_source's user range).  Collective under a
 * communicator, as gr_validate_source.
 */
double gr_validate_user_rows(const gr_trainer *t, const gr_graph *train, const float *user_rows, size_t u_lo,
                             size_t u_hi, const float *item_vec, const float *item_bias, size_t dim, int *rc);
/*
 * The trainer's validation metric (setting valid_metric at eval_k, cut to
 * the number of items) of src on `valid` with the edges of `exclude` left
 * out.  Under a communicator each rank scores its share of the validation
 * users and the sums are combined (gr_rank_eval_on), so every rank gets
 * the same figure; *rc is the status, agreed over the ranks.  NaN on
 * failure.  Collective under a communicator.
 */
struct gr_rank_source;
double gr_validate_source(const gr_trainer *t, const struct gr_rank_source *src, const gr_graph *exclude,
                          const gr_graph *valid, int *rc);
/* gr_validate_source of a finished model (exclude: train).  Collective
 * under a communicator. */
double gr_validate_model(const gr_trainer *t, const gr_model *m, const gr_graph *train, int *rc);
/* The trainer's validation metric out of a gr_rank_eval() result row, and
 * its name ("ndcg", "recall", ...). */
double gr_valid_metric_of(const gr_trainer *t, const double *metrics);
const char *gr_valid_metric_name(const gr_trainer *t);

/* The graph a kind builds its fitted model on. */
static inline const gr_graph *gr_fit_model_graph(const gr_trainer *t, const gr_graph *trained)
{
    return t->model_graph ? t->model_graph : trained;
}

double gr_now(void);

#endif
