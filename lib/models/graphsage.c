/* GraphSAGE layers: parameter layout, initialisation, forward and backward passes over a block. */
#include "models/graphsage.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/rng.h"
#include "core/threads.h"
#include "kernels/mask.h"
#include "kernels/matmul.h"
#include "kernels/parallel.h"
#include "kernels/rows.h"

size_t gr_sage_width(const gr_sage_arch *a, int l, int t)
{
    if (l == 0) return a->feat[t] + a->id_dim;
    if (l < a->layers) return a->hidden;
    return a->dim + (a->bias ? 1 : 0);
}

void gr_sage_layout_of(gr_sage_layout *lay, const gr_sage_arch *a)
{
    memset(lay, 0, sizeof *lay);
    size_t at = 0;
    for (int t = 0; t < 2; t++) {
        lay->emb[t] = at;
        at += a->n[t] * a->id_dim;
    }
    for (int t = 0; t < 2; t++) {
        lay->nbias[t] = at;
        at += a->bias ? a->n[t] : 0;
    }
    for (int l = 1; l <= a->layers; l++) {
        lay->rows[l] = gr_sage_width(a, l, 0);
        for (int t = 0; t < 2; t++) {
            lay->cols[l][t] = gr_sage_width(a, l - 1, t) + (size_t)a->channels * gr_sage_width(a, l - 1, 1 - t);
            lay->w[l][t] = at;
            at += lay->rows[l] * lay->cols[l][t];
            lay->b[l][t] = at;
            at += lay->rows[l];
        }
    }
    lay->total = at;
}

void gr_sage_init_params(float *p, const gr_sage_arch *a, const gr_sage_layout *lay, const gr_graph *g, double init_std,
                         uint64_t seed)
{
    memset(p, 0, lay->total * sizeof *p);
    const gr_csr *rows[2] = { &g->ui, &g->iu };
    for (int t = 0; t < 2; t++) {
        for (size_t v = 0; v < a->n[t]; v++) {
            if (gr_csr_degree(rows[t], v) == 0) continue;
            gr_rng r = gr_rng_make(seed, gr_hash3(0x5A6E, (uint64_t)t, v));
            float *e = p + lay->emb[t] + v * a->id_dim;
            for (size_t j = 0; j < a->id_dim; j++) e[j] = (float)(init_std * gr_rng_normal(&r));
        }
    }
    for (int l = 1; l <= a->layers; l++) {
        for (int t = 0; t < 2; t++) {
            double bound = sqrt(6.0 / (double)(lay->rows[l] + lay->cols[l][t]));
            gr_rng r = gr_rng_make(seed, gr_hash3(0x5A6F, (uint64_t)l, (uint64_t)t));
            float *w = p + lay->w[l][t];
            for (size_t k = 0; k < lay->rows[l] * lay->cols[l][t]; k++) w[k] = (float)(bound * (2.0 * gr_rng_unit(&r) - 1.0));
        }
    }
}

/* ---- buffers ---- */

static int grow(gr_fbuf *b, size_t need, int slack)
{
    if (need <= b->cap && b->p) return GR_OK;
    size_t c = slack ? need + need / 4 + 64 : need + 1;
    float *q = gr_alloc_floats(c);
    if (!q) return GR_ENOMEM;
    free(b->p);
    b->p = q;
    b->cap = c;
    return GR_OK;
}

