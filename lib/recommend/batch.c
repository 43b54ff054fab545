/*
 * Top-k for many known users at once.  Users are scored in blocks, so that
 * each block of item vectors loaded into cache serves several users (the
 * kernel of full-ranking evaluation), and blocks are spread over threads;
 * every user's list is the one gr_model_recommend() gives.
 */
#include <gnnrec/recommend.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/sorted.h"
#include "core/threads.h"
#include "kernels/dense.h"
#include "kernels/rows.h"
#include "kernels/topk.h"
#include "recommend/filter.h"

#define USER_BLOCK 16

typedef struct batch_job {
    const gr_model *m;
    gr_item_layouts layouts; /* what the scores read (gr_model_item_layouts) */
    const gr_rec_filter *f;
    const int32_t *rows; /* dense user index of each requested user */
    size_t n_users, k;
    size_t *counts;
    int64_t *items;
    float *scores;
    int *failed; /* set when a block could not be scored (GR_ENOMEM) */
} batch_job;

/* Scores of the users rows[0..nb) into out (nb x n_items), biases added,
 * for the kinds that score items themselves (run_block_parts serves the
 * others). */
static int score_block(const gr_model *m, const int32_t *rows, size_t nb, float *out)
{
    size_t d = m->dim, ni = m->n_items;
    /* graph filters, EASE: scores are not a function of a user vector; a
     * block's users share the reads of a filter's item factors */
    if (m->ops->score_users) return m->ops->score_users(m, rows, nb, out);
    for (size_t b = 0; b < nb; b++)
        GR_TRY(gr_model_score_all(m, m->user_vec + (size_t)rows[b] * d, m->user_bias ? m->user_bias[rows[b]] : 0.0f,
                                  out + b * ni));
    return GR_OK;
}

/* Write user r's list of n (heap idx, val) into its row of the output. */
static void emit(const batch_job *J, size_t r, int32_t *idx, float *val, size_t n)
{
    int64_t *items = J->items + r * J->k;
    float *scores = J->scores ? J->scores + r * J->k : NULL;
    J->counts[r] = gr_rec_filter_emit(J->f, J->m, idx, val, n, items, scores);
    for (size_t q = n; q < J->k; q++) {
        items[q] = -1;
        if (scores) scores[q] = NAN;
    }
}

/*
 * Lists of the users [r0, r0 + nb) of a model scored by its vectors,
 * GR_SCORE_PART items at a time: each user's heap takes the part's
 * filtered scores while they are in cache, and a thread holds a part of
 * the block's rows, not whole rows (16 x 4 MB on a million items).  The
 * heaps see every row in item order: the lists of whole rows.  idx, val:
 * nb x k.
 */
static void run_block_parts(const batch_job *J, size_t r0, size_t nb, float *uvec, float *sc, int32_t *idx, float *val)
{
    const gr_model *m = J->m;
    const gr_csr *ui = &m->graph->ui;
    const size_t d = m->dim, ni = m->n_items, k = J->k;
    /* the users' seen items still to mask, positions in their sorted rows */
    size_t got[USER_BLOCK] = { 0 }, next_seen[USER_BLOCK] = { 0 };
    /* the block's vectors gathered (uvec: USER_BLOCK rows), and transposed
     * after them where the scores are taken from the item rows */
    const gr_item_layouts *layouts = &J->layouts;
    float *ut = gr_score_from_rows(layouts, d) ? uvec + USER_BLOCK * d : NULL;
    gr_rows_gather(uvec, ut, USER_BLOCK, m->user_vec, J->rows + r0, nb, d);
    const gr_user_block users = { uvec, ut, USER_BLOCK, nb };
    for (size_t i0 = 0; i0 < ni; i0 += GR_SCORE_PART) {
        const size_t w = ni - i0 < GR_SCORE_PART ? ni - i0 : GR_SCORE_PART;
        const float *bias = m->item_bias ? m->item_bias + i0 : NULL;
        gr_score_part(sc, &users, layouts, i0, w, d, bias);
        for (size_t b = 0; b < nb; b++) {
            size_t u = (size_t)J->rows[r0 + b];
            float *row = sc + b * w;
            float add = (m->user_bias ? m->user_bias[u] : 0.0f) + m->global_bias;
            if (add != 0.0f)
                for (size_t j = 0; j < w; j++) row[j] += add;
            if (J->f->o.exclude_seen)
                next_seen[b] = gr_mask_sorted_run(row, ui->col + ui->ptr[u], next_seen[b], gr_csr_degree(ui, u), i0, w);
            gr_rec_filter_apply_part(J->f, m, row, i0, w);
            got[b] = gr_topk_push(idx + b * k, val + b * k, got[b], row, i0, w, k);
        }
    }
    for (size_t b = 0; b < nb; b++) emit(J, r0 + b, idx + b * k, val + b * k, got[b]);
}

