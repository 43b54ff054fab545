/* Small dense linear algebra: Cholesky, triangular inverse, SPD inverse, Jacobi eigen. */
#include "core/threads.h"
#include "linalg/small.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/gemm_d.h"
#include "kernels/parallel.h"

static double dot_d(const double *a, const double *b, size_t n)
{
    double s = 0.0;
    for (size_t k = 0; k < n; k++) s += a[k] * b[k];
    return s;
}

/*
 * Blocked factorisations: every product of order n^3 goes through
 * gr_gemm_d on blocks of BLOCK rows and columns, the blocks of one step in
 * parallel.  Each entry's sums run in an order fixed by the blocks alone,
 * so the result is the same with any number of threads.
 */
#define BLOCK 128

static size_t min_sz(size_t a, size_t b) { return a < b ? a : b; }

/* The diagonal block [k0, k1) of a, its earlier columns already
 * subtracted: L of the block, row by row.  0 or the failing row + 1. */
static size_t factor_diagonal(double *a, size_t n, size_t k0, size_t k1)
{
    for (size_t j = k0; j < k1; j++) {
        double *rj = a + j * n;
        double d = rj[j] - dot_d(rj + k0, rj + k0, j - k0);
        if (!(d > 0.0)) return j + 1;
        rj[j] = sqrt(d);
        double inv = 1.0 / rj[j];
        for (size_t i = j + 1; i < k1; i++) {
            double *ri = a + i * n;
            ri[j] = (ri[j] - dot_d(ri + k0, rj + k0, j - k0)) * inv;
        }
    }
    return 0;
}

/* Rows [k1, n) of the panel's columns [k0, k1): L[i][j] solves
 * L[i][k0:k1) L_kk^T = a[i][k0:k1); each row is copied, transposed, into
 * the free upper triangle (rows [k0, k1), column i), where the trailing
 * products read it as rows. */
static void solve_panel(double *a, size_t n, size_t k0, size_t k1)
{
    long lo = (long)k1, hi = (long)n;
#pragma omp parallel for schedule(static) if (gr_parallel_worth_madds((n - k1) * (k1 - k0) * (k1 - k0))) num_threads(gr_threads())
    for (long i = lo; i < hi; i++) {
        double *ri = a + (size_t)i * n;
        for (size_t j = k0; j < k1; j++) {
            const double *rj = a + j * n;
            ri[j] = (ri[j] - dot_d(ri + k0, rj + k0, j - k0)) / rj[j];
            a[j * n + (size_t)i] = ri[j];
        }
    }
}

/* The lower trailing part a[k1:n, k1:n) -= L[k1:n, k0:k1) L[k1:n, k0:k1)^T,
 * block by block (the diagonal blocks whole: their upper parts are never
 * read). */
static void update_trailing(double *a, size_t n, size_t k0, size_t k1)
{
    size_t nb = (n - k1 + BLOCK - 1) / BLOCK;
    long tiles = (long)(nb * (nb + 1) / 2);
#pragma omp parallel for schedule(dynamic, 1) if (gr_parallel_worth_madds((n - k1) * (n - k1) * (k1 - k0))) num_threads(gr_threads())
    for (long t = 0; t < tiles; t++) {
        size_t bi = 0, tt = (size_t)t; /* tile t = (bi, bj), bj <= bi, row by row */
        while (tt > bi) tt -= ++bi;
        size_t i0 = k1 + bi * BLOCK, j0 = k1 + tt * BLOCK;
        size_t i1 = min_sz(i0 + BLOCK, n), j1 = min_sz(j0 + BLOCK, n);
        gr_gemm_d(a + i0 * n + j0, n, a + i0 * n + k0, n, a + k0 * n + j0, n, i1 - i0, j1 - j0, k1 - k0, -1.0);
    }
}