int gr_sage_pass_reserve(gr_sage_pass *ps, const gr_sage_arch *a, const gr_sage_block *b, int mode)
{
    gr_sage_layout lay;
    gr_sage_layout_of(&lay, a);
    const int train = mode == GR_SAGE_PASS_TRAIN, dropped = ps->dropout > 0;
    size_t wmax = 0;
    for (int l = 0; l <= a->layers; l++) {
        for (int t = 0; t < 2; t++) {
            size_t need = b->n[l][t] * gr_sage_width(a, l, t);
            GR_TRY(grow(&ps->h[l][t], need, train));
            if (dropped && l < a->layers) GR_TRY(grow(&ps->hd[l][t], need, train));
            if (train) GR_TRY(grow(&ps->dh[l][t], need, train));
            if (l == 0) continue;
            GR_TRY(grow(&ps->x[l][t], b->n[l][t] * lay.cols[l][t], train));
            if (train) GR_TRY(grow(&ps->dx[t], b->n[l][t] * lay.cols[l][t], train));
            size_t w1 = lay.cols[l][t] * gr_gemm_stride(lay.rows[l]), w2 = lay.rows[l] * gr_gemm_stride(lay.cols[l][t]);
            if (w1 > wmax) wmax = w1;
            if (train && w2 > wmax) wmax = w2;
        }
    }
    for (int t = 0; t < 2; t++) {
        size_t n = b->n[a->layers][t];
        GR_TRY(grow(&ps->out[t], n * gr_sage_width(a, a->layers, t), train));
        if (train) GR_TRY(grow(&ps->dout[t], n * gr_sage_width(a, a->layers, t), train));
        GR_TRY(grow(&ps->norm[t], n, train));
    }
    return grow(&ps->wt, wmax, train);
}

void gr_sage_pass_free(gr_sage_pass *ps)
{
    for (int l = 0; l <= GR_SAGE_MAX_LAYERS; l++)
        for (int t = 0; t < 2; t++) {
            free(ps->h[l][t].p);
            free(ps->hd[l][t].p);
            free(ps->x[l][t].p);
            free(ps->dh[l][t].p);
        }
    for (int t = 0; t < 2; t++) {
        free(ps->dx[t].p);
        free(ps->out[t].p);
        free(ps->dout[t].p);
        free(ps->norm[t].p);
    }
    free(ps->wt.p);
    memset(ps, 0, sizeof *ps);
}

/* ---- forward ---- */

/*
 * Dropout keeps element j of node v at depth l with probability 1 - rate
 * (rate in steps of 1/256), from random bytes drawn from (seed, key,
 * depth, type, node, column), so the mask does not depend on positions or
 * threads: a kept value is divided by P(keep) (gr_dropout_row).
 */
static unsigned dropout_cut(const gr_sage_pass *ps) { return (unsigned)(ps->dropout * 256.0f + 0.5f); }

static float dropout_scale(unsigned cut) { return 256.0f / (float)(256u - (cut < 255u ? cut : 255u)); }

static uint64_t dropout_stream(const gr_sage_pass *ps, int l, int t, int32_t v)
{
    return gr_hash3(ps->drop_seed, gr_hash3(ps->drop_key, (uint64_t)(l * 2 + t), 0), (uint64_t)v);
}

static void apply_dropout(const gr_sage_arch *a, const gr_sage_block *b, gr_sage_pass *ps, int l, int t)
{
    size_t w = gr_sage_width(a, l, t);
    long n = (long)b->n[l][t];
    const float *src = ps->h[l][t].p;
    float *dst = ps->hd[l][t].p;
    const unsigned cut = dropout_cut(ps);
    const float scale = dropout_scale(cut);
#pragma omp parallel for schedule(static) if (gr_parallel_worth((size_t)n * w)) num_threads(gr_threads())
    for (long k = 0; k < n; k++)
        gr_dropout_row(dst + (size_t)k * w, src + (size_t)k * w, w, dropout_stream(ps, l, t, b->node[l][t][k]), cut,
                       scale);
}

/* The depth-l rows the next layer reads: after dropout, or as they are. */
static const float *layer_input(const gr_sage_pass *ps, int l, int t)
{
    return ps->dropout > 0 ? ps->hd[l][t].p : ps->h[l][t].p;
}

