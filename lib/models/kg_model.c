/*
 * KG models as gr_model kinds: parameters, the user-item view used for
 * recommendation (user vector = the query (user, liked, ?), item vector =
 * the item's entity), scoring, and the model-file state.
 */
#include "models/kg_model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "io/model_file.h"
#include "kernels/kg_score.h"

static size_t pad16(size_t n) { return (n + 15) & ~(size_t)15; }

const gr_kg_kind *gr_kg_kind_of(int kind, int norm)
{
    switch (kind) {
    case GR_MODEL_TRANSE: return norm == 2 ? &gr_transe_l2_kind : &gr_transe_l1_kind;
    case GR_MODEL_DISTMULT: return &gr_distmult_kind;
    case GR_MODEL_ROTATE: return &gr_rotate_kind;
    case GR_MODEL_COMPLEX: return &gr_complex_kind;
    default: return NULL;
    }
}

static int op_of(const gr_kg_kind *k)
{
    if (k == &gr_transe_l1_kind) return GR_KG_L1;
    if (k == &gr_transe_l2_kind) return GR_KG_L2;
    if (k == &gr_rotate_kind) return GR_KG_CMOD;
    return GR_KG_DOT;
}

int gr_kg_params_init(gr_kg_params *p, const gr_kg_kind *k, size_t dim, size_t n_ent, size_t n_rel, float gamma)
{
    memset(p, 0, sizeof *p);
    p->kind = k;
    p->op = op_of(k);
    p->dim = dim;
    p->width = k->complex ? 2 * dim : dim;
    p->L = k->complex ? 2 * pad16(dim) : pad16(dim);
    p->LR = k->rel_len(p->L);
    p->n_ent = n_ent;
    p->n_rel = n_rel;
    p->gamma = gamma;
    p->phase_scale = 1.0f;
    p->LA = k->aux_len ? k->aux_len(p->L) : 0;
    p->ent = gr_alloc_floats(n_ent * p->L);
    p->rel = gr_alloc_floats(n_rel * p->LR);
    p->aux = gr_alloc_floats(n_rel * p->LA);
    if (!p->ent || !p->rel || !p->aux) {
        gr_kg_params_free(p);
        return GR_ENOMEM;
    }
    return GR_OK;
}

void gr_kg_params_free(gr_kg_params *p)
{
    free(p->ent);
    free(p->rel);
    free(p->aux);
    p->ent = p->rel = p->aux = NULL;
}

void gr_kg_params_refresh(gr_kg_params *p)
{
    if (p->kind->refresh) p->kind->refresh(p);
}

void gr_kg_params_copy_rows(gr_kg_params *dst, size_t dst_row, const gr_kg_params *src, size_t src_row, size_t rows)
{
    memcpy(dst->ent + dst_row * src->L, src->ent + src_row * src->L, rows * src->L * sizeof(float));
    memcpy(dst->rel, src->rel, src->n_rel * src->LR * sizeof(float));
    memcpy(dst->aux, src->aux, src->n_rel * src->LA * sizeof(float));
    dst->gamma = src->gamma;
    dst->phase_scale = src->phase_scale;
}

int gr_kg_params_copy(gr_kg_params *dst, const gr_kg_params *src)
{
    if (!dst->ent) GR_TRY(gr_kg_params_init(dst, src->kind, src->dim, src->n_ent, src->n_rel, src->gamma));
    gr_kg_params_copy_rows(dst, 0, src, 0, src->n_ent);
    return GR_OK;
}

const gr_kg_state *gr_kg_state_of(const gr_model *m)
{
    if (!m || m->kind < GR_MODEL_TRANSE || m->kind > GR_MODEL_COMPLEX || !m->state) return NULL;
    return (const gr_kg_state *)m->state;
}

/* A padded row from a vector of `width` floats (complex: real parts, then imaginary). */
static void pad_row(const gr_kg_params *p, const float *v, float *row)
{
    memset(row, 0, p->L * sizeof *row);
    if (p->kind->complex) {
        memcpy(row, v, p->dim * sizeof *row);
        memcpy(row + p->L / 2, v + p->dim, p->dim * sizeof *row);
    } else {
        memcpy(row, v, p->dim * sizeof *row);
    }
}

static void unpad_row(const gr_kg_params *p, const float *row, float *v)
{
    memcpy(v, row, p->dim * sizeof *v);
    if (p->kind->complex) memcpy(v + p->dim, row + p->L / 2, p->dim * sizeof *v);
}

