/*
 * The full-batch fit driver that the fast and the sampled schedules of
 * LightGCN and MF share (lightgcn_train.h): start-up, the epoch loop, the
 * L2 term and the Adam step, once for both.
 *
 Under a communicator the rows (users, then items) are sharded
 * (docs/distributed.md): each rank's schedule computes the gradient of its
 * own share of the objective with respect to all propagated rows; the
 * gradient is summed over the ranks into each row's owner only
 * (reduce-scatter) and propagated back by rows (gr_lgcn_prop_back), the
 * owner adds the L2 term of its rows and takes the
 * Adam step of its rows with the moments of its rows alone, and the
 * updated rows are copied to every rank (allgather).  With halos (`shard`
 * 1) they are not: the propagation reads a rank's own rows and fetches its
 * halo's from their owners, so each rank's rows are current on that rank
 * alone until the fit ends and they are gathered.  Each row is summed and
 * updated by one rank, so every rank ends with the same parameters, bit
 * for bit; one process owns every row and exchanges nothing.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "dist/dist.h"
#include "dist/dist_train.h"
#include "dist/halo.h"
#include "train/adam.h"
#include "train/checkpoint.h"
#include "train/lightgcn_train.h"
#include "train/trainer.h"

typedef struct full_state {
    gr_dist *dist;
    size_t lo, hi;  /* the rows this rank owns */
    gr_adam adam;   /* moments of rows [lo, hi) */
    double *row_sq; /* hi - lo: per-row L2 terms */
    float *best;    /* with a communicator: rows [lo, hi) of the best validated parameters */
} full_state;

static void state_free(full_state *F)
{
    gr_adam_free(&F->adam);
    free(F->row_sq);
    free(F->best);
}

/* best: whether the fit keeps the best validated parameters (each rank its
 * rows, gathered at the end). */
static int state_init(full_state *F, gr_trainer *t, const gr_lgcn_settings_t *s, int best)
{
    memset(F, 0, sizeof *F);
    F->dist = gr_dist_of(t);
    gr_dist_rows(F->dist, s->n, &F->lo, &F->hi);
    size_t rows = F->hi - F->lo;
    int rc = gr_adam_init(&F->adam, rows * s->d, s->lr);
    F->row_sq = gr_alloc(rows + 1, sizeof *F->row_sq);
    if (rc == GR_OK && !F->row_sq) rc = GR_ENOMEM;
    if (rc == GR_OK && best && F->dist && !(F->best = gr_alloc_floats(rows * s->d + 1))) rc = GR_ENOMEM;
    return rc;
}

/* One step: the schedule's loss and local gradient, summed into the
 * owners' rows and back-propagated, L2 and Adam on the own rows, the rows
 * copied back. */
static double step(full_state *F, const gr_graph *g, const gr_lgcn_settings_t *s, const gr_lgcn_full_ops *ops,
                   float *e0, int epoch, int *rc)
{
    const size_t d = s->d;
    float *own = NULL;
    double loss = ops->loss_grad(ops->work, e0, epoch);
    *rc = ops->prop->rc;
    /* the propagated rows are free once the objective has its gradient */
    if (*rc == GR_OK) *rc = gr_lgcn_prop_back(ops->prop, ops->rows->gfinal, ops->rows->final, &own, ops->half);
    if (*rc != GR_OK) return loss;
    if (ops->back_rows) ops->back_rows(ops->work, e0, own, F->lo, F->hi);
    if (s->reg > 0) loss += gr_lgcn_degree_l2(g, s, e0, own, F->row_sq, F->lo, F->hi);
    /* the objective's shares and the L2 terms of every rank's rows */
    *rc = gr_dist_allreduce_sum(F->dist, &loss, 1);
    if (*rc != GR_OK) return loss; /* the fit stops: leave the parameters as they were */
    gr_adam_step(&F->adam, e0 + F->lo * d, own);
    if (!ops->prop->halo) *rc = gr_dist_allgather_rows(F->dist, e0, s->n, d);
    return loss;
}

