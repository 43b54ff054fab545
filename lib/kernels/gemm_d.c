/*
 * C += alpha A B in double precision, register-blocked: a block of four
 * rows of C by W doubles keeps its sums in vector registers while the
 * inner index runs; each step loads W doubles of a row of B and
 * broadcasts four of A, so a loaded vector feeds four multiply-adds.
 * W is 16 (two registers of 8 doubles) where AVX-512 holds the eight
 * accumulators in registers, else 8 (two registers of 4 doubles, from a
 * contiguous copy of the strip of B; gr_simd_wide).  The inner index runs
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

/* The narrow form's vectors are of four doubles, one register each, and
 * its sums named one by one: written as strip_body's eight-double vectors,
 * the compiler kept the sums of a 4 x 8 block in memory and shuffled them
 * (spd_inverse_d in bench_kernels: 6.0 GFLOP/s on two AVX2 cores against
 * 33 so).  The same products, added in the same order. */
typedef double gr_v4d __attribute__((vector_size(32)));

GR_INLINE gr_v4d load4d(const double *p)
{
    gr_v4d v;
    memcpy(&v, p, sizeof v);
    return v;
}

GR_INLINE void add_store4d(double *p, gr_v4d v, double alpha)
{
    gr_v4d c = load4d(p);
    c += alpha * v;
    memcpy(p, &c, sizeof c);
}

/* Rows [0, m) by columns [j, j + 8) of C, inner index [0, k). */
GR_INLINE void strip8_v4(double *c, size_t ldc, const double *a, size_t lda, const double *b, size_t ldb, size_t m,
                         size_t j, size_t k, double alpha)
{
    size_t i = 0;
    for (; i + 4 <= m; i += 4) {
        gr_v4d s0 = { 0 }, s1 = { 0 }, s2 = { 0 }, s3 = { 0 }, s4 = { 0 }, s5 = { 0 }, s6 = { 0 }, s7 = { 0 };
        const double *a0 = a + i * lda, *a1 = a0 + lda, *a2 = a1 + lda, *a3 = a2 + lda;
        for (size_t p = 0; p < k; p++) {
            const double *bp = b + p * ldb + j;
            gr_v4d lo = load4d(bp), hi = load4d(bp + 4);
            s0 += a0[p] * lo;
            s1 += a0[p] * hi;
            s2 += a1[p] * lo;
            s3 += a1[p] * hi;
            s4 += a2[p] * lo;
            s5 += a2[p] * hi;
            s6 += a3[p] * lo;
            s7 += a3[p] * hi;
        }
        double *c0 = c + i * ldc + j;
        add_store4d(c0, s0, alpha);
        add_store4d(c0 + 4, s1, alpha);
        add_store4d(c0 + ldc, s2, alpha);
        add_store4d(c0 + ldc + 4, s3, alpha);
        add_store4d(c0 + 2 * ldc, s4, alpha);
        add_store4d(c0 + 2 * ldc + 4, s5, alpha);
        add_store4d(c0 + 3 * ldc, s6, alpha);
        add_store4d(c0 + 3 * ldc + 4, s7, alpha);
    }
    for (; i < m; i++) {
        gr_v4d lo = { 0 }, hi = { 0 };
        for (size_t p = 0; p < k; p++) {
            double x = a[i * lda + p];
            lo += x * load4d(b + p * ldb + j);
            hi += x * load4d(b + p * ldb + j + 4);
        }
        add_store4d(c + i * ldc + j, lo, alpha);
        add_store4d(c + i * ldc + j + 4, hi, alpha);
    }
}

/* Each strip of B (k rows of 8 doubles) is first copied into one
 * contiguous block: read in place, its rows lie a row of B apart, a page
 * or more for the factorisations' matrices, and the strip's 256 rows
 * missed the TLB on every load (spd_inverse_d: 33 to 39 GFLOP/s on two
 * AVX2 cores with the copy, 17 to 23 on one). */
GR_KERNEL static void gemm_d_narrow(double *c, size_t ldc, const double *a, size_t lda, const double *b, size_t ldb,
                                    size_t m, size_t n, size_t k, double alpha)
{
    double strip[GR_GEMM_D_KC * 8];
    size_t j = 0;
    for (; j + 8 <= n; j += 8) {
        for (size_t p = 0; p < k; p++) memcpy(strip + p * 8, b + p * ldb + j, 8 * sizeof *strip);
        strip8_v4(c + j, ldc, a, lda, strip, 8, m, 0, k, alpha);
    }
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
