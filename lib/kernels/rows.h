/*
 * Gathered-row kernels: dot products with, sums of and additions to rows
 * of a row-major matrix picked by an index list (a user's items, a block's
 * drawn items).  Each row's d values are handled 16 at a time when d is a
 * multiple of 16 (plain loops otherwise); the order of the sums depends on
 * d alone, so results do not depend on the caller's threads.
 * Single-threaded: callers parallelise.
 */
#ifndef GR_KERNELS_ROWS_H
#define GR_KERNELS_ROWS_H

#include <stddef.h>
#include <stdint.h>

/* out[k] = <u, x[idx[k]]> for k < n (x: rows of d). */
void gr_rows_dot(float *out, const float *u, const float *x, const int32_t *idx, size_t n, size_t d);

/* y += sum_k c[k] x[idx[k]] for k < n. */
void gr_rows_combine(float *y, const float *c, const float *x, const int32_t *idx, size_t n, size_t d);

/* dst[idx[k]] += src[k] (src: n rows of d) for the k with lo <= idx[k] < hi. */
void gr_rows_add_to(float *dst, const int32_t *idx, const float *src, size_t n, int32_t lo, int32_t hi, size_t d);

/* dst[idx[k]] += c[k] x (x: one row) for the k with lo <= idx[k] < hi. */
void gr_rows_add_scaled(float *dst, const int32_t *idx, const float *c, const float *x, size_t n, int32_t lo,
                        int32_t hi, size_t d);

/*
 * m[c d + j] = scale x the sum of x[idx[k] d + j] over the k < n with
 * chan[k] == c (chan NULL: every k in channel 0), for c < channels and
 * j < d; m is zeroed first, and left zero when n is 0.  A GraphSAGE
 * layer's neighbour part: per rating channel, the neighbours' rows divided
 * by the degree.  The rows are added in k order, then scaled.
 */
void gr_rows_sum_by_channel(float *m, size_t channels, const float *x, const int32_t *idx, const uint8_t *chan,
                            size_t n, size_t d, float scale);

/* dst[idx[k] d + j] += x[chan[k] d + j] for k < n and j < d (chan NULL:
 * x's first row): the transpose of gr_rows_sum_by_channel's sum, each row's
 * additions in k order. */
void gr_rows_add_by_channel(float *dst, const int32_t *idx, const uint8_t *chan, const float *x, size_t n, size_t d);

/*
 * x[k] = src[idx[k]] for k < n (x: n rows of d), and with xt not NULL also
 * the transpose, xt[j ldt + k] = x[k][j], its columns n..ldt zeroed (ldt >=
 * n; gr_transpose's layout).  Sixteen rows at a time, the next sixteen
 * prefetched: the rows are scattered over a table larger than the caches.
 */
void gr_rows_gather(float *x, float *xt, size_t ldt, const float *src, const int32_t *idx, size_t n, size_t d);

#endif
