/* LightGCN as a model kind: propagation, state, fold-in. */
#include "models/lightgcn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/threads.h"
#include "graph/norm_adj.h"
#include "io/model_file.h"

void gr_lightgcn_propagate(const gr_spmat *a, const float *e0, float *out, float *t1, float *t2, size_t d, int layers,
                           float *item_layers, size_t first_item)
{
    size_t n = a->n, n_items = n - first_item;
    memcpy(out, e0, n * d * sizeof *out);
    const float *cur = e0;
    float *next = t1;
    for (int k = 0; k < layers; k++) {
        if (item_layers) memcpy(item_layers + (size_t)k * n_items * d, cur + first_item * d, n_items * d * sizeof *out);
        gr_spmm_scaled(a, cur, next, out, k == layers - 1 ? 1.0f / (float)(layers + 1) : 1.0f, d);
        cur = next;
        next = next == t1 ? t2 : t1;
    }
}

static gr_lightgcn_state *state_of(const gr_model *m) { return (gr_lightgcn_state *)m->state; }

/* Propagate e0 into the model's vectors and the item layers for fold-in. */
static int lightgcn_prepare(gr_model *m)
{
    gr_lightgcn_state *s = state_of(m);
    size_t n = m->n_users + m->n_items, d = m->dim;
    free(s->item_layers);
    s->item_layers = gr_alloc_floats((size_t)(s->layers ? s->layers : 1) * m->n_items * d);
    float *out = gr_alloc_floats(n * d), *t1 = gr_alloc_floats(n * d), *t2 = gr_alloc_floats(n * d);
    gr_spmat a;
    int rc = s->item_layers && out && t1 && t2 ? gr_norm_adj(&a, m->graph, (size_t)gr_threads_limit() * 8) : GR_ENOMEM;
    if (rc == GR_OK) {
        gr_lightgcn_propagate(&a, s->e0, out, t1, t2, d, s->layers, s->item_layers, m->n_users);
        memcpy(m->user_vec, out, m->n_users * d * sizeof *out);
        memcpy(m->item_vec, out + m->n_users * d, m->n_items * d * sizeof *out);
        gr_spmat_free(&a);
    }
    free(out);
    free(t1);
    free(t2);
    return rc;
}

/*
 * A new user joins the graph with edges to the liked items.  Its layer
 * l+1 embedding is the normalised sum of the items' layer-l embeddings,
 * with weight 1 / sqrt(n * deg i).  Its own layer-0 embedding is not
 * trained; the layer-1 aggregate stands in for it, since training pulls a
 * user's layer-0 embedding towards the items the user likes.  The vector
 * is therefore a sum of one part per liked item:
 *     part_i = (2 e_i^0 + e_i^1 + ... + e_i^(K-1)) / ((K + 1) sqrt(n deg i)),
 * and for MF (K = 0) part_i = e_i / n.  Explanations split scores by it.
 */
static int lightgcn_fold_in_part(const gr_model *m, const int32_t *items, size_t n, size_t k, float *out)
{
    const gr_lightgcn_state *s = state_of(m);
    size_t d = m->dim, ni = m->n_items, i = (size_t)items[k];
    int K = s->layers;
    if (K == 0) {
        for (size_t j = 0; j < d; j++) out[j] = m->item_vec[i * d + j] / (float)n;
        return GR_OK;
    }
    size_t deg = gr_csr_degree(&m->graph->iu, i);
    float w = (float)(1.0 / ((double)(K + 1) * sqrt((double)n * (double)(deg ? deg : 1))));
    const float *e0 = s->item_layers + i * d;
    for (size_t j = 0; j < d; j++) out[j] = 2.0f * e0[j];
    for (int layer = 1; layer < K; layer++) {
        const float *el = s->item_layers + ((size_t)layer * ni + i) * d;
        for (size_t j = 0; j < d; j++) out[j] += el[j];
    }
    for (size_t j = 0; j < d; j++) out[j] *= w;
    return GR_OK;
}

static int lightgcn_fold_in(const gr_model *m, const int32_t *items, size_t n, float *out)
{
    size_t d = m->dim;
    memset(out, 0, d * sizeof *out);
    float *part = gr_alloc_floats(d ? d : 1);
    if (!part) return GR_ENOMEM;
    for (size_t k = 0; k < n; k++) {
        lightgcn_fold_in_part(m, items, n, k, part);
        for (size_t j = 0; j < d; j++) out[j] += part[j];
    }
    free(part);
    return GR_OK;
}

static int lightgcn_save(const gr_model *m, gr_writer *w)
{
    const gr_lightgcn_state *s = state_of(m);
    gr_writer_u64(w, (uint64_t)s->layers);
    gr_writer_floats(w, s->e0, (m->n_users + m->n_items) * m->dim);
    return GR_OK;
}

static int lightgcn_load(gr_model *m, gr_reader *r)
{
    gr_lightgcn_state *s = gr_zalloc(1, sizeof *s);
    if (!s) return GR_ENOMEM;
    m->state = s;
    uint64_t layers;
    GR_TRY(gr_reader_u64(r, &layers));
    if (layers > 64) return gr_reader_fail(r, "LightGCN layers %llu out of range", (unsigned long long)layers);
    s->layers = (int)layers;
    size_t n = (m->n_users + m->n_items) * m->dim;
    s->e0 = gr_alloc_floats(n);
    if (!s->e0) return GR_ENOMEM;
    return gr_reader_floats(r, s->e0, n);
}

static void lightgcn_free(gr_model *m)
{
    gr_lightgcn_state *s = state_of(m);
    if (!s) return;
    free(s->e0);
    free(s->item_layers);
    free(s);
    m->state = NULL;
}

const gr_model_ops gr_lightgcn_ops = {
    GR_MODEL_LIGHTGCN, lightgcn_fold_in, NULL, lightgcn_save, lightgcn_load, lightgcn_prepare, lightgcn_free,
    NULL, NULL, lightgcn_fold_in_part,
};

const gr_model_ops gr_mf_ops = {
    GR_MODEL_MF, lightgcn_fold_in, NULL, lightgcn_save, lightgcn_load, lightgcn_prepare, lightgcn_free,
    NULL, NULL, lightgcn_fold_in_part,
};

int gr_lightgcn_model(gr_model **out, int kind, const gr_graph *train, int layers, size_t dim, float *e0)
{
    gr_model *m = NULL;
    int rc = gr_model_create(&m, kind, train, dim, 0, 0);
    if (rc != GR_OK) {
        free(e0);
        return rc;
    }
    gr_lightgcn_state *s = gr_zalloc(1, sizeof *s);
    if (!s) {
        free(e0);
        gr_model_free(m);
        return GR_ENOMEM;
    }
    s->layers = layers;
    s->e0 = e0;
    m->state = s;
    rc = lightgcn_prepare(m);
    if (rc == GR_OK) rc = gr_model_finish(m);
    if (rc != GR_OK) {
        gr_model_free(m);
        return rc;
    }
    *out = m;
    return GR_OK;
}
