/* Filtered link prediction over KG parameters, shared by the public call and validation. */
#ifndef GR_EVAL_LINK_PREDICTION_H
#define GR_EVAL_LINK_PREDICTION_H

#include <stddef.h>

#include "kg/kg.h"
#include "models/kg_model.h"

/*
 * The rank of the answer of each query: queries are the tails of the test
 * triples listed in `which` (n indices; NULL: all), then their heads, as
 * `direction` asks (a gr_lp_direction), so ranks holds n or 2n values.
 * Entities that `filter` (NULL: none) knows as answers of the query,
 * other than the answer itself, are left out; ties count half.
 * precision is GR_KG_FAST or GR_KG_EXACT.  Parallel; deterministic.
 */
int gr_lp_ranks(double *ranks, const gr_kg_params *p, const gr_kg *test, const size_t *which, size_t n,
                const gr_kg *filter, int direction, int precision);

/* Queries are ranked in blocks of this many (per thread). */
#define GR_LP_BLOCK 16

/*
 * gr_lp_ranks for the queries [q_lo, q_hi) of the same numbering only,
 * into ranks[q_lo .. q_hi): a rank's share of the validation queries.
 * q_lo must be a multiple of GR_LP_BLOCK, so that every query is scored
 * in the block of queries it has in the whole run (the same kernel
 * values, the same rank).  GR_EINVAL otherwise.
 */
int gr_lp_ranks_part(double *ranks, const gr_kg_params *p, const gr_kg *test, const size_t *which, size_t n,
                     const gr_kg *filter, int direction, int precision, size_t q_lo, size_t q_hi);

/* MRR, MR and Hits@1/3/10 (gr_lp_metric order) of n ranks. */
void gr_lp_summarize(double *out, const double *ranks, size_t n);
/* Their sums (gr_lp_summarize before dividing by n), to add over ranks. */
void gr_lp_sums(double *out, const double *ranks, size_t n);

#endif
