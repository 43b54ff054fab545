/*
 * Data-parallel training over MPI (docs/distributed.md).  A trainer given a
 * communicator (gr_trainer_set_comm) runs the same schedule on every rank:
 * each rank computes the gradient of its share of the step's work (users,
 * interactions, negatives), the shares are summed with collectives, and
 * every rank applies the same optimizer step, so all ranks hold the same
 * model.  The functions here exist in every build; without MPI a trainer
 * never has a communicator and they are not reached.
 *
 * A gr_dist holds the trainer's own duplicate of the caller's communicator
 * (so the library's messages never meet the caller's, and MPI errors on it
 * return codes instead of aborting) behind a pointer, so that no header
 * outside lib/dist depends on mpi.h.
 *
 * A collective returns the same status on every rank: a rank whose scratch
 * allocation (or a check of its own arguments) fails still takes part in
 * an agreement of the status (gr_dist_agree), so the others stop with its
 * error instead of waiting in an exchange it never enters.  The counts and
 * displacements of every call are made in scratch held by the gr_dist.
 */
#ifndef GR_DIST_DIST_H
#define GR_DIST_DIST_H

#include <stddef.h>
#include <stdint.h>

typedef struct gr_dist {
    int rank, size;
    void *comm;        /* MPI_Comm *: the duplicate */
    double bytes_sent; /* payload this rank has sent, summed over calls */
    int *ints;         /* 6 x size: the collectives' counts and displacements */
} gr_dist;

/* Whether this build has MPI support. */
int gr_dist_available(void);
/* A gr_dist on a duplicate of *(MPI_Comm *)comm.  Collective over comm.
 * GR_EUNSUPPORTED without MPI; GR_ESTATE when MPI is not initialised. */
int gr_dist_new(gr_dist **out, void *comm);
/* Free the duplicate (collective; nothing when MPI is already finalised). */
void gr_dist_free(gr_dist *d);

/*
 * MPI counts are int.  The copies (allgathers, all-to-alls, gathers of
 * rows) count in rows, one MPI datatype a row, so only a row of more than
 * INT_MAX values, or more than INT_MAX rows, is refused (GR_ERANGE).  The
 * reductions cannot (MPI_SUM takes predefined datatypes only): they go in
 * pieces of at most a limit of values, one collective a piece in a fixed
 * order, each value's sum the same whatever the pieces.  The limit is
 * 2^26 values; gr_dist_set_chunk sets it (0: the default) and returns the
 * previous one.  The sums into owners (gr_dist_allreduce_grad,
 * gr_dist_reduce_scatter_rows) go in rounds of at most the smaller of it
 * and 2^22 values, so their scratch is 16 MB at most, not a copy of the
 * table.  Internal, for tests that check that small pieces give the
 * same bits; not part of the public API.  Not thread-safe: set it between
 * fits.
 */
size_t gr_dist_set_chunk(size_t values);
/* The bytes one round of a sum into owners, or of a halo exchange
 * (dist/halo.h), moves at most on a rank: the round limit above, in
 * bytes (16 MB by default). */
size_t gr_dist_round_bytes(void);
/* The limits above, in values: the piece (gr_dist_set_chunk's) and the
 * round (at most the piece and 2^22). */
size_t gr_dist_chunk(void);
size_t gr_dist_round_floats(void);

/* The gr_dist of a trainer, NULL when it has none (train/trainer.c). */
struct gr_trainer;
gr_dist *gr_dist_of(const struct gr_trainer *t);

/* The share [*lo, *hi) of n work items that rank takes of size ranks:
 * contiguous, in rank order, sizes differing by at most one. */
static inline void gr_dist_share(size_t n, int rank, int size, size_t *lo, size_t *hi)
{
    *lo = n * (size_t)rank / (size_t)size;
    *hi = n * ((size_t)rank + 1) / (size_t)size;
}

