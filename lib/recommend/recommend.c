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
#include "recommend/select.h"

static int check_options(const gr_rec_options *o)
{
    if (o->version < 1 || o->version > GR_REC_OPTIONS_VERSION)
        return gr_err(GR_EINVAL, "gr_rec_options.version %u not supported", o->version);
    if (o->year_min && o->year_max && o->year_min > o->year_max)
        return gr_err(GR_EINVAL, "year range %d..%d is empty", o->year_min, o->year_max);
    if (o->has_min_score && isnan(o->min_score)) return gr_err(GR_EINVAL, "min_score is NaN");
    return GR_OK;
}

static int check_call(const size_t *n, const gr_model *m, size_t k, const int64_t *items, const char *fn)
{
    if (!n || !m || !items) return gr_err(GR_EINVAL, "%s: NULL argument", fn);
    if (k < 1 || k > m->n_items) return gr_err(GR_ERANGE, "%s: k = %zu out of range 1..%zu (number of items)", fn, k, m->n_items);
    return GR_OK;
}

/* Mark items the filters reject with -INFINITY; flip signs for "least". */
static void apply_filters(const gr_model *m, const gr_rec_options *o, float *scores)
{
    const gr_catalog *c = m->graph->cat;
    for (size_t i = 0; i < m->n_items; i++) {
        float s = scores[i];
        if (!(s > -INFINITY)) continue;
        int keep = 1;
        if (o->genres && !(c->genres[i] & o->genres)) keep = 0;
        if (o->year_min && c->year[i] < o->year_min) keep = 0;
        if (o->year_max && (c->year[i] == 0 || c->year[i] > o->year_max)) keep = 0;
        if (o->has_min_score && s < o->min_score) keep = 0;
        scores[i] = !keep ? -INFINITY : o->least ? -s : s;
    }
}

/* Select k from filtered scores and write external ids and scores. */
static int select_top(size_t *n, const gr_model *m, const gr_rec_options *o, float *scores, size_t k, int64_t *items,
                      float *out_scores)
{
    int32_t *idx = gr_alloc(k, sizeof *idx);
    float *val = gr_alloc(k, sizeof *val);
    if (!idx || !val) {
        free(idx);
        free(val);
        return GR_ENOMEM;
    }
    apply_filters(m, o, scores);
    size_t got = gr_topk(idx, val, scores, m->n_items, k);
    for (size_t r = 0; r < got; r++) {
        items[r] = m->graph->cat->items.ids[idx[r]];
        if (out_scores) out_scores[r] = o->least ? -val[r] : val[r];
    }
    *n = got;
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
    gr_rec_options defaults = GR_REC_OPTIONS_INIT;
    const gr_rec_options *o = opts ? opts : &defaults;
    GR_TRY(check_call(n, m, k, items, "gr_model_recommend"));
    GR_TRY(check_options(o));
    int32_t u = gr_graph_user_index(m->graph, user);
    if (u < 0 || (size_t)u >= m->n_users) return gr_err(GR_ENOTFOUND, "unknown user id %lld", (long long)user);
    float *all = gr_alloc(m->n_items + 16, sizeof *all);
    if (!all) return GR_ENOMEM;
    int rc = GR_OK;
    if (m->ops && m->ops->score_users) rc = m->ops->score_users(m, (size_t)u, 1, all);
    else gr_model_score_all(m, m->user_vec + (size_t)u * m->dim, m->user_bias ? m->user_bias[u] : 0.0f, all);
    if (rc == GR_OK && o->exclude_seen) exclude_row(all, &m->graph->ui, (size_t)u);
    if (rc == GR_OK) rc = select_top(n, m, o, all, k, items, scores);
    free(all);
    return rc;
}

