/* Mini-batch blocks for GraphSAGE: deduplicated node lists per depth and sampled neighbours. */
#include "train/neighbor_sampler.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/rng.h"
#include "core/threads.h"

int gr_sage_sampler_init(gr_sage_sampler *s, const gr_graph *g, const uint8_t *chan_ui, const uint8_t *chan_iu,
                         int layers, const int *fanout, uint64_t seed)
{
    memset(s, 0, sizeof *s);
    if (layers < 1 || layers > GR_SAGE_MAX_LAYERS) return gr_err(GR_EINVAL, "GraphSAGE: %d layers, 1..%d supported", layers, GR_SAGE_MAX_LAYERS);
    s->g = g;
    s->chan_ui = chan_ui;
    s->chan_iu = chan_iu;
    s->layers = layers;
    for (int h = 0; h < layers; h++) s->fanout[h] = fanout[h];
    s->seed = seed;
    size_t ne = g->n_edges ? g->n_edges : 1;
    s->iu_edge = gr_alloc(ne, sizeof *s->iu_edge);
    s->excluded = gr_zalloc(ne, sizeof *s->excluded);
    s->picked = gr_zalloc(ne, sizeof *s->picked);
    for (int t = 0; t < 2; t++) {
        size_t n = (t == 0 ? g->n_users : g->n_items) + 1;
        s->cold[t] = gr_zalloc(n, sizeof *s->cold[t]);
        s->pos[t] = gr_alloc(n, sizeof *s->pos[t]);
        if (s->pos[t]) memset(s->pos[t], 0xff, n * sizeof *s->pos[t]);
    }
    if (!s->iu_edge || !s->excluded || !s->picked || !s->cold[0] || !s->cold[1] || !s->pos[0] || !s->pos[1]) {
        gr_sage_sampler_free(s);
        return GR_ENOMEM;
    }
    /* the iu CSR is the transpose of ui: walk ui in order and fill item rows */
    int64_t *fill = gr_alloc(g->n_items + 1, sizeof *fill);
    if (!fill) {
        gr_sage_sampler_free(s);
        return GR_ENOMEM;
    }
    memcpy(fill, g->iu.ptr, (g->n_items + 1) * sizeof *fill);
    for (size_t u = 0; u < g->n_users; u++)
        for (int64_t k = g->ui.ptr[u]; k < g->ui.ptr[u + 1]; k++) s->iu_edge[fill[g->ui.col[k]]++] = k;
    free(fill);
    return GR_OK;
}

void gr_sage_sampler_free(gr_sage_sampler *s)
{
    free(s->iu_edge);
    free(s->excluded);
    free(s->picked);
    free(s->scratch.at);
    free(s->scratch.got);
    free(s->scratch.out);
    for (int t = 0; t < 2; t++) {
        free(s->cold[t]);
        free(s->pos[t]);
    }
    memset(s, 0, sizeof *s);
}

void gr_sage_batch_begin(gr_sage_sampler *s)
{
    if (++s->stamp == 0) {
        size_t ne = s->g->n_edges ? s->g->n_edges : 1;
        memset(s->excluded, 0, ne * sizeof *s->excluded);
        memset(s->cold[0], 0, (s->g->n_users + 1) * sizeof *s->cold[0]);
        memset(s->cold[1], 0, (s->g->n_items + 1) * sizeof *s->cold[1]);
        s->stamp = 1;
    }
}

void gr_sage_block_free(gr_sage_block *b)
{
    for (int l = 0; l <= GR_SAGE_MAX_LAYERS; l++)
        for (int t = 0; t < 2; t++) {
            free(b->node[l][t]);
            free(b->hop[l][t].ptr);
            free(b->hop[l][t].nbr);
            free(b->hop[l][t].chan);
        }
    memset(b, 0, sizeof *b);
}

/* Position of v in a list of `*listed` nodes (pos: every node's position
 * or -1), appending it when new; the list has room for it. */
