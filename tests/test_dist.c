/*
 * Data-parallel training over MPI (docs/distributed.md), run by meson under
 * `mpirun -np 2` and `mpirun -np 4 --oversubscribe`: every rank trains on
 * the same generated graph; the distributed model must be the same on all
 * ranks and match the single-process model's test metrics; a bad input or
 * a failure on one rank must give every rank the same error.  Check runs
 * the tests in this process (CK_NOFORK): MPI does not survive fork.
 */
#include <gnnrec.h>
#include <limits.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/mem.h"
#include "dist/dist.h"
#include "dist/halo.h"
#include "graph/norm_adj.h"
#include "eval/link_prediction.h"
#include "eval/ranking.h"
#include "kernels/kg_score.h"
#include "models/kg_model.h"
#include "fixtures.h"
#include "fx_mpi.h"
#include "models/lightgcn.h"
#include "models/model.h"
#include "train/lightgcn_train.h"
#include "train/trainer.h"

static int rank, size;
static fx_planted P;
/* The setting `shard` of the trainers with a communicator (NULL: the
 * default); reset before each test. */
static const char *shard_setting;

/* Recall@20 on the planted test split. */
static double recall20(const gr_model *m)
{
    double out[GR_METRIC_COUNT];
    int k = 20;
    ck_assert_int_eq(gr_eval_ranking(out, NULL, m, P.train, P.test, &k, 1), GR_OK);
    return out[GR_METRIC_RECALL];
}

static gr_trainer *trainer(int kind, const char *mode, int epochs, uint64_t seed, int with_comm)
{
    gr_trainer *t;
    ck_assert_int_eq(gr_trainer_new(&t, kind), GR_OK);
    char text[32];
    if (mode) ck_assert_int_eq(gr_trainer_set(t, "mode", mode), GR_OK);
    snprintf(text, sizeof text, "%d", epochs);
    ck_assert_int_eq(gr_trainer_set(t, "epochs", text), GR_OK);
    snprintf(text, sizeof text, "%llu", (unsigned long long)seed);
    ck_assert_int_eq(gr_trainer_set(t, "seed", text), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "holdout", "0"), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "dim", "32"), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "batch", "1024"), GR_OK);
    /* the sampled schedule draws fewer negatives than the 300 items */
    if (mode && strcmp(mode, "sampled") == 0) ck_assert_int_eq(gr_trainer_set(t, "negatives", "100"), GR_OK);
    MPI_Comm world = MPI_COMM_WORLD;
    if (with_comm) ck_assert_int_eq(gr_trainer_set_comm(t, &world), GR_OK);
    if (with_comm && shard_setting) ck_assert_int_eq(gr_trainer_set(t, "shard", shard_setting), GR_OK);
    return t;
}

/* A communicator over every rank, for the tests of lib/dist's calls. */
static gr_dist *world_dist(void)
{
    MPI_Comm world = MPI_COMM_WORLD;
    gr_dist *d = NULL;
    ck_assert_int_eq(gr_dist_new(&d, &world), GR_OK);
    return d;
}

