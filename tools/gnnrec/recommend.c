/* gnnrec recommend: top-k for a user, a new user's liked items, or similar
 * items; the entities completing a triple for knowledge-graph models. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *const rec_usage =
    "usage: gnnrec recommend --model MODEL (--user ID | --liked ID,ID,... | --similar ITEM) [options]\n"
    "       gnnrec recommend --model KG_MODEL (--head NAME | --tail NAME) --relation NAME [--k N] [--include-seen]\n"
    "       gnnrec recommend --model KG_MODEL --queries FILE [--k N] [--include-seen]\n";

static const cli_flag_doc rec_flags[] = {
    { "model", "MODEL", "the model file" },
    { "user", "ID", "top items for a user of the model" },
    { "liked", "ID,ID,...", "top items for a new user who liked these items (at least one)" },
    { "similar", "ITEM", "the items most similar (cosine) to ITEM" },
    { "k", "N", "number of items (10), at most the number of items in the model" },
    { "genres", "A,B", "only items of any of these genres" },
    { "year-min", "Y", "only items released in or after Y" },
    { "year-max", "Y", "only items released in or before Y" },
    { "min-score", "S", "only items scoring at least S" },
    { "least", NULL, "the least relevant items instead of the most" },
    { "include-seen", NULL, "do not leave out the user's training items" },
    { "exclude-items", "ID,...", "never these items" },
    { "only-items", "ID,...", "only items among these" },
    { "explain", NULL, "each item with its reasons: the history items that add most to its score (LightGCN, MF), or the triples connecting the user to it (KG models, with --user)" },
    { "json", NULL, "print one JSON object as the last line" },
    { "help", NULL, "this list" },
    { NULL, NULL, "new users and items (GraphSAGE models, no retraining):" },
    { "age", "N", "a new user's age (0..150; years, or the ML-1M age code)" },
    { "gender", "M|F", "a new user's gender" },
    { "occupation", "NAME", "a new user's occupation, as named in the training data" },
    { "rated", "ID[:R],...", "a new user's rated items (without :R, liked), ratings in the training range" },
    { "new-item-genres", "A,B", "a new item's genres: the --k users it suits best" },
    { "new-item-year", "Y", "a new item's release year (1000..9999); with --user, its score for that user" },
    { "new-item-movie", "ID", "a movie of --genome DIR the model has not seen, for a model trained with --genome" },
    { "genome", "DIR", "with --new-item-movie: the directory the model was trained with (projections: MODEL.genome, MODEL.tags)" },
    { NULL, NULL, "link prediction (models trained on triples, --triples-train):" },
    { "head", "NAME", "with --relation: the --k entities best completing (NAME, RELATION, ?)" },
    { "tail", "NAME", "with --relation: the --k entities best completing (?, RELATION, NAME)" },
    { "relation", "NAME", "the relation of the query (--include-seen keeps the answers the training triples hold)" },
    { "queries", "FILE", "many queries in one batch, a line each: HEAD<TAB>RELATION<TAB>? or ?<TAB>RELATION<TAB>TAIL (- reads stdin)" },
};

static int rec_options(gr_rec_options *o, cli_args *a, const gr_model *m)
{
    gr_rec_options init = GR_REC_OPTIONS_INIT;
    *o = init;
    long ymin = 0, ymax = 0;
    int rc = cli_long(a, "year-min", &ymin, 0, 100000);
    if (!rc) rc = cli_long(a, "year-max", &ymax, 0, 100000);
    if (!rc && cli_get(a, "min-score")) {
        o->has_min_score = 1;
        rc = cli_double(a, "min-score", &o->min_score);
    }
    if (rc) return rc;
    o->year_min = (int)ymin;
    o->year_max = (int)ymax;
    o->least = cli_has(a, "least");
    o->exclude_seen = !cli_has(a, "include-seen");
    const char *genres = cli_get(a, "genres");
    if (genres && (rc = cli_check_list("genres", genres))) return rc;
    if (genres && gr_graph_genre_mask(&o->genres, gr_model_graph(m), genres) != GR_OK)
        return cli_usage_error("--genres: %s", gr_last_error());
    /* the lists are the options' own; rec_options_free releases them */
    const char *exclude = cli_get(a, "exclude-items"), *only = cli_get(a, "only-items");
    const gr_graph *g = gr_model_graph(m);
    if (exclude) rc = cli_id_list((int64_t **)&o->exclude_items, &o->n_exclude_items, g, 0, "exclude-items", exclude);
    if (!rc && only) rc = cli_id_list((int64_t **)&o->only_items, &o->n_only_items, g, 0, "only-items", only);
    return rc;
}

