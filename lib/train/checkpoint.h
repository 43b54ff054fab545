/*
 * Checkpoints of a fit (gr_trainer_set_checkpoint; docs/training.md,
 * "Checkpoints"): LightGCN and MF here, the knowledge-graph kinds in
 * train/kg_checkpoint.h on the shared pieces at the end of this file.  A checkpoint is a model-format file
 * (io/model_file.h, kind 'CKPT') written atomically, holding all a fit
 * needs to go on as if it had never stopped: the epochs done, the
 * parameters, the Adam moments and step count, the best validated
 * parameters and figure, the early-stopping counters and the BPR sampler's
 * edge order.  The other random draws are pure functions of (seed, epoch,
 * position) (core/rng.h), so the seed and the epoch are their state.  The
 * file also holds what it was made from, the settings (all but threads and
 * time_limit) and fingerprints of the training and validation graphs, and
 * a fit refuses a checkpoint that differs in any of them.
 *
 * Under a communicator rank 0 writes the file and reads it.  A write of a
 * sharded fit streams each rank's rows of its tables to rank 0, which
 * writes them as they arrive (gr_ckpt_out_rows): no rank gathers a whole
 * table.  A resume reads the file on rank 0, which sends each rank its
 * rows of the sharded tables and broadcasts the rest (gr_ckpt_in_rows).
 * Every call here is collective, and every rank returns the same status.
 */
#ifndef GR_TRAIN_CHECKPOINT_H
#define GR_TRAIN_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "graph/graph.h"
#include "io/model_file.h"
#include "train/adam.h"
#include "train/trainer.h"

typedef struct gr_ckpt {
    int on;              /* this fit checkpoints (t's path is set) */
    const gr_graph *g;   /* the graph trained on */
    float *e0, *best;    /* parameters and best validated ones (NULL without validation), n x d */
    size_t n, d;
    gr_adam *adam;       /* moments of rows [lo, hi) of e0 (one process, or replicated: 0, n) */
    size_t lo, hi;
    uint32_t *order;     /* the paper schedule's BPR edge order (n_order), or NULL */
    size_t n_order;
    int best_rows;       /* best holds rows [lo, hi) only (the sharded driver's ranks); a
                          * checkpoint gathers them */
    int params_rows;     /* only rows [lo, hi) of e0 are current (the halo's fits): a
                          * checkpoint gathers them, a resume reads them alone */
} gr_ckpt;

/* Whether a fit of t (its kind, its settings search) can take a
 * checkpoint; GR_EUNSUPPORTED with a message when t has one and cannot. */
int gr_ckpt_supported(const gr_trainer *t);

/*
 * At the start of a fit, after gr_fit_loop_begin: when c->on and t's file
 * exists, check that it was made by the same settings and graphs
 * (GR_EINVAL naming the file and what differs; GR_ECORRUPT / GR_EFORMAT
 * for a damaged file), load its state into c's buffers, L and t's
 * statistics, and set *epoch to the epochs done (else 0) and *done when
 * the saved fit had ended.
 */
int gr_ckpt_resume(gr_ckpt *c, gr_fit_loop *L, int *epoch, int *done);

/*
 * After an epoch (its improvement already copied into c->best): write the
 * file when c->on and the epoch is a multiple of the checkpoint interval
 * or the fit stops here.  A failed write is GR_EIO naming the file and
 * leaves the previous checkpoint as it was.
 */
int gr_ckpt_epoch(gr_ckpt *c, const gr_fit_loop *L, int epoch, int stop);

/*
 * The refit after a held-out fit (train/holdout.h) checkpoints into a
 * file of its own, t's path with ".refit" appended: the held-out fit's
 * file keeps the chosen epoch (a resumed fit reads it and does not choose
 * again), the refit's file the refit's progress, so a fit stopped in the
 * refit resumes there.  gr_ckpt_refit_begin points t at the refit's file
 * (*saved: the path to give back to gr_ckpt_refit_end, which frees the
 * refit's); without a checkpoint both do nothing.
 */
int gr_ckpt_refit_begin(gr_trainer *t, char **saved);
void gr_ckpt_refit_end(gr_trainer *t, char *saved);

/* ---- what every kind's checkpoint shares ---- */

/* What a checkpoint was made from: a fingerprint and three sizes (in the
 * file), and the words a refusal names them by. */
typedef struct gr_ckpt_data {
    uint64_t id[4];         /* fingerprint, sizes; all 0: no such data */
    const char *other;      /* "another training graph" */
    const char *some;       /* "a validation graph" */
    const char *units[3];   /* "users", "items", "interactions" */
} gr_ckpt_data;

/* A user-item graph (NULL: none) as training (valid 0) or validation data. */
gr_ckpt_data gr_ckpt_graph_data(const gr_graph *g, int valid);

/* The epoch loop's counters, the statistics a resumed fit reports, and
 * the optimiser's step count. */
typedef struct gr_ckpt_loop {
    uint64_t epoch, finished, best_epoch, evals_since_best;
    double best_valid, last_loss, stat_best_epoch, stat_best_valid;
    int64_t adam_t;
} gr_ckpt_loop;

