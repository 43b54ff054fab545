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

/* The mask of the row's last, partial block of 16 lanes: its extra lanes
 * masked, so they add 0 to every sum (their scores load as 0). */
GR_INLINE const uint8_t *pad_mask16(uint8_t *dst, const uint8_t *src, size_t m)
{
    memset(dst, 1, 16);
    memcpy(dst, src, m);
    return dst;
}

/* The largest alpha sc[n] over the unmasked negatives, -inf where every
 * one is masked. */
GR_INLINE float masked_max(const float *restrict sc, const uint8_t *restrict mask, size_t N, float alpha)
{
    uint8_t tail_mask[16];
    const gr_v16 ninf = gr_splat16(-INFINITY);
    gr_v16 vmx = ninf;
    for (size_t n = 0; n < N; n += 16) {
        const size_t m = N - n < 16 ? N - n : 16;
        const uint8_t *k = m < 16 ? pad_mask16(tail_mask, mask + n, m) : mask + n;
        vmx = gr_max16(gr_select16(masked16(k), ninf, alpha * gr_load16_part(sc + n, m)), vmx);
    }
    float mx = -INFINITY;
    for (int j = 0; j < 16; j++) mx = vmx[j] > mx ? vmx[j] : mx;
    return mx;
}

/* e[n] = e^(alpha sc[n] + b) for the unmasked negatives, 0 for the masked;
 * returns their sum, kept per lane and the lanes added in one order. */
GR_INLINE float masked_exp_sum(float *restrict e, const float *restrict sc, const uint8_t *restrict mask, size_t N,
                               float alpha, float b)
{
    uint8_t tail_mask[16];
    const gr_v16 zero = gr_splat16(0.0f);
    gr_v16 vz = zero;
    for (size_t n = 0; n < N; n += 16) {
        const size_t m = N - n < 16 ? N - n : 16;
        const uint8_t *k = m < 16 ? pad_mask16(tail_mask, mask + n, m) : mask + n;
        gr_v16 x = gr_select16(masked16(k), zero, gr_exp16(alpha * gr_load16_part(sc + n, m) + b));
        gr_store16_part(e + n, x, m);
        vz += x;
    }
    return gr_hsum16(vz);
}

/*
 * The softmax of alpha s over the unmasked negatives (masked_max and
 * masked_exp_sum), then the loss and the weights.  With u = e^-|s|:
 * sigmoid(s) = 1 / (1 + u) or u / (1 + u), and -log sigmoid(-s) =
 * max(s, 0) + log(1 + u).
 */
GR_INLINE float adversarial_body(float *restrict w, float *restrict e, const float *restrict sc,
                                 const float *restrict ds, const uint8_t *restrict mask, size_t N, float alpha,
                                 float half)
{
    const gr_v16 zero = gr_splat16(0.0f), one = gr_splat16(1.0f);
    const float mx = masked_max(sc, mask, N, alpha);
    const float z = masked_exp_sum(e, sc, mask, N, alpha, -mx), invz = z > 0 ? 1.0f / z : 0.0f;
    gr_v16 vloss = zero;
    for (size_t n = 0; n < N; n += 16) {
        const size_t m = N - n < 16 ? N - n : 16;
        gr_v16 x = gr_load16_part(sc + n, m), u = gr_exp16(-gr_abs16(x)), pn = gr_load16_part(e + n, m) * invz;
        gr_v16 sig = gr_select16(x >= 0.0f, one, u) / (1.0f + u);
        vloss += pn * (gr_max16(x, zero) + gr_log1p16(u));
        gr_store16_part(w + n, half * pn * sig * gr_load16_part(ds + n, m), m);
    }
    return gr_hsum16(vloss);
}

/*
 * The largest logit and the softmax's terms and sum (masked_max and
 * masked_exp_sum), then the weights.  The positive's logit is sp, a
 * negative's sc + shift; masked negatives drop out of every sum.
 */
GR_INLINE float softmax_body(float *restrict w, float *restrict dsp, const float *restrict sc,
                             const float *restrict ds, const uint8_t *restrict mask, size_t N, float sp, float shift,
                             float scale)
{
    const float top = masked_max(sc, mask, N, 1.0f) + shift, mx = top > sp ? top : sp;
    const float ep = expf(sp - mx), z = masked_exp_sum(w, sc, mask, N, 1.0f, shift - mx) + ep, invz = 1.0f / z;
    for (size_t n = 0; n < N; n += 16) {
        const size_t m = N - n < 16 ? N - n : 16;
        gr_store16_part(w + n, (scale * invz) * gr_load16_part(w + n, m) * gr_load16_part(ds + n, m), m);
    }
    *dsp = ep * invz - 1.0f;
    return logf(z) + mx - sp;
}

GR_INLINE float margin_body(float *restrict w, float *restrict dsp, const float *restrict sc, const float *restrict ds,
                            const uint8_t *restrict mask, size_t N, float m, float scale)
{
    /* counted in 32 bits (N <= 65,536): Clang 14 vectorises a 64-bit count
     * into 64-bit lane compares its AVX-512F clone cannot select */
    uint32_t count = 0;
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

GR_KERNEL static float softmax_k(float *w, float *dsp, const float *sc, const float *ds, const uint8_t *mask, size_t N,
                                 float sp, float shift, float scale)
{
    return softmax_body(w, dsp, sc, ds, mask, N, sp, shift, scale);
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

float gr_kg_softmax_row(float *w, float *dsp, const float *sc, const float *ds, const uint8_t *mask, size_t N, float sp,
                        float shift, float scale)
{
    return softmax_k(w, dsp, sc, ds, mask, N, sp, shift, scale);
}
