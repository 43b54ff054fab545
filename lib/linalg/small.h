/*
 * Small dense linear algebra in double precision: Cholesky factorisation,
 * triangular inverses and products, and the symmetric eigenproblem by
 * cyclic Jacobi rotations.  These serve the truncated SVD (orthonormal
 * bases by Cholesky QR, Rayleigh-Ritz) and EASE (the inverse of an SPD
 * Gram matrix).  Matrices are row-major n x n with row stride n.
 */
#ifndef GR_LINALG_SMALL_H
#define GR_LINALG_SMALL_H

#include <stddef.h>

/*
 * In place: the lower triangle of a (symmetric positive definite) becomes
 * L with a = L L^T; the strict upper triangle is set to 0 (it is used as
 * scratch meanwhile, so only the lower triangle of a is read).  Blocked,
 * its products in parallel for large n, with the same bits on any number
 * of threads.  Returns 0, or j + 1 when the pivot of row j is not
 * positive (a is then not positive definite to working precision, and its
 * contents are undefined).
 */
size_t gr_cholesky(double *a, size_t n);

/* In place: lower triangular L (non-zero diagonal) becomes L^-1. */
void gr_tril_inverse(double *l, size_t n);

/*
 * The inverse of a symmetric positive definite matrix, in place, through
 * its Cholesky factor: a^-1 = L^-T L^-1 (exactly symmetric; the same bits
 * on any number of threads).  Returns what gr_cholesky returns, or n + 1
 * when out of memory (it needs n x n doubles of scratch); on failure a's
 * contents are undefined.
 */
size_t gr_spd_inverse(double *a, size_t n);

/*
 * Eigen-decomposition of symmetric a by cyclic Jacobi rotations: on return
 * w holds the eigenvalues in descending order and the columns of v (n x n,
 * row-major) the matching orthonormal eigenvectors; a is destroyed.
 * Converges quadratically; stops when every off-diagonal entry is below
 * 1e-15 of the matrix norm or after 60 sweeps.  Returns the sweeps used,
 * or -1 when out of memory.
 */
int gr_sym_eigen(double *a, double *w, double *v, size_t n);

#endif
