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
#include "core/threads.h"
#include "kernels/dense.h"
#include "kernels/topk.h"

#define USER_BLOCK 16
/* Kinds that score users themselves (the graph filters) share work across
 * a block: products with the interaction matrix are as wide as it is. */
#define WIDE_BLOCK 64

void gr_rank_source_of_model(gr_rank_source *src, const gr_model *m)
{
    src->n_users = m->n_users;
    src->n_items = m->n_items;
    src->dim = m->dim;
    src->user_vec = m->user_vec;
    src->item_t = m->item_vec_t;
    src->stride = m->item_stride;
    src->item_bias = m->item_bias;
    src->cat = m->graph->cat;
    src->model = m;
}

static int score_users(const gr_rank_source *src, size_t u0, size_t nb, float *scores)
{
    const gr_model *m = src->model;
    if (m && m->ops && m->ops->score_users) return m->ops->score_users(m, u0, nb, scores);
    if (m && m->ops && m->ops->score_items) {
        for (size_t b = 0; b < nb; b++) gr_model_score_all(m, m->user_vec + (u0 + b) * m->dim, 0.0f, scores + b * src->n_items);
        return GR_OK;
    }
    gr_score_block(scores, src->user_vec + u0 * src->dim, nb, src->item_t, src->n_items, src->stride, src->dim,
                   src->item_bias);
    return GR_OK;
}

typedef struct eval_job {
    const gr_rank_source *src;
    const gr_graph *exclude, *test;
    const int *ks;
    size_t nk, kmax;
    double *per_user; /* n_users x nk x GR_METRIC_COUNT */
    int failed;       /* a block could not be scored (out of memory) */
} eval_job;

/* Rank, cut and score the users [u0, u0 + nb) with per-thread buffers. */
static void eval_block(eval_job *J, size_t u0, size_t nb, float *scores, int32_t *top, float *topv)
{
    const gr_csr *te = &J->test->ui;
    size_t n_items = J->src->n_items, n_test = 0;
    for (size_t b = 0; b < nb; b++) n_test += gr_csr_degree(te, u0 + b);
    if (n_test == 0) return; /* nothing to rank: a subset of the users is being evaluated */
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
            gr_list_metrics(J->per_user + (u * J->nk + c) * GR_METRIC_COUNT, top, n_top, te->col + te->ptr[u], n_rel,
                            J->ks[c]);
    }
}

static int check_eval(const gr_rank_source *src, const gr_graph *exclude, const gr_graph *test, const int *ks, size_t nk)
{
    if (!test || !ks || nk == 0) return gr_err(GR_EINVAL, "ranking evaluation needs a test graph and at least one cut-off");
    if (test->cat != src->cat || test->n_users != src->n_users || test->n_items != src->n_items)
        return gr_err(GR_EINVAL, "the test graph is not in the model's id space: load it with gr_graph_load_like()");
    if (exclude && (exclude->cat != src->cat || exclude->n_users != src->n_users || exclude->n_items != src->n_items))
        return gr_err(GR_EINVAL, "the exclude graph is not in the model's id space: load it with gr_graph_load_like()");
    for (size_t c = 0; c < nk; c++)
        if (ks[c] < 1 || (size_t)ks[c] > src->n_items)
            return gr_err(GR_ERANGE, "cut-off %d out of range 1..%zu (number of items)", ks[c], src->n_items);
    return GR_OK;
}

int gr_rank_eval(double *out, size_t *n_users, const gr_rank_source *src, const gr_graph *exclude,
                 const gr_graph *test, const int *ks, size_t nk)
{
    GR_TRY(check_eval(src, exclude, test, ks, nk));
    eval_job J = { src, exclude, test, ks, nk, 0, NULL, 0 };
    for (size_t c = 0; c < nk; c++)
        if ((size_t)ks[c] > J.kmax) J.kmax = (size_t)ks[c];
    J.per_user = gr_zalloc(src->n_users * nk * GR_METRIC_COUNT, sizeof(double));
    if (!J.per_user) return GR_ENOMEM;
    int nthreads = gr_threads();
    const gr_model *m = src->model;
    size_t block = m && m->ops && m->ops->score_users ? WIDE_BLOCK : USER_BLOCK;
    size_t per_thread = block * src->n_items + 2 * J.kmax;
    float *buf = gr_alloc((size_t)nthreads * per_thread, sizeof(float));
    int32_t *tops = gr_alloc((size_t)nthreads * J.kmax, sizeof(int32_t));
    if (!buf || !tops) {
        free(J.per_user);
        free(buf);
        free(tops);
        return GR_ENOMEM;
    }
    long nblocks = (long)((src->n_users + block - 1) / block);
#pragma omp parallel for schedule(dynamic, 1) num_threads(nthreads)
    for (long blk = 0; blk < nblocks; blk++) {
        int t = omp_get_thread_num();
        size_t u0 = (size_t)blk * block;
        size_t nb = src->n_users - u0 < block ? src->n_users - u0 : block;
        float *scores = buf + (size_t)t * per_thread;
        eval_block(&J, u0, nb, scores, tops + (size_t)t * J.kmax, scores + block * src->n_items);
    }
    if (J.failed) {
        free(J.per_user);
        free(buf);
        free(tops);
        return gr_err(GR_ENOMEM, "out of memory scoring the users");
    }
    size_t users = 0;
    memset(out, 0, nk * GR_METRIC_COUNT * sizeof *out);
    for (size_t u = 0; u < src->n_users; u++) {
        if (gr_csr_degree(&test->ui, u) == 0) continue;
        users++;
        for (size_t j = 0; j < nk * GR_METRIC_COUNT; j++) out[j] += J.per_user[u * nk * GR_METRIC_COUNT + j];
    }
    for (size_t j = 0; j < nk * GR_METRIC_COUNT && users; j++) out[j] /= (double)users;
    if (n_users) *n_users = users;
    free(J.per_user);
    free(buf);
    free(tops);
    return users ? GR_OK : gr_err(GR_ESTATE, "the test graph has no users with edges");
}

int gr_eval_ranking(double *out, size_t *n_users, const gr_model *m, const gr_graph *exclude, const gr_graph *test,
                    const int *ks, size_t nk)
{
    if (!out || !m) return gr_err(GR_EINVAL, "gr_eval_ranking: NULL argument");
    gr_rank_source src;
    gr_rank_source_of_model(&src, m);
    return gr_rank_eval(out, n_users, &src, exclude, test, ks, nk);
}
