/*
 * AMX tile kernels of the bfloat16 products (gemm_amx.h).  Every tile is
 * 16 rows of 64 bytes: an A operand is 16 rows of 32 bfloat16 values, a B
 * operand 16 rows of 16 bfloat16 pairs, an accumulator 16 x 16 floats.
 * TDPBF16PS C, A, B adds to C[m][n] the sum over k of A[m][2k] B[k][2n] +
 * A[m][2k+1] B[k][2n+1]; the pair layouts of gemm_bf16.h are B operands
 * as they are.
 *
 * Edges: a last partial tile of rows is laid over the 16 rows that end
 * the operand (it recomputes rows already written, with the same inputs
 * in the same order, so the same bits), which needs at least 16 rows;
 * the summed dimension's last partial chunk and the last partial panel of
 * items go through zero-padded copies.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* syscall */
#endif
#include "kernels/gemm_amx.h"

#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 11 && defined(__linux__)
#include <cpuid.h>
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>

#define AMX_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,amx-tile,amx-bf16")))

#define ARCH_REQ_XCOMP_PERM 0x1023
#define XFEATURE_XTILEDATA 18

int gr_amx_cpu(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    const unsigned amx_bf16 = 1u << 22, amx_tile = 1u << 24;
    if ((d & (amx_bf16 | amx_tile)) != (amx_bf16 | amx_tile)) return 0;
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
}

static int read_amx(void)
{
    /* the grant is the process's: asking again when it holds is harmless */
    return gr_amx_cpu() && syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0;
}

int gr_amx_available(void)
{
    static int state = -1; /* every thread that races here computes the same value */
    int s = __atomic_load_n(&state, __ATOMIC_RELAXED);
    if (s < 0) {
        s = read_amx();
        __atomic_store_n(&state, s, __ATOMIC_RELAXED);
    }
    return s;
}

/* Palette 1, tiles 0-7 of 16 rows by 64 bytes.  Constant, so that no
 * store to it can be pending when LDTILECFG reads it. */
static const struct {
    uint8_t palette, start_row, reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
} __attribute__((aligned(64))) tile_config = {
    .palette = 1,
    .colsb = { 64, 64, 64, 64, 64, 64, 64, 64 },
    .rows = { 16, 16, 16, 16, 16, 16, 16, 16 },
};

/* GCC's tile intrinsics are asm statements that do not name the memory
 * they read or write: the barriers make the stores a tile load reads
 * happen before it, and the reads of what a tile store wrote after it. */
#define TLOAD(t, p, stride)                                                                                \
    do {                                                                                                    \
        __asm__ volatile("" ::: "memory");                                                                  \
        _tile_loadd(t, p, stride);                                                                          \
    } while (0)
#define TSTORE(t, p, stride)                                                                               \
    do {                                                                                                    \
        _tile_stored(t, p, stride);                                                                         \
        __asm__ volatile("" ::: "memory");                                                                  \
    } while (0)

/* The tile state is per thread: each product loads the configuration and
 * releases the tiles when done, so a thread holds no tile state between
 * products (nor does the save area of a context switch). */
AMX_TARGET static inline void tiles_begin(void) { _tile_loadconfig(&tile_config); }
AMX_TARGET static inline void tiles_end(void) { _tile_release(); }

/* Columns [0, cols) of a 16 x 16 float tile held in tmp, to the 16 rows
 * of dst (row stride ld). */
static void put_cols(float *dst, size_t ld, const float *tmp, size_t cols)
{
    for (size_t m = 0; m < 16; m++) memcpy(dst + m * ld, tmp + m * 16, cols * sizeof *dst);
}

/* The start of the tile of 16 rows that covers row a of m rows (m >= 16). */
static inline size_t tile_row(size_t a, size_t m) { return a + 16 <= m ? a : m - 16; }

/* The 2 x 2 block step: accumulators 0 to 3 (rows of A0 or A1 by columns
 * of B0 or B1, in that order) add the products of the A operands at a0
 * and a1 (row stride lda bytes) and the B operands at b0 and b1 (ldb). */
AMX_TARGET static inline void zero_2x2(void)
{
    _tile_zero(0);
    _tile_zero(1);
    _tile_zero(2);
    _tile_zero(3);
}

AMX_TARGET static inline void step_2x2(const void *a0, const void *a1, size_t lda, const void *b0, const void *b1,
                                       size_t ldb)
{
    TLOAD(4, a0, lda);
    TLOAD(5, a1, lda);
    TLOAD(6, b0, ldb);
    TLOAD(7, b1, ldb);
    _tile_dpbf16ps(0, 4, 6);
    _tile_dpbf16ps(1, 4, 7);
    _tile_dpbf16ps(2, 5, 6);
    _tile_dpbf16ps(3, 5, 7);
}

/* ---- scores: S[u][i] = <U_u, I_i>, users as tile rows, item panels as B ---- */