/* Whether every rank passes the same value (bit for bit). */
static int same_everywhere(uint64_t v)
{
    uint64_t lo, hi;
    MPI_Allreduce(&v, &lo, 1, MPI_UINT64_T, MPI_MIN, MPI_COMM_WORLD);
    MPI_Allreduce(&v, &hi, 1, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
    return lo == hi;
}

/* Rank 0's check, asserted on every rank: a failure on rank 0 alone would
 * leave the other ranks waiting in their next collective. */
static void root_asserts(int ok, const char *what)
{
    MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
    ck_assert_msg(ok, "rank 0: %s failed", what);
}

/* The bytes of the file at path (*n of them), or NULL when it cannot be
 * read or is empty.  It asserts nothing: rank 0 calls it alone, and the
 * caller asserts the outcome on every rank (root_asserts). */
static unsigned char *file_bytes(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    long len = f && fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    unsigned char *b = len > 0 ? malloc((size_t)len) : NULL;
    if (b && (fseek(f, 0, SEEK_SET) != 0 || fread(b, 1, (size_t)len, f) != (size_t)len)) {
        free(b);
        b = NULL;
    }
    if (f) fclose(f);
    *n = b ? (size_t)len : 0;
    return b;
}

/* Whether the n values at v are all finite. */
static int all_finite(const float *v, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (!isfinite(v[k])) return 0;
    return 1;
}

static uint64_t hash_model(const gr_model *m)
{
    ck_assert_msg(all_finite(m->user_vec, m->n_users * m->dim) && all_finite(m->item_vec, m->n_items * m->dim),
                  "rank %d: a model with a value that is not finite", rank);
    uint64_t h = gr_dist_hash_floats(m->user_vec, m->n_users * m->dim) ^
                 (gr_dist_hash_floats(m->item_vec, m->n_items * m->dim) * 31);
    if (m->kind == GR_MODEL_LIGHTGCN || m->kind == GR_MODEL_MF) {
        /* the parameters a saved model keeps, and the fold-in table */
        const gr_lightgcn_state *s = m->state;
        ck_assert(all_finite(s->e0, (m->n_users + m->n_items) * m->dim));
        h ^= gr_dist_hash_floats(s->e0, (m->n_users + m->n_items) * m->dim) * 131;
        ck_assert((s->item_fold != NULL) == (s->layers > 0));
        if (s->layers) {
            ck_assert(all_finite(s->item_fold, m->n_items * m->dim));
            h ^= gr_dist_hash_floats(s->item_fold, m->n_items * m->dim) * 8191;
        }
    }
    return h;
}

/*
 * The N-rank model of kind/mode against single-process models with the
 * same seed and with another seed.  The ranks compute the same sums in
 * another order (and the fast schedule rounds its products to bfloat16
 * where the CPU has them), so the models differ in the last bits, which
 * training amplifies: the tolerance is on the test metric, 0.02 recall@20,
 * while the recall@20 of two seeds differs by up to about 0.03 on this graph
 * (printed by the test).
 */
static void compare(int kind, const char *mode, int epochs)
{
    gr_model *one, *other, *many;
    gr_trainer *t1 = trainer(kind, mode, epochs, 42, 0), *t2 = trainer(kind, mode, epochs, 43, 0);
    gr_trainer *tn = trainer(kind, mode, epochs, 42, 1);
    ck_assert_int_eq(gr_trainer_fit(&one, t1, P.train), GR_OK);
    ck_assert_int_eq(gr_trainer_fit(&other, t2, P.train), GR_OK);
    ck_assert_int_eq(gr_trainer_fit(&many, tn, P.train), GR_OK);
    double r1 = recall20(one), r2 = recall20(other), rn = recall20(many), ranks = 0;
    ck_assert_int_eq(gr_model_info(&ranks, many, "ranks"), GR_OK);
    ck_assert_double_eq(ranks, size);
    if (rank == 0)
        printf("%s %s, %d epochs: recall@20 1 rank %.4f, %d ranks %.4f (seed 43: %.4f, spread %.4f)\n",
               gr_model_kind_name(kind), mode ? mode : "-", epochs, r1, size, rn, r2, fabs(r2 - r1));
    ck_assert_msg(fabs(rn - r1) <= 0.02, "%d ranks: recall@20 %.4f, 1 rank %.4f", size, rn, r1);
    ck_assert_msg(r1 > 0.05, "the model did not learn: recall@20 %.4f", r1);
    ck_assert_msg(same_everywhere(hash_model(many)), "the ranks hold different models");
    double epochs_run;
    gr_trainer_stat(&epochs_run, tn, GR_STAT_EPOCHS);
    ck_assert_double_eq(epochs_run, epochs);
    gr_model_free(one);
    gr_model_free(other);
    gr_model_free(many);
    gr_trainer_free(t1);
    gr_trainer_free(t2);
    gr_trainer_free(tn);
}

START_TEST(lightgcn_fast_matches_one_rank) { compare(GR_MODEL_LIGHTGCN, "fast", 40); }
END_TEST

/* each rank a share of the user blocks, each block's draws as one process's */
START_TEST(lightgcn_sampled_matches_one_rank) { compare(GR_MODEL_LIGHTGCN, "sampled", 40); }
END_TEST

START_TEST(lightgcn_paper_matches_one_rank) { compare(GR_MODEL_LIGHTGCN, "paper", 8); }
END_TEST

START_TEST(mf_paper_matches_one_rank) { compare(GR_MODEL_MF, "paper", 8); }
END_TEST

START_TEST(mf_fast_matches_one_rank) { compare(GR_MODEL_MF, "fast", 40); }
END_TEST

/* Knowledge-graph embeddings of the user-item graph (likes as triples):
 * each rank takes a share of every batch's queries against the batch's
 * shared negatives. */
START_TEST(transe_matches_one_rank) { compare(GR_MODEL_TRANSE, NULL, 10); }
END_TEST

START_TEST(rotate_matches_one_rank) { compare(GR_MODEL_ROTATE, NULL, 10); }
END_TEST

/*
 * gr_kg_fit on triples with groups of queries sharing negatives
 * (neg_share): each rank takes whole groups with their negatives.  The
 * last epoch's loss must be the single process's (the same triples and
 * negatives, summed in another order) and the model the same everywhere.
 */
START_TEST(kg_groups_match_one_rank)
{
    gr_kg *kg;
    ck_assert_int_eq(gr_kg_from_graph(&kg, P.train, 0, GR_KG_SIDE_NONE), GR_OK);
    double loss[2];
    uint64_t h = 0;
    for (int with_comm = 0; with_comm < 2; with_comm++) {
        gr_trainer *t = trainer(GR_MODEL_DISTMULT, NULL, 4, 42, with_comm);
        ck_assert_int_eq(gr_trainer_set(t, "batch", "256"), GR_OK);
        ck_assert_int_eq(gr_trainer_set(t, "neg_share", "32"), GR_OK);
        gr_model *m;
        ck_assert_int_eq(gr_kg_fit(&m, t, kg, NULL), GR_OK);
        gr_trainer_stat(&loss[with_comm], t, GR_STAT_LOSS);
        h = hash_model(m);
        gr_model_free(m);
        gr_trainer_free(t);
    }
    if (rank == 0) printf("distmult on triples, groups of 32: last loss 1 rank %.6f, %d ranks %.6f\n", loss[0], size, loss[1]);
    ck_assert_msg(fabs(loss[1] - loss[0]) <= 1e-3 * fabs(loss[0]), "loss %g against %g", loss[1], loss[0]);
    ck_assert(same_everywhere(h));
    gr_kg_free(kg);
}
END_TEST

/*
 * The row collectives of sharded training: each rank passes its own
 * values of every row, gets the sum of its own rows (a share of 10 rows,
 * which 2 and 4 ranks do not divide evenly), and the allgather gives every
 * rank every owner's rows; each sends the rows it does not own, once per
 * call.
 */
START_TEST(row_collectives)
{
    gr_dist *d = world_dist();
    enum { N = 10, W = 3 };
    float buf[N * W], own[N * W];
    for (int k = 0; k < N * W; k++) buf[k] = (float)(rank + 1) * (float)k;
    size_t lo, hi;
    gr_dist_rows(d, N, &lo, &hi);
    size_t share_lo, share_hi;
    gr_dist_share(N, rank, size, &share_lo, &share_hi);
    ck_assert(lo == share_lo && hi == share_hi);
    ck_assert_int_eq(gr_dist_reduce_scatter_rows(d, buf, own, N, W), GR_OK);
    const float ranks_sum = (float)(size * (size + 1) / 2);
    for (size_t k = 0; k < (hi - lo) * W; k++) ck_assert_float_eq(own[k], ranks_sum * (float)(lo * W + k));
    /* the owner's rows in place, everything else stale */
    for (int k = 0; k < N * W; k++) buf[k] = -1.0f;
    memcpy(buf + lo * W, own, (hi - lo) * W * sizeof *own);
    ck_assert_int_eq(gr_dist_allgather_rows(d, buf, N, W), GR_OK);
    for (int k = 0; k < N * W; k++) ck_assert_float_eq(buf[k], ranks_sum * (float)k);
    ck_assert_double_eq(d->bytes_sent, 2.0 * (double)(N - (hi - lo)) * W * sizeof(float));
    gr_dist_free(d);
    /* one process (no communicator): the identity */
    float one[N * W];
    ck_assert_int_eq(gr_dist_reduce_scatter_rows(NULL, buf, one, N, W), GR_OK);
    ck_assert_int_eq(memcmp(one, buf, sizeof one), 0);
    ck_assert_int_eq(gr_dist_allgather_rows(NULL, buf, N, W), GR_OK);
}
END_TEST

/*
 * The full-batch schedules hold the Adam moments and the adjacency rows of
 * their own rows only (2 x rows x dim floats), the ranks' rows cover the n
 * = users + items rows and the adjacency's nonzeros once, and MF's steps
 * (no propagation) send the rows a rank does not own twice (the gradient's
 * reduce-scatter, the parameters' allgather) and the loss.  The last loss
 * is the single process's within rounding.
 */
static void sharded_sizes(int kind, const char *mode)
{
    const int epochs = 5;
    const size_t n = P.train->n_users + P.train->n_items, dim = 32;
    double loss[2];
    for (int with_comm = 0; with_comm < 2; with_comm++) {
        gr_trainer *t = trainer(kind, mode, epochs, 42, with_comm);
        gr_model *m;
        ck_assert_int_eq(gr_trainer_fit(&m, t, P.train), GR_OK);
        gr_trainer_stat(&loss[with_comm], t, GR_STAT_LOSS);
        size_t lo = 0, hi = n;
        if (with_comm) gr_dist_share(n, rank, size, &lo, &hi);
        ck_assert_uint_eq(t->shard_rows, hi - lo);
        ck_assert_uint_eq(t->shard_adam_floats, 2 * (hi - lo) * dim);
        ck_assert_uint_eq(t->shard_adj_rows, hi - lo);
        if (with_comm) {
            unsigned long mine[2] = { t->shard_rows, t->shard_adj_nnz }, all[2];
            MPI_Allreduce(mine, all, 2, MPI_UNSIGNED_LONG, MPI_SUM, MPI_COMM_WORLD);
            ck_assert_uint_eq(all[0], n);
            ck_assert_uint_eq(all[1], 2 * P.train->n_edges);
            double sent = 0;
            ck_assert_int_eq(gr_model_info(&sent, m, "dist_bytes_sent"), GR_OK);
            if (strcmp(mode, "fast") == 0 && kind == GR_MODEL_MF)
                ck_assert_double_eq(sent, epochs * (2.0 * (double)(n - (hi - lo)) * dim * sizeof(float) + sizeof(double)));
            ck_assert(same_everywhere(hash_model(m)));
        }
        gr_model_free(m);
        gr_trainer_free(t);
    }
    if (rank == 0)
        printf("%s %s, %d epochs: last loss 1 rank %.6f, %d ranks (sharded Adam) %.6f\n", gr_model_kind_name(kind), mode,
               epochs, loss[0], size, loss[1]);
    ck_assert_msg(fabs(loss[1] - loss[0]) <= 1e-3 * fabs(loss[0]), "loss %g against %g", loss[1], loss[0]);
}

START_TEST(lightgcn_fast_sharded_adam) { sharded_sizes(GR_MODEL_LIGHTGCN, "fast"); }
END_TEST

START_TEST(lightgcn_sampled_sharded_adam) { sharded_sizes(GR_MODEL_LIGHTGCN, "sampled"); }
END_TEST

START_TEST(mf_fast_sharded_adam) { sharded_sizes(GR_MODEL_MF, "fast"); }
END_TEST

/* Fewer rows than ranks (2 users, 1 item): on 4 ranks rank 0 owns no row,
 * no Adam moment and no adjacency row, and the fit still agrees (with
 * `shard` 1 too: such a rank has no halo and sends nothing). */
static void without_rows(void)
{
    const int64_t users[] = { 0, 1 }, items[] = { 0, 0 };
    gr_graph *g;
    ck_assert_int_eq(gr_graph_from_edges(&g, users, items, NULL, NULL, 2, 0), GR_OK);
    for (int kind = 0; kind < 2; kind++) {
        gr_trainer *t = trainer(kind ? GR_MODEL_MF : GR_MODEL_LIGHTGCN, "fast", 3, 42, 1);
        gr_model *m = NULL;
        ck_assert_int_eq(gr_trainer_fit(&m, t, g), GR_OK);
        size_t lo, hi;
        gr_dist_share(3, rank, size, &lo, &hi);
        ck_assert_uint_eq(t->shard_rows, hi - lo);
        ck_assert_uint_eq(t->shard_adj_rows, hi - lo);
        ck_assert(same_everywhere(hash_model(m)));
        gr_model_free(m);
        gr_trainer_free(t);
    }
    gr_graph_free(g);
}

START_TEST(ranks_without_rows) { without_rows(); }
END_TEST

START_TEST(ranks_without_rows_halo)
{
    shard_setting = "1";
    without_rows();
}
END_TEST

/* Deterministic values, the same on every rank. */
static void fill(float *x, size_t n, double a, double b)
{
    for (size_t k = 0; k < n; k++) x[k] = (float)sin((double)k * a + b);
}

static double max_diff(const float *a, const float *b, size_t n, double *scale)
{
    double m = 0, s = 0;
    for (size_t k = 0; k < n; k++) {
        m = fmax(m, fabs((double)a[k] - (double)b[k]));
        s = fmax(s, fabs((double)b[k]));
    }
    *scale = s;
    return m;
}

/*
 * The propagation split by destination rows against one process's: each
 * rank holds its rows of the adjacency (the ranks' nonzeros add up to the
 * whole), the forward pass gives every row, in float and in bfloat16
 * layers; the backward pass sums the ranks' gradients and gives each rank
 * its rows of the layer-0 gradient of the summed gradient.
 */
START_TEST(split_propagation_matches_one_process)
{
    gr_dist *d = world_dist();
    gr_lgcn_settings_t s = { .d = 32, .n_users = P.train->n_users, .n = P.train->n_users + P.train->n_items, .layers = 3 };
    const size_t nd = s.n * s.d;
    gr_lgcn_prop one, split;
    ck_assert_int_eq(gr_lgcn_prop_init(&one, P.train, &s, NULL, 1, 1, 4), GR_OK);
    ck_assert_int_eq(gr_lgcn_prop_init(&split, P.train, &s, d, 1, 1, 4), GR_OK);
    size_t lo, hi;
    gr_dist_share(s.n, rank, size, &lo, &hi);
    ck_assert(split.lo == lo && split.hi == hi && split.adj.n == hi - lo);
    unsigned long nnz = split.adj.nnz, all = 0;
    MPI_Allreduce(&nnz, &all, 1, MPI_UNSIGNED_LONG, MPI_SUM, MPI_COMM_WORLD);
    ck_assert_uint_eq(all, gr_lgcn_prop_adj_nnz(&one));
    ck_assert_uint_eq(gr_lgcn_prop_adj_rows(&one), s.n);
    float *x = malloc(nd * sizeof *x), *ref = malloc(nd * sizeof *ref), *out = malloc(nd * sizeof *out);
    float *g = malloc(nd * sizeof *g), *sum = calloc(nd, sizeof *sum), *scratch = malloc(nd * sizeof *scratch);
    fill(x, nd, 0.37, 0.0);
    double scale, diff;
    for (int half = 0; half < 2; half++) {
        gr_lgcn_prop_run(&one, x, ref, 1, half);
        gr_lgcn_prop_run(&split, x, out, 1, half);
        ck_assert_int_eq(split.rc, GR_OK);
        diff = max_diff(out, ref, nd, &scale);
        if (rank == 0) printf("split forward (%s): max difference %.3g of %.3g\n", half ? "bfloat16" : "float", diff, scale);
        ck_assert_msg(diff <= 1e-6 * scale, "forward, half %d: difference %g", half, diff);
    }
    /* each rank's share of the gradient; the sum, in rank order */
    for (int r = 0; r < size; r++) {
        fill(g, nd, 0.11, (double)r);
        for (size_t k = 0; k < nd; k++) sum[k] += g[k];
    }
    fill(g, nd, 0.11, (double)rank);
    gr_lgcn_prop_run(&one, sum, ref, 1, 0);
    float *own = NULL;
    ck_assert_int_eq(gr_lgcn_prop_back(&split, g, scratch, &own, 0), GR_OK);
    diff = max_diff(own, ref + lo * s.d, (hi - lo) * s.d, &scale);
    if (rank == 0) printf("split backward (float): max difference %.3g of %.3g\n", diff, scale);
    ck_assert_msg(diff <= 1e-5 * scale, "backward: difference %g", diff);
    free(x);
    free(ref);
    free(out);
    free(g);
    free(sum);
    free(scratch);
    gr_lgcn_prop_free(&one);
    gr_lgcn_prop_free(&split);
    gr_dist_free(d);
}
END_TEST

/* Row r's weight in the test's unsymmetric matrix: the transpose differs. */
static float row_weight(size_t r) { return 1.0f + 0.01f * (float)(r % 7); }

/*
 * The halo plan and its two exchanges against one process's products:
 * each rank holds its rows of the adjacency, localised to own + halo
 * rows; the forward exchange gives the halo rows their owners' values
 * (float and bfloat16 rows), and the product of the rank's rows equals the
 * whole product's rows bit for bit.  The transpose of a matrix whose rows
 * are scaled unequally (so that it is not its own transpose): each rank
 * scatters its rows' products into own and halo rows, the reverse
 * exchange adds the halo sums into their owners, and the result is the
 * whole transpose's within float rounding, the same bits on a second run.
 */
START_TEST(halo_spmm_matches_replicated)
{
    gr_dist *d = world_dist();
    const size_t n = P.train->n_users + P.train->n_items, w = 32;
    size_t lo, hi;
    gr_dist_share(n, rank, size, &lo, &hi);
    gr_spmat whole, mine;
    ck_assert_int_eq(gr_norm_adj(&whole, P.train, 4), GR_OK);
    ck_assert_int_eq(gr_norm_adj_rows(&mine, P.train, lo, hi, 4), GR_OK);
    gr_halo h;
    ck_assert_int_eq(gr_halo_plan(&h, d, &mine, n), GR_OK);
    ck_assert(h.lo == lo && h.hi == hi);
    /* the halo: remote rows only, ascending; what the ranks ask for is what they send */
    for (size_t k = 0; k < h.n_halo; k++) {
        ck_assert((size_t)h.halo[k] < lo || (size_t)h.halo[k] >= hi);
        if (k) ck_assert_int_lt(h.halo[k - 1], h.halo[k]);
    }
    unsigned long counts[2] = { h.n_halo, h.n_send }, sums[2];
    MPI_Allreduce(counts, sums, 2, MPI_UNSIGNED_LONG, MPI_SUM, MPI_COMM_WORLD);
    ck_assert_uint_eq(sums[0], sums[1]);
    ck_assert_int_eq(gr_halo_localize(&h, &mine), GR_OK);
    const size_t nl = gr_halo_local_rows(&h);
    ck_assert_uint_eq(mine.ncols, nl);
    float *x = malloc(n * w * sizeof *x), *ref = malloc(n * w * sizeof *ref);
    float *xl = malloc(nl * w * sizeof *xl), *yl = malloc((hi - lo + 1) * w * sizeof *yl);
    fill(x, n * w, 0.29, 0.5);
    /* forward, float rows */
    for (size_t k = 0; k < nl * w; k++) xl[k] = NAN;
    memcpy(xl + h.before * w, x + lo * w, (hi - lo) * w * sizeof *x);
    double sent = d->bytes_sent;
    ck_assert_int_eq(gr_halo_forward(&h, xl, w * sizeof *xl), GR_OK);
    ck_assert_double_eq(d->bytes_sent - sent, (double)h.n_send * (double)(w * sizeof *xl) -
                                                  (double)h.send_counts[rank] * (double)(w * sizeof *xl));
    for (size_t k = 0; k < h.n_halo; k++)
        ck_assert_int_eq(memcmp(xl + gr_halo_local(&h, (size_t)h.halo[k]) * w, x + (size_t)h.halo[k] * w, w * sizeof *x),
                         0);
    gr_spmm(&whole, x, ref, NULL, w);
    gr_spmm(&mine, xl, yl, NULL, w);
    ck_assert_int_eq(memcmp(yl, ref + lo * w, (hi - lo) * w * sizeof *yl), 0);
    /* forward, bfloat16 rows, in the propagation's kernel */
    if (gr_spmm_bf16_ok(w)) {
        uint16_t *xb = malloc(n * w * sizeof *xb), *xbl = malloc(nl * w * sizeof *xbl);
        gr_to_bf16_rows(xb, x, n, w);
        gr_to_bf16_rows(xbl + h.before * w, x + lo * w, hi - lo, w);
        ck_assert_int_eq(gr_halo_forward(&h, xbl, w * sizeof *xbl), GR_OK);
        memset(ref, 0, n * w * sizeof *ref);
        memset(yl, 0, (hi - lo) * w * sizeof *yl);
        gr_spmm_bf16(&whole, xb, NULL, ref, 1.0f, w);
        gr_spmm_bf16(&mine, xbl, NULL, yl, 1.0f, w);
        ck_assert_int_eq(memcmp(yl, ref + lo * w, (hi - lo) * w * sizeof *yl), 0);
        free(xb);
        free(xbl);
    }
    /* the transpose of the row-scaled matrix: one process */
    memset(ref, 0, n * w * sizeof *ref);
    for (size_t r = 0; r < n; r++)
        for (int64_t k = whole.ptr[r]; k < whole.ptr[r + 1]; k++)
            for (size_t j = 0; j < w; j++)
                ref[(size_t)whole.col[k] * w + j] += row_weight(r) * whole.val[k] * x[r * w + j];
    float *zl[2];
    for (int run = 0; run < 2; run++) {
        float *z = zl[run] = calloc(nl * w, sizeof *z);
        for (size_t r = lo; r < hi; r++)
            for (int64_t k = mine.ptr[r - lo]; k < mine.ptr[r - lo + 1]; k++)
                for (size_t j = 0; j < w; j++)
                    z[(size_t)mine.col[k] * w + j] += row_weight(r) * mine.val[k] * x[r * w + j];
        sent = d->bytes_sent;
        ck_assert_int_eq(gr_halo_reverse(&h, z, w), GR_OK);
        ck_assert_double_eq(d->bytes_sent - sent, (double)(h.n_halo - (size_t)h.recv_counts[rank]) * (double)(w * sizeof *z));
    }
    double scale, diff = max_diff(zl[0] + h.before * w, ref + lo * w, (hi - lo) * w, &scale);
    if (rank == 0) printf("halo transpose: max difference %.3g of %.3g\n", diff, scale);
    ck_assert_msg(diff <= 1e-5 * scale, "transpose: difference %g", diff);
    ck_assert_int_eq(memcmp(zl[0] + h.before * w, zl[1] + h.before * w, (hi - lo) * w * sizeof *xl), 0);
    free(zl[0]);
    free(zl[1]);
    free(x);
    free(ref);
    free(xl);
    free(yl);
    gr_halo_free(&h);
    gr_spmat_free(&whole);
    gr_spmat_free(&mine);
    gr_dist_free(d);
}
END_TEST

/*
 * A plan of rows named by a bitmap (what the objective of shard 1 reads):
 * the halo is the named remote rows, the forward exchange fills them with
 * the owners' values, and the reverse exchange sums the ranks' values of
 * the rows they hold into the owners' rows with the bits of the dense
 * reduce-scatter, in which the ranks that do not hold a row pass zeros
 * (values chosen so that the order of the additions shows).
 */
/* Whether rank q holds row r (rank 0 all of them, the others a third),
 * and its value there (0 where it does not). */
static int holds(int q, size_t r) { return q == 0 || (r * 7 + (size_t)q) % 3 == 0; }
static float held_value(int q, size_t r, size_t j, size_t w)
{
    return holds(q, r) ? (float)(sin((double)(r * w + j) + q) * pow(10.0, q % 4 * 2)) : 0.0f;
}

START_TEST(halo_rows_reverse_is_reduce_scatter)
{
    gr_dist *d = world_dist();
    const size_t n = 203, w = 5;
    size_t lo, hi;
    gr_dist_share(n, rank, size, &lo, &hi);
    uint64_t want[(203 + 63) / 64] = { 0 };
    float *dense = calloc(n * w, sizeof *dense);
    for (size_t r = 0; r < n; r++) {
        if (holds(rank, r)) want[r / 64] |= (uint64_t)1 << (r % 64);
        for (size_t j = 0; j < w; j++) dense[r * w + j] = held_value(rank, r, j, w);
    }
    gr_halo h;
    ck_assert_int_eq(gr_halo_plan_rows(&h, d, want, n), GR_OK);
    size_t named = 0;
    for (size_t r = 0; r < n; r++) named += (r < lo || r >= hi) && (want[r / 64] >> (r % 64) & 1);
    ck_assert_uint_eq(h.n_halo, named);
    const size_t nl = gr_halo_local_rows(&h);
    float *x = calloc(nl * w + 1, sizeof *x), *own = calloc((hi - lo) * w + 1, sizeof *own);
    /* in rounds of 1 row and of a few rows a rank (limits of 1 and 37
     * values) and in one round (the default limit): the same rows, the
     * same sums; rounds of one row hold one row from each rank */
    const size_t limits[] = { 1, 37, 0 };
    for (int li = 0; li < 3; li++) {
        const size_t old = gr_dist_set_chunk(limits[li]);
        const double sent0 = d->bytes_sent;
        memset(x, 0, (nl * w + 1) * sizeof *x);
        /* forward: own rows set, the halo rows arrive from their owners */
        for (size_t r = lo; r < hi; r++) memcpy(x + gr_halo_local(&h, r) * w, dense + r * w, w * sizeof *x);
        ck_assert_int_eq(gr_halo_forward(&h, x, w * sizeof *x), GR_OK);
        for (size_t k = 0; k < h.n_halo; k++) {
            size_t r = (size_t)h.halo[k], olo, ohi;
            int q = 0;
            for (gr_dist_share(n, q, size, &olo, &ohi); r >= ohi; gr_dist_share(n, ++q, size, &olo, &ohi)) {}
            for (size_t j = 0; j < w; j++) ck_assert_float_eq(x[gr_halo_local(&h, r) * w + j], held_value(q, r, j, w));
        }
        /* reverse: this rank's values of the rows it holds */
        for (size_t r = 0; r < n; r++)
            if ((r >= lo && r < hi) || (want[r / 64] >> (r % 64) & 1))
                memcpy(x + gr_halo_local(&h, r) * w, dense + r * w, w * sizeof *x);
        ck_assert_int_eq(gr_halo_reverse(&h, x, w), GR_OK);
        /* each row once each way, whatever the rounds */
        const double rows_moved = (double)(h.n_send - (size_t)h.send_counts[rank] + h.n_halo);
        ck_assert_double_eq(d->bytes_sent - sent0, rows_moved * (double)(w * sizeof *x));
        ck_assert_int_eq(gr_dist_reduce_scatter_rows(d, dense, own, n, w), GR_OK);
        gr_dist_set_chunk(old);
        ck_assert_int_eq(memcmp(x + h.before * w, own, (hi - lo) * w * sizeof *own), 0);
        if (li == 0) ck_assert_uint_le(h.buf_bytes, (size_t)(size - 1) * w * sizeof *x + 1);
    }
    free(x);
    free(own);
    free(dense);
    gr_halo_free(&h);
    gr_dist_free(d);
}
END_TEST

/*
 * The halo's propagation (shard 1) against the allgathering one: the same
 * rows forward (float and bfloat16 layers, all rows after the output's
 * allgather) and backward, bit for bit.
 */
START_TEST(halo_propagation_matches_split)
{
    gr_dist *d = world_dist();
    gr_lgcn_settings_t s = { .d = 32, .n_users = P.train->n_users, .n = P.train->n_users + P.train->n_items, .layers = 3 };
    const size_t nd = s.n * s.d;
    gr_lgcn_prop split, halo;
    ck_assert_int_eq(gr_lgcn_prop_init(&split, P.train, &s, d, 1, 1, 4), GR_OK);
    ck_assert_int_eq(gr_lgcn_prop_init(&halo, P.train, &s, d, 1, 1, 4), GR_OK);
    ck_assert_int_eq(gr_lgcn_prop_halo(&halo), GR_OK);
    ck_assert_ptr_nonnull(halo.halo);
    ck_assert_uint_eq(halo.adj.ncols, gr_halo_local_rows(halo.halo));
    float *x = malloc(nd * sizeof *x), *ref = malloc(nd * sizeof *ref), *out = malloc(nd * sizeof *out);
    float *g = malloc(nd * sizeof *g), *g2 = malloc(nd * sizeof *g2), *scratch = malloc(nd * sizeof *scratch);
    float *scratch2 = malloc(nd * sizeof *scratch2);
    fill(x, nd, 0.37, 0.0);
    for (int half = 0; half < 2; half++) {
        gr_lgcn_prop_run(&split, x, ref, 1, half);
        gr_lgcn_prop_run(&halo, x, out, 1, half);
        ck_assert_int_eq(halo.rc, GR_OK);
        ck_assert_msg(memcmp(out, ref, nd * sizeof *out) == 0, "forward, half %d: the rows differ", half);
        fill(g, nd, 0.11, (double)rank);
        memcpy(g2, g, nd * sizeof *g);
        float *own = NULL, *own2 = NULL;
        ck_assert_int_eq(gr_lgcn_prop_back(&split, g, scratch, &own, half), GR_OK);
        ck_assert_int_eq(gr_lgcn_prop_back(&halo, g2, scratch2, &own2, half), GR_OK);
        ck_assert_msg(memcmp(own, own2, (split.hi - split.lo) * s.d * sizeof *own) == 0, "backward, half %d", half);
    }
    free(x);
    free(ref);
    free(out);
    free(g);
    free(g2);
    free(scratch);
    free(scratch2);
    gr_lgcn_prop_free(&split);
    gr_lgcn_prop_free(&halo);
    gr_dist_free(d);
}
END_TEST

/*
 * A fit with shard 1 trains the model shard 0 trains, bit for bit, on
 * every rank (with validation on a held-out part when `holdout` is set,
 * whose figure is shard 0's);
 * the halo rows it reports are remote rows of its adjacency.
 */
static size_t n_rows(void) { return P.train->n_users + P.train->n_items; }

/* The rows a rank's objective reads with shard 1, with its own rows: its
 * users (the schedule's blocks of 32 or 64 users, cut into equal shares)
 * and every item. */
static size_t objective_rows(const char *mode)
{
    const size_t nu = P.train->n_users, n = n_rows(), B = strcmp(mode, "fast") == 0 ? 32 : 64;
    size_t lo, hi, b_lo, b_hi;
    gr_dist_share(n, rank, size, &lo, &hi);
    gr_dist_share((nu + B - 1) / B, rank, size, &b_lo, &b_hi);
    size_t rows = 0;
    for (size_t r = 0; r < n; r++) rows += (r >= lo && r < hi) || (r >= b_lo * B && r < b_hi * B) || r >= nu;
    return rows;
}

static void halo_same_model(int kind, const char *mode, const char *precision, const char *holdout)
{
    uint64_t h[2];
    double sent[2], loss[2], valid[2];
    for (int shard = 0; shard < 2; shard++) {
        gr_trainer *t = trainer(kind, mode, 6, 42, 1);
        ck_assert_int_eq(gr_trainer_set(t, "shard", shard ? "1" : "0"), GR_OK);
        if (precision) ck_assert_int_eq(gr_trainer_set(t, "precision", precision), GR_OK);
        if (holdout && strcmp(holdout, "valid") == 0) {
            /* a validation graph of the caller's: the model is the best
             * validated parameters of the graph trained on */
            ck_assert_int_eq(gr_trainer_set_validation(t, P.test), GR_OK);
            ck_assert_int_eq(gr_trainer_set(t, "eval_every", "2"), GR_OK);
        } else if (holdout) {
            ck_assert_int_eq(gr_trainer_set(t, "holdout", holdout), GR_OK);
            ck_assert_int_eq(gr_trainer_set(t, "eval_every", "2"), GR_OK);
        }
        gr_model *m;
        ck_assert_int_eq(gr_trainer_fit(&m, t, P.train), GR_OK);
        h[shard] = hash_model(m);
        gr_trainer_stat(&loss[shard], t, GR_STAT_LOSS);
        gr_trainer_stat(&valid[shard], t, GR_STAT_BEST_VALID);
        ck_assert_int_eq(gr_model_info(&sent[shard], m, "dist_bytes_sent"), GR_OK);
        if (shard && kind == GR_MODEL_LIGHTGCN) ck_assert_uint_gt(t->shard_halo_rows, 0);
        if (!shard) ck_assert_uint_eq(t->shard_halo_rows, 0);
        size_t rows = shard && kind == GR_MODEL_LIGHTGCN ? objective_rows(mode) : n_rows();
        ck_assert_uint_eq(t->shard_objective_rows, rows);
        ck_assert(same_everywhere(h[shard]));
        gr_model_free(m);
        gr_trainer_free(t);
    }
    if (rank == 0)
        printf("%s %s %s%s: shard 0 and 1 models %s, loss %.9g %.9g, sent %.0f and %.0f bytes\n",
               gr_model_kind_name(kind), mode, precision ? precision : "auto", holdout ? (strcmp(holdout, "valid") ? " holdout" : " valid") : "",
               h[0] == h[1] ? "equal" : "DIFFER", loss[0], loss[1], sent[0], sent[1]);
    ck_assert_msg(h[0] == h[1], "rank %d: shard 1 trained another model", rank);
    ck_assert_double_eq(loss[0], loss[1]);
    /* shard 1 validates each rank's own users from the objective's rows:
     * the same figure, up to the order the ranks' sums are added in */
    if (holdout) ck_assert_double_eq_tol(valid[0], valid[1], 1e-12);
    if (holdout) ck_assert(valid[0] > 0);
}

START_TEST(halo_fits_match_allgather)
{
    halo_same_model(GR_MODEL_LIGHTGCN, "fast", NULL, NULL);
    halo_same_model(GR_MODEL_LIGHTGCN, "fast", "float", NULL);
    halo_same_model(GR_MODEL_LIGHTGCN, "fast", NULL, "0.1");
    halo_same_model(GR_MODEL_LIGHTGCN, "sampled", NULL, NULL);
    halo_same_model(GR_MODEL_LIGHTGCN, "sampled", "float", "0.1");
    halo_same_model(GR_MODEL_LIGHTGCN, "fast", NULL, "valid");
    halo_same_model(GR_MODEL_LIGHTGCN, "sampled", NULL, "valid");
    halo_same_model(GR_MODEL_MF, "fast", NULL, NULL);
    halo_same_model(GR_MODEL_MF, "sampled", NULL, NULL);
}
END_TEST

/* Every rank returns code with one message, naming `what`. */
static void same_error(int rc, int code, const char *what)
{
    ck_assert_msg(rc == code, "rank %d: status %d (%s), expected %d", rank, rc, gr_last_error(), code);
    ck_assert_msg(strstr(gr_last_error(), what) != NULL, "rank %d: '%s' does not name '%s'", rank, gr_last_error(), what);
    const char *msg = gr_last_error();
    ck_assert(same_everywhere(gr_dist_hash_bytes(1469598103934665603ULL, msg, strlen(msg))));
}

/* The last rank trains on another graph: every rank refuses. */
START_TEST(different_graph_on_one_rank)
{
    fx_planted other;
    fx_planted_make(&other, 200, 150, 4, 20, 99);
    gr_trainer *t = trainer(GR_MODEL_LIGHTGCN, "fast", 3, 42, 1);
    gr_model *m = (gr_model *)&m;
    int rc = gr_trainer_fit(&m, t, rank == size - 1 ? other.train : P.train);
    same_error(rc, GR_EINVAL, "different training graphs");
    ck_assert_ptr_null(m);
    gr_trainer_free(t);
    fx_planted_free(&other);
}
END_TEST

/* The last rank has another learning rate: every rank refuses. */
START_TEST(different_setting_on_one_rank)
{
    gr_trainer *t = trainer(GR_MODEL_MF, "paper", 2, 42, 1);
    if (rank == size - 1) ck_assert_int_eq(gr_trainer_set(t, "lr", "0.5"), GR_OK);
    /* the thread count may differ between hosts */
    if (rank == 0) ck_assert_int_eq(gr_trainer_set(t, "threads", "1"), GR_OK);
    gr_model *m = NULL;
    same_error(gr_trainer_fit(&m, t, P.train), GR_EINVAL, "different trainer settings");
    gr_trainer_free(t);
}
END_TEST

/* A check that fails on one rank alone (a validation graph from another
 * catalogue) stops every rank with that rank's message. */
START_TEST(failure_on_one_rank)
{
    fx_planted other;
    fx_planted_make(&other, 200, 150, 4, 20, 99);
    gr_trainer *t = trainer(GR_MODEL_LIGHTGCN, "paper", 2, 42, 1);
    if (rank == 1) ck_assert_int_eq(gr_trainer_set_validation(t, other.test), GR_OK);
    gr_model *m = NULL;
    same_error(gr_trainer_fit(&m, t, P.train), GR_EINVAL, "rank 1 of");
    ck_assert(strstr(gr_last_error(), "id space") != NULL);
    gr_trainer_free(t);
    fx_planted_free(&other);
}
END_TEST

/* Kinds without a distributed schedule are refused on every rank. */
START_TEST(unsupported_kind)
{
    gr_trainer *t;
    ck_assert_int_eq(gr_trainer_new(&t, GR_MODEL_GRAPHSAGE), GR_OK);
    MPI_Comm world = MPI_COMM_WORLD;
    ck_assert_int_eq(gr_trainer_set_comm(t, &world), GR_OK);
    gr_model *m = NULL;
    same_error(gr_trainer_fit(&m, t, P.train), GR_EUNSUPPORTED, "not available");
    gr_trainer_free(t);
}
END_TEST

/* A progress callback that stops on one rank stops all at that epoch. */
static int stop_at_3_on_last(void *ud, int epoch, double loss, double seconds, double metric)
{
    (void)ud;
    (void)loss;
    (void)seconds;
    (void)metric;
    return rank == size - 1 && epoch == 3;
}

START_TEST(stop_on_one_rank_stops_all)
{
    gr_trainer *t = trainer(GR_MODEL_LIGHTGCN, "fast", 20, 42, 1);
    gr_trainer_set_progress(t, stop_at_3_on_last, NULL);
    gr_model *m = NULL;
    ck_assert_int_eq(gr_trainer_fit(&m, t, P.train), GR_OK);
    double epochs;
    gr_trainer_stat(&epochs, t, GR_STAT_EPOCHS);
    ck_assert_double_eq(epochs, 3);
    ck_assert(same_everywhere(hash_model(m)));
    gr_model_free(m);
    gr_trainer_free(t);
}
END_TEST

/*
 * With validation each rank keeps its rows of the best validated
 * parameters, gathered at the end: the model is, bit for bit, the one a
 * fit of as many epochs as the best one trains (the fast schedule's rate
 * does not depend on the epochs), with `shard` 0 and 1.
 */
START_TEST(best_rows_are_the_best_epoch)
{
    for (int shard = 0; shard < 2; shard++) {
        gr_trainer *t = trainer(GR_MODEL_LIGHTGCN, "fast", 10, 42, 1);
        ck_assert_int_eq(gr_trainer_set(t, "shard", shard ? "1" : "0"), GR_OK);
        /* every second epoch, no early stop: the best is epoch 4 of 10 here */
        ck_assert_int_eq(gr_trainer_set(t, "eval_every", "2"), GR_OK);
        ck_assert_int_eq(gr_trainer_set(t, "patience", "0"), GR_OK);
        ck_assert_int_eq(gr_trainer_set_validation(t, P.test), GR_OK);
        gr_model *best = NULL, *plain = NULL;
        ck_assert_int_eq(gr_trainer_fit(&best, t, P.train), GR_OK);
        double at = 0;
        gr_trainer_stat(&at, t, GR_STAT_BEST_EPOCH);
        ck_assert(at >= 1);
        gr_trainer *u = trainer(GR_MODEL_LIGHTGCN, "fast", (int)at, 42, 1);
        ck_assert_int_eq(gr_trainer_set(u, "shard", shard ? "1" : "0"), GR_OK);
        ck_assert_int_eq(gr_trainer_fit(&plain, u, P.train), GR_OK);
        if (rank == 0) printf("shard %d: best epoch %d of 10\n", shard, (int)at);
        ck_assert_msg(hash_model(best) == hash_model(plain), "rank %d: the best rows are not epoch %d's", rank,
                      (int)at);
        gr_model_free(best);
        gr_model_free(plain);
        gr_trainer_free(t);
        gr_trainer_free(u);
    }
}
END_TEST

/* ---- Checkpoints (gr_trainer_set_checkpoint): rank 0 writes and reads ---- */

/* A path in a directory rank 0 made, the same on every rank. */
static void shared_path(char *path, size_t n, const char *name)
{
    char dir[256] = "";
    if (rank == 0) {
        char *d = fx_tmpdir();
        snprintf(dir, sizeof dir, "%s", d);
        free(d);
    }
    MPI_Bcast(dir, sizeof dir, MPI_CHAR, 0, MPI_COMM_WORLD);
    snprintf(path, n, "%s/%s", dir, name);
}

static void remove_dir_of(const char *path)
{
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank != 0) return;
    char dir[300];
    snprintf(dir, sizeof dir, "%s", path);
    *strrchr(dir, '/') = '\0';
    fx_rmtree(dir);
}

