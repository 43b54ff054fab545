/* gnnrec update: a saved model updated with new interactions; a
 * knowledge-graph model trained on triples, with new triples. */
#include <stdlib.h>

#include "cli.h"

static const char *const update_usage = "usage: gnnrec update --model MODEL --add FILE --out MODEL2 [options]\n";

/* The flags of gnnrec update: --help prints this table. */
static const cli_flag_doc update_flags[] = {
    { "model", "MODEL", "the saved model (left as it is): any kind; a KG model trained on triples takes triples" },
    { "add", "FILE", "new interactions (new users and items are appended); for a KG model trained on triples, triples HEAD<TAB>RELATION<TAB>TAIL by name (new entities and relations are appended)" },
    { "out", "MODEL2", "where the updated model is saved (atomically)" },
    { "format", "F", "how to read FILE, as gnnrec train" },
    { "ids", "K", "FILE's ids: integers or names (default: the model's kind)" },
    { "min-rating", "R", "keep interactions of FILE rated at least R (0: all)" },
    { "no-metadata", NULL, "do not read titles, genres, years, demographics beside FILE" },
    { "genome", "DIR", "GraphSAGE trained with --genome DIR: the new items' features from DIR's tag genome and tags.csv, by the projections beside MODEL" },
    { "epochs", "N", "LightGCN, MF: steps of the warm-started schedule (50 fast steps by default); GraphSAGE, KG models: its epochs (4; 8 for a KG model of interactions)" },
    { "lr", "X", "its learning rate (LightGCN, MF 0.05; GraphSAGE twice its fit's); other training flags and --set KEY=VALUE as gnnrec train" },
    { "json", NULL, "print one JSON object as the last line" },
    { "help", NULL, "this list" },
};

static int report(const gr_model *before, const gr_model *after, const gr_trainer *t, const char *out, int json)
{
    const gr_graph *g0 = gr_model_graph(before), *g1 = gr_model_graph(after);
    double secs = 0;
    gr_trainer_stat(&secs, t, GR_STAT_SECONDS);
    size_t nu = gr_graph_num_users(g1), ni = gr_graph_num_items(g1), ne = gr_graph_num_edges(g1);
    size_t du = nu - gr_graph_num_users(g0), di = ni - gr_graph_num_items(g0);
    if (!json) {
        printf("updated %s: %zu users (+%zu), %zu items (+%zu), %zu edges, in %.1f s; saved to %s\n",
               gr_model_kind_name(gr_model_kind_of(after)), nu, du, ni, di, ne, secs, out);
        return EXIT_OK;
    }
    json_out j;
    json_begin(&j);
    json_str(&j, "model", gr_model_kind_name(gr_model_kind_of(after)));
    json_num(&j, "users", (double)nu);
    json_num(&j, "new_users", (double)du);
    json_num(&j, "items", (double)ni);
    json_num(&j, "new_items", (double)di);
    json_num(&j, "edges", (double)ne);
    json_num(&j, "train_seconds", secs);
    json_end_print(&j);
    return EXIT_OK;
}

static int report_kg(const gr_model *before, const gr_model *after, const gr_trainer *t, const char *out, int json)
{
    const gr_kg *k0, *k1;
    gr_model_kg(&k0, before);
    gr_model_kg(&k1, after);
    double secs = 0;
    gr_trainer_stat(&secs, t, GR_STAT_SECONDS);
    size_t ne = gr_kg_num_entities(k1), nr = gr_kg_num_relations(k1), n = gr_kg_num_triples(k1);
    size_t de = ne - gr_kg_num_entities(k0), dr = nr - gr_kg_num_relations(k0), dn = n - gr_kg_num_triples(k0);
    if (!json) {
        printf("updated %s: %zu entities (+%zu), %zu relations (+%zu), %zu triples (+%zu), in %.1f s; saved to %s\n",
               gr_model_kind_name(gr_model_kind_of(after)), ne, de, nr, dr, n, dn, secs, out);
        return EXIT_OK;
    }
    json_out j;
    json_begin(&j);
    json_str(&j, "model", gr_model_kind_name(gr_model_kind_of(after)));
    json_num(&j, "entities", (double)ne);
    json_num(&j, "new_entities", (double)de);
    json_num(&j, "relations", (double)nr);
    json_num(&j, "new_relations", (double)dr);
    json_num(&j, "triples", (double)n);
    json_num(&j, "new_triples", (double)dn);
    json_num(&j, "train_seconds", secs);
    json_end_print(&j);
    return EXIT_OK;
}

