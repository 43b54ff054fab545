/*
 * LightGCN at MovieLens-25M's size on a generated power-law graph
 * (162,541 users, 59,047 items, 25,000,095 edges; --smoke: a small one):
 * the time of one epoch of the fast schedule, the time of paper-schedule
 * mini-batches (an epoch of 12,208 of them is extrapolated, not run), and
 * the peak resident memory of each against the size of what training must
 * hold: the normalised adjacency (CSR), the parameters and Adam's moments.
 *
 *   bench_scale --phase fast|paper|sampled [--threads T] [--paper-batches B] [--fast-epochs N]
 *               [--sampled-epochs N] [--smoke] [--users U --items I --edges E] [--model lightgcn|mf]
 *               [--paper-batch B]
 *
 * The sampled phase (the sampled schedule, docs/training.md) reports its
 * epoch time after the first and its peak RSS; bench/suites/sampled.py runs
 * it on graphs of 1M, 5M and 25M interactions.
 */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnnrec.h>

#include "bench_util.h"
#include "graph/graph.h"
#include "graph/norm_adj.h"
#include "power_law.h"
#include "train/adam.h"
#include "train/bpr_sampler.h"
#include "train/lightgcn_train.h"
#include "train/trainer.h"

typedef struct clock_ctx {
    double last, first, rest;
    double cpu_last, cpu_rest; /* process CPU seconds: steadier than wall time on a shared machine */
    int n;
} clock_ctx;

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int on_epoch(void *ud, int epoch, double loss, double seconds, double metric)
{
    (void)loss;
    (void)metric;
    clock_ctx *c = ud;
    double cpu = cpu_now();
    if (epoch == 1) c->first = seconds;
    else c->rest += seconds - c->last, c->cpu_rest += cpu - c->cpu_last, c->n++;
    c->last = seconds;
    c->cpu_last = cpu;
    return 0;
}

static int fail(void)
{
    fprintf(stderr, "%s\n", gr_last_error());
    return 1;
}

/* --model: LightGCN (the default) or MF, which the same schedules train */
static int model_kind = GR_MODEL_LIGHTGCN;

static gr_trainer *trainer(const char *mode, const char *threads, const char *epochs)
{
    gr_trainer *t;
    if (gr_trainer_new(&t, model_kind) != GR_OK) return NULL;
    if (gr_trainer_set(t, "holdout", "0") || gr_trainer_set(t, "mode", mode) || gr_trainer_set(t, "threads", threads) ||
        gr_trainer_set(t, "epochs", epochs)) {
        gr_trainer_free(t);
        return NULL;
    }
    return t;
}

/* One fit of N epochs (full-batch steps) of the fast or the sampled schedule. */
static int schedule_epochs(const gr_graph *g, const char *mode, const char *threads, long n, double base)
{
    char eb[32], name[64];
    snprintf(eb, sizeof eb, "%ld", n);
    snprintf(name, sizeof name, "scale_%s_epoch", mode);
    gr_trainer *t = trainer(mode, threads, eb);
    if (!t) return fail();
    clock_ctx c = { 0 };
    gr_trainer_set_progress(t, on_epoch, &c);
    gr_model *m = NULL;
    double t0 = bench_now();
    if (gr_trainer_fit(&m, t, g) != GR_OK) return fail();
    double fit = bench_now() - t0, peak = bench_peak_rss();
    bench_row_begin(name);
    bench_kv_num("threads", atof(threads));
    bench_kv_num("epoch_s", c.n ? c.rest / c.n : c.first);
    bench_kv_num("epoch_cpu_s", c.n ? c.cpu_rest / c.n : NAN);
    bench_kv_num("first_epoch_s", c.first);
    bench_kv_num("fit_s", fit);
    bench_kv_num("peak_rss_mb", peak / 1048576.0);
    bench_kv_num("ratio", peak / base);
    bench_row_end();
    gr_model_free(m);
    gr_trainer_free(t);
    return 0;
}

