/*
 * Explanations of KG recommendations: the paths of training triples that
 * connect a user to an item, through a liked item that shares an
 * attribute with it, through another user who shares an attribute with
 * the user and liked the item, or through another user who liked one of
 * the user's items and the item.  Paths are weighted by the model, so that
 * the reasons it believes in come first.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "kernels/kg_score.h"
#include "models/kg_model.h"

typedef struct explainer {
    const gr_kg_state *s;
    const gr_kg *kg;
    float *q;                /* a query row */
    gr_explanation *paths;   /* candidates */
    size_t n, cap;
} explainer;

static float sigmoidf(float x) { return 1.0f / (1.0f + expf(-x)); }

/* sigmoid of the model's score of (h, r, t). */
static float plausibility(explainer *x, int32_t h, int32_t r, int32_t t)
{
    const gr_kg_params *p = &x->s->p;
    p->kind->query(p, h, r, 0, x->q);
    float v;
    gr_kg_score_rows(p->op, &v, x->q, p->ent + (size_t)t * p->L, 1, p->L);
    return sigmoidf(gr_kg_score_of(p, v));
}

/* (1 + cosine) / 2 of two entity vectors. */
static float similarity(const explainer *x, int32_t a, int32_t b)
{
    const gr_kg_params *p = &x->s->p;
    const float *u = p->ent + (size_t)a * p->L, *v = p->ent + (size_t)b * p->L;
    double uv = 0, uu = 0, vv = 0;
    for (size_t k = 0; k < p->L; k++) {
        uv += (double)u[k] * v[k];
        uu += (double)u[k] * u[k];
        vv += (double)v[k] * v[k];
    }
    return uu > 0 && vv > 0 ? (float)(0.5 * (1.0 + uv / sqrt(uu * vv))) : 0.5f;
}

static int add_path(explainer *x, const int32_t (*t)[3], size_t n, float sim)
{
    if (x->n == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 64;
        gr_explanation *np = gr_realloc(x->paths, cap, sizeof *np);
        if (!np) return GR_ENOMEM;
        x->paths = np;
        x->cap = cap;
    }
    gr_explanation *e = &x->paths[x->n++];
    memset(e, 0, sizeof *e);
    float sum = 0.0f;
    for (size_t k = 0; k < n; k++) {
        e->triples[k].head = t[k][0];
        e->triples[k].relation = t[k][1];
        e->triples[k].tail = t[k][2];
        sum += plausibility(x, t[k][0], t[k][1], t[k][2]);
    }
    e->n_triples = n;
    e->weight = sum / (float)n * sim;
    return GR_OK;
}

/* Relations whose tails are attribute values (everything but liked). */
static int attribute_relation(const gr_kg *kg, int32_t r) { return r != kg->ui.liked; }

/* (user, liked, m) (m, r, v) (item, r, v) */
static int via_liked_items(explainer *x, int32_t user, int32_t item)
{
    const gr_kg *kg = x->kg;
    int64_t lo, hi;
    gr_kg_tail_range(kg, user, kg->ui.liked, &lo, &hi);
    for (int64_t a = kg->hptr[item]; a < kg->hptr[item + 1]; a++) {
        int32_t r = kg->r[a], v = kg->t[a];
        if (!attribute_relation(kg, r)) continue;
        for (int64_t k = lo; k < hi; k++) {
            int32_t m = kg->t[k];
            if (m == item || !gr_kg_has(kg, m, r, v)) continue;
            const int32_t t[3][3] = { { user, kg->ui.liked, m }, { m, r, v }, { item, r, v } };
            GR_TRY(add_path(x, t, 3, similarity(x, m, item)));
        }
    }
    return GR_OK;
}

