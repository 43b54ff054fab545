/*
 * LightGCN epoch times on the MovieLens-1M m1 training graph (or a small
 * generated graph with --smoke).  An epoch of the paper schedule is 389
 * mini-batches on ML-1M m1; an epoch of the fast schedule is one
 * full-batch step.  Through the public trainer the first epoch also pays
 * for set-up (normalised adjacency, buffers), so the row reports it apart
 * and the median of the others as the epoch time.  For the paper schedule
 * a further epoch runs through the trainer's own step, timing every
 * mini-batch: its sum is the epoch without set-up, and the 10th
 * percentile of the batch times, times the batches, estimates the epoch on
 * a machine without other work (interference only ever adds time).
 *
 *   bench_train --mode paper|fast [--epochs N] [--threads T] [--data DIR] [--smoke]
 *
 * With --trace DIR [--steps N] it instead runs N mini-batches of the paper
 * schedule through the trainer's own step and writes what a second
 * implementation needs to replay them exactly: the initial layer-0
 * embeddings, every batch, every loss and the final embeddings, rows and
 * ids in the training file's ids (bench/pytorch_lightgcn.py --replay).
 * --init FILE starts from embeddings in that layout instead of the
 * trainer's initialisation, and --batches FILE takes the batches from a
 * file in the layout of batches.i32 instead of the trainer's sampler.
 */
#include <stdlib.h>
#include <string.h>

#include <gnnrec.h>

#include "bench_util.h"
#include "core/threads.h"
#include "power_law.h"
#include "train/adam.h"
#include "train/bpr_sampler.h"
#include "train/lightgcn_train.h"
#include "train/trainer.h"

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

/* What a run of the published schedule's step needs, set up as fit_paper
 * sets it up. */
typedef struct paper_run {
    gr_lgcn_settings_t s;
    float *e0;
    gr_lgcn_work w;
    gr_adam adam;
    gr_bpr_sampler smp;
    size_t nb; /* mini-batches per epoch */
} paper_run;

static void paper_run_end(paper_run *r)
{
    gr_bpr_sampler_free(&r->smp);
    gr_adam_free(&r->adam);
    gr_lgcn_work_free(&r->w);
    free(r->e0);
}

static int paper_run_begin(paper_run *r, gr_trainer *t, const gr_graph *g)
{
    memset(r, 0, sizeof *r);
    gr_lgcn_settings(&r->s, t, g);
    r->nb = (g->n_edges + r->s.batch - 1) / r->s.batch;
    r->e0 = gr_lgcn_init_embeddings(&r->s);
    if (!r->e0 || gr_lgcn_work_init(&r->w, &r->s, g) != GR_OK || gr_adam_init(&r->adam, r->s.n * r->s.d, r->s.lr) != GR_OK ||
        gr_bpr_sampler_init(&r->smp, g, r->s.seed, (int)gr_opt(t, GR_OPT_SAMPLING)) != GR_OK) {
        fprintf(stderr, "%s\n", gr_last_error());
        paper_run_end(r);
        return 1;
    }
    return 0;
}

/* Batch k of the run (epochs follow each other); returns its size. */
static size_t paper_run_batch(paper_run *r, const gr_graph *g, long k)
{
    size_t start = ((size_t)k % r->nb) * r->s.batch;
    if (start == 0) gr_bpr_sampler_epoch(&r->smp, 1 + k / (long)r->nb);
    size_t count = g->n_edges - start < r->s.batch ? g->n_edges - start : r->s.batch;
    gr_bpr_sampler_batch(&r->smp, start, count, r->s.negatives, r->w.u, r->w.pos, r->w.neg);
    return count;
}

/* One epoch of the published schedule through its step, as fit_paper runs it. */
static int paper_batches(gr_trainer *t, const gr_graph *g)
{
    int prev = gr_train_threads_begin(t);
    paper_run r;
    if (paper_run_begin(&r, t, g)) return 1;
    /* batch 0 includes the sampler's start of the epoch (a shuffle with
     * `sampling edge`, nothing with the default by-user sampling) */
    double *bt = malloc(r.nb * sizeof *bt), total = 0.0;
    for (long k = 0; k < (long)r.nb; k++) {
        double b0 = bench_now();
        size_t count = paper_run_batch(&r, g, k);
        gr_lgcn_step(&r.s, &r.w, r.e0, &r.adam, count);
        total += bt[k] = bench_now() - b0;
    }
    double med = bench_median(bt, r.nb), p10 = bench_quantile(bt, r.nb, 0.10);
    bench_row_begin("lightgcn_paper_batches");
    /* the count the step's regions ran with: the trainer's `threads` */
    bench_kv_num("threads", gr_threads());
    bench_kv_num("batches", (double)r.nb);
    bench_kv_num("epoch_s", total);
    bench_kv_num("batch_median_s", med);
    bench_kv_num("batch_p10_s", p10);
    bench_kv_num("epoch_at_p10_s", p10 * (double)r.nb);
    bench_row_end();
    free(bt);
    paper_run_end(&r);
    gr_train_threads_end(prev);
    return 0;
}

