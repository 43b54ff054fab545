/* gnnrec eval, and the metric report shared with gnnrec train. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char *const cli_metric_names[GR_METRIC_COUNT] = { "recall", "precision", "ndcg", "hit", "mrr" };

static const char *const eval_usage =
    "usage: gnnrec eval --model MODEL --test FILE [--k 10,20] [data options] [--json]\n"
    "  Ranks all items for every user of the test file, the model's training items\n"
    "  excluded, and reports Recall, Precision, NDCG, Hit and MRR at each cut-off;\n"
    "  RMSE and MAE as well for models trained on ratings.\n"
    "usage: gnnrec eval --model MODEL --triples-test FILE [--triples-known F,F,...] [--json]\n"
    "  KG models: filtered link prediction; the model's training triples, the test\n"
    "  triples and those of --triples-known (valid.txt) are filtered.\n";

static const cli_flag_doc eval_flags[] = {
    { "model", "MODEL", "the model file" },
    { "test", "FILE", "test interactions, read in the model's id space" },
    { "k", "K,...", "cut-offs (10,20), at most the number of items" },
    { "format", "F", "auto, adjacency, ml100k, ml1m, csv, delimited" },
    { "min-rating", "R", "keep interactions rated at least R (0: all)" },
    { "triples-test", "FILE", "KG models: test triples" },
    { "triples-known", "F,F,...", "KG models: more known triples to filter (valid.txt)" },
    { "json", NULL, "print one JSON object as the last line" },
    { "help", NULL, "this list" },
};

static int rating_model(const gr_model *m)
{
    double obj;
    return gr_model_info(&obj, m, "objective") == GR_OK && obj == GR_OBJECTIVE_RATING;
}

static int report_rating(json_out *j, const gr_model *m, const gr_graph *test, int quiet)
{
    double rmse, mae;
    if (gr_eval_rating(&rmse, &mae, m, test) != GR_OK) return cli_lib_error("rating evaluation");
    if (!quiet) printf("rmse %.4f  mae %.4f\n", rmse, mae);
    json_num(j, "rmse", rmse);
    json_num(j, "mae", mae);
    return EXIT_OK;
}

int cli_report_metrics(json_out *j, const gr_model *m, const gr_graph *exclude, const gr_graph *test, cli_args *a,
                       int quiet)
{
    int ks[16];
    size_t nk;
    const char *ktext = cli_get(a, "k");
    int rc = cli_parse_ks(ktext ? ktext : "10,20", ks, 16, &nk);
    if (rc) return rc;
    if (rating_model(m) && gr_graph_has_ratings(test) && (rc = report_rating(j, m, test, quiet))) return rc;
    double out[16 * GR_METRIC_COUNT];
    size_t users;
    if (gr_eval_ranking(out, &users, m, exclude, test, ks, nk) != GR_OK) return cli_lib_error("ranking evaluation");
    for (size_t c = 0; c < nk; c++) {
        if (!quiet) printf("@%-3d", ks[c]);
        for (int q = 0; q < GR_METRIC_COUNT; q++) {
            char key[32];
            snprintf(key, sizeof key, "%s@%d", cli_metric_names[q], ks[c]);
            json_num(j, key, out[c * GR_METRIC_COUNT + q]);
            if (!quiet) printf("  %s %.4f", cli_metric_names[q], out[c * GR_METRIC_COUNT + q]);
        }
        if (!quiet) printf("\n");
    }
    json_num(j, "users", (double)users);
    return EXIT_OK;
}

int cmd_eval(int argc, char **argv)
{
    cli_args a;
    int rc = cli_parse(&a, argc, argv, "json,help,no-metadata");
    if (rc) return rc;
    if (cli_has(&a, "help")) {
        cli_print_help(eval_usage, eval_flags, sizeof eval_flags / sizeof eval_flags[0]);
        return EXIT_OK;
    }
    /* a test file is read in the model's id space, with the model's metadata:
     * --no-metadata, --items and --users have nothing to act on */
    static const char *const interaction_flags[] = { "test", "k", "format", "min-rating" };
    if (cli_get(&a, "triples-test")) {
        rc = cli_reject(&a, interaction_flags, sizeof interaction_flags / sizeof interaction_flags[0],
                        "with --triples-test (link prediction reports fixed cut-offs)");
        return rc ? rc : cli_eval_kg(&a, cli_has(&a, "json"));
    }
    static const char *const kg_flags[] = { "triples-known" };
    if ((rc = cli_reject(&a, kg_flags, 1, "without --triples-test"))) return rc;
    const char *path = cli_get(&a, "model"), *test_path = cli_get(&a, "test");
    const char *ktext = cli_get(&a, "k");
    for (size_t k = 2; k < sizeof interaction_flags / sizeof interaction_flags[0]; k++) cli_has(&a, interaction_flags[k]);
    int json = cli_has(&a, "json");
    if (!path || !test_path) return cli_usage_error("gnnrec eval needs --model MODEL and --test FILE");
    if ((rc = cli_check_unused(&a, "eval"))) return rc;
    int ks[16];
    size_t nk;
    if ((rc = cli_parse_ks(ktext ? ktext : "10,20", ks, 16, &nk))) return rc;
    gr_model *m;
    if (gr_model_load(&m, path) != GR_OK) return cli_lib_error("loading the model");
    for (size_t c = 0; !rc && c < nk; c++) rc = cli_check_k(ks[c], gr_graph_num_items(gr_model_graph(m)), "items in the model");
    gr_graph *test = NULL;
    if (!rc) rc = cli_load_like(&test, gr_model_graph(m), test_path, &a);
    json_out j;
    json_begin(&j);
    json_str(&j, "model", gr_model_kind_name(gr_model_kind_of(m)));
    if (!rc) rc = cli_report_metrics(&j, m, gr_model_graph(m), test, &a, json);
    if (!rc && json) json_end_print(&j);
    else free(j.buf);
    gr_graph_free(test);
    gr_model_free(m);
    return rc;
}
