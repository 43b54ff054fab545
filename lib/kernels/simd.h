/*
 * Portable vector code for the hot kernels.
 *
 * Kernels are written with GCC/Clang vector extensions, which the compiler
 * maps to whatever the target has (one AVX-512 register, two AVX2
 * registers, or four SSE registers per gr_v16).  A library installed on
 * other machines cannot assume AVX-512, so row-range kernels carry
 * GR_KERNEL: on x86-64 the compiler emits an x86-64-v4, an x86-64-v3 and a
 * baseline clone and picks one at load time.  OpenMP regions stay outside
 * the cloned functions, because the outlined parallel body would not be
 * cloned with them.
 */
#ifndef GR_KERNELS_SIMD_H
#define GR_KERNELS_SIMD_H

#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(GR_NATIVE) && !defined(__SANITIZE_ADDRESS__)
#define GR_KERNEL __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define GR_KERNEL
#endif

typedef float gr_v16 __attribute__((vector_size(64)));

static inline gr_v16 gr_load16(const float *p)
{
    gr_v16 v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void gr_store16(float *p, gr_v16 v) { memcpy(p, &v, sizeof v); }

/* Broadcast through a vector-scalar operation: an initialiser list of x
 * compiles to sixteen masked inserts. */
static inline gr_v16 gr_splat16(float x)
{
    gr_v16 zero = { 0 };
    return zero + x;
}

static inline float gr_hsum16(gr_v16 v)
{
    float s = 0;
    for (int k = 0; k < 16; k++) s += v[k];
    return s;
}

#endif
