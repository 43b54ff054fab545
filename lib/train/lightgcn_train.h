/* Shared pieces of the LightGCN trainers (paper schedule and fast schedule). */
#ifndef GR_TRAIN_LIGHTGCN_TRAIN_H
#define GR_TRAIN_LIGHTGCN_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "graph/graph.h"
#include "kernels/spmm.h"
#include "models/lightgcn.h"
#include "train/adam.h"
#include "train/trainer.h"

typedef struct gr_lgcn_settings_t {
    size_t d, batch, n, n_users;
    int layers, negatives;
    double lr, reg, init_std;
    uint64_t seed;
    int checkpoint; /* the fit checkpoints (train/checkpoint.h): set by the trainer's own fits only */
    /* the fast or sampled fit exchanges halos (`shard` 1 under a
     * communicator, with layers): the layer buffers and the propagated
     * rows start empty and take the halo's layouts (gr_lgcn_prop_halo,
     * gr_lgcn_prop_objective), so no rank ever holds n rows of them */
    int halo;
} gr_lgcn_settings_t;

/* Buffers of one training run. */
typedef struct gr_lgcn_work {
    gr_spmat adj;
    float *final, *grad;           /* n x d each */
    float *layer, *side;           /* gr_lightgcn_propagate's work: n x d, side rows x d */
    float *gsum;                   /* the gradient of e0: shares final's buffer, which the
                                      backward pass no longer needs */
    int32_t *u, *pos, *neg;               /* the batch */
    float *coef, *loss;                   /* per (positive, negative) pair */
} gr_lgcn_work;

void gr_lgcn_settings(gr_lgcn_settings_t *s, const gr_trainer *t, const gr_graph *g);
/* The n x d layer-0 rows, each value drawn from N(0, init_std^2) by
 * (seed, its index): all of them, or rows [lo, hi) alone (the other rows
 * are allocated, not written). */
float *gr_lgcn_init_embeddings(const gr_lgcn_settings_t *s);
float *gr_lgcn_init_rows(const gr_lgcn_settings_t *s, size_t lo, size_t hi);
int gr_lgcn_work_init(gr_lgcn_work *w, const gr_lgcn_settings_t *s, const gr_graph *g);
void gr_lgcn_work_free(gr_lgcn_work *w);
/* Loss of the batch in w and its gradient with respect to e0 (into w->gsum). */
double gr_lgcn_loss_grad(const gr_lgcn_settings_t *s, gr_lgcn_work *w, const float *e0, size_t count);
/* One mini-batch step of the published algorithm on the batch in w; returns the loss. */
double gr_lgcn_step(const gr_lgcn_settings_t *s, gr_lgcn_work *w, float *e0, gr_adam *adam, size_t count);

/* Defaults of the fast schedule, chosen on the validation split of
 * MovieLens-1M m1 (docs/training.md). */
#define GR_LGCN_FAST_STEPS 200
#define GR_LGCN_FAST_LR 0.5
#define GR_LGCN_FAST_REG 1e-2
/* LightGCN's fast-schedule L2 weight by default follows the data: this
 * times the graph's layer-0 rows per training interaction, (users +
 * items) / interactions, and never below GR_LGCN_FAST_REG.  Sparse data
 * has more rows for each interaction to fit and overfits at ML-1M's
 * weight: the best validated weights run from 0.01 (ML-1M m1, 0.011 rows
 * per interaction) to 0.15-0.2 (a generated long tail, 0.19 rows), while
 * ML-1M loses below 0.01 (docs/training.md, "The fast schedule's L2
 * weight follows the data"). */
#define GR_LGCN_FAST_REG_PER_ROW 0.45
#define GR_LGCN_FAST_EVAL_EVERY 10
/* Defaults of gr_model_update's warm-started training (lib/train/update.c):
 * the fast schedule's steps and learning rate chosen on a validation part
 * of ML-100K (docs/training.md, "Incremental updates"); the paper
 * schedule's epochs are the same quarter of its full length. */
#define GR_LGCN_UPDATE_STEPS 50
#define GR_LGCN_UPDATE_LR 0.05
#define GR_LGCN_UPDATE_EPOCHS 50
/* Defaults of the sampled schedule (train/lightgcn_sampled.c), chosen on
 * validation parts of Gowalla, MovieLens-1M m1 and ML-100K
 * (docs/training.md). */
