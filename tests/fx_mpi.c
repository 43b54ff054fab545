#include "fx_mpi.h"

#include <mpi.h>
#include <stdio.h>

#include "fixtures.h"

int fx_mpi_start(int *argc, char ***argv, int *rank, int *size)
{
    int provided;
    MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, size);
    if (*size >= 2) return 0;
    if (*rank == 0) printf("SKIP: run under mpirun -np 2 or more\n");
    MPI_Finalize();
    return FX_SKIP;
}

int fx_mpi_run(Suite *s, int rank)
{
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_NOFORK);
    /* one rank's report is enough; every rank's failures count */
    srunner_run_all(sr, rank == 0 ? CK_NORMAL : CK_SILENT);
    int failed = srunner_ntests_failed(sr), any = 0;
    srunner_free(sr);
    MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    MPI_Finalize();
    return any ? 1 : 0;
}