/* Dense indices of the liked ids, without repeats. */
static int map_liked(int32_t **out, size_t *n_out, const gr_model *m, const int64_t *liked, size_t n_liked)
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
    if (!out || !m || (n_liked && !liked)) return gr_err(GR_EINVAL, "gr_model_fold_in: NULL argument");
    if (m->ops && m->ops->score_liked)
        return gr_err(GR_EUNSUPPORTED, "%s models have no user vectors: gr_model_recommend_liked scores a new user exactly",
                      gr_model_kind_name(m->kind));
    if (dim != m->dim) return gr_err(GR_EINVAL, "gr_model_fold_in: dim %zu does not match the model's %zu", dim, m->dim);
    int32_t *idx;
    size_t n;
    GR_TRY(map_liked(&idx, &n, m, liked, n_liked));
    int rc = fold_in_dense(out, m, idx, n);
    free(idx);
    return rc;
}

int gr_model_recommend_liked(size_t *n, const gr_model *m, const int64_t *liked, size_t n_liked, size_t k,
                             const gr_rec_options *opts, int64_t *items, float *scores)
{
    gr_rec_options defaults = GR_REC_OPTIONS_INIT;
    const gr_rec_options *o = opts ? opts : &defaults;
    GR_TRY(check_call(n, m, k, items, "gr_model_recommend_liked"));
    if (n_liked && !liked) return gr_err(GR_EINVAL, "gr_model_recommend_liked: NULL liked items");
    GR_TRY(check_options(o));
    int32_t *idx;
    size_t nl;
    GR_TRY(map_liked(&idx, &nl, m, liked, n_liked));
    float *vec = gr_alloc_floats(m->dim);
    float *all = gr_alloc(m->n_items + 16, sizeof *all);
    int rc = !vec || !all                             ? GR_ENOMEM
             : m->ops && m->ops->score_liked ? m->ops->score_liked(m, idx, nl, all)
                                              : fold_in_dense(vec, m, idx, nl);
    if (rc == GR_OK) {
        if (!(m->ops && m->ops->score_liked)) gr_model_score_all(m, vec, 0.0f, all);
        if (o->exclude_seen)
            for (size_t j = 0; j < nl; j++) all[idx[j]] = -INFINITY;
        rc = select_top(n, m, o, all, k, items, scores);
    }
    free(idx);
    free(vec);
    free(all);
    return rc;
}

int gr_model_similar_items(size_t *n, const gr_model *m, int64_t item, size_t k, const gr_rec_options *opts,
                           int64_t *items, float *scores)
{
    gr_rec_options defaults = GR_REC_OPTIONS_INIT;
    const gr_rec_options *o = opts ? opts : &defaults;
    GR_TRY(check_call(n, m, k, items, "gr_model_similar_items"));
    GR_TRY(check_options(o));
    int32_t i = gr_graph_item_index(m->graph, item);
    if (i < 0 || (size_t)i >= m->n_items) return gr_err(GR_ENOTFOUND, "unknown item id %lld", (long long)item);
    float *all = gr_alloc(m->n_items + 16, sizeof *all);
    if (!all) return GR_ENOMEM;
    if (m->ops && m->ops->score_liked) { /* the filter's response to the one item */
        int rc = m->ops->score_liked(m, &i, 1, all);
        all[i] = -INFINITY;
        if (rc == GR_OK) rc = select_top(n, m, o, all, k, items, scores);
        free(all);
        return rc;
    }
    const float *v = m->item_vec + (size_t)i * m->dim;
    gr_score_block(all, v, 1, m->item_vec_t, m->n_items, m->item_stride, m->dim, NULL);
    float ni = m->item_norm[i];
    for (size_t j = 0; j < m->n_items; j++) {
        float den = ni * m->item_norm[j];
        all[j] = den > 0 ? all[j] / den : 0.0f;
    }
    all[i] = -INFINITY;
    int rc = select_top(n, m, o, all, k, items, scores);
    free(all);
    return rc;
}

int gr_rec_select(size_t *n, const gr_model *m, const gr_rec_options *o, float *scores, size_t k, int64_t *items,
                  float *out_scores)
{
    GR_TRY(check_options(o));
    return select_top(n, m, o, scores, k, items, out_scores);
}
