/*
 * C += alpha A B in double precision, register-blocked: a block of four
 * rows of C by W doubles keeps its sums in vector registers while the
 * inner index runs; each step loads W doubles of a row of B and
 * broadcasts four of A, so a loaded vector feeds four multiply-adds.
 * W is 16 (two registers of 8 doubles) where AVX-512 holds the eight
 * accumulators in registers, else 8 (gr_simd_wide).  The inner index runs
 * in pieces of GR_GEMM_D_KC so that a strip of B stays in the first-level
 * cache across the blocks of rows.
 */
#include "kernels/gemm_d.h"

#include <string.h>

#include "kernels/cpu.h"
#include "kernels/simd.h"

typedef double gr_v8d __attribute__((vector_size(64)));

GR_INLINE gr_v8d load8d(const double *p)
{
    gr_v8d v;
    memcpy(&v, p, sizeof v);
    return v;
}

GR_INLINE void add_store8d(double *p, gr_v8d v, double alpha)
{
    gr_v8d c = load8d(p);
    c += alpha * v;
    memcpy(p, &c, sizeof c);
}

/* Rows [0, m) by columns [j, j + 8 V) of C, inner index [0, k). */
GR_INLINE void strip_body(double *c, size_t ldc, const double *a, size_t lda, const double *b, size_t ldb, size_t m,
                          size_t j, size_t k, double alpha, int V)
{
    size_t i = 0;
    for (; i + 4 <= m; i += 4) {
        gr_v8d s[4][2] = { { { 0 } } };
        const double *a0 = a + i * lda;
        for (size_t p = 0; p < k; p++) {
            gr_v8d bv[2];
            for (int v = 0; v < V; v++) bv[v] = load8d(b + p * ldb + j + 8 * v);
            for (int r = 0; r < 4; r++) {
                double x = a0[r * lda + p];
                for (int v = 0; v < V; v++) s[r][v] += x * bv[v];
            }
        }
        for (int r = 0; r < 4; r++)
            for (int v = 0; v < V; v++) add_store8d(c + (i + r) * ldc + j + 8 * v, s[r][v], alpha);
    }
    for (; i < m; i++) {
        gr_v8d s[2] = { { 0 } };
        for (size_t p = 0; p < k; p++) {
            double x = a[i * lda + p];
            for (int v = 0; v < V; v++) s[v] += x * load8d(b + p * ldb + j + 8 * v);
        }
        for (int v = 0; v < V; v++) add_store8d(c + i * ldc + j + 8 * v, s[v], alpha);
    }
}

/* Columns [j, n), fewer than a vector: one sum per entry, the same order. */
GR_INLINE void tail_columns(double *c, size_t ldc, const double *a, size_t lda, const double *b, size_t ldb, size_t m,
                         size_t j, size_t n, size_t k, double alpha)
{
    for (size_t i = 0; i < m; i++)
        for (size_t q = j; q < n; q++) {
            double s = 0.0;
            for (size_t p = 0; p < k; p++) s += a[i * lda + p] * b[p * ldb + q];
            c[i * ldc + q] += alpha * s;
        }
}

GR_KERNEL static void gemm_d_wide(double *c, size_t ldc, const double *a, size_t lda, const double *b, size_t ldb,
                                  size_t m, size_t n, size_t k, double alpha)
{
    size_t j = 0;
    for (; j + 16 <= n; j += 16) strip_body(c, ldc, a, lda, b, ldb, m, j, k, alpha, 2);
    for (; j + 8 <= n; j += 8) strip_body(c, ldc, a, lda, b, ldb, m, j, k, alpha, 1);
    tail_columns(c, ldc, a, lda, b, ldb, m, j, n, k, alpha);
}

GR_KERNEL static void gemm_d_narrow(double *c, size_t ldc, const double *a, size_t lda, const double *b, size_t ldb,
                                    size_t m, size_t n, size_t k, double alpha)
{
    size_t j = 0;
    for (; j + 8 <= n; j += 8) strip_body(c, ldc, a, lda, b, ldb, m, j, k, alpha, 1);
    tail_columns(c, ldc, a, lda, b, ldb, m, j, n, k, alpha);
}

void gr_gemm_d(double *c, size_t ldc, const double *a, size_t lda, const double *b, size_t ldb, size_t m, size_t n,
               size_t k, double alpha)
{
    int wide = gr_simd_wide();
    for (size_t p = 0; p < k; p += GR_GEMM_D_KC) {
        size_t kc = k - p < GR_GEMM_D_KC ? k - p : GR_GEMM_D_KC;
        if (wide)
            gemm_d_wide(c, ldc, a + p, lda, b + p * ldb, ldb, m, n, kc, alpha);
        else
            gemm_d_narrow(c, ldc, a + p, lda, b + p * ldb, ldb, m, n, kc, alpha);
    }
}