/*
 * Sum a dense gradient (or any float buffer, any size) over the ranks, in
 * place.  Each element is summed by one rank, which receives the ranks'
 * values (an all-to-all) and adds them in rank order, and then copied to
 * all (allgather), so every rank gets bit-identical sums whatever
 * algorithm MPI picks and whatever the pieces (gr_dist_set_chunk).  The
 * helper every data-parallel schedule calls once its local gradient is
 * complete.  Collective.
 */
int gr_dist_allreduce_grad(gr_dist *d, float *buf, size_t n);
/* Sum doubles over the ranks, in place (losses, counts), with MPI_SUM in
 * pieces (gr_dist_set_chunk). */
int gr_dist_allreduce_sum(gr_dist *d, double *v, size_t n);
/*
 * Sum a few doubles over the ranks, in place, adding the ranks' values in
 * rank order (an allgather of the n values of every rank), so every rank
 * gets the same bits whatever MPI's reduction algorithm: for sums that
 * decide something on every rank (the validation metric picking the best
 * epoch or setting).  Sends n x 8 x (P - 1) bytes per rank.  NULL d:
 * nothing.  Collective.
 */
int gr_dist_sum_ordered(gr_dist *d, double *v, size_t n);

/*
 * Sum a row-major gradient (nrows x width) whose rank-local part is non-zero
 * only in `rows` (k unique row indices; every other row must be zero):
 * the rows are exchanged (MPI_Allgatherv of indices and values) when that
 * moves fewer bytes than a dense allreduce of the whole table, which is
 * used otherwise.  Rows are added in rank order, so every rank gets the
 * same sums.  At most INT_MAX rows in all (otherwise the dense sum).
 * Collective.
 */
int gr_dist_sum_rows(gr_dist *d, float *grad, size_t nrows, size_t width, const int32_t *rows, size_t k);

/*
 * Every rank's rows: k row ids (int32) and k x width floats from each rank,
 * concatenated in rank order into *all_ids and *all_vals (malloc'ed, the
 * caller frees them), *total rows in all.  Collective.  The sparse
 * exchange of gr_dist_sum_rows, and of the KG trainer's compact rows.
 * Counts in rows: GR_ERANGE past INT_MAX rows in all.
 */
int gr_dist_gather_rows(gr_dist *d, const int32_t *ids, const float *vals, size_t k, size_t width, int32_t **all_ids,
                        float **all_vals, size_t *total);

/*
 * Error agreement: every rank passes its status (GR_OK or an error with
 * gr_last_error() set); every rank returns the error of the lowest failing
 * rank, with that rank's message ("rank R: ..."), or GR_OK when none
 * failed.  Collective: all ranks must call it at the same point.
 */
int gr_dist_agree(gr_dist *d, int rc);

/* Whether any rank passes a non-zero flag (a stop decision); 1 when the
 * ranks cannot be asked.  Collective; 0/1 for a NULL d is the flag. */
int gr_dist_any(gr_dist *d, int flag);

/*
 * Whether every rank holds the same values (a fingerprint of a graph, of
 * settings): GR_EINVAL naming `what` and the first differing value's index
 * when they differ.  Collective.
 */
int gr_dist_check_same(gr_dist *d, const uint64_t *vals, size_t n, const char *what);

/* Fingerprint of a float buffer (for checking that ranks agree). */
uint64_t gr_dist_hash_floats(const float *x, size_t n);
/* Fingerprint of bytes, chained on h. */
uint64_t gr_dist_hash_bytes(uint64_t h, const void *p, size_t n);

/* ---- Row-sharded training (ZeRO-1): each rank owns a slice of rows ----
 *
 * A table of nrows rows of width floats is cut into contiguous slices,
 * rank r owning rows [lo, hi) of gr_dist_share(nrows, r, size).  The
 * gradient is summed over the ranks into each owner's slice only (each
 * row summed by one rank, so all ranks agree bit for bit), the owner
 * updates its rows, and the rows are copied back to every rank.  Both
 * calls count rows (any number of floats in all; GR_ERANGE past INT_MAX
 * rows, or a row past INT_MAX values).  With a NULL d (one process) they
 * are the identity. */

