/*
 * gnnrec/model.h - trained models: kinds, persistence, scores, vectors.
 *
 * A gr_model is produced by a trainer (gnnrec/trainer.h) or loaded from a
 * file.  It holds what inference needs: the user and item representations,
 * the id maps and metadata, and the training interactions (the items each
 * user has already seen).  A model is immutable and may be used from many
 * threads at once.
 */
#ifndef GNNREC_MODEL_H
#define GNNREC_MODEL_H

#include "common.h"
#include "graph.h"

GR_BEGIN_DECLS

typedef struct gr_model gr_model;

typedef enum gr_model_kind {
    GR_MODEL_LIGHTGCN = 1,  /* LightGCN (He et al., SIGIR 2020) */
    GR_MODEL_MF = 2,        /* matrix factorisation with BPR: LightGCN with 0 layers */
    GR_MODEL_GRAPHSAGE = 3, /* GraphSAGE with node features */
    GR_MODEL_TRANSE = 4,    /* knowledge-graph embeddings */
    GR_MODEL_DISTMULT = 5,
    GR_MODEL_ROTATE = 6,
    GR_MODEL_COMPLEX = 7,
    GR_MODEL_GFCF = 8,      /* GF-CF graph filter, training-free (Shen et al., CIKM 2021) */
    GR_MODEL_CHEBY = 9,     /* Chebyshev polynomial graph filter, training-free (ChebyCF style) */
    GR_MODEL_EASE = 10      /* EASE item-item ridge regression, closed form (Steck, WWW 2019) */
} gr_model_kind;

/* "lightgcn", "mf", "graphsage", "transe", "distmult", "rotate", "complex",
 * "gfcf", "cheby", "ease"; NULL for an unknown kind. */
GR_API const char *gr_model_kind_name(int kind);
/* The kind named `name` (case-insensitive).  GR_EINVAL when unknown. */
GR_API int gr_model_kind_from_name(int *kind, const char *name);

/* The kind of a model (a gr_model_kind), or 0 for NULL. */
GR_API int gr_model_kind_of(const gr_model *m);
/* The length of the user and item vectors, 0 for NULL and for kinds without
 * vectors (EASE). */
GR_API size_t gr_model_dim(const gr_model *m);
/*
 * The training graph the model was fitted on: its id maps, metadata and
 * the items each user has seen.  Borrowed: valid while the model lives.
 */
GR_API const gr_graph *gr_model_graph(const gr_model *m);

/*
 * A hyper-parameter or training statistic recorded in the model, by name:
 * "dim", "layers", "epochs", "lr", "reg", "seed", "best_epoch",
 * "train_seconds", ...  GR_ENOTFOUND when the model has no such entry.
 */
GR_API int gr_model_info(double *value, const gr_model *m, const char *key);

/*
 * Save to `path` in the gnnrec model format (docs/model-format.md).  The
 * file is written beside its destination and renamed over it, so a crash
 * never leaves a half-written model in place of a good one.
 */
GR_API int gr_model_save(const gr_model *m, const char *path);
/* Load a model.  GR_EIO (also for a file written in place while it was
 * read), GR_EFORMAT (not a model file), GR_EVERSION, GR_ECORRUPT
 * (truncated or checksum mismatch). */
GR_API int gr_model_load(gr_model **out, const char *path);
/* Free a model.  NULL is ignored. */
GR_API void gr_model_free(gr_model *m);

/* The model's score of (user, item): higher means more relevant.  For
 * rating objectives the score is the predicted rating, clamped to the
 * range of the training ratings (info entries rating_min, rating_max). */
GR_API int gr_model_score(float *score, const gr_model *m, int64_t user, int64_t item);

/* Copy the vector of one user / item (dim floats). */
GR_API int gr_model_user_vector(float *out, size_t dim, const gr_model *m, int64_t user);
GR_API int gr_model_item_vector(float *out, size_t dim, const gr_model *m, int64_t item);
/* Copy all user / item vectors, row-major rows x dim, rows in dense-index
 * order (gr_graph_user_id / gr_graph_item_id name them).  rows and dim must
 * match the model. */
GR_API int gr_model_user_vectors(float *out, size_t rows, size_t dim, const gr_model *m);
GR_API int gr_model_item_vectors(float *out, size_t rows, size_t dim, const gr_model *m);

GR_END_DECLS

#endif
