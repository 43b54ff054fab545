/*
 * gnnrec under an MPI launcher (docs/distributed.md): MPI is initialised
 * only when a launcher started the process, the trainer gets
 * MPI_COMM_WORLD, rank 0 alone prints results and writes files, and every
 * rank exits with the same status.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

int cli_rank = 0, cli_size = 1;
static int started;
static MPI_Comm world;

/* Open MPI's mpirun sets OMPI_COMM_WORLD_SIZE; PMI and PMIx launchers
 * (srun, hydra) set PMI_SIZE or PMIX_RANK. */
static int under_launcher(void)
{
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE") || getenv("PMIX_RANK");
}

int cli_dist_begin(int *argc, char ***argv)
{
    if (!under_launcher()) return EXIT_OK;
    int provided;
    /* MPI is called from the main thread only, outside OpenMP regions */
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return cli_usage_error("MPI_Init failed under the MPI launcher");
    started = 1;
    world = MPI_COMM_WORLD;
    MPI_Comm_set_errhandler(world, MPI_ERRORS_RETURN);
    MPI_Comm_rank(world, &cli_rank);
    MPI_Comm_size(world, &cli_size);
    /* one copy of the results: the other ranks' standard output is dropped
     * (their errors still reach standard error) */
    if (cli_rank > 0 && !freopen("/dev/null", "w", stdout)) return cli_usage_error("cannot redirect standard output");
    return EXIT_OK;
}

void *cli_dist_comm(void) { return started && cli_size > 1 ? &world : NULL; }

int cli_dist_agree(int status)
{
    if (!started || cli_size == 1) return status;
    int worst = status;
    if (MPI_Allreduce(&status, &worst, 1, MPI_INT, MPI_MAX, world) != MPI_SUCCESS) return EXIT_FAIL;
    if (worst != EXIT_OK && status == EXIT_OK && cli_rank == 0)
        fprintf(stderr, "gnnrec: error: another rank failed (its message is above); every rank stops\n");
    return worst;
}

int cli_dist_end(int status)
{
    if (!started) return status;
    status = cli_dist_agree(status);
    fflush(stdout);
    MPI_Finalize();
    return status;
}
