/*
 * gnnrec/trainer.h - training.
 *
 * A trainer holds the settings of one model kind; gr_trainer_fit() fits a
 * new model to a training graph.  Settings are keyed (zstd style), so new
 * settings never change the ABI: by enum with gr_trainer_set_int() /
 * gr_trainer_set_double(), or by name with gr_trainer_set(), which is what
 * bindings and the command-line program use.  docs/api.md lists every
 * setting with its default and range.
 */
#ifndef GNNREC_TRAINER_H
#define GNNREC_TRAINER_H

#include "common.h"
#include "graph.h"
#include "model.h"

GR_BEGIN_DECLS

typedef struct gr_trainer gr_trainer;

typedef enum gr_option {
    GR_OPT_DIM = 1,         /* int: embedding dimension (64) */
    GR_OPT_LAYERS = 2,      /* int: propagation layers (LightGCN 3, MF 0) */
    GR_OPT_EPOCHS = 3,      /* int: maximum number of epochs */
    GR_OPT_BATCH = 4,       /* int: positives per mini-batch (2048) */
    GR_OPT_LR = 5,          /* double: Adam learning rate (1e-3) */
    GR_OPT_REG = 6,         /* double: L2 weight (1e-4) */
    GR_OPT_SEED = 7,        /* int: random seed (42) */
    GR_OPT_THREADS = 8,     /* int: OpenMP threads, 0 = gr_get_num_threads() */
    GR_OPT_EVAL_EVERY = 9,  /* int: epochs between validation evaluations (1) */
    GR_OPT_PATIENCE = 10,   /* int: evaluations without improvement before stopping, 0 = never */
    GR_OPT_EVAL_K = 11,     /* int: K of the validation metric (20) */
    GR_OPT_MODE = 12,       /* int: a gr_train_mode */
    GR_OPT_NEGATIVES = 13,  /* int: negatives per positive (1) */
    GR_OPT_INIT_STD = 14,   /* double: std of the normal initialisation (0.1) */
    GR_OPT_OBJECTIVE = 15,  /* int: a gr_objective */
    GR_OPT_DROPOUT = 16,    /* double: dropout rate */
    GR_OPT_TIME_LIMIT = 17, /* double: stop after this many seconds, 0 = no limit */
    GR_OPT_SAMPLING = 18,   /* int: BPR triples, 0 = by user (LightGCN reference), 1 = by edge */
    GR_OPT_VALID_METRIC = 19, /* int: a gr_metric (eval.h): what validation maximises, at
                                the cut-off eval_k (NDCG) */
    GR_OPT_BUDGET = 20        /* double: seconds for a search of the kind's main settings on the
                                 validation data, 0 = none (the default; see gr_trainer_set_trial_callback) */
} gr_option;

/*
 * LightGCN and MF have three schedules (GR_OPT_MODE; docs/training.md) whose
 * defaults differ: for these kinds GR_OPT_EPOCHS, GR_OPT_LR, GR_OPT_REG,
 * GR_OPT_EVAL_EVERY and GR_OPT_NEGATIVES default to the schedule's own values, which
 * gr_trainer_get_double() reports as NaN until a value is set.  GraphSAGE's
 * GR_OPT_EPOCHS, GR_OPT_BATCH, GR_OPT_LR and GR_OPT_DROPOUT default by
 * objective (and the ranking batch and step size by the data's size;
 * docs/graphsage.md) and are reported as NaN the same way.
 */
typedef enum gr_train_mode {
    GR_MODE_PAPER = 0,   /* the published algorithm, step for step */
    GR_MODE_FAST = 1,    /* full-batch steps with the softmax over all items (docs/training.md) */
    GR_MODE_SAMPLED = 2, /* full-batch steps with the softmax over the positives and negatives
                            shared by blocks of users: cost linear in interactions */
    GR_MODE_AUTO = 3     /* fast or sampled by the size of the catalogue (docs/training.md);
                            the default for LightGCN and MF; a fitted model's info "mode" records
                            the schedule that ran */
} gr_train_mode;

typedef enum gr_objective {
    GR_OBJECTIVE_BPR = 0,   /* pairwise ranking with sampled negatives */
    GR_OBJECTIVE_RATING = 1 /* squared error on explicit ratings */
} gr_objective;

/* A trainer for models of `kind` (gr_model_kind) with its default settings. */
GR_API int gr_trainer_new(gr_trainer **out, int kind);
/* Free a trainer.  NULL is ignored. */
GR_API void gr_trainer_free(gr_trainer *t);

/* Set a setting by key.  GR_EINVAL for an unknown key, a value out of range
 * or a setting this model kind does not have. */
GR_API int gr_trainer_set_int(gr_trainer *t, int option, int64_t value);
GR_API int gr_trainer_set_double(gr_trainer *t, int option, double value);
/* Set a setting by name ("dim", "lr", "mode", ...) from its text ("64",
 * "1e-3", "fast"): a plain decimal number (no blanks, no hexadecimal) or a
 * choice's name.  GR_EINVAL names the key or the value. */
