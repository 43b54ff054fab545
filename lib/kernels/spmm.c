/*
 * CSR SpMM, the kernel of LightGCN propagation.
 *
 * Memory traffic bounds this kernel (PERF-NOTES: two threads give 1.2x),
 * so each output row is accumulated in registers: for d = 64 four 16-float
 * vectors, one broadcast weight per nonzero, one store per row (and column
 * block).  The gathered rows of X are most of the traffic.  When X is far
 * larger than the last-level cache (MovieLens-25M: 57 MB at d = 64), the
 * columns are cut into blocks whose rows of X fit in a part of it: all rows
 * take their nonzeros of block 0, then of block 1, ...; a row's partial
 * sum goes to Y between blocks and comes back, which costs far less than
 * gathering from memory (0.93 s instead of 1.33 s per SpMM at that size,
 * one thread).  When X fits in cache (MovieLens-1M: 2.3 MB) blocks only
 * add passes, so there are none.  The nonzeros are summed in the same
 * order either way, so the result is bit-identical.  Widths that are
 * multiples of 16 up to 128 have specialised loops; other widths take the
 * generic loop.
 */
#include "kernels/spmm.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/threads.h"
#include "kernels/parallel.h"
#include "kernels/cpu.h"
#include "kernels/simd.h"

void gr_spmat_free(gr_spmat *a)
{
    free(a->ptr);
    free(a->col);
    free(a->val);
    free(a->split);
    free(a->bptr);
    a->bptr = NULL;
    a->nblk = 0;
    a->ptr = NULL;
    a->col = NULL;
    a->val = NULL;
    a->split = NULL;
    a->n = a->nnz = a->nsplit = a->ncols = 0;
}

/* Rows of X at d = 64 (256 bytes each): blocks when X exceeds 16 MiB, of
 * about 6 MiB each (measured best between 3.5 and 7 MiB at ML-25M size). */
#define BLOCK_FROM_ROWS 65536
#define BLOCK_ROWS 24576
#define MAX_BLOCKS 16

int gr_spmat_block_columns(gr_spmat *a, size_t nb)
{
    free(a->bptr);
    a->bptr = NULL;
    a->nblk = 0;
    if (nb <= 1 || a->n == 0) return GR_OK;
    const size_t cols = a->ncols ? a->ncols : a->n;
    size_t span = (cols + nb - 1) / nb;
    uint32_t *bp = gr_alloc(a->n * (nb + 1), sizeof *bp);
    if (!bp) return GR_ENOMEM;
    for (size_t r = 0; r < a->n; r++) {
        const int64_t start = a->ptr[r];
        int64_t k = start;
        uint32_t *row = bp + r * (nb + 1);
        for (size_t b = 0; b < nb; b++) {
            row[b] = (uint32_t)(k - start);
            while (k < a->ptr[r + 1] && (size_t)a->col[k] < (b + 1) * span) k++;
        }
        row[nb] = (uint32_t)(a->ptr[r + 1] - start);
    }
    a->bptr = bp;
    a->nblk = nb;
    return GR_OK;
}

int gr_spmat_balance(gr_spmat *a, size_t parts)
{
    if (parts < 1) parts = 1;
    int64_t *split = gr_alloc(parts + 1, sizeof *split);
    if (!split) return GR_ENOMEM;
    /* a row costs its nonzeros plus a constant for the store */
    double total = (double)a->nnz + 4.0 * (double)a->n, per = total / (double)parts;
    size_t r = 0;
    split[0] = 0;
    for (size_t p = 1; p < parts; p++) {
        double target = per * (double)p;
        while (r < a->n && (double)a->ptr[r] + 4.0 * (double)r < target) r++;
        split[p] = (int64_t)r;
    }
    split[parts] = (int64_t)a->n;
    free(a->split);
    a->split = split;
    a->nsplit = parts;
    /* blocks are cut by the span of X, its rows being A's columns */
    const size_t cols = a->ncols ? a->ncols : a->n;
    size_t nb = cols > BLOCK_FROM_ROWS ? (cols + BLOCK_ROWS - 1) / BLOCK_ROWS : 1;
    return gr_spmat_block_columns(a, nb < MAX_BLOCKS ? nb : MAX_BLOCKS);
}