/* Write n items of size bytes to DIR/name. */
static int dump(const char *dir, const char *name, const void *p, size_t size, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, size, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "bench_train: cannot write %s\n", path);
        return 1;
    }
    return 0;
}

/* Rows of e0 in the order of the file's ids: users 0.., then items 0..
 * (the ids of the adjacency-list format are dense from 0). */
static float *rows_by_id(const gr_graph *g, const float *e0, size_t d)
{
    size_t nu = g->n_users, n = nu + g->n_items;
    float *out = malloc(n * d * sizeof *out);
    for (size_t x = 0; out && x < n; x++) {
        int32_t r = x < nu ? gr_graph_user_index(g, (int64_t)x) : gr_graph_item_index(g, (int64_t)(x - nu));
        if (r < 0) {
            fprintf(stderr, "bench_train: ids are not dense from 0; --trace needs the adjacency-list format\n");
            free(out);
            return NULL;
        }
        memcpy(out + x * d, e0 + ((x < nu ? 0 : nu) + (size_t)r) * d, d * sizeof *out);
    }
    return out;
}

static int dump_rows(const char *dir, const char *name, const gr_graph *g, const float *e0, size_t d)
{
    float *rows = rows_by_id(g, e0, d);
    int rc = rows ? dump(dir, name, rows, sizeof *rows, (g->n_users + g->n_items) * d) : 1;
    free(rows);
    return rc;
}

/* Replace e0 by rows read from a file in the order rows_by_id() writes. */
static int load_rows(const char *path, const gr_graph *g, float *e0, size_t d)
{
    size_t nu = g->n_users, n = nu + g->n_items;
    float *rows = malloc(n * d * sizeof *rows);
    FILE *f = fopen(path, "rb");
    int ok = rows && f && fread(rows, sizeof *rows, n * d, f) == n * d && fgetc(f) == EOF;
    for (size_t x = 0; ok && x < n; x++) {
        int32_t r = x < nu ? gr_graph_user_index(g, (int64_t)x) : gr_graph_item_index(g, (int64_t)(x - nu));
        ok = r >= 0;
        if (ok) memcpy(e0 + ((x < nu ? 0 : nu) + (size_t)r) * d, rows + x * d, d * sizeof *rows);
    }
    if (f) fclose(f);
    free(rows);
    if (!ok) fprintf(stderr, "bench_train: %s is not %zu x %zu floats in the file's ids\n", path, n, d);
    return ok ? 0 : 1;
}

/* The next count (user, item, negative) triples of the file's ids from f
 * into the batch of w.  0 or 1 (short file or an unknown id). */
static int read_batch(FILE *f, const gr_graph *g, gr_lgcn_work *w, size_t count)
{
    for (size_t k = 0; k < count; k++) {
        int32_t t[3];
        if (fread(t, sizeof t[0], 3, f) != 3) return 1;
        w->u[k] = gr_graph_user_index(g, t[0]);
        w->pos[k] = gr_graph_item_index(g, t[1]);
        w->neg[k] = gr_graph_item_index(g, t[2]);
        if (w->u[k] < 0 || w->pos[k] < 0 || w->neg[k] < 0) return 1;
    }
    return 0;
}

/* Append the batch in w, as (user, item, negative) ids of the file, to ids. */
static void record_batch(int32_t *ids, const gr_graph *g, const gr_lgcn_work *w, size_t count)
{
    for (size_t k = 0; k < count; k++) {
        ids[3 * k] = (int32_t)g->cat->users.ids[w->u[k]];
        ids[3 * k + 1] = (int32_t)g->cat->items.ids[w->pos[k]];
        ids[3 * k + 2] = (int32_t)g->cat->items.ids[w->neg[k]];
    }
}

