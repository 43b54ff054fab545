/* Small dense linear algebra and the truncated SVD against dense references. */
#include <gnnrec.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "fixtures.h"
#include "kernels/cpu.h"
#include "kernels/gemm_d.h"
#include "kernels/spmm.h"
#include "linalg/small.h"
#include "linalg/tsvd.h"

/* A random symmetric positive definite n x n matrix: M M^T + n I. */
static double *random_spd(size_t n, uint64_t seed)
{
    gr_rng r = gr_rng_make(seed, 0);
    double *m = malloc(n * n * sizeof *m), *a = calloc(n * n, sizeof *a);
    for (size_t i = 0; i < n * n; i++) m[i] = gr_rng_normal(&r);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double s = 0;
            for (size_t k = 0; k < n; k++) s += m[i * n + k] * m[j * n + k];
            a[i * n + j] = s + (i == j ? (double)n : 0.0);
        }
    free(m);
    return a;
}

START_TEST(cholesky_of_a_known_matrix)
{
    /* [[4, 2, -2], [2, 10, 2], [-2, 2, 6]] = L L^T, L = [[2,0,0],[1,3,0],[-1,1,2]] */
    double a[9] = { 4, 2, -2, 2, 10, 2, -2, 2, 6 };
    const double l[9] = { 2, 0, 0, 1, 3, 0, -1, 1, 2 };
    ck_assert_uint_eq(gr_cholesky(a, 3), 0);
    for (int k = 0; k < 9; k++) ck_assert_double_eq_tol(a[k], l[k], 1e-12);
    double bad[4] = { 1, 2, 2, 1 }; /* eigenvalues 3 and -1 */
    ck_assert_uint_eq(gr_cholesky(bad, 2), 2);
}
END_TEST

/* |a_ij - b_ij| <= tol (1 + |a_ij|) over n x n. */
static void assert_close(const double *a, const double *b, size_t n, double tol)
{
    for (size_t k = 0; k < n * n; k++) ck_assert_double_eq_tol(a[k], b[k], tol * (1.0 + fabs(a[k])));
}

/* f(copy of a, n) with `threads` threads, into out. */
static size_t with_threads(size_t (*f)(double *, size_t), double *out, const double *a, size_t n, int threads)
{
    memcpy(out, a, n * n * sizeof *out);
    gr_set_num_threads(threads);
    size_t rc = f(out, n);
    gr_set_num_threads(0);
    return rc;
}

/* Sizes below, at and across the factorisations' blocks of 128 rows. */
static const size_t factor_sizes[] = { 37, 128, 301 };

START_TEST(spd_inverse_times_matrix_is_identity)
{
    for (size_t t = 0; t < sizeof factor_sizes / sizeof factor_sizes[0]; t++) {
        size_t n = factor_sizes[t];
        double *a = random_spd(n, 3), *inv = malloc(n * n * sizeof *inv), *inv1 = malloc(n * n * sizeof *inv1);
        ck_assert_uint_eq(with_threads(gr_spd_inverse, inv, a, n, 2), 0);
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++) {
                double s = 0;
                for (size_t k = 0; k < n; k++) s += a[i * n + k] * inv[k * n + j];
                ck_assert_double_eq_tol(s, i == j ? 1.0 : 0.0, 1e-10);
                ck_assert(inv[i * n + j] == inv[j * n + i]);
            }
        /* the blocks fix the order of every sum: the same bits on one thread */
        ck_assert_uint_eq(with_threads(gr_spd_inverse, inv1, a, n, 1), 0);
        ck_assert_mem_eq(inv, inv1, n * n * sizeof *inv);
        free(a);
        free(inv);
        free(inv1);
    }
}
END_TEST

START_TEST(blocked_cholesky_reproduces_the_matrix)
{
    for (size_t t = 0; t < sizeof factor_sizes / sizeof factor_sizes[0]; t++) {
        size_t n = factor_sizes[t];
        double *a = random_spd(n, 7), *l = malloc(n * n * sizeof *l), *l1 = malloc(n * n * sizeof *l1);
        double *back = calloc(n * n, sizeof *back);
        ck_assert_uint_eq(with_threads(gr_cholesky, l, a, n, 2), 0);
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++) {
                if (j > i) ck_assert(l[i * n + j] == 0.0);
                double s = 0;
                for (size_t k = 0; k <= (i < j ? i : j); k++) s += l[i * n + k] * l[j * n + k];
                back[i * n + j] = s;
            }
        assert_close(a, back, n, 1e-12);
        ck_assert_uint_eq(with_threads(gr_cholesky, l1, a, n, 1), 0);
        ck_assert_mem_eq(l, l1, n * n * sizeof *l);
        free(a);
        free(l);
        free(l1);
        free(back);
    }
    /* a pivot that fails in the third block is reported by its row */
    size_t n = 300;
    double *id = calloc(n * n, sizeof *id);
    for (size_t i = 0; i < n; i++) id[i * n + i] = i == 260 ? -1.0 : 1.0;
    ck_assert_uint_eq(gr_cholesky(id, n), 261);
    free(id);
}
END_TEST

