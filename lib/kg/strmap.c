#include "kg/strmap.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"

const char *gr_strmap_name_problem(const char *name, size_t len)
{
    if (len == 0) return "empty";
    if (len >= 3 && memcmp(name, "\xEF\xBB\xBF", 3) == 0) return "begins with a byte order mark (U+FEFF)";
    int blank = 1;
    for (size_t k = 0; k < len; k++) {
        switch (name[k]) {
        case '\0': return "holds a NUL byte";
        case '\t': return "holds a tab";
        case '\n': return "holds a line feed";
        case '\r': return "holds a carriage return";
        case ' ': break;
        default: blank = 0;
        }
    }
    return blank ? "blank (spaces only)" : NULL;
}

void gr_strmap_init(gr_strmap *m) { memset(m, 0, sizeof *m); }

void gr_strmap_free(gr_strmap *m)
{
    for (size_t i = 0; i < m->n; i++) free(m->names[i]);
    free(m->names);
    gr_slots_free(&m->slots);
    memset(m, 0, sizeof *m);
}

/* Whether stored (NUL-terminated) is the len bytes of name.  Reads stored
 * only up to its terminator, even when name holds a NUL. */
static int same(const char *stored, const char *name, size_t len)
{
    if (!stored) return 0;
    for (size_t k = 0; k < len; k++)
        if (stored[k] != name[k] || stored[k] == '\0') return 0;
    return stored[len] == '\0';
}

int32_t gr_strmap_find(const gr_strmap *m, const char *name, size_t len)
{
    if (m->slots.n == 0) return -1;
    for (size_t s = gr_slots_first(&m->slots, gr_slots_hash_bytes(name, len));; s = gr_slots_next(&m->slots, s)) {
        int32_t idx = m->slots.at[s];
        if (idx < 0 || same(m->names[idx], name, len)) return idx;
    }
}

static void place(gr_strmap *m, int32_t idx)
{
    gr_slots_place(&m->slots, gr_slots_hash_bytes(m->names[idx], strlen(m->names[idx])), idx);
}

/* Room for index idx (entries up to it unset) and a table at most half full. */
static int grow_to(gr_strmap *m, size_t n)
{
    if (n > (size_t)INT32_MAX) return gr_err(GR_ERANGE, "more than %d distinct names", INT32_MAX);
    size_t old = m->cap;
    GR_TRY(gr_reserve((void **)&m->names, &m->cap, n, sizeof *m->names));
    for (size_t i = old; i < m->cap; i++) m->names[i] = NULL;
    if (n * 2 > m->slots.n) {
        GR_TRY(gr_slots_reset(&m->slots, gr_slots_size_for(n)));
        for (size_t i = 0; i < m->n; i++)
            if (m->names[i]) place(m, (int32_t)i);
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

static int check_name(const char *name, size_t len)
{
    const char *why = gr_strmap_name_problem(name, len);
    if (why) return gr_err(GR_EFORMAT, "name '%.*s': %s", (int)len, name, why);
    return GR_OK;
}

int32_t gr_strmap_intern(gr_strmap *m, const char *name, size_t len)
{
    int32_t idx = gr_strmap_find(m, name, len);
    if (idx >= 0) return idx;
    if (check_name(name, len) != GR_OK) return -1;
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
    GR_TRY(check_name(name, len));
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
