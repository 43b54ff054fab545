#include "io/edges.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"

void gr_edges_init(gr_edges *e) { memset(e, 0, sizeof *e); }

void gr_edges_free(gr_edges *e)
{
    free(e->user);
    free(e->item);
    free(e->rating);
    free(e->ts);
    memset(e, 0, sizeof *e);
}

static int grow(gr_edges *e)
{
    size_t cap = e->cap ? e->cap * 2 : 1024;
    int64_t *u = gr_realloc(e->user, cap, sizeof *u);
    if (!u) return GR_ENOMEM;
    e->user = u;
    int64_t *i = gr_realloc(e->item, cap, sizeof *i);
    if (!i) return GR_ENOMEM;
    e->item = i;
    float *r = gr_realloc(e->rating, cap, sizeof *r);
    if (!r) return GR_ENOMEM;
    e->rating = r;
    int64_t *t = gr_realloc(e->ts, cap, sizeof *t);
    if (!t) return GR_ENOMEM;
    e->ts = t;
    e->cap = cap;
    return GR_OK;
}

int gr_edges_push(gr_edges *e, int64_t user, int64_t item, float rating, int64_t ts)
{
    if (e->n == e->cap) GR_TRY(grow(e));
    e->user[e->n] = user;
    e->item[e->n] = item;
    e->rating[e->n] = rating;
    e->ts[e->n] = ts;
    e->n++;
    return GR_OK;
}
