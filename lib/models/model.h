/*
 * The model object shared by every kind.
 *
 * After training, every kind materialises what inference needs as user
 * and item vectors plus optional biases, so that scoring, evaluation,
 * recommendation, the file format and the bindings are written once:
 *     score(u, i) = <user_vec[u], item_vec[i]> + item_bias[i] + user_bias[u] + global_bias
 * A kind whose scores are not of this form supplies score_items.  The
 * kind's own training state (LightGCN's layer-0 embeddings, GraphSAGE
 * weights, ...) lives behind `state` and is saved by its ops.
 */
#ifndef GR_MODELS_MODEL_H
#define GR_MODELS_MODEL_H

#include <gnnrec/model.h>
#include <stddef.h>
#include <stdint.h>

#include "graph/graph.h"
#include "kernels/dense.h"

struct gr_writer;
struct gr_reader;

typedef struct gr_model_ops {
    int kind;
    /* The vector of a new user from dense item indices; NULL: unsupported. */
    int (*fold_in)(const gr_model *m, const int32_t *items, size_t n, float *out);
    /* Scores of all items for a user vector, before user and global bias;
     * NULL: the dot-product form. */
    int (*score_items)(const gr_model *m, const float *user_vec, float *scores);
    /* Kind-specific state to and from the model file; NULL: none. */
    int (*save_state)(const gr_model *m, struct gr_writer *w);
    int (*load_state)(gr_model *m, struct gr_reader *r);
    /* Rebuild derived data after loading (e.g. propagated layers). */
    int (*prepare)(gr_model *m);
    void (*free_state)(gr_model *m);
    /* Scores of all items for the known users rows[0..nb) (dense
     * indices, any order, repeats allowed), nb rows of n_items, for kinds
     * whose scores are not a function of a user vector (the graph filters,
     * EASE); NULL: the user vectors are scored. */
    int (*score_users)(const gr_model *m, const int32_t *rows, size_t nb, float *scores);
    /* Scores of all items for a new user who liked `items` (dense indices);
     * NULL: fold_in, then the vector is scored. */
    int (*score_liked)(const gr_model *m, const int32_t *items, size_t n, float *scores);
    /* The part of items[k] in the fold-in vector of items[0..n) (dim
     * floats); fold_in is the sum of the parts over k.  NULL: the kind's
     * fold-in is not a sum over the items (explanations unsupported). */
    int (*fold_in_part)(const gr_model *m, const int32_t *items, size_t n, size_t k, float *out);
} gr_model_ops;

typedef struct gr_info_entry {
    char key[32];
    double value;
} gr_info_entry;

#define GR_MAX_INFO 48

struct gr_model {
    int kind;
    const gr_model_ops *ops;
    gr_graph *graph; /* training graph (a reference) */
    size_t n_users, n_items, dim;
    float *user_vec;  /* n_users x dim */
    float *item_vec;  /* n_items x dim */
    float *user_bias; /* n_users, may be NULL */
    float *item_bias; /* n_items, may be NULL */
    float global_bias;
    /* derived, not saved */
    float *item_vec_t; /* dim x item_stride, for scoring many items at once: read through gr_model_items_t */
    size_t item_stride;
    float *item_norm;  /* |item_vec[i]|, for cosine similarity */
    size_t n_info;
    gr_info_entry info[GR_MAX_INFO];
    void *state;
};

/* The ops of a kind (NULL when the kind has none). */
const gr_model_ops *gr_model_ops_of(int kind);

/* A model of train's shape and dim sharing train's graph, without vectors
 * (the caller gives it user_vec and item_vec). */
int gr_model_new(gr_model **out, int kind, const gr_graph *train, size_t dim);

/* A model with zeroed vectors of the given shape, sharing train's graph. */
int gr_model_create(gr_model **out, int kind, const gr_graph *train, size_t dim, int with_user_bias,
                    int with_item_bias);

/* Compute the derived tables; call once the vectors are final (and again
 * whenever they change: the transposed table is dropped, to be made anew). */
int gr_model_finish(gr_model *m);

/* The item vectors transposed (dim x item_stride), made on the first call
 * after gr_model_finish; safe to call from several threads at once.  NULL
 * when out of memory (error recorded). */
const float *gr_model_items_t(const gr_model *m);

/* Give the transposed table back (the next gr_model_items_t makes it
 * again): for a model kept aside while another is built. */
void gr_model_drop_items_t(gr_model *m);

/* Whether the model's scores are products of its user and item vectors:
 * its kind scores neither users nor items itself, so a score can be taken a
 * part of the items at a time from the layouts below. */
int gr_model_scores_vectors(const gr_model *m);

/* The layouts scoring user vectors against every item reads: the item rows,
 * and the transposed table unless the rows score faster at the model's dim
 * (gr_score_rows_preferred) or the kind scores itself
 * (!gr_model_scores_vectors), so the table is made only where it is read.
 * GR_ENOMEM when it cannot be made. */
int gr_model_item_layouts(gr_item_layouts *out, const gr_model *m);

/* Record an info entry (replacing one of the same key). */
void gr_model_set_info(gr_model *m, const char *key, double value);

/* The value of an info entry; 0 when the model has none (no error recorded). */
int gr_model_find_info(const gr_model *m, const char *key, double *value);

/* The range of the training graph's ratings (the recorded one for rating
 * models); 0 when the graph has none. */
int gr_model_train_rating_range(const gr_model *m, float *lo, float *hi);

/* Make a rating model clamp its predictions to the training ratings' range:
 * from the info entries rating_min and rating_max when the model file has
 * them, else from the training graph's ratings (and recorded as entries). */
void gr_model_set_rating_range(gr_model *m);

/* How a model reports its predictions: rating models clamp them to the
 * training ratings' range (the info entries rating_min and rating_max, which
 * only rating models have).  Kept out of struct gr_model, whose layout the
 * ABI baseline records. */
typedef struct gr_rating_clamp {
    int on;
    float lo, hi;
} gr_rating_clamp;

gr_rating_clamp gr_model_rating_clamp(const gr_model *m);

/* A prediction as reported; rankings use the unclamped value. */
static inline float gr_clamp_rating(const gr_rating_clamp *c, float raw)
{
    if (!c->on) return raw;
    return raw < c->lo ? c->lo : raw > c->hi ? c->hi : raw;
}

/* Scores of all items for user vector uv (and user bias ub); GR_ENOMEM
 * when a kind's own scoring cannot allocate its scratch. */
int gr_model_score_all(const gr_model *m, const float *uv, float ub, float *scores);

#endif