/* ---- ops ---- */

/* Distance kinds: gamma - distance of the user's query to every item. */
static int kg_score_items(const gr_model *m, const float *uv, float *scores)
{
    const gr_kg_state *s = gr_kg_state_of(m);
    const gr_kg_params *p = &s->p;
    float *q = gr_alloc_floats(p->L);
    if (!q) return GR_ENOMEM;
    pad_row(p, uv, q);
    const float *items = p->ent + s->kg->ui.n_users * p->L;
    gr_kg_score(p->op, GR_KG_EXACT, scores, m->n_items, q, 1, items, m->n_items, p->L);
    for (size_t i = 0; i < m->n_items; i++) scores[i] = gr_kg_score_of(p, scores[i]);
    free(q);
    return GR_OK;
}

/* User vectors are the queries (user, liked, ?); item vectors the items' entities. */
static int kg_prepare(gr_model *m)
{
    gr_kg_state *s = (gr_kg_state *)m->state;
    gr_kg_params *p = &s->p;
    gr_kg_params_refresh(p);
    if (!s->kg->has_ui) return GR_OK;
    float *q = gr_alloc_floats(p->L);
    if (!q) return GR_ENOMEM;
    for (size_t u = 0; u < m->n_users; u++) {
        p->kind->query(p, (int32_t)u, s->kg->ui.liked, 0, q);
        unpad_row(p, q, m->user_vec + u * m->dim);
    }
    for (size_t i = 0; i < m->n_items; i++) unpad_row(p, p->ent + (s->kg->ui.n_users + i) * p->L, m->item_vec + i * m->dim);
    free(q);
    return GR_OK;
}

static void kg_free_state(gr_model *m)
{
    gr_kg_state *s = (gr_kg_state *)m->state;
    if (!s) return;
    gr_kg_params_free(&s->p);
    gr_kg_free(s->kg);
    free(s);
    m->state = NULL;
}

/* ---- model file ---- */

static void save_names(gr_writer *w, const gr_strmap *m, size_t n)
{
    gr_writer_u64(w, n);
    for (size_t k = 0; k < n; k++) gr_writer_string(w, m->names[k]);
}

static int kg_save(const gr_model *m, gr_writer *w)
{
    const gr_kg_state *s = gr_kg_state_of(m);
    const gr_kg_params *p = &s->p;
    const gr_kg *kg = s->kg;
    uint64_t head[6] = { (uint64_t)s->norm, p->dim, p->n_ent, p->n_rel, (uint64_t)kg->has_ui, kg->n };
    for (int k = 0; k < 6; k++) gr_writer_u64(w, head[k]);
    float f[2] = { p->gamma, p->phase_scale };
    gr_writer_floats(w, f, 2);
    gr_writer_floats(w, p->ent, p->n_ent * p->L);
    gr_writer_floats(w, p->rel, p->n_rel * p->LR);
    save_names(w, &kg->vocab->ent, kg->n_ent);
    save_names(w, &kg->vocab->rel, kg->vocab->rel.n);
    gr_writer_i32s(w, kg->h, kg->n);
    gr_writer_i32s(w, kg->r, kg->n);
    gr_writer_i32s(w, kg->t, kg->n);
    if (kg->has_ui) {
        uint64_t ui[3] = { kg->ui.n_users, kg->ui.n_items, (uint64_t)kg->ui.liked };
        for (int k = 0; k < 3; k++) gr_writer_u64(w, ui[k]);
    }
    return GR_OK;
}

static int load_names(gr_reader *r, gr_strmap *m, uint64_t expect)
{
    uint64_t n;
    GR_TRY(gr_reader_u64(r, &n));
    if (n != expect) return gr_reader_fail(r, "%llu names where %llu were expected", (unsigned long long)n, (unsigned long long)expect);
    for (uint64_t k = 0; k < n; k++) {
        char *name;
        GR_TRY(gr_reader_string(r, &name));
        if (!name) return gr_reader_fail(r, "name %llu missing", (unsigned long long)k);
        const char *why = gr_strmap_name_problem(name, strlen(name));
        if (why) {
            free(name);
            return gr_reader_fail(r, "name %llu: %s", (unsigned long long)k, why);
        }
        int32_t id = gr_strmap_intern(m, name, strlen(name));
        free(name);
        if (id < 0) return gr_last_error_code();
        if ((uint64_t)id != k) return gr_reader_fail(r, "name %llu repeats an earlier one", (unsigned long long)k);
    }
    return GR_OK;
}

