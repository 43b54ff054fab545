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

/*
 * gr_topk of a row fed in consecutive parts: gr_topk_push continues a heap
 * of m candidates (idx, heap: length >= k; m = 0 to start) with
 * scores[0..n), the candidates base .. base + n - 1, which must follow
 * every candidate pushed before, and returns the new m; gr_topk_sort then
 * orders the m best first.  The lists are gr_topk's of the whole row.
 */
size_t gr_topk_push(int32_t *idx, float *heap, size_t m, const float *scores, size_t base, size_t n, size_t k);
void gr_topk_sort(int32_t *idx, float *heap, size_t m);

#endif
