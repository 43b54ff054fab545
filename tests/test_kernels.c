/* Kernels against naive references: SpMM, normalised adjacency, top-k, scoring, Adam. */
#include <gnnrec.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/rng.h"
#include "core/threads.h"
#include "fixtures.h"
#include "graph/graph.h"
#include "graph/norm_adj.h"
#include "kernels/cpu.h"
#include "kernels/dense.h"
#include "kernels/gemm.h"
#include "kernels/kg_loss.h"
#include "kernels/kg_score.h"
#include "kernels/mask.h"
#include "kernels/matmul.h"
#include "kernels/softmax.h"
#include "kernels/rows.h"
#include "kernels/sgemm.h"
#include "kernels/spmm.h"
#include "kernels/topk.h"
#include "train/adam.h"

/* A random sparse square matrix with some empty rows. */
static void random_spmat(gr_spmat *a, size_t n, uint64_t seed)
{
    gr_rng r = gr_rng_make(seed, 1);
    memset(a, 0, sizeof *a);
    a->n = n;
    a->ptr = calloc(n + 1, sizeof *a->ptr);
    size_t cap = n * 12;
    a->col = malloc(cap * sizeof *a->col);
    a->val = malloc(cap * sizeof *a->val);
    for (size_t i = 0; i < n; i++) {
        size_t deg = i % 7 == 3 ? 0 : gr_rng_below(&r, 12);
        for (size_t k = 0; k < deg; k++) {
            a->col[a->nnz] = (int32_t)gr_rng_below(&r, (uint32_t)n);
            a->val[a->nnz] = (float)gr_rng_unit(&r) - 0.5f;
            a->nnz++;
        }
        a->ptr[i + 1] = (int64_t)a->nnz;
    }
}

static void naive_spmm(const gr_spmat *a, const float *x, float *y, size_t d)
{
    for (size_t i = 0; i < a->n; i++)
        for (size_t j = 0; j < d; j++) {
            double s = 0;
            for (int64_t k = a->ptr[i]; k < a->ptr[i + 1]; k++) s += (double)a->val[k] * x[(size_t)a->col[k] * d + j];
            y[i * d + j] = (float)s;
        }
}

START_TEST(spmm_matches_naive_for_every_width)
{
    static const size_t widths[] = { 1, 7, 16, 32, 48, 64, 100, 128 };
    gr_spmat a;
    random_spmat(&a, 300, 9);
    for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++) {
        size_t d = widths[w];
        float *x = gr_alloc_floats(a.n * d), *y = gr_alloc_floats(a.n * d), *ref = gr_alloc_floats(a.n * d);
        float *acc = gr_alloc_floats(a.n * d);
        gr_rng r = gr_rng_make(3, d);
        for (size_t k = 0; k < a.n * d; k++) {
            x[k] = (float)gr_rng_normal(&r);
            acc[k] = 1.0f;
        }
        naive_spmm(&a, x, ref, d);
        for (int balanced = 0; balanced < 2; balanced++) {
            if (balanced) ck_assert_int_eq(gr_spmat_balance(&a, 7), GR_OK);
            gr_spmm(&a, x, y, NULL, d);
            for (size_t k = 0; k < a.n * d; k++) ck_assert_float_eq_tol(y[k], ref[k], 1e-4);
        }
        gr_spmm(&a, x, y, acc, d);
        for (size_t k = 0; k < a.n * d; k++) ck_assert_float_eq_tol(acc[k], 1.0f + ref[k], 1e-4);
        free(x);
        free(y);
        free(ref);
        free(acc);
        free(a.split);
        a.split = NULL;
        a.nsplit = 0;
    }
    gr_spmat_free(&a);
}
END_TEST

START_TEST(spmm_is_independent_of_thread_count)
{
    gr_spmat a;
    random_spmat(&a, 2000, 4);
    gr_spmat_balance(&a, 32);
    size_t d = 64;
    float *x = gr_alloc_floats(a.n * d), *y1 = gr_alloc_floats(a.n * d), *y2 = gr_alloc_floats(a.n * d);
    gr_rng r = gr_rng_make(5, 5);
    for (size_t k = 0; k < a.n * d; k++) x[k] = (float)gr_rng_normal(&r);
    gr_set_num_threads(1);
    gr_spmm(&a, x, y1, NULL, d);
    gr_set_num_threads(2);
    gr_spmm(&a, x, y2, NULL, d);
    gr_set_num_threads(0);
    ck_assert_int_eq(memcmp(y1, y2, a.n * d * sizeof(float)), 0);
    free(x);
    free(y1);
    free(y2);
    gr_spmat_free(&a);
}
END_TEST

/* A product of a range of rows writes those rows of Y and acc alone, from
 * the first rows of the buffers it is given, with the bits of the whole
 * product, in float and in bfloat16, for ranges that cut the balanced
 * parts anywhere (the layers made in place). */
START_TEST(row_range_products_have_the_whole_products_bits)
{
    gr_spmat a;
    random_spmat(&a, 500, 6);
    ck_assert_int_eq(gr_spmat_balance(&a, 7), GR_OK);
    const size_t d = 64, nd = a.n * d;
    float *x = gr_alloc_floats(nd), *y = gr_alloc_floats(nd), *acc = gr_alloc_floats(nd);
    float *want_y = gr_alloc_floats(nd), *want_acc = gr_alloc_floats(nd);
    uint16_t *xb = gr_alloc(nd, sizeof *xb), *yb = gr_alloc(nd, sizeof *yb), *want_yb = gr_alloc(nd, sizeof *yb);
    gr_rng r = gr_rng_make(11, 2);
    for (size_t k = 0; k < nd; k++) x[k] = (float)gr_rng_normal(&r);
    gr_to_bf16_rows(xb, x, a.n, d);
    const size_t cuts[][2] = { { 0, 500 }, { 0, 1 }, { 17, 333 }, { 250, 500 }, { 499, 500 }, { 40, 40 } };
    for (int half = 0; half < 2; half++)
        for (size_t c = 0; c < sizeof cuts / sizeof *cuts; c++) {
            const size_t r0 = cuts[c][0], r1 = cuts[c][1];
            for (size_t k = 0; k < nd; k++) want_acc[k] = acc[k] = 0.25f;
            memset(y, 0xff, nd * sizeof *y);
            memset(yb, 0xff, nd * sizeof *yb);
            if (half) {
                gr_spmm_bf16(&a, xb, want_yb, want_acc, 0.5f, d);
                gr_spmm_bf16_rows(&a, xb, yb + r0 * d, acc + r0 * d, 0.5f, d, r0, r1);
            } else {
                gr_spmm_scaled(&a, x, want_y, want_acc, 0.5f, d);
                gr_spmm_scaled_rows(&a, x, y + r0 * d, acc + r0 * d, 0.5f, d, r0, r1);
            }
            for (size_t row = 0; row < a.n; row++) {
                const int in = row >= r0 && row < r1;
                const float *ga = acc + row * d, *wa = want_acc + row * d;
                for (size_t j = 0; j < d; j++) {
                    ck_assert(in ? ga[j] == wa[j] : ga[j] == 0.25f);
                    if (!half) ck_assert(in ? y[row * d + j] == want_y[row * d + j] : isnan(y[row * d + j]));
                    if (half) ck_assert(in ? yb[row * d + j] == want_yb[row * d + j] : yb[row * d + j] == 0xffff);
                }
            }
        }
    free(x);
    free(y);
    free(acc);
    free(want_y);
    free(want_acc);
    free(xb);
    free(yb);
    free(want_yb);
    gr_spmat_free(&a);
}
END_TEST