/* B mini-batches of the published schedule through its own step. */
static int paper_batches(const gr_graph *g, const char *threads, const char *batch, long batches, double base)
{
    gr_trainer *t = trainer("paper", threads, "1");
    /* the schedule's own defaults (batch, negatives) are resolved by a fit,
     * which this loop does not run: set them */
    if (!t || gr_trainer_set(t, "lr", "1e-3") || gr_trainer_set(t, "reg", "1e-4") ||
        gr_trainer_set(t, "batch", batch) || gr_trainer_set(t, "negatives", "1"))
        return fail();
    int prev = gr_train_threads_begin(t);
    double t0 = bench_now();
    gr_lgcn_settings_t s;
    gr_lgcn_settings(&s, t, g);
    float *e0 = gr_lgcn_init_embeddings(&s);
    gr_lgcn_work w;
    gr_adam adam;
    gr_bpr_sampler smp;
    if (!e0 || gr_lgcn_work_init(&w, &s, g) != GR_OK || gr_adam_init(&adam, s.n * s.d, s.lr) != GR_OK ||
        gr_bpr_sampler_init(&smp, g, s.seed, (int)gr_opt(t, GR_OPT_SAMPLING)) != GR_OK)
        return fail();
    gr_bpr_sampler_epoch(&smp, 1);
    double setup = bench_now() - t0;
    double *bt = malloc(2 * (size_t)batches * sizeof *bt), *bc = bt + batches;
    for (long b = 0; b < batches; b++) {
        double b0 = bench_now(), c0 = cpu_now();
        gr_bpr_sampler_batch(&smp, (size_t)b * s.batch, s.batch, s.negatives, w.u, w.pos, w.neg);
        gr_lgcn_step(&s, &w, e0, &adam, s.batch);
        bt[b] = bench_now() - b0;
        bc[b] = cpu_now() - c0;
    }
    double peak = bench_peak_rss();
    double per = bench_median(bt, (size_t)batches), nb = ceil((double)g->n_edges / (double)s.batch);
    bench_row_begin("scale_paper_batches");
    bench_kv_num("threads", atof(threads));
    bench_kv_num("batch_s", per);
    bench_kv_num("batch_cpu_s", bench_median(bc, (size_t)batches));
    bench_kv_num("batches_per_epoch", nb);
    bench_kv_num("epoch_s_extrapolated", per * nb);
    bench_kv_num("setup_s", setup);
    bench_kv_num("peak_rss_mb", peak / 1048576.0);
    bench_kv_num("ratio", peak / base);
    bench_row_end();
    free(bt);
    gr_bpr_sampler_free(&smp);
    gr_adam_free(&adam);
    gr_lgcn_work_free(&w);
    free(e0);
    gr_train_threads_end(prev);
    gr_trainer_free(t);
    return 0;
}

int main(int argc, char **argv)
{
    const char *threads = bench_arg(argc, argv, "--threads", "2");
    int smoke = bench_flag(argc, argv, "--smoke");
    bench_graph_spec spec = BENCH_ML25M_SPEC;
    if (smoke) spec.users = 2000, spec.items = 800, spec.edges = 100000;
    spec.users = (size_t)bench_arg_long(argc, argv, "--users", (long)spec.users);
    spec.items = (size_t)bench_arg_long(argc, argv, "--items", (long)spec.items);
    spec.edges = (size_t)bench_arg_long(argc, argv, "--edges", (long)spec.edges);
    gr_set_num_threads(atoi(threads));
    if (strcmp(bench_arg(argc, argv, "--model", "lightgcn"), "mf") == 0) model_kind = GR_MODEL_MF;
    double t0 = bench_now();
    gr_graph *g;
    if (bench_power_law_graph(&g, &spec) != 0) return 1;
    double gen = bench_now() - t0;
    size_t n = g->n_users + g->n_items, d = 64, nnz = 2 * g->n_edges;
    /* what training must hold: the normalised adjacency as the SpMM stores
     * it (row pointers, columns, weights, column-block offsets), the
     * layer-0 embeddings and Adam's two moments */
    gr_spmat a;
    if (gr_norm_adj(&a, g, 16) != GR_OK) return fail();
    double csr = (double)(n + 1) * 8 + (double)nnz * 8 + (a.bptr ? (double)n * (double)(a.nblk + 1) * (double)sizeof *a.bptr : 0);
    gr_spmat_free(&a);
    double params = (double)n * d * 4, opt = 2 * params, base = csr + params + opt;
    /* both directions' columns, their ratings and the user rows'
     * timestamps when the graph holds them, the row pointers */
    double graph = 2.0 * (double)g->n_edges * (4 + (g->ui.val ? 4 : 0)) +
                   (g->ui.ts ? (double)g->n_edges * sizeof *g->ui.ts : 0) + (double)(g->n_users + g->n_items + 2) * 8;
    size_t maxdeg = 0;
    for (size_t i = 0; i < g->n_items; i++)
        if (gr_csr_degree(&g->iu, i) > maxdeg) maxdeg = gr_csr_degree(&g->iu, i);
    bench_row_begin("scale_graph");
    bench_kv_num("users", (double)g->n_users);
    bench_kv_num("items", (double)g->n_items);
    bench_kv_num("edges", (double)g->n_edges);
    bench_kv_num("max_item_degree", (double)maxdeg);
    bench_kv_num("generate_s", gen);
    bench_kv_num("graph_csr_mb", graph / 1048576.0);
    bench_kv_num("adj_csr_mb", csr / 1048576.0);
    bench_kv_num("params_mb", params / 1048576.0);
    bench_kv_num("adam_mb", opt / 1048576.0);
    bench_kv_num("base_mb", base / 1048576.0);
    bench_kv_num("rss_after_graph_mb", bench_rss() / 1048576.0);
    bench_row_end();
    /* one schedule per process: memory freed by one phase can stay resident
     * in the allocator and would count against the next */
    const char *phase = bench_arg(argc, argv, "--phase", "fast");
    if (strcmp(phase, "fast") == 0) {
        if (schedule_epochs(g, "fast", threads, bench_arg_long(argc, argv, "--fast-epochs", 1), base)) return 1;
    } else if (strcmp(phase, "sampled") == 0) {
        if (schedule_epochs(g, "sampled", threads, bench_arg_long(argc, argv, "--sampled-epochs", 3), base)) return 1;
    } else if (paper_batches(g, threads, bench_arg(argc, argv, "--paper-batch", "2048"), bench_arg_long(argc, argv, "--paper-batches", smoke ? 3 : 5), base)) {
        return 1;
    }
    gr_graph_free(g);
    return 0;
}
