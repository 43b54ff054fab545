#include "train/adam.h"

#include <math.h>
#include <stdlib.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/threads.h"
#include "kernels/parallel.h"
#include "kernels/simd.h"

int gr_adam_init(gr_adam *a, size_t n, double lr)
{
    /* a rank of a sharded fit may own no rows: n = 0 is no failure */
    a->m = gr_alloc_floats(n ? n : 1);
    a->v = gr_alloc_floats(n ? n : 1);
    if (!a->m || !a->v) {
        gr_adam_free(a);
        return GR_ENOMEM;
    }
    a->n = n;
    a->t = 0;
    a->lr = lr;
    a->beta1 = GR_ADAM_BETA1;
    a->beta2 = GR_ADAM_BETA2;
    a->eps = GR_ADAM_EPS;
    return GR_OK;
}

double gr_lr_cosine(double lr, double floor, double x)
{
    if (floor >= 1.0) return lr;
    x = x < 0.0 ? 0.0 : x > 1.0 ? 1.0 : x;
    return lr * (floor + (1.0 - floor) * 0.5 * (1.0 + cos(3.14159265358979323846 * x)));
}

void gr_adam_free(gr_adam *a)
{
    free(a->m);
    free(a->v);
    a->m = a->v = NULL;
}

gr_adam_coef gr_adam_coef_at(double lr, double beta1, double beta2, double eps, int64_t t)
{
    double bc1 = 1.0 - pow(beta1, (double)t), bc2 = 1.0 - pow(beta2, (double)t);
    gr_adam_coef c = { (float)beta1, (float)beta2, (float)eps, (float)(lr / bc1), (float)(1.0 / sqrt(bc2)) };
    return c;
}

/* Cloned per instruction set as static functions: a non-static clone
 * would export its resolver past the version script's visibility. */
GR_KERNEL static void adam_update(float *restrict p, const float *restrict g, float *restrict m, float *restrict v,
                                  size_t n, const gr_adam_coef *c)
{
    const float b1 = c->b1, b2 = c->b2, step = c->step, inv = c->inv_bc2_sqrt, eps = c->eps;
    for (size_t k = 0; k < n; k++) {
        float gk = g[k];
        float mk = b1 * m[k] + (1.0f - b1) * gk;
        float vk = b2 * v[k] + (1.0f - b2) * gk * gk;
        m[k] = mk;
        v[k] = vk;
        p[k] -= step * mk / (sqrtf(vk) * inv + eps);
    }
}

GR_KERNEL static void adam_catch_up(float *restrict p, float *restrict m, float *restrict v, size_t n,
                                    const gr_adam_coef *c, int64_t k)
{
    if (k <= 0) return;
    const double rho = (double)c->b1 / sqrt((double)c->b2);
    const float sum = (float)(rho * (1.0 - pow(rho, (double)k)) / (1.0 - rho));
    const float d1 = (float)pow((double)c->b1, (double)k), d2 = (float)pow((double)c->b2, (double)k);
    const float step = c->step * sum, inv = c->inv_bc2_sqrt, eps = c->eps;
    for (size_t j = 0; j < n; j++) {
        p[j] -= step * m[j] / (sqrtf(v[j]) * inv + eps);
        m[j] *= d1;
        v[j] *= d2;
    }
}

void gr_adam_update(float *p, const float *g, float *m, float *v, size_t n, const gr_adam_coef *c)
{
    adam_update(p, g, m, v, n, c);
}

void gr_adam_catch_up(float *p, float *m, float *v, size_t n, const gr_adam_coef *c, int64_t k)
{
    adam_catch_up(p, m, v, n, c, k);
}

void gr_adam_step(gr_adam *a, float *param, const float *grad)
{
    a->t++;
    const gr_adam_coef c = gr_adam_coef_at(a->lr, a->beta1, a->beta2, a->eps, a->t);
    const size_t chunk = 16384;
    long nchunks = (long)((a->n + chunk - 1) / chunk);
#pragma omp parallel for schedule(static) if (gr_parallel_worth(a->n)) num_threads(gr_threads())
    for (long k = 0; k < nchunks; k++) {
        size_t lo = (size_t)k * chunk, hi = lo + chunk < a->n ? lo + chunk : a->n;
        adam_update(param + lo, grad + lo, a->m + lo, a->v + lo, hi - lo, &c);
    }
}
