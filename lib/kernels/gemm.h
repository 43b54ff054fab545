/*
 * Dense products for training objectives that score users against every
 * item: the gradient of a score block flows back to both factors.
 * Matrices are row-major; d is the embedding width.  Single-threaded:
 * callers parallelise over row blocks.
 */
#ifndef GR_KERNELS_GEMM_H
#define GR_KERNELS_GEMM_H

#include <stddef.h>

/* Y[r x d] = G[r x n] X[n x d]; G has row stride ldg. */
void gr_gemm_rows(float *y, const float *g, size_t ldg, const float *x, size_t r, size_t n, size_t d);

/* Y[n x d] += G[r x n]^T X[r x d]; G has row stride ldg. */
void gr_gemm_tacc(float *y, const float *g, size_t ldg, const float *x, size_t r, size_t n, size_t d);

/* Y[n x d] = G[r x n]^T X[r x d]: the bits of gr_gemm_tacc into zeros,
 * without writing the zeros first. */
void gr_gemm_t(float *y, const float *g, size_t ldg, const float *x, size_t r, size_t n, size_t d);

#endif
