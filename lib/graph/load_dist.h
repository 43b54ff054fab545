/* Reading one interaction file over a communicator (docs/distributed.md). */
#ifndef GR_GRAPH_LOAD_DIST_H
#define GR_GRAPH_LOAD_DIST_H

#include "dist/dist.h"
#include "io/edges.h"

/*
 * Every rank reads its own part of the file `path` (gr_file_part: byte
 * ranges split at line boundaries), parses it with messages that name
 * lines by their number in the whole file, drops the edges rated below
 * min_rating (the graph builder would drop them), and the ranks exchange
 * the parsed edges, so that every rank ends with the edges of the whole
 * file in file order: what gr_read_interactions() gives, less the dropped
 * edges.  format may be GR_FORMAT_AUTO (every rank detects it from the
 * file's first lines).  Collective over d; every rank returns the same
 * status and message (the first failing part's, which holds the first bad
 * line of the file).  ids is a gr_ids, decided for every part from the
 * file's first row; where ids are names, every rank ends with every
 * rank's names (all->user_names, item_names).
 */
int gr_read_edges_parts(gr_edges *all, const char *path, int format, int ids, double min_rating, gr_dist *d);

#endif
