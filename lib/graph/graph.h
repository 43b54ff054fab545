/* The interaction graph: CSR in both directions over a shared catalog. */
#ifndef GR_GRAPH_GRAPH_H
#define GR_GRAPH_GRAPH_H

#include <gnnrec/graph.h>
#include <stddef.h>
#include <stdint.h>

#include "graph/catalog.h"
#include "io/edges.h"

/* Compressed sparse rows: row r holds col[ptr[r] .. ptr[r+1]). */
typedef struct gr_csr {
    size_t nrows;
    int64_t *ptr; /* nrows + 1 */
    int32_t *col;
    float *val;   /* ratings; NULL when every one is 1 (read with gr_csr_val) */
    int64_t *ts;  /* timestamps; NULL when the input had none (read with gr_csr_ts) */
} gr_csr;

struct gr_graph {
    int refs;
    gr_catalog *cat;
    size_t n_users, n_items, n_edges, skipped;
    int has_ratings, has_ts;
    gr_csr ui; /* user -> items, columns sorted ascending, with ratings and timestamps (has_ts) */
    gr_csr iu; /* item -> users, columns sorted ascending, with ratings */
};

void gr_csr_free(gr_csr *m);

/* Timestamp of entry k: 0 where the input had none (ts NULL, 8 bytes an
 * edge not held). */
static inline int64_t gr_csr_ts(const gr_csr *m, int64_t k) { return m->ts ? m->ts[k] : 0; }
/* Rating of entry k: 1 where the input gave none other (val NULL: an
 * implicit-feedback graph holds its columns alone, 8 bytes an edge). */
static inline float gr_csr_val(const gr_csr *m, int64_t k) { return m->val ? m->val[k] : 1.0f; }

/* Degree of row r. */
static inline size_t gr_csr_degree(const gr_csr *m, size_t r) { return (size_t)(m->ptr[r + 1] - m->ptr[r]); }

/*
 * Build a graph from edges in external ids.  With grow, unknown ids are
 * added to the catalog; otherwise edges with unknown ids are skipped and
 * counted.  Edges rated below min_rating are dropped; repeated pairs keep
 * the last occurrence.  Takes a reference on cat.  Consumes e: its
 * columns are freed as soon as they are read (the ids once mapped, the
 * ratings and timestamps once the rows are filled), so that the input, the
 * build's scratch and the graph are never all held at once; e is empty on
 * return, whatever it returns (gr_edges_free on it is harmless).
 */
int gr_graph_build(gr_graph **out, gr_catalog *cat, gr_edges *e, double min_rating, int grow);

/*
 * Build a graph from the edges of g whose label part[k] equals `which`
 * (k indexes g's user-major edge order), in g's id space.
 */
int gr_graph_subset(gr_graph **out, const gr_graph *g, const uint8_t *part, uint8_t which);

gr_graph *gr_graph_ref(const gr_graph *g);

/* A graph from a user -> item CSR whose rows are the catalog's users
 * (columns sorted, in range: the caller has checked).  Takes ownership of
 * the arrays of ui; ui->ts may be NULL (zero timestamps). */
int gr_graph_from_csr(gr_graph **out, gr_catalog *cat, gr_csr *ui, int has_ratings);

/* Dense index of an external id, or -1. */
static inline int32_t gr_graph_user_index(const gr_graph *g, int64_t id) { return gr_idmap_find(&g->cat->users, id); }
static inline int32_t gr_graph_item_index(const gr_graph *g, int64_t id) { return gr_idmap_find(&g->cat->items, id); }

#endif
