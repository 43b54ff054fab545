/* gnnrec: train, evaluate and serve graph recommendation models. */
#include <string.h>

#include "cli.h"

static const char *const usage =
    "usage: gnnrec COMMAND [options]\n"
    "commands:\n"
    "  train      fit a model (LightGCN, MF, ...) and evaluate it\n"
    "  eval       evaluate a saved model on a test file\n"
    "  recommend  top-k items for a user, a new user, or similar items\n"
    "  synth      write a synthetic MovieLens-format dataset\n"
    "  info       describe a saved model\n"
    "  update     add new interactions, users and items (or triples) to a saved model\n"
    "'gnnrec COMMAND --help' lists a command's options; 'gnnrec --version' the version.\n";

static int run(int argc, char **argv)
{
    if (argc < 2) return cli_usage_error("no command given (train, eval, recommend, synth, info, update); usage: gnnrec --help");
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "help") || !strcmp(cmd, "-h")) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    if (!strcmp(cmd, "--version")) {
        printf("gnnrec %s\n", gr_version_string());
        return EXIT_OK;
    }
    if (!strcmp(cmd, "train")) return cmd_train(argc - 2, argv + 2);
    if (!strcmp(cmd, "eval")) return cmd_eval(argc - 2, argv + 2);
    if (!strcmp(cmd, "recommend")) return cmd_recommend(argc - 2, argv + 2);
    if (!strcmp(cmd, "synth")) return cmd_synth(argc - 2, argv + 2);
    if (!strcmp(cmd, "info")) return cmd_info(argc - 2, argv + 2);
    if (!strcmp(cmd, "update")) return cmd_update(argc - 2, argv + 2);
    return cli_usage_error("unknown command '%s' (train, eval, recommend, synth, info, update)", cmd);
}

int main(int argc, char **argv)
{
    int rc = cli_dist_begin(&argc, &argv);
    if (rc == EXIT_OK) rc = run(argc, argv);
    return cli_dist_end(rc);
}
