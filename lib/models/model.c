/* The model object: creation, derived tables, info entries, public accessors. */
#include "models/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "core/mem.h"
#include "kernels/dense.h"

static const char *const kind_names[] = {
    [GR_MODEL_LIGHTGCN] = "lightgcn", [GR_MODEL_MF] = "mf",           [GR_MODEL_GRAPHSAGE] = "graphsage",
    [GR_MODEL_TRANSE] = "transe",     [GR_MODEL_DISTMULT] = "distmult", [GR_MODEL_ROTATE] = "rotate",
    [GR_MODEL_COMPLEX] = "complex",   [GR_MODEL_GFCF] = "gfcf",         [GR_MODEL_CHEBY] = "cheby",
    [GR_MODEL_EASE] = "ease",
};

#define N_KINDS (sizeof kind_names / sizeof kind_names[0])

const char *gr_model_kind_name(int kind)
{
    return kind > 0 && (size_t)kind < N_KINDS ? kind_names[kind] : NULL;
}

int gr_model_kind_from_name(int *kind, const char *name)
{
    if (!kind || !name) return gr_err(GR_EINVAL, "gr_model_kind_from_name: NULL argument");
    for (size_t k = 1; k < N_KINDS; k++) {
        if (kind_names[k] && strcasecmp(kind_names[k], name) == 0) {
            *kind = (int)k;
            return GR_OK;
        }
    }
    return gr_err(GR_EINVAL, "unknown model kind '%s' (lightgcn, mf, graphsage, transe, distmult, rotate, complex, gfcf, cheby, ease)", name);
}

int gr_model_new(gr_model **out, int kind, const gr_graph *train, size_t dim)
{
    gr_model *m = gr_zalloc(1, sizeof *m);
    if (!m) return GR_ENOMEM;
    m->kind = kind;
    m->ops = gr_model_ops_of(kind);
    m->graph = gr_graph_ref(train);
    m->n_users = train->n_users;
    m->n_items = train->n_items;
    m->dim = dim;
    *out = m;
    return GR_OK;
}

int gr_model_create(gr_model **out, int kind, const gr_graph *train, size_t dim, int with_user_bias,
                    int with_item_bias)
{
    gr_model *m = NULL;
    GR_TRY(gr_model_new(&m, kind, train, dim));
    m->user_vec = gr_alloc_floats(m->n_users * dim);
    m->item_vec = gr_alloc_floats(m->n_items * dim);
    if (with_user_bias) m->user_bias = gr_alloc_floats(m->n_users);
    if (with_item_bias) m->item_bias = gr_alloc_floats(m->n_items);
    if (!m->user_vec || !m->item_vec || (with_user_bias && !m->user_bias) || (with_item_bias && !m->item_bias)) {
        gr_model_free(m);
        return GR_ENOMEM;
    }
    *out = m;
    return GR_OK;
}

int gr_model_finish(gr_model *m)
{
    /* the transposed table follows the new vectors on its next use */
    gr_model_drop_items_t(m);
    free(m->item_norm);
    m->item_stride = gr_score_stride(m->n_items);
    m->item_norm = gr_alloc_floats(m->n_items);
    if (!m->item_norm) return GR_ENOMEM;
    for (size_t i = 0; i < m->n_items; i++) {
        const float *v = m->item_vec + i * m->dim;
        m->item_norm[i] = sqrtf(gr_dot(v, v, m->dim));
    }
    return GR_OK;
}

/*
 * Made on first use rather than by gr_model_finish: a fit ends while its
 * own buffers are still held, and the table is as large as the item
 * vectors (256 MB at a million items of dim 64), so making it there raised
 * the fit's peak; a model that is only saved, or scored from its item rows,
 * never holds it.  Callers on several threads at once make it once: the
 * first takes the section and publishes the table, the others wait there
 * for it rather than each making their own.
 */
const float *gr_model_items_t(const gr_model *m)
{
    float *t = __atomic_load_n(&m->item_vec_t, __ATOMIC_ACQUIRE);
    if (t) return t;
    gr_model *w = (gr_model *)m; /* a derived table, as a cache: the vectors are not changed */
#pragma omp critical(gr_model_items_t)
    {
        t = __atomic_load_n(&w->item_vec_t, __ATOMIC_ACQUIRE);
        if (!t) {
            /* every float written by the transpose, the padding columns too */
            t = gr_alloc_floats_unset(m->item_stride * (m->dim ? m->dim : 1));
            if (t) {
                gr_transpose(t, m->item_vec, m->n_items, m->dim, m->item_stride);
                __atomic_store_n(&w->item_vec_t, t, __ATOMIC_RELEASE);
            }
        }
    }
    if (!t) gr_err(GR_ENOMEM, "out of memory transposing %zu item vectors of dim %zu", m->n_items, m->dim);
    return t;
}

