/*
 * Link prediction: every query is scored against every entity with the
 * kernels of training, in blocks of queries per thread, and the answer's
 * rank is counted against the scores that the filter does not remove.
 */
#include "eval/link_prediction.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/threads.h"
#include "kernels/kg_score.h"

#define LP_BLOCK GR_LP_BLOCK

typedef struct lp_job {
    const gr_kg_params *p;
    const gr_kg *test, *filter;
    const size_t *which;
    size_t n;
    int direction, precision;
} lp_job;

/* Query q of the job: its test triple, direction and answer. */
static void query_of(const lp_job *J, size_t q, int32_t *anchor, int32_t *rel, int32_t *answer, int *head)
{
    int both = J->direction == GR_LP_BOTH;
    *head = J->direction == GR_LP_HEADS || (both && q >= J->n);
    size_t k = both && q >= J->n ? q - J->n : q;
    size_t tri = J->which ? J->which[k] : k;
    *rel = J->test->r[tri];
    *anchor = *head ? J->test->t[tri] : J->test->h[tri];
    *answer = *head ? J->test->h[tri] : J->test->t[tri];
}

/*
 * Exact ranks from estimated distances.  RotatE's exact distance takes a
 * correctly rounded root per complex dimension, several times the cost of
 * the estimate (a reciprocal-root estimate times the squared modulus) that
 * training and validation use; a rank only needs the side of the answer's
 * exact distance that each candidate's exact distance lies on.  A
 * candidate whose estimate lies further than gr_kg_fast_band() from the
 * answer's exact distance is on the same side exactly and not equal to
 * it; the few within the band, and the answer, are computed exactly.  So
 * the ranks are those of exact scores, ties included.
 */
/* One query's row of kernel values and how to read them. */
typedef struct lp_row {
    const float *v; /* the kernel values of every entity */
    float a;        /* the answer's value, exact */
    const float *q; /* the query row where v holds estimates to resolve; NULL: v is exact */
    float band;     /* gr_kg_fast_band of the rows' span */
    const gr_kg_params *p;
} lp_row;

static float exact_distance(const gr_kg_params *p, const float *q, int32_t e)
{
    float x;
    gr_kg_score(p->op, GR_KG_EXACT, &x, 1, q, 1, p->ent + (size_t)e * p->L, 1, p->L);
    return x;
}

/* Entity e's value, exact where its side of the answer's needs it. */
static float value_of(const lp_row *R, int32_t e)
{
    float x = R->v[e];
    if (!R->q) return x;
    float tol = R->band * fmaxf(fabsf(x), fabsf(R->a)) + GR_KG_FAST_ABS;
    if (x < R->a - tol || x > R->a + tol) return x; /* false for a NaN: computed */
    return exact_distance(R->p, R->q, e);
}

/* Rank of the answer in one row (smaller is better for distances). */
static double rank_in_row(const lp_job *J, const lp_row *R, int32_t anchor, int32_t rel, int32_t answer, int head)
{
    const gr_kg_params *p = J->p;
    const float a = R->a;
    if (isnan(a)) return (double)p->n_ent;
    const int dist = p->kind->distance;
    size_t better = 0, ties = 0;
    /* Two loops, not one through value_of(): the exact row's has no call
     * and no branch, so it vectorises; validation, which ranks every
     * candidate of every query each time it runs, takes it. */
    if (!R->q) {
        for (size_t e = 0; e < p->n_ent; e++) {
            float x = R->v[e];
            better += dist ? !(x >= a) : !(x <= a);
            ties += x == a;
        }
    } else {
        for (size_t e = 0; e < p->n_ent; e++) {
            float x = (int32_t)e == answer ? a : value_of(R, (int32_t)e);
            better += !(x >= a);
            ties += x == a;
        }
    }
    if (J->filter) {
        int64_t lo, hi;
        const int32_t *ids = gr_kg_answers(J->filter, anchor, rel, head, &lo, &hi);
        for (int64_t k = lo; k < hi; k++) {
            int32_t e = ids[k];
            if (e == answer) continue;
            float x = value_of(R, e);
            better -= dist ? !(x >= a) : !(x <= a);
            ties -= x == a;
        }
    }
    return 1.0 + (double)better + 0.5 * (double)(ties - 1);
}

static void rank_block(const lp_job *J, size_t q0, size_t nq, float *Q, float *S, double *ranks)
{
    const gr_kg_params *p = J->p;
    int32_t anchor[LP_BLOCK], rel[LP_BLOCK], answer[LP_BLOCK];
    int head[LP_BLOCK];
    for (size_t b = 0; b < nq; b++) {
        query_of(J, q0 + b, &anchor[b], &rel[b], &answer[b], &head[b]);
        p->kind->query(p, anchor[b], rel[b], head[b], Q + b * p->L);
    }
    /* exact ranks of RotatE from its estimates (above); the other ops'
     * estimates are exact already */
    const int resolve = J->precision == GR_KG_EXACT && p->op == GR_KG_CMOD;
    gr_kg_score(p->op, resolve ? GR_KG_FAST : J->precision, S, p->n_ent, Q, nq, p->ent, p->n_ent, p->L);
    for (size_t b = 0; b < nq; b++) {
        const float *q = Q + b * p->L, *v = S + b * p->n_ent;
        lp_row R = { v, resolve ? exact_distance(p, q, answer[b]) : v[answer[b]], resolve ? q : NULL, gr_kg_fast_band(p->L / 2),
                     p };
        ranks[q0 + b] = rank_in_row(J, &R, anchor[b], rel[b], answer[b], head[b]);
    }
}

