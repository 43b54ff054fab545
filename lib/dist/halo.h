/*
 * Halo exchange for a matrix split by destination rows over the ranks
 * (docs/distributed.md, "Halo exchange").  Rank r owns rows [lo, hi) of
 * gr_dist_share(nrows, r, P) and holds those rows of a sparse matrix whose
 * columns are global; a product with that matrix reads, besides the own
 * rows of the dense operand, the remote rows its columns name: the halo.
 * The plan lists them, grouped by owner, and the local layout stores a
 * dense operand as own + halo rows only, in ascending global order:
 *
 *   [halo rows of ranks < r][own rows lo .. hi - 1][halo rows of ranks > r]
 *
 * so a column's local index grows with its global one and a row's
 * nonzeros keep their order (a product with the localised matrix adds in
 * the order the global one does: the same bits).
 *
 * Forward: the owners send the halo rows (MPI_Alltoallv), every rank its
 * own rows that others read.  Reverse (the transpose's products): each
 * rank's partial sums for its halo rows go back to their owners, which
 * add them into their rows in rank order, so the result does not depend
 * on MPI's timing.  Every exchange is collective and runs on the main
 * thread, between OpenMP regions.  Both go in rounds of slices of the
 * owners' ranges (halo_exchange.c), so that a rank's exchange buffer holds
 * at most gr_dist_round_bytes() (16 MB) rather than every row it sends or
 * receives; a row's partial sums all arrive in one round, so the rounds
 * change no bit.
 */
#ifndef GR_DIST_HALO_H
#define GR_DIST_HALO_H

#include <stddef.h>
#include <stdint.h>

#include "dist/dist.h"
#include "kernels/spmm.h"

typedef struct gr_halo {
    gr_dist *dist;         /* NULL: one process, no halo */
    size_t nrows, lo, hi;  /* global rows; the own rows [lo, hi) */
    size_t before;         /* halo rows of lower ranks: own row lo is local row `before` */
    size_t n_halo;         /* halo rows in all */
    int32_t *halo;         /* their global ids, ascending */
    int *recv_counts;      /* per rank: its rows in the halo */
    int *recv_displs;      /* per rank: where they lie in the local layout */
    int *halo_displs;      /* per rank: where they lie in `halo` */
    int *send_counts;      /* per rank: own rows it reads */
    int *send_displs;      /* per rank: where they lie in send_rows */
    int32_t *send_rows;    /* own rows others read (row - lo), grouped by rank, ascending in each */
    size_t n_send;
    void *buf;             /* a round's packing buffer, grown on demand */
    size_t buf_bytes;
} gr_halo;

/* Rows of the local layout: own + halo. */
static inline size_t gr_halo_local_rows(const gr_halo *h) { return h->hi - h->lo + h->n_halo; }

/*
 * The plan of a rank holding rows [lo, hi) of nrows (a->n == hi - lo,
 * columns global < nrows): the remote columns of a, grouped by owner, and
 * what each owner sends whom (the ranks exchange their requests).  NULL
 * d: one process, no halo.  Collective; errors are agreed over the ranks
 * (gr_dist_agree), so every rank returns the same status.
 */
int gr_halo_plan(gr_halo *h, gr_dist *d, const gr_spmat *a, size_t nrows);
/*
 * The plan of the rows a rank reads, named by the bitmap want (bit r of
 * word r / 64 for row r < nrows; own rows may be set and are not halo):
 * the same plan and layout for a dense operand read row by row.  NULL d:
 * one process, no halo.  Collective; the status is agreed.
 */
int gr_halo_plan_rows(gr_halo *h, gr_dist *d, const uint64_t *want, size_t nrows);
void gr_halo_free(gr_halo *h);
/* The local row of global row `row`, which must be own or halo. */
size_t gr_halo_local(const gr_halo *h, size_t row);
/* Rewrite a's columns (global) to the local layout of h (a must be the
 * matrix the plan was made from), and its column blocks for the local
 * operand's span.  Not collective. */
int gr_halo_localize(const gr_halo *h, gr_spmat *a);

/*
 * x: the local layout, rows of row_bytes bytes (floats, bfloat16 rows)
 * whose own rows are set: fills its halo rows with their owners' rows.
 * Each rank sends n_send rows.  Collective.
 */
int gr_halo_forward(gr_halo *h, void *x, size_t row_bytes);
/*
 * x: the local layout, rows of width floats: own rows hold this rank's
 * partial sums, halo rows its partial sums for remote rows.  Every owner
 * adds the sums the ranks computed for its rows into its own rows, in
 * rank order (the reverse of gr_halo_forward; halo rows are left as they
 * were).  Each rank sends n_halo rows.  Collective.
 */
int gr_halo_reverse(gr_halo *h, float *x, size_t width);

#endif
