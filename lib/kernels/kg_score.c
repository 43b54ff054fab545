/*
 * KG kernels, compiled once per instruction set and chosen at run time:
 * the RotatE distance needs a square root per complex dimension and a
 * reciprocal root per gradient cell, and the hardware estimates
 * (vrsqrt14ps, vrsqrtps) are several times faster than exact roots.
 * Plain target_clones cannot use them, since the default clone would have
 * to compile the same intrinsics.  The per-ISA copies use GCC's target
 * pragma; Clang builds take the portable copy (Clang rejects the gr_v16
 * helpers of simd.h, compiled without AVX-512, called from AVX-512 code).
 */
#include "kernels/kg_score.h"

#include <math.h>

#include "kernels/cpu.h"
#include "kernels/simd.h"

/* ---- portable build: exact roots ---- */

static inline gr_v16 kg_sqrt_generic(gr_v16 x)
{
    for (int k = 0; k < 16; k++) x[k] = sqrtf(x[k]);
    return x;
}

static inline gr_v16 kg_rsqrt_generic(gr_v16 x)
{
    for (int k = 0; k < 16; k++) x[k] = 1.0f / sqrtf(x[k]);
    return x;
}

static inline gr_v16 kg_fma_generic(gr_v16 a, gr_v16 b, gr_v16 c) { return a * b + c; }
static inline gr_v16 kg_fnma_generic(gr_v16 a, gr_v16 b, gr_v16 c) { return c - a * b; }

#define KG_SUFFIX _generic
#define KG_V gr_v16
#define KG_VI gr_v16i
#define KG_W 16
#define KG_LOAD gr_load16
#define KG_STORE gr_store16
#define KG_SPLAT gr_splat16
#define KG_HSUM gr_hsum16
#define KG_SQRT kg_sqrt_generic
#define KG_RSQRT kg_rsqrt_generic
#define KG_FMA kg_fma_generic
#define KG_FNMA kg_fnma_generic
#include "kernels/kg_score_impl.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(GR_NATIVE)
#define KG_X86 1
#include <immintrin.h>

/* ---- x86-64-v4: AVX-512 ---- */
#pragma GCC push_options
#pragma GCC target("arch=x86-64-v4")

static inline gr_v16 kg_sqrt_v4(gr_v16 x) { return (gr_v16)_mm512_sqrt_ps((__m512)x); }
static inline gr_v16 kg_rsqrt_v4(gr_v16 x) { return (gr_v16)_mm512_rsqrt14_ps((__m512)x); }
static inline gr_v16 kg_fma_v4(gr_v16 a, gr_v16 b, gr_v16 c)
{
    return (gr_v16)_mm512_fmadd_ps((__m512)a, (__m512)b, (__m512)c);
}
static inline gr_v16 kg_fnma_v4(gr_v16 a, gr_v16 b, gr_v16 c)
{
    return (gr_v16)_mm512_fnmadd_ps((__m512)a, (__m512)b, (__m512)c);
}

#define KG_SUFFIX _v4
#define KG_V gr_v16
#define KG_VI gr_v16i
#define KG_W 16
#define KG_LOAD gr_load16
#define KG_STORE gr_store16
#define KG_SPLAT gr_splat16
#define KG_HSUM gr_hsum16
#define KG_SQRT kg_sqrt_v4
#define KG_RSQRT kg_rsqrt_v4
#define KG_FMA kg_fma_v4
#define KG_FNMA kg_fnma_v4
#include "kernels/kg_score_impl.h"
#pragma GCC pop_options

/* ---- x86-64-v3: AVX2 + FMA, on gr_v8 (one register; simd.h) ---- */
#pragma GCC push_options
#pragma GCC target("arch=x86-64-v3")

static inline gr_v8 kg_sqrt_v3(gr_v8 x) { return (gr_v8)_mm256_sqrt_ps((__m256)x); }

/* vrsqrtps has 12 bits; one Newton step brings it to about 22. */
static inline gr_v8 kg_rsqrt_v3(gr_v8 x)
{
    gr_v8 y = (gr_v8)_mm256_rsqrt_ps((__m256)x);
    return y * (1.5f - 0.5f * x * y * y);
}

static inline gr_v8 kg_fma_v3(gr_v8 a, gr_v8 b, gr_v8 c)
{
    return (gr_v8)_mm256_fmadd_ps((__m256)a, (__m256)b, (__m256)c);
}
static inline gr_v8 kg_fnma_v3(gr_v8 a, gr_v8 b, gr_v8 c)
{
    return (gr_v8)_mm256_fnmadd_ps((__m256)a, (__m256)b, (__m256)c);
}

