/* gnnrec built without MPI: one process; refuses to run as many ranks. */
#include <stdlib.h>

#include "cli.h"

int cli_rank = 0, cli_size = 1;

int cli_dist_begin(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *n = getenv("OMPI_COMM_WORLD_SIZE");
    if (!n) n = getenv("PMI_SIZE");
    /* every rank would train the whole model and write the same file */
    if (n && atoi(n) > 1)
        return cli_usage_error("started as %s ranks by an MPI launcher, but this gnnrec was built without MPI "
                               "(rebuild with -Dmpi=enabled)", n);
    return EXIT_OK;
}

void *cli_dist_comm(void) { return NULL; }
int cli_dist_agree(int status) { return status; }
int cli_dist_end(int status) { return status; }
