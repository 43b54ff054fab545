/*
 * Scoring by rows of an items x items matrix, shared by the kinds whose
 * scores are r M for a user's binary row r (EASE's B, a small catalogue's
 * filter matrix): a user's scores are the sum of the rows of its items.
 */
#ifndef GR_MODELS_ITEM_ROWS_H
#define GR_MODELS_ITEM_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "graph/graph.h"

/* scores (ni) = sum of rows items[0..n) of mat (ni x ni). */
void gr_item_rows_sum(const float *mat, size_t ni, const int32_t *items, size_t n, float *scores);

/* The same for the training users rows[0..nb) of g: nb rows of scores. */
void gr_item_rows_users(const float *mat, const gr_graph *g, const int32_t *rows, size_t nb, float *scores);

/* A sorted copy of n item indices (malloc'ed; NULL when out of memory):
 * a new user's items in a known user's order give bit-identical sums. */
int32_t *gr_item_rows_sorted(const int32_t *items, size_t n);

#endif
