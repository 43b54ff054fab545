/*
 * The dense product of the double-precision factorisations (linalg/small.c):
 * C += alpha A B, every matrix row-major with its own row stride.
 * Single-threaded: callers parallelise over blocks of C.  Each entry of C
 * sums its products in ascending order of the inner index, in runs of
 * GR_GEMM_D_KC, whatever the CPU's kernel: the bits do not depend on the
 * register blocking nor on how callers split C among threads.
 */
#ifndef GR_KERNELS_GEMM_D_H
#define GR_KERNELS_GEMM_D_H

#include <stddef.h>

#define GR_GEMM_D_KC 256

/* C[m x n] += alpha A[m x k] B[k x n]; strides ldc, lda, ldb. */
void gr_gemm_d(double *c, size_t ldc, const double *a, size_t lda, const double *b, size_t ldb, size_t m, size_t n,
               size_t k, double alpha);

#endif
