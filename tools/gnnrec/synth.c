/* gnnrec synth: write a synthetic MovieLens-format dataset. */
#include <string.h>

#include "cli.h"

static const char *const synth_usage =
    "usage: gnnrec synth --out DIR [options]\n"
    "  Writes a MovieLens-format dataset with planted taste structure.\n";

static const cli_flag_doc synth_flags[] = {
    { "out", "DIR", "the directory to write" },
    { "users", "N", "number of users (500)" },
    { "items", "N", "number of items (800)" },
    { "ratings-per-user", "N", "ratings of each user (60)" },
    { "format", "ml100k|ml1m", "file layout (ml100k)" },
    { "seed", "N", "random seed (42)" },
    { "json", NULL, "print one JSON object" },
    { "help", NULL, "this list" },
};

int cmd_synth(int argc, char **argv)
{
    cli_args a;
    int rc = cli_parse(&a, argc, argv, "json,help");
    if (rc) return rc;
    if (cli_has(&a, "help")) {
        cli_print_help(synth_usage, synth_flags, sizeof synth_flags / sizeof synth_flags[0]);
        return EXIT_OK;
    }
    gr_synth_options o = GR_SYNTH_OPTIONS_INIT;
    long users = (long)o.users, items = (long)o.items, per = (long)o.ratings_per_user, seed = (long)o.seed;
    const char *out = cli_get(&a, "out"), *format = cli_get(&a, "format");
    if (!out) return cli_usage_error("gnnrec synth needs --out DIR");
    if ((rc = cli_long(&a, "users", &users, 2, 100000000L)) || (rc = cli_long(&a, "items", &items, 2, 100000000L)) ||
        (rc = cli_long(&a, "ratings-per-user", &per, 1, 100000000L)) || (rc = cli_long(&a, "seed", &seed, 0, 2147483647L)))
        return rc;
    if (format && strcmp(format, "ml100k") && strcmp(format, "ml1m"))
        return cli_usage_error("--format: expected ml100k or ml1m, got '%s'", format);
    int json = cli_has(&a, "json");
    if ((rc = cli_check_unused(&a, "synth"))) return rc;
    o.users = (size_t)users;
    o.items = (size_t)items;
    o.ratings_per_user = (size_t)per;
    o.seed = (uint64_t)seed;
    o.format = format && !strcmp(format, "ml1m") ? GR_FORMAT_ML1M : GR_FORMAT_ML100K;
    if (gr_synth_write(out, &o) != GR_OK) return cli_lib_error("writing the dataset");
    if (json) {
        json_out j;
        json_begin(&j);
        json_str(&j, "out", out);
        json_num(&j, "users", (double)o.users);
        json_num(&j, "items", (double)o.items);
        json_end_print(&j);
    } else {
        printf("wrote a %s-format dataset of %zu users and %zu items to %s\n", o.format == GR_FORMAT_ML1M ? "ML-1M" : "ML-100K",
               o.users, o.items, out);
    }
    return EXIT_OK;
}
