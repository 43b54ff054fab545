/*
 * Per-query KG losses (kg_loss.h), cloned per instruction set: a training
 * step runs them on batch x negatives scores, three transcendental
 * functions each, and the baseline build leaves them scalar.  The
 * self-adversarial loss is written on vmath.h's 16-lane vectors; the
 * others are plain loops the compiler vectorises.  max() is a comparison,
 * which vectorises where fmaxf, a libm call, does not (both ignore a NaN
 * score the same way: NaN > x is false).
 */
#include "kernels/kg_loss.h"

#include <math.h>
#include <string.h>

#include "kernels/simd.h"
#include "kernels/vmath.h"

GR_INLINE void row_scores_body(int form, float gamma, float *restrict sc, float *restrict ds, const float *restrict v,
                               size_t N)
{
    if (form == GR_KG_FORM_DOT) {
        for (size_t n = 0; n < N; n++) {
            sc[n] = v[n];
            ds[n] = 1.0f;
        }
    } else if (form == GR_KG_FORM_SQRT) {
        for (size_t n = 0; n < N; n++) {
            float r = sqrtf(v[n] > 1e-20f ? v[n] : 1e-20f);
            sc[n] = gamma - r;
            ds[n] = -0.5f / r;
        }
    } else {
        for (size_t n = 0; n < N; n++) {
            sc[n] = gamma - v[n];
            ds[n] = -1.0f;
        }
    }
}

/* Sixteen mask bytes as lane masks: all bits set where a byte is not 0. */
typedef uint8_t kg_u8x16 __attribute__((vector_size(16)));

GR_INLINE gr_v16i masked16(const uint8_t *mask)
{
    kg_u8x16 b;
    memcpy(&b, mask, sizeof b);
    return __builtin_convertvector(b, gr_v16i) != 0;
}

/* A block of 16 lanes of the row, the last one padded: its extra lanes
 * are masked, with score 0, so they add 0 to every sum. */
typedef struct adv_block {
    float sc[16], ds[16], e[16];
    uint8_t mask[16];
} adv_block;

GR_INLINE const float *pad16(float *dst, const float *src, size_t m)
{
    memset(dst, 0, 16 * sizeof *dst);
    memcpy(dst, src, m * sizeof *dst);
    return dst;
}

GR_INLINE const uint8_t *pad_mask16(uint8_t *dst, const uint8_t *src, size_t m)
{
    memset(dst, 1, 16);
    memcpy(dst, src, m);
    return dst;
}

/*
 * Three passes of 16 lanes: the largest unmasked alpha s, the softmax's
 * terms and their sum, then the loss and the weights.  With u = e^-|s|:
 * sigmoid(s) = 1 / (1 + u) or u / (1 + u), and -log sigmoid(-s) =
 * max(s, 0) + log(1 + u).  Each sum is kept per lane and the lanes added
 * in one order at the end.
 */