static inline int32_t number_node(int32_t *pos, int32_t *list, size_t *listed, int32_t v)
{
    int32_t p = pos[v];
    if (p >= 0) return p;
    p = (int32_t)(*listed)++;
    list[p] = v;
    pos[v] = p;
    return p;
}

/* Position of v in the depth-l list of type t, appending it when new. */
static int32_t add_node(gr_sage_sampler *s, gr_sage_block *b, int l, int t, int32_t v)
{
    if (gr_reserve((void **)&b->node[l][t], &b->cap[l][t], b->n[l][t] + 1, sizeof(int32_t)) != GR_OK) return -1;
    return number_node(s->pos[t], b->node[l][t], &b->n[l][t], v);
}

/* Room for `need` edges in the hop's lists. */
static int reserve_edges(gr_sage_hop *h, size_t need)
{
    if (need <= h->cap) return GR_OK;
    size_t cap = h->cap ? h->cap * 2 : 1024;
    while (cap < need) cap *= 2;
    int32_t *nb = gr_realloc(h->nbr, cap, sizeof *nb);
    if (!nb) return GR_ENOMEM;
    h->nbr = nb;
    uint8_t *ch = gr_realloc(h->chan, cap, sizeof *ch);
    if (!ch) return GR_ENOMEM;
    h->chan = ch;
    h->cap = cap;
    return GR_OK;
}

typedef struct row_view {
    const gr_csr *m;
    const uint8_t *chan;
    int user; /* rows of ui (1) or iu (0) */
} row_view;

static int64_t ui_pos(const gr_sage_sampler *s, const row_view *rv, int64_t k)
{
    return rv->user ? k : s->iu_edge[k];
}

/*
 * Up to f distinct non-excluded neighbours of row v, written as CSR
 * positions into out (room for min(f, degree), all of them when f is 0);
 * returns how many.  `stamp` marks the edges picked for this hop: rows own
 * disjoint edges and a hop visits each row once, so the rows of one hop
 * can share it and be sampled by different threads.
 */
static size_t pick(const gr_sage_sampler *s, const row_view *rv, int32_t v, int f, uint32_t stamp, gr_rng *r,
                   int64_t *out)
{
    int64_t lo = rv->m->ptr[v], deg = rv->m->ptr[v + 1] - lo;
    size_t got = 0;
    if (f == 0 || deg <= f) {
        for (int64_t k = lo; k < lo + deg; k++)
            if (!gr_sage_is_excluded(s, ui_pos(s, rv, k))) out[got++] = k;
        return got;
    }
    /* rejection: cheap while most edges are neither excluded nor picked */
    for (int tries = 0; got < (size_t)f && tries < 4 * f + 64; tries++) {
        int64_t k = lo + (int64_t)gr_rng_below(r, (uint32_t)deg);
        int64_t e = ui_pos(s, rv, k);
        if (gr_sage_is_excluded(s, e) || s->picked[e] == stamp) continue;
        s->picked[e] = stamp;
        out[got++] = k;
    }
    /* else a reservoir over what is left keeps the sample uniform */
    size_t need = (size_t)f - got, seen = 0;
    for (int64_t k = lo; need > 0 && k < lo + deg; k++) {
        int64_t e = ui_pos(s, rv, k);
        if (gr_sage_is_excluded(s, e) || s->picked[e] == stamp) continue;
        if (seen < need) {
            out[got + seen] = k;
        } else {
            uint64_t j = gr_rng_below(r, (uint32_t)(seen + 1));
            if (j < need) out[got + j] = k;
        }
        seen++;
    }
    return got + (seen < need ? seen : need);
}

static uint32_t next_pick_stamp(gr_sage_sampler *s)
{
    if (++s->pick_stamp == 0) {
        memset(s->picked, 0, (s->g->n_edges ? s->g->n_edges : 1) * sizeof *s->picked);
        s->pick_stamp = 1;
    }
    return s->pick_stamp;
}