GR_API int gr_trainer_set(gr_trainer *t, const char *name, const char *value);
/* Read a setting back. */
GR_API int gr_trainer_get_double(double *value, const gr_trainer *t, int option);

/*
 * Validation data: when set, the trainer evaluates a ranking metric on it
 * (GR_OPT_VALID_METRIC at GR_OPT_EVAL_K, NDCG@20 by default, with the
 * training items excluded; RMSE for GraphSAGE on ratings) every GR_OPT_EVAL_EVERY epochs, keeps the best
 * parameters, and stops after GR_OPT_PATIENCE evaluations without
 * improvement.  The graph must share the training graph's id space and
 * must outlive gr_trainer_fit().  NULL removes it.
 */
GR_API int gr_trainer_set_validation(gr_trainer *t, const gr_graph *valid);

/*
 * Called after every epoch with the epoch number (1-based), the mean
 * training loss, the seconds since training began, and the validation
 * metric (NaN when not evaluated this epoch).  Returning non-zero stops
 * training; gr_trainer_fit() then returns the model as it stands (the
 * best validated parameters when validation is on).
 */
typedef int (*gr_progress_fn)(void *user_data, int epoch, double loss, double seconds,
                              double valid_metric);
GR_API int gr_trainer_set_progress(gr_trainer *t, gr_progress_fn fn, void *user_data);

/*
 * Data-parallel training over MPI (docs/distributed.md): `comm` points to
 * an MPI_Comm (`&comm`); the trainer keeps its own duplicate, so the call
 * is collective over comm and the caller's communicator may be freed
 * afterwards.  Every rank of comm then calls gr_trainer_fit() with the same
 * settings and graphs; each computes the gradients of its share of the
 * work, the ranks sum them, and all end with the same model (LightGCN and
 * MF with both schedules, the KG kinds also through gr_kg_fit()).  GF-CF,
 * Cheby and EASE fit from each rank's contiguous share of the users' rows:
 * the item degrees, the truncated SVD's block products and EASE's Gram
 * matrix are summed over the ranks, and every rank gets the same model,
 * the single-process one within float rounding (EASE's exactly).
 * GraphSAGE: GR_EUNSUPPORTED.  A failure or a differing input on one rank makes
 * gr_trainer_fit() return the same error on every rank.  NULL goes back to
 * training in this process alone.  GR_EUNSUPPORTED in a build without MPI
 * (-Dmpi=disabled, or no MPI found); GR_ESTATE when MPI is not initialised.
 * The pointer is opaque so that this header and the library's ABI do not
 * depend on mpi.h.
 */
GR_API int gr_trainer_set_comm(gr_trainer *t, void *comm);

/*
 * With GR_OPT_BUDGET set, gr_trainer_fit() first searches the settings
 * that matter most for the kind (learning rate, regularisation,
 * negatives or temperature, steps, a filter's parameters; docs/api.md
 * lists them) on the validation data (the graph given to
 * gr_trainer_set_validation(), else the part held out by the setting
 * `holdout`): it starts from the current settings, tries neighbours on a
 * log grid one setting at a time, keeps a change only when the
 * validation figure improves, and starts no trial once the budget is
 * spent (the first trial, the current settings, always runs).  Settings
 * the caller set are never searched.  When the first trial's validation
 * figure still rises at its end (its best epoch in the last fifth of the
 * run), the budget first goes to longer runs (setting `extend`: the
 * epochs doubled, the schedule stretched, while that improves and fits in
 * the budget; not a caller-set `epochs` unless extend is on), and the
 * other settings are then searched with the chosen epochs (reported as a
 * further setting, "epochs", to the trial callback; search_epochs in the
 * model's info).  The chosen settings then train as without a budget, and the model's info records them and the number of
 * trials (search_trials).  Deterministic for a given seed apart from how
 * many trials fit in the time.
 *
 * Called after every trial with its number (1-based), the searched
 * settings' names and values (n of each, valid during the call), the
 * trial's validation figure (as GR_STAT_BEST_VALID reports it), the epoch
 * it was reached at, and the seconds since the search began.  Returning
 * non-zero ends the search with the best settings so far.  A
 * training-free kind's own validation grid (the filters' and EASE's
 * setting `search`) reports its trials here too, with best epoch 0.
 */
typedef int (*gr_trial_fn)(void *user_data, int trial, size_t n, const char *const *names, const double *values,
                           double valid_metric, int best_epoch, double seconds);
GR_API int gr_trainer_set_trial_callback(gr_trainer *t, gr_trial_fn fn, void *user_data);

