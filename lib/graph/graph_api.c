/* The public graph API: loading, building, queries, metadata, writing. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/names.h"
#include "dist/dist.h"
#include "graph/graph.h"
#include "graph/load_dist.h"
#include "io/atomic_file.h"
#include "io/metadata.h"
#include "io/ratings.h"

#define PATH_CAP 4096

static int check_load_options(const gr_load_options *o)
{
    if (o->version < 1 || o->version > GR_LOAD_OPTIONS_VERSION)
        return gr_err(GR_EINVAL, "gr_load_options.version %u not supported (1..%d)", o->version,
                      GR_LOAD_OPTIONS_VERSION);
    if (o->format < GR_FORMAT_AUTO || o->format > GR_FORMAT_DELIMITED)
        return gr_err(GR_EINVAL, "gr_load_options.format %d is not a gr_format", o->format);
    if (!(o->min_rating >= 0) || isinf(o->min_rating))
        return gr_err(GR_EINVAL, "gr_load_options.min_rating must be a number >= 0");
    if (o->version >= 3 && (o->ids < GR_IDS_AUTO || o->ids > GR_IDS_NAMES))
        return gr_err(GR_EINVAL, "gr_load_options.ids %d is not a gr_ids", o->ids);
    return GR_OK;
}

static int ids_of(const gr_load_options *o) { return o->version >= 3 ? o->ids : GR_IDS_AUTO; }

/* The ids of a file loaded like a graph: the graph's kind. */
static int ids_like(int *ids, const gr_graph *like, const gr_load_options *o)
{
    int want = like->cat->named ? GR_IDS_NAMES : GR_IDS_INTEGERS;
    *ids = ids_of(o);
    if (*ids != GR_IDS_AUTO && *ids != want)
        return gr_err(GR_EINVAL, "gr_load_options.ids: the graph's ids are %s", like->cat->named ? "names" : "integers");
    *ids = want;
    return GR_OK;
}

/* Copy path into buf; a path that does not fit is an error, never cut
 * short (a prefix could name another file). */
static int copy_path(char *buf, const char *path)
{
    size_t n = strlen(path);
    if (n >= PATH_CAP) return gr_err(GR_EINVAL, "%.60s...: path longer than %d bytes", path, PATH_CAP - 1);
    memcpy(buf, path, n + 1);
    return GR_OK;
}

/* The interaction file of a file or MovieLens directory, and its format
 * (a directory's file fixes it). */
static int resolve_input(char *data_path, int *format, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) return gr_err(GR_EIO, "%s: cannot open: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode)) return gr_find_ratings_file(data_path, PATH_CAP, format, path);
    return copy_path(data_path, path);
}

/*
 * Read the interactions of a file or MovieLens directory: alone, or with
 * d, each rank its part of the file.  rc is this rank's status so far;
 * with d, every rank comes here whatever it is (the reading is
 * collective) and all return the same status.
 */
static int read_edges(gr_edges *e, int rc, char *data_path, const char *path, const gr_load_options *o, int ids,
                      gr_dist *d)
{
    int format = o->format;
    if (rc == GR_OK) rc = resolve_input(data_path, &format, path);
    if (!d) return rc == GR_OK ? gr_read_interactions(e, data_path, format, ids) : rc;
    GR_TRY(gr_dist_agree(d, rc));
    return gr_read_edges_parts(e, data_path, format, ids, o->min_rating, d);
}

/* The communicator of the options (version 2 on), duplicated; NULL to
 * load alone.  Collective over it.  GR_EUNSUPPORTED without MPI. */
static int open_comm(gr_dist **d, const gr_load_options *o)
{
    *d = NULL;
    void *comm = o->version >= 2 ? o->comm : NULL;
    int rc = comm ? gr_dist_new(d, comm) : GR_OK;
    /* gr_dist_new speaks of the trainer that usually calls it */
    if (rc == GR_ESTATE) return gr_err(rc, "gr_load_options.comm: MPI is not initialised (call MPI_Init first)");
    return rc;
}

/* After a collective read that succeeded everywhere, what followed it
 * (metadata, building) may fail on one rank alone: every rank then
 * returns that failure, without a graph. */
