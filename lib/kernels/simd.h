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

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Sanitizer builds compile the baseline only: target_clones resolves
 * through ifuncs, which run while the loader relocates the library, before
 * the sanitizer run-time is set up (under ThreadSanitizer they crash).  GCC
 * announces a sanitizer with __SANITIZE_*__ macros, Clang through
 * __has_feature. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define GR_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define GR_SANITIZED 1
#endif
#endif

/* An unoptimised build (-O0) compiles the baseline only as well: there
 * the clones' helpers stay calls compiled for the baseline, and vectors
 * passed to them cross calling conventions.  Clang (14) does not dispatch
 * on the x86-64-v3/v4 levels: it emits no v3 clone and tests the CPU
 * vendor instead of its features.  Its clones are chosen by one feature
 * each; AVX-512F implies AVX2 and FMA there. */
#if !defined(__x86_64__) || !defined(__GNUC__) || defined(GR_NATIVE) || defined(GR_SANITIZED) || !defined(__OPTIMIZE__)
#define GR_KERNEL
#elif defined(__clang__)
#define GR_KERNEL __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define GR_KERNEL __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif

/*
 * The body of a GR_KERNEL function goes in a GR_INLINE function, and the
 * GR_KERNEL function only calls it with pointers and scalars.  Clang
 * checks the vector calling convention at every call written inside a
 * multi-versioned function, before inlining: in the x86-64-v4 clone a call
 * to gr_load16 (compiled without AVX-512) that returns a gr_v16 is an
 * error.  Calls inside an always-inline body are inlined into each clone
 * first and compiled with its instruction set, under GCC and Clang alike.
 */
#define GR_INLINE static inline __attribute__((always_inline))

/* The vector helpers below are GR_INLINE for the same reason: at -O0
 * (buildtype debug) a plain static inline helper stays a call, compiled
 * for the baseline, and a gr_v16 passed to or returned from it by an
 * AVX-512 caller crosses two calling conventions (seen as a NULL pointer
 * inside gr_load16 under the KG kernels' AVX-512 body). */

typedef float gr_v16 __attribute__((vector_size(64)));

GR_INLINE gr_v16 gr_load16(const float *p)
{
    gr_v16 v;
    memcpy(&v, p, sizeof v);
    return v;
}

GR_INLINE void gr_store16(float *p, gr_v16 v) { memcpy(p, &v, sizeof v); }

/* Broadcast through a vector-scalar operation: an initialiser list of x
 * compiles to sixteen masked inserts. */
GR_INLINE gr_v16 gr_splat16(float x)
{
    gr_v16 zero = { 0 };
    return zero + x;
}

/* Sixteen 32-bit integers: a gr_v16's bits, for masks (a comparison of
 * two gr_v16 gives one) and exponent arithmetic. */
typedef int32_t gr_v16i __attribute__((vector_size(64)));

/* The first w (<= 16) floats at p, the other lanes 0: the tail of a row
 * whose length is not a multiple of 16, read without reading past it. */
GR_INLINE gr_v16 gr_load16_part(const float *p, size_t w)
{
    if (w == 16) return gr_load16(p);
    float t[16] = { 0 };
    memcpy(t, p, w * sizeof *p);
    return gr_load16(t);
}

/* The first w (<= 16) lanes of v to p, nothing past them. */
GR_INLINE void gr_store16_part(float *p, gr_v16 v, size_t w)
{
    if (w == 16) gr_store16(p, v);
    else memcpy(p, &v, w * sizeof *p);
}

/*
 * Half a gr_v16: one AVX2 register.  GCC keeps a gr_v16 in registers only
 * where the target has 64-byte vectors; in the x86-64-v3 clone it lives in
 * memory and every operation on it goes through the stack.  Kernels whose
 * blocks must stay in registers without AVX-512 are written with gr_v8
 * (kernels/cpu.h chooses between the two at run time).
 */
typedef float gr_v8 __attribute__((vector_size(32)));

/* Eight 32-bit integers: a gr_v8's bits, for masks (a comparison of two
 * gr_v8 gives one). */
typedef int gr_v8i __attribute__((vector_size(32)));

GR_INLINE gr_v8 gr_load8(const float *p)
{
    gr_v8 v;
    memcpy(&v, p, sizeof v);
    return v;
}

GR_INLINE void gr_store8(float *p, gr_v8 v) { memcpy(p, &v, sizeof v); }

GR_INLINE gr_v8 gr_splat8(float x)
{
    gr_v8 zero = { 0 };
    return zero + x;
}

/* A gr_v16 as its two gr_v8 halves, and back: where a narrow kernel meets
 * the partial loads and stores written for 16 floats. */
GR_INLINE void gr_split16(gr_v16 v, gr_v8 *lo, gr_v8 *hi)
{
    memcpy(lo, &v, sizeof *lo);
    memcpy(hi, (const char *)&v + sizeof *lo, sizeof *hi);
}

GR_INLINE gr_v16 gr_join16(gr_v8 lo, gr_v8 hi)
{
    gr_v16 v;
    memcpy(&v, &lo, sizeof lo);
    memcpy((char *)&v + sizeof lo, &hi, sizeof hi);
    return v;
}

GR_INLINE float gr_hsum16(gr_v16 v)
{
    float s = 0;
    for (int k = 0; k < 16; k++) s += v[k];
    return s;
}

#endif
