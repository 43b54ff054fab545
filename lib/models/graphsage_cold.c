/* Cold start with GraphSAGE: vectors of users and items the model has not seen. */
#include <gnnrec/features.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/threads.h"
#include "kernels/dense.h"
#include "kernels/topk.h"
#include "models/graphsage.h"
#include "recommend/select.h"

static int sage_of(const gr_sage_state **s, const gr_model *m, const char *fn)
{
    if (!m) return gr_err(GR_EINVAL, "%s: NULL model", fn);
    if (m->kind != GR_MODEL_GRAPHSAGE || !m->state)
        return gr_err(GR_EUNSUPPORTED, "%s: %s models have no node features (GraphSAGE has)", fn, gr_model_kind_name(m->kind));
    *s = (const gr_sage_state *)m->state;
    return GR_OK;
}

/* Ratings of a new node lie in the training ratings' range: the rating
 * channels and the mean-rating feature were fitted on that range, and a
 * rating far outside it (1e30) would swamp the node's representation. */
static int check_rating(const gr_model *m, float r, size_t k, int type)
{
    const char *who = type ? "item" : "user";
    if (!isfinite(r)) return gr_err(GR_EINVAL, "rating %zu of the new %s is not a number", k, who);
    float lo, hi;
    if (gr_model_train_rating_range(m, &lo, &hi) && (r < lo || r > hi))
        return gr_err(GR_EINVAL, "rating %zu of the new %s is %g, outside the training ratings' range %g..%g", k, who, (double)r,
                      (double)lo, (double)hi);
    return GR_OK;
}

/* The neighbours of a new node: dense indices of the other type and their channels. */
typedef struct nbrs {
    int32_t *idx;
    uint8_t *chan;
    size_t n;
    gr_node_stats st;
} nbrs;

static int map_nbrs(nbrs *nb, const gr_model *m, const gr_sage_state *s, int type, const int64_t *ids, const float *ratings,
                    const int64_t *ts, size_t n)
{
    memset(nb, 0, sizeof *nb);
    if (n && !ids) return gr_err(GR_EINVAL, "the new %s lists %zu %s but no ids", type ? "item" : "user", n, type ? "users" : "items");
    nb->idx = gr_alloc(n ? n : 1, sizeof *nb->idx);
    nb->chan = gr_alloc(n ? n : 1, sizeof *nb->chan);
    if (!nb->idx || !nb->chan) {
        free(nb->idx);
        free(nb->chan);
        return GR_ENOMEM;
    }
    for (size_t k = 0; k < n; k++) {
        int32_t v = type == GR_NODE_USER ? gr_graph_item_index(m->graph, ids[k]) : gr_graph_user_index(m->graph, ids[k]);
        size_t limit = type == GR_NODE_USER ? m->n_items : m->n_users;
        float r = ratings ? ratings[k] : s->top;
        int rc = ratings ? check_rating(m, r, k, type) : GR_OK;
        if (rc == GR_OK && (v < 0 || (size_t)v >= limit))
            rc = gr_err(GR_ENOTFOUND, "unknown %s id %lld", type ? "user" : "item", (long long)ids[k]);
        if (rc != GR_OK) {
            free(nb->idx);
            free(nb->chan);
            return rc;
        }
        nb->idx[k] = v;
        nb->chan[k] = (uint8_t)gr_sage_channel(s, r);
        int has_ts = type == GR_NODE_USER && ts != NULL;
        gr_node_stats_add(&nb->st, r, has_ts ? ts[k] : 0, has_ts, 1);
    }
    nb->n = n;
    return GR_OK;
}

static void nbrs_free(nbrs *nb)
{
    free(nb->idx);
    free(nb->chan);
}

static int occupation_index(int *occ, const gr_model *m, const char *name)
{
    *occ = -1;
    if (!name) return GR_OK;
    const gr_catalog *c = m->graph->cat;
    for (size_t o = 0; o < c->n_occupations; o++)
        if (c->occupation_names[o] && strcasecmp(c->occupation_names[o], name) == 0) {
            *occ = (int)o;
            return GR_OK;
        }
    return gr_err(GR_ENOTFOUND, "unknown occupation '%s'", name);
}

