/* gnnrec recommend for users and items the model has not seen (models with node features). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_wants_new_user(cli_args *a)
{
    return cli_has(a, "age") + cli_has(a, "gender") + cli_has(a, "occupation") + cli_has(a, "rated") > 0;
}

int cli_wants_new_item(cli_args *a)
{
    return cli_has(a, "new-item-genres") + cli_has(a, "new-item-year") + cli_has(a, "new-item-movie") > 0;
}

/* --new-item-movie ID --genome DIR: the row of a movie of DIR's genome or
 * tags.csv, for a model trained with --genome (its metadata flags do not
 * apply: such a model's item features are the projections alone). */
static int movie_features(gr_new_item *it, float **row, const gr_model *m, cli_args *a)
{
    const char *dir = cli_get(a, "genome");
    if (!cli_has(a, "new-item-movie")) return EXIT_OK;
    if (!dir) return cli_usage_error("--new-item-movie needs --genome DIR (the directory the model was trained with)");
    static const char *const meta[] = { "new-item-genres", "new-item-year" };
    int rc = cli_reject(a, meta, 2, "with --new-item-movie (the model's item features come from --genome)");
    long movie = 0;
    if (!rc) rc = cli_long(a, "new-item-movie", &movie, 0, 2147483647L);
    if (!rc) rc = cli_genome_item_row(row, m, cli_get(a, "model"), dir, movie);
    if (!rc) it->features = *row;
    return rc;
}

/* One "ID[:RATING]" of --rated: the rating follows the last unescaped ':'
 * (a name may hold ':' itself when no number follows it, or as "\:"). */
static int parse_rated_one(char *f, const gr_graph *g, int64_t *id, float *rating, int *any_rating)
{
    char *colon = cli_last_unescaped(f, ':');
    *rating = -1.0f;
    if (colon && cli_is_number(colon + 1)) {
        *colon = '\0';
        *rating = strtof(colon + 1, NULL);
        *any_rating = 1;
    } else if (colon && !gr_graph_has_names(g)) {
        return cli_usage_error("--rated: expected ID[:RATING], got '%s'", f);
    }
    cli_unescape(f);
    return cli_known_id(id, g, 1, "rated", f);
}

/* "ID:RATING,ID:RATING,..." (":RATING" may be left out: a liked item). */
static int parse_rated(const char *text, const gr_graph *g, int64_t **ids, float **ratings, size_t *n, int *any_rating)
{
    char *copy = NULL, **fields;
    size_t nf;
    int rc = cli_list_fields(&copy, &fields, &nf, "rated", text);
    *ids = rc ? NULL : malloc(nf * sizeof **ids);
    *ratings = rc ? NULL : malloc(nf * sizeof **ratings);
    *n = 0;
    *any_rating = 0;
    if (!rc && (!*ids || !*ratings)) rc = cli_usage_error("out of memory");
    for (size_t k = 0; !rc && k < nf; k++) {
        rc = parse_rated_one(fields[k], g, &(*ids)[*n], &(*ratings)[*n], any_rating);
        ++*n;
    }
    free(copy);
    free(fields);
    return rc;
}

static int new_user_from_flags(gr_new_user *u, cli_args *a, const gr_graph *graph, int64_t **ids, float **ratings)
{
    gr_new_user init = GR_NEW_USER_INIT;
    *u = init;
    long age = -1;
    int rc = cli_long(a, "age", &age, 0, GR_NEW_USER_MAX_AGE);
    if (rc) return rc;
    u->age = (int)age;
    const char *g = cli_get(a, "gender");
    if (g && strcmp(g, "M") && strcmp(g, "F")) return cli_usage_error("--gender: expected M or F, got '%s'", g);
    u->gender = g ? g[0] : 0;
    u->occupation = cli_get(a, "occupation");
    const char *rated = cli_get(a, "rated");
    if (!rated) return EXIT_OK;
    int any;
    if ((rc = parse_rated(rated, graph, ids, ratings, &u->n_items, &any))) return rc;
    for (size_t k = 0; k < u->n_items && any; k++)
        if ((*ratings)[k] < 0) return cli_usage_error("--rated: give a rating for every item or for none");
    u->items = *ids;
    u->ratings = any ? *ratings : NULL;
    return EXIT_OK;
}

