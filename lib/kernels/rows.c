/*
 * Gathered-row kernels (rows.h).  The rows are short (d = 64 in the
 * defaults) and scattered over memory, so the gain is in doing each row's
 * arithmetic in vectors rather than one dependent scalar sum; widths that
 * are not a multiple of 16 take the plain loops.
 */
#include "kernels/rows.h"

#include <stddef.h>
#include <string.h>

#include "kernels/cpu.h"
#include "kernels/dense.h"
#include "kernels/simd.h"

/* The rows are scattered over tables larger than the caches: the loops
 * fetch the row AHEAD places ahead while they work on this one (the rows
 * added to only when they are the caller's, and for writing). */
#define AHEAD 8

static inline void prefetch_row(const float *x, int32_t i, size_t d)
{
    for (size_t j = 0; j < d; j += 16) __builtin_prefetch(x + (size_t)i * d + j);
}

static inline void prefetch_own_row(const float *dst, int32_t i, int32_t lo, int32_t hi, size_t d)
{
    if (i < lo || i >= hi) return;
    for (size_t j = 0; j < d; j += 16) __builtin_prefetch(dst + (size_t)i * d + j, 1);
}

GR_INLINE void dot_body(float *out, const float *u, const float *x, const int32_t *idx, size_t n, size_t d)
{
    for (size_t k = 0; k < n; k++) {
        if (k + AHEAD < n) prefetch_row(x, idx[k + AHEAD], d);
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
        if (k + AHEAD < n) prefetch_own_row(dst, idx[k + AHEAD], lo, hi, d);
        if (idx[k] < lo || idx[k] >= hi) continue;
        float *o = dst + (size_t)idx[k] * d;
        for (size_t j = 0; j < d; j += 16) gr_store16(o + j, gr_load16(o + j) + gr_load16(src + k * d + j));
    }
}

