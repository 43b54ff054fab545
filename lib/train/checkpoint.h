/*
 * Checkpoints of a LightGCN / MF fit (gr_trainer_set_checkpoint;
 * docs/training.md, "Checkpoints").  A checkpoint is a model-format file
 * (io/model_file.h, kind 'CKPT') written atomically, holding all a fit
 * needs to go on as if it had never stopped: the epochs done, the
 * parameters, the Adam moments and step count, the best validated
 * parameters and figure, the early-stopping counters and the BPR sampler's
 * edge order.  The other random draws are pure functions of (seed, epoch,
 * position) (core/rng.h), so the seed and the epoch are their state.  The
 * file also holds what it was made from, the settings (all but threads and
 * time_limit) and fingerprints of the training and validation graphs, and
 * a fit refuses a checkpoint that differs in any of them.
 *
 * Under a communicator rank 0 writes the file and reads it; the reader
 * broadcasts its bytes, and every rank takes its rows of the moments.
 * Every call here is collective, and every rank returns the same status.
 */
#ifndef GR_TRAIN_CHECKPOINT_H
#define GR_TRAIN_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "graph/graph.h"
#include "train/adam.h"
#include "train/trainer.h"

typedef struct gr_ckpt {
    int on;              /* this fit checkpoints (t's path is set) */
    const gr_graph *g;   /* the graph trained on */
    float *e0, *best;    /* parameters and best validated ones (NULL without validation), n x d */
    size_t n, d;
    gr_adam *adam;       /* moments of rows [lo, hi) of e0 (one process, or replicated: 0, n) */
    size_t lo, hi;
    uint32_t *order;     /* the paper schedule's BPR edge order (n_order), or NULL */
    size_t n_order;
} gr_ckpt;

/* Whether a fit of t (its kind, its settings search) can take a
 * checkpoint; GR_EUNSUPPORTED with a message when t has one and cannot. */
int gr_ckpt_supported(const gr_trainer *t);

/*
 * At the start of a fit, after gr_fit_loop_begin: when c->on and t's file
 * exists, check that it was made by the same settings and graphs
 * (GR_EINVAL naming the file and what differs; GR_ECORRUPT / GR_EFORMAT
 * for a damaged file), load its state into c's buffers, L and t's
 * statistics, and set *epoch to the epochs done (else 0) and *done when
 * the saved fit had ended.
 */
int gr_ckpt_resume(gr_ckpt *c, gr_fit_loop *L, int *epoch, int *done);

/*
 * After an epoch (its improvement already copied into c->best): write the
 * file when c->on and the epoch is a multiple of the checkpoint interval
 * or the fit stops here.  A failed write is GR_EIO naming the file and
 * leaves the previous checkpoint as it was.
 */
int gr_ckpt_epoch(gr_ckpt *c, const gr_fit_loop *L, int epoch, int stop);

#endif
