#include "kernels/dense.h"

#include <string.h>

#include "kernels/simd.h"

void gr_transpose(float *dst, const float *src, size_t rows, size_t d, size_t stride)
{
    for (size_t k = 0; k < d; k++) {
        float *row = dst + k * stride;
        for (size_t i = 0; i < rows; i++) row[i] = src[i * d + k];
        for (size_t i = rows; i < stride; i++) row[i] = 0.0f;
    }
}

/* Write w <= 16 scores of a tile row, adding the item biases if any. */
static inline __attribute__((always_inline)) void put16(float *dst, gr_v16 s, const float *bias, size_t i, size_t w)
{
    if (bias) {
        float bb[16] = { 0 };
        for (size_t j = 0; j < w; j++) bb[j] = bias[i + j];
        s += gr_load16(bb);
    }
    if (w == 16) gr_store16(dst, s);
    else memcpy(dst, &s, w * sizeof(float));
}

/*
 * Tiles of R users x 16 V items: per step of the reduction, V item vectors
 * are loaded and R user values broadcast, feeding R V multiply-adds from
 * registers (4 x 4 = 16 accumulators for full tiles).
 */
#define SCORE_TILE(R, V)                                                                             \
    static inline __attribute__((always_inline)) void score_##R##x##V(float *out, const float *U, const float *it, size_t n_items,     \
                                       size_t stride, size_t d, const float *bias, size_t i)          \
    {                                                                                                \
        gr_v16 s[R][V];                                                                              \
        for (int b = 0; b < R; b++)                                                                  \
            for (int q = 0; q < V; q++) s[b][q] = gr_splat16(0.0f);                                  \
        for (size_t k = 0; k < d; k++) {                                                             \
            gr_v16 v[V];                                                                             \
            for (int q = 0; q < V; q++) v[q] = gr_load16(it + k * stride + i + 16 * q);              \
            for (int b = 0; b < R; b++) {                                                            \
                const float c = U[b * d + k];                                                        \
                for (int q = 0; q < V; q++) s[b][q] += c * v[q];                                     \
            }                                                                                        \
        }                                                                                            \
        for (int q = 0; q < V; q++) {                                                                \
            size_t j = i + 16 * (size_t)q;                                                           \
            if (j >= n_items) break;                                                                 \
            size_t w = n_items - j < 16 ? n_items - j : 16;                                          \
            for (int b = 0; b < R; b++) put16(out + (size_t)b * n_items + j, s[b][q], bias, j, w);   \
        }                                                                                            \
    }

SCORE_TILE(4, 4)
SCORE_TILE(4, 1)
SCORE_TILE(1, 4)
SCORE_TILE(1, 1)

/* Item panels outside, users inside: a panel of 64 items x d (16 KiB at
 * d = 64) stays in L1 while every group of four users takes it. */
GR_KERNEL static void score_tiles(float *out, const float *U, size_t nu, const float *it, size_t n_items,
                                  size_t stride, size_t d, const float *bias)
{
    const size_t nu4 = nu & ~(size_t)3;
    size_t i = 0;
    for (; i + 64 <= stride; i += 64) {
        for (size_t u0 = 0; u0 < nu4; u0 += 4) score_4x4(out + u0 * n_items, U + u0 * d, it, n_items, stride, d, bias, i);
        for (size_t u0 = nu4; u0 < nu; u0++) score_1x4(out + u0 * n_items, U + u0 * d, it, n_items, stride, d, bias, i);
    }
    for (; i < stride; i += 16) {
        for (size_t u0 = 0; u0 < nu4; u0 += 4) score_4x1(out + u0 * n_items, U + u0 * d, it, n_items, stride, d, bias, i);
        for (size_t u0 = nu4; u0 < nu; u0++) score_1x1(out + u0 * n_items, U + u0 * d, it, n_items, stride, d, bias, i);
    }
}

void gr_score_block(float *out, const float *U, size_t nu, const float *it, size_t n_items, size_t stride,
                    size_t d, const float *bias)
{
    score_tiles(out, U, nu, it, n_items, stride, d, bias);
}

float gr_dot(const float *a, const float *b, size_t d)
{
    float s = 0.0f;
    for (size_t k = 0; k < d; k++) s += a[k] * b[k];
    return s;
}
