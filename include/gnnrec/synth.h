/*
 * gnnrec/synth.h - synthetic MovieLens-format datasets.
 *
 * Writes a dataset with planted taste structure: every user prefers a few
 * genres, every item belongs to one or two genres, item popularity follows
 * a power law, and ratings are high where tastes and genres meet.  Used by
 * the quickstart, the tests and the benchmarks; a recommender that learns
 * anything beats the popularity baseline on it.
 */
#ifndef GNNREC_SYNTH_H
#define GNNREC_SYNTH_H

#include "common.h"

GR_BEGIN_DECLS

#define GR_SYNTH_OPTIONS_VERSION 1

typedef struct gr_synth_options {
    unsigned int version;    /* GR_SYNTH_OPTIONS_VERSION */
    size_t users;            /* number of users (500) */
    size_t items;            /* number of items (800) */
    size_t ratings_per_user; /* mean ratings per user; degrees vary (60) */
    int format;              /* GR_FORMAT_ML100K (u.data, u.item, u.user, u.genre)
                                or GR_FORMAT_ML1M (ratings.dat, movies.dat, users.dat) */
    uint64_t seed;           /* same seed, same files (42) */
} gr_synth_options;

#define GR_SYNTH_OPTIONS_INIT { GR_SYNTH_OPTIONS_VERSION, 500, 800, 60, 2, 42 }

/* Write a synthetic dataset into directory `dir` (created if missing).
 * Files are written atomically. */
GR_API int gr_synth_write(const char *dir, const gr_synth_options *opts);

GR_END_DECLS

#endif
