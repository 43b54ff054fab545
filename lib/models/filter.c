/* GF-CF and the Chebyshev filter as model kinds: scoring, fold-in, state (filter.h). */
#include "core/threads.h"
#include "models/filter.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "io/model_file.h"
#include "kernels/dense.h"
#include "models/item_rows.h"

static const double PI = 3.14159265358979323846;

void gr_filter_coefficients(double *coef, int order, double phi)
{
    int nodes = order + 1;
    for (int k = 0; k <= order; k++) {
        double sum = 0.0;
        for (int j = 0; j < nodes; j++) {
            double angle = PI * (j + 0.5) / nodes;
            double mu = 0.5 * (cos(angle) + 1.0);
            sum += pow(mu, phi) * cos(k * angle);
        }
        coef[k] = (k == 0 ? 1.0 : 2.0) * sum / nodes;
    }
}

static float inv_sqrt_deg(size_t d) { return d ? (float)(1.0 / sqrt((double)d)) : 0.0f; }

/* One normalised CSR from a graph's CSR: weight 1 / sqrt(deg row * deg col). */
static int norm_csr(gr_spmat *out, const gr_csr *rows, const gr_csr *cols, size_t nnz)
{
    memset(out, 0, sizeof *out);
    out->n = rows->nrows;
    out->nnz = nnz;
    out->ptr = gr_alloc(rows->nrows + 1, sizeof *out->ptr);
    out->col = gr_alloc(nnz ? nnz : 1, sizeof *out->col);
    out->val = gr_alloc(nnz ? nnz : 1, sizeof *out->val);
    if (!out->ptr || !out->col || !out->val) {
        gr_spmat_free(out);
        return GR_ENOMEM;
    }
    memcpy(out->ptr, rows->ptr, (rows->nrows + 1) * sizeof *out->ptr);
    memcpy(out->col, rows->col, nnz * sizeof *out->col);
    for (size_t r = 0; r < rows->nrows; r++) {
        float sr = inv_sqrt_deg(gr_csr_degree(rows, r));
        for (int64_t k = rows->ptr[r]; k < rows->ptr[r + 1]; k++)
            out->val[k] = sr * inv_sqrt_deg(gr_csr_degree(cols, (size_t)rows->col[k]));
    }
    int rc = gr_spmat_balance(out, 64);
    if (rc != GR_OK) gr_spmat_free(out);
    return rc;
}

int gr_filter_norm_matrices(gr_spmat *r, gr_spmat *rt, const gr_graph *g)
{
    GR_TRY(norm_csr(r, &g->ui, &g->iu, g->n_edges));
    int rc = norm_csr(rt, &g->iu, &g->ui, g->n_edges);
    if (rc != GR_OK) gr_spmat_free(r);
    return rc;
}

static gr_filter_state *state_of(const gr_model *m) { return (gr_filter_state *)m->state; }

/* ---- the polynomial term ---- */

/* scores += r P for the item set s (sorted dense indices): P's rows summed
 * through the users who share an item with r, never forming P.  t (users,
 * zero) and touched are scratch; t is left zero. */
static void linear_sparse(const gr_filter_state *st, const int32_t *items, size_t n, const float *weight,
                          float *scores, float *t, int32_t *touched)
{
    size_t nt = 0;
    const gr_spmat *rt = &st->rt, *r = &st->r;
    for (size_t a = 0; a < n; a++) {
        float x = weight ? weight[items[a]] : 1.0f;
        for (int64_t k = rt->ptr[items[a]]; k < rt->ptr[items[a] + 1]; k++) {
            int32_t v = rt->col[k];
            if (t[v] == 0.0f) touched[nt++] = v; /* weights are positive */
            t[v] += rt->val[k] * x;
        }
    }
    for (size_t a = 0; a < nt; a++) {
        int32_t v = touched[a];
        float w = t[v];
        t[v] = 0.0f;
        for (int64_t k = r->ptr[v]; k < r->ptr[v + 1]; k++) scores[r->col[k]] += w * r->val[k];
    }
}

typedef struct poly_buf {
    float *t0, *t1, *t2, *acc, *u; /* items x w (four), users x w */
} poly_buf;

static void poly_free(poly_buf *b)
{
    free(b->t0);
    free(b->t1);
    free(b->t2);
    free(b->acc);
    free(b->u);
}

