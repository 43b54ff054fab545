/* Building graphs: id mapping, filtering, folding duplicates, CSR both ways. */
#include "graph/graph.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"

void gr_csr_free(gr_csr *m)
{
    free(m->ptr);
    free(m->col);
    free(m->val);
    free(m->ts);
    memset(m, 0, sizeof *m);
}

gr_graph *gr_graph_ref(const gr_graph *g)
{
    gr_graph *w = (gr_graph *)g;
    __atomic_add_fetch(&w->refs, 1, __ATOMIC_RELAXED);
    return w;
}

void gr_graph_free(gr_graph *g)
{
    if (!g || __atomic_sub_fetch(&g->refs, 1, __ATOMIC_ACQ_REL) != 0) return;
    gr_csr_free(&g->ui);
    gr_csr_free(&g->iu);
    gr_catalog_unref(g->cat);
    free(g);
}

/* Edges in dense ids, before sorting: the pair alone.  A kept edge's
 * rating and timestamp are read from the input when the CSR is filled
 * (src[k] is its input position; NULL when every input edge was kept), so
 * that the build holds 8 bytes an edge besides the input and the CSR. */
typedef struct dense_edges {
    size_t n;
    int32_t *u, *i;
    uint32_t *src;
} dense_edges;

static void dense_free(dense_edges *d)
{
    free(d->u);
    free(d->i);
    free(d->src);
    memset(d, 0, sizeof *d);
}

static int dense_alloc(dense_edges *d, size_t n)
{
    memset(d, 0, sizeof *d);
    d->u = gr_alloc(n, sizeof *d->u);
    d->i = gr_alloc(n, sizeof *d->i);
    if (!d->u || !d->i) {
        dense_free(d);
        return GR_ENOMEM;
    }
    return GR_OK;
}

/* Input positions of the kept edges, made when the first edge is dropped
 * (the kept ones before it are positions 0 .. n - 1). */
static int note_dropped(dense_edges *d, size_t total)
{
    if (d->src) return GR_OK;
    d->src = gr_alloc(total ? total : 1, sizeof *d->src);
    if (!d->src) return GR_ENOMEM;
    for (size_t k = 0; k < d->n; k++) d->src[k] = (uint32_t)k;
    return GR_OK;
}

/* Map external ids to dense ones, dropping filtered or unknown edges. */
static int map_edges(dense_edges *d, gr_catalog *cat, const gr_edges *e, double min_rating, int grow,
                     size_t *skipped)
{
    GR_TRY(dense_alloc(d, e->n));
    for (size_t k = 0; k < e->n; k++) {
        int32_t u = -1, i = -1;
        if (min_rating > 0 && !(gr_edges_rating(e, k) >= min_rating)) {
            /* dropped, not counted as skipped */
        } else if (grow) {
            u = gr_catalog_add_user(cat, e->user[k]);
            i = gr_catalog_add_item(cat, e->item[k]);
            if (u < 0 || i < 0) {
                dense_free(d);
                return gr_last_error_code();
            }
        } else {
            u = gr_idmap_find(&cat->users, e->user[k]);
            i = gr_idmap_find(&cat->items, e->item[k]);
            if (u < 0 || i < 0) (*skipped)++;
        }
        if (u < 0 || i < 0) {
            if (note_dropped(d, e->n) != GR_OK) {
                dense_free(d);
                return GR_ENOMEM;
            }
            continue;
        }
        if (d->src) d->src[d->n] = (uint32_t)k;
        d->u[d->n] = u;
        d->i[d->n] = i;
        d->n++;
    }
    return GR_OK;
}

/* Stable counting sort of perm[] by key[perm[k]] in [0, nkeys). */
static int counting_sort(uint32_t *perm, size_t n, const int32_t *key, size_t nkeys)
{
    int64_t *start = gr_zalloc(nkeys + 1, sizeof *start);
    uint32_t *tmp = gr_alloc(n, sizeof *tmp);
    if (!start || !tmp) {
        free(start);
        free(tmp);
        return GR_ENOMEM;
    }
    for (size_t k = 0; k < n; k++) start[key[perm[k]] + 1]++;
    for (size_t b = 0; b < nkeys; b++) start[b + 1] += start[b];
    for (size_t k = 0; k < n; k++) tmp[start[key[perm[k]]]++] = perm[k];
    memcpy(perm, tmp, n * sizeof *perm);
    free(start);
    free(tmp);
    return GR_OK;
}

