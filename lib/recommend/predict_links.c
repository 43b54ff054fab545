/*
 * Link prediction for queries of a knowledge-graph model: every entity
 * scored as the missing tail (or head) with the kernels of evaluation,
 * then the best k of them.  One query and a batch take the same path: the
 * queries are scored in blocks of GR_LP_BLOCK against chunks of entities,
 * so a batch reads each entity row once per block, not once per query.
 */
#include <gnnrec/kg.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/threads.h"
#include "eval/link_prediction.h"
#include "kernels/kg_score.h"
#include "kernels/topk.h"
#include "kg/kg.h"
#include "models/kg_model.h"

/* Entities one tile scores: 4,096 rows of RotatE's 1,000 floats are 16
 * MB read once for a block of queries. */
#define PREDICT_CHUNK 4096
/* RotatE's blocks of at least this many queries are scored with fast
 * roots, then resolved (select_resolved); smaller ones with exact roots.
 * A single query reads every entity row for one query row and is bound by
 * memory; on AVX2 the fast form's Newton step then costs more than the
 * exact root (10.8 against 10.3 ms a WN18RR query), as it still does at
 * 4 queries (3.0 against 2.8 ms each), ties at 8 and wins at 16 (2.13
 * against 2.31 ms).  docs/kg.md has the figures. */
#define PREDICT_FAST_MIN 8
/* The most kernel values a round of queries keeps (64 MB): a catalogue of
 * a million entities is scored 16 queries at a time. */
#define PREDICT_ROUND_VALUES ((size_t)1 << 24)

static int check_query(const gr_kg_params *p, size_t i, int64_t anchor, int64_t relation, int direction, size_t k)
{
    if (direction != GR_LP_TAILS && direction != GR_LP_HEADS)
        return gr_err(GR_EINVAL, "gr_model_predict_links: query %zu: direction %d is not GR_LP_TAILS or GR_LP_HEADS", i,
                      direction);
    if (anchor < 0 || (uint64_t)anchor >= p->n_ent)
        return gr_err(GR_ERANGE, "gr_model_predict_links: query %zu: entity id %lld out of range 0..%zu", i,
                      (long long)anchor, p->n_ent - 1);
    if (relation < 0 || (uint64_t)relation >= p->n_rel)
        return gr_err(GR_ERANGE, "gr_model_predict_links: query %zu: relation id %lld out of range 0..%zu", i,
                      (long long)relation, p->n_rel - 1);
    if (k < 1 || k > p->n_ent)
        return gr_err(GR_ERANGE, "gr_model_predict_links: k = %zu out of range 1..%zu (number of entities)", k, p->n_ent);
    return GR_OK;
}

/* The answers the model's training triples hold for the query leave it. */
static void exclude_known(const gr_kg *kg, int32_t anchor, int32_t relation, int head, float *scores)
{
    int64_t lo, hi;
    const int32_t *ids = gr_kg_answers(kg, anchor, relation, head, &lo, &hi);
    for (int64_t j = lo; j < hi; j++) scores[ids[j]] = -INFINITY;
}

/* One round of queries: their rows, kernel values and what a thread
 * needs to select from them. */
typedef struct predict_job {
    const gr_kg_state *s;
    const int64_t *anchors, *relations;
    const int *directions;
    size_t k;
    int exclude;
    float *Q; /* round x L query rows */
    float *S; /* round x n_ent kernel values, then scores */
} predict_job;

/* Per-thread buffers of the selection. */
typedef struct predict_scratch {
    int32_t *idx; /* k */
    float *val;   /* k */
} predict_scratch;

/*
 * RotatE's values are fast estimates of distances, the row holds them
 * negated (an exact negation, so the order is theirs); the best k by exact
 * score are found among the candidates the estimates cannot rule out.
 * With T the k-th smallest estimated distance, the k entities at or below
 * it have exact distances at most U = (T + a) / (1 - b) (b the band, a its
 * absolute term), and an entity whose estimate x exceeds (U + a) / (1 - b)
 * has an exact distance above U: it is not among the best k, nor tied
 * with the k-th.  So the list is that of the exact scores, ties included.
 * The row is rewritten in place: candidates' exact scores, -inf for the
 * rest.  Returns the number written.
 */
