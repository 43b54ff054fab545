/*
 * Explanations of scores by history item.  For LightGCN and MF the fold-in
 * vector of a user is a sum of one part per liked item (the kind's
 * fold_in_part), and the score is a dot product with the item's vector,
 * so the score splits exactly into one term per liked item.  The graph
 * filters and EASE score a user's row of interactions times a fixed
 * matrix, so their score is exactly the sum of the liked items' rows.
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

/* The term of liked[k] in the score of dense item `item`: the dot product
 * of its part of the fold-in vector with the item's vector, or, for kinds
 * that score a new user's row themselves (the graph filters and EASE, whose
 * scores are the user's row times a fixed matrix, a sum of one row of the
 * filter per liked item), that item's row of the filter at `item`.  work
 * holds dim floats, or n_items for the filters. */
static int term(float *w, const gr_model *m, const int32_t *liked, size_t nl, size_t k, int32_t item, float *work)
{
    if (m->ops->fold_in_part) {
        GR_TRY(m->ops->fold_in_part(m, liked, nl, k, work));
        *w = gr_dot(work, m->item_vec + (size_t)item * m->dim, m->dim);
        return GR_OK;
    }
    GR_TRY(m->ops->score_liked(m, liked + k, 1, work));
    *w = work[item];
    return GR_OK;
}

/* The terms of the score of dense item `item` for the liked dense items. */
static int explain_dense(size_t *n, float *total, const gr_model *m, const int32_t *liked, size_t nl, int32_t item,
                         gr_contribution *out, size_t cap)
{
    if (!m->ops || (!m->ops->fold_in_part && !m->ops->score_liked))
        return gr_err(GR_EUNSUPPORTED,
                      "%s scores do not split over the user's items (LightGCN, MF and the graph filters only; "
                      "KG models: gr_model_explain)",
                      gr_model_kind_name(m->kind));
    size_t d = m->ops->fold_in_part ? m->dim : m->n_items + 16;
    float *work = gr_alloc_floats(d ? d : 1);
    gr_contribution *all = gr_alloc(nl ? nl : 1, sizeof *all);
    int rc = work && all ? GR_OK : GR_ENOMEM;
    double sum = 0.0;
    for (size_t k = 0; rc == GR_OK && k < nl; k++) {
        rc = term(&all[k].weight, m, liked, nl, k, item, work);
        all[k].item = m->graph->cat->items.ids[liked[k]];
        sum += all[k].weight;
    }
    if (rc == GR_OK) {
        qsort(all, nl, sizeof *all, by_weight);
        size_t w = nl < cap ? nl : cap;
        if (w) memcpy(out, all, w * sizeof *out);
        *n = w;
        *total = (float)sum;
    }
    free(work);
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
