#include "kernels/dense.h"

#include <string.h>

#include "kernels/cpu.h"
#include "kernels/narrow_tiles.h"
#include "kernels/simd.h"

/*
 * An 8 x 8 block (8 rows of src from `src`, 8 columns each) into 8 rows of
 * dst from `dst`, transposed in registers by three rounds of shuffles:
 * pairs of rows interleaved, pairs of pairs, then halves.  Copying element
 * by element took 7% of a sampled LightGCN step on Gowalla.
 */
GR_INLINE void transpose8x8(float *dst, size_t ldd, const float *src, size_t lds)
{
    gr_v8 r[8], t[8], s[8];
    for (int i = 0; i < 8; i++) r[i] = gr_load8(src + (size_t)i * lds);
    for (int i = 0; i < 8; i += 2) {
        t[i] = __builtin_shufflevector(r[i], r[i + 1], 0, 8, 1, 9, 4, 12, 5, 13);
        t[i + 1] = __builtin_shufflevector(r[i], r[i + 1], 2, 10, 3, 11, 6, 14, 7, 15);
    }
    for (int h = 0; h < 8; h += 4) {
        s[h] = __builtin_shufflevector(t[h], t[h + 2], 0, 1, 8, 9, 4, 5, 12, 13);
        s[h + 1] = __builtin_shufflevector(t[h], t[h + 2], 2, 3, 10, 11, 6, 7, 14, 15);
        s[h + 2] = __builtin_shufflevector(t[h + 1], t[h + 3], 0, 1, 8, 9, 4, 5, 12, 13);
        s[h + 3] = __builtin_shufflevector(t[h + 1], t[h + 3], 2, 3, 10, 11, 6, 7, 14, 15);
    }
    for (int c = 0; c < 4; c++) {
        gr_store8(dst + (size_t)c * ldd, __builtin_shufflevector(s[c], s[c + 4], 0, 1, 2, 3, 8, 9, 10, 11));
        gr_store8(dst + (size_t)(c + 4) * ldd, __builtin_shufflevector(s[c], s[c + 4], 4, 5, 6, 7, 12, 13, 14, 15));
    }
}

/* The whole 8 x 8 blocks: rows8 and cols8 are multiples of 8.  A block row
 * of 8 source rows is read along, and each destination row is written 32
 * bytes at a time. */
GR_KERNEL static void transpose_blocks(float *dst, size_t ldd, const float *src, size_t lds, size_t rows8, size_t cols8)
{
    for (size_t i0 = 0; i0 < rows8; i0 += 8)
        for (size_t k0 = 0; k0 < cols8; k0 += 8) transpose8x8(dst + k0 * ldd + i0, ldd, src + i0 * lds + k0, lds);
}

void gr_transpose_strided(float *dst, size_t ldd, const float *src, size_t lds, size_t rows, size_t cols)
{
    const size_t rows8 = rows & ~(size_t)7, cols8 = cols & ~(size_t)7;
    transpose_blocks(dst, ldd, src, lds, rows8, cols8);
    for (size_t k = cols8; k < cols; k++)
        for (size_t i = 0; i < rows8; i++) dst[k * ldd + i] = src[i * lds + k];
    for (size_t k = 0; k < cols; k++) {
        float *out = dst + k * ldd;
        for (size_t i = rows8; i < rows; i++) out[i] = src[i * lds + k];
        for (size_t i = rows; i < ldd; i++) out[i] = 0.0f;
    }
}

void gr_transpose(float *dst, const float *src, size_t rows, size_t d, size_t stride)
{
    gr_transpose_strided(dst, stride, src, d, rows, d);
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
    const size_t nu4 = nu & ~(size_t)3, n16 = (n_items + 15) & ~(size_t)15;
    size_t i = 0;
    for (; i + 64 <= n16; i += 64) {
        for (size_t u0 = 0; u0 < nu4; u0 += 4) score_4x4(out + u0 * n_items, U + u0 * d, it, n_items, stride, d, bias, i);
        for (size_t u0 = nu4; u0 < nu; u0++) score_1x4(out + u0 * n_items, U + u0 * d, it, n_items, stride, d, bias, i);
    }
    for (; i < n16; i += 16) {
        for (size_t u0 = 0; u0 < nu4; u0 += 4) score_4x1(out + u0 * n_items, U + u0 * d, it, n_items, stride, d, bias, i);
        for (size_t u0 = nu4; u0 < nu; u0++) score_1x1(out + u0 * n_items, U + u0 * d, it, n_items, stride, d, bias, i);
    }
}

/*
 * Without wide registers: tiles of up to GR_NARROW_TILE (6) users x 16
 * items, users cut evenly (kernels/narrow_tiles.h).  Each score is the
 * sum of the wide tiles in the same order.
 */
GR_INLINE void score_narrow_tile(float *out, const float *U, int R, const float *it, size_t n_items, size_t stride,
                                 size_t d, const float *bias, size_t i)
{
    gr_v8 s[GR_NARROW_TILE][2];
    for (int b = 0; b < R; b++) s[b][0] = s[b][1] = gr_splat8(0.0f);
    for (size_t k = 0; k < d; k++) {
        const gr_v8 v0 = gr_load8(it + k * stride + i), v1 = gr_load8(it + k * stride + i + 8);
        for (int b = 0; b < R; b++) {
            const float c = U[(size_t)b * d + k];
            s[b][0] += c * v0;
            s[b][1] += c * v1;
        }
    }
    const size_t w = n_items - i < 16 ? n_items - i : 16;
    for (int b = 0; b < R; b++) put16(out + (size_t)b * n_items + i, gr_join16(s[b][0], s[b][1]), bias, i, w);
}