/* Rows [r0, r1) for d = W * V, accumulators held in V vectors VT of W
 * floats (gr_v16, or gr_v8 in the narrow kernels: kernels/cpu.h). */
#define SPMM_ROWS_AS(N, VT, W, V, LOAD, STORE)                                                     \
    GR_INLINE void spmm_rows_body_##N(const gr_spmat *a, const float *x, float *y, float *acc,     \
                                      float scale, int64_t r0, int64_t r1, int64_t base)           \
    {                                                                                              \
        const size_t d = W * V;                                                                    \
        const int64_t *ptr = a->ptr;                                                               \
        const int32_t *col = a->col;                                                               \
        const float *val = a->val;                                                                 \
        for (int64_t r = r0; r < r1; r++) {                                                        \
            VT s[V];                                                                               \
            for (int v = 0; v < V; v++) s[v] = (VT){ 0 };                                          \
            const int64_t end = ptr[r + 1];                                                        \
            for (int64_t k = ptr[r]; k < end; k++) {                                               \
                const float *xr = x + (size_t)col[k] * d;                                          \
                const float w = val[k];                                                            \
                for (int v = 0; v < V; v++) s[v] += w * LOAD(xr + W * v);                          \
            }                                                                                      \
            float *yr = y + (size_t)(r - base) * d;                                                \
            for (int v = 0; v < V; v++) STORE(yr + W * v, s[v]);                                   \
            if (acc) {                                                                             \
                float *ar = acc + (size_t)(r - base) * d;                                          \
                for (int v = 0; v < V; v++) STORE(ar + W * v, (LOAD(ar + W * v) + s[v]) * scale);  \
            }                                                                                      \
        }                                                                                          \
    }                                                                                              \
    GR_KERNEL static void spmm_rows_##N(const gr_spmat *a, const float *x, float *y, float *acc,   \
                                        float scale, int64_t r0, int64_t r1, int64_t base)         \
    {                                                                                              \
        spmm_rows_body_##N(a, x, y, acc, scale, r0, r1, base);                                     \
    }

/* The same over column blocks: block-major, partial sums kept in Y. */
#define SPMM_BLOCKS_AS(N, VT, W, V, LOAD, STORE)                                                   \
    GR_INLINE void spmm_blocks_body_##N(const gr_spmat *a, const float *x, float *y, float *acc,   \
                                        float scale, int64_t r0, int64_t r1, int64_t base)         \
    {                                                                                              \
        const size_t d = W * V, nb = a->nblk;                                                      \
        const int32_t *col = a->col;                                                               \
        const float *val = a->val;                                                                 \
        for (size_t b = 0; b < nb; b++) {                                                          \
            for (int64_t r = r0; r < r1; r++) {                                                    \
                const uint32_t *bp = a->bptr + (size_t)r * (nb + 1) + b;                           \
                const int64_t lo = a->ptr[r] + bp[0], hi = a->ptr[r] + bp[1];                      \
                float *yr = y + (size_t)(r - base) * d;                                            \
                if (lo == hi && b > 0) continue;                                                   \
                VT s[V];                                                                           \
                for (int v = 0; v < V; v++) s[v] = b == 0 ? (VT){ 0 } : LOAD(yr + W * v);          \
                for (int64_t k = lo; k < hi; k++) {                                                \
                    const float *xr = x + (size_t)col[k] * d;                                      \
                    const float w = val[k];                                                        \
                    for (int v = 0; v < V; v++) s[v] += w * LOAD(xr + W * v);                      \
                }                                                                                  \
                for (int v = 0; v < V; v++) STORE(yr + W * v, s[v]);                               \
            }                                                                                      \
        }                                                                                          \
        if (acc)                                                                                   \
            for (int64_t r = r0; r < r1; r++) {                                                    \
                const float *yr = y + (size_t)(r - base) * d;                                      \
                float *ar = acc + (size_t)(r - base) * d;                                          \
                for (int v = 0; v < V; v++) STORE(ar + W * v, (LOAD(ar + W * v) + LOAD(yr + W * v)) * scale); \
            }                                                                                      \
    }                                                                                              \
    GR_KERNEL static void spmm_blocks_##N(const gr_spmat *a, const float *x, float *y, float *acc, \
                                          float scale, int64_t r0, int64_t r1, int64_t base)       \
    {                                                                                              \
        spmm_blocks_body_##N(a, x, y, acc, scale, r0, r1, base);                                   \
    }

