/*
 * General float matrix products with large inner dimensions: C = A B or
 * C += A B, where either factor may be given transposed.  The knowledge-
 * graph dot products (DistMult, ComplEx) multiply a batch of queries by a
 * few hundred to thousands of shared negatives over rows of hundreds of
 * floats; the register tiles of gemm.h and matmul.h are sized for rows of
 * 16 to 128 floats and reload their operands from memory at these sizes.
 *
 * Both factors are copied into contiguous panels first (a strip of B's
 * columns per register tile, a block of A's rows per cache block), so the
 * tile reads memory in order whatever the layout given.  Each entry of C
 * sums its products in ascending order of the inner index, in runs of
 * GR_SGEMM_KC; the bits do not depend on the register tile nor on the
 * thread count.
 */
#ifndef GR_KERNELS_SGEMM_H
#define GR_KERNELS_SGEMM_H

#include <stddef.h>

#define GR_SGEMM_KC 256

/* One factor of a product: element (i, j) at p[i * ld + j], or at
 * p[j * ld + i] when trans is set. */
typedef struct gr_sgemm_operand {
    const float *p;
    size_t ld;
    int trans;
} gr_sgemm_operand;

/* Floats of the packing space one call of gr_sgemm needs. */
size_t gr_sgemm_work_floats(void);

/*
 * C[m x n] (row stride ldc) = A[m x k] B[k x n], or += where acc is set.
 * work: gr_sgemm_work_floats() floats.  Single-threaded.
 */
void gr_sgemm(float *c, size_t ldc, gr_sgemm_operand a, gr_sgemm_operand b, size_t m, size_t n, size_t k, int acc,
              float *work);

/*
 * The same product split among the library's threads by blocks of C's
 * rows (of its columns where C has fewer rows than threads have tiles);
 * work: gr_sgemm_work_floats() floats per thread, for up to `threads`
 * threads.
 */
void gr_sgemm_parallel(float *c, size_t ldc, gr_sgemm_operand a, gr_sgemm_operand b, size_t m, size_t n, size_t k,
                       int acc, float *work, int threads);

#endif
