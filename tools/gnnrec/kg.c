/* gnnrec train on knowledge-graph triple files: fit, filtered link prediction, save. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

typedef struct kg_progress {
    int quiet;
    double last, *epoch_seconds;
    int n, cap;
} kg_progress;

static int on_epoch(void *ud, int epoch, double loss, double seconds, double metric)
{
    kg_progress *p = ud;
    int restart = seconds < p->last; /* the refit after choosing the epoch on held-out triples */
    if (restart) p->last = 0;
    if (restart && !p->quiet) fputs("refit on all the training triples for the chosen epochs\n", stderr);
    if (p->n < p->cap) p->epoch_seconds[p->n++] = seconds - p->last;
    p->last = seconds;
    if (p->quiet) return 0;
    if (isnan(metric)) fprintf(stderr, "epoch %4d  loss %.5f  %8.1fs\n", epoch, loss, seconds);
    else fprintf(stderr, "epoch %4d  loss %.5f  %8.1fs  valid mrr %.4f\n", epoch, loss, seconds, metric);
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median time of an epoch (validation included when it ran). */
static double median_epoch(kg_progress *p)
{
    if (p->n == 0) return NAN;
    qsort(p->epoch_seconds, (size_t)p->n, sizeof(double), cmp_double);
    return p->n % 2 ? p->epoch_seconds[p->n / 2] : 0.5 * (p->epoch_seconds[p->n / 2 - 1] + p->epoch_seconds[p->n / 2]);
}

typedef struct kg_data {
    gr_kg *train, *valid, *test;
} kg_data;

static int load_kg_data(kg_data *d, cli_args *a, int quiet)
{
    memset(d, 0, sizeof *d);
    gr_kg_load_options o = GR_KG_LOAD_OPTIONS_INIT;
    o.dicts = !cli_has(a, "no-dicts");
    o.entities_path = cli_get(a, "entities");
    o.relations_path = cli_get(a, "relations");
    /* under mpirun each rank reads its part of each triple file */
    o.comm = cli_dist_comm();
    const char *train = cli_get(a, "triples-train"), *valid = cli_get(a, "triples-valid"), *test = cli_get(a, "triples-test");
    if (gr_kg_load(&d->train, train, &o) != GR_OK) return cli_lib_error("loading training triples");
    if (valid && gr_kg_load_like_ext(&d->valid, d->train, valid, &o) != GR_OK)
        return cli_lib_error("loading validation triples");
    if (test && gr_kg_load_like_ext(&d->test, d->train, test, &o) != GR_OK) return cli_lib_error("loading test triples");
    if (!quiet)
        fprintf(stderr, "%zu entities, %zu relations, %zu training triples\n", gr_kg_num_entities(d->train),
                gr_kg_num_relations(d->train), gr_kg_num_triples(d->train));
    gr_kg *parts[2] = { d->valid, d->test };
    for (int k = 0; k < 2; k++)
        if (parts[k] && gr_kg_num_skipped(parts[k]) && !quiet)
            fprintf(stderr, "warning: %zu %s triples name entities or relations not in the training id space; skipped\n",
                    gr_kg_num_skipped(parts[k]), k ? "test" : "validation");
    return EXIT_OK;
}

static void kg_data_free(kg_data *d)
{
    gr_kg_free(d->train);
    gr_kg_free(d->valid);
    gr_kg_free(d->test);
}

/*
 * Filtered link prediction of `test` by direction, printed (unless quiet)
 * and added to the JSON object.  Both directions hold one query per test
 * triple, so their average over all 2n queries is the mean of the two:
 * the test set is ranked once per direction, not a third time for "both".
 */
