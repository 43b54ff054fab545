/*
 * Register-blocked dense products for d = 16 V (V = 1..4, 8), with a
 * plain loop for other widths.  Each block keeps its accumulators in
 * vector registers for the whole reduction: a 4 x V block loads one row
 * of the shared factor (V vectors) and broadcasts four coefficients per
 * step of the reduction, so a loaded vector feeds four multiply-adds.
 */
#include "kernels/gemm.h"

#include "kernels/cpu.h"
#include "kernels/narrow_tiles.h"
#include "kernels/simd.h"

/* Rows [0, r) of Y = G X, four rows at a time. */
#define GEMM_ROWS(V)                                                                                 \
    GR_INLINE void gemm_rows_body_##V(float *y, const float *g, size_t ldg, const float *x, size_t r, \
                                      size_t n)                                                     \
    {                                                                                                \
        const size_t d = 16 * V;                                                                     \
        size_t u = 0;                                                                                \
        for (; u + 4 <= r; u += 4) {                                                                 \
            gr_v16 s[4][V];                                                                          \
            for (int b = 0; b < 4; b++)                                                              \
                for (int v = 0; v < V; v++) s[b][v] = gr_splat16(0.0f);                              \
            const float *g0 = g + u * ldg;                                                           \
            for (size_t k = 0; k < n; k++) {                                                         \
                gr_v16 xv[V];                                                                        \
                for (int v = 0; v < V; v++) xv[v] = gr_load16(x + k * d + 16 * v);                   \
                for (int b = 0; b < 4; b++) {                                                        \
                    const float c = g0[b * ldg + k];                                                 \
                    for (int v = 0; v < V; v++) s[b][v] += c * xv[v];                                \
                }                                                                                    \
            }                                                                                        \
            for (int b = 0; b < 4; b++)                                                              \
                for (int v = 0; v < V; v++) gr_store16(y + (u + b) * d + 16 * v, s[b][v]);           \
        }                                                                                            \
        for (; u < r; u++) {                                                                         \
            gr_v16 s[V];                                                                             \
            for (int v = 0; v < V; v++) s[v] = gr_splat16(0.0f);                                     \
            for (size_t k = 0; k < n; k++) {                                                         \
                const float c = g[u * ldg + k];                                                      \
                for (int v = 0; v < V; v++) s[v] += c * gr_load16(x + k * d + 16 * v);               \
            }                                                                                        \
            for (int v = 0; v < V; v++) gr_store16(y + u * d + 16 * v, s[v]);                        \
        }                                                                                            \
    }                                                                                                \
    GR_KERNEL static void gemm_rows_##V(float *y, const float *g, size_t ldg, const float *x, size_t r, \
                                        size_t n)                                                   \
    {                                                                                                \
        gemm_rows_body_##V(y, g, ldg, x, r, n);                                                      \
    }

/* Items [0, n) of Y += G^T X (acc) or Y = G^T X, four items at a time. */
#define GEMM_TACC(V)                                                                                 \
    GR_INLINE void gemm_tacc_body_##V(float *y, const float *g, size_t ldg, const float *x, size_t r, \
                                      size_t n, int acc)                                            \
    {                                                                                                \
        const size_t d = 16 * V;                                                                     \
        size_t i = 0;                                                                                \
        for (; i + 4 <= n; i += 4) {                                                                 \
            gr_v16 s[4][V];                                                                          \
            for (int b = 0; b < 4; b++)                                                              \
                for (int v = 0; v < V; v++) s[b][v] = acc ? gr_load16(y + (i + b) * d + 16 * v) : gr_splat16(0.0f); \
            for (size_t u = 0; u < r; u++) {                                                         \
                gr_v16 xv[V];                                                                        \
                for (int v = 0; v < V; v++) xv[v] = gr_load16(x + u * d + 16 * v);                   \
                const float *gu = g + u * ldg + i;                                                   \
                for (int b = 0; b < 4; b++) {                                                        \
                    const float c = gu[b];                                                           \
                    for (int v = 0; v < V; v++) s[b][v] += c * xv[v];                                \
                }                                                                                    \
            }                                                                                        \
            for (int b = 0; b < 4; b++)                                                              \
                for (int v = 0; v < V; v++) gr_store16(y + (i + b) * d + 16 * v, s[b][v]);           \
        }                                                                                            \
        for (; i < n; i++) {                                                                         \
            gr_v16 s[V];                                                                             \
            for (int v = 0; v < V; v++) s[v] = acc ? gr_load16(y + i * d + 16 * v) : gr_splat16(0.0f); \
            for (size_t u = 0; u < r; u++) {                                                         \
                const float c = g[u * ldg + i];                                                      \
                for (int v = 0; v < V; v++) s[v] += c * gr_load16(x + u * d + 16 * v);               \
            }                                                                                        \
            for (int v = 0; v < V; v++) gr_store16(y + i * d + 16 * v, s[v]);                        \
        }                                                                                            \
    }                                                                                                \
    GR_KERNEL static void gemm_tacc_##V(float *y, const float *g, size_t ldg, const float *x, size_t r, \
                                        size_t n, int acc)                                          \
    {                                                                                                \
        gemm_tacc_body_##V(y, g, ldg, x, r, n, acc);                                                 \
    }

