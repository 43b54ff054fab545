/*
 * The cost of loading one interaction file, alone or over MPI
 * (docs/distributed.md, "Loading"):
 *
 *   mpirun -np N bench_load FILE [--comm]
 *
 * Every rank loads FILE with gr_graph_load(): with --comm each reads its
 * own byte range and the ranks exchange the parsed edges; without it each
 * reads the whole file, as every rank did before.  Each rank prints one
 * JSON row: load seconds (wall, after a barrier), its peak RSS after the
 * load (getrusage, which also counts MPI's own memory) and the graph's
 * sizes, so that the ranks' graphs can be compared.
 */
#include <gnnrec.h>
#include <mpi.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double peak_rss_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0;
}

int main(int argc, char **argv)
{
    int provided, rank, size;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (argc < 2) {
        if (rank == 0) fprintf(stderr, "usage: mpirun -np N bench_load FILE [--comm]\n");
        MPI_Finalize();
        return 2;
    }
    MPI_Comm world = MPI_COMM_WORLD;
    gr_load_options o = GR_LOAD_OPTIONS_INIT;
    o.metadata = 0;
    o.comm = argc > 2 && strcmp(argv[2], "--comm") == 0 ? &world : NULL;
    double rss0 = peak_rss_mb();
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = now();
    gr_graph *g = NULL;
    int rc = gr_graph_load(&g, argv[1], &o);
    double t = now() - t0;
    if (rc != GR_OK) fprintf(stderr, "rank %d: %s\n", rank, gr_last_error());
    else
        printf("{\"bench\": \"load\", \"rank\": %d, \"ranks\": %d, \"comm\": %d, \"load_s\": %.3f, \"rss_before_mb\": %.1f, "
               "\"peak_rss_mb\": %.1f, \"users\": %zu, \"items\": %zu, \"edges\": %zu}\n",
               rank, size, o.comm != NULL, t, rss0, peak_rss_mb(), gr_graph_num_users(g), gr_graph_num_items(g),
               gr_graph_num_edges(g));
    gr_graph_free(g);
    MPI_Finalize();
    return rc == GR_OK ? 0 : 1;
}