START_TEST(norm_adj_weights_are_inverse_sqrt_degrees)
{
    /* users 10: items a,b; 20: item a.  deg(10)=2, deg(20)=1, deg(a)=2, deg(b)=1 */
    int64_t u[] = { 10, 10, 20 }, it[] = { 100, 200, 100 };
    gr_graph *g;
    ck_assert_int_eq(gr_graph_from_edges(&g, u, it, NULL, NULL, 3, 0), GR_OK);
    gr_spmat a;
    ck_assert_int_eq(gr_norm_adj(&a, g, 2), GR_OK);
    ck_assert_uint_eq(a.n, 4);
    ck_assert_uint_eq(a.nnz, 6);
    /* dense view: rows users 0,1 then items 2,3 */
    float m[4][4] = { { 0 } };
    for (size_t r = 0; r < a.n; r++)
        for (int64_t k = a.ptr[r]; k < a.ptr[r + 1]; k++) m[r][a.col[k]] = a.val[k];
    ck_assert_float_eq_tol(m[0][2], 0.5f, 1e-6);             /* 1/sqrt(2*2) */
    ck_assert_float_eq_tol(m[0][3], (float)M_SQRT1_2, 1e-6); /* 1/sqrt(2*1) */
    ck_assert_float_eq_tol(m[1][2], (float)M_SQRT1_2, 1e-6); /* 1/sqrt(1*2) */
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) ck_assert_float_eq(m[i][j], m[j][i]);
    gr_spmat_free(&a);
    gr_graph_free(g);
}
END_TEST

static int cmp_desc(const void *pa, const void *pb)
{
    const int32_t a = *(const int32_t *)pa, b = *(const int32_t *)pb;
    extern const float *topk_scores;
    float sa = topk_scores[a], sb = topk_scores[b];
    if (sa != sb) return sa > sb ? -1 : 1;
    return (a > b) - (a < b);
}
const float *topk_scores;

/* gr_topk of s[0..n) at several k against a full sort, whole and fed in
 * parts (gr_topk_push). */
static void topk_matches_sort(const float *s, size_t n)
{
    int32_t *order = malloc((n + 1) * sizeof *order), *idx = malloc((n + 60) * sizeof *idx);
    float *val = malloc((n + 60) * sizeof *val);
    size_t valid = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] > -INFINITY) order[valid++] = (int32_t)i;
    topk_scores = s;
    qsort(order, valid, sizeof *order, cmp_desc);
    size_t ks[] = { 0, 1, 5, 20, 100, valid, valid + 50 };
    for (size_t c = 0; c < sizeof ks / sizeof *ks; c++) {
        size_t got = gr_topk(idx, val, s, n, ks[c]);
        ck_assert_uint_eq(got, ks[c] < valid ? ks[c] : valid);
        for (size_t k = 0; k < got; k++) {
            ck_assert_int_eq(idx[k], order[k]);
            ck_assert_float_eq(val[k], s[order[k]]);
        }
        /* the row fed in consecutive parts gives the same list */
        static const size_t parts[] = { 1, 7, 16, 100 };
        for (size_t p = 0; p < sizeof parts / sizeof *parts; p++) {
            size_t m = 0;
            for (size_t i0 = 0; i0 < n; i0 += parts[p])
                m = gr_topk_push(idx, val, m, s + i0, i0, n - i0 < parts[p] ? n - i0 : parts[p], ks[c]);
            gr_topk_sort(idx, val, m);
            ck_assert_uint_eq(m, got);
            for (size_t k = 0; k < got; k++) {
                ck_assert_int_eq(idx[k], order[k]);
                ck_assert_float_eq(val[k], s[order[k]]);
            }
        }
    }
    free(order);
    free(idx);
    free(val);
}

/* Many ties, exclusions and NaN; rising scores (every one replaces the
 * root); lengths around the 16 scores tested at once. */
START_TEST(topk_matches_a_full_sort_with_ties_and_exclusions)
{
    size_t lengths[] = { 1000, 1003, 5, 16, 17, 33 };
    float *s = malloc(1003 * sizeof *s);
    gr_rng r = gr_rng_make(11, 0);
    for (size_t l = 0; l < sizeof lengths / sizeof *lengths; l++) {
        size_t n = lengths[l];
        for (size_t i = 0; i < n; i++) {
            s[i] = (float)gr_rng_below(&r, 50); /* many ties */
            if (i % 9 == 0) s[i] = -INFINITY;
            if (i % 97 == 0) s[i] = NAN;
        }
        topk_matches_sort(s, n);
        for (size_t i = 0; i < n; i++) s[i] = (float)i * 0.5f + (float)gr_rng_below(&r, 3);
        topk_matches_sort(s, n);
    }
    free(s);
}
END_TEST

/* gr_rows_gather against its definition: the rows, the transpose and its
 * zeroed columns, for row counts around the sixteen rows handled at once
 * and a width that is not a multiple of 16. */
START_TEST(rows_gather_matches_its_definition)
{
    const size_t table = 300, widths[] = { 64, 24 }, counts[] = { 1, 15, 16, 17, 40 };
    for (size_t wi = 0; wi < 2; wi++)
        for (size_t ci = 0; ci < 5; ci++) {
            size_t d = widths[wi], n = counts[ci], ldt = (n + 15) & ~(size_t)15;
            float *src = malloc(table * d * sizeof *src), *x = malloc(n * d * sizeof *x);
            float *xt = malloc(d * ldt * sizeof *xt);
            int32_t *idx = malloc(n * sizeof *idx);
            for (size_t k = 0; k < table * d; k++) src[k] = (float)k * 0.25f;
            for (size_t k = 0; k < n; k++) idx[k] = (int32_t)((k * 37 + 11) % table);
            for (size_t k = 0; k < d * ldt; k++) xt[k] = -1.0f;
            gr_rows_gather(x, xt, ldt, src, idx, n, d);
            for (size_t k = 0; k < n; k++)
                for (size_t j = 0; j < d; j++) {
                    ck_assert_float_eq(x[k * d + j], src[(size_t)idx[k] * d + j]);
                    ck_assert_float_eq(xt[j * ldt + k], src[(size_t)idx[k] * d + j]);
                }
            for (size_t j = 0; j < d; j++)
                for (size_t k = n; k < ldt; k++) ck_assert_float_eq(xt[j * ldt + k], 0.0f);
            memset(x, 0, n * d * sizeof *x);
            gr_rows_gather(x, NULL, 0, src, idx, n, d);
            for (size_t k = 0; k < n; k++) ck_assert(memcmp(x + k * d, src + (size_t)idx[k] * d, d * sizeof *x) == 0);
            free(src);
            free(x);
            free(xt);
            free(idx);
        }
}
END_TEST

