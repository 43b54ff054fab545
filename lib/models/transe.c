/*
 * TransE (Bordes et al., NIPS 2013): a relation translates the head onto
 * the tail, score(h, r, t) = gamma - |h + r - t| in the L1 or L2 norm.  A
 * tail query is h + r, a head query t - r.
 */
#include "kernels/kg_score.h"
#include "models/kg_model.h"

static size_t transe_rel_len(size_t L) { return L; }

static void transe_query(const gr_kg_params *p, int32_t e, int32_t r, int head, float *q)
{
    const float *x = p->ent + (size_t)e * p->L, *v = p->rel + (size_t)r * p->LR;
    float sign = head ? -1.0f : 1.0f;
    for (size_t k = 0; k < p->L; k++) q[k] = x[k] + sign * v[k];
}

static void transe_query_grad(const gr_kg_params *p, int32_t e, int32_t r, int head, const float *q, const float *gq,
                              float *ge, float *gr)
{
    (void)e, (void)r, (void)q;
    float sign = head ? -1.0f : 1.0f;
    for (size_t k = 0; k < p->L; k++) {
        ge[k] += gq[k];
        gr[k] += sign * gq[k];
    }
}

const gr_kg_kind gr_transe_l1_kind = { GR_MODEL_TRANSE, 0, 1, transe_rel_len, transe_query, transe_query_grad, NULL, NULL };
const gr_kg_kind gr_transe_l2_kind = { GR_MODEL_TRANSE, 0, 1, transe_rel_len, transe_query, transe_query_grad, NULL, NULL };
