/* The start and end every MPI test program shares: initialise MPI, skip
 * below two ranks, run one Check suite in-process on every rank and fail
 * the program on every rank when any rank failed a test. */
#ifndef GR_TESTS_FX_MPI_H
#define GR_TESTS_FX_MPI_H

#include <check.h>

/* MPI_Init_thread (funneled) and this process's rank and the world's size.
 * Returns 0 to go on, or FX_SKIP after printing a SKIP line on rank 0 and
 * finalising MPI when fewer than two ranks run. */
int fx_mpi_start(int *argc, char ***argv, int *rank, int *size);

/* Runs s without forking (MPI forbids fork), reports on rank 0 only,
 * frees the runner and finalises MPI.  The exit status: 1 on every rank
 * when any rank had a failure, else 0. */
int fx_mpi_run(Suite *s, int rank);

#endif
