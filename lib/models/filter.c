/* GF-CF and the Chebyshev filter as model kinds: scoring, fold-in, state (filter.h). */
#include "core/threads.h"
#include "models/filter.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "dist/dist.h"
#include "io/model_file.h"
#include "kernels/dense.h"
#include "models/item_rows.h"

static const double PI = 3.14159265358979323846;

/* The response the polynomial interpolates: mu^phi, or ChebyCF's plateau,
 * flat around mu = 1/2 and steep at both ends of the spectrum for phi > 1. */
static double target(double mu, double phi, int shape)
{
    if (shape == GR_FILTER_POWER) return pow(mu, phi);
    double t = 2.0 * mu - 1.0;
    return 0.5 + 0.5 * copysign(pow(fabs(t), phi), t);
}

/* Where the response is read for node j of order + 1: the node itself, or
 * for the stretched plateau the j-th Chebyshev extremum cos(j pi / order)
 * (ChebyCF's construction: the values at the extrema, which reach the
 * ends of [0, 1], are placed at the nodes, which do not; the polynomial
 * is the plateau stretched outward, lower over the bottom of the spectrum
 * and higher over the top). */
static double sample_point(int j, int order, int shape)
{
    double angle = PI * (j + 0.5) / (order + 1);
    if (shape == GR_FILTER_STRETCHED && order > 0) angle = PI * j / order;
    return 0.5 * (cos(angle) + 1.0);
}

void gr_filter_coefficients(double *coef, int order, double phi, int shape)
{
    int nodes = order + 1;
    for (int k = 0; k <= order; k++) {
        double sum = 0.0;
        for (int j = 0; j < nodes; j++) {
            double angle = PI * (j + 0.5) / nodes;
            sum += target(sample_point(j, order, shape), phi, shape) * cos(k * angle);
        }
        coef[k] = (k == 0 ? 1.0 : 2.0) * sum / nodes;
    }
}

double gr_filter_response(const double *coef, int order, double mu)
{
    double x = 2.0 * mu - 1.0, b1 = 0.0, b2 = 0.0;
    for (int k = order; k >= 1; k--) {
        double b0 = coef[k] + 2.0 * x * b1 - b2;
        b2 = b1;
        b1 = b0;
    }
    return coef[0] + x * b1 - b2;
}

/* (d + s)^-norm, 0 where d is 0; at s = 0 and norm 1/2 through the
 * square root, the bits of the filters' files written before `norm`
 * existed (a loaded model rebuilds R~). */
static float deg_power(size_t d, double norm, double s)
{
    if (!d) return 0.0f;
    if (s != 0.0) return (float)pow((double)d + s, -norm);
    return (float)(norm == 0.5 ? 1.0 / sqrt((double)d) : pow((double)d, -norm));
}

float gr_filter_deg_shift(const gr_graph *g, double shift)
{
    size_t n = g->n_users + g->n_items;
    if (shift == 0.0 || !n) return 0.0f;
    return (float)(shift * 2.0 * (double)g->ui.ptr[g->n_users] / (double)n);
}

/*
 * The rows [r0, r1) of a graph's CSR restricted to the columns [c0, c1),
 * renumbered from (r0, c0), with weights row_scale[r] col_scale[c]: R~'s
 * rows, or R~^T's columns, of a share of the users.
 */
static int norm_csr(gr_spmat *out, const gr_csr *rows, size_t r0, size_t r1, size_t c0, size_t c1,
                    const float *row_scale, const float *col_scale)
{
    memset(out, 0, sizeof *out);
    out->n = r1 - r0;
    out->ptr = gr_alloc(out->n + 1, sizeof *out->ptr);
    if (!out->ptr) return GR_ENOMEM;
    out->ptr[0] = 0;
    for (size_t r = r0; r < r1; r++) {
        int64_t kept = 0;
        for (int64_t k = rows->ptr[r]; k < rows->ptr[r + 1]; k++) kept += (size_t)rows->col[k] >= c0 && (size_t)rows->col[k] < c1;
        out->ptr[r - r0 + 1] = out->ptr[r - r0] + kept;
    }
    out->nnz = (size_t)out->ptr[out->n];
    out->col = gr_alloc(out->nnz ? out->nnz : 1, sizeof *out->col);
    out->val = gr_alloc(out->nnz ? out->nnz : 1, sizeof *out->val);
    if (!out->col || !out->val) {
        gr_spmat_free(out);
        return GR_ENOMEM;
    }
    int64_t at = 0;
    for (size_t r = r0; r < r1; r++)
        for (int64_t k = rows->ptr[r]; k < rows->ptr[r + 1]; k++) {
            size_t c = (size_t)rows->col[k];
            if (c < c0 || c >= c1) continue;
            out->col[at] = (int32_t)(c - c0);
            out->val[at++] = row_scale[r] * col_scale[c];
        }
    int rc = gr_spmat_balance(out, 64);
    if (rc != GR_OK) gr_spmat_free(out);
    return rc;
}

