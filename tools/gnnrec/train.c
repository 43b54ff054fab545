/* gnnrec train: fit a model, report progress, evaluate, save. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *const train_usage =
    "usage: gnnrec train [--model KIND] (--train FILE [--valid FILE] [--test FILE] | --dataset DIR\n"
    "                    | --triples-train FILE [--triples-valid FILE] [--triples-test FILE]) [options]\n";

/* The flags of gnnrec train: --help prints this table. */
static const cli_flag_doc train_flags[] = {
    { "model", "KIND", "lightgcn (default), mf, graphsage, transe, distmult, rotate, complex; training-free: gfcf, cheby, ease" },
    { NULL, NULL, "user-item data (every kind):" },
    { "train", "FILE", "training interactions; --valid FILE, --test FILE in its id space" },
    { "valid", "FILE", "validation interactions: early stopping on the best validated epoch" },
    { "test", "FILE", "test interactions: metrics printed after training" },
    { "dataset", "DIR", "a MovieLens directory (or file), split here by --split" },
    { "split", "METHOD", "ratio (per user, default), loo (latest edge per user), random" },
    { "test-ratio", "R", "share held out for test (0.1; ratio and random)" },
    { "valid-ratio", "R", "share held out for validation (0.1; 0: none)" },
    { "split-seed", "N", "seed of the split (42)" },
    { "format", "F", "auto, adjacency, ml100k, ml1m, csv, delimited (--train/--valid/--test files)" },
    { "ids", "K", "auto, integers, names: what the user and item fields hold (auto: names when the first row's are not integers)" },
    { "min-rating", "R", "keep interactions rated at least R (0: all)" },
    { "no-metadata", NULL, "do not read titles, genres, years, demographics beside the data" },
    { "items", "FILE", "item metadata file (u.item, movies.dat, movies.csv)" },
    { "users", "FILE", "user metadata file (u.user, users.dat)" },
    { "k", "K,...", "cut-offs of the test metrics (10,20), at most the number of items" },
    { NULL, NULL, "knowledge-graph data (transe, distmult, rotate, complex; docs/kg.md):" },
    { "triples-train", "FILE", "head<TAB>relation<TAB>tail training triples" },
    { "triples-valid", "FILE", "validation triples: filtered MRR every --eval-every epochs" },
    { "triples-test", "FILE", "test triples: filtered link-prediction metrics" },
    { "entities", "FILE", "entity dictionary (default: entities.dict beside --triples-train)" },
    { "relations", "FILE", "relation dictionary (default: relations.dict beside it)" },
    { "no-dicts", NULL, "do not read the dictionaries beside the triples" },
    { NULL, NULL, "settings of every kind (defaults differ by kind; docs/api.md):" },
    { "epochs", "N", "maximum epochs (LightGCN/MF fast schedule: full-batch steps, 200; LightGCN sampled schedule: 250)" },
    { "dim", "N", "embedding dimension (64)" },
    { "layers", "N", "propagation layers (LightGCN 3, MF 0, GraphSAGE 2)" },
    { "lr", "X", "Adam learning rate" },
    { "batch", "N", "positives (edges, queries) per mini-batch" },
    { "reg", "X", "L2 weight" },
    { "seed", "N", "random seed (42); same seed, same model at any thread count" },
    { "threads", "N", "threads, used as given (0: the cores other processes leave free)" },
    { "negatives", "N", "sampled negatives per positive" },
    { "eval-every", "N", "epochs between validations" },
    { "patience", "N", "validations without improvement before stopping (10; 0: never)" },
    { "eval-k", "N", "K of the validation metric (20)" },
    { "valid-metric", "M", "what validation maximises: ndcg (default), recall, precision, hit, mrr" },
    { "init-std", "X", "std of the normal initialisation (0.1)" },
    { "time-limit", "S", "stop after S seconds (0: no limit)" },
    { "budget", "SECONDS", "search the kind's main settings on the validation data for this long first (0: off)" },
    { "holdout", "F", "without --valid: share of each user's interactions held out to choose the epoch (0.1; 0: none)" },
    { "holdout-min", "N", "users with fewer interactions keep all of them in training (5)" },
    { "holdout-final", "refit|best|warm", "then retrain on all training data for the chosen epochs (default), keep the validated parameters (GraphSAGE ranking default), or continue from them on all training data (LightGCN and MF default)" },
    { "set", "KEY=VALUE", "any setting by its library name (repeatable)" },
    { NULL, NULL, "LightGCN and MF (docs/training.md):" },
    { "mode", "auto|fast|sampled|paper", "LightGCN/MF schedule: auto (default: fast or sampled by catalogue size), full softmax, sampled softmax, or the paper's" },
    { "sampling", "user|edge", "BPR triples: by user (the reference) or every edge once" },
    { "precision", "auto|float|bfloat16", "fast and sampled schedules: bfloat16 propagation and products, float, or "
                                          "auto: bfloat16 but the fast schedule in float on Intel CPUs without AMX" },
    { NULL, NULL, "GraphSAGE (docs/graphsage.md):" },
    { "objective", "bpr|rating", "ranking loss (default) or squared error on ratings" },
    { "shared-negatives", "N", "objective bpr: items a mini-batch shares as negatives of a sampled softmax (1024; 0: BPR, --negatives per edge)" },
    { "hidden", "N", "width of the hidden layers (64; objective rating: 256)" },
    { "id-dim", "N", "learned id embedding per node (64, objective rating: 16; 0: none)" },
    { "fanout1", "N", "neighbours sampled per target (10; 0: all); --fanout2..4 deeper hops" },
    { "aggregate", "auto|mean|levels", "neighbour means, one per rating level with levels" },
    { "features", "builtin|none", "node features from the metadata and ratings, or none" },
    { "genome", "DIR", "item features from DIR's tag genome and tags.csv (MovieLens 20M/25M/latest); --out M also writes M.genome, M.tags" },
    { "genome-dim", "N", "columns of each --genome block (32)" },
    { "tag-columns", "N", "tags.csv: the N tags on the most movies become columns (512)" },
    { "dropout", "X", "dropout rate (0; objective rating: 0.2)" },
    { "id-dropout", "X", "probability of hiding a node's id embedding (0; objective rating: 0.2)" },
    { "cold-prob", "X", "probability of training a target as a new node" },
    { "bias", "0|1", "per-node biases and a bias output column (1)" },
    { "l2norm", "0|1", "L2-normalise the output embeddings (0)" },
    { "temperature", "X", "objective bpr, shared negatives: the softmax's scores divided by X (1; with --l2norm 1 try 0.2 to 0.3)" },
    { "wd", "X", "L2 weight on the layer weights (0)" },
    { "ema", "X", "decay of the parameter average validation and the model use (0.99; 0: off)" },
    { NULL, NULL, "training-free graph filters (gfcf, cheby, ease; docs/filters.md):" },
    { "alpha", "X", "gfcf, cheby: weight of the ideal low-pass term" },
    { "rank", "N", "gfcf, cheby: singular vectors of the ideal low-pass" },
    { "order", "N", "cheby: order of the Chebyshev polynomial" },
    { "phi", "X", "cheby: exponent of the spectral response" },
    { "eps", "X", "cheby: degree exponent of the normalisation" },
    { "skew", "X", "cheby: output degree exponent minus eps (0: symmetric)" },
    { "norm-exp", "X", "cheby: degree exponent of the normalised matrix whose spectrum is filtered (0.5)" },
    { "norm-shift", "X", "cheby: added to that matrix's degrees, in units of the mean degree (0)" },
    { "shape", "power|plateau|stretched", "cheby: the response the polynomial interpolates (plateau)" },
    { "tail", "0|1", "cheby: exact polynomial on the top rank eigenvectors, affine below (1), or exact everywhere (0)" },
    { "lambda", "X", "ease: ridge weight" },
    { "gram", "K", "ease: the Gram matrix inverted: auto (the cheaper), items (X^T X), users (X X^T, with fewer users than items)" },
    { "search", "0|1", "with validation data, choose the filter's settings from a small grid (1)" },
    { NULL, NULL, "knowledge-graph embeddings (docs/kg.md):" },
    { "gamma", "X", "margin of distance scores" },
    { "adv-temp", "X", "self-adversarial temperature (0: uniform)" },
    { "loss", "adversarial|margin|softmax", "loss (adversarial)" },
    { "sampling", "filtered|uniform", "negatives filtered against known triples, or not" },
    { "norm", "1|2", "TransE distance" },
    { "lr-schedule", "S", "constant, step or cosine (default)" },
    { "valid-sample", "N", "validation triples per validation (0: all)" },
    { "side-info", "0|1", "MovieLens as triples: add genres, decades, demographics (1)" },
    { "like-rating", "R", "MovieLens as triples: edges rated at least R are liked (0: all)" },
    { NULL, NULL, "  any other --NAME VALUE the kind knows as a setting is passed on (--set NAME=VALUE)" },
    { NULL, NULL, "output:" },
    { "out", "MODEL", "save the trained model (atomically)" },
    { "checkpoint", "FILE", "LightGCN, MF, the KG kinds: save the training state to FILE as it goes; run the same command again to resume from it (docs/training.md)" },
    { "checkpoint-every", "N", "epochs between checkpoints (10; also written when training ends or stops)" },
    { "json", NULL, "print one JSON object as the last line" },
    { "quiet", NULL, "no per-epoch progress on stderr" },
    { "help", NULL, "this list" },
};

