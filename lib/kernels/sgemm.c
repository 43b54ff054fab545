/*
 * Packed float products (sgemm.h).  The loops are those of a blocked
 * matrix product: for each block of B's columns (SG_NC) and each run of
 * the inner index (GR_SGEMM_KC), B's block is copied into strips of NR
 * columns; for each block of A's rows (SG_MC) A's block is copied into
 * panels of MR rows; a register tile then computes MR x NR entries of C
 * from one panel and one strip, both read in order.  A strip (KC x NR
 * floats, 16 to 32 KB) stays in the first-level cache while every panel of
 * the block passes it.
 *
 * The tile: with AVX-512 (gr_simd_wide) 12 rows by 32 columns, 24
 * accumulators of 16 floats, each step loading two vectors of the strip
 * and broadcasting twelve floats of the panel; without, 6 rows by 16
 * columns in 8-float vectors (12 accumulators of the 16 registers).  The
 * packing pads panels and strips with zeros, so tiles at the edges of C
 * compute whole and store only their part.
 */
#include "kernels/sgemm.h"

#include <omp.h>
#include <string.h>

#include "core/threads.h"
#include "kernels/cpu.h"
#include "kernels/parallel.h"
#include "kernels/simd.h"

#define SG_MC 120   /* rows of A per block: a multiple of both tiles' rows */
#define SG_NC 1024  /* columns of B per block */
#define SG_KC GR_SGEMM_KC
#define SG_MR_MAX 12
#define SG_NR_MAX 32

size_t gr_sgemm_work_floats(void) { return (size_t)SG_MC * SG_KC + (size_t)SG_KC * SG_NC + SG_MR_MAX * SG_NR_MAX; }

/* One panel or strip of w lanes (w a constant where the caller passes
 * one, so the loops unroll): lane r of step p from src[r][p] (lanes of
 * their own rows in memory, read as w streams), or from run[p * ld + r]
 * (lanes side by side). */
GR_INLINE void pack_streams(float *out, const float *const *src, size_t kc, size_t w)
{
    for (size_t p = 0; p < kc; p++, out += w)
        for (size_t r = 0; r < w; r++) out[r] = src[r][p];
}

GR_INLINE void pack_runs(float *out, const float *run, size_t ld, size_t kc, size_t w)
{
    for (size_t p = 0; p < kc; p++, out += w, run += ld)
        for (size_t r = 0; r < w; r++) out[r] = run[r];
}

/* A panel or strip with fewer lanes than w (C's edge): the lanes present,
 * then zeros. */
static void pack_part(float *out, const float *const *src, const float *run, size_t ld, size_t kc, size_t lanes,
                      size_t w)
{
    for (size_t p = 0; p < kc; p++, out += w) {
        for (size_t r = 0; r < lanes; r++) out[r] = src ? src[r][p] : run[p * ld + r];
        for (size_t r = lanes; r < w; r++) out[r] = 0.0f;
    }
}

/* kc steps of w lanes of x from lane l0 and step p0 (x's element (lane,
 * step) at x.p[lane * x.ld + step], or at x.p[step * x.ld + lane] when
 * `runs`) into out.  A's rows are lanes of its panels, B's columns of its
 * strips. */
static void pack_lanes(float *out, gr_sgemm_operand x, int runs, size_t l0, size_t lanes, size_t p0, size_t kc,
                       size_t w)
{
    if (runs) {
        const float *run = x.p + p0 * x.ld + l0;
        if (lanes < w) pack_part(out, NULL, run, x.ld, kc, lanes, w);
        else if (w == 6) pack_runs(out, run, x.ld, kc, 6);
        else if (w == 12) pack_runs(out, run, x.ld, kc, 12);
        else if (w == 16) pack_runs(out, run, x.ld, kc, 16);
        else pack_runs(out, run, x.ld, kc, 32);
        return;
    }
    const float *src[SG_NR_MAX];
    for (size_t r = 0; r < lanes; r++) src[r] = x.p + (l0 + r) * x.ld + p0;
    if (lanes < w) pack_part(out, src, NULL, 0, kc, lanes, w);
    else if (w == 6) pack_streams(out, src, kc, 6);
    else if (w == 12) pack_streams(out, src, kc, 12);
    else if (w == 16) pack_streams(out, src, kc, 16);
    else pack_streams(out, src, kc, 32);
}

