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
    void **const arrays[] = { (void **)&e->user, (void **)&e->item, (void **)&e->rating, (void **)&e->ts };
    const size_t sizes[] = { sizeof *e->user, sizeof *e->item, sizeof *e->rating, sizeof *e->ts };
    return gr_reserve_each(arrays, sizes, 4, &e->cap, e->n + 1);
}

int gr_edges_reserve(gr_edges *e, size_t need)
{
    if (need <= e->cap) return GR_OK;
    void **const arrays[] = { (void **)&e->user, (void **)&e->item, (void **)&e->rating, (void **)&e->ts };
    const size_t sizes[] = { sizeof *e->user, sizeof *e->item, sizeof *e->rating, sizeof *e->ts };
    for (size_t k = 0; k < 4; k++) {
        void *q = gr_realloc(*arrays[k], need, sizes[k]);
        if (!q) return GR_ENOMEM;
        *arrays[k] = q;
    }
    e->cap = need;
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