#define SCORE_STORE(T, a, pan)                                                                             \
    do {                                                                                                    \
        size_t i0_ = (pan) * 16, w_ = n - i0_ < 16 ? n - i0_ : 16;                                          \
        if (w_ == 16) {                                                                                     \
            TSTORE(T, s + (a) * n + i0_, n * sizeof(float));                                                \
        } else {                                                                                            \
            TSTORE(T, tmp, 64);                                                                             \
            put_cols(s + (a) * n + i0_, n, tmp, w_);                                                        \
        }                                                                                                   \
    } while (0)

AMX_TARGET void gr_amx_scores(float *s, const uint16_t *u, size_t nu, const uint16_t *items, size_t n, size_t d)
{
    const size_t P = d / 2, npan = (n + 15) / 16, chunks = d / 32;
    float tmp[256] __attribute__((aligned(64)));
    tiles_begin();
    for (size_t a = 0; a < nu; a += 32) {
        const size_t a0 = tile_row(a, nu), a1 = tile_row(a + 16, nu);
        for (size_t pan = 0; pan < npan; pan += 2) {
            /* an odd last panel pairs with itself; its copy is not stored */
            const size_t pan1 = pan + 1 < npan ? pan + 1 : pan;
            zero_2x2();
            for (size_t c = 0; c < chunks; c++)
                step_2x2(u + a0 * d + 32 * c, u + a1 * d + 32 * c, d * 2, items + (pan * P + 16 * c) * 32,
                         items + (pan1 * P + 16 * c) * 32, 64);
            SCORE_STORE(0, a0, pan);
            SCORE_STORE(2, a1, pan);
            if (pan1 != pan) {
                SCORE_STORE(1, a0, pan1);
                SCORE_STORE(3, a1, pan1);
            }
        }
    }
    tiles_end();
}

/* ---- rows: Y = G X, users as tile rows, item pairs summed ---- */

AMX_TARGET void gr_amx_gemm_rows(float *y, const uint16_t *g, size_t ldg, const uint16_t *x, size_t r, size_t n,
                                 size_t d)
{
    const size_t full = n / 32, rem = n - full * 32, pairs = (n + 1) / 2;
    /* the last partial chunk: 32 users' items past the full chunks, and
     * the item pairs past them, zero-padded (G's rows are zero from n to
     * n rounded up to even; nothing past that is read) */
    uint16_t at[32 * 32] __attribute__((aligned(64)));
    uint16_t bt[16 * 64 * 2] __attribute__((aligned(64)));
    if (rem) {
        memset(bt, 0, sizeof bt);
        memcpy(bt, x + full * 16 * d * 2, (pairs - full * 16) * d * 2 * sizeof *x);
    }
    const size_t rem_even = (rem + 1) & ~(size_t)1;
    tiles_begin();
    for (size_t a = 0; a < r; a += 32) {
        const size_t a0 = tile_row(a, r), a1 = tile_row(a + 16, r);
        if (rem) {
            memset(at, 0, sizeof at);
            for (size_t m = 0; m < 16; m++) {
                memcpy(at + m * 32, g + (a0 + m) * ldg + full * 32, rem_even * sizeof *g);
                memcpy(at + (16 + m) * 32, g + (a1 + m) * ldg + full * 32, rem_even * sizeof *g);
            }
        }
        for (size_t j = 0; j < d; j += 32) {
            zero_2x2();
            for (size_t c = 0; c < full; c++)
                step_2x2(g + a0 * ldg + 32 * c, g + a1 * ldg + 32 * c, ldg * 2, x + (16 * c * d + j) * 2,
                         x + (16 * c * d + j + 16) * 2, d * 4);
            if (rem) step_2x2(at, at + 16 * 32, 64, bt + j * 2, bt + (j + 16) * 2, d * 4);
            TSTORE(0, y + a0 * d + j, d * 4);
            TSTORE(1, y + a0 * d + j + 16, d * 4);
            TSTORE(2, y + a1 * d + j, d * 4);
            TSTORE(3, y + a1 * d + j + 16, d * 4);
        }
    }
    tiles_end();
}

/* ---- tacc: Y += G^T X, items as tile rows, user pairs summed ---- */

/* o[k] = column k of the 16 x 16 matrix of 32-bit words whose rows are
 * r[0..15]: unpacks within 128-bit lanes, then lane shuffles. */
AMX_TARGET static inline void transpose16(__m512i r[16])
{
    __m512i t[16];
    for (int k = 0; k < 8; k++) {
        t[2 * k] = _mm512_unpacklo_epi32(r[2 * k], r[2 * k + 1]);
        t[2 * k + 1] = _mm512_unpackhi_epi32(r[2 * k], r[2 * k + 1]);
    }
    for (int k = 0; k < 4; k++) {
        r[4 * k] = _mm512_unpacklo_epi64(t[4 * k], t[4 * k + 2]);
        r[4 * k + 1] = _mm512_unpackhi_epi64(t[4 * k], t[4 * k + 2]);
        r[4 * k + 2] = _mm512_unpacklo_epi64(t[4 * k + 1], t[4 * k + 3]);
        r[4 * k + 3] = _mm512_unpackhi_epi64(t[4 * k + 1], t[4 * k + 3]);
    }
    /* r[4 i + k], lane L, now holds column 4 L + k of rows 4 i to 4 i + 3 */
    for (int k = 0; k < 4; k++) {
        __m512i u0 = _mm512_shuffle_i32x4(r[k], r[4 + k], 0x44), u1 = _mm512_shuffle_i32x4(r[k], r[4 + k], 0xee);
        __m512i v0 = _mm512_shuffle_i32x4(r[8 + k], r[12 + k], 0x44),
                v1 = _mm512_shuffle_i32x4(r[8 + k], r[12 + k], 0xee);
        t[k] = _mm512_shuffle_i32x4(u0, v0, 0x88);
        t[4 + k] = _mm512_shuffle_i32x4(u0, v0, 0xdd);
        t[8 + k] = _mm512_shuffle_i32x4(u1, v1, 0x88);
        t[12 + k] = _mm512_shuffle_i32x4(u1, v1, 0xdd);
    }
    for (int k = 0; k < 16; k++) r[k] = t[k];
}