static size_t select_resolved(const gr_kg_params *p, const float *q, float *row, size_t k, predict_scratch *w)
{
    size_t n = gr_topk(w->idx, w->val, row, p->n_ent, k);
    if (n == 0) return 0;
    const float b = gr_kg_fast_band(p->L / 2), a = GR_KG_FAST_ABS;
    const float bound = n < k ? INFINITY : ((-w->val[n - 1] + a) / (1.0f - b) + a) / (1.0f - b);
    for (size_t e = 0; e < p->n_ent; e++) {
        if (row[e] > -INFINITY && -row[e] <= bound) { /* false for the excluded and NaNs */
            float d;
            gr_kg_score(p->op, GR_KG_EXACT, &d, 1, q, 1, p->ent + e * p->L, 1, p->L);
            row[e] = gr_kg_score_of(p, d);
        } else {
            row[e] = -INFINITY;
        }
    }
    return gr_topk(w->idx, w->val, row, p->n_ent, k);
}

/* Whether row r of a round of nq queries is scored with fast roots: its
 * block's size decides. */
static int row_is_fast(const gr_kg_params *p, size_t nq, size_t r)
{
    size_t r0 = r / GR_LP_BLOCK * GR_LP_BLOCK;
    return p->op == GR_KG_CMOD && nq - r0 >= PREDICT_FAST_MIN;
}

/* Query i of the round (r its row, of nq) into row i of the outputs. */
static void select_query(const predict_job *J, size_t i, size_t r, size_t nq, predict_scratch *w, size_t *counts,
                         int64_t *entities, float *scores)
{
    const gr_kg_params *p = &J->s->p;
    float *row = J->S + r * p->n_ent;
    const int fast = row_is_fast(p, nq, r);
    if (!fast)
        for (size_t e = 0; e < p->n_ent; e++) row[e] = gr_kg_score_of(p, row[e]);
    else
        for (size_t e = 0; e < p->n_ent; e++) row[e] = -row[e];
    int head = J->directions[i] == GR_LP_HEADS;
    if (J->exclude) exclude_known(J->s->kg, (int32_t)J->anchors[i], (int32_t)J->relations[i], head, row);
    size_t n = fast ? select_resolved(p, J->Q + r * p->L, row, J->k, w) : gr_topk(w->idx, w->val, row, p->n_ent, J->k);
    counts[i] = n;
    for (size_t j = 0; j < J->k; j++) {
        entities[i * J->k + j] = j < n ? w->idx[j] : -1;
        scores[i * J->k + j] = j < n ? w->val[j] : NAN;
    }
}

/* Queries [i0, i0 + nq): their rows, their values against every entity
 * (blocks of queries x chunks of entities over the threads), then each
 * query's selection. */
