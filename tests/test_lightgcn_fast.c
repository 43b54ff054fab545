/* The fast LightGCN schedule and its kernels: naive references, quality on
 * a generated dataset with structure, reproducibility, schedule defaults. */
#include <gnnrec.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/rng.h"
#include "fixtures.h"
#include "graph/graph.h"
#include "graph/norm_adj.h"
#include "kernels/dense.h"
#include "kernels/gemm.h"
#include "kernels/gemm_amx.h"
#include "kernels/gemm_bf16.h"
#include "kernels/softmax.h"
#include "kernels/spmm.h"
#include "train/lightgcn_train.h"

static float unitf(uint64_t seed, uint64_t k) { return (float)(2.0 * gr_unit(gr_hash3(seed, 9, k)) - 1.0); }

/* A random square CSR with sorted columns, about `per_row` nonzeros per row. */
static void random_spmat(gr_spmat *a, size_t n, size_t per_row, uint64_t seed)
{
    memset(a, 0, sizeof *a);
    a->n = n;
    a->ptr = gr_alloc(n + 1, sizeof *a->ptr);
    a->col = gr_alloc(n * per_row, sizeof *a->col);
    a->val = gr_alloc(n * per_row, sizeof *a->val);
    ck_assert(a->ptr && a->col && a->val);
    size_t w = 0;
    a->ptr[0] = 0;
    for (size_t r = 0; r < n; r++) {
        /* sorted distinct columns: a random stride walk */
        size_t c = gr_below(gr_hash3(seed, r, 0), (uint32_t)(n / per_row + 1));
        size_t deg = r % 7 == 3 ? 0 : 1 + gr_below(gr_hash3(seed, r, 1), (uint32_t)per_row);
        for (size_t k = 0; k < deg && c < n; k++) {
            a->col[w] = (int32_t)c;
            a->val[w] = unitf(seed, w);
            w++;
            c += 1 + gr_below(gr_hash3(seed, r, 2 + k), (uint32_t)(2 * n / per_row));
        }
        a->ptr[r + 1] = (int64_t)w;
    }
    a->nnz = w;
}

static void check_spmm(size_t n, size_t d, int threads)
{
    gr_spmat a;
    random_spmat(&a, n, 24, 5);
    ck_assert_int_eq(gr_spmat_balance(&a, 7), GR_OK);
    if (n > 6000) { /* the column-blocked path, as used for large graphs */
        ck_assert_int_eq(gr_spmat_block_columns(&a, 3), GR_OK);
        ck_assert_uint_eq(a.nblk, 3);
    }
    float *x = gr_alloc_floats(n * d), *y = gr_alloc_floats(n * d), *acc = gr_alloc_floats(n * d);
    for (size_t k = 0; k < n * d; k++) {
        x[k] = unitf(11, k);
        acc[k] = unitf(12, k);
    }
    float *acc2 = gr_alloc_floats(n * d);
    memcpy(acc2, acc, n * d * sizeof *acc2);
    gr_set_num_threads(threads);
    gr_spmm_scaled(&a, x, y, acc2, 0.25f, d);
    gr_spmm(&a, x, y, acc, d);
    gr_set_num_threads(0);
    for (size_t k = 0; k < n * d; k++) acc2[k] = acc2[k] * 4.0f - acc[k]; /* exact: a power of two */
    float diff = 0.0f;
    for (size_t k = 0; k < n * d; k++) diff = fmaxf(diff, fabsf(acc2[k]));
    ck_assert_float_eq(diff, 0.0f); /* (acc + Y) * scale, the same sums */
    free(acc2);
    /* worst error relative to the tolerance; asserting once keeps Check's
     * per-assertion bookkeeping out of the loop */
    double worst = 0.0;
    for (size_t r = 0; r < n; r++)
        for (size_t j = 0; j < d; j++) {
            double ref = 0.0, mag = 0.0;
            for (int64_t k = a.ptr[r]; k < a.ptr[r + 1]; k++) {
                ref += (double)a.val[k] * x[(size_t)a.col[k] * d + j];
                mag += fabs((double)a.val[k] * x[(size_t)a.col[k] * d + j]);
            }
            worst = fmax(worst, fabs(y[r * d + j] - ref) / (1e-5 * mag + 1e-7));
            worst = fmax(worst, fabs(acc[r * d + j] - (ref + unitf(12, r * d + j))) / (1e-5 * (mag + 1.0)));
        }
    ck_assert_double_le(worst, 1.0);
    free(x);
    free(y);
    free(acc);
    gr_spmat_free(&a);
}

START_TEST(spmm_matches_naive_reference)
{
    static const size_t dims[] = { 16, 32, 48, 64, 128, 40 };
    for (size_t k = 0; k < sizeof dims / sizeof dims[0]; k++) check_spmm(700, dims[k], 2);
    check_spmm(9000, 64, 1);
    check_spmm(9000, 64, 2);
    check_spmm(9000, 16, 2);
}
END_TEST