static int csr_alloc(gr_csr *m, size_t nrows, size_t nnz, int with_val, int with_ts)
{
    memset(m, 0, sizeof *m);
    m->nrows = nrows;
    m->ptr = gr_zalloc(nrows + 1, sizeof *m->ptr);
    m->col = gr_alloc(nnz, sizeof *m->col);
    if (with_val) m->val = gr_alloc(nnz, sizeof *m->val);
    if (with_ts) m->ts = gr_alloc(nnz, sizeof *m->ts);
    if (!m->ptr || !m->col || (with_val && !m->val) || (with_ts && !m->ts)) {
        gr_csr_free(m);
        return GR_ENOMEM;
    }
    return GR_OK;
}

/*
 * User -> item CSR from edges sorted by (user, item, input order); of equal
 * pairs the last is kept.
 */
static int build_ui(gr_graph *g, const dense_edges *d, const uint32_t *perm, const gr_edges *e)
{
    size_t nnz = 0;
    for (size_t k = 0; k < d->n; k++) {
        size_t next = k + 1;
        uint32_t a = perm[k];
        if (next < d->n && d->u[perm[next]] == d->u[a] && d->i[perm[next]] == d->i[a]) continue;
        nnz++;
    }
    /* a rating column only where the parsed edges held one */
    GR_TRY(csr_alloc(&g->ui, g->n_users, nnz, e->rating != NULL, g->has_ts));
    size_t w = 0;
    for (size_t k = 0; k < d->n; k++) {
        uint32_t a = perm[k];
        if (k + 1 < d->n && d->u[perm[k + 1]] == d->u[a] && d->i[perm[k + 1]] == d->i[a]) continue;
        g->ui.ptr[d->u[a] + 1]++;
        const size_t at = d->src ? d->src[a] : a;
        g->ui.col[w] = d->i[a];
        if (g->ui.val) g->ui.val[w] = e->rating[at];
        if (g->ui.ts) g->ui.ts[w] = gr_edges_ts(e, at);
        w++;
    }
    for (size_t r = 0; r < g->n_users; r++) g->ui.ptr[r + 1] += g->ui.ptr[r];
    g->n_edges = nnz;
    return GR_OK;
}

/* Item -> user CSR as the transpose of ui (columns come out sorted). */
static int build_iu(gr_graph *g)
{
    GR_TRY(csr_alloc(&g->iu, g->n_items, g->n_edges, g->ui.val != NULL, 0));
    for (size_t k = 0; k < g->n_edges; k++) g->iu.ptr[g->ui.col[k] + 1]++;
    for (size_t r = 0; r < g->n_items; r++) g->iu.ptr[r + 1] += g->iu.ptr[r];
    int64_t *fill = gr_alloc(g->n_items + 1, sizeof *fill);
    if (!fill) return GR_ENOMEM;
    memcpy(fill, g->iu.ptr, (g->n_items + 1) * sizeof *fill);
    for (size_t u = 0; u < g->n_users; u++) {
        for (int64_t k = g->ui.ptr[u]; k < g->ui.ptr[u + 1]; k++) {
            int64_t at = fill[g->ui.col[k]]++;
            g->iu.col[at] = (int32_t)u;
            if (g->iu.val) g->iu.val[at] = g->ui.val[k];
        }
    }
    free(fill);
    return GR_OK;
}

/* The CSR both ways; d and e are freed as soon as ui is made. */
static int build_from_dense(gr_graph *g, dense_edges *d, gr_edges *e)
{
    uint32_t *perm = gr_alloc(d->n, sizeof *perm);
    int rc = perm ? GR_OK : GR_ENOMEM;
    for (size_t k = 0; rc == GR_OK && k < d->n; k++) perm[k] = (uint32_t)k;
    if (rc == GR_OK) rc = counting_sort(perm, d->n, d->i, g->n_items);
    if (rc == GR_OK) rc = counting_sort(perm, d->n, d->u, g->n_users);
    if (rc == GR_OK) rc = build_ui(g, d, perm, e);
    free(perm);
    dense_free(d);
    gr_edges_free(e);
    if (rc == GR_OK) rc = build_iu(g);
    return rc;
}

