/*
 * RotatE (Sun et al., ICLR 2019): entities are complex vectors and a
 * relation rotates each complex dimension by a phase, score(h, r, t) =
 * gamma - sum_k |h_k e^{i theta_k} - t_k|.  Rotations preserve moduli, so
 * |h e^{i theta} - t| = |h - t e^{-i theta}|: a tail query is h rotated
 * by theta, a head query t rotated by -theta, and both are ranked by the
 * same distance to the candidates.  As in the reference implementation the
 * parameter of a relation is its phase divided by phase_scale, so that
 * Adam's steps on phases and on entities have the same relative size.
 * The cosines and sines of the phases are tabled once per update (aux:
 * cosines in the first half of a row, sines in the second).
 */
#include <math.h>

#include "models/kg_model.h"

static size_t rotate_rel_len(size_t L) { return L / 2; }
static size_t rotate_aux_len(size_t L) { return L; }

static void rotate_refresh(gr_kg_params *p)
{
    const size_t h = p->L / 2;
    for (size_t r = 0; r < p->n_rel; r++) {
        const float *v = p->rel + r * p->LR;
        float *cs = p->aux + r * p->LA;
        for (size_t k = 0; k < h; k++) {
            float th = v[k] * p->phase_scale;
            cs[k] = cosf(th);
            cs[k + h] = sinf(th);
        }
    }
}

static void rotate_query(const gr_kg_params *p, int32_t e, int32_t r, int head, float *q)
{
    const size_t h = p->L / 2;
    const float *x = p->ent + (size_t)e * p->L, *cs = p->aux + (size_t)r * p->LA;
    const float s = head ? -1.0f : 1.0f;
    for (size_t k = 0; k < h; k++) {
        float c = cs[k], sn = s * cs[k + h], re = x[k], im = x[k + h];
        q[k] = re * c - im * sn;
        q[k + h] = re * sn + im * c;
    }
}

static void rotate_query_grad(const gr_kg_params *p, int32_t e, int32_t r, int head, const float *q, const float *gq,
                              float *ge, float *gr)
{
    (void)e;
    const size_t h = p->L / 2;
    const float *cs = p->aux + (size_t)r * p->LA;
    const float s = head ? -1.0f : 1.0f, scale = s * p->phase_scale;
    for (size_t k = 0; k < h; k++) {
        float c = cs[k], sn = s * cs[k + h], gre = gq[k], gim = gq[k + h];
        /* the anchor rotates back by the query's angle */
        ge[k] += gre * c + gim * sn;
        ge[k + h] += -gre * sn + gim * c;
        /* d q / d angle = i q */
        gr[k] += scale * (gim * q[k] - gre * q[k + h]);
    }
}

const gr_kg_kind gr_rotate_kind = { GR_MODEL_ROTATE, 1, 1, rotate_rel_len, rotate_query, rotate_query_grad,
                                    rotate_aux_len, rotate_refresh };
