/* The collectives of data-parallel training, over MPI (dist.h). */
#include "dist/dist.h"

#include <limits.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/threads.h"

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

int gr_dist_available(void) { return 1; }

static MPI_Comm comm_of(const gr_dist *d) { return *(MPI_Comm *)d->comm; }

static int mpi_fail(int mrc, const char *what)
{
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(mrc, text, &len) != MPI_SUCCESS) snprintf(text, sizeof text, "MPI error %d", mrc);
    return gr_err(GR_EIO, "%s: %s", what, text);
}

/* The first rank of c without ok (size when all have it; -1 when the
 * agreement itself fails). */
static int first_failed(MPI_Comm c, int ok, int rank, int size)
{
    int mine = ok ? size : rank, first = -1;
    return MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, c) == MPI_SUCCESS ? first : -1;
}

int gr_dist_new(gr_dist **out, void *comm)
{
    *out = NULL;
    int init = 0, fin = 0;
    MPI_Initialized(&init);
    MPI_Finalized(&fin);
    if (!init || fin) return gr_err(GR_ESTATE, "gr_trainer_set_comm: MPI is not initialised (call MPI_Init first)");
    MPI_Comm dup;
    int mrc = MPI_Comm_dup(*(MPI_Comm *)comm, &dup);
    if (mrc != MPI_SUCCESS) return mpi_fail(mrc, "gr_trainer_set_comm: MPI_Comm_dup");
    /* errors on the library's communicator come back as codes: the
     * library never aborts the caller's process */
    MPI_Comm_set_errhandler(dup, MPI_ERRORS_RETURN);
    int size = 1;
    MPI_Comm_size(dup, &size);
    gr_dist *d = gr_zalloc(1, sizeof *d);
    MPI_Comm *c = gr_alloc(1, sizeof *c);
    int *ints = gr_alloc(6 * (size_t)size, sizeof *ints);
    int rank = 0;
    MPI_Comm_rank(dup, &rank);
    /* allocated after the duplicate (collective), agreed before it is used */
    int first = first_failed(dup, d && c && ints, rank, size);
    if (first != size) {
        free(d);
        free(c);
        free(ints);
        MPI_Comm_free(&dup);
        if (first < 0) return gr_err(GR_EIO, "gr_trainer_set_comm: agreeing on the ranks' status failed");
        return gr_err(GR_ENOMEM, "gr_trainer_set_comm: rank %d of %d ran out of memory", first, size);
    }
    *c = dup;
    d->rank = rank;
    d->size = size;
    d->comm = c;
    d->ints = ints;
    *out = d;
    return GR_OK;
}

void gr_dist_free(gr_dist *d)
{
    if (!d) return;
    int fin = 0;
    MPI_Finalized(&fin);
    if (!fin) MPI_Comm_free((MPI_Comm *)d->comm);
    free(d->comm);
    free(d->ints);
    free(d);
}

/* A collective's scratch, allocated by each rank: GR_OK on every rank when
 * every rank has it (p not NULL), else the first failed rank's error on
 * every rank, so that none waits in an exchange another never enters. */
static int agree_scratch(gr_dist *d, const void *p) { return gr_dist_agree(d, p ? GR_OK : GR_ENOMEM); }

/* out[j] = the P ranks' values of element j, from in[r x stride + j]
 * (rank r's values, as an all-to-all delivers them), j < m, added from
 * rank first's, then the others' in rank order (first 0: rank order; an
 * owner's own first: gr_halo_reverse's order).  The sum of one element has
 * one order whatever the pieces, the algorithm of MPI or the thread that
 * adds it up. */
static void add_from(float *out, const float *in, int P, int first, size_t m, size_t stride)
{
#pragma omp parallel for schedule(static) if (m > ((size_t)1 << 16)) num_threads(gr_threads())
    for (size_t j = 0; j < m; j++) {
        float sum = in[(size_t)first * stride + j];
        for (int r = 0; r < P; r++)
            if (r != first) sum += in[(size_t)r * stride + j];
        out[j] = sum;
    }
}

/* Sum n floats (n a multiple of size, n / size <= INT_MAX): rank r
 * receives every rank's r-th part (an all-to-all), adds it up in rank
 * order and the parts are copied to all (allgather), so all ranks agree
 * bit for bit.  tmp holds n floats. */
