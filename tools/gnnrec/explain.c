/*
 * gnnrec recommend --explain: each recommended item once, with its title
 * and the reasons the model has for it: for LightGCN and MF the history
 * items whose terms add most to the score (gr_model_explain_items), for KG
 * models the paths of triples from the user to the item
 * (gr_model_explain).  GraphSAGE scores do not split into reasons; its
 * list is printed with a note.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define EXPLAIN_REASONS 3

static void print_path(const gr_kg *kg, const gr_explanation *e)
{
    printf("       because (%.3f):", (double)e->weight);
    for (size_t k = 0; k < e->n_triples; k++)
        printf("%s (%s, %s, %s)", k ? "," : "", gr_kg_entity_name(kg, e->triples[k].head),
               gr_kg_relation_name(kg, e->triples[k].relation), gr_kg_entity_name(kg, e->triples[k].tail));
    printf("\n");
}

static void json_path(json_out *arr, const gr_kg *kg, const gr_explanation *e, int first)
{
    char head[64];
    snprintf(head, sizeof head, "%s{\"weight\": %.6g, \"triples\": [", first ? "" : ", ", (double)e->weight);
    json_append(arr, head);
    for (size_t k = 0; k < e->n_triples; k++) {
        json_append(arr, k ? ", [" : "[");
        json_append_string(arr, gr_kg_entity_name(kg, e->triples[k].head));
        json_append(arr, ", ");
        json_append_string(arr, gr_kg_relation_name(kg, e->triples[k].relation));
        json_append(arr, ", ");
        json_append_string(arr, gr_kg_entity_name(kg, e->triples[k].tail));
        json_append(arr, "]");
    }
    json_append(arr, "]}");
}

/* The paths of a KG model for one item. */
static int kg_reasons(const gr_model *m, const gr_kg *kg, int64_t user, int64_t item, int json, json_out *arr)
{
    gr_explanation paths[EXPLAIN_REASONS];
    size_t np = 0;
    if (gr_model_explain(&np, m, user, item, paths, EXPLAIN_REASONS) != GR_OK) return cli_lib_error("explaining");
    for (size_t k = 0; k < np && !json; k++) print_path(kg, &paths[k]);
    if (np == 0 && !json) printf("       (no connecting triples)\n");
    for (size_t k = 0; k < np; k++) json_path(arr, kg, &paths[k], k == 0);
    return EXIT_OK;
}

/* The history items that add most to one item's score (LightGCN, MF). */
static int item_reasons(const gr_model *m, const int64_t *user, const int64_t *liked, size_t n_liked, int64_t item,
                        int json, json_out *arr)
{
    gr_contribution c[EXPLAIN_REASONS];
    size_t nc = 0;
    float total = 0;
    int rc = user ? gr_model_explain_items(&nc, &total, m, *user, item, c, EXPLAIN_REASONS)
                  : gr_model_explain_liked(&nc, &total, m, liked, n_liked, item, c, EXPLAIN_REASONS);
    if (rc != GR_OK) return cli_lib_error("explaining");
    const gr_graph *g = gr_model_graph(m);
    if (!json) printf("       from the history (fold-in score %.4f), most by:\n", (double)total);
    char head[96];
    snprintf(head, sizeof head, "{\"history_score\": %.6g, \"because\": [", (double)total);
    json_append(arr, head);
    for (size_t k = 0; k < nc; k++) {
        const char *title = gr_graph_item_title(g, c[k].item);
        char num[32];
        if (!json)
            printf("       %+9.4f  %8s  %s\n", (double)c[k].weight, cli_id_text(num, sizeof num, g, 1, c[k].item),
                   title ? title : "");
        snprintf(head, sizeof head, "%s{\"item\": %lld, \"weight\": %.6g, \"title\": ", k ? ", " : "",
                 (long long)c[k].item, (double)c[k].weight);
        json_append(arr, head);
        if (title) json_append_string(arr, title);
        else json_append(arr, "null");
        cli_json_name(arr, g, 1, c[k].item);
        json_append(arr, "}");
    }
    json_append(arr, "]}");
    return EXIT_OK;
}

int cli_explain(const gr_model *m, const int64_t *user, const int64_t *liked, size_t n_liked, const int64_t *items,
                const float *scores, size_t n, int json, json_out *j)
{
    const gr_kg *kg = NULL;
    int kind = gr_model_kind_of(m);
    int by_items = kind == GR_MODEL_LIGHTGCN || kind == GR_MODEL_MF;
    int by_paths = !by_items && gr_model_kg(&kg, m) == GR_OK;
    if (by_paths && !user) return cli_usage_error("--explain on a %s model needs --user", gr_model_kind_name(kind));
    if (!by_items && !by_paths)
        fprintf(stderr, "gnnrec: %s scores do not split into reasons; listing the items only\n", gr_model_kind_name(kind));
    const gr_graph *g = gr_model_graph(m);
    json_out arr;
    memset(&arr, 0, sizeof arr);
    json_append(&arr, "[");
    int rc = EXIT_OK;
    for (size_t r = 0; r < n && !rc; r++) {
        const char *title = gr_graph_item_title(g, items[r]);
        char num[32];
        if (!json)
            printf("%3zu  %8s  %8.4f  %s\n", r + 1, cli_id_text(num, sizeof num, g, 1, items[r]), (double)scores[r],
                   title ? title : "");
        json_append(&arr, r ? ", " : "");
        json_append(&arr, by_paths ? "[" : "");
        if (by_paths) rc = kg_reasons(m, kg, *user, items[r], json, &arr);
        else if (by_items) rc = item_reasons(m, user, liked, n_liked, items[r], json, &arr);
        else json_append(&arr, "null");
        json_append(&arr, by_paths ? "]" : "");
    }
    json_append(&arr, "]");
    if (!rc) json_raw(j, "explanations", arr.buf);
    free(arr.buf);
    return rc;
}
