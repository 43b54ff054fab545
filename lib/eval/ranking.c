/*
 * Full ranking of all items for every test user, in parallel over blocks
 * of users.  Per-user metrics are stored and summed in user order, so the
 * result does not depend on the thread count.
 */
#include "eval/ranking.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/sorted.h"
#include "core/threads.h"
#include "dist/dist.h"
#include "kernels/dense.h"
#include "kernels/topk.h"

/* Users scored together: the graph filters' products with the interaction
 * matrix are as wide as it is, and vector products read each part of the
 * item vectors once for the whole block.  Also the unit of the sample of
 * users (sampled()). */
#define USER_BLOCK 64

/* The scores of the users [u0, u0 + nb), nb <= USER_BLOCK, of a source
 * whose model scores users or items itself (scores_in_parts serves the
 * others). */
static int score_users(const gr_rank_source *src, size_t u0, size_t nb, float *scores)
{
    const gr_model *m = src->model;
    if (m->ops->score_users) {
        int32_t rows[USER_BLOCK] = { 0 };
        for (size_t c = 0; c < nb; c++) rows[c] = (int32_t)(u0 + c);
        return m->ops->score_users(m, rows, nb, scores);
    }
    for (size_t b = 0; b < nb; b++)
        GR_TRY(gr_model_score_all(m, m->user_vec + (u0 + b) * m->dim, 0.0f, scores + b * src->n_items));
    return GR_OK;
}

typedef struct eval_job {
    const gr_rank_source *src;
    const gr_graph *exclude, *test;
    const int *ks;
    size_t nk, kmax;
    int failed; /* a block could not be scored (out of memory) */
} eval_job;

/* Whether the source's scores are products of its user and item vectors
 * (bare vectors, or a model that scores from its vectors), which can be
 * taken a part of the items at a time. */
static int scores_in_parts(const gr_rank_source *src) { return !src->model || gr_model_scores_vectors(src->model); }

int gr_rank_source_of_model(gr_rank_source *src, const gr_model *m)
{
    src->n_users = m->n_users;
    src->n_items = m->n_items;
    src->dim = m->dim;
    src->user_vec = m->user_vec;
    src->item_t = NULL;
    src->item_rows = m->item_vec;
    src->stride = m->item_stride;
    src->item_bias = m->item_bias;
    src->cat = m->graph->cat;
    src->model = m;
    src->user_range = 0;
    src->user_lo = src->user_hi = 0;
    gr_item_layouts items;
    GR_TRY(gr_model_item_layouts(&items, m));
    src->item_t = items.t;
    return GR_OK;
}

/* The layouts a source holds its item vectors in. */
static gr_item_layouts layouts_of(const gr_rank_source *src)
{
    return (gr_item_layouts){ src->item_rows, src->item_t, src->stride };
}

/* Whether a source's blocks are scored from its item rows, with the
 * users transposed (always where it has no item_t). */
static int from_rows(const gr_rank_source *src)
{
    const gr_item_layouts items = layouts_of(src);
    return gr_score_from_rows(&items, src->dim);
}

/*
 * Rank, cut and score the users [u0, u0 + nb) of a source scored by its
 * vectors, GR_SCORE_PART items at a time: the part's scores for the block (256
 * KB at 64 users) stay in cache while the users' top-k heaps take them,
 * where whole rows (64 x 40,981 floats on Gowalla, 10 MB) would go to
 * memory and back.  The heaps see every row in item order, so the lists
 * are those of whole rows (gr_topk_push).  top, topv: nb x kmax; ut:
 * USER_BLOCK x dim floats, the users transposed where they are scored
 * from the item rows.
 */