static int sum_block(gr_dist *d, float *buf, size_t n, float *tmp)
{
    MPI_Comm c = comm_of(d);
    const size_t per = n / (size_t)d->size;
    int mrc = MPI_Alltoall(buf, (int)per, MPI_FLOAT, tmp, (int)per, MPI_FLOAT, c);
    if (mrc == MPI_SUCCESS) {
        add_from(buf + (size_t)d->rank * per, tmp, d->size, 0, per, per);
        mrc = MPI_Allgather(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, buf, (int)per, MPI_FLOAT, c);
    }
    d->bytes_sent += 2.0 * (double)(n - per) * sizeof(float);
    return mrc == MPI_SUCCESS ? GR_OK : mpi_fail(mrc, "summing a gradient over the ranks");
}

int gr_dist_allreduce_grad(gr_dist *d, float *buf, size_t n)
{
    if (!d || d->size == 1 || n == 0) return GR_OK;
    const size_t P = (size_t)d->size, round = gr_dist_round_floats(), block = round < P ? P : round / P * P;
    size_t main = n / P * P;
    size_t tmp_n = min_size(main, block);
    float *tmp = gr_alloc_floats(tmp_n + 1 + 2 * P);
    int rc = agree_scratch(d, tmp);
    for (size_t at = 0; at < main && rc == GR_OK; at += block)
        rc = sum_block(d, buf + at, main - at < block ? main - at : block, tmp);
    /* the tail (fewer than size elements), padded to one element per rank */
    if (rc == GR_OK && main < n) {
        float *pad = tmp + tmp_n + 1 + P;
        memset(pad, 0, P * sizeof *pad);
        memcpy(pad, buf + main, (n - main) * sizeof *pad);
        rc = sum_block(d, pad, P, pad - P);
        memcpy(buf + main, pad, (n - main) * sizeof *pad);
    }
    free(tmp);
    return rc;
}

/* MPI_SUM of doubles in place, in pieces of at most gr_dist_chunk();
 * `what` names the sum in an error. */
static int sum_doubles(gr_dist *d, double *v, size_t n, const char *what)
{
    if (!d || d->size == 1 || n == 0) return GR_OK;
    const size_t piece = gr_dist_chunk();
    for (size_t at = 0; at < n; at += piece) {
        int part = (int)min_size(n - at, piece);
        int mrc = MPI_Allreduce(MPI_IN_PLACE, v + at, part, MPI_DOUBLE, MPI_SUM, comm_of(d));
        d->bytes_sent += (double)part * sizeof *v;
        if (mrc != MPI_SUCCESS) return mpi_fail(mrc, what);
    }
    return GR_OK;
}

int gr_dist_allreduce_sum(gr_dist *d, double *v, size_t n) { return sum_doubles(d, v, n, "summing over the ranks"); }

int gr_dist_sum_ordered(gr_dist *d, double *v, size_t n)
{
    if (!d || d->size == 1 || n == 0) return GR_OK;
    const size_t piece = min_size(n, gr_dist_chunk());
    double *all = gr_alloc((size_t)d->size * piece, sizeof *all);
    int rc = agree_scratch(d, all);
    if (rc != GR_OK) {
        free(all);
        return rc;
    }
    int mrc = MPI_SUCCESS;
    for (size_t at = 0; at < n && mrc == MPI_SUCCESS; at += piece) {
        const size_t m = min_size(n - at, piece);
        mrc = MPI_Allgather(v + at, (int)m, MPI_DOUBLE, all, (int)m, MPI_DOUBLE, comm_of(d));
        d->bytes_sent += (double)m * sizeof *v * (double)(d->size - 1);
        if (mrc == MPI_SUCCESS)
            for (size_t j = 0; j < m; j++) {
                double sum = 0.0;
                for (int r = 0; r < d->size; r++) sum += all[(size_t)r * m + j];
                v[at + j] = sum;
            }
    }
    free(all);
    return mrc == MPI_SUCCESS ? GR_OK : mpi_fail(mrc, "summing over the ranks");
}

/* A committed datatype of n values of type t (n <= INT_MAX): one row. */
static int row_type(size_t n, MPI_Datatype t, MPI_Datatype *row)
{
    int mrc = MPI_Type_contiguous((int)n, t, row);
    if (mrc == MPI_SUCCESS) mrc = MPI_Type_commit(row);
    return mrc;
}

/* Row counts of every rank into counts, and *total.  A rank of more than
 * INT_MAX rows sends -1: every rank refuses the exchange. */
