/*
 * The filters of a recommendation call, prepared once: the caller's
 * gr_rec_options read according to its version, checked, and its item
 * lists mapped to dense indices, so that a batch applies them to many
 * score rows without repeating the work.
 */
#ifndef GR_RECOMMEND_FILTER_H
#define GR_RECOMMEND_FILTER_H

#include <gnnrec/recommend.h>
#include <stdint.h>

#include "models/model.h"

typedef struct gr_rec_filter {
    gr_rec_options o;  /* the caller's fields; those of later versions at their defaults */
    uint8_t *allowed;  /* n_items flags from only_items, or NULL: every item */
    int32_t *excluded; /* dense indices of the exclude_items the model knows */
    size_t n_excluded;
    int predictions;        /* 1 (default): scores are the model's predictions, clamped as reported for
                               rating models (ranked unclamped); 0: similarities, left as they are */
    gr_rating_clamp clamp;  /* the model's rating range (gr_model_rating_clamp) */
} gr_rec_filter;

/* Check and prepare opts (NULL: the defaults).  GR_EINVAL, GR_ENOMEM. */
int gr_rec_filter_init(gr_rec_filter *f, const gr_model *m, const gr_rec_options *opts);
void gr_rec_filter_free(gr_rec_filter *f);

/* Mark the items f rejects in one row of n_items scores with -INFINITY and
 * flip the signs for "least", ready for gr_topk. */
void gr_rec_filter_apply(const gr_rec_filter *f, const gr_model *m, float *scores);

/* gr_rec_filter_apply on the part of a row holding items [i0, i0 + w):
 * scores[j] is item i0 + j's. */
void gr_rec_filter_apply_part(const gr_rec_filter *f, const gr_model *m, float *scores, size_t i0, size_t w);

/*
 * Apply f to scores and write the top k as external ids (and scores when
 * out_scores is not NULL).  idx and val are work arrays of k entries.
 */
size_t gr_rec_filter_select(const gr_rec_filter *f, const gr_model *m, float *scores, size_t k, int32_t *idx,
                            float *val, int64_t *items, float *out_scores);

/* The end of gr_rec_filter_select for a heap of n filtered candidates built
 * by gr_topk_push (idx, val): ordered, then written as external ids (and
 * scores).  Returns n. */
size_t gr_rec_filter_emit(const gr_rec_filter *f, const gr_model *m, int32_t *idx, float *val, size_t n,
                          int64_t *items, float *out_scores);

#endif
