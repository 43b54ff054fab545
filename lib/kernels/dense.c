#include "kernels/dense.h"

#include "kernels/simd.h"

void gr_transpose(float *dst, const float *src, size_t rows, size_t d, size_t stride)
{
    for (size_t k = 0; k < d; k++) {
        float *row = dst + k * stride;
        for (size_t i = 0; i < rows; i++) row[i] = src[i * d + k];
        for (size_t i = rows; i < stride; i++) row[i] = 0.0f;
    }
}

/*
 * Register block of 4 users x 16 items: each load of 16 item values
 * feeds four multiply-adds, one per user (broadcast of U[u][k]).
 */
GR_KERNEL static void score_4x(float *out, const float *U, size_t nu, const float *it, size_t n_items,
                               size_t stride, size_t d, const float *bias)
{
    for (size_t u0 = 0; u0 < nu; u0 += 4) {
        size_t nb = nu - u0 < 4 ? nu - u0 : 4;
        const float *ur[4];
        for (size_t b = 0; b < 4; b++) ur[b] = U + (u0 + (b < nb ? b : 0)) * d;
        for (size_t i = 0; i < stride; i += 16) {
            gr_v16 s0 = gr_splat16(0), s1 = s0, s2 = s0, s3 = s0;
            for (size_t k = 0; k < d; k++) {
                gr_v16 v = gr_load16(it + k * stride + i);
                s0 += ur[0][k] * v;
                s1 += ur[1][k] * v;
                s2 += ur[2][k] * v;
                s3 += ur[3][k] * v;
            }
            if (bias) {
                float bb[16] = { 0 };
                for (size_t j = 0; j < 16 && i + j < n_items; j++) bb[j] = bias[i + j];
                gr_v16 bv = gr_load16(bb);
                s0 += bv;
                s1 += bv;
                s2 += bv;
                s3 += bv;
            }
            gr_v16 s[4] = { s0, s1, s2, s3 };
            size_t w = n_items - i < 16 ? n_items - i : 16;
            for (size_t b = 0; b < nb; b++) memcpy(out + (u0 + b) * n_items + i, &s[b], w * sizeof(float));
        }
    }
}

void gr_score_block(float *out, const float *U, size_t nu, const float *it, size_t n_items, size_t stride,
                    size_t d, const float *bias)
{
    score_4x(out, U, nu, it, n_items, stride, d, bias);
}

float gr_dot(const float *a, const float *b, size_t d)
{
    float s = 0.0f;
    for (size_t k = 0; k < d; k++) s += a[k] * b[k];
    return s;
}