/*
 * Checkpoints (docs/training.md, "Checkpoints"): with a path set, a fit
 * writes its whole state to that file, atomically (a failed write leaves
 * the previous file), after every `every_epochs` epochs and when it ends
 * or is stopped: the epochs done, the parameters, the Adam moments and
 * step count, the sampler's state, the best validated parameters and
 * figure, the early-stopping counter, and what the file was made from,
 * every setting but threads and time_limit and fingerprints of the
 * training and validation graphs.  When gr_trainer_fit() starts and the
 * file exists, the fit resumes from it and gives the model an
 * uninterrupted fit would have given (bit for bit with one thread; the
 * progress callback is called for the epochs still to run, and the time
 * limit counts from the resumed start).  The file is kept: a fit on a
 * checkpoint of a fit that ended (its epochs run, or stopped early by
 * patience) returns that model at once, so running the same command again
 * finishes a run or repeats its answer.  A file made with other settings
 * or graphs is GR_EINVAL naming the file and what differs; a damaged one
 * GR_ECORRUPT (or GR_EFORMAT) naming the file; a failed write GR_EIO.
 * Under a communicator (gr_trainer_set_comm) rank 0 writes and reads the
 * file, and every rank returns the same status.  LightGCN and MF with
 * every schedule, and TransE, DistMult, RotatE and ComplEx (on a
 * user-item graph, and on triples through gr_kg_fit(), whose training and
 * validation triples are what the file records).  Without validation
 * data (setting holdout) the refit on all the data after the held-out
 * part checkpoints into path + ".refit": a fit stopped in the refit
 * resumes it with the chosen epochs, without choosing again.  A fit of
 * another kind, or with GR_OPT_BUDGET, is GR_EUNSUPPORTED while a path is
 * set.  NULL path removes the checkpoint; every_epochs >= 1, else
 * GR_EINVAL.  The path is copied.
 */
GR_API int gr_trainer_set_checkpoint(gr_trainer *t, const char *path, int every_epochs);

/* Fit a new model to `train`.  The model keeps a reference to the graph's
 * data, so the graph may be freed afterwards.  GR_ESTATE for a graph with
 * no edges. */
GR_API int gr_trainer_fit(gr_model **out, gr_trainer *t, const gr_graph *train);

typedef enum gr_stat {
    GR_STAT_EPOCHS = 1,      /* epochs run by the last fit */
    GR_STAT_BEST_EPOCH = 2,  /* epoch of the kept parameters */
    GR_STAT_BEST_VALID = 3,  /* validation metric of the kept parameters (NaN without validation) */
    GR_STAT_SECONDS = 4,     /* wall-clock seconds of the last fit */
    GR_STAT_LOSS = 5,        /* mean loss of the last epoch */
    GR_STAT_TRIALS = 6       /* trials of the last fit's settings search: a budget's, or a training-free kind's grid (0: none) */
} gr_stat;

/* A statistic of the last gr_trainer_fit(). */
GR_API int gr_trainer_stat(double *value, const gr_trainer *t, int stat);

/* Threads used by parallel kernels when a call is not told otherwise.
 * 0 restores the OpenMP default.  Returns GR_OK. */
GR_API int gr_set_num_threads(int n);
GR_API int gr_get_num_threads(void);

/*
 * Update a trained LightGCN, MF, GraphSAGE, training-free filter or KG
 * model of a user-item graph with new interactions without a full
 * retrain.  `added` holds the new edges in its
 * own id space (e.g. gr_graph_load of a file of new ratings); users and
 * items the model lacks are appended to its id maps (with their
 * metadata), in added's order.  The new model is trained on the union of
 * m's training graph and added (a pair in both takes added's rating).
 * LightGCN, MF: new users and items start from their neighbours' layer-0
 * embeddings as a fold-in would place them, and t's schedule runs
 * warm-started from m's parameters, with the model's dim and layers, no
 * validation (the caller's validation graph is in the old id space), and,
 * where t leaves them unset, a short schedule of its own (docs/api.md).
 * GraphSAGE: the model's parameters are the start (a new user's or item's
 * id embedding and bias at zero, as a cold node's; its features from the
 * model's encoder, or, for features of the caller's own, from t's
 * matrices, which hold the grown graph's rows or only its new nodes'
 * (gr_trainer_set_features), and 4 epochs at
 * twice the step size the fit chose run over the grown graph
 * with the settings of the model's info, t's caller-set settings
 * overriding them (the architecture is the model's).
 * KG kinds (a model trained on a user-item graph): the knowledge graph of
 * the grown graph is built as the fit built the model's (its like_rating
 * and side_info), the model's entity rows move to the entities of the
 * same names, new entities start at random, and 8 epochs run with the
 * settings of the model's info, t's caller-set settings overriding them
 * (the model's dim kept).
 * GF-CF, Chebyshev, EASE: the filter is built again on the grown graph
 * with the settings m's fit chose (its info), which t's caller-set
 * settings override, without a held-out part or a search.  t may be NULL
 * for the defaults.  m is not changed: the result is a new model, *out.
 * GR_EUNSUPPORTED (a KG model trained on triples: gr_model_update_kg),
 * GR_EINVAL (a trainer of another kind; a
 * GraphSAGE model with features of the caller's own, new nodes, and a
 * trainer without matrices of them), GR_ENOMEM.
 */
GR_API int gr_model_update(gr_model **out, const gr_model *m, const gr_graph *added,
                           gr_trainer *t);

GR_END_DECLS

#endif
