/*
 * Dense products for network layers.  Both kernels keep a block of the
 * output in registers, 4 rows by up to 5 vectors of 16 columns (80
 * columns: a layer of 64 outputs plus a bias column fits in one pass), so
 * each vector loaded from memory feeds four multiply-adds and each
 * broadcast scalar up to five.
 */
#include "kernels/matmul.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/threads.h"
#include "kernels/cpu.h"
#include "kernels/dense.h"
#include "kernels/parallel.h"
#include "kernels/simd.h"

#define ROWS 4
#define MAXV 5
/* rows of A and B per chunk of the transposed product; its output rows per block */
#define TN_CHUNK 256
#define TN_PANEL (4 * ROWS)

/* Columns [j, j + 16 * nv) of rows r..r+3 of A B; B is padded, so its
 * loads are always whole vectors. */
static inline void nn_block(gr_v16 s[ROWS][MAXV], const float *const ar[ROWS], const float *b, size_t ldb, size_t j,
                            size_t q, int nv)
{
    for (size_t k = 0; k < q; k++) {
        const float *bk = b + k * ldb + j;
        float x0 = ar[0][k], x1 = ar[1][k], x2 = ar[2][k], x3 = ar[3][k];
        for (int v = 0; v < nv; v++) {
            gr_v16 bv = gr_load16(bk + 16 * v);
            s[0][v] += x0 * bv;
            s[1][v] += x1 * bv;
            s[2][v] += x2 * bv;
            s[3][v] += x3 * bv;
        }
    }
}

/* Rows [r0, r1) of C = A B + bias. */
GR_INLINE void nn_rows_body(float *c, size_t ldc, const float *a, size_t lda, const float *b, size_t ldb,
                            const float *bias, size_t r0, size_t r1, size_t q, size_t p)
{
    for (size_t r = r0; r < r1; r += ROWS) {
        size_t nr = r1 - r < ROWS ? r1 - r : ROWS;
        const float *ar[ROWS];
        for (size_t k = 0; k < ROWS; k++) ar[k] = a + (r + (k < nr ? k : 0)) * lda;
        for (size_t j = 0; j < p; j += 16 * MAXV) {
            size_t left = p - j;
            int nv = (int)((left + 15) / 16 < MAXV ? (left + 15) / 16 : MAXV);
            gr_v16 s[ROWS][MAXV];
            for (int v = 0; v < nv; v++) {
                size_t w = left - 16 * (size_t)v < 16 ? left - 16 * (size_t)v : 16;
                gr_v16 bv = bias ? gr_load16_part(bias + j + 16 * (size_t)v, w) : gr_splat16(0);
                for (int k = 0; k < ROWS; k++) s[k][v] = bv;
            }
            /* fixed trip counts let the compiler keep the block in registers */
            switch (nv) {
            case 1: nn_block(s, ar, b, ldb, j, q, 1); break;
            case 2: nn_block(s, ar, b, ldb, j, q, 2); break;
            case 3: nn_block(s, ar, b, ldb, j, q, 3); break;
            case 4: nn_block(s, ar, b, ldb, j, q, 4); break;
            default: nn_block(s, ar, b, ldb, j, q, 5); break;
            }
            for (size_t k = 0; k < nr; k++)
                for (int v = 0; v < nv; v++) {
                    size_t w = left - 16 * (size_t)v < 16 ? left - 16 * (size_t)v : 16;
                    gr_store16_part(c + (r + k) * ldc + j + 16 * (size_t)v, s[k][v], w);
                }
        }
    }
}

GR_KERNEL static void nn_rows(float *c, size_t ldc, const float *a, size_t lda, const float *b, size_t ldb,
                              const float *bias, size_t r0, size_t r1, size_t q, size_t p)
{
    nn_rows_body(c, ldc, a, lda, b, ldb, bias, r0, r1, q, p);
}