#define SPMM_ROWS(V) SPMM_ROWS_AS(V, gr_v16, 16, V, gr_load16, gr_store16)
#define SPMM_BLOCKS(V) SPMM_BLOCKS_AS(V, gr_v16, 16, V, gr_load16, gr_store16)
/* narrow: d = 16 V in 2 V gr_v8, the same sums */
#define SPMM_ROWS_NARROW(V) SPMM_ROWS_AS(narrow_##V, gr_v8, 8, 2 * V, gr_load8, gr_store8)
#define SPMM_BLOCKS_NARROW(V) SPMM_BLOCKS_AS(narrow_##V, gr_v8, 8, 2 * V, gr_load8, gr_store8)

SPMM_BLOCKS_NARROW(1)
SPMM_BLOCKS_NARROW(2)
SPMM_BLOCKS_NARROW(3)
SPMM_BLOCKS_NARROW(4)
SPMM_BLOCKS_NARROW(8)
SPMM_ROWS_NARROW(1)
SPMM_ROWS_NARROW(2)
SPMM_ROWS_NARROW(3)
SPMM_ROWS_NARROW(4)
SPMM_ROWS_NARROW(8)

SPMM_BLOCKS(1)
SPMM_BLOCKS(2)
SPMM_BLOCKS(3)
SPMM_BLOCKS(4)
SPMM_BLOCKS(8)

typedef unsigned int gr_u32x16 __attribute__((vector_size(64)));

/*
 * bfloat16 rows in groups of 32 columns, interleaved so that one 64-byte
 * load yields two float vectors with two bit operations: the 32-bit word
 * k of a group holds column k in its low half and column 16 + k in its
 * high half.
 */
static inline void bf16_load32(const uint16_t *p, gr_v16 *lo, gr_v16 *hi)
{
    gr_u32x16 w;
    memcpy(&w, p, sizeof w);
    *lo = (gr_v16)(w << 16);
    *hi = (gr_v16)(w & 0xffff0000u);
}

static inline gr_u32x16 round_bf16(gr_v16 v)
{
    gr_u32x16 b = (gr_u32x16)v;
    return b + 0x7fffu + ((b >> 16) & 1u); /* round to nearest even; the high half is the result */
}

static inline void bf16_store32(uint16_t *p, gr_v16 lo, gr_v16 hi)
{
    gr_u32x16 w = (round_bf16(lo) >> 16) | (round_bf16(hi) & 0xffff0000u);
    memcpy(p, &w, sizeof w);
}

/*
 * The same rows without wide registers (kernels/cpu.h), in gr_v8 quarters
 * of a 32-column group: words 0..7 of a group hold columns 0..7 and
 * 16..23, words 8..15 columns 8..15 and 24..31.
 */
typedef unsigned int gr_u32x8 __attribute__((vector_size(32)));

static inline void bf16_load16(const uint16_t *p, gr_v8 *lo, gr_v8 *hi)
{
    gr_u32x8 w;
    memcpy(&w, p, sizeof w);
    *lo = (gr_v8)(w << 16);
    *hi = (gr_v8)(w & 0xffff0000u);
}

static inline gr_u32x8 round_bf16_8(gr_v8 v)
{
    gr_u32x8 b = (gr_u32x8)v;
    return b + 0x7fffu + ((b >> 16) & 1u);
}

static inline void bf16_store16(uint16_t *p, gr_v8 lo, gr_v8 hi)
{
    gr_u32x8 w = (round_bf16_8(lo) >> 16) | (round_bf16_8(hi) & 0xffff0000u);
    memcpy(p, &w, sizeof w);
}

/* The gathered rows are scattered over a table larger than the first
 * caches: the row of the nonzero SPMM_AHEAD places ahead is fetched while
 * this one is summed (measured on ML-1M at d = 64: a quarter off the
 * bfloat16 product's time). */
enum { SPMM_AHEAD = 8 };