START_TEST(score_block_matches_dot_products)
{
    size_t nu = 7, ni = 37, d = 24, stride = 48;
    float *U = gr_alloc_floats(nu * d), *I = gr_alloc_floats(ni * d), *it = gr_alloc_floats(d * stride);
    float *bias = gr_alloc_floats(ni), *out = gr_alloc_floats(nu * ni);
    gr_rng r = gr_rng_make(2, 2);
    for (size_t k = 0; k < nu * d; k++) U[k] = (float)gr_rng_normal(&r);
    for (size_t k = 0; k < ni * d; k++) I[k] = (float)gr_rng_normal(&r);
    for (size_t k = 0; k < ni; k++) bias[k] = (float)k * 0.1f;
    gr_transpose(it, I, ni, d, stride);
    float *part = gr_alloc_floats(nu * ni);
    /* both forms of the kernel; a range of the items from a multiple of 16
     * gives the bits of the whole */
    for (int wide = 0; wide < 2; wide++) {
        gr_simd_set_wide(wide);
        gr_score_block(out, U, nu, it, ni, stride, d, bias);
        for (size_t u = 0; u < nu; u++)
            for (size_t i = 0; i < ni; i++)
                ck_assert_float_eq_tol(out[u * ni + i], gr_dot(U + u * d, I + i * d, d) + bias[i], 1e-4);
        const size_t i0 = 16, w = ni - i0;
        gr_score_block(part, U, nu, it + i0, w, stride, d, bias + i0);
        for (size_t u = 0; u < nu; u++) ck_assert(memcmp(part + u * w, out + u * ni + i0, w * sizeof *part) == 0);
    }
    gr_simd_set_wide(-1);
    free(part);
    free(U);
    free(I);
    free(it);
    free(bias);
    free(out);
}
END_TEST

/* The gathered-row kernels against double loops, for vector widths (d a
 * multiple of 16) and plain ones, with repeated rows and a range filter. */
static void check_rows(size_t d)
{
    const size_t nrows = 40, n = 25;
    float *x = malloc(nrows * d * sizeof *x), *u = malloc(d * sizeof *u), *c = malloc(n * sizeof *c);
    float *src = malloc(n * d * sizeof *src), *out = malloc(n * sizeof *out), *y = calloc(d, sizeof *y);
    float *dst = calloc(nrows * d, sizeof *dst), *dst2 = calloc(nrows * d, sizeof *dst2);
    double *ref = calloc(nrows * d, sizeof *ref);
    int32_t idx[25];
    gr_rng r = gr_rng_make(5, d);
    for (size_t k = 0; k < nrows * d; k++) x[k] = (float)gr_rng_normal(&r);
    for (size_t k = 0; k < n * d; k++) src[k] = (float)gr_rng_normal(&r);
    for (size_t j = 0; j < d; j++) u[j] = (float)gr_rng_normal(&r);
    for (size_t k = 0; k < n; k++) {
        idx[k] = (int32_t)(k * 7 % 31); /* 25 of 31 rows, some twice over the range [0, 31) */
        c[k] = (float)gr_rng_normal(&r);
    }
    gr_rows_dot(out, u, x, idx, n, d);
    gr_rows_combine(y, c, x, idx, n, d);
    const int32_t lo = 5, hi = 20;
    gr_rows_add_to(dst, idx, src, n, lo, hi, d);
    gr_rows_add_scaled(dst2, idx, c, u, n, lo, hi, d);
    for (size_t j = 0; j < d; j++) {
        double want = 0.0;
        for (size_t k = 0; k < n; k++) want += (double)c[k] * x[(size_t)idx[k] * d + j];
        ck_assert_double_eq_tol(y[j], want, 1e-4 * (1.0 + fabs(want)));
    }
    for (size_t k = 0; k < n; k++) {
        double want = 0.0;
        for (size_t j = 0; j < d; j++) want += (double)u[j] * x[(size_t)idx[k] * d + j];
        ck_assert_double_eq_tol(out[k], want, 1e-4 * (1.0 + fabs(want)));
        if (idx[k] < lo || idx[k] >= hi) continue;
        for (size_t j = 0; j < d; j++) ref[(size_t)idx[k] * d + j] += src[k * d + j];
    }
    for (size_t i = 0; i < nrows; i++)
        for (size_t j = 0; j < d; j++) {
            ck_assert_double_eq_tol(dst[i * d + j], ref[i * d + j], 1e-5);
            double want = 0.0;
            for (size_t k = 0; k < n; k++)
                if ((size_t)idx[k] == i && idx[k] >= lo && idx[k] < hi) want += (double)c[k] * u[j];
            ck_assert_double_eq_tol(dst2[i * d + j], want, 1e-5);
        }
    free(x);
    free(u);
    free(c);
    free(src);
    free(out);
    free(y);
    free(dst);
    free(dst2);
    free(ref);
}

START_TEST(gathered_rows_match_naive_loops)
{
    static const size_t dims[] = { 3, 16, 20, 64 };
    for (size_t k = 0; k < 4; k++) check_rows(dims[k]);
}
END_TEST

/* Normal floats from a seeded stream. */
static float *normals(size_t n, uint64_t seed)
{
    float *x = gr_alloc_floats(n ? n : 1);
    gr_rng r = gr_rng_make(seed, 7);
    for (size_t k = 0; k < n; k++) x[k] = (float)gr_rng_normal(&r);
    return x;
}

/* The channel sums of a GraphSAGE layer against plain loops in the same
 * order (so the same bits): rows of widths with and without whole vectors,
 * one and three channels, no channel list, no rows; and the scatter back
 * into the rows. */
START_TEST(channel_sums_match_plain_loops)
{
    static const size_t dims[] = { 3, 16, 20, 64 };
    const size_t nrows = 90, n = 60;
    int32_t idx[60];
    uint8_t chan[60];
    for (size_t k = 0; k < n; k++) {
        idx[k] = (int32_t)(k * 37 % 83); /* some rows twice */
        chan[k] = (uint8_t)(k * 5 % 3);
    }
    for (size_t q = 0; q < 4; q++) {
        const size_t d = dims[q];
        float *x = normals(nrows * d, 20 + q), *m = gr_alloc_floats(3 * d), *want = gr_alloc_floats(3 * d);
        for (int with_chan = 0; with_chan < 2; with_chan++) {
            const size_t channels = with_chan ? 3 : 1;
            for (size_t cnt = 0; cnt <= n; cnt += n) {
                const float scale = cnt ? 1.0f / (float)cnt : 1.0f;
                for (size_t j = 0; j < 3 * d; j++) m[j] = 7.0f; /* overwritten */
                gr_rows_sum_by_channel(m, channels, x, idx, with_chan ? chan : NULL, cnt, d, scale);
                memset(want, 0, 3 * d * sizeof *want);
                for (size_t k = 0; k < cnt; k++)
                    for (size_t j = 0; j < d; j++)
                        want[(with_chan ? chan[k] : 0) * d + j] += x[(size_t)idx[k] * d + j];
                for (size_t j = 0; cnt && j < channels * d; j++) want[j] *= scale;
                ck_assert(memcmp(m, want, channels * d * sizeof *m) == 0);
            }
            float *whole = gr_alloc_floats(nrows * d), *ref = gr_alloc_floats(nrows * d);
            memcpy(whole, x, nrows * d * sizeof *x);
            memcpy(ref, x, nrows * d * sizeof *x);
            const uint8_t *ch = with_chan ? chan : NULL;
            gr_rows_add_by_channel(whole, idx, ch, m, n, d);
            for (size_t k = 0; k < n; k++)
                for (size_t j = 0; j < d; j++) ref[(size_t)idx[k] * d + j] += m[(ch ? ch[k] : 0) * d + j];
            ck_assert(memcmp(whole, ref, nrows * d * sizeof *ref) == 0);
            free(whole);
            free(ref);
        }
        free(x);
        free(m);
        free(want);
    }
}
END_TEST

