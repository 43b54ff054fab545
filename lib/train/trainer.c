/* The public trainer: settings table, parsing, fit dispatch, statistics. */
#include "train/trainer.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/threads.h"
#include "dist/dist.h"
#include "dist/dist_train.h"
#include "eval/ranking.h"
#include "kernels/dense.h"
#include "train/checkpoint.h"
#include "train/holdout.h"
#include "train/search.h"

static const char *const mode_names[] = { "paper", "fast", "sampled", "auto", NULL };
static const char *const objective_names[] = { "bpr", "rating", NULL };
static const char *const sampling_names[] = { "user", "edge", NULL };
static const char *const holdout_final_names[] = { "refit", "best", "warm", NULL };
static const char *const extend_names[] = { "off", "auto", "on", NULL };
/* in gr_metric order, so a setting's value is the metric's index */
static const char *const metric_names[] = { "recall", "precision", "ndcg", "hit", "mrr", NULL };

/* Settings every kind has; kinds override defaults and add their own. */
static const gr_opt_spec common_opts[] = {
    { "dim", GR_OPT_DIM, 64, 1, 4096, 1, NULL, "embedding dimension" },
    { "layers", GR_OPT_LAYERS, 3, 0, 16, 1, NULL, "propagation layers" },
    { "epochs", GR_OPT_EPOCHS, 200, 1, 1e7, 1, NULL, "maximum number of epochs" },
    { "batch", GR_OPT_BATCH, 2048, 1, 1e9, 1, NULL, "positives per mini-batch" },
    { "lr", GR_OPT_LR, 1e-3, 1e-12, 100, 0, NULL, "Adam learning rate" },
    { "reg", GR_OPT_REG, 1e-4, 0, 100, 0, NULL, "L2 weight" },
    { "seed", GR_OPT_SEED, 42, 0, 9007199254740991.0, 1, NULL, "random seed" },
    { "threads", GR_OPT_THREADS, 0, 0, 4096, 1, NULL, "OpenMP threads (0: library default)" },
    { "eval_every", GR_OPT_EVAL_EVERY, 1, 1, 1e7, 1, NULL, "epochs between validations" },
    { "patience", GR_OPT_PATIENCE, 10, 0, 1e7, 1, NULL, "validations without improvement before stopping (0: never)" },
    { "eval_k", GR_OPT_EVAL_K, 20, 1, 1e6, 1, NULL, "K of the validation metric" },
    { "valid_users", 0, 0, 0, 1e9, 1, NULL,
      "validation users ranked: beyond this many with validation edges, those of an even sample of 64-user blocks "
      "(0: all)" },
    { "valid_metric", GR_OPT_VALID_METRIC, GR_METRIC_NDCG, 0, GR_METRIC_COUNT - 1, 1, metric_names,
      "ranking metric the validation maximises: recall, precision, ndcg, hit or mrr" },
    { "mode", GR_OPT_MODE, GR_MODE_PAPER, 0, 3, 1, mode_names, "training schedule: paper, fast, sampled or auto" },
    { "negatives", GR_OPT_NEGATIVES, 1, 1, 4096, 1, NULL, "negatives per positive" },
    { "init_std", GR_OPT_INIT_STD, 0.1, 0, 100, 0, NULL, "std of the normal initialisation" },
    { "objective", GR_OPT_OBJECTIVE, GR_OBJECTIVE_BPR, 0, 1, 1, objective_names, "bpr or rating" },
    { "dropout", GR_OPT_DROPOUT, 0, 0, 0.99, 0, NULL, "dropout rate" },
    { "time_limit", GR_OPT_TIME_LIMIT, 0, 0, 1e9, 0, NULL, "stop after this many seconds (0: no limit)" },
    { "sampling", GR_OPT_SAMPLING, 0, 0, 1, 1, sampling_names,
      "BPR triples: user (a uniform user, then one of its items; the LightGCN reference) or edge (every edge once)" },
    { "budget", GR_OPT_BUDGET, 0, 0, 1e9, 0, NULL,
      "seconds for a search of the kind's main settings on the validation data (0: none; docs/training.md)" },
    { "trial_epochs", 0, 1, 0.01, 1, 0, NULL,
      "share of the epochs each search trial runs (1: whole runs; below 1 the chosen settings then train as without "
      "a budget)" },
    { "extend", 0, 1, 0, 2, 1, extend_names,
      "budget: when the first trial's validation still rises at its end, double the epochs (the schedule "
      "stretched) while that improves before searching other settings: off, auto (unless epochs is set) or on" },
    { "holdout", 0, 0.1, 0, 0.9, 0, NULL,
      "without validation data: share of each user's interactions (of the triples, for knowledge graphs) held out to "
      "choose the epoch (0: none, train on all for the set epochs)" },
    { "holdout_min", 0, 5, 2, 1e9, 1, NULL, "users with fewer interactions keep all of them in training" },
    { "holdout_final", 0, 0, 0, 2, 1, holdout_final_names,
      "after choosing the epoch on the held-out part: refit (on all the training data for the chosen epochs), best "
      "(keep the best validated parameters) or warm (LightGCN, MF, KG kinds: continue from them on all the training data for "
      "a short schedule; GraphSAGE refits)" },
};