int cli_recommend_new_user(const gr_model *m, cli_args *a, const gr_rec_options *o, size_t k, int64_t *items,
                           float *scores, size_t *n)
{
    gr_new_user u;
    int64_t *ids = NULL;
    float *ratings = NULL;
    int rc = new_user_from_flags(&u, a, gr_model_graph(m), &ids, &ratings);
    if (!rc && gr_model_recommend_new_user(n, m, &u, k, o, items, scores) != GR_OK) rc = cli_lib_error("recommending for a new user");
    free(ids);
    free(ratings);
    return rc;
}

static int new_item_answer(const gr_model *m, cli_args *a, size_t k, json_out *j, const gr_new_item *pit);

/* The users a new item suits best, or its score for one user (--user). */
int cli_new_item(const gr_model *m, cli_args *a, size_t k, json_out *j)
{
    gr_new_item it = GR_NEW_ITEM_INIT;
    long year = 0;
    int rc = cli_long(a, "new-item-year", &year, GR_NEW_ITEM_MIN_YEAR, GR_NEW_ITEM_MAX_YEAR);
    if (rc) return rc;
    it.year = (int)year;
    const char *genres = cli_get(a, "new-item-genres");
    if (genres && (rc = cli_check_list("new-item-genres", genres))) return rc;
    if (genres && gr_graph_genre_mask(&it.genres, gr_model_graph(m), genres) != GR_OK)
        return cli_usage_error("--new-item-genres: %s", gr_last_error());
    float *row = NULL;
    if ((rc = movie_features(&it, &row, m, a))) return rc;
    rc = new_item_answer(m, a, k, j, &it);
    free(row);
    return rc;
}

/* The top users of a new item, or its score for --user. */
static int new_item_answer(const gr_model *m, cli_args *a, size_t k, json_out *j, const gr_new_item *pit)
{
    gr_new_item it = *pit;
    int rc = EXIT_OK;
    const gr_graph *g = gr_model_graph(m);
    if (cli_get(a, "user")) {
        int64_t id;
        if ((rc = cli_known_id(&id, g, 0, "user", cli_get(a, "user")))) return rc;
        float s;
        if (gr_model_score_new_item(&s, m, &it, &id, 1) != GR_OK) return cli_lib_error("scoring the new item");
        char num[32];
        if (!cli_has(a, "json")) printf("user %s  score %.4f\n", cli_id_text(num, sizeof num, g, 0, id), s);
        cli_json_id(j, "user", g, 0, id);
        json_num(j, "score", s);
        return EXIT_OK;
    }
    int64_t *users = malloc(k * sizeof *users);
    float *scores = malloc(k * sizeof *scores);
    size_t n = 0;
    if (!users || !scores) rc = cli_usage_error("out of memory");
    if (!rc && gr_model_new_item_top_users(&n, m, &it, k, users, scores) != GR_OK) rc = cli_lib_error("scoring the new item");
    json_out arr;
    memset(&arr, 0, sizeof arr);
    json_append(&arr, "[");
    for (size_t r = 0; !rc && r < n; r++) {
        char entry[96], num[32];
        if (!cli_has(a, "json")) printf("%3zu  user %8s  %8.4f\n", r + 1, cli_id_text(num, sizeof num, g, 0, users[r]), scores[r]);
        snprintf(entry, sizeof entry, "%s{\"user\": %lld, \"score\": %.6g", r ? ", " : "", (long long)users[r], (double)scores[r]);
        json_append(&arr, entry);
        cli_json_name(&arr, g, 0, users[r]);
        json_append(&arr, "}");
    }
    json_append(&arr, "]");
    if (!rc) json_raw(j, "users", arr.buf ? arr.buf : "[]");
    free(arr.buf);
    free(users);
    free(scores);
    return rc;
}
