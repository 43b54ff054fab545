/* A build without MPI: no trainer has a communicator (dist.h). */
#include "dist/dist.h"

#include <string.h>

#include "core/err.h"

int gr_dist_available(void) { return 0; }

static int unsupported(void)
{
    return gr_err(GR_EUNSUPPORTED, "this build of gnnrec has no MPI support (rebuild with -Dmpi=enabled)");
}

int gr_dist_new(gr_dist **out, void *comm)
{
    *out = NULL;
    return unsupported();
}

void gr_dist_free(gr_dist *d) { (void)d; }
int gr_dist_allreduce_grad(gr_dist *d, float *buf, size_t n) { return d ? unsupported() : GR_OK; }
int gr_dist_allreduce_sum(gr_dist *d, double *v, size_t n) { return d ? unsupported() : GR_OK; }
int gr_dist_sum_ordered(gr_dist *d, double *v, size_t n) { return d ? unsupported() : GR_OK; }
int gr_dist_sum_rows(gr_dist *d, float *grad, size_t nrows, size_t width, const int32_t *rows, size_t k)
{
    return d ? unsupported() : GR_OK;
}
int gr_dist_agree(gr_dist *d, int rc) { return rc; }
int gr_dist_check_same(gr_dist *d, const uint64_t *vals, size_t n, const char *what) { return GR_OK; }
int gr_dist_any(gr_dist *d, int flag) { return flag != 0; }
int gr_dist_gather_rows(gr_dist *d, const int32_t *ids, const float *vals, size_t k, size_t width, int32_t **all_ids,
                        float **all_vals, size_t *total)
{
    *all_ids = NULL;
    *all_vals = NULL;
    *total = 0;
    return unsupported();
}

/* Row-sharded training: one process owns every row. */
void gr_dist_rows(const gr_dist *d, size_t nrows, size_t *lo, size_t *hi)
{
    (void)d;
    *lo = 0;
    *hi = nrows;
}
int gr_dist_reduce_scatter_rows(gr_dist *d, const float *buf, float *own, size_t nrows, size_t width)
{
    if (d) return unsupported();
    if (own != buf && nrows) memcpy(own, buf, nrows * width * sizeof *own);
    return GR_OK;
}
int gr_dist_allgather_rows(gr_dist *d, float *buf, size_t nrows, size_t width) { return d ? unsupported() : GR_OK; }
int gr_dist_allgather_rows_bytes(gr_dist *d, void *buf, size_t nrows, size_t row_bytes)
{
    return d ? unsupported() : GR_OK;
}
int gr_dist_allgather_range(gr_dist *d, float *buf, size_t nrows, size_t a, size_t b, size_t width)
{
    return d ? unsupported() : GR_OK;
}
int gr_dist_allgather_range_bytes(gr_dist *d, void *buf, size_t nrows, size_t a, size_t b, size_t row_bytes)
{
    return d ? unsupported() : GR_OK;
}

int gr_dist_rows_to_root(gr_dist *d, const void *own, size_t nrows, size_t row_bytes, gr_dist_rows_sink sink,
                         void *ctx)
{
    (void)row_bytes;
    if (d) return unsupported();
    if (nrows) sink(ctx, own, nrows);
    return GR_OK;
}

int gr_dist_rows_from_root(gr_dist *d, void *own, size_t nrows, size_t row_bytes, gr_dist_rows_source source,
                           void *ctx)
{
    if (d) return unsupported();
    return nrows ? source(ctx, own, nrows) : GR_OK;
}
int gr_dist_bcast_bytes(gr_dist *d, void *buf, size_t n) { return d ? unsupported() : GR_OK; }

int gr_dist_alltoall_int(gr_dist *d, const int *send, int *recv) { return unsupported(); }
int gr_dist_alltoallv_rows(gr_dist *d, const void *send, const int *scounts, const int *sdispls, void *recv,
                           const int *rcounts, const int *rdispls, size_t row_bytes)
{
    return unsupported();
}

int gr_dist_exscan_u64(gr_dist *d, uint64_t v, uint64_t *before)
{
    *before = 0;
    return d ? unsupported() : GR_OK;
}
int gr_dist_allgather_u64(gr_dist *d, uint64_t v, uint64_t *all)
{
    all[0] = v;
    return d ? unsupported() : GR_OK;
}
int gr_dist_allgather_bytes(gr_dist *d, const void *mine, void *all, const uint64_t *counts)
{
    return unsupported();
}

/* ---- The graph filters and EASE (dist.h): the identity without ranks ---- */
int gr_dist_sum_exact(gr_dist *d, double *v, size_t n) { return d ? unsupported() : GR_OK; }
int gr_dist_gather_shares(gr_dist *d, float *buf, size_t nrows, size_t width, size_t align)
{
    return d ? unsupported() : GR_OK;
}
