/*
 * gnnrec/kg.h - knowledge graphs, knowledge-graph embeddings, link
 * prediction and explained recommendations.
 *
 * A gr_kg is a set of (head, relation, tail) triples over named entities
 * and relations, stored as CSR by (head, relation) and by (tail,
 * relation).  Knowledge graphs that describe parts of one dataset (train /
 * valid / test) share one id space: load the first with gr_kg_load(), the
 * others with gr_kg_load_like().  Entity and relation ids are the dense
 * indices 0..n-1 of that space; gr_kg_entity_name() names them.  A graph
 * is immutable once built and may be read from many threads.
 *
 * Models of the kinds GR_MODEL_TRANSE, GR_MODEL_DISTMULT, GR_MODEL_ROTATE
 * and GR_MODEL_COMPLEX embed entities and relations so that true triples
 * score higher than corrupted ones.  They are trained either on a gr_kg
 * with gr_kg_fit(), or, for recommendation, on a user-item graph with the
 * ordinary gr_trainer_fit(): the trainer turns the graph into triples
 * (gr_kg_from_graph()) and the model then ranks items for a user by the
 * score of (user, liked, item), so that evaluation, recommendation and
 * model files work as for every other kind.  docs/kg.md describes the
 * models, the settings and the measured results.
 */
#ifndef GNNREC_KG_H
#define GNNREC_KG_H

#include "common.h"
#include "graph.h"
#include "model.h"
#include "trainer.h"

GR_BEGIN_DECLS

typedef struct gr_kg gr_kg;

#define GR_KG_LOAD_OPTIONS_VERSION 2

/* Options of gr_kg_load().  Initialise with GR_KG_LOAD_OPTIONS_INIT.  A
 * version-1 struct (without comm) is still accepted. */
typedef struct gr_kg_load_options {
    unsigned int version;       /* GR_KG_LOAD_OPTIONS_VERSION */
    int dicts;                  /* 1: read entities.dict / relations.dict found beside the
                                   triple file (default); 0: ids in order of first appearance */
    const char *entities_path;  /* an explicit entity dictionary (id<TAB>name), or NULL */
    const char *relations_path; /* an explicit relation dictionary, or NULL */
    void *comm;                 /* version 2: MPI_Comm *: read the triple file in parts over
                                   this communicator (below); NULL: read it alone */
} gr_kg_load_options;

#define GR_KG_LOAD_OPTIONS_INIT { GR_KG_LOAD_OPTIONS_VERSION, 1, NULL, NULL, NULL }

/*
 * Load triples from a text file, one "head<TAB>relation<TAB>tail" per line
 * (lines without a tab are split on spaces; blank lines are ignored;
 * repeated triples are kept once).  With dictionaries, their ids are the
 * ids of the graph, every id 0..n-1 must appear once, and a name the
 * dictionary lacks is an error.  opts may be NULL for the defaults.
 * Errors: GR_EINVAL, GR_EIO (cannot open), GR_EFORMAT (the message names
 * file:line and the field), GR_ESTATE (no triples), GR_ENOMEM.
 *
 * With opts->comm (a pointer to an MPI_Comm; MPI initialised) the load is
 * collective: every rank of the communicator calls it with the same
 * arguments, reads and parses only its own byte range of the triple file
 * (split at line boundaries, as gr_graph_load() splits interaction files),
 * and the ranks exchange the names first seen in each range and the
 * parsed triples, so that every rank ends with the graph a single process
 * loads: the same entity and relation ids, the same triples.  Dictionaries
 * are read whole by every rank.  Every rank returns the same status and
 * message (a bad line is named by its line number in the whole file).
 * Without MPI support comm is GR_EUNSUPPORTED; before MPI_Init, GR_ESTATE.
 */
GR_API int gr_kg_load(gr_kg **out, const char *path, const gr_kg_load_options *opts);

/*
 * Load triples in the id space of `like` (valid and test files).  Triples
 * naming an entity or relation that `like` does not know are skipped and
 * counted (gr_kg_num_skipped()).  Errors as gr_kg_load(); a file without
 * any usable triple is not an error.
 */
