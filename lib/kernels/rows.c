/*
 * Gathered-row kernels (rows.h).  The rows are short (d = 64 in the
 * defaults) and scattered over memory, so the gain is in doing each row's
 * arithmetic in vectors rather than one dependent scalar sum; widths that
 * are not a multiple of 16 take the plain loops.
 */
#include "kernels/rows.h"

#include "kernels/simd.h"

GR_INLINE void dot_body(float *out, const float *u, const float *x, const int32_t *idx, size_t n, size_t d)
{
    for (size_t k = 0; k < n; k++) {
        const float *r = x + (size_t)idx[k] * d;
        gr_v16 s = gr_splat16(0.0f);
        for (size_t j = 0; j < d; j += 16) s += gr_load16(u + j) * gr_load16(r + j);
        out[k] = gr_hsum16(s);
    }
}

GR_INLINE void combine_body(float *y, const float *c, const float *x, const int32_t *idx, size_t n, size_t d)
{
    for (size_t j = 0; j < d; j += 16) {
        gr_v16 s = gr_load16(y + j);
        for (size_t k = 0; k < n; k++) s += c[k] * gr_load16(x + (size_t)idx[k] * d + j);
        gr_store16(y + j, s);
    }
}

GR_INLINE void add_to_body(float *dst, const int32_t *idx, const float *src, size_t n, int32_t lo, int32_t hi,
                           size_t d)
{
    for (size_t k = 0; k < n; k++) {
        if (idx[k] < lo || idx[k] >= hi) continue;
        float *o = dst + (size_t)idx[k] * d;
        for (size_t j = 0; j < d; j += 16) gr_store16(o + j, gr_load16(o + j) + gr_load16(src + k * d + j));
    }
}

GR_INLINE void add_scaled_body(float *dst, const int32_t *idx, const float *c, const float *x, size_t n, int32_t lo,
                               int32_t hi, size_t d)
{
    for (size_t k = 0; k < n; k++) {
        if (idx[k] < lo || idx[k] >= hi) continue;
        float *o = dst + (size_t)idx[k] * d;
        for (size_t j = 0; j < d; j += 16) gr_store16(o + j, gr_load16(o + j) + c[k] * gr_load16(x + j));
    }
}

GR_KERNEL static void dot16(float *out, const float *u, const float *x, const int32_t *idx, size_t n, size_t d)
{
    dot_body(out, u, x, idx, n, d);
}

GR_KERNEL static void combine16(float *y, const float *c, const float *x, const int32_t *idx, size_t n, size_t d)
{
    combine_body(y, c, x, idx, n, d);
}

GR_KERNEL static void add_to16(float *dst, const int32_t *idx, const float *src, size_t n, int32_t lo, int32_t hi,
                               size_t d)
{
    add_to_body(dst, idx, src, n, lo, hi, d);
}

GR_KERNEL static void add_scaled16(float *dst, const int32_t *idx, const float *c, const float *x, size_t n,
                                   int32_t lo, int32_t hi, size_t d)
{
    add_scaled_body(dst, idx, c, x, n, lo, hi, d);
}

void gr_rows_dot(float *out, const float *u, const float *x, const int32_t *idx, size_t n, size_t d)
{
    if (d % 16 == 0) {
        dot16(out, u, x, idx, n, d);
        return;
    }
    for (size_t k = 0; k < n; k++) {
        const float *r = x + (size_t)idx[k] * d;
        float s = 0.0f;
        for (size_t j = 0; j < d; j++) s += u[j] * r[j];
        out[k] = s;
    }
}

void gr_rows_combine(float *y, const float *c, const float *x, const int32_t *idx, size_t n, size_t d)
{
    if (d % 16 == 0) {
        combine16(y, c, x, idx, n, d);
        return;
    }
    for (size_t k = 0; k < n; k++) {
        const float *r = x + (size_t)idx[k] * d;
        for (size_t j = 0; j < d; j++) y[j] += c[k] * r[j];
    }
}

void gr_rows_add_to(float *dst, const int32_t *idx, const float *src, size_t n, int32_t lo, int32_t hi, size_t d)
{
    if (d % 16 == 0) {
        add_to16(dst, idx, src, n, lo, hi, d);
        return;
    }
    for (size_t k = 0; k < n; k++) {
        if (idx[k] < lo || idx[k] >= hi) continue;
        float *o = dst + (size_t)idx[k] * d;
        for (size_t j = 0; j < d; j++) o[j] += src[k * d + j];
    }
}

void gr_rows_add_scaled(float *dst, const int32_t *idx, const float *c, const float *x, size_t n, int32_t lo,
                        int32_t hi, size_t d)
{
    if (d % 16 == 0) {
        add_scaled16(dst, idx, c, x, n, lo, hi, d);
        return;
    }
    for (size_t k = 0; k < n; k++) {
        if (idx[k] < lo || idx[k] >= hi) continue;
        float *o = dst + (size_t)idx[k] * d;
        for (size_t j = 0; j < d; j++) o[j] += c[k] * x[j];
    }
}