double gr_lgcn_step_lr(double lr, double floor, int epoch, double epochs)
{
    if (epochs <= 1.0) return lr;
    /* step 1 takes lr, the last lr x floor */
    return gr_lr_cosine(lr, floor, (double)(epoch - 1) / (epochs - 1.0));
}

double gr_lgcn_lr_floor(const gr_trainer *t)
{
    double v = gr_opt_named(t, "lr_floor");
    if (!isnan(v)) return v;
    int sampled = (int)gr_opt(t, GR_OPT_MODE) == GR_MODE_SAMPLED;
    return sampled ? GR_LGCN_SAMPLED_LR_FLOOR : 1.0;
}

/* The model's layer-0 rows [lo, hi) at e0. */
static const float *model_rows(const gr_lgcn_full_ops *ops, const gr_lgcn_settings_t *s, const float *e0, size_t lo,
                               size_t hi)
{
    return ops->model_rows ? ops->model_rows(ops->work, e0, lo, hi) : e0 + lo * s->d;
}

/* The validation metric at e0: the model's rows propagated into the
 * objective's rows (free until the next step).  With halos (`shard` 1)
 * each rank scores its own users, from its own rows of the model (the
 * owners send the halo's). */
static double validate(const gr_lgcn_full_ops *ops, const gr_trainer *t, const gr_graph *g,
                       const gr_lgcn_settings_t *s, const float *e0, int *rc)
{
    gr_lgcn_prop *p = ops->prop;
    const gr_lgcn_rows *r = ops->rows;
    const size_t d = s->d;
    if (p->obj) {
        gr_lgcn_prop_run_objective(p, model_rows(ops, s, e0, p->lo, p->hi), p->lo, r->final, ops->valid_half);
        return gr_validate_user_rows(t, g, r->final + r->u_row0 * d, r->u_lo, r->u_hi, r->final + r->i_row0 * d,
                                     NULL, d, rc);
    }
    gr_lgcn_prop_run(p, model_rows(ops, s, e0, 0, s->n), r->final, 1, ops->valid_half);
    return gr_validate_vectors(t, g, r->final, r->final + s->n_users * d, NULL, d, rc);
}

/* The model's rows at e0 as the best validated parameters: every row in
 * best, or with a communicator this rank's rows in F->best. */
static void keep_best(full_state *F, const gr_lgcn_settings_t *s, const gr_lgcn_full_ops *ops, const float *e0,
                      float *best)
{
    /* each rank its own rows, or one process every row */
    const size_t lo = F->best ? F->lo : 0, hi = F->best ? F->hi : s->n;
    memcpy(F->best ? F->best : best, model_rows(ops, s, e0, lo, hi), (hi - lo) * s->d * sizeof *best);
}

/* What this fit held per rank (gr_trainer's shard statistics). */
static void record(gr_trainer *t, const full_state *F, const gr_lgcn_full_ops *ops)
{
    t->shard_rows = F->hi - F->lo;
    t->shard_adam_floats = 2 * F->adam.n;
    t->shard_adj_rows = gr_lgcn_prop_adj_rows(ops->prop);
    t->shard_adj_nnz = gr_lgcn_prop_adj_nnz(ops->prop);
    t->shard_halo_rows = ops->prop->halo ? ops->prop->halo->n_halo : 0;
    t->shard_send_rows = ops->prop->halo ? ops->prop->halo->n_send : 0;
    t->shard_objective_rows = gr_lgcn_prop_objective_rows(ops->prop);
}

