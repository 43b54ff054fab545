#include "graph/catalog.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/names.h"

gr_catalog *gr_catalog_new(void)
{
    gr_catalog *c = gr_zalloc(1, sizeof *c);
    if (!c) return NULL;
    c->refs = 1;
    gr_idmap_init(&c->users);
    gr_idmap_init(&c->items);
    return c;
}

gr_catalog *gr_catalog_ref(gr_catalog *c)
{
    __atomic_add_fetch(&c->refs, 1, __ATOMIC_RELAXED);
    return c;
}

void gr_catalog_unref(gr_catalog *c)
{
    if (!c || __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) != 0) return;
    for (size_t u = 0; u < c->users.n; u++) free(c->user_name[u]);
    for (size_t i = 0; i < c->items.n; i++) free(c->item_name[i]);
    free(c->user_name);
    free(c->item_name);
    gr_idmap_free(&c->users);
    for (size_t i = 0; i < c->items.n; i++) free(c->title[i]);
    gr_idmap_free(&c->items);
    free(c->title);
    free(c->year);
    free(c->genres);
    for (size_t g = 0; g < c->n_genres; g++) free(c->genre[g]);
    free(c->age);
    free(c->gender);
    free(c->occupation);
    for (size_t o = 0; o < c->n_occupations; o++) free(c->occupation_names[o]);
    free(c->occupation_names);
    free(c);
}

/* Grow the per-item arrays to hold row `idx`; new rows are "unknown". */
static int grow_items(gr_catalog *c, size_t need)
{
    size_t old = c->item_cap;
    void **const arrays[] = { (void **)&c->title, (void **)&c->year, (void **)&c->genres, (void **)&c->item_name };
    const size_t sizes[] = { sizeof *c->title, sizeof *c->year, sizeof *c->genres, sizeof *c->item_name };
    GR_TRY(gr_reserve_each(arrays, sizes, 4, &c->item_cap, need));
    for (size_t i = old; i < c->item_cap; i++) {
        c->title[i] = NULL;
        c->item_name[i] = NULL;
        c->year[i] = 0;
        c->genres[i] = 0;
    }
    return GR_OK;
}

static int grow_users(gr_catalog *c, size_t need)
{
    size_t old = c->user_cap;
    void **const arrays[] = { (void **)&c->age, (void **)&c->gender, (void **)&c->occupation, (void **)&c->user_name };
    const size_t sizes[] = { sizeof *c->age, sizeof *c->gender, sizeof *c->occupation, sizeof *c->user_name };
    GR_TRY(gr_reserve_each(arrays, sizes, 4, &c->user_cap, need));
    for (size_t i = old; i < c->user_cap; i++) {
        c->user_name[i] = NULL;
        c->age[i] = -1;
        c->gender[i] = 0;
        c->occupation[i] = -1;
    }
    return GR_OK;
}

int32_t gr_catalog_add_user(gr_catalog *c, int64_t id)
{
    int32_t idx = gr_idmap_find(&c->users, id);
    if (idx >= 0) return idx;
    if (grow_users(c, c->users.n + 1) != GR_OK) return -1;
    return gr_idmap_intern(&c->users, id);
}

int32_t gr_catalog_add_item(gr_catalog *c, int64_t id)
{
    int32_t idx = gr_idmap_find(&c->items, id);
    if (idx >= 0) return idx;
    if (grow_items(c, c->items.n + 1) != GR_OK) return -1;
    return gr_idmap_intern(&c->items, id);
}

int gr_catalog_set_genres(gr_catalog *c, char *const *names, size_t n)
{
    if (n > GR_MAX_GENRES) return gr_err(GR_EFORMAT, "%zu genres, at most %d allowed", n, GR_MAX_GENRES);
    for (size_t g = 0; g < c->n_genres; g++) free(c->genre[g]);
    c->n_genres = 0;
    for (size_t g = 0; g < n; g++) {
        c->genre[g] = gr_strdup(names[g] ? names[g] : "");
        if (!c->genre[g]) return GR_ENOMEM;
        c->n_genres = g + 1;
    }
    return GR_OK;
}

