/* Loading the graphs a command works on, from the data flags. */
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cli.h"

static const char *const format_names[] = { "auto", "adjacency", "ml100k", "ml1m", "csv", "delimited", NULL };
static const char *const ids_names[] = { "auto", "integers", "names", NULL };

/* The index of `text` among names (any case), or -1. */
static int name_index(const char *const *names, const char *text)
{
    for (int k = 0; names[k]; k++)
        if (strcasecmp(names[k], text) == 0) return k;
    return -1;
}

static int load_options(gr_load_options *o, cli_args *a)
{
    gr_load_options init = GR_LOAD_OPTIONS_INIT;
    *o = init;
    const char *f = cli_get(a, "format"), *ids = cli_get(a, "ids");
    if (f && (o->format = name_index(format_names, f)) < 0)
        return cli_usage_error("--format: unknown format '%s' (auto, adjacency, ml100k, ml1m, csv, delimited)", f);
    if (ids && (o->ids = name_index(ids_names, ids)) < 0)
        return cli_usage_error("--ids: expected auto, integers or names, got '%s'", ids);
    int rc = cli_double(a, "min-rating", &o->min_rating);
    if (rc) return rc;
    if (cli_has(a, "no-metadata")) o->metadata = 0;
    o->items_path = cli_get(a, "items");
    o->users_path = cli_get(a, "users");
    return EXIT_OK;
}

int cli_load(gr_graph **out, const char *path, cli_args *a, const gr_graph *ids_of)
{
    gr_load_options o;
    int rc = load_options(&o, a);
    if (rc) return rc;
    if (ids_of && !cli_get(a, "ids")) o.ids = gr_graph_has_names(ids_of) ? GR_IDS_NAMES : GR_IDS_INTEGERS;
    if (gr_graph_load(out, path, &o) != GR_OK) return cli_lib_error("loading data");
    return EXIT_OK;
}

int cli_load_like(gr_graph **out, const gr_graph *like, const char *path, cli_args *a)
{
    gr_load_options o;
    int rc = load_options(&o, a);
    if (rc) return rc;
    if (gr_graph_load_like(out, like, path, &o) != GR_OK) return cli_lib_error("loading data");
    return EXIT_OK;
}

static int split_options(gr_split_options *s, cli_args *a)
{
    gr_split_options init = GR_SPLIT_OPTIONS_INIT;
    *s = init;
    const char *m = cli_get(a, "split");
    if (m) {
        if (!strcmp(m, "ratio")) s->method = GR_SPLIT_USER_RATIO;
        else if (!strcmp(m, "loo")) s->method = GR_SPLIT_LEAVE_ONE_OUT;
        else if (!strcmp(m, "random")) s->method = GR_SPLIT_RANDOM;
        else return cli_usage_error("--split: unknown method '%s' (ratio, loo, random)", m);
    }
    long seed = 42;
    int rc = cli_double(a, "test-ratio", &s->test_ratio);
    if (!rc) rc = cli_double(a, "valid-ratio", &s->valid_ratio);
    if (!rc) rc = cli_long(a, "split-seed", &seed, 0, 2147483647L);
    s->seed = (uint64_t)seed;
    return rc;
}

static int load_split(cli_data *d, cli_args *a, const char *dir, const gr_load_options *o)
{
    gr_split_options s;
    int rc = split_options(&s, a);
    if (rc) return rc;
    gr_graph *all = NULL;
    if (gr_graph_load(&all, dir, o) != GR_OK) return cli_lib_error("loading data");
    int want_valid = s.method == GR_SPLIT_LEAVE_ONE_OUT || s.valid_ratio > 0;
    rc = gr_graph_split(&d->train, want_valid ? &d->valid : NULL, &d->test, all, &s);
    gr_graph_free(all);
    return rc == GR_OK ? EXIT_OK : cli_lib_error("splitting data");
}

/* Flags that only one way of giving the data reads are errors with the
 * other: silently ignored, they would leave the user believing they acted. */
static int check_applicable(cli_args *a, const char *train, const char *dir)
{
    static const char *const split_flags[] = { "split", "test-ratio", "valid-ratio", "split-seed" };
    static const char *const file_flags[] = { "valid", "test" };
    static const char *const ratio_flags[] = { "test-ratio", "valid-ratio" };
    int rc = EXIT_OK;
    if (train && dir) return cli_usage_error("give either --train FILE (with --valid/--test) or --dataset DIR, not both");
    if (train) rc = cli_reject(a, split_flags, 4, "with --train (it splits --dataset; give --valid/--test files instead)");
    if (!rc && dir) rc = cli_reject(a, file_flags, 2, "with --dataset (it is split by --split; or give --train/--valid/--test)");
    const char *method = cli_get(a, "split");
    if (!rc && method && !strcmp(method, "loo"))
        rc = cli_reject(a, ratio_flags, 2, "with --split loo (each user's latest edge is the test, the one before the validation)");
    struct stat st;
    if (!rc && dir && cli_has(a, "format") && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
        rc = cli_usage_error("--format does not apply to a --dataset directory (its format follows from u.data, ratings.dat or "
                             "ratings.csv); give it with --train/--valid/--test files");
    return rc;
}

int cli_load_data(cli_data *d, cli_args *a)
{
    memset(d, 0, sizeof *d);
    const char *train = cli_get(a, "train"), *dir = cli_get(a, "dataset");
    const char *valid = cli_get(a, "valid"), *test = cli_get(a, "test");
    int rc = check_applicable(a, train, dir);
    if (rc) return rc;
    gr_load_options o;
    rc = load_options(&o, a);
    if (rc) return rc;
    /* under an MPI launcher each rank reads its own part of each file
     * (docs/distributed.md, "Loading"); the loads are collective */
    o.comm = cli_dist_comm();
    if (!train && dir) return load_split(d, a, dir, &o);
    if (!train) return cli_usage_error("give --train FILE (with --valid/--test) or --dataset DIR");
    if (gr_graph_load(&d->train, train, &o) != GR_OK) return cli_lib_error("loading training data");
    if (valid && gr_graph_load_like(&d->valid, d->train, valid, &o) != GR_OK) return cli_lib_error("loading validation data");
    if (test && gr_graph_load_like(&d->test, d->train, test, &o) != GR_OK) return cli_lib_error("loading test data");
    return EXIT_OK;
}

void cli_data_free(cli_data *d)
{
    gr_graph_free(d->train);
    gr_graph_free(d->valid);
    gr_graph_free(d->test);
    memset(d, 0, sizeof *d);
}

void cli_mark_data_flags(cli_args *a)
{
    static const char *const known[] = { "train", "valid", "test", "dataset", "format", "ids", "min-rating", "no-metadata",
                                         "items", "users", "split", "test-ratio", "valid-ratio", "split-seed" };
    for (size_t k = 0; k < sizeof known / sizeof known[0]; k++) cli_has(a, known[k]);
}