int gr_lgcn_fit_full(float *e0, float **best, gr_lightgcn_tables *tables, gr_trainer *t, const gr_graph *g,
                     const gr_lgcn_settings_t *s, const gr_lgcn_full_ops *ops, int rc)
{
    full_state F;
    int src = state_init(&F, t, s, best != NULL);
    if (rc == GR_OK) rc = src;
    /* with a communicator, a rank that could not start stops them all */
    rc = gr_dist_agree(F.dist, rc);
    /* shard 1: the propagation exchanges halos and the objective's rows
     * take the objective's layout (collective: after the agreement) */
    if (rc == GR_OK && s->halo) {
        rc = gr_lgcn_prop_halo(ops->prop);
        if (rc == GR_OK) rc = gr_lgcn_prop_objective(ops->prop, g->n_users, ops->rows);
    }
    if (rc != GR_OK) {
        state_free(&F);
        return rc;
    }
    record(t, &F, ops);
    gr_fit_loop L;
    gr_fit_loop_begin(&L, t);
    /* each rank's moments are of its rows [lo, hi): the checkpoint gathers them */
    float *best_rows = F.best ? F.best : best ? *best : NULL;
    gr_ckpt ck = { s->checkpoint, g, e0, best_rows, s->n, s->d, &F.adam, F.lo, F.hi, NULL, 0, F.best != NULL,
                   ops->prop->halo != NULL };
    int epoch0 = 0, done = 0;
    rc = gr_ckpt_resume(&ck, &L, &epoch0, &done);
    const double floor = gr_lgcn_lr_floor(t), epochs = gr_opt(t, GR_OPT_EPOCHS);
    for (int epoch = epoch0 + 1; rc == GR_OK && !done; epoch++) {
        F.adam.lr = gr_lgcn_step_lr(s->lr, floor, epoch, epochs);
        double loss = step(&F, g, s, ops, e0, epoch, &rc);
        if (rc != GR_OK) break;
        double metric = gr_fit_loop_validate_now(&L, epoch) ? validate(ops, t, g, s, e0, &rc) : NAN;
        if (rc == GR_OK) rc = ops->prop->rc;
        if (rc != GR_OK) break;
        int improved;
        int stop = gr_fit_loop_epoch(&L, epoch, loss, metric, &improved);
        if (improved && best) keep_best(&F, s, ops, e0, *best);
        if ((rc = gr_ckpt_epoch(&ck, &L, epoch, stop)) != GR_OK || stop) break;
    }
    /* each rank its rows of the model (with tables, the best validated
     * ones if any): the rows left in e0 */
    const int make = rc == GR_OK && tables && ops->prop->halo;
    const int kept = make && F.best && t->stat_best_epoch > 0;
    if (rc == GR_OK && (ops->model_rows || kept)) {
        const float *own = kept ? F.best : ops->model_rows(ops->work, e0, F.lo, F.hi);
        memcpy(e0 + F.lo * s->d, own, (F.hi - F.lo) * s->d * sizeof *e0);
    }
    /* the whole tables are made once the fit's buffers are free; the
     * model's propagation outlives the schedule's other buffers */
    const int own_rows = ops->model_rows || ops->prop->halo;
    gr_lgcn_prop prop = *ops->prop;
    memset(ops->prop, 0, sizeof *ops->prop);
    ops->release(ops->work);
    gr_adam_free(&F.adam);
    if (make) rc = gr_lgcn_prop_model(&prop, e0 + F.lo * s->d, g->n_users, tables);
    gr_lgcn_prop_free(&prop);
    if (rc == GR_OK && own_rows) rc = gr_dist_allgather_rows(F.dist, e0, s->n, s->d);
    /* the ranks' rows of the best parameters, into every rank's whole copy */
    if (rc == GR_OK && F.best && t->stat_best_epoch > 0 && !kept) {
        if (!*best) *best = gr_alloc_floats(s->n * s->d);
        rc = gr_dist_agree(F.dist, *best ? GR_OK : GR_ENOMEM);
        if (rc == GR_OK) rc = gr_dist_collect_rows(F.dist, *best, F.best, s->n, s->d);
    }
    state_free(&F);
    return rc;
}