int gr_lp_ranks_part(double *ranks, const gr_kg_params *p, const gr_kg *test, const size_t *which, size_t n,
                     const gr_kg *filter, int direction, int precision, size_t q_lo, size_t q_hi)
{
    lp_job J = { p, test, filter, which, which ? n : test->n, direction, precision };
    if (q_lo % LP_BLOCK != 0 || q_lo > q_hi)
        return gr_err(GR_EINVAL, "gr_lp_ranks_part: queries [%zu, %zu) do not start a block", q_lo, q_hi);
    int nthreads = gr_threads();
    float *Q = gr_alloc_floats((size_t)nthreads * LP_BLOCK * p->L);
    float *S = gr_alloc_floats((size_t)nthreads * LP_BLOCK * p->n_ent);
    if (!Q || !S) {
        free(Q);
        free(S);
        return GR_ENOMEM;
    }
    long nblocks = (long)((q_hi - q_lo + LP_BLOCK - 1) / LP_BLOCK);
#pragma omp parallel for schedule(dynamic, 1) num_threads(nthreads)
    for (long blk = 0; blk < nblocks; blk++) {
        int t = omp_get_thread_num();
        size_t q0 = q_lo + (size_t)blk * LP_BLOCK, nq = q_hi - q0 < LP_BLOCK ? q_hi - q0 : LP_BLOCK;
        rank_block(&J, q0, nq, Q + (size_t)t * LP_BLOCK * p->L, S + (size_t)t * LP_BLOCK * p->n_ent, ranks);
    }
    free(Q);
    free(S);
    return GR_OK;
}

int gr_lp_ranks(double *ranks, const gr_kg_params *p, const gr_kg *test, const size_t *which, size_t n,
                const gr_kg *filter, int direction, int precision)
{
    size_t queries = which ? n : test->n;
    size_t total = direction == GR_LP_BOTH ? 2 * queries : queries;
    return gr_lp_ranks_part(ranks, p, test, which, n, filter, direction, precision, 0, total);
}

void gr_lp_sums(double *out, const double *ranks, size_t n)
{
    for (int k = 0; k < GR_LP_COUNT; k++) out[k] = 0.0;
    for (size_t q = 0; q < n; q++) {
        double r = ranks[q];
        out[GR_LP_MRR] += 1.0 / r;
        out[GR_LP_MR] += r;
        out[GR_LP_HITS1] += r <= 1.0;
        out[GR_LP_HITS3] += r <= 3.0;
        out[GR_LP_HITS10] += r <= 10.0;
    }
}

void gr_lp_summarize(double *out, const double *ranks, size_t n)
{
    gr_lp_sums(out, ranks, n);
    for (int k = 0; k < GR_LP_COUNT && n; k++) out[k] /= (double)n;
}

int gr_eval_link_prediction(double *out, const gr_model *m, const gr_kg *test, const gr_kg *const *known, size_t n_known,
                            int direction)
{
    if (!out || !m || !test || (n_known && !known)) return gr_err(GR_EINVAL, "gr_eval_link_prediction: NULL argument");
    const gr_kg_state *s = gr_kg_state_of(m);
    if (!s) return gr_err(GR_EUNSUPPORTED, "%s models do not predict links", gr_model_kind_name(m->kind));
    if (direction < GR_LP_BOTH || direction > GR_LP_HEADS)
        return gr_err(GR_EINVAL, "gr_eval_link_prediction: direction %d is not a gr_lp_direction", direction);
    if (test->vocab != s->kg->vocab)
        return gr_err(GR_EINVAL, "the test triples are not in the model's id space: load them with gr_kg_load_like()");
    for (size_t k = 0; k < n_known; k++)
        if (!known[k] || known[k]->vocab != s->kg->vocab)
            return gr_err(GR_EINVAL, "known graph %zu is not in the model's id space", k);
    if (test->n == 0) return gr_err(GR_ESTATE, "the test graph has no triples");
    gr_kg *filter = NULL;
    if (n_known) GR_TRY(gr_kg_union(&filter, known, n_known));
    size_t total = direction == GR_LP_BOTH ? 2 * test->n : test->n;
    double *ranks = gr_alloc(total, sizeof *ranks);
    int rc = ranks ? gr_lp_ranks(ranks, &s->p, test, NULL, test->n, filter, direction, GR_KG_EXACT) : GR_ENOMEM;
    if (rc == GR_OK) gr_lp_summarize(out, ranks, total);
    free(ranks);
    gr_kg_free(filter);
    return rc;
}
