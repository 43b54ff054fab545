/*
 * Writes the seed corpora of the fuzz harnesses into OUT/<harness>/, all
 * made by the library itself from a small synthetic dataset
 * (gr_synth_write): interaction files through gr_graph_write(), MovieLens
 * 100K and 1M directories as gr_synth_write() lays them out, a MovieLens
 * "latest" directory (ratings.csv, movies.csv) printed from the loaded
 * 1M graph, triple files through gr_kg_write() with dictionaries printed
 * from the graph's names, and one trained model file of every kind.
 *
 *     make_seeds OUT
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnnrec.h>

#include "fuzz_util.h"

static const char *out_root;
static char work[4096];

static void die(const char *what)
{
    fprintf(stderr, "make_seeds: %s: %s\n", what, gr_last_error());
    exit(1);
}

static void check(int rc, const char *what)
{
    if (rc != GR_OK) die(what);
}

/* A path from a printf format, in one of two rotating buffers: callers
 * keep what must outlive two more calls with strdup. */
static const char *pathf(const char *fmt, ...)
{
    static char bufs[2][4096];
    static int next;
    char *b = bufs[next++ & 1];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, sizeof bufs[0], fmt, ap);
    va_end(ap);
    return b;
}

static char *slurp(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        *size = 0;
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "make_seeds: cannot read %s\n", path);
        exit(1);
    }
    fclose(f);
    buf[n] = '\0';
    *size = (size_t)n;
    return buf;
}

static FILE *xfopen(const char *path, const char *mode)
{
    FILE *f = fopen(path, mode);
    if (!f) {
        fprintf(stderr, "make_seeds: cannot open %s: %s\n", path, strerror(errno));
        exit(1);
    }
    return f;
}

static FILE *seed_open(const char *harness, const char *name)
{
    mkdir(pathf("%s/%s", out_root, harness), 0755);
    return xfopen(pathf("%s/%s/%s", out_root, harness, name), "wb");
}

static void seed_close(FILE *f)
{
    if (fclose(f) != 0) {
        fprintf(stderr, "make_seeds: write failed\n");
        exit(1);
    }
}

/* The files dir/names[0..n) (names[0..n) when dir is NULL) as one file set
 * (fuzz_util.h). */
static void seed_set(const char *harness, const char *name, const char *dir, const char *const *names, size_t n)
{
    FILE *out = seed_open(harness, name);
    for (size_t k = 0; k < n; k++) {
        size_t size;
        char *text = slurp(dir ? pathf("%s/%s", dir, names[k]) : names[k], &size);
        if (k) fputs(FZ_SEP, out);
        if (text) fwrite(text, 1, size, out);
        free(text);
    }
    seed_close(out);
}

static void seed_copy(const char *harness, const char *name, const char *path)
{
    const char *own = strdup(path);
    seed_set(harness, name, NULL, &own, 1);
    free((char *)own);
}

/* Interaction files in each format the single-file loader reads. */
static void interaction_seeds(const gr_graph *g, const char *dir100k, const char *dir1m)
{
    char *adj = strdup(pathf("%s/adjacency.txt", work));
    check(gr_graph_write(g, adj, GR_FORMAT_ADJACENCY), "write adjacency");
    char *tsv = strdup(pathf("%s/ratings.tsv", work));
    check(gr_graph_write(g, tsv, GR_FORMAT_ML100K), "write tab separated");
    size_t size;
    char *text = slurp(tsv, &size), *comma = strdup(text);
    for (char *p = comma; *p; p++)
        if (*p == '\t') *p = ',';
    FILE *f = seed_open("graph_delimited", "comma.csv");
    fputs("userId,movieId,rating,timestamp\n", f);
    fputs(comma, f);
    seed_close(f);
    free(text);
    free(comma);
    /* ids that are names: a CSV of user and item names, an adjacency list of them */
    const char *const targets[] = { "graph_delimited", "graph_auto" };
    for (int t = 0; t < 2; t++) {
        f = seed_open(targets[t], "names.csv");
        fputs("user,item,rating\nalice,B000X,5\nbob,B000X,3\nalice, sku 7 ,4\n9f1c-2e,B000Y,1\n", f);
        seed_close(f);
    }
    f = seed_open("graph_adjacency", "names.txt");
    fputs("alice B000X B000Y\nbob B000Y 17\n", f);
    seed_close(f);
    seed_copy("graph_adjacency", "adjacency.txt", adj);
    seed_copy("graph_delimited", "tab.tsv", tsv);
    seed_copy("graph_auto", "adjacency.txt", adj);
    seed_copy("graph_auto", "u.data", pathf("%s/u.data", dir100k));
    seed_copy("graph_auto", "ratings.dat", pathf("%s/ratings.dat", dir1m));
    free(adj);
    free(tsv);
}

