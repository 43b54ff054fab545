/*
 * sage_run: fit GraphSAGE on a training file and report validation or test
 * metrics, for choosing settings and for repeated runs over seeds.
 *
 *   sage_run --train FILE [--test FILE | --holdout R] [--holdout-seed S]
 *            [--seeds N] [--k 20] [KEY=VALUE ...]
 *
 * With --holdout R, a share R of every user's training edges is held out
 * (gr_graph_split, per user) and the model is fitted on the rest and
 * evaluated on it: settings are chosen this way, never on a test file.
 * With --test FILE the model is fitted on the whole training file.
 * KEY=VALUE are trainer settings (objective=rating, dim=64, ...).  The
 * evaluation graph is passed to the trainer as validation data only when
 * `patience` is given, so that early stopping is a choice.  Prints one line
 * per epoch on stderr and a JSON line per seed, then the mean and spread.
 */
#include <gnnrec.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct run_opts {
    const char *train, *test;
    double holdout;
    long holdout_seed, seeds, k;
    int early;
    int nset;
    char *set[64];
} run_opts;

static int on_epoch(void *ud, int epoch, double loss, double seconds, double metric)
{
    (void)ud;
    fprintf(stderr, "epoch %3d  loss %.5f  %7.1fs  valid %.5f\n", epoch, loss, seconds, metric);
    return 0;
}

static int usage(void)
{
    fputs("usage: sage_run --train FILE [--test FILE | --holdout R] [--holdout-seed S] [--seeds N] [--k K] [KEY=VALUE ...]\n", stderr);
    return 2;
}

static int parse(run_opts *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    o->seeds = 1;
    o->holdout_seed = 1;
    o->k = 20;
    for (int a = 1; a < argc; a++) {
        const char *s = argv[a];
        int more = a + 1 < argc;
        if (!strcmp(s, "--train") && more) o->train = argv[++a];
        else if (!strcmp(s, "--test") && more) o->test = argv[++a];
        else if (!strcmp(s, "--holdout") && more) o->holdout = atof(argv[++a]);
        else if (!strcmp(s, "--holdout-seed") && more) o->holdout_seed = atol(argv[++a]);
        else if (!strcmp(s, "--seeds") && more) o->seeds = atol(argv[++a]);
        else if (!strcmp(s, "--k") && more) o->k = atol(argv[++a]);
        else if (strchr(s, '=') && s[0] != '-' && o->nset < 64) o->set[o->nset++] = argv[a];
        else return usage();
        if (!strncmp(s, "patience=", 9)) o->early = 1;
    }
    if (!o->train || (!o->test && !(o->holdout > 0)) || o->seeds < 1) return usage();
    return 0;
}

static int fail(const char *what)
{
    fprintf(stderr, "sage_run: %s: %s\n", what, gr_last_error());
    return 1;
}

static int configure(gr_trainer *t, const run_opts *o, long seed)
{
    char name[64], num[32];
    for (int k = 0; k < o->nset; k++) {
        const char *eq = strchr(o->set[k], '=');
        snprintf(name, sizeof name, "%.*s", (int)(eq - o->set[k]), o->set[k]);
        if (gr_trainer_set(t, name, eq + 1) != GR_OK) return fail("setting");
    }
    snprintf(num, sizeof num, "%ld", seed);
    if (gr_trainer_set(t, "seed", num) != GR_OK) return fail("seed");
    return 0;
}

