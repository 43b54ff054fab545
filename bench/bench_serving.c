/*
 * Serving: the latency of gr_model_recommend() for one user, top-k over
 * all items (training items excluded), on a LightGCN model of the
 * MovieLens-1M m1 training graph; with one caller and with several
 * callers on the same model at once; and batch throughput over every user:
 * single calls in a parallel loop, one gr_model_recommend_batch() call,
 * and full-ranking evaluation; and the time to load the model from its
 * file.
 * Latency does not depend on how well the model is trained, so the model
 * gets a few full-batch steps.
 *
 *   bench_serving [--calls N] [--k K] [--callers 1,2,4] [--threads T] [--data DIR] [--smoke]
 */
#include <math.h>
#include <omp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnnrec.h>

#include "bench_util.h"
#include "core/rng.h"
#include "power_law.h"

typedef struct caller {
    const gr_model *m;
    const gr_graph *g;
    long calls;
    size_t k;
    uint64_t seed;
    double *lat;
    int failed;
} caller;

static void *call_loop(void *arg)
{
    caller *c = arg;
    size_t nu = gr_graph_num_users(c->g);
    int64_t *items = malloc(c->k * sizeof *items);
    float *scores = malloc(c->k * sizeof *scores);
    for (long q = -200; q < c->calls; q++) { /* 200 warm-up calls */
        int64_t user;
        gr_graph_user_id(&user, c->g, gr_below(gr_hash3(c->seed, 1, (uint64_t)(q + 200)), (uint32_t)nu));
        size_t n;
        double t0 = bench_now();
        if (gr_model_recommend(&n, c->m, user, c->k, NULL, items, scores) != GR_OK) c->failed = 1;
        double dt = bench_now() - t0;
        if (q >= 0) c->lat[q] = dt;
    }
    free(items);
    free(scores);
    return NULL;
}

/* `callers` threads calling at once; latency quantiles over all calls. */
static int latency(const gr_model *m, const gr_graph *g, int callers, long calls, size_t k)
{
    caller *c = calloc((size_t)callers, sizeof *c);
    pthread_t *th = calloc((size_t)callers, sizeof *th);
    double *all = malloc((size_t)callers * (size_t)calls * sizeof *all);
    double t0 = bench_now();
    for (int q = 0; q < callers; q++) {
        c[q] = (caller){ m, g, calls, k, 1000 + (uint64_t)q, all + (size_t)q * (size_t)calls, 0 };
        pthread_create(&th[q], NULL, call_loop, &c[q]);
    }
    int failed = 0;
    for (int q = 0; q < callers; q++) {
        pthread_join(th[q], NULL);
        failed |= c[q].failed;
    }
    double wall = bench_now() - t0;
    size_t n = (size_t)callers * (size_t)calls;
    double sum = 0;
    for (size_t q = 0; q < n; q++) sum += all[q];
    bench_row_begin("recommend_latency");
    bench_kv_num("callers", callers);
    bench_kv_num("k", (double)k);
    bench_kv_num("calls", (double)n);
    bench_kv_num("mean_ms", sum / (double)n * 1e3);
    bench_kv_num("p50_ms", bench_quantile(all, n, 0.50) * 1e3);
    bench_kv_num("p99_ms", bench_quantile(all, n, 0.99) * 1e3);
    bench_kv_num("max_ms", all[n - 1] * 1e3);
    bench_kv_num("calls_per_s", (double)n / wall);
    bench_row_end();
    free(c);
    free(th);
    free(all);
    return failed;
}

/* Top-k for every user: gr_model_recommend() in a parallel loop. */
static int batch(const gr_model *m, const gr_graph *g, size_t k, int threads)
{
    long nu = (long)gr_graph_num_users(g);
    int failed = 0;
    double t0 = bench_now();
#pragma omp parallel num_threads(threads) reduction(| : failed)
    {
        int64_t *items = malloc(k * sizeof *items);
        float *scores = malloc(k * sizeof *scores);
#pragma omp for schedule(dynamic, 64)
        for (long u = 0; u < nu; u++) {
            int64_t user;
            size_t n;
            gr_graph_user_id(&user, g, (size_t)u);
            if (gr_model_recommend(&n, m, user, k, NULL, items, scores) != GR_OK) failed = 1;
        }
        free(items);
        free(scores);
    }
    double wall = bench_now() - t0;
    bench_row_begin("recommend_all_users");
    bench_kv_num("threads", threads);
    bench_kv_num("users", (double)nu);
    bench_kv_num("seconds", wall);
    bench_kv_num("users_per_s", (double)nu / wall);
    bench_row_end();
    return failed;
}

/* Top-k for every user with one gr_model_recommend_batch() call. */
static int batch_call(const gr_model *m, const gr_graph *g, size_t k, int threads)
{
    size_t nu = gr_graph_num_users(g);
    int64_t *users = malloc(nu * sizeof *users), *items = malloc(nu * k * sizeof *items);
    float *scores = malloc(nu * k * sizeof *scores);
    size_t *counts = malloc(nu * sizeof *counts);
    for (size_t u = 0; u < nu; u++) gr_graph_user_id(&users[u], g, u);
    gr_set_num_threads(threads);
    double t0 = bench_now();
    int failed = gr_model_recommend_batch(counts, m, users, nu, k, NULL, items, scores) != GR_OK;
    double wall = bench_now() - t0;
    gr_set_num_threads(1);
    bench_row_begin("recommend_batch_all_users");
    bench_kv_num("threads", threads);
    bench_kv_num("users", (double)nu);
    bench_kv_num("seconds", wall);
    bench_kv_num("users_per_s", (double)nu / wall);
    bench_row_end();
    free(users);
    free(items);
    free(scores);
    free(counts);
    return failed;
}