/* t0 is zeroed (signals are set sparsely); the others are written whole. */
static int poly_alloc(poly_buf *b, size_t ni, size_t nu, size_t w)
{
    b->t0 = gr_zalloc(ni * w, sizeof *b->t0);
    b->t1 = gr_alloc(ni * w, sizeof *b->t1);
    b->t2 = gr_alloc(ni * w, sizeof *b->t2);
    b->acc = gr_alloc(ni * w, sizeof *b->acc);
    b->u = gr_alloc(nu * w, sizeof *b->u);
    if (!b->t0 || !b->t1 || !b->t2 || !b->acc || !b->u) {
        poly_free(b);
        return GR_ENOMEM;
    }
    return GR_OK;
}

/* out = P x for w signals stored item-major (items x w). */
static void apply_p(const gr_filter_state *st, const float *x, float *out, float *u, size_t w)
{
    gr_spmm(&st->r, x, u, NULL, w);
    gr_spmm(&st->rt, u, out, NULL, w);
}

/*
 * b->acc = h(P) b->t0 by the Chebyshev recurrence on X = 2P - I:
 * T0 = x, T1 = X x, T(k+1) = 2 X T(k) - T(k-1).  t0 is overwritten.  With
 * first_done, b->t1 already holds P x (computed sparsely from sparse x).
 */
static void poly_apply(const gr_filter_state *st, poly_buf *b, size_t ni, size_t w, int first_done)
{
    size_t len = ni * w;
    const double *c = st->coef;
    float *prev = b->t0, *cur = b->t1, *next = b->t2;
    for (size_t j = 0; j < len; j++) b->acc[j] = (float)c[0] * prev[j];
    if (st->p.order < 1) return;
    if (!first_done) apply_p(st, prev, cur, b->u, w);
    for (size_t j = 0; j < len; j++) {
        cur[j] = 2.0f * cur[j] - prev[j];
        b->acc[j] += (float)c[1] * cur[j];
    }
    for (int k = 2; k <= st->p.order; k++) {
        apply_p(st, cur, next, b->u, w);
        float ck = (float)c[k];
        for (size_t j = 0; j < len; j++) {
            next[j] = 4.0f * next[j] - 2.0f * cur[j] - prev[j];
            b->acc[j] += ck * next[j];
        }
        float *t = prev;
        prev = cur;
        cur = next;
        next = t;
    }
}

/* The polynomial term for w users at once, added to scores (w x n_items). */
static int poly_dense(const gr_model *m, const int32_t *const *items, const size_t *n, size_t w, float *scores)
{
    const gr_filter_state *st = state_of(m);
    size_t ni = m->n_items;
    poly_buf b;
    GR_TRY(poly_alloc(&b, ni, m->n_users, w));
    for (size_t c = 0; c < w; c++)
        for (size_t a = 0; a < n[c]; a++) b.t0[(size_t)items[c][a] * w + c] = st->deg_neg_pow[items[c][a]];
    /* P x of the sparse rows costs their neighbourhoods, not the graph */
    float *px = gr_zalloc(ni, sizeof *px), *t = gr_zalloc(m->n_users, sizeof *t);
    int32_t *touched = gr_alloc(m->n_users ? m->n_users : 1, sizeof *touched);
    int first = px && t && touched && st->p.order >= 1;
    for (size_t c = 0; first && c < w; c++) {
        linear_sparse(st, items[c], n[c], st->deg_neg_pow, px, t, touched);
        for (size_t j = 0; j < ni; j++) {
            b.t1[j * w + c] = px[j];
            px[j] = 0.0f;
        }
    }
    free(px);
    free(t);
    free(touched);
    poly_apply(st, &b, ni, w, first);
    for (size_t c = 0; c < w; c++) {
        float *row = scores + c * ni;
        for (size_t j = 0; j < ni; j++) row[j] += b.acc[j * w + c] * st->deg_pow[j];
    }
    poly_free(&b);
    return GR_OK;
}

/* GF-CF's h is P itself: the sparse path costs what the user's
 * neighbourhood costs, not the whole graph. */
static int is_linear(const gr_filter_state *st)
{
    return st->p.order == 1 && st->p.phi == 1.0f && st->p.eps == 0.0f;
}

static int poly_term(const gr_model *m, const int32_t *const *items, const size_t *n, size_t w, float *scores)
{
    const gr_filter_state *st = state_of(m);
    if (!is_linear(st)) return poly_dense(m, items, n, w, scores);
    float *t = gr_zalloc(m->n_users, sizeof *t);
    int32_t *touched = gr_alloc(m->n_users ? m->n_users : 1, sizeof *touched);
    if (t && touched)
        for (size_t c = 0; c < w; c++) linear_sparse(st, items[c], n[c], NULL, scores + c * m->n_items, t, touched);
    int rc = t && touched ? GR_OK : GR_ENOMEM;
    free(t);
    free(touched);
    return rc;
}