/* The feature row of a new node into row (feat[type] floats). */
static int feature_row(float *row, const gr_model *m, const gr_sage_state *s, int type, const float *given, int age,
                       char gender, const char *occupation, uint64_t genres, int year, const gr_node_stats *st)
{
    size_t f = s->arch.feat[type];
    if (s->feat_kind[type] == GR_SAGE_FEAT_CUSTOM) {
        if (!given) return gr_err(GR_EINVAL, "the model was trained on caller features: the new %s needs its feature row", type ? "item" : "user");
        for (size_t j = 0; j < f; j++)
            if (!isfinite(given[j])) return gr_err(GR_EINVAL, "feature %zu of the new %s is not a number", j, type ? "item" : "user");
        memcpy(row, given, f * sizeof *row);
        return GR_OK;
    }
    if (s->feat_kind[type] != GR_SAGE_FEAT_BUILTIN) return GR_OK;
    if (type == GR_NODE_ITEM) {
        gr_feat_item_row(&s->spec, row, genres, year, st);
        return GR_OK;
    }
    int occ;
    GR_TRY(occupation_index(&occ, m, occupation));
    gr_feat_user_row(&s->spec, row, age, gender, occ, st);
    return GR_OK;
}

static int embed(float *vec, float *bias, const gr_model *m, int type, const float *row, const nbrs *nb)
{
    return gr_sage_embed_new(m, type, row, nb->idx, nb->chan, nb->n, vec, bias);
}

static int check_vec(const float *vec, size_t dim, const gr_model *m, const void *what, const char *fn)
{
    if (!vec || !what) return gr_err(GR_EINVAL, "%s: NULL argument", fn);
    if (dim != m->dim) return gr_err(GR_EINVAL, "%s: dim %zu does not match the model's %zu", fn, dim, m->dim);
    return GR_OK;
}

/* Demographics inside what the feature encoder can represent: anything else
 * is a caller's mistake that would silently become an extreme feature. */
static int check_new_user(const gr_new_user *u)
{
    if (u->version < 1 || u->version > GR_NEW_USER_VERSION) return gr_err(GR_EINVAL, "gr_new_user.version %u not supported", u->version);
    if (u->age != -1 && (u->age < 0 || u->age > GR_NEW_USER_MAX_AGE))
        return gr_err(GR_EINVAL, "gr_new_user.age %d out of range: -1 (unknown) or 0..%d (years, or the ML-1M age code)", u->age,
                      GR_NEW_USER_MAX_AGE);
    if (u->gender != 0 && u->gender != 'M' && u->gender != 'F') {
        unsigned char c = (unsigned char)u->gender;
        if (c >= 0x20 && c < 0x7f) return gr_err(GR_EINVAL, "gr_new_user.gender '%c': give 'M', 'F' or 0 (unknown)", c);
        return gr_err(GR_EINVAL, "gr_new_user.gender %d: give 'M', 'F' or 0 (unknown)", (int)c);
    }
    return GR_OK;
}

static int check_new_item(const gr_model *m, const gr_new_item *it)
{
    if (it->version < 1 || it->version > GR_NEW_ITEM_VERSION) return gr_err(GR_EINVAL, "gr_new_item.version %u not supported", it->version);
    if (it->year != 0 && (it->year < GR_NEW_ITEM_MIN_YEAR || it->year > GR_NEW_ITEM_MAX_YEAR))
        return gr_err(GR_EINVAL, "gr_new_item.year %d out of range: 0 (unknown) or %d..%d", it->year, GR_NEW_ITEM_MIN_YEAR,
                      GR_NEW_ITEM_MAX_YEAR);
    size_t n_genres = m->graph->cat->n_genres;
    if (n_genres < 64 && (it->genres >> n_genres) != 0)
        return gr_err(GR_EINVAL, "gr_new_item.genres 0x%llx has bits beyond the model's %zu genres (gr_graph_genre_mask() builds masks)",
                      (unsigned long long)it->genres, n_genres);
    return GR_OK;
}