/* A MovieLens "latest" directory from a graph with 1M metadata. */
static void latest_seed(const gr_graph *g)
{
    char *dir = strdup(pathf("%s/latest", work));
    mkdir(dir, 0755);
    size_t n = gr_graph_num_edges(g);
    int64_t *u = malloc(n * sizeof *u), *i = malloc(n * sizeof *i), *ts = malloc(n * sizeof *ts);
    float *r = malloc(n * sizeof *r);
    if (!u || !i || !ts || !r) die("out of memory");
    check(gr_graph_edges(g, u, i, r, ts, n), "edges");
    FILE *f = xfopen(pathf("%s/ratings.csv", dir), "w");
    fputs("userId,movieId,rating,timestamp\n", f);
    for (size_t k = 0; k < n; k++) fprintf(f, "%lld,%lld,%.1f,%lld\n", (long long)u[k], (long long)i[k], r[k], (long long)ts[k]);
    fclose(f);
    f = xfopen(pathf("%s/movies.csv", dir), "w");
    fputs("movieId,title,genres\n", f);
    for (size_t k = 0; k < gr_graph_num_items(g); k++) {
        int64_t id;
        gr_graph_item_id(&id, g, k);
        const char *title = gr_graph_item_title(g, id);
        fprintf(f, "%lld,\"", (long long)id);
        for (const char *c = title ? title : ""; *c; c++) fputs(*c == '"' ? "\"\"" : (char[]){ *c, 0 }, f);
        fputs("\",", f);
        uint64_t mask = gr_graph_item_genres(g, id);
        int first = 1;
        for (size_t b = 0; b < gr_graph_num_genres(g); b++)
            if (mask >> b & 1) {
                fprintf(f, "%s%s", first ? "" : "|", gr_graph_genre_name(g, b));
                first = 0;
            }
        fputs(first ? "(no genres listed)\n" : "\n", f);
    }
    fclose(f);
    free(u);
    free(i);
    free(ts);
    free(r);
    static const char *const names[] = { "ratings.csv", "movies.csv" };
    seed_set("mllatest", "latest", dir, names, 2);
    free(dir);
}

/* id<TAB>name for ids 0..n-1. */
static void write_dict(const char *path, const gr_kg *kg, int entities)
{
    FILE *f = xfopen(path, "w");
    size_t n = entities ? gr_kg_num_entities(kg) : gr_kg_num_relations(kg);
    for (size_t k = 0; k < n; k++)
        fprintf(f, "%zu\t%s\n", k, entities ? gr_kg_entity_name(kg, (int64_t)k) : gr_kg_relation_name(kg, (int64_t)k));
    fclose(f);
}

static void kg_seeds(const gr_kg *kg)
{
    char *dir = strdup(pathf("%s/kg", work));
    mkdir(dir, 0755);
    check(gr_kg_write(kg, pathf("%s/train.txt", dir)), "write triples");
    write_dict(pathf("%s/entities.dict", dir), kg, 1);
    write_dict(pathf("%s/relations.dict", dir), kg, 0);
    /* valid.txt: the first triples of train.txt */
    size_t size;
    char *text = slurp(pathf("%s/train.txt", dir), &size);
    char *cut = text;
    for (int lines = 0; lines < 10 && (cut = strchr(cut, '\n')); lines++) cut++;
    if (cut) *cut = '\0';
    FILE *f = xfopen(pathf("%s/valid.txt", dir), "w");
    fputs(text, f);
    fclose(f);
    free(text);
    static const char *const names[] = { "train.txt", "entities.dict", "relations.dict", "valid.txt" };
    seed_set("kg", "with_dicts", dir, names, 4);
    seed_set("kg", "triples_only", dir, names, 1);
    free(dir);
}