static void eval_block_parts(eval_job *J, size_t u0, size_t nb, double *per, float *scores, int32_t *top, float *topv,
                             float *ut)
{
    const gr_rank_source *src = J->src;
    const gr_csr *te = &J->test->ui, *ex = J->exclude ? &J->exclude->ui : NULL;
    const size_t n_items = src->n_items, d = src->dim, kmax = J->kmax;
    const gr_item_layouts items = layouts_of(src);
    const float *urows = src->user_vec + (src->user_range ? u0 - src->user_lo : u0) * d;
    const gr_user_block users = { urows, gr_score_from_rows(&items, d) ? ut : NULL, USER_BLOCK, nb };
    if (users.ut) gr_transpose_strided(ut, USER_BLOCK, users.u, d, nb, d);
    /* the users' excluded items still to mask, positions in their sorted rows */
    size_t m[USER_BLOCK] = { 0 }, next_ex[USER_BLOCK] = { 0 };
    for (size_t i0 = 0; i0 < n_items; i0 += GR_SCORE_PART) {
        const size_t w = n_items - i0 < GR_SCORE_PART ? n_items - i0 : GR_SCORE_PART;
        const float *bias = src->item_bias ? src->item_bias + i0 : NULL;
        gr_score_part(scores, &users, &items, i0, w, d, bias);
        for (size_t b = 0; b < nb; b++) {
            size_t u = u0 + b;
            if (gr_csr_degree(te, u) == 0) continue;
            float *row = scores + b * w;
            if (ex) next_ex[b] = gr_mask_sorted_run(row, ex->col + ex->ptr[u], next_ex[b], gr_csr_degree(ex, u), i0, w);
            m[b] = gr_topk_push(top + b * kmax, topv + b * kmax, m[b], row, i0, w, kmax);
        }
    }
    for (size_t b = 0; b < nb; b++) {
        size_t u = u0 + b, n_rel = gr_csr_degree(te, u);
        if (n_rel == 0) continue;
        gr_topk_sort(top + b * kmax, topv + b * kmax, m[b]);
        for (size_t c = 0; c < J->nk; c++)
            gr_list_metrics(per + (b * J->nk + c) * GR_METRIC_COUNT, top + b * kmax, m[b], te->col + te->ptr[u], n_rel,
                            J->ks[c]);
    }
}

/* Rank, cut and score the users [u0, u0 + nb) with per-thread buffers;
 * user u0 + b's metrics into per[b x nk x GR_METRIC_COUNT]. */
static void eval_block(eval_job *J, size_t u0, size_t nb, double *per, float *scores, int32_t *top, float *topv,
                       float *ut)
{
    if (scores_in_parts(J->src)) {
        eval_block_parts(J, u0, nb, per, scores, top, topv, ut);
        return;
    }
    const gr_csr *te = &J->test->ui;
    size_t n_items = J->src->n_items;
    if (score_users(J->src, u0, nb, scores) != GR_OK) {
#pragma omp atomic write
        J->failed = 1;
        return;
    }
    for (size_t b = 0; b < nb; b++) {
        size_t u = u0 + b;
        size_t n_rel = gr_csr_degree(te, u);
        if (n_rel == 0) continue;
        float *row = scores + b * n_items;
        if (J->exclude) {
            const gr_csr *ex = &J->exclude->ui;
            for (int64_t k = ex->ptr[u]; k < ex->ptr[u + 1]; k++) row[ex->col[k]] = -INFINITY;
        }
        size_t n_top = gr_topk(top, topv, row, n_items, J->kmax);
        for (size_t c = 0; c < J->nk; c++)
            gr_list_metrics(per + (b * J->nk + c) * GR_METRIC_COUNT, top, n_top, te->col + te->ptr[u], n_rel, J->ks[c]);
    }
}

static int check_eval(const gr_rank_source *src, const gr_graph *exclude, const gr_graph *test, const int *ks, size_t nk)
{
    if (!test || !ks || nk == 0) return gr_err(GR_EINVAL, "ranking evaluation needs a test graph and at least one cut-off");
    if (test->cat != src->cat || test->n_users != src->n_users || test->n_items != src->n_items)
        return gr_err(GR_EINVAL, "the test graph is not in the model's id space: load it with gr_graph_load_like()");
    if (exclude && (exclude->cat != src->cat || exclude->n_users != src->n_users || exclude->n_items != src->n_items))
        return gr_err(GR_EINVAL, "the exclude graph is not in the model's id space: load it with gr_graph_load_like()");
    if (src->user_range && (src->model || src->user_lo > src->user_hi || src->user_hi > src->n_users))
        return gr_err(GR_EINVAL, "ranking evaluation: user range [%zu, %zu) outside %zu users, or with a model",
                      src->user_lo, src->user_hi, src->n_users);
    for (size_t c = 0; c < nk; c++)
        if (ks[c] < 1 || (size_t)ks[c] > src->n_items)
            return gr_err(GR_ERANGE, "cut-off %d out of range 1..%zu (number of items)", ks[c], src->n_items);
    return GR_OK;
}