typedef struct progress_ctx {
    int quiet, eval_k;
    int grid; /* a training-free kind: its trials print as trials (cli_on_trial), not epochs */
    int last_epoch; /* a smaller epoch starts the refit on all the training data */
    const char *metric; /* the validation metric's name */
    int rmse; /* the trainer validates on -RMSE (GraphSAGE on ratings) */
} progress_ctx;

/* The kinds that train nothing: their validation grid's trials stand
 * where other kinds' epochs do. */
static int training_free(int kind) { return kind == GR_MODEL_GFCF || kind == GR_MODEL_CHEBY || kind == GR_MODEL_EASE; }

static int on_epoch(void *ud, int epoch, double loss, double seconds, double metric)
{
    progress_ctx *p = ud;
    if (p->quiet || p->grid) return 0;
    if (epoch <= p->last_epoch) fputs("refit on all the training data for the chosen epochs\n", stderr);
    p->last_epoch = epoch;
    if (isnan(metric)) fprintf(stderr, "epoch %4d  loss %.5f  %8.1fs\n", epoch, loss, seconds);
    else if (p->rmse) fprintf(stderr, "epoch %4d  loss %.5f  %8.1fs  valid rmse %.4f\n", epoch, loss, seconds, -metric);
    else fprintf(stderr, "epoch %4d  loss %.5f  %8.1fs  valid %s@%d %.4f\n", epoch, loss, seconds, p->metric, p->eval_k, metric);
    return 0;
}