/* Whether a fit that checkpoints (on) writes after this epoch. */
int gr_ckpt_due(const gr_trainer *t, int on, int epoch, int stop);
/* The loop's state after `epoch` (stop: the fit stops there).  Collective. */
void gr_ckpt_loop_save(gr_ckpt_loop *ls, const gr_fit_loop *L, int epoch, int stop, int64_t adam_t);
/* Back into L and its trainer's statistics; *epoch done, *done when ended. */
void gr_ckpt_loop_restore(const gr_ckpt_loop *ls, gr_fit_loop *L, int *epoch, int *done);

/*
 * Where a kind's sections are written: rank 0's writer, NULL on the other
 * ranks, which run the same write function and take part in the row
 * tables' exchanges alone.  rc: the first failed exchange's status, the
 * same on every rank (the later tables are then skipped on all).
 */
typedef struct gr_ckpt_out {
    gr_writer *w;
    struct gr_dist *dist;
    int rc;
    size_t row_bytes; /* the table being streamed: its row size */
} gr_ckpt_out;

/* A section and values every rank holds alike: written by rank 0. */
void gr_ckpt_out_begin(gr_ckpt_out *o, uint32_t tag);
void gr_ckpt_out_end(gr_ckpt_out *o);
void gr_ckpt_out_bytes(gr_ckpt_out *o, const void *p, size_t n);
/*
 * A table of nrows rows of row_bytes bytes.  sharded 0: every rank holds
 * every row at rows, and rank 0 writes them.  sharded 1 (the same on
 * every rank): each rank holds its rows [lo, hi) of gr_dist_rows(nrows)
 * at rows, and rank 0 writes the ranks' rows in order as they arrive
 * (gr_dist_rows_to_root), so no rank holds the whole table.  Collective
 * when sharded.
 */
void gr_ckpt_out_rows(gr_ckpt_out *o, const void *rows, size_t nrows, size_t row_bytes, int sharded);

/*
 * Where a kind's sections are read from: rank 0's reader (NULL on the
 * other ranks, which run the same read function and receive what they
 * hold from rank 0).  rc: this rank's first failure (a read on rank 0, a
 * check anywhere).  Every table's read starts with an agreement of the
 * ranks' rc, so a failure stops the reads on every rank at the next
 * table; xrc: that agreed status, or a failed exchange's, the same on
 * every rank (the later reads are then skipped on all).
 */
typedef struct gr_ckpt_in {
    gr_reader *r;
    struct gr_dist *dist;
    const char *path;
    int rc, xrc;
    size_t row_bytes; /* the table being received: its row size */
} gr_ckpt_in;

/* Rank 0 enters the next section, which must be tag. */
void gr_ckpt_in_section(gr_ckpt_in *in, uint32_t tag);
/* Whether rank 0's next section is tag, on every rank.  Collective. */
int gr_ckpt_in_peek(gr_ckpt_in *in, uint32_t tag);
/* n bytes every rank holds alike: read by rank 0, broadcast.  Collective. */
void gr_ckpt_in_bytes(gr_ckpt_in *in, void *p, size_t n);
/*
 * A table of nrows rows of row_bytes bytes.  sharded 0: every rank takes
 * every row (gr_ckpt_in_bytes).  sharded 1 (the same on every rank): each
 * rank takes its rows [lo, hi) of gr_dist_rows(nrows) at rows, which rank
 * 0 reads and sends (gr_dist_rows_from_root), so no rank holds the whole
 * table.  Collective.
 */
void gr_ckpt_in_rows(gr_ckpt_in *in, void *rows, size_t nrows, size_t row_bytes, int sharded);
/* A check of what this rank read failed: GR_ECORRUPT naming the file. */
void gr_ckpt_in_fail(gr_ckpt_in *in, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Every rank's status of its own (an allocation) agreed; a failure skips
 * the later reads on every rank.  Collective. */
int gr_ckpt_in_agree(gr_ckpt_in *in, int rc);

/* A kind's own sections, after the shared ones. */
typedef void (*gr_ckpt_read_fn)(gr_ckpt_in *in, void *ctx, const gr_ckpt_loop *ls);
typedef void (*gr_ckpt_write_fn)(gr_ckpt_out *o, const void *ctx);

/*
 * Read t's checkpoint file when it exists (*present): rank 0 reads it and
 * checks that it was made by t's kind and settings, from data (training,
 * validation) and for parameters of n x d; every rank receives the loop's
 * state into *ls and runs read, which takes its own sections through
 * gr_ckpt_in.  Collective; every rank returns the same status.
 */
int gr_ckpt_load(const gr_trainer *t, size_t n, size_t d, const gr_ckpt_data data[2], gr_ckpt_read_fn read,
                 void *ctx, gr_ckpt_loop *ls, int *present);
/* Write t's checkpoint file atomically on rank 0: the shared sections,
 * then write's, which every rank runs (gr_ckpt_out).  GR_EIO naming the
 * file.  Collective. */
int gr_ckpt_save(const gr_trainer *t, size_t n, size_t d, const gr_ckpt_data data[2], const gr_ckpt_loop *ls,
                 gr_ckpt_write_fn write, const void *ctx);

#endif