static void predict_round(const predict_job *J, size_t i0, size_t nq, predict_scratch *w, int nthreads,
                          size_t *counts, int64_t *entities, float *scores)
{
    const gr_kg_params *p = &J->s->p;
    for (size_t r = 0; r < nq; r++)
        p->kind->query(p, (int32_t)J->anchors[i0 + r], (int32_t)J->relations[i0 + r],
                       J->directions[i0 + r] == GR_LP_HEADS, J->Q + r * p->L);
    long blocks = (long)((nq + GR_LP_BLOCK - 1) / GR_LP_BLOCK);
    long chunks = (long)((p->n_ent + PREDICT_CHUNK - 1) / PREDICT_CHUNK);
#pragma omp parallel for schedule(dynamic, 1) num_threads(gr_threads_at_most(nthreads))
    for (long tile = 0; tile < blocks * chunks; tile++) {
        size_t r0 = (size_t)(tile / chunks) * GR_LP_BLOCK, e0 = (size_t)(tile % chunks) * PREDICT_CHUNK;
        size_t nr = nq - r0 < GR_LP_BLOCK ? nq - r0 : GR_LP_BLOCK;
        size_t ne = p->n_ent - e0 < PREDICT_CHUNK ? p->n_ent - e0 : PREDICT_CHUNK;
        int precision = row_is_fast(p, nq, r0) ? GR_KG_FAST : GR_KG_EXACT;
        gr_kg_score(p->op, precision, J->S + r0 * p->n_ent + e0, p->n_ent, J->Q + r0 * p->L, nr, p->ent + e0 * p->L, ne,
                    p->L);
    }
#pragma omp parallel for schedule(dynamic, 1) num_threads(gr_threads_at_most(nthreads)) if (nq > 1)
    for (long r = 0; r < (long)nq; r++)
        select_query(J, i0 + (size_t)r, (size_t)r, nq, &w[omp_get_thread_num()], counts, entities, scores);
}

static void free_scratch(predict_scratch *w, int nthreads)
{
    for (int t = 0; w && t < nthreads; t++) {
        free(w[t].idx);
        free(w[t].val);
    }
    free(w);
}

static predict_scratch *alloc_scratch(int nthreads, size_t k)
{
    predict_scratch *w = gr_zalloc((size_t)nthreads, sizeof *w);
    int ok = w != NULL;
    for (int t = 0; ok && t < nthreads; t++) {
        w[t].idx = gr_alloc(k, sizeof *w[t].idx);
        w[t].val = gr_alloc(k, sizeof *w[t].val);
        ok = w[t].idx && w[t].val;
    }
    if (!ok) {
        free_scratch(w, nthreads);
        return NULL;
    }
    return w;
}

int gr_model_predict_links_batch(size_t *counts, const gr_model *m, const int64_t *anchors, const int64_t *relations,
                                 const int *directions, size_t n, size_t k, int exclude_training, int64_t *entities,
                                 float *scores)
{
    if (!m || (n && (!counts || !anchors || !relations || !directions || !entities || !scores)))
        return gr_err(GR_EINVAL, "gr_model_predict_links: NULL argument");
    const gr_kg_state *s = gr_kg_state_of(m);
    if (!s) return gr_err(GR_EUNSUPPORTED, "%s models do not predict links", gr_model_kind_name(m->kind));
    const gr_kg_params *p = &s->p;
    for (size_t i = 0; i < n; i++) GR_TRY(check_query(p, i, anchors[i], relations[i], directions[i], k));
    if (n == 0) return GR_OK;
    int nthreads = gr_threads();
    size_t round = (size_t)nthreads * GR_LP_BLOCK, cap = PREDICT_ROUND_VALUES / p->n_ent;
    if (round > cap) round = cap < 1 ? 1 : cap;
    if (round > n) round = n;
    predict_job J = { s, anchors, relations, directions, k, exclude_training, gr_alloc_floats(round * p->L),
                      gr_alloc_floats_unset(round * p->n_ent) };
    predict_scratch *w = J.Q && J.S ? alloc_scratch(nthreads, k) : NULL;
    int rc = w ? GR_OK : GR_ENOMEM;
    for (size_t i0 = 0; rc == GR_OK && i0 < n; i0 += round)
        predict_round(&J, i0, n - i0 < round ? n - i0 : round, w, nthreads, counts, entities, scores);
    free_scratch(w, nthreads);
    free(J.Q);
    free(J.S);
    return rc;
}

int gr_model_predict_links(size_t *n, const gr_model *m, int64_t anchor, int64_t relation, int direction, size_t k,
                           int exclude_training, int64_t *entities, float *scores)
{
    if (!n || !m || !entities || !scores) return gr_err(GR_EINVAL, "gr_model_predict_links: NULL argument");
    *n = 0;
    return gr_model_predict_links_batch(n, m, &anchor, &relation, &direction, 1, k, exclude_training, entities, scores);
}