/* Rows [i0, i0 + mc) by inner indices [p0, p0 + kc) of A into panels of mr
 * rows (panel q: kc steps of mr floats; rows past mc are zeros). */
static void pack_a(float *dst, gr_sgemm_operand a, size_t i0, size_t mc, size_t p0, size_t kc, size_t mr)
{
    for (size_t q = 0; q < mc; q += mr)
        pack_lanes(dst + q * kc, a, a.trans, i0 + q, mc - q < mr ? mc - q : mr, p0, kc, mr);
}

/* Inner indices [p0, p0 + kc) by columns [j0, j0 + nc) of B into strips of
 * nr columns (strip s: kc steps of nr floats; columns past nc are zeros). */
static void pack_b(float *dst, gr_sgemm_operand b, size_t p0, size_t kc, size_t j0, size_t nc, size_t nr)
{
    for (size_t s = 0; s < nc; s += nr)
        pack_lanes(dst + s * kc, b, !b.trans, j0 + s, nc - s < nr ? nc - s : nr, p0, kc, nr);
}

/* The tile's sums into C: stored (first run of the inner index, acc
 * unset) or added; rows below mr and columns below nr alone. */
GR_INLINE void tile_out(float *c, size_t ldc, const float *t, size_t ldt, size_t mr, size_t nr, int add)
{
    for (size_t i = 0; i < mr; i++)
        for (size_t j = 0; j < nr; j++) c[i * ldc + j] = add ? c[i * ldc + j] + t[i * ldt + j] : t[i * ldt + j];
}

/*
 * A register tile of MR rows by two vectors of W floats (V, with LOAD,
 * STORE and SPLAT), and the loop over a packed block's tiles: strips
 * outer, so that each stays in cache while the block's panels pass it.
 * The inner loop unrolled by 4: 65 to 85 GFLOP/s on one AVX2 core (Zen
 * 3) for the narrow tile.
 */
#define SG_TILE(NAME, V, W, MR, LOAD, STORE, SPLAT)                                                            \
    GR_INLINE void tile_##NAME(float *c, size_t ldc, const float *ap, const float *bp, size_t kc, size_t mr,   \
                               size_t nr, int add, float *spill)                                               \
    {                                                                                                          \
        V s[MR][2];                                                                                            \
        for (int i = 0; i < MR; i++) s[i][0] = s[i][1] = SPLAT(0.0f);                                          \
        _Pragma("GCC unroll 4") for (size_t p = 0; p < kc; p++)                                                \
        {                                                                                                      \
            V b0 = LOAD(bp + p * 2 * W), b1 = LOAD(bp + p * 2 * W + W);                                        \
            const float *a = ap + p * MR;                                                                      \
            for (int i = 0; i < MR; i++) {                                                                     \
                s[i][0] += a[i] * b0;                                                                          \
                s[i][1] += a[i] * b1;                                                                          \
            }                                                                                                  \
        }                                                                                                      \
        if (mr == MR && nr == 2 * W) {                                                                         \
            for (int i = 0; i < MR; i++) {                                                                     \
                float *ci = c + (size_t)i * ldc;                                                               \
                if (add) s[i][0] += LOAD(ci), s[i][1] += LOAD(ci + W);                                         \
                STORE(ci, s[i][0]);                                                                            \
                STORE(ci + W, s[i][1]);                                                                        \
            }                                                                                                  \
            return;                                                                                            \
        }                                                                                                      \
        for (int i = 0; i < MR; i++) STORE(spill + i * 2 * W, s[i][0]), STORE(spill + i * 2 * W + W, s[i][1]); \
        tile_out(c, ldc, spill, 2 * W, mr, nr, add);                                                           \
    }                                                                                                          \
    GR_KERNEL static void block_##NAME(float *c, size_t ldc, const float *ap, const float *bp, size_t mc,      \
                                       size_t nc, size_t kc, int add, float *spill)                            \
    {                                                                                                          \
        for (size_t j = 0; j < nc; j += 2 * W)                                                                 \
            for (size_t i = 0; i < mc; i += MR)                                                                \
                tile_##NAME(c + i * ldc + j, ldc, ap + i * kc, bp + j * kc, kc, mc - i < MR ? mc - i : MR,     \
                            nc - j < 2 * W ? nc - j : 2 * W, add, spill);                                      \
    }

