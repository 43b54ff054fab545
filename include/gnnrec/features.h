/*
 * gnnrec/features.h - node features and cold start.
 *
 * GraphSAGE models read a dense feature row for every user and item.  By
 * default the library builds them from the training graph (docs/graphsage.md
 * lists the columns):
 *   users: age, gender, occupation (one-hot), log rating count, mean and
 *          spread of the user's ratings, share of ratings by hour of day
 *          and by day of week (UTC, from the timestamps);
 *   items: genres (multi-hot), release year, log popularity, mean rating.
 * Only the edges of the graph the features are built from are used, so
 * features of a training graph never see validation or test ratings.
 * Columns the data cannot fill (no ratings, no timestamps, no metadata)
 * are left out.  Continuous columns are standardised with constants taken
 * from the training graph and kept in the model.
 *
 * Callers may pass their own dense matrices instead
 * (gr_trainer_set_features()).
 *
 * Cold start: a model trained with features embeds users and items it has
 * never seen from their features and the few interactions they have,
 * without retraining (gr_model_new_user_vector(), gr_model_new_item_vector()
 * and the calls built on them).  Kinds without node features answer
 * GR_EUNSUPPORTED.
 */
#ifndef GNNREC_FEATURES_H
#define GNNREC_FEATURES_H

#include "common.h"
#include "graph.h"
#include "model.h"
#include "recommend.h"
#include "trainer.h"

GR_BEGIN_DECLS

/* The two node types of the bipartite graph. */
typedef enum gr_node_type {
    GR_NODE_USER = 0,
    GR_NODE_ITEM = 1
} gr_node_type;

/*
 * The number of built-in feature columns of `g`'s users or items (type, a
 * gr_node_type).  GR_EINVAL for a NULL argument or an unknown type.
 */
GR_API int gr_features_dim(size_t *dim, const gr_graph *g, int type);

/*
 * The built-in feature matrix of `g`'s users or items: rows x dim floats,
 * row-major, rows in dense-index order (gr_graph_user_id() /
 * gr_graph_item_id() name them).  rows and dim must equal the graph's node
 * count and gr_features_dim().  GR_EINVAL otherwise.
 */
GR_API int gr_features_compute(float *out, size_t rows, size_t dim, const gr_graph *g, int type);

/*
 * Use the caller's feature matrix for users or items (type) in the fits of
 * this trainer, instead of the built-in one.  `x` holds rows x dim floats,
 * row-major, rows in the training graph's dense-index order; it is copied.
 * rows must match the training graph at gr_trainer_fit() (GR_EINVAL
 * there otherwise).  For gr_model_update() of a model fitted on such a
 * matrix, rows are the grown graph's, or only its new users' / items'
 * (in the grown graph's order, after the model's rows, which are kept);
 * with no new node of the type the trainer may hold no matrix (the
 * model's rows are kept).  x = NULL (rows and dim 0) returns to the built-in
 * features.  GR_EUNSUPPORTED for kinds without node features, GR_EINVAL for
 * a NULL trainer, an unknown type, dim 0 with x set, or a non-finite value.
 */
GR_API int gr_trainer_set_features(gr_trainer *t, int type, const float *x, size_t rows, size_t dim);

/*
 * The width of the model's feature rows for users or items; 0 when the
 * model was trained without features.  GR_EUNSUPPORTED for kinds without
 * node features.
 */
GR_API int gr_model_feature_dim(size_t *dim, const gr_model *m, int type);

/* Copy the feature matrix the model was trained with (rows x dim, as
 * gr_features_compute() lays it out).  GR_EINVAL when rows or dim differ. */
GR_API int gr_model_features(float *out, size_t rows, size_t dim, const gr_model *m, int type);

#define GR_NEW_USER_VERSION 1

/* The ranges gr_new_user and gr_new_item fields are checked against
 * (GR_EINVAL outside them, naming the field). */
#define GR_NEW_USER_MAX_AGE 150
#define GR_NEW_ITEM_MIN_YEAR 1000
#define GR_NEW_ITEM_MAX_YEAR 9999

