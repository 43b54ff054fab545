/* The halo plan of a row-split sparse matrix, and its local layout
 * (dist/halo.h).  Built once per fit: a bitmap of the remote columns, the
 * owners' groups, and one exchange of the requested row ids. */
#include "dist/halo.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/sorted.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/threads.h"

void gr_halo_free(gr_halo *h)
{
    free(h->halo);
    free(h->recv_counts);
    free(h->send_rows);
    free(h->buf);
    memset(h, 0, sizeof *h);
}

/* The rows a rank reads: the columns of a, one bit per row of nrows. */
static uint64_t *columns_read(const gr_spmat *a, size_t nrows)
{
    uint64_t *seen = gr_zalloc((nrows + 63) / 64 + 1, sizeof *seen);
    if (!seen) return NULL;
    for (size_t k = 0; k < a->nnz; k++) {
        size_t c = (size_t)a->col[k];
        seen[c / 64] |= (uint64_t)1 << (c % 64);
    }
    return seen;
}

/* The remote rows of the bitmap want (nrows bits; own rows are dropped),
 * ascending, into h->halo. */
static int collect(gr_halo *h, const uint64_t *want)
{
    const size_t words = (h->nrows + 63) / 64;
    size_t n = 0;
    for (size_t w = 0; w < words; w++) n += (size_t)__builtin_popcountll(want[w]);
    h->halo = gr_alloc(n + 1, sizeof *h->halo);
    if (!h->halo) return GR_ENOMEM;
    size_t at = 0;
    for (size_t w = 0; w < words; w++)
        for (uint64_t bits = want[w]; bits; bits &= bits - 1) {
            size_t row = w * 64 + (size_t)__builtin_ctzll(bits);
            if (row < h->lo || row >= h->hi) h->halo[at++] = (int32_t)row;
        }
    h->n_halo = at;
    return GR_OK;
}

/* Per rank: how many halo rows it owns, where they start in halo and in
 * the local layout; h->before. */
static void group(gr_halo *h)
{
    const int P = h->dist->size, me = h->dist->rank;
    const size_t own = h->hi - h->lo;
    size_t at = 0;
    for (int r = 0; r < P; r++) {
        size_t lo, hi;
        gr_dist_share(h->nrows, r, P, &lo, &hi);
        size_t start = at;
        while (at < h->n_halo && (size_t)h->halo[at] < hi) at++;
        h->recv_counts[r] = (int)(at - start);
        h->halo_displs[r] = (int)start;
        h->recv_displs[r] = (int)(r < me ? start : start + own);
        if (r == me) h->before = start;
    }
}

/* The requests: every rank tells each owner which of its rows it reads. */
static int requests(gr_halo *h)
{
    const int P = h->dist->size;
    int rc = gr_dist_alltoall_int(h->dist, h->recv_counts, h->send_counts);
    size_t n = 0;
    for (int r = 0; rc == GR_OK && r < P; r++) {
        h->send_displs[r] = (int)n;
        n += (size_t)h->send_counts[r];
        if (n > INT_MAX) rc = gr_err(GR_ERANGE, "a halo of %zu rows is too large for one exchange", n);
    }
    if (rc == GR_OK) {
        h->n_send = n;
        h->send_rows = gr_alloc(n + 1, sizeof *h->send_rows);
        if (!h->send_rows) rc = GR_ENOMEM;
    }
    rc = gr_dist_agree(h->dist, rc);
    if (rc == GR_OK)
        rc = gr_dist_alltoallv_rows(h->dist, h->halo, h->recv_counts, h->halo_displs, h->send_rows, h->send_counts,
                                    h->send_displs, sizeof *h->send_rows);
    for (size_t k = 0; rc == GR_OK && k < n; k++) {
        if ((size_t)h->send_rows[k] < h->lo || (size_t)h->send_rows[k] >= h->hi)
            rc = gr_err(GR_EINVAL, "halo plan: row %d requested from rank %d, which owns [%zu, %zu)",
                        (int)h->send_rows[k], h->dist->rank, h->lo, h->hi);
        else h->send_rows[k] -= (int32_t)h->lo;
    }
    return gr_dist_agree(h->dist, rc);
}

/* The plan of the rows `want` names (NULL on a rank that failed before:
 * the others learn it from the agreement); ok: that rank's status. */
static int plan(gr_halo *h, gr_dist *d, const uint64_t *want, size_t nrows, int ok)
{
    memset(h, 0, sizeof *h);
    h->dist = d;
    h->nrows = nrows;
    gr_dist_rows(d, nrows, &h->lo, &h->hi);
    if (!d) return GR_OK;
    int rc = ok;
    if (rc == GR_OK && nrows > INT_MAX) rc = gr_err(GR_ERANGE, "halo plan: %zu rows", nrows);
    if (rc == GR_OK) {
        h->recv_counts = gr_alloc(5 * (size_t)d->size, sizeof *h->recv_counts);
        if (!h->recv_counts) rc = GR_ENOMEM;
    }
    if (rc == GR_OK) {
        h->recv_displs = h->recv_counts + d->size;
        h->halo_displs = h->recv_counts + 2 * d->size;
        h->send_counts = h->recv_counts + 3 * d->size;
        h->send_displs = h->recv_counts + 4 * d->size;
        rc = collect(h, want);
    }
    if (rc == GR_OK) group(h);
    rc = gr_dist_agree(d, rc);
    if (rc == GR_OK) rc = requests(h);
    if (rc != GR_OK) gr_halo_free(h);
    return rc;
}

int gr_halo_plan(gr_halo *h, gr_dist *d, const gr_spmat *a, size_t nrows)
{
    if (!d) return plan(h, d, NULL, nrows, GR_OK);
    size_t lo, hi;
    gr_dist_rows(d, nrows, &lo, &hi);
    int rc = a->n == hi - lo ? GR_OK : gr_err(GR_EINVAL, "halo plan: %zu matrix rows, the rank owns %zu", a->n, hi - lo);
    uint64_t *want = rc == GR_OK ? columns_read(a, nrows) : NULL;
    if (rc == GR_OK && !want) rc = GR_ENOMEM;
    rc = plan(h, d, want, nrows, rc);
    free(want);
    return rc;
}

int gr_halo_plan_rows(gr_halo *h, gr_dist *d, const uint64_t *want, size_t nrows)
{
    return plan(h, d, want, nrows, GR_OK);
}

size_t gr_halo_local(const gr_halo *h, size_t row)
{
    if (row >= h->lo && row < h->hi) return h->before + row - h->lo;
    size_t at = gr_first_at_least(h->halo, h->n_halo, row);
    return at < h->before ? at : at + (h->hi - h->lo);
}

int gr_halo_localize(const gr_halo *h, gr_spmat *a)
{
    if (!h->dist) return GR_OK;
    const long rows = (long)a->n;
#pragma omp parallel for schedule(dynamic, 256) num_threads(gr_threads())
    for (long r = 0; r < rows; r++)
        for (int64_t k = a->ptr[r]; k < a->ptr[r + 1]; k++) a->col[k] = (int32_t)gr_halo_local(h, (size_t)a->col[k]);
    a->ncols = gr_halo_local_rows(h);
    /* the column blocks follow the span of the local operand */
    return gr_spmat_balance(a, a->nsplit);
}
