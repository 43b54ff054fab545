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
    gr_slots_free(&m->slots);
    memset(m, 0, sizeof *m);
}

static uint64_t hash_of(int64_t id) { return gr_mix64((uint64_t)id); }

static int resize(gr_idmap *m, size_t nslots)
{
    GR_TRY(gr_slots_reset(&m->slots, nslots));
    for (size_t i = 0; i < m->n; i++) gr_slots_place(&m->slots, hash_of(m->ids[i]), (int32_t)i);
    return GR_OK;
}

int32_t gr_idmap_find(const gr_idmap *m, int64_t id)
{
    if (m->slots.n == 0) return -1;
    for (size_t s = gr_slots_first(&m->slots, hash_of(id));; s = gr_slots_next(&m->slots, s)) {
        int32_t idx = m->slots.at[s];
        if (idx < 0 || m->ids[idx] == id) return idx;
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
    if ((m->n + 1) * 2 > m->slots.n && resize(m, gr_slots_size_for(m->n + 1)) != GR_OK) return -1;
    if (gr_reserve((void **)&m->ids, &m->cap, m->n + 1, sizeof *m->ids) != GR_OK) return -1;
    idx = (int32_t)m->n++;
    m->ids[idx] = id;
    gr_slots_place(&m->slots, hash_of(id), idx);
    return idx;
}

int gr_idmap_copy(gr_idmap *dst, const gr_idmap *src)
{
    gr_idmap_init(dst);
    dst->ids = gr_alloc(src->n ? src->n : 1, sizeof *dst->ids);
    if (!dst->ids || gr_slots_copy(&dst->slots, &src->slots) != GR_OK) {
        gr_idmap_free(dst);
        return GR_ENOMEM;
    }
    memcpy(dst->ids, src->ids, src->n * sizeof *dst->ids);
    dst->n = dst->cap = src->n;
    return GR_OK;
}

int gr_idmap_rebuild(gr_idmap *m)
{
    GR_TRY(resize(m, gr_slots_size_for(m->n)));
    /* resize() placed every id; a repeated id means a corrupt source. */
    for (size_t i = 0; i < m->n; i++)
        if (gr_idmap_find(m, m->ids[i]) != (int32_t)i)
            return gr_err(GR_EFORMAT, "id %lld appears twice", (long long)m->ids[i]);
    return GR_OK;
}