/* Where each node's picks go: at[k] for node k, at[n] in all. */
static void pick_offsets(const gr_sage_sampler *s, const gr_sage_block *b, int l, int t, const gr_csr *m, int f,
                         int64_t *at)
{
    size_t n = b->n[l][t];
    at[0] = 0;
    for (size_t k = 0; k < n; k++) {
        int32_t v = b->node[l][t][k];
        int64_t deg = (int64_t)gr_csr_degree(m, (size_t)v);
        int64_t room = gr_sage_is_cold(s, t, v) ? 0 : f == 0 || deg <= f ? deg : f;
        at[k + 1] = at[k] + room;
    }
}

/*
 * A pick costs a few cache misses (the row, the exclusion and picked
 * stamps): 70 to 90 ns a sampled edge, deduplication included, on a graph
 * of 8 million edges (AMD EPYC).  Yet a hop gains from threads only from
 * about 16,000 picks (19,470 picks took 1.74 ms on two threads, 1.72 drawn
 * serially; 64,370 took 4.31 against 5.85): below that, seeding each node's
 * stream and handing out chunks of 256 nodes cost what the second thread
 * saves.  So the measured count itself decides, not gr_parallel_worth's
 * threshold of streamed elements.
 */
#define PARALLEL_PICKS 16384

/* Sample the neighbours of every depth-l node of type t into depth l - 1. */
static int sample_hop(gr_sage_sampler *s, gr_sage_block *b, int l, int t, uint64_t key, gr_sage_scratch *w)
{
    const gr_graph *g = s->g;
    row_view rv = { t == 0 ? &g->ui : &g->iu, t == 0 ? s->chan_ui : s->chan_iu, t == 0 };
    int f = s->fanout[b->layers - l];
    gr_sage_hop *h = &b->hop[l][t];
    size_t n = b->n[l][t];
    int64_t *ptr = gr_realloc(h->ptr, n + 1, sizeof *ptr);
    if (!ptr) return GR_ENOMEM;
    h->ptr = ptr;
    GR_TRY(gr_reserve((void **)&w->at, &w->at_cap, n + 1, sizeof *w->at));
    GR_TRY(gr_reserve((void **)&w->got, &w->got_cap, n + 1, sizeof *w->got));
    pick_offsets(s, b, l, t, rv.m, f, w->at);
    GR_TRY(gr_reserve((void **)&w->out, &w->out_cap, (size_t)w->at[n] + 1, sizeof *w->out));
    uint32_t stamp = next_pick_stamp(s);
    const int32_t *node = b->node[l][t];
    int64_t *at = w->at, *out = w->out;
    size_t *got = w->got;
    /* the draws are per node, so the picks are the same on any number of threads */
#pragma omp parallel for schedule(dynamic, 256) if (at[n] >= PARALLEL_PICKS) \
    num_threads(gr_threads())
    for (size_t k = 0; k < n; k++) {
        gr_rng r = gr_rng_make(s->seed, gr_hash3(key, (uint64_t)(l * 2 + t), (uint64_t)node[k]));
        got[k] = at[k + 1] > at[k] ? pick(s, &rv, node[k], f, stamp, &r, out + at[k]) : 0;
    }
    /* the lists of the next depth grow in node order, on one thread; room
     * for every pick first, so the loop itself cannot fail */
    const size_t picks = (size_t)at[n];
    GR_TRY(reserve_edges(h, picks + 1));
    GR_TRY(gr_reserve((void **)&b->node[l - 1][1 - t], &b->cap[l - 1][1 - t], b->n[l - 1][1 - t] + picks + 1,
                      sizeof(int32_t)));
    int32_t *pos = s->pos[1 - t], *list = b->node[l - 1][1 - t], *nbr = h->nbr;
    uint8_t *chan = h->chan;
    const int32_t *col = rv.m->col;
    size_t listed = b->n[l - 1][1 - t], e_at = 0;
    ptr[0] = 0;
    for (size_t k = 0; k < n; k++) {
        const int64_t *picked = out + at[k];
        for (size_t j = 0; j < got[k]; j++) {
            int64_t e = picked[j];
            nbr[e_at] = number_node(pos, list, &listed, col[e]);
            chan[e_at++] = rv.chan ? rv.chan[e] : 0;
        }
        ptr[k + 1] = (int64_t)e_at;
    }
    b->n[l - 1][1 - t] = listed;
    return GR_OK;
}