GR_INLINE float adversarial_body(float *restrict w, float *restrict e, const float *restrict sc,
                                 const float *restrict ds, const uint8_t *restrict mask, size_t N, float alpha,
                                 float half)
{
    adv_block t;
    const gr_v16 ninf = gr_splat16(-INFINITY), zero = gr_splat16(0.0f), one = gr_splat16(1.0f);
    gr_v16 vmx = ninf;
    for (size_t n = 0; n < N; n += 16) {
        const size_t m = N - n < 16 ? N - n : 16;
        const float *s = m < 16 ? pad16(t.sc, sc + n, m) : sc + n;
        const uint8_t *k = m < 16 ? pad_mask16(t.mask, mask + n, m) : mask + n;
        vmx = gr_max16(gr_select16(masked16(k), ninf, alpha * gr_load16(s)), vmx);
    }
    float mx = -INFINITY;
    for (int j = 0; j < 16; j++) mx = vmx[j] > mx ? vmx[j] : mx;
    gr_v16 vz = zero;
    for (size_t n = 0; n < N; n += 16) {
        const size_t m = N - n < 16 ? N - n : 16;
        const float *s = m < 16 ? pad16(t.sc, sc + n, m) : sc + n;
        const uint8_t *k = m < 16 ? pad_mask16(t.mask, mask + n, m) : mask + n;
        gr_v16 x = gr_select16(masked16(k), zero, gr_exp16(alpha * gr_load16(s) - mx));
        gr_store16(m < 16 ? t.e : e + n, x);
        if (m < 16) memcpy(e + n, t.e, m * sizeof *e);
        vz += x;
    }
    const float z = gr_hsum16(vz), invz = z > 0 ? 1.0f / z : 0.0f;
    gr_v16 vloss = zero;
    for (size_t n = 0; n < N; n += 16) {
        const size_t m = N - n < 16 ? N - n : 16;
        const float *s = m < 16 ? pad16(t.sc, sc + n, m) : sc + n;
        const float *d = m < 16 ? pad16(t.ds, ds + n, m) : ds + n;
        const float *en = m < 16 ? pad16(t.e, e + n, m) : e + n;
        gr_v16 x = gr_load16(s), u = gr_exp16(-gr_abs16(x)), pn = gr_load16(en) * invz;
        gr_v16 sig = gr_select16(x >= 0.0f, one, u) / (1.0f + u);
        vloss += pn * (gr_max16(x, zero) + gr_log1p16(u));
        gr_v16 wv = half * pn * sig * gr_load16(d);
        if (m < 16) {
            gr_store16(t.e, wv);
            memcpy(w + n, t.e, m * sizeof *w);
        } else {
            gr_store16(w + n, wv);
        }
    }
    return gr_hsum16(vloss);
}

GR_INLINE float margin_body(float *restrict w, float *restrict dsp, const float *restrict sc, const float *restrict ds,
                            const uint8_t *restrict mask, size_t N, float m, float scale)
{
    size_t count = 0;
    for (size_t n = 0; n < N; n++) count += !mask[n];
    const float inv = count ? 1.0f / (float)count : 0.0f;
    float loss = 0.0f, d = 0.0f;
#pragma omp simd reduction(+ : loss, d)
    for (size_t n = 0; n < N; n++) {
        float h = m + sc[n];
        int active = !mask[n] && h > 0;
        loss += active ? h * inv : 0.0f;
        w[n] = active ? scale * inv * ds[n] : 0.0f;
        d -= active ? inv : 0.0f;
    }
    *dsp = d;
    return loss;
}

GR_KERNEL static void row_scores_k(int form, float gamma, float *sc, float *ds, const float *v, size_t N)
{
    row_scores_body(form, gamma, sc, ds, v, N);
}

GR_KERNEL static float adversarial_k(float *w, float *e, const float *sc, const float *ds, const uint8_t *mask, size_t N,
                                     float alpha, float half)
{
    return adversarial_body(w, e, sc, ds, mask, N, alpha, half);
}

GR_KERNEL static float margin_k(float *w, float *dsp, const float *sc, const float *ds, const uint8_t *mask, size_t N,
                                float m, float scale)
{
    return margin_body(w, dsp, sc, ds, mask, N, m, scale);
}

void gr_kg_row_scores(int form, float gamma, float *sc, float *ds, const float *v, size_t N)
{
    row_scores_k(form, gamma, sc, ds, v, N);
}

float gr_kg_adversarial_row(float *w, float *e, const float *sc, const float *ds, const uint8_t *mask, size_t N,
                            float alpha, float half)
{
    return adversarial_k(w, e, sc, ds, mask, N, alpha, half);
}

float gr_kg_margin_row(float *w, float *dsp, const float *sc, const float *ds, const uint8_t *mask, size_t N, float m,
                       float scale)
{
    return margin_k(w, dsp, sc, ds, mask, N, m, scale);
}
