/*
 * gnnrec/graph.h - the interaction graph.
 *
 * A gr_graph is a bipartite user-item graph stored as CSR in both
 * directions, with the ratings and timestamps of its edges, the maps
 * between external ids and dense indices, and the metadata of the
 * catalogue (titles, genres and years of items; demographics of users).
 * A graph is immutable once built and may be read from many threads.
 *
 * Graphs that describe parts of one dataset (train / valid / test) share
 * one id space: build the first, then the others with gr_graph_load_like()
 * or gr_graph_split().  Ids that the shared id space does not know are
 * skipped and counted (gr_graph_num_skipped()).
 */
#ifndef GNNREC_GRAPH_H
#define GNNREC_GRAPH_H

#include "common.h"

GR_BEGIN_DECLS

typedef struct gr_graph gr_graph;

/* Input formats.  GR_FORMAT_AUTO detects the format from the file name and
 * its first lines. */
typedef enum gr_format {
    GR_FORMAT_AUTO = 0,
    GR_FORMAT_ADJACENCY = 1, /* "user item item ..." per line (LightGCN format) */
    GR_FORMAT_ML100K = 2,    /* u.data / u1.base: user\titem\trating\ttimestamp */
    GR_FORMAT_ML1M = 3,      /* ratings.dat (1M, 10M): user::item::rating::timestamp */
    GR_FORMAT_CSV = 4,       /* ratings.csv (latest, 20M, 25M): header, userId,movieId,rating,timestamp */
    GR_FORMAT_DELIMITED = 5  /* generic: user item [rating [timestamp]], split on tab, comma, space or ';' */
} gr_format;

/*
 * What the user and item fields of an interaction file hold.  Ids that
 * are names (usernames, SKUs, UUIDs: any text up to 1024 bytes, trimmed
 * of blanks) each get the id gr_name_id() gives: the same in every file,
 * process and MPI rank, so test files, updates and new users need no
 * shared dictionary.  The graph keeps each id's name
 * (gr_graph_user_name()), and so does a model saved from it.  Two names
 * with one id (a 63-bit hash: for n users or items, about n^2 / 2^64
 * chances, one in 10^7 for a million names, one in 20 for a billion) fail
 * the load, naming both.
 */
typedef enum gr_ids {
    GR_IDS_AUTO = 0,     /* integers, unless the file's first row has a user or item
                            field that is not an integer (not in GR_FORMAT_ML100K and
                            GR_FORMAT_ML1M files: MovieLens's ids are integers); a
                            file loaded like a named graph has names */
    GR_IDS_INTEGERS = 1, /* every id an integer: anything else is an error */
    GR_IDS_NAMES = 2     /* every id a name, "17" too */
} gr_ids;

#define GR_LOAD_OPTIONS_VERSION 3

/* Options of gr_graph_load() and gr_graph_load_like().  Initialise with
 * GR_LOAD_OPTIONS_INIT so that fields added by later versions get their
 * defaults.  Version-1 and -2 structs are still accepted: the library
 * reads comm only from version 2 on and ids from version 3 on. */
typedef struct gr_load_options {
    unsigned int version; /* GR_LOAD_OPTIONS_VERSION */
    int format;           /* a gr_format */
    double min_rating;    /* keep only ratings >= min_rating as edges; 0 keeps all */
    int metadata;         /* 1: read item and user metadata found beside the file
                             (u.item/u.user, movies.dat/users.dat, movies.csv) */
    const char *items_path; /* explicit item metadata file (u.item, movies.dat, movies.csv) or NULL */
    const char *users_path; /* explicit user metadata file (u.user, users.dat) or NULL */
    /* version 2: */
    void *comm;             /* MPI_Comm *: load over this communicator (below); NULL: load alone */
    /* version 3: */
    int ids;                /* a gr_ids */
} gr_load_options;

#define GR_LOAD_OPTIONS_INIT { GR_LOAD_OPTIONS_VERSION, GR_FORMAT_AUTO, 0.0, 1, NULL, NULL, NULL, GR_IDS_AUTO }

