/*
 * The trainer's side of data-parallel training (dist.h): the collective
 * checks around gr_trainer_fit and the distributed steps of the schedules.
 */
#ifndef GR_DIST_DIST_TRAIN_H
#define GR_DIST_DIST_TRAIN_H

#include "dist/dist.h"
#include "train/bpr_sampler.h"
#include "train/lightgcn_train.h"
#include "train/trainer.h"

/*
 * Before a fit: agree on rc (the local checks' status), refuse kinds that
 * cannot train distributed (GraphSAGE), and check that every rank has the same
 * settings, training graph and validation graph.  Returns rc without a
 * communicator.
 */
int gr_dist_fit_begin(gr_trainer *t, const gr_graph *train, int rc);
/* After a fit: agree on its status (a model a rank made is freed when
 * another rank failed) and record the ranks and the bytes sent in the
 * model's info.  Returns rc without a communicator. */
int gr_dist_fit_end(gr_trainer *t, int rc, gr_model **out);
/* Before training a knowledge graph: every rank must have the same
 * settings and triples (h, r, t of n triples).  GR_OK without a
 * communicator.  Collective. */
int gr_dist_check_kg(const gr_trainer *t, const int32_t *h, const int32_t *r, const int32_t *tail, size_t n);
/* Fingerprint of a graph's shape and interactions (0 for NULL): what the
 * ranks compare before a fit, and what a checkpoint records. */
uint64_t gr_graph_fingerprint(const gr_graph *g);
/* Fingerprint of n triples (h, r, tail): what the ranks compare before a
 * knowledge-graph fit, and what its checkpoint records. */
uint64_t gr_triples_fingerprint(const int32_t *h, const int32_t *r, const int32_t *tail, size_t n);
/* Every rank's own rows (its slice gr_dist_rows of an nrows x width table,
 * in `own`) into every rank's whole buf: the best parameters a sharded fit
 * kept, at its end.  Collective. */
int gr_dist_collect_rows(gr_dist *d, float *buf, const float *own, size_t nrows, size_t width);
/* GR_ESTATE unless every rank holds the same n parameters. */
int gr_dist_same_params(gr_dist *d, const float *x, size_t n);

/*
 * One step of the paper schedule on mini-batch positions [start, start +
 * count) of the sampler's epoch: this rank draws and back-propagates its
 * share of the triples and negatives, the gradients are summed (dense for
 * LightGCN, the touched rows for MF), and every rank takes the same Adam
 * step.  With g_own (the setting `shard` 1; (hi - lo) x d floats for the
 * rank's rows [lo, hi) of gr_dist_rows), adam holds the moments of those
 * rows only: the gradient is summed into each row's owner, the owner steps
 * its rows, and the rows are allgathered into e0.  Returns the batch loss;
 * *rc the status.
 */
double gr_dist_lgcn_step(gr_dist *d, const gr_lgcn_settings_t *s, gr_lgcn_work *w, float *e0, gr_adam *adam,
                         const gr_bpr_sampler *smp, size_t start, size_t count, float *g_own, int *rc);

#endif