/*
 * Rows [0, m) of the 16 columns of B at bp (row stride ldb) into pb, 16
 * floats a row.  Rows below safe are loaded as whole vectors; the later
 * ones (where a whole vector would leave B) as their first w floats, the
 * other lanes 0.  The narrow kernels read B's panels from such copies:
 * read in place, a panel's rows lie ldb floats apart (1 to 2 KB at
 * GraphSAGE's widths) and fall into a few of L1's 64 sets, which hold 8
 * lines each, so every tile of rows reloaded them from L2.
 */
GR_INLINE void pack_panel(float *pb, const float *bp, size_t ldb, size_t m, size_t safe, size_t w)
{
    for (size_t i = 0; i < m; i++) {
        const float *br = bp + i * ldb;
        gr_v8 b0, b1;
        if (i < safe) b0 = gr_load8(br), b1 = gr_load8(br + 8);
        else gr_split16(gr_load16_part(br, w), &b0, &b1);
        gr_store8(pb + i * 16, b0);
        gr_store8(pb + i * 16 + 8, b1);
    }
}

/*
 * Without wide registers (kernels/cpu.h): blocks of 4 rows by 16 columns in
 * gr_v8 halves, 8 accumulator registers; the same sums in the same order.
 */

/* Rows [r, r + 4) (those below r1) of columns [j, j + w) of C = A B + bias,
 * from the packed panel pb, in `halves` 8-float vectors (w <= 8 halves). */
GR_INLINE void nn_tile_narrow(float *c, size_t ldc, const float *a, size_t lda, const float *pb, const float *bias,
                              size_t r, size_t r1, size_t j, size_t w, size_t q, int halves)
{
    size_t nr = r1 - r < ROWS ? r1 - r : ROWS;
    const float *ar[ROWS];
    for (size_t k = 0; k < ROWS; k++) ar[k] = a + (r + (k < nr ? k : 0)) * lda;
    gr_v8 s[ROWS][2];
    gr_split16(bias ? gr_load16_part(bias + j, w) : gr_splat16(0), &s[0][0], &s[0][1]);
    for (int k = 1; k < ROWS; k++) s[k][0] = s[0][0], s[k][1] = s[0][1];
    for (size_t k = 0; k < q; k++)
        for (int h = 0; h < halves; h++) {
            const gr_v8 bv = gr_load8(pb + k * 16 + 8 * (size_t)h);
            for (int t = 0; t < ROWS; t++) s[t][h] += ar[t][k] * bv;
        }
    for (size_t k = 0; k < nr; k++) gr_store16_part(c + (r + k) * ldc + j, gr_join16(s[k][0], s[k][1]), w);
}

/* Rows [r0, r1) of C = A B + bias from the packed panels of B (nn_panels):
 * panel after panel, each read from its contiguous copy. */
GR_INLINE void nn_rows_narrow_body(float *c, size_t ldc, const float *a, size_t lda, const float *pb,
                                   const float *bias, size_t r0, size_t r1, size_t q, size_t p)
{
    for (size_t j = 0; j < p; j += 16) {
        const size_t w = p - j < 16 ? p - j : 16;
        const float *panel = pb + j * q;
        for (size_t r = r0; r < r1; r += ROWS) {
            /* a last panel of at most 8 columns (a layer of 65 outputs)
             * computes its one vector alone */
            if (w > 8) nn_tile_narrow(c, ldc, a, lda, panel, bias, r, r1, j, w, q, 2);
            else nn_tile_narrow(c, ldc, a, lda, panel, bias, r, r1, j, w, q, 1);
        }
    }
}

GR_KERNEL static void nn_rows_narrow(float *c, size_t ldc, const float *a, size_t lda, const float *pb,
                                     const float *bias, size_t r0, size_t r1, size_t q, size_t p)
{
    nn_rows_narrow_body(c, ldc, a, lda, pb, bias, r0, r1, q, p);
}

/* The panel of B's columns [j, j + 16) into its place in pb. */
GR_KERNEL static void nn_pack_panel(float *pb, const float *b, size_t ldb, size_t q, size_t j, size_t p)
{
    pack_panel(pb + j * q, b + j, ldb, q, q, p - j < 16 ? p - j : 16);
}

