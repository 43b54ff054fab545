/* The symmetric normalised adjacency D^-1/2 A D^-1/2 of the bipartite graph. */
#ifndef GR_GRAPH_NORM_ADJ_H
#define GR_GRAPH_NORM_ADJ_H

#include "graph/graph.h"
#include "kernels/spmm.h"

/*
 * Build the (users + items) square matrix: node u (user) is row u, item i
 * is row n_users + i; the weight of edge (u, i) is 1 / sqrt(deg u * deg i).
 * Rows are split into `parts` balanced ranges for the threads.
 */
int gr_norm_adj(gr_spmat *out, const gr_graph *g, size_t parts);
/* Rows [lo, hi) of that matrix (row r - lo of out is row r; columns stay
 * global, out->ncols = users + items): the rows one rank of a sharded
 * propagation computes. */
int gr_norm_adj_rows(gr_spmat *out, const gr_graph *g, size_t lo, size_t hi, size_t parts);

#endif
