/* gnnrec train --genome DIR: tag-genome and users' tag features for the items
 * of GraphSAGE (docs/graphsage.md, "Tag genome"), and the projections kept
 * beside the model file. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

/* The two sources, in column order of the item features. */
static const char *const source_file[CLI_GENOME_SOURCES] = { "genome-scores.csv", "tags.csv" };
static const char *const source_suffix[CLI_GENOME_SOURCES] = { ".genome", ".tags" };

static int has_file(const char *dir, const char *name)
{
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Read the sources DIR holds: the genome files, tags.csv, or both. */
static int read_sources(cli_genome *g, const char *dir, long max_tags)
{
    char path[4096];
    if (has_file(dir, source_file[0]) && gr_genome_read(&g->src[0], dir) != GR_OK) return cli_lib_error("reading the tag genome");
    snprintf(path, sizeof path, "%s/%s", dir, source_file[1]);
    if (has_file(dir, source_file[1]) && gr_genome_read_tags(&g->src[1], path, (size_t)max_tags) != GR_OK)
        return cli_lib_error("reading tags.csv");
    if (!g->src[0] && !g->src[1])
        return cli_usage_error("--genome: %s holds neither genome-scores.csv (with genome-tags.csv) nor tags.csv", dir);
    return EXIT_OK;
}

/* The item features: each source's fitted block side by side; an item a
 * source lacks gets that block's mean row (zeros). */
static int item_features(cli_genome *g, const gr_graph *train, long dim, uint64_t seed, float **x, size_t *width)
{
    size_t n = gr_graph_num_items(train), w = 0;
    for (int s = 0; s < CLI_GENOME_SOURCES; s++) {
        if (!g->src[s]) continue;
        if (gr_genome_fit(g->src[s], train, (size_t)dim, seed, NULL) != GR_OK)
            return cli_lib_error(s ? "fitting the tags.csv projection" : "fitting the genome projection");
        w += gr_genome_dim(g->src[s]);
    }
    float *all = malloc(n * w * sizeof *all), *block = NULL;
    if (!all) return cli_usage_error("out of memory");
    size_t at = 0;
    for (int s = 0; s < CLI_GENOME_SOURCES; s++) {
        if (!g->src[s]) continue;
        size_t d = gr_genome_dim(g->src[s]);
        block = malloc(n * d * sizeof *block);
        if (!block || gr_features_genome(block, n, d, g->src[s], train) != GR_OK) {
            free(block);
            free(all);
            return block ? cli_lib_error("item features") : cli_usage_error("out of memory");
        }
        for (size_t i = 0; i < n; i++) memcpy(all + i * w + at, block + i * d, d * sizeof *all);
        free(block);
        at += d;
    }
    *x = all;
    *width = w;
    return EXIT_OK;
}

int cli_genome_features(cli_genome *g, gr_trainer *t, const gr_graph *train, cli_args *a, int kind)
{
    memset(g, 0, sizeof *g);
    const char *dir = cli_get(a, "genome");
    long dim = 32, max_tags = 512;
    int rc = cli_long(a, "genome-dim", &dim, 1, 4096);
    if (!rc) rc = cli_long(a, "tag-columns", &max_tags, 1, 1L << 20);
    if (rc || !dir) {
        if (!rc && (cli_get(a, "genome-dim") || cli_get(a, "tag-columns")))
            rc = cli_usage_error("--genome-dim and --tag-columns apply with --genome DIR");
        return rc;
    }
    if (kind != GR_MODEL_GRAPHSAGE) return cli_usage_error("--genome applies to --model graphsage (item features)");
    double seed = 42;
    gr_trainer_get_double(&seed, t, GR_OPT_SEED);
    rc = read_sources(g, dir, max_tags);
    float *x = NULL;
    size_t w = 0;
    if (!rc) rc = item_features(g, train, dim, (uint64_t)seed, &x, &w);
    if (!rc && gr_trainer_set_features(t, GR_NODE_ITEM, x, gr_graph_num_items(train), w) != GR_OK)
        rc = cli_lib_error("setting the item features");
    free(x);
    if (!rc && !cli_has(a, "quiet"))
        fprintf(stderr, "item features from %s: %s%s%zu columns\n", dir, g->src[0] ? "tag genome, " : "",
                g->src[1] ? "tags.csv, " : "", w);
    return rc;
}

int cli_genome_save(const cli_genome *g, const char *model_path)
{
    for (int s = 0; s < CLI_GENOME_SOURCES; s++) {
        if (!g->src[s]) continue;
        char path[4096];
        snprintf(path, sizeof path, "%s%s", model_path, source_suffix[s]);
        if (gr_genome_save(g->src[s], path) != GR_OK) return cli_lib_error("saving the projection");
    }
    return EXIT_OK;
}

void cli_genome_free(cli_genome *g)
{
    for (int s = 0; s < CLI_GENOME_SOURCES; s++) gr_genome_free(g->src[s]);
    memset(g, 0, sizeof *g);
}

/* The source s of DIR, read as training read it: tags.csv with as many
 * columns as the saved projection has. */
static int read_source(gr_genome **src, int s, const char *dir, const gr_genome *proj)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, source_file[s]);
    if (!has_file(dir, source_file[s]))
        return cli_usage_error("--genome: %s is missing (the model was trained with it)", path);
    int rc = s == 0 ? gr_genome_read(src, dir) : gr_genome_read_tags(src, path, gr_genome_n_tags(proj));
    if (rc != GR_OK) return cli_lib_error(s ? "reading tags.csv" : "reading the tag genome");
    int same = gr_genome_n_tags(*src) == gr_genome_n_tags(proj);
    for (size_t c = 0; same && c < gr_genome_n_tags(proj); c++) {
        int64_t a, b;
        gr_genome_tag_id(&a, *src, c);
        gr_genome_tag_id(&b, proj, c);
        same = a == b;
    }
    if (!same) return cli_usage_error("--genome: the tags of %s are not those the model was trained on", path);
    return EXIT_OK;
}

