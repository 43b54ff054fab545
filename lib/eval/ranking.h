/* Full-ranking evaluation over a generic score source, shared by the public
 * evaluation call and the trainers' validation. */
#ifndef GR_EVAL_RANKING_H
#define GR_EVAL_RANKING_H

#include <gnnrec/eval.h>

#include "graph/graph.h"
#include "models/model.h"

typedef struct gr_rank_source {
    size_t n_users, n_items, dim;
    const float *user_vec;  /* n_users x dim */
    const float *item_t;    /* dim x stride, transposed item vectors; may be NULL (then item_rows is read) */
    size_t stride;
    const float *item_bias; /* may be NULL */
    const gr_catalog *cat;  /* id space the evaluated graphs must share */
    const gr_model *model;  /* when set and its kind scores items itself, its score_items is used */
    const float *item_rows; /* n_items x dim, the item vectors as rows; may be NULL (then item_t is read).
                             * With both, the faster at dim is read (gr_score_from_rows). */
    /* user_range set: only the users [user_lo, user_hi) are scored (none
     * where the range is empty), and user_vec holds their rows alone (user
     * user_lo at row 0): under a communicator, a rank's own users, the
     * ranks' ranges cutting the users into parts.  Vectors only (model
     * NULL).  0: every user. */
    int user_range;
    size_t user_lo, user_hi;
} gr_rank_source;

/* The source of a finished model (its transposed item table made where
 * the scoring reads it: GR_ENOMEM when it cannot be). */
int gr_rank_source_of_model(gr_rank_source *src, const gr_model *m);

/*
 * Ranking metrics (see gnnrec/eval.h) for every user with test edges.
 * out has nk * GR_METRIC_COUNT entries.  Parallel over users;
 * deterministic for any thread count.
 */
int gr_rank_eval(double *out, size_t *n_users, const gr_rank_source *src, const gr_graph *exclude,
                 const gr_graph *test, const int *ks, size_t nk);

/*
 * gr_rank_eval of a sample of the users and split over the ranks of d.
 * max_users > 0: when more users than that have test edges, only those of
 * an even sample of 64-user blocks (by user id, the same on every rank)
 * are scored, about max_users of them; 0: all.  d NULL: alone (with
 * max_users 0, the same as gr_rank_eval).  Every rank holds the same
 * graphs; each scores its share of the blocks of users that have test
 * edges (with the source's user range, the users of that range, whose
 * rows alone it holds); the sums of the
 * per-user metrics and the number of users (nk x GR_METRIC_COUNT + 1
 * doubles) are added up in rank order (gr_dist_sum_ordered) and divided,
 * so every rank gets the same figure, the single process's up to the
 * order of the double sums.  Collective under d: its first collective is
 * one gr_dist_agree() of the rank's status, so a rank that failed before
 * calling it may call gr_dist_agree(d, its error) in its place.
 */
struct gr_dist;
int gr_rank_eval_on(double *out, size_t *n_users, const gr_rank_source *src, const gr_graph *exclude,
                    const gr_graph *test, const int *ks, size_t nk, size_t max_users, struct gr_dist *d);

/* The number of users gr_rank_eval_on scores with max_users. */
size_t gr_rank_sample_users(const gr_graph *test, size_t max_users);

/* Metrics of one ranked list of dense indices against a sorted relevant set. */
void gr_list_metrics(double *out, const int32_t *ranked, size_t n_ranked, const int32_t *rel, size_t n_rel, int k);

#endif