static int row_counts(gr_dist *d, size_t k, int *counts, size_t *total)
{
    int mine = k > INT_MAX ? -1 : (int)k;
    int mrc = MPI_Allgather(&mine, 1, MPI_INT, counts, 1, MPI_INT, comm_of(d));
    if (mrc != MPI_SUCCESS) return mpi_fail(mrc, "exchanging gradient row counts");
    *total = 0;
    for (int r = 0; r < d->size; r++) {
        if (counts[r] < 0) return gr_err(GR_ERANGE, "more than %d gradient rows on rank %d", INT_MAX, r);
        *total += (size_t)counts[r];
    }
    return GR_OK;
}

/* Gather with known counts (indices, then values), in rank order. */
static int gather_counted(gr_dist *d, const int32_t *ids, const float *vals, size_t k, size_t width, const int *counts,
                          size_t total, int32_t *all_ids, float *all_vals)
{
    const int P = d->size;
    /* counts and displacements are of rows (one datatype a row of width
     * floats): only the number of rows is bounded */
    if (total > INT_MAX) return gr_err(GR_ERANGE, "%zu gradient rows in one exchange: at most %d", total, INT_MAX);
    if (width == 0 || width > INT_MAX) return gr_err(GR_ERANGE, "gradient rows of %zu floats", width);
    /* counts are the first size ints of d's scratch */
    int *displ = d->ints + P, at = 0;
    for (int r = 0; r < P; r++) {
        displ[r] = at;
        at += counts[r];
    }
    MPI_Comm c = comm_of(d);
    int mrc = MPI_Allgatherv(ids, (int)k, MPI_INT32_T, all_ids, counts, displ, MPI_INT32_T, c);
    MPI_Datatype row;
    if (mrc == MPI_SUCCESS) mrc = row_type(width, MPI_FLOAT, &row);
    if (mrc == MPI_SUCCESS) {
        mrc = MPI_Allgatherv(vals, (int)k, row, all_vals, counts, displ, row, c);
        MPI_Type_free(&row);
    }
    d->bytes_sent += (double)k * (sizeof(int32_t) + width * sizeof(float)) * (P - 1);
    return mrc == MPI_SUCCESS ? GR_OK : mpi_fail(mrc, "exchanging gradient rows");
}

int gr_dist_gather_rows(gr_dist *d, const int32_t *ids, const float *vals, size_t k, size_t width, int32_t **all_ids,
                        float **all_vals, size_t *total)
{
    *all_ids = NULL;
    *all_vals = NULL;
    *total = 0;
    if (!d) return gr_err(GR_EINVAL, "gr_dist_gather_rows: no communicator");
    int rc = row_counts(d, k, d->ints, total);
    if (rc == GR_OK) {
        *all_ids = gr_alloc(*total + 1, sizeof **all_ids);
        *all_vals = *all_ids ? gr_alloc_floats(*total * width + 1) : NULL;
        rc = agree_scratch(d, *all_vals);
    }
    if (rc == GR_OK) rc = gather_counted(d, ids, vals, k, width, d->ints, *total, *all_ids, *all_vals);
    if (rc != GR_OK) {
        free(*all_ids);
        free(*all_vals);
        *all_ids = NULL;
        *all_vals = NULL;
        *total = 0;
    }
    return rc;
}

/* The sparse sum: every rank's rows added in rank order into grad, whose
 * local rows are zeroed first. */
static int exchange_rows(gr_dist *d, float *grad, size_t width, const int32_t *rows, size_t k, const int *counts,
                         size_t total)
{
    int32_t *all_rows = gr_alloc(total + 1, sizeof *all_rows);
    float *all_vals = all_rows ? gr_alloc_floats(total * width + 1) : NULL;
    float *mine = all_vals ? gr_alloc_floats(k * width + 1) : NULL;
    int rc = agree_scratch(d, mine);
    if (rc == GR_OK) {
        for (size_t q = 0; q < k; q++) memcpy(mine + q * width, grad + (size_t)rows[q] * width, width * sizeof *mine);
        rc = gather_counted(d, rows, mine, k, width, counts, total, all_rows, all_vals);
    }
    if (rc == GR_OK) {
        for (size_t q = 0; q < k; q++) memset(grad + (size_t)rows[q] * width, 0, width * sizeof *grad);
        for (size_t q = 0; q < total; q++) {
            float *dst = grad + (size_t)all_rows[q] * width;
            const float *src = all_vals + q * width;
            for (size_t j = 0; j < width; j++) dst[j] += src[j];
        }
    }
    free(all_rows);
    free(all_vals);
    free(mine);
    return rc;
}