#define N_COMMON (sizeof common_opts / sizeof common_opts[0])

double gr_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int find_name(const gr_trainer *t, const char *name)
{
    for (size_t k = 0; k < t->n_opts; k++)
        if (strcmp(t->spec[k].name, name) == 0) return (int)k;
    return -1;
}

static int find_key(const gr_trainer *t, int key)
{
    for (size_t k = 0; k < t->n_opts; k++)
        if (t->spec[k].key == key) return (int)k;
    return -1;
}

double gr_opt(const gr_trainer *t, int key)
{
    int k = find_key(t, key);
    return k < 0 ? NAN : t->val[k];
}

double gr_opt_named(const gr_trainer *t, const char *name)
{
    int k = find_name(t, name);
    return k < 0 ? NAN : t->val[k];
}

double *gr_opt_slot(gr_trainer *t, const char *name) { return &t->val[find_name(t, name)]; }

int gr_opt_index(const gr_trainer *t, const char *name) { return find_name(t, name); }

static int listed(const char *name, const char *const *names)
{
    for (; names && *names; names++)
        if (strcmp(*names, name) == 0) return 1;
    return 0;
}

void gr_trainer_take_model_info(gr_trainer *t, const gr_model *m, const char *const *keep)
{
    for (size_t k = 0; k < t->n_opts; k++) {
        const char *name = t->spec[k].name;
        double v;
        if ((!t->hand_set[k] || listed(name, keep)) && gr_model_info(&v, m, name) == GR_OK) t->val[k] = v;
    }
}

void gr_trainer_hold(gr_trainer *t, gr_trainer_held *held)
{
    memcpy(held->val, t->val, sizeof held->val);
    held->valid = t->valid;
    t->valid = NULL;
}

void gr_trainer_release(gr_trainer *t, const gr_trainer_held *held)
{
    memcpy(t->val, held->val, sizeof held->val);
    t->valid = held->valid;
}

/* Add a spec, or let it override the common one of the same name (an
 * override without a help text keeps the common one's). */
static int add_spec(gr_trainer *t, const gr_opt_spec *s)
{
    int k = find_name(t, s->name);
    if (k < 0) {
        if (t->n_opts == GR_MAX_OPTS) return gr_err(GR_ERANGE, "too many trainer settings");
        k = (int)t->n_opts++;
    }
    t->spec[k] = *s;
    if (s->key == 0 && k < (int)N_COMMON) t->spec[k].key = common_opts[k].key;
    if (!s->help && k < (int)N_COMMON) t->spec[k].help = common_opts[k].help;
    t->val[k] = s->def;
    return GR_OK;
}