/*
 * Whether the block of user u (USER_BLOCK users) is in the sample of at
 * most max_users of the users with test edges (0: every user is): blocks
 * kept evenly over the user ids, block b when floor((b + 1) keep) >
 * floor(b keep), keep = max_users / users with test edges.
 */

static size_t users_with_edges(const gr_csr *te, size_t n_users)
{
    size_t users = 0;
    for (size_t u = 0; u < n_users; u++) users += te->ptr[u + 1] > te->ptr[u];
    return users;
}

static double keep_of(size_t users, size_t max_users)
{
    return max_users && users > max_users ? (double)max_users / (double)users : 1.0;
}

static double sample_keep(const gr_csr *te, size_t n_users, size_t max_users)
{
    return max_users ? keep_of(users_with_edges(te, n_users), max_users) : 1.0;
}

static int sampled(size_t u, double keep)
{
    size_t b = u / USER_BLOCK;
    return keep >= 1.0 || floor((double)(b + 1) * keep) > floor((double)b * keep);
}

size_t gr_rank_sample_users(const gr_graph *test, size_t max_users)
{
    const gr_csr *te = &test->ui;
    size_t all = users_with_edges(te, test->n_users);
    double keep = keep_of(all, max_users);
    if (keep >= 1.0) return all;
    size_t users = 0;
    for (size_t u = 0; u < test->n_users; u++) users += te->ptr[u + 1] > te->ptr[u] && sampled(u, keep);
    return users;
}

/*
 * This rank's blocks of `block` users: of the blocks that hold a user with
 * test edges in the sample, a contiguous equal share in rank order (all
 * of them alone), or with the source's user range its blocks, cut from
 * user_lo on.  The blocks are the single process's where they can be, so
 * a user is scored in the same block of users as alone.  *mine: the first
 * user of each, ascending.
 */
static int own_blocks(size_t **mine, size_t *n_mine, const gr_csr *te, const gr_rank_source *src, size_t block,
                      double keep, const gr_dist *d)
{
    const size_t first = src->user_range ? src->user_lo : 0, end = src->user_range ? src->user_hi : src->n_users;
    size_t nblocks = (end - first + block - 1) / block, active = 0;
    size_t *starts = gr_alloc(nblocks ? nblocks : 1, sizeof *starts);
    if (!starts) return GR_ENOMEM;
    for (size_t blk = 0; blk < nblocks; blk++) {
        size_t u0 = first + blk * block, u1 = u0 + block < end ? u0 + block : end;
        int wanted = 0;
        for (size_t u = u0; u < u1 && !wanted; u++) wanted = te->ptr[u + 1] > te->ptr[u] && sampled(u, keep);
        if (wanted) starts[active++] = u0;
    }
    size_t lo = 0, hi = active;
    if (d && !src->user_range) gr_dist_share(active, d->rank, d->size, &lo, &hi);
    memmove(starts, starts + lo, (hi - lo) * sizeof *starts);
    *mine = starts;
    *n_mine = hi - lo;
    return GR_OK;
}

/*
 * The sums over this rank's users of the per-user metrics, into
 * sums[0 .. nk x GR_METRIC_COUNT), and their number into sums[nk x
 * GR_METRIC_COUNT].  Per-user metrics are added in user order, so the sums
 * do not depend on the thread count.
 */