int gr_dist_sum_rows(gr_dist *d, float *grad, size_t nrows, size_t width, const int32_t *rows, size_t k)
{
    if (!d || d->size == 1) return GR_OK;
    const int P = d->size;
    int *counts = d->ints;
    size_t total = 0;
    int rc = row_counts(d, k, counts, &total);
    /* every rank receives all rows, sparse; a dense reduce-scatter plus
     * allgather moves 2 (P - 1) / P of the table through each rank */
    double sparse = (double)total * (double)(width + 1), dense = 2.0 * (double)nrows * (double)width * (P - 1) / P;
    if (rc == GR_OK)
        rc = sparse < dense && total <= INT_MAX ? exchange_rows(d, grad, width, rows, k, counts, total)
                                                : gr_dist_allreduce_grad(d, grad, nrows * width);
    return rc;
}

int gr_dist_agree(gr_dist *d, int rc)
{
    if (!d || d->size == 1) return rc;
    MPI_Comm c = comm_of(d);
    int mine = rc != GR_OK ? d->rank : d->size, first = d->size;
    if (MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, c) != MPI_SUCCESS)
        return gr_err(GR_EIO, "agreeing on the ranks' status failed");
    if (first == d->size) return GR_OK;
    struct {
        int code;
        char msg[960];
    } m;
    memset(&m, 0, sizeof m);
    if (d->rank == first) {
        m.code = rc;
        snprintf(m.msg, sizeof m.msg, "%s", gr_last_error());
    }
    if (MPI_Bcast(&m, (int)sizeof m, MPI_BYTE, first, c) != MPI_SUCCESS)
        return gr_err(GR_EIO, "rank %d failed; its message could not be sent", first);
    m.msg[sizeof m.msg - 1] = '\0';
    return gr_err(m.code, "rank %d of %d: %s", first, d->size, m.msg);
}

int gr_dist_check_same(gr_dist *d, const uint64_t *vals, size_t n, const char *what)
{
    if (!d || d->size == 1 || n == 0) return GR_OK;
    uint64_t *lo = gr_alloc(2 * n, sizeof *lo);
    int rc = agree_scratch(d, lo);
    if (rc != GR_OK) {
        free(lo);
        return rc;
    }
    uint64_t *hi = lo + n;
    MPI_Comm c = comm_of(d);
    int mrc = MPI_SUCCESS;
    const size_t piece = gr_dist_chunk();
    for (size_t at = 0; at < n && mrc == MPI_SUCCESS; at += piece) {
        int part = (int)min_size(n - at, piece);
        mrc = MPI_Allreduce(vals + at, lo + at, part, MPI_UINT64_T, MPI_MIN, c);
        if (mrc == MPI_SUCCESS) mrc = MPI_Allreduce(vals + at, hi + at, part, MPI_UINT64_T, MPI_MAX, c);
    }
    rc = mrc == MPI_SUCCESS ? GR_OK : mpi_fail(mrc, "comparing the ranks' inputs");
    for (size_t q = 0; q < n && rc == GR_OK; q++)
        if (lo[q] != hi[q])
            rc = gr_err(GR_EINVAL, "the ranks were given different %s (value %zu differs): every rank must pass the same",
                        what, q);
    free(lo);
    return rc;
}

int gr_dist_any(gr_dist *d, int flag)
{
    if (!d || d->size == 1) return flag != 0;
    int mine = flag != 0, any = 1;
    if (MPI_Allreduce(&mine, &any, 1, MPI_INT, MPI_MAX, comm_of(d)) != MPI_SUCCESS) return 1;
    return any;
}

/* ---- Row-sharded training (dist.h) ---- */

void gr_dist_rows(const gr_dist *d, size_t nrows, size_t *lo, size_t *hi)
{
    if (!d) {
        *lo = 0;
        *hi = nrows;
        return;
    }
    gr_dist_share(nrows, d->rank, d->size, lo, hi);
}

/* The slices of rows [a, b) of an nrows-row table that the ranks own
 * (gr_dist_share) as counts and displacements in rows from row a (2 x
 * size ints in v); GR_ERANGE past MPI's int counts of rows. */
static int range_slices(const gr_dist *d, size_t nrows, size_t a, size_t b, int *v)
{
    if (b - a > INT_MAX)
        return gr_err(GR_ERANGE, "a table of %zu rows: at most %d rows in one exchange", b - a, INT_MAX);
    for (int r = 0; r < d->size; r++) {
        size_t lo, hi;
        gr_dist_share(nrows, r, d->size, &lo, &hi);
        lo = lo < a ? a : lo > b ? b : lo;
        hi = hi < lo ? lo : hi > b ? b : hi;
        v[r] = (int)(hi - lo);
        v[d->size + r] = (int)(lo - a);
    }
    return GR_OK;
}