GR_INLINE void add_scaled_body(float *dst, const int32_t *idx, const float *c, const float *x, size_t n, int32_t lo,
                               int32_t hi, size_t d)
{
    for (size_t k = 0; k < n; k++) {
        if (k + AHEAD < n) prefetch_own_row(dst, idx[k + AHEAD], lo, hi, d);
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

/*
 * Without wide registers (kernels/cpu.h) the same loops in gr_v8 halves of
 * each 16 floats; the dot product keeps one accumulator per half, so its
 * lanes are summed in gr_hsum16's order.
 */
GR_INLINE void dot_narrow_body(float *out, const float *u, const float *x, const int32_t *idx, size_t n, size_t d)
{
    for (size_t k = 0; k < n; k++) {
        if (k + AHEAD < n) prefetch_row(x, idx[k + AHEAD], d);
        const float *r = x + (size_t)idx[k] * d;
        gr_v8 s0 = gr_splat8(0.0f), s1 = s0;
        for (size_t j = 0; j < d; j += 16) {
            s0 += gr_load8(u + j) * gr_load8(r + j);
            s1 += gr_load8(u + j + 8) * gr_load8(r + j + 8);
        }
        float t = 0.0f;
        for (int q = 0; q < 8; q++) t += s0[q];
        for (int q = 0; q < 8; q++) t += s1[q];
        out[k] = t;
    }
}

GR_INLINE void combine_narrow_body(float *y, const float *c, const float *x, const int32_t *idx, size_t n,
                                   size_t d)
{
    for (size_t j = 0; j < d; j += 16) {
        gr_v8 s0 = gr_load8(y + j), s1 = gr_load8(y + j + 8);
        for (size_t k = 0; k < n; k++) {
            const float *r = x + (size_t)idx[k] * d + j;
            s0 += c[k] * gr_load8(r);
            s1 += c[k] * gr_load8(r + 8);
        }
        gr_store8(y + j, s0);
        gr_store8(y + j + 8, s1);
    }
}

GR_INLINE void add_scaled_narrow_body(float *dst, const int32_t *idx, const float *c, const float *x, size_t n,
                                      int32_t lo, int32_t hi, size_t d)
{
    for (size_t k = 0; k < n; k++) {
        if (k + AHEAD < n) prefetch_own_row(dst, idx[k + AHEAD], lo, hi, d);
        if (idx[k] < lo || idx[k] >= hi) continue;
        float *o = dst + (size_t)idx[k] * d;
        const float ck = c ? c[k] : 1.0f;
        const float *xk = c ? x : x + k * d;
        for (size_t j = 0; j < d; j += 8) gr_store8(o + j, gr_load8(o + j) + ck * gr_load8(xk + j));
    }
}

GR_KERNEL static void dot_narrow(float *out, const float *u, const float *x, const int32_t *idx, size_t n, size_t d)
{
    dot_narrow_body(out, u, x, idx, n, d);
}

GR_KERNEL static void combine_narrow(float *y, const float *c, const float *x, const int32_t *idx, size_t n,
                                     size_t d)
{
    combine_narrow_body(y, c, x, idx, n, d);
}

/* c NULL: add row k of x to row idx[k] (gr_rows_add_to); else c[k] times x
 * (gr_rows_add_scaled). */
GR_KERNEL static void add_scaled_narrow(float *dst, const int32_t *idx, const float *c, const float *x, size_t n,
                                        int32_t lo, int32_t hi, size_t d)
{
    add_scaled_narrow_body(dst, idx, c, x, n, lo, hi, d);
}

void gr_rows_dot(float *out, const float *u, const float *x, const int32_t *idx, size_t n, size_t d)
{
    if (d % 16 == 0) {
        if (gr_simd_wide()) dot16(out, u, x, idx, n, d);
        else dot_narrow(out, u, x, idx, n, d);
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
        if (gr_simd_wide()) combine16(y, c, x, idx, n, d);
        else combine_narrow(y, c, x, idx, n, d);
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
        if (gr_simd_wide()) add_to16(dst, idx, src, n, lo, hi, d);
        else add_scaled_narrow(dst, idx, NULL, src, n, lo, hi, d);
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
        if (gr_simd_wide()) add_scaled16(dst, idx, c, x, n, lo, hi, d);
        else add_scaled_narrow(dst, idx, c, x, n, lo, hi, d);
        return;
    }
    for (size_t k = 0; k < n; k++) {
        if (idx[k] < lo || idx[k] >= hi) continue;
        float *o = dst + (size_t)idx[k] * d;
        for (size_t j = 0; j < d; j++) o[j] += c[k] * x[j];
    }
}

/* Element by element, so the plain loops vectorise at any width and give
 * the same bits in every clone (no sum runs across lanes, and no product
 * is added where a fused multiply-add could round differently). */
GR_INLINE void sum_by_channel_body(float *restrict m, size_t channels, const float *restrict x, const int32_t *idx,
                                   const uint8_t *chan, size_t n, size_t d, float scale)
{
    memset(m, 0, channels * d * sizeof *m);
    for (size_t k = 0; k < n; k++) {
        if (k + AHEAD < n) prefetch_row(x, idx[k + AHEAD], d);
        float *restrict o = m + (chan ? (size_t)chan[k] * d : 0);
        const float *restrict r = x + (size_t)idx[k] * d;
        for (size_t j = 0; j < d; j++) o[j] += r[j];
    }
    if (n == 0) return;
    for (size_t j = 0; j < channels * d; j++) m[j] *= scale;
}

GR_INLINE void add_by_channel_body(float *restrict dst, const int32_t *idx, const uint8_t *chan,
                                   const float *restrict x, size_t n, size_t d)
{
    for (size_t k = 0; k < n; k++) {
        if (k + AHEAD < n) prefetch_row(dst, idx[k + AHEAD], d);
        float *restrict o = dst + (size_t)idx[k] * d;
        const float *restrict r = x + (chan ? (size_t)chan[k] * d : 0);
        for (size_t j = 0; j < d; j++) o[j] += r[j];
    }
}

GR_KERNEL static void sum_by_channel(float *m, size_t channels, const float *x, const int32_t *idx,
                                     const uint8_t *chan, size_t n, size_t d, float scale)
{
    sum_by_channel_body(m, channels, x, idx, chan, n, d, scale);
}

GR_KERNEL static void add_by_channel(float *dst, const int32_t *idx, const uint8_t *chan, const float *x, size_t n,
                                     size_t d)
{
    add_by_channel_body(dst, idx, chan, x, n, d);
}

void gr_rows_sum_by_channel(float *m, size_t channels, const float *x, const int32_t *idx, const uint8_t *chan,
                            size_t n, size_t d, float scale)
{
    sum_by_channel(m, channels, x, idx, chan, n, d, scale);
}

void gr_rows_add_by_channel(float *dst, const int32_t *idx, const uint8_t *chan, const float *x, size_t n, size_t d)
{
    add_by_channel(dst, idx, chan, x, n, d);
}

#define GATHER_ROWS 16

/* Prefetch rows idx[k0..k1) of src. */
static inline void prefetch_rows(const float *src, const int32_t *idx, size_t k0, size_t k1, size_t d)
{
    for (size_t k = k0; k < k1; k++) prefetch_row(src, idx[k], d);
}

void gr_rows_gather(float *x, float *xt, size_t ldt, const float *src, const int32_t *idx, size_t n, size_t d)
{
    prefetch_rows(src, idx, 0, n < GATHER_ROWS ? n : GATHER_ROWS, d);
    for (size_t k0 = 0; k0 < n; k0 += GATHER_ROWS) {
        const size_t k1 = k0 + GATHER_ROWS < n ? k0 + GATHER_ROWS : n;
        prefetch_rows(src, idx, k1, k1 + GATHER_ROWS < n ? k1 + GATHER_ROWS : n, d);
        for (size_t k = k0; k < k1; k++) memcpy(x + k * d, src + (size_t)idx[k] * d, d * sizeof *x);
    }
    if (xt) gr_transpose(xt, x, n, d, ldt);
}
