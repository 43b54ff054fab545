/*
 * gnnrec recommend on a knowledge-graph model: the entities that best
 * complete (HEAD, RELATION, ?) or (?, RELATION, TAIL), by name; one query
 * from the flags, or a file of them answered in one batch.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_wants_links(cli_args *a)
{
    return cli_has(a, "head") + cli_has(a, "tail") + cli_has(a, "relation") + cli_has(a, "queries") > 0;
}

/* The id of an entity or relation name of the model's knowledge graph. */
static int kg_name(int64_t *id, const gr_kg *kg, int relation, const char *flag, const char *name)
{
    int rc = relation ? gr_kg_relation_id(id, kg, name) : gr_kg_entity_id(id, kg, name);
    if (rc == GR_ENOTFOUND)
        return cli_usage_error("--%s: no %s '%s' in the model", flag, relation ? "relation" : "entity", name);
    return rc == GR_OK ? EXIT_OK : cli_lib_error("reading the query");
}

/* The list as a JSON array into arr; printed as lines too unless json. */
static void links_json(json_out *arr, const gr_kg *kg, const int64_t *ids, const float *scores, size_t n, int json)
{
    json_append(arr, "[");
    for (size_t r = 0; r < n; r++) {
        const char *name = gr_kg_entity_name(kg, ids[r]);
        if (!json) printf("%3zu  %10.4f  %s\n", r + 1, scores[r], name);
        char head[96];
        snprintf(head, sizeof head, "%s{\"entity\": %lld, \"score\": %.6g, \"name\": ", r ? ", " : "", (long long)ids[r],
                 (double)scores[r]);
        json_append(arr, head);
        json_append_string(arr, name);
        json_append(arr, "}");
    }
    json_append(arr, "]");
}

static void print_links(const gr_kg *kg, const int64_t *ids, const float *scores, size_t n, int json, json_out *j)
{
    json_out arr;
    memset(&arr, 0, sizeof arr);
    links_json(&arr, kg, ids, scores, n, json);
    json_raw(j, "entities", arr.buf ? arr.buf : "[]");
    free(arr.buf);
}

/* ---- a file of queries ---- */

/* The queries of a file: ids, directions and the line each came from. */
typedef struct query_list {
    int64_t *anchors, *relations;
    int *directions;
    long *lines;
    size_t n, cap;
} query_list;

static void query_list_free(query_list *q)
{
    free(q->anchors);
    free(q->relations);
    free(q->directions);
    free(q->lines);
}

static int query_list_push(query_list *q, int64_t anchor, int64_t relation, int direction, long line)
{
    if (q->n == q->cap) {
        size_t cap = q->cap ? 2 * q->cap : 64;
        int64_t *a = realloc(q->anchors, cap * sizeof *a);
        if (a) q->anchors = a;
        int64_t *r = realloc(q->relations, cap * sizeof *r);
        if (r) q->relations = r;
        int *d = realloc(q->directions, cap * sizeof *d);
        if (d) q->directions = d;
        long *l = realloc(q->lines, cap * sizeof *l);
        if (l) q->lines = l;
        if (!a || !r || !d || !l) return cli_usage_error("out of memory reading the queries");
        q->cap = cap;
    }
    q->anchors[q->n] = anchor;
    q->relations[q->n] = relation;
    q->directions[q->n] = direction;
    q->lines[q->n++] = line;
    return EXIT_OK;
}

/* Fields split at tabs when the line has one (names may hold spaces),
 * else at runs of spaces, as triple files are read; at most 4 kept. */
static size_t split_fields(char *s, char **f)
{
    size_t n = 0;
    int tabs = strchr(s, '\t') != NULL;
    char *p = s;
    for (;;) {
        if (!tabs)
            while (*p == ' ') p++;
        if (!*p && (!tabs || n == 0)) break;
        char *end = p + strcspn(p, tabs ? "\t" : " ");
        if (n < 4) f[n] = p;
        n++;
        if (!*end) break;
        *end = '\0';
        p = end + 1;
    }
    return n;
}

static const char *const field_names[3] = { "head", "relation", "tail" };