/* Dropout as its contract defines it (the bytes of gr_mix64 words, low
 * byte first), at row lengths around the kernel's blocks, rates from none
 * to all; in place the same bits; the ReLU and its gradient, NaN included. */
START_TEST(masks_match_their_definitions)
{
    static const size_t lens[] = { 1, 7, 8, 63, 64, 65, 200 };
    static const unsigned cuts[] = { 0, 51, 128, 255, 256 };
    float *src = normals(200, 31), *dst = gr_alloc_floats(200), *inplace = gr_alloc_floats(200);
    for (size_t q = 0; q < 7; q++)
        for (size_t c = 0; c < 5; c++) {
            const size_t n = lens[q];
            const uint64_t stream = 0x1234567ULL * (q + 1) + c;
            const float scale = 1.25f + (float)c;
            gr_dropout_row(dst, src, n, stream, cuts[c], scale);
            memcpy(inplace, src, n * sizeof *src);
            gr_dropout_row(inplace, inplace, n, stream, cuts[c], scale);
            size_t kept = 0;
            for (size_t j = 0; j < n; j++) {
                uint64_t word = gr_mix64(stream + (j / 8 + 1) * 0x9e3779b97f4a7c15ULL);
                unsigned byte = (unsigned)(word >> (8 * (j % 8))) & 0xffu;
                float want = byte >= cuts[c] ? src[j] * scale : 0.0f;
                ck_assert(memcmp(&dst[j], &want, sizeof want) == 0);
                kept += byte >= cuts[c];
            }
            ck_assert(memcmp(inplace, dst, n * sizeof *dst) == 0);
            if (cuts[c] == 0) ck_assert_uint_eq(kept, n);
            if (cuts[c] == 256) ck_assert_uint_eq(kept, 0);
        }
    float h[20], g[20], x[20];
    for (int j = 0; j < 20; j++) {
        h[j] = j % 4 == 0 ? -(float)j : j % 4 == 1 ? (float)j : j % 4 == 2 ? 0.0f : NAN;
        g[j] = (float)(j + 1);
        x[j] = h[j];
    }
    gr_relu(x, 20);
    gr_relu_grad(g, h, 20);
    for (int j = 0; j < 20; j++) {
        int pos = h[j] > 0.0f;
        ck_assert(x[j] == (pos ? h[j] : 0.0f));
        ck_assert(g[j] == (pos ? (float)(j + 1) : 0.0f));
    }
    free(src);
    free(dst);
    free(inplace);
}
END_TEST

static int close_to(double got, double want, double tol)
{
    return fabs(got - want) <= tol * (1.0 + fabs(want));
}

/* A row of the self-adversarial loss in double precision with libm. */
static double adversarial_reference(double *w, double *e, const float *sc, const float *ds, const uint8_t *mask,
                                    size_t N, double alpha, double half)
{
    double mx = -INFINITY, z = 0.0, loss = 0.0;
    for (size_t n = 0; n < N; n++)
        if (!mask[n] && alpha * sc[n] > mx) mx = alpha * sc[n];
    for (size_t n = 0; n < N; n++) {
        e[n] = mask[n] ? 0.0 : exp(alpha * sc[n] - mx);
        z += e[n];
    }
    for (size_t n = 0; n < N; n++) {
        double p = z > 0 ? e[n] / z : 0.0, x = sc[n];
        loss += p * (x > 0 ? x : 0.0) + p * log1p(exp(-fabs(x)));
        w[n] = half * p / (1.0 + exp(-x)) * ds[n];
    }
    return loss;
}

/* A row of the sampled softmax in double precision: -log of the
 * positive's share, the negatives' weights and d loss / d s_pos. */
static double softmax_reference(double *w, double *dsp, const float *sc, const float *ds, const uint8_t *mask, size_t N,
                                double sp, double shift, double scale)
{
    double z = exp(sp);
    for (size_t n = 0; n < N; n++) z += mask[n] ? 0.0 : exp(sc[n] + shift);
    for (size_t n = 0; n < N; n++) w[n] = mask[n] ? 0.0 : scale * exp(sc[n] + shift) / z * ds[n];
    *dsp = exp(sp) / z - 1.0;
    return log(z) - sp;
}

/* The per-query KG losses against their definitions: rows around the
 * 16-lane block (a padded last block), masked negatives, a row with every
 * negative masked, uniform weights (alpha 0); row scores bit for bit. */
START_TEST(kg_losses_match_their_definitions)
{
    static const size_t lens[] = { 1, 15, 16, 17, 100, 256 };
    static const float alphas[] = { 0.0f, 0.5f, 1.0f };
    float *sc = normals(256, 41), *ds = normals(256, 42), w[256], e[256];
    double rw[256], re[256];
    uint8_t mask[256];
    for (size_t n = 0; n < 256; n++) sc[n] *= 4.0f; /* scores of both signs, up to about 12 */
    for (size_t q = 0; q < 6; q++)
        for (size_t a = 0; a < 3; a++)
            for (int all = 0; all < 2; all++) {
                const size_t N = lens[q];
                for (size_t n = 0; n < N; n++) mask[n] = all || n % 5 == 2;
                float loss = gr_kg_adversarial_row(w, e, sc, ds, mask, N, alphas[a], 0.375f);
                double want = adversarial_reference(rw, re, sc, ds, mask, N, alphas[a], 0.375);
                ck_assert_msg(close_to(loss, want, 2e-6), "N %zu alpha %g: loss %.9g, want %.9g", N, alphas[a], loss,
                              want);
                for (size_t n = 0; n < N; n++) {
                    ck_assert_msg(close_to(w[n], rw[n], 2e-6), "N %zu n %zu: w %.9g, want %.9g", N, n, w[n], rw[n]);
                    ck_assert(close_to(e[n], re[n], 2e-6));
                    if (mask[n]) ck_assert(w[n] == 0.0f && e[n] == 0.0f);
                }
                float dsp, m = 0.5f;
                loss = gr_kg_margin_row(w, &dsp, sc, ds, mask, N, m, 0.25f);
                size_t count = 0;
                for (size_t n = 0; n < N; n++) count += !mask[n];
                double lsum = 0.0, dsum = 0.0;
                for (size_t n = 0; n < N; n++) {
                    int active = !mask[n] && m + sc[n] > 0;
                    lsum += active ? (m + sc[n]) / (double)count : 0.0;
                    dsum -= active ? 1.0 / (double)count : 0.0;
                    ck_assert(close_to(w[n], active ? 0.25 * ds[n] / (double)count : 0.0, 1e-6));
                }
                ck_assert(close_to(loss, lsum, 1e-6));
                ck_assert(close_to(dsp, dsum, 1e-6));
                /* a positive above, among and below the negatives; with
                 * and without the draws' correction */
                for (int k = 0; k < 3; k++) {
                    double rdsp, sp = k == 0 ? 14.0 : k == 1 ? 0.3 : -9.0, shift = a == 0 ? 0.0 : 2.5 * alphas[a];
                    loss = gr_kg_softmax_row(w, &dsp, sc, ds, mask, N, (float)sp, (float)shift, 0.25f);
                    double wsm = softmax_reference(rw, &rdsp, sc, ds, mask, N, sp, shift, 0.25);
                    ck_assert_msg(close_to(loss, wsm, 2e-6), "softmax N %zu sp %g: loss %.9g, want %.9g", N, sp,
                                  loss, wsm);
                    ck_assert_msg(close_to(dsp, rdsp, 2e-6), "softmax dsp %.9g, want %.9g", dsp, rdsp);
                    for (size_t n = 0; n < N; n++) {
                        ck_assert_msg(close_to(w[n], rw[n], 2e-6), "softmax N %zu n %zu: w %.9g, want %.9g", N, n,
                                      w[n], rw[n]);
                        if (mask[n]) ck_assert(w[n] == 0.0f);
                    }
                }
            }
    float v[20], s2[20], d2[20];
    for (int n = 0; n < 20; n++) v[n] = n == 3 ? 0.0f : (float)(n * n) * 0.37f;
    for (int form = 0; form < 3; form++) {
        gr_kg_row_scores(form, 6.0f, s2, d2, v, 20);
        for (int n = 0; n < 20; n++) {
            float r = sqrtf(v[n] > 1e-20f ? v[n] : 1e-20f);
            float ws = form == GR_KG_FORM_DOT ? v[n] : form == GR_KG_FORM_DIST ? 6.0f - v[n] : 6.0f - r;
            float wd = form == GR_KG_FORM_DOT ? 1.0f : form == GR_KG_FORM_DIST ? -1.0f : -0.5f / r;
            ck_assert(memcmp(&s2[n], &ws, sizeof ws) == 0 && memcmp(&d2[n], &wd, sizeof wd) == 0);
        }
    }
    free(sc);
    free(ds);
}
END_TEST

