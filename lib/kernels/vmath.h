/*
 * Exponential and log1p for loops the compiler vectorises: the libm calls
 * are scalar, and the loss of a KG batch needs three of them for each of
 * its batch x negatives scores.  Written with integer bit operations and
 * polynomials only; relative error below 3e-7 over the ranges used.
 */
#ifndef GR_KERNELS_VMATH_H
#define GR_KERNELS_VMATH_H

#include <stdint.h>
#include <string.h>

/* e^x for x in [-87, 88] (clamped outside): x = n ln2 + r, |r| <= ln2/2,
 * e^r by its Taylor polynomial of degree 7, 2^n by the exponent bits. */
static inline float gr_expf_v(float x)
{
    x = x < -87.0f ? -87.0f : x > 88.0f ? 88.0f : x;
    float y = x * 1.44269504088896341f;
    float n = (float)(int32_t)(y + (y >= 0 ? 0.5f : -0.5f)); /* rounding by truncation, which SSE2 vectorises */
    float r = x - n * 0.693145751953125f - n * 1.428606765330187e-06f;
    float p = 1.0f / 5040.0f;
    p = p * r + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

/* log(1 + u) for u in [0, 1]: 2 atanh(t) with t = u / (2 + u) <= 1/3. */
static inline float gr_log1pf_v(float u)
{
    float t = u / (2.0f + u), t2 = t * t;
    float p = 1.0f / 15.0f;
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