int gr_trainer_new(gr_trainer **out, int kind)
{
    if (!out) return gr_err(GR_EINVAL, "gr_trainer_new: out must not be NULL");
    const gr_kind_trainer *kt = gr_kind_trainer_of(kind);
    if (!kt) {
        const char *name = gr_model_kind_name(kind);
        return name ? gr_err(GR_EUNSUPPORTED, "model kind '%s' cannot be trained in this build", name)
                    : gr_err(GR_EINVAL, "unknown model kind %d", kind);
    }
    gr_trainer *t = gr_zalloc(1, sizeof *t);
    if (!t) return GR_ENOMEM;
    t->kind = kind;
    t->kt = kt;
    for (size_t k = 0; k < N_COMMON; k++) add_spec(t, &common_opts[k]);
    for (size_t k = 0; k < kt->n_opts; k++) {
        int rc = add_spec(t, &kt->opts[k]);
        if (rc != GR_OK) {
            free(t);
            return rc;
        }
    }
    t->stat_best_valid = NAN;
    *out = t;
    return GR_OK;
}

void gr_trainer_free(gr_trainer *t)
{
    if (!t) return;
    free(t->feat[0]);
    free(t->feat[1]);
    gr_dist_free(t->dist);
    free(t->ckpt_path);
    free(t);
}

static int set_index(gr_trainer *t, int k, double v)
{
    const gr_opt_spec *s = &t->spec[k];
    if (!(v >= s->lo && v <= s->hi))
        return gr_err(GR_EINVAL, "setting '%s': %g is out of range [%g, %g]", s->name, v, s->lo, s->hi);
    if (s->is_int && v != floor(v)) return gr_err(GR_EINVAL, "setting '%s': %g is not an integer", s->name, v);
    t->val[k] = v;
    t->hand_set[k] = 1;
    return GR_OK;
}

static int by_key(gr_trainer *t, int option, const char *fn)
{
    if (!t) return gr_err(GR_EINVAL, "%s: NULL trainer", fn);
    int k = find_key(t, option);
    if (k < 0) return gr_err(GR_EINVAL, "%s: unknown option %d for %s models", fn, option, gr_model_kind_name(t->kind));
    return k;
}

int gr_trainer_set_int(gr_trainer *t, int option, int64_t value)
{
    int k = by_key(t, option, "gr_trainer_set_int");
    return k < 0 ? k : set_index(t, k, (double)value);
}

int gr_trainer_set_double(gr_trainer *t, int option, double value)
{
    int k = by_key(t, option, "gr_trainer_set_double");
    return k < 0 ? k : set_index(t, k, value);
}

int gr_trainer_get_double(double *value, const gr_trainer *t, int option)
{
    if (!value) return gr_err(GR_EINVAL, "gr_trainer_get_double: NULL argument");
    int k = by_key((gr_trainer *)t, option, "gr_trainer_get_double");
    if (k < 0) return k;
    *value = t->val[k];
    return GR_OK;
}

/* [+-]digits[.digits][e[+-]digits] and nothing else: strtod alone would
 * also take blanks, hex ("0x10" = 16), "inf" and "nan". */
static int plain_decimal(const char *p)
{
    if (*p == '+' || *p == '-') p++;
    int digits = 0;
    while (isdigit((unsigned char)*p)) p++, digits++;
    if (*p == '.')
        for (p++; isdigit((unsigned char)*p); p++) digits++;
    if (!digits) return 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        if (!isdigit((unsigned char)*p)) return 0;
        while (isdigit((unsigned char)*p)) p++;
    }
    return *p == '\0';
}

static int parse_value(double *v, const gr_opt_spec *s, const char *text)
{
    if (s->choices) {
        for (int c = 0; s->choices[c]; c++) {
            if (strcasecmp(s->choices[c], text) == 0) {
                *v = c;
                return GR_OK;
            }
        }
    }
    char *end;
    errno = 0;
    *v = plain_decimal(text) ? strtod(text, &end) : NAN;
    if (errno == ERANGE || !isfinite(*v))
        return gr_err(GR_EINVAL, "setting '%s': '%s' is not %s", s->name, text,
                      s->choices ? "one of its choices" : "a decimal number");
    return GR_OK;
}

int gr_trainer_set(gr_trainer *t, const char *name, const char *value)
{
    if (!t || !name || !value) return gr_err(GR_EINVAL, "gr_trainer_set: NULL argument");
    int k = find_name(t, name);
    if (k < 0) return gr_err(GR_EINVAL, "unknown setting '%s' for %s models", name, gr_model_kind_name(t->kind));
    double v;
    GR_TRY(parse_value(&v, &t->spec[k], value));
    return set_index(t, k, v);
}

