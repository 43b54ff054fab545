/*
 * Incremental update of a knowledge-graph model trained on triples: the
 * graph grows by new triples, entities and relations, the new entities
 * start where the model places them from their known neighbours, and a
 * few warm-started epochs over the grown graph adapt everything.  The
 * input model is not touched: the result is a new model.
 */
#include <gnnrec/kg.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "kg/kg.h"
#include "models/kg_model.h"
#include "train/kg_train.h"
#include "train/trainer.h"

/* Epochs of the update of a model of a user-item graph by interactions,
 * unless the caller sets them (GR_KG_UPDATE_EPOCHS for triples):
 * on ML-100K's validation part 8 epochs were DistMult's best of 4, 8 and
 * 16 and 0.002 below RotatE's (16), where 16 cost DistMult 0.010
 * (docs/kg.md, "Updating a model of a user-item graph"). */
#define GR_KG_UPDATE_GRAPH_EPOCHS 8

/*
 * The trainer takes the settings m's fit chose (the model's info), the
 * caller's where it set one, except the model's shape (dim, TransE's
 * norm), which an update keeps; the schedule is the update's own length
 * (gr_kg_train alone: no validation, held-out part, search or checkpoint).
 */
static void apply_model_settings(gr_trainer *t, const gr_model *m, int default_epochs)
{
    static const char *const shape[] = { "dim", "norm", NULL };
    gr_trainer_take_model_info(t, m, shape);
    int epochs = gr_opt_index(t, "epochs");
    if (!t->hand_set[epochs]) t->val[epochs] = default_epochs;
}

/* The mean length of the placed entity rows. */
static double mean_row_norm(const gr_kg_params *p, const uint8_t *placed)
{
    double sum = 0;
    size_t n = 0;
    for (size_t e = 0; e < p->n_ent; e++) {
        if (!placed[e]) continue;
        double s = 0;
        for (size_t k = 0; k < p->L; k++) s += (double)p->ent[e * p->L + k] * p->ent[e * p->L + k];
        sum += sqrt(s);
        n++;
    }
    return n ? sum / (double)n : 0;
}

/*
 * Entity e's row from its placed neighbours through relations the model
 * knows: the tail of (h, r, ?) sits at h's tail query, the head of (?, r,
 * t) at t's head query, as the model scores them (for the product kinds,
 * the query's direction at the known rows' mean length).  Returns whether
 * any neighbour was placed; q is a row of scratch.
 */
static int place_entity(gr_kg_params *w, const gr_kg *g, int32_t e, const uint8_t *placed, size_t old_rel, double norm,
                        float *q, float *row)
{
    size_t count = 0;
    memset(row, 0, w->L * sizeof *row);
    for (int head = 0; head <= 1; head++) {
        /* e as the head of (e, r, t): t's head query; as the tail of (h, r, e): h's tail query */
        int64_t lo = head ? g->hptr[e] : g->tptr[e], hi = head ? g->hptr[e + 1] : g->tptr[e + 1];
        for (int64_t j = lo; j < hi; j++) {
            int32_t r = head ? g->r[j] : g->tr[j], other = head ? g->t[j] : g->th[j];
            if ((size_t)r >= old_rel || !placed[other] || other == e) continue;
            w->kind->query(w, other, r, head, q);
            for (size_t k = 0; k < w->L; k++) row[k] += q[k];
            count++;
        }
    }
    if (count == 0) return 0;
    double len = 0;
    for (size_t k = 0; k < w->L; k++) {
        row[k] /= (float)count;
        len += (double)row[k] * row[k];
    }
    if (!w->kind->distance && len > 0)
        for (size_t k = 0; k < w->L; k++) row[k] = (float)(row[k] * norm / sqrt(len));
    return 1;
}

/* The entities of w not yet placed (placed[e] 0), from their neighbours:
 * those next to known entities, then those next to the ones just placed;
 * the rest keep their random rows.  placed is updated. */