static int agree_built(gr_dist *d, int rc, gr_graph **out)
{
    if (!d) return rc;
    int all = gr_dist_agree(d, rc);
    if (rc == GR_OK && all != GR_OK) {
        gr_graph_free(*out);
        *out = NULL;
    }
    return all;
}

/* The metadata files key items and users by integer ids: a file whose ids
 * are names reads none beside it, and may not name one. */
static int attach_metadata(gr_catalog *cat, const char *data_path, const gr_load_options *o, int named)
{
    char items[PATH_CAP] = "", users[PATH_CAP] = "";
    if (named && (o->items_path || o->users_path))
        return gr_err(GR_EINVAL, "%s: its ids are names; metadata files (items_path, users_path) need integer ids",
                      data_path);
    if (named) return GR_OK;
    if (o->metadata) gr_find_metadata(items, users, PATH_CAP, data_path);
    if (o->items_path) GR_TRY(copy_path(items, o->items_path));
    if (o->users_path) GR_TRY(copy_path(users, o->users_path));
    if (items[0]) {
        gr_item_table t;
        memset(&t, 0, sizeof t);
        int rc = gr_read_items(&t, items);
        if (rc == GR_OK) rc = gr_catalog_attach_items(cat, &t);
        gr_item_table_free(&t);
        GR_TRY(rc);
    }
    if (users[0]) {
        gr_user_table t;
        memset(&t, 0, sizeof t);
        int rc = gr_read_users(&t, users);
        if (rc == GR_OK) rc = gr_catalog_attach_users(cat, &t);
        gr_user_table_free(&t);
        GR_TRY(rc);
    }
    return GR_OK;
}

static int finish(gr_graph **out, gr_graph *g, const char *what)
{
    if (g->n_edges == 0) {
        size_t skipped = g->skipped;
        gr_graph_free(g);
        return gr_err(GR_ESTATE, "%s: no interactions%s", what,
                      skipped ? " with known ids" : " (after filtering)");
    }
    *out = g;
    return GR_OK;
}

int gr_graph_load(gr_graph **out, const char *path, const gr_load_options *opts)
{
    gr_load_options defaults = GR_LOAD_OPTIONS_INIT;
    const gr_load_options *o = opts ? opts : &defaults;
    if (!out || !path) return gr_err(GR_EINVAL, "gr_graph_load: out and path must not be NULL");
    GR_TRY(check_load_options(o));
    gr_dist *d;
    GR_TRY(open_comm(&d, o));
    char *data_path = gr_alloc(PATH_CAP, 1);
    gr_catalog *cat = gr_catalog_new();
    gr_edges e;
    gr_edges_init(&e);
    int rc = read_edges(&e, data_path && cat ? GR_OK : GR_ENOMEM, data_path, path, o, ids_of(o), d);
    int read = rc == GR_OK;
    if (rc == GR_OK) rc = attach_metadata(cat, data_path, o, e.user_names != NULL);
    gr_graph *g = NULL;
    if (rc == GR_OK) rc = gr_graph_build(&g, cat, &e, o->min_rating, 1);
    if (rc == GR_OK) rc = finish(out, g, path);
    if (read) rc = agree_built(d, rc, out);
    gr_edges_free(&e);
    gr_catalog_unref(cat);
    free(data_path);
    gr_dist_free(d);
    return rc;
}

int gr_graph_load_like(gr_graph **out, const gr_graph *like, const char *path, const gr_load_options *opts)
{
    gr_load_options defaults = GR_LOAD_OPTIONS_INIT;
    const gr_load_options *o = opts ? opts : &defaults;
    if (!out || !like || !path) return gr_err(GR_EINVAL, "gr_graph_load_like: out, like and path must not be NULL");
    GR_TRY(check_load_options(o));
    int ids;
    GR_TRY(ids_like(&ids, like, o));
    gr_dist *d;
    GR_TRY(open_comm(&d, o));
    char *data_path = gr_alloc(PATH_CAP, 1);
    gr_edges e;
    gr_edges_init(&e);
    int rc = read_edges(&e, data_path ? GR_OK : GR_ENOMEM, data_path, path, o, ids, d);
    int read = rc == GR_OK;
    gr_graph *g = NULL;
    if (rc == GR_OK) rc = gr_graph_build(&g, like->cat, &e, o->min_rating, 0);
    if (rc == GR_OK) rc = finish(out, g, path);
    if (read) rc = agree_built(d, rc, out);
    gr_edges_free(&e);
    free(data_path);
    gr_dist_free(d);
    return rc;
}