START_TEST(spmm_same_for_any_thread_count)
{
    const size_t n = 9000, d = 64;
    gr_spmat a;
    random_spmat(&a, n, 30, 8);
    ck_assert_int_eq(gr_spmat_balance(&a, 16), GR_OK);
    ck_assert_int_eq(gr_spmat_block_columns(&a, 4), GR_OK);
    float *x = gr_alloc_floats(n * d), *y1 = gr_alloc_floats(n * d), *y2 = gr_alloc_floats(n * d);
    for (size_t k = 0; k < n * d; k++) x[k] = unitf(3, k);
    gr_set_num_threads(1);
    gr_spmm(&a, x, y1, NULL, d);
    gr_set_num_threads(2);
    gr_spmm(&a, x, y2, NULL, d);
    ck_assert_int_eq(memcmp(y1, y2, n * d * sizeof *y1), 0);
    /* and the same with or without column blocks */
    ck_assert_int_eq(gr_spmat_block_columns(&a, 1), GR_OK);
    ck_assert_uint_eq(a.nblk, 0);
    gr_spmm(&a, x, y2, NULL, d);
    gr_set_num_threads(0);
    ck_assert_int_eq(memcmp(y1, y2, n * d * sizeof *y1), 0);
    free(x);
    free(y1);
    free(y2);
    gr_spmat_free(&a);
}
END_TEST

static void check_gemm(size_t r, size_t n, size_t d)
{
    size_t ldg = n + 3;
    float *g = gr_alloc_floats(r * ldg), *x = gr_alloc_floats(n * d), *xu = gr_alloc_floats(r * d);
    float *y = gr_alloc_floats(r * d), *yt = gr_alloc_floats(n * d);
    for (size_t k = 0; k < r * ldg; k++) g[k] = unitf(21, k);
    for (size_t k = 0; k < n * d; k++) {
        x[k] = unitf(22, k);
        yt[k] = unitf(23, k);
    }
    for (size_t k = 0; k < r * d; k++) xu[k] = unitf(24, k);
    gr_gemm_rows(y, g, ldg, x, r, n, d);
    gr_gemm_tacc(yt, g, ldg, xu, r, n, d);
    double worst = 0.0;
    for (size_t u = 0; u < r; u++)
        for (size_t j = 0; j < d; j++) {
            double ref = 0.0;
            for (size_t k = 0; k < n; k++) ref += (double)g[u * ldg + k] * x[k * d + j];
            worst = fmax(worst, fabs(y[u * d + j] - ref) / (1e-5 * (double)n));
        }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++) {
            double ref = unitf(23, i * d + j);
            for (size_t u = 0; u < r; u++) ref += (double)g[u * ldg + i] * xu[u * d + j];
            worst = fmax(worst, fabs(yt[i * d + j] - ref) / (1e-5 * (double)r + 1e-6));
        }
    ck_assert_double_le(worst, 1.0);
    free(g);
    free(x);
    free(xu);
    free(y);
    free(yt);
}

START_TEST(spmm_bf16_matches_naive_reference)
{
    static const size_t dims[] = { 32, 64, 128 };
    for (size_t q = 0; q < 3; q++) {
        const size_t n = 3000, d = dims[q];
        ck_assert(gr_spmm_bf16_ok(d));
        gr_spmat a;
        random_spmat(&a, n, 24, 6);
        ck_assert_int_eq(gr_spmat_balance(&a, 7), GR_OK);
        float *x = gr_alloc_floats(n * d), *acc = gr_alloc_floats(n * d), *acc2 = gr_alloc_floats(n * d);
        uint16_t *xb = malloc(n * d * 2), *yb = malloc(n * d * 2), *yb2 = malloc(n * d * 2);
        for (size_t k = 0; k < n * d; k++) {
            x[k] = unitf(61, k);
            acc[k] = acc2[k] = unitf(62, k);
        }
        gr_to_bf16_rows(xb, x, n, d);
        gr_set_num_threads(2);
        gr_spmm_bf16(&a, xb, yb, acc, 0.5f, d);
        gr_set_num_threads(1);
        gr_spmm_bf16(&a, xb, yb2, acc2, 0.5f, d);
        gr_set_num_threads(0);
        ck_assert_int_eq(memcmp(acc, acc2, n * d * sizeof *acc), 0); /* any thread count */
        ck_assert_int_eq(memcmp(yb, yb2, n * d * 2), 0);
        /* inputs rounded to 8 significant bits: 1/256 of the absolute terms,
         * and Y itself rounded once more when stored */
        double worst = 0.0;
        for (size_t r = 0; r < n; r++)
            for (size_t j = 0; j < d; j++) {
                double ref = 0.0, mag = 0.0;
                for (int64_t k = a.ptr[r]; k < a.ptr[r + 1]; k++) {
                    ref += (double)a.val[k] * x[(size_t)a.col[k] * d + j];
                    mag += fabs((double)a.val[k] * x[(size_t)a.col[k] * d + j]);
                }
                double want = (unitf(62, r * d + j) + ref) * 0.5;
                worst = fmax(worst, fabs(acc[r * d + j] - want) / (mag / 256 + 1e-6));
                /* the stored Y: word k of a 32-column group holds columns k and 16 + k */
                size_t g = j / 32, c = j % 32, pos = g * 32 + (c < 16 ? 2 * c : 2 * (c - 16) + 1);
                uint32_t bits = (uint32_t)yb[r * d + pos] << 16;
                float got;
                memcpy(&got, &bits, sizeof got);
                worst = fmax(worst, fabs(got - ref) / (mag / 128 + 1e-6));
            }
        ck_assert_double_le(worst, 1.0);
        free(x);
        free(acc);
        free(acc2);
        free(xb);
        free(yb);
        free(yb2);
        gr_spmat_free(&a);
    }
}
END_TEST