static int stop_at_epoch(void *ud, int epoch, double loss, double seconds, double metric)
{
    (void)loss, (void)seconds, (void)metric;
    return rank == size - 1 && epoch == *(int *)ud;
}

/* Stopped on the last rank after epoch `at` and resumed: the model of the
 * uninterrupted run on the same ranks, bit for bit, on every rank. */
static void resume_matches(int kind, const char *mode, int epochs, int at)
{
    char path[300];
    shared_path(path, sizeof path, "run.ckpt");
    gr_trainer *t = trainer(kind, mode, epochs, 42, 1);
    ck_assert_int_eq(gr_trainer_set(t, "threads", "1"), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "eval_every", "2"), GR_OK);
    ck_assert_int_eq(gr_trainer_set_validation(t, P.test), GR_OK);
    gr_model *whole = NULL, *part = NULL, *resumed = NULL;
    ck_assert_int_eq(gr_trainer_fit(&whole, t, P.train), GR_OK);
    /* the model is the best validated parameters: the last loss tells
     * whether the last epochs ran alike */
    double loss_whole, loss;
    gr_trainer_stat(&loss_whole, t, GR_STAT_LOSS);
    ck_assert_int_eq(gr_trainer_set_checkpoint(t, path, 2), GR_OK);
    ck_assert_int_eq(gr_trainer_set_progress(t, stop_at_epoch, &at), GR_OK);
    ck_assert_int_eq(gr_trainer_fit(&part, t, P.train), GR_OK);
    double run;
    gr_trainer_stat(&run, t, GR_STAT_EPOCHS);
    ck_assert_double_eq(run, at);
    /* the file holds whole tables: one process resumes it too (rank 0, from a copy) */
    char copy[320];
    snprintf(copy, sizeof copy, "%s.one", path);
    int copied = 1;
    if (rank == 0) {
        size_t n;
        unsigned char *b = file_bytes(path, &n);
        FILE *f = b ? fopen(copy, "wb") : NULL;
        copied = f && fwrite(b, 1, n, f) == n;
        if (f) copied = fclose(f) == 0 && copied;
        free(b);
    }
    root_asserts(copied, "copying the checkpoint");
    ck_assert_int_eq(gr_trainer_set_progress(t, NULL, NULL), GR_OK);
    ck_assert_int_eq(gr_trainer_fit(&resumed, t, P.train), GR_OK);
    gr_trainer_stat(&run, t, GR_STAT_EPOCHS);
    ck_assert_double_eq(run, epochs);
    gr_trainer_stat(&loss, t, GR_STAT_LOSS);
    ck_assert_msg(loss == loss_whole, "%s: rank %d: last loss %.9g resumed, %.9g whole", mode, rank, loss, loss_whole);
    ck_assert_msg(hash_model(resumed) == hash_model(whole), "%s: rank %d: the resumed model differs", mode, rank);
    ck_assert(same_everywhere(hash_model(resumed)));
    int one_ok = 1;
    if (rank == 0) {
        gr_trainer *one = trainer(kind, mode, epochs, 42, 0);
        one_ok = gr_trainer_set(one, "threads", "1") == GR_OK && gr_trainer_set(one, "eval_every", "2") == GR_OK &&
                 gr_trainer_set_validation(one, P.test) == GR_OK && gr_trainer_set_checkpoint(one, copy, 2) == GR_OK;
        gr_model *m = NULL;
        one_ok = one_ok && gr_trainer_fit(&m, one, P.train) == GR_OK;
        gr_trainer_stat(&run, one, GR_STAT_EPOCHS);
        one_ok = one_ok && run == epochs;
        gr_model_free(m);
        gr_trainer_free(one);
    }
    root_asserts(one_ok, "one process resuming the file ran every epoch");
    gr_model_free(whole);
    gr_model_free(part);
    gr_model_free(resumed);
    gr_trainer_free(t);
    remove_dir_of(path);
}