/* Block s of the rows of movies[0..n) (row stride width): each movie's
 * relevances in source s, read once, projected by the saved projection,
 * or zeros (the mean row, as in training) where the source lacks the
 * movie; found[k] is set where it has movie k. */
static int source_blocks(float *out, size_t width, int s, const gr_genome *proj, const char *dir, const int64_t *movies,
                         size_t n, unsigned char *found)
{
    gr_genome *src = NULL;
    int rc = read_source(&src, s, dir, proj);
    size_t nt = gr_genome_n_tags(proj), d = gr_genome_dim(proj);
    float *scores = rc ? NULL : malloc((nt ? nt : 1) * sizeof *scores);
    if (!rc && !scores) rc = cli_usage_error("out of memory");
    for (size_t k = 0; !rc && k < n; k++) {
        float *row = out + k * width;
        if (gr_genome_scores(scores, nt, src, movies[k]) != GR_OK) {
            memset(row, 0, d * sizeof *row);
            continue;
        }
        if (gr_genome_project(row, d, proj, scores, nt) != GR_OK) rc = cli_lib_error("projecting a new item");
        found[k] = 1;
    }
    free(scores);
    gr_genome_free(src);
    return rc;
}

/*
 * The item feature rows of movies[0..n) (malloc'ed, n x the model's item
 * width): their relevances in DIR's sources projected by the projections
 * saved beside model_path, as training projected its items, a source
 * that lacks a movie giving zeros; found[k] is set where any source has
 * movie k.
 */
static int item_rows(float **rows, unsigned char *found, const gr_model *m, const char *model_path, const char *dir,
                     const int64_t *movies, size_t n)
{
    size_t width = 0, at = 0;
    int rc = EXIT_OK, any = 0;
    *rows = NULL;
    if (gr_model_feature_dim(&width, m, GR_NODE_ITEM) != GR_OK) return cli_lib_error("the model's item features");
    float *out = calloc(n * width > 0 ? n * width : 1, sizeof *out);
    if (!out) return cli_usage_error("out of memory");
    memset(found, 0, n);
    for (int s = 0; !rc && s < CLI_GENOME_SOURCES; s++) {
        char path[4096];
        struct stat st;
        snprintf(path, sizeof path, "%s%s", model_path, source_suffix[s]);
        if (stat(path, &st) != 0) continue;
        any = 1;
        gr_genome *proj = NULL;
        if (gr_genome_load(&proj, path) != GR_OK) rc = cli_lib_error("loading the projection");
        else if (at + gr_genome_dim(proj) > width)
            rc = cli_usage_error("%s: the projections give more columns than the model's %zu item features", path, width);
        else rc = source_blocks(out + at, width, s, proj, dir, movies, n, found);
        if (proj) at += gr_genome_dim(proj);
        gr_genome_free(proj);
    }
    if (!rc && !any)
        rc = cli_usage_error("--genome: no %s.genome or %s.tags beside the model (train with --genome DIR --out %s)",
                             model_path, model_path, model_path);
    if (!rc && at != width)
        rc = cli_usage_error("the projections beside %s give %zu columns, the model has %zu item features", model_path, at, width);
    if (rc) free(out);
    else *rows = out;
    return rc;
}

int cli_genome_item_row(float **row, const gr_model *m, const char *model_path, const char *dir, int64_t movie)
{
    unsigned char found = 0;
    int rc = item_rows(row, &found, m, model_path, dir, &movie, 1);
    if (!rc && !found) {
        free(*row);
        *row = NULL;
        rc = cli_usage_error("--new-item-movie: movie %lld has neither genome scores nor a tag column in %s", (long long)movie, dir);
    }
    return rc;
}

int cli_genome_new_items(gr_trainer *t, const gr_model *m, const gr_graph *added, const char *model_path, const char *dir)
{
    const gr_graph *known = gr_model_graph(m);
    size_t na = gr_graph_num_items(added), n = 0;
    int64_t *movies = malloc((na ? na : 1) * sizeof *movies);
    unsigned char *found = malloc(na ? na : 1);
    if (!movies || !found) {
        free(movies);
        free(found);
        return cli_usage_error("out of memory");
    }
    /* the grown graph appends the added graph's new items in its order */
    for (size_t k = 0; k < na; k++) {
        int64_t id;
        size_t users;
        gr_graph_item_id(&id, added, k);
        if (gr_graph_item_users(&users, known, id, NULL, NULL, 0) == GR_ENOTFOUND) movies[n++] = id;
    }
    float *rows = NULL;
    int rc = n ? item_rows(&rows, found, m, model_path, dir, movies, n) : EXIT_OK;
    size_t width = 0;
    if (!rc && n) gr_model_feature_dim(&width, m, GR_NODE_ITEM);
    if (!rc && n && gr_trainer_set_features(t, GR_NODE_ITEM, rows, n, width) != GR_OK)
        rc = cli_lib_error("setting the new items' features");
    free(rows);
    free(movies);
    free(found);
    return rc;
}
