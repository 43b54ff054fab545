/*
 * Dense products for network layers.  Both kernels keep a block of the
 * output in registers: 4 rows x 32 columns (eight 16-float vectors), so
 * each vector loaded from the right-hand matrix feeds four multiply-adds
 * and each broadcast scalar feeds two.
 */
#include "kernels/gemm.h"

#include <string.h>

#include "kernels/simd.h"

#define ROWS 4

/* The first w (<= 16) floats of p, zeros after. */
static inline gr_v16 load_part(const float *p, size_t w)
{
    if (w == 16) return gr_load16(p);
    float t[16] = { 0 };
    memcpy(t, p, w * sizeof *p);
    return gr_load16(t);
}

static inline void store_part(float *p, gr_v16 v, size_t w)
{
    if (w == 16) gr_store16(p, v);
    else memcpy(p, &v, w * sizeof *p);
}

/* Rows [r0, r1) of C = A B + bias; columns in chunks of 32, then 16. */
GR_KERNEL static void nn_rows(float *c, size_t ldc, const float *a, size_t lda, const float *b, size_t ldb,
                              const float *bias, size_t r0, size_t r1, size_t q, size_t p)
{
    for (size_t r = r0; r < r1; r += ROWS) {
        size_t nr = r1 - r < ROWS ? r1 - r : ROWS;
        const float *ar[ROWS];
        for (size_t k = 0; k < ROWS; k++) ar[k] = a + (r + (k < nr ? k : 0)) * lda;
        for (size_t j = 0; j < p; j += 32) {
            size_t w0 = p - j < 16 ? p - j : 16;
            size_t w1 = p - j > 16 ? (p - j - 16 < 16 ? p - j - 16 : 16) : 0;
            gr_v16 b0 = bias ? load_part(bias + j, w0) : gr_splat16(0);
            gr_v16 b1 = bias && w1 ? load_part(bias + j + 16, w1) : gr_splat16(0);
            gr_v16 s00 = b0, s10 = b0, s20 = b0, s30 = b0;
            gr_v16 s01 = b1, s11 = b1, s21 = b1, s31 = b1;
            if (w1) {
                for (size_t k = 0; k < q; k++) {
                    gr_v16 v0 = gr_load16(b + k * ldb + j), v1 = gr_load16(b + k * ldb + j + 16);
                    float x0 = ar[0][k], x1 = ar[1][k], x2 = ar[2][k], x3 = ar[3][k];
                    s00 += x0 * v0, s01 += x0 * v1;
                    s10 += x1 * v0, s11 += x1 * v1;
                    s20 += x2 * v0, s21 += x2 * v1;
                    s30 += x3 * v0, s31 += x3 * v1;
                }
            } else {
                for (size_t k = 0; k < q; k++) {
                    gr_v16 v0 = gr_load16(b + k * ldb + j);
                    s00 += ar[0][k] * v0;
                    s10 += ar[1][k] * v0;
                    s20 += ar[2][k] * v0;
                    s30 += ar[3][k] * v0;
                }
            }
            gr_v16 s0[ROWS] = { s00, s10, s20, s30 }, s1[ROWS] = { s01, s11, s21, s31 };
            for (size_t k = 0; k < nr; k++) {
                store_part(c + (r + k) * ldc + j, s0[k], w0);
                if (w1) store_part(c + (r + k) * ldc + j + 16, s1[k], w1);
            }
        }
    }
}

void gr_gemm_nn(float *c, size_t ldc, const float *a, size_t lda, const float *b, size_t ldb, const float *bias,
                size_t n, size_t q, size_t p)
{
    const size_t block = 32;
    long nb = (long)((n + block - 1) / block);
#pragma omp parallel for schedule(static)
    for (long t = 0; t < nb; t++) {
        size_t r0 = (size_t)t * block, r1 = r0 + block < n ? r0 + block : n;
        nn_rows(c, ldc, a, lda, b, ldb, bias, r0, r1, q, p);
    }
}

/* Rows [j0, j1) of C += A^T B, summing over all n rows of A and B in order. */
GR_KERNEL static void tn_rows(float *c, size_t ldc, const float *a, size_t lda, const float *b, size_t ldb, size_t n,
                              size_t j0, size_t j1, size_t p)
{
    for (size_t j = j0; j < j1; j += ROWS) {
        size_t nj = j1 - j < ROWS ? j1 - j : ROWS;
        size_t jj[ROWS];
        for (size_t k = 0; k < ROWS; k++) jj[k] = j + (k < nj ? k : 0);
        for (size_t col = 0; col < p; col += 16) {
            size_t w = p - col < 16 ? p - col : 16;
            gr_v16 s0 = gr_splat16(0), s1 = s0, s2 = s0, s3 = s0;
            for (size_t r = 0; r < n; r++) {
                gr_v16 v = load_part(b + r * ldb + col, w);
                const float *ar = a + r * lda;
                s0 += ar[jj[0]] * v;
                s1 += ar[jj[1]] * v;
                s2 += ar[jj[2]] * v;
                s3 += ar[jj[3]] * v;
            }
            gr_v16 s[ROWS] = { s0, s1, s2, s3 };
            for (size_t k = 0; k < nj; k++) {
                float *out = c + (j + k) * ldc + col;
                gr_v16 o = load_part(out, w) + s[k];
                store_part(out, o, w);
            }
        }
    }
}

void gr_gemm_tn_acc(float *c, size_t ldc, const float *a, size_t lda, const float *b, size_t ldb, size_t n, size_t q,
                    size_t p)
{
    long nb = (long)((q + ROWS - 1) / ROWS);
#pragma omp parallel for schedule(dynamic, 1)
    for (long t = 0; t < nb; t++) {
        size_t j0 = (size_t)t * ROWS, j1 = j0 + ROWS < q ? j0 + ROWS : q;
        tn_rows(c, ldc, a, lda, b, ldb, n, j0, j1, p);
    }
}

void gr_transpose_padded(float *dst, const float *src, size_t lds, size_t rows, size_t cols)
{
    size_t ld = gr_gemm_stride(rows);
    for (size_t k = 0; k < cols; k++) {
        float *row = dst + k * ld;
        for (size_t i = 0; i < rows; i++) row[i] = src[i * lds + k];
        for (size_t i = rows; i < ld; i++) row[i] = 0.0f;
    }
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
