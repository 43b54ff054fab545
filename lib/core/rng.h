/*
 * Counter-based random numbers.  Every draw is a pure function of
 * (seed, stream, counter), so a parallel loop gives the same numbers
 * whatever the scheduling: draw i of a loop uses counter i.
 */
#ifndef GR_CORE_RNG_H
#define GR_CORE_RNG_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

static inline uint64_t gr_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A 64-bit value determined by (seed, stream, counter). */
static inline uint64_t gr_hash3(uint64_t seed, uint64_t stream, uint64_t counter)
{
    uint64_t z = gr_mix64(seed + 0x9e3779b97f4a7c15ULL);
    z = gr_mix64(z ^ (stream * 0xd1b54a32d192ed03ULL));
    return gr_mix64(z + counter * 0x9e3779b97f4a7c15ULL);
}

/* Uniform integer in [0, n) from 64 random bits (Lemire's multiply; the bias
 * is below 2^-32 for any n that fits in 32 bits). */
static inline uint32_t gr_below(uint64_t bits, uint32_t n)
{
    return (uint32_t)(((bits >> 32) * (uint64_t)n) >> 32);
}

/* Uniform double in [0, 1). */
static inline double gr_unit(uint64_t bits) { return (double)(bits >> 11) * 0x1.0p-53; }

/* A sequential stream for loops that run on one thread. */
typedef struct gr_rng {
    uint64_t seed, stream, counter;
} gr_rng;

static inline gr_rng gr_rng_make(uint64_t seed, uint64_t stream)
{
    gr_rng r = { seed, stream, 0 };
    return r;
}

static inline uint64_t gr_rng_next(gr_rng *r) { return gr_hash3(r->seed, r->stream, r->counter++); }

static inline uint32_t gr_rng_below(gr_rng *r, uint32_t n) { return gr_below(gr_rng_next(r), n); }

static inline double gr_rng_unit(gr_rng *r) { return gr_unit(gr_rng_next(r)); }

/* Fisher-Yates shuffle of idx[0..n) with the stream (seed, stream). */
static inline void gr_rng_shuffle(int64_t *idx, size_t n, uint64_t seed, uint64_t stream)
{
    gr_rng r = gr_rng_make(seed, stream);
    for (size_t k = n; k > 1; k--) {
        size_t j = gr_rng_below(&r, (uint32_t)k);
        int64_t t = idx[k - 1];
        idx[k - 1] = idx[j];
        idx[j] = t;
    }
}

/* Standard normal (Box-Muller from two draws). */
static inline double gr_rng_normal(gr_rng *r)
{
    double u1 = gr_rng_unit(r), u2 = gr_rng_unit(r);
    if (u1 < 1e-300) u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

#endif
