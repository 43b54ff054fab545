/*
 * Built-in node features: which columns a graph can fill, the statistics
 * of a node's ratings, and the encoding of one feature row.  The encoder
 * (gr_feat_spec) is fixed on the training graph and kept with the model,
 * so that rows of new users and items are encoded exactly like those of
 * the training nodes, and so that the trainer can re-encode a node from
 * its statistics minus the edges of the current batch.
 */
#ifndef GR_FEATURES_FEATURES_H
#define GR_FEATURES_FEATURES_H

#include <gnnrec/features.h>
#include <stddef.h>
#include <stdint.h>

#include "graph/graph.h"

struct gr_writer;
struct gr_reader;

#define GR_FEAT_HOURS 24
#define GR_FEAT_DAYS 7

/* Sufficient statistics of the ratings of one node. */
typedef struct gr_node_stats {
    double n, sum, sumsq;
    float hour[GR_FEAT_HOURS]; /* ratings per hour of day (UTC) */
    float day[GR_FEAT_DAYS];   /* ratings per day of week, Monday first */
} gr_node_stats;

/* Continuous columns, standardised with (value - mean) / std. */
enum { GR_FC_AGE, GR_FC_YEAR, GR_FC_COUNT, GR_FC_MEAN, GR_FC_SPREAD, GR_FC_N };

/* The encoder: which blocks of columns exist and their constants. */
typedef struct gr_feat_spec {
    int demographics;     /* users: age, gender, occupation one-hot */
    size_t n_occupations;
    int ratings;          /* mean (and spread for users) of ratings */
    int timestamps;       /* users: hour-of-day and day-of-week shares */
    size_t n_genres;      /* items: genre multi-hot */
    int years;            /* items: release year */
    double mu;            /* mean training rating */
    double mean[2][GR_FC_N], std[2][GR_FC_N];
    size_t dim[2];
} gr_feat_spec;

/* Decide the columns of g's features and fit their constants on g. */
int gr_feat_spec_fit(gr_feat_spec *s, const gr_graph *g);

/* Statistics of node `v` of type t in g: all its edges. */
void gr_node_stats_of(gr_node_stats *st, const gr_graph *g, int type, size_t v);
/* Add (sign +1) or remove (sign -1) one rating at time ts (has_ts: whether
 * the time is known). */
void gr_node_stats_add(gr_node_stats *st, double rating, int64_t ts, int has_ts, int sign);

/* Encode a user / item row (s->dim[type] floats). occupation: index or -1. */
void gr_feat_user_row(const gr_feat_spec *s, float *row, int age, char gender, int occupation,
                      const gr_node_stats *st);
void gr_feat_item_row(const gr_feat_spec *s, float *row, uint64_t genres, int year, const gr_node_stats *st);

/* The row of a node of g from the catalog's metadata and statistics st. */
void gr_feat_node_row(const gr_feat_spec *s, float *row, const gr_graph *g, int type, size_t v,
                      const gr_node_stats *st);

/* The full matrix of one type (g's node count x s->dim[type]); malloc'ed. */
float *gr_feat_matrix(const gr_feat_spec *s, const gr_graph *g, int type);

/* The encoder in the model file. */
void gr_feat_spec_save(const gr_feat_spec *s, struct gr_writer *w);
int gr_feat_spec_load(gr_feat_spec *s, struct gr_reader *r);

#endif