/* (user, r, v) (other, r, v) (other, liked, item) */
static int via_similar_users(explainer *x, int32_t user, int32_t item)
{
    const gr_kg *kg = x->kg;
    int64_t lo, hi;
    gr_kg_head_range(kg, item, kg->ui.liked, &lo, &hi);
    for (int64_t a = kg->hptr[user]; a < kg->hptr[user + 1]; a++) {
        int32_t r = kg->r[a], v = kg->t[a];
        if (!attribute_relation(kg, r)) continue;
        for (int64_t k = lo; k < hi; k++) {
            int32_t other = kg->th[k];
            if (other == user || !gr_kg_has(kg, other, r, v)) continue;
            const int32_t t[3][3] = { { user, r, v }, { other, r, v }, { other, kg->ui.liked, item } };
            GR_TRY(add_path(x, t, 3, similarity(x, other, user)));
        }
    }
    return GR_OK;
}

/* (user, liked, m) (other, liked, m) (other, liked, item): co-liking users */
static int via_co_liking(explainer *x, int32_t user, int32_t item)
{
    const gr_kg *kg = x->kg;
    const int32_t liked = kg->ui.liked;
    int64_t lo, hi;
    gr_kg_tail_range(kg, user, liked, &lo, &hi);
    for (int64_t k = lo; k < hi; k++) {
        int32_t m = kg->t[k];
        if (m == item) continue;
        int64_t ulo, uhi;
        gr_kg_head_range(kg, m, liked, &ulo, &uhi);
        for (int64_t j = ulo; j < uhi; j++) {
            int32_t other = kg->th[j];
            if (other == user || !gr_kg_has(kg, other, liked, item)) continue;
            const int32_t t[3][3] = { { user, liked, m }, { other, liked, m }, { other, liked, item } };
            GR_TRY(add_path(x, t, 3, similarity(x, m, item)));
        }
    }
    return GR_OK;
}

static int by_weight(const void *a, const void *b)
{
    const gr_explanation *x = a, *y = b;
    if (x->weight != y->weight) return x->weight > y->weight ? -1 : 1;
    for (size_t k = 0; k < x->n_triples && k < y->n_triples; k++) {
        const int64_t *p = &x->triples[k].head, *q = &y->triples[k].head;
        for (int f = 0; f < 3; f++)
            if (p[f] != q[f]) return p[f] < q[f] ? -1 : 1;
    }
    return 0;
}

int gr_model_explain(size_t *n, const gr_model *m, int64_t user, int64_t item, gr_explanation *paths, size_t cap)
{
    if (!n || !m || (cap && !paths)) return gr_err(GR_EINVAL, "gr_model_explain: NULL argument");
    const gr_kg_state *s = gr_kg_state_of(m);
    if (!s || !s->kg->has_ui)
        return gr_err(GR_EUNSUPPORTED, "%s models trained without a user-item graph cannot explain recommendations",
                      gr_model_kind_name(m->kind));
    int32_t u = gr_graph_user_index(m->graph, user), i = gr_graph_item_index(m->graph, item);
    if (u < 0 || (size_t)u >= m->n_users) return gr_err(GR_ENOTFOUND, "unknown user id %lld", (long long)user);
    if (i < 0 || (size_t)i >= m->n_items) return gr_err(GR_ENOTFOUND, "unknown item id %lld", (long long)item);
    explainer x = { s, s->kg, gr_alloc_floats(s->p.L), NULL, 0, 0 };
    if (!x.q) return GR_ENOMEM;
    int32_t ue = u, ie = (int32_t)(s->kg->ui.n_users + (size_t)i);
    int rc = via_liked_items(&x, ue, ie);
    if (rc == GR_OK) rc = via_similar_users(&x, ue, ie);
    if (rc == GR_OK) rc = via_co_liking(&x, ue, ie);
    if (rc == GR_OK) {
        qsort(x.paths, x.n, sizeof *x.paths, by_weight);
        size_t k = x.n < cap ? x.n : cap;
        if (k) memcpy(paths, x.paths, k * sizeof *paths);
        *n = k;
    }
    free(x.q);
    free(x.paths);
    return rc;
}