static gr_graph *graph_new(gr_catalog *cat)
{
    gr_graph *g = gr_zalloc(1, sizeof *g);
    if (!g) return NULL;
    g->refs = 1;
    g->cat = gr_catalog_ref(cat);
    return g;
}

int gr_graph_build(gr_graph **out, gr_catalog *cat, gr_edges *e, double min_rating, int grow)
{
    if (e->n > UINT32_MAX) {
        int rc = gr_err(GR_ERANGE, "%zu edges: at most %u supported", e->n, UINT32_MAX);
        gr_edges_free(e);
        return rc;
    }
    if (e->user_names && !cat->named && (cat->users.n || cat->items.n)) {
        gr_edges_free(e);
        return gr_err(GR_EINVAL, "ids that are names and integer ids do not mix in one id space");
    }
    gr_graph *g = graph_new(cat);
    dense_edges d;
    int rc = g ? map_edges(&d, cat, e, min_rating, grow, &g->skipped) : GR_ENOMEM;
    /* the dense pairs replace the external ids */
    free(e->user);
    free(e->item);
    e->user = e->item = NULL;
    if (rc == GR_OK && (rc = gr_catalog_take_names(cat, e)) != GR_OK) dense_free(&d);
    if (rc != GR_OK) {
        gr_edges_free(e);
        gr_graph_free(g);
        return rc;
    }
    g->n_users = cat->users.n;
    g->n_items = cat->items.n;
    g->has_ratings = e->has_rating;
    g->has_ts = e->has_ts;
    rc = build_from_dense(g, &d, e);
    if (rc != GR_OK) {
        gr_graph_free(g);
        return rc;
    }
    *out = g;
    return GR_OK;
}

int gr_graph_subset(gr_graph **out, const gr_graph *src, const uint8_t *part, uint8_t which)
{
    gr_graph *g = graph_new(src->cat);
    if (!g) return GR_ENOMEM;
    g->n_users = src->n_users;
    g->n_items = src->n_items;
    g->has_ratings = src->has_ratings;
    g->has_ts = src->has_ts;
    size_t nnz = 0;
    for (size_t k = 0; k < src->n_edges; k++) nnz += part[k] == which;
    int rc = csr_alloc(&g->ui, g->n_users, nnz, src->ui.val != NULL, src->ui.ts != NULL);
    if (rc == GR_OK) {
        size_t w = 0;
        for (size_t u = 0; u < src->n_users; u++) {
            for (int64_t k = src->ui.ptr[u]; k < src->ui.ptr[u + 1]; k++) {
                if (part[k] != which) continue;
                g->ui.col[w] = src->ui.col[k];
                if (g->ui.val) g->ui.val[w] = src->ui.val[k];
                if (g->ui.ts) g->ui.ts[w] = src->ui.ts[k];
                w++;
            }
            g->ui.ptr[u + 1] = (int64_t)w;
        }
        g->n_edges = nnz;
        rc = build_iu(g);
    }
    if (rc != GR_OK) {
        gr_graph_free(g);
        return rc;
    }
    *out = g;
    return GR_OK;
}

int gr_graph_from_csr(gr_graph **out, gr_catalog *cat, gr_csr *ui, int has_ratings)
{
    gr_graph *g = graph_new(cat);
    if (!g) {
        gr_csr_free(ui);
        return GR_ENOMEM;
    }
    g->n_users = cat->users.n;
    g->n_items = cat->items.n;
    g->has_ratings = has_ratings;
    g->ui = *ui;
    memset(ui, 0, sizeof *ui);
    g->n_edges = (size_t)g->ui.ptr[g->n_users];
    int rc = build_iu(g);
    if (rc != GR_OK) {
        gr_graph_free(g);
        return rc;
    }
    *out = g;
    return GR_OK;
}
