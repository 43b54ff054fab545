/* gnnrec info: what a model file holds. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const cli_flag_doc info_flags[] = {
    { "model", "MODEL", "the model file" },
    { "json", NULL, "one JSON object instead of one line per entry" },
    { "help", NULL, "this list" },
};

/* Info entries that hold the index of a name, printed as the name. */
static const char *named_value(const char *key, double v)
{
    static const char *const modes[] = { "paper", "fast", "sampled", "auto" }, *const objectives[] = { "bpr", "rating" };
    if (v != floor(v) || v < 0 || v > 3) return NULL;
    if (!strcmp(key, "mode")) return modes[(int)v];
    if (v > 1) return NULL;
    if (!strcmp(key, "objective")) return objectives[(int)v];
    return NULL;
}

static void entry_num(json_out *j, int json, const char *key, double v)
{
    if (json) json_num(j, key, v);
    else printf("%-14s %.10g\n", key, v);
}

static void entry_str(json_out *j, int json, const char *key, const char *v)
{
    if (json) json_str(j, key, v);
    else printf("%-14s %s\n", key, v);
}

int cmd_info(int argc, char **argv)
{
    cli_args a;
    int rc = cli_parse(&a, argc, argv, "json,help");
    if (rc) return rc;
    if (cli_has(&a, "help")) {
        cli_print_help("usage: gnnrec info --model MODEL [--json]\n", info_flags, sizeof info_flags / sizeof info_flags[0]);
        return EXIT_OK;
    }
    const char *path = cli_get(&a, "model");
    int json = cli_has(&a, "json");
    if (!path) return cli_usage_error("gnnrec info needs --model MODEL");
    if ((rc = cli_check_unused(&a, "info"))) return rc;
    gr_model *m;
    if (gr_model_load(&m, path) != GR_OK) return cli_lib_error("loading the model");
    const gr_graph *g = gr_model_graph(m);
    static const char *const keys[] = { "layers", "epochs", "best_epoch", "lr", "reg", "batch", "seed", "mode",
                                        "objective", "rating_min", "rating_max", "train_seconds", "holdout",
                                        "holdout_edges", "holdout_epochs", "valid_epoch", "valid_recall",
                                        "valid_precision", "valid_ndcg", "valid_hit", "valid_mrr", "valid_rmse",
                                        "refit", "warm_steps", "warm_lr", "rank", "alpha", "order", "phi", "eps", "skew", "norm_exp", "norm_shift", "shape", "tail",
                                        "svd_iters", "oversample", "lambda", "gram_users", "negatives", "wd", "gamma", "adv_temp", "budget", "search_trials", "search_epochs",
                                        "temperature", "ranks", "dist_bytes_sent", "updated" };
    json_out j;
    json_begin(&j);
    entry_str(&j, json, "model", gr_model_kind_name(gr_model_kind_of(m)));
    entry_num(&j, json, "users", (double)gr_graph_num_users(g));
    entry_num(&j, json, "items", (double)gr_graph_num_items(g));
    entry_num(&j, json, "edges", (double)gr_graph_num_edges(g));
    entry_str(&j, json, "ids", gr_graph_has_names(g) ? "names" : "integers");
    /* a knowledge-graph model: the triples it was trained on */
    const gr_kg *kg;
    int kind = gr_model_kind_of(m);
    if (kind >= GR_MODEL_TRANSE && kind <= GR_MODEL_COMPLEX && gr_model_kg(&kg, m) == GR_OK) {
        entry_num(&j, json, "entities", (double)gr_kg_num_entities(kg));
        entry_num(&j, json, "relations", (double)gr_kg_num_relations(kg));
        entry_num(&j, json, "triples", (double)gr_kg_num_triples(kg));
    }
    entry_num(&j, json, "dim", (double)gr_model_dim(m));
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        double v;
        if (gr_model_info(&v, m, keys[k]) != GR_OK) continue;
        const char *name = named_value(keys[k], v);
        if (name) entry_str(&j, json, keys[k], name);
        else entry_num(&j, json, keys[k], v);
    }
    if (json) json_end_print(&j);
    else free(j.buf);
    gr_model_free(m);
    return EXIT_OK;
}
