#include "core/slots.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"

int gr_slots_reset(gr_slots *s, size_t n)
{
    int32_t *at = gr_alloc(n, sizeof *at);
    if (!at) return GR_ENOMEM;
    memset(at, 0xff, n * sizeof *at);
    free(s->at);
    s->at = at;
    s->n = n;
    return GR_OK;
}

void gr_slots_free(gr_slots *s)
{
    free(s->at);
    s->at = NULL;
    s->n = 0;
}

size_t gr_slots_size_for(size_t keys)
{
    size_t n = 64;
    while (n < keys * 2) n *= 2;
    return n;
}

int gr_slots_copy(gr_slots *dst, const gr_slots *src)
{
    dst->n = 0;
    dst->at = gr_alloc(src->n ? src->n : 1, sizeof *dst->at);
    if (!dst->at) return GR_ENOMEM;
    memcpy(dst->at, src->at, src->n * sizeof *dst->at);
    dst->n = src->n;
    return GR_OK;
}
