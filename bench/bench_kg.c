/*
 * Knowledge-graph benchmarks, one JSON row per measurement on stdout:
 *
 *   bench_kg kernels [--threads T]          the scoring kernels, Gcells/s
 *   bench_kg epoch [--model rotate|transe|distmult|complex] [--threads T] [--epochs E] [--dim D]
 *                  [--negatives N] [--loss adversarial|margin|softmax] [--data DIR] [--smoke]
 *                                           epochs (default RotatE) on WN18RR (or a generated graph)
 *   bench_kg movielens [--threads T] [--data DIR] [--kinds rotate,...] [--seed S]
 *                                           ML-100K liked (rating >= 4), per-user 70/10/20 split:
 *                                           LightGCN and KG kinds with and without side
 *                                           relations, Recall/NDCG@20 by users' training degree
 *
 * A cell is one (query, candidate, complex or real dimension) term.  Times
 * are wall-clock and CPU seconds; on a shared machine the CPU time per
 * unit of work is the steadier figure.  Never part of `meson test`.
 */
#include <gnnrec.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/mem.h"
#include "core/rng.h"
#include "kernels/kg_score.h"
#include "kernels/sgemm.h"

static double clock_of(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double wall(void) { return clock_of(CLOCK_MONOTONIC); }
static double cpu(void) { return clock_of(CLOCK_PROCESS_CPUTIME_ID); }

static const char *arg(int argc, char **argv, const char *name, const char *def)
{
    for (int k = 2; k + 1 < argc; k++)
        if (strcmp(argv[k], name) == 0) return argv[k + 1];
    return def;
}

static int flag(int argc, char **argv, const char *name)
{
    for (int k = 2; k < argc; k++)
        if (strcmp(argv[k], name) == 0) return 1;
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* ---- kernels ---- */

static void fill(float *x, size_t n, uint64_t seed)
{
    gr_rng r = gr_rng_make(seed, 1);
    for (size_t k = 0; k < n; k++) x[k] = (float)(gr_rng_unit(&r) - 0.5);
}

/* The scores and their gradient as the trainer's dot-product kinds take
 * them: three packed matrix products (kernels/sgemm.h), each split among
 * the threads by rows. */
static void packed_scores(float *S, const float *Q, const float *C, size_t B, size_t N, size_t L, float *work)
{
    gr_sgemm_operand q = { Q, L, 0 }, c_t = { C, L, 1 };
    gr_sgemm_parallel(S, N, q, c_t, B, N, L, 0, work, omp_get_max_threads());
}

static void packed_grad(float *gQ, float *gC, const float *S, const float *Q, const float *C, size_t B, size_t N,
                        size_t L, float *work)
{
    gr_sgemm_operand s = { S, N, 0 }, s_t = { S, N, 1 }, c = { C, L, 0 }, q = { Q, L, 0 };
    gr_sgemm_parallel(gQ, L, s, c, B, L, N, 0, work, omp_get_max_threads());
    gr_sgemm_parallel(gC, L, s_t, q, N, L, B, 0, work, omp_get_max_threads());
}

/* One kernel configuration: queries split between threads for the scores,
 * dimensions for the gradient, as the trainer does for the distances;
 * `packed`: the dot products' matrix products instead. */
static void bench_kernel(const char *name, int op, size_t B, size_t N, size_t L, int reps, int packed)
{
    float *work = packed ? gr_alloc_floats((size_t)omp_get_max_threads() * gr_sgemm_work_floats()) : NULL;
    float *Q = gr_alloc_floats(B * L), *C = gr_alloc_floats(N * L), *S = gr_alloc_floats(B * N);
    float *gQ = gr_alloc_floats(B * L), *gC = gr_alloc_floats(N * L);
    fill(Q, B * L, 1);
    fill(C, N * L, 2);
    fill(S, B * N, 3);
    const size_t span = op == GR_KG_CMOD ? L / 2 : L;
    const double cells = (double)B * (double)N * (double)span;
    double fw[16], fc[16], bw[16], bc[16];
    for (int r = 0; r < reps; r++) {
        double w0 = wall(), c0 = cpu();
        if (packed) {
            packed_scores(S, Q, C, B, N, L, work);
        } else {
            long nblk = (long)((B + 15) / 16);
#pragma omp parallel for schedule(static)
            for (long k = 0; k < nblk; k++) {
                size_t b0 = (size_t)k * 16, nb = B - b0 < 16 ? B - b0 : 16;
                gr_kg_score(op, GR_KG_FAST, S + b0 * N, N, Q + b0 * L, nb, C, N, L);
            }
        }
        double w1 = wall(), c1 = cpu();
        if (packed) {
            packed_grad(gQ, gC, S, Q, C, B, N, L, work);
        } else {
#pragma omp parallel
            {
                size_t chunks = span / 16, nt = (size_t)omp_get_num_threads(), t = (size_t)omp_get_thread_num();
                size_t a = chunks * t / nt, b = chunks * (t + 1) / nt;
                if (b > a) gr_kg_grad(op, gQ, gC, S, N, Q, B, C, N, L, a * 16, b * 16);
            }
        }
        double w2 = wall(), c2 = cpu();
        fw[r] = w1 - w0;
        fc[r] = c1 - c0;
        bw[r] = w2 - w1;
        bc[r] = c2 - c1;
    }
    printf("{\"bench\": \"kg_kernel\", \"kernel\": \"%s\", \"threads\": %d, \"B\": %zu, \"N\": %zu, \"dims\": %zu, "
           "\"score_gcells_wall\": %.3f, \"score_gcells_cpu\": %.3f, \"grad_gcells_wall\": %.3f, \"grad_gcells_cpu\": %.3f}\n",
           name, omp_get_max_threads(), B, N, span, cells / median(fw, reps) / 1e9, cells / median(fc, reps) / 1e9,
           cells / median(bw, reps) / 1e9, cells / median(bc, reps) / 1e9);
    free(Q);
    free(C);
    free(S);
    free(gQ);
    free(gC);
    free(work);
}

static int kernels(int argc, char **argv)
{
    int smoke = flag(argc, argv, "--smoke"), reps = smoke ? 1 : 5;
    size_t B = smoke ? 64 : 512;
    bench_kernel("rotate", GR_KG_CMOD, B, smoke ? 64 : 256, 1024, reps, 0);
    bench_kernel("rotate", GR_KG_CMOD, B, smoke ? 64 : 1024, 1024, reps, 0);
    bench_kernel("transe_l1", GR_KG_L1, B, smoke ? 64 : 256, 512, reps, 0);
    bench_kernel("distmult", GR_KG_DOT, B, smoke ? 64 : 256, 512, reps, 0);
    /* the dot-product kinds' default: 1,024 shared negatives, trained
     * through the packed products; the tiles beside them */
    bench_kernel("distmult", GR_KG_DOT, B, smoke ? 64 : 1024, 512, reps, 0);
    bench_kernel("distmult_packed", GR_KG_DOT, B, smoke ? 64 : 256, 512, reps, 1);
    bench_kernel("distmult_packed", GR_KG_DOT, B, smoke ? 64 : 1024, 512, reps, 1);
    return 0;
}

/* ---- epochs ---- */

typedef struct timing {
    double w0, c0, last_w, last_c;
    double epoch_w[1024], epoch_c[1024];
    int n;
} timing;

static int on_epoch(void *ud, int epoch, double loss, double seconds, double metric)
{
    (void)epoch, (void)loss, (void)seconds, (void)metric;
    timing *t = ud;
    double w = wall(), c = cpu();
    if (t->n < 1024) {
        t->epoch_w[t->n] = w - t->last_w;
        t->epoch_c[t->n] = c - t->last_c;
        t->n++;
    }
    t->last_w = w;
    t->last_c = c;
    return 0;
}

/* A generated graph for --smoke: 2000 entities, 5 relations, 20000 triples. */
static gr_kg *generated(void)
{
    enum { N = 20000 };
    static char buf[N][3][16];
    static const char *h[N], *r[N], *t[N];
    gr_rng rng = gr_rng_make(9, 9);
    for (int k = 0; k < N; k++) {
        snprintf(buf[k][0], 16, "e%u", gr_rng_below(&rng, 2000));
        snprintf(buf[k][1], 16, "r%u", gr_rng_below(&rng, 5));
        snprintf(buf[k][2], 16, "e%u", gr_rng_below(&rng, 2000));
        h[k] = buf[k][0];
        r[k] = buf[k][1];
        t[k] = buf[k][2];
    }
    gr_kg *kg = NULL;
    return gr_kg_from_names(&kg, NULL, h, r, t, N) == GR_OK ? kg : NULL;
}

static int epoch(int argc, char **argv)
{
    int smoke = flag(argc, argv, "--smoke");
    char path[4096];
    const char *env = getenv("GNNREC_DATA");
    snprintf(path, sizeof path, "%s/wn18rr/train.txt", arg(argc, argv, "--data", env && *env ? env : GNNREC_SHARED_DATA));
    const char *model = arg(argc, argv, "--model", "rotate");
    int kind;
    if (gr_model_kind_from_name(&kind, model) != GR_OK) {
        fprintf(stderr, "bench_kg: %s\n", gr_last_error());
        return 2;
    }
    gr_kg *kg = NULL;
    if (smoke) kg = generated();
    else if (gr_kg_load(&kg, path, NULL) != GR_OK) {
        /* the harness shows a SKIP line as the reason */
        fprintf(stderr, "SKIP: bench_kg: %s\n", gr_last_error());
        return 77;
    }
    if (!kg) return 1;
    gr_trainer *t;
    if (gr_trainer_new(&t, kind) != GR_OK) {
        fprintf(stderr, "bench_kg: %s\n", gr_last_error());
        gr_kg_free(kg);
        return 1;
    }
    gr_trainer_set(t, "holdout", "0"); /* a fixed number of epochs on all the data */
    gr_trainer_set(t, "dim", arg(argc, argv, "--dim", smoke ? "32" : "500"));
    gr_trainer_set(t, "negatives", arg(argc, argv, "--negatives", smoke ? "64" : "256"));
    gr_trainer_set(t, "batch", arg(argc, argv, "--batch", "512"));
    /* the loss of the recorded epochs, whatever the kind's default */
    gr_trainer_set(t, "loss", arg(argc, argv, "--loss", "adversarial"));
    gr_trainer_set(t, "epochs", arg(argc, argv, "--epochs", smoke ? "2" : "3"));
    gr_trainer_set(t, "threads", arg(argc, argv, "--threads", "0"));
    timing tm;
    memset(&tm, 0, sizeof tm);
    tm.last_w = wall();
    tm.last_c = cpu();
    gr_trainer_set_progress(t, on_epoch, &tm);
    gr_model *m = NULL;
    int rc = gr_kg_fit(&m, t, kg, NULL);
    if (rc == GR_OK) {
        double th;
        gr_trainer_get_double(&th, t, GR_OPT_THREADS);
        double d, n;
        gr_trainer_get_double(&d, t, GR_OPT_DIM);
        gr_trainer_get_double(&n, t, GR_OPT_NEGATIVES);
        /* every triple as a tail and a head query, against n negatives, in padded dimensions */
        double cells = 2.0 * (double)gr_kg_num_triples(kg) * n * (double)(((size_t)d + 15) & ~(size_t)15);
        double ew = median(tm.epoch_w, tm.n), ec = median(tm.epoch_c, tm.n);
        printf("{\"bench\": \"kg_epoch\", \"model\": \"%s\", \"data\": \"%s\", \"threads\": %d, \"dim\": %g, "
               "\"negatives\": %g, \"triples\": %zu, \"epochs\": %d, \"epoch_s\": %.3f, \"epoch_cpu_s\": %.3f, "
               "\"gcells_per_s\": %.3f}\n",
               model, smoke ? "generated" : "wn18rr", th > 0 ? (int)th : gr_get_num_threads(), d, n,
               gr_kg_num_triples(kg), tm.n, ew, ec,
               cells / ew / 1e9);
    } else {
        fprintf(stderr, "bench_kg: %s\n", gr_last_error());
    }
    gr_model_free(m);
    gr_trainer_free(t);
    gr_kg_free(kg);
    return rc == GR_OK ? 0 : 1;
}

/* ---- MovieLens: KG against LightGCN, by user degree ---- */

static const int degree_edges[] = { 0, 15, 30, 60, 1 << 30 }; /* buckets (a, b] of training degree */
#define N_BUCKETS 4

/* The test edges of users whose training degree lies in bucket k, in the train graph's id space. */
static gr_graph *bucket_test(const gr_graph *train, const gr_graph *test, int k, size_t *users)
{
    size_t n = gr_graph_num_edges(test);
    int64_t *u = malloc((n + 1) * sizeof *u), *it = malloc((n + 1) * sizeof *it);
    gr_graph_edges(test, u, it, NULL, NULL, n);
    size_t m = 0;
    *users = 0;
    int64_t last = INT64_MIN;
    for (size_t e = 0; e < n; e++) {
        size_t deg = 0;
        gr_graph_user_items(&deg, train, u[e], NULL, NULL, 0);
        if ((int)deg <= degree_edges[k] || (int)deg > degree_edges[k + 1]) continue;
        if (u[e] != last) (*users)++;
        last = u[e];
        u[m] = u[e];
        it[m] = it[e];
        m++;
    }
    gr_graph *g = NULL;
    if (m) gr_graph_from_edges_like(&g, train, u, it, NULL, NULL, m, 0);
    free(u);
    free(it);
    return g;
}

/* What a fit took: seconds, epochs run, and the epoch of the kept parameters. */
typedef struct fit_stats {
    double secs, epochs, best_epoch;
} fit_stats;

static void report_model(const char *name, const gr_model *m, const gr_graph *train, const gr_graph *test,
                         gr_graph *const *buckets, const size_t *bucket_users, fit_stats st, int threads)
{
    int k20 = 20;
    double out[GR_METRIC_COUNT];
    gr_eval_ranking(out, NULL, m, train, test, &k20, 1);
    printf("{\"bench\": \"kg_movielens\", \"model\": \"%s\", \"threads\": %d, \"train_s\": %.1f, \"epochs\": %.0f, "
           "\"best_epoch\": %.0f, \"recall@20\": %.4f, \"ndcg@20\": %.4f",
           name, threads, st.secs, st.epochs, st.best_epoch, out[GR_METRIC_RECALL], out[GR_METRIC_NDCG]);
    for (int b = 0; b < N_BUCKETS; b++) {
        if (!buckets[b]) continue;
        gr_eval_ranking(out, NULL, m, train, buckets[b], &k20, 1);
        printf(", \"users_deg_%d_%d\": %zu, \"recall@20_deg_%d_%d\": %.4f, \"ndcg@20_deg_%d_%d\": %.4f", degree_edges[b] + 1,
               degree_edges[b + 1] > 100000 ? 9999 : degree_edges[b + 1], bucket_users[b], degree_edges[b] + 1,
               degree_edges[b + 1] > 100000 ? 9999 : degree_edges[b + 1], out[GR_METRIC_RECALL], degree_edges[b] + 1,
               degree_edges[b + 1] > 100000 ? 9999 : degree_edges[b + 1], out[GR_METRIC_NDCG]);
    }
    printf("}\n");
    fflush(stdout);
}

/* Fit one kind with validation; the settings are those of docs/kg.md. */
static gr_model *fit(int kind, int side, const gr_graph *train, const gr_graph *valid, const char *threads,
                     const char *seed, fit_stats *st)
{
    gr_trainer *t;
    if (gr_trainer_new(&t, kind) != GR_OK) return NULL;
    gr_trainer_set(t, "holdout", "0"); /* a fixed number of epochs on all the data */
    gr_trainer_set(t, "threads", threads);
    gr_trainer_set(t, "seed", seed);
    gr_trainer_set(t, "dim", "64");
    if (kind == GR_MODEL_LIGHTGCN) {
        gr_trainer_set(t, "epochs", "600");
        gr_trainer_set(t, "eval_every", "10");
        gr_trainer_set(t, "patience", "5");
    } else {
        gr_trainer_set(t, "epochs", "100");
        gr_trainer_set(t, "eval_every", "5");
        gr_trainer_set(t, "patience", "4");
        gr_trainer_set(t, "side_info", side ? "1" : "0");
    }
    gr_trainer_set_validation(t, valid);
    gr_model *m = NULL;
    if (gr_trainer_fit(&m, t, train) != GR_OK) fprintf(stderr, "bench_kg: %s\n", gr_last_error());
    gr_trainer_stat(&st->secs, t, GR_STAT_SECONDS);
    gr_trainer_stat(&st->epochs, t, GR_STAT_EPOCHS);
    gr_trainer_stat(&st->best_epoch, t, GR_STAT_BEST_EPOCH);
    gr_trainer_free(t);
    return m;
}

static int movielens(int argc, char **argv)
{
    char path[4096];
    const char *env = getenv("GNNREC_DATA");
    snprintf(path, sizeof path, "%s/ml100k", arg(argc, argv, "--data", env && *env ? env : GNNREC_SHARED_DATA));
    gr_load_options lo = GR_LOAD_OPTIONS_INIT;
    lo.min_rating = 4;
    gr_graph *all = NULL, *train = NULL, *valid = NULL, *test = NULL;
    if (gr_graph_load(&all, path, &lo) != GR_OK) {
        fprintf(stderr, "bench_kg: %s (skipped)\n", gr_last_error());
        return 77;
    }
    gr_split_options so = GR_SPLIT_OPTIONS_INIT;
    so.test_ratio = 0.2;
    so.valid_ratio = 0.1;
    so.seed = (uint64_t)atoll(arg(argc, argv, "--split-seed", "42"));
    if (gr_graph_split(&train, &valid, &test, all, &so) != GR_OK) return 1;
    gr_graph *buckets[N_BUCKETS];
    size_t users[N_BUCKETS];
    for (int b = 0; b < N_BUCKETS; b++) buckets[b] = bucket_test(train, test, b, &users[b]);
    const char *threads = arg(argc, argv, "--threads", "1"), *seed = arg(argc, argv, "--seed", "42");
    char kinds[256];
    snprintf(kinds, sizeof kinds, "%s", arg(argc, argv, "--kinds", "lightgcn,rotate"));
    for (char *k = strtok(kinds, ","); k; k = strtok(NULL, ",")) {
        int kind;
        if (gr_model_kind_from_name(&kind, k) != GR_OK) return 2;
        for (int side = 1; side >= 0; side--) {
            if (kind == GR_MODEL_LIGHTGCN && side == 0) continue;
            fit_stats st = { 0, 0, 0 };
            gr_model *m = fit(kind, side, train, valid, threads, seed, &st);
            if (!m) return 1;
            char name[64];
            snprintf(name, sizeof name, "%s%s", k, kind == GR_MODEL_LIGHTGCN ? "" : side ? "+side" : "");
            report_model(name, m, train, test, buckets, users, st, atoi(threads));
            gr_model_free(m);
        }
    }
    for (int b = 0; b < N_BUCKETS; b++) gr_graph_free(buckets[b]);
    gr_graph_free(all);
    gr_graph_free(train);
    gr_graph_free(valid);
    gr_graph_free(test);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "kernels") == 0) {
        int th = atoi(arg(argc, argv, "--threads", "0"));
        if (th > 0) gr_set_num_threads(th);
        return kernels(argc, argv);
    }
    if (argc >= 2 && strcmp(argv[1], "epoch") == 0) return epoch(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "movielens") == 0) return movielens(argc, argv);
    fprintf(stderr, "usage: bench_kg kernels|epoch|movielens [--threads T] [--smoke] ...\n");
    return 2;
}