#define GR_LGCN_SAMPLED_STEPS 250
#define GR_LGCN_SAMPLED_LR 0.05
#define GR_LGCN_SAMPLED_REG 0.0
#define GR_LGCN_SAMPLED_EVAL_EVERY 20
#define GR_LGCN_SAMPLED_NEGATIVES 2048
/* The negatives mode auto weighs the sampled schedule's cost at when none
 * are set: the count its rule was set with (docs/training.md).  Weighing
 * the larger default would send mid-sized catalogues to the full softmax,
 * which scores lower there (a generated wide catalogue: 0.2452 against
 * 0.2935 Recall@20). */
#define GR_LGCN_AUTO_NEGATIVES 1024
#define GR_LGCN_SAMPLED_POP 0.0
#define GR_LGCN_SAMPLED_TEMPERATURE 0.04
/* LightGCN's sampled temperature by default follows the data: this times
 * the square root of the layer-0 rows per training interaction, and never
 * below GR_LGCN_SAMPLED_TEMPERATURE (Gowalla's 0.04, where the rule gives
 * 0.039).  Sparser data ranks better with softer scores: validated best
 * 0.08 to 0.1 on generated sets of 0.21 to 0.44 rows per interaction, 0.1
 * or more on 30% of Gowalla and 5% of ML-1M (docs/training.md, "The
 * sampled temperature follows the data"). */
#define GR_LGCN_SAMPLED_TEMPERATURE_SQRT 0.125
/* The learning rate falls along a half cosine from lr to lr x this at the
 * last step (setting lr_floor; 1: constant).  The sampled schedule only
 * (LightGCN's and MF's); the fast schedule keeps a constant rate. */
#define GR_LGCN_SAMPLED_LR_FLOOR 0.1
/* MF's own values where LightGCN's do not suit it, chosen on validation
 * parts of ML-1M m1, Gowalla and ML-100K (docs/training.md, "MF's default
 * schedule"): without the propagation's smoothing, the full softmax needs
 * a smaller step and a stronger L2, and the sampled schedule's cosine
 * scores a larger temperature. */
#define GR_MF_FAST_LR 0.05
#define GR_MF_FAST_REG 0.1
/* MF's fast-schedule L2 weight by default: this times the square root of
 * the layer-0 rows per training interaction, and never below
 * GR_MF_FAST_REG.  Without the propagation MF's best weight grows more
 * slowly with sparsity than LightGCN's: 0.1 on ML-1M m1 to about 0.3 on a
 * generated long tail (docs/training.md, "The fast schedule's L2 weight
 * follows the data"). */
#define GR_MF_FAST_REG_SQRT 0.7
/* MF's sampled-schedule temperature: its unit rows are not propagated,
 * so their cosines spread less than LightGCN's and want a softer softmax
 * than LightGCN's 0.04; 0.12 lost at most 1.4% of the best held-out NDCG
 * on each catalogue where `auto` samples (Gowalla best at 0.1, the
 * generated wide catalogues at 0.14; docs/training.md, "MF's default
 * schedule"). */
#define GR_MF_SAMPLED_TEMPERATURE 0.12
/* MF's sampled schedule keeps 1024 shared negatives: LightGCN's 2048 were
 * chosen with its own steps and temperature (docs/training.md). */
#define GR_MF_SAMPLED_NEGATIVES 1024
/* MF's sampled schedule keeps 200 steps validated every 10: its held-out
 * NDCG on Gowalla peaks by step 170 (docs/training.md). */
#define GR_MF_SAMPLED_STEPS 200
#define GR_MF_SAMPLED_EVAL_EVERY 10
/* MF's full-softmax updates take a tenth of its step size, as LightGCN's
 * (GR_LGCN_UPDATE_LR) take a tenth of its own. */
#define GR_MF_UPDATE_LR 0.005
/* mode auto takes the full softmax (fast) while its dense work per step,
 * users x items, is at most this many times the sampled schedule's,
 * users x negatives + interactions (docs/training.md). */
#define GR_LGCN_AUTO_RATIO 16.0
#define GR_STR_(x) #x
#define GR_STR(x) GR_STR_(x)

/*
 * Train a LightGCN / MF model of kind on g with t's settings (the schedule's
 * defaults resolved as gr_trainer_fit does), starting from e0 ((users +
 * items of g) x dim, taken over and freed on failure too) instead of random
 * embeddings: the warm start of gr_model_update.
 */
int gr_lgcn_fit_from(gr_model **out, gr_trainer *t, const gr_graph *g, int kind, float *e0);

