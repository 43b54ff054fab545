/*
 * Kernel timings on the MovieLens-1M m1 training graph (or a generated
 * graph of its size with --smoke or without the data), and the machine's
 * own ceilings measured the same way: peak multiply-add rate and read
 * bandwidth from cache and from memory.  Rows: one per kernel, after a
 * row "kernel_form" saying which form of the kernels ran (wide: 16-float
 * vectors, AVX-512; narrow: 8-float vectors; kernels/cpu.h).  --form
 * chooses one instead of the CPU's choice, to compare them on one machine.
 *
 *   bench_kernels [--threads T] [--reps R] [--data DIR] [--smoke] [--form wide|narrow]
 */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include <gnnrec.h>

#include "bench_util.h"
#include "core/mem.h"
#include "graph/graph.h"
#include "graph/norm_adj.h"
#include "kernels/cpu.h"
#include "kernels/dense.h"
#include "kernels/gemm.h"
#include "kernels/gemm_amx.h"
#include "kernels/gemm_bf16.h"
#include "kernels/simd.h"
#include "kernels/softmax.h"
#include "kernels/matmul.h"
#include "kernels/spmm.h"
#include "linalg/small.h"
#include "power_law.h"
#include "train/adam.h"

static int reps = 30;

/* Median seconds of fn over reps calls, after one warm-up call. */
#define TIME_MEDIAN(result, stmt)                                 \
    do {                                                          \
        double *ts_ = malloc((size_t)reps * sizeof *ts_);         \
        stmt;                                                     \
        for (int r_ = 0; r_ < reps; r_++) {                       \
            double t0_ = bench_now();                             \
            stmt;                                                 \
            ts_[r_] = bench_now() - t0_;                          \
        }                                                         \
        result = bench_median(ts_, (size_t)reps);                 \
        free(ts_);                                                \
    } while (0)

/* body on every thread at once, th naming the thread: each thread's own
 * block of work, as the trainers give their threads. */
#define EACH_THREAD(th, ...)                              \
    _Pragma("omp parallel") {                             \
        const size_t th = (size_t)omp_get_thread_num();   \
        __VA_ARGS__;                                      \
    }

static void row(const char *name, double secs, double flops, double bytes)
{
    bench_row_begin(name);
    bench_kv_num("threads", omp_get_max_threads());
    bench_kv_num("ms", secs * 1e3);
    if (flops > 0) bench_kv_num("gflops", flops / secs * 1e-9);
    if (bytes > 0) bench_kv_num("gbps", bytes / secs * 1e-9);
    bench_row_end();
}

/* ---- machine ceilings ---- */

GR_INLINE float fma_loop_body(long iters, float seed)
{
    gr_v16 a[12];
    for (int k = 0; k < 12; k++) a[k] = gr_splat16(seed + (float)k);
    const gr_v16 m = gr_splat16(0.999999f), c = gr_splat16(1e-7f);
    for (long i = 0; i < iters; i++)
        for (int k = 0; k < 12; k++) a[k] = a[k] * m + c;
    gr_v16 s = gr_splat16(0.0f);
    for (int k = 0; k < 12; k++) s += a[k];
    return gr_hsum16(s);
}

GR_KERNEL static float fma_loop(long iters, float seed) { return fma_loop_body(iters, seed); }

/* The same in 8-float vectors: 12 chains of one AVX2 register each. */
GR_INLINE float fma_loop_narrow_body(long iters, float seed)
{
    gr_v8 a[12];
    for (int k = 0; k < 12; k++) a[k] = gr_splat8(seed + (float)k);
    const gr_v8 m = gr_splat8(0.999999f), c = gr_splat8(1e-7f);
    for (long i = 0; i < iters; i++)
        for (int k = 0; k < 12; k++) a[k] = a[k] * m + c;
    gr_v8 s = gr_splat8(0.0f);
    for (int k = 0; k < 12; k++) s += a[k];
    float t = 0;
    for (int k = 0; k < 8; k++) t += s[k];
    return t;
}

GR_KERNEL static float fma_loop_narrow(long iters, float seed) { return fma_loop_narrow_body(iters, seed); }