size_t gr_cholesky(double *a, size_t n)
{
    for (size_t k0 = 0; k0 < n; k0 += BLOCK) {
        size_t k1 = min_sz(k0 + BLOCK, n);
        size_t bad = factor_diagonal(a, n, k0, k1);
        if (bad) return bad;
        solve_panel(a, n, k0, k1);
        update_trailing(a, n, k0, k1);
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) a[i * n + j] = 0.0;
    return 0;
}

/* Rows [r0, r1) of X's columns [c0, c1) = L^-1's: the identity's block
 * less L[r0:r1, c0:r0) X[c0:r0, c0:c1), then forward substitution with
 * the diagonal block, row by row along the columns. */
static void inverse_rows(double *x, const double *l, size_t n, size_t r0, size_t r1, size_t c0, size_t c1)
{
    size_t w = c1 - c0;
    for (size_t i = r0; i < r1; i++) {
        double *xi = x + i * n + c0;
        memset(xi, 0, w * sizeof *xi);
        if (i < c1) xi[i - c0] = 1.0;
    }
    if (r0 > c0) gr_gemm_d(x + r0 * n + c0, n, l + r0 * n + c0, n, x + c0 * n + c0, n, r1 - r0, w, r0 - c0, -1.0);
    for (size_t i = r0; i < r1; i++) {
        double *xi = x + i * n + c0;
        const double *li = l + i * n;
        for (size_t k = r0; k < i; k++) {
            const double *xk = x + k * n + c0;
            double lik = li[k];
            for (size_t c = 0; c < w; c++) xi[c] -= lik * xk[c];
        }
        double inv = 1.0 / li[i];
        for (size_t c = 0; c < w; c++) xi[c] *= inv;
    }
}

/*
 * X = L^-1 (x: n x n; l is read only), a panel of BLOCK columns at a
 * time: the columns of L X = I are independent, so panels run in
 * parallel; a panel is solved BLOCK rows at a time, its rows above the
 * diagonal zero.
 */
static void tril_inverse_into(double *x, const double *l, size_t n)
{
    long panels = (long)((n + BLOCK - 1) / BLOCK);
#pragma omp parallel for schedule(dynamic, 1) if (gr_parallel_worth_madds(n * n * n / 6)) num_threads(gr_threads())
    for (long b = 0; b < panels; b++) {
        size_t c0 = (size_t)b * BLOCK, c1 = min_sz(c0 + BLOCK, n);
        for (size_t i = 0; i < c0; i++) memset(x + i * n + c0, 0, (c1 - c0) * sizeof *x);
        for (size_t r0 = c0; r0 < n; r0 += BLOCK) inverse_rows(x, l, n, r0, min_sz(r0 + BLOCK, n), c0, c1);
    }
}

void gr_tril_inverse(double *l, size_t n)
{
    double *x = malloc((n ? n * n : 1) * sizeof *x);
    if (!x) return;
    tril_inverse_into(x, l, n);
    memcpy(l, x, n * n * sizeof *x);
    free(x);
}

/* Rows [i0, i1) of X^T X, columns [0, i1): X[k][i] = 0 for k < i, so the
 * sum starts at row i0 of X; xt (scratch, (i1 - i0) x (n - i0)) holds
 * X[i0:n, i0:i1) transposed, the rows of the product's left factor. */
static void gram_rows(double *out, const double *x, double *xt, size_t n, size_t i0, size_t i1)
{
    size_t m = i1 - i0, k = n - i0;
    for (size_t p = 0; p < k; p++)
        for (size_t r = 0; r < m; r++) xt[r * k + p] = x[(i0 + p) * n + i0 + r];
    for (size_t r = 0; r < m; r++) memset(out + (i0 + r) * n, 0, i1 * sizeof *out);
    gr_gemm_d(out + i0 * n, n, xt, k, x + i0 * n, n, m, i1, k, 1.0);
}