/* Runs every kernel that has a narrow form (kernels/cpu.h) into out, in
 * a fixed order: products of the full softmax, the softmax, SpMM in
 * bfloat16 and in float (by rows and by column blocks), gathered rows and
 * the layer products, at width d. */
static size_t run_blocked_kernels(float *out, size_t d)
{
    const size_t nu = 7, ni = 37, stride = 48, n = 25;
    size_t at = 0;
    float *U = normals(nu * d, 1), *I = normals(ni * d, 2), *it = gr_alloc_floats(d * stride);
    float *G = normals(nu * ni, 3), *bias = normals(ni + d + 5, 4); /* item biases, then a layer's */
    gr_transpose(it, I, ni, d, stride);
    gr_score_block(out + at, U, nu, it, ni, stride, d, bias);
    at += nu * ni;
    gr_gemm_rows(out + at, G, ni, I, nu, ni, d);
    at += nu * d;
    memcpy(out + at, I, ni * d * sizeof *out);
    gr_gemm_tacc(out + at, G, ni, U, nu, ni, d);
    at += ni * d;
    {
        /* more rows than one narrow tile and a reduction longer than one
         * chunk of the narrow rows product, with a partial last chunk */
        const size_t nr = 13, nk = 600;
        float *Gl = normals(nr * nk, 13), *Xl = normals(nk * d, 14), *Ul = normals(nr * d, 15);
        float *xt = gr_alloc_floats(d * gr_score_stride(nk));
        gr_gemm_rows(out + at, Gl, nk, Xl, nr, nk, d);
        at += nr * d;
        memcpy(out + at, Xl, nk * d * sizeof *out);
        gr_gemm_tacc(out + at, Gl, nk, Ul, nr, nk, d);
        at += nk * d;
        gr_transpose(xt, Xl, nk, d, gr_score_stride(nk));
        gr_score_block(out + at, Ul, nr, xt, nk, gr_score_stride(nk), d, NULL);
        at += nr * nk;
        /* a layer's weight gradient over more rows than one chunk */
        memset(out + at, 0, d * (d + 3) * sizeof *out);
        gr_gemm_tn_acc(out + at, d + 3, Xl, d, Gl, nr, nk, d, nr);
        at += d * (d + 3);
        free(Gl);
        free(Xl);
        free(Ul);
        free(xt);
    }
    for (size_t u = 0; u < nu; u++) {
        memcpy(out + at, G + u * ni, ni * sizeof *out);
        out[at + ni] = gr_softmax_row(out + at, ni, 0.5f);
        at += ni + 1;
    }
    if (gr_spmm_bf16_ok(d)) {
        gr_spmat a;
        random_spmat(&a, 40, 9);
        uint16_t *xb = malloc(40 * d * sizeof *xb), *yb = malloc(40 * d * sizeof *yb);
        float *x = normals(40 * d, 5);
        gr_to_bf16_rows(xb, x, 40, d);
        memcpy(out + at, x, 40 * d * sizeof *out);
        gr_spmm_bf16(&a, xb, yb, out + at, 0.5f, d);
        at += 40 * d;
        for (size_t k = 0; k < 40 * d; k++) out[at + k] = (float)yb[k];
        at += 40 * d;
        free(xb);
        free(yb);
        free(x);
        gr_spmat_free(&a);
    }
    for (size_t blocks = 1; blocks <= 3; blocks += 2) {
        gr_spmat a;
        random_spmat(&a, 40, 10);
        ck_assert_int_eq(gr_spmat_block_columns(&a, blocks), GR_OK);
        float *x = normals(40 * d, 12);
        memcpy(out + at + 40 * d, x, 40 * d * sizeof *out);
        gr_spmm_scaled(&a, x, out + at, out + at + 40 * d, 0.5f, d);
        at += 80 * d;
        free(x);
        gr_spmat_free(&a);
    }
    int32_t idx[25];
    for (size_t k = 0; k < n; k++) idx[k] = (int32_t)(k * 7 % 31);
    gr_rows_dot(out + at, U, I, idx, n, d);
    at += n;
    memcpy(out + at, U, d * sizeof *out);
    gr_rows_combine(out + at, G, I, idx, n, d);
    at += d;
    memset(out + at, 0, ni * d * sizeof *out);
    gr_rows_add_to(out + at, idx, I, n, 3, 30, d);
    gr_rows_add_scaled(out + at, idx, G, U, n, 3, 30, d);
    at += ni * d;
    /* a layer of p = d + 5 outputs: partial vectors at the right edge */
    const size_t p = d + 5, ldb = gr_gemm_stride(p);
    float *B = gr_alloc_floats(d * ldb), *X = normals(ni * d, 6), *Y = normals(ni * p, 8);
    for (size_t k = 0; k < d; k++)
        for (size_t j = 0; j < ldb; j++) B[k * ldb + j] = j < p ? I[(k * 3 + j) % (ni * d)] : 0.0f;
    gr_gemm_nn(out + at, p, X, d, B, ldb, bias, ni, d, p);
    at += ni * p;
    memset(out + at, 0, d * p * sizeof *out);
    gr_gemm_tn_acc(out + at, p, X, d, Y, p, ni, d, p);
    at += d * p;
    free(U);
    free(I);
    free(it);
    free(G);
    free(bias);
    free(B);
    free(X);
    free(Y);
    return at;
}

/* The Gram product computes the upper triangle as the general product
 * would from zero and mirrors it: the same bits, both kernel forms, odd
 * and multiple-of-16 widths; and the definition, in double. */