int gr_trainer_set_validation(gr_trainer *t, const gr_graph *valid)
{
    if (!t) return gr_err(GR_EINVAL, "gr_trainer_set_validation: NULL trainer");
    t->valid = valid;
    return GR_OK;
}

int gr_trainer_set_progress(gr_trainer *t, gr_progress_fn fn, void *user_data)
{
    if (!t) return gr_err(GR_EINVAL, "gr_trainer_set_progress: NULL trainer");
    t->progress = fn;
    t->progress_data = user_data;
    return GR_OK;
}

int gr_trainer_set_checkpoint(gr_trainer *t, const char *path, int every_epochs)
{
    if (!t) return gr_err(GR_EINVAL, "gr_trainer_set_checkpoint: NULL trainer");
    if (path && (!path[0] || every_epochs < 1))
        return gr_err(GR_EINVAL, "gr_trainer_set_checkpoint: %s", !path[0] ? "empty path" : "every_epochs must be at least 1");
    char *copy = NULL;
    if (path && !(copy = gr_strdup(path))) return GR_ENOMEM;
    free(t->ckpt_path);
    t->ckpt_path = copy;
    t->ckpt_every = path ? every_epochs : 0;
    return GR_OK;
}

int gr_trainer_set_trial_callback(gr_trainer *t, gr_trial_fn fn, void *user_data)
{
    if (!t) return gr_err(GR_EINVAL, "gr_trainer_set_trial_callback: NULL trainer");
    t->trial_fn = fn;
    t->trial_data = user_data;
    return GR_OK;
}

void gr_size_defaults(gr_trainer *t, const gr_graph *g)
{
    if (t->kt->size_defaults) t->kt->size_defaults(t, g);
}

int gr_fit_kind(gr_model **out, gr_trainer *t, const gr_graph *g)
{
    *out = NULL;
    int rc = t->kt->fit(out, t, g);
    /* the fit's freed buffers are not left resident beside what comes next */
    gr_mem_trim();
    int agreed = gr_dist_agree(gr_dist_of(t), rc);
    if (agreed != GR_OK && rc == GR_OK) {
        gr_model_free(*out);
        *out = NULL;
    }
    return agreed;
}

int gr_trainer_fit(gr_model **out, gr_trainer *t, const gr_graph *train)
{
    if (!out || !t || !train) return gr_err(GR_EINVAL, "gr_trainer_fit: NULL argument");
    int rc = GR_OK;
    if (train->n_edges == 0) rc = gr_err(GR_ESTATE, "gr_trainer_fit: the training graph has no edges");
    else if (t->valid && t->valid->cat != train->cat)
        rc = gr_err(GR_EINVAL, "the validation graph is not in the training graph's id space: load it with gr_graph_load_like()");
    if (rc == GR_OK) rc = gr_ckpt_supported(t);
    int prev = gr_train_threads_begin(t);
    double t0 = gr_now();
    t->stat_trials = 0;
    /* with a communicator, every rank checks that the others have the same
     * inputs, and all return the same status (lib/dist/dist_train.c) */
    rc = gr_dist_fit_begin(t, train, rc);
    /* settings a fit chooses on validation data (a budget's search, a
     * filter's grid) are its model's: the trainer keeps the caller's, with a
     * validation graph of the caller's as with a held-out part */
    double saved[GR_MAX_OPTS];
    memcpy(saved, t->val, sizeof saved);
    if (rc == GR_OK)
        rc = gr_search_wanted(t)    ? gr_fit_with_search(out, t, train)
             : gr_holdout_wanted(t) ? gr_fit_with_holdout(out, t, train)
                                    : gr_fit_kind(out, t, train);
    memcpy(t->val, saved, sizeof saved);
    rc = gr_dist_fit_end(t, rc, out);
    t->stat_seconds = gr_now() - t0;
    gr_train_threads_end(prev);
    if (rc == GR_OK) gr_model_set_info(*out, "train_seconds", t->stat_seconds);
    /* the trials of a budget's search or of a training-free kind's grid */
    if (rc == GR_OK && t->stat_trials > 0) gr_model_set_info(*out, "search_trials", t->stat_trials);
    return rc;
}