GR_API int gr_kg_load_like(gr_kg **out, const gr_kg *like, const char *path);

/*
 * gr_kg_load_like() with options: of opts only `comm` is read (the ids are
 * like's, so the dictionary fields do not apply); NULL is
 * gr_kg_load_like().  With opts->comm the load is collective, as
 * gr_kg_load()'s: every rank parses only its byte range of the file, the
 * ranks exchange the parsed triples (3 x 4 bytes each) and the numbers
 * skipped, and every rank ends with the graph and the skipped count a
 * single process loads.  Errors as gr_kg_load(), every rank returning the
 * same status and message.
 */
GR_API int gr_kg_load_like_ext(gr_kg **out, const gr_kg *like, const char *path,
                               const gr_kg_load_options *opts);

/*
 * Build a graph from caller arrays of n names.  With like == NULL the names
 * define a new id space; otherwise the triples are mapped into like's and
 * unknown names are skipped and counted.
 */
GR_API int gr_kg_from_names(gr_kg **out, const gr_kg *like, const char *const *heads,
                            const char *const *relations, const char *const *tails, size_t n);

/* Side relations gr_kg_from_graph() adds (a bit mask). */
typedef enum gr_kg_side {
    GR_KG_SIDE_NONE = 0,
    GR_KG_SIDE_GENRE = 1,       /* (movie:ID, has_genre, genre:NAME) */
    GR_KG_SIDE_DECADE = 2,      /* (movie:ID, released_in, decade:1990s) */
    GR_KG_SIDE_AGE = 4,         /* (user:ID, has_age_group, age:25-34) */
    GR_KG_SIDE_OCCUPATION = 8,  /* (user:ID, has_occupation, occupation:NAME) */
    GR_KG_SIDE_GENDER = 16,     /* (user:ID, has_gender, gender:F) */
    GR_KG_SIDE_ALL = 31
} gr_kg_side;

/*
 * The knowledge graph of a user-item graph: (user:U, liked, movie:I) for
 * every edge whose rating is >= min_rating (0 keeps every edge), plus the
 * side relations selected by `side` wherever the graph's metadata knows
 * the value.  Entities are numbered users first (in the graph's user
 * order), then items, then attribute values; every user and item of the
 * graph is an entity even without triples.  GR_EINVAL (also for a
 * min_rating that is negative, NaN or infinite), GR_ENOMEM.
 */
GR_API int gr_kg_from_graph(gr_kg **out, const gr_graph *g, double min_rating, unsigned int side);

/* Free a graph.  NULL is ignored. */
GR_API void gr_kg_free(gr_kg *kg);

/* Sizes (0 for NULL).  Entities and relations count the whole id space. */
GR_API size_t gr_kg_num_entities(const gr_kg *kg);
GR_API size_t gr_kg_num_relations(const gr_kg *kg);
GR_API size_t gr_kg_num_triples(const gr_kg *kg);
/* Triples skipped because they named unknown entities or relations. */
GR_API size_t gr_kg_num_skipped(const gr_kg *kg);

/* The name of an entity / relation id, or NULL when out of range.  Owned
 * by the graph (and every graph or model sharing its id space). */
GR_API const char *gr_kg_entity_name(const gr_kg *kg, int64_t id);
GR_API const char *gr_kg_relation_name(const gr_kg *kg, int64_t id);
/* The id of a name.  GR_ENOTFOUND names the unknown name. */
GR_API int gr_kg_entity_id(int64_t *id, const gr_kg *kg, const char *name);
GR_API int gr_kg_relation_id(int64_t *id, const gr_kg *kg, const char *name);

/* Copy the triples, sorted by (head, relation, tail), into caller arrays
 * of length >= cap; any of them may be NULL.  *count gets the number of
 * triples (which may exceed cap). */
GR_API int gr_kg_triples(size_t *count, const gr_kg *kg, int64_t *heads, int64_t *relations,
                         int64_t *tails, size_t cap);