GR_INLINE float read_loop_narrow_body(const float *x, size_t n)
{
    gr_v8 s0 = gr_splat8(0.0f), s1 = s0, s2 = s0, s3 = s0;
    for (size_t i = 0; i + 32 <= n; i += 32) {
        s0 += gr_load8(x + i);
        s1 += gr_load8(x + i + 8);
        s2 += gr_load8(x + i + 16);
        s3 += gr_load8(x + i + 24);
    }
    gr_v8 s = s0 + s1 + s2 + s3;
    float t = 0;
    for (int k = 0; k < 8; k++) t += s[k];
    return t;
}

GR_KERNEL static float read_loop_narrow(const float *x, size_t n) { return read_loop_narrow_body(x, n); }

GR_INLINE float read_loop_body(const float *x, size_t n)
{
    gr_v16 s0 = gr_splat16(0.0f), s1 = s0, s2 = s0, s3 = s0;
    for (size_t i = 0; i + 64 <= n; i += 64) {
        s0 += gr_load16(x + i);
        s1 += gr_load16(x + i + 16);
        s2 += gr_load16(x + i + 32);
        s3 += gr_load16(x + i + 48);
    }
    return gr_hsum16(s0 + s1 + s2 + s3);
}

GR_KERNEL static float read_loop(const float *x, size_t n) { return read_loop_body(x, n); }

static volatile float sink;
static long fma_iters = 2000000;

static void fma_all_threads(void)
{
    const int wide = gr_simd_wide();
#pragma omp parallel
    sink = wide ? fma_loop(fma_iters, (float)omp_get_thread_num())
                : fma_loop_narrow(fma_iters, (float)omp_get_thread_num());
}

static float *read_buf;
static size_t read_per;
static int read_inner;

static void read_all_threads(void)
{
    const int wide = gr_simd_wide();
#pragma omp parallel
    {
        const float *b = read_buf + (size_t)omp_get_thread_num() * read_per;
        float v = 0;
        for (int k = 0; k < read_inner; k++) v += wide ? read_loop(b, read_per) : read_loop_narrow(b, read_per);
        sink = v;
    }
}

static void ceilings(void)
{
    double t;
    int nt = omp_get_max_threads();
    TIME_MEDIAN(t, fma_all_threads());
    /* both forms run 12 chains: of 16 floats (wide) or 8 (narrow) */
    row("peak_fma", t, 2.0 * (gr_simd_wide() ? 16 : 8) * 12 * (double)fma_iters * nt, 0);
    /* reads: a per-thread block that fits in L2, then one far larger than L3 */
    size_t sizes[2] = { (size_t)256 << 10, (size_t)512 << 20 };
    const char *names[2] = { "read_l2", "read_dram" };
    for (int q = 0; q < 2; q++) {
        read_per = sizes[q] / sizeof(float) / (q == 0 ? 1 : (size_t)nt);
        read_inner = q == 0 ? 2000 : 1;
        read_buf = gr_alloc_floats(read_per * (size_t)nt);
        if (!read_buf) return;
#pragma omp parallel for schedule(static)
        for (long i = 0; i < (long)(read_per * (size_t)nt); i++) read_buf[i] = 1.0f;
        TIME_MEDIAN(t, read_all_threads());
        row(names[q], t, 0, (double)read_per * sizeof(float) * nt * read_inner);
        free(read_buf);
    }
}

/* ---- library kernels ---- */

/* One product of a (d columns) in t seconds, moving `bytes`. */
static void spmm_row(const char *name, const gr_spmat *a, size_t d, double t, double bytes)
{
    bench_row_begin(name);
    bench_kv_num("threads", omp_get_max_threads());
    bench_kv_num("ms", t * 1e3);
    bench_kv_num("gflops", 2.0 * (double)a->nnz * (double)d / t * 1e-9);
    bench_kv_num("gbps", bytes / t * 1e-9);
    bench_kv_num("rows", (double)a->n);
    bench_kv_num("nnz", (double)a->nnz);
    bench_row_end();
}

