/*
 * Dense matrix products for the layers of the graph networks (GraphSAGE):
 * the forward product of a layer and the two products of its backward
 * pass.  Matrices are row-major with explicit row strides.  Every output
 * element is summed by one thread in a fixed order, so results do not
 * depend on the thread count.  The OpenMP regions live here, outside the
 * vector kernels (see simd.h).
 */
#ifndef GR_KERNELS_MATMUL_H
#define GR_KERNELS_MATMUL_H

#include <stddef.h>

/* The row stride gr_gemm_nn() wants for its right-hand matrix: p rounded
 * up to a multiple of 16. */
static inline size_t gr_gemm_stride(size_t p) { return (p + 15) & ~(size_t)15; }

/*
 * C = A B (+ bias): C is n x p (row stride ldc >= p), A is n x q (row
 * stride lda >= q), B is q x p with row stride ldb = gr_gemm_stride(p)
 * and zeros in columns p..ldb.  bias (p floats) may be NULL.  C must not
 * alias A or B.
 */
void gr_gemm_nn(float *c, size_t ldc, const float *a, size_t lda, const float *b, size_t ldb, const float *bias,
                size_t n, size_t q, size_t p);

/*
 * C += A^T B: C is q x p (row stride ldc >= p), A is n x q (row stride
 * lda), B is n x p (row stride ldb).  The weight gradient of a layer:
 * dW += dY^T X.
 */
void gr_gemm_tn_acc(float *c, size_t ldc, const float *a, size_t lda, const float *b, size_t ldb, size_t n, size_t q,
                    size_t p);

/*
 * C = A^T A (q x q, row stride ldc >= q) for A n x q (row stride lda):
 * the upper triangle is computed, as gr_gemm_tn_acc would compute it from
 * zero, and mirrored, at about half the cost.
 */
void gr_gemm_gram(float *c, size_t ldc, const float *a, size_t lda, size_t n, size_t q);

/* dst (cols x ld, ld = gr_gemm_stride(rows), zero padded) = src^T, src
 * being rows x cols with row stride lds. */
void gr_transpose_padded(float *dst, const float *src, size_t lds, size_t rows, size_t cols);

/* dst (rows x ld, ld = gr_gemm_stride(cols), zero padded) = src (rows x
 * cols, row stride lds). */
void gr_copy_padded(float *dst, const float *src, size_t lds, size_t rows, size_t cols);

/* out[j] += sum over the n rows of a (row stride lda) of a[r][j], j < p. */
void gr_colsum_acc(float *out, const float *a, size_t lda, size_t n, size_t p);

#endif
