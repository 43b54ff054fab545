/* Top-k selection with the filters of gr_rec_options, for recommendation
 * entry points outside recommend.c (cold start). */
#ifndef GR_RECOMMEND_SELECT_H
#define GR_RECOMMEND_SELECT_H

#include <gnnrec/recommend.h>

#include "models/model.h"

/*
 * Check o, apply its filters to scores (n_items floats, modified; items to
 * leave out already -INFINITY) and write the top k.  GR_EINVAL for bad
 * options, GR_ENOMEM.
 */
int gr_rec_select(size_t *n, const gr_model *m, const gr_rec_options *o, float *scores, size_t k, int64_t *items,
                  float *out_scores);

/* Dense indices of the liked ids, without repeats (*out: n_liked entries,
 * the caller frees).  GR_ENOTFOUND names an unknown id; GR_ENOMEM. */
int gr_rec_map_liked(int32_t **out, size_t *n_out, const gr_model *m, const int64_t *liked, size_t n_liked);

#endif