/* The narrow form's copy of B, panel after panel (q rows of 16 floats
 * each; B is padded, so every load is whole), made once and shared by the
 * threads; NULL where it is not wanted or cannot be had.  The wide form
 * then computes the same sums, so a failed copy costs time alone and is
 * not the caller's error: plain malloc, outside the library's counted
 * allocations. */
static float *nn_panels(size_t q, size_t p)
{
    const size_t panels = (p + 15) / 16;
    if (gr_simd_wide() || q == 0 || panels == 0 || q > SIZE_MAX / sizeof(float) / 16 / panels) return NULL;
    return malloc(panels * 16 * q * sizeof(float));
}

void gr_gemm_nn(float *c, size_t ldc, const float *a, size_t lda, const float *b, size_t ldb, const float *bias,
                size_t n, size_t q, size_t p)
{
    const size_t block = 32;
    long nb = (long)((n + block - 1) / block);
    float *pb = n ? nn_panels(q, p) : NULL;
    long np = (long)((p + 15) / 16);
#pragma omp parallel if (gr_parallel_worth_madds(n * q * p)) num_threads(gr_threads())
    {
        if (pb) {
#pragma omp for schedule(static)
            for (long t = 0; t < np; t++) nn_pack_panel(pb, b, ldb, q, (size_t)t * 16, p);
        }
#pragma omp for schedule(static)
        for (long t = 0; t < nb; t++) {
            size_t r0 = (size_t)t * block, r1 = r0 + block < n ? r0 + block : n;
            if (pb) nn_rows_narrow(c, ldc, a, lda, pb, bias, r0, r1, q, p);
            else nn_rows(c, ldc, a, lda, b, ldb, bias, r0, r1, q, p);
        }
    }
    free(pb);
}

/* Rows jj[0..3] of C += A^T B over the rows [r0, r1) of A and B and the
 * columns [col, col + 16 nv) of B.  Loads are whole vectors (lanes past
 * column p belong to the next row and are never stored) except where they
 * would leave B's last row. */
static inline void tn_block(gr_v16 s[ROWS][MAXV], const float *a, size_t lda, const size_t jj[ROWS], const float *b,
                            size_t ldb, size_t r0, size_t r1, size_t safe, size_t col, size_t p, int nv)
{
    for (size_t r = r0; r < r1; r++) {
        const float *br = b + r * ldb + col;
        const float *ar = a + r * lda;
        float x0 = ar[jj[0]], x1 = ar[jj[1]], x2 = ar[jj[2]], x3 = ar[jj[3]];
        for (int v = 0; v < nv; v++) {
            size_t off = 16 * (size_t)v;
            gr_v16 bv = r < safe ? gr_load16(br + off) : gr_load16_part(br + off, p - col - off < 16 ? p - col - off : 16);
            s[0][v] += x0 * bv;
            s[1][v] += x1 * bv;
            s[2][v] += x2 * bv;
            s[3][v] += x3 * bv;
        }
    }
}

/*
 * The rows r of B (n rows, stride ldb, p columns) from 0 up to which a load
 * of whole vectors from b + r * ldb up to column reach stays inside B; past
 * them the kernels load part of a vector.
 */
static inline size_t whole_load_rows(size_t n, size_t ldb, size_t p, size_t reach)
{
    size_t end = (n - 1) * ldb + p;
    size_t safe = end >= reach ? (end - reach) / ldb + 1 : 0;
    return safe < n ? safe : n;
}

/*
 * Rows [j0, j1) of C += A^T B, columns [col0, p).  The rows of A and B are
 * taken in chunks so that a chunk of B stays in cache while every output
 * row uses it; partial sums are added to C chunk by chunk, in the same
 * order for any thread count and any col0: an element's sum does not
 * depend on the columns computed beside it.
 */