size_t gr_spd_inverse(double *a, size_t n)
{
    size_t bad = gr_cholesky(a, n);
    if (bad) return bad;
    int threads = gr_threads_limit();
    double *x = malloc((n ? n * n : 1) * sizeof *x);
    double *xt = malloc(((size_t)threads * min_sz(BLOCK, n) * n + 1) * sizeof *xt);
    if (!x || !xt) {
        free(x);
        free(xt);
        return n + 1;
    }
    tril_inverse_into(x, a, n);
    /* a^-1 = X^T X: the lower triangle block row by block row, then its mirror */
    long blocks = (long)((n + BLOCK - 1) / BLOCK);
#pragma omp parallel for schedule(dynamic, 1) if (gr_parallel_worth_madds(n * n * n / 6)) num_threads(gr_threads_at_most(threads))
    for (long b = 0; b < blocks; b++) {
        size_t i0 = (size_t)b * BLOCK;
        gram_rows(a, x, xt + (size_t)omp_get_thread_num() * min_sz(BLOCK, n) * n, n, i0, min_sz(i0 + BLOCK, n));
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) a[i * n + j] = a[j * n + i];
    free(x);
    free(xt);
    return 0;
}

static double off_norm2(const double *a, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) s += a[i * n + j] * a[i * n + j];
    return s;
}

/* Rotate rows/columns p and q of symmetric a to zero a[p][q]; v gathers
 * the rotations (its columns become the eigenvectors). */
static void jacobi_rotate(double *a, double *v, size_t n, size_t p, size_t q)
{
    double apq = a[p * n + q];
    double theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
    double t = (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1.0));
    double c = 1.0 / sqrt(t * t + 1.0), s = t * c;
    for (size_t k = 0; k < n; k++) { /* columns p and q */
        double akp = a[k * n + p], akq = a[k * n + q];
        a[k * n + p] = c * akp - s * akq;
        a[k * n + q] = s * akp + c * akq;
    }
    double *rp = a + p * n, *rq = a + q * n;
    for (size_t k = 0; k < n; k++) { /* rows p and q */
        double apk = rp[k], aqk = rq[k];
        rp[k] = c * apk - s * aqk;
        rq[k] = s * apk + c * aqk;
    }
    a[p * n + q] = a[q * n + p] = 0.0;
    for (size_t k = 0; k < n; k++) {
        double vkp = v[k * n + p], vkq = v[k * n + q];
        v[k * n + p] = c * vkp - s * vkq;
        v[k * n + q] = s * vkp + c * vkq;
    }
}

int gr_sym_eigen(double *a, double *w, double *v, size_t n)
{
    memset(v, 0, n * n * sizeof *v);
    double norm2 = 0.0;
    for (size_t i = 0; i < n; i++) {
        v[i * n + i] = 1.0;
        norm2 += dot_d(a + i * n, a + i * n, n);
    }
    int sweeps = 0;
    for (int sweep = 0; sweep < 60; sweep++) {
        if (off_norm2(a, n) <= 1e-30 * norm2) break;
        sweeps++;
        for (size_t p = 0; p + 1 < n; p++)
            for (size_t q = p + 1; q < n; q++) {
                double apq = a[p * n + q];
                if (apq * apq <= 1e-34 * norm2) continue;
                jacobi_rotate(a, v, n, p, q);
            }
    }
    /* eigenvalues in descending order, eigenvector columns with them */
    size_t *order = malloc((n ? n : 1) * sizeof *order);
    double *tmp = malloc((n ? n * n : 1) * sizeof *tmp);
    if (!order || !tmp) {
        free(order);
        free(tmp);
        return -1;
    }
    for (size_t i = 0; i < n; i++) order[i] = i;
    for (size_t i = 1; i < n; i++) { /* insertion sort: n is small */
        size_t o = order[i], j = i;
        while (j > 0 && a[order[j - 1] * n + order[j - 1]] < a[o * n + o]) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = o;
    }
    memcpy(tmp, v, n * n * sizeof *tmp);
    for (size_t c = 0; c < n; c++) {
        w[c] = a[order[c] * n + order[c]];
        for (size_t r = 0; r < n; r++) v[r * n + c] = tmp[r * n + order[c]];
    }
    free(order);
    free(tmp);
    return sweeps;
}
