/*
 * Explanations of LightGCN and MF scores by history item.  The fold-in
 * vector of a user is a sum of one part per liked item (the kind's
 * fold_in_part), and the score is a dot product with the item's vector,
 * so the score splits exactly into one term per liked item.
 */
#include <gnnrec/recommend.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "kernels/dense.h"
#include "models/model.h"
#include "recommend/select.h"

static int by_weight(const void *a, const void *b)
{
    const gr_contribution *x = a, *y = b;
    if (x->weight != y->weight) return x->weight > y->weight ? -1 : 1;
    return x->item < y->item ? -1 : x->item > y->item;
}

/* The terms of the score of dense item `item` for the liked dense items. */
static int explain_dense(size_t *n, float *total, const gr_model *m, const int32_t *liked, size_t nl, int32_t item,
                         gr_contribution *out, size_t cap)
{
    if (!m->ops || !m->ops->fold_in_part)
        return gr_err(GR_EUNSUPPORTED,
                      "%s scores do not split over the user's items (LightGCN and MF only; KG models: gr_model_explain)",
                      gr_model_kind_name(m->kind));
    size_t d = m->dim;
    const float *iv = m->item_vec + (size_t)item * d;
    float *part = gr_alloc_floats(d ? d : 1);
    gr_contribution *all = gr_alloc(nl ? nl : 1, sizeof *all);
    int rc = part && all ? GR_OK : GR_ENOMEM;
    double sum = 0.0;
    for (size_t k = 0; rc == GR_OK && k < nl; k++) {
        rc = m->ops->fold_in_part(m, liked, nl, k, part);
        all[k].item = m->graph->cat->items.ids[liked[k]];
        all[k].weight = gr_dot(part, iv, d);
        sum += all[k].weight;
    }
    if (rc == GR_OK) {
        qsort(all, nl, sizeof *all, by_weight);
        size_t w = nl < cap ? nl : cap;
        if (w) memcpy(out, all, w * sizeof *out);
        *n = w;
        *total = (float)sum;
    }
    free(part);
    free(all);
    return rc;
}

static int item_index(int32_t *i, const gr_model *m, int64_t item)
{
    *i = gr_graph_item_index(m->graph, item);
    if (*i < 0 || (size_t)*i >= m->n_items) return gr_err(GR_ENOTFOUND, "unknown item id %lld", (long long)item);
    return GR_OK;
}

int gr_model_explain_items(size_t *n, float *total, const gr_model *m, int64_t user, int64_t item, gr_contribution *out,
                           size_t cap)
{
    if (!n || !total || !m || (cap && !out)) return gr_err(GR_EINVAL, "gr_model_explain_items: NULL argument");
    int32_t u = gr_graph_user_index(m->graph, user), i;
    if (u < 0 || (size_t)u >= m->n_users) return gr_err(GR_ENOTFOUND, "unknown user id %lld", (long long)user);
    GR_TRY(item_index(&i, m, item));
    const gr_csr *ui = &m->graph->ui;
    return explain_dense(n, total, m, ui->col + ui->ptr[u], gr_csr_degree(ui, (size_t)u), i, out, cap);
}

int gr_model_explain_liked(size_t *n, float *total, const gr_model *m, const int64_t *liked, size_t n_liked, int64_t item,
                           gr_contribution *out, size_t cap)
{
    if (!n || !total || !m || (cap && !out) || (n_liked && !liked))
        return gr_err(GR_EINVAL, "gr_model_explain_liked: NULL argument");
    int32_t i;
    GR_TRY(item_index(&i, m, item));
    int32_t *idx;
    size_t nl;
    GR_TRY(gr_rec_map_liked(&idx, &nl, m, liked, n_liked));
    int rc = explain_dense(n, total, m, idx, nl, i, out, cap);
    free(idx);
    return rc;
}