/* The fast schedule (train/lightgcn_fast.c).  Trains e0 in place; with
 * best (NULL: no validation), the best validated parameters into *best
 * (n x d), which may be NULL under a communicator: each rank keeps its
 * rows of them and *best is allocated when they are gathered, after the
 * fit.  tables (NULL: not asked for): with halos (`shard` 1), the model's
 * propagated tables made from the fit's own propagation
 * (gr_lgcn_prop_model), its layer-0 rows being those left in e0 (the best
 * validated ones, if any, and *best left as it was); nothing otherwise
 * (tables->user_vec stays NULL). */
int gr_lgcn_fit_fast(float *e0, float **best, gr_trainer *t, const gr_graph *g, const gr_lgcn_settings_t *s,
                     gr_lightgcn_tables *tables);

/*
 * The propagation of a full-batch fit (train/lightgcn_prop.c).  Under a
 * communicator it is split by destination rows: the rank holds rows [lo,
 * hi) of the normalised adjacency (gr_dist_rows over the n rows), computes
 * those rows of every layer, and the layers are allgathered so that the
 * next one has every row; one process holds every row.
 */
typedef struct gr_lgcn_prop {
    gr_spmat adj;        /* rows [lo, hi) (every row in one process), columns global */
    size_t lo, hi, n, d, n_users;
    int layers;
    /* float layers (NULL: bfloat16 only), bfloat16 layers (NULL: float
     * only), each made in place: `layer` holds the layer's rows (n rows,
     * or own + halo rows in the halo's layout), `side` those made apart
     * while the others are written over their own (gr_lightgcn_layer):
     * the smaller side's of the own rows (gr_lightgcn_side_rows) */
    float *layer, *side;
    uint16_t *layer_b, *side_b;
    struct gr_dist *dist;
    int rc;              /* the first failed exchange (sticky) */
    struct gr_halo *halo; /* gr_lgcn_prop_halo: adj's columns and the layers in its local layout */
    struct gr_halo *obj;  /* gr_lgcn_prop_objective: the rows the objective reads, its layout */
} gr_lgcn_prop;
/* Buffers for float layers (flt) and/or bfloat16 layers (half, when
 * gr_spmm_bf16_ok(d)): as the struct says, none with s->halo
 * (gr_lgcn_prop_halo sizes them); parts: row ranges for the threads. */
int gr_lgcn_prop_init(gr_lgcn_prop *p, const gr_graph *g, const gr_lgcn_settings_t *s, struct gr_dist *dist, int flt,
                      int half, size_t parts);
void gr_lgcn_prop_free(gr_lgcn_prop *p);
/* The rows and the nonzeros of the adjacency p holds: its rows under a
 * communicator, every row in one process. */
size_t gr_lgcn_prop_adj_rows(const gr_lgcn_prop *p);
size_t gr_lgcn_prop_adj_nnz(const gr_lgcn_prop *p);
/*
 * Under a communicator, exchange halos instead of allgathering layers
 * (trainer setting `shard`, docs/distributed.md): the adjacency rows'
 * columns and the layer buffers (layer, layer_b) move to the local
 * layout of a halo plan (dist/halo.h), own + halo rows; each layer's own
 * rows go to the ranks that read them.  The results are the allgathering
 * propagation's, bit for bit.  Nothing without a communicator or layers.
 * Collective; the status is agreed over the ranks.
 */
int gr_lgcn_prop_halo(gr_lgcn_prop *p);
/* out = (x + A x + ... + A^K x) / (K + 1) for x of all n rows, in bfloat16
 * layers when half (and p has them), else float: all rows of out when
 * all_rows, else rows [lo, hi) only.  With the halo only x's own rows
 * [lo, hi) are read (those of layer 0's halo come from their owners, so
 * the other rows of x need not be current).  Collective under a
 * communicator; a failed exchange is left in p->rc. */
void gr_lgcn_prop_run(gr_lgcn_prop *p, const float *x, float *out, int all_rows, int half);
/*
 * The objective's rows of a full-batch schedule: the propagated rows
 * (final) and their gradient (gfinal), x d; the rank's users [u_lo, u_hi)
 * (its share of the objective; every user in one process) and where they
 * and the items lie in final: rows u_row0 (user u_lo) and i_row0 (item
 * 0).  Every row, u_row0 = u_lo and i_row0 = n_users, until
 * gr_lgcn_prop_objective moves them to the objective's layout.
 */
typedef struct gr_lgcn_rows {
    float *final, *gfinal;
    size_t u_lo, u_hi, u_row0, i_row0;
} gr_lgcn_rows;
/*
 * With the halo's propagation (after gr_lgcn_prop_halo), keep the
 * objective's rows r as the rows the objective reads: users [r->u_lo,
 * r->u_hi) and every item (rows n_users .. n - 1), with the own rows, in
 * the local layout of a halo plan of those rows (dist/halo.h, ascending
 * global order).  r->final and r->gfinal are reallocated to that layout,
 * r->u_row0 and r->i_row0 set to its rows of user u_lo and of item 0 (the
 * rank's users are consecutive rows, the items the last).  Nothing
 * without the halo.  Collective; the status is agreed over the ranks.
 */