/* Without AVX-512: 6 rows by 16 columns in gr_v8 halves (12 accumulators
 * of the 16 registers); with it, 12 rows by 32 columns in gr_v16 (24 of
 * 32). */
SG_TILE(narrow, gr_v8, 8, 6, gr_load8, gr_store8, gr_splat8)
SG_TILE(wide, gr_v16, 16, 12, gr_load16, gr_store16, gr_splat16)

void gr_sgemm(float *c, size_t ldc, gr_sgemm_operand a, gr_sgemm_operand b, size_t m, size_t n, size_t k, int acc,
              float *work)
{
    const int wide = gr_simd_wide();
    const size_t mr = wide ? 12 : 6, nr = wide ? 32 : 16;
    float *apack = work, *bpack = work + (size_t)SG_MC * SG_KC, *spill = bpack + (size_t)SG_KC * SG_NC;
    if (k == 0) {
        if (!acc)
            for (size_t i = 0; i < m; i++) memset(c + i * ldc, 0, n * sizeof *c);
        return;
    }
    for (size_t j0 = 0; j0 < n; j0 += SG_NC) {
        size_t nc = n - j0 < SG_NC ? n - j0 : SG_NC;
        for (size_t p0 = 0; p0 < k; p0 += SG_KC) {
            size_t kc = k - p0 < SG_KC ? k - p0 : SG_KC;
            int add = acc || p0 > 0;
            pack_b(bpack, b, p0, kc, j0, nc, nr);
            for (size_t i0 = 0; i0 < m; i0 += SG_MC) {
                size_t mc = m - i0 < SG_MC ? m - i0 : SG_MC;
                pack_a(apack, a, i0, mc, p0, kc, mr);
                if (wide) block_wide(c + i0 * ldc + j0, ldc, apack, bpack, mc, nc, kc, add, spill);
                else block_narrow(c + i0 * ldc + j0, ldc, apack, bpack, mc, nc, kc, add, spill);
            }
        }
    }
}

/* A's rows [i0, i1) as an operand of their own. */
static gr_sgemm_operand rows_of(gr_sgemm_operand a, size_t i0)
{
    gr_sgemm_operand r = a;
    r.p += a.trans ? i0 : i0 * a.ld;
    return r;
}

/* B's columns from j0 on as an operand of their own. */
static gr_sgemm_operand cols_of(gr_sgemm_operand b, size_t j0)
{
    gr_sgemm_operand r = b;
    r.p += b.trans ? j0 * b.ld : j0;
    return r;
}

void gr_sgemm_parallel(float *c, size_t ldc, gr_sgemm_operand a, gr_sgemm_operand b, size_t m, size_t n, size_t k,
                       int acc, float *work, int threads)
{
    int nt = gr_threads() < threads ? gr_threads() : threads;
    if (nt < 1 || !gr_parallel_worth_madds(m * n * k)) nt = 1;
    /* rows in whole tiles of the wider kind, so no thread's share ends
     * in a partial tile where another's could have taken it */
    const size_t unit = 12, row_units = (m + unit - 1) / unit, col_units = (n + 31) / 32;
    const int by_rows = row_units >= (size_t)nt || row_units >= col_units;
#pragma omp parallel num_threads(nt) if (nt > 1)
    {
        size_t t = (size_t)omp_get_thread_num(), T = (size_t)omp_get_num_threads();
        float *w = work + t * gr_sgemm_work_floats();
        if (by_rows) {
            size_t u0 = row_units * t / T, u1 = row_units * (t + 1) / T;
            size_t i0 = u0 * unit, i1 = u1 * unit < m ? u1 * unit : m;
            if (i1 > i0) gr_sgemm(c + i0 * ldc, ldc, rows_of(a, i0), b, i1 - i0, n, k, acc, w);
        } else {
            size_t u0 = col_units * t / T, u1 = col_units * (t + 1) / T;
            size_t j0 = u0 * 32, j1 = u1 * 32 < n ? u1 * 32 : n;
            if (j1 > j0) gr_sgemm(c + j0, ldc, a, cols_of(b, j0), m, j1 - j0, k, acc, w);
        }
    }
}
