/* Sparse matrix (CSR, float weights) times dense row-major matrix. */
#ifndef GR_KERNELS_SPMM_H
#define GR_KERNELS_SPMM_H

#include <stddef.h>
#include <stdint.h>

typedef struct gr_spmat {
    size_t n;     /* rows (square matrices: also columns) */
    size_t nnz;
    int64_t *ptr; /* n + 1 */
    int32_t *col;
    float *val;
    int64_t *split; /* nsplit + 1 row boundaries with about equal nnz, for threads */
    size_t nsplit;
    /* Column blocks (see gr_spmat_balance): row r's nonzeros in block b are
     * ptr[r] + [bptr[r * (nblk + 1) + b], bptr[r * (nblk + 1) + b + 1]),
     * offsets within the row (a row has fewer than 2^31 columns), 4 bytes
     * each rather than 8: at a million items and 16 blocks, 70 MB instead
     * of 140 for the adjacency of every row; NULL: none. */
    size_t nblk;
    uint32_t *bptr;
    /* Columns when they differ from the rows (a slice of a square matrix's
     * rows, columns global); 0: n. */
    size_t ncols;
} gr_spmat;

void gr_spmat_free(gr_spmat *a);

/*
 * Precompute `parts` row ranges of balanced work (nonzeros plus rows), and
 * column blocks when a 64-wide X is far larger than the last-level cache
 * (spmm.c says why).  Columns within a row must be sorted ascending.
 */
int gr_spmat_balance(gr_spmat *a, size_t parts);
/* Cut the columns into nb blocks of equal span (nb <= 1: none). */
int gr_spmat_block_columns(gr_spmat *a, size_t nb);

/*
 * Y = A X for X, Y of n x d floats (row-major, rows of d floats).  When acc
 * is not NULL also acc += Y, in the same pass.  Each row of Y is computed
 * by one thread in a fixed order, so results do not depend on the thread
 * count.  Y may share X's array only where the rows Y receives are not
 * rows that A's columns read (a bipartite layer made in place).
 */
void gr_spmm(const gr_spmat *a, const float *x, float *y, float *acc, size_t d);
/* The same with acc = (acc + Y) * scale: the last layer of a propagation
 * folds the average over layers into its pass. */
void gr_spmm_scaled(const gr_spmat *a, const float *x, float *y, float *acc, float scale, size_t d);
/* gr_spmm_scaled for rows [r0, r1) of A alone, written from the first
 * row of y and acc: row r at y + (r - r0) d and acc + (r - r0) d, so that
 * a range can go to a buffer of its own (a layer made in place, by
 * sides: models/lightgcn.h).  Each row's value is the whole product's,
 * bit for bit. */
void gr_spmm_scaled_rows(const gr_spmat *a, const float *x, float *y, float *acc, float scale, size_t d, size_t r0,
                         size_t r1);

/*
 * Y = A X with X in bfloat16, sums in float: half the bytes gathered per
 * nonzero.  Rows of X are stored as gr_to_bf16_rows() writes them (groups
 * of 32 columns interleaved, so that a load widens with two bit
 * operations).  acc = (acc + Y) * scale; Y itself goes only to yb, in the
 * same bfloat16 layout (yb may be NULL).  d must be 32, 64 or 128
 * (gr_spmm_bf16_ok).  The same result for any thread count.
 */
void gr_spmm_bf16(const gr_spmat *a, const uint16_t *xb, uint16_t *yb, float *acc, float scale, size_t d);
/* gr_spmm_bf16 for rows [r0, r1) of A alone, as gr_spmm_scaled_rows. */
void gr_spmm_bf16_rows(const gr_spmat *a, const uint16_t *xb, uint16_t *yb, float *acc, float scale, size_t d,
                       size_t r0, size_t r1);
int gr_spmm_bf16_ok(size_t d);
/* n rows of d floats to the bfloat16 layout of gr_spmm_bf16 (d a multiple
 * of 32), rounded to nearest even. */
void gr_to_bf16_rows(uint16_t *dst, const float *src, size_t n, size_t d);

#endif
