/* GraphSAGE as a model kind: inference over the training graph, state, model file. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/threads.h"
#include "io/model_file.h"
#include "kernels/matmul.h"
#include "kernels/parallel.h"
#include "models/graphsage.h"

int gr_sage_channel(const gr_sage_state *s, float rating)
{
    if (s->arch.channels <= 1 || s->n_levels <= 1) return 0;
    int best = 0;
    for (int c = 1; c < s->n_levels; c++)
        if (fabsf(rating - s->level[c]) < fabsf(rating - s->level[best])) best = c;
    return best;
}

int gr_sage_edge_channels(const gr_sage_state *s, const gr_graph *g, uint8_t **chan_ui, uint8_t **chan_iu)
{
    size_t ne = g->n_edges ? g->n_edges : 1;
    uint8_t *a = gr_alloc(ne, 1), *b = gr_alloc(ne, 1);
    if (!a || !b) {
        free(a);
        free(b);
        return GR_ENOMEM;
    }
    for (size_t k = 0; k < g->n_edges; k++) {
        a[k] = (uint8_t)gr_sage_channel(s, gr_csr_val(&g->ui, k));
        b[k] = (uint8_t)gr_sage_channel(s, gr_csr_val(&g->iu, k));
    }
    *chan_ui = a;
    *chan_iu = b;
    return GR_OK;
}

/* Depth-0 rows of every node: [features ; id embedding]. */
static void full_inputs(const gr_sage_state *s, const float *params, gr_sage_pass *ps)
{
    const gr_sage_arch *a = &s->arch;
    for (int t = 0; t < 2; t++) {
        size_t w = gr_sage_width(a, 0, t), f = a->feat[t];
        long n = (long)a->n[t];
        float *h = ps->h[0][t].p;
        const float *emb = params + s->lay.emb[t];
#pragma omp parallel for schedule(static) if (gr_parallel_worth((size_t)n * w)) num_threads(gr_threads())
        for (long v = 0; v < n; v++) {
            float *row = h + (size_t)v * w;
            if (f) memcpy(row, s->feat[t] + (size_t)v * f, f * sizeof *row);
            if (a->id_dim) memcpy(row + f, emb + (size_t)v * a->id_dim, a->id_dim * sizeof *row);
        }
    }
}

static void copy_outputs(const gr_sage_state *s, const float *params, const gr_sage_pass *ps, int t, float *vec,
                         float *bias)
{
    const gr_sage_arch *a = &s->arch;
    size_t w = gr_sage_width(a, a->layers, t);
    for (size_t v = 0; v < a->n[t]; v++) {
        const float *o = ps->out[t].p + v * w;
        if (vec) memcpy(vec + v * a->dim, o, a->dim * sizeof *vec);
        if (bias) bias[v] = a->bias ? params[s->lay.nbias[t] + v] + o[a->dim] : 0.0f;
    }
}

static int keep_hidden_layers(gr_sage_state *s, const gr_sage_pass *ps)
{
    const gr_sage_arch *a = &s->arch;
    for (int l = 0; l < a->layers; l++) {
        for (int t = 0; t < 2; t++) {
            size_t n = a->n[t] * gr_sage_width(a, l, t);
            free(s->hid[l][t]);
            s->hid[l][t] = gr_alloc_floats(n + 1);
            if (!s->hid[l][t]) return GR_ENOMEM;
            memcpy(s->hid[l][t], ps->h[l][t].p, n * sizeof(float));
        }
    }
    return GR_OK;
}

int gr_sage_infer(gr_sage_state *s, const gr_graph *g, const float *params, float *user_vec, float *item_vec,
                  float *user_bias, float *item_bias, int keep_hidden)
{
    if (!s->chan_ui) GR_TRY(gr_sage_edge_channels(s, g, &s->chan_ui, &s->chan_iu));
    gr_sage_block b;
    GR_TRY(gr_sage_full_block(&b, g, s->chan_ui, s->chan_iu, s->arch.layers));
    gr_sage_pass ps;
    memset(&ps, 0, sizeof ps);
    int rc = gr_sage_pass_reserve(&ps, &s->arch, &b, GR_SAGE_PASS_FORWARD);
    if (rc == GR_OK) {
        full_inputs(s, params, &ps);
        gr_sage_forward(&s->arch, &s->lay, params, &b, &ps);
        copy_outputs(s, params, &ps, GR_NODE_USER, user_vec, user_bias);
        copy_outputs(s, params, &ps, GR_NODE_ITEM, item_vec, item_bias);
        if (keep_hidden) rc = keep_hidden_layers(s, &ps);
    }
    gr_sage_pass_free(&ps);
    gr_sage_block_free(&b);
    return rc;
}

void gr_sage_state_free(gr_sage_state *s)
{
    if (!s) return;
    for (int t = 0; t < 2; t++) free(s->feat[t]);
    free(s->params);
    free(s->chan_ui);
    free(s->chan_iu);
    for (int l = 0; l < GR_SAGE_MAX_LAYERS; l++)
        for (int t = 0; t < 2; t++) free(s->hid[l][t]);
    free(s);
}