static int load_triples(gr_reader *r, gr_kg_state *s, uint64_t n, gr_kg_vocab *v)
{
    if (n > (r->end - r->pos) / 12) return gr_reader_fail(r, "%llu triples exceed the section", (unsigned long long)n);
    int32_t *h = gr_alloc(n + 1, sizeof *h), *rr = gr_alloc(n + 1, sizeof *rr), *t = gr_alloc(n + 1, sizeof *t);
    int rc = h && rr && t ? GR_OK : GR_ENOMEM;
    if (rc == GR_OK) rc = gr_reader_i32s(r, h, n);
    if (rc == GR_OK) rc = gr_reader_i32s(r, rr, n);
    if (rc == GR_OK) rc = gr_reader_i32s(r, t, n);
    for (uint64_t k = 0; rc == GR_OK && k < n; k++)
        if (h[k] < 0 || (size_t)h[k] >= v->ent.n || t[k] < 0 || (size_t)t[k] >= v->ent.n || rr[k] < 0 || (size_t)rr[k] >= v->rel.n)
            rc = gr_reader_fail(r, "triple %llu out of range", (unsigned long long)k);
    if (rc == GR_OK) rc = gr_kg_build(&s->kg, v, h, rr, t, n, 0);
    free(h);
    free(rr);
    free(t);
    return rc;
}

/* The user-item view of the triples.  A model fit with gr_kg_fit() on the
 * knowledge graph of a user-item graph has the view in its triples but no
 * users or items of its own; otherwise they are the view's. */
static int load_ui(gr_reader *r, gr_model *m, gr_kg *kg)
{
    uint64_t ui[3];
    for (int k = 0; k < 3; k++) GR_TRY(gr_reader_u64(r, &ui[k]));
    int own = m->n_users > 0 || m->n_items > 0;
    if ((own && (ui[0] != m->n_users || ui[1] != m->n_items)) || ui[0] > kg->n_ent || ui[1] > kg->n_ent - ui[0] ||
        ui[2] >= kg->vocab->rel.n)
        return gr_reader_fail(r, "the user-item view does not match the graph");
    kg->has_ui = 1;
    kg->ui.n_users = ui[0];
    kg->ui.n_items = ui[1];
    kg->ui.liked = (int32_t)ui[2];
    return GR_OK;
}

static int kg_load(gr_model *m, gr_reader *r)
{
    gr_kg_state *s = gr_zalloc(1, sizeof *s);
    if (!s) return GR_ENOMEM;
    m->state = s;
    uint64_t head[6];
    for (int k = 0; k < 6; k++) GR_TRY(gr_reader_u64(r, &head[k]));
    if (head[0] > 2 || head[1] == 0 || head[1] > 65536 || head[2] == 0 || head[2] > INT32_MAX || head[3] == 0 ||
        head[3] > INT32_MAX)
        return gr_reader_fail(r, "KG model sizes out of range");
    /* every entity row holds at least dim floats, every relation one: the
     * section must hold them before anything is sized by the header */
    size_t floats_left = (r->end - r->pos) / 4;
    if (head[2] > floats_left / head[1] || head[3] > floats_left)
        return gr_reader_fail(r, "%llu entities and %llu relations of dimension %llu exceed the section", (unsigned long long)head[2],
                              (unsigned long long)head[3], (unsigned long long)head[1]);
    const gr_kg_kind *k = gr_kg_kind_of(m->kind, (int)head[0]);
    s->norm = (int)head[0];
    float f[2];
    GR_TRY(gr_kg_params_init(&s->p, k, head[1], head[2], head[3], 0.0f));
    GR_TRY(gr_reader_floats(r, f, 2));
    s->p.gamma = f[0];
    s->p.phase_scale = f[1];
    if (s->p.n_ent * s->p.L + s->p.n_rel * s->p.LR > (r->end - r->pos) / 4) return gr_reader_fail(r, "parameters exceed the section");
    GR_TRY(gr_reader_floats(r, s->p.ent, s->p.n_ent * s->p.L));
    GR_TRY(gr_reader_floats(r, s->p.rel, s->p.n_rel * s->p.LR));
    gr_kg_vocab *v = gr_kg_vocab_new();
    if (!v) return GR_ENOMEM;
    int rc = load_names(r, &v->ent, head[2]);
    if (rc == GR_OK) rc = load_names(r, &v->rel, head[3]);
    if (rc == GR_OK) rc = load_triples(r, s, head[5], v);
    gr_kg_vocab_unref(v);
    GR_TRY(rc);
    if (head[4]) GR_TRY(load_ui(r, m, s->kg));
    if (m->dim != s->p.width) return gr_reader_fail(r, "vector length %zu does not match the KG model's %zu", m->dim, s->p.width);
    return GR_OK;
}