START_TEST(gram_is_the_general_product_mirrored)
{
    static const size_t shapes[][2] = { { 300, 1 }, { 300, 17 }, { 513, 40 }, { 1000, 100 }, { 700, 288 } };
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++)
        for (int wide = 0; wide <= 1; wide++) {
            const size_t n = shapes[s][0], q = shapes[s][1], ldc = q + 3;
            float *a = normals(n * q, 40 + s), *g = malloc(q * ldc * sizeof *g), *ref = calloc(q * ldc, sizeof *ref);
            gr_simd_set_wide(wide);
            for (size_t i = 0; i < q * ldc; i++) g[i] = NAN; /* every element is written */
            gr_gemm_gram(g, ldc, a, q, n, q);
            gr_gemm_tn_acc(ref, ldc, a, q, a, q, n, q, q);
            gr_simd_set_wide(-1);
            for (size_t i = 0; i < q; i++)
                for (size_t j = 0; j < q; j++) {
                    size_t at = i * ldc + j;
                    if (memcmp(&g[at], &ref[at], sizeof *g) != 0)
                        ck_abort_msg("n %zu q %zu wide %d (%zu, %zu): gram %.9g, general %.9g", n, q, wide, i, j, g[at],
                                     ref[at]);
                    if ((i * 7 + j) % 11) continue;
                    double want = 0.0;
                    for (size_t r = 0; r < n; r++) want += (double)a[r * q + i] * a[r * q + j];
                    ck_assert_double_eq_tol(g[at], want, 1e-4 * (1.0 + fabs(want)));
                }
            free(a);
            free(g);
            free(ref);
        }
}
END_TEST

/* Scores from the items' rows (the users transposed, zero-padded to a
 * multiple of 8) give gr_score_block's bits in both kernel forms, with
 * and without item biases: user counts around the 8-user tile and item
 * counts around the 8-item tile. */
START_TEST(score_rows_give_the_score_block_bits)
{
    static const size_t users[] = { 1, 7, 8, 13, 64 }, items[] = { 1, 7, 8, 37, 520 }, dims[] = { 1, 24, 64, 100 };
    for (size_t a = 0; a < 5; a++)
        for (size_t b = 0; b < 5; b++)
            for (size_t c = 0; c < 4; c++) {
                const size_t nu = users[a], n = items[b], d = dims[c], ldu = (nu + 7) & ~(size_t)7;
                const size_t stride = (n + 15) & ~(size_t)15;
                float *U = normals(nu * d, 60 + a), *x = normals(n * d, 70 + b);
                float *ut = malloc(d * ldu * sizeof *ut), *it = malloc(d * stride * sizeof *it);
                float *got = malloc(nu * n * sizeof *got), *want = malloc(nu * n * sizeof *want);
                gr_transpose_strided(ut, ldu, U, d, nu, d);
                gr_transpose(it, x, n, d, stride);
                float *bias = normals(n, 75 + b);
                for (int wide = 0; wide <= 1; wide++)
                    for (int biased = 0; biased <= 1; biased++) {
                        gr_simd_set_wide(wide);
                        for (size_t i = 0; i < nu * n; i++) got[i] = NAN; /* every score is written */
                        gr_score_rows(got, ut, ldu, nu, x, n, d, biased ? bias : NULL);
                        gr_score_block(want, U, nu, it, n, stride, d, biased ? bias : NULL);
                        gr_simd_set_wide(-1);
                        for (size_t i = 0; i < nu * n; i++)
                            if (memcmp(&got[i], &want[i], sizeof *got) != 0)
                                ck_abort_msg("nu %zu n %zu d %zu wide %d bias %d (%zu, %zu): rows %.9g, block %.9g", nu,
                                             n, d, wide, biased, i / n, i % n, got[i], want[i]);
                    }
                free(bias);
                free(U);
                free(x);
                free(ut);
                free(it);
                free(got);
                free(want);
            }
}
END_TEST

/* The overwriting transposed product gives the bits of accumulating into
 * zeros, whatever the output held: both kernel forms, register-blocked
 * and plain widths, item counts around the 4-item blocks, no users. */
START_TEST(transposed_product_overwrites_as_accumulating_into_zeros)
{
    static const size_t dims[] = { 16, 48, 64, 100 }, items[] = { 1, 5, 37 }, users[] = { 0, 3, 64 };
    for (size_t a = 0; a < 4; a++)
        for (size_t b = 0; b < 3; b++)
            for (size_t c = 0; c < 3; c++)
                for (int wide = 0; wide <= 1; wide++) {
                    const size_t d = dims[a], n = items[b], r = users[c], ldg = n + 3;
                    float *g = normals(r * ldg + 1, 80 + b), *x = normals(r * d + 1, 90 + a);
                    float *got = malloc(n * d * sizeof *got), *want = calloc(n * d, sizeof *want);
                    for (size_t i = 0; i < n * d; i++) got[i] = NAN;
                    gr_simd_set_wide(wide);
                    gr_gemm_t(got, g, ldg, x, r, n, d);
                    gr_gemm_tacc(want, g, ldg, x, r, n, d);
                    gr_simd_set_wide(-1);
                    for (size_t i = 0; i < n * d; i++)
                        if (memcmp(&got[i], &want[i], sizeof *got) != 0)
                            ck_abort_msg("d %zu n %zu r %zu wide %d at %zu: %.9g, accumulated %.9g", d, n, r, wide, i,
                                         got[i], want[i]);
                    free(g);
                    free(x);
                    free(got);
                    free(want);
                }
}
END_TEST

/* The packed product against its definition in double, for every
 * combination of transposed factors, sizes around both register tiles
 * and past a run of the inner index (GR_SGEMM_KC) and a block of columns,
 * stored and accumulated; the same bits from both kernel forms and from
 * one and two threads. */
START_TEST(packed_product_matches_its_definition)
{
    static const size_t shape[][3] = { { 1, 1, 1 }, { 13, 37, 300 }, { 24, 64, 256 }, { 7, 1100, 300 }, { 130, 40, 513 } };
    float *work = malloc(2 * gr_sgemm_work_floats() * sizeof *work);
    for (size_t z = 0; z < sizeof shape / sizeof *shape; z++)
        for (int tr = 0; tr < 4; tr++) {
            const size_t m = shape[z][0], n = shape[z][1], k = shape[z][2], ldc = n + 5;
            const int ta = tr & 1, tb = tr >> 1;
            /* A (m x k) stored transposed is k rows of m; B (k x n), n rows of k */
            float *as = normals(m * k, 200 + z), *bs = normals(k * n, 300 + z);
            gr_sgemm_operand a = { as, ta ? m : k, ta }, b = { bs, tb ? k : n, tb };
            float *c0 = normals(m * ldc, 400 + z), *got[4];
            for (int v = 0; v < 4; v++) {
                /* v: wide kernel (bit 0), two threads (bit 1) */
                got[v] = malloc(m * ldc * sizeof *got[v]);
                memcpy(got[v], c0, m * ldc * sizeof *c0);
                gr_simd_set_wide(v & 1);
                int previous = gr_threads_fix(v & 2 ? 2 : 1);
                gr_sgemm_parallel(got[v], ldc, a, b, m, n, k, z % 2, work, 2);
                gr_threads_fix(previous);
                gr_simd_set_wide(-1);
            }
            for (size_t i = 0; i < m; i++)
                for (size_t j = 0; j < ldc; j++) {
                    size_t at = i * ldc + j;
                    for (int v = 1; v < 4; v++)
                        if (memcmp(&got[v][at], &got[0][at], sizeof(float)) != 0)
                            ck_abort_msg("%zux%zux%zu ta %d tb %d form %d (%zu, %zu): %.9g against %.9g", m, n, k, ta,
                                         tb, v, i, j, got[v][at], got[0][at]);
                    if (j >= n) {
                        /* past C's columns nothing is written */
                        ck_assert(memcmp(&got[0][at], &c0[at], sizeof(float)) == 0);
                        continue;
                    }
                    double want = z % 2 ? c0[at] : 0.0;
                    for (size_t p = 0; p < k; p++) {
                        float x = ta ? as[p * m + i] : as[i * k + p], y = tb ? bs[j * k + p] : bs[p * n + j];
                        want += (double)x * y;
                    }
                    ck_assert_double_eq_tol(got[0][at], want, 1e-5 * (1.0 + sqrt((double)k)));
                }
            for (int v = 0; v < 4; v++) free(got[v]);
            free(c0);
            free(as);
            free(bs);
        }
    free(work);
}
END_TEST