static int place_new_entities(gr_kg_params *w, const gr_kg *g, uint8_t *placed, size_t old_rel)
{
    float *q = gr_alloc_floats(w->L), *row = gr_alloc_floats(w->L);
    uint8_t *now = gr_alloc(w->n_ent, 1);
    int rc = q && row && now ? GR_OK : GR_ENOMEM;
    double norm = rc == GR_OK ? mean_row_norm(w, placed) : 0;
    for (int pass = 0; pass < 2 && rc == GR_OK; pass++) {
        memcpy(now, placed, w->n_ent);
        for (size_t e = 0; e < w->n_ent; e++)
            if (!placed[e] && place_entity(w, g, (int32_t)e, placed, old_rel, norm, q, row)) {
                memcpy(w->ent + e * w->L, row, w->L * sizeof *row);
                now[e] = 1;
            }
        memcpy(placed, now, w->n_ent);
    }
    free(now);
    free(q);
    free(row);
    return rc;
}

int gr_kg_place_unseen(gr_kg_params *p, const gr_kg *g, const gr_kg *seen)
{
    uint8_t *placed = gr_zalloc(p->n_ent ? p->n_ent : 1, 1);
    if (!placed) return GR_ENOMEM;
    for (size_t e = 0; e < p->n_ent && e < seen->n_ent; e++)
        placed[e] = seen->hptr[e + 1] > seen->hptr[e] || seen->tptr[e + 1] > seen->tptr[e];
    int rc = place_new_entities(p, g, placed, p->n_rel);
    free(placed);
    return rc;
}

/*
 * Initial parameters of the grown graph g: m's rows (entity e's at
 * to[e], or at e when to is NULL; old relations keep their ids), new
 * relations at random, new entities placed when `place` is set, else at
 * random as in a fit.
 */
static int warm_params(gr_kg_params *w, const gr_kg_params *old, const gr_kg_settings *s, const gr_kg *g,
                       const int32_t *to, int place)
{
    size_t n_rel = g->vocab->rel.n ? g->vocab->rel.n : 1;
    GR_TRY(gr_kg_params_init(w, old->kind, old->dim, g->n_ent, n_rel, old->gamma));
    gr_kg_init_params(w, s);
    uint8_t *placed = gr_zalloc(w->n_ent ? w->n_ent : 1, 1);
    if (!placed) {
        gr_kg_params_free(w);
        return GR_ENOMEM;
    }
    for (size_t e = 0; e < old->n_ent; e++) {
        int32_t d = to ? to[e] : (int32_t)e;
        if (d < 0) continue;
        memcpy(w->ent + (size_t)d * w->L, old->ent + e * old->L, old->L * sizeof *w->ent);
        placed[d] = 1;
    }
    memcpy(w->rel, old->rel, old->n_rel * old->LR * sizeof *w->rel);
    w->phase_scale = old->phase_scale;
    gr_kg_params_refresh(w);
    int rc = place ? place_new_entities(w, g, placed, old->n_rel) : GR_OK;
    free(placed);
    if (rc != GR_OK) gr_kg_params_free(w);
    return rc;
}

/*
 * The update's fit: g is the grown knowledge graph, `to` maps m's
 * entities to g's (NULL: the same ids), graph is g's user-item graph for
 * a model of one (NULL for triples); t holds m's settings
 * (apply_model_settings).  New entities of triples are placed (a triple
 * asks for its new entity through a known neighbour); those of a
 * user-item graph start at random: a new item placed among the queries
 * of the users who liked it lies near every user near them, and on
 * ML-100K's validation part it ranked high for too many (NDCG@20 0.2124
 * against 0.1913 for DistMult after 4 epochs, docs/kg.md).
 */
static int update_on(gr_model **out, const gr_model *m, gr_trainer *t, const gr_kg *g, const int32_t *to,
                     const gr_graph *graph)
{
    const gr_kg_state *st = gr_kg_state_of(m);
    gr_kg_settings s;
    gr_kg_settings_of(&s, t);
    s.checkpoint = 0;
    int prev = gr_train_threads_begin(t);
    double t0 = gr_now();
    gr_kg_params w, p;
    memset(&w, 0, sizeof w);
    memset(&p, 0, sizeof p);
    int rc = warm_params(&w, &st->p, &s, g, to, graph == NULL);
    s.warm = &w;
    t->stat_trials = 0;
    if (rc == GR_OK) rc = gr_kg_train(&p, t, &s, g, NULL, NULL);
    gr_kg_params_free(&w);
    if (rc == GR_OK) rc = gr_kg_model_new(out, m->kind, &p, st->norm, g, graph);
    t->stat_seconds = gr_now() - t0;
    gr_train_threads_end(prev);
    if (rc == GR_OK) {
        gr_kg_record_info(*out, t, &s);
        gr_model_set_info(*out, "updated", 1);
        gr_model_set_info(*out, "train_seconds", t->stat_seconds);
        if (graph) {
            double side;
            if (gr_model_info(&side, m, "side_info") == GR_OK) gr_model_set_info(*out, "side_info", side);
            gr_model_set_info(*out, "like_rating", gr_opt_named(t, "like_rating"));
            gr_model_set_info(*out, "triples", (double)g->n);
        }
    }
    return rc;
}