/* The A operand of 16 items from i0: item m's row holds its pairs
 * [p0, p0 + np) of G's column pairs (zero past np), and is zero for the
 * items before `from` (already summed by an earlier panel). */
AMX_TARGET static inline void items_operand(uint32_t *at, const uint32_t *g, size_t ld, size_t p0, size_t np,
                                            size_t i0, size_t from)
{
    __m512i r[16];
    for (size_t p = 0; p < 16; p++)
        r[p] = p < np ? _mm512_loadu_si512((const void *)(g + (p0 + p) * ld + i0)) : _mm512_setzero_si512();
    transpose16(r);
    for (size_t m = 0; m < 16; m++)
        _mm512_store_si512((void *)(at + m * 16), m < from ? _mm512_setzero_si512() : r[m]);
}

/* Items [i, i + 16) of Y += A B for widths d 32 (V 2) and 64 (V 4): the
 * V B tiles (the user pairs' columns) stay in tiles 4 to 7 while the
 * item panels pass; the accumulators are tiles 1 to 3, reused. */
AMX_TARGET static inline void tacc_panel(float *y, size_t d, const uint32_t *at)
{
    TLOAD(0, at, 64);
    TLOAD(1, y, d * 4);
    TLOAD(2, y + 16, d * 4);
    _tile_dpbf16ps(1, 0, 4);
    _tile_dpbf16ps(2, 0, 5);
    TSTORE(1, y, d * 4);
    TSTORE(2, y + 16, d * 4);
    if (d == 64) {
        TLOAD(1, y + 32, d * 4);
        TLOAD(3, y + 48, d * 4);
        _tile_dpbf16ps(1, 0, 6);
        _tile_dpbf16ps(3, 0, 7);
        TSTORE(1, y + 32, d * 4);
        TSTORE(3, y + 48, d * 4);
    }
}

AMX_TARGET void gr_amx_gemm_tacc(float *y, const uint32_t *g, size_t ld, const uint16_t *x, size_t r, size_t n,
                                 size_t d)
{
    const size_t pairs = (r + 1) / 2;
    uint32_t at[16 * 16] __attribute__((aligned(64)));
    uint16_t bt[16 * 64 * 2] __attribute__((aligned(64)));
    tiles_begin();
    for (size_t p0 = 0; p0 < pairs; p0 += 16) {
        const size_t np = pairs - p0 < 16 ? pairs - p0 : 16;
        const uint16_t *b = x + p0 * d * 2;
        if (np < 16) {
            memset(bt, 0, sizeof bt);
            memcpy(bt, b, np * d * 2 * sizeof *x);
            b = bt;
        }
        /* columns 0, 16, 32, 48 of the user pairs (the last two for d 64) */
        TLOAD(4, b, d * 4);
        TLOAD(5, b + 32, d * 4);
        if (d == 64) {
            TLOAD(6, b + 64, d * 4);
            TLOAD(7, b + 96, d * 4);
        }
        for (size_t i = 0; i < n; i += 16) {
            const size_t i0 = tile_row(i, n);
            items_operand(at, g, ld, p0, np, i0, i - i0);
            tacc_panel(y + i0 * d, d, at);
        }
    }
    tiles_end();
}

int gr_amx_fits(size_t d, size_t m) { return (d == 32 || d == 64) && m >= 16; }

#else

int gr_amx_cpu(void) { return 0; }
int gr_amx_available(void) { return 0; }
int gr_amx_fits(size_t d, size_t m)
{
    (void)d;
    (void)m;
    return 0;
}
void gr_amx_scores(float *s, const uint16_t *u, size_t nu, const uint16_t *items, size_t n, size_t d)
{
    (void)s, (void)u, (void)nu, (void)items, (void)n, (void)d;
}
void gr_amx_gemm_rows(float *y, const uint16_t *g, size_t ldg, const uint16_t *x, size_t r, size_t n, size_t d)
{
    (void)y, (void)g, (void)ldg, (void)x, (void)r, (void)n, (void)d;
}
void gr_amx_gemm_tacc(float *y, const uint32_t *g, size_t ld, const uint16_t *x, size_t r, size_t n, size_t d)
{
    (void)y, (void)g, (void)ld, (void)x, (void)r, (void)n, (void)d;
}

#endif