static int local_sums(double *sums, const gr_rank_source *src, const gr_graph *exclude, const gr_graph *test,
                      const int *ks, size_t nk, size_t max_users, const gr_dist *d)
{
    GR_TRY(check_eval(src, exclude, test, ks, nk));
    eval_job J = { src, exclude, test, ks, nk, 0, 0 };
    for (size_t c = 0; c < nk; c++)
        if ((size_t)ks[c] > J.kmax) J.kmax = (size_t)ks[c];
    size_t block = USER_BLOCK, n_mine = 0;
    size_t *mine = NULL;
    const size_t end = src->user_range ? src->user_hi : src->n_users;
    const double keep = sample_keep(&test->ui, src->n_users, max_users);
    GR_TRY(own_blocks(&mine, &n_mine, &test->ui, src, block, keep, d));
    const size_t width = nk * GR_METRIC_COUNT;
    int nthreads = gr_threads();
    /* scores of the block (or of a part of its rows), then its heaps, then
     * its users transposed */
    size_t width_scored = scores_in_parts(src) && src->n_items > GR_SCORE_PART ? GR_SCORE_PART : src->n_items;
    size_t ut_len = scores_in_parts(src) && from_rows(src) ? block * src->dim : 0;
    size_t per_thread = block * width_scored + 2 * block * J.kmax + ut_len;
    double *per_user = gr_zalloc((n_mine ? n_mine : 1) * block * width, sizeof(double));
    float *buf = gr_alloc((size_t)nthreads * per_thread, sizeof(float));
    int32_t *tops = gr_alloc((size_t)nthreads * block * J.kmax, sizeof(int32_t));
    int rc = per_user && buf && tops ? GR_OK : GR_ENOMEM;
    if (rc == GR_OK) {
#pragma omp parallel for schedule(dynamic, 1) num_threads(nthreads)
        for (long i = 0; i < (long)n_mine; i++) {
            int t = omp_get_thread_num();
            size_t u0 = mine[i], nb = end - u0 < block ? end - u0 : block;
            float *scores = buf + (size_t)t * per_thread;
            eval_block(&J, u0, nb, per_user + (size_t)i * block * width, scores, tops + (size_t)t * block * J.kmax,
                       scores + block * width_scored, scores + block * width_scored + 2 * block * J.kmax);
        }
        if (J.failed) rc = gr_err(GR_ENOMEM, "out of memory scoring the users");
    }
    if (rc == GR_OK) {
        memset(sums, 0, (width + 1) * sizeof *sums);
        for (size_t i = 0; i < n_mine; i++)
            for (size_t b = 0; b < block && mine[i] + b < end; b++) {
                size_t u = mine[i] + b;
                if (gr_csr_degree(&test->ui, u) == 0 || !sampled(u, keep)) continue;
                sums[width] += 1.0;
                const double *pu = per_user + (i * block + b) * width;
                for (size_t j = 0; j < width; j++) sums[j] += pu[j];
            }
    }
    free(mine);
    free(per_user);
    free(buf);
    free(tops);
    return rc;
}

int gr_rank_eval_on(double *out, size_t *n_users, const gr_rank_source *src, const gr_graph *exclude,
                    const gr_graph *test, const int *ks, size_t nk, size_t max_users, gr_dist *d)
{
    const size_t width = nk * GR_METRIC_COUNT;
    double *sums = gr_alloc(width + 1, sizeof *sums);
    int rc = sums ? local_sums(sums, src, exclude, test, ks, nk, max_users, d) : GR_ENOMEM;
    /* every rank learns of a failure on any rank before the exchange */
    if (d) rc = gr_dist_agree(d, rc);
    if (rc == GR_OK) rc = gr_dist_sum_ordered(d, sums, width + 1);
    size_t users = rc == GR_OK ? (size_t)sums[width] : 0;
    if (rc == GR_OK) {
        for (size_t j = 0; j < width; j++) out[j] = users ? sums[j] / (double)users : 0.0;
        if (n_users) *n_users = users;
        if (!users) rc = gr_err(GR_ESTATE, "the test graph has no users with edges");
    }
    free(sums);
    return rc;
}

int gr_rank_eval(double *out, size_t *n_users, const gr_rank_source *src, const gr_graph *exclude,
                 const gr_graph *test, const int *ks, size_t nk)
{
    return gr_rank_eval_on(out, n_users, src, exclude, test, ks, nk, 0, NULL);
}

int gr_eval_ranking(double *out, size_t *n_users, const gr_model *m, const gr_graph *exclude, const gr_graph *test,
                    const int *ks, size_t nk)
{
    if (!out || !m) return gr_err(GR_EINVAL, "gr_eval_ranking: NULL argument");
    gr_rank_source src;
    GR_TRY(gr_rank_source_of_model(&src, m));
    return gr_rank_eval(out, n_users, &src, exclude, test, ks, nk);
}
