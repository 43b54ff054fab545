/*
 * When a loop is worth a parallel region.  A region costs a fork and a
 * barrier; on a machine shared with other work a barrier can wait a whole
 * scheduler time slice for a descheduled thread, so loops over little work
 * run on the calling thread.
 */
#ifndef GR_KERNELS_PARALLEL_H
#define GR_KERNELS_PARALLEL_H

#include <stddef.h>

/* About 100 microseconds of streaming or multiply-add work on one core. */
#define GR_PARALLEL_MIN_WORK ((size_t)1 << 18)

static inline int gr_parallel_worth(size_t work) { return work >= GR_PARALLEL_MIN_WORK; }

#endif