/* Flags that name trainer settings directly. */
static const char *const setting_flags[][2] = {
    { "epochs", "epochs" },   { "dim", "dim" },         { "layers", "layers" },         { "lr", "lr" },
    { "batch", "batch" },     { "reg", "reg" },         { "seed", "seed" },             { "threads", "threads" },
    { "mode", "mode" },       { "negatives", "negatives" }, { "eval-every", "eval_every" }, { "patience", "patience" },
    { "eval-k", "eval_k" },   { "init-std", "init_std" }, { "objective", "objective" }, { "dropout", "dropout" },
    { "time-limit", "time_limit" }, { "budget", "budget" },
};

static int set_or_usage(gr_trainer *t, const char *name, const char *value)
{
    if (gr_trainer_set(t, name, value) != GR_OK) return cli_usage_error("%s", gr_last_error());
    return EXIT_OK;
}

/* Settings from the named flags, --set KEY=VALUE, and any other flag the
 * trainer of this kind knows ("--fanout1 5" sets "fanout1"). */
/* --checkpoint FILE [--checkpoint-every N]: resuming is the same command again. */
static int apply_checkpoint(gr_trainer *t, cli_args *a)
{
    const char *path = cli_get(a, "checkpoint");
    long every = 10;
    int rc = cli_long(a, "checkpoint-every", &every, 1, 10000000L);
    if (rc) return rc;
    if (!path && cli_has(a, "checkpoint-every")) return cli_usage_error("--checkpoint-every needs --checkpoint FILE");
    if (path && gr_trainer_set_checkpoint(t, path, (int)every) != GR_OK) return cli_usage_error("--checkpoint: %s", gr_last_error());
    return EXIT_OK;
}

