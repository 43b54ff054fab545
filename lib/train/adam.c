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
    a->beta1 = 0.9;
    a->beta2 = 0.999;
    a->eps = 1e-8;
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

GR_KERNEL static void adam_range(float *restrict p, const float *restrict g, float *restrict m, float *restrict v,
                                 size_t lo, size_t hi, float b1, float b2, float step, float inv_bc2_sqrt, float eps)
{
    for (size_t k = lo; k < hi; k++) {
        float gk = g[k];
        float mk = b1 * m[k] + (1.0f - b1) * gk;
        float vk = b2 * v[k] + (1.0f - b2) * gk * gk;
        m[k] = mk;
        v[k] = vk;
        p[k] -= step * mk / (sqrtf(vk) * inv_bc2_sqrt + eps);
    }
}

void gr_adam_step(gr_adam *a, float *param, const float *grad)
{
    a->t++;
    double bc1 = 1.0 - pow(a->beta1, (double)a->t), bc2 = 1.0 - pow(a->beta2, (double)a->t);
    float step = (float)(a->lr / bc1), inv = (float)(1.0 / sqrt(bc2));
    const size_t chunk = 16384;
    long nchunks = (long)((a->n + chunk - 1) / chunk);
#pragma omp parallel for schedule(static) if (gr_parallel_worth(a->n)) num_threads(gr_threads())
    for (long c = 0; c < nchunks; c++) {
        size_t lo = (size_t)c * chunk, hi = lo + chunk < a->n ? lo + chunk : a->n;
        adam_range(param, grad, a->m, a->v, lo, hi, (float)a->beta1, (float)a->beta2, step, inv, (float)a->eps);
    }
}

void gr_adam_step_rows(gr_adam *a, float *param, const float *grad, const int32_t *rows, size_t nrows, size_t d)
{
    a->t++;
    double bc1 = 1.0 - pow(a->beta1, (double)a->t), bc2 = 1.0 - pow(a->beta2, (double)a->t);
    float step = (float)(a->lr / bc1), inv = (float)(1.0 / sqrt(bc2));
    long nr = (long)nrows;
#pragma omp parallel for schedule(static) if (gr_parallel_worth(nrows * d)) num_threads(gr_threads())
    for (long r = 0; r < nr; r++) {
        size_t lo = (size_t)rows[r] * d;
        adam_range(param, grad, a->m, a->v, lo, lo + d, (float)a->beta1, (float)a->beta2, step, inv, (float)a->eps);
    }
}