void gr_model_drop_items_t(gr_model *m)
{
    free(m->item_vec_t);
    m->item_vec_t = NULL;
}

int gr_model_scores_vectors(const gr_model *m) { return !(m->ops && (m->ops->score_users || m->ops->score_items)); }

int gr_model_item_layouts(gr_item_layouts *out, const gr_model *m)
{
    *out = (gr_item_layouts){ m->item_vec, NULL, m->item_stride };
    if (!gr_model_scores_vectors(m) || (m->item_vec && gr_score_rows_preferred(m->dim))) return GR_OK;
    out->t = gr_model_items_t(m);
    return out->t ? GR_OK : GR_ENOMEM;
}

void gr_model_set_info(gr_model *m, const char *key, double value)
{
    for (size_t k = 0; k < m->n_info; k++) {
        if (strcmp(m->info[k].key, key) == 0) {
            m->info[k].value = value;
            return;
        }
    }
    if (m->n_info == GR_MAX_INFO) return;
    snprintf(m->info[m->n_info].key, sizeof m->info[0].key, "%s", key);
    m->info[m->n_info].value = value;
    m->n_info++;
}

int gr_model_find_info(const gr_model *m, const char *key, double *value)
{
    for (size_t k = 0; k < m->n_info; k++)
        if (strcmp(m->info[k].key, key) == 0) {
            *value = m->info[k].value;
            return 1;
        }
    return 0;
}

gr_rating_clamp gr_model_rating_clamp(const gr_model *m)
{
    gr_rating_clamp c = { 0, 0.0f, 0.0f };
    double lo, hi;
    if (gr_model_find_info(m, "rating_min", &lo) && gr_model_find_info(m, "rating_max", &hi) && lo <= hi) {
        c.on = 1;
        c.lo = (float)lo;
        c.hi = (float)hi;
    }
    return c;
}

int gr_model_train_rating_range(const gr_model *m, float *lo, float *hi)
{
    gr_rating_clamp c = gr_model_rating_clamp(m);
    if (c.on) {
        *lo = c.lo;
        *hi = c.hi;
        return 1;
    }
    const gr_graph *g = m->graph;
    if (!g->has_ratings || g->n_edges == 0) return 0;
    *lo = *hi = gr_csr_val(&g->ui, 0);
    for (size_t k = 1; k < g->n_edges; k++) {
        const float r = gr_csr_val(&g->ui, (int64_t)k);
        if (r < *lo) *lo = r;
        if (r > *hi) *hi = r;
    }
    return 1;
}

void gr_model_set_rating_range(gr_model *m)
{
    double lo, hi;
    if (!gr_model_find_info(m, "rating_min", &lo) || !gr_model_find_info(m, "rating_max", &hi) || !(lo <= hi)) {
        /* files written before the range was recorded: the training graph holds the same ratings */
        float flo, fhi;
        if (!gr_model_train_rating_range(m, &flo, &fhi)) return;
        gr_model_set_info(m, "rating_min", flo);
        gr_model_set_info(m, "rating_max", fhi);
    }
}

int gr_model_score_all(const gr_model *m, const float *uv, float ub, float *scores)
{
    if (m->ops && m->ops->score_items) GR_TRY(m->ops->score_items(m, uv, scores));
    else {
        const float *t = gr_model_items_t(m);
        if (!t) return GR_ENOMEM;
        gr_score_block(scores, uv, 1, t, m->n_items, m->item_stride, m->dim, m->item_bias);
    }
    float add = ub + m->global_bias;
    if (add != 0.0f)
        for (size_t i = 0; i < m->n_items; i++) scores[i] += add;
    return GR_OK;
}

void gr_model_free(gr_model *m)
{
    if (!m) return;
    if (m->ops && m->ops->free_state) m->ops->free_state(m);
    free(m->user_vec);
    free(m->item_vec);
    free(m->user_bias);
    free(m->item_bias);
    free(m->item_vec_t);
    free(m->item_norm);
    gr_graph_free(m->graph);
    free(m);
}

int gr_model_kind_of(const gr_model *m) { return m ? m->kind : 0; }

size_t gr_model_dim(const gr_model *m) { return m ? m->dim : 0; }

const gr_graph *gr_model_graph(const gr_model *m) { return m ? m->graph : NULL; }

