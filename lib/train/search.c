/* The time-budgeted settings search (train/search.h). */
#include "train/search.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "dist/dist.h"
#include "train/holdout.h"
#include "train/lightgcn_train.h"

/* A search never runs more trials than this, however large its budget: a
 * coordinate search over a handful of settings converges well before. */
#define MAX_TRIALS 64
#define MAX_DIMS 8
/* The grid's step is halved after a round without a move, down to a
 * quarter of the table's factor (in the exponent). */
#define MIN_SCALE 0.25

const gr_search_table *gr_search_table_of(int kind)
{
    static const gr_search_table *const tables[] = { &gr_lightgcn_search, &gr_mf_search,     &gr_graphsage_search,
                                                     &gr_gfcf_search,     &gr_cheby_search,  &gr_ease_search,
                                                     &gr_transe_search,   &gr_distmult_search, &gr_rotate_search,
                                                     &gr_complex_search };
    for (size_t k = 0; k < sizeof tables / sizeof tables[0]; k++)
        if (tables[k]->kind == kind) return tables[k];
    return NULL;
}

int gr_search_wanted(const gr_trainer *t) { return gr_opt(t, GR_OPT_BUDGET) > 0 && gr_search_table_of(t->kind); }

int gr_search_full_trials(const gr_trainer *t) { return gr_opt_named(t, "trial_epochs") >= 1; }

/* Setting extend's values. */
enum { EXTEND_OFF, EXTEND_AUTO, EXTEND_ON };

static int searches_epochs(const gr_trainer *t);

/*
 * Whether the search may extend the schedule (setting extend): with whole
 * runs as trials (a short trial's last epoch says nothing of the whole
 * run's), epochs not one of the searched settings, and not set by the
 * caller unless extend is on.
 */
static int extension_allowed(const gr_trainer *t)
{
    int e = gr_opt_index(t, "epochs"), x = gr_opt_index(t, "extend");
    if (e < 0 || x < 0 || !gr_search_full_trials(t) || searches_epochs(t)) return 0;
    int mode = (int)t->val[x];
    return mode == EXTEND_ON || (mode == EXTEND_AUTO && !t->hand_set[e]);
}

/* Whether row d applies to t: always, or where t's choice d->when has the
 * row's value (the schedule's rows, the self-adversarial temperature). */
static int dim_applies(const gr_trainer *t, const gr_search_dim *d)
{
    return !d->when || (gr_opt_index(t, d->when) >= 0 && (int)gr_opt_named(t, d->when) == d->value);
}

/* The dimensions searched for t: the table's rows that apply to it, whose
 * setting the kind has and the caller did not set; idx[] their settings. */
static size_t active_dims(const gr_trainer *t, const gr_search_dim **dims, int *idx)
{
    const gr_search_table *tab = gr_search_table_of(t->kind);
    size_t n = 0;
    for (size_t k = 0; tab && k < tab->n && n < MAX_DIMS; k++) {
        const gr_search_dim *d = &tab->dims[k];
        int i = gr_opt_index(t, d->name);
        if (i < 0 || t->hand_set[i] || !dim_applies(t, d)) continue;
        dims[n] = d;
        idx[n++] = i;
    }
    return n;
}

static int searches_epochs(const gr_trainer *t)
{
    const gr_search_dim *dims[MAX_DIMS];
    int idx[MAX_DIMS];
    size_t n = active_dims(t, dims, idx);
    for (size_t k = 0; k < n; k++)
        if (strcmp(dims[k]->name, "epochs") == 0) return 1;
    return 0;
}

double gr_search_round(double v)
{
    if (v == 0 || !isfinite(v)) return v;
    double e = pow(10.0, floor(log10(fabs(v))) - 2);
    return round(v / e) * e;
}

/*
 * Points are positions on each dimension's grid: value = base * factor^pos
 * (three significant digits, integers to the nearest one, and at pos 0 the
 * start as it is: 1024 doubled is 2048), base the
 * starting value or, from 0, low;
 * pos -inf is the value 0.  Positions, not values, are stepped, so a step
 * up and a step down return exactly to the same value.
 */
static double grid_base(const gr_search_dim *d, double start) { return start > 0 ? start : d->low; }