GEMM_ROWS(1)
GEMM_ROWS(2)
GEMM_ROWS(3)
GEMM_ROWS(4)
GEMM_TACC(1)
GEMM_TACC(2)
GEMM_TACC(3)
GEMM_TACC(4)

/*
 * Without wide registers: row tiles of up to GR_NARROW_TILE (6), cut
 * evenly (kernels/narrow_tiles.h).  Each output sums over the reduction
 * in the same order as the wide kernels.  Against tiles of 4 rows on the
 * AVX2 EPYC: the same rate for the full-softmax products, and 97 -> 138
 * GFLOP/s for the sampled step's draws' gradient, whose coefficient rows
 * lie 8 KiB apart and share their L1 sets, so that fewer, taller tiles
 * read them fewer times.
 */

/* The reduction's chunk in the rows product: 256 rows of the shared factor
 * (64 KiB at d = 64) and 256 coefficients of each row stay in L2 while the
 * column panels take them in turn.  A chunk continues from the sums the
 * previous one stored, and a stored float loads back unchanged, so the
 * chunks do not change any sum. */
#define NARROW_KC 256

/* y[b][0..16) (+)= sum over k in [k0, k1) of g[b][k] x[k][0..16), b < R */
GR_INLINE void rows_tile_narrow(float *y, size_t d, const float *g, size_t ldg, const float *x, size_t k0, size_t k1,
                                int R, int first)
{
    gr_v8 s[GR_NARROW_TILE][2];
    for (int b = 0; b < R; b++) {
        s[b][0] = first ? gr_splat8(0.0f) : gr_load8(y + (size_t)b * d);
        s[b][1] = first ? gr_splat8(0.0f) : gr_load8(y + (size_t)b * d + 8);
    }
    for (size_t k = k0; k < k1; k++) {
        const gr_v8 x0 = gr_load8(x + k * d), x1 = gr_load8(x + k * d + 8);
        for (int b = 0; b < R; b++) {
            const float c = g[(size_t)b * ldg + k];
            s[b][0] += c * x0;
            s[b][1] += c * x1;
        }
    }
    for (int b = 0; b < R; b++) {
        gr_store8(y + (size_t)b * d, s[b][0]);
        gr_store8(y + (size_t)b * d + 8, s[b][1]);
    }
}

/* y[b][0..16) (+)= sum over u < r of g[u][b] x[u][0..16), b < R */
GR_INLINE void tacc_tile_narrow(float *y, size_t d, const float *g, size_t ldg, const float *x, size_t r, int R,
                                int acc)
{
    gr_v8 s[GR_NARROW_TILE][2];
    for (int b = 0; b < R; b++) {
        s[b][0] = acc ? gr_load8(y + (size_t)b * d) : gr_splat8(0.0f);
        s[b][1] = acc ? gr_load8(y + (size_t)b * d + 8) : gr_splat8(0.0f);
    }
    for (size_t u = 0; u < r; u++) {
        const gr_v8 x0 = gr_load8(x + u * d), x1 = gr_load8(x + u * d + 8);
        const float *gu = g + u * ldg;
        for (int b = 0; b < R; b++) {
            s[b][0] += gu[b] * x0;
            s[b][1] += gu[b] * x1;
        }
    }
    for (int b = 0; b < R; b++) {
        gr_store8(y + (size_t)b * d, s[b][0]);
        gr_store8(y + (size_t)b * d + 8, s[b][1]);
    }
}

GR_INLINE void gemm_rows_narrow_body(float *y, const float *g, size_t ldg, const float *x, size_t r, size_t n,
                                     size_t d)
{
    const size_t tiles = gr_narrow_tiles(r);
    /* one chunk at least: with n = 0 it stores the zero sums */
    size_t k0 = 0;
    do {
        const size_t k1 = n - k0 < NARROW_KC ? n : k0 + NARROW_KC;
        for (size_t c = 0; c < d; c += 16)
            for (size_t t = 0; t < tiles; t++) {
                size_t u;
                const size_t h = gr_narrow_tile_rows(r, tiles, t, &u);
#define ROWS_TILE(R) rows_tile_narrow(y + u * d + c, d, g + u * ldg, ldg, x + c, k0, k1, R, k0 == 0)
                GR_BY_NARROW_HEIGHT(h, ROWS_TILE)
#undef ROWS_TILE
            }
        k0 = k1;
    } while (k0 < n);
}