/* The caller's edges: integer ids, or names (user_names, item_names). */
typedef struct edge_arrays {
    const int64_t *users, *items;
    const char *const *user_names, *const *item_names;
    const float *ratings;
    const int64_t *timestamps;
    size_t n;
    const char *what; /* the public call, for messages */
} edge_arrays;

/* The id of edge k's name on one side, the name kept in t as a reader
 * keeps a field's (gr_names_add refuses a name another name's id stands
 * for). */
static int named_id(int64_t *id, gr_names *t, const char *name, size_t k, const char *side, const char *what)
{
    if (!name) return gr_err(GR_EINVAL, "%s: edge %zu: the %s name is NULL", what, k, side);
    size_t n;
    const char *s = gr_name_span(name, &n);
    if (n == 0 || n > GR_NAME_MAX)
        return gr_err(GR_EINVAL, "%s: edge %zu: a %s name has 1 to %d bytes, got %zu", what, k, side, GR_NAME_MAX, n);
    *id = gr_name_hash(s, n);
    int rc = gr_names_add(t, *id, s, n);
    if (rc != GR_OK) gr_err_prefix("%s: edge %zu: %s", what, k, side);
    return rc;
}

static int push_edge(gr_edges *e, const edge_arrays *a, size_t k)
{
    float r = a->ratings ? a->ratings[k] : 1.0f;
    if (!isfinite(r)) return gr_err(GR_EINVAL, "edge %zu: rating is not a finite number", k);
    int64_t user, item;
    if (a->user_names) {
        GR_TRY(named_id(&user, e->user_names, a->user_names[k], k, "user", a->what));
        GR_TRY(named_id(&item, e->item_names, a->item_names[k], k, "item", a->what));
    } else {
        user = a->users[k];
        item = a->items[k];
    }
    return gr_edges_push(e, user, item, r, a->timestamps ? a->timestamps[k] : 0);
}

static int edges_from_arrays(gr_edges *e, const edge_arrays *a)
{
    gr_edges_init(e);
    e->has_rating = a->ratings != NULL;
    e->has_ts = a->timestamps != NULL;
    int rc = a->user_names ? gr_edges_use_names(e) : GR_OK;
    for (size_t k = 0; rc == GR_OK && k < a->n; k++) rc = push_edge(e, a, k);
    if (rc != GR_OK) gr_edges_free(e);
    return rc;
}

static int from_edges(gr_graph **out, gr_catalog *cat, int grow, const edge_arrays *a, double min_rating)
{
    int named = a->user_names || a->item_names;
    if (!out || (a->n && (named ? !a->user_names || !a->item_names : !a->users || !a->items)))
        return gr_err(GR_EINVAL, "%s: out, users and items must not be NULL", a->what);
    if (!(min_rating >= 0) || isinf(min_rating))
        return gr_err(GR_EINVAL, "%s: min_rating must be a finite number >= 0, got %g", a->what, min_rating);
    gr_edges e;
    GR_TRY(edges_from_arrays(&e, a));
    gr_graph *g = NULL;
    int rc = gr_graph_build(&g, cat, &e, min_rating, grow);
    gr_edges_free(&e);
    if (rc == GR_OK) rc = finish(out, g, a->what);
    return rc;
}

/* A new id space for the edges: the graph of gr_graph_from_edges(). */
static int from_edges_alone(gr_graph **out, const edge_arrays *a, double min_rating)
{
    gr_catalog *cat = gr_catalog_new();
    if (!cat) return GR_ENOMEM;
    int rc = from_edges(out, cat, 1, a, min_rating);
    gr_catalog_unref(cat);
    return rc;
}

int gr_graph_from_edges(gr_graph **out, const int64_t *users, const int64_t *items, const float *ratings,
                        const int64_t *timestamps, size_t n, double min_rating)
{
    edge_arrays a = { users, items, NULL, NULL, ratings, timestamps, n, "gr_graph_from_edges" };
    return from_edges_alone(out, &a, min_rating);
}