static void spmm(gr_spmat *a, size_t d, const char *name)
{
    float *x = gr_alloc_floats(a->n * d), *y = gr_alloc_floats(a->n * d), *acc = gr_alloc_floats(a->n * d);
    if (!x || !y || !acc) return;
    for (size_t k = 0; k < a->n * d; k++) x[k] = (float)(k % 97) * 0.01f;
    double t;
    TIME_MEDIAN(t, gr_spmm(a, x, y, acc, d));
    /* bytes: index and weight per nonzero, one gathered row per nonzero,
     * the output row written and the accumulator read and written */
    double bytes = (double)a->nnz * (8.0 + 4.0 * (double)d) + 3.0 * 4.0 * (double)a->n * (double)d;
    spmm_row(name, a, d, t, bytes);
    free(x);
    free(y);
    free(acc);
}

/* The propagation's product in its default precision: bfloat16 layers in
 * and out, float sums into the running mean. */
static void spmm_bf16(gr_spmat *a, size_t d, const char *name)
{
    uint16_t *x = malloc(a->n * d * 2), *y = malloc(a->n * d * 2);
    float *xf = gr_alloc_floats(a->n * d), *acc = gr_alloc_floats(a->n * d);
    if (!x || !y || !xf || !acc) goto done;
    for (size_t k = 0; k < a->n * d; k++) xf[k] = (float)(k % 97) * 0.01f;
    gr_to_bf16_rows(x, xf, a->n, d);
    double t;
    TIME_MEDIAN(t, gr_spmm_bf16(a, x, y, acc, 1.0f, d));
    /* bytes: index and weight per nonzero, one gathered bfloat16 row per
     * nonzero, the output row written and the accumulator read and written */
    double bytes = (double)a->nnz * (8.0 + 2.0 * (double)d) + (2.0 + 8.0) * (double)a->n * (double)d;
    spmm_row(name, a, d, t, bytes);
done:
    free(x);
    free(y);
    free(xf);
    free(acc);
}

