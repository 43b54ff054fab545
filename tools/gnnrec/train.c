/* gnnrec train: fit a model, report progress, evaluate, save. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *const train_help =
    "usage: gnnrec train --model KIND (--train FILE [--valid FILE] [--test FILE] | --dataset DIR) [options]\n"
    "  --model lightgcn|mf|...   model kind (default lightgcn); training-free: gfcf, cheby, ease\n"
    "                            (--alpha --rank --order --phi --eps --search 0|1; ease --lambda; docs/filters.md)\n"
    "  --train/--valid/--test F  pre-split interaction files (same id space)\n"
    "  --dataset DIR             a MovieLens directory, split by --split ratio|loo|random\n"
    "                            (--test-ratio 0.1 --valid-ratio 0.1 --split-seed 42)\n"
    "  --format F --min-rating R --no-metadata --items F --users F   data options\n"
    "  --epochs --dim --layers --lr --batch --reg --seed --threads --mode fast|paper\n"
    "                            (LightGCN trains with the fast schedule unless --mode paper;\n"
    "                            docs/training.md)\n"
    "  --negatives --eval-every --patience --eval-k --init-std   training settings\n"
    "  --valid-metric ndcg|recall|precision|hit|mrr   what validation maximises (default ndcg)\n"
    "  --set KEY=VALUE           any trainer setting by name (repeatable)\n"
    "  --out MODEL               save the trained model\n"
    "  --k 10,20                 cut-offs of the test metrics\n"
    "  --json                    print one JSON object as the last line\n"
    "  --quiet                   no per-epoch progress on stderr\n"
    "knowledge graphs (--model transe|distmult|rotate|complex):\n"
    "  --triples-train F [--triples-valid F] [--triples-test F]   head<TAB>relation<TAB>tail files;\n"
    "                            entities.dict/relations.dict beside them fix the ids (--no-dicts: not)\n"
    "  --gamma --adv-temp --loss adversarial|margin --sampling filtered|uniform --norm 1|2\n"
    "  --lr-schedule constant|step|cosine --valid-sample N --time-limit S   KG settings (docs/kg.md)\n";

typedef struct progress_ctx {
    int quiet, eval_k;
    const char *metric; /* the validation metric's name */
    int rmse; /* the trainer validates on -RMSE (GraphSAGE on ratings) */
} progress_ctx;

static int on_epoch(void *ud, int epoch, double loss, double seconds, double metric)
{
    progress_ctx *p = ud;
    if (p->quiet) return 0;
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
    { "time-limit", "time_limit" },
};

static int set_or_usage(gr_trainer *t, const char *name, const char *value)
{
    if (gr_trainer_set(t, name, value) != GR_OK) return cli_usage_error("%s", gr_last_error());
    return EXIT_OK;
}

/* Settings from the named flags, --set KEY=VALUE, and any other flag the
 * trainer of this kind knows ("--fanouts 10,5" sets "fanouts"). */
int cli_apply_settings(gr_trainer *t, cli_args *a)
{
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

static int run_training(gr_model **m, gr_trainer *t, cli_data *d, cli_args *a, int kind)
{
    progress_ctx p = { cli_has(a, "quiet"), 20, valid_metric_name(t), validates_rmse(t, kind) };
    double k;
    if (gr_trainer_get_double(&k, t, GR_OPT_EVAL_K) == GR_OK) p.eval_k = (int)k;
    gr_trainer_set_progress(t, on_epoch, &p);
    if (d->valid) gr_trainer_set_validation(t, d->valid);
    if (gr_trainer_fit(m, t, d->train) != GR_OK) return cli_lib_error("training");
    return EXIT_OK;
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
}

static int train_with(gr_trainer *t, cli_args *a, int json, int kind)
{
    cli_data d;
    int rc = cli_apply_settings(t, a);
    if (!rc) rc = cli_check_unused(a, "train");
    if (rc) return rc;
    rc = cli_load_data(&d, a);
    gr_model *m = NULL;
    if (!rc) rc = run_training(&m, t, &d, a, kind);
    json_out j;
    json_begin(&j);
    if (!rc) {
        add_stats(&j, t, m);
        double secs = 0;
        gr_trainer_stat(&secs, t, GR_STAT_SECONDS);
        if (!json) printf("trained %s in %.1f s\n", gr_model_kind_name(gr_model_kind_of(m)), secs);
    }
    if (!rc && d.test) rc = cli_report_metrics(&j, m, d.train, d.test, a, json);
    const char *out = cli_get(a, "out");
    if (!rc && out && gr_model_save(m, out) != GR_OK) rc = cli_lib_error("saving the model");
    if (!rc && out) json_str(&j, "out", out);
    if (!rc && json) json_end_print(&j);
    else free(j.buf);
    gr_model_free(m);
    cli_data_free(&d);
    return rc;
}

int cmd_train(int argc, char **argv)
{
    cli_args a;
    int rc = cli_parse(&a, argc, argv, "json,quiet,no-metadata,help,no-dicts");
    if (rc) return rc;
    if (cli_has(&a, "help")) {
        fputs(train_help, stdout);
        return EXIT_OK;
    }
    const char *kind_name = cli_get(&a, "model");
    int kind = GR_MODEL_LIGHTGCN;
    if (kind_name && gr_model_kind_from_name(&kind, kind_name) != GR_OK) return cli_usage_error("--model: %s", gr_last_error());
    /* data and output flags are read later; mark them as known now */
    cli_mark_data_flags(&a);
    cli_has(&a, "out");
    cli_has(&a, "k");
    cli_has(&a, "quiet");
    gr_trainer *t;
    if (gr_trainer_new(&t, kind) != GR_OK) return cli_lib_error("creating the trainer");
    if (cli_get(&a, "triples-train")) rc = cli_train_kg(t, &a, cli_has(&a, "json"));
    else rc = train_with(t, &a, cli_has(&a, "json"), kind);
    gr_trainer_free(t);
    return rc;
}