/* The rows [*lo, *hi) that d's rank owns of nrows (all of them for NULL). */
void gr_dist_rows(const gr_dist *d, size_t nrows, size_t *lo, size_t *hi);
/*
 * Sum buf (nrows x width, every rank's local values) over the ranks; this
 * rank's rows of the sum into own ((hi - lo) x width, not aliasing buf).
 * Each owner receives the ranks' values of its rows (all-to-alls counting
 * rows, in rounds of at most the round limit of gr_dist_set_chunk) and
 * adds them in a fixed order: its own values, then the other ranks' in
 * rank order (gr_halo_reverse's order, so that the two give the same
 * bits).  Sends (nrows - (hi - lo)) x width floats per rank.
 * NULL d: copies rows [0, nrows) unless own == buf.  Collective.
 */
int gr_dist_reduce_scatter_rows(gr_dist *d, const float *buf, float *own, size_t nrows, size_t width);
/*
 * Every rank's rows [lo, hi) of buf (nrows x width, in place) copied to
 * every rank (MPI_Allgatherv).  Sends (nrows - (hi - lo)) x width floats
 * per rank (a ring allgather).  NULL d: nothing.  Collective.
 */
int gr_dist_allgather_rows(gr_dist *d, float *buf, size_t nrows, size_t width);
/* The same for rows of row_bytes bytes (bfloat16 layers of a sharded
 * propagation). */
int gr_dist_allgather_rows_bytes(gr_dist *d, void *buf, size_t nrows, size_t row_bytes);
/* The same for rows [a, b) of the table alone: buf holds those rows (its
 * row 0 is row a) and each rank sends the rows of [a, b) that it owns of
 * the nrows (gr_dist_rows); the tables a model keeps of the users' or the
 * items' rows of the fit's n.  Sends (b - a - owned) x width floats per
 * rank. */
int gr_dist_allgather_range(gr_dist *d, float *buf, size_t nrows, size_t a, size_t b, size_t width);
int gr_dist_allgather_range_bytes(gr_dist *d, void *buf, size_t nrows, size_t a, size_t b, size_t row_bytes);
/* The two exchanges of a halo (dist/halo.h): each rank sends rows to some
 * ranks and receives rows from some.  Counts and displacements are per
 * rank, in rows of row_bytes bytes (one MPI datatype a row, so the int
 * counts are of rows, not of values).  Each counts the rows it sends to
 * other ranks as sent.  NULL d: GR_EINVAL.  Collective. */
int gr_dist_alltoall_int(gr_dist *d, const int *send, int *recv);
int gr_dist_alltoallv_rows(gr_dist *d, const void *send, const int *scounts, const int *sdispls, void *recv,
                           const int *rcounts, const int *rdispls, size_t row_bytes);
/*
 * A row-sharded table handed to rank 0 without any rank holding it whole
 * (a checkpoint's tables, train/checkpoint.c): every rank holds its rows
 * [lo, hi) of gr_dist_rows(nrows) at own, rows of row_bytes bytes.  Rank
 * 0 calls sink with its own rows, then with each other rank's rows in
 * rank order as they arrive (MPI_Send / MPI_Recv), in pieces of at most
 * gr_dist_round_bytes() (and at least one row), so sink sees the table's
 * rows in order and rank 0 holds one piece besides its own rows.  The
 * other ranks send and never call sink.  GR_ERANGE for a row of more than
 * INT_MAX bytes.  NULL d: sink(own, nrows).  Collective; the status is
 * agreed.
 */
