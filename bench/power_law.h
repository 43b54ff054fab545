/*
 * Generated bipartite graphs with power-law degrees, built straight into
 * CSR (no edge list, no text file), so that a graph of MovieLens-25M's
 * size costs what its CSR costs.  Every draw is a function of (seed,
 * user, counter): the same graph for any thread count.
 */
#ifndef GR_BENCH_POWER_LAW_H
#define GR_BENCH_POWER_LAW_H

#include <stddef.h>
#include <stdint.h>

#include <gnnrec.h>

typedef struct bench_graph_spec {
    size_t users, items, edges;
    size_t min_user_degree; /* every user has at least this many items */
    double user_alpha;      /* Pareto shape of user degrees */
    double item_zipf;       /* item popularity p(rank r) ~ 1 / (r + 10)^item_zipf */
    uint64_t seed;
} bench_graph_spec;

/* MovieLens-25M's shape: 162,541 users, 59,047 items, 25,000,095 edges,
 * at least 20 items per user. */
#define BENCH_ML25M_SPEC { 162541, 59047, 25000095, 20, 1.15, 0.9, 42 }

/* 0 on success; prints the library error and returns -1 otherwise. */
int bench_power_law_graph(gr_graph **out, const bench_graph_spec *spec);

/* The training graph dir/train.txt when dir is given, else one generated
 * from *spec: 0 on success; prints the library error and returns -1
 * otherwise. */
int bench_train_graph(gr_graph **out, const char *dir, const bench_graph_spec *spec);

#endif