int gr_filter_norm_share(gr_spmat *r, gr_spmat *rt, const gr_graph *g, size_t lo, size_t hi, const double *item_deg,
                         double norm, double deg_shift, float scale)
{
    memset(r, 0, sizeof *r);
    memset(rt, 0, sizeof *rt);
    float *us = gr_alloc_floats(g->n_users + 1), *is = gr_alloc_floats(g->n_items + 1);
    int rc = us && is ? GR_OK : GR_ENOMEM;
    if (rc == GR_OK) {
        for (size_t u = 0; u < g->n_users; u++) us[u] = scale * deg_power(gr_csr_degree(&g->ui, u), norm, deg_shift);
        for (size_t i = 0; i < g->n_items; i++)
            is[i] = deg_power(item_deg ? (size_t)item_deg[i] : gr_csr_degree(&g->iu, i), norm, deg_shift);
        rc = norm_csr(r, &g->ui, lo, hi, 0, g->n_items, us, is);
    }
    if (rc == GR_OK) rc = norm_csr(rt, &g->iu, 0, g->n_items, lo, hi, is, us);
    if (rc != GR_OK) gr_spmat_free(r);
    free(us);
    free(is);
    return rc;
}

int gr_filter_norm_matrices(gr_spmat *r, gr_spmat *rt, const gr_graph *g, double norm, double deg_shift, float scale)
{
    return gr_filter_norm_share(r, rt, g, 0, g->n_users, NULL, norm, deg_shift, scale);
}

static gr_filter_state *state_of(const gr_model *m) { return (gr_filter_state *)m->state; }

/* The degree exponents around the low-rank term, at its input (g) and its
 * output (g'): GF-CF's 1/2 and 1/2, or the polynomial's eps and eps + skew
 * for the Chebyshev filter (ChebyCF normalises both terms alike, which lets
 * the tail correction share the term). */
static double ideal_exponent(const gr_model *m) { return m->kind == GR_MODEL_GFCF ? 0.5 : state_of(m)->p.eps; }

static double ideal_out_exponent(const gr_model *m)
{
    return m->kind == GR_MODEL_GFCF ? 0.5 : (double)state_of(m)->p.eps + (double)state_of(m)->p.skew;
}

/* uv += d_i^-g V[i] W: item i's share of a user vector. */
static void add_item_vector(const gr_model *m, int32_t i, float *uv)
{
    const gr_filter_state *st = state_of(m);
    size_t d = gr_csr_degree(&m->graph->iu, (size_t)i), k = m->dim;
    if (!d) return;
    float s = (float)pow((double)d, -ideal_exponent(m));
    const float *v = st->v + (size_t)i * k;
    for (size_t j = 0; j < k; j++) uv[j] += s * v[j] * st->w[j];
}

/* ---- the polynomial term ---- */

/* linear_sparse's scratch: t, a float per user, and touched, a bit per
 * user; both zero between calls. */
typedef struct two_hop_scratch {
    float *t;
    uint64_t *touched;
} two_hop_scratch;

static void two_hop_free(two_hop_scratch *h)
{
    free(h->t);
    free(h->touched);
    h->t = NULL;
    h->touched = NULL;
}

static int two_hop_alloc(two_hop_scratch *h, size_t n_users)
{
    h->t = gr_zalloc(n_users ? n_users : 1, sizeof *h->t);
    h->touched = gr_zalloc(n_users / 64 + 1, sizeof *h->touched);
    if (h->t && h->touched) return GR_OK;
    two_hop_free(h);
    return GR_ENOMEM;
}

