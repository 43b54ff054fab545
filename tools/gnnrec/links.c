/*
 * gnnrec recommend on a knowledge-graph model: the entities that best
 * complete (HEAD, RELATION, ?) or (?, RELATION, TAIL), by name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_wants_links(cli_args *a)
{
    return cli_has(a, "head") + cli_has(a, "tail") + cli_has(a, "relation") > 0;
}

/* The id of an entity or relation name of the model's knowledge graph. */
static int kg_name(int64_t *id, const gr_kg *kg, int relation, const char *flag, const char *name)
{
    int rc = relation ? gr_kg_relation_id(id, kg, name) : gr_kg_entity_id(id, kg, name);
    if (rc == GR_ENOTFOUND)
        return cli_usage_error("--%s: no %s '%s' in the model", flag, relation ? "relation" : "entity", name);
    return rc == GR_OK ? EXIT_OK : cli_lib_error("reading the query");
}

static void print_links(const gr_kg *kg, const int64_t *ids, const float *scores, size_t n, int json, json_out *j)
{
    json_out arr;
    memset(&arr, 0, sizeof arr);
    json_append(&arr, "[");
    for (size_t r = 0; r < n; r++) {
        const char *name = gr_kg_entity_name(kg, ids[r]);
        if (!json) printf("%3zu  %10.4f  %s\n", r + 1, scores[r], name);
        char head[96];
        snprintf(head, sizeof head, "%s{\"entity\": %lld, \"score\": %.6g, \"name\": ", r ? ", " : "", (long long)ids[r],
                 (double)scores[r]);
        json_append(&arr, head);
        json_append_string(&arr, name);
        json_append(&arr, "}");
    }
    json_append(&arr, "]");
    json_raw(j, "entities", arr.buf ? arr.buf : "[]");
    free(arr.buf);
}

int cli_predict_links(const gr_model *m, cli_args *a, long k, json_out *j)
{
    const gr_kg *kg;
    if (gr_model_kg(&kg, m) != GR_OK)
        return cli_usage_error("--head/--tail/--relation query a knowledge-graph model (rotate, transe, distmult, complex)");
    const char *head = cli_get(a, "head"), *tail = cli_get(a, "tail"), *rel = cli_get(a, "relation");
    if (!rel || !!head + !!tail != 1)
        return cli_usage_error("give --relation with exactly one of --head (to predict tails) or --tail (to predict heads)");
    int rc = cli_check_k(k, gr_kg_num_entities(kg), "entities in the model");
    int64_t anchor = 0, relation = 0;
    if (!rc) rc = kg_name(&anchor, kg, 0, head ? "head" : "tail", head ? head : tail);
    if (!rc) rc = kg_name(&relation, kg, 1, "relation", rel);
    int64_t *ids = rc ? NULL : malloc((size_t)k * sizeof *ids);
    float *scores = rc ? NULL : malloc((size_t)k * sizeof *scores);
    if (!rc && (!ids || !scores)) rc = cli_usage_error("out of memory");
    size_t n = 0;
    int direction = head ? GR_LP_TAILS : GR_LP_HEADS;
    if (!rc && gr_model_predict_links(&n, m, anchor, relation, direction, (size_t)k, !cli_has(a, "include-seen"), ids,
                                      scores) != GR_OK)
        rc = cli_lib_error("predicting links");
    if (!rc) {
        json_str(j, head ? "head" : "tail", head ? head : tail);
        json_str(j, "relation", rel);
        print_links(kg, ids, scores, n, cli_has(a, "json"), j);
        if (n < (size_t)k)
            fprintf(stderr, "gnnrec: note: %zu of the %ld entities asked for: the rest are answers of the training triples\n",
                    n, k);
    }
    free(ids);
    free(scores);
    return rc;
}