/*
 * A user the model has not seen.  Give demographics, a few rated items, or
 * both; every field may be left unknown.  For a model trained on caller
 * features, `features` must hold its row instead of the demographics.
 * Initialise with GR_NEW_USER_INIT.
 */
typedef struct gr_new_user {
    unsigned int version;      /* GR_NEW_USER_VERSION */
    int age;                   /* as in the training data (years, or the ML-1M age code), 0..150; -1 unknown */
    char gender;               /* 'M' or 'F' (upper case); 0 unknown */
    const char *occupation;    /* an occupation name of the training data (case-insensitive); NULL unknown */
    const int64_t *items;      /* ids of items the user interacted with (known to the model) */
    const float *ratings;      /* their ratings, within the training ratings' range; NULL: each counts as liked (the top rating) */
    const int64_t *timestamps; /* when, in Unix seconds; NULL unknown */
    size_t n_items;
    const float *features;     /* a caller feature row (gr_model_feature_dim() floats) or NULL */
} gr_new_user;

#define GR_NEW_USER_INIT { GR_NEW_USER_VERSION, -1, 0, NULL, NULL, NULL, NULL, 0, NULL }

#define GR_NEW_ITEM_VERSION 1

/* An item the model has not seen: its metadata and, optionally, the users
 * who already rated it.  Initialise with GR_NEW_ITEM_INIT. */
typedef struct gr_new_item {
    unsigned int version;      /* GR_NEW_ITEM_VERSION */
    uint64_t genres;           /* genre mask over the model's genres (gr_graph_genre_mask()); 0 unknown */
    int year;                  /* release year, 1000..9999; 0 unknown */
    const int64_t *users;      /* ids of users who interacted with it (known to the model) */
    const float *ratings;      /* their ratings, within the training ratings' range; NULL: each counts as the top rating */
    const int64_t *timestamps; /* when, in Unix seconds; NULL unknown */
    size_t n_users;
    const float *features;     /* a caller feature row (gr_model_feature_dim() floats) or NULL */
} gr_new_item;

#define GR_NEW_ITEM_INIT { GR_NEW_ITEM_VERSION, 0, 0, NULL, NULL, NULL, 0, NULL }

/*
 * The vector (dim floats) and bias a new user gets: the model's layers
 * applied to the user's features and neighbours, the representations of
 * the existing nodes unchanged.  Scores against item i are
 * <vec, item vector> + item bias + *bias (+ the global bias for rating
 * models), as for trained users.  bias may be NULL.  GR_EINVAL (bad
 * argument, dim mismatch, features missing for a caller-feature model),
 * GR_ENOTFOUND (unknown item id or occupation), GR_EUNSUPPORTED.
 */
GR_API int gr_model_new_user_vector(float *vec, size_t dim, float *bias, const gr_model *m, const gr_new_user *u);

/* Top-k items for a new user, as gr_model_recommend() for a known one
 * (with exclude_seen the user's given items are left out). */
GR_API int gr_model_recommend_new_user(size_t *n, const gr_model *m, const gr_new_user *u, size_t k,
                                       const gr_rec_options *opts, int64_t *items, float *scores);

/* The vector and bias of a new item; as gr_model_new_user_vector(). */
GR_API int gr_model_new_item_vector(float *vec, size_t dim, float *bias, const gr_model *m, const gr_new_item *it);

/*
 * Scores of a new item for known users (n_users ids, scores[k] for
 * users[k]); for rating models the predicted ratings.  GR_ENOTFOUND for an
 * unknown user id.
 */
GR_API int gr_model_score_new_item(float *scores, const gr_model *m, const gr_new_item *it, const int64_t *users,
                                   size_t n_users);

/* The k users who would score a new item highest, best first (scores may
 * be NULL); *n receives the number written.  GR_ERANGE for k < 1 or more
 * than the number of users. */
GR_API int gr_model_new_item_top_users(size_t *n, const gr_model *m, const gr_new_item *it, size_t k, int64_t *users,
                                       float *scores);