static double grid_value(const gr_search_dim *d, const gr_opt_spec *s, double base, double pos)
{
    /* the starting point as it is: a default sized to the data, so that
     * the first trial is the fit without a budget */
    double y = isinf(pos) ? 0 : pos == 0 ? base : base * pow(d->factor, pos);
    if (s->is_int)
        y = round(y);
    else if (pos != 0)
        y = gr_search_round(y);
    if (y < s->lo) y = s->lo;
    if (y > s->hi) y = s->hi;
    return y;
}

/* The next position from pos in direction dir at grid scale whose value
 * differs from the current one; pos itself when there is none. */
static double grid_step(const gr_search_dim *d, const gr_opt_spec *s, double base, double pos, int dir, double scale)
{
    double x = grid_value(d, s, base, pos);
    if (isinf(pos)) {
        if (dir < 0 || !(d->low > 0)) return pos;
        double q = ceil(log(d->low / base) / log(d->factor) / scale - 1e-9) * scale;
        return grid_value(d, s, base, q) != x ? q : pos;
    }
    for (int k = 1; k <= 64; k++) {
        double q = pos + dir * k * scale;
        if (d->low > 0 && base * pow(d->factor, q) < d->low * 0.999) q = -INFINITY;
        double y = grid_value(d, s, base, q);
        if (y != x) return q;
        if (isinf(q) || (dir > 0 && y >= s->hi) || (dir < 0 && y <= s->lo)) break;
    }
    return pos;
}

typedef struct search_state {
    gr_trainer *t;
    const gr_search_ops *ops;
    void *ctx;
    size_t n, cols; /* searched settings; columns reported (with epochs when extending) */
    const gr_search_dim *dims[MAX_DIMS];
    int idx[MAX_DIMS];
    const char *names[MAX_DIMS + 1];
    double tried[MAX_TRIALS][MAX_DIMS + 1];
    int trials, cut, extend;
    double trial_seconds; /* the last trial's */
    double x[MAX_DIMS];    /* the best point's positions */
    double base[MAX_DIMS]; /* each dimension's grid base */
    double best, best_epoch, best_run;
    /* user_epochs: the trials' epochs, the caller's or, once the schedule
     * is extended, the chosen ones */
    double t0, budget, user_limit, user_epochs;
    int limit_idx, epochs_idx, stop;
} search_state;

static int visited(const search_state *S, const double *p)
{
    for (int k = 0; k < S->trials; k++)
        if (memcmp(S->tried[k], p, S->cols * sizeof *p) == 0) return 1;
    return 0;
}

/* The trial's epochs: a share of the schedule's (setting trial_epochs). */
static void set_trial_epochs(search_state *S)
{
    gr_trainer *t = S->t;
    double share = gr_opt_named(t, "trial_epochs"), e = t->val[S->epochs_idx];
    if (share >= 1 || isnan(e)) return;
    e = floor(e * share + 0.5);
    t->val[S->epochs_idx] = e < 1 ? 1 : e;
}

/*
 * One trial at point p: returns 1 when it improved on the best (and moved
 * the best there), 0 when not, -1 on error (S->stop set, rc in *rc).
 */