/* Every rank's slice of nrows rows. */
static int row_slices(const gr_dist *d, size_t nrows, int *v) { return range_slices(d, nrows, 0, nrows, v); }

/*
 * The reduce-scatter of gr_dist_reduce_scatter_rows in rounds of at most
 * `per` rows of every slice: in round i every rank sends rows [lo + i per,
 * ...) of each rank's slice to that rank (an all-to-all counting rows),
 * and the owner adds the P copies up into own, its own first, then the
 * others' in rank order: the order gr_halo_reverse adds in, so that an
 * exchange of only the rows a rank has computed gives the same bits.  v: the
 * slices (row_slices), then 4 x size ints of room; tmp: P x per x width
 * floats.
 */
static int reduce_scatter_rounds(gr_dist *d, const float *buf, float *own, size_t width, int *v, size_t per,
                                 MPI_Datatype row, float *tmp)
{
    const int P = d->size;
    int *counts = v, *displs = v + P, *sc = v + 2 * P, *sd = v + 3 * P, *rcounts = v + 4 * P, *rd = v + 5 * P;
    size_t slice = 0;
    for (int r = 0; r < P; r++) slice = counts[r] > (int)slice ? (size_t)counts[r] : slice;
    int mrc = MPI_SUCCESS;
    for (size_t at = 0; at < slice && mrc == MPI_SUCCESS; at += per) {
        for (int r = 0; r < P; r++) {
            size_t n = (size_t)counts[r] > at ? min_size((size_t)counts[r] - at, per) : 0;
            sc[r] = (int)n;
            sd[r] = displs[r] + (int)(n ? at : 0);
        }
        const int m = sc[d->rank];
        for (int r = 0; r < P; r++) rcounts[r] = m, rd[r] = r * m;
        mrc = MPI_Alltoallv(buf, sc, sd, row, tmp, rcounts, rd, row, comm_of(d));
        if (mrc == MPI_SUCCESS && m > 0)
            add_from(own + at * width, tmp, P, d->rank, (size_t)m * width, (size_t)m * width);
    }
    return mrc;
}

int gr_dist_reduce_scatter_rows(gr_dist *d, const float *buf, float *own, size_t nrows, size_t width)
{
    size_t lo, hi;
    gr_dist_rows(d, nrows, &lo, &hi);
    if (!d || d->size == 1) {
        if (own != buf && hi > lo) memcpy(own, buf + lo * width, (hi - lo) * width * sizeof *own);
        return GR_OK;
    }
    if (nrows == 0 || width == 0) return GR_OK;
    if (width > INT_MAX) return gr_err(GR_ERANGE, "rows of %zu floats: at most %d", width, INT_MAX);
    const size_t P = (size_t)d->size;
    /* rows of every slice a round: at most gr_dist_round_floats() arrive per round */
    size_t per = gr_dist_round_floats() / width / P;
    per = per < 1 ? 1 : per;
    int *v = d->ints;
    float *tmp = gr_alloc_floats(P * min_size(per, nrows / P + 1) * width);
    int rc = agree_scratch(d, tmp);
    if (rc == GR_OK) rc = row_slices(d, nrows, v);
    MPI_Datatype row;
    int mrc = rc == GR_OK ? row_type(width, MPI_FLOAT, &row) : MPI_SUCCESS;
    if (rc == GR_OK && mrc == MPI_SUCCESS) {
        mrc = reduce_scatter_rounds(d, buf, own, width, v, min_size(per, nrows / P + 1), row, tmp);
        MPI_Type_free(&row);
        d->bytes_sent += (double)(nrows - (hi - lo)) * (double)width * sizeof(float);
    }
    if (rc == GR_OK && mrc != MPI_SUCCESS) rc = mpi_fail(mrc, "summing a gradient into its owners' rows");
    free(tmp);
    return rc;
}

int gr_dist_allgather_range_bytes(gr_dist *d, void *buf, size_t nrows, size_t a, size_t b, size_t row_bytes)
{
    if (!d || d->size == 1 || b <= a || row_bytes == 0) return GR_OK;
    if (row_bytes > INT_MAX) return gr_err(GR_ERANGE, "rows of %zu bytes: at most %d", row_bytes, INT_MAX);
    int *v = d->ints;
    int rc = range_slices(d, nrows, a, b, v);
    if (rc == GR_OK) {
        /* one element = one row: the counts are of rows whatever the width */
        MPI_Datatype row;
        int mrc = row_type(row_bytes, MPI_BYTE, &row);
        if (mrc == MPI_SUCCESS) {
            mrc = MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, buf, v, v + d->size, row, comm_of(d));
            MPI_Type_free(&row);
        }
        d->bytes_sent += (double)(b - a - (size_t)v[d->rank]) * (double)row_bytes;
        if (mrc != MPI_SUCCESS) rc = mpi_fail(mrc, "copying the owners' rows to every rank");
    }
    return rc;
}