int gr_catalog_attach_items(gr_catalog *c, const gr_item_table *t)
{
    GR_TRY(gr_catalog_set_genres(c, t->genre, t->n_genres));
    for (size_t k = 0; k < t->n; k++) {
        const gr_item_info *it = &t->v[k];
        int32_t idx = gr_catalog_add_item(c, it->id);
        if (idx < 0) return gr_last_error_code();
        if (it->title) {
            char *title = gr_strdup(it->title);
            if (!title) return GR_ENOMEM;
            free(c->title[idx]);
            c->title[idx] = title;
        }
        c->year[idx] = it->year;
        c->genres[idx] = it->genres;
    }
    return GR_OK;
}

int gr_catalog_attach_users(gr_catalog *c, const gr_user_table *t)
{
    char **names = gr_zalloc(t->n_occupations ? t->n_occupations : 1, sizeof *names);
    if (!names) return GR_ENOMEM;
    for (size_t o = 0; o < t->n_occupations; o++) {
        names[o] = gr_strdup(t->occupation[o] ? t->occupation[o] : "");
        if (!names[o]) {
            for (size_t p = 0; p < o; p++) free(names[p]);
            free(names);
            return GR_ENOMEM;
        }
    }
    for (size_t o = 0; o < c->n_occupations; o++) free(c->occupation_names[o]);
    free(c->occupation_names);
    c->occupation_names = names;
    c->n_occupations = t->n_occupations;
    for (size_t k = 0; k < t->n; k++) {
        const gr_user_info *u = &t->v[k];
        int32_t idx = gr_catalog_add_user(c, u->id);
        if (idx < 0) return gr_last_error_code();
        c->age[idx] = (int16_t)(u->age < -1 || u->age > 32767 ? -1 : u->age);
        c->gender[idx] = u->gender;
        c->occupation[idx] = (int16_t)(u->occupation >= 0 && (size_t)u->occupation < t->n_occupations
                                           ? u->occupation : -1);
    }
    return GR_OK;
}

/* Give slot idx the name `name` (taken: the caller's pointer is now the
 * catalog's), or check it against the one it has. */
static int set_name(char **slot, char *name, const char *what)
{
    if (!*slot) {
        *slot = name;
        return GR_OK;
    }
    int rc = strcmp(*slot, name) == 0
                 ? GR_OK
                 : gr_err(GR_EFORMAT, "%s names '%.60s' and '%.60s' have the same id (a hash collision): rename one", what,
                          *slot, name);
    free(name);
    return rc;
}

static int take_side(char **names, const gr_idmap *ids, gr_names *t, const char *what)
{
    for (size_t k = 0; k < t->ids.n; k++) {
        int32_t idx = gr_idmap_find(ids, t->ids.ids[k]);
        if (idx < 0 || !t->name[k]) continue; /* dropped, or unknown to a like-graph */
        char *name = t->name[k];
        t->name[k] = NULL;
        GR_TRY(set_name(&names[idx], name, what));
    }
    return GR_OK;
}

int gr_catalog_take_names(gr_catalog *c, gr_edges *e)
{
    if (!e->user_names) return GR_OK;
    if (!c->named) c->named = 1; /* a like-graph's catalog is shared: no write */
    GR_TRY(take_side(c->user_name, &c->users, e->user_names, "user"));
    return take_side(c->item_name, &c->items, e->item_names, "item");
}

static int copy_name(char **slot, const char *name, const char *what)
{
    if (!name) return GR_OK;
    char *copy = gr_strdup(name);
    return copy ? set_name(slot, copy, what) : GR_ENOMEM;
}

int gr_catalog_copy_user_name(gr_catalog *c, int32_t idx, const gr_catalog *src, size_t k)
{
    return copy_name(&c->user_name[idx], src->user_name[k], "user");
}

int gr_catalog_copy_item_name(gr_catalog *c, int32_t idx, const gr_catalog *src, size_t k)
{
    return copy_name(&c->item_name[idx], src->item_name[k], "item");
}
