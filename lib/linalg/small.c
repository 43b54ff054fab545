/* Small dense linear algebra: Cholesky, triangular inverse, SPD inverse, Jacobi eigen. */
#include "core/threads.h"
#include "linalg/small.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/par.h"

static double dot_d(const double *a, const double *b, size_t n)
{
    double s = 0.0;
    for (size_t k = 0; k < n; k++) s += a[k] * b[k];
    return s;
}

#define ROW_BLOCK 32

/*
 * Rows are factored ROW_BLOCK at a time: for each column j, the block's
 * rows take <L[i][0:j], L[j][0:j]> while row j stays in cache, so the
 * finished rows above are read once per block rather than once per row.
 */
size_t gr_cholesky(double *a, size_t n)
{
    for (size_t i0 = 0; i0 < n; i0 += ROW_BLOCK) {
        size_t i1 = i0 + ROW_BLOCK < n ? i0 + ROW_BLOCK : n;
        for (size_t j = 0; j < i1; j++) {
            double *rj = a + j * n;
            if (j >= i0) {
                double d = rj[j] - dot_d(rj, rj, j);
                if (!(d > 0.0)) return j + 1;
                rj[j] = sqrt(d);
            }
            double inv = 1.0 / rj[j];
            for (size_t i = j + 1 > i0 ? j + 1 : i0; i < i1; i++) {
                double *ri = a + i * n;
                ri[j] = (ri[j] - dot_d(ri, rj, j)) * inv;
            }
        }
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) a[i * n + j] = 0.0;
    return 0;
}

/*
 * X = L^-1 by forward substitution on the columns of I, COLS at a time:
 * X[i][c] = (delta_ic - sum_{k<i} L[i][k] X[k][c]) / L[i][i].  Each row of
 * L is read once per block of columns; blocks run in parallel.  x is
 * n x n scratch; the result replaces l.
 */
#define COLS 16

static void tril_inverse_into(double *x, const double *l, size_t n)
{
    long nb = (long)((n + COLS - 1) / COLS);
#pragma omp parallel for schedule(dynamic, 1) if (n * n * n / 6 > GR_PAR_MIN) num_threads(gr_threads())
    for (long b = 0; b < nb; b++) {
        size_t c0 = (size_t)b * COLS, w = n - c0 < COLS ? n - c0 : COLS;
        double blk[COLS];
        for (size_t i = c0; i < n; i++) { /* rows above c0 are zero in these columns */
            const double *li = l + i * n;
            for (size_t c = 0; c < w; c++) blk[c] = i == c0 + c ? 1.0 : 0.0;
            for (size_t k = c0; k < i; k++) {
                const double *xk = x + k * n + c0;
                double lik = li[k];
                for (size_t c = 0; c < w; c++) blk[c] -= lik * xk[c];
            }
            double inv = 1.0 / li[i];
            for (size_t c = 0; c < w; c++) x[i * n + c0 + c] = blk[c] * inv;
        }
        for (size_t i = 0; i < c0 && i < n; i++)
            for (size_t c = 0; c < w; c++) x[i * n + c0 + c] = 0.0;
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

size_t gr_spd_inverse(double *a, size_t n)
{
    size_t bad = gr_cholesky(a, n);
    if (bad) return bad;
    double *x = malloc((n ? n * n : 1) * sizeof *x);
    if (!x) return n + 1;
    tril_inverse_into(x, a, n);
    /* a^-1 = X^T X: (X^T X)[i][j] = sum_k X[k][i] X[k][j], rows of X
     * streamed once per block of output rows. */
    long nb = (long)((n + COLS - 1) / COLS);
    memset(a, 0, n * n * sizeof *a);
#pragma omp parallel for schedule(dynamic, 1) if (n * n * n / 3 > GR_PAR_MIN) num_threads(gr_threads())
    for (long b = 0; b < nb; b++) {
        size_t i0 = (size_t)b * COLS, w = n - i0 < COLS ? n - i0 : COLS;
        for (size_t k = i0; k < n; k++) { /* X[k][i] = 0 for k < i */
            const double *xk = x + k * n;
            for (size_t c = 0; c < w; c++) {
                double xi = xk[i0 + c];
                if (xi == 0.0) continue;
                double *oi = a + (i0 + c) * n;
                for (size_t j = 0; j <= k; j++) oi[j] += xi * xk[j];
            }
        }
    }
    free(x);
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