GR_KERNEL static void gemm_rows_narrow(float *y, const float *g, size_t ldg, const float *x, size_t r, size_t n,
                                       size_t d)
{
    gemm_rows_narrow_body(y, g, ldg, x, r, n, d);
}

/* Tiles of items outside, column panels inside: a tile's coefficients,
 * one short run in each of the r rows of g, are read once from memory for
 * all the panels. */
GR_INLINE void gemm_tacc_narrow_body(float *y, const float *g, size_t ldg, const float *x, size_t r, size_t n,
                                     size_t d, int acc)
{
    const size_t tiles = gr_narrow_tiles(n);
    for (size_t t = 0; t < tiles; t++) {
        size_t i;
        const size_t h = gr_narrow_tile_rows(n, tiles, t, &i);
        for (size_t c = 0; c < d; c += 16) {
#define TACC_TILE(R) tacc_tile_narrow(y + i * d + c, d, g + i, ldg, x + c, r, R, acc)
            GR_BY_NARROW_HEIGHT(h, TACC_TILE)
#undef TACC_TILE
        }
    }
}

GR_KERNEL static void gemm_tacc_narrow(float *y, const float *g, size_t ldg, const float *x, size_t r, size_t n,
                                       size_t d, int acc)
{
    gemm_tacc_narrow_body(y, g, ldg, x, r, n, d, acc);
}

static void gemm_rows_any(float *y, const float *g, size_t ldg, const float *x, size_t r, size_t n, size_t d)
{
    for (size_t u = 0; u < r; u++) {
        float *yu = y + u * d;
        for (size_t j = 0; j < d; j++) yu[j] = 0.0f;
        for (size_t k = 0; k < n; k++) {
            const float c = g[u * ldg + k];
            for (size_t j = 0; j < d; j++) yu[j] += c * x[k * d + j];
        }
    }
}

static void gemm_tacc_any(float *y, const float *g, size_t ldg, const float *x, size_t r, size_t n, size_t d, int acc)
{
    if (!acc)
        for (size_t j = 0; j < n * d; j++) y[j] = 0.0f;
    for (size_t u = 0; u < r; u++)
        for (size_t i = 0; i < n; i++) {
            const float c = g[u * ldg + i];
            for (size_t j = 0; j < d; j++) y[i * d + j] += c * x[u * d + j];
        }
}

void gr_gemm_rows(float *y, const float *g, size_t ldg, const float *x, size_t r, size_t n, size_t d)
{
    if (d % 16 == 0 && !gr_simd_wide()) {
        gemm_rows_narrow(y, g, ldg, x, r, n, d);
        return;
    }
    switch (d) {
    case 16: gemm_rows_1(y, g, ldg, x, r, n); break;
    case 32: gemm_rows_2(y, g, ldg, x, r, n); break;
    case 48: gemm_rows_3(y, g, ldg, x, r, n); break;
    case 64: gemm_rows_4(y, g, ldg, x, r, n); break;
    default: gemm_rows_any(y, g, ldg, x, r, n, d); break;
    }
}

/* Y = G^T X, or Y += G^T X with acc: starting the accumulators from zero
 * gives the bits of accumulating into zeros. */
static void gemm_t(float *y, const float *g, size_t ldg, const float *x, size_t r, size_t n, size_t d, int acc)
{
    if (d % 16 == 0 && !gr_simd_wide()) {
        gemm_tacc_narrow(y, g, ldg, x, r, n, d, acc);
        return;
    }
    switch (d) {
    case 16: gemm_tacc_1(y, g, ldg, x, r, n, acc); break;
    case 32: gemm_tacc_2(y, g, ldg, x, r, n, acc); break;
    case 48: gemm_tacc_3(y, g, ldg, x, r, n, acc); break;
    case 64: gemm_tacc_4(y, g, ldg, x, r, n, acc); break;
    default: gemm_tacc_any(y, g, ldg, x, r, n, d, acc); break;
    }
}

void gr_gemm_tacc(float *y, const float *g, size_t ldg, const float *x, size_t r, size_t n, size_t d)
{
    gemm_t(y, g, ldg, x, r, n, d, 1);
}

void gr_gemm_t(float *y, const float *g, size_t ldg, const float *x, size_t r, size_t n, size_t d)
{
    gemm_t(y, g, ldg, x, r, n, d, 0);
}