static int try_point(search_state *S, const double *pos, int *rc)
{
    gr_trainer *t = S->t;
    double p[MAX_DIMS + 1];
    for (size_t k = 0; k < S->n; k++) p[k] = grid_value(S->dims[k], &t->spec[S->idx[k]], S->base[k], pos[k]);
    double elapsed = gr_now() - S->t0;
    /* under a communicator the ranks' clocks differ: a rank whose budget is
     * spent ends the search on all of them */
    if (gr_dist_any(gr_dist_of(t), S->trials > 0 && (elapsed >= S->budget || S->trials >= MAX_TRIALS))) {
        S->stop = 1;
        return 0;
    }
    for (size_t k = 0; k < S->n; k++) t->val[S->idx[k]] = p[k];
    if (S->epochs_idx >= 0) {
        t->val[S->epochs_idx] = S->user_epochs;
        /* a dimension may be the epochs themselves */
        for (size_t k = 0; k < S->n; k++)
            if (S->idx[k] == S->epochs_idx) t->val[S->epochs_idx] = p[k];
        set_trial_epochs(S);
    }
    /* the first trial, the starting settings, always runs to its end */
    double left = S->budget - elapsed;
    t->val[S->limit_idx] = S->trials == 0 ? S->user_limit : S->user_limit > 0 && S->user_limit < left ? S->user_limit : left;
    double started = gr_now();
    *rc = S->ops->trial(S->ctx, t);
    S->trial_seconds = gr_now() - started;
    if (*rc != GR_OK) {
        S->stop = 1;
        return -1;
    }
    /* the schedule's epochs: tried as set, reported as run where the kind
     * picks them (NaN) */
    if (S->extend) p[S->n] = S->user_epochs;
    memcpy(S->tried[S->trials++], p, S->cols * sizeof *p);
    if (S->extend && isnan(p[S->n])) p[S->n] = t->stat_epochs;
    if (S->trials > 1 && t->stopped_by_time) {
        /* cut short by the budget: not comparable, and the budget is spent */
        S->cut++;
        S->ops->drop(S->ctx);
        S->stop = 1;
        return 0;
    }
    double v = isnan(t->stat_best_valid) ? -INFINITY : t->stat_best_valid;
    int better = S->trials == 1 || v > S->best;
    if (gr_dist_any(gr_dist_of(t), t->trial_fn && t->trial_fn(t->trial_data, S->trials, S->cols, S->names, p,
                                                                t->stat_best_valid, (int)t->stat_best_epoch,
                                                                gr_now() - S->t0)))
        S->stop = 1;
    if (t->stopped_by_caller) S->stop = 1;
    if (!better) {
        S->ops->drop(S->ctx);
        return 0;
    }
    S->ops->keep(S->ctx);
    S->best = v;
    S->best_epoch = t->stat_best_epoch;
    S->best_run = t->stat_epochs;
    memcpy(S->x, pos, S->n * sizeof *pos);
    return 1;
}

/* Walk dimension k from the best point while it improves, first up, then
 * (when up did not move) down.  Returns whether the best point moved. */
static int walk(search_state *S, size_t k, double scale, int *rc)
{
    const gr_opt_spec *s = &S->t->spec[S->idx[k]];
    for (int dir = 1; dir >= -1; dir -= 2) {
        int moved = 0;
        while (!S->stop) {
            double p[MAX_DIMS], v[MAX_DIMS + 1];
            memcpy(p, S->x, S->n * sizeof *p);
            p[k] = grid_step(S->dims[k], s, S->base[k], S->x[k], dir, scale);
            for (size_t q = 0; q < S->n; q++) v[q] = grid_value(S->dims[q], &S->t->spec[S->idx[q]], S->base[q], p[q]);
            if (S->extend) v[S->n] = S->user_epochs;
            if (p[k] == S->x[k] || visited(S, v)) break;
            int r = try_point(S, p, rc);
            if (r <= 0) break;
            moved = 1;
        }
        if (moved) return 1;
    }
    return 0;
}

/* The share of a run at its end in which the best epoch counts as "at the
 * end": a cosine decay is below a tenth of its step size there, so a
 * figure that peaks in it is one the schedule stopped, not one that
 * turned; validation noise moves the best epoch within it. */
#define END_SHARE 0.2

/*
 * Whether the best run was still improving when its schedule ended: it ran
 * all its epochs (no early stop, no time limit) and its best epoch is its
 * last validation or in the last fifth of the run.  Under a decaying
 * schedule this often holds; the longer run then has to prove itself by a
 * strictly higher figure.
 */
static int still_rising(const search_state *S)
{
    double run = S->best_run, schedule = isnan(S->user_epochs) ? run : S->user_epochs;
    double every = gr_opt(S->t, GR_OPT_EVAL_EVERY), end = END_SHARE * run > every ? END_SHARE * run : every;
    return run > 0 && run >= schedule && S->best_epoch > run - end;
}

/*
 * The schedule's extension (setting extend), before any other setting is
 * searched: while the best run is still rising at its end, a run with
 * twice the epochs (a fresh run, its learning-rate schedule stretched over
 * them, the same as setting those epochs by hand) is tried and kept when
 * its figure is higher.  A decayed schedule cannot simply go on, so the
 * longer run starts again; a doubling costs twice the last run, and is not
 * started when that does not fit in what is left of the budget (it would
 * be cut and dropped): the time goes to the other settings instead.  The
 * chosen epochs are then those of every later trial.
 */
