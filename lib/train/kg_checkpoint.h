/*
 * Checkpoints of a knowledge-graph fit (TransE, DistMult, RotatE,
 * ComplEx; docs/training.md, "Checkpoints"), in the file of
 * train/checkpoint.h: its shared sections (kind, settings, fingerprints of
 * the training triples and of the validation data, the loop's counters
 * with lazy Adam's step count), then the entity and relation parameters,
 * the best validated ones once there are any, the Adam moments, the step
 * that last moved each row, and the last learning rate.  The batches'
 * order and negatives are pure functions of (seed, epoch, step) and the
 * learning-rate schedule of the epoch, so that is all a resumed fit needs
 * to go on as the uninterrupted one.
 *
 * The model is replicated under a communicator: rank 0 writes the file,
 * and on resume reads it and sends its bytes to the others.  Every call
 * here is collective and every rank returns the same status.  With the
 * setting `shard` each rank holds the Adam state and the best validated
 * rows of its slice of the entities only: a write gathers the slices into
 * whole tables for its time, and a resume reads the whole tables and
 * keeps its slice, so the file is the one a replicated fit writes.
 */
#ifndef GR_TRAIN_KG_CHECKPOINT_H
#define GR_TRAIN_KG_CHECKPOINT_H

#include <stdint.h>

#include "kg/kg.h"
#include "models/kg_model.h"
#include "train/checkpoint.h"

typedef struct gr_kg_ckpt {
    int on;                 /* this fit checkpoints */
    const gr_kg *kg;        /* the triples trained on */
    gr_ckpt_data valid;     /* what the fit validates on (zeros: nothing) */
    gr_kg_params *p;        /* the parameters */
    gr_kg_params *best;     /* the best validated ones (ent NULL before the first), or NULL */
    float *m_ent, *v_ent, *m_rel, *v_rel; /* Adam's moments, shaped like p's tables */
    int64_t *last_ent, *last_rel;         /* the step that last moved each row */
    /* sharded: m_ent, v_ent, last_ent and best's entity rows are rows
     * [lo, hi) of the entities (gr_dist_rows), the trainer's communicator's
     * slice of this rank; otherwise every row */
    int sharded;
    size_t lo, hi;
    int64_t *step;          /* Adam's step count */
    double *lr;             /* the learning rate of the last step */
} gr_kg_ckpt;

/* Validation triples (NULL: none) as what a fit validates on. */
gr_ckpt_data gr_kg_ckpt_data(const gr_kg *kg, int valid);

/* At the start of the epoch loop (as gr_ckpt_resume): load the file when
 * c->on and it exists; *epoch the epochs done, *done when the fit ended. */
int gr_kg_ckpt_resume(gr_kg_ckpt *c, gr_fit_loop *L, int *epoch, int *done);

/* After an epoch, its best already copied (as gr_ckpt_epoch). */
int gr_kg_ckpt_epoch(gr_kg_ckpt *c, const gr_fit_loop *L, int epoch, int stop);

#endif