int gr_graph_from_edges_like(gr_graph **out, const gr_graph *like, const int64_t *users, const int64_t *items,
                             const float *ratings, const int64_t *timestamps, size_t n, double min_rating)
{
    if (!like) return gr_err(GR_EINVAL, "gr_graph_from_edges_like: like must not be NULL");
    edge_arrays a = { users, items, NULL, NULL, ratings, timestamps, n, "gr_graph_from_edges" };
    return from_edges(out, like->cat, 0, &a, min_rating);
}

int gr_graph_from_named_edges(gr_graph **out, const char *const *users, const char *const *items,
                              const float *ratings, const int64_t *timestamps, size_t n, double min_rating)
{
    edge_arrays a = { NULL, NULL, users, items, ratings, timestamps, n, "gr_graph_from_named_edges" };
    return from_edges_alone(out, &a, min_rating);
}

int gr_graph_from_named_edges_like(gr_graph **out, const gr_graph *like, const char *const *users,
                                   const char *const *items, const float *ratings, const int64_t *timestamps,
                                   size_t n, double min_rating)
{
    if (!like) return gr_err(GR_EINVAL, "gr_graph_from_named_edges_like: like must not be NULL");
    if (!like->cat->named) return gr_err(GR_EINVAL, "gr_graph_from_named_edges_like: like's ids are integers, not names");
    edge_arrays a = { NULL, NULL, users, items, ratings, timestamps, n, "gr_graph_from_named_edges" };
    return from_edges(out, like->cat, 0, &a, min_rating);
}

size_t gr_graph_num_users(const gr_graph *g) { return g ? g->n_users : 0; }
size_t gr_graph_num_items(const gr_graph *g) { return g ? g->n_items : 0; }
size_t gr_graph_num_edges(const gr_graph *g) { return g ? g->n_edges : 0; }
size_t gr_graph_num_skipped(const gr_graph *g) { return g ? g->skipped : 0; }
int gr_graph_has_ratings(const gr_graph *g) { return g ? g->has_ratings : 0; }
int gr_graph_has_timestamps(const gr_graph *g) { return g ? g->has_ts : 0; }

int gr_graph_user_id(int64_t *out, const gr_graph *g, size_t index)
{
    if (!out || !g) return gr_err(GR_EINVAL, "gr_graph_user_id: NULL argument");
    if (index >= g->n_users) return gr_err(GR_ERANGE, "user index %zu out of range (%zu users)", index, g->n_users);
    *out = g->cat->users.ids[index];
    return GR_OK;
}

int gr_graph_item_id(int64_t *out, const gr_graph *g, size_t index)
{
    if (!out || !g) return gr_err(GR_EINVAL, "gr_graph_item_id: NULL argument");
    if (index >= g->n_items) return gr_err(GR_ERANGE, "item index %zu out of range (%zu items)", index, g->n_items);
    *out = g->cat->items.ids[index];
    return GR_OK;
}

/* Copy row r of m, translating column indices to external ids. */
static void copy_row(const gr_csr *m, size_t r, const int64_t *ext, int64_t *ids, float *vals, size_t cap)
{
    size_t n = 0;
    for (int64_t k = m->ptr[r]; k < m->ptr[r + 1] && n < cap; k++, n++) {
        if (ids) ids[n] = ext[m->col[k]];
        if (vals) vals[n] = gr_csr_val(m, k);
    }
}

int gr_graph_user_items(size_t *count, const gr_graph *g, int64_t user, int64_t *items, float *ratings, size_t cap)
{
    if (!count || !g) return gr_err(GR_EINVAL, "gr_graph_user_items: NULL argument");
    int32_t u = gr_graph_user_index(g, user);
    if (u < 0 || (size_t)u >= g->n_users) return gr_err(GR_ENOTFOUND, "unknown user id %lld", (long long)user);
    *count = gr_csr_degree(&g->ui, (size_t)u);
    copy_row(&g->ui, (size_t)u, g->cat->items.ids, items, ratings, cap);
    return GR_OK;
}