int gr_trainer_set_comm(gr_trainer *t, void *comm)
{
    if (!t) return gr_err(GR_EINVAL, "gr_trainer_set_comm: NULL trainer");
    gr_dist *d = NULL;
    if (comm) GR_TRY(gr_dist_new(&d, comm));
    /* freeing the old one is collective, as creating the new one was */
    gr_dist_free(t->dist);
    t->dist = d;
    return GR_OK;
}

gr_dist *gr_dist_of(const gr_trainer *t) { return t ? t->dist : NULL; }

int gr_trainer_stat(double *value, const gr_trainer *t, int stat)
{
    if (!value || !t) return gr_err(GR_EINVAL, "gr_trainer_stat: NULL argument");
    switch (stat) {
    case GR_STAT_EPOCHS: *value = t->stat_epochs; break;
    case GR_STAT_BEST_EPOCH: *value = t->stat_best_epoch; break;
    case GR_STAT_BEST_VALID: *value = t->stat_best_valid; break;
    case GR_STAT_SECONDS: *value = t->stat_seconds; break;
    case GR_STAT_LOSS: *value = t->stat_loss; break;
    case GR_STAT_TRIALS: *value = t->stat_trials; break;
    default: return gr_err(GR_EINVAL, "unknown trainer statistic %d", stat);
    }
    return GR_OK;
}

/* ---- threads ---- */

int gr_train_threads_begin(const gr_trainer *t)
{
    int n = (int)gr_opt(t, GR_OPT_THREADS);
    int previous = gr_threads_fix(0);
    gr_threads_fix(n > 0 ? n : previous);
    return previous;
}

void gr_train_threads_end(int previous) { gr_threads_restore(previous); }

/* ---- the trials of a training-free kind's grid ---- */

int gr_fit_grid_trial(gr_trainer *t, int trial, size_t n, const char *const *names, const double *values,
                      double metric, double seconds)
{
    t->stat_trials = trial;
    int stop = t->progress && t->progress(t->progress_data, trial, NAN, seconds, metric);
    /* both callbacks hear of every trial, whatever the first answers */
    if (t->trial_fn && t->trial_fn(t->trial_data, trial, n, names, values, metric, 0, seconds)) stop = 1;
    return gr_dist_any(gr_dist_of(t), stop);
}

/* ---- the epoch loop every kind shares ---- */

void gr_fit_loop_begin(gr_fit_loop *L, gr_trainer *t)
{
    memset(L, 0, sizeof *L);
    L->t = t;
    L->t0 = gr_now();
    L->best_valid = -INFINITY;
    t->stat_epochs = 0;
    t->stat_best_epoch = 0;
    t->stat_best_valid = NAN;
    t->stat_loss = NAN;
    t->stopped_by_caller = 0;
    t->stopped_by_time = 0;
}

int gr_fit_loop_validate_now(const gr_fit_loop *L, int epoch)
{
    int every = (int)gr_opt(L->t, GR_OPT_EVAL_EVERY);
    int last = (int)gr_opt(L->t, GR_OPT_EPOCHS);
    return L->t->valid && (epoch % every == 0 || epoch == last);
}

int gr_fit_loop_epoch(gr_fit_loop *L, int epoch, double loss, double metric, int *improved)
{
    gr_trainer *t = L->t;
    *improved = 0;
    L->epoch = epoch;
    L->last_loss = loss;
    t->stat_epochs = epoch;
    t->stat_loss = loss;
    int stop = 0;
    if (!isnan(metric)) {
        if (metric > L->best_valid) {
            L->best_valid = metric;
            L->best_epoch = epoch;
            L->evals_since_best = 0;
            *improved = 1;
            t->stat_best_epoch = epoch;
            t->stat_best_valid = metric;
        } else {
            L->evals_since_best++;
            int patience = (int)gr_opt(t, GR_OPT_PATIENCE);
            if (patience > 0 && L->evals_since_best >= patience) stop = 1;
        }
    } else if (!t->valid) {
        t->stat_best_epoch = epoch;
    }
    double elapsed = gr_now() - L->t0;
    if (t->progress && t->progress(t->progress_data, epoch, loss, elapsed, metric)) stop = t->stopped_by_caller = 1;
    double limit = gr_opt(t, GR_OPT_TIME_LIMIT);
    if (epoch >= (int)gr_opt(t, GR_OPT_EPOCHS)) stop = 1;
    else if (limit > 0 && elapsed >= limit) stop = t->stopped_by_time = 1;
    /* a callback or a clock on one rank stops them all, at the same epoch,
     * and every rank then knows whether a clock stopped it (a budget
     * search drops a trial cut short) */
    gr_dist *d = gr_dist_of(t);
    if (d) t->stopped_by_time = gr_dist_any(d, t->stopped_by_time);
    return gr_dist_any(d, stop);
}