int gr_model_new_user_vector(float *vec, size_t dim, float *bias, const gr_model *m, const gr_new_user *u)
{
    const gr_sage_state *s = NULL;
    GR_TRY(sage_of(&s, m, "gr_model_new_user_vector"));
    GR_TRY(check_vec(vec, dim, m, u, "gr_model_new_user_vector"));
    GR_TRY(check_new_user(u));
    nbrs nb;
    GR_TRY(map_nbrs(&nb, m, s, GR_NODE_USER, u->items, u->ratings, u->timestamps, u->n_items));
    float *row = gr_alloc_floats(s->arch.feat[0] + 1);
    int rc = row ? feature_row(row, m, s, GR_NODE_USER, u->features, u->age, u->gender, u->occupation, 0, 0, &nb.st) : GR_ENOMEM;
    if (rc == GR_OK) rc = embed(vec, bias, m, GR_NODE_USER, row, &nb);
    free(row);
    nbrs_free(&nb);
    return rc;
}

int gr_model_new_item_vector(float *vec, size_t dim, float *bias, const gr_model *m, const gr_new_item *it)
{
    const gr_sage_state *s = NULL;
    GR_TRY(sage_of(&s, m, "gr_model_new_item_vector"));
    GR_TRY(check_vec(vec, dim, m, it, "gr_model_new_item_vector"));
    GR_TRY(check_new_item(m, it));
    nbrs nb;
    GR_TRY(map_nbrs(&nb, m, s, GR_NODE_ITEM, it->users, it->ratings, it->timestamps, it->n_users));
    float *row = gr_alloc_floats(s->arch.feat[1] + 1);
    int rc = row ? feature_row(row, m, s, GR_NODE_ITEM, it->features, -1, 0, NULL, it->genres, it->year, &nb.st) : GR_ENOMEM;
    if (rc == GR_OK) rc = embed(vec, bias, m, GR_NODE_ITEM, row, &nb);
    free(row);
    nbrs_free(&nb);
    return rc;
}

int gr_sage_fold_in(const gr_model *m, const int32_t *items, size_t n, float *out)
{
    const gr_sage_state *s = (const gr_sage_state *)m->state;
    nbrs nb;
    memset(&nb, 0, sizeof nb);
    nb.idx = (int32_t *)items;
    nb.n = n;
    nb.chan = gr_alloc(n ? n : 1, 1);
    float *row = gr_alloc_floats(s->arch.feat[0] + 1);
    int rc = nb.chan && row ? GR_OK : GR_ENOMEM;
    for (size_t k = 0; rc == GR_OK && k < n; k++) {
        nb.chan[k] = (uint8_t)gr_sage_channel(s, s->top);
        gr_node_stats_add(&nb.st, s->top, 0, 0, 1);
    }
    /* caller-feature models get a zero row: the liked items are all there is */
    if (rc == GR_OK && s->feat_kind[0] == GR_SAGE_FEAT_BUILTIN) gr_feat_user_row(&s->spec, row, -1, 0, -1, &nb.st);
    if (rc == GR_OK) rc = embed(out, NULL, m, GR_NODE_USER, row, &nb);
    free(nb.chan);
    free(row);
    return rc;
}

