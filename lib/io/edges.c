#include "io/edges.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/names.h"

void gr_edges_init(gr_edges *e) { memset(e, 0, sizeof *e); }

void gr_edges_free(gr_edges *e)
{
    free(e->user);
    free(e->item);
    free(e->rating);
    free(e->ts);
    gr_edges_drop_names(e);
    memset(e, 0, sizeof *e);
}

void gr_edges_drop_names(gr_edges *e)
{
    gr_names *tables[2] = { e->user_names, e->item_names };
    for (int k = 0; k < 2; k++) {
        if (tables[k]) gr_names_free(tables[k]);
        free(tables[k]);
    }
    e->user_names = e->item_names = NULL;
}

int gr_edges_use_names(gr_edges *e)
{
    if (e->user_names) return GR_OK;
    gr_names *u = gr_alloc(1, sizeof *u), *i = gr_alloc(1, sizeof *i);
    if (!u || !i) {
        free(u);
        free(i);
        return GR_ENOMEM;
    }
    gr_names_init(u);
    gr_names_init(i);
    e->user_names = u;
    e->item_names = i;
    return GR_OK;
}

/* The columns held (the ids always, a rating or timestamp column once a
 * value other than its default was stored) and their element sizes. */
static size_t held_columns(gr_edges *e, void **arrays[4], size_t sizes[4])
{
    size_t n = 0;
    arrays[n] = (void **)&e->user, sizes[n++] = sizeof *e->user;
    arrays[n] = (void **)&e->item, sizes[n++] = sizeof *e->item;
    if (e->rating) arrays[n] = (void **)&e->rating, sizes[n++] = sizeof *e->rating;
    if (e->ts) arrays[n] = (void **)&e->ts, sizes[n++] = sizeof *e->ts;
    return n;
}

int gr_edges_reserve(gr_edges *e, size_t need)
{
    if (need <= e->cap) return GR_OK;
    void **arrays[4];
    size_t sizes[4];
    const size_t n = held_columns(e, arrays, sizes);
    for (size_t k = 0; k < n; k++) {
        void *q = gr_realloc(*arrays[k], need, sizes[k]);
        if (!q) return GR_ENOMEM;
        *arrays[k] = q;
    }
    e->cap = need;
    return GR_OK;
}

int gr_edges_hold_ratings(gr_edges *e)
{
    if (e->rating) return GR_OK;
    e->rating = gr_alloc(e->cap ? e->cap : 1, sizeof *e->rating);
    if (!e->rating) return GR_ENOMEM;
    for (size_t k = 0; k < e->n; k++) e->rating[k] = 1.0f;
    return GR_OK;
}

int gr_edges_hold_ts(gr_edges *e)
{
    if (e->ts) return GR_OK;
    e->ts = gr_zalloc(e->cap ? e->cap : 1, sizeof *e->ts);
    return e->ts ? GR_OK : GR_ENOMEM;
}

int gr_edges_push(gr_edges *e, int64_t user, int64_t item, float rating, int64_t ts)
{
    if (e->n == e->cap) {
        void **arrays[4];
        size_t sizes[4];
        const size_t n = held_columns(e, arrays, sizes);
        GR_TRY(gr_reserve_each(arrays, sizes, n, &e->cap, e->n + 1));
    }
    if (rating != 1.0f) GR_TRY(gr_edges_hold_ratings(e));
    if (ts != 0) GR_TRY(gr_edges_hold_ts(e));
    e->user[e->n] = user;
    e->item[e->n] = item;
    if (e->rating) e->rating[e->n] = rating;
    if (e->ts) e->ts[e->n] = ts;
    e->n++;
    return GR_OK;
}