static void rec_options_free(gr_rec_options *o)
{
    free((void *)o->exclude_items);
    free((void *)o->only_items);
}

static void print_items(const gr_model *m, const int64_t *items, const float *scores, size_t n, int json, json_out *j)
{
    const gr_graph *g = gr_model_graph(m);
    json_out arr;
    memset(&arr, 0, sizeof arr);
    json_append(&arr, "[");
    for (size_t r = 0; r < n; r++) {
        const char *title = gr_graph_item_title(g, items[r]);
        char num[32];
        if (!json) printf("%3zu  %8s  %8.4f  %s\n", r + 1, cli_id_text(num, sizeof num, g, 1, items[r]), scores[r], title ? title : "");
        char head[96];
        snprintf(head, sizeof head, "%s{\"item\": %lld, \"score\": %.6g, \"title\": ", r ? ", " : "", (long long)items[r],
                 (double)scores[r]);
        json_append(&arr, head);
        if (title) json_append_string(&arr, title);
        else json_append(&arr, "null");
        cli_json_name(&arr, g, 1, items[r]);
        json_append(&arr, "}");
    }
    json_append(&arr, "]");
    json_raw(j, "items", arr.buf ? arr.buf : "[]");
    free(arr.buf);
}

static int recommend(const gr_model *m, cli_args *a, const gr_rec_options *o, size_t k, json_out *j)
{
    int64_t *items = malloc(k * sizeof *items);
    float *scores = malloc(k * sizeof *scores);
    size_t n = 0;
    int rc = items && scores ? EXIT_OK : cli_usage_error("out of memory");
    /* the item filters choose items; a new item's answer is users */
    static const char *const item_filters[] = { "genres", "year-min", "year-max", "min-score", "least",
                                                "include-seen", "explain", "liked", "similar" };
    if (!rc && cli_wants_new_item(a))
        rc = cli_reject(a, item_filters, sizeof item_filters / sizeof item_filters[0],
                        "to a new item (--new-item-genres/--new-item-year/--new-item-movie rank users)");
    /* similar items are ranked for an item, which has no seen items */
    static const char *const seen[] = { "include-seen" };
    if (!rc && cli_has(a, "similar")) rc = cli_reject(a, seen, 1, "with --similar (an item has no seen items)");
    if (!rc && cli_wants_new_item(a)) {
        rc = cli_new_item(m, a, k, j);
        free(items);
        free(scores);
        return rc;
    }
    const char *user = cli_get(a, "user"), *liked = cli_get(a, "liked"), *similar = cli_get(a, "similar");
    int new_user = cli_wants_new_user(a);
    int64_t *ids = NULL;
    size_t nl = 0;
    if (!rc && (!!user + !!liked + !!similar + new_user) != 1)
        rc = cli_usage_error("give exactly one of --user, --liked, --similar, or a new user's --age/--gender/--occupation/--rated");
    const gr_graph *g = gr_model_graph(m);
    int64_t uid = 0;
    if (!rc && user) rc = cli_known_id(&uid, g, 0, "user", user);
    if (!rc && similar) rc = cli_known_id(&uid, g, 1, "similar", similar);
    if (!rc && user) {
        cli_json_id(j, "user", g, 0, uid);
        if (gr_model_recommend(&n, m, uid, k, o, items, scores) != GR_OK) rc = cli_lib_error("recommending");
    } else if (!rc && new_user) {
        rc = cli_recommend_new_user(m, a, o, k, items, scores, &n);
    } else if (!rc && similar) {
        cli_json_id(j, "similar_to", g, 1, uid);
        if (gr_model_similar_items(&n, m, uid, k, o, items, scores) != GR_OK) rc = cli_lib_error("finding similar items");
    } else if (!rc) {
        rc = cli_id_list(&ids, &nl, g, 1, "liked", liked);
        if (!rc && gr_model_recommend_liked(&n, m, ids, nl, k, o, items, scores) != GR_OK) rc = cli_lib_error("recommending");
    }
    if (!rc && n < k)
        fprintf(stderr, "gnnrec: note: %zu of the %zu items asked for: the rest are %s\n", n, k,
                o->exclude_seen && (user || liked || new_user) ? "the user's own items or filtered out" : "filtered out");
    int explain = cli_has(a, "explain"), json = cli_has(a, "json");
    if (!rc && explain && (similar || new_user)) rc = cli_usage_error("--explain needs --user or --liked");
    /* with --explain the items are printed once, each with its reasons */
    if (!rc) print_items(m, items, scores, n, json || explain, j);
    if (!rc && explain) rc = cli_explain(m, user ? &uid : NULL, ids, nl, items, scores, n, json, j);
    free(ids);
    free(items);
    free(scores);
    return rc;
}