START_TEST(gemm_matches_naive_reference)
{
    static const size_t dims[] = { 16, 32, 48, 64, 24, 1 };
    for (size_t k = 0; k < sizeof dims / sizeof dims[0]; k++) {
        check_gemm(7, 37, dims[k]);
        check_gemm(32, 129, dims[k]);
        check_gemm(1, 1, dims[k]);
    }
}
END_TEST

START_TEST(scores_match_naive_reference)
{
    static const size_t users[] = { 1, 3, 4, 7, 32 }, items[] = { 1, 15, 16, 64, 100, 129 }, dims[] = { 16, 64, 24 };
    double worst = 0.0;
    for (size_t a = 0; a < 5; a++)
        for (size_t b = 0; b < 6; b++)
            for (size_t c = 0; c < 3; c++)
                for (int with_bias = 0; with_bias < 2; with_bias++) {
                    size_t nu = users[a], ni = items[b], d = dims[c], stride = (ni + 15) & ~(size_t)15;
                    float *U = gr_alloc_floats(nu * d), *I = gr_alloc_floats(ni * d), *It = gr_alloc_floats(stride * d);
                    float *bias = gr_alloc_floats(ni), *out = gr_alloc_floats(nu * ni + 1);
                    for (size_t k = 0; k < nu * d; k++) U[k] = unitf(41, k);
                    for (size_t k = 0; k < ni * d; k++) I[k] = unitf(42, k);
                    for (size_t k = 0; k < ni; k++) bias[k] = unitf(43, k);
                    out[nu * ni] = 12345.0f; /* nothing is written past the block */
                    gr_transpose(It, I, ni, d, stride);
                    gr_score_block(out, U, nu, It, ni, stride, d, with_bias ? bias : NULL);
                    for (size_t u = 0; u < nu; u++)
                        for (size_t i = 0; i < ni; i++) {
                            double ref = with_bias ? bias[i] : 0.0;
                            for (size_t k = 0; k < d; k++) ref += (double)U[u * d + k] * I[i * d + k];
                            worst = fmax(worst, fabs(out[u * ni + i] - ref) / (1e-5 * (double)d));
                        }
                    ck_assert_float_eq(out[nu * ni], 12345.0f);
                    free(U);
                    free(I);
                    free(It);
                    free(bias);
                    free(out);
                }
    ck_assert_double_le(worst, 1.0);
}
END_TEST

