/*
 * Exponential and log1p on 16 lanes at once (simd.h's gr_v16), for
 * kernels whose loops need them per element: the libm calls are scalar,
 * and GCC leaves a loop over a scalar polynomial exponential scalar too
 * (it threads the clamp's branches and cannot if-convert the trapping
 * float-to-int conversion).  Integer bit operations and polynomials only;
 * relative error below 3e-7 over the ranges used.
 */
#ifndef GR_KERNELS_VMATH_H
#define GR_KERNELS_VMATH_H

#include "kernels/simd.h"

/* Lane by lane: m ? a : b, m from a comparison (all bits set or none). */
GR_INLINE gr_v16 gr_select16(gr_v16i m, gr_v16 a, gr_v16 b) { return (gr_v16)((m & (gr_v16i)a) | (~m & (gr_v16i)b)); }

GR_INLINE gr_v16 gr_abs16(gr_v16 x) { return (gr_v16)((gr_v16i)x & 0x7fffffff); }

GR_INLINE gr_v16 gr_max16(gr_v16 a, gr_v16 b) { return gr_select16(a > b, a, b); }

/* e^x for x in [-87, 88] (clamped outside): x = n ln2 + r, |r| <= ln2/2
 * with n rounded to nearest by adding and subtracting 1.5 2^23, e^r by
 * its Taylor polynomial of degree 7, 2^n by the exponent bits. */
GR_INLINE gr_v16 gr_exp16(gr_v16 x)
{
    x = gr_select16(x < -87.0f, gr_splat16(-87.0f), x);
    x = gr_select16(x > 88.0f, gr_splat16(88.0f), x);
    const gr_v16 shift = gr_splat16(12582912.0f);
    gr_v16 n = (x * 1.44269504088896341f + shift) - shift;
    gr_v16 r = x - n * 0.693145751953125f - n * 1.428606765330187e-06f;
    gr_v16 p = gr_splat16(1.0f / 5040.0f);
    p = p * r + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    gr_v16i bits = (__builtin_convertvector(n, gr_v16i) + 127) << 23;
    return p * (gr_v16)bits;
}

/* log(1 + u) for u in [0, 1]: 2 atanh(t) with t = u / (2 + u) <= 1/3. */
GR_INLINE gr_v16 gr_log1p16(gr_v16 u)
{
    gr_v16 t = u / (2.0f + u), t2 = t * t;
    gr_v16 p = gr_splat16(1.0f / 15.0f);
    p = p * t2 + 1.0f / 13.0f;
    p = p * t2 + 1.0f / 11.0f;
    p = p * t2 + 1.0f / 9.0f;
    p = p * t2 + 1.0f / 7.0f;
    p = p * t2 + 1.0f / 5.0f;
    p = p * t2 + 1.0f / 3.0f;
    p = p * t2 + 1.0f;
    return 2.0f * t * p;
}

#endif