static void trace_row(const char *dir, const paper_run *r, const gr_graph *g, const double *loss, long steps)
{
    bench_row_begin("lightgcn_paper_trace");
    bench_kv_str("dir", dir);
    bench_kv_num("steps", (double)steps);
    bench_kv_num("batch", (double)r->s.batch);
    bench_kv_num("users", (double)g->n_users);
    bench_kv_num("items", (double)g->n_items);
    bench_kv_num("dim", (double)r->s.d);
    bench_kv_num("first_loss", loss[0]);
    bench_kv_num("last_loss", loss[steps - 1]);
    /* mean loss of each whole epoch, as the trainer reports it */
    for (long e = 0; (e + 1) * (long)r->nb <= steps; e++) {
        double sum = 0.0;
        for (size_t b = 0; b < r->nb; b++) sum += loss[(size_t)e * r->nb + b];
        char key[32];
        snprintf(key, sizeof key, "epoch%ld_loss", e + 1);
        bench_kv_num(key, sum / (double)r->nb);
    }
    bench_row_end();
}

static int paper_trace(gr_trainer *t, const gr_graph *g, const char *dir, long steps, const char *init,
                       const char *batches)
{
    paper_run r;
    if (gr_trainer_set(t, "negatives", "1") != GR_OK || paper_run_begin(&r, t, g)) return 1;
    int rc = init ? load_rows(init, g, r.e0, r.s.d) : 0;
    if (rc == 0) rc = dump_rows(dir, "e0_init.f32", g, r.e0, r.s.d);
    int32_t *ids = malloc((size_t)steps * r.s.batch * 3 * sizeof *ids);
    double *loss = malloc((size_t)steps * sizeof *loss);
    size_t used = 0;
    FILE *bf = batches ? fopen(batches, "rb") : NULL;
    if (batches && !bf) rc = 1;
    for (long k = 0; rc == 0 && k < steps; k++) {
        size_t count = paper_run_batch(&r, g, k);
        if (bf && read_batch(bf, g, &r.w, count)) {
            fprintf(stderr, "bench_train: %s ends or has an unknown id before step %ld\n", batches, k + 1);
            rc = 1;
            break;
        }
        record_batch(ids + used, g, &r.w, count);
        used += count * 3;
        loss[k] = gr_lgcn_step(&r.s, &r.w, r.e0, &r.adam, count);
    }
    if (bf) fclose(bf);
    if (rc == 0) rc = dump(dir, "batches.i32", ids, sizeof *ids, used);
    if (rc == 0) rc = dump(dir, "losses.f64", loss, sizeof *loss, (size_t)steps);
    if (rc == 0) rc = dump_rows(dir, "e0_final.f32", g, r.e0, r.s.d);
    if (rc == 0) trace_row(dir, &r, g, loss, steps);
    free(ids);
    free(loss);
    paper_run_end(&r);
    return rc;
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
    int paper = strcmp(mode, "paper") == 0;
    long epochs = bench_arg_long(argc, argv, "--epochs", paper ? 1 : 20);
    gr_graph *g = NULL;
    const char *dir = smoke ? NULL : bench_data_dir(argc, argv, "ml1m_m1");
    if (!smoke && !dir) return 77;
    const bench_graph_spec smoke_spec = { 600, 300, 20000, 10, 1.3, 0.9, 42 };
    if (bench_train_graph(&g, dir, &smoke_spec) != 0) return 1;
    gr_trainer *t;
    const char *trace = bench_arg(argc, argv, "--trace", NULL);
    if (trace) {
        long steps = bench_arg_long(argc, argv, "--steps", 20);
        if (steps < 1 || gr_trainer_new(&t, GR_MODEL_LIGHTGCN) != GR_OK || set(t, "threads", threads) || set(t, "holdout", "0") ||
            set(t, "seed", bench_arg(argc, argv, "--seed", "42")) || set(t, "lr", "1e-3") || set(t, "reg", "1e-4"))
            return 1;
        int prev = gr_train_threads_begin(t);
        int rc = paper_trace(t, g, trace, steps, bench_arg(argc, argv, "--init", NULL),
                             bench_arg(argc, argv, "--batches", NULL));
        gr_train_threads_end(prev);
        gr_trainer_free(t);
        gr_graph_free(g);
        return rc;
    }
    char ebuf[32];
    snprintf(ebuf, sizeof ebuf, "%ld", epochs);
    if (gr_trainer_new(&t, GR_MODEL_LIGHTGCN) != GR_OK || set(t, "mode", mode) || set(t, "threads", threads) ||
        set(t, "epochs", ebuf) || set(t, "holdout", "0"))
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
    /* the schedule's own defaults (batch, negatives) are resolved by a fit,
     * which paper_batches does not run: set the published ones */
    if (paper && (set(t, "lr", "1e-3") || set(t, "reg", "1e-4") || set(t, "batch", "2048") || set(t, "negatives", "1") ||
                  paper_batches(t, g)))
        return 1;
    free(c.epoch);
    gr_model_free(m);
    gr_trainer_free(t);
    gr_graph_free(g);
    return 0;
}