static void extend_schedule(search_state *S, int *rc)
{
    gr_trainer *t = S->t;
    const gr_opt_spec *s = &t->spec[S->epochs_idx];
    while (!S->stop && still_rising(S)) {
        double from = isnan(S->user_epochs) ? S->best_run : S->user_epochs;
        double to = 2 * from < s->hi ? 2 * from : s->hi;
        double expected = S->trial_seconds / S->best_run * to, left = S->budget - (gr_now() - S->t0);
        if (gr_dist_any(gr_dist_of(t), !(to > from) || expected > left)) return;
        double was = S->user_epochs, pos[MAX_DIMS];
        memcpy(pos, S->x, sizeof pos);
        S->user_epochs = to;
        if (try_point(S, pos, rc) <= 0) {
            S->user_epochs = was;
            return;
        }
    }
}

int gr_search_run(gr_trainer *t, const gr_search_ops *ops, void *ctx)
{
    search_state *S = calloc(1, sizeof *S);
    if (!S) return GR_ENOMEM;
    S->t = t;
    S->ops = ops;
    S->ctx = ctx;
    S->n = active_dims(t, S->dims, S->idx);
    S->t0 = gr_now();
    S->budget = gr_opt(t, GR_OPT_BUDGET);
    S->limit_idx = gr_opt_index(t, "time_limit");
    S->epochs_idx = gr_opt_index(t, "epochs");
    S->user_limit = t->val[S->limit_idx];
    S->user_epochs = S->epochs_idx >= 0 ? t->val[S->epochs_idx] : NAN;
    S->extend = extension_allowed(t);
    S->cols = S->n + (size_t)S->extend;
    if (S->extend) S->names[S->n] = "epochs";
    for (size_t k = 0; k < S->n; k++) {
        S->names[k] = S->dims[k]->name;
        double v = t->val[S->idx[k]];
        v = isnan(v) ? S->dims[k]->start : v;
        S->base[k] = grid_base(S->dims[k], v);
        S->x[k] = v == 0 ? -INFINITY : 0;
    }
    double start[MAX_DIMS];
    memcpy(start, S->x, sizeof start);
    int rc = GR_OK;
    try_point(S, start, &rc);
    if (S->extend) extend_schedule(S, &rc);
    for (double scale = 1; !S->stop && scale >= MIN_SCALE;) {
        int moved = 0;
        for (size_t k = 0; k < S->n && !S->stop; k++) moved |= walk(S, k, scale, &rc);
        if (!moved) scale /= 2;
    }
    /* the chosen settings stay set; the rest as the caller left them */
    for (size_t k = 0; k < S->n; k++) t->val[S->idx[k]] = grid_value(S->dims[k], &t->spec[S->idx[k]], S->base[k], S->x[k]);
    int epochs_searched = 0;
    for (size_t k = 0; k < S->n; k++) epochs_searched |= S->idx[k] == S->epochs_idx;
    if (S->epochs_idx >= 0 && !epochs_searched) t->val[S->epochs_idx] = S->user_epochs;
    t->val[S->limit_idx] = S->user_limit;
    t->stat_trials = S->trials - S->cut;
    t->stat_best_valid = S->best;
    t->stat_best_epoch = S->best_epoch;
    t->stat_epochs = S->best_run;
    t->stopped_by_time = 0;
    free(S);
    return rc;
}

void gr_search_record(gr_model *m, const gr_trainer *t)
{
    const gr_search_dim *dims[MAX_DIMS];
    int idx[MAX_DIMS];
    size_t n = active_dims(t, dims, idx);
    for (size_t k = 0; k < n; k++) gr_model_set_info(m, dims[k]->name, t->val[idx[k]]);
    gr_model_set_info(m, "search_trials", t->stat_trials);
    /* the epochs of the chosen schedule, extended or not */
    int e = gr_opt_index(t, "epochs");
    if (extension_allowed(t) && !isnan(t->val[e])) gr_model_set_info(m, "search_epochs", t->val[e]);
    gr_model_set_info(m, "budget", gr_opt(t, GR_OPT_BUDGET));
}