int gr_model_info(double *value, const gr_model *m, const char *key)
{
    if (!value || !m || !key) return gr_err(GR_EINVAL, "gr_model_info: NULL argument");
    for (size_t k = 0; k < m->n_info; k++) {
        if (strcmp(m->info[k].key, key) == 0) {
            *value = m->info[k].value;
            return GR_OK;
        }
    }
    return gr_err(GR_ENOTFOUND, "model has no info entry '%s'", key);
}

static int user_of(int32_t *u, const gr_model *m, int64_t user)
{
    *u = gr_graph_user_index(m->graph, user);
    if (*u < 0 || (size_t)*u >= m->n_users) return gr_err(GR_ENOTFOUND, "unknown user id %lld", (long long)user);
    return GR_OK;
}

static int item_of(int32_t *i, const gr_model *m, int64_t item)
{
    *i = gr_graph_item_index(m->graph, item);
    if (*i < 0 || (size_t)*i >= m->n_items) return gr_err(GR_ENOTFOUND, "unknown item id %lld", (long long)item);
    return GR_OK;
}

int gr_model_score(float *score, const gr_model *m, int64_t user, int64_t item)
{
    if (!score || !m) return gr_err(GR_EINVAL, "gr_model_score: NULL argument");
    int32_t u, i;
    GR_TRY(user_of(&u, m, user));
    GR_TRY(item_of(&i, m, item));
    if (m->ops && m->ops->score_users) {
        float *all = gr_alloc(m->n_items, sizeof *all);
        if (!all) return GR_ENOMEM;
        int rc = m->ops->score_users(m, &u, 1, all);
        *score = all[i];
        free(all);
        return rc;
    }
    const float *uv = m->user_vec + (size_t)u * m->dim;
    float ub = m->user_bias ? m->user_bias[u] : 0.0f;
    if (m->ops && m->ops->score_items) {
        float *all = gr_alloc(m->n_items, sizeof *all);
        if (!all) return GR_ENOMEM;
        int rc = m->ops->score_items(m, uv, all);
        *score = all[i] + ub + m->global_bias;
        free(all);
        return rc;
    }
    gr_rating_clamp c = gr_model_rating_clamp(m);
    *score = gr_clamp_rating(&c, gr_dot(uv, m->item_vec + (size_t)i * m->dim, m->dim) + ub + m->global_bias +
                                      (m->item_bias ? m->item_bias[i] : 0.0f));
    return GR_OK;
}

static int check_dim(const gr_model *m, size_t dim, const char *fn)
{
    if (m->dim == 0) return gr_err(GR_EUNSUPPORTED, "%s: %s models have no vectors", fn, gr_model_kind_name(m->kind));
    if (dim != m->dim) return gr_err(GR_EINVAL, "%s: dim %zu does not match the model's %zu", fn, dim, m->dim);
    return GR_OK;
}

int gr_model_user_vector(float *out, size_t dim, const gr_model *m, int64_t user)
{
    if (!out || !m) return gr_err(GR_EINVAL, "gr_model_user_vector: NULL argument");
    GR_TRY(check_dim(m, dim, "gr_model_user_vector"));
    int32_t u;
    GR_TRY(user_of(&u, m, user));
    memcpy(out, m->user_vec + (size_t)u * dim, dim * sizeof *out);
    return GR_OK;
}

int gr_model_item_vector(float *out, size_t dim, const gr_model *m, int64_t item)
{
    if (!out || !m) return gr_err(GR_EINVAL, "gr_model_item_vector: NULL argument");
    GR_TRY(check_dim(m, dim, "gr_model_item_vector"));
    int32_t i;
    GR_TRY(item_of(&i, m, item));
    memcpy(out, m->item_vec + (size_t)i * dim, dim * sizeof *out);
    return GR_OK;
}

int gr_model_user_vectors(float *out, size_t rows, size_t dim, const gr_model *m)
{
    if (!out || !m) return gr_err(GR_EINVAL, "gr_model_user_vectors: NULL argument");
    GR_TRY(check_dim(m, dim, "gr_model_user_vectors"));
    if (rows != m->n_users) return gr_err(GR_EINVAL, "gr_model_user_vectors: %zu rows, the model has %zu users", rows, m->n_users);
    memcpy(out, m->user_vec, rows * dim * sizeof *out);
    return GR_OK;
}

int gr_model_item_vectors(float *out, size_t rows, size_t dim, const gr_model *m)
{
    if (!out || !m) return gr_err(GR_EINVAL, "gr_model_item_vectors: NULL argument");
    GR_TRY(check_dim(m, dim, "gr_model_item_vectors"));
    if (rows != m->n_items) return gr_err(GR_EINVAL, "gr_model_item_vectors: %zu rows, the model has %zu items", rows, m->n_items);
    memcpy(out, m->item_vec, rows * dim * sizeof *out);
    return GR_OK;
}
