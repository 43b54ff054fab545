/* Loading the graphs a command works on, from the data flags. */
#include <string.h>
#include <strings.h>

#include "cli.h"

static const char *const format_names[] = { "auto", "adjacency", "ml100k", "ml1m", "csv", "delimited", NULL };

static int load_options(gr_load_options *o, cli_args *a)
{
    gr_load_options init = GR_LOAD_OPTIONS_INIT;
    *o = init;
    const char *f = cli_get(a, "format");
    if (f) {
        int k = 0;
        while (format_names[k] && strcasecmp(format_names[k], f) != 0) k++;
        if (!format_names[k]) return cli_usage_error("--format: unknown format '%s' (auto, adjacency, ml100k, ml1m, csv, delimited)", f);
        o->format = k;
    }
    int rc = cli_double(a, "min-rating", &o->min_rating);
    if (rc) return rc;
    if (cli_has(a, "no-metadata")) o->metadata = 0;
    o->items_path = cli_get(a, "items");
    o->users_path = cli_get(a, "users");
    return EXIT_OK;
}

int cli_load(gr_graph **out, const char *path, cli_args *a)
{
    gr_load_options o;
    int rc = load_options(&o, a);
    if (rc) return rc;
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

int cli_load_data(cli_data *d, cli_args *a)
{
    memset(d, 0, sizeof *d);
    gr_load_options o;
    int rc = load_options(&o, a);
    if (rc) return rc;
    const char *train = cli_get(a, "train"), *dir = cli_get(a, "dataset");
    const char *valid = cli_get(a, "valid"), *test = cli_get(a, "test");
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
    static const char *const known[] = { "train", "valid", "test", "dataset", "format", "min-rating", "no-metadata",
                                         "items", "users", "split", "test-ratio", "valid-ratio", "split-seed" };
    for (size_t k = 0; k < sizeof known / sizeof known[0]; k++) cli_has(a, known[k]);
}