static gr_sage_state *state_of(const gr_model *m) { return (gr_sage_state *)m->state; }

/* Vectors, biases and the hidden layers cold start needs, from the parameters. */
static int sage_prepare(gr_model *m)
{
    gr_sage_state *s = state_of(m);
    free(s->chan_ui);
    free(s->chan_iu);
    s->chan_ui = s->chan_iu = NULL;
    GR_TRY(gr_sage_infer(s, m->graph, s->params, m->user_vec, m->item_vec, m->user_bias, m->item_bias, 1));
    m->global_bias = s->objective == GR_OBJECTIVE_RATING ? s->mu : 0.0f;
    if (s->objective == GR_OBJECTIVE_RATING) gr_model_set_rating_range(m);
    return GR_OK;
}

static void sage_free(gr_model *m)
{
    gr_sage_state_free(state_of(m));
    m->state = NULL;
}

/* ---- model file ---- */

enum { HEAD_WORDS = 13 };

static int sage_save(const gr_model *m, gr_writer *w)
{
    const gr_sage_state *s = state_of(m);
    const gr_sage_arch *a = &s->arch;
    uint64_t head[HEAD_WORDS] = {
        (uint64_t)a->layers, (uint64_t)a->channels, (uint64_t)a->bias, (uint64_t)a->l2norm, a->id_dim, a->hidden,
        a->dim, a->feat[0], a->feat[1], (uint64_t)s->objective, (uint64_t)s->n_levels, (uint64_t)s->feat_kind[0],
        (uint64_t)s->feat_kind[1],
    };
    for (int k = 0; k < HEAD_WORDS; k++) gr_writer_u64(w, head[k]);
    gr_writer_floats(w, s->level, (size_t)s->n_levels);
    gr_writer_floats(w, &s->mu, 1);
    gr_writer_floats(w, &s->top, 1);
    if (s->feat_kind[0] == GR_SAGE_FEAT_BUILTIN || s->feat_kind[1] == GR_SAGE_FEAT_BUILTIN) gr_feat_spec_save(&s->spec, w);
    for (int t = 0; t < 2; t++) gr_writer_floats(w, s->feat[t], a->n[t] * a->feat[t]);
    gr_writer_floats(w, s->params, s->lay.total);
    return GR_OK;
}

static int check_head(gr_reader *r, const uint64_t *h, const gr_model *m)
{
    if (h[0] < 1 || h[0] > GR_SAGE_MAX_LAYERS) return gr_reader_fail(r, "GraphSAGE layers %llu out of range", (unsigned long long)h[0]);
    if (h[1] < 1 || h[1] > GR_SAGE_MAX_CHANNELS || h[2] > 1 || h[3] > 1)
        return gr_reader_fail(r, "GraphSAGE channels or flags out of range");
    for (int k = 4; k < 9; k++)
        if (h[k] > (1u << 20)) return gr_reader_fail(r, "GraphSAGE width %llu out of range", (unsigned long long)h[k]);
    if (h[6] != m->dim) return gr_reader_fail(r, "GraphSAGE output width %llu differs from the vectors' %zu", (unsigned long long)h[6], m->dim);
    if (h[9] > 1 || h[10] > GR_SAGE_MAX_CHANNELS || h[11] > 2 || h[12] > 2)
        return gr_reader_fail(r, "GraphSAGE objective or feature kinds out of range");
    if (h[1] > 1 && h[1] != h[10]) return gr_reader_fail(r, "GraphSAGE channels do not match the rating levels");
    return GR_OK;
}

static int read_floats(gr_reader *r, float **dst, size_t n)
{
    if (n > (r->end - r->pos) / 4) return gr_reader_fail(r, "GraphSAGE arrays exceed the section");
    *dst = gr_alloc_floats(n + 1);
    if (!*dst) return GR_ENOMEM;
    return gr_reader_floats(r, *dst, n);
}

