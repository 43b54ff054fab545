/*
 * exp() of a whole row in vector registers: glibc's expf is not
 * vectorised without -ffast-math, and one exp per (user, item) pair is the
 * second-largest cost of a full-softmax step after the products.
 */
#include "kernels/softmax.h"

#include <math.h>

#include "kernels/simd.h"

typedef int gr_i16 __attribute__((vector_size(64)));

/* exp(x) for x <= 0: 2^n * p(r) with x = n ln2 + r, |r| <= ln2 / 2. */
static inline gr_v16 exp16_nonpos(gr_v16 x)
{
    const gr_v16 lo = gr_splat16(-87.0f);
    gr_i16 small = x < lo;
    x = (gr_v16)(((gr_i16)x & ~small) | ((gr_i16)lo & small));
    const gr_v16 magic = gr_splat16(12582912.0f); /* 1.5 * 2^23: adding it rounds to an integer */
    gr_v16 t = x * 1.44269504088896341f + magic;
    gr_v16 n = t - magic;
    gr_v16 r = x - n * 0.693359375f + n * 2.12194440e-4f;
    gr_v16 p = gr_splat16(1.0f / 720.0f);
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    gr_i16 e = ((gr_i16)t - (gr_i16)magic + 127) << 23;
    return p * (gr_v16)e;
}

static inline gr_v16 max16(gr_v16 a, gr_v16 b)
{
    gr_i16 gt = a > b;
    return (gr_v16)(((gr_i16)a & gt) | ((gr_i16)b & ~gt));
}

GR_INLINE float row_max(const float *row, size_t n)
{
    gr_v16 m = gr_splat16(-INFINITY);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) m = max16(m, gr_load16(row + i));
    float mx = -INFINITY;
    for (int k = 0; k < 16; k++) mx = m[k] > mx ? m[k] : mx;
    for (; i < n; i++) mx = row[i] > mx ? row[i] : mx;
    return mx;
}

GR_INLINE float softmax_row_body(float *row, size_t n, float scale)
{
    const float mx = row_max(row, n);
    gr_v16 acc = gr_splat16(0.0f);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        gr_v16 e = exp16_nonpos(gr_load16(row + i) - mx);
        gr_store16(row + i, e);
        acc += e;
    }
    float sum = gr_hsum16(acc);
    if (i < n) {
        float tail[16];
        for (size_t k = 0; k < 16; k++) tail[k] = i + k < n ? row[i + k] - mx : -87.0f;
        gr_v16 e = exp16_nonpos(gr_load16(tail));
        for (size_t k = 0; i + k < n; k++) {
            row[i + k] = e[k];
            sum += e[k];
        }
    }
    const float c = scale / sum;
    for (size_t k = 0; k < n; k++) row[k] *= c;
    return mx + logf(sum);
}

GR_KERNEL static float softmax_row(float *row, size_t n, float scale) { return softmax_row_body(row, n, scale); }

float gr_softmax_row(float *row, size_t n, float scale) { return softmax_row(row, n, scale); }