START_TEST(fast_checkpoint_resumes) { resume_matches(GR_MODEL_LIGHTGCN, "fast", 12, 5); }
END_TEST

START_TEST(sampled_checkpoint_resumes) { resume_matches(GR_MODEL_LIGHTGCN, "sampled", 12, 4); }
END_TEST

/* The halo's propagation (shard 1): its checkpoints resume as the others'. */
START_TEST(halo_checkpoint_resumes)
{
    shard_setting = "1";
    resume_matches(GR_MODEL_LIGHTGCN, "fast", 12, 5);
    resume_matches(GR_MODEL_LIGHTGCN, "sampled", 12, 4);
}
END_TEST

START_TEST(paper_checkpoint_resumes) { resume_matches(GR_MODEL_MF, "paper", 5, 3); }
END_TEST

/* The paper schedule with `shard` 1 (the moments and best rows each rank's
 * slice, gathered for the write, kept from the read) resumes alike. */
START_TEST(paper_sharded_checkpoint_resumes)
{
    shard_setting = "1";
    resume_matches(GR_MODEL_MF, "paper", 5, 3);
    resume_matches(GR_MODEL_LIGHTGCN, "paper", 4, 2);
}
END_TEST

/*
 * The paper schedule with `shard` 1: each rank keeps the Adam moments and
 * the best validated values of its rows alone, the gradient is summed into
 * each row's owner (LightGCN: a reduce-scatter; MF: the touched rows), the
 * owner steps its rows and they are allgathered.  Every row is stepped by
 * one rank with the summed gradient, so the model is `shard` 0's: bit for
 * bit on 2 ranks (a + b either way) and for MF (whose sum is the same
 * exchange), within 1e-4 of the last loss for LightGCN on more (the
 * reduce-scatter adds the owner's share first).
 */
static void paper_shard_matches(int kind)
{
    const size_t n = P.train->n_users + P.train->n_items, dim = 32;
    uint64_t h[2];
    double loss[2];
    for (int shard = 0; shard < 2; shard++) {
        gr_trainer *t = trainer(kind, "paper", 4, 42, 1);
        ck_assert_int_eq(gr_trainer_set(t, "shard", shard ? "1" : "0"), GR_OK);
        ck_assert_int_eq(gr_trainer_set(t, "eval_every", "2"), GR_OK);
        ck_assert_int_eq(gr_trainer_set_validation(t, P.test), GR_OK);
        gr_model *m;
        ck_assert_msg(gr_trainer_fit(&m, t, P.train) == GR_OK, "%s", gr_last_error());
        h[shard] = hash_model(m);
        gr_trainer_stat(&loss[shard], t, GR_STAT_LOSS);
        size_t lo = 0, hi = n;
        if (shard) gr_dist_share(n, rank, size, &lo, &hi);
        ck_assert_uint_eq(t->shard_rows, hi - lo);
        ck_assert_uint_eq(t->shard_adam_floats, 2 * (hi - lo) * dim);
        ck_assert(same_everywhere(h[shard]));
        gr_model_free(m);
        gr_trainer_free(t);
    }
    if (rank == 0)
        printf("%s paper, shard 1 on %d ranks: last loss %.9f, shard 0 %.9f\n", gr_model_kind_name(kind), size, loss[1],
               loss[0]);
    if (size == 2 || kind == GR_MODEL_MF) {
        ck_assert_msg(h[1] == h[0], "rank %d: shard 1 trained another model", rank);
        ck_assert(loss[1] == loss[0]);
    } else {
        ck_assert_msg(fabs(loss[1] - loss[0]) <= 1e-4 * fabs(loss[0]), "loss %.9g against %.9g", loss[1], loss[0]);
    }
}

START_TEST(lightgcn_paper_shard_matches) { paper_shard_matches(GR_MODEL_LIGHTGCN); }
END_TEST

START_TEST(mf_paper_shard_matches) { paper_shard_matches(GR_MODEL_MF); }
END_TEST

/* The parameters of a KG model, hashed. */
static uint64_t hash_kg(const gr_model *m)
{
    const gr_kg_params *p = &gr_kg_state_of(m)->p;
    return gr_dist_hash_floats(p->ent, p->n_ent * p->L) ^ (gr_dist_hash_floats(p->rel, p->n_rel * p->LR) * 31);
}

/* A KG fit (the replicated model: rank 0 writes the checkpoint, reads it
 * and sends it; with `shard` 1 the slices of the Adam state and of the
 * best rows gathered for the write, and kept from the read) stopped on the
 * last rank after epoch 3 and resumed: the uninterrupted run's model on
 * every rank, bit for bit; one process resumes the file too. */
static void kg_resume_matches(void)
{
    gr_kg *kg;
    ck_assert_int_eq(gr_kg_from_graph(&kg, P.train, 0, GR_KG_SIDE_NONE), GR_OK);
    char path[300];
    shared_path(path, sizeof path, "kg.ckpt");
    gr_trainer *t = trainer(GR_MODEL_TRANSE, NULL, 7, 42, 1);
    ck_assert_int_eq(gr_trainer_set(t, "threads", "1"), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "eval_every", "2"), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "valid_sample", "300"), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "adam_catch_up", "1"), GR_OK);
    gr_model *whole = NULL, *part = NULL, *resumed = NULL;
    ck_assert_int_eq(gr_kg_fit(&whole, t, kg, kg), GR_OK);
    double loss_whole, loss, run;
    gr_trainer_stat(&loss_whole, t, GR_STAT_LOSS);
    int at = 3;
    ck_assert_int_eq(gr_trainer_set_checkpoint(t, path, 2), GR_OK);
    ck_assert_int_eq(gr_trainer_set_progress(t, stop_at_epoch, &at), GR_OK);
    ck_assert_int_eq(gr_kg_fit(&part, t, kg, kg), GR_OK);
    gr_trainer_stat(&run, t, GR_STAT_EPOCHS);
    ck_assert_double_eq(run, at);
    ck_assert_int_eq(gr_trainer_set_progress(t, NULL, NULL), GR_OK);
    ck_assert_msg(gr_kg_fit(&resumed, t, kg, kg) == GR_OK, "%s", gr_last_error());
    gr_trainer_stat(&run, t, GR_STAT_EPOCHS);
    ck_assert_double_eq(run, 7);
    gr_trainer_stat(&loss, t, GR_STAT_LOSS);
    ck_assert_msg(loss == loss_whole, "rank %d: last loss %.9g resumed, %.9g whole", rank, loss, loss_whole);
    ck_assert_msg(hash_kg(resumed) == hash_kg(whole), "rank %d: the resumed model differs", rank);
    ck_assert(same_everywhere(hash_kg(resumed)));
    int one_ok = 1;
    if (rank == 0) {
        /* the finished file on one process: its model at once */
        gr_trainer *one = trainer(GR_MODEL_TRANSE, NULL, 7, 42, 0);
        one_ok = gr_trainer_set(one, "threads", "1") == GR_OK && gr_trainer_set(one, "eval_every", "2") == GR_OK &&
                 gr_trainer_set(one, "valid_sample", "300") == GR_OK &&
                 gr_trainer_set(one, "adam_catch_up", "1") == GR_OK && gr_trainer_set_checkpoint(one, path, 2) == GR_OK;
        gr_model *m = NULL;
        one_ok = one_ok && gr_kg_fit(&m, one, kg, kg) == GR_OK && hash_kg(m) == hash_kg(whole);
        gr_model_free(m);
        gr_trainer_free(one);
    }
    root_asserts(one_ok, "one process resuming the finished file made the model");
    gr_model_free(whole);
    gr_model_free(part);
    gr_model_free(resumed);
    gr_trainer_free(t);
    gr_kg_free(kg);
    remove_dir_of(path);
}

START_TEST(kg_checkpoint_resumes) { kg_resume_matches(); }
END_TEST

START_TEST(kg_sharded_checkpoint_resumes)
{
    shard_setting = "1";
    kg_resume_matches();
}
END_TEST

/*
 * `shard` 1 for a KG fit: each rank keeps the entities' Adam moments, the
 * step each row last moved and the best validated rows of its slice
 * alone, and the owners' updated rows are sent after each step.  Each row
 * is updated by one rank from the same summed gradient, so the model is
 * the replicated fit's, bit for bit: with validation (the best rows), with
 * Adam's catch-up (every own row moved, then allgathered) and with RotatE's
 * derived relation tables.
 */
