/* The forward and reverse halo exchanges (dist/halo.h). */
#include "dist/halo.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/threads.h"

/*
 * Rounds.  An exchange moves the rows of each owner's own range in slices
 * of `span` rows: round t carries, from every owner and to every owner,
 * the rows of slice t of its own range [lo + t span, lo + (t + 1) span).
 * A round's buffer then holds at most (P - 1) x span rows, at most the
 * round limit of the sums into owners (gr_dist_round_bytes), instead of
 * every row a rank sends; and the partial sums of one row reach its owner
 * in one round, from every rank, so the reverse still adds them in rank
 * order: the same bits whatever the rounds.  The rows of one owner's slice
 * are consecutive in its group of the plan (both lists ascend), so a
 * round is a window of each group.
 */
typedef struct rounds {
    size_t span, count;
    size_t most; /* rows one round moves at most on this rank */
    int *scounts, *sdispls, *rcounts, *rdispls; /* this round's, per rank */
    int *scur, *rcur;                           /* per rank: rows of its groups done */
} rounds;

static void rounds_free(rounds *q) { free(q->scounts); }

static int rounds_init(rounds *q, const gr_halo *h, size_t row_bytes)
{
    const int P = h->dist->size;
    memset(q, 0, sizeof *q);
    q->scounts = gr_zalloc(6 * (size_t)P, sizeof *q->scounts);
    if (!q->scounts) return GR_ENOMEM;
    q->sdispls = q->scounts + P;
    q->rcounts = q->sdispls + P;
    q->rdispls = q->rcounts + P;
    q->scur = q->rdispls + P;
    q->rcur = q->scur + P;
    const size_t peers = P > 1 ? (size_t)P - 1 : 1;
    q->span = gr_dist_round_bytes() / (peers * row_bytes);
    if (q->span == 0) q->span = 1;
    size_t widest = 0, lo, hi; /* the largest owner's range */
    for (int r = 0; r < P; r++) {
        gr_dist_share(h->nrows, r, P, &lo, &hi);
        if (hi - lo > widest) widest = hi - lo;
    }
    q->count = (widest + q->span - 1) / q->span;
    /* a round sends each peer at most the span rows of one slice, never
     * itself: (P - 1) x span rows bound it without walking the windows */
    q->most = h->n_send < peers * q->span ? h->n_send : peers * q->span;
    return GR_OK;
}

/* Round t's windows: the rows this rank sends each rank (own rows in
 * slice t of its range) and receives from each (their rows in slice t of
 * their ranges); returns the rows sent.  Call for t = 0, 1, ... in turn. */
static size_t round_windows(rounds *q, const gr_halo *h, size_t t)
{
    const int P = h->dist->size;
    const size_t mine_end = (t + 1) * q->span;
    size_t sent = 0;
    for (int r = 0; r < P; r++) {
        int k = q->scur[r];
        const int32_t *rows = h->send_rows + h->send_displs[r];
        while (k < h->send_counts[r] && (size_t)rows[k] < mine_end) k++;
        q->scounts[r] = k - q->scur[r];
        q->sdispls[r] = (int)sent;
        sent += (size_t)q->scounts[r];
        size_t lo, hi;
        gr_dist_share(h->nrows, r, P, &lo, &hi);
        const int32_t *halo = h->halo + h->halo_displs[r];
        k = q->rcur[r];
        while (k < h->recv_counts[r] && (size_t)halo[k] < lo + mine_end) k++;
        q->rcounts[r] = k - q->rcur[r];
        q->rdispls[r] = h->recv_displs[r] + q->rcur[r];
    }
    return sent;
}

static void round_done(rounds *q, int P)
{
    for (int r = 0; r < P; r++) {
        q->scur[r] += q->scounts[r];
        q->rcur[r] += q->rcounts[r];
    }
}

/* The packing buffer of at least bytes bytes. */
static int reserve(gr_halo *h, size_t bytes)
{
    if (bytes <= h->buf_bytes) return GR_OK;
    void *b = gr_alloc(bytes, 1);
    if (!b) return GR_ENOMEM;
    free(h->buf);
    h->buf = b;
    h->buf_bytes = bytes;
    return GR_OK;
}

/* The rounds and a buffer for the most rows one round moves on this rank
 * (what it sends forward, what it receives in reverse: the same rows). */
static int begin(gr_halo *h, rounds *q, size_t row_bytes)
{
    int rc = rounds_init(q, h, row_bytes);
    if (rc == GR_OK) rc = reserve(h, q->most * row_bytes + 1);
    rc = gr_dist_agree(h->dist, rc);
    if (rc != GR_OK) rounds_free(q);
    return rc;
}

int gr_halo_forward(gr_halo *h, void *x, size_t row_bytes)
{
    if (!h->dist) return GR_OK;
    rounds q;
    int rc = begin(h, &q, row_bytes);
    if (rc != GR_OK) return rc;
    const char *own = (const char *)x + h->before * row_bytes;
    char *buf = h->buf;
    for (size_t t = 0; rc == GR_OK && t < q.count; t++) {
        round_windows(&q, h, t);
        for (int r = 0; r < h->dist->size; r++) {
            const long n = q.scounts[r];
            const int32_t *rows = h->send_rows + h->send_displs[r] + q.scur[r];
            char *to = buf + (size_t)q.sdispls[r] * row_bytes;
#pragma omp parallel for schedule(static) if (n * (long)row_bytes > (1L << 18)) num_threads(gr_threads())
            for (long k = 0; k < n; k++) memcpy(to + (size_t)k * row_bytes, own + (size_t)rows[k] * row_bytes, row_bytes);
        }
        /* the halo rows arrive in place: the windows are in the local layout */
        rc = gr_dist_alltoallv_rows(h->dist, buf, q.scounts, q.sdispls, x, q.rcounts, q.rdispls, row_bytes);
        round_done(&q, h->dist->size);
    }
    rounds_free(&q);
    return rc;
}

/* Add round's received partial sums into the own rows, rank by rank in
 * rank order; a rank requests a row once, so the rows of one rank's group
 * are distinct and can be added in parallel. */
static void add_round(const gr_halo *h, const rounds *q, float *own, const float *in, size_t width)
{
    for (int r = 0; r < h->dist->size; r++) {
        const long n = q->scounts[r];
        const int32_t *rows = h->send_rows + h->send_displs[r] + q->scur[r];
        const float *from = in + (size_t)q->sdispls[r] * width;
#pragma omp parallel for schedule(static) if (n * (long)width > (1L << 16)) num_threads(gr_threads())
        for (long k = 0; k < n; k++) {
            float *dst = own + (size_t)rows[k] * width;
            const float *src = from + (size_t)k * width;
            for (size_t j = 0; j < width; j++) dst[j] += src[j];
        }
    }
}

int gr_halo_reverse(gr_halo *h, float *x, size_t width)
{
    if (!h->dist) return GR_OK;
    const size_t row_bytes = width * sizeof *x;
    rounds q;
    int rc = begin(h, &q, row_bytes);
    if (rc != GR_OK) return rc;
    for (size_t t = 0; rc == GR_OK && t < q.count; t++) {
        round_windows(&q, h, t);
        /* the forward windows, the other way: halo rows out, own rows' sums in */
        rc = gr_dist_alltoallv_rows(h->dist, x, q.rcounts, q.rdispls, h->buf, q.scounts, q.sdispls, row_bytes);
        if (rc == GR_OK) add_round(h, &q, x + h->before * width, h->buf, width);
        round_done(&q, h->dist->size);
    }
    rounds_free(&q);
    return rc;
}
