/*
 * Link prediction for one query of a knowledge-graph model: every entity
 * scored as the missing tail (or head) with the kernels of evaluation,
 * then the best k of them.
 */
#include <gnnrec/kg.h>
#include <math.h>
#include <stdlib.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/threads.h"
#include "kernels/kg_score.h"
#include "kernels/topk.h"
#include "kg/kg.h"
#include "models/kg_model.h"

/* Entities a thread scores at a time: 4,096 rows of RotatE's 1,000 floats
 * are 16 MB read once; the scores stay in the caller's row. */
#define PREDICT_CHUNK 4096

static int check_query(const gr_kg_params *p, int64_t anchor, int64_t relation, int direction, size_t k)
{
    if (direction != GR_LP_TAILS && direction != GR_LP_HEADS)
        return gr_err(GR_EINVAL, "gr_model_predict_links: direction %d is not GR_LP_TAILS or GR_LP_HEADS", direction);
    if (anchor < 0 || (uint64_t)anchor >= p->n_ent)
        return gr_err(GR_ERANGE, "gr_model_predict_links: entity id %lld out of range 0..%zu", (long long)anchor, p->n_ent - 1);
    if (relation < 0 || (uint64_t)relation >= p->n_rel)
        return gr_err(GR_ERANGE, "gr_model_predict_links: relation id %lld out of range 0..%zu", (long long)relation,
                      p->n_rel - 1);
    if (k < 1 || k > p->n_ent)
        return gr_err(GR_ERANGE, "gr_model_predict_links: k = %zu out of range 1..%zu (number of entities)", k, p->n_ent);
    return GR_OK;
}

/* scores[e] = the model's score of the query's triple with entity e (exact
 * roots, as gr_model_score_triple and the test ranks take them). */
static void score_entities(const gr_kg_params *p, const float *q, float *scores)
{
    long chunks = (long)((p->n_ent + PREDICT_CHUNK - 1) / PREDICT_CHUNK);
#pragma omp parallel for schedule(dynamic, 1) num_threads(gr_threads_at_most((int)chunks))
    for (long c = 0; c < chunks; c++) {
        size_t e0 = (size_t)c * PREDICT_CHUNK, ne = p->n_ent - e0 < PREDICT_CHUNK ? p->n_ent - e0 : PREDICT_CHUNK;
        gr_kg_score(p->op, GR_KG_EXACT, scores + e0, ne, q, 1, p->ent + e0 * p->L, ne, p->L);
        for (size_t e = e0; e < e0 + ne; e++) scores[e] = gr_kg_score_of(p, scores[e]);
    }
}

/* The answers the model's training triples hold for the query leave it. */
static void exclude_known(const gr_kg *kg, int32_t anchor, int32_t relation, int head, float *scores)
{
    int64_t lo, hi;
    const int32_t *ids;
    if (head) {
        gr_kg_head_range(kg, anchor, relation, &lo, &hi);
        ids = kg->th;
    } else {
        gr_kg_tail_range(kg, anchor, relation, &lo, &hi);
        ids = kg->t;
    }
    for (int64_t j = lo; j < hi; j++) scores[ids[j]] = -INFINITY;
}

int gr_model_predict_links(size_t *n, const gr_model *m, int64_t anchor, int64_t relation, int direction, size_t k,
                           int exclude_training, int64_t *entities, float *scores)
{
    if (!n || !m || !entities || !scores) return gr_err(GR_EINVAL, "gr_model_predict_links: NULL argument");
    *n = 0;
    const gr_kg_state *s = gr_kg_state_of(m);
    if (!s) return gr_err(GR_EUNSUPPORTED, "%s models do not predict links", gr_model_kind_name(m->kind));
    const gr_kg_params *p = &s->p;
    GR_TRY(check_query(p, anchor, relation, direction, k));
    int head = direction == GR_LP_HEADS;
    float *q = gr_alloc_floats(p->L), *all = gr_alloc_floats(p->n_ent), *val = gr_alloc(k, sizeof *val);
    int32_t *idx = gr_alloc(k, sizeof *idx);
    int rc = q && all && val && idx ? GR_OK : GR_ENOMEM;
    if (rc == GR_OK) {
        p->kind->query(p, (int32_t)anchor, (int32_t)relation, head, q);
        score_entities(p, q, all);
        if (exclude_training) exclude_known(s->kg, (int32_t)anchor, (int32_t)relation, head, all);
        *n = gr_topk(idx, val, all, p->n_ent, k);
        for (size_t j = 0; j < *n; j++) {
            entities[j] = idx[j];
            scores[j] = val[j];
        }
    }
    free(q);
    free(all);
    free(val);
    free(idx);
    return rc;
}