/* C += alpha A B against plain sums, with strides past the widths, an
 * inner index over several pieces and columns that end in part of a
 * vector; the wide and narrow kernels give the same bits. */
START_TEST(double_product_matches_plain_sums)
{
    size_t m = 7, n = 45, k = 2 * GR_GEMM_D_KC + 77, lda = k + 3, ldb = n + 5, ldc = n + 2;
    gr_rng r = gr_rng_make(11, 0);
    double *a = malloc(m * lda * sizeof *a), *b = malloc(k * ldb * sizeof *b);
    double *c0 = malloc(m * ldc * sizeof *c0), *want = malloc(m * ldc * sizeof *want);
    double *got[2] = { malloc(m * ldc * sizeof *c0), malloc(m * ldc * sizeof *c0) };
    for (size_t i = 0; i < m * lda; i++) a[i] = gr_rng_normal(&r);
    for (size_t i = 0; i < k * ldb; i++) b[i] = gr_rng_normal(&r);
    for (size_t i = 0; i < m * ldc; i++) c0[i] = gr_rng_normal(&r);
    memcpy(want, c0, m * ldc * sizeof *c0);
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            double s = 0;
            for (size_t p = 0; p < k; p++) s += a[i * lda + p] * b[p * ldb + j];
            want[i * ldc + j] += -0.5 * s;
        }
    for (int wide = 0; wide < 2; wide++) {
        memcpy(got[wide], c0, m * ldc * sizeof *c0);
        gr_simd_set_wide(wide);
        gr_gemm_d(got[wide], ldc, a, lda, b, ldb, m, n, k, -0.5);
        gr_simd_set_wide(-1);
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < ldc; j++)
                ck_assert_double_eq_tol(got[wide][i * ldc + j], want[i * ldc + j], 1e-10);
    }
    ck_assert_mem_eq(got[0], got[1], m * ldc * sizeof *c0);
    free(a);
    free(b);
    free(c0);
    free(want);
    free(got[0]);
    free(got[1]);
}
END_TEST

START_TEST(jacobi_eigenpairs_of_a_random_symmetric_matrix)
{
    size_t n = 25;
    double *a = random_spd(n, 5), *work = malloc(n * n * sizeof *work), *w = malloc(n * sizeof *w),
           *v = malloc(n * n * sizeof *v);
    for (size_t i = 0; i < n; i++) a[i * n + i] -= 2.0 * (double)n; /* indefinite too */
    memcpy(work, a, n * n * sizeof *a);
    ck_assert_int_gt(gr_sym_eigen(work, w, v, n), 0);
    for (size_t c = 0; c < n; c++) {
        if (c) ck_assert(w[c - 1] >= w[c]);
        for (size_t i = 0; i < n; i++) { /* A v = w v */
            double s = 0;
            for (size_t k = 0; k < n; k++) s += a[i * n + k] * v[k * n + c];
            ck_assert_double_eq_tol(s, w[c] * v[i * n + c], 1e-9);
        }
        for (size_t d = 0; d < n; d++) { /* orthonormal */
            double s = 0;
            for (size_t k = 0; k < n; k++) s += v[k * n + c] * v[k * n + d];
            ck_assert_double_eq_tol(s, c == d ? 1.0 : 0.0, 1e-12);
        }
    }
    free(a);
    free(work);
    free(w);
    free(v);
}
END_TEST

