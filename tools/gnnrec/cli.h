/* The gnnrec command-line program: shared declarations. */
#ifndef GNNREC_CLI_H
#define GNNREC_CLI_H

#include <gnnrec.h>
#include <stdio.h>

/* Exit statuses: usage errors differ from failures of the work itself. */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* A parsed command line: --flag value pairs and bare --switches. */
typedef struct cli_args {
    int n;
    const char *key[128];
    const char *val[128]; /* NULL for switches */
    int used[128];
    char names[128][64];
} cli_args;

/* Parse argv; `switches` lists the flags that take no value ("json,least").
 * Prints a one-line error and returns EXIT_USAGE on malformed input. */
int cli_parse(cli_args *a, int argc, char **argv, const char *switches);
/* The value of --key, or NULL. */
const char *cli_get(cli_args *a, const char *key);
int cli_has(cli_args *a, const char *key);
/* Typed accessors: print an error naming the flag and return EXIT_USAGE on a bad value. */
int cli_long(cli_args *a, const char *key, long *out, long lo, long hi);
int cli_double(cli_args *a, const char *key, double *out);
/* Whether s is a plain decimal integer / number (no blanks, hex, inf, nan). */
int cli_is_integer(const char *s);
int cli_is_number(const char *s);
/* EXIT_USAGE for an empty comma-separated list or an empty item in it. */
int cli_check_list(const char *flag, const char *text);
/* EXIT_USAGE naming the first of flags given: "--F does not apply <why>". */
int cli_reject(cli_args *a, const char *const *flags, size_t n, const char *why);
/* The one rule for --k: 1..catalogue, where catalogue counts what `what`
 * names ("items in the model"); checked before any work is done. */
int cli_check_k(long k, size_t catalogue, const char *what);
/* Fail with EXIT_USAGE naming the first flag no one asked for. */
int cli_check_unused(cli_args *a, const char *cmd);

/* One line of a command's --help: a flag, its argument, what it does.  A
 * row with flag NULL is a heading (text), one with text NULL continues the
 * row above it with more flags.  docs/gnnrec.1 and docs/cli.md list the
 * same flags (tests/test_cli.sh checks it). */
typedef struct cli_flag_doc {
    const char *flag, *arg, *text;
} cli_flag_doc;
void cli_print_help(const char *usage, const cli_flag_doc *rows, size_t n);

/*
 * Under an MPI launcher (docs/distributed.md; tools/gnnrec/dist_mpi.c in a
 * build with MPI): cli_dist_begin initialises MPI when a launcher started
 * the process and sends the standard output of ranks other than 0 to
 * /dev/null; cli_dist_comm is the communicator for gr_trainer_set_comm
 * (NULL in a single process); cli_dist_agree returns the largest exit
 * status of all ranks (collective); cli_dist_end agrees on the exit status
 * and finalises MPI.  cli_rank and cli_size are this rank and the count.
 */
extern int cli_rank, cli_size;
int cli_dist_begin(int *argc, char ***argv);
void *cli_dist_comm(void);
int cli_dist_agree(int status);
int cli_dist_end(int status);

/* Names of the gr_metric values, in their order ("recall", "precision", ...). */
extern const char *const cli_metric_names[GR_METRIC_COUNT];

/* Print "gnnrec: error: ..." and return EXIT_USAGE / EXIT_FAIL. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int cli_lib_error(const char *what);

/* JSON object on one line. */
typedef struct json_out {
    char *buf;
    size_t len, cap;
    int items;
} json_out;

void json_begin(json_out *j);
void json_num(json_out *j, const char *key, double v);
void json_str(json_out *j, const char *key, const char *v);
/* Raw JSON value (an array or object built by the caller). */
void json_raw(json_out *j, const char *key, const char *raw);
void json_end_print(json_out *j);
/* Append a JSON string literal of s to j's buffer (no key). */
void json_append_string(json_out *j, const char *s);
void json_append(json_out *j, const char *text);

/* Parse "10,20" into ks (at most cap); EXIT_USAGE on error. */
int cli_parse_ks(const char *text, int *ks, size_t cap, size_t *nk);

/* ---- ids (ids.c): integers, or names in a model whose ids are names ---- */
/* The id `text` names in g's id space; a usage error names --flag. */
int cli_id(int64_t *id, const gr_graph *g, const char *flag, const char *text);
/* As cli_id, for a user (item: 0) or item (1) the model must hold: an
 * unknown name is a usage error that names it. */
int cli_known_id(int64_t *id, const gr_graph *g, int item, const char *flag, const char *text);
/* Lists of ids: fields split at commas, where a backslash takes the next
 * character as it is ("\," a comma in a name, "\:" a colon before a
 * --rated rating, "\\" a backslash).  cli_split_list splits text in place
 * at its unescaped commas into fields (at least one; room for one more
 * than text's commas), escapes kept; cli_last_unescaped finds a field's
 * last unescaped c (NULL: none); cli_unescape drops the escapes in place. */
size_t cli_split_list(char *text, char **fields);
char *cli_last_unescaped(char *field, char c);
void cli_unescape(char *field);
/* text split as cli_split_list does into a malloc'ed copy and field
 * array (both the caller's to free, also on error); an empty list or an
 * empty field is a usage error naming --flag. */
int cli_list_fields(char **copy, char ***fields, size_t *n, const char *flag, const char *text);
/* The item ids of a comma-separated list (malloc'ed, at least one); with
 * known, as cli_known_id: a name the model lacks is a usage error. */
