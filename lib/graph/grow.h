/* A graph grown by the users, items and edges of another (graph/grow.c). */
#ifndef GR_GRAPH_GROW_H
#define GR_GRAPH_GROW_H

#include "graph/graph.h"

/*
 * The union of base's and added's edges in a new id space: base's users and
 * items first, at the same dense indices, then those only added has, in
 * added's order, with their metadata.  A pair in both keeps added's rating
 * and timestamp.  GR_ENOMEM, GR_ERANGE (too many edges).
 */
int gr_graph_grow(gr_graph **out, const gr_graph *base, const gr_graph *added);

#endif