/* The three products and the softmax of one full-softmax step. */
static void dense_products(const gr_graph *g, size_t d)
{
    size_t nu = g->n_users, ni = g->n_items, stride = (ni + 15) & ~(size_t)15;
    const size_t B = 32;
    float *U = gr_alloc_floats(nu * d), *I = gr_alloc_floats(ni * d), *It = gr_alloc_floats(stride * d);
    float *gU = gr_alloc_floats(nu * d);
    int nt = omp_get_max_threads();
    float *S = gr_alloc_floats((size_t)nt * B * ni), *part = gr_alloc_floats((size_t)nt * ni * d);
    if (!U || !I || !It || !gU || !S || !part) return;
    for (size_t k = 0; k < nu * d; k++) U[k] = (float)((k * 7) % 13) * 0.01f;
    for (size_t k = 0; k < ni * d; k++) I[k] = (float)((k * 5) % 11) * 0.01f;
    gr_transpose(It, I, ni, d, stride);
    long nblocks = (long)((nu + B - 1) / B);
    double flops = 2.0 * (double)nu * (double)ni * (double)d, t;
#define BLOCKS(body)                                                                          \
    _Pragma("omp parallel") {                                                                 \
        float *Sb = S + (size_t)omp_get_thread_num() * B * ni;                                \
        float *pb = part + (size_t)omp_get_thread_num() * ni * d;                             \
        (void)pb;                                                                             \
        _Pragma("omp for schedule(static)") for (long blk = 0; blk < nblocks; blk++)          \
        {                                                                                     \
            size_t u0 = (size_t)blk * B, nb = nu - u0 < B ? nu - u0 : B;                      \
            body;                                                                             \
        }                                                                                     \
    }
    TIME_MEDIAN(t, BLOCKS(gr_score_block(Sb, U + u0 * d, nb, It, ni, stride, d, NULL)));
    row("scores_all_users", t, flops, 0);
    TIME_MEDIAN(t, BLOCKS(for (size_t b = 0; b < nb; b++) gr_softmax_row(Sb + b * ni, ni, 1.0f)));
    row("softmax_all_users", t, 0, 0);
    TIME_MEDIAN(t, BLOCKS(gr_gemm_rows(gU + u0 * d, Sb, ni, I, nb, ni, d)));
    row("gemm_rows_all_users", t, flops, 0);
    TIME_MEDIAN(t, BLOCKS(gr_gemm_tacc(pb, Sb, ni, U + u0 * d, nb, ni, d)));
    row("gemm_tacc_all_users", t, flops, 0);
    if (gr_bf16_available() && gr_bf16_width_ok(d)) {
        /* the same products in bfloat16 (inputs packed once, as the trainer does per step) */
        size_t ldb = (ni + 31) & ~(size_t)31, npan = (ni + 15) / 16;
        uint16_t *Ub = malloc(nu * d * 2), *Ib = malloc(npan * 16 * d * 2), *Ip = malloc(((ni + 1) / 2) * d * 4);
        uint16_t *Gb = malloc((size_t)nt * B * ldb * 2), *Xu = malloc((size_t)nt * B * d * 2);
        uint32_t *Gt = malloc((size_t)nt * (B / 2) * ldb * 4);
        gr_bf16_rows(Ub, d, U, d, nu, d);
        gr_bf16_pack_items(Ib, I, ni, d);
        gr_bf16_pack_row_pairs(Ip, I, ni, d);
        /* AVX512-BF16 alone, then on the AMX tiles where the CPU has them */
        for (int amx = 0; amx <= gr_amx_available(); amx++) {
            gr_bf16_allow_amx(amx);
            TIME_MEDIAN(t, BLOCKS(gr_bf16_scores(Sb, Ub + u0 * d, nb, Ib, ni, d)));
            row(amx ? "scores_all_users_amx" : "scores_all_users_bf16", t, flops, 0);
            TIME_MEDIAN(t, BLOCKS({
                uint16_t *gb = Gb + (size_t)omp_get_thread_num() * B * ldb;
                gr_bf16_rows(gb, ldb, Sb, ni, nb, ni);
                gr_bf16_gemm_rows(gU + u0 * d, gb, ldb, Ip, nb, ni, d);
            }));
            row(amx ? "gemm_rows_all_users_amx" : "gemm_rows_all_users_bf16", t, flops, 0);
            TIME_MEDIAN(t, BLOCKS({
                uint32_t *gt = Gt + (size_t)omp_get_thread_num() * (B / 2) * ldb;
                uint16_t *x = Xu + (size_t)omp_get_thread_num() * B * d;
                gr_bf16_pack_col_pairs(gt, ldb, Sb, ni, nb, ni);
                gr_bf16_pack_row_pairs(x, U + u0 * d, nb, d);
                gr_bf16_gemm_tacc(pb, gt, ldb, x, nb, ni, d);
            }));
            row(amx ? "gemm_tacc_all_users_amx" : "gemm_tacc_all_users_bf16", t, flops, 0);
        }
        gr_bf16_allow_amx(1);
        free(Ub);
        free(Ib);
        free(Ip);
        free(Gb);
        free(Xu);
        free(Gt);
    }
#undef BLOCKS
    free(U);
    free(I);
    free(It);
    free(gU);
    free(S);
    free(part);
}

/*
 * The float products of a sampled step's blocks (64 users against 2,048
 * drawn rows, each thread its own blocks): the scores through the draws
 * transposed (the wide kernels' way) or from their rows with the users
 * transposed (the narrow kernels' way), each with its transpose; then the
 * two gradient products.
 */
