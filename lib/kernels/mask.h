/*
 * Element-wise masks of a layer's rows: the ReLU, its gradient, and
 * dropout drawn from a counter-based stream.  Element by element, so every
 * clone gives the same bits.  Single-threaded: callers parallelise.
 */
#ifndef GR_KERNELS_MASK_H
#define GR_KERNELS_MASK_H

#include <stddef.h>
#include <stdint.h>

/* x[j] = max(x[j], 0) for j < n (NaN becomes 0). */
void gr_relu(float *x, size_t n);

/* g[j] = 0 where !(h[j] > 0), j < n: the gradient through a ReLU whose
 * outputs are h. */
void gr_relu_grad(float *g, const float *h, size_t n);

/*
 * Dropout of a row of n values with the random bytes of `stream`: byte
 * j % 8 (the low byte first) of word j / 8, word q being
 * gr_mix64(stream + (q + 1) 0x9e3779b97f4a7c15), keeps value j when it is
 * >= cut, and a kept value is multiplied by scale; the others become 0.
 * dst may be src.
 */
void gr_dropout_row(float *dst, const float *src, size_t n, uint64_t stream, unsigned cut, float scale);

#endif