int gr_dist_allgather_rows_bytes(gr_dist *d, void *buf, size_t nrows, size_t row_bytes)
{
    return gr_dist_allgather_range_bytes(d, buf, nrows, 0, nrows, row_bytes);
}

int gr_dist_allgather_rows(gr_dist *d, float *buf, size_t nrows, size_t width)
{
    return gr_dist_allgather_rows_bytes(d, buf, nrows, width * sizeof *buf);
}

int gr_dist_allgather_range(gr_dist *d, float *buf, size_t nrows, size_t a, size_t b, size_t width)
{
    return gr_dist_allgather_range_bytes(d, buf, nrows, a, b, width * sizeof *buf);
}

/* The tag of the rows gr_dist_rows_to_root and gr_dist_rows_from_root
 * send (the library's communicator carries no other point-to-point
 * traffic). */
#define ROWS_TAG 0x4752

/* Rank 0's side: its own rows, then every other rank's rows, a piece of
 * at most `per` rows at a time through buf. */
static int rows_into_sink(gr_dist *d, const void *own, size_t nrows, size_t row_bytes, size_t per, void *buf,
                          gr_dist_rows_sink sink, void *ctx)
{
    size_t lo, hi;
    gr_dist_rows(d, nrows, &lo, &hi);
    if (hi > lo) sink(ctx, own, hi - lo);
    int rc = GR_OK;
    for (int r = 1; r < d->size; r++) {
        gr_dist_share(nrows, r, d->size, &lo, &hi);
        for (size_t a = lo; a < hi; a += per) {
            size_t count = min_size(per, hi - a);
            int mrc = MPI_Recv(buf, (int)(count * row_bytes), MPI_BYTE, r, ROWS_TAG, comm_of(d),
                               MPI_STATUS_IGNORE);
            /* the pieces still to come are received either way: their
             * senders do not wait on rank 0's sink */
            if (mrc != MPI_SUCCESS && rc == GR_OK) rc = mpi_fail(mrc, "receiving a table's rows");
            if (rc == GR_OK) sink(ctx, buf, count);
        }
    }
    return rc;
}

/* Another rank's side: its rows to rank 0 in the pieces rank 0 receives. */
static int rows_to_root(gr_dist *d, const void *own, size_t nrows, size_t row_bytes, size_t per)
{
    size_t lo, hi;
    gr_dist_rows(d, nrows, &lo, &hi);
    for (size_t a = lo; a < hi; a += per) {
        size_t count = min_size(per, hi - a);
        const char *rows = (const char *)own + (a - lo) * row_bytes;
        int mrc = MPI_Send(rows, (int)(count * row_bytes), MPI_BYTE, 0, ROWS_TAG, comm_of(d));
        if (mrc != MPI_SUCCESS) return mpi_fail(mrc, "sending a table's rows");
        d->bytes_sent += (double)(count * row_bytes);
    }
    return GR_OK;
}

/* The rows of a piece: at most the round limit, at least one row. */
static size_t piece_rows(size_t row_bytes)
{
    size_t per = row_bytes ? gr_dist_round_bytes() / row_bytes : 1;
    return per ? per : 1;
}

/* GR_ERANGE for rows of more bytes than one message counts. */
static int check_row_bytes(size_t row_bytes)
{
    return row_bytes > INT_MAX ? gr_err(GR_ERANGE, "a table's rows of %zu bytes", row_bytes) : GR_OK;
}

/* The rows of a piece and rank 0's buffer of one piece.  Agreed. */
static int piece_setup(gr_dist *d, size_t row_bytes, size_t *per, void **buf)
{
    *buf = NULL;
    int rc = check_row_bytes(row_bytes);
    *per = piece_rows(row_bytes);
    if (rc == GR_OK && d->rank == 0) {
        *buf = malloc(*per * row_bytes + 1);
        if (!*buf) rc = gr_err(GR_ENOMEM, "out of memory exchanging a table's rows");
    }
    return gr_dist_agree(d, rc);
}