/* ---- the filter as a matrix, for small catalogues ---- */

int gr_filter_dense_ok(const gr_graph *g)
{
    return g->n_items <= g->n_users && (double)g->n_items * (double)g->n_items * 4.0 <= 1073741824.0;
}

/* Row i of P = sum over the users v of item i of R~[v][i] R~[v]. */
static void dense_linear(const gr_filter_state *st, float *f, size_t ni)
{
    long n = (long)ni;
#pragma omp parallel for schedule(dynamic, 16) num_threads(gr_threads())
    for (long i = 0; i < n; i++) {
        float *row = f + (size_t)i * ni;
        for (int64_t e = st->rt.ptr[i]; e < st->rt.ptr[i + 1]; e++) {
            int32_t v = st->rt.col[e];
            float w = st->rt.val[e];
            for (int64_t k = st->r.ptr[v]; k < st->r.ptr[v + 1]; k++) row[st->r.col[k]] += w * st->r.val[k];
        }
    }
}

#define DENSE_BLOCK 64

/* Rows of D^-eps h(P) D^eps, 64 at a time: row c is h(P) applied to
 * e_c d_c^-eps (h(P) is symmetric), scaled by D^eps. */
static int dense_poly(const gr_model *m, float *f)
{
    const gr_filter_state *st = state_of(m);
    size_t ni = m->n_items;
    long nb = (long)((ni + DENSE_BLOCK - 1) / DENSE_BLOCK);
    int failed = 0;
#pragma omp parallel for schedule(dynamic, 1) num_threads(gr_threads())
    for (long blk = 0; blk < nb; blk++) {
        size_t c0 = (size_t)blk * DENSE_BLOCK, w = ni - c0 < DENSE_BLOCK ? ni - c0 : DENSE_BLOCK;
        poly_buf b;
        if (poly_alloc(&b, ni, m->n_users, w) != GR_OK) {
#pragma omp atomic write
            failed = 1;
            continue;
        }
        for (size_t c = 0; c < w; c++) b.t0[(c0 + c) * w + c] = st->deg_neg_pow[c0 + c];
        poly_apply(st, &b, ni, w, 0);
        for (size_t c = 0; c < w; c++) {
            float *row = f + (c0 + c) * ni;
            for (size_t j = 0; j < ni; j++) row[j] = b.acc[j * w + c] * st->deg_pow[j];
        }
        poly_free(&b);
    }
    return failed ? gr_err(GR_ENOMEM, "out of memory building the filter matrix") : GR_OK;
}

/* f += alpha (D^-1/2 V)(D^1/2 V)^T: row i is the low-pass response to item i. */
static int dense_lowpass(const gr_model *m, float *f)
{
    const gr_filter_state *st = state_of(m);
    size_t ni = m->n_items, k = m->dim;
    if (st->p.alpha == 0.0f) return GR_OK;
    float *left = gr_alloc_floats(ni * k);
    if (!left) return GR_ENOMEM;
    for (size_t i = 0; i < ni; i++) {
        size_t d = gr_csr_degree(&m->graph->iu, i);
        for (size_t j = 0; j < k; j++) left[i * k + j] = d ? m->item_vec[i * k + j] / (float)d : 0.0f;
    }
    long nb = (long)((ni + 15) / 16);
    int failed = 0;
#pragma omp parallel for schedule(dynamic, 4) num_threads(gr_threads())
    for (long blk = 0; blk < nb; blk++) {
        size_t r0 = (size_t)blk * 16, nr = ni - r0 < 16 ? ni - r0 : 16;
        float *tmp = gr_alloc(nr * ni, sizeof *tmp);
        if (!tmp) {
#pragma omp atomic write
            failed = 1;
            continue;
        }
        gr_score_block(tmp, left + r0 * k, nr, m->item_vec_t, ni, m->item_stride, k, NULL);
        for (size_t j = 0; j < nr * ni; j++) f[r0 * ni + j] += st->p.alpha * tmp[j];
        free(tmp);
    }
    free(left);
    return failed ? gr_err(GR_ENOMEM, "out of memory building the filter matrix") : GR_OK;
}

static int build_dense(gr_model *m)
{
    gr_filter_state *st = state_of(m);
    size_t ni = m->n_items;
    if (!st->dense) st->dense = gr_alloc_floats(ni * ni);
    if (!st->dense) return GR_ENOMEM;
    memset(st->dense, 0, ni * ni * sizeof *st->dense);
    if (is_linear(st)) dense_linear(st, st->dense, ni);
    else GR_TRY(dense_poly(m, st->dense));
    return dense_lowpass(m, st->dense);
}

