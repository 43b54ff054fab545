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

void gr_lightgcn_fold_layer(float *fold, const float *rows, size_t n, int k)
{
    if (k == 0)
        for (size_t j = 0; j < n; j++) fold[j] = 2.0f * rows[j];
    else
        for (size_t j = 0; j < n; j++) fold[j] += rows[j];
}

static gr_lightgcn_state *state_of(const gr_model *m) { return (gr_lightgcn_state *)m->state; }

/* Propagate e0 into the model's vectors and the fold-in table.
 * The users' rows of the adjacency add into user_vec and the items' into
 * item_vec, so no n x dim sum is held besides them, and the layers are
 * made in one n x dim buffer and one of the smaller side's rows
 * (gr_lightgcn_propagate): a load's peak is the model and those. */
static int lightgcn_prepare(gr_model *m)
{
    gr_lightgcn_state *s = state_of(m);
    const size_t nu = m->n_users, ni = m->n_items, n = nu + ni, d = m->dim, parts = (size_t)gr_threads_limit() * 8;
    const size_t side_rows = gr_lightgcn_side_rows(nu, ni, s->layers - 1);
    free(s->item_fold);
    s->item_fold = s->layers ? gr_alloc_floats(ni * d) : NULL;
    float *layer = s->layers ? gr_alloc_floats_unset(n * d) : NULL;
    /* allocated even when a side has no rows: the copy back reads it */
    float *side = s->layers > 1 ? gr_alloc_floats_unset(side_rows * d) : NULL;
    gr_spmat a = { 0 };
    int ok = !s->layers || (s->item_fold && layer && (side || s->layers < 2));
    int rc = ok ? gr_norm_adj(&a, m->graph, parts) : GR_ENOMEM;
    if (rc == GR_OK) gr_lightgcn_propagate(&a, nu, s->e0, m->user_vec, m->item_vec, layer, side, d, s->layers, s->item_fold);
    gr_spmat_free(&a);
    free(layer);
    free(side);
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
 * The state's item_fold holds each item's sum, made in the order above.
 */
static int lightgcn_fold_in_part(const gr_model *m, const int32_t *items, size_t n, size_t k, float *out)
{
    const gr_lightgcn_state *s = state_of(m);
    size_t d = m->dim, i = (size_t)items[k];
    int K = s->layers;
    if (K == 0) {
        for (size_t j = 0; j < d; j++) out[j] = m->item_vec[i * d + j] / (float)n;
        return GR_OK;
    }
    size_t deg = gr_csr_degree(&m->graph->iu, i);
    float w = (float)(1.0 / ((double)(K + 1) * sqrt((double)n * (double)(deg ? deg : 1))));
    const float *f = s->item_fold + i * d;
    for (size_t j = 0; j < d; j++) out[j] = f[j] * w;
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
    free(s->item_fold);
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

void gr_lightgcn_tables_free(gr_lightgcn_tables *tables)
{
    if (!tables) return;
    free(tables->user_vec);
    free(tables->item_vec);
    free(tables->item_fold);
    memset(tables, 0, sizeof *tables);
}

/* The model's tables: taken over, or propagated from e0. */
static int model_tables(gr_model *m, gr_lightgcn_tables *tables)
{
    if (!tables) return lightgcn_prepare(m);
    gr_lightgcn_state *s = state_of(m);
    m->user_vec = tables->user_vec;
    m->item_vec = tables->item_vec;
    s->item_fold = tables->item_fold;
    memset(tables, 0, sizeof *tables);
    return GR_OK;
}

int gr_lightgcn_model(gr_model **out, int kind, const gr_graph *train, int layers, size_t dim, float *e0,
                      gr_lightgcn_tables *tables)
{
    gr_model *m = NULL;
    /* with tables the model's vectors are theirs: none are made for it */
    int rc = tables ? gr_model_new(&m, kind, train, dim) : gr_model_create(&m, kind, train, dim, 0, 0);
    gr_lightgcn_state *s = rc == GR_OK ? gr_zalloc(1, sizeof *s) : NULL;
    if (!s) {
        free(e0);
        gr_lightgcn_tables_free(tables);
        gr_model_free(m);
        return rc == GR_OK ? GR_ENOMEM : rc;
    }
    s->layers = layers;
    s->e0 = e0;
    m->state = s;
    rc = model_tables(m, tables);
    if (rc == GR_OK) rc = gr_model_finish(m);
    if (rc != GR_OK) {
        gr_model_free(m);
        return rc;
    }
    *out = m;
    return GR_OK;
}
