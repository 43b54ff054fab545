/*
 * The knowledge graph of a user-item graph: liked edges as triples, and
 * the catalogue's metadata (genres, release decades, demographics) as side
 * relations, so that users with few ratings are tied to the rest of the
 * graph through the attributes they share.
 */
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "core/mem.h"
#include "graph/graph.h"
#include "kg/kg.h"

static const char *const relation_names[] = { "liked", "has_genre", "released_in", "has_age_group", "has_occupation",
                                              "has_gender" };
enum { R_LIKED, R_GENRE, R_DECADE, R_AGE, R_OCCUPATION, R_GENDER, N_RELATIONS };

/* The age groups of MovieLens-1M, which also bin the ages in years of 100K. */
static const char *age_group(int age)
{
    if (age < 0) return NULL;
    if (age < 18) return "under 18";
    if (age < 25) return "18-24";
    if (age < 35) return "25-34";
    if (age < 45) return "35-44";
    if (age < 50) return "45-49";
    if (age < 56) return "50-55";
    return "56+";
}

typedef struct builder {
    gr_kg_vocab *v;
    gr_triple_buf tb;
} builder;

static int add(builder *b, int32_t h, int32_t r, int32_t t) { return gr_triple_buf_push(&b->tb, h, r, t); }

/* Entity "prefix:value", added when new; -1 on failure.  Values come from
 * metadata files: a long one is spelled out in full (a cut could merge two
 * values), and one that cannot be a name fails with GR_EFORMAT. */
static int32_t entity(builder *b, const char *prefix, const char *value)
{
    size_t pl = strlen(prefix), vl = strlen(value);
    char small[128];
    char *name = pl + vl + 2 <= sizeof small ? small : gr_alloc(pl + vl + 2, 1);
    if (!name) return -1;
    memcpy(name, prefix, pl);
    name[pl] = ':';
    memcpy(name + pl + 1, value, vl + 1);
    int32_t id = gr_strmap_intern(&b->v->ent, name, pl + 1 + vl);
    if (id < 0 && gr_last_error_code() == GR_EFORMAT) gr_err_prefix("gr_kg_from_graph: %s entity", prefix);
    if (name != small) free(name);
    return id;
}

static int add_attr(builder *b, int32_t e, int rel, const char *prefix, const char *value)
{
    int32_t a = entity(b, prefix, value);
    return a < 0 ? gr_last_error_code() : add(b, e, rel, a);
}

/* A node's entity value: its name where ids are names and the name can
 * be an entity's (no tab or line break), else its id. */
static const char *node_value(char *buf, size_t cap, const char *name, int64_t id)
{
    if (name && !gr_strmap_name_problem(name, strlen(name))) return name;
    snprintf(buf, cap, "%lld", (long long)id);
    return buf;
}

static int add_nodes(builder *b, const gr_graph *g)
{
    const gr_catalog *c = g->cat;
    char id[32];
    for (size_t u = 0; u < g->n_users; u++)
        if (entity(b, "user", node_value(id, sizeof id, c->user_name[u], c->users.ids[u])) != (int32_t)u)
            return gr_last_error_code();
    for (size_t i = 0; i < g->n_items; i++)
        if (entity(b, "movie", node_value(id, sizeof id, c->item_name[i], c->items.ids[i])) != (int32_t)(g->n_users + i))
            return gr_last_error_code();
    for (int r = 0; r < N_RELATIONS; r++)
        if (gr_strmap_intern(&b->v->rel, relation_names[r], strlen(relation_names[r])) != r) return gr_last_error_code();
    return GR_OK;
}

static int add_liked(builder *b, const gr_graph *g, double min_rating)
{
    for (size_t u = 0; u < g->n_users; u++)
        for (int64_t k = g->ui.ptr[u]; k < g->ui.ptr[u + 1]; k++)
            if (min_rating <= 0 || gr_csr_val(&g->ui, k) >= min_rating)
                GR_TRY(add(b, (int32_t)u, R_LIKED, (int32_t)(g->n_users + (size_t)g->ui.col[k])));
    return GR_OK;
}

/* The placeholders of MovieLens for a movie without genres say nothing. */
static int informative_genre(const char *name)
{
    return name && *name && strcasecmp(name, "unknown") != 0 && strcasecmp(name, "(no genres listed)") != 0;
}

static int add_item_side(builder *b, const gr_graph *g, unsigned side)
{
    const gr_catalog *c = g->cat;
    for (size_t i = 0; i < g->n_items; i++) {
        int32_t e = (int32_t)(g->n_users + i);
        for (size_t k = 0; (side & GR_KG_SIDE_GENRE) && k < c->n_genres; k++)
            if (((c->genres[i] >> k) & 1) && informative_genre(c->genre[k])) GR_TRY(add_attr(b, e, R_GENRE, "genre", c->genre[k]));
        if ((side & GR_KG_SIDE_DECADE) && c->year[i] > 0) {
            char dec[16];
            snprintf(dec, sizeof dec, "%ds", c->year[i] / 10 * 10);
            GR_TRY(add_attr(b, e, R_DECADE, "decade", dec));
        }
    }
    return GR_OK;
}

static int add_user_side(builder *b, const gr_graph *g, unsigned side)
{
    const gr_catalog *c = g->cat;
    for (size_t u = 0; u < g->n_users && c->user_cap > 0; u++) {
        const char *age = age_group(c->age[u]);
        if ((side & GR_KG_SIDE_AGE) && age) GR_TRY(add_attr(b, (int32_t)u, R_AGE, "age", age));
        int16_t o = c->occupation[u];
        if ((side & GR_KG_SIDE_OCCUPATION) && o >= 0 && (size_t)o < c->n_occupations)
            GR_TRY(add_attr(b, (int32_t)u, R_OCCUPATION, "occupation", c->occupation_names[o]));
        char gender[2] = { c->gender[u], 0 };
        if ((side & GR_KG_SIDE_GENDER) && gender[0]) GR_TRY(add_attr(b, (int32_t)u, R_GENDER, "gender", gender));
    }
    return GR_OK;
}

int gr_kg_from_graph(gr_kg **out, const gr_graph *g, double min_rating, unsigned int side)
{
    if (!out || !g) return gr_err(GR_EINVAL, "gr_kg_from_graph: NULL argument");
    if (side & ~(unsigned)GR_KG_SIDE_ALL) return gr_err(GR_EINVAL, "gr_kg_from_graph: unknown side relation bits 0x%x", side);
    if (!(min_rating >= 0) || isinf(min_rating))
        return gr_err(GR_EINVAL, "gr_kg_from_graph: min_rating must be a finite number >= 0, got %g", min_rating);
    builder b;
    memset(&b, 0, sizeof b);
    b.v = gr_kg_vocab_new();
    if (!b.v) return GR_ENOMEM;
    int rc = add_nodes(&b, g);
    if (rc == GR_OK) rc = add_liked(&b, g, min_rating);
    if (rc == GR_OK) rc = add_item_side(&b, g, side);
    if (rc == GR_OK) rc = add_user_side(&b, g, side);
    gr_kg *kg = NULL;
    if (rc == GR_OK) rc = gr_kg_build(&kg, b.v, b.tb.h, b.tb.r, b.tb.t, b.tb.n, 0);
    if (rc == GR_OK) {
        kg->has_ui = 1;
        kg->ui.n_users = g->n_users;
        kg->ui.n_items = g->n_items;
        kg->ui.liked = R_LIKED;
        *out = kg;
    }
    gr_triple_buf_free(&b.tb);
    gr_kg_vocab_unref(b.v);
    return rc;
}
