/*
 * gnnrec/recommend.h - top-K recommendation (one user or a batch),
 * similar items and users, fold-in, explanations by history item.
 *
 * Every list call writes at most k results, best first, into caller arrays
 * of length >= k (scores may be NULL) and sets *n to the number written,
 * which is smaller than k when the filters leave fewer items (the batch
 * call: one such row per user).  Calls are thread-safe on one model.
 */
#ifndef GNNREC_RECOMMEND_H
#define GNNREC_RECOMMEND_H

#include "common.h"
#include "model.h"

GR_BEGIN_DECLS

#define GR_REC_OPTIONS_VERSION 2

/* Filters and direction of a recommendation.  Initialise with
 * GR_REC_OPTIONS_INIT.  Version 2 appended the item lists; a caller that
 * sets version 1 passes the shorter struct, whose list fields are not
 * read. */
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
    /* version 2 */
    const int64_t *exclude_items; /* never return these item ids */
    size_t n_exclude_items;
    const int64_t *only_items;    /* non-NULL: return only items among these ids */
    size_t n_only_items;          /*   (an empty list returns nothing) */
} gr_rec_options;

#define GR_REC_OPTIONS_INIT { GR_REC_OPTIONS_VERSION, 1, 0, 0, 0, 0, 0, 0.0, NULL, 0, NULL, 0 }

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

/*
 * Top-k items for each of n_users known users at once, in parallel (as
 * many threads as gr_set_num_threads() allows).  Row r of the n_users x k
 * arrays items and scores (scores may be NULL) holds users[r]'s list,
 * counts[r] its length; slots past counts[r] are set to -1 / NaN.  The
 * same filters and errors as gr_model_recommend(); an unknown user fails
 * the whole call before anything is written.
 */
GR_API int gr_model_recommend_batch(size_t *counts, const gr_model *m, const int64_t *users,
                                    size_t n_users, size_t k, const gr_rec_options *opts,
                                    int64_t *items, float *scores);

/* The k users most similar to `user` (cosine of user vectors), itself
 * excluded, best first. */
GR_API int gr_model_similar_users(size_t *n, const gr_model *m, int64_t user, size_t k,
                                  int64_t *users, float *scores);

/* One history item's share of a score (gr_model_explain_items). */
typedef struct gr_contribution {
    int64_t item; /* an item the user liked */
    float weight; /* its additive part of the score */
} gr_contribution;

/*
 * Why `item` scores as it does for `user`, LightGCN and MF models: the
 * score of the user's fold-in from their training items (see
 * gr_model_fold_in) is a sum of one term per training item; up to cap of
 * those terms are written to out, largest first, *n = the number written,
 * *total = the whole score they sum to (over all the user's items).
 * docs/api.md gives the terms and how the fold-in score relates to
 * gr_model_score().  The graph filters and EASE split their score itself:
 * the user's row times the filter, one row of the filter per history item.
 * GR_EUNSUPPORTED for GraphSAGE (its fold-in is not linear) and KG models
 * (gr_model_explain gives their paths).
 */
GR_API int gr_model_explain_items(size_t *n, float *total, const gr_model *m, int64_t user,
                                  int64_t item, gr_contribution *out, size_t cap);

/* The same for a new user given by the items they liked (the score of
 * gr_model_recommend_liked).  Repeated liked ids count once. */
GR_API int gr_model_explain_liked(size_t *n, float *total, const gr_model *m,
                                  const int64_t *liked, size_t n_liked, int64_t item,
                                  gr_contribution *out, size_t cap);

GR_END_DECLS

#endif
