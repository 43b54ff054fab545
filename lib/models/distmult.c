/*
 * DistMult (Yang et al., ICLR 2015): score(h, r, t) = sum_k h_k r_k t_k, a
 * diagonal bilinear form.  Queries in both directions are e * r, and
 * scoring is a dot product with the candidates.
 */
#include "models/kg_model.h"

static size_t distmult_rel_len(size_t L) { return L; }

static void distmult_query(const gr_kg_params *p, int32_t e, int32_t r, int head, float *q)
{
    (void)head;
    const float *x = p->ent + (size_t)e * p->L, *v = p->rel + (size_t)r * p->LR;
    for (size_t k = 0; k < p->L; k++) q[k] = x[k] * v[k];
}

static void distmult_query_grad(const gr_kg_params *p, int32_t e, int32_t r, int head, const float *q, const float *gq,
                                float *ge, float *gr)
{
    (void)head, (void)q;
    const float *x = p->ent + (size_t)e * p->L, *v = p->rel + (size_t)r * p->LR;
    for (size_t k = 0; k < p->L; k++) {
        ge[k] += gq[k] * v[k];
        gr[k] += gq[k] * x[k];
    }
}

const gr_kg_kind gr_distmult_kind = { GR_MODEL_DISTMULT, 0, 0, distmult_rel_len, distmult_query, distmult_query_grad, NULL, NULL };