/*
 * Load a graph from an interaction file, or from a MovieLens directory
 * (u.data, ratings.dat or ratings.csv inside it).  opts may be NULL for the
 * defaults.  Errors: GR_EINVAL, GR_EIO (cannot open), GR_EFORMAT (message
 * names file:line and field), GR_ESTATE (no edges), GR_ENOMEM.
 *
 * With opts->comm (a pointer to an MPI_Comm; MPI initialised), the load is
 * collective over that communicator: every rank of it must call with the
 * same path and options.  Each rank reads only its own byte range of the
 * interaction file (ranges split at line boundaries), parses its lines,
 * and the ranks exchange the parsed edges, so that every rank returns the
 * graph a load alone gives: the same ids, edges and metadata (metadata
 * files, being small, are read whole by every rank).  Every rank returns
 * the same status; an error's message is that of the first failing rank,
 * "rank R of P: " followed by what a load alone would say (a bad line is
 * named by its line number in the whole file).  Every format is read in
 * parts; the interaction file must be a regular file (a pipe cannot be
 * read in parts: GR_EIO).  Without MPI support in the build, a non-NULL
 * comm is GR_EUNSUPPORTED; before MPI_Init, GR_ESTATE.
 * docs/distributed.md, "Loading".
 */
GR_API int gr_graph_load(gr_graph **out, const char *path, const gr_load_options *opts);

/*
 * Load a graph in the id space of `like` (the test file of a pre-split
 * dataset, loaded beside its train file).  Lines naming ids that `like`
 * does not know are skipped and counted.  The metadata is that of `like`.
 * The file's ids are names where like's are (GR_IDS_AUTO); opts->ids
 * naming the other kind is GR_EINVAL.
 * opts->comm makes the load collective, as for gr_graph_load().
 */
GR_API int gr_graph_load_like(gr_graph **out, const gr_graph *like, const char *path,
                              const gr_load_options *opts);

/*
 * Build a graph from caller arrays of n edges.  ratings and timestamps may
 * be NULL.  Edges with a rating below min_rating are dropped; repeated
 * (user, item) pairs are folded into one edge that keeps the last rating.
 */
GR_API int gr_graph_from_edges(gr_graph **out, const int64_t *users, const int64_t *items,
                               const float *ratings, const int64_t *timestamps, size_t n,
                               double min_rating);

/* As gr_graph_from_edges(), in the id space of `like`. */
GR_API int gr_graph_from_edges_like(gr_graph **out, const gr_graph *like, const int64_t *users,
                                    const int64_t *items, const float *ratings,
                                    const int64_t *timestamps, size_t n, double min_rating);

/*
 * As gr_graph_from_edges(), with each user and item given by its name
 * (ids that are names, gr_ids): its id is gr_name_id() of the name, and
 * the graph keeps the names, as a file of names loads.  A NULL name, or
 * one of 0 or more than 1024 bytes after trimming, is GR_EINVAL naming the
 * edge; two names with one id are GR_EFORMAT naming both.
 */
GR_API int gr_graph_from_named_edges(gr_graph **out, const char *const *users, const char *const *items,
                                     const float *ratings, const int64_t *timestamps, size_t n,
                                     double min_rating);

/* As gr_graph_from_named_edges(), in the id space of `like`, whose ids must
 * be names (GR_EINVAL otherwise); names it does not know are skipped. */
GR_API int gr_graph_from_named_edges_like(gr_graph **out, const gr_graph *like, const char *const *users,
                                          const char *const *items, const float *ratings,
                                          const int64_t *timestamps, size_t n, double min_rating);

/* Free a graph.  NULL is ignored. */
GR_API void gr_graph_free(gr_graph *g);

/* Sizes.  Users and items count the whole id space (metadata included),
 * not only the nodes with edges.  0 for a NULL graph. */
GR_API size_t gr_graph_num_users(const gr_graph *g);
GR_API size_t gr_graph_num_items(const gr_graph *g);
GR_API size_t gr_graph_num_edges(const gr_graph *g);
/* Lines or edges skipped because their ids were unknown (load_like). */
GR_API size_t gr_graph_num_skipped(const gr_graph *g);
/* 1 if the edges carry explicit ratings / timestamps, else 0. */
GR_API int gr_graph_has_ratings(const gr_graph *g);
GR_API int gr_graph_has_timestamps(const gr_graph *g);

/* The external id of the user / item with dense index `index`
 * (0 <= index < num_users / num_items), for enumerating.  GR_ERANGE. */
GR_API int gr_graph_user_id(int64_t *out, const gr_graph *g, size_t index);
GR_API int gr_graph_item_id(int64_t *out, const gr_graph *g, size_t index);

/*
 * The items of a user (or the users of an item) with their ratings.
 * Copies at most cap entries into items/ratings (either may be NULL) and
 * sets *count to the full number.  GR_ENOTFOUND for an unknown id.
 */
GR_API int gr_graph_user_items(size_t *count, const gr_graph *g, int64_t user, int64_t *items,
                               float *ratings, size_t cap);