/* ---- ops ---- */

static void lowpass(const gr_model *m, const float *uv, size_t nu, float *scores)
{
    const gr_filter_state *st = state_of(m);
    size_t total = nu * m->n_items;
    if (st->p.alpha == 0.0f) {
        memset(scores, 0, total * sizeof *scores);
        return;
    }
    gr_score_block(scores, uv, nu, m->item_vec_t, m->n_items, m->item_stride, m->dim, NULL);
    for (size_t j = 0; j < total; j++) scores[j] *= st->p.alpha;
}

#define MAX_BLOCK 64

static int filter_score_users(const gr_model *m, size_t u0, size_t nb, float *scores)
{
    const gr_csr *ui = &m->graph->ui;
    if (state_of(m)->dense) {
        gr_item_rows_users(state_of(m)->dense, m->graph, u0, nb, scores);
        return GR_OK;
    }
    for (size_t b0 = 0; b0 < nb; b0 += MAX_BLOCK) {
        size_t w = nb - b0 < MAX_BLOCK ? nb - b0 : MAX_BLOCK;
        float *out = scores + b0 * m->n_items;
        lowpass(m, m->user_vec + (u0 + b0) * m->dim, w, out);
        const int32_t *items[MAX_BLOCK];
        size_t n[MAX_BLOCK];
        for (size_t c = 0; c < w; c++) {
            size_t u = u0 + b0 + c;
            items[c] = ui->col + ui->ptr[u];
            n[c] = gr_csr_degree(ui, u);
        }
        GR_TRY(poly_term(m, items, n, w, out));
    }
    return GR_OK;
}

/* A new user is a row like any other: its scores are exactly the
 * filter's response, the same as for a known user with those items. */
static int filter_score_liked(const gr_model *m, const int32_t *items, size_t n, float *scores)
{
    int32_t *sorted = gr_item_rows_sorted(items, n);
    float *uv = gr_alloc_floats(m->dim);
    int rc = sorted && uv ? GR_OK : GR_ENOMEM;
    if (rc == GR_OK && state_of(m)->dense) {
        gr_item_rows_sum(state_of(m)->dense, m->n_items, sorted, n, scores);
        free(sorted);
        free(uv);
        return GR_OK;
    }
    if (rc == GR_OK) {
        const gr_csr *iu = &m->graph->iu;
        for (size_t a = 0; a < n; a++) {
            size_t deg = gr_csr_degree(iu, (size_t)sorted[a]);
            if (!deg) continue;
            const float *iv = m->item_vec + (size_t)sorted[a] * m->dim;
            for (size_t j = 0; j < m->dim; j++) uv[j] += iv[j] / (float)deg;
        }
        lowpass(m, uv, 1, scores);
        const int32_t *list[1] = { sorted };
        rc = poly_term(m, list, &n, 1, scores);
    }
    free(sorted);
    free(uv);
    return rc;
}

static int filter_save(const gr_model *m, gr_writer *w)
{
    const gr_filter_state *st = state_of(m);
    float f[3] = { st->p.alpha, st->p.phi, st->p.eps };
    gr_writer_u64(w, (uint64_t)st->p.order);
    gr_writer_floats(w, f, 3);
    return GR_OK;
}

static int check_params(const gr_filter_params *p)
{
    if (p->order < 0 || p->order > GR_FILTER_MAX_ORDER)
        return gr_err(GR_EINVAL, "filter order %d out of range 0..%d", p->order, GR_FILTER_MAX_ORDER);
    if (!isfinite(p->alpha) || !(p->phi > 0) || !isfinite(p->phi) || !isfinite(p->eps))
        return gr_err(GR_EINVAL, "filter parameters alpha %g, phi %g, eps %g are not valid", p->alpha, p->phi, p->eps);
    return GR_OK;
}

static int filter_load(gr_model *m, gr_reader *r)
{
    gr_filter_state *st = gr_zalloc(1, sizeof *st);
    if (!st) return GR_ENOMEM;
    m->state = st;
    uint64_t order;
    float f[3];
    GR_TRY(gr_reader_u64(r, &order));
    GR_TRY(gr_reader_floats(r, f, 3));
    if (order > GR_FILTER_MAX_ORDER) return gr_reader_fail(r, "filter order %llu out of range", (unsigned long long)order);
    st->p.order = (int)order;
    st->p.alpha = f[0];
    st->p.phi = f[1];
    st->p.eps = f[2];
    if (check_params(&st->p) != GR_OK) return gr_reader_fail(r, "%s", gr_last_error());
    return GR_OK;
}