int gr_graph_item_users(size_t *count, const gr_graph *g, int64_t item, int64_t *users, float *ratings, size_t cap)
{
    if (!count || !g) return gr_err(GR_EINVAL, "gr_graph_item_users: NULL argument");
    int32_t i = gr_graph_item_index(g, item);
    if (i < 0 || (size_t)i >= g->n_items) return gr_err(GR_ENOTFOUND, "unknown item id %lld", (long long)item);
    *count = gr_csr_degree(&g->iu, (size_t)i);
    copy_row(&g->iu, (size_t)i, g->cat->users.ids, users, ratings, cap);
    return GR_OK;
}

int gr_graph_edges(const gr_graph *g, int64_t *users, int64_t *items, float *ratings, int64_t *timestamps, size_t cap)
{
    if (!g) return gr_err(GR_EINVAL, "gr_graph_edges: NULL graph");
    if (cap < g->n_edges) return gr_err(GR_ERANGE, "gr_graph_edges: room for %zu edges, the graph has %zu", cap, g->n_edges);
    for (size_t u = 0; u < g->n_users; u++) {
        for (int64_t k = g->ui.ptr[u]; k < g->ui.ptr[u + 1]; k++) {
            if (users) users[k] = g->cat->users.ids[u];
            if (items) items[k] = g->cat->items.ids[g->ui.col[k]];
            if (ratings) ratings[k] = gr_csr_val(&g->ui, k);
            if (timestamps) timestamps[k] = gr_csr_ts(&g->ui, k);
        }
    }
    return GR_OK;
}

/* A user's or item's field as the readers read it back: its name, or its
 * integer id. */
static void put_id(gr_afile *f, const char *before, const char *name, int64_t id)
{
    if (name) gr_afile_printf(f, "%s%s", before, name);
    else gr_afile_printf(f, "%s%lld", before, (long long)id);
}

static void write_ml100k(gr_afile *f, const gr_graph *g)
{
    const gr_catalog *c = g->cat;
    for (size_t u = 0; u < g->n_users; u++)
        for (int64_t k = g->ui.ptr[u]; k < g->ui.ptr[u + 1]; k++) {
            int32_t i = g->ui.col[k];
            put_id(f, "", c->user_name[u], c->users.ids[u]);
            put_id(f, "\t", c->item_name[i], c->items.ids[i]);
            gr_afile_printf(f, "\t%g\t%lld\n", (double)gr_csr_val(&g->ui, k), (long long)gr_csr_ts(&g->ui, k));
        }
}

static void write_adjacency(gr_afile *f, const gr_graph *g)
{
    const gr_catalog *c = g->cat;
    for (size_t u = 0; u < g->n_users; u++) {
        if (gr_csr_degree(&g->ui, u) == 0) continue;
        put_id(f, "", c->user_name[u], c->users.ids[u]);
        for (int64_t k = g->ui.ptr[u]; k < g->ui.ptr[u + 1]; k++)
            put_id(f, " ", c->item_name[g->ui.col[k]], c->items.ids[g->ui.col[k]]);
        gr_afile_printf(f, "\n");
    }
}

/* Both formats split fields on blanks: a name holding one cannot be
 * written in them. */
static int names_writable(const gr_catalog *c)
{
    char *const *lists[2] = { c->user_name, c->item_name };
    const size_t counts[2] = { c->users.n, c->items.n };
    for (int side = 0; c->named && side < 2; side++)
        for (size_t k = 0; k < counts[side]; k++)
            if (lists[side][k] && strpbrk(lists[side][k], " \t\r\n"))
                return gr_err(GR_EINVAL, "gr_graph_write: the %s name '%.60s' holds a blank, which the format separates fields with",
                              side ? "item" : "user", lists[side][k]);
    return GR_OK;
}

int gr_graph_write(const gr_graph *g, const char *path, int format)
{
    if (!g || !path) return gr_err(GR_EINVAL, "gr_graph_write: NULL argument");
    if (format != GR_FORMAT_ML100K && format != GR_FORMAT_ADJACENCY)
        return gr_err(GR_EINVAL, "gr_graph_write: format %d not supported (GR_FORMAT_ML100K or GR_FORMAT_ADJACENCY)", format);
    GR_TRY(names_writable(g->cat));
    gr_afile f;
    GR_TRY(gr_afile_open(&f, path));
    if (format == GR_FORMAT_ML100K) write_ml100k(&f, g);
    else write_adjacency(&f, g);
    return gr_afile_commit(&f);
}