/* worst |got - ref| / (tol * sum |terms| + 1e-6) over a product */
static void check_bf16(size_t nu, size_t ni, size_t d, double *worst)
{
    size_t ldb = (ni + 31) & ~(size_t)31;
    float *U = gr_alloc_floats(nu * d), *I = gr_alloc_floats(ni * d), *G = gr_alloc_floats(nu * ni);
    float *S = gr_alloc_floats(nu * ni + 1), *Y = gr_alloc_floats(nu * d), *Yt = gr_alloc_floats(ni * d);
    uint16_t *Ub = malloc(nu * d * 2), *Ib = malloc(ldb * d * 2), *Ip = malloc(ldb * d * 2), *Gb = malloc(nu * ldb * 2);
    uint16_t *Xu = malloc((nu + 1) * d * 2);
    uint32_t *Gt = malloc((nu + 1) / 2 * ldb * 4);
    for (size_t k = 0; k < nu * d; k++) U[k] = unitf(51, k);
    for (size_t k = 0; k < ni * d; k++) {
        I[k] = unitf(52, k);
        Yt[k] = unitf(54, k);
    }
    for (size_t k = 0; k < nu * ni; k++) G[k] = unitf(53, k);
    S[nu * ni] = 12345.0f;
    gr_bf16_rows(Ub, d, U, d, nu, d);
    gr_bf16_pack_items(Ib, I, ni, d);
    gr_bf16_pack_row_pairs(Ip, I, ni, d);
    gr_bf16_rows(Gb, ldb, G, ni, nu, ni);
    gr_bf16_pack_col_pairs(Gt, ldb, G, ni, nu, ni);
    gr_bf16_pack_row_pairs(Xu, U, nu, d);
    gr_bf16_scores(S, Ub, nu, Ib, ni, d);
    gr_bf16_gemm_rows(Y, Gb, ldb, Ip, nu, ni, d);
    gr_bf16_gemm_tacc(Yt, Gt, ldb, Xu, nu, ni, d);
    ck_assert_float_eq(S[nu * ni], 12345.0f);
    /* each input is rounded to 8 significant bits: a relative error of
     * 2^-8 per product bounds the sum by 1/128 of its absolute terms */
    const double tol = 1.0 / 128;
    for (size_t u = 0; u < nu; u++)
        for (size_t i = 0; i < ni; i++) {
            double ref = 0, mag = 0;
            for (size_t k = 0; k < d; k++) {
                ref += (double)U[u * d + k] * I[i * d + k];
                mag += fabs((double)U[u * d + k] * I[i * d + k]);
            }
            *worst = fmax(*worst, fabs(S[u * ni + i] - ref) / (tol * mag + 1e-6));
        }
    for (size_t u = 0; u < nu; u++)
        for (size_t j = 0; j < d; j++) {
            double ref = 0, mag = 0;
            for (size_t i = 0; i < ni; i++) {
                ref += (double)G[u * ni + i] * I[i * d + j];
                mag += fabs((double)G[u * ni + i] * I[i * d + j]);
            }
            *worst = fmax(*worst, fabs(Y[u * d + j] - ref) / (tol * mag + 1e-6));
        }
    for (size_t i = 0; i < ni; i++)
        for (size_t j = 0; j < d; j++) {
            double ref = unitf(54, i * d + j), mag = 1;
            for (size_t u = 0; u < nu; u++) {
                ref += (double)G[u * ni + i] * U[u * d + j];
                mag += fabs((double)G[u * ni + i] * U[u * d + j]);
            }
            *worst = fmax(*worst, fabs(Yt[i * d + j] - ref) / (tol * mag + 1e-6));
        }
    free(U);
    free(I);
    free(G);
    free(S);
    free(Y);
    free(Yt);
    free(Ub);
    free(Ib);
    free(Ip);
    free(Gb);
    free(Xu);
    free(Gt);
}

START_TEST(bf16_products_match_naive_reference)
{
    /* partial tiles of users and items, and more than 32 users summed
     * (the tile kernels' edges: gemm_amx.c) */
    static const size_t shapes[][2] = { { 1, 1 },   { 3, 17 },  { 4, 64 },  { 7, 100 }, { 32, 129 },
                                        { 16, 16 }, { 20, 40 }, { 33, 31 }, { 40, 200 } };
    static const size_t dims[] = { 16, 32, 48, 64 };
    const size_t nshapes = sizeof shapes / sizeof shapes[0];
    /* path 0: plain loops; 1: AVX512-BF16 alone; 2: AMX tiles where the CPU has them */
    for (int path = 0; path < 3; path++) {
        double worst = 0.0;
        gr_bf16_force_plain(path == 0);
        gr_bf16_allow_amx(path == 2);
        for (size_t a = 0; a < nshapes; a++)
            for (size_t c = 0; c < 4; c++) check_bf16(shapes[a][0], shapes[a][1], dims[c], &worst);
        printf("bfloat16 products (%s): worst error %.3f of the bound\n",
               gr_bf16_amx() ? "AMX tiles" : path > 0 && gr_bf16_available() ? "AVX512-BF16" : "plain loops", worst);
        ck_assert_double_le(worst, 1.0);
    }
    gr_bf16_force_plain(0);
    gr_bf16_allow_amx(1);
}
END_TEST

#if defined(__x86_64__) && defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>

/* Whether this process holds the tile state already (arch_prctl
 * ARCH_GET_XCOMP_PERM). */
static int tiles_granted(void)
{
    unsigned long features = 0;
    return syscall(SYS_arch_prctl, 0x1022, &features) == 0 && (features & (1ul << 18));
}
#else
static int tiles_granted(void) { return 0; }
#endif

/* Linux refuses the tile state to a process with a thread whose alternate
 * signal stack is too small for the larger signal frame: the products
 * must then stay on AVX512-BF16 (or the plain loops) and stay right.
 * Needs a fresh process (check's fork), which has not asked yet. */
START_TEST(refused_tile_state_keeps_products_off_amx)
{
    if (!gr_amx_cpu() || tiles_granted()) {
        printf("refused_tile_state_keeps_products_off_amx: skipped, %s\n",
               gr_amx_cpu() ? "this process holds the tile state already (tests not forked)" : "this CPU has no AMX");
        return;
    }
    /* 6 KB: room for the signal frame without the tiles (AVX-512 state
     * included), not for the 8 KB of tile data on top */
    const size_t size = 6144;
    stack_t small = { .ss_sp = malloc(size), .ss_size = size, .ss_flags = 0 }, off = { .ss_flags = SS_DISABLE };
    ck_assert_ptr_nonnull(small.ss_sp);
    ck_assert_int_eq(sigaltstack(&small, NULL), 0);
    ck_assert_int_eq(gr_amx_available(), 0);
    ck_assert_int_eq(gr_bf16_amx(), 0);
    ck_assert(!tiles_granted());
    double worst = 0.0;
    check_bf16(32, 129, 64, &worst);
    check_bf16(40, 200, 32, &worst);
    ck_assert_double_le(worst, 1.0);
    ck_assert_int_eq(sigaltstack(&off, NULL), 0);
    free(small.ss_sp);
}
END_TEST

