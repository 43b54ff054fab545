/*
 * gnnrec/eval.h - evaluation under the field's standard protocols.
 *
 * Ranking: for every user with at least one edge in `test`, all items of
 * the catalogue are ranked by the model's score, the user's items in
 * `exclude` (the training graph) are removed from the ranking, and
 *   Recall@K    = hits in the top K / number of the user's test items
 *   Precision@K = hits in the top K / K
 *   NDCG@K      = DCG@K / IDCG@K, binary gains, discount log2(rank + 1),
 *                 IDCG with min(K, number of test items) hits
 *   Hit@K       = 1 if any test item is in the top K, else 0
 *   MRR@K       = 1 / rank of the first test item in the top K, 0 if none
 * are averaged over those users.
 */
#ifndef GNNREC_EVAL_H
#define GNNREC_EVAL_H

#include "common.h"
#include "graph.h"
#include "model.h"

GR_BEGIN_DECLS

typedef enum gr_metric {
    GR_METRIC_RECALL = 0,
    GR_METRIC_PRECISION = 1,
    GR_METRIC_NDCG = 2,
    GR_METRIC_HIT = 3,
    GR_METRIC_MRR = 4,
    GR_METRIC_COUNT = 5
} gr_metric;

/*
 * Ranking metrics at each of the nk cut-offs ks[]: out[i * GR_METRIC_COUNT
 * + metric] for cut-off ks[i].  exclude may be NULL (nothing excluded).
 * n_users (may be NULL) receives the number of users evaluated.  test and
 * exclude must share the model's id space.  Parallel over users.
 * GR_ERANGE for a cut-off < 1 or larger than the catalogue.
 */
GR_API int gr_eval_ranking(double *out, size_t *n_users, const gr_model *m, const gr_graph *exclude,
                           const gr_graph *test, const int *ks, size_t nk);

/*
 * Rating metrics over the edges of `test` (which must carry ratings):
 * root mean squared error and mean absolute error of gr_model_score().
 */
GR_API int gr_eval_rating(double *rmse, double *mae, const gr_model *m, const gr_graph *test);

/*
 * The metrics of one ranked list, for checking definitions: `ranked` holds
 * n_ranked item ids best first, `relevant` the n_relevant relevant ids.
 * Writes GR_METRIC_COUNT values for cut-off k into out.  An id repeated in
 * `ranked` is GR_EINVAL (it would count as two hits); an id repeated in
 * `relevant` counts once.
 */
GR_API int gr_metrics_of_list(double *out, const int64_t *ranked, size_t n_ranked,
                              const int64_t *relevant, size_t n_relevant, int k);

GR_END_DECLS

#endif