/* 1 if (head, relation, tail) is a triple of kg, else 0. */
GR_API int gr_kg_contains(const gr_kg *kg, int64_t head, int64_t relation, int64_t tail);

/* Write the triples by name, tab separated, atomically. */
GR_API int gr_kg_write(const gr_kg *kg, const char *path);

/* ---- training ------------------------------------------------------------ */

/*
 * Fit a knowledge-graph embedding to the triples of `train` with a trainer
 * of a KG kind (gr_trainer_new(&t, GR_MODEL_ROTATE), ...).  With `valid`
 * (in train's id space, or NULL) the trainer computes the filtered MRR on
 * it every eval_every epochs (filtering the triples of train and valid),
 * keeps the best parameters and applies the patience; the progress
 * callback receives that MRR as its validation metric.  The model keeps a
 * reference to train's id space and triples.  GR_EINVAL (not a KG kind,
 * different id spaces), GR_ESTATE (no triples), GR_ECANCELLED never (a
 * callback that stops training returns the model as it stands).
 */
GR_API int gr_kg_fit(gr_model **out, gr_trainer *t, const gr_kg *train, const gr_kg *valid);

/*
 * The knowledge graph a KG model was trained on: its id space names the
 * entities of gr_model_score_triple() and gr_model_explain().  Borrowed:
 * valid while the model lives.  GR_EUNSUPPORTED for other kinds.
 */
GR_API int gr_model_kg(const gr_kg **out, const gr_model *m);

/* The model's score of one triple (higher is more plausible).  GR_ERANGE
 * for ids outside the model's id space, GR_EUNSUPPORTED for other kinds. */
GR_API int gr_model_score_triple(float *score, const gr_model *m, int64_t head, int64_t relation,
                                 int64_t tail);

/* ---- link prediction ------------------------------------------------------ */

typedef enum gr_lp_metric {
    GR_LP_MRR = 0,    /* mean reciprocal rank */
    GR_LP_MR = 1,     /* mean rank */
    GR_LP_HITS1 = 2,  /* share of ranks <= 1 */
    GR_LP_HITS3 = 3,
    GR_LP_HITS10 = 4,
    GR_LP_COUNT = 5
} gr_lp_metric;

typedef enum gr_lp_direction {
    GR_LP_BOTH = 0, /* tails and heads, averaged over all 2n queries */
    GR_LP_TAILS = 1,
    GR_LP_HEADS = 2
} gr_lp_direction;

/*
 * Link prediction under the standard filtered protocol: for each triple
 * (h, r, t) of `test`, every entity e is scored as the tail (h, r, e) and
 * the rank of t is 1 + the number of entities that score higher + half
 * the number that tie, where entities e for which (h, r, e) is a triple
 * of any graph in known[0..n_known) (other than t itself) are left out;
 * the head direction likewise.  n_known = 0 gives the raw protocol.
 * Writes GR_LP_COUNT values.  Parallel over triples; deterministic.
 * All graphs must share the model's id space.
 */
GR_API int gr_eval_link_prediction(double *out, const gr_model *m, const gr_kg *test,
                                   const gr_kg *const *known, size_t n_known, int direction);

/*
 * The k entities that best complete one query of a KG model, best first:
 * the tails e of (anchor, relation, e) with direction GR_LP_TAILS, the
 * heads e of (e, relation, anchor) with GR_LP_HEADS.  scores[j] is the
 * model's score of entities[j]'s triple (higher is more plausible; the
 * distance models' gamma minus the distance), the value
 * gr_model_score_triple() gives up to the rounding of another order of
 * summation; equal scores list the lower id first.  With
 * exclude_training, the answers the model's training triples hold for the
 * query are left out (the filter of gr_eval_link_prediction() over the
 * training graph), so *n may be below k.  Ids are the model's
 * (gr_model_kg() names them).  entities and scores hold k values.
 * Parallel over entities; deterministic.  GR_EINVAL (NULL argument, a
 * direction other than GR_LP_TAILS / GR_LP_HEADS), GR_ERANGE (ids out of
 * range, k outside 1..entities), GR_EUNSUPPORTED (not a KG kind),
 * GR_ENOMEM.
 */
