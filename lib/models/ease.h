/*
 * EASE (Steck, WWW 2019): a closed-form item-item linear model.  With X
 * the binary user-item matrix, P = (X^T X + lambda I)^-1 and
 * B = I - P diag(1 / diag(P)) (zero diagonal); a user's row x scores all
 * items as x B.  B is items x items, so EASE suits catalogues whose square
 * fits in memory.  The model has no vectors (dim 0).
 */
#ifndef GR_MODELS_EASE_H
#define GR_MODELS_EASE_H

#include "models/model.h"

typedef struct gr_ease_state {
    float *b; /* n_items x n_items */
} gr_ease_state;

extern const gr_model_ops gr_ease_ops;

/* Bytes a fit needs at its peak: through the items' Gram matrix (it and
 * the triangular inverse in double, the best B of a search), or through
 * the users' (by_users: its matrix and inverse, a new B and the best). */
double gr_ease_bytes(size_t n_users, size_t n_items, int by_users);

/* A finished EASE model from train; takes b (n_items^2 floats). */
int gr_ease_model(gr_model **out, const gr_graph *train, float *b, double lambda);

#endif