int gr_lgcn_prop_objective(gr_lgcn_prop *p, size_t n_users, gr_lgcn_rows *r);
/* Rows of the objective's layout (n without gr_lgcn_prop_objective), and
 * the row in it of global row `row` (a row the objective reads). */
size_t gr_lgcn_prop_objective_rows(const gr_lgcn_prop *p);
size_t gr_lgcn_prop_objective_row(const gr_lgcn_prop *p, size_t row);
/* gr_lgcn_prop_run with every row the objective reads in out: its layout
 * (gr_lgcn_prop_objective), else all n rows.  x holds the rows from row
 * x0 of the layer-0 table: every row (x0 = 0) without the objective's
 * layout; with it the own rows [lo, hi) at least, the only ones read (the
 * halo's rows of layer 0 come from their owners). */
void gr_lgcn_prop_run_objective(gr_lgcn_prop *p, const float *x, size_t x0, float *out, int half);
/*
 * The backward pass: each rank's gradient of its share of the objective
 * with respect to the propagated rows (gfinal, n x d, destroyed), summed
 * over the ranks and propagated back (A is symmetric, so back-propagation
 * applies the same propagation).  *own: the gradient of the layer-0 rows
 * [lo, hi), in gfinal or scratch (n x d).  With gr_lgcn_prop_objective,
 * gfinal and scratch are in the objective's layout (rows the rank did not
 * compute zero) and the owners add the ranks' rows with gr_halo_reverse,
 * in the reduce-scatter's order: the same bits.  Collective.
 */
int gr_lgcn_prop_back(gr_lgcn_prop *p, float *gfinal, float *scratch, float **own, int half);
/*
 * With the halo's propagation, the model's tables (gr_lightgcn_model) of
 * the layer-0 rows whose own rows [lo, hi) are x_own: each rank propagates
 * its rows in float (bfloat16 layers are replaced by float ones), frees p
 * (its adjacency and layers), and the ranks' rows of the tables are
 * gathered, so that no rank holds the whole adjacency nor an n x d layer.
 * The same values as gr_lightgcn_propagate's, bit for bit.  Collective;
 * the status is agreed over the ranks; on failure tb is left empty.
 */
int gr_lgcn_prop_model(gr_lgcn_prop *p, const float *x_own, size_t n_users, gr_lightgcn_tables *tb);

/* The sampled schedule (train/lightgcn_sampled.c), same contract. */
int gr_lgcn_fit_sampled(float *e0, float **best, gr_trainer *t, const gr_graph *g, const gr_lgcn_settings_t *s,
                        gr_lightgcn_tables *tables);
/* Loss of the sampled schedule's step `epoch` at e0 and its gradient with
 * respect to e0 (n x d, into grad); NaN when out of memory.  For tests. */
double gr_lgcn_sampled_loss_grad(float *grad, const gr_trainer *t, const gr_graph *g, const gr_lgcn_settings_t *s,
                                 const float *e0, int epoch);
/* The negatives per block of the sampled schedule under t's settings. */
size_t gr_lgcn_sampled_negatives(const gr_trainer *t);
/* Whether schedule mode (GR_MODE_FAST or GR_MODE_SAMPLED) takes its
 * bfloat16 forms under t's setting `precision`: float never, bfloat16
 * always (the products in bfloat16 only where the CPU has AVX512-BF16),
 * auto as measured faster: the sampled schedule always, the fast one
 * where the CPU's bfloat16 products pay (gr_cpu_bf16_pays). */
int gr_lgcn_bf16(const gr_trainer *t, int mode);
/* The schedule a fit of t on g runs: the mode set, or for GR_MODE_AUTO
 * what gr_lgcn_auto_mode chooses. */
int gr_lgcn_mode(const gr_trainer *t, const gr_graph *g);
/* Rows of x (n x d) scaled to unit length into out (zero rows stay zero);
 * their lengths into norm when not NULL. */
void gr_lgcn_unit_rows(float *out, float *norm, const float *x, size_t n, size_t d);
/* What mode auto runs on g: GR_MODE_FAST or GR_MODE_SAMPLED. */
int gr_lgcn_auto_mode(const gr_graph *g, size_t negatives);
/* L2 on the layer-0 rows [lo, hi), each weighted by its degree / n_edges
 * (the weight the published per-batch L2 puts on a row in expectation):
 * adds its gradient to g0 (the gradient of rows [lo, hi), (hi - lo) x d),
 * returns the penalty; row_sq: hi - lo scratch values. */