/* The normalised matrices, degree powers and coefficients. */
static int filter_prepare(gr_model *m)
{
    gr_filter_state *st = state_of(m);
    GR_TRY(gr_model_finish(m)); /* the filter matrix is built from the item vectors */
    gr_spmat_free(&st->r);
    gr_spmat_free(&st->rt);
    free(st->deg_pow);
    free(st->deg_neg_pow);
    st->deg_pow = gr_alloc_floats(m->n_items);
    st->deg_neg_pow = gr_alloc_floats(m->n_items);
    if (!st->deg_pow || !st->deg_neg_pow) return GR_ENOMEM;
    GR_TRY(gr_filter_norm_matrices(&st->r, &st->rt, m->graph));
    return gr_filter_set_params(m, &st->p);
}

int gr_filter_set_params(gr_model *m, const gr_filter_params *p)
{
    GR_TRY(check_params(p));
    gr_filter_state *st = state_of(m);
    st->p = *p;
    gr_filter_coefficients(st->coef, p->order, p->phi);
    for (size_t i = 0; i < m->n_items; i++) {
        size_t d = gr_csr_degree(&m->graph->iu, i);
        st->deg_pow[i] = d ? (float)pow((double)d, p->eps) : 0.0f;
        st->deg_neg_pow[i] = d ? (float)pow((double)d, -p->eps) : 0.0f;
    }
    /* the matrix needs the finished item vectors; gr_filter_model builds it */
    if (m->item_vec_t && gr_filter_dense_ok(m->graph)) GR_TRY(build_dense(m));
    gr_model_set_info(m, "alpha", p->alpha);
    if (m->kind == GR_MODEL_CHEBY) {
        gr_model_set_info(m, "order", p->order);
        gr_model_set_info(m, "phi", p->phi);
        gr_model_set_info(m, "eps", p->eps);
    }
    return GR_OK;
}

static void filter_free(gr_model *m)
{
    gr_filter_state *st = state_of(m);
    if (!st) return;
    gr_spmat_free(&st->r);
    gr_spmat_free(&st->rt);
    free(st->deg_pow);
    free(st->deg_neg_pow);
    free(st->dense);
    free(st);
    m->state = NULL;
}

const gr_model_ops gr_gfcf_ops = {
    GR_MODEL_GFCF, NULL, NULL, filter_save, filter_load, filter_prepare, filter_free, filter_score_users, filter_score_liked, NULL,
};

const gr_model_ops gr_cheby_ops = {
    GR_MODEL_CHEBY, NULL, NULL, filter_save, filter_load, filter_prepare, filter_free, filter_score_users, filter_score_liked, NULL,
};

/* item_vec = D_i^1/2 V; user_vec = R D_i^-1/2 V. */
static void spectral_vectors(gr_model *m, const float *v)
{
    size_t k = m->dim;
    const gr_graph *g = m->graph;
    for (size_t i = 0; i < m->n_items; i++) {
        float s = (float)sqrt((double)gr_csr_degree(&g->iu, i));
        for (size_t j = 0; j < k; j++) m->item_vec[i * k + j] = s * v[i * k + j];
    }
    long nu = (long)m->n_users;
#pragma omp parallel for schedule(dynamic, 64) num_threads(gr_threads())
    for (long u = 0; u < nu; u++) {
        float *uv = m->user_vec + (size_t)u * k;
        for (int64_t e = g->ui.ptr[u]; e < g->ui.ptr[u + 1]; e++) {
            int32_t i = g->ui.col[e];
            float s = inv_sqrt_deg(gr_csr_degree(&g->iu, (size_t)i));
            for (size_t j = 0; j < k; j++) uv[j] += s * v[(size_t)i * k + j];
        }
    }
}

int gr_filter_model(gr_model **out, int kind, const gr_graph *train, const gr_filter_params *p, float *v, size_t k)
{
    gr_model *m = NULL;
    int rc = check_params(p);
    if (rc == GR_OK) rc = gr_model_create(&m, kind, train, k, 0, 0);
    gr_filter_state *st = rc == GR_OK ? gr_zalloc(1, sizeof *st) : NULL;
    if (rc == GR_OK && !st) rc = GR_ENOMEM;
    if (rc == GR_OK) {
        st->p = *p;
        m->state = st;
        spectral_vectors(m, v);
        gr_model_set_info(m, "rank", (double)k);
        rc = filter_prepare(m);
    }
    if (rc == GR_OK) rc = gr_model_finish(m);
    free(v);
    if (rc != GR_OK) {
        gr_model_free(m);
        return rc;
    }
    *out = m;
    return GR_OK;
}
