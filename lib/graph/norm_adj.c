#include "graph/norm_adj.h"

#include <math.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"

static float inv_sqrt_deg(size_t d) { return d ? (float)(1.0 / sqrt((double)d)) : 0.0f; }

/* Nonzeros of rows [lo, hi): a user's row holds its items, an item's its users. */
static size_t slice_nnz(const gr_graph *g, size_t lo, size_t hi)
{
    size_t nu = g->n_users, nnz = 0;
    for (size_t r = lo; r < hi; r++) nnz += r < nu ? gr_csr_degree(&g->ui, r) : gr_csr_degree(&g->iu, r - nu);
    return nnz;
}

int gr_norm_adj_rows(gr_spmat *out, const gr_graph *g, size_t lo, size_t hi, size_t parts)
{
    memset(out, 0, sizeof *out);
    size_t nu = g->n_users, ni = g->n_items, n = nu + ni;
    size_t nnz = lo == 0 && hi == n ? 2 * g->n_edges : slice_nnz(g, lo, hi);
    out->n = hi - lo;
    out->ncols = lo == 0 && hi == n ? 0 : n;
    out->nnz = nnz;
    out->ptr = gr_alloc(out->n + 1, sizeof *out->ptr);
    out->col = gr_alloc(nnz ? nnz : 1, sizeof *out->col);
    out->val = gr_alloc(nnz ? nnz : 1, sizeof *out->val);
    if (!out->ptr || !out->col || !out->val) {
        gr_spmat_free(out);
        return GR_ENOMEM;
    }
    size_t w = 0;
    out->ptr[0] = 0;
    for (size_t u = lo; u < hi && u < nu; u++) {
        float su = inv_sqrt_deg(gr_csr_degree(&g->ui, u));
        for (int64_t k = g->ui.ptr[u]; k < g->ui.ptr[u + 1]; k++, w++) {
            int32_t i = g->ui.col[k];
            out->col[w] = (int32_t)nu + i;
            out->val[w] = su * inv_sqrt_deg(gr_csr_degree(&g->iu, (size_t)i));
        }
        out->ptr[u - lo + 1] = (int64_t)w;
    }
    for (size_t i = lo > nu ? lo - nu : 0; nu + i < hi; i++) {
        float si = inv_sqrt_deg(gr_csr_degree(&g->iu, i));
        for (int64_t k = g->iu.ptr[i]; k < g->iu.ptr[i + 1]; k++, w++) {
            int32_t u = g->iu.col[k];
            out->col[w] = u;
            out->val[w] = si * inv_sqrt_deg(gr_csr_degree(&g->ui, (size_t)u));
        }
        out->ptr[nu + i - lo + 1] = (int64_t)w;
    }
    int rc = gr_spmat_balance(out, parts);
    if (rc != GR_OK) gr_spmat_free(out);
    return rc;
}

int gr_norm_adj(gr_spmat *out, const gr_graph *g, size_t parts)
{
    return gr_norm_adj_rows(out, g, 0, g->n_users + g->n_items, parts);
}
