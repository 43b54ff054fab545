#include "core/idmap.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/rng.h"

void gr_idmap_init(gr_idmap *m) { memset(m, 0, sizeof *m); }

void gr_idmap_free(gr_idmap *m)
{
    free(m->ids);
    free(m->slots);
    memset(m, 0, sizeof *m);
}

static size_t slot_of(const gr_idmap *m, int64_t id)
{
    return (size_t)gr_mix64((uint64_t)id) & (m->nslots - 1);
}

static void place(gr_idmap *m, int32_t idx)
{
    size_t s = slot_of(m, m->ids[idx]);
    while (m->slots[s] >= 0) s = (s + 1) & (m->nslots - 1);
    m->slots[s] = idx;
}

static int resize(gr_idmap *m, size_t nslots)
{
    int32_t *slots = gr_alloc(nslots, sizeof *slots);
    if (!slots) return GR_ENOMEM;
    memset(slots, 0xff, nslots * sizeof *slots);
    free(m->slots);
    m->slots = slots;
    m->nslots = nslots;
    for (size_t i = 0; i < m->n; i++) place(m, (int32_t)i);
    return GR_OK;
}

int32_t gr_idmap_find(const gr_idmap *m, int64_t id)
{
    if (m->nslots == 0) return -1;
    size_t s = slot_of(m, id);
    for (;;) {
        int32_t idx = m->slots[s];
        if (idx < 0) return -1;
        if (m->ids[idx] == id) return idx;
        s = (s + 1) & (m->nslots - 1);
    }
}

int32_t gr_idmap_intern(gr_idmap *m, int64_t id)
{
    int32_t idx = gr_idmap_find(m, id);
    if (idx >= 0) return idx;
    if (m->n >= INT32_MAX) {
        gr_err(GR_ERANGE, "more than %d distinct ids", INT32_MAX);
        return -1;
    }
    if ((m->n + 1) * 2 > m->nslots && resize(m, m->nslots ? m->nslots * 2 : 64) != GR_OK) return -1;
    if (gr_reserve((void **)&m->ids, &m->cap, m->n + 1, sizeof *m->ids) != GR_OK) return -1;
    idx = (int32_t)m->n++;
    m->ids[idx] = id;
    place(m, idx);
    return idx;
}

int gr_idmap_copy(gr_idmap *dst, const gr_idmap *src)
{
    gr_idmap_init(dst);
    dst->ids = gr_alloc(src->n ? src->n : 1, sizeof *dst->ids);
    dst->slots = gr_alloc(src->nslots ? src->nslots : 1, sizeof *dst->slots);
    if (!dst->ids || !dst->slots) {
        gr_idmap_free(dst);
        return GR_ENOMEM;
    }
    memcpy(dst->ids, src->ids, src->n * sizeof *dst->ids);
    memcpy(dst->slots, src->slots, src->nslots * sizeof *dst->slots);
    dst->n = dst->cap = src->n;
    dst->nslots = src->nslots;
    return GR_OK;
}

int gr_idmap_rebuild(gr_idmap *m)
{
    size_t nslots = 64;
    while (nslots < m->n * 2) nslots *= 2;
    GR_TRY(resize(m, nslots));
    /* resize() placed every id; a repeated id means a corrupt source. */
    for (size_t i = 0; i < m->n; i++)
        if (gr_idmap_find(m, m->ids[i]) != (int32_t)i)
            return gr_err(GR_EFORMAT, "id %lld appears twice", (long long)m->ids[i]);
    return GR_OK;
}
