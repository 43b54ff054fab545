/*
 * When a loop is worth a parallel region.  A region costs a fork and a
 * barrier, a few microseconds on an idle machine; on a machine shared with
 * other work a barrier waits for a descheduled thread, a scheduler time
 * slice or more (a dense Adam step over MovieLens-1M's 580,000 parameters
 * measured 0.17 ms on one thread and 16 ms on two under a load of 8 on 2
 * cores).  Loops over less than about a millisecond of work therefore run
 * on the calling thread.
 */
#ifndef GR_KERNELS_PARALLEL_H
#define GR_KERNELS_PARALLEL_H

#include <stddef.h>

/* Elements streamed or multiply-adds: 2^21 is 0.3 to 1 ms on one core. */
#define GR_PARALLEL_MIN_WORK ((size_t)1 << 21)

static inline int gr_parallel_worth(size_t work) { return work >= GR_PARALLEL_MIN_WORK; }

#endif