static void kg_shard_matches(int kind)
{
    gr_kg *kg;
    ck_assert_int_eq(gr_kg_from_graph(&kg, P.train, 0, GR_KG_SIDE_NONE), GR_OK);
    uint64_t h[2];
    double loss[2], adam[2];
    size_t own[2];
    for (int shard = 0; shard < 2; shard++) {
        gr_trainer *t = trainer(kind, NULL, 5, 42, 1);
        ck_assert_int_eq(gr_trainer_set(t, "shard", shard ? "1" : "0"), GR_OK);
        ck_assert_int_eq(gr_trainer_set(t, "eval_every", "2"), GR_OK);
        ck_assert_int_eq(gr_trainer_set(t, "valid_sample", "300"), GR_OK);
        ck_assert_int_eq(gr_trainer_set(t, "adam_catch_up", "1"), GR_OK);
        gr_model *m;
        ck_assert_msg(gr_kg_fit(&m, t, kg, kg) == GR_OK, "%s", gr_last_error());
        h[shard] = hash_kg(m);
        gr_trainer_stat(&loss[shard], t, GR_STAT_LOSS);
        own[shard] = t->shard_rows;
        adam[shard] = (double)t->shard_adam_floats;
        const gr_kg_params *p = &gr_kg_state_of(m)->p;
        size_t lo, hi;
        gr_dist_share(p->n_ent, rank, size, &lo, &hi);
        size_t rows = shard ? hi - lo : p->n_ent;
        ck_assert_uint_eq(t->shard_rows, rows);
        ck_assert_uint_eq(t->shard_adam_floats, 2 * (rows * p->L + p->n_rel * p->LR));
        gr_model_free(m);
        gr_trainer_free(t);
    }
    if (rank == 0)
        printf("%s, shard 1 on %d ranks: %zu of %zu entity rows' Adam state per rank (%.0f of %.0f floats), last loss "
               "%.6f / %.6f\n",
               gr_model_kind_name(kind), size, own[1], own[0], adam[1], adam[0], loss[1], loss[0]);
    ck_assert_msg(h[1] == h[0], "rank %d: shard 1 trained another model", rank);
    ck_assert(loss[1] == loss[0]);
    ck_assert(same_everywhere(h[1]));
    gr_kg_free(kg);
}

START_TEST(transe_shard_matches_whole) { kg_shard_matches(GR_MODEL_TRANSE); }
END_TEST

START_TEST(rotate_shard_matches_whole) { kg_shard_matches(GR_MODEL_ROTATE); }
END_TEST

/* The bytes of a file rank 0 reads (malloc'ed, *n of them). */
/* A 3-epoch fit of kind (mode for LightGCN / MF; KG kinds train on the
 * training graph's triples) checkpointing into path, with `shard` shard,
 * validating every epoch when valid: its model's hash.  Where path holds
 * the finished fit's checkpoint, the model is the one read from it. */
static uint64_t fit_into_checkpoint(int kind, const char *mode, const char *shard, const char *path, int valid)
{
    uint64_t h;
    gr_trainer *t = trainer(kind, mode, 3, 42, 1);
    ck_assert_int_eq(gr_trainer_set(t, "shard", shard), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "eval_every", "1"), GR_OK);
    ck_assert_int_eq(gr_trainer_set_checkpoint(t, path, 1), GR_OK);
    gr_model *m = NULL;
    if (kind >= GR_MODEL_TRANSE && kind <= GR_MODEL_COMPLEX) {
        gr_kg *kg;
        ck_assert_int_eq(gr_kg_from_graph(&kg, P.train, 0, GR_KG_SIDE_NONE), GR_OK);
        ck_assert_int_eq(gr_trainer_set(t, "valid_sample", "300"), GR_OK);
        ck_assert_msg(gr_kg_fit(&m, t, kg, valid ? kg : NULL) == GR_OK, "%s", gr_last_error());
        h = hash_kg(m);
        gr_kg_free(kg);
    } else {
        if (valid) ck_assert_int_eq(gr_trainer_set_validation(t, P.test), GR_OK);
        ck_assert_msg(gr_trainer_fit(&m, t, P.train) == GR_OK, "%s", gr_last_error());
        h = hash_model(m);
    }
    gr_model_free(m);
    gr_trainer_free(t);
    return h;
}

/*
 * A sharded fit's checkpoint (each rank's rows of the moments, of the best
 * rows and, for the halo's fits, of the parameters, streamed to rank 0 as
 * rank 0 writes, gr_ckpt_out_rows) is the replicated fit's file byte for
 * byte: the fits compute the same bits, and `shard` is not recorded.
 * (LightGCN's halo fits validate each rank's users apart, so on more than
 * two ranks their best figure may differ in its last bits: they run
 * without validation here, MF's paper schedule and TransE with it.)  The
 * sharded write goes in pieces of a few rows (gr_dist_set_chunk), so that
 * a table arrives in many messages from each rank; so does the read of
 * the same fit run again, which resumes the finished file (each rank
 * receiving its rows from rank 0) and returns the model it holds.
 */
static void sharded_checkpoint_is_the_replicated_file(int kind, const char *mode, int valid)
{
    char whole[300], split[320];
    shared_path(whole, sizeof whole, "replicated.ckpt");
    snprintf(split, sizeof split, "%s.sharded", whole);
    const uint64_t replicated = fit_into_checkpoint(kind, mode, "0", whole, valid);
    const size_t old = gr_dist_set_chunk(100);
    const uint64_t sharded = fit_into_checkpoint(kind, mode, "1", split, valid);
    const uint64_t resumed = fit_into_checkpoint(kind, mode, "1", split, valid);
    gr_dist_set_chunk(old);
    const int everywhere = same_everywhere(resumed);
    /* rank 0 compares; every rank asserts, after the last collective (a
     * failure on one rank would leave the others waiting in it) */
    unsigned long long cmp[3] = { 0, 0, 0 }; /* sizes, first differing byte */
    int read = 1;
    if (rank == 0) {
        size_t na, nb;
        unsigned char *a = file_bytes(whole, &na), *b = file_bytes(split, &nb);
        size_t at = 0;
        while (at < na && at < nb && a[at] == b[at]) at++;
        cmp[0] = na, cmp[1] = nb, cmp[2] = at;
        read = a && b;
        free(a);
        free(b);
    }
    MPI_Bcast(cmp, 3, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
    remove_dir_of(whole);
    root_asserts(read, "reading the two checkpoint files");
    ck_assert_msg(cmp[0] == cmp[1] && cmp[2] == cmp[0],
                  "%s %s: the sharded checkpoint (%llu bytes) differs from the replicated one (%llu) at byte %llu",
                  gr_model_kind_name(kind), mode ? mode : "", cmp[1], cmp[0], cmp[2]);
    ck_assert(everywhere);
    ck_assert_msg(sharded == replicated && resumed == sharded,
                  "%s %s: rank %d: the models of the replicated fit, the sharded fit and its resumed file differ",
                  gr_model_kind_name(kind), mode ? mode : "", rank);
}

START_TEST(sharded_checkpoints_are_the_replicated_files)
{
    sharded_checkpoint_is_the_replicated_file(GR_MODEL_MF, "paper", 1);
    sharded_checkpoint_is_the_replicated_file(GR_MODEL_LIGHTGCN, "fast", 0);
    sharded_checkpoint_is_the_replicated_file(GR_MODEL_LIGHTGCN, "sampled", 0);
    sharded_checkpoint_is_the_replicated_file(GR_MODEL_TRANSE, NULL, 1);
}
END_TEST

/* A checkpoint rank 0 cannot write, or finds damaged: every rank fails
 * with rank 0's message. */
START_TEST(checkpoint_failures_reach_every_rank)
{
    char path[300], bad[320];
    shared_path(path, sizeof path, "run.ckpt");
    snprintf(bad, sizeof bad, "%s/no/such/dir", path);
    gr_trainer *t = trainer(GR_MODEL_LIGHTGCN, "fast", 4, 42, 1);
    gr_model *m = NULL;
    ck_assert_int_eq(gr_trainer_set_checkpoint(t, bad, 2), GR_OK);
    same_error(gr_trainer_fit(&m, t, P.train), GR_EIO, bad);
    ck_assert_ptr_null(m);
    ck_assert_int_eq(gr_trainer_set_checkpoint(t, path, 2), GR_OK);
    ck_assert_int_eq(gr_trainer_fit(&m, t, P.train), GR_OK);
    gr_model_free(m);
    m = NULL;
    int flipped = 1;
    if (rank == 0) {
        FILE *f = fopen(path, "r+b");
        flipped = f && fseek(f, 200, SEEK_SET) == 0;
        int c = flipped ? fgetc(f) : EOF;
        flipped = c != EOF && fseek(f, 200, SEEK_SET) == 0 && fputc(0x55 ^ c, f) != EOF;
        if (f) flipped = fclose(f) == 0 && flipped;
    }
    root_asserts(flipped, "damaging the checkpoint");
    MPI_Barrier(MPI_COMM_WORLD);
    same_error(gr_trainer_fit(&m, t, P.train), GR_ECORRUPT, path);
    ck_assert_ptr_null(m);
    gr_trainer_free(t);
    remove_dir_of(path);
}
END_TEST

/* ---- The graph filters and EASE: each rank a share of the users' rows ---- */

/* A training-free kind's trainer, seed 42, no holdout (settings: key,
 * value pairs, NULL-terminated). */
static gr_trainer *filter_trainer(int kind, int with_comm, const char *const *settings)
{
    gr_trainer *t;
    ck_assert_int_eq(gr_trainer_new(&t, kind), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "seed", "42"), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "holdout", "0"), GR_OK);
    for (size_t k = 0; settings && settings[k]; k += 2) ck_assert_int_eq(gr_trainer_set(t, settings[k], settings[k + 1]), GR_OK);
    MPI_Comm world = MPI_COMM_WORLD;
    if (with_comm) ck_assert_int_eq(gr_trainer_set_comm(t, &world), GR_OK);
    return t;
}

/* Every user's scores of every item (the kinds score through their ops). */
static float *all_scores(const gr_model *m)
{
    float *s = malloc(m->n_users * m->n_items * sizeof *s);
    ck_assert_ptr_nonnull(s);
    int32_t *rows = malloc(m->n_users * sizeof *rows);
    ck_assert_ptr_nonnull(rows);
    for (size_t u = 0; u < m->n_users; u++) rows[u] = (int32_t)u;
    ck_assert_int_eq(m->ops->score_users(m, rows, m->n_users, s), GR_OK);
    free(rows);
    return s;
}

static double recall20_on(const gr_model *m, const gr_graph *train, const gr_graph *test)
{
    double out[GR_METRIC_COUNT];
    int k = 20;
    ck_assert_int_eq(gr_eval_ranking(out, NULL, m, train, test, &k, 1), GR_OK);
    return out[GR_METRIC_RECALL];
}

/*
 * The N-rank fit of a filter kind against the one process's on the same
 * graph: the ranks hold the same scores bit for bit, and these differ
 * from the one process's by at most `tol` times the largest score (the
 * SVD's products are summed in another order; EASE's Gram matrix holds
 * integer counts, exact in any order, so its tolerance is 0), with the
 * same test recall@20 within 0.005.  Returns the largest relative
 * difference.
 */
static double compare_filter(int kind, const char *const *settings, const fx_planted *data, double tol)
{
    gr_model *one, *many;
    gr_trainer *t1 = filter_trainer(kind, 0, settings), *tn = filter_trainer(kind, 1, settings);
    ck_assert_int_eq(gr_trainer_fit(&one, t1, data->train), GR_OK);
    ck_assert_msg(gr_trainer_fit(&many, tn, data->train) == GR_OK, "%s", gr_last_error());
    double ranks = 0, sent = 0;
    ck_assert_int_eq(gr_model_info(&ranks, many, "ranks"), GR_OK);
    ck_assert_double_eq(ranks, size);
    ck_assert_int_eq(gr_model_info(&sent, many, "dist_bytes_sent"), GR_OK);
    ck_assert_msg(sent > 0, "no bytes were exchanged");
    float *s1 = all_scores(one), *sn = all_scores(many);
    size_t n = one->n_users * one->n_items;
    double top = 0, diff = 0;
    for (size_t q = 0; q < n; q++) {
        top = fmax(top, fabs(s1[q]));
        diff = fmax(diff, fabs((double)sn[q] - (double)s1[q]));
    }
    double rel = diff / top, r1 = recall20_on(one, data->train, data->test), rn = recall20_on(many, data->train, data->test);
    if (rank == 0)
        printf("%s%s%s%s%s on %zu users x %zu items: largest score difference %.3g of the largest score, recall@20 1 rank "
               "%.4f, %d ranks %.4f, %.0f bytes sent by rank 0\n",
               gr_model_kind_name(kind), settings ? " " : "", settings ? settings[0] : "", settings ? " " : "",
               settings ? settings[1] : "", one->n_users, one->n_items, rel, r1, size, rn, sent);
    ck_assert_msg(same_everywhere(gr_dist_hash_floats(sn, n)), "the ranks score differently");
    ck_assert_msg(rel <= tol, "%d ranks: scores differ by %g of the largest, more than %g", size, rel, tol);
    ck_assert_msg(fabs(rn - r1) <= 0.005, "%d ranks: recall@20 %.4f, 1 rank %.4f", size, rn, r1);
    ck_assert_msg(r1 > 0.05, "the filter did not learn: recall@20 %.4f", r1);
    free(s1);
    free(sn);
    gr_model_free(one);
    gr_model_free(many);
    gr_trainer_free(t1);
    gr_trainer_free(tn);
    return rel;
}

/* The users outnumber the items (400 x 300): the filter is a matrix,
 * built in shares of its rows. */
START_TEST(gfcf_matches_one_rank) { compare_filter(GR_MODEL_GFCF, NULL, &P, 1e-4); }
END_TEST

START_TEST(cheby_matches_one_rank)
{
    compare_filter(GR_MODEL_CHEBY, NULL, &P, 1e-4);
    /* the polynomial applied exactly: the matrix's rows by blocks of 64 */
    static const char *const exact[] = { "tail", "0", NULL };
    compare_filter(GR_MODEL_CHEBY, exact, &P, 1e-4);
    /* another exponent and a degree shift: R~'s shares scaled as one */
    static const char *const shifted[] = { "norm_exp", "0.4", "norm_shift", "0.5", NULL };
    compare_filter(GR_MODEL_CHEBY, shifted, &P, 1e-4);
}
END_TEST

/* More items than users (200 x 400): scored through the factors and R~. */
START_TEST(filters_wide_match_one_rank)
{
    fx_planted wide;
    fx_planted_make(&wide, 200, 400, 4, 30, 11);
    static const char *const rank64[] = { "rank", "64", NULL };
    compare_filter(GR_MODEL_GFCF, rank64, &wide, 1e-4);
    compare_filter(GR_MODEL_CHEBY, rank64, &wide, 1e-4);
    fx_planted_free(&wide);
}
END_TEST

/* The thread count may differ between ranks: the replicated steps (the
 * SVD block's orthonormalisation, EASE's inversion) must not depend on it. */