static inline float kg_hsum_v3(gr_v8 v)
{
    float s = 0;
    for (int k = 0; k < 8; k++) s += v[k];
    return s;
}

#define KG_SUFFIX _v3
#define KG_V gr_v8
#define KG_VI gr_v8i
#define KG_W 8
#define KG_LOAD gr_load8
#define KG_STORE gr_store8
#define KG_SPLAT gr_splat8
#define KG_HSUM kg_hsum_v3
#define KG_SQRT kg_sqrt_v3
#define KG_RSQRT kg_rsqrt_v3
#define KG_FMA kg_fma_v3
#define KG_FNMA kg_fnma_v3
#include "kernels/kg_score_impl.h"
#pragma GCC pop_options
#endif

typedef void (*score_fn)(int, int, float *, size_t, const float *, size_t, const float *, size_t, size_t);
typedef void (*grad_fn)(int, float *, float *, const float *, size_t, const float *, size_t, const float *, size_t,
                        size_t, size_t, size_t);

void gr_kg_score(int op, int precision, float *S, size_t lds, const float *Q, size_t nq, const float *C, size_t nc,
                 size_t L)
{
    score_fn f = gr_kg_score__generic;
#ifdef KG_X86
    int l = gr_cpu_level();
    if (l == 4) f = gr_kg_score__v4;
    else if (l == 3) f = gr_kg_score__v3;
#endif
    f(op, precision, S, lds, Q, nq, C, nc, L);
}

void gr_kg_grad(int op, float *gQ, float *gC, const float *W, size_t ldw, const float *Q, size_t nq, const float *C,
                size_t nc, size_t L, size_t k0, size_t k1)
{
    grad_fn f = gr_kg_grad__generic;
#ifdef KG_X86
    int l = gr_cpu_level();
    if (l == 4) f = gr_kg_grad__v4;
    else if (l == 3) f = gr_kg_grad__v3;
#endif
    f(op, gQ, gC, W, ldw, Q, nq, C, nc, L, k0, k1);
}

/* ---- row pairs: O(n L), plain loops ---- */

void gr_kg_score_rows(int op, float *s, const float *Q, const float *C, size_t n, size_t L)
{
    const size_t half = L / 2;
    for (size_t b = 0; b < n; b++) {
        const float *q = Q + b * L, *c = C + b * L;
        double acc = 0.0;
        if (op == GR_KG_CMOD) {
            for (size_t k = 0; k < half; k++) {
                float dr = q[k] - c[k], di = q[k + half] - c[k + half];
                acc += sqrtf(dr * dr + di * di);
            }
        } else {
            for (size_t k = 0; k < L; k++) {
                float d = q[k] - c[k];
                acc += op == GR_KG_DOT ? q[k] * c[k] : op == GR_KG_L1 ? fabsf(d) : d * d;
            }
        }
        s[b] = (float)acc;
    }
}

void gr_kg_grad_rows(int op, float *gQ, float *gC, const float *w, const float *Q, const float *C, size_t n, size_t L)
{
    const size_t half = L / 2;
    for (size_t b = 0; b < n; b++) {
        const float *q = Q + b * L, *c = C + b * L;
        float *gq = gQ + b * L, *gc = gC + b * L, wb = w[b];
        if (wb == 0.0f) continue;
        if (op == GR_KG_CMOD) {
            for (size_t k = 0; k < half; k++) {
                float dr = q[k] - c[k], di = q[k + half] - c[k + half];
                float m = sqrtf(dr * dr + di * di);
                float f = m > 0 ? wb / m : 0.0f;
                gq[k] += f * dr;
                gq[k + half] += f * di;
                gc[k] -= f * dr;
                gc[k + half] -= f * di;
            }
            continue;
        }
        for (size_t k = 0; k < L; k++) {
            float d = q[k] - c[k];
            switch (op) {
            case GR_KG_DOT:
                gq[k] += wb * c[k];
                gc[k] += wb * q[k];
                break;
            case GR_KG_L1: {
                float s = d > 0 ? wb : d < 0 ? -wb : 0.0f;
                gq[k] += s;
                gc[k] -= s;
                break;
            }
            default:
                gq[k] += 2.0f * wb * d;
                gc[k] -= 2.0f * wb * d;
            }
        }
    }
}