/* scores += a (r W) P S for the item set r (sorted dense indices), W and S
 * diagonal (W: weight, NULL: identity; S: D^eps' with out_scaled, its
 * values folded into st->r_out, else identity): P's rows summed through
 * the users who share an item with r, never forming P.  h is left zero.
 * The users are visited in index order, so their rows of R~ are read in
 * memory order. */
static void linear_sparse(const gr_filter_state *st, const int32_t *items, size_t n, const float *weight,
                          int out_scaled, float a, float *scores, two_hop_scratch *h)
{
    float *t = h->t;
    uint64_t *touched = h->touched;
    const gr_spmat *rt = &st->rt, *r = &st->r;
    const float *val = out_scaled ? st->r_out : r->val;
    size_t lo = SIZE_MAX, hi = 0;
    for (size_t j = 0; j < n; j++) {
        float x = weight ? weight[items[j]] : 1.0f;
        for (int64_t k = rt->ptr[items[j]]; k < rt->ptr[items[j] + 1]; k++) {
            int32_t v = rt->col[k];
            touched[v >> 6] |= (uint64_t)1 << (v & 63);
            t[v] += rt->val[k] * x;
            size_t wv = (size_t)v >> 6;
            lo = wv < lo ? wv : lo;
            hi = wv > hi ? wv : hi;
        }
    }
    for (size_t wd = lo; wd <= hi && lo != SIZE_MAX; wd++) {
        for (uint64_t bits = touched[wd]; bits; bits &= bits - 1) {
            size_t v = wd * 64 + (size_t)__builtin_ctzll(bits);
            float w = a * t[v];
            t[v] = 0.0f;
            for (int64_t k = r->ptr[v]; k < r->ptr[v + 1]; k++) scores[r->col[k]] += w * val[k];
        }
        touched[wd] = 0;
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
    float *px = gr_zalloc(ni, sizeof *px);
    two_hop_scratch h = { 0 };
    int first = px && two_hop_alloc(&h, m->n_users) == GR_OK && st->p.order >= 1;
    for (size_t c = 0; first && c < w; c++) {
        linear_sparse(st, items[c], n[c], st->deg_neg_pow, 0, 1.0f, px, &h);
        for (size_t j = 0; j < ni; j++) {
            b.t1[j * w + c] = px[j];
            px[j] = 0.0f;
        }
    }
    free(px);
    two_hop_free(&h);
    poly_apply(st, &b, ni, w, first);
    for (size_t c = 0; c < w; c++) {
        float *row = scores + c * ni;
        for (size_t j = 0; j < ni; j++) row[j] += b.acc[j * w + c] * st->deg_pow[j];
    }
    poly_free(&b);
    return GR_OK;
}

/* The affine form b I + a (D^-eps P D^eps') serves GF-CF (a = 1, b = 0,
 * eps = 0) and the Chebyshev filter's tail: its cost is the user's
 * two-hop neighbourhood, not the graph. */
static int is_affine(const gr_model *m) { return m->kind == GR_MODEL_GFCF || state_of(m)->p.tail; }

static int poly_term(const gr_model *m, const int32_t *const *items, const size_t *n, size_t w, float *scores)
{
    const gr_filter_state *st = state_of(m);
    if (!is_affine(m)) return poly_dense(m, items, n, w, scores);
    two_hop_scratch h;
    GR_TRY(two_hop_alloc(&h, m->n_users));
    int scaled = st->p.eps != 0.0f || st->p.skew != 0.0f;
    for (size_t c = 0; c < w; c++) {
        float *row = scores + c * m->n_items;
        linear_sparse(st, items[c], n[c], scaled ? st->deg_neg_pow : NULL, scaled, (float)st->tail_a, row, &h);
        for (size_t j = 0; j < n[c]; j++) row[items[c][j]] += (float)st->tail_b;
    }
    two_hop_free(&h);
    return GR_OK;
}

/* ---- the filter as a matrix, for small catalogues ---- */

int gr_filter_dense_ok(const gr_graph *g)
{
    return g->n_items <= g->n_users && (double)g->n_items * (double)g->n_items * 4.0 <= 1073741824.0;
}

/* Rows [r0, r1) of a D^-eps P D^eps' + b I (eps' = eps + skew), with row i of P = sum over the
 * users v of item i of R~[v][i] R~[v]. */
static void dense_linear(const gr_filter_state *st, float *f, size_t ni, size_t r0, size_t r1)
{
    long lo = (long)r0, hi = (long)r1;
    float a = (float)st->tail_a, b = (float)st->tail_b;
#pragma omp parallel for schedule(dynamic, 16) num_threads(gr_threads())
    for (long i = lo; i < hi; i++) {
        float *row = f + (size_t)i * ni;
        for (int64_t e = st->rt.ptr[i]; e < st->rt.ptr[i + 1]; e++) {
            int32_t v = st->rt.col[e];
            float w = a * st->rt.val[e] * st->deg_neg_pow[i];
            for (int64_t k = st->r.ptr[v]; k < st->r.ptr[v + 1]; k++) row[st->r.col[k]] += w * st->r_out[k];
        }
        if (st->rt.ptr[i + 1] > st->rt.ptr[i]) row[i] += b;
    }
}

#define DENSE_BLOCK 64

/* Rows [r0, r1) (r0 a multiple of 64) of D^-eps h(P) D^eps', 64 at a
 * time: row c is h(P) applied to e_c d_c^-eps (h(P) is symmetric), scaled
 * by D^eps'. */
static int dense_poly(const gr_model *m, float *f, size_t r0, size_t r1)
{
    const gr_filter_state *st = state_of(m);
    size_t ni = m->n_items;
    long b0 = (long)(r0 / DENSE_BLOCK), nb = (long)((r1 + DENSE_BLOCK - 1) / DENSE_BLOCK);
    int failed = 0;
#pragma omp parallel for schedule(dynamic, 1) num_threads(gr_threads())
    for (long blk = b0; blk < nb; blk++) {
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

/* Rows [row_lo, row_hi) (row_lo a multiple of 16) of f += (D^-g V W)(D^g
 * V)^T: row i is the low-rank response to item i, the user vector of a
 * user with item i alone. */
static int dense_lowpass(const gr_model *m, float *f, size_t row_lo, size_t row_hi)
{
    size_t ni = m->n_items, k = m->dim;
    const float *items_t = gr_model_items_t(m);
    if (!items_t) return GR_ENOMEM;
    float *left = gr_zalloc(ni * (k ? k : 1), sizeof *left);
    if (!left) return GR_ENOMEM;
    for (size_t i = row_lo; i < row_hi; i++) add_item_vector(m, (int32_t)i, left + i * k);
    long b0 = (long)(row_lo / 16), nb = (long)((row_hi + 15) / 16);
    int failed = 0;
#pragma omp parallel for schedule(dynamic, 4) num_threads(gr_threads())
    for (long blk = b0; blk < nb; blk++) {
        size_t r0 = (size_t)blk * 16, nr = ni - r0 < 16 ? ni - r0 : 16;
        float *tmp = gr_alloc(nr * ni, sizeof *tmp);
        if (!tmp) {
#pragma omp atomic write
            failed = 1;
            continue;
        }
        gr_score_block(tmp, left + r0 * k, nr, items_t, ni, m->item_stride, k, NULL);
        for (size_t j = 0; j < nr * ni; j++) f[r0 * ni + j] += tmp[j];
        free(tmp);
    }
    free(left);
    return failed ? gr_err(GR_ENOMEM, "out of memory building the filter matrix") : GR_OK;
}

/*
 * The matrix's rows are independent: under a communicator each rank
 * builds a share of them, whole blocks of 64 (the blocks of dense_poly and
 * dense_lowpass), and the shares are gathered, so every rank, and a model
 * loaded from the file, holds the one process's bits.  rc: the status so
 * far (agreed over the ranks before the rows are exchanged).
 */
static int build_dense(gr_model *m, gr_dist *d, int rc)
{
    gr_filter_state *st = state_of(m);
    size_t ni = m->n_items, lo = 0, hi = ni;
    if (d) gr_dist_share_rows(ni, DENSE_BLOCK, d->rank, d->size, &lo, &hi);
    if (rc == GR_OK && !st->dense) st->dense = gr_alloc_floats(ni * ni);
    if (rc == GR_OK && !st->dense) rc = GR_ENOMEM;
    if (rc == GR_OK) {
        memset(st->dense, 0, ni * ni * sizeof *st->dense);
        if (is_affine(m)) dense_linear(st, st->dense, ni, lo, hi);
        else rc = dense_poly(m, st->dense, lo, hi);
    }
    if (rc == GR_OK) rc = dense_lowpass(m, st->dense, lo, hi);
    rc = gr_dist_agree(d, rc);
    return rc == GR_OK ? gr_dist_gather_shares(d, st->dense, ni, ni, DENSE_BLOCK) : rc;
}

/* ---- ops ---- */

/* The low-rank term: the weights W are folded into the user vectors. */
static int lowpass(const gr_model *m, const float *uv, size_t nu, float *scores)
{
    const float *t = gr_model_items_t(m);
    if (!t) return GR_ENOMEM;
    gr_score_block(scores, uv, nu, t, m->n_items, m->item_stride, m->dim, NULL);
    return GR_OK;
}

#define MAX_BLOCK 64

/* Up to MAX_BLOCK users at a time: the low-rank term as one product of
 * their gathered vectors (a copy of w x d floats beside a product of
 * w x items x d), then the polynomial term. */
static int filter_score_users(const gr_model *m, const int32_t *rows, size_t nb, float *scores)
{
    const gr_csr *ui = &m->graph->ui;
    if (state_of(m)->dense) {
        gr_item_rows_users(state_of(m)->dense, m->graph, rows, nb, scores);
        return GR_OK;
    }
    size_t d = m->dim;
    float *gathered = gr_alloc_floats(MAX_BLOCK * (d ? d : 1));
    int rc = gathered ? GR_OK : GR_ENOMEM;
    for (size_t b0 = 0; rc == GR_OK && b0 < nb; b0 += MAX_BLOCK) {
        size_t w = nb - b0 < MAX_BLOCK ? nb - b0 : MAX_BLOCK;
        const int32_t *r = rows + b0;
        float *out = scores + b0 * m->n_items;
        for (size_t c = 0; c < w; c++) memcpy(gathered + c * d, m->user_vec + (size_t)r[c] * d, d * sizeof *gathered);
        rc = lowpass(m, gathered, w, out);
        if (rc != GR_OK) break;
        const int32_t *items[MAX_BLOCK];
        size_t n[MAX_BLOCK];
        for (size_t c = 0; c < w; c++) {
            items[c] = ui->col + ui->ptr[r[c]];
            n[c] = gr_csr_degree(ui, (size_t)r[c]);
        }
        rc = poly_term(m, items, n, w, out);
    }
    free(gathered);
    return rc;
}

/* A new user is a row like any other: its scores are exactly the
 * filter's response, the same as for a known user with those items. */
static int filter_score_liked(const gr_model *m, const int32_t *items, size_t n, float *scores)
{
    int32_t *sorted = gr_item_rows_sorted(items, n);
    float *uv = gr_zalloc(m->dim ? m->dim : 1, sizeof *uv);
    int rc = sorted && uv ? GR_OK : GR_ENOMEM;
    if (rc == GR_OK && state_of(m)->dense) {
        gr_item_rows_sum(state_of(m)->dense, m->n_items, sorted, n, scores);
        free(sorted);
        free(uv);
        return GR_OK;
    }
    if (rc == GR_OK) {
        for (size_t a = 0; a < n; a++) add_item_vector(m, sorted[a], uv);
        rc = lowpass(m, uv, 1, scores);
        const int32_t *list[1] = { sorted };
        if (rc == GR_OK) rc = poly_term(m, list, &n, 1, scores);
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
    gr_writer_u64(w, (uint64_t)st->p.shape);
    gr_writer_u64(w, (uint64_t)st->p.tail);
    gr_writer_floats(w, st->lam, m->dim);
    /* V itself, not D^-g item_vec: the loaded model rebuilds its vectors
     * from the same bits, so it scores exactly as the saved one */
    gr_writer_floats(w, st->v, m->n_items * m->dim);
    /* appended after V: a file without them (written before skew, norm
     * or shift) loads with skew 0, norm 1/2, scale 1 and shift 0 */
    float tail[5] = { st->p.skew, st->p.norm, st->scale, st->p.shift, st->deg_shift };
    gr_writer_floats(w, tail, 5);
    return GR_OK;
}

static int check_params(const gr_filter_params *p)
{
    if (p->order < 0 || p->order > GR_FILTER_MAX_ORDER)
        return gr_err(GR_EINVAL, "filter order %d out of range 0..%d", p->order, GR_FILTER_MAX_ORDER);
    if (!isfinite(p->alpha) || !(p->phi > 0) || !isfinite(p->phi) || !isfinite(p->eps) || !isfinite(p->skew) ||
        !(p->norm >= 0.0f && p->norm <= 1.0f) || !(p->shift >= 0.0f && p->shift <= GR_FILTER_MAX_SHIFT))
        return gr_err(GR_EINVAL, "filter parameters alpha %g, phi %g, eps %g, skew %g, norm_exp %g, norm_shift %g are not valid",
                      p->alpha, p->phi, p->eps, p->skew, p->norm, p->shift);
    if (p->shape < GR_FILTER_POWER || p->shape > GR_FILTER_STRETCHED || (p->tail != 0 && p->tail != 1))
        return gr_err(GR_EINVAL, "filter shape %d or tail %d is not valid", p->shape, p->tail);
    return GR_OK;
}

static int alloc_spectrum(gr_filter_state *st, size_t ni, size_t k)
{
    st->v = gr_alloc_floats(ni * (k ? k : 1));
    st->lam = gr_alloc_floats(k ? k : 1);
    st->w = gr_alloc_floats(k ? k : 1);
    return st->v && st->lam && st->w ? GR_OK : GR_ENOMEM;
}

static int filter_load(gr_model *m, gr_reader *r)
{
    gr_filter_state *st = gr_zalloc(1, sizeof *st);
    if (!st) return GR_ENOMEM;
    m->state = st;
    uint64_t order, shape, tail;
    float f[3];
    GR_TRY(gr_reader_u64(r, &order));
    GR_TRY(gr_reader_floats(r, f, 3));
    GR_TRY(gr_reader_u64(r, &shape));
    GR_TRY(gr_reader_u64(r, &tail));
    if (order > GR_FILTER_MAX_ORDER || shape > GR_FILTER_STRETCHED || tail > 1)
        return gr_reader_fail(r, "filter order %llu, shape %llu or tail %llu out of range", (unsigned long long)order,
                              (unsigned long long)shape, (unsigned long long)tail);
    if (alloc_spectrum(st, m->n_items, m->dim) != GR_OK) return GR_ENOMEM;
    GR_TRY(gr_reader_floats(r, st->lam, m->dim));
    GR_TRY(gr_reader_floats(r, st->v, m->n_items * m->dim));
    st->p.skew = 0.0f;
    st->p.norm = 0.5f;
    st->scale = 1.0f;
    st->p.shift = 0.0f;
    st->deg_shift = 0.0f;
    if (r->pos < r->end) GR_TRY(gr_reader_floats(r, &st->p.skew, 1));
    if (r->pos < r->end) {
        GR_TRY(gr_reader_floats(r, &st->p.norm, 1));
        GR_TRY(gr_reader_floats(r, &st->scale, 1));
        if (!(st->scale > 0.0f) || !isfinite(st->scale))
            return gr_reader_fail(r, "filter scale %g is not a positive number", st->scale);
    }
    if (r->pos < r->end) {
        GR_TRY(gr_reader_floats(r, &st->p.shift, 1));
        GR_TRY(gr_reader_floats(r, &st->deg_shift, 1));
        if (!(st->deg_shift >= 0.0f) || !isfinite(st->deg_shift))
            return gr_reader_fail(r, "filter degree shift %g is not a number >= 0", st->deg_shift);
    }
    st->p.order = (int)order;
    st->p.alpha = f[0];
    st->p.phi = f[1];
    st->p.eps = f[2];
    st->p.shape = (int)shape;
    st->p.tail = (int)tail;
    if (check_params(&st->p) != GR_OK) return gr_reader_fail(r, "%s", gr_last_error());
    return GR_OK;
}

static int apply_params(gr_model *m, const gr_filter_params *p, gr_dist *d, int rc);

/* The normalised matrices and degree powers, then the parameters; rc: the
 * status so far, agreed over the ranks of d with the parameters'. */
static int prepare_with(gr_model *m, gr_dist *d, int rc)
{
    gr_filter_state *st = state_of(m);
    if (rc == GR_OK) {
        gr_spmat_free(&st->r);
        gr_spmat_free(&st->rt);
        free(st->deg_pow);
        free(st->deg_neg_pow);
        free(st->r_out);
        st->r_out = NULL;
        st->deg_pow = gr_alloc_floats(m->n_items);
        st->deg_neg_pow = gr_alloc_floats(m->n_items);
        rc = st->deg_pow && st->deg_neg_pow ? GR_OK : GR_ENOMEM;
    }
    if (rc == GR_OK) rc = gr_filter_norm_matrices(&st->r, &st->rt, m->graph, st->p.norm, st->deg_shift, st->scale);
    if (rc == GR_OK) {
        st->r_out = gr_alloc_floats(st->r.nnz ? st->r.nnz : 1);
        if (!st->r_out) rc = GR_ENOMEM;
    }
    return apply_params(m, &st->p, d, rc);
}

static int filter_prepare(gr_model *m) { return prepare_with(m, NULL, GR_OK); }

/*
 * The weights of the low-rank term: alpha, plus, for the Chebyshev filter
 * with the affine tail, h(l) - (b + a l) on each of the top k eigenvalues l
 * so that the sum is exactly h there.  b = h(0) and a is the chord of h
 * from 0 to the smallest kept eigenvalue.  b I only moves the user's own
 * items, which rankings leave out; it is kept so the scores are the
 * filter's.
 */
static void spectral_weights(gr_model *m)
{
    gr_filter_state *st = state_of(m);
    size_t k = m->dim;
    st->tail_a = 1.0;
    st->tail_b = 0.0;
    int corrected = m->kind == GR_MODEL_CHEBY && st->p.tail;
    if (corrected) {
        double low = k ? st->lam[k - 1] : 0.0;
        st->tail_b = gr_filter_response(st->coef, st->p.order, 0.0);
        st->tail_a = low > 1e-6 ? (gr_filter_response(st->coef, st->p.order, low) - st->tail_b) / low : 0.0;
    }
    for (size_t j = 0; j < k; j++) {
        double l = st->lam[j];
        double h = corrected ? gr_filter_response(st->coef, st->p.order, l) - st->tail_b - st->tail_a * l : 0.0;
        st->w[j] = (float)(st->p.alpha + h);
    }
}

/* item_vec = D^g' V; user_vec = R D^-g V W. */
static void spectral_vectors(gr_model *m)
{
    const gr_filter_state *st = state_of(m);
    size_t k = m->dim;
    double g = ideal_out_exponent(m);
    for (size_t i = 0; i < m->n_items; i++) {
        size_t d = gr_csr_degree(&m->graph->iu, i);
        float s = d ? (float)pow((double)d, g) : 0.0f;
        for (size_t j = 0; j < k; j++) m->item_vec[i * k + j] = s * st->v[i * k + j];
    }
    long nu = (long)m->n_users;
    const gr_csr *ui = &m->graph->ui;
#pragma omp parallel for schedule(dynamic, 64) num_threads(gr_threads())
    for (long u = 0; u < nu; u++) {
        float *uv = m->user_vec + (size_t)u * k;
        memset(uv, 0, k * sizeof *uv);
        for (int64_t e = ui->ptr[u]; e < ui->ptr[u + 1]; e++) add_item_vector(m, ui->col[e], uv);
    }
}

/* Every rank reaches the collectives of build_dense (or the agreement)
 * whatever failed before, so none waits for a rank that left. */
static int apply_params(gr_model *m, const gr_filter_params *p, gr_dist *d, int rc)
{
    gr_filter_state *st = state_of(m);
    if (rc == GR_OK) rc = check_params(p);
    if (rc == GR_OK && p->norm != st->p.norm)
        rc = gr_err(GR_EINVAL, "filter norm_exp %g differs from the model's %g: another norm_exp needs another basis",
                    p->norm, st->p.norm);
    if (rc == GR_OK && p->shift != st->p.shift)
        rc = gr_err(GR_EINVAL, "filter norm_shift %g differs from the model's %g: another norm_shift needs another basis",
                    p->shift, st->p.shift);
    if (rc == GR_OK) {
        st->p = *p;
        gr_filter_coefficients(st->coef, p->order, p->phi, p->shape);
        for (size_t i = 0; i < m->n_items; i++) {
            size_t deg = gr_csr_degree(&m->graph->iu, i);
            st->deg_pow[i] = deg ? (float)pow((double)deg, (double)p->eps + (double)p->skew) : 0.0f;
            st->deg_neg_pow[i] = deg ? (float)pow((double)deg, -p->eps) : 0.0f;
        }
        for (size_t e = 0; e < st->r.nnz; e++) st->r_out[e] = st->r.val[e] * st->deg_pow[st->r.col[e]];
        spectral_weights(m);
        spectral_vectors(m);
        rc = gr_model_finish(m);
    }
    rc = gr_filter_dense_ok(m->graph) ? build_dense(m, d, rc) : gr_dist_agree(d, rc);
    if (rc != GR_OK) return rc;
    gr_model_set_info(m, "alpha", p->alpha);
    if (m->kind == GR_MODEL_CHEBY) {
        gr_model_set_info(m, "order", p->order);
        gr_model_set_info(m, "phi", p->phi);
        gr_model_set_info(m, "eps", p->eps);
        gr_model_set_info(m, "skew", p->skew);
        gr_model_set_info(m, "norm_exp", p->norm);
        gr_model_set_info(m, "norm_shift", p->shift);
        gr_model_set_info(m, "shape", p->shape);
        gr_model_set_info(m, "tail", p->tail);
    }
    return GR_OK;
}

int gr_filter_set_params_on(gr_model *m, const gr_filter_params *p, gr_dist *d) { return apply_params(m, p, d, GR_OK); }

int gr_filter_set_params(gr_model *m, const gr_filter_params *p) { return apply_params(m, p, NULL, GR_OK); }

static void filter_free(gr_model *m)
{
    gr_filter_state *st = state_of(m);
    if (!st) return;
    gr_spmat_free(&st->r);
    gr_spmat_free(&st->rt);
    free(st->deg_pow);
    free(st->deg_neg_pow);
    free(st->r_out);
    free(st->v);
    free(st->lam);
    free(st->w);
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

int gr_filter_model(gr_model **out, int kind, const gr_graph *train, const gr_filter_params *p, float *v, float *sigma,
                    size_t k, gr_dist *d)
{
    gr_model *m = NULL;
    *out = NULL;
    int rc = check_params(p);
    if (rc == GR_OK) rc = gr_model_create(&m, kind, train, k, 0, 0);
    gr_filter_state *st = rc == GR_OK ? gr_zalloc(1, sizeof *st) : NULL;
    if (rc == GR_OK && !st) rc = GR_ENOMEM;
    if (st) {
        st->p = *p;
        m->state = st;
        st->v = v;
        st->lam = sigma;
        v = sigma = NULL;
        st->w = gr_alloc_floats(k);
        if (rc == GR_OK && !st->w) rc = GR_ENOMEM;
        /* c = 1 / sigma_0 puts P's largest eigenvalue at 1, where the
         * response is defined; at norm 1/2 and shift 0 it is 1 in exact
         * arithmetic */
        st->deg_shift = gr_filter_deg_shift(train, p->shift);
        int exact = p->norm == 0.5f && st->deg_shift == 0.0f;
        st->scale = exact || !(k && st->lam[0] > 0.0f) ? 1.0f : 1.0f / st->lam[0];
        if (rc == GR_OK) {
            for (size_t j = 0; j < k; j++) {
                st->lam[j] *= st->scale;
                st->lam[j] *= st->lam[j];
            }
            gr_model_set_info(m, "rank", (double)k);
        }
        rc = prepare_with(m, d, rc);
    } else {
        rc = gr_dist_agree(d, rc);
    }
    free(v);
    free(sigma);
    if (rc != GR_OK) {
        gr_model_free(m);
        return rc;
    }
    *out = m;
    return GR_OK;
}