GR_API int gr_model_predict_links(size_t *n, const gr_model *m, int64_t anchor, int64_t relation, int direction,
                                  size_t k, int exclude_training, int64_t *entities, float *scores);

/*
 * gr_model_predict_links() for n queries at once: query i is
 * (anchors[i], relations[i], directions[i]).  Row i of the n x k arrays
 * entities and scores holds its list, counts[i] its length; slots past
 * counts[i] are set to -1 / NaN.  The lists are those of n single calls;
 * a batch scores each block of 16 queries against every entity in one
 * pass (docs/kg.md gives the cost), so it answers many queries several
 * times faster than one call each.  A bad query fails the whole call,
 * naming its index, before anything is written.  n = 0 is GR_OK.  Errors
 * as gr_model_predict_links().
 */
GR_API int gr_model_predict_links_batch(size_t *counts, const gr_model *m, const int64_t *anchors,
                                        const int64_t *relations, const int *directions, size_t n, size_t k,
                                        int exclude_training, int64_t *entities, float *scores);

/*
 * Update a KG model trained on triples with new triples without a full
 * retrain.  `added` holds them by its own names (gr_kg_load() or
 * gr_kg_from_names() without `like`); the entities and relations the model
 * lacks are appended to its id space in added's order, and the model's
 * keep their ids.  The new model is trained on the union of m's training
 * triples and added's: m's rows are its start, a new relation starts at
 * random, and a new entity where the model places it from its known
 * neighbours (the mean of the queries the added triples make of it: the
 * tail of (h, r, ?) at h's tail query through a relation the model knows;
 * for DistMult and ComplEx that direction at the mean length of the
 * entity rows), then a short schedule runs warm-started over the union
 * (4 epochs unless t sets `epochs`; docs/kg.md) with the settings m's fit
 * chose (its info), t's caller-set settings overriding them, without
 * validation.  The model's dim (and TransE's norm) are kept.  t may be
 * NULL for the defaults.  m is not changed: the result is a new model,
 * *out.  GR_EUNSUPPORTED (not a KG kind, or a KG model of a user-item
 * graph: gr_model_update), GR_EINVAL (NULL argument, a trainer of another
 * kind), GR_ESTATE (added has no triples), GR_ENOMEM.
 */
GR_API int gr_model_update_kg(gr_model **out, const gr_model *m, const gr_kg *added, gr_trainer *t);

/* ---- explanations ---------------------------------------------------------- */

typedef struct gr_kg_triple {
    int64_t head, relation, tail; /* ids in the model's knowledge graph */
} gr_kg_triple;

#define GR_EXPLAIN_MAX 4

/* One path of triples from a user to an item. */
typedef struct gr_explanation {
    size_t n_triples;                      /* triples used in `triples` */
    gr_kg_triple triples[GR_EXPLAIN_MAX];  /* from the user to the item */
    float weight;                          /* higher: a stronger reason */
} gr_explanation;

/*
 * Why a KG model trained on a user-item graph ranks `item` for `user`: up
 * to cap paths, strongest first, through the triples it was trained on:
 *   (user, liked, m) (m, has_genre, g) (item, has_genre, g)   shared genres
 *   (user, liked, m) (m, released_in, d) (item, released_in, d)  same decade
 *   (user, r, v) (other, r, v) (other, liked, item)   same age group, occupation, gender
 *   (user, liked, m) (other, liked, m) (other, liked, item)  users who liked the same
 * A path's weight is the model's belief in it: the mean sigmoid of the
 * scores of its triples, times the similarity, (1 + cosine) / 2, of the
 * two entities it joins (m and the item, or the other user and the user).
 * Ids are the model's (gr_model_kg() names them).  GR_ENOTFOUND for an unknown
 * user or item, GR_EUNSUPPORTED for models without a user-item graph.
 */
GR_API int gr_model_explain(size_t *n, const gr_model *m, int64_t user, int64_t item,
                            gr_explanation *paths, size_t cap);

GR_END_DECLS

#endif