GR_INLINE void tn_rows_body(float *c, size_t ldc, const float *a, size_t lda, const float *b, size_t ldb, size_t n,
                            size_t j0, size_t j1, size_t col0, size_t p)
{
    const size_t chunk = TN_CHUNK;
    for (size_t col = col0; col < p; col += 16 * MAXV) {
        size_t left = p - col;
        int nv = (int)((left + 15) / 16 < MAXV ? (left + 15) / 16 : MAXV);
        size_t safe = whole_load_rows(n, ldb, p, col + 16 * (size_t)nv);
        for (size_t r0 = 0; r0 < n; r0 += chunk) {
            size_t r1 = r0 + chunk < n ? r0 + chunk : n;
            for (size_t j = j0; j < j1; j += ROWS) {
                size_t nj = j1 - j < ROWS ? j1 - j : ROWS;
                size_t jj[ROWS];
                for (size_t k = 0; k < ROWS; k++) jj[k] = j + (k < nj ? k : 0);
                gr_v16 s[ROWS][MAXV];
                for (int k = 0; k < ROWS; k++)
                    for (int v = 0; v < MAXV; v++) s[k][v] = gr_splat16(0);
                switch (nv) {
                case 1: tn_block(s, a, lda, jj, b, ldb, r0, r1, safe, col, p, 1); break;
                case 2: tn_block(s, a, lda, jj, b, ldb, r0, r1, safe, col, p, 2); break;
                case 3: tn_block(s, a, lda, jj, b, ldb, r0, r1, safe, col, p, 3); break;
                case 4: tn_block(s, a, lda, jj, b, ldb, r0, r1, safe, col, p, 4); break;
                default: tn_block(s, a, lda, jj, b, ldb, r0, r1, safe, col, p, 5); break;
                }
                for (size_t k = 0; k < nj; k++)
                    for (int v = 0; v < nv; v++) {
                        size_t w = left - 16 * (size_t)v < 16 ? left - 16 * (size_t)v : 16;
                        float *out = c + (j + k) * ldc + col + 16 * (size_t)v;
                        gr_store16_part(out, gr_load16_part(out, w) + s[k][v], w);
                    }
            }
        }
    }
}

GR_KERNEL static void tn_rows(float *c, size_t ldc, const float *a, size_t lda, const float *b, size_t ldb, size_t n,
                              size_t j0, size_t j1, size_t col0, size_t p)
{
    tn_rows_body(c, ldc, a, lda, b, ldb, n, j0, j1, col0, p);
}

/*
 * The narrow form reads its operands from packed copies: per chunk of 256
 * rows, the block's (at most 16) columns of A, 16 floats a row, and then
 * each 16-column panel of B (pack_panel).  Read in place, the 256 rows of
 * a chunk fell into two to four of L1's sets and every tile reloaded them
 * from L2 (23% of the FMA peak on the AVX2 EPYC).  The sums are the same,
 * in the same order: each chunk's sum starts from zero and is added to C,
 * the chunks in order.  pa and pb hold 256 x 16 floats.
 */
GR_INLINE void tn_rows_narrow_body(float *c, size_t ldc, const float *a, size_t lda, const float *b, size_t ldb,
                                   size_t n, size_t j0, size_t j1, size_t col0, size_t p, float *pa, float *pb)
{
    const size_t chunk = TN_CHUNK, nj = j1 - j0;
    for (size_t r0 = 0; r0 < n; r0 += chunk) {
        const size_t m = n - r0 < chunk ? n - r0 : chunk;
        for (size_t i = 0; i < m; i++)
            for (size_t k = 0; k < TN_PANEL; k++) pa[i * TN_PANEL + k] = k < nj ? a[(r0 + i) * lda + j0 + k] : 0.0f;
        for (size_t col = col0; col < p; col += 16) {
            const size_t w = p - col < 16 ? p - col : 16;
            const size_t safe = whole_load_rows(n, ldb, p, col + 16);
            pack_panel(pb, b + r0 * ldb + col, ldb, m, safe > r0 ? safe - r0 : 0, w);
            for (size_t j = 0; j < nj; j += ROWS) {
                gr_v8 s[ROWS][2];
                for (int k = 0; k < ROWS; k++) s[k][0] = s[k][1] = gr_splat8(0);
                for (size_t i = 0; i < m; i++) {
                    const gr_v8 b0 = gr_load8(pb + i * 16), b1 = gr_load8(pb + i * 16 + 8);
                    const float *ai = pa + i * TN_PANEL + j;
                    for (int t = 0; t < ROWS; t++) {
                        s[t][0] += ai[t] * b0;
                        s[t][1] += ai[t] * b1;
                    }
                }
                for (size_t k = 0; k < ROWS && j + k < nj; k++) {
                    float *out = c + (j0 + j + k) * ldc + col;
                    gr_store16_part(out, gr_load16_part(out, w) + gr_join16(s[k][0], s[k][1]), w);
                }
            }
        }
    }
}