START_TEST(narrow_kernels_give_the_wide_kernels_bits)
{
    /* The narrow kernels (AVX2's 16 registers) keep each output's sum in
     * the wide kernels' order, so both give the same bits on one CPU where
     * the wide ones are register-blocked (d <= 64).  At d = 128 the wide
     * products take plain loops, unfused: the same sums up to rounding. */
    static const size_t dims[] = { 16, 32, 48, 64, 128 };
    for (size_t q = 0; q < 5; q++) {
        const size_t d = dims[q], cap = 400000;
        float *wide = calloc(cap, sizeof *wide), *narrow = calloc(cap, sizeof *narrow);
        gr_simd_set_wide(1);
        size_t nw = run_blocked_kernels(wide, d);
        gr_simd_set_wide(0);
        size_t nn = run_blocked_kernels(narrow, d);
        gr_simd_set_wide(-1);
        ck_assert_uint_eq(nw, nn);
        ck_assert_uint_le(nw, cap);
        for (size_t k = 0; k < nw; k++)
            if (d == 128) ck_assert_float_eq_tol(narrow[k], wide[k], 1e-5f * (1.0f + fabsf(wide[k])));
            else if (memcmp(&wide[k], &narrow[k], sizeof(float)) != 0)
                ck_abort_msg("d %zu, value %zu: wide %.9g, narrow %.9g", d, k, wide[k], narrow[k]);
        free(wide);
        free(narrow);
    }
}
END_TEST

START_TEST(kg_kernels_agree_at_every_cpu_level)
{
    /* Each level the CPU reaches computes the KG scores and gradients of
     * the portable build, up to the root estimates' precision. */
    const size_t nq = 5, nc = 70, L = 64;
    float *Q = normals(nq * L, 11), *C = normals(nc * L, 12), *W = normals(nq * nc, 13);
    const int top = gr_cpu_level();
    for (int op = GR_KG_DOT; op <= GR_KG_CMOD; op++) {
        float *s0 = NULL, *gq0 = NULL, *gc0 = NULL;
        for (int level = 0; level <= top; level++) {
            if (level == 1 || level == 2) continue;
            gr_cpu_set_max_level(level);
            float *s = calloc(nq * nc, sizeof *s), *gq = calloc(nq * L, sizeof *gq), *gc = calloc(nc * L, sizeof *gc);
            gr_kg_score(op, GR_KG_FAST, s, nc, Q, nq, C, nc, L);
            gr_kg_grad(op, gq, gc, W, nc, Q, nq, C, nc, L, 0, op == GR_KG_CMOD ? L / 2 : L);
            if (!s0) {
                s0 = s, gq0 = gq, gc0 = gc;
                continue;
            }
            for (size_t k = 0; k < nq * nc; k++) ck_assert_float_eq_tol(s[k], s0[k], 2e-3f * (1.0f + fabsf(s0[k])));
            for (size_t k = 0; k < nq * L; k++) ck_assert_float_eq_tol(gq[k], gq0[k], 2e-3f * (1.0f + fabsf(gq0[k])));
            for (size_t k = 0; k < nc * L; k++) ck_assert_float_eq_tol(gc[k], gc0[k], 2e-3f * (1.0f + fabsf(gc0[k])));
            free(s);
            free(gq);
            free(gc);
        }
        free(s0);
        free(gq0);
        free(gc0);
    }
    gr_cpu_set_max_level(-1);
    free(Q);
    free(C);
    free(W);
}
END_TEST

/* The gradient skips a candidate only where all of a query tile's weights
 * are +0 or -0: zero weights leave both gradients untouched at every CPU
 * level, and a NaN weight among zeros is not skipped (it reaches its
 * query's and its candidate's rows). */
START_TEST(kg_gradient_skips_only_zero_weights)
{
    const size_t nq = 6, nc = 70, L = 64;
    float *Q = normals(nq * L, 21), *C = normals(nc * L, 22), *W = calloc(nq * nc, sizeof *W);
    const int top = gr_cpu_level();
    for (int op = GR_KG_DOT; op <= GR_KG_CMOD; op++)
        for (int level = 0; level <= top; level++) {
            if (level == 1 || level == 2) continue;
            gr_cpu_set_max_level(level);
            const size_t k1 = op == GR_KG_CMOD ? L / 2 : L;
            float *gq = calloc(nq * L, sizeof *gq), *gc = calloc(nc * L, sizeof *gc);
            memset(W, 0, nq * nc * sizeof *W);
            W[2 * nc + 3] = -0.0f;
            gr_kg_grad(op, gq, gc, W, nc, Q, nq, C, nc, L, 0, k1);
            for (size_t k = 0; k < nq * L; k++) ck_assert_msg(gq[k] == 0.0f && !signbit(gq[k]), "op %d level %d", op, level);
            for (size_t k = 0; k < nc * L; k++) ck_assert_msg(gc[k] == 0.0f && !signbit(gc[k]), "op %d level %d", op, level);
            W[5 * nc + 41] = NAN;
            gr_kg_grad(op, gq, gc, W, nc, Q, nq, C, nc, L, 0, k1);
            for (size_t r = 0; r < nq; r++)
                ck_assert_msg(isnan(gq[r * L]) == (r == 5), "op %d level %d: query %zu", op, level, r);
            for (size_t n = 0; n < nc; n++)
                ck_assert_msg(isnan(gc[n * L]) == (n == 41), "op %d level %d: candidate %zu", op, level, n);
            free(gq);
            free(gc);
        }
    gr_cpu_set_max_level(-1);
    free(Q);
    free(C);
    free(W);
}
END_TEST

/* The transpose against its definition: row and column counts on both
 * sides of its 8 x 8 blocks, a source wider than the columns taken, the padding
 * columns (old values there) zeroed; gr_transpose and gr_transpose_padded
 * are the same call. */