/* ---- user-item data ---- */

typedef struct ui_ctx {
    const gr_graph *train;
    gr_model *last, *best;
} ui_ctx;

static int ui_trial(void *ctx, gr_trainer *t)
{
    ui_ctx *c = ctx;
    return gr_fit_kind(&c->last, t, c->train);
}

static void ui_keep(void *ctx)
{
    ui_ctx *c = ctx;
    gr_model_free(c->best);
    c->best = c->last;
    c->last = NULL;
}

static void ui_drop(void *ctx)
{
    ui_ctx *c = ctx;
    gr_model_free(c->last);
    c->last = NULL;
}

static const gr_search_ops ui_ops = { ui_trial, ui_keep, ui_drop };

/* Search on (train, valid), the model serving model_graph; the best
 * trial's model in *best. */
static int search_on(gr_model **best, gr_trainer *t, const gr_graph *train, const gr_graph *valid,
                     const gr_graph *model_graph)
{
    /* the trials start from the defaults sized to the graph they fit, as a
     * fit without a budget would run */
    gr_size_defaults(t, train);
    const gr_graph *valid_was = t->valid;
    t->valid = valid;
    t->model_graph = model_graph;
    ui_ctx c = { train, NULL, NULL };
    int rc = gr_search_run(t, &ui_ops, &c);
    t->valid = valid_was;
    t->model_graph = NULL;
    gr_model_free(c.last);
    if (rc != GR_OK) {
        gr_model_free(c.best);
        return rc;
    }
    *best = c.best;
    return GR_OK;
}

/* Search, then train the chosen settings as gr_trainer_fit does without a
 * budget.  With whole-run trials the best trial is that run (kept, or
 * refitted from on a held-out part); with short trials the chosen
 * settings run the default path. */
static int fit_searched(gr_model **out, gr_trainer *t, const gr_graph *g)
{
    int holdout = !t->valid;
    /* A filter's own small grid is off, in the trials and in a final fit
     * of the chosen settings alike: the search covers its parameters.
     * gr_trainer_fit gives the caller's settings back afterwards. */
    int grid = gr_opt_index(t, "search");
    if (grid >= 0) t->val[grid] = 0;
    gr_graph *tr = NULL, *va = NULL;
    if (holdout) {
        GR_TRY(gr_holdout_split_of(&tr, &va, t, g));
        if (va->n_edges == 0 || tr->n_edges == 0) {
            gr_graph_free(tr);
            gr_graph_free(va);
            return gr_fit_with_holdout(out, t, g); /* nothing to validate on: as without a budget */
        }
    }
    gr_model *best = NULL;
    int rc = holdout ? search_on(&best, t, tr, va, g) : search_on(&best, t, g, t->valid, NULL);
    double trials = t->stat_trials;
    if (rc == GR_OK && !gr_search_full_trials(t)) {
        gr_model_free(best);
        best = NULL;
        rc = holdout ? gr_fit_with_holdout(out, t, g) : gr_fit_kind(out, t, g);
    } else if (rc == GR_OK && holdout) {
        rc = gr_holdout_finish(out, best, t, g, va->n_edges);
    } else if (rc == GR_OK) {
        *out = best;
    }
    t->stat_trials = trials;
    gr_graph_free(tr);
    gr_graph_free(va);
    return rc;
}

int gr_fit_with_search(gr_model **out, gr_trainer *t, const gr_graph *g)
{
    if (!t->valid && !gr_holdout_wanted(t)) return gr_fit_kind(out, t, g); /* no validation data: nothing to search on */
    /* LightGCN and MF search the rows of the schedule that mode auto picks
     * for this graph, and the trials and the final fit run that schedule */
    int mi = gr_opt_index(t, "mode");
    if (mi >= 0 && (t->kind == GR_MODEL_LIGHTGCN || t->kind == GR_MODEL_MF)) t->val[mi] = gr_lgcn_mode(t, g);
    int rc = fit_searched(out, t, g);
    /* the model reports the chosen settings; gr_trainer_fit gives the
     * trainer back the caller's */
    if (rc == GR_OK) gr_search_record(*out, t);
    return rc;
}