/* The packers round to nearest even on either path: the AVX512-BF16
 * conversions and the plain loops give the same bits, padding included
 * (a last panel of fewer than 16 items, an odd last row pair). */
START_TEST(bf16_packers_agree_on_both_paths)
{
    if (!gr_bf16_available()) {
        printf("bf16_packers_agree_on_both_paths: skipped, this CPU has no AVX512-BF16\n");
        return;
    }
    static const size_t counts[] = { 1, 15, 17, 100, 129 };
    static const size_t dims[] = { 16, 32, 48, 64 };
    for (size_t a = 0; a < 5; a++)
        for (size_t c = 0; c < 4; c++) {
            size_t n = counts[a], d = dims[c], pan = (n + 15) / 16 * 16, ld = (n + 31) & ~(size_t)31;
            float *x = gr_alloc_floats(n * d);
            for (size_t k = 0; k < n * d; k++) x[k] = unitf(61, k) * (k % 7 == 0 ? 1e-3f : 1.0f);
            size_t bytes[4] = { pan * d * 2, (n + 1) / 2 * d * 4, (d + 1) / 2 * ld * 4, d * ld * 2 };
            uint16_t *got[2][4];
            for (int plain = 0; plain < 2; plain++) {
                gr_bf16_force_plain(plain);
                for (int k = 0; k < 4; k++) {
                    got[plain][k] = malloc(bytes[k]);
                    memset(got[plain][k], 0xab, bytes[k]);
                }
                gr_bf16_pack_items(got[plain][0], x, n, d);
                gr_bf16_pack_row_pairs(got[plain][1], x, n, d);
                /* x read as d rows of n: the column pairs of a d x n matrix */
                gr_bf16_pack_col_pairs((uint32_t *)(void *)got[plain][2], ld, x, n, d, n);
                gr_bf16_rows(got[plain][3], ld, x, n, d, n);
            }
            for (int k = 0; k < 4; k++) {
                ck_assert_msg(memcmp(got[0][k], got[1][k], bytes[k]) == 0,
                              "packer %d differs between the paths at n %zu, d %zu", k, n, d);
                free(got[0][k]);
                free(got[1][k]);
            }
            free(x);
        }
    gr_bf16_force_plain(0);
}
END_TEST

START_TEST(softmax_matches_naive_reference)
{
    static const size_t sizes[] = { 1, 15, 16, 17, 100, 3043 };
    for (size_t q = 0; q < sizeof sizes / sizeof sizes[0]; q++) {
        size_t n = sizes[q];
        float *row = gr_alloc_floats(n);
        double *ref = malloc(n * sizeof *ref);
        /* scores over a wide range, including values exp() underflows on */
        for (size_t i = 0; i < n; i++) row[i] = 40.0f * unitf(31 + q, i) - (i % 5 == 0 ? 100.0f : 0.0f);
        double mx = -INFINITY, sum = 0.0;
        for (size_t i = 0; i < n; i++) mx = fmax(mx, row[i]);
        for (size_t i = 0; i < n; i++) sum += ref[i] = exp((double)row[i] - mx);
        float lse = gr_softmax_row(row, n, 3.0f);
        ck_assert_double_le(fabs(lse - (mx + log(sum))), 1e-5 * fmax(1.0, fabs(mx)));
        double worst = 0.0;
        for (size_t i = 0; i < n; i++) {
            double p = 3.0 * ref[i] / sum;
            /* relative accuracy (the float difference x - max carries most of the
             * error), except where exp() underflows to zero */
            worst = fmax(worst, fabs(row[i] - p) / (1e-5 * p + 1e-37));
        }
        ck_assert_double_le(worst, 1.0);
        free(row);
        free(ref);
    }
}
END_TEST

/* ---- training on a generated dataset with cluster structure ---- */

enum { N_USERS = 300, N_ITEMS = 200, N_CLUSTERS = 5, PER_USER = 30 };

/* Users like mostly the items of their own cluster (popular ones more),
 * sometimes any item; every fifth item of a user is held out. */