/* ---- names ---- */

int gr_name_id(int64_t *out, const char *name)
{
    if (!out || !name) return gr_err(GR_EINVAL, "gr_name_id: NULL argument");
    size_t n;
    name = gr_name_span(name, &n); /* trimmed as the readers trim a field */
    if (n == 0 || n > GR_NAME_MAX) return gr_err(GR_EINVAL, "gr_name_id: a name has 1 to %d bytes, got %zu", GR_NAME_MAX, n);
    *out = gr_name_hash(name, n);
    return GR_OK;
}

int gr_graph_has_names(const gr_graph *g) { return g && g->cat->named; }

const char *gr_graph_user_name(const gr_graph *g, int64_t user)
{
    int32_t u = g ? gr_graph_user_index(g, user) : -1;
    return u < 0 ? NULL : g->cat->user_name[u];
}

const char *gr_graph_item_name(const gr_graph *g, int64_t item)
{
    int32_t i = g ? gr_graph_item_index(g, item) : -1;
    return i < 0 ? NULL : g->cat->item_name[i];
}

/* ---- metadata ---- */

static int32_t item_or_neg(const gr_graph *g, int64_t item)
{
    return g ? gr_graph_item_index(g, item) : -1;
}

const char *gr_graph_item_title(const gr_graph *g, int64_t item)
{
    int32_t i = item_or_neg(g, item);
    return i < 0 ? NULL : g->cat->title[i];
}

int gr_graph_item_year(const gr_graph *g, int64_t item)
{
    int32_t i = item_or_neg(g, item);
    return i < 0 ? 0 : g->cat->year[i];
}

uint64_t gr_graph_item_genres(const gr_graph *g, int64_t item)
{
    int32_t i = item_or_neg(g, item);
    return i < 0 ? 0 : g->cat->genres[i];
}

size_t gr_graph_num_genres(const gr_graph *g) { return g ? g->cat->n_genres : 0; }

const char *gr_graph_genre_name(const gr_graph *g, size_t i)
{
    return g && i < g->cat->n_genres ? g->cat->genre[i] : NULL;
}

/* Match one genre name of length n against the catalog, case-insensitively. */
static int genre_bit(const gr_catalog *c, const char *name, size_t n)
{
    for (size_t gi = 0; gi < c->n_genres; gi++)
        if (strlen(c->genre[gi]) == n && strncasecmp(c->genre[gi], name, n) == 0) return (int)gi;
    return -1;
}

int gr_graph_genre_mask(uint64_t *mask, const gr_graph *g, const char *names)
{
    if (!mask || !g || !names) return gr_err(GR_EINVAL, "gr_graph_genre_mask: NULL argument");
    uint64_t m = 0;
    const char *p = names;
    while (*p) {
        while (*p == ' ' || *p == ',') p++;
        const char *start = p;
        while (*p && *p != ',') p++;
        const char *end = p;
        while (end > start && end[-1] == ' ') end--;
        if (end == start) continue;
        int bit = genre_bit(g->cat, start, (size_t)(end - start));
        if (bit < 0) return gr_err(GR_ENOTFOUND, "unknown genre '%.*s'", (int)(end - start), start);
        m |= 1ULL << bit;
    }
    *mask = m;
    return GR_OK;
}

int gr_graph_user_info(const gr_graph *g, int64_t user, int *age, char *gender, const char **occupation)
{
    if (!g) return gr_err(GR_EINVAL, "gr_graph_user_info: NULL graph");
    int32_t u = gr_graph_user_index(g, user);
    if (u < 0) return gr_err(GR_ENOTFOUND, "unknown user id %lld", (long long)user);
    const gr_catalog *c = g->cat;
    if (age) *age = c->age[u];
    if (gender) *gender = c->gender[u];
    if (occupation) *occupation = c->occupation[u] >= 0 ? c->occupation_names[c->occupation[u]] : NULL;
    return GR_OK;
}