int gr_dist_rows_to_root(gr_dist *d, const void *own, size_t nrows, size_t row_bytes, gr_dist_rows_sink sink,
                         void *ctx)
{
    if (!d || d->size == 1) {
        if (nrows) sink(ctx, own, nrows);
        return GR_OK;
    }
    size_t per;
    void *buf;
    int rc = piece_setup(d, row_bytes, &per, &buf);
    if (rc == GR_OK)
        rc = d->rank == 0 ? rows_into_sink(d, own, nrows, row_bytes, per, buf, sink, ctx)
                          : rows_to_root(d, own, nrows, row_bytes, per);
    free(buf);
    return gr_dist_agree(d, rc);
}

/* Rank 0's side of gr_dist_rows_from_root: its own rows read in place,
 * then every other rank's rows, a piece at a time, read into buf and
 * sent. */
static int rows_from_source(gr_dist *d, void *own, size_t nrows, size_t row_bytes, size_t per, void *buf,
                            gr_dist_rows_source source, void *ctx)
{
    size_t lo, hi;
    gr_dist_rows(d, nrows, &lo, &hi);
    int rc = hi > lo ? source(ctx, own, hi - lo) : GR_OK;
    for (int r = 1; r < d->size; r++) {
        gr_dist_share(nrows, r, d->size, &lo, &hi);
        for (size_t a = lo; a < hi; a += per) {
            size_t count = min_size(per, hi - a);
            /* the pieces still to go are sent either way, read or not:
             * their receivers wait for every one */
            if (rc == GR_OK) rc = source(ctx, buf, count);
            int mrc = MPI_Send(buf, (int)(count * row_bytes), MPI_BYTE, r, ROWS_TAG, comm_of(d));
            if (mrc != MPI_SUCCESS && rc == GR_OK) rc = mpi_fail(mrc, "sending a table's rows");
            d->bytes_sent += (double)(count * row_bytes);
        }
    }
    return rc;
}

/* Another rank's side: its rows from rank 0, in the pieces rank 0 sends. */
static int rows_from_root(gr_dist *d, void *own, size_t nrows, size_t row_bytes, size_t per)
{
    size_t lo, hi;
    gr_dist_rows(d, nrows, &lo, &hi);
    for (size_t a = lo; a < hi; a += per) {
        size_t count = min_size(per, hi - a);
        char *rows = (char *)own + (a - lo) * row_bytes;
        int mrc = MPI_Recv(rows, (int)(count * row_bytes), MPI_BYTE, 0, ROWS_TAG, comm_of(d),
                           MPI_STATUS_IGNORE);
        if (mrc != MPI_SUCCESS) return mpi_fail(mrc, "receiving a table's rows");
    }
    return GR_OK;
}

int gr_dist_rows_from_root(gr_dist *d, void *own, size_t nrows, size_t row_bytes, gr_dist_rows_source source,
                           void *ctx)
{
    if (!d || d->size == 1) return gr_dist_agree(d, nrows ? source(ctx, own, nrows) : GR_OK);
    size_t per;
    void *buf;
    int rc = piece_setup(d, row_bytes, &per, &buf);
    if (rc == GR_OK)
        rc = d->rank == 0 ? rows_from_source(d, own, nrows, row_bytes, per, buf, source, ctx)
                          : rows_from_root(d, own, nrows, row_bytes, per);
    free(buf);
    return gr_dist_agree(d, rc);
}

/* ---- Halo exchanges (dist.h, dist/halo.h) ---- */

int gr_dist_alltoall_int(gr_dist *d, const int *send, int *recv)
{
    if (!d) return gr_err(GR_EINVAL, "gr_dist_alltoall_int: no communicator");
    int mrc = MPI_Alltoall(send, 1, MPI_INT, recv, 1, MPI_INT, comm_of(d));
    d->bytes_sent += (double)(d->size - 1) * sizeof(int);
    return mrc == MPI_SUCCESS ? GR_OK : mpi_fail(mrc, "exchanging halo counts");
}

int gr_dist_alltoallv_rows(gr_dist *d, const void *send, const int *scounts, const int *sdispls, void *recv,
                           const int *rcounts, const int *rdispls, size_t row_bytes)
{
    if (!d) return gr_err(GR_EINVAL, "gr_dist_alltoallv_rows: no communicator");
    if (row_bytes == 0 || row_bytes > INT_MAX) return gr_err(GR_ERANGE, "halo rows of %zu bytes", row_bytes);
    MPI_Datatype row;
    int mrc = row_type(row_bytes, MPI_BYTE, &row);
    if (mrc != MPI_SUCCESS) return mpi_fail(mrc, "a halo row type");
    mrc = MPI_Alltoallv(send, scounts, sdispls, row, recv, rcounts, rdispls, row, comm_of(d));
    MPI_Type_free(&row);
    for (int r = 0; r < d->size; r++)
        if (r != d->rank) d->bytes_sent += (double)scounts[r] * (double)row_bytes;
    return mrc == MPI_SUCCESS ? GR_OK : mpi_fail(mrc, "exchanging halo rows");
}