GR_API int gr_graph_item_users(size_t *count, const gr_graph *g, int64_t item, int64_t *users,
                               float *ratings, size_t cap);

/* Copy all edges (user-major order) into caller arrays of length >= num_edges;
 * any of them may be NULL. */
GR_API int gr_graph_edges(const gr_graph *g, int64_t *users, int64_t *items, float *ratings,
                          int64_t *timestamps, size_t cap);

/* Write the edges to `path` atomically, as GR_FORMAT_ML100K (tab separated)
 * or GR_FORMAT_ADJACENCY.  A graph whose ids are names writes the names,
 * and loads again with GR_IDS_NAMES. */
GR_API int gr_graph_write(const gr_graph *g, const char *path, int format);

/* ---- names ------------------------------------------------------------- */

/* The id a name has in a graph whose ids are names (gr_ids): a 63-bit hash
 * of its bytes (FNV-1a, then the SplitMix64 finaliser, the top bit
 * cleared; docs/api.md), stable across versions and platforms.
 * name must be 1 to 1024 bytes: GR_EINVAL otherwise. */
GR_API int gr_name_id(int64_t *out, const char *name);
/* 1 if the graph's ids are names, else 0 (also for NULL). */
GR_API int gr_graph_has_names(const gr_graph *g);
/* The name of a user / item, or NULL when the ids are not names or the id
 * is unknown.  Owned by the graph (and the graphs and models sharing its
 * id space). */
GR_API const char *gr_graph_user_name(const gr_graph *g, int64_t user);
GR_API const char *gr_graph_item_name(const gr_graph *g, int64_t item);

/* ---- metadata ---------------------------------------------------------- */

/* Title of an item, or NULL when unknown.  Owned by the graph. */
GR_API const char *gr_graph_item_title(const gr_graph *g, int64_t item);
/* Release year of an item, 0 when unknown. */
GR_API int gr_graph_item_year(const gr_graph *g, int64_t item);
/* Genres of an item as a bit mask over gr_graph_genre_name(); 0 when unknown. */
GR_API uint64_t gr_graph_item_genres(const gr_graph *g, int64_t item);
/* Number of genre names known (at most 64) and the name of genre bit i. */
GR_API size_t gr_graph_num_genres(const gr_graph *g);
GR_API const char *gr_graph_genre_name(const gr_graph *g, size_t i);
/* Parse a comma-separated list of genre names (case-insensitive) into a
 * mask.  GR_ENOTFOUND names the unknown genre. */
GR_API int gr_graph_genre_mask(uint64_t *mask, const gr_graph *g, const char *names);

/* Demographics of a user.  age: years (ML-100K) or the age-group code
 * (ML-1M), -1 when unknown; gender: 'M', 'F' or 0; occupation: a name owned
 * by the graph, or NULL.  Any out-parameter may be NULL.  GR_ENOTFOUND. */
GR_API int gr_graph_user_info(const gr_graph *g, int64_t user, int *age, char *gender,
                              const char **occupation);

/* ---- splits ------------------------------------------------------------ */

typedef enum gr_split_method {
    GR_SPLIT_USER_RATIO = 1,    /* per user: a random share of the user's edges held out */
    GR_SPLIT_LEAVE_ONE_OUT = 2, /* per user: latest edge to test, the one before to valid */
    GR_SPLIT_RANDOM = 3         /* a random share of all edges */
} gr_split_method;

#define GR_SPLIT_OPTIONS_VERSION 1

typedef struct gr_split_options {
    unsigned int version; /* GR_SPLIT_OPTIONS_VERSION */
    int method;           /* a gr_split_method */
    double valid_ratio;   /* share for validation (ratio methods); 0: no valid graph */
    double test_ratio;    /* share for test (ratio methods) */
    uint64_t seed;        /* same seed, same split */
} gr_split_options;

#define GR_SPLIT_OPTIONS_INIT { GR_SPLIT_OPTIONS_VERSION, GR_SPLIT_USER_RATIO, 0.1, 0.1, 42 }

/*
 * Split g into train / valid / test graphs in g's id space.  opts may be
 * NULL for the defaults (GR_SPLIT_OPTIONS_INIT).  valid may be NULL when
 * valid_ratio is 0 (leave-one-out: when no valid graph is wanted).
 * Per-user methods keep at least one edge of every user in train.  A part
 * that is asked for and would be empty (too few edges for the ratios) is
 * GR_ESTATE rather than an empty graph.
 */
GR_API int gr_graph_split(gr_graph **train, gr_graph **valid, gr_graph **test, const gr_graph *g,
                          const gr_split_options *opts);

GR_END_DECLS

#endif