/*
 * The MovieLens tag genome as item features (docs/graphsage.md, "Tag
 * genome").  gr_genome_read() reads genome-scores.csv and genome-tags.csv
 * from a MovieLens 20M/25M/latest directory; gr_genome_fit() centres the
 * relevance rows of the graph's items that have genome scores and reduces
 * them to `dim` columns with a truncated SVD (seeded, so one seed gives one
 * projection); gr_features_genome() writes the reduced rows of a graph's
 * items, and gr_genome_project() the row of an item the graph has not seen
 * from its relevances (tag order of gr_genome_tag_id()), the same
 * projection, for cold start.  Items without genome scores get zeros (the
 * mean row).  Errors name file, line and field.
 */
typedef struct gr_genome gr_genome;

/* Read dir/genome-scores.csv and dir/genome-tags.csv.  GR_EIO, GR_EFORMAT,
 * GR_ENOMEM, GR_EINVAL. */
GR_API int gr_genome_read(gr_genome **out, const char *dir);
GR_API void gr_genome_free(gr_genome *gn);
/*
 * The users' own tags as the same kind of table: tags.csv
 * (userId,movieId,tag,timestamp; header line, CSV quoting) of a MovieLens
 * 20M/25M/latest directory.  A tag is its text trimmed and lower-cased; the
 * columns are the max_tags tags applied to the most movies (at least two;
 * ties: the tag seen first), each column's id (gr_genome_tag_id()) a 63-bit
 * hash of the tag's text; a movie's row is tf-idf, log(1 + applications) *
 * log(movies / movies with the tag), divided by the row's largest value, so
 * relevances lie in [0, 1] as the genome's do.  Movies none of whose tags
 * is a column have no row.  Fit, project, save and load as for the genome.
 * GR_EIO, GR_EFORMAT (file:line: field), GR_ENOMEM, GR_EINVAL (max_tags 0).
 */
GR_API int gr_genome_read_tags(gr_genome **out, const char *path, size_t max_tags);
/* Number of tags (columns of a relevance row) and movies in the files. */
GR_API size_t gr_genome_n_tags(const gr_genome *gn);
GR_API size_t gr_genome_n_movies(const gr_genome *gn);
/* The tag id of column c.  GR_ERANGE when c >= gr_genome_n_tags(). */
GR_API int gr_genome_tag_id(int64_t *id, const gr_genome *gn, size_t c);
/* The relevance row of a genome movie (n_tags floats); GR_ENOTFOUND. */
GR_API int gr_genome_scores(float *out, size_t n_tags, const gr_genome *gn, int64_t movie);

/*
 * Fit the projection on g's items that have genome scores: dim columns
 * (capped at the tags and those items), centred, all scaled by one
 * constant so that the block's columns have mean variance 1 on g's items
 * (weaker directions keep their smaller spread).  sigma, when not NULL,
 * receives the dim singular values of the centred matrix.  GR_EINVAL
 * (dim 0, no item of g in the genome), GR_ENOMEM.
 */
GR_API int gr_genome_fit(gr_genome *gn, const gr_graph *g, size_t dim, uint64_t seed, float *sigma);
/* The fitted width (0 before gr_genome_fit()). */
GR_API size_t gr_genome_dim(const gr_genome *gn);
/* The reduced rows of g's items (rows = items of g, dim = gr_genome_dim()),
 * in dense-index order.  GR_EINVAL on a size mismatch or before a fit. */
GR_API int gr_features_genome(float *out, size_t rows, size_t dim, const gr_genome *gn, const gr_graph *g);
/* The reduced row (dim floats) of one relevance row (n_tags floats in
 * [0, 1]).  GR_EINVAL. */
GR_API int gr_genome_project(float *out, size_t dim, const gr_genome *gn, const float *scores, size_t n_tags);

/*
 * Keep the fitted projection (tag ids, weights) in a file of its own,
 * written atomically, so that new items can be projected after a model is
 * loaded without the genome files.  A loaded genome has the projection and
 * tags but no movies (gr_genome_n_movies() 0).  GR_EINVAL (no projection),
 * GR_EIO, GR_ECORRUPT, GR_EFORMAT (not a projection file), GR_ENOMEM.
 */
GR_API int gr_genome_save(const gr_genome *gn, const char *path);
GR_API int gr_genome_load(gr_genome **out, const char *path);

GR_END_DECLS

#endif
