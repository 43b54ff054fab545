#include "train/bpr_sampler.h"

#include <stdlib.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/rng.h"
#include "core/threads.h"
#include "kernels/parallel.h"

int gr_bpr_sampler_init(gr_bpr_sampler *s, const gr_graph *g, uint64_t seed, int how)
{
    s->g = g;
    s->how = how;
    s->seed = seed;
    s->epoch = -1;
    s->n_active = 0;
    s->order = gr_alloc(g->n_edges, sizeof *s->order);
    s->edge_user = gr_alloc(g->n_edges, sizeof *s->edge_user);
    s->active = gr_alloc(g->n_users ? g->n_users : 1, sizeof *s->active);
    if (!s->order || !s->edge_user || !s->active) {
        gr_bpr_sampler_free(s);
        return GR_ENOMEM;
    }
    for (size_t u = 0; u < g->n_users; u++)
        if (gr_csr_degree(&g->ui, u) > 0) s->active[s->n_active++] = (int32_t)u;
    for (size_t u = 0; u < g->n_users; u++)
        for (int64_t k = g->ui.ptr[u]; k < g->ui.ptr[u + 1]; k++) s->edge_user[k] = (int32_t)u;
    for (size_t k = 0; k < g->n_edges; k++) s->order[k] = (uint32_t)k;
    return GR_OK;
}

void gr_bpr_sampler_free(gr_bpr_sampler *s)
{
    free(s->order);
    free(s->edge_user);
    free(s->active);
    s->order = NULL;
    s->edge_user = NULL;
    s->active = NULL;
}

void gr_bpr_sampler_epoch(gr_bpr_sampler *s, int64_t e)
{
    s->epoch = e;
    if (s->how == GR_SAMPLE_BY_USER) return;
    gr_rng r = gr_rng_make(s->seed, 0x5eed000000000000ULL + (uint64_t)e);
    for (size_t k = s->g->n_edges; k > 1; k--) {
        size_t j = gr_rng_below(&r, (uint32_t)k);
        uint32_t t = s->order[k - 1];
        s->order[k - 1] = s->order[j];
        s->order[j] = t;
    }
}

static int has_item(const gr_csr *ui, int32_t u, int32_t item)
{
    const int32_t *c = ui->col + ui->ptr[u];
    size_t lo = 0, hi = (size_t)(ui->ptr[u + 1] - ui->ptr[u]);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (c[mid] < item) lo = mid + 1;
        else hi = mid;
    }
    return lo < (size_t)(ui->ptr[u + 1] - ui->ptr[u]) && c[lo] == item;
}

int32_t gr_sample_negative(const gr_graph *g, int32_t user, uint64_t seed, uint64_t stream, uint64_t key)
{
    size_t deg = gr_csr_degree(&g->ui, (size_t)user);
    if (deg >= g->n_items) return -1;
    /* Rejection: the expected number of draws is n / (n - deg). */
    for (uint64_t attempt = 0; attempt < 1000; attempt++) {
        int32_t j = (int32_t)gr_below(gr_hash3(seed, stream, key * 1024 + attempt), (uint32_t)g->n_items);
        if (!has_item(&g->ui, user, j)) return j;
    }
    /* A user with nearly every item: scan from a random start. */
    uint32_t start = gr_below(gr_hash3(seed, stream, ~key), (uint32_t)g->n_items);
    for (size_t k = 0; k < g->n_items; k++) {
        int32_t j = (int32_t)((start + k) % g->n_items);
        if (!has_item(&g->ui, user, j)) return j;
    }
    return -1;
}

void gr_bpr_sampler_batch(const gr_bpr_sampler *s, size_t start, size_t count, int negatives, int32_t *u, int32_t *pos,
                          int32_t *neg)
{
    const gr_graph *g = s->g;
    long n = (long)count;
    uint64_t stream = 0xb9e0000000000000ULL + (uint64_t)s->epoch;
    /* a draw is a few binary searches: about 64 element steps */
#pragma omp parallel for schedule(static) if (gr_parallel_worth(count * (size_t)negatives * 64)) num_threads(gr_threads())
    for (long k = 0; k < n; k++) {
        uint64_t at = (uint64_t)start + (uint64_t)k;
        int64_t e;
        int32_t user;
        if (s->how == GR_SAMPLE_BY_USER) {
            /* a stream of their own: no counter is shared with the negatives */
            uint64_t pick = stream ^ 0x7573657200000000ULL;
            user = s->active[gr_below(gr_hash3(s->seed, pick, at * 2), (uint32_t)s->n_active)];
            uint32_t deg = (uint32_t)gr_csr_degree(&g->ui, (size_t)user);
            e = g->ui.ptr[user] + gr_below(gr_hash3(s->seed, pick, at * 2 + 1), deg);
        } else {
            e = s->order[at];
            user = s->edge_user[e];
        }
        u[k] = user;
        pos[k] = g->ui.col[e];
        for (int q = 0; q < negatives; q++)
            neg[(size_t)k * (size_t)negatives + (size_t)q] =
                gr_sample_negative(g, user, s->seed, stream, ((uint64_t)start + (uint64_t)k) * 64 + (uint64_t)q);
    }
}