static int copy_prefix(gr_sage_block *b, int l)
{
    for (int t = 0; t < 2; t++) {
        GR_TRY(gr_reserve((void **)&b->node[l - 1][t], &b->cap[l - 1][t], b->n[l][t] + 1, sizeof(int32_t)));
        if (b->n[l][t]) memcpy(b->node[l - 1][t], b->node[l][t], b->n[l][t] * sizeof(int32_t));
        b->n[l - 1][t] = b->n[l][t];
    }
    return GR_OK;
}

static int sample_all(gr_sage_sampler *s, gr_sage_block *b, const int32_t *const targets[2], const size_t n_targets[2],
                      int32_t *const tpos[2], uint64_t key)
{
    int L = s->layers;
    for (int t = 0; t < 2; t++) {
        for (size_t k = 0; k < n_targets[t]; k++) {
            int32_t p = add_node(s, b, L, t, targets[t][k]);
            if (p < 0) return GR_ENOMEM;
            if (tpos[t]) tpos[t][k] = p;
        }
    }
    int rc = GR_OK;
    for (int l = L; l >= 1 && rc == GR_OK; l--) {
        rc = copy_prefix(b, l);
        for (int t = 0; t < 2 && rc == GR_OK; t++) rc = sample_hop(s, b, l, t, key, &s->scratch);
    }
    return rc;
}

int gr_sage_sample(gr_sage_sampler *s, gr_sage_block *b, const int32_t *const targets[2], const size_t n_targets[2],
                   int32_t *const tpos[2], uint64_t key)
{
    b->layers = s->layers;
    for (int l = 0; l <= s->layers; l++) b->n[l][0] = b->n[l][1] = 0;
    int rc = sample_all(s, b, targets, n_targets, tpos, key);
    /* every node given a position sits in some list (also after a failure) */
    for (int l = 0; l <= s->layers; l++)
        for (int t = 0; t < 2; t++)
            for (size_t k = 0; k < b->n[l][t]; k++) s->pos[t][b->node[l][t][k]] = -1;
    return rc;
}

int gr_sage_full_block(gr_sage_block *b, const gr_graph *g, const uint8_t *chan_ui, const uint8_t *chan_iu, int layers)
{
    memset(b, 0, sizeof *b);
    b->layers = layers;
    const gr_csr *m[2] = { &g->ui, &g->iu };
    const uint8_t *chan[2] = { chan_ui, chan_iu };
    size_t nn[2] = { g->n_users, g->n_items };
    for (int l = 0; l <= layers; l++) {
        for (int t = 0; t < 2; t++) {
            b->node[l][t] = gr_alloc(nn[t] + 1, sizeof(int32_t));
            if (!b->node[l][t]) goto fail;
            for (size_t v = 0; v < nn[t]; v++) b->node[l][t][v] = (int32_t)v;
            b->n[l][t] = b->cap[l][t] = nn[t];
            if (l == 0) continue;
            gr_sage_hop *h = &b->hop[l][t];
            size_t ne = g->n_edges ? g->n_edges : 1;
            h->ptr = gr_alloc(nn[t] + 1, sizeof *h->ptr);
            h->nbr = gr_alloc(ne, sizeof *h->nbr);
            h->chan = gr_zalloc(ne, sizeof *h->chan);
            if (!h->ptr || !h->nbr || !h->chan) goto fail;
            h->cap = ne;
            memcpy(h->ptr, m[t]->ptr, (nn[t] + 1) * sizeof *h->ptr);
            memcpy(h->nbr, m[t]->col, g->n_edges * sizeof *h->nbr);
            if (chan[t]) memcpy(h->chan, chan[t], g->n_edges);
        }
    }
    return GR_OK;
fail:
    gr_sage_block_free(b);
    return GR_ENOMEM;
}
