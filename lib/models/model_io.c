/* gr_model_save / gr_model_load: the sections of docs/model-format.md. */
#include <gnnrec/version.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "io/model_file.h"
#include "models/model.h"

#define TAG_INFO GR_FOURCC('I', 'N', 'F', 'O')
#define TAG_USERS GR_FOURCC('U', 'S', 'R', 'S')
#define TAG_ITEMS GR_FOURCC('I', 'T', 'M', 'S')
#define TAG_ITEM_META GR_FOURCC('I', 'M', 'E', 'T')
#define TAG_USER_META GR_FOURCC('U', 'M', 'E', 'T')
#define TAG_NAMES GR_FOURCC('N', 'A', 'M', 'E')
#define TAG_GRAPH GR_FOURCC('G', 'R', 'P', 'H')
#define TAG_VECTORS GR_FOURCC('V', 'E', 'C', 'S')
#define TAG_STATE GR_FOURCC('S', 'T', 'A', 'T')

enum { VEC_USER_BIAS = 1, VEC_ITEM_BIAS = 2 };

/* ---- save ---- */

static void save_info(gr_writer *w, const gr_model *m)
{
    char line[128];
    gr_writer_begin(w, TAG_INFO);
    snprintf(line, sizeof line, "kind=%s\nlibrary=%s\n", gr_model_kind_name(m->kind), GR_VERSION_STRING);
    gr_writer_bytes(w, line, strlen(line));
    for (size_t k = 0; k < m->n_info; k++) {
        snprintf(line, sizeof line, "%s=%.17g\n", m->info[k].key, m->info[k].value);
        gr_writer_bytes(w, line, strlen(line));
    }
    gr_writer_end(w);
}

static void save_catalog(gr_writer *w, const gr_catalog *c)
{
    gr_writer_begin(w, TAG_USERS);
    gr_writer_u64(w, c->users.n);
    gr_writer_i64s(w, c->users.ids, c->users.n);
    gr_writer_end(w);
    gr_writer_begin(w, TAG_ITEMS);
    gr_writer_u64(w, c->items.n);
    gr_writer_i64s(w, c->items.ids, c->items.n);
    gr_writer_end(w);
    gr_writer_begin(w, TAG_ITEM_META);
    gr_writer_u64(w, c->n_genres);
    for (size_t g = 0; g < c->n_genres; g++) gr_writer_string(w, c->genre[g]);
    for (size_t i = 0; i < c->items.n; i++) {
        gr_writer_i32s(w, &c->year[i], 1);
        gr_writer_u64(w, c->genres[i]);
        gr_writer_string(w, c->title[i]);
    }
    gr_writer_end(w);
    gr_writer_begin(w, TAG_USER_META);
    gr_writer_u64(w, c->n_occupations);
    for (size_t o = 0; o < c->n_occupations; o++) gr_writer_string(w, c->occupation_names[o]);
    for (size_t u = 0; u < c->users.n; u++) {
        int32_t rec[3] = { c->age[u], (unsigned char)c->gender[u], c->occupation[u] };
        gr_writer_i32s(w, rec, 3);
    }
    gr_writer_end(w);
    if (!c->named) return;
    gr_writer_begin(w, TAG_NAMES);
    for (size_t u = 0; u < c->users.n; u++) gr_writer_string(w, c->user_name[u]);
    for (size_t i = 0; i < c->items.n; i++) gr_writer_string(w, c->item_name[i]);
    gr_writer_end(w);
}

/* The training ratings; a graph whose every rating is 1 holds no column
 * (gr_csr_val) and writes its ones. */
static void save_ratings(gr_writer *w, const gr_graph *g)
{
    if (g->ui.val) {
        gr_writer_floats(w, g->ui.val, g->n_edges);
        return;
    }
    float ones[256];
    for (size_t k = 0; k < 256; k++) ones[k] = 1.0f;
    for (size_t at = 0; at < g->n_edges; at += 256) gr_writer_floats(w, ones, g->n_edges - at < 256 ? g->n_edges - at : 256);
}

static void save_graph(gr_writer *w, const gr_graph *g)
{
    gr_writer_begin(w, TAG_GRAPH);
    gr_writer_u64(w, g->n_edges);
    gr_writer_u64(w, (uint64_t)g->has_ratings);
    gr_writer_i64s(w, g->ui.ptr, g->n_users + 1);
    gr_writer_i32s(w, g->ui.col, g->n_edges);
    if (g->has_ratings) save_ratings(w, g);
    gr_writer_end(w);
}