/* ---- distributed loading ----------------------------------------------- */

int gr_dist_exscan_u64(gr_dist *d, uint64_t v, uint64_t *before)
{
    *before = 0;
    if (!d || d->size == 1) return GR_OK;
    uint64_t sum = 0;
    /* MPI_Exscan leaves rank 0's result undefined: it stays 0 */
    int mrc = MPI_Exscan(&v, &sum, 1, MPI_UINT64_T, MPI_SUM, comm_of(d));
    if (mrc != MPI_SUCCESS) return mpi_fail(mrc, "counting over the ranks before this one");
    if (d->rank > 0) *before = sum;
    return GR_OK;
}

int gr_dist_allgather_u64(gr_dist *d, uint64_t v, uint64_t *all)
{
    if (!d || d->size == 1) {
        all[0] = v;
        return GR_OK;
    }
    int mrc = MPI_Allgather(&v, 1, MPI_UINT64_T, all, 1, MPI_UINT64_T, comm_of(d));
    return mrc == MPI_SUCCESS ? GR_OK : mpi_fail(mrc, "exchanging counts");
}


/* Rank root's n bytes at buf into every rank's buf, in broadcasts of
 * gr_dist_chunk() bytes (MPI counts are int); counted as sent by root. */
static int bcast_pieces(gr_dist *d, void *buf, size_t n, int root, const char *what)
{
    const size_t piece = gr_dist_chunk();
    for (size_t at = 0; at < n && d->size > 1; at += piece) {
        int mrc = MPI_Bcast((char *)buf + at, (int)min_size(piece, n - at), MPI_BYTE, root, comm_of(d));
        if (mrc != MPI_SUCCESS) return mpi_fail(mrc, what);
    }
    if (d->rank == root) d->bytes_sent += (double)n * (d->size - 1);
    return GR_OK;
}

int gr_dist_allgather_bytes(gr_dist *d, const void *mine, void *all, const uint64_t *counts)
{
    if (!d) return gr_err(GR_EINVAL, "gr_dist_allgather_bytes: no communicator");
    char *out = all;
    uint64_t at = 0;
    for (int r = 0; r < d->size; r++) {
        char *dst = out + at;
        if (r == d->rank && counts[r] && dst != (const char *)mine) memcpy(dst, mine, (size_t)counts[r]);
        GR_TRY(bcast_pieces(d, dst, (size_t)counts[r], r, "exchanging the ranks' parts"));
        at += counts[r];
    }
    return GR_OK;
}

int gr_dist_bcast_bytes(gr_dist *d, void *buf, size_t n)
{
    if (!d || d->size == 1) return GR_OK;
    return gr_dist_agree(d, bcast_pieces(d, buf, n, 0, "broadcasting rank 0's bytes"));
}

/* ---- The graph filters and EASE (dist.h) ---- */

/* exact in any order, so MPI's own reduction gives every rank the same bits */
int gr_dist_sum_exact(gr_dist *d, double *v, size_t n) { return sum_doubles(d, v, n, "summing counts over the ranks"); }

int gr_dist_gather_shares(gr_dist *d, float *buf, size_t nrows, size_t width, size_t align)
{
    if (!d || d->size == 1 || nrows == 0 || width == 0) return GR_OK;
    const int P = d->size;
    if (nrows > INT_MAX || width > INT_MAX) return gr_err(GR_ERANGE, "gathering %zu rows of %zu floats", nrows, width);
    int *counts = d->ints, *displ = d->ints + P;
    for (int r = 0; r < P; r++) {
        size_t lo, hi;
        gr_dist_share_rows(nrows, align, r, P, &lo, &hi);
        counts[r] = (int)(hi - lo);
        displ[r] = (int)lo;
    }
    /* one element = one row: the counts stay small whatever the width */
    MPI_Datatype row;
    int mrc = row_type(width, MPI_FLOAT, &row);
    if (mrc == MPI_SUCCESS) {
        mrc = MPI_Allgatherv(MPI_IN_PLACE, 0, row, buf, counts, displ, row, comm_of(d));
        MPI_Type_free(&row);
    }
    d->bytes_sent += (double)counts[d->rank] * (double)width * sizeof *buf * (P - 1);
    return mrc == MPI_SUCCESS ? GR_OK : mpi_fail(mrc, "gathering the rows of a matrix");
}
