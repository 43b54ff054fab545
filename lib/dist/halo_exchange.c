/* The forward and reverse halo exchanges (dist/halo.h). */
#include "dist/halo.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/threads.h"

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

int gr_halo_forward(gr_halo *h, void *x, size_t row_bytes)
{
    if (!h->dist) return GR_OK;
    int rc = reserve(h, h->n_send * row_bytes + 1);
    rc = gr_dist_agree(h->dist, rc);
    if (rc != GR_OK) return rc;
    char *own = (char *)x + h->before * row_bytes, *buf = h->buf;
    const long n = (long)h->n_send;
    const int32_t *rows = h->send_rows;
#pragma omp parallel for schedule(static) if (n * (long)row_bytes > (1L << 18)) num_threads(gr_threads())
    for (long k = 0; k < n; k++) memcpy(buf + (size_t)k * row_bytes, own + (size_t)rows[k] * row_bytes, row_bytes);
    /* the halo rows arrive in place: recv_displs are in the local layout */
    return gr_dist_alltoallv_rows(h->dist, buf, h->send_counts, h->send_displs, x, h->recv_counts, h->recv_displs,
                                  row_bytes);
}

int gr_halo_reverse(gr_halo *h, float *x, size_t width)
{
    if (!h->dist) return GR_OK;
    const size_t row_bytes = width * sizeof *x;
    int rc = reserve(h, h->n_send * row_bytes + 1);
    rc = gr_dist_agree(h->dist, rc);
    if (rc == GR_OK)
        rc = gr_dist_alltoallv_rows(h->dist, x, h->recv_counts, h->recv_displs, h->buf, h->send_counts, h->send_displs,
                                    row_bytes);
    if (rc != GR_OK) return rc;
    float *own = x + h->before * width;
    const float *in = h->buf;
    /* rank by rank, in rank order; a rank requests a row once, so the rows
     * of one rank's group are distinct and can be added in parallel */
    for (int r = 0; r < h->dist->size; r++) {
        const long lo = h->send_displs[r], hi = lo + h->send_counts[r];
#pragma omp parallel for schedule(static) if ((hi - lo) * (long)width > (1L << 16)) num_threads(gr_threads())
        for (long k = lo; k < hi; k++) {
            float *dst = own + (size_t)h->send_rows[k] * width;
            const float *src = in + (size_t)k * width;
            for (size_t j = 0; j < width; j++) dst[j] += src[j];
        }
    }
    return GR_OK;
}