static int check_update(const gr_model *m, const gr_kg_state *s, const gr_kg *added, const gr_trainer *t)
{
    if (!s)
        return gr_err(GR_EUNSUPPORTED, "gr_model_update_kg: %s models are not knowledge-graph models (gr_model_update)",
                      gr_model_kind_name(m->kind));
    if (s->kg->has_ui)
        return gr_err(GR_EUNSUPPORTED, "gr_model_update_kg: a %s model of a user-item graph is not updated by triples",
                      gr_model_kind_name(m->kind));
    if (t && t->kind != m->kind)
        return gr_err(GR_EINVAL, "gr_model_update_kg: a %s trainer for a %s model", gr_model_kind_name(t->kind),
                      gr_model_kind_name(m->kind));
    if (added->n == 0) return gr_err(GR_ESTATE, "gr_model_update_kg: no triples to add");
    return GR_OK;
}

int gr_model_update_kg(gr_model **out, const gr_model *m, const gr_kg *added, gr_trainer *t)
{
    if (!out || !m || !added) return gr_err(GR_EINVAL, "gr_model_update_kg: NULL argument");
    *out = NULL;
    const gr_kg_state *st = gr_kg_state_of(m);
    GR_TRY(check_update(m, st, added, t));
    gr_trainer *own = NULL;
    if (!t) {
        GR_TRY(gr_trainer_new(&own, m->kind));
        t = own;
    }
    gr_trainer_held held;
    gr_trainer_hold(t, &held);
    apply_model_settings(t, m, GR_KG_UPDATE_EPOCHS);
    gr_kg *g = NULL;
    int rc = gr_kg_grow(&g, st->kg, added);
    if (rc == GR_OK) rc = update_on(out, m, t, g, NULL, NULL);
    gr_kg_free(g);
    gr_trainer_release(t, &held);
    gr_trainer_free(own);
    return rc;
}

/* The knowledge graph of the grown graph, built as m's fit built its own
 * (like_rating: t's, which holds m's settings; side_info: m's), with the
 * map of m's entities to its own by name: users and items keep theirs,
 * and so do the genres, decades and demographic values. */
static int grown_kg(gr_kg **out, int32_t **to, const gr_model *m, const gr_graph *graph, const gr_trainer *t)
{
    const gr_kg_state *st = gr_kg_state_of(m);
    double side = 1;
    gr_model_info(&side, m, "side_info");
    GR_TRY(gr_kg_from_graph(out, graph, gr_opt_named(t, "like_rating"), side != 0 ? GR_KG_SIDE_ALL : GR_KG_SIDE_NONE));
    if (!(*to = gr_alloc(st->p.n_ent ? st->p.n_ent : 1, sizeof **to))) return GR_ENOMEM;
    for (size_t e = 0; e < st->p.n_ent; e++) {
        const char *name = e < st->kg->vocab->ent.n ? st->kg->vocab->ent.names[e] : NULL;
        (*to)[e] = name ? gr_strmap_find(&(*out)->vocab->ent, name, strlen(name)) : -1;
    }
    return GR_OK;
}

int gr_kg_update_graph(gr_model **out, const gr_model *m, const gr_graph *graph, gr_trainer *t)
{
    gr_trainer_held held;
    gr_trainer_hold(t, &held);
    apply_model_settings(t, m, GR_KG_UPDATE_GRAPH_EPOCHS);
    gr_kg *g = NULL;
    int32_t *to = NULL;
    int rc = grown_kg(&g, &to, m, graph, t);
    if (rc == GR_OK) rc = update_on(out, m, t, g, to, graph);
    free(to);
    gr_kg_free(g);
    gr_trainer_release(t, &held);
    return rc;
}