static void sampled_block_scores(size_t d)
{
    const size_t B = 64, N = 2048, stride = N, blocks = 32;
    int nt = omp_get_max_threads();
    float *U = gr_alloc_floats((size_t)nt * B * d), *x = gr_alloc_floats((size_t)nt * N * d);
    float *xt = gr_alloc_floats((size_t)nt * stride * d), *S = gr_alloc_floats((size_t)nt * B * N);
    if (!U || !x || !xt || !S) goto done;
    for (size_t k = 0; k < (size_t)nt * B * d; k++) U[k] = (float)((k * 7) % 13) * 0.01f;
    for (size_t k = 0; k < (size_t)nt * N * d; k++) x[k] = (float)((k * 5) % 11) * 0.01f;
    double flops = 2.0 * (double)(B * N * d) * (double)blocks * nt, t;
#define PER_THREAD(...)                                                                                    \
    EACH_THREAD(th, {                                                                                      \
        float *Ut = U + th * B * d, *xth = x + th * N * d, *xtt = xt + th * stride * d, *St = S + th * B * N; \
        (void)xth;                                                                                         \
        (void)xtt;                                                                                         \
        for (size_t blk = 0; blk < blocks; blk++) {                                                        \
            __VA_ARGS__;                                                                                   \
        }                                                                                                  \
    })
    TIME_MEDIAN(t, PER_THREAD({
        gr_transpose(xtt, xth, N, d, stride);
        gr_score_block(St, Ut, B, xtt, N, stride, d, NULL);
    }));
    row("sampled_scores_draws_transposed", t, flops, 0);
    TIME_MEDIAN(t, PER_THREAD({
        gr_transpose_strided(xtt, B, Ut, d, B, d);
        gr_score_rows(St, xtt, B, B, xth, N, d, NULL);
    }));
    row("sampled_scores_draws_rows", t, flops, 0);
    /* the gradients: the users' rows S x and the draws' S^T U */
    TIME_MEDIAN(t, PER_THREAD(gr_gemm_rows(Ut, St, N, xth, B, N, d)));
    row("sampled_gemm_rows", t, flops, 0);
    TIME_MEDIAN(t, PER_THREAD(gr_gemm_tacc(xtt, St, N, Ut, B, N, d)));
    row("sampled_gemm_tacc", t, flops, 0);
#undef PER_THREAD
done:
    free(U);
    free(x);
    free(xt);
    free(S);
}

/*
 * A network layer's products at GraphSAGE's shapes (a block of n = 4096
 * nodes, 512 inputs, 256 outputs): the forward product X W + b
 * (`gr_gemm_nn`) and the weights' gradient dY^T X (`gr_gemm_tn_acc`),
 * each over all threads as the layers call them.
 */
static void layer_products(void)
{
    const size_t n = 4096, in = 512, out = 256, ldw = gr_gemm_stride(out);
    float *x = gr_alloc_floats(n * in), *w = gr_alloc_floats(in * ldw), *bias = gr_alloc_floats(ldw);
    float *y = gr_alloc_floats(n * out), *gw = gr_alloc_floats(out * in);
    if (!x || !w || !bias || !y || !gw) goto done;
    for (size_t k = 0; k < n * in; k++) x[k] = (float)((k * 7) % 13) * 0.01f;
    for (size_t k = 0; k < in * ldw; k++) w[k] = (float)((k * 5) % 11) * 0.01f;
    for (size_t k = 0; k < n * out; k++) y[k] = (float)((k * 3) % 7) * 0.01f;
    double flops = 2.0 * (double)n * (double)in * (double)out, t;
    TIME_MEDIAN(t, gr_gemm_nn(y, out, x, in, w, ldw, bias, n, in, out));
    row("layer_nn", t, flops, 0);
    TIME_MEDIAN(t, gr_gemm_tn_acc(gw, in, y, out, x, in, n, out, in));
    row("layer_tn", t, flops, 0);
done:
    free(x);
    free(w);
    free(bias);
    free(y);
    free(gw);
}

/*
 * A graph filter's low-rank scores at Gowalla's size: each thread scores
 * its own block of 64 users' vectors of rank 256 against the 40,981 items,
 * transposed (`gr_score_block`, what evaluating a filter model runs per
 * block of users).
 */
static void filter_scores(void)
{
    const size_t nu = 64, n = 40981, d = 256, stride = gr_score_stride(n);
    int nt = omp_get_max_threads();
    float *U = gr_alloc_floats((size_t)nt * nu * d), *it = gr_alloc_floats(d * stride);
    float *S = gr_alloc_floats((size_t)nt * nu * n);
    if (!U || !it || !S) goto done;
    for (size_t k = 0; k < (size_t)nt * nu * d; k++) U[k] = (float)((k * 7) % 13) * 0.01f;
    for (size_t k = 0; k < d * stride; k++) it[k] = (float)((k * 5) % 11) * 0.01f;
    double t;
    TIME_MEDIAN(t, EACH_THREAD(th, gr_score_block(S + th * nu * n, U + th * nu * d, nu, it, n, stride, d, NULL)));
    row("filter_scores_d256", t, 2.0 * (double)(nu * n * d) * nt, 0);
done:
    free(U);
    free(it);
    free(S);
}

