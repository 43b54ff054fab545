#include "kg/strmap.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"

void gr_strmap_init(gr_strmap *m) { memset(m, 0, sizeof *m); }

void gr_strmap_free(gr_strmap *m)
{
    for (size_t i = 0; i < m->n; i++) free(m->names[i]);
    free(m->names);
    free(m->slots);
    memset(m, 0, sizeof *m);
}

/* FNV-1a, then a 64-bit finaliser so that the low bits are mixed too. */
static uint64_t hash_of(const char *s, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t k = 0; k < len; k++) h = (h ^ (unsigned char)s[k]) * 0x100000001b3ULL;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    return h ^ (h >> 33);
}

static int same(const char *stored, const char *name, size_t len)
{
    return stored && strncmp(stored, name, len) == 0 && stored[len] == '\0';
}

int32_t gr_strmap_find(const gr_strmap *m, const char *name, size_t len)
{
    if (m->nslots == 0) return -1;
    size_t s = (size_t)hash_of(name, len) & (m->nslots - 1);
    for (;;) {
        int32_t idx = m->slots[s];
        if (idx < 0) return -1;
        if (same(m->names[idx], name, len)) return idx;
        s = (s + 1) & (m->nslots - 1);
    }
}

static void place(gr_strmap *m, int32_t idx)
{
    const char *name = m->names[idx];
    size_t s = (size_t)hash_of(name, strlen(name)) & (m->nslots - 1);
    while (m->slots[s] >= 0) s = (s + 1) & (m->nslots - 1);
    m->slots[s] = idx;
}

static int resize(gr_strmap *m, size_t nslots)
{
    int32_t *slots = gr_alloc(nslots, sizeof *slots);
    if (!slots) return GR_ENOMEM;
    memset(slots, 0xff, nslots * sizeof *slots);
    free(m->slots);
    m->slots = slots;
    m->nslots = nslots;
    for (size_t i = 0; i < m->n; i++)
        if (m->names[i]) place(m, (int32_t)i);
    return GR_OK;
}

/* Room for index idx (entries up to it unset) and a table at most half full. */
static int grow_to(gr_strmap *m, size_t n)
{
    if (n > (size_t)INT32_MAX) return gr_err(GR_ERANGE, "more than %d distinct names", INT32_MAX);
    size_t old = m->cap;
    GR_TRY(gr_reserve((void **)&m->names, &m->cap, n, sizeof *m->names));
    for (size_t i = old; i < m->cap; i++) m->names[i] = NULL;
    if (n * 2 > m->nslots) {
        size_t nslots = m->nslots ? m->nslots : 64;
        while (n * 2 > nslots) nslots *= 2;
        GR_TRY(resize(m, nslots));
    }
    return GR_OK;
}

static char *copy_name(const char *name, size_t len)
{
    char *c = gr_alloc(len + 1, 1);
    if (!c) return NULL;
    memcpy(c, name, len);
    c[len] = '\0';
    return c;
}

int32_t gr_strmap_intern(gr_strmap *m, const char *name, size_t len)
{
    int32_t idx = gr_strmap_find(m, name, len);
    if (idx >= 0) return idx;
    if (grow_to(m, m->n + 1) != GR_OK) return -1;
    char *c = copy_name(name, len);
    if (!c) return -1;
    idx = (int32_t)m->n++;
    m->names[idx] = c;
    place(m, idx);
    return idx;
}

int gr_strmap_put(gr_strmap *m, int32_t idx, const char *name, size_t len)
{
    if (idx < 0) return gr_err(GR_EFORMAT, "negative id %d", idx);
    if ((size_t)idx < m->n && m->names[idx]) return gr_err(GR_EFORMAT, "id %d appears twice", idx);
    int32_t other = gr_strmap_find(m, name, len);
    if (other >= 0) return gr_err(GR_EFORMAT, "name '%.*s' appears twice (ids %d and %d)", (int)len, name, other, idx);
    GR_TRY(grow_to(m, (size_t)idx + 1));
    char *c = copy_name(name, len);
    if (!c) return GR_ENOMEM;
    m->names[idx] = c;
    if ((size_t)idx >= m->n) m->n = (size_t)idx + 1;
    place(m, idx);
    return GR_OK;
}
