/* Top-k selection with deterministic ties. */
#ifndef GR_KERNELS_TOPK_H
#define GR_KERNELS_TOPK_H

#include <stddef.h>
#include <stdint.h>

/*
 * The k highest of scores[0..n), best first, into idx/val (both of
 * length >= k; val doubles as the heap).  Entries equal to -INFINITY (or NaN) are excluded; equal scores
 * rank the lower index first.  Returns the number written (<= k).
 */
size_t gr_topk(int32_t *idx, float *val, const float *scores, size_t n, size_t k);

#endif
