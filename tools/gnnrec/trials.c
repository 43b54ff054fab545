/* The trials of a --budget settings search or of a training-free kind's
 * validation grid: one line each on stderr, the list in --json, the
 * chosen settings after the fit. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_trials_begin(cli_trials *c, int quiet, int rmse, int *last_epoch, double *last_seconds)
{
    memset(c, 0, sizeof *c);
    c->quiet = quiet;
    c->rmse = rmse;
    c->last_epoch = last_epoch;
    c->last_seconds = last_seconds;
    json_begin(&c->list);
    c->list.buf[0] = '['; /* an array of objects, built with the object writer's helpers */
}

/* gr_trial_fn: report the trial; the next trial's epochs start again. */
int cli_on_trial(void *ud, int trial, size_t n, const char *const *names, const double *values, double metric,
                 int best_epoch, double seconds)
{
    cli_trials *c = ud;
    if (c->last_epoch) *c->last_epoch = 0;
    if (c->last_seconds) *c->last_seconds = 0;
    double shown = c->rmse ? -metric : metric;
    json_out o;
    json_begin(&o);
    json_num(&o, "trial", trial);
    for (size_t k = 0; k < n && k < CLI_MAX_SEARCHED; k++) {
        json_num(&o, names[k], values[k]);
        snprintf(c->names[k], sizeof c->names[k], "%s", names[k]);
    }
    c->n_names = n < CLI_MAX_SEARCHED ? n : CLI_MAX_SEARCHED;
    json_num(&o, c->rmse ? "valid_rmse" : "valid", shown);
    json_num(&o, "best_epoch", best_epoch);
    json_num(&o, "seconds", seconds);
    json_append(&o, "}");
    if (c->n++) json_append(&c->list, ", ");
    json_append(&c->list, o.buf);
    free(o.buf);
    if (c->quiet) return 0;
    fprintf(stderr, "trial %3d ", trial);
    for (size_t k = 0; k < n; k++) fprintf(stderr, " %s %g", names[k], values[k]);
    const char *label = c->rmse ? "rmse" : c->label[0] ? c->label : "figure";
    /* a training-free kind's grid runs no epochs (best_epoch 0) */
    if (best_epoch > 0) fprintf(stderr, "  valid %s %.4f (epoch %d)  %8.1fs\n", label, shown, best_epoch, seconds);
    else fprintf(stderr, "  valid %s %.4f  %8.1fs\n", label, shown, seconds);
    return 0;
}

void cli_trials_end(cli_trials *c, json_out *j, const gr_model *m, int json)
{
    double trials = 0;
    if (gr_model_info(&trials, m, "search_trials") != GR_OK || trials == 0) {
        free(c->list.buf);
        c->list.buf = NULL;
        return;
    }
    json_append(&c->list, "]");
    json_num(j, "search_trials", trials);
    json_raw(j, "trials", c->list.buf);
    json_out chosen;
    json_begin(&chosen);
    if (!json) printf("searched %.0f trials; chosen:", trials);
    for (size_t k = 0; k < c->n_names; k++) {
        double v;
        /* an extended schedule's epochs are the chosen schedule's, not the
         * kept run's (early stopping may end it sooner) */
        if (strcmp(c->names[k], "epochs") == 0 && gr_model_info(&v, m, "search_epochs") == GR_OK) {
        } else if (gr_model_info(&v, m, c->names[k]) != GR_OK) {
            continue;
        }
        json_num(&chosen, c->names[k], v);
        if (!json) printf(" %s %g", c->names[k], v);
    }
    if (!json) printf("\n");
    json_append(&chosen, "}");
    json_raw(j, "chosen", chosen.buf);
    free(chosen.buf);
    free(c->list.buf);
    c->list.buf = NULL;
}