GR_KERNEL static void score_tiles_narrow(float *out, const float *U, size_t nu, const float *it, size_t n_items,
                                         size_t stride, size_t d, const float *bias)
{
    const size_t tiles = gr_narrow_tiles(nu);
    for (size_t i = 0; i < n_items; i += 16)
        for (size_t t = 0; t < tiles; t++) {
            size_t u0;
            const size_t h = gr_narrow_tile_rows(nu, tiles, t, &u0);
            float *o = out + u0 * n_items;
            const float *Ut = U + u0 * d;
#define NARROW_SCORE_TILE(R) score_narrow_tile(o, Ut, R, it, n_items, stride, d, bias, i)
            GR_BY_NARROW_HEIGHT(h, NARROW_SCORE_TILE)
#undef NARROW_SCORE_TILE
        }
}

void gr_score_block(float *out, const float *U, size_t nu, const float *it, size_t n_items, size_t stride,
                    size_t d, const float *bias)
{
    if (gr_simd_wide()) score_tiles(out, U, nu, it, n_items, stride, d, bias);
    else score_tiles_narrow(out, U, nu, it, n_items, stride, d, bias);
}

/*
 * Tiles of 8 users x 8 items from the items' rows: per step of the
 * reduction one vector of 8 users' values (from ut) and 8 item values
 * broadcast feed 8 multiply-adds, and the 8 x 8 block is transposed in
 * registers to be stored as the users' rows.  Each score is the sum of
 * gr_score_block in the same order.  A tile of cols < 8 items reads its
 * last item for the rest and stores only its own: the edges take the
 * same instructions as the whole (a scalar loop would be compiled
 * differently, and round differently).
 */
GR_INLINE void score_rows_tile(float *out, size_t ldo, const float *ut, size_t ldu, const float *x, size_t d,
                               const float *bias, size_t rows, size_t cols)
{
    const float *xr[8];
    for (size_t i = 0; i < 8; i++) xr[i] = x + (i < cols ? i : cols - 1) * d;
    gr_v8 s[8];
    for (int i = 0; i < 8; i++) s[i] = gr_splat8(0.0f);
    /* unrolled so that the eight row pointers' steps are shared by four
     * steps of the reduction */
#pragma GCC unroll 4
    for (size_t k = 0; k < d; k++) {
        const gr_v8 e = gr_load8(ut + k * ldu);
        for (int i = 0; i < 8; i++) s[i] += xr[i][k] * e;
    }
    if (bias)
        for (size_t i = 0; i < 8; i++) s[i] += gr_splat8(bias[i < cols ? i : cols - 1]);
    float blk[64];
    for (int i = 0; i < 8; i++) gr_store8(blk + i * 8, s[i]);
    if (rows == 8 && cols == 8) {
        transpose8x8(out, ldo, blk, 8);
        return;
    }
    for (size_t b = 0; b < rows; b++)
        for (size_t i = 0; i < cols; i++) out[b * ldo + i] = blk[i * 8 + b];
}

/* Users outside, items inside: a group of 8 users' rows of the output is
 * written in order, while the items' rows stream from L2 (2,048 rows of 64
 * floats: with items outside, writing 8 users' rows at a time was 25%
 * slower on the AVX2 EPYC). */
GR_KERNEL static void score_rows_tiles(float *out, const float *ut, size_t ldu, size_t nu, const float *x, size_t n,
                                       size_t d, const float *bias)
{
    for (size_t u0 = 0; u0 < nu; u0 += 8)
        for (size_t j = 0; j < n; j += 8)
            score_rows_tile(out + u0 * n + j, n, ut + u0, ldu, x + j * d, d, bias ? bias + j : NULL,
                            nu - u0 < 8 ? nu - u0 : 8, n - j < 8 ? n - j : 8);
}

void gr_score_rows(float *out, const float *ut, size_t ldu, size_t nu, const float *x, size_t n, size_t d,
                   const float *bias)
{
    score_rows_tiles(out, ut, ldu, nu, x, n, d, bias);
}

/* At d = 128 and 256 the transposed items scored a Gowalla-sized part
 * (1,024 items) as fast or faster on the AVX2 EPYC: a part's rows, 512 KB
 * and more, no longer stay in L2 across the 8 groups of users. */
int gr_score_rows_preferred(size_t d) { return !gr_simd_wide() && d <= 64; }

int gr_score_from_rows(const gr_item_layouts *items, size_t d)
{
    return items->rows && (!items->t || gr_score_rows_preferred(d));
}

void gr_score_part(float *out, const gr_user_block *users, const gr_item_layouts *items, size_t i0, size_t n,
                   size_t d, const float *bias)
{
    if (users->ut) gr_score_rows(out, users->ut, users->ldu, users->nu, items->rows + i0 * d, n, d, bias);
    else gr_score_block(out, users->u, users->nu, items->t + i0, n, items->stride, d, bias);
}

float gr_dot(const float *a, const float *b, size_t d)
{
    float s = 0.0f;
    for (size_t k = 0; k < d; k++) s += a[k] * b[k];
    return s;
}
