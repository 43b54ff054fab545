#include "graph/norm_adj.h"

#include <math.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"

static float inv_sqrt_deg(size_t d) { return d ? (float)(1.0 / sqrt((double)d)) : 0.0f; }

int gr_norm_adj(gr_spmat *out, const gr_graph *g, size_t parts)
{
    memset(out, 0, sizeof *out);
    size_t nu = g->n_users, ni = g->n_items, n = nu + ni, nnz = 2 * g->n_edges;
    out->n = n;
    out->nnz = nnz;
    out->ptr = gr_alloc(n + 1, sizeof *out->ptr);
    out->col = gr_alloc(nnz ? nnz : 1, sizeof *out->col);
    out->val = gr_alloc(nnz ? nnz : 1, sizeof *out->val);
    if (!out->ptr || !out->col || !out->val) {
        gr_spmat_free(out);
        return GR_ENOMEM;
    }
    size_t w = 0;
    out->ptr[0] = 0;
    for (size_t u = 0; u < nu; u++) {
        float su = inv_sqrt_deg(gr_csr_degree(&g->ui, u));
        for (int64_t k = g->ui.ptr[u]; k < g->ui.ptr[u + 1]; k++, w++) {
            int32_t i = g->ui.col[k];
            out->col[w] = (int32_t)nu + i;
            out->val[w] = su * inv_sqrt_deg(gr_csr_degree(&g->iu, (size_t)i));
        }
        out->ptr[u + 1] = (int64_t)w;
    }
    for (size_t i = 0; i < ni; i++) {
        float si = inv_sqrt_deg(gr_csr_degree(&g->iu, i));
        for (int64_t k = g->iu.ptr[i]; k < g->iu.ptr[i + 1]; k++, w++) {
            int32_t u = g->iu.col[k];
            out->col[w] = u;
            out->val[w] = si * inv_sqrt_deg(gr_csr_degree(&g->ui, (size_t)u));
        }
        out->ptr[nu + i + 1] = (int64_t)w;
    }
    int rc = gr_spmat_balance(out, parts);
    if (rc != GR_OK) gr_spmat_free(out);
    return rc;
}
