/*
 * LightGCN epoch times through the public trainer, on the MovieLens-1M m1
 * training graph (or a small generated graph with --smoke).  An epoch of
 * the paper schedule is 389 mini-batches on ML-1M m1; an epoch of the fast schedule is
 * one full-batch step.  The first epoch also pays for set-up (normalised
 * adjacency, buffers), so the row reports it apart and the median of the
 * others as the epoch time.
 *
 *   bench_train --mode paper|fast [--epochs N] [--threads T] [--data DIR] [--smoke]
 */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include <gnnrec.h>

#include "bench_util.h"
#include "power_law.h"

typedef struct clock_ctx {
    double last, first;
    double *epoch;
    int n;
} clock_ctx;

static int on_epoch(void *ud, int epoch, double loss, double seconds, double metric)
{
    (void)loss;
    (void)metric;
    clock_ctx *c = ud;
    if (epoch == 1) c->first = seconds;
    else c->epoch[c->n++] = seconds - c->last;
    c->last = seconds;
    return 0;
}

static int set(gr_trainer *t, const char *k, const char *v)
{
    if (gr_trainer_set(t, k, v) == GR_OK) return 0;
    fprintf(stderr, "%s\n", gr_last_error());
    return 1;
}

int main(int argc, char **argv)
{
    const char *mode = bench_arg(argc, argv, "--mode", "paper");
    const char *threads = bench_arg(argc, argv, "--threads", "2");
    int smoke = bench_flag(argc, argv, "--smoke");
    long epochs = bench_arg_long(argc, argv, "--epochs", strcmp(mode, "fast") == 0 ? 20 : 2);
    gr_graph *g = NULL;
    const char *dir = smoke ? NULL : bench_data_dir(argc, argv, "ml1m_m1");
    if (!smoke && !dir) return 77;
    if (dir) {
        char path[4200];
        snprintf(path, sizeof path, "%s/train.txt", dir);
        if (gr_graph_load(&g, path, NULL) != GR_OK) {
            fprintf(stderr, "%s\n", gr_last_error());
            return 1;
        }
    } else {
        bench_graph_spec s = { 600, 300, 20000, 10, 1.3, 0.9, 42 };
        if (bench_power_law_graph(&g, &s) != 0) return 1;
    }
    gr_trainer *t;
    char ebuf[32];
    snprintf(ebuf, sizeof ebuf, "%ld", epochs);
    if (gr_trainer_new(&t, GR_MODEL_LIGHTGCN) != GR_OK || set(t, "mode", mode) || set(t, "threads", threads) ||
        set(t, "epochs", ebuf))
        return 1;
    clock_ctx c = { 0, 0, calloc((size_t)epochs, sizeof(double)), 0 };
    gr_trainer_set_progress(t, on_epoch, &c);
    gr_model *m = NULL;
    double t0 = bench_now();
    if (gr_trainer_fit(&m, t, g) != GR_OK) {
        fprintf(stderr, "%s\n", gr_last_error());
        return 1;
    }
    double total = bench_now() - t0;
    bench_row_begin("lightgcn_epoch");
    bench_kv_str("mode", mode);
    bench_kv_num("threads", atof(threads));
    bench_kv_num("epoch_s", c.n ? bench_median(c.epoch, (size_t)c.n) : c.first);
    bench_kv_num("first_epoch_s", c.first);
    bench_kv_num("fit_s", total);
    bench_kv_num("epochs", (double)epochs);
    bench_kv_num("edges", (double)gr_graph_num_edges(g));
    bench_row_end();
    free(c.epoch);
    gr_model_free(m);
    gr_trainer_free(t);
    gr_graph_free(g);
    return 0;
}