/*
 * Rows [r0, r1) gathering bfloat16 rows of X, d = 32 V, for vectors VT of W
 * floats: a 32-column group is L = 16 / W loads (LOAD32 gives the low and
 * high columns of one), and s[2 L v + l] holds columns 32 v + W l ..,
 * s[2 L v + L + l] columns 32 v + 16 + W l ...  The narrow form (W = 8)
 * makes the wide form's (W = 16) sums in the same order.
 */
#define SPMM_BF16_AS(N, VT, W, V, LOADB, STOREB, LOADF, STOREF)                                           \
    GR_INLINE void spmm_bf16_body_##N(const gr_spmat *a, const uint16_t *x, uint16_t *yb, float *acc,     \
                                      float scale, int64_t r0, int64_t r1, int64_t base)                  \
    {                                                                                                     \
        const size_t d = 32 * V;                                                                          \
        enum { L = 16 / W };                                                                              \
        const int64_t *ptr = a->ptr;                                                                      \
        const int32_t *col = a->col;                                                                      \
        const float *val = a->val;                                                                        \
        const int64_t nnz = ptr[a->n];                                                                    \
        for (int64_t r = r0; r < r1; r++) {                                                               \
            VT s[2 * L * V];                                                                              \
            for (int v = 0; v < 2 * L * V; v++) s[v] = (VT){ 0 };                                         \
            const int64_t end = ptr[r + 1];                                                               \
            for (int64_t k = ptr[r]; k < end; k++) {                                                      \
                const uint16_t *xr = x + (size_t)col[k] * d;                                              \
                if (k + SPMM_AHEAD < nnz)                                                                 \
                    for (size_t c = 0; c < d; c += 32)                                                    \
                        __builtin_prefetch(x + (size_t)col[k + SPMM_AHEAD] * d + c);                      \
                const float w = val[k];                                                                   \
                for (int v = 0; v < V; v++)                                                               \
                    for (int l = 0; l < L; l++) {                                                         \
                        VT lo, hi;                                                                        \
                        LOADB(xr + 32 * v + 2 * W * l, &lo, &hi);                                         \
                        s[2 * L * v + l] += w * lo;                                                       \
                        s[2 * L * v + L + l] += w * hi;                                                   \
                    }                                                                                     \
            }                                                                                             \
            float *ar = acc + (size_t)(r - base) * d;                                                     \
            for (int v = 0; v < 2 * L * V; v++) STOREF(ar + W * v, (LOADF(ar + W * v) + s[v]) * scale);   \
            if (yb)                                                                                       \
                for (int v = 0; v < V; v++)                                                               \
                    for (int l = 0; l < L; l++)                                                           \
                        STOREB(yb + (size_t)(r - base) * d + 32 * v + 2 * W * l, s[2 * L * v + l],        \
                               s[2 * L * v + L + l]);                                                     \
        }                                                                                                 \
    }                                                                                                     \
    GR_KERNEL static void spmm_bf16_##N(const gr_spmat *a, const uint16_t *x, uint16_t *yb, float *acc,   \
                                        float scale, int64_t r0, int64_t r1, int64_t base)                \
    {                                                                                                     \
        spmm_bf16_body_##N(a, x, yb, acc, scale, r0, r1, base);                                           \
    }

#define SPMM_BF16(V) SPMM_BF16_AS(V, gr_v16, 16, V, bf16_load32, bf16_store32, gr_load16, gr_store16)
#define SPMM_BF16_NARROW(V) SPMM_BF16_AS(narrow_##V, gr_v8, 8, V, bf16_load16, bf16_store16, gr_load8, gr_store8)

SPMM_BF16(1)
SPMM_BF16(2)
SPMM_BF16(4)
SPMM_BF16_NARROW(1)
SPMM_BF16_NARROW(2)
SPMM_BF16_NARROW(4)

SPMM_ROWS(1)
SPMM_ROWS(2)
SPMM_ROWS(3)
SPMM_ROWS(4)
SPMM_ROWS(8)