int cli_apply_settings(gr_trainer *t, cli_args *a)
{
    if (apply_checkpoint(t, a)) return EXIT_USAGE;
    for (size_t k = 0; k < sizeof setting_flags / sizeof setting_flags[0]; k++) {
        const char *v = cli_get(a, setting_flags[k][0]);
        if (v && set_or_usage(t, setting_flags[k][1], v)) return EXIT_USAGE;
    }
    for (int k = 0; k < a->n; k++) {
        char name[64];
        const char *value = a->val[k];
        if (strcmp(a->key[k], "set") == 0) {
            a->used[k] = 1;
            const char *eq = value ? strchr(value, '=') : NULL;
            if (!eq || (size_t)(eq - value) >= sizeof name) return cli_usage_error("--set expects KEY=VALUE, got '%s'", value ? value : "");
            memcpy(name, value, (size_t)(eq - value));
            name[eq - value] = '\0';
            if (set_or_usage(t, name, eq + 1)) return EXIT_USAGE;
        } else if (!a->used[k] && value) {
            snprintf(name, sizeof name, "%s", a->key[k]);
            for (char *c = name; *c; c++)
                if (*c == '-') *c = '_';
            if (gr_trainer_set(t, name, value) == GR_OK) a->used[k] = 1;
            else if (strstr(gr_last_error(), "unknown setting") == NULL) return cli_usage_error("--%s: %s", a->key[k], gr_last_error());
        }
    }
    return EXIT_OK;
}

/* GraphSAGE on ratings validates on -RMSE (larger is better) instead of a
 * ranking metric. */
static int validates_rmse(const gr_trainer *t, int kind)
{
    double obj;
    return kind == GR_MODEL_GRAPHSAGE && gr_trainer_get_double(&obj, t, GR_OPT_OBJECTIVE) == GR_OK &&
           obj == GR_OBJECTIVE_RATING;
}

static const char *valid_metric_name(const gr_trainer *t)
{
    double v;
    if (gr_trainer_get_double(&v, t, GR_OPT_VALID_METRIC) != GR_OK || v < 0 || v >= GR_METRIC_COUNT) return "ndcg";
    return cli_metric_names[(int)v];
}

static int run_training(gr_model **m, gr_trainer *t, cli_data *d, cli_args *a, int kind, cli_trials *trials)
{
    /* under mpirun, rank 0 alone reports */
    progress_ctx p = { cli_has(a, "quiet") || cli_rank > 0, 20, training_free(kind), 0, valid_metric_name(t), validates_rmse(t, kind) };
    double k;
    if (gr_trainer_get_double(&k, t, GR_OPT_EVAL_K) == GR_OK) p.eval_k = (int)k;
    gr_trainer_set_progress(t, on_epoch, &p);
    cli_trials_begin(trials, p.quiet, p.rmse, &p.last_epoch, NULL);
    snprintf(trials->label, sizeof trials->label, "%s@%d", p.metric, p.eval_k);
    gr_trainer_set_trial_callback(t, cli_on_trial, trials);
    if (d->valid) gr_trainer_set_validation(t, d->valid);
    if (gr_trainer_fit(m, t, d->train) != GR_OK) return cli_lib_error("training");
    return EXIT_OK;
}

/* Which epoch's parameters the model holds: with validation the best one,
 * which is usually not the last. */
void cli_report_kept(const gr_trainer *t, const gr_model *m, int quiet, int json)
{
    double best = 0, epochs = 0, valid = NAN;
    gr_trainer_stat(&best, t, GR_STAT_BEST_EPOCH);
    gr_trainer_stat(&epochs, t, GR_STAT_EPOCHS);
    gr_trainer_stat(&valid, t, GR_STAT_BEST_VALID);
    int kind = gr_model_kind_of(m);
    /* the training-free kinds run no epochs: each "epoch" is one trial of their validation grid */
    int trials = training_free(kind);
    if (!quiet && !isnan(valid)) {
        if (trials) fprintf(stderr, "kept the settings of trial %.0f (the best validated)\n", best);
        else fprintf(stderr, "kept epoch %.0f of %.0f (the best validated)\n", best, epochs);
    }
    double secs = 0;
    gr_trainer_stat(&secs, t, GR_STAT_SECONDS);
    if (json) return;
    if (trials && !isnan(valid))
        printf("built %s in %.1f s: the settings of validation trial %.0f\n", gr_model_kind_name(kind), secs, best);
    else if (trials)
        printf("built %s in %.1f s\n", gr_model_kind_name(kind), secs);
    else
        printf("trained %s in %.1f s: %.0f epochs, kept epoch %.0f\n", gr_model_kind_name(kind), secs, epochs, best);
}

