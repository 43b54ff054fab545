/*
 * Dense kernels of knowledge-graph embeddings: a block of query vectors
 * against a block of candidate entity vectors, every pair, so that the
 * negatives a mini-batch shares and the all-entity ranking of evaluation
 * are the same register-tiled loop.
 *
 * Rows have length L, a multiple of 16 (rows are padded with zeros, which
 * add nothing to any of the sums).  A complex row (GR_KG_CMOD) holds the
 * real parts in its first half and the imaginary parts in its second, and
 * each half is a multiple of 16.
 */
#ifndef GR_KERNELS_KG_SCORE_H
#define GR_KERNELS_KG_SCORE_H

#include <stddef.h>

typedef enum gr_kg_op {
    GR_KG_DOT = 0,  /* sum_k q_k c_k                                  (DistMult, ComplEx) */
    GR_KG_L1 = 1,   /* sum_k |q_k - c_k|                              (TransE, L1)        */
    GR_KG_L2 = 2,   /* sum_k (q_k - c_k)^2, the squared distance     (TransE, L2)        */
    GR_KG_CMOD = 3  /* sum_k |(q_k - c_k) + i (q_k' - c_k')|, k' = k + L/2  (RotatE)      */
} gr_kg_op;

/* Precision of the square roots of GR_KG_CMOD: the fast form is a hardware
 * reciprocal square root estimate (relative error below 2^-11), good
 * enough for gradients; evaluation asks for correctly rounded roots. */
enum { GR_KG_FAST = 0, GR_KG_EXACT = 1 };

/*
 * How far GR_KG_CMOD's fast value x of a distance d may lie from d:
 * |x - d| <= gr_kg_fast_band(span) max(x, d) + GR_KG_FAST_ABS, span the
 * complex dimensions (L / 2).  The estimate's relative error per term is
 * at most 2^-14 (AVX-512 `vrsqrt14ps`; AVX2 and baseline are closer), and
 * the two sums of positive terms (span / 16 per lane, then 16 lanes)
 * differ by rounding by at most 2 (span / 16 + 16) 2^-24 relative; the
 * band is four times the first and twice the second (2.5e-4 at RotatE's
 * default 500 dimensions), and GR_KG_FAST_ABS covers the padding's 1e-15
 * per lane.  Callers that need exact orders compute exactly the values
 * the band cannot place.
 */
#define GR_KG_FAST_ABS 1e-6f
static inline float gr_kg_fast_band(size_t span)
{
    return 4.0f * 0x1p-14f + 4.0f * (float)(span / 16 + 16) * 0x1p-24f;
}

/*
 * S[b * lds + n] = op(Q[b], C[n]) for b < nq, n < nc.  Single-threaded:
 * callers split the queries between threads.
 */
void gr_kg_score(int op, int precision, float *S, size_t lds, const float *Q, size_t nq, const float *C, size_t nc,
                 size_t L);

/*
 * Accumulate the gradient of sum_{b,n} W[b * ldw + n] op(Q[b], C[n]) into
 * gQ (nq rows) and gC (nc rows), only in the dimensions [k0, k1) (a
 * multiple of 16; for GR_KG_CMOD a range of the first half, and the
 * matching imaginary dimensions are included).  Threads given disjoint
 * ranges write disjoint memory and the sums run in one fixed order, so
 * results do not depend on the number of threads.  Pairs whose weight is
 * 0 are skipped.
 */
void gr_kg_grad(int op, float *gQ, float *gC, const float *W, size_t ldw, const float *Q, size_t nq, const float *C,
                size_t nc, size_t L, size_t k0, size_t k1);

/* s[b] = op(Q[b], C[b]) for n row pairs (exact roots). */
void gr_kg_score_rows(int op, float *s, const float *Q, const float *C, size_t n, size_t L);

/* gQ[b] += w[b] d op(Q[b], C[b]) / dQ[b], and likewise gC[b], for n row pairs. */
void gr_kg_grad_rows(int op, float *gQ, float *gC, const float *w, const float *Q, const float *C, size_t n, size_t L);

#endif