/* A KG model trained on triples, updated with the triples of FILE by name. */
static int update_kg(gr_model *m, gr_trainer *t, const char *add, const char *out, int json)
{
    gr_kg_load_options o = GR_KG_LOAD_OPTIONS_INIT;
    o.dicts = 0; /* names alone: the model's id space is extended by them */
    gr_kg *added = NULL;
    gr_model *m2 = NULL;
    int rc = EXIT_OK;
    if (gr_kg_load(&added, add, &o) != GR_OK) rc = cli_lib_error("loading the new triples");
    if (!rc && gr_model_update_kg(&m2, m, added, t) != GR_OK) rc = cli_lib_error("updating the model");
    if (!rc && gr_model_save(m2, out) != GR_OK) rc = cli_lib_error("saving the model");
    if (!rc) rc = report_kg(m, m2, t, out, json);
    gr_model_free(m2);
    gr_kg_free(added);
    return rc;
}

/* Whether m is a KG model trained on triples (not on a user-item graph). */
static int is_triple_model(const gr_model *m)
{
    const gr_kg *kg;
    return gr_model_kg(&kg, m) == GR_OK && gr_graph_num_users(gr_model_graph(m)) == 0;
}

static int update(gr_model *m, cli_args *a, const char *path, const char *add, const char *out, int json)
{
    gr_trainer *t = NULL;
    if (gr_trainer_new(&t, gr_model_kind_of(m)) != GR_OK) return cli_lib_error("gnnrec update");
    int rc = cli_apply_settings(t, a);
    /* the data flags cli_load reads below are known, not unused */
    static const char *const load_flags[] = { "format", "ids", "min-rating", "no-metadata" };
    for (size_t k = 0; k < sizeof load_flags / sizeof load_flags[0]; k++) cli_has(a, load_flags[k]);
    if (!rc && is_triple_model(m)) {
        rc = cli_reject(a, load_flags, sizeof load_flags / sizeof load_flags[0],
                        "to the triples of a knowledge-graph model");
        if (!rc) rc = cli_check_unused(a, "update");
        if (!rc) rc = update_kg(m, t, add, out, json);
        gr_trainer_free(t);
        return rc;
    }
    const char *genome = cli_get(a, "genome");
    if (!rc && genome && gr_model_kind_of(m) != GR_MODEL_GRAPHSAGE)
        rc = cli_usage_error("--genome applies to a GraphSAGE model (its item features)");
    if (!rc) rc = cli_check_unused(a, "update");
    gr_graph *added = NULL;
    gr_model *m2 = NULL;
    if (!rc) rc = cli_load(&added, add, a, gr_model_graph(m));
    if (!rc && genome) rc = cli_genome_new_items(t, m, added, path, genome);
    if (!rc && gr_model_update(&m2, m, added, t) != GR_OK) rc = cli_lib_error("updating the model");
    if (!rc && gr_model_save(m2, out) != GR_OK) rc = cli_lib_error("saving the model");
    if (!rc) rc = report(m, m2, t, out, json);
    gr_model_free(m2);
    gr_graph_free(added);
    gr_trainer_free(t);
    return rc;
}

int cmd_update(int argc, char **argv)
{
    cli_args a;
    int rc = cli_parse(&a, argc, argv, "json,help,no-metadata");
    if (rc) return rc;
    if (cli_has(&a, "help")) {
        cli_print_help(update_usage, update_flags, sizeof update_flags / sizeof update_flags[0]);
        return EXIT_OK;
    }
    const char *path = cli_get(&a, "model"), *add = cli_get(&a, "add"), *out = cli_get(&a, "out");
    if (!path || !add || !out) return cli_usage_error("gnnrec update needs --model MODEL --add FILE --out MODEL2");
    int json = cli_has(&a, "json");
    gr_model *m;
    if (gr_model_load(&m, path) != GR_OK) return cli_lib_error("loading the model");
    rc = update(m, &a, path, add, out, json);
    gr_model_free(m);
    return rc;
}
