/* Row softmax for objectives that score a user against every item. */
#ifndef GR_KERNELS_SOFTMAX_H
#define GR_KERNELS_SOFTMAX_H

#include <stddef.h>

/*
 * Replaces row[0..n) by scale * softmax(row) and returns the log-partition
 * log(sum_i exp(row[i])).  exp is a vectorised polynomial with a relative
 * error below 1e-6.  n >= 1.
 */
float gr_softmax_row(float *row, size_t n, float scale);

#endif