void gr_fit_loop_end(gr_fit_loop *L) { (void)L; }

double gr_validate_source(const gr_trainer *t, const gr_rank_source *src, const gr_graph *exclude,
                          const gr_graph *valid, int *rc)
{
    double out[GR_METRIC_COUNT];
    int k = (int)gr_opt(t, GR_OPT_EVAL_K);
    if ((size_t)k > src->n_items) k = (int)src->n_items;
    size_t max_users = (size_t)gr_opt_named(t, "valid_users");
    *rc = gr_rank_eval_on(out, NULL, src, exclude, valid, &k, 1, max_users, gr_dist_of(t));
    return *rc == GR_OK ? gr_valid_metric_of(t, out) : NAN;
}

double gr_validate_model(const gr_trainer *t, const gr_model *m, const gr_graph *train, int *rc)
{
    gr_rank_source src;
    *rc = gr_rank_source_of_model(&src, m);
    if (*rc != GR_OK) {
        /* in place of the evaluation's first collective (gr_rank_eval_on) */
        *rc = gr_dist_agree(gr_dist_of(t), *rc);
        return NAN;
    }
    return gr_validate_source(t, &src, train, t->valid, rc);
}

/* gr_validate_vectors / gr_validate_user_rows: user_vec holds the rows
 * of users [u_lo, u_hi) where range is set, of every user where not. */
static double validate_vectors(const gr_trainer *t, const gr_graph *train, const float *user_vec, int range,
                               size_t u_lo, size_t u_hi, const float *item_vec, const float *item_bias, size_t dim,
                               int *rc)
{
    *rc = GR_OK;
    if (!t->valid) return NAN;
    /* the items transposed only where that form scores faster: without
     * item_t the evaluation reads the rows */
    const int rows = gr_score_rows_preferred(dim);
    size_t stride = gr_score_stride(train->n_items);
    float *it = rows ? NULL : gr_alloc_floats_pages(stride * dim);
    if (!rows && !it) {
        /* in place of the evaluation's first collective (gr_rank_eval_on) */
        *rc = gr_dist_agree(gr_dist_of(t), GR_ENOMEM);
        return NAN;
    }
    if (it) gr_transpose(it, item_vec, train->n_items, dim, stride);
    gr_rank_source src = { train->n_users, train->n_items, dim, user_vec, it, stride, item_bias, train->cat, NULL,
                           item_vec, range, u_lo, u_hi };
    double metric = gr_validate_source(t, &src, train, t->valid, rc);
    gr_free_floats_pages(it);
    return metric;
}

double gr_validate_vectors(const gr_trainer *t, const gr_graph *train, const float *user_vec, const float *item_vec,
                           const float *item_bias, size_t dim, int *rc)
{
    return validate_vectors(t, train, user_vec, 0, 0, 0, item_vec, item_bias, dim, rc);
}

double gr_validate_user_rows(const gr_trainer *t, const gr_graph *train, const float *user_rows, size_t u_lo,
                             size_t u_hi, const float *item_vec, const float *item_bias, size_t dim, int *rc)
{
    return validate_vectors(t, train, user_rows, 1, u_lo, u_hi, item_vec, item_bias, dim, rc);
}

double gr_valid_metric_of(const gr_trainer *t, const double *metrics)
{
    return metrics[(int)gr_opt(t, GR_OPT_VALID_METRIC)];
}

const char *gr_valid_metric_name(const gr_trainer *t)
{
    return metric_names[(int)gr_opt(t, GR_OPT_VALID_METRIC)];
}
