/* Shared pieces of the LightGCN trainers (paper schedule and fast schedule). */
#ifndef GR_TRAIN_LIGHTGCN_TRAIN_H
#define GR_TRAIN_LIGHTGCN_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "graph/graph.h"
#include "kernels/spmm.h"
#include "train/adam.h"
#include "train/trainer.h"

typedef struct gr_lgcn_settings_t {
    size_t d, batch, n, n_users;
    int layers, negatives;
    double lr, reg, init_std;
    uint64_t seed;
} gr_lgcn_settings_t;

/* Buffers of one training run. */
typedef struct gr_lgcn_work {
    gr_spmat adj;
    float *final, *t1, *t2, *grad; /* n x d each */
    float *gsum;                   /* the gradient of e0: shares final's buffer, which the
                                      backward pass no longer needs */
    int32_t *u, *pos, *neg;               /* the batch */
    float *coef, *loss;                   /* per (positive, negative) pair */
} gr_lgcn_work;

void gr_lgcn_settings(gr_lgcn_settings_t *s, const gr_trainer *t, const gr_graph *g);
float *gr_lgcn_init_embeddings(const gr_lgcn_settings_t *s);
int gr_lgcn_work_init(gr_lgcn_work *w, const gr_lgcn_settings_t *s, const gr_graph *g);
void gr_lgcn_work_free(gr_lgcn_work *w);
/* Loss of the batch in w and its gradient with respect to e0 (into w->gsum). */
double gr_lgcn_loss_grad(const gr_lgcn_settings_t *s, gr_lgcn_work *w, const float *e0, size_t count);
/* One mini-batch step of the published algorithm on the batch in w; returns the loss. */
double gr_lgcn_step(const gr_lgcn_settings_t *s, gr_lgcn_work *w, float *e0, gr_adam *adam, size_t count);

/* Defaults of the fast schedule, chosen on the validation split of
 * MovieLens-1M m1 (docs/training.md). */
#define GR_LGCN_FAST_STEPS 200
#define GR_LGCN_FAST_LR 0.5
#define GR_LGCN_FAST_REG 1e-2
#define GR_LGCN_FAST_EVAL_EVERY 10
/* Defaults of gr_model_update's warm-started training (lib/train/update.c):
 * the fast schedule's steps and learning rate chosen on a validation part
 * of ML-100K (docs/training.md, "Incremental updates"); the paper
 * schedule's epochs are the same quarter of its full length. */
#define GR_LGCN_UPDATE_STEPS 50
#define GR_LGCN_UPDATE_LR 0.05
#define GR_LGCN_UPDATE_EPOCHS 50
#define GR_STR_(x) #x
#define GR_STR(x) GR_STR_(x)

/*
 * Train a LightGCN / MF model of kind on g with t's settings (the schedule's
 * defaults resolved as gr_trainer_fit does), starting from e0 ((users +
 * items of g) x dim, taken over and freed on failure too) instead of random
 * embeddings: the warm start of gr_model_update.
 */
int gr_lgcn_fit_from(gr_model **out, gr_trainer *t, const gr_graph *g, int kind, float *e0);

/* The fast schedule (train/lightgcn_fast.c).  Trains e0 in place; copies
 * the best validated parameters into best (when not NULL). */
int gr_lgcn_fit_fast(float *e0, float *best, gr_trainer *t, const gr_graph *g, const gr_lgcn_settings_t *s);

#endif
