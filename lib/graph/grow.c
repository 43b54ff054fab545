/*
 * A grown graph: the id space of a base graph with the new users and items
 * of another graph appended (base ids keep their dense indices), over the
 * edges of both.  Used to update a trained model with new interactions.
 */
#include "graph/grow.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"

/* The genre bits of `bits` (named by from) in the genre list of to. */
static uint64_t remap_genres(uint64_t bits, const gr_catalog *from, const gr_catalog *to)
{
    uint64_t out = 0;
    for (size_t g = 0; g < from->n_genres; g++) {
        if (!(bits >> g & 1)) continue;
        for (size_t h = 0; h < to->n_genres; h++)
            if (strcmp(from->genre[g], to->genre[h]) == 0) out |= (uint64_t)1 << h;
    }
    return out;
}

static int16_t remap_occupation(int16_t o, const gr_catalog *from, const gr_catalog *to)
{
    if (o < 0 || (size_t)o >= from->n_occupations) return -1;
    for (size_t h = 0; h < to->n_occupations; h++)
        if (strcmp(from->occupation_names[o], to->occupation_names[h]) == 0) return (int16_t)h;
    return -1;
}

/* Add item k of src (with its metadata) to c, unless c has it. */
static int copy_item(gr_catalog *c, const gr_catalog *src, size_t k)
{
    int32_t known = gr_idmap_find(&c->items, src->items.ids[k]);
    if (known >= 0) return gr_catalog_copy_item_name(c, known, src, k);
    int32_t i = gr_catalog_add_item(c, src->items.ids[k]);
    if (i < 0) return gr_last_error_code();
    GR_TRY(gr_catalog_copy_item_name(c, i, src, k));
    if (src->title[k] && !(c->title[i] = gr_strdup(src->title[k]))) return GR_ENOMEM;
    c->year[i] = src->year[k];
    c->genres[i] = src == c ? src->genres[k] : remap_genres(src->genres[k], src, c);
    return GR_OK;
}

static int copy_user(gr_catalog *c, const gr_catalog *src, size_t k)
{
    int32_t known = gr_idmap_find(&c->users, src->users.ids[k]);
    if (known >= 0) return gr_catalog_copy_user_name(c, known, src, k);
    int32_t u = gr_catalog_add_user(c, src->users.ids[k]);
    if (u < 0) return gr_last_error_code();
    GR_TRY(gr_catalog_copy_user_name(c, u, src, k));
    c->age[u] = src->age[k];
    c->gender[u] = src->gender[k];
    c->occupation[u] = remap_occupation(src->occupation[k], src, c);
    return GR_OK;
}

/* The names of base's genres and occupations (or more's where base has none). */
static int copy_names(gr_catalog *c, const gr_catalog *base, const gr_catalog *more)
{
    const gr_catalog *gn = base->n_genres ? base : more, *on = base->n_occupations ? base : more;
    GR_TRY(gr_catalog_set_genres(c, gn->genre, gn->n_genres));
    if (!on->n_occupations) return GR_OK;
    c->occupation_names = gr_zalloc(on->n_occupations, sizeof *c->occupation_names);
    if (!c->occupation_names) return GR_ENOMEM;
    for (size_t o = 0; o < on->n_occupations; o++) {
        if (!(c->occupation_names[o] = gr_strdup(on->occupation_names[o]))) return GR_ENOMEM;
        c->n_occupations = o + 1;
    }
    return GR_OK;
}

static int extend_catalog(gr_catalog **out, const gr_catalog *base, const gr_catalog *more)
{
    if (base->named != more->named && more->users.n + more->items.n > 0)
        return gr_err(GR_EINVAL, "the base graph's ids are %s, the added graph's %s: load it with ids=%s",
                      base->named ? "names" : "integers", more->named ? "names" : "integers",
                      base->named ? "names" : "integers");
    gr_catalog *c = gr_catalog_new();
    if (!c) return GR_ENOMEM;
    c->named = base->named;
    int rc = copy_names(c, base, more);
    for (size_t k = 0; rc == GR_OK && k < base->users.n; k++) rc = copy_user(c, base, k);
    for (size_t k = 0; rc == GR_OK && k < base->items.n; k++) rc = copy_item(c, base, k);
    for (size_t k = 0; rc == GR_OK && k < more->users.n; k++) rc = copy_user(c, more, k);
    for (size_t k = 0; rc == GR_OK && k < more->items.n; k++) rc = copy_item(c, more, k);
    if (rc != GR_OK) {
        gr_catalog_unref(c);
        return rc;
    }
    *out = c;
    return GR_OK;
}

/* The edges of g in external ids, appended to e. */
static int push_edges(gr_edges *e, const gr_graph *g)
{
    const gr_csr *ui = &g->ui;
    for (size_t u = 0; u < g->n_users; u++)
        for (int64_t k = ui->ptr[u]; k < ui->ptr[u + 1]; k++)
            GR_TRY(gr_edges_push(e, g->cat->users.ids[u], g->cat->items.ids[ui->col[k]], gr_csr_val(ui, k),
                                 ui->ts ? ui->ts[k] : 0));
    e->has_rating |= g->has_ratings;
    e->has_ts |= g->has_ts;
    return GR_OK;
}

int gr_graph_grow(gr_graph **out, const gr_graph *base, const gr_graph *added)
{
    gr_catalog *c = NULL;
    GR_TRY(extend_catalog(&c, base->cat, added->cat));
    gr_edges e;
    gr_edges_init(&e);
    int rc = push_edges(&e, base);
    if (rc == GR_OK) rc = push_edges(&e, added); /* later edges win: the added rating of a repeated pair */
    if (rc == GR_OK) rc = gr_graph_build(out, c, &e, 0.0, 1);
    gr_edges_free(&e);
    gr_catalog_unref(c);
    return rc;
}
