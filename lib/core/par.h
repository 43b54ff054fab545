/* When a loop is worth a parallel region. */
#ifndef GR_CORE_PAR_H
#define GR_CORE_PAR_H

/* Loops with less work than this many elements run on one thread: starting
 * and ending a parallel region costs more than it saves, and much more when
 * other processes hold the cores. */
#define GR_PAR_MIN 32768

/* The same for dense products, in multiply-adds. */
#define GR_GEMM_PAR_MIN 262144

#endif