static void save_vectors(gr_writer *w, const gr_model *m)
{
    gr_writer_begin(w, TAG_VECTORS);
    gr_writer_u64(w, m->dim);
    gr_writer_u64(w, (m->user_bias ? VEC_USER_BIAS : 0) | (m->item_bias ? VEC_ITEM_BIAS : 0));
    gr_writer_floats(w, m->user_vec, m->n_users * m->dim);
    gr_writer_floats(w, m->item_vec, m->n_items * m->dim);
    if (m->user_bias) gr_writer_floats(w, m->user_bias, m->n_users);
    if (m->item_bias) gr_writer_floats(w, m->item_bias, m->n_items);
    gr_writer_floats(w, &m->global_bias, 1);
    gr_writer_end(w);
}

int gr_model_save(const gr_model *m, const char *path)
{
    if (!m || !path) return gr_err(GR_EINVAL, "gr_model_save: NULL argument");
    gr_writer w;
    GR_TRY(gr_writer_open(&w, path, (uint32_t)m->kind));
    save_info(&w, m);
    save_catalog(&w, m->graph->cat);
    save_graph(&w, m->graph);
    save_vectors(&w, m);
    gr_writer_begin(&w, TAG_STATE);
    int rc = m->ops && m->ops->save_state ? m->ops->save_state(m, &w) : GR_OK;
    gr_writer_end(&w);
    if (rc != GR_OK) {
        gr_writer_abort(&w);
        return rc;
    }
    return gr_writer_commit(&w);
}

/* ---- load ---- */

static int load_info(gr_reader *r, gr_model *m)
{
    GR_TRY(gr_reader_section(r, TAG_INFO));
    size_t n = r->end - r->pos;
    char *text = gr_alloc(n + 1, 1);
    if (!text) return GR_ENOMEM;
    gr_reader_bytes(r, text, n);
    text[n] = '\0';
    char *save = NULL; /* strtok_r: models load from many threads at once */
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *eq = strchr(line, '=');
        if (!eq) continue;
        *eq = '\0';
        char *end;
        double v = strtod(eq + 1, &end);
        if (end != eq + 1 && *end == '\0' && strlen(line) < sizeof m->info[0].key) gr_model_set_info(m, line, v);
    }
    free(text);
    return GR_OK;
}

static int load_ids(gr_reader *r, uint32_t tag, gr_catalog *c, int users)
{
    uint64_t n;
    GR_TRY(gr_reader_section(r, tag));
    GR_TRY(gr_reader_u64(r, &n));
    if (n > (r->end - r->pos) / 8) return gr_reader_fail(r, "%llu ids exceed the section", (unsigned long long)n);
    for (uint64_t k = 0; k < n; k++) {
        int64_t id;
        GR_TRY(gr_reader_i64s(r, &id, 1));
        int32_t idx = users ? gr_catalog_add_user(c, id) : gr_catalog_add_item(c, id);
        if (idx < 0) return gr_last_error_code();
        if ((uint64_t)idx != k) return gr_reader_fail(r, "id %lld appears twice", (long long)id);
    }
    return GR_OK;
}

static int load_names(gr_reader *r, char ***names, size_t *count, size_t max)
{
    uint64_t n;
    GR_TRY(gr_reader_u64(r, &n));
    if (n > max || n > r->end - r->pos) return gr_reader_fail(r, "%llu names out of range", (unsigned long long)n);
    *names = gr_zalloc(n ? n : 1, sizeof **names);
    if (!*names) return GR_ENOMEM;
    *count = n;
    for (size_t k = 0; k < n; k++) GR_TRY(gr_reader_string(r, &(*names)[k]));
    return GR_OK;
}

static void free_names(char **names, size_t n)
{
    if (!names) return;
    for (size_t k = 0; k < n; k++) free(names[k]);
    free(names);
}