/* One line "HEAD<TAB>RELATION<TAB>?" or "?<TAB>RELATION<TAB>TAIL". */
static int parse_query(query_list *q, const gr_kg *kg, const char *path, long line, char *text)
{
    char *f[4];
    size_t n = split_fields(text, f);
    if (n != 3)
        return cli_usage_error("%s:%ld: %zu fields; a query is HEAD<TAB>RELATION<TAB>? or ?<TAB>RELATION<TAB>TAIL", path,
                               line, n);
    int tails = strcmp(f[2], "?") == 0, heads = strcmp(f[0], "?") == 0;
    if (tails == heads)
        return cli_usage_error("%s:%ld: exactly one of the head and the tail must be '?'", path, line);
    int64_t ids[3];
    for (int c = 0; c < 3; c++) {
        if ((c == 0 && heads) || (c == 2 && tails)) continue;
        int rc = c == 1 ? gr_kg_relation_id(&ids[c], kg, f[c]) : gr_kg_entity_id(&ids[c], kg, f[c]);
        if (rc == GR_ENOTFOUND)
            return cli_usage_error("%s:%ld: field %d (%s): no %s '%s' in the model", path, line, c + 1, field_names[c],
                                   c == 1 ? "relation" : "entity", f[c]);
        if (rc != GR_OK) return cli_lib_error("reading the queries");
    }
    return query_list_push(q, tails ? ids[0] : ids[2], ids[1], tails ? GR_LP_TAILS : GR_LP_HEADS, line);
}

/* The queries of path; blank lines and lines starting with '#' are skipped. */
static int read_queries(query_list *q, const gr_kg *kg, const char *path)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!f) return cli_usage_error("--queries %s: %s", path, strerror(errno));
    char *text = NULL;
    size_t cap = 0;
    ssize_t len;
    long line = 0;
    int rc = EXIT_OK;
    while (!rc && (len = getline(&text, &cap, f)) >= 0) {
        line++;
        while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r')) text[--len] = '\0';
        if (len == 0 || text[0] == '#') continue;
        rc = parse_query(q, kg, path, line, text);
    }
    if (!rc && ferror(f)) rc = cli_usage_error("--queries %s: %s", path, strerror(errno));
    free(text);
    if (f != stdin) fclose(f);
    if (!rc && q->n == 0) rc = cli_usage_error("--queries %s: no queries", path);
    return rc;
}

/* Every query of --queries FILE in one batch, printed in file order. */
static int predict_file(const gr_model *m, const gr_kg *kg, cli_args *a, long k, json_out *j)
{
    const char *path = cli_get(a, "queries");
    int json = cli_has(a, "json");
    query_list q;
    memset(&q, 0, sizeof q);
    int rc = cli_check_k(k, gr_kg_num_entities(kg), "entities in the model");
    if (!rc) rc = read_queries(&q, kg, path);
    size_t *counts = rc ? NULL : malloc(q.n * sizeof *counts);
    int64_t *ids = rc ? NULL : malloc(q.n * (size_t)k * sizeof *ids);
    float *scores = rc ? NULL : malloc(q.n * (size_t)k * sizeof *scores);
    if (!rc && (!counts || !ids || !scores)) rc = cli_usage_error("out of memory");
    if (!rc && gr_model_predict_links_batch(counts, m, q.anchors, q.relations, q.directions, q.n, (size_t)k,
                                            !cli_has(a, "include-seen"), ids, scores) != GR_OK)
        rc = cli_lib_error("predicting links");
    json_out arr;
    memset(&arr, 0, sizeof arr);
    if (!rc) json_append(&arr, "[");
    for (size_t i = 0; !rc && i < q.n; i++) {
        int tails = q.directions[i] == GR_LP_TAILS;
        const char *anchor = gr_kg_entity_name(kg, q.anchors[i]), *rel = gr_kg_relation_name(kg, q.relations[i]);
        if (!json) printf("%s(%s, %s, %s)\n", i ? "\n" : "", tails ? anchor : "?", rel, tails ? "?" : anchor);
        json_append(&arr, i ? ", {\"line\": " : "{\"line\": ");
        char num[32];
        snprintf(num, sizeof num, "%ld, \"%s\": ", q.lines[i], tails ? "head" : "tail");
        json_append(&arr, num);
        json_append_string(&arr, anchor);
        json_append(&arr, ", \"relation\": ");
        json_append_string(&arr, rel);
        json_append(&arr, ", \"entities\": ");
        links_json(&arr, kg, ids + i * (size_t)k, scores + i * (size_t)k, counts[i], json);
        json_append(&arr, "}");
    }
    if (!rc) {
        json_append(&arr, "]");
        json_num(j, "queries", (double)q.n);
        json_raw(j, "results", arr.buf);
    }
    free(arr.buf);
    free(counts);
    free(ids);
    free(scores);
    query_list_free(&q);
    return rc;
}

int cli_predict_links(const gr_model *m, cli_args *a, long k, json_out *j)
{
    const gr_kg *kg;
    if (gr_model_kg(&kg, m) != GR_OK)
        return cli_usage_error("--head/--tail/--relation query a knowledge-graph model (rotate, transe, distmult, complex)");
    if (cli_has(a, "queries")) {
        if (cli_has(a, "head") || cli_has(a, "tail") || cli_has(a, "relation"))
            return cli_usage_error("--queries takes its queries from the file: no --head, --tail or --relation");
        return predict_file(m, kg, a, k, j);
    }
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