static void cluster_data(gr_graph **train, gr_graph **test)
{
    size_t cap = N_USERS * PER_USER;
    int64_t *u[2], *i[2];
    size_t n[2] = { 0, 0 };
    for (int s = 0; s < 2; s++) {
        u[s] = malloc(cap * sizeof *u[s]);
        i[s] = malloc(cap * sizeof *i[s]);
    }
    const int per_cluster = N_ITEMS / N_CLUSTERS;
    for (int user = 0; user < N_USERS; user++) {
        int c = user % N_CLUSTERS, seen[N_ITEMS] = { 0 }, got = 0;
        for (uint64_t k = 0; got < PER_USER; k++) {
            uint64_t h = gr_hash3(77, (uint64_t)user, k);
            int item;
            if (gr_unit(h) < 0.85) {
                double x = gr_unit(gr_mix64(h));
                item = c * per_cluster + (int)(per_cluster * x * x); /* skewed within the cluster */
            } else {
                item = (int)gr_below(gr_mix64(h + 1), N_ITEMS);
            }
            if (seen[item]) continue;
            seen[item] = 1;
            int s = got % 5 == 4;
            u[s][n[s]] = user;
            i[s][n[s]] = item;
            n[s]++;
            got++;
        }
    }
    ck_assert_int_eq(gr_graph_from_edges(train, u[0], i[0], NULL, NULL, n[0], 0), GR_OK);
    ck_assert_int_eq(gr_graph_from_edges_like(test, *train, u[1], i[1], NULL, NULL, n[1], 0), GR_OK);
    for (int s = 0; s < 2; s++) {
        free(u[s]);
        free(i[s]);
    }
}

/* Recall@20 of ranking every unseen item by its training degree. */
static double popularity_recall(const gr_graph *train, const gr_graph *test)
{
    size_t ni = gr_graph_num_items(train), nu = gr_graph_num_users(train);
    int64_t *order = malloc(ni * sizeof *order), *items = malloc(ni * sizeof *items), *rel = malloc(ni * sizeof *rel);
    size_t *deg = calloc(ni, sizeof *deg);
    for (size_t k = 0; k < ni; k++) {
        int64_t id;
        gr_graph_item_id(&id, train, k);
        order[k] = id;
        size_t c;
        ck_assert_int_eq(gr_graph_item_users(&c, train, id, NULL, NULL, 0), GR_OK);
        deg[k] = c;
    }
    for (size_t a = 1; a < ni; a++) /* by degree, descending, stable */
        for (size_t b = a; b > 0 && deg[b] > deg[b - 1]; b--) {
            size_t td = deg[b];
            deg[b] = deg[b - 1];
            deg[b - 1] = td;
            int64_t to = order[b];
            order[b] = order[b - 1];
            order[b - 1] = to;
        }
    double sum = 0.0;
    size_t users = 0;
    for (size_t k = 0; k < nu; k++) {
        int64_t user;
        gr_graph_user_id(&user, train, k);
        size_t n_rel, n_seen, n_ranked = 0;
        ck_assert_int_eq(gr_graph_user_items(&n_rel, test, user, rel, NULL, ni), GR_OK);
        if (n_rel == 0) continue;
        ck_assert_int_eq(gr_graph_user_items(&n_seen, train, user, items, NULL, ni), GR_OK);
        int64_t ranked[20];
        for (size_t j = 0; j < ni && n_ranked < 20; j++) {
            int seen = 0;
            for (size_t s = 0; s < n_seen && !seen; s++) seen = items[s] == order[j];
            if (!seen) ranked[n_ranked++] = order[j];
        }
        double out[GR_METRIC_COUNT];
        ck_assert_int_eq(gr_metrics_of_list(out, ranked, n_ranked, rel, n_rel, 20), GR_OK);
        sum += out[GR_METRIC_RECALL];
        users++;
    }
    free(order);
    free(items);
    free(rel);
    free(deg);
    return sum / (double)users;
}

static gr_model *fit(const gr_graph *train, const char *mode, const char *seed, const char *threads, const char *epochs)
{
    gr_trainer *t;
    ck_assert_int_eq(gr_trainer_new(&t, GR_MODEL_LIGHTGCN), GR_OK);
    if (epochs) ck_assert_int_eq(gr_trainer_set(t, "epochs", epochs), GR_OK);
    if (mode) ck_assert_int_eq(gr_trainer_set(t, "mode", mode), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "seed", seed), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "threads", threads), GR_OK);
    gr_model *m = NULL;
    ck_assert_int_eq(gr_trainer_fit(&m, t, train), GR_OK);
    gr_trainer_free(t);
    return m;
}

START_TEST(fast_mode_beats_popularity)
{
    gr_graph *train, *test;
    cluster_data(&train, &test);
    gr_model *m = fit(train, NULL, "42", "1", NULL);
    double mode;
    ck_assert_int_eq(gr_model_info(&mode, m, "mode"), GR_OK);
    ck_assert_double_eq(mode, GR_MODE_FAST); /* the default schedule */
    int k = 20;
    double out[GR_METRIC_COUNT];
    ck_assert_int_eq(gr_eval_ranking(out, NULL, m, train, test, &k, 1), GR_OK);
    double pop = popularity_recall(train, test);
    printf("fast LightGCN recall@20 %.4f, popularity %.4f\n", out[GR_METRIC_RECALL], pop);
    ck_assert_double_gt(out[GR_METRIC_RECALL], 1.3 * pop);
    gr_model_free(m);
    /* the same with float products everywhere */
    gr_trainer *t;
    ck_assert_int_eq(gr_trainer_new(&t, GR_MODEL_LIGHTGCN), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "precision", "float"), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "threads", "1"), GR_OK);
    ck_assert_int_eq(gr_trainer_fit(&m, t, train), GR_OK);
    ck_assert_int_eq(gr_eval_ranking(out, NULL, m, train, test, &k, 1), GR_OK);
    printf("fast LightGCN, float products: recall@20 %.4f\n", out[GR_METRIC_RECALL]);
    ck_assert_double_gt(out[GR_METRIC_RECALL], 1.3 * pop);
    gr_model_free(m);
    gr_trainer_free(t);
    gr_graph_free(train);
    gr_graph_free(test);
}
END_TEST