GR_KERNEL static void tn_rows_narrow(float *c, size_t ldc, const float *a, size_t lda, const float *b, size_t ldb,
                                     size_t n, size_t j0, size_t j1, size_t col0, size_t p, float *pa, float *pb)
{
    tn_rows_narrow_body(c, ldc, a, lda, b, ldb, n, j0, j1, col0, p, pa, pb);
}

/* C += A^T B in blocks of 16 output rows (enough work per chunk of B,
 * enough blocks for threads); with upper, a block computes only the
 * columns from its first row on. */
static void tn_blocks(float *c, size_t ldc, const float *a, size_t lda, const float *b, size_t ldb, size_t n, size_t q,
                      size_t p, int upper)
{
    if (n == 0) return;
    const size_t rows = TN_PANEL;
    const int wide = gr_simd_wide();
    long nb = (long)((q + rows - 1) / rows);
#pragma omp parallel if (gr_parallel_worth_madds(n * q * p)) num_threads(gr_threads())
    {
        /* the narrow form's packed operands (tn_rows_narrow_body).  Where
         * they cannot be had the wide form computes the same sums, so a
         * failure here costs time alone and is not the caller's error:
         * plain malloc, outside the library's counted allocations */
        float *pack = wide ? NULL : malloc(2 * TN_CHUNK * TN_PANEL * sizeof *pack);
#pragma omp for schedule(dynamic, 1)
        for (long t = 0; t < nb; t++) {
            size_t j0 = (size_t)t * rows, j1 = j0 + rows < q ? j0 + rows : q, col0 = upper ? j0 : 0;
            if (pack) tn_rows_narrow(c, ldc, a, lda, b, ldb, n, j0, j1, col0, p, pack, pack + TN_CHUNK * TN_PANEL);
            else tn_rows(c, ldc, a, lda, b, ldb, n, j0, j1, col0, p);
        }
        free(pack);
    }
}

void gr_gemm_tn_acc(float *c, size_t ldc, const float *a, size_t lda, const float *b, size_t ldb, size_t n, size_t q,
                    size_t p)
{
    tn_blocks(c, ldc, a, lda, b, ldb, n, q, p, 0);
}

void gr_gemm_gram(float *c, size_t ldc, const float *a, size_t lda, size_t n, size_t q)
{
    for (size_t i = 0; i < q; i++) memset(c + i * ldc, 0, q * sizeof *c);
    tn_blocks(c, ldc, a, lda, a, lda, n, q, q, 1);
    /* (i, j) and (j, i) are the same products summed in the same order */
    for (size_t i = 1; i < q; i++)
        for (size_t j = 0; j < i; j++) c[i * ldc + j] = c[j * ldc + i];
}

void gr_transpose_padded(float *dst, const float *src, size_t lds, size_t rows, size_t cols)
{
    gr_transpose_strided(dst, gr_gemm_stride(rows), src, lds, rows, cols);
}

void gr_copy_padded(float *dst, const float *src, size_t lds, size_t rows, size_t cols)
{
    size_t ld = gr_gemm_stride(cols);
    for (size_t r = 0; r < rows; r++) {
        memcpy(dst + r * ld, src + r * lds, cols * sizeof *dst);
        for (size_t k = cols; k < ld; k++) dst[r * ld + k] = 0.0f;
    }
}

void gr_colsum_acc(float *out, const float *a, size_t lda, size_t n, size_t p)
{
    for (size_t r = 0; r < n; r++)
        for (size_t j = 0; j < p; j++) out[j] += a[r * lda + j];
}
