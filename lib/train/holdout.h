/*
 * Validation data carved from the training data: when a fit is given no
 * validation data, a seeded part of each user's interactions (or of the
 * triples of a knowledge graph) is held out, the epoch is chosen on it by
 * early stopping, and the model is then refitted on all the training data
 * for the chosen number of epochs, or kept as validated (docs/training.md).
 */
#ifndef GR_TRAIN_HOLDOUT_H
#define GR_TRAIN_HOLDOUT_H

#include <stdint.h>

#include "dist/dist.h"
#include "graph/graph.h"
#include "kg/kg.h"
#include "train/trainer.h"

/* What happens after the epoch is chosen on the held-out part. */
enum { GR_HOLDOUT_REFIT = 0, GR_HOLDOUT_BEST = 1, GR_HOLDOUT_WARM = 2 };

/*
 * The warm refit of LightGCN / MF (train/update.c): continue from m's
 * parameters (validated on the held-out part, m serving all of g) on all
 * of g for the short schedule of gr_model_update, at most max_steps
 * steps, its learning rate scaled from the full schedule's.  t keeps its
 * settings.
 */
int gr_lgcn_warm_refit(gr_model **out, const gr_model *m, const gr_graph *g, gr_trainer *t, double max_steps);

/*
 * Split g's interactions: each user with at least min_degree interactions
 * gives round(fraction * degree) of them (at least one, at most all but
 * one), chosen by a shuffle seeded by (seed, user), to *valid; the rest,
 * and every interaction of users with fewer, go to *train.  Both graphs
 * share g's id space.  The status is agreed over d's ranks (NULL: one
 * process), so a rank that cannot split fails them all and none enters a
 * fit's exchanges alone; on failure nothing is returned.
 */
int gr_holdout_split(gr_graph **train, gr_graph **valid, const gr_graph *g, double fraction, size_t min_degree,
                     uint64_t seed, gr_dist *d);

/* gr_holdout_split with t's settings (holdout, holdout_min, seed) over
 * t's ranks. */
int gr_holdout_split_of(gr_graph **train, gr_graph **valid, const gr_trainer *t, const gr_graph *g);

/* The same for triples: round(fraction * n) of them, seeded, to *valid,
 * the status agreed over d's ranks. */
int gr_holdout_split_kg(gr_kg **train, gr_kg **valid, const gr_kg *kg, double fraction, uint64_t seed, gr_dist *d);

/* Whether a fit without validation data holds a part out. */
int gr_holdout_wanted(const gr_trainer *t);

/*
 * gr_trainer_fit() without validation data: hold out, fit with early
 * stopping on the held-out part, then refit or keep (setting
 * holdout_final).  Records the choice in the trainer's statistics and the
 * model's info.
 */
int gr_fit_with_holdout(gr_model **out, gr_trainer *t, const gr_graph *g);

/*
 * Around the refit on all the data for the chosen `epochs`: begin sets t's
 * setting epochs to them (what the fit loop, the learning-rate schedule
 * and the checkpoint read) and points t's checkpoint at the refit's own
 * file (gr_ckpt_refit_begin); end puts both back.  Every kind's refit
 * goes through these.
 */
typedef struct gr_refit_saved {
    int key;        /* index of the setting epochs in t->val */
    double epochs;  /* its value before */
    char *path;     /* the checkpoint path before */
} gr_refit_saved;
int gr_holdout_refit_begin(gr_trainer *t, double epochs, gr_refit_saved *saved);
void gr_holdout_refit_end(gr_trainer *t, const gr_refit_saved *saved);

/*
 * The end of a held-out fit: kept is the model fitted on the rest of g
 * (serving all of g) with the epoch and figure chosen on the held-out
 * part in t's statistics; refit, warm-refit or keep it (setting
 * holdout_final) into *out (kept is taken over) and record the choice.
 */
int gr_holdout_finish(gr_model **out, gr_model *kept, gr_trainer *t, const gr_graph *g, size_t held);

/* The info entries every held-out fit records (also used by gr_kg_fit). */
void gr_holdout_record(gr_model *m, const gr_trainer *t, double held_out, double valid_epoch, const char *key,
                       double valid_value, double epochs_run, int refit);

#endif
