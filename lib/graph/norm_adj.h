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

/* The matrix by sides: the users' rows [0, users) in au and the items'
 * rows [users, users + items) in ai (gr_norm_adj_rows), so that a user's
 * row, which reads item rows alone, can be written over the user rows of
 * its input (models/lightgcn.h, gr_lightgcn_propagate_sides). */
typedef struct gr_adj_sides {
    gr_spmat au, ai;
} gr_adj_sides;
int gr_norm_adj_sides(gr_adj_sides *out, const gr_graph *g, size_t parts);
/* Free both sides and zero them (a zeroed struct: nothing). */
void gr_adj_sides_free(gr_adj_sides *a);

#endif