/* A knowledge-graph query takes --k, --include-seen and --json alone. */
static int predict_links(const gr_model *m, cli_args *a, long k)
{
    static const char *const others[] = { "user", "liked", "similar", "genres", "year-min", "year-max", "min-score",
                                          "least", "exclude-items", "only-items", "explain", "age", "gender",
                                          "occupation", "rated", "new-item-genres", "new-item-year", "new-item-movie",
                                          "genome" };
    int rc = cli_reject(a, others, sizeof others / sizeof others[0], "to a knowledge-graph query (--head/--tail/--relation, --queries)");
    cli_has(a, "include-seen");
    cli_has(a, "json");
    if (!rc) rc = cli_check_unused(a, "recommend");
    json_out j;
    json_begin(&j);
    if (!rc) rc = cli_predict_links(m, a, k, &j);
    if (!rc && cli_has(a, "json")) json_end_print(&j);
    else free(j.buf);
    return rc;
}

int cmd_recommend(int argc, char **argv)
{
    cli_args a;
    int rc = cli_parse(&a, argc, argv, "json,least,include-seen,help,explain");
    if (rc) return rc;
    if (cli_has(&a, "help")) {
        cli_print_help(rec_usage, rec_flags, sizeof rec_flags / sizeof rec_flags[0]);
        return EXIT_OK;
    }
    const char *path = cli_get(&a, "model");
    int json = cli_has(&a, "json");
    long k = 10;
    if (!path) return cli_usage_error("gnnrec recommend needs --model MODEL");
    if ((rc = cli_long(&a, "k", &k, 1, 1000000000L))) return rc;
    gr_model *m;
    if (gr_model_load(&m, path) != GR_OK) return cli_lib_error("loading the model");
    if (cli_wants_links(&a)) {
        rc = predict_links(m, &a, k);
        gr_model_free(m);
        return rc;
    }
    gr_rec_options o = GR_REC_OPTIONS_INIT; /* freed on every path, also before rec_options fills it */
    const gr_graph *g = gr_model_graph(m);
    /* a new item's --k counts users; everything else counts items */
    if (cli_wants_new_item(&a) && !cli_has(&a, "user")) rc = cli_check_k(k, gr_graph_num_users(g), "users in the model");
    else rc = cli_check_k(k, gr_graph_num_items(g), "items in the model");
    if (!rc) rc = rec_options(&o, &a, m);
    cli_has(&a, "user");
    cli_has(&a, "liked");
    cli_has(&a, "similar");
    cli_wants_new_user(&a);
    cli_wants_new_item(&a);
    cli_has(&a, "explain");
    if (!rc && cli_has(&a, "genome") && !cli_has(&a, "new-item-movie"))
        rc = cli_usage_error("--genome applies with --new-item-movie ID");
    if (!rc) rc = cli_check_unused(&a, "recommend");
    json_out j;
    json_begin(&j);
    if (!rc) rc = recommend(m, &a, &o, (size_t)k, &j);
    if (!rc && json) json_end_print(&j);
    else free(j.buf);
    rec_options_free(&o);
    gr_model_free(m);
    return rc;
}