int gr_model_recommend_new_user(size_t *n, const gr_model *m, const gr_new_user *u, size_t k, const gr_rec_options *opts,
                                int64_t *items, float *scores)
{
    gr_rec_options defaults = GR_REC_OPTIONS_INIT;
    const gr_rec_options *o = opts ? opts : &defaults;
    if (!n || !m || !u || !items) return gr_err(GR_EINVAL, "gr_model_recommend_new_user: NULL argument");
    if (k < 1 || k > m->n_items) return gr_err(GR_ERANGE, "gr_model_recommend_new_user: k = %zu out of range 1..%zu", k, m->n_items);
    float *vec = gr_alloc_floats(m->dim), *all = gr_alloc(m->n_items + 16, sizeof *all);
    float bias = 0;
    int rc = vec && all ? gr_model_new_user_vector(vec, m->dim, &bias, m, u) : GR_ENOMEM;
    if (rc == GR_OK) rc = gr_model_score_all(m, vec, bias, all);
    if (rc == GR_OK) {
        for (size_t j = 0; o->exclude_seen && j < u->n_items; j++) all[gr_graph_item_index(m->graph, u->items[j])] = -INFINITY;
        rc = gr_rec_select(n, m, o, all, k, items, scores);
    }
    free(vec);
    free(all);
    return rc;
}

/* Scores of every user for a new item's vector and bias. */
static void score_users(const gr_model *m, const float *vec, float bias, float *out)
{
    long nu = (long)m->n_users;
#pragma omp parallel for schedule(static) num_threads(gr_threads())
    for (long u = 0; u < nu; u++)
        out[u] = gr_dot(m->user_vec + (size_t)u * m->dim, vec, m->dim) + bias + m->global_bias +
                 (m->user_bias ? m->user_bias[u] : 0.0f);
}

int gr_model_score_new_item(float *scores, const gr_model *m, const gr_new_item *it, const int64_t *users, size_t n_users)
{
    if (!scores || !m || !it || (n_users && !users)) return gr_err(GR_EINVAL, "gr_model_score_new_item: NULL argument");
    for (size_t k = 0; k < n_users; k++) {
        int32_t u = gr_graph_user_index(m->graph, users[k]);
        if (u < 0 || (size_t)u >= m->n_users) return gr_err(GR_ENOTFOUND, "unknown user id %lld", (long long)users[k]);
    }
    gr_rating_clamp clamp = gr_model_rating_clamp(m);
    float *vec = gr_alloc_floats(m->dim + 1);
    float bias = 0;
    int rc = vec ? gr_model_new_item_vector(vec, m->dim, &bias, m, it) : GR_ENOMEM;
    for (size_t k = 0; rc == GR_OK && k < n_users; k++) {
        int32_t u = gr_graph_user_index(m->graph, users[k]);
        scores[k] = gr_clamp_rating(&clamp, gr_dot(m->user_vec + (size_t)u * m->dim, vec, m->dim) + bias + m->global_bias +
                                             (m->user_bias ? m->user_bias[u] : 0.0f));
    }
    free(vec);
    return rc;
}

int gr_model_new_item_top_users(size_t *n, const gr_model *m, const gr_new_item *it, size_t k, int64_t *users, float *scores)
{
    if (!n || !m || !it || !users) return gr_err(GR_EINVAL, "gr_model_new_item_top_users: NULL argument");
    if (k < 1 || k > m->n_users) return gr_err(GR_ERANGE, "gr_model_new_item_top_users: k = %zu out of range 1..%zu", k, m->n_users);
    float *vec = gr_alloc_floats(m->dim + 1), *all = gr_alloc(m->n_users + 1, sizeof *all), *val = gr_alloc(k, sizeof *val);
    int32_t *idx = gr_alloc(k, sizeof *idx);
    gr_rating_clamp clamp = gr_model_rating_clamp(m);
    float bias = 0;
    int rc = vec && all && val && idx ? gr_model_new_item_vector(vec, m->dim, &bias, m, it) : GR_ENOMEM;
    if (rc == GR_OK) {
        score_users(m, vec, bias, all);
        size_t got = gr_topk(idx, val, all, m->n_users, k);
        for (size_t r = 0; r < got; r++) {
            users[r] = m->graph->cat->users.ids[idx[r]];
            if (scores) scores[r] = gr_clamp_rating(&clamp, val[r]);
        }
        *n = got;
    }
    free(vec);
    free(all);
    free(val);
    free(idx);
    return rc;
}