static int lp_report(json_out *j, const gr_model *m, const gr_kg *test, const gr_kg *const *known, size_t nk,
                     int quiet)
{
    static const char *const names[GR_LP_COUNT] = { "mrr", "mr", "hits@1", "hits@3", "hits@10" };
    static const char *const prefix[3] = { "", "tail_", "head_" };
    static const char *const label[3] = { "both", "tails", "heads" };
    double out[3][GR_LP_COUNT];
    if (gr_eval_link_prediction(out[1], m, test, known, nk, GR_LP_TAILS) != GR_OK ||
        gr_eval_link_prediction(out[2], m, test, known, nk, GR_LP_HEADS) != GR_OK)
        return cli_lib_error("link prediction");
    for (int q = 0; q < GR_LP_COUNT; q++) out[0][q] = 0.5 * (out[1][q] + out[2][q]);
    for (int k = 0; k < 3; k++) {
        if (!quiet)
            printf("%-6s mrr %.4f  mr %.1f  hits@1 %.4f  hits@3 %.4f  hits@10 %.4f\n", label[k], out[k][GR_LP_MRR],
                   out[k][GR_LP_MR], out[k][GR_LP_HITS1], out[k][GR_LP_HITS3], out[k][GR_LP_HITS10]);
        for (int q = 0; q < GR_LP_COUNT; q++) {
            char key[32];
            snprintf(key, sizeof key, "%s%s", prefix[k], names[q]);
            json_num(j, key, out[k][q]);
        }
    }
    return EXIT_OK;
}

/* Filtered link prediction on the test triples, filtering train, valid and test. */
static int report_lp(json_out *j, const gr_model *m, const kg_data *d, int quiet)
{
    const gr_kg *known[3];
    size_t nk = 0;
    known[nk++] = d->train;
    if (d->valid) known[nk++] = d->valid;
    known[nk++] = d->test;
    return lp_report(j, m, d->test, known, nk, quiet);
}

static void add_stats(json_out *j, const gr_trainer *t, const gr_model *m, kg_progress *p)
{
    double v;
    json_str(j, "model", gr_model_kind_name(gr_model_kind_of(m)));
    if (gr_trainer_stat(&v, t, GR_STAT_EPOCHS) == GR_OK) json_num(j, "epochs", v);
    if (gr_trainer_stat(&v, t, GR_STAT_BEST_EPOCH) == GR_OK) json_num(j, "best_epoch", v);
    if (gr_trainer_stat(&v, t, GR_STAT_BEST_VALID) == GR_OK && !isnan(v)) json_num(j, "valid_mrr", v);
    if (gr_trainer_stat(&v, t, GR_STAT_SECONDS) == GR_OK) json_num(j, "train_seconds", v);
    if (gr_trainer_stat(&v, t, GR_STAT_LOSS) == GR_OK) json_num(j, "loss", v);
    json_num(j, "epoch_seconds_median", median_epoch(p));
    static const char *const holdout_keys[] = { "holdout_edges", "holdout_epochs", "refit" };
    for (size_t k = 0; k < sizeof holdout_keys / sizeof holdout_keys[0]; k++)
        if (gr_model_info(&v, m, holdout_keys[k]) == GR_OK) json_num(j, holdout_keys[k], v);
    double threads = 0;
    gr_trainer_get_double(&threads, t, GR_OPT_THREADS);
    json_num(j, "threads", threads > 0 ? threads : gr_get_num_threads());
}