START_TEST(filters_with_other_threads_per_rank)
{
    fx_planted wide;
    fx_planted_make(&wide, 200, 400, 4, 30, 11);
    static const char *const rank64[] = { "rank", "64", NULL };
    const int kinds[] = { GR_MODEL_GFCF, GR_MODEL_CHEBY, GR_MODEL_EASE };
    for (size_t q = 0; q < 3; q++)
        for (int g = 0; g < 2; g++) {
            const fx_planted *data = g ? &wide : &P;
            gr_trainer *t = filter_trainer(kinds[q], 1, g && kinds[q] != GR_MODEL_EASE ? rank64 : NULL);
            ck_assert_int_eq(gr_trainer_set(t, "threads", rank == 0 ? "1" : "2"), GR_OK);
            gr_model *m;
            ck_assert_msg(gr_trainer_fit(&m, t, data->train) == GR_OK, "%s", gr_last_error());
            float *sc = all_scores(m);
            ck_assert_msg(same_everywhere(gr_dist_hash_floats(sc, m->n_users * m->n_items)), "%s: the ranks score differently",
                          gr_model_kind_name(kinds[q]));
            free(sc);
            gr_model_free(m);
            gr_trainer_free(t);
        }
    fx_planted_free(&wide);
}
END_TEST

START_TEST(ease_matches_one_rank) { compare_filter(GR_MODEL_EASE, NULL, &P, 0); }
END_TEST

/* With validation data the filters search their parameters: every rank
 * evaluates the same model and so makes the same choices. */
START_TEST(filter_search_matches_one_rank)
{
    for (int kind = GR_MODEL_GFCF; kind <= GR_MODEL_CHEBY; kind++) {
        double chosen[2], valid[2];
        uint64_t h = 0;
        for (int with_comm = 0; with_comm < 2; with_comm++) {
            gr_trainer *t = filter_trainer(kind, with_comm, NULL);
            ck_assert_int_eq(gr_trainer_set_validation(t, P.test), GR_OK);
            gr_model *m;
            ck_assert_int_eq(gr_trainer_fit(&m, t, P.train), GR_OK);
            ck_assert_int_eq(gr_model_info(&chosen[with_comm], m, "alpha"), GR_OK);
            gr_trainer_stat(&valid[with_comm], t, GR_STAT_BEST_VALID);
            float *s = all_scores(m);
            h = gr_dist_hash_floats(s, m->n_users * m->n_items);
            free(s);
            gr_model_free(m);
            gr_trainer_free(t);
        }
        if (rank == 0)
            printf("%s search: alpha %g and %g, valid %.9f alone, %.9f on %d ranks\n", gr_model_kind_name(kind), chosen[0],
                   chosen[1], valid[0], valid[1], size);
        ck_assert_double_eq(chosen[0], chosen[1]);
        ck_assert(same_everywhere(h));
        /* each rank scored a share of the users: every rank has the same figure */
        ck_assert(same_everywhere(gr_dist_hash_bytes(0, &valid[1], sizeof valid[1])));
        ck_assert_msg(fabs(valid[1] - valid[0]) <= 1e-3, "valid %g against %g", valid[1], valid[0]);
    }
}
END_TEST

/* A progress callback stopping one rank's search stops every rank's. */
START_TEST(filter_search_stop_on_one_rank)
{
    gr_trainer *t = filter_trainer(GR_MODEL_CHEBY, 1, NULL);
    ck_assert_int_eq(gr_trainer_set_validation(t, P.test), GR_OK);
    gr_trainer_set_progress(t, stop_at_3_on_last, NULL);
    gr_model *m = NULL;
    ck_assert_int_eq(gr_trainer_fit(&m, t, P.train), GR_OK);
    double trials;
    gr_trainer_stat(&trials, t, GR_STAT_EPOCHS);
    ck_assert_double_eq(trials, 3);
    gr_model_free(m);
    gr_trainer_free(t);
}
END_TEST

/* A time budget's settings search over a filter's parameters: the ranks
 * agree on every stop and end with the same model. */
START_TEST(filter_budget_search)
{
    gr_trainer *t = filter_trainer(GR_MODEL_GFCF, 1, NULL);
    ck_assert_int_eq(gr_trainer_set_validation(t, P.test), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "budget", "2"), GR_OK);
    gr_model *m = NULL;
    ck_assert_msg(gr_trainer_fit(&m, t, P.train) == GR_OK, "%s", gr_last_error());
    double trials;
    gr_trainer_stat(&trials, t, GR_STAT_TRIALS);
    ck_assert(trials >= 1);
    ck_assert(same_everywhere((uint64_t)trials));
    float *s = all_scores(m);
    ck_assert(same_everywhere(gr_dist_hash_floats(s, m->n_users * m->n_items)));
    free(s);
    gr_model_free(m);
    gr_trainer_free(t);
}
END_TEST

/* Holding out part of the training data to choose the epoch, then
 * refitting: the held-out part and the chosen epoch are the same on every
 * rank, and so is the model. */
START_TEST(holdout_and_refit)
{
    gr_trainer *t = trainer(GR_MODEL_LIGHTGCN, "fast", 30, 42, 1);
    ck_assert_int_eq(gr_trainer_set(t, "holdout", "0.1"), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "eval_every", "5"), GR_OK);
    gr_model *m = NULL;
    ck_assert_int_eq(gr_trainer_fit(&m, t, P.train), GR_OK);
    double best;
    gr_trainer_stat(&best, t, GR_STAT_BEST_EPOCH);
    ck_assert(same_everywhere((uint64_t)best));
    ck_assert(same_everywhere(hash_model(m)));
    gr_model_free(m);
    gr_trainer_free(t);
}
END_TEST


/* ---- Validation split over the ranks: each rank scores a share of the
 * validation users (or queries) and the sums are combined ---- */

/* Sums in rank order: every rank gets the same bits, the sum computed in
 * that order, and sends its n doubles to each other rank. */
START_TEST(sum_ordered_same_bits)
{
    gr_dist *d = world_dist();
    /* values whose sum depends on the order: 1e16 on rank 0, small ones elsewhere */
    double v[2] = { rank == 0 ? 1e16 : 1.0 + 0.1 * rank, 0.1 * (rank + 1) }, want[2] = { 0, 0 };
    for (int r = 0; r < size; r++) {
        want[0] += r == 0 ? 1e16 : 1.0 + 0.1 * r;
        want[1] += 0.1 * (r + 1);
    }
    ck_assert_int_eq(gr_dist_sum_ordered(d, v, 2), GR_OK);
    ck_assert(memcmp(v, want, sizeof v) == 0);
    ck_assert(same_everywhere(gr_dist_hash_bytes(0, v, sizeof v)));
    ck_assert_double_eq(d->bytes_sent, 2.0 * 8 * (size - 1));
    gr_dist_free(d);
}
END_TEST

/*
 * gr_rank_eval_on over the ranks against one process, on the same users
 * (max_users as gr_rank_eval_on; 0: all) of the same
 * model: every metric at two cut-offs within 1e-9 (relative), the same
 * user count, the same bits on every rank and (nk x 5 + 1) doubles sent
 * to each other rank.  Returns nothing; asserts.
 */
static void split_eval_sample_matches(const gr_model *m, const gr_graph *test, size_t max_users, const char *what)
{
    gr_dist *d = world_dist();
    gr_rank_source src;
    ck_assert_int_eq(gr_rank_source_of_model(&src, m), GR_OK);
    int ks[2] = { 5, 20 };
    double one[2 * GR_METRIC_COUNT], many[2 * GR_METRIC_COUNT];
    size_t n1 = 0, nn = 0;
    ck_assert_int_eq(gr_rank_eval_on(one, &n1, &src, P.train, test, ks, 2, max_users, NULL), GR_OK);
    ck_assert_msg(gr_rank_eval_on(many, &nn, &src, P.train, test, ks, 2, max_users, d) == GR_OK, "%s", gr_last_error());
    ck_assert_uint_eq(n1, nn);
    double worst = 0;
    for (int j = 0; j < 2 * GR_METRIC_COUNT; j++) {
        double rel = fabs(many[j] - one[j]) / fmax(fabs(one[j]), 1e-300);
        worst = fmax(worst, one[j] == many[j] ? 0 : rel);
        ck_assert_msg(rel <= 1e-9, "%s: metric %d is %.17g on %d ranks, %.17g alone", what, j, many[j], size, one[j]);
    }
    if (rank == 0)
        printf("split validation, %s (%zu users): largest relative difference %.3g (ndcg@20 %.6f)\n", what, n1, worst,
               one[GR_METRIC_COUNT + GR_METRIC_NDCG]);
    ck_assert(same_everywhere(gr_dist_hash_bytes(0, many, sizeof many)));
    ck_assert_double_eq(d->bytes_sent, (2.0 * GR_METRIC_COUNT + 1) * 8 * (size - 1));
    gr_dist_free(d);
}

/* The same on every user with test edges. */
static void split_eval_matches(const gr_model *m, const gr_graph *test, const char *what)
{
    split_eval_sample_matches(m, test, 0, what);
}

/* A dot-product model (MF) and a kind that scores users itself in wide
 * blocks (GF-CF), on every test user, on the first 20 users only (two
 * blocks: on 4 ranks two ranks score nothing and still join the sum) and
 * on a sample of a third of the users. */
START_TEST(validation_split_matches_one_process)
{
    gr_trainer *t = trainer(GR_MODEL_MF, "fast", 5, 42, 0), *tf = filter_trainer(GR_MODEL_GFCF, 0, NULL);
    gr_model *mf, *gf;
    ck_assert_int_eq(gr_trainer_fit(&mf, t, P.train), GR_OK);
    ck_assert_int_eq(gr_trainer_fit(&gf, tf, P.train), GR_OK);
    const gr_csr *te = &P.test->ui;
    uint8_t *part = calloc((size_t)te->ptr[P.test->n_users], 1);
    ck_assert_ptr_nonnull(part);
    for (int64_t e = 0; e < te->ptr[20]; e++) part[e] = 1;
    gr_graph *few;
    ck_assert_int_eq(gr_graph_subset(&few, P.test, part, 1), GR_OK);
    split_eval_matches(mf, P.test, "MF");
    split_eval_matches(gf, P.test, "GF-CF");
    split_eval_matches(mf, few, "MF, the first 20 users");
    split_eval_matches(gf, few, "GF-CF, the first 20 users");
    /* a sample of the users' blocks (setting valid_users), the same blocks on every rank */
    split_eval_sample_matches(mf, P.test, P.test->n_users / 3, "MF, a third of the users");
    split_eval_sample_matches(gf, P.test, P.test->n_users / 3, "GF-CF, a third of the users");
    gr_graph_free(few);
    free(part);
    gr_model_free(mf);
    gr_model_free(gf);
    gr_trainer_free(t);
    gr_trainer_free(tf);
}
END_TEST

/* The metric of every validated epoch, as the progress callback sees it. */
typedef struct valid_log {
    double metric[64];
    int n;
} valid_log;

static int log_metric(void *ud, int epoch, double loss, double seconds, double metric)
{
    (void)loss;
    (void)seconds;
    valid_log *L = ud;
    if (!isnan(metric) && L->n < 64) L->metric[L->n++] = metric;
    (void)epoch;
    return 0;
}

/*
 * Training with validation (every 2 epochs) on N ranks: every validated
 * figure is the same bits on every rank, the kept epoch is the same on
 * every rank and is the one process's, and the figures are close to the
 * one process's (the models differ in their last bits: sums in another
 * order).
 */
static void epochs_match(int kind, const char *mode, int epochs)
{
    double best[2], valid[2];
    valid_log logs[2];
    for (int with_comm = 0; with_comm < 2; with_comm++) {
        gr_trainer *t = trainer(kind, mode, epochs, 42, with_comm);
        ck_assert_int_eq(gr_trainer_set_validation(t, P.test), GR_OK);
        ck_assert_int_eq(gr_trainer_set(t, "eval_every", "2"), GR_OK);
        ck_assert_int_eq(gr_trainer_set(t, "patience", "0"), GR_OK);
        memset(&logs[with_comm], 0, sizeof logs[with_comm]);
        gr_trainer_set_progress(t, log_metric, &logs[with_comm]);
        gr_model *m;
        ck_assert_msg(gr_trainer_fit(&m, t, P.train) == GR_OK, "%s", gr_last_error());
        gr_trainer_stat(&best[with_comm], t, GR_STAT_BEST_EPOCH);
        gr_trainer_stat(&valid[with_comm], t, GR_STAT_BEST_VALID);
        gr_model_free(m);
        gr_trainer_free(t);
    }
    double worst = 0;
    ck_assert_int_eq(logs[0].n, logs[1].n);
    for (int j = 0; j < logs[0].n; j++) worst = fmax(worst, fabs(logs[1].metric[j] - logs[0].metric[j]));
    if (rank == 0)
        printf("%s %s with validation: best epoch 1 rank %g, %d ranks %g; valid %.6f and %.6f; %d evaluations, largest "
               "difference %.3g\n",
               gr_model_kind_name(kind), mode, best[0], size, best[1], valid[0], valid[1], logs[0].n, worst);
    ck_assert(logs[1].n > 1);
    ck_assert_msg(same_everywhere(gr_dist_hash_bytes(0, logs[1].metric, logs[1].n * sizeof(double))),
                  "the ranks computed different validation figures");
    ck_assert(same_everywhere((uint64_t)best[1]));
    ck_assert_msg(best[0] == best[1], "best epoch %g on %d ranks, %g alone", best[1], size, best[0]);
    ck_assert_msg(worst <= 0.01, "validation figures differ by %g", worst);
}

START_TEST(lightgcn_fast_validation) { epochs_match(GR_MODEL_LIGHTGCN, "fast", 20); }
END_TEST
START_TEST(lightgcn_sampled_validation) { epochs_match(GR_MODEL_LIGHTGCN, "sampled", 20); }
END_TEST
START_TEST(lightgcn_paper_validation) { epochs_match(GR_MODEL_LIGHTGCN, "paper", 6); }
END_TEST
START_TEST(mf_fast_validation) { epochs_match(GR_MODEL_MF, "fast", 20); }
END_TEST
START_TEST(mf_paper_validation) { epochs_match(GR_MODEL_MF, "paper", 6); }
END_TEST

/*
 * Link-prediction validation of the KG embeddings: each rank ranks a
 * block-aligned share of the queries (gr_lp_ranks_part), which are the
 * single process's ranks exactly, and the sums combined in rank order give
 * the single process's MRR within 1e-9; a fit validated on N ranks keeps
 * the one process's epoch and the same figure on every rank.
 */
