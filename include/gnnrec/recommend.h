/*
 * gnnrec/recommend.h - top-K recommendation, similar items, fold-in.
 *
 * Every call writes at most k results, best first, into caller arrays of
 * length >= k (scores may be NULL) and sets *n to the number written,
 * which is smaller than k when the filters leave fewer items.  Calls are
 * thread-safe on one model.
 */
#ifndef GNNREC_RECOMMEND_H
#define GNNREC_RECOMMEND_H

#include "common.h"
#include "model.h"

GR_BEGIN_DECLS

#define GR_REC_OPTIONS_VERSION 1

/* Filters and direction of a recommendation.  Initialise with
 * GR_REC_OPTIONS_INIT. */
typedef struct gr_rec_options {
    unsigned int version; /* GR_REC_OPTIONS_VERSION */
    int exclude_seen;     /* 1: leave out the user's training items (default) */
    int least;            /* 1: the k least relevant items instead of the most */
    uint64_t genres;      /* keep items with any of these genre bits; 0: all
                             (gr_graph_genre_mask() builds a mask from names) */
    int year_min;         /* keep items released in [year_min, year_max]; */
    int year_max;         /*   0 leaves that end open */
    int has_min_score;    /* 1: keep items whose score is >= min_score */
    double min_score;
} gr_rec_options;

#define GR_REC_OPTIONS_INIT { GR_REC_OPTIONS_VERSION, 1, 0, 0, 0, 0, 0, 0.0 }

/* Top-k items for a known user.  opts may be NULL for the defaults.
 * GR_ENOTFOUND (unknown user), GR_ERANGE (k < 1 or k > number of items). */
GR_API int gr_model_recommend(size_t *n, const gr_model *m, int64_t user, size_t k,
                              const gr_rec_options *opts, int64_t *items, float *scores);

/*
 * Top-k items for a new user described by the items they liked, folded in
 * without retraining (docs/api.md says how for each model kind).  With
 * exclude_seen the liked items are left out.  Unknown liked ids:
 * GR_ENOTFOUND; no liked items (n_liked 0): GR_EINVAL.
 */
GR_API int gr_model_recommend_liked(size_t *n, const gr_model *m, const int64_t *liked,
                                    size_t n_liked, size_t k, const gr_rec_options *opts,
                                    int64_t *items, float *scores);

/* The vector a new user with these liked items gets (dim floats). */
GR_API int gr_model_fold_in(float *out, size_t dim, const gr_model *m, const int64_t *liked,
                            size_t n_liked);

/* The k items most similar to `item` (cosine of item vectors), itself
 * excluded.  exclude_seen is ignored; the other filters apply. */
GR_API int gr_model_similar_items(size_t *n, const gr_model *m, int64_t item, size_t k,
                                  const gr_rec_options *opts, int64_t *items, float *scores);

GR_END_DECLS

#endif
