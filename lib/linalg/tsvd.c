/* Randomised subspace iteration for the top right singular vectors (tsvd.h). */
#include "linalg/tsvd.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/rng.h"
#include "dist/dist.h"
#include "kernels/matmul.h"
#include "linalg/small.h"

typedef struct tsvd_work {
    size_t m, n, b, ldb; /* m: the rows of A held here */
    gr_dist *dist;       /* NULL: all of A is here */
    float *q, *z, *y; /* n x b, n x b, m x b */
    float *gram;      /* b x b, float accumulation */
    float *rinv_t;    /* b x ldb: the right factor applied to the basis */
    double *g;        /* b x b */
} tsvd_work;

static void work_free(tsvd_work *w)
{
    free(w->q);
    free(w->z);
    free(w->y);
    free(w->gram);
    free(w->rinv_t);
    free(w->g);
}

static int work_alloc(tsvd_work *w, size_t m, size_t n, size_t b)
{
    memset(w, 0, sizeof *w);
    w->m = m;
    w->n = n;
    w->b = b;
    w->ldb = gr_gemm_stride(b);
    w->q = gr_alloc_floats(n * b);
    w->z = gr_alloc_floats(n * b);
    w->y = gr_alloc_floats((m ? m : 1) * b); /* a rank may hold no rows */
    w->gram = gr_alloc_floats(b * b);
    w->rinv_t = gr_alloc_floats(b * w->ldb);
    w->g = gr_alloc(b * b, sizeof *w->g);
    if (!w->q || !w->z || !w->y || !w->gram || !w->rinv_t || !w->g) {
        work_free(w);
        return GR_ENOMEM;
    }
    return GR_OK;
}

/* g = x^T x in double for x of rows x b (float products, chunked sums);
 * with `shared`, x is this rank's rows of A X and the float Gram matrix
 * is summed over the ranks. */
static int gram_of(tsvd_work *w, const float *x, size_t rows, int shared)
{
    size_t b = w->b;
    gr_gemm_gram(w->gram, b, x, b, rows, b);
    if (shared) GR_TRY(gr_dist_allreduce_grad(w->dist, w->gram, b * b));
    for (size_t i = 0; i < b * b; i++) w->g[i] = w->gram[i];
    for (size_t i = 0; i < b; i++) /* exact symmetry for the factorisation */
        for (size_t j = 0; j < i; j++) w->g[i * b + j] = w->g[j * b + i] = 0.5 * (w->g[i * b + j] + w->g[j * b + i]);
    return GR_OK;
}

/*
 * One Cholesky QR pass: x (rows x b) <- x R^-1 with R^T R = x^T x.  A
 * Gram matrix that is not positive definite in double precision is shifted
 * by a small multiple of its trace (shifted CholeskyQR), which leaves x
 * better conditioned for the next pass.
 */
static void cholqr_pass(tsvd_work *w, float *x, size_t rows)
{
    size_t b = w->b;
    gram_of(w, x, rows, 0);
    double trace = 0.0;
    for (size_t i = 0; i < b; i++) trace += w->g[i * b + i];
    double *copy = malloc(b * b * sizeof *copy);
    if (copy) memcpy(copy, w->g, b * b * sizeof *copy);
    double shift = 1e-7 * (trace > 0 ? trace : 1.0);
    while (gr_cholesky(w->g, b) != 0 && copy) {
        memcpy(w->g, copy, b * b * sizeof *copy);
        for (size_t i = 0; i < b; i++) w->g[i * b + i] += shift;
        shift *= 10.0;
    }
    free(copy);
    gr_tril_inverse(w->g, b); /* L^-1; x <- x L^-T */
    memset(w->rinv_t, 0, b * w->ldb * sizeof *w->rinv_t);
    for (size_t i = 0; i < b; i++)
        for (size_t j = 0; j <= i; j++) w->rinv_t[j * w->ldb + i] = (float)w->g[i * b + j];
    float *out = x == w->q ? w->z : w->q;
    gr_gemm_nn(out, b, x, b, w->rinv_t, w->ldb, NULL, rows, b, b);
    memcpy(x, out, rows * b * sizeof *x);
}

/* Orthonormal columns in w->q from x (n x b): CholQR twice. */
static void orthonormalise(tsvd_work *w, float *x)
{
    cholqr_pass(w, x, w->n);
    cholqr_pass(w, x, w->n);
    if (x != w->q) memcpy(w->q, x, w->n * w->b * sizeof *x);
}

static void random_start(tsvd_work *w, uint64_t seed)
{
    size_t total = w->n * w->b;
    for (size_t i = 0; i < total; i++) {
        gr_rng r = gr_rng_make(seed, i);
        w->z[i] = (float)gr_rng_normal(&r);
    }
}

/* Rayleigh-Ritz: the eigenvectors of (A Q)^T (A Q) rotate Q onto the
 * singular vectors. */
static int rayleigh_ritz(tsvd_work *w, float *v, float *sigma, size_t k, const gr_spmat *a)
{
    size_t b = w->b;
    gr_spmm(a, w->q, w->y, NULL, b);
    GR_TRY(gram_of(w, w->y, w->m, w->dist != NULL));
    double *lam = malloc(b * sizeof *lam), *vec = malloc(b * b * sizeof *vec);
    int rc = lam && vec && gr_sym_eigen(w->g, lam, vec, b) >= 0 ? GR_OK : gr_err(GR_ENOMEM, "out of memory in the truncated SVD");
    if (rc == GR_OK) {
        memset(w->rinv_t, 0, b * w->ldb * sizeof *w->rinv_t);
        for (size_t i = 0; i < b; i++)
            for (size_t j = 0; j < k; j++) w->rinv_t[i * w->ldb + j] = (float)vec[i * b + j];
        gr_gemm_nn(v, k, w->q, b, w->rinv_t, w->ldb, NULL, w->n, b, k);
        for (size_t j = 0; j < k; j++) sigma[j] = (float)sqrt(lam[j] > 0 ? lam[j] : 0.0);
    }
    free(lam);
    free(vec);
    return rc;
}

int gr_tsvd(float *v, float *sigma, const gr_spmat *a, const gr_spmat *at, size_t m, size_t n, size_t k,
            const gr_tsvd_options *o)
{
    size_t lim = m < n ? m : n;
    if (k == 0 || k > lim) return gr_err(GR_EINVAL, "truncated SVD: k = %zu out of range 1..%zu", k, lim);
    size_t b = (k + o->oversample + 15) & ~(size_t)15;
    if (b > lim) b = lim;
    tsvd_work w;
    /* the rows held here: all of A, or this rank's share */
    int made = work_alloc(&w, o->dist ? a->n : m, n, b), rc = gr_dist_agree(o->dist, made);
    if (rc != GR_OK) {
        if (made == GR_OK) work_free(&w);
        return rc;
    }
    w.dist = o->dist;
    random_start(&w, o->seed);
    orthonormalise(&w, w.z);
    for (int it = 0; it < o->iters && rc == GR_OK; it++) {
        gr_spmm(a, w.q, w.y, NULL, b);
        gr_spmm(at, w.y, w.z, NULL, b);
        /* A^T A Q is the sum of the ranks' A_r^T (A_r Q) */
        if (w.dist) rc = gr_dist_allreduce_grad(w.dist, w.z, n * b);
        if (rc == GR_OK) orthonormalise(&w, w.z);
    }
    if (rc == GR_OK) rc = rayleigh_ritz(&w, v, sigma, k, a);
    work_free(&w);
    return rc;
}
