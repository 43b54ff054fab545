/* Small dense linear algebra: Cholesky, triangular inverse, SPD inverse, Jacobi eigen. */
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

/* Column j below the diagonal: L[i][j] = (a[i][j] - <L[i][0:j], L[j][0:j]>) / L[j][j].
 * Rows of the lower triangle are contiguous, so every dot product streams
 * two row prefixes. */
size_t gr_cholesky(double *a, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        double *rj = a + j * n;
        double d = rj[j] - dot_d(rj, rj, j);
        if (!(d > 0.0)) return j + 1;
        double ljj = sqrt(d), inv = 1.0 / ljj;
        rj[j] = ljj;
        long lo = (long)j + 1, hi = (long)n;
#pragma omp parallel for schedule(static) if ((n - j) * j > GR_PAR_MIN)
        for (long i = lo; i < hi; i++) {
            double *ri = a + (size_t)i * n;
            ri[j] = (ri[j] - dot_d(ri, rj, j)) * inv;
        }
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) a[i * n + j] = 0.0;
    return 0;
}

/* Row i of X = L^-1 is -(1 / L[i][i]) sum_{k<i} L[i][k] X[k], plus 1 / L[i][i]
 * on the diagonal: a combination of earlier rows of X, which overwrite
 * the rows of L that are no longer needed. */
void gr_tril_inverse(double *l, size_t n)
{
    double *row = calloc(n ? n : 1, sizeof *row);
    if (!row) return;
    for (size_t i = 0; i < n; i++) {
        double *li = l + i * n;
        memset(row, 0, (i + 1) * sizeof *row);
        for (size_t k = 0; k < i; k++) {
            double c = li[k];
            if (c == 0.0) continue;
            const double *xk = l + k * n;
            for (size_t j = 0; j <= k; j++) row[j] += c * xk[j];
        }
        double inv = 1.0 / li[i];
        for (size_t j = 0; j < i; j++) li[j] = -row[j] * inv;
        li[i] = inv;
    }
    free(row);
}

size_t gr_spd_inverse(double *a, size_t n)
{
    size_t bad = gr_cholesky(a, n);
    if (bad) return bad;
    gr_tril_inverse(a, n);
    /* a^-1 = X^T X with X = L^-1 lower triangular: row i of the result is
     * sum over k >= i of X[k][i] X[k][0:k+1]; rows are independent. */
    double *out = calloc(n ? n * n : 1, sizeof *out);
    if (!out) return n + 1;
    long nl = (long)n;
#pragma omp parallel for schedule(dynamic, 8) if (n * n * n / 3 > GR_PAR_MIN)
    for (long i = 0; i < nl; i++) {
        double *oi = out + (size_t)i * n;
        for (size_t k = (size_t)i; k < n; k++) {
            const double *xk = a + k * n;
            double c = xk[i];
            for (size_t j = 0; j <= k; j++) oi[j] += c * xk[j];
        }
    }
    memcpy(a, out, n * n * sizeof *a);
    free(out);
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