#define KG_OPS(KIND, SCORE) { KIND, NULL, SCORE, kg_save, kg_load, kg_prepare, kg_free_state, NULL, NULL, NULL }

const gr_model_ops gr_kg_model_ops[4] = {
    KG_OPS(GR_MODEL_TRANSE, kg_score_items),
    KG_OPS(GR_MODEL_DISTMULT, NULL),
    KG_OPS(GR_MODEL_ROTATE, kg_score_items),
    KG_OPS(GR_MODEL_COMPLEX, NULL),
};

/* A graph with no users, items or edges, for models of plain knowledge graphs. */
static int empty_graph(gr_graph **out)
{
    gr_catalog *cat = gr_catalog_new();
    if (!cat) return GR_ENOMEM;
    gr_csr ui;
    memset(&ui, 0, sizeof ui);
    ui.ptr = gr_zalloc(1, sizeof *ui.ptr);
    ui.col = gr_alloc(1, sizeof *ui.col);
    int rc = ui.ptr && ui.col ? gr_graph_from_csr(out, cat, &ui, 0) : GR_ENOMEM;
    if (rc != GR_OK) gr_csr_free(&ui);
    gr_catalog_unref(cat);
    return rc;
}

int gr_kg_model_new(gr_model **out, int kind, gr_kg_params *p, int norm, const gr_kg *kg, const gr_graph *graph)
{
    gr_graph *empty = NULL;
    int rc = graph ? GR_OK : empty_graph(&empty);
    gr_model *m = NULL;
    if (rc == GR_OK) rc = gr_model_create(&m, kind, graph ? graph : empty, p->width, 0, 0);
    gr_graph_free(empty);
    gr_kg_state *s = rc == GR_OK ? gr_zalloc(1, sizeof *s) : NULL;
    if (!s) {
        gr_model_free(m);
        gr_kg_params_free(p);
        return rc == GR_OK ? GR_ENOMEM : rc;
    }
    s->p = *p;
    memset(p, 0, sizeof *p);
    s->kg = gr_kg_ref(kg);
    s->norm = norm;
    m->state = s;
    rc = kg_prepare(m);
    if (rc == GR_OK) rc = gr_model_finish(m);
    if (rc != GR_OK) {
        gr_model_free(m);
        return rc;
    }
    *out = m;
    return GR_OK;
}

/* ---- public calls ---- */

int gr_model_kg(const gr_kg **out, const gr_model *m)
{
    if (!out || !m) return gr_err(GR_EINVAL, "gr_model_kg: NULL argument");
    const gr_kg_state *s = gr_kg_state_of(m);
    if (!s) return gr_err(GR_EUNSUPPORTED, "%s models have no knowledge graph", gr_model_kind_name(m->kind));
    *out = s->kg;
    return GR_OK;
}

int gr_model_score_triple(float *score, const gr_model *m, int64_t head, int64_t relation, int64_t tail)
{
    if (!score || !m) return gr_err(GR_EINVAL, "gr_model_score_triple: NULL argument");
    const gr_kg_state *s = gr_kg_state_of(m);
    if (!s) return gr_err(GR_EUNSUPPORTED, "%s models do not score triples", gr_model_kind_name(m->kind));
    const gr_kg_params *p = &s->p;
    if (head < 0 || (uint64_t)head >= p->n_ent || tail < 0 || (uint64_t)tail >= p->n_ent)
        return gr_err(GR_ERANGE, "entity id out of range 0..%zu", p->n_ent - 1);
    if (relation < 0 || (uint64_t)relation >= p->n_rel) return gr_err(GR_ERANGE, "relation id out of range 0..%zu", p->n_rel - 1);
    float *q = gr_alloc_floats(p->L);
    if (!q) return GR_ENOMEM;
    p->kind->query(p, (int32_t)head, (int32_t)relation, 0, q);
    float v;
    gr_kg_score_rows(p->op, &v, q, p->ent + (size_t)tail * p->L, 1, p->L);
    *score = gr_kg_score_of(p, v);
    free(q);
    return GR_OK;
}
