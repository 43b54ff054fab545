/*
 * ComplEx (Trouillon et al., ICML 2016): score(h, r, t) = Re(sum_k h_k r_k
 * conj(t_k)).  A tail query is h * r and a head query conj(r) * t, after
 * which the score is the real dot product of the query and the candidate
 * with real and imaginary parts side by side.
 */
#include "models/kg_model.h"

static size_t complex_rel_len(size_t L) { return L; }

static void complex_query(const gr_kg_params *p, int32_t e, int32_t r, int head, float *q)
{
    const size_t h = p->L / 2;
    const float *x = p->ent + (size_t)e * p->L, *v = p->rel + (size_t)r * p->LR;
    const float s = head ? -1.0f : 1.0f; /* conj(r) for head queries */
    for (size_t k = 0; k < h; k++) {
        float xr = x[k], xi = x[k + h], vr = v[k], vi = s * v[k + h];
        q[k] = xr * vr - xi * vi;
        q[k + h] = xr * vi + xi * vr;
    }
}

static void complex_query_grad(const gr_kg_params *p, int32_t e, int32_t r, int head, const float *q, const float *gq,
                               float *ge, float *gr)
{
    (void)q;
    const size_t h = p->L / 2;
    const float *x = p->ent + (size_t)e * p->L, *v = p->rel + (size_t)r * p->LR;
    const float s = head ? -1.0f : 1.0f;
    for (size_t k = 0; k < h; k++) {
        float xr = x[k], xi = x[k + h], vr = v[k], vi = s * v[k + h];
        float gre = gq[k], gim = gq[k + h];
        ge[k] += gre * vr + gim * vi;
        ge[k + h] += -gre * vi + gim * vr;
        gr[k] += gre * xr + gim * xi;
        gr[k + h] += s * (-gre * xi + gim * xr);
    }
}

const gr_kg_kind gr_complex_kind = { GR_MODEL_COMPLEX, 1, 0, complex_rel_len, complex_query, complex_query_grad, NULL, NULL };