START_TEST(kg_validation_split)
{
    gr_kg *kg;
    ck_assert_int_eq(gr_kg_from_graph(&kg, P.train, 0, GR_KG_SIDE_NONE), GR_OK);
    double best[2], valid[2];
    gr_model *alone = NULL;
    for (int with_comm = 0; with_comm < 2; with_comm++) {
        gr_trainer *t = trainer(GR_MODEL_TRANSE, NULL, 6, 42, with_comm);
        ck_assert_int_eq(gr_trainer_set(t, "eval_every", "1"), GR_OK);
        ck_assert_int_eq(gr_trainer_set(t, "valid_sample", "500"), GR_OK);
        gr_model *m;
        /* the training triples as validation triples: the same id space */
        ck_assert_msg(gr_kg_fit(&m, t, kg, kg) == GR_OK, "%s", gr_last_error());
        gr_trainer_stat(&best[with_comm], t, GR_STAT_BEST_EPOCH);
        gr_trainer_stat(&valid[with_comm], t, GR_STAT_BEST_VALID);
        if (with_comm) gr_model_free(m);
        else alone = m;
        gr_trainer_free(t);
    }
    if (rank == 0)
        printf("TransE validated by MRR: best epoch 1 rank %g, %d ranks %g; MRR %.6f and %.6f\n", best[0], size, best[1],
               valid[0], valid[1]);
    ck_assert(same_everywhere((uint64_t)best[1]));
    ck_assert(same_everywhere(gr_dist_hash_bytes(0, &valid[1], sizeof valid[1])));
    ck_assert_msg(best[0] == best[1], "best epoch %g on %d ranks, %g alone", best[1], size, best[0]);
    ck_assert_msg(fabs(valid[1] - valid[0]) <= 0.01, "MRR %g against %g", valid[1], valid[0]);

    /* the pieces of the split on one set of parameters */
    const gr_kg_params *p = &gr_kg_state_of(alone)->p;
    size_t total = 2 * kg->n, lo, hi;
    double *full = malloc(total * sizeof *full), *mine = malloc(total * sizeof *mine);
    ck_assert(full && mine);
    ck_assert_int_eq(gr_lp_ranks(full, p, kg, NULL, kg->n, kg, GR_LP_BOTH, GR_KG_FAST), GR_OK);
    gr_dist_share_rows(total, GR_LP_BLOCK, rank, size, &lo, &hi);
    ck_assert_int_eq(gr_lp_ranks_part(mine, p, kg, NULL, kg->n, kg, GR_LP_BOTH, GR_KG_FAST, lo, hi), GR_OK);
    ck_assert(memcmp(mine + lo, full + lo, (hi - lo) * sizeof *mine) == 0);
    if (lo + 1 < hi) ck_assert_int_eq(gr_lp_ranks_part(mine, p, kg, NULL, kg->n, kg, GR_LP_BOTH, GR_KG_FAST, lo + 1, hi),
                                      GR_EINVAL);
    gr_dist *d = world_dist();
    double sums[GR_LP_COUNT + 1], want[GR_LP_COUNT];
    gr_lp_sums(sums, mine + lo, hi - lo);
    sums[GR_LP_COUNT] = (double)(hi - lo);
    ck_assert_int_eq(gr_dist_sum_ordered(d, sums, GR_LP_COUNT + 1), GR_OK);
    gr_lp_summarize(want, full, total);
    ck_assert_double_eq(sums[GR_LP_COUNT], (double)total);
    for (int k = 0; k < GR_LP_COUNT; k++)
        ck_assert_msg(fabs(sums[k] / (double)total - want[k]) <= 1e-9 * fabs(want[k]), "metric %d: %.17g against %.17g",
                      k, sums[k] / (double)total, want[k]);
    gr_dist_free(d);
    free(full);
    free(mine);
    gr_model_free(alone);
    gr_kg_free(kg);
}
END_TEST

/* EASE's lambda trials: the model is the single process's bit for bit,
 * so the validation figure of the kept trial is the one process's within
 * 1e-9 and the same lambda is kept. */
START_TEST(ease_search_matches_one_process)
{
    double chosen[2], valid[2];
    for (int with_comm = 0; with_comm < 2; with_comm++) {
        gr_trainer *t = filter_trainer(GR_MODEL_EASE, with_comm, NULL);
        ck_assert_int_eq(gr_trainer_set_validation(t, P.test), GR_OK);
        gr_model *m;
        ck_assert_int_eq(gr_trainer_fit(&m, t, P.train), GR_OK);
        ck_assert_int_eq(gr_model_info(&chosen[with_comm], m, "lambda"), GR_OK);
        gr_trainer_stat(&valid[with_comm], t, GR_STAT_BEST_VALID);
        gr_model_free(m);
        gr_trainer_free(t);
    }
    if (rank == 0) printf("EASE search: lambda %g and %g, valid %.17g and %.17g\n", chosen[0], chosen[1], valid[0], valid[1]);
    ck_assert_double_eq(chosen[0], chosen[1]);
    ck_assert_msg(fabs(valid[1] - valid[0]) <= 1e-9 * valid[0], "valid %.17g against %.17g", valid[1], valid[0]);
    ck_assert(same_everywhere(gr_dist_hash_bytes(0, &valid[1], sizeof valid[1])));
}
END_TEST

/* ---- MPI counts are int: the collectives in pieces (dist.h) ----
 * With the limit of values a reduction carries at a few values
 * (gr_dist_set_chunk), every collective and every fit must give the bits
 * it gives in one piece. */

/* A value of rank r at index i, not exact in float sums. */
static float ranked(int r, size_t i) { return sinf(0.37f * (float)i + 1.3f * (float)r) * (float)(i % 7 + 1) / 3.0f; }

/* Every collective of dist.h whose counts grow with the data, under the
 * limit `values`, its results appended to out (room for all). */