int cli_train_kg(gr_trainer *t, cli_args *a, int json)
{
    /* under mpirun, rank 0 alone reports, evaluates and saves */
    int quiet = cli_has(a, "quiet") || cli_rank > 0;
    cli_has(a, "triples-valid");
    cli_has(a, "triples-test");
    cli_has(a, "entities");
    cli_has(a, "relations");
    cli_has(a, "no-dicts");
    int rc = cli_apply_settings(t, a);
    if (!rc) rc = cli_check_unused(a, "train");
    if (rc) return rc;
    kg_data d;
    rc = load_kg_data(&d, a, quiet);
    /* a rank that could not read its triples stops them all before training */
    rc = cli_dist_agree(rc);
    double epochs = 0;
    gr_trainer_get_double(&epochs, t, GR_OPT_EPOCHS);
    kg_progress p = { quiet, 0.0, NULL, 0, 0 };
    cli_trials trials;
    memset(&trials, 0, sizeof trials);
    p.cap = epochs < 100000 ? (int)epochs : 100000;
    p.epoch_seconds = calloc((size_t)p.cap + 1, sizeof(double));
    if (!rc && !p.epoch_seconds) rc = cli_usage_error("out of memory");
    gr_model *m = NULL;
    if (!rc) {
        gr_trainer_set_progress(t, on_epoch, &p);
        cli_trials_begin(&trials, quiet, 0, NULL, &p.last);
        gr_trainer_set_trial_callback(t, cli_on_trial, &trials);
        if (gr_kg_fit(&m, t, d.train, d.valid) != GR_OK) rc = cli_lib_error("training");
    }
    json_out j;
    json_begin(&j);
    if (!rc) {
        add_stats(&j, t, m, &p);
        cli_trials_end(&trials, &j, m, json);
        cli_report_kept(t, m, quiet, json);
        double held = 0, refit = 0, epoch = 0, best = 0;
        if (!json && gr_model_info(&held, m, "holdout_edges") == GR_OK && held > 0) {
            gr_model_info(&refit, m, "refit");
            gr_trainer_stat(&epoch, t, GR_STAT_BEST_EPOCH);
            gr_trainer_stat(&best, t, GR_STAT_BEST_VALID);
            printf("validated on %.0f held-out training triples: best epoch %.0f, mrr %.4f; %s\n", held, epoch, best,
                   refit ? "refitted on all the training triples" : "kept the validated parameters");
        }
    }
    if (!rc && d.test && cli_rank == 0) {
        double t0 = 0, t1 = 0;
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        t0 = (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
        rc = report_lp(&j, m, &d, json);
        clock_gettime(CLOCK_MONOTONIC, &ts);
        t1 = (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
        if (!rc) json_num(&j, "eval_seconds", t1 - t0);
    }
    const char *out = cli_get(a, "out");
    if (!rc && out && cli_rank == 0 && gr_model_save(m, out) != GR_OK) rc = cli_lib_error("saving the model");
    if (!rc && out) json_str(&j, "out", out);
    if (!rc && json) json_end_print(&j);
    else free(j.buf);
    if (rc) free(trials.list.buf);
    free(p.epoch_seconds);
    gr_model_free(m);
    kg_data_free(&d);
    return rc;
}

/* ---- gnnrec eval --triples-test ---- */

int cli_eval_kg(cli_args *a, int json)
{
    const char *path = cli_get(a, "model"), *test_path = cli_get(a, "triples-test");
    const char *known_list = cli_get(a, "triples-known");
    if (!path) return cli_usage_error("gnnrec eval needs --model MODEL");
    int rc = known_list ? cli_check_list("triples-known", known_list) : EXIT_OK;
    if (!rc) rc = cli_check_unused(a, "eval");
    if (rc) return rc;
    gr_model *m = NULL;
    if (gr_model_load(&m, path) != GR_OK) return cli_lib_error("loading the model");
    kg_data d;
    memset(&d, 0, sizeof d);
    const gr_kg *train;
    if (gr_model_kg(&train, m) != GR_OK) rc = cli_lib_error("--triples-test");
    if (!rc && gr_kg_load_like(&d.test, train, test_path) != GR_OK) rc = cli_lib_error("loading test triples");
    /* the known triples: the model's, the test file's, and each of --triples-known */
    gr_kg *extra[8] = { NULL };
    const gr_kg *known[10];
    size_t nk = 0, ne = 0;
    if (!rc) {
        known[nk++] = train;
        known[nk++] = d.test;
    }
    char list[4096];
    snprintf(list, sizeof list, "%s", known_list ? known_list : "");
    for (char *f = strtok(list, ","); !rc && f; f = strtok(NULL, ",")) {
        if (ne == 8) rc = cli_usage_error("--triples-known: at most 8 files");
        else if (gr_kg_load_like(&extra[ne], train, f) != GR_OK) rc = cli_lib_error("loading known triples");
        else known[nk++] = extra[ne++];
    }
    json_out j;
    json_begin(&j);
    json_str(&j, "model", gr_model_kind_name(gr_model_kind_of(m)));
    if (!rc) rc = lp_report(&j, m, d.test, known, nk, json);
    if (!rc && json) json_end_print(&j);
    else free(j.buf);
    for (size_t k = 0; k < ne; k++) gr_kg_free(extra[k]);
    gr_kg_free(d.test);
    gr_model_free(m);
    return rc;
}
