/* Adam (Kingma & Ba) with PyTorch's update rule and bias correction. */
#ifndef GR_TRAIN_ADAM_H
#define GR_TRAIN_ADAM_H

#include <stddef.h>
#include <stdint.h>

/* PyTorch's defaults, the betas and eps of every trainer. */
#define GR_ADAM_BETA1 0.9
#define GR_ADAM_BETA2 0.999
#define GR_ADAM_EPS 1e-8

typedef struct gr_adam {
    float *m, *v;
    size_t n;
    int64_t t;
    double lr, beta1, beta2, eps;
} gr_adam;

/* The scalars of Adam's t-th step: the betas and eps in single precision,
 * the step size lr / (1 - b1^t) and 1 / sqrt(1 - b2^t), the corrections
 * computed in double precision. */
typedef struct gr_adam_coef {
    float b1, b2, eps, step, inv_bc2_sqrt;
} gr_adam_coef;

gr_adam_coef gr_adam_coef_at(double lr, double beta1, double beta2, double eps, int64_t t);
/* One step on n contiguous values with their gradient g and moments m, v:
 * the kernel of the dense step and of a lazy (row-wise) Adam, chosen at run
 * time for the CPU.  Not parallel: callers split the rows. */
void gr_adam_update(float *p, const float *g, float *m, float *v, size_t n, const gr_adam_coef *c);
/* The k steps without gradient that a lazy Adam skipped for n values, in
 * closed form: m and v decay by b1^k and b2^k, and the values move by
 * step m / (sqrt(v) c + eps) times sum_{j=1..k} (b1 / sqrt(b2))^j, as
 * dense Adam would have moved them (eps's share changes with v, which the
 * closed form ignores).  k <= 0 leaves them as they are. */
void gr_adam_catch_up(float *p, float *m, float *v, size_t n, const gr_adam_coef *c, int64_t k);

int gr_adam_init(gr_adam *a, size_t n, double lr);
void gr_adam_free(gr_adam *a);
/* One dense step over all n parameters: every moment decays, as in
 * PyTorch's Adam on a dense gradient.  Parallel. */
void gr_adam_step(gr_adam *a, float *param, const float *grad);
/* The step size at progress x of a schedule (0: its first step, 1: its
 * last; clamped to [0, 1]): lr falling along a half cosine to lr x floor
 * (floor 1: constant, 0: to nothing).  The one cosine decay of every
 * trainer (LightGCN and MF, GraphSAGE, the knowledge-graph kinds). */
double gr_lr_cosine(double lr, double floor, double x);

#endif