GR_KERNEL static void spmm_rows_any(const gr_spmat *a, const float *x, float *y, float *acc, float scale, size_t d,
                                    int64_t r0, int64_t r1, int64_t base)
{
    for (int64_t r = r0; r < r1; r++) {
        float *yr = y + (size_t)(r - base) * d;
        for (size_t j = 0; j < d; j++) yr[j] = 0.0f;
        for (int64_t k = a->ptr[r]; k < a->ptr[r + 1]; k++) {
            const float *xr = x + (size_t)a->col[k] * d;
            float w = a->val[k];
            for (size_t j = 0; j < d; j++) yr[j] += w * xr[j];
        }
        if (acc) {
            float *ar = acc + (size_t)(r - base) * d;
            for (size_t j = 0; j < d; j++) ar[j] = (ar[j] + yr[j]) * scale;
        }
    }
}

/* The narrow kernels' rows; 0 where d has none. */
static int spmm_rows_narrow(const gr_spmat *a, const float *x, float *y, float *acc, float scale, size_t d,
                            int64_t r0, int64_t r1, int64_t base)
{
    if (a->bptr) {
        switch (d) {
        case 16: spmm_blocks_narrow_1(a, x, y, acc, scale, r0, r1, base); return 1;
        case 32: spmm_blocks_narrow_2(a, x, y, acc, scale, r0, r1, base); return 1;
        case 48: spmm_blocks_narrow_3(a, x, y, acc, scale, r0, r1, base); return 1;
        case 64: spmm_blocks_narrow_4(a, x, y, acc, scale, r0, r1, base); return 1;
        case 128: spmm_blocks_narrow_8(a, x, y, acc, scale, r0, r1, base); return 1;
        default: break;
        }
    }
    switch (d) {
    case 16: spmm_rows_narrow_1(a, x, y, acc, scale, r0, r1, base); return 1;
    case 32: spmm_rows_narrow_2(a, x, y, acc, scale, r0, r1, base); return 1;
    case 48: spmm_rows_narrow_3(a, x, y, acc, scale, r0, r1, base); return 1;
    case 64: spmm_rows_narrow_4(a, x, y, acc, scale, r0, r1, base); return 1;
    case 128: spmm_rows_narrow_8(a, x, y, acc, scale, r0, r1, base); return 1;
    default: return 0;
    }
}

/* Rows [r0, r1), row r of Y and acc at row r - base of y and acc. */
static void spmm_rows(const gr_spmat *a, const float *x, float *y, float *acc, float scale, size_t d, int64_t r0,
                      int64_t r1, int64_t base)
{
    if (!gr_simd_wide() && spmm_rows_narrow(a, x, y, acc, scale, d, r0, r1, base)) return;
    if (a->bptr) {
        switch (d) {
        case 16: spmm_blocks_1(a, x, y, acc, scale, r0, r1, base); return;
        case 32: spmm_blocks_2(a, x, y, acc, scale, r0, r1, base); return;
        case 48: spmm_blocks_3(a, x, y, acc, scale, r0, r1, base); return;
        case 64: spmm_blocks_4(a, x, y, acc, scale, r0, r1, base); return;
        case 128: spmm_blocks_8(a, x, y, acc, scale, r0, r1, base); return;
        default: break;
        }
    }
    switch (d) {
    case 16: spmm_rows_1(a, x, y, acc, scale, r0, r1, base); break;
    case 32: spmm_rows_2(a, x, y, acc, scale, r0, r1, base); break;
    case 48: spmm_rows_3(a, x, y, acc, scale, r0, r1, base); break;
    case 64: spmm_rows_4(a, x, y, acc, scale, r0, r1, base); break;
    case 128: spmm_rows_8(a, x, y, acc, scale, r0, r1, base); break;
    default: spmm_rows_any(a, x, y, acc, scale, d, r0, r1, base); break;
    }
}

/* Rows [r0, r1) of the balanced parts: part p's rows within the range. */
static int part_rows(const gr_spmat *a, long p, size_t r0, size_t r1, int64_t *lo, int64_t *hi)
{
    *lo = a->split[p] > (int64_t)r0 ? a->split[p] : (int64_t)r0;
    *hi = a->split[p + 1] < (int64_t)r1 ? a->split[p + 1] : (int64_t)r1;
    return *lo < *hi;
}