static int load_item_meta(gr_reader *r, gr_catalog *c)
{
    GR_TRY(gr_reader_section(r, TAG_ITEM_META));
    char **names = NULL;
    size_t n = 0;
    int rc = load_names(r, &names, &n, GR_MAX_GENRES);
    if (rc == GR_OK) rc = gr_catalog_set_genres(c, names, n);
    free_names(names, n);
    for (size_t i = 0; rc == GR_OK && i < c->items.n; i++) {
        uint64_t genres = 0;
        rc = gr_reader_i32s(r, &c->year[i], 1);
        if (rc == GR_OK) rc = gr_reader_u64(r, &genres);
        if (rc == GR_OK) rc = gr_reader_string(r, &c->title[i]);
        c->genres[i] = genres;
    }
    return rc;
}

static int load_user_meta(gr_reader *r, gr_catalog *c)
{
    GR_TRY(gr_reader_section(r, TAG_USER_META));
    GR_TRY(load_names(r, &c->occupation_names, &c->n_occupations, 1u << 15));
    for (size_t u = 0; u < c->users.n; u++) {
        int32_t rec[3];
        GR_TRY(gr_reader_i32s(r, rec, 3));
        if (rec[2] < -1 || rec[2] >= (int32_t)c->n_occupations) return gr_reader_fail(r, "occupation %d out of range", rec[2]);
        c->age[u] = (int16_t)rec[0];
        c->gender[u] = (char)rec[1];
        c->occupation[u] = (int16_t)rec[2];
    }
    return GR_OK;
}

/* Ids that are names: a name per user, then per item (present only in
 * the files of such graphs). */
static int load_id_names(gr_reader *r, gr_catalog *c)
{
    if (!gr_reader_peek(r, TAG_NAMES)) return GR_OK;
    GR_TRY(gr_reader_section(r, TAG_NAMES));
    c->named = 1;
    for (size_t u = 0; u < c->users.n; u++) GR_TRY(gr_reader_string(r, &c->user_name[u]));
    for (size_t i = 0; i < c->items.n; i++) GR_TRY(gr_reader_string(r, &c->item_name[i]));
    return GR_OK;
}

/* Rows must be monotonic and columns strictly ascending and in range:
 * the rest of the library relies on both. */
static int check_csr(gr_reader *r, const gr_csr *ui, size_t n_items, uint64_t n_edges)
{
    if (ui->ptr[0] != 0 || (uint64_t)ui->ptr[ui->nrows] != n_edges) return gr_reader_fail(r, "row pointers do not span the edges");
    for (size_t u = 0; u < ui->nrows; u++) {
        if (ui->ptr[u + 1] < ui->ptr[u]) return gr_reader_fail(r, "row pointers decrease at user %zu", u);
        for (int64_t k = ui->ptr[u]; k < ui->ptr[u + 1]; k++) {
            if (ui->col[k] < 0 || (size_t)ui->col[k] >= n_items) return gr_reader_fail(r, "item index %d out of range", ui->col[k]);
            if (k > ui->ptr[u] && ui->col[k] <= ui->col[k - 1]) return gr_reader_fail(r, "items of user %zu not sorted", u);
        }
    }
    return GR_OK;
}

static int load_graph(gr_reader *r, gr_catalog *c, gr_graph **out)
{
    uint64_t n_edges, has_ratings;
    GR_TRY(gr_reader_section(r, TAG_GRAPH));
    GR_TRY(gr_reader_u64(r, &n_edges));
    GR_TRY(gr_reader_u64(r, &has_ratings));
    if (n_edges > (r->end - r->pos) / 4) return gr_reader_fail(r, "%llu edges exceed the section", (unsigned long long)n_edges);
    gr_csr ui;
    memset(&ui, 0, sizeof ui);
    ui.nrows = c->users.n;
    ui.ptr = gr_alloc(ui.nrows + 1, sizeof *ui.ptr);
    ui.col = gr_alloc(n_edges ? n_edges : 1, sizeof *ui.col);
    /* without ratings every one is 1: no column (gr_csr_val) */
    if (has_ratings) ui.val = gr_alloc(n_edges ? n_edges : 1, sizeof *ui.val);
    int rc = ui.ptr && ui.col && (ui.val || !has_ratings) ? GR_OK : GR_ENOMEM;
    if (rc == GR_OK) rc = gr_reader_i64s(r, ui.ptr, ui.nrows + 1);
    if (rc == GR_OK) rc = gr_reader_i32s(r, ui.col, n_edges);
    if (rc == GR_OK && has_ratings) rc = gr_reader_floats(r, ui.val, n_edges);
    if (rc == GR_OK) rc = check_csr(r, &ui, c->items.n, n_edges);
    if (rc != GR_OK) {
        gr_csr_free(&ui);
        return rc;
    }
    return gr_graph_from_csr(out, c, &ui, has_ratings != 0);
}

