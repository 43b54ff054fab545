/*
 * Incremental update against a full retrain on MovieLens-100K.
 *
 * u.data is split per user into train / valid / test (80 / 10 / 10 %,
 * GR_SPLIT_USER_RATIO, seed 42).  The training edges are ordered by time:
 * the first 90 % train the base model, the last 10 % (which bring new users
 * and items) arrive later.  The update's steps and learning rate are chosen
 * on the valid part (NDCG@20 of the updated model, each over a grid); the
 * test part is then read once to compare, with those settings:
 *   stale    the base model, never updated (users it lacks are not ranked),
 *   update   gr_model_update(base, the last 10 %),
 *   retrain  a model trained from scratch on all training edges.
 * Every model is ranked against its own training items (excluded).
 *
 * With --model graphsage (or a KG kind: rotate, distmult, ...) the base and
 * the retrain are that kind's default fits, and --steps counts the
 * update's epochs; --dim sets every model's width.
 *
 *   bench_update [--data DIR] [--model KIND] [--dim D] [--steps 10,20,50] [--lrs 0.02,0.05,0.2]
 *                [--mode fast|paper]
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gnnrec.h>

#include "bench_util.h"

typedef struct edges {
    size_t n;
    int64_t *u, *i, *ts;
    float *r;
} edges;

static int edges_of(edges *e, const gr_graph *g)
{
    e->n = gr_graph_num_edges(g);
    e->u = malloc(e->n * sizeof *e->u);
    e->i = malloc(e->n * sizeof *e->i);
    e->ts = malloc(e->n * sizeof *e->ts);
    e->r = malloc(e->n * sizeof *e->r);
    return gr_graph_edges(g, e->u, e->i, e->r, e->ts, e->n);
}

static void edges_free(edges *e)
{
    free(e->u);
    free(e->i);
    free(e->ts);
    free(e->r);
}

static const int64_t *sort_ts;
static int by_time(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    if (sort_ts[x] != sort_ts[y]) return sort_ts[x] < sort_ts[y] ? -1 : 1;
    return x < y ? -1 : x > y;
}

/* The edges of e in time order, rows [lo, hi), as a graph (own id space). */
static int time_slice(gr_graph **out, const edges *e, const size_t *order, size_t lo, size_t hi)
{
    size_t n = hi - lo;
    int64_t *u = malloc(n * sizeof *u), *i = malloc(n * sizeof *i), *ts = malloc(n * sizeof *ts);
    float *r = malloc(n * sizeof *r);
    for (size_t k = 0; k < n; k++) {
        size_t q = order[lo + k];
        u[k] = e->u[q];
        i[k] = e->i[q];
        ts[k] = e->ts[q];
        r[k] = e->r[q];
    }
    int rc = gr_graph_from_edges(out, u, i, r, ts, n, 0);
    free(u);
    free(i);
    free(ts);
    free(r);
    return rc;
}

/* NDCG@20 and Recall@20 of m on the edges of held (mapped into m's id space). */
static int evaluate(double *ndcg, double *recall, size_t *users, const gr_model *m, const edges *held)
{
    gr_graph *t;
    int rc = gr_graph_from_edges_like(&t, gr_model_graph(m), held->u, held->i, held->r, held->ts, held->n, 0);
    if (rc != GR_OK) return rc;
    double out[GR_METRIC_COUNT];
    int k = 20;
    rc = gr_eval_ranking(out, users, m, gr_model_graph(m), t, &k, 1);
    *ndcg = out[GR_METRIC_NDCG];
    *recall = out[GR_METRIC_RECALL];
    gr_graph_free(t);
    return rc;
}

static int kind = GR_MODEL_LIGHTGCN; /* --model */
static const char *dim;              /* --dim, for every model of the run */

static int trainer(gr_trainer **t, const char *mode, long steps, double lr)
{
    int rc = gr_trainer_new(t, kind);
    if (rc == GR_OK && kind == GR_MODEL_LIGHTGCN) rc = gr_trainer_set(*t, "mode", mode);
    if (rc == GR_OK && dim) rc = gr_trainer_set(*t, "dim", dim);
    if (rc == GR_OK && steps > 0) rc = gr_trainer_set_int(*t, GR_OPT_EPOCHS, steps);
    if (rc == GR_OK && lr > 0) rc = gr_trainer_set_double(*t, GR_OPT_LR, lr);
    return rc;
}

static void row(const char *phase, const char *model, long steps, double lr, double seconds, double ndcg, double recall,
                size_t users)
{
    bench_row_begin("update_ml100k");
    bench_kv_str("phase", phase);
    bench_kv_str("model", model);
    bench_kv_num("steps", (double)steps);
    bench_kv_num("lr", lr);
    bench_kv_num("seconds", seconds);
    bench_kv_num("ndcg@20", ndcg);
    bench_kv_num("recall@20", recall);
    bench_kv_num("users", (double)users);
    bench_row_end();
}

/* Update base with late, evaluate on held; steps / lr 0: the defaults. */
static int run_update(double *ndcg, const gr_model *base, const gr_graph *late, const edges *held, const char *mode,
                      long steps, double lr, const char *phase)
{
    gr_trainer *t;
    gr_model *m;
    double recall, t0 = bench_now();
    size_t users;
    int rc = trainer(&t, mode, steps, lr);
    if (rc == GR_OK) rc = gr_model_update(&m, base, late, t);
    double sec = bench_now() - t0;
    if (rc == GR_OK) {
        rc = evaluate(ndcg, &recall, &users, m, held);
        row(phase, "update", steps, lr, sec, *ndcg, recall, users);
        gr_model_free(m);
    }
    gr_trainer_free(t);
    return rc;
}

