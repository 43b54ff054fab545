/* gnnrec info: what a model file holds. */
#include "cli.h"

int cmd_info(int argc, char **argv)
{
    cli_args a;
    int rc = cli_parse(&a, argc, argv, "json,help");
    if (rc) return rc;
    if (cli_has(&a, "help")) {
        puts("usage: gnnrec info --model MODEL [--json]");
        return EXIT_OK;
    }
    const char *path = cli_get(&a, "model");
    if (!path) return cli_usage_error("gnnrec info needs --model MODEL");
    if ((rc = cli_check_unused(&a, "info"))) return rc;
    gr_model *m;
    if (gr_model_load(&m, path) != GR_OK) return cli_lib_error("loading the model");
    const gr_graph *g = gr_model_graph(m);
    static const char *const keys[] = { "dim",    "layers", "epochs", "best_epoch", "lr",    "reg",
                                        "batch",  "seed",   "mode",   "objective",  "rank",  "alpha",
                                        "order",  "phi",    "eps",    "svd_iters",  "lambda", "train_seconds" };
    json_out j;
    json_begin(&j);
    json_str(&j, "model", gr_model_kind_name(gr_model_kind_of(m)));
    json_num(&j, "users", (double)gr_graph_num_users(g));
    json_num(&j, "items", (double)gr_graph_num_items(g));
    json_num(&j, "edges", (double)gr_graph_num_edges(g));
    json_num(&j, "dim", (double)gr_model_dim(m));
    for (size_t k = 1; k < sizeof keys / sizeof keys[0]; k++) {
        double v;
        if (gr_model_info(&v, m, keys[k]) == GR_OK) json_num(&j, keys[k], v);
    }
    /* the description is a JSON object either way; --json is accepted for symmetry */
    json_end_print(&j);
    gr_model_free(m);
    return EXIT_OK;
}
