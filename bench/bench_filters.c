/*
 * The training-free filters on validation data (docs/filters.md): loads a
 * training file, carves a per-user seeded validation part from it (or
 * reads --valid), fits one kind with the given settings and reports the
 * validation Recall@20 / NDCG@20 of every trial, the fit time (the SVD)
 * and the time of one full evaluation.  Test files are never read here.
 *
 *   bench_filters --train F [--valid F | --carve 0.1] --model gfcf [--min-rating 4]
 *                 [--set k=v,k=v] [--grid name=v1/v2/v3]
 */
#define _POSIX_C_SOURCE 200809L
#include <gnnrec.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"

/* Process CPU seconds: on a shared machine they say more than wall time. */
static double cpu_now(void) { return (double)clock() / CLOCKS_PER_SEC; }

static int apply_settings(gr_trainer *t, const char *list)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", list ? list : "");
    char *save = NULL;
    for (char *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq) return 1;
        *eq = '\0';
        if (gr_trainer_set(t, kv, eq + 1) != GR_OK) {
            fprintf(stderr, "%s\n", gr_last_error());
            return 1;
        }
    }
    return 0;
}

static int trial(void *ud, int epoch, double loss, double seconds, double metric)
{
    (void)ud;
    (void)loss;
    fprintf(stderr, "  trial %d  %.1f s  valid ndcg@20 %.4f\n", epoch, seconds, metric);
    return 0;
}

int main(int argc, char **argv)
{
    const char *train_path = bench_arg(argc, argv, "--train", NULL), *valid_path = bench_arg(argc, argv, "--valid", NULL);
    const char *kind_name = bench_arg(argc, argv, "--model", "gfcf"), *settings = bench_arg(argc, argv, "--set", "");
    const char *grid = bench_arg(argc, argv, "--grid", NULL);
    if (!train_path) {
        fprintf(stderr, "usage: bench_filters --train F [--valid F | --carve R] --model KIND [--set k=v,...] [--grid k=a/b/c]\n");
        return 2;
    }
    gr_load_options lo = GR_LOAD_OPTIONS_INIT;
    lo.min_rating = bench_arg_double(argc, argv, "--min-rating", 0);
    gr_graph *all = NULL, *train = NULL, *valid = NULL, *unused = NULL;
    if (gr_graph_load(&all, train_path, &lo) != GR_OK) goto fail;
    if (valid_path) {
        train = all;
        all = NULL;
        if (gr_graph_load_like(&valid, train, valid_path, &lo) != GR_OK) goto fail;
    } else {
        gr_split_options so = GR_SPLIT_OPTIONS_INIT;
        so.valid_ratio = 0;
        so.test_ratio = bench_arg_double(argc, argv, "--carve", 0.1);
        so.seed = (uint64_t)bench_arg_long(argc, argv, "--split-seed", 42);
        if (gr_graph_split(&train, NULL, &valid, all, &so) != GR_OK) goto fail;
    }
    int kind;
    if (gr_model_kind_from_name(&kind, kind_name) != GR_OK) goto fail;
    char gname[64] = "", gvals[256] = "";
    if (grid) sscanf(grid, "%63[^=]=%255s", gname, gvals);
    for (char *v = grid ? strtok(gvals, "/") : (char *)""; v; v = grid ? strtok(NULL, "/") : NULL) {
        gr_trainer *t;
        if (gr_trainer_new(&t, kind) != GR_OK || apply_settings(t, settings)) goto fail;
        if (grid && gr_trainer_set(t, gname, v) != GR_OK) goto fail;
        gr_trainer_set(t, "search", "0");
        gr_trainer_set_progress(t, trial, NULL);
        gr_model *m;
        double t0 = bench_now(), c0 = cpu_now();
        if (gr_trainer_fit(&m, t, train) != GR_OK) goto fail;
        double fit_s = bench_now() - t0, fit_c = cpu_now() - c0;
        int ks[1] = { 20 };
        double out[GR_METRIC_COUNT];
        t0 = bench_now();
        c0 = cpu_now();
        if (gr_eval_ranking(out, NULL, m, train, valid, ks, 1) != GR_OK) goto fail;
        double eval_s = bench_now() - t0, eval_c = cpu_now() - c0;
        printf("%s %s %s%s%s  valid recall@20 %.4f ndcg@20 %.4f  fit %.1f s (cpu %.1f)  eval %.1f s (cpu %.1f)  peak %.0f MB\n",
               kind_name, settings, gname, grid ? "=" : "", grid ? v : "", out[GR_METRIC_RECALL], out[GR_METRIC_NDCG], fit_s,
               fit_c, eval_s, eval_c, bench_peak_rss() / 1048576.0);
        fflush(stdout);
        gr_model_free(m);
        gr_trainer_free(t);
        if (!grid) break;
    }
    gr_graph_free(train);
    gr_graph_free(valid);
    gr_graph_free(all);
    gr_graph_free(unused);
    return 0;
fail:
    fprintf(stderr, "bench_filters: %s\n", gr_last_error());
    return 1;
}