static float *user_vectors(const gr_model *m, size_t *n)
{
    *n = gr_graph_num_users(gr_model_graph(m)) * gr_model_dim(m);
    float *v = malloc(*n * sizeof *v);
    ck_assert_int_eq(gr_model_user_vectors(v, gr_graph_num_users(gr_model_graph(m)), gr_model_dim(m), m), GR_OK);
    return v;
}

START_TEST(fast_mode_is_reproducible)
{
    gr_graph *train, *test;
    cluster_data(&train, &test);
    size_t n;
    gr_model *a = fit(train, "fast", "7", "2", "30"), *b = fit(train, "fast", "7", "2", "30");
    gr_model *c = fit(train, "fast", "8", "2", "30"), *e = fit(train, "fast", "7", "1", "30");
    float *va = user_vectors(a, &n), *vb = user_vectors(b, &n), *vc = user_vectors(c, &n), *ve = user_vectors(e, &n);
    ck_assert_int_eq(memcmp(va, vb, n * sizeof *va), 0);
    ck_assert_int_ne(memcmp(va, vc, n * sizeof *va), 0);
    ck_assert_int_eq(memcmp(va, ve, n * sizeof *va), 0); /* and for any thread count */
    free(va);
    free(vb);
    free(vc);
    free(ve);
    gr_model_free(a);
    gr_model_free(b);
    gr_model_free(c);
    gr_model_free(e);
    gr_graph_free(train);
    gr_graph_free(test);
}
END_TEST

START_TEST(schedule_defaults_follow_the_mode)
{
    gr_graph *train, *test;
    cluster_data(&train, &test);
    gr_trainer *t;
    ck_assert_int_eq(gr_trainer_new(&t, GR_MODEL_LIGHTGCN), GR_OK);
    double v;
    ck_assert_int_eq(gr_trainer_get_double(&v, t, GR_OPT_MODE), GR_OK);
    ck_assert_double_eq(v, GR_MODE_AUTO); /* fast on this small catalogue */
    ck_assert_int_eq(gr_trainer_get_double(&v, t, GR_OPT_LR), GR_OK);
    ck_assert(isnan(v)); /* the schedule's own value */
    ck_assert_int_eq(gr_trainer_set(t, "mode", "paper"), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "epochs", "1"), GR_OK);
    gr_model *m;
    ck_assert_int_eq(gr_trainer_fit(&m, t, train), GR_OK);
    ck_assert_int_eq(gr_model_info(&v, m, "lr"), GR_OK);
    ck_assert_double_eq_tol(v, 1e-3, 1e-12);
    ck_assert_int_eq(gr_model_info(&v, m, "reg"), GR_OK);
    ck_assert_double_eq_tol(v, 1e-4, 1e-12);
    gr_model_free(m);
    ck_assert_int_eq(gr_trainer_get_double(&v, t, GR_OPT_LR), GR_OK);
    ck_assert(isnan(v)); /* restored after the fit */
    ck_assert_int_eq(gr_trainer_set(t, "mode", "fast"), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "lr", "0.25"), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "epochs", "3"), GR_OK);
    ck_assert_int_eq(gr_trainer_fit(&m, t, train), GR_OK);
    ck_assert_int_eq(gr_model_info(&v, m, "lr"), GR_OK);
    ck_assert_double_eq_tol(v, 0.25, 1e-12);
    /* the fast L2 weight is sized to the graph fitted (the 90% a held-out
     * part leaves): 0.45 x (users + items) / interactions, at least 1e-2,
     * to three significant digits */
    double held = 0;
    if (gr_model_info(&held, m, "holdout_edges") != GR_OK) held = 0;
    double sized = 0.45 * (double)(gr_graph_num_users(train) + gr_graph_num_items(train)) /
                   ((double)gr_graph_num_edges(train) - held);
    if (sized < 1e-2) sized = 1e-2;
    ck_assert_int_eq(gr_model_info(&v, m, "reg"), GR_OK);
    ck_assert_double_eq_tol(v, sized, 0.005 * sized);
    gr_model_free(m);
    /* MF defaults to auto as well, and its full softmax to its own step
     * size and L2 weight */
    gr_trainer_free(t);
    t = fx_trainer(GR_MODEL_MF, "epochs", "2", "holdout", "0", NULL);
    ck_assert_int_eq(gr_trainer_get_double(&v, t, GR_OPT_MODE), GR_OK);
    ck_assert_double_eq(v, GR_MODE_AUTO);
    ck_assert_int_eq(gr_trainer_fit(&m, t, train), GR_OK);
    ck_assert_int_eq(gr_model_info(&v, m, "mode"), GR_OK);
    ck_assert_double_eq(v, GR_MODE_FAST);
    ck_assert_int_eq(gr_model_info(&v, m, "lr"), GR_OK);
    ck_assert_double_eq_tol(v, GR_MF_FAST_LR, 1e-12);
    /* MF's L2 weight: 0.7 x sqrt((users + items) / interactions), at least 0.1 */
    double mf_sized = 0.7 * sqrt((double)(gr_graph_num_users(train) + gr_graph_num_items(train)) /
                                 (double)gr_graph_num_edges(train));
    if (mf_sized < GR_MF_FAST_REG) mf_sized = GR_MF_FAST_REG;
    ck_assert_int_eq(gr_model_info(&v, m, "reg"), GR_OK);
    ck_assert_double_eq_tol(v, mf_sized, 0.005 * mf_sized);
    gr_model_free(m);
    /* the published schedule stays a setting away */
    fx_set(t, "mode", "paper", NULL);
    ck_assert_int_eq(gr_trainer_fit(&m, t, train), GR_OK);
    ck_assert_int_eq(gr_model_info(&v, m, "mode"), GR_OK);
    ck_assert_double_eq(v, GR_MODE_PAPER);
    ck_assert_int_eq(gr_model_info(&v, m, "lr"), GR_OK);
    ck_assert_double_eq_tol(v, 1e-3, 1e-12);
    gr_model_free(m);
    gr_trainer_free(t);
    gr_graph_free(train);
    gr_graph_free(test);
}
END_TEST