START_TEST(transpose_matches_its_definition)
{
    const size_t lds = 70, widths[] = { 64, 21 }, counts[] = { 1, 7, 8, 15, 16, 17, 47, 2048 };
    for (size_t wc = 0; wc < 2 * sizeof counts / sizeof counts[0]; wc++) {
        const size_t cols = widths[wc % 2], c = wc / 2;
        const size_t rows = counts[c], ldd = rows + 9;
        float *src = gr_alloc_floats(rows * lds), *dst = gr_alloc_floats(cols * ldd);
        float *t = gr_alloc_floats(cols * ldd), *pad = gr_alloc_floats(cols * gr_gemm_stride(rows));
        ck_assert(src && dst && t && pad);
        for (size_t k = 0; k < rows * lds; k++) src[k] = (float)k * 0.25f - 3.0f;
        for (size_t k = 0; k < cols * ldd; k++) dst[k] = t[k] = NAN;
        gr_transpose_strided(dst, ldd, src, lds, rows, cols);
        for (size_t k = 0; k < cols; k++)
            for (size_t i = 0; i < ldd; i++)
                ck_assert_msg(dst[k * ldd + i] == (i < rows ? src[i * lds + k] : 0.0f), "rows %zu: (%zu, %zu)", rows,
                              k, i);
        /* src read as rows x cols with row stride cols */
        gr_transpose(t, src, rows, cols, ldd);
        for (size_t k = 0; k < cols; k++)
            for (size_t i = 0; i < ldd; i++)
                ck_assert(t[k * ldd + i] == (i < rows ? src[i * cols + k] : 0.0f));
        gr_transpose_padded(pad, src, lds, rows, cols);
        const size_t ld = gr_gemm_stride(rows);
        for (size_t k = 0; k < cols; k++)
            for (size_t i = 0; i < ld; i++) ck_assert(pad[k * ld + i] == (i < rows ? src[i * lds + k] : 0.0f));
        free(src);
        free(dst);
        free(t);
        free(pad);
    }
}
END_TEST

START_TEST(adam_follows_the_reference_update)
{
    gr_adam a;
    ck_assert_int_eq(gr_adam_init(&a, 3, 0.1), GR_OK);
    float p[3] = { 1, -2, 0.5f }, g[3] = { 0.3f, -0.1f, 0 };
    double m[3] = { 0 }, v[3] = { 0 }, ref[3] = { 1, -2, 0.5 };
    for (int t = 1; t <= 5; t++) {
        gr_adam_step(&a, p, g);
        for (int k = 0; k < 3; k++) {
            m[k] = 0.9 * m[k] + 0.1 * g[k];
            v[k] = 0.999 * v[k] + 0.001 * g[k] * g[k];
            double mh = m[k] / (1 - pow(0.9, t)), vh = v[k] / (1 - pow(0.999, t));
            ref[k] -= 0.1 * mh / (sqrt(vh) + 1e-8);
        }
    }
    for (int k = 0; k < 3; k++) ck_assert_double_eq_tol(p[k], ref[k], 1e-5);
    gr_adam_free(&a);
}
END_TEST

/* The lazy Adam's pieces: a row updated by gr_adam_update is the dense
 * step's row, and gr_adam_catch_up's k skipped steps are k dense steps
 * with a zero gradient.  The closed form takes the bias corrections of
 * the step it runs at for all k and ignores eps's share: exact for the
 * moments, close for the values once the corrections barely move (late
 * in training, as here from step 1000). */
START_TEST(adam_catch_up_is_the_skipped_dense_steps)
{
    enum { N = 37, T0 = 1000, SKIP = 6 };
    gr_adam a;
    ck_assert_int_eq(gr_adam_init(&a, N, 0.01), GR_OK);
    a.t = T0;
    float dense[N], lazy[N], before[N], g[N], zero[N] = { 0 }, m[N] = { 0 }, v[N] = { 0 };
    for (int k = 0; k < N; k++) {
        dense[k] = lazy[k] = (float)(k % 7) - 3.0f;
        g[k] = 0.1f * (float)((k * 5) % 11) - 0.5f;
    }
    for (int t = T0 + 1; t <= T0 + 3; t++) {
        gr_adam_step(&a, dense, g);
        const gr_adam_coef c = gr_adam_coef_at(0.01, GR_ADAM_BETA1, GR_ADAM_BETA2, GR_ADAM_EPS, t);
        gr_adam_update(lazy, g, m, v, N, &c);
    }
    for (int k = 0; k < N; k++) ck_assert(lazy[k] == dense[k] && m[k] == a.m[k] && v[k] == a.v[k]);
    memcpy(before, dense, sizeof before);
    for (int s = 0; s < SKIP; s++) gr_adam_step(&a, dense, zero);
    const gr_adam_coef c = gr_adam_coef_at(0.01, GR_ADAM_BETA1, GR_ADAM_BETA2, GR_ADAM_EPS, T0 + 3 + SKIP);
    gr_adam_catch_up(lazy, m, v, N, &c, SKIP);
    int moved = 0;
    for (int k = 0; k < N; k++) {
        ck_assert_float_eq_tol(m[k], a.m[k], 1e-6f * fabsf(a.m[k]) + 1e-12f);
        ck_assert_float_eq_tol(v[k], a.v[k], 1e-6f * fabsf(a.v[k]) + 1e-12f);
        float move = fabsf(dense[k] - before[k]);
        ck_assert_float_eq_tol(lazy[k], dense[k], 0.01f * move + 1e-6f);
        moved += move > 1e-3f;
    }
    ck_assert_int_gt(moved, N / 2); /* the skipped steps moved the rows */
    memcpy(before, lazy, sizeof before);
    gr_adam_catch_up(lazy, m, v, N, &c, 0);
    ck_assert(memcmp(before, lazy, sizeof before) == 0);
    gr_adam_free(&a);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("kernels");
    TCase *tc = tcase_create("kernels");
    tcase_add_test(tc, spmm_matches_naive_for_every_width);
    tcase_add_test(tc, spmm_is_independent_of_thread_count);
    tcase_add_test(tc, row_range_products_have_the_whole_products_bits);
    tcase_add_test(tc, norm_adj_weights_are_inverse_sqrt_degrees);
    tcase_add_test(tc, topk_matches_a_full_sort_with_ties_and_exclusions);
    tcase_add_test(tc, rows_gather_matches_its_definition);
    tcase_add_test(tc, score_block_matches_dot_products);
    tcase_add_test(tc, adam_follows_the_reference_update);
    tcase_add_test(tc, adam_catch_up_is_the_skipped_dense_steps);
    tcase_add_test(tc, transpose_matches_its_definition);
    tcase_add_test(tc, gathered_rows_match_naive_loops);
    tcase_add_test(tc, narrow_kernels_give_the_wide_kernels_bits);
    tcase_add_test(tc, gram_is_the_general_product_mirrored);
    tcase_add_test(tc, packed_product_matches_its_definition);
    tcase_add_test(tc, score_rows_give_the_score_block_bits);
    tcase_add_test(tc, transposed_product_overwrites_as_accumulating_into_zeros);
    tcase_add_test(tc, kg_kernels_agree_at_every_cpu_level);
    tcase_add_test(tc, kg_gradient_skips_only_zero_weights);
    tcase_add_test(tc, channel_sums_match_plain_loops);
    tcase_add_test(tc, masks_match_their_definitions);
    tcase_add_test(tc, kg_losses_match_their_definitions);
    suite_add_tcase(s, tc);
    return fx_run(s);
}
