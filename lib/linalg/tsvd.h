/*
 * Truncated SVD of a sparse matrix by randomised subspace iteration with
 * Rayleigh-Ritz (Halko, Martinsson and Tropp 2011, algorithm 4.4 and 5.1):
 * a block of b = k + oversample random vectors is multiplied by A^T A
 * `iters` times, orthonormalised after every step by Cholesky QR (CholQR2,
 * shifted when the Gram matrix is not numerically positive definite), and
 * the top k right singular vectors are read off the b x b projected
 * problem, solved by Jacobi rotations.  Products with A and A^T are the
 * library's SpMM; the Gram matrices and basis updates its dense kernels.
 */
#ifndef GR_LINALG_TSVD_H
#define GR_LINALG_TSVD_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/spmm.h"

struct gr_dist;

typedef struct gr_tsvd_options {
    size_t oversample; /* extra columns beyond k (the block is rounded up to 16) */
    int iters;         /* multiplications by A^T A after the first */
    uint64_t seed;     /* of the random start */
    /* NULL: a is the whole of A.  Otherwise a is this rank's share of
     * A's rows (at its transpose, n rows), and every product A^T (A X) and
     * Gram matrix of A X is summed over the ranks (gr_dist_allreduce_grad),
     * so each rank computes the SVD of the whole A and all get the same
     * bits.  Collective then. */
    struct gr_dist *dist;
} gr_tsvd_options;

/*
 * a is A (m rows, column indices < n), at is A^T (n rows); k <= min(m, n),
 * with m the rows of the whole A under a communicator (a has this rank's).
 * v receives the top k right singular vectors as the columns of an n x k
 * row-major matrix, sigma their singular values, descending.  Vectors of
 * zero singular values are unspecified.  GR_ENOMEM, GR_EINVAL.
 */
int gr_tsvd(float *v, float *sigma, const gr_spmat *a, const gr_spmat *at, size_t m, size_t n, size_t k,
            const gr_tsvd_options *o);

#endif