static int stop_after(void *ud, int epoch, double loss, double seconds, double metric)
{
    (void)loss;
    (void)seconds;
    (void)metric;
    return epoch >= *(int *)ud;
}

START_TEST(fast_mode_validates_and_keeps_the_best)
{
    gr_graph *train, *test;
    cluster_data(&train, &test);
    gr_trainer *t;
    ck_assert_int_eq(gr_trainer_new(&t, GR_MODEL_LIGHTGCN), GR_OK);
    ck_assert_int_eq(gr_trainer_set_validation(t, test), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "eval_every", "5"), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "threads", "1"), GR_OK);
    int last = 40;
    ck_assert_int_eq(gr_trainer_set_progress(t, stop_after, &last), GR_OK);
    gr_model *m;
    ck_assert_int_eq(gr_trainer_fit(&m, t, train), GR_OK);
    double epochs, best, valid;
    gr_trainer_stat(&epochs, t, GR_STAT_EPOCHS);
    gr_trainer_stat(&best, t, GR_STAT_BEST_EPOCH);
    gr_trainer_stat(&valid, t, GR_STAT_BEST_VALID);
    ck_assert_double_eq(epochs, 40);
    ck_assert_double_gt(best, 0);
    ck_assert_double_eq(fmod(best, 5), 0);
    /* the kept parameters are the validated ones */
    int k = 20;
    double out[GR_METRIC_COUNT];
    ck_assert_int_eq(gr_eval_ranking(out, NULL, m, train, test, &k, 1), GR_OK);
    ck_assert_double_eq_tol(out[GR_METRIC_NDCG], valid, 1e-9);
    gr_model_free(m);
    gr_trainer_free(t);
    gr_graph_free(train);
    gr_graph_free(test);
}
END_TEST

int main(void)
{
    /* a value of an unset table read before it is written turns to NaN */
    gr_mem_poison_unset(1);
    Suite *s = suite_create("lightgcn_fast");
    TCase *k = tcase_create("kernels");
    tcase_add_test(k, spmm_matches_naive_reference);
    tcase_add_test(k, spmm_same_for_any_thread_count);
    tcase_add_test(k, spmm_bf16_matches_naive_reference);
    tcase_add_test(k, gemm_matches_naive_reference);
    tcase_add_test(k, scores_match_naive_reference);
    tcase_add_test(k, bf16_products_match_naive_reference);
    tcase_add_test(k, refused_tile_state_keeps_products_off_amx);
    tcase_add_test(k, bf16_packers_agree_on_both_paths);
    tcase_add_test(k, softmax_matches_naive_reference);
    suite_add_tcase(s, k);
    TCase *f = tcase_create("fast_schedule");
    tcase_add_test(f, fast_mode_beats_popularity);
    tcase_add_test(f, fast_mode_is_reproducible);
    tcase_add_test(f, schedule_defaults_follow_the_mode);
    tcase_add_test(f, fast_mode_validates_and_keeps_the_best);
    suite_add_tcase(s, f);
    return fx_run(s);
}
