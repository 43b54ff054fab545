/*
 * When a loop is worth a parallel region.  A region costs a fork and a
 * barrier, a few microseconds while the team's cores are free.  On cores
 * other processes hold, a barrier waits for a descheduled thread, a
 * scheduler time slice or more (a dense Adam step over MovieLens-1M's
 * 580,000 parameters measured 0.17 ms on one thread and 16 ms on two under
 * a load of 8 on 2 cores); gr_threads() gives such a process a team of one
 * (docs/architecture.md, "How many threads"), so this threshold only pays
 * for the fork on free cores.
 *
 * Work is counted in elements streamed through memory; one every 0.15 to
 * 0.5 ns on one core.  The library's loops state their work in this unit,
 * so one threshold serves them all; GraphSAGE's neighbour sampler alone
 * keeps a measured count of its own (neighbor_sampler.c, PARALLEL_PICKS),
 * its parallel picks costing more than a fork.
 */
#ifndef GR_KERNELS_PARALLEL_H
#define GR_KERNELS_PARALLEL_H

#include <stddef.h>

/* 2^15 elements, 5 to 15 microseconds on one core. */
#define GR_PARALLEL_MIN_WORK ((size_t)1 << 15)

static inline int gr_parallel_worth(size_t work) { return work >= GR_PARALLEL_MIN_WORK; }

/* A multiply-add of a dense product runs from registers and cache, vectorised:
 * about an eighth of the time of an element streamed. */
#define GR_MADDS_PER_ELEMENT 8

static inline int gr_parallel_worth_madds(size_t madds) { return gr_parallel_worth(madds / GR_MADDS_PER_ELEMENT); }

#endif