static gr_trainer *tiny_trainer(int kind)
{
    gr_trainer *t;
    check(gr_trainer_new(&t, kind), "trainer");
    check(gr_trainer_set_int(t, GR_OPT_DIM, 8), "dim");
    check(gr_trainer_set_int(t, GR_OPT_EPOCHS, 2), "epochs");
    check(gr_trainer_set_int(t, GR_OPT_THREADS, 1), "threads");
    if (kind == GR_MODEL_GRAPHSAGE) {
        check(gr_trainer_set(t, "hidden", "8"), "hidden");
        check(gr_trainer_set(t, "id_dim", "8"), "id_dim");
    }
    return t;
}

static void model_seed(gr_model *m, int kind)
{
    const char *path = pathf("%s/model.gnr", work);
    check(gr_model_save(m, path), "save model");
    seed_copy("model", gr_model_kind_name(kind), path);
    gr_model_free(m);
}

static void model_seeds(const gr_graph *g, const gr_kg *kg)
{
    for (int kind = GR_MODEL_LIGHTGCN; kind <= GR_MODEL_GRAPHSAGE; kind++) {
        gr_trainer *t = tiny_trainer(kind);
        gr_model *m;
        check(gr_trainer_fit(&m, t, g), gr_model_kind_name(kind));
        gr_trainer_free(t);
        model_seed(m, kind);
    }
    for (int kind = GR_MODEL_TRANSE; kind <= GR_MODEL_COMPLEX; kind++) {
        gr_trainer *t = tiny_trainer(kind);
        gr_model *m;
        check(gr_kg_fit(&m, t, kg, NULL), gr_model_kind_name(kind));
        gr_trainer_free(t);
        model_seed(m, kind);
    }
}

static void settings_seeds(void)
{
    static const char *const texts[] = {
        "\001dim=16\nlayers=2\nepochs=3\nlr=1e-3\nreg=1e-4\nmode=fast\nseed=7\nthreads=1\nlightgcn\nAction,Comedy\n",
        "\003objective=rating\ndropout=0.1\nnegatives=2\nbatch=128\ngraphsage\nDrama\n",
        "\006dim=32\nepochs=5\npatience=2\neval_every=1\nvalid_metric=mrr\nrotate\nWar,Film-Noir\n",
    };
    for (size_t k = 0; k < sizeof texts / sizeof *texts; k++) {
        char name[32];
        snprintf(name, sizeof name, "settings%zu", k);
        FILE *f = seed_open("settings", name);
        fputs(texts[k], f);
        seed_close(f);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: make_seeds OUT\n");
        return 2;
    }
    out_root = argv[1];
    mkdir(out_root, 0755);
    const char *tmp = getenv("TMPDIR");
    snprintf(work, sizeof work, "%s/gnnrec-seeds-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(work)) die("temporary directory");
    gr_set_num_threads(1);

    gr_synth_options o = GR_SYNTH_OPTIONS_INIT;
    o.users = 24;
    o.items = 30;
    o.ratings_per_user = 5;
    char *dir100k = strdup(pathf("%s/ml100k", work)), *dir1m = strdup(pathf("%s/ml1m", work));
    o.format = GR_FORMAT_ML100K;
    check(gr_synth_write(dir100k, &o), "synth 100K");
    o.format = GR_FORMAT_ML1M;
    check(gr_synth_write(dir1m, &o), "synth 1M");
    static const char *const n100k[] = { "u.data", "u.item", "u.user", "u.genre", "u.occupation" };
    static const char *const n1m[] = { "ratings.dat", "movies.dat", "users.dat" };
    seed_set("ml100k", "ml100k", dir100k, n100k, 5);
    seed_set("ml1m", "ml1m", dir1m, n1m, 3);

    gr_graph *g100k, *g1m;
    check(gr_graph_load(&g100k, dir100k, NULL), "load 100K");
    check(gr_graph_load(&g1m, dir1m, NULL), "load 1M");
    interaction_seeds(g100k, dir100k, dir1m);
    latest_seed(g1m);
    gr_kg *kg;
    check(gr_kg_from_graph(&kg, g100k, 0.0, GR_KG_SIDE_ALL), "kg from graph");
    kg_seeds(kg);
    model_seeds(g100k, kg);
    settings_seeds();
    gr_kg_free(kg);
    gr_graph_free(g1m);
    gr_graph_free(g100k);
    free(dir100k);
    free(dir1m);
    if (system(pathf("rm -rf '%s'", work)) != 0) fprintf(stderr, "make_seeds: could not remove %s\n", work);
    printf("make_seeds: corpora in %s\n", out_root);
    return 0;
}
