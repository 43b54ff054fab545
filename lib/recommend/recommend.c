/* Top-k recommendation with filters, similar items and fold-in of new users. */
#include <gnnrec/recommend.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "kernels/dense.h"
#include "kernels/topk.h"
#include "models/model.h"
#include "recommend/filter.h"
#include "recommend/select.h"

static int check_call(const size_t *n, const gr_model *m, size_t k, const int64_t *items, const char *fn)
{
    if (!n || !m || !items) return gr_err(GR_EINVAL, "%s: NULL argument", fn);
    if (k < 1 || k > m->n_items) return gr_err(GR_ERANGE, "%s: k = %zu out of range 1..%zu (number of items)", fn, k, m->n_items);
    return GR_OK;
}

/* Select k from scores through the filter into the caller's arrays. */
static int select_top(size_t *n, const gr_model *m, const gr_rec_filter *f, float *scores, size_t k, int64_t *items,
                      float *out_scores)
{
    int32_t *idx = gr_alloc(k, sizeof *idx);
    float *val = gr_alloc(k, sizeof *val);
    if (!idx || !val) {
        free(idx);
        free(val);
        return GR_ENOMEM;
    }
    *n = gr_rec_filter_select(f, m, scores, k, idx, val, items, out_scores);
    free(idx);
    free(val);
    return GR_OK;
}

static void exclude_row(float *scores, const gr_csr *ui, size_t u)
{
    for (int64_t k = ui->ptr[u]; k < ui->ptr[u + 1]; k++) scores[ui->col[k]] = -INFINITY;
}

int gr_model_recommend(size_t *n, const gr_model *m, int64_t user, size_t k, const gr_rec_options *opts, int64_t *items,
                       float *scores)
{
    GR_TRY(check_call(n, m, k, items, "gr_model_recommend"));
    int32_t u = gr_graph_user_index(m->graph, user);
    if (u < 0 || (size_t)u >= m->n_users) return gr_err(GR_ENOTFOUND, "unknown user id %lld", (long long)user);
    gr_rec_filter f;
    GR_TRY(gr_rec_filter_init(&f, m, opts));
    float *all = gr_alloc(m->n_items + 16, sizeof *all);
    int rc = all ? GR_OK : GR_ENOMEM;
    if (rc == GR_OK) {
        if (m->ops && m->ops->score_users) rc = m->ops->score_users(m, &u, 1, all);
        else rc = gr_model_score_all(m, m->user_vec + (size_t)u * m->dim, m->user_bias ? m->user_bias[u] : 0.0f, all);
        if (rc == GR_OK && f.o.exclude_seen) exclude_row(all, &m->graph->ui, (size_t)u);
        if (rc == GR_OK) rc = select_top(n, m, &f, all, k, items, scores);
    }
    free(all);
    gr_rec_filter_free(&f);
    return rc;
}

int gr_rec_map_liked(int32_t **out, size_t *n_out, const gr_model *m, const int64_t *liked, size_t n_liked)
{
    int32_t *idx = gr_alloc(n_liked ? n_liked : 1, sizeof *idx);
    if (!idx) return GR_ENOMEM;
    size_t n = 0;
    for (size_t k = 0; k < n_liked; k++) {
        int32_t i = gr_graph_item_index(m->graph, liked[k]);
        if (i < 0 || (size_t)i >= m->n_items) {
            free(idx);
            return gr_err(GR_ENOTFOUND, "unknown item id %lld in the liked items", (long long)liked[k]);
        }
        int seen = 0;
        for (size_t j = 0; j < n && !seen; j++) seen = idx[j] == i;
        if (!seen) idx[n++] = i;
    }
    *out = idx;
    *n_out = n;
    return GR_OK;
}

static int fold_in_dense(float *vec, const gr_model *m, const int32_t *idx, size_t n)
{
    if (m->ops && m->ops->score_liked)
        return gr_err(GR_EUNSUPPORTED, "%s models have no user vectors: gr_model_recommend_liked scores a new user exactly",
                      gr_model_kind_name(m->kind));
    if (!m->ops || !m->ops->fold_in)
        return gr_err(GR_EUNSUPPORTED, "%s models cannot fold in new users", gr_model_kind_name(m->kind));
    return m->ops->fold_in(m, idx, n, vec);
}

int gr_model_fold_in(float *out, size_t dim, const gr_model *m, const int64_t *liked, size_t n_liked)
{
    if (!m) return gr_err(GR_EINVAL, "gr_model_fold_in: NULL model");
    /* before the buffer check: EASE has dim 0, and a caller sizing out by
     * the model's dim may pass no buffer at all */
    if (m->ops && m->ops->score_liked)
        return gr_err(GR_EUNSUPPORTED, "%s models have no user vectors: gr_model_recommend_liked scores a new user exactly",
                      gr_model_kind_name(m->kind));
    if (!out || (n_liked && !liked)) return gr_err(GR_EINVAL, "gr_model_fold_in: NULL argument");
    if (dim != m->dim) return gr_err(GR_EINVAL, "gr_model_fold_in: dim %zu does not match the model's %zu", dim, m->dim);
    int32_t *idx;
    size_t n;
    GR_TRY(gr_rec_map_liked(&idx, &n, m, liked, n_liked));
    int rc = fold_in_dense(out, m, idx, n);
    free(idx);
    return rc;
}

