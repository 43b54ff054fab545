/*
 * exp() of a whole row in vector registers: glibc's expf is not
 * vectorised without -ffast-math, and one exp per (user, item) pair is the
 * second-largest cost of a full-softmax step after the products.
 */
#include "kernels/softmax.h"

#include <math.h>

#include "kernels/cpu.h"
#include "kernels/simd.h"

typedef int gr_i16 __attribute__((vector_size(64)));

typedef int gr_i8 __attribute__((vector_size(32)));

/* expW_nonpos: exp(x) for x <= 0, 2^n * p(r) with x = n ln2 + r,
 * |r| <= ln2 / 2; maxW: the lane-wise maximum.  One definition for the wide
 * (W = 16, gr_v16) and the narrow (W = 8, gr_v8) kernels. */
#define EXP_AND_MAX(W, VT, IT, SPLAT)                                                                \
    static inline VT exp##W##_nonpos(VT x)                                                           \
    {                                                                                                \
        const VT lo = SPLAT(-87.0f);                                                                 \
        IT small = x < lo;                                                                           \
        x = (VT)(((IT)x & ~small) | ((IT)lo & small));                                              \
        const VT magic = SPLAT(12582912.0f); /* 1.5 * 2^23: adding it rounds to an integer */        \
        VT t = x * 1.44269504088896341f + magic;                                                     \
        VT n = t - magic;                                                                            \
        VT r = x - n * 0.693359375f + n * 2.12194440e-4f;                                            \
        VT p = SPLAT(1.0f / 720.0f);                                                                 \
        p = p * r + 1.0f / 120.0f;                                                                   \
        p = p * r + 1.0f / 24.0f;                                                                    \
        p = p * r + 1.0f / 6.0f;                                                                     \
        p = p * r + 0.5f;                                                                            \
        p = p * r + 1.0f;                                                                            \
        p = p * r + 1.0f;                                                                            \
        IT e = ((IT)t - (IT)magic + 127) << 23;                                                      \
        return p * (VT)e;                                                                            \
    }                                                                                                \
    static inline VT max##W(VT a, VT b)                                                              \
    {                                                                                                \
        IT gt = a > b;                                                                               \
        return (VT)(((IT)a & gt) | ((IT)b & ~gt));                                                   \
    }

EXP_AND_MAX(16, gr_v16, gr_i16, gr_splat16)
EXP_AND_MAX(8, gr_v8, gr_i8, gr_splat8)

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

/* Without wide registers (kernels/cpu.h): the same row in gr_v8 halves of
 * each 16 floats, summed in the same lane order as gr_hsum16. */
GR_INLINE float softmax_row_narrow_body(float *row, size_t n, float scale)
{
    gr_v8 m0 = gr_splat8(-INFINITY), m1 = m0;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        m0 = max8(m0, gr_load8(row + i));
        m1 = max8(m1, gr_load8(row + i + 8));
    }
    float mx = -INFINITY;
    for (int k = 0; k < 8; k++) mx = m0[k] > mx ? m0[k] : mx;
    for (int k = 0; k < 8; k++) mx = m1[k] > mx ? m1[k] : mx;
    for (size_t k = i; k < n; k++) mx = row[k] > mx ? row[k] : mx;
    gr_v8 acc0 = gr_splat8(0.0f), acc1 = acc0;
    for (i = 0; i + 16 <= n; i += 16) {
        gr_v8 e0 = exp8_nonpos(gr_load8(row + i) - mx), e1 = exp8_nonpos(gr_load8(row + i + 8) - mx);
        gr_store8(row + i, e0);
        gr_store8(row + i + 8, e1);
        acc0 += e0;
        acc1 += e1;
    }
    float sum = 0;
    for (int k = 0; k < 8; k++) sum += acc0[k];
    for (int k = 0; k < 8; k++) sum += acc1[k];
    if (i < n) {
        float tail[16];
        for (size_t k = 0; k < 16; k++) tail[k] = i + k < n ? row[i + k] - mx : -87.0f;
        gr_v8 e[2] = { exp8_nonpos(gr_load8(tail)), exp8_nonpos(gr_load8(tail + 8)) };
        for (size_t k = 0; i + k < n; k++) {
            row[i + k] = e[k / 8][k % 8];
            sum += e[k / 8][k % 8];
        }
    }
    const float c = scale / sum;
    for (size_t k = 0; k < n; k++) row[k] *= c;
    return mx + logf(sum);
}

GR_KERNEL static float softmax_row_narrow(float *row, size_t n, float scale)
{
    return softmax_row_narrow_body(row, n, scale);
}

float gr_softmax_row(float *row, size_t n, float scale)
{
    return gr_simd_wide() ? softmax_row(row, n, scale) : softmax_row_narrow(row, n, scale);
}