double gr_lgcn_degree_l2(const gr_graph *g, const gr_lgcn_settings_t *s, const float *e0, float *g0, double *row_sq,
                         size_t lo, size_t hi);

/*
 * A full-batch schedule as the shared driver (train/lightgcn_full.c) sees
 * it.  loss_grad: the loss of this rank's share of step `epoch` at e0
 * (without the L2 term) and, in rows->gfinal, the gradient of that share
 * with respect to the propagated rows (the driver back-propagates it with
 * prop, rows->final being free until the next step).
 * back_rows (NULL: none): what lies between e0 and the propagation's input,
 * back-propagated on rows [lo, hi) of the layer-0 gradient g, at the e0 of
 * the step's loss_grad (not yet updated).  model_rows:
 * rows [lo, hi) of the model's layer-0 rows for e0 (NULL: e0 itself); with
 * halos (`shard` 1) only the rank's own rows [lo, hi) of gr_dist_rows are
 * asked for.  rows: the schedule's objective's rows, which the driver
 * moves to the objective's layout with halos (`shard` 1) and validates
 * with (the propagation of the model's rows, in bfloat16 layers when
 * valid_half).  release: called once the fit no longer steps, before the
 * driver makes the whole tables it returns.  half: whether the training
 * propagation uses bfloat16 layers.
 */
typedef struct gr_lgcn_full_ops {
    void *work;
    double (*loss_grad)(void *work, const float *e0, int epoch);
    void (*back_rows)(void *work, const float *e0, float *g, size_t lo, size_t hi);
    const float *(*model_rows)(void *work, const float *e0, size_t lo, size_t hi);
    void (*release)(void *work); /* frees the schedule's buffers (prop too: the driver may have
                                    taken it over and zeroed it); may be called again */
    gr_lgcn_prop *prop;
    gr_lgcn_rows *rows;
    int half, valid_half;
} gr_lgcn_full_ops;
/*
 * Fit e0 in place with ops's schedule and Adam (best: the best validated
 * parameters, as gr_lgcn_fit_fast); rc: the schedule's start-up status, agreed
 * over the ranks.  Under a communicator each rank owns a slice of the rows
 * for the optimizer (gr_dist_rows): its Adam moments, its rows' L2 term
 * and update; the gradient is reduce-scattered and the rows allgathered
 * after each step, or with halos (`shard` 1) once, when the fit ends: then
 * only the rank's own rows of e0 are read until then (the others need not
 * be current, nor even touched).  tables: as gr_lgcn_fit_fast.
 */
int gr_lgcn_fit_full(float *e0, float **best, gr_lightgcn_tables *tables, gr_trainer *t, const gr_graph *g,
                     const gr_lgcn_settings_t *s, const gr_lgcn_full_ops *ops, int rc);
/* The learning rate of full-batch step `epoch` (1-based) of `epochs`: lr
 * falling along a half cosine to lr x floor at the last step (floor 1:
 * constant).  A function of the step alone, so a resumed fit continues it. */
double gr_lgcn_step_lr(double lr, double floor, int epoch, double epochs);
/* The lr_floor that a full-batch fit of t runs with (its default resolved
 * for the kind and the schedule in t's mode setting). */
double gr_lgcn_lr_floor(const gr_trainer *t);
/* The default fast-schedule L2 weight of kind (LightGCN or MF) for g
 * (GR_LGCN_FAST_REG_PER_ROW, GR_MF_FAST_REG_SQRT), to three significant
 * digits. */
double gr_lgcn_fast_reg(int kind, const gr_graph *g);
/* The default sampled-schedule temperature of kind for g
 * (GR_LGCN_SAMPLED_TEMPERATURE_SQRT; MF: GR_MF_SAMPLED_TEMPERATURE). */
double gr_lgcn_sampled_temperature(int kind, const gr_graph *g);
/* Set the defaults of t that are sized to the data (LightGCN's and MF's
 * fast L2 weight, LightGCN's sampled temperature, where t runs that
 * schedule on g and the caller left them unset) to
 * their values for g.  A fit on a held-out part, or a budget's search,
 * sizes them to the graph it validates on, and its refit or continuation
 * on all the training data keeps them, as it keeps the chosen epochs. */
void gr_lgcn_size_defaults(gr_trainer *t, const gr_graph *g);

#endif