void gr_spmm_scaled_rows(const gr_spmat *a, const float *x, float *y, float *acc, float scale, size_t d, size_t r0,
                         size_t r1)
{
    /* Chunks of balanced work, handed out dynamically: more chunks than
     * threads absorb the imbalance of power-law degrees. */
    if (a->split && a->nsplit > 0) {
        long parts = (long)a->nsplit;
#pragma omp parallel for schedule(dynamic, 1) if (gr_parallel_worth(a->nnz * d)) num_threads(gr_threads())
        for (long p = 0; p < parts; p++) {
            int64_t lo, hi;
            if (part_rows(a, p, r0, r1, &lo, &hi)) spmm_rows(a, x, y, acc, scale, d, lo, hi, (int64_t)r0);
        }
    } else {
        spmm_rows(a, x, y, acc, scale, d, (int64_t)r0, (int64_t)r1, (int64_t)r0);
    }
}

void gr_spmm_scaled(const gr_spmat *a, const float *x, float *y, float *acc, float scale, size_t d)
{
    gr_spmm_scaled_rows(a, x, y, acc, scale, d, 0, a->n);
}

void gr_spmm(const gr_spmat *a, const float *x, float *y, float *acc, size_t d) { gr_spmm_scaled(a, x, y, acc, 1.0f, d); }

int gr_spmm_bf16_ok(size_t d) { return d == 32 || d == 64 || d == 128; }

static void spmm_bf16_rows(const gr_spmat *a, const uint16_t *x, uint16_t *yb, float *acc, float scale, size_t d,
                           int64_t r0, int64_t r1, int64_t base)
{
    if (!gr_simd_wide()) {
        switch (d) {
        case 32: spmm_bf16_narrow_1(a, x, yb, acc, scale, r0, r1, base); break;
        case 64: spmm_bf16_narrow_2(a, x, yb, acc, scale, r0, r1, base); break;
        case 128: spmm_bf16_narrow_4(a, x, yb, acc, scale, r0, r1, base); break;
        default: break;
        }
        return;
    }
    switch (d) {
    case 32: spmm_bf16_1(a, x, yb, acc, scale, r0, r1, base); break;
    case 64: spmm_bf16_2(a, x, yb, acc, scale, r0, r1, base); break;
    case 128: spmm_bf16_4(a, x, yb, acc, scale, r0, r1, base); break;
    default: break;
    }
}

void gr_spmm_bf16_rows(const gr_spmat *a, const uint16_t *xb, uint16_t *yb, float *acc, float scale, size_t d,
                       size_t r0, size_t r1)
{
    if (a->split && a->nsplit > 0) {
        long parts = (long)a->nsplit;
#pragma omp parallel for schedule(dynamic, 1) if (gr_parallel_worth(a->nnz * d)) num_threads(gr_threads())
        for (long p = 0; p < parts; p++) {
            int64_t lo, hi;
            if (part_rows(a, p, r0, r1, &lo, &hi)) spmm_bf16_rows(a, xb, yb, acc, scale, d, lo, hi, (int64_t)r0);
        }
    } else {
        spmm_bf16_rows(a, xb, yb, acc, scale, d, (int64_t)r0, (int64_t)r1, (int64_t)r0);
    }
}

void gr_spmm_bf16(const gr_spmat *a, const uint16_t *xb, uint16_t *yb, float *acc, float scale, size_t d)
{
    gr_spmm_bf16_rows(a, xb, yb, acc, scale, d, 0, a->n);
}

GR_INLINE void to_bf16_range_body(uint16_t *dst, const float *src, size_t lo, size_t hi)
{
    for (size_t k = lo; k < hi; k += 32) bf16_store32(dst + k, gr_load16(src + k), gr_load16(src + k + 16));
}

GR_KERNEL static void to_bf16_range(uint16_t *dst, const float *src, size_t lo, size_t hi)
{
    to_bf16_range_body(dst, src, lo, hi);
}

void gr_to_bf16_rows(uint16_t *dst, const float *src, size_t n, size_t d)
{
    const size_t chunk = (size_t)1 << 16; /* a multiple of 32, so of every row width handled */
    const size_t total = n * d;
    long nchunks = (long)((total + chunk - 1) / chunk);
#pragma omp parallel for schedule(static) if (gr_parallel_worth(total)) num_threads(gr_threads())
    for (long c = 0; c < nchunks; c++) {
        size_t lo = (size_t)c * chunk, hi = lo + chunk < total ? lo + chunk : total;
        to_bf16_range(dst, src, lo, hi);
    }
}
