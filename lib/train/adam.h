/* Adam (Kingma & Ba) with PyTorch's update rule and bias correction. */
#ifndef GR_TRAIN_ADAM_H
#define GR_TRAIN_ADAM_H

#include <stddef.h>
#include <stdint.h>

typedef struct gr_adam {
    float *m, *v;
    size_t n;
    int64_t t;
    double lr, beta1, beta2, eps;
} gr_adam;

int gr_adam_init(gr_adam *a, size_t n, double lr);
void gr_adam_free(gr_adam *a);
/* One dense step over all n parameters: every moment decays, as in
 * PyTorch's Adam on a dense gradient.  Parallel. */
void gr_adam_step(gr_adam *a, float *param, const float *grad);
/* A step restricted to the listed rows of a row-major (rows x d) parameter:
 * the lazy variant for sparse gradients; each listed row must be unique. */
void gr_adam_step_rows(gr_adam *a, float *param, const float *grad, const int32_t *rows, size_t nrows, size_t d);
/* The step size at progress x of a schedule (0: its first step, 1: its
 * last; clamped to [0, 1]): lr falling along a half cosine to lr x floor
 * (floor 1: constant, 0: to nothing).  The one cosine decay of every
 * trainer (LightGCN and MF, GraphSAGE, the knowledge-graph kinds). */
double gr_lr_cosine(double lr, double floor, double x);

#endif