/* Layer input rows: [self ; per channel: sum of neighbours of that channel / all neighbours]. */
static void build_inputs(const gr_sage_arch *a, const gr_sage_layout *lay, const gr_sage_block *b, gr_sage_pass *ps,
                         int l, int t)
{
    size_t ws = gr_sage_width(a, l - 1, t), wn = gr_sage_width(a, l - 1, 1 - t), cols = lay->cols[l][t];
    const float *self = layer_input(ps, l - 1, t), *nb = layer_input(ps, l - 1, 1 - t);
    const gr_sage_hop *h = &b->hop[l][t];
    float *x = ps->x[l][t].p;
    long n = (long)b->n[l][t];
#pragma omp parallel for schedule(dynamic, 64) if (gr_parallel_worth((size_t)n * cols)) num_threads(gr_threads())
    for (long k = 0; k < n; k++) {
        float *row = x + (size_t)k * cols;
        memcpy(row, self + (size_t)k * ws, ws * sizeof *row);
        int64_t lo = h->ptr[k], hi = h->ptr[k + 1];
        gr_rows_sum_by_channel(row + ws, (size_t)a->channels, nb, h->nbr + lo, h->chan + lo, (size_t)(hi - lo), wn,
                               hi > lo ? 1.0f / (float)(hi - lo) : 1.0f);
    }
}

/* Row by row: each thread's slice starts and ends on a row. */
static void relu(float *x, size_t rows, size_t w)
{
    long n = (long)rows;
#pragma omp parallel for schedule(static) if (gr_parallel_worth(rows * w)) num_threads(gr_threads())
    for (long k = 0; k < n; k++) gr_relu(x + (size_t)k * w, w);
}

static void normalise_output(const gr_sage_arch *a, const gr_sage_block *b, gr_sage_pass *ps, int t)
{
    int L = a->layers;
    size_t w = gr_sage_width(a, L, t), n = b->n[L][t];
    memcpy(ps->out[t].p, ps->h[L][t].p, n * w * sizeof(float));
    if (!a->l2norm) return;
    long nn = (long)n;
#pragma omp parallel for schedule(static) if (gr_parallel_worth(n * w)) num_threads(gr_threads())
    for (long k = 0; k < nn; k++) {
        float *z = ps->out[t].p + (size_t)k * w;
        double s = 0;
        for (size_t j = 0; j < a->dim; j++) s += (double)z[j] * z[j];
        float nrm = (float)sqrt(s);
        if (nrm < 1e-12f) nrm = 1e-12f;
        ps->norm[t].p[k] = nrm;
        for (size_t j = 0; j < a->dim; j++) z[j] /= nrm;
    }
}

void gr_sage_forward(const gr_sage_arch *a, const gr_sage_layout *lay, const float *p, const gr_sage_block *b,
                     gr_sage_pass *ps)
{
    int L = a->layers;
    for (int l = 0; l < L; l++) {
        if (ps->dropout > 0)
            for (int t = 0; t < 2; t++) apply_dropout(a, b, ps, l, t);
        for (int t = 0; t < 2; t++) {
            size_t rows = lay->rows[l + 1], cols = lay->cols[l + 1][t], n = b->n[l + 1][t];
            build_inputs(a, lay, b, ps, l + 1, t);
            gr_transpose_padded(ps->wt.p, p + lay->w[l + 1][t], cols, rows, cols);
            gr_gemm_nn(ps->h[l + 1][t].p, rows, ps->x[l + 1][t].p, cols, ps->wt.p, gr_gemm_stride(rows),
                       p + lay->b[l + 1][t], n, cols, rows);
            if (l + 1 < L) relu(ps->h[l + 1][t].p, n, rows);
        }
    }
    for (int t = 0; t < 2; t++) normalise_output(a, b, ps, t);
}

/* ---- backward ---- */

static void normalise_backward(const gr_sage_arch *a, const gr_sage_block *b, gr_sage_pass *ps, int t)
{
    int L = a->layers;
    size_t w = gr_sage_width(a, L, t), n = b->n[L][t];
    memcpy(ps->dh[L][t].p, ps->dout[t].p, n * w * sizeof(float));
    if (!a->l2norm) return;
    long nn = (long)n;
#pragma omp parallel for schedule(static) if (gr_parallel_worth(n * w)) num_threads(gr_threads())
    for (long k = 0; k < nn; k++) {
        const float *z = ps->out[t].p + (size_t)k * w;
        float *g = ps->dh[L][t].p + (size_t)k * w;
        double dot = 0;
        for (size_t j = 0; j < a->dim; j++) dot += (double)z[j] * g[j];
        float inv = 1.0f / ps->norm[t].p[k];
        for (size_t j = 0; j < a->dim; j++) g[j] = (g[j] - z[j] * (float)dot) * inv;
    }
}