int gr_model_recommend_liked(size_t *n, const gr_model *m, const int64_t *liked, size_t n_liked, size_t k,
                             const gr_rec_options *opts, int64_t *items, float *scores)
{
    GR_TRY(check_call(n, m, k, items, "gr_model_recommend_liked"));
    if (n_liked && !liked) return gr_err(GR_EINVAL, "gr_model_recommend_liked: NULL liked items");
    /* nothing liked folds in the zero vector: every score 0, an order by item index, not a recommendation */
    if (n_liked == 0) return gr_err(GR_EINVAL, "gr_model_recommend_liked: no liked items: give at least one");
    gr_rec_filter f;
    GR_TRY(gr_rec_filter_init(&f, m, opts));
    int32_t *idx;
    size_t nl;
    int rc = gr_rec_map_liked(&idx, &nl, m, liked, n_liked);
    if (rc != GR_OK) {
        gr_rec_filter_free(&f);
        return rc;
    }
    float *vec = gr_alloc_floats(m->dim);
    float *all = gr_alloc(m->n_items + 16, sizeof *all);
    rc = !vec || !all                             ? GR_ENOMEM
         : m->ops && m->ops->score_liked ? m->ops->score_liked(m, idx, nl, all)
                                          : fold_in_dense(vec, m, idx, nl);
    if (rc == GR_OK && !(m->ops && m->ops->score_liked)) rc = gr_model_score_all(m, vec, 0.0f, all);
    if (rc == GR_OK) {
        if (f.o.exclude_seen)
            for (size_t j = 0; j < nl; j++) all[idx[j]] = -INFINITY;
        rc = select_top(n, m, &f, all, k, items, scores);
    }
    gr_rec_filter_free(&f);
    free(idx);
    free(vec);
    free(all);
    return rc;
}

int gr_model_similar_items(size_t *n, const gr_model *m, int64_t item, size_t k, const gr_rec_options *opts,
                           int64_t *items, float *scores)
{
    GR_TRY(check_call(n, m, k, items, "gr_model_similar_items"));
    int32_t i = gr_graph_item_index(m->graph, item);
    if (i < 0 || (size_t)i >= m->n_items) return gr_err(GR_ENOTFOUND, "unknown item id %lld", (long long)item);
    gr_rec_filter f;
    GR_TRY(gr_rec_filter_init(&f, m, opts));
    float *all = gr_alloc(m->n_items + 16, sizeof *all);
    if (!all) {
        gr_rec_filter_free(&f);
        return GR_ENOMEM;
    }
    if (m->ops && m->ops->score_liked) { /* the filter's response to the one item */
        int rc = m->ops->score_liked(m, &i, 1, all);
        all[i] = -INFINITY;
        f.predictions = 0;
        if (rc == GR_OK) rc = select_top(n, m, &f, all, k, items, scores);
        free(all);
        gr_rec_filter_free(&f);
        return rc;
    }
    const float *v = m->item_vec + (size_t)i * m->dim, *items_t = gr_model_items_t(m);
    if (!items_t) {
        free(all);
        gr_rec_filter_free(&f);
        return GR_ENOMEM;
    }
    gr_score_block(all, v, 1, items_t, m->n_items, m->item_stride, m->dim, NULL);
    float ni = m->item_norm[i];
    for (size_t j = 0; j < m->n_items; j++) {
        float den = ni * m->item_norm[j];
        all[j] = den > 0 ? all[j] / den : 0.0f;
    }
    all[i] = -INFINITY;
    f.predictions = 0; /* cosines, not predicted ratings */
    int rc = select_top(n, m, &f, all, k, items, scores);
    free(all);
    gr_rec_filter_free(&f);
    return rc;
}

int gr_rec_select(size_t *n, const gr_model *m, const gr_rec_options *o, float *scores, size_t k, int64_t *items,
                  float *out_scores)
{
    gr_rec_filter f;
    GR_TRY(gr_rec_filter_init(&f, m, o));
    int rc = select_top(n, m, &f, scores, k, items, out_scores);
    gr_rec_filter_free(&f);
    return rc;
}

/* Cosines of every user's vector with v (of norm nv); 0 for zero vectors. */
static void user_cosines(const gr_model *m, const float *v, float nv, float *out)
{
    size_t d = m->dim;
    for (size_t u = 0; u < m->n_users; u++) {
        const float *w = m->user_vec + u * d;
        float den = nv * sqrtf(gr_dot(w, w, d));
        out[u] = den > 0 ? gr_dot(v, w, d) / den : 0.0f;
    }
}

int gr_model_similar_users(size_t *n, const gr_model *m, int64_t user, size_t k, int64_t *users, float *scores)
{
    if (!n || !m || !users) return gr_err(GR_EINVAL, "gr_model_similar_users: NULL argument");
    if (k < 1 || k > m->n_users)
        return gr_err(GR_ERANGE, "gr_model_similar_users: k = %zu out of range 1..%zu (number of users)", k, m->n_users);
    int32_t u = gr_graph_user_index(m->graph, user);
    if (u < 0 || (size_t)u >= m->n_users) return gr_err(GR_ENOTFOUND, "unknown user id %lld", (long long)user);
    if (m->ops && m->ops->score_users && m->dim == 0)
        return gr_err(GR_EUNSUPPORTED, "gr_model_similar_users: a %s model has no user vectors",
                      gr_model_kind_name(m->kind));
    float *all = gr_alloc(m->n_users, sizeof *all), *val = gr_alloc(k, sizeof *val);
    int32_t *idx = gr_alloc(k, sizeof *idx);
    int rc = all && val && idx ? GR_OK : GR_ENOMEM;
    if (rc == GR_OK) {
        const float *v = m->user_vec + (size_t)u * m->dim;
        user_cosines(m, v, sqrtf(gr_dot(v, v, m->dim)), all);
        all[u] = -INFINITY;
        size_t got = gr_topk(idx, val, all, m->n_users, k);
        for (size_t r = 0; r < got; r++) {
            users[r] = m->graph->cat->users.ids[idx[r]];
            if (scores) scores[r] = val[r];
        }
        *n = got;
    }
    free(all);
    free(val);
    free(idx);
    return rc;
}
