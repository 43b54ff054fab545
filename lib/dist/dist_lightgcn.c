/*
 * The paper schedule of LightGCN and MF across ranks (dist_train.h).  The
 * sampler draws every triple from (seed, epoch, position), so a rank that
 * takes positions [lo, hi) of a batch draws exactly the triples and
 * negatives the single-process run draws there; the batch gradient is the
 * sum of the ranks' gradients, each weighted by its share of the batch.
 */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "dist/dist_train.h"

/* The rows (users, positives, negatives) a rank's MF gradient touches,
 * each once.  mark has n bytes, all zero on entry and on return. */
static size_t touched_rows(const gr_lgcn_settings_t *s, const gr_lgcn_work *w, size_t count, uint8_t *mark,
                           int32_t *rows)
{
    size_t k = 0, nu = s->n_users, per = (size_t)s->negatives;
    for (size_t q = 0; q < count; q++) {
        int32_t cand[2] = { w->u[q], (int32_t)(nu + (size_t)w->pos[q]) };
        for (int c = 0; c < 2; c++)
            if (!mark[cand[c]]) mark[cand[c]] = 1, rows[k++] = cand[c];
        for (size_t j = 0; j < per; j++) {
            int32_t n = w->neg[q * per + j];
            if (n < 0) continue;
            int32_t r = (int32_t)(nu + (size_t)n);
            if (!mark[r]) mark[r] = 1, rows[k++] = r;
        }
    }
    for (size_t q = 0; q < k; q++) mark[rows[q]] = 0;
    return k;
}

/* Without propagation layers (MF) the gradient lives on the batch's rows:
 * exchange those; with layers it is dense. */
static int sum_gradient(gr_dist *d, const gr_lgcn_settings_t *s, gr_lgcn_work *w, size_t mine)
{
    if (s->layers > 0) return gr_dist_allreduce_grad(d, w->gsum, s->n * s->d);
    uint8_t *mark = gr_zalloc(s->n, 1);
    int32_t *rows = gr_alloc(mine * (2 + (size_t)s->negatives) + 1, sizeof *rows);
    /* agreed: a rank without them would not enter the exchange */
    int rc = gr_dist_agree(d, mark && rows ? GR_OK : GR_ENOMEM);
    if (rc == GR_OK) rc = gr_dist_sum_rows(d, w->gsum, s->n, s->d, rows, touched_rows(s, w, mine, mark, rows));
    free(mark);
    free(rows);
    return rc;
}

/* `shard` 1: the summed gradient of this rank's rows [lo, hi): LightGCN's
 * reduce-scattered into g_own (the allreduce's first half), MF's touched
 * rows summed as without `shard` (every rank gets every row; it keeps its
 * own, in place). */
static const float *own_gradient(gr_dist *d, const gr_lgcn_settings_t *s, gr_lgcn_work *w, size_t mine, size_t lo,
                                 float *g_own, int *rc)
{
    if (s->layers > 0) {
        *rc = gr_dist_reduce_scatter_rows(d, w->gsum, g_own, s->n, s->d);
        return g_own;
    }
    *rc = sum_gradient(d, s, w, mine);
    return w->gsum + lo * s->d;
}

double gr_dist_lgcn_step(gr_dist *d, const gr_lgcn_settings_t *s, gr_lgcn_work *w, float *e0, gr_adam *adam,
                         const gr_bpr_sampler *smp, size_t start, size_t count, float *g_own, int *rc)
{
    size_t lo, hi;
    gr_dist_share(count, d->rank, d->size, &lo, &hi);
    const size_t mine = hi - lo, nd = s->n * s->d;
    double loss = 0.0;
    if (mine > 0) {
        gr_bpr_sampler_batch(smp, start + lo, mine, s->negatives, w->u, w->pos, w->neg);
        /* the local loss and gradient are means over this rank's share */
        const double share = (double)mine / (double)count;
        loss = gr_lgcn_loss_grad(s, w, e0, mine) * share;
        const float f = (float)share;
        for (size_t k = 0; k < nd; k++) w->gsum[k] *= f;
    } else {
        memset(w->gsum, 0, nd * sizeof *w->gsum);
    }
    /* the rows this rank steps: every row, or with g_own its own */
    size_t r0 = 0, r1 = s->n;
    if (g_own) gr_dist_rows(d, s->n, &r0, &r1);
    const float *g = w->gsum;
    if (g_own) g = own_gradient(d, s, w, mine, r0, g_own, rc);
    else *rc = sum_gradient(d, s, w, mine);
    if (*rc == GR_OK) *rc = gr_dist_allreduce_sum(d, &loss, 1);
    if (*rc != GR_OK) return loss;
    gr_adam_step(adam, e0 + r0 * s->d, g);
    /* with g_own the owners' rows go to every rank */
    if (g_own) *rc = gr_dist_allgather_rows(d, e0, s->n, s->d);
    return loss;
}
