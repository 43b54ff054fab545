/*
 * sage_epoch: GraphSAGE training time per epoch at several thread counts.
 *
 *   sage_epoch --train FILE [--epochs 3] [--threads 1,2] [KEY=VALUE ...]
 *
 * Fits the same model (same seed) once per thread count, takes the time of
 * every epoch from the progress callback, and prints one JSON line per
 * thread count with the median epoch time, then one with the speed-up of
 * the last count over the first.  Validation is off, so an epoch is the
 * training pass alone.  KEY=VALUE are trainer settings.  A training file
 * that cannot be opened is a skip (exit status 77), not a failure.
 */
#include <gnnrec.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_EPOCHS 256

typedef struct timing {
    double last, t[MAX_EPOCHS];
    int n;
} timing;

static int on_epoch(void *ud, int epoch, double loss, double seconds, double metric)
{
    timing *tm = ud;
    (void)epoch;
    (void)loss;
    (void)metric;
    if (tm->n < MAX_EPOCHS) tm->t[tm->n++] = seconds - tm->last;
    tm->last = seconds;
    return 0;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int fail(const char *what)
{
    fprintf(stderr, "sage_epoch: %s: %s\n", what, gr_last_error());
    return 1;
}

int main(int argc, char **argv)
{
    const char *train = NULL, *threads = "1,2", *epochs = "3";
    char *set[64];
    int nset = 0;
    for (int a = 1; a < argc; a++) {
        if (!strcmp(argv[a], "--train") && a + 1 < argc) train = argv[++a];
        else if (!strcmp(argv[a], "--threads") && a + 1 < argc) threads = argv[++a];
        else if (!strcmp(argv[a], "--epochs") && a + 1 < argc) epochs = argv[++a];
        else if (strchr(argv[a], '=') && argv[a][0] != '-' && nset < 64) set[nset++] = argv[a];
        else train = NULL, a = argc;
    }
    if (!train) {
        fputs("usage: sage_epoch --train FILE [--epochs N] [--threads 1,2] [KEY=VALUE ...]\n", stderr);
        return 2;
    }
    gr_graph *g;
    int rc = gr_graph_load(&g, train, NULL);
    if (rc == GR_EIO) {
        /* absent data: bench/run reports the SKIP line instead of a failure */
        fprintf(stderr, "SKIP: sage_epoch: %s\n", gr_last_error());
        return 77;
    }
    if (rc != GR_OK) return fail("loading");
    double first = 0, median = 0;
    int first_threads = 0, count = 0;
    for (const char *p = threads; *p;) {
        char *end;
        int nt = (int)strtol(p, &end, 10);
        p = *end == ',' ? end + 1 : end;
        if (nt < 1) break;
        gr_trainer *t;
        if (gr_trainer_new(&t, GR_MODEL_GRAPHSAGE) != GR_OK) return fail("trainer");
        gr_trainer_set(t, "holdout", "0"); /* a fixed number of epochs on all the data */
        for (int k = 0; k < nset; k++) {
            char name[64];
            const char *eq = strchr(set[k], '=');
            snprintf(name, sizeof name, "%.*s", (int)(eq - set[k]), set[k]);
            if (gr_trainer_set(t, name, eq + 1) != GR_OK) return fail("setting");
        }
        char num[16];
        snprintf(num, sizeof num, "%d", nt);
        if (gr_trainer_set(t, "threads", num) != GR_OK || gr_trainer_set(t, "epochs", epochs) != GR_OK) return fail("setting");
        timing tm = { 0 };
        gr_trainer_set_progress(t, on_epoch, &tm);
        gr_model *m;
        if (gr_trainer_fit(&m, t, g) != GR_OK) return fail("training");
        qsort(tm.t, (size_t)tm.n, sizeof tm.t[0], cmp);
        median = tm.n % 2 ? tm.t[tm.n / 2] : 0.5 * (tm.t[tm.n / 2 - 1] + tm.t[tm.n / 2]);
        printf("{\"bench\": \"graphsage_epoch\", \"threads\": %d, \"epochs\": %d, \"epoch_seconds_median\": %.4f, "
               "\"epoch_seconds_min\": %.4f, \"edges\": %zu}\n",
               nt, tm.n, median, tm.t[0], gr_graph_num_edges(g));
        fflush(stdout);
        if (count++ == 0) {
            first = median;
            first_threads = nt;
        }
        gr_model_free(m);
        gr_trainer_free(t);
    }
    if (count > 1) printf("{\"bench\": \"graphsage_epoch\", \"speedup\": %.3f, \"from_threads\": %d}\n", first / median, first_threads);
    gr_graph_free(g);
    return 0;
}