/* A random sparse m x n matrix as CSR and its transpose. */
static void random_sparse(gr_spmat *a, gr_spmat *at, double *dense, size_t m, size_t n, double density, uint64_t seed)
{
    gr_rng r = gr_rng_make(seed, 1);
    memset(dense, 0, m * n * sizeof *dense);
    size_t nnz = 0;
    for (size_t i = 0; i < m * n; i++)
        if (gr_rng_unit(&r) < density) {
            dense[i] = gr_rng_unit(&r) + 0.1;
            nnz++;
        }
    for (int t = 0; t < 2; t++) {
        gr_spmat *s = t ? at : a;
        size_t rows = t ? n : m, cols = t ? m : n;
        memset(s, 0, sizeof *s);
        s->n = rows;
        s->nnz = nnz;
        s->ptr = calloc(rows + 1, sizeof *s->ptr);
        s->col = malloc(nnz * sizeof *s->col);
        s->val = malloc(nnz * sizeof *s->val);
        size_t w = 0;
        for (size_t i = 0; i < rows; i++) {
            for (size_t j = 0; j < cols; j++) {
                double x = t ? dense[j * n + i] : dense[i * n + j];
                if (x != 0) {
                    s->col[w] = (int32_t)j;
                    s->val[w++] = (float)x;
                }
            }
            s->ptr[i + 1] = (int64_t)w;
        }
        ck_assert_int_eq(gr_spmat_balance(s, 4), 0);
    }
}

START_TEST(truncated_svd_matches_a_dense_reference)
{
    size_t m = 90, n = 60, k = 6;
    double *dense = malloc(m * n * sizeof *dense);
    gr_spmat a, at;
    random_sparse(&a, &at, dense, m, n, 0.15, 11);
    /* reference: eigenvalues of A^T A in double */
    double *ata = calloc(n * n, sizeof *ata), *w = malloc(n * sizeof *w), *vec = malloc(n * n * sizeof *vec);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            for (size_t r = 0; r < m; r++) ata[i * n + j] += dense[r * n + i] * dense[r * n + j];
    double *ata_copy = malloc(n * n * sizeof *ata);
    memcpy(ata_copy, ata, n * n * sizeof *ata);
    ck_assert_int_ge(gr_sym_eigen(ata_copy, w, vec, n), 0);
    float *v = malloc(n * k * sizeof *v), sigma[6];
    gr_tsvd_options o = { 16, 8, 7, NULL };
    ck_assert_int_eq(gr_tsvd(v, sigma, &a, &at, m, n, k, &o), 0);
    for (size_t j = 0; j < k; j++) {
        ck_assert_double_eq_tol(sigma[j], sqrt(w[j]), 1e-3 * sqrt(w[0]));
        /* A^T A v = sigma^2 v, and unit length */
        double norm = 0, res = 0;
        for (size_t i = 0; i < n; i++) {
            double s = 0;
            for (size_t c = 0; c < n; c++) s += ata[i * n + c] * v[c * k + j];
            double d = s - (double)sigma[j] * sigma[j] * v[i * k + j];
            res += d * d;
            norm += (double)v[i * k + j] * v[i * k + j];
        }
        ck_assert_double_eq_tol(norm, 1.0, 1e-4);
        ck_assert_double_le(sqrt(res), 1e-2 * w[0]);
    }
    gr_spmat_free(&a);
    gr_spmat_free(&at);
    free(dense);
    free(ata);
    free(ata_copy);
    free(w);
    free(vec);
    free(v);
}
END_TEST

START_TEST(truncated_svd_rejects_k_beyond_the_matrix)
{
    size_t m = 8, n = 5;
    double dense[40];
    gr_spmat a, at;
    random_sparse(&a, &at, dense, m, n, 0.5, 2);
    float v[30], sigma[6];
    gr_tsvd_options o = { 4, 3, 1, NULL };
    ck_assert_int_eq(gr_tsvd(v, sigma, &a, &at, m, n, 6, &o), GR_EINVAL);
    gr_spmat_free(&a);
    gr_spmat_free(&at);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("linalg");
    TCase *tc = tcase_create("linalg");
    tcase_add_test(tc, cholesky_of_a_known_matrix);
    tcase_add_test(tc, spd_inverse_times_matrix_is_identity);
    tcase_add_test(tc, blocked_cholesky_reproduces_the_matrix);
    tcase_add_test(tc, double_product_matches_plain_sums);
    tcase_add_test(tc, jacobi_eigenpairs_of_a_random_symmetric_matrix);
    tcase_add_test(tc, truncated_svd_matches_a_dense_reference);
    tcase_add_test(tc, truncated_svd_rejects_k_beyond_the_matrix);
    suite_add_tcase(s, tc);
    return fx_run(s);
}