/* The double-precision inverse of an n x n SPD matrix through its Cholesky
 * factor (linalg/small.c, EASE's inverse): about n^3 flops, n^3 / 6 multiply-adds each
 * for the factor, L^-1 and L^-T L^-1 (the products of gr_gemm_d). */
static void spd_inverse(size_t n)
{
    double *a0 = gr_alloc(n * n, sizeof *a0), *a = gr_alloc(n * n, sizeof *a);
    if (!a0 || !a) goto done;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) a0[i * n + j] = (i == j ? (double)n : 0.0) + (double)((i * 7 + j * 7) % 13) * 0.01;
    int keep = reps;
    reps = reps < 5 ? reps : 5;
    double t;
    TIME_MEDIAN(t, (memcpy(a, a0, n * n * sizeof *a), gr_spd_inverse(a, n)));
    reps = keep;
    row("spd_inverse_d", t, (double)n * (double)n * (double)n, 0);
done:
    free(a0);
    free(a);
}

static void adam(size_t n)
{
    gr_adam a;
    float *p = gr_alloc_floats(n), *g = gr_alloc_floats(n);
    if (!p || !g || gr_adam_init(&a, n, 1e-3) != GR_OK) return;
    for (size_t k = 0; k < n; k++) g[k] = (float)(k % 5) * 1e-3f;
    double t;
    TIME_MEDIAN(t, gr_adam_step(&a, p, g));
    row("adam_dense", t, 0, 5.0 * 4.0 * (double)n);
    gr_adam_free(&a);
    free(p);
    free(g);
}

int main(int argc, char **argv)
{
    int threads = (int)bench_arg_long(argc, argv, "--threads", 0);
    if (threads > 0) gr_set_num_threads(threads);
    reps = (int)bench_arg_long(argc, argv, "--reps", bench_flag(argc, argv, "--smoke") ? 3 : 30);
    gr_graph *g = NULL;
    const char *dir = bench_flag(argc, argv, "--smoke") ? NULL : bench_data_dir(argc, argv, "ml1m_m1");
    bench_graph_spec s = { 6022, 3043, 796244, 20, 1.3, 0.9, 42 };
    if (bench_flag(argc, argv, "--smoke")) s.users = 600, s.items = 300, s.edges = 20000;
    const char *form = bench_arg(argc, argv, "--form", NULL);
    if (form) gr_simd_set_wide(strcmp(form, "wide") == 0);
    bench_row_begin("kernel_form");
    bench_kv_str("form", gr_simd_wide() ? "wide" : "narrow");
    bench_kv_str("chosen_by", form ? "--form" : "cpu");
    bench_row_end();
    if (bench_train_graph(&g, dir, &s) != 0) return 1;
    if (!bench_flag(argc, argv, "--no-ceilings")) ceilings();
    gr_spmat a;
    if (gr_norm_adj(&a, g, (size_t)omp_get_max_threads() * 16) != GR_OK) return 1;
    spmm(&a, 64, "spmm_d64");
    spmm_bf16(&a, 64, "spmm_bf16_d64");
    /* the other choice of column blocks, for comparison */
    size_t nblk = a.nblk;
    if (gr_spmat_block_columns(&a, nblk ? 1 : 4) != GR_OK) return 1;
    spmm(&a, 64, nblk ? "spmm_d64_no_blocks" : "spmm_d64_4_blocks");
    if (gr_spmat_block_columns(&a, nblk) != GR_OK) return 1;
    dense_products(g, 64);
    sampled_block_scores(64);
    layer_products();
    filter_scores();
    spd_inverse(bench_flag(argc, argv, "--smoke") ? 200 : 2000);
    adam(a.n * 64);
    gr_spmat_free(&a);
    gr_graph_free(g);
    return 0;
}