static int sage_load(gr_model *m, gr_reader *r)
{
    gr_sage_state *s = gr_zalloc(1, sizeof *s);
    if (!s) return GR_ENOMEM;
    m->state = s;
    uint64_t h[HEAD_WORDS];
    for (int k = 0; k < HEAD_WORDS; k++) GR_TRY(gr_reader_u64(r, &h[k]));
    GR_TRY(check_head(r, h, m));
    gr_sage_arch *a = &s->arch;
    a->layers = (int)h[0];
    a->channels = (int)h[1];
    a->bias = (int)h[2];
    a->l2norm = (int)h[3];
    a->id_dim = h[4];
    a->hidden = h[5];
    a->dim = h[6];
    a->feat[0] = h[7];
    a->feat[1] = h[8];
    a->n[0] = m->n_users;
    a->n[1] = m->n_items;
    s->objective = (int)h[9];
    s->n_levels = (int)h[10];
    s->feat_kind[0] = (int)h[11];
    s->feat_kind[1] = (int)h[12];
    if ((a->bias != 0) != (m->user_bias != NULL) || (a->bias != 0) != (m->item_bias != NULL))
        return gr_reader_fail(r, "GraphSAGE biases do not match the vectors section");
    GR_TRY(gr_reader_floats(r, s->level, (size_t)s->n_levels));
    GR_TRY(gr_reader_floats(r, &s->mu, 1));
    GR_TRY(gr_reader_floats(r, &s->top, 1));
    if (s->feat_kind[0] == GR_SAGE_FEAT_BUILTIN || s->feat_kind[1] == GR_SAGE_FEAT_BUILTIN) {
        GR_TRY(gr_feat_spec_load(&s->spec, r));
        for (int t = 0; t < 2; t++)
            if (s->feat_kind[t] == GR_SAGE_FEAT_BUILTIN && s->spec.dim[t] != a->feat[t])
                return gr_reader_fail(r, "GraphSAGE feature encoder does not match the feature width");
    }
    for (int t = 0; t < 2; t++) GR_TRY(read_floats(r, &s->feat[t], a->n[t] * a->feat[t]));
    gr_sage_layout_of(&s->lay, a);
    return read_floats(r, &s->params, s->lay.total);
}

const gr_model_ops gr_graphsage_ops = {
    GR_MODEL_GRAPHSAGE, gr_sage_fold_in, NULL, sage_save, sage_load, sage_prepare, sage_free, NULL, NULL,
    NULL, /* ReLU layers: the fold-in is not a sum over the items */
};

int gr_sage_model(gr_model **out, const gr_graph *train, gr_sage_state *s)
{
    gr_model *m = NULL;
    int rc = gr_model_create(&m, GR_MODEL_GRAPHSAGE, train, s->arch.dim, s->arch.bias, s->arch.bias);
    if (rc != GR_OK) {
        gr_sage_state_free(s);
        return rc;
    }
    m->state = s;
    rc = sage_prepare(m);
    if (rc == GR_OK) rc = gr_model_finish(m);
    if (rc != GR_OK) {
        gr_model_free(m);
        return rc;
    }
    *out = m;
    return GR_OK;
}

/* ---- a node the model has not seen ---- */

/* y = W x + b for one row (W rows x cols, row-major). */
static void matvec(float *y, const float *w, const float *b, const float *x, size_t rows, size_t cols)
{
    for (size_t r = 0; r < rows; r++) {
        float acc = b[r];
        const float *wr = w + r * cols;
        for (size_t c = 0; c < cols; c++) acc += wr[c] * x[c];
        y[r] = acc;
    }
}

int gr_sage_embed_new(const gr_model *m, int type, const float *feat_row, const int32_t *nbr, const uint8_t *chan,
                      size_t n_nbr, float *vec, float *bias)
{
    const gr_sage_state *s = state_of(m);
    const gr_sage_arch *a = &s->arch;
    size_t maxc = 0;
    for (int l = 1; l <= a->layers; l++) {
        if (s->lay.cols[l][type] > maxc) maxc = s->lay.cols[l][type];
        if (s->lay.rows[l] > maxc) maxc = s->lay.rows[l];
    }
    float *x = gr_alloc_floats(maxc + 1), *cur = gr_alloc_floats(maxc + 1);
    if (!x || !cur) {
        free(x);
        free(cur);
        return GR_ENOMEM;
    }
    if (feat_row && a->feat[type]) memcpy(cur, feat_row, a->feat[type] * sizeof *cur);
    for (int l = 1; l <= a->layers; l++) {
        size_t ws = gr_sage_width(a, l - 1, type), wn = gr_sage_width(a, l - 1, 1 - type), cols = s->lay.cols[l][type];
        memset(x, 0, cols * sizeof *x);
        memcpy(x, cur, ws * sizeof *x);
        const float *h = s->hid[l - 1][1 - type];
        for (size_t e = 0; e < n_nbr; e++)
            for (size_t j = 0; j < wn; j++) x[ws + (size_t)chan[e] * wn + j] += h[(size_t)nbr[e] * wn + j] / (float)n_nbr;
        matvec(cur, s->params + s->lay.w[l][type], s->params + s->lay.b[l][type], x, s->lay.rows[l], cols);
        if (l < a->layers)
            for (size_t j = 0; j < s->lay.rows[l]; j++) cur[j] = cur[j] > 0 ? cur[j] : 0.0f;
    }
    double nrm = 0;
    for (size_t j = 0; j < a->dim; j++) nrm += (double)cur[j] * cur[j];
    float inv = a->l2norm ? (float)(1.0 / fmax(sqrt(nrm), 1e-12)) : 1.0f;
    for (size_t j = 0; j < a->dim; j++) vec[j] = cur[j] * inv;
    if (bias) *bias = a->bias ? cur[a->dim] : 0.0f;
    free(x);
    free(cur);
    return GR_OK;
}