static size_t collectives(gr_dist *d, size_t values, unsigned char *out)
{
    size_t old = gr_dist_set_chunk(values), at = 0;
    enum { N = 23, W = 5, M = 53 };
    float grad[M], buf[N * W], own[N * W];
    for (size_t i = 0; i < M; i++) grad[i] = ranked(rank, i);
    ck_assert_int_eq(gr_dist_allreduce_grad(d, grad, M), GR_OK);
    memcpy(out + at, grad, sizeof grad), at += sizeof grad;

    for (size_t i = 0; i < N * W; i++) buf[i] = ranked(rank, i + 100);
    size_t lo, hi;
    gr_dist_rows(d, N, &lo, &hi);
    ck_assert_int_eq(gr_dist_reduce_scatter_rows(d, buf, own, N, W), GR_OK);
    memcpy(out + at, own, (hi - lo) * W * sizeof *own), at += (hi - lo) * W * sizeof *own;
    memcpy(buf + lo * W, own, (hi - lo) * W * sizeof *own);
    ck_assert_int_eq(gr_dist_allgather_rows(d, buf, N, W), GR_OK);
    memcpy(out + at, buf, sizeof buf), at += sizeof buf;

    /* rows of 6 bytes (three bfloat16 values) */
    unsigned char bytes[N * 6];
    for (size_t i = 0; i < sizeof bytes; i++) bytes[i] = (unsigned char)(i / 6 >= lo && i / 6 < hi ? i * 7 + 1 : 0xee);
    ck_assert_int_eq(gr_dist_allgather_rows_bytes(d, bytes, N, 6), GR_OK);
    memcpy(out + at, bytes, sizeof bytes), at += sizeof bytes;

    double v[20], w[20], x[20];
    for (size_t i = 0; i < 20; i++) v[i] = ranked(rank, i) / 7.0, w[i] = (double)(rank * 20 + i), x[i] = w[i] * 3;
    ck_assert_int_eq(gr_dist_sum_ordered(d, v, 20), GR_OK);
    ck_assert_int_eq(gr_dist_allreduce_sum(d, w, 20), GR_OK);
    ck_assert_int_eq(gr_dist_sum_exact(d, x, 20), GR_OK);
    memcpy(out + at, v, sizeof v), at += sizeof v;
    memcpy(out + at, w, sizeof w), at += sizeof w;
    memcpy(out + at, x, sizeof x), at += sizeof x;

    /* rank r sends r + 3 rows of W floats */
    int32_t ids[8], *all_ids;
    float vals[8 * W], *all_vals;
    size_t k = (size_t)rank + 3, total;
    for (size_t q = 0; q < k; q++) ids[q] = (int32_t)(q * 3 + (size_t)rank);
    for (size_t i = 0; i < k * W; i++) vals[i] = ranked(rank, i + 200);
    ck_assert_int_eq(gr_dist_gather_rows(d, ids, vals, k, W, &all_ids, &all_vals, &total), GR_OK);
    memcpy(out + at, all_ids, total * sizeof *all_ids), at += total * sizeof *all_ids;
    memcpy(out + at, all_vals, total * W * sizeof *all_vals), at += total * W * sizeof *all_vals;
    free(all_ids);
    free(all_vals);
    float sparse[40 * 3] = { 0 };
    for (size_t q = 0; q < k; q++)
        for (size_t j = 0; j < 3; j++) sparse[(size_t)ids[q] * 3 + j] = ranked(rank, q * 3 + j);
    ck_assert_int_eq(gr_dist_sum_rows(d, sparse, 40, 3, ids, k), GR_OK);
    memcpy(out + at, sparse, sizeof sparse), at += sizeof sparse;

    size_t slo, shi;
    gr_dist_share_rows(N, 4, rank, size, &slo, &shi);
    for (size_t i = 0; i < N * W; i++) buf[i] = i / W >= slo && i / W < shi ? ranked(rank, i) : -1.0f;
    ck_assert_int_eq(gr_dist_gather_shares(d, buf, N, W, 4), GR_OK);
    memcpy(out + at, buf, sizeof buf), at += sizeof buf;

    uint64_t same[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
    ck_assert_int_eq(gr_dist_check_same(d, same, 10, "values"), GR_OK);
    if (rank == size - 1) same[8] = 99;
    ck_assert_int_eq(gr_dist_check_same(d, same, 10, "values"), GR_EINVAL);

    uint64_t counts[64];
    for (int r = 0; r < size; r++) counts[r] = (uint64_t)(10 + 3 * r);
    char mine[64], all[64 * 64];
    for (size_t i = 0; i < counts[rank]; i++) mine[i] = (char)('a' + (rank * 5 + (int)i) % 26);
    ck_assert_int_eq(gr_dist_allgather_bytes(d, mine, all, counts), GR_OK);
    size_t n_all = 0;
    for (int r = 0; r < size; r++) n_all += counts[r];
    memcpy(out + at, all, n_all), at += n_all;
    gr_dist_set_chunk(old);
    return at;
}

START_TEST(collectives_in_pieces)
{
    ck_assert_int_le(size, 64);
    gr_dist *d = world_dist();
    const size_t room = 1 << 16;
    unsigned char *whole = calloc(room, 1), *pieces = calloc(room, 1);
    ck_assert(whole && pieces);
    size_t n = collectives(d, 0, whole);
    ck_assert_uint_le(n, room);
    const size_t limits[] = { 7, 1, 12 };
    for (size_t q = 0; q < 3; q++) {
        memset(pieces, 0, room);
        ck_assert_uint_eq(collectives(d, limits[q], pieces), n);
        ck_assert_msg(memcmp(whole, pieces, n) == 0, "rank %d: pieces of %zu values give other bits", rank, limits[q]);
    }
    /* the reductions' sums: every rank's values, in rank order */
    float want = 0;
    for (int r = 0; r < size; r++) want = r ? want + ranked(r, 5) : ranked(r, 5);
    float got;
    memcpy(&got, whole + 5 * sizeof got, sizeof got);
    ck_assert_float_eq(got, want);
    ck_assert_uint_eq(gr_dist_set_chunk(0), (size_t)1 << 26);
    free(whole);
    free(pieces);
    gr_dist_free(d);
}
END_TEST

/* The fit of kind/mode (shard setting, or NULL) with the limit `values`. */
static uint64_t fit_in_pieces(int kind, const char *mode, const char *shard, size_t values)
{
    size_t old = gr_dist_set_chunk(values);
    gr_trainer *t = kind == GR_MODEL_GFCF || kind == GR_MODEL_EASE ? filter_trainer(kind, 1, NULL)
                                                                  : trainer(kind, mode, 2, 42, 1);
    if (kind != GR_MODEL_GFCF && kind != GR_MODEL_EASE) {
        ck_assert_int_eq(gr_trainer_set(t, "dim", "8"), GR_OK);
        ck_assert_int_eq(gr_trainer_set(t, "batch", "4096"), GR_OK);
    }
    if (shard) ck_assert_int_eq(gr_trainer_set(t, "shard", shard), GR_OK);
    gr_model *m;
    ck_assert_msg(gr_trainer_fit(&m, t, P.train) == GR_OK, "%s", gr_last_error());
    uint64_t h = hash_model(m);
    gr_model_free(m);
    gr_trainer_free(t);
    gr_dist_set_chunk(old);
    return h;
}

/* Each fit trains the same model, bit for bit, with reductions in pieces
 * of 7 values (one row a round for the sharded sums). */
START_TEST(fits_in_pieces)
{
    const struct {
        int kind;
        const char *mode, *shard;
    } fits[] = {
        { GR_MODEL_LIGHTGCN, "fast", "0" }, { GR_MODEL_LIGHTGCN, "fast", "1" }, { GR_MODEL_LIGHTGCN, "paper", NULL },
        { GR_MODEL_MF, "paper", NULL },     { GR_MODEL_MF, "fast", "0" },      { GR_MODEL_TRANSE, NULL, NULL },
        { GR_MODEL_GFCF, NULL, NULL },      { GR_MODEL_EASE, NULL, NULL },
    };
    for (size_t q = 0; q < sizeof fits / sizeof *fits; q++) {
        uint64_t whole = fit_in_pieces(fits[q].kind, fits[q].mode, fits[q].shard, 0);
        uint64_t pieces = fit_in_pieces(fits[q].kind, fits[q].mode, fits[q].shard, 7);
        if (rank == 0)
            printf("%s %s shard %s: one piece and pieces of 7 values %s\n", gr_model_kind_name(fits[q].kind),
                   fits[q].mode ? fits[q].mode : "-", fits[q].shard ? fits[q].shard : "-",
                   whole == pieces ? "equal" : "DIFFER");
        ck_assert_msg(whole == pieces, "%s %s: pieces of 7 values train another model", gr_model_kind_name(fits[q].kind),
                      fits[q].mode ? fits[q].mode : "-");
        ck_assert(same_everywhere(pieces));
    }
}
END_TEST

/* ---- A rank whose allocation fails (dist.h) ----
 * A collective's scratch, or a fit's buffer, that one rank cannot
 * allocate: every rank returns that rank's error, none waits in an
 * exchange the failed rank never enters (a hang fails the test by its
 * timeout), and the communicator stays usable. */

/* rc of a call during which rank `who` ran out of memory: GR_ENOMEM on
 * every rank, with a message naming that rank. */
static void failed_everywhere(int rc, int who, const char *what)
{
    gr_mem_fail_after(-1);
    char want[48];
    snprintf(want, sizeof want, "rank %d of %d", who, size);
    ck_assert_msg(rc == GR_ENOMEM && strstr(gr_last_error(), want),
                  "rank %d: %s with rank %d out of memory returned %d: %s", rank, what, who, rc, gr_last_error());
}

START_TEST(scratch_failure_on_one_rank)
{
    const int who = size - 1;
    MPI_Comm world = MPI_COMM_WORLD;
    gr_dist *d = NULL;
    if (rank == who) gr_mem_fail_after(0);
    failed_everywhere(gr_dist_new(&d, &world), who, "gr_dist_new");
    ck_assert_ptr_null(d);
    d = world_dist();
    enum { N = 23, W = 5, M = 53 };
    float grad[M] = { 0 }, buf[N * W] = { 0 }, own[N * W];
    double v[4] = { 1, 2, 3, 4 };
    uint64_t same[3] = { 1, 2, 3 };
    int32_t ids[8], *all_ids;
    float vals[8 * 3] = { 0 }, sparse[40 * 3] = { 0 }, *all_vals;
    size_t k = (size_t)rank + 3, total;
    for (size_t q = 0; q < k; q++) ids[q] = (int32_t)(q * 3 + (size_t)rank);
    /* each call's allocations in turn: the first, and the later ones */
    for (long n = 0; n < 3; n++) {
        if (n == 0) {
            if (rank == who) gr_mem_fail_after(n);
            failed_everywhere(gr_dist_allreduce_grad(d, grad, M), who, "gr_dist_allreduce_grad");
            if (rank == who) gr_mem_fail_after(n);
            failed_everywhere(gr_dist_reduce_scatter_rows(d, buf, own, N, W), who, "gr_dist_reduce_scatter_rows");
            if (rank == who) gr_mem_fail_after(n);
            failed_everywhere(gr_dist_sum_ordered(d, v, 4), who, "gr_dist_sum_ordered");
            if (rank == who) gr_mem_fail_after(n);
            failed_everywhere(gr_dist_check_same(d, same, 3, "values"), who, "gr_dist_check_same");
        }
        if (n < 2) {
            if (rank == who) gr_mem_fail_after(n);
            failed_everywhere(gr_dist_gather_rows(d, ids, vals, k, 3, &all_ids, &all_vals, &total), who,
                              "gr_dist_gather_rows");
            ck_assert(all_ids == NULL && all_vals == NULL && total == 0);
        }
        /* the sparse exchange (a few rows of 40) */
        if (rank == who) gr_mem_fail_after(n);
        failed_everywhere(gr_dist_sum_rows(d, sparse, 40, 3, ids, k), who, "gr_dist_sum_rows");
    }
    /* the ranks are still in step: every collective succeeds */
    unsigned char *out = calloc(1 << 16, 1);
    ck_assert_ptr_nonnull(out);
    ck_assert_uint_gt(collectives(d, 0, out), 0);
    free(out);
    gr_dist_free(d);
}
END_TEST

/* The trainer of fit_fails_everywhere's fits. */
static gr_trainer *sweep_trainer(int kind, const char *mode, const char *shard, const char *holdout)
{
    const int filter = kind == GR_MODEL_GFCF || kind == GR_MODEL_EASE;
    gr_trainer *t = filter ? filter_trainer(kind, 1, NULL) : trainer(kind, mode, 2, 42, 1);
    if (!filter) ck_assert_int_eq(gr_trainer_set(t, "dim", "8"), GR_OK);
    if (shard) ck_assert_int_eq(gr_trainer_set(t, "shard", shard), GR_OK);
    if (holdout) ck_assert_int_eq(gr_trainer_set(t, "holdout", holdout), GR_OK);
    return t;
}

/*
 * A fit of kind/mode (shard setting, or NULL) with one rank's allocations
 * failing in turn, from the first to past its last (every one of the first
 * 256, then one in 1.25 times more): every rank returns the same status,
 * GR_ENOMEM whenever an allocation failed (a fit does not go on without
 * one of its buffers, nor skip a validation it cannot run), the fit's own
 * when none did.  With ckpt every try checkpoints there: from the start,
 * or with resume every try resumes the finished fit's file (rank 0 reads
 * it and sends the others their rows).
 */
static void fit_fails_everywhere(int kind, const char *mode, const char *shard, const char *holdout, const char *ckpt,
                                 int resume, int who)
{
    long calls = 0, failed = 0, tried = 0, injected = 0;
    if (ckpt) {
        if (rank == 0) unlink(ckpt);
        MPI_Barrier(MPI_COMM_WORLD);
    }
    if (ckpt && resume) {
        /* the finished fit's file, which every try below resumes */
        gr_trainer *t = sweep_trainer(kind, mode, shard, holdout);
        ck_assert_int_eq(gr_trainer_set_checkpoint(t, ckpt, 1), GR_OK);
        gr_model *m = NULL;
        ck_assert_msg(gr_trainer_fit(&m, t, P.train) == GR_OK, "%s", gr_last_error());
        gr_model_free(m);
        gr_trainer_free(t);
    }
    for (long n = -1; n <= calls; n = n < 256 ? n + 1 : n * 5 / 4, tried++) {
        gr_trainer *t = sweep_trainer(kind, mode, shard, holdout);
        if (ckpt) {
            /* every try from the start: rank 0 writes the file */
            if (!resume && rank == 0) unlink(ckpt);
            MPI_Barrier(MPI_COMM_WORLD);
            ck_assert_int_eq(gr_trainer_set_checkpoint(t, ckpt, 1), GR_OK);
        }
        gr_model *m = NULL;
        /* n = -1: the fit counts its calls */
        if (rank == who) gr_mem_fail_after(n < 0 ? LONG_MAX : n);
        int rc = gr_trainer_fit(&m, t, P.train);
        long left = gr_mem_fail_after(-1);
        if (n < 0) {
            ck_assert_msg(rc == GR_OK, "%s", gr_last_error());
            calls = rank == who ? LONG_MAX - left : 0;
            MPI_Bcast(&calls, 1, MPI_LONG, who, MPI_COMM_WORLD);
        }
        ck_assert_msg(same_everywhere((uint64_t)rc), "%s %s: rank %d of %d out of memory at call %ld: statuses differ",
                      gr_model_kind_name(kind), mode ? mode : "-", who, size, n);
        /* n < calls: an allocation failed on the last rank */
        ck_assert_msg(rc == (n >= 0 && n < calls ? GR_ENOMEM : GR_OK), "%s %s: allocation %ld of %ld failed: %d (%s)",
                      gr_model_kind_name(kind), mode ? mode : "-", n, calls, rc, gr_last_error());
        ck_assert(rc == GR_OK ? m != NULL : m == NULL);
        failed += rc != GR_OK;
        injected += n >= 0 && n < calls;
        gr_model_free(m);
        gr_trainer_free(t);
    }
    if (rank == 0)
        printf("%s %s shard %s holdout %s%s, rank %d failing: %ld allocations, %ld tried, %ld failed on every rank\n",
               gr_model_kind_name(kind), mode ? mode : "-", shard ? shard : "-", holdout ? holdout : "0",
               ckpt ? resume ? " resuming a checkpoint" : " checkpoint" : "", who, calls, tried - 1, failed);
    ck_assert_int_gt(injected, 0);
    ck_assert_int_eq(failed, injected);
}

START_TEST(fit_failure_on_one_rank)
{
    const struct {
        int kind;
        const char *mode, *shard, *holdout;
    } fits[] = {
        { GR_MODEL_LIGHTGCN, "fast", "0", NULL },        { GR_MODEL_LIGHTGCN, "fast", "1", NULL },
        { GR_MODEL_LIGHTGCN, "sampled", "1", NULL },     { GR_MODEL_LIGHTGCN, "paper", "1", NULL },
        { GR_MODEL_LIGHTGCN, "fast", "1", "0.2" },       { GR_MODEL_LIGHTGCN, "sampled", "1", "0.2" },
        { GR_MODEL_MF, "paper", NULL, NULL },            { GR_MODEL_TRANSE, NULL, "1", NULL },
        { GR_MODEL_TRANSE, NULL, "1", "0.2" },           { GR_MODEL_GFCF, NULL, NULL, NULL },
        { GR_MODEL_EASE, NULL, NULL, "0.2" },            { GR_MODEL_EASE, NULL, NULL, NULL },
    };
    for (size_t q = 0; q < sizeof fits / sizeof *fits; q++)
        fit_fails_everywhere(fits[q].kind, fits[q].mode, fits[q].shard, fits[q].holdout, NULL, 0, size - 1);
    /* checkpoints: rank 0 writes and reads them (the other ranks send and
     * receive their rows of the sharded tables), so it fails as well as
     * the last rank, writing and resuming */
    char dir[256] = { 0 };
    if (rank == 0) {
        char *made = fx_tmpdir();
        snprintf(dir, sizeof dir, "%s", made);
        free(made);
    }
    MPI_Bcast(dir, sizeof dir, MPI_CHAR, 0, MPI_COMM_WORLD);
    char ckpt[300];
    snprintf(ckpt, sizeof ckpt, "%s/fit.ckpt", dir);
    for (int who = 0; who < size; who += size - 1) {
        fit_fails_everywhere(GR_MODEL_LIGHTGCN, "fast", "1", NULL, ckpt, 0, who);
        fit_fails_everywhere(GR_MODEL_LIGHTGCN, "paper", "1", NULL, ckpt, 0, who);
        fit_fails_everywhere(GR_MODEL_LIGHTGCN, "fast", "1", NULL, ckpt, 1, who);
        fit_fails_everywhere(GR_MODEL_LIGHTGCN, "paper", "1", NULL, ckpt, 1, who);
        fit_fails_everywhere(GR_MODEL_TRANSE, NULL, "1", NULL, ckpt, 1, who);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) fx_rmtree(dir);
}
END_TEST

/* Before each test: fx_planted_make asserts, which Check allows only there. */
static void setup(void)
{
    shard_setting = NULL;
    fx_planted_make(&P, 400, 300, 5, 30, 7);
}
static void teardown(void) { fx_planted_free(&P); }

/* A case of the suite (CK_RUN_CASE=name runs it alone), with the planted graph. */
static TCase *test_case(const char *name)
{
    TCase *tc = tcase_create(name);
    tcase_set_timeout(tc, 600);
    tcase_add_checked_fixture(tc, setup, teardown);
    return tc;
}

int main(int argc, char **argv)
{
    if (fx_mpi_start(&argc, &argv, &rank, &size)) return FX_SKIP;
    /* a value of an unset table read before it is written turns to NaN
     * (hash_model refuses a model that holds one) */
    gr_mem_poison_unset(1);
    Suite *s = suite_create("dist");
    TCase *tc = test_case("dist");
    tcase_add_test(tc, lightgcn_fast_matches_one_rank);
    tcase_add_test(tc, lightgcn_sampled_matches_one_rank);
    tcase_add_test(tc, lightgcn_paper_matches_one_rank);
    tcase_add_test(tc, mf_paper_matches_one_rank);
    tcase_add_test(tc, mf_fast_matches_one_rank);
    tcase_add_test(tc, transe_matches_one_rank);
    tcase_add_test(tc, rotate_matches_one_rank);
    tcase_add_test(tc, kg_groups_match_one_rank);
    tcase_add_test(tc, different_graph_on_one_rank);
    tcase_add_test(tc, different_setting_on_one_rank);
    tcase_add_test(tc, failure_on_one_rank);
    tcase_add_test(tc, unsupported_kind);
    tcase_add_test(tc, stop_on_one_rank_stops_all);
    tcase_add_test(tc, holdout_and_refit);
    tcase_add_test(tc, fast_checkpoint_resumes);
    tcase_add_test(tc, sampled_checkpoint_resumes);
    tcase_add_test(tc, paper_checkpoint_resumes);
    tcase_add_test(tc, paper_sharded_checkpoint_resumes);
    tcase_add_test(tc, lightgcn_paper_shard_matches);
    tcase_add_test(tc, mf_paper_shard_matches);
    tcase_add_test(tc, checkpoint_failures_reach_every_rank);
    tcase_add_test(tc, kg_checkpoint_resumes);
    tcase_add_test(tc, kg_sharded_checkpoint_resumes);
    tcase_add_test(tc, sharded_checkpoints_are_the_replicated_files);
    tcase_add_test(tc, transe_shard_matches_whole);
    tcase_add_test(tc, rotate_shard_matches_whole);
    tcase_add_test(tc, row_collectives);
    tcase_add_test(tc, split_propagation_matches_one_process);
    tcase_add_test(tc, halo_spmm_matches_replicated);
    tcase_add_test(tc, halo_rows_reverse_is_reduce_scatter);
    tcase_add_test(tc, halo_propagation_matches_split);
    tcase_add_test(tc, halo_fits_match_allgather);
    tcase_add_test(tc, halo_checkpoint_resumes);
    tcase_add_test(tc, best_rows_are_the_best_epoch);
    tcase_add_test(tc, ranks_without_rows);
    tcase_add_test(tc, ranks_without_rows_halo);
    tcase_add_test(tc, lightgcn_fast_sharded_adam);
    tcase_add_test(tc, lightgcn_sampled_sharded_adam);
    tcase_add_test(tc, mf_fast_sharded_adam);
    tcase_add_test(tc, gfcf_matches_one_rank);
    tcase_add_test(tc, cheby_matches_one_rank);
    tcase_add_test(tc, filters_wide_match_one_rank);
    tcase_add_test(tc, ease_matches_one_rank);
    tcase_add_test(tc, filters_with_other_threads_per_rank);
    tcase_add_test(tc, filter_search_matches_one_rank);
    tcase_add_test(tc, filter_search_stop_on_one_rank);
    tcase_add_test(tc, filter_budget_search);
    tcase_add_test(tc, sum_ordered_same_bits);
    tcase_add_test(tc, validation_split_matches_one_process);
    tcase_add_test(tc, lightgcn_fast_validation);
    tcase_add_test(tc, lightgcn_sampled_validation);
    tcase_add_test(tc, lightgcn_paper_validation);
    tcase_add_test(tc, mf_fast_validation);
    tcase_add_test(tc, mf_paper_validation);
    tcase_add_test(tc, kg_validation_split);
    tcase_add_test(tc, ease_search_matches_one_process);
    suite_add_tcase(s, tc);
    /* CK_RUN_CASE=pieces runs these alone */
    TCase *pieces = test_case("pieces");
    tcase_add_test(pieces, collectives_in_pieces);
    tcase_add_test(pieces, fits_in_pieces);
    suite_add_tcase(s, pieces);
    /* CK_RUN_CASE=faults runs these alone, CK_EXCLUDE_TAGS=faults the rest */
    TCase *faults = test_case("faults");
    tcase_set_tags(faults, "faults");
    tcase_add_test(faults, scratch_failure_on_one_rank);
    tcase_add_test(faults, fit_failure_on_one_rank);
    suite_add_tcase(s, faults);
    return fx_mpi_run(s, rank);
}