typedef void (*gr_dist_rows_sink)(void *ctx, const void *rows, size_t count);
int gr_dist_rows_to_root(gr_dist *d, const void *own, size_t nrows, size_t row_bytes, gr_dist_rows_sink sink,
                         void *ctx);
/*
 * The converse, for a table rank 0 reads: source, called on rank 0 alone,
 * reads the table's next `count` rows (in order) into rows and returns its
 * status.  Rank 0 reads its own rows [lo, hi) of gr_dist_rows(nrows)
 * straight into own, then each other rank's rows in rank order, a piece of
 * at most gr_dist_round_bytes() at a time, into one buffer, and sends
 * them; that rank receives them at own.  No rank holds the whole table.
 * A failed read is rank 0's status; the pieces after it are sent all the
 * same (unread).  NULL d: source reads every row into own.  Collective;
 * the status is agreed.
 */
typedef int (*gr_dist_rows_source)(void *ctx, void *rows, size_t count);
int gr_dist_rows_from_root(gr_dist *d, void *own, size_t nrows, size_t row_bytes, gr_dist_rows_source source,
                           void *ctx);
/* Rank 0's n bytes at buf copied into every rank's buf (MPI_Bcast in
 * pieces of gr_dist_chunk() bytes).  NULL d: nothing.  Collective; the
 * status is agreed. */
int gr_dist_bcast_bytes(gr_dist *d, void *buf, size_t n);
/* ---- end of row-sharded training ---- */

/* ---- distributed loading (lib/graph/load_dist.c) ----------------------
 * Each rank reads its own byte range of an input file and the parsed
 * edges are exchanged (docs/distributed.md, "Loading").  Collective. */

/* The sum of v over the ranks before this one (0 on rank 0). */
int gr_dist_exscan_u64(gr_dist *d, uint64_t v, uint64_t *before);
/* Every rank's v, in rank order, into all[0 .. size). */
int gr_dist_allgather_u64(gr_dist *d, uint64_t v, uint64_t *all);
/*
 * Concatenate every rank's bytes in rank order: rank r contributes
 * counts[r] bytes (mine on this rank), all receives their sum.  Any size:
 * each rank's bytes go out in broadcasts of at most the limit of
 * gr_dist_set_chunk (MPI counts are int).
 */
int gr_dist_allgather_bytes(gr_dist *d, const void *mine, void *all, const uint64_t *counts);

/* ---- The graph filters and EASE (docs/distributed.md): each rank takes
 * a share of the users' rows of R, and the item-side sums and the rows of
 * an items x items matrix are exchanged with these. ---- */

/*
 * Sum doubles whose sums are exact in any order (integer counts below
 * 2^53: item degrees, co-occurrence counts), in place, in pieces of at
 * most the limit of gr_dist_set_chunk values, so every rank gets the same
 * bits.  Collective.
 */
int gr_dist_sum_exact(gr_dist *d, double *v, size_t n);

/*
 * The rows [*lo, *hi) of an nrows-row matrix that rank computes: whole
 * blocks of `align` rows (the last one short), shared with gr_dist_share,
 * so that a row's arithmetic (blocked by `align`) is the one process's.
 */
static inline void gr_dist_share_rows(size_t nrows, size_t align, int rank, int size, size_t *lo, size_t *hi)
{
    size_t blocks = (nrows + align - 1) / align;
    gr_dist_share(blocks, rank, size, lo, hi);
    *lo = *lo * align < nrows ? *lo * align : nrows;
    *hi = *hi * align < nrows ? *hi * align : nrows;
}

/*
 * Every rank has computed its rows (gr_dist_share_rows(nrows, align)) of
 * a row-major nrows x width matrix in buf; after the call every rank holds
 * all the rows, copied, so the ranks agree bit for bit.  Each rank sends
 * its rows to the P - 1 others.  Collective.
 */
int gr_dist_gather_shares(gr_dist *d, float *buf, size_t nrows, size_t width, size_t align);
/* ---- end of the filters' block ---- */

#endif