int cli_id_list(int64_t **ids, size_t *n, const gr_graph *g, int known, const char *flag, const char *text);
/* A user's (item: 0) or item's (1) name, or its id printed into buf. */
const char *cli_id_text(char *buf, size_t cap, const gr_graph *g, int item, int64_t id);
/* Append ', "name": "..."' to a JSON object being written, when named. */
void cli_json_name(json_out *obj, const gr_graph *g, int item, int64_t id);
/* "key": id (an exact integer), and "key_name": name when named. */
void cli_json_id(json_out *j, const char *key, const gr_graph *g, int item, int64_t id);

/* Load train/valid/test graphs from the flags (--train/--valid/--test or
 * --dataset with a split); defined in data.c. */
typedef struct cli_data {
    gr_graph *train, *valid, *test;
} cli_data;
int cli_load_data(cli_data *d, cli_args *a);
void cli_data_free(cli_data *d);
/* Mark the data flags as known (they are read when the data is loaded). */
void cli_mark_data_flags(cli_args *a);
/* Load a graph in the model's id space. */
int cli_load_like(gr_graph **out, const gr_graph *like, const char *path, cli_args *a);
/* Load a file in its own id space, read as the data flags say (data.c);
 * without --ids, its ids are of the kind of ids_of's (when not NULL). */
int cli_load(gr_graph **out, const char *path, cli_args *a, const gr_graph *ids_of);

/* Cold start (coldstart.c): whether the flags describe a new user / item,
 * and the recommendations for them. */
int cli_wants_new_user(cli_args *a);
int cli_wants_new_item(cli_args *a);
int cli_recommend_new_user(const gr_model *m, cli_args *a, const gr_rec_options *o, size_t k, int64_t *items,
                           float *scores, size_t *n);
int cli_new_item(const gr_model *m, cli_args *a, size_t k, json_out *j);

/* Link prediction (links.c): whether the flags ask a knowledge-graph
 * model for the entities completing (--head, --relation, ?) or (?,
 * --relation, --tail), and the answer, printed (entities in JSON). */
int cli_wants_links(cli_args *a);
int cli_predict_links(const gr_model *m, cli_args *a, long k, json_out *j);

/* --genome DIR (genome.c): the tag genome and tags.csv of a MovieLens
 * directory as GraphSAGE item features, and their projections saved beside
 * the model as MODEL.genome and MODEL.tags. */
enum { CLI_GENOME_SOURCES = 2 };
typedef struct cli_genome {
    gr_genome *src[CLI_GENOME_SOURCES]; /* genome files, tags.csv; NULL when absent */
} cli_genome;
/* Without --genome: nothing (g empty).  With it: read, fit on train, and
 * give the trainer the item features. */
int cli_genome_features(cli_genome *g, gr_trainer *t, const gr_graph *train, cli_args *a, int kind);
int cli_genome_save(const cli_genome *g, const char *model_path);
void cli_genome_free(cli_genome *g);
/* The item feature row of a movie the model has not seen: its relevances
 * in DIR's sources projected by the projections saved beside model_path,
 * exactly as training projected its items (malloc'ed). */
int cli_genome_item_row(float **row, const gr_model *m, const char *model_path, const char *dir, int64_t movie);
/* gnnrec update --genome DIR: the rows of the items of added that m lacks,
 * projected as cli_genome_item_row's (zeros for a movie neither source
 * has, as in training), as t's item features of the update. */
int cli_genome_new_items(gr_trainer *t, const gr_model *m, const gr_graph *added, const char *model_path, const char *dir);
/* The trials of a --budget settings search (trials.c): begin before the
 * fit (last_epoch / last_seconds, when not NULL, are the progress
 * output's, zeroed before each trial), cli_on_trial as the trainer's
 * trial callback, end after it: "search_trials", "trials" and "chosen" in
 * the JSON object, and a line on stdout without --json. */
#define CLI_MAX_SEARCHED 8
typedef struct cli_trials {
    int quiet, rmse;
    char label[32]; /* the validation figure's name ("ndcg@20"); empty: "figure" */
    int *last_epoch;
    double *last_seconds;
    json_out list;
    size_t n, n_names;
    char names[CLI_MAX_SEARCHED][32];
} cli_trials;
void cli_trials_begin(cli_trials *c, int quiet, int rmse, int *last_epoch, double *last_seconds);
int cli_on_trial(void *ud, int trial, size_t n, const char *const *names, const double *values, double metric,
                 int best_epoch, double seconds);
void cli_trials_end(cli_trials *c, json_out *j, const gr_model *m, int json);

int cmd_train(int argc, char **argv);
/* After a fit: "kept epoch B of N" on stderr (with validation, unless
 * quiet) and, without --json, "trained KIND in S s: N epochs, kept epoch B". */
void cli_report_kept(const gr_trainer *t, const gr_model *m, int quiet, int json);
/* Trainer settings from the flags that name them (train.c). */
int cli_apply_settings(gr_trainer *t, cli_args *a);
/* Print each of n recommended items once with why the model recommends it
 * to a user (user) or to a new user's liked items (liked), and add the
 * reasons to j as "explanations" (explain.c). */
int cli_explain(const gr_model *m, const int64_t *user, const int64_t *liked, size_t n_liked, const int64_t *items,
                const float *scores, size_t n, int json, json_out *j);
/* gnnrec eval of a KG model on a triple file (kg.c). */
int cli_eval_kg(cli_args *a, int json);
/* gnnrec train on triple files (kg.c). */
int cli_train_kg(gr_trainer *t, cli_args *a, int json);
int cmd_eval(int argc, char **argv);
int cmd_recommend(int argc, char **argv);
int cmd_synth(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_update(int argc, char **argv);

/* Evaluate a model on a test graph: prints a metrics line to stdout and adds
 * the metrics to the JSON object.  Defined in eval.c. */
int cli_report_metrics(json_out *j, const gr_model *m, const gr_graph *exclude, const gr_graph *test, cli_args *a,
                       int quiet);

#endif