/*
 * Gradient of the layer inputs into the depth-(l-1) rows (self and
 * neighbours), on one thread.  A neighbour row takes sums from many rows
 * of depth l.  Split between two threads by destination rows (each
 * walking every edge and adding those into its own rows) the scatter took
 * about four times the CPU time of one thread doing it all, and the epoch
 * was no faster (ML-1M, AMD EPYC): it waits on fetching the destination
 * rows, and a second core writing them only adds to that.
 */
static void scatter_inputs(const gr_sage_arch *a, const gr_sage_layout *lay, const gr_sage_block *b, gr_sage_pass *ps,
                           int l, int t)
{
    size_t ws = gr_sage_width(a, l - 1, t), wn = gr_sage_width(a, l - 1, 1 - t), cols = lay->cols[l][t];
    const gr_sage_hop *h = &b->hop[l][t];
    float *dx = ps->dx[t].p;
    float *dself = ps->dh[l - 1][t].p, *dnb = ps->dh[l - 1][1 - t].p;
    size_t n = b->n[l][t];
    for (size_t k = 0; k < n; k++) {
        float *row = dx + k * cols;
        for (size_t j = 0; j < ws; j++) dself[k * ws + j] += row[j];
        int64_t lo = h->ptr[k], hi = h->ptr[k + 1];
        if (hi == lo) continue;
        /* divided by the degree in place: dx is this product's scratch */
        float inv = 1.0f / (float)(hi - lo);
        for (size_t j = ws; j < cols; j++) row[j] *= inv;
        gr_rows_add_by_channel(dnb, h->nbr + lo, h->chan + lo, row + ws, (size_t)(hi - lo), wn);
    }
}

/* From the gradient of the dropped-out rows to that of the depth-l rows
 * (and through the ReLU that produced them, for l >= 1). */
static void through_dropout_relu(const gr_sage_arch *a, const gr_sage_block *b, gr_sage_pass *ps, int l, int t)
{
    size_t w = gr_sage_width(a, l, t);
    long n = (long)b->n[l][t];
    float *g = ps->dh[l][t].p;
    const float *h = ps->h[l][t].p;
    const unsigned cut = dropout_cut(ps);
    const float scale = dropout_scale(cut);
#pragma omp parallel for schedule(static) if (gr_parallel_worth((size_t)n * w)) num_threads(gr_threads())
    for (long k = 0; k < n; k++) {
        float *gr = g + (size_t)k * w;
        if (ps->dropout > 0) gr_dropout_row(gr, gr, w, dropout_stream(ps, l, t, b->node[l][t][k]), cut, scale);
        if (l > 0) gr_relu_grad(gr, h + (size_t)k * w, w);
    }
}

void gr_sage_backward(const gr_sage_arch *a, const gr_sage_layout *lay, const float *p, const gr_sage_block *b,
                      gr_sage_pass *ps, float *grad)
{
    int L = a->layers;
    for (int t = 0; t < 2; t++) normalise_backward(a, b, ps, t);
    for (int l = L; l >= 1; l--) {
        for (int t = 0; t < 2; t++) memset(ps->dh[l - 1][t].p, 0, b->n[l - 1][t] * gr_sage_width(a, l - 1, t) * sizeof(float));
        for (int t = 0; t < 2; t++) {
            size_t rows = lay->rows[l], cols = lay->cols[l][t], n = b->n[l][t];
            const float *dy = ps->dh[l][t].p;
            gr_gemm_tn_acc(grad + lay->w[l][t], cols, dy, rows, ps->x[l][t].p, cols, n, rows, cols);
            gr_colsum_acc(grad + lay->b[l][t], dy, rows, n, rows);
            gr_copy_padded(ps->wt.p, p + lay->w[l][t], cols, rows, cols);
            gr_gemm_nn(ps->dx[t].p, cols, dy, rows, ps->wt.p, gr_gemm_stride(cols), NULL, n, rows, cols);
            scatter_inputs(a, lay, b, ps, l, t);
        }
        for (int t = 0; t < 2; t++) through_dropout_relu(a, b, ps, l - 1, t);
    }
}
