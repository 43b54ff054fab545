/*
 * Element-wise masks (mask.h).  The dropout bytes come from one hash per
 * eight values; a block's hashes are drawn first and its values masked in
 * a second loop, so the masking vectorises (a byte compared per lane)
 * instead of shifting one word per value.
 */
#include "kernels/mask.h"

#include <string.h>

#include "core/rng.h"
#include "kernels/simd.h"

/* Values masked per block: eight words of random bytes. */
#define DROP_BLOCK 64

GR_INLINE void relu_body(float *x, size_t n)
{
    for (size_t j = 0; j < n; j++) x[j] = x[j] > 0.0f ? x[j] : 0.0f;
}

GR_INLINE void relu_grad_body(float *restrict g, const float *restrict h, size_t n)
{
    for (size_t j = 0; j < n; j++) g[j] = h[j] > 0.0f ? g[j] : 0.0f;
}

/* The random bytes of values j0 .. j0 + DROP_BLOCK. */
GR_INLINE void drop_bytes(uint8_t *bytes, uint64_t stream, size_t j0)
{
    for (size_t q = 0; q < DROP_BLOCK / 8; q++) {
        uint64_t bits = gr_mix64(stream + (j0 / 8 + q + 1) * 0x9e3779b97f4a7c15ULL);
        for (int i = 0; i < 8; i++) bytes[8 * q + (size_t)i] = (uint8_t)(bits >> (8 * i));
    }
}

/* Each block of src is copied to the stack first, so dst may be src and
 * the masking loop still vectorises (its output and input never alias). */
GR_INLINE void dropout_body(float *dst, const float *src, size_t n, uint64_t stream, unsigned cut, float scale)
{
    uint8_t bytes[DROP_BLOCK];
    float v[DROP_BLOCK];
    const int c = (int)cut;
    for (size_t j0 = 0; j0 < n; j0 += DROP_BLOCK) {
        const size_t m = n - j0 < DROP_BLOCK ? n - j0 : DROP_BLOCK;
        float *restrict out = dst + j0;
        memcpy(v, src + j0, m * sizeof *v);
        drop_bytes(bytes, stream, j0);
        for (size_t j = 0; j < m; j++) out[j] = (int)bytes[j] >= c ? v[j] * scale : 0.0f;
    }
}

GR_KERNEL static void relu_k(float *x, size_t n) { relu_body(x, n); }

GR_KERNEL static void relu_grad_k(float *g, const float *h, size_t n) { relu_grad_body(g, h, n); }

GR_KERNEL static void dropout_k(float *dst, const float *src, size_t n, uint64_t stream, unsigned cut, float scale)
{
    dropout_body(dst, src, n, stream, cut, scale);
}

void gr_relu(float *x, size_t n) { relu_k(x, n); }

void gr_relu_grad(float *g, const float *h, size_t n) { relu_grad_k(g, h, n); }

void gr_dropout_row(float *dst, const float *src, size_t n, uint64_t stream, unsigned cut, float scale)
{
    dropout_k(dst, src, n, stream, cut, scale);
}
