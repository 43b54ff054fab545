#include "core/names.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/rng.h"

int64_t gr_name_hash(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t k = 0; k < n; k++) {
        h ^= (unsigned char)s[k];
        h *= 0x100000001b3ULL;
    }
    /* FNV alone leaves short names' high bits poorly mixed */
    return (int64_t)(gr_mix64(h) >> 1);
}

const char *gr_name_span(const char *name, size_t *n)
{
    while (*name == ' ' || *name == '\t') name++;
    size_t len = strlen(name);
    while (len > 0 && (name[len - 1] == ' ' || name[len - 1] == '\t')) len--;
    *n = len;
    return name;
}

void gr_names_init(gr_names *t) { memset(t, 0, sizeof *t); }

void gr_names_free(gr_names *t)
{
    for (size_t k = 0; k < t->ids.n; k++) free(t->name[k]);
    free(t->name);
    gr_idmap_free(&t->ids);
    memset(t, 0, sizeof *t);
}

static int same(const char *kept, const char *s, size_t n) { return strlen(kept) == n && memcmp(kept, s, n) == 0; }

int gr_names_add(gr_names *t, int64_t id, const char *s, size_t n)
{
    int32_t at = gr_idmap_find(&t->ids, id);
    if (at >= 0) {
        if (same(t->name[at], s, n)) return GR_OK;
        return gr_err(GR_EFORMAT, "names '%.60s' and '%.*s' have the same id %lld (a hash collision): rename one",
                      t->name[at], (int)(n < 60 ? n : 60), s, (long long)id);
    }
    if (n > GR_NAME_MAX) return gr_err(GR_EFORMAT, "a name of %zu bytes: at most %d allowed", n, GR_NAME_MAX);
    GR_TRY(gr_reserve((void **)&t->name, &t->cap, t->ids.n + 1, sizeof *t->name));
    char *copy = gr_alloc(n + 1, 1);
    if (!copy) return GR_ENOMEM;
    memcpy(copy, s, n);
    copy[n] = '\0';
    at = gr_idmap_intern(&t->ids, id);
    if (at < 0) {
        free(copy);
        return gr_last_error_code();
    }
    t->name[at] = copy;
    return GR_OK;
}

const char *gr_names_find(const gr_names *t, int64_t id)
{
    int32_t at = gr_idmap_find(&t->ids, id);
    return at >= 0 ? t->name[at] : NULL;
}