static void add_stats(json_out *j, const gr_trainer *t, const gr_model *m)
{
    double v;
    json_str(j, "model", gr_model_kind_name(gr_model_kind_of(m)));
    if (gr_trainer_stat(&v, t, GR_STAT_EPOCHS) == GR_OK) json_num(j, "epochs", v);
    if (gr_trainer_stat(&v, t, GR_STAT_BEST_EPOCH) == GR_OK) json_num(j, "best_epoch", v);
    if (gr_trainer_stat(&v, t, GR_STAT_BEST_VALID) == GR_OK && !isnan(v)) {
        if (validates_rmse(t, gr_model_kind_of(m))) json_num(j, "valid_rmse", -v);
        else {
            char key[32];
            snprintf(key, sizeof key, "valid_%s", valid_metric_name(t));
            json_num(j, key, v);
        }
    }
    if (gr_trainer_stat(&v, t, GR_STAT_SECONDS) == GR_OK) json_num(j, "train_seconds", v);
    if (gr_trainer_stat(&v, t, GR_STAT_LOSS) == GR_OK) json_num(j, "loss", v);
    static const char *const holdout_keys[] = { "holdout_edges", "holdout_epochs", "refit", "valid_users" };
    for (size_t k = 0; k < sizeof holdout_keys / sizeof holdout_keys[0]; k++)
        if (gr_model_info(&v, m, holdout_keys[k]) == GR_OK) json_num(j, holdout_keys[k], v);
}

/* One line on how the epoch was chosen on a held-out part of the training data. */
static void print_holdout(const gr_trainer *t, const gr_model *m, int kind)
{
    double held, refit = 0, epoch = 0, best = NAN;
    if (gr_model_info(&held, m, "holdout_edges") != GR_OK || held == 0) return;
    gr_model_info(&refit, m, "refit");
    gr_trainer_stat(&epoch, t, GR_STAT_BEST_EPOCH);
    gr_trainer_stat(&best, t, GR_STAT_BEST_VALID);
    if (validates_rmse(t, kind)) printf("validated on %.0f held-out training interactions: best epoch %.0f, rmse %.4f", held, epoch, -best);
    else {
        double users = 0;
        printf("validated on %.0f held-out training interactions", held);
        if (gr_model_info(&users, m, "valid_users") == GR_OK) printf(" (%.0f users ranked)", users);
        printf(": best %s %.0f, %s %.4f", training_free(kind) ? "trial" : "epoch", epoch, valid_metric_name(t), best);
    }
    double warm = 0;
    if (refit && gr_model_info(&warm, m, "warm_steps") == GR_OK && warm > 0)
        printf("; continued from them on all the training data for %.0f steps\n", warm);
    else puts(refit ? "; refitted on all the training data" : "; kept the validated parameters");
}

/* --k before training, not after it: the cut-offs must fit the catalogue. */
static int check_ks(cli_args *a, const gr_graph *train)
{
    int ks[16];
    size_t nk;
    const char *ktext = cli_get(a, "k");
    int rc = cli_parse_ks(ktext ? ktext : "10,20", ks, 16, &nk);
    for (size_t c = 0; !rc && c < nk; c++)
        rc = cli_check_k(ks[c], gr_graph_num_items(train), "items in the training data");
    return rc;
}