static int load_vectors(gr_reader *r, gr_model *m)
{
    uint64_t dim, flags;
    GR_TRY(gr_reader_section(r, TAG_VECTORS));
    GR_TRY(gr_reader_u64(r, &dim));
    GR_TRY(gr_reader_u64(r, &flags));
    /* kinds that score users themselves may have no vectors (EASE) */
    int vectorless = m->ops && m->ops->score_users;
    if ((dim == 0 && !vectorless) || dim > 65536) return gr_reader_fail(r, "dimension %llu out of range", (unsigned long long)dim);
    if ((m->n_users + m->n_items) * dim > (r->end - r->pos) / 4) return gr_reader_fail(r, "vectors exceed the section");
    m->dim = (size_t)dim;
    m->user_vec = gr_alloc_floats(m->n_users * m->dim);
    m->item_vec = gr_alloc_floats(m->n_items * m->dim);
    if (flags & VEC_USER_BIAS) m->user_bias = gr_alloc_floats(m->n_users);
    if (flags & VEC_ITEM_BIAS) m->item_bias = gr_alloc_floats(m->n_items);
    if (!m->user_vec || !m->item_vec || ((flags & VEC_USER_BIAS) && !m->user_bias) || ((flags & VEC_ITEM_BIAS) && !m->item_bias))
        return GR_ENOMEM;
    GR_TRY(gr_reader_floats(r, m->user_vec, m->n_users * m->dim));
    GR_TRY(gr_reader_floats(r, m->item_vec, m->n_items * m->dim));
    if (m->user_bias) GR_TRY(gr_reader_floats(r, m->user_bias, m->n_users));
    if (m->item_bias) GR_TRY(gr_reader_floats(r, m->item_bias, m->n_items));
    return gr_reader_floats(r, &m->global_bias, 1);
}

static int load_body(gr_reader *r, gr_model *m)
{
    GR_TRY(load_info(r, m));
    gr_catalog *c = gr_catalog_new();
    if (!c) return GR_ENOMEM;
    int rc = load_ids(r, TAG_USERS, c, 1);
    if (rc == GR_OK) rc = load_ids(r, TAG_ITEMS, c, 0);
    if (rc == GR_OK) rc = load_item_meta(r, c);
    if (rc == GR_OK) rc = load_user_meta(r, c);
    if (rc == GR_OK) rc = load_id_names(r, c);
    if (rc == GR_OK) rc = load_graph(r, c, &m->graph);
    gr_catalog_unref(c);
    GR_TRY(rc);
    m->n_users = m->graph->n_users;
    m->n_items = m->graph->n_items;
    GR_TRY(load_vectors(r, m));
    GR_TRY(gr_reader_section(r, TAG_STATE));
    if (m->ops && m->ops->load_state) GR_TRY(m->ops->load_state(m, r));
    if (r->pos != r->end) return gr_reader_fail(r, "%zu unread bytes", r->end - r->pos);
    if (m->ops && m->ops->prepare) GR_TRY(m->ops->prepare(m));
    return gr_model_finish(m);
}

int gr_model_load(gr_model **out, const char *path)
{
    if (!out || !path) return gr_err(GR_EINVAL, "gr_model_load: NULL argument");
    gr_reader r;
    int rc = gr_reader_open(&r, path);
    if (rc != GR_OK) {
        gr_reader_close(&r);
        return rc;
    }
    gr_model *m = gr_zalloc(1, sizeof *m);
    if (!m) {
        gr_reader_close(&r);
        return GR_ENOMEM;
    }
    m->kind = (int)r.kind;
    m->ops = gr_model_ops_of(m->kind);
    if (!gr_model_kind_name(m->kind)) rc = gr_err(GR_EFORMAT, "%s: unknown model kind %d", path, m->kind);
    if (rc == GR_OK) rc = load_body(&r, m);
    if (rc == GR_OK) rc = gr_reader_unchanged(&r);
    gr_reader_close(&r);
    if (rc != GR_OK) gr_model_free(m);
    /* the load's freed buffers (the propagation's layers and adjacency,
     * the reader's) are not left resident beside the model */
    gr_mem_trim();
    if (rc != GR_OK) return rc;
    *out = m;
    return GR_OK;
}