/* The library's own batch path: full ranking of every user with
 * gr_eval_ranking (scores, exclusion, top-k, metrics). */
static int eval_batch(const gr_model *m, const gr_graph *train, const gr_graph *held, int k, int threads)
{
    gr_set_num_threads(threads);
    double out[GR_METRIC_COUNT];
    size_t users;
    double t0 = bench_now();
    if (gr_eval_ranking(out, &users, m, train, held, &k, 1) != GR_OK) return 1;
    double wall = bench_now() - t0;
    bench_row_begin("eval_ranking_all_users");
    bench_kv_num("threads", threads);
    bench_kv_num("users", (double)users);
    bench_kv_num("seconds", wall);
    bench_kv_num("users_per_s", (double)users / wall);
    bench_row_end();
    return 0;
}

/* Reset the process's peak RSS (VmHWM) to its present RSS: Linux's
 * clear_refs 5.  0 when that is not possible. */
static int reset_peak_rss(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (!f) return 0;
    int ok = fputs("5", f) >= 0;
    return fclose(f) == 0 && ok;
}

/* gr_model_save, then gr_model_load of the file `loads` times: the
 * median load time, the file's size, and over the first load the memory
 * the loaded copy holds and the most the load took at once (RSS after the
 * load, and its peak during it, less the RSS before it; the peak where
 * the kernel can reset it). */
static int load_time(const gr_model *m, int loads)
{
    char dir[] = "/tmp/bench_serving.XXXXXX";
    if (!mkdtemp(dir)) return 1;
    char path[64];
    snprintf(path, sizeof path, "%s/model.gnr", dir);
    int failed = gr_model_save(m, path) != GR_OK;
    struct stat st;
    if (!failed) failed = stat(path, &st) != 0;
    double *t = malloc((size_t)loads * sizeof *t), held = 0.0, peak = NAN;
    for (int q = 0; !failed && q < loads; q++) {
        gr_model *back = NULL;
        int peak_reset = q == 0 && reset_peak_rss();
        double before = bench_rss(), t0 = bench_now();
        failed = gr_model_load(&back, path) != GR_OK;
        t[q] = bench_now() - t0;
        if (q == 0) held = bench_rss() - before;
        if (peak_reset) peak = bench_peak_rss() - before;
        gr_model_free(back);
    }
    if (!failed) {
        bench_row_begin("model_load");
        bench_kv_num("file_mb", (double)st.st_size / 1e6);
        bench_kv_num("loads", loads);
        bench_kv_num("median_ms", 1e3 * bench_median(t, (size_t)loads));
        bench_kv_num("mb_per_s", (double)st.st_size / 1e6 / bench_median(t, (size_t)loads));
        bench_kv_num("held_mb", held / 1e6);
        bench_kv_num("peak_mb", peak / 1e6);
        bench_row_end();
    }
    free(t);
    unlink(path);
    rmdir(dir);
    return failed;
}

int main(int argc, char **argv)
{
    int smoke = bench_flag(argc, argv, "--smoke");
    long calls = bench_arg_long(argc, argv, "--calls", smoke ? 500 : 10000);
    size_t k = (size_t)bench_arg_long(argc, argv, "--k", 20);
    int threads = (int)bench_arg_long(argc, argv, "--threads", 2);
    const char *callers = bench_arg(argc, argv, "--callers", "1,2,4");
    gr_graph *g = NULL, *held = NULL;
    const char *dir = smoke ? NULL : bench_data_dir(argc, argv, "ml1m_m1");
    if (!smoke && !dir) return 77;
    const bench_graph_spec smoke_spec = { 600, 300, 20000, 10, 1.3, 0.9, 42 };
    if (bench_train_graph(&g, dir, &smoke_spec) != 0) return 1;
    if (dir) {
        char path[4200];
        snprintf(path, sizeof path, "%s/valid.txt", dir);
        if (gr_graph_load_like(&held, g, path, NULL) != GR_OK) goto fail;
    } else {
        held = g;
    }
    gr_trainer *t;
    gr_model *m;
    if (gr_trainer_new(&t, GR_MODEL_LIGHTGCN) != GR_OK || gr_trainer_set(t, "epochs", "5") != GR_OK ||
        gr_trainer_set(t, "holdout", "0") != GR_OK || gr_trainer_fit(&m, t, g) != GR_OK)
        goto fail;
    gr_trainer_free(t);
    gr_set_num_threads(1); /* each call on its caller's thread */
    int failed = 0;
    for (const char *p = callers; *p;) {
        int c = atoi(p);
        if (c > 0) failed |= latency(m, g, c, calls, k);
        p = strchr(p, ',');
        if (!p) break;
        p++;
    }
    failed |= load_time(m, smoke ? 3 : 9);
    for (int th = 1; th <= threads; th *= 2) {
        failed |= batch(m, g, k, th);
        failed |= batch_call(m, g, k, th);
        failed |= eval_batch(m, g, held, (int)k, th);
    }
    gr_model_free(m);
    if (held != g) gr_graph_free(held);
    gr_graph_free(g);
    return failed;
fail:
    fprintf(stderr, "%s\n", gr_last_error());
    return 1;
}