static int parse_list(double *v, size_t cap, const char *text)
{
    size_t n = 0;
    for (const char *p = text; *p && n < cap;) {
        v[n++] = atof(p);
        p = strchr(p, ',');
        if (!p) break;
        p++;
    }
    return (int)n;
}

int main(int argc, char **argv)
{
    const char *dir = bench_data_dir(argc, argv, "ml100k");
    if (!dir) return 77;
    const char *mode = bench_arg(argc, argv, "--mode", "fast");
    const char *name = bench_arg(argc, argv, "--model", "lightgcn");
    dim = bench_arg(argc, argv, "--dim", NULL);
    if (gr_model_kind_from_name(&kind, name) != GR_OK) {
        fprintf(stderr, "bench_update: %s\n", gr_last_error());
        return 2;
    }
    int sage = kind == GR_MODEL_GRAPHSAGE, kg = kind >= GR_MODEL_TRANSE && kind <= GR_MODEL_COMPLEX;
    double steps[8], lrs[8];
    int ns = parse_list(steps, 8, bench_arg(argc, argv, "--steps", sage ? "2,4,6" : kg ? "2,4,8" : "10,20,50"));
    int nl = parse_list(lrs, 8,
                        bench_arg(argc, argv, "--lrs", sage ? "0.0014,0.0028,0.0057,0.0113" : kg ? "0.001" : "0.02,0.05,0.2"));
    gr_graph *all = NULL, *train = NULL, *valid = NULL, *test = NULL, *early = NULL, *late = NULL;
    gr_model *base = NULL, *full = NULL;
    gr_trainer *t = NULL;
    edges tr, va, te;
    memset(&tr, 0, sizeof tr);
    memset(&va, 0, sizeof va);
    memset(&te, 0, sizeof te);
    gr_split_options so = GR_SPLIT_OPTIONS_INIT;
    int rc = gr_graph_load(&all, dir, NULL);
    if (rc == GR_OK) rc = gr_graph_split(&train, &valid, &test, all, &so);
    if (rc == GR_OK) rc = edges_of(&tr, train);
    if (rc == GR_OK) rc = edges_of(&va, valid);
    if (rc == GR_OK) rc = edges_of(&te, test);
    size_t *order = malloc(tr.n * sizeof *order);
    for (size_t k = 0; k < tr.n; k++) order[k] = k;
    sort_ts = tr.ts;
    qsort(order, tr.n, sizeof *order, by_time);
    size_t cut = tr.n * 9 / 10;
    if (rc == GR_OK) rc = time_slice(&early, &tr, order, 0, cut);
    if (rc == GR_OK) rc = time_slice(&late, &tr, order, cut, tr.n);
    /* the base model, on the first 90 % (the kind's default schedule) */
    double t0 = bench_now(), nd, rec;
    size_t users;
    if (rc == GR_OK) rc = trainer(&t, mode, 0, 0);
    if (rc == GR_OK) rc = gr_trainer_fit(&base, t, early);
    double base_sec = bench_now() - t0;
    if (rc == GR_OK) {
        bench_row_begin("update_split");
        bench_kv_num("train_edges", (double)tr.n);
        bench_kv_num("early_edges", (double)cut);
        bench_kv_num("late_edges", (double)(tr.n - cut));
        bench_kv_num("late_new_users", (double)(gr_graph_num_users(train) - gr_graph_num_users(early)));
        bench_kv_num("late_new_items", (double)(gr_graph_num_items(train) - gr_graph_num_items(early)));
        bench_kv_num("valid_edges", (double)va.n);
        bench_kv_num("test_edges", (double)te.n);
        bench_row_end();
    }
    /* choose the update's steps and learning rate on valid */
    double best = -1, best_steps = 0, best_lr = 0;
    for (int a = 0; rc == GR_OK && a < ns; a++)
        for (int b = 0; rc == GR_OK && b < nl; b++) {
            rc = run_update(&nd, base, late, &va, mode, (long)steps[a], lrs[b], "valid");
            if (rc == GR_OK && nd > best) {
                best = nd;
                best_steps = steps[a];
                best_lr = lrs[b];
            }
        }
    /* test, read once with the chosen settings */
    if (rc == GR_OK) rc = evaluate(&nd, &rec, &users, base, &te);
    if (rc == GR_OK) row("test", "stale", 0, 0, base_sec, nd, rec, users);
    if (rc == GR_OK) rc = run_update(&nd, base, late, &te, mode, (long)best_steps, best_lr, "test");
    t0 = bench_now();
    if (rc == GR_OK) rc = gr_trainer_fit(&full, t, train);
    double full_sec = bench_now() - t0;
    if (rc == GR_OK) rc = evaluate(&nd, &rec, &users, full, &te);
    if (rc == GR_OK) row("test", "retrain", 0, 0, full_sec, nd, rec, users);
    if (rc != GR_OK) fprintf(stderr, "bench_update: %s\n", gr_last_error());
    free(order);
    edges_free(&tr);
    edges_free(&va);
    edges_free(&te);
    gr_model_free(base);
    gr_model_free(full);
    gr_trainer_free(t);
    gr_graph_free(all);
    gr_graph_free(train);
    gr_graph_free(valid);
    gr_graph_free(test);
    gr_graph_free(early);
    gr_graph_free(late);
    return rc == GR_OK ? 0 : 1;
}