/* Fit one seed; writes rmse/mae (NaN without ratings) and recall/ndcg@k. */
static int run_seed(const run_opts *o, const gr_graph *train, const gr_graph *eval, long seed, double *out)
{
    gr_trainer *t;
    if (gr_trainer_new(&t, GR_MODEL_GRAPHSAGE) != GR_OK) return fail("trainer");
    gr_trainer_set(t, "holdout", "0"); /* a fixed number of epochs on all the data */
    int rc = configure(t, o, seed);
    gr_trainer_set_progress(t, on_epoch, NULL);
    if (!rc && o->early) gr_trainer_set_validation(t, eval);
    gr_model *m = NULL;
    if (!rc && gr_trainer_fit(&m, t, train) != GR_OK) rc = fail("training");
    double obj = 0, secs = 0, epochs = 0, met[GR_METRIC_COUNT];
    out[0] = out[1] = NAN;
    if (!rc) {
        gr_model_info(&obj, m, "objective");
        gr_trainer_stat(&secs, t, GR_STAT_SECONDS);
        gr_trainer_stat(&epochs, t, GR_STAT_EPOCHS);
        if (obj == GR_OBJECTIVE_RATING && gr_eval_rating(&out[0], &out[1], m, eval) != GR_OK) rc = fail("rating evaluation");
        int k = (int)o->k;
        if (!rc && gr_eval_ranking(met, NULL, m, train, eval, &k, 1) != GR_OK) rc = fail("ranking evaluation");
    }
    if (!rc) {
        out[2] = met[GR_METRIC_RECALL];
        out[3] = met[GR_METRIC_NDCG];
        printf("{\"seed\": %ld, \"rmse\": %.5f, \"mae\": %.5f, \"recall@%ld\": %.5f, \"ndcg@%ld\": %.5f, \"epochs\": %.0f, "
               "\"seconds\": %.1f, \"seconds_per_epoch\": %.3f}\n",
               seed, out[0], out[1], o->k, out[2], o->k, out[3], epochs, secs, secs / (epochs > 0 ? epochs : 1));
        fflush(stdout);
    }
    gr_model_free(m);
    gr_trainer_free(t);
    return rc;
}

static void summary(const char *name, const double *v, long n)
{
    double s = 0, s2 = 0, lo = v[0], hi = v[0];
    for (long k = 0; k < n; k++) {
        s += v[k];
        lo = v[k] < lo ? v[k] : lo;
        hi = v[k] > hi ? v[k] : hi;
    }
    double mean = s / (double)n;
    for (long k = 0; k < n; k++) s2 += (v[k] - mean) * (v[k] - mean);
    double sd = n > 1 ? sqrt(s2 / (double)(n - 1)) : 0.0;
    printf("%s mean %.5f  sd %.5f  min %.5f  max %.5f  (%ld seeds)\n", name, mean, sd, lo, hi, n);
}

int main(int argc, char **argv)
{
    run_opts o;
    if (parse(&o, argc, argv)) return 2;
    gr_graph *all = NULL, *train = NULL, *eval = NULL;
    if (gr_graph_load(&all, o.train, NULL) != GR_OK) return fail("loading the training file");
    if (o.test) {
        train = all;
        if (gr_graph_load_like(&eval, train, o.test, NULL) != GR_OK) return fail("loading the test file");
    } else {
        gr_split_options so = GR_SPLIT_OPTIONS_INIT;
        so.valid_ratio = 0;
        so.test_ratio = o.holdout;
        so.seed = (uint64_t)o.holdout_seed;
        if (gr_graph_split(&train, NULL, &eval, all, &so) != GR_OK) return fail("splitting");
        gr_graph_free(all);
    }
    double *res = calloc((size_t)o.seeds * 4, sizeof *res), *col = calloc((size_t)o.seeds, sizeof *col);
    int rc = res && col ? 0 : 1;
    for (long s = 0; s < o.seeds && !rc; s++) rc = run_seed(&o, train, eval, 42 + s, res + s * 4);
    static const char *const names[4] = { "rmse", "mae", "recall", "ndcg" };
    for (int q = 0; q < 4 && !rc && o.seeds > 1; q++) {
        for (long s = 0; s < o.seeds; s++) col[s] = res[s * 4 + q];
        if (!isnan(col[0])) summary(names[q], col, o.seeds);
    }
    free(res);
    free(col);
    gr_graph_free(train);
    gr_graph_free(eval);
    return rc;
}