static int train_with(gr_trainer *t, cli_args *a, int json, int kind)
{
    cli_data d;
    int rc = cli_apply_settings(t, a);
    if (!rc) rc = cli_check_unused(a, "train");
    if (rc) return rc;
    rc = cli_load_data(&d, a);
    if (!rc && d.test) rc = check_ks(a, d.train);
    cli_genome gn = { { NULL, NULL } };
    if (!rc) rc = cli_genome_features(&gn, t, d.train, a, kind);
    /* under mpirun: a rank that could not read its data stops them all
     * before training, where the others would wait for it */
    rc = cli_dist_agree(rc);
    gr_model *m = NULL;
    cli_trials trials;
    memset(&trials, 0, sizeof trials);
    if (!rc) rc = run_training(&m, t, &d, a, kind, &trials);
    json_out j;
    json_begin(&j);
    if (!rc) {
        add_stats(&j, t, m);
        cli_trials_end(&trials, &j, m, json);
        cli_report_kept(t, m, cli_has(a, "quiet") || cli_rank > 0, json);
        if (!json) print_holdout(t, m, kind);
    }
    /* every rank holds the same model: rank 0 evaluates and writes it */
    if (!rc && d.test && cli_rank == 0) rc = cli_report_metrics(&j, m, d.train, d.test, a, json);
    const char *out = cli_get(a, "out");
    if (!rc && out && cli_rank == 0 && gr_model_save(m, out) != GR_OK) rc = cli_lib_error("saving the model");
    if (!rc && out && cli_rank == 0) rc = cli_genome_save(&gn, out);
    if (!rc && out) json_str(&j, "out", out);
    if (!rc && json) json_end_print(&j);
    else free(j.buf);
    if (rc) free(trials.list.buf);
    gr_model_free(m);
    cli_genome_free(&gn);
    cli_data_free(&d);
    return rc;
}

int cmd_train(int argc, char **argv)
{
    cli_args a;
    int rc = cli_parse(&a, argc, argv, "json,quiet,no-metadata,help,no-dicts");
    if (rc) return rc;
    if (cli_has(&a, "help")) {
        cli_print_help(train_usage, train_flags, sizeof train_flags / sizeof train_flags[0]);
        return EXIT_OK;
    }
    const char *kind_name = cli_get(&a, "model");
    int kind = GR_MODEL_LIGHTGCN;
    if (kind_name && gr_model_kind_from_name(&kind, kind_name) != GR_OK) return cli_usage_error("--model: %s", gr_last_error());
    /* triple files and interaction data take different flags: one kind's flag
     * given with the other kind of data would be silently ignored */
    static const char *const interaction_flags[] = { "train", "valid", "test", "dataset", "format", "ids", "min-rating",
                                                     "no-metadata", "items", "users", "split", "test-ratio",
                                                     "valid-ratio", "split-seed", "k", "genome", "genome-dim",
                                                     "tag-columns" };
    static const char *const triple_flags[] = { "triples-valid", "triples-test", "entities", "relations", "no-dicts" };
    int triples = cli_get(&a, "triples-train") != NULL;
    if (triples) rc = cli_reject(&a, interaction_flags, sizeof interaction_flags / sizeof interaction_flags[0],
                                 "with --triples-train (it reads user-item data)");
    else rc = cli_reject(&a, triple_flags, sizeof triple_flags / sizeof triple_flags[0],
                         "without --triples-train (it reads triple files)");
    if (rc) return rc;
    /* data and output flags are read later; mark them as known now */
    if (!triples) cli_mark_data_flags(&a);
    cli_has(&a, "out");
    cli_has(&a, "k");
    cli_has(&a, "genome");
    cli_has(&a, "genome-dim");
    cli_has(&a, "tag-columns");
    cli_has(&a, "quiet");
    if (cli_dist_comm() && kind == GR_MODEL_GRAPHSAGE)
        return cli_usage_error("under an MPI launcher gnnrec train trains lightgcn, mf, transe, distmult, rotate, "
                               "complex, gfcf, cheby and ease (docs/distributed.md)");
    gr_trainer *t;
    if (gr_trainer_new(&t, kind) != GR_OK) return cli_lib_error("creating the trainer");
    if (cli_dist_comm() && gr_trainer_set_comm(t, cli_dist_comm()) != GR_OK) {
        gr_trainer_free(t);
        return cli_lib_error("joining the MPI ranks");
    }
    if (triples) rc = cli_train_kg(t, &a, cli_has(&a, "json"));
    else rc = train_with(t, &a, cli_has(&a, "json"), kind);
    gr_trainer_free(t);
    return rc;
}