/* Lists of the users [r0, r0 + nb) into their rows of the output. */
static void run_block(const batch_job *J, size_t r0, size_t nb, float *uvec, float *sc, int32_t *idx, float *val)
{
    if (gr_model_scores_vectors(J->m)) {
        run_block_parts(J, r0, nb, uvec, sc, idx, val);
        return;
    }
    const gr_model *m = J->m;
    const gr_csr *ui = &m->graph->ui;
    size_t ni = m->n_items, k = J->k;
    if (score_block(m, J->rows + r0, nb, sc) != GR_OK) {
        /* a kind that scores users itself ran out of memory: this block's rows stay empty */
#pragma omp atomic write
        *J->failed = 1;
        nb = 0;
    }
    for (size_t b = 0; b < nb; b++) {
        size_t r = r0 + b, u = (size_t)J->rows[r];
        float *row = sc + b * ni;
        if (J->f->o.exclude_seen)
            for (int64_t e = ui->ptr[u]; e < ui->ptr[u + 1]; e++) row[ui->col[e]] = -INFINITY;
        gr_rec_filter_apply(J->f, m, row);
        emit(J, r, idx, val, gr_topk_push(idx, val, 0, row, 0, ni, k));
    }
}

/* Dense indices of the requested users; an unknown one fails the call. */
static int map_users(int32_t **out, const gr_model *m, const int64_t *users, size_t n_users)
{
    int32_t *rows = gr_alloc(n_users ? n_users : 1, sizeof *rows);
    if (!rows) return GR_ENOMEM;
    for (size_t r = 0; r < n_users; r++) {
        rows[r] = gr_graph_user_index(m->graph, users[r]);
        if (rows[r] < 0 || (size_t)rows[r] >= m->n_users) {
            free(rows);
            return gr_err(GR_ENOTFOUND, "unknown user id %lld (users[%zu])", (long long)users[r], r);
        }
    }
    *out = rows;
    return GR_OK;
}

static int run_all(const batch_job *J)
{
    const gr_model *m = J->m;
    int nthreads = gr_threads();
    long nblocks = (long)((J->n_users + USER_BLOCK - 1) / USER_BLOCK);
    if (nthreads > nblocks) nthreads = nblocks > 0 ? (int)nblocks : 1;
    /* the block's user vectors (rows, then transposed), its scores (whole
     * rows, or a part of them), then its heaps' values; the heaps' indices
     * apart */
    const size_t width = gr_model_scores_vectors(m) && m->n_items > GR_SCORE_PART ? GR_SCORE_PART : m->n_items;
    size_t per_thread = USER_BLOCK * (2 * m->dim + width + J->k);
    float *buf = gr_alloc_floats((size_t)nthreads * per_thread);
    int32_t *idx = gr_alloc((size_t)nthreads * USER_BLOCK * J->k, sizeof *idx);
    if (!buf || !idx) {
        free(buf);
        free(idx);
        return GR_ENOMEM;
    }
#pragma omp parallel for schedule(dynamic, 1) num_threads(nthreads)
    for (long blk = 0; blk < nblocks; blk++) {
        int t = omp_get_thread_num();
        size_t r0 = (size_t)blk * USER_BLOCK;
        size_t nb = J->n_users - r0 < USER_BLOCK ? J->n_users - r0 : USER_BLOCK;
        float *uvec = buf + (size_t)t * per_thread, *sc = uvec + 2 * USER_BLOCK * m->dim;
        run_block(J, r0, nb, uvec, sc, idx + (size_t)t * USER_BLOCK * J->k, sc + USER_BLOCK * width);
    }
    free(buf);
    free(idx);
    return GR_OK;
}

int gr_model_recommend_batch(size_t *counts, const gr_model *m, const int64_t *users, size_t n_users, size_t k,
                             const gr_rec_options *opts, int64_t *items, float *scores)
{
    if (!counts || !m || !items || (n_users && !users)) return gr_err(GR_EINVAL, "gr_model_recommend_batch: NULL argument");
    if (k < 1 || k > m->n_items)
        return gr_err(GR_ERANGE, "gr_model_recommend_batch: k = %zu out of range 1..%zu (number of items)", k, m->n_items);
    if (n_users > SIZE_MAX / k) return gr_err(GR_ERANGE, "gr_model_recommend_batch: %zu users x k = %zu overflows", n_users, k);
    int32_t *rows = NULL;
    GR_TRY(map_users(&rows, m, users, n_users));
    gr_rec_filter f;
    int rc = gr_rec_filter_init(&f, m, opts);
    if (rc == GR_OK) {
        int failed = 0;
        batch_job J = { m, { NULL, NULL, 0 }, &f, rows, n_users, k, counts, items, scores, &failed };
        /* made before the threads start: the transposed table once, where it is read */
        rc = gr_model_item_layouts(&J.layouts, m);
        if (rc == GR_OK) rc = run_all(&J);
        if (rc == GR_OK && failed) rc = gr_err(GR_ENOMEM, "gr_model_recommend_batch: out of memory scoring users");
        gr_rec_filter_free(&f);
    }
    free(rows);
    return rc;
}
